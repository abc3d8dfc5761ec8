//! `bankfeeds sandbox`: the offline Codat server in the foreground until Ctrl-C or SIGTERM.

use std::io::Write;
use std::time::Duration;

use bankfeeds_sandbox::Sandbox;
use chrono::NaiveDate;

use crate::{OK, UNREADABLE};

/// Runs the sandbox; its URL is the first line of stdout, for scripts and tests to read.
pub fn run(port: u16, push_delay_ms: u64, today: Option<NaiveDate>) -> u8 {
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
            .push_delay(Duration::from_millis(push_delay_ms));
        if let Some(day) = today {
            builder = builder.today(day);
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
