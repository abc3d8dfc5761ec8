//! The HTTP server, driven through hyper directly so a fault can close a connection without
//! writing an answer (axum's `serve` always answers), and the gate every API request passes:
//! statistics, fault plan, credentials.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::Shared;
use crate::api::TimeOutPush;
use crate::error::ApiError;
use crate::faults::Fault;
use crate::spec::{Answer, Spec};

/// The error that makes hyper close the connection without an answer.
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by the sandbox's fault plan")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until shutdown is signalled, then lets open connections finish their
/// current request (up to five seconds).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, router: Router) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of file descriptors or similar: wait a little instead of spinning.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let router = router.clone();
                let service = hyper::service::service_fn(move |req| {
                    handle(shared.clone(), router.clone(), req)
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    // A dropped connection ends with an error by design; nothing to report.
                    let _ = connection.await;
                });
            }
            _ = async { shutdown.wait_for(|stop| *stop).await.map(|_| ()) } => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// Whether the request carries credentials the sandbox accepts.
fn authorised(shared: &Shared, req: &Request<Incoming>) -> bool {
    let auth = &shared.auth;
    if let Some((name, value)) = &auth.custom_header
        && req
            .headers()
            .get(name.as_str())
            .is_some_and(|v| v.as_bytes() == value.as_bytes())
    {
        return true;
    }
    let Some(header) = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, key)) = header.trim().split_once(' ') else {
        return false;
    };
    let key = key.trim();
    if !scheme.eq_ignore_ascii_case("basic") || key.is_empty() {
        return false;
    }
    match &auth.api_key {
        None => true,
        // Codat's docs send the key itself; its SDKs send it base64-encoded. Both are fine.
        Some(expected) => key == expected || key == base64(expected.as_bytes()),
    }
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn handle(
    shared: Arc<Shared>,
    router: Router,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let path = req.uri().path().to_owned();
    let method = req.method().as_str().to_owned();
    let api = !path.starts_with("/sandbox/") && path != "/sandbox";
    // Counted until the answer is ready (or the connection dropped), faults included.
    let _in_flight = if api {
        InFlight::enter(&shared, &path)
    } else {
        None
    };
    let mut response = answer(&shared, router, req, &path, api).await?;
    if api && !path.starts_with("/link/") {
        rate_limit_headers(&shared, &mut response);
    }
    // Codat's API only: the link pages stand in for Codat Link, which the spec does not cover.
    match &shared.spec {
        Some(spec) if api && !path.starts_with("/link/") => {
            Ok(check_against_spec(&shared, spec, &method, &path, response).await)
        }
        _ => Ok(response),
    }
}

