//! **validate** for a file handed over in chunks: [`FileChecker`] for CSV or JSON, [`CsvChecker`]
//! for CSV only.

use super::{Findings, check_row, close_validation, final_report, listed, unreadable};
use crate::ids::FirstSeen;
use crate::ingest::file::{CsvPush, not_utf8};
use crate::ingest::json::JsonPush;
use crate::ingest::{IngestOptions, Ingester, InputFormat, RawCells};
use crate::pipeline::PrepareOptions;
use crate::validate::rows::{RowChecker, duplicate_id};
use crate::validate::{self, Issue, ValidationContext, ValidationReport};

/// A JSON file was handed to [`CsvChecker`], which reads CSV: the character it starts with
/// (`{` or `[`, after any whitespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the file is JSON (it starts with `{0}`), and only CSV files are checked as they stream: validate a JSON file whole"
)]
pub struct JsonFile(pub char);

/// The byte order mark [`crate::ingest::read_file`] and [`crate::ingest::read_csv`] each skip
/// (the CSV reader skips a third: [`CsvPush`] sees to it).
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether `head` may be the start of the two byte order marks skipped, and no more: while it
/// is, what to skip is not known.
fn marks_only(head: &[u8]) -> bool {
    head.len() < 2 * BOM.len() && head.iter().zip(BOM.iter().cycle()).all(|(a, b)| a == b)
}

/// **validate** for a CSV file fed in chunks of any size, split anywhere (inside a quoted cell,
/// a UTF-8 character or a CRLF): [`CsvChecker::finish`] gives the report
/// [`crate::pipeline::validate_file`] gives for the whole file, finding for finding (codes,
/// rows, ids, fields, lines, messages, order).
///
/// Reads each chunk as it is fed and keeps none: it holds the record being read, and what spans
/// rows: the previous date and balance, the lines rows start on where they do not follow on
/// (after a blank line or a cell with a line break), every distinct id once (its bytes in one
/// arena, with a table from its hash to the row it was first met on; ids are compared exactly
/// where hashes agree), and, where the platform needs balances, the rows lacking one. Of the
/// findings it lists the first [`crate::validate::DEFAULT_MAX_LISTED`] of each code (in the
/// whole file's order; another number, or all: [`CsvChecker::listing`]) and counts the rest
/// ([`ValidationReport::omitted`]).
///
/// A file is CSV unless its first character (after a byte order mark and whitespace) is `{` or
/// `[`, as [`crate::ingest::InputFormat::Auto`] tells: a JSON file is refused with [`JsonFile`]
/// as soon as that character is fed ([`FileChecker`] reads either). A file
/// that is not UTF-8 gives the one finding the whole file gives.
///
/// ```
/// use bankfeeds::pipeline::validate_file;
/// use bankfeeds::ingest::InputFormat;
/// use bankfeeds::rules::Platform;
/// use bankfeeds::stream::CsvChecker;
/// use bankfeeds::validate::ValidationContext;
/// let csv = "id,date,amount,balance\r\nt1,2024-05-01,10.00,10.00\r\nt1,\"2024-05-02\",-2.50,7.00\r\n";
/// let context = ValidationContext::new(Platform::Generic, chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap());
/// let mut checker = CsvChecker::new(&context);
/// for chunk in csv.as_bytes().chunks(5) {
///     checker.feed(chunk).unwrap();
/// }
/// let report = checker.finish().unwrap();
/// assert_eq!(report, validate_file(csv.as_bytes(), InputFormat::Auto, &context));
/// let codes: Vec<_> = report.issues.iter().map(|i| i.code.as_str()).collect();
/// assert_eq!(codes, ["balance_mismatch", "duplicate_id"]);
/// assert_eq!(report.issues[1].line, Some(3));
/// assert!(CsvChecker::new(&context).feed(b" [{\"id\": \"t1\"}]").is_err());
/// ```
pub struct CsvChecker {
    context: ValidationContext,
    /// The first bytes, until the byte order marks are known (at most six bytes).
    head: Option<Vec<u8>>,
    utf8: Utf8,
    /// No character but whitespace met yet: JSON or CSV is not told.
    undecided: bool,
    json: Option<char>,
    /// The file is not UTF-8: the one finding.
    unreadable: Option<Issue>,
    csv: CsvPush,
    ingester: Ingester,
    findings: Findings,
    checker: RowChecker<'static>,
    validation: ValidationReport,
    ids: FirstSeen,
    /// Rows typed and checked.
    kept: usize,
    /// The format asked for ([`FileChecker::new`]); `Auto` tells it from the first character.
    format: InputFormat,
    /// A JSON file is read, not refused ([`FileChecker`]).
    accept_json: bool,
    /// The JSON reader, while the file may be JSON and JSON is read: fed what the CSV reader is
    /// fed until the first character tells, then alone.
    json_rows: Option<JsonPush>,
    /// How many findings of each code the report lists.
    max_listed: Option<usize>,
}

