//! The high-level push: options, progress and the report.

use std::sync::Arc;
use std::time::Duration;

use bankfeeds::client::{self, WaitOptions};
use bankfeeds::dates::{TimeZone, today_in};

use crate::client::model::PushOperationStatus;
use crate::context::{NormaliseOptions, Platform};
use crate::convert::row;
use crate::error::BankFeedsError;
use crate::report::{Change, ValidationReport};
use crate::types::CalendarDate;

/// What a push may do. Everything left out takes the platform's or the client's default.
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct PushOptions {
    /// Transactions per push operation, at most the platform's limit (1000).
    #[uniffi(default = None)]
    pub batch_size: Option<u32>,
    /// The day where the account is kept, for date rules: today in `time_zone` when left out.
    #[uniffi(default = None)]
    pub today: Option<CalendarDate>,
    /// Where the account is kept, for today's date (not with `today`): an IANA name
    /// (`"Australia/Sydney"`), an offset from UTC (`"+10:00"`), `"UTC"` or `"local"` (the
    /// device's zone, the default).
    #[uniffi(default = None)]
    pub time_zone: Option<String>,
    /// The company's country (ISO 3166 alpha-2), for platforms limited to some regions.
    #[uniffi(default = None)]
    pub country: Option<String>,
    /// What normalisation may change (the platform's defaults when left out).
    #[uniffi(default = None)]
    pub normalise: Option<NormaliseOptions>,
    /// Whether rows already pushed (read from the account's successful push operations) are
    /// skipped; yes when left out, so a rerun sends only what is missing.
    #[uniffi(default = None)]
    pub skip_already_pushed: Option<bool>,
    /// Seconds between polls of a push operation (1 when left out).
    #[uniffi(default = None)]
    pub poll_interval_seconds: Option<f64>,
    /// Seconds to wait for each push operation to finish (30 minutes when left out).
    #[uniffi(default = None)]
    pub wait_timeout_seconds: Option<f64>,
}

fn seconds(value: f64, what: &str) -> Result<Duration, BankFeedsError> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        BankFeedsError::option(None, format!("{what}: {value} is not a number of seconds"))
    })
}

impl PushOptions {
    pub(crate) fn to_core(
        &self,
        progress: Option<Arc<dyn PushProgressListener>>,
    ) -> Result<client::PushOptions, BankFeedsError> {
        let mut o = client::PushOptions::new();
        if let Some(size) = self.batch_size {
            o = o.batch_size(usize::try_from(size).unwrap_or(usize::MAX));
        }
        let zone = self
            .time_zone
            .as_deref()
            .map(TimeZone::parse)
            .transpose()
            .map_err(|e| BankFeedsError::option(None, format!("time zone: {e}")))?;
        let today = match (&self.today, zone) {
            (Some(_), Some(_)) => {
                return Err(BankFeedsError::option(
                    None,
                    "give today or a time zone, not both: the time zone only says which day today is",
                ));
            }
            (Some(today), None) => today
                .parse()
                .map_err(|e| BankFeedsError::option(None, format!("today: {e}")))?,
            (None, zone) => today_in(&zone.unwrap_or_default()),
        };
        o = o.today(today);
        o.country = self.country.clone();
        if let Some(normalise) = &self.normalise {
            // The platform is the connection's, known only once the push has read it: the core
            // puts it (and its batch limit) in place of the one given here.
            o.normalise = Some(normalise.to_core(Platform::Generic)?);
        }
        if let Some(skip) = self.skip_already_pushed {
            o = o.skip_already_pushed(skip);
        }
        if self.poll_interval_seconds.is_some() || self.wait_timeout_seconds.is_some() {
            let defaults = WaitOptions::default();
            let interval = self
                .poll_interval_seconds
                .map(|s| seconds(s, "poll interval"))
                .transpose()?
                .unwrap_or(defaults.poll_interval);
            let timeout = self
                .wait_timeout_seconds
                .map(|s| seconds(s, "wait timeout"))
                .transpose()?
                .unwrap_or(defaults.timeout);
            o = o.wait(WaitOptions::every(interval, timeout));
        }
        if let Some(listener) = progress {
            // Progress is advisory: whatever the listener throws is dropped here.
            o = o.on_progress(move |p| {
                let _ = listener.on_progress(p.into());
            });
        }
        Ok(o)
    }
}

