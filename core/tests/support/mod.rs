//! Shared set-up for the tests and benchmarks that run the client against the sandbox: a
//! company with a linked connection and a connected source account, and rows to push.
#![allow(dead_code)]

use std::time::Duration;

use bankfeeds::client::{Client, ClientBuilder, RetryPolicy};
use bankfeeds::model::{
    BankFeedAccountMapping, BankTransaction, CompanyRequestBody, PlatformKey,
    SourceAccountPrototype, TransactionType,
};
use bankfeeds::money::Currency;
use bankfeeds_sandbox::{SandboxBuilder, SandboxHandle};
use rust_decimal::Decimal;

/// Starts a sandbox whose every answer is checked against Codat's spec when the spec is beside
/// the checkout (`../shared/codat-oas/Codat-Bank-Feeds.json`) or `BANKFEEDS_SPEC` names it (one
/// line on stderr says the check is skipped otherwise). The guard asserts, when the test ends
/// (`shutdown` or drop), that no answer broke the spec.
pub async fn start(builder: SandboxBuilder) -> Checked {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Checked::start(builder, root)
        .await
        .expect("start the sandbox")
}

/// A running sandbox whose answers must all have kept to the spec by the end of the test.
pub type Checked = bankfeeds_sandbox::Checked<SandboxHandle>;

/// A push ledger (SQLite) in a folder of its own, removed when dropped; each process run of a
/// push would share one such file.
pub struct TestLedger {
    dir: std::path::PathBuf,
}

impl TestLedger {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "bankfeeds-test-ledger-{}-{:016x}",
            std::process::id(),
            rand_u64()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TestLedger { dir }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.join("ledger.sqlite3")
    }

    /// A handle on the file, as a new process would open it.
    pub fn open(&self) -> std::sync::Arc<dyn bankfeeds::client::push::ledger::PushLedger> {
        std::sync::Arc::new(
            bankfeeds::client::push::ledger::SqliteLedger::open(self.path()).unwrap(),
        )
    }
}

impl Drop for TestLedger {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

/// The day the sandbox and the client both take as today.
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

/// A client for `url` with retries bounded to `max_elapsed` and short waits, seeded.
pub fn client_builder(url: &str, max_elapsed: Duration) -> ClientBuilder {
    Client::builder()
        .api_key("sandbox-key")
        .base_url(url)
        .retry(
            RetryPolicy::default()
                .with_intervals(Duration::from_millis(20), Duration::from_millis(400))
                .with_max_elapsed(max_elapsed),
        )
        .jitter_seed(7)
}

/// A company, its connection and source account, as the sandbox holds them.
#[derive(Debug, Clone)]
pub struct Feed {
    pub company: String,
    pub connection: String,
    pub account: String,
    pub base_url: String,
}

/// Goes through Codat's set-up with `client`: company, connection (linked by the "customer"
/// through the sandbox's link endpoint with the link URL's one-time password), a GBP source
/// account mapped to the first target with a feed start date of 1 January 2024.
pub async fn connected_feed(client: &Client, platform: PlatformKey) -> Feed {
    let company = client
        .companies()
        .create(&CompanyRequestBody::new("Toft Bakery"))
        .await
        .expect("create company");
    let connection = client
        .connections(&company.id)
        .create_for(platform)
        .await
        .expect("create connection");
    let otp = connection.link_otp().expect("a link OTP").to_owned();
    let http = reqwest::Client::new();
    let linked = http
        .post(format!(
            "{}/sandbox/companies/{}/connections/{}/link",
            client.base_url().trim_end_matches('/'),
            company.id,
            connection.id
        ))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "otp": otp }).to_string())
        .send()
        .await
        .expect("link");
    assert!(linked.status().is_success(), "{:?}", linked.text().await);
    let sources = client.source_accounts(&company.id, &connection.id);
    let account = sources
        .create(SourceAccountPrototype {
            account_name: Some("Business current account".into()),
            account_type: Some("Debit".into()),
            account_number: Some("31926819".into()),
            sort_code: Some("40-12-76".into()),
            currency: Some(Currency::new("GBP")),
            balance: Some(Decimal::ZERO),
            ..SourceAccountPrototype::new("acc-001")
        })
        .await
        .expect("create source account");
    let mapping = client.account_mapping(&company.id, &connection.id);
    let options = mapping.get().await.expect("mapping options");
    let target = options[0].options()[0].id.clone().expect("a target id");
    let answer = mapping
        .create(
            &BankFeedAccountMapping::new(account.id(), target)
                .with_feed_start_date("2024-01-01T00:00:00Z".parse().unwrap()),
        )
        .await
        .expect("map");
    assert!(!answer.is_failed(), "{answer:?}");
    Feed {
        company: company.id,
        connection: connection.id,
        account: account.id().to_owned(),
        base_url: client.base_url().to_owned(),
    }
}

