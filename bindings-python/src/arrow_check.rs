//! Arrow data from another library is checked against its schema before a value is read: an
//! array whose shape does not match its declared type would otherwise be read past the end of a
//! buffer (garbage amounts) or stop the import on an assertion.
//!
//! What the Arrow C Data Interface carries is checked, in three passes:
//!
//! 1. the schema's own structure, before it is parsed ([`check_schema`]): released or null
//!    pointers, text that is not UTF-8, nesting deeper than [`MAX_DEPTH`];
//! 2. each array's structure against its type, before it is imported ([`check_array`]): no
//!    negative or overflowing length, offset or null count; as many buffers and children as the
//!    type has; every buffer the import reads present; a validity bitmap wherever nulls are
//!    declared; a dictionary exactly where the type is dictionary-encoded;
//! 3. the imported data ([`import_batch`]): offsets in order and inside their values, UTF-8
//!    text, dictionary keys in range, null counts that match their bitmaps, children as long as
//!    their parents (`ArrayData::validate_full`), decimals within their declared precision, and
//!    every column of the type and length its schema says.
//!
//! The interface does not carry the size of a buffer: a producer that declares 1,000 values
//! over a buffer of 10 cannot be caught by any reader. What it declares is what is checked.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::ffi::{FFI_ArrowArray, from_ffi_and_data_type};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::types::{
    Decimal32Type, Decimal64Type, Decimal128Type, Decimal256Type, DecimalType,
};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, StructArray};
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::{DataType, Schema, SchemaRef};

/// The deepest nesting of types accepted (transaction columns are flat; this bounds recursion).
pub const MAX_DEPTH: usize = 64;

/// The most rows (plus offset) one array may declare: every buffer size the import computes
/// from it (at most 32 bytes a value) stays far from overflow.
const MAX_LENGTH: i64 = 1 << 40;

/// Why a batch cannot be read, and the column at fault when there is one.
#[derive(Debug)]
pub struct Mismatch {
    pub column: Option<String>,
    pub message: String,
}

impl From<String> for Mismatch {
    fn from(message: String) -> Self {
        Mismatch {
            column: None,
            message,
        }
    }
}

impl From<&str> for Mismatch {
    fn from(message: &str) -> Self {
        message.to_owned().into()
    }
}

/// The C Data Interface's `ArrowArray`, field for field (arrow-rs keeps its fields private).
#[repr(C)]
struct CArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *const *const c_void,
    children: *const *const CArray,
    dictionary: *const CArray,
    release: Option<unsafe extern "C" fn(*mut CArray)>,
    private_data: *mut c_void,
}

/// The C Data Interface's `ArrowSchema`, field for field.
#[repr(C)]
struct CSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *const *const CSchema,
    dictionary: *const CSchema,
    release: Option<unsafe extern "C" fn(*mut CSchema)>,
    private_data: *mut c_void,
}

const _: () = assert!(size_of::<CArray>() == size_of::<FFI_ArrowArray>());
const _: () = assert!(size_of::<CSchema>() == size_of::<FFI_ArrowSchema>());

fn raw_array(a: &FFI_ArrowArray) -> &CArray {
    // SAFETY: `FFI_ArrowArray` is `#[repr(C)]` with exactly the C interface's fields, as `CArray`.
    unsafe { &*std::ptr::from_ref(a).cast::<CArray>() }
}

fn raw_schema(s: &FFI_ArrowSchema) -> &CSchema {
    // SAFETY: as above, for `ArrowSchema`.
    unsafe { &*std::ptr::from_ref(s).cast::<CSchema>() }
}

/// `n` pointers from `ptr`, or an error when `n > 0` and `ptr` is null.
///
/// # Safety
/// When not null, `ptr` must point to `n` readable pointers (the C interface's promise).
unsafe fn pointers<'a, T>(
    ptr: *const *const T,
    n: i64,
    what: &str,
) -> Result<&'a [*const T], String> {
    let n = usize::try_from(n).map_err(|_| format!("{what}: a negative count"))?;
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(format!("{what}: {n} declared but the list is missing"));
    }
    // SAFETY: non-null, and the producer declares `n` of them.
    Ok(unsafe { std::slice::from_raw_parts(ptr, n) })
}

