//! Contract tests: every operation of the Bank Feeds spec, called through the client against
//! Prism mocking `../shared/codat-oas/Codat-Bank-Feeds.json` with `--errors`.
//!
//! Prism checks each request against the spec (a request that does not fit answers `400`/`422`,
//! which fails the test) and answers with the spec's examples, which the client must read.
//! Prism comes from `tools/node_modules` (installed by `scripts/bootstrap.sh`); without it the
//! test fails and says so.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bankfeeds::client::{
    BatchCreateOutcome, Client, Error, ListQuery, PushBatchOptions, PushParams, RetryPolicy,
};
use bankfeeds::model::{
    BankAccountPrototype, BankAccountType, BankFeedAccountMapping, BatchCreateSourceAccounts,
    CompanyRequestBody, CompanyUpdateRequest, CreateBankTransactions, CreateSourceAccount,
    PlatformKey, SourceAccount, SourceAccountPrototype, SourceAccountV2Prototype,
    SourceAccountV2Type,
};
use bankfeeds::money::Currency;
use rust_decimal::Decimal;

const COMPANY: &str = "8a210b68-6988-11ed-a1eb-0242ac120002";
const CONNECTION: &str = "2e9d2c44-f675-40ba-8049-353bfcb5e171";
const ACCOUNT: &str = "acc-001";
const OPERATION: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const SYNC: &str = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

mod shared;

/// Codat's spec, or `None` (the test says it skipped) in a clone without `../shared`.
fn spec_path(test: &str) -> Option<PathBuf> {
    shared::path("codat-oas/Codat-Bank-Feeds.json", test)
}

/// Prism running on a free port; killed (by pid) when dropped.
struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
    /// The spec it mocks.
    spec: PathBuf,
}

