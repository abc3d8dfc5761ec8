//! Results of batch calls: `Normalised`, `Balanced`, `ChainReport` and `Break`.

use bankfeeds::balance::{Break, ChainReport};
use bankfeeds::normalise::Change;
use bankfeeds::pipeline::Prepared;
use bankfeeds::validate::ValidationReport;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rust_decimal::Decimal;

use crate::errors::{BindError, config, guard, validation_error};
use crate::report::{PyChange, PyReport};
use crate::transaction::{PyPushBody, PyTransactions, bodies, split};
use crate::values::py_decimal;

/// What `normalise()` returns: the transactions ready to push (kept in Rust until asked for),
/// every change made, and every finding.
#[pyclass(module = "bankfeeds", name = "Normalised", frozen)]
pub struct PyNormalised {
    transactions: PyTransactions,
    changes: Vec<Change>,
    report: ValidationReport,
    account_id: Option<String>,
    batch_size: usize,
    rows_read: usize,
}

impl From<Prepared> for PyNormalised {
    fn from(p: Prepared) -> Self {
        PyNormalised {
            transactions: PyTransactions::new(p.transactions, Some(p.source_rows)),
            changes: p.changes,
            report: p.report,
            account_id: p.account_id,
            batch_size: p.batch_size,
            rows_read: p.rows_read,
        }
    }
}

#[pymethods]
impl PyNormalised {
    /// The normalised transactions, oldest first (rows that could not be typed are left out and
    /// reported). A `Transactions` batch: index it, iterate it, or call `to_dicts()` /
    /// `to_arrow()` on it.
    #[getter]
    fn transactions(&self) -> PyTransactions {
        self.transactions.clone()
    }
    /// For each transaction, its zero-based input row.
    #[getter]
    fn source_rows(&self) -> Vec<usize> {
        self.transactions
            .source_rows
            .as_ref()
            .map(|r| r.as_ref().clone())
            .unwrap_or_default()
    }
    /// Every change normalisation made.
    #[getter]
    fn changes(&self) -> Vec<PyChange> {
        PyChange::all(&self.changes)
    }
    /// Every finding, from reading the rows to the platform's rules, by input row.
    #[getter]
    fn report(&self) -> PyReport {
        PyReport::from(self.report.clone())
    }
    /// True when nothing stops a push (warnings allowed).
    #[getter]
    fn is_valid(&self) -> bool {
        self.report.is_valid()
    }
    /// The account the rows name (an `accountId` column or a push body's `accountId`), if any.
    #[getter]
    fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }
    /// Transactions per push for the platform.
    #[getter]
    fn batch_size(&self) -> usize {
        self.batch_size
    }
    /// Rows read from the input.
    #[getter]
    fn rows_read(&self) -> usize {
        self.rows_read
    }
    /// The transactions as dicts (see `Transactions.to_dicts`).
    fn to_dicts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for t in self.transactions.items.iter() {
            list.append(crate::transaction::transaction_dict(py, t)?)?;
        }
        Ok(list)
    }
    /// The transactions as a `pyarrow.Table` (see `Transactions.to_arrow`).
    #[pyo3(signature = (*, source_row=false))]
    fn to_arrow<'py>(&self, py: Python<'py>, source_row: bool) -> PyResult<Bound<'py, PyAny>> {
        let t = Py::new(py, self.transactions.clone())?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("source_row", source_row)?;
        t.bind(py).call_method("to_arrow", (), Some(&kwargs))
    }
    /// The transactions in push-sized batches, in order.
    fn batches(&self, py: Python<'_>) -> PyResult<Vec<PyTransactions>> {
        guard(py, || {
            Ok(split(
                &self.transactions.items,
                self.transactions
                    .source_rows
                    .as_deref()
                    .map(|v| v.as_slice()),
                self.batch_size,
            ))
        })
    }
    /// Push bodies for an account (by default the account the rows name), each within the
    /// platform's batch size.
    #[pyo3(signature = (account_id=None))]
    fn push_bodies(&self, py: Python<'_>, account_id: Option<String>) -> PyResult<Vec<PyPushBody>> {
        guard(py, || {
            let account = account_id
                .or_else(|| self.account_id.clone())
                .ok_or_else(|| {
                    config("push_bodies() needs an account_id: the rows do not name their account")
                })?;
            Ok(bodies(
                &account,
                std::sync::Arc::clone(&self.transactions.items),
                self.batch_size,
            ))
        })
    }
    /// Raises `bankfeeds.ValidationError` carrying the report when it has errors.
    fn raise_for_errors(&self, py: Python<'_>) -> PyResult<()> {
        if self.report.is_valid() {
            Ok(())
        } else {
            Err(validation_error(
                py,
                "normalise found errors",
                self.report.clone(),
            ))
        }
    }
    fn __len__(&self) -> usize {
        self.transactions.items.len()
    }
    fn __repr__(&self) -> String {
        format!(
            "Normalised({} transaction(s), {} change(s), {} error(s), {} warning(s))",
            self.transactions.items.len(),
            self.changes.len(),
            self.report.error_count(),
            self.report.warning_count()
        )
    }
}

