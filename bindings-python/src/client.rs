//! `bankfeeds.Client`: the core's async Codat client behind synchronous methods. The client owns
//! a tokio runtime; each method blocks on it with the GIL released, so Python threads run
//! requests and pushes in parallel. Answers are `bankfeeds.models` models (see `models.rs`),
//! request bodies a model or a dict (see `pyser.rs`); the high-level
//! `push_transactions` takes rows as every batch function does and returns a `PushReport`.

use std::future::Future;
use std::time::Duration;

use bankfeeds::client::{
    AccountPush, Client, ClientBuilder, Error, ListQuery, PushAllOptions, PushBatchOptions,
    PushInput, PushOptions, PushParams, RetryPolicy, WaitOptions,
};
use bankfeeds::ingest::InputFormat;
use bankfeeds::model::{
    BankAccountPrototype, BankFeedAccountMapping, BatchCreateSourceAccounts, CompanyRequestBody,
    CompanyUpdateRequest, CreateBankTransactions, CreateConnectionRequestBody, CreateSourceAccount,
    PlatformKey, SourceAccount,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde::Serialize;

use crate::args;
use crate::errors::{BindError, BindResult, config, guard};
use crate::models::{self, PyPages};
use crate::push::{self, PyPushReport, client_error};
use crate::pyser::{from_python, to_python};
use crate::rows::{self, Source};
use crate::transaction::PyPushBody;
use crate::wait;

/// A Codat Bank Feeds client. Every operation of the API is a method; each blocks until Codat
/// answers (retrying as the core's policy says) with the GIL released.
///
/// ```python
/// client = bankfeeds.Client("api-key")                       # production
/// client = bankfeeds.Client("key", base_url=sandbox_url)     # the sandbox, a proxy...
/// report = client.push_transactions(company_id, connection_id, account_id, rows)
/// ```
#[pyclass(module = "bankfeeds", name = "Client", frozen)]
pub struct PyClient {
    client: Client,
    runtime: std::sync::Arc<wait::Runtime>,
}

/// A PEM argument: text holding `-----BEGIN`, bytes, or else a path (`str` or `os.PathLike`).
enum Pem {
    Text(Vec<u8>),
    Path(std::path::PathBuf),
}

fn pem(name: &str, v: &Bound<'_, PyAny>) -> BindResult<Pem> {
    if let Ok(b) = v.cast::<pyo3::types::PyBytes>() {
        return Ok(Pem::Text(b.as_bytes().to_vec()));
    }
    if let Ok(s) = v.extract::<String>() {
        return Ok(if s.contains("-----BEGIN") {
            Pem::Text(s.into_bytes())
        } else {
            Pem::Path(s.into())
        });
    }
    let path = v
        .py()
        .import("os")
        .and_then(|os| os.call_method1("fspath", (v,)))
        .and_then(|p| p.extract::<std::path::PathBuf>())
        .map_err(|_| {
            config(format!(
                "{name} must be PEM text, bytes or a path, not {}",
                v.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| "object".into())
            ))
        })?;
    Ok(Pem::Path(path))
}

/// `ca_certs`: one PEM argument or a list or tuple of them.
fn pems(name: &str, v: &Bound<'_, PyAny>) -> BindResult<Vec<Pem>> {
    if v.is_instance_of::<pyo3::types::PyList>() || v.is_instance_of::<pyo3::types::PyTuple>() {
        let mut out = Vec::new();
        for item in v.try_iter().map_err(|e| config(format!("{name}: {e}")))? {
            let item = item.map_err(|e| config(format!("{name}: {e}")))?;
            out.push(pem(name, &item)?);
        }
        return Ok(out);
    }
    Ok(vec![pem(name, v)?])
}

/// A `RateLimit` as the dict Python sees: `limit`, `remaining`, `reset`.
pub fn rate_limit_dict<'py>(
    py: Python<'py>,
    r: &bankfeeds::client::RateLimit,
) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
    let d = pyo3::types::PyDict::new(py);
    d.set_item("limit", r.limit)?;
    d.set_item("remaining", r.remaining)?;
    d.set_item("reset", r.reset.as_deref())?;
    Ok(d)
}

fn seconds(name: &str, v: Option<f64>) -> BindResult<Option<Duration>> {
    v.map(|s| {
        Duration::try_from_secs_f64(s)
            .map_err(|_| config(format!("{name} must be a number of seconds, not {s}")))
    })
    .transpose()
}

/// `policy` with the bounds given: at most `max_retry_seconds` of retrying, `max_attempts` tries.
fn bounded(
    mut policy: RetryPolicy,
    max_retry_seconds: Option<f64>,
    max_attempts: Option<u32>,
) -> BindResult<RetryPolicy> {
    policy = with(
        policy,
        seconds("max_retry_seconds", max_retry_seconds)?,
        RetryPolicy::with_max_elapsed,
    );
    Ok(with(policy, max_attempts, RetryPolicy::with_max_attempts))
}

/// `ca_certs`: the certificate authorities added to the trust store.
fn with_ca_certs(
    mut b: ClientBuilder,
    ca_certs: Option<Bound<'_, PyAny>>,
) -> BindResult<ClientBuilder> {
    if let Some(cas) = &ca_certs
        && !cas.is_none()
    {
        for ca in pems("ca_certs", cas)? {
            b = match ca {
                Pem::Text(t) => b.add_ca_pem(t),
                Pem::Path(p) => b.add_ca_file(p),
            };
        }
    }
    Ok(b)
}

/// `client_cert` and `client_key`: the mTLS identity, both or neither.
fn with_identity(
    b: ClientBuilder,
    client_cert: Option<Bound<'_, PyAny>>,
    client_key: Option<Bound<'_, PyAny>>,
) -> BindResult<ClientBuilder> {
    let cert = client_cert.filter(|c| !c.is_none());
    let key = client_key.filter(|k| !k.is_none());
    match (cert, key) {
        (None, None) => Ok(b),
        (Some(c), Some(k)) => Ok(match (pem("client_cert", &c)?, pem("client_key", &k)?) {
            (Pem::Path(c), Pem::Path(k)) => b.client_identity_files(c, k),
            (c, k) => {
                let read = |p: Pem, what: &str| match p {
                    Pem::Text(t) => Ok(t),
                    Pem::Path(path) => std::fs::read(&path).map_err(|e| {
                        config(format!("{what}: cannot read {}: {e}", path.display()))
                    }),
                };
                b.client_identity_pem(read(c, "client_cert")?, read(k, "client_key")?)
            }
        }),
        _ => Err(config(
            "client_cert and client_key go together: give both or neither",
        )),
    }
}