/// Codat's rate-limit headers, as its "Rate limits" page describes them: the daily quota of
/// 1,000 × (1 + companies) requests, what is left of it (every API request counts; none is left
/// on a `429`), and when it resets (the next 00:00 UTC, in ISO 8601).
fn rate_limit_headers(shared: &Shared, response: &mut Response<Body>) {
    let (limit, used) = {
        let state = shared.lock();
        let limit = 1000u64.saturating_mul(1 + state.store.company_count() as u64);
        (limit, state.stats.requests)
    };
    let remaining = if response.status() == StatusCode::TOO_MANY_REQUESTS {
        0
    } else {
        limit.saturating_sub(used)
    };
    let reset = (chrono::Utc::now().date_naive() + chrono::Days::new(1))
        .format("%Y-%m-%dT00:00:00Z")
        .to_string();
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-rate-limit-limit", limit.to_string()),
        ("x-rate-limit-remaining", remaining.to_string()),
        ("x-rate-limit-reset", reset),
    ] {
        if let Ok(value) = header::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

/// One API request in flight for a company, from arrival until dropped.
struct InFlight {
    shared: Arc<Shared>,
    company: String,
}

impl InFlight {
    /// Counts a request to `/companies/{id}/...` and records the most seen at once.
    fn enter(shared: &Arc<Shared>, path: &str) -> Option<InFlight> {
        let mut segments = path.trim_start_matches('/').split('/');
        let company = match (segments.next(), segments.next()) {
            (Some("companies"), Some(id)) if !id.is_empty() => id.to_owned(),
            _ => return None,
        };
        let mut state = shared.lock();
        let now = {
            let n = state.in_flight.entry(company.clone()).or_default();
            *n += 1;
            *n
        };
        let max = state
            .stats
            .max_in_flight_per_company
            .entry(company.clone())
            .or_default();
        *max = (*max).max(now);
        Some(InFlight {
            shared: shared.clone(),
            company,
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        if let Some(n) = state.in_flight.get_mut(&self.company) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.in_flight.remove(&self.company);
            }
        }
    }
}

/// The answer to one request: statistics, the fault plan, credentials, then the routes.
async fn answer(
    shared: &Arc<Shared>,
    router: Router,
    mut req: Request<Incoming>,
    path: &str,
    api: bool,
) -> Result<Response<Body>, Dropped> {
    let fault = {
        let mut state = shared.lock();
        if api {
            state.stats.requests += 1;
            let fault = state.faults.decide(req.method().as_str(), path);
            if let Some(f) = &fault {
                state.stats.faults_injected += 1;
                *state.stats.faults_by_kind.entry(f.name()).or_default() += 1;
            }
            if let Some(Fault::RateLimit { retry_after_secs }) = &fault {
                // The quota ran out: `client.rateLimit.reached`, when webhooks are on.
                let crate::State { store, quota, .. } = &mut *state;
                quota.fault_fired(
                    store.outbox.as_ref(),
                    Duration::from_secs(*retry_after_secs),
                );
            }
            fault
        } else {
            state.stats.sandbox_requests += 1;
            None
        }
    };
    let mut drop_after = false;
    match fault {
        None => {}
        Some(Fault::Slow { delay_ms }) => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        }
        Some(Fault::RateLimit { retry_after_secs }) => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "You have made too many requests in a given amount of time; please retry later.",
            );
            e.retry_after = Some(retry_after_secs);
            return Ok(e.into_response());
        }
        Some(Fault::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let message = match status.as_u16() {
                503 => {
                    "The Codat API is temporarily offline for maintenance. Please try again later."
                }
                502 => "Bad gateway. Please try again later.",
                _ => "There is a problem with our server. Please try again later.",
            };
            return Ok(ApiError::new(status, message).into_response());
        }
        Some(Fault::DropBeforeApply) => return Err(Dropped),
        Some(Fault::DropAfterApply) => drop_after = true,
        Some(Fault::PushTimedOut) => {
            req.extensions_mut().insert(TimeOutPush);
        }
    }
    let exempt = !api || path.starts_with("/link/");
    if !exempt && !authorised(shared, &req) {
        shared.lock().stats.unauthorized += 1;
        return Ok(ApiError::unauthorized().into_response());
    }
    if declared_too_large(&req) {
        return Ok(ApiError::too_large().into_response());
    }
    let response = match router.oneshot(req.map(Body::new)).await {
        Ok(response) => too_large(response),
        Err(never) => match never {},
    };
    if drop_after {
        return Err(Dropped);
    }
    Ok(response)
}

/// What an operation's description requires of its request that its schema does not say, as a
/// schema checked with the request schema when the sandbox refuses a request with a `400` the
/// operation does not declare:
/// - create-connection: "Creates a connection for the company by providing a valid
///   `platformKey`": `platformKey` is required;
/// - unlink-connection: it "allows you to deauthorize a connection": `status` must be
///   `Unlinked`;
/// - replace-company, update-company: the sandbox refuses a blank company name, as
///   create-company does.
fn request_rules(operation_id: &str) -> Option<&'static serde_json::Value> {
    static CONNECTION: std::sync::LazyLock<serde_json::Value> =
        std::sync::LazyLock::new(|| serde_json::json!({"required": ["platformKey"]}));
    static UNLINK: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(
        || serde_json::json!({"required": ["status"], "properties": {"status": {"const": "Unlinked"}}}),
    );
    static NAME: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(
        || serde_json::json!({"properties": {"name": {"pattern": "\\S"}}}),
    );
    match operation_id {
        "create-connection" => Some(&CONNECTION),
        "unlink-connection" => Some(&UNLINK),
        "replace-company" | "update-company" => Some(&NAME),
        _ => None,
    }
}

