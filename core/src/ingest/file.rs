//! Reading CSV and JSON files into raw rows.

use super::json::read_json;
use super::raw::RawField;
use super::{RawCells, RawTransaction};
use crate::validate::{Code, Issue, ValidationReport};

/// The rows of one file, before typing.
#[derive(Debug, Clone, Default)]
pub struct RawBatch {
    /// The push body's `accountId`, when the file is a push body.
    pub account_id: Option<String>,
    /// The rows, in file order.
    pub rows: Vec<RawTransaction>,
    /// For a CSV file, the line each row starts on (from 1, the header included, blank lines
    /// and line breaks inside quoted cells counted); empty for JSON. Findings about rows get
    /// their line through [`ValidationReport::locate_lines`].
    pub lines: Vec<usize>,
    /// Problems with the file itself (bad JSON, a CSV without an `amount` column...).
    pub report: ValidationReport,
}

/// What kind of file to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// JSON when the first non-blank character is `{` or `[`, CSV otherwise.
    #[default]
    Auto,
    /// CSV with a header line.
    Csv,
    /// A push body `{"accountId": ..., "transactions": [...]}` or a JSON array of transactions.
    Json,
}

impl InputFormat {
    /// The format to read `text` as: `Auto` is JSON when the first non-blank character is `{`
    /// or `[`, CSV otherwise.
    pub(crate) fn resolve(self, text: &str) -> InputFormat {
        match self {
            InputFormat::Auto => match text.trim_start().as_bytes().first() {
                Some(b'{') | Some(b'[') => InputFormat::Json,
                _ => InputFormat::Csv,
            },
            f => f,
        }
    }
}

/// Reads a file's bytes as CSV or JSON.
pub fn read_file(bytes: &[u8], format: InputFormat) -> RawBatch {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let mut batch = RawBatch::default();
            batch.report.push(not_utf8(e.valid_up_to()));
            return batch;
        }
    };
    match format.resolve(text) {
        InputFormat::Json => read_json(text),
        _ => read_csv(text),
    }
}

/// The finding for a file that is not UTF-8, its first bad byte at `offset` (after a byte order
/// mark).
pub(crate) fn not_utf8(offset: usize) -> Issue {
    Issue::new(
        Code::MalformedInput,
        format!("the file is not UTF-8 text (invalid byte at offset {offset})"),
    )
}

/// The most header names a message lists before saying how many more there are.
const MAX_LISTED_COLUMNS: usize = 20;

/// Header names as a message lists them: each quoted by [`crate::text::excerpt`], at most
/// [`MAX_LISTED_COLUMNS`] of them.
fn list_columns(headers: &csv::StringRecord) -> String {
    if headers.is_empty() {
        return "nothing".to_owned();
    }
    let mut listed: Vec<String> = headers
        .iter()
        .take(MAX_LISTED_COLUMNS)
        .map(|h| crate::text::excerpt(h).into_owned())
        .collect();
    if headers.len() > MAX_LISTED_COLUMNS {
        listed.push(format!("and {} more", headers.len() - MAX_LISTED_COLUMNS));
    }
    listed.join(", ")
}

/// The first field two columns of the header both name, as an error naming both columns: a
/// file with two `amount` columns, or `date` and `Transaction Date`, cannot be read without
/// guessing which one is meant.
fn repeated_column(headers: &csv::StringRecord, columns: &[Option<RawField>]) -> Option<String> {
    for (j, later) in columns.iter().enumerate() {
        let Some(later) = later else { continue };
        let earlier = columns[..j]
            .iter()
            .position(|c| c.is_some_and(|c| c.slot() == later.slot()));
        if let Some(i) = earlier {
            let name = |k: usize| crate::text::excerpt(headers.get(k).unwrap_or("")).into_owned();
            return Some(format!(
                "the CSV header has two columns for {}: column {} `{}` and column {} `{}` ({} are one field, in any case and with or without `_`, `-` or spaces); which one is meant cannot be told: keep one",
                later.slot().name(),
                i + 1,
                name(i),
                j + 1,
                name(j),
                super::spellings(*later),
            ));
        }
    }
    None
}

