//! Columnar input: a `pyarrow.Table`, `RecordBatch` or `RecordBatchReader`, a polars or pandas
//! frame (anything with `__arrow_c_stream__` or `__arrow_c_array__`) read from its Arrow buffers
//! in Rust, without a Python object per row and without the GIL.
//!
//! Each column's Arrow type maps to one kind of the core's [`RawValue`], exactly:
//!
//! | Arrow                                   | core                                          |
//! |-----------------------------------------|-----------------------------------------------|
//! | `string`, `large_string`, `string_view` | `Text`                                        |
//! | `dictionary<_, string>` (categoricals)  | `Text`                                        |
//! | `int8`..`int64`, `uint8`..`uint64`      | `Int`                                         |
//! | `float16/32/64`                         | `Float` (the exact policy: 0.5 yes, 0.1 no)   |
//! | `decimal32/64/128/256(p, s)`            | `Decimal`, digit for digit                    |
//! | `date32`, `date64`                      | `Date`                                        |
//! | `timestamp(unit)` without zone          | `DateTime` (local wall-clock)                 |
//! | `timestamp(unit, tz)`                   | `DateTimeOffset`: the wall-clock time in `tz`, its offset dropped and reported |
//! | `bool`                                  | `Bool`                                        |
//! | `null`, null slots                      | `Null`                                        |
//!
//! The core then judges each value for its field as it judges a dict's (a boolean `amount` is
//! an `invalid_number` finding on each row). A column whose type maps to nothing (lists,
//! structs, binary, durations...) cannot be read at all: it raises `SchemaError` naming the column
//! before any row is read. Columns that name no field are ignored with an `unknown_column`
//! warning, whatever their type.
//!
//! Every batch is checked against its schema before a value is read (`arrow_check.rs`): a batch
//! whose arrays do not match their declared types raises `SchemaError` saying where.

use arrow_array::cast::AsArray;
use arrow_array::ffi::FFI_ArrowArray;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::temporal_conversions::{
    date32_to_datetime, date64_to_datetime, timestamp_ms_to_datetime, timestamp_ns_to_datetime,
    timestamp_s_to_datetime, timestamp_us_to_datetime,
};
use arrow_array::timezone::Tz;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, LargeStringArray, RecordBatch, StringArray, StringViewArray};
use arrow_buffer::NullBuffer;
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::{ArrowError, DataType, SchemaRef, TimeUnit};
use bankfeeds::ingest::{
    IngestOptions, Ingested, RawCells, RawField, RawTransaction, RawValue, RowIngester,
};
use chrono::{NaiveDateTime, Offset, TimeDelta, TimeZone};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyTuple};
use rust_decimal::Decimal;

use crate::arrow_check;
use crate::errors::{BindError, BindResult, SchemaProblem};

/// An Arrow input taken from its Python object, ready to be read without the GIL.
pub enum ArrowInput {
    /// From `__arrow_c_stream__`: a table, a reader, a frame.
    Stream(FFI_ArrowArrayStream),
    /// From `__arrow_c_array__`: one record batch (a struct array).
    Batch(FFI_ArrowArray, DataType),
}

/// Takes the Arrow data out of a PyCapsule-protocol object, or `None` when it has none.
pub fn take(obj: &Bound<'_, PyAny>) -> BindResult<Option<ArrowInput>> {
    let py = obj.py();
    if obj.hasattr(intern!(py, "__arrow_c_stream__"))? {
        let capsule = obj.call_method0(intern!(py, "__arrow_c_stream__"))?;
        let capsule = capsule.cast::<PyCapsule>().map_err(PyErr::from)?;
        let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
        // SAFETY: the capsule holds an ArrowArrayStream (its name says so); `from_raw` moves it
        // out and leaves a released stream behind, which the capsule's destructor ignores.
        let stream =
            unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) };
        return Ok(Some(ArrowInput::Stream(stream)));
    }
    if obj.hasattr(intern!(py, "__arrow_c_array__"))? {
        let pair = obj.call_method0(intern!(py, "__arrow_c_array__"))?;
        let pair = pair.cast::<PyTuple>().map_err(PyErr::from)?;
        let schema = pair.get_item(0)?;
        let schema = schema.cast::<PyCapsule>().map_err(PyErr::from)?;
        let array = pair.get_item(1)?;
        let array = array.cast::<PyCapsule>().map_err(PyErr::from)?;
        let schema_ptr = schema.pointer_checked(Some(c"arrow_schema"))?;
        // SAFETY: the capsule holds an ArrowSchema and stays alive (it is borrowed here).
        let schema = unsafe { &*schema_ptr.as_ptr().cast::<FFI_ArrowSchema>() };
        arrow_check::check_schema(schema).map_err(BindError::Arrow)?;
        let data_type = DataType::try_from(schema).map_err(|e| arrow_error(&e))?;
        let array_ptr = array.pointer_checked(Some(c"arrow_array"))?;
        // SAFETY: the capsule holds an ArrowArray; `from_raw` moves it out as above.
        let array =
            unsafe { FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast::<FFI_ArrowArray>()) };
        return Ok(Some(ArrowInput::Batch(array, data_type)));
    }
    Ok(None)
}

