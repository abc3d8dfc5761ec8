//! The Codat Bank Feeds endpoints: paths, methods, bodies and status codes as
//! `Codat-Bank-Feeds.json` gives them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bankfeeds::model::{
    BankAccountPrototype, BatchCreateSourceAccounts, CreateBankTransactions, CreateSourceAccount,
    UpdateConnection,
};
use serde::Serialize;
use serde_json::Value;

use crate::error::{ApiError, json, parse_body};
use crate::query::ListParams;
use crate::store::{AccountUpdate, BANK_ACCOUNT_PROPERTIES, Store};
use crate::{Shared, State as Inner};

type Result<T = Response> = std::result::Result<T, ApiError>;

/// Marks a push that a fault plan wants to end `TimedOut`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeOutPush;

const COMPANY_PROPERTIES: &[&str] = &[
    "id",
    "name",
    "description",
    "redirect",
    "lastSync",
    "created",
    "createdByUserName",
    "products",
    "tags",
];
const CONNECTION_PROPERTIES: &[&str] = &[
    "id",
    "integrationId",
    "integrationKey",
    "sourceId",
    "sourceType",
    "platformName",
    "linkUrl",
    "status",
    "lastSync",
    "created",
];

/// Runs `f` on the settled store, under the lock.
pub(crate) fn with_store<T>(shared: &Shared, f: impl FnOnce(&mut Store, &Shared) -> T) -> T {
    let mut state = shared.lock();
    let Inner { store, stats, .. } = &mut *state;
    store.settle(Instant::now(), &shared.settings, stats);
    f(store, shared)
}

/// The query string's parameters (form decoding never fails: a malformed escape is kept as
/// written, and the parameter's own check then refuses it).
fn params(raw: Option<String>) -> HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Runs a handler's work; an error it answers keeps the request's body for the spec check (see
/// [`crate::error::RefusedRequest`]).
fn refusing(body: &Bytes, work: impl FnOnce() -> Result) -> Result {
    work().map_err(|e| e.refusing(body))
}

/// `timeoutInMinutes`, when given: a whole number.
fn timeout_in_minutes(q: &HashMap<String, String>) -> Result<Option<i32>> {
    match q.get("timeoutInMinutes") {
        None => Ok(None),
        Some(t) => t.trim().parse::<i32>().map(Some).map_err(|_| {
            ApiError::bad_request(format!(
                "timeoutInMinutes must be a whole number, not `{t}`"
            ))
        }),
    }
}

fn ok<T: Serialize>(value: &T) -> Response {
    json(StatusCode::OK, value)
}

/// The Codat API routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    let c = "/companies/{companyId}";
    let conn = "/companies/{companyId}/connections/{connectionId}";
    Router::new()
        .route("/companies", post(create_company).get(list_companies))
        .route(
            c,
            get(get_company)
                .put(replace_company)
                .patch(update_company)
                .delete(delete_company),
        )
        .route(
            &format!("{c}/connections"),
            post(create_connection).get(list_connections),
        )
        .route(
            conn,
            get(get_connection)
                .patch(unlink_connection)
                .delete(delete_connection),
        )
        .route(
            &format!("{conn}/connectionInfo/bankFeedAccounts"),
            post(create_account).get(list_accounts),
        )
        .route(
            &format!("{conn}/connectionInfo/bankFeedAccounts/batch"),
            post(create_accounts),
        )
        .route(
            &format!("{conn}/connectionInfo/bankFeedAccounts/credentials"),
            post(create_credentials).delete(delete_credentials),
        )
        .route(
            &format!("{conn}/connectionInfo/bankFeedAccounts/{{accountId}}"),
            axum::routing::patch(update_account).delete(delete_account),
        )
        .route(
            &format!("{conn}/bankFeedAccounts/mapping"),
            get(get_mappings).post(create_mapping),
        )
        .route(&format!("{conn}/bankFeeds/info"), get(company_information))
        .route(&format!("{conn}/bankFeeds/otp"), post(generate_otp))
        .route(
            &format!("{conn}/push/bankAccounts/{{accountId}}/bankTransactions"),
            post(push_transactions),
        )
        .route(&format!("{c}/accessToken"), get(company_access_token))
        .route(
            &format!("{conn}/data/bankAccounts"),
            get(list_bank_accounts),
        )
        .route(
            &format!("{conn}/options/bankAccounts"),
            get(bank_account_model),
        )
        .route(
            &format!("{conn}/push/bankAccounts"),
            post(create_bank_account),
        )
        .route(
            &format!("{conn}/options/bankAccounts/{{accountId}}/bankTransactions"),
            get(bank_transactions_model),
        )
        .route(
            &format!("{conn}/bankFeedAccounts/{{sourceAccountId}}/managedBankFeeds/syncs"),
            post(run_sync),
        )
        .route(
            &format!("{conn}/bankFeedAccounts/{{sourceAccountId}}/managedBankFeeds/syncs/latest"),
            get(latest_sync),
        )
        .route(
            &format!(
                "{conn}/bankFeedAccounts/{{sourceAccountId}}/managedBankFeeds/syncs/{{syncId}}"
            ),
            get(get_sync),
        )
        .route(&format!("{c}/push"), get(list_push_operations))
        .route(
            &format!("{c}/push/{{pushOperationKey}}"),
            get(get_push_operation),
        )
        .route(
            "/link/companies/{companyId}/connections/{connectionId}/start",
            get(link_page),
        )
        .route("/link/company/{companyId}", get(company_link_page))
}

