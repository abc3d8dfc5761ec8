//! From JavaScript values to the core's raw rows.
//!
//! A list of row objects is read by `js/rows.js`, which writes the rows straight into buffers in
//! the module's memory a chunk at a time (tagged cells, text, numbers, and the keys met), so that
//! 100,000 rows cross in about a hundred calls rather than a million, with no copy in between;
//! the core reads each chunk before the next is written. This file is the table from those tags
//! to the core's raw values:
//!
//! | JavaScript | core |
//! |---|---|
//! | string | `RawValue::Text` (with a lone surrogate, which is not Unicode text: `RawValue::Other`, refused by the core on its row and field) |
//! | number, an integer JavaScript holds exactly | `RawValue::Int` |
//! | any other number (`12.3`, `0.1 + 0.2`, `NaN`) | `RawValue::Float`, read by its shortest text (`FloatPolicy::Shortest`) |
//! | bigint | `RawValue::Number` (its digits) |
//! | boolean | `RawValue::Bool` |
//! | `null` / `undefined` or no key | `RawValue::Null` / `RawValue::Missing` |
//! | anything else (object, array, `Date`, function, symbol, a getter that throws) | `RawValue::Other`, named for the message |
//!
//! Text is a CSV or JSON file (`ingest::read_file`); a plain object with a `transactions` list is
//! a push body. Every value is typed by the core, which reports each bad one by row and field.
//!
//! One call takes at most [`MAX_ROWS`] rows and [`MAX_TEXT`] bytes of text, checked before the
//! rows are built (a file's length before it is copied into the module, its rows by
//! `ingest::rows_exceed`; a list's length before it is read, its text as it is read): past them the
//! module would run out of its 4 GiB of memory, and the call throws `BankFeedsError` with code
//! `too_large` instead.

use bankfeeds::ingest::{self, InputFormat, RawField, RawTransaction, RawValue};
use bankfeeds::validate::{Code, Issue, ValidationReport};
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

/// The most rows one call takes: a list's length, a push body's `transactions`, a file's rows.
pub(crate) const MAX_ROWS: usize = 1_000_000;

/// The most text one call takes, in bytes of UTF-8: a file's text, or all the text values of a
/// list of rows together (128 MiB).
pub(crate) const MAX_TEXT: usize = 128 << 20;

#[wasm_bindgen(module = "/js/rows.js")]
extern "C" {
    /// `[unit, index]` of a string's first lone surrogate, or `undefined`.
    #[wasm_bindgen(js_name = loneSurrogate)]
    fn lone_surrogate(value: &JsValue) -> Option<Vec<u32>>;

    /// `[unit, line, column]` of a file text's first lone surrogate, or `undefined`.
    #[wasm_bindgen(js_name = loneSurrogateIn)]
    fn lone_surrogate_in(text: &JsValue) -> Option<Vec<u32>>;

    /// Writes rows into the module's memory, a chunk at a time.
    type RowEncoder;

    #[wasm_bindgen(catch, constructor)]
    fn new(rows: &JsValue) -> Result<RowEncoder, JsValue>;

    #[wasm_bindgen(method, getter)]
    fn count(this: &RowEncoder) -> u32;

    #[wasm_bindgen(method, js_name = keysFrom)]
    fn keys_from(this: &RowEncoder, from: u32) -> Vec<String>;

    #[wasm_bindgen(method, catch)]
    #[allow(clippy::too_many_arguments)]
    fn fill(
        this: &RowEncoder,
        memory: &JsValue,
        text_at: u32,
        text_room: u32,
        cells_at: u32,
        cells_room: u32,
        numbers_at: u32,
        numbers_room: u32,
    ) -> Result<u32, JsValue>;

    #[wasm_bindgen(method, getter, js_name = textUsed)]
    fn text_used(this: &RowEncoder) -> u32;

    #[wasm_bindgen(method, getter, js_name = cellsUsed)]
    fn cells_used(this: &RowEncoder) -> u32;

    #[wasm_bindgen(method, getter, js_name = numbersUsed)]
    fn numbers_used(this: &RowEncoder) -> u32;

    #[wasm_bindgen(method, getter)]
    fn short(this: &RowEncoder) -> u32;
}

