//! The push ledger from Python: the core's records (`LedgerAccount`, `LedgerBatch`,
//! `LeaseHolder`, `Lease`) as frozen classes, the core's two ledgers (`SqliteLedger`,
//! `MemoryLedger`), and a ledger written in Python (any object with the five methods of the
//! `bankfeeds.PushLedger` protocol) adapted to the core's [`core::PushLedger`] trait.
//!
//! A Python ledger's methods run on the thread that waits for the client call, inside the core's
//! future, with the GIL taken for each call. What one raises stops the call (see `wait.rs`):
//! `KeyboardInterrupt`, `SystemExit` and other `BaseException`s are raised as they are, a
//! `bankfeeds.LedgerError` as it is, anything else as a `LedgerError` whose `__cause__` is the
//! original. A value that is not what the protocol says (a dict for a `LedgerBatch`) is a
//! `TypeError` raised the same way. `release` is the exception: the core gives the lease back as
//! the call ends (also when it stops), so what `release` raises is raised once the call is over
//! and never replaces an earlier exception.
//!
//! Server timestamps are aware UTC `datetime`s and transaction dates naive ones, as everywhere
//! in the binding; Python's `datetime` stops at microseconds, so records are cut to microseconds
//! when they reach Python, and a record stored by a Python ledger comes back exactly as it went.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bankfeeds::client::push::LedgerChoice;
use bankfeeds::client::push::ledger::{self as core, PushLedger as _};
use bankfeeds::dates::{LocalDateTime, Timestamp};
use bankfeeds::ingest::RawValue;
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDateTime, PyDict, PyList, PyMapping, PyString, PyTuple};

use crate::errors::ledger_error;
use crate::values::{iso_text, py_naive_datetime, py_utc_datetime, raw_value};
use crate::wait::Callbacks;

// ---- values ------------------------------------------------------------------------------------

/// The type name of a value, for messages.
fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// A timestamp cut to what a Python `datetime` holds (microseconds), so that a record read back
/// from Python equals the one given to it.
fn to_micros(t: Timestamp) -> Timestamp {
    let utc = t.utc();
    match utc.with_nanosecond(utc.nanosecond() / 1000 * 1000) {
        Some(cut) if cut != utc => Timestamp::new(cut),
        _ => t,
    }
}

/// A transaction date cut to microseconds (a plain date stays one).
fn local_to_micros(d: LocalDateTime) -> LocalDateTime {
    let dt = d.datetime();
    match dt.with_nanosecond(dt.nanosecond() / 1000 * 1000) {
        Some(cut) if cut != dt => LocalDateTime::new(cut),
        _ => d,
    }
}

/// An aware UTC `datetime`; instants beyond what `datetime` holds (a lease "for ever") are its
/// last (or first) microsecond.
pub fn py_timestamp<'py>(py: Python<'py>, t: &Timestamp) -> PyResult<Bound<'py, PyAny>> {
    let utc = t.utc();
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_micro_opt(23, 59, 59, 999_999))
        .map(|d| d.and_utc());
    let first = NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc());
    let shown: DateTime<Utc> = match (first, last) {
        (_, Some(last)) if utc > last => last,
        (Some(first), _) if utc < first => first,
        _ => utc,
    };
    py_utc_datetime(py, &shown)
}

