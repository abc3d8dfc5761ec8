//! Codat's resources as an app shows them: companies, connections, source accounts, mappings
//! and push operations. Server timestamps are `java.time.Instant` / `Date` (UTC instants).

use std::collections::HashMap;
use std::time::SystemTime;

use bankfeeds::dates::Timestamp;
use bankfeeds::model;

use crate::context::{Platform, SourceAccountStatus};
use crate::types::Money;

fn instant(t: Timestamp) -> SystemTime {
    t.utc().into()
}

/// A balance given for a request, as the core's exact decimal.
fn balance(value: Option<&Money>) -> Result<Option<rust_decimal::Decimal>, crate::BankFeedsError> {
    value.map(Money::decimal).transpose().map_err(|e| {
        crate::BankFeedsError::option(Some(crate::Field::Balance), format!("balance: {e}"))
    })
}

/// Declares a page of a list as Kotlin and Swift see it, with its items under their own name,
/// and its translation from the core's page.
macro_rules! page_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(#[$items_meta:meta])*
            pub $items:ident: Vec<$item:ident>,
        }
        from $core:ty
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, uniffi::Record)]
        pub struct $name {
            $(#[$items_meta])*
            pub $items: Vec<$item>,
            /// This page's number, from 1.
            pub page_number: u32,
            /// Items per page.
            pub page_size: u32,
            /// Items in the whole list.
            pub total_results: u64,
            /// The next page's number, when there is one.
            pub next_page: Option<u32>,
        }

        impl From<$core> for $name {
            fn from(p: $core) -> Self {
                $name {
                    next_page: p.next_page_number(),
                    page_number: p.page_number,
                    page_size: p.page_size,
                    total_results: p.total_results,
                    $items: p.results.into_iter().map($item::from).collect(),
                }
            }
        }
    };
}

mirror_enum! {
    /// Where a connection to an accounting platform is.
    pub enum ConnectionStatus mirrors model::ConnectionStatus {
        /// Waiting for the customer to authorise it in Codat Link: send them to `linkUrl`.
        PendingAuth,
        /// Linked: data flows.
        Linked,
        /// Unlinked by the customer or the bank.
        Unlinked,
        /// The platform withdrew the authorisation: the customer must link again.
        Deauthorized,
    }
    extra {
        /// A status newer than this binding.
        Unrecognised
    }
}

mirror_enum! {
    /// Where a push operation is. `Pending` until the platform has the transactions.
    pub enum PushOperationStatus mirrors model::PushOperationStatus {
        /// Accepted, not final yet.
        Pending,
        /// The platform refused it; see `errorMessage` and `validationErrors`.
        Failed,
        /// Written to the accounting platform.
        Success,
        /// The platform did not answer in time.
        TimedOut,
    }
    extra {
        /// A status newer than this binding.
        Unrecognised
    }
}

/// One SMB customer of the bank, as Codat knows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Company {
    /// Codat's id for the company.
    pub id: String,
    /// Its name.
    pub name: String,
    /// A description.
    pub description: Option<String>,
    /// The Codat Link URL for the company.
    pub redirect: String,
    /// When it was created.
    pub created: Option<SystemTime>,
    /// When data was last synced.
    pub last_sync: Option<SystemTime>,
    /// Tags set on it.
    pub tags: HashMap<String, String>,
    /// Its connections, when the server included them.
    pub connections: Vec<Connection>,
}

impl From<model::Company> for Company {
    fn from(c: model::Company) -> Self {
        Company {
            id: c.id,
            name: c.name,
            description: c.description,
            redirect: c.redirect,
            created: c.created.map(instant),
            last_sync: c.last_sync.map(instant),
            tags: c.tags.unwrap_or_default().into_iter().collect(),
            connections: c
                .data_connections
                .unwrap_or_default()
                .into_iter()
                .map(Connection::from)
                .collect(),
        }
    }
}

page_record! {
    /// A page of a list: its items and where it is in the whole list.
    pub struct CompanyPage {
        /// The companies on this page.
        pub companies: Vec<Company>,
    }
    from model::Companies
}

