//! Push operations: reading them, listing them and waiting for one to finish (`get-create-operation`
//! and `list-create-operations` in the spec).

use std::time::Duration;

use super::paging::{ListQuery, Pager};
use super::request::{Call, grow};
use super::{Client, Error};
use crate::model::{PushOperation, PushOperationWithData};

/// A push operation as the list returns it. The spec's `PushOperation` has no `data`, but
/// servers may echo the pushed record there (the answer to a push does), and the client reads
/// it when present to tell which transactions an operation carried.
pub type PushOperationEntry = PushOperationWithData<serde_json::Value>;

/// How [`PushOperations::wait`] polls: from `poll_interval`, growing by `backoff` up to
/// `max_poll_interval`, for at most `timeout`.
///
/// Each poll costs a request of the daily quota; a webhook ("Push Operation Status Changed",
/// see [`crate::webhook`]) costs none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitOptions {
    /// The first wait (1 s).
    pub poll_interval: Duration,
    /// The longest wait between polls (15 s).
    pub max_poll_interval: Duration,
    /// Growth of the wait after each poll (1.5).
    pub backoff: f64,
    /// How long to wait in all before giving up with [`Error::WaitTimeout`] (30 min).
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            poll_interval: Duration::from_secs(1),
            max_poll_interval: Duration::from_secs(15),
            backoff: 1.5,
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

impl WaitOptions {
    /// Polls every `interval`, without growth, for at most `timeout`.
    pub fn every(interval: Duration, timeout: Duration) -> Self {
        WaitOptions {
            poll_interval: interval,
            max_poll_interval: interval,
            backoff: 1.0,
            timeout,
        }
    }
}

/// The push operation endpoints of one company; from [`Client::push_operations`].
#[derive(Debug, Clone, Copy)]
pub struct PushOperations<'a> {
    pub(crate) client: &'a Client,
    pub(crate) company_id: &'a str,
}

impl PushOperations<'_> {
    /// One push operation (`get-create-operation`).
    pub async fn get(&self, push_operation_key: &str) -> Result<PushOperation, Error> {
        let call = Call::get(["companies", self.company_id, "push", push_operation_key]);
        self.client.fetch(&call).await
    }

    /// The company's push operations (`list-create-operations`), e.g. a connection's bank
    /// transaction pushes newest first:
    ///
    /// ```no_run
    /// # async fn run(client: bankfeeds::client::Client) -> Result<(), bankfeeds::client::Error> {
    /// use bankfeeds::client::ListQuery;
    /// let query = ListQuery::new()
    ///     .query("dataConnectionKey=connection-id&&dataType=bankTransactions")
    ///     .order_by("-requestedOnUtc");
    /// let page = client.push_operations("company-id").list(query).first().await?;
    /// for op in &page {
    ///     println!("{} {}", op.push_operation_key, op.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self, query: ListQuery) -> Pager<PushOperationEntry> {
        Pager::new(
            self.client,
            vec!["companies".into(), self.company_id.into(), "push".into()],
            query,
        )
    }

    /// Polls a push operation until it is `Success`, `Failed` or `TimedOut`, and returns it.
    /// Fails with [`Error::WaitTimeout`] when `options.timeout` passes first.
    pub async fn wait(
        &self,
        push_operation_key: &str,
        options: &WaitOptions,
    ) -> Result<PushOperation, Error> {
        self.wait_with(push_operation_key, options, |_| {}).await
    }

    /// [`PushOperations::wait`], calling `on_poll` with each status read.
    pub async fn wait_with(
        &self,
        push_operation_key: &str,
        options: &WaitOptions,
        mut on_poll: impl FnMut(&PushOperation) + Send,
    ) -> Result<PushOperation, Error> {
        let started = tokio::time::Instant::now();
        let mut interval = options.poll_interval;
        loop {
            let op = self.get(push_operation_key).await?;
            on_poll(&op);
            if op.is_final() {
                return Ok(op);
            }
            let waited = started.elapsed();
            if waited
                .checked_add(interval)
                .is_none_or(|end| end > options.timeout)
            {
                return Err(Error::WaitTimeout {
                    operation_key: push_operation_key.to_owned(),
                    status: op.status,
                    waited,
                });
            }
            tokio::time::sleep(interval).await;
            interval = grow(interval, options.backoff, options.max_poll_interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::testing::{answer, builder, scripted};

    const PENDING: &str = r#"{"companyId":"c1","pushOperationKey":"p1","dataConnectionKey":"k1","requestedOnUtc":"2024-05-01T00:00:00Z","status":"Pending","statusCode":202}"#;

    #[tokio::test(start_paused = true)]
    async fn waits_of_any_length_end_without_overflow() {
        // Intervals and timeouts as long as a Duration gets: a wait is cut to what the timer can
        // count, and a next poll that would end past any clock ends the wait with WaitTimeout
        // instead of panicking.
        for (options, polls) in [
            (
                WaitOptions {
                    poll_interval: Duration::MAX,
                    max_poll_interval: Duration::MAX,
                    backoff: f64::MAX,
                    timeout: Duration::MAX,
                },
                2,
            ),
            (
                WaitOptions::every(Duration::from_secs(u64::MAX), Duration::MAX),
                2,
            ),
            (
                WaitOptions::every(Duration::MAX, Duration::from_secs(60)),
                1,
            ),
        ] {
            let (client, t) = scripted(builder(1), |_| answer(200, PENDING));
            let err = client
                .push_operations("c1")
                .wait("p1", &options)
                .await
                .unwrap_err();
            assert!(matches!(err, Error::WaitTimeout { .. }), "{err:?}");
            assert_eq!(t.requests().len(), polls);
        }
        // Growth saturates: a long wait with a huge backoff polls, then times out.
        let options = WaitOptions {
            poll_interval: Duration::from_secs(1),
            max_poll_interval: Duration::MAX,
            backoff: f64::MAX,
            timeout: Duration::from_secs(10),
        };
        let (client, t) = scripted(builder(1), |_| answer(200, PENDING));
        let err = client
            .push_operations("c1")
            .wait("p1", &options)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::WaitTimeout { .. }), "{err:?}");
        assert_eq!(t.requests().len(), 2);
    }
}
