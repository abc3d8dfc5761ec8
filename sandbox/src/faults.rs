//! Fault injection: make chosen requests fail the ways real networks and servers fail, so a
//! client's retries, timeouts and idempotency can be tested.
//!
//! A [`Faults`] plan is a seed and a list of [`FaultRule`]s. Each API request (never the
//! `/sandbox/` endpoints) is checked against every rule in order; the first rule that fires
//! decides the fault. A rule narrows the requests it considers by method and path pattern, then
//! fires on chosen occurrences (`nth`), at a rate drawn from the seeded generator (`rate`), or
//! on every request it considers, at most `limit` times.
//!
//! ```
//! use bankfeeds_sandbox::faults::{Fault, FaultRule, Faults};
//! // The second push is applied but its answer never arrives; every third request or so is a 503.
//! let plan = Faults::seeded(7)
//!     .rule(
//!         FaultRule::new(Fault::DropAfterApply)
//!             .method("POST")
//!             .path("/companies/*/connections/*/push/bankAccounts/*/bankTransactions")
//!             .nth([2]),
//!     )
//!     .rule(FaultRule::new(Fault::Status { status: 503 }).rate(0.3));
//! let json = serde_json::to_string(&plan).unwrap();
//! assert!(json.contains(r#""kind":"dropAfterApply""#));
//! ```
//!
//! The same plan as JSON, for `PUT /sandbox/faults`:
//!
//! ```json
//! {"seed": 7, "rules": [
//!   {"kind": "dropAfterApply", "method": "POST",
//!    "path": "/companies/*/connections/*/push/bankAccounts/*/bankTransactions", "nth": [2]},
//!   {"kind": "status", "status": 503, "rate": 0.3}
//! ]}
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What happens to a request a rule fires on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Fault {
    /// `429 Too Many Requests` with a `Retry-After` header (seconds) and Codat's error body; the
    /// request is not applied.
    RateLimit {
        /// Seconds the client must wait, sent as `Retry-After`.
        retry_after_secs: u64,
    },
    /// An error status (500, 502, 503, 504...) with Codat's error body; the request is not
    /// applied.
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// The request waits this long before it is handled, then is handled normally. A client
    /// that gives up first closes the connection, and the request is then never applied.
    Slow {
        /// The delay in milliseconds.
        delay_ms: u64,
    },
    /// The connection is closed without an answer, and the request is not applied.
    DropBeforeApply,
    /// The request is applied, then the connection is closed before the answer is written: the
    /// client cannot know whether it took effect. A blind retry of a push repeats it.
    DropAfterApply,
    /// The push is accepted as usual (`Pending`) but ends `TimedOut` instead of being validated
    /// and stored. Only considered for pushes of bank transactions.
    PushTimedOut,
}

impl Fault {
    /// A short name for statistics: `rateLimit`, `status503`, `slow`, `dropBeforeApply`,
    /// `dropAfterApply`, `pushTimedOut`.
    pub fn name(&self) -> String {
        match self {
            Fault::RateLimit { .. } => "rateLimit".into(),
            Fault::Status { status } => format!("status{status}"),
            Fault::Slow { .. } => "slow".into(),
            Fault::DropBeforeApply => "dropBeforeApply".into(),
            Fault::DropAfterApply => "dropAfterApply".into(),
            Fault::PushTimedOut => "pushTimedOut".into(),
        }
    }

    /// The delay of a [`Fault::Slow`].
    pub fn delay(&self) -> Option<Duration> {
        match self {
            Fault::Slow { delay_ms } => Some(Duration::from_millis(*delay_ms)),
            _ => None,
        }
    }
}

/// One rule: which requests it considers and when it fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// The fault to inject.
    #[serde(flatten)]
    pub fault: Fault,
    /// Only requests with this method (any case); all methods when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path (without the query) matches this pattern: `*` stands for one
    /// segment, `**` for any number of segments. All paths when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Only these occurrences among the requests the rule considers, counted from 1 since the
    /// plan was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<Vec<u64>>,
    /// Fire with this probability (0 to 1), drawn from the plan's seeded generator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Fire at most this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

