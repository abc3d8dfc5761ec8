//! Batches of rows from Python: a list (or any iterable) of dicts and `Transaction`s, a
//! `Transactions` batch, or Arrow data. Read while attached to the interpreter where Python
//! objects must be touched, then handed to the core detached from it.

use bankfeeds::ingest::{
    self, IngestOptions, RawCells, RawField, RawTransaction, RawValue, RowIngester,
};
use bankfeeds::model::{BankTransaction, TransactionType};
use bankfeeds::pipeline::{self, PrepareOptions, Prepared};
use bankfeeds::validate::{Code, Field, Issue, ValidationReport};
use pyo3::Borrowed;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping, PyString, PyTuple};

use crate::arrow_in::{self, ArrowInput, ArrowRows};
use crate::errors::{BindError, BindResult};
use crate::transaction::{PyTransaction, PyTransactions, raw_from_typed};
use crate::values::{self, kind, raw_value};

/// Rows taken from Python, ready for the core.
pub enum Source {
    /// Untyped rows, and findings about rows that were not mappings at all.
    Raw(Vec<RawTransaction>, ValidationReport),
    /// Typed transactions (rows `0..n`).
    Typed(Vec<BankTransaction>),
    /// Arrow data, read detached.
    Arrow(ArrowInput),
}

/// What a dict key names. Keys are looked up by identity first: the keys of a list of dicts
/// are usually the same string objects row after row (literals, `csv.DictReader`'s header), so
/// each distinct key is matched by name once.
enum Key {
    Field(RawField),
    /// A key that names no field, the first time it is met (reported by the core once).
    NewUnknown(String),
    /// A key that names no field, already reported.
    Unknown,
}

/// Where a row's values go: a [`RawTransaction`], or cells handed to the core as they are
/// ([`RawCells`], whose text may be one of the core's own names, never copied).
trait Row {
    fn set(&mut self, field: RawField, value: RawValue);
    /// Sets `field` to text that lives as long as the program (a transaction type's name).
    fn set_name(&mut self, field: RawField, name: &'static str);
    fn unknown(&mut self, key: String);
    /// The row a `Transaction` is.
    fn typed(&mut self, t: &BankTransaction);
}

impl Row for RawTransaction {
    fn set(&mut self, field: RawField, value: RawValue) {
        self.set_field(field, value);
    }
    fn set_name(&mut self, field: RawField, name: &'static str) {
        self.set_field(field, RawValue::Text(name.to_owned()));
    }
    fn unknown(&mut self, key: String) {
        self.unknown.push(key);
    }
    fn typed(&mut self, t: &BankTransaction) {
        *self = raw_from_typed(t);
    }
}

impl Row for RawCells<'static> {
    fn set(&mut self, field: RawField, value: RawValue) {
        self.set_value(field, value);
    }
    fn set_name(&mut self, field: RawField, name: &'static str) {
        self.set_text(field, name);
    }
    fn unknown(&mut self, key: String) {
        self.push_unknown(key);
    }
    fn typed(&mut self, t: &BankTransaction) {
        *self = raw_from_typed(t).into();
    }
}

