//! # bankfeeds-sandbox
//!
//! An in-memory Codat Bank Feeds server for offline development and for the tests of every
//! binding. It speaks the API of `Codat-Bank-Feeds.json`: the same paths, methods, bodies and
//! status codes, Codat's `ErrorMessage` body on errors, bodies typed with the core's
//! [`bankfeeds::model`]. Pushes are validated with the core's platform rules
//! ([`bankfeeds::validate::validate_push`]), so a push the sandbox accepts is one the rules
//! accept.
//!
//! On top of the API it has endpoints under `/sandbox/` that stand in for the customer (complete
//! a connection's link, map a source account), read back stored transactions, set a
//! [fault plan](faults), and report health and [`Stats`]. `sandbox/README.md` lists them all.
//!
//! With [`SandboxBuilder::check_spec`] every answer is checked against Codat's OpenAPI spec as it
//! is sent ([`spec`]): one that breaks it is recorded and replaced by a `500` naming the
//! violation, so a test that talks to the sandbox also proves the answers it relied on are the
//! spec's.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::time::Duration;
//! use bankfeeds_sandbox::Sandbox;
//!
//! let sandbox = Sandbox::builder()
//!     .port(0) // a free port
//!     .push_delay(Duration::from_millis(50))
//!     .today(chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap())
//!     .start()
//!     .await?;
//! println!("Codat sandbox at {}", sandbox.url());
//! // ... point a client at sandbox.url() with any `Authorization: Basic <key>` ...
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Synchronous callers (a CLI, a test in another language's harness) use
//! [`SandboxBuilder::start_blocking`], which runs the server on its own thread and runtime.
#![warn(missing_docs)]

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bankfeeds::model::{AnySourceAccount, BankTransaction, Connection};
use chrono::NaiveDate;
use tokio::net::TcpListener;
use tokio::sync::watch;

mod api;
mod error;
pub mod faults;
mod query;
mod sandbox_api;
mod server;
pub mod spec;
mod stats;
mod store;
pub mod webhooks;

pub use faults::{Fault, FaultRule, Faults};
pub use spec::{Checked, Spec, SpecViolation};
pub use stats::Stats;
pub use webhooks::{WebhookAttempt, WebhookLog, WebhookMessage, WebhookState};

use faults::FaultEngine;
use store::{Settings, Store};
use webhooks::WebhookConfig;

/// Which credentials the sandbox accepts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Auth {
    /// The one key `Authorization: Basic <key>` must carry; any non-empty key when `None`.
    pub(crate) api_key: Option<String>,
    /// A header name and value accepted instead of `Authorization`.
    pub(crate) custom_header: Option<(String, String)>,
}

/// Everything that changes, behind one lock.
pub(crate) struct State {
    pub(crate) store: Store,
    pub(crate) stats: Stats,
    pub(crate) faults: FaultEngine,
    /// The first [`MAX_VIOLATIONS_KEPT`] spec violations (all are counted in `stats`).
    pub(crate) violations: Vec<SpecViolation>,
    /// The rate limit as the webhooks report it.
    pub(crate) quota: webhooks::Quota,
    /// API requests in flight per company now.
    pub(crate) in_flight: std::collections::HashMap<String, u64>,
}

/// How many spec violations the sandbox keeps to list; more are counted, not kept.
pub(crate) const MAX_VIOLATIONS_KEPT: usize = 1000;

/// What every request handler shares.
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    pub(crate) auth: Auth,
    /// The spec every API answer is checked against, when checking is on.
    pub(crate) spec: Option<Arc<Spec>>,
    /// Where webhooks go and what was sent, when they are on.
    pub(crate) webhooks: Option<webhooks::Webhooks>,
    state: Mutex<State>,
    pub(crate) shutdown: watch::Sender<bool>,
}

impl Shared {
    /// The state; a handler that panicked while holding the lock does not stop the sandbox.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The counters, after applying what is due (so finished pushes are counted).
    pub(crate) fn stats(&self) -> Stats {
        let mut state = self.lock();
        let State { store, stats, .. } = &mut *state;
        store.settle(std::time::Instant::now(), &self.settings, stats);
        stats.clone()
    }

    fn set_faults(&self, plan: Faults) -> Result<(), String> {
        plan.check()?;
        self.lock().faults = FaultEngine::new(plan);
        Ok(())
    }

