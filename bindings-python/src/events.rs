//! `bankfeeds.PushEvents`: push-operation updates the application feeds in from its webhook
//! receiver, so `push_transactions(..., events=...)` waits for them instead of polling. A thin
//! handle on the core's `PushEvents` (the waiting, the fallback poll and the bound on kept updates
//! live there).

use std::time::Duration;

use bankfeeds::client::PushEvents;
use bankfeeds::model::{PushOperationStatus, PushOperationUpdate};
use pyo3::prelude::*;

use crate::errors::configuration_error;

/// A feed of push-operation updates, shared by every push it is given to and safe to feed from
/// any thread (a web server's worker, say) while a push waits in another.
#[pyclass(module = "bankfeeds", name = "PushEvents", frozen)]
pub struct PyPushEvents {
    pub inner: PushEvents,
}

/// A status as Codat spells it; only the four the spec lists are accepted.
fn status(py: Python<'_>, text: &str) -> PyResult<PushOperationStatus> {
    match PushOperationStatus::parse(text) {
        PushOperationStatus::Unrecognised(_) => Err(configuration_error(
            py,
            format!(
                "status must be one of \"Pending\", \"Success\", \"Failed\", \"TimedOut\", not {:?}",
                bankfeeds::text::excerpt(text)
            ),
        )),
        known => Ok(known),
    }
}

#[pymethods]
impl PyPushEvents {
    /// `fallback`: seconds between the reads a waiting push still makes when no update comes
    /// (60; at least 1).
    #[new]
    #[pyo3(signature = (*, fallback = 60.0))]
    fn new(py: Python<'_>, fallback: f64) -> PyResult<Self> {
        let fallback = Duration::try_from_secs_f64(fallback).map_err(|_| {
            configuration_error(
                py,
                format!("fallback must be a number of seconds, not {fallback}"),
            )
        })?;
        Ok(PyPushEvents {
            inner: PushEvents::with_fallback(fallback),
        })
    }

    /// Seconds between a waiting push's fallback reads.
    #[getter]
    fn fallback(&self) -> f64 {
        self.inner.fallback().as_secs_f64()
    }

    /// Feeds one update: the push operation's key and its status (`"Success"`, `"Failed"`,
    /// `"TimedOut"` or `"Pending"`), as a verified webhook gave them.
    fn deliver(&self, py: Python<'_>, operation_key: &str, status: &str) -> PyResult<()> {
        if operation_key.trim().is_empty() {
            return Err(configuration_error(py, "operation_key must not be empty"));
        }
        let status = self::status(py, status)?;
        self.inner.deliver(PushOperationUpdate {
            key: operation_key.to_owned(),
            status,
            data_type: None,
            connection_id: None,
        });
        Ok(())
    }

    /// Feeds a verified webhook event (what `bankfeeds.webhooks.verify` returns); returns whether
    /// it was about a push operation (other events are ignored).
    fn deliver_event(&self, event: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = event.py();
        let kind = event.getattr(pyo3::intern!(py, "kind")).map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(
                "deliver_event takes an event from bankfeeds.webhooks.verify",
            )
        })?;
        if kind.extract::<String>().ok().as_deref() != Some("push_operation") {
            return Ok(false);
        }
        let key: String = event
            .getattr(pyo3::intern!(py, "operation_key"))?
            .extract()?;
        let status: String = event.getattr(pyo3::intern!(py, "status"))?.extract()?;
        self.deliver(py, &key, &status)?;
        Ok(true)
    }

    /// The last status fed for an operation no push has consumed yet, else `None`.
    fn status(&self, operation_key: &str) -> Option<String> {
        self.inner
            .status(operation_key)
            .map(|s| s.as_str().to_owned())
    }

    fn __repr__(&self) -> String {
        format!(
            "PushEvents(fallback={})",
            self.inner.fallback().as_secs_f64()
        )
    }
}
