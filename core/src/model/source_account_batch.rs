//! Creating many source accounts at once (`POST .../bankFeedAccounts/batch`): the body and the
//! per-account results.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::source_account::parse_either;
use super::{SourceAccount, SourceAccountPrototype, SourceAccountV2, SourceAccountV2Prototype};

/// The body of a batch create: a list of source accounts, all in one shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum BatchCreateSourceAccounts {
    /// v1 accounts.
    V1(Vec<SourceAccountPrototype>),
    /// v2 accounts.
    V2(Vec<SourceAccountV2Prototype>),
}

impl<'de> Deserialize<'de> for BatchCreateSourceAccounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        parse_either(
            &value,
            BatchCreateSourceAccounts::V1,
            BatchCreateSourceAccounts::V2,
        )
        .map_err(D::Error::custom)
    }
}

impl BatchCreateSourceAccounts {
    /// Number of accounts in the batch.
    pub fn len(&self) -> usize {
        match self {
            BatchCreateSourceAccounts::V1(a) => a.len(),
            BatchCreateSourceAccounts::V2(a) => a.len(),
        }
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The outcome for one v1 account of a batch (`Source Account Batch Create Result`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAccountBatchCreateResult {
    /// The HTTP status of this account's creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Why the creation failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The account as created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<SourceAccount>,
}

/// One v1 account's entry in a batch answer (`Batch source account request creation response`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAccountBatchCreateResponse {
    /// Your identifier for the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_account_id: Option<String>,
    /// What happened to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<SourceAccountBatchCreateResult>,
}

/// The outcome for one v2 account of a batch (`Source Account V2 Batch CreateResult`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAccountV2BatchCreateResult {
    /// The HTTP status of this account's creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Why the creation failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The account as created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<SourceAccountV2>,
}

/// One v2 account's entry in a batch answer (`Batch source account (v2) creation response`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAccountV2BatchCreateResponse {
    /// Your identifier for the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_account_id: Option<String>,
    /// What happened to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<SourceAccountV2BatchCreateResult>,
}

/// The failure for one account of a batch, inside [`SourceAccountBatchErrorResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAccountBatchErrorResult {
    /// The error status. The spec types it as a string but its own example is the number
    /// `409`, so both are read; it is kept as text.
    #[serde(
        default,
        deserialize_with = "string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub status_code: Option<String>,
    /// What went wrong, e.g. "A bank account already exists with the same Id".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One account that could not be created, in a batch answer (`Batch source account creation
/// error`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAccountBatchErrorResponse {
    /// Your identifier for the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_account_id: Option<String>,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<SourceAccountBatchErrorResult>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(D::Error::custom(format!(
            "expected a status code, found {other}"
        ))),
    }
}

/// One entry of a batch create's answer (`201`, `207` or `409`): an account created in either
/// shape, or an error.
///
/// An entry whose `result` carries an `account` is read as v1 or v2 by the account's shape; one
/// without an account is read as an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SourceAccountBatchItem {
    /// A v1 account's outcome.
    V1(SourceAccountBatchCreateResponse),
    /// A v2 account's outcome.
    V2(SourceAccountV2BatchCreateResponse),
    /// An account that could not be created.
    Error(SourceAccountBatchErrorResponse),
}

impl<'de> Deserialize<'de> for SourceAccountBatchItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let account = value.get("result").and_then(|r| r.get("account"));
        match account {
            Some(account) if !account.is_null() => {
                let v2 = parse_either(account, |_: SourceAccount| false, |_: SourceAccountV2| true)
                    .map_err(D::Error::custom)?;
                if v2 {
                    SourceAccountV2BatchCreateResponse::deserialize(&value)
                        .map(SourceAccountBatchItem::V2)
                } else {
                    SourceAccountBatchCreateResponse::deserialize(&value)
                        .map(SourceAccountBatchItem::V1)
                }
                .map_err(D::Error::custom)
            }
            _ => SourceAccountBatchErrorResponse::deserialize(&value)
                .map(SourceAccountBatchItem::Error)
                .map_err(D::Error::custom),
        }
    }
}

