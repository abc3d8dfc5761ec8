//! The bank accounts in the customer's accounting platform (`Bank accounts` in the spec): the
//! targets a source account is mapped to, listed by `list-bank-accounts`, created by
//! `create-bank-account` (a push operation), and the platform's models of what a new bank
//! account and a push of bank transactions need (`get-create-bankAccounts-model`,
//! `get-create-bank-transactions-model`).

use std::collections::BTreeMap;

use bankfeeds::model::{
    BankAccountPrototype, PushFieldValidation, PushOption, PushOptionChoice, PushOptionProperty,
    PushOptionType, PushValidationInfo, TransactionType,
};
use bankfeeds::rules::Profile;
use bankfeeds::validate::Field;

use super::push::Payload;
use super::*;

/// The accounts every connection's platform starts with.
pub(super) fn starting_accounts() -> Vec<BankAccount> {
    [
        (
            "Business Current Account",
            BankAccountType::Debit,
            "1200",
            "40-12-76",
            "31926819",
        ),
        (
            "Business Savings Account",
            BankAccountType::Debit,
            "1210",
            "40-12-76",
            "51926820",
        ),
        (
            "Company Credit Card",
            BankAccountType::Credit,
            "2100",
            "",
            "4929 1234",
        ),
    ]
    .into_iter()
    .map(|(name, kind, nominal, sort_code, number)| BankAccount {
        account_type: Some(kind),
        nominal_code: Some(nominal.into()),
        sort_code: (!sort_code.is_empty()).then(|| sort_code.replace('-', "")),
        account_number: Some(number.into()),
        ..new_account(name.into(), Some(Currency::new("GBP")))
    })
    .collect()
}

/// A new, active account in the platform with a fresh id and a zero balance.
pub(super) fn new_account(name: String, currency: Option<Currency>) -> BankAccount {
    let at = now();
    BankAccount {
        id: Some(new_id()),
        account_name: Some(name),
        account_type: Some(BankAccountType::Debit),
        currency,
        balance: Some(Decimal::ZERO),
        status: Some(BankAccountStatus::Active),
        metadata: Some(Metadata {
            is_deleted: Some(false),
        }),
        modified_date: Some(at),
        source_modified_date: Some(at),
        ..BankAccount::default()
    }
}

/// A platform account as a mapping target.
pub(super) fn target_option(a: &BankAccount) -> TargetAccountOption {
    TargetAccountOption {
        id: a.id.clone(),
        name: a.account_name.clone(),
        balance: a.balance,
        sort_code: a.sort_code.clone(),
        account_number: a.account_number.clone(),
    }
}

/// The JSON names `list-bank-accounts` can filter and order by.
pub(crate) const BANK_ACCOUNT_PROPERTIES: &[&str] = &[
    "id",
    "accountName",
    "accountType",
    "nominalCode",
    "sortCode",
    "accountNumber",
    "iBan",
    "currency",
    "balance",
    "institution",
    "availableBalance",
    "overdraftLimit",
    "status",
    "metadata",
    "supplementalData",
    "modifiedDate",
    "sourceModifiedDate",
];

fn property(
    kind: PushOptionType,
    name: &str,
    description: &str,
    required: bool,
) -> PushOptionProperty {
    PushOptionProperty {
        r#type: kind,
        display_name: name.into(),
        description: description.into(),
        required,
        properties: None,
        options: None,
        validation: None,
    }
}

fn rules(warnings: &[String], information: &[String], field: &str) -> Option<PushValidationInfo> {
    let list = |details: &[String]| {
        details
            .iter()
            .map(|d| PushFieldValidation {
                field: Some(field.to_owned()),
                details: d.clone(),
                r#ref: None,
            })
            .collect::<Vec<_>>()
    };
    (!warnings.is_empty() || !information.is_empty()).then(|| PushValidationInfo {
        warnings: Some(list(warnings)),
        information: Some(list(information)),
    })
}

/// The fields of a new bank account: (JSON name, type, display name, description).
const BANK_ACCOUNT_FIELDS: [(&str, PushOptionType, &str, &str); 9] = {
    use PushOptionType::{Number, String as Text};
    [
        (
            "accountName",
            Text,
            "Name",
            "The name of the bank account in the platform",
        ),
        (
            "accountType",
            Text,
            "Account Type",
            "Debit for an asset (a current or savings account), Credit for a liability (a credit card)",
        ),
        (
            "accountNumber",
            Text,
            "Account Number",
            "The account number of the bank account",
        ),
        (
            "sortCode",
            Text,
            "Sort Code",
            "The sort code of the bank account",
        ),
        (
            "currency",
            Text,
            "Currency",
            "The currency of the bank account, as an ISO 4217 code",
        ),
        (
            "nominalCode",
            Text,
            "Nominal Code",
            "The platform's reference for the account in its chart of accounts",
        ),
        (
            "iBan",
            Text,
            "IBAN",
            "The international bank account number",
        ),
        (
            "balance",
            Number,
            "Balance",
            "The opening balance, in the account's currency",
        ),
        (
            "institution",
            Text,
            "Institution",
            "The bank that holds the account",
        ),
    ]
};

