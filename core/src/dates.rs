//! Dates as Codat and banks write them.
//!
//! Two kinds of instant cross the Bank Feeds API:
//!
//! * A pushed transaction's `date` is a **local** date-time ([`LocalDateTime`]). Codat ignores any
//!   offset and books the wall-clock part, so bankfeeds never converts zones: a card payment at
//!   `2024-03-31T23:30:00-05:00` stays on the 31st. The offset that was dropped is remembered so
//!   validation can warn about it, and the value is written back without a suffix.
//! * Server timestamps (`requestedOnUtc`, `modifiedDate`, `feedStartDate`, ...) are UTC
//!   ([`Timestamp`]). Codat sometimes omits the `Z`; such values are read as UTC.
//!
//! Both parsers accept what banks and Codat send: `Z`, `±HH:MM`, `±HHMM`, `±HH` offsets or none,
//! a `T` or a space between date and time, up to 9 fractional digits (Codat itself writes 7, as in
//! `2023-09-06T09:13:40.2266667`), seconds optional, and plain dates. Both write back the precision
//! they were given, so a round trip keeps every digit.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid date: {reason}")]
pub struct DateError {
    /// The text that was given (cut to 64 characters).
    pub input: String,
    /// What is wrong with it, e.g. "February 2023 has no day 29".
    pub reason: String,
}

impl DateError {
    fn new(input: &str, reason: impl Into<String>) -> Self {
        let mut cut = input.to_owned();
        if cut.len() > 64 {
            let mut end = 64;
            while !cut.is_char_boundary(end) {
                end -= 1;
            }
            cut.truncate(end);
            cut.push('…');
        }
        DateError {
            input: cut,
            reason: reason.into(),
        }
    }
}

/// How a date-time was written, so it can be written back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// A plain date, `2023-08-22`.
    Date,
    /// Hours and minutes only, `2023-08-22T10:21`.
    Minutes,
    /// Seconds with this many fractional digits (0 to 9).
    #[default]
    Seconds,
    /// Seconds with this many fractional digits (1 to 9).
    Fraction(u8),
}

