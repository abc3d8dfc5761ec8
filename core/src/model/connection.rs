//! Connections: a company's link to one accounting platform, and the bodies that create and
//! unlink it.

use serde::{Deserialize, Serialize};

use super::{Page, PlatformKey};
use crate::dates::Timestamp;

/// A page of connections (`GET /companies/{companyId}/connections`).
pub type Connections = Page<Connection>;

super::wire_enum! {
    /// Where a connection is in its authorisation life (`Data connection status`).
    pub enum ConnectionStatus {
        /// Created; the customer has not yet authorised access.
        PendingAuth = "PendingAuth",
        /// Authorised: data can be pushed and pulled.
        Linked = "Linked",
        /// Unlinked by you or the customer; no more data flows.
        Unlinked = "Unlinked",
        /// The platform withdrew access; the customer must authorise again.
        Deauthorized = "Deauthorized",
    }
}

impl ConnectionStatus {
    /// Whether data can flow (`Linked`).
    pub fn is_linked(&self) -> bool {
        matches!(self, ConnectionStatus::Linked)
    }

    /// Whether the customer must (re-)authorise through the link URL: `PendingAuth` or
    /// `Deauthorized`.
    pub fn needs_authorisation(&self) -> bool {
        matches!(
            self,
            ConnectionStatus::PendingAuth | ConnectionStatus::Deauthorized
        )
    }
}

super::wire_enum! {
    /// The kind of platform a connection reaches (`Source Type`); bank feed targets are `BankFeed`.
    pub enum SourceType {
        /// An accounting platform.
        Accounting = "Accounting",
        /// A banking data source.
        Banking = "Banking",
        /// A bank feeds target platform.
        BankFeed = "BankFeed",
        /// A commerce platform.
        Commerce = "Commerce",
        /// An expense platform.
        Expense = "Expense",
        /// Something else.
        Other = "Other",
        /// Not known.
        Unknown = "Unknown",
    }
}

super::wire_enum! {
    /// Whether a transient connection error is still happening (`Error status`).
    pub enum DataConnectionErrorStatus {
        /// The error is still happening.
        Active = "Active",
        /// The error has cleared.
        Resolved = "Resolved",
    }
}

/// An error the source platform or Codat reported on a connection (`Data connection error`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataConnectionError {
    /// The HTTP status code the platform answered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// The platform's non-numeric status text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_text: Option<String>,
    /// Codat's message about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// When the error happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errored_on_utc: Option<Timestamp>,
    /// For transient errors, whether it is still active; `None` for errors that are not
    /// transient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DataConnectionErrorStatus>,
    /// When the error was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_on_utc: Option<Timestamp>,
}

/// A company's connection to one data source, through which data is pushed and pulled.
///
/// ```
/// use bankfeeds::model::{Connection, ConnectionStatus};
/// let c: Connection = serde_json::from_str(r#"{
///     "id": "7baba7cc-4ae0-48fd-a617-98d55a6fc008",
///     "integrationId": "6b113e06-e818-45d7-977b-8e6bb3d01269",
///     "sourceId": "56e6575a-3f1f-4918-b009-f7535555f0d6",
///     "platformName": "QuickBooks Online Bank Feeds",
///     "linkUrl": "https://link-api.codat.io/companies/C/connections/D/start?otp=742271",
///     "status": "PendingAuth",
///     "created": "2022-09-01T10:21:57.0807447Z",
///     "sourceType": "BankFeed"
/// }"#).unwrap();
/// assert_eq!(c.status, ConnectionStatus::PendingAuth);
/// assert!(c.link_url().is_some());
/// assert_eq!(c.link_otp(), Some("742271"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Codat's identifier for the connection (a UUID).
    pub id: String,
    /// Codat's identifier for the integration.
    pub integration_id: String,
    /// The platform's four-letter key, e.g. `hcws` or `gbol`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_key: Option<PlatformKey>,
    /// Distinguishes sources behind one integration (one bank among many, say).
    pub source_id: String,
    /// The kind of platform.
    pub source_type: SourceType,
    /// The integration's name, e.g. "QuickBooks Online Bank Feeds".
    pub platform_name: String,
    /// Where the customer authorises access to their platform.
    pub link_url: String,
    /// Authorisation status.
    pub status: ConnectionStatus,
    /// When data was last synced through this connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<Timestamp>,
    /// When the connection was created.
    pub created: Timestamp,
    /// Errors the platform reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_connection_errors: Option<Vec<DataConnectionError>>,
    /// Platform-specific details of the connection, as Codat sends them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_info: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Connection {
    /// The URL to send the customer to while the connection needs their authorisation
    /// (`PendingAuth` or `Deauthorized`); `None` once linked or unlinked, when following it
    /// would do nothing useful.
    pub fn link_url(&self) -> Option<&str> {
        (self.status.needs_authorisation() && !self.link_url.is_empty()).then_some(&*self.link_url)
    }

    /// The one-time password in the link URL's `otp` query parameter, which QuickBooks Online
    /// Bank Feeds asks the customer to type.
    pub fn link_otp(&self) -> Option<&str> {
        let query = self.link_url.split_once('?')?.1;
        let query = query.split('#').next().unwrap_or(query);
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("otp="))
            .filter(|otp| !otp.is_empty())
    }

    /// Whether data can flow.
    pub fn is_linked(&self) -> bool {
        self.status.is_linked()
    }

    /// The platform, when Codat sent its key.
    pub fn platform_key(&self) -> Option<&PlatformKey> {
        self.integration_key.as_ref()
    }

    /// Errors that are not known to be resolved.
    pub fn active_errors(&self) -> impl Iterator<Item = &DataConnectionError> {
        self.data_connection_errors
            .iter()
            .flatten()
            .filter(|e| e.status != Some(DataConnectionErrorStatus::Resolved))
    }
}

