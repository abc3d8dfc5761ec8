//! Bank feed credentials: the username and password a platform (QuickBooks Online Bank Feeds)
//! uses to fetch transactions from Codat.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The credentials `POST .../bankFeedAccounts/credentials` returns (`Bank Account Credentials`),
/// which the customer types into their platform. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankAccountCredentials {
    /// The username the platform signs in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The password the platform signs in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl fmt::Debug for BankAccountCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BankAccountCredentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_not_debugged() {
        let c: BankAccountCredentials =
            serde_json::from_str(r#"{"username":"S0MW-TR0P-7DS0","password":"cO0ajh0uGyTN0Pwh"}"#)
                .unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("S0MW-TR0P-7DS0"));
        assert!(!shown.contains("cO0ajh0uGyTN0Pwh"));
        assert!(
            serde_json::to_string(&c)
                .unwrap()
                .contains("cO0ajh0uGyTN0Pwh")
        );
    }
}