/// An instant from an aware `datetime` (any zone) or ISO 8601 text (with `Z` or an offset; text
/// without one is UTC, as Codat writes it). A naive `datetime` is refused: it does not say which
/// instant it is.
pub fn timestamp_from(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Timestamp> {
    if let Ok(dt) = v.cast::<PyDateTime>() {
        if dt.call_method0(intern!(v.py(), "utcoffset"))?.is_none() {
            return Err(PyValueError::new_err(format!(
                "{name} must be an aware datetime (datetime.timezone.utc): a naive one does not say which instant it is"
            )));
        }
        let iso = iso_text(dt.as_any())?;
        return Timestamp::parse(&iso).map_err(|e| PyValueError::new_err(format!("{name}: {e}")));
    }
    if let Ok(s) = v.cast::<PyString>() {
        let text = crate::values::utf8(s)?;
        return Timestamp::parse(text).map_err(|e| PyValueError::new_err(format!("{name}: {e}")));
    }
    Err(PyTypeError::new_err(format!(
        "{name} must be an aware datetime or ISO 8601 text, not {}",
        type_name(v)
    )))
}

/// A transaction date from a naive `datetime`, a `date` or ISO text (an aware `datetime` keeps
/// its wall-clock part, as transaction dates do everywhere).
fn local_from(name: &str, v: &Bound<'_, PyAny>) -> PyResult<LocalDateTime> {
    match raw_value(v)? {
        RawValue::Date(d) => Ok(LocalDateTime::from_date(d)),
        RawValue::DateTime(dt) | RawValue::DateTimeOffset(dt, _) => Ok(LocalDateTime::new(dt)),
        RawValue::Text(t) => {
            LocalDateTime::parse(&t).map_err(|e| PyValueError::new_err(format!("{name}: {e}")))
        }
        _ => Err(PyTypeError::new_err(format!(
            "{name} must be a datetime, a date or ISO 8601 text, not {}",
            type_name(v)
        ))),
    }
}

fn optional_local(name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<LocalDateTime>> {
    match v.filter(|v| !v.is_none()) {
        Some(v) => local_from(name, v).map(Some),
        None => Ok(None),
    }
}

/// Ids from an iterable of `str` (a `str` itself is refused: it would be read letter by letter).
pub fn ids(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if v.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be an iterable of ids (a list of str), not a str"
        )));
    }
    let iter = v.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name} must be an iterable of ids (a list of str), not {}",
            type_name(v)
        ))
    })?;
    iter.map(|item| {
        let item = item?;
        item.extract::<String>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{name}: each id must be a str, not {}",
                type_name(&item)
            ))
        })
    })
    .collect()
}

fn state_from(name: &str) -> PyResult<core::BatchState> {
    core::BatchState::parse(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "state must be one of {}, not {name:?}",
            core::BatchState::ALL
                .iter()
                .map(|s| format!("{:?}", s.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn hash_of(v: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// `T(**mapping)`, the record `T.from_dict` reads, with the nested records named in `nested`
/// given as dicts read by their class's `from_dict`.
fn from_mapping<'py, T: pyo3::PyTypeInfo>(
    mapping: &Bound<'py, PyAny>,
    nested: &[(&str, Bound<'py, pyo3::types::PyType>)],
) -> PyResult<Bound<'py, PyAny>> {
    let cls = &mapping.py().get_type::<T>();
    let mapping = mapping.cast::<PyMapping>().map_err(|_| {
        PyTypeError::new_err(format!(
            "from_dict takes a dict (as to_dict gives), not {}",
            type_name(mapping)
        ))
    })?;
    let kwargs = PyDict::new(cls.py());
    for item in mapping.items()?.iter() {
        let (key, value): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item.extract()?;
        let value = match nested
            .iter()
            .find(|(name, _)| key.extract::<String>().is_ok_and(|k| k == *name))
        {
            Some((_, class)) if !value.is_instance(class)? && value.cast::<PyMapping>().is_ok() => {
                class.call_method1(intern!(cls.py(), "from_dict"), (value,))?
            }
            _ => value,
        };
        kwargs.set_item(key, value)?;
    }
    cls.call((), Some(&kwargs))
}

// ---- the records -------------------------------------------------------------------------------

/// Which account a batch or a lease is about: `LedgerAccount(company_id, connection_id,
/// account_id)`. Hashable, so a ledger can key its leases by it.
#[pyclass(
    module = "bankfeeds",
    name = "LedgerAccount",
    frozen,
    eq,
    hash,
    from_py_object
)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyLedgerAccount {
    pub inner: core::LedgerAccount,
}

pymethods_with_getters! {
    impl PyLedgerAccount {
        getters |v| {
            /// The company.
            company_id -> &str = &v.company_id;
            /// The connection.
            connection_id -> &str = &v.connection_id;
            /// The source account.
            account_id -> &str = &v.account_id;
        }
        #[new]
        fn new(company_id: String, connection_id: String, account_id: String) -> Self {
            PyLedgerAccount {
                inner: core::LedgerAccount::new(company_id, connection_id, account_id),
            }
        }
        /// `{"company_id": ..., "connection_id": ..., "account_id": ...}`.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            let d = PyDict::new(py);
            d.set_item("company_id", &self.inner.company_id)?;
            d.set_item("connection_id", &self.inner.connection_id)?;
            d.set_item("account_id", &self.inner.account_id)?;
            Ok(d)
        }
        /// The account `to_dict` gave.
        #[staticmethod]
        fn from_dict<'py>(mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            from_mapping::<PyLedgerAccount>(mapping, &[])
        }
        fn __repr__(&self) -> String {
            format!(
                "LedgerAccount(company_id={:?}, connection_id={:?}, account_id={:?})",
                self.inner.company_id, self.inner.connection_id, self.inner.account_id
            )
        }
    }
}

/// Who holds an account's lease: a random `id` per push, with the `host` and process id `pid`
/// for people (and so that a lease left by a dead process of this host is taken over at once).
#[pyclass(module = "bankfeeds", name = "LeaseHolder", frozen, eq, from_py_object)]
#[derive(Clone, PartialEq)]
pub struct PyLeaseHolder {
    pub inner: core::LeaseHolder,
}

pymethods_with_getters! {
    impl PyLeaseHolder {
        getters |v| {
            /// Unique per push.
            id -> &str = &v.id;
            /// The host name.
            host -> &str = &v.host;
            /// The process id.
            pid -> u32 = v.pid;
        }
        #[new]
        fn new(id: String, host: String, pid: u32) -> Self {
            PyLeaseHolder {
                inner: core::LeaseHolder { id, host, pid },
            }
        }
        /// A holder for this process, with a fresh id.
        #[staticmethod]
        fn this_process() -> Self {
            PyLeaseHolder {
                inner: core::LeaseHolder::this_process(),
            }
        }
        /// `{"id": ..., "host": ..., "pid": ...}`.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            let d = PyDict::new(py);
            d.set_item("id", &self.inner.id)?;
            d.set_item("host", &self.inner.host)?;
            d.set_item("pid", self.inner.pid)?;
            Ok(d)
        }
        /// The holder `to_dict` gave.
        #[staticmethod]
        fn from_dict<'py>(mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            from_mapping::<PyLeaseHolder>(mapping, &[])
        }
        fn __hash__(&self) -> u64 {
            hash_of(&(&self.inner.id, &self.inner.host, self.inner.pid))
        }
        fn __str__(&self) -> String {
            self.inner.to_string()
        }
        fn __repr__(&self) -> String {
            format!(
                "LeaseHolder(id={:?}, host={:?}, pid={})",
                self.inner.id, self.inner.host, self.inner.pid
            )
        }
    }
}

