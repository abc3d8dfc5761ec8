//! Platform profiles: what each accounting platform adds to Codat's generic rules.
//!
//! A [`Profile`] is data: limits, which fields are required, how severe each date rule is. The
//! validator applies the generic rules and then the profile. Sources for every value are listed in
//! `docs/platform-rules.md`; where Codat's pages disagree, the safer reading is encoded and the
//! file says so.

use std::fmt;
use std::str::FromStr;

use crate::model::{PlatformKey, TransactionType};
use crate::validate::{Field, Severity};

mod exact;
mod freeagent;
mod generic;
mod netsuite;
mod qbo;
mod sage;
mod xero;

/// The variants of `Platform` with their docs: the one list the enum and the bindings' mirrors of
/// it are declared from. `platform_variants!(then! { tokens } rest)` expands to
/// `then! { tokens { variants } rest }`.
#[doc(hidden)]
#[macro_export]
macro_rules! platform_variants {
    ($then:ident ! { $($before:tt)* } $($after:tt)*) => {
        $then! { $($before)* {
            /// Codat's generic rules only.
            Generic,
            /// Xero (`gbol`).
            Xero,
            /// QuickBooks Online Bank Feeds (`hcws`).
            QuickBooksOnline,
            /// FreeAgent (`fbrh`).
            FreeAgent,
            /// Sage Bank Feeds (`olpr`).
            Sage,
            /// Oracle NetSuite (`akxx`).
            NetSuite,
            /// Exact Online (no platform key is published).
            Exact,
        } $($after)* }
    };
}

crate::platform_variants!(declare_enum! {
    /// An accounting platform whose bank-feed rules bankfeeds knows.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[non_exhaustive]
    pub enum Platform
});

impl Platform {
    /// Every platform.
    pub const ALL: &'static [Platform] = &[
        Platform::Generic,
        Platform::Xero,
        Platform::QuickBooksOnline,
        Platform::FreeAgent,
        Platform::Sage,
        Platform::NetSuite,
        Platform::Exact,
    ];

    /// The short name used by the CLI and the bindings: `generic`, `xero`, `qbo`, `freeagent`,
    /// `sage`, `netsuite`, `exact`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Generic => "generic",
            Platform::Xero => "xero",
            Platform::QuickBooksOnline => "qbo",
            Platform::FreeAgent => "freeagent",
            Platform::Sage => "sage",
            Platform::NetSuite => "netsuite",
            Platform::Exact => "exact",
        }
    }

    /// The platform for a connection's platform key; unknown keys get the generic rules.
    pub fn from_key(key: &PlatformKey) -> Platform {
        match key {
            PlatformKey::Xero => Platform::Xero,
            PlatformKey::QuickBooksOnlineBankFeeds => Platform::QuickBooksOnline,
            PlatformKey::FreeAgent => Platform::FreeAgent,
            PlatformKey::Sage => Platform::Sage,
            PlatformKey::NetSuite => Platform::NetSuite,
            PlatformKey::Other(_) => Platform::Generic,
        }
    }

    /// The platform key, where Codat publishes one.
    pub fn key(self) -> Option<PlatformKey> {
        match self {
            Platform::Xero => Some(PlatformKey::Xero),
            Platform::QuickBooksOnline => Some(PlatformKey::QuickBooksOnlineBankFeeds),
            Platform::FreeAgent => Some(PlatformKey::FreeAgent),
            Platform::Sage => Some(PlatformKey::Sage),
            Platform::NetSuite => Some(PlatformKey::NetSuite),
            Platform::Generic | Platform::Exact => None,
        }
    }

    /// The platform's rules.
    pub fn profile(self) -> &'static Profile {
        match self {
            Platform::Generic => &generic::PROFILE,
            Platform::Xero => &xero::PROFILE,
            Platform::QuickBooksOnline => &qbo::PROFILE,
            Platform::FreeAgent => &freeagent::PROFILE,
            Platform::Sage => &sage::PROFILE,
            Platform::NetSuite => &netsuite::PROFILE,
            Platform::Exact => &exact::PROFILE,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A platform name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown platform `{0}`: expected generic, xero, qbo, freeagent, sage, netsuite, exact or a platform key (gbol, hcws, fbrh, olpr, akxx)"
)]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;
    /// Accepts the short names, a few long forms (`quickbooks`, `quickbooksonline`) and the
    /// platform keys, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let p = match lower.as_str() {
            "generic" | "" => Platform::Generic,
            "xero" | "gbol" => Platform::Xero,
            "qbo" | "quickbooks" | "quickbooksonline" | "quickbooks-online" | "hcws" => {
                Platform::QuickBooksOnline
            }
            "freeagent" | "fbrh" => Platform::FreeAgent,
            "sage" | "olpr" => Platform::Sage,
            "netsuite" | "akxx" => Platform::NetSuite,
            "exact" | "exactonline" | "exact-online" => Platform::Exact,
            _ => return Err(UnknownPlatform(s.to_owned())),
        };
        Ok(p)
    }
}

/// Where the platform serves bank feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Regions {
    /// ISO 3166 alpha-2 country codes.
    pub countries: &'static [&'static str],
    /// Currencies of those countries, used when the company's country is not known.
    pub currencies: &'static [&'static str],
}

