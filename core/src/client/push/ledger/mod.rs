//! The push ledger: the SDK's own durable record of every batch it pushed.
//!
//! Codat's push history does not say what a push carried (the spec's `PushOperation` has no
//! `data`), so the only way to know which transactions are already on an account is to remember
//! them. [`Client::push_transactions`](crate::client::Client::push_transactions) writes every
//! batch to a [`PushLedger`] before it is sent and updates it as it goes:
//!
//! | [`BatchState`] | written | the rows |
//! | --- | --- | --- |
//! | `Sending` | before the request leaves | unknown until the next run looks the push up |
//! | `Pending` | when Codat accepts the batch, with its push operation key | waited for on the next run |
//! | `Success` | when the operation ends `Success` | on the account: never sent again |
//! | `TimedOut` | when it ends `TimedOut` | may or may not be on the account: held for reconciliation, never resent unless asked |
//! | `Failed` | when it ends `Failed` | not written: sent again on a rerun |
//! | `NotAccepted` | when Codat refused the request, or a look-up showed it never arrived | not written: sent again on a rerun |
//!
//! A crash at any point therefore leaves enough behind: a `Sending` batch is looked up among the
//! connection's push operations (requested after it was written, not known to the ledger), a
//! `Pending` one is polled by its key.
//!
//! The ledger also holds a **lease per account** ([`PushLedger::acquire`]): one pusher per account
//! at a time, so two runs started together cannot both send the same rows.
//!
//! [`SqliteLedger`] is the default (feature `ledger-sqlite`, on with `client`): one SQLite file,
//! crash-safe (WAL, synchronous commits) and safe across processes, at [`default_path`] unless
//! told otherwise. A bank that keeps its state in its own database implements [`PushLedger`]
//! (five methods); [`MemoryLedger`] is for tests and short-lived processes.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::dates::{LocalDateTime, Timestamp};
use crate::model::PushOperationStatus;

#[cfg(feature = "ledger-sqlite")]
mod sqlite;
#[cfg(feature = "ledger-sqlite")]
pub use sqlite::SqliteLedger;

/// Which account a batch or a lease is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerAccount {
    /// The company.
    pub company_id: String,
    /// The connection.
    pub connection_id: String,
    /// The source account.
    pub account_id: String,
}

impl LedgerAccount {
    /// An account.
    pub fn new(
        company_id: impl Into<String>,
        connection_id: impl Into<String>,
        account_id: impl Into<String>,
    ) -> Self {
        LedgerAccount {
            company_id: company_id.into(),
            connection_id: connection_id.into(),
            account_id: account_id.into(),
        }
    }
}

impl fmt::Display for LedgerAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "account `{}` of connection {} (company {})",
            self.account_id, self.connection_id, self.company_id
        )
    }
}

/// Where a recorded batch is; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BatchState {
    /// Written before the request was sent; whether Codat accepted it is not known yet.
    Sending,
    /// Accepted by Codat (the operation key is known); not finished.
    Pending,
    /// Written to the accounting platform.
    Success,
    /// The platform refused it: nothing was written.
    Failed,
    /// Codat gave up waiting for the platform, which may still have written it.
    TimedOut,
    /// Codat never accepted it (refused, or a look-up found no trace): nothing was written.
    NotAccepted,
}

impl BatchState {
    /// Every state, in the order of the table above.
    pub const ALL: [BatchState; 6] = [
        BatchState::Sending,
        BatchState::Pending,
        BatchState::Success,
        BatchState::Failed,
        BatchState::TimedOut,
        BatchState::NotAccepted,
    ];

