//! The default ledger: one SQLite file.
//!
//! - **Crash-safe**: a write-ahead log with `synchronous=NORMAL`: a process killed at any point
//!   loses nothing and leaves the file consistent (each [`PushLedger::save`] is in the log when it
//!   returns). A power cut or OS crash may lose the last writes since a checkpoint; that is still
//!   safe, only less convenient: an operation the ledger lost is one it does not know, and the
//!   next push refuses (`HistoryUnknown`) rather than send its rows again. `FULL` (an `fsync` on
//!   every write) cost 6 ms a write here, 18 ms a batch; `NORMAL` costs well under 1 ms.
//! - **Safe across processes**: SQLite's own file locks serialise writers; each write is one
//!   short transaction, and leases are taken in an `IMMEDIATE` transaction (read and write under
//!   one lock), so two processes cannot both take an account.
//! - One row per batch; the transaction ids of a batch are one JSON array, so recording a batch
//!   of 1,000 is one row written (see `cargo bench -p bankfeeds --bench ledger`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{
    BatchState, Lease, LeaseHolder, LedgerAccount, LedgerBatch, LedgerError, PushLedger, expiry,
    may_take,
};
use crate::dates::{LocalDateTime, Timestamp};

/// The schema's version, kept in SQLite's `user_version`.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS batches (
    batch_id        TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL,
    connection_id   TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    operation_key   TEXT,
    state           TEXT NOT NULL,
    transaction_ids TEXT NOT NULL,
    oldest          TEXT,
    newest          TEXT,
    sent_at         TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_by_connection ON batches (company_id, connection_id);
CREATE TABLE IF NOT EXISTS leases (
    company_id    TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    holder_id     TEXT NOT NULL,
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    expires_at    TEXT NOT NULL,
    PRIMARY KEY (company_id, connection_id, account_id)
);
";

/// A [`PushLedger`] in one SQLite file: crash-safe (a write-ahead log), safe across processes,
/// one row per batch; see the [ledger docs](super).
///
/// ```no_run
/// use std::sync::Arc;
/// use bankfeeds::client::PushOptions;
/// use bankfeeds::client::push::ledger::SqliteLedger;
/// let ledger = SqliteLedger::open("/var/lib/my-bank/bankfeeds-ledger.sqlite3")?;
/// let options = PushOptions::new().ledger(Arc::new(ledger));
/// # Ok::<(), bankfeeds::client::push::ledger::LedgerError>(())
/// ```
#[derive(Debug)]
pub struct SqliteLedger {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl SqliteLedger {
    /// Opens the ledger at `path`, creating the file (and its folder) when missing.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteLedger, LedgerError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                LedgerError::Storage(format!(
                    "cannot create the ledger's folder {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let fail = |e: rusqlite::Error| {
            LedgerError::Storage(format!("cannot open the ledger {}: {e}", path.display()))
        };
        let mut conn = Connection::open(&path).map_err(fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        // Several pushes may open a new ledger at once. Switching it to WAL can be refused while
        // another connection is doing the same (SQLite does not wait for that lock): try again
        // until the busy timeout has passed.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        let version = loop {
            match set_up(&mut conn) {
                Ok(version) => break version,
                Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(fail(e)),
            }
        };
        if version > SCHEMA_VERSION {
            return Err(LedgerError::Storage(format!(
                "the ledger {} was written by a newer bankfeeds (schema {version}, this one knows {SCHEMA_VERSION})",
                path.display()
            )));
        }
        Ok(SqliteLedger {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, LedgerError> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut conn).map_err(|e| {
            LedgerError::Storage(format!("{what} in the ledger {}: {e}", self.path.display()))
        })
    }
}

/// How long a call waits for another connection's lock on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Puts the file in WAL mode and creates the schema (in one write transaction, so that two
/// openers never both read an empty file and then both try to write it); answers the schema
/// version found, and leaves a newer one untouched.
fn set_up(conn: &mut Connection) -> rusqlite::Result<i64> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Ok(version);
    }
    tx.execute_batch(SCHEMA)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(version)
}