/// Reads CSV with a header line. Required columns: `id`, `date`, `amount`; optional:
/// `description`, `balance`, `transactionType`, `counterparty`, `reference`, `reconciled`,
/// `status` (or `cleared` / `pending`), `accountId`. Column names are matched loosely
/// (`transaction_type`, `Transaction Type`); two columns naming one field make the file
/// unreadable. Empty cells are nulls; lines with nothing in them are no rows. Row 0 is the first
/// record after the header; [`RawBatch::lines`] has the line each row starts on.
///
/// ```
/// let batch = bankfeeds::ingest::read_csv("id,date,amount\n\nt1,2024-01-02,-12.30\n");
/// assert_eq!(batch.rows.len(), 1);
/// assert_eq!(batch.lines, [3]);
/// assert!(batch.report.is_empty());
/// ```
pub fn read_csv(text: &str) -> RawBatch {
    let mut batch = RawBatch::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = CsvRows::new(text.as_bytes(), &mut batch.report);
    while let Some((raw, line)) = rows.next_row(&mut batch.report) {
        batch.rows.push(raw.into_raw());
        batch.lines.push(line);
    }
    batch
}

/// The field each column of a (trimmed) CSV header names, reporting what is wrong with the
/// header (on `header_line`): `None` when no row can be read under it.
fn header_columns(
    headers: &csv::StringRecord,
    header_line: usize,
    report: &mut ValidationReport,
) -> Option<Vec<Option<RawField>>> {
    let columns: Vec<Option<RawField>> = headers.iter().map(RawField::for_key).collect();
    if let Some(message) = repeated_column(headers, &columns) {
        report.push(Issue::new(Code::MalformedInput, message).at_line(header_line));
        return None;
    }
    let missing: Vec<&str> = [
        (RawField::Id, "id"),
        (RawField::Date, "date"),
        (RawField::Amount, "amount"),
    ]
    .into_iter()
    .filter(|(f, _)| !columns.contains(&Some(*f)))
    .map(|(_, name)| name)
    .collect();
    if !missing.is_empty() {
        report.push(
            Issue::new(
                Code::MalformedInput,
                format!(
                    "the CSV header lacks the required column(s) {}; found: {}",
                    missing.join(", "),
                    list_columns(headers)
                ),
            )
            .at_line(header_line),
        );
        return None;
    }
    for (i, col) in columns.iter().enumerate() {
        if col.is_none() {
            let name = crate::text::excerpt(headers.get(i).unwrap_or(""));
            report.push(
                Issue::new(
                    Code::UnknownColumn,
                    format!(
                        "column `{name}` is not a transaction field; its values are not sent to Codat"
                    ),
                )
                .at_line(header_line)
                .found(&name),
            );
        }
    }
    Some(columns)
}

/// Whether a CSV record carries nothing (every cell empty or blank): it is not a row.
fn is_blank_record(record: &csv::StringRecord) -> bool {
    record.iter().all(super::blank)
}

/// Reports a record with more cells (`cells`) than the header has columns.
fn check_cell_count(
    cells: usize,
    columns: &[Option<RawField>],
    row: usize,
    line: usize,
    report: &mut ValidationReport,
) {
    if cells > columns.len() {
        report.push(
            Issue::new(
                Code::MalformedInput,
                format!(
                    "the line has {} cells but the header has {}",
                    cells,
                    columns.len()
                ),
            )
            .at_row(row)
            .at_line(line),
        );
    }
}

/// A (non-blank) record's cells as a raw row, borrowed from the record: input row `row`
/// starting on `line`, reporting a record with more cells than the header has columns.
fn record_cells<'r>(
    record: &'r csv::StringRecord,
    columns: &[Option<RawField>],
    row: usize,
    line: usize,
    report: &mut ValidationReport,
) -> RawCells<'r> {
    cells_row(record.iter(), record.len(), columns, row, line, report)
}

