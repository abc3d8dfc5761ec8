//! Building a [`Client`]: where it talks to, how it authenticates, how long it waits and how it
//! retries.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::network::{IdentitySource, KeySource, NetworkOptions, PemSource, TrustStore};
use super::rate_limit::{RateLimit, RateLimitFn};
use super::secret::{ApiKey, Secret};
use super::transport::{BodyLimits, MAX_ERROR_BODY_BYTES, ReqwestTransport, Transport};
use super::{Client, Error, Inner, RetryPolicy};

/// Codat's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.codat.io";

/// The default limit on an answer's body: 64 MiB.
///
/// The biggest answers the client reads are pages of push operations, measured by
/// `core/tests/client_transport.rs` (`the_biggest_legitimate_pages_fit_the_default_limit`): a
/// page of 5000 operations (the spec's largest page) as Codat's spec shapes them, each with two
/// validation warnings, is 4.0 MB; a page of 100 operations in the legacy shape that echoes each
/// push's 1000 transactions in `data` is 25 MB (500 such would be 127 MB: read them 100 or 200 a
/// page). A longer answer fails with [`Error::Decode`] instead of being held in memory. Error
/// answers are read up to [`super::MAX_ERROR_BODY_BYTES`] (1 MiB) and only quoted.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 << 20;

/// How the client authenticates.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// A Codat API key, sent as `Authorization: Basic <base64 key>`.
    ApiKey(ApiKey),
    /// A header of your own, sent instead of the key: for a mobile app talking to the bank's
    /// backend, which holds the Codat key and forwards the calls (e.g. `Authorization: Bearer
    /// <user token>`).
    Header {
        /// The header's name.
        name: String,
        /// The header's value.
        value: Secret,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiKey(k) => write!(f, "{k:?}"),
            Auth::Header { name, .. } => write!(f, "Header({name}: [redacted])"),
        }
    }
}

