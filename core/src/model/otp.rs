//! One-time passwords for linking a bank feed (`POST .../bankFeeds/otp`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dates::Timestamp;

/// A one-time password and when it expires (`OTP response`). `Debug` hides the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateOtpResponse {
    /// The one-time password.
    pub otp: String,
    /// When it stops working (UTC).
    pub expiry: Timestamp,
}

impl GenerateOtpResponse {
    /// Whether the password has expired at `now`.
    pub fn is_expired_at(&self, now: Timestamp) -> bool {
        now >= self.expiry
    }
}

impl fmt::Debug for GenerateOtpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerateOtpResponse")
            .field("otp", &"[redacted]")
            .field("expiry", &self.expiry)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_and_debug() {
        let r: GenerateOtpResponse =
            serde_json::from_str(r#"{"otp":"GT40U4","expiry":"2026-04-08T10:30:00Z"}"#).unwrap();
        assert!(!r.is_expired_at("2026-04-08T10:29:59Z".parse().unwrap()));
        assert!(r.is_expired_at("2026-04-08T10:30:00Z".parse().unwrap()));
        assert!(!format!("{r:?}").contains("GT40U4"));
    }
}
