//! Webhooks the sandbox sends, as Codat's webhook service (Svix) does: each event signed with the
//! core's signer ([`bankfeeds::webhook::Verifier::signed_headers`]: `svix-id`, `svix-timestamp`,
//! `svix-signature`) and POSTed to one URL, at least once.
//!
//! Events, as the core parses them back ([`bankfeeds::webhook::verify`]):
//!
//! - `bankFeeds.sourceAccount.connected` when a source account becomes `connected` (mapped by the
//!   customer through `/sandbox/.../map`, or an API mapping that finished connecting), and
//!   `bankFeeds.sourceAccount.disconnected` when one is set to `disconnected`;
//! - `{dataType}.write.successful` / `.unsuccessful` when a push operation ends (`Success`, or
//!   `Failed` / `TimedOut`), with `payload.id` the push operation key and `payload.status` its
//!   status (for bank transactions `bankTransactions.write.*`, for a bank account
//!   `bankAccounts.write.*`);
//! - `client.rateLimit.reached` when a `rateLimit` fault first fires, and
//!   `client.rateLimit.reset` once its `Retry-After` has passed.
//!
//! Delivery never blocks a request and does no I/O under the sandbox's lock: the store hands each
//! event to a channel (a non-blocking send), and a background task delivers it. An answer other
//! than 2xx, or none within the timeout, is retried after the next delay of the retry schedule
//! (Svix's 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h compressed to milliseconds by default), with
//! the same message id and a fresh timestamp and signature each time, until the schedule runs out.
//!
//! While webhooks are on, a second background task applies what falls due (pushes ending, API
//! mappings connecting, the rate limit resetting) as it falls due, instead of at the next request,
//! so events go out without the client polling.
//!
//! `GET /sandbox/webhooks` lists the last [`MAX_MESSAGES_KEPT`] messages with every attempt;
//! older ones are dropped from the list (and counted), so memory stays bounded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bankfeeds::dates::Timestamp;
use bankfeeds::model::{
    AnySourceAccount, ClientRateLimitWebhook, ClientRateLimitWebhookPayload, CompanyReference,
    DataType, PushOperation, PushOperationStatus, SourceAccountWebhook,
    SourceAccountWebhookPayload, WebhookEventType, WriteRecord, WriteRequestType, WriteWebhook,
    WriteWebhookPayload,
};
use bankfeeds::webhook::Verifier;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use crate::Shared;

/// How many messages `GET /sandbox/webhooks` keeps; older ones are dropped from the list.
pub const MAX_MESSAGES_KEPT: usize = 1000;

/// The default retry delays: Svix's schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) with its
/// shape kept and its scale brought down to what a test waits for: eight attempts in all.
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_millis(50),
    Duration::from_millis(300),
    Duration::from_millis(1000),
    Duration::from_millis(2000),
    Duration::from_millis(5000),
    Duration::from_millis(10_000),
    Duration::from_millis(10_000),
];

/// How long one attempt waits for an answer by default (Codat gives a receiver 15 s).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// The nominal daily quota the rate limit events report (the sandbox has no real quota: a
/// `rateLimit` fault stands for it running out). The spec's own example figure.
pub const DAILY_QUOTA: i64 = 12_000;

/// How often the background task looks for what fell due when nothing is scheduled sooner.
const IDLE_TICK: Duration = Duration::from_millis(50);

/// Where and how the sandbox sends webhooks ([`crate::SandboxBuilder::webhooks`]).
#[derive(Debug, Clone)]
pub(crate) struct WebhookConfig {
    /// The receiver's URL (`http://` or `https://`).
    pub(crate) url: String,
    /// The signing secret, `whsec_` and base64, as Codat shows it.
    pub(crate) secret: String,
    /// The delay before each retry; attempts = its length + 1.
    pub(crate) retry_schedule: Vec<Duration>,
    /// How long one attempt waits for an answer.
    pub(crate) attempt_timeout: Duration,
}

impl WebhookConfig {
    /// Checks the URL and the secret; the message says what is wrong.
    pub(crate) fn check(&self) -> Result<Verifier, String> {
        let url = self.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
            return Err(format!(
                "the webhook URL `{}` is not an http:// or https:// URL",
                self.url
            ));
        }
        if self.retry_schedule.len() > 100 {
            return Err("the webhook retry schedule has more than 100 delays".into());
        }
        Verifier::new(&self.secret)
            .map_err(|_| "the webhook signing secret is not `whsec_` followed by base64".to_owned())
    }
}

