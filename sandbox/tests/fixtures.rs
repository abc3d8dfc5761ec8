//! The bodies of Codat's guides (`shared/fixtures/codat-docs/`) against the sandbox: requests
//! are accepted, and answers have the fields Codat's answers have.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use bankfeeds::model::{
    AnySourceAccount, Connection, CreateBankTransactions, CreateBankTransactionsResponse,
    PushOperationStatus, SourceAccounts,
};
use bankfeeds_sandbox::Sandbox;
use chrono::NaiveDate;
use common::{Api, linked_account, typed};
use serde_json::Value;

#[path = "../../core/tests/shared/mod.rs"]
mod shared;

const DIR: &str = "fixtures/codat-docs";

/// Whether Codat's documentation bodies are here; in a clone without `../shared`, false after
/// saying that `test` skipped.
fn fixtures_present(test: &str) -> bool {
    shared::present(DIR, &format!("sandbox fixtures::{test}"))
}

fn fixture(name: &str) -> Value {
    let text = shared::read(&format!("{DIR}/{name}"), name)
        .unwrap_or_else(|| panic!("{name}: no shared folder"));
    serde_json::from_str(&text).unwrap()
}

/// A fixture as a model type (Codat's own bodies are only parsed; the core's fixture tests own
/// their round trip).
fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    serde_json::from_str(&v.to_string()).unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

async fn sandbox() -> (common::Checked, Api) {
    let s = common::start(
        Sandbox::builder()
            .push_delay(Duration::from_millis(10))
            .today(NaiveDate::from_ymd_opt(2023, 9, 12).unwrap()),
    )
    .await;
    let api = Api::new(s.url());
    (s, api)
}

#[tokio::test]
async fn create_connection_answers_like_the_guide() {
    if !fixtures_present("create_connection_answers_like_the_guide") {
        return;
    }
    let (_s, api) = sandbox().await;
    let c = api
        .post("/companies", &serde_json::json!({"name": "Toft"}))
        .await;
    let c = c.body["id"].as_str().unwrap();
    let answer = api
        .post(
            &format!("/companies/{c}/connections"),
            &serde_json::json!({"platformKey": "hcws"}),
        )
        .await;
    let expected = fixture("create-connection.response.json");
    let ours: Connection = typed(&answer.body);
    let theirs: Connection = parse(&expected);
    assert_eq!(ours.status, theirs.status);
    assert_eq!(ours.platform_name, theirs.platform_name);
    assert_eq!(ours.source_type, theirs.source_type);
    assert_eq!(
        ours.link_otp().map(str::len),
        theirs.link_otp().map(str::len)
    );
    // Every field of Codat's answer is in ours (ours adds `integrationKey`).
    assert!(keys(&expected).is_subset(&keys(&answer.body)));
}

#[tokio::test]
async fn create_source_account_fixture() {
    if !fixtures_present("create_source_account_fixture") {
        return;
    }
    let (_s, api) = sandbox().await;
    let request = fixture("create-source-account.request.json");
    let acc = linked_account(&api, "hcws", common::gbp_account("other"), None).await;
    let path = format!("{}/connectionInfo/bankFeedAccounts", acc.conn_path());
    // The guide's request is a GBP account without a sort code, which Codat's "UK-specific
    // requirements" refuse: the sandbox answers 400 naming the field...
    let e = api.post(&path, &request).await.expect_error(400);
    assert!(e.error.unwrap().contains("sort code"));
    // ...and accepts it once it has one, answering with the guide's fields.
    let mut with_sort_code = request.clone();
    with_sort_code["sortCode"] = "12-34-56".into();
    let answer = api.post(&path, &with_sort_code).await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    let expected = fixture("create-source-account.response.json");
    assert!(keys(&expected).is_subset(&keys(&answer.body)));
    let ours: AnySourceAccount = typed(&answer.body);
    let theirs: AnySourceAccount = parse(&expected);
    assert_eq!(ours.status(), theirs.status());
    assert_eq!(ours.balance(), theirs.balance());
    assert_eq!(ours.currency(), theirs.currency());
    assert_eq!(ours.account_name(), theirs.account_name());

    let listed = api.get(&path).await;
    let _: SourceAccounts = typed(&listed.body);
    let theirs: SourceAccounts = parse(&fixture("list-bank-feed-accounts.response.json"));
    assert_eq!(theirs.len(), 2);
}

