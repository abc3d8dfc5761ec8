//! A request from path to typed answer: URL building, one attempt, retries, decoding.
//!
//! Which failures are retried depends on what a repeat could do ([`Retry`]): reads and
//! replacements are retried on every retryable failure; creations that would be duplicated only
//! when the server certainly did not process the first attempt (`429`, `408`, or no connection);
//! a bank transactions push never here (see [`super::push`]).

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use super::Client;
use super::error::{ApiError, Error, snippet};
use super::rate_limit::{self, RateLimit};
use super::retry::{Backoff, parse_retry_after};
use super::transport::{HttpRequest, HttpResponse, MAX_REDIRECTS, Method, TransportError};
use crate::model::ErrorMessage;

/// How far a request may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Repeating has the same effect as sending once (GET, PUT, PATCH, DELETE, and POSTs that
    /// create nothing twice): retried on every retryable failure.
    Safe,
    /// Repeating could create a second record: retried only when the first attempt certainly
    /// did not reach the server's logic.
    IfNotProcessed,
}

/// The path of a connection's resource: `companies/{company}/connections/{connection}` and then
/// `tail`, as the endpoints under a connection build it.
pub(crate) fn connection_path<'s>(
    company_id: &'s str,
    connection_id: &'s str,
    tail: &[&'s str],
) -> Vec<&'s str> {
    let mut s = vec!["companies", company_id, "connections", connection_id];
    s.extend_from_slice(tail);
    s
}

/// A request to make: method, path segments (encoded when the URL is built), query and body.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) retry: Retry,
    /// Error statuses whose body is an answer to read (a batch create's `409` lists per-account
    /// results).
    pub(crate) accept: &'static [u16],
}

impl Call {
    fn new<S: AsRef<str>>(method: Method, segments: impl IntoIterator<Item = S>) -> Self {
        Call {
            method,
            segments: segments
                .into_iter()
                .map(|s| s.as_ref().to_owned())
                .collect(),
            query: Vec::new(),
            body: None,
            retry: Retry::Safe,
            accept: &[],
        }
    }

    pub(crate) fn get<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> Self {
        Call::new(Method::Get, segments)
    }

    pub(crate) fn post<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> Self {
        Call::new(Method::Post, segments)
    }

    pub(crate) fn put<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> Self {
        Call::new(Method::Put, segments)
    }

    pub(crate) fn patch<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> Self {
        Call::new(Method::Patch, segments)
    }

    pub(crate) fn delete<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> Self {
        Call::new(Method::Delete, segments)
    }

    /// Sets a JSON body.
    pub(crate) fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::Config(format!("the request body cannot be written as JSON: {e}"))
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Sets a JSON body already written (a push body, by its own writer).
    pub(crate) fn json_bytes(mut self, bytes: Vec<u8>) -> Self {
        self.body = Some(bytes);
        self
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// Adds a query parameter when there is a value.
    pub(crate) fn query_opt(self, name: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    pub(crate) fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    pub(crate) fn accept(mut self, statuses: &'static [u16]) -> Self {
        self.accept = statuses;
        self
    }

    /// The path and query for messages, e.g. `/companies/c1/connections?page=2`.
    pub(crate) fn display_path(&self) -> String {
        let mut url = url::Url::parse("http://x/").expect("static URL");
        url.path_segments_mut()
            .expect("http URLs have paths")
            .extend(&self.segments);
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        let mut out = url.path().to_owned();
        if let Some(q) = url.query() {
            out.push('?');
            out.push_str(q);
        }
        out
    }
}

/// A request that failed after its retries.
#[derive(Debug)]
pub(crate) struct Failed {
    /// The last attempt's error.
    pub(crate) error: Error,
    /// Whether an earlier attempt may have been acted on (it failed after it may have reached
    /// the server).
    pub(crate) uncertain: bool,
}

/// Whether the server certainly did not act on the request: it said it was limiting (`429`) or
/// timed out reading it (`408`), or the connection was never made.
pub(crate) fn not_processed(e: &Error) -> bool {
    match e {
        Error::Api(a) => a.status == 429 || a.status == 408,
        Error::Transport { sent, .. } => !sent,
        _ => false,
    }
}

impl Client {
    fn url(&self, call: &Call) -> url::Url {
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .expect("the base URL was checked to have a path")
            .pop_if_empty()
            .extend(&call.segments);
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&call.query);
        }
        url
    }

