//! Single values across the boundary: Python objects to the core's [`RawValue`], and exact
//! decimals and local date-times back to `decimal.Decimal` and naive `datetime`.
//!
//! | Python                      | core                                                   |
//! |-----------------------------|--------------------------------------------------------|
//! | `None`                      | `RawValue::Null`                                       |
//! | `str`                       | `RawValue::Text` (with a lone surrogate, which UTF-8 cannot carry: `Other`, refused by the core) |
//! | `bool`                      | `RawValue::Bool`                                       |
//! | `int`                       | `RawValue::Int` (beyond 64 bits: `Number`, its digits, read from its value) |
//! | `float`                     | `RawValue::Float` (the core's exact policy: 0.5 yes, 0.1 no) |
//! | `decimal.Decimal`           | `RawValue::Decimal`, or `Number` with its text for the core to refuse |
//! | naive `datetime`            | `RawValue::DateTime`                                   |
//! | aware `datetime`            | `RawValue::DateTimeOffset` (wall-clock kept, offset dropped and reported) |
//! | `date`                      | `RawValue::Date`                                       |
//! | anything else               | `RawValue::Other` naming its type, refused by the core |
//!
//! A subclass is read from its value, never from the text its own methods give: an `int`'s
//! digits, `decimal.Decimal.__str__` and `datetime.isoformat` of the base class, a `str`'s
//! characters. Only exceptions Python raises while a value is read (a `__reduce__` that fails, a
//! Ctrl-C) propagate; every value is a finding otherwise.
//!
//! Exact `date`s, naive `datetime`s (subclasses too) and exact `Decimal`s of at most 18 digits
//! are read from the object's own bytes, where CPython keeps them (a layout confirmed once per
//! process on probe values, see [`LAYOUT`] and [`DECIMAL_LAYOUT`]); the same values as through
//! `__reduce__`, `isoformat` and `str()`, which remain the route wherever the layout is not
//! confirmed.

use bankfeeds::dates::LocalDateTime;
use bankfeeds::ingest::RawValue;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use pyo3::exceptions::PyUnicodeEncodeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyDate, PyDateAccess, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString,
    PyTuple, PyType,
};
use rust_decimal::Decimal;

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `decimal.Decimal`.
pub fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

unsafe extern "C" {
    // Part of the stable ABI from 3.10, and exported by every CPython 3 (3.9 included), so an
    // abi3-py39 module can call it; PyO3 only declares it for 3.10+ under abi3 and falls back to
    // encoding into a temporary `bytes` object, which doubles the cost of reading a string.
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut pyo3::ffi::PyObject,
        size: *mut pyo3::ffi::Py_ssize_t,
    ) -> *const std::ffi::c_char;
}

/// A `str`'s UTF-8 text, borrowed from the string object (CPython caches it there).
pub fn utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a live `str`; the returned buffer lives as long as it and is valid UTF-8.
    unsafe {
        let data = PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size);
        if data.is_null() {
            return Err(PyErr::fetch(s.py()));
        }
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), size as usize);
        Ok(std::str::from_utf8_unchecked(bytes))
    }
}

/// A `str`'s UTF-8 text, or why it has none: Python strings may hold lone surrogates
/// (`"\\ud800"`, from `surrogateescape` or JSON), which UTF-8 cannot carry. Other errors propagate.
pub fn text_of<'a>(s: &'a Bound<'_, PyString>) -> PyResult<Result<&'a str, String>> {
    match utf8(s) {
        Ok(text) => Ok(Ok(text)),
        Err(e) if e.is_instance_of::<PyUnicodeEncodeError>(s.py()) => Ok(Err(lone_surrogate(s))),
        Err(e) => Err(e),
    }
}