/// An account's lease: who holds it (`holder`) and until when (`expires_at`, an aware UTC
/// `datetime`).
#[pyclass(module = "bankfeeds", name = "Lease", frozen, eq, from_py_object)]
#[derive(Clone, PartialEq)]
pub struct PyLease {
    pub inner: core::Lease,
}

impl PyLease {
    pub fn from_core(l: &core::Lease) -> Self {
        PyLease {
            inner: core::Lease {
                holder: l.holder.clone(),
                expires_at: to_micros(l.expires_at),
            },
        }
    }
}

/// `now`, or the current time.
fn now_or(now: Option<&Bound<'_, PyAny>>) -> PyResult<Timestamp> {
    match now.filter(|v| !v.is_none()) {
        Some(v) => timestamp_from("now", v),
        None => Ok(Timestamp::now()),
    }
}

#[pymethods]
impl PyLease {
    #[new]
    fn new(holder: PyLeaseHolder, expires_at: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyLease {
            inner: core::Lease {
                holder: holder.inner,
                expires_at: timestamp_from("expires_at", expires_at)?,
            },
        })
    }
    /// Who holds it.
    #[getter]
    fn holder(&self) -> PyLeaseHolder {
        PyLeaseHolder {
            inner: self.inner.holder.clone(),
        }
    }
    /// When it lapses unless renewed (aware UTC).
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_timestamp(py, &self.inner.expires_at)
    }
    /// Whether `holder` may take the account now (or at `now`, an aware `datetime`): it holds
    /// the lease already, the lease has lapsed, or its holder is a process of this host that no
    /// longer runs. The core's rule, for ledgers written in Python.
    #[pyo3(signature = (holder, now=None))]
    fn may_be_taken_by(
        &self,
        holder: PyLeaseHolder,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        Ok(core::may_take(
            Some(&self.inner),
            &holder.inner,
            now_or(now)?,
        ))
    }
    /// `{"holder": {...}, "expires_at": datetime}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("holder", self.holder().to_dict(py)?)?;
        d.set_item("expires_at", self.expires_at(py)?)?;
        Ok(d)
    }
    /// The lease `to_dict` gave.
    #[staticmethod]
    fn from_dict<'py>(mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        from_mapping::<PyLease>(
            mapping,
            &[("holder", mapping.py().get_type::<PyLeaseHolder>())],
        )
    }
    fn __hash__(&self) -> u64 {
        let h = &self.inner.holder;
        hash_of(&(&h.id, &h.host, h.pid, self.inner.expires_at))
    }
    fn __repr__(&self) -> String {
        format!(
            "Lease(holder={}, expires_at={})",
            self.holder().__repr__(),
            self.inner.expires_at
        )
    }
}

