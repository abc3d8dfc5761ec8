//! Many accounts at once: [`Client::push_all`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use futures_util::StreamExt as _;

use super::{LedgerChoice, ProgressFn, PushInput, PushOptions, PushProgress, PushReport};
use crate::client::{Client, Error};

/// One account to push: where, and its rows.
#[derive(Debug, Clone)]
pub struct AccountPush {
    /// The company.
    pub company_id: String,
    /// The connection.
    pub connection_id: String,
    /// The source account.
    pub account_id: String,
    /// Its rows.
    pub input: PushInput,
}

impl AccountPush {
    /// An account and its rows.
    pub fn new(
        company_id: impl Into<String>,
        connection_id: impl Into<String>,
        account_id: impl Into<String>,
        input: impl Into<PushInput>,
    ) -> Self {
        AccountPush {
            company_id: company_id.into(),
            connection_id: connection_id.into(),
            account_id: account_id.into(),
            input: input.into(),
        }
    }
}

/// Where one account of a [`Client::push_all`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountState {
    /// Waiting for its turn.
    Queued,
    /// Being pushed: the push's own progress.
    Pushing(PushProgress),
    /// Every row is on the account.
    Complete,
    /// The push ran but stopped short (a batch refused, timed out or still pending): rerun.
    Incomplete,
    /// The push failed before sending anything or could not run (the error's message).
    Failed(String),
}

/// A change of one account's state, given to the [`AccountProgressFn`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountProgress {
    /// The account's position in the list given, from 0.
    pub index: usize,
    /// The company.
    pub company_id: String,
    /// The connection.
    pub connection_id: String,
    /// The source account.
    pub account_id: String,
    /// Where it is.
    pub state: AccountState,
}

/// Receives every account's [`AccountProgress`]; called from the task running the pushes, so it
/// should return quickly.
pub type AccountProgressFn = Arc<dyn Fn(AccountProgress) + Send + Sync>;

/// Options of [`Client::push_all`].
///
/// ```
/// use bankfeeds::client::{PushAllOptions, PushOptions};
/// let options = PushAllOptions::new(PushOptions::new().batch_size(500))
///     .concurrency(16)
///     .on_progress(|p| eprintln!("{} {:?}", p.account_id, p.state));
/// assert_eq!(options.concurrency, 16);
/// ```
#[derive(Clone)]
pub struct PushAllOptions {
    /// The options of every account's push (ledger, rules, waits...). Its own progress callback
    /// is called too, for every account, without saying which: prefer
    /// [`PushAllOptions::on_progress`].
    pub push: PushOptions,
    /// Accounts pushed at once (8 by default; at least 1). Requests stay within the client's
    /// limits whatever this is ([`crate::client::ClientBuilder::max_per_company`]).
    pub concurrency: usize,
    /// Per-account progress.
    pub progress: Option<AccountProgressFn>,
}

impl fmt::Debug for PushAllOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushAllOptions")
            .field("push", &self.push)
            .field("concurrency", &self.concurrency)
            .field("progress", &self.progress.as_ref().map(|_| "<callback>"))
            .finish()
    }
}

impl Default for PushAllOptions {
    fn default() -> Self {
        PushAllOptions::new(PushOptions::default())
    }
}

impl PushAllOptions {
    /// Every account pushed with `push`, [`DEFAULT_CONCURRENCY`] at once.
    pub fn new(push: PushOptions) -> Self {
        PushAllOptions {
            push,
            concurrency: DEFAULT_CONCURRENCY,
            progress: None,
        }
    }

    /// Accounts pushed at once.
    pub fn concurrency(mut self, accounts: usize) -> Self {
        self.concurrency = accounts;
        self
    }

    /// Sets the per-account progress callback.
    pub fn on_progress(mut self, f: impl Fn(AccountProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
}

/// Accounts pushed at once by default.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How one account of a [`Client::push_all`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// Every row is on the account.
    Complete,
    /// The push ran but stopped short: see the report's `stopped` and `timed_out`.
    Incomplete,
    /// The push failed before sending anything, or could not run.
    Failed,
}

impl AccountStatus {
    /// `complete`, `incomplete`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Complete => "complete",
            AccountStatus::Incomplete => "incomplete",
            AccountStatus::Failed => "failed",
        }
    }
}

/// One account's outcome.
#[derive(Debug, Clone)]
pub struct AccountResult {
    /// The account's position in the list given, from 0.
    pub index: usize,
    /// The company.
    pub company_id: String,
    /// The connection.
    pub connection_id: String,
    /// The source account.
    pub account_id: String,
    /// What its push did, or why it did not run.
    pub outcome: Result<PushReport, Arc<Error>>,
}

impl AccountResult {
    /// Complete, incomplete or failed.
    pub fn status(&self) -> AccountStatus {
        match &self.outcome {
            Ok(r) if r.is_complete() => AccountStatus::Complete,
            Ok(_) => AccountStatus::Incomplete,
            Err(_) => AccountStatus::Failed,
        }
    }

