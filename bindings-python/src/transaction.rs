//! Typed transactions: `Transaction` (one statement line), `Transactions` (a batch kept in Rust
//! until asked for) and `PushBody` (what one push sends).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use bankfeeds::dates::Precision;
use bankfeeds::ingest::{self, IngestOptions, RawTransaction, RawValue};
use bankfeeds::model::{BankTransaction, CreateBankTransactions};
use bankfeeds::{balance, batch};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySlice, PySliceMethods, PyString};

use crate::args;
use crate::arrow_out;
use crate::errors::{BindError, BindResult, guard};
use crate::values::{py_decimal, py_decimal_opt, py_naive_datetime, raw_value};

/// One bank statement line, typed and checked when built.
///
/// ```python
/// from datetime import datetime
/// from decimal import Decimal
/// import bankfeeds
/// tx = bankfeeds.Transaction("tx-1", datetime(2024, 5, 1, 9, 30), Decimal("-17.54"),
///                            description="Coffee", transaction_type="Debit")
/// ```
///
/// The constructor reads its arguments as a row is read (`date` may be a `datetime`, a `date` or
/// an ISO text; `amount` a `Decimal`, an `int`, a numeric text or an exactly representable
/// float) and raises `bankfeeds.ValidationError` listing every argument it cannot use.
#[pyclass(module = "bankfeeds", name = "Transaction", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyTransaction {
    pub inner: BankTransaction,
}

/// A row's fields as the core reads them, from a typed transaction (for lists that mix
/// dicts and `Transaction`s).
pub fn raw_from_typed(t: &BankTransaction) -> RawTransaction {
    let text = |v: &Option<String>| v.clone().map_or(RawValue::Null, RawValue::Text);
    RawTransaction {
        id: RawValue::Text(t.id.clone()),
        date: match t.date.dropped_offset_seconds() {
            Some(offset) => RawValue::DateTimeOffset(t.date.datetime(), offset),
            None => RawValue::Text(t.date.to_string()),
        },
        description: text(&t.description),
        counterparty: text(&t.counterparty),
        reference: text(&t.reference),
        reconciled: t.reconciled.map_or(RawValue::Null, RawValue::Bool),
        amount: RawValue::Decimal(t.amount),
        balance: t.balance.map_or(RawValue::Null, RawValue::Decimal),
        transaction_type: t
            .transaction_type
            .as_ref()
            .map_or(RawValue::Null, |t| RawValue::Text(t.as_str().to_owned())),
        ..RawTransaction::default()
    }
}

/// The transaction as a dict with snake_case keys and Python values.
pub fn transaction_dict<'py>(py: Python<'py>, t: &BankTransaction) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "id"), &t.id)?;
    d.set_item(
        intern!(py, "date"),
        py_naive_datetime(py, &t.date.datetime())?,
    )?;
    d.set_item(intern!(py, "description"), t.description.as_deref())?;
    d.set_item(intern!(py, "counterparty"), t.counterparty.as_deref())?;
    d.set_item(intern!(py, "reference"), t.reference.as_deref())?;
    d.set_item(intern!(py, "reconciled"), t.reconciled)?;
    d.set_item(intern!(py, "amount"), py_decimal(py, &t.amount)?)?;
    d.set_item(
        intern!(py, "balance"),
        py_decimal_opt(py, t.balance.as_ref())?,
    )?;
    d.set_item(
        intern!(py, "transaction_type"),
        t.transaction_type.as_ref().map(|t| t.as_str()),
    )?;
    Ok(d)
}

