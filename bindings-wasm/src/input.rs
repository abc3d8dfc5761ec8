//! From JavaScript values to the core's raw rows: one call takes the whole list.
//!
//! `js/rows.js` packs the rows into three buffers (keys, text, tagged numbers) so that 100,000
//! rows cross in three copies rather than a million calls; this file is the table from those
//! tags to the core's raw values:
//!
//! | JavaScript | core |
//! |---|---|
//! | string | `RawValue::Text` |
//! | number, an integer JavaScript holds exactly | `RawValue::Int` |
//! | any other number (`12.3`, `0.1 + 0.2`, `NaN`) | `RawValue::Float`, read by its shortest text (`FloatPolicy::Shortest`) |
//! | bigint | `RawValue::Number` (its digits) |
//! | boolean | `RawValue::Bool` |
//! | `null` / `undefined` or no key | `RawValue::Null` / `RawValue::Missing` |
//! | anything else (object, array, `Date`, function, symbol, a getter that throws) | `RawValue::Other`, named for the message |
//!
//! Text is a CSV or JSON file (`ingest::read_file`); a plain object with a `transactions` list is
//! a push body. Every value is typed by the core, which reports each bad one by row and field.

use bankfeeds::ingest::{self, InputFormat, RawField, RawTransaction, RawValue};
use bankfeeds::validate::{Code, Field, Issue, ValidationReport};
use js_sys::Array;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;

use crate::error::Error;

#[wasm_bindgen]
extern "C" {
    /// `Object.keys`, catching what a hostile object (a Proxy) throws.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    pub(crate) fn object_keys(value: &JsValue) -> Result<Array, JsValue>;

    /// `Array.isArray`, which throws for a revoked Proxy.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn array_is_array(value: &JsValue) -> Result<bool, JsValue>;
}

/// Whether a value is a list (false for one that cannot be asked).
pub(crate) fn is_array(v: &JsValue) -> bool {
    array_is_array(v).unwrap_or(false)
}

/// Whether a value is an object other than a list or a function.
pub(crate) fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !v.is_function() && !is_array(v)
}

#[wasm_bindgen(module = "/js/rows.js")]
extern "C" {
    /// The rows, packed by `encodeRows`.
    type Packed;

    #[wasm_bindgen(catch, js_name = encodeRows)]
    fn encode_rows(rows: &JsValue) -> Result<Packed, JsValue>;

    #[wasm_bindgen(method, getter)]
    fn keys(this: &Packed) -> Vec<String>;

    #[wasm_bindgen(method, getter)]
    fn text(this: &Packed) -> Vec<u8>;

    #[wasm_bindgen(method, getter)]
    fn cells(this: &Packed) -> Vec<f64>;

    #[wasm_bindgen(method, getter)]
    fn count(this: &Packed) -> u32;
}

/// The tags `js/rows.js` gives values.
mod kind {
    pub const MISSING: u8 = 0;
    pub const NULL: u8 = 1;
    pub const TEXT: u8 = 2;
    pub const NUMBER: u8 = 3;
    pub const FALSE: u8 = 4;
    pub const TRUE: u8 = 5;
    pub const BIGINT: u8 = 6;
    pub const LIST: u8 = 7;
    pub const OBJECT: u8 = 8;
    pub const DATE: u8 = 9;
    pub const FUNCTION: u8 = 10;
    pub const SYMBOL: u8 = 11;
    pub const THROWS: u8 = 12;
    pub const KEYS_THROW: u8 = 13;

    /// A kind that has no value to carry, named for messages.
    pub fn name(kind: u8) -> &'static str {
        match kind {
            MISSING => "undefined",
            NULL => "null",
            TEXT => "text",
            NUMBER => "a number",
            FALSE | TRUE => "a boolean",
            BIGINT => "a bigint",
            LIST => "a list",
            DATE => "a Date object",
            FUNCTION => "a function",
            SYMBOL => "a symbol",
            THROWS => "a value that throws when read",
            KEYS_THROW => "an object whose keys cannot be listed",
            _ => "an object",
        }
    }
}