/// "a str with a lone surrogate (U+D800 at index 1), ...", naming the first one.
fn lone_surrogate(s: &Bound<'_, PyString>) -> String {
    let found = s
        .call_method1(intern!(s.py(), "encode"), ("utf-8", "surrogatepass"))
        .ok()
        .and_then(|b| b.cast_into::<PyBytes>().ok())
        .and_then(|b| first_surrogate(b.as_bytes()));
    match found {
        Some((index, unit)) => format!(
            "a str with a lone surrogate (U+{unit:04X} at index {index}), which is not Unicode text"
        ),
        None => "a str with a lone surrogate, which is not Unicode text".into(),
    }
}

/// The index (in code points) and value of the first surrogate in UTF-8 that lets them through
/// (Python's `surrogatepass`: `ED A0..BF xx`).
fn first_surrogate(bytes: &[u8]) -> Option<(usize, u32)> {
    let at = std::str::from_utf8(bytes).err()?.valid_up_to();
    let index = std::str::from_utf8(&bytes[..at]).ok()?.chars().count();
    match *bytes.get(at..at + 3)? {
        [0xED, b1 @ 0xA0..=0xBF, b2] => Some((
            index,
            0xD000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F),
        )),
        _ => None,
    }
}

/// Whether a type is exactly `Decimal`, `datetime` or `date` (read without running Python code).
pub fn is_exact_value_type(py: Python<'_>, ty: *mut pyo3::ffi::PyTypeObject) -> bool {
    [&DECIMAL, &DATETIME, &DATE]
        .iter()
        .any(|cell| cell.get(py).is_some_and(|t| t.as_ptr().cast() == ty))
}

/// How a value's kind reads in a message: "a list", "bytes", "a numpy.int64".
pub fn kind(v: &Bound<'_, PyAny>) -> String {
    if v.is_none() {
        return "None".into();
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        return "a list".into();
    }
    if v.is_instance_of::<PyDict>() {
        return "a mapping".into();
    }
    let ty = v.get_type();
    let name = ty
        .qualname()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into());
    let module = ty
        .module()
        .map(|m| m.to_string())
        .unwrap_or_else(|_| "builtins".into());
    match (module.as_str(), name.as_str()) {
        ("builtins", "bytes" | "bytearray") => "bytes".into(),
        ("builtins", n) => format!("a {n}"),
        (m, n) => format!("a {m}.{n}"),
    }
}

/// One Python value as the core reads it; see the module table.
pub fn raw_value(v: &Bound<'_, PyAny>) -> PyResult<RawValue> {
    let py = v.py();
    // Exact types first, by address: the values most rows hold cost no call into the
    // interpreter (under abi3 a type's flags and `isinstance` are calls).
    let ty = v.get_type_ptr();
    if ty == std::ptr::addr_of_mut!(pyo3::ffi::PyUnicode_Type) {
        // SAFETY: the object's type is exactly `str`.
        return text_value(unsafe { v.cast_unchecked::<PyString>() });
    }
    let decimal = decimal_type(py)?;
    if ty == decimal.as_type_ptr() {
        return decimal_value(v);
    }
    let datetime = DATETIME.import(py, "datetime", "datetime")?;
    if ty == datetime.as_type_ptr() {
        if let Some(raw) = naive_datetime_state(v)? {
            return Ok(raw);
        }
        return datetime_value(v);
    }
    let date = DATE.import(py, "datetime", "date")?;
    if ty == date.as_type_ptr()
        && let Some(raw) = date_state(v)?
    {
        return Ok(raw);
    }
    if v.is_none() {
        return Ok(RawValue::Null);
    }
    if let Ok(s) = v.cast::<PyString>() {
        return text_value(s);
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(RawValue::Bool(v.is_truthy()?));
    }
    if v.is_instance_of::<PyInt>() {
        return int_value(v);
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return Ok(RawValue::Float(f.value()));
    }
    if v.is_instance(decimal)? {
        return decimal_value(v);
    }
    if v.is_instance(datetime)? {
        // A naive subclass's fields are the base class's state, what `datetime.isoformat` of the
        // base class writes (pandas' `Timestamp` keeps its nanoseconds apart, which that drops).
        // SAFETY: the object's type really derives from `datetime` (not through `__class__`), so
        // the object starts with a `datetime`'s fields.
        if unsafe { pyo3::ffi::PyType_IsSubtype(ty, datetime.as_type_ptr()) } != 0
            && let Some(raw) = naive_datetime_bytes(v)
        {
            return Ok(raw);
        }
        return datetime_value(v);
    }
    if let Ok(d) = v.cast::<PyDate>() {
        return Ok(
            NaiveDate::from_ymd_opt(d.get_year(), d.get_month().into(), d.get_day().into())
                .map_or_else(|| RawValue::Other("an invalid date".into()), RawValue::Date),
        );
    }
    Ok(RawValue::Other(kind(v)))
}

