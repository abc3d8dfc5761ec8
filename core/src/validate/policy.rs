//! The caller's say over how severe each rule is: [`RulePolicy`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Code, Severity, ValidationReport};

/// How severe a rule's findings are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    /// Its findings are errors: nothing is pushed while one remains.
    Error,
    /// Its findings are warnings: reported, and the push goes ahead.
    Warning,
    /// Its findings are dropped from the report.
    Off,
}

impl RuleLevel {
    /// Every level.
    pub const ALL: [RuleLevel; 3] = [RuleLevel::Error, RuleLevel::Warning, RuleLevel::Off];

    /// `error`, `warning` or `off`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleLevel::Error => "error",
            RuleLevel::Warning => "warning",
            RuleLevel::Off => "off",
        }
    }

    /// The level for its name, in any case, around spaces.
    pub fn parse(text: &str) -> Option<RuleLevel> {
        let t = text.trim();
        RuleLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(t))
    }
}

impl fmt::Display for RuleLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule setting that cannot be taken. Its text names what was wrong and what is allowed, for a
/// usage message as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// No rule has this code.
    #[error("unknown rule `{0}`; the rules are: {list}", list = codes_list())]
    UnknownCode(String),
    /// Not `error`, `warning` or `off`.
    #[error("unknown level `{level}` for rule {code}; expected error, warning or off")]
    UnknownLevel {
        /// The rule.
        code: String,
        /// What was given.
        level: String,
    },
    /// The rule's findings must stay errors (see [`RulePolicy::is_fixed`]).
    #[error("`{code}` cannot be made a warning or turned off: {}", fixed_reason(*.code).unwrap_or_default())]
    Fixed {
        /// The rule.
        code: Code,
        /// The level asked for.
        level: RuleLevel,
    },
    /// Not `code=level`.
    #[error("`{0}` is not a rule setting; write code=level, e.g. sign_mismatch=error")]
    Malformed(String),
}

fn codes_list() -> String {
    Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a code's findings must stay errors, for the codes that must.
fn fixed_reason(code: Code) -> Option<&'static str> {
    match code {
        Code::MissingField | Code::InvalidNumber | Code::InvalidDate | Code::MalformedInput => {
            Some("rows it is about cannot be read, so they would be left out of the push unnoticed")
        }
        Code::InvalidValue => Some(
            "the value it is about cannot be read, so the row would be sent without it unnoticed",
        ),
        Code::BalanceOverflow => Some("the balances it is about could not be computed"),
        Code::MultipleAccounts => Some("a push carries the transactions of one account"),
        Code::BatchTooLarge => Some("Codat refuses a push of more transactions than that"),
        _ => None,
    }
}

/// Severities the caller sets, by code; codes not set keep the severity Codat's and the
/// platform's rules give them.
///
/// bankfeeds applies Codat's rules as Codat and each platform apply them (a sign that contradicts
/// the transaction type is a warning, as Codat warns; a future date on Xero is an error, as Xero
/// refuses it). A [`RulePolicy`] changes that for the caller's own reasons: a bank that never
/// wants a sign mismatch sent makes `sign_mismatch` an error; one that knows its statements
/// repeat rows on purpose turns `exact_duplicate` off.
///
/// The policy is applied once, to every finding of a validation (the validator's own, reading
/// rows and normalising included), through [`ValidationContext::rules`]. Only the severity
/// changes; what the rows become does not.
///
/// Some findings mean a row or a value could not be read, or a push Codat cannot take at all:
/// their rows would be left out or altered without anything saying so. Those codes
/// ([`RulePolicy::is_fixed`]) stay errors: making them warnings or turning them off is refused.
///
/// ```
/// use bankfeeds::validate::{Code, RuleLevel, RulePolicy};
/// let policy: RulePolicy = "sign_mismatch=error, exact_duplicate=off".parse().unwrap();
/// assert_eq!(policy.level(Code::SignMismatch), Some(RuleLevel::Error));
/// assert_eq!(policy.to_string(), "exact_duplicate=off,sign_mismatch=error"); // catalogue order
/// let refused = "invalid_date=off".parse::<RulePolicy>().unwrap_err();
/// assert!(refused.to_string().contains("cannot be made a warning or turned off"));
/// let unknown = RulePolicy::from_settings([("sign_mismatches", "error")]).unwrap_err();
/// assert!(unknown.to_string().contains("sign_mismatch"), "lists the codes: {unknown}");
/// ```
///
/// Through a validation context:
///
/// ```
/// use bankfeeds::rules::Platform;
/// use bankfeeds::validate::{validate, Code, RuleLevel, RulePolicy, ValidationContext};
/// use bankfeeds::model::{BankTransaction, TransactionType};
/// let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
/// let rows = vec![BankTransaction::new("t1", "2024-05-01".parse().unwrap(), rust_decimal::Decimal::ONE)
///     .with_type(TransactionType::Debit)];
/// let codat = validate(&rows, &ValidationContext::new(Platform::Generic, today));
/// assert!(codat.is_valid(), "Codat warns about a Debit with a positive amount");
/// let strict = RulePolicy::new().with(Code::SignMismatch, RuleLevel::Error).unwrap();
/// let ctx = ValidationContext::new(Platform::Generic, today).with_rules(strict);
/// assert!(!validate(&rows, &ctx).is_valid());
/// ```
///
/// [`ValidationContext::rules`]: super::ValidationContext::rules
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RulePolicy {
    /// Sorted by code, each code once.
    levels: Vec<(Code, RuleLevel)>,
}

