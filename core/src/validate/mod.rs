//! Validation: every rule, every row, all findings at once.
//!
//! [`validate`] checks transactions against Codat's generic rules and the platform's
//! [`Profile`], given a [`ValidationContext`] that says which platform,
//! which day it is (time rules take `today` as an input so results are reproducible), and what is
//! known of the source account. Findings are data ([`ValidationReport`]); nothing here fails or
//! panics on bad input.
//!
//! ```
//! use bankfeeds::model::{BankTransaction, TransactionType};
//! use bankfeeds::rules::Platform;
//! use bankfeeds::validate::{validate, ValidationContext};
//! use rust_decimal_macros::dec;
//! let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
//! let txs = vec![
//!     BankTransaction::new("a", "2024-05-01".parse().unwrap(), dec!(100.00)).with_balance(dec!(100.00)),
//!     BankTransaction::new("b", "2024-05-02".parse().unwrap(), dec!(-17.54))
//!         .with_balance(dec!(82.47))
//!         .with_type(TransactionType::Debit),
//! ];
//! let report = validate(&txs, &ValidationContext::new(Platform::Xero, today));
//! let issue = report.errors().next().unwrap();
//! assert_eq!((issue.code.as_str(), issue.row), ("balance_mismatch", Some(1)));
//! assert_eq!(issue.expected.as_deref(), Some("82.46"));
//! ```

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use crate::model::{BankTransaction, CreateBankTransactions};
use crate::money::Currency;
use crate::rules::{Platform, Profile};

mod account;
mod codes;
mod policy;
mod report;
pub(crate) mod rows;

pub(crate) use account::invalid_sort_code;
pub use account::{AccountContext, normalise_sort_code, validate_account};
pub use codes::Code;
pub use policy::{RuleError, RuleLevel, RulePolicy};
pub(crate) use report::count_omitted;
pub use report::{DEFAULT_MAX_LISTED, Field, Issue, Omitted, Severity, ValidationReport};

/// What validation needs to know beyond the transactions themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationContext {
    /// Whose rules apply.
    pub platform: Platform,
    /// Today's date where the account is kept; future and age rules are judged against it.
    pub today: NaiveDate,
    /// What is known of the source account (currency, status, sort code, feed start date).
    pub account: Option<AccountContext>,
    /// The balance before the first transaction, when known: the first row's balance is then
    /// checked too.
    pub opening_balance: Option<Decimal>,
    /// The date of the newest transaction already on the account, when known.
    pub latest_existing: Option<NaiveDateTime>,
    /// The company's country (ISO 3166 alpha-2), for platforms limited to some regions.
    pub country: Option<String>,
    /// The caller's severities by rule code, applied to every finding (see [`RulePolicy`]);
    /// empty by default: the rules as Codat and the platform apply them.
    pub rules: RulePolicy,
}

impl ValidationContext {
    /// A context for a platform and a day; nothing known about the account.
    pub fn new(platform: Platform, today: NaiveDate) -> Self {
        ValidationContext {
            platform,
            today,
            account: None,
            opening_balance: None,
            latest_existing: None,
            country: None,
            rules: RulePolicy::new(),
        }
    }

    /// Sets what is known of the account.
    pub fn with_account(mut self, account: AccountContext) -> Self {
        self.account = Some(account);
        self
    }

    /// Sets the balance before the first transaction.
    pub fn with_opening_balance(mut self, opening: Decimal) -> Self {
        self.opening_balance = Some(opening);
        self
    }

    /// Sets the date of the newest transaction already on the account.
    pub fn with_latest_existing(mut self, latest: NaiveDateTime) -> Self {
        self.latest_existing = Some(latest);
        self
    }

    /// Sets the company's country.
    pub fn with_country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// Sets the caller's severities (see [`RulePolicy`]).
    pub fn with_rules(mut self, rules: RulePolicy) -> Self {
        self.rules = rules;
        self
    }

    /// Gives every finding of a finished report the severity the caller's [`RulePolicy`] sets
    /// for its code. The one place the policy is applied: every entry point that returns a
    /// report (validation, and [`crate::pipeline`] with its reading and normalising findings)
    /// ends here.
    pub fn settle(&self, report: &mut ValidationReport) {
        self.rules.apply(report);
    }

    /// The platform's rules.
    pub fn profile(&self) -> &'static Profile {
        self.platform.profile()
    }

    fn currency(&self) -> Option<&Currency> {
        self.account.as_ref().and_then(|a| a.currency.as_ref())
    }
}

/// Validates transactions; rows in findings are positions in `txs`.
pub fn validate(txs: &[BankTransaction], ctx: &ValidationContext) -> ValidationReport {
    validate_rows(txs, None, ctx)
}