impl CsvChecker {
    /// A checker for the **validate** verb: rows checked as given, against what `context`
    /// knows.
    pub fn new(context: &ValidationContext) -> Self {
        CsvChecker::listing(context, Some(validate::DEFAULT_MAX_LISTED))
    }

    /// [`CsvChecker::new`], listing at most `max` findings of each code (`None`: every one).
    pub fn listing(context: &ValidationContext, max: Option<usize>) -> Self {
        let mut validation = ValidationReport::listing(max);
        validate::account_rules(context, &mut validation);
        CsvChecker {
            context: context.clone(),
            head: Some(Vec::with_capacity(2 * BOM.len())),
            utf8: Utf8::default(),
            undecided: true,
            json: None,
            unreadable: None,
            csv: CsvPush::new(),
            ingester: Ingester::new(&IngestOptions::default()),
            findings: Findings::listing(max),
            checker: RowChecker::owned(context.clone()),
            validation,
            ids: FirstSeen::default(),
            kept: 0,
            format: InputFormat::Auto,
            accept_json: false,
            json_rows: None,
            max_listed: max,
        }
    }

    /// Reads the next bytes of the file. Fails, now and on every later call, once the file is
    /// seen to be JSON.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), JsonFile> {
        self.push(chunk);
        self.refused()
    }

    /// Reads the next bytes of the file.
    fn push(&mut self, chunk: &[u8]) {
        let mut chunk = chunk;
        if let Some(head) = &mut self.head {
            // A byte at a time, while the head may still be byte order marks.
            while let Some((&b, rest)) = chunk.split_first()
                && marks_only(head)
            {
                head.push(b);
                chunk = rest;
            }
            if marks_only(head) {
                return;
            }
            self.flush_head();
        }
        self.bytes(chunk, true);
    }

    /// The report, once every byte is fed: what [`crate::pipeline::validate_file`] gives for
    /// the file.
    pub fn finish(mut self) -> Result<ValidationReport, JsonFile> {
        if self.head.is_some() {
            self.flush_head();
        }
        self.refused()?;
        Ok(self.report())
    }

    /// The report, once every byte is fed and the byte order marks are known.
    fn report(mut self) -> ValidationReport {
        if self.unreadable.is_none()
            && let Err(offset) = self.utf8.finish()
        {
            self.unreadable = Some(not_utf8(offset));
        }
        if let Some(issue) = self.unreadable {
            let report = unreadable(issue, &PrepareOptions::validate_only(self.context)).report;
            return listed(report, self.max_listed);
        }
        if self.is_json() {
            if let Some(issue) = self.read_json(None) {
                let report = unreadable(issue, &PrepareOptions::validate_only(self.context)).report;
                return listed(report, self.max_listed);
            }
        } else {
            self.read_csv(None);
        }
        // The account a column names does not change what validation checks.
        let _account = self.findings.typing_done(self.ingester);
        let validation = close_validation(
            self.validation,
            self.checker,
            self.kept,
            &self.context,
            (&self.findings.malformed, None),
        );
        final_report(
            self.findings,
            ValidationReport::new(),
            validation,
            &self.context,
        )
    }

    fn refused(&self) -> Result<(), JsonFile> {
        match self.json {
            Some(c) if !self.accept_json => Err(JsonFile(c)),
            _ => Ok(()),
        }
    }

    /// The file is read as JSON: told so, or seen to be.
    fn is_json(&self) -> bool {
        self.json.is_some() || self.format == InputFormat::Json
    }

    /// Reads bytes as JSON (`None`: the end of the file), checking each row completed; gives
    /// the one finding for a file that cannot be read, known at the end.
    fn read_json(&mut self, bytes: Option<&[u8]>) -> Option<Issue> {
        let mut file = std::mem::take(&mut self.findings.file);
        let (mut rows, _, json_rows) = self.readers();
        let each = |raw, row, _: &mut ValidationReport| rows.row(RawCells::from(raw), row, None);
        let read = match (bytes, json_rows) {
            (Some(bytes), Some(json)) => {
                json.push(bytes, &mut file, each);
                None
            }
            (None, json) => json.take().and_then(|j| j.finish(&mut file, each)),
            (Some(_), None) => None,
        };
        self.findings.file = file;
        read
    }

    /// What each row goes through, and the two readers, borrowed apart.
    fn readers(&mut self) -> (Rows<'_>, &mut CsvPush, &mut Option<JsonPush>) {
        let rows = Rows {
            findings: &mut self.findings,
            ingester: &mut self.ingester,
            checker: &mut self.checker,
            validation: &mut self.validation,
            ids: &mut self.ids,
            kept: &mut self.kept,
        };
        (rows, &mut self.csv, &mut self.json_rows)
    }

    /// What was read as CSV before the file was seen to be JSON, let go.
    fn restart_as_json(&mut self) {
        let json_rows = self.json_rows.take();
        let fresh = CsvChecker::listing(&self.context, self.max_listed);
        self.csv = fresh.csv;
        self.ingester = fresh.ingester;
        self.findings = fresh.findings;
        self.checker = fresh.checker;
        self.validation = fresh.validation;
        self.ids = fresh.ids;
        self.kept = 0;
        self.json_rows = json_rows;
    }

    /// Skips the byte order marks: [`crate::ingest::read_file`]'s before the UTF-8 check,
    /// [`crate::ingest::read_csv`]'s after it.
    fn flush_head(&mut self) {
        let head = self.head.take().unwrap_or_default();
        let first = if head.starts_with(BOM) { BOM.len() } else { 0 };
        let second = if head[first..].starts_with(BOM) {
            first + BOM.len()
        } else {
            first
        };
        self.bytes(&head[first..second], false);
        self.bytes(&head[second..], true);
    }

    /// Checks bytes are UTF-8 and tells JSON from CSV, then reads them as CSV (`to_csv`).
    fn bytes(&mut self, bytes: &[u8], to_csv: bool) {
        if self.refused().is_err() || self.unreadable.is_some() {
            return;
        }
        let was_json = self.is_json();
        let (undecided, json) = (&mut self.undecided, &mut self.json);
        let checked = self.utf8.push(bytes, |text| {
            if *undecided && let Some(c) = text.trim_start().chars().next() {
                *undecided = false;
                if matches!(c, '{' | '[') {
                    *json = Some(c);
                }
            }
        });
        if let Err(offset) = checked {
            self.unreadable = Some(not_utf8(offset));
        }
        if self.refused().is_err() || self.unreadable.is_some() {
            // Nothing read so far counts: let it go.
            self.findings = Findings::default();
            self.validation = ValidationReport::new();
            self.ids = FirstSeen::default();
            return;
        }
        if self.is_json() {
            if !was_json {
                self.restart_as_json();
            }
            // Errors are known at the end.
            self.read_json(Some(bytes));
            return;
        }
        if self.undecided {
            // Whitespace so far: read as JSON too, in case.
            self.read_json(Some(bytes));
        } else {
            self.json_rows = None;
        }
        if !to_csv {
            return;
        }
        self.read_csv(Some(bytes));
    }

    /// Reads bytes as CSV (`None`: the end of the file), checking each row completed.
    fn read_csv(&mut self, bytes: Option<&[u8]>) {
        let mut file = std::mem::take(&mut self.findings.file);
        let (mut rows, csv, _) = self.readers();
        let each = |raw: crate::ingest::RawCells<'_>, row, line| rows.row(raw, row, Some(line));
        match bytes {
            Some(bytes) => csv.push(bytes, &mut file, each),
            None => csv.finish(&mut file, each),
        }
        self.findings.file = file;
    }
}