    /// One exchange: a 2xx answer, or the error it amounts to.
    ///
    /// Traced as a `request` span (method, and the path and query without the host: never a
    /// header, so never the key) holding one event: `answered` (status, duration) or
    /// `no answer` (the kind of failure, duration).
    pub(crate) async fn attempt(&self, call: &Call) -> Result<HttpResponse, Error> {
        let span = tracing::debug_span!(
            "request",
            method = call.method.as_str(),
            path = %call.display_path(),
        );
        async {
            let started = tokio::time::Instant::now();
            let outcome = self.attempt_untraced(call).await;
            let ms = started.elapsed().as_millis() as u64;
            match &outcome {
                Ok(response) => tracing::debug!(status = response.status, ms, "answered"),
                Err(e) => match e.status() {
                    Some(status) => tracing::debug!(status, ms, "answered"),
                    None => tracing::debug!(ms, kind = %e.code(), "no answer"),
                },
            }
            outcome
        }
        .instrument(span)
        .await
    }

    async fn attempt_untraced(&self, call: &Call) -> Result<HttpResponse, Error> {
        let method = call.method.as_str();
        let url = self.url(call);
        let request = HttpRequest {
            method: call.method,
            url: url.clone(),
            auth: self.inner.auth_header.clone(),
            user_agent: self.inner.user_agent.clone(),
            body: call.body.clone(),
            timeout: self.inner.timeouts.request,
            limits: self.inner.limits,
            accept: call.accept,
        };
        // Codat's limits: a permit of the company's and the global cap, held for the attempt.
        let _permit = self
            .inner
            .limiter
            .admit(
                super::limit::company_of(&call.segments),
                self.inner.retry.max_elapsed,
                method,
                || call.display_path(),
            )
            .await?;
        let response = self.inner.transport.send(request).await;
        let response = match response {
            Ok(r) => r,
            Err(TransportError::Timeout) => {
                return Err(Error::Timeout {
                    method,
                    path: call.display_path(),
                    timeout: self.inner.timeouts.request,
                });
            }
            Err(TransportError::NotSent(message)) => {
                return Err(Error::Transport {
                    method,
                    path: call.display_path(),
                    message,
                    sent: false,
                });
            }
            Err(TransportError::Failed(message)) => {
                return Err(Error::Transport {
                    method,
                    path: call.display_path(),
                    message,
                    sent: true,
                });
            }
        };
        let rate = RateLimit::from_headers(|name| response.header(name));
        if let Some(rate) = &rate {
            tracing::debug!(
                limit = rate.limit,
                remaining = rate.remaining,
                reset = rate.reset.as_deref(),
                "rate limit"
            );
            if let Some(callback) = &self.inner.on_rate_limit {
                rate_limit::report(callback, rate);
            }
        }
        if (200..300).contains(&response.status) || call.accept.contains(&response.status) {
            return Ok(response);
        }
        if (300..400).contains(&response.status) {
            return Err(Error::api(redirect_error(
                method,
                call.display_path(),
                &url,
                &response,
            )));
        }
        let mut error = api_error(method, call.display_path(), &response);
        error.rate_limit = rate;
        let err = Error::api(error);
        self.inner.limiter.note(&err);
        Err(err)
    }

    /// Sends with retries (see the module docs); a 2xx answer or the last error.
    pub(crate) async fn execute(&self, call: &Call) -> Result<HttpResponse, Error> {
        self.execute_tracked(call).await.map_err(|f| f.error)
    }

