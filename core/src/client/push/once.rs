//! One batch, pushed at most once: a push whose outcome is unknown is looked up before it is
//! ever sent again.
//!
//! # Strategy
//!
//! A push (`POST .../bankTransactions`) is not idempotent: sent twice, it books the transactions
//! twice. So [`Transactions::push_batch`] sorts every failed attempt into one of three cases:
//!
//! 1. **Certainly not processed**: `429`, `408`, or the connection was never made. Sent again
//!    after the retry policy's backoff (honouring `Retry-After`).
//! 2. **Refused**: any other `4xx` (e.g. `400` with Codat's validation). Returned at once.
//! 3. **Unknown**: a timeout, a connection dropped after the request may have been written, a
//!    `5xx`, or a `2xx` whose body could not be read. The push may have been accepted. After
//!    [`LookupOptions::delay`], the client lists the company's push operations, newest first,
//!    filtered by `dataConnectionKey` and `dataType=bankTransactions`, and examines those
//!    requested since the first attempt began (less [`LookupOptions::clock_skew`]):
//!    - an operation whose `data` names the same account and exactly the batch's transaction ids
//!      **is** this push: it is returned (`recovered`), never sent again;
//!    - an operation without `data` on the connection, requested in the window and not one of the
//!      operations the caller already knows ([`PushBatchOptions::known_operations`]), is taken to
//!      be this push (see the limits);
//!    - when none matches, the push was not accepted, and it is sent again after the backoff;
//!    - when the look-up itself fails, nothing is sent again: the call fails with
//!      [`Error::PushOutcomeUnknown`].
//!
//! # Limits
//!
//! - The look-up relies on the push being recorded by the time it looks ([`LookupOptions::delay`]
//!   after the failure). A server that records a push minutes after it dropped the connection can
//!   still see it twice.
//! - Without `data` on operations, matching relies on there being one pusher per connection at a
//!   time (which ordered bank feeds need anyway): another process's push in the window would be
//!   taken for this one, and this batch would be reported as pushed when it was not.
//! - Server clocks further behind than `clock_skew` hide the operation from the window.
//! - The look-up asks for the newest operations first but does not rely on it: a server that
//!   ignores `orderBy` is read to the end, up to [`LookupOptions::max_operations`] operations;
//!   beyond that the outcome stays unknown ([`Error::LookupIncomplete`]) and nothing is resent.

use std::collections::HashSet;

use chrono::{TimeDelta, Utc};
use futures_util::StreamExt as _;
use serde::Deserialize;

use super::LookupOptions;
use crate::client::error::Error;
use crate::client::paging::ListQuery;
use crate::client::request::{Retry, decode, not_processed};
use crate::client::retry::Backoff;
use crate::client::{PushOperationEntry, PushOperations, PushParams, Transactions};
use crate::dates::{LocalDateTime, Timestamp};
use crate::model::{
    CreateBankTransactions, CreateBankTransactionsResponse, DataType, PushOperation,
    PushOperationWithData,
};

/// Options of [`Transactions::push_batch`].
#[derive(Debug, Clone, Default)]
pub struct PushBatchOptions {
    /// Query parameters sent with the push.
    pub params: PushParams,
    /// How an unknown outcome is looked up.
    pub lookup: LookupOptions,
    /// Push operations known not to be this push (earlier batches, older operations): never
    /// taken for it.
    pub known_operations: HashSet<String>,
}

/// A batch accepted by Codat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedBatch {
    /// Its push operation, as the push answered or as the look-up found it.
    pub operation: PushOperation,
    /// Whether the push's answer was lost and the operation was found by looking it up.
    pub recovered: bool,
    /// Attempts made (1 when the first went through).
    pub attempts: u32,
}

/// The part of a push operation's `data` the client reads: which account, which transactions.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PushedData {
    pub(crate) account_id: String,
    #[serde(default)]
    pub(crate) transactions: Vec<PushedTransaction>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PushedTransaction {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) date: Option<LocalDateTime>,
}

