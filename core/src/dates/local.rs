//! Local date-times: what a pushed transaction's `date` is.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::iso::{IsoText, parse_iso, write_iso};
use super::{DateError, DateVisitor, Precision};

/// The date of a pushed bank transaction: a wall-clock date-time with no zone.
///
/// Equality, ordering and hashing look at the wall-clock value only; how it was written and any
/// offset that was dropped are kept for writing back and for warnings.
///
/// ```
/// use bankfeeds::dates::LocalDateTime;
/// let d: LocalDateTime = "2024-03-31T23:30:00-05:00".parse().unwrap();
/// assert_eq!(d.to_string(), "2024-03-31T23:30:00"); // the day does not move
/// assert_eq!(d.dropped_offset_seconds(), Some(-5 * 3600));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct LocalDateTime {
    datetime: NaiveDateTime,
    precision: Precision,
    dropped_offset: Option<i32>,
}

impl LocalDateTime {
    /// A local date-time written with second precision.
    pub fn new(datetime: NaiveDateTime) -> Self {
        let precision = match datetime.nanosecond() {
            0 => Precision::Seconds,
            n if n % 1_000_000 == 0 => Precision::Fraction(3),
            n if n % 1_000 == 0 => Precision::Fraction(6),
            _ => Precision::Fraction(9),
        };
        LocalDateTime {
            datetime,
            precision,
            dropped_offset: None,
        }
    }

    /// A plain date (midnight), written back as `YYYY-MM-DD`.
    pub fn from_date(date: NaiveDate) -> Self {
        LocalDateTime {
            datetime: date.and_time(NaiveTime::MIN),
            precision: Precision::Date,
            dropped_offset: None,
        }
    }

    /// A wall-clock date-time that came with a UTC offset: the offset is dropped, never applied, and
    /// remembered so validation can warn about it.
    pub fn with_dropped_offset(datetime: NaiveDateTime, offset_seconds: i32) -> Self {
        LocalDateTime {
            dropped_offset: (offset_seconds != 0).then_some(offset_seconds),
            ..LocalDateTime::new(datetime)
        }
    }

    /// Reads an ISO 8601 date or date-time; any offset is dropped (and remembered), never applied.
    pub fn parse(input: &str) -> Result<Self, DateError> {
        let p = parse_iso(input)?;
        Ok(LocalDateTime {
            datetime: p.datetime,
            precision: p.precision,
            dropped_offset: p.offset.filter(|&o| o != 0),
        })
    }

    /// The wall-clock date-time Codat books.
    pub fn datetime(&self) -> NaiveDateTime {
        self.datetime
    }

    /// The calendar date Codat books.
    pub fn date(&self) -> NaiveDate {
        self.datetime.date()
    }

    /// How the value was written.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// A non-zero UTC offset (in seconds) that the input carried and that was dropped, if any.
    pub fn dropped_offset_seconds(&self) -> Option<i32> {
        self.dropped_offset
    }

    /// The same wall-clock value, forgetting how it was written (written back with seconds).
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }
}

impl PartialEq for LocalDateTime {
    fn eq(&self, other: &Self) -> bool {
        self.datetime == other.datetime
    }
}
impl Eq for LocalDateTime {}
impl PartialOrd for LocalDateTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for LocalDateTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.datetime.cmp(&other.datetime)
    }
}
impl Hash for LocalDateTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.datetime.hash(state);
    }
}

impl From<NaiveDateTime> for LocalDateTime {
    fn from(value: NaiveDateTime) -> Self {
        LocalDateTime::new(value)
    }
}
impl From<NaiveDate> for LocalDateTime {
    fn from(value: NaiveDate) -> Self {
        LocalDateTime::from_date(value)
    }
}

impl FromStr for LocalDateTime {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LocalDateTime::parse(s)
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_iso(f, &self.datetime, self.precision, false)
    }
}

impl LocalDateTime {
    /// Hands `f` the ISO text, formatted on the stack (a heap string only for years that
    /// `IsoText` does not write).
    fn with_iso<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match IsoText::new(&self.datetime, self.precision, false) {
            Some(text) => f(text.as_str()),
            None => f(&self.to_string()),
        }
    }

    /// Writes the ISO text at the front of `to` (room for 35 bytes) and says how long it is;
    /// `None` (nothing written) for years outside 0 to 9999.
    #[inline(always)]
    pub(crate) fn put_iso<P: crate::text::Place + ?Sized>(&self, to: &mut P) -> Option<usize> {
        super::iso::put_iso(&self.datetime, self.precision, false, to)
    }
}

impl Serialize for LocalDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with_iso(|text| s.serialize_str(text))
    }
}

impl<'de> Deserialize<'de> for LocalDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(DateVisitor(std::marker::PhantomData))
    }
}
