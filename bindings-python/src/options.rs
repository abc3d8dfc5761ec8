//! Options from Python arguments: the platform, today, what is known of the account, and the
//! platform profiles as Python objects.

use bankfeeds::dates::{TimeZone, today_in};
use bankfeeds::model::SourceAccountStatus;
use bankfeeds::money::Currency;
use bankfeeds::normalise::BalanceFill;
use bankfeeds::pipeline::PrepareOptions;
use bankfeeds::rules::{Platform, Profile};
use bankfeeds::validate::{AccountContext, RulePolicy, Severity, ValidationContext};
use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};

use crate::errors::{BindError, BindResult, config, guard};
use crate::values::{amount_from, day_from, local_from, py_date};

/// A platform from its short name or platform key (`"xero"`, `"gbol"`, `"qbo"`...).
pub fn platform(name: &str) -> BindResult<Platform> {
    name.parse::<Platform>()
        .map_err(|e| BindError::Config(e.to_string()))
}

/// `today`, or today where the account is kept (`time_zone`: an IANA name, an offset, `"local"`;
/// the core's default, the machine's zone, when neither is given).
pub fn today(v: Option<&Bound<'_, PyAny>>, time_zone: Option<&str>) -> BindResult<NaiveDate> {
    let zone = time_zone
        .map(|z| TimeZone::parse(z).map_err(|e| config(format!("time_zone: {e}"))))
        .transpose()?;
    match v.filter(|v| !v.is_none()) {
        None => Ok(today_in(&zone.unwrap_or_default())),
        Some(_) if zone.is_some() => Err(config(
            "give today or time_zone, not both: time_zone only says which day today is",
        )),
        Some(v) => day_from(v).ok_or_else(|| {
            config(format!(
                "today must be a date or an ISO date text, not {}",
                v.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        }),
    }
}

/// `rules={"sign_mismatch": "error", ...}`: a rule code to `"error"`, `"warning"` or `"off"`.
pub fn rules(v: Option<&Bound<'_, PyAny>>) -> BindResult<RulePolicy> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(RulePolicy::new());
    };
    let mapping = v.cast::<PyMapping>().map_err(|_| {
        BindError::Type(
            "rules must be a dict of rule code to level, e.g. {\"sign_mismatch\": \"error\"}"
                .into(),
        )
    })?;
    let mut settings = Vec::new();
    for item in mapping.items()?.iter() {
        let (code, level): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let text = |v: &Bound<'_, PyAny>, what: &str| -> BindResult<String> {
            v.extract::<String>().map_err(|_| {
                BindError::Type(format!(
                    "rules: each {what} must be text, not {}",
                    v.get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            })
        };
        settings.push((text(&code, "rule code")?, text(&level, "level")?));
    }
    RulePolicy::from_settings(settings).map_err(|e| config(format!("rules: {e}")))
}

/// What is known of the source account: its id, currency (amounts may not have more decimals
/// than it allows; GBP needs a sort code), status (pushes need `"connected"`), sort code, v1
/// account type (`"Debit"`/`"Credit"`) and feed start date.
#[pyclass(module = "bankfeeds", name = "Account", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyAccount {
    pub inner: AccountContext,
}

#[pymethods]
impl PyAccount {
    #[new]
    #[pyo3(signature = (*, id=None, currency=None, status=None, sort_code=None, account_type=None, feed_start_date=None))]
    fn new(
        py: Python<'_>,
        id: Option<String>,
        currency: Option<String>,
        status: Option<String>,
        sort_code: Option<String>,
        account_type: Option<String>,
        feed_start_date: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guard(py, || {
            let feed_start_date =
                match feed_start_date {
                    Some(v) if !v.is_none() => Some(day_from(v).ok_or_else(|| {
                        config("feed_start_date must be a date or an ISO date text")
                    })?),
                    _ => None,
                };
            Ok(PyAccount {
                inner: AccountContext {
                    id,
                    currency: currency.map(Currency::new),
                    status: status.map(|s| SourceAccountStatus::parse_lenient(&s)),
                    sort_code,
                    account_type,
                    feed_start_date,
                },
            })
        })
    }
    /// The source account id.
    #[getter]
    fn id(&self) -> Option<&str> {
        self.inner.id.as_deref()
    }
    /// The ISO 4217 currency code as given.
    #[getter]
    fn currency(&self) -> Option<&str> {
        self.inner.currency.as_ref().map(|c| c.as_str())
    }
    /// `"pending"`, `"connected"`, `"connecting"`, `"disconnected"` or `"unknown"`.
    #[getter]
    fn status(&self) -> Option<&str> {
        self.inner.status.as_ref().map(|s| s.as_str())
    }
    /// The sort code as given.
    #[getter]
    fn sort_code(&self) -> Option<&str> {
        self.inner.sort_code.as_deref()
    }
    /// The v1 account type.
    #[getter]
    fn account_type(&self) -> Option<&str> {
        self.inner.account_type.as_deref()
    }
    /// The first day transactions may be pushed for.
    #[getter]
    fn feed_start_date<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .feed_start_date
            .as_ref()
            .map(|d| py_date(py, d))
            .transpose()
    }
    fn __repr__(&self) -> String {
        format!(
            "Account(id={:?}, currency={:?}, status={:?})",
            self.inner.id,
            self.inner.currency.as_ref().map(|c| c.as_str()),
            self.inner.status.as_ref().map(|s| s.as_str())
        )
    }
}

