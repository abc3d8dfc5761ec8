//! Files of any size: `stream_file` (in `functions.rs`) gives a `StreamedFile`, the core's
//! `bankfeeds::stream::Streamed` (a report without the rows), whose push bodies come one at a
//! time from a `PushBodyIterator`.
//!
//! The core writes a streamed file's bodies by calling back (`Streamed::write_bodies`, which the
//! CLI's `bankfeeds prepare` uses too); a Python iterator pulls. The bodies are written on a
//! worker thread into a channel holding one body, so the worker reads ahead by at most one body
//! while Python works on the one it has. The worker catches its own panic and sends it, raised
//! as `bankfeeds.InternalError`. Dropping or closing the iterator drops the channel's receiving
//! end: the worker's next send fails, which stops its reading.

use std::any::Any;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use bankfeeds::model::CreateBankTransactions;
use bankfeeds::pipeline::PrepareOptions;
use bankfeeds::stream::{FileChanged, Streamed};
use bankfeeds::validate::{Code, Issue, ValidationReport};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::{BindError, config, guard, panic_error};
use crate::report::{PyChange, PyReport};
use crate::transaction::PyPushBody;
use crate::wait::TICK;

/// What `stream_file()` returns: a file read, normalised and validated as it streamed, with
/// every finding and change and the counts, but not its rows; `push_bodies()` reads the file
/// again for them.
#[pyclass(module = "bankfeeds", name = "StreamedFile", frozen)]
pub struct PyStreamedFile {
    inner: Arc<Streamed>,
    path: PathBuf,
    /// The options the file was read with: reading it again takes the same.
    options: Arc<PrepareOptions>,
}

impl PyStreamedFile {
    pub fn new(inner: Streamed, path: PathBuf, options: PrepareOptions) -> Self {
        PyStreamedFile {
            inner: Arc::new(inner),
            path,
            options: Arc::new(options),
        }
    }

    /// The findings.
    pub fn findings(&self) -> &ValidationReport {
        &self.inner.report
    }
}

#[pymethods]
impl PyStreamedFile {
    /// The file's path.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }
    /// Every finding, as `prepare_file()` reports them.
    #[getter]
    fn report(&self) -> PyReport {
        PyReport::from(self.inner.report.clone())
    }
    /// Every change normalisation made.
    #[getter]
    fn changes(&self) -> Vec<PyChange> {
        PyChange::all(&self.inner.changes)
    }
    /// The changes counted but not listed (the first `max_findings` of each kind are listed), by
    /// kind: dicts with the keys `kind, count`. Empty when every change is listed.
    #[getter]
    fn changes_omitted<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for o in &self.inner.changes_omitted {
            let d = PyDict::new(py);
            d.set_item("kind", o.kind.as_str())?;
            d.set_item("count", o.count)?;
            list.append(d)?;
        }
        Ok(list)
    }
    /// True when nothing stops a push (warnings allowed).
    #[getter]
    fn is_valid(&self) -> bool {
        self.inner.is_valid()
    }
    /// The account the file names (an `accountId` column or a push body's `accountId`), if any.
    #[getter]
    fn account_id(&self) -> Option<&str> {
        self.inner.account_id.as_deref()
    }
    /// Rows read from the file.
    #[getter]
    fn rows_read(&self) -> usize {
        self.inner.rows_read
    }
    /// Transactions to push (rows that could not be typed and exact duplicates left out); also
    /// `len()`.
    #[getter]
    fn transaction_count(&self) -> usize {
        self.inner.transactions
    }
    /// Push bodies the transactions make.
    #[getter]
    fn batch_count(&self) -> usize {
        self.inner.batches
    }
    /// Transactions per push for the platform.
    #[getter]
    fn batch_size(&self) -> usize {
        self.inner.batch_size
    }
    /// Why the file was read whole, holding every row, instead of streamed (rows out of date
    /// order with `sort=True`, for one); `None` when it streamed.
    #[getter]
    fn in_memory(&self) -> Option<String> {
        self.inner.in_memory.map(|why| why.to_string())
    }
    /// The push bodies for an account (by default the account the file names), one at a time,
    /// each as `prepare_file(path).push_bodies(account_id)` gives it: the file is read again
    /// and about one body is held at a time. Raises `ValidationError` (carrying the report)
    /// when the file has errors, as `bankfeeds prepare` writes nothing then, and
    /// `ConfigurationError` when no account is named. Iterating raises `ValidationError` when
    /// the file changed since it was read.
    #[pyo3(signature = (account_id=None))]
    fn push_bodies(
        &self,
        py: Python<'_>,
        account_id: Option<String>,
    ) -> PyResult<PyPushBodyIterator> {
        guard(py, || {
            if !self.inner.is_valid() {
                return Err(BindError::Invalid(
                    "the file has errors: no push bodies are made of it",
                    self.inner.report.clone(),
                ));
            }
            let account = account_id
                .or_else(|| self.inner.account_id.clone())
                .ok_or_else(|| {
                    config("push_bodies() needs an account_id: the file does not name its account")
                })?;
            PyPushBodyIterator::start(
                Arc::clone(&self.inner),
                self.path.clone(),
                Arc::clone(&self.options),
                account,
            )
        })
    }
    /// Raises `bankfeeds.ValidationError` carrying the report when it has errors.
    fn raise_for_errors(&self, py: Python<'_>) -> PyResult<()> {
        if self.inner.is_valid() {
            Ok(())
        } else {
            Err(BindError::Invalid("the file has errors", self.inner.report.clone()).into_py(py))
        }
    }
    fn __len__(&self) -> usize {
        self.inner.transactions
    }
    fn __repr__(&self) -> String {
        format!(
            "StreamedFile({:?}, {} transaction(s) in {} batch(es), {} change(s), {} error(s), {} warning(s))",
            self.path.display().to_string(),
            self.inner.transactions,
            self.inner.batches,
            self.inner.changes.len(),
            self.inner.report.error_count(),
            self.inner.report.warning_count()
        )
    }
}

