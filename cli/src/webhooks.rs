//! `bankfeeds webhooks listen`: a local receiver for Codat's webhooks (or the sandbox's), for
//! development. Every delivery is checked by the core (`bankfeeds::webhook::verify`, as every
//! binding does) and printed: accepted ones with their message id, event type, kind, company and,
//! for push events, the push operation's key and status; refused ones with their code and reason.
//! The answer is what Codat expects from a receiver: 204 for an accepted delivery, the refusal's
//! status (400 or 401) with `{"code", "message"}` otherwise.
//!
//! The secret is never printed: not at start, not in a refusal (the core's messages never hold
//! it). Text from a delivery (ids, event types, headers) is escaped before it reaches the
//! terminal ([`output::clean`]); `--json` lines escape the same characters as `\u` escapes.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bankfeeds::dates::Timestamp;
use bankfeeds::webhook::{self, Delivery, Verifier, WebhookError};
use serde_json::{Map, Value, json};

use crate::output::{self, clean};
use crate::{OK, UNREADABLE};

/// The variable `--secret` falls back to.
pub const SECRET_ENV: &str = "BANKFEEDS_WEBHOOK_SECRET";

/// `bankfeeds webhooks listen`'s flags.
#[derive(Debug, clap::Args)]
pub struct ListenArgs {
    /// The port to listen on (0 picks a free one; the URL is printed on stderr).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The address to listen on (default: this machine only).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The endpoint's signing secret, `whsec_...` (default: $BANKFEEDS_WEBHOOK_SECRET, which keeps
    /// it out of the shell's history and the process list). Never printed.
    #[arg(long)]
    pub secret: Option<String>,
    /// How far a delivery's signed time may be from now, either way, in seconds.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub tolerance: u64,
    /// One JSON object a line on stdout for every delivery, accepted or refused.
    #[arg(long)]
    pub json: bool,
}

struct State {
    verifier: Verifier,
    json: bool,
    /// Message ids accepted so far: a second delivery of one is a redelivery (handle once).
    seen: Mutex<HashSet<String>>,
}

/// Runs the receiver until Ctrl-C or SIGTERM.
pub fn listen(args: &ListenArgs) -> u8 {
    let secret = match args
        .secret
        .clone()
        .or_else(|| std::env::var(SECRET_ENV).ok())
    {
        Some(s) if !s.trim().is_empty() => s,
        _ => {
            tell!(
                "bankfeeds: give the endpoint's signing secret (whsec_...) with --secret or {SECRET_ENV}"
            );
            return UNREADABLE;
        }
    };
    // The core's message for a bad secret never repeats it.
    let verifier = match Verifier::new(&secret) {
        Ok(v) => v.with_tolerance(Duration::from_secs(args.tolerance)),
        Err(e) => {
            tell!("bankfeeds: {e} (code {})", e.as_str());
            return UNREADABLE;
        }
    };
    drop(secret);
    let Some(runtime) = crate::start::runtime() else {
        return UNREADABLE;
    };
    let state = Arc::new(State {
        verifier,
        json: args.json,
        seen: Mutex::new(HashSet::new()),
    });
    let address = SocketAddr::new(args.host, args.port);
    let tolerance = args.tolerance;
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(address).await {
            Ok(l) => l,
            Err(e) => {
                tell!("bankfeeds: cannot listen on {address}: {e}");
                return UNREADABLE;
            }
        };
        let url = match listener.local_addr() {
            Ok(a) => format!("http://{a}"),
            Err(e) => {
                tell!("bankfeeds: cannot tell the address listened on: {e}");
                return UNREADABLE;
            }
        };
        tell!(
            "bankfeeds: receiving webhooks at {url} (any path; tolerance {tolerance} s; Ctrl-C stops)"
        );
        let app = axum::Router::new().fallback(move |method: Method, headers: HeaderMap, body: Bytes| {
            let state = Arc::clone(&state);
            async move { receive(&state, &method, &headers, &body) }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(crate::sandbox::stop_signal())
            .await;
        match served {
            Ok(()) => {
                tell!("bankfeeds: stopped receiving webhooks");
                OK
            }
            Err(e) => {
                tell!("bankfeeds: the receiver failed: {e}");
                UNREADABLE
            }
        }
    })
}

/// One request: checked, printed, answered.
fn receive(state: &State, method: &Method, headers: &HeaderMap, body: &[u8]) -> Response {
    if method != Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "webhook deliveries are POST requests\n",
        )
            .into_response();
    }
    // Header values as text; a value that is not visible ASCII is read leniently (it then
    // cannot match a signature anyway).
    let pairs: Vec<(&str, String)> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    match state
        .verifier
        .verify_delivery(&pairs, body, Timestamp::now())
    {
        Ok(delivery) => {
            let again = !state
                .seen
                .lock()
                .map(|mut seen| seen.insert(delivery.message_id().to_owned()))
                .unwrap_or(true);
            print_accepted(state.json, &delivery, again);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => {
            let id = webhook::WebhookHeaders::from_lookup(&pairs)
                .ok()
                .map(|h| h.id);
            print_refused(state.json, &e, id.as_deref());
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            let answer = json!({ "code": e.as_str(), "message": e.to_string() });
            (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                answer.to_string(),
            )
                .into_response()
        }
    }
}

fn print_accepted(json: bool, d: &Delivery, redelivery: bool) {
    if json {
        // The delivery as every binding serialises it, with `ok` and `redelivery`.
        let mut line = match serde_json::from_str::<Value>(&d.to_json()) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        line.insert("ok".into(), Value::Bool(true));
        line.insert("redelivery".into(), Value::Bool(redelivery));
        say_exact!("{}", output::safe_json_line(&line));
        return;
    }
    let mut text = format!(
        "accepted {} {} ({})",
        clean(d.message_id()),
        clean(d.event_type().unwrap_or("(no event type)")),
        d.kind()
    );
    if let Some(company) = d.company_id() {
        text.push_str(&format!(" company {}", clean(company)));
    }
    if let Some(push) = d.push_operation() {
        text.push_str(&format!(
            " push operation {} {}",
            clean(&push.key),
            clean(push.status.as_str())
        ));
    }
    if redelivery {
        text.push_str(" (redelivery: already handled)");
    }
    say!("{text}");
}

fn print_refused(json: bool, e: &WebhookError, id: Option<&str>) {
    if json {
        let line = json!({
            "ok": false,
            "status": e.http_status(),
            "code": e.as_str(),
            "message": e.to_string(),
            "messageId": id,
        });
        say_exact!("{}", output::safe_json_line(&line));
        return;
    }
    let about = id.map(|id| format!(" {}", clean(id))).unwrap_or_default();
    tell!(
        "refused{about}: {} {}: {}",
        e.http_status(),
        e.as_str(),
        clean(&e.to_string())
    );
}
