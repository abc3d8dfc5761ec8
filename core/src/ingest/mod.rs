//! From rows as banks have them to typed transactions, with every problem reported by row and field.
//!
//! Files, Python dicts, Arrow tables and JavaScript objects all arrive as [`RawTransaction`]s:
//! each field a [`RawValue`] that may be missing, null, text, a number, a float, a date... [`ingest`]
//! types every field, reporting each one it cannot type (`invalid_number`, `invalid_date`,
//! `missing_field`, ...) and keeps going, so one pass finds every bad field of every row.
//!
//! Rows whose text can be borrowed from where it was read (a CSV line, an Arrow column) arrive as
//! [`RawCells`] instead, typed one at a time by a [`RowIngester`], so that only the text a
//! transaction keeps is copied; a large input is typed in pieces on several threads, each
//! written into its place ([`RowIngester::push_in_pieces`]), or typed in pieces and joined in
//! order ([`RowIngester::append`]).
//!
//! [`read_csv`] and [`read_json`] turn file contents into raw rows.

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::dates::LocalDateTime;
use crate::model::{BankTransaction, TransactionType};
use crate::money::{self, MoneyError};
use crate::validate::{Code, Field, Issue, ValidationReport};

mod cell;
mod count;
pub(crate) mod file;
pub(crate) mod json;
mod json_split;
mod raw;

pub use cell::RawCells;
use cell::{RawCell, View};
pub use count::rows_exceed;
pub use file::{InputFormat, RawBatch, read_csv, read_file};
pub use json::{not_an_object, read_json};
pub use raw::{RawField, RawTransaction, RawValue, RepeatedKey};

/// The most decimal places any ISO 4217 currency has (CLF and UYW have four).
const MAX_MINOR_UNITS: u32 = 4;

/// How floats are turned into exact amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FloatPolicy {
    /// Only floats whose binary value is a short exact decimal (`0.5`, `12.75`); `0.1` is refused
    /// with a message asking for a decimal or a string. For Python.
    #[default]
    Exact,
    /// The float's shortest round-trip text, as JavaScript prints it (`0.1` is 0.1); a float whose
    /// text has more than four decimal places (`0.1 + 0.2` = 0.30000000000000004) is refused, and
    /// the currency's own minor units are checked by validation. For JavaScript.
    Shortest,
    /// Floats are refused outright.
    Refuse,
}

/// Options for [`ingest`].
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// How floats become decimals.
    pub floats: FloatPolicy,
    /// The row number of the first row, when rows arrive in chunks.
    pub first_row: usize,
}

/// Typed transactions and what was found on the way.
#[derive(Debug, Clone, Default)]
pub struct Ingested {
    /// Every row that could be typed (rows lacking a usable `id`, `date` or `amount` are not here,
    /// and each has an error in `report`).
    pub transactions: Vec<BankTransaction>,
    /// For each transaction, its input row.
    pub source_rows: Vec<usize>,
    /// The account the rows name, when they carry an `accountId` and all name the same one.
    pub account_id: Option<String>,
    /// Every problem met, by input row and field.
    pub report: ValidationReport,
    /// (row, field) pairs already reported as malformed, so later rules do not report them again
    /// as missing.
    pub malformed: Vec<(usize, Field)>,
    /// Number of input rows read.
    pub rows_read: usize,
}

struct Cx<'a> {
    row: usize,
    id: Option<&'a str>,
    report: &'a mut ValidationReport,
    malformed: &'a mut Vec<(usize, Field)>,
}

impl Cx<'_> {
    fn bad(&mut self, code: Code, field: Field, message: String, found: Option<String>) {
        let mut issue = Issue::new(code, message).at_row(self.row).on(field);
        if let Some(id) = self.id {
            issue = issue.with_id(id);
        }
        if let Some(found) = found {
            issue = issue.found(found);
        }
        self.report.push(issue);
        self.malformed.push((self.row, field));
    }
}