/// Text of the C interface (a format or a name): UTF-8, or an error.
///
/// # Safety
/// `p` must be null or point to a NUL-terminated string.
unsafe fn c_text<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, String> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller's promise.
    let text = unsafe { CStr::from_ptr(p) };
    text.to_str()
        .map(Some)
        .map_err(|_| format!("{what} is not UTF-8 text"))
}

/// Checks a schema's structure before arrow-rs parses it (which asserts on what is checked here).
pub fn check_schema(schema: &FFI_ArrowSchema) -> Result<(), String> {
    check_schema_node(raw_schema(schema), "the schema", 0)
}

fn check_schema_node(s: &CSchema, at: &str, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("{at} nests types more than {MAX_DEPTH} deep"));
    }
    if s.release.is_none() {
        return Err(format!("{at} was already released"));
    }
    // SAFETY: the C interface's promise for a schema that is not released.
    let format = unsafe { c_text(s.format, &format!("{at}'s format"))? };
    if format.is_none() {
        return Err(format!("{at} has no format"));
    }
    // SAFETY: as above.
    let name = unsafe { c_text(s.name, &format!("{at}'s name"))? }.unwrap_or("");
    // SAFETY: as above.
    let children = unsafe { pointers(s.children, s.n_children, &format!("{at}'s children"))? };
    for (i, &child) in children.iter().enumerate() {
        // SAFETY: non-null children point to schemas (the C interface's promise).
        let child =
            unsafe { child.as_ref() }.ok_or_else(|| format!("{at}'s child {i} is missing"))?;
        check_schema_node(child, &format!("{at} `{name}` child {i}"), depth + 1)?;
    }
    // SAFETY: as above.
    if let Some(dictionary) = unsafe { s.dictionary.as_ref() } {
        check_schema_node(dictionary, &format!("{at}'s dictionary"), depth + 1)?;
    }
    Ok(())
}

/// The types of an array's children, in order.
fn child_types(t: &DataType) -> Vec<(&str, &DataType)> {
    match t {
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::FixedSizeList(f, _)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::Map(f, _) => vec![(f.name().as_str(), f.data_type())],
        DataType::Struct(fields) => fields
            .iter()
            .map(|f| (f.name().as_str(), f.data_type()))
            .collect(),
        DataType::Union(fields, _) => fields
            .iter()
            .map(|(_, f)| (f.name().as_str(), f.data_type()))
            .collect(),
        DataType::RunEndEncoded(ends, values) => vec![
            (ends.name().as_str(), ends.data_type()),
            (values.name().as_str(), values.data_type()),
        ],
        _ => Vec::new(),
    }
}

/// Checks an array's structure against its type before arrow-rs imports it (which trusts it).
/// `column` is the top-level column the array belongs to, for the error.
fn check_array(
    a: &CArray,
    t: &DataType,
    at: &str,
    depth: usize,
    column: Option<&str>,
) -> Result<(), Mismatch> {
    let in_column = |message: String| Mismatch {
        column: column.map(str::to_owned),
        message,
    };
    let mismatch =
        |what: String| in_column(format!("{at} ({t}) does not match its schema: {what}"));
    let node = Node {
        a,
        t,
        at,
        depth,
        column,
        mismatch: &mismatch,
    };
    node.check().map_err(|e| match e {
        Mismatch {
            column: None,
            message,
        } => in_column(message),
        other => other,
    })
}

/// One array being checked: the array, its type, where it is (for messages), how deeply it is
/// nested, the top-level column it belongs to, and how a mismatch of it is worded.
#[derive(Clone, Copy)]
struct Node<'a> {
    a: &'a CArray,
    t: &'a DataType,
    at: &'a str,
    depth: usize,
    column: Option<&'a str>,
    mismatch: &'a dyn Fn(String) -> Mismatch,
}

