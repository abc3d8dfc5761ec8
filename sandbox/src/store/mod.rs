//! The sandbox's memory: companies with their connections, source accounts, stored transactions
//! and push operations. Everything that changes state lives here, away from HTTP.
//!
//! Time-driven changes (a push finishing, an API mapping becoming `connected`) are applied
//! lazily by [`Store::settle`], which every request calls first, in the order they were
//! requested. That keeps the sandbox free of background tasks and its outcomes deterministic.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use bankfeeds::dates::Timestamp;
use bankfeeds::model::{
    AnySourceAccount, BankAccount, BankAccountCredentials, BankAccountStatus, BankAccountType,
    BankFeedAccountMapping, BankFeedAccountMappingResponse, BankFeedMapping, BankTransaction,
    Company, CompanyAccessToken, CompanyInformation, CompanyRequestBody, CompanyUpdateRequest,
    Connection, ConnectionStatus, CreateBankTransactions, CreateBankTransactionsResponse,
    CreateConnectionRequestBody, CreateSourceAccount, DataType, GenerateOtpResponse, Metadata,
    PlatformKey, PushChangeType, PushOperation, PushOperationChange, PushOperationRef,
    PushOperationStatus, SourceAccount, SourceAccountStatus, SourceAccountV2, SourceType,
    SyncStatusResult, TargetAccountOption, Validation, ValidationItem,
};
use bankfeeds::money::Currency;
use bankfeeds::rules::Platform;
use bankfeeds::validate::{
    self, AccountContext, Issue, Severity, ValidationContext, ValidationReport,
};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::error::ApiError;

mod accounts;
mod bank_accounts;
mod push;
mod syncs;

use crate::stats::Stats;
pub(crate) use accounts::AccountUpdate;
use accounts::{account_status_mut, set_modified};
pub(crate) use bank_accounts::BANK_ACCOUNT_PROPERTIES;
use push::{PushRec, complete_push};
use syncs::SyncRec;

/// What the sandbox was started with.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) push_delay: Duration,
    pub(crate) mapping_delay: Duration,
    pub(crate) today: Option<NaiveDate>,
    pub(crate) otp_validity: Duration,
    /// Whether get/list of push operations carry the push's `data` (legacy).
    pub(crate) push_data_in_history: bool,
    /// Whether lists ignore `orderBy` (oldest first).
    pub(crate) ignore_order_by: bool,
    pub(crate) base_url: String,
    /// The Codat client that owns every company of this sandbox (`clientId` of managed syncs).
    pub(crate) client_id: String,
}

impl Settings {
    /// The sandbox's today: the configured day, or the real UTC date.
    pub(crate) fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(|| Utc::now().date_naive())
    }
}

pub(crate) struct AccountRec {
    pub(crate) account: AnySourceAccount,
    target: Option<String>,
    /// When an account mapped through the API becomes `connected`.
    connected_at: Option<Instant>,
    pub(crate) transactions: Vec<BankTransaction>,
    /// The newest date among `transactions`, kept as they are stored.
    latest: Option<chrono::NaiveDateTime>,
}

pub(crate) struct ConnectionRec {
    company_id: String,
    pub(crate) connection: Connection,
    otps: Vec<(String, Timestamp)>,
    /// The bank accounts in the customer's accounting platform: the targets a source account
    /// can be mapped to, and what `list-bank-accounts` lists.
    bank_accounts: Vec<BankAccount>,
    pub(crate) accounts: Vec<AccountRec>,
    credentials: Option<BankAccountCredentials>,
    /// Managed bank feed syncs of every source account, oldest first.
    syncs: Vec<SyncRec>,
}

pub(crate) struct CompanyRec {
    company: Company,
    pub(crate) connections: Vec<ConnectionRec>,
    /// Push operations in the order they were requested.
    pushes: Vec<PushRec>,
    /// Each push operation's position in `pushes`, by key.
    push_index: HashMap<String, usize>,
    /// The positions in `pushes` of each connection's operations, by connection id in lower
    /// case (a list filtered on `dataConnectionKey` reads only those).
    pushes_by_connection: HashMap<String, Vec<usize>>,
    /// Whether `pushes` is in strictly increasing `requestedOnUtc` (it is unless the clock
    /// stepped back): a list ordered by it then needs no sorting.
    pushes_in_time_order: bool,
}

