//! What an account already has, from the push ledger and the connection's push operations.
//!
//! The ledger ([`super::ledger`]) is the source of truth for what this SDK pushed; the server's
//! list of push operations shows everything pushed to the connection, by anyone. Reading both:
//!
//! 1. every bank-transactions operation on the connection is listed (all pages, whatever order
//!    the server gives them in);
//! 2. the ledger's `Sending` batches (written before a request whose answer never came) are
//!    matched to an operation requested after them that no other record accounts for; found,
//!    the batch takes its key and status; not found, Codat never accepted it (`NotAccepted`);
//! 3. the account's `Pending` batches are polled until they end;
//! 4. operations the ledger does not know are read from their `data` where a server still sends
//!    it (Codat removed it in 2024); the rest are **unknown**: the caller's
//!    [`super::UnknownHistory`] decides.

use std::collections::HashSet;

use chrono::TimeDelta;
use futures_util::StreamExt as _;

use super::lease::AccountLease;
use super::ledger::{BatchState, LedgerBatch, PushLedger};
use super::once::{Carried, PushedData, bank_push_query, carried, is_bank_push};
use super::{PushOptions, wait_for_operation};
use crate::client::error::Error;
use crate::client::paging::ListQuery;
use crate::client::push_operations::PushOperationEntry;
use crate::client::{LookupOptions, PushOperations, Transactions, WaitOptions};
use crate::dates::{LocalDateTime, Timestamp};
use crate::model::{PushOperation, PushOperationStatus};

/// What a source account already has, and what cannot be told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushHistory {
    /// The source account.
    pub account_id: String,
    /// Ids of the transactions certainly on the account: in its successful batches.
    pub transaction_ids: HashSet<String>,
    /// The newest transaction date among them.
    pub newest: Option<LocalDateTime>,
    /// The account's successful operations.
    pub successful_operations: Vec<String>,
    /// Every bank transactions operation known on the connection (listed by the server or
    /// recorded in the ledger), whatever its account or status.
    pub operation_keys: HashSet<String>,
    /// The account's batches that ended `TimedOut`: they may or may not have been written, so
    /// their rows are held (not sent again) until the caller says.
    pub held: Vec<HeldBatch>,
    /// Operations of the account that were still pending and were waited for.
    pub waited_for: usize,
    /// Batches the ledger had as `Sending` (the answer never came) that were resolved by looking
    /// them up: (batch id, what they turned out to be).
    pub resolved: Vec<(String, BatchState)>,
    /// Operations on the connection that neither the ledger nor their `data` account for, and
    /// that may have written something (not `Failed`).
    pub unknown_operations: Vec<UnknownOperation>,
}

/// A batch whose operation ended `TimedOut`: Codat stopped waiting, the platform may still have
/// written it. Check in the accounting platform, then send its ids again
/// ([`super::PushOptions::resend`]) or leave them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBatch {
    /// Codat's push operation.
    pub operation_key: String,
    /// Its transactions.
    pub transaction_ids: Vec<String>,
}

/// A push operation on the connection whose transactions cannot be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOperation {
    /// Codat's key.
    pub operation_key: String,
    /// Its status.
    pub status: PushOperationStatus,
    /// When it was requested.
    pub requested_on_utc: Timestamp,
}

impl PushHistory {
    /// Whether a transaction id is certainly on the account.
    pub fn contains(&self, id: &str) -> bool {
        self.transaction_ids.contains(id)
    }

    /// The `TimedOut` batch holding an id, if any.
    pub fn held_by(&self, id: &str) -> Option<&HeldBatch> {
        self.held
            .iter()
            .find(|b| b.transaction_ids.iter().any(|t| t == id))
    }

    fn add_success(&mut self, key: Option<&str>, ids: impl IntoIterator<Item = String>) {
        if let Some(key) = key {
            self.successful_operations.push(key.to_owned());
        }
        self.transaction_ids.extend(ids);
    }

    fn see_date(&mut self, date: Option<LocalDateTime>) {
        if let Some(date) = date
            && self.newest.is_none_or(|n| date > n)
        {
            self.newest = Some(date);
        }
    }

    fn add_batch(&mut self, batch: &LedgerBatch) {
        match batch.state {
            BatchState::Success => {
                self.add_success(
                    batch.operation_key.as_deref(),
                    batch.transaction_ids.iter().cloned(),
                );
                self.see_date(batch.newest);
            }
            BatchState::TimedOut => self.held.push(HeldBatch {
                operation_key: batch.operation_key.clone().unwrap_or_default(),
                transaction_ids: batch.transaction_ids.clone(),
            }),
            _ => {}
        }
    }
}

