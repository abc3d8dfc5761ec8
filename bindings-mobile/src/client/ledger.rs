//! The push ledger as Kotlin and Swift see it: records for what it holds, and `PushLedger`, a
//! trait an app implements to keep the ledger in its own store.
//!
//! The core's ledger ([`bankfeeds::client::push::ledger`]) records every batch before it is sent
//! and holds a lease per account, so a rerun never sends a row twice and two pushers never send
//! at once. A push either keeps it in a SQLite file (`PushOptions.ledgerPath`) or in an app's own
//! implementation of [`PushLedger`] (`PushOptions.ledger`): this module carries the values across
//! and adapts a foreign implementation to the core's trait. Whatever the foreign code throws (or
//! returns that cannot be read) comes back as a [`LedgerError`], never as a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bankfeeds::client::push::ledger as core;
pub use bankfeeds::client::push::ledger::BatchState;
use bankfeeds::dates::Timestamp;
use chrono::DateTime;

use crate::types::WallClock;

/// Which account a batch or a lease is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct LedgerAccount {
    /// The company.
    pub company_id: String,
    /// The connection.
    pub connection_id: String,
    /// The source account.
    pub account_id: String,
}

impl From<&core::LedgerAccount> for LedgerAccount {
    fn from(a: &core::LedgerAccount) -> Self {
        LedgerAccount {
            company_id: a.company_id.clone(),
            connection_id: a.connection_id.clone(),
            account_id: a.account_id.clone(),
        }
    }
}

impl From<LedgerAccount> for core::LedgerAccount {
    fn from(a: LedgerAccount) -> Self {
        core::LedgerAccount::new(a.company_id, a.connection_id, a.account_id)
    }
}

/// Where a recorded batch is.
///
/// | state | written | its rows |
/// |---|---|---|
/// | `SENDING` | before the request leaves | unknown until the next push looks it up |
/// | `PENDING` | when Codat accepts it, with its operation key | waited for by the next push |
/// | `SUCCESS` | when the operation ends `Success` | on the account: never sent again |
/// | `TIMED_OUT` | when it ends `TimedOut` | may be on the account: held back unless resent on purpose |
/// | `FAILED` | when it ends `Failed` | not written: sent again by a rerun |
/// | `NOT_ACCEPTED` | when Codat refused the request or never got it | not written: sent again by a rerun |
///
/// The core's own type, handed over as it is: the names below only tell UniFFI its variants.
#[uniffi::remote(Enum)]
pub enum BatchState {
    Sending,
    Pending,
    Success,
    Failed,
    TimedOut,
    NotAccepted,
}

/// One batch as the ledger keeps it. A ledger stores it as given and returns it unchanged;
/// `batchId` is the key `save` replaces by.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LedgerBatch {
    /// The ledger's own id for the batch (random, unique).
    pub batch_id: String,
    /// The account pushed to.
    pub account: LedgerAccount,
    /// Codat's push operation key, once Codat accepted the batch.
    pub operation_key: Option<String>,
    /// Where the batch is.
    pub state: BatchState,
    /// The ids of its transactions, in order.
    pub transaction_ids: Vec<String>,
    /// Its oldest transaction date.
    pub oldest: Option<WallClock>,
    /// Its newest transaction date.
    pub newest: Option<WallClock>,
    /// When it was first written.
    pub sent_at: SystemTime,
    /// When it was last written.
    pub updated_at: SystemTime,
}

impl From<&core::LedgerBatch> for LedgerBatch {
    fn from(b: &core::LedgerBatch) -> Self {
        LedgerBatch {
            batch_id: b.batch_id.clone(),
            account: LedgerAccount::from(&b.account),
            operation_key: b.operation_key.clone(),
            state: b.state,
            transaction_ids: b.transaction_ids.clone(),
            oldest: b.oldest.map(WallClock::from),
            newest: b.newest.map(WallClock::from),
            sent_at: b.sent_at.utc().into(),
            updated_at: b.updated_at.utc().into(),
        }
    }
}