#[pymethods]
impl PyTransaction {
    #[new]
    #[pyo3(signature = (id, date, amount, *, description=None, counterparty=None, reference=None, reconciled=None, balance=None, transaction_type=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        date: &Bound<'_, PyAny>,
        amount: &Bound<'_, PyAny>,
        description: Option<&Bound<'_, PyAny>>,
        counterparty: Option<&Bound<'_, PyAny>>,
        reference: Option<&Bound<'_, PyAny>>,
        reconciled: Option<&Bound<'_, PyAny>>,
        balance: Option<&Bound<'_, PyAny>>,
        transaction_type: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(py, || {
            let opt = |v: Option<&Bound<'_, PyAny>>| v.map_or(Ok(RawValue::Null), raw_value);
            let row = RawTransaction {
                id: raw_value(id)?,
                date: raw_value(date)?,
                amount: raw_value(amount)?,
                description: opt(description)?,
                counterparty: opt(counterparty)?,
                reference: opt(reference)?,
                reconciled: opt(reconciled)?,
                balance: opt(balance)?,
                transaction_type: opt(transaction_type)?,
                ..RawTransaction::default()
            };
            Ok(PyTransaction {
                inner: one_transaction(row)?,
            })
        })
    }

    /// Builds a transaction from a mapping whose keys are matched as row keys are (`id`,
    /// `transactionType` or `transaction_type`, ...). Raises `ValidationError` as the
    /// constructor does; unknown keys are refused too, so a typo does not lose a field.
    #[staticmethod]
    fn from_dict(py: Python<'_>, mapping: &Bound<'_, PyAny>) -> PyResult<Self> {
        guard(py, || {
            let dict = mapping
                .cast::<PyDict>()
                .map_err(|_| BindError::Type("from_dict() takes a dict".into()))?;
            let mut row = RawTransaction::default();
            for (k, v) in dict.iter() {
                let key = k.str()?.to_cow()?.into_owned();
                row.set(&key, raw_value(&v)?);
            }
            Ok(PyTransaction {
                inner: one_transaction(row)?,
            })
        })
    }

    /// The transaction's id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// The local wall-clock date-time Codat books, as a naive `datetime` (finer than
    /// microseconds is kept for the wire but not shown here).
    #[getter]
    fn date<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_naive_datetime(py, &self.inner.date.datetime())
    }
    /// The date exactly as it will be sent (`"2024-05-01"`, `"2024-05-01T09:30:00"`).
    #[getter]
    fn date_text(&self) -> String {
        self.inner.date.to_string()
    }
    /// Whether the date was given without a time of day.
    #[getter]
    fn date_only(&self) -> bool {
        self.inner.date.precision() == Precision::Date
    }
    /// Amount as a `Decimal`: positive in, negative out.
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal(py, &self.inner.amount)
    }
    /// The account balance after this transaction, or `None`.
    #[getter]
    fn balance<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal_opt(py, self.inner.balance.as_ref())
    }
    /// Description of the statement line.
    #[getter]
    fn description(&self) -> Option<&str> {
        self.inner.description.as_deref()
    }
    /// The other party.
    #[getter]
    fn counterparty(&self) -> Option<&str> {
        self.inner.counterparty.as_deref()
    }
    /// A reference.
    #[getter]
    fn reference(&self) -> Option<&str> {
        self.inner.reference.as_deref()
    }
    /// Whether the transaction is reconciled.
    #[getter]
    fn reconciled(&self) -> Option<bool> {
        self.inner.reconciled
    }
    /// The transaction type as the spec spells it (`"Debit"`), or `None`.
    #[getter]
    fn transaction_type(&self) -> Option<&str> {
        self.inner.transaction_type.as_ref().map(|t| t.as_str())
    }
    /// A dict with the keys `id, date, description, counterparty, reference, reconciled,
    /// amount, balance, transaction_type`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        transaction_dict(py, &self.inner)
    }
    /// The transaction as Codat receives it: camelCase JSON, exact amounts.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            serde_json::to_string(&self.inner).map_err(|e| BindError::Value(e.to_string()))
        })
    }
    fn __repr__(&self) -> String {
        let t = &self.inner;
        let mut s = format!(
            "Transaction(id={:?}, date={:?}, amount=Decimal({:?})",
            t.id,
            t.date.to_string(),
            t.amount.to_string()
        );
        if let Some(b) = t.balance {
            s.push_str(&format!(", balance=Decimal({:?})", b.to_string()));
        }
        if let Some(d) = &t.description {
            s.push_str(&format!(", description={d:?}"));
        }
        if let Some(ty) = &t.transaction_type {
            s.push_str(&format!(", transaction_type={:?}", ty.as_str()));
        }
        s.push(')');
        s
    }
}

/// Types one row or lists every problem with it.
fn one_transaction(row: RawTransaction) -> BindResult<BankTransaction> {
    let mut out = ingest::ingest([row], &IngestOptions::default());
    if out.report.is_valid()
        && let Some(tx) = out.transactions.pop()
    {
        return Ok(tx);
    }
    // Not a row of a batch: the findings name fields only.
    for issue in &mut out.report.issues {
        issue.row = None;
    }
    Err(BindError::Invalid(
        "the transaction cannot be built",
        out.report,
    ))
}

