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
//! `now` is an argument so that checks are reproducible; [`Verifier::verify_now`] uses the clock.
//! The same message can be delivered more than once (same id): handle events idempotently, and
//! answer 2xx within 15 seconds.
//!
//! ```
//! use bankfeeds::dates::Timestamp;
//! use bankfeeds::model::WebhookEvent;
//! use bankfeeds::webhook::{Verifier, WebhookHeaders};
//!
//! let verifier = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
//! let body = br#"{"CompanyId":"c1","Type":"Push Operation Status Changed",
//!   "Data":{"dataType":"bankTransactions","status":"Success","pushOperationKey":"k1"}}"#;
//! // What Codat sends (signed here for the example):
//! let signature = verifier.sign("msg_2b3", 1_700_000_000, body);
//! let headers = WebhookHeaders::from_pairs([
//!     ("svix-id", "msg_2b3"),
//!     ("svix-timestamp", "1700000000"),
//!     ("svix-signature", signature.as_str()),
//! ]).unwrap();
//!
//! let now: Timestamp = "2023-11-14T22:15:00Z".parse().unwrap();
//! let event = verifier.verify_and_parse(&headers, body, now).unwrap();
//! assert!(matches!(event, WebhookEvent::PushOperationStatusChanged(_)));
//! assert!(verifier.verify(&headers, b"{}", now).is_err()); // tampered body
//! ```
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::dates::Timestamp;
use crate::model::WebhookEvent;

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
        let prefix_used = if get("svix-id").is_some() {
            "svix"
        } else if get("webhook-id").is_some() {
            "webhook"
        } else {
            return Err(WebhookError::MissingHeader("svix-id"));
        };
        let names: [&'static str; 3] = if prefix_used == "svix" {
            ["svix-id", "svix-timestamp", "svix-signature"]
        } else {
            ["webhook-id", "webhook-timestamp", "webhook-signature"]
        };
        let read = |name: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .ok_or(WebhookError::MissingHeader(name))
        };
        Ok(WebhookHeaders {
            id: read(names[0])?,
            timestamp: read(names[1])?,
            signature: read(names[2])?,
        })
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

    /// Checks a delivery's timestamp against `now` and its signatures against the raw body.
    pub fn verify(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
        now: Timestamp,
    ) -> Result<(), WebhookError> {
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
            Ok(())
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
}