impl LedgerBatch {
    /// The core's batch, or what in the values a foreign ledger returned cannot be read.
    fn to_core(&self) -> Result<core::LedgerBatch, String> {
        let date = |d: &Option<WallClock>, what: &str| {
            d.as_ref()
                .map(|d| d.parse().map_err(|e| format!("{what}: {e}")))
                .transpose()
        };
        let fail = |e: String| format!("batch `{}`: {e}", self.batch_id);
        Ok(core::LedgerBatch {
            batch_id: self.batch_id.clone(),
            account: self.account.clone().into(),
            operation_key: self.operation_key.clone(),
            state: self.state,
            transaction_ids: self.transaction_ids.clone(),
            oldest: date(&self.oldest, "oldest").map_err(fail)?,
            newest: date(&self.newest, "newest").map_err(fail)?,
            sent_at: timestamp(self.sent_at, "sentAt").map_err(fail)?,
            updated_at: timestamp(self.updated_at, "updatedAt").map_err(fail)?,
        })
    }
}

/// Who holds an account's lease: a random id per push, with the host and process for people.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct LeaseHolder {
    /// Unique per push.
    pub id: String,
    /// The host name.
    pub host: String,
    /// The process id.
    pub pid: u32,
}

impl From<&core::LeaseHolder> for LeaseHolder {
    fn from(h: &core::LeaseHolder) -> Self {
        LeaseHolder {
            id: h.id.clone(),
            host: h.host.clone(),
            pid: h.pid,
        }
    }
}

impl From<LeaseHolder> for core::LeaseHolder {
    fn from(h: LeaseHolder) -> Self {
        core::LeaseHolder {
            id: h.id,
            host: h.host,
            pid: h.pid,
        }
    }
}

/// An account's lease: who holds it and until when.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Lease {
    /// Who holds it.
    pub holder: LeaseHolder,
    /// When it lapses unless renewed.
    pub expires_at: SystemTime,
}

impl From<&core::Lease> for Lease {
    fn from(l: &core::Lease) -> Self {
        Lease {
            holder: LeaseHolder::from(&l.holder),
            expires_at: l.expires_at.utc().into(),
        }
    }
}

impl Lease {
    fn to_core(&self) -> Result<core::Lease, String> {
        Ok(core::Lease {
            holder: self.holder.clone().into(),
            expires_at: timestamp(self.expires_at, "lease expiresAt")?,
        })
    }
}

/// Why a ledger call failed: `LedgerException` in Kotlin, `LedgerError` in Swift.
///
/// A ledger implementation throws `Busy` from `acquire` when another holder's lease has not
/// lapsed, and `Storage` when it cannot read or write. Anything else it throws arrives as
/// `Storage` with the exception's first line.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum LedgerError {
    /// Another pusher holds the account's lease.
    #[error("the account is being pushed by process {} on {} (lease until {})", lease.holder.pid, lease.holder.host, show(lease.expires_at))]
    Busy {
        /// The lease held.
        lease: Lease,
    },
    /// The ledger could not be opened, read or written.
    #[error("{reason}")]
    Storage {
        /// What went wrong.
        reason: String,
    },
}

/// An exception of another type thrown by a foreign ledger, kept as a value so nothing unwinds
/// through Rust. The foreign side sends its whole stack trace; the first line (the exception and
/// its message) is what a person needs.
impl From<uniffi::UnexpectedUniFFICallbackError> for LedgerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        let first = e.reason.lines().next().unwrap_or_default().trim();
        LedgerError::Storage {
            reason: format!(
                "the ledger threw {}",
                if first.is_empty() {
                    "an exception"
                } else {
                    first
                }
            ),
        }
    }
}

impl From<&core::LedgerError> for LedgerError {
    fn from(e: &core::LedgerError) -> Self {
        match e {
            core::LedgerError::Busy { lease } => LedgerError::Busy {
                lease: Lease::from(lease.as_ref()),
            },
            other => LedgerError::Storage {
                reason: other.to_string(),
            },
        }
    }
}

