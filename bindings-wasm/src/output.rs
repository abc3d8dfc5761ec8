//! From the core's results to plain JavaScript objects: camelCase keys, money as decimal strings
//! with the digits the core holds (`"4002.00"` stays `"4002.00"`), dates as ISO text without a
//! suffix, absent fields left out.

use bankfeeds::balance::ChainReport;
use bankfeeds::ingest::{RawTransaction, RawValue};
use bankfeeds::model::{BankTransaction, CreateBankTransactions};
use bankfeeds::normalise::Change;
use bankfeeds::rules::Platform;
use bankfeeds::validate::{Code, Issue, Severity, ValidationReport};
use rust_decimal::Decimal;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;

use crate::error::{Error, code};

/// Serialises to a plain object (maps as objects, `None` as absent or `null`).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::Usage {
            code: code::INTERNAL,
            field: None,
            message: format!(
                "internal error in bankfeeds: a result cannot be given to JavaScript: {e}"
            ),
        })
}

fn money(d: &Decimal) -> String {
    d.to_string()
}

#[wasm_bindgen(module = "/js/results.js")]
extern "C" {
    /// Builds the transaction objects from what [`transactions`] writes, onto `out`.
    #[wasm_bindgen(catch, js_name = decodeTransactions)]
    fn decode_transactions(text: &[u8], cells: &[u32], out: &js_sys::Array) -> Result<(), JsValue>;

    /// Builds the finding objects from what [`issues`] writes, onto `out`.
    #[wasm_bindgen(catch, js_name = decodeIssues)]
    fn decode_issues(text: &[u8], cells: &[u32], out: &js_sys::Array) -> Result<(), JsValue>;
}

/// A decoder of packed records (one of the two above).
type Decode = fn(&[u8], &[u32], &js_sys::Array) -> Result<(), JsValue>;

/// The most text decoded at once: far below the longest string JavaScript makes (2^29 units in
/// V8), so that any number of records within the input limits can be decoded, a piece at a time.
const PIECE: usize = 64 << 20;

/// The optional fields a record has, in its first cell (`js/results.js` reads the same bits).
mod present {
    // A transaction's.
    pub const DESCRIPTION: u32 = 1;
    pub const COUNTERPARTY: u32 = 2;
    pub const RECONCILED: u32 = 4;
    pub const RECONCILED_TRUE: u32 = 8;
    pub const REFERENCE: u32 = 16;
    pub const BALANCE: u32 = 32;
    pub const TRANSACTION_TYPE: u32 = 64;
    // A finding's.
    pub const ROW: u32 = 1;
    pub const ID: u32 = 2;
    pub const FIELD: u32 = 4;
    pub const EXPECTED: u32 = 8;
    pub const FOUND: u32 = 16;
}

/// Records packed for `js/results.js`: every text value in one UTF-8 buffer, and per record its
/// `present` bits followed by each value's length in UTF-16 units (or a number itself), so that
/// a list of records crosses in one call and its text is decoded once, instead of one call per
/// field and one decoding per value (for 100,000 transactions, about half the time
/// serde-wasm-bindgen took).
///
/// Records are decoded a piece of at most [`PIECE`] bytes of text at a time, onto one array.
struct Packer {
    text: String,
    cells: Vec<u32>,
    decode: Decode,
    out: js_sys::Array,
    /// Why a piece could not be decoded (JavaScript ran out of memory), if one could not.
    failed: Option<JsValue>,
}

impl Packer {
    fn new(records: usize, decode: Decode) -> Self {
        let records = records.min(PIECE / 64);
        let mut text = String::new();
        let mut cells = Vec::new();
        // Room for a typical record; a guess, so a refusal only means growing as it goes.
        let _ = text.try_reserve(records * 64);
        let _ = cells.try_reserve(records * 8);
        Packer {
            text,
            cells,
            decode,
            out: js_sys::Array::new(),
            failed: None,
        }
    }

    /// Starts a record with the optional fields it has.
    fn record(&mut self, fields: &[(bool, u32)]) {
        if self.text.len() >= PIECE {
            self.flush();
        }
        let bits = fields
            .iter()
            .filter(|(on, _)| *on)
            .fold(0, |all, (_, bit)| all | bit);
        self.cells.push(bits);
    }

    /// Decodes the records packed so far onto `out`, and starts again from empty buffers.
    fn flush(&mut self) {
        if self.failed.is_none()
            && let Err(e) = (self.decode)(self.text.as_bytes(), &self.cells, &self.out)
        {
            self.failed = Some(e);
        }
        self.text.clear();
        self.cells.clear();
    }

    fn text(&mut self, value: &str) {
        let start = self.text.len();
        self.text.push_str(value);
        self.close(start);
    }

    /// What `Display` writes: ASCII for dates and decimals, but counted all the same.
    fn display(&mut self, value: &dyn std::fmt::Display) {
        use std::fmt::Write;
        let start = self.text.len();
        // Writing into a String cannot fail.
        let _ = write!(self.text, "{value}");
        self.close(start);
    }