/// What the platform needs to create a bank account, from the platforms' models in Codat's spec
/// (FreeAgent, QuickBooks Online, Sage, Exact; others need a name and a currency).
pub(super) fn bank_account_model(platform: Platform) -> PushOption {
    let required = required_account_fields(platform);
    let mut properties = BTreeMap::new();
    for (name, kind, display, description) in BANK_ACCOUNT_FIELDS {
        let mut p = property(kind, display, description, required.contains(&name));
        let (warnings, information) = account_field_rules(platform, name);
        p.validation = rules(&warnings, &information, name);
        if name == "accountType" {
            p.options = Some(choices(["Debit", "Credit"]));
        }
        properties.insert(name.to_owned(), p);
    }
    PushOption {
        r#type: PushOptionType::Object,
        display_name: "Bank Account".into(),
        description: Some("An account that bank transactions may be recorded against".into()),
        required: true,
        properties: Some(properties),
        options: None,
        validation: None,
    }
}

/// The JSON names of the fields the platform requires of a new bank account.
fn required_account_fields(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::QuickBooksOnline => &["accountName", "accountNumber", "currency"],
        Platform::Exact => &["accountName", "accountNumber"],
        _ => &["accountName", "currency"],
    }
}

/// The platform's (warnings, information) about one field of a new bank account.
fn account_field_rules(platform: Platform, name: &str) -> (Vec<String>, Vec<String>) {
    match (platform, name) {
        (Platform::Sage, "accountName") => (
            vec!["Should not be longer than 50 characters.".into()],
            vec![],
        ),
        (Platform::Sage, "sortCode") => (vec!["Should be a 6 digit number.".into()], vec![]),
        (Platform::FreeAgent, "sortCode") => (
            vec!["Must have a length between 0 and 8 characters".into()],
            vec![],
        ),
        (Platform::Exact, "sortCode") => (
            vec!["Must be 6 characters long if the specified currency is GBP.".into()],
            vec![],
        ),
        (_, "accountType") => (vec![], vec!["Default value is Debit".into()]),
        _ => (vec![], vec![]),
    }
}

/// Text choices offered for a field, none of them required.
fn choices<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<PushOptionChoice> {
    values
        .into_iter()
        .map(|v| PushOptionChoice {
            value: Some(v.into()),
            r#type: Some(PushOptionType::String),
            display_name: Some(v.into()),
            required: Some(false),
            description: None,
        })
        .collect()
}

/// What a push of bank transactions to `account` needs, field by field: the platform's rules
/// from the core's profile (`bankfeeds::rules`), read as Codat's push options model.
pub(super) fn bank_transactions_model(
    platform: Platform,
    account: &AnySourceAccount,
) -> PushOption {
    let profile = platform.profile();
    let mut tx = BTreeMap::new();
    tx.insert("id".to_owned(), id_property());
    tx.insert("date".to_owned(), date_property(profile));
    tx.insert("amount".to_owned(), amount_property(account));
    tx.insert("balance".to_owned(), balance_property(profile));
    for (key, p) in text_properties(profile) {
        tx.insert(key.to_owned(), p);
    }
    tx.insert("reconciled".to_owned(), reconciled_property(profile));
    tx.insert(
        "transactionType".to_owned(),
        transaction_type_property(profile),
    );
    let mut root = BTreeMap::new();
    root.insert(
        "accountId".to_owned(),
        property(
            PushOptionType::String,
            "Account Id",
            "The source account the transactions are pushed to",
            true,
        ),
    );
    root.insert(
        "transactions".to_owned(),
        transactions_property(profile, tx),
    );
    PushOption {
        r#type: PushOptionType::Object,
        display_name: "Bank Transactions".into(),
        description: Some(format!(
            "Bank transactions pushed to source account {} on {}",
            account.id(),
            profile.name
        )),
        required: true,
        properties: Some(root),
        options: None,
        validation: None,
    }
}

fn is_error(s: Severity) -> bool {
    s == Severity::Error
}

/// The information line for a field the platform ignores, if it does.
fn ignored_note(profile: &Profile, field: Field) -> Vec<String> {
    if profile.ignored_fields.contains(&field) {
        vec![format!("{} ignores it.", profile.name)]
    } else {
        Vec::new()
    }
}