/// The legacy push history's operation: the spec's push operation plus the `data` the push's own
/// answer carries (a bank transactions push's body, or a created bank account), and nothing else.
static LEGACY_PUSH_OPERATION: std::sync::LazyLock<serde_json::Value> =
    std::sync::LazyLock::new(|| {
        serde_json::json!({"allOf": [
            {"type": "object", "properties": {"data": {"oneOf": [
                {"$ref": "#/components/schemas/CreateBankTransactions"},
                {"$ref": "#/components/schemas/BankAccounts/allOf/0/properties/results/items"}
            ]}}},
            {"$ref": "#/components/schemas/PushOperation"}
        ]})
    });

/// A page of [`LEGACY_PUSH_OPERATION`]s, paged as the spec's `PushOperations`.
static LEGACY_PUSH_OPERATIONS: std::sync::LazyLock<serde_json::Value> =
    std::sync::LazyLock::new(|| {
        serde_json::json!({"allOf": [
            {"type": "object", "properties": {"results": {
                "type": "array", "items": LEGACY_PUSH_OPERATION.clone()
            }}},
            {"$ref": "#/components/schemas/Companies/allOf/1"}
        ]})
    });

/// Checks an answer against the spec; one that breaks it is recorded, printed to stderr and
/// replaced by a 500 naming the violation. Answers to requests the spec has no operation for
/// (an unknown path or method) pass unchecked.
async fn check_against_spec(
    shared: &Shared,
    spec: &Spec,
    method: &str,
    path: &str,
    response: Response<Body>,
) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the sandbox could not read its own answer: {e}"),
            )
            .into_response();
        }
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let status = parts.status.as_u16();
    if status == StatusCode::PAYLOAD_TOO_LARGE.as_u16() {
        // The request size limit is the gateway's, before any operation: the spec declares no
        // 413 anywhere, though Codat's gateway answers one (with its error body) as any would.
        return Response::from_parts(parts, Body::from(bytes));
    }
    let operation_id = spec.operation_id(method, path);
    let legacy = match operation_id {
        Some("get-create-operation") if shared.settings.push_data_in_history && status == 200 => {
            Some(&*LEGACY_PUSH_OPERATION)
        }
        Some("list-create-operations") if shared.settings.push_data_in_history && status == 200 => {
            Some(&*LEGACY_PUSH_OPERATIONS)
        }
        _ => None,
    };
    let refused = parts
        .extensions
        .get::<crate::error::RefusedRequest>()
        .map(|r| r.0.clone());
    let rules = operation_id.and_then(request_rules);
    let found = spec.check(&Answer {
        method,
        path,
        status,
        content_type,
        body: &bytes,
        schema: legacy,
        refused_request: refused.as_deref(),
        request_rules: rules,
    });
    if found.operation_id.is_none() {
        return Response::from_parts(parts, Body::from(bytes));
    }
    {
        let mut state = shared.lock();
        state.stats.spec_checked += 1;
        state.stats.spec_violations += found.violations.len() as u64;
        let room = crate::MAX_VIOLATIONS_KEPT.saturating_sub(state.violations.len());
        state
            .violations
            .extend(found.violations.iter().take(room).cloned());
    }
    if found.violations.is_empty() {
        return Response::from_parts(parts, Body::from(bytes));
    }
    for v in &found.violations {
        eprintln!("bankfeeds-sandbox: spec violation: {v}");
    }
    ApiError::spec_violation(&found.violations).into_response()
}

/// Whether a request says up front (`Content-Length`) that its body is over the limit.
fn declared_too_large(req: &Request<Incoming>) -> bool {
    req.headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > bankfeeds::batch::MAX_PUSH_BODY_BYTES as u64)
}

/// axum answers a body over the limit (one sent without a length, found so while reading it)
/// with a plain-text 413; Codat answers with its error body, and so does the sandbox.
fn too_large(response: Response<Body>) -> Response<Body> {
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !json {
        return ApiError::too_large().into_response();
    }
    response
}

/// Answers requests no route takes, with Codat's error body.
pub(crate) async fn not_found(req: Request<Body>) -> Response<Body> {
    ApiError::not_found(format!(
        "No endpoint {} {} in the Codat Bank Feeds API.",
        req.method(),
        req.uri().path()
    ))
    .into_response()
}

/// Answers a known path with a method it does not take.
pub(crate) async fn method_not_allowed(req: Request<Body>) -> Response<Body> {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {}.", req.method(), req.uri().path()),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_rfc_examples() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
