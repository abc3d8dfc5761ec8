//! Results as Arrow record batches, handed to pyarrow through the Arrow PyCapsule interface
//! (`__arrow_c_stream__`), so a million transactions leave Rust without a Python object per row.

use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    ArrayRef, BooleanArray, Decimal128Array, Int64Array, RecordBatch, RecordBatchIterator,
    StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use bankfeeds::model::BankTransaction;
use bankfeeds::validate::ValidationReport;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use rust_decimal::Decimal;

/// A record batch that exports itself as an Arrow C stream; `pyarrow.table(obj)`,
/// `polars.DataFrame(obj)` and other PyCapsule consumers read it.
#[pyclass(module = "bankfeeds", name = "ArrowStream", frozen)]
pub struct ArrowStream {
    batch: RecordBatch,
}

#[pymethods]
impl ArrowStream {
    /// The Arrow PyCapsule stream protocol. A requested schema is ignored (the protocol allows
    /// it): the consumer casts if it wants other types.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let schema = self.batch.schema();
        let reader = RecordBatchIterator::new(vec![Ok(self.batch.clone())], schema);
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }
    /// Number of rows.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }
}

/// A `pyarrow.Table` of one batch.
pub fn to_pyarrow(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyAny>> {
    let stream = Py::new(py, ArrowStream { batch })?;
    let pa = py.import("pyarrow").map_err(|e| {
        pyo3::exceptions::PyImportError::new_err(format!(
            "to_arrow() needs pyarrow (pip install pyarrow): {e}"
        ))
    })?;
    pa.getattr("table")?.call1((stream,))
}

fn text<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(values.collect::<StringArray>())
}

/// Findings as columns `code, severity, row, id, field, message, expected, found`.
pub fn report_batch(report: &ValidationReport) -> Result<RecordBatch, String> {
    let issues = &report.issues;
    let schema = Arc::new(Schema::new(vec![
        Field::new("code", DataType::Utf8, false),
        Field::new("severity", DataType::Utf8, false),
        Field::new("row", DataType::Int64, true),
        Field::new("id", DataType::Utf8, true),
        Field::new("field", DataType::Utf8, true),
        Field::new("message", DataType::Utf8, false),
        Field::new("expected", DataType::Utf8, true),
        Field::new("found", DataType::Utf8, true),
    ]));
    let rows: Int64Array = issues.iter().map(|i| i.row.map(|r| r as i64)).collect();
    let columns: Vec<ArrayRef> = vec![
        text(issues.iter().map(|i| Some(i.code.as_str()))),
        text(issues.iter().map(|i| Some(i.severity.as_str()))),
        Arc::new(rows),
        text(issues.iter().map(|i| i.id.as_deref())),
        text(issues.iter().map(|i| i.field.map(|f| f.as_str()))),
        text(issues.iter().map(|i| Some(i.message.as_str()))),
        text(issues.iter().map(|i| i.expected.as_deref())),
        text(issues.iter().map(|i| i.found.as_deref())),
    ];
    RecordBatch::try_new(schema, columns).map_err(|e| e.to_string())
}

/// The widest precision Arrow's decimal128 has.
const PRECISION: u8 = 38;

/// One decimal128 column at the largest scale among its values, so every value keeps its digits
/// (`1.5` next to `4002.00` becomes `1.50`).
fn decimals(
    name: &str,
    values: &[Option<Decimal>],
    txs: &[BankTransaction],
) -> Result<(ArrayRef, i8), String> {
    let scale = values
        .iter()
        .flatten()
        .map(|d| d.scale())
        .max()
        .unwrap_or(2);
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        out.push(match v {
            None => None,
            Some(d) => {
                let up = 10i128.checked_pow(scale - d.scale());
                let m = up.and_then(|u| d.mantissa().checked_mul(u));
                match m.filter(|m| m.unsigned_abs() < 10u128.pow(u32::from(PRECISION))) {
                    Some(m) => Some(m),
                    None => {
                        return Err(format!(
                            "row {i} (id {}): {name} {d} does not fit one decimal128({PRECISION}, {scale}) column with the other rows' {name}s; use to_dicts()",
                            txs[i].id
                        ));
                    }
                }
            }
        });
    }
    let array = Decimal128Array::from(out)
        .with_precision_and_scale(PRECISION, scale as i8)
        .map_err(|e| e.to_string())?;
    Ok((Arc::new(array), scale as i8))
}

/// Transactions as columns `id, date, description, counterparty, reference, reconciled, amount,
/// balance, transaction_type` (and `source_row` when asked). `date` is a naive
/// `timestamp[us]` (the local wall-clock time); amounts are `decimal128(38, s)`.
pub fn transactions_batch(
    txs: &[BankTransaction],
    source_rows: Option<&[usize]>,
) -> Result<RecordBatch, String> {
    let amounts: Vec<Option<Decimal>> = txs.iter().map(|t| Some(t.amount)).collect();
    let balances: Vec<Option<Decimal>> = txs.iter().map(|t| t.balance).collect();
    let (amount, amount_scale) = decimals("amount", &amounts, txs)?;
    let (balance, balance_scale) = decimals("balance", &balances, txs)?;
    let dates: TimestampMicrosecondArray = txs
        .iter()
        .map(|t| Some(t.date.datetime().and_utc().timestamp_micros()))
        .collect();
    let reconciled: BooleanArray = txs.iter().map(|t| t.reconciled).collect();
    let mut fields = vec![
        Field::new("id", DataType::Utf8, false),
        Field::new(
            "date",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("description", DataType::Utf8, true),
        Field::new("counterparty", DataType::Utf8, true),
        Field::new("reference", DataType::Utf8, true),
        Field::new("reconciled", DataType::Boolean, true),
        Field::new(
            "amount",
            DataType::Decimal128(PRECISION, amount_scale),
            false,
        ),
        Field::new(
            "balance",
            DataType::Decimal128(PRECISION, balance_scale),
            true,
        ),
        Field::new("transaction_type", DataType::Utf8, true),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        text(txs.iter().map(|t| Some(t.id.as_str()))),
        Arc::new(dates),
        text(txs.iter().map(|t| t.description.as_deref())),
        text(txs.iter().map(|t| t.counterparty.as_deref())),
        text(txs.iter().map(|t| t.reference.as_deref())),
        Arc::new(reconciled),
        amount,
        balance,
        text(
            txs.iter()
                .map(|t| t.transaction_type.as_ref().map(|t| t.as_str())),
        ),
    ];
    if let Some(rows) = source_rows {
        fields.push(Field::new("source_row", DataType::Int64, false));
        columns.push(Arc::new(
            rows.iter().map(|&r| r as i64).collect::<Int64Array>(),
        ));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
}