// ---- companies ---------------------------------------------------------------------------

async fn create_company(State(s): State<Arc<Shared>>, body: Bytes) -> Result {
    refusing(&body, || {
        let body = parse_body(&body)?;
        with_store(&s, |st, sh| st.create_company(body, &sh.settings)).map(|c| ok(&c))
    })
}

async fn list_companies(State(s): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Result {
    let params = ListParams::from_params(&params(q))?.ignoring_order(s.settings.ignore_order_by);
    let items = with_store(&s, |st, _| st.companies());
    let page = params.apply(items, "/companies", COMPANY_PROPERTIES, "Company")?;
    Ok(ok(&page))
}

async fn get_company(State(s): State<Arc<Shared>>, Path(c): Path<String>) -> Result {
    with_store(&s, |st, _| st.company(&c)).map(|c| ok(&c))
}

async fn replace_company(
    State(s): State<Arc<Shared>>,
    Path(c): Path<String>,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let body = parse_body(&body)?;
        with_store(&s, |st, _| st.replace_company(&c, body)).map(|c| ok(&c))
    })
}

async fn update_company(
    State(s): State<Arc<Shared>>,
    Path(c): Path<String>,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let body = parse_body(&body)?;
        with_store(&s, |st, _| st.update_company(&c, body)).map(|c| ok(&c))
    })
}

async fn delete_company(State(s): State<Arc<Shared>>, Path(c): Path<String>) -> Result {
    with_store(&s, |st, _| st.delete_company(&c))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- connections -------------------------------------------------------------------------

async fn create_connection(
    State(s): State<Arc<Shared>>,
    Path(c): Path<String>,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let body = parse_body(&body)?;
        with_store(&s, |st, sh| st.create_connection(&c, body, &sh.settings)).map(|c| ok(&c))
    })
}

async fn list_connections(
    State(s): State<Arc<Shared>>,
    Path(c): Path<String>,
    RawQuery(q): RawQuery,
) -> Result {
    let params = ListParams::from_params(&params(q))?.ignoring_order(s.settings.ignore_order_by);
    let items = with_store(&s, |st, sh| st.connections(&c, &sh.settings))?;
    let base = format!("/companies/{c}/connections");
    let page = params.apply(items, &base, CONNECTION_PROPERTIES, "Connection")?;
    Ok(ok(&page))
}

async fn get_connection(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, sh| st.connection(&c, &conn, &sh.settings)).map(|c| ok(&c))
}

async fn unlink_connection(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let body: UpdateConnection = parse_body(&body)?;
        with_store(&s, |st, _| st.unlink_connection(&c, &conn, body.status)).map(|c| ok(&c))
    })
}

async fn delete_connection(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, _| st.delete_connection(&c, &conn))?;
    Ok(StatusCode::OK.into_response())
}

/// The sandbox's stand-in for Codat Link: checks the one-time password like the real page
/// (401 once it has expired) and says how to complete the link.
async fn link_page(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result {
    let otp = params(q).remove("otp").unwrap_or_default();
    let connection = with_store(&s, |st, _| {
        st.connection_rec(&c, &conn)
            .map(|r| (r.connection.clone(), r.otp_valid(&otp)))
    })?;
    let (connection, valid) = connection;
    if !valid {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "This link has expired: get the connection again for a fresh link URL.",
        ));
    }
    let text = format!(
        "bankfeeds sandbox: Codat Link for {} (connection {}, status {}).\n\
         The customer would sign in to {} here. To complete the link, send:\n\
         POST {}/sandbox/companies/{c}/connections/{conn}/link\n",
        connection.platform_name,
        connection.id,
        connection.status,
        connection.platform_name,
        s.settings.base_url
    );
    Ok(text.into_response())
}