    /// [`Client::execute`], telling on failure whether an earlier attempt may have been acted on.
    ///
    /// Each attempt is traced (see [`Client::attempt`]); so is each retry (`retrying`: method,
    /// path, attempt, reason, delay) and giving up.
    pub(crate) async fn execute_tracked(&self, call: &Call) -> Result<HttpResponse, Failed> {
        let mut backoff = Backoff::new(&self.inner.retry, self.inner.jitter_seed);
        let mut uncertain = false;
        loop {
            let err = match self.attempt(call).await {
                Ok(response) => return Ok(response),
                Err(e) => e,
            };
            // A DELETE whose earlier attempt may have gone through finds nothing left to delete.
            if call.method == Method::Delete && uncertain && err.status() == Some(404) {
                return Ok(HttpResponse {
                    status: 204,
                    headers: Vec::new(),
                    body: Vec::new(),
                    cut_at: None,
                });
            }
            if !self.may_retry(call.retry, &err) {
                return Err(Failed {
                    error: err,
                    uncertain,
                });
            }
            uncertain |= !not_processed(&err);
            let attempt = backoff.attempts();
            match backoff.next_delay(err.retry_after()) {
                Some(delay) => {
                    tracing::info!(
                        method = call.method.as_str(),
                        path = %call.display_path(),
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        reason = %retry_reason(&err),
                        "retrying"
                    );
                    tokio::time::sleep(delay).await
                }
                None => {
                    tracing::warn!(
                        method = call.method.as_str(),
                        path = %call.display_path(),
                        attempts = attempt,
                        elapsed_ms = backoff.elapsed().as_millis() as u64,
                        reason = %retry_reason(&err),
                        "giving up: the retry policy's bound is reached"
                    );
                    return Err(Failed {
                        error: err,
                        uncertain,
                    });
                }
            }
        }
    }

    pub(crate) fn may_retry(&self, retry: Retry, err: &Error) -> bool {
        let connection = matches!(err, Error::Transport { .. } | Error::Timeout { .. });
        if connection && !self.inner.retry.retry_connection_errors {
            return false;
        }
        match retry {
            Retry::Safe => err.is_retryable(),
            Retry::IfNotProcessed => not_processed(err),
        }
    }

    /// Sends with retries and reads the answer as `T`.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, call: &Call) -> Result<T, Error> {
        let response = self.execute(call).await?;
        decode(call, &response)
    }

    /// Sends with retries, expecting no body worth reading.
    pub(crate) async fn send(&self, call: &Call) -> Result<(), Error> {
        self.execute(call).await.map(drop)
    }
}

/// Why a request is retried, in a few words: the status (and `Retry-After`) or the failure.
fn retry_reason(err: &Error) -> String {
    match err {
        Error::Api(a) => match a.retry_after {
            Some(wait) => format!("status {} (Retry-After {}s)", a.status, wait.as_secs()),
            None => format!("status {}", a.status),
        },
        Error::Timeout { timeout, .. } => format!("no answer within {}s", timeout.as_secs_f64()),
        Error::Transport { message, .. } => message.clone(),
        other => other.code().to_string(),
    }
}

/// Reads an answer's body as `T`; an answer cut at the size limit is not read at all.
pub(crate) fn decode<T: DeserializeOwned>(
    call: &Call,
    response: &HttpResponse,
) -> Result<T, Error> {
    if let Some(limit) = response.cut_at {
        return Err(Error::Decode {
            method: call.method.as_str(),
            path: call.display_path(),
            status: response.status,
            expected: short_type_name::<T>(),
            message: format!(
                "the answer is longer than the client's limit of {limit} bytes (ClientBuilder::max_response_bytes) and was not read to the end"
            ),
            snippet: snippet(&response.body, 200),
        });
    }
    serde_json::from_slice(&response.body).map_err(|e| Error::Decode {
        method: call.method.as_str(),
        path: call.display_path(),
        status: response.status,
        expected: short_type_name::<T>(),
        message: e.to_string(),
        snippet: snippet(&response.body, 200),
    })
}

