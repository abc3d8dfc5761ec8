//! The high-level push from Python: the push options that are not plain values (`unknown_history`,
//! `skip_through`, `resend`, `lock_wait`), the `PushReport`, what `push_history` answers, and the
//! client's errors in Python's words: a message that tells what to do names the Python argument
//! (`unknown_history="trust"`, `skip_through=`, `lock_wait=`, `ledger=`), never the core's Rust
//! option.

use std::time::Duration;

use bankfeeds::client::Error;
use bankfeeds::client::push::{
    Cursor, HeldBatch, PushHistory, PushProgress, PushReport, PushStop, UnknownHistory,
};
use bankfeeds::dates::LocalDateTime;
use bankfeeds::ingest::RawValue;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::errors::{BindError, BindResult, config};
use crate::ledger::{LedgerNote, py_timestamp};
use crate::pyser::to_python;
use crate::report::{PyChange, PyReport};
use crate::values::{py_naive_datetime, raw_value};

// ---- options -----------------------------------------------------------------------------------

/// `unknown_history` and `skip_through` as the core's policy.
pub fn unknown_history(
    policy: &str,
    skip_through: Option<&Bound<'_, PyAny>>,
) -> BindResult<UnknownHistory> {
    let skip_through = skip_through.filter(|v| !v.is_none());
    match (policy, skip_through) {
        ("trust", Some(_)) => Err(config(
            "give unknown_history=\"trust\" or skip_through, not both: trust pushes every row, skip_through skips the rows at or before it",
        )),
        ("refuse", Some(cursor)) => Ok(UnknownHistory::SkipThrough(self::cursor(cursor)?)),
        ("refuse", None) => Ok(UnknownHistory::Refuse),
        ("trust", None) => Ok(UnknownHistory::Trust),
        (other, _) => Err(config(format!(
            "unknown_history must be \"refuse\" or \"trust\", not {other:?} (skip_through= gives a cursor)"
        ))),
    }
}

/// `skip_through`: a `date` (that whole day), a `datetime` (up to that moment), ISO text
/// (`"2024-05-31"`, `"2024-05-31T17:00:00"`, `"2024-05-31,tx-981"`) or `(date_or_datetime, id)`.
fn cursor(v: &Bound<'_, PyAny>) -> BindResult<Cursor> {
    if let Ok(pair) = v.cast::<PyTuple>() {
        if pair.len() != 2 {
            return Err(BindError::Type(format!(
                "skip_through as a tuple is (date, id), not {} item(s)",
                pair.len()
            )));
        }
        let date = cursor_date(&pair.get_item(0)?)?;
        let id: String = pair.get_item(1)?.extract().map_err(|_| {
            BindError::Type("skip_through: the id of (date, id) must be a str".into())
        })?;
        if id.trim().is_empty() {
            return Err(config("skip_through: the id of (date, id) is empty"));
        }
        return Ok(Cursor::through_id(date, id.trim()));
    }
    if let Ok(text) = v.cast::<PyString>() {
        return crate::values::utf8(text)?
            .parse::<Cursor>()
            .map_err(|e| config(format!("skip_through: {e}")));
    }
    Ok(Cursor::through(cursor_date(v)?))
}

fn cursor_date(v: &Bound<'_, PyAny>) -> BindResult<LocalDateTime> {
    match raw_value(v)? {
        RawValue::Date(d) => Ok(LocalDateTime::from_date(d)),
        RawValue::DateTime(dt) | RawValue::DateTimeOffset(dt, _) => Ok(LocalDateTime::new(dt)),
        RawValue::Text(t) => {
            LocalDateTime::parse(&t).map_err(|e| config(format!("skip_through: {e}")))
        }
        _ => Err(BindError::Type(format!(
            "skip_through must be a date, a datetime, ISO text or (date, id), not {}",
            v.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))),
    }
}

/// `lock_wait` as a duration (`ConfigurationError` for a negative or unusable number).
pub fn lock_wait(seconds: f64) -> BindResult<Duration> {
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        config(format!(
            "lock_wait must be a number of seconds, not {seconds}"
        ))
    })
}

// ---- errors in Python's words ------------------------------------------------------------------