/// Whether SQLite refused because another connection holds a lock.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn text_err(e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.to_string().into())
}

fn timestamp(text: String) -> rusqlite::Result<Timestamp> {
    Timestamp::parse(&text).map_err(text_err)
}

fn local(text: Option<String>) -> rusqlite::Result<Option<LocalDateTime>> {
    text.map(|t| LocalDateTime::parse(&t).map_err(text_err))
        .transpose()
}

impl PushLedger for SqliteLedger {
    fn batches(
        &self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<Vec<LedgerBatch>, LedgerError> {
        self.with("reading batches", |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT batch_id, account_id, operation_key, state, transaction_ids, oldest, newest,
                        sent_at, updated_at
                 FROM batches WHERE company_id = ?1 AND connection_id = ?2",
            )?;
            let rows = stmt.query_map(params![company_id, connection_id], |r| {
                let state: String = r.get(3)?;
                let ids: String = r.get(4)?;
                Ok(LedgerBatch {
                    batch_id: r.get(0)?,
                    account: LedgerAccount::new(company_id, connection_id, r.get::<_, String>(1)?),
                    operation_key: r.get(2)?,
                    state: BatchState::parse(&state)
                        .ok_or_else(|| text_err(format!("unknown batch state `{state}`")))?,
                    transaction_ids: serde_json::from_str(&ids).map_err(text_err)?,
                    oldest: local(r.get(5)?)?,
                    newest: local(r.get(6)?)?,
                    sent_at: timestamp(r.get(7)?)?,
                    updated_at: timestamp(r.get(8)?)?,
                })
            })?;
            rows.collect()
        })
    }

    fn save(&self, batch: &LedgerBatch) -> Result<(), LedgerError> {
        self.with("writing a batch", |conn| {
            // A batch's transactions never change once written: later saves (its key, its
            // state) are a short update.
            let updated = conn
                .prepare_cached(
                    "UPDATE batches SET operation_key = ?2, state = ?3, updated_at = ?4
                     WHERE batch_id = ?1",
                )?
                .execute(params![
                    batch.batch_id,
                    batch.operation_key,
                    batch.state.as_str(),
                    batch.updated_at.to_string(),
                ])?;
            if updated > 0 {
                return Ok(());
            }
            let ids = serde_json::to_string(&batch.transaction_ids).map_err(text_err)?;
            conn.prepare_cached(
                "INSERT INTO batches (batch_id, company_id, connection_id, account_id, operation_key,
                                      state, transaction_ids, oldest, newest, sent_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                batch.batch_id,
                batch.account.company_id,
                batch.account.connection_id,
                batch.account.account_id,
                batch.operation_key,
                batch.state.as_str(),
                ids,
                batch.oldest.map(|d| d.to_string()),
                batch.newest.map(|d| d.to_string()),
                batch.sent_at.to_string(),
                batch.updated_at.to_string(),
            ])?;
            Ok(())
        })
    }

    fn acquire(
        &self,
        account: &LedgerAccount,
        holder: &LeaseHolder,
        ttl: Duration,
    ) -> Result<(), LedgerError> {
        let mut busy = None;
        self.with("taking a lease", |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current = read_lease(&tx, account)?;
            let now = Timestamp::now();
            if !may_take(current.as_ref(), holder, now) {
                busy = current;
                return Ok(());
            }
            tx.execute(
                "INSERT INTO leases (company_id, connection_id, account_id, holder_id, host, pid, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (company_id, connection_id, account_id) DO UPDATE SET
                     holder_id = excluded.holder_id, host = excluded.host, pid = excluded.pid,
                     expires_at = excluded.expires_at",
                params![
                    account.company_id,
                    account.connection_id,
                    account.account_id,
                    holder.id,
                    holder.host,
                    holder.pid,
                    expiry(now, ttl).to_string(),
                ],
            )?;
            tx.commit()
        })?;
        match busy {
            Some(lease) => Err(LedgerError::Busy {
                lease: Box::new(lease),
            }),
            None => Ok(()),
        }
    }

    fn release(&self, account: &LedgerAccount, holder: &LeaseHolder) -> Result<(), LedgerError> {
        self.with("giving a lease back", |conn| {
            conn.execute(
                "DELETE FROM leases WHERE company_id = ?1 AND connection_id = ?2 AND account_id = ?3
                 AND holder_id = ?4",
                params![
                    account.company_id,
                    account.connection_id,
                    account.account_id,
                    holder.id
                ],
            )?;
            Ok(())
        })
    }

    fn lease(&self, account: &LedgerAccount) -> Result<Option<Lease>, LedgerError> {
        self.with("reading a lease", |conn| read_lease(conn, account))
    }
}