impl Transactions<'_> {
    /// Reads what `account_id` already has (see [`PushHistory`] and [`crate::client::push`]),
    /// bringing the ledger up to date on the way: `Sending` batches are looked up, the account's
    /// pending operations are waited for with `wait`.
    pub async fn history(
        &self,
        account_id: &str,
        ledger: Option<&dyn PushLedger>,
        wait: &WaitOptions,
        lookup: &LookupOptions,
    ) -> Result<PushHistory, Error> {
        let options = PushOptions {
            wait: *wait,
            lookup: *lookup,
            ..PushOptions::default()
        };
        self.history_with(account_id, ledger, &options, None).await
    }

    /// [`Self::history`] as a push reads it: waiting by the options' webhook updates when it has
    /// them, and keeping the account's lease alive while it waits.
    pub(super) async fn history_with(
        &self,
        account_id: &str,
        ledger: Option<&dyn PushLedger>,
        options: &PushOptions,
        lease: Option<&mut AccountLease>,
    ) -> Result<PushHistory, Error> {
        let mut waiter = Waiter {
            ops: PushOperations {
                client: self.client,
                company_id: self.company_id,
            },
            options,
            lease,
        };
        let server = self.bank_pushes(&waiter.ops).await?;
        let mut batches = self.ledger_batches(ledger)?;
        let mut history = PushHistory {
            account_id: account_id.to_owned(),
            ..PushHistory::default()
        };
        let mut claimed: HashSet<String> = batches
            .iter()
            .filter_map(|b| b.operation_key.clone())
            .collect();
        resolve_sending(
            &mut batches,
            &server,
            &mut claimed,
            &options.lookup,
            ledger,
            &mut history,
        )?;
        wait_for_pending(&mut batches, &mut waiter, ledger, &mut history).await?;
        for batch in batches
            .iter()
            .filter(|b| b.account.account_id == account_id)
        {
            history.add_batch(batch);
        }
        // Operations the ledger does not account for.
        for entry in &server {
            add_server_operation(entry, &claimed, &mut waiter, &mut history).await?;
        }
        history.operation_keys.extend(claimed);
        // A timed-out batch whose rows all went later (resent on request) is settled.
        let on_account = &history.transaction_ids;
        history
            .held
            .retain(|b| !b.transaction_ids.iter().all(|id| on_account.contains(id)));
        Ok(history)
    }

    /// The ledger's batches on the connection, oldest first.
    fn ledger_batches(&self, ledger: Option<&dyn PushLedger>) -> Result<Vec<LedgerBatch>, Error> {
        let mut batches = match ledger {
            Some(l) => l
                .batches(self.company_id, self.connection_id)
                .map_err(|e| Error::ledger("reading it", e))?,
            None => Vec::new(),
        };
        batches.sort_by_key(|b| b.sent_at);
        Ok(batches)
    }

    /// Every bank-transactions push operation on the connection, all pages.
    async fn bank_pushes(
        &self,
        ops: &PushOperations<'_>,
    ) -> Result<Vec<PushOperationEntry>, Error> {
        let query = ListQuery::new()
            .query(bank_push_query(self.connection_id))
            .page_size(500);
        let mut out = Vec::new();
        let mut entries = ops.list(query).items();
        while let Some(entry) = entries.next().await {
            let entry = entry?;
            if is_bank_push(&entry, self.connection_id) {
                out.push(entry);
            }
        }
        Ok(out)
    }
}

/// Waits for push operations to end while a history is read, keeping the lease alive.
struct Waiter<'a, 'l> {
    ops: PushOperations<'a>,
    options: &'a PushOptions,
    lease: Option<&'l mut AccountLease>,
}

impl Waiter<'_, '_> {
    async fn wait(&mut self, key: &str) -> Result<PushOperation, Error> {
        let (wait, events) = (&self.options.wait, self.options.events.as_ref());
        let lease = self.lease.as_deref_mut();
        wait_for_operation(&self.ops, key, wait, events, lease, |_| {}).await
    }
}

