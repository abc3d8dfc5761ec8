//! The high-level push: from a bank's rows to transactions booked in the customer's accounting
//! platform, each exactly once.
//!
//! [`Client::push_transactions`] does what Codat's guides describe, in order:
//!
//! 1. reads the connection (its platform key picks the platform's rules) and the source account
//!    (it must be `connected`; its currency and `feedStartDate` feed validation);
//! 2. takes the account's lease in the push ledger ([`ledger`]): one pusher per account at a time
//!    ([`Error::AccountBusy`] otherwise);
//! 3. reads what the account already has ([`Transactions::history`]): the ledger's record of
//!    every batch, brought up to date (batches whose answer was lost are looked up, pending ones
//!    waited for), and the connection's push operations; operations nobody can account for make
//!    the history unknown, and [`UnknownHistory`] decides (refuse by default);
//! 4. normalises and validates every row with the core ([`crate::pipeline`]; a file's path
//!    streams, [`PushInput::Path`]), skips rows already on the account (and rows a timed-out
//!    batch holds, and rows at or before the caller's cursor), and refuses to send anything
//!    when there is an error ([`Error::Validation`] carries the report);
//! 5. splits the rest into batches of at most the platform's limit and pushes them strictly in
//!    order: each is written to the ledger before it is sent, sent with
//!    [`Transactions::push_batch`] (never sent twice, see [`once`]), recorded with its operation
//!    key once accepted, and waited for until `Success`, `Failed` or `TimedOut`;
//! 6. stops at the first batch that does not succeed, and reports what was pushed, what was not
//!    and why ([`PushReport`]). A `TimedOut` batch is an unknown outcome, not a failure: its rows
//!    are never sent again unless the caller asks ([`PushOptions::resend`]).
//!
//! A rerun with the same rows therefore pushes only what is missing, also after a crash at any
//! point.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use self::lease::AccountLease;
use self::ledger::{BatchState, LedgerAccount, LedgerBatch, PushLedger};

use crate::batch;
use crate::client::{Client, Error, PushOperations, WaitOptions};
use crate::ingest::{InputFormat, RawTransaction};
use crate::model::{
    AnySourceAccount, BankTransaction, CreateBankTransactions, PushOperation, PushOperationStatus,
};
use crate::normalise::NormaliseOptions;
use crate::pipeline::{self, PrepareOptions, Prepared};
use crate::rules::Platform;
use crate::validate::{AccountContext, Code, Field, Issue, ValidationContext, ValidationReport};

mod events;
mod file;
mod history;
mod lease;
pub mod ledger;
mod many;
pub mod once;
mod options;
mod report;

pub use events::PushEvents;
pub use history::{HeldBatch, PushHistory, UnknownOperation};
pub use ledger::LedgerChoice;
pub use many::{
    AccountProgress, AccountProgressFn, AccountPush, AccountResult, AccountState, AccountStatus,
    DEFAULT_CONCURRENCY, PushAllOptions, PushAllReport,
};
pub use once::{PushBatchOptions, PushedBatch};
pub use options::{
    Cursor, LookupOptions, ProgressFn, PushOptions, PushProgress, PushStage, UnknownHistory,
};
pub use report::{BatchOutcome, PushReport, PushStop};

#[cfg(doc)]
use crate::client::Transactions;

/// Rows to push: typed transactions, raw rows as other languages hand them over, or a file
/// (its bytes, or its path to be read when the push reaches it).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PushInput {
    /// Typed transactions.
    Transactions(Vec<BankTransaction>),
    /// Untyped rows (Python dicts, JavaScript objects...), typed by [`crate::ingest`].
    Raw(Vec<RawTransaction>),
    /// A CSV or JSON file's bytes.
    File {
        /// The contents.
        bytes: Vec<u8>,
        /// CSV, JSON or guess.
        format: InputFormat,
    },
    /// A CSV or JSON file, read only once its push has the account's lease and knows what the
    /// account already has: the accounts of [`Client::push_all`] waiting their turn hold no
    /// rows. A file that cannot be read then fails that push with [`Error::Validation`] (a
    /// `malformed_input` finding naming the file), before anything is sent.
    ///
    /// The file streams ([`crate::stream`]): a first reading normalises and validates every
    /// row and sets aside those not to send as they go by, keeping their ids, the findings and
    /// a bit a row; the batches are then read again one at a time, as each one's turn comes.
    /// What is sent, recorded and reported is what the file's bytes ([`PushInput::File`])
    /// give, with two differences: the report ([`Error::Validation`]'s, and
    /// [`PushReport::validation`]) lists at most [`crate::validate::DEFAULT_MAX_LISTED`]
    /// findings of each code, counting the rest ([`ValidationReport::omitted`]), and
    /// [`PushReport::changes`] at most as many changes of each kind. A file whose rows must
    /// all be held (rows out of date order, see [`crate::stream::InMemory`]) is read whole.
    /// A file that changes between the readings is refused, a batch that differs from what
    /// was checked never sent: before the first batch with [`Error::Validation`], later by
    /// stopping the push there ([`PushStop::Error`]).
    ///
    /// `bankfeeds push` of a 1,000,000-row CSV (`cli/bench/push.sh 1000000`): 90 MB peak
    /// RSS and 2.6 s CPU, against 741 MB and 3.7 s read whole (2026-12-04, medians of 3).
    Path {
        /// Where the file is.
        path: PathBuf,
        /// CSV, JSON or guess ([`InputFormat::Auto`] also looks at the extension).
        format: InputFormat,
    },
}