/// `on_rate_limit`: called with the rate-limit dict of every answer carrying Codat's headers.
fn with_rate_limit_callback(b: ClientBuilder, callback: Py<PyAny>) -> ClientBuilder {
    b.on_rate_limit(move |r| {
        Python::attach(|py| {
            let outcome = rate_limit_dict(py, r).and_then(|d| callback.call1(py, (d,)));
            if let Err(e) = outcome {
                // The request goes on: the exception is reported, as Python
                // reports one raised in a `__del__`.
                e.write_unraisable(py, None);
            }
        })
    })
}

fn list_query(
    query: Option<String>,
    order_by: Option<String>,
    page_size: Option<u32>,
    tags: Option<String>,
) -> ListQuery {
    let q = with(ListQuery::new(), query, ListQuery::query);
    let q = with(q, order_by, ListQuery::order_by);
    let q = with(q, page_size, ListQuery::page_size);
    with(q, tags, ListQuery::tags)
}

/// `set(builder, v)` when the optional argument `v` is given, else the builder as it is.
fn with<B, T>(builder: B, v: Option<T>, set: impl FnOnce(B, T) -> B) -> B {
    match v {
        Some(v) => set(builder, v),
        None => builder,
    }
}

fn wait_options(poll_interval: Option<f64>, timeout: Option<f64>) -> BindResult<WaitOptions> {
    let mut w = WaitOptions::default();
    if let Some(i) = seconds("poll_interval", poll_interval)? {
        w = WaitOptions::every(i, w.timeout);
    }
    if let Some(t) = seconds("timeout", timeout)? {
        w.timeout = t;
    }
    Ok(w)
}

/// A request body: a `bankfeeds.models` model or a dict (snake_case or camelCase keys).
fn model<T: serde::de::DeserializeOwned>(what: &str, v: &Bound<'_, PyAny>) -> BindResult<T> {
    let wire = models::body(v)?;
    from_python(what, &wire)
}

