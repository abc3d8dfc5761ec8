//! When and how long to wait before trying a request again: [`RetryPolicy`].

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::request::scale;

/// How a failed request is retried.
///
/// The defaults are the spec's `x-speakeasy-retries` (the policy Codat's own SDKs follow):
/// exponential backoff from 500 ms by a factor of 1.5 up to 60 s between attempts, giving up
/// after an hour, on `408`, `429`, `5xx` and connection errors. On top of it:
///
/// - **Jitter**: each wait is drawn from `[(1 - jitter) × backoff, backoff]`, so clients that
///   failed together do not come back together.
/// - **`Retry-After`** (seconds or an HTTP date) is a floor: the wait is at least what the server
///   asked, plus up to `jitter × backoff` so a crowd does not return in the same instant. A
///   `Retry-After` beyond the give-up bound ends the retries at once (Codat's daily quota resets
///   at midnight UTC: waiting for it is the caller's decision, and the error says how long).
/// - **Give-up bound**: no wait starts that would end after `max_elapsed` from the first attempt;
///   `max_attempts` can bound the count as well.
///
/// ```
/// use std::time::Duration;
/// use bankfeeds::client::RetryPolicy;
/// let spec = RetryPolicy::default();
/// assert_eq!(spec.initial_interval, Duration::from_millis(500));
/// assert_eq!(spec.backoff(1), Duration::from_millis(750));
/// assert_eq!(spec.backoff(30), Duration::from_secs(60)); // capped
/// let quick = RetryPolicy::default().with_max_elapsed(Duration::from_secs(2));
/// assert_eq!(quick.max_elapsed, Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The wait before the first retry (500 ms).
    pub initial_interval: Duration,
    /// The longest wait between two attempts (60 s); a `Retry-After` may ask for longer.
    pub max_interval: Duration,
    /// The factor by which each wait grows (1.5).
    pub exponent: f64,
    /// Time after the first attempt beyond which no retry starts (1 hour).
    pub max_elapsed: Duration,
    /// Most attempts in all, the first included; `None` bounds by time only.
    pub max_attempts: Option<u32>,
    /// Fraction of each wait that is random, from 0 (none) to 1 (anywhere from 0 to the full
    /// wait); 0.5 by default.
    pub jitter: f64,
    /// Whether failures to connect, dropped connections and timeouts are retried (yes).
    pub retry_connection_errors: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_interval: Duration::from_millis(500),
            max_interval: Duration::from_secs(60),
            exponent: 1.5,
            max_elapsed: Duration::from_secs(3600),
            max_attempts: None,
            jitter: 0.5,
            retry_connection_errors: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: Some(1),
            ..RetryPolicy::default()
        }
    }

    /// Sets the give-up bound.
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// Sets the first wait and the longest one.
    pub fn with_intervals(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial;
        self.max_interval = max;
        self
    }

    /// Sets the most attempts, the first included.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// Sets the random fraction of each wait (clamped to 0..=1).
    pub fn with_jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
        self
    }

    /// The wait before retry number `retry` (0 for the first retry), without jitter:
    /// `initial × exponent^retry`, at most `max_interval`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let initial = self.initial_interval.as_secs_f64();
        let max = self.max_interval.as_secs_f64().max(initial);
        let exponent = if self.exponent.is_finite() && self.exponent >= 1.0 {
            self.exponent
        } else {
            1.0
        };
        let secs = initial * exponent.powi(retry.min(1000) as i32);
        let secs = if secs.is_finite() { secs.min(max) } else { max };
        // `max` may be `Duration::MAX`, whose seconds as a float round up past it.
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
    }

    /// The wait before retry number `retry`, given the server's `Retry-After` (if any) and a
    /// random draw `unit` in `[0, 1)`; see [`RetryPolicy`] for the bounds.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
        let jitter = self.jitter_fraction();
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let backoff = self.backoff(retry);
        match retry_after {
            Some(floor) => floor.saturating_add(scale(backoff, jitter * unit)),
            None => scale(backoff, 1.0 - jitter * unit),
        }
    }

    fn jitter_fraction(&self) -> f64 {
        if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Reads a `Retry-After` header: a number of seconds, or an HTTP date (judged against `now`; a
/// date in the past means no wait). Absurd values never overflow: more seconds than a
/// [`Duration`] holds read as [`Duration::MAX`] (which no retry budget allows, so the client
/// gives up with the error); negative numbers and anything else unreadable are ignored.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use bankfeeds::client::parse_retry_after;
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Tue, 14 Nov 2023 22:13:27 GMT", now), Some(Duration::from_secs(7)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: too many for a u64 is still a (very long) wait.
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    // Some servers send fractional seconds; accept them rather than ignore the header.
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_nan() || secs < 0.0 {
            return None;
        }
        return Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The retry state of one logical request: how many retries so far and when it started.
#[derive(Debug)]
pub(crate) struct Backoff {
    policy: RetryPolicy,
    started: Instant,
    retries: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    pub(crate) fn new(policy: &RetryPolicy, seed: Option<u64>) -> Self {
        Backoff {
            policy: policy.clone(),
            started: Instant::now(),
            retries: 0,
            rng: seed.map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed),
        }
    }

    /// Attempts made so far (the first included), once [`Backoff::next_delay`] was asked after
    /// each failure.
    pub(crate) fn attempts(&self) -> u32 {
        self.retries + 1
    }

    /// Time since the first attempt.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The wait before the next attempt, or `None` when the policy says to give up.
    pub(crate) fn next_delay(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        if self
            .policy
            .max_attempts
            .is_some_and(|max| self.retries + 1 >= max)
        {
            return None;
        }
        let delay = self.policy.delay(self.retries, retry_after, self.rng.f64());
        // A wait that would end past the budget (or past what a clock can count) is not started.
        match self.elapsed().checked_add(delay) {
            Some(end) if end <= self.policy.max_elapsed => {}
            _ => return None,
        }
        self.retries += 1;
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn spec_schedule() {
        let p = RetryPolicy::default();
        let waits: Vec<u128> = (0..4).map(|n| p.backoff(n).as_millis()).collect();
        assert_eq!(waits, [500, 750, 1125, 1687]);
        assert_eq!(p.backoff(11).as_millis(), 43_248);
        assert_eq!(p.backoff(12), Duration::from_secs(60));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn jitter_stays_in_bounds() {
        let p = RetryPolicy::default().with_jitter(0.3);
        let mut rng = fastrand::Rng::with_seed(7);
        for retry in 0..20 {
            let full = p.backoff(retry);
            for _ in 0..200 {
                let d = p.delay(retry, None, rng.f64());
                assert!(d <= full && d >= full.mul_f64(0.7), "{d:?} vs {full:?}");
            }
        }
        // The edges of the draw are the edges of the range.
        assert_eq!(p.delay(2, None, 0.0), p.backoff(2));
        assert_eq!(p.delay(2, None, 1.0), p.backoff(2).mul_f64(0.7));
        // No jitter: the backoff exactly; out-of-range jitter is clamped.
        assert_eq!(
            RetryPolicy::default().with_jitter(0.0).delay(3, None, 0.9),
            p.backoff(3)
        );
        assert_eq!(
            RetryPolicy::default().with_jitter(7.0).delay(3, None, 1.0),
            Duration::ZERO
        );
    }

    #[test]
    fn retry_after_is_a_floor() {
        let p = RetryPolicy::default();
        let floor = Duration::from_secs(30);
        let mut rng = fastrand::Rng::with_seed(1);
        for _ in 0..200 {
            let d = p.delay(0, Some(floor), rng.f64());
            assert!(
                d >= floor && d <= floor + p.backoff(0).mul_f64(0.5),
                "{d:?}"
            );
        }
        // Longer than max_interval is still honoured.
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(600)), 0.0),
            Duration::from_secs(600)
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(" 5 ", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("-3", now), None);
        // IMF-fixdate, RFC 850 and asctime forms of the same instant (now + 60 s).
        for text in [
            "Tue, 14 Nov 2023 22:14:20 GMT",
            "Tuesday, 14-Nov-23 22:14:20 GMT",
            "Tue Nov 14 22:14:20 2023",
        ] {
            assert_eq!(
                parse_retry_after(text, now),
                Some(Duration::from_secs(60)),
                "{text}"
            );
        }
        assert_eq!(
            parse_retry_after("Mon, 13 Nov 2023 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("tomorrow", now), None);
    }

    #[test]
    fn absurd_retry_after_values_never_overflow() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        // More seconds than anything can wait: the longest wait, never a panic.
        assert_eq!(
            parse_retry_after("18446744073709551615", now),
            Some(Duration::from_secs(u64::MAX))
        );
        for huge in [
            "18446744073709551616",
            "99999999999999999999999999999",
            "1e400",
            "inf",
        ] {
            assert_eq!(parse_retry_after(huge, now), Some(Duration::MAX), "{huge}");
        }
        assert_eq!(
            parse_retry_after("1e300", now),
            Some(Duration::MAX),
            "beyond Duration::MAX"
        );
        // Negative, not a number, garbage: ignored.
        for bad in [
            "-1",
            "-18446744073709551615",
            "-inf",
            "NaN",
            "12abc",
            "Fri, 99 Foo",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
        // The far future as a date: a long wait, no overflow.
        let far = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now).unwrap();
        assert!(far > Duration::from_secs(7_900 * 365 * 86_400), "{far:?}");
        // Every policy copes with the longest floor and the longest intervals.
        for p in [
            RetryPolicy::default(),
            RetryPolicy::default().with_intervals(Duration::MAX, Duration::MAX),
            RetryPolicy::default()
                .with_intervals(Duration::from_secs(u64::MAX), Duration::MAX)
                .with_jitter(1.0),
        ] {
            for retry in [0, 1, 30, u32::MAX] {
                for unit in [0.0, 0.5, 0.999_999] {
                    assert_eq!(p.delay(retry, Some(Duration::MAX), unit), Duration::MAX);
                    let _ = p.delay(retry, None, unit);
                    let _ = p.delay(retry, Some(far), unit);
                }
            }
        }
        assert_eq!(
            RetryPolicy::default()
                .with_intervals(Duration::MAX, Duration::MAX)
                .backoff(3),
            Duration::MAX
        );
    }

    #[test]
    fn a_wait_beyond_the_budget_gives_up_even_without_limits() {
        // The budget itself as long as a Duration gets: still no overflow, and a wait that would
        // end past it is not started.
        let p = RetryPolicy::default().with_max_elapsed(Duration::MAX);
        let mut b = Backoff::new(&p, Some(3));
        assert!(b.next_delay(Some(Duration::MAX)).is_none());
        assert_eq!(
            b.next_delay(Some(Duration::from_secs(5)))
                .map(|d| d.as_secs()),
            Some(5)
        );
        let mut b = Backoff::new(&RetryPolicy::default(), Some(3));
        assert!(b.next_delay(Some(Duration::from_secs(u64::MAX))).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_at_the_time_bound() {
        let p = RetryPolicy::default()
            .with_jitter(0.0)
            .with_max_elapsed(Duration::from_secs(5));
        let mut b = Backoff::new(&p, Some(1));
        let mut waited = Duration::ZERO;
        while let Some(d) = b.next_delay(None) {
            tokio::time::sleep(d).await;
            waited += d;
        }
        // 0.5 + 0.75 + 1.125 + 1.6875 = 4.0625; the next (2.53) would end past 5 s.
        assert_eq!(b.attempts(), 5);
        assert_eq!(waited, Duration::from_micros(4_062_500));
        assert!(b.elapsed() <= Duration::from_secs(5));
    }

    #[test]
    fn gives_up_at_the_attempt_bound_and_on_long_retry_after() {
        let p = RetryPolicy::default().with_max_attempts(3);
        let mut b = Backoff::new(&p, Some(1));
        assert!(b.next_delay(None).is_some());
        assert!(b.next_delay(None).is_some());
        assert!(b.next_delay(None).is_none());
        assert_eq!(b.attempts(), 3);
        let mut b = Backoff::new(&RetryPolicy::default(), None);
        assert!(b.next_delay(Some(Duration::from_secs(7200))).is_none());
        assert!(
            Backoff::new(&RetryPolicy::never(), None)
                .next_delay(None)
                .is_none()
        );
    }
}