fn account(v: Option<&Bound<'_, PyAny>>) -> BindResult<Option<AccountContext>> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if let Ok(a) = v.cast::<PyAccount>() {
        return Ok(Some(a.get().inner.clone()));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let py = v.py();
        let kwargs = d.copy()?;
        let made = py
            .get_type::<PyAccount>()
            .call((), Some(&kwargs))
            .map_err(|e| config(format!("account: {e}")))?;
        return Ok(Some(
            made.cast::<PyAccount>()
                .map_err(PyErr::from)?
                .get()
                .inner
                .clone(),
        ));
    }
    Err(BindError::Type(
        "account must be a bankfeeds.Account or a dict of its fields".into(),
    ))
}

/// The validation arguments every function takes.
pub struct ContextArgs<'a, 'py> {
    pub platform: &'a str,
    pub today: Option<&'a Bound<'py, PyAny>>,
    pub account: Option<&'a Bound<'py, PyAny>>,
    pub opening_balance: Option<&'a Bound<'py, PyAny>>,
    pub latest_existing: Option<&'a Bound<'py, PyAny>>,
    pub country: Option<String>,
    /// `{"code": "error" | "warning" | "off"}`.
    pub rules: Option<&'a Bound<'py, PyAny>>,
    /// Where the account is kept, for today's date.
    pub time_zone: Option<&'a str>,
}

impl ContextArgs<'_, '_> {
    /// The core's validation context.
    pub fn context(&self) -> BindResult<ValidationContext> {
        let mut ctx =
            ValidationContext::new(platform(self.platform)?, today(self.today, self.time_zone)?);
        ctx.rules = rules(self.rules)?;
        ctx.account = account(self.account)?;
        if let Some(v) = self.opening_balance.filter(|v| !v.is_none()) {
            ctx.opening_balance = Some(amount_from("opening_balance", v).map_err(config)?);
        }
        if let Some(v) = self.latest_existing.filter(|v| !v.is_none()) {
            ctx.latest_existing = Some(local_from(v).ok_or_else(|| {
                config("latest_existing must be a datetime, a date or an ISO text")
            })?);
        }
        ctx.country = self.country.clone();
        Ok(ctx)
    }

    /// The core's **validate** preset: the rows are read and checked as they are.
    pub fn as_is(&self) -> BindResult<PrepareOptions> {
        Ok(PrepareOptions::validate_only(self.context()?))
    }
}

/// What normalisation may change, from `normalise()`'s keyword arguments.
pub struct NormaliseArgs<'a, 'py> {
    pub trim: bool,
    pub truncate: bool,
    pub dedupe: bool,
    pub infer_types: bool,
    pub fix_signs: bool,
    pub sort: bool,
    pub fill_from_opening: Option<&'a Bound<'py, PyAny>>,
    pub fill_from_closing: Option<&'a Bound<'py, PyAny>>,
    pub batch_size: Option<usize>,
}