fn arrow_error(e: &ArrowError) -> BindError {
    BindError::Arrow(format!("the Arrow input cannot be read: {e}"))
}

/// Reads one value of a column.
type Get = Box<dyn Fn(usize) -> RawValue + Send + Sync>;

/// Text of an integer mantissa at a scale: `(-1234, 2)` is `-12.34`, `(5, -3)` is `5e3`.
fn scaled_text(digits: String, scale: i8) -> String {
    if scale <= 0 {
        return if scale == 0 {
            digits
        } else {
            format!("{digits}e{}", -i32::from(scale))
        };
    }
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(d) => ("-", d.to_owned()),
        None => ("", digits),
    };
    let scale = scale as usize;
    let padded = if digits.len() <= scale {
        format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
    } else {
        digits
    };
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

/// A decimal mantissa and scale: exact when a core decimal holds it, otherwise its text, which
/// the core refuses with the reason (too many digits, too large).
fn decimal_value(mantissa: i128, scale: i8) -> RawValue {
    if (0..=28).contains(&scale)
        && let Ok(d) = Decimal::try_from_i128_with_scale(mantissa, scale as u32)
    {
        return RawValue::Decimal(d);
    }
    RawValue::Number(scaled_text(mantissa.to_string(), scale))
}

macro_rules! primitive {
    ($array:expr, $ty:ty, |$v:ident| $body:expr) => {{
        let a = $array.as_primitive_opt::<$ty>().cloned()?;
        Box::new(move |i| {
            if a.is_null(i) {
                RawValue::Null
            } else {
                let $v = a.value(i);
                $body
            }
        }) as Get
    }};
}

fn timestamp(array: &ArrayRef, unit: TimeUnit, tz: Option<&str>) -> Option<Get> {
    let (values, to): (_, fn(i64) -> Option<NaiveDateTime>) = match unit {
        TimeUnit::Second => (
            array
                .as_primitive_opt::<TimestampSecondType>()?
                .values()
                .clone(),
            timestamp_s_to_datetime,
        ),
        TimeUnit::Millisecond => (
            array
                .as_primitive_opt::<TimestampMillisecondType>()?
                .values()
                .clone(),
            timestamp_ms_to_datetime,
        ),
        TimeUnit::Microsecond => (
            array
                .as_primitive_opt::<TimestampMicrosecondType>()?
                .values()
                .clone(),
            timestamp_us_to_datetime,
        ),
        TimeUnit::Nanosecond => (
            array
                .as_primitive_opt::<TimestampNanosecondType>()?
                .values()
                .clone(),
            timestamp_ns_to_datetime,
        ),
    };
    let nulls = array.logical_nulls();
    let tz: Option<Tz> = match tz {
        Some(name) => Some(name.parse().ok()?),
        None => None,
    };
    Some(Box::new(move |i| {
        if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            return RawValue::Null;
        }
        let Some(at) = to(values[i]) else {
            return RawValue::Other("a timestamp out of range".into());
        };
        match &tz {
            None => RawValue::DateTime(at),
            Some(tz) => {
                // `at` is UTC; the bank meant the wall-clock time in the column's zone.
                let offset = tz.offset_from_utc_datetime(&at).fix().local_minus_utc();
                match at.checked_add_signed(TimeDelta::seconds(i64::from(offset))) {
                    Some(local) => RawValue::DateTimeOffset(local, offset),
                    None => RawValue::Other("a timestamp out of range".into()),
                }
            }
        }
    }))
}

/// The families of column types rows can be read from, each with its reader.
enum Family<'a> {
    Number,
    Decimal,
    /// A dictionary of values of this type (not of another dictionary).
    Dictionary(&'a DataType),
    /// Null, boolean, text, date and timestamp columns.
    Scalar,
}