/// A batch of typed transactions, kept in Rust until asked for: index it, iterate it, or turn
/// it into a list, dicts or a `pyarrow.Table` in one call.
#[pyclass(module = "bankfeeds", name = "Transactions", frozen, sequence)]
#[derive(Clone, Default)]
pub struct PyTransactions {
    pub items: Arc<Vec<BankTransaction>>,
    /// For each transaction, its input row (when the batch came from rows).
    pub source_rows: Option<Arc<Vec<usize>>>,
}

impl Drop for PyTransactions {
    fn drop(&mut self) {
        release(&mut self.items);
    }
}

impl PyTransactions {
    pub fn new(items: Vec<BankTransaction>, source_rows: Option<Vec<usize>>) -> Self {
        PyTransactions {
            items: Arc::new(items),
            source_rows: source_rows.map(Arc::new),
        }
    }
}

/// Transactions no longer used: a large batch is freed on a thread of its own, so that the
/// call that let go of it (a `del`, a function returning) does not wait for a million
/// transactions' text to be freed. One batch is freed at a time; when a batch is still being
/// freed, or in a process forked since the thread started, the next is freed where it is let go.
pub fn release(items: &mut Arc<Vec<BankTransaction>>) {
    const LARGE: usize = 100_000;
    if items.len() < LARGE || Arc::strong_count(items) > 1 {
        return;
    }
    static EMPTY: OnceLock<Arc<Vec<BankTransaction>>> = OnceLock::new();
    let empty = Arc::clone(EMPTY.get_or_init(|| Arc::new(Vec::new())));
    let Some(batch) = Arc::into_inner(std::mem::replace(items, empty)) else {
        return; // another holder let go at the same time: it frees the batch
    };
    static FREER: OnceLock<Option<(u32, std::sync::mpsc::SyncSender<Vec<BankTransaction>>)>> =
        OnceLock::new();
    let freer = FREER.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<BankTransaction>>(0);
        std::thread::Builder::new()
            .name("bankfeeds-free".into())
            .spawn(move || receiver.into_iter().for_each(drop))
            .ok()
            .map(|_| (std::process::id(), sender))
    });
    if let Some((pid, sender)) = freer
        && *pid == std::process::id()
        && let Err(e) = sender.try_send(batch)
    {
        drop(e); // the thread is busy: the batch is freed here
    }
}

fn wrap(py: Python<'_>, t: &BankTransaction) -> PyResult<Py<PyTransaction>> {
    Py::new(py, PyTransaction { inner: t.clone() })
}