/// Which page of a list to read, and how to filter and order it (Codat's `page`, `pageSize`,
/// `query`, `orderBy`).
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct ListOptions {
    /// The page, from 1.
    #[uniffi(default = None)]
    pub page: Option<u32>,
    /// Items per page (Codat's default is 100, at most 5000).
    #[uniffi(default = None)]
    pub page_size: Option<u32>,
    /// Codat's query language, e.g. `name=Toft Bakery`.
    #[uniffi(default = None)]
    pub query: Option<String>,
    /// A field to order by, `-` first for descending, e.g. `-created`.
    #[uniffi(default = None)]
    pub order_by: Option<String>,
}

impl ListOptions {
    pub(crate) fn to_core(&self) -> bankfeeds::client::ListQuery {
        let mut q = bankfeeds::client::ListQuery::new();
        if let Some(page) = self.page {
            q = q.starting_at(page);
        }
        if let Some(size) = self.page_size {
            q = q.page_size(size);
        }
        if let Some(query) = &self.query {
            q = q.query(query.clone());
        }
        if let Some(order) = &self.order_by {
            q = q.order_by(order.clone());
        }
        q
    }
}

/// A company's link to one accounting platform.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Connection {
    /// Codat's id for the connection.
    pub id: String,
    /// The platform's key (`gbol` Xero, `hcws` QuickBooks Online...).
    pub platform_key: Option<String>,
    /// Whose validation rules apply to pushes on this connection.
    pub platform: Platform,
    /// The platform's name.
    pub platform_name: String,
    /// Where the connection is.
    pub status: ConnectionStatus,
    /// The Codat Link URL to send the customer to while the connection needs authorising
    /// (`PENDING_AUTH`, `DEAUTHORIZED`); `null` once it is linked.
    pub link_url: Option<String>,
    /// When it was created.
    pub created: SystemTime,
    /// When data was last synced.
    pub last_sync: Option<SystemTime>,
    /// Problems the platform reported that are not resolved yet.
    pub active_errors: Vec<String>,
}

impl From<model::Connection> for Connection {
    fn from(c: model::Connection) -> Self {
        Connection {
            platform: c.platform_key().map_or(Platform::Generic, |k| {
                Platform::from_core(&bankfeeds::rules::Platform::from_key(k))
            }),
            platform_key: c.platform_key().map(|k| k.as_str().to_owned()),
            link_url: c.link_url().map(str::to_owned),
            status: ConnectionStatus::from_core(&c.status),
            active_errors: c
                .active_errors()
                .map(|e| {
                    e.error_message
                        .clone()
                        .or_else(|| e.status_text.clone())
                        .unwrap_or_default()
                })
                .collect(),
            created: instant(c.created),
            last_sync: c.last_sync.map(instant),
            platform_name: c.platform_name,
            id: c.id,
        }
    }
}

/// A bank account of the bank's that a customer can feed into their accounting software.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SourceAccount {
    /// The bank's id for the account.
    pub id: String,
    /// Its name.
    pub account_name: Option<String>,
    /// Its number.
    pub account_number: Option<String>,
    /// Its sort code.
    pub sort_code: Option<String>,
    /// Its ISO 4217 currency.
    pub currency: Option<String>,
    /// Its balance.
    pub balance: Option<Money>,
    /// Where the feed is: transactions can be pushed once it is `CONNECTED`.
    pub status: SourceAccountStatus,
    /// The first day transactions may be pushed for.
    pub feed_start_date: Option<SystemTime>,
    /// When it was last changed.
    pub modified_date: Option<SystemTime>,
}

impl From<model::AnySourceAccount> for SourceAccount {
    fn from(a: model::AnySourceAccount) -> Self {
        let sort_code = match &a {
            model::AnySourceAccount::V1(v1) => v1.sort_code.clone(),
            model::AnySourceAccount::V2(v2) => v2.sort_code.clone(),
        };
        SourceAccount {
            id: a.id().to_owned(),
            account_name: a.account_name().map(str::to_owned),
            account_number: a.account_number().map(str::to_owned),
            sort_code,
            currency: a.currency().map(|c| c.as_str().to_owned()),
            balance: a.balance().map(Money::from),
            status: a
                .status()
                .map_or(SourceAccountStatus::Unknown, SourceAccountStatus::from_core),
            feed_start_date: a.feed_start_date().map(instant),
            modified_date: a.modified_date().map(instant),
        }
    }
}

