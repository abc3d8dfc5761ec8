//! `bankfeeds sandbox`: the offline Codat server in the foreground until Ctrl-C or SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use bankfeeds_sandbox::spec::SPEC_ENV;
use bankfeeds_sandbox::{Sandbox, SandboxBuilder, SandboxHandle};
use chrono::NaiveDate;

use crate::start;
use crate::{OK, UNREADABLE};

/// What `bankfeeds sandbox` was asked for.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// The port (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How long pushes stay Pending, in milliseconds.
    #[arg(long, default_value_t = 200)]
    pub push_delay_ms: u64,
    /// The day the platform rules take as today (YYYY-MM-DD; default: the real date).
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// Check every API answer against Codat's spec (Codat-Bank-Feeds.json): a violation is
    /// printed, listed at /sandbox/spec-violations and answered as a 500 instead. Default:
    /// the file BANKFEEDS_SPEC names, when set.
    #[arg(long, value_name = "PATH")]
    pub check_spec: Option<PathBuf>,
    /// Legacy: push operation reads (get and list) also carry each push's `data`, as Codat's
    /// API did until 2024. The spec's push operations have no `data`.
    #[arg(long)]
    pub legacy_push_data: bool,
    /// Lists ignore `orderBy` and answer oldest first, like a server that does not honour it.
    #[arg(long)]
    pub ignore_order_by: bool,
    /// Send Codat's webhooks (source account connected/disconnected, push operation ended,
    /// rate limit reached/reset) to this URL, signed the Svix way; listed at
    /// /sandbox/webhooks.
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
    /// The signing secret for --webhook-url, `whsec_` and base64 (the receiver verifies with
    /// the same). Default: $BANKFEEDS_WEBHOOK_SECRET, which keeps it out of the process list.
    #[arg(long, value_name = "WHSEC")]
    pub webhook_secret: Option<String>,
    /// The delays before each webhook retry, in milliseconds, comma-separated (default
    /// 50,300,1000,2000,5000,10000,10000: Svix's schedule, compressed).
    #[arg(long, value_name = "MS,MS,...", value_delimiter = ',')]
    pub webhook_retry_ms: Option<Vec<u64>>,
}

/// Runs the sandbox; its URL is the first line of stdout, for scripts and tests to read.
pub fn run(mut options: Options) -> u8 {
    options.webhook_secret = options
        .webhook_secret
        .take()
        .or_else(|| std::env::var(crate::webhooks::SECRET_ENV).ok());
    if options.webhook_url.is_some() && options.webhook_secret.is_none() {
        tell!(
            "bankfeeds: --webhook-url needs a signing secret (whsec_...): --webhook-secret or {}",
            crate::webhooks::SECRET_ENV
        );
        return UNREADABLE;
    }
    options.check_spec = options.check_spec.take().or_else(|| {
        std::env::var_os(SPEC_ENV)
            .filter(|p| !p.is_empty())
            .map(Into::into)
    });
    let Some(runtime) = start::runtime() else {
        return UNREADABLE;
    };
    runtime.block_on(async move {
        let sandbox = match builder(&options).start().await {
            Ok(s) => s,
            Err(e) => {
                tell!(
                    "bankfeeds: cannot start the sandbox on port {}: {e}",
                    options.port
                );
                return UNREADABLE;
            }
        };
        announce(&sandbox, &options);
        stop_signal().await;
        tell!("stopping the sandbox");
        sandbox.shutdown().await;
        OK
    })
}

/// The sandbox the options ask for (the secret and the spec already taken from the
/// environment when not given).
fn builder(options: &Options) -> SandboxBuilder {
    let mut builder = Sandbox::builder()
        .port(options.port)
        .push_delay(Duration::from_millis(options.push_delay_ms))
        .push_data_in_history(options.legacy_push_data)
        .ignore_order_by(options.ignore_order_by);
    if let Some(day) = options.today {
        builder = builder.today(day);
    }
    if let Some(path) = &options.check_spec {
        builder = builder.check_spec(path.clone());
    }
    if let (Some(url), Some(secret)) = (&options.webhook_url, &options.webhook_secret) {
        builder = builder.webhooks(url.clone(), secret.clone());
        if let Some(delays) = &options.webhook_retry_ms {
            builder =
                builder.webhook_retry_schedule(delays.iter().map(|ms| Duration::from_millis(*ms)));
        }
    }
    builder
}

/// The URL as stdout's first line, then on stderr how to use the sandbox and what it does.
fn announce(sandbox: &SandboxHandle, options: &Options) {
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", sandbox.url());
    let _ = stdout.flush();
    tell!(
        "Codat Bank Feeds sandbox listening on {} (any `Authorization: Basic <key>`).\n\
         Health: {0}/sandbox/health   Stats: {0}/sandbox/stats   Stop: Ctrl-C",
        sandbox.url()
    );
    if let Some(path) = &options.check_spec {
        eprintln!(
            "Every answer is checked against {}: violations at {}/sandbox/spec-violations",
            path.display(),
            sandbox.url()
        );
    }
    if let Some(url) = &options.webhook_url {
        eprintln!(
            "Webhooks go to {url}, signed with the secret given: every message and attempt at {}/sandbox/webhooks",
            sandbox.url()
        );
    }
    if options.legacy_push_data {
        eprintln!("Legacy: push operation reads carry each push's `data`.");
    }
}

/// Waits for Ctrl-C, or SIGTERM on Unix.
pub(crate) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