fn preview(v: &RawValue) -> Option<String> {
    let s = match v {
        // Only what is quoted is copied.
        RawValue::Text(t) | RawValue::Number(t) => {
            return Some(crate::text::excerpt(t).into_owned());
        }
        RawValue::Int(i) => i.to_string(),
        RawValue::Float(f) => f.to_string(),
        RawValue::Bool(b) => b.to_string(),
        RawValue::Decimal(d) => d.to_string(),
        RawValue::Date(d) => d.to_string(),
        RawValue::DateTime(d) => d.to_string(),
        RawValue::DateTimeOffset(d, _) => d.to_string(),
        RawValue::LocalDateTime(d) => d.to_string(),
        RawValue::Missing | RawValue::Null | RawValue::Other(_) => return None,
    };
    Some(match crate::text::excerpt(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(cut) => cut,
    })
}

/// [`preview`] of a cell.
fn preview_cell(v: &RawCell) -> Option<String> {
    match v.view() {
        View::Text(t) => Some(crate::text::excerpt(t).into_owned()),
        View::Other(v) => preview(v),
    }
}

/// The words for the keys that name one field: "`date`, `transactionDate` or `clearedOnDate`".
pub(crate) fn spellings(field: RawField) -> String {
    let names: Vec<String> = field.aliases().iter().map(|a| format!("`{a}`")).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// Reports each key of a row that named a field an earlier key had already named.
fn repeated_keys(cx: &mut Cx, repeated: Vec<RepeatedKey>) {
    for r in repeated {
        let field = r.field.finding_field();
        let which = match &r.key {
            Some(key) => format!(
                "the key `{key}` names {field}, which an earlier key of the row already gave"
            ),
            None => format!("two keys of the row name {field}"),
        };
        cx.bad(
            Code::MalformedInput,
            field,
            format!(
                "{which} ({} are one field, in any case and with or without `_`, `-` or spaces): which value is meant cannot be told; keep one",
                spellings(r.field)
            ),
            r.key,
        );
    }
}

#[inline(always)]
fn text(cx: &mut Cx, field: Field, v: RawCell) -> Option<String> {
    match v.into_text() {
        Ok(s) => Some(s),
        Err(RawValue::Missing | RawValue::Null) => None,
        Err(RawValue::Number(n)) => Some(n),
        Err(RawValue::Int(i)) => Some(i.to_string()),
        Err(other) => {
            let kind = other.kind();
            cx.bad(
                Code::InvalidValue,
                field,
                format!("{field} must be text, not {kind}"),
                preview(&other),
            );
            None
        }
    }
}

fn money_message(field: Field, e: &MoneyError) -> String {
    format!("{field} is not an exact amount: {e}")
}

#[inline(always)]
fn decimal(cx: &mut Cx, field: Field, v: RawCell, floats: FloatPolicy) -> Option<Decimal> {
    let result = match v.view() {
        View::Other(RawValue::Missing | RawValue::Null) => return None,
        View::Other(RawValue::Decimal(d)) => Ok(*d),
        View::Other(RawValue::Int(i)) => Ok(Decimal::from(*i)),
        View::Other(RawValue::Number(s)) => decimal_text(s)?,
        View::Text(s) => decimal_text(s)?,
        View::Other(RawValue::Float(f)) => float(cx, field, *f, floats)?,
        View::Other(other) => {
            let kind = other.kind();
            cx.bad(
                Code::InvalidNumber,
                field,
                format!("{field} must be a number, not {kind}"),
                preview(other),
            );
            return None;
        }
    };
    match result {
        Ok(d) => Some(d),
        Err(e) => {
            cx.bad(
                Code::InvalidNumber,
                field,
                money_message(field, &e),
                preview_cell(&v),
            );
            None
        }
    }
}

/// Whether text is nothing but whitespace (`str::trim` leaves nothing), told from its first
/// and last bytes for most text.
pub(crate) fn blank(s: &str) -> bool {
    crate::text::trim(s).is_empty()
}

/// An amount's text: `None` when there is nothing but whitespace.
fn decimal_text(s: &str) -> Option<Result<Decimal, MoneyError>> {
    (!blank(s)).then(|| money::parse_decimal(s))
}

/// A float as an amount under the policy: `None` when the policy refuses it (reported here),
/// else the conversion's result.
fn float(
    cx: &mut Cx,
    field: Field,
    f: f64,
    floats: FloatPolicy,
) -> Option<Result<Decimal, MoneyError>> {
    let found = || preview(&RawValue::Float(f));
    match floats {
        FloatPolicy::Exact => Some(money::from_f64_exact(f)),
        FloatPolicy::Shortest => match money::from_f64_shortest(f) {
            // No currency has more than four decimal places (CLF, UYW): a float whose
            // shortest text has more is binary noise (0.1 + 0.2), not an amount.
            Ok(d) if money::significant_decimal_places(&d) > MAX_MINOR_UNITS => {
                cx.bad(
                    Code::InvalidNumber,
                    field,
                    format!(
                        "{field} {f} is not exact to the cent: floating-point arithmetic left {} decimal places; pass amounts as strings",
                        money::significant_decimal_places(&d)
                    ),
                    found(),
                );
                None
            }
            other => Some(other),
        },
        FloatPolicy::Refuse => {
            cx.bad(
                Code::InvalidNumber,
                field,
                format!("{field} is a float ({f}); pass amounts as decimals or strings"),
                found(),
            );
            None
        }
    }
}

fn date(cx: &mut Cx, v: RawCell) -> Option<LocalDateTime> {
    match v.view() {
        View::Other(RawValue::Missing | RawValue::Null) => None,
        View::Text(s) if blank(s) => None,
        View::Text(s) => match LocalDateTime::parse(s) {
            Ok(d) => Some(d),
            Err(e) => {
                cx.bad(
                    Code::InvalidDate,
                    Field::Date,
                    format!("date {}", e.reason),
                    preview_cell(&v),
                );
                None
            }
        },
        View::Other(RawValue::Date(d)) => Some(LocalDateTime::from_date(*d)),
        View::Other(RawValue::DateTime(dt)) => Some(LocalDateTime::new(*dt)),
        View::Other(RawValue::DateTimeOffset(dt, off)) => {
            Some(LocalDateTime::with_dropped_offset(*dt, *off))
        }
        View::Other(RawValue::LocalDateTime(d)) => Some(*d),
        View::Other(other) => {
            let kind = other.kind();
            cx.bad(
                Code::InvalidDate,
                Field::Date,
                format!("date must be an ISO 8601 date or date-time, not {kind}"),
                preview(other),
            );
            None
        }
    }
}

fn boolean(cx: &mut Cx, field: Field, v: RawCell) -> Option<bool> {
    let parsed = match v.view() {
        View::Other(RawValue::Missing | RawValue::Null) => return None,
        View::Other(RawValue::Bool(b)) => Some(*b),
        View::Other(RawValue::Int(0)) => Some(false),
        View::Other(RawValue::Int(1)) => Some(true),
        View::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "" => return None,
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" => Some(false),
            _ => None,
        },
        View::Other(_) => None,
    };
    if parsed.is_none() {
        cx.bad(
            Code::InvalidValue,
            field,
            format!("{field} must be true or false, not {}", v.kind()),
            preview_cell(&v),
        );
    }
    parsed
}

