//! Fault injection over HTTP: seeded rates, chosen requests, both kinds of dropped connection.

mod common;

use std::time::{Duration, Instant};

use bankfeeds::model::{CreateBankTransactionsResponse, PushOperationStatus};
use bankfeeds_sandbox::{Fault, FaultRule, Faults, Sandbox, Stats};
use chrono::NaiveDate;
use common::{Api, gbp_account, linked_account, transactions, typed};
use reqwest::Method;
use serde_json::json;

/// Which of `n` `GET /companies` fail, as a pattern of booleans.
async fn pattern(api: &Api, n: usize) -> Vec<bool> {
    let mut out = Vec::new();
    for _ in 0..n {
        let a = api.get("/companies").await;
        assert!(a.status == 200 || a.status == 503, "{}", a.status);
        if a.status == 503 {
            let e = a.expect_error(503);
            assert_eq!(e.retryable(), Some(true));
        }
        out.push(a.status == 503);
    }
    out
}

#[tokio::test]
async fn seeded_rates_are_reproducible() {
    let sandbox = common::start(Sandbox::builder()).await;
    let api = Api::new(sandbox.url());
    let plan = json!({"seed": 1234, "rules": [{"kind": "status", "status": 503, "rate": 0.4}]});
    assert_eq!(api.put("/sandbox/faults", &plan).await.status, 200);
    let first = pattern(&api, 60).await;
    let failures = first.iter().filter(|f| **f).count();
    assert!((10..=40).contains(&failures), "{failures} of 60");
    // Setting the same plan again restarts the same sequence.
    api.put("/sandbox/faults", &plan).await;
    assert_eq!(pattern(&api, 60).await, first);
    let stats: Stats = serde_json::from_value(api.get("/sandbox/stats").await.body).unwrap();
    assert_eq!(stats.faults_injected, 2 * failures as u64);
    assert_eq!(stats.faults_by_kind["status503"], 2 * failures as u64);
    // Another seed, another sequence; no plan, no faults.
    api.put(
        "/sandbox/faults",
        &json!({"seed": 99, "rules": [{"kind": "status", "status": 503, "rate": 0.4}]}),
    )
    .await;
    assert_ne!(pattern(&api, 60).await, first);
    assert_eq!(api.delete("/sandbox/faults").await.status, 204);
    assert!(pattern(&api, 20).await.iter().all(|f| !f));
    let bad = api
        .put(
            "/sandbox/faults",
            &json!({"rules": [{"kind": "status", "status": 200}]}),
        )
        .await;
    bad.expect_error(400);
}