/// Rows as read from the caller's input, before typing. An iterator: a list of objects is
/// unpacked one row at a time as the core reads it, so 100,000 rows never sit in memory twice.
pub(crate) struct Rows {
    /// The account a push body or a file names.
    pub account_id: Option<String>,
    /// Problems with the input as a whole, and with rows that are not objects (added as the
    /// rows are read).
    pub report: ValidationReport,
    source: Source,
}

enum Source {
    /// Rows the core read from a file.
    Read(std::vec::IntoIter<RawTransaction>),
    /// Rows `js/rows.js` packed.
    Packed(Unpacker),
}

impl Iterator for Rows {
    type Item = RawTransaction;

    fn next(&mut self) -> Option<RawTransaction> {
        match &mut self.source {
            Source::Read(rows) => rows.next(),
            Source::Packed(p) => p.next(&mut self.report),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.source {
            Source::Read(rows) => rows.size_hint(),
            Source::Packed(p) => (p.remaining(), None),
        }
    }
}

/// Reads the `rows` argument: a list of row objects, a push body `{ accountId, transactions }`,
/// or the text of a CSV or JSON file.
pub(crate) fn rows(input: &JsValue) -> Result<Rows, Error> {
    if let Some(text) = input.as_string() {
        let batch = ingest::read_file(text.as_bytes(), InputFormat::Auto);
        return Ok(Rows {
            account_id: batch.account_id,
            report: batch.report,
            source: Source::Read(batch.rows.into_iter()),
        });
    }
    if is_array(input) {
        return list(input, None);
    }
    if is_plain_object(input) {
        let transactions = property(input, "transactions");
        if is_array(&transactions) {
            let account_id = match property(input, "accountId") {
                v if v.is_undefined() || v.is_null() => None,
                v => Some(v.as_string().ok_or_else(|| {
                    Error::argument(
                        "accountId",
                        format!("a push body's accountId must be a string, not {}", kind(&v)),
                    )
                })?),
            };
            return list(&transactions, account_id);
        }
    }
    Err(Error::argument(
        "rows",
        format!(
            "expected an array of transaction objects, a push body {{ accountId, transactions }} or the text of a CSV or JSON file, not {}",
            kind(input)
        ),
    ))
}

/// A property, or `undefined` when reading it throws.
fn property(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A list of row objects, packed in one call.
fn list(array: &JsValue, account_id: Option<String>) -> Result<Rows, Error> {
    let packed = encode_rows(array).map_err(|e| {
        let why = js_sys::Reflect::get(&e, &JsValue::from_str("message"))
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| kind(&e));
        Error::argument("rows", format!("the rows cannot be read: {why}"))
    })?;
    let names = packed.keys();
    let fields = names.iter().map(|k| RawField::for_key(k)).collect();
    let cells = packed.cells();
    let count = (packed.count() as usize).min(cells.len() / 2);
    Ok(Rows {
        account_id,
        report: ValidationReport::new(),
        source: Source::Packed(Unpacker {
            names,
            fields,
            // TextEncoder writes UTF-8, so this cannot fail; were it to, values would read as "".
            text: String::from_utf8(packed.text()).unwrap_or_default(),
            at: 0,
            cells,
            next_cell: 0,
            row: 0,
            count,
        }),
    })
}

/// Unpacks the buffers of `js/rows.js`, one row at a time.
struct Unpacker {
    /// The keys met, in order; a cell names its key by index.
    names: Vec<String>,
    /// The field each key names.
    fields: Vec<Option<RawField>>,
    /// Every text value, one after the other.
    text: String,
    /// Byte offset in `text` of the next text value.
    at: usize,
    cells: Vec<f64>,
    next_cell: usize,
    /// The row `next` reads.
    row: usize,
    /// Rows in the input.
    count: usize,
}

impl Unpacker {
    fn remaining(&self) -> usize {
        self.count.saturating_sub(self.row)
    }

    fn pair(&mut self) -> Option<(f64, f64)> {
        let pair = self.cells.get(self.next_cell..self.next_cell + 2)?;
        self.next_cell += 2;
        Some((pair[0], pair[1]))
    }

    /// The next text value, `bytes` long (each value is whole UTF-8: it ends on a boundary).
    fn text(&mut self, bytes: usize) -> String {
        self.text_str(bytes).to_owned()
    }