    /// A stable name: `sending`, `pending`, `success`, `failed`, `timed_out`, `not_accepted`.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Sending => "sending",
            BatchState::Pending => "pending",
            BatchState::Success => "success",
            BatchState::Failed => "failed",
            BatchState::TimedOut => "timed_out",
            BatchState::NotAccepted => "not_accepted",
        }
    }

    /// The state named by [`BatchState::as_str`].
    pub fn parse(name: &str) -> Option<BatchState> {
        BatchState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The state a push operation's status means (`None` for a status this version does not
    /// know, which counts as still pending).
    pub fn from_status(status: &PushOperationStatus) -> BatchState {
        match status {
            PushOperationStatus::Success => BatchState::Success,
            PushOperationStatus::Failed => BatchState::Failed,
            PushOperationStatus::TimedOut => BatchState::TimedOut,
            PushOperationStatus::Pending | PushOperationStatus::Unrecognised(_) => {
                BatchState::Pending
            }
        }
    }

    /// Whether the batch still has to be found out about (`Sending` or `Pending`).
    pub fn is_open(self) -> bool {
        matches!(self, BatchState::Sending | BatchState::Pending)
    }
}

impl fmt::Display for BatchState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One batch as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerBatch {
    /// The ledger's own id for the batch (random, unique): the key [`PushLedger::save`] updates.
    pub batch_id: String,
    /// The account pushed to.
    pub account: LedgerAccount,
    /// Codat's push operation key, once Codat accepted the batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_key: Option<String>,
    /// Where the batch is.
    pub state: BatchState,
    /// The ids of its transactions, in order.
    pub transaction_ids: Vec<String>,
    /// Its oldest transaction date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest: Option<LocalDateTime>,
    /// Its newest transaction date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<LocalDateTime>,
    /// When it was first written (just before the first attempt to send it).
    pub sent_at: Timestamp,
    /// When it was last written.
    pub updated_at: Timestamp,
}

impl LedgerBatch {
    /// A batch about to be sent (`Sending`), with a fresh id.
    pub fn sending(
        account: LedgerAccount,
        transactions: &[crate::model::BankTransaction],
    ) -> LedgerBatch {
        let now = Timestamp::now();
        LedgerBatch {
            batch_id: new_id(),
            account,
            operation_key: None,
            state: BatchState::Sending,
            transaction_ids: transactions.iter().map(|t| t.id.clone()).collect(),
            oldest: transactions.iter().map(|t| t.date).min(),
            newest: transactions.iter().map(|t| t.date).max(),
            sent_at: now,
            updated_at: now,
        }
    }

    /// Moves the batch to `state` (and records the operation key, when given), stamping
    /// `updated_at`.
    pub fn advance(&mut self, state: BatchState, operation_key: Option<&str>) {
        self.state = state;
        if let Some(key) = operation_key {
            self.operation_key = Some(key.to_owned());
        }
        self.updated_at = Timestamp::now();
    }
}

/// A 128-bit id as 32 hex digits, unique by construction rather than by luck: the process id
/// (no two running processes of a host share one), the time in nanoseconds, a count of the ids
/// this process made, and 16 random bits for ids made on different hosts at the same nanosecond.
/// Lease holders and batch ids are told apart by it, so it must not rest on the random
/// generator alone, which seeds itself from the clock and the thread's number.
pub(crate) fn new_id() -> String {
    use std::sync::atomic::{AtomicU16, Ordering};
    static MADE: AtomicU16 = AtomicU16::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "{:08x}{nanos:016x}{:04x}{:04x}",
        std::process::id(),
        MADE.fetch_add(1, Ordering::Relaxed),
        fastrand::u16(..)
    )
}

/// Who holds an account's lease: a random id per push, with the host and process for people
/// (and so that a lease left by a process that died on this host can be taken over at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaseHolder {
    /// Unique per push.
    pub id: String,
    /// The host name.
    pub host: String,
    /// The process id.
    pub pid: u32,
}

impl LeaseHolder {
    /// A holder for this process, with a fresh id.
    pub fn this_process() -> LeaseHolder {
        LeaseHolder {
            id: new_id(),
            host: host_name(),
            pid: std::process::id(),
        }
    }

    /// Whether this holder is a process of this host that no longer runs.
    pub fn is_dead_local_process(&self) -> bool {
        self.host == host_name() && self.pid != std::process::id() && !process_alive(self.pid)
    }
}

impl fmt::Display for LeaseHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "process {} on {}", self.pid, self.host)
    }
}

