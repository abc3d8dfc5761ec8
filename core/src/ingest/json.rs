//! Reading JSON files into raw rows: a push body `{"accountId": ..., "transactions": [...]}` or a
//! JSON array of transactions, whole ([`read_json`]) or one row at a time from any reader
//! ([`stream_json`]), through one reader so that both give the same rows and findings.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::RawTransaction;
use super::file::RawBatch;
use super::raw::RawElement;
use crate::validate::{Code, Field, Issue, ValidationReport};

/// Reads a push body (`{"accountId": ..., "transactions": [...]}`) or a JSON array of
/// transactions. Amounts are read from their digits; elements that are not objects are reported
/// by row; a syntax error is reported with its line and column.
///
/// ```
/// let batch = bankfeeds::ingest::read_json(r#"{"accountId": "acc", "transactions": [{"id": "t1"}, 7]}"#);
/// assert_eq!(batch.account_id.as_deref(), Some("acc"));
/// assert_eq!(batch.rows.len(), 2); // the 7 is reported on row 1, which stays a row
/// assert_eq!(batch.report.issues[0].row, Some(1));
/// ```
pub fn read_json(text: &str) -> RawBatch {
    let mut batch = RawBatch::default();
    let mut rows = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    match read_rows(&mut de, |row| {
        rows.push(row);
        true
    }) {
        Ok(Reading::Done(end)) => {
            end.file_findings(&mut batch.report);
            for (row, element) in rows.into_iter().enumerate() {
                batch
                    .rows
                    .push(element_row(element, row, &mut batch.report));
            }
            batch.account_id = end.account_id;
        }
        Ok(Reading::Stopped) => {}
        Err(_) => {
            // Read again as a stream is read, for the position the stream's reader gives: serde
            // places some errors one column apart reading text and reading bytes as they come
            // (the text's reader gives the column before the character it looked at, the
            // stream's the column after it), and a file must get one message however it is read.
            let mut bytes = text.as_bytes();
            let mut de = dyn_reader(&mut bytes);
            if let Err(e) = read_rows(&mut de, |_| true) {
                batch.report.push(unreadable(&e));
            }
        }
    }
    batch
}

/// What [`stream_json`] read: the rows handed out, and the account the push body names.
#[derive(Debug)]
pub(crate) struct JsonRead {
    /// Rows handed out (all of them, unless `each` stopped the reading).
    pub(crate) rows: usize,
    /// The push body's `accountId`.
    pub(crate) account_id: Option<String>,
}

/// A JSON file read one row at a time from `input`: [`read_json`] in pieces, holding one row.
/// Each row goes to `each` with its row number as it is read (an element that is not an object is
/// reported in `report` and handed out empty, as [`read_json`] keeps it); `each` returning false
/// stops the reading. The findings about the file itself (keys of a push body that are not its
/// own, a body without `transactions`) are put before those about rows once the file is read.
///
/// `Err` means the file cannot be read (a syntax error anywhere, a key given twice...): its one
/// finding, what [`read_json`] reports for it with no rows, is [`unreadable_in`] of the file read
/// again (the error met here is placed in the text the splitter made). The rows handed out before
/// the error was met then count for nothing.
pub(crate) fn stream_json<R: std::io::Read>(
    input: R,
    report: &mut ValidationReport,
    mut each: impl FnMut(RawTransaction, usize, &mut ValidationReport) -> bool,
) -> Result<JsonRead, serde_json::Error> {
    let mut row = 0;
    let first = report.issues.len();
    let parsed = super::json_split::Parsed::default();
    // serde takes its input a byte at a time: from a buffer.
    let split = super::json_split::Split::new(input, parsed.clone());
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(split));
    let read = read_rows(&mut de, |element| {
        // A `0` where the splitter took an element out: the element, parsed.
        let element = match element {
            RawElement::NotAnObject(kind) if kind == "a number" => parsed
                .borrow_mut()
                .pop_front()
                .unwrap_or(RawElement::NotAnObject(kind)),
            e => e,
        };
        let raw = element_row(element, row, report);
        row += 1;
        each(raw, row - 1, report)
    })?;
    match read {
        Reading::Done(end) => {
            let mut file = ValidationReport::new();
            end.file_findings(&mut file);
            report.insert_at(first, file);
            Ok(JsonRead {
                rows: row,
                account_id: end.account_id,
            })
        }
        Reading::Stopped => Ok(JsonRead {
            rows: row,
            account_id: None,
        }),
    }
}