    /// The same, borrowed.
    fn text_str(&mut self, bytes: usize) -> &str {
        let start = self.at;
        let end = start.saturating_add(bytes);
        self.at = end;
        self.text.get(start..end).unwrap_or("")
    }

    fn next(&mut self, report: &mut ValidationReport) -> Option<RawTransaction> {
        let (head, _) = self.pair()?;
        let row = self.row;
        self.row += 1;
        if head < 0.0 {
            not_an_object(report, row, kind::name((-1.0 - head) as u8));
            return Some(RawTransaction::default());
        }
        let mut raw = RawTransaction::default();
        for _ in 0..head as usize {
            let Some((tag, payload)) = self.pair() else {
                break;
            };
            // Integer arithmetic: `f64 % f64` is a library call (fmod) in WebAssembly. A tag
            // that is not a small non-negative integer saturates to a key no row has.
            let tag = tag as u32;
            let key = (tag >> 4) as usize;
            let field = self.fields.get(key).copied().flatten();
            let value = match (tag & 15) as u8 {
                kind::MISSING => RawValue::Missing,
                kind::NULL => RawValue::Null,
                kind::TEXT => match field {
                    // Amounts and dates are read straight from the buffer, without a copy.
                    Some(field) => {
                        let text = self.text_str(payload as usize);
                        raw.set_text(field, text);
                        continue;
                    }
                    None => RawValue::Text(self.text(payload as usize)),
                },
                kind::NUMBER => number(payload),
                kind::FALSE => RawValue::Bool(false),
                kind::TRUE => RawValue::Bool(true),
                kind::BIGINT => RawValue::Number(self.text(payload as usize)),
                other => RawValue::Other(kind::name(other).to_owned()),
            };
            match field {
                Some(field) => raw.set_field(field, value),
                None => raw
                    .unknown
                    .push(self.names.get(key).cloned().unwrap_or_default()),
            }
        }
        Some(raw)
    }
}

/// Reports a row that is not a transaction object; the caller keeps an empty row in its place,
/// so row numbers stay those of the input (the core's JSON reader does the same).
fn not_an_object(report: &mut ValidationReport, row: usize, kind: &str) {
    report.push(
        Issue::new(
            Code::InvalidValue,
            format!("a transaction must be an object, not {kind}"),
        )
        .at_row(row)
        .on(Field::Transactions),
    );
}

/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JavaScript number: an integer it holds exactly, or a float for the core's policy.
fn number(f: f64) -> RawValue {
    if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER {
        RawValue::Int(f as i64)
    } else {
        RawValue::Float(f)
    }
}

/// One JavaScript value as a raw value, by the module's table (for single values: options).
pub(crate) fn raw_value(v: JsValue) -> RawValue {
    if let Some(s) = v.as_string() {
        return RawValue::Text(s);
    }
    if let Some(f) = v.as_f64() {
        return number(f);
    }
    if v.is_undefined() {
        return RawValue::Missing;
    }
    if v.is_null() {
        return RawValue::Null;
    }
    if let Some(b) = v.as_bool() {
        return RawValue::Bool(b);
    }
    if v.is_bigint() {
        let digits = v
            .dyn_ref::<js_sys::BigInt>()
            .and_then(|b| b.to_string(10).ok())
            .map(String::from);
        if let Some(digits) = digits {
            return RawValue::Number(digits);
        }
    }
    RawValue::Other(kind(&v))
}

/// A value's kind for messages: "a number", "a Date object", "a list"...
pub(crate) fn kind(v: &JsValue) -> String {
    let tag = if v.is_undefined() {
        kind::MISSING
    } else if v.is_null() {
        kind::NULL
    } else if v.is_string() {
        kind::TEXT
    } else if v.as_f64().is_some() {
        kind::NUMBER
    } else if v.as_bool().is_some() {
        kind::TRUE
    } else if v.is_bigint() {
        kind::BIGINT
    } else if v.is_symbol() {
        kind::SYMBOL
    } else if v.is_function() {
        kind::FUNCTION
    } else if is_array(v) {
        kind::LIST
    } else if v.is_instance_of::<js_sys::Date>() {
        kind::DATE
    } else {
        kind::OBJECT
    };
    kind::name(tag).to_owned()
}