/// One event for the receiver: its type and the JSON body to sign and send.
#[derive(Debug)]
pub(crate) struct Outgoing {
    event_type: String,
    body: Vec<u8>,
}

/// Where the store puts events; sending never blocks.
#[derive(Debug, Clone)]
pub(crate) struct Outbox(mpsc::UnboundedSender<Outgoing>);

impl Outbox {
    fn send<T: Serialize>(&self, event_type: &str, body: &T) {
        // Model types with plain fields: serialising cannot fail.
        if let Ok(body) = serde_json::to_vec(body) {
            // The receiving end lives as long as the sandbox; after shutdown nothing is sent.
            let _ = self.0.send(Outgoing {
                event_type: event_type.to_owned(),
                body,
            });
        }
    }

    /// `bankFeeds.sourceAccount.connected` or `.disconnected`.
    pub(crate) fn source_account(
        &self,
        connected: bool,
        company: CompanyReference,
        connection_id: &str,
        account: &AnySourceAccount,
    ) {
        let event_type = if connected {
            WebhookEventType::SourceAccountConnected
        } else {
            WebhookEventType::SourceAccountDisconnected
        };
        let body = SourceAccountWebhook {
            id: Some(uuid::Uuid::new_v4().to_string()),
            event_type: Some(event_type.clone()),
            generated_date: Some(Timestamp::now().into()),
            payload: Some(SourceAccountWebhookPayload {
                reference_company: Some(company),
                company_id: None,
                connection_id: Some(connection_id.to_owned()),
                source_account: Some(account.clone()),
            }),
        };
        self.send(event_type.as_str(), &body);
    }

    /// `{dataType}.write.successful` / `.unsuccessful` for a push operation that ended.
    pub(crate) fn push_ended(&self, company: CompanyReference, op: &PushOperation) {
        let successful = match op.status {
            PushOperationStatus::Success => true,
            PushOperationStatus::Failed | PushOperationStatus::TimedOut => false,
            _ => return,
        };
        let data_type = op.data_type.clone().unwrap_or(DataType::BankTransactions);
        let event_type = format!(
            "{}{}",
            data_type.as_str(),
            if successful {
                bankfeeds::model::WRITE_SUCCESSFUL
            } else {
                bankfeeds::model::WRITE_UNSUCCESSFUL
            }
        );
        // The record created, when the push made one with an id (a bank account).
        let record = op
            .changes
            .iter()
            .flatten()
            .filter_map(|c| c.record_ref.as_ref()?.id.clone())
            .next()
            .filter(|_| successful)
            .map(|id| WriteRecord { id: Some(id) });
        let body = WriteWebhook {
            id: Some(uuid::Uuid::new_v4().to_string()),
            event_type: event_type.clone(),
            generated_date: Some(Timestamp::now().into()),
            payload: WriteWebhookPayload {
                id: op.push_operation_key.clone(),
                request_type: Some(WriteRequestType::Create),
                reference_company: Some(company),
                connection_id: Some(op.data_connection_key.clone()),
                requested_on_date: Some(op.requested_on_utc.into()),
                completed_on_date: op.completed_on_utc.map(Into::into),
                status: op.status.clone(),
                record,
                attachment_id: None,
            },
        };
        self.send(&event_type, &body);
    }

    /// `client.rateLimit.reached` (none remaining until `expiry`) or `.reset`.
    fn rate_limit(&self, reached: bool, expiry: Timestamp) {
        let event_type = if reached {
            WebhookEventType::ClientRateLimitReached
        } else {
            WebhookEventType::ClientRateLimitReset
        };
        let body = ClientRateLimitWebhook {
            id: Some(uuid::Uuid::new_v4().to_string()),
            event_type: Some(event_type.clone()),
            generated_date: Some(Timestamp::now().into()),
            payload: Some(ClientRateLimitWebhookPayload {
                daily_quota: Some(DAILY_QUOTA),
                quota_remaining: Some(if reached { 0 } else { DAILY_QUOTA }),
                expiry_date: Some(expiry.into()),
            }),
        };
        self.send(event_type.as_str(), &body);
    }
}

