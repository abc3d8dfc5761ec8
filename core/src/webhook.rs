//! Receiving Codat's webhooks: check the signature on the raw bytes, then parse the event.
//!
//! Codat's webhook service signs each delivery the Svix / [Standard Webhooks] way:
//!
//! - three headers, `svix-id`, `svix-timestamp` (Unix seconds) and `svix-signature` (some
//!   accounts get the same with a `webhook-` prefix);
//! - the signature is HMAC-SHA256 over `<id>.<timestamp>.<raw body>`, keyed with the base64
//!   text after the secret's `whsec_` prefix, written `v1,<base64>`; the header may carry several,
//!   space-separated, while a secret is being rotated: one match is enough;
//! - signatures are compared in constant time, and a timestamp more than five minutes from `now`
//!   is refused, so a captured delivery cannot be replayed later.
//!
//! One entry point checks and parses a delivery the same way in every language bankfeeds speaks:
//! [`verify`] takes the secret, the request's headers (any [`HeaderLookup`]: a closure, pairs, a
//! map; names compared ignoring case), the raw body, a tolerance and `now`, and returns a
//! [`Delivery`]: the message id (the same on every redelivery: handle events idempotently by it),
//! the signed timestamp, and the typed [`WebhookEvent`] with its kind, event type, company and,
//! for push events, the push operation's key and status. A refusal is a [`WebhookError`] whose
//! [`code`](WebhookError::code) is one of six stable codes (`missing_header`,
//! `invalid_timestamp`, `expired`, `invalid_signature`, `invalid_secret`, `invalid_body`), the
//! same `code` the Python, Node and Kotlin bindings and the CLI give; answer it with
//! [`WebhookError::http_status`].
//!
//! `now` is an argument so that checks are reproducible ([`Timestamp::now`] for the clock). Answer
//! 2xx within 15 seconds; Codat retries anything else.
//!
//! ```
//! use std::time::Duration;
//! use bankfeeds::dates::Timestamp;
//! use bankfeeds::model::{PushOperationStatus, WebhookKind};
//! use bankfeeds::ErrorCode;
//! use bankfeeds::webhook::{self, Verifier};
//!
//! let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
//! let body = br#"{"id":"e1","eventType":"bankTransactions.write.successful",
//!   "payload":{"id":"k1","status":"Success","referenceCompany":{"id":"c1"}}}"#;
//! // What Codat sends (signed here for the example):
//! let signed = Verifier::new(secret).unwrap().signed_headers("msg_2b3", 1_700_000_000, body);
//! let headers = [
//!     ("Svix-Id", signed.id.as_str()),
//!     ("Svix-Timestamp", signed.timestamp.as_str()),
//!     ("Svix-Signature", signed.signature.as_str()),
//! ];
//!
//! let now: Timestamp = "2023-11-14T22:15:00Z".parse().unwrap();
//! let delivery = webhook::verify(secret, &headers, body, webhook::DEFAULT_TOLERANCE, now).unwrap();
//! assert_eq!(delivery.message_id(), "msg_2b3");
//! assert_eq!(delivery.kind(), WebhookKind::PushOperation);
//! assert_eq!(delivery.company_id(), Some("c1"));
//! let push = delivery.push_operation().unwrap();
//! assert_eq!((push.key.as_str(), push.status), ("k1", PushOperationStatus::Success));
//!
//! // A tampered body, or the same delivery ten minutes later:
//! let refused = webhook::verify(secret, &headers, b"{}", webhook::DEFAULT_TOLERANCE, now).unwrap_err();
//! assert_eq!(refused.code(), ErrorCode::InvalidSignature);
//! let later: Timestamp = "2023-11-14T22:25:00Z".parse().unwrap();
//! let refused = webhook::verify(secret, &headers, body, Duration::from_secs(300), later).unwrap_err();
//! assert_eq!((refused.as_str(), refused.http_status()), ("expired", 401));
//! ```
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::ErrorCode;
use crate::dates::Timestamp;
use crate::model::{PushOperationUpdate, WebhookEvent, WebhookKind};

