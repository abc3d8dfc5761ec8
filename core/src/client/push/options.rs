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
    /// Most operations examined per look-up (20,000); a look-up that would need more leaves the
    /// outcome unknown rather than guess.
    pub max_operations: usize,
}

impl Default for LookupOptions {
    fn default() -> Self {
        LookupOptions {
            delay: Duration::from_secs(2),
            clock_skew: Duration::from_secs(5 * 60),
            max_operations: 20_000,
        }
    }
}

/// What to do when the account's history cannot be told: successful (or still pending, or timed
/// out) push operations on the connection that the ledger does not know and whose `data` does
/// not say what they carried. That is a new machine, a lost ledger, or another system pushing to
/// the connection. Codat's spec gives push operations no `data`, so the server cannot say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum UnknownHistory {
    /// Send nothing and fail with [`crate::client::Error::HistoryUnknown`] (the default): rows
    /// might otherwise be booked twice.
    #[default]
    Refuse,
    /// Push the rows as given: the caller vouches that none of them is on the account yet.
    Trust,
    /// Skip every row at or before the cursor (the caller knows how far the account goes) and
    /// push the rest.
    SkipThrough(Cursor),
}

/// How far an account is known to go: a date (every row dated on or before it), or a date and
/// the id of the last row on the account that day (rows of that day up to and including it, in
/// the order given; the id must be among that day's rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The last date on the account. A date without a time covers the whole day.
    pub date: crate::dates::LocalDateTime,
    /// The last transaction on the account that day.
    pub id: Option<String>,
}

impl Cursor {
    /// Everything dated on or before `date`.
    pub fn through(date: crate::dates::LocalDateTime) -> Self {
        Cursor { date, id: None }
    }

    /// Everything before `date`, and that day's rows up to and including `id`.
    pub fn through_id(date: crate::dates::LocalDateTime, id: impl Into<String>) -> Self {
        Cursor {
            date,
            id: Some(id.into()),
        }
    }
}

impl std::str::FromStr for Cursor {
    type Err = String;

    /// `DATE` or `DATE,ID` (`2024-05-31`, `2024-05-31T17:00:00`, `2024-05-31,tx-981`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (date, id) = match s.split_once(',') {
            Some((d, id)) if !id.trim().is_empty() => (d, Some(id.trim().to_owned())),
            Some(_) => return Err(format!("`{s}`: the id after the comma is empty")),
            None => (s, None),
        };
        let date = date
            .trim()
            .parse::<crate::dates::LocalDateTime>()
            .map_err(|e| format!("`{s}`: {e}"))?;
        Ok(Cursor { date, id })
    }
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
#[derive(Clone)]
pub struct PushOptions {
    /// Transactions per push, at most the platform's limit (1000); the platform's limit when
    /// unset.
    pub batch_size: Option<usize>,
    /// The day date rules are judged against (today in [`PushOptions::time_zone`] when unset).
    pub today: Option<NaiveDate>,
    /// Where the account is kept, for today's date when `today` is unset (the machine's local
    /// zone by default, not UTC: a bank in Sydney pushing at 08:00 must not see today's rows as
    /// future).
    pub time_zone: crate::dates::TimeZone,
    /// The caller's severity for any rule, by code (`sign_mismatch` an error, say).
    pub rules: crate::validate::RulePolicy,
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
    /// Whether rows already on the account (per the ledger and the server's history) are
    /// skipped (yes). Turning it off sends every row given.
    pub skip_already_pushed: Option<bool>,
    /// What to do when the account's history cannot be told.
    pub unknown_history: UnknownHistory,
    /// Ids to send again although a `TimedOut` batch holds them (after the caller checked they
    /// are not on the account).
    pub resend: std::collections::HashSet<String>,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// Where batches are recorded and accounts leased (the SQLite ledger at its default path
    /// unless told otherwise).
    pub ledger: super::LedgerChoice,
    /// How long to wait for another pusher's lease on the account before failing with
    /// [`crate::client::Error::AccountBusy`] (0: fail at once).
    pub lock_wait: Duration,
    /// How long a lease lasts unless renewed (renewed as the push goes; 2 min).
    pub lease_ttl: Duration,
    /// Push-operation updates from the application's webhook receiver: waited for instead of
    /// polling (polling stays the fallback). See [`super::PushEvents`].
    pub events: Option<super::PushEvents>,
}