/// The rate limit as the webhooks see it: reached until an instant, or not.
#[derive(Debug, Default)]
pub(crate) struct Quota {
    reached_until: Option<Instant>,
}

impl Quota {
    /// A `rateLimit` fault fired: the first one of a spell sends `client.rateLimit.reached`.
    pub(crate) fn fault_fired(&mut self, outbox: Option<&Outbox>, retry_after: Duration) {
        let Some(outbox) = outbox else { return };
        let now = Instant::now();
        if self.reached_until.is_some_and(|until| until > now) {
            return;
        }
        self.reached_until = Some(now + retry_after);
        outbox.rate_limit(true, in_the_future(retry_after));
    }

    /// Sends `client.rateLimit.reset` once the spell is over.
    fn settle(&mut self, outbox: Option<&Outbox>, now: Instant) {
        if let (Some(until), Some(outbox)) = (self.reached_until, outbox)
            && until <= now
        {
            self.reached_until = None;
            // The next reset a day on, as a daily quota has it.
            outbox.rate_limit(false, in_the_future(Duration::from_secs(86_400)));
        }
    }

    fn due(&self) -> Option<Instant> {
        self.reached_until
    }
}

fn in_the_future(d: Duration) -> Timestamp {
    let now = chrono::Utc::now();
    let later = chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now);
    Timestamp::new(later)
}

// ---- the delivery log ------------------------------------------------------------------------

/// One attempt to deliver a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAttempt {
    /// When it was sent (the signed `svix-timestamp`, to the second, is this time).
    pub at: Timestamp,
    /// The receiver's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why there was no usable answer (connection refused, timeout...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long the attempt took, in milliseconds.
    pub duration_ms: u64,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WebhookState {
    /// Not yet delivered; another attempt will be made.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt of the schedule failed; no more will be made.
    Failed,
}

/// One message: the same id on every attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookMessage {
    /// The message id (`svix-id`).
    pub id: String,
    /// The event's type.
    pub event_type: String,
    /// When the event happened and the message was made.
    pub created_at: Timestamp,
    /// Whether a 2xx answer was received.
    pub delivered: bool,
    /// Where the message stands.
    pub state: WebhookState,
    /// Every attempt so far, oldest first.
    pub attempts: Vec<WebhookAttempt>,
    /// The body sent (the same bytes on every attempt), as JSON.
    pub body: Box<RawValue>,
}

/// The answer of `GET /sandbox/webhooks`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookLog {
    /// Where deliveries go.
    pub url: String,
    /// The most recent messages, oldest first (at most [`MAX_MESSAGES_KEPT`]).
    pub messages: Vec<WebhookMessage>,
    /// How many older messages were dropped from the list.
    pub dropped: u64,
}

#[derive(Debug, Default)]
struct LogInner {
    messages: VecDeque<WebhookMessage>,
    dropped: u64,
}

/// The delivery log, behind its own small lock (never the sandbox's).
#[derive(Debug, Default)]
pub(crate) struct Log(Mutex<LogInner>);

impl Log {
    fn lock(&self) -> std::sync::MutexGuard<'_, LogInner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, message: WebhookMessage) {
        let mut log = self.lock();
        if log.messages.len() >= MAX_MESSAGES_KEPT {
            log.messages.pop_front();
            log.dropped += 1;
        }
        log.messages.push_back(message);
    }

    fn record(&self, id: &str, attempt: WebhookAttempt, state: WebhookState) {
        let mut log = self.lock();
        // Dropped from the list meanwhile: nothing to update.
        if let Some(m) = log.messages.iter_mut().rev().find(|m| m.id == id) {
            m.attempts.push(attempt);
            m.state = state;
            m.delivered = state == WebhookState::Delivered;
        }
    }

    pub(crate) fn snapshot(&self, url: &str) -> WebhookLog {
        let log = self.lock();
        WebhookLog {
            url: url.to_owned(),
            messages: log.messages.iter().cloned().collect(),
            dropped: log.dropped,
        }
    }

    pub(crate) fn clear(&self) {
        let mut log = self.lock();
        log.dropped += log.messages.len() as u64;
        log.messages.clear();
    }
}

/// What the running sandbox keeps for its webhooks.
#[derive(Debug)]
pub(crate) struct Webhooks {
    pub(crate) config: WebhookConfig,
    pub(crate) log: Log,
}

