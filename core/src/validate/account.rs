//! What validation knows of the source account, and the account-level rules.

use chrono::NaiveDate;

use super::{Code, Field, Issue, Severity, ValidationReport};
use crate::model::{SourceAccount, SourceAccountStatus, SourceAccountV2};
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

    pub(super) fn check(&self, platform: Platform, report: &mut ValidationReport) {
        let profile = platform.profile();
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
        if let Some(currency) = &self.currency {
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
                match self.sort_code.as_deref().map(str::trim) {
                    None | Some("") => report.push(
                        Issue::new(Code::SortCodeRequired, "GBP accounts need a sort code")
                            .on(Field::SortCode),
                    ),
                    Some(sc) => {
                        if normalise_sort_code(sc).is_none() {
                            report.push(
                                Issue::new(
                                    Code::InvalidSortCode,
                                    format!("sort code `{sc}` is not six digits"),
                                )
                                .on(Field::SortCode)
                                .expected_found("six digits, e.g. 12-34-56", sc),
                            );
                        }
                    }
                }
            }
        }
        if let (Some(allowed), Some(kind)) = (profile.account_types, self.account_type.as_deref())
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
    }
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
        ctx.check(Platform::Generic, &mut report);
        let codes: Vec<_> = report.issues.iter().map(|i| i.code).collect();
        assert_eq!(codes, [Code::AccountNotConnected, Code::SortCodeRequired]);
    }
}