impl PushInput {
    /// A file's contents.
    pub fn file(bytes: impl Into<Vec<u8>>, format: InputFormat) -> Self {
        PushInput::File {
            bytes: bytes.into(),
            format,
        }
    }

    /// A file read when the push reaches it (see [`PushInput::Path`]).
    pub fn path(path: impl Into<PathBuf>, format: InputFormat) -> Self {
        PushInput::Path {
            path: path.into(),
            format,
        }
    }
}

impl From<Vec<BankTransaction>> for PushInput {
    fn from(value: Vec<BankTransaction>) -> Self {
        PushInput::Transactions(value)
    }
}

impl From<Vec<RawTransaction>> for PushInput {
    fn from(value: Vec<RawTransaction>) -> Self {
        PushInput::Raw(value)
    }
}

impl Client {
    /// Pushes a bank's rows to a source account, in order and each at most once; see the
    /// [module docs](self) for the steps.
    ///
    /// Fails before sending anything with [`Error::Validation`] (the rows have errors),
    /// [`Error::SourceAccountNotFound`], [`Error::AccountBusy`], [`Error::HistoryUnknown`],
    /// [`Error::Ledger`] or a request error. Once batches are being sent, problems do not fail
    /// the call: the report's [`PushReport::stopped`] says where and why the push stopped.
    ///
    /// ```no_run
    /// # async fn run(client: bankfeeds::client::Client) -> Result<(), bankfeeds::client::Error> {
    /// use bankfeeds::client::PushOptions;
    /// use bankfeeds::model::BankTransaction;
    /// use rust_decimal::Decimal;
    /// let rows = vec![
    ///     BankTransaction::new("tx-1", "2024-05-01T09:30:00".parse().unwrap(), Decimal::new(250000, 2))
    ///         .with_description("Salary")
    ///         .with_balance(Decimal::new(250000, 2)),
    /// ];
    /// let options = PushOptions::new().on_progress(|p| {
    ///     println!("{}/{} batches, {} transactions", p.batches_done, p.batches_total, p.transactions_done)
    /// });
    /// let report = client
    ///     .push_transactions("company-id", "connection-id", "acc-001", rows, &options)
    ///     .await?;
    /// println!("{report}");
    /// # Ok(()) }
    /// ```
    pub async fn push_transactions(
        &self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
        rows: impl Into<PushInput>,
        options: &PushOptions,
    ) -> Result<PushReport, Error> {
        let rows = rows.into();
        tracing::info!(company_id, connection_id, account_id, "push started");
        let mut progress = Progress::new(options);
        progress.send(PushStage::Checking);

        // 1. The connection's platform and the source account.
        let (platform, account) = self
            .push_target(company_id, connection_id, account_id)
            .await?;

        // 2. One pusher per account.
        let target = LedgerAccount::new(company_id, connection_id, account_id);
        let (ledger, mut lease) = open_and_lease(&target, options).await?;

        // 3. What the account already has.
        let (history, lost_seen) = self
            .account_history(&target, ledger.as_deref(), lease.as_mut(), options)
            .await?;
        let cursor = unknown_history_policy(account_id, &history, options)?;

        // 4. Normalise and validate; skip what is already there. Seconds of CPU for a large
        // input: on the blocking pool, so that the runtime's other tasks (the other accounts of
        // a `push_all`, their requests and leases) go on meanwhile, on other cores.
        let prepare_options = prepare_options(platform, &account, &history, cursor, options);
        let cursor = cursor.cloned();
        let history = Arc::new(history);
        let (mut bodies, checked) = {
            let history = Arc::clone(&history);
            let resend = options.resend.clone();
            let account_id = account_id.to_owned();
            let check = move || {
                let skips = Skips {
                    history: &history,
                    cursor: cursor.as_ref(),
                    resend: &resend,
                };
                check_rows(rows, prepare_options, &account_id, &skips)
            };
            match tokio::task::spawn_blocking(check).await {
                Ok(checked) => checked?,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => return Err(Error::Config(format!("checking the rows stopped: {e}"))),
            }
        };

        // The check's copy went with it.
        let history = Arc::try_unwrap(history).unwrap_or_else(|shared| PushHistory::clone(&shared));

        if let Bodies::File(file) = &mut bodies {
            file.ready().await?;
        }

        // 5. Push in order.
        let mut report = new_report(
            [company_id, connection_id, account_id],
            platform,
            checked,
            &history,
            bodies.len(),
        );
        progress.start_batches(&bodies, &report);
        let mut sender = BatchSender {
            client: self,
            company_id,
            target: &target,
            ledger: ledger.as_deref(),
            lease: lease.as_mut(),
            options,
            batch_options: PushBatchOptions {
                params: options.params,
                lookup: options.lookup,
                known_operations: history.operation_keys,
            },
            lost_seen,
        };
        sender
            .send_all(&mut bodies, &mut report, &mut progress)
            .await;

        // 6. Account for what was not sent.
        finish_report(&mut report, &progress, &bodies, &history.transaction_ids);
        progress.send(PushStage::Finished);
        drop(lease);
        Ok(report)
    }