fn host_name() -> String {
    #[cfg(unix)]
    {
        if let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
            let name = name.trim();
            if !name.is_empty() {
                return name.to_owned();
            }
        }
    }
    for var in ["HOSTNAME", "COMPUTERNAME"] {
        if let Ok(name) = std::env::var(var)
            && !name.is_empty()
        {
            return name;
        }
    }
    "localhost".to_owned()
}

/// Whether a process of this host runs. Where this cannot be told, it is assumed to run (a lease
/// then lasts until it expires).
fn process_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        process_alive_in(std::path::Path::new("/proc"), pid)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        true
    }
}

/// [`process_alive`] as told by a procfs mounted at `proc`. Only a missing entry says a process is
/// gone, and only where this process can see the others: with `hidepid=2` (or a procfs that is
/// not there) another user's processes are missing too, which `1` (init, always running) being
/// missing shows. Any other failure to look (permissions, a failed `stat`) is taken as running,
/// never as leave to take over a lease.
#[cfg(any(target_os = "linux", test))]
fn process_alive_in(proc: &std::path::Path, pid: u32) -> bool {
    let gone = |pid: u32| matches!(proc.join(pid.to_string()).try_exists(), Ok(false));
    !gone(pid) || gone(1)
}

/// An account's lease as a ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    /// Who holds it.
    pub holder: LeaseHolder,
    /// When it lapses unless renewed.
    pub expires_at: Timestamp,
}

/// Why a ledger call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// Another pusher holds the account's lease.
    #[error("the account is being pushed by {} (lease until {})", .lease.holder, .lease.expires_at)]
    Busy {
        /// The lease held.
        lease: Box<Lease>,
    },
    /// The ledger could not be opened, read or written.
    #[error("{0}")]
    Storage(String),
}

impl LedgerError {
    /// A storage error from anything displayable.
    pub fn storage(e: impl fmt::Display) -> Self {
        LedgerError::Storage(e.to_string())
    }
}

