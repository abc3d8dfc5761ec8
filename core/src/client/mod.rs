//! An async client for Codat's Bank Feeds API, covering every operation of the spec, with
//! retries that never book a transaction twice.
//!
//! ```no_run
//! # async fn run() -> Result<(), bankfeeds::client::Error> {
//! use bankfeeds::client::{Client, ListQuery, PushOptions};
//! use bankfeeds::model::{CompanyRequestBody, PlatformKey};
//!
//! let client = Client::builder().api_key(std::env::var("CODAT_API_KEY").unwrap()).build()?;
//! let company = client.companies().create(&CompanyRequestBody::new("Toft Bakery")).await?;
//! let connection = client
//!     .connections(&company.id)
//!     .create_for(PlatformKey::QuickBooksOnlineBankFeeds)
//!     .await?;
//! let accounts = client.source_accounts(&company.id, &connection.id).list().await?;
//! let companies = client.companies().list(ListQuery::new().page_size(200)).all().await?;
//! # let _ = (accounts, companies); Ok(()) }
//! ```
//!
//! # Resource groups
//!
//! One method per tag of the spec, each returning a small handle whose methods are the
//! operations: [`Client::companies`], [`Client::connections`], [`Client::bank_accounts`],
//! [`Client::source_accounts`], [`Client::account_mapping`], [`Client::company_information`],
//! [`Client::transactions`], [`Client::push_operations`], [`Client::managed_bank_feeds`].
//! Paged lists return a [`Pager`] (a stream of pages or items, or [`Pager::all`]).
//!
//! # Retries
//!
//! [`RetryPolicy`] (the spec's `x-speakeasy-retries` by default) applies to `408`, `429`, `5xx`
//! and connection failures, honouring `Retry-After`, as far as repeating is harmless: reads,
//! replacements, deletions and creations keyed by your own ids are retried on all of them;
//! creations of companies, connections, bank accounts and syncs only when Codat certainly did
//! not process the request; a bank transactions push is never sent again without first looking
//! it up ([`push::once`]).
//!
//! # Synchronous callers
//!
//! The futures are `Send` and need a tokio runtime with I/O and time enabled:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
//! let client = bankfeeds::client::Client::new("my-codat-api-key")?;
//! let company = runtime.block_on(client.companies().get("company-id"))?;
//! # let _ = company; Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;

mod account_mapping;
mod bank_accounts;
mod companies;
mod company_information;
mod config;
mod connections;
mod error;
mod limit;
pub mod log;
mod managed_bank_feeds;
mod network;
mod paging;
pub mod push;
mod push_operations;
mod rate_limit;
mod request;
mod retry;
mod secret;
mod source_accounts;
#[cfg(test)]
mod testing;
mod transactions;
mod transport;

pub use account_mapping::AccountMapping;
pub use bank_accounts::BankAccounts;
pub use companies::Companies;
pub use company_information::CompanyInformation;
pub use config::{Auth, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BYTES, Timeouts};
pub use connections::Connections;
pub use error::{ApiError, Error};
pub use limit::DEFAULT_PER_COMPANY;
pub use managed_bank_feeds::ManagedBankFeeds;
pub use network::TrustStore;
pub use paging::{ItemStream, ListQuery, MAX_PAGE_SIZE, PageStream, Pager};
pub use push::{
    AccountProgress, AccountProgressFn, AccountPush, AccountResult, AccountState, AccountStatus,
    PushAllOptions, PushAllReport,
};
pub use push::{
    BatchOutcome, Cursor, HeldBatch, LedgerChoice, LookupOptions, ProgressFn, PushBatchOptions,
    PushEvents, PushHistory, PushInput, PushOptions, PushProgress, PushReport, PushStage, PushStop,
    PushedBatch, UnknownHistory,
};
pub use push_operations::{PushOperationEntry, PushOperations, WaitOptions};
pub use rate_limit::RateLimit;
pub use retry::{RetryPolicy, parse_retry_after};
pub use secret::{ApiKey, Secret};
pub use source_accounts::{BatchCreateOutcome, SourceAccountsApi};
pub use transactions::{PushParams, Transactions};
pub use transport::MAX_ERROR_BODY_BYTES;

use transport::Transport;

/// A Codat Bank Feeds client. Cheap to clone (one shared connection pool); safe to share across
/// tasks and threads.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Clone)]
pub(crate) struct Inner {
    pub(crate) base: url::Url,
    pub(crate) auth: Auth,
    pub(crate) auth_header: (String, Secret),
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: String,
    pub(crate) jitter_seed: Option<u64>,
    pub(crate) limits: transport::BodyLimits,
    pub(crate) on_rate_limit: Option<rate_limit::RateLimitFn>,
    pub(crate) transport: Arc<dyn Transport>,
    /// Requests in flight per company and in all, and the shared `Retry-After` pause.
    pub(crate) limiter: Arc<limit::Limiter>,
    /// Per connection: pushes sent by this client, one at a time (see [`push`]).
    pub(crate) push_gates: Arc<push::Gates>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("auth", &self.inner.auth)
            .field("timeouts", &self.inner.timeouts)
            .field("retry", &self.inner.retry)
            .field("user_agent", &self.inner.user_agent)
            .finish()
    }
}

