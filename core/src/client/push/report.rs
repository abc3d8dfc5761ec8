//! What a push did: each batch's operation, what was skipped, and where and why it stopped.

use std::fmt;
use std::sync::Arc;

use crate::client::Error;
use crate::model::{PushOperation, PushOperationStatus, ValidationItem};
use crate::normalise::Change;
use crate::rules::Platform;
use crate::validate::ValidationReport;

/// One batch that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Position of the batch, from 0.
    pub index: usize,
    /// Codat's key for its push operation.
    pub operation_key: String,
    /// The operation's final status (or its last one, if waiting stopped first).
    pub status: PushOperationStatus,
    /// Transactions in the batch.
    pub transactions: usize,
    /// Id of the batch's first transaction.
    pub first_id: String,
    /// Id of the batch's last transaction.
    pub last_id: String,
    /// Codat's error message, for a failed operation.
    pub error_message: Option<String>,
    /// Codat's validation errors, for a failed operation.
    pub validation_errors: Vec<ValidationItem>,
    /// Whether the push's answer was lost and the operation was found by looking it up.
    pub recovered: bool,
}

impl BatchOutcome {
    pub(crate) fn new(
        index: usize,
        op: &PushOperation,
        transactions: usize,
        first_id: &str,
        last_id: &str,
        recovered: bool,
    ) -> Self {
        BatchOutcome {
            index,
            operation_key: op.push_operation_key.clone(),
            status: op.status.clone(),
            transactions,
            first_id: first_id.to_owned(),
            last_id: last_id.to_owned(),
            error_message: op.error_message.clone(),
            validation_errors: op.validation_errors().to_vec(),
            recovered,
        }
    }

    /// Whether the batch's transactions were written.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}

/// Why a push stopped before its last batch.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PushStop {
    /// The platform refused a batch (`Failed`): nothing of it was written. Fix the rows and
    /// rerun; batches after it were not sent.
    OperationFailed {
        /// The batch.
        batch: usize,
        /// Its push operation, with Codat's error message and validation.
        operation: Box<PushOperation>,
    },
    /// A batch's operation ended `TimedOut`: Codat stopped waiting for the platform, which may
    /// still have written it. It is never sent again on its own: check the accounting platform,
    /// then rerun (its rows are held back) or rerun with [`super::PushOptions::resend`].
    TimedOut {
        /// The batch.
        batch: usize,
        /// Its push operation.
        operation_key: String,
        /// Its transactions.
        transaction_ids: Vec<String>,
    },
    /// A batch's operation was still pending when the wait ended. It may still succeed: a rerun
    /// waits for it before pushing anything.
    StillPending {
        /// The batch.
        batch: usize,
        /// Its push operation.
        operation_key: String,
        /// Its last status.
        status: PushOperationStatus,
    },
    /// A request failed (after its retries).
    Error {
        /// The batch being pushed or waited for.
        batch: usize,
        /// What went wrong.
        error: Arc<Error>,
    },
}

impl PushStop {
    /// The batch at which the push stopped.
    pub fn batch(&self) -> usize {
        match self {
            PushStop::OperationFailed { batch, .. }
            | PushStop::TimedOut { batch, .. }
            | PushStop::StillPending { batch, .. }
            | PushStop::Error { batch, .. } => *batch,
        }
    }
}

impl fmt::Display for PushStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushStop::OperationFailed { batch, operation } => {
                write!(
                    f,
                    "batch {batch} ended {} (operation {})",
                    operation.status, operation.push_operation_key
                )?;
                if let Some(m) = &operation.error_message {
                    write!(f, ": {m}")?;
                }
                for item in operation.validation_errors() {
                    if let Some(m) = &item.message {
                        write!(f, "; {m}")?;
                    }
                }
                Ok(())
            }
            PushStop::TimedOut {
                batch,
                operation_key,
                transaction_ids,
            } => write!(
                f,
                "batch {batch} timed out (operation {operation_key}): its {} transaction(s) may or may not be in the accounting platform; check there, then rerun (they are held back) or resend them",
                transaction_ids.len()
            ),
            PushStop::StillPending {
                batch,
                operation_key,
                status,
            } => write!(
                f,
                "batch {batch} is still {status} (operation {operation_key}); rerun to wait for it"
            ),
            PushStop::Error { batch, error } => write!(f, "batch {batch}: {error}"),
        }
    }
}