/// A `3xx` the transport did not follow: it pointed at another origin (the credentials and the
/// body are never sent there), or it went round too many times, or had no usable `Location`.
fn redirect_error(
    method: &'static str,
    path: String,
    url: &url::Url,
    response: &HttpResponse,
) -> ApiError {
    let here = url.origin().ascii_serialization();
    let target = response
        .header("location")
        .and_then(|l| url.join(l.trim()).ok());
    let explanation = match target {
        Some(target) if target.origin() != url.origin() => format!(
            "a redirect to another origin ({}), not followed: the credentials and the body are only ever sent to {here}; if the API has moved, set the base URL to its new address",
            target.origin().ascii_serialization()
        ),
        Some(_) => format!(
            "a redirect within {here} that was not followed (more than {MAX_REDIRECTS} in a row)"
        ),
        None => "a redirect without a usable Location, not followed".to_owned(),
    };
    ApiError {
        status: response.status,
        method,
        path,
        message: None,
        body_snippet: Some(explanation),
        retry_after: None,
        rate_limit: None,
    }
}

fn api_error(method: &'static str, path: String, response: &HttpResponse) -> ApiError {
    let message = serde_json::from_slice::<ErrorMessage>(&response.body)
        .ok()
        .filter(|m| m.error.is_some() || m.status_code.is_some() || m.correlation_id.is_some());
    let body_snippet = match (&message, response.body.is_empty()) {
        (None, false) => Some(snippet(&response.body, 500)),
        _ => None,
    };
    ApiError {
        status: response.status,
        method,
        path,
        message,
        body_snippet,
        retry_after: response
            .header("retry-after")
            .and_then(|v| parse_retry_after(v, SystemTime::now())),
        rate_limit: None,
    }
}

/// `Vec<AnySourceAccount>` rather than `alloc::vec::Vec<bankfeeds::model::...::AnySourceAccount>`.
fn short_type_name<T>() -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let full = std::any::type_name::<T>();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    names.entry(full).or_insert_with(|| {
        let mut out = String::new();
        let mut word = String::new();
        let mut chars = full.chars().peekable();
        while let Some(c) = chars.next() {
            if c == ':' && chars.peek() == Some(&':') {
                chars.next();
                word.clear();
            } else if c.is_alphanumeric() || c == '_' {
                word.push(c);
            } else {
                out.push_str(&word);
                word.clear();
                out.push(c);
            }
        }
        out.push_str(&word);
        Box::leak(out.into_boxed_str())
    })
}

/// How long to wait before polling again, for callers that poll: `interval × factor`, at most
/// `max`, without overflowing whatever the inputs.
pub(crate) fn grow(interval: Duration, factor: f64, max: Duration) -> Duration {
    let factor = if factor.is_finite() && factor >= 1.0 {
        factor
    } else {
        1.0
    };
    scale(interval, factor).min(max)
}

