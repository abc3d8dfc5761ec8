//! The one error type every exported function throws: a sealed exception class in Kotlin, an
//! `Error` enum in Swift.

use std::time::SystemTime;

use bankfeeds::ErrorCode;

use crate::client::PushOperationStatus;
use crate::report::{Field, ValidationReport};

/// Everything that can go wrong in a bankfeeds call, by kind, so an app can tell a broken
/// transaction from a server that is down.
///
/// Kotlin sees a sealed class; catch the cases you handle:
///
/// ```kotlin
/// try {
///     val bodies = pushBodies("acc-1", transactions, null)
/// } catch (e: BankFeedsException.Validation) {
///     val first = e.report.issues.first { it.severity == Severity.ERROR }
///     println("row ${first.row}, ${first.field}: ${first.message}")
/// } catch (e: BankFeedsException) {
///     println(e) // toString() is the readable message
/// }
/// ```
///
/// Swift sees `enum BankFeedsError: Error` with the same cases (`.InvalidInput(row:field:reason:)`).
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum BankFeedsError {
    /// The transactions break a rule, so nothing was sent; `report` holds every finding.
    #[error("the transactions have {} error(s); nothing was sent:\n{}", report.error_count, report.summary)]
    Validation {
        /// Every finding, errors and warnings.
        report: ValidationReport,
    },
    /// A value passed in cannot be used (an option, an anchor, a request's field): `field` says
    /// which. Transactions that cannot be used are `Validation`, with every finding.
    #[error("{}{reason}", row.map(|r| format!("row {r}: ")).unwrap_or_default())]
    InvalidInput {
        /// Zero-based row of the transaction, when the value is in one.
        row: Option<u32>,
        /// The field at fault.
        field: Option<Field>,
        /// What is wrong, for a person.
        reason: String,
    },
    /// The server answered with an error status (4xx, 5xx), after the retries the status
    /// allows.
    #[error("{reason}")]
    Api {
        /// The HTTP status.
        status: u32,
        /// Codat's correlation id, to quote to Codat support.
        correlation_id: Option<String>,
        /// Codat's error text, when the answer carried Codat's error body.
        codat_error: Option<String>,
        /// Codat's validation errors, when the request failed validation.
        validation_errors: Vec<String>,
        /// Whether trying again later could succeed (`408`, `429`, `5xx`, unless Codat says
        /// otherwise).
        retryable: bool,
        /// How long the server asked to wait, when it did.
        retry_after_seconds: Option<u64>,
        /// Codat's rate-limit headers on the answer, when it had them.
        rate_limit: Option<crate::client::RateLimit>,
        /// The whole message, for a person.
        reason: String,
    },
    /// The request got no answer: no network, refused, reset, TLS or DNS failure, or a timeout.
    /// Worth retrying later.
    #[error("{reason}")]
    Transport {
        /// Whether the request timed out.
        timed_out: bool,
        /// Whether the request may have reached the server (`false` only when no connection was
        /// made).
        sent: bool,
        /// What happened.
        reason: String,
    },
    /// The server answered, but not with what the API promises (a proxy's page, say).
    #[error("{reason}")]
    UnexpectedResponse {
        /// The HTTP status of the answer.
        status: u32,
        /// What did not fit.
        reason: String,
    },
    /// The client is not configured correctly (a bad base URL, header or option).
    #[error("{reason}")]
    Configuration {
        /// What is wrong.
        reason: String,
    },
    /// The source account `account_id` is not on connection `connection_id` of company
    /// `company_id`.
    #[error(
        "{}",
        bankfeeds::client::Error::source_account_not_found(.company_id, .connection_id, .account_id)
    )]
    SourceAccountNotFound {
        company_id: String,
        connection_id: String,
        account_id: String,
    },
    /// A push may or may not have been accepted and the client could not find out, so it did not
    /// send it again. Pushing the same transactions again later checks first.
    #[error("{reason}")]
    PushOutcomeUnknown {
        /// The source account.
        account_id: String,
        /// Transactions in the push.
        transactions: u32,
        /// What happened.
        reason: String,
    },
    /// A push operation did not finish within the wait; it may still succeed.
    #[error("push operation {operation_key} is still {status:?} after {waited_seconds}s")]
    WaitTimeout {
        /// The push operation.
        operation_key: String,
        /// Its last status.
        status: PushOperationStatus,
        /// How long the client waited.
        waited_seconds: u64,
    },
    /// What the account already has cannot be told: push operations on the connection that the
    /// push ledger does not know and that do not say what they carried (a new device, a lost
    /// ledger, or another system pushing to the connection). Nothing was sent. Choose with
    /// `PushOptions.unknownHistory`.
    #[error("{reason}")]
    HistoryUnknown {
        /// The source account.
        account_id: String,
        /// The keys of the push operations nobody can account for.
        operations: Vec<String>,
        /// The whole message.
        reason: String,
    },
    /// Another pusher holds the account's lease in the push ledger (another push in this app, or
    /// another device sharing the ledger). Nothing was sent; worth retrying once it is done.
    #[error("{reason}")]
    AccountBusy {
        /// The source account.
        account_id: String,
        /// Who holds it (process and host).
        holder: String,
        /// When the lease lapses unless renewed.
        expires_at: SystemTime,
        /// The whole message.
        reason: String,
    },
    /// Looking for a push whose answer was lost could not read every push operation requested
    /// since it began, so its outcome is left unknown rather than guessed.
    #[error("{reason}")]
    LookupIncomplete {
        /// Push operations examined.
        examined: u32,
        /// The whole message.
        reason: String,
    },
    /// The push ledger could not be opened, read or written (a `ledgerPath` that cannot be
    /// written, or a `PushLedger` that threw). Nothing more was sent.
    #[error("{reason}")]
    Ledger {
        /// What went wrong, with what the ledger said.
        reason: String,
    },
    /// A webhook delivery refused by `verifyWebhook` (server-side Kotlin): `code` is
    /// `missing_header`, `invalid_timestamp`, `expired`, `invalid_signature`, `invalid_secret` or
    /// `invalid_body`, the same in every language; answer the request with `status` (401, 400,
    /// or 500 for a bad secret). Kotlin: `BankFeedsException.WebhookException`.
    #[error("{reason}")]
    WebhookError {
        /// Why, as a stable code (also `code()`).
        code: String,
        /// The HTTP status to answer the delivery with.
        status: u32,
        /// What is wrong, for a person (never the secret).
        reason: String,
    },
    /// An error kind newer than this binding.
    #[error("{reason}")]
    Other {
        /// The core's name for the kind.
        kind: String,
        /// The whole message.
        reason: String,
    },
}