/// **validate** for a CSV or JSON file fed in chunks of any size, split anywhere (inside a
/// quoted cell or a JSON string, an escape, a UTF-8 character or a CRLF):
/// [`FileChecker::finish`] gives the report [`crate::pipeline::validate_file`] gives for the
/// whole file, finding for finding (codes, rows, ids, fields, lines, messages, order), a JSON
/// file that cannot be read included (its one finding, with the line and column serde gives).
///
/// The format is told as [`InputFormat::Auto`] tells it (JSON when the first character after a
/// byte order mark and whitespace is `{` or `[`), or given. A CSV file is read as
/// [`CsvChecker`] reads it. A JSON file (a push body `{"accountId": ..., "transactions": [...]}`
/// or an array of transactions) has each row of its `transactions` list read, typed and checked
/// as soon as its last byte is fed, and let go; held besides what spans rows (as for CSV) are
/// the row being read and the text outside the rows list (a push body's other keys), with the
/// rows list itself kept as counts of elements, lines and columns. Whether the text is JSON at
/// all is known only at the end: the text kept is then read by serde, which finds the error,
/// and places it, as it does reading the whole text. A file whose text outside the rows list is
/// large (a large unknown key, a second `transactions` list, text after the end) holds that
/// text until the end; so does one whose rows list the splitter does not know for one (its
/// `transactions` key written with escapes, or a text given as JSON that is not), whose rows are
/// then read at the end.
///
/// ```
/// use bankfeeds::ingest::InputFormat;
/// use bankfeeds::pipeline::validate_file;
/// use bankfeeds::rules::Platform;
/// use bankfeeds::stream::FileChecker;
/// use bankfeeds::validate::ValidationContext;
/// let json = r#"{"accountId": "acc", "transactions": [
///   {"id": "t1", "date": "2024-05-01", "amount": 10.00, "balance": 10.00},
///   {"id": "t1", "date": "2024-05-02", "amount": -2.50, "balance": 7.00}
/// ]}"#;
/// let context = ValidationContext::new(Platform::Generic, chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap());
/// let mut checker = FileChecker::new(&context, InputFormat::Auto);
/// for chunk in json.as_bytes().chunks(7) {
///     checker.feed(chunk);
/// }
/// let report = checker.finish();
/// assert_eq!(report, validate_file(json.as_bytes(), InputFormat::Auto, &context));
/// let codes: Vec<_> = report.issues.iter().map(|i| i.code.as_str()).collect();
/// assert_eq!(codes, ["balance_mismatch", "duplicate_id"]);
///
/// // Text that is not JSON after all: the message serde gives for the whole text.
/// let broken = br#"[{"id": "t1"},
///  {"id": "t2"} {"id": "t3"}]"#;
/// let mut checker = FileChecker::new(&context, InputFormat::Auto);
/// for chunk in broken.chunks(3) {
///     checker.feed(chunk);
/// }
/// let report = checker.finish();
/// assert_eq!(report, validate_file(broken, InputFormat::Auto, &context));
/// assert!(report.issues[0].message.contains("line 2 column 15"), "{}", report.issues[0].message);
/// ```
pub struct FileChecker(CsvChecker);

