//! What validation knows of the source account, and the account-level rules.

use chrono::NaiveDate;

use super::{Code, Field, Issue, Severity, ValidationReport};
use crate::model::{CreateSourceAccount, SourceAccount, SourceAccountStatus, SourceAccountV2};
use crate::money::Currency;
use crate::rules::Platform;

/// The source account's facts that rules depend on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountContext {
    /// The source account id.
    pub id: Option<String>,
    /// Its currency: amounts may not have more decimals than it allows.
    pub currency: Option<Currency>,
    /// Its status: transactions can be pushed only when `connected`.
    pub status: Option<SourceAccountStatus>,
    /// Its sort code (GBP accounts need one).
    pub sort_code: Option<String>,
    /// Its v1 `accountType` (`Debit`, `Credit`), for platforms that limit account kinds.
    pub account_type: Option<String>,
    /// The first day transactions may be pushed for.
    pub feed_start_date: Option<NaiveDate>,
}

impl AccountContext {
    /// An account in a currency, status unknown.
    pub fn in_currency(currency: impl Into<Currency>) -> Self {
        AccountContext {
            currency: Some(currency.into()),
            ..Default::default()
        }
    }

    /// The rule a push adds: the account must be `connected`.
    pub(super) fn check_for_push(&self, report: &mut ValidationReport) {
        match &self.status {
            Some(SourceAccountStatus::Connected) => {}
            Some(status) => report.push(
                Issue::new(
                    Code::AccountNotConnected,
                    match status {
                        SourceAccountStatus::Pending => "the source account is `pending`: the customer has not mapped it to an account in the accounting software yet".to_owned(),
                        SourceAccountStatus::Connecting => "the source account is still `connecting`: wait until it is `connected`".to_owned(),
                        SourceAccountStatus::Disconnected => "the source account is `disconnected`: the customer must reconnect the feed".to_owned(),
                        other => format!("the source account is `{other}`, not `connected`"),
                    },
                )
                .on(Field::AccountStatus)
                .expected_found("connected", status),
            ),
            None => {}
        }
    }
}

/// Checks a source account's own rules, as when it is created: GBP accounts need a six-digit sort
/// code, the currency should be an ISO 4217 code, and some platforms take only some kinds of
/// account (Xero: `Debit` or `Credit`). Transaction validation does not repeat these: a context
/// built for a push may not know the sort code, and its absence there means "not given", not
/// "missing". The status rule (`connected` before a push) is part of transaction validation.
///
/// ```
/// use bankfeeds::rules::Platform;
/// use bankfeeds::validate::{validate_account, AccountContext, Code};
/// let account = AccountContext { sort_code: Some("12-34-56".into()), ..AccountContext::in_currency("GBP") };
/// assert!(validate_account(&account, Platform::Xero).is_valid());
/// let report = validate_account(&AccountContext::in_currency("GBP"), Platform::Xero);
/// assert_eq!(report.issues[0].code, Code::SortCodeRequired);
/// ```
pub fn validate_account(account: &AccountContext, platform: Platform) -> ValidationReport {
    let mut report = ValidationReport::new();
    let profile = platform.profile();
    let id = account.id.as_deref().unwrap_or("");
    if let Some(currency) = &account.currency {
        let code = currency.code();
        if !currency.is_iso() {
            report.push(
                Issue::new(
                    Code::UnknownCurrency,
                    format!("`{currency}` is not an ISO 4217 currency code"),
                )
                .on(Field::Currency)
                .found(currency),
            );
        }
        if code == "GBP" {
            match account.sort_code.as_deref().map(str::trim) {
                None | Some("") => report.push(
                    Issue::new(Code::SortCodeRequired, "GBP accounts need a sort code")
                        .on(Field::SortCode),
                ),
                Some(sc) => {
                    if normalise_sort_code(sc).is_none() {
                        report.push(invalid_sort_code(sc));
                    }
                }
            }
        }
    }
    if let (Some(allowed), Some(kind)) = (profile.account_types, account.account_type.as_deref())
        && !allowed.iter().any(|a| a.eq_ignore_ascii_case(kind.trim()))
    {
        report.push(
            Issue::new(
                Code::UnsupportedAccountType,
                format!(
                    "{} takes bank feeds for {} accounts only, not `{kind}`",
                    profile.name,
                    allowed.join(" or ")
                ),
            )
            .severity(Severity::Error)
            .expected_found(allowed.join("|"), kind),
        );
    }
    for issue in &mut report.issues {
        if issue.id.is_none() && !id.is_empty() {
            issue.id = Some(id.to_owned());
        }
    }
    report
}

