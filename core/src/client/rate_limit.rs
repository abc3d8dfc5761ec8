//! Codat's rate-limit headers, read from every answer that carries them.

use std::fmt;
use std::sync::Arc;

/// What an answer's `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset`
/// headers said (Codat's daily quota: see `Retry-After` for when a `429` ends).
///
/// Each field is `None` when its header was absent or not readable; a `RateLimit` is only made
/// when at least one of them was there. `reset` is kept as Codat sent it (the spec does not
/// document its form), trimmed.
///
/// ```
/// use bankfeeds::client::RateLimit;
/// let r = RateLimit::from_headers(|name| match name {
///     "x-rate-limit-limit" => Some("101000"),
///     "x-rate-limit-remaining" => Some(" 99 "),
///     "x-rate-limit-reset" => Some("2024-09-02T00:00:00Z"),
///     _ => None,
/// })
/// .unwrap();
/// assert_eq!((r.limit, r.remaining), (Some(101_000), Some(99)));
/// assert_eq!(r.reset.as_deref(), Some("2024-09-02T00:00:00Z"));
/// assert_eq!(RateLimit::from_headers(|_| None), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct RateLimit {
    /// Requests allowed in the current window (`X-Rate-Limit-Limit`).
    pub limit: Option<u64>,
    /// Requests left in the current window (`X-Rate-Limit-Remaining`).
    pub remaining: Option<u64>,
    /// When the window resets (`X-Rate-Limit-Reset`), as sent.
    pub reset: Option<String>,
}

/// The headers, lower-case.
pub(crate) const HEADERS: [&str; 3] = [
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
];

impl RateLimit {
    /// Reads the three headers through `header` (called with lower-case names); `None` when
    /// none of them is present.
    pub fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Option<RateLimit> {
        let number = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
        let present = HEADERS.iter().any(|h| header(h).is_some());
        if !present {
            return None;
        }
        Some(RateLimit {
            limit: number(HEADERS[0]),
            remaining: number(HEADERS[1]),
            reset: header(HEADERS[2])
                .map(|v| v.trim().chars().take(100).collect::<String>())
                .filter(|v| !v.is_empty()),
        })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
        write!(
            f,
            "{} of {} requests left",
            n(self.remaining),
            n(self.limit)
        )?;
        if let Some(reset) = &self.reset {
            write!(f, ", reset {reset}")?;
        }
        Ok(())
    }
}

/// The callback of [`super::ClientBuilder::on_rate_limit`].
pub(crate) type RateLimitFn = Arc<dyn Fn(&RateLimit) + Send + Sync>;

/// Calls the callback; a panic in it is caught (it must not stop a push half-way, nor cross an
/// FFI boundary when a binding forwards it).
pub(crate) fn report(callback: &RateLimitFn, rate: &RateLimit) {
    let call = std::panic::AssertUnwindSafe(|| callback(rate));
    if std::panic::catch_unwind(call).is_err() {
        tracing::warn!(target: "bankfeeds", "the on_rate_limit callback panicked; ignored");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_and_garbage_values() {
        let r = RateLimit::from_headers(|n| (n == "x-rate-limit-remaining").then_some("-3"));
        assert_eq!(r, Some(RateLimit::default()));
        let r = RateLimit::from_headers(|n| (n == "x-rate-limit-reset").then_some("  "));
        assert_eq!(r.unwrap().reset, None);
        assert_eq!(
            RateLimit {
                limit: Some(10),
                remaining: Some(3),
                reset: None
            }
            .to_string(),
            "3 of 10 requests left"
        );
    }

    #[test]
    fn a_panicking_callback_is_contained() {
        let cb: RateLimitFn = Arc::new(|_| panic!("dashboard down"));
        report(&cb, &RateLimit::default());
    }
}