#[tokio::test]
async fn chosen_requests_rate_limits_errors_and_slowness() {
    let plan = Faults::seeded(0)
        .rule(
            FaultRule::new(Fault::RateLimit {
                retry_after_secs: 3,
            })
            .method("GET")
            .path("/companies")
            .nth([2]),
        )
        .rule(
            // A status the operation declares: a 502 would break the spec (see spec_check.rs).
            FaultRule::new(Fault::Status { status: 500 })
                .method("POST")
                .path("/companies")
                .nth([1]),
        )
        .rule(
            FaultRule::new(Fault::Slow { delay_ms: 300 })
                .path("/companies/*")
                .limit(1),
        );
    let sandbox = common::start(Sandbox::builder().faults(plan)).await;
    let api = Api::new(sandbox.url());

    assert_eq!(api.get("/companies").await.status, 200);
    let limited = api.get("/companies").await;
    let e = limited.expect_error(429);
    assert_eq!(e.retryable(), Some(true));
    assert_eq!(limited.headers["retry-after"], "3");
    assert_eq!(api.get("/companies").await.status, 200);

    // The first create is refused and not applied; the second goes through.
    api.post("/companies", &json!({"name": "A"}))
        .await
        .expect_error(500);
    let created = api.post("/companies", &json!({"name": "A"})).await;
    assert_eq!(created.status, 200);
    assert_eq!(api.get("/companies").await.body["totalResults"], 1);

    let id = created.body["id"].as_str().unwrap();
    let start = Instant::now();
    assert_eq!(api.get(&format!("/companies/{id}")).await.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
    let start = Instant::now();
    assert_eq!(api.get(&format!("/companies/{id}")).await.status, 200);
    assert!(start.elapsed() < Duration::from_millis(300), "limit 1");

    let stats = sandbox.stats();
    assert_eq!(stats.faults_injected, 3);
    assert_eq!(stats.faults_by_kind["rateLimit"], 1);
    assert_eq!(stats.faults_by_kind["slow"], 1);
}

#[tokio::test]
async fn a_connection_dropped_before_the_request_is_applied() {
    let sandbox = common::start(Sandbox::builder()).await;
    let api = Api::new(sandbox.url());
    sandbox
        .set_faults(
            Faults::none().rule(
                FaultRule::new(Fault::DropBeforeApply)
                    .method("POST")
                    .path("/companies")
                    .nth([1]),
            ),
        )
        .unwrap();
    let dropped = api
        .try_send(Method::POST, "/companies", Some(&json!({"name": "Lost"})))
        .await;
    let err = dropped.expect_err("the connection is closed without an answer");
    assert!(!err.is_status(), "{err}");
    assert_eq!(api.get("/companies").await.body["totalResults"], 0);
    assert_eq!(sandbox.stats().faults_by_kind["dropBeforeApply"], 1);
}

#[tokio::test]
async fn a_connection_dropped_after_a_push_is_applied_makes_blind_retries_double_it() {
    let sandbox = common::start(
        Sandbox::builder()
            .push_delay(Duration::from_millis(10))
            .today(NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()),
    )
    .await;
    let api = Api::new(sandbox.url());
    // A platform bankfeeds has no profile for: Codat's generic rules only warn about dates older
    // than the account's newest, so nothing stops a repeated push.
    let acc = linked_account(&api, "zzzz", gbp_account("d1"), Some("2024-01-01")).await;
    sandbox
        .set_faults(
            Faults::none().rule(
                FaultRule::new(Fault::DropAfterApply)
                    .method("POST")
                    .path("/companies/*/connections/*/push/bankAccounts/*/bankTransactions")
                    .nth([1]),
            ),
        )
        .unwrap();
    let body = json!({"accountId": "d1", "transactions": transactions("p", "2024-05-10", 3, 0)});
    let lost = api
        .try_send(Method::POST, &acc.push_path(), Some(&body))
        .await;
    assert!(lost.is_err(), "no answer arrives");
    // The push was applied anyway: the operation exists and finishes.
    let ops = api.get(&format!("/companies/{}/push", acc.company)).await;
    assert_eq!(ops.body["totalResults"], 1);
    let key = ops.body["results"][0]["pushOperationKey"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api.wait_final(&acc.company, &key).await["status"],
        "Success"
    );
    // A blind retry stores every transaction a second time.
    let retry = api.post(&acc.push_path(), &body).await;
    let key = retry.body["pushOperationKey"].as_str().unwrap().to_owned();
    api.wait_final(&acc.company, &key).await;
    let stored = api
        .get(&format!("{}/transactions", acc.sandbox_path()))
        .await;
    assert_eq!(stored.body.as_array().unwrap().len(), 6);
    assert_eq!(sandbox.stats().faults_by_kind["dropAfterApply"], 1);
}

#[tokio::test]
async fn a_chosen_push_times_out() {
    let sandbox = common::start(
        Sandbox::builder()
            .push_delay(Duration::from_millis(10))
            .today(NaiveDate::from_ymd_opt(2024, 6, 1).unwrap())
            .faults(Faults::none().rule(FaultRule::new(Fault::PushTimedOut).nth([2]))),
    )
    .await;
    let api = Api::new(sandbox.url());
    let acc = linked_account(&api, "gbol", gbp_account("t1"), Some("2024-01-01")).await;
    let mut statuses = Vec::new();
    for (i, day) in ["2024-05-10", "2024-05-11", "2024-05-12"]
        .iter()
        .enumerate()
    {
        let body = json!({"accountId": "t1", "transactions": transactions(&format!("b{i}"), day, 1, 10 - i as i64)});
        let a = api.post(&acc.push_path(), &body).await;
        assert_eq!(a.status, 200);
        let done: CreateBankTransactionsResponse = typed(
            &api.wait_final(&acc.company, a.body["pushOperationKey"].as_str().unwrap())
                .await,
        );
        statuses.push(done.status);
    }
    assert_eq!(
        statuses,
        [
            PushOperationStatus::Success,
            PushOperationStatus::TimedOut,
            PushOperationStatus::Success
        ]
    );
    let stored = api
        .get(&format!("{}/transactions", acc.sandbox_path()))
        .await;
    assert_eq!(stored.body.as_array().unwrap().len(), 2);
    assert_eq!(sandbox.stats().pushes_timed_out, 1);
}
