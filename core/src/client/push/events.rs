//! Waiting by webhook: see [`PushEvents`].

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::client::{Error, PushOperations, WaitOptions};
use crate::model::{PushOperation, PushOperationStatus, PushOperationUpdate, WebhookEvent};

/// Updates kept for operations no push has asked about yet (the oldest go first).
const KEPT: usize = 10_000;

/// The longest a waiting push sleeps between looks at its lease and its deadline.
const TICK: Duration = Duration::from_secs(20);

/// Waiting by webhook: push-operation updates an application feeds in from its webhook receiver,
/// so a push waits for them instead of polling (every poll costs a request of the day's quota).
///
/// ```no_run
/// # async fn run(client: bankfeeds::client::Client, rows: Vec<bankfeeds::model::BankTransaction>) -> Result<(), bankfeeds::client::Error> {
/// use bankfeeds::client::{PushEvents, PushOptions};
/// let events = PushEvents::new();
/// // In the webhook receiver, after verifying the delivery (bankfeeds::webhook::verify):
/// //     events.deliver_event(delivery.event());
/// let options = PushOptions::new().events(events.clone());
/// let report = client.push_transactions("company", "connection", "acc-001", rows, &options).await?;
/// # let _ = report; Ok(()) }
/// ```
///
/// Polling stays the fallback: while it waits for an update, the push still reads the operation
/// every [`PushEvents::fallback`] (60 s by default), so a lost or late webhook only makes it
/// slower. When an update says the operation ended, the push reads it once (for Codat's
/// validation messages) and moves on.
///
/// Cheap to clone (the clones share one feed), safe to feed from any thread.
#[derive(Clone)]
pub struct PushEvents {
    inner: Arc<Inner>,
}

struct Inner {
    seen: Mutex<Seen>,
    notify: Notify,
    fallback: Duration,
}

#[derive(Default)]
struct Seen {
    status: HashMap<String, PushOperationStatus>,
    order: VecDeque<String>,
}

impl fmt::Debug for PushEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushEvents")
            .field("fallback", &self.inner.fallback)
            .field("waiting_updates", &self.lock().status.len())
            .finish()
    }
}

impl Default for PushEvents {
    fn default() -> Self {
        Self::with_fallback(Duration::from_secs(60))
    }
}

impl PushEvents {
    /// A feed whose pushes fall back to reading the operation every 60 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// A feed whose pushes fall back to reading the operation every `fallback` (at least 1 s).
    pub fn with_fallback(fallback: Duration) -> Self {
        PushEvents {
            inner: Arc::new(Inner {
                seen: Mutex::new(Seen::default()),
                notify: Notify::new(),
                fallback: fallback.max(Duration::from_secs(1)),
            }),
        }
    }

