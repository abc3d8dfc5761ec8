//! Listing and reading push operations while the sandbox holds many of them, and what holding
//! them costs in memory.
//!
//! Run with `cargo bench -p bankfeeds-sandbox --bench list` (optimised build). For 500 and then
//! 5,000 push operations of 50 transactions each, on one connection, it prints the median over
//! `BENCH_ROUNDS` (default 15) requests of:
//! - **list**: `GET /companies/{c}/push?query=dataConnectionKey=..&&dataType=bankTransactions
//!   &orderBy=-requestedOnUtc&pageSize=100`, the client's own look-up of its latest pushes;
//! - **get**: `GET /companies/{c}/push/{key}` of the first operation;
//! - **any request**: `GET /companies/{c}`, which also pays for settling what is due;
//!
//! and the process's resident memory (VmRSS) before the pushes and after each size. Both history
//! shapes are measured: the spec's (no `data`, the default) and the legacy one (each operation
//! with the transactions it carried).

use std::time::{Duration, Instant};

use bankfeeds_sandbox::Sandbox;
use serde_json::{Value, json};

const PER_PUSH: usize = 50;

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

struct Http {
    http: reqwest::Client,
    base: String,
}

impl Http {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", "Basic bench");
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("body");
        assert!(
            status.is_success(),
            "{path}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON")
        }
    }

    async fn timed_get(&self, path: &str, rounds: usize) -> Duration {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            self.send(reqwest::Method::GET, path, None).await;
            times.push(t.elapsed());
        }
        times.sort();
        times[times.len() / 2]
    }
}

fn transactions(first: usize) -> Vec<Value> {
    (first..first + PER_PUSH)
        .map(|n| {
            let minute = n as i64;
            let at = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                + chrono::TimeDelta::minutes(minute);
            json!({
                "id": format!("tx-{n}"),
                "date": at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                "description": format!("Card payment {n}"),
                "amount": -1.25,
                "transactionType": "Debit"
            })
        })
        .collect()
}

async fn run(legacy: bool, rounds: usize) {
    let sandbox = Sandbox::builder()
        .push_delay(Duration::ZERO)
        .today(chrono::NaiveDate::from_ymd_opt(2024, 12, 31).unwrap())
        .push_data_in_history(legacy)
        .start_blocking()
        .expect("sandbox");
    let api = Http {
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        base: sandbox.url().to_owned(),
    };
    use reqwest::Method;
    let company = api
        .send(Method::POST, "/companies", Some(json!({"name": "Bench"})))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A platform key without Xero's date rules: every push succeeds.
    let connection = api
        .send(
            Method::POST,
            &format!("/companies/{company}/connections"),
            Some(json!({"platformKey": "zzzz"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let conn = format!("/companies/{company}/connections/{connection}");
    api.send(
        Method::POST,
        &format!("/sandbox{conn}/link"),
        Some(json!({})),
    )
    .await;
    api.send(
        Method::POST,
        &format!("{conn}/connectionInfo/bankFeedAccounts"),
        Some(
            json!({"id": "acc-1", "accountName": "Current", "accountType": "Debit",
                    "accountNumber": "12345678", "currency": "USD", "balance": 0}),
        ),
    )
    .await;
    api.send(
        Method::POST,
        &format!("/sandbox{conn}/bankFeedAccounts/acc-1/map"),
        Some(json!({"feedStartDate": "2023-01-01"})),
    )
    .await;

    let mode = if legacy { "legacy" } else { "spec" };
    println!(
        "== history shape: {mode} ({PER_PUSH} transactions per push); RSS at start {:.1} MB",
        rss_mb()
    );
    let list = format!(
        "/companies/{company}/push?page=1&pageSize=100&orderBy=-requestedOnUtc&query=dataConnectionKey%3D{connection}%26%26dataType%3DbankTransactions"
    );
    let mut pushed = 0usize;
    let mut first_key = String::new();
    for target in [500usize, 5_000] {
        let t = Instant::now();
        while pushed < target {
            let op = api
                .send(
                    Method::POST,
                    &format!("{conn}/push/bankAccounts/acc-1/bankTransactions"),
                    Some(json!({"accountId": "acc-1", "transactions": transactions(pushed * PER_PUSH)})),
                )
                .await;
            if first_key.is_empty() {
                first_key = op["pushOperationKey"].as_str().unwrap().to_owned();
            }
            pushed += 1;
        }
        let pushing = t.elapsed();
        // Settle everything before measuring.
        api.send(Method::GET, &format!("/companies/{company}"), None)
            .await;
        let listed = api.timed_get(&list, rounds).await;
        let got = api
            .timed_get(&format!("/companies/{company}/push/{first_key}"), rounds)
            .await;
        let any = api
            .timed_get(&format!("/companies/{company}"), rounds)
            .await;
        println!(
            "{target:>5} operations: list {:>8.2} ms   get {:>6.3} ms   any request {:>6.3} ms   RSS {:>6.1} MB   (pushes took {:.2} s)",
            listed.as_secs_f64() * 1e3,
            got.as_secs_f64() * 1e3,
            any.as_secs_f64() * 1e3,
            rss_mb(),
            pushing.as_secs_f64()
        );
    }
    sandbox.shutdown();
}

fn main() {
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        run(false, rounds).await;
        run(true, rounds).await;
    });
}
