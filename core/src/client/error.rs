//! The client's errors: what Codat answered, what the network did, and what the client refused.
//!
//! Every variant keeps the values a caller needs (status, Codat's error body and correlation id,
//! the validation report...) so bindings can give each language a structured exception instead
//! of a string. No variant ever holds the API key or a custom authorisation value.

use std::fmt;
use std::time::Duration;

use super::rate_limit::RateLimit;
use crate::model::{ErrorMessage, PushOperationStatus, ValidationItem};
use crate::validate::ValidationReport;

/// Codat answered with an error status (4xx or 5xx).
///
/// ```
/// use bankfeeds::client::ApiError;
/// use bankfeeds::model::ErrorMessage;
/// let e = ApiError {
///     status: 404,
///     method: "GET",
///     path: "/companies/c1".into(),
///     message: Some(ErrorMessage {
///         error: Some("Company not found".into()),
///         correlation_id: Some("abc123".into()),
///         ..Default::default()
///     }),
///     body_snippet: None,
///     retry_after: None,
///     rate_limit: None,
/// };
/// assert_eq!(e.to_string(), "GET /companies/c1 answered 404: Company not found (correlation id abc123)");
/// assert!(!e.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The request's method.
    pub method: &'static str,
    /// The request's path (and query), relative to the base URL.
    pub path: String,
    /// Codat's error body, when the answer carried one.
    pub message: Option<ErrorMessage>,
    /// The start of the body, when it was not Codat's error body (a proxy's HTML page, say).
    pub body_snippet: Option<String>,
    /// How long the server asked to wait (`Retry-After`), if it did.
    pub retry_after: Option<Duration>,
    /// Codat's rate-limit headers on the answer, if it had any.
    pub rate_limit: Option<RateLimit>,
}

impl ApiError {
    /// The id to quote to Codat support.
    pub fn correlation_id(&self) -> Option<&str> {
        self.message.as_ref()?.correlation_id.as_deref()
    }

    /// Codat's validation errors, if the request failed validation.
    pub fn validation_errors(&self) -> &[ValidationItem] {
        self.message
            .as_ref()
            .map(ErrorMessage::validation_errors)
            .unwrap_or_default()
    }

    /// Whether trying again later could succeed: `408`, `429` and `5xx`, unless Codat's body says
    /// `canBeRetried: False`; any status whose body says `canBeRetried: True`.
    pub fn is_retryable(&self) -> bool {
        let flag = self.message.as_ref().and_then(ErrorMessage::retryable);
        match flag {
            Some(flag) => flag,
            None => is_retryable_status(self.status),
        }
    }
}

