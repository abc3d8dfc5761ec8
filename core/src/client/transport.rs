//! One HTTP exchange, and nothing more: the client's retry, decoding and error mapping sit above
//! this seam, so unit tests can script answers without a server.
//!
//! # TLS
//!
//! The production transport is reqwest **0.12** with its `rustls-tls-webpki-roots` feature:
//! rustls with the **ring** crypto provider and Mozilla's root store compiled in
//! (webpki-roots). Why:
//! - no OpenSSL and no aws-lc: ring cross-compiles for Android and iOS with the C toolchain the
//!   NDK and Xcode already provide, where aws-lc-sys needs cmake and per-target care (and ~20 s of
//!   build script per profile);
//! - the same roots on every platform by default: webpki-roots needs no JNI initialisation on
//!   Android (the platform verifier does) and behaves the same in CI as on a phone. A bank's own
//!   roots are added on request ([`super::network`]): the operating system's store read with
//!   rustls-native-certs (`TrustStore::Native` / `Both`), extra PEM CAs, and a client certificate
//!   for mTLS;
//! - why 0.12 and not 0.13: reqwest 0.13's only ring-capable set-up is `rustls-no-provider`,
//!   which makes every `reqwest::Client` built without a preconfigured TLS config panic unless
//!   the process installed a default provider first. Cargo unifies features across a workspace
//!   build, so enabling it here would make other crates' plain `reqwest::Client::new()` (the
//!   sandbox's tests, say) panic. 0.12's feature selects ring as reqwest's own default, so
//!   nothing else is affected.
//!
//! # Proxies
//!
//! reqwest honours `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` when the client is
//! built, unless the builder turns it off or names a proxy (see [`super::network`]). HTTPS goes
//! through a proxy with `CONNECT`: the proxy sees the host, never the headers.
//!
//! # Redirects
//!
//! The authorisation (the API key, or a custom header such as a bank's session token) and a push's
//! body go to the base URL's origin and nowhere else. reqwest's default policy follows redirects
//! to any host and strips only `Authorization` (and cookies) on the way, so a custom header, and
//! a `307`'s re-sent body, would reach whatever host the redirect names. The transport follows a
//! redirect only within the origin (scheme, host and port) of the request, at most
//! [`MAX_REDIRECTS`] times; any other redirect is handed back as the `3xx` answer it is, and the
//! client reports it as an error naming where it pointed (see `request.rs`).
//!
//! # Answer sizes
//!
//! An answer's body is read in chunks, up to a limit ([`BodyLimits`]): the client's
//! `max_response_bytes` for answers the client reads (2xx), [`MAX_ERROR_BODY_BYTES`] for error
//! bodies, which are only quoted. Beyond it the transport stops reading and marks the answer as
//! cut ([`HttpResponse::cut_at`]); a body whose `Content-Length` already says it is too big is not
//! read past its first [`PEEK_BYTES`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::network::NetworkOptions;
use super::secret::Secret;

/// The methods the spec uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Redirects followed within one origin before the transport gives up and hands back the `3xx`.
pub(crate) const MAX_REDIRECTS: usize = 10;

/// The most read of an error answer's body (1 MiB): Codat's error bodies are small JSON objects,
/// even with a validation item for each of a push's 1000 transactions (about 200 KB).
pub const MAX_ERROR_BODY_BYTES: usize = 1 << 20;

/// What is read of a body whose `Content-Length` is over the limit: enough for a snippet.
pub(crate) const PEEK_BYTES: usize = 4096;

/// How much of an answer's body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyLimits {
    /// Answers the client reads: 2xx, and the error statuses a call accepts.
    pub(crate) answer: usize,
    /// Other error answers, which are only quoted in errors.
    pub(crate) error: usize,
}

/// A request ready to send. `Debug` leaves the authorisation value out.
pub(crate) struct HttpRequest {
    pub(crate) method: Method,
    pub(crate) url: url::Url,
    /// Header name and value of the authorisation (the API key or the custom header).
    pub(crate) auth: (String, Secret),
    pub(crate) user_agent: String,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) timeout: Duration,
    /// How much of the answer is read.
    pub(crate) limits: BodyLimits,
    /// Error statuses whose body is an answer to read in full (within `limits.answer`).
    pub(crate) accept: &'static [u16],
}

impl HttpRequest {
    /// The body limit for an answer with this status.
    #[cfg(test)]
    pub(crate) fn limit_for(&self, status: u16) -> usize {
        limit_for(self.limits, self.accept, status)
    }
}