impl FileChecker {
    /// A checker for the **validate** verb, for a file in `format` (`Auto`: told from its
    /// first character): rows checked as given, against what `context` knows.
    pub fn new(context: &ValidationContext, format: InputFormat) -> Self {
        FileChecker::listing(context, format, Some(validate::DEFAULT_MAX_LISTED))
    }

    /// [`FileChecker::new`], listing at most `max` findings of each code (`None`: every one),
    /// as [`CsvChecker::listing`] does.
    pub fn listing(context: &ValidationContext, format: InputFormat, max: Option<usize>) -> Self {
        let mut checker = CsvChecker::listing(context, max);
        checker.format = format;
        checker.accept_json = true;
        checker.undecided = format == InputFormat::Auto;
        if format != InputFormat::Csv {
            checker.json_rows = Some(JsonPush::new());
        }
        FileChecker(checker)
    }

    /// Reads the next bytes of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.0.push(chunk);
    }

    /// The report, once every byte is fed: what [`crate::pipeline::validate_file`] gives for
    /// the file.
    pub fn finish(mut self) -> ValidationReport {
        if self.0.head.is_some() {
            self.0.flush_head();
        }
        self.0.report()
    }
}

/// What each row read goes through, as in [`crate::pipeline::validate_file`]: typing, then
/// the row rules, the balance chain and the date order, then the repeated-id rule.
struct Rows<'a> {
    findings: &'a mut Findings,
    ingester: &'a mut Ingester,
    checker: &'a mut RowChecker<'static>,
    validation: &'a mut ValidationReport,
    ids: &'a mut FirstSeen,
    kept: &'a mut usize,
}

