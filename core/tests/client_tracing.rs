//! What the client records through `tracing` during a push against the sandbox: every request,
//! the retries, the push's batches and operations and the ledger, and never a secret. Also the
//! sandbox's rate-limit headers reaching `on_rate_limit`.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankfeeds::client::{LookupOptions, PushOptions, RateLimit, WaitOptions};
use bankfeeds::model::PlatformKey;
use bankfeeds_sandbox::{Fault, FaultRule, Faults, Sandbox};
use base64::Engine as _;
use rust_decimal::Decimal;
use support::{TestLedger, client_builder, connected_feed, rows, today};

const KEY: &str = "live-key-SECRET-4f9a";

/// Everything the subscriber writes, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_is_traced_request_by_request_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();

    let ledger = TestLedger::new();
    let sandbox = support::start(
        Sandbox::builder()
            .api_key(KEY)
            .today(today())
            .push_delay(Duration::from_millis(30)),
    )
    .await;
    let rates: Arc<Mutex<Vec<RateLimit>>> = Arc::default();
    let log = rates.clone();
    let client = client_builder(sandbox.url(), Duration::from_secs(30))
        .api_key(KEY)
        .on_rate_limit(move |r| log.lock().unwrap().push(r.clone()))
        .build()
        .unwrap();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    // One 503 on the push operation's poll: retried, and the retry recorded.
    sandbox
        .set_faults(
            Faults::seeded(1).rule(
                FaultRule::new(Fault::Status { status: 503 })
                    .method("GET")
                    .path("/companies/*/push/*")
                    .nth([1]),
            ),
        )
        .unwrap();
    let before = sandbox.stats().requests;
    let options = PushOptions::new()
        .ledger_path(ledger.path())
        .today(today())
        .batch_size(3)
        .wait(WaitOptions::every(
            Duration::from_millis(10),
            Duration::from_secs(60),
        ))
        .lookup(LookupOptions {
            delay: Duration::from_millis(20),
            ..LookupOptions::default()
        });
    let report = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            rows("t-", 0, 5, Decimal::ZERO),
            &options,
        )
        .await
        .unwrap();
    assert_eq!(report.pushed, 5, "{report}");
    let requests = sandbox.stats().requests - before;
    let text = captured.text();

    // Never the key, in clear or as sent.
    let encoded = base64::engine::general_purpose::STANDARD.encode(KEY);
    for secret in [KEY, "SECRET", encoded.as_str(), "Basic ", "uthorization"] {
        assert!(!text.contains(secret), "`{secret}` in the trace:\n{text}");
    }
    // Every request of the push, each with its method and path (the one 503 included).
    let push_lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("push started"))
        .collect();
    let answered = push_lines
        .iter()
        .filter(|l| l.contains("bankfeeds::client") && l.contains(": answered"))
        .count();
    assert_eq!(answered as u64, requests, "{}", push_lines.join("\n"));
    assert!(
        push_lines
            .iter()
            .any(|l| l.contains("request{method=\"POST\"")
                && l.contains("/bankTransactions")
                && l.contains("status=200")),
        "{text}"
    );
    assert!(
        push_lines.iter().any(|l| l.contains("retrying")
            && l.contains("method=\"GET\"")
            && l.contains("status 503")
            && l.contains("delay_ms=")),
        "{text}"
    );
    for event in [
        "ledger lease taken",
        "pushing batch",
        "batch accepted",
        "push operation ended",
        "ledger saved",
        "push finished",
    ] {
        assert!(text.contains(event), "no `{event}`:\n{text}");
    }
    assert_eq!(
        push_lines
            .iter()
            .filter(|l| l.contains("pushing batch"))
            .count(),
        2
    );

    // The sandbox sends Codat's rate-limit headers on every API answer.
    let rates = rates.lock().unwrap().clone();
    assert!(rates.len() as u64 >= requests, "{}", rates.len());
    let last = rates.last().unwrap();
    assert!(last.limit.unwrap() >= 1000, "{last:?}");
    assert!(last.remaining.unwrap() < last.limit.unwrap(), "{last:?}");
    assert!(
        last.reset.as_deref().unwrap().ends_with("T00:00:00Z"),
        "{last:?}"
    );
    sandbox.shutdown().await;
}
