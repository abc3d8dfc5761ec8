//! Company access tokens (`GET /companies/{companyId}/accessToken`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An access token provisioned for one company (`Company access token`). `Debug` hides the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyAccessToken {
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// The token.
    pub access_token: String,
    /// The kind of token, e.g. `Bearer`.
    pub token_type: String,
}

impl CompanyAccessToken {
    /// The `Authorization` header value: the token type, a space and the token.
    pub fn authorization_header(&self) -> String {
        format!("{} {}", self.token_type, self.access_token)
    }
}

impl fmt::Debug for CompanyAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompanyAccessToken")
            .field("expires_in", &self.expires_in)
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_not_debugged() {
        let t: CompanyAccessToken = serde_json::from_str(
            r#"{"expiresIn":86400,"accessToken":"s3cret","tokenType":"Bearer"}"#,
        )
        .unwrap();
        assert_eq!(t.authorization_header(), "Bearer s3cret");
        assert!(!format!("{t:?}").contains("s3cret"));
    }
}
