//! Sage Bank Feeds (`olpr`).
//!
//! - Balance required (spec).
//! - None in the future, in order, none older than the newest already on the account (Codat's
//!   Sage guide). The feed starts when the account connects, so earlier dates are refused.

use super::{Platform, Profile};
use crate::validate::Severity;

pub(super) const PROFILE: Profile = Profile {
    platform: Platform::Sage,
    name: "Sage",
    missing_balance: Some(Severity::Error),
    before_feed_start: Severity::Error,
    older_than_latest: Severity::Error,
    ..Profile::GENERIC
};