/// A `str` (or a subclass's, read as `str` holds it) as text, or why it is none.
fn text_value(s: &Bound<'_, PyString>) -> PyResult<RawValue> {
    Ok(match text_of(s)? {
        Ok(text) => RawValue::Text(text.to_owned()),
        Err(why) => RawValue::Other(why),
    })
}

/// An `int` from its value, never its text: `str()` refuses more than 4300 digits (a
/// `ValueError`), and an `int` subclass's `__str__` may say anything. Beyond 64 bits it is handed
/// on as its digits, for the core to read (a decimal holds 28) or refuse; beyond 128 bits the
/// digits are written by `decimal.Decimal`, which reads the value itself and has no such limit.
fn int_value(v: &Bound<'_, PyAny>) -> PyResult<RawValue> {
    if let Ok(i) = v.extract::<i64>() {
        return Ok(RawValue::Int(i));
    }
    if let Ok(i) = v.extract::<i128>() {
        return Ok(RawValue::Number(i.to_string()));
    }
    let digits = decimal_type(v.py())?.call1((v,))?.str()?;
    Ok(RawValue::Number(utf8(&digits)?.to_owned()))
}

/// A `Decimal` through its text, read by the core's exact parser; text the parser refuses is
/// handed on as it is, so the core reports why (`NaN`, too many digits...). A subclass's own
/// `__str__` is not asked: `decimal.Decimal.__str__` writes the digits it holds.
fn decimal_value(v: &Bound<'_, PyAny>) -> PyResult<RawValue> {
    let py = v.py();
    let decimal = decimal_type(py)?;
    let text = if v.get_type_ptr() == decimal.as_type_ptr() {
        if let Some(d) = small_decimal(v) {
            return Ok(RawValue::Decimal(d));
        }
        v.str()?
    } else {
        decimal
            .getattr(intern!(py, "__str__"))?
            .call1((v,))?
            .cast_into::<PyString>()?
    };
    let text = utf8(&text)?;
    Ok(match bankfeeds::money::parse_decimal(text) {
        Ok(d) => RawValue::Decimal(d),
        Err(_) => RawValue::Number(text.to_owned()),
    })
}

/// Where an exact `decimal.Decimal` keeps its value, when it is `_decimal`'s object as CPython
/// has laid it out since 3.3 (`PyDecObject`: the object header, a hash, then libmpdec's `mpd_t`:
/// flags, exponent, digits, limb count, allocated limbs, a pointer to the limbs, base 10^19 on
/// 64-bit builds). The layout is no public API, so it is trusted only after probes made here read
/// back as their text does (within the type's `__basicsize__`); otherwise every value goes
/// through `str()`. Read this way, a `Decimal` costs no Python call and no text (`str()` and the
/// parser: 800 instructions).
static DECIMAL_LAYOUT: PyOnceLock<bool> = PyOnceLock::new();

/// Set to `0` (before the first value is read), keeps every value on the public routes
/// (`__reduce__`, `isoformat`, `str()`): no object layout is probed or read.
pub const LAYOUTS_ENV: &str = "BANKFEEDS_PYTHON_LAYOUTS";