/// How far a delivery's timestamp may be from now (5 minutes).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The prefix of a Svix / Standard Webhooks signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signing secret is not `whsec_` followed by base64 (or is empty).
    #[error("the webhook signing secret is not `whsec_` followed by base64")]
    InvalidSecret,
    /// A signature header is missing.
    #[error("the `{0}` header is missing")]
    MissingHeader(&'static str),
    /// The timestamp header is not a whole number of seconds.
    #[error("the timestamp header `{0}` is not a Unix time in seconds")]
    InvalidTimestamp(String),
    /// The timestamp is further in the past than the tolerance: possibly a replay.
    #[error("the delivery is {age}s old, more than the {tolerance}s allowed")]
    TooOld {
        /// Seconds between the timestamp and now.
        age: i64,
        /// The tolerance, in seconds.
        tolerance: u64,
    },
    /// The timestamp is further in the future than the tolerance.
    #[error("the delivery is dated {ahead}s in the future, more than the {tolerance}s allowed")]
    TooNew {
        /// Seconds between now and the timestamp.
        ahead: i64,
        /// The tolerance, in seconds.
        tolerance: u64,
    },
    /// No `v1` signature matches the body: tampered, or signed with another secret.
    #[error("no signature matches the body")]
    NoMatchingSignature,
    /// The body is not a JSON webhook event.
    #[error("the webhook body is not a valid event: {0}")]
    InvalidBody(String),
}

/// The codes a webhook refusal carries, in the table of error kinds every language shares
/// ([`ErrorCode`]):
/// - `missing_header`: a signature header is missing or empty;
/// - `invalid_timestamp`: the timestamp header is not a Unix time in seconds;
/// - `expired`: the timestamp is further from now than the tolerance, in the past (a possible
///   replay) or in the future;
/// - `invalid_signature`: no `v1` signature matches: a changed body, id or timestamp, or another
///   secret;
/// - `invalid_secret`: the signing secret is not `whsec_` followed by base64;
/// - `invalid_body`: correctly signed, but not a JSON webhook event (or a known event whose body
///   does not fit it).
pub const REFUSAL_CODES: [ErrorCode; 6] = [
    ErrorCode::MissingHeader,
    ErrorCode::InvalidTimestamp,
    ErrorCode::Expired,
    ErrorCode::InvalidSignature,
    ErrorCode::InvalidSecret,
    ErrorCode::InvalidBody,
];

/// The HTTP status a receiver answers a refusal with: 401 for a delivery that is not (or no
/// longer) authentic (`invalid_signature`, `expired`), 400 for one that is malformed
/// (`missing_header`, `invalid_timestamp`, `invalid_body`), 500 for the receiver's own
/// misconfiguration (`invalid_secret`, or any code that is not a refusal's). Codat retries every
/// non-2xx answer.
pub fn refusal_status(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::InvalidSignature | ErrorCode::Expired => 401,
        ErrorCode::MissingHeader | ErrorCode::InvalidTimestamp | ErrorCode::InvalidBody => 400,
        _ => 500,
    }
}

impl WebhookError {
    /// The stable code of this refusal, one of [`REFUSAL_CODES`].
    pub fn code(&self) -> ErrorCode {
        match self {
            WebhookError::InvalidSecret => ErrorCode::InvalidSecret,
            WebhookError::MissingHeader(_) => ErrorCode::MissingHeader,
            WebhookError::InvalidTimestamp(_) => ErrorCode::InvalidTimestamp,
            WebhookError::TooOld { .. } | WebhookError::TooNew { .. } => ErrorCode::Expired,
            WebhookError::NoMatchingSignature => ErrorCode::InvalidSignature,
            WebhookError::InvalidBody(_) => ErrorCode::InvalidBody,
        }
    }

    /// The stable code as text (`self.code().as_str()`).
    pub fn as_str(&self) -> &'static str {
        self.code().as_str()
    }

    /// The HTTP status to answer this refusal with (see [`refusal_status`]).
    pub fn http_status(&self) -> u16 {
        refusal_status(self.code())
    }
}

/// Where [`verify`] reads the signature headers: asked for `svix-id`, `svix-timestamp`,
/// `svix-signature` (or the same with `webhook-`), in lower case, it gives the header's value.
/// Names are compared ignoring ASCII case.
///
/// Implemented for closures `Fn(&str) -> Option<impl AsRef<str>>` (make the lookup
/// case-insensitive, as most HTTP libraries' header maps are), for name/value pairs (slices,
/// arrays and `Vec`s of `(name, value)`: the first pair of a name counts) and for `HashMap` and
/// `BTreeMap` of names to values.
pub trait HeaderLookup {
    /// The value of the header called `name` (lower case), or `None` when there is none.
    fn header(&self, name: &str) -> Option<String>;
}

impl<F, S> HeaderLookup for F
where
    F: Fn(&str) -> Option<S>,
    S: AsRef<str>,
{
    fn header(&self, name: &str) -> Option<String> {
        self(name).map(|v| v.as_ref().to_owned())
    }
}