#[pymethods]
impl PyTransactions {
    fn __len__(&self) -> usize {
        self.items.len()
    }
    fn __getitem__(&self, py: Python<'_>, index: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(slice) = index.cast::<PySlice>() {
            let ind = slice.indices(self.items.len() as isize)?;
            let mut items = Vec::new();
            let mut rows = Vec::new();
            let mut i = ind.start;
            while (ind.step > 0 && i < ind.stop) || (ind.step < 0 && i > ind.stop) {
                items.push(self.items[i as usize].clone());
                if let Some(r) = &self.source_rows {
                    rows.push(r[i as usize]);
                }
                i += ind.step;
            }
            let rows = self.source_rows.as_ref().map(|_| rows);
            return Ok(Py::new(py, PyTransactions::new(items, rows))?.into_any());
        }
        let j = args::index(index, self.items.len(), "transactions")?;
        Ok(wrap(py, &self.items[j])?.into_any())
    }
    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self.to_list(py)?.try_iter()?.into_any().unbind())
    }
    fn __repr__(&self) -> String {
        format!("Transactions({} transaction(s))", self.items.len())
    }
    /// For each transaction, its zero-based input row, or `None` when the batch did not come
    /// from rows.
    #[getter]
    fn source_rows(&self) -> Option<Vec<usize>> {
        self.source_rows.as_ref().map(|r| r.as_ref().clone())
    }
    /// A list of `Transaction` objects.
    fn to_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for t in self.items.iter() {
            list.append(wrap(py, t)?)?;
        }
        Ok(list)
    }
    /// A list of dicts with the keys `id, date, description, counterparty, reference,
    /// reconciled, amount, balance, transaction_type` (`Decimal` amounts, naive `datetime`
    /// dates).
    fn to_dicts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for t in self.items.iter() {
            list.append(transaction_dict(py, t)?)?;
        }
        Ok(list)
    }
    /// A `pyarrow.Table` with the columns `id, date (timestamp[us], naive), description,
    /// counterparty, reference, reconciled, amount (decimal128(38, s)), balance, transaction_type`,
    /// plus `source_row` when `source_row=True`. Needs pyarrow; no Python object per row.
    #[pyo3(signature = (*, source_row=false))]
    fn to_arrow<'py>(&self, py: Python<'py>, source_row: bool) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let rows: Option<Vec<usize>> = if source_row {
                Some(match &self.source_rows {
                    Some(r) => r.as_ref().clone(),
                    None => (0..self.items.len()).collect(),
                })
            } else {
                None
            };
            let items = Arc::clone(&self.items);
            let batch = py
                .detach(move || arrow_out::transactions_batch(&items, rows.as_deref()))
                .map_err(BindError::Value)?;
            Ok(arrow_out::to_pyarrow(py, batch)?)
        })
    }
    /// The transactions as a JSON array, exactly as Codat receives them.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || {
            let items = Arc::clone(&self.items);
            py.detach(move || {
                serde_json::to_string(items.as_ref()).map_err(|e| BindError::Value(e.to_string()))
            })
        })
    }
    /// Consecutive batches of at most `size` transactions (at least 1; more than 1000 counts as
    /// 1000), in order.
    #[pyo3(signature = (size=1000))]
    fn batches(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = args::size)] size: usize,
    ) -> PyResult<Vec<PyTransactions>> {
        guard(py, || {
            Ok(split(
                &self.items,
                self.source_rows.as_deref().map(|v| v.as_slice()),
                size,
            ))
        })
    }
    /// Push bodies for one account, each with at most `size` transactions (at least 1; more than
    /// 1000 counts as 1000).
    #[pyo3(signature = (account_id, size=1000))]
    fn push_bodies(
        &self,
        py: Python<'_>,
        account_id: &str,
        #[pyo3(from_py_with = args::size)] size: usize,
    ) -> PyResult<Vec<PyPushBody>> {
        guard(py, || Ok(bodies(account_id, Arc::clone(&self.items), size)))
    }
    /// The account balance after these transactions: the last one's balance, or `None`.
    fn closing_balance<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal_opt(py, balance::closing_balance(&self.items).as_ref())
    }
    /// The balance before the first transaction, from its balance and amount, or `None`.
    fn opening_balance<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_decimal_opt(py, balance::opening_balance(&self.items).as_ref())
    }
}

/// Batches as `Transactions`, keeping each transaction's input row.
pub fn split(
    items: &[BankTransaction],
    rows: Option<&[usize]>,
    size: usize,
) -> Vec<PyTransactions> {
    // Batches differ in length (the core keeps each push body within its byte limit), so each
    // batch's rows start where the last batch's ended.
    let mut start = 0;
    batch::split(items, size)
        .map(|chunk| {
            let end = start + chunk.len();
            let rows = rows.and_then(|r| r.get(start..end)).map(<[usize]>::to_vec);
            start = end;
            PyTransactions::new(chunk.to_vec(), rows)
        })
        .collect()
}

/// Push bodies as Python objects, sharing the batch's storage (no copy per body) and the JSON
/// written ahead (see [`Ahead`]).
pub fn bodies(account_id: &str, items: Arc<Vec<BankTransaction>>, size: usize) -> Vec<PyPushBody> {
    let ranges = batch::body_ranges(account_id, &items, size);
    let ahead = Arc::new(Ahead::new(account_id, Arc::clone(&items), ranges.clone()));
    ranges
        .into_iter()
        .enumerate()
        .map(|(index, range)| PyPushBody {
            account_id: account_id.to_owned(),
            items: Arc::clone(&items),
            range,
            ahead: Some((Arc::clone(&ahead), index)),
        })
        .collect()
}