/// One batch as the ledger keeps it; a ledger stores it as given and gives it back unchanged
/// (`batch_id` is the key `save` replaces by). `state` is `"sending"`, `"pending"`, `"success"`,
/// `"failed"`, `"timed_out"` or `"not_accepted"`; `oldest` and `newest` are the batch's
/// transaction dates (naive local), `sent_at` and `updated_at` aware UTC.
#[pyclass(module = "bankfeeds", name = "LedgerBatch", frozen, eq, from_py_object)]
#[derive(Clone, PartialEq)]
pub struct PyLedgerBatch {
    pub inner: core::LedgerBatch,
}

impl PyLedgerBatch {
    /// The core's batch as Python sees it (times cut to microseconds).
    pub fn from_core(b: &core::LedgerBatch) -> Self {
        let mut inner = b.clone();
        inner.sent_at = to_micros(inner.sent_at);
        inner.updated_at = to_micros(inner.updated_at);
        inner.oldest = inner.oldest.map(local_to_micros);
        inner.newest = inner.newest.map(local_to_micros);
        PyLedgerBatch { inner }
    }
}

pymethods_with_getters! {
    impl PyLedgerBatch {
        getters |v| {
            /// The ledger's own id for the batch (random, unique).
            batch_id -> &str = &v.batch_id;
            /// Codat's push operation key, once Codat accepted the batch.
            operation_key -> Option<&str> = v.operation_key.as_deref();
            /// Where the batch is: `"sending"`, `"pending"`, `"success"`, `"failed"`, `"timed_out"`,
            /// `"not_accepted"`.
            state -> &'static str = v.state.as_str();
            /// Whether its outcome is still to be found out (`"sending"` or `"pending"`).
            is_open -> bool = v.state.is_open();
            /// The ids of its transactions, in order.
            transaction_ids -> Vec<String> = v.transaction_ids.clone();
        }
        #[new]
        #[pyo3(signature = (*, batch_id, account, state, transaction_ids, sent_at, updated_at, operation_key=None, oldest=None, newest=None))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            batch_id: String,
            account: PyLedgerAccount,
            state: &str,
            transaction_ids: &Bound<'_, PyAny>,
            sent_at: &Bound<'_, PyAny>,
            updated_at: &Bound<'_, PyAny>,
            operation_key: Option<String>,
            oldest: Option<&Bound<'_, PyAny>>,
            newest: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            Ok(PyLedgerBatch {
                inner: core::LedgerBatch {
                    batch_id,
                    account: account.inner,
                    operation_key,
                    state: state_from(state)?,
                    transaction_ids: ids("transaction_ids", transaction_ids)?,
                    oldest: optional_local("oldest", oldest)?,
                    newest: optional_local("newest", newest)?,
                    sent_at: timestamp_from("sent_at", sent_at)?,
                    updated_at: timestamp_from("updated_at", updated_at)?,
                },
            })
        }
        /// The account pushed to.
        #[getter]
        fn account(&self) -> PyLedgerAccount {
            PyLedgerAccount {
                inner: self.inner.account.clone(),
            }
        }
        /// Its oldest transaction date (naive local).
        #[getter]
        fn oldest<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
            self.inner
                .oldest
                .map(|d| py_naive_datetime(py, &d.datetime()))
                .transpose()
        }
        /// Its newest transaction date (naive local).
        #[getter]
        fn newest<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
            self.inner
                .newest
                .map(|d| py_naive_datetime(py, &d.datetime()))
                .transpose()
        }
        /// When it was first written, just before it was first sent (aware UTC).
        #[getter]
        fn sent_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            py_timestamp(py, &self.inner.sent_at)
        }
        /// When it was last written (aware UTC).
        #[getter]
        fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            py_timestamp(py, &self.inner.updated_at)
        }
        /// Every field as a dict (`account` as a dict): what a bank stores in its own database;
        /// `LedgerBatch.from_dict` reads it back.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            let d = PyDict::new(py);
            d.set_item("batch_id", &self.inner.batch_id)?;
            d.set_item("account", self.account().to_dict(py)?)?;
            d.set_item("operation_key", self.inner.operation_key.as_deref())?;
            d.set_item("state", self.state())?;
            d.set_item(
                "transaction_ids",
                PyList::new(py, &self.inner.transaction_ids)?,
            )?;
            d.set_item("oldest", self.oldest(py)?)?;
            d.set_item("newest", self.newest(py)?)?;
            d.set_item("sent_at", self.sent_at(py)?)?;
            d.set_item("updated_at", self.updated_at(py)?)?;
            Ok(d)
        }
        /// The batch `to_dict` gave (its keys are the constructor's keyword arguments).
        #[staticmethod]
        fn from_dict<'py>(mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            from_mapping::<PyLedgerBatch>(
                mapping,
                &[("account", mapping.py().get_type::<PyLedgerAccount>())],
            )
        }
        fn __repr__(&self) -> String {
            let b = &self.inner;
            format!(
                "LedgerBatch(batch_id={:?}, account_id={:?}, state={:?}, operation_key={:?}, transactions={})",
                b.batch_id,
                b.account.account_id,
                b.state.as_str(),
                b.operation_key,
                b.transaction_ids.len()
            )
        }
    }
}