impl fmt::Debug for PushOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushOptions")
            .field("batch_size", &self.batch_size)
            .field("today", &self.today)
            .field("time_zone", &self.time_zone)
            .field("rules", &self.rules)
            .field("country", &self.country)
            .field("ingest", &self.ingest)
            .field("normalise", &self.normalise)
            .field("params", &self.params)
            .field("wait", &self.wait)
            .field("lookup", &self.lookup)
            .field("skip_already_pushed", &self.skips_already_pushed())
            .field("unknown_history", &self.unknown_history)
            .field("resend", &self.resend.len())
            .field("progress", &self.progress.as_ref().map(|_| "<callback>"))
            .field("ledger", &self.ledger)
            .field("lock_wait", &self.lock_wait)
            .field("lease_ttl", &self.lease_ttl)
            .field("events", &self.events)
            .finish()
    }
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            batch_size: None,
            today: None,
            time_zone: crate::dates::TimeZone::default(),
            rules: crate::validate::RulePolicy::default(),
            country: None,
            ingest: IngestOptions::default(),
            normalise: None,
            params: PushParams::default(),
            wait: WaitOptions::default(),
            lookup: LookupOptions::default(),
            skip_already_pushed: None,
            unknown_history: UnknownHistory::default(),
            resend: std::collections::HashSet::new(),
            progress: None,
            ledger: super::LedgerChoice::default(),
            lock_wait: Duration::ZERO,
            lease_ttl: Duration::from_secs(120),
            events: None,
        }
    }
}

impl PushOptions {
    /// The defaults: the platform's batch size, today in the machine's local zone, the platform's
    /// rules as Codat applies them, the SQLite ledger at its default path, skip what is already on the account, refuse when its history cannot be told.
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

    /// Where the account is kept: today is judged in this zone when not given.
    pub fn time_zone(mut self, zone: crate::dates::TimeZone) -> Self {
        self.time_zone = zone;
        self
    }

    /// Sets rules' severities (error, warning or off) by code.
    pub fn rules(mut self, rules: crate::validate::RulePolicy) -> Self {
        self.rules = rules;
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

    /// What to do when the account's history cannot be told (see [`UnknownHistory`]).
    pub fn unknown_history(mut self, policy: UnknownHistory) -> Self {
        self.unknown_history = policy;
        self
    }

    /// Sends these ids again although a `TimedOut` batch holds them: only once you have checked
    /// in the accounting platform that they are not there.
    pub fn resend<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.resend.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Waits up to `wait` for another pusher to finish with the account instead of failing at
    /// once with [`crate::client::Error::AccountBusy`].
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
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

    /// Records batches in `ledger` instead of the default SQLite file (see [`super::ledger`]).
    pub fn ledger(mut self, ledger: Arc<dyn super::PushLedger>) -> Self {
        self.ledger = super::LedgerChoice::Custom(ledger);
        self
    }

    /// Keeps the SQLite ledger at `path` instead of its default place.
    pub fn ledger_path(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.ledger = super::LedgerChoice::Path(path.into());
        self
    }

    /// Pushes without a ledger: what the account has is read from the server's history alone,
    /// which the spec's push operations do not carry, so a rerun needs
    /// [`PushOptions::unknown_history`]. Also no lease: nothing stops two pushers.
    pub fn without_ledger(mut self) -> Self {
        self.ledger = super::LedgerChoice::Off;
        self
    }

    /// How long the account's lease lasts unless renewed (2 min; at least 1 s is sensible). The
    /// push renews it every third of that while it works and waits.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// Waits for push operations by webhook: the application feeds `events` from its receiver,
    /// and each batch waits for its update instead of polling (see [`super::PushEvents`]).
    pub fn events(mut self, events: super::PushEvents) -> Self {
        self.events = Some(events);
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
