//! A local record of what was pushed, for when Codat's push history does not say.
//!
//! [`Client::push_transactions`](crate::client::Client::push_transactions) reads what an account
//! already has from the `data` of its successful push operations. The spec's `PushOperation` has
//! no `data`, so a server may leave it out; then which transactions an operation carried is
//! unknown, and the push refuses (`HistoryIncomplete`) rather than risk booking them twice. A
//! [`PushLedger`] closes that gap: every successful batch is recorded (operation key, ids, newest
//! date) as soon as it succeeds, and a later run reads the record back for any operation whose
//! `data` is missing. [`FileLedger`] keeps it in a JSON-lines file a pipeline can keep beside its
//! checkpoints; [`MemoryLedger`] is for tests and long-running processes.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::dates::LocalDateTime;

/// Which account a record is about.
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

/// One successful push operation: what it carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerRecord {
    /// Codat's key for the operation.
    pub operation_key: String,
    /// The ids of its transactions.
    pub transaction_ids: Vec<String>,
    /// Its newest transaction date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<LocalDateTime>,
}

/// Where successful pushes are recorded and read back. Implementations must make `record`
/// durable before returning: a batch Codat accepted but the ledger forgot would be sent again by
/// the next run if the server's history cannot say it was pushed.
pub trait PushLedger: Send + Sync {
    /// Every record of a connection (all its accounts), in any order: an operation whose
    /// `data` is missing is resolved by the record of whichever account it was for.
    fn records(
        &self,
        company_id: &str,
        connection_id: &str,
    ) -> std::io::Result<Vec<(LedgerAccount, LedgerRecord)>>;
    /// Adds a record.
    fn record(&self, account: &LedgerAccount, record: &LedgerRecord) -> std::io::Result<()>;
}

/// A ledger held in memory (lost when the process ends).
#[derive(Debug, Default)]
pub struct MemoryLedger {
    records: Mutex<HashMap<LedgerAccount, Vec<LedgerRecord>>>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }
}

impl PushLedger for MemoryLedger {
    fn records(
        &self,
        company_id: &str,
        connection_id: &str,
    ) -> std::io::Result<Vec<(LedgerAccount, LedgerRecord)>> {
        let map = self.records.lock().unwrap_or_else(|e| e.into_inner());
        Ok(map
            .iter()
            .filter(|(a, _)| a.company_id == company_id && a.connection_id == connection_id)
            .flat_map(|(a, records)| records.iter().map(move |r| (a.clone(), r.clone())))
            .collect())
    }

    fn record(&self, account: &LedgerAccount, record: &LedgerRecord) -> std::io::Result<()> {
        let mut map = self.records.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(account.clone()).or_default().push(record.clone());
        Ok(())
    }
}

/// A ledger in a JSON-lines file: one line per successful operation, appended and flushed to
/// disk (`fsync`) before the push moves on. Lines that cannot be read (a torn last line after a
/// crash) are skipped; every complete line counts.
#[derive(Debug)]
pub struct FileLedger {
    path: PathBuf,
    write: Mutex<()>,
}

#[derive(Serialize, Deserialize)]
struct Line {
    #[serde(flatten)]
    account: LedgerAccount,
    #[serde(flatten)]
    record: LedgerRecord,
}

impl FileLedger {
    /// A ledger at `path`; the file is created on the first record.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileLedger {
            path: path.into(),
            write: Mutex::new(()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl PushLedger for FileLedger {
    fn records(
        &self,
        company_id: &str,
        connection_id: &str,
    ) -> std::io::Result<Vec<(LedgerAccount, LedgerRecord)>> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for line in BufReader::new(file).lines() {
            let line = line?;
            if let Ok(Line { account, record }) = serde_json::from_str::<Line>(&line)
                && account.company_id == company_id
                && account.connection_id == connection_id
            {
                out.push((account, record));
            }
        }
        Ok(out)
    }

    fn record(&self, account: &LedgerAccount, record: &LedgerRecord) -> std::io::Result<()> {
        let _guard = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut line = serde_json::to_vec(&Line {
            account: account.clone(),
            record: record.clone(),
        })
        .map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(&line)?;
        file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str) -> LedgerAccount {
        LedgerAccount {
            company_id: "c".into(),
            connection_id: "k".into(),
            account_id: id.into(),
        }
    }

    fn record(key: &str, ids: &[&str]) -> LedgerRecord {
        LedgerRecord {
            operation_key: key.into(),
            transaction_ids: ids.iter().map(|s| s.to_string()).collect(),
            newest: Some("2024-05-01T10:00:00".parse().unwrap()),
        }
    }

    #[test]
    fn file_ledger_keeps_records_per_account_across_instances() {
        let dir = std::env::temp_dir().join(format!("bankfeeds-ledger-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ledger.jsonl");
        let _ = std::fs::remove_file(&path);
        let ledger = FileLedger::new(&path);
        assert!(ledger.records("c", "k").unwrap().is_empty());
        ledger
            .record(&account("a"), &record("op1", &["t1", "t2"]))
            .unwrap();
        ledger
            .record(&account("b"), &record("op2", &["t3"]))
            .unwrap();
        // A torn line from a crash is skipped, not fatal.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"companyId\":\"c\",")
            .unwrap();
        let again = FileLedger::new(&path);
        let records = again.records("c", "k").unwrap();
        assert_eq!(
            records,
            vec![
                (account("a"), record("op1", &["t1", "t2"])),
                (account("b"), record("op2", &["t3"]))
            ]
        );
        assert!(again.records("c", "other").unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn memory_ledger() {
        let ledger = MemoryLedger::new();
        ledger
            .record(&account("a"), &record("op1", &["t1"]))
            .unwrap();
        assert_eq!(
            ledger.records("c", "k").unwrap(),
            vec![(account("a"), record("op1", &["t1"]))]
        );
        assert!(ledger.records("c", "x").unwrap().is_empty());
    }
}
