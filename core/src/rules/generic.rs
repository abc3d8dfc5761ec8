//! Codat's generic rules, for platforms bankfeeds has no profile for.

use super::Profile;

pub(super) const PROFILE: Profile = Profile::GENERIC;