impl FaultRule {
    /// A rule that fires on every request.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            fault,
            method: None,
            path: None,
            nth: None,
            rate: None,
            limit: None,
        }
    }

    /// Considers only requests with this method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Considers only requests whose path matches the pattern (`*` one segment, `**` any).
    pub fn path(mut self, pattern: impl Into<String>) -> Self {
        self.path = Some(pattern.into());
        self
    }

    /// Fires only on these occurrences (from 1) of the requests the rule considers.
    pub fn nth(mut self, occurrences: impl IntoIterator<Item = u64>) -> Self {
        self.nth = Some(occurrences.into_iter().collect());
        self
    }

    /// Fires with this probability.
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = Some(rate);
        self
    }

    /// Fires at most this many times.
    pub fn limit(mut self, times: u64) -> Self {
        self.limit = Some(times);
        self
    }

    fn considers(&self, method: &str, path: &str) -> bool {
        if self
            .method
            .as_deref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return false;
        }
        if matches!(self.fault, Fault::PushTimedOut)
            && !(method.eq_ignore_ascii_case("POST") && path.ends_with("/bankTransactions"))
        {
            return false;
        }
        self.path
            .as_deref()
            .is_none_or(|pattern| path_matches(pattern, path))
    }

    /// Checks the values a plan received over HTTP could get wrong.
    fn check(&self) -> Result<(), String> {
        if let Some(rate) = self.rate
            && !(0.0..=1.0).contains(&rate)
        {
            return Err(format!("rate {rate} is not between 0 and 1"));
        }
        if let Fault::Status { status } = self.fault
            && !(400..=599).contains(&status)
        {
            return Err(format!("status {status} is not an error status (400-599)"));
        }
        if self.nth.as_ref().is_some_and(|n| n.contains(&0)) {
            return Err("nth counts from 1".into());
        }
        Ok(())
    }
}

/// A fault plan: a seed for the rate draws and the rules, first match wins.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    /// Seed of the generator behind `rate`: the same seed and requests give the same faults.
    #[serde(default)]
    pub seed: u64,
    /// The rules, checked in order.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Faults::default()
    }

    /// An empty plan with a seed.
    pub fn seeded(seed: u64) -> Self {
        Faults {
            seed,
            rules: Vec::new(),
        }
    }

    /// Adds a rule.
    pub fn rule(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Checks every rule; the message names the first bad one.
    pub fn check(&self) -> Result<(), String> {
        for (i, rule) in self.rules.iter().enumerate() {
            rule.check().map_err(|e| format!("rule {i}: {e}"))?;
        }
        Ok(())
    }
}

/// Whether `path` matches `pattern`: segments compare literally, `*` matches one segment and
/// `**` any number of them (none included).
///
/// Runs in at most about 2 × (segments of the path + 1) × (segments of the pattern + 1) steps,
/// whatever the pattern: it follows every place in the pattern the path could have reached at
/// once, segment by segment, instead of trying each way a `**` could split the path in turn
/// (which took exponential time with many `**`, under the sandbox's lock).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    matches_counting(pattern, path).0
}

/// [`path_matches`], and the number of steps it took.
fn matches_counting(pattern: &str, path: &str) -> (bool, usize) {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = pattern.len();
    let mut steps = 0usize;
    // `reached[i]`: the path read so far matches the pattern's first `i` segments.
    let mut reached = vec![false; m + 1];
    reached[0] = true;
    skip_globstars(&pattern, &mut reached, &mut steps);
    for segment in &path {
        let mut next = vec![false; m + 1];
        for (i, part) in pattern.iter().enumerate() {
            steps += 1;
            if !reached[i] {
                continue;
            }
            match *part {
                // `**` takes this segment and may take more.
                "**" => next[i] = true,
                "*" => next[i + 1] = true,
                literal if literal == *segment => next[i + 1] = true,
                _ => {}
            }
        }
        skip_globstars(&pattern, &mut next, &mut steps);
        reached = next;
        if !reached.contains(&true) {
            break;
        }
    }
    (reached[m], steps)
}

/// A `**` may also take no segment: wherever one starts, the place after it is reached too.
fn skip_globstars(pattern: &[&str], reached: &mut [bool], steps: &mut usize) {
    for (i, part) in pattern.iter().enumerate() {
        *steps += 1;
        if reached[i] && *part == "**" {
            reached[i + 1] = true;
        }
    }
}