    fn spec_violations(&self) -> Vec<SpecViolation> {
        self.lock().violations.clone()
    }

    pub(crate) fn webhook_log(&self) -> Option<WebhookLog> {
        self.webhooks
            .as_ref()
            .map(|h| h.log.snapshot(&h.config.url))
    }
}

/// Where the spec to check answers against comes from ([`SandboxBuilder::check_spec`]).
#[derive(Debug, Clone)]
pub enum SpecSource {
    /// A JSON file, read when the sandbox starts.
    File(PathBuf),
    /// The document itself.
    Document(serde_json::Value),
    /// A spec already loaded.
    Loaded(Arc<Spec>),
}

impl From<PathBuf> for SpecSource {
    fn from(path: PathBuf) -> Self {
        SpecSource::File(path)
    }
}

impl From<&std::path::Path> for SpecSource {
    fn from(path: &std::path::Path) -> Self {
        SpecSource::File(path.to_owned())
    }
}

impl From<serde_json::Value> for SpecSource {
    fn from(doc: serde_json::Value) -> Self {
        SpecSource::Document(doc)
    }
}

impl From<Spec> for SpecSource {
    fn from(spec: Spec) -> Self {
        SpecSource::Loaded(Arc::new(spec))
    }
}

impl From<Arc<Spec>> for SpecSource {
    fn from(spec: Arc<Spec>) -> Self {
        SpecSource::Loaded(spec)
    }
}

impl SpecSource {
    fn load(self) -> Result<Arc<Spec>, String> {
        match self {
            SpecSource::File(path) => Spec::from_path(path).map(Arc::new),
            SpecSource::Document(doc) => Spec::from_value(doc).map(Arc::new),
            SpecSource::Loaded(spec) => Ok(spec),
        }
    }
}

/// Why a direct call on a running sandbox ([`Running::complete_link`]...) was refused:
/// the HTTP status and Codat's error message the same call over HTTP would answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxError {
    /// The HTTP status, e.g. 404.
    pub status: u16,
    /// The error message.
    pub message: String,
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for SandboxError {}

impl From<error::ApiError> for SandboxError {
    fn from(e: error::ApiError) -> Self {
        SandboxError {
            status: e.status.as_u16(),
            message: e.message,
        }
    }
}

/// What the customer does outside the API, callable without HTTP (the `/sandbox/` endpoints do
/// the same over HTTP).
impl Shared {
    fn complete_link(&self, company: &str, connection: &str) -> Result<Connection, SandboxError> {
        Ok(api::with_store(self, |st, _| {
            st.link_connection(company, connection, None)
        })?)
    }

    fn map_account(
        &self,
        company: &str,
        connection: &str,
        account: &str,
        feed_start: Option<NaiveDate>,
    ) -> Result<AnySourceAccount, SandboxError> {
        let start = feed_start.map(|d| {
            bankfeeds::dates::Timestamp::new(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        });
        Ok(api::with_store(self, |st, sh| {
            st.sandbox_map(company, connection, account, None, start, &sh.settings)
        })?)
    }

    fn stored_transactions(
        &self,
        company: &str,
        connection: &str,
        account: &str,
    ) -> Result<Vec<BankTransaction>, SandboxError> {
        Ok(api::with_store(self, |st, _| {
            st.account_rec(company, connection, account)
                .map(|a| a.transactions.clone())
        })?)
    }
}

/// Entry point: `Sandbox::builder()`.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with the defaults: a free port, pushes finishing after 200 ms, today's real
    /// UTC date, one-hour link passwords, no faults, any API key.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    port: u16,
    push_delay: Duration,
    mapping_delay: Duration,
    today: Option<NaiveDate>,
    otp_validity: Duration,
    push_data_in_history: bool,
    ignore_order_by: bool,
    spec: Option<SpecSource>,
    faults: Faults,
    auth: Auth,
    webhook_target: Option<(String, String)>,
    webhook_retry: Vec<Duration>,
    webhook_timeout: Duration,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            port: 0,
            push_delay: Duration::from_millis(200),
            mapping_delay: Duration::ZERO,
            today: None,
            otp_validity: Duration::from_secs(3600),
            push_data_in_history: false,
            ignore_order_by: false,
            spec: None,
            faults: Faults::none(),
            auth: Auth::default(),
            webhook_target: None,
            webhook_retry: webhooks::DEFAULT_RETRY_SCHEDULE.to_vec(),
            webhook_timeout: webhooks::DEFAULT_ATTEMPT_TIMEOUT,
        }
    }
}