fn transaction_type(cx: &mut Cx, v: RawCell) -> Option<TransactionType> {
    match v.view() {
        View::Other(RawValue::Missing | RawValue::Null) => None,
        View::Text(t) if blank(t) => None,
        View::Text(t) => match TransactionType::parse_lenient(t) {
            TransactionType::Unrecognised(_) => {
                let all: Vec<&str> = TransactionType::ALL.iter().map(|t| t.as_str()).collect();
                cx.bad(
                    Code::InvalidValue,
                    Field::TransactionType,
                    format!(
                        "`{}` is not a transaction type; expected one of {}",
                        crate::text::excerpt(t.trim()),
                        all.join(", ")
                    ),
                    preview_cell(&v),
                );
                None
            }
            known => Some(known),
        },
        View::Other(other) => {
            let kind = other.kind();
            cx.bad(
                Code::InvalidValue,
                Field::TransactionType,
                format!("transactionType must be text, not {kind}"),
                preview(other),
            );
            None
        }
    }
}

/// Whether a status text means cleared (`Some(true)`), pending (`Some(false)`), or is unknown.
fn cleared(status: &str) -> Option<bool> {
    match status.trim().to_ascii_lowercase().as_str() {
        "" | "cleared" | "posted" | "booked" | "settled" | "completed" | "complete" | "final" => {
            Some(true)
        }
        "pending" | "authorised" | "authorized" | "uncleared" | "hold" | "on hold"
        | "processing" => Some(false),
        _ => None,
    }
}

