//! The high-level push: from a bank's rows to transactions booked in the customer's accounting
//! platform, each exactly once.
//!
//! [`Client::push_transactions`] does what Codat's guides describe, in order:
//!
//! 1. reads the connection (its platform key picks the platform's rules) and the source account
//!    (it must be `connected`; its currency and `feedStartDate` feed validation);
//! 2. reads what the account already has ([`Transactions::history`]): the ids and newest date in
//!    its successful push operations, waiting first for any still pending;
//! 3. normalises and validates every row with the core ([`crate::pipeline`]), skipping rows
//!    already pushed, and refuses to send anything when there is an error
//!    ([`Error::Validation`] carries the whole report);
//! 4. splits the rest into batches of at most the platform's limit and pushes them strictly in
//!    order, each with [`Transactions::push_batch`] (never sent twice, see [`once`]) and waited
//!    for until `Success`, `Failed` or `TimedOut`;
//! 5. stops at the first batch that does not succeed, and reports what was pushed, what was not
//!    and why ([`PushReport`]).
//!
//! A rerun with the same rows therefore pushes only what is missing.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;

use crate::batch;
use crate::client::{Client, Error};
use crate::ingest::{InputFormat, RawTransaction};
use crate::model::{AnySourceAccount, BankTransaction, PushOperationStatus};
use crate::normalise::NormaliseOptions;
use crate::pipeline::{self, PrepareOptions, Prepared};
use crate::rules::Platform;
use crate::validate::{AccountContext, Code, Field, Issue, ValidationContext};

mod history;
pub mod ledger;
pub mod once;
mod options;
mod report;

pub use history::PushHistory;
pub use ledger::{FileLedger, LedgerAccount, LedgerRecord, MemoryLedger, PushLedger};
pub use once::{PushBatchOptions, PushedBatch};
pub use options::{
    LookupOptions, ProgressFn, PushOptions, PushProgress, PushStage, UnreadableHistory,
};
pub use report::{BatchOutcome, PushReport, PushStop};

#[cfg(doc)]
use crate::client::Transactions;

/// Rows to push: typed transactions, raw rows as other languages hand them over, or a file.
#[derive(Debug, Clone)]
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
}

