//! Findings and changes as Python objects: `Issue`, `Report` and `Change`.

use bankfeeds::normalise::Change;
use bankfeeds::validate::{Code, Issue, Severity, ValidationReport};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::arrow_out;
use crate::errors::{BindError, guard, validation_error};

/// One finding: what is wrong (`code`), how much it matters (`severity`), where (`row`, `id`,
/// `field`), a sentence for a person (`message`), and the values involved (`expected`, `found`).
///
/// `row` is the zero-based position in the input as given (after normalisation re-orders rows,
/// findings still point at input rows); `None` for findings about the whole batch or account.
#[pyclass(module = "bankfeeds", name = "Issue", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyIssue {
    pub inner: Issue,
}

pymethods_with_getters! {
    impl PyIssue {
        getters |v| {
            /// Stable machine-readable code, e.g. `"balance_mismatch"`.
            code -> &'static str = v.code.as_str();
            /// `"error"` or `"warning"`.
            severity -> &'static str = v.severity.as_str();
            /// Zero-based input row, or `None`.
            row -> Option<usize> = v.row;
            /// The line of a CSV file the finding is on (from 1; blank lines and line breaks inside
            /// quoted cells counted), or `None` for other input.
            line -> Option<usize> = v.line;
            /// The transaction's id, when it has one.
            id -> Option<&str> = v.id.as_deref();
            /// The field at fault as named on the wire (`"amount"`, `"transactionType"`), or `None`.
            field -> Option<&'static str> = v.field.map(|f| f.as_str());
            /// A sentence for a person.
            message -> &str = &v.message;
            /// The value expected, where there is one (e.g. the balance the chain implies).
            expected -> Option<&str> = v.expected.as_deref();
            /// The value found.
            found -> Option<&str> = v.found.as_deref();
            /// Whether this is an error (not a warning).
            is_error -> bool = v.is_error();
        }
        /// The finding as a dict with the keys `code, severity, row, id, field, message, expected,
        /// found`.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            issue_dict(py, &self.inner)
        }
        fn __str__(&self) -> String {
            self.inner.to_string()
        }
        fn __repr__(&self) -> String {
            format!(
                "Issue(code={:?}, severity={:?}, row={}, id={}, field={}, message={:?})",
                self.inner.code.as_str(),
                self.inner.severity.as_str(),
                self.inner
                    .row
                    .map_or_else(|| "None".to_owned(), |r| r.to_string()),
                self.inner
                    .id
                    .as_ref()
                    .map_or_else(|| "None".to_owned(), |i| format!("{i:?}")),
                self.inner
                    .field
                    .map_or_else(|| "None".to_owned(), |f| format!("{:?}", f.as_str())),
                self.inner.message
            )
        }
    }
}

fn issue_dict<'py>(py: Python<'py>, i: &Issue) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("code", i.code.as_str())?;
    d.set_item("severity", i.severity.as_str())?;
    d.set_item("row", i.row)?;
    d.set_item("id", i.id.as_deref())?;
    d.set_item("field", i.field.map(|f| f.as_str()))?;
    d.set_item("message", &i.message)?;
    d.set_item("expected", i.expected.as_deref())?;
    d.set_item("found", i.found.as_deref())?;
    Ok(d)
}

/// Everything found in one pass, errors and warnings together, ordered by row.
///
/// Iterating a report yields its issues; `len(report)` counts them. `report.is_valid` is true
/// when there is no error (warnings allowed): the rows may be pushed. A streamed file's report
/// lists the first findings of each code and counts the rest in `omitted`; `error_count`,
/// `warning_count` and `is_valid` count those too.
#[pyclass(module = "bankfeeds", name = "Report", frozen, eq)]
#[derive(Clone, PartialEq, Default)]
pub struct PyReport {
    pub inner: ValidationReport,
}

impl From<ValidationReport> for PyReport {
    fn from(inner: ValidationReport) -> Self {
        PyReport { inner }
    }
}

fn issues<'a>(py: Python<'_>, it: impl Iterator<Item = &'a Issue>) -> PyResult<Vec<Py<PyIssue>>> {
    it.map(|i| Py::new(py, PyIssue { inner: i.clone() }))
        .collect()
}

