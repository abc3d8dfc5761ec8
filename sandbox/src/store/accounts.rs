//! Source accounts and their mapping to target accounts.

use super::bank_accounts;
use super::push::validation;
use super::*;

/// Mutable views of the fields both source account shapes share.
pub(super) fn account_status_mut(a: &mut AnySourceAccount) -> &mut Option<SourceAccountStatus> {
    match a {
        AnySourceAccount::V1(a) => &mut a.status,
        AnySourceAccount::V2(a) => &mut a.status,
    }
}

pub(super) fn set_feed_start(a: &mut AnySourceAccount, when: Option<Timestamp>) {
    match a {
        AnySourceAccount::V1(a) => a.feed_start_date = when,
        AnySourceAccount::V2(a) => a.feed_start_date = when,
    }
}

pub(super) fn set_modified(a: &mut AnySourceAccount, when: Timestamp) {
    match a {
        AnySourceAccount::V1(a) => a.modified_date = Some(when),
        AnySourceAccount::V2(a) => a.modified_date = Some(when),
    }
}

pub(super) fn set_balance(a: &mut AnySourceAccount, balance: Decimal) {
    match a {
        AnySourceAccount::V1(a) => a.balance = Some(balance),
        AnySourceAccount::V2(a) => a.balance = balance,
    }
}

pub(super) fn set_name(a: &mut AnySourceAccount, name: String) {
    match a {
        AnySourceAccount::V1(a) => a.account_name = Some(name),
        AnySourceAccount::V2(a) => a.account_name = name,
    }
}

pub(super) fn context_of(a: &AnySourceAccount) -> AccountContext {
    match a {
        AnySourceAccount::V1(a) => AccountContext::from(a),
        AnySourceAccount::V2(a) => AccountContext::from(a),
    }
}

/// The account-level findings that refuse a new source account (a GBP account without a
/// valid sort code), from the core's account rules.
fn refuse_account(account: &AccountContext, platform: Platform) -> Result<(), ApiError> {
    let id = account.id.as_deref().unwrap_or_default();
    let report = validate::validate_account(account, platform);
    if report.is_valid() {
        return Ok(());
    }
    let messages: Vec<&str> = report.errors().map(|i| i.message.as_str()).collect();
    Err(ApiError::bad_request(format!(
        "Source account {id} is not valid: {}",
        messages.join("; ")
    ))
    .with_validation(validation(&report)))
}

/// One account of a batch: its id and whether it was created.
pub(crate) type BatchOutcome = (String, Result<AnySourceAccount, ApiError>);

impl Store {
    // ---- source accounts -----------------------------------------------------------------