/// The name of a transaction type exactly as the core spells it, when `v` is a `str` holding
/// one (`"Debit"`): what most rows' `transaction_type` is, set without copying its text.
fn transaction_type_name(v: &Bound<'_, PyAny>) -> Option<&'static str> {
    if v.get_type_ptr() != std::ptr::addr_of_mut!(ffi::PyUnicode_Type) {
        return None;
    }
    // SAFETY: the object's type is exactly `str`.
    let s = unsafe { v.cast_unchecked::<PyString>() };
    let text = values::text_of(s).ok()?.ok()?;
    if text.len() > 16 {
        return None;
    }
    TransactionType::ALL
        .iter()
        .map(TransactionType::as_str)
        .find(|name| *name == text)
}

#[derive(Default)]
struct Keys {
    seen: Vec<(Py<PyAny>, Option<RawField>)>,
    /// For each place in a dict, the index in `seen` of the key last met there: dicts built
    /// alike list their keys in the same order, so the key at a place is usually the one met
    /// there in the row before, found without a search.
    by_place: Vec<usize>,
    unknown: Vec<String>,
}

impl Keys {
    const MAX_CACHED: usize = 64;

    /// What the key at place `place` of a dict names.
    fn lookup_at(&mut self, place: usize, key: &Bound<'_, PyAny>) -> PyResult<Key> {
        let ptr = key.as_ptr();
        let known = match self.by_place.get(place) {
            Some(&i) if self.seen[i].0.as_ptr() == ptr => Some(i),
            _ => self.seen.iter().position(|(k, _)| k.as_ptr() == ptr),
        };
        let Some(i) = known else {
            let key = self.lookup(key)?;
            if let Some(i) = self.seen.len().checked_sub(1)
                && self.seen[i].0.as_ptr() == ptr
            {
                self.remember(place, i);
            }
            return Ok(key);
        };
        self.remember(place, i);
        Ok(match self.seen[i].1 {
            Some(f) => Key::Field(f),
            None => Key::Unknown,
        })
    }

    fn remember(&mut self, place: usize, index: usize) {
        if place < self.by_place.len() {
            self.by_place[place] = index;
        } else if place == self.by_place.len() && place < Self::MAX_CACHED {
            self.by_place.push(index);
        }
    }

    fn lookup(&mut self, key: &Bound<'_, PyAny>) -> PyResult<Key> {
        let ptr = key.as_ptr();
        if let Some((_, f)) = self.seen.iter().find(|(k, _)| k.as_ptr() == ptr) {
            return Ok(match f {
                Some(f) => Key::Field(*f),
                None => Key::Unknown,
            });
        }
        let name = match key.cast::<PyString>() {
            Ok(s) => key_text(s)?,
            Err(_) => key_text(&key.str()?)?,
        };
        let field = RawField::for_key(&name);
        if self.seen.len() < Self::MAX_CACHED {
            // Holding the key keeps its address from being reused by another object.
            self.seen.push((key.clone().unbind(), field));
        }
        Ok(match field {
            Some(f) => Key::Field(f),
            None if self.unknown.contains(&name) => Key::Unknown,
            None => {
                self.unknown.push(name.clone());
                Key::NewUnknown(name)
            }
        })
    }

    fn put(
        &mut self,
        row: &mut impl Row,
        k: &Bound<'_, PyAny>,
        v: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let key = self.lookup(k)?;
        Self::set(row, key, v)
    }

    /// [`Keys::put`] for the key at place `place` of a dict.
    fn put_at(
        &mut self,
        place: usize,
        row: &mut impl Row,
        k: &Bound<'_, PyAny>,
        v: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let key = self.lookup_at(place, k)?;
        Self::set(row, key, v)
    }

    fn set(row: &mut impl Row, key: Key, v: &Bound<'_, PyAny>) -> PyResult<()> {
        match key {
            Key::Field(f @ RawField::TransactionType) => match transaction_type_name(v) {
                Some(name) => row.set_name(f, name),
                None => row.set(f, raw_value(v)?),
            },
            Key::Field(f) => row.set(f, raw_value(v)?),
            Key::NewUnknown(name) => row.unknown(name),
            Key::Unknown => {}
        }
        Ok(())
    }
}

/// A key's text. A key with a lone surrogate names no field; it is kept with the surrogate
/// escaped (`id\\ud800`), so the warning about it shows which key it was.
fn key_text(s: &Bound<'_, PyString>) -> PyResult<String> {
    Ok(match values::text_of(s)? {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let escaped = s
                .call_method1(intern!(s.py(), "encode"), ("utf-8", "backslashreplace"))?
                .cast_into::<PyBytes>()?;
            String::from_utf8_lossy(escaped.as_bytes()).into_owned()
        }
    })
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// Fills a row from a dict's items. Items are borrowed from the dict rather than counted (under
/// abi3 every reference count is a function call, and a million rows have six million items);
/// an item whose conversion could run Python code (a subclass of a builtin) is taken as an owned
/// reference first, so a `__str__` that changes the dict cannot free it under us.
fn dict_row(dict: &Bound<'_, PyDict>, keys: &mut Keys, row: &mut impl Row) -> PyResult<()> {
    let py = dict.py();
    let mut pos: ffi::Py_ssize_t = 0;
    let mut key: *mut ffi::PyObject = std::ptr::null_mut();
    let mut value: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: `dict` is a live dict; PyDict_Next bounds-checks `pos` against its current size on
    // every call and hands out borrowed references, valid while the dict holds them.
    let mut place = 0;
    while unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut key, &mut value) } != 0 {
        // SAFETY: borrowed from the dict just above, non-null.
        let (k, v) = unsafe { (Borrowed::from_ptr(py, key), Borrowed::from_ptr(py, value)) };
        if plain(&k) && plain(&v) {
            keys.put_at(place, row, &k, &v)?;
        } else {
            keys.put_at(place, row, &k.to_owned(), &v.to_owned())?;
        }
        place += 1;
    }
    Ok(())
}