    /// The report, when the push ran.
    pub fn report(&self) -> Option<&PushReport> {
        self.outcome.as_ref().ok()
    }

    /// The error, when it did not.
    pub fn error(&self) -> Option<&Error> {
        self.outcome.as_ref().err().map(|e| &**e)
    }

    /// Transactions pushed by this run.
    pub fn pushed(&self) -> usize {
        self.report().map_or(0, |r| r.pushed)
    }

    /// Transactions skipped: already on the account, or at or before the cursor.
    pub fn skipped(&self) -> usize {
        self.report()
            .map_or(0, |r| r.already_pushed.len() + r.skipped_by_cursor.len())
    }

    /// Transactions held back by batches that ended `TimedOut` in earlier runs.
    pub fn held_back(&self) -> usize {
        self.report().map_or(0, |r| r.held_back.len())
    }

    /// Transactions in batches that ended `TimedOut` and are not resolved (to reconcile).
    pub fn timed_out(&self) -> usize {
        self.report().map_or(0, |r| {
            r.timed_out.iter().map(|b| b.transaction_ids.len()).sum()
        })
    }

    /// Transactions not pushed: in failed or unfinished batches, or after the stop.
    pub fn not_pushed(&self) -> usize {
        self.report().map_or(0, |r| r.not_pushed)
    }

    /// Why the account is not complete, in a line; `None` when it is.
    pub fn problem(&self) -> Option<String> {
        match &self.outcome {
            Ok(r) if r.is_complete() => None,
            Ok(r) => Some(match &r.stopped {
                Some(stop) => stop.to_string(),
                None => format!(
                    "{} transaction(s) held back by timed-out batch(es): reconcile, then resend",
                    r.held_back.len()
                ),
            }),
            Err(e) => Some(e.to_string()),
        }
    }
}

/// What [`Client::push_all`] did: one entry per account, in the order given.
#[derive(Debug, Clone, Default)]
pub struct PushAllReport {
    /// Each account's outcome.
    pub accounts: Vec<AccountResult>,
}

impl PushAllReport {
    /// Whether every account is complete.
    pub fn is_complete(&self) -> bool {
        self.accounts
            .iter()
            .all(|a| a.status() == AccountStatus::Complete)
    }

    /// Accounts with this status.
    pub fn count(&self, status: AccountStatus) -> usize {
        self.accounts
            .iter()
            .filter(|a| a.status() == status)
            .count()
    }

    /// Transactions pushed by this run, all accounts.
    pub fn pushed(&self) -> usize {
        self.accounts.iter().map(AccountResult::pushed).sum()
    }
}

impl fmt::Display for PushAllReport {
    /// A table: one line per account, then the totals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name =
            |a: &AccountResult| format!("{}/{}/{}", a.company_id, a.connection_id, a.account_id);
        let width = self
            .accounts
            .iter()
            .map(|a| name(a).chars().count())
            .chain(["account".len()])
            .max()
            .unwrap_or(7);
        writeln!(
            f,
            "{:<width$}  {:>7}  {:>7}  {:>9}  {:>9}  {:>10}  status",
            "account", "pushed", "skipped", "held back", "timed out", "not pushed"
        )?;
        for a in &self.accounts {
            write!(
                f,
                "{:<width$}  {:>7}  {:>7}  {:>9}  {:>9}  {:>10}  {}",
                name(a),
                a.pushed(),
                a.skipped(),
                a.held_back(),
                a.timed_out(),
                a.not_pushed(),
                a.status().as_str()
            )?;
            if let Some(problem) = a.problem() {
                write!(f, ": {}", problem.replace('\n', " "))?;
            }
            writeln!(f)?;
        }
        write!(
            f,
            "{} account(s): {} complete, {} incomplete, {} failed; {} transaction(s) pushed",
            self.accounts.len(),
            self.count(AccountStatus::Complete),
            self.count(AccountStatus::Incomplete),
            self.count(AccountStatus::Failed),
            self.pushed()
        )
    }
}