fn find_pair<'a, K: AsRef<str> + 'a, V: AsRef<str> + 'a>(
    pairs: impl IntoIterator<Item = (&'a K, &'a V)>,
    name: &str,
) -> Option<String> {
    pairs
        .into_iter()
        .find(|(n, _)| n.as_ref().trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref().to_owned())
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<String> {
        find_pair(self.iter().map(|(k, v)| (k, v)), name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> HeaderLookup for [(K, V); N] {
    fn header(&self, name: &str) -> Option<String> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<String> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, H: BuildHasher> HeaderLookup for HashMap<K, V, H> {
    fn header(&self, name: &str) -> Option<String> {
        find_pair(self.iter(), name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for BTreeMap<K, V> {
    fn header(&self, name: &str) -> Option<String> {
        find_pair(self.iter(), name)
    }
}

/// Checks a delivery and parses its event: the one entry point every binding and the CLI use.
///
/// In order: the secret must be `whsec_` and base64 (`invalid_secret`); the three headers must be
/// there and not empty, the `svix-` set or else the `webhook-` set (`missing_header`); the
/// timestamp must be whole Unix seconds (`invalid_timestamp`) no further than `tolerance` from
/// `now`, either way (`expired`); one of the signature header's `v1,` entries must be the
/// HMAC-SHA256 of `<id>.<timestamp>.<body>`, compared in constant time (`invalid_signature`); the
/// body must then be a JSON webhook event (`invalid_body`). `body` is the raw bytes received,
/// never JSON re-serialised.
///
/// Codat's default tolerance is [`DEFAULT_TOLERANCE`] (5 minutes).
pub fn verify<H: HeaderLookup + ?Sized>(
    secret: &str,
    headers: &H,
    body: &[u8],
    tolerance: Duration,
    now: Timestamp,
) -> Result<Delivery, WebhookError> {
    Verifier::new(secret)?
        .with_tolerance(tolerance)
        .verify_delivery(headers, body, now)
}

/// A delivery that passed [`verify`]: who sent it when, and what it says.
///
/// Serialises (with serde_json) as one object with camelCase keys, which the bindings hand over:
/// `messageId`, `timestamp` (the signed time, ISO 8601 UTC), `kind` (`source_account`,
/// `rate_limit`, `push_operation`, `other`), `eventType`, `companyId`, `pushOperation` (`key`,
/// `status`, `dataType`, `connectionId`; push events only) and `body` (the body as received,
/// embedded as raw JSON). Deserialising reads `messageId`, `timestamp` and `body` and parses the
/// body again, so the rest always agrees with it. `body` is a raw JSON value: serialise with
/// serde_json (other serializers do not know raw values).
#[derive(Debug, Clone)]
pub struct Delivery {
    message_id: String,
    timestamp: Timestamp,
    event: WebhookEvent,
    body: Box<RawValue>,
}

impl Delivery {
    /// Parses a body that was already verified (or trusted, as in tests).
    pub fn new(
        message_id: impl Into<String>,
        timestamp: Timestamp,
        body: &[u8],
    ) -> Result<Self, WebhookError> {
        let invalid = |e: serde_json::Error| WebhookError::InvalidBody(e.to_string());
        let body: Box<RawValue> = serde_json::from_slice(body).map_err(invalid)?;
        let event: WebhookEvent = serde_json::from_str(body.get()).map_err(invalid)?;
        Ok(Delivery {
            message_id: message_id.into(),
            timestamp,
            event,
            body,
        })
    }

    /// The message id (`svix-id`): the same on every redelivery of this message, so the key for
    /// handling it once.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// When the delivery was signed (`svix-timestamp`; an attempt's time, so a redelivery has a
    /// later one). The event's own time is in its body (`generatedDate`).
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// The typed event.
    pub fn event(&self) -> &WebhookEvent {
        &self.event
    }

    /// The typed event, by value.
    pub fn into_event(self) -> WebhookEvent {
        self.event
    }

    /// The body as received (JSON text).
    pub fn body(&self) -> &str {
        self.body.get()
    }

    /// What the event is about.
    pub fn kind(&self) -> WebhookKind {
        self.event.kind()
    }

    /// The event's type (`eventType`, or a legacy alert's rule type).
    pub fn event_type(&self) -> Option<&str> {
        self.event.event_type()
    }

    /// The company the event is about, where it names one.
    pub fn company_id(&self) -> Option<&str> {
        self.event.company_id()
    }

    /// For a push event, the push operation's key and status.
    pub fn push_operation(&self) -> Option<PushOperationUpdate> {
        self.event.push_operation()
    }

    /// The serialised form (see [`Delivery`]) as compact JSON text.
    pub fn to_json(&self) -> String {
        // Strings, a timestamp, plain enums and a raw value that is valid JSON: cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl PartialEq for Delivery {
    fn eq(&self, other: &Self) -> bool {
        self.message_id == other.message_id
            && self.timestamp == other.timestamp
            && self.body.get() == other.body.get()
    }
}

impl Eq for Delivery {}

impl Serialize for Delivery {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            message_id: &'a str,
            timestamp: Timestamp,
            kind: WebhookKind,
            event_type: Option<&'a str>,
            company_id: Option<&'a str>,
            push_operation: Option<PushOperationUpdate>,
            body: &'a RawValue,
        }
        Out {
            message_id: &self.message_id,
            timestamp: self.timestamp,
            kind: self.kind(),
            event_type: self.event_type(),
            company_id: self.company_id(),
            push_operation: self.push_operation(),
            body: &self.body,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Delivery {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct In {
            message_id: String,
            timestamp: Timestamp,
            body: Box<RawValue>,
        }
        let read = In::deserialize(d)?;
        Delivery::new(read.message_id, read.timestamp, read.body.get().as_bytes())
            .map_err(D::Error::custom)
    }
}

/// The three signature headers of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookHeaders {
    /// `svix-id` / `webhook-id`: the message id, the same on redelivery.
    pub id: String,
    /// `svix-timestamp` / `webhook-timestamp`: Unix seconds.
    pub timestamp: String,
    /// `svix-signature` / `webhook-signature`: space-separated `v1,<base64>` entries.
    pub signature: String,
}

impl WebhookHeaders {
    /// Reads the headers through a lookup by lower-case name (most HTTP libraries look up
    /// case-insensitively): the `svix-` set, or else the `webhook-` set.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use bankfeeds::webhook::WebhookHeaders;
    /// let h: HashMap<&str, &str> = [("webhook-id", "m"), ("webhook-timestamp", "1"), ("webhook-signature", "v1,x")].into();
    /// let headers = WebhookHeaders::from_fn(|name| h.get(name).copied()).unwrap();
    /// assert_eq!(headers.id, "m");
    /// ```
    pub fn from_fn<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, WebhookError> {
        let present = |name: &str| get(name).is_some_and(|v| !v.trim().is_empty());
        let prefix_used = if present("svix-id") {
            "svix"
        } else if present("webhook-id") {
            "webhook"
        } else {
            return Err(WebhookError::MissingHeader("svix-id"));
        };
        let names: [&'static str; 3] = if prefix_used == "svix" {
            ["svix-id", "svix-timestamp", "svix-signature"]
        } else {
            ["webhook-id", "webhook-timestamp", "webhook-signature"]
        };
        // An empty value says nothing: missing, as Standard Webhooks' own libraries have it.
        let read = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(WebhookError::MissingHeader(name))
        };
        Ok(WebhookHeaders {
            id: read(names[0])?,
            timestamp: read(names[1])?,
            signature: read(names[2])?,
        })
    }

    /// Reads the headers through any [`HeaderLookup`].
    pub fn from_lookup<H: HeaderLookup + ?Sized>(headers: &H) -> Result<Self, WebhookError> {
        let names = [
            "svix-id",
            "svix-timestamp",
            "svix-signature",
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
        ];
        let values = names.map(|name| headers.header(name));
        WebhookHeaders::from_fn(|name| {
            let at = names.iter().position(|n| *n == name)?;
            values[at].as_deref()
        })
    }

    /// The three headers under their `svix-` names, as a sender writes them.
    pub fn svix_pairs(&self) -> [(&'static str, &str); 3] {
        [
            ("svix-id", self.id.as_str()),
            ("svix-timestamp", self.timestamp.as_str()),
            ("svix-signature", self.signature.as_str()),
        ]
    }

    /// Reads the headers from name/value pairs, names compared ignoring case.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, WebhookError> {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        WebhookHeaders::from_fn(|name| {
            pairs
                .iter()
                .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        })
    }
}

/// Checks deliveries signed with one secret. `Debug` hides the key.
#[derive(Clone)]
pub struct Verifier {
    key: Vec<u8>,
    tolerance: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("key", &"[redacted]")
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl Verifier {
    /// A verifier for a signing secret as Codat shows it (`whsec_` then base64; the bare base64
    /// is accepted too).
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        let secret = secret.trim();
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let key = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret)?;
        if key.is_empty() {
            return Err(WebhookError::InvalidSecret);
        }
        Ok(Verifier {
            key,
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    /// Sets how far a timestamp may be from now.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The signature header entry (`v1,<base64>`) for a message: what the sender computes. For
    /// tests and for servers (the sandbox) that send signed webhooks.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, &timestamp.to_string(), body).finalize();
        format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(tag.into_bytes())
        )
    }

    /// The three headers a sender attaches to `body`: its id, its timestamp (Unix seconds) and
    /// one `v1` signature. For servers (the sandbox) that send signed webhooks, and for tests.
    pub fn signed_headers(&self, id: &str, timestamp: i64, body: &[u8]) -> WebhookHeaders {
        WebhookHeaders {
            id: id.to_owned(),
            timestamp: timestamp.to_string(),
            signature: self.sign(id, timestamp, body),
        }
    }

    /// Checks a delivery read through any [`HeaderLookup`] and parses its event: what
    /// [`verify`] does with this verifier's secret and tolerance.
    pub fn verify_delivery<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Delivery, WebhookError> {
        let headers = WebhookHeaders::from_lookup(headers)?;
        let sent = self.check(&headers, body, now)?;
        // Within the tolerance of a representable `now`, unless the tolerance is centuries.
        let sent = chrono::DateTime::from_timestamp(sent, 0)
            .map(Timestamp::new)
            .ok_or_else(|| WebhookError::InvalidTimestamp(headers.timestamp.clone()))?;
        Delivery::new(headers.id.trim(), sent, body)
    }

    /// Checks a delivery's timestamp against `now` and its signatures against the raw body.
    pub fn verify(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
        now: Timestamp,
    ) -> Result<(), WebhookError> {
        self.check(headers, body, now).map(|_| ())
    }

    /// [`Verifier::verify`], giving the signed time in Unix seconds.
    fn check(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
        now: Timestamp,
    ) -> Result<i64, WebhookError> {
        let text = headers.timestamp.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(WebhookError::InvalidTimestamp(headers.timestamp.clone()));
        }
        let sent: i64 = text
            .parse()
            .map_err(|_| WebhookError::InvalidTimestamp(headers.timestamp.clone()))?;
        let now = now.utc().timestamp();
        let tolerance = self.tolerance.as_secs();
        let limit = i64::try_from(tolerance).unwrap_or(i64::MAX);
        // Both differences saturate: a timestamp of 19 digits is far from now, never a panic or
        // a value that wraps round to "close enough".
        let age = now.saturating_sub(sent);
        if age > limit {
            return Err(WebhookError::TooOld { age, tolerance });
        }
        let ahead = sent.saturating_sub(now);
        if ahead > limit {
            return Err(WebhookError::TooNew { ahead, tolerance });
        }
        let expected = self
            .mac(headers.id.trim(), text, body)
            .finalize()
            .into_bytes();
        let mut matched = false;
        for entry in headers.signature.split_whitespace() {
            let Some(("v1", encoded)) = entry.split_once(',') else {
                continue;
            };
            let Ok(given) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
                continue;
            };
            // Every entry is compared, match or not, so timing tells nothing about which one.
            matched |= bool::from(given.as_slice().ct_eq(expected.as_slice()));
        }
        if matched {
            Ok(sent)
        } else {
            Err(WebhookError::NoMatchingSignature)
        }
    }

    /// [`Verifier::verify`] against the current time.
    pub fn verify_now(&self, headers: &WebhookHeaders, body: &[u8]) -> Result<(), WebhookError> {
        self.verify(headers, body, Timestamp::now())
    }

    /// Verifies, then parses the body into a [`WebhookEvent`].
    pub fn verify_and_parse(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
        now: Timestamp,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify(headers, body, now)?;
        parse(body)
    }
}

/// Parses a webhook body (after [`Verifier::verify`]) into the events the model knows: the
/// legacy "Push Operation Status Changed" alert, source account and rate limit events, other
/// legacy alerts, or [`WebhookEvent::Other`] for anything else.
pub fn parse(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::InvalidBody(e.to_string()))
}

/// For Codat's legacy webhooks, which carry a fixed `Authorization` header instead of a
/// signature: whether the header received is the one configured, compared in constant time.
pub fn verify_legacy_authorization(expected: &str, received: Option<&str>) -> bool {
    let Some(received) = received else {
        return false;
    };
    !expected.is_empty() && bool::from(received.trim().as_bytes().ct_eq(expected.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PushOperationStatus;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn at(secs: i64) -> Timestamp {
        Timestamp::new(chrono::DateTime::from_timestamp(secs, 0).unwrap())
    }

    fn headers(id: &str, ts: &str, sig: &str) -> WebhookHeaders {
        WebhookHeaders {
            id: id.into(),
            timestamp: ts.into(),
            signature: sig.into(),
        }
    }

    #[test]
    fn known_vector() {
        // The example published with the Standard Webhooks specification.
        let v = Verifier::new(SECRET).unwrap();
        let body = br#"{"test": 2432232314}"#;
        let sig = v.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let h = headers("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", &sig);
        assert_eq!(v.verify(&h, body, at(1614265330 + 10)), Ok(()));
    }

    #[test]
    fn refusals() {
        let v = Verifier::new(SECRET).unwrap();
        let body = b"{}";
        let good = v.sign("m", 1000, body);
        let now = at(1000);
        assert_eq!(
            v.verify(&headers("m", "1000", &good), b"{ }", now),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            v.verify(&headers("m2", "1000", &good), body, now),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            v.verify(&headers("m", "1001", &good), body, now),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            v.verify(
                &headers("m", "1000", &good.replace("v1,", "v2,")),
                body,
                now
            ),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            v.verify(&headers("m", "1000", &good), body, at(1000 + 301)),
            Err(WebhookError::TooOld {
                age: 301,
                tolerance: 300
            })
        );
        assert_eq!(
            v.verify(&headers("m", "1000", &good), body, at(1000 - 301)),
            Err(WebhookError::TooNew {
                ahead: 301,
                tolerance: 300
            })
        );
        assert!(
            v.verify(&headers("m", "1000", &good), body, at(1300))
                .is_ok()
        );
        assert!(matches!(
            v.verify(&headers("m", "10e2", &good), body, now),
            Err(WebhookError::InvalidTimestamp(_))
        ));
        let other = Verifier::new("whsec_c2VjcmV0").unwrap();
        assert_eq!(
            other.verify(&headers("m", "1000", &good), body, now),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            Verifier::new("whsec_***").unwrap_err(),
            WebhookError::InvalidSecret
        );
        assert_eq!(
            Verifier::new("whsec_").unwrap_err(),
            WebhookError::InvalidSecret
        );
    }

    #[test]
    fn timestamps_at_the_ends_of_time_are_refused_not_wrapped() {
        // The earliest instant a timestamp holds, and a delivery dated i64::MAX seconds: the
        // difference does not fit an i64, and negating it used to overflow (a panic in debug
        // builds, a wrapped "age" in release ones).
        let v = Verifier::new(SECRET).unwrap();
        let body = b"{}";
        let dawn = Timestamp::new(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        let max = i64::MAX.to_string();
        let signed = v.sign("m", i64::MAX, body);
        assert_eq!(
            v.verify(&headers("m", &max, &signed), body, dawn),
            Err(WebhookError::TooNew {
                ahead: i64::MAX,
                tolerance: 300
            })
        );
        let end = Timestamp::new(chrono::DateTime::<chrono::Utc>::MAX_UTC);
        assert!(matches!(
            v.verify(&headers("m", "0", &v.sign("m", 0, body)), body, end),
            Err(WebhookError::TooOld { .. })
        ));
        // A tolerance beyond i64 seconds accepts any time, still without overflow.
        let lenient = v.clone().with_tolerance(Duration::MAX);
        assert_eq!(
            lenient.verify(&headers("m", &max, &signed), body, dawn),
            Ok(())
        );
        // More digits than an i64 holds is not a time at all.
        assert!(matches!(
            v.verify(&headers("m", "99999999999999999999", &signed), body, dawn),
            Err(WebhookError::InvalidTimestamp(_))
        ));
    }

    #[test]
    fn rotation_and_garbage_entries() {
        let old = Verifier::new("whsec_b2xkLXNlY3JldA==").unwrap();
        let new = Verifier::new(SECRET).unwrap();
        let body = b"{\"a\":1}";
        let sigs = format!(
            "v1a,ed25519sig v1,!!notbase64 {} {}",
            old.sign("m", 5, body),
            new.sign("m", 5, body)
        );
        assert!(new.verify(&headers("m", "5", &sigs), body, at(5)).is_ok());
        assert!(old.verify(&headers("m", "5", &sigs), body, at(5)).is_ok());
        assert_eq!(
            new.verify(&headers("m", "5", "v1a,x"), body, at(5)),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn header_sets() {
        let h = WebhookHeaders::from_pairs([
            ("Svix-Id", "a"),
            ("SVIX-TIMESTAMP", "1"),
            ("svix-signature", "v1,x"),
            ("webhook-id", "ignored"),
        ])
        .unwrap();
        assert_eq!((h.id.as_str(), h.timestamp.as_str()), ("a", "1"));
        assert_eq!(
            WebhookHeaders::from_pairs([("svix-id", "a"), ("svix-timestamp", "1")]),
            Err(WebhookError::MissingHeader("svix-signature"))
        );
        assert_eq!(
            WebhookHeaders::from_pairs([("content-type", "application/json")]),
            Err(WebhookError::MissingHeader("svix-id"))
        );
    }

    #[test]
    fn parses_the_push_status_event_and_redacts_the_key() {
        let shown = format!("{:?}", Verifier::new(SECRET).unwrap());
        assert!(
            !shown.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            "{shown}"
        );
        assert!(matches!(
            parse(b"not json"),
            Err(WebhookError::InvalidBody(_))
        ));
        // Codat's own example, read when the test runs so that a clone without `../shared`
        // still builds.
        let Some(body) = crate::test_shared::read(
            "fixtures/codat-docs/webhook.push-operation-status-changed.json",
            "webhook::tests::parses_the_push_status_event_and_redacts_the_key (Codat's example)",
        ) else {
            return;
        };
        let WebhookEvent::PushOperationStatusChanged(w) = parse(body.as_bytes()).unwrap() else {
            panic!("not a push operation event");
        };
        let data = w.data.unwrap();
        assert_eq!(data.status, PushOperationStatus::Success);
        assert_eq!(
            data.push_operation_key,
            "e881111f-b6a4-4740-b125-340a6c300cd3"
        );
    }

    #[test]
    fn legacy_authorization() {
        assert!(verify_legacy_authorization(
            "Bearer abc",
            Some("Bearer abc")
        ));
        assert!(!verify_legacy_authorization(
            "Bearer abc",
            Some("Bearer abd")
        ));
        assert!(!verify_legacy_authorization("Bearer abc", None));
        assert!(!verify_legacy_authorization("", Some("")));
    }

    #[test]
    fn empty_headers_are_missing() {
        // An empty value used to count as present: an empty id was signed over, an empty
        // signature reached the comparison. Standard Webhooks' libraries call both missing.
        assert_eq!(
            WebhookHeaders::from_pairs([
                ("svix-id", " "),
                ("svix-timestamp", "1"),
                ("svix-signature", "v1,x")
            ]),
            Err(WebhookError::MissingHeader("svix-id"))
        );
        assert_eq!(
            WebhookHeaders::from_pairs([
                ("svix-id", "m"),
                ("svix-timestamp", "1"),
                ("svix-signature", "")
            ]),
            Err(WebhookError::MissingHeader("svix-signature"))
        );
        // An empty `svix-id` does not hide a complete `webhook-` set.
        let h = WebhookHeaders::from_pairs([
            ("svix-id", ""),
            ("webhook-id", "m"),
            ("webhook-timestamp", "1"),
            ("webhook-signature", "v1,x"),
        ])
        .unwrap();
        assert_eq!(h.id, "m");
    }

    #[test]
    fn codes_and_statuses() {
        let codes: Vec<&str> = REFUSAL_CODES.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            codes,
            [
                "missing_header",
                "invalid_timestamp",
                "expired",
                "invalid_signature",
                "invalid_secret",
                "invalid_body"
            ]
        );
        let cases = [
            (WebhookError::InvalidSecret, "invalid_secret", 500),
            (
                WebhookError::MissingHeader("svix-id"),
                "missing_header",
                400,
            ),
            (
                WebhookError::InvalidTimestamp("x".into()),
                "invalid_timestamp",
                400,
            ),
            (
                WebhookError::TooOld {
                    age: 301,
                    tolerance: 300,
                },
                "expired",
                401,
            ),
            (
                WebhookError::TooNew {
                    ahead: 301,
                    tolerance: 300,
                },
                "expired",
                401,
            ),
            (WebhookError::NoMatchingSignature, "invalid_signature", 401),
            (WebhookError::InvalidBody("x".into()), "invalid_body", 400),
        ];
        for (error, code, status) in cases {
            assert_eq!(
                (error.as_str(), error.http_status()),
                (code, status),
                "{error}"
            );
            assert_eq!(error.code().to_string(), code);
        }
    }

    /// A delivery signed at `ts` with the test secret.
    fn signed(id: &str, ts: i64, body: &[u8]) -> WebhookHeaders {
        Verifier::new(SECRET).unwrap().signed_headers(id, ts, body)
    }

    #[test]
    fn every_header_lookup_reads_alike() {
        let body = br#"{"eventType":"client.rateLimit.reached","payload":{"dailyQuota":1000}}"#;
        let h = signed("msg_1", 1000, body);
        let tolerance = DEFAULT_TOLERANCE;
        let check = |d: Result<Delivery, WebhookError>| {
            let d = d.unwrap();
            assert_eq!(d.message_id(), "msg_1");
            assert_eq!(d.kind(), WebhookKind::RateLimit);
            assert_eq!(d.timestamp(), at(1000));
        };
        let upper = [
            ("SVIX-ID", h.id.clone()),
            ("Svix-Timestamp", h.timestamp.clone()),
            ("svix-SIGNATURE", h.signature.clone()),
        ];
        check(verify(SECRET, &upper, body, tolerance, at(1000)));
        check(verify(SECRET, &upper.to_vec(), body, tolerance, at(1000)));
        check(verify(SECRET, &upper[..], body, tolerance, at(1000)));
        let map: HashMap<String, String> = upper
            .iter()
            .cloned()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        check(verify(SECRET, &map, body, tolerance, at(1000)));
        let tree: BTreeMap<&str, &str> = upper.iter().map(|(k, v)| (*k, v.as_str())).collect();
        check(verify(SECRET, &tree, body, tolerance, at(1000)));
        let lookup = |name: &str| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        check(verify(SECRET, &lookup, body, tolerance, at(1000)));
        let prefixed = [
            ("webhook-id", h.id.as_str()),
            ("webhook-timestamp", h.timestamp.as_str()),
            ("webhook-signature", h.signature.as_str()),
        ];
        check(verify(SECRET, &prefixed, body, tolerance, at(1000)));
        check(verify(SECRET, &h.svix_pairs(), body, tolerance, at(1000)));
    }

    #[test]
    fn verify_checks_in_order() {
        let body = b"not json";
        let h = signed("m", 1000, body);
        let pairs = h.svix_pairs();
        let code = |secret: &str, pairs: &[(&str, &str)], body: &[u8], now: i64| {
            verify(secret, pairs, body, Duration::from_secs(300), at(now))
                .map(|_| ())
                .map_err(|e| e.as_str())
        };
        // The secret first, then the headers, the time, the signature and last the body.
        assert_eq!(code("whsec_!!", &[], body, 1000), Err("invalid_secret"));
        assert_eq!(code(SECRET, &pairs[..2], body, 1000), Err("missing_header"));
        let bad_time = [pairs[0], ("svix-timestamp", "soon"), pairs[2]];
        assert_eq!(
            code(SECRET, &bad_time, body, 1000),
            Err("invalid_timestamp")
        );
        assert_eq!(code(SECRET, &pairs, b"{}", 5000), Err("expired"));
        assert_eq!(code(SECRET, &pairs, b"{}", 1000), Err("invalid_signature"));
        assert_eq!(code(SECRET, &pairs, body, 1000), Err("invalid_body"));
        // Both ends of the window are inside it.
        let json = b"{}";
        let h = signed("m", 1000, json);
        assert_eq!(code(SECRET, &h.svix_pairs(), json, 1300), Ok(()));
        assert_eq!(code(SECRET, &h.svix_pairs(), json, 700), Ok(()));
        assert_eq!(code(SECRET, &h.svix_pairs(), json, 1301), Err("expired"));
        assert_eq!(code(SECRET, &h.svix_pairs(), json, 699), Err("expired"));
    }

    #[test]
    fn deliveries_serialise_for_the_bindings() {
        let body = br#"{"id":"e1","eventType":"bankTransactions.write.unsuccessful","payload":{"id":"k1","status":"Failed","connectionId":"d","referenceCompany":{"id":"c1"},"extra":[1.50,2]}}"#;
        let h = signed("msg_9", 1_717_200_000, body);
        let d = verify(
            SECRET,
            &h.svix_pairs(),
            body,
            DEFAULT_TOLERANCE,
            at(1_717_200_000),
        )
        .unwrap();
        assert_eq!(d.body(), std::str::from_utf8(body).unwrap());
        let json = d.to_json();
        assert_eq!(
            json,
            concat!(
                r#"{"messageId":"msg_9","timestamp":"2024-06-01T00:00:00Z","kind":"push_operation","#,
                r#""eventType":"bankTransactions.write.unsuccessful","companyId":"c1","#,
                r#""pushOperation":{"key":"k1","status":"Failed","dataType":"bankTransactions","connectionId":"d"},"#,
                r#""body":{"id":"e1","eventType":"bankTransactions.write.unsuccessful","payload":{"id":"k1","status":"Failed","connectionId":"d","referenceCompany":{"id":"c1"},"extra":[1.50,2]}}}"#
            )
        );
        let back: Delivery = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        assert_eq!(back.push_operation(), d.push_operation());
        // The rest is computed from the body, never read from the JSON.
        let forged = json.replace(r#""kind":"push_operation""#, r#""kind":"other""#);
        assert_eq!(
            serde_json::from_str::<Delivery>(&forged).unwrap().kind(),
            WebhookKind::PushOperation
        );
    }

    #[test]
    fn a_push_status_alert_without_data_is_refused() {
        // It used to parse, as a push event that could not say which push.
        assert!(matches!(
            parse(br#"{"CompanyId":"c","Type":"Push Operation Status Changed"}"#),
            Err(WebhookError::InvalidBody(_))
        ));
    }
}