    /// Records the length in UTF-16 units of the value written since byte `start`.
    fn close(&mut self, start: usize) {
        let value = &self.text[start..];
        let units = if value.is_ascii() {
            value.len()
        } else {
            value.chars().map(char::len_utf16).sum()
        };
        self.cells.push(units as u32);
    }

    fn number(&mut self, n: u32) {
        self.cells.push(n);
    }

    /// The array of every record, or `too_large` when JavaScript could not hold them.
    fn finish(mut self) -> Result<JsValue, Error> {
        self.flush();
        match self.failed {
            None => Ok(self.out.into()),
            Some(e) => {
                let why = js_sys::Reflect::get(&e, &JsValue::from_str("message"))
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_else(|| "it ran out of memory".into());
                Err(Error::Usage {
                    code: code::TOO_LARGE,
                    field: None,
                    message: format!(
                        "the result is more than JavaScript can hold ({why}): split the rows into several calls"
                    ),
                })
            }
        }
    }
}

/// The findings as an array of `{ code, severity, row?, id?, field?, message, expected?, found? }`
/// (absent fields left out, keys in that order, as serde writes an [`Issue`]).
pub(crate) fn issues(issues: &[Issue]) -> Result<JsValue, Error> {
    let mut out = Packer::new(issues.len(), decode_issues);
    for issue in issues {
        // A row past u32 cannot be: the module's memory is 32-bit.
        let row = issue.row.and_then(|r| u32::try_from(r).ok());
        out.record(&[
            (row.is_some(), present::ROW),
            (issue.id.is_some(), present::ID),
            (issue.field.is_some(), present::FIELD),
            (issue.expected.is_some(), present::EXPECTED),
            (issue.found.is_some(), present::FOUND),
        ]);
        out.text(issue.code.as_str());
        out.text(issue.severity.as_str());
        if let Some(row) = row {
            out.number(row);
        }
        if let Some(id) = &issue.id {
            out.text(id);
        }
        if let Some(field) = issue.field {
            out.text(field.as_str());
        }
        out.text(&issue.message);
        for value in [&issue.expected, &issue.found].into_iter().flatten() {
            out.text(value);
        }
    }
    out.finish()
}

/// Transactions as Codat's wire format spells them, money as strings: an array of
/// `{ id, date, description?, counterparty?, reference?, reconciled?, amount, balance?,
/// transactionType? }` (absent fields left out, keys in that order).
pub(crate) fn transactions(txs: &[BankTransaction]) -> Result<JsValue, Error> {
    let mut out = Packer::new(txs.len(), decode_transactions);
    for t in txs {
        out.record(&[
            (t.description.is_some(), present::DESCRIPTION),
            (t.counterparty.is_some(), present::COUNTERPARTY),
            (t.reference.is_some(), present::REFERENCE),
            (t.reconciled.is_some(), present::RECONCILED),
            (t.reconciled == Some(true), present::RECONCILED_TRUE),
            (t.balance.is_some(), present::BALANCE),
            (t.transaction_type.is_some(), present::TRANSACTION_TYPE),
        ]);
        out.text(&t.id);
        out.display(&t.date);
        for value in [&t.description, &t.counterparty, &t.reference]
            .into_iter()
            .flatten()
        {
            out.text(value);
        }
        out.display(&t.amount);
        if let Some(balance) = &t.balance {
            out.display(balance);
        }
        if let Some(kind) = &t.transaction_type {
            out.text(kind.as_str());
        }
    }
    out.finish()
}

/// `{ valid, errorCount, warningCount, issues, omitted? }`: `omitted` (findings counted but
/// not listed, by code and severity) only when a streamed file's report has any.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    valid: bool,
    error_count: usize,
    warning_count: usize,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    issues: JsValue,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    omitted: Vec<bankfeeds::validate::Omitted>,
}

impl Report {
    pub(crate) fn new(r: &ValidationReport) -> Result<Self, Error> {
        Ok(Report {
            valid: r.is_valid(),
            error_count: r.error_count(),
            warning_count: r.warning_count(),
            issues: issues(&r.issues)?,
            omitted: r.omitted.clone(),
        })
    }
}

/// What `normalise()` returns, less `batches` (added as slices of `transactions`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Normalised<'a> {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub transactions: JsValue,
    pub source_rows: &'a [usize],
    pub changes: &'a [Change],
    pub report: Report,
    pub batch_size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<&'a str>,
    pub rows_read: usize,
}

/// One row whose balance does not follow from the row above.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Break<'a> {
    row: usize,
    id: &'a str,
    expected: String,
    found: String,
    difference: String,
}

/// `verifyChain()`'s result; rows are input rows.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Chain<'a> {
    intact: bool,
    breaks: Vec<Break<'a>>,
    missing: Vec<usize>,
    overflows: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closing_balance: Option<String>,
}