/// The family of a column type; `None` when no field takes values of that type.
fn family(data_type: &DataType) -> Option<Family<'_>> {
    Some(match data_type {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float16
        | DataType::Float32
        | DataType::Float64 => Family::Number,
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => Family::Decimal,
        DataType::Dictionary(_, values) if !matches!(**values, DataType::Dictionary(..)) => {
            Family::Dictionary(values)
        }
        DataType::Null
        | DataType::Boolean
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(..) => Family::Scalar,
        _ => return None,
    })
}

/// A column of a batch, read row by row: text borrowed from the Arrow buffers (the core copies
/// only the text a transaction keeps), any other kind as a value.
enum Column<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    /// A dictionary (a categorical): each row reads its key's value.
    Dictionary {
        keys: Vec<usize>,
        nulls: Option<NullBuffer>,
        values: Box<Column<'a>>,
    },
    /// Numbers, decimals, dates, timestamps, booleans and nulls.
    Value(Get),
}

impl<'a> Column<'a> {
    /// The column's reader, or `None` when its type maps to no value kind.
    fn new(array: &'a ArrayRef) -> Option<Column<'a>> {
        Some(match array.data_type() {
            DataType::Utf8 => Column::Utf8(array.as_string_opt::<i32>()?),
            DataType::LargeUtf8 => Column::LargeUtf8(array.as_string_opt::<i64>()?),
            DataType::Utf8View => Column::Utf8View(array.as_string_view_opt()?),
            data_type => match family(data_type)? {
                Family::Number => Column::Value(number_reader(array)?),
                Family::Decimal => Column::Value(decimal_reader(array)?),
                Family::Dictionary(_) => {
                    let dict = array.as_any_dictionary_opt()?;
                    Column::Dictionary {
                        keys: dict.normalized_keys(),
                        nulls: array.logical_nulls(),
                        values: Box::new(Column::new(dict.values())?),
                    }
                }
                Family::Scalar => Column::Value(scalar_reader(array)?),
            },
        })
    }

    /// Sets `field` of `cells` to row `i`'s value.
    #[inline]
    fn set(&self, cells: &mut RawCells<'a>, field: RawField, i: usize) {
        #[inline(always)]
        fn text<'a>(cells: &mut RawCells<'a>, field: RawField, value: Option<&'a str>) {
            match value {
                Some(t) => cells.set_text(field, t),
                None => cells.set_value(field, RawValue::Null),
            }
        }
        match self {
            Column::Utf8(a) => text(cells, field, (!a.is_null(i)).then(|| a.value(i))),
            Column::LargeUtf8(a) => text(cells, field, (!a.is_null(i)).then(|| a.value(i))),
            Column::Utf8View(a) => text(cells, field, (!a.is_null(i)).then(|| a.value(i))),
            Column::Dictionary {
                keys,
                nulls,
                values,
            } => {
                if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                    cells.set_value(field, RawValue::Null);
                } else {
                    values.set(cells, field, keys[i]);
                }
            }
            Column::Value(get) => cells.set_value(field, get(i)),
        }
    }
}

/// A column of an array type `A`, read by `value` where a row is not null.
fn nullable<A: Array + Send + Sync + 'static>(
    a: A,
    value: impl Fn(&A, usize) -> RawValue + Send + Sync + 'static,
) -> Get {
    Box::new(move |i| {
        if a.is_null(i) {
            RawValue::Null
        } else {
            value(&a, i)
        }
    })
}

/// Integer and float columns.
fn number_reader(array: &ArrayRef) -> Option<Get> {
    Some(match array.data_type() {
        DataType::Int8 => primitive!(array, Int8Type, |v| RawValue::Int(v.into())),
        DataType::Int16 => primitive!(array, Int16Type, |v| RawValue::Int(v.into())),
        DataType::Int32 => primitive!(array, Int32Type, |v| RawValue::Int(v.into())),
        DataType::Int64 => primitive!(array, Int64Type, |v| RawValue::Int(v)),
        DataType::UInt8 => primitive!(array, UInt8Type, |v| RawValue::Int(v.into())),
        DataType::UInt16 => primitive!(array, UInt16Type, |v| RawValue::Int(v.into())),
        DataType::UInt32 => primitive!(array, UInt32Type, |v| RawValue::Int(v.into())),
        DataType::UInt64 => primitive!(array, UInt64Type, |v| i64::try_from(v)
            .map_or_else(|_| RawValue::Number(v.to_string()), RawValue::Int)),
        DataType::Float16 => primitive!(array, Float16Type, |v| RawValue::Float(v.to_f64())),
        DataType::Float32 => primitive!(array, Float32Type, |v| RawValue::Float(v.into())),
        DataType::Float64 => primitive!(array, Float64Type, |v| RawValue::Float(v)),
        _ => return None,
    })
}