impl NormaliseArgs<'_, '_> {
    /// The core's **prepare** options for what validation knows: its platform's defaults with
    /// these switches, the anchor and the batch size set through the core's one way of setting
    /// them.
    pub fn prepare(&self, context: ValidationContext) -> BindResult<PrepareOptions> {
        let amount = |name: &str, v: Option<&Bound<'_, PyAny>>| {
            v.filter(|v| !v.is_none())
                .map(|v| amount_from(name, v).map_err(config))
                .transpose()
        };
        let anchor = BalanceFill::from_ends(
            amount("fill_from_opening", self.fill_from_opening)?,
            amount("fill_from_closing", self.fill_from_closing)?,
        )
        .map_err(|e| config(format!("fill_from_opening, fill_from_closing: {e}")))?;
        let mut options = PrepareOptions::for_context(context);
        let n = &mut options.normalise;
        n.trim = self.trim;
        n.truncate = self.truncate;
        n.dedupe = self.dedupe;
        n.infer_types = self.infer_types;
        n.fix_signs = self.fix_signs;
        n.sort = self.sort;
        options.anchor(anchor);
        if let Some(size) = self.batch_size {
            options.batch_size(size);
        }
        Ok(options)
    }
}

fn severity(s: Severity) -> &'static str {
    s.as_str()
}

/// One accounting platform's rules on top of Codat's generic ones: limits, required fields and
/// how severe each date rule is. Get one with `bankfeeds.profile("xero")`.
#[pyclass(module = "bankfeeds", name = "Profile", frozen)]
pub struct PyProfile {
    pub platform: Platform,
}

impl PyProfile {
    fn p(&self) -> &'static Profile {
        self.platform.profile()
    }
}

#[pymethods]
impl PyProfile {
    /// The short name: `generic`, `xero`, `qbo`, `freeagent`, `sage`, `netsuite`, `exact`.
    #[getter]
    fn platform(&self) -> &'static str {
        self.platform.as_str()
    }
    /// Codat's platform key (`"gbol"` for Xero), where one is published.
    #[getter]
    fn key(&self) -> Option<String> {
        self.platform.key().map(|k| k.as_str().to_owned())
    }
    /// The platform's name for messages.
    #[getter]
    fn name(&self) -> &'static str {
        self.p().name
    }
    /// Most transactions in one push.
    #[getter]
    fn max_batch(&self) -> usize {
        self.p().max_batch
    }
    /// Severity of a missing balance (`"error"`/`"warning"`), or `None` when balances are optional.
    #[getter]
    fn missing_balance(&self) -> Option<&'static str> {
        self.p().missing_balance.map(severity)
    }
    /// Whether every transaction needs a description.
    #[getter]
    fn description_required(&self) -> bool {
        self.p().description_required
    }
    /// Oldest transaction accepted, in days before today.
    #[getter]
    fn max_age_days(&self) -> Option<i64> {
        self.p().max_age_days
    }
    /// Severity of a transaction dated before the account's feed start date.
    #[getter]
    fn before_feed_start(&self) -> &'static str {
        severity(self.p().before_feed_start)
    }
    /// Severity of a transaction older than the newest one already on the account.
    #[getter]
    fn older_than_latest(&self) -> &'static str {
        severity(self.p().older_than_latest)
    }
    /// Longest description accepted, in characters.
    #[getter]
    fn max_description(&self) -> Option<usize> {
        self.p().max_description
    }
    /// Longest counterparty accepted, in characters.
    #[getter]
    fn max_counterparty(&self) -> Option<usize> {
        self.p().max_counterparty
    }
    /// Longest reference accepted, in characters.
    #[getter]
    fn max_reference(&self) -> Option<usize> {
        self.p().max_reference
    }
    /// The transaction types accepted, when fewer than the spec's.
    #[getter]
    fn allowed_types(&self) -> Option<Vec<String>> {
        self.p()
            .allowed_types
            .map(|ts| ts.iter().map(|t| t.as_str().to_owned()).collect())
    }
    /// Fields the platform drops (wire names).
    #[getter]
    fn ignored_fields(&self) -> Vec<&'static str> {
        self.p().ignored_fields.iter().map(|f| f.as_str()).collect()
    }
    /// ISO country codes the platform's bank feeds serve, when limited.
    #[getter]
    fn countries(&self) -> Option<Vec<&'static str>> {
        self.p().regions.map(|r| r.countries.to_vec())
    }
    /// Whether the platform takes direction from the type, whatever the sign (FreeAgent).
    #[getter]
    fn type_decides_direction(&self) -> bool {
        self.p().type_decides_direction
    }
    /// Source-account `accountType` values accepted, when limited.
    #[getter]
    fn account_types(&self) -> Option<Vec<&'static str>> {
        self.p().account_types.map(|a| a.to_vec())
    }
    fn __repr__(&self) -> String {
        format!("Profile({:?})", self.platform.as_str())
    }
}
