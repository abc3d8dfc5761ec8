//! Webhook bodies: the spec's events (`client.rateLimit.*`, `bankFeeds.sourceAccount.*`), Codat's
//! write events (`{dataType}.write.successful` / `.unsuccessful`, such as
//! `bankTransactions.write.successful`), Codat's legacy rule alerts (PascalCase keys, such as
//! "Push Operation Status Changed"), and [`WebhookEvent`], which tells them apart.
//!
//! Verify the signature on the raw bytes before parsing any of these (`crate::webhook`, feature
//! `webhook`).

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

super::wire_struct! {
    /// The `client.rateLimit.reached` and `client.rateLimit.reset` events (`Client rate limit
    /// webhook`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct ClientRateLimitWebhook {
        /// The event's unique id.
        pub id: Option<String>,
        /// Which event this is.
        pub event_type: Option<WebhookEventType>,
        /// When Codat generated the event (UTC).
        pub generated_date: Option<LenientTimestamp>,
        /// The quota figures.
        pub payload: Option<ClientRateLimitWebhookPayload>,
    }
}

super::wire_struct! {
    /// The quota figures of a rate limit event (`Client rate limit webhook payload`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct ClientRateLimitWebhookPayload {
        /// Requests allowed per day.
        pub daily_quota: Option<i64>,
        /// Requests left for your client today.
        pub quota_remaining: Option<i64>,
        /// When the daily quota resets (UTC).
        pub expiry_date: Option<LenientTimestamp>,
    }
}

super::wire_struct! {
    /// The `bankFeeds.sourceAccount.connected` and `.disconnected` events (`Source account status
    /// changed webhook`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct SourceAccountWebhook {
        /// The event's unique id.
        pub id: Option<String>,
        /// Which event this is.
        pub event_type: Option<WebhookEventType>,
        /// When Codat generated the event (UTC).
        pub generated_date: Option<LenientTimestamp>,
        /// The account and its company.
        pub payload: Option<SourceAccountWebhookPayload>,
    }
}

super::wire_struct! {
    /// What a source account event is about (`Payload`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct SourceAccountWebhookPayload {
        /// The company.
        pub reference_company: Option<CompanyReference>,
        /// The company's id (deprecated: use `referenceCompany.id`).
        pub company_id: Option<String>,
        /// The connection.
        pub connection_id: Option<String>,
        /// The source account, in either shape.
        pub source_account: Option<AnySourceAccount>,
    }
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

super::wire_enum! {
    /// What a write request did (`payload.type` of a write event).
    pub enum WriteRequestType {
        /// A record was created (bank transactions are only ever created).
        Create = "Create",
        /// A record was updated.
        Update = "Update",
        /// A record was deleted.
        Delete = "Delete",
    }
}

super::wire_struct! {
    /// The end of a push operation ("write request") in Codat's current event shape:
    /// `{dataType}.write.successful` and `{dataType}.write.unsuccessful`, for a bank feed
    /// `bankTransactions.write.successful` / `.unsuccessful`.
    ///
    /// These events are not in the Bank Feeds spec. The shape follows Codat's documentation: the pages
    /// "Create, update, and delete data" (section "Consume the data type's write webhook") and "Migrate
    /// to our new event types" (section "PushOperationStatusChanged", which maps the legacy alert's
    /// `Data.pushOperationKey` to `payload.id`, `Data.status` to `payload.status`, `CompanyId` to
    /// `payload.referenceCompany.id` and `DataConnectionId` to `payload.connectionId`; a `Success`
    /// becomes `.write.successful`, a `Failed` or `TimedOut` `.write.unsuccessful`).
    ///
    /// `payload.id` (the push operation key) and `payload.status` are required: a write event without
    /// them cannot say which push ended or how, so it is refused as an invalid body rather than guessed.
    ///
    /// ```
    /// use bankfeeds::model::{DataType, PushOperationStatus, WriteWebhook};
    /// let w: WriteWebhook = serde_json::from_str(r#"{
    ///     "id": "bae71d36-ff47-420a-b4a6-f8c9ddf41140",
    ///     "eventType": "bankTransactions.write.successful",
    ///     "generatedDate": "2024-06-01T10:00:23Z",
    ///     "payload": {
    ///         "id": "a9367074-b5c3-42c4-9be4-be129f43577e",
    ///         "type": "Create",
    ///         "referenceCompany": {"id": "70af3071-65d9-4ec3-b3cb-5283e8d55dac", "name": "Toft stores"},
    ///         "connectionId": "12571faf-0898-47e7-afdd-0fe9eb0a9bf5",
    ///         "requestedOnDate": "2024-06-01T10:00:00Z",
    ///         "completedOnDate": "2024-06-01T10:00:23Z",
    ///         "status": "Success"
    ///     }
    /// }"#).unwrap();
    /// assert_eq!(w.data_type(), Some(DataType::BankTransactions));
    /// assert_eq!(w.payload.status, PushOperationStatus::Success);
    /// assert_eq!(w.payload.company_id(), Some("70af3071-65d9-4ec3-b3cb-5283e8d55dac"));
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct WriteWebhook {
        /// The event's unique id.
        pub id: Option<String>,
        /// `{dataType}.write.successful` or `{dataType}.write.unsuccessful`.
        pub event_type: String,
        /// When Codat generated the event (UTC).
        pub generated_date: Option<LenientTimestamp>,
        /// The write request and how it ended.
        pub payload: WriteWebhookPayload,
    }
}