    /// Creates one source account, `pending`; refused (400) when its id is taken or it breaks
    /// the account rules.
    pub(crate) fn create_account(
        &mut self,
        company_id: &str,
        connection_id: &str,
        body: CreateSourceAccount,
    ) -> Result<AnySourceAccount, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        rec.add_account(body)
    }

    /// Creates several accounts; each gets its own outcome.
    pub(crate) fn create_accounts(
        &mut self,
        company_id: &str,
        connection_id: &str,
        bodies: Vec<CreateSourceAccount>,
    ) -> Result<Vec<BatchOutcome>, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        Ok(bodies
            .into_iter()
            .map(|body| {
                let id = body.id().to_owned();
                (id, rec.add_account(body))
            })
            .collect())
    }

    pub(crate) fn accounts(
        &mut self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<Vec<AnySourceAccount>, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        Ok(rec.accounts.iter().map(|a| a.account.clone()).collect())
    }

    pub(crate) fn account_rec(
        &mut self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
    ) -> Result<&mut AccountRec, ApiError> {
        self.connection_rec(company_id, connection_id)?
            .account_mut(account_id)
    }

    /// Applies an update: `accountName`, `status` (only to `disconnected`) and `balance` (only
    /// while not connected), as the spec describes Update source account.
    pub(crate) fn update_account(
        &mut self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
        update: AccountUpdate,
    ) -> Result<AnySourceAccount, ApiError> {
        let acc = self.account_rec(company_id, connection_id, account_id)?;
        if let Some(status) = &update.status
            && *status != SourceAccountStatus::Disconnected
            && acc.account.status() != Some(status)
        {
            return Err(ApiError::bad_request(format!(
                "status can only be changed to disconnected, not {status}."
            )));
        }
        if update.balance.is_some() && acc.account.is_connected() {
            return Err(ApiError::bad_request(
                "balance can only be updated while the account is not connected.",
            ));
        }
        if let Some(name) = update.account_name {
            set_name(&mut acc.account, name);
        }
        if let Some(balance) = update.balance {
            set_balance(&mut acc.account, balance);
        }
        let disconnects = update.status == Some(SourceAccountStatus::Disconnected)
            && acc.account.status() != Some(&SourceAccountStatus::Disconnected);
        if update.status == Some(SourceAccountStatus::Disconnected) {
            *account_status_mut(&mut acc.account) = Some(SourceAccountStatus::Disconnected);
            acc.connected_at = None;
        }
        set_modified(&mut acc.account, now());
        let account = acc.account.clone();
        if disconnects {
            self.announce_source_account(false, company_id, connection_id, &account);
        }
        Ok(account)
    }

    pub(crate) fn delete_account(
        &mut self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
    ) -> Result<(), ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        rec.account_mut(account_id)?;
        rec.accounts.retain(|a| a.account.id() != account_id);
        Ok(())
    }

    pub(crate) fn generate_credentials(
        &mut self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<BankAccountCredentials, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        let username = [
            random_text(UPPER, 4),
            random_text(UPPER, 4),
            random_text(UPPER, 4),
        ]
        .join("-");
        let password = random_text(
            b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789",
            16,
        );
        let credentials = BankAccountCredentials {
            username: Some(username),
            password: Some(password),
        };
        rec.credentials = Some(credentials.clone());
        Ok(credentials)
    }

    pub(crate) fn delete_credentials(
        &mut self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<(), ApiError> {
        self.connection_rec(company_id, connection_id)?.credentials = None;
        Ok(())
    }

    // ---- mapping ---------------------------------------------------------------------------

    pub(crate) fn mappings(
        &mut self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<Vec<BankFeedMapping>, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        Ok(rec
            .accounts
            .iter()
            .map(|acc| {
                let target = acc.target.as_ref().and_then(|t| {
                    rec.bank_accounts
                        .iter()
                        .find(|o| o.id.as_deref() == Some(t))
                });
                BankFeedMapping {
                    source_account_id: Some(acc.account.id().to_owned()),
                    source_account_name: acc.account.account_name().map(str::to_owned),
                    source_account_number: acc.account.account_number().map(str::to_owned),
                    source_balance: acc.account.balance(),
                    source_currency: acc.account.currency().cloned(),
                    target_account_id: acc.target.clone(),
                    target_account_name: target.and_then(|t| t.account_name.clone()),
                    status: acc.account.status().map(|s| s.as_str().to_owned()),
                    target_account_options: Some(
                        rec.bank_accounts
                            .iter()
                            .map(bank_accounts::target_option)
                            .collect(),
                    ),
                    feed_start_date: acc.account.feed_start_date(),
                }
            })
            .collect())
    }

    /// Create bank account mapping, for the platforms that map through the API: the account
    /// becomes `connecting`, then `connected` after the mapping delay.
    pub(crate) fn create_mapping(
        &mut self,
        company_id: &str,
        connection_id: &str,
        body: BankFeedAccountMapping,
        settings: &Settings,
    ) -> Result<BankFeedAccountMappingResponse, ApiError> {
        let seq = self.company_seq(company_id)?;
        let rec = self.connection_rec(company_id, connection_id)?;
        require_linked(&rec.connection)?;
        if let Some(PlatformKey::QuickBooksOnlineBankFeeds | PlatformKey::Sage) =
            rec.connection.platform_key()
        {
            return Err(ApiError::bad_request(format!(
                "{} accounts are mapped by the customer inside {}, not through the API.",
                rec.connection.platform_name, rec.connection.platform_name
            )));
        }
        let source = body.source_account_id.clone();
        match rec.map_account(
            &source,
            body.target_account_id.as_deref(),
            body.feed_start_date,
            settings,
        ) {
            Ok(target) => {
                let acc = rec.account_mut(&source)?;
                *account_status_mut(&mut acc.account) = Some(SourceAccountStatus::Connecting);
                let due = Instant::now() + settings.mapping_delay;
                acc.connected_at = Some(due);
                self.connecting
                    .push_back((due, seq, connection_id.to_owned(), source.clone()));
                Ok(BankFeedAccountMappingResponse {
                    source_account_id: Some(source),
                    target_account_id: Some(target),
                    status: Some("connecting".into()),
                    error: None,
                })
            }
            Err(MapError::Refused(e)) => Err(e),
            Err(MapError::Failed(message)) => Ok(BankFeedAccountMappingResponse {
                source_account_id: Some(source),
                target_account_id: body.target_account_id,
                status: Some("Failed".into()),
                error: Some(message),
            }),
        }
    }

    /// The customer maps an account in their software (any platform): it is `connected` at
    /// once.
    pub(crate) fn sandbox_map(
        &mut self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
        target: Option<&str>,
        feed_start: Option<Timestamp>,
        settings: &Settings,
    ) -> Result<AnySourceAccount, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        require_linked(&rec.connection)?;
        rec.map_account(account_id, target, feed_start, settings)
            .map_err(|e| match e {
                MapError::Refused(e) => e,
                MapError::Failed(message) => ApiError::bad_request(message),
            })?;
        let acc = rec.account_mut(account_id)?;
        let was_connected = acc.account.is_connected();
        *account_status_mut(&mut acc.account) = Some(SourceAccountStatus::Connected);
        acc.connected_at = None;
        let account = acc.account.clone();
        if !was_connected {
            self.announce_source_account(true, company_id, connection_id, &account);
        }
        Ok(account)
    }

    /// `bankFeeds.sourceAccount.connected` / `.disconnected`, when webhooks are on.
    fn announce_source_account(
        &mut self,
        connected: bool,
        company_id: &str,
        connection_id: &str,
        account: &AnySourceAccount,
    ) {
        let Some(outbox) = self.outbox.clone() else {
            return;
        };
        if let Ok(company) = self.company_rec(company_id) {
            outbox.source_account(
                connected,
                super::company_reference(company),
                connection_id,
                account,
            );
        }
    }
}