fn id_property() -> PushOptionProperty {
    let mut p = property(
        PushOptionType::String,
        "Id",
        "The transaction's id, unique on the account",
        true,
    );
    p.validation = rules(
        &["Must be unique among the account's transactions.".into()],
        &[],
        "id",
    );
    p
}

/// The date's rules: never in the future, the platform's age limit, and the feed start and
/// newest transaction as errors or as information, as the platform treats them.
fn date_property(profile: &Profile) -> PushOptionProperty {
    let mut p = property(
        PushOptionType::DateTime,
        "Date",
        "When the transaction cleared, in the account's local time",
        true,
    );
    let mut warnings = vec!["Must not be in the future.".to_owned()];
    let mut information = Vec::new();
    if let Some(days) = profile.max_age_days {
        warnings.push(format!("Must not be more than {days} days old."));
    }
    let before = "Should not be before the account's feedStartDate.".to_owned();
    let older =
        "Should not be older than the newest transaction already on the account.".to_owned();
    if is_error(profile.before_feed_start) {
        warnings.push(before)
    } else {
        information.push(before)
    }
    if is_error(profile.older_than_latest) {
        warnings.push(older)
    } else {
        information.push(older)
    }
    information.push("Transactions are pushed oldest first.".into());
    p.validation = rules(&warnings, &information, "date");
    p
}

/// The amount, with the decimal places the account's currency allows.
fn amount_property(account: &AnySourceAccount) -> PushOptionProperty {
    let mut p = property(
        PushOptionType::Number,
        "Amount",
        "The amount: positive for money in, negative for money out",
        true,
    );
    let decimals = account
        .currency()
        .and_then(|c| c.minor_units().map(|d| (c.clone(), d)));
    let information: Vec<String> = decimals
        .map(|(c, d)| vec![format!("At most {d} decimal place(s) for {c}.")])
        .unwrap_or_default();
    p.validation = rules(&[], &information, "amount");
    p
}

/// The running balance, required when the platform rejects a transaction without one.
fn balance_property(profile: &Profile) -> PushOptionProperty {
    let required = profile.missing_balance.is_some_and(is_error);
    let mut p = property(
        PushOptionType::Number,
        "Balance",
        "The account's balance after the transaction",
        required,
    );
    let chain = "Must equal the previous balance plus the amount.".to_owned();
    p.validation = match profile.missing_balance {
        Some(Severity::Warning) => rules(
            &[chain],
            &[format!(
                "{} accepts transactions without a balance, with a warning.",
                profile.name
            )],
            "balance",
        ),
        _ => rules(&[chain], &[], "balance"),
    };
    p
}

/// The free-text fields (description, counterparty, reference) with the platform's limits.
fn text_properties(profile: &Profile) -> [(&'static str, PushOptionProperty); 3] {
    let fields = [
        (
            "description",
            "Description",
            "What the transaction was",
            profile.description_required,
            profile.max_description,
            Field::Description,
        ),
        (
            "counterparty",
            "Counterparty",
            "Who paid or was paid",
            false,
            profile.max_counterparty,
            Field::Counterparty,
        ),
        (
            "reference",
            "Reference",
            "The transaction's reference",
            false,
            profile.max_reference,
            Field::Reference,
        ),
    ];
    fields.map(|(key, display, description, required, max, field)| {
        let mut p = property(PushOptionType::String, display, description, required);
        let warnings: Vec<String> = max
            .map(|n| vec![format!("At most {n} characters.")])
            .unwrap_or_default();
        p.validation = rules(&warnings, &ignored_note(profile, field), key);
        (key, p)
    })
}

fn reconciled_property(profile: &Profile) -> PushOptionProperty {
    let mut p = property(
        PushOptionType::Boolean,
        "Reconciled",
        "Whether the transaction is reconciled",
        false,
    );
    if profile.ignored_fields.contains(&Field::Reconciled) {
        p.validation = rules(&[], &ignored_note(profile, Field::Reconciled), "reconciled");
    }
    p
}

/// The transaction types the platform allows, and how it reads the amount's sign.
fn transaction_type_property(profile: &Profile) -> PushOptionProperty {
    let mut p = property(
        PushOptionType::String,
        "Transaction Type",
        "The kind of transaction",
        false,
    );
    let allowed: Vec<&TransactionType> = match profile.allowed_types {
        Some(types) => types.iter().collect(),
        None => TransactionType::ALL.iter().collect(),
    };
    p.options = Some(choices(allowed.into_iter().map(|t| t.as_str())));
    let sign = if profile.type_decides_direction {
        format!(
            "{} takes the direction from the type, whatever the amount's sign.",
            profile.name
        )
    } else {
        "The amount's sign must agree with the type.".to_owned()
    };
    p.validation = rules(&[sign], &[], "transactionType");
    p
}

/// The array of transactions, with the platform's batch limit.
fn transactions_property(
    profile: &Profile,
    tx: BTreeMap<String, PushOptionProperty>,
) -> PushOptionProperty {
    let mut transactions = property(
        PushOptionType::Array,
        "Transactions",
        "The transactions to push, oldest first",
        true,
    );
    transactions.properties = Some(tx);
    transactions.validation = rules(
        &[format!(
            "At most {} transactions per push.",
            profile.max_batch
        )],
        &[],
        "transactions",
    );
    transactions
}

/// What a new bank account misses of what the platform requires, as Codat's validation items.
fn missing_fields(
    body: &BankAccountPrototype,
    model: &PushOption,
    platform: &str,
) -> Vec<ValidationItem> {
    let value = serde_json::to_value(body).unwrap_or_default();
    model
        .required_properties()
        .filter(|name| {
            value
                .get(*name)
                .is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()))
        })
        .map(|name| ValidationItem {
            item_id: None,
            message: Some(format!("{name} is required by {platform}.")),
            validator_name: Some("required".into()),
        })
        .collect()
}

