//! What validation and normalisation need to know: the platform, the day, the account, and the
//! switches of normalisation.

use std::collections::HashMap;

use bankfeeds::model;
use bankfeeds::money::Currency;
use bankfeeds::normalise;
use bankfeeds::rules;
use bankfeeds::validate;

use crate::error::BankFeedsError;
use crate::report::{Field, Severity, ValidationReport};
use crate::transaction::TransactionType;
use crate::types::{CalendarDate, Money, WallClock};

bankfeeds::platform_variants!(mirror_enum! {
    /// An accounting platform whose bank-feed rules bankfeeds knows; a platform added to the core
    /// after this binding was written gets the generic rules (the core's own fallback for unknown
    /// platforms).
    pub enum Platform mirrors rules::Platform
} fallback Generic);

mirror_enum! {
    /// Where a source account is in the bank-feed set-up.
    pub enum SourceAccountStatus mirrors model::SourceAccountStatus {
        /// Created; the customer has not yet mapped it to a target account.
        Pending,
        /// Mapped: transactions can be pushed.
        Connected,
        /// The mapping is being set up.
        Connecting,
        /// The feed was disconnected; pushes will fail.
        Disconnected,
        /// Not known (also any status newer than this binding).
        Unknown,
    }
    fallback Unknown
}

/// What is known of the source account; each fact switches on the rules that need it.
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct AccountContext {
    /// The source account id.
    #[uniffi(default = None)]
    pub id: Option<String>,
    /// Its ISO 4217 currency: amounts may not have more decimals than it allows.
    #[uniffi(default = None)]
    pub currency: Option<String>,
    /// Its status: transactions can be pushed only when `CONNECTED`.
    #[uniffi(default = None)]
    pub status: Option<SourceAccountStatus>,
    /// Its sort code (GBP accounts need one).
    #[uniffi(default = None)]
    pub sort_code: Option<String>,
    /// Its v1 `accountType` (`Debit`, `Credit`), for platforms that limit account kinds.
    #[uniffi(default = None)]
    pub account_type: Option<String>,
    /// The first day transactions may be pushed for.
    #[uniffi(default = None)]
    pub feed_start_date: Option<CalendarDate>,
}

impl AccountContext {
    fn to_core(&self) -> Result<validate::AccountContext, BankFeedsError> {
        Ok(validate::AccountContext {
            id: self.id.clone(),
            currency: self.currency.as_deref().map(Currency::new),
            status: self.status.map(SourceAccountStatus::to_core),
            sort_code: self.sort_code.clone(),
            account_type: self.account_type.clone(),
            feed_start_date: self
                .feed_start_date
                .as_ref()
                .map(|d| d.parse())
                .transpose()
                .map_err(|e| BankFeedsError::option(Some(Field::FeedStartDate), e))?,
        })
    }
}

/// What validation needs beyond the transactions: whose rules, which day it is (future and age
/// rules are judged against `today`, so results are reproducible), and what is known of the
/// account.
///
/// ```kotlin
/// val context = ValidationContext(
///     platform = Platform.XERO,
///     today = LocalDate.now(),
///     account = AccountContext(currency = "GBP", sortCode = "12-34-56", status = SourceAccountStatus.CONNECTED),
///     openingBalance = BigDecimal("100.00"),
/// )
/// ```
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ValidationContext {
    /// Whose rules apply.
    pub platform: Platform,
    /// Today's date where the account is kept.
    pub today: CalendarDate,
    /// What is known of the source account.
    #[uniffi(default = None)]
    pub account: Option<AccountContext>,
    /// The balance before the first transaction, when known: the first row's balance is then
    /// checked too.
    #[uniffi(default = None)]
    pub opening_balance: Option<Money>,
    /// The date of the newest transaction already on the account, when known.
    #[uniffi(default = None)]
    pub latest_existing: Option<WallClock>,
    /// The company's country (ISO 3166 alpha-2), for platforms limited to some regions.
    #[uniffi(default = None)]
    pub country: Option<String>,
    /// Each rule's severity by its code (`Issue.codeText`, e.g. `"sign_mismatch"`), applied to
    /// every finding; the rules as Codat and the platform apply them when left out. Codes about
    /// rows or values that cannot be read stay errors.
    #[uniffi(default = None)]
    pub rules: Option<HashMap<String, RuleLevel>>,
}

/// How severe a rule's findings are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RuleLevel {
    /// Its findings are errors: nothing is pushed while one remains.
    Error,
    /// Its findings are warnings: reported, and the push goes ahead.
    Warning,
    /// Its findings are dropped from the report.
    Off,
}