/// Where pushes are recorded and accounts leased; see the [module docs](self).
///
/// Every method must be durable before it returns (a batch Codat accepted but the ledger forgot
/// would be sent again), and safe to call from several threads and processes at once. Calls are
/// short and synchronous; they are made from the task running the push.
pub trait PushLedger: Send + Sync {
    /// Every batch recorded on a connection, of all its accounts, in any order. (Other accounts'
    /// batches tell which of the connection's push operations are accounted for.)
    fn batches(
        &self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<Vec<LedgerBatch>, LedgerError>;

    /// Writes a batch: inserts it, or updates the one with the same `batch_id` (its key, state and
    /// `updated_at`: a batch's account, transactions and dates never change once written).
    fn save(&self, batch: &LedgerBatch) -> Result<(), LedgerError>;

    /// Takes (or renews) the account's lease for `ttl`. Fails with [`LedgerError::Busy`] when
    /// another holder's lease has not lapsed; a lapsed lease, or one whose holder is a dead
    /// process of this host ([`LeaseHolder::is_dead_local_process`]), is taken over.
    fn acquire(
        &self,
        account: &LedgerAccount,
        holder: &LeaseHolder,
        ttl: Duration,
    ) -> Result<(), LedgerError>;

    /// Gives the lease back (nothing happens when `holder` does not hold it).
    fn release(&self, account: &LedgerAccount, holder: &LeaseHolder) -> Result<(), LedgerError>;

    /// Who holds the account's lease now, if anyone.
    fn lease(&self, account: &LedgerAccount) -> Result<Option<Lease>, LedgerError>;
}

/// Whether `holder` may take a lease currently held as `current` at `now`.
pub fn may_take(current: Option<&Lease>, holder: &LeaseHolder, now: Timestamp) -> bool {
    match current {
        None => true,
        Some(lease) => {
            lease.holder.id == holder.id
                || lease.expires_at <= now
                || lease.holder.is_dead_local_process()
        }
    }
}

/// The lease's expiry `ttl` from `now` (saturating far in the future).
pub fn expiry(now: Timestamp, ttl: Duration) -> Timestamp {
    let ttl = chrono::TimeDelta::from_std(ttl).unwrap_or(chrono::TimeDelta::MAX);
    Timestamp::new(
        now.utc()
            .checked_add_signed(ttl)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
    )
}

/// A ledger held in memory: lost when the process ends, so it protects reruns within one process
/// only.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    batches: Vec<LedgerBatch>,
    leases: HashMap<LedgerAccount, Lease>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl PushLedger for MemoryLedger {
    fn batches(
        &self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<Vec<LedgerBatch>, LedgerError> {
        Ok(self
            .lock()
            .batches
            .iter()
            .filter(|b| {
                b.account.company_id == company_id && b.account.connection_id == connection_id
            })
            .cloned()
            .collect())
    }

    fn save(&self, batch: &LedgerBatch) -> Result<(), LedgerError> {
        let mut state = self.lock();
        match state
            .batches
            .iter_mut()
            .find(|b| b.batch_id == batch.batch_id)
        {
            Some(b) => *b = batch.clone(),
            None => state.batches.push(batch.clone()),
        }
        Ok(())
    }

    fn acquire(
        &self,
        account: &LedgerAccount,
        holder: &LeaseHolder,
        ttl: Duration,
    ) -> Result<(), LedgerError> {
        let mut state = self.lock();
        let now = Timestamp::now();
        if let Some(current) = state.leases.get(account)
            && !may_take(Some(current), holder, now)
        {
            return Err(LedgerError::Busy {
                lease: Box::new(current.clone()),
            });
        }
        state.leases.insert(
            account.clone(),
            Lease {
                holder: holder.clone(),
                expires_at: expiry(now, ttl),
            },
        );
        Ok(())
    }

    fn release(&self, account: &LedgerAccount, holder: &LeaseHolder) -> Result<(), LedgerError> {
        let mut state = self.lock();
        if state
            .leases
            .get(account)
            .is_some_and(|l| l.holder.id == holder.id)
        {
            state.leases.remove(account);
        }
        Ok(())
    }

    fn lease(&self, account: &LedgerAccount) -> Result<Option<Lease>, LedgerError> {
        Ok(self.lock().leases.get(account).cloned())
    }
}

/// Which ledger a push uses.
#[derive(Clone, Default)]
pub enum LedgerChoice {
    /// [`SqliteLedger`] at [`default_path`] (the default; without the `ledger-sqlite` feature,
    /// a push with this choice fails until a ledger is given).
    #[default]
    Default,
    /// [`SqliteLedger`] at this path.
    Path(PathBuf),
    /// This ledger.
    Custom(Arc<dyn PushLedger>),
    /// No ledger: what is already on the account is read from the server's history alone, which
    /// (as the spec has it) does not say what each push carried; see
    /// [`super::UnknownHistory`].
    Off,
}

impl fmt::Debug for LedgerChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerChoice::Default => f.write_str("Default"),
            LedgerChoice::Path(p) => f.debug_tuple("Path").field(p).finish(),
            LedgerChoice::Custom(_) => f.write_str("Custom(..)"),
            LedgerChoice::Off => f.write_str("Off"),
        }
    }
}

impl LedgerChoice {
    /// Opens the chosen ledger (`None` for [`LedgerChoice::Off`]).
    pub fn open(&self) -> Result<Option<Arc<dyn PushLedger>>, LedgerError> {
        match self {
            LedgerChoice::Off => Ok(None),
            LedgerChoice::Custom(l) => Ok(Some(Arc::clone(l))),
            #[cfg(feature = "ledger-sqlite")]
            LedgerChoice::Default => Ok(Some(Arc::new(SqliteLedger::open(default_path()?)?))),
            #[cfg(feature = "ledger-sqlite")]
            LedgerChoice::Path(p) => Ok(Some(Arc::new(SqliteLedger::open(p)?))),
            #[cfg(not(feature = "ledger-sqlite"))]
            LedgerChoice::Default | LedgerChoice::Path(_) => Err(LedgerError::Storage(
                "this build has no SQLite ledger (feature `ledger-sqlite`): give a ledger of your own or turn it off".into(),
            )),
        }
    }
}