#[wasm_bindgen(module = "/js/rows.js")]
extern "C" {
    /// Hands `js/rows.js` the tag values, which are defined here only; it throws when one it
    /// uses is missing.
    #[wasm_bindgen(catch, js_name = useTags)]
    fn use_tags(table: &JsValue) -> Result<(), JsValue>;
}

/// Gives `js/rows.js` the tags of [`kind`] and the bits of [`short`], by name; called once as
/// the module starts.
pub(crate) fn share_tags() -> Result<(), JsValue> {
    let table = js_sys::Object::new();
    let kinds = kind::TABLE
        .iter()
        .map(|&(name, tag)| (name, u32::from(tag)));
    for (name, value) in kinds.chain(short::TABLE.iter().copied()) {
        js_sys::Reflect::set(&table, &JsValue::from_str(name), &JsValue::from(value))?;
    }
    use_tags(&table)
}

/// Which chunk buffer a row did not fit in (`RowEncoder.short` in `js/rows.js`, a bit each).
mod short {
    pub const TEXT: u32 = 1;
    pub const CELLS: u32 = 2;
    pub const NUMBERS: u32 = 4;

    /// The bits as `js/rows.js` names them.
    pub const TABLE: [(&str, u32); 3] = [
        ("SHORT_TEXT", TEXT),
        ("SHORT_CELLS", CELLS),
        ("SHORT_NUMBERS", NUMBERS),
    ];
}

/// The tags `js/rows.js` gives values: defined here only, and handed to it as the module starts
/// ([`share_tags`]). A cell holds `key * 16 + tag`, so a tag is below 16.
pub(crate) mod kind {
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
    /// Text with a lone surrogate; the payload is `(index << 11) | (unit - 0xD800)`.
    pub const LONE_SURROGATE: u8 = 14;

    /// The tags as `js/rows.js` names them.
    pub const TABLE: [(&str, u8); 15] = [
        ("MISSING", MISSING),
        ("NULL", NULL),
        ("TEXT", TEXT),
        ("NUMBER", NUMBER),
        ("FALSE", FALSE),
        ("TRUE", TRUE),
        ("BIGINT", BIGINT),
        ("LIST", LIST),
        ("OBJECT", OBJECT),
        ("DATE", DATE),
        ("FUNCTION", FUNCTION),
        ("SYMBOL", SYMBOL),
        ("THROWS", THROWS),
        ("KEYS_THROW", KEYS_THROW),
        ("LONE_SURROGATE", LONE_SURROGATE),
    ];

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
    /// Why the rows stopped before their end: reading them threw, or memory ran out. The
    /// caller throws it once the core has stopped asking for rows.
    pub error: Option<Error>,
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
            Source::Packed(p) => p.next(&mut self.report, &mut self.error),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.source {
            Source::Read(rows) => rows.size_hint(),
            Source::Packed(p) => (p.remaining(), None),
        }
    }
}

/// How a string with a lone surrogate reads in a message.
fn lone_surrogate_text(unit: u32, index: Option<u32>) -> String {
    match index {
        Some(i) if i < 0x1f_ffff => format!(
            "a string with a lone surrogate (U+{unit:04X} at index {i}), which is not Unicode text"
        ),
        _ => format!("a string with a lone surrogate (U+{unit:04X}), which is not Unicode text"),
    }
}

/// A JavaScript string as Rust text: `None` when `v` is not a string, `Some(Err(why))` when it
/// has a lone surrogate (which `as_string` would silently turn into U+FFFD).
pub(crate) fn js_text(v: &JsValue) -> Option<Result<String, String>> {
    if !v.is_string() {
        return None;
    }
    if let Some(found) = lone_surrogate(v) {
        let unit = found.first().copied().unwrap_or(0xFFFD);
        return Some(Err(lone_surrogate_text(unit, found.get(1).copied())));
    }
    v.as_string().map(Ok)
}