/// Reports each required field (`id`, `date`, `amount`) the row lacks.
fn missing(cx: &mut Cx, id: bool, date: bool, amount: bool) {
    for (missing, field) in [
        (id, Field::Id),
        (date, Field::Date),
        (amount, Field::Amount),
    ] {
        if missing {
            cx.bad(
                Code::MissingField,
                field,
                format!("{field} is required but missing"),
                None,
            );
        }
    }
}

/// The clearing status: a pending row is reported (it is not pushed until it clears), and a
/// status that is neither cleared nor pending is refused.
fn clearing(cx: &mut Cx, status: RawCell) {
    let s = match status.view() {
        View::Other(RawValue::Missing | RawValue::Null) => return,
        View::Text(s) => s,
        View::Other(other) => {
            let kind = other.kind();
            cx.bad(
                Code::InvalidValue,
                Field::Status,
                format!("status must be text, not {kind}"),
                preview(other),
            );
            return;
        }
    };
    match cleared(s) {
        Some(true) => {}
        Some(false) => {
            let issue = Issue::new(
                Code::NotCleared,
                format!(
                    "the row is `{}`, not cleared; push it once it has cleared",
                    crate::text::excerpt(s.trim())
                ),
            )
            .at_row(cx.row)
            .on(Field::Status)
            .found(s.trim());
            let issue = match cx.id {
                Some(id) => issue.with_id(id),
                None => issue,
            };
            cx.report.push(issue);
        }
        None => cx.bad(
            Code::InvalidValue,
            Field::Status,
            format!(
                "status `{}` is neither cleared nor pending",
                crate::text::excerpt(s.trim())
            ),
            Some(crate::text::excerpt(s).into_owned()),
        ),
    }
}

/// Types every row; see the module documentation.
///
/// ```
/// use bankfeeds::ingest::{ingest, IngestOptions, RawTransaction, RawValue};
/// let mut row = RawTransaction::default();
/// row.set("id", RawValue::Text("t1".into()));
/// row.set("date", RawValue::Text("2023-02-30".into()));
/// row.set("amount", RawValue::Text("12,30".into()));
/// let out = ingest(vec![row], &IngestOptions::default());
/// assert!(out.transactions.is_empty());
/// let codes: Vec<_> = out.report.issues.iter().map(|i| i.code.as_str()).collect();
/// assert_eq!(codes, ["invalid_date", "invalid_number"]);
/// ```
pub fn ingest(rows: impl IntoIterator<Item = RawTransaction>, options: &IngestOptions) -> Ingested {
    let rows = rows.into_iter();
    let mut ingester = RowIngester::new(options);
    ingester.reserve(rows.size_hint().0);
    for raw in rows {
        ingester.push(raw.into());
    }
    ingester.finish()
}

/// Rows a piece of a batch typed on a thread of its own has at least
/// ([`RowIngester::push_in_pieces`]).
const PIECE_ROWS: usize = 32 * 1024;

/// [`ingest`] one row at a time, for rows whose text is borrowed from where it was read
/// ([`RawCells`]): an Arrow column's strings, a line of a file. The rows are numbered from
/// [`IngestOptions::first_row`] in the order they are pushed.
#[derive(Debug)]
pub struct RowIngester {
    ingester: Ingester,
    out: Ingested,
    first_row: usize,
}

