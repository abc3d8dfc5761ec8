//! The client's network flags (trust store, extra CAs, mTLS, proxy, request timeout) and the
//! `-v` / `-vv` log to stderr.

use std::path::PathBuf;
use std::time::Duration;

use bankfeeds::client::{ClientBuilder, TrustStore};
use clap::Args;

/// How `push` reaches the API on a bank's network.
#[derive(Debug, Clone, Args)]
pub struct NetworkArgs {
    /// Which certificate authorities to trust: `webpki` (the roots compiled in, the default),
    /// `native` (the operating system's store), `both`, or `none` (only --ca-file).
    #[arg(long, value_name = "STORE", default_value = "webpki", value_parser = parse_trust_store)]
    pub trust_store: TrustStore,
    /// A PEM file of extra certificate authorities to trust (a bank's private CA); repeatable.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Vec<PathBuf>,
    /// The client certificate (PEM) presented for mTLS; needs --client-key.
    #[arg(long, value_name = "PEM", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM); needs --client-cert.
    #[arg(long, value_name = "PEM", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Send every request through this proxy (`http://host:port`). Without it, HTTPS_PROXY,
    /// HTTP_PROXY, ALL_PROXY and NO_PROXY are honoured.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Hosts that bypass --proxy, as NO_PROXY lists them (`localhost,.internal`).
    #[arg(long, value_name = "HOSTS", requires = "proxy")]
    pub no_proxy: Option<String>,
    /// Ignore HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY: connect directly.
    #[arg(long, conflicts_with = "proxy")]
    pub ignore_proxy_env: bool,
    /// Seconds one request may take, its answer included (default 60).
    #[arg(long, value_name = "SECS")]
    pub request_timeout: Option<f64>,
}

fn parse_trust_store(text: &str) -> Result<TrustStore, String> {
    text.parse()
}

impl NetworkArgs {
    /// The builder with these flags applied; a bad timeout is named here, bad PEMs and proxy
    /// URLs when the client is built.
    pub fn apply(&self, mut builder: ClientBuilder) -> Result<ClientBuilder, String> {
        builder = builder.trust_store(self.trust_store);
        for file in &self.ca_file {
            builder = builder.add_ca_file(file);
        }
        if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
            builder = builder.client_identity_files(cert, key);
        }
        if let Some(proxy) = &self.proxy {
            builder = builder.proxy(proxy);
        }
        if let Some(hosts) = &self.no_proxy {
            builder = builder.no_proxy(hosts);
        }
        if self.ignore_proxy_env {
            builder = builder.proxy_from_env(false);
        }
        if let Some(secs) = self.request_timeout {
            let timeout = Duration::try_from_secs_f64(secs)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    format!("--request-timeout {secs}: not a positive number of seconds")
                })?;
            builder = builder.request_timeout(timeout);
        }
        Ok(builder)
    }
}

/// Sends the client's log to stderr: nothing by default, `-v` its requests' retries and the
/// push's batches (info), `-vv` every request with status and duration, the ledger and the
/// rate-limit headers (debug), `-vvv` everything the HTTP stack says as well (trace). Never the
/// API key: the client does not record headers.
pub fn init_logging(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let (ours, others) = match verbose {
        0 => return,
        1 => (LevelFilter::INFO, LevelFilter::WARN),
        2 => (LevelFilter::DEBUG, LevelFilter::WARN),
        _ => (LevelFilter::TRACE, LevelFilter::TRACE),
    };
    let filter = Targets::new()
        .with_target("bankfeeds", ours)
        .with_default(others);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
}