    /// Step 3 of a push: what the account already has (nothing, when the options push every
    /// row), and the connection's lost pushes counted before it was read.
    async fn account_history(
        &self,
        target: &LedgerAccount,
        ledger: Option<&dyn PushLedger>,
        lease: Option<&mut AccountLease>,
        options: &PushOptions,
    ) -> Result<(PushHistory, u64), Error> {
        let (company_id, connection_id) = (&target.company_id, &target.connection_id);
        let transactions = self.transactions(company_id, connection_id);
        let lost_seen = self
            .push_gate(company_id, connection_id)
            .lost
            .load(std::sync::atomic::Ordering::SeqCst);
        let history = if options.skips_already_pushed() {
            transactions
                .history_with(&target.account_id, ledger, options, lease)
                .await?
        } else {
            PushHistory::default()
        };
        Ok((history, lost_seen))
    }

    /// What an account already has, as [`Client::push_transactions`] would read it: the ledger
    /// chosen in `options` (brought up to date: batches left unanswered are looked up, pending
    /// ones waited for) and the connection's push operations. Holds the account's lease while it
    /// reads, so it never races a push.
    pub async fn push_history(
        &self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
        options: &PushOptions,
    ) -> Result<PushHistory, Error> {
        let target = LedgerAccount::new(company_id, connection_id, account_id);
        let (ledger, mut lease) = open_and_lease(&target, options).await?;
        let history = self
            .transactions(company_id, connection_id)
            .history_with(account_id, ledger.as_deref(), options, lease.as_mut())
            .await;
        drop(lease);
        history
    }

    /// The connection's platform and the source account.
    async fn push_target(
        &self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
    ) -> Result<(Platform, AnySourceAccount), Error> {
        let connection = self.connections(company_id).get(connection_id).await?;
        let platform = connection
            .platform_key()
            .map_or(Platform::Generic, Platform::from_key);
        let account = self
            .source_accounts(company_id, connection_id)
            .find(account_id)
            .await?
            .ok_or_else(|| Error::SourceAccountNotFound {
                company_id: company_id.to_owned(),
                connection_id: connection_id.to_owned(),
                account_id: account_id.to_owned(),
            })?;
        Ok((platform, account))
    }
}

/// Waits for a push operation to end: by the application's webhook updates when the options have
/// [`PushEvents`], by polling otherwise; renews the account's lease as it waits and gives
/// `on_read` every read of the operation.
pub(crate) async fn wait_for_operation(
    ops: &PushOperations<'_>,
    key: &str,
    wait: &WaitOptions,
    events: Option<&PushEvents>,
    mut lease: Option<&mut AccountLease>,
    mut on_read: impl FnMut(&PushOperation) + Send,
) -> Result<PushOperation, Error> {
    let mut lost_lease = None;
    let mut on_wake = |op: Option<&PushOperation>| {
        if let Some(lease) = lease.as_deref_mut()
            && let Err(e) = lease.renew_if_due()
        {
            lost_lease.get_or_insert(e);
        }
        if let Some(op) = op {
            on_read(op);
        }
    };
    let waited = match events {
        Some(events) => events.wait(ops, key, wait, &mut on_wake).await,
        None => ops.wait_with(key, wait, |op| on_wake(Some(op))).await,
    };
    match lost_lease {
        // The operation was still read to its end: keep that, it is recorded first.
        Some(e) if waited.is_err() => Err(e),
        _ => waited,
    }
}

/// Opens the ledger the options choose and takes the account's lease in it.
async fn open_and_lease(
    target: &LedgerAccount,
    options: &PushOptions,
) -> Result<(Option<Arc<dyn PushLedger>>, Option<AccountLease>), Error> {
    let ledger = options
        .ledger
        .open()
        .map_err(|e| Error::ledger("opening it", e))?;
    let lease = match &ledger {
        Some(l) => Some(
            AccountLease::take(
                Arc::clone(l),
                target.clone(),
                options.lease_ttl,
                options.lock_wait,
            )
            .await?,
        ),
        None => None,
    };
    Ok((ledger, lease))
}

/// The progress callback and the snapshot it is given.
struct Progress<'a> {
    options: &'a PushOptions,
    state: PushProgress,
}

impl<'a> Progress<'a> {
    fn new(options: &'a PushOptions) -> Self {
        Progress {
            options,
            state: PushProgress {
                stage: PushStage::Checking,
                batches_done: 0,
                batches_total: 0,
                transactions_done: 0,
                transactions_total: 0,
                already_pushed: 0,
                operation_key: None,
                status: None,
            },
        }
    }

    fn send(&mut self, stage: PushStage) {
        self.state.stage = stage;
        self.options.report(self.state.clone());
    }