impl<'a> Chain<'a> {
    /// The core's report, its positions mapped to input rows through `rows`.
    pub(crate) fn new(r: &'a ChainReport, rows: &[usize], closing: Option<Decimal>) -> Self {
        let row = |i: usize| rows.get(i).copied().unwrap_or(i);
        Chain {
            intact: r.is_intact(),
            breaks: r
                .breaks
                .iter()
                .map(|b| Break {
                    row: row(b.row),
                    id: &b.id,
                    expected: money(&b.expected),
                    found: money(&b.found),
                    difference: money(&b.difference()),
                })
                .collect(),
            missing: r.missing.iter().map(|&i| row(i)).collect(),
            overflows: r.overflows.iter().map(|&i| row(i)).collect(),
            closing_balance: closing.as_ref().map(money),
        }
    }
}

/// `fillBalances()`'s result.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Filled {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub transactions: JsValue,
    pub opening_balance: String,
    pub closing_balance: String,
}

impl Filled {
    pub(crate) fn new(
        txs: &[BankTransaction],
        opening: Decimal,
        closing: Decimal,
    ) -> Result<Self, Error> {
        Ok(Filled {
            transactions: transactions(txs)?,
            opening_balance: money(&opening),
            closing_balance: money(&closing),
        })
    }
}

/// A push body: `{ accountId, transactions }`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PushBody<'a> {
    account_id: &'a str,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    transactions: JsValue,
}

impl<'a> PushBody<'a> {
    pub(crate) fn new(b: &'a CreateBankTransactions) -> Result<Self, Error> {
        Ok(PushBody {
            account_id: &b.account_id,
            transactions: transactions(&b.transactions)?,
        })
    }
}

/// A platform in `platforms()`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlatformSummary {
    platform: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    name: &'static str,
}

impl From<Platform> for PlatformSummary {
    fn from(p: Platform) -> Self {
        PlatformSummary {
            platform: p.as_str(),
            key: p.key().map(|k| k.as_str().to_owned()),
            name: p.profile().name,
        }
    }
}

/// A finding code in `codes()`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CodeInfo {
    code: &'static str,
    severity: Severity,
}

impl From<Code> for CodeInfo {
    fn from(c: Code) -> Self {
        CodeInfo {
            code: c.as_str(),
            severity: c.default_severity(),
        }
    }
}

/// `parseFile()`'s result: the rows as plain objects, values as the file has them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Parsed<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<&'a str>,
    pub rows: Vec<Row<'a>>,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub issues: JsValue,
}

/// A raw row: every field the file had, by its canonical name.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Row<'a> {
    #[serde(skip_serializing_if = "Value::is_missing")]
    id: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    date: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    description: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    counterparty: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    reference: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    reconciled: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    amount: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    balance: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    transaction_type: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    status: Value<'a>,
    #[serde(skip_serializing_if = "Value::is_missing")]
    account_id: Value<'a>,
}

impl<'a> From<&'a RawTransaction> for Row<'a> {
    fn from(r: &'a RawTransaction) -> Self {
        Row {
            id: Value(&r.id),
            date: Value(&r.date),
            description: Value(&r.description),
            counterparty: Value(&r.counterparty),
            reference: Value(&r.reference),
            reconciled: Value(&r.reconciled),
            amount: Value(&r.amount),
            balance: Value(&r.balance),
            transaction_type: Value(&r.transaction_type),
            status: Value(&r.status),
            account_id: Value(&r.account_id),
        }
    }
}

/// A raw value as JavaScript: numbers as their digits (text), so that giving the row back to
/// `validate()` reads the same value.
pub(crate) struct Value<'a>(&'a RawValue);

impl Value<'_> {
    fn is_missing(&self) -> bool {
        matches!(self.0, RawValue::Missing)
    }
}

impl Serialize for Value<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            RawValue::Missing | RawValue::Null => s.serialize_none(),
            RawValue::Bool(b) => s.serialize_bool(*b),
            RawValue::Text(t) | RawValue::Number(t) => s.serialize_str(t),
            RawValue::Int(i) => s.collect_str(i),
            RawValue::Float(f) => s.collect_str(f),
            RawValue::Decimal(d) => s.collect_str(d),
            RawValue::Date(d) => s.collect_str(d),
            RawValue::DateTime(d) | RawValue::DateTimeOffset(d, _) => {
                s.collect_str(&d.format("%Y-%m-%dT%H:%M:%S%.f"))
            }
            RawValue::LocalDateTime(d) => s.collect_str(d),
            // Kept as a value of the same kind, so that validating the row reports it.
            RawValue::Other(kind) if kind == "a list" => s.serialize_seq(Some(0))?.end(),
            RawValue::Other(_) => s.serialize_map(Some(0))?.end(),
        }
    }
}