impl Rows<'_> {
    fn row(&mut self, raw: crate::ingest::RawCells<'_>, row: usize, line: Option<usize>) {
        let Some(tx) = self.findings.typed(self.ingester, raw, row, line) else {
            return;
        };
        check_row(
            self.checker,
            &tx,
            row,
            (&self.findings.malformed, None),
            self.validation,
        );
        if let Some(first) = self.ids.first(&tx.id, row)
            && let Some(issue) = duplicate_id(&tx.id, row, first)
        {
            self.validation.push(issue);
        }
        *self.kept += 1;
    }
}

/// Checks that bytes fed in pieces are UTF-8, as [`std::str::from_utf8`] checks them whole:
/// holds the few bytes of a character split between pieces.
#[derive(Debug, Default)]
struct Utf8 {
    /// The start of a character whose other bytes are still to come.
    carry: Vec<u8>,
    /// Bytes checked before `carry`.
    offset: usize,
}

impl Utf8 {
    /// Checks the next bytes, handing the text they complete to `text`; `Err` has the offset
    /// of the first byte that is not UTF-8 ([`std::str::Utf8Error::valid_up_to`] of the whole).
    fn push(&mut self, mut bytes: &[u8], mut text: impl FnMut(&str)) -> Result<(), usize> {
        if let Some(&lead) = self.carry.first() {
            let width = match lead {
                0xE0..=0xEF => 3,
                0xF0..=0xFF => 4,
                _ => 2,
            };
            let take = (width - self.carry.len()).min(bytes.len());
            self.carry.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            match std::str::from_utf8(&self.carry) {
                Ok(s) => text(s),
                Err(e) if e.error_len().is_none() && bytes.is_empty() => return Ok(()),
                Err(_) => return Err(self.offset),
            }
            self.offset += self.carry.len();
            self.carry.clear();
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                text(s);
                self.offset += bytes.len();
                Ok(())
            }
            Err(e) => {
                let good = e.valid_up_to();
                text(std::str::from_utf8(&bytes[..good]).unwrap_or_default());
                if e.error_len().is_some() {
                    return Err(self.offset + good);
                }
                self.offset += good;
                self.carry.extend_from_slice(&bytes[good..]);
                Ok(())
            }
        }
    }

    /// The end of the bytes: a character left unfinished is not UTF-8.
    fn finish(&self) -> Result<(), usize> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(self.offset)
        }
    }
}