#[tokio::test]
async fn push_fixture_is_accepted_and_answered_like_the_guide() {
    if !fixtures_present("push_fixture_is_accepted_and_answered_like_the_guide") {
        return;
    }
    let (_s, api) = sandbox().await;
    let request = fixture("push-bank-transactions.request.json");
    let account = request["accountId"].as_str().unwrap().to_owned();
    let acc = linked_account(
        &api,
        "hcws",
        common::gbp_account(&account),
        Some("2023-08-01"),
    )
    .await;
    let answer = api.post(&acc.push_path(), &request).await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    let expected = fixture("push-bank-transactions.response.json");
    assert_eq!(keys(&answer.body), keys(&expected));
    let ours: CreateBankTransactionsResponse = typed(&answer.body);
    let theirs: CreateBankTransactionsResponse = parse(&expected);
    assert_eq!(ours.status, theirs.status);
    assert_eq!(ours.status_code, theirs.status_code);
    assert_eq!(ours.changes, theirs.changes);
    assert_eq!(ours.data_type, theirs.data_type);
    assert_eq!(ours.validation, theirs.validation);
    // The echo carries the same transactions (Codat adds `reconciled: false`).
    let ours_data = ours.data.unwrap();
    let theirs_data = theirs.data.unwrap();
    assert_eq!(ours_data.transactions, theirs_data.transactions);
    // Amounts come back digit for digit (`100.0` stays `100.0`, `0.00` stays `0.00`).
    for (echo, sent) in answer.body["data"]["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .zip(request["transactions"].as_array().unwrap())
    {
        assert_eq!(echo["amount"].to_string(), sent["amount"].to_string());
        assert_eq!(echo["balance"].to_string(), sent["balance"].to_string());
    }
    let done: CreateBankTransactionsResponse =
        typed(&api.wait_final(&acc.company, &ours.push_operation_key).await);
    assert_eq!(done.status, PushOperationStatus::Success, "{done:#?}");
    let stored = api
        .get(&format!("{}/transactions", acc.sandbox_path()))
        .await;
    let sent: CreateBankTransactions = serde_json::from_value(request).unwrap();
    let stored: Vec<bankfeeds::model::BankTransaction> = typed(&stored.body);
    assert_eq!(stored, sent.transactions);
}

#[tokio::test]
async fn xero_fixture_is_accepted_then_fails_on_its_broken_balance_chain() {
    if !fixtures_present("xero_fixture_is_accepted_then_fails_on_its_broken_balance_chain") {
        return;
    }
    let (_s, api) = sandbox().await;
    let request = fixture("xero.push-bank-transactions.request.json");
    let account = request["accountId"].as_str().unwrap().to_owned();
    let acc = linked_account(
        &api,
        "gbol",
        common::gbp_account(&account),
        Some("2022-08-01"),
    )
    .await;
    let answer = api.post(&acc.push_path(), &request).await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    let key = answer.body["pushOperationKey"].as_str().unwrap().to_owned();
    let done: CreateBankTransactionsResponse = typed(&api.wait_final(&acc.company, &key).await);
    assert_eq!(done.status, PushOperationStatus::Failed);
    let names: Vec<_> = done
        .validation
        .unwrap()
        .errors()
        .iter()
        .filter_map(|e| e.validator_name.clone())
        .collect();
    assert!(names.contains(&"balance_mismatch".to_owned()), "{names:?}");
}