/// The pieces of an ISO 8601 text, before any meaning is given to its offset.
struct Parsed {
    datetime: NaiveDateTime,
    precision: Precision,
    /// Offset from UTC in seconds; `Some(0)` for `Z`; `None` when absent.
    offset: Option<i32>,
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn parse_iso(input: &str) -> Result<Parsed, DateError> {
    let s = input.trim();
    let b = s.as_bytes();
    let shape = "expected YYYY-MM-DD, optionally followed by THH:MM[:SS[.fff]] and Z or ±HH:MM";
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(DateError::new(input, shape));
    }
    let (Some(year), Some(month), Some(day)) = (digits(b, 0, 4), digits(b, 5, 2), digits(b, 8, 2))
    else {
        return Err(DateError::new(input, shape));
    };
    if !(1..=12).contains(&month) {
        return Err(DateError::new(input, format!("there is no month {month}")));
    }
    let Some(date) = NaiveDate::from_ymd_opt(year as i32, month, day) else {
        return Err(DateError::new(
            input,
            format!("{} {year} has no day {day}", MONTHS[(month - 1) as usize]),
        ));
    };
    if b.len() == 10 {
        return Ok(Parsed {
            datetime: date.and_time(NaiveTime::MIN),
            precision: Precision::Date,
            offset: None,
        });
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return Err(DateError::new(input, shape));
    }
    let (Some(hour), Some(minute)) = (digits(b, 11, 2), digits(b, 14, 2)) else {
        return Err(DateError::new(input, shape));
    };
    if b.get(13) != Some(&b':') {
        return Err(DateError::new(input, shape));
    }
    let mut at = 16;
    let mut second = 0;
    let mut nanos = 0u32;
    let mut precision = Precision::Minutes;
    if b.get(at) == Some(&b':') {
        second = digits(b, at + 1, 2).ok_or_else(|| DateError::new(input, shape))?;
        at += 3;
        precision = Precision::Seconds;
        if matches!(b.get(at), Some(b'.') | Some(b',')) {
            at += 1;
            let start = at;
            while at < b.len() && b[at].is_ascii_digit() {
                at += 1;
            }
            let n = at - start;
            if n == 0 {
                return Err(DateError::new(
                    input,
                    "a decimal point must be followed by digits",
                ));
            }
            if n > 9 {
                return Err(DateError::new(
                    input,
                    format!("{n} fractional digits; at most 9 (nanoseconds) are kept"),
                ));
            }
            let frac = digits(b, start, n).unwrap_or(0);
            nanos = frac * 10u32.pow(9 - n as u32);
            precision = Precision::Fraction(n as u8);
        }
    }
    if hour > 23 {
        return Err(DateError::new(input, format!("there is no hour {hour}")));
    }
    if minute > 59 {
        return Err(DateError::new(
            input,
            format!("there is no minute {minute}"),
        ));
    }
    if second > 59 {
        return Err(DateError::new(
            input,
            format!("there is no second {second}"),
        ));
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
        .ok_or_else(|| DateError::new(input, "the time of day is out of range"))?;
    let rest = &b[at..];
    let offset = match rest {
        [] => None,
        [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let sign = if *sign == b'-' { -1 } else { 1 };
            let (h, m) = match tail {
                [_, _] => (digits(tail, 0, 2), Some(0)),
                [_, _, b':', _, _] => (digits(tail, 0, 2), digits(tail, 3, 2)),
                [_, _, _, _] => (digits(tail, 0, 2), digits(tail, 2, 2)),
                _ => (None, None),
            };
            match (h, m) {
                (Some(h), Some(m)) if h <= 23 && m <= 59 => {
                    Some(sign * (h as i32 * 3600 + m as i32 * 60))
                }
                _ => {
                    return Err(DateError::new(
                        input,
                        "the offset must be Z, ±HH:MM, ±HHMM or ±HH",
                    ));
                }
            }
        }
        _ => return Err(DateError::new(input, shape)),
    };
    Ok(Parsed {
        datetime: date.and_time(time),
        precision,
        offset,
    })
}

fn write_iso(f: &mut impl fmt::Write, dt: &NaiveDateTime, precision: Precision) -> fmt::Result {
    let d = dt.date();
    write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day())?;
    match precision {
        Precision::Date => Ok(()),
        Precision::Minutes => write!(f, "T{:02}:{:02}", dt.hour(), dt.minute()),
        Precision::Seconds => write!(f, "T{:02}:{:02}:{:02}", dt.hour(), dt.minute(), dt.second()),
        Precision::Fraction(n) => {
            write!(f, "T{:02}:{:02}:{:02}", dt.hour(), dt.minute(), dt.second())?;
            let n = u32::from(n.clamp(1, 9));
            let frac = dt.nanosecond() % 1_000_000_000 / 10u32.pow(9 - n);
            write!(f, ".{:0width$}", frac, width = n as usize)
        }
    }
}

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
        write_iso(f, &self.datetime, self.precision)
    }
}

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
            precision: local.precision,
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
        write_iso(f, &self.utc, self.precision)?;
        if self.zulu && self.precision != Precision::Date {
            f.write_str("Z")?;
        }
        Ok(())
    }
}

/// Formats into a stack buffer so serialising a million dates allocates nothing.
struct StackStr {
    buf: [u8; 48],
    len: usize,
}

impl fmt::Write for StackStr {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl StackStr {
    fn format(value: &impl fmt::Display) -> Option<Self> {
        use fmt::Write;
        let mut s = StackStr {
            buf: [0; 48],
            len: 0,
        };
        write!(s, "{value}").ok()?;
        Some(s)
    }
    fn as_str(&self) -> &str {
        // Only whole `str`s are ever copied in.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

fn serialize_display<S: Serializer>(value: &impl fmt::Display, s: S) -> Result<S::Ok, S::Error> {
    match StackStr::format(value) {
        Some(buf) => s.serialize_str(buf.as_str()),
        None => s.collect_str(value),
    }
}

impl Serialize for LocalDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_display(self, s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_display(self, s)
    }
}

struct DateVisitor<T>(std::marker::PhantomData<T>);

impl<T: FromStr<Err = DateError>> Visitor<'_> for DateVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an ISO 8601 date or date-time string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for LocalDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(DateVisitor(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(DateVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> LocalDateTime {
        s.parse().unwrap()
    }

