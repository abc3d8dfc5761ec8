//! A row's values as [`super::Ingester`] types them: values handed over whole (a
//! [`RawTransaction`]) or text borrowed from the record it was read into (a CSV line), typed
//! without being copied. Only the text a transaction keeps (its id, description...) is copied,
//! once.

use super::raw::{RawField, RawTransaction, RawValue, RepeatedKey};

/// One field's value: a [`RawValue`], or a CSV cell's text (not empty) borrowed from its record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawCell<'a> {
    /// A value handed over whole.
    Value(RawValue),
    /// Text borrowed from where it was read.
    Text(&'a str),
}

/// A [`RawCell`] as the typing rules read it: text, owned or borrowed alike, or any other value.
pub(super) enum View<'v> {
    /// Text.
    Text(&'v str),
    /// Anything but text.
    Other(&'v RawValue),
}

impl RawCell<'_> {
    /// The value as the rules read it.
    pub(super) fn view(&self) -> View<'_> {
        match self {
            RawCell::Text(t) => View::Text(t),
            RawCell::Value(RawValue::Text(t)) => View::Text(t),
            RawCell::Value(v) => View::Other(v),
        }
    }

    /// Whether the value is absent or null.
    pub(super) fn is_absent(&self) -> bool {
        matches!(self, RawCell::Value(v) if v.is_absent())
    }

    /// Whether the value is absent, null, or text of nothing but whitespace.
    pub(super) fn is_blank(&self) -> bool {
        match self.view() {
            View::Text(t) => super::blank(t),
            View::Other(v) => v.is_absent(),
        }
    }

    /// A short description of the value's kind for messages, as [`RawValue::kind`] gives it.
    pub(super) fn kind(&self) -> String {
        match self {
            RawCell::Text(_) => "text".into(),
            RawCell::Value(v) => v.kind(),
        }
    }

    /// The text, owned: moved when it was handed over, copied when it was borrowed.
    pub(super) fn into_text(self) -> Result<String, RawValue> {
        match self {
            RawCell::Text(t) => Ok(t.to_owned()),
            RawCell::Value(RawValue::Text(t)) => Ok(t),
            RawCell::Value(other) => Err(other),
        }
    }

    /// The value a [`RawTransaction`] holds for this cell of `field`: borrowed text as
    /// [`RawTransaction::set_text`] keeps it (amounts, balances and dates read at once).
    pub(super) fn into_value(self, field: RawField) -> RawValue {
        match self {
            RawCell::Value(v) => v,
            RawCell::Text(t) => RawValue::from_text(field, t),
        }
    }
}

/// What a boolean clearing column says, as a status: `cleared` (or, when `pending_when`,
/// `pending`) that is true or false, as text.
pub(crate) enum FlagStatus {
    /// A yes or a no: the status it means, `"cleared"` or `"pending"`.
    Status(&'static str),
    /// Nothing but whitespace: no status.
    Empty,
    /// Anything else, kept as it was written for the status rule to report.
    Other,
}

/// The status a boolean clearing column's yes (`yes`) or no means: a `pending` column's yes,
/// or a `cleared` column's no, is `"pending"`.
pub(crate) fn flag_meaning(pending_when: bool, yes: bool) -> &'static str {
    if yes == pending_when {
        "pending"
    } else {
        "cleared"
    }
}

/// Reads a boolean clearing column's text: `true`, `yes`, `y` or `1` (any case, trimmed) mean
/// the column's own meaning; `false`, `no`, `n` or `0` the other.
pub(crate) fn flag_status(pending_when: bool, text: &str) -> FlagStatus {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => FlagStatus::Status(flag_meaning(pending_when, true)),
        "false" | "no" | "n" | "0" => FlagStatus::Status(flag_meaning(pending_when, false)),
        "" => FlagStatus::Empty,
        _ => FlagStatus::Other,
    }
}

