//! What the sandbox has seen, for tests that assert on traffic (`GET /sandbox/stats`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counters since the sandbox started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Requests to the Codat API paths (everything outside `/sandbox/`), faulted ones included.
    pub requests: u64,
    /// Requests to the sandbox's own `/sandbox/` endpoints.
    pub sandbox_requests: u64,
    /// API requests refused with 401.
    pub unauthorized: u64,
    /// Pushes of bank transactions answered with a `Pending` push operation.
    pub pushes_accepted: u64,
    /// Pushes that ended `Success`.
    pub pushes_succeeded: u64,
    /// Pushes that ended `Failed`.
    pub pushes_failed: u64,
    /// Pushes that ended `TimedOut`.
    pub pushes_timed_out: u64,
    /// Transactions stored by successful pushes.
    pub transactions_stored: u64,
    /// Faults injected, all kinds.
    pub faults_injected: u64,
    /// Faults injected by kind (`status503`, `dropAfterApply`...; see
    /// [`crate::faults::Fault::name`]).
    pub faults_by_kind: BTreeMap<String, u64>,
    /// API answers checked against the spec (0 unless [`crate::SandboxBuilder::check_spec`]).
    #[serde(default)]
    pub spec_checked: u64,
    /// Violations of the spec found in those answers (each answer may have several).
    #[serde(default)]
    pub spec_violations: u64,
    /// The most API requests in flight at once for each company (paths under
    /// `/companies/{id}`), counted from arrival to the answer's end, faults' delays included:
    /// Codat allows 10.
    #[serde(default)]
    pub max_in_flight_per_company: BTreeMap<String, u64>,
}

impl Stats {
    /// The most requests in flight at once for any one company.
    pub fn max_in_flight(&self) -> u64 {
        self.max_in_flight_per_company
            .values()
            .copied()
            .max()
            .unwrap_or(0)
    }
}