/// The company's `redirect`: where the customer would pick the software to connect; lists the
/// company's connections and their link URLs.
async fn company_link_page(State(s): State<Arc<Shared>>, Path(c): Path<String>) -> Result {
    let company = with_store(&s, |st, _| st.company(&c))?;
    let mut text = format!(
        "bankfeeds sandbox: Codat Link for {} ({}).\n",
        company.name, company.id
    );
    if company.connections().is_empty() {
        text.push_str(
            "No connections yet: create one with POST /companies/{companyId}/connections.\n",
        );
    }
    for c in company.connections() {
        text.push_str(&format!(
            "- {} ({}): {}\n",
            c.platform_name,
            c.status,
            c.link_url().unwrap_or("nothing to authorise")
        ));
    }
    Ok(text.into_response())
}

// ---- source accounts ---------------------------------------------------------------------

async fn create_account(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let body: CreateSourceAccount = parse_body(&body)?;
        let created = with_store(&s, |st, _| st.create_account(&c, &conn, body));
        match created {
            Ok(account) => Ok(ok(&account)),
            // A single create answers 400 for a repeated id; only the batch has 409.
            Err(e) if e.status == StatusCode::CONFLICT => Err(ApiError {
                status: StatusCode::BAD_REQUEST,
                ..e
            }),
            Err(e) => Err(e),
        }
    })
}

async fn create_accounts(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let body: BatchCreateSourceAccounts = parse_body(&body)?;
        let bodies: Vec<CreateSourceAccount> = match body {
            BatchCreateSourceAccounts::V1(a) => a.into_iter().map(Into::into).collect(),
            BatchCreateSourceAccounts::V2(a) => a.into_iter().map(Into::into).collect(),
        };
        if bodies.is_empty() {
            return Err(ApiError::bad_request(
                "The batch must hold at least one source account.",
            ));
        }
        let outcomes = with_store(&s, |st, _| st.create_accounts(&c, &conn, bodies))?;
        let created = outcomes.iter().filter(|(_, r)| r.is_ok()).count();
        let items: Vec<Value> = outcomes
            .into_iter()
            .map(|(id, result)| match result {
                Ok(account) => serde_json::json!({
                    "sourceAccountId": id,
                    "result": { "statusCode": 201, "account": account },
                }),
                Err(e) => serde_json::json!({
                    "sourceAccountId": id,
                    "result": { "statusCode": e.status.as_u16().to_string(), "error": e.message },
                }),
            })
            .collect();
        let status = if created == items.len() {
            StatusCode::CREATED
        } else if created == 0 {
            StatusCode::CONFLICT
        } else {
            StatusCode::MULTI_STATUS
        };
        Ok(json(status, &items))
    })
}

async fn list_accounts(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, _| st.accounts(&c, &conn)).map(|a| ok(&a))
}

async fn update_account(
    State(s): State<Arc<Shared>>,
    Path((c, conn, account)): Path<(String, String, String)>,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let raw: Value = parse_body(&body)?;
        if let Some(id) = raw.get("id").and_then(Value::as_str)
            && id != account
        {
            return Err(ApiError::bad_request(format!(
                "The body's id `{id}` is not the account in the path (`{account}`)."
            )));
        }
        let update: AccountUpdate = parse_body(&body)?;
        let updated = with_store(&s, |st, _| {
            // Fields other than the three updatable ones may be sent back unchanged, not changed.
            let current = serde_json::to_value(&st.account_rec(&c, &conn, &account)?.account)
                .unwrap_or_default();
            if let Some(map) = raw.as_object() {
                for (key, value) in map {
                    let updatable =
                        matches!(key.as_str(), "id" | "accountName" | "status" | "balance");
                    if !updatable && !value.is_null() && current.get(key) != Some(value) {
                        return Err(ApiError::bad_request(format!(
                            "{key} cannot be updated: only accountName, status and balance can."
                        )));
                    }
                }
            }
            st.update_account(&c, &conn, &account, update)
        })?;
        Ok(ok(&updated))
    })
}

async fn delete_account(
    State(s): State<Arc<Shared>>,
    Path((c, conn, account)): Path<(String, String, String)>,
) -> Result {
    with_store(&s, |st, _| st.delete_account(&c, &conn, &account))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn create_credentials(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, _| st.generate_credentials(&c, &conn)).map(|x| ok(&x))
}

async fn delete_credentials(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, _| st.delete_credentials(&c, &conn))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- mapping, information, one-time passwords ----------------------------------------------

async fn get_mappings(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, _| st.mappings(&c, &conn)).map(|m| ok(&m))
}

async fn create_mapping(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let body = parse_body(&body)?;
        with_store(&s, |st, sh| {
            st.create_mapping(&c, &conn, body, &sh.settings)
        })
        .map(|m| ok(&m))
    })
}

async fn company_information(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, _| st.company_information(&c, &conn)).map(|i| ok(&i))
}

