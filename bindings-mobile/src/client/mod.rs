//! The async API client: an object an app creates with its backend's URL and its own
//! authorisation header, whose methods are Kotlin `suspend` functions and Swift `async` ones.

use std::sync::Arc;
use std::time::Duration;

use bankfeeds::client::{self, ClientBuilder, RetryPolicy, WaitOptions};
use bankfeeds::dates::Timestamp;
use bankfeeds::ingest::RawTransaction;
use bankfeeds::model::{BankFeedAccountMapping, CompanyRequestBody, PlatformKey};
use chrono::NaiveTime;

use crate::error::BankFeedsError;
use crate::report::Field;
use crate::transaction::Transaction;
use crate::types::CalendarDate;

mod error;
mod ledger;
mod model;
mod observe;
mod push;

pub use ledger::{
    BatchState, Lease, LeaseHolder, LedgerAccount, LedgerBatch, LedgerError, PushLedger,
    lease_expiry, lease_may_take,
};
pub use model::{
    AccountMapping, Company, CompanyAccessToken, CompanyPage, Connection, ConnectionStatus,
    ListOptions, MappingResult, NewSourceAccount, OneTimePassword, PushOperation,
    PushOperationPage, PushOperationStatus, SourceAccount, SourceAccountUpdate,
    TargetAccountOption,
};
pub use observe::{LogLevel, LogListener, RateLimit, RateLimitListener, set_log_listener};
pub use push::{
    BatchOutcome, HeldBatch, PushEvents, PushOptions, PushProgress, PushProgressListener,
    PushReport, PushStage, PushStopReason, PushStopped, RecoveredBatch, UnknownHistory,
};

/// How the client waits and retries. Everything left out takes the core client's default
/// (10 s to connect, 60 s per attempt, retries of `408`, `429`, `5xx` and lost connections for up
/// to Codat's recommended time, honouring `Retry-After`).
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct ClientOptions {
    /// The `User-Agent` sent, e.g. `my-bank-android/4.2`.
    #[uniffi(default = None)]
    pub user_agent: Option<String>,
    /// Seconds to establish a connection.
    #[uniffi(default = None)]
    pub connect_timeout_seconds: Option<f64>,
    /// Seconds for one whole attempt, from sending to the last byte of the answer.
    #[uniffi(default = None)]
    pub request_timeout_seconds: Option<f64>,
    /// Most attempts per request, the first included (1 turns retries off).
    #[uniffi(default = None)]
    pub max_attempts: Option<u32>,
    /// Seconds after which no further attempt is started.
    #[uniffi(default = None)]
    pub max_retry_seconds: Option<f64>,
    /// Which certificate authorities to trust: `webpki` (the roots compiled in, the default and
    /// the same on every phone), `native` (the operating system's certificate files: Android's
    /// system store; none on iOS), `both`, or `none` (only `ca_certificates_pem`).
    #[uniffi(default = None)]
    pub trust_store: Option<String>,
    /// Extra certificate authorities to trust, each a PEM text (a bank's private CA).
    #[uniffi(default = [])]
    pub ca_certificates_pem: Vec<String>,
    /// The client certificate (PEM chain) presented for mTLS; needs `client_key_pem`.
    #[uniffi(default = None)]
    pub client_certificate_pem: Option<String>,
    /// The client certificate's private key (PEM); never shown in any message.
    #[uniffi(default = None)]
    pub client_key_pem: Option<String>,
    /// Send every request through this proxy (`http://host:port`).
    #[uniffi(default = None)]
    pub proxy: Option<String>,
    /// Hosts that bypass `proxy`, as `NO_PROXY` lists them.
    #[uniffi(default = None)]
    pub no_proxy: Option<String>,
    /// Whether `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` in the process environment are honoured
    /// when no `proxy` is set (yes by default; apps rarely have them).
    #[uniffi(default = None)]
    pub proxy_from_env: Option<bool>,
}

fn seconds(value: f64, what: &str) -> Result<Duration, BankFeedsError> {
    Duration::try_from_secs_f64(value).map_err(|_| BankFeedsError::Configuration {
        reason: format!("{what}: {value} is not a number of seconds"),
    })
}

