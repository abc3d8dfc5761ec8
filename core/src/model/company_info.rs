//! Company information: what the accounting platform says about the linked company.

use serde::{Deserialize, Serialize};

use crate::money::Currency;

/// Details of the linked company from its accounting platform (`Company information`), answered
/// by `GET .../bankFeeds/info`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyInformation {
    /// The company's name in the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// The company's base currency in the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_currency: Option<Currency>,
    /// The platform subscription, such as Trial, Demo or Standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_type: Option<String>,
    /// Whether the company has multi-currency enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multicurrency_enabled: Option<bool>,
    /// The currencies enabled for the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currencies: Option<Vec<Currency>>,
}

impl CompanyInformation {
    /// Whether the company can hold accounts in `currency`: its base currency, or an enabled one
    /// when multi-currency is on. Codes compare ignoring case and spaces.
    pub fn accepts_currency(&self, currency: &Currency) -> bool {
        let code = currency.code();
        if self
            .base_currency
            .as_ref()
            .is_some_and(|c| c.code() == code)
        {
            return true;
        }
        self.multicurrency_enabled == Some(true)
            && self.currencies.iter().flatten().any(|c| c.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies() {
        let info: CompanyInformation = serde_json::from_str(
            r#"{"companyName":"Toft","baseCurrency":"GBP","planType":null,"multicurrencyEnabled":true,"currencies":["GBP","usd"]}"#,
        )
        .unwrap();
        assert!(info.accepts_currency(&Currency::new("gbp")));
        assert!(info.accepts_currency(&Currency::new("USD")));
        assert!(!info.accepts_currency(&Currency::new("EUR")));
        let single = CompanyInformation {
            multicurrency_enabled: Some(false),
            ..info.clone()
        };
        assert!(!single.accepts_currency(&Currency::new("USD")));
        assert_eq!(
            serde_json::to_string(&info).unwrap(),
            r#"{"companyName":"Toft","baseCurrency":"GBP","multicurrencyEnabled":true,"currencies":["GBP","usd"]}"#
        );
    }
}