impl Prism {
    /// Prism mocking the spec, or `None` when the spec is not here (the test has said it
    /// skipped).
    fn start(test: &str) -> Option<Prism> {
        let spec = spec_path(test)?;
        let bin = repo().join("tools/node_modules/.bin/prism");
        assert!(
            bin.exists(),
            "Prism is not installed at {}: run scripts/bootstrap.sh (it installs the npm tools in tools/)",
            bin.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::env::temp_dir().join(format!("bankfeeds-prism-{port}.log"));
        let out = std::fs::File::create(&log).expect("prism log file");
        let child = Command::new(&bin)
            .args([
                "mock",
                "--errors",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .arg(&spec)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log handle"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut prism = Prism {
            child,
            port,
            log,
            spec,
        };
        prism.wait_until_listening();
        Some(prism)
    }

    fn wait_until_listening(&mut self) {
        let started = Instant::now();
        loop {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            if log.contains("Prism is listening") {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Prism exited ({status}) before listening:\n{log}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "Prism did not start within 90 s:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One raw request, to read what the client does not keep (Prism's `sl-violations` header).
    fn raw(&self, method: &str, path: &str, body: &[u8]) -> (u16, String, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to prism");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic Y29udHJhY3Q=\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = headers
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let violations = headers
            .lines()
            .find_map(|l| l.strip_prefix("sl-violations: "))
            .unwrap_or("")
            .to_owned();
        (status, violations, body.to_owned())
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

fn spec_operation_ids(path: &Path) -> BTreeSet<String> {
    let spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("the spec")).unwrap();
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ids.insert(op["operationId"].as_str().unwrap().to_owned());
            }
        }
    }
    ids
}

/// Collects each operation's outcome.
#[derive(Default)]
struct Calls {
    done: BTreeSet<String>,
    failures: Vec<String>,
    /// Operations whose request Prism accepted but which it could not answer (see
    /// [`prism_cannot_answer`]).
    unanswered: BTreeSet<String>,
}

/// Prism's `500` when the response it made up from the schema (the spec has no example) fails
/// its own check: every violation is in the response, none in the request.
fn prism_cannot_answer(e: &Error) -> bool {
    let Error::Api(api) = e else { return false };
    let body = api.body_snippet.as_deref().unwrap_or("");
    api.status == 500
        && body.contains(r#""title":"Request/Response not valid""#)
        && body.contains(r#""location":["response""#)
        && !body.contains(r#""location":["request""#)
}

impl Calls {
    fn check<T: std::fmt::Debug>(
        &mut self,
        operation: &str,
        result: Result<T, Error>,
    ) -> Option<T> {
        self.done.insert(operation.to_owned());
        match result {
            Ok(value) => Some(value),
            Err(e) if prism_cannot_answer(&e) => {
                self.unanswered.insert(operation.to_owned());
                None
            }
            Err(e) => {
                self.failures.push(format!("{operation}: {e}"));
                None
            }
        }
    }
}

fn v1_account(id: &str) -> SourceAccountPrototype {
    SourceAccountPrototype {
        account_name: Some("Business current account".into()),
        account_type: Some("Debit".into()),
        account_number: Some("12345670".into()),
        sort_code: Some("123456".into()),
        currency: Some(Currency::new("GBP")),
        balance: Some(Decimal::new(400200, 2)),
        ..SourceAccountPrototype::new(id)
    }
}

fn v2_account(id: &str) -> SourceAccountV2Prototype {
    SourceAccountV2Prototype::new(
        id,
        "Business current account",
        SourceAccountV2Type::Checking,
        "12345670",
        Currency::new("GBP"),
        Decimal::new(400200, 2),
    )
}

fn push_body() -> CreateBankTransactions {
    serde_json::from_str(
        r#"{"accountId":"acc-001","transactions":[
            {"id":"716422529","date":"2023-08-22T10:21:00","description":"Repayment of Credit Card","counterparty":"Bank of Example","reference":"Ref-12345","reconciled":true,"amount":100,"balance":100,"transactionType":"Credit"},
            {"id":"716422530","date":"2023-08-22T10:22:00","description":"Amazon Purchase","counterparty":"Amazon","reconciled":false,"amount":-100.00,"balance":0.00,"transactionType":"Debit"}]}"#,
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_against_prism() {
    let Some(prism) = Prism::start("contract::every_operation_against_prism") else {
        return;
    };
    let client = Client::builder()
        .api_key("contract")
        .base_url(prism.url())
        // Prism answers at once; a retry would only hide a failure.
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let mut calls = Calls::default();
    let c = &mut calls;

    // Companies
    let body = CompanyRequestBody::new("Toft Bakery").with_description("Customer 8812");
    let created = c.check("create-company", client.companies().create(&body).await);
    if let Some(company) = created {
        assert!(!company.id.is_empty() && !company.redirect.is_empty());
    }
    let query = ListQuery::new()
        .page_size(10)
        .query("name=Toft Bakery")
        .order_by("-modifiedDate")
        .tags("region=uk");
    if let Some(page) = c.check(
        "list-companies",
        client.companies().list(query).first().await,
    ) {
        assert!(!page.results.is_empty());
    }
    c.check("get-company", client.companies().get(COMPANY).await);
    c.check(
        "replace-company",
        client.companies().replace(COMPANY, &body).await,
    );
    let update = CompanyUpdateRequest {
        name: Some("Toft Bakery Ltd".into()),
        ..Default::default()
    };
    c.check(
        "update-company",
        client.companies().update(COMPANY, &update).await,
    );
    if let Some(token) = c.check(
        "get-company-access-token",
        client.companies().access_token(COMPANY).await,
    ) {
        assert!(token.expires_in > 0);
    }
    c.check("delete-company", client.companies().delete(COMPANY).await);

    // Connections
    let connections = client.connections(COMPANY);
    c.check(
        "list-connections",
        connections
            .list(ListQuery::new().page_size(5))
            .first()
            .await,
    );
    if let Some(conn) = c.check(
        "create-connection",
        connections.create_for(PlatformKey::Xero).await,
    ) {
        assert!(!conn.link_url.is_empty());
    }
    c.check("get-connection", connections.get(CONNECTION).await);
    c.check(
        "get-connection",
        connections.fresh_link_url(CONNECTION).await,
    );
    c.check("unlink-connection", connections.unlink(CONNECTION).await);
    c.check("delete-connection", connections.delete(CONNECTION).await);

    // Bank accounts
    let bank_accounts = client.bank_accounts(COMPANY, CONNECTION);
    if let Some(page) = c.check(
        "list-bank-accounts",
        bank_accounts
            .list(ListQuery::new().page_size(2))
            .first()
            .await,
    ) {
        assert!(!page.results.is_empty());
    }
    c.check(
        "get-create-bankAccounts-model",
        bank_accounts.create_model().await,
    );
    let prototype = BankAccountPrototype {
        account_name: Some("Business current account".into()),
        account_type: Some(BankAccountType::Debit),
        currency: Some(Currency::new("GBP")),
        ..Default::default()
    };
    c.check(
        "create-bank-account",
        bank_accounts.create(&prototype, Some(30)).await,
    );

    // Source accounts
    let sources = client.source_accounts(COMPANY, CONNECTION);
    let batch = BatchCreateSourceAccounts::V1(vec![v1_account("acc-002"), v1_account("acc-003")]);
    if let Some(BatchCreateOutcome { status, items }) = c.check(
        "create-batch-source-account",
        sources.create_batch(&batch).await,
    ) {
        assert!([201, 207, 409].contains(&status));
        assert!(!items.is_empty());
    }
    c.check(
        "create-source-account",
        sources.create(v1_account("acc-002")).await,
    );
    if let Some(list) = c.check("list-source-accounts", sources.list().await) {
        assert!(!list.is_empty());
    }
    let update = SourceAccount {
        id: ACCOUNT.into(),
        account_name: Some("Renamed".into()),
        ..Default::default()
    };
    c.check(
        "update-source-account",
        sources.update(ACCOUNT, &update).await,
    );
    c.check("delete-source-account", sources.delete(ACCOUNT).await);
    c.check("generate-credentials", sources.generate_credentials().await);
    c.check(
        "delete-bank-feed-credentials",
        sources.delete_credentials().await,
    );
    if let Some(otp) = c.check("generate-otp", sources.generate_otp().await) {
        assert!(!otp.otp.is_empty());
    }

    // Account mapping, company information
    let mapping = client.account_mapping(COMPANY, CONNECTION);
    c.check("get-bank-account-mapping", mapping.get().await);
    c.check(
        "create-bank-account-mapping",
        mapping
            .create(&BankFeedAccountMapping::new("acc-002", "account-081"))
            .await,
    );
    c.check(
        "get-company-information",
        client.company_information(COMPANY, CONNECTION).get().await,
    );

    // Transactions and push operations
    let transactions = client.transactions(COMPANY, CONNECTION);
    let params = PushParams {
        timeout_in_minutes: Some(60),
        allow_sync_on_push_complete: Some(true),
    };
    c.check(
        "create-bank-transactions",
        transactions.create(&push_body(), &params).await,
    );
    c.check(
        "create-bank-transactions",
        transactions
            .push_batch(&push_body(), &PushBatchOptions::default())
            .await,
    );
    c.check(
        "get-create-bank-transactions-model",
        transactions.create_model(ACCOUNT).await,
    );
    c.check(
        "get-create-operation",
        client.push_operations(COMPANY).get(OPERATION).await,
    );

    // Managed bank feeds
    let managed = client.managed_bank_feeds(COMPANY, CONNECTION, ACCOUNT);
    c.check("get-managed-bank-feed-sync", managed.get(SYNC).await);
    c.check("get-latest-managed-bank-feed-sync", managed.latest().await);
    c.check("run-managed-bank-feed-ad-hoc-sync", managed.run().await);

    let query = ListQuery::new()
        .query("dataConnectionKey=2e9d2c44-f675-40ba-8049-353bfcb5e171&&dataType=bankTransactions")
        .order_by("-requestedOnUtc")
        .page_size(100);
    c.check(
        "list-create-operations",
        client.push_operations(COMPANY).list(query).first().await,
    );

    assert!(
        calls.failures.is_empty(),
        "operations that failed:\n{}",
        calls.failures.join("\n")
    );
    // Two operations have no example in the spec, and the body Prism makes up from their schema
    // fails Prism's own response check (to it `"string"` is not a `uri-reference` in a page's
    // `_links`; a push option's recursive `properties` lack required fields), so with --errors it
    // answers 500 whatever the request. Their requests were still checked: every violation
    // reported is in the response. Parsing those shapes is covered by the unit tests.
    assert_eq!(
        calls.unanswered,
        BTreeSet::from([
            "get-create-bank-transactions-model".to_owned(),
            "list-create-operations".to_owned()
        ]),
        "Prism could not answer other operations: the spec or Prism changed"
    );
    let missing: Vec<_> = spec_operation_ids(&prism.spec)
        .difference(&calls.done)
        .cloned()
        .collect();
    assert!(missing.is_empty(), "operations not exercised: {missing:?}");
    assert_eq!(calls.done.len(), 33);
}

/// The spec's `oneOf` between the v2 and v1 source account bodies cannot hold for a v2 body: v1
/// requires only `id` and allows any other property, so every v2 body is also a v1 body and
/// matches both branches. Prism (rightly, by JSON Schema) refuses it. This test pins the defect:
/// the client's v2 body is refused for that reason and no other, and the same account in the v1
/// shape is accepted. When the spec is fixed this test fails and should be turned into a call.
#[test]
fn v2_source_account_bodies_hit_the_specs_one_of_defect() {
    let Some(prism) =
        Prism::start("contract::v2_source_account_bodies_hit_the_specs_one_of_defect")
    else {
        return;
    };
    let path =
        format!("/companies/{COMPANY}/connections/{CONNECTION}/connectionInfo/bankFeedAccounts");
    let v2 = serde_json::to_vec(&CreateSourceAccount::V2(v2_account("acc-009"))).unwrap();
    let (status, violations, _) = prism.raw("POST", &path, &v2);
    assert_eq!(status, 400, "{violations}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&violations).unwrap();
    assert_eq!(list.len(), 1, "{violations}");
    assert_eq!(list[0]["code"], "oneOf");
    assert_eq!(list[0]["location"], serde_json::json!(["request", "body"]));

    let batch =
        serde_json::to_vec(&BatchCreateSourceAccounts::V2(vec![v2_account("acc-010")])).unwrap();
    let (status, violations, _) = prism.raw("POST", &format!("{path}/batch"), &batch);
    assert_eq!(status, 400, "{violations}");
    assert!(violations.contains("oneOf"), "{violations}");

    let v1 = serde_json::to_vec(&CreateSourceAccount::V1(v1_account("acc-009"))).unwrap();
    let (status, violations, body) = prism.raw("POST", &path, &v1);
    assert_eq!((status, violations.as_str()), (200, ""), "{body}");
}