impl Client {
    /// Pushes many accounts, [`PushAllOptions::concurrency`] at once, each as
    /// [`Client::push_transactions`] would (in order, each row at most once, through the
    /// ledger): a rerun pushes only what is missing. The client keeps every company within
    /// Codat's limit of concurrent requests and holds every request back after a
    /// `Retry-After` ([`crate::client::ClientBuilder::max_per_company`]).
    ///
    /// An account's error never stops the others: it is that account's outcome. The same
    /// account listed twice is refused the second time (two pushers would race for its lease).
    /// Fails only when the ledger cannot be opened, before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(client: bankfeeds::client::Client, rows: Vec<bankfeeds::model::BankTransaction>) -> Result<(), bankfeeds::client::Error> {
    /// use bankfeeds::client::{AccountPush, PushAllOptions, PushOptions};
    /// let accounts = vec![
    ///     AccountPush::new("company-1", "connection-1", "acc-001", rows.clone()),
    ///     AccountPush::new("company-2", "connection-2", "acc-002", rows),
    /// ];
    /// let options = PushAllOptions::new(PushOptions::new()).concurrency(16);
    /// let report = client.push_all(accounts, &options).await?;
    /// println!("{report}");
    /// # Ok(()) }
    /// ```
    pub async fn push_all(
        &self,
        accounts: Vec<AccountPush>,
        options: &PushAllOptions,
    ) -> Result<PushAllReport, Error> {
        let template = &shared_ledger(&options.push)?;
        let listed = list_accounts(accounts, options);
        let mut results: Vec<AccountResult> = futures_util::stream::iter(listed)
            .map(|(index, account, twice)| {
                self.push_listed(index, account, twice, template, options)
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
        results.sort_by_key(|r| r.index);
        Ok(PushAllReport { accounts: results })
    }

    /// Pushes one listed account (refused when it was listed before, at entry `twice`) and
    /// tells the caller how it ended.
    async fn push_listed(
        &self,
        index: usize,
        mut account: AccountPush,
        twice: Option<usize>,
        template: &PushOptions,
        options: &PushAllOptions,
    ) -> AccountResult {
        let outcome = match twice {
            Some(first) => Err(Arc::new(listed_twice(&account, first))),
            None => {
                let mut push = template.clone();
                push.progress = Some(account_progress(index, &account, options));
                let input =
                    std::mem::replace(&mut account.input, PushInput::Transactions(Vec::new()));
                self.push_transactions(
                    &account.company_id,
                    &account.connection_id,
                    &account.account_id,
                    input,
                    &push,
                )
                .await
                .map_err(Arc::new)
            }
        };
        let result = AccountResult {
            index,
            company_id: account.company_id.clone(),
            connection_id: account.connection_id.clone(),
            account_id: account.account_id.clone(),
            outcome,
        };
        let state = match (&result.outcome, result.status()) {
            (Err(e), _) => AccountState::Failed(e.to_string()),
            (_, AccountStatus::Complete) => AccountState::Complete,
            _ => AccountState::Incomplete,
        };
        tell(options, index, &account, state);
        result
    }
}

/// The push options every account's push starts from: one ledger for all, opened once and
/// shared by every account's push.
fn shared_ledger(push: &PushOptions) -> Result<PushOptions, Error> {
    let mut template = push.clone();
    if let LedgerChoice::Default | LedgerChoice::Path(_) = template.ledger {
        template.ledger = match template
            .ledger
            .open()
            .map_err(|e| Error::ledger("opening it", e))?
        {
            Some(ledger) => LedgerChoice::Custom(ledger),
            None => LedgerChoice::Off,
        };
    }
    Ok(template)
}

/// Gives the caller's per-account progress callback, if any, an account's new state.
fn tell(options: &PushAllOptions, index: usize, a: &AccountPush, state: AccountState) {
    if let Some(f) = &options.progress {
        f(AccountProgress {
            index,
            company_id: a.company_id.clone(),
            connection_id: a.connection_id.clone(),
            account_id: a.account_id.clone(),
            state,
        });
    }
}

/// The accounts in order, each queued (the caller is told) with the entry that listed it
/// first when it is listed again.
fn list_accounts(
    accounts: Vec<AccountPush>,
    options: &PushAllOptions,
) -> Vec<(usize, AccountPush, Option<usize>)> {
    let mut first_seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut listed = Vec::with_capacity(accounts.len());
    for (index, account) in accounts.into_iter().enumerate() {
        let key = (
            account.company_id.clone(),
            account.connection_id.clone(),
            account.account_id.clone(),
        );
        let twice = match first_seen.get(&key) {
            Some(first) => Some(*first),
            None => {
                first_seen.insert(key, index);
                None
            }
        };
        tell(options, index, &account, AccountState::Queued);
        listed.push((index, account, twice));
    }
    listed
}

/// The error of an account listed again after entry `first`.
fn listed_twice(account: &AccountPush, first: usize) -> Error {
    Error::Config(format!(
        "account {} of company {} on connection {} is listed more than once (first at entry {}): pushed once",
        account.account_id,
        account.company_id,
        account.connection_id,
        first + 1
    ))
}

/// One account's push progress: the push options' own callback, and the per-account one
/// with the account named.
fn account_progress(index: usize, account: &AccountPush, options: &PushAllOptions) -> ProgressFn {
    let own = options.push.progress.clone();
    let progress = options.progress.clone();
    let (company, connection, id) = (
        account.company_id.clone(),
        account.connection_id.clone(),
        account.account_id.clone(),
    );
    Arc::new(move |p: PushProgress| {
        if let Some(own) = &own {
            own(p.clone());
        }
        if let Some(f) = &progress {
            f(AccountProgress {
                index,
                company_id: company.clone(),
                connection_id: connection.clone(),
                account_id: id.clone(),
                state: AccountState::Pushing(p),
            });
        }
    })
}
