//! The high-level push: options, progress and the report.

use std::sync::Arc;
use std::time::Duration;

use bankfeeds::client::push::ledger::path_in;
use bankfeeds::client::push::{Cursor, LedgerChoice};
use bankfeeds::client::{self, WaitOptions};
use bankfeeds::dates::{LocalDateTime, TimeZone, today_in};
use bankfeeds::model;

use crate::client::ledger::{BatchState, ForeignLedger, PushLedger};
use crate::client::model::PushOperationStatus;
use crate::context::{NormaliseOptions, Platform};
use crate::convert::row;
use crate::error::BankFeedsError;
use crate::report::{Change, ValidationReport};
use crate::types::CalendarDate;

/// What to do when what an account already has cannot be told: push operations on the connection
/// that the push ledger does not know and that do not say what they carried (Codat's push
/// operations carry no `data`). That is a new device or a lost ledger, or another system
/// pushing to the connection.
///
/// Kotlin: `UnknownHistory.Refuse`, `UnknownHistory.Trust`,
/// `UnknownHistory.SkipThrough(LocalDate.of(2024, 5, 31), "tx-981")`; Swift: `.refuse`, `.trust`,
/// `.skipThrough(date: "2024-05-31", id: "tx-981")`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum UnknownHistory {
    /// Send nothing and throw `HistoryUnknown` (the default): rows might otherwise be booked twice.
    Refuse,
    /// Push the rows as given: you vouch that none of them is on the account yet.
    Trust,
    /// Skip every row the account already has, up to and including `date` (the whole day), and
    /// push the rest. With `id`, rows of that day are skipped only up to and including the one
    /// with that id, in the order given (the id must be among that day's rows).
    SkipThrough {
        /// The last day on the account.
        date: CalendarDate,
        /// The last transaction on the account that day.
        #[uniffi(default = None)]
        id: Option<String>,
    },
}

impl UnknownHistory {
    fn to_core(&self) -> Result<client::UnknownHistory, BankFeedsError> {
        Ok(match self {
            UnknownHistory::Refuse => client::UnknownHistory::Refuse,
            UnknownHistory::Trust => client::UnknownHistory::Trust,
            UnknownHistory::SkipThrough { date, id } => {
                let day = date.parse().map_err(|e| {
                    BankFeedsError::option(None, format!("unknownHistory SkipThrough date: {e}"))
                })?;
                client::UnknownHistory::SkipThrough(Cursor {
                    date: LocalDateTime::from_date(day),
                    id: id.clone(),
                })
            }
        })
    }
}

/// What a push may do. A push needs a push ledger: `ledgerPath` or `ledger`. Everything else left
/// out takes the platform's or the client's default.
///
/// ```kotlin
/// PushOptions(ledgerPath = context.filesDir.path)                    // Android
/// PushOptions(ledgerPath = File(context.filesDir, "feeds.sqlite3").path)
/// PushOptions(ledger = RoomLedger(db.ledgerDao()))                   // the app's own store
/// ```
#[derive(Clone, Default, uniffi::Record)]
pub struct PushOptions {
    /// Where the push ledger is kept, as a SQLite file: the file's path, or a folder that exists,
    /// which then holds it as `bankfeeds/ledger.sqlite3` (Android: `context.filesDir.path`; iOS:
    /// the Application Support folder). Give this or `ledger`.
    #[uniffi(default = None)]
    pub ledger_path: Option<String>,
    /// The app's own push ledger (a `PushLedger` it implements), instead of the SQLite file.
    /// Give this or `ledgerPath`.
    #[uniffi(default = None)]
    pub ledger: Option<Arc<dyn PushLedger>>,
    /// What to do when what the account already has cannot be told (`Refuse` when left out).
    #[uniffi(default = None)]
    pub unknown_history: Option<UnknownHistory>,
    /// Ids to send again although a batch that ended `TIMED_OUT` holds them: only once you have
    /// checked in the accounting platform that they are not there.
    #[uniffi(default)]
    pub resend: Vec<String>,
    /// How long to wait (milliseconds) for another push to the same account to finish before
    /// throwing `AccountBusy` (0 when left out: throw at once).
    #[uniffi(default = None)]
    pub lock_wait_ms: Option<u64>,
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
    /// Rule codes (`"sign_mismatch"`) to the level wanted for them; the rules as Codat and the
    /// platform apply them when left out. Codes about rows or values that cannot be read stay
    /// errors.
    #[uniffi(default = None)]
    pub rules: Option<std::collections::HashMap<String, crate::context::RuleLevel>>,
    /// What normalisation may change (the platform's defaults when left out).
    #[uniffi(default = None)]
    pub normalise: Option<NormaliseOptions>,
    /// Whether rows already on the account (per the push ledger) are skipped; yes when left out,
    /// so a rerun sends only what is missing.
    #[uniffi(default = None)]
    pub skip_already_pushed: Option<bool>,
    /// Seconds between polls of a push operation (1 when left out).
    #[uniffi(default = None)]
    pub poll_interval_seconds: Option<f64>,
    /// Seconds to wait for each push operation to finish (30 minutes when left out).
    #[uniffi(default = None)]
    pub wait_timeout_seconds: Option<f64>,
    /// Push-operation updates the app (or its server) feeds from Codat's webhooks: each batch
    /// waits for its update instead of polling; polling stays the fallback.
    #[uniffi(default = None)]
    pub events: Option<Arc<PushEvents>>,
}