/// [`record_cells`] for cells however they were cut (`count` of them).
#[inline]
fn cells_row<'r>(
    cells: impl Iterator<Item = &'r str>,
    count: usize,
    columns: &[Option<RawField>],
    row: usize,
    line: usize,
    report: &mut ValidationReport,
) -> RawCells<'r> {
    check_cell_count(count, columns, row, line, report);
    let mut raw = RawCells::default();
    for (cell, col) in cells.zip(columns) {
        if let Some(field) = col {
            raw.set_cell(*field, cell);
        }
    }
    raw
}

/// The bytes a reader handed out that [`Lines`] has not counted yet.
#[derive(Debug, Default)]
struct Seen {
    bytes: Vec<u8>,
    /// The offset in the input of `bytes[0]`.
    base: usize,
    /// How many of `bytes` have been counted.
    counted: usize,
    /// The offset in the input just past the last `\r` handed out, or 0 before the first: most
    /// files have none, and their lines are then counted without looking for one.
    after_cr: usize,
}

/// A reader that keeps what it hands out, for [`StreamLines`].
struct Tee<R> {
    inner: R,
    seen: std::rc::Rc<std::cell::RefCell<Seen>>,
}

impl<R: std::io::Read> std::io::Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        let mut seen = self.seen.borrow_mut();
        if chunk.contains(&b'\r') {
            let start = seen.base + seen.bytes.len();
            seen.after_cr = start + chunk.iter().rposition(|&b| b == b'\r').unwrap_or(0) + 1;
        }
        seen.bytes.extend_from_slice(chunk);
        Ok(n)
    }
}

/// Finds the line a CSV record starts on, from 1, counting line breaks as the CSV reader ends
/// records: `\n`, `\r\n` or a lone `\r`. The reader's position for a record is where it started
/// looking for it, before the empty lines it skipped: those are stepped over. Records come in
/// order, so the bytes are scanned once in all, and forgotten once counted.
struct StreamLines {
    seen: std::rc::Rc<std::cell::RefCell<Seen>>,
    breaks: usize,
}

impl StreamLines {
    fn line(&mut self, position: Option<&csv::Position>) -> Option<usize> {
        let position = position?;
        let byte = usize::try_from(position.byte()).unwrap_or(usize::MAX);
        let mut seen = self.seen.borrow_mut();
        let end = byte.saturating_sub(seen.base).min(seen.bytes.len());
        let mut counted = seen.counted;
        if seen.after_cr == 0 && end > counted && byte == seen.base + end {
            // No `\r` met yet: only `\n` has ended lines, and the reader counts those itself.
            self.breaks = usize::try_from(position.line().saturating_sub(1)).unwrap_or(usize::MAX);
            counted = end;
        }
        let no_cr = seen.after_cr <= seen.base + counted;
        let text = &seen.bytes;
        let ends_line = |i: usize| match text[i] {
            b'\n' => true,
            b'\r' => text.get(i + 1) != Some(&b'\n'),
            _ => false,
        };
        // A `\r` as the last byte seen may be followed by a `\n` not read yet: it is left for
        // the next call, which sees what follows it.
        if counted < end && (no_cr || !text[counted..end].contains(&b'\r')) {
            // Only `\n` ends lines here: counted at once.
            self.breaks += text[counted..end].iter().filter(|&&b| b == b'\n').count();
            counted = end;
        }
        while counted < end {
            let b = text[counted];
            if b == b'\r' && counted + 1 == text.len() {
                break;
            }
            if (b == b'\n' || b == b'\r') && ends_line(counted) {
                self.breaks += 1;
            }
            counted += 1;
        }
        let mut breaks = self.breaks;
        let mut i = counted;
        while i < text.len() && matches!(text[i], b'\n' | b'\r') {
            if ends_line(i) {
                breaks += 1;
            }
            i += 1;
        }
        // Counted bytes are let go a block at a time, not on every record: moving what is left
        // down on every record cost as much as reading the file.
        if counted >= COMPACT_AT {
            seen.bytes.drain(..counted);
            seen.base += counted;
            seen.counted = 0;
        } else {
            seen.counted = counted;
        }
        Some(breaks + 1)
    }
}

