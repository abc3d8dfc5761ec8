//! The whole flow of Codat's bank feeds guides over HTTP, every answer checked against the
//! core's spec-exact model types.

mod common;

use std::time::Duration;

use bankfeeds::model::{
    AnySourceAccount, BankTransaction, Companies, Company, Connection, ConnectionStatus,
    Connections, CreateBankTransactions, CreateBankTransactionsResponse, Page, PushOperation,
    PushOperationStatus, PushOperationWithData, SourceAccountStatus, SourceAccounts,
};
use bankfeeds_sandbox::{Sandbox, Stats};
use chrono::NaiveDate;
use common::{Api, gbp_account, linked_account, transactions, typed};
use serde_json::json;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn codat_guide_flow_end_to_end() {
    let sandbox = common::start(
        Sandbox::builder()
            .push_delay(Duration::from_millis(100))
            .today(day(2024, 6, 1)),
    )
    .await;
    let api = Api::new(sandbox.url());

    // 1. A company for the customer.
    let company: Company = api
        .post(
            "/companies",
            &json!({"name": "Toft Bakery", "description": "our id 42"}),
        )
        .await
        .as_();
    assert!(uuid_like(&company.id));
    assert!(company.connections().is_empty());
    let c = company.id.clone();
    let listed: Companies = api.get("/companies").await.as_();
    assert_eq!(listed.total_results, 1);
    assert_eq!(listed.results[0].id, c);
    assert!(company.redirect.starts_with(sandbox.url()));
    let redirect = api
        .get(company.redirect.trim_start_matches(sandbox.url()))
        .await;
    assert_eq!(redirect.status, 200);

    // 2. A connection to QuickBooks Online Bank Feeds: PendingAuth with a one-hour link.
    let conn = api
        .post(
            &format!("/companies/{c}/connections"),
            &json!({"platformKey": "hcws"}),
        )
        .await;
    assert_eq!(conn.status, 200);
    let conn: Connection = conn.as_();
    assert_eq!(conn.status, ConnectionStatus::PendingAuth);
    assert_eq!(conn.platform_name, "QuickBooks Online Bank Feeds");
    let link = conn
        .link_url()
        .expect("a link URL while PendingAuth")
        .to_owned();
    let otp = conn.link_otp().expect("an otp in the link").to_owned();
    assert_eq!(otp.len(), 6);
    assert!(link.starts_with(sandbox.url()), "{link}");
    let page = api.get(link.trim_start_matches(sandbox.url())).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.as_str().unwrap().contains("/link"),
        "{:?}",
        page.body
    );
    let conns: Connections = api.get(&format!("/companies/{c}/connections")).await.as_();
    assert_eq!(conns.results.len(), 1);

    // 3. The customer completes the link (with the link's password).
    let d = conn.id.clone();
    let linked: Connection = api
        .post(
            &format!("/sandbox/companies/{c}/connections/{d}/link"),
            &json!({"otp": otp}),
        )
        .await
        .as_();
    assert_eq!(linked.status, ConnectionStatus::Linked);
    assert_eq!(linked.link_url(), None);
    let got: Connection = api
        .get(&format!("/companies/{c}/connections/{d}"))
        .await
        .as_();
    assert!(got.is_linked());

    // 4. Source accounts: a GBP account needs a sort code.
    let accounts = format!("/companies/{c}/connections/{d}/connectionInfo/bankFeedAccounts");
    let refused = api
        .post(
            &accounts,
            &json!({"id": "acc-1", "accountName": "Current", "accountType": "Debit",
                    "accountNumber": "12345670", "currency": "GBP", "balance": 4002.00}),
        )
        .await;
    let e = refused.expect_error(400);
    assert!(e.error.as_deref().unwrap().contains("sort code"));
    assert_eq!(
        e.validation_errors()[0].validator_name.as_deref(),
        Some("sort_code_required")
    );
    let created = api.post(&accounts, &gbp_account("acc-1")).await;
    assert_eq!(created.status, 200, "{:#}", created.body);
    let created: AnySourceAccount = created.as_();
    assert_eq!(created.status(), Some(&SourceAccountStatus::Pending));
    let all: SourceAccounts = api.get(&accounts).await.as_();
    assert_eq!(all.len(), 1);

    // A push before the customer maps the account is accepted, then fails on the account rule.
    let push = format!("/companies/{c}/connections/{d}/push/bankAccounts/acc-1/bankTransactions");
    let early = api
        .post(&push, &json!({"accountId": "acc-1", "transactions": transactions("early", "2024-05-02", 1, 0)}))
        .await;
    assert_eq!(early.status, 200);
    let early: CreateBankTransactionsResponse = early.as_();
    let done: PushOperation = typed(&api.wait_final(&c, &early.push_operation_key).await);
    assert_eq!(done.status, PushOperationStatus::Failed);
    assert_eq!(
        done.validation.unwrap().errors()[0]
            .validator_name
            .as_deref(),
        Some("account_not_connected")
    );

    // 5. The customer maps it in QuickBooks: connected, with a feed start date.
    let mapped: AnySourceAccount = api
        .post(
            &format!("/sandbox/companies/{c}/connections/{d}/bankFeedAccounts/acc-1/map"),
            &json!({"feedStartDate": "2024-05-01"}),
        )
        .await
        .as_();
    assert!(mapped.is_connected());
    assert_eq!(mapped.feed_start_date().unwrap().date(), day(2024, 5, 1));

    // 6. Push, oldest first: Pending (statusCode 202 in the body), then Success.
    let mut txs = transactions("t", "2024-05-02", 3, 100);
    txs.insert(
        0,
        json!({"id": "t-open", "date": "2024-05-02T08:00:00", "description": "Takings",
               "amount": 100.00, "balance": 100.00, "transactionType": "Credit"}),
    );
    let body = json!({"accountId": "acc-1", "transactions": txs});
    let pushed = api.post(&push, &body).await;
    assert_eq!(pushed.status, 200);
    let pushed: CreateBankTransactionsResponse = pushed.as_();
    assert_eq!(pushed.status, PushOperationStatus::Pending);
    assert_eq!(pushed.status_code, 202);
    assert_eq!(pushed.data.as_ref().unwrap().transactions.len(), 4);
    assert!(uuid_like(&pushed.push_operation_key));
    let still_raw = api
        .get(&format!(
            "/companies/{c}/push/{}",
            pushed.push_operation_key
        ))
        .await
        .body;
    let still: PushOperation = typed(&still_raw);
    assert_eq!(still.status, PushOperationStatus::Pending);
    let done: PushOperation = typed(&api.wait_final(&c, &pushed.push_operation_key).await);
    assert_eq!(done.status, PushOperationStatus::Success, "{done:#?}");
    assert_eq!(done.status_code, 200);
    assert!(done.completed_on_utc.is_some());

    // 7. Stored exactly as pushed, in order; the balance is the last transaction's.
    let stored: Vec<BankTransaction> = api
        .get(&format!(
            "/sandbox/companies/{c}/connections/{d}/bankFeedAccounts/acc-1/transactions"
        ))
        .await
        .as_();
    let sent: CreateBankTransactions = serde_json::from_value(body).unwrap();
    assert_eq!(stored, sent.transactions);
    let all: SourceAccounts = api.get(&accounts).await.as_();
    assert_eq!(all[0].balance().unwrap().to_string(), "97.00");

    // 8. Push operations, filtered and newest first, as the spec's PushOperation: no `data`.
    let query = format!("dataConnectionKey={d}&&status=Success&&dataType=bankTransactions");
    let list = api
        .send(
            reqwest::Method::GET,
            &format!(
                "/companies/{c}/push?query={}&orderBy=-requestedOnUtc",
                urlencode(&query)
            ),
            None,
        )
        .await;
    assert!(
        list.body["results"][0].get("data").is_none(),
        "{:#}",
        list.body
    );
    let list: Page<PushOperation> = list.as_();
    assert_eq!(list.total_results, 1);
    assert_eq!(
        list.results[0].push_operation_key,
        pushed.push_operation_key
    );
    assert!(still_raw.get("data").is_none(), "{still_raw:#}");
    let newest: Page<PushOperation> = api
        .get(&format!("/companies/{c}/push?orderBy=-requestedOnUtc"))
        .await
        .as_();
    assert_eq!(
        newest.results[0].push_operation_key,
        pushed.push_operation_key
    );
    assert_eq!(
        newest.results[1].push_operation_key,
        early.push_operation_key
    );

    let stats: Stats = serde_json::from_value(api.get("/sandbox/stats").await.body).unwrap();
    assert_eq!(stats.pushes_accepted, 2);
    assert_eq!(stats.pushes_succeeded, 1);
    assert_eq!(stats.pushes_failed, 1);
    assert_eq!(stats.transactions_stored, 4);
    assert_eq!(stats.unauthorized, 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn xero_refuses_a_transaction_older_than_the_newest_stored() {
    let sandbox = common::start(
        Sandbox::builder()
            .push_delay(Duration::from_millis(10))
            .today(day(2024, 6, 1)),
    )
    .await;
    let api = Api::new(sandbox.url());
    let acc = linked_account(&api, "gbol", gbp_account("xero-1"), Some("2024-01-01")).await;
    let first = api
        .post(
            &acc.push_path(),
            &json!({"accountId": "xero-1", "transactions": transactions("a", "2024-05-10", 2, 10)}),
        )
        .await;
    let key = first.body["pushOperationKey"].as_str().unwrap().to_owned();
    let done = api.wait_final(&acc.company, &key).await;
    assert_eq!(done["status"], "Success", "{done:#}");

    let older = json!({"accountId": "xero-1", "transactions": [
        {"id": "late", "date": "2024-05-09T12:00:00", "description": "Late card payment",
         "amount": -5.00, "balance": 3.00, "transactionType": "Debit"}]});
    let second = api.post(&acc.push_path(), &older).await;
    assert_eq!(second.status, 200);
    let key = second.body["pushOperationKey"].as_str().unwrap().to_owned();
    let done: PushOperation = typed(&api.wait_final(&acc.company, &key).await);
    assert_eq!(done.status, PushOperationStatus::Failed);
    assert_eq!(done.status_code, 400);
    assert!(done.error_message.as_deref().unwrap().contains("Xero"));
    let errors = done.validation.as_ref().unwrap().errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].item_id.as_deref(), Some("late"));
    assert_eq!(
        errors[0].validator_name.as_deref(),
        Some("older_than_latest")
    );
    assert!(
        errors[0]
            .message
            .as_deref()
            .unwrap()
            .contains("older than the newest transaction already on the account"),
        "{errors:#?}"
    );
    let stored = api
        .get(&format!("{}/transactions", acc.sandbox_path()))
        .await;
    assert_eq!(stored.body.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn spec_violations_are_refused_with_400() {
    let sandbox = common::start(Sandbox::builder().today(day(2024, 6, 1))).await;
    let api = Api::new(sandbox.url());
    let acc = linked_account(&api, "gbol", gbp_account("big"), Some("2024-01-01")).await;

    let too_many =
        json!({"accountId": "big", "transactions": transactions("x", "2024-05-10", 1001, 2000)});
    let e = api
        .post(&acc.push_path(), &too_many)
        .await
        .expect_error(400);
    assert!(e.error.unwrap().contains("at most 1000"));
    let exactly =
        json!({"accountId": "big", "transactions": transactions("x", "2024-05-10", 1000, 2000)});
    assert_eq!(api.post(&acc.push_path(), &exactly).await.status, 200);

    let no_amount =
        json!({"accountId": "big", "transactions": [{"id": "a", "date": "2024-05-10"}]});
    let e = api
        .post(&acc.push_path(), &no_amount)
        .await
        .expect_error(400);
    assert!(e.error.unwrap().contains("amount"));
    let no_account = json!({"transactions": []});
    api.post(&acc.push_path(), &no_account)
        .await
        .expect_error(400);
    let wrong_account = json!({"accountId": "other", "transactions": []});
    api.post(&acc.push_path(), &wrong_account)
        .await
        .expect_error(400);
    let unknown = acc.push_path().replace("/big/", "/nope/");
    let e = api
        .post(&unknown, &json!({"accountId": "nope", "transactions": []}))
        .await
        .expect_error(400);
    assert!(e.error.unwrap().contains("nope"));
    api.send(reqwest::Method::POST, &acc.push_path(), None)
        .await
        .expect_error(400);
    let bad_timeout = format!("{}?timeoutInMinutes=soon", acc.push_path());
    api.post(
        &bad_timeout,
        &json!({"accountId": "big", "transactions": []}),
    )
    .await
    .expect_error(400);
    let e = api
        .get("/companies/00000000-0000-0000-0000-000000000000")
        .await
        .expect_error(404);
    assert_eq!(e.service.as_deref(), Some("ClientsApi"));
    api.get("/nowhere").await.expect_error(404);
    api.send(reqwest::Method::PUT, "/companies", None)
        .await
        .expect_error(405);
    api.get("/companies?pageSize=0").await.expect_error(400);
    let e = api
        .get(&format!("/companies/{}/push?query=status", acc.company))
        .await
        .expect_error(400);
    assert_eq!(
        e.error.as_deref(),
        Some("Error parsing query - Malformed query.")
    );
}

#[tokio::test]
async fn requests_without_credentials_get_401() {
    let sandbox = common::start(Sandbox::builder()).await;
    let mut api = Api::new(sandbox.url());
    api.auth = None;
    api.get("/companies").await.expect_error(401);
    api.auth = Some("Bearer abc".into());
    api.get("/companies").await.expect_error(401);
    api.auth = Some("Basic ".into());
    api.post("/companies", &json!({"name": "x"}))
        .await
        .expect_error(401);
    api.auth = Some("Basic anything".into());
    assert_eq!(api.get("/companies").await.status, 200);
    // The sandbox's own endpoints need none.
    api.auth = None;
    assert_eq!(api.get("/sandbox/health").await.body["status"], "ok");
    assert_eq!(sandbox.stats().unauthorized, 3);
    assert_eq!(api.get("/companies").await.body["statusCode"], 401);

    let strict = common::start(
        Sandbox::builder()
            .api_key("s3cret")
            .auth_header("X-Api-Key", "other-secret"),
    )
    .await;
    let mut api = Api::new(strict.url());
    api.auth = Some("Basic wrong".into());
    api.get("/companies").await.expect_error(401);
    api.auth = Some("Basic s3cret".into());
    assert_eq!(api.get("/companies").await.status, 200);
    api.auth = Some("Basic czNjcmV0".into()); // base64("s3cret")
    assert_eq!(api.get("/companies").await.status, 200);
    let custom = api
        .http
        .get(format!("{}/companies", strict.url()))
        .header("X-Api-Key", "other-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(custom.status(), 200);
}

#[tokio::test]
async fn companies_crud_and_paging() {
    let sandbox = common::start(Sandbox::builder()).await;
    let api = Api::new(sandbox.url());
    let mut ids = Vec::new();
    for i in 0..5 {
        let c: Company = api
            .post("/companies", &json!({"name": format!("Company {i}")}))
            .await
            .as_();
        ids.push(c.id);
    }
    api.post("/companies", &json!({"name": " "}))
        .await
        .expect_error(400);
    api.post("/companies", &json!({})).await.expect_error(400);
    let page: Companies = api.get("/companies?page=2&pageSize=2").await.as_();
    assert_eq!(
        (page.page_number, page.page_size, page.total_results),
        (2, 2, 5)
    );
    assert_eq!(page.results[0].id, ids[2]);
    assert!(page.links.next.is_some() && page.links.previous.is_some());
    let next = page.links.next.unwrap().href.unwrap();
    let third: Companies = api.get(&next).await.as_();
    assert_eq!(third.results.len(), 1);
    assert!(!third.has_next_page());
    let named: Companies = api.get("/companies?query=name%3DCompany%203").await.as_();
    assert_eq!(named.results.len(), 1);

    let id = &ids[0];
    let replaced: Company = api
        .put(
            &format!("/companies/{id}"),
            &json!({"name": "Renamed", "tags": {"region": "uk"}}),
        )
        .await
        .as_();
    assert_eq!(
        (replaced.name.as_str(), replaced.tag("region")),
        ("Renamed", Some("uk"))
    );
    let patched: Company = api
        .patch(
            &format!("/companies/{id}"),
            &json!({"description": "after"}),
        )
        .await
        .as_();
    assert_eq!(patched.name, "Renamed");
    assert_eq!(patched.description.as_deref(), Some("after"));
    assert_eq!(api.delete(&format!("/companies/{id}")).await.status, 204);
    api.get(&format!("/companies/{id}")).await.expect_error(404);
    api.delete(&format!("/companies/{id}"))
        .await
        .expect_error(404);
}

#[tokio::test]
async fn connections_unlink_delete_otp_and_credentials() {
    let sandbox = common::start(Sandbox::builder().otp_validity(Duration::from_millis(1500))).await;
    let api = Api::new(sandbox.url());
    let c: Company = api.post("/companies", &json!({"name": "Toft"})).await.as_();
    let conns = format!("/companies/{}/connections", c.id);
    api.post(&conns, &json!({})).await.expect_error(400);
    api.post(&conns, &json!({"platformKey": "XERO"}))
        .await
        .expect_error(400);
    let conn: Connection = api
        .post(&conns, &json!({"platformKey": "gbol"}))
        .await
        .as_();
    let first_otp = conn.link_otp().unwrap().to_owned();
    let link = format!("/sandbox/companies/{}/connections/{}/link", c.id, conn.id);

    // The link's password expires; getting the connection again gives a fresh link.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    api.post(&link, &json!({"otp": first_otp}))
        .await
        .expect_error(401);
    let path = conn.link_url.trim_start_matches(sandbox.url()).to_owned();
    api.get(&path).await.expect_error(401);
    let again: Connection = api.get(&format!("{conns}/{}", conn.id)).await.as_();
    let fresh = again.link_otp().unwrap().to_owned();
    assert_ne!(fresh, first_otp);
    let linked: Connection = api.post(&link, &json!({"otp": fresh})).await.as_();
    assert!(linked.is_linked());

    let otp: bankfeeds::model::GenerateOtpResponse = api
        .post_empty(&format!("{conns}/{}/bankFeeds/otp", conn.id))
        .await
        .as_();
    assert_eq!(otp.otp.len(), 6);
    let creds: bankfeeds::model::BankAccountCredentials = api
        .post_empty(&format!(
            "{conns}/{}/connectionInfo/bankFeedAccounts/credentials",
            conn.id
        ))
        .await
        .as_();
    assert!(creds.username.is_some() && creds.password.is_some());
    let gone = api
        .delete(&format!(
            "{conns}/{}/connectionInfo/bankFeedAccounts/credentials",
            conn.id
        ))
        .await;
    assert_eq!(gone.status, 204);
    let info: bankfeeds::model::CompanyInformation = api
        .get(&format!("{conns}/{}/bankFeeds/info", conn.id))
        .await
        .as_();
    assert_eq!(info.company_name.as_deref(), Some("Toft"));

    api.patch(
        &format!("{conns}/{}", conn.id),
        &json!({"status": "Linked"}),
    )
    .await
    .expect_error(400);
    let unlinked: Connection = api
        .patch(
            &format!("{conns}/{}", conn.id),
            &json!({"status": "Unlinked"}),
        )
        .await
        .as_();
    assert_eq!(unlinked.status, ConnectionStatus::Unlinked);
    api.post_empty(&link).await.expect_error(400);
    assert_eq!(
        api.delete(&format!("{conns}/{}", conn.id)).await.status,
        200
    );
    api.get(&format!("{conns}/{}", conn.id))
        .await
        .expect_error(404);
}

#[tokio::test]
async fn accounts_batch_update_delete_and_api_mapping() {
    let sandbox = common::start(Sandbox::builder()).await;
    let api = Api::new(sandbox.url());
    let acc = linked_account(&api, "gbol", gbp_account("a1"), None).await;
    let accounts = format!("{}/connectionInfo/bankFeedAccounts", acc.conn_path());

    // Batch: all new (201), all existing (409), a mix (207).
    let v2 = |id: &str| {
        json!({"id": id, "accountName": "Savings", "accountType": "savings",
        "accountNumber": "87654321", "sortCode": "401276", "currency": "GBP", "balance": 10.50})
    };
    let all_new = api
        .post(&format!("{accounts}/batch"), &json!([v2("b1"), v2("b2")]))
        .await;
    assert_eq!(all_new.status, 201, "{:#}", all_new.body);
    let items: Vec<bankfeeds::model::SourceAccountBatchItem> = all_new.as_();
    assert!(items.iter().all(|i| i.is_created()));
    let again = api
        .post(&format!("{accounts}/batch"), &json!([v2("b1")]))
        .await;
    assert_eq!(again.status, 409);
    let items: Vec<bankfeeds::model::SourceAccountBatchItem> = again.as_();
    assert_eq!(items[0].status_code(), Some(409));
    let mixed = api
        .post(
            &format!("{accounts}/batch"),
            &json!([v2("b3"), v2("b1"), {"id": "b4", "accountName": "n", "accountType": "checking",
                     "accountNumber": "1", "currency": "GBP", "balance": 0}]),
        )
        .await;
    assert_eq!(mixed.status, 207);
    let items: Vec<bankfeeds::model::SourceAccountBatchItem> = mixed.as_();
    let codes: Vec<_> = items.iter().map(|i| i.status_code()).collect();
    assert_eq!(codes, [Some(201), Some(409), Some(400)]);
    api.post(&accounts, &gbp_account("a1"))
        .await
        .expect_error(400);

    // Update: name and balance while not connected; status only to disconnected.
    let renamed: AnySourceAccount = api
        .patch(
            &format!("{accounts}/b1"),
            &json!({"id": "b1", "accountName": "Rainy day", "balance": 20.25}),
        )
        .await
        .as_();
    assert_eq!(renamed.account_name(), Some("Rainy day"));
    assert_eq!(renamed.balance().unwrap().to_string(), "20.25");
    api.patch(&format!("{accounts}/b1"), &json!({"status": "connected"}))
        .await
        .expect_error(400);
    api.patch(&format!("{accounts}/b1"), &json!({"currency": "EUR"}))
        .await
        .expect_error(400);
    assert_eq!(api.delete(&format!("{accounts}/b2")).await.status, 204);
    api.delete(&format!("{accounts}/b2"))
        .await
        .expect_error(404);

    // API mapping (Xero maps through the API): connecting, then connected.
    let mapping_path = format!("{}/bankFeedAccounts/mapping", acc.conn_path());
    let options: Vec<bankfeeds::model::BankFeedMapping> = api.get(&mapping_path).await.as_();
    assert_eq!(options.len(), 3);
    let target = options[0].options()[0].id.clone().unwrap();
    let answer: bankfeeds::model::BankFeedAccountMappingResponse = api
        .post(
            &mapping_path,
            &json!({"sourceAccountId": "a1", "targetAccountId": target, "feedStartDate": "2024-02-01T00:00:00Z"}),
        )
        .await
        .as_();
    assert!(!answer.is_failed());
    let taken: bankfeeds::model::BankFeedAccountMappingResponse = api
        .post(
            &mapping_path,
            &json!({"sourceAccountId": "b1", "targetAccountId": target}),
        )
        .await
        .as_();
    assert!(taken.is_failed());
    let after: Vec<bankfeeds::model::BankFeedMapping> = api.get(&mapping_path).await.as_();
    let a1 = after
        .iter()
        .find(|m| m.source_account_id.as_deref() == Some("a1"))
        .unwrap();
    assert!(a1.is_mapped());
    assert_eq!(a1.status.as_deref(), Some("connected"));
    let vc = api
        .post(
            &format!("{}/map", acc.sandbox_path().replace("/a1", "/b3")),
            &json!({}),
        )
        .await;
    assert_eq!(vc.body["status"], "connected", "{:#}", vc.body);
    let listed: SourceAccounts = api.get(&accounts).await.as_();
    assert!(
        listed
            .iter()
            .find(|a| a.id() == "a1")
            .unwrap()
            .is_connected()
    );
    api.patch(&format!("{accounts}/a1"), &json!({"balance": 1}))
        .await
        .expect_error(400);
    let off: AnySourceAccount = api
        .patch(
            &format!("{accounts}/a1"),
            &json!({"status": "disconnected"}),
        )
        .await
        .as_();
    assert_eq!(off.status(), Some(&SourceAccountStatus::Disconnected));

    // QuickBooks Online maps inside QuickBooks, not through the API.
    let qbo = linked_account(&api, "hcws", gbp_account("q1"), None).await;
    api.post(
        &format!("{}/bankFeedAccounts/mapping", qbo.conn_path()),
        &json!({"sourceAccountId": "q1"}),
    )
    .await
    .expect_error(400);
}

#[test]
fn blocking_sandbox_for_synchronous_callers() {
    use std::io::{Read, Write};
    let sandbox = Sandbox::builder().start_blocking().unwrap();
    let mut stream = std::net::TcpStream::connect(sandbox.addr()).unwrap();
    stream
        .write_all(b"GET /sandbox/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains(r#""status":"ok""#));
    let url = sandbox.url().to_owned();
    sandbox.shutdown();
    assert!(std::net::TcpStream::connect(url.trim_start_matches("http://")).is_err());
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn finished_pushes_are_counted_without_polling() {
    // Long enough that the push is still pending when the answer is read on a loaded machine.
    let sandbox = common::start(
        Sandbox::builder()
            .push_delay(Duration::from_millis(800))
            .today(day(2024, 6, 1)),
    )
    .await;
    let api = Api::new(sandbox.url());
    let acc = linked_account(&api, "zzzz", gbp_account("s1"), Some("2024-01-01")).await;
    let body = json!({"accountId": "s1", "transactions": transactions("s", "2024-05-10", 4, 0)});
    assert_eq!(api.post(&acc.push_path(), &body).await.status, 200);
    assert_eq!(sandbox.stats().pushes_succeeded, 0);
    // Nobody reads the operation: it must end, and be counted, by itself.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sandbox.stats().pushes_succeeded == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = sandbox.stats();
    assert_eq!((stats.pushes_succeeded, stats.transactions_stored), (1, 4));
    let stored = sandbox
        .stored_transactions(&acc.company, &acc.connection, "s1")
        .unwrap();
    assert_eq!(stored.len(), 4);
    let missing = sandbox.stored_transactions(&acc.company, &acc.connection, "nope");
    assert_eq!(missing.unwrap_err().status, 404);
}

#[tokio::test]
async fn legacy_push_data_puts_each_push_s_data_back_in_the_history() {
    let sandbox = common::start(
        Sandbox::builder()
            .push_data_in_history(true)
            .push_delay(Duration::from_millis(10))
            .today(day(2024, 6, 1)),
    )
    .await;
    let api = Api::new(sandbox.url());
    let acc = linked_account(&api, "gbol", gbp_account("acc-1"), Some("2024-01-01")).await;
    let body =
        json!({"accountId": "acc-1", "transactions": transactions("t", "2024-05-10", 3, 100)});
    let pushed: CreateBankTransactionsResponse = api.post(&acc.push_path(), &body).await.as_();
    let done: CreateBankTransactionsResponse = typed(
        &api.wait_final(&acc.company, &pushed.push_operation_key)
            .await,
    );
    assert_eq!(done.status, PushOperationStatus::Success);
    let data = done.data.expect("legacy history carries data");
    assert_eq!(data.account_id, "acc-1");
    assert_eq!(data.transactions.len(), 3);
    assert_eq!(data.transactions[0].reconciled, Some(false));
    let list: Page<PushOperationWithData<CreateBankTransactions>> = api
        .get(&format!("/companies/{}/push", acc.company))
        .await
        .as_();
    assert_eq!(list.results[0].data.as_ref().unwrap().transactions.len(), 3);
    // A bank account push carries the account, once created with its id.
    let created = api
        .post(
            &format!("{}/push/bankAccounts", acc.conn_path()),
            &json!({"accountName": "Feed", "currency": "GBP"}),
        )
        .await;
    let key = created.body["pushOperationKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = api.wait_final(&acc.company, &key).await;
    assert_eq!(done["status"], "Success");
    assert_eq!(done["data"]["accountName"], "Feed");
    assert_eq!(done["data"]["id"], done["changes"][0]["recordRef"]["id"]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn ignore_order_by_lists_oldest_first_whatever_the_order_asked() {
    for ignore in [false, true] {
        let sandbox = common::start(
            Sandbox::builder()
                .ignore_order_by(ignore)
                .push_delay(Duration::from_millis(10))
                .today(day(2024, 6, 1)),
        )
        .await;
        let api = Api::new(sandbox.url());
        let acc = linked_account(&api, "zzzz", gbp_account("acc-1"), Some("2024-01-01")).await;
        let mut keys = Vec::new();
        for (i, day) in ["2024-05-10", "2024-05-11", "2024-05-12"]
            .into_iter()
            .enumerate()
        {
            let body = json!({"accountId": "acc-1",
                              "transactions": transactions(&format!("t{i}"), day, 1, 100)});
            let op = api.post(&acc.push_path(), &body).await;
            keys.push(op.body["pushOperationKey"].as_str().unwrap().to_owned());
            // Distinct request times.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let page: Page<PushOperation> = api
            .get(&format!(
                "/companies/{}/push?orderBy=-requestedOnUtc",
                acc.company
            ))
            .await
            .as_();
        let listed: Vec<&str> = page
            .results
            .iter()
            .map(|o| o.push_operation_key.as_str())
            .collect();
        let mut expected: Vec<&str> = keys.iter().map(String::as_str).collect();
        if !ignore {
            expected.reverse();
        }
        assert_eq!(listed, expected, "ignore_order_by({ignore})");
        // The order asked for is still echoed in the links, and still checked.
        assert!(
            page.links
                .current
                .href
                .unwrap()
                .contains("orderBy=-requestedOnUtc")
        );
        api.get(&format!("/companies/{}/push?orderBy=nope", acc.company))
            .await
            .expect_error(400);
        sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn bank_accounts_models_and_syncs_refuse_what_codat_refuses() {
    let sandbox = common::start(
        Sandbox::builder()
            // Long enough for the sync below to be still running when it is asked again.
            .push_delay(Duration::from_secs(30))
            .today(day(2024, 6, 1)),
    )
    .await;
    let api = Api::new(sandbox.url());
    let c: Company = api.post("/companies", &json!({"name": "Toft"})).await.as_();
    let conn: Connection = api
        .post(
            &format!("/companies/{}/connections", c.id),
            &json!({"platformKey": "fbrh"}),
        )
        .await
        .as_();
    let base = format!("/companies/{}/connections/{}", c.id, conn.id);
    // Nothing has been synced before the customer links: 409, as for any data read.
    let e = api
        .get(&format!("{base}/data/bankAccounts"))
        .await
        .expect_error(409);
    assert!(e.error.unwrap().contains("not been linked"));
    api.post(
        &format!("{base}/push/bankAccounts"),
        &json!({"accountName": "x", "currency": "GBP"}),
    )
    .await
    .expect_error(400);
    // The models need no link: FreeAgent wants a name and a currency.
    let model: bankfeeds::model::PushOption =
        api.get(&format!("{base}/options/bankAccounts")).await.as_();
    let mut required: Vec<&str> = model.required_properties().collect();
    required.sort_unstable();
    assert_eq!(required, ["accountName", "currency"]);

    api.post_empty(&format!("/sandbox{base}/link")).await;
    api.post(
        &format!("{base}/connectionInfo/bankFeedAccounts"),
        &gbp_account("acc-1"),
    )
    .await;
    let page = api
        .get(&format!(
            "{base}/data/bankAccounts?pageSize=2&orderBy=-accountName"
        ))
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body["totalResults"], 3);
    assert_eq!(
        page.body["results"][0]["accountName"],
        "Company Credit Card"
    );
    assert!(page.body["_links"]["next"]["href"].is_string());
    api.post(
        &format!("{base}/push/bankAccounts?timeoutInMinutes=soon"),
        &json!({"accountName": "x", "currency": "GBP"}),
    )
    .await
    .expect_error(400);
    // FreeAgent's transactions model: the type decides the direction.
    let tx_model = api
        .get(&format!(
            "{base}/options/bankAccounts/acc-1/bankTransactions"
        ))
        .await;
    assert_eq!(tx_model.status, 200);
    assert!(
        tx_model
            .body
            .to_string()
            .contains("takes the direction from the type")
    );
    api.get(&format!(
        "{base}/options/bankAccounts/nope/bankTransactions"
    ))
    .await
    .expect_error(404);

    // Syncs: the account must exist (404) and be connected (400); no sync yet is a bare 204.
    let syncs = format!("{base}/bankFeedAccounts/acc-1/managedBankFeeds/syncs");
    let none = api.get(&format!("{syncs}/latest")).await;
    assert_eq!(none.status, 204);
    assert!(none.headers.get("content-type").is_none());
    assert_eq!(none.body, serde_json::Value::Null);
    let e = api.post_empty(&syncs).await.expect_error(400);
    assert!(e.error.unwrap().contains("pending"));
    api.post_empty(&syncs.replace("acc-1", "nope"))
        .await
        .expect_error(404);
    api.post(
        &format!("/sandbox{base}/bankFeedAccounts/acc-1/map"),
        &json!({"feedStartDate": "2024-05-01"}),
    )
    .await;
    let started = api.post_empty(&syncs).await;
    assert_eq!(started.status, 201, "{:#}", started.body);
    let id = started.body["syncId"].as_str().unwrap().to_owned();
    assert!(uuid_like(&id));
    // The feed start date was given as a plain date; the sync's period is a full date-time.
    let sync = api.get(&format!("{syncs}/{id}")).await;
    assert_eq!(sync.status, 200, "{:#}", sync.body);
    assert_eq!(sync.body["periodStartUtc"], "2024-05-01T00:00:00Z");
    api.post_empty(&syncs).await.expect_error(409);
    // Another account's sync is not this one's.
    api.post(
        &format!("{base}/connectionInfo/bankFeedAccounts"),
        &gbp_account("acc-2"),
    )
    .await;
    api.get(&format!(
        "{base}/bankFeedAccounts/acc-2/managedBankFeeds/syncs/{id}"
    ))
    .await
    .expect_error(404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn company_access_tokens_differ_and_need_a_company() {
    let sandbox = common::start(Sandbox::builder()).await;
    let api = Api::new(sandbox.url());
    let c: Company = api.post("/companies", &json!({"name": "Toft"})).await.as_();
    let first: bankfeeds::model::CompanyAccessToken = api
        .get(&format!("/companies/{}/accessToken", c.id))
        .await
        .as_();
    let second: bankfeeds::model::CompanyAccessToken = api
        .get(&format!("/companies/{}/accessToken", c.id))
        .await
        .as_();
    assert_ne!(first.access_token, second.access_token);
    assert_eq!(first.expires_in, 86_400);
    api.get("/companies/00000000-0000-0000-0000-000000000000/accessToken")
        .await
        .expect_error(404);
    sandbox.shutdown().await;
}