/// The finding for a sort code that cannot be written as six digits.
pub(crate) fn invalid_sort_code(sort_code: &str) -> Issue {
    Issue::new(
        Code::InvalidSortCode,
        format!("sort code `{sort_code}` is not six digits"),
    )
    .on(Field::SortCode)
    .expected_found("six digits, e.g. 12-34-56", sort_code)
}

/// A sort code in Codat's six-digit form (`12-34-56`, `12 34 56` and `123456` all give `123456`),
/// or `None` when it does not have six digits.
pub fn normalise_sort_code(sort_code: &str) -> Option<String> {
    let digits: String = sort_code
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{2010}'..='\u{2013}'))
        .collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

impl From<&SourceAccount> for AccountContext {
    fn from(a: &SourceAccount) -> Self {
        AccountContext {
            id: Some(a.id.clone()),
            currency: a.currency.clone(),
            status: a.status.clone(),
            sort_code: a.sort_code.clone(),
            account_type: a.account_type.clone(),
            feed_start_date: a.feed_start_date.map(|t| t.date()),
        }
    }
}

impl From<&CreateSourceAccount> for AccountContext {
    fn from(a: &CreateSourceAccount) -> Self {
        match a {
            CreateSourceAccount::V1(p) => AccountContext {
                id: Some(p.id.clone()),
                currency: p.currency.clone(),
                sort_code: p.sort_code.clone(),
                account_type: p.account_type.clone(),
                ..AccountContext::default()
            },
            CreateSourceAccount::V2(p) => AccountContext {
                id: Some(p.id.clone()),
                currency: Some(p.currency.clone()),
                sort_code: p.sort_code.clone(),
                ..AccountContext::default()
            },
        }
    }
}

impl From<&SourceAccountV2> for AccountContext {
    fn from(a: &SourceAccountV2) -> Self {
        AccountContext {
            id: Some(a.id.clone()),
            currency: Some(a.currency.clone()),
            status: a.status.clone(),
            sort_code: a.sort_code.clone(),
            // v2 account types (checking, savings...) are not the v1 Debit/Credit kinds.
            account_type: None,
            feed_start_date: a.feed_start_date.map(|t| t.date()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_codes() {
        assert_eq!(normalise_sort_code("12-34-56").as_deref(), Some("123456"));
        assert_eq!(normalise_sort_code("12 34 56").as_deref(), Some("123456"));
        assert_eq!(normalise_sort_code("1234567"), None);
        assert_eq!(normalise_sort_code("12-34-5a"), None);
    }

    #[test]
    fn gbp_needs_a_sort_code_and_a_connected_status() {
        let mut report = ValidationReport::new();
        let ctx = AccountContext {
            status: Some(SourceAccountStatus::Pending),
            ..AccountContext::in_currency("GBP")
        };
        ctx.check_for_push(&mut report);
        report.extend(validate_account(&ctx, Platform::Generic));
        let codes: Vec<_> = report.issues.iter().map(|i| i.code).collect();
        assert_eq!(codes, [Code::AccountNotConnected, Code::SortCodeRequired]);
        let xero = AccountContext {
            sort_code: Some("123456".into()),
            account_type: Some("Loan".into()),
            ..AccountContext::in_currency("GBP")
        };
        let codes: Vec<_> = validate_account(&xero, Platform::Xero)
            .issues
            .iter()
            .map(|i| i.code)
            .collect();
        assert_eq!(codes, [Code::UnsupportedAccountType]);
        assert!(validate_account(&xero, Platform::Generic).is_valid());
    }
}