/// The suffix of a successful write event's type.
pub const WRITE_SUCCESSFUL: &str = ".write.successful";
/// The suffix of an unsuccessful write event's type.
pub const WRITE_UNSUCCESSFUL: &str = ".write.unsuccessful";

impl WriteWebhook {
    /// The data type written, from the event type's prefix (`bankTransactions` in
    /// `bankTransactions.write.successful`).
    pub fn data_type(&self) -> Option<DataType> {
        write_event_data_type(&self.event_type).map(DataType::parse)
    }

    /// Whether the event type says the write succeeded (`.write.successful`).
    pub fn is_successful(&self) -> bool {
        self.event_type.ends_with(WRITE_SUCCESSFUL)
    }
}

/// The data type named by a write event type (`{dataType}.write.successful` or
/// `.unsuccessful`), or `None` when the text is not a write event type.
pub(crate) fn write_event_data_type(event_type: &str) -> Option<&str> {
    let data_type = event_type
        .strip_suffix(WRITE_SUCCESSFUL)
        .or_else(|| event_type.strip_suffix(WRITE_UNSUCCESSFUL))?;
    (!data_type.is_empty() && !data_type.contains('.')).then_some(data_type)
}

super::wire_struct! {
    /// `payload` of a write event.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct WriteWebhookPayload {
        /// The push operation's key (`pushOperationKey` elsewhere in the API).
        pub id: String,
        /// What the request did.
        #[serde(rename = "type")]
        pub request_type: Option<WriteRequestType>,
        /// The company written to.
        pub reference_company: Option<CompanyReference>,
        /// The connection written through.
        pub connection_id: Option<String>,
        /// When the write was requested (UTC).
        pub requested_on_date: Option<LenientTimestamp>,
        /// When the write ended (UTC).
        pub completed_on_date: Option<LenientTimestamp>,
        /// How it ended: `Success`, or `Failed` / `TimedOut` for an unsuccessful write.
        pub status: PushOperationStatus,
        /// The record written, on success.
        pub record: Option<WriteRecord>,
        /// The attachment uploaded, for an attachment write.
        pub attachment_id: Option<String>,
    }
}

impl WriteWebhookPayload {
    /// The company's id, from `referenceCompany.id`.
    pub fn company_id(&self) -> Option<&str> {
        self.reference_company.as_ref()?.id.as_deref()
    }
}

super::wire_struct! {
    /// `payload.record` of a write event.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct WriteRecord {
        /// The record's id in the accounting platform.
        pub id: Option<String>,
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

super::wire_struct! {
    /// `Data` of a "Push Operation Status Changed" alert.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PushOperationStatusChangedData {
        /// The data type pushed.
        pub data_type: Option<DataType>,
        /// The push operation's new status.
        pub status: PushOperationStatus,
        /// The push operation.
        pub push_operation_key: String,
    }
}