/// A JSON file read from chunks pushed in, split anywhere (inside a string, an escape or a
/// character): [`stream_json`] turned around. Each chunk is cut by the splitter as
/// [`stream_json`]'s input is, and every row it completes goes to `each` at once, with its row
/// number (an element that is not an object is reported in `report`, as [`stream_json`] reports
/// it). Whether the file can be read at all is known at the end ([`JsonPush::finish`]): serde
/// then reads what the splitter kept, which is the text outside the rows list (a push body's
/// other keys) and, for the rows list, counts ([`super::json_split::Run`]), and gives the
/// findings about the file itself, or its one finding, placed where it is in the file, exactly
/// as [`read_json`] gives it.
pub(crate) struct JsonPush {
    splitter: super::json_split::Splitter,
    parsed: super::json_split::Parsed,
    rows: usize,
    /// Where in `report` this reading's findings start.
    first: Option<usize>,
}

impl JsonPush {
    pub(crate) fn new() -> Self {
        let parsed = super::json_split::Parsed::default();
        JsonPush {
            splitter: super::json_split::Splitter::compact(parsed.clone()),
            parsed,
            rows: 0,
            first: None,
        }
    }

    /// Reads the next bytes, handing each row they complete to `each`.
    pub(crate) fn push(
        &mut self,
        bytes: &[u8],
        report: &mut ValidationReport,
        mut each: impl FnMut(RawTransaction, usize, &mut ValidationReport),
    ) {
        self.first.get_or_insert(report.issues.len());
        self.splitter.feed(bytes);
        self.rows_parsed(report, &mut each);
    }

    /// The end of the file: the last rows to `each`, then the findings about the file itself,
    /// put before those about rows. Gives the one finding for a file that cannot be read
    /// ([`read_json`]'s), if it cannot: the rows handed out then count for nothing.
    pub(crate) fn finish(
        mut self,
        report: &mut ValidationReport,
        mut each: impl FnMut(RawTransaction, usize, &mut ValidationReport),
    ) -> Option<Issue> {
        let first = *self.first.get_or_insert(report.issues.len());
        self.splitter.end();
        self.rows_parsed(report, &mut each);
        let cut = self.splitter.cut_rows();
        let mut replay = std::io::BufReader::new(self.splitter.replay());
        let mut de = dyn_reader(&mut replay);
        let mut row = self.rows;
        let read = read_rows(&mut de, |element| {
            // Where the rows list was cut out, every element is a `0` now (or the file cannot
            // be read), its row handed out. A list the splitter does not know for the rows (its
            // key written with escapes) is read here.
            if !cut {
                let raw = element_row(element, row, report);
                each(raw, row, report);
                row += 1;
            }
            true
        });
        match read {
            Ok(Reading::Done(end)) => {
                let mut file = ValidationReport::new();
                end.file_findings(&mut file);
                report.issues.splice(first..first, file.issues);
                None
            }
            Ok(Reading::Stopped) => None,
            Err(e) => Some(unreadable(&e)),
        }
    }

    fn rows_parsed(
        &mut self,
        report: &mut ValidationReport,
        each: &mut impl FnMut(RawTransaction, usize, &mut ValidationReport),
    ) {
        loop {
            // Not borrowed while `each` runs.
            let Some(element) = self.parsed.borrow_mut().pop_front() else {
                return;
            };
            let raw = element_row(element, self.rows, report);
            each(raw, self.rows, report);
            self.rows += 1;
        }
    }
}

/// The finding for row `row` of a list of transactions that is not an object but a `kind`
/// (`a number`, `a list`, ...); whoever reads the list keeps an empty row in its place, so that
/// row numbers stay those of the input (the WASM binding's row reader says the same).
pub fn not_an_object(row: usize, kind: &str) -> Issue {
    Issue::new(
        Code::InvalidValue,
        format!("a transaction must be an object, not {kind}"),
    )
    .at_row(row)
    .on(Field::Transactions)
}