/// How many counted bytes [`StreamLines`] holds before letting them go.
const COMPACT_AT: usize = 1 << 16;

/// A CSV file's rows read one at a time from any reader: [`read_csv`] in pieces, so a file of
/// any size is read in the memory of one row.
pub(crate) struct CsvRows<R: std::io::Read> {
    reader: csv::Reader<Tee<R>>,
    lines: StreamLines,
    columns: Vec<Option<RawField>>,
    record: csv::StringRecord,
    row: usize,
    done: bool,
}

impl<R: std::io::Read> CsvRows<R> {
    /// Reads the header, reporting what is wrong with it (the reader then gives no rows).
    pub(crate) fn new(input: R, report: &mut ValidationReport) -> Self {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Seen::default()));
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::Headers)
            .from_reader(Tee {
                inner: input,
                seen: seen.clone(),
            });
        let mut lines = StreamLines { seen, breaks: 0 };
        let columns = Self::header(&mut reader, &mut lines, report);
        CsvRows {
            reader,
            lines,
            done: columns.is_none(),
            columns: columns.unwrap_or_default(),
            record: csv::StringRecord::new(),
            row: 0,
        }
    }

    fn header(
        reader: &mut csv::Reader<Tee<R>>,
        lines: &mut StreamLines,
        report: &mut ValidationReport,
    ) -> Option<Vec<Option<RawField>>> {
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                let mut issue = Issue::new(
                    Code::MalformedInput,
                    format!("the CSV header cannot be read: {e}"),
                );
                issue.line = lines.line(e.position());
                report.push(issue);
                return None;
            }
        };
        let header_line = lines.line(headers.position()).unwrap_or(1);
        header_columns(&headers, header_line, report)
    }

    /// The next row and the line it starts on, its cells borrowed from the record they were
    /// read into; `None` at the end or after an error, which is reported.
    pub(crate) fn next_row(
        &mut self,
        report: &mut ValidationReport,
    ) -> Option<(RawCells<'_>, usize)> {
        while !self.done {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    if is_blank_record(&self.record) {
                        // A line of empty cells carries nothing; it is not a row.
                        continue;
                    }
                    return Some(self.cells(report));
                }
                Err(e) => {
                    let mut issue =
                        Issue::new(Code::MalformedInput, format!("the CSV cannot be read: {e}"))
                            .at_row(self.row);
                    issue.line = self.lines.line(e.position());
                    report.push(issue);
                    self.done = true;
                }
            }
        }
        None
    }

    /// The record just read as a row, and the line it starts on; a record with more cells than
    /// the header has columns is reported.
    fn cells(&mut self, report: &mut ValidationReport) -> (RawCells<'_>, usize) {
        let record = &self.record;
        let line = self.lines.line(record.position()).unwrap_or(0);
        let raw = record_cells(record, &self.columns, self.row, line, report);
        self.row += 1;
        (raw, line)
    }
}