impl SandboxBuilder {
    /// The port on 127.0.0.1; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long a push stays `Pending` before it finishes.
    pub fn push_delay(mut self, delay: Duration) -> Self {
        self.push_delay = delay;
        self
    }

    /// How long an account mapped through the API stays `connecting` (default: until the next
    /// request).
    pub fn mapping_delay(mut self, delay: Duration) -> Self {
        self.mapping_delay = delay;
        self
    }

    /// The day the platform rules take as today (future dates, Xero's one-year limit, the
    /// default feed start date). Default: the real UTC date, read on each use.
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    /// How long the one-time password in a connection's `linkUrl` is valid (Codat: one hour).
    pub fn otp_validity(mut self, validity: Duration) -> Self {
        self.otp_validity = validity;
        self
    }

    /// **Legacy.** Whether getting and listing push operations (`get-create-operation`,
    /// `list-create-operations`) also carry each push's `data`, the records it carried, as
    /// Codat's API did until 2024. Off by default: the spec's `PushOperation` has no `data`, so a
    /// client cannot tell from the history which transactions an operation carried. The push's
    /// own answer (`create-bank-transactions`) always has `data`, as the spec says. With it on,
    /// the sandbox also keeps every push's transactions for the history (more memory).
    pub fn push_data_in_history(mut self, include: bool) -> Self {
        self.push_data_in_history = include;
        self
    }

    /// Lists ignore `orderBy` and answer oldest first (the order items were made), as a server
    /// that does not honour it would; a client's look-ups can then be tested against one. Off by
    /// default: `orderBy=-requestedOnUtc` orders newest first.
    pub fn ignore_order_by(mut self, ignore: bool) -> Self {
        self.ignore_order_by = ignore;
        self
    }

    /// Checks every API answer against Codat's spec (a path to `Codat-Bank-Feeds.json`, the
    /// document as a `serde_json::Value`, or a [`Spec`]): the status must be one the operation
    /// declares, the content type and body what that response declares, strictly (a property
    /// the schema does not declare is a violation). Error bodies and injected faults are checked
    /// too; the `/sandbox/` endpoints and the link pages are not.
    ///
    /// A violation is printed to stderr, kept (`GET /sandbox/spec-violations`,
    /// [`Running::spec_violations`]), counted in [`Stats::spec_violations`], and the answer
    /// is replaced by a `500` with Codat's error body naming it (`canBeRetried: False`), so the
    /// client under test fails visibly. [`start`](Self::start) fails when the spec cannot be
    /// read.
    pub fn check_spec(mut self, spec: impl Into<SpecSource>) -> Self {
        self.spec = Some(spec.into());
        self
    }

    /// [`check_spec`](Self::check_spec) with the file the `BANKFEEDS_SPEC` environment variable
    /// names, when it is set (test scripts set it); nothing otherwise.
    pub fn check_spec_from_env(self) -> Self {
        match std::env::var_os(spec::SPEC_ENV).filter(|p| !p.is_empty()) {
            Some(path) => self.check_spec(PathBuf::from(path)),
            None => self,
        }
    }