/// A client error's message, with what to do in Python's words; `ledger` is the ledger the call
/// used, when it used one.
pub fn error_text(e: &Error, ledger: Option<&LedgerNote>) -> String {
    match e {
        Error::HistoryUnknown {
            account_id,
            operations,
        } => {
            let first = operations.first().map_or("", String::as_str);
            let why = match ledger {
                Some(LedgerNote::Off) => format!(
                    "do not say what they carried (first: {first}), and ledger=False keeps no record of what was pushed; nothing was sent. Push with the ledger that recorded them (leave ledger out for the default one, or give ledger=PATH)."
                ),
                other => format!(
                    "are not in {} and do not say what they carried (first: {first}); nothing was sent. If another ledger recorded them, push with that one (ledger=PATH, or your PushLedger).",
                    other.map_or_else(|| "the push ledger".to_owned(), LedgerNote::describe)
                ),
            };
            format!(
                "cannot tell what account `{account_id}` already has: {} push operation(s) on the connection {why} If none of these rows is on the account yet: unknown_history=\"trust\". If the account has everything up to a date (and that day up to an id): skip_through=DATE or skip_through=(DATE, ID).",
                operations.len()
            )
        }
        Error::AccountBusy {
            account_id,
            holder,
            expires_at,
        } => format!(
            "account `{account_id}` is being pushed by {holder} (its lease runs until {expires_at}); nothing was sent. Run again once that push has finished, or wait for it with lock_wait=SECONDS."
        ),
        Error::LookupIncomplete { examined } => format!(
            "could not look through every push operation requested since the push began ({examined} examined, more than bankfeeds reads): its outcome is unknown and it was not sent again; a later push_transactions looks it up before sending anything"
        ),
        Error::PushOutcomeUnknown {
            account_id,
            transactions,
            attempt,
            lookup,
        } => format!(
            "the push of {transactions} transaction(s) to account `{account_id}` has an unknown outcome ({}); looking it up failed: {}",
            error_text(attempt, ledger),
            error_text(lookup, ledger)
        ),
        // The answer-size limit is `Client(max_response_bytes=...)` here.
        Error::Decode { .. } => e.to_string().replace(
            "(ClientBuilder::max_response_bytes)",
            "(Client(max_response_bytes=...))",
        ),
        other => other.to_string(),
    }
}

/// Converts a core client error into the `bankfeeds` exception it stands for; `ledger` is the
/// ledger the call used, for the messages that name it.
pub fn client_error(py: Python<'_>, e: &Error, ledger: Option<&LedgerNote>) -> PyErr {
    let kind = e.code().as_str();
    let text = error_text(e, ledger);
    let made: PyResult<PyErr> = (|| {
        let errors = py.import("bankfeeds._errors")?;
        match e {
            Error::Validation(report) => {
                return Ok(crate::errors::validation_error(
                    py,
                    "nothing was pushed: the transactions have errors",
                    report.as_ref().clone(),
                ));
            }
            Error::Config(m) => return Ok(crate::errors::configuration_error(py, m)),
            Error::Ledger { .. } => return Ok(crate::errors::ledger_error(py, &text, None)),
            _ => {}
        }
        let kwargs = PyDict::new(py);
        let class = error_class(py, e, &kwargs)?;
        let exc = errors.getattr(class)?.call((text,), Some(&kwargs))?;
        exc.setattr("kind", kind)?;
        exc.setattr("code", e.code().as_str())?;
        Ok(PyErr::from_value(exc))
    })();
    made.unwrap_or_else(|e| e)
}