fn read_lease(conn: &Connection, account: &LedgerAccount) -> rusqlite::Result<Option<Lease>> {
    conn.query_row(
        "SELECT holder_id, host, pid, expires_at FROM leases
         WHERE company_id = ?1 AND connection_id = ?2 AND account_id = ?3",
        params![
            account.company_id,
            account.connection_id,
            account.account_id
        ],
        |r| {
            Ok(Lease {
                holder: LeaseHolder {
                    id: r.get(0)?,
                    host: r.get(1)?,
                    pid: r.get(2)?,
                },
                expires_at: timestamp(r.get(3)?)?,
            })
        },
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{batch, contract};
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "bankfeeds-sqlite-{}-{}",
            std::process::id(),
            super::super::new_id()
        ));
        dir.join(name)
    }

    #[test]
    fn keeps_the_contract() {
        let path = temp("ledger.sqlite3");
        contract(&SqliteLedger::open(&path).unwrap());
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn survives_reopening_and_is_shared_by_two_handles() {
        let path = temp("nested/ledger.sqlite3");
        let one = SqliteLedger::open(&path).unwrap();
        let two = SqliteLedger::open(&path).unwrap();
        let mut b = batch("a", &["t1", "t \"quoted\"\n", "é"]);
        one.save(&b).unwrap();
        b.advance(BatchState::Success, Some("op"));
        two.save(&b).unwrap();
        drop((one, two));
        let again = SqliteLedger::open(&path).unwrap();
        assert_eq!(again.batches("c", "k").unwrap(), vec![b]);
        // Two handles (as two processes would) cannot both hold one account.
        let other = SqliteLedger::open(&path).unwrap();
        let acc = LedgerAccount::new("c", "k", "a");
        again
            .acquire(&acc, &LeaseHolder::this_process(), Duration::from_secs(60))
            .unwrap();
        assert!(matches!(
            other.acquire(&acc, &LeaseHolder::this_process(), Duration::from_secs(60)),
            Err(LedgerError::Busy { .. })
        ));
        std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
    }

    /// Two pushes started at once both open a ledger that does not exist yet: each waits for
    /// the other's set-up instead of failing with "database is locked".
    #[test]
    fn a_new_ledger_opened_by_many_at_once() {
        for round in 0..20 {
            let path = temp("ledger.sqlite3");
            let start = std::sync::Barrier::new(6);
            let opened: Vec<Result<SqliteLedger, LedgerError>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..6)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            SqliteLedger::open(&path)
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            for (i, ledger) in opened.iter().enumerate() {
                assert!(
                    ledger.is_ok(),
                    "round {round}, opener {i}: {:?}",
                    ledger.as_ref().err()
                );
            }
            drop(opened);
            std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let path = temp("ledger.sqlite3");
        drop(SqliteLedger::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = SqliteLedger::open(&path).unwrap_err();
        assert!(err.to_string().contains("newer bankfeeds"), "{err}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_ledger_is_a_clear_error() {
        let path = temp("ledger.sqlite3");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            b"this is not a database, it is a text file of some length",
        )
        .unwrap();
        let err = SqliteLedger::open(&path).unwrap_err();
        assert!(err.to_string().contains("cannot open the ledger"), "{err}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
