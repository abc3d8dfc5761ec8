//! Bank accounts in the accounting platform (`Accounting: Bank account`): listing them and
//! creating one to be a bank feed's target.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Page, PushOperationWithData};
use crate::dates::Timestamp;
use crate::money::Currency;

/// A page of the platform's bank accounts (`GET .../data/bankAccounts`).
pub type BankAccounts = Page<BankAccount>;

super::wire_enum! {
    /// How balances and transactions of a platform bank account read (`Bank Account Type`).
    pub enum BankAccountType {
        /// Not known.
        Unknown = "Unknown",
        /// A liability: positive balances are owed, positive transactions reduce what is owed.
        Credit = "Credit",
        /// An asset: positive balances are held, positive transactions add to them.
        Debit = "Debit",
    }
}

super::wire_enum! {
    /// Whether a platform bank account is in use (`Account status`).
    pub enum BankAccountStatus {
        /// Not known.
        Unknown = "Unknown",
        /// In use.
        Active = "Active",
        /// Archived in the platform.
        Archived = "Archived",
        /// Awaiting set-up.
        Pending = "Pending",
    }
}

super::wire_struct! {
    /// Record metadata (`Metadata`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct Metadata {
        /// Whether the record was deleted in the platform it came from.
        pub is_deleted: Option<bool>,
    }
}

super::wire_struct! {
    /// Platform-specific fields configured for the client (`Supplemental data`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct SupplementalData {
        /// The extra fields, by configured key.
        pub content: Option<BTreeMap<String, serde_json::Map<String, serde_json::Value>>>,
    }
}

/// Declares a bank account struct with the fields an account and its prototype share, written
/// once, between the struct's own fields before and after them.
macro_rules! bank_account {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($before:tt)* } { $($after:tt)* }
    ) => {
        super::wire_struct! {
            $(#[$meta])*
            pub struct $name {
                $($before)*
                /// The account's name.
                pub account_name: Option<String>,
                /// How balances and transactions read.
                pub account_type: Option<BankAccountType>,
                /// The nominal code of the account.
                pub nominal_code: Option<String>,
                /// The sort code (Xero shows it only for GBP accounts).
                pub sort_code: Option<String>,
                /// The account number (FreeAgent needs only the last four digits for credit
                /// accounts).
                pub account_number: Option<String>,
                /// The IBAN.
                #[serde(rename = "iBan")]
                pub iban: Option<String>,
                /// The account's base currency.
                pub currency: Option<Currency>,
                /// The balance (in a prototype, the opening balance).
                pub balance: Option<Decimal>,
                /// The bank.
                pub institution: Option<String>,
                /// The balance available, as the data source reports it.
                pub available_balance: Option<Decimal>,
                /// The arranged overdraft, always positive: `1000` lets the balance reach
                /// `-1000`.
                pub overdraft_limit: Option<Decimal>,
                /// Whether the account is in use.
                pub status: Option<BankAccountStatus>,
                $($after)*
            }
        }
    };
}

bank_account! {
    /// A bank account in the accounting platform (`Accounting: Bank account`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct BankAccount {
        /// The account's id in the platform.
        pub id: Option<String>,
    } {
        /// Record metadata.
        pub metadata: Option<Metadata>,
        /// Configured extra fields.
        pub supplemental_data: Option<SupplementalData>,
        /// When Codat last fetched the record.
        pub modified_date: Option<Timestamp>,
        /// When the record last changed in the platform.
        pub source_modified_date: Option<Timestamp>,
    }
}

impl BankAccount {
    /// Whether the platform reports the account as deleted.
    pub fn is_deleted(&self) -> bool {
        self.metadata.as_ref().and_then(|m| m.is_deleted) == Some(true)
    }
}

bank_account! {
    /// The body that creates a bank account in the platform (`Bank account prototype`,
    /// `POST .../push/bankAccounts`). Which fields each platform needs is answered by
    /// `GET .../options/bankAccounts` as a [`super::PushOption`].
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct BankAccountPrototype {} {}
}

/// The answer to creating a bank account (`Create bank account response`): a push operation
/// whose `data` (deprecated by Codat) is the account.
pub type CreateBankAccountResponse = PushOperationWithData<BankAccount>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_spelling_and_enums() {
        let a: BankAccount = serde_json::from_str(
            r#"{"id":"1","iBan":"GB00","accountType":"Savings","status":"Closed","balance":-352.03,"metadata":{"isDeleted":true},
                "supplementalData":{"content":{"bankAccounts":{"x":1}}}}"#,
        )
        .unwrap();
        assert_eq!(a.iban.as_deref(), Some("GB00"));
        assert_eq!(
            a.account_type,
            Some(BankAccountType::Unrecognised("Savings".into()))
        );
        assert_eq!(
            a.status,
            Some(BankAccountStatus::Unrecognised("Closed".into()))
        );
        assert!(a.is_deleted());
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["iBan"], "GB00");
        assert_eq!(v["balance"].to_string(), "-352.03");
        assert_eq!(v["supplementalData"]["content"]["bankAccounts"]["x"], 1);
        assert_eq!(BankAccountType::ALL.len(), 3);
        assert_eq!(BankAccountStatus::ALL.len(), 4);
    }
}