impl RuleLevel {
    fn to_core(self) -> validate::RuleLevel {
        match self {
            RuleLevel::Error => validate::RuleLevel::Error,
            RuleLevel::Warning => validate::RuleLevel::Warning,
            RuleLevel::Off => validate::RuleLevel::Off,
        }
    }
}

/// The core's rule policy for a map of code text to level.
pub(crate) fn rule_policy(
    rules: &HashMap<String, RuleLevel>,
) -> Result<validate::RulePolicy, BankFeedsError> {
    validate::RulePolicy::from_settings(
        rules
            .iter()
            .map(|(code, level)| (code.as_str(), level.to_core().as_str())),
    )
    .map_err(|e| BankFeedsError::option(None, format!("rules: {e}")))
}

impl ValidationContext {
    pub(crate) fn to_core(&self) -> Result<validate::ValidationContext, BankFeedsError> {
        let today = self
            .today
            .parse()
            .map_err(|e| BankFeedsError::option(None, format!("today: {e}")))?;
        let mut ctx = validate::ValidationContext::new(self.platform.to_core(), today);
        if let Some(account) = &self.account {
            ctx = ctx.with_account(account.to_core()?);
        }
        if let Some(opening) = &self.opening_balance {
            let opening = opening.decimal().map_err(|e| {
                BankFeedsError::option(Some(Field::Balance), format!("opening balance: {e}"))
            })?;
            ctx = ctx.with_opening_balance(opening);
        }
        if let Some(latest) = &self.latest_existing {
            let latest = latest.parse().map_err(|e| {
                BankFeedsError::option(Some(Field::Date), format!("latest existing: {e}"))
            })?;
            ctx = ctx.with_latest_existing(latest.datetime());
        }
        if let Some(country) = &self.country {
            ctx = ctx.with_country(country.clone());
        }
        if let Some(rules) = &self.rules {
            ctx = ctx.with_rules(rule_policy(rules)?);
        }
        Ok(ctx)
    }
}

/// Where `prepare` takes balances from.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum BalanceFill {
    /// Compute every balance forward from the balance before the oldest transaction.
    Opening {
        /// The balance before the oldest transaction.
        balance: Money,
    },
    /// Compute every balance backward from the balance after the newest transaction (what the
    /// bank shows today).
    Closing {
        /// The balance after the newest transaction.
        balance: Money,
    },
}

/// What `prepare` may change. Every switch left `null` (Kotlin) / `nil` (Swift) takes the
/// platform's default: trim, de-duplicate, infer types and sort are on; truncate and fix signs
/// are off; balances are kept as given; batches are as large as the platform takes.
#[derive(Debug, Clone, PartialEq, Default, uniffi::Record)]
pub struct NormaliseOptions {
    /// Trim text fields; blank ones become absent.
    #[uniffi(default = None)]
    pub trim: Option<bool>,
    /// Cut text fields to the platform's length limits (otherwise over-long text is an error).
    #[uniffi(default = None)]
    pub truncate: Option<bool>,
    /// Drop exact duplicates.
    #[uniffi(default = None)]
    pub dedupe: Option<bool>,
    /// Infer `Credit`/`Debit` from the amount's sign where the type is missing.
    #[uniffi(default = None)]
    pub infer_types: Option<bool>,
    /// Flip the sign of amounts that contradict their type (otherwise validation flags them).
    #[uniffi(default = None)]
    pub fix_signs: Option<bool>,
    /// Sort oldest to newest.
    #[uniffi(default = None)]
    pub sort: Option<bool>,
    /// Compute balances from an opening or closing balance; `null` keeps the rows' balances.
    #[uniffi(default = None)]
    pub balances: Option<BalanceFill>,
    /// Transactions per push (clamped to what the platform takes).
    #[uniffi(default = None)]
    pub batch_size: Option<u32>,
}

impl BalanceFill {
    /// The core's anchor; an amount it cannot hold is an `InvalidInput` on `balance`.
    pub(crate) fn to_core(&self) -> Result<normalise::BalanceFill, BankFeedsError> {
        let exact = |m: &Money, which: &str| {
            m.decimal().map_err(|e| {
                BankFeedsError::option(Some(Field::Balance), format!("{which} balance: {e}"))
            })
        };
        Ok(match self {
            BalanceFill::Opening { balance } => {
                normalise::BalanceFill::Opening(exact(balance, "opening")?)
            }
            BalanceFill::Closing { balance } => {
                normalise::BalanceFill::Closing(exact(balance, "closing")?)
            }
        })
    }
}