// ---- the core's ledgers ------------------------------------------------------------------------

fn storage_error(py: Python<'_>, e: core::LedgerError) -> PyErr {
    ledger_error(py, &format!("the push ledger failed: {e}"), None)
}

/// Runs one of the core ledger's calls with the GIL released; a panic is `InternalError`, a
/// failure `LedgerError`.
fn run_core<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T, core::LedgerError> + Send,
) -> PyResult<T> {
    crate::errors::guard(py, || Ok(py.detach(f)))?.map_err(|e| storage_error(py, e))
}

/// `acquire`'s answer: `None` when taken, the lease held when another holder has it.
fn acquired(py: Python<'_>, r: Result<(), core::LedgerError>) -> PyResult<Option<PyLease>> {
    match r {
        Ok(()) => Ok(None),
        Err(core::LedgerError::Busy { lease }) => Ok(Some(PyLease::from_core(&lease))),
        Err(e) => Err(storage_error(py, e)),
    }
}

/// A lease's length: seconds, not negative; beyond what a duration holds, for ever.
fn ttl(seconds: f64) -> PyResult<Duration> {
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) => Ok(d),
        Err(_) if seconds > 0.0 => Ok(Duration::MAX),
        Err(_) => Err(PyValueError::new_err(format!(
            "ttl must be a number of seconds, not {seconds:?}"
        ))),
    }
}

/// The five methods of the protocol over one of the core's ledgers, with the GIL released.
macro_rules! core_ledger_methods {
    ($ty:ty { $($own:tt)* }) => {
        #[pymethods]
        impl $ty {
            $($own)*

            /// Every batch recorded on a connection, of all its accounts.
            fn batches(
                &self,
                py: Python<'_>,
                company_id: String,
                connection_id: String,
            ) -> PyResult<Vec<PyLedgerBatch>> {
                let ledger = Arc::clone(&self.inner);
                let found = run_core(py, move || ledger.batches(&company_id, &connection_id))?;
                Ok(found.iter().map(PyLedgerBatch::from_core).collect())
            }
            /// Writes a batch: inserts it, or replaces the one with the same `batch_id`.
            fn save(&self, py: Python<'_>, batch: PyLedgerBatch) -> PyResult<()> {
                let ledger = Arc::clone(&self.inner);
                run_core(py, move || ledger.save(&batch.inner))
            }
            /// Takes (or renews) the account's lease for `ttl` seconds: `None` when taken, the
            /// lease another holder has otherwise.
            fn acquire(
                &self,
                py: Python<'_>,
                account: PyLedgerAccount,
                holder: PyLeaseHolder,
                ttl: f64,
            ) -> PyResult<Option<PyLease>> {
                let ttl = self::ttl(ttl)?;
                let ledger = Arc::clone(&self.inner);
                let r = run_core(py, move || Ok(ledger.acquire(&account.inner, &holder.inner, ttl)))?;
                acquired(py, r)
            }
            /// Gives the lease back (nothing happens when `holder` does not hold it).
            fn release(
                &self,
                py: Python<'_>,
                account: PyLedgerAccount,
                holder: PyLeaseHolder,
            ) -> PyResult<()> {
                let ledger = Arc::clone(&self.inner);
                run_core(py, move || ledger.release(&account.inner, &holder.inner))
            }
            /// Who holds the account's lease now, if anyone.
            fn lease(&self, py: Python<'_>, account: PyLedgerAccount) -> PyResult<Option<PyLease>> {
                let ledger = Arc::clone(&self.inner);
                let found = run_core(py, move || ledger.lease(&account.inner))?;
                Ok(found.as_ref().map(PyLease::from_core))
            }
        }
    };
}