impl PushInput {
    /// A file's contents.
    pub fn file(bytes: impl Into<Vec<u8>>, format: InputFormat) -> Self {
        PushInput::File {
            bytes: bytes.into(),
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
    /// [`Error::SourceAccountNotFound`], [`Error::HistoryIncomplete`] or a request error. Once
    /// batches are being sent, problems do not fail the call: the report's
    /// [`PushReport::stopped`] says where and why the push stopped.
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
        let mut progress = PushProgress {
            stage: PushStage::Checking,
            batches_done: 0,
            batches_total: 0,
            transactions_done: 0,
            transactions_total: 0,
            already_pushed: 0,
            operation_key: None,
            status: None,
        };
        options.report(progress.clone());

        // 1. The connection's platform and the source account.
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

        // 2. What the account already has.
        let transactions = self.transactions(company_id, connection_id);
        let ledger_account = LedgerAccount {
            company_id: company_id.to_owned(),
            connection_id: connection_id.to_owned(),
            account_id: account_id.to_owned(),
        };
        let mut history = if options.skips_already_pushed() {
            transactions.history(account_id, &options.wait).await?
        } else {
            PushHistory::default()
        };
        if let (Some(ledger), true) = (&options.ledger, options.skips_already_pushed()) {
            let records = ledger
                .records(company_id, connection_id)
                .map_err(|e| Error::Ledger {
                    message: format!("reading it: {e}"),
                })?;
            history.merge_ledger(records);
        }
        if history.unreadable_operations > 0
            && options.unreadable_history == UnreadableHistory::Refuse
        {
            return Err(Error::HistoryIncomplete {
                operations: history.unreadable_operations,
            });
        }

        // 3. Normalise and validate; skip what is already there.
        let prepare_options = prepare_options(platform, &account, &history, options);
        let mut prepared = match rows {
            PushInput::Transactions(txs) => pipeline::prepare_transactions(txs, &prepare_options),
            PushInput::Raw(raw) => pipeline::prepare(raw, &prepare_options),
            PushInput::File { bytes, format } => {
                pipeline::prepare_file(&bytes, format, &prepare_options)
            }
        };
        check_account_id(&mut prepared, account_id);
        let total = prepared.transactions.len();
        let (todo, already) = skip_already_pushed(&mut prepared, &history);
        if !prepared.report.is_valid() {
            return Err(Error::Validation(Box::new(prepared.report)));
        }

        // 4. Push in order.
        let bodies = batch::push_bodies(account_id, todo, prepared.batch_size);
        let mut report = PushReport {
            company_id: company_id.to_owned(),
            connection_id: connection_id.to_owned(),
            account_id: account_id.to_owned(),
            platform,
            transactions: total,
            already_pushed: already,
            pushed: 0,
            not_pushed: 0,
            batches: Vec::with_capacity(bodies.len()),
            batches_total: bodies.len(),
            validation: std::mem::take(&mut prepared.report),
            changes: std::mem::take(&mut prepared.changes),
            unreadable_operations: history.unreadable_operations,
            stopped: None,
        };
        progress.batches_total = bodies.len();
        progress.transactions_total = bodies.iter().map(|b| b.transactions.len()).sum();
        progress.already_pushed = report.already_pushed.len();
        let mut batch_options = PushBatchOptions {
            params: options.params,
            lookup: options.lookup,
            known_operations: history.operation_keys,
        };
        let ops = self.push_operations(company_id);
        for (index, body) in bodies.iter().enumerate() {
            let count = body.transactions.len();
            progress.stage = PushStage::Sending;
            progress.operation_key = None;
            progress.status = None;
            options.report(progress.clone());
            let pushed = match transactions.push_batch(body, &batch_options).await {
                Ok(p) => p,
                Err(error) => {
                    report.stopped = Some(PushStop::Error {
                        batch: index,
                        error: Arc::new(error),
                    });
                    break;
                }
            };
            let key = pushed.operation.push_operation_key.clone();
            batch_options.known_operations.insert(key.clone());
            progress.operation_key = Some(key.clone());
            progress.status = Some(pushed.operation.status.clone());
            let operation = if pushed.operation.is_final() {
                pushed.operation
            } else {
                progress.stage = PushStage::Waiting;
                options.report(progress.clone());
                let waited = ops
                    .wait_with(&key, &options.wait, |op| {
                        if progress.status.as_ref() != Some(&op.status) {
                            progress.status = Some(op.status.clone());
                            options.report(progress.clone());
                        }
                    })
                    .await;
                match waited {
                    Ok(op) => op,
                    Err(Error::WaitTimeout { status, .. }) => {
                        report.batches.push(pending_outcome(
                            index,
                            body,
                            &key,
                            &status,
                            pushed.recovered,
                        ));
                        report.stopped = Some(PushStop::StillPending {
                            batch: index,
                            operation_key: key,
                            status,
                        });
                        break;
                    }
                    Err(error) => {
                        report.stopped = Some(PushStop::Error {
                            batch: index,
                            error: Arc::new(error),
                        });
                        break;
                    }
                }
            };
            let first = body.transactions.first().map_or("", |t| t.id.as_str());
            let last = body.transactions.last().map_or("", |t| t.id.as_str());
            report.batches.push(BatchOutcome::new(
                index,
                &operation,
                count,
                first,
                last,
                pushed.recovered,
            ));
            progress.stage = PushStage::BatchDone;
            progress.batches_done += 1;
            progress.status = Some(operation.status.clone());
            if operation.is_success() {
                report.pushed += count;
                progress.transactions_done += count;
                options.report(progress.clone());
                if let Some(ledger) = &options.ledger {
                    let record = LedgerRecord {
                        operation_key: operation.push_operation_key.clone(),
                        transaction_ids: body.transactions.iter().map(|t| t.id.clone()).collect(),
                        newest: body.transactions.iter().map(|t| t.date).max(),
                    };
                    if let Err(e) = ledger.record(&ledger_account, &record) {
                        report.stopped = Some(PushStop::Error {
                            batch: index,
                            error: Arc::new(Error::Ledger {
                                message: format!(
                                    "recording operation {} (batch {index}, pushed): {e}",
                                    record.operation_key
                                ),
                            }),
                        });
                        break;
                    }
                }
            } else {
                options.report(progress.clone());
                report.stopped = Some(PushStop::OperationFailed {
                    batch: index,
                    operation: Box::new(operation),
                });
                break;
            }
        }
        report.not_pushed = progress.transactions_total - report.pushed;
        progress.stage = PushStage::Finished;
        options.report(progress);
        Ok(report)
    }
}

fn pending_outcome(
    index: usize,
    body: &crate::model::CreateBankTransactions,
    key: &str,
    status: &PushOperationStatus,
    recovered: bool,
) -> BatchOutcome {
    BatchOutcome {
        index,
        operation_key: key.to_owned(),
        status: status.clone(),
        transactions: body.transactions.len(),
        first_id: body
            .transactions
            .first()
            .map(|t| t.id.clone())
            .unwrap_or_default(),
        last_id: body
            .transactions
            .last()
            .map(|t| t.id.clone())
            .unwrap_or_default(),
        error_message: None,
        validation_errors: Vec::new(),
        recovered,
    }
}

fn prepare_options(
    platform: Platform,
    account: &AnySourceAccount,
    history: &PushHistory,
    options: &PushOptions,
) -> PrepareOptions {
    let today = options.today.unwrap_or_else(|| Utc::now().date_naive());
    let account_context = match account {
        AnySourceAccount::V1(a) => AccountContext::from(a),
        AnySourceAccount::V2(a) => AccountContext::from(a),
    };
    let mut context = ValidationContext::new(platform, today).with_account(account_context);
    if let Some(newest) = history.newest {
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
    }
}

/// A file or rows naming another account than the one pushed to is an error.
fn check_account_id(prepared: &mut Prepared, account_id: &str) {
    if let Some(named) = &prepared.account_id
        && named != account_id
    {
        prepared.report.issues.insert(
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

/// Removes transactions already pushed, and the findings about them. Returns the transactions to
/// push and the ids skipped.
fn skip_already_pushed(
    prepared: &mut Prepared,
    history: &PushHistory,
) -> (Vec<BankTransaction>, Vec<String>) {
    let transactions = std::mem::take(&mut prepared.transactions);
    let rows = std::mem::take(&mut prepared.source_rows);
    if history.transaction_ids.is_empty() {
        prepared.source_rows = rows;
        return (transactions, Vec::new());
    }
    let mut todo = Vec::with_capacity(transactions.len());
    let mut kept_rows = Vec::with_capacity(rows.len());
    let mut skipped_rows = HashSet::new();
    let mut already = Vec::new();
    for (tx, row) in transactions.into_iter().zip(rows) {
        if history.contains(&tx.id) {
            skipped_rows.insert(row);
            already.push(tx.id);
        } else {
            todo.push(tx);
            kept_rows.push(row);
        }
    }
    prepared.source_rows = kept_rows;
    prepared
        .report
        .issues
        .retain(|i| i.row.is_none_or(|r| !skipped_rows.contains(&r)));
    (todo, already)
}