    /// The fault plan to start with.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Accept only this API key in `Authorization: Basic <key>` (the key itself or its base64
    /// form); without it any non-empty key is accepted.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.auth.api_key = Some(key.into());
        self
    }

    /// Also accept requests carrying this header with this exact value instead of
    /// `Authorization`.
    pub fn auth_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.auth.custom_header = Some((name.into().to_ascii_lowercase(), value.into()));
        self
    }

    /// Sends Codat's webhooks to `url`, signed with `secret` (`whsec_` and base64) the Svix way:
    /// source accounts connected and disconnected, push operations ending, the rate limit reached
    /// and reset ([`webhooks`] has the details). Retried on a non-2xx answer or none, with the
    /// default schedule ([`webhooks::DEFAULT_RETRY_SCHEDULE`]) unless
    /// [`webhook_retry_schedule`](Self::webhook_retry_schedule) sets another; every message and
    /// attempt is listed at `GET /sandbox/webhooks`. [`start`](Self::start) fails when the URL or
    /// the secret is unusable.
    pub fn webhooks(mut self, url: impl Into<String>, secret: impl Into<String>) -> Self {
        self.webhook_target = Some((url.into(), secret.into()));
        self
    }

    /// The delays before each retry of a webhook (so attempts = delays + 1, at most 101).
    /// Has no effect without [`webhooks`](Self::webhooks).
    pub fn webhook_retry_schedule(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.webhook_retry = delays.into_iter().collect();
        self
    }

    /// How long one webhook attempt waits for the receiver's answer (default 5 s).
    pub fn webhook_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.webhook_timeout = timeout;
        self
    }

    /// Binds 127.0.0.1 and serves on the current tokio runtime until
    /// [`SandboxHandle::shutdown`] (or the handle is dropped).
    pub async fn start(self) -> std::io::Result<SandboxHandle> {
        self.faults.check().map_err(invalid_input)?;
        let spec = self
            .spec
            .map(SpecSource::load)
            .transpose()
            .map_err(invalid_input)?;
        let webhooks = match self.webhook_target {
            Some((url, secret)) => Some(start_webhooks(WebhookConfig {
                url,
                secret,
                retry_schedule: self.webhook_retry,
                attempt_timeout: self.webhook_timeout,
            })?),
            None => None,
        };
        let (outbox, events) = match &webhooks {
            Some(_) => {
                let (outbox, events) = webhooks::channel();
                (Some(outbox), Some(events))
            }
            None => (None, None),
        };
        let listener =
            TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))).await?;
        let addr = listener.local_addr()?;
        let url = format!("http://{addr}");
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            settings: Settings {
                push_delay: self.push_delay,
                mapping_delay: self.mapping_delay,
                today: self.today,
                otp_validity: self.otp_validity,
                push_data_in_history: self.push_data_in_history,
                ignore_order_by: self.ignore_order_by,
                base_url: url.clone(),
                client_id: uuid::Uuid::new_v4().to_string(),
            },
            auth: self.auth,
            spec,
            webhooks,
            state: Mutex::new(State {
                store: Store::with_outbox(outbox),
                stats: Stats::default(),
                faults: FaultEngine::new(self.faults),
                violations: Vec::new(),
                quota: webhooks::Quota::default(),
                in_flight: std::collections::HashMap::new(),
            }),
            shutdown,
        });
        let router = router(shared.clone());
        if let Some(events) = events {
            webhooks::spawn(shared.clone(), events);
        }
        let task = tokio::spawn(server::serve(listener, shared.clone(), router));
        Ok(SandboxHandle {
            running: Running { url, addr, shared },
            task: Some(task),
        })
    }

    /// Starts the sandbox on a thread of its own with its own runtime, for callers without
    /// one. Returns once the port is bound.
    pub fn start_blocking(self) -> std::io::Result<BlockingSandbox> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("bankfeeds-sandbox".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match self.start().await {
                        Ok(mut handle) => {
                            let task = handle.task.take();
                            let _ = tx.send(Ok(Running {
                                url: handle.running.url.clone(),
                                addr: handle.running.addr,
                                shared: handle.running.shared.clone(),
                            }));
                            if let Some(task) = task {
                                let _ = task.await;
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })?;
        let running = rx
            .recv()
            .map_err(|_| std::io::Error::other("the sandbox thread stopped before it started"))??;
        Ok(BlockingSandbox {
            running,
            thread: Some(thread),
        })
    }
}

/// A builder setting the sandbox cannot start with.
fn invalid_input(e: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
}

/// Webhooks to `config`'s receiver, once its URL and secret are usable.
fn start_webhooks(config: WebhookConfig) -> std::io::Result<webhooks::Webhooks> {
    config.check().map_err(invalid_input)?;
    webhooks::http_client(&config).map_err(std::io::Error::other)?;
    Ok(webhooks::Webhooks {
        config,
        log: Default::default(),
    })
}