impl RulePolicy {
    /// No settings: every rule as Codat and the platform apply it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a code's findings must stay errors: rows or values that could not be read, a
    /// balance that could not be computed, a push Codat cannot take. Setting them to `error` is
    /// allowed (and changes nothing); `warning` or `off` is a [`RuleError::Fixed`].
    pub fn is_fixed(code: Code) -> bool {
        fixed_reason(code).is_some()
    }

    /// Sets a code's level (replacing an earlier setting of the same code).
    pub fn set(&mut self, code: Code, level: RuleLevel) -> Result<(), RuleError> {
        if level != RuleLevel::Error && Self::is_fixed(code) {
            return Err(RuleError::Fixed { code, level });
        }
        match self.levels.binary_search_by_key(&code, |(c, _)| *c) {
            Ok(i) => self.levels[i].1 = level,
            Err(i) => self.levels.insert(i, (code, level)),
        }
        Ok(())
    }

    /// [`RulePolicy::set`], by value.
    pub fn with(mut self, code: Code, level: RuleLevel) -> Result<Self, RuleError> {
        self.set(code, level)?;
        Ok(self)
    }

    /// The level set for a code, if any.
    pub fn level(&self, code: Code) -> Option<RuleLevel> {
        self.levels
            .binary_search_by_key(&code, |(c, _)| *c)
            .ok()
            .map(|i| self.levels[i].1)
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// The settings, by code.
    pub fn iter(&self) -> impl Iterator<Item = (Code, RuleLevel)> + '_ {
        self.levels.iter().copied()
    }

    /// Reads one setting by its names, e.g. `("sign_mismatch", "error")`: what a Python dict, a
    /// JavaScript object or a Kotlin map holds.
    pub fn setting(code: &str, level: &str) -> Result<(Code, RuleLevel), RuleError> {
        let name = code.trim();
        let code = Code::parse(name).ok_or_else(|| RuleError::UnknownCode(name.to_owned()))?;
        let level = RuleLevel::parse(level).ok_or_else(|| RuleError::UnknownLevel {
            code: code.as_str().to_owned(),
            level: level.trim().to_owned(),
        })?;
        Ok((code, level))
    }

    /// Reads settings by their names; a later setting of the same code wins.
    pub fn from_settings<K: AsRef<str>, V: AsRef<str>>(
        settings: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, RuleError> {
        let mut policy = RulePolicy::new();
        for (code, level) in settings {
            let (code, level) = RulePolicy::setting(code.as_ref(), level.as_ref())?;
            policy.set(code, level)?;
        }
        Ok(policy)
    }

    /// Reads one `code=level` setting, as the CLI's `--rule` takes it.
    pub fn parse_setting(text: &str) -> Result<(Code, RuleLevel), RuleError> {
        let (code, level) = text
            .split_once('=')
            .ok_or_else(|| RuleError::Malformed(text.trim().to_owned()))?;
        RulePolicy::setting(code, level)
    }

    /// Gives each finding the level set for its code: removes those turned off, makes the rest
    /// errors or warnings. Findings of codes not set are left as they are.
    pub fn apply(&self, report: &mut ValidationReport) {
        if self.levels.is_empty() {
            return;
        }
        report
            .issues
            .retain_mut(|issue| match self.level(issue.code) {
                None => true,
                Some(RuleLevel::Off) => false,
                Some(RuleLevel::Error) => {
                    issue.severity = Severity::Error;
                    true
                }
                Some(RuleLevel::Warning) => {
                    issue.severity = Severity::Warning;
                    true
                }
            });
        // Findings counted but not listed are settled the same way.
        let omitted = std::mem::take(&mut report.omitted);
        for o in omitted {
            let severity = match self.level(o.code) {
                None => o.severity,
                Some(RuleLevel::Off) => continue,
                Some(RuleLevel::Error) => Severity::Error,
                Some(RuleLevel::Warning) => Severity::Warning,
            };
            super::report::count_omitted(&mut report.omitted, o.code, severity, o.count);
        }
    }
}

impl FromStr for RulePolicy {
    type Err = RuleError;