/// The body of one push: up to 1000 transactions for one source account, oldest first.
#[pyclass(module = "bankfeeds", name = "PushBody", frozen)]
#[derive(Clone)]
pub struct PyPushBody {
    account_id: String,
    items: Arc<Vec<BankTransaction>>,
    range: std::ops::Range<usize>,
    /// The bodies this one was made with (by `push_bodies`) and its place among them.
    ahead: Option<(Arc<Ahead>, usize)>,
}

/// The JSON of the bodies one `push_bodies` call made, written ahead: from the first `to_json`
/// of a large body, threads of their own (one per other core, up to [`Ahead::HELPERS`]) write
/// the bodies after the last one asked for, in order, the interpreter released, and each is kept
/// until its own `to_json` takes it. A pipeline writing every body in order so copies each body
/// into Python while the next ones are written. At most [`Ahead::LOOKAHEAD`] bodies are written
/// past the last one asked for; a body asked for again, or one no thread has started, is
/// written then by the caller. The threads hold the bodies weakly: once every `PushBody` of the
/// call is gone, or when nothing has been asked for in [`Ahead::IDLE`], they end (bodies kept
/// for later start them again), so bodies held unused keep no thread.
struct Ahead {
    account_id: String,
    items: Arc<Vec<BankTransaction>>,
    ranges: Vec<std::ops::Range<usize>>,
    /// A body's JSON, written ahead and not yet taken.
    ready: Vec<Mutex<Option<String>>>,
    /// Each body's [`Stage`].
    stage: Vec<AtomicU8>,
    /// Buffers of bodies already copied into Python, written into again: a body is about 150
    /// KB, and a buffer made for each one is memory the kernel hands over (and clears) anew.
    spare: Mutex<Vec<String>>,
    /// Which bodies were asked for; the writers wait on `moved` for the caller to move on, and
    /// the caller for a body being written.
    flow: Mutex<Flow>,
    moved: Condvar,
}

/// Where a body's JSON is.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Stage {
    /// Not written: the first to claim it writes it.
    Free = 0,
    /// A writer thread is writing it into `ready`.
    Writing = 1,
    /// Written into `ready` (and perhaps taken since).
    Written = 2,
}

#[derive(Default)]
struct Flow {
    /// One past the body asked for last: the writers write the bodies from there.
    next: usize,
    /// Writer threads running.
    writers: usize,
    /// The process they run in (none yet: 0). A process forked since has none of them.
    writers_in: u32,
}

impl Drop for Ahead {
    fn drop(&mut self) {
        release(&mut self.items);
    }
}

impl Ahead {
    /// Other cores used at most (the machine's, less the caller's).
    const HELPERS: usize = 3;
    /// Bodies written past the last one asked for, at most.
    const LOOKAHEAD: usize = 4;
    /// How long a writer waits for the caller to ask for another body before it ends.
    const IDLE: std::time::Duration = std::time::Duration::from_millis(200);
    /// Bodies smaller than this are not written ahead: a thread costs more than they do.
    const MIN_TRANSACTIONS: usize = 128;
    /// Buffers kept for writing into again: one a writer, and one being copied.
    const SPARE: usize = Self::HELPERS + 2;

    fn new(
        account_id: &str,
        items: Arc<Vec<BankTransaction>>,
        ranges: Vec<std::ops::Range<usize>>,
    ) -> Self {
        let n = ranges.len();
        Ahead {
            account_id: account_id.to_owned(),
            items,
            ranges,
            ready: (0..n).map(|_| Mutex::new(None)).collect(),
            stage: (0..n).map(|_| AtomicU8::new(Stage::Free as u8)).collect(),
            spare: Mutex::new(Vec::new()),
            flow: Mutex::new(Flow::default()),
            moved: Condvar::new(),
        }
    }

    /// How many other threads write ahead: one per other core, up to [`Ahead::HELPERS`].
    fn helpers() -> usize {
        static CORES: OnceLock<usize> = OnceLock::new();
        let cores =
            *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        (cores - 1).min(Self::HELPERS)
    }

