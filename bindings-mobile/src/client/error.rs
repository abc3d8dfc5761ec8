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
            client::Error::HistoryUnknown { operations, .. } => BankFeedsError::HistoryUnknown {
                operations: row(operations.len()),
                reason,
            },
            other => BankFeedsError::Other {
                kind: other.kind().as_str().to_owned(),
                reason,
            },
        }
    }
}