/// A client of the bank's backend, which forwards Codat's Bank Feeds API.
///
/// **Never put a Codat API key in an app**: anyone can read it out of the package and act on
/// every company of the bank. The app talks to the bank's own backend, authenticated as the
/// signed-in user (`Authorization: Bearer <session token>`, or any header the backend wants);
/// the backend checks the user may act on the company, adds the Codat key and forwards the
/// call. The base URL is the backend's prefix under which Codat's paths are served.
///
/// Every method is asynchronous (Kotlin `suspend`, Swift `async`) and runs on the binding's own
/// Rust runtime, never blocking the caller's thread; cancelling the coroutine or task cancels
/// the request. Retries follow Codat's policy; a push is never sent twice.
///
/// ```kotlin
/// val client = BankFeedsClient("https://bank.example/codat", "Authorization", "Bearer $sessionToken")
/// val connection = client.getConnection(companyId, connectionId)
/// connection.linkUrl?.let { openInBrowser(it) }   // the customer authorises in Codat Link
/// ```
#[derive(uniffi::Object)]
pub struct BankFeedsClient {
    inner: client::Client,
}

#[uniffi::export(async_runtime = "tokio")]
impl BankFeedsClient {
    /// A client for `base_url`, sending `auth_header_name: auth_header_value` with every request.
    /// The value is kept out of every message and log line.
    ///
    /// Throws `Configuration` for a base URL that is not `http(s)://...` or a header that is not
    /// a valid HTTP header.
    ///
    /// `rate_limit_listener` hears Codat's rate-limit headers of every answer that has them.
    #[uniffi::constructor(default(options = None, rate_limit_listener = None))]
    pub fn new(
        base_url: String,
        auth_header_name: String,
        auth_header_value: String,
        options: Option<ClientOptions>,
        rate_limit_listener: Option<Box<dyn RateLimitListener>>,
    ) -> Result<Arc<Self>, BankFeedsError> {
        let options = options.unwrap_or_default();
        let mut builder = ClientBuilder::new()
            .base_url(base_url)
            .auth_header(auth_header_name, auth_header_value);
        if let Some(agent) = options.user_agent {
            builder = builder.user_agent(agent);
        }
        if let Some(s) = options.connect_timeout_seconds {
            builder = builder.connect_timeout(seconds(s, "connect timeout")?);
        }
        if let Some(s) = options.request_timeout_seconds {
            builder = builder.request_timeout(seconds(s, "request timeout")?);
        }
        if options.max_attempts.is_some() || options.max_retry_seconds.is_some() {
            let mut policy = RetryPolicy::default();
            if let Some(n) = options.max_attempts {
                policy = policy.with_max_attempts(n);
            }
            if let Some(s) = options.max_retry_seconds {
                policy = policy.with_max_elapsed(seconds(s, "max retry time")?);
            }
            builder = builder.retry(policy);
        }
        if let Some(store) = &options.trust_store {
            let store = store
                .parse()
                .map_err(|reason| BankFeedsError::Configuration { reason })?;
            builder = builder.trust_store(store);
        }
        for pem in options.ca_certificates_pem {
            builder = builder.add_ca_pem(pem);
        }
        match (options.client_certificate_pem, options.client_key_pem) {
            (None, None) => {}
            (Some(cert), Some(key)) => builder = builder.client_identity_pem(cert, key),
            _ => {
                return Err(BankFeedsError::Configuration {
                    reason: "client_certificate_pem and client_key_pem go together".into(),
                });
            }
        }
        if let Some(proxy) = options.proxy {
            builder = builder.proxy(proxy);
        }
        if let Some(hosts) = options.no_proxy {
            builder = builder.no_proxy(hosts);
        }
        if let Some(honour) = options.proxy_from_env {
            builder = builder.proxy_from_env(honour);
        }
        if let Some(listener) = rate_limit_listener {
            builder = builder.on_rate_limit(move |r| listener.on_rate_limit(RateLimit::from(r)));
        }
        Ok(Arc::new(BankFeedsClient {
            inner: builder.build()?,
        }))
    }

