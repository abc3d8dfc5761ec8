//! Source accounts in the spec's second shape (`Source account (v2)`): typed account kinds,
//! routing details and extra account information.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::SourceAccountStatus;
use crate::dates::Timestamp;
use crate::money::Currency;

super::wire_enum! {
    /// The kind of a v2 source account (`accountType`).
    pub enum SourceAccountV2Type {
        /// A current (checking) account.
        Checking = "checking",
        /// A savings account.
        Savings = "savings",
        /// A loan account.
        Loan = "loan",
        /// A credit card.
        CreditCard = "creditCard",
        /// A prepaid card.
        PrepaidCard = "prepaidCard",
    }
}

impl SourceAccountV2Type {
    /// Whether the account holds money owed (`loan`, `creditCard`), where a positive balance is a
    /// liability.
    pub fn is_liability(&self) -> bool {
        matches!(
            self,
            SourceAccountV2Type::Loan | SourceAccountV2Type::CreditCard
        )
    }
}

super::wire_enum! {
    /// The scheme of a bank's routing code (`routingInfo.type`).
    pub enum RoutingNumberType {
        /// US routing transit number.
        Rtn = "rtn",
        /// US ABA routing number.
        Aba = "aba",
        /// SWIFT/BIC code.
        Swift = "swift",
        /// Australian BSB number.
        Bsb = "bsb",
        /// IBAN.
        Iban = "iban",
        /// New Zealand bank and branch code.
        Nz2 = "nz2",
        /// Transit number.
        Trno = "trno",
        /// UK sort code.
        Sortcode = "sortcode",
        /// German Bankleitzahl.
        Blz = "blz",
        /// Indian IFSC.
        Ifsc = "ifsc",
        /// A generic bank code; the spec's default.
        Bankcode = "bankcode",
        /// Australian Payments Clearing Association number.
        Apca = "apca",
        /// Mexican CLABE.
        Clabe = "clabe",
    }
}

super::wire_struct! {
    /// How to reach the account's bank (`Routing Info`); never the account number itself.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct RoutingInfo {
        /// The routing code.
        pub bank_code: Option<String>,
        /// The routing code's scheme; the spec defaults it to `bankcode`.
        pub r#type: Option<RoutingNumberType>,
    }
}

impl RoutingInfo {
    /// The scheme, with the spec's default (`bankcode`) when absent.
    pub fn effective_type(&self) -> RoutingNumberType {
        self.r#type.clone().unwrap_or(RoutingNumberType::Bankcode)
    }
}

super::wire_struct! {
    /// Extra details of a v2 source account (`Account Info`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct AccountInfo {
        /// Description of the account.
        pub description: Option<String>,
        /// The customer's own name for the account, shown when they pick accounts.
        pub nickname: Option<String>,
        /// When the account was opened (a date).
        pub account_open_date: Option<Timestamp>,
        /// Funds available to spend, pending activity included.
        pub available_balance: Option<Decimal>,
    }
}

super::wire_struct! {
    /// A bank account in your application offered as a bank feed source, v2 shape (`Source account
    /// (v2)`), as Codat returns it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SourceAccountV2 {
        /// Your identifier for the account.
        pub id: String,
        /// The account's name.
        pub account_name: String,
        /// The kind of account.
        pub account_type: SourceAccountV2Type,
        /// The account number.
        pub account_number: String,
        /// The sort code.
        pub sort_code: Option<String>,
        /// Routing details of the bank.
        pub routing_info: Option<RoutingInfo>,
        /// The account's ISO 4217 currency.
        pub currency: Currency,
        /// The latest balance.
        pub balance: Decimal,
        /// Extra account details.
        pub account_info: Option<AccountInfo>,
        /// When the account was last modified.
        pub modified_date: Option<Timestamp>,
        /// Where the account is in the bank feed set-up.
        pub status: Option<SourceAccountStatus>,
        /// The first date transactions can be pushed for (a date).
        pub feed_start_date: Option<Timestamp>,
    }
}

impl SourceAccountV2 {
    /// Whether the customer has connected the account to a target account.
    pub fn is_connected(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(SourceAccountStatus::is_connected)
    }
}

super::wire_struct! {
    /// The body that creates a v2 source account (`sourceAccountV2Prototype`).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SourceAccountV2Prototype {
        /// Your identifier for the account.
        pub id: String,
        /// The account's name.
        pub account_name: String,
        /// The kind of account.
        pub account_type: SourceAccountV2Type,
        /// The account number.
        pub account_number: String,
        /// Routing details of the bank.
        pub routing_info: Option<RoutingInfo>,
        /// The sort code.
        pub sort_code: Option<String>,
        /// The account's ISO 4217 currency.
        pub currency: Currency,
        /// The latest balance.
        pub balance: Decimal,
        /// When the account was last modified.
        pub modified_date: Option<Timestamp>,
        /// Extra account details.
        pub account_info: Option<AccountInfo>,
    }
}

impl SourceAccountV2Prototype {
    /// A body with the six required fields.
    pub fn new(
        id: impl Into<String>,
        account_name: impl Into<String>,
        account_type: SourceAccountV2Type,
        account_number: impl Into<String>,
        currency: Currency,
        balance: Decimal,
    ) -> Self {
        SourceAccountV2Prototype {
            id: id.into(),
            account_name: account_name.into(),
            account_type,
            account_number: account_number.into(),
            routing_info: None,
            sort_code: None,
            currency,
            balance,
            modified_date: None,
            account_info: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_fall_back() {
        assert_eq!(SourceAccountV2Type::ALL.len(), 5);
        assert_eq!(RoutingNumberType::ALL.len(), 13);
        assert_eq!(
            SourceAccountV2Type::parse("creditCard"),
            SourceAccountV2Type::CreditCard
        );
        assert_eq!(
            SourceAccountV2Type::parse("Checking"),
            SourceAccountV2Type::Unrecognised("Checking".into())
        );
        assert_eq!(
            SourceAccountV2Type::parse_lenient("Checking"),
            SourceAccountV2Type::Checking
        );
        assert!(SourceAccountV2Type::Loan.is_liability());
        assert_eq!(
            RoutingInfo::default().effective_type(),
            RoutingNumberType::Bankcode
        );
        let r: RoutingInfo = serde_json::from_str(r#"{"bankCode":"1","type":"cnaps"}"#).unwrap();
        assert_eq!(
            r.r#type,
            Some(RoutingNumberType::Unrecognised("cnaps".into()))
        );
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"bankCode":"1","type":"cnaps"}"#
        );
    }

    #[test]
    fn prototype_writes_exact_balance() {
        let p = SourceAccountV2Prototype::new(
            "acc-001",
            "Current",
            SourceAccountV2Type::Checking,
            "12345670",
            Currency::new("GBP"),
            Decimal::new(400200, 2),
        );
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"id":"acc-001","accountName":"Current","accountType":"checking","accountNumber":"12345670","currency":"GBP","balance":4002.00}"#
        );
    }
}
