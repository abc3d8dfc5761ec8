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
//! "Today", for the date rules, is the calendar date where the account is kept: [`TimeZone`] and
//! [`today_in`] (the machine's local zone by default, never UTC by accident).
//!
//! Both parsers accept what banks and Codat send: `Z`, `±HH:MM`, `±HHMM`, `±HH` offsets or none,
//! a `T` or a space between date and time, up to 9 fractional digits (Codat itself writes 7, as in
//! `2023-09-06T09:13:40.2266667`), seconds optional, and plain dates. Both write back the precision
//! they were given, so a round trip keeps every digit.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};

mod iso;
mod local;
mod timestamp;
mod zone;

pub use local::LocalDateTime;
pub use timestamp::Timestamp;
pub use zone::{TimeZone, TimeZoneError, today_in};

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid date: {reason}")]
pub struct DateError {
    /// The text that was given (quoted as [`crate::text::excerpt`] quotes input).
    pub input: String,
    /// What is wrong with it, e.g. "February 2023 has no day 29".
    pub reason: String,
}

impl DateError {
    pub(crate) fn new(input: &str, reason: impl Into<String>) -> Self {
        // Only what is quoted is copied (the core's one rule, `text::excerpt`).
        DateError {
            input: crate::text::excerpt(input).into_owned(),
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

/// Reads a date from a string through its `FromStr`.
pub(super) struct DateVisitor<T>(pub(super) std::marker::PhantomData<T>);

impl<T: FromStr<Err = DateError>> Visitor<'_> for DateVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an ISO 8601 date or date-time string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

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
        // Found by fuzzing: an offset that moves the instant past 9999 (or before 0000) in UTC
        // made a timestamp that printed as text no parser reads back.
        for edge in ["9999-12-31T23:59:50.0000-10", "0000-01-01T00:30:00+01:00"] {
            let e = Timestamp::parse(edge).unwrap_err();
            assert!(e.reason.contains("0000 to 9999"), "{edge}: {e}");
        }
        let last = Timestamp::parse("9999-12-31T23:59:59.999Z").unwrap();
        assert_eq!(Timestamp::parse(&last.to_string()).unwrap(), last);
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
    fn years_outside_four_digits_still_print() {
        let d = NaiveDate::from_ymd_opt(12345, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        assert_eq!(LocalDateTime::new(d).to_string(), "12345-01-02T03:04:05");
        assert_eq!(
            serde_json::to_string(&LocalDateTime::new(d)).unwrap(),
            "\"12345-01-02T03:04:05\""
        );
        let z = NaiveDate::from_ymd_opt(2024, 1, 2)
            .unwrap()
            .and_hms_nano_opt(3, 4, 5, 120_000_000)
            .unwrap();
        assert_eq!(
            Timestamp::new(z.and_utc()).to_string(),
            "2024-01-02T03:04:05.120Z"
        );
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
