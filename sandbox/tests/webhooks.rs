//! The sandbox sends Codat's webhooks: the guides' flow against a sandbox whose webhooks go to a
//! small receiver here, every delivery checked by the core's `webhook::verify`, a redelivery
//! after the receiver answered 500 (same message id), and the delivery log at
//! `/sandbox/webhooks`.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bankfeeds::dates::Timestamp;
use bankfeeds::model::{PushOperationStatus, WebhookEvent, WebhookKind};
use bankfeeds::webhook::{self, DEFAULT_TOLERANCE, Delivery};
use bankfeeds_sandbox::faults::{Fault, FaultRule, Faults};
use bankfeeds_sandbox::{Sandbox, WebhookLog, WebhookState};
use common::{Api, gbp_account, linked_account, transactions};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One request the receiver got: its headers (names in lower case) and raw body.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    answered: u16,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// Checked and parsed by the core, as a receiver would.
    fn verify(&self) -> Delivery {
        webhook::verify(
            SECRET,
            &self.headers,
            &self.body,
            DEFAULT_TOLERANCE,
            Timestamp::now(),
        )
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// How the receiver answers the n-th request (from 0) it gets.
type Answer = Arc<dyn Fn(usize, &[u8]) -> u16 + Send + Sync>;

/// A receiver on a free port; what it got, in order.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(answer: Answer) -> Receiver {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let url = format!("http://{}/codat/webhooks", listener.local_addr().unwrap());
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                let answer = answer.clone();
                let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let seen = seen.clone();
                    let answer = answer.clone();
                    async move {
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                            .collect();
                        let body =
                            axum::body::to_bytes(axum::body::Body::new(req.into_body()), 1 << 20)
                                .await
                                .unwrap()
                                .to_vec();
                        let mut seen = seen.lock().unwrap();
                        let status = answer(seen.len(), &body);
                        seen.push(Received {
                            headers,
                            body,
                            answered: status,
                        });
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .status(status)
                                .body(axum::body::Body::empty())
                                .unwrap(),
                        )
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        Receiver { url, got }
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was received (ten seconds at most).
    async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.got();
            if done(&got) {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no {what} after 10 s; received: {:#?}",
                got.iter()
                    .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn event_type(r: &Received) -> String {
    serde_json::from_slice::<Value>(&r.body).unwrap()["eventType"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn count(got: &[Received], event: &str) -> usize {
    got.iter().filter(|r| event_type(r) == event).count()
}

#[tokio::test]
async fn the_guides_flow_sends_every_event_signed_and_redelivers_after_a_500() {
    // The receiver answers 500 to the first delivery it gets (the account being mapped), 204 to
    // everything after.
    let receiver = Receiver::start(Arc::new(|n, _| if n == 0 { 500 } else { 204 })).await;
    let sandbox = common::start(
        Sandbox::builder()
            .push_delay(Duration::from_millis(50))
            .today(chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap())
            .webhooks(&receiver.url, SECRET)
            .webhook_retry_schedule([Duration::from_millis(40); 3]),
    )
    .await;
    let api = Api::new(sandbox.url());

    // Company, connection, link, source account, and the customer maps it: connected.
    let acc = linked_account(&api, "gbol", gbp_account("xero-1"), Some("2024-01-01")).await;
    let got = receiver
        .wait_for("redelivered connected event", |got| {
            count(got, "bankFeeds.sourceAccount.connected") == 2
        })
        .await;
    let (first, second) = (&got[0], &got[1]);
    assert_eq!((first.answered, second.answered), (500, 204));
    // The same message: the same id, each attempt signed afresh.
    assert_eq!(first.header("svix-id"), second.header("svix-id"));
    assert!(first.header("svix-id").starts_with("msg_"));
    assert_eq!(first.body, second.body);
    let connected = second.verify();
    assert_eq!(first.verify().message_id(), connected.message_id());
    assert_eq!(connected.kind(), WebhookKind::SourceAccount);
    assert_eq!(connected.company_id(), Some(acc.company.as_str()));
    let WebhookEvent::SourceAccount(event) = connected.event() else {
        panic!("{connected:?}")
    };
    let payload = event.payload.as_ref().unwrap();
    assert_eq!(
        payload.connection_id.as_deref(),
        Some(acc.connection.as_str())
    );
    let account = payload.source_account.as_ref().unwrap();
    assert_eq!(account.id(), "xero-1");
    assert!(account.is_connected());

    // Three pushes, never polled: the webhooks say how each ended.
    let push = |body: Value| {
        let api = api.clone();
        let path = acc.push_path();
        async move {
            let a = api.post(&path, &body).await;
            assert_eq!(a.status, 200, "{:#}", a.body);
            a.body["pushOperationKey"].as_str().unwrap().to_owned()
        }
    };
    let ok = push(
        json!({"accountId": "xero-1", "transactions": transactions("a", "2024-05-10", 2, 10)}),
    )
    .await;
    receiver
        .wait_for("push success", |got| {
            count(got, "bankTransactions.write.successful") == 1
        })
        .await;
    // Older than what the account has: Xero refuses it.
    let failed = push(json!({"accountId": "xero-1", "transactions": [
        {"id": "late", "date": "2024-05-09T12:00:00", "description": "Late card payment",
         "amount": -5.00, "balance": 3.00, "transactionType": "Debit"}]}))
    .await;
    sandbox
        .set_faults(Faults::none().rule(FaultRule::new(Fault::PushTimedOut).nth([1])))
        .unwrap();
    let timed_out =
        push(json!({"accountId": "xero-1", "transactions": transactions("b", "2024-05-11", 1, 8)}))
            .await;
    // The quota runs out (a 429), and is back once Retry-After has passed.
    sandbox
        .set_faults(
            Faults::none().rule(
                FaultRule::new(Fault::RateLimit {
                    retry_after_secs: 1,
                })
                .limit(2),
            ),
        )
        .unwrap();
    assert_eq!(api.get("/companies").await.status, 429);
    assert_eq!(api.get("/companies").await.status, 429);
    sandbox.clear_faults();
    // The customer disconnects the account.
    let patched = api
        .patch(
            &format!("{}/connectionInfo/bankFeedAccounts/xero-1", acc.conn_path()),
            &json!({"status": "disconnected"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{:#}", patched.body);

    let got = receiver
        .wait_for("every event", |got| {
            count(got, "bankTransactions.write.unsuccessful") == 2
                && count(got, "client.rateLimit.reset") == 1
                && count(got, "bankFeeds.sourceAccount.disconnected") == 1
        })
        .await;
    // Every delivery verifies; the push events name the operation and how it ended.
    let deliveries: Vec<Delivery> = got.iter().map(Received::verify).collect();
    let ended = |key: &str| {
        let found: Vec<_> = deliveries
            .iter()
            .filter_map(|d| d.push_operation().filter(|p| p.key == key))
            .collect();
        assert_eq!(found.len(), 1, "{key}: {found:?}");
        let p = found[0].clone();
        assert_eq!(p.connection_id.as_deref(), Some(acc.connection.as_str()));
        assert_eq!(
            p.data_type,
            Some(bankfeeds::model::DataType::BankTransactions)
        );
        p.status
    };
    assert_eq!(ended(&ok), PushOperationStatus::Success);
    assert_eq!(ended(&failed), PushOperationStatus::Failed);
    assert_eq!(ended(&timed_out), PushOperationStatus::TimedOut);
    // What the API says agrees with the webhooks.
    for (key, status) in [
        (&ok, "Success"),
        (&failed, "Failed"),
        (&timed_out, "TimedOut"),
    ] {
        let op = api
            .get(&format!("/companies/{}/push/{key}", acc.company))
            .await;
        assert_eq!(op.body["status"], status);
    }
    // One `reached` for the spell of 429s, then one `reset`.
    assert_eq!(count(&got, "client.rateLimit.reached"), 1);
    let reached = deliveries
        .iter()
        .find(|d| d.event_type() == Some("client.rateLimit.reached"))
        .unwrap();
    let WebhookEvent::ClientRateLimit(limit) = reached.event() else {
        panic!("{reached:?}")
    };
    assert_eq!(limit.payload.as_ref().unwrap().quota_remaining, Some(0));
    let disconnected = deliveries
        .iter()
        .find(|d| d.event_type() == Some("bankFeeds.sourceAccount.disconnected"))
        .unwrap();
    assert_eq!(disconnected.company_id(), Some(acc.company.as_str()));

    // The bodies of the spec's own webhooks follow its schemas.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if let Some(spec) = bankfeeds_sandbox::spec::for_tests(root) {
        for d in &deliveries {
            let schema = match d.kind() {
                WebhookKind::SourceAccount => "SourceAccountWebhook",
                WebhookKind::RateLimit => "ClientRateLimitWebhook",
                _ => continue,
            };
            let body: Value = serde_json::from_str(d.body()).unwrap();
            let errors = spec.validate(
                &body,
                &json!({"$ref": format!("#/components/schemas/{schema}")}),
            );
            assert!(errors.is_empty(), "{schema}: {errors:?}\n{body:#}");
        }
    }

    // The log: one message per event, the first one delivered on its second attempt. An attempt
    // is recorded once the receiver's answer is back: wait for the last ones.
    let start = Instant::now();
    let log = loop {
        let log: WebhookLog =
            serde_json::from_value(api.get("/sandbox/webhooks").await.body).unwrap();
        if log
            .messages
            .iter()
            .all(|m| m.state != WebhookState::Pending)
            || start.elapsed() > Duration::from_secs(10)
        {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(log.url, receiver.url);
    assert_eq!(log.dropped, 0);
    assert_eq!(log.messages.len(), deliveries.len() - 1);
    let first_message = &log.messages[0];
    assert_eq!(first_message.id, connected.message_id());
    assert_eq!(
        first_message.event_type,
        "bankFeeds.sourceAccount.connected"
    );
    assert!(first_message.delivered);
    assert_eq!(first_message.state, WebhookState::Delivered);
    let statuses: Vec<Option<u16>> = first_message.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(204)]);
    for m in &log.messages[1..] {
        assert!(m.delivered, "{m:?}");
        assert_eq!(m.attempts.len(), 1, "{m:?}");
    }
    assert_eq!(
        sandbox.webhook_log().unwrap().messages.len(),
        log.messages.len()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn retries_stop_after_the_schedule_with_the_same_id() {
    // A receiver that always fails, and a sandbox that retries twice.
    let receiver = Receiver::start(Arc::new(|_, _| 503)).await;
    let sandbox = common::start(
        Sandbox::builder()
            .webhooks(&receiver.url, SECRET)
            .webhook_retry_schedule([Duration::from_millis(20), Duration::from_millis(40)]),
    )
    .await;
    let api = Api::new(sandbox.url());
    linked_account(&api, "gbol", gbp_account("a1"), Some("2024-01-01")).await;
    let got = receiver
        .wait_for("three attempts", |got| got.len() == 3)
        .await;
    let ids: Vec<&str> = got.iter().map(|r| r.header("svix-id")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    for r in &got {
        r.verify();
    }
    let start = Instant::now();
    let message = loop {
        let log = sandbox.webhook_log().unwrap();
        let m = log.messages[0].clone();
        if m.state != WebhookState::Pending {
            break m;
        }
        assert!(start.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(message.state, WebhookState::Failed);
    assert!(!message.delivered);
    assert_eq!(message.attempts.len(), 3);
    assert!(message.attempts.iter().all(|a| a.status == Some(503)));
    // No fourth attempt.
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(receiver.got().len(), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_receiver_is_logged_and_requests_do_not_wait() {
    // Nothing listens on this port once the listener is dropped.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let sandbox = common::start(
        Sandbox::builder()
            .webhooks(format!("http://127.0.0.1:{port}/hook"), SECRET)
            .webhook_retry_schedule([Duration::from_millis(10)]),
    )
    .await;
    let api = Api::new(sandbox.url());
    linked_account(&api, "gbol", gbp_account("a1"), Some("2024-01-01")).await;
    let start = Instant::now();
    let message = loop {
        let m = sandbox.webhook_log().unwrap().messages[0].clone();
        if m.state != WebhookState::Pending {
            break m;
        }
        assert!(start.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(message.state, WebhookState::Failed);
    assert_eq!(message.attempts.len(), 2);
    assert!(
        message
            .attempts
            .iter()
            .all(|a| a.status.is_none() && a.error.as_deref().is_some_and(|e| !e.is_empty()))
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn without_webhooks_there_is_no_log_and_bad_settings_are_refused() {
    let sandbox = common::start(Sandbox::builder()).await;
    let api = Api::new(sandbox.url());
    let log = api.get("/sandbox/webhooks").await;
    assert_eq!(log.status, 404, "{:#}", log.body);
    assert!(sandbox.webhook_log().is_none());
    sandbox.shutdown().await;

    for (url, secret) in [
        ("http://127.0.0.1:9/", "whsec_***"),
        ("http://127.0.0.1:9/", ""),
        ("ftp://127.0.0.1/", SECRET),
        ("127.0.0.1:9", SECRET),
    ] {
        let refused = Sandbox::builder().webhooks(url, secret).start().await;
        let e = refused.expect_err(url);
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
        // The secret is never repeated in the message.
        assert!(!e.to_string().contains("MfKQ9r8G"), "{e}");
    }
}