/// Whether converting a value runs no Python code: an exact builtin or a type bankfeeds reads
/// from its state.
fn plain(v: &Bound<'_, PyAny>) -> bool {
    let py = v.py();
    let ty = v.get_type_ptr();
    let builtins = [
        std::ptr::addr_of_mut!(ffi::PyUnicode_Type),
        std::ptr::addr_of_mut!(ffi::PyLong_Type),
        std::ptr::addr_of_mut!(ffi::PyFloat_Type),
        std::ptr::addr_of_mut!(ffi::PyBool_Type),
    ];
    v.is_none() || builtins.contains(&ty) || values::is_exact_value_type(py, ty)
}

/// Reads rows from whatever a batch function was given.
pub fn read(obj: &Bound<'_, PyAny>) -> BindResult<Source> {
    if let Ok(batch) = obj.cast::<PyTransactions>() {
        return Ok(Source::Typed(batch.get().items.as_ref().clone()));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return from_items(list.iter().map(Ok));
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return from_items(tuple.iter().map(Ok));
    }
    if let Some(arrow) = arrow_in::take(obj)? {
        return Ok(Source::Arrow(arrow));
    }
    if obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>()
        || obj.is_instance_of::<PyDict>()
    {
        return Err(BindError::Type(format!(
            "rows must be a list of dicts or Transactions, a Transactions batch, or an Arrow table, not a {}{}",
            type_name(obj),
            if obj.is_instance_of::<PyDict>() {
                " (wrap one row in a list)"
            } else {
                ""
            }
        )));
    }
    match obj.try_iter() {
        Ok(it) => from_items(it),
        Err(_) => Err(BindError::Type(format!(
            "rows must be a list of dicts or Transactions, a Transactions batch, or an Arrow table (pyarrow, polars, pandas through pyarrow), not a {}",
            type_name(obj)
        ))),
    }
}

fn from_items<'py>(items: impl Iterator<Item = PyResult<Bound<'py, PyAny>>>) -> BindResult<Source> {
    let mut typed: Vec<BankTransaction> = Vec::new();
    let mut raw: Option<Vec<RawTransaction>> = None;
    let mut shape = ValidationReport::new();
    let mut keys = Keys::default();
    for (i, item) in items.enumerate() {
        let item = item?;
        if let Ok(t) = item.cast::<PyTransaction>() {
            match &mut raw {
                None => typed.push(t.get().inner.clone()),
                Some(rows) => rows.push(raw_from_typed(&t.get().inner)),
            }
            continue;
        }
        let rows = raw.get_or_insert_with(|| {
            // The first untyped row: the typed ones before it become rows too.
            let mut rows: Vec<RawTransaction> =
                typed.drain(..).map(|t| raw_from_typed(&t)).collect();
            rows.reserve(1024);
            rows
        });
        rows.push(RawTransaction::default());
        let row = rows.last_mut().expect("just pushed");
        untyped_row(i, &item, &mut keys, &mut shape, row)?;
    }
    Ok(match raw {
        Some(rows) => Source::Raw(rows, shape),
        None => Source::Typed(typed),
    })
}

/// One row that is not a `Transaction`: a dict, another mapping, or something else, which
/// becomes an empty row (so row numbers stay aligned with the input, as a JSON file's
/// non-object element does) and a finding.
/// The row is filled in place (`row` is empty), where it is kept: a row is 400 bytes.
fn untyped_row(
    i: usize,
    item: &Bound<'_, PyAny>,
    keys: &mut Keys,
    shape: &mut ValidationReport,
    row: &mut impl Row,
) -> PyResult<()> {
    if item.get_type_ptr() == std::ptr::addr_of_mut!(ffi::PyDict_Type) {
        // SAFETY: the object's type is exactly `dict` (checked by address: `cast` asks the
        // interpreter for the type's flags, a call under abi3).
        dict_row(unsafe { item.cast_unchecked::<PyDict>() }, keys, row)?;
    } else if let Ok(dict) = item.cast::<PyDict>() {
        dict_row(dict, keys, row)?;
    } else if let Ok(t) = item.cast::<PyTransaction>() {
        row.typed(&t.get().inner);
    } else if let Ok(mapping) = item.cast::<PyMapping>() {
        for pair in mapping.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
            keys.put(row, &k, &v)?;
        }
    } else {
        shape.push(
            Issue::new(
                Code::InvalidValue,
                format!(
                    "a transaction must be a mapping or a bankfeeds.Transaction, not {}",
                    kind(item)
                ),
            )
            .at_row(i)
            .on(Field::Transactions),
        );
    }
    Ok(())
}