/// Decimal columns, exact at their scale.
fn decimal_reader(array: &ArrayRef) -> Option<Get> {
    Some(match array.data_type() {
        DataType::Decimal32(_, s) => {
            let s = *s;
            primitive!(array, Decimal32Type, |v| decimal_value(v.into(), s))
        }
        DataType::Decimal64(_, s) => {
            let s = *s;
            primitive!(array, Decimal64Type, |v| decimal_value(v.into(), s))
        }
        DataType::Decimal128(_, s) => {
            let s = *s;
            primitive!(array, Decimal128Type, |v| decimal_value(v, s))
        }
        DataType::Decimal256(_, s) => {
            let s = *s;
            primitive!(array, Decimal256Type, |v| match v.to_i128() {
                Some(m) => decimal_value(m, s),
                None => RawValue::Number(scaled_text(v.to_string(), s)),
            })
        }
        _ => return None,
    })
}

/// Null, boolean, date and timestamp columns (text is a [`Column`] of its own).
fn scalar_reader(array: &ArrayRef) -> Option<Get> {
    Some(match array.data_type() {
        DataType::Null => Box::new(|_| RawValue::Null),
        DataType::Boolean => nullable(array.as_boolean_opt()?.clone(), |a, i| {
            RawValue::Bool(a.value(i))
        }),
        DataType::Date32 => primitive!(array, Date32Type, |v| date32_to_datetime(v).map_or_else(
            || RawValue::Other("a date out of range".into()),
            |d| RawValue::Date(d.date())
        )),
        DataType::Date64 => primitive!(array, Date64Type, |v| date64_to_datetime(v).map_or_else(
            || RawValue::Other("a date out of range".into()),
            |d| RawValue::Date(d.date())
        )),
        DataType::Timestamp(unit, tz) => timestamp(array, *unit, tz.as_deref())?,
        _ => return None,
    })
}

/// Whether a column of this type can be read (checked on the schema, before any row).
fn readable(data_type: &DataType) -> Result<(), String> {
    match (data_type, family(data_type)) {
        (DataType::Timestamp(_, Some(tz)), _) => tz
            .parse::<Tz>()
            .map(|_| ())
            .map_err(|_| format!("its time zone `{tz}` is not known")),
        (_, Some(Family::Dictionary(values))) => readable(values),
        (_, Some(_)) => Ok(()),
        (_, None) => Err("no field takes values of that type".into()),
    }
}

/// Record batches, each checked against the schema before it is handed out.
type Batches = Box<dyn Iterator<Item = Result<RecordBatch, arrow_check::Mismatch>> + Send>;

/// A batch that does not match its schema: `SchemaError`, naming the column when there is one.
fn mismatch(m: arrow_check::Mismatch) -> BindError {
    match m.column {
        Some(column) => BindError::Schema(SchemaProblem {
            field: RawField::for_key(&column).map(RawField::finding_field),
            column: Some(column),
            message: m.message,
        }),
        None => BindError::Arrow(m.message),
    }
}

/// The rows of an Arrow input, read a batch at a time, so a million rows never sit in memory as
/// raw values: each row's text is borrowed from its batch.
pub struct ArrowRows {
    batches: Batches,
    /// (column index, field) for every column that names a field.
    plan: Vec<(usize, RawField)>,
    /// Columns that name no field, reported once on the first row.
    unknown: Vec<String>,
}

impl ArrowRows {
    /// Checks the schema and prepares to read. Fails before any row on a column no field can
    /// take.
    pub fn new(input: ArrowInput) -> BindResult<ArrowRows> {
        let (schema, batches): (SchemaRef, Batches) = match input {
            ArrowInput::Stream(stream) => {
                let stream = arrow_check::Stream::new(stream).map_err(mismatch)?;
                (stream.schema(), Box::new(stream))
            }
            ArrowInput::Batch(array, data_type) => {
                if !matches!(data_type, DataType::Struct(_)) {
                    return Err(BindError::Type(format!(
                        "an Arrow array of {data_type} is not a table: pass a Table or RecordBatch"
                    )));
                }
                let batch = arrow_check::import_batch(array, &data_type, None).map_err(mismatch)?;
                (batch.schema(), Box::new(std::iter::once(Ok(batch))))
            }
        };
        let mut plan = Vec::new();
        let mut unknown = Vec::new();
        for (index, column) in schema.fields().iter().enumerate() {
            match RawField::for_key(column.name()) {
                Some(field) => {
                    if let Err(why) = readable(column.data_type()) {
                        return Err(BindError::Schema(SchemaProblem {
                            column: Some(column.name().clone()),
                            field: Some(field.finding_field()),
                            message: format!(
                                "column `{}` is {}: {why}; {} takes text, numbers, decimals, dates, timestamps or booleans",
                                column.name(),
                                column.data_type(),
                                field.finding_field()
                            ),
                        }));
                    }
                    plan.push((index, field));
                }
                None => unknown.push(column.name().clone()),
            }
        }
        Ok(ArrowRows {
            batches,
            plan,
            unknown,
        })
    }