/// What the worker sends.
enum Message {
    Body(CreateBankTransactions),
    /// Reading the file again failed.
    Failed(io::Error),
    /// The worker panicked (a bug): its payload.
    Panicked(Box<dyn Any + Send>),
}

/// Why the worker's writing stopped early.
enum Stop {
    /// The iterator was closed or dropped.
    Abandoned,
    Read(io::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Read(e)
    }
}

/// A streamed file's push bodies, one at a time (`StreamedFile.push_bodies()`): an iterator,
/// and a context manager that closes it. Closing it (or dropping it) part way stops the reading.
#[pyclass(module = "bankfeeds", name = "PushBodyIterator", frozen)]
pub struct PyPushBodyIterator {
    /// `None` once the bodies are done, failed or closed.
    bodies: Mutex<Option<Receiver<Message>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl PyPushBodyIterator {
    fn start(
        streamed: Arc<Streamed>,
        path: PathBuf,
        options: Arc<PrepareOptions>,
        account: String,
    ) -> Result<Self, BindError> {
        Self::spawn(move |sink| streamed.write_bodies(&path, &options, &account, sink))
    }

    /// The bodies `write` gives its sink, written on a worker thread: the sink fails once the
    /// iterator is closed or dropped, and what `write` returns (or its panic) ends the bodies.
    fn spawn(
        write: impl FnOnce(
            &mut dyn FnMut(CreateBankTransactions) -> Result<(), Stop>,
        ) -> Result<(), Stop>
        + Send
        + 'static,
    ) -> Result<Self, BindError> {
        let (send, bodies) = sync_channel(1);
        let worker = std::thread::Builder::new()
            .name("bankfeeds-bodies".into())
            .spawn(move || {
                let written = catch_unwind(AssertUnwindSafe(|| {
                    write(&mut |body| send.send(Message::Body(body)).map_err(|_| Stop::Abandoned))
                }));
                let last = match written {
                    Ok(Ok(())) | Ok(Err(Stop::Abandoned)) => return,
                    Ok(Err(Stop::Read(e))) => Message::Failed(e),
                    Err(payload) => Message::Panicked(payload),
                };
                let _ = send.send(last);
            })
            .map_err(|e| BindError::Py(PyErr::from(e)))?;
        Ok(PyPushBodyIterator {
            bodies: Mutex::new(Some(bodies)),
            worker: Mutex::new(Some(worker)),
        })
    }
}

/// For tests of the worker's panic: a `PushBodyIterator` whose worker gives `before` empty bodies
/// for account `"acc"`, then panics; iterating on must raise `bankfeeds.InternalError`.
#[pyfunction]
pub fn _panicking_bodies_for_tests(py: Python<'_>, before: usize) -> PyResult<PyPushBodyIterator> {
    guard(py, || {
        PyPushBodyIterator::spawn(move |sink| {
            for _ in 0..before {
                sink(CreateBankTransactions {
                    account_id: "acc".into(),
                    transactions: Vec::new(),
                })?;
            }
            panic!("a deliberate panic (body worker)")
        })
    })
}

#[pymethods]
impl PyPushBodyIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    /// The next body, waiting for it with the interpreter released (Ctrl-C still interrupts).
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyPushBody>> {
        let next = guard(py, || self.receive(py))?;
        match next {
            None => Ok(None),
            Some(Message::Body(body)) => Ok(Some(PyPushBody::from(body))),
            Some(Message::Failed(e)) => Err(read_error(e).into_py(py)),
            Some(Message::Panicked(payload)) => Err(panic_error(py, payload)),
        }
    }
    /// Stops the reading and waits for it to end; later calls to `next()` raise
    /// `StopIteration`.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            py.detach(|| {
                drop(
                    self.bodies
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .take(),
                );
                let worker = self
                    .worker
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                // The worker catches its panics: joining it cannot fail.
                if let Some(worker) = worker {
                    let _ = worker.join();
                }
            });
            Ok(())
        })
    }
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }
}

impl PyPushBodyIterator {
    /// What the worker sends next, waited for with the interpreter released (looking up for
    /// Ctrl-C every [`TICK`]); `None` once the bodies are done.
    fn receive(&self, py: Python<'_>) -> Result<Option<Message>, BindError> {
        py.detach(|| {
            let mut slot = self.bodies.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(bodies) = slot.as_ref() else {
                return Ok(None);
            };
            loop {
                match bodies.recv_timeout(TICK) {
                    Ok(Message::Body(body)) => return Ok(Some(Message::Body(body))),
                    Ok(end) => {
                        *slot = None;
                        return Ok(Some(end));
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        *slot = None;
                        return Ok(None);
                    }
                    Err(RecvTimeoutError::Timeout) => Python::attach(|py| py.check_signals())?,
                }
            }
        })
    }
}

/// Reading a streamed file again failed: `ValidationError` for a file that changed since it was
/// read, with the finding saying so; Python's `OSError` (`FileNotFoundError`...) otherwise.
fn read_error(e: io::Error) -> BindError {
    if e.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<FileChanged>().is_some())
    {
        let mut report = ValidationReport::new();
        report.push(Issue::new(Code::MalformedInput, e.to_string()));
        return BindError::Invalid("the file changed since it was read", report);
    }
    BindError::Py(PyErr::from(e))
}