/// A source account to create (Codat's v1 shape). It stays `PENDING` until the customer maps it
/// to an account in their accounting software.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewSourceAccount {
    /// The bank's id for the account.
    pub id: String,
    /// Its name.
    #[uniffi(default = None)]
    pub account_name: Option<String>,
    /// `Debit` (a current account) or `Credit` (a credit card).
    #[uniffi(default = None)]
    pub account_type: Option<String>,
    /// Its number.
    #[uniffi(default = None)]
    pub account_number: Option<String>,
    /// Its sort code (GBP accounts need one).
    #[uniffi(default = None)]
    pub sort_code: Option<String>,
    /// Its ISO 4217 currency.
    #[uniffi(default = None)]
    pub currency: Option<String>,
    /// Its balance today.
    #[uniffi(default = None)]
    pub balance: Option<Money>,
}

impl NewSourceAccount {
    pub(crate) fn to_core(&self) -> Result<model::SourceAccountPrototype, crate::BankFeedsError> {
        let balance = balance(self.balance.as_ref())?;
        Ok(model::SourceAccountPrototype {
            id: self.id.clone(),
            account_name: self.account_name.clone(),
            account_type: self.account_type.clone(),
            account_number: self.account_number.clone(),
            sort_code: self.sort_code.clone(),
            currency: self
                .currency
                .as_deref()
                .map(bankfeeds::money::Currency::new),
            balance,
            modified_date: None,
        })
    }
}

/// An account in the accounting software a source account can feed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TargetAccountOption {
    /// The platform's id for it.
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// Its balance.
    pub balance: Option<Money>,
}

/// Which target account a source account feeds, and which it could feed: what a mapping screen
/// shows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AccountMapping {
    /// The source account.
    pub source_account_id: Option<String>,
    /// Its name.
    pub source_account_name: Option<String>,
    /// The target account it feeds, once mapped.
    pub target_account_id: Option<String>,
    /// That account's name.
    pub target_account_name: Option<String>,
    /// Whether it is mapped to a target account.
    pub mapped: bool,
    /// Codat's status text for the mapping.
    pub status: Option<String>,
    /// The first day transactions may be pushed for.
    pub feed_start_date: Option<SystemTime>,
    /// The accounts it could be mapped to.
    pub target_account_options: Vec<TargetAccountOption>,
}

impl From<model::BankFeedMapping> for AccountMapping {
    fn from(m: model::BankFeedMapping) -> Self {
        AccountMapping {
            mapped: m.is_mapped(),
            source_account_id: m.source_account_id,
            source_account_name: m.source_account_name,
            target_account_id: m.target_account_id,
            target_account_name: m.target_account_name,
            status: m.status,
            feed_start_date: m.feed_start_date.map(instant),
            target_account_options: m
                .target_account_options
                .unwrap_or_default()
                .into_iter()
                .map(|o| TargetAccountOption {
                    id: o.id,
                    name: o.name,
                    balance: o.balance.map(Money::from),
                })
                .collect(),
        }
    }
}

/// Codat's answer to mapping a source account to a target account.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MappingResult {
    /// The source account.
    pub source_account_id: Option<String>,
    /// The target account.
    pub target_account_id: Option<String>,
    /// Codat's status text.
    pub status: Option<String>,
    /// Codat's error text, when it failed.
    pub error: Option<String>,
    /// Whether the mapping failed (Codat may say so with a `200`).
    pub failed: bool,
}

impl From<model::BankFeedAccountMappingResponse> for MappingResult {
    fn from(r: model::BankFeedAccountMappingResponse) -> Self {
        MappingResult {
            failed: r.is_failed(),
            source_account_id: r.source_account_id,
            target_account_id: r.target_account_id,
            status: r.status,
            error: r.error,
        }
    }
}

/// Codat's record of one push: it finishes asynchronously.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PushOperation {
    /// Codat's key for it.
    pub push_operation_key: String,
    /// The company.
    pub company_id: String,
    /// The connection.
    pub data_connection_key: String,
    /// What was pushed (`bankTransactions` for a bank feed), when Codat says.
    pub data_type: Option<String>,
    /// Where it is.
    pub status: PushOperationStatus,
    /// When it was requested.
    pub requested_on: SystemTime,
    /// When it finished.
    pub completed_on: Option<SystemTime>,
    /// Codat's error message, when it failed.
    pub error_message: Option<String>,
    /// Codat's validation errors, when it failed.
    pub validation_errors: Vec<String>,
}