/// Where an app keeps the push ledger when it is not the SQLite file of `PushOptions.ledgerPath`:
/// its own database, a bank's server, the keychain. Pass it as `PushOptions.ledger`.
///
/// Every method is called on a background thread of the binding's runtime while a push runs, and
/// must be **durable before it returns** (a batch Codat accepted but the ledger forgot would be
/// sent again) and safe to call from several threads at once. Throw `LedgerException.Storage`
/// (Swift `LedgerError.Storage`) when the store fails: the push then stops with
/// `BankFeedsException.Ledger` before anything more is sent. Any other exception is treated the
/// same way; nothing a ledger throws crashes the app.
///
/// ```kotlin
/// class RoomLedger(private val dao: LedgerDao) : PushLedger {
///     override fun batches(companyId: String, connectionId: String) = dao.batches(companyId, connectionId)
///     override fun save(batch: LedgerBatch) = dao.upsert(batch)            // replace by batchId
///     override fun acquire(account: LedgerAccount, holder: LeaseHolder, ttl: java.time.Duration) =
///         dao.inTransaction {
///             val now = java.time.Instant.now()
///             if (!leaseMayTake(dao.lease(account), holder, now)) throw LedgerException.Busy(dao.lease(account)!!)
///             dao.putLease(account, Lease(holder, leaseExpiry(now, ttl)))
///         }
///     override fun release(account: LedgerAccount, holder: LeaseHolder) = dao.dropLease(account, holder.id)
///     override fun lease(account: LedgerAccount) = dao.lease(account)
/// }
/// ```
#[uniffi::export(rust, foreign)]
pub trait PushLedger: Send + Sync {
    /// Every batch recorded on a connection, of all its accounts, in any order.
    fn batches(
        &self,
        company_id: String,
        connection_id: String,
    ) -> Result<Vec<LedgerBatch>, LedgerError>;

    /// Writes a batch: inserts it, or replaces the one with the same `batchId`.
    fn save(&self, batch: LedgerBatch) -> Result<(), LedgerError>;

    /// Takes (or renews) the account's lease for `ttl`. Throws `Busy` with the lease held when
    /// another holder's lease has not lapsed (`leaseMayTake` says whether it may be taken); a
    /// lapsed lease is taken over. The new lease runs until `leaseExpiry(now, ttl)`.
    fn acquire(
        &self,
        account: LedgerAccount,
        holder: LeaseHolder,
        ttl: Duration,
    ) -> Result<(), LedgerError>;

    /// Gives the lease back (nothing happens when `holder` does not hold it).
    fn release(&self, account: LedgerAccount, holder: LeaseHolder) -> Result<(), LedgerError>;

    /// Who holds the account's lease now, if anyone.
    fn lease(&self, account: LedgerAccount) -> Result<Option<Lease>, LedgerError>;
}

/// Whether `holder` may take an account's lease now held as `current`: nobody holds it, the
/// holder already does, it has lapsed at `now`, or its holder is a process of this host that no
/// longer runs. The core's rule, for ledgers written in Kotlin or Swift.
#[uniffi::export]
pub fn lease_may_take(current: Option<Lease>, holder: LeaseHolder, now: SystemTime) -> bool {
    let free_or_own = current.as_ref().is_none_or(|c| c.holder.id == holder.id);
    match (
        timestamp(now, "now"),
        current.map(|c| c.to_core()).transpose(),
    ) {
        (Ok(now), Ok(current)) => core::may_take(current.as_ref(), &holder.into(), now),
        // An instant beyond what the core can hold (a lease for ever, say) has not lapsed.
        _ => free_or_own,
    }
}

/// When a lease taken at `now` for `ttl` lapses (the core's rule; far in the future rather than
/// overflowing).
#[uniffi::export]
pub fn lease_expiry(now: SystemTime, ttl: Duration) -> SystemTime {
    match timestamp(now, "now") {
        Ok(now) => core::expiry(now, ttl).utc().into(),
        Err(_) => now.checked_add(ttl).unwrap_or(now),
    }
}

/// A point in time for messages.
fn show(t: SystemTime) -> String {
    timestamp(t, "time").map_or_else(|e| e, |t| t.to_string())
}