impl RowIngester {
    /// Ready to type rows under `options`.
    pub fn new(options: &IngestOptions) -> Self {
        RowIngester {
            ingester: Ingester::new(options),
            out: Ingested::default(),
            first_row: options.first_row,
        }
    }

    /// Makes room for `rows` more transactions.
    pub fn reserve(&mut self, rows: usize) {
        self.out.transactions.reserve(rows);
        self.out.source_rows.reserve(rows);
        crate::memory::prefer_huge_pages(&mut self.out.transactions);
        crate::memory::prefer_huge_pages(&mut self.out.source_rows);
    }

    /// Types the next row, reporting each field it cannot type.
    #[inline]
    pub fn push(&mut self, cells: RawCells<'_>) {
        if let Some((tx, row)) = self.type_row(cells) {
            self.out.transactions.push(tx);
            self.out.source_rows.push(row);
        }
    }

    /// The next row's transaction and input row, its findings kept here.
    #[inline]
    fn type_row(&mut self, cells: RawCells<'_>) -> Option<(BankTransaction, usize)> {
        let out = &mut self.out;
        let row = self.first_row + out.rows_read;
        out.rows_read += 1;
        self.ingester
            .row(cells, row, &mut out.report, &mut out.malformed)
            .map(|tx| (tx, row))
    }

    /// Types the rows `cells` gives for `rows` (in that order, as [`RowIngester::push`] would
    /// one by one) in pieces at once, one a core, each written straight into its place after
    /// the transactions already here: the same transactions and findings as pushing each row.
    /// A batch below 32K rows, and any batch on WASM, is typed on this thread.
    ///
    /// ```
    /// use bankfeeds::ingest::{IngestOptions, RawCells, RawField, RawValue, RowIngester};
    /// let cells = |i: usize| {
    ///     let mut cells = RawCells::default();
    ///     cells.set_value(RawField::Id, RawValue::Text(format!("t{i}")));
    ///     cells.set_value(RawField::Date, RawValue::Text("2024-05-01".into()));
    ///     cells.set_value(RawField::Amount, RawValue::Text(if i == 7 { "x".into() } else { "1.50".into() }));
    ///     cells
    /// };
    /// let mut ingester = RowIngester::new(&IngestOptions::default());
    /// ingester.push_in_pieces(0..100_000, cells);
    /// let out = ingester.finish();
    /// assert_eq!(out.transactions.len(), 99_999);
    /// assert_eq!(out.transactions[7].id, "t8");
    /// assert_eq!(out.report.issues[0].row, Some(7));
    /// ```
    pub fn push_in_pieces<'a>(
        &mut self,
        rows: std::ops::Range<usize>,
        cells: impl Fn(usize) -> RawCells<'a> + Sync,
    ) {
        let n = rows.len();
        self.reserve(n);
        let pieces = crate::threads::pieces(n, PIECE_ROWS);
        if pieces < 2 {
            for i in rows {
                self.push(cells(i));
            }
            return;
        }
        let cut = |k: usize| crate::threads::cut(n, pieces, k);
        let first_row = self.first_row + self.out.rows_read;
        let floats = self.ingester.floats;
        let base = self.out.transactions.len();
        // Piece k writes its transactions from `base + cut(k)` on: at most one a row.
        let txs = crate::threads::split_even(
            &mut self.out.transactions.spare_capacity_mut()[..n],
            pieces,
        );
        let at =
            crate::threads::split_even(&mut self.out.source_rows.spare_capacity_mut()[..n], pieces);
        let work: Vec<_> = txs
            .into_iter()
            .zip(at)
            .enumerate()
            .map(|(k, (piece_txs, piece_at))| {
                let options = IngestOptions {
                    floats,
                    first_row: first_row + cut(k),
                };
                let range = rows.start + cut(k)..rows.start + cut(k + 1);
                (RowIngester::new(&options), range, piece_txs, piece_at)
            })
            .collect();
        let typed = crate::threads::each("bankfeeds-type", work, |(mut piece, range, txs, at)| {
            let mut written = 0;
            for i in range {
                if let Some((tx, row)) = piece.type_row(cells(i)) {
                    // `written` stays below the piece's rows, the length of `txs` and `at`.
                    txs[written].write(tx);
                    at[written].write(row);
                    written += 1;
                }
            }
            (piece, written)
        });
        // Every piece ended: close the gaps its rows with no transaction left, in order.
        let mut len = base;
        for (k, (_, written)) in typed.iter().enumerate() {
            let start = base + cut(k);
            if start != len {
                // SAFETY: `start..start + written` was written by piece k, and `len <= start`:
                // the written values move down (`copy` allows the overlap) into room reserved
                // above, and are not read again where they were.
                unsafe {
                    let txs = self.out.transactions.as_mut_ptr();
                    std::ptr::copy(txs.add(start), txs.add(len), *written);
                    let at = self.out.source_rows.as_mut_ptr();
                    std::ptr::copy(at.add(start), at.add(len), *written);
                }
            }
            len += written;
        }
        // SAFETY: `base..len` now holds the pieces' values, in order, within the capacity
        // reserved above. (A piece that panicked left the lengths as they were: what the others
        // wrote is leaked, never read.)
        unsafe {
            self.out.transactions.set_len(len);
            self.out.source_rows.set_len(len);
        }
        for (piece, _) in typed {
            self.append(piece);
        }
    }

    /// Appends the rows another ingester typed, which came after every row pushed here
    /// (numbered on from them: its [`IngestOptions::first_row`] is this one's plus the rows
    /// pushed here). Findings are as if this ingester had typed every row, so that a large input
    /// can be typed in pieces on several threads, then joined in order.
    pub fn append(&mut self, later: RowIngester) {
        let RowIngester {
            ingester,
            out: mut more,
            first_row: _,
        } = later;
        self.ingester.append(ingester, &mut more.report);
        let out = &mut self.out;
        out.transactions.extend(more.transactions);
        out.source_rows.extend(more.source_rows);
        out.report.extend(more.report);
        out.malformed.extend(more.malformed);
        out.rows_read += more.rows_read;
    }

    /// The typed rows and every finding, in row order.
    pub fn finish(self) -> Ingested {
        let mut out = self.out;
        out.account_id = self.ingester.finish(&mut out.report);
        out.report.sort();
        out
    }
}

