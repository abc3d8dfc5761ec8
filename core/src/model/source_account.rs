//! Source accounts: the bank accounts in your application that a customer can feed into their
//! accounting platform. The spec has two shapes, v1 (here) and v2
//! ([`super::SourceAccountV2`]); endpoints accept and return either, so [`AnySourceAccount`] and
//! [`CreateSourceAccount`] hold one or the other.

use rust_decimal::Decimal;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{SourceAccountV2, SourceAccountV2Prototype, SourceAccountV2Type};
use crate::dates::Timestamp;
use crate::money::Currency;

super::wire_enum! {
    /// Where a source account is in the bank feed set-up (`status`).
    pub enum SourceAccountStatus {
        /// Created; the customer has not yet mapped it to a target account.
        Pending = "pending",
        /// Mapped: transactions can be pushed.
        Connected = "connected",
        /// The mapping is being set up.
        Connecting = "connecting",
        /// The feed was disconnected; pushes will fail.
        Disconnected = "disconnected",
        /// Not known.
        Unknown = "unknown",
    }
}

impl SourceAccountStatus {
    /// Whether transactions can be pushed (`connected`).
    pub fn is_connected(&self) -> bool {
        matches!(self, SourceAccountStatus::Connected)
    }

    /// Whether the account still waits for the customer to map it (`pending`).
    pub fn is_pending(&self) -> bool {
        matches!(self, SourceAccountStatus::Pending)
    }
}

/// Declares a v1 source account struct with the fields an account and its prototype share,
/// written once, and then the struct's own.
macro_rules! source_account {
    ($(#[$meta:meta])* pub struct $name:ident { $($after:tt)* }) => {
        super::wire_struct! {
            $(#[$meta])*
            pub struct $name {
                /// Your identifier for the account.
                pub id: String,
                /// The account's name.
                pub account_name: Option<String>,
                /// The kind of account, free text such as `Credit` or `Debit`.
                pub account_type: Option<String>,
                /// The account number.
                pub account_number: Option<String>,
                /// The sort code.
                pub sort_code: Option<String>,
                /// The account's ISO 4217 currency.
                pub currency: Option<Currency>,
                /// The latest balance.
                pub balance: Option<Decimal>,
                /// When the account was last modified.
                pub modified_date: Option<Timestamp>,
                $($after)*
            }
        }
    };
}

source_account! {
    /// A bank account in your application offered as a bank feed source, v1 shape (`Source account
    /// (v1)`), as Codat returns it. Also the body of `PATCH .../bankFeedAccounts/{accountId}`, where
    /// fields left `None` are not sent.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct SourceAccount {
        /// Where the account is in the bank feed set-up.
        pub status: Option<SourceAccountStatus>,
        /// The first date transactions can be pushed for, once connected.
        pub feed_start_date: Option<Timestamp>,
    }
}

impl SourceAccount {
    /// Whether the customer has connected the account to a target account.
    pub fn is_connected(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(SourceAccountStatus::is_connected)
    }
}

source_account! {
    /// The body that creates a v1 source account (`sourceAccountPrototype`); only `id` is required.
    ///
    /// ```
    /// use bankfeeds::model::SourceAccountPrototype;
    /// use bankfeeds::money::Currency;
    /// use rust_decimal_macros::dec;
    /// let body = SourceAccountPrototype {
    ///     account_name: Some("Checking Account".into()),
    ///     currency: Some(Currency::new("GBP")),
    ///     balance: Some(dec!(4002.00)),
    ///     ..SourceAccountPrototype::new("ac-001")
    /// };
    /// assert_eq!(
    ///     serde_json::to_string(&body).unwrap(),
    ///     r#"{"id":"ac-001","accountName":"Checking Account","currency":"GBP","balance":4002.00}"#
    /// );
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct SourceAccountPrototype {}
}

impl SourceAccountPrototype {
    /// A body with only the account's id.
    pub fn new(id: impl Into<String>) -> Self {
        SourceAccountPrototype {
            id: id.into(),
            ..Default::default()
        }
    }
}

/// Which of the spec's two shapes a JSON object most likely is: v2 when it has v2-only fields
/// (`routingInfo`, `accountInfo`) or a v2 account type (`checking`, `creditCard`...), else v1; a
/// list is v2 if any of its items is. v1's free-text `accountType` (`Credit`, `Debit`) would otherwise read as an unknown v2 type.
fn looks_like_v2(value: &Value) -> bool {
    let map = match value {
        Value::Array(items) => return items.iter().any(looks_like_v2),
        Value::Object(map) => map,
        _ => return false,
    };
    map.contains_key("routingInfo")
        || map.contains_key("accountInfo")
        || map
            .get("accountType")
            .and_then(Value::as_str)
            .is_some_and(|t| {
                !matches!(
                    SourceAccountV2Type::parse(t),
                    SourceAccountV2Type::Unrecognised(_)
                )
            })
}

/// Reads `value` as the shape it looks like, falling back to the other shape; the first shape's
/// error is reported when neither fits.
pub(super) fn parse_either<A, B, T>(
    value: &Value,
    v1: impl FnOnce(A) -> T,
    v2: impl FnOnce(B) -> T,
) -> Result<T, serde_json::Error>
where
    A: DeserializeOwned,
    B: DeserializeOwned,
{
    if looks_like_v2(value) {
        match B::deserialize(value) {
            Ok(b) => Ok(v2(b)),
            Err(e) => A::deserialize(value).map(v1).map_err(|_| e),
        }
    } else {
        match A::deserialize(value) {
            Ok(a) => Ok(v1(a)),
            Err(e) => B::deserialize(value).map(v2).map_err(|_| e),
        }
    }
}

/// A source account in either of the spec's shapes, as create, list and webhooks return it.
///
/// Reading picks the shape from the fields present (see the module docs); writing writes the
/// account as it is.
///
/// ```
/// use bankfeeds::model::AnySourceAccount;
/// let v1: AnySourceAccount = serde_json::from_str(
///     r#"{"id":"a","accountType":"Debit","accountName":"n","accountNumber":"1","currency":"GBP","balance":1}"#,
/// ).unwrap();
/// assert!(v1.as_v1().is_some());
/// let v2: AnySourceAccount = serde_json::from_str(
///     r#"{"id":"a","accountType":"checking","accountName":"n","accountNumber":"1","currency":"GBP","balance":1}"#,
/// ).unwrap();
/// assert!(v2.as_v2().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AnySourceAccount {
    /// The v1 shape.
    V1(SourceAccount),
    /// The v2 shape.
    V2(SourceAccountV2),
}