/// A CSV file's rows read from chunks of its bytes pushed in one after another, split anywhere
/// (inside a quoted cell, a UTF-8 character or a CRLF): [`CsvRows`] turned inside out, for
/// callers that are handed the bytes (a browser's stream) rather than reading them. Holds the
/// record being read; the header and the rows are read by the same functions as [`CsvRows`]'s,
/// and each row starts on the line [`CsvRows`] gives it. The bytes must be UTF-8 (checked by the
/// caller first, as [`read_file`] does), after the byte order marks [`read_file`] skips.
pub(crate) struct CsvPush {
    core: csv_core::Reader,
    fields: Vec<u8>,
    ends: Vec<usize>,
    fields_len: usize,
    ends_len: usize,
    /// Line breaks met (`\n`, `\r\n` or a lone `\r`, as records end), and whether the last
    /// byte met was `\r` (a `\n` next ends the same line).
    breaks: usize,
    after_cr: bool,
    /// The line the record being read starts on, once one of its bytes is met (the line
    /// breaks before it are blank lines, which the reader skips).
    record_line: Option<usize>,
    /// The header's columns, once read.
    columns: Option<Vec<Option<RawField>>>,
    row: usize,
    done: bool,
    /// The first bytes, until there are [`FIRST_INPUT`] of them.
    first: Option<Vec<u8>>,
}

/// The bytes that end a cell or a line, or make a line one [`CsvPush::plain_line`] leaves to
/// the reader.
const LINE_SPECIAL: [u8; 4] = [b',', b'\n', b'\r', b'"'];

/// Where the first byte of [`LINE_SPECIAL`] is in `input` from `at` on (its length when none
/// is).
#[inline(always)]
fn next_special(input: &[u8], at: usize) -> usize {
    crate::text::find_any(input, at, LINE_SPECIAL)
}

/// How many bytes [`CsvPush`] hands the reader first: enough for a byte order mark and one
/// more, so that neither a mark nor its end is mistaken for the end of the file.
const FIRST_INPUT: usize = 4;

impl CsvPush {
    pub(crate) fn new() -> Self {
        CsvPush {
            core: csv_core::Reader::new(),
            fields: vec![0; 1024],
            ends: vec![0; 32],
            fields_len: 0,
            ends_len: 0,
            breaks: 0,
            after_cr: false,
            record_line: None,
            columns: None,
            row: 0,
            done: false,
            first: Some(Vec::with_capacity(FIRST_INPUT)),
        }
    }