    /// The totals known once the batches are made.
    fn start_batches(&mut self, bodies: &Bodies, report: &PushReport) {
        self.state.batches_total = bodies.len();
        self.state.transactions_total = bodies.transactions();
        self.state.already_pushed = report.already_pushed.len();
    }
}

/// Per connection, the push operations this client's pushes were given, behind a lock held
/// from recording a batch to recording its operation. A push whose answer is lost is looked up
/// among the connection's operations, which (as the spec has them) do not say what they
/// carried: with several accounts of one connection pushed at once ([`Client::push_all`]),
/// another account's operation could be taken for it. One push in flight per connection, and
/// every operation already given to another account known, keep the look-up unambiguous;
/// waiting for operations stays concurrent.
pub(crate) type Gates = std::sync::Mutex<HashMap<(String, String), Arc<GateEntry>>>;

/// One connection's [`Gates`] entry.
#[derive(Debug, Default)]
pub(crate) struct GateEntry {
    /// Pushes on the connection whose outcome stayed unknown: read without waiting for the
    /// gate, so a push starting while another is in flight does not queue behind it to learn it.
    lost: std::sync::atomic::AtomicU64,
    /// Held from recording a batch to recording its operation key.
    gate: tokio::sync::Mutex<Gate>,
}

/// What the gate guards.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    /// Operations given to this client's pushes on the connection.
    given: HashSet<String>,
}

impl Client {
    fn push_gate(&self, company_id: &str, connection_id: &str) -> Arc<GateEntry> {
        let mut gates = self
            .inner
            .push_gates
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            gates
                .entry((company_id.to_owned(), connection_id.to_owned()))
                .or_default(),
        )
    }
}

/// Sends the batches of one push, one at a time, keeping the ledger and the lease up to date.
struct BatchSender<'a> {
    client: &'a Client,
    company_id: &'a str,
    target: &'a LedgerAccount,
    ledger: Option<&'a dyn PushLedger>,
    lease: Option<&'a mut AccountLease>,
    options: &'a PushOptions,
    batch_options: PushBatchOptions,
    /// The connection's lost pushes when the history was read (which found them).
    lost_seen: u64,
}