/// Whether values may be read from the object layouts, once probed ([`LAYOUTS_ENV`]).
fn layouts_allowed() -> bool {
    std::env::var_os(LAYOUTS_ENV).is_none_or(|v| v != "0")
}

fn decimal_layout(py: Python<'_>) -> bool {
    *DECIMAL_LAYOUT.get_or_init(py, || {
        layouts_allowed() && probe_decimal(py).unwrap_or(false)
    })
}

/// Which values this process reads from their objects' layouts: `(date and datetime,
/// Decimal)`. For tests and for reports of a problem.
#[pyfunction]
#[pyo3(name = "_object_layouts")]
pub fn object_layouts(py: Python<'_>) -> (bool, bool) {
    (layout(py).is_some(), decimal_layout(py))
}

/// Byte offsets of `mpd_t`'s fields in the object: flags, exponent, digits, limb count, limbs.
const MPD: usize = std::mem::size_of::<pyo3::ffi::PyObject>() + std::mem::size_of::<isize>();
const MPD_EXP: usize = MPD + std::mem::size_of::<isize>();
const MPD_DIGITS: usize = MPD_EXP + std::mem::size_of::<isize>();
const MPD_LEN: usize = MPD_DIGITS + std::mem::size_of::<isize>();
const MPD_DATA: usize = MPD_LEN + 2 * std::mem::size_of::<isize>();
/// libmpdec's flags for NaN, sNaN and infinity; the sign is bit 0.
const MPD_SPECIAL: u8 = 2 | 4 | 8;

/// A finite `Decimal` of at most 18 significant digits (not zero) and 0 to 28 places, read from
/// its state: what [`bankfeeds::money::parse_decimal`] makes of its text without 128-bit
/// arithmetic. `None` for anything else, or when the layout was not confirmed.
fn small_decimal(v: &Bound<'_, PyAny>) -> Option<Decimal> {
    if !decimal_layout(v.py()) {
        return None;
    }
    // SAFETY: `v` is an exact `Decimal` (the caller checked its type) laid out as probed.
    unsafe { mpd_small(v) }
}

/// # Safety
/// `v` is an exact `decimal.Decimal` of the layout [`DECIMAL_LAYOUT`] describes, or one at least
/// `MPD_DATA + 16` bytes long, its limbs right after their pointer, when probing.
unsafe fn mpd_small(v: &Bound<'_, PyAny>) -> Option<Decimal> {
    let p = v.as_ptr().cast::<u8>();
    let (flags, exp, digits, len) = unsafe {
        (
            *p.add(MPD),
            p.add(MPD_EXP).cast::<isize>().read_unaligned(),
            p.add(MPD_DIGITS).cast::<isize>().read_unaligned(),
            p.add(MPD_LEN).cast::<isize>().read_unaligned(),
        )
    };
    if flags & MPD_SPECIAL != 0
        || len != 1
        || !(1..=18).contains(&digits)
        || !(-28..=0).contains(&exp)
    {
        return None;
    }
    // SAFETY: a finite value of one limb: `data` points at at least one.
    let limb = unsafe { *p.add(MPD_DATA).cast::<*const u64>().read_unaligned() };
    if limb == 0 || limb >= 1_000_000_000_000_000_000 {
        return None;
    }
    let mut d = Decimal::new(limb as i64, (-exp) as u32);
    d.set_sign_negative(flags & 1 != 0);
    Some(d)
}

