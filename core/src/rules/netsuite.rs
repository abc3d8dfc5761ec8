//! Oracle NetSuite (`akxx`).
//!
//! - Balance required (spec). Nothing else is documented beyond the generic rules.

use super::{Platform, Profile};
use crate::validate::Severity;

pub(super) const PROFILE: Profile = Profile {
    platform: Platform::NetSuite,
    name: "NetSuite",
    missing_balance: Some(Severity::Error),
    ..Profile::GENERIC
};