impl BatchSender<'_> {
    /// Sends the batches in order, stopping at the first that says to (noted in the report).
    async fn send_all(
        &mut self,
        bodies: &mut Bodies,
        report: &mut PushReport,
        progress: &mut Progress<'_>,
    ) {
        for index in 0..bodies.len() {
            let body = match bodies.body(index).await {
                Ok(body) => body,
                Err(error) => {
                    report.stopped = Some(PushStop::Error {
                        batch: index,
                        error: Arc::new(error),
                    });
                    break;
                }
            };
            if let Err(stop) = self.send(index, &body, report, progress).await {
                report.stopped = Some(stop);
                break;
            }
            bodies.succeeded(&body);
        }
    }

    /// Sends one batch and waits for its operation; `Err` says why the push stops here.
    async fn send(
        &mut self,
        index: usize,
        body: &CreateBankTransactions,
        report: &mut PushReport,
        progress: &mut Progress<'_>,
    ) -> Result<(), PushStop> {
        let stop = |error: Error| PushStop::Error {
            batch: index,
            error: Arc::new(error),
        };
        // Still ours? Checked (and renewed) before every batch, not only when a renewal is due.
        if let Some(lease) = self.lease.as_deref_mut() {
            lease.renew().map_err(stop)?;
        }
        progress.state.operation_key = None;
        progress.state.status = None;
        progress.send(PushStage::Sending);
        let (pushed, mut record) = self.hand_over(index, body).await.map_err(stop)?;
        let key = pushed.operation.push_operation_key.clone();
        progress.state.operation_key = Some(key.clone());
        progress.state.status = Some(pushed.operation.status.clone());

        let operation = match self.wait(&key, pushed.operation, progress).await {
            Ok(op) => op,
            Err(Error::WaitTimeout { status, .. }) => {
                report.batches.push(pending_outcome(
                    index,
                    body,
                    &key,
                    &status,
                    pushed.recovered,
                ));
                return Err(PushStop::StillPending {
                    batch: index,
                    operation_key: key,
                    status,
                });
            }
            Err(error) => return Err(stop(error)),
        };
        tracing::info!(
            batch = index,
            operation_key = %key,
            status = %operation.status,
            "push operation ended"
        );
        record.advance(BatchState::from_status(&operation.status), None);
        let saved = self.save(&record, &format!("recording the end of operation {key}"));
        count_ended_batch(index, body, &operation, pushed.recovered, report, progress);
        match operation.status {
            PushOperationStatus::Success => saved.map_err(stop),
            PushOperationStatus::TimedOut => Err(timed_out(index, key, record, report)),
            _ => Err(PushStop::OperationFailed {
                batch: index,
                operation: Box::new(operation),
            }),
        }
    }

    /// Hands one batch to Codat: under the connection's gate, written to the ledger before it
    /// leaves, pushed, and its operation recorded once accepted.
    async fn hand_over(
        &mut self,
        index: usize,
        body: &CreateBankTransactions,
    ) -> Result<(PushedBatch, LedgerBatch), Error> {
        // One push at a time on the connection, knowing the operations the others were given.
        let entry = self
            .client
            .push_gate(self.company_id, &self.target.connection_id);
        let mut gate = entry.gate.lock().await;
        if entry.lost.load(std::sync::atomic::Ordering::SeqCst) > self.lost_seen {
            return Err(Error::ConnectionUnsettled {
                account_id: self.target.account_id.clone(),
                connection_id: self.target.connection_id.clone(),
            });
        }
        self.batch_options
            .known_operations
            .extend(gate.given.iter().cloned());
        // Written before it leaves: a crash from here on leaves a record to look up.
        let mut record = LedgerBatch::sending(self.target.clone(), &body.transactions);
        self.save(&record, "recording a batch before sending it")?;
        let transactions = self
            .client
            .transactions(self.company_id, &self.target.connection_id);
        tracing::info!(
            batch = index,
            transactions = body.transactions.len(),
            "pushing batch"
        );
        let pushed = match transactions.push_batch(body, &self.batch_options).await {
            Ok(p) => p,
            Err(error) => {
                self.note_not_pushed(index, &error, &entry, &mut record);
                return Err(error);
            }
        };
        let key = pushed.operation.push_operation_key.clone();
        tracing::info!(
            batch = index,
            operation_key = %key,
            status = %pushed.operation.status,
            recovered = pushed.recovered,
            "batch accepted"
        );
        self.batch_options.known_operations.insert(key.clone());
        record.advance(
            BatchState::from_status(&pushed.operation.status),
            Some(&key),
        );
        gate.given.insert(key.clone());
        let saved = self.save(&record, &format!("recording accepted operation {key}"));
        drop(gate);
        saved?;
        Ok((pushed, record))
    }

    /// A batch the push did not hand over. Refused or never received: nothing was written, and
    /// the ledger says so. An unknown outcome stays `Sending`, for the next run to look up, and
    /// leaves the connection unsettled.
    fn note_not_pushed(
        &self,
        index: usize,
        error: &Error,
        entry: &GateEntry,
        record: &mut LedgerBatch,
    ) {
        tracing::warn!(batch = index, error = %error, "batch not pushed");
        if matches!(
            error,
            Error::PushOutcomeUnknown { .. } | Error::Decode { .. }
        ) {
            entry.lost.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        } else {
            record.advance(BatchState::NotAccepted, None);
            let _ = self.save(record, "recording a refused batch");
        }
    }

    /// Waits for an operation to end, renewing the lease as it polls.
    async fn wait(
        &mut self,
        key: &str,
        answered: PushOperation,
        progress: &mut Progress<'_>,
    ) -> Result<PushOperation, Error> {
        if answered.is_final() {
            return Ok(answered);
        }
        progress.send(PushStage::Waiting);
        let ops = self.client.push_operations(self.company_id);
        wait_for_operation(
            &ops,
            key,
            &self.options.wait,
            self.options.events.as_ref(),
            self.lease.as_deref_mut(),
            |op| {
                if progress.state.status.as_ref() != Some(&op.status) {
                    tracing::debug!(operation_key = key, status = %op.status, "push operation status");
                    progress.state.status = Some(op.status.clone());
                    progress.send(PushStage::Waiting);
                }
            },
        )
        .await
    }

    fn save(&self, batch: &LedgerBatch, doing: &str) -> Result<(), Error> {
        match self.ledger {
            Some(l) => {
                let saved = l.save(batch).map_err(|e| Error::ledger(doing, e));
                match &saved {
                    Ok(()) => tracing::debug!(state = %batch.state, "ledger saved: {doing}"),
                    Err(e) => tracing::warn!(error = %e, "ledger save failed"),
                }
                saved
            }
            None => Ok(()),
        }
    }
}

/// Step 6 of a push: counts what was not sent, keeps the timed-out batches whose rows are not
/// on the account yet, and logs the end.
fn finish_report(
    report: &mut PushReport,
    progress: &Progress<'_>,
    bodies: &Bodies,
    on_account: &HashSet<String>,
) {
    report.not_pushed = progress.state.transactions_total - report.pushed;
    settle_timed_out(report, bodies, on_account);
    tracing::info!(
        account_id = report.account_id.as_str(),
        pushed = report.pushed,
        not_pushed = report.not_pushed,
        already_pushed = report.already_pushed.len(),
        stopped = report.stopped.is_some(),
        "push finished"
    );
}

/// Drops from the report's timed-out batches those whose rows are all on the account now:
/// pushed by this run (resent on request) or, for a batch resent in parts, by earlier ones.
fn settle_timed_out(report: &mut PushReport, bodies: &Bodies, on_account: &HashSet<String>) {
    let succeeded: HashSet<&str> = match bodies {
        Bodies::Held(bodies) => report
            .batches
            .iter()
            .filter(|b| b.is_success())
            .flat_map(|b| bodies.slice(b.index).iter().map(|t| t.id.as_str()))
            .collect(),
        Bodies::File(file) => file.succeeded_held().collect(),
    };
    report.timed_out.retain(|b| {
        !b.transaction_ids
            .iter()
            .all(|id| succeeded.contains(id.as_str()) || on_account.contains(id))
    });
}