/// The rows of a CSV or JSON file's text, within the limits of one call. A text with a lone
/// surrogate is not Unicode text: it gives no rows and one finding saying where, as bytes that
/// are not UTF-8 do.
pub(crate) fn file(input: &JsValue, field: &str) -> Result<ingest::RawBatch, Error> {
    let units = input
        .dyn_ref::<js_sys::JsString>()
        .map_or(0, |s| s.length() as usize);
    let too_large = |what: String| {
        Error::too_large(
            field,
            format!(
                "the text is {what}, more than the {} bytes (128 MiB) one call takes: split the file",
                thousands(MAX_TEXT)
            ),
        )
    };
    // A UTF-16 unit is at least one byte of UTF-8: checked before the text is copied.
    if units > MAX_TEXT {
        return Err(too_large(format!("{} characters", thousands(units))));
    }
    if let Some(found) = lone_surrogate_in(input) {
        let at = |i: usize| found.get(i).copied().unwrap_or(0);
        let mut batch = ingest::RawBatch::default();
        batch.report.push(Issue::new(
            Code::MalformedInput,
            format!(
                "the text is not Unicode text: a lone surrogate (U+{:04X}) at line {}, column {}",
                at(0),
                at(1),
                at(2)
            ),
        ));
        return Ok(batch);
    }
    let text = input.as_string().unwrap_or_default();
    if text.len() > MAX_TEXT {
        return Err(too_large(format!(
            "{} bytes of UTF-8",
            thousands(text.len())
        )));
    }
    if ingest::rows_exceed(text.as_bytes(), InputFormat::Auto, MAX_ROWS) {
        return Err(Error::too_large(
            field,
            format!(
                "the file has more than the {} rows one call takes: split it",
                thousands(MAX_ROWS)
            ),
        ));
    }
    reserve_memory(text.len().saturating_mul(8));
    Ok(ingest::read_file(text.as_bytes(), InputFormat::Auto))
}

/// Grows the module's memory at once to about what reading the input will take (a guess, at most
/// 1 GiB), by allocating it and giving it back to the allocator, which keeps it. Otherwise the
/// memory grows a little at a time as rows are built, and V8 runs a full garbage collection of the
/// JavaScript heap on many of those growths: 300,000 rows of a JSON file took 34 s that way,
/// 3.3 s this way. A refusal only means growing as it goes.
fn reserve_memory(bytes: usize) {
    let mut room: Vec<u8> = Vec::new();
    let _ = room.try_reserve_exact(bytes.min(1 << 30));
}