super::wire_struct! {
    /// `Data` of a legacy "Push Operation Timed Out" alert.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct PushOperationTimedOutData {
        /// The data type pushed.
        pub data_type: Option<DataType>,
        /// The push operation (this alert calls the key a GUID).
        pub push_operation_guid: Option<String>,
    }
}

super::wire_struct! {
    /// `Data` of a legacy "DataConnectionStatusChanged" alert.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct DataConnectionStatusChangedData {
        /// The connection.
        pub data_connection_id: Option<String>,
        /// The platform's key.
        pub platform_key: Option<super::PlatformKey>,
        /// The status now.
        pub new_status: Option<super::ConnectionStatus>,
        /// The status before.
        pub old_status: Option<super::ConnectionStatus>,
    }
}

/// Any webhook body this crate knows, told apart by its keys: `eventType` for the current
/// service, PascalCase `Type`/`RuleType` for legacy alerts.
///
/// ```
/// use bankfeeds::model::{WebhookEvent, WebhookKind};
/// let e: WebhookEvent = serde_json::from_str(
///     r#"{"id":"1","eventType":"client.rateLimit.reached","payload":{"dailyQuota":12000,"quotaRemaining":0}}"#,
/// ).unwrap();
/// assert!(matches!(e, WebhookEvent::ClientRateLimit(_)));
/// assert_eq!(e.event_type(), Some("client.rateLimit.reached"));
/// assert_eq!(e.kind(), WebhookKind::RateLimit);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `client.rateLimit.*`.
    ClientRateLimit(ClientRateLimitWebhook),
    /// `bankFeeds.sourceAccount.*` (boxed: it carries a whole source account).
    SourceAccount(Box<SourceAccountWebhook>),
    /// `{dataType}.write.successful` / `.unsuccessful`: a push operation ended, in Codat's current
    /// event shape (boxed: it carries a company reference).
    Write(Box<WriteWebhook>),
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
            } else if write_event_data_type(event_type).is_some() {
                WriteWebhook::deserialize(&value).map(|w| WebhookEvent::Write(Box::new(w)))
            } else {
                return Ok(WebhookEvent::Other(value));
            }
        } else if let Some(rule) = text("Type").or(text("RuleType")) {
            if rule.trim_end_matches("()").trim() == PUSH_OPERATION_STATUS_CHANGED {
                // Without `Data` the alert cannot say which push changed or how: refused, as a
                // `Data` without its key or status is.
                let w = PushOperationStatusChangedWebhook::deserialize(&value)
                    .map_err(D::Error::custom)?;
                if w.data.is_none() {
                    return Err(D::Error::custom(
                        "a \"Push Operation Status Changed\" alert without `Data`",
                    ));
                }
                Ok(WebhookEvent::PushOperationStatusChanged(w))
            } else {
                LegacyWebhook::deserialize(&value).map(WebhookEvent::Legacy)
            }
        } else {
            return Ok(WebhookEvent::Other(value));
        };
        event.map_err(D::Error::custom)
    }
}

/// What a webhook event is about, as one stable code in every language: `source_account`,
/// `rate_limit`, `push_operation` or `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookKind {
    /// `bankFeeds.sourceAccount.connected` / `.disconnected`.
    SourceAccount,
    /// `client.rateLimit.reached` / `.reset`.
    RateLimit,
    /// A push operation ended or changed: `{dataType}.write.successful` / `.unsuccessful`, or the
    /// legacy "Push Operation Status Changed" alert. [`WebhookEvent::push_operation`] says which
    /// operation and how.
    PushOperation,
    /// Anything else: other legacy alerts, and events this version does not know.
    Other,
}

impl WebhookKind {
    /// Every kind.
    pub const ALL: [WebhookKind; 4] = [
        WebhookKind::SourceAccount,
        WebhookKind::RateLimit,
        WebhookKind::PushOperation,
        WebhookKind::Other,
    ];

    /// The stable code: `source_account`, `rate_limit`, `push_operation`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::SourceAccount => "source_account",
            WebhookKind::RateLimit => "rate_limit",
            WebhookKind::PushOperation => "push_operation",
            WebhookKind::Other => "other",
        }
    }
}