/// What [`crate::client::Client::push_transactions`] did.
///
/// Transactions are counted after normalisation (exact duplicates dropped):
/// `transactions == already_pushed.len() + held_back.len() + skipped_by_cursor.len() + pushed +
/// not_pushed`.
#[derive(Debug, Clone)]
pub struct PushReport {
    /// The company.
    pub company_id: String,
    /// The connection.
    pub connection_id: String,
    /// The source account.
    pub account_id: String,
    /// Whose rules the transactions were checked against (from the connection's platform key).
    pub platform: Platform,
    /// Transactions after normalisation.
    pub transactions: usize,
    /// Ids of transactions skipped because a successful push already carried them.
    pub already_pushed: Vec<String>,
    /// Ids of transactions skipped because a batch that ended `TimedOut` holds them (they may be
    /// on the account); see [`PushReport::timed_out`].
    pub held_back: Vec<String>,
    /// Ids of transactions skipped as at or before the caller's cursor
    /// ([`super::UnknownHistory::SkipThrough`]).
    pub skipped_by_cursor: Vec<String>,
    /// Transactions in batches whose operation succeeded.
    pub pushed: usize,
    /// Transactions not pushed: in failed or unfinished batches, or after the stop.
    pub not_pushed: usize,
    /// Every batch sent, in order.
    pub batches: Vec<BatchOutcome>,
    /// Batches the transactions were split into.
    pub batches_total: usize,
    /// Validation warnings (errors stop a push before it starts).
    pub validation: ValidationReport,
    /// What normalisation changed.
    pub changes: Vec<Change>,
    /// Push operations on the connection whose transactions could not be told (the push went
    /// ahead under [`super::UnknownHistory::Trust`] or [`super::UnknownHistory::SkipThrough`]).
    pub unknown_operations: usize,
    /// The account's batches that ended `TimedOut` and are not resolved (this run's and earlier
    /// ones): reconcile them with the accounting platform.
    pub timed_out: Vec<super::HeldBatch>,
    /// Batches an earlier run left without an answer that this run looked up, with what they
    /// turned out to be.
    pub recovered: Vec<(String, super::BatchState)>,
    /// Why the push stopped early, if it did.
    pub stopped: Option<PushStop>,
}

impl PushReport {
    /// Whether every row given is on the account: every batch succeeded and no row is held back
    /// by a timed-out batch.
    pub fn is_complete(&self) -> bool {
        self.stopped.is_none() && self.not_pushed == 0 && self.held_back.is_empty()
    }

    /// The keys of the push operations that succeeded.
    pub fn operation_keys(&self) -> impl Iterator<Item = &str> {
        self.batches
            .iter()
            .filter(|b| b.is_success())
            .map(|b| b.operation_key.as_str())
    }
}

impl fmt::Display for PushReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} transaction(s) pushed to account {} in {} of {} batch(es); {} already pushed, {} not pushed",
            self.pushed,
            self.transactions,
            self.account_id,
            self.batches.iter().filter(|b| b.is_success()).count(),
            self.batches_total,
            self.already_pushed.len(),
            self.not_pushed
        )?;
        if !self.held_back.is_empty() {
            write!(
                f,
                "; {} held back by timed-out operation(s) {}",
                self.held_back.len(),
                self.timed_out
                    .iter()
                    .map(|b| b.operation_key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        if !self.skipped_by_cursor.is_empty() {
            write!(
                f,
                "; {} at or before the cursor",
                self.skipped_by_cursor.len()
            )?;
        }
        if let Some(stop) = &self.stopped {
            write!(f, "; stopped: {stop}")?;
        }
        Ok(())
    }
}
