//! Options objects, camelCase, to the core's `PrepareOptions`. Unknown keys are refused, so a
//! typo (`plaform`) is an error instead of a silently ignored setting.

use bankfeeds::dates::{LocalDateTime, TimeZone};
use bankfeeds::ingest::{FloatPolicy, RawValue};
use bankfeeds::model::SourceAccountStatus;
use bankfeeds::money::{self, Currency};
use bankfeeds::normalise::BalanceFill;
use bankfeeds::pipeline::PrepareOptions;
use bankfeeds::rules::Platform;
use bankfeeds::validate::{AccountContext, RulePolicy, ValidationContext};
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::error::Error;
use crate::input::{is_plain_object, js_text, kind, object_keys, raw_value};

/// Which function the options are for: each takes its own set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// `validate()`: the rows are checked as given.
    Validate,
    /// `prepare()` (and its old name `normalise()`): the rows are tidied, sorted and given
    /// balances, then checked.
    Normalise,
}

/// Options both functions take.
const CONTEXT: &[&str] = &[
    "platform",
    "today",
    "currency",
    "accountId",
    "accountStatus",
    "feedStartDate",
    "openingBalance",
    "latestExisting",
    "country",
    "timeZone",
    "rules",
    "maxFindings",
];

/// Options only `prepare()` takes.
const NORMALISE: &[&str] = &[
    "closingBalance",
    "fixSigns",
    "trim",
    "truncate",
    "dedupe",
    "inferTypes",
    "sort",
    "batchSize",
];

/// What the caller asked for, read and checked.
#[derive(Debug, Default)]
pub(crate) struct Options {
    platform: Option<Platform>,
    today: Option<NaiveDate>,
    account: AccountContext,
    opening: Option<Decimal>,
    closing: Option<Decimal>,
    latest_existing: Option<NaiveDateTime>,
    country: Option<String>,
    time_zone: Option<Zone>,
    rules: RulePolicy,
    fix_signs: Option<bool>,
    trim: Option<bool>,
    truncate: Option<bool>,
    dedupe: Option<bool>,
    infer_types: Option<bool>,
    sort: Option<bool>,
    batch_size: Option<usize>,
    /// `maxFindings`: `Some(None)` lists every finding.
    max_findings: Option<Option<usize>>,
}

impl Options {
    /// Reads an options object (`undefined` and `null` mean no options).
    pub(crate) fn read(value: &JsValue, purpose: Purpose) -> Result<Options, Error> {
        let mut o = Options::default();
        if value.is_undefined() || value.is_null() {
            return Ok(o);
        }
        if !is_plain_object(value) {
            return Err(Error::argument(
                "options",
                format!("options must be an object, not {}", kind(value)),
            ));
        }
        let names = object_keys(value).map_err(|_| {
            Error::argument("options", "the options object's keys cannot be listed")
        })?;
        for key in names.iter() {
            let name = key.as_string().unwrap_or_default();
            let v = js_sys::Reflect::get(value, &key)
                .map_err(|_| Error::option(&name, format!("reading option `{name}` threw")))?;
            if v.is_undefined() || v.is_null() {
                continue;
            }
            o.set(&name, v, purpose)?;
        }
        if o.today.is_some() && o.time_zone.is_some() {
            return Err(Error::option(
                "timeZone",
                "give today or timeZone, not both: timeZone only says which day today is",
            ));
        }
        Ok(o)
    }