/// The sending end for the store and the receiving end for [`run`].
pub(crate) fn channel() -> (Outbox, mpsc::UnboundedReceiver<Outgoing>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Outbox(tx), rx)
}

/// Starts the background tasks: one applies what falls due, one delivers what the store sends.
/// Both stop when the sandbox shuts down.
pub(crate) fn spawn(shared: Arc<Shared>, events: mpsc::UnboundedReceiver<Outgoing>) {
    tokio::spawn(settle_loop(shared.clone()));
    tokio::spawn(deliver_loop(shared, events));
}

async fn settle_loop(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let next = {
            let mut state = shared.lock();
            let crate::State {
                store,
                stats,
                quota,
                ..
            } = &mut *state;
            let now = Instant::now();
            store.settle(now, &shared.settings, stats);
            quota.settle(store.outbox.as_ref(), now);
            [store.next_due(), quota.due()].into_iter().flatten().min()
        };
        let now = Instant::now();
        let wait = next
            .map(|due| due.saturating_duration_since(now))
            .unwrap_or(IDLE_TICK)
            .min(IDLE_TICK);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

async fn deliver_loop(shared: Arc<Shared>, mut events: mpsc::UnboundedReceiver<Outgoing>) {
    let Some(hooks) = shared.webhooks.as_ref() else {
        return;
    };
    let Ok(verifier) = hooks.config.check() else {
        return;
    };
    // Built once; `start` checked that it builds.
    let Ok(client) = http_client(&hooks.config) else {
        return;
    };
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let event = tokio::select! {
            event = events.recv() => match event {
                Some(event) => event,
                None => return,
            },
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let body = String::from_utf8(event.body).unwrap_or_default();
        let Ok(raw) = RawValue::from_string(body.clone()) else {
            continue;
        };
        hooks.log.add(WebhookMessage {
            id: id.clone(),
            event_type: event.event_type.clone(),
            created_at: Timestamp::now(),
            delivered: false,
            state: WebhookState::Pending,
            attempts: Vec::new(),
            body: raw,
        });
        let task = deliver(
            shared.clone(),
            client.clone(),
            verifier.clone(),
            id,
            body.into_bytes(),
        );
        let mut stop = shared.shutdown.subscribe();
        tokio::spawn(async move {
            tokio::select! {
                _ = task => {}
                _ = stop.wait_for(|stop| *stop) => {}
            }
        });
    }
}

pub(crate) fn http_client(config: &WebhookConfig) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(config.attempt_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("the webhook sender cannot start: {e}"))
}

/// Delivers one message: attempts until a 2xx answer or the schedule runs out, the same id and
/// body each time, a fresh timestamp and signature on each attempt.
async fn deliver(
    shared: Arc<Shared>,
    client: reqwest::Client,
    verifier: Verifier,
    id: String,
    body: Vec<u8>,
) {
    let Some(hooks) = shared.webhooks.as_ref() else {
        return;
    };
    let schedule = &hooks.config.retry_schedule;
    for attempt in 0..=schedule.len() {
        let at = Timestamp::now();
        let started = Instant::now();
        let signed = verifier.signed_headers(&id, at.utc().timestamp(), &body);
        let sent = client
            .post(hooks.config.url.trim())
            .header("content-type", "application/json")
            .header("svix-id", &signed.id)
            .header("svix-timestamp", &signed.timestamp)
            .header("svix-signature", &signed.signature)
            .body(body.clone())
            .send()
            .await;
        let (status, error) = match sent {
            Ok(answer) => (Some(answer.status().as_u16()), None),
            Err(e) if e.is_timeout() => (
                None,
                Some(format!(
                    "no answer within {} ms",
                    hooks.config.attempt_timeout.as_millis()
                )),
            ),
            Err(e) => (None, Some(error_chain(&e))),
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        let last = attempt == schedule.len();
        let state = if delivered {
            WebhookState::Delivered
        } else if last {
            WebhookState::Failed
        } else {
            WebhookState::Pending
        };
        hooks.log.record(
            &id,
            WebhookAttempt {
                at,
                status,
                error,
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            },
            state,
        );
        if delivered || last {
            return;
        }
        tokio::time::sleep(schedule[attempt]).await;
    }
}

/// An error with its causes, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