/// Transactions with balances computed along the chain, and both ends of the chain.
#[pyclass(module = "bankfeeds", name = "Balanced", frozen)]
pub struct PyBalanced {
    pub transactions: PyTransactions,
    pub opening: Decimal,
    pub closing: Decimal,
}

#[pymethods]
impl PyBalanced {
    /// The transactions, each with the balance after it.
    #[getter]
    fn transactions(&self) -> PyTransactions {
        self.transactions.clone()
    }
    /// The balance before the first transaction.
    #[getter]
    fn opening<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.opening)
    }
    /// The balance after the last transaction.
    #[getter]
    fn closing<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.closing)
    }
    fn __len__(&self) -> usize {
        self.transactions.items.len()
    }
    fn __repr__(&self) -> String {
        format!(
            "Balanced({} transaction(s), opening={}, closing={})",
            self.transactions.items.len(),
            self.opening,
            self.closing
        )
    }
}

/// A row whose balance is not the previous balance plus its amount.
#[pyclass(module = "bankfeeds", name = "Break", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyBreak {
    inner: Break,
}

#[pymethods]
impl PyBreak {
    /// Zero-based input row.
    #[getter]
    fn row(&self) -> usize {
        self.inner.row
    }
    /// The row's transaction id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// Previous balance plus this amount.
    #[getter]
    fn expected<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.inner.expected)
    }
    /// The balance the row carries.
    #[getter]
    fn found<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.inner.found)
    }
    /// `found - expected`: how far the row is off.
    #[getter]
    fn difference<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.inner.difference())
    }
    fn __repr__(&self) -> String {
        format!(
            "Break(row={}, id={:?}, expected=Decimal({:?}), found=Decimal({:?}))",
            self.inner.row,
            self.inner.id,
            self.inner.expected.to_string(),
            self.inner.found.to_string()
        )
    }
}

/// What `verify()` found: every break in the chain, rows without a balance, and rows whose
/// expected balance overflows.
#[pyclass(module = "bankfeeds", name = "ChainReport", frozen)]
pub struct PyChainReport {
    pub inner: ChainReport,
}

#[pymethods]
impl PyChainReport {
    /// Every row whose balance does not follow, in row order.
    #[getter]
    fn breaks(&self) -> Vec<PyBreak> {
        self.inner
            .breaks
            .iter()
            .map(|b| PyBreak { inner: b.clone() })
            .collect()
    }
    /// Rows without a balance (bridged: the next balance is checked across them).
    #[getter]
    fn missing(&self) -> Vec<usize> {
        self.inner.missing.clone()
    }
    /// Rows whose expected balance overflows 28 digits.
    #[getter]
    fn overflows(&self) -> Vec<usize> {
        self.inner.overflows.clone()
    }
    /// True when every row with a balance follows from the one before.
    #[getter]
    fn is_intact(&self) -> bool {
        self.inner.is_intact()
    }
    /// The breaks as dicts with the keys `row, id, expected, found, difference`.
    fn to_dicts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for b in &self.inner.breaks {
            let d = PyDict::new(py);
            d.set_item("row", b.row)?;
            d.set_item("id", &b.id)?;
            d.set_item("expected", py_decimal(py, &b.expected)?)?;
            d.set_item("found", py_decimal(py, &b.found)?)?;
            d.set_item("difference", py_decimal(py, &b.difference())?)?;
            list.append(d)?;
        }
        Ok(list)
    }
    fn __repr__(&self) -> String {
        format!(
            "ChainReport({} break(s), {} missing, {} overflow(s))",
            self.inner.breaks.len(),
            self.inner.missing.len(),
            self.inner.overflows.len()
        )
    }
}

/// `normalise(strict=True)`: the result, or `ValidationError` carrying the report when it has
/// errors.
pub fn strict(py: Python<'_>, n: PyNormalised) -> PyResult<PyNormalised> {
    if n.report.is_valid() {
        Ok(n)
    } else {
        Err(BindError::Invalid("normalise found errors", n.report.clone()).into_py(py))
    }
}