/// Counts a batch whose operation ended in the report and the progress.
fn count_ended_batch(
    index: usize,
    body: &CreateBankTransactions,
    operation: &PushOperation,
    recovered: bool,
    report: &mut PushReport,
    progress: &mut Progress<'_>,
) {
    let count = body.transactions.len();
    let first = body.transactions.first().map_or("", |t| t.id.as_str());
    let last = body.transactions.last().map_or("", |t| t.id.as_str());
    report.batches.push(BatchOutcome::new(
        index, operation, count, first, last, recovered,
    ));
    progress.state.batches_done += 1;
    progress.state.status = Some(operation.status.clone());
    if operation.is_success() {
        report.pushed += count;
        progress.state.transactions_done += count;
    }
    progress.send(PushStage::BatchDone);
}

/// A batch whose operation timed out: an unknown outcome, its rows held in the report.
fn timed_out(index: usize, key: String, record: LedgerBatch, report: &mut PushReport) -> PushStop {
    report.timed_out.push(HeldBatch {
        operation_key: key.clone(),
        transaction_ids: record.transaction_ids.clone(),
    });
    PushStop::TimedOut {
        batch: index,
        operation_key: key,
        transaction_ids: record.transaction_ids,
    }
}

/// A batch whose operation has not ended.
fn pending_outcome(
    index: usize,
    body: &CreateBankTransactions,
    key: &str,
    status: &PushOperationStatus,
    recovered: bool,
) -> BatchOutcome {
    let id = |t: Option<&BankTransaction>| t.map(|t| t.id.clone()).unwrap_or_default();
    BatchOutcome {
        index,
        operation_key: key.to_owned(),
        status: status.clone(),
        transactions: body.transactions.len(),
        first_id: id(body.transactions.first()),
        last_id: id(body.transactions.last()),
        error_message: None,
        validation_errors: Vec::new(),
        recovered,
    }
}

/// Applies [`UnknownHistory`]: fails when the history cannot be told and the caller did not say
/// what to do; returns the cursor to skip through, if any.
fn unknown_history_policy<'a>(
    account_id: &str,
    history: &PushHistory,
    options: &'a PushOptions,
) -> Result<Option<&'a Cursor>, Error> {
    match &options.unknown_history {
        UnknownHistory::SkipThrough(cursor) => Ok(Some(cursor)),
        UnknownHistory::Trust => Ok(None),
        UnknownHistory::Refuse if history.unknown_operations.is_empty() => Ok(None),
        UnknownHistory::Refuse => Err(Error::HistoryUnknown {
            account_id: account_id.to_owned(),
            operations: history
                .unknown_operations
                .iter()
                .map(|o| o.operation_key.clone())
                .collect(),
        }),
    }
}

fn prepare_options(
    platform: Platform,
    account: &AnySourceAccount,
    history: &PushHistory,
    cursor: Option<&Cursor>,
    options: &PushOptions,
) -> PrepareOptions {
    let today = options
        .today
        .unwrap_or_else(|| crate::dates::today_in(&options.time_zone));
    let account_context = match account {
        AnySourceAccount::V1(a) => AccountContext::from(a),
        AnySourceAccount::V2(a) => AccountContext::from(a),
    };
    let mut context = ValidationContext::new(platform, today)
        .with_account(account_context)
        .with_rules(options.rules.clone());
    let newest = history.newest.max(cursor.map(|c| c.date));
    if let Some(newest) = newest {
        context = context.with_latest_existing(newest.datetime());
    }
    if let Some(country) = &options.country {
        context = context.with_country(country.clone());
    }
    let max = platform.profile().max_batch;
    let mut normalise = options
        .normalise
        .clone()
        .unwrap_or_else(|| NormaliseOptions::for_platform(platform));
    normalise.platform = platform;
    normalise.batch_size = options
        .batch_size
        .unwrap_or(normalise.batch_size)
        .clamp(1, max);
    PrepareOptions {
        ingest: options.ingest.clone(),
        normalise,
        context,
        max_listed: Some(crate::validate::DEFAULT_MAX_LISTED),
    }
}

/// Step 4 of a push: the rows normalised and validated, how many there were, and those to send
/// once what the account already has (or holds back, or the cursor passes) is set aside. Fails
/// with [`Error::Validation`] when the rows left have errors.
fn prepare_rows(
    rows: PushInput,
    prepare_options: &PrepareOptions,
    account_id: &str,
    skips: &Skips<'_>,
) -> Result<(Prepared, usize, Skipped), Error> {
    let mut prepared = match rows {
        PushInput::Transactions(txs) => pipeline::prepare_transactions(txs, prepare_options),
        PushInput::Raw(raw) => pipeline::prepare(raw, prepare_options),
        PushInput::File { bytes, format } => {
            pipeline::prepare_file(&bytes, format, prepare_options)
        }
        PushInput::Path { path, format } => {
            let format = file::format_of(&path, format);
            let bytes = std::fs::read(&path).map_err(|e| file::unreadable(&path, &e))?;
            pipeline::prepare_file(&bytes, format, prepare_options)
        }
    };
    check_account_id(
        &mut prepared.report,
        prepared.account_id.as_deref(),
        account_id,
    );
    let total = prepared.transactions.len();
    let skipped = skip_rows(&mut prepared, skips)?;
    if !prepared.report.is_valid() {
        return Err(Error::Validation(Box::new(prepared.report)));
    }
    Ok((prepared, total, skipped))
}