/// Push-operation updates fed from verified webhooks (`verifyWebhook`), so that a push waits for
/// them instead of polling Codat (every poll costs a request of the day's quota). Give the same
/// object to `PushOptions.events` and feed it from the webhook receiver, on any thread.
#[derive(uniffi::Object)]
pub struct PushEvents {
    pub(crate) inner: client::PushEvents,
}

#[uniffi::export]
impl PushEvents {
    /// `fallbackSeconds`: how often a waiting push still reads its operation when no update
    /// comes (60 when left out; at least 1).
    #[uniffi::constructor(default(fallback_seconds = None))]
    pub fn new(fallback_seconds: Option<f64>) -> Result<Arc<Self>, BankFeedsError> {
        let inner = match fallback_seconds {
            Some(s) => client::PushEvents::with_fallback(seconds(s, "fallback")?),
            None => client::PushEvents::new(),
        };
        Ok(Arc::new(PushEvents { inner }))
    }

    /// Feeds one update: a push operation's key and status.
    pub fn deliver(
        &self,
        operation_key: String,
        status: PushOperationStatus,
    ) -> Result<(), BankFeedsError> {
        if operation_key.trim().is_empty() {
            return Err(BankFeedsError::option(None, "operationKey is empty"));
        }
        let status = match status {
            PushOperationStatus::Pending => model::PushOperationStatus::Pending,
            PushOperationStatus::Failed => model::PushOperationStatus::Failed,
            PushOperationStatus::Success => model::PushOperationStatus::Success,
            PushOperationStatus::TimedOut => model::PushOperationStatus::TimedOut,
            PushOperationStatus::Unrecognised => {
                return Err(BankFeedsError::option(
                    None,
                    "status UNRECOGNISED says nothing about the operation's end: feed PENDING, SUCCESS, FAILED or TIMED_OUT",
                ));
            }
        };
        self.inner.deliver(model::PushOperationUpdate {
            key: operation_key,
            status,
            data_type: None,
            connection_id: None,
        });
        Ok(())
    }

    /// Feeds a verified webhook event; returns whether it was about a push operation (other
    /// events are ignored).
    pub fn deliver_event(
        &self,
        event: crate::webhook::WebhookEvent,
    ) -> Result<bool, BankFeedsError> {
        match event {
            crate::webhook::WebhookEvent::PushOperation {
                operation_key,
                status,
                ..
            } => self.deliver(operation_key, status).map(|()| true),
            _ => Ok(false),
        }
    }
}