impl Client {
    /// A builder: API key or custom header, base URL, timeouts, retry policy, user agent.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client for Codat's production API with an API key and the defaults.
    pub fn new(api_key: impl AsRef<str>) -> Result<Client, Error> {
        ClientBuilder::new().api_key(api_key).build()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The time limits.
    pub fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }

    /// A copy of this client whose attempts may each take `timeout` (the answer included), for
    /// the calls made through it: per-call overrides without a second connection pool.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use bankfeeds::client::{Client, RetryPolicy};
    /// let client = Client::new("my-codat-api-key").unwrap();
    /// // A slow report, allowed 5 minutes, tried once:
    /// let patient = client
    ///     .with_request_timeout(Duration::from_secs(300))
    ///     .with_retry(RetryPolicy::never());
    /// assert_eq!(patient.timeouts().request, Duration::from_secs(300));
    /// assert_eq!(client.timeouts().request, Duration::from_secs(60));
    /// ```
    ///
    /// The copy shares the connection pool, the network settings and the `on_rate_limit`
    /// callback; it costs one allocation. A zero timeout is taken as the smallest there is (1 ms).
    pub fn with_request_timeout(&self, timeout: std::time::Duration) -> Client {
        let mut inner = (*self.inner).clone();
        inner.timeouts.request = timeout.max(std::time::Duration::from_millis(1));
        Client {
            inner: Arc::new(inner),
        }
    }

    /// A copy of this client retrying as `policy` says, for the calls made through it (see
    /// [`Client::with_request_timeout`]). A push is still never sent twice without a look-up.
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        let mut inner = (*self.inner).clone();
        inner.retry = policy;
        Client {
            inner: Arc::new(inner),
        }
    }

    /// Companies: create, list, get, replace, update, delete, access token.
    pub fn companies(&self) -> Companies<'_> {
        Companies { client: self }
    }

    /// A company's connections: create, list, get, unlink, delete, fresh link URL.
    pub fn connections<'a>(&'a self, company_id: &'a str) -> Connections<'a> {
        Connections {
            client: self,
            company_id,
        }
    }

    /// The platform's bank accounts on a connection: list, creation model, create.
    pub fn bank_accounts<'a>(
        &'a self,
        company_id: &'a str,
        connection_id: &'a str,
    ) -> BankAccounts<'a> {
        BankAccounts {
            client: self,
            company_id,
            connection_id,
        }
    }

    /// A connection's source accounts: create (one or many), list, update, delete, credentials,
    /// one-time password.
    pub fn source_accounts<'a>(
        &'a self,
        company_id: &'a str,
        connection_id: &'a str,
    ) -> SourceAccountsApi<'a> {
        SourceAccountsApi {
            client: self,
            company_id,
            connection_id,
        }
    }

    /// A connection's account mapping: get, create.
    pub fn account_mapping<'a>(
        &'a self,
        company_id: &'a str,
        connection_id: &'a str,
    ) -> AccountMapping<'a> {
        AccountMapping {
            client: self,
            company_id,
            connection_id,
        }
    }

    /// What the platform says about the linked company.
    pub fn company_information<'a>(
        &'a self,
        company_id: &'a str,
        connection_id: &'a str,
    ) -> CompanyInformation<'a> {
        CompanyInformation {
            client: self,
            company_id,
            connection_id,
        }
    }

    /// Pushing bank transactions on a connection: one push, one safe push, the push model, the
    /// account's history.
    pub fn transactions<'a>(
        &'a self,
        company_id: &'a str,
        connection_id: &'a str,
    ) -> Transactions<'a> {
        Transactions {
            client: self,
            company_id,
            connection_id,
        }
    }

    /// A company's push operations: get, list, wait.
    pub fn push_operations<'a>(&'a self, company_id: &'a str) -> PushOperations<'a> {
        PushOperations {
            client: self,
            company_id,
        }
    }

    /// A source account's managed syncs: get, latest, run.
    pub fn managed_bank_feeds<'a>(
        &'a self,
        company_id: &'a str,
        connection_id: &'a str,
        source_account_id: &'a str,
    ) -> ManagedBankFeeds<'a> {
        ManagedBankFeeds {
            client: self,
            company_id,
            connection_id,
            source_account_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync + Clone + 'static>() {}

    /// Bindings run these futures on multi-threaded runtimes and hand them to other threads.
    #[test]
    fn client_and_futures_are_send() {
        send_sync::<Client>();
        send_sync::<PushOptions>();
        send_sync::<PushReport>();
        send_sync::<PushAllReport>();
        send_sync::<PushAllOptions>();
        let client = Client::new("k").unwrap();
        let options = PushOptions::new();
        let rows: Vec<crate::model::BankTransaction> = Vec::new();
        send(&client.push_transactions("c", "k", "a", rows, &options));
        send(&client.companies().get("c"));
        send(&client.push_all(Vec::new(), &PushAllOptions::default()));
        send(&client.companies().list(ListQuery::new()).all());
        send(&client.companies().list(ListQuery::new()).items());
        send(
            &client
                .push_operations("c")
                .wait("k", &WaitOptions::default()),
        );
        send(&client.transactions("c", "k").history(
            "a",
            None,
            &WaitOptions::default(),
            &LookupOptions::default(),
        ));
    }
}