/// The core's SQLite ledger in one file: crash-safe and safe across processes. What
/// `Client.push_transactions` uses by default (at `default_ledger_path()`); open it to see what
/// was pushed (`batches`) and who is pushing (`lease`).
#[pyclass(module = "bankfeeds", name = "SqliteLedger", frozen)]
pub struct PySqliteLedger {
    inner: Arc<core::SqliteLedger>,
}

core_ledger_methods!(PySqliteLedger {
    /// Opens the ledger at `path` (the default ledger when `None`), creating the file and its
    /// folder unless `create=False`, which raises `LedgerError` when there is no file.
    #[new]
    #[pyo3(signature = (path=None, *, create=true))]
    fn new(py: Python<'_>, path: Option<&Bound<'_, PyAny>>, create: bool) -> PyResult<Self> {
        let path = match path.filter(|p| !p.is_none()) {
            Some(p) => path_from(p)?,
            None => core::default_path().map_err(|e| storage_error(py, e))?,
        };
        if !create && !path.is_file() {
            return Err(ledger_error(
                py,
                &format!("no push ledger at {}", path.display()),
                None,
            ));
        }
        Ok(PySqliteLedger {
            inner: Arc::new(run_core(py, || core::SqliteLedger::open(&path))?),
        })
    }
    /// The file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path().to_path_buf()
    }
    fn __repr__(&self) -> String {
        format!("SqliteLedger({:?})", self.inner.path().display().to_string())
    }
});

/// A ledger held in memory: lost when the process ends, so it protects reruns within one process
/// only (tests, short-lived jobs).
#[pyclass(module = "bankfeeds", name = "MemoryLedger", frozen)]
pub struct PyMemoryLedger {
    inner: Arc<core::MemoryLedger>,
}

core_ledger_methods!(PyMemoryLedger {
    #[new]
    fn new() -> Self {
        PyMemoryLedger {
            inner: Arc::new(core::MemoryLedger::new()),
        }
    }
    fn __repr__(&self) -> String {
        "MemoryLedger()".into()
    }
});

/// A path from `str` or `os.PathLike`; an empty one is refused.
fn path_from(v: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    let path: PathBuf = v.extract()?;
    if path.as_os_str().is_empty() {
        return Err(crate::errors::configuration_error(
            v.py(),
            "the ledger's path is empty: give a file's path",
        ));
    }
    Ok(path)
}

/// Where the default ledger lives: `$BANKFEEDS_LEDGER` when set, otherwise
/// `bankfeeds/ledger.sqlite3` in the user's data folder.
#[pyfunction]
pub fn default_ledger_path(py: Python<'_>) -> PyResult<PathBuf> {
    core::default_path().map_err(|e| storage_error(py, e))
}

/// When a lease taken now (or at `now`) for `ttl` seconds lapses: the core's rule, for ledgers
/// written in Python.
#[pyfunction]
#[pyo3(signature = (ttl, now=None))]
pub fn lease_expiry<'py>(
    py: Python<'py>,
    ttl: f64,
    now: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let expires = core::expiry(now_or(now)?, self::ttl(ttl)?);
    py_timestamp(py, &to_micros(expires))
}

// ---- a ledger written in Python ------------------------------------------------------------

/// The protocol's methods.
const METHODS: [&str; 5] = ["batches", "save", "acquire", "release", "lease"];

/// A Python object with the protocol's methods, as the core's ledger; see the module.
struct PyLedger {
    object: Py<PyAny>,
    /// `type(object).__qualname__`, for messages.
    name: String,
    /// Where what the ledger raises is kept for the call to raise.
    callbacks: Callbacks,
}