impl NormaliseOptions {
    pub(crate) fn to_core(
        &self,
        platform: Platform,
    ) -> Result<normalise::NormaliseOptions, BankFeedsError> {
        let mut o = normalise::NormaliseOptions::for_platform(platform.to_core());
        let switches = [
            (self.trim, &mut o.trim),
            (self.truncate, &mut o.truncate),
            (self.dedupe, &mut o.dedupe),
            (self.infer_types, &mut o.infer_types),
            (self.fix_signs, &mut o.fix_signs),
            (self.sort, &mut o.sort),
        ];
        for (given, slot) in switches {
            if let Some(value) = given {
                *slot = value;
            }
        }
        o.balances = match &self.balances {
            None => normalise::BalanceFill::Keep,
            Some(anchor) => anchor.to_core()?,
        };
        if let Some(size) = self.batch_size {
            o.batch_size = usize::try_from(size).unwrap_or(usize::MAX);
        }
        Ok(o)
    }
}

/// Everything `prepare` needs: the validation context and what normalisation may change.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PrepareOptions {
    /// Whose rules, which day, what is known of the account.
    pub context: ValidationContext,
    /// What normalisation may change; the platform's defaults when left out.
    #[uniffi(default)]
    pub normalise: NormaliseOptions,
}

/// What one platform requires on top of Codat's generic rules, for showing limits in an app.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlatformRules {
    /// The platform.
    pub platform: Platform,
    /// Its name for people.
    pub name: String,
    /// Most transactions in one push.
    pub max_batch: u32,
    /// Severity of a missing `balance`; `null` when the platform does not need balances.
    pub missing_balance: Option<Severity>,
    /// Whether every transaction needs a description.
    pub description_required: bool,
    /// Oldest transaction accepted, in days before today.
    pub max_age_days: Option<i64>,
    /// Longest description accepted, in characters.
    pub max_description: Option<u32>,
    /// Longest counterparty accepted, in characters.
    pub max_counterparty: Option<u32>,
    /// Longest reference accepted, in characters.
    pub max_reference: Option<u32>,
    /// The transaction types accepted, when fewer than the spec's.
    pub allowed_types: Option<Vec<TransactionType>>,
}

impl From<&rules::Profile> for PlatformRules {
    fn from(p: &rules::Profile) -> Self {
        use crate::convert::row as n;
        PlatformRules {
            platform: Platform::from_core(&p.platform),
            name: p.name.to_owned(),
            max_batch: n(p.max_batch),
            missing_balance: p.missing_balance.map(Severity::from),
            description_required: p.description_required,
            max_age_days: p.max_age_days,
            max_description: p.max_description.map(n),
            max_counterparty: p.max_counterparty.map(n),
            max_reference: p.max_reference.map(n),
            allowed_types: p.allowed_types.map(|types| {
                types
                    .iter()
                    .filter_map(|t| TransactionType::from_core(t.clone()))
                    .collect()
            }),
        }
    }
}

/// The platform whose rules apply to a connection's platform key (`gbol`, `hcws`, ...: a
/// connection's `integrationKey`); unknown keys get the generic rules.
#[uniffi::export]
pub fn platform_for_key(key: String) -> Platform {
    Platform::from_core(&rules::Platform::from_key(&model::PlatformKey::from(
        key.as_str(),
    )))
}

/// Checks a source account's own rules, as when it is created: GBP accounts need a six-digit
/// sort code, the currency should be ISO 4217, and some platforms take only some kinds of account
/// (Xero: `Debit` or `Credit`). `validate` and `prepare` do not repeat these (only the
/// `connected` status rule).
#[uniffi::export]
pub fn validate_account(
    account: AccountContext,
    platform: Platform,
) -> Result<ValidationReport, BankFeedsError> {
    Ok(validate::validate_account(&account.to_core()?, platform.to_core()).into())
}

/// A platform's limits and requirements, for showing them in an app.
#[uniffi::export]
pub fn platform_rules(platform: Platform) -> PlatformRules {
    platform.to_core().profile().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_round_trip() {
        for &p in rules::Platform::ALL {
            assert_eq!(Platform::from_core(&p).to_core(), p);
        }
    }

    #[test]
    fn left_out_switches_take_the_platform_defaults() {
        for &p in rules::Platform::ALL {
            let ours = NormaliseOptions::default()
                .to_core(Platform::from_core(&p))
                .unwrap();
            assert_eq!(ours, normalise::NormaliseOptions::for_platform(p));
        }
        let flipped = NormaliseOptions {
            sort: Some(false),
            truncate: Some(true),
            ..Default::default()
        }
        .to_core(Platform::Xero)
        .unwrap();
        assert!(!flipped.sort && flipped.truncate && flipped.trim);
    }
}