    /// A copy of this client with another request timeout or retry bound, for the calls made
    /// through it (a slow call, one not to retry...). It shares the connections, the network
    /// settings and the rate-limit listener, and is cheap to make.
    ///
    /// ```kotlin
    /// val once = client.withOptions(requestTimeoutSeconds = 300.0, maxAttempts = 1u)
    /// ```
    #[uniffi::method(default(
        request_timeout_seconds = None,
        max_attempts = None,
        max_retry_seconds = None
    ))]
    pub fn with_options(
        &self,
        request_timeout_seconds: Option<f64>,
        max_attempts: Option<u32>,
        max_retry_seconds: Option<f64>,
    ) -> Result<Arc<Self>, BankFeedsError> {
        let mut inner = self.inner.clone();
        if let Some(s) = request_timeout_seconds {
            let timeout = seconds(s, "request timeout")?;
            if timeout.is_zero() {
                return Err(BankFeedsError::Configuration {
                    reason: "request timeout: must be more than zero".into(),
                });
            }
            inner = inner.with_request_timeout(timeout);
        }
        if max_attempts.is_some() || max_retry_seconds.is_some() {
            let mut policy = inner.retry_policy().clone();
            if let Some(n) = max_attempts {
                policy = policy.with_max_attempts(n);
            }
            if let Some(s) = max_retry_seconds {
                policy = policy.with_max_elapsed(seconds(s, "max retry time")?);
            }
            inner = inner.with_retry(policy);
        }
        Ok(Arc::new(BankFeedsClient { inner }))
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// One page of companies.
    pub async fn list_companies(
        &self,
        options: ListOptions,
    ) -> Result<CompanyPage, BankFeedsError> {
        // The query starts at `options.page`: its first page is the one asked for.
        let pager = self.inner.companies().list(options.to_core());
        Ok(pager.first().await?.into())
    }

    /// One company.
    pub async fn get_company(&self, company_id: String) -> Result<Company, BankFeedsError> {
        Ok(self.inner.companies().get(&company_id).await?.into())
    }

    /// Creates a company (one SMB customer).
    pub async fn create_company(
        &self,
        name: String,
        description: Option<String>,
    ) -> Result<Company, BankFeedsError> {
        let mut body = CompanyRequestBody::new(name);
        body.description = description;
        Ok(self.inner.companies().create(&body).await?.into())
    }

    /// Every connection of a company (all pages).
    pub async fn list_connections(
        &self,
        company_id: String,
    ) -> Result<Vec<Connection>, BankFeedsError> {
        let all = self
            .inner
            .connections(&company_id)
            .list(client::ListQuery::new())
            .all()
            .await?;
        Ok(all.into_iter().map(Connection::from).collect())
    }

    /// One connection; its `linkUrl` is where the customer authorises it.
    pub async fn get_connection(
        &self,
        company_id: String,
        connection_id: String,
    ) -> Result<Connection, BankFeedsError> {
        Ok(self
            .inner
            .connections(&company_id)
            .get(&connection_id)
            .await?
            .into())
    }

    /// Creates a connection to an accounting platform by its key (`gbol` Xero, `hcws`
    /// QuickBooks Online Bank Feeds, `olpr` Sage, `fbrh` FreeAgent, `akxx` NetSuite). It starts
    /// `PENDING_AUTH`, with the `linkUrl` to send the customer to.
    pub async fn create_connection(
        &self,
        company_id: String,
        platform_key: String,
    ) -> Result<Connection, BankFeedsError> {
        let key = PlatformKey::from(platform_key.as_str());
        Ok(self
            .inner
            .connections(&company_id)
            .create_for(key)
            .await?
            .into())
    }

    /// Unlinks a connection (`unlink-connection`): no more data flows, Codat keeps what it has,
    /// and the customer can link it again later. Returns the connection, now `UNLINKED`.
    pub async fn unlink_connection(
        &self,
        company_id: String,
        connection_id: String,
    ) -> Result<Connection, BankFeedsError> {
        Ok(self
            .inner
            .connections(&company_id)
            .unlink(&connection_id)
            .await?
            .into())
    }

    /// An access token for the company (`get-company-access-token`), for Codat's embedded UIs
    /// (Link, Connections, the embedded bank feeds set-up); valid for a day. Its `toString()`
    /// hides the token.
    pub async fn get_company_access_token(
        &self,
        company_id: String,
    ) -> Result<Arc<CompanyAccessToken>, BankFeedsError> {
        let token = self.inner.companies().access_token(&company_id).await?;
        Ok(Arc::new(token.into()))
    }

    /// A one-time password the customer types into the accounting platform to link the bank
    /// feed (`generate-otp`; **Sage only**: other platforms answer with an error), with its
    /// expiry. Its `toString()` hides the password.
    pub async fn generate_otp(
        &self,
        company_id: String,
        connection_id: String,
    ) -> Result<Arc<OneTimePassword>, BankFeedsError> {
        let otp = self
            .inner
            .source_accounts(&company_id, &connection_id)
            .generate_otp()
            .await?;
        Ok(Arc::new(otp.into()))
    }

    /// The connection's source accounts, with their feed status.
    pub async fn list_source_accounts(
        &self,
        company_id: String,
        connection_id: String,
    ) -> Result<Vec<SourceAccount>, BankFeedsError> {
        let accounts = self
            .inner
            .source_accounts(&company_id, &connection_id)
            .list()
            .await?;
        Ok(accounts.into_iter().map(SourceAccount::from).collect())
    }

    /// Creates a source account (retried safely: a lost answer does not create it twice).
    pub async fn create_source_account(
        &self,
        company_id: String,
        connection_id: String,
        account: NewSourceAccount,
    ) -> Result<SourceAccount, BankFeedsError> {
        let body = account.to_core()?;
        Ok(self
            .inner
            .source_accounts(&company_id, &connection_id)
            .create(body)
            .await?
            .into())
    }

    /// Changes a source account's name, balance (only while it is not `CONNECTED`) or status
    /// (only to `DISCONNECTED`) (`update-source-account`); returns the account as Codat has it.
    pub async fn update_source_account(
        &self,
        company_id: String,
        connection_id: String,
        account_id: String,
        update: SourceAccountUpdate,
    ) -> Result<SourceAccount, BankFeedsError> {
        let body = update.to_core(&account_id)?;
        let account = self
            .inner
            .source_accounts(&company_id, &connection_id)
            .update(&account_id, &body)
            .await?;
        Ok(bankfeeds::model::AnySourceAccount::V1(account).into())
    }

    /// Deletes a source account and its feed, with its mapping (`delete-source-account`).
    pub async fn delete_source_account(
        &self,
        company_id: String,
        connection_id: String,
        account_id: String,
    ) -> Result<(), BankFeedsError> {
        Ok(self
            .inner
            .source_accounts(&company_id, &connection_id)
            .delete(&account_id)
            .await?)
    }

    /// Each source account with the target account it feeds and the ones it could: the mapping
    /// status a set-up screen shows.
    pub async fn get_account_mappings(
        &self,
        company_id: String,
        connection_id: String,
    ) -> Result<Vec<AccountMapping>, BankFeedsError> {
        let mappings = self
            .inner
            .account_mapping(&company_id, &connection_id)
            .get()
            .await?;
        Ok(mappings.into_iter().map(AccountMapping::from).collect())
    }

    /// Maps a source account to a target account in the accounting software (from
    /// `getAccountMappings`' `targetAccountOptions`), for apps with their own mapping screen.
    /// Transactions can be pushed from `feed_start_date` (a day; Codat's default when left out).
    /// Check `MappingResult.failed`: Codat may refuse with a `200`.
    #[uniffi::method(default(feed_start_date = None))]
    pub async fn map_source_account(
        &self,
        company_id: String,
        connection_id: String,
        source_account_id: String,
        target_account_id: String,
        feed_start_date: Option<CalendarDate>,
    ) -> Result<MappingResult, BankFeedsError> {
        let mut body = BankFeedAccountMapping::new(source_account_id, target_account_id);
        if let Some(day) = feed_start_date {
            let day = day.parse().map_err(|e| {
                BankFeedsError::option(Some(Field::FeedStartDate), format!("feed start date: {e}"))
            })?;
            body =
                body.with_feed_start_date(Timestamp::new(day.and_time(NaiveTime::MIN).and_utc()));
        }
        Ok(self
            .inner
            .account_mapping(&company_id, &connection_id)
            .create(&body)
            .await?
            .into())
    }

    /// Pushes transactions to a source account, in order and each at most once: checks the
    /// connection and account, takes the account's lease in the push ledger, reads what the
    /// account already has (the ledger's record, with batches an earlier push left unanswered
    /// looked up), normalises and validates with the connection's platform rules, then pushes in
    /// batches, recording each in the ledger before it is sent and waiting for it.
    ///
    /// `options` must name the push ledger (`ledgerPath` or `ledger`); there is no default.
    ///
    /// Throws before sending anything: `Configuration` (no ledger), `Validation` (with every
    /// finding), `SourceAccountNotFound`, `AccountBusy` (another push holds the account),
    /// `HistoryUnknown` (the connection has pushes the ledger does not know: see
    /// `PushOptions.unknownHistory`), `Ledger`, or a request error. Once batches go out, problems
    /// do not throw: `PushReport.stopped` says where and why the push stopped, and a rerun with
    /// the same transactions sends only what is missing.
    ///
    /// ```kotlin
    /// val report = client.pushTransactions(companyId, connectionId, accountId, rows,
    ///     PushOptions(ledgerPath = context.filesDir.path), listener)
    /// if (!report.complete) println(report.stopped?.message)
    /// ```
    #[uniffi::method(default(listener = None))]
    pub async fn push_transactions(
        &self,
        company_id: String,
        connection_id: String,
        account_id: String,
        transactions: Vec<Transaction>,
        options: PushOptions,
        listener: Option<Box<dyn PushProgressListener>>,
    ) -> Result<PushReport, BankFeedsError> {
        let options = options.to_core(listener.map(Arc::<dyn PushProgressListener>::from))?;
        let rows: Vec<RawTransaction> =
            transactions.into_iter().map(RawTransaction::from).collect();
        let report = self
            .inner
            .push_transactions(&company_id, &connection_id, &account_id, rows, &options)
            .await?;
        Ok(report.into())
    }

    /// A company's push operations, a page at a time (`list-create-operations`): the push
    /// history a support screen shows. Narrow it with Codat's query language, e.g. one
    /// connection's bank feed pushes, newest first:
    ///
    /// ```kotlin
    /// client.listPushOperations(companyId, ListOptions(
    ///     query = "dataConnectionKey=$connectionId&&dataType=bankTransactions", orderBy = "-requestedOnUtc"))
    /// ```
    pub async fn list_push_operations(
        &self,
        company_id: String,
        options: ListOptions,
    ) -> Result<PushOperationPage, BankFeedsError> {
        let pager = self
            .inner
            .push_operations(&company_id)
            .list(options.to_core());
        Ok(pager.first().await?.into())
    }

    /// A push operation's current state.
    pub async fn get_push_operation(
        &self,
        company_id: String,
        push_operation_key: String,
    ) -> Result<PushOperation, BankFeedsError> {
        Ok(self
            .inner
            .push_operations(&company_id)
            .get(&push_operation_key)
            .await?
            .into())
    }

    /// Waits until a push operation is final (`SUCCESS`, `FAILED`, `TIMED_OUT`), polling every
    /// `poll_interval_seconds` (1) for at most `timeout_seconds` (30 minutes); throws
    /// `WaitTimeout` when it is still pending then.
    #[uniffi::method(default(poll_interval_seconds = None, timeout_seconds = None))]
    pub async fn wait_for_push_operation(
        &self,
        company_id: String,
        push_operation_key: String,
        poll_interval_seconds: Option<f64>,
        timeout_seconds: Option<f64>,
    ) -> Result<PushOperation, BankFeedsError> {
        let defaults = WaitOptions::default();
        let interval = poll_interval_seconds
            .map(|s| seconds(s, "poll interval"))
            .transpose()?
            .unwrap_or(defaults.poll_interval);
        let timeout = timeout_seconds
            .map(|s| seconds(s, "timeout"))
            .transpose()?
            .unwrap_or(defaults.timeout);
        let op = self
            .inner
            .push_operations(&company_id)
            .wait(&push_operation_key, &WaitOptions::every(interval, timeout))
            .await?;
        Ok(op.into())
    }
}
