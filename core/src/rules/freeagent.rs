//! FreeAgent (`fbrh`).
//!
//! - Balance required (spec text; the spec's own FreeAgent example leaves it out, so bankfeeds
//!   reports a missing balance as an error, the safer reading).
//! - FreeAgent takes the direction from the transaction type, not the sign (Codat's FreeAgent
//!   guide): a sign that contradicts the type is booked the type's way, so it is a warning that
//!   says what will happen rather than a sign error.

use super::{Platform, Profile};
use crate::validate::Severity;

pub(super) const PROFILE: Profile = Profile {
    platform: Platform::FreeAgent,
    name: "FreeAgent",
    missing_balance: Some(Severity::Error),
    type_decides_direction: true,
    ..Profile::GENERIC
};