impl<'de> Deserialize<'de> for AnySourceAccount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        parse_either(&value, AnySourceAccount::V1, AnySourceAccount::V2).map_err(D::Error::custom)
    }
}

impl AnySourceAccount {
    /// Your identifier for the account.
    pub fn id(&self) -> &str {
        match self {
            AnySourceAccount::V1(a) => &a.id,
            AnySourceAccount::V2(a) => &a.id,
        }
    }

    /// The account's name.
    pub fn account_name(&self) -> Option<&str> {
        match self {
            AnySourceAccount::V1(a) => a.account_name.as_deref(),
            AnySourceAccount::V2(a) => Some(&a.account_name),
        }
    }

    /// The account number.
    pub fn account_number(&self) -> Option<&str> {
        match self {
            AnySourceAccount::V1(a) => a.account_number.as_deref(),
            AnySourceAccount::V2(a) => Some(&a.account_number),
        }
    }

    /// The account's currency.
    pub fn currency(&self) -> Option<&Currency> {
        match self {
            AnySourceAccount::V1(a) => a.currency.as_ref(),
            AnySourceAccount::V2(a) => Some(&a.currency),
        }
    }

    /// The latest balance.
    pub fn balance(&self) -> Option<Decimal> {
        match self {
            AnySourceAccount::V1(a) => a.balance,
            AnySourceAccount::V2(a) => Some(a.balance),
        }
    }

    /// Where the account is in the bank feed set-up.
    pub fn status(&self) -> Option<&SourceAccountStatus> {
        match self {
            AnySourceAccount::V1(a) => a.status.as_ref(),
            AnySourceAccount::V2(a) => a.status.as_ref(),
        }
    }

    /// Whether transactions can be pushed to the account.
    pub fn is_connected(&self) -> bool {
        self.status().is_some_and(SourceAccountStatus::is_connected)
    }

    /// The first date transactions can be pushed for.
    pub fn feed_start_date(&self) -> Option<Timestamp> {
        match self {
            AnySourceAccount::V1(a) => a.feed_start_date,
            AnySourceAccount::V2(a) => a.feed_start_date,
        }
    }

    /// When the account was last modified.
    pub fn modified_date(&self) -> Option<Timestamp> {
        match self {
            AnySourceAccount::V1(a) => a.modified_date,
            AnySourceAccount::V2(a) => a.modified_date,
        }
    }

    /// The v1 account, if it is one.
    pub fn as_v1(&self) -> Option<&SourceAccount> {
        match self {
            AnySourceAccount::V1(a) => Some(a),
            AnySourceAccount::V2(_) => None,
        }
    }