    /// `code=level` settings separated by commas (spaces allowed); an empty text sets nothing.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut policy = RulePolicy::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (code, level) = RulePolicy::parse_setting(part)?;
            policy.set(code, level)?;
        }
        Ok(policy)
    }
}

impl fmt::Display for RulePolicy {
    /// `code=level` settings separated by commas, by code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (code, level)) in self.levels.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{code}={level}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Issue;

    #[test]
    fn settings_are_read_by_name_and_refused_clearly() {
        let p = RulePolicy::from_settings([
            ("sign_mismatch", "ERROR"),
            (" future_date ", " warning "),
            ("sign_mismatch", "off"),
        ])
        .unwrap();
        assert_eq!(
            p.level(Code::SignMismatch),
            Some(RuleLevel::Off),
            "last wins"
        );
        assert_eq!(p.level(Code::FutureDate), Some(RuleLevel::Warning));
        assert_eq!(p.level(Code::ZeroAmount), None);
        assert_eq!(p.to_string(), "sign_mismatch=off,future_date=warning");
        assert_eq!(p.to_string().parse::<RulePolicy>().unwrap(), p);

        let e = RulePolicy::parse_setting("sign_mismatch=loud").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown level `loud` for rule sign_mismatch; expected error, warning or off"
        );
        let e = RulePolicy::parse_setting("signs=error").unwrap_err();
        assert!(matches!(e, RuleError::UnknownCode(ref c) if c == "signs"));
        for code in Code::ALL {
            assert!(e.to_string().contains(code.as_str()), "{e}");
        }
        assert!(matches!(
            RulePolicy::parse_setting("sign_mismatch"),
            Err(RuleError::Malformed(_))
        ));
        assert!("".parse::<RulePolicy>().unwrap().is_empty());
    }

    #[test]
    fn unreadable_rows_stay_errors() {
        for &code in Code::ALL {
            let relaxed = RulePolicy::new().with(code, RuleLevel::Off);
            assert_eq!(relaxed.is_err(), RulePolicy::is_fixed(code), "{code}");
            // Raising to error is always allowed.
            assert!(RulePolicy::new().with(code, RuleLevel::Error).is_ok());
        }
        for code in [
            Code::MissingField,
            Code::InvalidNumber,
            Code::InvalidDate,
            Code::InvalidValue,
            Code::MalformedInput,
        ] {
            let e = RulePolicy::new()
                .with(code, RuleLevel::Warning)
                .unwrap_err()
                .to_string();
            assert!(e.contains(code.as_str()) && e.contains("unnoticed"), "{e}");
        }
    }

    #[test]
    fn apply_changes_severities_and_drops_what_is_off() {
        let mut report = ValidationReport::new();
        report.push(Issue::new(Code::SignMismatch, "a").at_row(0));
        report.push(Issue::new(Code::ZeroAmount, "b").at_row(1));
        report.push(Issue::new(Code::FutureDate, "c").at_row(2));
        report.push(Issue::new(Code::BalanceMismatch, "d").at_row(3));
        let p: RulePolicy = "sign_mismatch=error,zero_amount=off,future_date=warning"
            .parse()
            .unwrap();
        p.apply(&mut report);
        let got: Vec<(&str, Severity)> = report
            .issues
            .iter()
            .map(|i| (i.code.as_str(), i.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("sign_mismatch", Severity::Error),
                ("future_date", Severity::Warning),
                ("balance_mismatch", Severity::Error),
            ]
        );
    }
}