/// `prepare` for a list of dicts, with reading and ingesting overlapped: this thread reads the
/// dicts (it must hold the GIL to) and hands rows over in chunks to a worker that ingests them as
/// they come, then normalises and validates with the GIL released. A million rows never sit in
/// memory as raw values, and the core's work starts before the last dict is read. `None` when
/// the list does not start with a dict (the general path handles it).
pub fn prepare_dicts(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    options: &PrepareOptions,
) -> BindResult<Option<Prepared>> {
    const CHUNK: usize = 2048;
    let Ok(list) = rows.cast::<PyList>() else {
        return Ok(None);
    };
    if list.len() < 2 * CHUNK || !list.get_item(0)?.is_instance_of::<PyDict>() {
        return Ok(None);
    }
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<RawCells<'static>>>(4);
    // Emptied chunks go back to the reader, so that their buffers are not freed on one thread
    // and allocated again on the other.
    let (recycle, recycled) = std::sync::mpsc::sync_channel::<Vec<RawCells<'static>>>(8);
    std::thread::scope(|scope| {
        let rows_given = list.len();
        let worker = std::thread::Builder::new()
            .name("bankfeeds-ingest".into())
            .spawn_scoped(scope, move || {
                let mut ingester = RowIngester::new(&options.ingest);
                ingester.reserve(rows_given);
                for mut chunk in receiver {
                    for cells in chunk.drain(..) {
                        ingester.push(cells);
                    }
                    let _ = recycle.try_send(chunk);
                }
                pipeline::prepare_ingested(ingester.finish(), options)
            });
        let Ok(worker) = worker else {
            return Ok(None); // no thread to be had: the general path reads the rows
        };
        let mut keys = Keys::default();
        let mut shape = ValidationReport::new();
        let read = (|| -> PyResult<()> {
            let mut chunk = Vec::with_capacity(CHUNK);
            for (i, item) in list.iter().enumerate() {
                chunk.push(RawCells::default());
                let row = chunk.last_mut().expect("just pushed");
                untyped_row(i, &item, &mut keys, &mut shape, row)?;
                if chunk.len() == CHUNK {
                    let empty = recycled
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
                    let full = std::mem::replace(&mut chunk, empty);
                    if sender.send(full).is_err() {
                        break; // the worker stopped (it panicked): join reports it
                    }
                }
            }
            let _ = sender.send(chunk);
            Ok(())
        })();
        drop(sender);
        let joined = py.detach(move || worker.join());
        let mut prepared = match joined {
            Ok(p) => p,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        read?;
        if !shape.is_empty() {
            prepared.report.extend(shape);
            prepared.report.sort();
        }
        Ok(Some(prepared))
    })
}

/// Typed transactions with their input rows and what reading them found.
pub struct Typed {
    pub transactions: Vec<BankTransaction>,
    pub source_rows: Vec<usize>,
    pub report: ValidationReport,
}

impl Source {
    /// Ingest, normalise and validate (detached from the interpreter).
    pub fn prepare(self, options: &PrepareOptions) -> BindResult<Prepared> {
        match self {
            Source::Raw(rows, shape) => {
                let mut prepared = pipeline::prepare(rows, options);
                if !shape.is_empty() {
                    prepared.report.extend(shape);
                    prepared.report.sort();
                }
                Ok(prepared)
            }
            Source::Typed(txs) => Ok(pipeline::prepare_transactions(txs, options)),
            Source::Arrow(input) => {
                let ingested = ArrowRows::new(input)?.ingest(&options.ingest)?;
                Ok(pipeline::prepare_ingested(ingested, options))
            }
        }
    }

    /// Types the rows without normalising or validating them (detached).
    pub fn typed(self) -> BindResult<Typed> {
        let options = IngestOptions::default();
        let out = match self {
            Source::Typed(txs) => {
                let n = txs.len();
                return Ok(Typed {
                    transactions: txs,
                    source_rows: (0..n).collect(),
                    report: ValidationReport::new(),
                });
            }
            Source::Raw(rows, shape) => {
                let mut out = ingest::ingest(rows, &options);
                out.report.extend(shape);
                out.report.sort();
                out
            }
            Source::Arrow(input) => ArrowRows::new(input)?.ingest(&options)?,
        };
        Ok(Typed {
            transactions: out.transactions,
            source_rows: out.source_rows,
            report: out.report,
        })
    }

    /// Typed transactions, raising `ValidationError` when any row has an error (detached).
    pub fn typed_strict(self, lead: &'static str) -> BindResult<Typed> {
        let typed = self.typed()?;
        if typed.report.is_valid() {
            Ok(typed)
        } else {
            Err(BindError::Invalid(lead, typed.report))
        }
    }
}