/// Whether `Decimal`s read back from their state as their text reads: a spread of signs, scales,
/// exponents and sizes, and values the state must not be read for (special, too long).
fn probe_decimal(py: Python<'_>) -> PyResult<bool> {
    if !cfg!(target_pointer_width = "64") {
        return Ok(false);
    }
    let decimal = decimal_type(py)?;
    let size: usize = decimal.getattr(intern!(py, "__basicsize__"))?.extract()?;
    if size < MPD_DATA + 2 * std::mem::size_of::<usize>() {
        return Ok(false);
    }
    // Each text, and whether its value must be read from the state (it must not be read wrongly
    // either way: `None` passes the value on to `str()`).
    let probes = [
        ("1", true),
        ("-17.54", true),
        ("4002.00", true),
        ("0.001", true),
        ("-0.0000001", true),
        ("123456789012345678", true),
        ("-1.23456789012345678", true),
        ("9.99999999999999999E-11", true),
        ("1E-28", true),
        ("5E+3", false),
        ("0.00", false),
        ("-0", false),
        ("1234567890123456789", false),
        ("1E-29", false),
        ("NaN", false),
        ("-Infinity", false),
        ("sNaN", false),
        ("12345678901234567890123", false),
    ];
    for (text, must_read) in probes {
        let v = decimal.call1((text,))?;
        // A value made from text keeps its few limbs in the object itself, right after the
        // pointer to them: anything else is not the layout assumed, and nothing is dereferenced.
        let p = v.as_ptr().cast::<u8>();
        // SAFETY: within the object, whose `__basicsize__` was checked above.
        let limbs = unsafe { p.add(MPD_DATA).cast::<*const u8>().read_unaligned() };
        if !std::ptr::eq(
            limbs,
            p.wrapping_add(MPD_DATA + std::mem::size_of::<usize>()),
        ) {
            return Ok(false);
        }
        let s = v.str()?;
        let expected = bankfeeds::money::parse_decimal(utf8(&s)?).ok();
        // SAFETY: an exact `Decimal` at least `MPD_DATA + 16` bytes long, its limb pointer checked.
        let agrees = match unsafe { mpd_small(&v) } {
            Some(d) => expected.is_some_and(|e| {
                e == d && e.scale() == d.scale() && e.is_sign_negative() == d.is_sign_negative()
            }),
            None => !must_read,
        };
        if !agrees {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The state bytes of `date`/`datetime.__reduce__()`: the pickle format, frozen since Python 2
/// so old pickles still load (year as two bytes, then month, day, hour, minute, second and
/// three bytes of microseconds). One call instead of seven attribute lookups.
/// A `date`/`datetime`'s pickled state and its `tzinfo`.
struct Reduced<'py> {
    state: Bound<'py, PyBytes>,
    tz: Option<Bound<'py, PyAny>>,
}

fn reduced<'py>(v: &Bound<'py, PyAny>) -> PyResult<Option<Reduced<'py>>> {
    let reduced = v.call_method0(intern!(v.py(), "__reduce__"))?;
    // Lengths are checked first: an out-of-range `get_item` builds an exception, which costs
    // more than the whole conversion.
    let Ok(outer) = reduced.cast::<PyTuple>() else {
        return Ok(None);
    };
    if outer.len() != 2 {
        return Ok(None);
    }
    let Ok(args) = outer.get_item(1)?.cast_into::<PyTuple>() else {
        return Ok(None);
    };
    if args.is_empty() || args.len() > 2 {
        return Ok(None);
    }
    let Ok(state) = args.get_item(0)?.cast_into::<PyBytes>() else {
        return Ok(None);
    };
    let tz = if args.len() == 2 {
        Some(args.get_item(1)?).filter(|t| !t.is_none())
    } else {
        None
    };
    Ok(Some(Reduced { state, tz }))
}

fn pickled_date(v: &Bound<'_, PyAny>) -> PyResult<Option<RawValue>> {
    let Some(Reduced { state, .. }) = reduced(v)? else {
        return Ok(None);
    };
    let b = state.as_bytes();
    if b.len() != 4 {
        return Ok(None);
    }
    Ok(date_from_bytes(b).map(RawValue::Date))
}

fn pickled_datetime(v: &Bound<'_, PyAny>) -> PyResult<Option<RawValue>> {
    let Some(Reduced { state, tz }) = reduced(v)? else {
        return Ok(None);
    };
    let b = state.as_bytes();
    if b.len() != 10 || tz.is_some() {
        // Aware values go through their ISO text, which carries the offset.
        return Ok(None);
    }
    Ok(datetime_from_bytes(b).map(RawValue::DateTime))
}