impl Node<'_> {
    /// Checks one array and, through `check_array`, its children and dictionary: its counts, its
    /// buffers, then what it contains.
    fn check(&self) -> Result<(), Mismatch> {
        let end = self.counts()?;
        self.buffers(end)?;
        self.children()?;
        self.dictionary()
    }

    /// The array's length, offset and null count; answers where its values end.
    fn counts(&self) -> Result<i64, Mismatch> {
        let Node {
            a,
            at,
            depth,
            mismatch,
            ..
        } = *self;
        if depth > MAX_DEPTH {
            return Err(format!("{at} nests arrays more than {MAX_DEPTH} deep").into());
        }
        if a.release.is_none() {
            return Err(format!("{at} was already released").into());
        }
        if a.length < 0 || a.offset < 0 || a.null_count < -1 {
            return Err(mismatch(format!(
                "a negative length ({}), offset ({}) or null count ({})",
                a.length, a.offset, a.null_count
            )));
        }
        let end = a
            .length
            .checked_add(a.offset)
            .filter(|&e| e <= MAX_LENGTH)
            .ok_or_else(|| {
                mismatch(format!("a length of {} from offset {}", a.length, a.offset))
            })?;
        if a.null_count > a.length {
            return Err(mismatch(format!(
                "{} nulls in {} values",
                a.null_count, a.length
            )));
        }

        Ok(end)
    }

    /// The buffers: the validity bitmap (when the type has one), then the type's own.
    fn buffers(&self, end: i64) -> Result<(), Mismatch> {
        let Node {
            a, t, at, mismatch, ..
        } = *self;
        let layout = arrow_data::layout(t);
        let mask = usize::from(layout.can_contain_null_mask);
        let expected = layout.buffers.len() + mask;
        // SAFETY: the C interface's promise for an array that is not released.
        let buffers = unsafe { pointers(a.buffers, a.n_buffers, &format!("{at}'s buffers"))? };
        let count_ok = if layout.variadic {
            // views, data buffers, then one more with the data buffers' lengths
            buffers.len() > expected
        } else {
            buffers.len() == expected
        };
        if !count_ok {
            return Err(mismatch(format!(
                "{} buffers where the type has {expected}{}",
                buffers.len(),
                if layout.variadic { " and more" } else { "" }
            )));
        }
        if mask == 1 && buffers[0].is_null() && a.null_count > 0 {
            return Err(mismatch(format!(
                "{} nulls declared without a validity bitmap",
                a.null_count
            )));
        }
        let var_size_data = matches!(
            t,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Binary | DataType::LargeBinary
        );
        for (i, b) in buffers.iter().enumerate().skip(mask) {
            // Data buffers of text may be empty (and null); the import checks their size itself.
            let may_be_null =
                end == 0 || (var_size_data && i == mask + 1) || (layout.variadic && i > mask);
            if b.is_null() && !may_be_null {
                return Err(mismatch(format!("buffer {i} is missing")));
            }
        }
        if layout.variadic && buffers.len() > expected + 1 {
            check_data_lengths(buffers, expected, mismatch)?;
        }
        Ok(())
    }

    /// The children, each checked as an array of its child type.
    fn children(&self) -> Result<(), Mismatch> {
        let Node {
            a,
            t,
            at,
            depth,
            column,
            mismatch,
        } = *self;
        let types = child_types(t);
        // SAFETY: as above.
        let children = unsafe { pointers(a.children, a.n_children, &format!("{at}'s children"))? };
        if children.len() != types.len() {
            return Err(mismatch(format!(
                "{} children where the type has {}",
                children.len(),
                types.len()
            )));
        }
        for (i, (&child, (name, child_type))) in children.iter().zip(types).enumerate() {
            // SAFETY: non-null children point to arrays (the C interface's promise).
            let child = unsafe { child.as_ref() }
                .ok_or_else(|| mismatch(format!("child {i} is missing")))?;
            // A child of the top level is a column: messages name it from there on.
            let (at, depth, column) = if depth == 0 {
                (format!("column `{name}`"), 1, Some(name))
            } else {
                (format!("{at}.{name}"), depth + 1, column)
            };
            check_array(child, child_type, &at, depth, column)?;
        }
        Ok(())
    }

    /// The dictionary: present exactly when the type is a dictionary.
    fn dictionary(&self) -> Result<(), Mismatch> {
        // SAFETY: a non-null dictionary points to an array (the C interface's promise).
        match (self.t, unsafe { self.a.dictionary.as_ref() }) {
            (DataType::Dictionary(_, values), Some(d)) => check_array(
                d,
                values,
                &format!("{}'s dictionary", self.at),
                self.depth + 1,
                self.column,
            ),
            (DataType::Dictionary(..), None) => {
                Err((self.mismatch)("its dictionary is missing".into()))
            }
            (_, Some(_)) => Err((self.mismatch)("it has a dictionary".into())),
            (_, None) => Ok(()),
        }
    }
}

