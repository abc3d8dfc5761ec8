//! Account mapping: which target account in the accounting platform each source account feeds.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::dates::Timestamp;
use crate::money::Currency;

super::wire_struct! {
    /// The body that maps a source account to a target account (`Bank feed account mapping`,
    /// `POST .../bankFeedAccounts/mapping`).
    ///
    /// ```
    /// use bankfeeds::model::BankFeedAccountMapping;
    /// let body = BankFeedAccountMapping::new("acc-002", "account-081");
    /// assert_eq!(
    ///     serde_json::to_string(&body).unwrap(),
    ///     r#"{"sourceAccountId":"acc-002","targetAccountId":"account-081"}"#
    /// );
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct BankFeedAccountMapping {
        /// The source account.
        pub source_account_id: String,
        /// The target account in the accounting platform.
        pub target_account_id: Option<String>,
        /// The first date transactions can be sent to the platform.
        pub feed_start_date: Option<Timestamp>,
    }
}

impl BankFeedAccountMapping {
    /// Maps `source_account_id` to `target_account_id`.
    pub fn new(source_account_id: impl Into<String>, target_account_id: impl Into<String>) -> Self {
        BankFeedAccountMapping {
            source_account_id: source_account_id.into(),
            target_account_id: Some(target_account_id.into()),
            feed_start_date: None,
        }
    }

    /// Sets the feed start date.
    pub fn with_feed_start_date(mut self, feed_start_date: Timestamp) -> Self {
        self.feed_start_date = Some(feed_start_date);
        self
    }
}

super::wire_struct! {
    /// Codat's answer to a mapping request (`Bank feed account mapping response`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct BankFeedAccountMappingResponse {
        /// The source account.
        pub source_account_id: Option<String>,
        /// The target account.
        pub target_account_id: Option<String>,
        /// The request's outcome as free text, e.g. `Failed`.
        pub status: Option<String>,
        /// Why the mapping failed.
        pub error: Option<String>,
    }
}

impl BankFeedAccountMappingResponse {
    /// Whether Codat reported a failure: an `error`, or a `status` of `Failed` in any case.
    pub fn is_failed(&self) -> bool {
        self.error.as_deref().is_some_and(|e| !e.is_empty())
            || self
                .status
                .as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("failed"))
    }
}

super::wire_struct! {
    /// A source account with its current target and the targets it could map to (`Bank feed
    /// mapping`), as `GET .../bankFeedAccounts/mapping` lists them.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct BankFeedMapping {
        /// The source account.
        pub source_account_id: Option<String>,
        /// The source account's name.
        pub source_account_name: Option<String>,
        /// The source account's number.
        pub source_account_number: Option<String>,
        /// The source account's balance.
        pub source_balance: Option<Decimal>,
        /// The source account's currency.
        pub source_currency: Option<Currency>,
        /// The mapped target account in the accounting platform.
        pub target_account_id: Option<String>,
        /// The mapped target account's name.
        pub target_account_name: Option<String>,
        /// The mapping's status, free text (`pending`, `Success` in Codat's examples).
        pub status: Option<String>,
        /// Target accounts the source could be mapped to.
        pub target_account_options: Option<Vec<TargetAccountOption>>,
        /// The first date transactions can be sent to the platform.
        pub feed_start_date: Option<Timestamp>,
    }
}

impl BankFeedMapping {
    /// The possible targets (none when Codat left the list out).
    pub fn options(&self) -> &[TargetAccountOption] {
        self.target_account_options.as_deref().unwrap_or_default()
    }

    /// Whether the source account is mapped to a target.
    pub fn is_mapped(&self) -> bool {
        self.target_account_id
            .as_deref()
            .is_some_and(|t| !t.is_empty())
    }
}

/// The answer to `GET .../bankFeedAccounts/mapping` (`Bank feed mappings`).
pub type BankFeedMappings = Vec<BankFeedMapping>;

super::wire_struct! {
    /// An account in the accounting platform that a source account could be mapped to (`Target
    /// Account Option`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct TargetAccountOption {
        /// The target account's id.
        pub id: Option<String>,
        /// The target account's name.
        pub name: Option<String>,
        /// The target account's balance.
        pub balance: Option<Decimal>,
        /// The target account's sort code.
        pub sort_code: Option<String>,
        /// The target account's number.
        pub account_number: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_failure() {
        let r: BankFeedAccountMappingResponse =
            serde_json::from_str(r#"{"sourceAccountId":"a","status":"Failed","error":"exists"}"#)
                .unwrap();
        assert!(r.is_failed());
        let ok: BankFeedAccountMappingResponse =
            serde_json::from_str(r#"{"sourceAccountId":"a","status":"Success","error":null}"#)
                .unwrap();
        assert!(!ok.is_failed());
    }

    #[test]
    fn mapping_keeps_balances_exact() {
        let m: BankFeedMapping = serde_json::from_str(
            r#"{"sourceAccountId":"a","sourceBalance":1550.10,"targetAccountOptions":[{"id":"t","balance":100.90}]}"#,
        )
        .unwrap();
        assert!(!m.is_mapped());
        assert_eq!(m.options().len(), 1);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["sourceBalance"].to_string(), "1550.10");
        assert_eq!(
            v["targetAccountOptions"][0]["balance"].to_string(),
            "100.90"
        );
    }
}
