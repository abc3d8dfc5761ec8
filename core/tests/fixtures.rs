//! Codat's documentation examples (`shared/fixtures/codat-docs/`) parse into the model and write
//! back with the same fields and the same numbers, digit for digit.

use std::collections::BTreeSet;

use bankfeeds::dates::LocalDateTime;
use bankfeeds::model::{
    AnySourceAccount, ConnectionStatus, CreateBankTransactions, CreateBankTransactionsResponse,
    CreateSourceAccount, PushOperationStatus, PushOperationStatusChangedWebhook, SourceAccount,
    SourceAccountPrototype, SourceAccountStatus, SourceAccounts, WebhookEvent,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

mod shared;

const DIR: &str = "fixtures/codat-docs";

/// Whether Codat's documentation bodies are here; in a clone without `../shared`, false after
/// saying that `test` skipped.
fn fixtures_present(test: &str) -> bool {
    shared::present(DIR, &format!("fixtures::{test}"))
}

fn read(name: &str) -> String {
    shared::read(&format!("{DIR}/{name}"), name)
        .unwrap_or_else(|| panic!("{name}: no shared folder"))
}

/// Parses the fixture as `T`, writes it back, and checks the two JSON documents agree.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let text = read(name);
    let original: Value = serde_json::from_str(&text).unwrap();
    let parsed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let back = serde_json::to_value(&parsed).unwrap();
    let mut problems = Vec::new();
    compare(&original, &back, "", false, &mut problems);
    assert!(
        problems.is_empty(),
        "{name} does not round-trip:\n{}",
        problems.join("\n")
    );
    parsed
}

/// Same fields, same values. Numbers compare by their text (`arbitrary_precision`), so `4002.00`
/// written back as `4002` or `4002.0` fails. Transaction `date`s are written without their `Z` on
/// purpose, so those compare as parsed local date-times, and must come back without a suffix.
fn compare(a: &Value, b: &Value, path: &str, in_transactions: bool, problems: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = format!("{path}/{k}");
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) if in_transactions && k == "date" => {
                        let (Some(sa), Some(sb)) = (va.as_str(), vb.as_str()) else {
                            problems.push(format!("{p}: not strings"));
                            continue;
                        };
                        let da: LocalDateTime = sa.parse().unwrap();
                        let db: LocalDateTime = sb.parse().unwrap();
                        if da != db {
                            problems.push(format!("{p}: {sa} became {sb}"));
                        }
                        if sb.ends_with('Z') || sb.contains('+') {
                            problems.push(format!("{p}: written back with an offset: {sb}"));
                        }
                    }
                    (Some(va), Some(vb)) => {
                        compare(va, vb, &p, in_transactions || k == "transactions", problems)
                    }
                    (Some(_), None) => problems.push(format!("{p}: dropped")),
                    (None, Some(vb)) => problems.push(format!("{p}: added ({vb})")),
                    (None, None) => unreachable!(),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                problems.push(format!("{path}: {} items became {}", x.len(), y.len()));
            }
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                compare(va, vb, &format!("{path}/{i}"), in_transactions, problems);
            }
        }
        _ if a == b => {}
        _ => problems.push(format!("{path}: {a} became {b}")),
    }
}

/// Every fixture file, and the test that covers it.
const COVERED: &[&str] = &[
    "create-connection.response.json",
    "create-source-account.request.json",
    "create-source-account.response.json",
    "list-bank-feed-accounts.response.json",
    "push-bank-transactions.request.json",
    "push-bank-transactions.response.json",
    "webhook.push-operation-status-changed.json",
    "xero.push-bank-transactions.request.json",
];

#[test]
fn every_fixture_is_covered() {
    let Some(dir) = shared::path(DIR, "fixtures::every_fixture_is_covered") else {
        return;
    };
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    let covered: BTreeSet<String> = COVERED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        on_disk, covered,
        "a fixture was added or removed: give it a test"
    );
}

#[test]
fn create_connection_response() {
    if !fixtures_present("create_connection_response") {
        return;
    }
    let c: bankfeeds::model::Connection = round_trip("create-connection.response.json");
    assert_eq!(c.status, ConnectionStatus::PendingAuth);
    assert_eq!(c.source_type, bankfeeds::model::SourceType::BankFeed);
    assert_eq!(c.link_otp(), Some("742271"));
    assert!(
        c.link_url()
            .unwrap()
            .starts_with("https://link-api.codat.io/")
    );
    assert_eq!(c.created.to_string(), "2022-09-01T10:21:57.0807447Z");
}