impl PyLedger {
    /// Calls `method` with `args` and reads its answer with `read`. What either raises is kept
    /// for the call to raise (unwinding the core's future, unless `method` is `release`); the
    /// core sees a storage error.
    fn call<T>(
        &self,
        method: &'static str,
        args: impl FnOnce(Python<'_>) -> PyResult<Bound<'_, PyTuple>>,
        read: impl FnOnce(&Bound<'_, PyAny>) -> PyResult<T>,
    ) -> Result<T, core::LedgerError> {
        let outcome = Python::attach(|py| {
            let answer = args(py).and_then(|args| {
                let answer = self.object.bind(py).call_method1(method, args)?;
                read(&answer)
            });
            answer.map_err(|e| {
                let text = e.to_string();
                (ledger_error_from(py, &self.name, method, e), text)
            })
        });
        match outcome {
            Ok(value) => Ok(value),
            Err((e, text)) => {
                if method == "release" {
                    self.callbacks.keep(e);
                } else {
                    self.callbacks.raise(e);
                }
                Err(core::LedgerError::Storage(format!(
                    "{}.{method}() raised {text}",
                    self.name
                )))
            }
        }
    }
}

/// What a Python ledger raised, as the call raises it: a `BaseException` that is not an
/// `Exception` (`KeyboardInterrupt`, `SystemExit`) or a `LedgerError` as it is, anything else as
/// a `LedgerError` caused by it.
fn ledger_error_from(py: Python<'_>, ledger: &str, method: &str, e: PyErr) -> PyErr {
    let is_exception = e.is_instance_of::<pyo3::exceptions::PyException>(py);
    let is_ledger_error = py
        .import("bankfeeds._errors")
        .and_then(|m| m.getattr("LedgerError"))
        .and_then(|cls| e.value(py).is_instance(&cls))
        .unwrap_or(false);
    if !is_exception || is_ledger_error {
        return e;
    }
    let what = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an exception".into());
    let after = if method == "release" {
        "the account's lease was not given back, so the next push of the account waits until it lapses"
    } else {
        "the call stopped there and sent nothing more"
    };
    let message = format!(
        "the push ledger failed: {ledger}.{method}() raised {what}: {}; {after}",
        e.value(py)
    );
    ledger_error(py, &message, Some(e))
}

fn not_a<T>(what: &str, method: &str, v: &Bound<'_, PyAny>) -> PyResult<T> {
    Err(PyTypeError::new_err(format!(
        "{method}() must return {what}, not {}",
        type_name(v)
    )))
}

fn read_lease(method: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<core::Lease>> {
    if v.is_none() {
        return Ok(None);
    }
    match v.cast::<PyLease>() {
        Ok(l) => Ok(Some(l.get().inner.clone())),
        Err(_) => not_a("a bankfeeds.Lease or None", method, v),
    }
}

impl core::PushLedger for PyLedger {
    fn batches(
        &self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<Vec<core::LedgerBatch>, core::LedgerError> {
        self.call(
            "batches",
            |py| PyTuple::new(py, [company_id, connection_id]),
            |answer| {
                let iter = match answer.try_iter() {
                    Ok(iter) => iter,
                    Err(_) => return not_a("a list of bankfeeds.LedgerBatch", "batches", answer),
                };
                iter.map(|item| {
                    let item = item?;
                    match item.cast::<PyLedgerBatch>() {
                        Ok(b) => Ok(b.get().inner.clone()),
                        Err(_) => Err(PyTypeError::new_err(format!(
                            "batches() must return bankfeeds.LedgerBatch objects (LedgerBatch.from_dict reads a stored dict), not {}",
                            type_name(&item)
                        ))),
                    }
                })
                .collect()
            },
        )
    }

    fn save(&self, batch: &core::LedgerBatch) -> Result<(), core::LedgerError> {
        self.call(
            "save",
            |py| PyTuple::new(py, [Py::new(py, PyLedgerBatch::from_core(batch))?]),
            |_| Ok(()),
        )
    }

    fn acquire(
        &self,
        account: &core::LedgerAccount,
        holder: &core::LeaseHolder,
        ttl: Duration,
    ) -> Result<(), core::LedgerError> {
        let held = self.call(
            "acquire",
            |py| {
                let account = Py::new(
                    py,
                    PyLedgerAccount {
                        inner: account.clone(),
                    },
                )?;
                let holder = Py::new(
                    py,
                    PyLeaseHolder {
                        inner: holder.clone(),
                    },
                )?;
                (account, holder, ttl.as_secs_f64()).into_pyobject(py)
            },
            |answer| read_lease("acquire", answer),
        )?;
        match held {
            // The new lease itself (or the caller's own) means it was taken.
            Some(lease) if lease.holder.id != holder.id => Err(core::LedgerError::Busy {
                lease: Box::new(lease),
            }),
            _ => Ok(()),
        }
    }

    fn release(
        &self,
        account: &core::LedgerAccount,
        holder: &core::LeaseHolder,
    ) -> Result<(), core::LedgerError> {
        self.call(
            "release",
            |py| {
                let account = Py::new(
                    py,
                    PyLedgerAccount {
                        inner: account.clone(),
                    },
                )?;
                let holder = Py::new(
                    py,
                    PyLeaseHolder {
                        inner: holder.clone(),
                    },
                )?;
                (account, holder).into_pyobject(py)
            },
            |_| Ok(()),
        )
    }

    fn lease(
        &self,
        account: &core::LedgerAccount,
    ) -> Result<Option<core::Lease>, core::LedgerError> {
        self.call(
            "lease",
            |py| {
                PyTuple::new(
                    py,
                    [Py::new(
                        py,
                        PyLedgerAccount {
                            inner: account.clone(),
                        },
                    )?],
                )
            },
            |answer| read_lease("lease", answer),
        )
    }
}

/// Which ledger a call uses, for messages that name it.
#[derive(Debug, Clone)]
pub enum LedgerNote {
    /// The default SQLite file (where it is, if it can be told).
    Default(Option<PathBuf>),
    /// A SQLite file given by path or as a `SqliteLedger`.
    Path(PathBuf),
    /// A `MemoryLedger` or a ledger written in Python (its type's name).
    Custom(String),
    /// `ledger=False`.
    Off,
}

impl LedgerNote {
    /// "the push ledger at PATH", "the push ledger MyLedger"...
    pub fn describe(&self) -> String {
        match self {
            LedgerNote::Default(Some(p)) | LedgerNote::Path(p) => {
                format!("the push ledger at {}", p.display())
            }
            LedgerNote::Default(None) => "the default push ledger".into(),
            LedgerNote::Custom(name) => format!("the push ledger given ({name})"),
            LedgerNote::Off => "no push ledger (ledger=False)".into(),
        }
    }
}

/// `ledger=` of a client call: `None` (the default SQLite file), `False` (none), a path, a
/// `SqliteLedger` or `MemoryLedger`, or an object with the protocol's methods. `TypeError` for
/// anything else, naming what is missing.
pub fn choice(
    v: Option<&Bound<'_, PyAny>>,
    callbacks: &Callbacks,
) -> PyResult<(LedgerChoice, LedgerNote)> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok((
            LedgerChoice::Default,
            LedgerNote::Default(core::default_path().ok()),
        ));
    };
    let py = v.py();
    if v.is_instance_of::<PyBool>() {
        if v.is_truthy()? {
            return Err(PyTypeError::new_err(
                "ledger=True is not a ledger: leave ledger out for the default one, give a path, a bankfeeds.SqliteLedger or MemoryLedger, or an object with the bankfeeds.PushLedger methods; ledger=False pushes without one",
            ));
        }
        return Ok((LedgerChoice::Off, LedgerNote::Off));
    }
    if let Ok(l) = v.cast::<PySqliteLedger>() {
        let inner = Arc::clone(&l.get().inner);
        let path = inner.path().to_path_buf();
        return Ok((LedgerChoice::Custom(inner), LedgerNote::Path(path)));
    }
    if let Ok(l) = v.cast::<PyMemoryLedger>() {
        let inner: Arc<dyn core::PushLedger> = Arc::clone(&l.get().inner) as _;
        return Ok((
            LedgerChoice::Custom(inner),
            LedgerNote::Custom("MemoryLedger".into()),
        ));
    }
    if v.is_instance_of::<PyString>() || v.hasattr(intern!(py, "__fspath__"))? {
        let path = path_from(v)?;
        return Ok((LedgerChoice::Path(path.clone()), LedgerNote::Path(path)));
    }
    let mut missing = Vec::new();
    for method in METHODS {
        let callable = v.getattr(method).map(|m| m.is_callable()).unwrap_or(false);
        if !callable {
            missing.push(method);
        }
    }
    let name = v
        .get_type()
        .qualname()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| type_name(v));
    if !missing.is_empty() {
        return Err(PyTypeError::new_err(format!(
            "ledger must be a path, False, a bankfeeds.SqliteLedger or MemoryLedger, or an object with the bankfeeds.PushLedger methods ({}); {name} lacks {}",
            METHODS.join(", "),
            missing.join(", ")
        )));
    }
    let ledger = PyLedger {
        object: v.clone().unbind(),
        name: name.clone(),
        callbacks: callbacks.clone(),
    };
    Ok((
        LedgerChoice::Custom(Arc::new(ledger)),
        LedgerNote::Custom(name),
    ))
}
