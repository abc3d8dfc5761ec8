//! Server timestamps, in UTC.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::iso::{IsoText, parse_iso, write_iso};
use super::{DateError, DateVisitor, LocalDateTime, Precision};

/// A server timestamp in UTC (`requestedOnUtc`, `modifiedDate`, `feedStartDate`, ...).
///
/// Codat writes these with `Z`, with an offset, without a suffix, or as a plain date; all are read
/// (offsets are applied, a missing suffix means UTC) and written back in the same style.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp {
    utc: NaiveDateTime,
    precision: Precision,
    zulu: bool,
}

impl Timestamp {
    /// A UTC instant written with `Z` and millisecond precision where it has any.
    pub fn new(utc: DateTime<Utc>) -> Self {
        let local = LocalDateTime::new(utc.naive_utc());
        Timestamp {
            utc: utc.naive_utc(),
            precision: local.precision(),
            zulu: true,
        }
    }

    /// The current time.
    pub fn now() -> Self {
        Timestamp::new(Utc::now())
    }

    /// Reads an ISO 8601 timestamp; an offset is applied, no suffix means UTC.
    pub fn parse(input: &str) -> Result<Self, DateError> {
        let p = parse_iso(input)?;
        let utc = match p.offset {
            Some(off) => p
                .datetime
                .checked_sub_signed(chrono::TimeDelta::seconds(i64::from(off)))
                .ok_or_else(|| DateError::new(input, "out of range after applying the offset"))?,
            None => p.datetime,
        };
        // 9999-12-31T23:00:00-10:00 is in the year 10000 in UTC: an instant no ISO text of
        // four-digit years can write back, so it is refused rather than read.
        if !(0..=9999).contains(&chrono::Datelike::year(&utc)) {
            return Err(DateError::new(
                input,
                "is outside the years 0000 to 9999 once its offset is applied",
            ));
        }
        Ok(Timestamp {
            utc,
            precision: p.precision,
            zulu: p.offset.is_some(),
        })
    }

    /// The instant.
    pub fn utc(&self) -> DateTime<Utc> {
        self.utc.and_utc()
    }

    /// The UTC calendar date.
    pub fn date(&self) -> NaiveDate {
        self.utc.date()
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.utc == other.utc
    }
}
impl Eq for Timestamp {}
impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.utc.cmp(&other.utc)
    }
}
impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.utc.hash(state);
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Timestamp::new(value)
    }
}

impl FromStr for Timestamp {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_iso(f, &self.utc, self.precision, self.zulu)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match IsoText::new(&self.utc, self.precision, self.zulu) {
            Some(text) => s.serialize_str(text.as_str()),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(DateVisitor(std::marker::PhantomData))
    }
}