/// `d × factor` (`factor` finite and not negative), saturating at [`Duration::MAX`] instead of
/// panicking as `Duration::mul_f64` does.
pub(crate) fn scale(d: Duration, factor: f64) -> Duration {
    if !(factor.is_finite() && factor >= 0.0) || factor == 1.0 {
        return d;
    }
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded() {
        let c = Call::get(["companies", "c 1", "connectionInfo", "a/b?c"])
            .query("query", "status=Success&&dataType=bankTransactions")
            .query("pageSize", 5);
        assert_eq!(
            c.display_path(),
            "/companies/c%201/connectionInfo/a%2Fb%3Fc?query=status%3DSuccess%26%26dataType%3DbankTransactions&pageSize=5"
        );
    }

    #[test]
    fn type_names_are_short() {
        assert_eq!(
            short_type_name::<Vec<crate::model::AnySourceAccount>>(),
            "Vec<AnySourceAccount>"
        );
        assert_eq!(
            short_type_name::<crate::model::Page<crate::model::Company>>(),
            "Page<Company>"
        );
    }

    #[test]
    fn errors_read_codat_bodies_or_keep_a_snippet() {
        let r = HttpResponse {
            status: 429,
            headers: vec![("retry-after".into(), "12".into())],
            body: br#"{"statusCode":429,"error":"Too many requests","correlationId":"c1","canBeRetried":"True"}"#.to_vec(),
            cut_at: None,
        };
        let e = api_error("GET", "/x".into(), &r);
        assert_eq!(e.retry_after, Some(Duration::from_secs(12)));
        assert_eq!(e.correlation_id(), Some("c1"));
        assert!(e.body_snippet.is_none());
        let r = HttpResponse {
            status: 422,
            headers: vec![],
            body: br#"{"type":"https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY","title":"Invalid request"}"#.to_vec(),
            cut_at: None,
        };
        let e = api_error("POST", "/y".into(), &r);
        assert!(e.message.is_none());
        assert!(e.body_snippet.unwrap().contains("Invalid request"));
    }

    mod behaviour {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU32, Ordering};
        use std::time::Duration;

        use tokio::time::Instant;

        use crate::ErrorCode;
        use crate::client::Error;
        use crate::client::testing::{COMPANY, answer, answer_with, builder, scripted};
        use crate::client::transport::{Method, TransportError};
        use crate::model::CompanyRequestBody;

        fn counter() -> (Arc<AtomicU32>, Arc<AtomicU32>) {
            let c = Arc::new(AtomicU32::new(0));
            (c.clone(), c)
        }

        #[tokio::test(start_paused = true)]
        async fn retries_5xx_and_honours_retry_after() {
            let (n, seen) = counter();
            let (client, t) = scripted(builder(3600), move |_| {
                match n.fetch_add(1, Ordering::SeqCst) {
                    0 => answer(503, r#"{"statusCode":503,"error":"down"}"#),
                    1 => answer_with(429, &[("retry-after", "7")], "{}"),
                    _ => answer(200, COMPANY),
                }
            });
            let started = Instant::now();
            let company = client.companies().get("c1").await.unwrap();
            assert_eq!(company.id, "c1");
            assert_eq!(seen.load(Ordering::SeqCst), 3);
            // 500 ms backoff (at most) then at least the 7 s asked for.
            assert!(started.elapsed() >= Duration::from_secs(7));
            assert!(started.elapsed() < Duration::from_secs(9));
            assert_eq!(t.count(Method::Get, "/companies/c1"), 3);
        }

        #[tokio::test(start_paused = true)]
        async fn absurd_retry_after_gives_up_or_is_ignored_never_panics() {
            // Waits no budget allows: the error at once, one request, no sleep.
            for value in [
                "18446744073709551615",
                "18446744073709551616",
                "1e400",
                "Fri, 31 Dec 9999 23:59:59 GMT",
                "86400",
            ] {
                let (client, t) = scripted(builder(3600), move |_| {
                    answer_with(429, &[("retry-after", value)], "{}")
                });
                let started = Instant::now();
                let err = client.companies().get("c1").await.unwrap_err();
                assert_eq!(err.status(), Some(429), "{value}");
                assert!(err.retry_after().is_some(), "{value}");
                assert_eq!(t.requests().len(), 1, "{value}");
                assert!(started.elapsed() < Duration::from_millis(1), "{value}");
                assert!(!err.to_string().is_empty());
            }
            // Negative and garbage values are ignored: the policy's own backoff applies.
            for value in [
                "-5",
                "-18446744073709551615",
                "NaN",
                "soon",
                "1.2.3",
                "-inf",
            ] {
                let (n, _) = counter();
                let (client, t) = scripted(builder(3600), move |_| {
                    match n.fetch_add(1, Ordering::SeqCst) {
                        0 => answer_with(429, &[("retry-after", value)], "{}"),
                        _ => answer(200, COMPANY),
                    }
                });
                let started = Instant::now();
                client.companies().get("c1").await.unwrap();
                assert_eq!(t.requests().len(), 2, "{value}");
                assert!(started.elapsed() <= Duration::from_millis(500), "{value}");
            }
        }

        #[tokio::test(start_paused = true)]
        async fn redirects_that_reach_the_client_are_errors_naming_where_they_pointed() {
            let (client, t) = scripted(builder(3600), |_| {
                answer_with(
                    307,
                    &[("location", "https://elsewhere.example:8443/steal?x=1")],
                    "",
                )
            });
            let err = client.companies().get("c1").await.unwrap_err();
            assert_eq!(err.status(), Some(307));
            assert!(!err.is_retryable());
            assert_eq!(t.requests().len(), 1, "never retried");
            let text = err.to_string();
            assert!(
                text.contains("https://elsewhere.example:8443")
                    && text.contains("another origin")
                    && text.contains("http://codat.test")
                    && !text.contains("steal"),
                "{text}"
            );
            // Same origin, handed back (too many hops) or without a Location.
            let (client, _) = scripted(builder(3600), |_| {
                answer_with(302, &[("location", "/companies/c2")], "")
            });
            let text = client.companies().get("c1").await.unwrap_err().to_string();
            assert!(text.contains("within http://codat.test"), "{text}");
            let (client, _) = scripted(builder(3600), |_| answer(301, ""));
            let text = client.companies().get("c1").await.unwrap_err().to_string();
            assert!(text.contains("without a usable Location"), "{text}");
        }

        #[tokio::test(start_paused = true)]
        async fn answers_over_the_limit_are_refused_and_error_bodies_cut() {
            let big = format!(
                r#"{{"id":"c1","name":"{}","redirect":"r"}}"#,
                "x".repeat(500)
            );
            let (client, _) = scripted(builder(1).max_response_bytes(100), move |_| {
                answer(200, &big)
            });
            let err = client.companies().get("c1").await.unwrap_err();
            let Error::Decode {
                message,
                snippet,
                status,
                ..
            } = &err
            else {
                panic!("{err:?}")
            };
            assert_eq!(*status, 200);
            assert!(
                message.contains("limit of 100 bytes") && message.contains("max_response_bytes"),
                "{message}"
            );
            assert!(snippet.len() <= 200 * 4 + 3, "{snippet}");
            assert!(!err.is_retryable());
            // An error answer is read up to MAX_ERROR_BODY_BYTES and quoted in 500 characters.
            let huge = "e".repeat(crate::client::MAX_ERROR_BODY_BYTES * 3);
            let (client, _) = scripted(builder(1), move |_| answer(400, &huge));
            let err = client.companies().get("c1").await.unwrap_err();
            let Error::Api(api) = &err else {
                panic!("{err:?}")
            };
            let quoted = api.body_snippet.as_deref().unwrap();
            assert_eq!(
                quoted.chars().count(),
                501,
                "500 characters and an ellipsis"
            );
            assert!(err.to_string().len() < 700);
        }

        #[tokio::test(start_paused = true)]
        async fn gives_up_at_the_bound_with_the_last_error() {
            let (client, t) = scripted(builder(10), |_| {
                answer(
                    502,
                    r#"{"statusCode":502,"error":"bad gateway","correlationId":"k9"}"#,
                )
            });
            let started = Instant::now();
            let err = client.companies().get("c1").await.unwrap_err();
            assert_eq!(err.status(), Some(502));
            assert_eq!(err.correlation_id(), Some("k9"));
            assert!(err.is_retryable());
            assert!(started.elapsed() <= Duration::from_secs(10));
            // 0.5, 0.75, 1.1, 1.7, 2.5, 3.8 s (less jitter) fit in 10 s: several attempts, not one.
            let attempts = t.requests().len();
            assert!((5..=12).contains(&attempts), "{attempts}");
        }

        #[tokio::test(start_paused = true)]
        async fn client_errors_are_not_retried() {
            let (client, t) = scripted(builder(3600), |_| {
                answer(404, r#"{"statusCode":404,"error":"Company not found"}"#)
            });
            let err = client.companies().get("c1").await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Api);
            assert!(!err.is_retryable());
            assert_eq!(t.requests().len(), 1);
        }

        #[tokio::test(start_paused = true)]
        async fn creations_retry_only_what_was_not_processed() {
            // A 500 after a create may have created the company: not retried.
            let (client, t) = scripted(builder(3600), |_| answer(500, "{}"));
            let body = CompanyRequestBody::new("Toft");
            assert_eq!(
                client.companies().create(&body).await.unwrap_err().status(),
                Some(500)
            );
            assert_eq!(t.requests().len(), 1);
            // A dropped connection likewise.
            let (client, t) = scripted(builder(3600), |_| {
                Err(TransportError::Failed("reset".into()))
            });
            let err = client.companies().create(&body).await.unwrap_err();
            assert!(
                matches!(err, Error::Transport { sent: true, .. }),
                "{err:?}"
            );
            assert_eq!(t.requests().len(), 1);
            // 429 and a refused connection never reached Codat's logic: retried.
            let (n, _) = counter();
            let (client, t) = scripted(builder(3600), move |_| {
                match n.fetch_add(1, Ordering::SeqCst) {
                    0 => answer(429, "{}"),
                    1 => Err(TransportError::NotSent("refused".into())),
                    2 => answer(408, "{}"),
                    _ => answer(200, COMPANY),
                }
            });
            client.companies().create(&body).await.unwrap();
            assert_eq!(t.count(Method::Post, "/companies"), 4);
        }

        #[tokio::test(start_paused = true)]
        async fn timeouts_and_resets_are_retried_for_reads() {
            let (n, _) = counter();
            let (client, t) = scripted(builder(3600), move |_| {
                match n.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(TransportError::Timeout),
                    1 => Err(TransportError::Failed("connection reset".into())),
                    _ => answer(200, COMPANY),
                }
            });
            client.companies().get("c1").await.unwrap();
            assert_eq!(t.requests().len(), 3);
            // Unless connection errors are excluded by the policy.
            let (client, t) = scripted(
                builder(3600).retry(crate::client::RetryPolicy {
                    retry_connection_errors: false,
                    ..Default::default()
                }),
                |_| Err(TransportError::Timeout),
            );
            let err = client.companies().get("c1").await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::Timeout);
            assert_eq!(t.requests().len(), 1);
        }

        #[tokio::test(start_paused = true)]
        async fn a_delete_that_went_through_is_done() {
            let (n, _) = counter();
            let (client, t) = scripted(builder(3600), move |_| {
                match n.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(TransportError::Failed("dropped after the request".into())),
                    _ => answer(404, r#"{"statusCode":404,"error":"Company not found"}"#),
                }
            });
            client.companies().delete("c1").await.unwrap();
            assert_eq!(t.count(Method::Delete, "/companies/c1"), 2);
            // A plain 404 on the first attempt is still an error.
            let (client, _) = scripted(builder(3600), |_| answer(404, "{}"));
            assert_eq!(
                client.companies().delete("c1").await.unwrap_err().status(),
                Some(404)
            );
        }

        #[tokio::test(start_paused = true)]
        async fn keys_and_custom_headers_are_sent_but_never_shown() {
            let (client, t) = scripted(builder(1), |_| {
                answer(
                    401,
                    r#"{"statusCode":401,"error":"Unauthorized","correlationId":"x1"}"#,
                )
            });
            let err = client.companies().get("c1").await.unwrap_err();
            let sent = &t.requests()[0].auth;
            assert_eq!(sent.0, "Authorization");
            assert_eq!(sent.1, "Basic dGVzdC1rZXktU0VDUkVU"); // base64("test-key-SECRET")
            for shown in [format!("{err}"), format!("{err:?}"), format!("{client:?}")] {
                assert!(
                    !shown.contains("SECRET") && !shown.contains("dGVzdC1rZXktU0VDUkVU"),
                    "{shown}"
                );
            }
            let (client, t) = scripted(
                crate::client::ClientBuilder::new().auth_header("X-Bank-Session", "session-SECRET"),
                |_| Err(TransportError::Failed("reset".into())),
            );
            let err = client
                .companies()
                .create(&CompanyRequestBody::new("T"))
                .await
                .unwrap_err();
            assert_eq!(
                t.requests()[0].auth,
                ("X-Bank-Session".into(), "session-SECRET".into())
            );
            for shown in [format!("{err}"), format!("{err:?}"), format!("{client:?}")] {
                assert!(!shown.contains("session-SECRET"), "{shown}");
            }
        }

        #[tokio::test(start_paused = true)]
        async fn rate_limit_headers_reach_the_callback_and_the_error() {
            let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
            let log = seen.clone();
            let (n, _) = counter();
            let (client, _) = scripted(
                builder(3600).on_rate_limit(move |r| log.lock().unwrap().push(r.clone())),
                move |_| match n.fetch_add(1, Ordering::SeqCst) {
                    0 => answer_with(
                        200,
                        &[
                            ("x-rate-limit-limit", "2000"),
                            ("x-rate-limit-remaining", "1"),
                            ("x-rate-limit-reset", "2024-09-02T00:00:00Z"),
                        ],
                        COMPANY,
                    ),
                    1 => answer(200, COMPANY),
                    _ => answer_with(
                        429,
                        &[
                            ("retry-after", "86400"),
                            ("x-rate-limit-limit", "2000"),
                            ("x-rate-limit-remaining", "0"),
                        ],
                        r#"{"statusCode":429,"error":"Too many requests"}"#,
                    ),
                },
            );
            client.companies().get("c1").await.unwrap();
            client.companies().get("c1").await.unwrap();
            let err = client.companies().get("c1").await.unwrap_err();
            let limited = crate::client::RateLimit {
                limit: Some(2000),
                remaining: Some(0),
                reset: None,
            };
            assert_eq!(err.rate_limit(), Some(&limited));
            let seen = seen.lock().unwrap();
            assert_eq!(
                seen.len(),
                2,
                "answers without the headers are not reported"
            );
            assert_eq!(seen[0].remaining, Some(1));
            assert_eq!(seen[0].reset.as_deref(), Some("2024-09-02T00:00:00Z"));
            assert_eq!(seen[1], limited);
        }

        #[tokio::test(start_paused = true)]
        async fn per_call_copies_change_the_timeout_and_retries_only_for_their_calls() {
            let (client, t) = scripted(builder(3600), |_| answer(503, "{}"));
            let once = client
                .with_retry(crate::client::RetryPolicy::never())
                .with_request_timeout(Duration::from_secs(5));
            assert_eq!(
                once.companies().get("c1").await.unwrap_err().status(),
                Some(503)
            );
            assert_eq!(t.requests().len(), 1);
            assert_eq!(t.requests()[0].timeout, Duration::from_secs(5));
            // The original keeps its own: 60 s and retries.
            let (client, t) = scripted(builder(3), |_| answer(503, "{}"));
            let _copy = client.with_retry(crate::client::RetryPolicy::never());
            client.companies().get("c1").await.unwrap_err();
            assert!(t.requests().len() > 1);
            assert_eq!(t.requests()[0].timeout, Duration::from_secs(60));
        }

        #[tokio::test(start_paused = true)]
        async fn undecodable_answers_keep_a_snippet() {
            let (client, _) = scripted(builder(1), |_| answer(200, r#"{"id":"c1","name":7}"#));
            let err = client.companies().get("c1").await.unwrap_err();
            let Error::Decode {
                expected,
                snippet,
                status,
                ..
            } = &err
            else {
                panic!("{err:?}")
            };
            assert_eq!((*expected, *status), ("Company", 200));
            assert!(snippet.contains(r#""name":7"#));
            assert!(!err.is_retryable());
        }
    }

    #[test]
    fn polling_grows_to_a_cap() {
        let d = grow(Duration::from_secs(2), 1.5, Duration::from_secs(4));
        assert_eq!(d, Duration::from_secs(3));
        assert_eq!(grow(d, 1.5, Duration::from_secs(4)), Duration::from_secs(4));
        assert_eq!(grow(d, f64::NAN, Duration::from_secs(4)), d);
        // The longest intervals saturate instead of overflowing.
        assert_eq!(grow(Duration::MAX, 1.5, Duration::MAX), Duration::MAX);
        assert_eq!(grow(Duration::MAX, f64::MAX, Duration::MAX), Duration::MAX);
        assert_eq!(
            grow(Duration::from_secs(u64::MAX), 1.0, Duration::MAX),
            Duration::from_secs(u64::MAX)
        );
        assert_eq!(scale(Duration::MAX, 1.0), Duration::MAX);
        assert_eq!(scale(Duration::from_secs(4), 0.5), Duration::from_secs(2));
        assert_eq!(scale(Duration::from_secs(4), -1.0), Duration::from_secs(4));
    }
}