/// The body that creates a connection (`POST /companies/{companyId}/connections`).
///
/// ```
/// use bankfeeds::model::{CreateConnectionRequestBody, PlatformKey};
/// let body = CreateConnectionRequestBody::new(PlatformKey::QuickBooksOnlineBankFeeds);
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"platformKey":"hcws"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConnectionRequestBody {
    /// The platform to connect to, by its four-letter key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_key: Option<PlatformKey>,
}

impl CreateConnectionRequestBody {
    /// A body for the given platform.
    pub fn new(platform_key: PlatformKey) -> Self {
        CreateConnectionRequestBody {
            platform_key: Some(platform_key),
        }
    }
}

/// The body that changes a connection's status (`Update connection`, `PATCH` on a connection),
/// used to unlink it.
///
/// ```
/// use bankfeeds::model::UpdateConnection;
/// assert_eq!(serde_json::to_string(&UpdateConnection::unlink()).unwrap(), r#"{"status":"Unlinked"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateConnection {
    /// The new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConnectionStatus>,
}

impl UpdateConnection {
    /// The body that unlinks a connection.
    pub fn unlink() -> Self {
        UpdateConnection {
            status: Some(ConnectionStatus::Unlinked),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(status: &str, link: &str) -> Connection {
        serde_json::from_value(serde_json::json!({
            "id": "c", "integrationId": "i", "sourceId": "s", "platformName": "p",
            "linkUrl": link, "status": status, "created": "2022-10-27T09:53:29Z",
            "sourceType": "BankFeed", "integrationKey": "zzzz"
        }))
        .unwrap()
    }

    #[test]
    fn unknown_values_survive() {
        let c = connection("Suspended", "https://x/start");
        assert_eq!(c.status, ConnectionStatus::Unrecognised("Suspended".into()));
        assert_eq!(c.platform_key(), Some(&PlatformKey::Other("zzzz".into())));
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["status"], "Suspended");
        assert_eq!(v["integrationKey"], "zzzz");
        assert_eq!(
            SourceType::parse("Payroll"),
            SourceType::Unrecognised("Payroll".into())
        );
        assert_eq!(ConnectionStatus::ALL.len(), 4);
        assert_eq!(SourceType::ALL.len(), 7);
    }

    #[test]
    fn link_url_only_while_authorisation_is_needed() {
        assert_eq!(
            connection("PendingAuth", "https://x/start").link_url(),
            Some("https://x/start")
        );
        assert_eq!(
            connection("Deauthorized", "https://x/start").link_url(),
            Some("https://x/start")
        );
        assert_eq!(connection("Linked", "https://x/start").link_url(), None);
        assert_eq!(connection("PendingAuth", "").link_url(), None);
    }

    #[test]
    fn otp_from_query() {
        assert_eq!(
            connection("PendingAuth", "https://x/start?a=1&otp=123#f").link_otp(),
            Some("123")
        );
        assert_eq!(
            connection("PendingAuth", "https://x/start?notp=1").link_otp(),
            None
        );
        assert_eq!(
            connection("PendingAuth", "https://x/start?otp=").link_otp(),
            None
        );
        assert_eq!(
            connection("PendingAuth", "https://x/start").link_otp(),
            None
        );
    }

    #[test]
    fn errors_and_connection_info() {
        let mut c = connection("Linked", "u");
        c.data_connection_errors = Some(vec![
            DataConnectionError {
                status: Some(DataConnectionErrorStatus::Resolved),
                ..Default::default()
            },
            DataConnectionError {
                error_message: Some("boom".into()),
                ..Default::default()
            },
        ]);
        assert_eq!(c.active_errors().count(), 1);
        let with_info: Connection = serde_json::from_str(
            r#"{"id":"c","integrationId":"i","sourceId":"s","platformName":"p","linkUrl":"u",
                "status":"Linked","created":"2022-10-27","sourceType":"BankFeed",
                "connectionInfo":{"realmId":"123","nested":{"n":1.50}}}"#,
        )
        .unwrap();
        let v = serde_json::to_value(&with_info).unwrap();
        assert_eq!(v["connectionInfo"]["nested"]["n"].to_string(), "1.50");
        assert_eq!(v["created"], "2022-10-27");
    }
}
