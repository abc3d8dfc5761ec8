//! What a push may do and how it reports progress.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;

use crate::client::{PushParams, WaitOptions};
use crate::ingest::IngestOptions;
use crate::model::PushOperationStatus;
use crate::normalise::NormaliseOptions;

/// How a push whose outcome is unknown is looked up before anything is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupOptions {
    /// Wait before looking, so that a push still being recorded shows up (2 s).
    pub delay: Duration,
    /// How far the server's clock may be behind ours: operations requested up to this long before
    /// the push began are candidates (5 min).
    pub clock_skew: Duration,
    /// Most operations examined per look-up, newest first (2000).
    pub max_operations: usize,
}

impl Default for LookupOptions {
    fn default() -> Self {
        LookupOptions {
            delay: Duration::from_secs(2),
            clock_skew: Duration::from_secs(5 * 60),
            max_operations: 2000,
        }
    }
}

/// What to do when successful push operations on the connection do not carry `data`, so the
/// transactions they pushed cannot be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnreadableHistory {
    /// Send nothing and fail with [`crate::client::Error::HistoryIncomplete`]: rows might be
    /// pushed twice otherwise.
    #[default]
    Refuse,
    /// Push anyway, trusting the caller to send only new rows; the report counts the unreadable
    /// operations.
    Proceed,
}

/// Receives [`PushProgress`] as a push goes; called on the task running the push, so it should
/// return quickly.
pub type ProgressFn = Arc<dyn Fn(PushProgress) + Send + Sync>;

/// Options of [`crate::client::Client::push_transactions`].
///
/// ```
/// use std::time::Duration;
/// use bankfeeds::client::{PushOptions, WaitOptions};
/// let options = PushOptions::new()
///     .batch_size(500)
///     .wait(WaitOptions::every(Duration::from_secs(2), Duration::from_secs(600)))
///     .on_progress(|p| eprintln!("{}/{} batches", p.batches_done, p.batches_total));
/// assert_eq!(options.batch_size, Some(500));
/// ```
#[derive(Clone, Default)]
pub struct PushOptions {
    /// Transactions per push, at most the platform's limit (1000); the platform's limit when
    /// unset.
    pub batch_size: Option<usize>,
    /// The day where the account is kept, for date rules (today in UTC when unset).
    pub today: Option<NaiveDate>,
    /// The company's country (ISO 3166 alpha-2), for platforms limited to some regions.
    pub country: Option<String>,
    /// How raw rows are typed (for raw rows and files).
    pub ingest: IngestOptions,
    /// What normalisation may change (the platform's defaults when unset).
    pub normalise: Option<NormaliseOptions>,
    /// Query parameters sent with each push.
    pub params: PushParams,
    /// How each push operation is waited for.
    pub wait: WaitOptions,
    /// How an unknown push outcome is looked up.
    pub lookup: LookupOptions,
    /// Whether rows already pushed (read from the account's successful push operations) are
    /// skipped (yes). Turning it off sends every row.
    pub skip_already_pushed: Option<bool>,
    /// What to do when the history cannot be read.
    pub unreadable_history: UnreadableHistory,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// Where successful pushes are recorded, for servers whose push history leaves out what was
    /// pushed.
    pub ledger: Option<Arc<dyn super::PushLedger>>,
}

impl fmt::Debug for PushOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushOptions")
            .field("batch_size", &self.batch_size)
            .field("today", &self.today)
            .field("country", &self.country)
            .field("ingest", &self.ingest)
            .field("normalise", &self.normalise)
            .field("params", &self.params)
            .field("wait", &self.wait)
            .field("lookup", &self.lookup)
            .field("skip_already_pushed", &self.skips_already_pushed())
            .field("unreadable_history", &self.unreadable_history)
            .field("progress", &self.progress.as_ref().map(|_| "<callback>"))
            .field("ledger", &self.ledger.is_some())
            .finish()
    }
}

impl PushOptions {
    /// The defaults: the platform's batch size, today in UTC, skip what was already pushed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Transactions per push.
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = Some(size);
        self
    }

    /// The day date rules are judged against.
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    /// How push operations are waited for.
    pub fn wait(mut self, wait: WaitOptions) -> Self {
        self.wait = wait;
        self
    }

    /// How unknown outcomes are looked up.
    pub fn lookup(mut self, lookup: LookupOptions) -> Self {
        self.lookup = lookup;
        self
    }

    /// Query parameters sent with each push.
    pub fn params(mut self, params: PushParams) -> Self {
        self.params = params;
        self
    }

    /// Whether rows already pushed are skipped.
    pub fn skip_already_pushed(mut self, skip: bool) -> Self {
        self.skip_already_pushed = Some(skip);
        self
    }

    /// What to do when the history cannot be read.
    pub fn unreadable_history(mut self, policy: UnreadableHistory) -> Self {
        self.unreadable_history = policy;
        self
    }

    /// Where balances come from: kept as given (the default), or computed from the balance after
    /// the newest transaction (`BalanceFill::Closing`, what a bank shows today) or before the
    /// oldest (`BalanceFill::Opening`). Platforms that need balances (Xero, Sage, ...) refuse rows
    /// without them, so a statement without balances needs one of the two.
    pub fn balances(mut self, fill: crate::normalise::BalanceFill) -> Self {
        let mut normalise = self
            .normalise
            .take()
            .unwrap_or_else(|| NormaliseOptions::for_platform(crate::rules::Platform::Generic));
        normalise.balances = fill;
        self.normalise = Some(normalise);
        self
    }

    /// Records every successful batch in `ledger` and reads it back on the next run, so rows
    /// already pushed are skipped even when the server's push history does not say what each
    /// operation carried (see [`super::ledger`]).
    pub fn ledger(mut self, ledger: Arc<dyn super::PushLedger>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// Sets the progress callback.
    pub fn on_progress(mut self, f: impl Fn(PushProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    pub(crate) fn skips_already_pushed(&self) -> bool {
        self.skip_already_pushed.unwrap_or(true)
    }

    pub(crate) fn report(&self, progress: PushProgress) {
        if let Some(f) = &self.progress {
            f(progress);
        }
    }
}

/// Where a push is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PushStage {
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

/// A snapshot of a push's progress, given to the [`ProgressFn`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushProgress {
    /// Where the push is.
    pub stage: PushStage,
    /// Batches finished.
    pub batches_done: usize,
    /// Batches to push.
    pub batches_total: usize,
    /// Transactions in finished, successful batches.
    pub transactions_done: usize,
    /// Transactions to push (already pushed ones not counted).
    pub transactions_total: usize,
    /// Transactions skipped as already pushed.
    pub already_pushed: usize,
    /// The current batch's push operation, once known.
    pub operation_key: Option<String>,
    /// Its last status read.
    pub status: Option<PushOperationStatus>,
}
