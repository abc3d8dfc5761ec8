//! The client's errors as `BankFeedsError` cases: one per kind of the core's `client::Error`.

use bankfeeds::client;

use crate::client::PushOperationStatus;
use crate::convert::row;
use crate::error::BankFeedsError;

impl From<client::Error> for BankFeedsError {
    fn from(e: client::Error) -> Self {
        let reason = e.to_string();
        match e {
            client::Error::Api(api) => BankFeedsError::Api {
                status: u32::from(api.status),
                correlation_id: api.correlation_id().map(str::to_owned),
                codat_error: api.message.as_ref().and_then(|m| m.error.clone()),
                validation_errors: api
                    .validation_errors()
                    .iter()
                    .filter_map(|v| v.message.clone())
                    .collect(),
                retryable: api.is_retryable(),
                retry_after_seconds: api.retry_after.map(|d| d.as_secs()),
                rate_limit: api.rate_limit.as_ref().map(crate::client::RateLimit::from),
                reason,
            },
            client::Error::Timeout { .. } => BankFeedsError::Transport {
                timed_out: true,
                sent: true,
                reason,
            },
            client::Error::Transport { sent, .. } => BankFeedsError::Transport {
                timed_out: false,
                sent,
                reason,
            },
            client::Error::Decode { status, .. } => BankFeedsError::UnexpectedResponse {
                status: u32::from(status),
                reason,
            },
            client::Error::Config(_) => BankFeedsError::Configuration { reason },
            client::Error::Validation(report) => BankFeedsError::Validation {
                report: (*report).into(),
            },
            client::Error::SourceAccountNotFound {
                company_id,
                connection_id,
                account_id,
            } => BankFeedsError::SourceAccountNotFound {
                company_id,
                connection_id,
                account_id,
            },
            client::Error::PushOutcomeUnknown {
                account_id,
                transactions,
                ..
            } => BankFeedsError::PushOutcomeUnknown {
                account_id,
                transactions: row(transactions),
                reason,
            },
            client::Error::WaitTimeout {
                operation_key,
                status,
                waited,
            } => BankFeedsError::WaitTimeout {
                operation_key,
                status: PushOperationStatus::from_core(&status),
                waited_seconds: waited.as_secs(),
            },
            client::Error::HistoryUnknown {
                account_id,
                operations,
            } => BankFeedsError::HistoryUnknown {
                reason: history_unknown(&account_id, &operations),
                account_id,
                operations,
            },
            client::Error::AccountBusy {
                account_id,
                holder,
                expires_at,
            } => BankFeedsError::AccountBusy {
                reason: format!(
                    "account `{account_id}` is being pushed by {holder} (its lease runs until {expires_at}); nothing was sent. Wait for that push to finish, or let this one wait for it (PushOptions lockWaitMs)"
                ),
                account_id,
                holder,
                expires_at: expires_at.utc().into(),
            },
            client::Error::LookupIncomplete { examined } => BankFeedsError::LookupIncomplete {
                examined: row(examined),
                reason,
            },
            client::Error::Ledger { .. } => BankFeedsError::Ledger { reason },
            other => BankFeedsError::Other {
                kind: other.code().as_str().to_owned(),
                reason,
            },
        }
    }
}

/// The HistoryUnknown message, naming the options as Kotlin and Swift spell them.
fn history_unknown(account_id: &str, operations: &[String]) -> String {
    format!(
        "cannot tell what account `{account_id}` already has: {} push operation(s) on the connection are not in the push ledger and do not say what they carried (first: {}); nothing was sent. Push with the ledger that recorded them (PushOptions ledgerPath or ledger), or choose: `unknownHistory = UnknownHistory.Trust` when none of the rows is on the account yet, or `unknownHistory = UnknownHistory.SkipThrough(date, id)` to skip the rows the account already has, up to that day (and that transaction); in Swift `unknownHistory: .trust` or `.skipThrough(date:id:)`",
        operations.len(),
        operations.first().map_or("", String::as_str)
    )
}
