//! A plain HTTP client for the sandbox's tests (reqwest, not the core's client), and checks
//! that every answer is spec-exact: it parses with the core's model types and writes back the
//! same JSON.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use bankfeeds_sandbox::{SandboxBuilder, SandboxHandle};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// `builder` with every answer checked against Codat's spec, when the spec is beside the
/// checkout (`../shared/codat-oas/Codat-Bank-Feeds.json`) or `BANKFEEDS_SPEC` names it; one line
/// on stderr says so when it is not.
pub fn spec_checked(builder: SandboxBuilder) -> SandboxBuilder {
    bankfeeds_sandbox::spec::checked_builder(builder, root())
}

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Starts a sandbox with the spec check on (see [`spec_checked`]); the guard asserts that no
/// answer broke the spec when the test ends (on `shutdown` or when dropped).
pub async fn start(builder: SandboxBuilder) -> Checked {
    Checked::start(builder, root()).await.unwrap()
}

/// A running sandbox whose answers must all have kept to the spec by the end of the test.
pub type Checked = bankfeeds_sandbox::Checked<SandboxHandle>;

/// An answer: status, headers and the JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The body as a model type, checked spec-exact (see [`typed`]).
    pub fn as_<T: DeserializeOwned + Serialize>(&self) -> T {
        typed(&self.body)
    }

    /// Asserts the status and that the body is Codat's error body with the same status code.
    pub fn expect_error(&self, status: u16) -> bankfeeds::model::ErrorMessage {
        assert_eq!(self.status, status, "{:#}", self.body);
        let e: bankfeeds::model::ErrorMessage = typed(&self.body);
        assert_eq!(e.status_code, Some(status));
        assert!(e.correlation_id.as_deref().is_some_and(|c| c.len() == 32));
        assert!(e.error.as_deref().is_some_and(|m| !m.is_empty()));
        e
    }
}

/// Parses `value` as `T` and checks that `T` writes it back unchanged: the body has no field
/// the spec type does not know and every value keeps its spelling.
pub fn typed<T: DeserializeOwned + Serialize>(value: &Value) -> T {
    // From the text, as a client reads it (`from_value` loses an amount's trailing zeros).
    let parsed: T =
        serde_json::from_str(&value.to_string()).unwrap_or_else(|e| panic!("{e}: {value:#}"));
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(
        &back,
        value,
        "not spec-exact as {}",
        std::any::type_name::<T>()
    );
    parsed
}

/// Talks to a sandbox.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub auth: Option<String>,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Api {
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            base: base.to_owned(),
            auth: Some("Basic c2FuZGJveC1rZXk=".into()),
        }
    }

    /// Sends a request; transport errors (a dropped connection) come back as `Err`.
    pub async fn try_send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Result<Answer> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(auth) = &self.auth {
            req = req.header("Authorization", auth);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        self.try_send(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn post_empty(&self, path: &str) -> Answer {
        self.send(Method::POST, path, None).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }

    /// Polls a push operation until it is final.
    pub async fn wait_final(&self, company: &str, key: &str) -> Value {
        let start = Instant::now();
        loop {
            let a = self.get(&format!("/companies/{company}/push/{key}")).await;
            assert_eq!(a.status, 200, "{:#}", a.body);
            if a.body["status"] != "Pending" {
                return a.body;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "push never finished"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Ids of a company, a linked connection and a source account on it.
pub struct Linked {
    pub company: String,
    pub connection: String,
    pub account: String,
}

impl Linked {
    pub fn conn_path(&self) -> String {
        format!(
            "/companies/{}/connections/{}",
            self.company, self.connection
        )
    }

    pub fn push_path(&self) -> String {
        format!(
            "{}/push/bankAccounts/{}/bankTransactions",
            self.conn_path(),
            self.account
        )
    }

    pub fn sandbox_path(&self) -> String {
        format!(
            "/sandbox/companies/{}/connections/{}/bankFeedAccounts/{}",
            self.company, self.connection, self.account
        )
    }
}

/// Creates a company and a connection to `platform`, links it, creates `account` and, when
/// `feed_start` is given, maps it (`connected`).
pub async fn linked_account(
    api: &Api,
    platform: &str,
    account: Value,
    feed_start: Option<&str>,
) -> Linked {
    let company = api
        .post("/companies", &json!({"name": "Toft Bakery"}))
        .await;
    assert_eq!(company.status, 200, "{:#}", company.body);
    let company = company.body["id"].as_str().unwrap().to_owned();
    let conn = api
        .post(
            &format!("/companies/{company}/connections"),
            &json!({"platformKey": platform}),
        )
        .await;
    assert_eq!(conn.status, 200, "{:#}", conn.body);
    let connection = conn.body["id"].as_str().unwrap().to_owned();
    let link = api
        .post_empty(&format!(
            "/sandbox/companies/{company}/connections/{connection}/link"
        ))
        .await;
    assert_eq!(link.status, 200, "{:#}", link.body);
    let created = api
        .post(
            &format!(
                "/companies/{company}/connections/{connection}/connectionInfo/bankFeedAccounts"
            ),
            &account,
        )
        .await;
    assert_eq!(created.status, 200, "{:#}", created.body);
    let linked = Linked {
        company,
        connection,
        account: created.body["id"].as_str().unwrap().to_owned(),
    };
    if let Some(start) = feed_start {
        let mapped = api
            .post(
                &format!("{}/map", linked.sandbox_path()),
                &json!({"feedStartDate": start}),
            )
            .await;
        assert_eq!(mapped.status, 200, "{:#}", mapped.body);
        assert_eq!(mapped.body["status"], "connected");
    }
    linked
}

/// A GBP current account with a sort code (v1 shape).
pub fn gbp_account(id: &str) -> Value {
    json!({
        "id": id, "accountName": "Business Current Account", "accountType": "Debit",
        "accountNumber": "12345670", "sortCode": "40-12-76", "currency": "GBP", "balance": 0
    })
}

/// `n` transactions of -1.00 from a balance of `start`, one minute apart from `day` 09:00.
pub fn transactions(prefix: &str, day: &str, n: usize, start: i64) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "id": format!("{prefix}-{i:04}"),
                "date": format!("{day}T{:02}:{:02}:00", 9 + i / 60 % 12, i % 60),
                "description": format!("Card payment {i}"),
                "amount": -1.00,
                "balance": format!("{}.00", start - 1 - i as i64).parse::<serde_json::Number>().unwrap(),
                "transactionType": "Debit"
            })
        })
        .collect()
}