/// An element of the list as a row: one that is not an object is reported (row `row`) and kept
/// as an empty row, so row numbers stay aligned with the file and its missing fields are
/// reported too.
fn element_row(element: RawElement, row: usize, report: &mut ValidationReport) -> RawTransaction {
    match element {
        RawElement::Row(r) => *r,
        RawElement::NotAnObject(kind) => {
            report.push(not_an_object(row, &kind));
            RawTransaction::default()
        }
    }
}

/// How a reading ended.
enum Reading {
    /// The whole file was read.
    Done(End),
    /// The caller stopped it.
    Stopped,
}

/// The rows of a JSON file, each handed to `each` as it is read (false stops the reading);
/// `Err` is why the file cannot be read.
fn read_rows<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    mut each: impl FnMut(RawElement) -> bool,
) -> Result<Reading, serde_json::Error> {
    let mut stopped = false;
    let mut guarded = |element| {
        let go_on = each(element);
        stopped |= !go_on;
        go_on
    };
    let result = TopLevel { each: &mut guarded }
        .deserialize(&mut *de)
        .and_then(|end| de.end().map(|()| end));
    match result {
        Ok(end) => Ok(Reading::Done(end)),
        Err(_) if stopped => Ok(Reading::Stopped),
        Err(e) => Err(e),
    }
}

/// A reader of JSON from any reader, behind one type: the reader [`read_json`] reads again with
/// for an error's place, and [`JsonPush`] reads the splitter's text with, is one reader in the
/// WASM module (each reader serde is given is a copy of the whole parser there).
fn dyn_reader(
    input: &mut dyn std::io::Read,
) -> serde_json::Deserializer<serde_json::de::IoRead<&mut dyn std::io::Read>> {
    serde_json::Deserializer::from_reader(input)
}

/// The finding for a JSON file that cannot be read, read from `input` as [`read_json`] reads
/// it; `None` if it can be read after all.
pub(crate) fn unreadable_in<R: std::io::Read>(input: R) -> Option<Issue> {
    let mut de = serde_json::Deserializer::from_reader(input);
    read_rows(&mut de, |_| true).err().map(|e| unreadable(&e))
}

/// The finding for JSON that cannot be read.
fn unreadable(e: &serde_json::Error) -> Issue {
    // serde's message may quote a value; the line and column are kept whole.
    let message = e.to_string();
    let message = match crate::text::excerpt(&message) {
        std::borrow::Cow::Borrowed(m) => m.to_owned(),
        std::borrow::Cow::Owned(cut) => {
            format!("{cut} at line {} column {}", e.line(), e.column())
        }
    };
    Issue::new(
        Code::MalformedInput,
        format!("the JSON cannot be read: {message}"),
    )
}

/// What the file says besides its rows.
struct End {
    account_id: Option<String>,
    has_transactions: bool,
    /// Keys of a push body other than `accountId` and `transactions`, each once.
    unknown: Vec<String>,
}

impl End {
    /// The findings about the file itself, in the order [`read_json`] has always given them.
    fn file_findings(&self, report: &mut ValidationReport) {
        for key in &self.unknown {
            report.push(
                Issue::new(
                    Code::UnknownColumn,
                    format!(
                        "`{}` is not a key of a push body (`accountId`, `transactions`); it is ignored",
                        crate::text::excerpt(key)
                    ),
                )
                .found(key),
            );
        }
        if !self.has_transactions {
            report.push(Issue::new(
                Code::MalformedInput,
                "the JSON object has no `transactions` list: expected a push body {\"accountId\": ..., \"transactions\": [...]} or an array of transactions",
            ));
        }
    }
}

/// A key a push body may have once: a second `transactions` (or `accountId`) makes the file
/// unreadable, rather than one of the two being dropped without a word.
fn once<E: de::Error>(seen: &mut bool, key: &str) -> Result<(), E> {
    if std::mem::replace(seen, true) {
        return Err(E::custom(format!(
            "the push body has `{key}` twice; which one is meant cannot be told: keep one"
        )));
    }
    Ok(())
}

/// The `transactions` list, each element handed out as it is read: anything else is refused by
/// its kind, without quoting it (a string of 200 MB would otherwise be copied into the message).
struct Rows<'a> {
    each: &'a mut dyn FnMut(RawElement) -> bool,
}