#[uniffi::export]
impl BankFeedsError {
    /// The error's stable code, the same in every language bankfeeds speaks: the core's error
    /// kind (`validation`, `api`, `timeout`, `transport`, `decode`, `config`,
    /// `source_account_not_found`, `push_outcome_unknown`, `wait_timeout`, `history_unknown`,
    /// `account_busy`, `lookup_incomplete`, `ledger`), `invalid_input` for a value this binding
    /// could not use, a webhook refusal's own code (`missing_header`, `invalid_timestamp`,
    /// `expired`, `invalid_signature`, `invalid_secret`, `invalid_body`), or the kind named by
    /// `Other`.
    pub fn code(&self) -> String {
        let kind = match self {
            BankFeedsError::Validation { .. } => ErrorCode::Validation,
            BankFeedsError::InvalidInput { .. } => return "invalid_input".to_owned(),
            BankFeedsError::Api { .. } => ErrorCode::Api,
            BankFeedsError::Transport {
                timed_out: true, ..
            } => ErrorCode::Timeout,
            BankFeedsError::Transport { .. } => ErrorCode::Transport,
            BankFeedsError::UnexpectedResponse { .. } => ErrorCode::Decode,
            BankFeedsError::Configuration { .. } => ErrorCode::Config,
            BankFeedsError::SourceAccountNotFound { .. } => ErrorCode::SourceAccountNotFound,
            BankFeedsError::PushOutcomeUnknown { .. } => ErrorCode::PushOutcomeUnknown,
            BankFeedsError::WaitTimeout { .. } => ErrorCode::WaitTimeout,
            BankFeedsError::HistoryUnknown { .. } => ErrorCode::HistoryUnknown,
            BankFeedsError::AccountBusy { .. } => ErrorCode::AccountBusy,
            BankFeedsError::LookupIncomplete { .. } => ErrorCode::LookupIncomplete,
            BankFeedsError::Ledger { .. } => ErrorCode::Ledger,
            BankFeedsError::WebhookError { code, .. } => return code.clone(),
            BankFeedsError::Other { kind, .. } => return kind.clone(),
        };
        kind.as_str().to_owned()
    }
}

impl BankFeedsError {
    /// An `InvalidInput` about an option rather than a row.
    pub(crate) fn option(field: Option<Field>, reason: impl ToString) -> Self {
        BankFeedsError::InvalidInput {
            row: None,
            field,
            reason: reason.to_string(),
        }
    }
}