/// A point in time as the core's timestamp, or why it cannot be one (outside chrono's range).
fn timestamp(t: SystemTime, what: &str) -> Result<Timestamp, String> {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (i64::try_from(d.as_secs()).ok(), d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            // Before 1970: whole seconds down, the fraction up.
            let secs = i64::try_from(d.as_secs()).ok().map(|s| -s);
            match d.subsec_nanos() {
                0 => (secs, 0),
                n => (secs.and_then(|s| s.checked_sub(1)), 1_000_000_000 - n),
            }
        }
    };
    secs.and_then(|s| DateTime::from_timestamp(s, nanos))
        .map(Timestamp::new)
        .ok_or_else(|| format!("{what} is out of range"))
}

/// A foreign (or Rust) [`PushLedger`] as the core's ledger: every call is made under
/// `catch_unwind`, every value checked, and every failure a [`core::LedgerError`].
pub(crate) struct ForeignLedger(pub(crate) Arc<dyn PushLedger>);

impl ForeignLedger {
    fn call<T>(
        &self,
        what: &str,
        f: impl FnOnce(&dyn PushLedger) -> Result<T, LedgerError>,
    ) -> Result<T, core::LedgerError> {
        match catch_unwind(AssertUnwindSafe(|| f(self.0.as_ref()))) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(LedgerError::Busy { lease })) => match lease.to_core() {
                Ok(lease) => Err(core::LedgerError::Busy {
                    lease: Box::new(lease),
                }),
                Err(e) => Err(core::LedgerError::Storage(format!(
                    "{what}: the ledger said the account is busy with an unreadable lease: {e}"
                ))),
            },
            Ok(Err(LedgerError::Storage { reason })) => Err(core::LedgerError::Storage(reason)),
            Err(panic) => Err(core::LedgerError::Storage(format!(
                "{what}: the ledger failed: {}",
                panic_text(panic.as_ref())
            ))),
        }
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic")
}

