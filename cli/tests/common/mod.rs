//! Shared by the CLI's tests that push to a sandbox they start: the sandbox with its spec check,
//! and a linked Xero connection with connected accounts, made over plain HTTP as a user's
//! set-up script would.
#![allow(dead_code)]

use std::path::PathBuf;

use bankfeeds_sandbox::{BlockingSandbox, SandboxBuilder};
use chrono::NaiveDate;
use serde_json::{Value, json};

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A sandbox whose every answer is checked against Codat's spec when the spec is beside the
/// checkout (`../shared/codat-oas/Codat-Bank-Feeds.json`) or `BANKFEEDS_SPEC` names it (one line
/// on stderr says the check is skipped otherwise); dropping it asserts that no answer broke the
/// spec.
pub type Checked = bankfeeds_sandbox::Checked<BlockingSandbox>;

/// Starts `builder` on a thread of its own with the spec check on.
pub fn checked(builder: SandboxBuilder) -> Checked {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    Checked::start_blocking(builder, root).unwrap()
}

/// Creates a company and a Xero connection over HTTP, links it, and creates and maps one GBP
/// source account per id (feed start 2024-04-01); answers the company and connection ids.
pub fn linked_accounts(sandbox: &BlockingSandbox, accounts: &[&str]) -> (String, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = sandbox.url().to_owned();
    let ids: Vec<String> = accounts.iter().map(|s| s.to_string()).collect();
    let (company, connection) = runtime.block_on(async move {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let post = |path: String, body: Value| {
            let http = http.clone();
            let url = url.clone();
            async move {
                let resp = http
                    .post(format!("{url}{path}"))
                    .header("Authorization", "Basic setup")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200, "{path}");
                resp.json::<Value>().await.unwrap()
            }
        };
        let company = post("/companies".into(), json!({"name": "Toft"})).await;
        let c = company["id"].as_str().unwrap().to_owned();
        let conn = post(
            format!("/companies/{c}/connections"),
            json!({"platformKey": "gbol"}),
        )
        .await;
        let d = conn["id"].as_str().unwrap().to_owned();
        post(
            format!("/sandbox/companies/{c}/connections/{d}/link"),
            json!({}),
        )
        .await;
        for id in ids {
            post(
                format!("/companies/{c}/connections/{d}/connectionInfo/bankFeedAccounts"),
                json!({"id": id, "accountName": "Current", "accountType": "Debit",
                       "accountNumber": "31926819", "sortCode": "401276", "currency": "GBP",
                       "balance": 0}),
            )
            .await;
        }
        (c, d)
    });
    for id in accounts {
        sandbox
            .map_account(&company, &connection, id, Some(day(2024, 4, 1)))
            .unwrap();
    }
    (company, connection)
}