impl std::fmt::Display for WebhookKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for WebhookKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WebhookKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        WebhookKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| D::Error::custom(format!("unknown webhook kind `{text}`")))
    }
}

super::wire_struct! {
    /// Which push operation a push event is about, and where it is now: what a receiver needs to
    /// stop polling it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PushOperationUpdate {
        /// The push operation's key (`pushOperationKey`).
        pub key: String,
        /// Its status: final (`Success`, `Failed`, `TimedOut`) for a write event; the legacy alert
        /// may also say `Pending`.
        pub status: PushOperationStatus,
        /// The data type pushed, when the event says (`bankTransactions` for a bank feed).
        pub data_type: Option<DataType>,
        /// The connection pushed through, when the event says.
        pub connection_id: Option<String>,
    }
}

impl WebhookEvent {
    /// What the event is about.
    pub fn kind(&self) -> WebhookKind {
        match self {
            WebhookEvent::ClientRateLimit(_) => WebhookKind::RateLimit,
            WebhookEvent::SourceAccount(_) => WebhookKind::SourceAccount,
            WebhookEvent::Write(_) | WebhookEvent::PushOperationStatusChanged(_) => {
                WebhookKind::PushOperation
            }
            WebhookEvent::Legacy(_) | WebhookEvent::Other(_) => WebhookKind::Other,
        }
    }

    /// The event's type: `eventType`, or a legacy alert's rule type.
    pub fn event_type(&self) -> Option<&str> {
        match self {
            WebhookEvent::ClientRateLimit(w) => w.event_type.as_ref().map(WebhookEventType::as_str),
            WebhookEvent::SourceAccount(w) => w.event_type.as_ref().map(WebhookEventType::as_str),
            WebhookEvent::Write(w) => Some(&w.event_type),
            WebhookEvent::PushOperationStatusChanged(w) => w.rule_type(),
            WebhookEvent::Legacy(w) => w.rule_type(),
            WebhookEvent::Other(v) => v.get("eventType").and_then(Value::as_str),
        }
    }

    /// The company the event is about, where it names one. For an event this version does not
    /// know, the place every event of Codat's current service keeps it: `payload.referenceCompany.id`
    /// (or the legacy `CompanyId`).
    pub fn company_id(&self) -> Option<&str> {
        match self {
            WebhookEvent::ClientRateLimit(_) => None,
            WebhookEvent::SourceAccount(w) => w.payload.as_ref()?.company_id(),
            WebhookEvent::Write(w) => w.payload.company_id(),
            WebhookEvent::PushOperationStatusChanged(w) => w.company_id.as_deref(),
            WebhookEvent::Legacy(w) => w.company_id.as_deref(),
            WebhookEvent::Other(v) => v
                .pointer("/payload/referenceCompany/id")
                .or_else(|| v.get("CompanyId"))
                .and_then(Value::as_str),
        }
    }