/// A plan being applied: the rules with their counters and the generator.
#[derive(Debug)]
pub(crate) struct FaultEngine {
    plan: Faults,
    /// Each rule's `nth`, sorted: a request looks its occurrence up in O(log n), whatever the
    /// size of the list a plan gives.
    nth: Vec<Option<Vec<u64>>>,
    considered: Vec<u64>,
    fired: Vec<u64>,
    rng: SplitMix64,
}

impl FaultEngine {
    pub(crate) fn new(plan: Faults) -> Self {
        let n = plan.rules.len();
        let nth = plan
            .rules
            .iter()
            .map(|r| {
                r.nth.as_ref().map(|n| {
                    let mut n = n.clone();
                    n.sort_unstable();
                    n.dedup();
                    n
                })
            })
            .collect();
        FaultEngine {
            rng: SplitMix64(plan.seed),
            nth,
            plan,
            considered: vec![0; n],
            fired: vec![0; n],
        }
    }

    pub(crate) fn plan(&self) -> &Faults {
        &self.plan
    }

    /// The fault for the next request, if a rule fires. Every rule that considers the request
    /// counts it (and draws for its rate), so each rule's `nth` and rate sequence does not
    /// depend on the rules before it.
    pub(crate) fn decide(&mut self, method: &str, path: &str) -> Option<Fault> {
        let mut chosen = None;
        for (i, rule) in self.plan.rules.iter().enumerate() {
            if !rule.considers(method, path) {
                continue;
            }
            self.considered[i] += 1;
            let occurrence = self.considered[i];
            let drawn = rule.rate.map(|rate| self.rng.next_f64() < rate);
            let fires = self.nth[i]
                .as_ref()
                .is_none_or(|n| n.binary_search(&occurrence).is_ok())
                && drawn.unwrap_or(true)
                && rule.limit.is_none_or(|limit| self.fired[i] < limit);
            if fires && chosen.is_none() {
                self.fired[i] += 1;
                chosen = Some(rule.fault.clone());
            }
        }
        chosen
    }
}

