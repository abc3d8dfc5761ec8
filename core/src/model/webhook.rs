//! Webhook bodies: the spec's events (`client.rateLimit.*`, `bankFeeds.sourceAccount.*`), Codat's
//! legacy rule alerts (PascalCase keys, such as "Push Operation Status Changed"), and
//! [`WebhookEvent`], which tells them apart.
//!
//! Verify the signature on the raw bytes before parsing any of these.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::{AnySourceAccount, CompanyReference, DataType, PushOperationStatus};
use crate::dates::Timestamp;

super::wire_enum! {
    /// The kind of a webhook event (`eventType`), as the spec names its webhooks.
    pub enum WebhookEventType {
        /// Your client's requests passed the daily quota.
        ClientRateLimitReached = "client.rateLimit.reached",
        /// Your client's daily quota was reset.
        ClientRateLimitReset = "client.rateLimit.reset",
        /// A source account was connected to a target account.
        SourceAccountConnected = "bankFeeds.sourceAccount.connected",
        /// A source account was disconnected.
        SourceAccountDisconnected = "bankFeeds.sourceAccount.disconnected",
    }
}

/// A date-time in a webhook body that is kept even when it is not a valid date.
///
/// Codat's own example for `client.rateLimit.reset` has `expiryDate` `2024-09-01T23:59:99Z`
/// (99 seconds). A webhook receiver must acknowledge such a delivery rather than fail on it, so
/// webhook dates are read leniently: [`LenientTimestamp::timestamp`] gives the instant when there
/// is one, and the text is written back unchanged either way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LenientTimestamp {
    /// A date-time that parsed.
    Valid(Timestamp),
    /// Text that is not a valid date-time, kept as received.
    Invalid(String),
}

impl LenientTimestamp {
    /// The instant, if the text was a valid date-time.
    pub fn timestamp(&self) -> Option<Timestamp> {
        match self {
            LenientTimestamp::Valid(t) => Some(*t),
            LenientTimestamp::Invalid(_) => None,
        }
    }
}

impl From<Timestamp> for LenientTimestamp {
    fn from(value: Timestamp) -> Self {
        LenientTimestamp::Valid(value)
    }
}

impl Serialize for LenientTimestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LenientTimestamp::Valid(t) => t.serialize(s),
            LenientTimestamp::Invalid(text) => s.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for LenientTimestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(match Timestamp::parse(&text) {
            Ok(t) => LenientTimestamp::Valid(t),
            Err(_) => LenientTimestamp::Invalid(text),
        })
    }
}

/// The `client.rateLimit.reached` and `client.rateLimit.reset` events (`Client rate limit
/// webhook`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientRateLimitWebhook {
    /// The event's unique id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Which event this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<WebhookEventType>,
    /// When Codat generated the event (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_date: Option<LenientTimestamp>,
    /// The quota figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<ClientRateLimitWebhookPayload>,
}

/// The quota figures of a rate limit event (`Client rate limit webhook payload`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientRateLimitWebhookPayload {
    /// Requests allowed per day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_quota: Option<i64>,
    /// Requests left for your client today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_remaining: Option<i64>,
    /// When the daily quota resets (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<LenientTimestamp>,
}

/// The `bankFeeds.sourceAccount.connected` and `.disconnected` events (`Source account status
/// changed webhook`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAccountWebhook {
    /// The event's unique id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Which event this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<WebhookEventType>,
    /// When Codat generated the event (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_date: Option<LenientTimestamp>,
    /// The account and its company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<SourceAccountWebhookPayload>,
}

/// What a source account event is about (`Payload`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAccountWebhookPayload {
    /// The company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_company: Option<CompanyReference>,
    /// The company's id (deprecated: use `referenceCompany.id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// The connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// The source account, in either shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_account: Option<AnySourceAccount>,
}

impl SourceAccountWebhookPayload {
    /// The company's id, from `referenceCompany` or the deprecated `companyId`.
    pub fn company_id(&self) -> Option<&str> {
        self.reference_company
            .as_ref()
            .and_then(|c| c.id.as_deref())
            .or(self.company_id.as_deref())
    }
}

/// A legacy rule alert (Codat's webhooks before the current service), whose keys are PascalCase.
/// `Data` depends on the rule; `D` defaults to raw JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LegacyWebhook<D = Value> {
    /// The company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// Your Codat client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Your Codat client's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// The connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_connection_id: Option<String>,
    /// The rule that fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// The rule's type, e.g. "Push Operation Status Changed" (some alerts say `RuleType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// The rule's type, in alerts that use this key instead of `Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_type: Option<String>,
    /// The alert's unique id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<String>,
    /// A human-readable summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The rule's details.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub data: Option<D>,
}