#[test]
fn create_source_account_request() {
    if !fixtures_present("create_source_account_request") {
        return;
    }
    let body: SourceAccountPrototype = round_trip("create-source-account.request.json");
    assert_eq!(body.balance.unwrap().to_string(), "4002");
    assert_eq!(body.account_type.as_deref(), Some("Debit"));
    // The either-shape body reads it as v1: `Debit` is v1's free text, not a v2 account type.
    let any: CreateSourceAccount = round_trip("create-source-account.request.json");
    assert_eq!(any, CreateSourceAccount::V1(body));
}

#[test]
fn create_source_account_response() {
    if !fixtures_present("create_source_account_response") {
        return;
    }
    let account: SourceAccount = round_trip("create-source-account.response.json");
    assert_eq!(account.balance.unwrap().to_string(), "4002.00");
    assert_eq!(account.status, Some(SourceAccountStatus::Pending));
    // No suffix in, no suffix out; read as UTC.
    assert_eq!(
        account.modified_date.unwrap().to_string(),
        "2023-09-06T09:13:40.2266667"
    );
    let any: AnySourceAccount = round_trip("create-source-account.response.json");
    assert_eq!(any, AnySourceAccount::V1(account));
}

#[test]
fn list_bank_feed_accounts_response() {
    if !fixtures_present("list_bank_feed_accounts_response") {
        return;
    }
    let accounts: Vec<SourceAccount> = round_trip("list-bank-feed-accounts.response.json");
    assert_eq!(accounts.len(), 2);
    assert!(!accounts[0].is_connected());
    assert!(accounts[1].is_connected());
    assert_eq!(accounts[1].balance.unwrap().to_string(), "100.09");
    assert_eq!(
        accounts[1].feed_start_date.unwrap().to_string(),
        "2023-01-09T14:56:43.773Z"
    );
    let any: SourceAccounts = round_trip("list-bank-feed-accounts.response.json");
    assert!(any.iter().all(|a| a.as_v1().is_some()));
    assert_eq!(any[1].id(), "acc-003");
}

#[test]
fn push_bank_transactions_request() {
    if !fixtures_present("push_bank_transactions_request") {
        return;
    }
    let body: CreateBankTransactions = round_trip("push-bank-transactions.request.json");
    assert_eq!(body.transactions.len(), 6);
    let first = &body.transactions[0];
    assert_eq!(first.amount.to_string(), "100.0");
    assert_eq!(body.transactions[1].balance.unwrap().to_string(), "0.00");
    assert_eq!(first.date.dropped_offset_seconds(), None); // `Z` is no shift to warn about
    let back = serde_json::to_value(&body).unwrap();
    assert_eq!(back["transactions"][0]["date"], "2023-08-22T10:21:00.000");
}

#[test]
fn push_bank_transactions_response() {
    if !fixtures_present("push_bank_transactions_response") {
        return;
    }
    let resp: CreateBankTransactionsResponse = round_trip("push-bank-transactions.response.json");
    assert_eq!(resp.status, PushOperationStatus::Pending);
    assert_eq!(resp.status_code, 202);
    assert!(!resp.is_final());
    let (op, data) = resp.into_parts();
    assert_eq!(
        op.push_operation_key,
        "af72f845-1e59-47b4-94ce-65feedc6f119"
    );
    assert!(!op.validation.as_ref().unwrap().has_errors());
    let data = data.unwrap();
    assert_eq!(data.transactions.len(), 6);
    assert_eq!(
        data.transactions[5].balance.unwrap().to_string(),
        "-1457.54"
    );
    assert_eq!(data.transactions[0].reconciled, Some(false));
}

#[test]
fn xero_push_request() {
    if !fixtures_present("xero_push_request") {
        return;
    }
    let body: CreateBankTransactions = round_trip("xero.push-bank-transactions.request.json");
    assert_eq!(body.account_id, "482342-acc-001");
    assert_eq!(body.transactions[0].amount.to_string(), "-450");
    assert_eq!(body.transactions[1].balance.unwrap().to_string(), "2730");
}

#[test]
fn push_operation_status_changed_webhook() {
    if !fixtures_present("push_operation_status_changed_webhook") {
        return;
    }
    let w: PushOperationStatusChangedWebhook =
        round_trip("webhook.push-operation-status-changed.json");
    assert_eq!(w.rule_type(), Some("Push Operation Status Changed"));
    let data = w.data.as_ref().unwrap();
    assert_eq!(data.status, PushOperationStatus::Success);
    assert_eq!(
        data.push_operation_key,
        "e881111f-b6a4-4740-b125-340a6c300cd3"
    );
    let event: WebhookEvent = round_trip("webhook.push-operation-status-changed.json");
    assert_eq!(event, WebhookEvent::PushOperationStatusChanged(w));
    assert_eq!(
        event.company_id(),
        Some("c2dddf4c-eece-4a9b-a392-8c8e65b59e47")
    );
}
