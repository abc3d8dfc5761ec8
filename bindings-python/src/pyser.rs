//! The core's wire-model types (`bankfeeds::model`) as plain Python values, and back.
//!
//! Out: any `Serialize` model becomes dicts, lists, `str`, `int`, `bool` and `None`, with
//! snake_case keys (`requestedOnUtc` → `requested_on_utc`), exact amounts as `decimal.Decimal`
//! (the core writes every amount through serde_json's exact-number token, which is what is
//! recognised here), and server timestamps as aware UTC `datetime`s (fields the model types as
//! `dates::Timestamp`, listed in [`TIMESTAMP_FIELDS`]).
//!
//! In: a dict (snake_case or camelCase keys; `Decimal`, `int`, exact floats, `str`, `date` and
//! `datetime` values) becomes the model type through its own `Deserialize`.

use std::fmt;

use bankfeeds::dates::Timestamp;
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::errors::{BindError, BindResult};
use crate::values::{py_decimal, py_utc_datetime, utf8};

/// serde_json's exact-number token (`arbitrary_precision`), through which the core writes amounts.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Wire names of the fields the model types as server timestamps (`dates::Timestamp`).
pub const TIMESTAMP_FIELDS: &[&str] = &[
    "accountOpenDate",
    "completed",
    "completedOnUtc",
    "created",
    "erroredOnUtc",
    "executionEndUtc",
    "executionStartUtc",
    "expiry",
    "feedStartDate",
    "lastSync",
    "modifiedDate",
    "periodEndUtc",
    "periodStartUtc",
    "requested",
    "requestedOnUtc",
    "resolvedOnUtc",
    "sourceModifiedDate",
];

/// `requestedOnUtc` → `requested_on_utc`.
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `requested_on_utc` → `requestedOnUtc`; camelCase stays as it is.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A conversion error (a Python error while building values, or a model that cannot be written).
#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}
impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}
impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Error(e.to_string())
    }
}

/// A model value as Python values.
pub fn to_python<T: Serialize + ?Sized>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    value
        .serialize(PySer { py, field: None })
        .map(Bound::unbind)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.0))
}

#[derive(Clone, Copy)]
struct PySer<'py> {
    py: Python<'py>,
    /// The wire name of the struct field being written, for timestamps.
    field: Option<&'static str>,
}

type Out<'py> = Result<Bound<'py, PyAny>, Error>;

impl<'py> PySer<'py> {
    fn obj<T: IntoPyObject<'py>>(self, v: T) -> Out<'py> {
        v.into_bound_py_any(self.py).map_err(Error::from)
    }
}

impl<'py> ser::Serializer for PySer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = Seq<'py>;
    type SerializeTuple = Seq<'py>;
    type SerializeTupleStruct = Seq<'py>;
    type SerializeTupleVariant = Impossible<Self::Ok, Error>;
    type SerializeMap = Map<'py>;
    type SerializeStruct = Struct<'py>;
    type SerializeStructVariant = Impossible<Self::Ok, Error>;

    fn serialize_bool(self, v: bool) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_f32(self, v: f32) -> Out<'py> {
        self.obj(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        self.obj(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        if let Some(field) = self.field
            && TIMESTAMP_FIELDS.contains(&field)
            && let Ok(ts) = Timestamp::parse(v)
        {
            return Ok(py_utc_datetime(self.py, &ts.utc())?);
        }
        self.obj(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Out<'py> {
        Ok(pyo3::types::PyBytes::new(self.py, v).into_any())
    }
    fn serialize_none(self) -> Out<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Out<'py> {
        self.obj(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Out<'py> {
        let d = PyDict::new(self.py);
        d.set_item(
            snake(variant),
            value.serialize(PySer {
                field: None,
                ..self
            })?,
        )?;
        Ok(d.into_any())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'py>, Error> {
        Ok(Seq {
            ser: PySer {
                field: None,
                ..self
            },
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(Error(format!(
            "{name}: tuple variants are not part of the wire model"
        )))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'py>, Error> {
        Ok(Map {
            ser: PySer {
                field: None,
                ..self
            },
            dict: PyDict::new(self.py),
            key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Struct<'py>, Error> {
        Ok(Struct {
            ser: self,
            dict: PyDict::new(self.py),
            number: name == NUMBER_TOKEN,
            value: None,
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(Error(format!(
            "{name}: struct variants are not part of the wire model"
        )))
    }
}

struct Seq<'py> {
    ser: PySer<'py>,
    items: Vec<Bound<'py, PyAny>>,
}

impl<'py> Seq<'py> {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.items.push(v.serialize(self.ser)?);
        Ok(())
    }
    fn list(self) -> Out<'py> {
        Ok(PyList::new(self.ser.py, self.items)?.into_any())
    }
}

impl<'py> ser::SerializeSeq for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Out<'py> {
        self.list()
    }
}
impl<'py> ser::SerializeTuple for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Out<'py> {
        Ok(PyTuple::new(self.ser.py, self.items)?.into_any())
    }
}
impl<'py> ser::SerializeTupleStruct for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Out<'py> {
        self.list()
    }
}

struct Map<'py> {
    ser: PySer<'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
}

