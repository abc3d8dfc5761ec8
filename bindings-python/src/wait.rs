//! Waiting on the client's runtime from Python: every `Client` method blocks here, with the GIL
//! released, until the core answers. While it waits it looks up every [`TICK`]: it re-acquires
//! the GIL for a moment to run Python's signal handlers (Ctrl-C raises `KeyboardInterrupt` and
//! abandons the call) and, for `bankfeeds.aio`, to see whether the awaiting task was cancelled.
//! Abandoning a call drops the core's future: nothing further is sent.
//!
//! Callbacks (`on_progress`, and the methods of a push ledger written in Python) run on the
//! waiting thread, inside the core's future. What one raises ends the call: the exception is
//! kept, and the core's future is unwound from the callback with a private payload
//! ([`CallbackRaised`], through `resume_unwind`, which the panic hook does not see) so that the
//! core does not take another step, and [`block_on`] raises the exception as it was
//! (`KeyboardInterrupt` and `SystemExit` included). A client call made inside a callback, on
//! the thread that is waiting, would need a second runtime loop on that thread (tokio panics): it
//! raises `bankfeeds.ReentrancyError` instead.

use std::cell::Cell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::errors::{panic_error, reentrancy_error};

/// How often a waiting call looks up for signals and cancellation.
pub const TICK: Duration = Duration::from_millis(50);

/// The client's tokio runtime. Dropped with `shutdown_background`, which neither blocks (a
/// `Client` may be freed while the GIL is held) nor panics when the last reference goes inside
/// an async context (a callback of another client's call).
pub struct Runtime(ManuallyDrop<tokio::runtime::Runtime>);

impl Runtime {
    /// A runtime with two worker threads for the client's connections.
    pub fn new() -> std::io::Result<Runtime> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("bankfeeds-client")
            .enable_all()
            .build()?;
        Ok(Runtime(ManuallyDrop::new(runtime)))
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // SAFETY: taken once, here, and never used again.
        let runtime = unsafe { ManuallyDrop::take(&mut self.0) };
        runtime.shutdown_background();
    }
}

thread_local! {
    /// Whether this thread is waiting in [`block_on`] (and so may only be running a callback).
    static WAITING: Cell<bool> = const { Cell::new(false) };
}

/// Marks the thread as waiting for as long as it lives.
struct Waiting(bool);

impl Waiting {
    fn enter() -> Waiting {
        Waiting(WAITING.replace(true))
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        WAITING.set(self.0);
    }
}

/// The payload that unwinds the core's future from a callback that raised.
struct CallbackRaised;

/// Where the callbacks of one call (`on_progress`, a `PushLedger` written in Python) keep what
/// they raised. The first exception kept is the one the call raises.
#[derive(Clone, Default)]
pub struct Callbacks {
    raised: Arc<Mutex<Option<PyErr>>>,
}