fn limit_for(limits: BodyLimits, accept: &[u16], status: u16) -> usize {
    if (200..300).contains(&status) || accept.contains(&status) {
        limits.answer
    } else {
        limits.error
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("auth", &(&self.auth.0, &self.auth.1))
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

/// An answer, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    /// Headers the client reads (`Retry-After`, `Content-Type`, `Location`), lower-case names.
    pub(crate) headers: Vec<(String, String)>,
    /// The body, or its start when it was cut.
    pub(crate) body: Vec<u8>,
    /// `Some(limit)` when the body was longer than the limit and only its start was read.
    pub(crate) cut_at: Option<usize>,
}

impl HttpResponse {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why an exchange produced no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TransportError {
    /// The connection was never made (refused, DNS, TLS handshake): the server did not see the
    /// request.
    NotSent(String),
    /// No complete answer within the timeout; the server may have seen the request.
    Timeout,
    /// The connection failed after the request may have been written (reset, dropped before or
    /// during the answer).
    Failed(String),
}

pub(crate) type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'a>>;

/// Sends one request and reads the whole answer.
pub(crate) trait Transport: Send + Sync {
    fn send(&self, request: HttpRequest) -> SendFuture<'_>;
}

/// Headers kept from an answer.
const KEPT_HEADERS: [&str; 6] = [
    "retry-after",
    "content-type",
    "location",
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
];

/// The production transport: reqwest, rustls with ring, webpki roots.
pub(crate) struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    pub(crate) fn new(
        connect_timeout: Duration,
        network: &NetworkOptions,
    ) -> Result<Self, crate::client::Error> {
        let builder = reqwest::Client::builder()
            .use_rustls_tls()
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .connect_timeout(connect_timeout)
            .redirect(same_origin_redirects());
        let http = network.apply(builder)?.build().map_err(|e| {
            crate::client::Error::Config(format!("cannot build the HTTP client: {}", chain(&e)))
        })?;
        Ok(ReqwestTransport { http })
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        Box::pin(async move {
            let method = match request.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
                Method::Put => reqwest::Method::PUT,
                Method::Patch => reqwest::Method::PATCH,
                Method::Delete => reqwest::Method::DELETE,
            };
            let mut auth_value = reqwest::header::HeaderValue::from_str(request.auth.1.expose())
                .map_err(|_| {
                    TransportError::NotSent("the authorisation value is not a valid header".into())
                })?;
            auth_value.set_sensitive(true);
            let limits = (request.limits, request.accept);
            let mut builder = self
                .http
                .request(method, request.url)
                .timeout(request.timeout)
                .header(request.auth.0.as_str(), auth_value)
                .header(reqwest::header::USER_AGENT, request.user_agent)
                .header(reqwest::header::ACCEPT, "application/json");
            if let Some(body) = request.body {
                builder = builder
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body);
            }
            let mut response = builder.send().await.map_err(classify)?;
            let status = response.status().as_u16();
            let headers = KEPT_HEADERS
                .iter()
                .filter_map(|name| {
                    let value = response.headers().get(*name)?.to_str().ok()?;
                    Some(((*name).to_owned(), value.to_owned()))
                })
                .collect();
            let limit = limit_for(limits.0, limits.1, status);
            let declared = response.content_length();
            let too_big = declared.is_some_and(|n| n > limit as u64);
            // Declared too big: read a snippet's worth only. Otherwise read up to the limit, and
            // one byte past it means the body is longer than the limit.
            let cap = if too_big {
                limit.min(PEEK_BYTES)
            } else {
                limit
            };
            let expected = declared.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
            let mut body = Vec::with_capacity(expected.min(cap).min(1 << 20));
            let mut cut = too_big;
            loop {
                let chunk = response.chunk().await.map_err(|e| {
                    if e.is_timeout() {
                        TransportError::Timeout
                    } else {
                        TransportError::Failed(format!("the answer was cut off: {}", chain(&e)))
                    }
                })?;
                let Some(chunk) = chunk else { break };
                let room = cap - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    cut = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(HttpResponse {
                status,
                headers,
                body,
                cut_at: cut.then_some(limit),
            })
        })
    }
}

/// Follows a redirect only within the origin of the first request, at most [`MAX_REDIRECTS`]
/// times; otherwise stops and hands back the `3xx` (see the module docs).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let previous = attempt.previous();
        let same_origin = previous
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if same_origin && previous.len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

fn classify(e: reqwest::Error) -> TransportError {
    if e.is_connect() {
        TransportError::NotSent(format!("cannot connect: {}", chain(&e)))
    } else if e.is_timeout() {
        TransportError::Timeout
    } else {
        TransportError::Failed(format!("the connection failed: {}", chain(&e)))
    }
}

/// An error and its causes in one line, without the URL reqwest puts first (the caller names the
/// request itself).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        cause = c.source();
    }
    if parts.is_empty() {
        parts.push(e.to_string());
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_debug_hides_the_secret() {
        let r = HttpRequest {
            method: Method::Get,
            url: "https://api.codat.io/companies".parse().unwrap(),
            auth: ("Authorization".into(), Secret::new("Basic c2VjcmV0")),
            user_agent: "t".into(),
            body: None,
            timeout: Duration::from_secs(1),
            limits: BodyLimits {
                answer: 10,
                error: 10,
            },
            accept: &[],
        };
        let shown = format!("{r:?}");
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(shown.contains("Authorization"));
    }

    #[test]
    fn builds_without_a_process_wide_crypto_provider() {
        // Nothing installs a default rustls provider in this process: building must not need one.
        assert!(ReqwestTransport::new(Duration::from_secs(1), &NetworkOptions::default()).is_ok());
    }

    #[tokio::test]
    async fn refused_connections_are_not_sent() {
        // Bind then drop a listener: the port is free and nothing answers on it.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let t = ReqwestTransport::new(Duration::from_secs(2), &NetworkOptions::default()).unwrap();
        let r = t
            .send(HttpRequest {
                method: Method::Get,
                url: format!("http://127.0.0.1:{port}/companies")
                    .parse()
                    .unwrap(),
                auth: ("Authorization".into(), Secret::new("Basic x")),
                user_agent: "t".into(),
                body: None,
                timeout: Duration::from_secs(2),
                limits: BodyLimits {
                    answer: 10,
                    error: 10,
                },
                accept: &[],
            })
            .await;
        assert!(matches!(r, Err(TransportError::NotSent(_))), "{r:?}");
    }
}
