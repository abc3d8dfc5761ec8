//! Xero (`gbol`).
//!
//! - Balance required (spec, `BankTransactions.balance`).
//! - Nothing older than one year, nothing in the future, nothing before the feed start date and
//!   nothing older than the newest transaction already on the account (Codat's Xero push guide).
//!   Xero's statement lines are dates (its Bank Feeds API's `postedDate` is a date), so "older"
//!   compares calendar dates: a row later on the same day as the newest one, or earlier in it,
//!   is not older.
//! - Statement line limits from Xero's own Bank Feeds API: description 2000, payee (our
//!   counterparty) 255, reference 255.
//! - Bank feeds only for BANK and CREDITCARD accounts: v1 `accountType` `Debit` or `Credit`.

use super::{Platform, Profile};
use crate::validate::Severity;

pub(super) const PROFILE: Profile = Profile {
    platform: Platform::Xero,
    name: "Xero",
    missing_balance: Some(Severity::Error),
    max_age_days: Some(365),
    before_feed_start: Severity::Error,
    older_than_latest: Severity::Error,
    latest_by_date: true,
    max_description: Some(2000),
    max_counterparty: Some(255),
    max_reference: Some(255),
    account_types: Some(&["Debit", "Credit"]),
    ..Profile::GENERIC
};