/// The lengths of a variadic array's data buffers, in its last buffer (one i64 each).
fn check_data_lengths(
    buffers: &[*const std::ffi::c_void],
    expected: usize,
    mismatch: &dyn Fn(String) -> Mismatch,
) -> Result<(), Mismatch> {
    // The last buffer holds the data buffers' lengths (one i64 each).
    let lengths = buffers[buffers.len() - 1].cast::<i64>();
    if lengths.is_null() {
        return Err(mismatch(
            "the lengths of its data buffers are missing".into(),
        ));
    }
    let n = buffers.len() - expected - 1;
    // SAFETY: the producer declares `n` data buffers, so `n` lengths.
    let lengths = unsafe { std::slice::from_raw_parts(lengths, n) };
    if let Some(bad) = lengths.iter().find(|&&l| !(0..=MAX_LENGTH).contains(&l)) {
        return Err(mismatch(format!("a data buffer of {bad} bytes")));
    }
    Ok(())
}

/// Every valid decimal of a column within its declared precision (the C interface cannot say
/// when a column's values are wider than its type, but values beyond it show it).
fn check_decimals(name: &str, column: &ArrayRef) -> Result<(), Mismatch> {
    fn within<T: DecimalType>(
        name: &str,
        column: &ArrayRef,
        precision: u8,
    ) -> Result<(), Mismatch> {
        let Some(a) = column.as_primitive_opt::<T>() else {
            return Ok(());
        };
        match (0..a.len())
            .find(|&i| a.is_valid(i) && !T::is_valid_decimal_precision(a.value(i), precision))
        {
            None => Ok(()),
            Some(row) => Err(Mismatch {
                column: Some(name.to_owned()),
                message: format!(
                    "column `{name}` ({}) does not match its schema: the value at row {row} has more than {precision} digits",
                    column.data_type()
                ),
            }),
        }
    }
    match column.data_type() {
        DataType::Decimal32(p, _) => within::<Decimal32Type>(name, column, *p),
        DataType::Decimal64(p, _) => within::<Decimal64Type>(name, column, *p),
        DataType::Decimal128(p, _) => within::<Decimal128Type>(name, column, *p),
        DataType::Decimal256(p, _) => within::<Decimal256Type>(name, column, *p),
        _ => Ok(()),
    }
}

/// Rows from which a batch's columns are checked at once, one a thread: below it, threads cost
/// more than they save.
const COLUMNS_AT_ONCE_FROM: usize = 65_536;

