//! Reading CSV and JSON files into raw rows.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::raw::{RawElement, RawField};
use super::{RawTransaction, RawValue};
use crate::validate::{Code, Field, Issue, ValidationReport};

/// The rows of one file, before typing.
#[derive(Debug, Clone, Default)]
pub struct RawBatch {
    /// The push body's `accountId`, when the file is a push body.
    pub account_id: Option<String>,
    /// The rows, in file order.
    pub rows: Vec<RawTransaction>,
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
    pub(super) fn resolve(self, text: &str) -> InputFormat {
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
            batch.report.push(Issue::new(
                Code::MalformedInput,
                format!(
                    "the file is not UTF-8 text (invalid byte at offset {})",
                    e.valid_up_to()
                ),
            ));
            return batch;
        }
    };
    match format.resolve(text) {
        InputFormat::Json => read_json(text),
        _ => read_csv(text),
    }
}

/// Reads CSV with a header line. Required columns: `id`, `date`, `amount`; optional:
/// `description`, `balance`, `transactionType`, `counterparty`, `reference`, `reconciled`,
/// `status` (or `cleared` / `pending`), `accountId`. Column names are matched loosely
/// (`transaction_type`, `Transaction Type`). Empty cells are nulls. Row 0 is the line after the
/// header.
///
/// ```
/// let batch = bankfeeds::ingest::read_csv("id,date,amount\nt1,2024-01-02,-12.30\n");
/// assert_eq!(batch.rows.len(), 1);
/// assert!(batch.report.is_empty());
/// ```
pub fn read_csv(text: &str) -> RawBatch {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut batch = RawBatch::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            batch.report.push(Issue::new(
                Code::MalformedInput,
                format!("the CSV header cannot be read: {e}"),
            ));
            return batch;
        }
    };
    let columns: Vec<Option<RawField>> = headers.iter().map(RawField::for_key).collect();
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
        let found: Vec<&str> = headers.iter().collect();
        batch.report.push(Issue::new(
            Code::MalformedInput,
            format!(
                "the CSV header lacks the required column(s) {}; found: {}",
                missing.join(", "),
                if found.is_empty() {
                    "nothing".to_owned()
                } else {
                    found.join(", ")
                }
            ),
        ));
        return batch;
    }
    for (i, col) in columns.iter().enumerate() {
        if col.is_none() {
            let name = headers.get(i).unwrap_or("").to_owned();
            batch.report.push(
                Issue::new(
                    Code::UnknownColumn,
                    format!("column `{name}` is not a transaction field; its values are not sent to Codat"),
                )
                .found(&name),
            );
        }
    }
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    // A blank line carries nothing; it is not a row.
                    continue;
                }
                if record.len() > columns.len() {
                    batch.report.push(
                        Issue::new(
                            Code::MalformedInput,
                            format!(
                                "the line has {} cells but the header has {}",
                                record.len(),
                                columns.len()
                            ),
                        )
                        .at_row(row),
                    );
                }
                let mut raw = RawTransaction::default();
                for (cell, col) in record.iter().zip(&columns) {
                    if let Some(field) = col {
                        if cell.is_empty() {
                            raw.set_field(*field, RawValue::Null);
                        } else {
                            raw.set_text(*field, cell);
                        }
                    }
                }
                batch.rows.push(raw);
                row += 1;
            }
            Err(e) => {
                batch.report.push(
                    Issue::new(Code::MalformedInput, format!("the CSV cannot be read: {e}"))
                        .at_row(row),
                );
                break;
            }
        }
    }
    batch
}

/// Reads a push body (`{"accountId": ..., "transactions": [...]}`) or a JSON array of
/// transactions. Amounts are read from their digits; elements that are not objects are reported
/// by row; a syntax error is reported with its line and column.
pub fn read_json(text: &str) -> RawBatch {
    let mut de = serde_json::Deserializer::from_str(text);
    let result = TopLevel::deserialize(&mut de).and_then(|top| de.end().map(|()| top));
    match result {
        Ok(top) => {
            let mut batch = RawBatch {
                account_id: top.account_id,
                ..RawBatch::default()
            };
            if !top.has_transactions {
                batch.report.push(Issue::new(
                    Code::MalformedInput,
                    "the JSON object has no `transactions` list: expected a push body {\"accountId\": ..., \"transactions\": [...]} or an array of transactions",
                ));
            }
            for (row, element) in top.rows.into_iter().enumerate() {
                match element {
                    RawElement::Row(r) => batch.rows.push(*r),
                    RawElement::NotAnObject(kind) => {
                        batch.report.push(
                            Issue::new(
                                Code::InvalidValue,
                                format!("a transaction must be an object, not {kind}"),
                            )
                            .at_row(row)
                            .on(Field::Transactions),
                        );
                        // Keep row numbers aligned with the file: an empty row reports its
                        // missing fields too.
                        batch.rows.push(RawTransaction::default());
                    }
                }
            }
            batch
        }
        Err(e) => {
            let mut batch = RawBatch::default();
            batch.report.push(Issue::new(
                Code::MalformedInput,
                format!("the JSON cannot be read: {e}"),
            ));
            batch
        }
    }
}

struct TopLevel {
    account_id: Option<String>,
    rows: Vec<RawElement>,
    has_transactions: bool,
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TopLevel;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a push body object or an array of transactions")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
                let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(e) = seq.next_element::<RawElement>()? {
                    rows.push(e);
                }
                Ok(TopLevel {
                    account_id: None,
                    rows,
                    has_transactions: true,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
                let mut top = TopLevel {
                    account_id: None,
                    rows: Vec::new(),
                    has_transactions: false,
                };
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "accountId" => {
                            top.account_id = map.next_value::<Option<String>>()?;
                        }
                        "transactions" => {
                            top.rows = map.next_value::<Vec<RawElement>>()?;
                            top.has_transactions = true;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(top)
            }
        }
        d.deserialize_any(V)
            .map_err(|e: D::Error| de::Error::custom(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
