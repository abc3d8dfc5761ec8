//! Normalising a source account before it is created: the currency upper-cased and trimmed
//! (`gbp` to `GBP`), the sort code in Codat's six-digit form (`12-34-56` to `123456`). Every
//! change is reported; a sort code that cannot be made six digits is an `invalid_sort_code`
//! error rather than a silent guess.

use crate::model::CreateSourceAccount;
use crate::money::Currency;
use crate::normalise::{Change, ChangeKind};
use crate::validate::{Field, ValidationReport, invalid_sort_code, normalise_sort_code};

/// What [`normalise_account`] changed and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountNormalised {
    /// Every change made.
    pub changes: Vec<Change>,
    /// What could not be normalised.
    pub report: ValidationReport,
}

/// Normalises a source account's currency and sort code in place.
///
/// ```
/// use bankfeeds::model::{CreateSourceAccount, SourceAccountPrototype};
/// use bankfeeds::money::Currency;
/// use bankfeeds::normalise::normalise_account;
/// let mut account = CreateSourceAccount::V1(SourceAccountPrototype {
///     currency: Some(Currency::new(" gbp")),
///     sort_code: Some("12-34-56".into()),
///     ..SourceAccountPrototype::new("acc-001")
/// });
/// let result = normalise_account(&mut account);
/// assert_eq!(result.changes.len(), 2);
/// let CreateSourceAccount::V1(p) = &account else { unreachable!() };
/// assert_eq!((p.currency.as_ref().unwrap().as_str(), p.sort_code.as_deref()), ("GBP", Some("123456")));
/// ```
pub fn normalise_account(account: &mut CreateSourceAccount) -> AccountNormalised {
    let mut out = AccountNormalised::default();
    let (id, currency, sort_code) = match account {
        CreateSourceAccount::V1(p) => (p.id.clone(), p.currency.as_mut(), p.sort_code.as_mut()),
        CreateSourceAccount::V2(p) => (p.id.clone(), Some(&mut p.currency), p.sort_code.as_mut()),
    };
    if let Some(currency) = currency
        && !currency.is_normalised()
    {
        let before = currency.as_str().to_owned();
        let after = currency.code();
        *currency = Currency::new(after.clone());
        out.changes.push(change(
            &id,
            Field::Currency,
            before,
            after,
            "currency upper-cased",
        ));
    }
    if let Some(sort_code) = sort_code {
        match normalise_sort_code(sort_code) {
            Some(six) if six != *sort_code => {
                let before = std::mem::replace(sort_code, six.clone());
                out.changes.push(change(
                    &id,
                    Field::SortCode,
                    before,
                    six,
                    "sort code written as six digits",
                ));
            }
            Some(_) => {}
            None => out.report.push(invalid_sort_code(sort_code).with_id(&id)),
        }
    }
    out
}

fn change(id: &str, field: Field, before: String, after: String, message: &str) -> Change {
    Change {
        kind: ChangeKind::Reformatted,
        row: None,
        id: Some(id.to_owned()),
        field: Some(field),
        before: Some(before),
        after: Some(after),
        rows: Vec::new(),
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SourceAccountPrototype, SourceAccountV2Prototype, SourceAccountV2Type};
    use crate::validate::Code;
    use rust_decimal::Decimal;

    #[test]
    fn already_normal_accounts_are_left_alone() {
        let mut account = CreateSourceAccount::V1(SourceAccountPrototype {
            currency: Some(Currency::new("GBP")),
            sort_code: Some("123456".into()),
            ..SourceAccountPrototype::new("a")
        });
        let result = normalise_account(&mut account);
        assert!(result.changes.is_empty() && result.report.is_empty());
    }

    #[test]
    fn v2_accounts_and_bad_sort_codes() {
        let mut account = CreateSourceAccount::V2(SourceAccountV2Prototype {
            sort_code: Some("12-34".into()),
            ..SourceAccountV2Prototype::new(
                "a",
                "Current",
                SourceAccountV2Type::Checking,
                "12345678",
                Currency::new("usd"),
                Decimal::ZERO,
            )
        });
        let result = normalise_account(&mut account);
        assert_eq!(result.changes.len(), 1);
        assert_eq!(result.changes[0].after.as_deref(), Some("USD"));
        assert_eq!(result.report.issues[0].code, Code::InvalidSortCode);
        let CreateSourceAccount::V2(p) = &account else {
            unreachable!()
        };
        assert_eq!(
            p.sort_code.as_deref(),
            Some("12-34"),
            "an unusable sort code is not guessed at"
        );
    }
}