impl core::PushLedger for ForeignLedger {
    fn batches(
        &self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<Vec<core::LedgerBatch>, core::LedgerError> {
        let batches = self.call("batches", |l| {
            l.batches(company_id.to_owned(), connection_id.to_owned())
        })?;
        batches
            .iter()
            .map(LedgerBatch::to_core)
            .collect::<Result<_, _>>()
            .map_err(|e| {
                core::LedgerError::Storage(format!("the ledger returned an unreadable {e}"))
            })
    }

    fn save(&self, batch: &core::LedgerBatch) -> Result<(), core::LedgerError> {
        self.call("save", |l| l.save(LedgerBatch::from(batch)))
    }

    fn acquire(
        &self,
        account: &core::LedgerAccount,
        holder: &core::LeaseHolder,
        ttl: Duration,
    ) -> Result<(), core::LedgerError> {
        self.call("acquire", |l| {
            l.acquire(account.into(), LeaseHolder::from(holder), ttl)
        })
    }

    fn release(
        &self,
        account: &core::LedgerAccount,
        holder: &core::LeaseHolder,
    ) -> Result<(), core::LedgerError> {
        self.call("release", |l| {
            l.release(account.into(), LeaseHolder::from(holder))
        })
    }

    fn lease(
        &self,
        account: &core::LedgerAccount,
    ) -> Result<Option<core::Lease>, core::LedgerError> {
        let lease = self.call("lease", |l| l.lease(account.into()))?;
        lease.map(|l| l.to_core()).transpose().map_err(|e| {
            core::LedgerError::Storage(format!("the ledger returned an unreadable lease: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankfeeds::client::push::ledger::PushLedger as _;

    /// A ledger that fails every way a foreign one can.
    struct Hostile(&'static str);

    impl PushLedger for Hostile {
        fn batches(&self, _: String, _: String) -> Result<Vec<LedgerBatch>, LedgerError> {
            match self.0 {
                "panic" => panic!("index out of bounds"),
                "throw" => Err(uniffi::UnexpectedUniFFICallbackError::new(
                    "java.lang.IllegalStateException: disk full\n\tat Ledger.batches(Ledger.kt:3)",
                )
                .into()),
                _ => Ok(vec![LedgerBatch {
                    batch_id: "b1".into(),
                    account: LedgerAccount {
                        company_id: "c".into(),
                        connection_id: "k".into(),
                        account_id: "a".into(),
                    },
                    operation_key: None,
                    state: BatchState::Success,
                    transaction_ids: vec!["t1".into()],
                    oldest: Some(WallClock("yesterday".into())),
                    newest: None,
                    sent_at: SystemTime::now(),
                    updated_at: SystemTime::now(),
                }]),
            }
        }
        fn save(&self, _: LedgerBatch) -> Result<(), LedgerError> {
            Ok(())
        }
        fn acquire(
            &self,
            _: LedgerAccount,
            _: LeaseHolder,
            _: Duration,
        ) -> Result<(), LedgerError> {
            Err(LedgerError::Busy {
                lease: Lease {
                    holder: LeaseHolder {
                        id: "other".into(),
                        host: "tablet".into(),
                        pid: 7,
                    },
                    expires_at: UNIX_EPOCH + Duration::from_secs(u64::MAX / 2),
                },
            })
        }
        fn release(&self, _: LedgerAccount, _: LeaseHolder) -> Result<(), LedgerError> {
            Ok(())
        }
        fn lease(&self, _: LedgerAccount) -> Result<Option<Lease>, LedgerError> {
            Ok(None)
        }
    }

    fn storage(e: core::LedgerError) -> String {
        match e {
            core::LedgerError::Storage(s) => s,
            other => panic!("expected Storage, got {other:?}"),
        }
    }

    #[test]
    fn a_panicking_ledger_is_a_storage_error() {
        let ledger = ForeignLedger(Arc::new(Hostile("panic")));
        let e = storage(ledger.batches("c", "k").unwrap_err());
        assert_eq!(e, "batches: the ledger failed: index out of bounds");
    }

    #[test]
    fn a_thrown_exception_keeps_its_first_line() {
        let ledger = ForeignLedger(Arc::new(Hostile("throw")));
        let e = storage(ledger.batches("c", "k").unwrap_err());
        assert_eq!(
            e,
            "the ledger threw java.lang.IllegalStateException: disk full"
        );
    }

    #[test]
    fn unreadable_values_name_the_batch_and_field() {
        let ledger = ForeignLedger(Arc::new(Hostile("values")));
        let e = storage(ledger.batches("c", "k").unwrap_err());
        assert!(
            e.starts_with("the ledger returned an unreadable batch `b1`: oldest: "),
            "{e}"
        );
        let account = core::LedgerAccount::new("c", "k", "a");
        let holder = core::LeaseHolder::this_process();
        let e = storage(
            ledger
                .acquire(&account, &holder, Duration::ZERO)
                .unwrap_err(),
        );
        assert!(e.contains("unreadable lease"), "{e}");
    }

    #[test]
    fn timestamps_round_trip_either_side_of_1970() {
        for t in [
            UNIX_EPOCH + Duration::new(1_717_200_000, 123_456_789),
            UNIX_EPOCH - Duration::new(86_400, 250_000_000),
            UNIX_EPOCH,
        ] {
            let back: SystemTime = timestamp(t, "t").unwrap().utc().into();
            assert_eq!(back, t);
        }
        assert!(timestamp(UNIX_EPOCH + Duration::from_secs(u64::MAX / 2), "t").is_err());
    }

    #[test]
    fn the_lease_rule_is_the_core_s() {
        let me = LeaseHolder {
            id: "me".into(),
            host: "phone".into(),
            pid: 1,
        };
        let other = LeaseHolder {
            id: "other".into(),
            ..me.clone()
        };
        let now = SystemTime::now();
        let live = Lease {
            holder: other.clone(),
            expires_at: lease_expiry(now, Duration::from_secs(60)),
        };
        assert!(lease_may_take(None, me.clone(), now));
        assert!(!lease_may_take(Some(live.clone()), me.clone(), now));
        assert!(lease_may_take(Some(live.clone()), other, now));
        let lapsed = Lease {
            expires_at: now - Duration::from_secs(1),
            ..live
        };
        assert!(lease_may_take(Some(lapsed), me, now));
        assert_eq!(
            lease_expiry(now, Duration::from_secs(60)),
            now + Duration::from_secs(60)
        );
    }
}
