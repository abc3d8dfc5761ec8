//! Numeric arguments: counts (batch sizes, page sizes, attempts), minutes, seconds and indices,
//! read from any Python `int` (or number, for seconds) so that a negative, zero or enormous value
//! is a `ConfigurationError` naming the argument rather than PyO3's `OverflowError`. Each
//! argument has its own extractor (`#[pyo3(from_py_with = ...)]`) so the message can name it.

use pyo3::exceptions::{PyIndexError, PyOverflowError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};

use crate::errors::configuration_error;

/// The type name of a value, for messages.
fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// A whole number (an `int`, or anything with `__index__` such as `numpy.int64`; not a `bool`)
/// as an `i128`, or `Err(negative)` when it is beyond `i128`. `TypeError` naming the argument for
/// anything else.
fn whole(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Result<i128, bool>> {
    let not_an_int =
        || PyTypeError::new_err(format!("{name} must be an int, not {}", type_name(v)));
    if v.is_instance_of::<PyBool>() {
        return Err(not_an_int());
    }
    let owned;
    let v = if v.is_instance_of::<PyInt>() {
        v
    } else {
        owned = v
            .py()
            .import(intern!(v.py(), "operator"))?
            .call_method1(intern!(v.py(), "index"), (v,))
            .map_err(|_| not_an_int())?;
        &owned
    };
    match v.extract::<i128>() {
        Ok(n) => Ok(Ok(n)),
        Err(e) if e.is_instance_of::<PyOverflowError>(v.py()) => Ok(Err(v.lt(0)?)),
        Err(e) => Err(e),
    }
}

/// A count such as a batch size: a whole number of at least 1. A count beyond 64 bits reads as
/// `u64::MAX` (every count here is an upper bound that the core clamps to what Codat takes).
fn count(name: &str, v: &Bound<'_, PyAny>) -> PyResult<u64> {
    match whole(name, v)? {
        Ok(n) if n >= 1 => Ok(u64::try_from(n).unwrap_or(u64::MAX)),
        Err(false) => Ok(u64::MAX),
        Ok(n) => Err(configuration_error(
            v.py(),
            format!("{name} must be a whole number of at least 1, not {n}"),
        )),
        Err(true) => Err(configuration_error(
            v.py(),
            format!(
                "{name} must be a whole number of at least 1, not {}",
                short_repr(v)
            ),
        )),
    }
}

fn count_usize(name: &str, v: &Bound<'_, PyAny>) -> PyResult<usize> {
    count(name, v).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

fn count_u32(name: &str, v: &Bound<'_, PyAny>) -> PyResult<u32> {
    count(name, v).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// Minutes Codat gives a push operation: a whole number from 1 to `i32::MAX` (the spec's int32).
fn minutes(name: &str, v: &Bound<'_, PyAny>) -> PyResult<i32> {
    match whole(name, v)? {
        Ok(n) if n >= 1 && n <= i128::from(i32::MAX) => Ok(n as i32),
        _ => Err(configuration_error(
            v.py(),
            format!(
                "{name} must be a whole number of minutes from 1 to {}, not {}",
                i32::MAX,
                short_repr(v)
            ),
        )),
    }
}

/// Seconds as a float; the range (not negative, not NaN) is checked where they become a
/// duration. A number too large for a float is a `ConfigurationError` here.
fn seconds(name: &str, v: &Bound<'_, PyAny>) -> PyResult<f64> {
    if v.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a number of seconds, not bool"
        )));
    }
    match v.extract::<f64>() {
        Ok(s) => Ok(s),
        Err(e) if e.is_instance_of::<PyOverflowError>(v.py()) => Err(configuration_error(
            v.py(),
            format!("{name} must be a number of seconds, not {}", short_repr(v)),
        )),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{name} must be a number of seconds, not {}",
            type_name(v)
        ))),
    }
}

/// A value for a message, cut to a readable length (an `int` is never turned into its digits:
/// beyond 4300 of them Python refuses to, and nobody reads them).
fn short_repr(v: &Bound<'_, PyAny>) -> String {
    if v.is_instance_of::<PyInt>() {
        return match v.extract::<i128>() {
            Ok(n) => n.to_string(),
            Err(_) => match v.lt(0) {
                Ok(true) => "a negative number beyond 128 bits".into(),
                _ => "a number beyond 128 bits".into(),
            },
        };
    }
    let text = v
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| type_name(v));
    if text.chars().count() > 64 {
        text.chars().take(64).chain(std::iter::once('…')).collect()
    } else {
        text
    }
}

/// An index into a sequence of `len` items, Python style (negative counts from the end):
/// `IndexError` when out of range, however large.
pub fn index(v: &Bound<'_, PyAny>, len: usize, what: &str) -> PyResult<usize> {
    let out_of_range = || {
        PyIndexError::new_err(format!(
            "index {} out of range for {len} {what}",
            short_repr(v)
        ))
    };
    let i: isize = match v.extract() {
        Ok(i) => i,
        Err(e) if e.is_instance_of::<PyOverflowError>(v.py()) => return Err(out_of_range()),
        Err(e) => return Err(e),
    };
    let n = len as isize;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return Err(out_of_range());
    }
    Ok(j as usize)
}

/// `None` stays `None`; anything else goes through `read`.
fn optional<T>(
    v: &Bound<'_, PyAny>,
    read: impl FnOnce(&Bound<'_, PyAny>) -> PyResult<T>,
) -> PyResult<Option<T>> {
    if v.is_none() {
        Ok(None)
    } else {
        read(v).map(Some)
    }
}

/// Extractors for `#[pyo3(from_py_with = ...)]`, one per argument name.
macro_rules! extractors {
    ($($fn:ident: $ty:ty = $read:ident($name:literal);)*) => {$(
        #[doc = concat!("`", $name, "`, an optional argument.")]
        pub fn $fn(v: &Bound<'_, PyAny>) -> PyResult<Option<$ty>> {
            optional(v, |v| $read($name, v))
        }
    )*};
}

extractors! {
    batch_size: usize = count_usize("batch_size");
    concurrency: usize = count_usize("concurrency");
    max_per_company: usize = count_usize("max_per_company");
    max_in_flight: usize = count_usize("max_in_flight");
    page_size: u32 = count_u32("page_size");
    max_attempts: u32 = count_u32("max_attempts");
    max_response_bytes: usize = count_usize("max_response_bytes");
    timeout_in_minutes: i32 = minutes("timeout_in_minutes");
    connect_timeout: f64 = seconds("connect_timeout");
    request_timeout: f64 = seconds("request_timeout");
    max_retry_seconds: f64 = seconds("max_retry_seconds");
    poll_interval: f64 = seconds("poll_interval");
    timeout: f64 = seconds("timeout");
    wait_timeout: f64 = seconds("wait_timeout");
}

/// `size` of `batches`/`push_bodies`: a required count (it has a default).
pub fn size(v: &Bound<'_, PyAny>) -> PyResult<usize> {
    count_usize("size", v)
}

/// `lock_wait`: seconds, `0.0` when `None`.
pub fn lock_wait(v: &Bound<'_, PyAny>) -> PyResult<f64> {
    if v.is_none() {
        Ok(0.0)
    } else {
        seconds("lock_wait", v)
    }
}

/// `resend`: ids, from any iterable of `str` (not a `str`); none when `None`.
pub fn resend(v: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if v.is_none() {
        Ok(Vec::new())
    } else {
        crate::ledger::ids("resend", v)
    }
}