/// The class of `bankfeeds._errors` an error (other than validation, configuration and ledger
/// errors, which have their own constructors) stands for, with its keyword arguments set in
/// `kwargs`.
fn error_class(py: Python<'_>, e: &Error, kwargs: &Bound<'_, PyDict>) -> PyResult<&'static str> {
    let retryable = e.is_retryable();
    Ok(match e {
        Error::Api(api) => {
            api_error_kwargs(py, api, retryable, kwargs)?;
            "ApiError"
        }
        Error::Decode {
            method,
            path,
            status,
            snippet,
            ..
        } => {
            kwargs.set_item("status", *status)?;
            kwargs.set_item("body", snippet.clone())?;
            kwargs.set_item("retryable", false)?;
            kwargs.set_item("operation", format!("{method} {path}"))?;
            "UnexpectedResponseError"
        }
        Error::Timeout { .. } | Error::Transport { .. } => {
            kwargs.set_item("retryable", retryable)?;
            "TransportError"
        }
        Error::HistoryUnknown {
            account_id,
            operations,
        } => {
            kwargs.set_item("account_id", account_id)?;
            kwargs.set_item("operations", PyList::new(py, operations)?)?;
            "HistoryUnknownError"
        }
        Error::AccountBusy {
            account_id,
            holder,
            expires_at,
        } => {
            kwargs.set_item("account_id", account_id)?;
            kwargs.set_item("holder", holder)?;
            kwargs.set_item("expires_at", py_timestamp(py, expires_at)?)?;
            "AccountBusyError"
        }
        Error::LookupIncomplete { examined } => {
            kwargs.set_item("examined", *examined)?;
            "LookupIncompleteError"
        }
        _ => {
            kwargs.set_item("retryable", retryable)?;
            kwargs.set_item("kind", e.code().as_str())?;
            "PushError"
        }
    })
}

/// `ApiError`'s keyword arguments: Codat's answer as far as it was read.
fn api_error_kwargs(
    py: Python<'_>,
    api: &bankfeeds::client::ApiError,
    retryable: bool,
    kwargs: &Bound<'_, PyDict>,
) -> PyResult<()> {
    kwargs.set_item("status", api.status)?;
    kwargs.set_item(
        "message",
        api.message.as_ref().and_then(|m| m.error.clone()),
    )?;
    kwargs.set_item("correlation_id", api.correlation_id())?;
    let body = match &api.message {
        Some(m) => to_python(py, m)?,
        None => api
            .body_snippet
            .clone()
            .into_pyobject(py)?
            .into_any()
            .unbind(),
    };
    kwargs.set_item("body", body)?;
    kwargs.set_item("retryable", retryable)?;
    kwargs.set_item("operation", format!("{} {}", api.method, api.path))?;
    if let Some(r) = &api.rate_limit {
        kwargs.set_item("rate_limit", crate::client::rate_limit_dict(py, r)?)?;
    }
    Ok(())
}

// ---- progress, history and the report ----------------------------------------------------------

/// What `push_all`'s `on_progress` is given for one account.
pub fn account_progress_dict<'py>(
    py: Python<'py>,
    p: &bankfeeds::client::AccountProgress,
) -> PyResult<Bound<'py, PyDict>> {
    use bankfeeds::client::AccountState;
    let d = PyDict::new(py);
    d.set_item("index", p.index)?;
    d.set_item("company_id", &p.company_id)?;
    d.set_item("connection_id", &p.connection_id)?;
    d.set_item("account_id", &p.account_id)?;
    let (state, progress, error) = match &p.state {
        AccountState::Queued => ("queued", None, None),
        AccountState::Pushing(pushing) => ("pushing", Some(progress_dict(py, pushing)?), None),
        AccountState::Complete => ("complete", None, None),
        AccountState::Incomplete => ("incomplete", None, None),
        AccountState::Failed(message) => ("failed", None, Some(message.as_str())),
        _ => ("unknown", None, None),
    };
    d.set_item("state", state)?;
    d.set_item("progress", progress)?;
    d.set_item("error", error)?;
    Ok(d)
}

/// What `on_progress` is given.
pub fn progress_dict<'py>(py: Python<'py>, p: &PushProgress) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("stage", format!("{:?}", p.stage).to_lowercase())?;
    d.set_item("batches_done", p.batches_done)?;
    d.set_item("batches_total", p.batches_total)?;
    d.set_item("transactions_done", p.transactions_done)?;
    d.set_item("transactions_total", p.transactions_total)?;
    d.set_item("already_pushed", p.already_pushed)?;
    d.set_item("operation_key", p.operation_key.as_deref())?;
    d.set_item("status", p.status.as_ref().map(|s| s.as_str()))?;
    Ok(d)
}

