//! How many requests a client has in flight, and when it may send again.
//!
//! Codat allows at most [`DEFAULT_PER_COMPANY`] requests at once per company: every request
//! whose path starts with `/companies/{id}` takes a permit from that company's semaphore before
//! it is sent and gives it back when its answer is read (or the attempt fails), and every
//! request takes one from the client's global cap when there is one. Clones of a client share
//! the permits, so any concurrent use of one client keeps within the limits, not only
//! [`super::Client::push_all`].
//!
//! A `429` with `Retry-After` holds back the whole client: no request of it (or of its clones)
//! is sent before the instant the server asked for. A wait longer than the retry policy's
//! `max_elapsed` (Codat's daily quota, say) is not waited for: requests fail at once with a
//! `429` naming it, as the one that saw it does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::error::{ApiError, Error};

/// Codat's limit of concurrent requests per company.
pub const DEFAULT_PER_COMPANY: usize = 10;

/// The permits and the shared pause of one client and its clones.
#[derive(Debug)]
pub(crate) struct Limiter {
    per_company: usize,
    global: Option<Arc<Semaphore>>,
    companies: Mutex<HashMap<String, Arc<Semaphore>>>,
    not_before: Mutex<Option<Instant>>,
}

/// Permits held while one attempt is in flight; given back when dropped.
#[derive(Debug)]
pub(crate) struct Permit {
    _company: Option<OwnedSemaphorePermit>,
    _global: Option<OwnedSemaphorePermit>,
}

/// Companies whose semaphores are kept before idle ones are dropped.
const PRUNE_AT: usize = 4096;

impl Limiter {
    /// At most `per_company` requests at once per company (at least 1) and, with `global`, at
    /// most that many in all.
    pub(crate) fn new(per_company: usize, global: Option<usize>) -> Self {
        Limiter {
            per_company: per_company.max(1),
            global: global.map(|n| Arc::new(Semaphore::new(n.max(1)))),
            companies: Mutex::new(HashMap::new()),
            not_before: Mutex::new(None),
        }
    }

