//! The sandbox's own endpoints under `/sandbox/`: what the customer would do in Codat Link and
//! their accounting software, reading back what was stored, fault plans, health and statistics.
//! They need no credentials and are never faulted.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bankfeeds::dates::Timestamp;
use serde::Deserialize;

use crate::Shared;
use crate::api::with_store;
use crate::error::{ApiError, json, parse_body};
use crate::faults::{FaultEngine, Faults};

type Result<T = Response> = std::result::Result<T, ApiError>;

/// The optional body of the link endpoint.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkBody {
    otp: Option<String>,
}

/// The optional body of the map endpoint.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MapBody {
    feed_start_date: Option<Timestamp>,
    target_account_id: Option<String>,
}

/// An optional JSON body: empty means the defaults.
fn optional_body<T: Default + serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse_body(bytes)
    }
}

/// The `/sandbox/` routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    let conn = "/sandbox/companies/{companyId}/connections/{connectionId}";
    Router::new()
        .route("/sandbox/health", get(health))
        .route("/sandbox/stats", get(stats))
        .route(
            "/sandbox/spec-violations",
            get(spec_violations).delete(clear_spec_violations),
        )
        .route(
            "/sandbox/faults",
            put(set_faults).get(get_faults).delete(clear_faults),
        )
        .route(
            "/sandbox/webhooks",
            get(webhook_log).delete(clear_webhook_log),
        )
        .route(&format!("{conn}/link"), post(link))
        .route(
            &format!("{conn}/bankFeedAccounts/{{accountId}}/map"),
            post(map),
        )
        .route(
            &format!("{conn}/bankFeedAccounts/{{accountId}}/transactions"),
            get(transactions),
        )
}

async fn health(State(s): State<Arc<Shared>>) -> Response {
    json(
        StatusCode::OK,
        &serde_json::json!({
            "status": "ok",
            "service": "bankfeeds-sandbox",
            "version": env!("CARGO_PKG_VERSION"),
            "url": s.settings.base_url,
            "today": s.settings.today().to_string(),
            "checksSpec": s.spec.is_some(),
        }),
    )
}

async fn stats(State(s): State<Arc<Shared>>) -> Response {
    let stats = s.stats();
    json(StatusCode::OK, &stats)
}

async fn spec_violations(State(s): State<Arc<Shared>>) -> Response {
    let violations = s.lock().violations.clone();
    json(StatusCode::OK, &violations)
}

async fn clear_spec_violations(State(s): State<Arc<Shared>>) -> Response {
    s.lock().violations.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// Every webhook message kept, with its attempts; 404 when webhooks are off.
async fn webhook_log(State(s): State<Arc<Shared>>) -> Result {
    match s.webhook_log() {
        Some(log) => Ok(json(StatusCode::OK, &log)),
        None => Err(webhooks_off()),
    }
}

/// Empties the list (the messages count as dropped); deliveries under way go on.
async fn clear_webhook_log(State(s): State<Arc<Shared>>) -> Result {
    match &s.webhooks {
        Some(hooks) => {
            hooks.log.clear();
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        None => Err(webhooks_off()),
    }
}

fn webhooks_off() -> ApiError {
    ApiError::not_found(
        "This sandbox sends no webhooks: start it with a webhook URL and secret \
         (bankfeeds sandbox --webhook-url URL --webhook-secret whsec_...).",
    )
}

async fn set_faults(State(s): State<Arc<Shared>>, body: Bytes) -> Result {
    let plan: Faults = parse_body(&body)?;
    plan.check().map_err(ApiError::bad_request)?;
    s.lock().faults = FaultEngine::new(plan.clone());
    Ok(json(StatusCode::OK, &plan))
}

async fn get_faults(State(s): State<Arc<Shared>>) -> Response {
    let plan = s.lock().faults.plan().clone();
    json(StatusCode::OK, &plan)
}

async fn clear_faults(State(s): State<Arc<Shared>>) -> Response {
    s.lock().faults = FaultEngine::new(Faults::none());
    StatusCode::NO_CONTENT.into_response()
}

async fn link(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
    body: Bytes,
) -> Result {
    let body: LinkBody = optional_body(&body)?;
    let connection = with_store(&s, |st, _| {
        st.link_connection(&c, &conn, body.otp.as_deref())
    })?;
    Ok(json(StatusCode::OK, &connection))
}

async fn map(
    State(s): State<Arc<Shared>>,
    Path((c, conn, account)): Path<(String, String, String)>,
    body: Bytes,
) -> Result {
    let body: MapBody = optional_body(&body)?;
    let account = with_store(&s, |st, sh| {
        st.sandbox_map(
            &c,
            &conn,
            &account,
            body.target_account_id.as_deref(),
            body.feed_start_date,
            &sh.settings,
        )
    })?;
    Ok(json(StatusCode::OK, &account))
}

async fn transactions(
    State(s): State<Arc<Shared>>,
    Path((c, conn, account)): Path<(String, String, String)>,
) -> Result {
    let txs = with_store(&s, |st, _| {
        st.account_rec(&c, &conn, &account)
            .map(|a| a.transactions.clone())
    })?;
    Ok(json(StatusCode::OK, &txs))
}
