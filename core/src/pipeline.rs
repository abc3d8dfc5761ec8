//! Ingest, normalise and validate in one call: what the CLI, the bindings and the client's
//! high-level push all do with a bank's rows.
//!
//! This module is the front ends' contract: the verbs every language names the same way
//! (`docs/contract.md` has the table):
//! - **validate** ([`validate()`], [`validate_file`]): check rows *as given*. Nothing is trimmed,
//!   de-duplicated, inferred or sorted first, so rows out of date order are reported
//!   (`not_chronological`), not sorted. Its options are the preset [`PrepareOptions::validate_only`].
//! - **prepare** ([`prepare`], [`prepare_file`]): normalise, then validate what normalising made.
//!   Its options are [`PrepareOptions::new`] (the platform's normalisation defaults).
//! - the balance anchor ([`BalanceAnchor`]): compute balances from one end of the chain;
//!   [`PrepareOptions::anchor`] sets it once for normalising and validating.
//! - format detection: [`InputFormat::for_extension`] and [`InputFormat::detect`].
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
use crate::normalise::{self, BalanceFill, Change, NormaliseOptions};
use crate::rules::Platform;
use crate::validate::{self, Code, Field, ValidationContext, ValidationReport};

/// Where balances are computed from: the same thing as [`BalanceFill`], named for what a caller
/// gives (an opening or a closing balance).
pub type BalanceAnchor = BalanceFill;

/// Both ends of a balance chain were given: balances are computed from one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "give an opening or a closing balance, not both: balances are computed from one end of the chain"
)]
pub struct TwoAnchors;

impl BalanceFill {
    /// The anchor for what a caller gave: an opening balance (the balance before the oldest
    /// transaction), a closing balance (after the newest, what the bank shows today), or
    /// neither ([`BalanceFill::Keep`]). Both is refused: a chain has one anchor.
    ///
    /// ```
    /// use bankfeeds::normalise::BalanceFill;
    /// use rust_decimal::Decimal;
    /// assert_eq!(BalanceFill::from_ends(None, None), Ok(BalanceFill::Keep));
    /// assert_eq!(BalanceFill::from_ends(Some(Decimal::ONE), None), Ok(BalanceFill::Opening(Decimal::ONE)));
    /// assert!(BalanceFill::from_ends(Some(Decimal::ONE), Some(Decimal::TWO)).is_err());
    /// ```
    pub fn from_ends(
        opening: Option<rust_decimal::Decimal>,
        closing: Option<rust_decimal::Decimal>,
    ) -> Result<BalanceFill, TwoAnchors> {
        match (opening, closing) {
            (Some(_), Some(_)) => Err(TwoAnchors),
            (Some(opening), None) => Ok(BalanceFill::Opening(opening)),
            (None, Some(closing)) => Ok(BalanceFill::Closing(closing)),
            (None, None) => Ok(BalanceFill::Keep),
        }
    }
}

impl InputFormat {
    /// The format a file's name says: `.csv` is CSV, `.json` JSON (any case), anything else
    /// [`InputFormat::Auto`].
    ///
    /// ```
    /// use bankfeeds::ingest::InputFormat;
    /// assert_eq!(InputFormat::for_extension(Some("CSV")), InputFormat::Csv);
    /// assert_eq!(InputFormat::for_extension(Some("txt")), InputFormat::Auto);
    /// ```
    pub fn for_extension(extension: Option<&str>) -> InputFormat {
        match extension.map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => InputFormat::Csv,
            Some("json") => InputFormat::Json,
            _ => InputFormat::Auto,
        }
    }

    /// The format a file's path says, by its extension ([`InputFormat::for_extension`]).
    ///
    /// ```
    /// use bankfeeds::ingest::InputFormat;
    /// assert_eq!(InputFormat::for_path("statement.Json".as_ref()), InputFormat::Json);
    /// assert_eq!(InputFormat::for_path("statement".as_ref()), InputFormat::Auto);
    /// ```
    pub fn for_path(path: &std::path::Path) -> InputFormat {
        Self::for_extension(path.extension().and_then(|e| e.to_str()))
    }

    /// The format the core reads `bytes` as: [`InputFormat::Csv`] or [`InputFormat::Json`],
    /// never `Auto` (which is JSON when the first non-blank character after a byte order mark is
    /// `{` or `[`, CSV otherwise). What [`prepare_file`] and [`validate_file`] do, for callers
    /// that also need to know (CSV findings carry line numbers).
    ///
    /// ```
    /// use bankfeeds::ingest::InputFormat;
    /// assert_eq!(InputFormat::Auto.detect(b"\xEF\xBB\xBF [{}]"), InputFormat::Json);
    /// assert_eq!(InputFormat::Auto.detect(b"id,date,amount\n"), InputFormat::Csv);
    /// assert_eq!(InputFormat::Json.detect(b"id,date"), InputFormat::Json);
    /// ```
    pub fn detect(self, bytes: &[u8]) -> InputFormat {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            // Unreadable past this point (the file is reported as not UTF-8): judged by its start.
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        };
        match self.resolve(text) {
            InputFormat::Json => InputFormat::Json,
            _ => InputFormat::Csv,
        }
    }
}