    /// How often a waiting push reads its operation anyway.
    pub fn fallback(&self) -> Duration {
        self.inner.fallback
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.inner.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Feeds one update (from a verified webhook). Updates for operations no push waits for are
    /// kept (the newest 10,000), so one that arrives before its push starts waiting still counts.
    pub fn deliver(&self, update: PushOperationUpdate) {
        {
            let mut seen = self.lock();
            if seen
                .status
                .insert(update.key.clone(), update.status)
                .is_none()
            {
                seen.order.push_back(update.key);
                while seen.order.len() > KEPT {
                    if let Some(old) = seen.order.pop_front() {
                        seen.status.remove(&old);
                    }
                }
            }
        }
        self.inner.notify.notify_waiters();
    }

    /// Feeds a verified webhook event; returns whether it was about a push operation (other
    /// events are ignored).
    pub fn deliver_event(&self, event: &WebhookEvent) -> bool {
        match event.push_operation() {
            Some(update) => {
                self.deliver(update);
                true
            }
            None => false,
        }
    }

    /// The last status delivered for an operation, if any.
    pub fn status(&self, operation_key: &str) -> Option<PushOperationStatus> {
        self.lock().status.get(operation_key).cloned()
    }

    fn forget(&self, operation_key: &str) {
        let mut seen = self.lock();
        if seen.status.remove(operation_key).is_some() {
            seen.order.retain(|k| k != operation_key);
        }
    }

    /// Waits for an operation to end: at once when an update says it ended (then it is read once,
    /// for its details), otherwise reading it every [`PushEvents::fallback`], for at most
    /// `wait.timeout`. `on_wake` is called with every read, and with `None` at least every 20 s.
    pub(crate) async fn wait(
        &self,
        ops: &PushOperations<'_>,
        key: &str,
        wait: &WaitOptions,
        mut on_wake: impl FnMut(Option<&PushOperation>) + Send,
    ) -> Result<PushOperation, Error> {
        let started = Instant::now();
        let mut last_read = started;
        let mut last_status = PushOperationStatus::Pending;
        loop {
            // Registered before looking, so an update delivered in between still wakes us.
            let notified = self.inner.notify.notified();
            let told_final = self.status(key).is_some_and(|s| s.is_final());
            let due = last_read.elapsed() >= self.inner.fallback;
            if told_final || due {
                let op = ops.get(key).await?;
                last_read = Instant::now();
                on_wake(Some(&op));
                last_status = op.status.clone();
                if op.is_final() {
                    self.forget(key);
                    return Ok(op);
                }
                if told_final {
                    // Codat has not caught up with its own webhook: poll until it has.
                    self.forget(key);
                }
            }
            let waited = started.elapsed();
            let Some(left) = wait.timeout.checked_sub(waited).filter(|l| !l.is_zero()) else {
                return Err(Error::WaitTimeout {
                    operation_key: key.to_owned(),
                    status: last_status,
                    waited,
                });
            };
            let until_poll = self.inner.fallback.saturating_sub(last_read.elapsed());
            let nap = left.min(until_poll).min(TICK).max(Duration::from_millis(1));
            let _ = tokio::time::timeout(nap, notified).await;
            on_wake(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::client::testing::{answer, builder, scripted};
    use crate::client::transport::Method;

    fn op(status: &str) -> String {
        format!(
            r#"{{"companyId":"c1","pushOperationKey":"k1","dataConnectionKey":"d","requestedOnUtc":"2024-05-01T00:00:00Z","status":"{status}","statusCode":200}}"#
        )
    }

    fn update(status: PushOperationStatus) -> PushOperationUpdate {
        PushOperationUpdate {
            key: "k1".into(),
            status,
            data_type: None,
            connection_id: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_update_ends_the_wait_with_one_read_instead_of_polling() {
        let done = Arc::new(AtomicU32::new(0));
        let flag = done.clone();
        let (client, t) = scripted(builder(30), move |_| {
            answer(
                200,
                &op(if flag.load(Ordering::SeqCst) == 1 {
                    "Success"
                } else {
                    "Pending"
                }),
            )
        });
        let events = PushEvents::with_fallback(Duration::from_secs(60));
        let feeder = events.clone();
        let marker = done.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(7)).await;
            marker.store(1, Ordering::SeqCst);
            feeder.deliver(update(PushOperationStatus::Success));
        });
        let started = Instant::now();
        let ops = client.push_operations("c1");
        let got = events
            .wait(&ops, "k1", &WaitOptions::default(), |_| {})
            .await
            .unwrap();
        assert_eq!(got.status, PushOperationStatus::Success);
        assert_eq!(started.elapsed(), Duration::from_secs(7));
        assert_eq!(
            t.count(Method::Get, "/companies/c1/push/k1"),
            1,
            "one read, no polls"
        );
        assert_eq!(events.status("k1"), None, "consumed");
    }

    #[tokio::test(start_paused = true)]
    async fn without_updates_it_falls_back_to_polling() {
        let reads = Arc::new(AtomicU32::new(0));
        let count = reads.clone();
        let (client, _) = scripted(builder(30), move |_| {
            let n = count.fetch_add(1, Ordering::SeqCst);
            answer(200, &op(if n >= 2 { "Failed" } else { "Pending" }))
        });
        let events = PushEvents::with_fallback(Duration::from_secs(10));
        let started = Instant::now();
        let mut ticks = 0;
        let got = events
            .wait(
                &client.push_operations("c1"),
                "k1",
                &WaitOptions::default(),
                |read| ticks += usize::from(read.is_none()),
            )
            .await
            .unwrap();
        assert_eq!(got.status, PushOperationStatus::Failed);
        assert_eq!(started.elapsed(), Duration::from_secs(30));
        assert_eq!(reads.load(Ordering::SeqCst), 3);
        assert!(ticks >= 3);
    }

    #[tokio::test(start_paused = true)]
    async fn an_update_before_the_wait_counts_and_a_server_behind_its_webhook_is_polled() {
        let reads = Arc::new(AtomicU32::new(0));
        let count = reads.clone();
        let (client, _) = scripted(builder(30), move |_| {
            // The first read still says Pending although the webhook said Success.
            let n = count.fetch_add(1, Ordering::SeqCst);
            answer(200, &op(if n >= 1 { "Success" } else { "Pending" }))
        });
        let events = PushEvents::with_fallback(Duration::from_secs(5));
        events.deliver(update(PushOperationStatus::Success));
        let got = events
            .wait(
                &client.push_operations("c1"),
                "k1",
                &WaitOptions::default(),
                |_| {},
            )
            .await
            .unwrap();
        assert_eq!(got.status, PushOperationStatus::Success);
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_wait_ends_at_its_timeout() {
        let (client, _) = scripted(builder(30), move |_| answer(200, &op("Pending")));
        let events = PushEvents::with_fallback(Duration::from_secs(60));
        let err = events
            .wait(
                &client.push_operations("c1"),
                "k1",
                &WaitOptions::every(Duration::from_secs(1), Duration::from_secs(90)),
                |_| {},
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::WaitTimeout { .. }), "{err}");
    }

    #[test]
    fn updates_are_bounded_and_other_events_ignored() {
        let events = PushEvents::new();
        for n in 0..(KEPT + 5) {
            events.deliver(PushOperationUpdate {
                key: format!("k{n}"),
                ..update(PushOperationStatus::Success)
            });
        }
        assert_eq!(events.lock().status.len(), KEPT);
        assert_eq!(events.status("k0"), None);
        assert!(events.status(&format!("k{}", KEPT + 4)).is_some());
        let other: WebhookEvent = serde_json::from_str(
            r#"{"eventType":"client.rateLimit.reached","generatedDate":"2024-05-01T00:00:00Z","payload":{"dailyQuota":12000,"quotaRemaining":0,"expiresUtc":"2024-05-02T00:00:00Z"}}"#,
        )
        .unwrap();
        assert!(!events.deliver_event(&other));
    }
}