impl PushedData {
    pub(crate) fn read(entry: &PushOperationWithData<serde_json::Value>) -> Option<PushedData> {
        let value = entry.data.as_ref()?;
        PushedData::deserialize(value).ok()
    }
}

/// What an operation's `data` says about a batch (an account and its transaction ids).
pub(crate) enum Carried {
    /// The same account and exactly the same ids.
    Same,
    /// Something else (or `data` that cannot be read).
    Other,
    /// No `data`: it cannot say.
    Unknown,
}

pub(crate) fn carried(
    entry: &PushOperationWithData<serde_json::Value>,
    account_id: &str,
    ids: &HashSet<&str>,
) -> Carried {
    match PushedData::read(entry) {
        Some(data)
            if data.account_id == account_id
                && data.transactions.len() == ids.len()
                && data
                    .transactions
                    .iter()
                    .all(|t| ids.contains(t.id.as_str())) =>
        {
            Carried::Same
        }
        None if entry.data.is_none() => Carried::Unknown,
        _ => Carried::Other,
    }
}

/// Whether an operation is a bank transactions push on the connection.
pub(crate) fn is_bank_push(
    entry: &PushOperationWithData<serde_json::Value>,
    connection_id: &str,
) -> bool {
    entry
        .data_connection_key
        .eq_ignore_ascii_case(connection_id)
        && entry
            .data_type
            .as_ref()
            .is_none_or(|t| *t == DataType::BankTransactions)
}

/// The query that lists a connection's bank transaction pushes.
pub(crate) fn bank_push_query(connection_id: &str) -> String {
    format!("dataConnectionKey={connection_id}&&dataType=bankTransactions")
}