/// Everything [`prepare`] needs.
#[derive(Debug, Clone)]
pub struct PrepareOptions {
    /// How raw values are typed.
    pub ingest: IngestOptions,
    /// What normalisation may change.
    pub normalise: NormaliseOptions,
    /// What validation knows.
    pub context: ValidationContext,
    /// How many findings of each code, and changes of each kind, a file read as it streams
    /// lists ([`crate::stream::prepare_path`]); the rest are counted
    /// ([`crate::validate::ValidationReport::omitted`],
    /// [`crate::stream::Streamed::changes_omitted`]) so that memory does not grow with the
    /// file. `None` lists every one. [`crate::validate::DEFAULT_MAX_LISTED`] unless set. The
    /// whole-file functions ([`prepare_file`], [`prepare`]) hold every row and list every
    /// finding and change whatever this says.
    pub max_listed: Option<usize>,
}

impl PrepareOptions {
    /// The **prepare** preset for a platform and a day: the platform's normalisation defaults
    /// (trim, de-duplicate, infer types, sort; balances kept).
    pub fn new(platform: Platform, today: chrono::NaiveDate) -> Self {
        PrepareOptions::for_context(ValidationContext::new(platform, today))
    }

    /// The **prepare** preset for what validation knows: the context's platform's normalisation
    /// defaults.
    pub fn for_context(context: ValidationContext) -> Self {
        PrepareOptions {
            ingest: IngestOptions::default(),
            normalise: NormaliseOptions::for_platform(context.platform),
            context,
            max_listed: Some(crate::validate::DEFAULT_MAX_LISTED),
        }
    }

    /// The **validate** preset: rows are read and checked as given, every normalisation switched
    /// off, so every finding is about the input itself. What [`validate()`] and [`validate_file`]
    /// use, and every binding's `validate`.
    ///
    /// ```
    /// use bankfeeds::pipeline::PrepareOptions;
    /// use bankfeeds::rules::Platform;
    /// use bankfeeds::validate::ValidationContext;
    /// let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    /// let o = PrepareOptions::validate_only(ValidationContext::new(Platform::Xero, today));
    /// assert!(!o.normalise.sort && !o.normalise.trim && !o.normalise.dedupe);
    /// ```
    pub fn validate_only(context: ValidationContext) -> Self {
        let mut options = PrepareOptions::for_context(context);
        let n = &mut options.normalise;
        n.trim = false;
        n.truncate = false;
        n.dedupe = false;
        n.infer_types = false;
        n.fix_signs = false;
        n.sort = false;
        n.balances = BalanceFill::Keep;
        options
    }

    /// Computes balances from `anchor`: normalising fills them from it, and with an opening
    /// balance validation also checks the first row against it. The one place the anchor is
    /// applied, for every front end.
    pub fn anchor(&mut self, anchor: BalanceAnchor) -> &mut Self {
        if let BalanceFill::Opening(opening) = anchor {
            self.context.opening_balance = Some(opening);
        }
        self.normalise.balances = anchor;
        self
    }

    /// Sets the transactions per push, within what the platform takes (1 to its maximum).
    pub fn batch_size(&mut self, size: usize) -> &mut Self {
        self.normalise.batch_size = size.clamp(1, self.context.platform.profile().max_batch);
        self
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

/// **validate**: ingests raw rows and checks them as given (see
/// [`PrepareOptions::validate_only`]); every finding, nothing changed.
pub fn validate(
    rows: impl IntoIterator<Item = RawTransaction>,
    context: &ValidationContext,
) -> ValidationReport {
    prepare(rows, &PrepareOptions::validate_only(context.clone())).report
}

/// **validate** for a CSV or JSON file: reads it and checks its rows as given. Findings about
/// the rows of a CSV file carry their line.
///
/// ```
/// use bankfeeds::ingest::InputFormat;
/// use bankfeeds::pipeline::validate_file;
/// use bankfeeds::rules::Platform;
/// use bankfeeds::validate::ValidationContext;
/// let csv = "id,date,description,amount\n\
///            t2,2024-05-02,Coffee,-3.20\n\
///            t1,2024-05-01,Salary,2500.00\n";
/// let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
/// let report = validate_file(csv.as_bytes(), InputFormat::Csv, &ValidationContext::new(Platform::Generic, today));
/// assert_eq!(report.issues[0].code.as_str(), "not_chronological");
/// ```
pub fn validate_file(
    bytes: &[u8],
    format: InputFormat,
    context: &ValidationContext,
) -> ValidationReport {
    prepare_file(
        bytes,
        format,
        &PrepareOptions::validate_only(context.clone()),
    )
    .report
}

/// **prepare**: ingests raw rows, normalises and validates them.
pub fn prepare(
    rows: impl IntoIterator<Item = RawTransaction>,
    options: &PrepareOptions,
) -> Prepared {
    prepare_ingested(ingest::ingest(rows, &options.ingest), options)
}

/// [`prepare`] for rows already typed by [`ingest::ingest`] or [`ingest::RowIngester`] (with
/// `options.ingest`): normalises and validates them.
pub fn prepare_ingested(ingested: ingest::Ingested, options: &PrepareOptions) -> Prepared {
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

/// **prepare** for a CSV or JSON file: reads it, then [`prepare`]s its rows.
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
    // Repeated ids are not looked for again when de-duplication already found them all: what
    // validation would report of them is what `said_once` leaves out below.
    let validation = normalised.validate(&context);
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