/// Time limits of one HTTP attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the connection (10 s).
    pub connect: Duration,
    /// One whole attempt, from sending to the last byte of the answer (60 s).
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
        }
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use bankfeeds::client::{Client, RetryPolicy};
/// let client = Client::builder()
///     .api_key("my-codat-api-key")
///     .base_url("http://127.0.0.1:4010")
///     .request_timeout(Duration::from_secs(30))
///     .retry(RetryPolicy::default().with_max_elapsed(Duration::from_secs(120)))
///     .user_agent("my-bank/2.1")
///     .build()
///     .unwrap();
/// assert!(!format!("{client:?}").contains("my-codat-api-key"));
///
/// // A mobile app talking to its bank's backend instead of to Codat:
/// let app = Client::builder()
///     .base_url("https://bank.example/codat-proxy")
///     .auth_header("Authorization", "Bearer user-session-token")
///     .build()
///     .unwrap();
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: String,
    auth: Option<Auth>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    user_agent: String,
    jitter_seed: Option<u64>,
    max_response_bytes: usize,
    network: NetworkOptions,
    on_rate_limit: Option<RateLimitFn>,
    max_per_company: usize,
    max_in_flight: Option<usize>,
    transport: Option<Arc<dyn Transport>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("network", &self.network)
            .field("max_per_company", &self.max_per_company)
            .field("max_in_flight", &self.max_in_flight)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            auth: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            user_agent: concat!("bankfeeds-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            jitter_seed: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            network: NetworkOptions::default(),
            on_rate_limit: None,
            max_per_company: super::limit::DEFAULT_PER_COMPANY,
            max_in_flight: None,
            transport: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with Codat's production URL, the spec's retry policy and no authentication yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The Codat API key (as the portal lists it); see [`ApiKey`].
    pub fn api_key(mut self, key: impl AsRef<str>) -> Self {
        self.auth = Some(Auth::ApiKey(ApiKey::new(key)));
        self
    }

    /// An [`ApiKey`] built another way (e.g. [`ApiKey::from_encoded`]).
    pub fn key(mut self, key: ApiKey) -> Self {
        self.auth = Some(Auth::ApiKey(key));
        self
    }

    /// A header sent instead of the API key (see [`Auth::Header`]).
    pub fn auth_header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.auth = Some(Auth::Header {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// Any [`Auth`].
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Where the API is: Codat's by default; a proxy, a mock or the sandbox otherwise. A path is
    /// kept (`https://bank.example/codat` calls `https://bank.example/codat/companies`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The time limit for establishing a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// The time limit for one attempt of a request, answer included.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.request = timeout;
        self
    }

    /// Both time limits.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// How failed requests are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header (`bankfeeds-rust/<version>` by default).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The most bytes read of an answer's body ([`DEFAULT_MAX_RESPONSE_BYTES`], 64 MiB, by
    /// default). A longer answer fails with [`Error::Decode`] without being read to the end.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Which certificate authorities are trusted ([`TrustStore::Webpki`], the compiled-in Mozilla
    /// roots, by default; [`TrustStore::Native`] for the operating system's store, where a bank
    /// installs its own roots; [`TrustStore::Both`]).
    pub fn trust_store(mut self, store: TrustStore) -> Self {
        self.network.trust_store = store;
        self
    }

    /// Trusts the certificate authorities in a PEM text as well (one or several
    /// `-----BEGIN CERTIFICATE-----` blocks): a bank's private CA. May be called several times.
    pub fn add_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.network.extra_cas.push(PemSource::Bytes(pem.into()));
        self
    }

    /// [`ClientBuilder::add_ca_pem`] with a PEM file, read when the client is built.
    pub fn add_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.network.extra_cas.push(PemSource::File(path.into()));
        self
    }

    /// The client certificate (a PEM chain, the client's own first) and its private key (PEM:
    /// PKCS#8, PKCS#1 RSA or SEC1 EC) presented when the server asks for one (mTLS). The key is
    /// kept out of every message and `Debug`.
    pub fn client_identity_pem(
        mut self,
        certificate_pem: impl Into<Vec<u8>>,
        key_pem: impl AsRef<[u8]>,
    ) -> Self {
        self.network.identity = Some(IdentitySource {
            certificate: PemSource::Bytes(certificate_pem.into()),
            key: KeySource::Bytes(Secret::new(
                String::from_utf8_lossy(key_pem.as_ref()).into_owned(),
            )),
        });
        self
    }

    /// [`ClientBuilder::client_identity_pem`] with PEM files, read when the client is built.
    pub fn client_identity_files(
        mut self,
        certificate_path: impl Into<PathBuf>,
        key_path: impl Into<PathBuf>,
    ) -> Self {
        self.network.identity = Some(IdentitySource {
            certificate: PemSource::File(certificate_path.into()),
            key: KeySource::File(key_path.into()),
        });
        self
    }

    /// Sends every request through this proxy (`http://host:port`, or `https://` for a TLS
    /// proxy; `http://user:password@host:port` for one that wants a login). HTTPS requests go
    /// through it with `CONNECT`, so the proxy never sees the API key. Overrides the environment.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.network.proxy.url = Some(url.into());
        self
    }

    /// Hosts that bypass the [`ClientBuilder::proxy`], as `NO_PROXY` lists them
    /// (`localhost,.bank.internal,10.0.0.0/8`).
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        self.network.proxy.no_proxy = Some(hosts.into());
        self
    }

    /// Whether `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (or their lower-case
    /// forms) are honoured when no explicit proxy is set: yes by default; `false` connects
    /// directly whatever the environment says. Read when the client is built.
    pub fn proxy_from_env(mut self, honour: bool) -> Self {
        self.network.proxy.from_env = honour;
        self
    }

    /// Called with Codat's rate-limit headers ([`RateLimit`]) of every answer that carries them,
    /// for a dashboard or to slow down before the quota runs out. Runs on the task that made the
    /// request: keep it quick. A panic in it is caught and logged.
    pub fn on_rate_limit(mut self, callback: impl Fn(&RateLimit) + Send + Sync + 'static) -> Self {
        self.on_rate_limit = Some(Arc::new(callback));
        self
    }

    /// The most requests in flight at once per company (a path under `/companies/{id}`):
    /// [`DEFAULT_PER_COMPANY`](super::DEFAULT_PER_COMPANY), Codat's limit, by default; at
    /// least 1. Clones of the client share the limit; requests beyond it wait for a turn.
    pub fn max_per_company(mut self, requests: usize) -> Self {
        self.max_per_company = requests;
        self
    }

    /// The most requests in flight at once in all (no limit but the per-company one by
    /// default); at least 1.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = Some(requests);
        self
    }

    /// Seeds the jitter's random numbers, for reproducible tests.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    #[cfg(test)]
    pub(crate) fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// Fails with [`Error::Config`] when there is no authentication, the key or header is empty
    /// or not valid in a header, or the base URL is not an `http`/`https` URL. Must be called
    /// where a tokio runtime can later run the client's futures (building needs none).
    pub fn build(self) -> Result<Client, Error> {
        let auth = self.auth.ok_or_else(|| {
            Error::Config(
                "no authentication: set an API key (api_key) or a custom header (auth_header)"
                    .into(),
            )
        })?;
        let auth_header = match &auth {
            Auth::ApiKey(key) => {
                if key.is_blank() {
                    return Err(Error::Config("the API key is empty".into()));
                }
                ("Authorization".to_owned(), key.header_value())
            }
            Auth::Header { name, value } => {
                let name = name.trim();
                if name.is_empty() || !name.bytes().all(is_token_byte) {
                    return Err(Error::Config(format!(
                        "`{name}` is not a valid header name"
                    )));
                }
                if value.is_blank() {
                    return Err(Error::Config(format!(
                        "the `{name}` header's value is empty"
                    )));
                }
                (name.to_owned(), value.clone())
            }
        };
        if !auth_header
            .1
            .expose()
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        {
            // The value is not shown: it is the secret.
            return Err(Error::Config(format!(
                "the `{}` header's value has characters a header cannot carry",
                auth_header.0
            )));
        }
        let base = parse_base_url(&self.base_url)?;
        if self.user_agent.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err(Error::Config(
                "the user agent has control characters".into(),
            ));
        }
        if self.timeouts.request.is_zero() || self.timeouts.connect.is_zero() {
            return Err(Error::Config("timeouts must be longer than zero".into()));
        }
        if self.max_response_bytes == 0 {
            return Err(Error::Config(
                "max_response_bytes must be more than zero".into(),
            ));
        }
        let transport: Arc<dyn Transport> = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(self.timeouts.connect, &self.network)?),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                base,
                auth,
                auth_header,
                timeouts: self.timeouts,
                retry: self.retry,
                user_agent: self.user_agent,
                jitter_seed: self.jitter_seed,
                limits: BodyLimits {
                    answer: self.max_response_bytes,
                    error: MAX_ERROR_BODY_BYTES.min(self.max_response_bytes),
                },
                on_rate_limit: self.on_rate_limit,
                transport,
                limiter: Arc::new(super::limit::Limiter::new(
                    self.max_per_company,
                    self.max_in_flight,
                )),
                push_gates: Default::default(),
            }),
        })
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_base_url(text: &str) -> Result<url::Url, Error> {
    let url = url::Url::parse(text.trim())
        .map_err(|e| Error::Config(format!("base URL `{text}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "base URL `{text}` must start with http:// or https://"
        )));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::Config(format!("base URL `{text}` has no host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL `{text}` must not have a query or a fragment"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "the base URL must not carry credentials: use api_key or auth_header".into(),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(b: ClientBuilder) -> String {
        b.build().unwrap_err().to_string()
    }

    #[test]
    fn configuration_errors_are_clear_and_keep_secrets() {
        assert!(err(ClientBuilder::new()).contains("no authentication"));
        assert!(err(ClientBuilder::new().api_key("  ")).contains("API key is empty"));
        assert!(err(ClientBuilder::new().api_key("k").base_url("ftp://x")).contains("http"));
        assert!(err(ClientBuilder::new().api_key("k").base_url("not a url")).contains("not a URL"));
        assert!(
            err(ClientBuilder::new().api_key("k").base_url("https://x/?a=1")).contains("query")
        );
        let e = err(ClientBuilder::new().auth_header("Bad Name", "v"));
        assert!(e.contains("not a valid header name"));
        let e = err(ClientBuilder::new().auth_header("X-Token", "line\nbreak-SECRET"));
        assert!(e.contains("X-Token") && !e.contains("SECRET"), "{e}");
        let e = err(ClientBuilder::new()
            .api_key("k")
            .base_url("https://user:SECRETPW@x"));
        assert!(!e.contains("SECRETPW"), "{e}");
        assert!(
            err(ClientBuilder::new()
                .api_key("k")
                .request_timeout(Duration::ZERO))
            .contains("zero")
        );
    }

    #[test]
    fn builds_and_hides_the_key() {
        let c = ClientBuilder::new()
            .api_key("sk-secret-123")
            .base_url("http://127.0.0.1:1/prefix/")
            .build()
            .unwrap();
        let shown = format!("{c:?} {:?}", ClientBuilder::new().api_key("sk-secret-123"));
        assert!(!shown.contains("sk-secret-123"), "{shown}");
        assert!(!shown.contains("c2stc2VjcmV0LTEyMw"), "{shown}");
        let h = ClientBuilder::new()
            .auth_header("X-Bank-Token", "tok-SECRET")
            .build()
            .unwrap();
        let shown = format!("{h:?}");
        assert!(
            shown.contains("X-Bank-Token") && !shown.contains("tok-SECRET"),
            "{shown}"
        );
    }
}