    #[test]
    fn offsets_are_dropped_not_applied() {
        let d = local("2024-03-31T23:30:00-05:00");
        assert_eq!(d.date(), NaiveDate::from_ymd_opt(2024, 3, 31).unwrap());
        assert_eq!(d.to_string(), "2024-03-31T23:30:00");
        assert_eq!(d.dropped_offset_seconds(), Some(-18000));
        let z = local("2023-08-22T10:21:00.000Z");
        assert_eq!(
            z.dropped_offset_seconds(),
            None,
            "Z is a zero offset, nothing dropped"
        );
        assert_eq!(z.to_string(), "2023-08-22T10:21:00.000");
        assert_eq!(
            local("2023-08-22T10:21:00+0530").dropped_offset_seconds(),
            Some(19800)
        );
        assert_eq!(
            local("2023-08-22T10:21:00+01").dropped_offset_seconds(),
            Some(3600)
        );
    }

    #[test]
    fn precision_round_trips() {
        for s in [
            "2023-08-22",
            "2023-08-22T10:21",
            "2023-08-22T10:21:00",
            "2023-09-06T09:13:40.2266667",
            "2023-09-06T09:13:40.1",
            "2023-09-06T09:13:40.123456789",
        ] {
            assert_eq!(local(s).to_string(), s);
        }
        assert_eq!(
            local("2023-08-22 10:21:00").to_string(),
            "2023-08-22T10:21:00"
        );
    }

    #[test]
    fn impossible_dates_say_why() {
        let e = LocalDateTime::parse("2023-02-29").unwrap_err();
        assert_eq!(e.reason, "February 2023 has no day 29");
        assert!(LocalDateTime::parse("2024-02-29").is_ok());
        assert_eq!(
            LocalDateTime::parse("2023-13-01").unwrap_err().reason,
            "there is no month 13"
        );
        assert_eq!(
            LocalDateTime::parse("2023-01-01T24:00:00")
                .unwrap_err()
                .reason,
            "there is no hour 24"
        );
        assert_eq!(
            LocalDateTime::parse("2023-01-01T10:60").unwrap_err().reason,
            "there is no minute 60"
        );
        for bad in [
            "",
            "yesterday",
            "2023-1-1",
            "22/08/2023",
            "2023-08-22T",
            "2023-08-22T10",
            "2023-08-22T10:21:00.",
            "2023-08-22T10:21:00.1234567890",
            "2023-08-22T10:21:00+25:00",
            "2023-08-22T10:21:00 UTC",
            "2023-08-22T10:21:00Zjunk",
            "٢٠٢٣-08-22",
        ] {
            assert!(
                LocalDateTime::parse(bad).is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn timestamps_apply_offsets_and_keep_style() {
        let t = Timestamp::parse("2023-01-09T13:46:59.4019628Z").unwrap();
        assert_eq!(t.to_string(), "2023-01-09T13:46:59.4019628Z");
        let bare = Timestamp::parse("2023-09-06T09:13:40.2266667").unwrap();
        assert_eq!(bare.to_string(), "2023-09-06T09:13:40.2266667");
        let off = Timestamp::parse("2023-01-09T01:00:00-05:00").unwrap();
        assert_eq!(off, Timestamp::parse("2023-01-09T06:00:00Z").unwrap());
        assert_eq!(off.to_string(), "2023-01-09T06:00:00Z");
        assert_eq!(
            Timestamp::parse("2024-05-01").unwrap().to_string(),
            "2024-05-01"
        );
    }

    #[test]
    fn ordering_ignores_formatting() {
        assert_eq!(local("2023-08-22"), local("2023-08-22T00:00:00.000"));
        assert!(local("2023-08-22T10:21:00") < local("2023-08-22T10:21:00.001"));
    }

    #[test]
    fn serde_writes_strings() {
        let d = local("2023-09-06T09:13:40.2266667");
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            "\"2023-09-06T09:13:40.2266667\""
        );
        let back: LocalDateTime = serde_json::from_str("\"2023-09-06T09:13:40.2266667\"").unwrap();
        assert_eq!(back, d);
        assert!(serde_json::from_str::<LocalDateTime>("20230906").is_err());
    }
}