/// `408`, `429` and `5xx`: the statuses the spec's retry policy retries.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} answered {}", self.method, self.path, self.status)?;
        if let Some(m) = &self.message {
            write!(f, ": {}", m.error.as_deref().unwrap_or("error"))?;
            for item in m.validation_errors() {
                if let Some(text) = &item.message {
                    write!(f, "; {text}")?;
                }
            }
            if let Some(id) = &m.correlation_id {
                write!(f, " (correlation id {id})")?;
            }
        } else if let Some(snippet) = &self.body_snippet {
            write!(f, ": {snippet}")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in a client call.
///
/// Errors returned after retries are the last attempt's error: retryable ones
/// ([`Error::is_retryable`]) were already retried as long as the [`super::RetryPolicy`] allows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Codat answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// No answer within the request timeout.
    #[error("{method} {path}: no answer within {}s", timeout.as_secs_f64())]
    Timeout {
        /// The request's method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The timeout that passed.
        timeout: Duration,
    },
    /// The connection failed: refused, reset, dropped mid-answer, TLS or DNS failure.
    #[error("{method} {path}: {message}")]
    Transport {
        /// The request's method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// What happened.
        message: String,
        /// Whether the request may have reached the server (`false` only when the connection was
        /// never made).
        sent: bool,
    },
    /// The answer could not be read as the expected type.
    #[error(
        "{method} {path}: could not read the {status} answer as {expected}: {message}; the body starts {snippet:?}"
    )]
    Decode {
        /// The request's method.
        method: &'static str,
        /// The request's path.
        path: String,
        /// The HTTP status of the answer.
        status: u16,
        /// The type expected.
        expected: &'static str,
        /// What did not fit.
        message: String,
        /// The start of the body.
        snippet: String,
    },
    /// The client is not configured correctly (no API key, a bad base URL...).
    #[error("client configuration: {0}")]
    Config(String),
    /// Nothing was sent: the transactions have errors. The report lists every finding.
    #[error("nothing was pushed: {} error(s) in the transactions, first: {}", .0.error_count(), first_error(.0))]
    Validation(Box<ValidationReport>),
    /// The source account is not on the connection.
    #[error("{}", Error::source_account_not_found(.company_id, .connection_id, .account_id))]
    SourceAccountNotFound {
        /// The company.
        company_id: String,
        /// The connection.
        connection_id: String,
        /// The account looked for.
        account_id: String,
    },
    /// A push may or may not have been accepted and the client could not find out, so it did not
    /// send it again. Look the push up later (or rerun `push_transactions`, which checks first).
    #[error(
        "the push of {transactions} transaction(s) to account `{account_id}` has an unknown outcome ({attempt}); looking it up failed: {lookup}"
    )]
    PushOutcomeUnknown {
        /// The source account.
        account_id: String,
        /// Transactions in the push.
        transactions: usize,
        /// What went wrong with the push itself.
        attempt: Box<Error>,
        /// What went wrong looking it up.
        lookup: Box<Error>,
    },
    /// Another push on the same connection, by this client, lost its answer and could not be
    /// looked up: its operation, if any, says nothing of what it carried and could be taken for
    /// this account's, so nothing more is sent on the connection by pushes that began before
    /// it. Nothing of this batch was sent; rerun (the rerun finds the lost push first). Its
    /// code is [`crate::ErrorCode::PushOutcomeUnknown`].
    #[error(
        "batch not sent to account `{account_id}`: another push on connection {connection_id} has an unknown outcome, which a look-up could confuse with this account's; rerun"
    )]
    ConnectionUnsettled {
        /// The source account whose batch was not sent.
        account_id: String,
        /// The connection.
        connection_id: String,
    },
    /// A push operation did not finish within the wait.
    #[error("push operation {operation_key} is still {status} after {}s", waited.as_secs())]
    WaitTimeout {
        /// The push operation.
        operation_key: String,
        /// Its last status.
        status: PushOperationStatus,
        /// How long the client waited.
        waited: Duration,
    },
    /// What the account already has cannot be told: push operations on the connection that the
    /// ledger does not know and whose transactions the server does not say (the spec's push
    /// operations carry no `data`). Nothing was sent. Choose what to do with
    /// `PushOptions::unknown_history` (each binding names it in its own language).
    #[error(
        "cannot tell what account `{account_id}` already has: {} push operation(s) on the connection are not in the push ledger and do not say what they carried (first: {}); nothing was sent. Push from the machine whose ledger recorded them, or choose: trust the rows as new, or skip through a cursor (PushOptions::unknown_history)",
        .operations.len(),
        .operations.first().map_or("", String::as_str)
    )]
    HistoryUnknown {
        /// The source account.
        account_id: String,
        /// The unknown operations' keys.
        operations: Vec<String>,
    },
    /// Another pusher holds the account's lease (another process, or another machine sharing the
    /// ledger). Nothing was sent.
    #[error(
        "account `{account_id}` is being pushed by {holder} (its lease runs until {expires_at}); nothing was sent. Wait for it, or allow waiting (PushOptions::lock_wait)"
    )]
    AccountBusy {
        /// The source account.
        account_id: String,
        /// Who holds it (process and host).
        holder: String,
        /// When the lease lapses unless renewed.
        expires_at: crate::dates::Timestamp,
    },
    /// Looking for a push whose answer was lost could not read every operation requested since
    /// the push began (too many to examine, or the server's order could not be relied on).
    #[error(
        "could not look through every push operation since the push began ({examined} examined, the limit is LookupOptions::max_operations)"
    )]
    LookupIncomplete {
        /// Operations examined.
        examined: usize,
    },
    /// The push ledger ([`crate::client::push::ledger::PushLedger`]) could not be read or written. When
    /// writing failed, the batch it was recording had been pushed: the report says which.
    #[error("the push ledger failed: {message}")]
    Ledger {
        /// What went wrong.
        message: String,
    },
}

fn first_error(report: &ValidationReport) -> String {
    report
        .errors()
        .next()
        .map_or_else(|| "none".to_owned(), ToString::to_string)
}

impl Error {
    /// The message of [`Error::SourceAccountNotFound`], for a binding whose own error carries
    /// the three ids.
    pub fn source_account_not_found(
        company_id: &str,
        connection_id: &str,
        account_id: &str,
    ) -> String {
        format!(
            "source account `{account_id}` was not found on connection {connection_id} of company {company_id}"
        )
    }