mirror_enum! {
    /// Where a push is.
    pub enum PushStage mirrors client::PushStage {
        /// Reading the connection, the source account and what was already pushed.
        Checking,
        /// Sending a batch.
        Sending,
        /// Waiting for a batch's push operation to finish.
        Waiting,
        /// A batch finished (successfully or not).
        BatchDone,
        /// The push is over.
        Finished,
    }
    extra {
        /// A stage newer than this binding.
        Unrecognised
    }
}

/// A snapshot of a push's progress.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PushProgress {
    /// Where the push is.
    pub stage: PushStage,
    /// Batches finished.
    pub batches_done: u32,
    /// Batches to push.
    pub batches_total: u32,
    /// Transactions in finished, successful batches.
    pub transactions_done: u32,
    /// Transactions to push (already pushed ones not counted).
    pub transactions_total: u32,
    /// Transactions skipped as already pushed.
    pub already_pushed: u32,
    /// The current batch's push operation, once known.
    pub operation_key: Option<String>,
    /// Its last status read.
    pub status: Option<PushOperationStatus>,
}

impl From<client::PushProgress> for PushProgress {
    fn from(p: client::PushProgress) -> Self {
        PushProgress {
            stage: PushStage::from_core(&p.stage),
            batches_done: row(p.batches_done),
            batches_total: row(p.batches_total),
            transactions_done: row(p.transactions_done),
            transactions_total: row(p.transactions_total),
            already_pushed: row(p.already_pushed),
            status: p.status.as_ref().map(PushOperationStatus::from_core),
            operation_key: p.operation_key,
        }
    }
}

/// Receives a push's progress as it goes, e.g. to drive a progress bar.
///
/// Called on a background thread of the Rust runtime, not the main thread, so hand the value to
/// the UI thread yourself and return quickly. An exception thrown here is ignored: progress is
/// advisory and never stops a push.
///
/// ```kotlin
/// val listener = object : PushProgressListener {
///     override fun onProgress(progress: PushProgress) {
///         mainHandler.post { bar.progress = progress.transactionsDone.toInt() }
///     }
/// }
/// client.pushTransactions(companyId, connectionId, accountId, rows, PushOptions(), listener)
/// ```
///
/// A Kotlin `Flow` is one `callbackFlow { ... trySend(progress) ... }` away.
#[uniffi::export(callback_interface)]
pub trait PushProgressListener: Send + Sync {
    /// One progress snapshot.
    fn on_progress(&self, progress: PushProgress) -> Result<(), BankFeedsError>;
}

/// What a listener threw, kept as an error value so that it never unwinds through Rust (UniFFI
/// panics on an exception from a callback that cannot return an error).
impl From<uniffi::UnexpectedUniFFICallbackError> for BankFeedsError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        BankFeedsError::Other {
            kind: "callback".to_owned(),
            reason: e.reason,
        }
    }
}

/// One batch that was sent.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BatchOutcome {
    /// Position of the batch, from 0.
    pub index: u32,
    /// Codat's key for its push operation.
    pub operation_key: String,
    /// The operation's final status (or its last one, if waiting stopped first).
    pub status: PushOperationStatus,
    /// Transactions in the batch.
    pub transactions: u32,
    /// Id of the batch's first transaction.
    pub first_id: String,
    /// Id of the batch's last transaction.
    pub last_id: String,
    /// Codat's error message, for a failed operation.
    pub error_message: Option<String>,
    /// Codat's validation errors, for a failed operation.
    pub validation_errors: Vec<String>,
    /// Whether the push's answer was lost and the operation was found by looking it up.
    pub recovered: bool,
}