    /// The v2 account, if it is one.
    pub fn as_v2(&self) -> Option<&SourceAccountV2> {
        match self {
            AnySourceAccount::V2(a) => Some(a),
            AnySourceAccount::V1(_) => None,
        }
    }
}

impl From<SourceAccount> for AnySourceAccount {
    fn from(value: SourceAccount) -> Self {
        AnySourceAccount::V1(value)
    }
}

impl From<SourceAccountV2> for AnySourceAccount {
    fn from(value: SourceAccountV2) -> Self {
        AnySourceAccount::V2(value)
    }
}

/// The body of `POST .../connectionInfo/bankFeedAccounts`: a source account in either shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CreateSourceAccount {
    /// The v1 shape.
    V1(SourceAccountPrototype),
    /// The v2 shape.
    V2(SourceAccountV2Prototype),
}

impl<'de> Deserialize<'de> for CreateSourceAccount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        parse_either(&value, CreateSourceAccount::V1, CreateSourceAccount::V2)
            .map_err(D::Error::custom)
    }
}

impl CreateSourceAccount {
    /// Your identifier for the account.
    pub fn id(&self) -> &str {
        match self {
            CreateSourceAccount::V1(a) => &a.id,
            CreateSourceAccount::V2(a) => &a.id,
        }
    }
}

impl From<SourceAccountPrototype> for CreateSourceAccount {
    fn from(value: SourceAccountPrototype) -> Self {
        CreateSourceAccount::V1(value)
    }
}

impl From<SourceAccountV2Prototype> for CreateSourceAccount {
    fn from(value: SourceAccountV2Prototype) -> Self {
        CreateSourceAccount::V2(value)
    }
}

/// The answer to `GET .../connectionInfo/bankFeedAccounts`: every source account of the
/// connection, in whichever shape each was created.
pub type SourceAccounts = Vec<AnySourceAccount>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fallback() {
        assert_eq!(SourceAccountStatus::ALL.len(), 5);
        let s: SourceAccountStatus = serde_json::from_str("\"suspended\"").unwrap();
        assert_eq!(s, SourceAccountStatus::Unrecognised("suspended".into()));
        assert!(!s.is_connected());
        assert!(SourceAccountStatus::Connected.is_connected());
        // Spelled in lower case on the wire; `Connected` is not the spec's spelling.
        assert_eq!(
            SourceAccountStatus::parse("Connected"),
            SourceAccountStatus::Unrecognised("Connected".into())
        );
        assert_eq!(
            SourceAccountStatus::parse_lenient("Connected"),
            SourceAccountStatus::Connected
        );
    }

    #[test]
    fn v1_with_v1_account_type_is_not_read_as_v2() {
        // Every field v2 requires is present, but `Debit` is v1's free text.
        let a: AnySourceAccount = serde_json::from_str(
            r#"{"id":"a","accountName":"n","accountType":"Debit","accountNumber":"1","currency":"GBP","balance":4002.00,"status":"pending"}"#,
        )
        .unwrap();
        let v1 = a.as_v1().expect("v1");
        assert_eq!(v1.account_type.as_deref(), Some("Debit"));
        assert_eq!(a.balance().unwrap().to_string(), "4002.00");
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"id":"a","accountName":"n","accountType":"Debit","accountNumber":"1","currency":"GBP","balance":4002.00,"status":"pending"}"#
        );
    }

    #[test]
    fn v2_markers_and_fallbacks() {
        let with_routing: AnySourceAccount = serde_json::from_str(
            r#"{"id":"a","accountName":"n","accountType":"Crypto","accountNumber":"1","currency":"GBP","balance":1,"routingInfo":{"type":"aba"}}"#,
        )
        .unwrap();
        let v2 = with_routing.as_v2().expect("v2");
        assert_eq!(
            v2.account_type,
            SourceAccountV2Type::Unrecognised("Crypto".into())
        );
        // Looks like v2 but lacks v2's required fields: read as v1 instead of failing.
        let partial: AnySourceAccount =
            serde_json::from_str(r#"{"id":"a","accountType":"savings","status":"connected"}"#)
                .unwrap();
        assert!(partial.as_v1().is_some());
        assert!(partial.is_connected());
        // Neither shape fits: the error names what is missing.
        let err = serde_json::from_str::<AnySourceAccount>(r#"{"accountName":"n"}"#).unwrap_err();
        assert!(err.to_string().contains("id"), "{err}");
    }

    #[test]
    fn create_body_is_untagged() {
        let body: CreateSourceAccount = SourceAccountPrototype::new("x").into();
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"id":"x"}"#);
        let back: CreateSourceAccount = serde_json::from_str(r#"{"id":"x"}"#).unwrap();
        assert_eq!(back, body);
        assert_eq!(back.id(), "x");
    }
}