impl<D> LegacyWebhook<D> {
    /// The rule's type, from `Type` or `RuleType`.
    pub fn rule_type(&self) -> Option<&str> {
        self.r#type.as_deref().or(self.rule_type.as_deref())
    }
}

/// The rule type of [`PushOperationStatusChangedWebhook`].
pub const PUSH_OPERATION_STATUS_CHANGED: &str = "Push Operation Status Changed";

/// The legacy "Push Operation Status Changed" alert.
///
/// ```
/// use bankfeeds::model::{PushOperationStatus, PushOperationStatusChangedWebhook};
/// let w: PushOperationStatusChangedWebhook = serde_json::from_str(r#"{
///     "CompanyId": "c2dddf4c-eece-4a9b-a392-8c8e65b59e47",
///     "RuleId": "5a6f112d-b0fa-4c0b-9ea4-7dd4075bc43d",
///     "Type": "Push Operation Status Changed",
///     "AlertId": "a6bb69d5-631c-4732-8e4e-18bea36aea20",
///     "Message": "bankTransactions triggered notification for PushOperationStatusChanged",
///     "Data": {"dataType": "bankTransactions", "status": "Success",
///              "pushOperationKey": "e881111f-b6a4-4740-b125-340a6c300cd3"}
/// }"#).unwrap();
/// assert_eq!(w.data.unwrap().status, PushOperationStatus::Success);
/// ```
pub type PushOperationStatusChangedWebhook = LegacyWebhook<PushOperationStatusChangedData>;

/// `Data` of a "Push Operation Status Changed" alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushOperationStatusChangedData {
    /// The data type pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<DataType>,
    /// The push operation's new status.
    pub status: PushOperationStatus,
    /// The push operation.
    pub push_operation_key: String,
}

/// `Data` of a legacy "Push Operation Timed Out" alert.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushOperationTimedOutData {
    /// The data type pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<DataType>,
    /// The push operation (this alert calls the key a GUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_operation_guid: Option<String>,
}

/// `Data` of a legacy "DataConnectionStatusChanged" alert.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataConnectionStatusChangedData {
    /// The connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_connection_id: Option<String>,
    /// The platform's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_key: Option<super::PlatformKey>,
    /// The status now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_status: Option<super::ConnectionStatus>,
    /// The status before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_status: Option<super::ConnectionStatus>,
}

/// Any webhook body this crate knows, told apart by its keys: `eventType` for the current
/// service, PascalCase `Type`/`RuleType` for legacy alerts.
///
/// ```
/// use bankfeeds::model::WebhookEvent;
/// let e: WebhookEvent = serde_json::from_str(
///     r#"{"id":"1","eventType":"client.rateLimit.reached","payload":{"dailyQuota":12000,"quotaRemaining":0}}"#,
/// ).unwrap();
/// assert!(matches!(e, WebhookEvent::ClientRateLimit(_)));
/// assert_eq!(e.event_type(), Some("client.rateLimit.reached"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum WebhookEvent {
    /// `client.rateLimit.*`.
    ClientRateLimit(ClientRateLimitWebhook),
    /// `bankFeeds.sourceAccount.*` (boxed: it carries a whole source account).
    SourceAccount(Box<SourceAccountWebhook>),
    /// The legacy "Push Operation Status Changed" alert.
    PushOperationStatusChanged(PushOperationStatusChangedWebhook),
    /// Any other legacy alert.
    Legacy(LegacyWebhook),
    /// An event this version does not know, as received.
    Other(Value),
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        let event = if let Some(event_type) = text("eventType") {
            if event_type.starts_with("client.rateLimit.") {
                ClientRateLimitWebhook::deserialize(&value).map(WebhookEvent::ClientRateLimit)
            } else if event_type.starts_with("bankFeeds.sourceAccount.") {
                SourceAccountWebhook::deserialize(&value)
                    .map(|w| WebhookEvent::SourceAccount(Box::new(w)))
            } else {
                return Ok(WebhookEvent::Other(value));
            }
        } else if let Some(rule) = text("Type").or(text("RuleType")) {
            if rule.trim_end_matches("()").trim() == PUSH_OPERATION_STATUS_CHANGED {
                LegacyWebhook::deserialize(&value).map(WebhookEvent::PushOperationStatusChanged)
            } else {
                LegacyWebhook::deserialize(&value).map(WebhookEvent::Legacy)
            }
        } else {
            return Ok(WebhookEvent::Other(value));
        };
        event.map_err(D::Error::custom)
    }
}

