//! Ingest, normalise and validate in one call: what the CLI, the bindings and the client's
//! high-level push all do with a bank's rows.
//!
//! ```
//! use bankfeeds::ingest::InputFormat;
//! use bankfeeds::pipeline::{prepare_file, PrepareOptions};
//! use bankfeeds::rules::Platform;
//! let csv = "id,date,description,amount\n\
//!            t2,2024-05-02,Coffee,-3.20\n\
//!            t1,2024-05-01,Salary,2500.00\n";
//! let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
//! let prepared = prepare_file(csv.as_bytes(), InputFormat::Csv, &PrepareOptions::new(Platform::Generic, today));
//! assert!(prepared.report.is_valid());
//! assert_eq!(prepared.transactions[0].id, "t1"); // sorted oldest first
//! assert_eq!(prepared.source_rows, [1, 0]);
//! ```

use rustc_hash::FxHashSet;

use crate::ingest::{self, IngestOptions, InputFormat, RawTransaction};
use crate::model::{BankTransaction, CreateBankTransactions};
use crate::normalise::{self, Change, NormaliseOptions};
use crate::rules::Platform;
use crate::validate::{self, Code, Field, ValidationContext, ValidationReport};

/// Everything [`prepare`] needs.
#[derive(Debug, Clone)]
pub struct PrepareOptions {
    /// How raw values are typed.
    pub ingest: IngestOptions,
    /// What normalisation may change.
    pub normalise: NormaliseOptions,
    /// What validation knows.
    pub context: ValidationContext,
}

impl PrepareOptions {
    /// Defaults for a platform and a day.
    pub fn new(platform: Platform, today: chrono::NaiveDate) -> Self {
        PrepareOptions {
            ingest: IngestOptions::default(),
            normalise: NormaliseOptions::for_platform(platform),
            context: ValidationContext::new(platform, today),
        }
    }
}

/// Transactions ready to push, with every finding and change.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// The normalised transactions (rows that could not be typed are left out and reported).
    pub transactions: Vec<BankTransaction>,
    /// For each transaction, its input row.
    pub source_rows: Vec<usize>,
    /// Every change normalisation made.
    pub changes: Vec<Change>,
    /// Every finding, from reading the rows to the platform's rules, by input row.
    pub report: ValidationReport,
    /// The account the input names (a push body's `accountId`, or an `accountId` column).
    pub account_id: Option<String>,
    /// Transactions per push.
    pub batch_size: usize,
    /// Rows read from the input.
    pub rows_read: usize,
}

impl Prepared {
    /// Push bodies for an account, each within the batch size and
    /// [`crate::batch::MAX_PUSH_BODY_BYTES`], in order.
    pub fn push_bodies(&self, account_id: &str) -> Vec<CreateBankTransactions> {
        crate::batch::push_bodies(account_id, self.transactions.clone(), self.batch_size)
    }

    /// The batches the transactions go in, in order (see [`crate::batch::split`]).
    pub fn batches(&self) -> crate::batch::Split<'_> {
        crate::batch::split(&self.transactions, self.batch_size)
    }

    /// True when nothing stops a push.
    pub fn is_valid(&self) -> bool {
        self.report.is_valid()
    }
}

/// Ingests raw rows, normalises and validates them.
pub fn prepare(
    rows: impl IntoIterator<Item = RawTransaction>,
    options: &PrepareOptions,
) -> Prepared {
    let ingested = ingest::ingest(rows, &options.ingest);
    finish(
        ingested.transactions,
        ingested.source_rows,
        ingested.report,
        &ingested.malformed,
        ingested.account_id,
        ingested.rows_read,
        options,
    )
}

/// Normalises and validates typed transactions (rows `0..n`).
pub fn prepare_transactions(txs: Vec<BankTransaction>, options: &PrepareOptions) -> Prepared {
    let n = txs.len();
    finish(
        txs,
        (0..n).collect(),
        ValidationReport::new(),
        &[],
        None,
        n,
        options,
    )
}

/// Reads a CSV or JSON file, then [`prepare`]s its rows.
pub fn prepare_file(bytes: &[u8], format: InputFormat, options: &PrepareOptions) -> Prepared {
    let batch = ingest::read_file(bytes, format);
    let mut prepared = prepare(batch.rows, options);
    let mut report = batch.report;
    report.extend(std::mem::take(&mut prepared.report));
    report.locate_lines(&batch.lines);
    report.sort();
    options.context.settle(&mut report);
    prepared.report = report;
    if batch.account_id.is_some() {
        prepared.account_id = batch.account_id;
    }
    prepared
}

/// Whether a validation finding says something not already said: a malformed field is not also
/// "missing", a conflicting duplicate is not also a plain duplicate.
pub(crate) fn said_once(
    issue: &validate::Issue,
    malformed: &FxHashSet<(usize, Field)>,
    conflicting: &FxHashSet<usize>,
) -> bool {
    let row_field = issue.row.zip(issue.field);
    let repeated = match issue.code {
        Code::MissingBalance | Code::MissingDescription => {
            row_field.is_some_and(|rf| malformed.contains(&rf))
        }
        Code::DuplicateId => issue.row.is_some_and(|r| conflicting.contains(&r)),
        _ => false,
    };
    !repeated
}

fn finish(
    txs: Vec<BankTransaction>,
    rows: Vec<usize>,
    mut report: ValidationReport,
    malformed: &[(usize, Field)],
    account_id: Option<String>,
    rows_read: usize,
    options: &PrepareOptions,
) -> Prepared {
    let normalised = normalise::normalise_rows(txs, rows, &options.normalise);
    let mut context = options.context.clone();
    if let (Some(id), Some(account)) = (&account_id, context.account.as_mut()) {
        account.id.get_or_insert_with(|| id.clone());
    }
    let validation = validate::validate_rows(
        &normalised.transactions,
        Some(&normalised.source_rows),
        &context,
    );
    let malformed: FxHashSet<(usize, Field)> = malformed.iter().copied().collect();
    let conflicting: FxHashSet<usize> = normalised
        .report
        .with_code(Code::ConflictingDuplicate)
        .filter_map(|i| i.row)
        .collect();
    report.extend(normalised.report);
    report.issues.extend(
        validation
            .issues
            .into_iter()
            .filter(|issue| said_once(issue, &malformed, &conflicting)),
    );
    report.sort();
    context.settle(&mut report);
    Prepared {
        transactions: normalised.transactions,
        source_rows: normalised.source_rows,
        changes: normalised.changes,
        report,
        account_id,
        batch_size: normalised.batch_size,
        rows_read,
    }
}