    fn flow(&self) -> std::sync::MutexGuard<'_, Flow> {
        self.flow
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves body `index` from `from` to `to`; false when it was not at `from`.
    fn advance(&self, index: usize, from: Stage, to: Stage) -> bool {
        self.stage[index]
            .compare_exchange(from as u8, to as u8, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn slot(&self, index: usize) -> std::sync::MutexGuard<'_, Option<String>> {
        self.ready[index]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Gives back the buffer of a body that was copied into Python.
    fn recycle(&self, json: String) {
        let mut spare = self
            .spare
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if spare.len() < Self::SPARE {
            spare.push(json);
        }
    }

    fn write(&self, index: usize) -> String {
        let buffer = self
            .spare
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .unwrap_or_default();
        body_json_into(
            &self.account_id,
            &self.items[self.ranges[index].clone()],
            buffer,
        )
    }

    /// Body `index`'s JSON: taken when it was written ahead, waited for while a writer writes
    /// it, otherwise written now.
    fn json(self: &Arc<Self>, index: usize) -> String {
        let mut flow = self.flow();
        flow.next = index + 1;
        let here = std::process::id();
        if flow.writers_in != here {
            if flow.writers_in != 0 {
                // Forked: the bodies the parent's writers were writing are written here.
                for stage in &self.stage {
                    let _ = stage.compare_exchange(
                        Stage::Writing as u8,
                        Stage::Free as u8,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    );
                }
            }
            flow.writers_in = here;
            flow.writers = 0;
        }
        if flow.writers == 0 && self.ranges[index].len() >= Self::MIN_TRANSACTIONS {
            for _ in 0..Self::helpers() {
                let weak = Arc::downgrade(self);
                // A writer that cannot be had leaves its bodies to the caller.
                if std::thread::Builder::new()
                    .name("bankfeeds-json".into())
                    .spawn(move || Ahead::writer(&weak))
                    .is_ok()
                {
                    flow.writers += 1;
                }
            }
        }
        self.moved.notify_all();
        loop {
            if let Some(json) = self.slot(index).take() {
                return json;
            }
            let stage = self.stage[index].load(Ordering::Acquire);
            let free = stage == Stage::Free as u8;
            if (free && self.advance(index, Stage::Free, Stage::Written))
                || stage == Stage::Written as u8
                || flow.writers == 0
            {
                // Not written yet, or written and taken before (asked for again).
                drop(flow);
                return self.write(index);
            }
            if free {
                continue; // a writer took it just now
            }
            // A writer is writing it: write a later body meanwhile rather than wait idle (a
            // body takes a writer about as long as its copy into Python takes the caller, so
            // a caller that only waited would wait for nearly every body).
            let window = self.window(&flow);
            drop(flow);
            if let Some(j) = window
                .into_iter()
                .find(|&j| self.advance(j, Stage::Free, Stage::Writing))
            {
                self.fill(j);
            }
            flow = self.flow();
            if self.stage[index].load(Ordering::Acquire) == Stage::Writing as u8 {
                flow = self
                    .moved
                    .wait(flow)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
        }
    }

    /// The bodies written ahead: the [`Ahead::LOOKAHEAD`] after the last one asked for.
    fn window(&self, flow: &Flow) -> std::ops::Range<usize> {
        flow.next..(flow.next + Self::LOOKAHEAD).min(self.ranges.len())
    }

    /// Writes body `j`, which the caller moved to `Writing`, into `ready`, and tells whoever
    /// waits for it. A panic leaves it `Free`, to be written again by whoever asks for it (the
    /// caller's `guard` turns a second panic into an error).
    fn fill(&self, j: usize) {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.write(j))) {
            Ok(json) => {
                *self.slot(j) = Some(json);
                self.stage[j].store(Stage::Written as u8, Ordering::Release);
            }
            Err(_) => self.stage[j].store(Stage::Free as u8, Ordering::Release),
        }
        drop(self.flow());
        self.moved.notify_all();
    }

    /// A writer thread: writes the next free body of the [`Ahead::LOOKAHEAD`] after the last
    /// one asked for, until none is left after it, the bodies are gone, or nothing has been
    /// asked for in [`Ahead::IDLE`] (the next `to_json` starts writers again).
    fn writer(weak: &std::sync::Weak<Ahead>) {
        loop {
            let Some(ahead) = weak.upgrade() else {
                return;
            };
            let n = ahead.ranges.len();
            let j = {
                let mut flow = ahead.flow();
                loop {
                    let window = ahead.window(&flow);
                    let last = window.end == n;
                    if let Some(j) = window
                        .into_iter()
                        .find(|&j| ahead.stage[j].load(Ordering::Acquire) == Stage::Free as u8)
                    {
                        break j;
                    }
                    if !last {
                        // Far enough ahead: wait for the caller to move on.
                        let (f, wait) = ahead
                            .moved
                            .wait_timeout(flow, Self::IDLE)
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        flow = f;
                        if !wait.timed_out() {
                            continue;
                        }
                    }
                    flow.writers -= 1;
                    return;
                }
            };
            if ahead.advance(j, Stage::Free, Stage::Writing) {
                ahead.fill(j);
            }
        }
    }
}

/// One body's JSON, byte for byte the core's `CreateBankTransactions::write_json`.
fn body_json(account_id: &str, transactions: &[BankTransaction]) -> String {
    body_json_into(account_id, transactions, String::new())
}

/// [`body_json`] written into `buffer` (emptied first; its room is kept).
fn body_json_into(
    account_id: &str,
    transactions: &[BankTransaction],
    mut buffer: String,
) -> String {
    buffer.clear();
    CreateBankTransactions::write_json_text_of(account_id, transactions, &mut buffer);
    buffer
}

impl From<CreateBankTransactions> for PyPushBody {
    fn from(body: CreateBankTransactions) -> Self {
        let n = body.transactions.len();
        PyPushBody {
            account_id: body.account_id,
            items: Arc::new(body.transactions),
            range: 0..n,
            ahead: None,
        }
    }
}

impl Drop for PyPushBody {
    fn drop(&mut self) {
        release(&mut self.items);
    }
}

impl PyPushBody {
    /// The transactions of this body.
    pub fn transactions_slice(&self) -> &[BankTransaction] {
        &self.items[self.range.clone()]
    }