/// Every route of Codat's API and of the sandbox's own, over `shared`.
fn router(shared: Arc<Shared>) -> axum::Router {
    api::routes()
        .merge(sandbox_api::routes())
        .fallback(server::not_found)
        .method_not_allowed_fallback(server::method_not_allowed)
        // The core's push body limit, the one its batches keep to (see server::too_large).
        .layer(axum::extract::DefaultBodyLimit::max(
            bankfeeds::batch::MAX_PUSH_BODY_BYTES,
        ))
        .with_state(shared)
}

/// A running sandbox on the caller's runtime. Dropping it stops the server. Everything a test
/// asks of a running sandbox is on [`Running`], which this dereferences to.
#[derive(Debug)]
pub struct SandboxHandle {
    running: Running,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A running sandbox, however it was started ([`SandboxHandle`] on the caller's runtime,
/// [`BlockingSandbox`] on a thread of its own; both dereference to this): its address, counters,
/// spec findings and webhook log, and the calls that play the customer's side (completing a
/// link, mapping an account) or the test's (faults).
#[derive(Debug)]
pub struct Running {
    url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("base_url", &self.settings.base_url)
            .finish_non_exhaustive()
    }
}

impl Running {
    /// The base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Whether answers are checked against the spec ([`SandboxBuilder::check_spec`]).
    pub fn checks_spec(&self) -> bool {
        self.shared.spec.is_some()
    }

    /// The spec violations found so far (the first 1,000; [`Stats::spec_violations`] counts
    /// them all). Always empty when the spec is not checked.
    pub fn spec_violations(&self) -> Vec<SpecViolation> {
        self.shared.spec_violations()
    }

    /// The webhook messages sent so far with their attempts (the last
    /// [`webhooks::MAX_MESSAGES_KEPT`]), or `None` when webhooks are off.
    pub fn webhook_log(&self) -> Option<WebhookLog> {
        self.shared.webhook_log()
    }

    /// Replaces the fault plan (counters and generator restart); refused when a rule is
    /// invalid.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        self.shared.set_faults(faults)
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults = FaultEngine::new(Faults::none());
    }

    /// Completes a connection's link as the customer would in Codat Link: `Linked`.
    pub fn complete_link(
        &self,
        company: &str,
        connection: &str,
    ) -> Result<Connection, SandboxError> {
        self.shared.complete_link(company, connection)
    }

    /// Maps a source account as the customer would in their software: `connected`, with the
    /// feed start date (default: the sandbox's today).
    pub fn map_account(
        &self,
        company: &str,
        connection: &str,
        account: &str,
        feed_start: Option<NaiveDate>,
    ) -> Result<AnySourceAccount, SandboxError> {
        self.shared
            .map_account(company, connection, account, feed_start)
    }

    /// Every transaction stored on a source account by successful pushes, in order.
    pub fn stored_transactions(
        &self,
        company: &str,
        connection: &str,
        account: &str,
    ) -> Result<Vec<BankTransaction>, SandboxError> {
        self.shared
            .stored_transactions(company, connection, account)
    }

    /// A cheap handle that can stop the server from anywhere, e.g. a signal handler.
    pub fn stopper(&self) -> Stopper {
        Stopper(self.shared.clone())
    }
}

impl std::ops::Deref for SandboxHandle {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.running
    }
}

impl SandboxHandle {
    /// Stops accepting connections, lets open requests finish (up to five seconds) and waits
    /// for the server to stop.
    pub async fn shutdown(mut self) {
        self.running.shared.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server stops (after [`SandboxHandle::shutdown`] from elsewhere, or a
    /// `stop` through [`Running::stopper`]).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.running.shared.shutdown.send_replace(true);
        }
    }
}

/// Stops a sandbox when [`Stopper::stop`] is called.
#[derive(Debug, Clone)]
pub struct Stopper(Arc<Shared>);

impl Stopper {
    /// Asks the server to stop; [`SandboxHandle::wait`] then returns.
    pub fn stop(&self) {
        self.0.shutdown.send_replace(true);
    }
}

/// A sandbox running on its own thread. Dropping it stops the server and joins the thread.
/// Everything a test asks of a running sandbox is on [`Running`], which this dereferences to.
#[derive(Debug)]
pub struct BlockingSandbox {
    running: Running,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::ops::Deref for BlockingSandbox {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.running
    }
}

impl BlockingSandbox {
    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.running.shared.shutdown.send_replace(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BlockingSandbox {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