impl From<model::PushOperation> for PushOperation {
    fn from(op: model::PushOperation) -> Self {
        PushOperation {
            validation_errors: op
                .validation_errors()
                .iter()
                .filter_map(|v| v.message.clone())
                .collect(),
            data_type: op.data_type.as_ref().map(|t| t.as_str().to_owned()),
            status: PushOperationStatus::from_core(&op.status),
            requested_on: instant(op.requested_on_utc),
            completed_on: op.completed_on_utc.map(instant),
            push_operation_key: op.push_operation_key,
            company_id: op.company_id,
            data_connection_key: op.data_connection_key,
            error_message: op.error_message,
        }
    }
}

impl From<bankfeeds::client::PushOperationEntry> for PushOperation {
    fn from(op: bankfeeds::client::PushOperationEntry) -> Self {
        model::PushOperation::from(op).into()
    }
}

page_record! {
    /// A page of a company's push operations: its push history.
    pub struct PushOperationPage {
        /// The push operations on this page.
        pub operations: Vec<PushOperation>,
    }
    from model::Page<bankfeeds::client::PushOperationEntry>
}

/// What to change on a source account (`update-source-account`); what is left out stays as it
/// is. Codat lets three things change: the name, the balance (only while the account is not
/// `CONNECTED`) and the status (only to `DISCONNECTED`).
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct SourceAccountUpdate {
    /// A new name.
    #[uniffi(default = None)]
    pub account_name: Option<String>,
    /// A new balance.
    #[uniffi(default = None)]
    pub balance: Option<Money>,
    /// `DISCONNECTED`, to stop the feed.
    #[uniffi(default = None)]
    pub status: Option<SourceAccountStatus>,
}

impl SourceAccountUpdate {
    pub(crate) fn to_core(
        &self,
        account_id: &str,
    ) -> Result<model::SourceAccount, crate::BankFeedsError> {
        let balance = balance(self.balance.as_ref())?;
        Ok(model::SourceAccount {
            id: account_id.to_owned(),
            account_name: self.account_name.clone(),
            balance,
            status: self.status.map(SourceAccountStatus::to_core),
            ..Default::default()
        })
    }
}

/// A one-time password for linking a bank feed in the accounting platform (Sage), and when it
/// stops working. Printing it (`toString()`, `description`) never shows the password.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct OneTimePassword {
    otp: String,
    expiry: SystemTime,
}

impl From<model::GenerateOtpResponse> for OneTimePassword {
    fn from(r: model::GenerateOtpResponse) -> Self {
        OneTimePassword {
            expiry: instant(r.expiry),
            otp: r.otp,
        }
    }
}

impl std::fmt::Display for OneTimePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OneTimePassword(otp=[redacted], expiry={})",
            Timestamp::new(self.expiry.into())
        )
    }
}

#[uniffi::export]
impl OneTimePassword {
    /// The password, to show the customer.
    pub fn otp(&self) -> String {
        self.otp.clone()
    }

    /// When it stops working.
    pub fn expiry(&self) -> SystemTime {
        self.expiry
    }
}

/// An access token for one company, for Codat's embedded UIs (the Link and Connections SDKs,
/// the embedded bank feeds set-up); valid for a day. Printing it (`toString()`, `description`)
/// never shows the token.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct CompanyAccessToken {
    inner: model::CompanyAccessToken,
}

impl From<model::CompanyAccessToken> for CompanyAccessToken {
    fn from(inner: model::CompanyAccessToken) -> Self {
        CompanyAccessToken { inner }
    }
}

impl std::fmt::Display for CompanyAccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CompanyAccessToken(tokenType={}, accessToken=[redacted], expiresInSeconds={})",
            self.inner.token_type, self.inner.expires_in
        )
    }
}

#[uniffi::export]
impl CompanyAccessToken {
    /// The token.
    pub fn access_token(&self) -> String {
        self.inner.access_token.clone()
    }

    /// Its kind, e.g. `Bearer`.
    pub fn token_type(&self) -> String {
        self.inner.token_type.clone()
    }

    /// Seconds it was valid for when issued.
    pub fn expires_in_seconds(&self) -> i64 {
        self.inner.expires_in
    }

    /// The `Authorization` header value for it: the token type, a space and the token.
    pub fn authorization_header(&self) -> String {
        self.inner.authorization_header()
    }
}