    /// For a push event, the push operation's key and status (and data type and connection when
    /// the event says); `None` for every other event.
    ///
    /// ```
    /// use bankfeeds::model::{PushOperationStatus, WebhookEvent};
    /// let e: WebhookEvent = serde_json::from_str(r#"{"eventType": "bankTransactions.write.unsuccessful",
    ///     "payload": {"id": "k1", "status": "TimedOut", "connectionId": "c9"}}"#).unwrap();
    /// let update = e.push_operation().unwrap();
    /// assert_eq!((update.key.as_str(), update.status), ("k1", PushOperationStatus::TimedOut));
    /// ```
    pub fn push_operation(&self) -> Option<PushOperationUpdate> {
        match self {
            WebhookEvent::Write(w) => Some(PushOperationUpdate {
                key: w.payload.id.clone(),
                status: w.payload.status.clone(),
                data_type: w.data_type(),
                connection_id: w.payload.connection_id.clone(),
            }),
            WebhookEvent::PushOperationStatusChanged(w) => {
                let data = w.data.as_ref()?;
                Some(PushOperationUpdate {
                    key: data.push_operation_key.clone(),
                    status: data.status.clone(),
                    data_type: data.data_type.clone(),
                    connection_id: w.data_connection_id.clone(),
                })
            }
            _ => None,
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
            parse(r#"{"eventType":"read.completed","payload":{"referenceCompany":{"id":"c7"}}}"#),
            WebhookEvent::Other(_)
        ));
        assert_eq!(
            parse(r#"{"eventType":"read.completed","payload":{"referenceCompany":{"id":"c7"}}}"#)
                .company_id(),
            Some("c7")
        );
        assert!(matches!(parse(r#"[1,2]"#), WebhookEvent::Other(_)));
        // A known event with a body that does not fit is an error, not silently `Other`.
        for unfit in [
            r#"{"CompanyId":"c","Type":"Push Operation Status Changed"}"#,
            r#"{"eventType":"bankTransactions.write.successful","payload":{"status":"Success"}}"#,
            r#"{"eventType":"bankTransactions.write.unsuccessful","payload":{"id":"k"}}"#,
            r#"{"eventType":"bankTransactions.write.successful"}"#,
        ] {
            assert!(
                serde_json::from_str::<WebhookEvent>(unfit).is_err(),
                "{unfit} was accepted"
            );
        }
        assert!(
            serde_json::from_str::<WebhookEvent>(
                r#"{"CompanyId":"c","Type":"Push Operation Status Changed","Data":{}}"#
            )
            .is_err()
        );
    }

    #[test]
    fn write_events_are_push_events() {
        let parse = |s: &str| serde_json::from_str::<WebhookEvent>(s).unwrap();
        let ok = parse(
            r#"{"id":"e1","eventType":"bankTransactions.write.successful","generatedDate":"2024-06-01T10:00:23Z",
               "payload":{"id":"k1","type":"Create","referenceCompany":{"id":"c1","name":"Toft"},
               "connectionId":"d1","status":"Success","record":{"id":"r1"},"attachmentId":null}}"#,
        );
        assert_eq!(ok.kind(), WebhookKind::PushOperation);
        assert_eq!(ok.event_type(), Some("bankTransactions.write.successful"));
        assert_eq!(ok.company_id(), Some("c1"));
        assert_eq!(
            ok.push_operation(),
            Some(PushOperationUpdate {
                key: "k1".into(),
                status: PushOperationStatus::Success,
                data_type: Some(DataType::BankTransactions),
                connection_id: Some("d1".into()),
            })
        );
        let WebhookEvent::Write(w) = &ok else {
            panic!("{ok:?}")
        };
        assert!(w.is_successful());
        assert_eq!(w.payload.request_type, Some(WriteRequestType::Create));
        let failed = parse(
            r#"{"eventType":"invoices.write.unsuccessful","payload":{"id":"k2","status":"TimedOut"}}"#,
        );
        let update = failed.push_operation().unwrap();
        assert_eq!(update.status, PushOperationStatus::TimedOut);
        assert_eq!(update.data_type, Some(DataType::Invoices));
        // Not write events: a missing data type, or more than one segment before `.write`.
        for other in [
            r#"{"eventType":".write.successful"}"#,
            r#"{"eventType":"a.b.write.successful"}"#,
            r#"{"eventType":"bankTransactions.write.started"}"#,
        ] {
            assert_eq!(parse(other).kind(), WebhookKind::Other, "{other}");
        }
        let legacy = parse(
            r#"{"CompanyId":"c","DataConnectionId":"d","Type":"Push Operation Status Changed",
               "Data":{"dataType":"bankTransactions","status":"Pending","pushOperationKey":"k3"}}"#,
        );
        assert_eq!(legacy.kind(), WebhookKind::PushOperation);
        let update = legacy.push_operation().unwrap();
        assert_eq!(
            (update.key.as_str(), update.connection_id.as_deref()),
            ("k3", Some("d"))
        );
        assert_eq!(update.status, PushOperationStatus::Pending);
        let rate = parse(r#"{"eventType":"client.rateLimit.reset"}"#);
        assert_eq!(
            (rate.kind(), rate.push_operation()),
            (WebhookKind::RateLimit, None)
        );
        for kind in WebhookKind::ALL {
            let text = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<WebhookKind>(&text).unwrap(), kind);
        }
    }
}