pymethods_with_getters! {
    impl PyReport {
        getters |v| {
            /// Number of errors, listed or not (see `omitted`).
            error_count -> usize = v.error_count();
            /// Number of warnings, listed or not (see `omitted`).
            warning_count -> usize = v.warning_count();
            /// True when there is no error, listed or not (warnings allowed).
            is_valid -> bool = v.is_valid();
        }
        /// The findings counted but not listed (a file read as it streams lists the first
        /// `max_findings` of each code), by code and severity: dicts with the keys `code,
        /// severity, count`. Empty when every finding is listed.
        #[getter]
        fn omitted<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
            let list = PyList::empty(py);
            for o in &self.inner.omitted {
                let d = PyDict::new(py);
                d.set_item("code", o.code.as_str())?;
                d.set_item("severity", o.severity.as_str())?;
                d.set_item("count", o.count)?;
                list.append(d)?;
            }
            Ok(list)
        }
        /// Every finding, in row order.
        #[getter]
        fn issues(&self, py: Python<'_>) -> PyResult<Vec<Py<PyIssue>>> {
            issues(py, self.inner.issues.iter())
        }
        /// The errors: findings that stop a push.
        #[getter]
        fn errors(&self, py: Python<'_>) -> PyResult<Vec<Py<PyIssue>>> {
            issues(py, self.inner.errors())
        }
        /// The warnings: worth a look, but the push can go ahead.
        #[getter]
        fn warnings(&self, py: Python<'_>) -> PyResult<Vec<Py<PyIssue>>> {
            issues(py, self.inner.warnings())
        }
        /// The findings with this code (e.g. `"balance_mismatch"`).
        fn with_code(&self, py: Python<'_>, code: &str) -> PyResult<Vec<Py<PyIssue>>> {
            let code = Code::parse(code);
            issues(
                py,
                self.inner.issues.iter().filter(|i| Some(i.code) == code),
            )
        }
        /// Raises `bankfeeds.ValidationError` carrying this report when it has errors.
        fn raise_for_errors(&self, py: Python<'_>) -> PyResult<()> {
            if self.inner.is_valid() {
                Ok(())
            } else {
                Err(validation_error(
                    py,
                    "the rows have errors",
                    self.inner.clone(),
                ))
            }
        }
        /// Every finding as a dict (keys `code, severity, row, id, field, message, expected,
        /// found`), for writing back into a pipeline.
        fn to_dicts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
            let list = PyList::empty(py);
            for i in &self.inner.issues {
                list.append(issue_dict(py, i)?)?;
            }
            Ok(list)
        }
        /// Every finding as a `pyarrow.Table` with the columns `code, severity, row, id, field,
        /// message, expected, found` (needs pyarrow).
        fn to_arrow<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            guard(py, || {
                let batch = arrow_out::report_batch(&self.inner).map_err(BindError::Value)?;
                Ok(arrow_out::to_pyarrow(py, batch)?)
            })
        }
        fn __len__(&self) -> usize {
            self.inner.issues.len()
        }
        fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
            let list = PyList::new(py, issues(py, self.inner.issues.iter())?)?;
            Ok(list.try_iter()?.into_any().unbind())
        }
        fn __str__(&self) -> String {
            self.inner.to_string()
        }
        fn __repr__(&self) -> String {
            format!(
                "Report({} error(s), {} warning(s))",
                self.inner.error_count(),
                self.inner.warning_count()
            )
        }
    }
}

/// One change normalisation made: what (`kind`), where (`row`, `id`, `field`, or `rows` for a
/// change to many rows such as sorting), the values `before` and `after`, and a `message`.
#[pyclass(module = "bankfeeds", name = "Change", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyChange {
    pub inner: Change,
}

impl PyChange {
    /// Each change as a Python `Change`.
    pub fn all(changes: &[Change]) -> Vec<PyChange> {
        changes
            .iter()
            .map(|c| PyChange { inner: c.clone() })
            .collect()
    }
}

pymethods_with_getters! {
    impl PyChange {
        getters |v| {
            /// What changed: `trimmed`, `blanked`, `truncated`, `duplicate_dropped`, `type_inferred`,
            /// `sign_flipped`, `sorted`, `balances_computed` or `balance_replaced`.
            kind -> &'static str = v.kind.as_str();
            /// The input row, for a change to one row.
            row -> Option<usize> = v.row;
            /// That row's id.
            id -> Option<&str> = v.id.as_deref();
            /// The field changed, as named on the wire.
            field -> Option<&'static str> = v.field.map(|f| f.as_str());
            /// The value before.
            before -> Option<&str> = v.before.as_deref();
            /// The value after.
            after -> Option<&str> = v.after.as_deref();
            /// For a change to many rows, the input rows it touched.
            rows -> Vec<usize> = v.rows.clone();
            /// A sentence for a person.
            message -> &str = &v.message;
        }
        /// The change as a dict with the keys `kind, row, id, field, before, after, rows, message`.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            let c = &self.inner;
            let d = PyDict::new(py);
            d.set_item("kind", c.kind.as_str())?;
            d.set_item("row", c.row)?;
            d.set_item("id", c.id.as_deref())?;
            d.set_item("field", c.field.map(|f| f.as_str()))?;
            d.set_item("before", c.before.as_deref())?;
            d.set_item("after", c.after.as_deref())?;
            d.set_item("rows", c.rows.clone())?;
            d.set_item("message", &c.message)?;
            Ok(d)
        }
        fn __str__(&self) -> String {
            self.inner.to_string()
        }
        fn __repr__(&self) -> String {
            format!(
                "Change(kind={:?}, row={}, message={:?})",
                self.inner.kind.as_str(),
                self.inner
                    .row
                    .map_or_else(|| "None".to_owned(), |r| r.to_string()),
                self.inner.message
            )
        }
    }
}

/// Every code with its default severity, for documentation and for pipelines that map codes.
pub fn codes() -> Vec<(&'static str, &'static str)> {
    Code::ALL
        .iter()
        .map(|c| {
            (
                c.as_str(),
                match c.default_severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
            )
        })
        .collect()
}