impl std::fmt::Debug for PushOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushOptions")
            .field("ledger_path", &self.ledger_path)
            .field("ledger", &self.ledger.as_ref().map(|_| "<PushLedger>"))
            .field("unknown_history", &self.unknown_history)
            .field("resend", &self.resend.len())
            .field("lock_wait_ms", &self.lock_wait_ms)
            .field("batch_size", &self.batch_size)
            .field("today", &self.today)
            .field("country", &self.country)
            .field("normalise", &self.normalise)
            .field("skip_already_pushed", &self.skip_already_pushed)
            .field("poll_interval_seconds", &self.poll_interval_seconds)
            .field("wait_timeout_seconds", &self.wait_timeout_seconds)
            .field("events", &self.events.as_ref().map(|e| e.inner.fallback()))
            .finish()
    }
}

/// Why a push needs a ledger here, in the words an app developer needs.
const NO_LEDGER: &str = "a push needs a push ledger, where every batch is recorded before it is sent so that a rerun never books a row twice: give PushOptions ledgerPath (a file or folder the app may write: Android `context.filesDir.path`, iOS the Application Support folder) or ledger (a PushLedger of the app's own). There is no default: the desktop default (a folder under the user's home) does not exist for an Android app";

impl PushOptions {
    /// The core's ledger choice: a SQLite file (`ledgerPath`; a folder holds it as the core's
    /// `path_in` says) or the app's own ledger; one of the two, never a default.
    fn ledger_choice(&self) -> Result<LedgerChoice, BankFeedsError> {
        let config = |reason: String| BankFeedsError::Configuration { reason };
        match (&self.ledger_path, &self.ledger) {
            (Some(_), Some(_)) => Err(config(
                "give PushOptions ledgerPath or ledger, not both: a push records its batches in one ledger".to_owned(),
            )),
            (None, None) => Err(config(NO_LEDGER.to_owned())),
            (None, Some(ledger)) => Ok(LedgerChoice::Custom(Arc::new(ForeignLedger(
                Arc::clone(ledger),
            )))),
            (Some(path), None) if path.trim().is_empty() => Err(config(format!(
                "PushOptions ledgerPath is empty; {NO_LEDGER}"
            ))),
            (Some(path), None) => {
                let path = std::path::PathBuf::from(path);
                Ok(LedgerChoice::Path(if path.is_dir() {
                    path_in(path)
                } else {
                    path
                }))
            }
        }
    }
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
        o.ledger = self.ledger_choice()?;
        if let Some(policy) = &self.unknown_history {
            o = o.unknown_history(policy.to_core()?);
        }
        o = o.resend(self.resend.iter().cloned());
        if let Some(ms) = self.lock_wait_ms {
            o = o.lock_wait(Duration::from_millis(ms));
        }
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
        if let Some(rules) = &self.rules {
            o = o.rules(crate::context::rule_policy(rules)?);
        }
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
        o.events = self.events.as_ref().map(|e| e.inner.clone());
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
    /// The platform refused a batch (`FAILED`): nothing of it was written. Fix the rows and
    /// push again.
    OperationFailed,
    /// A batch's operation ended `TIMED_OUT`: Codat stopped waiting for the platform, which may
    /// still have written it. Not a failure and never resent on its own: check the accounting
    /// platform, then push again (its rows are held back) or resend them (`PushOptions.resend`).
    TimedOut,
    /// A batch's operation was still pending when the wait ended; a rerun waits for it first.
    StillPending,
    /// A request or the push ledger failed (see `errorCode`).
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
    /// The batch's transactions, when it timed out: check these in the accounting platform.
    pub transaction_ids: Vec<String>,
    /// For `REQUEST_FAILED`, the stable code of the error (`BankFeedsException.code()`):
    /// `transport`, `api`, `ledger`, `account_busy`...
    pub error_code: Option<String>,
    /// What happened, for a person.
    pub message: String,
}