/// Codat's answer to a mapping that cannot be made.
enum MapError {
    /// The request itself is wrong (400).
    Refused(ApiError),
    /// The mapping failed (Codat answers 200 with `status: Failed`).
    Failed(String),
}

impl ConnectionRec {
    /// Whether `otp` is one of the connection's unexpired one-time passwords.
    pub(crate) fn otp_valid(&self, otp: &str) -> bool {
        let current = now();
        self.otps.iter().any(|(o, exp)| o == otp && *exp > current)
    }

    pub(super) fn issue_otp(&mut self, settings: &Settings, alphabet: &[u8]) -> String {
        // Expired passwords are of no more use: the list stays as long as the unexpired ones.
        let current = now();
        self.otps.retain(|(_, expiry)| *expiry > current);
        let otp = random_text(alphabet, 6);
        let validity =
            chrono::Duration::from_std(settings.otp_validity).unwrap_or(chrono::Duration::hours(1));
        let expiry = Timestamp::new(Utc::now() + validity);
        self.otps.push((otp.clone(), expiry));
        otp
    }

    pub(crate) fn account_mut(&mut self, account_id: &str) -> Result<&mut AccountRec, ApiError> {
        let connection_id = &self.connection.id;
        self.accounts
            .iter_mut()
            .find(|a| a.account.id() == account_id)
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "Source account {account_id} not found on data connection {connection_id}"
                ))
            })
    }

    fn add_account(&mut self, body: CreateSourceAccount) -> Result<AnySourceAccount, ApiError> {
        let id = body.id().trim().to_owned();
        if id.is_empty() {
            return Err(ApiError::bad_request("The source account id is required."));
        }
        if self.accounts.iter().any(|a| a.account.id() == id) {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "A bank account already exists with the same Id",
            ));
        }
        let modified = Some(now());
        let account = match body {
            CreateSourceAccount::V1(p) => AnySourceAccount::V1(SourceAccount {
                id: p.id,
                account_name: p.account_name,
                account_type: p.account_type,
                account_number: p.account_number,
                sort_code: p.sort_code,
                currency: p.currency,
                balance: p.balance,
                modified_date: modified,
                status: Some(SourceAccountStatus::Pending),
                feed_start_date: None,
            }),
            CreateSourceAccount::V2(p) => AnySourceAccount::V2(SourceAccountV2 {
                id: p.id,
                account_name: p.account_name,
                account_type: p.account_type,
                account_number: p.account_number,
                routing_info: p.routing_info,
                sort_code: p.sort_code,
                currency: p.currency,
                balance: p.balance,
                modified_date: modified,
                status: Some(SourceAccountStatus::Pending),
                feed_start_date: None,
                account_info: p.account_info,
            }),
        };
        let platform = self
            .connection
            .platform_key()
            .map_or(Platform::Generic, Platform::from_key);
        refuse_account(&context_of(&account), platform)?;
        self.accounts.push(AccountRec {
            account: account.clone(),
            target: None,
            connected_at: None,
            transactions: Vec::new(),
            latest: None,
        });
        Ok(account)
    }

    /// Records the mapping and the feed start date (default: today); the caller sets the status.
    fn map_account(
        &mut self,
        account_id: &str,
        target: Option<&str>,
        feed_start: Option<Timestamp>,
        settings: &Settings,
    ) -> Result<String, MapError> {
        let target_id = match target {
            Some(t) => {
                if !self
                    .bank_accounts
                    .iter()
                    .any(|o| o.id.as_deref() == Some(t))
                {
                    return Err(MapError::Failed(format!(
                        "Target account {t} is not one of the connection's target account options."
                    )));
                }
                t.to_owned()
            }
            None => {
                // Codat creates a new account in the platform when no target is chosen.
                let acc = self.account_mut(account_id).map_err(MapError::Refused)?;
                let name = acc.account.account_name().unwrap_or("Bank feed").to_owned();
                let currency = acc.account.currency().cloned();
                let account = bank_accounts::new_account(name, currency);
                let id = account.id.clone().unwrap_or_default();
                self.bank_accounts.push(account);
                id
            }
        };
        if let Some(other) = self
            .accounts
            .iter()
            .find(|a| a.account.id() != account_id && a.target.as_deref() == Some(&target_id))
        {
            return Err(MapError::Failed(format!(
                "Target account {target_id} is already mapped to source account {}.",
                other.account.id()
            )));
        }
        let acc = self.account_mut(account_id).map_err(MapError::Refused)?;
        acc.target = Some(target_id.clone());
        set_feed_start(
            &mut acc.account,
            Some(feed_start.unwrap_or_else(|| midnight(settings.today()))),
        );
        set_modified(&mut acc.account, now());
        Ok(target_id)
    }
}

/// The fields Update source account may change.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountUpdate {
    #[serde(default)]
    pub(crate) account_name: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<SourceAccountStatus>,
    #[serde(default, with = "bankfeeds::money::json::option")]
    pub(crate) balance: Option<Decimal>,
}