impl<'py> ser::SerializeMap for Map<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // Map keys are data (tags, metadata), kept as written.
        self.key = Some(key.serialize(self.ser)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error("a map value without a key".into()))?;
        self.dict.set_item(key, value.serialize(self.ser)?)?;
        Ok(())
    }
    fn end(self) -> Out<'py> {
        Ok(self.dict.into_any())
    }
}

struct Struct<'py> {
    ser: PySer<'py>,
    dict: Bound<'py, PyDict>,
    /// This "struct" is serde_json's exact-number token: its one field is the number's text.
    number: bool,
    value: Option<Bound<'py, PyAny>>,
}

impl<'py> ser::SerializeStruct for Struct<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if self.number {
            let text = value.serialize(PySer {
                field: None,
                ..self.ser
            })?;
            let text = text.cast::<PyString>().map_err(|e| Error(e.to_string()))?;
            let text = utf8(text)?;
            let d = bankfeeds::money::parse_decimal(text)
                .map_err(|e| Error(format!("the number {text} is not exact: {e}")))?;
            self.value = Some(py_decimal(self.ser.py, &d)?);
            return Ok(());
        }
        let v = value.serialize(PySer {
            field: Some(key),
            ..self.ser
        })?;
        self.dict.set_item(snake(key), v)?;
        Ok(())
    }
    fn end(self) -> Out<'py> {
        match self.value {
            Some(v) => Ok(v),
            None => Ok(self.dict.into_any()),
        }
    }
}

/// Why a Python value cannot become a model's JSON: Python raised (a `__str__` or an iterator
/// of the caller's, a Ctrl-C), which propagates as it is, or the value has no JSON form.
pub enum JsonError {
    Py(PyErr),
    Bad(String),
}

impl From<PyErr> for JsonError {
    fn from(e: PyErr) -> Self {
        JsonError::Py(e)
    }
}

/// A Python value as JSON for a model's `Deserialize`: keys camelCased, `Decimal`s as exact
/// numbers, dates as ISO text, floats only when exactly a short decimal.
pub fn to_json(v: &Bound<'_, PyAny>) -> Result<serde_json::Value, JsonError> {
    use serde_json::Value;
    let bad = |m: String| JsonError::Bad(m);
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = v.cast::<PyString>() {
        return match crate::values::text_of(s)? {
            Ok(text) => Ok(Value::String(text.to_owned())),
            Err(why) => Err(bad(why)),
        };
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if v.is_instance_of::<PyInt>() {
        // Read from the int's value (an `int` subclass's `__str__` is not asked), exactly.
        return match v.extract::<i128>() {
            Ok(n) => serde_json::from_str(&n.to_string()).map_err(|e| bad(e.to_string())),
            Err(_) => Err(bad(
                "an integer beyond 128 bits cannot be sent to Codat".into()
            )),
        };
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, val) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => s.clone(),
                Err(_) => k.str()?,
            };
            let key = match crate::values::text_of(&key)? {
                Ok(text) => text.to_owned(),
                Err(why) => return Err(bad(format!("a key is {why}"))),
            };
            map.insert(camel(&key), to_json(&val)?);
        }
        return Ok(Value::Object(map));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in v.try_iter()? {
            out.push(to_json(&item?)?);
        }
        return Ok(Value::Array(out));
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        let d = bankfeeds::money::from_f64_exact(f.value()).map_err(|e| bad(e.to_string()))?;
        return serde_json::from_str(&d.to_string()).map_err(|e| bad(e.to_string()));
    }
    match crate::values::raw_value(v)? {
        bankfeeds::ingest::RawValue::Decimal(d) => {
            serde_json::from_str(&d.to_string()).map_err(|e| bad(e.to_string()))
        }
        bankfeeds::ingest::RawValue::Number(n) => Err(bad(format!("`{n}` is not an exact number"))),
        bankfeeds::ingest::RawValue::Date(d) => Ok(Value::String(d.to_string())),
        bankfeeds::ingest::RawValue::DateTime(dt) => Ok(Value::String(
            bankfeeds::dates::LocalDateTime::new(dt).to_string(),
        )),
        bankfeeds::ingest::RawValue::DateTimeOffset(..) => {
            Ok(Value::String(crate::values::iso_text(v)?))
        }
        other => Err(bad(format!("{} cannot be sent to Codat", other.kind()))),
    }
}

/// A model from a Python dict (or a JSON text). What Python raises while the value is read
/// propagates; a value the model cannot take is a `ConfigurationError` naming `what`.
pub fn from_python<T: serde::de::DeserializeOwned>(
    what: &str,
    v: &Bound<'_, PyAny>,
) -> BindResult<T> {
    let json = if let Ok(s) = v.cast::<PyString>() {
        let text = match crate::values::text_of(s)? {
            Ok(text) => text,
            Err(why) => return Err(BindError::Config(format!("{what}: {why}"))),
        };
        serde_json::from_str(text).map_err(|e| BindError::Config(format!("{what}: {e}")))?
    } else {
        match to_json(v) {
            Ok(json) => json,
            Err(JsonError::Py(e)) => return Err(BindError::Py(e)),
            Err(JsonError::Bad(m)) => return Err(BindError::Config(format!("{what}: {m}"))),
        }
    };
    serde_json::from_value(json).map_err(|e| BindError::Config(format!("{what}: {e}")))
}
