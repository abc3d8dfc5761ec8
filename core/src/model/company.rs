//! Companies: Codat's record of one SMB customer, and the bodies that create and update it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Connection, Page};
use crate::dates::Timestamp;

/// User-defined key-value metadata on a company (`Tags`): at most 10 entries, keys of 1 to 27
/// characters, values of at most 100.
pub type Tags = BTreeMap<String, String>;

/// A page of companies (`GET /companies`).
pub type Companies = Page<Company>;

/// A company in Codat: one business that shares its data with you, and its connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    /// Codat's identifier for the company (a UUID).
    pub id: String,
    /// The company's name.
    pub name: String,
    /// Free-form notes about the company, such as foreign ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The Link URL where the customer starts authorising their connections.
    pub redirect: String,
    /// When data was last synced for the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<Timestamp>,
    /// When the company was created in Codat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    /// Name of the user who created the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_user_name: Option<String>,
    /// Codat products enabled for the company, e.g. `spend-insights`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<String>>,
    /// Your own metadata on the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// The parent entity, for a subsidiary in a multi-entity group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_parent_company: Option<CompanyReference>,
    /// The subsidiaries this company controls; empty if none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_subsidiary_companies: Option<Vec<CompanyReference>>,
    /// The company's data connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_connections: Option<Vec<Connection>>,
}

impl Company {
    /// The company's connections (none when Codat left the list out).
    pub fn connections(&self) -> &[Connection] {
        self.data_connections.as_deref().unwrap_or_default()
    }

    /// The value of one tag.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.as_ref()?.get(key).map(String::as_str)
    }
}

/// A short reference to another company (`Company reference`), as used for parent and subsidiary
/// companies and in webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyReference {
    /// The company's Codat identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The company's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The company's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Links for the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<CompanyReferenceLinks>,
    /// The company's tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// The `links` of a [`CompanyReference`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyReferenceLinks {
    /// The company's page in the Codat portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal: Option<String>,
}

/// The body that creates a company (`POST /companies`) or replaces one (`PUT`).
///
/// ```
/// use bankfeeds::model::CompanyRequestBody;
/// let body = CompanyRequestBody::new("Bank of Dave").with_tag("region", "uk");
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"name":"Bank of Dave","tags":{"region":"uk"}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyRequestBody {
    /// The company's name: at least one character of letters, digits, spaces and `-',&@.?!`.
    pub name: String,
    /// Free-form notes, such as your own id for the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Your own metadata on the company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

impl CompanyRequestBody {
    /// A body with just a name.
    pub fn new(name: impl Into<String>) -> Self {
        CompanyRequestBody {
            name: name.into(),
            description: None,
            tags: None,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds one tag.
    pub fn with_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags
            .get_or_insert_with(Tags::new)
            .insert(key.into(), value.into());
        self
    }
}

/// The body that updates some of a company's fields (`PATCH /companies/{companyId}`); fields left
/// `None` are not changed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyUpdateRequest {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_company_and_extra_fields() {
        let c: Company = serde_json::from_str(
            r#"{"id":"c1","name":"Toft","redirect":"https://link.codat.io/company/c1","platform":"","future":{"a":1}}"#,
        )
        .unwrap();
        assert!(c.connections().is_empty());
        assert_eq!(c.tag("region"), None);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"id":"c1","name":"Toft","redirect":"https://link.codat.io/company/c1"}"#
        );
    }

    #[test]
    fn empty_lists_are_kept() {
        let c: Company = serde_json::from_str(
            r#"{"id":"c1","name":"T","redirect":"r","dataConnections":[],"referenceSubsidiaryCompanies":[]}"#,
        )
        .unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["dataConnections"], serde_json::json!([]));
        assert_eq!(v["referenceSubsidiaryCompanies"], serde_json::json!([]));
    }

    #[test]
    fn update_sends_only_what_changes() {
        let body = CompanyUpdateRequest {
            name: Some("New Name".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"name":"New Name"}"#
        );
    }
}