/// The ledger's `Sending` batches: did Codat accept them? Every batch's match is claimed; the
/// account's own batches take the operation's key and status (`NotAccepted` when none matches).
fn resolve_sending(
    batches: &mut [LedgerBatch],
    server: &[PushOperationEntry],
    claimed: &mut HashSet<String>,
    lookup: &LookupOptions,
    ledger: Option<&dyn PushLedger>,
    history: &mut PushHistory,
) -> Result<(), Error> {
    for batch in batches
        .iter_mut()
        .filter(|b| b.state == BatchState::Sending)
    {
        let found = match_sending(batch, server, claimed, lookup);
        if let Some(entry) = found {
            claimed.insert(entry.push_operation_key.clone());
        }
        if batch.account.account_id != history.account_id {
            // Another account's: possibly being pushed right now; only claim its operation.
            continue;
        }
        let state = found.map_or(BatchState::NotAccepted, |e| {
            BatchState::from_status(&e.status)
        });
        batch.advance(state, found.map(|e| e.push_operation_key.as_str()));
        save(ledger, batch)?;
        history.resolved.push((batch.batch_id.clone(), state));
    }
    Ok(())
}

/// The account's `Pending` batches: waited for until they end.
async fn wait_for_pending(
    batches: &mut [LedgerBatch],
    waiter: &mut Waiter<'_, '_>,
    ledger: Option<&dyn PushLedger>,
    history: &mut PushHistory,
) -> Result<(), Error> {
    for batch in batches
        .iter_mut()
        .filter(|b| b.account.account_id == history.account_id && b.state == BatchState::Pending)
    {
        let Some(key) = batch.operation_key.clone() else {
            continue;
        };
        let op = waiter.wait(&key).await?;
        history.waited_for += 1;
        batch.advance(BatchState::from_status(&op.status), None);
        save(ledger, batch)?;
    }
    Ok(())
}

/// One operation on the connection that the ledger does not account for: read from its `data`
/// when the server sends it (waited for when it has not ended), unknown otherwise. Failed
/// operations and other accounts' are passed over.
async fn add_server_operation(
    entry: &PushOperationEntry,
    claimed: &HashSet<String>,
    waiter: &mut Waiter<'_, '_>,
    history: &mut PushHistory,
) -> Result<(), Error> {
    history
        .operation_keys
        .insert(entry.push_operation_key.clone());
    if claimed.contains(&entry.push_operation_key) || entry.status == PushOperationStatus::Failed {
        return Ok(());
    }
    let Some(data) = PushedData::read(entry) else {
        history.unknown_operations.push(UnknownOperation {
            operation_key: entry.push_operation_key.clone(),
            status: entry.status.clone(),
            requested_on_utc: entry.requested_on_utc,
        });
        return Ok(());
    };
    if data.account_id != history.account_id {
        return Ok(());
    }
    let status = if entry.status.is_final() {
        entry.status.clone()
    } else {
        history.waited_for += 1;
        waiter.wait(&entry.push_operation_key).await?.status
    };
    let ids = data.transactions.iter().map(|t| t.id.clone());
    match status {
        PushOperationStatus::Success => {
            for tx in &data.transactions {
                history.see_date(tx.date);
            }
            history.add_success(Some(&entry.push_operation_key), ids);
        }
        PushOperationStatus::TimedOut => history.held.push(HeldBatch {
            operation_key: entry.push_operation_key.clone(),
            transaction_ids: ids.collect(),
        }),
        _ => {}
    }
    Ok(())
}

fn save(ledger: Option<&dyn PushLedger>, batch: &LedgerBatch) -> Result<(), Error> {
    match ledger {
        Some(l) => l
            .save(batch)
            .map_err(|e| Error::ledger("recording what a look-up found", e)),
        None => Ok(()),
    }
}

/// The operation that carried a `Sending` batch: requested after the batch was written (less
/// the clock skew) and not accounted for by another record; one whose `data` names the batch's
/// account and ids wins, otherwise the earliest without `data`.
fn match_sending<'a>(
    batch: &LedgerBatch,
    server: &'a [PushOperationEntry],
    claimed: &HashSet<String>,
    lookup: &LookupOptions,
) -> Option<&'a PushOperationEntry> {
    let skew = TimeDelta::from_std(lookup.clock_skew).unwrap_or(TimeDelta::MAX);
    let since = batch.sent_at.utc().checked_sub_signed(skew);
    let wanted: HashSet<&str> = batch.transaction_ids.iter().map(String::as_str).collect();
    let candidates = server.iter().filter(|e| {
        !claimed.contains(&e.push_operation_key)
            && since.is_none_or(|s| e.requested_on_utc.utc() >= s)
    });
    let mut data_less: Option<&PushOperationEntry> = None;
    for entry in candidates {
        match carried(entry, &batch.account.account_id, &wanted) {
            Carried::Same => return Some(entry),
            Carried::Unknown
                if data_less.is_none_or(|d| entry.requested_on_utc < d.requested_on_utc) =>
            {
                data_less = Some(entry);
            }
            _ => {}
        }
    }
    data_less
}