/// Validates transactions whose input rows are `source_rows[i]` (after ingestion set some rows
/// aside, or normalisation re-ordered them); findings name input rows.
pub fn validate_rows(
    txs: &[BankTransaction],
    source_rows: Option<&[usize]>,
    ctx: &ValidationContext,
) -> ValidationReport {
    validate_checked(txs, source_rows, ctx, false)
}

/// [`validate_rows`], skipping the repeated-id rule when normalisation already applied it (its
/// de-duplication finds every repeated id: exact repeats are dropped, the rest are reported as
/// conflicting duplicates).
pub(crate) fn validate_checked(
    txs: &[BankTransaction],
    source_rows: Option<&[usize]>,
    ctx: &ValidationContext,
    ids_checked: bool,
) -> ValidationReport {
    let mut report = ValidationReport::new();
    let row_of = |i: usize| source_rows.and_then(|r| r.get(i).copied()).unwrap_or(i);
    account_rules(ctx, &mut report);
    if txs.is_empty() {
        report.push(empty_batch());
        ctx.settle(&mut report);
        return report;
    }
    rows::check_rows(txs, &row_of, ctx, ids_checked, &mut report);
    report.sort();
    ctx.settle(&mut report);
    report
}

/// Validates one push body as it would be sent: everything [`validate`] checks, plus its size
/// and that its `accountId` is the account's.
pub fn validate_push(body: &CreateBankTransactions, ctx: &ValidationContext) -> ValidationReport {
    let mut report = validate(&body.transactions, ctx);
    let max = ctx.profile().max_batch;
    if body.transactions.len() > max {
        report.issues.insert(
            0,
            Issue::new(
                Code::BatchTooLarge,
                format!(
                    "a push carries at most {max} transactions for {}; this one has {}: split it into batches",
                    ctx.profile().name,
                    body.transactions.len()
                ),
            )
            .on(Field::Transactions)
            .expected_found(max, body.transactions.len()),
        );
    }
    if body.account_id.trim().is_empty() {
        report.issues.insert(
            0,
            Issue::new(Code::MissingField, "the push body has no accountId").on(Field::AccountId),
        );
    } else if let Some(id) = ctx.account.as_ref().and_then(|a| a.id.as_deref())
        && id != body.account_id
    {
        report.issues.insert(
            0,
            Issue::new(
                Code::MultipleAccounts,
                format!(
                    "the push body is for account `{}` but the account is `{}`",
                    crate::text::excerpt(&body.account_id),
                    crate::text::excerpt(id)
                ),
            )
            .on(Field::AccountId)
            .expected_found(id, &body.account_id),
        );
    } else if let Some(problem) = crate::ids::id_text(&body.account_id) {
        // The account id follows the rule for ids: Codat matches it exactly.
        let what = match problem {
            crate::ids::IdText::Control { .. } => "has a control character",
            crate::ids::IdText::Untrimmed => "has whitespace at its start or end",
        };
        report.issues.insert(
            0,
            Issue::new(
                Code::InvalidValue,
                format!(
                    "the push body's accountId `{}` {what}; Codat matches account ids exactly",
                    crate::text::excerpt(&body.account_id)
                ),
            )
            .on(Field::AccountId)
            .found(&body.account_id),
        );
    }
    ctx.settle(&mut report);
    report
}

/// The rules about the account and the company, checked before any row.
pub(crate) fn account_rules(ctx: &ValidationContext, report: &mut ValidationReport) {
    if let Some(account) = &ctx.account {
        account.check_for_push(report);
    }
    if let Some(region) = ctx.profile().regions {
        check_region(ctx, region, report);
    }
}

/// The finding for no transactions at all.
pub(crate) fn empty_batch() -> Issue {
    Issue::new(Code::EmptyBatch, "there are no transactions")
}

fn check_region(
    ctx: &ValidationContext,
    region: crate::rules::Regions,
    report: &mut ValidationReport,
) {
    let name = ctx.profile().name;
    if let Some(country) = ctx.country.as_deref() {
        let c = country.trim().to_ascii_uppercase();
        if !region.countries.contains(&c.as_str()) {
            report.push(
                Issue::new(
                    Code::UnsupportedRegion,
                    format!(
                        "{name} bank feeds serve companies in {} only; this company is in {c}",
                        region.countries.join(" and ")
                    ),
                )
                .expected_found(region.countries.join("|"), c),
            );
        }
    } else if let Some(cur) = ctx.currency() {
        let code = cur.code();
        if !region.currencies.contains(&code.as_str()) {
            report.push(
                Issue::new(
                    Code::UnsupportedRegion,
                    format!(
                        "{name} bank feeds serve companies in {} only, and this account is in {code}",
                        region.countries.join(" and ")
                    ),
                )
                .severity(Severity::Warning)
                .on(Field::Currency)
                .expected_found(region.currencies.join("|"), code),
            );
        }
    }
}