/// Where an exact `date` or `datetime` keeps its fields, when this interpreter lays them out as
/// CPython's `datetime.h` has since Python 3.0: after the object header, a hash and a `hastzinfo`
/// byte, `data[]` holds the same bytes as the pickled state (`date`: 4, `datetime`: 10; a
/// `datetime`'s fold is kept apart, not in the month). The layout is not part of the stable ABI,
/// so it is trusted only after it reads back probes made here (naive and aware `datetime`s, and
/// `date`s, of known fields, within each type's `__basicsize__`); otherwise every value goes
/// through `__reduce__`. Reading the bytes costs no Python call, where `__reduce__` builds a
/// tuple, a `bytes` and a bound method per value (1,600 instructions).
static LAYOUT: PyOnceLock<Option<usize>> = PyOnceLock::new();

fn layout(py: Python<'_>) -> Option<usize> {
    *LAYOUT.get_or_init(py, || {
        if layouts_allowed() {
            probe_layout(py).ok().flatten()
        } else {
            None
        }
    })
}

fn probe_layout(py: Python<'_>) -> PyResult<Option<usize>> {
    let data = std::mem::size_of::<pyo3::ffi::PyObject>()
        + std::mem::size_of::<pyo3::ffi::Py_hash_t>()
        + 1;
    let datetime = DATETIME.import(py, "datetime", "datetime")?;
    let date = DATE.import(py, "datetime", "date")?;
    let size = |t: &Bound<'_, PyType>| -> PyResult<usize> {
        t.getattr(intern!(py, "__basicsize__"))?.extract()
    };
    if size(datetime)? < data + 10 || size(date)? < data + 4 {
        return Ok(None);
    }
    let utc = py.import("datetime")?.getattr("timezone")?.getattr("utc")?;
    let fields: [(i32, u32, u32, u32, u32, u32, u32); 3] = [
        (2345, 6, 7, 8, 9, 10, 111_213),
        (1, 12, 31, 23, 59, 59, 999_999),
        (9999, 1, 1, 0, 0, 0, 1),
    ];
    for (y, mo, d, h, mi, s, us) in fields {
        let expected = NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|day| day.and_hms_micro_opt(h, mi, s, us))
            .expect("valid probe");
        let naive = datetime.call1((y, mo, d, h, mi, s, us))?;
        let aware = datetime.call1((y, mo, d, h, mi, s, us, &utc))?;
        let day = date.call1((y, mo, d))?;
        // SAFETY: each probe is an exact `datetime`/`date`, at least `__basicsize__` bytes long,
        // checked above to cover every byte read.
        let (naive_tz, naive_dt, aware_tz, aware_dt, day_d) = unsafe {
            (
                hastzinfo(&naive, data),
                datetime_from_bytes(state_bytes(&naive, data, 10)),
                hastzinfo(&aware, data),
                datetime_from_bytes(state_bytes(&aware, data, 10)),
                date_from_bytes(state_bytes(&day, data, 4)),
            )
        };
        if naive_tz != 0
            || aware_tz != 1
            || naive_dt != Some(expected)
            || aware_dt != Some(expected)
            || day_d != Some(expected.date())
        {
            return Ok(None);
        }
    }
    Ok(Some(data))
}

/// The `hastzinfo` byte of an exact `date`/`datetime` laid out as [`LAYOUT`] found.
///
/// # Safety
/// `v` is an exact `date` or `datetime` and `data` the offset [`layout`] returned.
unsafe fn hastzinfo(v: &Bound<'_, PyAny>, data: usize) -> u8 {
    unsafe { *v.as_ptr().cast::<u8>().add(data - 1) }
}