/// `{"operation_key": ..., "transaction_ids": [...]}` for each batch that ended `TimedOut`.
fn held_list(py: Python<'_>, held: &[HeldBatch]) -> PyResult<Vec<Py<PyAny>>> {
    held.iter()
        .map(|b| {
            let d = PyDict::new(py);
            d.set_item("operation_key", &b.operation_key)?;
            d.set_item("transaction_ids", PyList::new(py, &b.transaction_ids)?)?;
            Ok(d.into_any().unbind())
        })
        .collect()
}

fn recovered_list(
    recovered: &[(String, bankfeeds::client::push::ledger::BatchState)],
) -> Vec<(String, &'static str)> {
    recovered
        .iter()
        .map(|(id, state)| (id.clone(), state.as_str()))
        .collect()
}

/// What `Client.push_history` answers.
pub fn history_dict<'py>(py: Python<'py>, h: &PushHistory) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let mut ids: Vec<&String> = h.transaction_ids.iter().collect();
    ids.sort();
    d.set_item("account_id", &h.account_id)?;
    d.set_item("transaction_ids", PyList::new(py, ids)?)?;
    d.set_item(
        "newest",
        h.newest
            .map(|n| py_naive_datetime(py, &n.datetime()))
            .transpose()?,
    )?;
    d.set_item(
        "successful_operations",
        PyList::new(py, &h.successful_operations)?,
    )?;
    d.set_item("timed_out", held_list(py, &h.held)?)?;
    let unknown = h
        .unknown_operations
        .iter()
        .map(|o| {
            let u = PyDict::new(py);
            u.set_item("operation_key", &o.operation_key)?;
            u.set_item("status", o.status.as_str())?;
            u.set_item("requested_on_utc", py_timestamp(py, &o.requested_on_utc)?)?;
            Ok(u.into_any().unbind())
        })
        .collect::<PyResult<Vec<_>>>()?;
    d.set_item("unknown_operations", unknown)?;
    d.set_item("waited_for", h.waited_for)?;
    d.set_item("recovered", recovered_list(&h.resolved))?;
    Ok(d)
}

/// What `Client.push_transactions` did: how many transactions were pushed, skipped (already on
/// the account, held back by a timed-out batch, at or before `skip_through`) or not pushed, every
/// batch with its push operation, the validation warnings and the normalisation changes, and why
/// it stopped early if it did.
#[pyclass(module = "bankfeeds", name = "PushReport", frozen)]
pub struct PyPushReport {
    pub inner: PushReport,
    /// The ledger the push used, for the messages of `stopped`.
    pub ledger: LedgerNote,
}

