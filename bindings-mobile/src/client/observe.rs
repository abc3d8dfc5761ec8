//! What the client tells the app beyond answers: Codat's rate-limit headers, and its log.
//!
//! The log is the core's `tracing` events (every request with status and duration, retries,
//! push batches, the ledger), formatted as one line each and handed to a [`LogListener`] the app
//! sets with [`set_log_listener`]. Below the listener's level nothing is formatted. The client
//! never records headers, so an authorisation value never reaches the log.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Once, RwLock};

use bankfeeds::client::log::LogLine;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;

/// Codat's rate-limit headers on one answer (`null`/`nil` where a header was absent).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RateLimit {
    /// Requests allowed in the current window (`X-Rate-Limit-Limit`).
    pub limit: Option<u64>,
    /// Requests left in it (`X-Rate-Limit-Remaining`).
    pub remaining: Option<u64>,
    /// When it resets (`X-Rate-Limit-Reset`), as sent.
    pub reset: Option<String>,
}

impl From<&bankfeeds::client::RateLimit> for RateLimit {
    fn from(r: &bankfeeds::client::RateLimit) -> Self {
        RateLimit {
            limit: r.limit,
            remaining: r.remaining,
            reset: r.reset.clone(),
        }
    }
}

/// Called with Codat's rate-limit headers of every answer that carries them, on the client's
/// own thread: keep it quick (post to your dashboard or main thread). An exception thrown here
/// is ignored.
#[uniffi::export(callback_interface)]
pub trait RateLimitListener: Send + Sync {
    /// The headers of one answer.
    fn on_rate_limit(&self, rate_limit: RateLimit);
}

/// How much the log says, from the most to the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// The HTTP stack's own details as well.
    Trace,
    /// Every request (method, path, status, duration), rate-limit headers, the ledger.
    Debug,
    /// Retries (reason, delay) and each push's batches and operations.
    Info,
    /// Giving up after retries, a batch not pushed, a busy account.
    Warn,
    /// Errors.
    Error,
}

impl LogLevel {
    fn of(level: &tracing::Level) -> LogLevel {
        match *level {
            tracing::Level::TRACE => LogLevel::Trace,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::ERROR => LogLevel::Error,
        }
    }

    fn rank(self) -> u8 {
        self as u8
    }
}

/// Receives the client's log lines, e.g. into `android.util.Log`, Timber or `os_log`. Called on
/// the client's own threads; an exception thrown here is ignored.
///
/// ```kotlin
/// setLogListener(object : LogListener {
///     override fun log(level: LogLevel, target: String, message: String) {
///         if (level >= LogLevel.WARN) Log.w("bankfeeds", message) else Log.d("bankfeeds", message)
///     }
/// }, LogLevel.DEBUG)
/// ```
#[uniffi::export(callback_interface)]
pub trait LogListener: Send + Sync {
    /// One event: its level, where in the SDK it comes from (`bankfeeds::client::request`...)
    /// and the line, e.g. `request{method="GET" path=/companies/c1}: answered status=200 ms=41`.
    fn log(&self, level: LogLevel, target: String, message: String);
}

/// No listener: nothing passes.
const OFF: u8 = u8::MAX;

static THRESHOLD: AtomicU8 = AtomicU8::new(OFF);
static LISTENER: RwLock<Option<Arc<dyn LogListener>>> = RwLock::new(None);
static INSTALL: Once = Once::new();

/// Sends the client's log to `listener`, from `level` up; `null`/`nil` stops it. Applies to every
/// client of the process, from the next event on.
#[uniffi::export]
pub fn set_log_listener(listener: Option<Box<dyn LogListener>>, level: LogLevel) {
    INSTALL.call_once(install);
    let listener: Option<Arc<dyn LogListener>> = listener.map(Arc::from);
    let on = listener.is_some();
    *LISTENER.write().unwrap_or_else(|e| e.into_inner()) = listener;
    THRESHOLD.store(if on { level.rank() } else { OFF }, Ordering::Relaxed);
}

fn enabled(level: &tracing::Level) -> bool {
    let threshold = THRESHOLD.load(Ordering::Relaxed);
    threshold != OFF && LogLevel::of(level).rank() >= threshold
}

/// Hands one formatted line to the listener, if one is set.
fn to_listener((level, target): (LogLevel, String), text: &str) {
    let listener = LISTENER.read().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(listener) = listener {
        // A listener that throws must not stop a request.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            listener.log(level, target, text.to_owned())
        }));
    }
}

struct ToListener;

impl<'a> MakeWriter<'a> for ToListener {
    type Writer = LogLine<(LogLevel, String)>;

    fn make_writer(&'a self) -> Self::Writer {
        LogLine::new((LogLevel::Info, String::new()), to_listener)
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        let tag = (LogLevel::of(meta.level()), meta.target().to_owned());
        LogLine::new(tag, to_listener)
    }
}

fn install() {
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(ToListener)
        .with_ansi(false)
        .without_time()
        .with_level(false)
        .with_target(false);
    // `sometimes`, not a cached yes or no: the listener and its level change at run time, so
    // each event asks again (one atomic load).
    let filter = tracing_subscriber::filter::DynFilterFn::new(|meta, _| {
        let ours = meta.target().starts_with("bankfeeds");
        let trace = THRESHOLD.load(Ordering::Relaxed) == LogLevel::Trace.rank();
        (ours || trace) && (meta.is_span() || enabled(meta.level()))
    })
    .with_callsite_filter(|_| tracing::subscriber::Interest::sometimes());
    let subscriber =
        tracing_subscriber::registry().with(tracing_subscriber::Layer::with_filter(layer, filter));
    // Another library of the app may have set one: then the log goes there instead.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Keep(Arc<Mutex<Vec<(LogLevel, String)>>>);

    impl LogListener for Keep {
        fn log(&self, level: LogLevel, target: String, message: String) {
            // Other tests of this process log too: keep this test's events only.
            if target == "bankfeeds::test" {
                self.0.lock().unwrap().push((level, message));
            }
        }
    }

    #[test]
    fn levels_filter_and_a_listener_can_be_removed() {
        let kept = Arc::new(Mutex::new(Vec::new()));
        // Seen once with no listener (as an app logs before setting one): not cached as off.
        set_log_listener(None, LogLevel::Info);
        let event = |n: u32| tracing::info!(target: "bankfeeds::test", n, "shown");
        event(0);
        set_log_listener(Some(Box::new(Keep(kept.clone()))), LogLevel::Info);
        tracing::debug!(target: "bankfeeds::test", "hidden");
        event(3);
        tracing::warn!(target: "elsewhere", "not ours");
        set_log_listener(None, LogLevel::Info);
        tracing::warn!(target: "bankfeeds::test", "after");
        let kept = kept.lock().unwrap();
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0], (LogLevel::Info, "shown n=3".to_owned()));
    }
}