/// A small, fast generator whose sequence is fixed by its seed (Steele, Lea and Flood's
/// SplitMix64), so fault runs are reproducible on every machine.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(path_matches("/companies/*", "/companies/abc"));
        assert!(!path_matches("/companies/*", "/companies/abc/connections"));
        assert!(path_matches("/companies/**", "/companies/abc/connections"));
        assert!(path_matches("/companies/**", "/companies"));
        assert!(path_matches(
            "/companies/*/push/**",
            "/companies/c/push/op-1"
        ));
        assert!(path_matches(
            "**/bankTransactions",
            "/companies/c/connections/d/push/bankAccounts/a/bankTransactions"
        ));
        assert!(!path_matches("/companies", "/companies/c"));
    }

    #[test]
    fn many_globstars_match_in_linear_steps() {
        // Twelve `**` before a segment the path lacks: every way of splitting 40 segments among
        // them fails, and trying them one by one hangs; following them together does not.
        let pattern = format!("{}/never", "/**".repeat(12));
        let path = "/a".repeat(40);
        let (matched, steps) = matches_counting(&pattern, &path);
        assert!(!matched);
        let bound = 2 * (40 + 1) * (13 + 1);
        assert!(steps <= bound, "{steps} steps, more than {bound}");
        let (matched, steps) = matches_counting(&pattern, &format!("{path}/never"));
        assert!(matched);
        assert!(steps <= 2 * (41 + 1) * (13 + 1), "{steps} steps");
        // A thousand `**` and a thousand segments stay quadratic at worst.
        let pattern = format!("{}/x", "/**".repeat(1000));
        let path = "/a".repeat(1000);
        let (matched, steps) = matches_counting(&pattern, &path);
        assert!(!matched);
        assert!(steps <= 2 * 1001 * 1002, "{steps} steps");
    }

    #[test]
    fn globstars_in_every_position() {
        assert!(path_matches("**", "/"));
        assert!(path_matches("**", "/a/b/c"));
        assert!(path_matches("/a/**/**/d", "/a/d"));
        assert!(path_matches("/a/**/c/**/e", "/a/b/c/d/e"));
        assert!(!path_matches("/a/**/c/**/e", "/a/b/d/e"));
        assert!(path_matches("/*/**/*", "/a/b"));
        assert!(!path_matches("/*/**/*", "/a"));
        assert!(path_matches("/a/*", "/a/b/"));
        assert!(!path_matches("/a/b", "/a/b/c"));
    }

    #[test]
    fn nth_counts_considered_requests_only() {
        let plan = Faults::seeded(1).rule(
            FaultRule::new(Fault::DropBeforeApply)
                .method("post")
                .nth([2]),
        );
        let mut engine = FaultEngine::new(plan);
        assert_eq!(engine.decide("GET", "/companies"), None);
        assert_eq!(engine.decide("POST", "/companies"), None);
        assert_eq!(engine.decide("GET", "/companies"), None);
        assert_eq!(
            engine.decide("POST", "/companies"),
            Some(Fault::DropBeforeApply)
        );
        assert_eq!(engine.decide("POST", "/companies"), None);
    }

    #[test]
    fn nth_in_any_order_and_repeated() {
        let plan = Faults::none().rule(FaultRule::new(Fault::DropBeforeApply).nth([3, 1, 3]));
        let mut e = FaultEngine::new(plan.clone());
        let fired: Vec<bool> = (0..4).map(|_| e.decide("GET", "/a").is_some()).collect();
        assert_eq!(fired, [true, false, true, false]);
        // The plan reads back as it was given.
        assert_eq!(e.plan(), &plan);
    }

    #[test]
    fn rates_are_reproducible_and_near_their_value() {
        let plan =
            || Faults::seeded(42).rule(FaultRule::new(Fault::Status { status: 503 }).rate(0.25));
        let run = |mut e: FaultEngine| -> Vec<bool> {
            (0..4000).map(|_| e.decide("GET", "/x").is_some()).collect()
        };
        let a = run(FaultEngine::new(plan()));
        assert_eq!(a, run(FaultEngine::new(plan())));
        let fired = a.iter().filter(|f| **f).count();
        assert!((850..1150).contains(&fired), "{fired}");
        let other = run(FaultEngine::new(Faults { seed: 43, ..plan() }));
        assert_ne!(a, other);
    }

    #[test]
    fn limits_and_first_match() {
        let plan = Faults::none()
            .rule(FaultRule::new(Fault::Status { status: 500 }).limit(1))
            .rule(FaultRule::new(Fault::Status { status: 502 }).nth([1, 2]));
        let mut e = FaultEngine::new(plan);
        assert_eq!(e.decide("GET", "/a"), Some(Fault::Status { status: 500 }));
        assert_eq!(e.decide("GET", "/a"), Some(Fault::Status { status: 502 }));
        assert_eq!(e.decide("GET", "/a"), None);
    }

    #[test]
    fn push_timeouts_consider_pushes_only() {
        let mut e = FaultEngine::new(Faults::none().rule(FaultRule::new(Fault::PushTimedOut)));
        assert_eq!(e.decide("GET", "/companies/c/push/k"), None);
        assert_eq!(
            e.decide(
                "POST",
                "/companies/c/connections/d/push/bankAccounts/a/bankTransactions"
            ),
            Some(Fault::PushTimedOut)
        );
    }

    #[test]
    fn json_shape_and_checks() {
        let plan: Faults = serde_json::from_str(
            r#"{"seed":3,"rules":[{"kind":"rateLimit","retryAfterSecs":2,"path":"/companies"},
               {"kind":"slow","delayMs":50},{"kind":"status","status":503,"rate":0.5,"limit":2}]}"#,
        )
        .unwrap();
        assert_eq!(plan.rules.len(), 3);
        assert_eq!(
            plan.rules[0].fault,
            Fault::RateLimit {
                retry_after_secs: 2
            }
        );
        assert_eq!(plan.rules[1].fault.delay(), Some(Duration::from_millis(50)));
        assert!(plan.check().is_ok());
        let bad = Faults::none().rule(FaultRule::new(Fault::Status { status: 200 }));
        assert!(bad.check().unwrap_err().contains("rule 0"));
        let bad = Faults::none().rule(FaultRule::new(Fault::DropAfterApply).rate(1.5));
        assert!(bad.check().is_err());
    }
}
