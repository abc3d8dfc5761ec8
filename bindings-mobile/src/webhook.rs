//! `verifyWebhook`: Codat's webhook deliveries checked and parsed by the core
//! (`bankfeeds::webhook::verify`), for **server-side** Kotlin (a JVM backend). Never ship a
//! webhook signing secret in an app: anyone can read it out of the package and forge
//! deliveries. An app learns about pushes from the bank's backend, which receives the webhooks.
//!
//! The result is a sealed `WebhookEvent`: `PushOperation` (Codat's
//! `{dataType}.write.successful` / `.unsuccessful` and the legacy "Push Operation Status
//! Changed" alert), `SourceAccount` (`bankFeeds.sourceAccount.connected` / `.disconnected`),
//! `RateLimit` (`client.rateLimit.reached` / `.reset`) and `Other` (anything else, with its type
//! and body). Every case carries the `WebhookDelivery` (message id, signed time, event type,
//! company, body), also reachable from any case with `delivery()`. A refusal throws
//! `BankFeedsException.WebhookException` whose `code()` is the core's.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use bankfeeds::dates::Timestamp;
use bankfeeds::model;
use bankfeeds::webhook::{self, WebhookError};

use crate::client::PushOperationStatus;
use crate::context::SourceAccountStatus;
use crate::error::BankFeedsError;

/// What every webhook event says about its delivery.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WebhookDelivery {
    /// The message id (`svix-id`), the same on every redelivery: handle each message once by it.
    pub message_id: String,
    /// When this delivery was signed (`svix-timestamp`).
    pub timestamp: SystemTime,
    /// `eventType` (`bankTransactions.write.successful`...), or a legacy alert's rule type.
    pub event_type: Option<String>,
    /// The company the event is about, where it names one.
    pub company_id: Option<String>,
    /// The body as received (JSON text).
    pub body: String,
    /// What the event is about, as one code in every language: `push_operation`,
    /// `source_account`, `rate_limit` or `other`.
    pub kind: String,
}

/// A verified webhook delivery, by what it is about.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum WebhookEvent {
    /// A push operation ended (`{dataType}.write.successful` / `.unsuccessful`) or changed (the
    /// legacy alert): stop polling it.
    PushOperation {
        /// The delivery.
        delivery: WebhookDelivery,
        /// The push operation's key (`pushOperationKey`).
        operation_key: String,
        /// `SUCCESS`, `FAILED` or `TIMED_OUT` (the legacy alert may also say `PENDING`).
        status: PushOperationStatus,
        /// The data type pushed (`bankTransactions` for a bank feed), when the event says.
        data_type: Option<String>,
        /// The connection pushed through, when the event says.
        connection_id: Option<String>,
    },
    /// A source account was connected (mapped by the customer) or disconnected.
    SourceAccount {
        /// The delivery.
        delivery: WebhookDelivery,
        /// `true` for `bankFeeds.sourceAccount.connected`.
        connected: bool,
        /// The source account, when the event names it.
        account_id: Option<String>,
        /// Its status, as the event gives it.
        account_status: Option<SourceAccountStatus>,
        /// The connection, when the event names it.
        connection_id: Option<String>,
    },
    /// The client's daily quota was reached or reset.
    RateLimit {
        /// The delivery.
        delivery: WebhookDelivery,
        /// `true` for `client.rateLimit.reached`.
        reached: bool,
        /// Requests allowed per day.
        daily_quota: Option<i64>,
        /// Requests left today.
        quota_remaining: Option<i64>,
        /// When the quota resets, as Codat wrote it (ISO 8601; kept as text, since Codat's own
        /// example is not a valid date).
        expiry_date: Option<String>,
    },
    /// Any other event (other legacy alerts, events this version does not know): its type and
    /// body are in `delivery`.
    Other {
        /// The delivery.
        delivery: WebhookDelivery,
    },
}

