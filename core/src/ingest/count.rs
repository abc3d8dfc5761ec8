//! How many rows a file holds, found without building them: a reader with little memory (the
//! WebAssembly module has 4 GiB, and one allocation at most 2) refuses a file with more rows than
//! it can hold before [`read_file`](super::read_file) builds a single one.

use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::file::InputFormat;

/// Whether [`read_file`](super::read_file) would give more than `max_rows` rows for these
/// bytes. Decided without building a row: by a bound first (the line breaks of a CSV file, the
/// commas of a JSON one), and only when the bound is over `max_rows` by counting what the reader
/// keeps (a CSV file's records after the header that are not blank, a JSON file's elements of its
/// array or of its `transactions`), stopping as soon as the count is over. Bytes the reader cannot
/// read at all (not UTF-8) give no rows.
///
/// ```
/// use bankfeeds::ingest::{InputFormat, rows_exceed};
/// let csv = b"id,date,amount\nt1,2024-05-01,1\n\nt2,2024-05-02,2\n";
/// assert!(!rows_exceed(csv, InputFormat::Auto, 2));
/// assert!(rows_exceed(csv, InputFormat::Auto, 1));
/// assert!(rows_exceed(br#"{"transactions": [{}, 7, {}]}"#, InputFormat::Auto, 2));
/// ```
pub fn rows_exceed(bytes: &[u8], format: InputFormat, max_rows: usize) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    match format.resolve(text) {
        InputFormat::Json => {
            // Every element after an array's first follows a comma.
            count(text.as_bytes(), b',') >= max_rows && json_elements(text, max_rows) > max_rows
        }
        _ => {
            // Every record but the last ends with a line break (`\n`, `\r\n` or `\r`), and the
            // header is a record.
            count(text.as_bytes(), b'\n') + count(text.as_bytes(), b'\r') > max_rows
                && csv_records(text, max_rows) > max_rows
        }
    }
}

fn count(bytes: &[u8], byte: u8) -> usize {
    bytes.iter().filter(|&&b| b == byte).count()
}

/// The records after the header that are not blank (as `read_csv` keeps them), counting no
/// further than `max_rows + 1`.
fn csv_records(text: &str, max_rows: usize) -> usize {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    if reader.headers().is_err() {
        return 0;
    }
    let mut record = csv::StringRecord::new();
    let mut rows = 0;
    while rows <= max_rows {
        match reader.read_record(&mut record) {
            Ok(true) if record.iter().all(|c| c.trim().is_empty()) => {}
            Ok(true) => rows += 1,
            Ok(false) | Err(_) => break,
        }
    }
    rows
}

/// The elements of a JSON file's array, or of its `transactions` lists (all of them), counting
/// no further than `max_rows + 1`. A file that is not JSON counts what was met before the error
/// (the reader gives it no rows, but only after reading that far).
fn json_elements(text: &str, max_rows: usize) -> usize {
    let mut counter = Counter {
        max_rows,
        elements: 0,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = (&mut de).deserialize_any(TopLevel(&mut counter));
    counter.elements
}

struct Counter {
    max_rows: usize,
    elements: usize,
}

impl Counter {
    fn over(&self) -> bool {
        self.elements > self.max_rows
    }
}

/// The top level: an array of rows, or an object whose `transactions` are rows.
struct TopLevel<'a>(&'a mut Counter);

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a push body object or an array of transactions")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Rows(self.0).visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "transactions" {
                map.next_value_seed(Rows(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            if self.0.over() {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// A list of rows: each element counts, whatever it is.
struct Rows<'a>(&'a mut Counter);

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
        while seq.next_element::<IgnoredAny>()?.is_some() {
            self.0.elements += 1;
            if self.0.over() {
                return Ok(());
            }
        }
        Ok(())
    }
    // Anything else holds no rows.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::read_file;

    /// `rows_exceed` agrees with what `read_file` reads, on either side of the count.
    fn agrees(text: &str) {
        let rows = read_file(text.as_bytes(), InputFormat::Auto).rows.len();
        for max in [0, rows.saturating_sub(1), rows, rows + 1] {
            assert_eq!(
                rows_exceed(text.as_bytes(), InputFormat::Auto, max),
                rows > max,
                "{text:?} has {rows} rows; max {max}"
            );
        }
    }

    #[test]
    fn csv_counts_what_the_reader_keeps() {
        agrees("id,date,amount\nt1,2024-05-01,1\nt2,2024-05-02,2\n");
        agrees("id,date,amount\r\nt1,2024-05-01,1\r\n\r\n , , \r\nt2,2024-05-02,2");
        agrees("\u{feff}id,date,amount\n\"t1\n(two lines)\",2024-05-01,1\nx\ny\n");
        agrees("id,date,amount\n");
        agrees("");
        agrees("id,date,amount\rt1,2024-05-01,1\rt2,2024-05-02,2\r");
    }

    #[test]
    fn json_counts_elements_of_the_array_or_the_transactions() {
        agrees(r#"[{"id":"a"},7,"x",null,[1,2],{"id":"b","amount":1.5}]"#);
        agrees(r#"{"accountId":"acc","transactions":[{"id":"a","description":"a, b, c"},{}]}"#);
        agrees(r#"{"accountId":"acc","other":[1,2,3,4,5],"transactions":[{}]}"#);
        agrees(r#"{"transactions":7}"#);
        agrees("[]");
    }

    #[test]
    fn a_bound_within_the_limit_needs_no_count() {
        // Three line breaks cannot hold more than three rows, whatever the file says.
        assert!(!rows_exceed(b"id\na\nb\n", InputFormat::Csv, 3));
        assert!(!rows_exceed(b"[1,2,3]", InputFormat::Json, 3));
        assert!(rows_exceed(b"[1,2,3]", InputFormat::Json, 2));
    }

    #[test]
    fn broken_json_counts_what_came_before_the_error() {
        let text = format!("[{}", "{},".repeat(10));
        assert!(rows_exceed(text.as_bytes(), InputFormat::Json, 9));
        assert!(!rows_exceed(b"\xff\xfe", InputFormat::Auto, 0));
    }

    #[test]
    fn counting_stops_past_the_limit() {
        let text = format!("[{}0]", "0,".repeat(100_000));
        let mut counter = Counter {
            max_rows: 10,
            elements: 0,
        };
        let mut de = serde_json::Deserializer::from_str(&text);
        let _ = (&mut de).deserialize_any(TopLevel(&mut counter));
        assert_eq!(counter.elements, 11);
    }
}