    /// Hands every row to `sink` in order, its text borrowed from its batch. Stops at the first
    /// batch that cannot be read.
    fn read(self, sink: &mut impl RowSink) -> BindResult<()> {
        let ArrowRows {
            batches,
            plan,
            mut unknown,
        } = self;
        for next in batches {
            let record = next.map_err(mismatch)?;
            let columns = columns(&plan, &record)?;
            sink.reserve(record.num_rows());
            fill(&columns, 0..record.num_rows(), sink, &mut unknown);
        }
        Ok(())
    }

    /// Types every row in the core (see [`bankfeeds::ingest::RowIngester`]). A large batch is
    /// typed in pieces, one a core, each written into its place
    /// ([`RowIngester::push_in_pieces`]): findings are those of one pass.
    pub fn ingest(self, options: &IngestOptions) -> BindResult<Ingested> {
        let ArrowRows {
            batches,
            plan,
            mut unknown,
        } = self;
        let mut ingester = RowIngester::new(options);
        for next in batches {
            let record = next.map_err(mismatch)?;
            let columns = columns(&plan, &record)?;
            let n = record.num_rows();
            let mut rows = 0..n;
            if !unknown.is_empty() && n > 0 {
                // The columns that name no field are reported on the first row.
                let mut first = cells(&columns, 0);
                for key in unknown.drain(..) {
                    first.push_unknown(key);
                }
                ingester.push(first);
                rows.start = 1;
            }
            ingester.push_in_pieces(rows, |i| cells(&columns, i));
        }
        Ok(ingester.finish())
    }

    /// Every row as an owned [`RawTransaction`] (what a push from rows takes).
    pub fn raw(self) -> BindResult<Vec<RawTransaction>> {
        let mut rows = Vec::new();
        self.read(&mut rows)?;
        Ok(rows)
    }
}

/// Hands rows `range` of a batch (its `columns`) to `sink`; the first row handed over carries
/// `unknown`, the columns that name no field.
fn fill<'a>(
    columns: &[(RawField, Column<'a>)],
    range: std::ops::Range<usize>,
    sink: &mut impl RowSink,
    unknown: &mut Vec<String>,
) {
    for i in range {
        let mut cells = cells(columns, i);
        for key in unknown.drain(..) {
            cells.push_unknown(key);
        }
        sink.row(cells);
    }
}

/// Row `i` of a batch (its `columns`) as cells.
#[inline(always)]
fn cells<'a>(columns: &[(RawField, Column<'a>)], i: usize) -> RawCells<'a> {
    let mut cells = RawCells::default();
    for (field, column) in columns {
        column.set(&mut cells, *field, i);
    }
    cells
}

/// The readers of a batch's columns that name a field.
fn columns<'b>(
    plan: &[(usize, RawField)],
    batch: &'b RecordBatch,
) -> BindResult<Vec<(RawField, Column<'b>)>> {
    let mut columns = Vec::with_capacity(plan.len());
    for &(index, field) in plan {
        let column = batch.columns().get(index).ok_or_else(|| {
            BindError::Arrow("a batch has fewer columns than its schema".to_owned())
        })?;
        let column = Column::new(column).ok_or_else(|| {
            BindError::Arrow(format!(
                "a batch's column {index} is {}, not the schema's type",
                column.data_type()
            ))
        })?;
        columns.push((field, column));
    }
    Ok(columns)
}

/// Where [`ArrowRows::read`] hands rows.
trait RowSink {
    /// Room for `rows` more rows.
    fn reserve(&mut self, rows: usize);
    fn row(&mut self, cells: RawCells<'_>);
}

impl RowSink for RowIngester {
    fn reserve(&mut self, rows: usize) {
        RowIngester::reserve(self, rows);
    }
    #[inline]
    fn row(&mut self, cells: RawCells<'_>) {
        self.push(cells);
    }
}

impl RowSink for Vec<RawTransaction> {
    fn reserve(&mut self, rows: usize) {
        Vec::reserve(self, rows);
    }
    fn row(&mut self, cells: RawCells<'_>) {
        self.push(cells.into_raw());
    }
}