/// `check` of every column, in column order. A large batch's columns are checked at once, each
/// on a thread of its own (the first on this one): the checks read every value of every column,
/// and nothing else can start before they end. Where no thread can be had, a column is checked
/// on this thread.
fn each_column<T: Sync, R: Send>(
    columns: &[T],
    rows: usize,
    check: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let Some((first, rest)) = columns.split_first() else {
        return Vec::new();
    };
    if rows < COLUMNS_AT_ONCE_FROM || rest.is_empty() {
        return columns.iter().map(&check).collect();
    }
    std::thread::scope(|scope| {
        let check = &check;
        let others: Vec<_> = rest
            .iter()
            .map(|column| {
                std::thread::Builder::new()
                    .name("bankfeeds-arrow-check".into())
                    .spawn_scoped(scope, move || check(column))
                    .map_err(|_| column)
            })
            .collect();
        let mut out = Vec::with_capacity(columns.len());
        out.push(check(first));
        for other in others {
            out.push(match other {
                Ok(thread) => match thread.join() {
                    Ok(r) => r,
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                Err(column) => check(column),
            });
        }
        out
    })
}

/// Imports one record batch (a struct array of type `data_type`) after checking it as the
/// module says. `schema` is the stream's, when the batch comes from one.
pub fn import_batch(
    array: FFI_ArrowArray,
    data_type: &DataType,
    schema: Option<&SchemaRef>,
) -> Result<RecordBatch, Mismatch> {
    let DataType::Struct(fields) = data_type else {
        return Err(format!("an Arrow array of {data_type} is not a table").into());
    };
    check_array(raw_array(&array), data_type, "the batch", 0, None)?;
    // SAFETY: the array's structure matches `data_type` (checked just above); its buffers are as
    // long as it declares (the producer's promise, which the interface cannot show).
    let data = unsafe { from_ffi_and_data_type(array, data_type.clone()) }
        .map_err(|e| format!("the Arrow batch cannot be imported: {e}"))?;
    data.validate_data()
        .map_err(|e| format!("the Arrow batch does not match its schema: {e}"))?;
    let rows = data.len();
    let children: Vec<_> = fields.iter().zip(data.child_data()).collect();
    for checked in each_column(&children, rows, |(field, child)| {
        child.validate_full().map_err(|e| Mismatch {
            column: Some(field.name().clone()),
            message: format!(
                "column `{}` ({}) does not match its schema: {e}",
                field.name(),
                field.data_type()
            ),
        })
    }) {
        checked?;
    }
    let (_, columns, _) = StructArray::from(data).into_parts();
    let named: Vec<_> = fields.iter().zip(&columns).collect();
    for checked in each_column(&named, rows, |(field, column)| {
        check_decimals(field.name(), column)
    }) {
        checked?;
    }
    let schema = schema
        .cloned()
        .unwrap_or_else(|| Arc::new(Schema::new(fields.clone())));
    RecordBatch::try_new_with_options(
        schema,
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .map_err(|e| format!("the Arrow batch does not match its schema: {e}").into())
}

/// An Arrow C stream, read batch by batch, each batch checked by [`import_batch`].
pub struct Stream {
    stream: FFI_ArrowArrayStream,
    schema: SchemaRef,
    data_type: DataType,
    ended: bool,
}

impl Stream {
    /// Reads and checks the stream's schema.
    pub fn new(mut stream: FFI_ArrowArrayStream) -> Result<Stream, Mismatch> {
        if stream.release().is_none() {
            return Err("the Arrow stream was already released".into());
        }
        let get_schema = stream
            .get_schema()
            .ok_or("the Arrow stream cannot give its schema")?;
        let mut schema = FFI_ArrowSchema::empty();
        // SAFETY: the callback is the stream's own, called with the stream.
        let code = unsafe { get_schema(&mut stream, &mut schema) };
        if code != 0 {
            return Err(format!(
                "the Arrow stream's schema cannot be read: {}",
                last_error(&mut stream, code)
            )
            .into());
        }
        check_schema(&schema)?;
        let schema = Schema::try_from(&schema)
            .map_err(|e| format!("the Arrow stream's schema cannot be read: {e}"))?;
        let data_type = DataType::Struct(schema.fields().clone());
        Ok(Stream {
            stream,
            schema: Arc::new(schema),
            data_type,
            ended: false,
        })
    }

    /// The stream's schema.
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

/// The producer's description of its last error.
fn last_error(stream: &mut FFI_ArrowArrayStream, code: c_int) -> String {
    let text = stream.get_last_error().and_then(|f| {
        // SAFETY: the stream's own callback; the text lives until the next call on the stream.
        let p = unsafe { f(stream) };
        // SAFETY: null or a NUL-terminated string (the C interface's promise).
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    });
    match text {
        Some(t) if !t.is_empty() => {
            let t: String = t.chars().take(500).collect();
            format!("{t} (error {code})")
        }
        _ => format!("error {code}"),
    }
}

impl Iterator for Stream {
    type Item = Result<RecordBatch, Mismatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        let Some(get_next) = self.stream.get_next() else {
            self.ended = true;
            return Some(Err("the Arrow stream cannot give its batches".into()));
        };
        let mut array = FFI_ArrowArray::empty();
        // SAFETY: the callback is the stream's own, called with the stream.
        let code = unsafe { get_next(&mut self.stream, &mut array) };
        if code != 0 {
            self.ended = true;
            return Some(Err(format!(
                "the Arrow stream failed: {}",
                last_error(&mut self.stream, code)
            )
            .into()));
        }
        if array.is_released() {
            self.ended = true;
            return None;
        }
        let batch = import_batch(array, &self.data_type, Some(&self.schema));
        if batch.is_err() {
            self.ended = true;
        }
        Some(batch)
    }
}