async fn generate_otp(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, sh| st.generate_otp(&c, &conn, &sh.settings)).map(|o| ok(&o))
}

// ---- pushes --------------------------------------------------------------------------------

async fn push_transactions(
    State(s): State<Arc<Shared>>,
    Path((c, conn, account)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
    extensions: Extensions,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let q = params(q);
        let timeout = timeout_in_minutes(&q)?;
        if let Some(flag) = q.get("allowSyncOnPushComplete")
            && !matches!(flag.to_ascii_lowercase().as_str(), "true" | "false")
        {
            return Err(ApiError::bad_request(format!(
                "allowSyncOnPushComplete must be true or false, not `{flag}`"
            )));
        }
        // Count before typing, so an oversized push is refused for its size, not a later field.
        let raw: Value = parse_body(&body)?;
        let max = CreateBankTransactions::MAX_TRANSACTIONS;
        if let Some(list) = raw.get("transactions").and_then(Value::as_array)
            && list.len() > max
        {
            return Err(ApiError::bad_request(format!(
                "A push carries at most {max} transactions; this one has {}.",
                list.len()
            )));
        }
        drop(raw);
        // Typed from the bytes, not from the `Value`: amounts keep every digit as sent.
        let body: CreateBankTransactions = parse_body(&body)?;
        let time_out = extensions.get::<TimeOutPush>().is_some();
        let op = with_store(&s, |st, sh| {
            st.push((&c, &conn, &account), body, timeout, time_out, &sh.settings)
        })?;
        s.lock().stats.pushes_accepted += 1;
        Ok(ok(&op))
    })
}

async fn get_push_operation(
    State(s): State<Arc<Shared>>,
    Path((c, key)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, sh| st.push_operation(&c, &key, &sh.settings)).map(|o| ok(&o))
}

async fn list_push_operations(
    State(s): State<Arc<Shared>>,
    Path(c): Path<String>,
    RawQuery(q): RawQuery,
) -> Result {
    let params = ListParams::from_params(&params(q))?.ignoring_order(s.settings.ignore_order_by);
    with_store(&s, |st, sh| st.push_operations(&c, &params, &sh.settings)).map(|p| ok(&p))
}

// ---- companies' access tokens, the platform's bank accounts, push models ---------------------

async fn company_access_token(State(s): State<Arc<Shared>>, Path(c): Path<String>) -> Result {
    with_store(&s, |st, _| st.company_access_token(&c)).map(|t| ok(&t))
}

async fn list_bank_accounts(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result {
    let params = ListParams::from_params(&params(q))?.ignoring_order(s.settings.ignore_order_by);
    let items = with_store(&s, |st, _| st.bank_accounts(&c, &conn))?;
    let base = format!("/companies/{c}/connections/{conn}/data/bankAccounts");
    let page = params.apply(items, &base, BANK_ACCOUNT_PROPERTIES, "BankAccount")?;
    Ok(ok(&page))
}

async fn bank_account_model(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
) -> Result {
    with_store(&s, |st, _| st.bank_account_model(&c, &conn)).map(|m| ok(&m))
}

async fn create_bank_account(
    State(s): State<Arc<Shared>>,
    Path((c, conn)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result {
    refusing(&body, || {
        let timeout = timeout_in_minutes(&params(q))?;
        let body: BankAccountPrototype = parse_body(&body)?;
        with_store(&s, |st, sh| {
            st.create_bank_account(&c, &conn, body, timeout, &sh.settings)
        })
        .map(|op| ok(&op))
    })
}

async fn bank_transactions_model(
    State(s): State<Arc<Shared>>,
    Path((c, conn, account)): Path<(String, String, String)>,
) -> Result {
    with_store(&s, |st, _| st.bank_transactions_model(&c, &conn, &account)).map(|m| ok(&m))
}

// ---- managed bank feeds ----------------------------------------------------------------------

async fn run_sync(
    State(s): State<Arc<Shared>>,
    Path((c, conn, account)): Path<(String, String, String)>,
) -> Result {
    with_store(&s, |st, sh| st.run_sync(&c, &conn, &account, &sh.settings))
        .map(|r| json(StatusCode::CREATED, &r))
}

async fn latest_sync(
    State(s): State<Arc<Shared>>,
    Path((c, conn, account)): Path<(String, String, String)>,
) -> Result {
    match with_store(&s, |st, _| st.latest_sync(&c, &conn, &account))? {
        Some(sync) => Ok(ok(&sync)),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn get_sync(
    State(s): State<Arc<Shared>>,
    Path((c, conn, account, sync)): Path<(String, String, String, String)>,
) -> Result {
    with_store(&s, |st, _| st.sync(&c, &conn, &account, &sync)).map(|r| ok(&r))
}