/// A boolean clearing column's cell as the status it means (see [`flag_status`]); a cell that
/// is no yes or no is kept for the status rule to report. Out of line: these columns are rare,
/// and [`RawCells::put`] is inlined into every caller.
#[inline(never)]
fn flag_cell(pending_when: bool, cell: RawCell<'_>) -> RawCell<'_> {
    let status = |yes: bool| RawCell::Text(flag_meaning(pending_when, yes));
    let flag = |text: &str| flag_status(pending_when, text);
    match cell {
        RawCell::Value(RawValue::Bool(b)) => status(b),
        RawCell::Value(RawValue::Int(1)) => status(true),
        RawCell::Value(RawValue::Int(0)) => status(false),
        RawCell::Text(t) => match flag(t) {
            FlagStatus::Status(s) => RawCell::Text(s),
            FlagStatus::Empty => RawCell::Value(RawValue::Null),
            FlagStatus::Other => RawCell::Text(t),
        },
        RawCell::Value(RawValue::Text(t)) => match flag(&t) {
            FlagStatus::Status(s) => RawCell::Text(s),
            FlagStatus::Empty => RawCell::Value(RawValue::Null),
            FlagStatus::Other => RawCell::Value(RawValue::Text(t)),
        },
        other => other,
    }
}

/// A row's values by field, as the core types them: each a [`RawValue`] handed over whole or text
/// borrowed from where it was read (a CSV line, an Arrow column), so that only the text a
/// transaction keeps (its id, description...) is ever copied, once. Filled with
/// [`RawCells::set_text`] and [`RawCells::set_value`], exactly as [`RawTransaction::set_field`]
/// fills a [`RawTransaction`], and typed by [`super::RowIngester::push`].
///
/// ```
/// use bankfeeds::ingest::{IngestOptions, RawCells, RawField, RawValue, RowIngester};
/// let line = String::from("t1|Coffee|-3.20");
/// let cells: Vec<&str> = line.split('|').collect();
/// let mut row = RawCells::default();
/// row.set_text(RawField::Id, cells[0]);
/// row.set_text(RawField::Description, cells[1]);
/// row.set_text(RawField::Amount, cells[2]);
/// row.set_value(RawField::Date, RawValue::Date(chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()));
/// let mut ingester = RowIngester::new(&IngestOptions::default());
/// ingester.push(row);
/// let ingested = ingester.finish();
/// assert_eq!(ingested.transactions[0].description.as_deref(), Some("Coffee"));
/// assert!(ingested.report.is_valid());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RawCells<'a> {
    pub(crate) id: RawCell<'a>,
    pub(crate) date: RawCell<'a>,
    pub(crate) description: RawCell<'a>,
    pub(crate) counterparty: RawCell<'a>,
    pub(crate) reference: RawCell<'a>,
    pub(crate) reconciled: RawCell<'a>,
    pub(crate) amount: RawCell<'a>,
    pub(crate) balance: RawCell<'a>,
    pub(crate) transaction_type: RawCell<'a>,
    pub(crate) status: RawCell<'a>,
    pub(crate) account_id: RawCell<'a>,
    pub(crate) unknown: Vec<String>,
    pub(crate) repeated: Vec<RepeatedKey>,
}

impl Default for RawCells<'_> {
    fn default() -> Self {
        let missing = || RawCell::Value(RawValue::Missing);
        RawCells {
            id: missing(),
            date: missing(),
            description: missing(),
            counterparty: missing(),
            reference: missing(),
            reconciled: missing(),
            amount: missing(),
            balance: missing(),
            transaction_type: missing(),
            status: missing(),
            account_id: missing(),
            unknown: Vec::new(),
            repeated: Vec::new(),
        }
    }
}

impl<'a> RawCells<'a> {
    /// Sets `field` to text, borrowed: what [`RawTransaction::set_field`] does with
    /// `RawValue::Text(text.to_owned())`, without the copy. An empty text stays text (a CSV
    /// reader's empty cell is a null: it sets [`RawValue::Null`] itself).
    #[inline]
    pub fn set_text(&mut self, field: RawField, text: &'a str) {
        self.put(field, RawCell::Text(text));
    }