impl Callbacks {
    /// Runs a Python callback from inside the core's future (on the waiting thread). If it
    /// raises, the exception is kept and the core's future is unwound from here: see the module.
    pub fn call(&self, f: impl FnOnce(Python<'_>) -> PyResult<()>) {
        if let Some(e) = Python::attach(|py| f(py).err()) {
            self.raise(e);
        }
    }

    /// Keeps `e` (unless an earlier exception is kept) and unwinds the core's future from here,
    /// so that it takes no further step. While the future is already unwinding (a drop running
    /// after another exception), nothing more can be unwound: `e` is only kept, and this returns.
    pub fn raise(&self, e: PyErr) {
        self.keep(e);
        if !std::thread::panicking() {
            resume_unwind(Box::new(CallbackRaised));
        }
    }

    /// Keeps `e` to be raised when the call returns, unless an earlier exception is kept; the
    /// core goes on (for what must not stop it midway, such as giving a lease back).
    pub fn keep(&self, e: PyErr) {
        let mut raised = self.raised.lock().unwrap_or_else(PoisonError::into_inner);
        if raised.is_none() {
            *raised = Some(e);
        }
    }

    fn take(&self) -> Option<PyErr> {
        self.raised
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// A callback argument: `None`, or a callable (`TypeError` naming the argument otherwise).
pub fn callable(name: &str, v: Option<Py<PyAny>>, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
    match v {
        Some(f) if f.is_none(py) => Ok(None),
        Some(f) if !f.bind(py).is_callable() => Err(PyTypeError::new_err(format!(
            "{name} must be callable (a function taking one argument), not {}",
            f.bind(py)
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "object".into())
        ))),
        other => Ok(other),
    }
}

static CANCEL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `bankfeeds._bankfeeds._cancel`, a `contextvars.ContextVar` holding a `threading.Event` (or
/// `None`). `bankfeeds.aio` sets it in the worker thread of each call and sets the event when
/// the awaiting task is cancelled; the call then stops at its next look-up.
pub fn cancel_var(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    CANCEL
        .get_or_try_init(py, || {
            let kwargs = pyo3::types::PyDict::new(py);
            kwargs.set_item("default", py.None())?;
            Ok(py
                .import("contextvars")?
                .getattr("ContextVar")?
                .call(("bankfeeds_cancel",), Some(&kwargs))?
                .unbind())
        })
        .map(|v| v.bind(py))
}

/// Runs `future` on `runtime` to completion with the GIL released, looking up every [`TICK`]
/// (see the module). Raises what a callback raised, `KeyboardInterrupt` on Ctrl-C,
/// `asyncio.CancelledError` when `bankfeeds.aio` cancelled the call, `ReentrancyError` when
/// called where it cannot wait, and `InternalError` for a panic.
pub fn block_on<F>(
    py: Python<'_>,
    runtime: &Runtime,
    callbacks: Option<&Callbacks>,
    future: F,
) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    if WAITING.get() {
        return Err(reentrancy_error(
            py,
            "a bankfeeds.Client method cannot be called inside a callback of another client call on the same thread (it waits for the outer call); make the call after the outer one returns, or from another thread",
        ));
    }
    crate::logs::refresh(py);
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(reentrancy_error(
            py,
            "a bankfeeds.Client method cannot be called from a thread that is running an async runtime; call it from another thread",
        ));
    }
    let cancel = cancel_var(py)?.call_method0(intern!(py, "get"))?;
    let cancel = (!cancel.is_none()).then(|| cancel.unbind());
    // Cancelled while waiting for a worker thread: nothing is started.
    look_up(py, cancel.as_ref())?;
    let _waiting = Waiting::enter();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        py.detach(|| runtime.0.block_on(interruptible(future, cancel.as_ref())))
    }));
    match outcome {
        // Interrupted or cancelled: that is what the call raises.
        Ok(Err(e)) => Err(e),
        // Finished, but a callback raised without stopping it (see `Callbacks::keep`).
        Ok(Ok(value)) => match callbacks.and_then(Callbacks::take) {
            Some(e) => Err(e),
            None => Ok(value),
        },
        Err(payload) if payload.is::<CallbackRaised>() => match callbacks.and_then(Callbacks::take)
        {
            Some(e) => Err(e),
            None => Err(panic_error(py, Box::new("a callback's exception was lost"))),
        },
        Err(payload) => Err(panic_error(py, payload)),
    }
}

/// `future`, looking up every [`TICK`] until it is done.
async fn interruptible<F: Future>(future: F, cancel: Option<&Py<PyAny>>) -> PyResult<F::Output> {
    let mut future = std::pin::pin!(future);
    loop {
        match tokio::time::timeout(TICK, future.as_mut()).await {
            Ok(out) => return Ok(out),
            Err(_) => Python::attach(|py| look_up(py, cancel))?,
        }
    }
}

/// Runs Python's signal handlers (on the main thread: Ctrl-C raises `KeyboardInterrupt`) and
/// checks whether the call was cancelled.
fn look_up(py: Python<'_>, cancel: Option<&Py<PyAny>>) -> PyResult<()> {
    py.check_signals()?;
    if let Some(event) = cancel
        && event
            .bind(py)
            .call_method0(intern!(py, "is_set"))?
            .is_truthy()?
    {
        let cancelled = py
            .import("asyncio")?
            .getattr("CancelledError")?
            .call1(("the bankfeeds call was cancelled",))?;
        return Err(PyErr::from_value(cancelled));
    }
    Ok(())
}