impl Transactions<'_> {
    /// Pushes one batch so that it is accepted at most once; see the [module docs](self) for the
    /// strategy and its limits.
    ///
    /// Returns the push operation (usually `Pending`: wait for it with
    /// [`PushOperations::wait`]). Fails with the refusal for a `4xx`, with the last error when the
    /// retry policy gives up on a push that was certainly not accepted, and with
    /// [`Error::PushOutcomeUnknown`] when the outcome could not be found out.
    ///
    /// ```no_run
    /// # async fn run(client: bankfeeds::client::Client, body: bankfeeds::model::CreateBankTransactions)
    /// # -> Result<(), bankfeeds::client::Error> {
    /// use bankfeeds::client::{PushBatchOptions, WaitOptions};
    /// let tx = client.transactions("company-id", "connection-id");
    /// let pushed = tx.push_batch(&body, &PushBatchOptions::default()).await?;
    /// let done = client
    ///     .push_operations("company-id")
    ///     .wait(&pushed.operation.push_operation_key, &WaitOptions::default())
    ///     .await?;
    /// println!("{}", done.status);
    /// # Ok(()) }
    /// ```
    pub async fn push_batch(
        &self,
        body: &CreateBankTransactions,
        options: &PushBatchOptions,
    ) -> Result<PushedBatch, Error> {
        let call = self.push_call(body, &options.params)?;
        let skew = TimeDelta::from_std(options.lookup.clock_skew).unwrap_or(TimeDelta::MAX);
        let since = Timestamp::new(Utc::now().checked_sub_signed(skew).unwrap_or_default());
        let mut backoff = Backoff::new(&self.client.inner.retry, self.client.inner.jitter_seed);
        loop {
            let err = match self.client.attempt(&call).await {
                Ok(response) => {
                    match decode::<CreateBankTransactionsResponse>(&call, &response) {
                        Ok(answer) => {
                            return Ok(PushedBatch {
                                operation: answer.into(),
                                recovered: false,
                                attempts: backoff.attempts(),
                            });
                        }
                        // Accepted, but the answer is unreadable: find the operation instead.
                        Err(e) => e,
                    }
                }
                Err(e) => e,
            };
            let accepted_unreadable = matches!(err, Error::Decode { .. });
            let certainly_not = not_processed(&err);
            if !certainly_not && !accepted_unreadable && !err.is_retryable() {
                return Err(err);
            }
            if !certainly_not {
                tokio::time::sleep(options.lookup.delay).await;
                match self
                    .find_push(body, since, &options.known_operations, &options.lookup)
                    .await
                {
                    Ok(Some(operation)) => {
                        return Ok(PushedBatch {
                            operation,
                            recovered: true,
                            attempts: backoff.attempts(),
                        });
                    }
                    Ok(None) if accepted_unreadable => return Err(err),
                    Ok(None) => {}
                    Err(lookup) => {
                        return Err(Error::PushOutcomeUnknown {
                            account_id: body.account_id.clone(),
                            transactions: body.transactions.len(),
                            attempt: Box::new(err),
                            lookup: Box::new(lookup),
                        });
                    }
                }
            }
            // Not accepted: sending again is safe.
            if !self.client.may_retry(Retry::Safe, &err) {
                return Err(err);
            }
            match backoff.next_delay(err.retry_after()) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(err),
            }
        }
    }

    /// Looks for the push operation that carried `body`, requested at or after `since`: see the
    /// [module docs](self) for how operations are matched. `None` when there is none.
    ///
    /// Asks for the newest first, but does not rely on the server honouring that: the pages are
    /// read to the end, unless the order has been seen to be newest first (times that fall and
    /// never rise) and a page has reached operations older than the window. Fails with [`Error::LookupIncomplete`] when more than
    /// [`LookupOptions::max_operations`] would have to be read.
    pub async fn find_push(
        &self,
        body: &CreateBankTransactions,
        since: Timestamp,
        known_operations: &HashSet<String>,
        lookup: &LookupOptions,
    ) -> Result<Option<PushOperation>, Error> {
        let wanted: HashSet<&str> = body.transactions.iter().map(|t| t.id.as_str()).collect();
        let ops = PushOperations {
            client: self.client,
            company_id: self.company_id,
        };
        let query = ListQuery::new()
            .query(bank_push_query(self.connection_id))
            .order_by("-requestedOnUtc")
            .page_size(500);
        let mut pages = ops.list(query).pages();
        let mut examined = 0usize;
        let mut data_less: Option<PushOperationEntry> = None;
        // Newest first is believed only once seen: a strict decrease, and never an increase.
        let mut increased = false;
        let mut decreased = false;
        let mut previous: Option<Timestamp> = None;
        while let Some(page) = pages.next().await {
            let page = page?;
            let mut older_than_window = false;
            for entry in page.results {
                examined += 1;
                match previous.map(|p| entry.requested_on_utc.cmp(&p)) {
                    Some(std::cmp::Ordering::Greater) => increased = true,
                    Some(std::cmp::Ordering::Less) => decreased = true,
                    _ => {}
                }
                previous = Some(entry.requested_on_utc);
                if entry.requested_on_utc < since {
                    older_than_window = true;
                    continue;
                }
                if !is_bank_push(&entry, self.connection_id)
                    || known_operations.contains(&entry.push_operation_key)
                {
                    continue;
                }
                match carried(&entry, &body.account_id, &wanted) {
                    Carried::Same => return Ok(Some(entry.into())),
                    // The earliest data-less candidate in the window: the one nearest the first
                    // attempt.
                    Carried::Unknown
                        if data_less
                            .as_ref()
                            .is_none_or(|d| entry.requested_on_utc < d.requested_on_utc) =>
                    {
                        data_less = Some(entry);
                    }
                    _ => {}
                }
            }
            if older_than_window && decreased && !increased {
                break;
            }
            if examined >= lookup.max_operations {
                return Err(Error::LookupIncomplete { examined });
            }
        }
        Ok(data_less.map(PushOperation::from))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;
    use crate::ErrorCode;
    use crate::client::Client;
    use crate::client::testing::{answer, builder, page, scripted};
    use crate::client::transport::{Method, TransportError};
    use crate::model::BankTransaction;

    const PUSH: &str = "/companies/c1/connections/k1/push/bankAccounts/a1/bankTransactions";

    fn body(ids: &[&str]) -> CreateBankTransactions {
        CreateBankTransactions {
            account_id: "a1".into(),
            transactions: ids
                .iter()
                .map(|id| {
                    BankTransaction::new(
                        *id,
                        "2024-05-01".parse().unwrap(),
                        rust_decimal::Decimal::ONE,
                    )
                })
                .collect(),
        }
    }

    fn operation(key: &str, status: &str, data: Option<&CreateBankTransactions>) -> String {
        operation_at(key, status, data, &Timestamp::now().to_string())
    }

    fn operation_at(
        key: &str,
        status: &str,
        data: Option<&CreateBankTransactions>,
        requested: &str,
    ) -> String {
        let mut v = serde_json::json!({
            "companyId": "c1", "pushOperationKey": key, "dataConnectionKey": "k1",
            "requestedOnUtc": requested, "status": status, "statusCode": 202,
            "dataType": "bankTransactions"
        });
        if let Some(d) = data {
            v["data"] = serde_json::to_value(d).unwrap();
        }
        v.to_string()
    }

    /// A server whose push answers come from `pushes` in turn, and whose list of operations is
    /// `listed` (shared, so a test can add the operation a lost push created).
    fn server(
        pushes: Vec<Result<crate::client::transport::HttpResponse, TransportError>>,
        listed: Arc<Mutex<Vec<String>>>,
        list_fails: bool,
    ) -> (Client, Arc<crate::client::testing::Scripted>) {
        let n = AtomicU32::new(0);
        scripted(builder(30), move |seen| {
            if seen.method == Method::Post {
                let i = n.fetch_add(1, Ordering::SeqCst) as usize;
                pushes.get(i).cloned().unwrap_or_else(|| answer(500, "{}"))
            } else if list_fails {
                answer(503, "{}")
            } else {
                let items = listed.lock().unwrap().clone();
                let total = items.len() as u64;
                answer(200, &page(&items, 1, 100, total))
            }
        })
    }

    fn options() -> PushBatchOptions {
        PushBatchOptions {
            lookup: LookupOptions {
                delay: Duration::from_millis(10),
                ..LookupOptions::default()
            },
            ..PushBatchOptions::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_answer_is_found_not_resent() {
        let b = body(&["t1", "t2"]);
        let listed = Arc::new(Mutex::new(vec![
            operation(
                "other-account",
                "Success",
                Some(&CreateBankTransactions {
                    account_id: "a2".into(),
                    ..b.clone()
                }),
            ),
            operation("other-batch", "Success", Some(&body(&["t1"]))),
            operation("ours", "Pending", Some(&b)),
        ]));
        let (client, t) = server(vec![Err(TransportError::Timeout)], listed, false);
        let pushed = client
            .transactions("c1", "k1")
            .push_batch(&b, &options())
            .await
            .unwrap();
        assert_eq!(pushed.operation.push_operation_key, "ours");
        assert!(pushed.recovered);
        assert_eq!(t.count(Method::Post, PUSH), 1);
        let list = t
            .requests()
            .into_iter()
            .find(|s| s.method == Method::Get)
            .unwrap();
        assert!(
            list.target
                .contains("query=dataConnectionKey%3Dk1%26%26dataType%3DbankTransactions"),
            "{}",
            list.target
        );
        assert!(
            list.target.contains("orderBy=-requestedOnUtc"),
            "{}",
            list.target
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_push_that_did_not_land_is_sent_again() {
        let b = body(&["t1"]);
        let ok = operation("second", "Pending", Some(&b));
        let (client, t) = server(
            vec![
                answer(502, "<html>bad gateway</html>"),
                Err(TransportError::Failed("reset".into())),
                answer(200, &ok),
            ],
            Arc::new(Mutex::new(Vec::new())),
            false,
        );
        let pushed = client
            .transactions("c1", "k1")
            .push_batch(&b, &options())
            .await
            .unwrap();
        assert_eq!(pushed.operation.push_operation_key, "second");
        assert!(!pushed.recovered);
        assert_eq!(pushed.attempts, 3);
        assert_eq!(t.count(Method::Post, PUSH), 3);
        assert_eq!(
            t.count(Method::Get, "/companies/c1/push"),
            2,
            "one look-up per unknown outcome"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limits_are_resent_without_look_up() {
        let b = body(&["t1"]);
        let ok = operation("k", "Pending", Some(&b));
        let (client, t) = server(
            vec![
                answer(429, "{}"),
                Err(TransportError::NotSent("refused".into())),
                answer(200, &ok),
            ],
            Arc::new(Mutex::new(Vec::new())),
            false,
        );
        client
            .transactions("c1", "k1")
            .push_batch(&b, &options())
            .await
            .unwrap();
        assert_eq!(t.count(Method::Post, PUSH), 3);
        assert_eq!(t.count(Method::Get, "/companies/c1/push"), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn refusals_are_final() {
        let (client, t) = server(
            vec![answer(
                400,
                r#"{"statusCode":400,"error":"Invalid transactions"}"#,
            )],
            Arc::new(Mutex::new(Vec::new())),
            false,
        );
        let err = client
            .transactions("c1", "k1")
            .push_batch(&body(&["t"]), &options())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(400));
        assert_eq!(t.requests().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn when_the_look_up_fails_nothing_is_resent() {
        let (client, t) = server(
            vec![Err(TransportError::Timeout)],
            Arc::new(Mutex::new(Vec::new())),
            true,
        );
        let err = client
            .transactions("c1", "k1")
            .push_batch(&body(&["t"]), &options())
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::PushOutcomeUnknown);
        assert!(err.is_retryable());
        let Error::PushOutcomeUnknown {
            attempt,
            lookup,
            transactions,
            ..
        } = &err
        else {
            unreachable!()
        };
        assert_eq!(
            (attempt.code(), lookup.status(), *transactions),
            (ErrorCode::Timeout, Some(503), 1)
        );
        assert_eq!(t.count(Method::Post, PUSH), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn operations_without_data_match_only_when_new_and_unknown() {
        let b = body(&["t1"]);
        let listed = Arc::new(Mutex::new(vec![
            operation("earlier-batch", "Success", None),
            operation("new", "Pending", None),
        ]));
        let (client, _) = server(vec![Err(TransportError::Timeout)], listed.clone(), false);
        let mut opts = options();
        opts.known_operations.insert("earlier-batch".into());
        let pushed = client
            .transactions("c1", "k1")
            .push_batch(&b, &opts)
            .await
            .unwrap();
        assert_eq!(pushed.operation.push_operation_key, "new");
        // Known and old operations are never taken for this push.
        let old = operation_at("old", "Success", None, "2020-01-01T00:00:00Z");
        *listed.lock().unwrap() = vec![old, operation("earlier-batch", "Success", None)];
        let ok = operation("fresh", "Pending", Some(&b));
        let (client, t) = server(
            vec![Err(TransportError::Timeout), answer(200, &ok)],
            listed,
            false,
        );
        let pushed = client
            .transactions("c1", "k1")
            .push_batch(&b, &opts)
            .await
            .unwrap();
        assert_eq!(pushed.operation.push_operation_key, "fresh");
        assert_eq!(t.count(Method::Post, PUSH), 2);
    }

    /// A server whose list answers `pages` in turn (by the `page` asked for), whatever `orderBy`
    /// says.
    fn paged_server(
        pushes: Vec<Result<crate::client::transport::HttpResponse, TransportError>>,
        pages: Vec<Vec<String>>,
    ) -> (Client, Arc<crate::client::testing::Scripted>) {
        let n = AtomicU32::new(0);
        let total: usize = pages.iter().map(Vec::len).sum();
        scripted(builder(30), move |seen| {
            if seen.method == Method::Post {
                let i = n.fetch_add(1, Ordering::SeqCst) as usize;
                return pushes.get(i).cloned().unwrap_or_else(|| answer(500, "{}"));
            }
            let number: usize = seen
                .target
                .split(['?', '&'])
                .find_map(|kv| kv.strip_prefix("page="))
                .map_or(1, |p| p.parse().unwrap());
            let items = pages.get(number - 1).cloned().unwrap_or_default();
            answer(200, &page(&items, number as u32, 2, total as u64))
        })
    }

    #[tokio::test(start_paused = true)]
    async fn the_look_up_does_not_rely_on_the_server_ordering_newest_first() {
        // The server ignores orderBy and lists oldest first: the first page is all older than
        // the push, the lost push is on the last page. Stopping at the first page would send
        // the batch again and book it twice.
        let b = body(&["t1"]);
        let old = |key: &str| operation_at(key, "Success", None, "2020-01-01T00:00:00Z");
        let (client, t) = paged_server(
            vec![Err(TransportError::Timeout)],
            vec![
                vec![old("old-1"), old("old-2")],
                vec![old("old-3"), operation("ours", "Pending", None)],
            ],
        );
        let pushed = client
            .transactions("c1", "k1")
            .push_batch(&b, &options())
            .await
            .unwrap();
        assert_eq!(pushed.operation.push_operation_key, "ours");
        assert!(pushed.recovered);
        assert_eq!(t.count(Method::Post, PUSH), 1);
        assert_eq!(t.count(Method::Get, "/companies/c1/push"), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_does_order_newest_first_is_read_only_as_far_as_the_window() {
        let b = body(&["t1"]);
        let old = |key: &str| operation_at(key, "Success", None, "2020-01-01T00:00:00Z");
        let (client, t) = paged_server(
            vec![Err(TransportError::Timeout)],
            vec![
                vec![operation("ours", "Pending", None), old("old-1")],
                vec![old("old-2"), old("old-3")],
            ],
        );
        let pushed = client
            .transactions("c1", "k1")
            .push_batch(&b, &options())
            .await
            .unwrap();
        assert_eq!(pushed.operation.push_operation_key, "ours");
        assert_eq!(t.count(Method::Get, "/companies/c1/push"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_look_up_that_cannot_cover_the_window_resends_nothing() {
        let b = body(&["t1"]);
        let old = |key: &str| operation_at(key, "Success", None, "2020-01-01T00:00:00Z");
        // Oldest first, more pages than the look-up may read.
        let pages: Vec<Vec<String>> = (0..5)
            .map(|p| vec![old(&format!("o{p}a")), old(&format!("o{p}b"))])
            .collect();
        let (client, t) = paged_server(vec![Err(TransportError::Timeout)], pages);
        let mut opts = options();
        opts.lookup.max_operations = 4;
        let err = client
            .transactions("c1", "k1")
            .push_batch(&b, &opts)
            .await
            .unwrap_err();
        let Error::PushOutcomeUnknown { lookup, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(lookup.code(), ErrorCode::LookupIncomplete, "{lookup}");
        assert_eq!(t.count(Method::Post, PUSH), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreadable_acceptance_is_looked_up() {
        let b = body(&["t1"]);
        let listed = Arc::new(Mutex::new(vec![operation("ours", "Pending", Some(&b))]));
        let (client, t) = server(vec![answer(200, r#"{"truncated"#)], listed, false);
        let pushed = client
            .transactions("c1", "k1")
            .push_batch(&b, &options())
            .await
            .unwrap();
        assert!(pushed.recovered);
        assert_eq!(t.count(Method::Post, PUSH), 1);
    }
}