impl WebhookEvent {
    /// The event's type: `eventType`, or a legacy alert's rule type.
    pub fn event_type(&self) -> Option<&str> {
        match self {
            WebhookEvent::ClientRateLimit(w) => w.event_type.as_ref().map(WebhookEventType::as_str),
            WebhookEvent::SourceAccount(w) => w.event_type.as_ref().map(WebhookEventType::as_str),
            WebhookEvent::PushOperationStatusChanged(w) => w.rule_type(),
            WebhookEvent::Legacy(w) => w.rule_type(),
            WebhookEvent::Other(v) => v.get("eventType").and_then(Value::as_str),
        }
    }

    /// The company the event is about, where it names one.
    pub fn company_id(&self) -> Option<&str> {
        match self {
            WebhookEvent::ClientRateLimit(_) => None,
            WebhookEvent::SourceAccount(w) => w.payload.as_ref()?.company_id(),
            WebhookEvent::PushOperationStatusChanged(w) => w.company_id.as_deref(),
            WebhookEvent::Legacy(w) => w.company_id.as_deref(),
            WebhookEvent::Other(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_dates_round_trip() {
        let p: ClientRateLimitWebhookPayload =
            serde_json::from_str(r#"{"expiryDate":"2024-09-01T23:59:99Z","dailyQuota":1}"#)
                .unwrap();
        let d = p.expiry_date.clone().unwrap();
        assert_eq!(d, LenientTimestamp::Invalid("2024-09-01T23:59:99Z".into()));
        assert_eq!(d.timestamp(), None);
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"dailyQuota":1,"expiryDate":"2024-09-01T23:59:99Z"}"#
        );
        let ok: LenientTimestamp = serde_json::from_str("\"2024-09-01T12:14:14Z\"").unwrap();
        assert_eq!(ok.timestamp().unwrap().to_string(), "2024-09-01T12:14:14Z");
    }

    #[test]
    fn event_types_fall_back() {
        assert_eq!(WebhookEventType::ALL.len(), 4);
        let w: SourceAccountWebhook =
            serde_json::from_str(r#"{"eventType":"bankFeeds.sourceAccount.paused"}"#).unwrap();
        assert_eq!(
            w.event_type,
            Some(WebhookEventType::Unrecognised(
                "bankFeeds.sourceAccount.paused".into()
            ))
        );
    }

    #[test]
    fn dispatch() {
        let parse = |s: &str| serde_json::from_str::<WebhookEvent>(s).unwrap();
        let sa = parse(
            r#"{"eventType":"bankFeeds.sourceAccount.connected","payload":{"companyId":"c","sourceAccount":{"id":"a","status":"connected"}}}"#,
        );
        assert_eq!(sa.company_id(), Some("c"));
        let WebhookEvent::SourceAccount(w) = &sa else {
            panic!("{sa:?}")
        };
        assert!(
            w.payload
                .as_ref()
                .unwrap()
                .source_account
                .as_ref()
                .unwrap()
                .is_connected()
        );
        let legacy = parse(
            r#"{"CompanyId":"c","RuleType":"DataConnectionStatusChanged","Data":{"newStatus":"Linked"}}"#,
        );
        assert!(matches!(legacy, WebhookEvent::Legacy(_)));
        assert_eq!(legacy.event_type(), Some("DataConnectionStatusChanged"));
        if let WebhookEvent::Legacy(l) = legacy {
            let data: DataConnectionStatusChangedData =
                serde_json::from_value(l.data.unwrap()).unwrap();
            assert_eq!(
                data.new_status,
                Some(super::super::ConnectionStatus::Linked)
            );
        }
        let push = parse(
            r#"{"CompanyId":"c","Type":"Push Operation Status Changed()","Data":{"status":"Failed","pushOperationKey":"k"}}"#,
        );
        assert!(matches!(push, WebhookEvent::PushOperationStatusChanged(_)));
        assert!(matches!(
            parse(r#"{"eventType":"invoices.write.successful"}"#),
            WebhookEvent::Other(_)
        ));
        assert!(matches!(parse(r#"[1,2]"#), WebhookEvent::Other(_)));
        // A known event with a body that does not fit is an error, not silently `Other`.
        assert!(
            serde_json::from_str::<WebhookEvent>(
                r#"{"CompanyId":"c","Type":"Push Operation Status Changed","Data":{}}"#
            )
            .is_err()
        );
    }
}