/// `n` with a comma every three digits, for messages: 1,000,000.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Reads the `rows` argument: a list of row objects, a push body `{ accountId, transactions }`,
/// or the text of a CSV or JSON file.
pub(crate) fn rows(input: &JsValue) -> Result<Rows, Error> {
    if input.is_string() {
        let batch = file(input, "rows")?;
        return Ok(Rows {
            account_id: batch.account_id,
            report: batch.report,
            source: Source::Read(batch.rows.into_iter()),
            error: None,
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
                v => Some(match js_text(&v) {
                    Some(Ok(id)) => id,
                    Some(Err(why)) => {
                        return Err(Error::argument(
                            "accountId",
                            format!("a push body's accountId must be text, not {why}"),
                        ));
                    }
                    None => {
                        return Err(Error::argument(
                            "accountId",
                            format!("a push body's accountId must be a string, not {}", kind(&v)),
                        ));
                    }
                }),
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

/// A list of row objects, read a chunk at a time as the core asks for rows.
fn list(array: &JsValue, account_id: Option<String>) -> Result<Rows, Error> {
    let encoder = RowEncoder::new(array).map_err(unreadable)?;
    let count = encoder.count() as usize;
    if count > MAX_ROWS {
        return Err(Error::too_large(
            "rows",
            format!(
                "{} rows are more than the {} one call takes: split them into several calls",
                thousands(count),
                thousands(MAX_ROWS)
            ),
        ));
    }
    // About what a row takes once read, typed and checked.
    reserve_memory(count.saturating_mul(512));
    Ok(Rows {
        account_id,
        report: ValidationReport::new(),
        source: Source::Packed(Unpacker {
            memory: wasm_bindgen::memory(),
            names: Vec::new(),
            fields: Vec::new(),
            text: String::new(),
            text_room: 64 << 10,
            at: 0,
            cells: vec![0; 16 << 10],
            cells_used: 0,
            next_cell: 0,
            numbers: vec![0.0; 1 << 10],
            numbers_used: 0,
            next_number: 0,
            text_read: 0,
            chunk_rows: 0,
            row: 0,
            count,
            encoder,
        }),
        error: None,
    })
}

/// The error for rows that cannot be read at all.
fn unreadable(e: JsValue) -> Error {
    let why = js_sys::Reflect::get(&e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| kind(&e));
    Error::argument("rows", format!("the rows cannot be read: {why}"))
}

/// Unpacks what `js/rows.js` writes, one row at a time, asking it for a chunk of rows whenever
/// the last is read. The chunk buffers are kept from chunk to chunk, and grow only for a row
/// that does not fit in them alone.
struct Unpacker {
    encoder: RowEncoder,
    /// The module's memory, which the encoder writes into.
    memory: JsValue,
    /// The keys met, in order; a cell names its key by index.
    names: Vec<String>,
    /// The field each key names.
    fields: Vec<Option<RawField>>,
    /// The chunk's text values, one after the other (the encoder writes them as UTF-8).
    text: String,
    /// The room for text a chunk is given, in bytes.
    text_room: usize,
    /// Byte offset in `text` of the next text value.
    at: usize,
    cells: Vec<u32>,
    cells_used: usize,
    next_cell: usize,
    numbers: Vec<f64>,
    numbers_used: usize,
    next_number: usize,
    /// Bytes of text read so far, over every chunk (at most [`MAX_TEXT`]).
    text_read: usize,
    /// Rows of the chunk not yet read.
    chunk_rows: usize,
    /// The row `next` reads.
    row: usize,
    /// Rows in the input.
    count: usize,
}

/// A buffer's address in the module's memory, for JavaScript (the module's memory is 32-bit).
fn address<T>(buffer: &mut [T]) -> u32 {
    buffer.as_mut_ptr() as usize as u32
}

/// Makes a buffer `len` long, or fails when memory is short (rather than abort the module).
fn resize<T: Copy + Default>(buffer: &mut Vec<T>, len: usize) -> Result<(), Error> {
    buffer
        .try_reserve_exact(len.saturating_sub(buffer.len()))
        .map_err(|_| {
            Error::argument(
                "rows",
                format!(
                    "the rows cannot be read: a row needs more than {} bytes of memory",
                    len.saturating_mul(std::mem::size_of::<T>()) / 2
                ),
            )
        })?;
    buffer.resize(len, T::default());
    Ok(())
}

impl Unpacker {
    fn remaining(&self) -> usize {
        self.count.saturating_sub(self.row)
    }

    /// Has the encoder write the next chunk; false when the rows have ended.
    fn refill(&mut self) -> Result<bool, Error> {
        if self.row >= self.count {
            return Ok(false);
        }
        loop {
            // The chunk's text is written into the buffer of the last chunk's (no copy either
            // way: a `String` is its bytes, checked).
            let mut chunk = std::mem::take(&mut self.text).into_bytes();
            resize(&mut chunk, self.text_room)?;
            let written = self
                .encoder
                .fill(
                    &self.memory,
                    address(&mut chunk),
                    chunk.len() as u32,
                    address(&mut self.cells),
                    self.cells.len() as u32,
                    address(&mut self.numbers),
                    self.numbers.len() as u32,
                )
                .map_err(unreadable)?;
            if written == 0 {
                chunk.clear();
            } else {
                chunk.truncate(self.encoder.text_used() as usize);
            }
            // TextEncoder writes UTF-8, so this cannot fail; were it to, values would read as ""
            // (and the next chunk would start from a fresh buffer).
            self.text = String::from_utf8(chunk).unwrap_or_default();
            if written > 0 {
                self.text_read = self.text_read.saturating_add(self.text.len());
                if self.text_read > MAX_TEXT {
                    return Err(Error::too_large(
                        "rows",
                        format!(
                            "the rows' text is more than the {} bytes (128 MiB) one call takes: split them into several calls",
                            thousands(MAX_TEXT)
                        ),
                    ));
                }
                self.cells_used = (self.encoder.cells_used() as usize).min(self.cells.len());
                self.numbers_used = (self.encoder.numbers_used() as usize).min(self.numbers.len());
                self.at = 0;
                self.next_cell = 0;
                self.next_number = 0;
                self.chunk_rows = written as usize;
                let new_keys = self.encoder.keys_from(self.names.len() as u32);
                self.fields
                    .extend(new_keys.iter().map(|k| RawField::for_key(k)));
                self.names.extend(new_keys);
                return Ok(true);
            }
            // Not one row fitted: grow what it did not fit in, and ask again.
            let short = self.encoder.short();
            if short == 0 {
                return Ok(false);
            }
            if short & short::TEXT != 0 {
                self.text_room = self.text_room.saturating_mul(2);
            }
            if short & short::CELLS != 0 {
                let len = self.cells.len().saturating_mul(2);
                resize(&mut self.cells, len)?;
            }
            if short & short::NUMBERS != 0 {
                let len = self.numbers.len().saturating_mul(2);
                resize(&mut self.numbers, len)?;
            }
        }
    }

    /// The next row, or `None` when the rows have ended or `error` is set.
    fn next(
        &mut self,
        report: &mut ValidationReport,
        error: &mut Option<Error>,
    ) -> Option<RawTransaction> {
        if self.chunk_rows == 0 {
            match self.refill() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    *error = Some(e);
                    self.count = self.row;
                    return None;
                }
            }
        }
        self.chunk_rows -= 1;
        let mut packed = Packed {
            cells: &self.cells[..self.cells_used],
            text: &self.text,
            numbers: &self.numbers[..self.numbers_used],
            fields: &self.fields,
            names: &self.names,
            next_cell: self.next_cell,
            at: self.at,
            next_number: self.next_number,
        };
        let raw = packed.row(self.row, report);
        (self.next_cell, self.at, self.next_number) =
            (packed.next_cell, packed.at, packed.next_number);
        if raw.is_some() {
            self.row += 1;
        }
        raw
    }
}

/// One chunk of rows as `js/rows.js` packs them, and how far it has been read: the row decoder,
/// in plain Rust (no JavaScript), so that it can be tested and fuzzed on its own (`fuzz/`).
///
/// A row is a pair of cells `(number of fields, kind of the row)`, then per field a pair
/// `(key index << 4 | kind, payload)`: the payload of text and bigints is their length in bytes
/// in `text`; numbers are taken in turn from `numbers`. Anything out of bounds reads as empty.
#[doc(hidden)]
pub struct Packed<'a> {
    /// The cells.
    pub cells: &'a [u32],
    /// The chunk's text values, one after the other.
    pub text: &'a str,
    /// The chunk's numbers.
    pub numbers: &'a [f64],
    /// The field each key index names.
    pub fields: &'a [Option<RawField>],
    /// The keys met, by index.
    pub names: &'a [String],
    /// The next cell to read.
    pub next_cell: usize,
    /// Byte offset in `text` of the next text value.
    pub at: usize,
    /// The next number to read.
    pub next_number: usize,
}

impl Packed<'_> {
    fn pair(&mut self) -> Option<(u32, u32)> {
        let pair = self
            .cells
            .get(self.next_cell..self.next_cell.saturating_add(2))?;
        self.next_cell += 2;
        Some((pair[0], pair[1]))
    }

    fn number(&mut self) -> f64 {
        let n = self
            .numbers
            .get(self.next_number)
            .copied()
            .unwrap_or(f64::NAN);
        self.next_number = self.next_number.saturating_add(1);
        n
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

    /// Decodes the next row (input row `row`), or `None` when the cells have ended. A row that
    /// is not an object is reported in `report` and read as an empty row.
    pub fn row(&mut self, row: usize, report: &mut ValidationReport) -> Option<RawTransaction> {
        let (fields, row_kind) = self.pair()?;
        if row_kind != u32::from(kind::OBJECT) {
            not_an_object(report, row, kind::name(row_kind.min(255) as u8));
            return Some(RawTransaction::default());
        }
        let mut raw = RawTransaction::default();
        for _ in 0..fields {
            let Some((tag, payload)) = self.pair() else {
                break;
            };
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
                kind::NUMBER => number(self.number()),
                kind::FALSE => RawValue::Bool(false),
                kind::TRUE => RawValue::Bool(true),
                kind::BIGINT => RawValue::Number(self.text(payload as usize)),
                kind::LONE_SURROGATE => RawValue::Other(lone_surrogate_text(
                    0xD800 + (payload & 0x7ff),
                    Some(payload >> 11),
                )),
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
pub(crate) fn not_an_object(report: &mut ValidationReport, row: usize, kind: &str) {
    report.push(ingest::not_an_object(row, kind));
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
    match js_text(&v) {
        Some(Ok(s)) => return RawValue::Text(s),
        Some(Err(why)) => return RawValue::Other(why),
        None => {}
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
    kind::name(kind_tag(v)).to_owned()
}

/// A value's kind, as a tag of [`kind`].
pub(crate) fn kind_tag(v: &JsValue) -> u8 {
    if v.is_undefined() {
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
    }
}
