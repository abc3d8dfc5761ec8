//! The one table of error kinds, with the stable code every language's errors carry.
//!
//! A finding in a report has a [`crate::validate::Code`]; an *error* (an exception in Python and
//! JavaScript, a `BankFeedsException` in Kotlin, a thrown `BankFeedsError` in Swift) has an
//! [`ErrorCode`]: Python's `.code`, JavaScript's `code`, Kotlin's and Swift's `code()`. The same
//! core error has the same code, and the same class or case, in every language; `docs/contract.md`
//! maps each code to its class in each.
//!
//! ```
//! use bankfeeds::ErrorCode;
//! assert_eq!(ErrorCode::Decode.as_str(), "decode");
//! assert_eq!("account_busy".parse::<ErrorCode>(), Ok(ErrorCode::AccountBusy));
//! assert!(ErrorCode::ALL.iter().all(|c| c.as_str().parse() == Ok(*c)));
//! ```

use std::fmt;
use std::str::FromStr;

/// What kind of error, as a stable snake_case code: the same string in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Rows (or one transaction) break a rule, so nothing was done: the error carries the whole
    /// report, its first error as `issue`.
    Validation,
    /// The input as a whole cannot be read as rows (an Arrow column of a type no field takes):
    /// a kind of `validation`.
    Schema,
    /// A value passed in cannot be used (a Kotlin/Swift argument or option the binding could not
    /// read).
    InvalidInput,
    /// An argument of the wrong kind (rows that are not a list, a batch size that is not a
    /// count).
    InvalidArgument,
    /// An option that is unknown or has an unusable value.
    InvalidOption,
    /// Input, or a result, larger than one call takes.
    TooLarge,
    /// The client or an option is not configured correctly (no API key, a bad base URL, both an
    /// opening and a closing balance).
    Config,
    /// Codat answered with an error status (4xx, 5xx).
    Api,
    /// Codat answered, but not with what the API promises (a proxy's page, a body that does not
    /// fit the model).
    Decode,
    /// No answer within the request timeout.
    Timeout,
    /// The connection failed: refused, reset, TLS or DNS failure.
    Transport,
    /// The source account is not on the connection.
    SourceAccountNotFound,
    /// A push may or may not have been accepted, and looking it up failed.
    PushOutcomeUnknown,
    /// A push operation did not finish within the wait.
    WaitTimeout,
    /// What the account already has cannot be told; nothing was sent.
    HistoryUnknown,
    /// Another push holds the account; nothing was sent.
    AccountBusy,
    /// A push whose answer was lost could not be looked up.
    LookupIncomplete,
    /// The push ledger could not be read or written.
    Ledger,
    /// A webhook delivery without the signature headers.
    MissingHeader,
    /// A webhook delivery whose timestamp is not a number of seconds.
    InvalidTimestamp,
    /// A webhook delivery signed too long ago (or too far ahead).
    Expired,
    /// A webhook delivery whose signature does not match.
    InvalidSignature,
    /// A webhook signing secret that is not `whsec_` and base64.
    InvalidSecret,
    /// A webhook delivery whose body is not an event.
    InvalidBody,
    /// A client call made where it cannot run (inside a callback of another client call).
    Reentrancy,
    /// A bug in bankfeeds, stopped safely at the language boundary.
    Internal,
}

