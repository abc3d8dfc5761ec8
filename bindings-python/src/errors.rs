//! Errors across the boundary: core errors become the exception classes of
//! `bankfeeds/_errors.py`, and a panic becomes `bankfeeds.InternalError` instead of PyO3's
//! `PanicException` (a `BaseException` that a pipeline's `except Exception` would not catch).

use std::panic::{AssertUnwindSafe, catch_unwind};

use bankfeeds::validate::{Code, Field, Issue, ValidationReport};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

use crate::report::PyReport;

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The pure-Python module that declares the exception classes.
fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    ERRORS
        .get_or_try_init(py, || Ok(py.import("bankfeeds._errors")?.unbind()))
        .map(|m| m.bind(py))
}

/// An instance of `bankfeeds._errors.<class>` built from keyword arguments, as a `PyErr`.
fn raise(py: Python<'_>, class: &str, message: &str, kwargs: &Bound<'_, PyDict>) -> PyErr {
    let made = errors_module(py)
        .and_then(|m| m.getattr(class))
        .and_then(|cls| cls.call((message,), Some(kwargs)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// `bankfeeds.ValidationError` carrying the whole report; `lead` says what could not be done.
pub fn validation_error(py: Python<'_>, lead: &str, report: ValidationReport) -> PyErr {
    match Py::new(py, PyReport::from(report)) {
        Ok(report) => {
            let kwargs = PyDict::new(py);
            if let Err(e) = kwargs.set_item("report", report) {
                return e;
            }
            raise(py, "ValidationError", lead, &kwargs)
        }
        Err(e) => e,
    }
}

/// `bankfeeds.SchemaError`: the input as a whole cannot be read as rows (an Arrow column of a
/// type no field can take). Carries a one-issue report naming the field, plus the column name.
pub fn schema_error(py: Python<'_>, problem: &SchemaProblem) -> PyErr {
    let mut issue = Issue::new(Code::MalformedInput, problem.message.clone());
    if let Some(field) = problem.field {
        issue = issue.on(field);
    }
    let report = ValidationReport::from(vec![issue]);
    match Py::new(py, PyReport::from(report)) {
        Ok(report) => {
            let kwargs = PyDict::new(py);
            let set = kwargs
                .set_item("report", report)
                .and_then(|_| kwargs.set_item("column", problem.column.as_deref()));
            if let Err(e) = set {
                return e;
            }
            raise(py, "SchemaError", &problem.message, &kwargs)
        }
        Err(e) => e,
    }
}

/// `bankfeeds.ConfigurationError`: an option that cannot be used (an unknown platform, a
/// feed start date that is not a date, both an opening and a closing balance).
pub fn configuration_error(py: Python<'_>, message: impl AsRef<str>) -> PyErr {
    raise(py, "ConfigurationError", message.as_ref(), &PyDict::new(py))
}

/// Shorthand for an error that needs no Python token yet: converted when the call returns.
pub fn config(message: impl Into<String>) -> BindError {
    BindError::Config(message.into())
}

/// A problem with an Arrow input's schema, found before any row is read.
#[derive(Debug, Clone)]
pub struct SchemaProblem {
    /// The column as the table names it.
    pub column: Option<String>,
    /// The field the column feeds, when it names one.
    pub field: Option<Field>,
    /// A sentence for a person.
    pub message: String,
}

/// Errors raised by binding code that may run while detached from the interpreter; turned into
/// Python exceptions once attached again.
#[derive(Debug)]
pub enum BindError {
    /// Python raised (or a conversion failed) while attached.
    Py(PyErr),
    /// See [`SchemaProblem`].
    Schema(SchemaProblem),
    /// The Arrow stream failed while being read.
    Arrow(String),
    /// An option that cannot be used.
    Config(String),
    /// Rows that cannot be used for what was asked: raised as `ValidationError`.
    Invalid(&'static str, ValidationReport),
    /// A wrong Python type for an argument.
    Type(String),
    /// A value that cannot be represented in the output (e.g. in one decimal128 column).
    Value(String),
}

impl From<PyErr> for BindError {
    fn from(e: PyErr) -> Self {
        BindError::Py(e)
    }
}

impl BindError {
    /// The Python exception.
    pub fn into_py(self, py: Python<'_>) -> PyErr {
        match self {
            BindError::Py(e) => e,
            BindError::Schema(p) => schema_error(py, &p),
            BindError::Arrow(m) => {
                let kwargs = PyDict::new(py);
                let report =
                    ValidationReport::from(vec![Issue::new(Code::MalformedInput, m.clone())]);
                match Py::new(py, PyReport::from(report)) {
                    Ok(r) => match kwargs.set_item("report", r) {
                        Ok(()) => raise(py, "SchemaError", &m, &kwargs),
                        Err(e) => e,
                    },
                    Err(e) => e,
                }
            }
            BindError::Config(m) => configuration_error(py, m),
            BindError::Invalid(lead, report) => validation_error(py, lead, report),
            BindError::Type(m) => PyTypeError::new_err(m),
            BindError::Value(m) => PyValueError::new_err(m),
        }
    }
}

/// Result type of binding code.
pub type BindResult<T> = Result<T, BindError>;

/// Runs an entry point, turning a panic (a bug) into `bankfeeds.InternalError` and binding
/// errors into Python exceptions. Every `#[pyfunction]` and method that does work goes through
/// here, including the code it runs detached from the interpreter.
pub fn guard<T>(py: Python<'_>, f: impl FnOnce() -> BindResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.into_py(py)),
        Err(payload) => Err(panic_error(py, payload)),
    }
}

/// `bankfeeds.InternalError` for a caught panic, with the panic's message.
pub fn panic_error(py: Python<'_>, payload: Box<dyn std::any::Any + Send>) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    raise(
        py,
        "InternalError",
        &format!("bankfeeds hit a bug and stopped safely: {what}; please report it"),
        &PyDict::new(py),
    )
}

/// `bankfeeds.ReentrancyError`: a client call made where it cannot run (inside a callback of
/// another client call on the same thread).
pub fn reentrancy_error(py: Python<'_>, message: &str) -> PyErr {
    raise(py, "ReentrancyError", message, &PyDict::new(py))
}

/// `bankfeeds.LedgerError`: the push ledger could not be opened, read or written, or a ledger
/// written in Python raised (`cause`, kept as the exception's `__cause__`).
pub fn ledger_error(py: Python<'_>, message: &str, cause: Option<PyErr>) -> PyErr {
    let e = raise(py, "LedgerError", message, &PyDict::new(py));
    if let Some(cause) = cause {
        e.set_cause(py, Some(cause));
    }
    e
}

/// `bankfeeds.WebhookError`: a webhook delivery refused, with the core's stable `code`
/// (`missing_header`, `invalid_timestamp`, `expired`, `invalid_signature`, `invalid_secret`,
/// `invalid_body`) and the HTTP `status` to answer with.
pub fn webhook_error(py: Python<'_>, message: &str, code: &str, status: u16) -> PyErr {
    let kwargs = PyDict::new(py);
    if let Err(e) = kwargs
        .set_item("code", code)
        .and_then(|_| kwargs.set_item("status", status))
    {
        return e;
    }
    raise(py, "WebhookError", message, &kwargs)
}
