//! `bankfeeds.webhooks.verify`: Codat's webhook deliveries checked and parsed by the core
//! (`bankfeeds::webhook::verify`). This file only translates: the pure-Python module
//! `bankfeeds/webhooks.py` turns the caller's headers and body into name/value pairs and bytes,
//! this function hands them to the core, and gives back the core's verdict as a dict of plain
//! values (which `webhooks.py` wraps in its event classes) or raises `bankfeeds.WebhookError`
//! with the core's code and HTTP status.

use std::time::Duration;

use bankfeeds::dates::Timestamp;
use bankfeeds::model::{self, LenientTimestamp, WebhookEvent};
use bankfeeds::webhook::{self, WebhookError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{BindError, guard, webhook_error};

/// Checks one delivery; the compiled half of `bankfeeds.webhooks.verify` (call that instead).
///
/// `headers` are name/value pairs (names in any case), `body` the raw bytes received,
/// `tolerance` whole seconds, `now` Unix seconds (`None`: the clock). Returns a dict of the
/// delivery's fields; raises `bankfeeds.WebhookError` for a refusal.
#[pyfunction]
#[pyo3(signature = (secret, headers, body, tolerance, now=None))]
pub fn _verify_webhook<'py>(
    py: Python<'py>,
    secret: &str,
    headers: Vec<(String, String)>,
    body: &[u8],
    tolerance: u64,
    now: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let now = match now {
        None => Timestamp::now(),
        Some(secs) => match chrono::DateTime::from_timestamp(secs, 0) {
            Some(t) => Timestamp::new(t),
            None => {
                return Err(BindError::Value(format!(
                    "now={secs} is not a time bankfeeds can hold"
                ))
                .into_py(py));
            }
        },
    };
    let verdict = guard(py, || {
        Ok(webhook::verify(
            secret,
            &headers,
            body,
            Duration::from_secs(tolerance),
            now,
        ))
    })?;
    match verdict {
        Ok(delivery) => fields(py, &delivery),
        Err(e) => Err(refusal(py, &e)),
    }
}

fn refusal(py: Python<'_>, e: &WebhookError) -> PyErr {
    webhook_error(py, &e.to_string(), e.as_str(), e.http_status())
}

/// The delivery as plain values: what every event has, then what its kind adds.
fn fields<'py>(py: Python<'py>, d: &webhook::Delivery) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("message_id", d.message_id())?;
    out.set_item("timestamp", d.timestamp().utc().timestamp())?;
    out.set_item("kind", d.kind().as_str())?;
    out.set_item("event_type", d.event_type())?;
    out.set_item("company_id", d.company_id())?;
    out.set_item("body", d.body())?;
    if let Some(push) = d.push_operation() {
        out.set_item("operation_key", push.key)?;
        out.set_item("status", push.status.as_str())?;
        out.set_item("data_type", push.data_type.as_ref().map(|t| t.as_str()))?;
        out.set_item("connection_id", push.connection_id)?;
        return Ok(out);
    }
    match d.event() {
        WebhookEvent::SourceAccount(w) => {
            let payload = w.payload.as_ref();
            let account = payload.and_then(|p| p.source_account.as_ref());
            out.set_item(
                "connected",
                w.event_type == Some(model::WebhookEventType::SourceAccountConnected),
            )?;
            out.set_item("account_id", account.map(|a| a.id()))?;
            out.set_item(
                "account_status",
                account.and_then(|a| a.status()).map(|s| s.as_str()),
            )?;
            out.set_item(
                "connection_id",
                payload.and_then(|p| p.connection_id.as_deref()),
            )?;
        }
        WebhookEvent::ClientRateLimit(w) => {
            let payload = w.payload.as_ref();
            out.set_item(
                "reached",
                w.event_type == Some(model::WebhookEventType::ClientRateLimitReached),
            )?;
            out.set_item("daily_quota", payload.and_then(|p| p.daily_quota))?;
            out.set_item("quota_remaining", payload.and_then(|p| p.quota_remaining))?;
            // As Codat wrote it: its own example is not a valid date.
            out.set_item(
                "expiry_date",
                payload
                    .and_then(|p| p.expiry_date.as_ref())
                    .map(|d| match d {
                        LenientTimestamp::Valid(t) => t.to_string(),
                        LenientTimestamp::Invalid(text) => text.clone(),
                    }),
            )?;
        }
        _ => {}
    }
    Ok(out)
}