/// What step 4 of a push found: the rows read, those set aside, the findings and changes.
struct Checked {
    transactions: usize,
    skipped: SkippedIds,
    validation: ValidationReport,
    changes: Vec<crate::normalise::Change>,
}

impl Checked {
    fn of(mut prepared: Prepared, transactions: usize, skipped: SkippedIds) -> Self {
        Checked {
            transactions,
            skipped,
            validation: std::mem::take(&mut prepared.report),
            changes: std::mem::take(&mut prepared.changes),
        }
    }
}

/// Step 4 of a push: the rows normalised, validated and sorted into those to send (as bodies
/// held or read from the file as their turn comes) and those set aside.
fn check_rows(
    rows: PushInput,
    prepare_options: PrepareOptions,
    account_id: &str,
    skips: &Skips<'_>,
) -> Result<(Bodies, Checked), Error> {
    match rows {
        PushInput::Path { path, format } => {
            file::prepare(path, format, prepare_options, account_id, skips)
        }
        rows => held_rows(rows, &prepare_options, account_id, skips),
    }
}

/// Step 4 of a push for rows held in memory (a file read whole among them): their bodies are
/// made from the rows kept.
fn held_rows(
    rows: PushInput,
    prepare_options: &PrepareOptions,
    account_id: &str,
    skips: &Skips<'_>,
) -> Result<(Bodies, Checked), Error> {
    let (prepared, total, skipped) = prepare_rows(rows, prepare_options, account_id, skips)?;
    let bodies = Batches::new(account_id, skipped.todo, prepared.batch_size);
    Ok((
        Bodies::Held(bodies),
        Checked::of(prepared, total, skipped.ids),
    ))
}

/// The report of a push about to send `batches` batches, before any is sent: what was read,
/// skipped and found. `ids` are the company, connection and account.
fn new_report(
    [company_id, connection_id, account_id]: [&str; 3],
    platform: Platform,
    checked: Checked,
    history: &PushHistory,
    batches: usize,
) -> PushReport {
    let Checked {
        transactions,
        skipped,
        validation,
        changes,
    } = checked;
    PushReport {
        company_id: company_id.to_owned(),
        connection_id: connection_id.to_owned(),
        account_id: account_id.to_owned(),
        platform,
        transactions,
        already_pushed: skipped.on_account,
        held_back: skipped.held,
        skipped_by_cursor: skipped.by_cursor,
        pushed: 0,
        not_pushed: 0,
        batches: Vec::with_capacity(batches),
        batches_total: batches,
        validation,
        changes,
        unknown_operations: history.unknown_operations.len(),
        timed_out: history.held.clone(),
        recovered: history.resolved.clone(),
        stopped: None,
    }
}

/// A file or rows naming another account than the one pushed to is an error.
fn check_account_id(report: &mut ValidationReport, named: Option<&str>, account_id: &str) {
    if let Some(named) = named
        && named != account_id
    {
        report.issues.insert(
            0,
            Issue::new(
                Code::MultipleAccounts,
                format!("the rows are for account `{named}` but the push is to `{account_id}`"),
            )
            .on(Field::AccountId)
            .expected_found(account_id, named),
        );
    }
}

/// The rows to push, and the ids of those skipped, by reason.
struct Skipped {
    todo: Vec<BankTransaction>,
    ids: SkippedIds,
}

/// The ids of the rows not sent, by reason.
#[derive(Default)]
struct SkippedIds {
    on_account: Vec<String>,
    held: Vec<String>,
    by_cursor: Vec<String>,
}

/// The bodies a push sends: made from rows held in memory, or read from a file one at a time.
enum Bodies {
    Held(Batches),
    File(file::FileBodies),
}

impl Bodies {
    fn len(&self) -> usize {
        match self {
            Bodies::Held(b) => b.len(),
            Bodies::File(f) => f.len(),
        }
    }

    /// The transactions in them.
    fn transactions(&self) -> usize {
        match self {
            Bodies::Held(b) => b.transactions.len(),
            Bodies::File(f) => f.transactions(),
        }
    }

    /// The push body of batch `index` (asked for in order).
    async fn body(&mut self, index: usize) -> Result<CreateBankTransactions, Error> {
        match self {
            Bodies::Held(b) => Ok(b.body(index)),
            Bodies::File(f) => f.next().await,
        }
    }

    /// A body was sent and succeeded.
    fn succeeded(&mut self, body: &CreateBankTransactions) {
        if let Bodies::File(f) = self {
            f.succeeded(body);
        }
    }
}

/// The batches of a push: the rows to send, held once, and where each push body starts and
/// ends ([`batch::body_ranges`], so the same bodies as [`batch::push_bodies`]). A body is made
/// when its turn comes: building every body up front held a second copy of the rows.
struct Batches {
    account_id: String,
    transactions: Vec<BankTransaction>,
    ranges: Vec<std::ops::Range<usize>>,
}