    /// Sets `field` to a value handed over whole, as [`RawTransaction::set_field`] does.
    #[inline]
    pub fn set_value(&mut self, field: RawField, value: RawValue) {
        self.put(field, RawCell::Value(value));
    }

    /// Notes a key that names no field (reported once, on the first row that has it).
    pub fn push_unknown(&mut self, key: String) {
        self.unknown.push(key);
    }

    /// [`RawTransaction::set_field`] for a cell: a field set twice is recorded in `repeated`,
    /// and a boolean clearing column becomes a status.
    ///
    /// Inlined into each caller, so that the cell is built where it is kept: passed by value to
    /// a function of its own, the cell (an enum of 40 bytes) was stored and loaded again in
    /// pieces of different sizes, which the processor cannot forward (about a tenth of typing
    /// a row from Arrow columns went there).
    #[inline(always)]
    fn put(&mut self, field: RawField, cell: RawCell<'a>) {
        let cell = match field {
            RawField::Cleared | RawField::Pending => flag_cell(field == RawField::Pending, cell),
            _ => cell,
        };
        let slot = self.slot_mut(field);
        let repeated = !matches!(slot, RawCell::Value(RawValue::Missing));
        *slot = cell;
        if repeated {
            self.repeated.push(RepeatedKey {
                field: field.slot(),
                key: None,
            });
        }
    }

    /// Sets a field from a CSV cell, as [`RawTransaction::set_text`] does (`set_field` for an
    /// empty cell: a null), without copying its text. The header names each field once (a
    /// second column for one is refused), so no field is set twice.
    #[inline]
    pub(crate) fn set_cell(&mut self, field: RawField, cell: &'a str) {
        let value = if cell.is_empty() {
            RawCell::Value(RawValue::Null)
        } else {
            match field {
                // A boolean column becomes a status, as `set_field` makes it.
                RawField::Cleared | RawField::Pending => {
                    flag_cell(field == RawField::Pending, RawCell::Text(cell))
                }
                _ => RawCell::Text(cell),
            }
        };
        *self.slot_mut(field) = value;
    }

    #[inline]
    fn slot_mut(&mut self, field: RawField) -> &mut RawCell<'a> {
        match field.slot() {
            RawField::Id => &mut self.id,
            RawField::Date => &mut self.date,
            RawField::Description => &mut self.description,
            RawField::Counterparty => &mut self.counterparty,
            RawField::Reference => &mut self.reference,
            RawField::Reconciled => &mut self.reconciled,
            RawField::Amount => &mut self.amount,
            RawField::Balance => &mut self.balance,
            RawField::TransactionType => &mut self.transaction_type,
            RawField::AccountId => &mut self.account_id,
            RawField::Status | RawField::Cleared | RawField::Pending => &mut self.status,
        }
    }

    /// The row as a [`RawTransaction`], its text copied: borrowed text as
    /// [`RawTransaction::set_text`] keeps it (amounts, balances and dates read at once), which
    /// types as the text would.
    pub fn into_raw(self) -> RawTransaction {
        RawTransaction {
            id: self.id.into_value(RawField::Id),
            date: self.date.into_value(RawField::Date),
            description: self.description.into_value(RawField::Description),
            counterparty: self.counterparty.into_value(RawField::Counterparty),
            reference: self.reference.into_value(RawField::Reference),
            reconciled: self.reconciled.into_value(RawField::Reconciled),
            amount: self.amount.into_value(RawField::Amount),
            balance: self.balance.into_value(RawField::Balance),
            transaction_type: self.transaction_type.into_value(RawField::TransactionType),
            status: self.status.into_value(RawField::Status),
            account_id: self.account_id.into_value(RawField::AccountId),
            unknown: self.unknown,
            repeated: self.repeated,
        }
    }
}