/// Types rows one at a time, keeping what spans rows (unknown keys first met, the account
/// named): [`ingest`] in pieces, for callers that read rows as they come.
#[derive(Debug, Default)]
pub(crate) struct Ingester {
    floats: FloatPolicy,
    /// Unknown keys in the order first met, each reported once.
    unknown_seen: HashSet<String>,
    unknown_keys: Vec<(String, usize)>,
    accounts: Option<(String, usize)>,
    /// The first row naming an account other than `accounts`', once reported.
    other_account: Option<(String, usize)>,
}

impl Ingester {
    pub(crate) fn new(options: &IngestOptions) -> Self {
        Ingester {
            floats: options.floats,
            ..Ingester::default()
        }
    }

    /// Types one row (input row `row`), reporting each field it cannot type; `None` when the
    /// row lacks a usable `id`, `date` or `amount`.
    pub(crate) fn row(
        &mut self,
        raw: RawCells<'_>,
        row: usize,
        report: &mut ValidationReport,
        malformed: &mut Vec<(usize, Field)>,
    ) -> Option<BankTransaction> {
        let RawCells {
            id,
            date: raw_date,
            description,
            counterparty,
            reference,
            reconciled,
            amount,
            balance,
            transaction_type: raw_type,
            status,
            account_id,
            unknown,
            repeated,
        } = raw;
        self.unknown(unknown, row);
        let mut cx = Cx {
            row,
            id: None,
            report,
            malformed,
        };
        let id_missing = id.is_absent();
        let id = text(&mut cx, Field::Id, id);
        cx.id = id.as_deref();
        if !repeated.is_empty() {
            repeated_keys(&mut cx, repeated);
        }
        let date_missing = raw_date.is_blank();
        let date = date(&mut cx, raw_date);
        let amount_missing = amount.is_blank();
        let amount = decimal(&mut cx, Field::Amount, amount, self.floats);
        let balance = decimal(&mut cx, Field::Balance, balance, self.floats);
        let description = text(&mut cx, Field::Description, description);
        let counterparty = text(&mut cx, Field::Counterparty, counterparty);
        let reference = text(&mut cx, Field::Reference, reference);
        let reconciled = boolean(&mut cx, Field::Reconciled, reconciled);
        let transaction_type = transaction_type(&mut cx, raw_type);
        missing(&mut cx, id_missing, date_missing, amount_missing);
        clearing(&mut cx, status);
        self.account(&mut cx, account_id);
        Some(BankTransaction {
            id: id?,
            date: date?,
            description,
            counterparty,
            reference,
            reconciled,
            amount: amount?,
            balance,
            transaction_type,
        })
    }