    /// The error's code in the table every language shares ([`crate::ErrorCode`]): what Python's
    /// `.code`, JavaScript's `code` and Kotlin's and Swift's `code()` carry for this error.
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            Error::Api(_) => C::Api,
            Error::Timeout { .. } => C::Timeout,
            Error::Transport { .. } => C::Transport,
            Error::Decode { .. } => C::Decode,
            Error::Config(_) => C::Config,
            Error::Validation(_) => C::Validation,
            Error::SourceAccountNotFound { .. } => C::SourceAccountNotFound,
            Error::PushOutcomeUnknown { .. } | Error::ConnectionUnsettled { .. } => {
                C::PushOutcomeUnknown
            }
            Error::WaitTimeout { .. } => C::WaitTimeout,
            Error::HistoryUnknown { .. } => C::HistoryUnknown,
            Error::AccountBusy { .. } => C::AccountBusy,
            Error::LookupIncomplete { .. } => C::LookupIncomplete,
            Error::Ledger { .. } => C::Ledger,
        }
    }

    /// Whether the same call could succeed later: retryable statuses (see
    /// [`ApiError::is_retryable`]), timeouts, connection failures, unknown push outcomes and
    /// unfinished waits. Bad requests, decoding, configuration and validation errors are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::Timeout { .. }
            | Error::Transport { .. }
            | Error::PushOutcomeUnknown { .. }
            | Error::ConnectionUnsettled { .. }
            | Error::WaitTimeout { .. }
            | Error::AccountBusy { .. } => true,
            Error::Decode { .. }
            | Error::Config(_)
            | Error::Validation(_)
            | Error::SourceAccountNotFound { .. }
            | Error::HistoryUnknown { .. }
            | Error::LookupIncomplete { .. }
            | Error::Ledger { .. } => false,
        }
    }

    /// The HTTP status, for errors Codat answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Codat's error body, for errors Codat answered with one.
    pub fn error_message(&self) -> Option<&ErrorMessage> {
        match self {
            Error::Api(e) => e.message.as_ref(),
            _ => None,
        }
    }

    /// Codat's correlation id, to quote to Codat support.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.correlation_id(),
            _ => None,
        }
    }

    /// The validation report, for [`Error::Validation`].
    pub fn validation_report(&self) -> Option<&ValidationReport> {
        match self {
            Error::Validation(r) => Some(r),
            _ => None,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            _ => None,
        }
    }

    /// Codat's rate-limit headers on the error answer, when it had them.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Error::Api(e) => e.rate_limit.as_ref(),
            _ => None,
        }
    }

    pub(crate) fn api(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }

    pub(crate) fn ledger(doing: &str, e: crate::client::push::ledger::LedgerError) -> Self {
        Error::Ledger {
            message: format!("{doing}: {e}"),
        }
    }
}

/// The first `max` characters of a body, for messages: valid UTF-8 cut on a character boundary,
/// control characters shown as spaces.
pub(crate) fn snippet(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max * 4)]);
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > max || body.len() > max * 4 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, can_be_retried: Option<&str>) -> ApiError {
        ApiError {
            status,
            method: "GET",
            path: "/x".into(),
            message: Some(ErrorMessage {
                status_code: Some(status),
                error: Some("boom".into()),
                can_be_retried: can_be_retried.map(Into::into),
                ..Default::default()
            }),
            body_snippet: None,
            retry_after: None,
            rate_limit: None,
        }
    }

    #[test]
    fn retryable_statuses_and_flags() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(api(s, None).is_retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422] {
            assert!(!api(s, None).is_retryable(), "{s}");
        }
        assert!(!api(503, Some("False")).is_retryable());
        assert!(api(400, Some("True")).is_retryable());
        assert!(api(500, Some("Unknown")).is_retryable());
        assert!(Error::api(api(429, None)).is_retryable());
        assert!(!Error::Config("x".into()).is_retryable());
    }

    #[test]
    fn messages_carry_the_details() {
        let mut e = api(400, None);
        e.message.as_mut().unwrap().validation = Some(crate::model::Validation {
            errors: Some(vec![ValidationItem {
                message: Some("amount is required".into()),
                ..Default::default()
            }]),
            warnings: None,
        });
        e.message.as_mut().unwrap().correlation_id = Some("c0ffee".into());
        e.retry_after = Some(Duration::from_secs(3));
        let err = Error::api(e);
        assert_eq!(
            err.to_string(),
            "GET /x answered 400: boom; amount is required (correlation id c0ffee) (retry after 3s)"
        );
        assert_eq!(err.correlation_id(), Some("c0ffee"));
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.code().as_str(), "api");
        let plain = ApiError {
            message: None,
            body_snippet: Some("<html>Bad gateway".into()),
            ..api(502, None)
        };
        assert_eq!(plain.to_string(), "GET /x answered 502: <html>Bad gateway");
    }

    #[test]
    fn snippets_are_short_and_clean() {
        assert_eq!(snippet(b"abc", 10), "abc");
        assert_eq!(snippet(b"a\nb\tc", 10), "a b c");
        assert_eq!(snippet("ééééé".as_bytes(), 3), "ééé…");
        assert_eq!(snippet(&[0xff, b'a'], 5), "\u{fffd}a");
    }
}