impl From<RawTransaction> for RawCells<'static> {
    fn from(raw: RawTransaction) -> Self {
        RawCells {
            id: RawCell::Value(raw.id),
            date: RawCell::Value(raw.date),
            description: RawCell::Value(raw.description),
            counterparty: RawCell::Value(raw.counterparty),
            reference: RawCell::Value(raw.reference),
            reconciled: RawCell::Value(raw.reconciled),
            amount: RawCell::Value(raw.amount),
            balance: RawCell::Value(raw.balance),
            transaction_type: RawCell::Value(raw.transaction_type),
            status: RawCell::Value(raw.status),
            account_id: RawCell::Value(raw.account_id),
            unknown: raw.unknown,
            repeated: raw.repeated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::file::CsvRows;
    use crate::ingest::{IngestOptions, Ingested, Ingester, ingest};
    use crate::validate::ValidationReport;

    /// Every field, and every kind of cell the rules tell apart: good, bad, blank, and the
    /// boolean clearing columns' yes, no, blank and neither.
    const CSV: &str = "id,date,description,counterparty,reference,reconciled,amount,balance,type,status,accountId,memo\n\
        t1,2024-05-01,Coffee,Cafe,r1,yes,-3.20,96.80,Debit,posted,acc-1,x\n\
        t2,2024-02-30, ,,,maybe,12;30, ,Sideways,pending,acc-2,\n\
        ,  ,x,,,0,  ,1e40,,on hold,,\n\
        t4,2024-05-02T10:00:00+02:00,,,,,1.5e2,,credit,weird,acc-1\n\
        \"t5\n(two lines)\",2024-05-03,\"a, b\",,,,7,,,,\n";

    /// A boolean clearing column (`cleared` or `pending`) with every kind of value.
    fn flags_csv(column: &str) -> String {
        let mut text = format!("id,date,amount,{column}\n");
        for (i, value) in ["yes", " No ", "TRUE", "0", "", " ", "maybe", "n"]
            .into_iter()
            .enumerate()
        {
            text.push_str(&format!("t{i},2024-05-01,1,{value}\n"));
        }
        text
    }

    /// The rows' cells as `set_text` read them before rows borrowed their cells.
    fn by_set_text(text: &str) -> Vec<RawTransaction> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::Headers)
            .from_reader(text.as_bytes());
        let columns: Vec<Option<RawField>> = reader
            .headers()
            .unwrap()
            .iter()
            .map(RawField::for_key)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.unwrap();
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
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
            rows.push(raw);
        }
        rows
    }

    /// Typed from borrowed cells, as a file streams.
    fn borrowed(text: &str) -> Ingested {
        let mut out = Ingested::default();
        let mut file = ValidationReport::new();
        let mut rows = CsvRows::new(text.as_bytes(), &mut file);
        let mut ingester = Ingester::new(&IngestOptions::default());
        while let Some((cells, _)) = rows.next_row(&mut file) {
            let row = out.rows_read;
            if let Some(tx) = ingester.row(cells, row, &mut out.report, &mut out.malformed) {
                out.transactions.push(tx);
                out.source_rows.push(row);
            }
            out.rows_read += 1;
        }
        out.account_id = ingester.finish(&mut out.report);
        out.report.sort();
        out
    }

    #[test]
    fn borrowed_cells_type_as_owned_values_do() {
        for text in [CSV.to_owned(), flags_csv("cleared"), flags_csv("Pending")] {
            let rows = crate::ingest::read_csv(&text).rows;
            assert_eq!(rows, by_set_text(&text), "{text}");
            let owned = ingest(rows, &IngestOptions::default());
            let borrowed = borrowed(&text);
            assert_eq!(borrowed.transactions, owned.transactions, "{text}");
            assert_eq!(borrowed.source_rows, owned.source_rows);
            assert_eq!(borrowed.report, owned.report, "{text}");
            assert_eq!(borrowed.malformed, owned.malformed);
            assert_eq!(borrowed.account_id, owned.account_id);
            assert_eq!(borrowed.rows_read, owned.rows_read);
            assert!(!owned.report.is_empty());
        }
    }

    #[test]
    fn flags_read_as_set_field_reads_them() {
        for pending_when in [false, true] {
            for text in ["yes", " No ", "1", "0", "", "  ", "maybe", "TRUE", "n"] {
                let field = if pending_when {
                    RawField::Pending
                } else {
                    RawField::Cleared
                };
                let mut raw = RawTransaction::default();
                raw.set_field(field, RawValue::Text(text.into()));
                let mut cells = RawCells::default();
                cells.set_cell(field, text);
                assert_eq!(cells.into_raw().status, raw.status, "{text:?}");
            }
        }
    }

    /// Every kind of value in every field, twice over in some: rows filled with `set_text` and
    /// `set_value` type exactly as the same values set with `RawTransaction::set_field` do,
    /// findings, repeated fields and clearing flags included.
    #[test]
    fn set_text_and_set_value_type_as_set_field_does() {
        use chrono::NaiveDate;
        use rust_decimal::Decimal;
        let date = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let values = [
            RawValue::Text("t1".into()),
            RawValue::Text(String::new()),
            RawValue::Text(" yes ".into()),
            RawValue::Text("no".into()),
            RawValue::Text("-3.20".into()),
            RawValue::Text("2024-05-02".into()),
            RawValue::Text("Debit".into()),
            RawValue::Null,
            RawValue::Missing,
            RawValue::Bool(true),
            RawValue::Int(0),
            RawValue::Int(1),
            RawValue::Int(7),
            RawValue::Decimal(Decimal::new(-320, 2)),
            RawValue::Date(date),
            RawValue::DateTime(date.and_hms_opt(9, 30, 0).unwrap()),
            RawValue::Other("a list".into()),
        ];
        // A complete row, so that each case's finding is about the field it sets.
        let base = |raw: &mut RawTransaction, cells: &mut RawCells<'_>, skip: RawField| {
            for (field, value) in [
                (RawField::Id, RawValue::Text("base".into())),
                (RawField::Date, RawValue::Date(date)),
                (RawField::Amount, RawValue::Decimal(Decimal::ONE)),
            ] {
                if field != skip {
                    raw.set_field(field, value.clone());
                    cells.set_value(field, value);
                }
            }
        };
        let mut owned = Vec::new();
        let mut plan = Vec::new();
        for field in RawField::ALL {
            for value in &values {
                for twice in [false, true] {
                    let mut raw = RawTransaction::default();
                    let mut cells = RawCells::default();
                    base(&mut raw, &mut cells, field);
                    raw.set_field(field, value.clone());
                    if twice {
                        raw.set_field(field, value.clone());
                    }
                    owned.push(raw);
                    plan.push((field, value.clone(), twice));
                }
            }
        }
        let mut ingester = crate::ingest::RowIngester::new(&IngestOptions::default());
        for (field, value, twice) in &plan {
            let mut cells = RawCells::default();
            let mut unused = RawTransaction::default();
            base(&mut unused, &mut cells, *field);
            for _ in 0..if *twice { 2 } else { 1 } {
                match value {
                    RawValue::Text(t) => cells.set_text(*field, t),
                    other => cells.set_value(*field, other.clone()),
                }
            }
            ingester.push(cells);
        }
        let borrowed = ingester.finish();
        let owned = ingest(owned, &IngestOptions::default());
        assert_eq!(borrowed.transactions, owned.transactions);
        assert_eq!(borrowed.source_rows, owned.source_rows);
        assert_eq!(borrowed.report, owned.report);
        assert_eq!(borrowed.malformed, owned.malformed);
        assert_eq!(borrowed.rows_read, plan.len());
        assert!(
            owned
                .report
                .with_code(crate::validate::Code::MalformedInput)
                .count()
                > 0
        );
        assert!(
            owned
                .report
                .with_code(crate::validate::Code::InvalidDate)
                .count()
                > 0
        );
    }
}