/// The `len` state bytes of an exact `date` (4) or `datetime` (10).
///
/// # Safety
/// As [`hastzinfo`], and `len` is 4 for a `date`, 4 or 10 for a `datetime`.
unsafe fn state_bytes<'a>(v: &'a Bound<'_, PyAny>, data: usize, len: usize) -> &'a [u8] {
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>().add(data), len) }
}

/// A date from the 4 state bytes (year high, year low, month, day).
fn date_from_bytes(b: &[u8]) -> Option<NaiveDate> {
    let year = i32::from(b[0]) * 256 + i32::from(b[1]);
    NaiveDate::from_ymd_opt(year, (b[2] & 0x7f).into(), b[3].into())
}

/// A date-time from the 10 state bytes (the date's 4, hour, minute, second, 3 of microseconds).
/// The month's high bit, the fold in a pickle, is not part of the month.
fn datetime_from_bytes(b: &[u8]) -> Option<NaiveDateTime> {
    let micro = u32::from(b[7]) << 16 | u32::from(b[8]) << 8 | u32::from(b[9]);
    date_from_bytes(&b[..4])?.and_hms_micro_opt(b[4].into(), b[5].into(), b[6].into(), micro)
}

/// An exact naive `datetime` read from its state; `None` for an aware one (read through its ISO
/// text, which carries the offset).
fn naive_datetime_state(v: &Bound<'_, PyAny>) -> PyResult<Option<RawValue>> {
    if layout(v.py()).is_some() {
        return Ok(naive_datetime_bytes(v));
    }
    pickled_datetime(v)
}

/// A naive `datetime` (or an instance of a type derived from it) read from its bytes, when the
/// layout is confirmed; `None` otherwise, or for an aware one. Runs no Python code.
fn naive_datetime_bytes(v: &Bound<'_, PyAny>) -> Option<RawValue> {
    let data = layout(v.py())?;
    // SAFETY: `v` is a `datetime` or derives from it (the callers checked its type), so it starts
    // with a `datetime`'s fields, and `data` is the probed offset.
    let (tz, b) = unsafe { (hastzinfo(v, data), state_bytes(v, data, 10)) };
    if tz != 0 {
        return None;
    }
    datetime_from_bytes(b).map(RawValue::DateTime)
}

/// An exact `date` read from its state.
fn date_state(v: &Bound<'_, PyAny>) -> PyResult<Option<RawValue>> {
    if let Some(data) = layout(v.py()) {
        // SAFETY: `v` is an exact `date` (the caller checked its type) and `data` the probed
        // offset.
        let b = unsafe { state_bytes(v, data, 4) };
        return Ok(date_from_bytes(b).map(RawValue::Date));
    }
    pickled_date(v)
}

/// A `datetime` through its ISO text, which carries its microseconds and the offset of an aware
/// value (written by the base class's `isoformat`, so a subclass's own finer digits, pandas'
/// nanoseconds, are not); the core's parser keeps the wall-clock part and remembers the offset.
fn datetime_value(v: &Bound<'_, PyAny>) -> PyResult<RawValue> {
    let iso = iso_text(v)?;
    let iso = iso.as_str();
    Ok(match LocalDateTime::parse(iso) {
        Ok(local) => match local.dropped_offset_seconds() {
            Some(offset) => RawValue::DateTimeOffset(local.datetime(), offset),
            None => RawValue::DateTime(local.datetime()),
        },
        // `NaT`, or an offset with seconds: the core reports the text as an invalid date.
        Err(_) => RawValue::Text(iso.to_owned()),
    })
}

/// A `datetime`'s ISO text from `datetime.datetime.isoformat`, not a subclass's own method.
pub fn iso_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = v.py();
    let iso = DATETIME
        .import(py, "datetime", "datetime")?
        .getattr(intern!(py, "isoformat"))?
        .call1((v,))?;
    Ok(utf8(iso.cast::<PyString>()?)?.to_owned())
}

/// `decimal.Decimal` with the same digits and scale (`4002.00` stays `4002.00`).
pub fn py_decimal<'py>(py: Python<'py>, d: &Decimal) -> PyResult<Bound<'py, PyAny>> {
    decimal_type(py)?.call1((d.to_string(),))
}