    /// Reads the next bytes, handing each row completed to `each` with its row number (from 0)
    /// and the line it starts on; what is wrong with the header or a line goes to `report`.
    pub(crate) fn push(
        &mut self,
        bytes: &[u8],
        report: &mut ValidationReport,
        mut each: impl FnMut(RawCells<'_>, usize, usize),
    ) {
        let mut bytes = bytes;
        if let Some(first) = &mut self.first {
            // The reader skips a byte order mark only at the start of its first input, and takes
            // an empty input for the end: its first input is held until it has four bytes, as
            // a reader of the whole file gives it.
            let take = (FIRST_INPUT - first.len()).min(bytes.len());
            first.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if first.len() < FIRST_INPUT {
                return;
            }
            let first = self.first.take().unwrap_or_default();
            self.read(&first, report, &mut each);
        }
        if !bytes.is_empty() {
            self.read(bytes, report, each);
        }
    }

    /// Whether the header was read (well or not: what is wrong with it is reported).
    pub(crate) fn header_read(&self) -> bool {
        self.columns.is_some()
    }

    /// Rows read so far (the header and lines of blank cells are not rows).
    pub(crate) fn rows(&self) -> usize {
        self.row
    }

    /// The end of the file: the last row, when no line break ends it.
    pub(crate) fn finish(
        &mut self,
        report: &mut ValidationReport,
        mut each: impl FnMut(RawCells<'_>, usize, usize),
    ) {
        if let Some(first) = self.first.take()
            && !first.is_empty()
        {
            self.read(&first, report, &mut each);
        }
        self.read(&[], report, each);
    }

    /// Reads `input`; an empty `input` is the end of the file.
    fn read(
        &mut self,
        mut input: &[u8],
        report: &mut ValidationReport,
        mut each: impl FnMut(RawCells<'_>, usize, usize),
    ) {
        use csv_core::ReadRecordResult as R;
        let end_of_file = input.is_empty();
        // The input's text, checked once: up to any character cut at its end.
        let whole = input;
        let text = match std::str::from_utf8(whole) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&whole[..e.valid_up_to()]).unwrap_or_default(),
        };
        // The reader takes an empty input for the end of the file.
        while !self.done && (end_of_file || !input.is_empty()) {
            if self.between_records()
                && let Some(text) = text.get(whole.len() - input.len()..)
                && let Some(taken) = self.plain_line(input, text, report, &mut each)
            {
                input = &input[taken..];
                continue;
            }
            let (result, read, written, ended) = self.core.read_record(
                input,
                &mut self.fields[self.fields_len..],
                &mut self.ends[self.ends_len..],
            );
            self.count_lines(&input[..read]);
            input = &input[read..];
            self.fields_len += written;
            self.ends_len += ended;
            match result {
                R::InputEmpty => {}
                R::OutputFull => self.fields.resize(self.fields.len() * 2, 0),
                R::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                R::Record => {
                    let line = self.record_line.take().unwrap_or(self.breaks + 1);
                    let mut record = csv::ByteRecord::with_capacity(self.fields_len, self.ends_len);
                    let mut start = 0;
                    for &end in &self.ends[..self.ends_len] {
                        record.push_field(&self.fields[start..end]);
                        start = end;
                    }
                    (self.fields_len, self.ends_len) = (0, 0);
                    // Never fails: the caller checked the bytes are UTF-8, and cells are cut at
                    // ASCII bytes.
                    if let Ok(record) = csv::StringRecord::from_byte_record(record) {
                        self.record(record, line, report, &mut each);
                    }
                }
                R::End => {
                    if self.columns.is_none() {
                        // No record at all: the header is empty.
                        let line = self.breaks + 1;
                        self.record(csv::StringRecord::new(), line, report, &mut each);
                    }
                    self.done = true;
                }
            }
        }
    }

    /// Whether the reader is between records: the header read, and nothing of the next record
    /// met but line breaks. The reader is then where it starts a record (after a record's
    /// `\r` it is waiting for a `\n`, which it would skip as it skips blank lines).
    fn between_records(&self) -> bool {
        self.columns.is_some()
            && self.fields_len == 0
            && self.ends_len == 0
            && self.record_line.is_none()
    }

    /// Reads the line `input` starts with, when it is whole and plain: ended by `\n` or
    /// `\r\n`, with no quote and no other `\r` in it. Its cells are then the text between its
    /// commas, as the reader cuts them, and they are taken from `input` where they lie instead
    /// of going through the reader's state machine and being copied into a record (most lines
    /// of most files). `text` is `input` as text, as far as it is UTF-8 (a line that is not all
    /// there is left to the reader). Gives the bytes read (the line and its line break); `None`
    /// for any other line, left to the reader, which reads it as it reads every line. Call only
    /// [`CsvPush::between_records`].
    fn plain_line(
        &mut self,
        input: &[u8],
        text: &str,
        report: &mut ValidationReport,
        each: &mut impl FnMut(RawCells<'_>, usize, usize),
    ) -> Option<usize> {
        if self.after_cr {
            // The `\n` of a `\r\n` whose `\r` ended the last line.
            if input.first() != Some(&b'\n') {
                return None;
            }
            self.after_cr = false;
            return Some(1);
        }
        // Where each cell but the last ends, in `self.ends` (free between records).
        let mut cells = 0;
        let mut i = 0;
        let (end, break_len) = loop {
            i = next_special(input, i);
            match *input.get(i)? {
                b',' => {
                    if cells == self.ends.len() {
                        self.ends.push(i);
                    } else {
                        self.ends[cells] = i;
                    }
                    cells += 1;
                    i += 1;
                }
                b'\n' => break (i, 1),
                b'\r' if input.get(i + 1) == Some(&b'\n') => break (i, 2),
                _ => return None,
            }
        };
        let text = text.get(..end)?;
        let line = self.breaks + 1;
        self.breaks += 1;
        let ends = &self.ends[..cells];
        let cut = |k: usize| {
            let from = if k == 0 { 0 } else { ends[k - 1] + 1 };
            let to = ends.get(k).copied().unwrap_or(end);
            text.get(from..to).unwrap_or_default()
        };
        // An empty line is skipped, as the reader skips it; so is a line of blank cells.
        if !text.is_empty() && !(0..=cells).all(|k| super::blank(cut(k))) {
            let columns = self.columns.as_deref().unwrap_or_default();
            let raw = cells_row(
                (0..=cells).map(cut),
                cells + 1,
                columns,
                self.row,
                line,
                report,
            );
            self.row += 1;
            each(raw, self.row - 1, line);
        }
        Some(end + break_len)
    }

    fn record(
        &mut self,
        mut record: csv::StringRecord,
        line: usize,
        report: &mut ValidationReport,
        each: &mut impl FnMut(RawCells<'_>, usize, usize),
    ) {
        let Some(columns) = &self.columns else {
            record.trim();
            let columns = header_columns(&record, line, report);
            self.done = columns.is_none();
            self.columns = Some(columns.unwrap_or_default());
            return;
        };
        if is_blank_record(&record) {
            // A line of empty cells carries nothing; it is not a row.
            return;
        }
        let raw = record_cells(&record, columns, self.row, line, report);
        self.row += 1;
        each(raw, self.row - 1, line);
    }

    /// Counts the line breaks in bytes read, and notes the line of the record's first byte.
    fn count_lines(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' => {
                    if !self.after_cr {
                        self.breaks += 1;
                    }
                    self.after_cr = false;
                }
                b'\r' => {
                    self.breaks += 1;
                    self.after_cr = true;
                }
                _ => {
                    self.after_cr = false;
                    if self.record_line.is_none() {
                        self.record_line = Some(self.breaks + 1);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::RawValue;

    #[test]
    fn csv_header_must_name_required_columns() {
        let b = read_csv("id,date,description\n1,2024-01-01,x\n");
        assert_eq!(b.report.issues.len(), 1);
        assert!(
            b.report.issues[0].message.contains("amount"),
            "{}",
            b.report.issues[0].message
        );
        assert!(b.rows.is_empty());
    }

    #[test]
    fn csv_cells_and_unknown_columns() {
        let b = read_csv(
            "\u{feff}ID, Date ,Amount,Balance,memo\nt1,2024-01-01,-1.00,,hi\n\nt2,2024-02-30,2x\n",
        );
        assert_eq!(b.rows.len(), 2);
        assert_eq!(b.rows[0].balance, RawValue::Null);
        assert_eq!(b.rows[1].balance, RawValue::Missing);
        // Amounts and dates are read as the cells are met; what cannot be read stays text, for
        // ingest to report by row and field.
        assert_eq!(
            b.rows[0].amount,
            RawValue::Decimal(rust_decimal::Decimal::new(-100, 2))
        );
        assert_eq!(
            b.rows[0].date,
            RawValue::LocalDateTime("2024-01-01".parse().unwrap())
        );
        assert_eq!(b.rows[1].amount, RawValue::Text("2x".into()));
        assert_eq!(b.rows[1].date, RawValue::Text("2024-02-30".into()));
        assert_eq!(b.report.issues.len(), 1);
        assert_eq!(b.report.issues[0].code, Code::UnknownColumn);
    }

    /// A file with no `\r` takes the reader's own count of `\n`s; blank lines before a record
    /// and line breaks inside quoted cells, far past the block the counter keeps, still name
    /// each row's own line (counted here independently), and so does a `\r` met late.
    #[test]
    fn lines_without_carriage_returns_come_from_the_reader() {
        for late_cr in [false, true] {
            let mut text = String::from("id,date,amount\n");
            let mut line = 2;
            let mut expected = Vec::new();
            for i in 0..5000 {
                if i % 7 == 3 {
                    text.push('\n');
                    line += 1;
                }
                expected.push(line);
                if i % 11 == 5 {
                    text.push_str(&format!("\"t{i}\n(two lines)\",2024-05-01,1\n"));
                    line += 2;
                } else {
                    text.push_str(&format!("t{i},2024-05-01,1\n"));
                    line += 1;
                }
                if late_cr && i == 4000 {
                    text.push('\r');
                    line += 1;
                }
            }
            let batch = read_csv(&text);
            assert!(batch.report.is_empty(), "{:?}", batch.report);
            assert_eq!(batch.lines, expected, "late \\r: {late_cr}");
        }
    }

    /// What [`CsvPush`] reads from `bytes` fed in pieces cut at `cuts`: each row (as a
    /// [`RawTransaction`]) with its line, and the report.
    fn pushed(bytes: &[u8], cuts: &[usize]) -> (Vec<(RawTransaction, usize)>, ValidationReport) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.push(bytes.len());
        cuts.sort_unstable();
        let (mut rows, mut report, mut csv, mut from) =
            (Vec::new(), ValidationReport::new(), CsvPush::new(), 0);
        let mut each = |raw: RawCells<'_>, row: usize, line: usize| {
            assert_eq!(row, rows.len());
            rows.push((raw.into_raw(), line));
        };
        for cut in cuts {
            csv.push(&bytes[from..cut], &mut report, &mut each);
            from = cut;
        }
        csv.finish(&mut report, &mut each);
        (rows, report)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// Lines read without the reader's state machine ([`CsvPush::plain_line`]) give what the
        /// reader gives, wherever the input is cut: text of commas, quotes, line breaks of
        /// every kind, blanks and multi-byte characters.
        #[test]
        fn plain_lines_read_as_the_csv_reader_reads_them(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "t1", "2024-05-01", "-1.50", " ", ",", ",", ",", "\n", "\n", "\r\n", "\r", "\"",
                "\"a,\nb\"", "é", "€𝄞", "x y",
            ]), 0..60),
            header in proptest::sample::select(vec![
                "id,date,amount\n", "id,date,amount,description\r\n", "\u{feff}id,amount,date,memo\n",
                "id,date\n",
            ]),
            cuts in proptest::collection::vec(proptest::prelude::any::<usize>(), 0..6),
        ) {
            let text = format!("{header}{}", pieces.concat());
            let whole = read_csv(&text);
            let (rows, report) = pushed(text.as_bytes(), &cuts);
            let (raws, lines): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
            proptest::prop_assert_eq!(raws, whole.rows, "{:?}", text);
            proptest::prop_assert_eq!(lines, whole.lines, "{:?}", text);
            proptest::prop_assert_eq!(report, whole.report, "{:?}", text);
        }
    }

    #[test]
    fn json_push_body_and_array() {
        let b = read_json(r#"{"accountId":"acc","transactions":[{"id":"a","amount":4002.00},7]}"#);
        assert_eq!(b.account_id.as_deref(), Some("acc"));
        assert_eq!(b.rows.len(), 2);
        assert_eq!(b.rows[0].amount, RawValue::Number("4002.00".into()));
        assert_eq!(b.report.issues.len(), 1);
        assert_eq!(b.report.issues[0].row, Some(1));
        let b = read_json(r#"[{"id":"a"}]"#);
        assert_eq!(b.rows.len(), 1);
        assert!(b.report.is_empty());
    }

    #[test]
    fn json_errors_name_line_and_column() {
        let b = read_json("[{\"id\": \"a\",}]");
        assert_eq!(b.report.issues[0].code, Code::MalformedInput);
        assert!(
            b.report.issues[0].message.contains("line 1"),
            "{}",
            b.report.issues[0].message
        );
        let b = read_json(r#"{"accountId":"x"}"#);
        assert_eq!(b.report.issues[0].code, Code::MalformedInput);
        assert!(
            read_file(b"\xff\xfe", InputFormat::Auto).report.issues[0]
                .message
                .contains("UTF-8")
        );
    }
}