#[uniffi::export]
impl WebhookEvent {
    /// The delivery, whatever the case: message id, signed time, event type, company, body.
    pub fn delivery(&self) -> WebhookDelivery {
        match self {
            WebhookEvent::PushOperation { delivery, .. }
            | WebhookEvent::SourceAccount { delivery, .. }
            | WebhookEvent::RateLimit { delivery, .. }
            | WebhookEvent::Other { delivery } => delivery.clone(),
        }
    }
}

/// Checks a webhook delivery from Codat and returns its event, or throws
/// `BankFeedsException.WebhookException` whose `code()` is `missing_header`,
/// `invalid_timestamp`, `expired`, `invalid_signature`, `invalid_secret` or `invalid_body`.
///
/// `headers` are the request's headers (names in any case: `svix-id`, `svix-timestamp`,
/// `svix-signature`, or the same with `webhook-`); `body` the raw bytes received, never
/// re-serialised JSON; `toleranceSeconds` how far the signed time may be from now, either way
/// (default 300); `nowEpochSeconds` the time to check against (default: the clock). Server-side
/// only: never ship a signing secret in an app.
#[uniffi::export(default(tolerance_seconds = 300, now_epoch_seconds = None))]
pub fn verify_webhook(
    secret: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
    tolerance_seconds: u64,
    now_epoch_seconds: Option<i64>,
) -> Result<WebhookEvent, BankFeedsError> {
    let now = match now_epoch_seconds {
        None => Timestamp::now(),
        Some(secs) => chrono::DateTime::from_timestamp(secs, 0)
            .map(Timestamp::new)
            .ok_or_else(|| {
                BankFeedsError::option(
                    None,
                    format!("nowEpochSeconds {secs} is not a time a timestamp holds"),
                )
            })?,
    };
    let delivery = webhook::verify(
        &secret,
        &headers,
        &body,
        Duration::from_secs(tolerance_seconds),
        now,
    )
    .map_err(refusal)?;
    Ok(event(&delivery))
}

fn refusal(e: WebhookError) -> BankFeedsError {
    BankFeedsError::WebhookError {
        code: e.as_str().to_owned(),
        status: u32::from(e.http_status()),
        reason: e.to_string(),
    }
}

fn event(d: &webhook::Delivery) -> WebhookEvent {
    let delivery = WebhookDelivery {
        message_id: d.message_id().to_owned(),
        timestamp: d.timestamp().utc().into(),
        event_type: d.event_type().map(str::to_owned),
        company_id: d.company_id().map(str::to_owned),
        body: d.body().to_owned(),
        kind: d.kind().as_str().to_owned(),
    };
    if let Some(push) = d.push_operation() {
        return WebhookEvent::PushOperation {
            delivery,
            operation_key: push.key,
            status: PushOperationStatus::from_core(&push.status),
            data_type: push.data_type.map(|t| t.as_str().to_owned()),
            connection_id: push.connection_id,
        };
    }
    match d.event() {
        model::WebhookEvent::SourceAccount(w) => {
            let payload = w.payload.as_ref();
            let account = payload.and_then(|p| p.source_account.as_ref());
            WebhookEvent::SourceAccount {
                connected: w.event_type == Some(model::WebhookEventType::SourceAccountConnected),
                account_id: account.map(|a| a.id().to_owned()),
                account_status: account
                    .and_then(|a| a.status())
                    .map(SourceAccountStatus::from_core),
                connection_id: payload.and_then(|p| p.connection_id.clone()),
                delivery,
            }
        }
        model::WebhookEvent::ClientRateLimit(w) => {
            let payload = w.payload.as_ref();
            WebhookEvent::RateLimit {
                reached: w.event_type == Some(model::WebhookEventType::ClientRateLimitReached),
                daily_quota: payload.and_then(|p| p.daily_quota),
                quota_remaining: payload.and_then(|p| p.quota_remaining),
                expiry_date: payload
                    .and_then(|p| p.expiry_date.as_ref())
                    .map(|d| match d {
                        model::LenientTimestamp::Valid(t) => t.to_string(),
                        model::LenientTimestamp::Invalid(text) => text.clone(),
                    }),
                delivery,
            }
        }
        _ => WebhookEvent::Other { delivery },
    }
}