impl PyClient {
    /// Runs one core call to completion with the GIL released, and converts its answer to
    /// plain Python values.
    fn run<T, F>(&self, py: Python<'_>, make: impl FnOnce(Client) -> F) -> PyResult<Py<PyAny>>
    where
        T: Serialize + Send,
        F: Future<Output = Result<T, Error>> + Send,
    {
        self.answer(py, make, |py, v| to_python(py, v))
    }

    /// Runs one core call as `run` does, for its effect: answers `None`.
    fn run_unit<T, F>(&self, py: Python<'_>, make: impl FnOnce(Client) -> F) -> PyResult<Py<PyAny>>
    where
        T: Send,
        F: Future<Output = Result<T, Error>> + Send,
    {
        self.answer(py, make, |py, _| Ok(py.None()))
    }

    /// Runs one core call as `run` does, and answers model `name` of `bankfeeds.models`.
    fn run_model<T, F>(
        &self,
        py: Python<'_>,
        name: &str,
        make: impl FnOnce(Client) -> F,
    ) -> PyResult<Py<PyAny>>
    where
        T: Serialize + Send,
        F: Future<Output = Result<T, Error>> + Send,
    {
        self.answer(py, make, |py, v| models::to_model(py, name, v))
    }

    fn answer<T, F>(
        &self,
        py: Python<'_>,
        make: impl FnOnce(Client) -> F,
        convert: impl FnOnce(Python<'_>, &T) -> PyResult<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>>
    where
        T: Send,
        F: Future<Output = Result<T, Error>> + Send,
    {
        let answer = wait::block_on(py, &self.runtime, None, make(self.client.clone()))?;
        match answer {
            Ok(v) => convert(py, &v),
            Err(e) => Err(client_error(py, &e, None)),
        }
    }

    /// A paged list as lazy `Pages` of model `name`.
    fn pages<T>(&self, pager: bankfeeds::client::Pager<T>, name: &'static str) -> PyPages
    where
        T: serde::de::DeserializeOwned + Serialize + Clone + Send + Sync + 'static,
    {
        PyPages::new(Box::new(pager), name, self.runtime.clone())
    }
}

/// The `#[pymethods]` of `Client` (one block: PyO3 reads one per class). Most operations are one
/// core call taking string ids and at most one request body; `calls` lists each on a line: its
/// name and ids, its body (`; name: Type = "what"`, read as `model` reads it), the runner that
/// converts the answer (`run_model("Model")`, `run()`, `run_unit()`) and the call. `pages` lists
/// the paged lists, which all take the same query keywords. `push` has the methods that take the
/// push keywords (`PushSettings`), whose body gets them read as a `PushStart` (their own keywords
/// are `Option`s: PyO3 wraps a default in `Some` only where it sees `Option<...>` written out);
/// `raw_push` the methods sending one push body as given, with the push parameters. What
/// follows them is written out by hand.
macro_rules! client_methods {
    (
        calls {
            $(
                $(#[$cdoc:meta])*
                $call:ident($($id:ident),* $(; $body:ident: $bty:ty = $what:literal)?)
                    = $run:ident($($model:literal)?) |$c:ident| $op:expr;
            )*
        }
        pages {
            $(
                $(#[$pdoc:meta])*
                $list:ident($($pid:ident),*) = $pmodel:literal |$pc:ident, $q:ident| $pop:expr;
            )*
        }
        push {
            $(
                $(#[$udoc:meta])*
                fn $push:ident<$lt:lifetime>(
                    &$self:ident,
                    $py:ident, $($parg:ident: $pty:ty),* ;
                    $($(#[$($kwa:tt)*])* $kw:ident: Option<$kwty:ty> = $kwdef:tt),*
                ) [$start:ident] -> $pret:ty $pbody:block
            )*
        }
        raw_push {
            $(
                $(#[$rdoc:meta])*
                fn $raw:ident(&$rself:ident, $rpy:ident, $company:ident, $connection:ident)
                    [$rbody:ident, $rparams:ident] -> $rret:ty $rblock:block
            )*
        }
        $($rest:tt)*
    ) => {
        #[pymethods]
        impl PyClient {
            $(
                $(#[$cdoc])*
                fn $call(
                    &self,
                    py: Python<'_>,
                    $($id: String,)*
                    $($body: &Bound<'_, PyAny>)?
                ) -> PyResult<Py<PyAny>> {
                    $(let $body: $bty = guard(py, || model($what, $body))?;)?
                    self.$run(py, $($model,)? |$c| async move { $op.await })
                }
            )*
            $(
                $(#[$pdoc])*
                #[pyo3(signature = ($($pid,)* *, query=None, order_by=None, page_size=None, tags=None))]
                #[allow(clippy::too_many_arguments)]
                fn $list(
                    &self,
                    $($pid: String,)*
                    query: Option<String>,
                    order_by: Option<String>,
                    #[pyo3(from_py_with = args::page_size)] page_size: Option<u32>,
                    tags: Option<String>,
                ) -> PyResult<PyPages> {
                    let $q = list_query(query, order_by, page_size, tags);
                    let $pc = &self.client;
                    Ok(self.pages($pop, $pmodel))
                }
            )*
            $(
                $(#[$udoc])*
                #[pyo3(signature = ($($parg,)* *, $($kw = $kwdef,)* batch_size=None, today=None, time_zone=None, country=None, timeout_in_minutes=None, allow_sync_on_push_complete=None, poll_interval=None, wait_timeout=None, skip_already_pushed=true, on_progress=None, ledger=None, unknown_history="refuse", skip_through=None, resend=Vec::new(), lock_wait=0.0, rules=None, events=None))]
                #[allow(clippy::too_many_arguments)]
                fn $push<$lt>(
                    &$self,
                    $py: Python<$lt>,
                    $($parg: $pty,)*
                    $($(#[$($kwa)*])* $kw: Option<$kwty>,)*
                    #[pyo3(from_py_with = args::batch_size)] batch_size: Option<usize>,
                    today: Option<&Bound<$lt, PyAny>>,
                    time_zone: Option<String>,
                    country: Option<String>,
                    #[pyo3(from_py_with = args::timeout_in_minutes)] timeout_in_minutes: Option<i32>,
                    allow_sync_on_push_complete: Option<bool>,
                    #[pyo3(from_py_with = args::poll_interval)] poll_interval: Option<f64>,
                    #[pyo3(from_py_with = args::wait_timeout)] wait_timeout: Option<f64>,
                    skip_already_pushed: bool,
                    on_progress: Option<Py<PyAny>>,
                    ledger: Option<&Bound<$lt, PyAny>>,
                    unknown_history: &str,
                    skip_through: Option<&Bound<$lt, PyAny>>,
                    #[pyo3(from_py_with = args::resend)] resend: Vec<String>,
                    #[pyo3(from_py_with = args::lock_wait)] lock_wait: f64,
                    rules: Option<&Bound<$lt, PyAny>>,
                    events: Option<PyRef<$lt, crate::events::PyPushEvents>>,
                ) -> $pret {
                    let settings = PushSettings {
                        batch_size,
                        today,
                        time_zone,
                        country,
                        timeout_in_minutes,
                        allow_sync_on_push_complete,
                        poll_interval,
                        wait_timeout,
                        skip_already_pushed,
                        unknown_history,
                        skip_through,
                        resend,
                        lock_wait,
                        rules,
                        events,
                    };
                    let $start = PushStart::new($py, on_progress, ledger, settings)?;
                    $pbody
                }
            )*
            $(
                $(#[$rdoc])*
                #[pyo3(signature = ($company, $connection, body, *, timeout_in_minutes=None, allow_sync_on_push_complete=None))]
                fn $raw(
                    &$rself,
                    $rpy: Python<'_>,
                    $company: String,
                    $connection: String,
                    body: &Bound<'_, PyAny>,
                    #[pyo3(from_py_with = args::timeout_in_minutes)] timeout_in_minutes: Option<i32>,
                    allow_sync_on_push_complete: Option<bool>,
                ) -> $rret {
                    let $rbody = guard($rpy, || push_body(body))?;
                    let $rparams = PushParams {
                        timeout_in_minutes,
                        allow_sync_on_push_complete,
                    };
                    $rblock
                }
            )*
            $($rest)*
        }
    };
}

client_methods! {
    calls {
        // companies
        /// Creates a company (`create-company`): `{"name": ..., "description": ..., "tags": {...}}`.
        create_company(; body: CompanyRequestBody = "company")
            = run_model("Company") |c| c.companies().create(&body);
        /// One company (`get-company`).
        get_company(company_id) = run_model("Company") |c| c.companies().get(&company_id);
        /// Replaces a company's name, description and tags (`replace-company`).
        replace_company(company_id; body: CompanyRequestBody = "company")
            = run_model("Company") |c| c.companies().replace(&company_id, &body);
        /// Changes only the fields given (`update-company`).
        update_company(company_id; body: CompanyUpdateRequest = "company update")
            = run_model("Company") |c| c.companies().update(&company_id, &body);
        /// Deletes a company (`delete-company`).
        delete_company(company_id) = run_unit() |c| c.companies().delete(&company_id);
        /// A company access token (`get-company-access-token`).
        get_company_access_token(company_id)
            = run_model("CompanyAccessToken") |c| c.companies().access_token(&company_id);
        // connections
        /// One connection (`get-connection`).
        get_connection(company_id, connection_id)
            = run_model("Connection") |c| c.connections(&company_id).get(&connection_id);
        /// The connection's link URL with a fresh one-hour password, or `None` once linked.
        fresh_link_url(company_id, connection_id)
            = run() |c| c.connections(&company_id).fresh_link_url(&connection_id);
        /// Unlinks a connection (`unlink-connection`).
        unlink_connection(company_id, connection_id)
            = run_model("Connection") |c| c.connections(&company_id).unlink(&connection_id);
        /// Deletes a connection (`delete-connection`).
        delete_connection(company_id, connection_id)
            = run_unit() |c| c.connections(&company_id).delete(&connection_id);
        // target bank accounts
        /// What creating a bank account takes on this platform (`get-create-bank-account-model`).
        get_create_bank_account_model(company_id, connection_id)
            = run_model("PushOption") |c| c.bank_accounts(&company_id, &connection_id)
                .create_model();
        // source accounts
        /// Creates a source account (`create-source-account`), v1 or v2 shape; `pending` until the
        /// customer maps it.
        create_source_account(company_id, connection_id; account: CreateSourceAccount = "source account")
            = run_model("SourceAccount") |c| c.source_accounts(&company_id, &connection_id)
                .create(account);
        /// Every source account of a connection (`list-source-accounts`).
        list_source_accounts(company_id, connection_id)
            = run_model("SourceAccount") |c| c.source_accounts(&company_id, &connection_id).list();
        /// One source account, or `None`.
        find_source_account(company_id, connection_id, account_id)
            = run_model("SourceAccount") |c| c.source_accounts(&company_id, &connection_id)
                .find(&account_id);
        /// Updates a source account (`update-source-account`).
        update_source_account(company_id, connection_id, account_id; account: SourceAccount = "source account")
            = run_model("SourceAccount") |c| c.source_accounts(&company_id, &connection_id)
                .update(&account_id, &account);
        /// Deletes a source account (`delete-source-account`).
        delete_source_account(company_id, connection_id, account_id)
            = run_unit() |c| c.source_accounts(&company_id, &connection_id).delete(&account_id);
        /// Generates bank feed credentials (`generate-credentials`).
        generate_credentials(company_id, connection_id)
            = run_model("BankAccountCredentials") |c| c.source_accounts(&company_id, &connection_id)
                .generate_credentials();
        /// Deletes bank feed credentials (`delete-bank-feed-credentials`).
        delete_credentials(company_id, connection_id)
            = run_unit() |c| c.source_accounts(&company_id, &connection_id).delete_credentials();
        /// A one-time password for the customer (`generate-otp`).
        generate_otp(company_id, connection_id)
            = run_model("Otp") |c| c.source_accounts(&company_id, &connection_id).generate_otp();
        // account mapping and company information
        /// Each source account with its target and the target options (`get-bank-account-mapping`).
        get_account_mappings(company_id, connection_id)
            = run_model("AccountMapping") |c| c.account_mapping(&company_id, &connection_id).get();
        /// Maps a source account to a target account (`create-bank-account-mapping`); check the
        /// answer's `status`: Codat may answer 200 with `Failed`.
        create_account_mapping(company_id, connection_id; mapping: BankFeedAccountMapping = "mapping")
            = run_model("AccountMappingResult") |c| c.account_mapping(&company_id, &connection_id)
                .create(&mapping);
        /// The company's details in the platform (`get-company-information`).
        get_company_information(company_id, connection_id)
            = run_model("CompanyInformation") |c| c.company_information(&company_id, &connection_id)
                .get();
        // transactions and push operations
        /// What a push takes for this account on this platform (`get-create-bank-transactions-model`).
        get_create_bank_transactions_model(company_id, connection_id, account_id)
            = run_model("PushOption") |c| c.transactions(&company_id, &connection_id)
                .create_model(&account_id);
        /// One push operation (`get-push-operation`), with aware UTC `requested_on_utc` and
        /// `completed_on_utc`.
        get_push_operation(company_id, push_operation_key)
            = run_model("PushOperation") |c| c.push_operations(&company_id)
                .get(&push_operation_key);
        // managed bank feeds
        /// A managed bank feed sync's status (`get-sync-status`).
        get_sync_status(company_id, connection_id, account_id, sync_id)
            = run_model("SyncStatusResult") |c| c.managed_bank_feeds(&company_id, &connection_id, &account_id)
                .get(&sync_id);
        /// The latest sync's status, or `None` (`get-last-successful-sync`).
        latest_sync_status(company_id, connection_id, account_id)
            = run_model("SyncStatusResult") |c| c.managed_bank_feeds(&company_id, &connection_id, &account_id)
                .latest();
        /// Starts a sync (`start-scheduled-sync`).
        run_sync(company_id, connection_id, account_id)
            = run_model("SyncStarted") |c| c.managed_bank_feeds(&company_id, &connection_id, &account_id)
                .run();
    }
    pages {
        /// The companies (`list-companies`) as lazy `Pages` of `Company`: a page is fetched only
        /// when iteration reaches it; `Pages.page(n)` fetches one page with its totals.
        list_companies() = "Company" |c, q| c.companies().list(q);
        /// A company's connections (`list-connections`) as lazy `Pages` of `Connection`.
        list_connections(company_id) = "Connection" |c, q| c.connections(&company_id).list(q);
        /// The platform's bank accounts (`list-bank-accounts`) as lazy `Pages` of `BankAccount`.
        list_bank_accounts(company_id, connection_id)
            = "BankAccount" |c, q| c.bank_accounts(&company_id, &connection_id).list(q);
        /// A company's push operations (`list-push-operations`), with their `data`, as lazy `Pages`
        /// of `PushOperation`.
        list_push_operations(company_id)
            = "PushOperation" |c, q| c.push_operations(&company_id).list(q);
    }
    push {
        /// Validates, normalises and pushes rows to one source account, and waits for every push
        /// operation: the one call most pipelines need. Rows are whatever `validate` takes, or a
        /// CSV or JSON file's path (`str` or `os.PathLike`), read only when the push has the
        /// account's lease and knows what the account has (a file that cannot be read raises
        /// `ValidationError`, its finding naming the file, before anything is sent).
        ///
        /// Every batch is recorded in the push ledger before it is sent and as it goes, so a rerun
        /// sends only what the account does not have, also after a crash; the ledger also keeps a
        /// second push off the account while this one runs. `ledger`: `None` (the SQLite file at
        /// `default_ledger_path()`: `$BANKFEEDS_LEDGER`, else the user's data folder), a path, a
        /// `SqliteLedger` or `MemoryLedger`, an object with the `PushLedger` methods, or `False`
        /// (none). When the connection has pushes the ledger does not know, `unknown_history`
        /// (`"refuse"`: raise `HistoryUnknownError`; `"trust"`: none of the rows is on the account)
        /// or `skip_through` (a date, a datetime, ISO text or `(date, id)`: the account has
        /// everything up to there) decides. A batch that ended `TimedOut` is never sent again
        /// unless `resend` names its ids. `lock_wait`: seconds to wait for another push of the
        /// account (`AccountBusyError` otherwise). `rules`: severities by rule code, as `validate`.
        ///
        /// Raises `ValidationError` (nothing sent) when the rows have errors under the connection's
        /// platform rules and the account's facts; `ApiError`/`TransportError`/`PushError` when Codat
        /// cannot be used; `LedgerError` when the ledger fails. A push that stops part-way is *not*
        /// an exception: check `report.is_complete`. `on_progress(progress: dict)` is called at each
        /// stage, on the calling thread; what it (or a ledger written in Python) raises stops the
        /// push and is raised here. Ctrl-C stops the push too (`KeyboardInterrupt`). Dates are
        /// judged against `today`, by default today where the account is kept: `time_zone` (an IANA
        /// name such as `"Australia/Sydney"`, an offset such as `"+10:00"`), else this machine's zone.
        /// `events`: a `PushEvents` the application feeds from its webhook receiver; each batch then
        /// waits for its update instead of polling (polling stays the fallback).
        fn push_transactions<'py>(
            &self,
            py,
            company_id: String,
            connection_id: String,
            account_id: String,
            rows: &Bound<'py, PyAny>;
        ) [start] -> PyResult<PyPushReport> {
            let input = guard(py, || push_input(py, rows))?;
            let calls = start.callbacks.clone();
            let options = with(start.options, start.on_progress, |o, f| {
                o.on_progress(progress_callback(f, calls, push::progress_dict))
            });
            let client = self.client.clone();
            let answer = wait::block_on(py, &self.runtime, Some(&start.callbacks), async move {
                client
                    .push_transactions(&company_id, &connection_id, &account_id, input, &options)
                    .await
            })?;
            match answer {
                Ok(report) => Ok(PyPushReport {
                    inner: report,
                    ledger: start.note,
                }),
                Err(e) => Err(client_error(py, &e, Some(&start.note))),
            }
        }
        /// Pushes many accounts at once, each as `push_transactions` would, within Codat's limits (at
        /// most 10 requests at once per company, and `Retry-After` honoured across all of them; see
        /// `Client(max_per_company=...)`). `accounts`: `(company_id, connection_id, account_id,
        /// rows)` tuples or dicts with those keys. Every other option is `push_transactions`'s,
        /// applied to each account, and every account shares one ledger, so a rerun pushes only
        /// what is missing. `concurrency`: accounts pushed at once (8). `on_progress(progress:
        /// dict)`: `index`, `company_id`, `connection_id`, `account_id`, `state` (`"queued"`,
        /// `"pushing"`, `"complete"`, `"incomplete"`, `"failed"`), `progress` (the account's
        /// `push_transactions` progress while pushing) and `error` (a message when failed).
        ///
        /// One account's failure never stops the others: the answer is a list, one dict per account
        /// in the order given: `company_id`, `connection_id`, `account_id`, `status` (`"complete"`,
        /// `"incomplete"`, `"failed"`), `report` (its `PushReport`, or `None` when it failed) and
        /// `error` (the exception it failed with, not raised, or `None`). Raises only when nothing can
        /// start (bad options, a ledger that cannot be opened).
        fn push_all<'py>(
            &self,
            py,
            accounts: &Bound<'py, PyAny>;
            #[pyo3(from_py_with = args::concurrency)] concurrency: Option<usize> = 8
        ) [start] -> PyResult<Bound<'py, PyList>> {
            let list = guard(py, || {
                let mut list = Vec::new();
                for (n, item) in accounts.try_iter()?.enumerate() {
                    list.push(account_push(py, n, &item?)?);
                }
                Ok(list)
            })?;
            let options = with(
                PushAllOptions::new(start.options),
                concurrency,
                PushAllOptions::concurrency,
            );
            let calls = start.callbacks.clone();
            let options = with(options, start.on_progress, |o, f| {
                o.on_progress(progress_callback(f, calls, push::account_progress_dict))
            });
            let client = self.client.clone();
            let answer = wait::block_on(py, &self.runtime, Some(&start.callbacks), async move {
                client.push_all(list, &options).await
            })?;
            let report = answer.map_err(|e| client_error(py, &e, Some(&start.note)))?;
            push_all_list(py, report, &start.note)
        }
    }
    raw_push {
        /// One raw push (`create-bank-transactions`) of a `PushBody` or a wire-shaped dict; answers
        /// the pending push operation. Prefer `push_transactions`, which validates, batches, never
        /// sends a batch twice and waits.
        fn create_bank_transactions(&self, py, company_id, connection_id) [body, params]
            -> PyResult<Py<PyAny>>
        {
            self.run_model(py, "PushOperation", |c| async move {
                c.transactions(&company_id, &connection_id)
                    .create(&body, &params)
                    .await
            })
        }
        /// Pushes one body exactly once: on an unknown outcome the core looks for the operation
        /// before sending again. Answers `{"operation": ..., "recovered": bool, "attempts": int}`.
        fn push_batch(&self, py, company_id, connection_id) [body, params] -> PyResult<Py<PyAny>> {
            let options = PushBatchOptions {
                params,
                ..PushBatchOptions::default()
            };
            #[derive(Serialize)]
            struct Pushed {
                operation: bankfeeds::model::PushOperation,
                recovered: bool,
                attempts: u32,
            }
            self.run_model(py, "PushedBatch", |c| async move {
                let b = c
                    .transactions(&company_id, &connection_id)
                    .push_batch(&body, &options)
                    .await?;
                Ok(Pushed {
                    operation: b.operation,
                    recovered: b.recovered,
                    attempts: b.attempts,
                })
            })
        }
    }
    /// A client. `api_key` is sent as Codat expects (`Authorization: Basic ...`); `auth_header`
    /// (a `(name, value)` pair) replaces it, e.g. for a bank backend's own token. Timeouts are
    /// in seconds; `retries=False` turns the core's retry policy off, `max_retry_seconds` and
    /// `max_attempts` bound it. Answers are read up to `max_response_bytes` (64 MiB). Raises
    /// `ConfigurationError` for unusable settings.
    #[new]
    ///
    /// Network: `trust_store` is `"webpki"` (the roots compiled in, the default), `"native"`
    /// (the operating system's store), `"both"` or `"none"`; `ca_certs` adds certificate
    /// authorities (PEM text or bytes, a path, or a list of them); `client_cert` and `client_key`
    /// (PEM text, bytes or paths) are presented for mTLS; `proxy` sends every request through
    /// that URL, `no_proxy` lists hosts that bypass it, and `proxy_from_env=False` ignores
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`. `on_rate_limit` is called with a dict
    /// (`limit`, `remaining`, `reset`) for every answer carrying Codat's rate-limit headers.
    ///
    /// Limits: at most `max_per_company` requests at once per company (10, Codat's limit) and
    /// `max_in_flight` in all (no cap by default), shared by every thread and `push_all`.
    #[pyo3(signature = (api_key=None, *, base_url=None, auth_header=None, connect_timeout=None, request_timeout=None, retries=true, max_retry_seconds=None, max_attempts=None, user_agent=None, max_response_bytes=None, trust_store="webpki", ca_certs=None, client_cert=None, client_key=None, proxy=None, no_proxy=None, proxy_from_env=true, on_rate_limit=None, max_per_company=None, max_in_flight=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        api_key: Option<String>,
        base_url: Option<String>,
        auth_header: Option<(String, String)>,
        #[pyo3(from_py_with = args::connect_timeout)] connect_timeout: Option<f64>,
        #[pyo3(from_py_with = args::request_timeout)] request_timeout: Option<f64>,
        retries: bool,
        #[pyo3(from_py_with = args::max_retry_seconds)] max_retry_seconds: Option<f64>,
        #[pyo3(from_py_with = args::max_attempts)] max_attempts: Option<u32>,
        user_agent: Option<String>,
        #[pyo3(from_py_with = args::max_response_bytes)] max_response_bytes: Option<usize>,
        trust_store: &str,
        ca_certs: Option<Bound<'_, PyAny>>,
        client_cert: Option<Bound<'_, PyAny>>,
        client_key: Option<Bound<'_, PyAny>>,
        proxy: Option<String>,
        no_proxy: Option<String>,
        proxy_from_env: bool,
        on_rate_limit: Option<Py<PyAny>>,
        #[pyo3(from_py_with = args::max_per_company)] max_per_company: Option<usize>,
        #[pyo3(from_py_with = args::max_in_flight)] max_in_flight: Option<usize>,
    ) -> PyResult<Self> {
        let on_rate_limit = wait::callable("on_rate_limit", on_rate_limit, py)?;
        guard(py, || {
            let b = with(Client::builder(), api_key, ClientBuilder::api_key);
            let b = with(b, auth_header, |b, (name, value)| b.auth_header(name, value));
            let b = with(b, base_url, ClientBuilder::base_url);
            let b = with(b, seconds("connect_timeout", connect_timeout)?, ClientBuilder::connect_timeout);
            let b = with(b, seconds("request_timeout", request_timeout)?, ClientBuilder::request_timeout);
            let policy = if retries {
                RetryPolicy::default()
            } else {
                RetryPolicy::never()
            };
            let b = b.retry(bounded(policy, max_retry_seconds, max_attempts)?);
            let b = with(b, user_agent, ClientBuilder::user_agent);
            let b = with(b, max_response_bytes, ClientBuilder::max_response_bytes);
            let b = with(b, max_per_company, ClientBuilder::max_per_company);
            let mut b = with(b, max_in_flight, ClientBuilder::max_in_flight);
            b = b.trust_store(trust_store.parse().map_err(config)?);
            b = with_ca_certs(b, ca_certs)?;
            b = with_identity(b, client_cert, client_key)?;
            b = with(b, proxy, ClientBuilder::proxy);
            b = with(b, no_proxy, ClientBuilder::no_proxy);
            b = b.proxy_from_env(proxy_from_env);
            b = with(b, on_rate_limit, with_rate_limit_callback);
            let client = b.build().map_err(|e| config(e.to_string()))?;
            let runtime = wait::Runtime::new()
                .map_err(|e| config(format!("cannot start the client's runtime: {e}")))?;
            Ok(PyClient {
                client,
                runtime: std::sync::Arc::new(runtime),
            })
        })
    }

    /// The API's base URL.
    #[getter]
    fn base_url(&self) -> &str {
        self.client.base_url()
    }

    /// A copy of this client with another request timeout or retry policy, for the calls made
    /// through it (a slow call, a call that must not be retried...). The copy shares the
    /// connections, the network settings and `on_rate_limit`; it is cheap to make.
    ///
    /// ```python
    /// once = client.with_options(request_timeout=300, retries=False)
    /// ```
    #[pyo3(signature = (*, request_timeout=None, retries=None, max_retry_seconds=None, max_attempts=None))]
    fn with_options(
        &self,
        py: Python<'_>,
        #[pyo3(from_py_with = args::request_timeout)] request_timeout: Option<f64>,
        retries: Option<bool>,
        #[pyo3(from_py_with = args::max_retry_seconds)] max_retry_seconds: Option<f64>,
        #[pyo3(from_py_with = args::max_attempts)] max_attempts: Option<u32>,
    ) -> PyResult<Self> {
        guard(py, || {
            let mut client = self.client.clone();
            if let Some(t) = seconds("request_timeout", request_timeout)? {
                if t.is_zero() {
                    return Err(config("request_timeout must be more than zero"));
                }
                client = client.with_request_timeout(t);
            }
            if retries.is_some() || max_retry_seconds.is_some() || max_attempts.is_some() {
                let policy = match retries {
                    Some(false) => RetryPolicy::never(),
                    Some(true) => RetryPolicy::default(),
                    None => client.retry_policy().clone(),
                };
                client = client.with_retry(bounded(policy, max_retry_seconds, max_attempts)?);
            }
            Ok(PyClient {
                client,
                runtime: self.runtime.clone(),
            })
        })
    }
    /// Creates a connection to a platform (`create-connection`): a platform key such as
    /// `"gbol"` (Xero), or a request body dict.
    fn create_connection(
        &self,
        py: Python<'_>,
        company_id: String,
        platform: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let body: CreateConnectionRequestBody = guard(py, || match platform.extract::<String>() {
            Ok(key) => Ok(CreateConnectionRequestBody {
                platform_key: Some(PlatformKey::from(key.as_str())),
            }),
            Err(_) => model("connection", platform),
        })?;
        self.run_model(py, "Connection", |c| async move {
            c.connections(&company_id).create(&body).await
        })
    }
    /// Creates a bank account in the platform (`create-bank-account`), as a push operation.
    #[pyo3(signature = (company_id, connection_id, body, *, timeout_in_minutes=None))]
    fn create_bank_account(
        &self,
        py: Python<'_>,
        company_id: String,
        connection_id: String,
        body: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::timeout_in_minutes)] timeout_in_minutes: Option<i32>,
    ) -> PyResult<Py<PyAny>> {
        let body: BankAccountPrototype = guard(py, || model("bank account", body))?;
        self.run_model(py, "PushOperation", |c| async move {
            c.bank_accounts(&company_id, &connection_id)
                .create(&body, timeout_in_minutes)
                .await
        })
    }
    /// Creates several source accounts (`create-batch-source-account`): a dict with `status`
    /// (201 all, 207 some, 409 none) and one result per account in `items`.
    fn create_source_accounts(
        &self,
        py: Python<'_>,
        company_id: String,
        connection_id: String,
        accounts: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let accounts: BatchCreateSourceAccounts = guard(py, || model("source accounts", accounts))?;
        #[derive(Serialize)]
        struct Outcome {
            status: u16,
            items: serde_json::Value,
        }
        self.run_model(py, "SourceAccountBatch", |c| async move {
            let out = c
                .source_accounts(&company_id, &connection_id)
                .create_batch(&accounts)
                .await?;
            let items =
                serde_json::to_value(&out.items).map_err(|e| Error::Config(e.to_string()))?;
            Ok(Outcome {
                status: out.status,
                items,
            })
        })
    }


    /// Polls a push operation until it is no longer pending (seconds; default every 1 s backing
    /// off to 15 s, for at most 30 minutes).
    #[pyo3(signature = (company_id, push_operation_key, *, poll_interval=None, timeout=None))]
    fn wait_for_push_operation(
        &self,
        py: Python<'_>,
        company_id: String,
        push_operation_key: String,
        #[pyo3(from_py_with = args::poll_interval)] poll_interval: Option<f64>,
        #[pyo3(from_py_with = args::timeout)] timeout: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        let wait = guard(py, || wait_options(poll_interval, timeout))?;
        self.run_model(py, "PushOperation", |c| async move {
            c.push_operations(&company_id)
                .wait(&push_operation_key, &wait)
                .await
        })
    }




    /// What an account already has, read as `push_transactions` reads it, under the account's
    /// lease in the push ledger (`ledger` and `lock_wait` as for `push_transactions`): the
    /// ledger is brought up to date on the way (batches an earlier push left without an answer
    /// are looked up, pending ones waited for). A dict: `transaction_ids` (certainly on the
    /// account, sorted), `newest` (naive local), `successful_operations`, `timed_out` (batches
    /// that ended `TimedOut`: `operation_key`, `transaction_ids`), `unknown_operations` (push
    /// operations on the connection nobody accounts for: `operation_key`, `status`,
    /// `requested_on_utc`), `waited_for` and `recovered` (`(batch_id, state)`).
    #[pyo3(signature = (company_id, connection_id, account_id, *, ledger=None, lock_wait=0.0, poll_interval=None, wait_timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn push_history(
        &self,
        py: Python<'_>,
        company_id: String,
        connection_id: String,
        account_id: String,
        ledger: Option<&Bound<'_, PyAny>>,
        #[pyo3(from_py_with = args::lock_wait)] lock_wait: f64,
        #[pyo3(from_py_with = args::poll_interval)] poll_interval: Option<f64>,
        #[pyo3(from_py_with = args::wait_timeout)] wait_timeout: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        let callbacks = wait::Callbacks::default();
        let (choice, note) = crate::ledger::choice(ledger, &callbacks)?;
        let options = guard(py, || {
            let mut options = PushOptions::new()
                .wait(wait_options(poll_interval, wait_timeout)?)
                .lock_wait(push::lock_wait(lock_wait)?);
            options.ledger = choice;
            Ok(options)
        })?;
        let client = self.client.clone();
        let answer = wait::block_on(py, &self.runtime, Some(&callbacks), async move {
            client
                .push_history(&company_id, &connection_id, &account_id, &options)
                .await
        })?;
        match answer {
            Ok(history) => Ok(push::history_dict(py, &history)?.into_any().unbind()),
            Err(e) => Err(client_error(py, &e, Some(&note))),
        }
    }

    fn __repr__(&self) -> String {
        format!("Client(base_url={:?})", self.client.base_url())
    }
}

fn push_body(body: &Bound<'_, PyAny>) -> BindResult<CreateBankTransactions> {
    match body.cast::<PyPushBody>() {
        Ok(b) => Ok(b.get().body()),
        Err(_) => model("push body", body),
    }
}

/// The options `push_transactions` and `push_all` share, as given, turned into the core's once.
struct PushSettings<'a, 'py> {
    batch_size: Option<usize>,
    today: Option<&'a Bound<'py, PyAny>>,
    time_zone: Option<String>,
    country: Option<String>,
    timeout_in_minutes: Option<i32>,
    allow_sync_on_push_complete: Option<bool>,
    poll_interval: Option<f64>,
    wait_timeout: Option<f64>,
    skip_already_pushed: bool,
    unknown_history: &'a str,
    skip_through: Option<&'a Bound<'py, PyAny>>,
    resend: Vec<String>,
    lock_wait: f64,
    rules: Option<&'a Bound<'py, PyAny>>,
    events: Option<PyRef<'py, crate::events::PyPushEvents>>,
}

impl PushSettings<'_, '_> {
    /// The core's push options, with the ledger already chosen.
    fn options(self, ledger: bankfeeds::client::LedgerChoice) -> BindResult<PushOptions> {
        let mut options = PushOptions::new()
            .skip_already_pushed(self.skip_already_pushed)
            .params(PushParams {
                timeout_in_minutes: self.timeout_in_minutes,
                allow_sync_on_push_complete: self.allow_sync_on_push_complete,
            })
            .wait(wait_options(self.poll_interval, self.wait_timeout)?)
            .unknown_history(push::unknown_history(
                self.unknown_history,
                self.skip_through,
            )?)
            .resend(self.resend)
            .lock_wait(push::lock_wait(self.lock_wait)?)
            .rules(crate::options::rules(self.rules)?);
        options.ledger = ledger;
        options.events = self.events.map(|e| e.inner.clone());
        if let Some(n) = self.batch_size {
            options = options.batch_size(n);
        }
        // `today`, or today where the account is kept (time_zone, else this machine's zone).
        options = options.today(crate::options::today(
            self.today,
            self.time_zone.as_deref(),
        )?);
        options.country = self.country;
        Ok(options)
    }
}

/// What `push_transactions` and `push_all` hold once their shared keywords are read, in the
/// order they are read: the progress callback, the channel Python callbacks run through, the
/// ledger's note and the core's push options.
struct PushStart {
    on_progress: Option<Py<PyAny>>,
    callbacks: wait::Callbacks,
    note: crate::ledger::LedgerNote,
    options: PushOptions,
}

impl PushStart {
    fn new(
        py: Python<'_>,
        on_progress: Option<Py<PyAny>>,
        ledger: Option<&Bound<'_, PyAny>>,
        settings: PushSettings<'_, '_>,
    ) -> PyResult<Self> {
        let on_progress = wait::callable("on_progress", on_progress, py)?;
        let callbacks = wait::Callbacks::default();
        let (choice, note) = crate::ledger::choice(ledger, &callbacks)?;
        let options = guard(py, || settings.options(choice))?;
        Ok(PushStart {
            on_progress,
            callbacks,
            note,
            options,
        })
    }
}

/// `on_progress` as the core's progress callback: each update, as the dict `to_dict` makes of
/// it, goes to the Python callable on the calling thread (what it raises stops the push).
fn progress_callback<P: 'static>(
    callback: Py<PyAny>,
    calls: wait::Callbacks,
    to_dict: for<'py> fn(Python<'py>, &P) -> PyResult<Bound<'py, PyDict>>,
) -> impl Fn(P) + Send + Sync + 'static {
    move |p: P| {
        calls.call(|py| {
            callback.call1(py, (to_dict(py, &p)?,))?;
            Ok(())
        });
    }
}

/// `push_all`'s answer: one dict per account, in the order given.
fn push_all_list<'py>(
    py: Python<'py>,
    report: bankfeeds::client::PushAllReport,
    note: &crate::ledger::LedgerNote,
) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for account in report.accounts {
        let d = PyDict::new(py);
        d.set_item("company_id", &account.company_id)?;
        d.set_item("connection_id", &account.connection_id)?;
        d.set_item("account_id", &account.account_id)?;
        d.set_item("status", account.status().as_str())?;
        match account.outcome {
            Ok(report) => {
                let report = PyPushReport {
                    inner: report,
                    ledger: note.clone(),
                };
                d.set_item("report", Py::new(py, report)?)?;
                d.set_item("error", py.None())?;
            }
            Err(e) => {
                d.set_item("report", py.None())?;
                d.set_item("error", client_error(py, &e, Some(note)).value(py))?;
            }
        }
        out.append(d)?;
    }
    Ok(out)
}

/// Rows as a push takes them: read here, typed off the GIL; a file's path (`str` or
/// `os.PathLike`, never rows) is read by the core when the push reaches it.
fn push_input(py: Python<'_>, rows: &Bound<'_, PyAny>) -> BindResult<PushInput> {
    if rows.is_instance_of::<PyString>() || rows.hasattr("__fspath__").unwrap_or(false) {
        let path: std::path::PathBuf = rows.extract().map_err(|_| {
            BindError::Type("a file to push is given by its path: a str or os.PathLike".into())
        })?;
        return Ok(PushInput::path(path, InputFormat::Auto));
    }
    let source = rows::read(rows)?;
    py.detach(move || -> BindResult<PushInput> {
        Ok(match source {
            Source::Typed(txs) => PushInput::Transactions(txs),
            Source::Raw(rows, shape) => {
                if !shape.is_valid() {
                    return Err(BindError::Invalid(
                        "nothing was pushed: some rows are not transactions",
                        shape,
                    ));
                }
                PushInput::Raw(rows)
            }
            Source::Arrow(arrow) => PushInput::Raw(crate::arrow_in::ArrowRows::new(arrow)?.raw()?),
        })
    })
}

/// One item of `push_all`'s `accounts`: a `(company_id, connection_id, account_id, rows)`
/// tuple or a dict with those keys.
fn account_push(py: Python<'_>, n: usize, item: &Bound<'_, PyAny>) -> BindResult<AccountPush> {
    let bad = || {
        crate::errors::config(format!(
            "accounts[{n}] must be a (company_id, connection_id, account_id, rows) tuple or a dict with those keys"
        ))
    };
    let parts: [Bound<'_, PyAny>; 4] = if let Ok(d) = item.cast::<PyDict>() {
        let get = |key: &str| -> BindResult<Bound<'_, PyAny>> {
            d.get_item(key)
                .ok()
                .flatten()
                .ok_or_else(|| crate::errors::config(format!("accounts[{n}] has no {key:?}")))
        };
        [
            get("company_id")?,
            get("connection_id")?,
            get("account_id")?,
            get("rows")?,
        ]
    } else if let Ok(t) = item.cast::<pyo3::types::PyTuple>() {
        if t.len() != 4 {
            return Err(bad());
        }
        [
            t.get_item(0).map_err(|_| bad())?,
            t.get_item(1).map_err(|_| bad())?,
            t.get_item(2).map_err(|_| bad())?,
            t.get_item(3).map_err(|_| bad())?,
        ]
    } else {
        return Err(bad());
    };
    let text = |i: usize, name: &str| -> BindResult<String> {
        parts[i]
            .extract::<String>()
            .map_err(|_| crate::errors::config(format!("accounts[{n}]: {name} must be a str")))
    };
    Ok(AccountPush::new(
        text(0, "company_id")?,
        text(1, "connection_id")?,
        text(2, "account_id")?,
        push_input(py, &parts[3])?,
    ))
}