    /// Takes one option `n` with its (defined, non-null) value `v`.
    fn set(&mut self, n: &str, v: JsValue, purpose: Purpose) -> Result<(), Error> {
        if purpose == Purpose::Validate && NORMALISE.contains(&n) {
            return Err(Error::option(
                n,
                format!(
                    "`{n}` is an option of prepare(), which changes the rows; validate() checks them as given and takes: {}",
                    CONTEXT.join(", ")
                ),
            ));
        }
        match n {
            "platform" => {
                self.platform = Some(text(n, &v)?.parse().map_err(
                    |e: bankfeeds::rules::UnknownPlatform| Error::option(n, e.to_string()),
                )?)
            }
            "today" => self.today = Some(date(n, &v)?.date()),
            "currency" => self.account.currency = Some(Currency::new(text(n, &v)?)),
            "accountId" => self.account.id = Some(text(n, &v)?),
            "accountStatus" => {
                self.account.status = Some(SourceAccountStatus::parse_lenient(&text(n, &v)?))
            }
            "feedStartDate" => self.account.feed_start_date = Some(date(n, &v)?.date()),
            "openingBalance" => self.opening = Some(amount(n, v)?),
            "latestExisting" => self.latest_existing = Some(date(n, &v)?.datetime()),
            "country" => self.country = Some(text(n, &v)?),
            "timeZone" => self.time_zone = Some(Zone::read(&text(n, &v)?)?),
            "rules" => self.rules = rules(n, &v)?,
            "closingBalance" => self.closing = Some(amount(n, v)?),
            "fixSigns" => self.fix_signs = Some(flag(n, &v)?),
            "trim" => self.trim = Some(flag(n, &v)?),
            "truncate" => self.truncate = Some(flag(n, &v)?),
            "dedupe" => self.dedupe = Some(flag(n, &v)?),
            "inferTypes" => self.infer_types = Some(flag(n, &v)?),
            "sort" => self.sort = Some(flag(n, &v)?),
            "batchSize" => self.batch_size = Some(count(n, &v)?),
            "maxFindings" => self.max_findings = Some(max_findings(n, &v)?),
            "sortCode" | "accountType" => {
                return Err(Error::option(
                    n,
                    format!(
                        "`{n}` is a rule of the account, not of its transactions: check it with validateAccount()"
                    ),
                ));
            }
            _ => return Err(unknown_option(n, purpose)),
        }
        Ok(())
    }

    /// The core's options for the purpose.
    pub(crate) fn prepare(&self, purpose: Purpose) -> Result<PrepareOptions, Error> {
        let platform = self.platform.unwrap_or(Platform::Generic);
        let today = match (self.today, &self.time_zone) {
            (Some(day), _) => day,
            (None, None | Some(Zone::Core(TimeZone::Local))) => local_today()?,
            (None, Some(Zone::Core(zone))) => zone.date_at(now()?),
            (None, Some(Zone::Named(name))) => date_in_named_zone(name)?,
        };
        let mut context = ValidationContext::new(platform, today);
        if self.account != AccountContext::default() {
            context.account = Some(self.account.clone());
        }
        context.opening_balance = self.opening;
        context.latest_existing = self.latest_existing;
        context.country = self.country.clone();
        context.rules = self.rules.clone();
        let mut p = match purpose {
            // Checked as given: the core's validate preset, nothing changed first.
            Purpose::Validate => PrepareOptions::validate_only(context),
            Purpose::Normalise => {
                let mut p = PrepareOptions::for_context(context);
                let n = &mut p.normalise;
                n.trim = self.trim.unwrap_or(n.trim);
                n.truncate = self.truncate.unwrap_or(n.truncate);
                n.dedupe = self.dedupe.unwrap_or(n.dedupe);
                n.infer_types = self.infer_types.unwrap_or(n.infer_types);
                n.fix_signs = self.fix_signs.unwrap_or(n.fix_signs);
                n.sort = self.sort.unwrap_or(n.sort);
                if let Some(size) = self.batch_size {
                    p.batch_size(size);
                }
                let anchor = BalanceFill::from_ends(self.opening, self.closing).map_err(|e| {
                    Error::option(
                        "closingBalance",
                        format!("openingBalance, closingBalance: {e}"),
                    )
                })?;
                p.anchor(anchor);
                p
            }
        };
        p.ingest.floats = FloatPolicy::Shortest;
        if let Some(max) = self.max_findings {
            p.max_listed = max;
        }
        Ok(p)
    }
}