impl From<client::BatchOutcome> for BatchOutcome {
    fn from(b: client::BatchOutcome) -> Self {
        BatchOutcome {
            index: row(b.index),
            status: PushOperationStatus::from_core(&b.status),
            transactions: row(b.transactions),
            validation_errors: b
                .validation_errors
                .into_iter()
                .filter_map(|v| v.message)
                .collect(),
            operation_key: b.operation_key,
            first_id: b.first_id,
            last_id: b.last_id,
            error_message: b.error_message,
            recovered: b.recovered,
        }
    }
}

/// Why a push stopped before its last batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PushStopReason {
    /// The platform refused a batch (`FAILED`) or did not answer in time (`TIMED_OUT`).
    OperationFailed,
    /// A batch's operation was still pending when the wait ended; a rerun waits for it first.
    StillPending,
    /// A request failed after its retries.
    RequestFailed,
    /// A reason newer than this binding.
    Unrecognised,
}

/// Where and why a push stopped.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PushStopped {
    /// Why.
    pub reason: PushStopReason,
    /// The batch at which it stopped, from 0.
    pub batch: u32,
    /// The batch's push operation, when there is one.
    pub operation_key: Option<String>,
    /// Its status, when known.
    pub status: Option<PushOperationStatus>,
    /// What happened, for a person.
    pub message: String,
}

impl From<client::PushStop> for PushStopped {
    fn from(s: client::PushStop) -> Self {
        let message = s.to_string();
        let batch = row(s.batch());
        let (reason, operation_key, status) = match s {
            client::PushStop::OperationFailed { operation, .. } => (
                PushStopReason::OperationFailed,
                Some(operation.push_operation_key.clone()),
                Some(PushOperationStatus::from_core(&operation.status)),
            ),
            client::PushStop::StillPending {
                operation_key,
                status,
                ..
            } => (
                PushStopReason::StillPending,
                Some(operation_key),
                Some(PushOperationStatus::from_core(&status)),
            ),
            client::PushStop::Error { .. } => (PushStopReason::RequestFailed, None, None),
            _ => (PushStopReason::Unrecognised, None, None),
        };
        PushStopped {
            reason,
            batch,
            operation_key,
            status,
            message,
        }
    }
}

/// What a push did. `transactions == alreadyPushed.size + pushed + notPushed`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PushReport {
    /// The company.
    pub company_id: String,
    /// The connection.
    pub connection_id: String,
    /// The source account.
    pub account_id: String,
    /// Whose rules the transactions were checked against (from the connection).
    pub platform: Platform,
    /// Transactions after normalisation.
    pub transactions: u32,
    /// Ids skipped because a successful push already carried them.
    pub already_pushed: Vec<String>,
    /// Transactions in batches whose operation succeeded.
    pub pushed: u32,
    /// Transactions not pushed: in failed or unfinished batches, or after the stop.
    pub not_pushed: u32,
    /// Every batch sent, in order.
    pub batches: Vec<BatchOutcome>,
    /// Batches the transactions were split into.
    pub batches_total: u32,
    /// Validation warnings (errors stop a push before it starts, as
    /// `BankFeedsException.Validation`).
    pub validation: ValidationReport,
    /// What normalisation changed.
    pub changes: Vec<Change>,
    /// Where and why the push stopped early, if it did.
    pub stopped: Option<PushStopped>,
    /// Whether every batch was pushed successfully.
    pub complete: bool,
    /// One line for a person.
    pub summary: String,
}

impl From<client::PushReport> for PushReport {
    fn from(r: client::PushReport) -> Self {
        PushReport {
            complete: r.is_complete(),
            summary: r.to_string(),
            platform: Platform::from_core(r.platform),
            transactions: row(r.transactions),
            pushed: row(r.pushed),
            not_pushed: row(r.not_pushed),
            batches_total: row(r.batches_total),
            batches: r.batches.into_iter().map(BatchOutcome::from).collect(),
            validation: r.validation.into(),
            changes: r.changes.into_iter().map(Change::from).collect(),
            stopped: r.stopped.map(PushStopped::from),
            already_pushed: r.already_pushed,
            company_id: r.company_id,
            connection_id: r.connection_id,
            account_id: r.account_id,
        }
    }
}
