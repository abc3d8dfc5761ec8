//! `bankfeeds sandbox`: the offline Codat server in the foreground until Ctrl-C or SIGTERM.

use std::io::Write;
use std::time::Duration;

use bankfeeds_sandbox::Sandbox;
use bankfeeds_sandbox::spec::SPEC_ENV;
use chrono::NaiveDate;

use crate::{OK, UNREADABLE};

/// What `bankfeeds sandbox` was asked for.
pub struct Options {
    pub port: u16,
    pub push_delay_ms: u64,
    pub today: Option<NaiveDate>,
    /// The spec to check answers against; `BANKFEEDS_SPEC` when absent.
    pub check_spec: Option<std::path::PathBuf>,
    pub legacy_push_data: bool,
    pub ignore_order_by: bool,
    /// Where the sandbox sends webhooks, if anywhere.
    pub webhook_url: Option<String>,
    /// Their signing secret; `BANKFEEDS_WEBHOOK_SECRET` when absent.
    pub webhook_secret: Option<String>,
    /// The retry delays in milliseconds; the sandbox's default when absent.
    pub webhook_retry_ms: Option<Vec<u64>>,
}

/// Runs the sandbox; its URL is the first line of stdout, for scripts and tests to read.
pub fn run(options: Options) -> u8 {
    let Options {
        port,
        push_delay_ms,
        today,
        check_spec,
        legacy_push_data,
        ignore_order_by,
        webhook_url,
        webhook_secret,
        webhook_retry_ms,
    } = options;
    let webhook_secret = webhook_secret.or_else(|| std::env::var(crate::webhooks::SECRET_ENV).ok());
    if webhook_url.is_some() && webhook_secret.is_none() {
        tell!(
            "bankfeeds: --webhook-url needs a signing secret (whsec_...): --webhook-secret or {}",
            crate::webhooks::SECRET_ENV
        );
        return UNREADABLE;
    }
    let spec = check_spec.or_else(|| {
        std::env::var_os(SPEC_ENV)
            .filter(|p| !p.is_empty())
            .map(Into::into)
    });
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tell!("bankfeeds: cannot start a runtime: {e}");
            return UNREADABLE;
        }
    };
    runtime.block_on(async move {
        let mut builder = Sandbox::builder()
            .port(port)
            .push_delay(Duration::from_millis(push_delay_ms))
            .push_data_in_history(legacy_push_data)
            .ignore_order_by(ignore_order_by);
        if let Some(day) = today {
            builder = builder.today(day);
        }
        if let Some(path) = &spec {
            builder = builder.check_spec(path.clone());
        }
        if let (Some(url), Some(secret)) = (&webhook_url, webhook_secret) {
            builder = builder.webhooks(url.clone(), secret);
            if let Some(delays) = &webhook_retry_ms {
                builder = builder
                    .webhook_retry_schedule(delays.iter().map(|ms| Duration::from_millis(*ms)));
            }
        }
        let sandbox = match builder.start().await {
            Ok(s) => s,
            Err(e) => {
                tell!("bankfeeds: cannot start the sandbox on port {port}: {e}");
                return UNREADABLE;
            }
        };
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "{}", sandbox.url());
        let _ = stdout.flush();
        tell!(
            "Codat Bank Feeds sandbox listening on {} (any `Authorization: Basic <key>`).\n\
             Health: {0}/sandbox/health   Stats: {0}/sandbox/stats   Stop: Ctrl-C",
            sandbox.url()
        );
        if let Some(path) = &spec {
            eprintln!(
                "Every answer is checked against {}: violations at {}/sandbox/spec-violations",
                path.display(),
                sandbox.url()
            );
        }
        if let Some(url) = &webhook_url {
            eprintln!(
                "Webhooks go to {url}, signed with the secret given: every message and attempt at {}/sandbox/webhooks",
                sandbox.url()
            );
        }
        if legacy_push_data {
            eprintln!("Legacy: push operation reads carry each push's `data`.");
        }
        stop_signal().await;
        tell!("stopping the sandbox");
        sandbox.shutdown().await;
        OK
    })
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