/// The environment variable that names the default ledger file.
pub const LEDGER_ENV: &str = "BANKFEEDS_LEDGER";

/// Where the default ledger lives: `$BANKFEEDS_LEDGER` when set; otherwise the user's data folder:
/// `$XDG_DATA_HOME/bankfeeds/ledger.sqlite3` (or `~/.local/share/bankfeeds/...`) on Linux,
/// `~/Library/Application Support/bankfeeds/...` on macOS and iOS, `%APPDATA%\bankfeeds\...` on
/// Windows. Fails when none of these can be found (then give a path).
pub fn default_path() -> Result<PathBuf, LedgerError> {
    if let Some(path) = std::env::var_os(LEDGER_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        var("APPDATA")
    } else if cfg!(target_vendor = "apple") {
        var("HOME").map(|h| h.join("Library").join("Application Support"))
    } else {
        var("XDG_DATA_HOME").or_else(|| var("HOME").map(|h| h.join(".local").join("share")))
    };
    base.map(path_in).ok_or_else(|| {
        LedgerError::Storage(format!(
            "no default place for the push ledger (no home folder): set {LEDGER_ENV} or give a path"
        ))
    })
}

/// Where the ledger lives in a data folder: `<folder>/bankfeeds/ledger.sqlite3`. The default
/// ledger is this in the user's data folder; an app gives its own folder (Android's files
/// folder, iOS's Application Support) to the bindings, which use this too.
pub fn path_in(folder: impl AsRef<std::path::Path>) -> PathBuf {
    folder.as_ref().join("bankfeeds").join("ledger.sqlite3")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn account(id: &str) -> LedgerAccount {
        LedgerAccount::new("c", "k", id)
    }

    pub(crate) fn batch(account_id: &str, ids: &[&str]) -> LedgerBatch {
        let txs: Vec<_> = ids
            .iter()
            .map(|id| {
                crate::model::BankTransaction::new(
                    *id,
                    "2024-05-01T10:00:00".parse().unwrap(),
                    rust_decimal::Decimal::ONE,
                )
            })
            .collect();
        LedgerBatch::sending(account(account_id), &txs)
    }

    /// The contract every ledger keeps; run against each implementation.
    pub(crate) fn contract(ledger: &dyn PushLedger) {
        assert!(ledger.batches("c", "k").unwrap().is_empty());
        let mut a = batch("a", &["t1", "t2"]);
        ledger.save(&a).unwrap();
        ledger.save(&batch("b", &["t3"])).unwrap();
        let mut other = batch("a", &["t9"]);
        other.account.connection_id = "other".into();
        ledger.save(&other).unwrap();
        a.advance(BatchState::Pending, Some("op-1"));
        ledger.save(&a).unwrap();
        let mut got = ledger.batches("c", "k").unwrap();
        got.sort_by(|x, y| x.account.account_id.cmp(&y.account.account_id));
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0], a, "saved again: replaced, not added");
        assert_eq!(got[0].state, BatchState::Pending);
        assert_eq!(got[0].operation_key.as_deref(), Some("op-1"));
        assert_eq!(got[0].transaction_ids, ["t1", "t2"]);
        assert_eq!(got[1].account.account_id, "b");
        assert_eq!(ledger.batches("c", "other").unwrap(), vec![other]);

        // Leases: one holder at a time, renewable, released, taken over once lapsed.
        let acc = account("a");
        let one = LeaseHolder::this_process();
        let two = LeaseHolder::this_process();
        assert_eq!(ledger.lease(&acc).unwrap(), None);
        ledger.acquire(&acc, &one, Duration::from_secs(60)).unwrap();
        ledger.acquire(&acc, &one, Duration::from_secs(60)).unwrap();
        match ledger.acquire(&acc, &two, Duration::from_secs(60)) {
            Err(LedgerError::Busy { lease }) => assert_eq!(lease.holder, one),
            other => panic!("{other:?}"),
        }
        // Another account is free.
        ledger
            .acquire(&account("b"), &two, Duration::from_secs(60))
            .unwrap();
        // Releasing someone else's lease does nothing.
        ledger.release(&acc, &two).unwrap();
        assert_eq!(ledger.lease(&acc).unwrap().unwrap().holder, one);
        ledger.release(&acc, &one).unwrap();
        assert_eq!(ledger.lease(&acc).unwrap(), None);
        ledger.acquire(&acc, &two, Duration::ZERO).unwrap();
        ledger.acquire(&acc, &one, Duration::from_secs(60)).unwrap();
        assert_eq!(ledger.lease(&acc).unwrap().unwrap().holder, one);
        // A dead process of this host loses its lease at once.
        let dead = LeaseHolder {
            pid: u32::MAX - 1,
            ..LeaseHolder::this_process()
        };
        ledger
            .acquire(&account("d"), &dead, Duration::from_secs(600))
            .unwrap();
        if cfg!(target_os = "linux") {
            ledger
                .acquire(&account("d"), &two, Duration::from_secs(60))
                .unwrap();
        }
    }

    /// Lease holders and batch ids must differ whatever the random generator does: ids made at
    /// once on several threads are all different, and each names its process.
    #[test]
    fn ids_are_unique_by_construction() {
        let made: Vec<Vec<String>> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..5_000).map(|_| new_id()).collect::<Vec<_>>()))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let all: std::collections::HashSet<&String> = made.iter().flatten().collect();
        assert_eq!(all.len(), 20_000);
        let pid = format!("{:08x}", std::process::id());
        for id in &all {
            assert_eq!(id.len(), 32, "{id}");
            assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
            assert!(id.starts_with(&pid), "{id} names process {pid}");
        }
    }

    /// A lease is taken over from a process of this host only when procfs says it is gone, and
    /// only where procfs shows every process (init among them).
    #[test]
    fn a_process_is_gone_only_when_procfs_says_so() {
        let root = std::env::temp_dir().join(format!("bankfeeds-proc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("1")).unwrap();
        std::fs::create_dir_all(root.join("42")).unwrap();
        assert!(process_alive_in(&root, 42));
        assert!(!process_alive_in(&root, 43), "no entry, init seen: gone");
        // An entry that cannot be looked at (here a link to itself) is not a process gone.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("44"), root.join("44")).unwrap();
            assert!(process_alive_in(&root, 44), "a failed look is not a death");
        }
        // hidepid=2 (or no procfs): init is not seen either, so a missing entry says nothing.
        std::fs::remove_dir_all(root.join("1")).unwrap();
        assert!(process_alive_in(&root, 43));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn memory_ledger_keeps_the_contract() {
        contract(&MemoryLedger::new());
    }

    #[test]
    fn states_round_trip_by_name() {
        for s in BatchState::ALL {
            assert_eq!(BatchState::parse(s.as_str()), Some(s));
        }
        assert_eq!(BatchState::parse("done"), None);
        assert_eq!(
            BatchState::from_status(&PushOperationStatus::TimedOut),
            BatchState::TimedOut
        );
        assert_eq!(
            BatchState::from_status(&PushOperationStatus::Unrecognised("Cancelled".into())),
            BatchState::Pending
        );
    }

    #[test]
    fn expiry_saturates() {
        let now = Timestamp::now();
        assert!(expiry(now, Duration::MAX) > now);
        assert_eq!(expiry(now, Duration::ZERO), now);
    }

    #[test]
    fn default_path_prefers_the_environment() {
        // Only reads the environment; the variable is not set by other tests.
        let path = default_path().unwrap();
        match std::env::var_os(LEDGER_ENV) {
            Some(v) if !v.is_empty() => assert_eq!(path, PathBuf::from(v)),
            _ => assert!(path.ends_with("bankfeeds/ledger.sqlite3"), "{path:?}"),
        }
    }
}
