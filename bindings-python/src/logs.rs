//! The core's `tracing` events forwarded to Python's `logging`, as the `bankfeeds` logger.
//!
//! Levels map as `TRACE`/`DEBUG` → `DEBUG`, `INFO` → `INFO`, `WARN` → `WARNING`, `ERROR` →
//! `ERROR`. An event is formatted (and the GIL taken) only when the logger would keep it: the
//! logger's effective level (and `logging.disable`) is read each time a `Client` call starts and
//! kept in an atomic, which every event checks first. The line is the event with its request
//! span, e.g. `request{method="GET" path=/companies/c1}: answered status=200 ms=41`. The client
//! never records headers, so the API key and custom authorisation values never reach a log.

use std::sync::atomic::{AtomicU8, Ordering};

use bankfeeds::client::log::LogLine;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;

/// Python's level numbers, divided by ten: 1 DEBUG, 2 INFO, 3 WARNING, 4 ERROR, 5 nothing.
static THRESHOLD: AtomicU8 = AtomicU8::new(3);

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn python_level(level: &Level) -> u8 {
    match *level {
        Level::TRACE | Level::DEBUG => 1,
        Level::INFO => 2,
        Level::WARN => 3,
        Level::ERROR => 4,
    }
}

fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    LOGGER
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("logging")?
                    .call_method1("getLogger", ("bankfeeds",))?
                    .unbind(),
            )
        })
        .map(|l| l.bind(py))
}

/// Reads the `bankfeeds` logger's effective level again (cheap: two attribute reads).
pub fn refresh(py: Python<'_>) {
    let level = (|| -> PyResult<u8> {
        let logger = logger(py)?;
        let effective: u32 = logger.call_method0("getEffectiveLevel")?.extract()?;
        let disabled: u32 = logger
            .getattr("manager")?
            .getattr("disable")?
            .extract()
            .unwrap_or(0);
        let floor = effective.max(disabled.saturating_add(1));
        Ok(u8::try_from(floor.div_ceil(10)).unwrap_or(5).clamp(1, 5))
    })()
    .unwrap_or(3);
    THRESHOLD.store(level, Ordering::Relaxed);
}

fn enabled(level: &Level) -> bool {
    python_level(level) >= THRESHOLD.load(Ordering::Relaxed)
}

/// Hands one formatted line to the `bankfeeds` logger at `level` (Python's number over ten).
fn to_python(level: u8, text: &str) {
    Python::attach(|py| {
        // A handler that raises must not break the client: Python's own handlers report
        // their errors themselves; anything else is dropped.
        if let Ok(logger) = logger(py) {
            let _ = logger.call_method1("log", (u32::from(level) * 10, text));
        }
    });
}

struct ToPython;

impl<'a> MakeWriter<'a> for ToPython {
    type Writer = LogLine<u8>;

    fn make_writer(&'a self) -> Self::Writer {
        LogLine::new(1, to_python)
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        LogLine::new(python_level(meta.level()), to_python)
    }
}

/// Installs the forwarding subscriber for the process (once; a no-op if the process already
/// has a global subscriber, e.g. another extension's).
pub fn install(py: Python<'_>) {
    refresh(py);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(ToPython)
        .with_ansi(false)
        .without_time()
        .with_level(false)
        .with_target(false);
    // `sometimes`, not a cached yes or no: the logger's level can change at any time, so each
    // event asks `enabled` (one atomic load) again.
    let filter = tracing_subscriber::filter::DynFilterFn::new(|meta, _| {
        meta.target().starts_with("bankfeeds") && (meta.is_span() || enabled(meta.level()))
    })
    .with_callsite_filter(|meta| {
        if meta.target().starts_with("bankfeeds") {
            tracing::subscriber::Interest::sometimes()
        } else {
            tracing::subscriber::Interest::never()
        }
    });
    let subscriber =
        tracing_subscriber::registry().with(tracing_subscriber::Layer::with_filter(layer, filter));
    let _ = tracing::subscriber::set_global_default(subscriber);
}