impl Store {
    /// The platform's bank accounts (`list-bank-accounts`). The connection's data must have been
    /// synced, so it must have been linked once (Codat answers 409 until then).
    pub(crate) fn bank_accounts(
        &mut self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<Vec<BankAccount>, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        if rec.connection.last_sync.is_none() {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "The data set has not been requested: the connection has not been linked yet.",
            ));
        }
        Ok(rec.bank_accounts.clone())
    }

    /// The platform's model for a new bank account (`get-create-bankAccounts-model`).
    pub(crate) fn bank_account_model(
        &mut self,
        company_id: &str,
        connection_id: &str,
    ) -> Result<PushOption, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        Ok(bank_account_model(push::platform_of(&rec.connection)))
    }

    /// The platform's model for a push of bank transactions to a source account
    /// (`get-create-bank-transactions-model`).
    pub(crate) fn bank_transactions_model(
        &mut self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
    ) -> Result<PushOption, ApiError> {
        let rec = self.connection_rec(company_id, connection_id)?;
        let platform = push::platform_of(&rec.connection);
        let account = &rec.account_mut(account_id)?.account;
        Ok(bank_transactions_model(platform, account))
    }

    /// Creates a bank account in the platform (`create-bank-account`): a `Pending` push
    /// operation that finishes after the push delay, `Success` with the account created (and
    /// offered as a mapping target) or `Failed` naming the fields the platform requires.
    pub(crate) fn create_bank_account(
        &mut self,
        company_id: &str,
        connection_id: &str,
        body: BankAccountPrototype,
        timeout_in_minutes: Option<i32>,
        settings: &Settings,
    ) -> Result<bankfeeds::model::CreateBankAccountResponse, ApiError> {
        let seq = self.company_seq(company_id)?;
        let rec = self.connection_rec(company_id, connection_id)?;
        if !rec.connection.status.is_linked() {
            return Err(ApiError::bad_request(format!(
                "Data connection {connection_id} is {}: bank accounts can only be created through a Linked connection.",
                rec.connection.status
            )));
        }
        let platform = push::platform_of(&rec.connection);
        let missing = missing_fields(
            &body,
            &bank_account_model(platform),
            platform.profile().name,
        );
        let account = BankAccount {
            account_name: body.account_name.clone(),
            account_type: body.account_type.clone(),
            nominal_code: body.nominal_code.clone(),
            sort_code: body.sort_code.clone(),
            account_number: body.account_number.clone(),
            iban: body.iban.clone(),
            currency: body.currency.clone(),
            balance: body.balance,
            institution: body.institution.clone(),
            available_balance: body.available_balance,
            overdraft_limit: body.overdraft_limit,
            status: body.status.clone(),
            ..BankAccount::default()
        };
        let op = push::pending_operation(
            company_id,
            connection_id,
            DataType::BankAccounts,
            timeout_in_minutes,
        );
        let company = self
            .companies
            .get_mut(&seq)
            .ok_or_else(|| ApiError::company_not_found(company_id))?;
        let answer = push::with_data(&op, Some(account.clone()));
        push::record(
            company,
            op,
            Payload::BankAccount {
                account: Box::new(account),
                missing,
            },
            false,
            settings,
        );
        self.pending_pushes
            .push_back((seq, company.pushes.len() - 1));
        Ok(answer)
    }
}