    fn company(&self, id: &str) -> Arc<Semaphore> {
        let mut map = self.companies.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= PRUNE_AT && !map.contains_key(id) {
            // Drop the semaphores nobody holds a permit of or waits on.
            let full = self.per_company;
            map.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < full);
        }
        Arc::clone(
            map.entry(id.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_company))),
        )
    }

    /// Waits until the client may send (the shared pause is over, a permit of the request's
    /// company and of the global cap are free) and returns the permits. Fails with a `429` when
    /// the pause lasts longer than `budget`.
    pub(crate) async fn admit(
        &self,
        company: Option<&str>,
        budget: Duration,
        method: &'static str,
        path: impl Fn() -> String,
    ) -> Result<Permit, Error> {
        loop {
            self.pause(budget, method, &path).await?;
            // Company first: waiting for the global cap then blocks only this company.
            let company = match company {
                Some(id) => Some(
                    self.company(id)
                        .acquire_owned()
                        .await
                        .expect("the semaphore is never closed"),
                ),
                None => None,
            };
            let global = match &self.global {
                Some(g) => Some(
                    Arc::clone(g)
                        .acquire_owned()
                        .await
                        .expect("the semaphore is never closed"),
                ),
                None => None,
            };
            // A pause that began while this request waited for its permits holds it back too.
            if self.remaining().is_none() {
                return Ok(Permit {
                    _company: company,
                    _global: global,
                });
            }
        }
    }

    /// How long the shared pause still lasts, if it does.
    fn remaining(&self) -> Option<Duration> {
        let until = (*self.not_before.lock().unwrap_or_else(|e| e.into_inner()))?;
        let now = Instant::now();
        (until > now).then(|| until - now)
    }

    async fn pause(
        &self,
        budget: Duration,
        method: &'static str,
        path: &impl Fn() -> String,
    ) -> Result<(), Error> {
        while let Some(wait) = self.remaining() {
            if wait > budget {
                return Err(Error::api(ApiError {
                    status: 429,
                    method,
                    path: path(),
                    message: None,
                    body_snippet: Some(format!(
                        "not sent: the API asked this client to wait {}s (Retry-After on another request), longer than the retry policy allows",
                        wait.as_secs()
                    )),
                    retry_after: Some(wait),
                    rate_limit: None,
                }));
            }
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Records what an answer says about sending again: a `429` with `Retry-After` holds back
    /// every request of the client until then.
    pub(crate) fn note(&self, error: &Error) {
        if let Error::Api(api) = error
            && api.status == 429
            && let Some(wait) = api.retry_after
            && let Some(until) = Instant::now().checked_add(wait)
        {
            let mut not_before = self.not_before.lock().unwrap_or_else(|e| e.into_inner());
            if not_before.is_none_or(|t| t < until) {
                *not_before = Some(until);
            }
        }
    }
}

/// The company a request's path names (`companies/{id}/...`), if any.
pub(crate) fn company_of(segments: &[String]) -> Option<&str> {
    match segments {
        [first, id, ..] if first == "companies" && !id.is_empty() => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn path() -> String {
        "/companies/c1".into()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_permits_than_the_limits() {
        let limiter = Arc::new(Limiter::new(3, Some(5)));
        let per: Arc<[AtomicUsize; 3]> = Arc::new(Default::default());
        let max_per: Arc<[AtomicUsize; 3]> = Arc::new(Default::default());
        let all = Arc::new(AtomicUsize::new(0));
        let max_all = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for n in 0..60 {
            let (limiter, per, max_per, all, max_all) = (
                limiter.clone(),
                per.clone(),
                max_per.clone(),
                all.clone(),
                max_all.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let c = n % 3;
                let id = format!("c{c}");
                let _permit = limiter
                    .admit(Some(&id), Duration::from_secs(1), "GET", path)
                    .await
                    .unwrap();
                let now = per[c].fetch_add(1, Ordering::SeqCst) + 1;
                max_per[c].fetch_max(now, Ordering::SeqCst);
                let now_all = all.fetch_add(1, Ordering::SeqCst) + 1;
                max_all.fetch_max(now_all, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
                per[c].fetch_sub(1, Ordering::SeqCst);
                all.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        for m in max_per.iter() {
            let m = m.load(Ordering::SeqCst);
            assert!((2..=3).contains(&m), "{m} at once for one company");
        }
        let m = max_all.load(Ordering::SeqCst);
        assert!((4..=5).contains(&m), "{m} at once in all");
        // Requests outside a company take only the global cap.
        let _p = limiter
            .admit(None, Duration::from_secs(1), "GET", path)
            .await
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_holds_back_every_request_or_fails_them_past_the_budget() {
        let limiter = Limiter::new(10, None);
        let too_many = Error::api(ApiError {
            status: 429,
            method: "GET",
            path: "/x".into(),
            message: None,
            body_snippet: None,
            retry_after: Some(Duration::from_secs(5)),
            rate_limit: None,
        });
        limiter.note(&too_many);
        let started = Instant::now();
        let _p = limiter
            .admit(Some("c2"), Duration::from_secs(60), "GET", path)
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_secs(5));
        // A quota's wait beyond the budget: a 429 at once, nothing waited.
        let quota = Error::api(ApiError {
            retry_after: Some(Duration::from_secs(86_400)),
            ..match too_many {
                Error::Api(a) => *a,
                _ => unreachable!(),
            }
        });
        limiter.note(&quota);
        let started = Instant::now();
        let err = limiter
            .admit(Some("c3"), Duration::from_secs(60), "GET", path)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(429));
        assert!(err.retry_after().unwrap() > Duration::from_secs(86_000));
        assert!(err.to_string().contains("/companies/c1"), "{err}");
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[test]
    fn companies_are_read_from_the_path() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            company_of(&s(&["companies", "c1", "connections"])),
            Some("c1")
        );
        assert_eq!(company_of(&s(&["companies", "c1"])), Some("c1"));
        assert_eq!(company_of(&s(&["companies"])), None);
        assert_eq!(company_of(&s(&["other", "c1"])), None);
    }
}
