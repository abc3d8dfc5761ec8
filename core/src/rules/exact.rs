//! Exact Online (Netherlands and UK; Codat publishes no platform key for its bank feed).
//!
//! - Balance required (spec). GBP accounts need a six-digit sort code (generic rule).

use super::{Platform, Profile};
use crate::validate::Severity;

pub(super) const PROFILE: Profile = Profile {
    platform: Platform::Exact,
    name: "Exact Online",
    missing_balance: Some(Severity::Error),
    ..Profile::GENERIC
};