impl SourceAccountBatchItem {
    /// Your identifier for the account.
    pub fn source_account_id(&self) -> Option<&str> {
        match self {
            SourceAccountBatchItem::V1(r) => r.source_account_id.as_deref(),
            SourceAccountBatchItem::V2(r) => r.source_account_id.as_deref(),
            SourceAccountBatchItem::Error(r) => r.source_account_id.as_deref(),
        }
    }

    /// The HTTP status of this account's creation.
    pub fn status_code(&self) -> Option<u16> {
        match self {
            SourceAccountBatchItem::V1(r) => r.result.as_ref()?.status_code,
            SourceAccountBatchItem::V2(r) => r.result.as_ref()?.status_code,
            SourceAccountBatchItem::Error(r) => r
                .result
                .as_ref()?
                .status_code
                .as_deref()?
                .trim()
                .parse()
                .ok(),
        }
    }

    /// Why the account was not created.
    pub fn error(&self) -> Option<&str> {
        match self {
            SourceAccountBatchItem::V1(r) => r.result.as_ref()?.error.as_deref(),
            SourceAccountBatchItem::V2(r) => r.result.as_ref()?.error.as_deref(),
            SourceAccountBatchItem::Error(r) => r.result.as_ref()?.error.as_deref(),
        }
    }

    /// Whether the account was created: it came back, with a 2xx status or none.
    pub fn is_created(&self) -> bool {
        let has_account = match self {
            SourceAccountBatchItem::V1(r) => r.result.as_ref().is_some_and(|x| x.account.is_some()),
            SourceAccountBatchItem::V2(r) => r.result.as_ref().is_some_and(|x| x.account.is_some()),
            SourceAccountBatchItem::Error(_) => false,
        };
        has_account && self.status_code().is_none_or(|c| (200..300).contains(&c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_items_pick_their_shape() {
        let items: Vec<SourceAccountBatchItem> = serde_json::from_str(
            r#"[
              {"sourceAccountId":"a","result":{"statusCode":201,"account":{"id":"a","accountName":"n","accountType":"checking","accountNumber":"1","currency":"GBP","balance":1.10}}},
              {"sourceAccountId":"b","result":{"statusCode":201,"account":{"id":"b","accountType":"Debit","status":"pending"}}},
              {"sourceAccountId":"c","result":{"statusCode":409,"error":"A bank account already exists with the same Id"}},
              {"sourceAccountId":"d","result":{"statusCode":"409","error":"dup"}}
            ]"#,
        )
        .unwrap();
        assert!(matches!(items[0], SourceAccountBatchItem::V2(_)));
        assert!(matches!(items[1], SourceAccountBatchItem::V1(_)));
        assert!(matches!(items[2], SourceAccountBatchItem::Error(_)));
        assert!(items[0].is_created() && items[1].is_created());
        assert!(!items[2].is_created());
        assert_eq!(items[2].status_code(), Some(409));
        assert_eq!(items[3].status_code(), Some(409));
        assert_eq!(items[3].source_account_id(), Some("d"));
        assert_eq!(
            items[2].error(),
            Some("A bank account already exists with the same Id")
        );
        let back = serde_json::to_value(&items[0]).unwrap();
        assert_eq!(back["result"]["account"]["balance"].to_string(), "1.10");
    }

    #[test]
    fn batch_body_is_one_shape() {
        let v1 = BatchCreateSourceAccounts::V1(vec![SourceAccountPrototype::new("a")]);
        assert_eq!(serde_json::to_string(&v1).unwrap(), r#"[{"id":"a"}]"#);
        let back: BatchCreateSourceAccounts = serde_json::from_str(r#"[{"id":"a"}]"#).unwrap();
        assert_eq!(back, v1);
        let v2: BatchCreateSourceAccounts = serde_json::from_str(
            r#"[{"id":"a","accountName":"n","accountType":"loan","accountNumber":"1","currency":"GBP","balance":0}]"#,
        )
        .unwrap();
        assert!(matches!(v2, BatchCreateSourceAccounts::V2(ref a) if a.len() == 1));
        assert_eq!(v2.len(), 1);
    }
}