/// Everything the sandbox holds.
///
/// Companies are kept in creation order and found by id through an index; each company's push
/// operations likewise. What is due later (pushes to finish, API mappings to connect) waits in
/// queues in the order it was made, so a request settles only what is due instead of visiting
/// everything.
#[derive(Default)]
pub(crate) struct Store {
    companies: BTreeMap<u64, CompanyRec>,
    company_index: HashMap<String, u64>,
    next_company: u64,
    /// Pending pushes, oldest first: (company, position in its `pushes`). The push delay is the
    /// same for all, so they fall due in this order.
    pending_pushes: VecDeque<(u64, usize)>,
    /// Accounts mapped through the API and not yet connected, oldest first: (when, company,
    /// connection id, account id).
    connecting: VecDeque<(Instant, u64, String, String)>,
    /// Where events for webhooks go, when the sandbox sends them.
    pub(crate) outbox: Option<crate::webhooks::Outbox>,
}

fn random_bytes() -> [u8; 16] {
    *uuid::Uuid::new_v4().as_bytes()
}

/// `n` random characters from `alphabet`.
fn random_text(alphabet: &[u8], n: usize) -> String {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for b in random_bytes() {
            if out.len() < n {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn now() -> Timestamp {
    Timestamp::now()
}

fn midnight(day: NaiveDate) -> Timestamp {
    Timestamp::new(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

impl Store {
    /// An empty store that hands events for webhooks to `outbox`, when given.
    pub(crate) fn with_outbox(outbox: Option<crate::webhooks::Outbox>) -> Self {
        Store {
            outbox,
            ..Store::default()
        }
    }

    // ---- time-driven changes -------------------------------------------------------------

    /// Applies what is due by `at`: API mappings become `connected`, pending pushes finish, in
    /// the order they were requested.
    pub(crate) fn settle(&mut self, at: Instant, settings: &Settings, stats: &mut Stats) {
        while let Some((due, company, connection, account)) = self.connecting.front() {
            if *due > at {
                break;
            }
            let (due, company, connection, account) =
                (*due, *company, connection.clone(), account.clone());
            self.connecting.pop_front();
            let Some(acc) = self
                .companies
                .get_mut(&company)
                .and_then(|c| {
                    c.connections
                        .iter_mut()
                        .find(|c| c.connection.id == connection)
                })
                .and_then(|c| c.accounts.iter_mut().find(|a| a.account.id() == account))
            else {
                continue;
            };
            // Unless it was disconnected or mapped again since.
            if acc.connected_at == Some(due) {
                acc.connected_at = None;
                *account_status_mut(&mut acc.account) = Some(SourceAccountStatus::Connected);
                set_modified(&mut acc.account, now());
                if let Some(outbox) = &self.outbox {
                    let account = acc.account.clone();
                    if let Some(rec) = self.companies.get(&company) {
                        outbox.source_account(true, company_reference(rec), &connection, &account);
                    }
                }
            }
        }
        while let Some(&(company, index)) = self.pending_pushes.front() {
            let Some(rec) = self.companies.get_mut(&company) else {
                self.pending_pushes.pop_front();
                continue;
            };
            let push = &rec.pushes[index];
            if push.due > at {
                break;
            }
            self.pending_pushes.pop_front();
            if push.op.status == PushOperationStatus::Pending {
                complete_push(rec, index, settings, stats);
                if let Some(outbox) = &self.outbox {
                    outbox.push_ended(company_reference(rec), &rec.pushes[index].op);
                }
            }
        }
    }

    /// When the next time-driven change falls due (an API mapping connecting, a push ending).
    pub(crate) fn next_due(&self) -> Option<Instant> {
        let connecting = self.connecting.front().map(|c| c.0);
        let push = self.pending_pushes.front().and_then(|&(company, index)| {
            Some(self.companies.get(&company)?.pushes.get(index)?.due)
        });
        [connecting, push].into_iter().flatten().min()
    }

    // ---- companies -----------------------------------------------------------------------

    fn company_rec(&mut self, id: &str) -> Result<&mut CompanyRec, ApiError> {
        self.company_index
            .get(id)
            .and_then(|seq| self.companies.get_mut(seq))
            .ok_or_else(|| ApiError::company_not_found(id))
    }

    /// A company's position in creation order, by id.
    fn company_seq(&self, id: &str) -> Result<u64, ApiError> {
        self.company_index
            .get(id)
            .copied()
            .ok_or_else(|| ApiError::company_not_found(id))
    }

    fn company_view(rec: &CompanyRec) -> Company {
        Company {
            data_connections: Some(
                rec.connections
                    .iter()
                    .map(|c| c.connection.clone())
                    .collect(),
            ),
            ..rec.company.clone()
        }
    }

    fn check_name(name: &str) -> Result<(), ApiError> {
        if name.trim().is_empty() {
            return Err(ApiError::bad_request("The company name must not be empty."));
        }
        Ok(())
    }

    pub(crate) fn create_company(
        &mut self,
        body: CompanyRequestBody,
        settings: &Settings,
    ) -> Result<Company, ApiError> {
        Self::check_name(&body.name)?;
        let id = new_id();
        let company = Company {
            redirect: format!("{}/link/company/{id}", settings.base_url),
            id,
            name: body.name,
            description: body.description,
            last_sync: None,
            created: Some(now()),
            created_by_user_name: Some("bankfeeds sandbox".into()),
            products: Some(vec!["bank-feeds".into()]),
            tags: body.tags,
            reference_parent_company: None,
            reference_subsidiary_companies: Some(Vec::new()),
            data_connections: None,
        };
        let rec = CompanyRec {
            company,
            connections: Vec::new(),
            pushes: Vec::new(),
            push_index: HashMap::new(),
            pushes_by_connection: HashMap::new(),
            pushes_in_time_order: true,
        };
        let view = Self::company_view(&rec);
        let seq = self.next_company;
        self.next_company += 1;
        self.company_index.insert(rec.company.id.clone(), seq);
        self.companies.insert(seq, rec);
        Ok(view)
    }

    /// How many companies there are (the rate-limit headers' daily quota grows with them).
    pub(crate) fn company_count(&self) -> usize {
        self.companies.len()
    }

    pub(crate) fn companies(&self) -> Vec<Company> {
        self.companies.values().map(Self::company_view).collect()
    }

    pub(crate) fn company(&mut self, id: &str) -> Result<Company, ApiError> {
        self.company_rec(id).map(|c| Self::company_view(c))
    }

    pub(crate) fn replace_company(
        &mut self,
        id: &str,
        body: CompanyRequestBody,
    ) -> Result<Company, ApiError> {
        Self::check_name(&body.name)?;
        let rec = self.company_rec(id)?;
        rec.company.name = body.name;
        rec.company.description = body.description;
        rec.company.tags = body.tags;
        Ok(Self::company_view(rec))
    }

    pub(crate) fn update_company(
        &mut self,
        id: &str,
        body: CompanyUpdateRequest,
    ) -> Result<Company, ApiError> {
        if let Some(name) = &body.name {
            Self::check_name(name)?;
        }
        let rec = self.company_rec(id)?;
        if let Some(name) = body.name {
            rec.company.name = name;
        }
        if let Some(description) = body.description {
            rec.company.description = Some(description);
        }
        if let Some(tags) = body.tags {
            rec.company.tags = Some(tags);
        }
        Ok(Self::company_view(rec))
    }

    /// Deletes a company and everything it holds (connections, accounts, stored transactions,
    /// push operations): the memory is freed.
    pub(crate) fn delete_company(&mut self, id: &str) -> Result<(), ApiError> {
        let seq = self.company_seq(id)?;
        self.company_index.remove(id);
        self.companies.remove(&seq);
        Ok(())
    }

    /// A company access token for the embeddable UIs, valid for one day.
    pub(crate) fn company_access_token(
        &mut self,
        company_id: &str,
    ) -> Result<CompanyAccessToken, ApiError> {
        self.company_rec(company_id)?;
        Ok(CompanyAccessToken {
            expires_in: 86_400,
            access_token: random_text(
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                48,
            ),
            token_type: "Bearer".into(),
        })
    }

    // ---- connections ---------------------------------------------------------------------

    pub(crate) fn connection_rec(
        &mut self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<&mut ConnectionRec, ApiError> {
        self.company_rec(company_id)?
            .connections
            .iter_mut()
            .find(|c| c.connection.id == connection_id)
            .ok_or_else(|| {
                ApiError::not_found(format!("Data connection {connection_id} not found"))
            })
    }

    /// A connection as the API shows it: a `PendingAuth` connection whose link password has
    /// expired gets a fresh link URL, as Codat's Get connection does.
    fn connection_view(rec: &mut ConnectionRec, settings: &Settings) -> Connection {
        if rec.connection.status.needs_authorisation()
            && rec
                .connection
                .link_otp()
                .is_none_or(|otp| !rec.otp_valid(otp))
        {
            let otp = rec.issue_otp(settings, b"0123456789");
            rec.connection.link_url = link_url(settings, &rec.company_id, &rec.connection.id, &otp);
        }
        rec.connection.clone()
    }

    pub(crate) fn create_connection(
        &mut self,
        company_id: &str,
        body: CreateConnectionRequestBody,
        settings: &Settings,
    ) -> Result<Connection, ApiError> {
        let key = body
            .platform_key
            .ok_or_else(|| ApiError::bad_request("platformKey is required."))?;
        let text = key.as_str();
        if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(ApiError::bad_request(format!(
                "platformKey `{text}` is not a platform key: four lower-case letters such as gbol or hcws."
            )));
        }
        let company = self.company_rec(company_id)?;
        let mut connection = Connection {
            id: new_id(),
            integration_id: integration_id(&key),
            source_id: new_id(),
            source_type: SourceType::BankFeed,
            platform_name: key.name().to_owned(),
            integration_key: Some(key),
            link_url: String::new(),
            status: ConnectionStatus::PendingAuth,
            last_sync: None,
            created: now(),
            data_connection_errors: None,
            connection_info: None,
        };
        let mut rec = ConnectionRec {
            company_id: company_id.to_owned(),
            otps: Vec::new(),
            bank_accounts: bank_accounts::starting_accounts(),
            accounts: Vec::new(),
            credentials: None,
            syncs: Vec::new(),
            connection: connection.clone(),
        };
        let otp = rec.issue_otp(settings, b"0123456789");
        connection.link_url = link_url(settings, company_id, &connection.id, &otp);
        rec.connection = connection.clone();
        company.connections.push(rec);
        Ok(connection)
    }

    pub(crate) fn connections(
        &mut self,
        company_id: &str,
        settings: &Settings,
    ) -> Result<Vec<Connection>, ApiError> {
        Ok(self
            .company_rec(company_id)?
            .connections
            .iter_mut()
            .map(|c| Self::connection_view(c, settings))
            .collect())
    }

    pub(crate) fn connection(
        &mut self,
        company_id: &str,
        connection_id: &str,
        settings: &Settings,
    ) -> Result<Connection, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        Ok(Self::connection_view(rec, settings))
    }

    pub(crate) fn unlink_connection(
        &mut self,
        company_id: &str,
        connection_id: &str,
        status: Option<ConnectionStatus>,
    ) -> Result<Connection, ApiError> {
        if status != Some(ConnectionStatus::Unlinked) {
            return Err(ApiError::bad_request(
                "Only the status Unlinked can be set on a connection.",
            ));
        }
        let rec = self.connection_rec(company_id, connection_id)?;
        rec.connection.status = ConnectionStatus::Unlinked;
        Ok(rec.connection.clone())
    }

    pub(crate) fn delete_connection(
        &mut self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<(), ApiError> {
        self.connection_rec(company_id, connection_id)?;
        let company = self.company_rec(company_id)?;
        company
            .connections
            .retain(|c| c.connection.id != connection_id);
        Ok(())
    }

    /// The customer completes Codat Link: `PendingAuth` (or `Deauthorized`) becomes `Linked`.
    /// When `otp` is given it must be one of the connection's unexpired passwords.
    pub(crate) fn link_connection(
        &mut self,
        company_id: &str,
        connection_id: &str,
        otp: Option<&str>,
    ) -> Result<Connection, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        if let Some(otp) = otp
            && !rec.otp_valid(otp)
        {
            return Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "The one-time password is wrong or has expired: get the connection again for a fresh link URL.",
            ));
        }
        match rec.connection.status {
            ConnectionStatus::Unlinked => Err(ApiError::bad_request(format!(
                "Data connection {connection_id} was unlinked; create a new connection."
            ))),
            _ => {
                rec.connection.status = ConnectionStatus::Linked;
                rec.connection.last_sync = Some(now());
                Ok(rec.connection.clone())
            }
        }
    }

    pub(crate) fn generate_otp(
        &mut self,
        company_id: &str,
        connection_id: &str,
        settings: &Settings,
    ) -> Result<GenerateOtpResponse, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        let otp = rec.issue_otp(settings, b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789");
        let expiry = rec.otps.last().map(|(_, e)| *e).unwrap_or_else(now);
        Ok(GenerateOtpResponse { otp, expiry })
    }

    pub(crate) fn company_information(
        &mut self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<CompanyInformation, ApiError> {
        let name = self.company_rec(company_id)?.company.name.clone();
        let rec = self.connection_rec(company_id, connection_id)?;
        require_linked(&rec.connection)?;
        if matches!(
            rec.connection.platform_key(),
            Some(
                PlatformKey::QuickBooksOnlineBankFeeds | PlatformKey::FreeAgent | PlatformKey::Sage
            )
        ) {
            return Err(ApiError::bad_request(format!(
                "Get company information is not supported for {}: only Xero and Oracle NetSuite answer it.",
                rec.connection.platform_name
            )));
        }
        Ok(CompanyInformation {
            company_name: Some(name),
            base_currency: Some(Currency::new("GBP")),
            plan_type: Some("Standard".into()),
            multicurrency_enabled: Some(true),
            currencies: Some(vec![
                Currency::new("GBP"),
                Currency::new("EUR"),
                Currency::new("USD"),
            ]),
        })
    }
}

/// The company as webhook events name it (`referenceCompany`).
fn company_reference(rec: &CompanyRec) -> bankfeeds::model::CompanyReference {
    bankfeeds::model::CompanyReference {
        id: Some(rec.company.id.clone()),
        name: Some(rec.company.name.clone()),
        description: rec.company.description.clone(),
        links: None,
        tags: None,
    }
}

fn require_linked(c: &Connection) -> Result<(), ApiError> {
    if c.status.is_linked() {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Data connection {} is {}, not Linked: the customer must complete the link first.",
            c.id, c.status
        )))
    }
}

/// Where the customer authorises the connection: the sandbox's stand-in for Codat Link.
fn link_url(settings: &Settings, company_id: &str, connection_id: &str, otp: &str) -> String {
    format!(
        "{}/link/companies/{company_id}/connections/{connection_id}/start?otp={otp}",
        settings.base_url
    )
}

/// One integration id per platform key, stable across runs, derived from the key.
fn integration_id(key: &PlatformKey) -> String {
    let mut bytes = [0u8; 16];
    for (i, b) in key.as_str().bytes().cycle().take(16).enumerate() {
        bytes[i] = b.wrapping_mul(31).wrapping_add(i as u8);
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}