pymethods_with_getters! {
    impl PyPushReport {
        getters |v| {
            /// Whether every row given is on the account: every batch succeeded and no row is held back
            /// by a timed-out batch.
            is_complete -> bool = v.is_complete();
            /// The company.
            company_id -> &str = &v.company_id;
            /// The connection.
            connection_id -> &str = &v.connection_id;
            /// The source account.
            account_id -> &str = &v.account_id;
            /// Whose rules applied (from the connection's platform key): `"xero"`, `"generic"`...
            platform -> &'static str = v.platform.as_str();
            /// Transactions after normalisation.
            transactions -> usize = v.transactions;
            /// Ids skipped because a successful push already carried them.
            already_pushed -> Vec<String> = v.already_pushed.clone();
            /// Ids skipped because a batch that ended `TimedOut` holds them (they may be on the account:
            /// see `timed_out`, and `resend=`).
            held_back -> Vec<String> = v.held_back.clone();
            /// Ids skipped as at or before `skip_through`.
            skipped_by_cursor -> Vec<String> = v.skipped_by_cursor.clone();
            /// Transactions in batches whose operation succeeded.
            pushed -> usize = v.pushed;
            /// Transactions not pushed (failed or unfinished batches, or after a stop).
            not_pushed -> usize = v.not_pushed;
            /// Batches the transactions were split into.
            batches_total -> usize = v.batches_total;
            /// The keys of the push operations that succeeded.
            operation_keys -> Vec<String> = v.operation_keys().map(str::to_owned).collect();
            /// Push operations on the connection whose transactions could not be told (the push went
            /// ahead under `unknown_history="trust"` or `skip_through`).
            unknown_operations -> usize = v.unknown_operations;
            /// Batches an earlier push left without an answer that this one looked up:
            /// `(batch_id, state)`, the state they turned out to be in.
            recovered -> Vec<(String, &'static str)> = recovered_list(&v.recovered);
            /// Validation warnings (errors stop a push before it starts).
            validation -> PyReport = PyReport::from(v.validation.clone());
        }
        /// Every batch sent, in order: `index, operation_key, status, transactions, first_id,
        /// last_id, error_message, validation_errors, recovered`.
        #[getter]
        fn batches(&self, py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
            self.inner
                .batches
                .iter()
                .map(|b| {
                    let d = PyDict::new(py);
                    d.set_item("index", b.index)?;
                    d.set_item("operation_key", &b.operation_key)?;
                    d.set_item("status", b.status.as_str())?;
                    d.set_item("transactions", b.transactions)?;
                    d.set_item("first_id", &b.first_id)?;
                    d.set_item("last_id", &b.last_id)?;
                    d.set_item("error_message", b.error_message.as_deref())?;
                    d.set_item("validation_errors", to_python(py, &b.validation_errors)?)?;
                    d.set_item("recovered", b.recovered)?;
                    Ok(d.into_any().unbind())
                })
                .collect()
        }
        /// The account's batches that ended `TimedOut` and are not settled (this push's and earlier
        /// ones), each `{"operation_key": ..., "transaction_ids": [...]}`: check them in the
        /// accounting platform, then push the missing ones with `resend=`.
        #[getter]
        fn timed_out(&self, py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
            held_list(py, &self.inner.timed_out)
        }
        /// What normalisation changed.
        #[getter]
        fn changes(&self) -> Vec<PyChange> {
            PyChange::all(&self.inner.changes)
        }
        /// Why the push stopped early, or `None`: a dict with `reason` and `batch`, and
        /// `"operation_failed"`: `operation`; `"timed_out"`: `operation_key` and `transaction_ids`
        /// (never sent again unless `resend=` names them); `"still_pending"`: `operation_key` and
        /// `status`; `"error"`: `error` and `kind`.
        #[getter]
        fn stopped(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
            let Some(stop) = &self.inner.stopped else {
                return Ok(None);
            };
            let d = PyDict::new(py);
            d.set_item("batch", stop.batch())?;
            match stop {
                PushStop::OperationFailed { operation, .. } => {
                    d.set_item("reason", "operation_failed")?;
                    d.set_item("operation", to_python(py, operation.as_ref())?)?;
                }
                PushStop::TimedOut {
                    operation_key,
                    transaction_ids,
                    ..
                } => {
                    d.set_item("reason", "timed_out")?;
                    d.set_item("operation_key", operation_key)?;
                    d.set_item("transaction_ids", PyList::new(py, transaction_ids)?)?;
                }
                PushStop::StillPending {
                    operation_key,
                    status,
                    ..
                } => {
                    d.set_item("reason", "still_pending")?;
                    d.set_item("operation_key", operation_key)?;
                    d.set_item("status", status.as_str())?;
                }
                PushStop::Error { error, .. } => {
                    d.set_item("reason", "error")?;
                    d.set_item("error", error_text(error, Some(&self.ledger)))?;
                    d.set_item("kind", error.code().as_str())?;
                }
                _ => d.set_item("reason", "other")?,
            }
            Ok(Some(d.into_any().unbind()))
        }
        fn __str__(&self) -> String {
            // The core's summary, with a stop's error in Python's words.
            match &self.inner.stopped {
                Some(PushStop::Error { batch, error }) => {
                    let mut rest = self.inner.clone();
                    rest.stopped = None;
                    format!(
                        "{rest}; stopped: batch {batch}: {}",
                        error_text(error, Some(&self.ledger))
                    )
                }
                _ => self.inner.to_string(),
            }
        }
        fn __repr__(&self) -> String {
            format!(
                "PushReport(pushed={}, already_pushed={}, held_back={}, not_pushed={}, complete={})",
                self.inner.pushed,
                self.inner.already_pushed.len(),
                self.inner.held_back.len(),
                self.inner.not_pushed,
                self.inner.is_complete()
            )
        }
    }
}