/// The account for `validateAccount()`: `{ id, currency, sortCode, accountType }`.
pub(crate) fn account(value: &JsValue) -> Result<AccountContext, Error> {
    const KEYS: &[&str] = &["id", "currency", "sortCode", "accountType"];
    if !is_plain_object(value) {
        return Err(Error::argument(
            "account",
            format!(
                "the account must be an object such as {{ currency: \"GBP\", sortCode: \"12-34-56\" }}, not {}",
                kind(value)
            ),
        ));
    }
    let names = object_keys(value)
        .map_err(|_| Error::argument("account", "the account object's keys cannot be listed"))?;
    let mut account = AccountContext::default();
    for key in names.iter() {
        let name = key.as_string().unwrap_or_default();
        let n = name.as_str();
        let v = js_sys::Reflect::get(value, &key)
            .map_err(|_| Error::argument(n, format!("reading `{n}` threw")))?;
        if v.is_undefined() || v.is_null() {
            continue;
        }
        let v = text(n, &v).map_err(Error::into_argument)?;
        match n {
            "id" => account.id = Some(v),
            "currency" => account.currency = Some(Currency::new(v)),
            "sortCode" => account.sort_code = Some(v),
            "accountType" => account.account_type = Some(v),
            _ => {
                return Err(Error::argument(
                    n,
                    format!(
                        "unknown account field `{n}`; expected one of {}",
                        KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(account)
}

/// Today's date where the caller is: JavaScript's local calendar date.
fn local_today() -> Result<NaiveDate, Error> {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .ok_or_else(|| Error::option("today", "today's date cannot be read from this JavaScript clock; pass `today` as \"YYYY-MM-DD\""))
}

/// Where the account is kept, for today's date.
#[derive(Debug, Clone, PartialEq)]
enum Zone {
    /// What the core reads without time-zone names: `local`, `UTC`, an offset.
    Core(TimeZone),
    /// An IANA name, resolved by the JavaScript engine's own time-zone database: the core's
    /// (chrono-tz) would take the module from 168 KB to 317 KB gzipped.
    Named(String),
}

impl Zone {
    fn read(text: &str) -> Result<Zone, Error> {
        match TimeZone::parse(text) {
            Ok(zone) => Ok(Zone::Core(zone)),
            Err(_) => {
                let name = text.trim().to_owned();
                // Resolved now, so an unknown name is refused before any row is read.
                date_in_named_zone(&name)?;
                Ok(Zone::Named(name))
            }
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// `Intl.DateTimeFormat(locales, options)`: throws a RangeError for an unknown time zone.
    #[wasm_bindgen(catch, js_namespace = Intl, js_name = DateTimeFormat)]
    fn date_time_format(locales: &str, options: &JsValue) -> Result<JsValue, JsValue>;
}

/// Today's calendar date in an IANA time zone, from the JavaScript engine's clock and zone data.
fn date_in_named_zone(name: &str) -> Result<NaiveDate, Error> {
    let refused = || {
        Error::option(
            "timeZone",
            format!(
                "timeZone: `{name}` is not a time zone: give an IANA name (such as Australia/Sydney), an offset (+10:00), UTC or local"
            ),
        )
    };
    let options = js_sys::Object::new();
    for (key, value) in [
        ("timeZone", name),
        ("calendar", "gregory"),
        ("numberingSystem", "latn"),
        ("year", "numeric"),
        ("month", "numeric"),
        ("day", "numeric"),
    ] {
        js_sys::Reflect::set(&options, &key.into(), &value.into()).map_err(|_| refused())?;
    }
    let format = date_time_format("en-US", &options).map_err(|_| refused())?;
    let parts = js_sys::Reflect::get(&format, &"formatToParts".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(&format, &js_sys::Date::new_0()).ok())
        .map(|v| js_sys::Array::from(&v))
        .ok_or_else(refused)?;
    let (mut year, mut month, mut day) = (None, None, None);
    for part in parts.iter() {
        let field = |k: &str| {
            js_sys::Reflect::get(&part, &k.into())
                .ok()
                .and_then(|v| v.as_string())
        };
        let value = field("value").and_then(|v| v.parse::<u32>().ok());
        match field("type").as_deref() {
            Some("year") => year = value,
            Some("month") => month = value,
            Some("day") => day = value,
            _ => {}
        }
    }
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(refused),
        _ => Err(refused()),
    }
}

/// This instant, from JavaScript's clock (the core's `Utc::now` has no clock in WebAssembly).
fn now() -> Result<chrono::DateTime<chrono::Utc>, Error> {
    let ms = js_sys::Date::now();
    chrono::DateTime::from_timestamp_millis(ms as i64).ok_or_else(|| {
        Error::option(
            "timeZone",
            "the time cannot be read from this JavaScript clock; pass `today` as \"YYYY-MM-DD\"",
        )
    })
}

/// `rules: { sign_mismatch: "error", exact_duplicate: "off" }`: severities by rule code.
fn rules(name: &str, v: &JsValue) -> Result<RulePolicy, Error> {
    if !is_plain_object(v) {
        return Err(Error::option(
            name,
            format!(
                "rules must be an object of rule code to level, such as {{ sign_mismatch: \"error\" }}, not {}",
                kind(v)
            ),
        ));
    }
    let keys = object_keys(v)
        .map_err(|_| Error::option(name, "the rules object's keys cannot be listed"))?;
    let mut settings = Vec::new();
    for key in keys.iter() {
        let code = key.as_string().unwrap_or_default();
        let level = js_sys::Reflect::get(v, &key)
            .map_err(|_| Error::option(name, format!("reading rule `{code}` threw")))?;
        let level = level.as_string().ok_or_else(|| {
            Error::option(
                name,
                format!(
                    "rule `{code}` must be \"error\", \"warning\" or \"off\", not {}",
                    describe(&level)
                ),
            )
        })?;
        settings.push((code, level));
    }
    RulePolicy::from_settings(settings).map_err(|e| Error::option(name, format!("rules: {e}")))
}

fn text(name: &str, v: &JsValue) -> Result<String, Error> {
    match js_text(v) {
        Some(Ok(t)) => Ok(t),
        Some(Err(why)) => Err(Error::option(
            name,
            format!("{name} must be text, not {why}"),
        )),
        None => Err(Error::option(
            name,
            format!("{name} must be text, not {}", kind(v)),
        )),
    }
}

fn flag(name: &str, v: &JsValue) -> Result<bool, Error> {
    v.as_bool().ok_or_else(|| {
        Error::option(
            name,
            format!("{name} must be true or false, not {}", kind(v)),
        )
    })
}

fn date(name: &str, v: &JsValue) -> Result<LocalDateTime, Error> {
    let t = text(name, v)?;
    LocalDateTime::parse(&t).map_err(|e| Error::option(name, format!("{name}: {e}")))
}

/// A count such as a batch size: a whole number of at least 1.
/// `maxFindings`: a whole number from 0, or `Infinity` for every finding.
fn max_findings(name: &str, v: &JsValue) -> Result<Option<usize>, Error> {
    match v.as_f64() {
        Some(f) if f == f64::INFINITY => Ok(None),
        Some(f) if f.fract() == 0.0 && f >= 0.0 && f <= u32::MAX as f64 => Ok(Some(f as usize)),
        _ => Err(Error::option(
            name,
            format!(
                "{name} must be a whole number of at least 0, or Infinity for every finding, not {}",
                describe(v)
            ),
        )),
    }
}

pub(crate) fn count(name: &str, v: &JsValue) -> Result<usize, Error> {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 && f >= 1.0 && f <= u32::MAX as f64 => Ok(f as usize),
        _ => Err(Error::option(
            name,
            format!(
                "{name} must be a whole number of at least 1, not {}",
                describe(v)
            ),
        )),
    }
}

/// An amount given as a decimal string or an exact number, read as the core reads row amounts.
pub(crate) fn amount(name: &str, v: JsValue) -> Result<Decimal, Error> {
    let found = describe(&v);
    let parsed = match raw_value(v) {
        RawValue::Text(s) | RawValue::Number(s) => money::parse_decimal(&s),
        RawValue::Int(i) => Ok(Decimal::from(i)),
        RawValue::Float(f) => money::from_f64_shortest(f),
        _ => {
            return Err(Error::option(
                name,
                format!("{name} must be a decimal string such as \"12.30\", not {found}"),
            ));
        }
    };
    parsed.map_err(|e| Error::option(name, format!("{name} is not an exact amount: {e}")))
}

/// A value for a message: numbers and text as written, anything else by kind.
fn describe(v: &JsValue) -> String {
    match v.as_f64() {
        Some(f) => format!("{f}"),
        None => match v.as_string() {
            Some(s) if s.chars().count() <= 64 => format!("\"{s}\""),
            _ => kind(v),
        },
    }
}

/// The error for an option this purpose does not take, listing those it does.
fn unknown_option(n: &str, purpose: Purpose) -> Error {
    let mut known = CONTEXT.to_vec();
    if purpose == Purpose::Normalise {
        known.extend_from_slice(NORMALISE);
    }
    Error::option(
        n,
        format!("unknown option `{n}`; expected one of {}", known.join(", ")),
    )
}