impl Batches {
    fn new(account_id: &str, transactions: Vec<BankTransaction>, size: usize) -> Self {
        let ranges = batch::body_ranges(account_id, &transactions, size);
        Batches {
            account_id: account_id.to_owned(),
            transactions,
            ranges,
        }
    }

    fn len(&self) -> usize {
        self.ranges.len()
    }

    /// The rows of batch `index`.
    fn slice(&self, index: usize) -> &[BankTransaction] {
        &self.transactions[self.ranges[index].clone()]
    }

    /// The push body of batch `index`.
    fn body(&self, index: usize) -> CreateBankTransactions {
        CreateBankTransactions {
            account_id: self.account_id.clone(),
            transactions: self.slice(index).to_vec(),
        }
    }
}

/// What a push sets aside: rows already on the account, rows a timed-out batch holds (unless
/// `resend` names them), rows at or before the cursor.
struct Skips<'a> {
    history: &'a PushHistory,
    cursor: Option<&'a Cursor>,
    resend: &'a HashSet<String>,
}

/// Goes through the rows in order, telling which to set aside and keeping their ids by reason:
/// the same rules for rows held in memory ([`skip_rows`]) and for a file as it streams.
struct Skipper<'a> {
    skips: &'a Skips<'a>,
    /// The ids timed-out batches hold, looked up once a row (not a scan of every held batch).
    held: HashSet<&'a str>,
    /// The row the cursor names was met (rows of its date after it are sent).
    cursor_met: bool,
    ids: SkippedIds,
}

impl<'a> Skipper<'a> {
    fn new(skips: &'a Skips<'a>) -> Self {
        Skipper {
            skips,
            held: skips
                .history
                .held
                .iter()
                .flat_map(|b| b.transaction_ids.iter().map(String::as_str))
                .collect(),
            cursor_met: false,
            ids: SkippedIds::default(),
        }
    }

    /// Whether the next row is set aside (and its id kept).
    fn skip(&mut self, tx: &BankTransaction) -> bool {
        let by_cursor = self.by_cursor(tx);
        let Skips {
            history, resend, ..
        } = self.skips;
        let list = if history.contains(&tx.id) {
            &mut self.ids.on_account
        } else if self.held.contains(tx.id.as_str()) && !resend.contains(&tx.id) {
            &mut self.ids.held
        } else if by_cursor {
            &mut self.ids.by_cursor
        } else {
            return false;
        };
        list.push(tx.id.clone());
        true
    }

    /// Whether the next row is at or before the cursor (in the order given, sorted or not):
    /// before its date (or instant), or on it up to the row the cursor names.
    fn by_cursor(&mut self, tx: &BankTransaction) -> bool {
        let Some(cursor) = self.skips.cursor else {
            return false;
        };
        let whole_day = cursor.date.precision() == crate::dates::Precision::Date;
        let key = |d: crate::dates::LocalDateTime| {
            if whole_day {
                d.date().and_time(chrono::NaiveTime::MIN)
            } else {
                d.datetime()
            }
        };
        let (row, at) = (key(tx.date), key(cursor.date));
        if row != at {
            return row < at;
        }
        match &cursor.id {
            None => true,
            Some(_) if self.cursor_met => false,
            Some(id) => {
                self.cursor_met = tx.id == *id;
                true
            }
        }
    }

    /// The ids set aside, once every row was seen; `Err` when the cursor names a row that is
    /// not there.
    fn finish(self) -> Result<SkippedIds, Error> {
        match self.skips.cursor {
            Some(Cursor {
                id: Some(id), date, ..
            }) if !self.cursor_met => Err(Error::Config(format!(
                "the cursor names transaction `{id}` on {date}, but no row of that date has that id: nothing was sent"
            ))),
            _ => Ok(self.ids),
        }
    }
}

/// Removes the rows not to send (see [`Skips`]) and the findings about them.
fn skip_rows(prepared: &mut Prepared, skips: &Skips<'_>) -> Result<Skipped, Error> {
    let mut skipper = Skipper::new(skips);
    let flags: Vec<bool> = prepared
        .transactions
        .iter()
        .map(|tx| skipper.skip(tx))
        .collect();
    let ids = skipper.finish()?;
    // The rows to send stay where they are: copying them into a new list held both at once.
    let mut transactions = std::mem::take(&mut prepared.transactions);
    let rows = std::mem::take(&mut prepared.source_rows);
    let mut kept_rows = Vec::with_capacity(rows.len());
    let mut skipped_rows = HashSet::new();
    for (row, &skip) in rows.into_iter().zip(&flags) {
        if skip {
            skipped_rows.insert(row);
        } else {
            kept_rows.push(row);
        }
    }
    let mut kept = flags.iter().map(|f| !f);
    transactions.retain(|_| kept.next().unwrap_or(true));
    prepared.source_rows = kept_rows;
    if !skipped_rows.is_empty() {
        prepared
            .report
            .issues
            .retain(|i| i.row.is_none_or(|r| !skipped_rows.contains(&r)));
    }
    Ok(Skipped {
        todo: transactions,
        ids,
    })
}