/// `count` cleared transactions from 1 March 2024 08:00, 30 seconds apart (200,000 of them end
/// before 10 May), ids `{prefix}{n}`,
/// with running balances from `opening`.
pub fn rows(prefix: &str, first: usize, count: usize, opening: Decimal) -> Vec<BankTransaction> {
    let start = chrono::NaiveDate::from_ymd_opt(2024, 3, 1)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap();
    let mut balance = opening;
    (first..first + count)
        .map(|n| {
            let amount = if n % 3 == 0 {
                Decimal::new(125_000 + (n as i64 % 97) * 100, 2)
            } else {
                -Decimal::new(1_999 + (n as i64 % 89) * 7, 2)
            };
            balance += amount;
            let date = start + chrono::TimeDelta::seconds(30 * n as i64);
            BankTransaction::new(format!("{prefix}{n}"), date.into(), amount)
                .with_description(if amount.is_sign_positive() {
                    "Card takings"
                } else {
                    "Supplier payment"
                })
                .with_counterparty("Counterparty Ltd")
                .with_balance(balance)
                .with_type(if amount.is_sign_positive() {
                    TransactionType::Credit
                } else {
                    TransactionType::Debit
                })
        })
        .collect()
}

/// The transactions the sandbox stored for the feed's account.
pub async fn stored(feed: &Feed) -> Vec<BankTransaction> {
    let url = format!(
        "{}/sandbox/companies/{}/connections/{}/bankFeedAccounts/{}/transactions",
        feed.base_url.trim_end_matches('/'),
        feed.company,
        feed.connection,
        feed.account
    );
    let response = reqwest::get(url).await.expect("stored transactions");
    assert!(response.status().is_success());
    serde_json::from_slice(&response.bytes().await.unwrap()).expect("transactions JSON")
}

/// One account of a many-accounts test or bench: where it is and its rows.
pub struct Target {
    pub company: String,
    pub connection: String,
    pub account: String,
    pub rows: Vec<BankTransaction>,
}

/// Companies with one linked connection each, holding `per_company` connected GBP accounts; the
/// `i`-th account (counting across companies) gets `rows_of(i)` rows, ids unique across all.
pub async fn accounts(
    client: &Client,
    sandbox: &bankfeeds_sandbox::Running,
    companies: usize,
    per_company: usize,
    rows_of: impl Fn(usize) -> usize,
) -> Vec<Target> {
    let mut out = Vec::new();
    for c in 0..companies {
        let company = client
            .companies()
            .create(&CompanyRequestBody::new(format!("Bakery {c}")))
            .await
            .unwrap();
        // A platform with no "older than the newest" rule: the sandbox would store a repeat.
        let connection = client
            .connections(&company.id)
            .create_for(PlatformKey::Other("zzzz".into()))
            .await
            .unwrap();
        sandbox.complete_link(&company.id, &connection.id).unwrap();
        let sources = client.source_accounts(&company.id, &connection.id);
        for a in 0..per_company {
            let id = format!("acc-{c}-{a:02}");
            sources
                .create(SourceAccountPrototype {
                    account_name: Some(format!("Account {a}")),
                    account_type: Some("Debit".into()),
                    account_number: Some(format!("3192{a:04}")),
                    sort_code: Some("40-12-76".into()),
                    currency: Some(Currency::new("GBP")),
                    balance: Some(Decimal::ZERO),
                    ..SourceAccountPrototype::new(id.clone())
                })
                .await
                .unwrap();
            sandbox
                .map_account(
                    &company.id,
                    &connection.id,
                    &id,
                    chrono::NaiveDate::from_ymd_opt(2024, 1, 1),
                )
                .unwrap();
            let n = rows_of(c * per_company + a);
            out.push(Target {
                company: company.id.clone(),
                connection: connection.id.clone(),
                account: id.clone(),
                rows: rows(&format!("{id}-"), 0, n, Decimal::ZERO),
            });
        }
    }
    out
}
