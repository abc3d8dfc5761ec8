//! What an account already has: the transactions its successful push operations carried.

use std::collections::HashSet;

use futures_util::StreamExt as _;

use super::once::{PushedData, bank_push_query, is_bank_push};
use crate::client::error::Error;
use crate::client::paging::ListQuery;
use crate::client::{PushOperations, Transactions, WaitOptions};
use crate::dates::LocalDateTime;
use crate::model::PushOperationStatus;

/// The transactions already pushed to a source account, read from the connection's bank
/// transaction push operations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushHistory {
    /// The source account.
    pub account_id: String,
    /// Ids of the transactions in the account's successful operations.
    pub transaction_ids: HashSet<String>,
    /// The newest transaction date among them.
    pub newest: Option<LocalDateTime>,
    /// The account's successful operations.
    pub successful_operations: Vec<String>,
    /// Every bank transactions operation seen on the connection, whatever its account or status.
    pub operation_keys: HashSet<String>,
    /// Pending operations of the account that were waited for.
    pub waited_for: usize,
    /// Successful or pending operations on the connection whose `data` is missing or unreadable,
    /// so which transactions they carried is unknown (unless a [`super::PushLedger`] says).
    pub unreadable_operations: usize,
    /// Their keys.
    pub unreadable_keys: Vec<String>,
}

impl PushHistory {
    /// Whether a transaction id was already pushed.
    pub fn contains(&self, id: &str) -> bool {
        self.transaction_ids.contains(id)
    }
}

impl Transactions<'_> {
    /// Reads what `account_id` already has (see [`PushHistory`]). Operations of the account still
    /// `Pending` are waited for with `wait` first, so that a push interrupted mid-way is counted
    /// once it finishes instead of being sent again.
    pub async fn history(
        &self,
        account_id: &str,
        wait: &WaitOptions,
    ) -> Result<PushHistory, Error> {
        let ops = PushOperations {
            client: self.client,
            company_id: self.company_id,
        };
        let query = ListQuery::new()
            .query(bank_push_query(self.connection_id))
            .order_by("-requestedOnUtc")
            .page_size(500);
        let mut history = PushHistory {
            account_id: account_id.to_owned(),
            ..PushHistory::default()
        };
        let mut pending = Vec::new();
        let mut entries = ops.list(query).items();
        while let Some(entry) = entries.next().await {
            let entry = entry?;
            if !is_bank_push(&entry, self.connection_id) {
                continue;
            }
            history
                .operation_keys
                .insert(entry.push_operation_key.clone());
            if entry.status.is_failure() {
                continue;
            }
            let Some(data) = PushedData::read(&entry) else {
                history.unreadable_operations += 1;
                history
                    .unreadable_keys
                    .push(entry.push_operation_key.clone());
                continue;
            };
            if data.account_id != account_id {
                continue;
            }
            if entry.status.is_success() {
                history.add(&entry.push_operation_key, data);
            } else {
                pending.push((entry.push_operation_key.clone(), data));
            }
        }
        for (key, data) in pending {
            let op = ops.wait(&key, wait).await?;
            history.waited_for += 1;
            if op.status == PushOperationStatus::Success {
                history.add(&key, data);
            }
        }
        Ok(history)
    }
}

impl PushHistory {
    fn add(&mut self, key: &str, data: PushedData) {
        self.successful_operations.push(key.to_owned());
        for tx in data.transactions {
            if let Some(date) = tx.date
                && self.newest.is_none_or(|n| date > n)
            {
                self.newest = Some(date);
            }
            self.transaction_ids.insert(tx.id);
        }
    }

    /// Adds what a ledger recorded: operations whose `data` the server left out are resolved
    /// by the record of whichever account they were for, and the account's own records count as
    /// pushed (a successful operation the server's list no longer shows included).
    pub(crate) fn merge_ledger(
        &mut self,
        records: Vec<(super::LedgerAccount, super::LedgerRecord)>,
    ) {
        for (account, record) in records {
            self.unreadable_keys.retain(|k| *k != record.operation_key);
            if account.account_id != self.account_id
                || self.successful_operations.contains(&record.operation_key)
            {
                continue;
            }
            self.successful_operations.push(record.operation_key);
            if let Some(newest) = record.newest
                && self.newest.is_none_or(|n| newest > n)
            {
                self.newest = Some(newest);
            }
            self.transaction_ids.extend(record.transaction_ids);
        }
        self.unreadable_operations = self.unreadable_keys.len();
    }
}