impl From<client::PushStop> for PushStopped {
    fn from(s: client::PushStop) -> Self {
        let message = s.to_string();
        let batch = row(s.batch());
        let mut stopped = PushStopped {
            reason: PushStopReason::Unrecognised,
            batch,
            operation_key: None,
            status: None,
            transaction_ids: Vec::new(),
            error_code: None,
            message,
        };
        match s {
            client::PushStop::OperationFailed { operation, .. } => {
                stopped.reason = PushStopReason::OperationFailed;
                stopped.status = Some(PushOperationStatus::from_core(&operation.status));
                stopped.operation_key = Some(operation.push_operation_key);
            }
            client::PushStop::TimedOut {
                operation_key,
                transaction_ids,
                ..
            } => {
                stopped.reason = PushStopReason::TimedOut;
                stopped.status = Some(PushOperationStatus::TimedOut);
                stopped.operation_key = Some(operation_key);
                stopped.transaction_ids = transaction_ids;
            }
            client::PushStop::StillPending {
                operation_key,
                status,
                ..
            } => {
                stopped.reason = PushStopReason::StillPending;
                stopped.status = Some(PushOperationStatus::from_core(&status));
                stopped.operation_key = Some(operation_key);
            }
            client::PushStop::Error { error, .. } => {
                stopped.reason = PushStopReason::RequestFailed;
                stopped.error_code = Some(error.code().as_str().to_owned());
            }
            _ => {}
        }
        stopped
    }
}

/// A batch that ended `TIMED_OUT` and is not resolved: its rows may or may not be in the
/// accounting platform. Check there, then resend its ids (`PushOptions.resend`) or leave them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HeldBatch {
    /// Codat's push operation.
    pub operation_key: String,
    /// Its transactions.
    pub transaction_ids: Vec<String>,
}

/// A batch an earlier push left without an answer (the app was killed, the network dropped),
/// looked up by this push.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecoveredBatch {
    /// The ledger's id for the batch.
    pub batch_id: String,
    /// What it turned out to be.
    pub state: BatchState,
}

/// What a push did. `transactions == alreadyPushed.size + heldBack.size + skippedByCursor.size +
/// pushed + notPushed`.
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
    /// Ids skipped because a batch that ended `TIMED_OUT` holds them (they may be on the
    /// account): see `timedOut`, and `PushOptions.resend`.
    pub held_back: Vec<String>,
    /// Ids skipped as at or before the `UnknownHistory.SkipThrough` cursor.
    pub skipped_by_cursor: Vec<String>,
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
    /// Push operations on the connection whose transactions could not be told (the push went
    /// ahead under `UnknownHistory.Trust` or `SkipThrough`).
    pub unknown_operations: u32,
    /// The account's batches that ended `TIMED_OUT` and are not resolved (this push's and
    /// earlier ones): reconcile them with the accounting platform.
    pub timed_out: Vec<HeldBatch>,
    /// Batches an earlier push left without an answer, looked up by this one.
    pub recovered: Vec<RecoveredBatch>,
    /// Where and why the push stopped early, if it did.
    pub stopped: Option<PushStopped>,
    /// Whether every row given is on the account: every batch succeeded and none is held back.
    pub complete: bool,
    /// One line for a person.
    pub summary: String,
}

impl From<client::PushReport> for PushReport {
    fn from(r: client::PushReport) -> Self {
        PushReport {
            complete: r.is_complete(),
            summary: r.to_string(),
            platform: Platform::from_core(&r.platform),
            transactions: row(r.transactions),
            pushed: row(r.pushed),
            not_pushed: row(r.not_pushed),
            batches_total: row(r.batches_total),
            batches: r.batches.into_iter().map(BatchOutcome::from).collect(),
            validation: r.validation.into(),
            changes: r.changes.into_iter().map(Change::from).collect(),
            stopped: r.stopped.map(PushStopped::from),
            unknown_operations: row(r.unknown_operations),
            timed_out: r
                .timed_out
                .into_iter()
                .map(|b| HeldBatch {
                    operation_key: b.operation_key,
                    transaction_ids: b.transaction_ids,
                })
                .collect(),
            recovered: r
                .recovered
                .into_iter()
                .map(|(batch_id, state)| RecoveredBatch { batch_id, state })
                .collect(),
            already_pushed: r.already_pushed,
            held_back: r.held_back,
            skipped_by_cursor: r.skipped_by_cursor,
            company_id: r.company_id,
            connection_id: r.connection_id,
            account_id: r.account_id,
        }
    }
}