    /// Notes the keys of row `row` that name no field, each the first time it is met.
    fn unknown(&mut self, keys: Vec<String>, row: usize) {
        for key in keys {
            if !self.unknown_seen.contains(&key) {
                self.unknown_seen.insert(key.clone());
                self.unknown_keys.push((key, row));
            }
        }
    }

    /// Notes the account a row names, reporting the first row that names another.
    fn account(&mut self, cx: &mut Cx, account_id: RawCell) {
        let Some(acc) = text(cx, Field::AccountId, account_id) else {
            return;
        };
        let row = cx.row;
        match &self.accounts {
            None => self.accounts = Some((acc, row)),
            Some((first, first_row)) if *first != acc && self.other_account.is_none() => {
                cx.report
                    .push(multiple_accounts(first, *first_row, &acc, row));
                self.other_account = Some((acc, row));
            }
            Some(_) => {}
        }
    }

    /// Takes on the state of an ingester that typed the rows after this one's (`later`, whose
    /// findings are `report`), as if this one had typed them: its unknown keys not met here,
    /// and the account its rows name, against this one's (its `multiple_accounts` finding, if
    /// any, is made again against this one's first account).
    fn append(&mut self, later: Ingester, report: &mut ValidationReport) {
        for (key, row) in later.unknown_keys {
            if self.unknown_seen.insert(key.clone()) {
                self.unknown_keys.push((key, row));
            }
        }
        let Some((first, first_row)) = &self.accounts else {
            self.accounts = later.accounts;
            self.other_account = later.other_account;
            return;
        };
        if self.other_account.is_some() {
            report.issues.retain(|i| i.code != Code::MultipleAccounts);
            return;
        }
        let other = match later.accounts {
            Some((acc, row)) if acc != *first => Some((acc, row)),
            _ => later.other_account,
        };
        report.issues.retain(|i| i.code != Code::MultipleAccounts);
        if let Some((acc, row)) = other {
            report.push(multiple_accounts(first, *first_row, &acc, row));
            self.other_account = Some((acc, row));
        }
    }

    /// Reports the unknown keys met and gives the account the rows name (when they all name
    /// the same one).
    pub(crate) fn finish(self, report: &mut ValidationReport) -> Option<String> {
        for (key, row) in self.unknown_keys {
            report.push(
                Issue::new(
                    Code::UnknownColumn,
                    format!(
                        "`{}` is not a transaction field; its values are not sent to Codat",
                        crate::text::excerpt(&key)
                    ),
                )
                .found(&key)
                .at_row(row),
            );
        }
        if self.other_account.is_some() {
            None
        } else {
            self.accounts.map(|(a, _)| a)
        }
    }
}

/// Row `row` names account `acc`, but row `first_row` named `first`.
fn multiple_accounts(first: &str, first_row: usize, acc: &str, row: usize) -> Issue {
    Issue::new(
        Code::MultipleAccounts,
        format!(
            "row {row} is for account `{}` but row {first_row} is for `{}`; a push carries one account: group the rows by account first",
            crate::text::excerpt(acc),
            crate::text::excerpt(first),
        ),
    )
    .at_row(row)
    .on(Field::AccountId)
    .expected_found(first, acc)
}