/// An optional decimal.
pub fn py_decimal_opt<'py>(py: Python<'py>, d: Option<&Decimal>) -> PyResult<Bound<'py, PyAny>> {
    match d {
        Some(d) => py_decimal(py, d),
        None => Ok(py.None().into_bound(py)),
    }
}

/// A naive `datetime` with the same wall-clock value. Python's `datetime` stops at microseconds:
/// finer digits (Codat writes 7) are cut here, and kept in the transaction for the wire.
pub fn py_naive_datetime<'py>(py: Python<'py>, dt: &NaiveDateTime) -> PyResult<Bound<'py, PyAny>> {
    py_datetime(py, dt, None)
}

/// A `datetime` with `dt`'s wall-clock value, to the microsecond (a leap second's extra
/// nanoseconds are dropped), in `tz` (naive without one).
fn py_datetime<'py>(
    py: Python<'py>,
    dt: &NaiveDateTime,
    tz: Option<&Bound<'py, pyo3::types::PyTzInfo>>,
) -> PyResult<Bound<'py, PyAny>> {
    let d = dt.date();
    let t = dt.time();
    Ok(PyDateTime::new(
        py,
        d.year(),
        d.month() as u8,
        d.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
        (t.nanosecond() % 1_000_000_000) / 1000,
        tz,
    )?
    .into_any())
}

/// A `date`.
pub fn py_date<'py>(py: Python<'py>, d: &NaiveDate) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyDate::new(py, d.year(), d.month() as u8, d.day() as u8)?.into_any())
}

/// A calendar day from a `date`, a `datetime` (its date part) or an ISO text.
pub fn day_from(v: &Bound<'_, PyAny>) -> Option<NaiveDate> {
    match raw_value(v).ok()? {
        RawValue::Date(d) => Some(d),
        RawValue::DateTime(dt) | RawValue::DateTimeOffset(dt, _) => Some(dt.date()),
        RawValue::Text(t) => LocalDateTime::parse(&t).ok().map(|l| l.date()),
        _ => None,
    }
}

/// A local date-time from a `datetime`, a `date` or an ISO text; the wall-clock part of an aware
/// value.
pub fn local_from(v: &Bound<'_, PyAny>) -> Option<NaiveDateTime> {
    match raw_value(v).ok()? {
        RawValue::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
        RawValue::DateTime(dt) | RawValue::DateTimeOffset(dt, _) => Some(dt),
        RawValue::Text(t) => LocalDateTime::parse(&t).ok().map(|l| l.datetime()),
        _ => None,
    }
}

/// An exact amount given as an argument (an opening balance): a `Decimal`, an `int`, a text or a
/// float that is exactly a short decimal, under the same rules as amounts in rows.
pub fn amount_from(name: &str, v: &Bound<'_, PyAny>) -> Result<Decimal, String> {
    use bankfeeds::money;
    let result = match raw_value(v).map_err(|e| e.to_string())? {
        RawValue::Int(i) => Ok(Decimal::from(i)),
        RawValue::Float(f) => money::from_f64_exact(f),
        RawValue::Number(s) | RawValue::Text(s) => money::parse_decimal(&s),
        RawValue::Decimal(d) => Ok(d),
        other => {
            return Err(format!(
                "{name} must be a decimal.Decimal, not {}",
                other.kind()
            ));
        }
    };
    result.map_err(|e| format!("{name} is not an exact amount: {e}"))
}
/// An aware UTC `datetime`, for server timestamps.
pub fn py_utc_datetime<'py>(
    py: Python<'py>,
    utc: &chrono::DateTime<chrono::Utc>,
) -> PyResult<Bound<'py, PyAny>> {
    let tz = pyo3::types::PyTzInfo::utc(py)?;
    py_datetime(py, &utc.naive_utc(), Some(&tz))
}