/// What stops a reading when the caller asks (never reported: [`read_rows`] knows it).
const STOPPED: &str = "stopped";

impl<'de> DeserializeSeed<'de> for Rows<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of transactions")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(e) = seq.next_element::<RawElement>()? {
            if !(self.each)(e) {
                return Err(de::Error::custom(STOPPED));
            }
        }
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom("`transactions` must be a list, not text"))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(
            "`transactions` must be a list, not an object",
        ))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom("`transactions` must be a list, not a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(E::custom("`transactions` must be a list, not a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(E::custom("`transactions` must be a list, not a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom("`transactions` must be a list, not a number"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom("`transactions` must be a list, not null"))
    }
}

/// The top level: a push body or an array of transactions.
struct TopLevel<'a> {
    each: &'a mut dyn FnMut(RawElement) -> bool,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = End;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<End, D::Error> {
        d.deserialize_any(self)
            .map_err(|e: D::Error| de::Error::custom(e))
    }
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = End;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a push body object or an array of transactions")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<End, A::Error> {
        Rows { each: self.each }.deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(End {
            account_id: None,
            has_transactions: true,
            unknown: Vec::new(),
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<End, A::Error> {
        let mut end = End {
            account_id: None,
            has_transactions: false,
            unknown: Vec::new(),
        };
        let mut account_seen = false;
        let mut unknown_seen = rustc_hash::FxHashSet::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "accountId" => {
                    once(&mut account_seen, "accountId")?;
                    end.account_id = map.next_value::<Option<String>>()?;
                }
                "transactions" => {
                    once(&mut end.has_transactions, "transactions")?;
                    map.next_value_seed(Rows {
                        each: &mut *self.each,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    if unknown_seen.insert(key.clone()) {
                        end.unknown.push(key);
                    }
                }
            }
        }
        Ok(end)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<End, E> {
        Err(E::custom(
            "expected a push body object or an array of transactions, not text",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows, findings and the account, as the streaming reader gives them for `text`.
    fn streamed(text: &str) -> RawBatch {
        let mut batch = RawBatch::default();
        let mut rows = Vec::new();
        match stream_json(text.as_bytes(), &mut batch.report, |row, _, _| {
            rows.push(row);
            true
        }) {
            Ok(read) => {
                batch.rows = rows;
                batch.account_id = read.account_id;
            }
            Err(_) => {
                batch.report = ValidationReport::from(
                    unreadable_in(text.as_bytes())
                        .into_iter()
                        .collect::<Vec<_>>(),
                )
            }
        }
        batch
    }

    #[test]
    fn file_findings_come_first_whatever_the_order_of_keys() {
        let text = r#"{"transactions": [7, {"id": "a"}], "memo": 1, "accountId": "acc"}"#;
        let (whole, stream) = (read_json(text), streamed(text));
        assert_eq!(whole.report, stream.report);
        assert_eq!(stream.report.issues[0].code, Code::UnknownColumn);
        assert_eq!(stream.report.issues[1].row, Some(0));
        assert_eq!(stream.account_id.as_deref(), Some("acc"));
        assert_eq!(whole.rows.len(), stream.rows.len());
    }

    #[test]
    fn an_error_after_rows_leaves_no_rows() {
        for text in [
            r#"[{"id": "a"}, {"id": "b"}"#,
            r#"{"transactions": [{"id": "a"}], "transactions": []}"#,
            r#"[{"id": "a"}] x"#,
        ] {
            let (whole, stream) = (read_json(text), streamed(text));
            assert!(whole.rows.is_empty() && stream.rows.is_empty(), "{text}");
            assert_eq!(whole.report, stream.report, "{text}");
        }
    }

    #[test]
    fn a_stopped_reading_reports_nothing_of_the_file() {
        let mut report = ValidationReport::new();
        let read = stream_json(
            br#"{"memo": 1, "transactions": [{}, {}, {}]}"#.as_slice(),
            &mut report,
            |_, row, _| row < 1,
        )
        .unwrap();
        assert_eq!(read.rows, 2);
        assert!(report.is_empty());
    }
}