/// What one platform requires on top of Codat's generic rules.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Profile {
    /// The platform.
    pub platform: Platform,
    /// Name for messages.
    pub name: &'static str,
    /// Most transactions in one push.
    pub max_batch: usize,
    /// Severity of a missing `balance`; `None` when the platform does not need balances.
    pub missing_balance: Option<Severity>,
    /// Whether every transaction needs a description.
    pub description_required: bool,
    /// Oldest transaction accepted, in days before today.
    pub max_age_days: Option<i64>,
    /// Severity of a transaction dated before the account's `feedStartDate`.
    pub before_feed_start: Severity,
    /// Severity of a transaction older than the newest one already on the account.
    pub older_than_latest: Severity,
    /// Whether "older than the newest one already on the account" compares calendar dates
    /// (the platform's statement lines are dates: Xero) rather than date-times.
    pub latest_by_date: bool,
    /// Longest description accepted, in characters.
    pub max_description: Option<usize>,
    /// Longest counterparty accepted, in characters.
    pub max_counterparty: Option<usize>,
    /// Longest reference accepted, in characters.
    pub max_reference: Option<usize>,
    /// The transaction types accepted, when fewer than the spec's.
    pub allowed_types: Option<&'static [TransactionType]>,
    /// Fields the platform drops.
    pub ignored_fields: &'static [Field],
    /// Where the platform's bank feeds are available, when limited.
    pub regions: Option<Regions>,
    /// Whether the platform takes direction from the type, whatever the sign (FreeAgent).
    pub type_decides_direction: bool,
    /// Source-account `accountType` values accepted (v1 accounts), when limited.
    pub account_types: Option<&'static [&'static str]>,
}

impl Profile {
    /// The generic rules, which each platform's profile starts from.
    pub const GENERIC: Profile = Profile {
        platform: Platform::Generic,
        name: "Codat",
        max_batch: crate::model::CreateBankTransactions::MAX_TRANSACTIONS,
        missing_balance: None,
        description_required: false,
        max_age_days: None,
        before_feed_start: Severity::Warning,
        older_than_latest: Severity::Warning,
        latest_by_date: false,
        max_description: None,
        max_counterparty: None,
        max_reference: None,
        allowed_types: None,
        ignored_fields: &[],
        regions: None,
        type_decides_direction: false,
        account_types: None,
    };
}

/// A profile as data, for every front end that shows one (JavaScript's `profile()`, the JSON of
/// the CLI): camelCase keys as in Codat's JSON, the platform by its short name with its `key`
/// where Codat publishes one, severities, transaction types and fields by their wire names,
/// absent limits as `null`. The one place a profile is mapped to names.
impl serde::Serialize for Profile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let key = self.platform.key();
        let mut out = s.serialize_struct("Profile", 18)?;
        out.serialize_field("platform", self.platform.as_str())?;
        match &key {
            Some(key) => out.serialize_field("key", key.as_str())?,
            None => out.skip_field("key")?,
        }
        out.serialize_field("name", self.name)?;
        out.serialize_field("maxBatch", &self.max_batch)?;
        out.serialize_field("missingBalance", &self.missing_balance)?;
        out.serialize_field("descriptionRequired", &self.description_required)?;
        out.serialize_field("maxAgeDays", &self.max_age_days)?;
        out.serialize_field("beforeFeedStart", &self.before_feed_start)?;
        out.serialize_field("olderThanLatest", &self.older_than_latest)?;
        out.serialize_field("latestByDate", &self.latest_by_date)?;
        out.serialize_field("maxDescription", &self.max_description)?;
        out.serialize_field("maxCounterparty", &self.max_counterparty)?;
        out.serialize_field("maxReference", &self.max_reference)?;
        let types: Option<Vec<&str>> = self
            .allowed_types
            .map(|types| types.iter().map(TransactionType::as_str).collect());
        out.serialize_field("allowedTypes", &types)?;
        let ignored: Vec<&str> = self.ignored_fields.iter().map(|f| f.as_str()).collect();
        out.serialize_field("ignoredFields", &ignored)?;
        out.serialize_field("regions", &self.regions)?;
        out.serialize_field("typeDecidesDirection", &self.type_decides_direction)?;
        out.serialize_field("accountTypes", &self.account_types)?;
        out.end()
    }
}

impl serde::Serialize for Regions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Regions", 2)?;
        out.serialize_field("countries", self.countries)?;
        out.serialize_field("currencies", self.currencies)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_serialises_with_wire_names() {
        let qbo = serde_json::to_value(Platform::QuickBooksOnline.profile()).unwrap();
        assert_eq!(qbo["platform"], "qbo");
        assert_eq!(qbo["key"], "hcws");
        assert_eq!(qbo["maxBatch"], 1000);
        assert_eq!(qbo["missingBalance"], "warning");
        assert_eq!(
            qbo["allowedTypes"],
            serde_json::json!(["Credit", "Debit", "Unknown"])
        );
        assert_eq!(
            qbo["ignoredFields"],
            serde_json::json!(["counterparty", "reference", "reconciled"])
        );
        assert_eq!(qbo["regions"]["countries"], serde_json::json!(["US", "CA"]));
        let generic = serde_json::to_value(Platform::Generic.profile()).unwrap();
        assert!(generic.get("key").is_none());
        assert!(generic["missingBalance"].is_null() && generic["maxAgeDays"].is_null());
        let xero = serde_json::to_value(Platform::Xero.profile()).unwrap();
        assert_eq!(xero["accountTypes"], serde_json::json!(["Debit", "Credit"]));
        assert_eq!(xero["latestByDate"], true);
    }

    #[test]
    fn names_and_keys_round_trip() {
        for &p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>().unwrap(), p);
            assert_eq!(p.profile().platform, p);
            if let Some(key) = p.key() {
                assert_eq!(Platform::from_key(&key), p);
                assert_eq!(key.as_str().parse::<Platform>().unwrap(), p);
            }
        }
        assert!("quickbook".parse::<Platform>().is_err());
    }

    #[test]
    fn every_platform_takes_at_most_1000() {
        for &p in Platform::ALL {
            assert!(p.profile().max_batch <= 1000);
        }
    }
}