impl ErrorCode {
    /// Every code, in the order of the table.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::Validation,
        ErrorCode::Schema,
        ErrorCode::InvalidInput,
        ErrorCode::InvalidArgument,
        ErrorCode::InvalidOption,
        ErrorCode::TooLarge,
        ErrorCode::Config,
        ErrorCode::Api,
        ErrorCode::Decode,
        ErrorCode::Timeout,
        ErrorCode::Transport,
        ErrorCode::SourceAccountNotFound,
        ErrorCode::PushOutcomeUnknown,
        ErrorCode::WaitTimeout,
        ErrorCode::HistoryUnknown,
        ErrorCode::AccountBusy,
        ErrorCode::LookupIncomplete,
        ErrorCode::Ledger,
        ErrorCode::MissingHeader,
        ErrorCode::InvalidTimestamp,
        ErrorCode::Expired,
        ErrorCode::InvalidSignature,
        ErrorCode::InvalidSecret,
        ErrorCode::InvalidBody,
        ErrorCode::Reentrancy,
        ErrorCode::Internal,
    ];

    /// The stable code.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::Schema => "schema",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::InvalidOption => "invalid_option",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Config => "config",
            ErrorCode::Api => "api",
            ErrorCode::Decode => "decode",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Transport => "transport",
            ErrorCode::SourceAccountNotFound => "source_account_not_found",
            ErrorCode::PushOutcomeUnknown => "push_outcome_unknown",
            ErrorCode::WaitTimeout => "wait_timeout",
            ErrorCode::HistoryUnknown => "history_unknown",
            ErrorCode::AccountBusy => "account_busy",
            ErrorCode::LookupIncomplete => "lookup_incomplete",
            ErrorCode::Ledger => "ledger",
            ErrorCode::MissingHeader => "missing_header",
            ErrorCode::InvalidTimestamp => "invalid_timestamp",
            ErrorCode::Expired => "expired",
            ErrorCode::InvalidSignature => "invalid_signature",
            ErrorCode::InvalidSecret => "invalid_secret",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::Reentrancy => "reentrancy",
            ErrorCode::Internal => "internal",
        }
    }

    /// Every code as text, in the order of the table: what each binding exports
    /// (`bankfeeds.error_codes()`, `errorCodes()`) so its tests can walk the table.
    pub fn all_codes() -> Vec<&'static str> {
        ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that is no [`ErrorCode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an error code")]
pub struct UnknownErrorCode(pub String);

impl FromStr for ErrorCode {
    type Err = UnknownErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownErrorCode(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails to compile when a variant is added without a place in the table's order.
    fn position(c: ErrorCode) -> usize {
        match c {
            ErrorCode::Validation => 0,
            ErrorCode::Schema => 1,
            ErrorCode::InvalidInput => 2,
            ErrorCode::InvalidArgument => 3,
            ErrorCode::InvalidOption => 4,
            ErrorCode::TooLarge => 5,
            ErrorCode::Config => 6,
            ErrorCode::Api => 7,
            ErrorCode::Decode => 8,
            ErrorCode::Timeout => 9,
            ErrorCode::Transport => 10,
            ErrorCode::SourceAccountNotFound => 11,
            ErrorCode::PushOutcomeUnknown => 12,
            ErrorCode::WaitTimeout => 13,
            ErrorCode::HistoryUnknown => 14,
            ErrorCode::AccountBusy => 15,
            ErrorCode::LookupIncomplete => 16,
            ErrorCode::Ledger => 17,
            ErrorCode::MissingHeader => 18,
            ErrorCode::InvalidTimestamp => 19,
            ErrorCode::Expired => 20,
            ErrorCode::InvalidSignature => 21,
            ErrorCode::InvalidSecret => 22,
            ErrorCode::InvalidBody => 23,
            ErrorCode::Reentrancy => 24,
            ErrorCode::Internal => 25,
        }
    }

    #[test]
    fn the_table_is_complete_unique_and_round_trips() {
        for (i, &c) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(position(c), i, "{c} is out of place in ErrorCode::ALL");
            assert_eq!(c.as_str().parse::<ErrorCode>(), Ok(c));
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c} is not snake_case"
            );
        }
        assert_eq!(ErrorCode::ALL.len(), 26);
        let mut seen = ErrorCode::all_codes();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), ErrorCode::ALL.len(), "two codes share a text");
        assert!("nope".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn the_docs_list_every_code() {
        let docs = include_str!("../../docs/contract.md");
        for c in ErrorCode::ALL {
            assert!(
                docs.contains(&format!("| `{c}` |")),
                "docs/contract.md has no row for the error code `{c}`"
            );
        }
    }
}