    /// The core's body (owned), for validating or sending it.
    pub fn body(&self) -> CreateBankTransactions {
        CreateBankTransactions {
            account_id: self.account_id.clone(),
            transactions: self.transactions_slice().to_vec(),
        }
    }
}

#[pymethods]
impl PyPushBody {
    /// Builds a body from an account id and transactions (a `Transactions` batch or a list of
    /// `Transaction`s).
    #[new]
    fn new(py: Python<'_>, account_id: String, transactions: &Bound<'_, PyAny>) -> PyResult<Self> {
        guard(py, || {
            let transactions = typed_list(transactions)?;
            let n = transactions.len();
            Ok(PyPushBody {
                account_id,
                items: Arc::new(transactions),
                range: 0..n,
                ahead: None,
            })
        })
    }
    /// The source account the transactions belong to.
    #[getter]
    fn account_id(&self) -> &str {
        &self.account_id
    }
    /// The transactions.
    #[getter]
    fn transactions(&self) -> PyTransactions {
        PyTransactions::new(self.transactions_slice().to_vec(), None)
    }
    /// The body as Codat receives it: `{"accountId": ..., "transactions": [...]}`, exact
    /// amounts.
    fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        guard(py, || {
            let json = py.detach(|| match &self.ahead {
                Some((ahead, index)) => ahead.json(*index),
                None => body_json(&self.account_id, self.transactions_slice()),
            });
            let text = PyString::new(py, &json);
            if let Some((ahead, _)) = &self.ahead {
                ahead.recycle(json);
            }
            Ok::<_, BindError>(text)
        })
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyPushBody>().is_ok_and(|o| {
            let o = o.get();
            o.account_id == self.account_id && o.transactions_slice() == self.transactions_slice()
        })
    }
    fn __len__(&self) -> usize {
        self.range.len()
    }
    fn __repr__(&self) -> String {
        format!(
            "PushBody(account_id={:?}, {} transaction(s))",
            self.account_id,
            self.range.len()
        )
    }
}

/// Typed transactions from a `Transactions` batch or a list of `Transaction` objects.
pub fn typed_list(obj: &Bound<'_, PyAny>) -> BindResult<Vec<BankTransaction>> {
    if let Ok(batch) = obj.cast::<PyTransactions>() {
        return Ok(batch.get().items.as_ref().clone());
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        let item = item?;
        match item.cast::<PyTransaction>() {
            Ok(t) => out.push(t.get().inner.clone()),
            Err(_) => {
                return Err(BindError::Type(format!(
                    "expected bankfeeds.Transaction objects, found {}",
                    item.get_type().name()?
                )));
            }
        }
    }
    Ok(out)
}
