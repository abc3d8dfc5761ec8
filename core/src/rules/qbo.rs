//! QuickBooks Online Bank Feeds (`hcws`).
//!
//! - US and Canadian companies only.
//! - Cleared transactions only, none in the future, none older than the newest already on the
//!   account (Codat's QBO push guide).
//! - The guide's field table requires `description`; `balance` is optional in the spec but
//!   required by that table, so a missing balance is a warning.
//! - `transactionType` only `Credit`, `Debit` or `Unknown`; `counterparty`, `reference` and
//!   `reconciled` are dropped.

use super::{Platform, Profile, Regions};
use crate::model::TransactionType;
use crate::validate::{Field, Severity};

pub(super) const PROFILE: Profile = Profile {
    platform: Platform::QuickBooksOnline,
    name: "QuickBooks Online",
    missing_balance: Some(Severity::Warning),
    description_required: true,
    older_than_latest: Severity::Error,
    allowed_types: Some(&[
        TransactionType::Credit,
        TransactionType::Debit,
        TransactionType::Unknown,
    ]),
    ignored_fields: &[Field::Counterparty, Field::Reference, Field::Reconciled],
    regions: Some(Regions {
        countries: &["US", "CA"],
        currencies: &["USD", "CAD"],
    }),
    ..Profile::GENERIC
};
