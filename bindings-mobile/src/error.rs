//! The one error type every exported function throws: a sealed exception class in Kotlin, an
//! `Error` enum in Swift.

use bankfeeds::validate;

use crate::client::PushOperationStatus;
use crate::convert::row;
use crate::report::{Field, ValidationReport};

/// Everything that can go wrong in a bankfeeds call, by kind, so an app can tell a broken
/// transaction from a server that is down.
///
/// Kotlin sees a sealed class; catch the cases you handle:
///
/// ```kotlin
/// try {
///     val bodies = pushBodies("acc-1", transactions, null)
/// } catch (e: BankFeedsException.InvalidInput) {
///     println("row ${e.row}, ${e.field}: ${e.reason}")
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
    /// A value passed in cannot be used: `row` and `field` say where, when it is in a
    /// transaction.
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
    /// The source account is not on the connection.
    #[error(
        "source account `{account_id}` was not found on connection {connection_id} of company {company_id}"
    )]
    SourceAccountNotFound {
        /// The company.
        company_id: String,
        /// The connection.
        connection_id: String,
        /// The account looked for.
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
    /// What the account already has cannot be told, so rows could be pushed twice: nothing was
    /// sent.
    #[error("{reason}")]
    HistoryUnknown {
        /// Push operations on the connection that the ledger does not know.
        operations: u32,
        /// The whole message.
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

impl BankFeedsError {
    /// The first error of a report from reading rows, as an `InvalidInput`; `None` when the rows
    /// were all readable.
    pub(crate) fn first_error(report: &validate::ValidationReport) -> Option<Self> {
        report
            .errors()
            .next()
            .map(|issue| BankFeedsError::InvalidInput {
                row: issue.row.map(row),
                field: issue.field.as_ref().and_then(Field::from_core),
                reason: issue.message.clone(),
            })
    }

    /// An `InvalidInput` about an option rather than a row.
    pub(crate) fn option(field: Option<Field>, reason: impl ToString) -> Self {
        BankFeedsError::InvalidInput {
            row: None,
            field,
            reason: reason.to_string(),
        }
    }
}
