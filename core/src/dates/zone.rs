//! "Today" where the account is kept.
//!
//! Date rules (nothing dated after today, nothing older than a year) are judged against the
//! account's local calendar date, not UTC's: a Sydney bank pushing at 08:00 on the 2nd is still on
//! the 1st in UTC, and its rows of the 2nd must not look like the future. [`TimeZone`] says where
//! the account is kept; [`today_in`] gives the date there. The default is the machine's local
//! zone.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};

/// Where an account is kept, for its calendar date.
///
/// Written as `local` (the machine's zone, the default), an IANA name such as
/// `Australia/Sydney` (with the `time-zones` feature, on by default), `UTC`, or a fixed offset
/// from UTC: `+10:00`, `-0530`, `+10`, optionally after `UTC` or `GMT` (`UTC+10:00`).
///
/// ```
/// use bankfeeds::dates::TimeZone;
/// use chrono::{TimeZone as _, Utc};
/// // 22:00 UTC on 1 June is 08:00 on 2 June in Sydney, 17:00 on 1 June in Chicago.
/// let instant = Utc.with_ymd_and_hms(2024, 6, 1, 22, 0, 0).unwrap();
/// let sydney: TimeZone = "Australia/Sydney".parse().unwrap();
/// assert_eq!(sydney.date_at(instant).to_string(), "2024-06-02");
/// assert_eq!("-05:00".parse::<TimeZone>().unwrap().date_at(instant).to_string(), "2024-06-01");
/// assert_eq!(sydney.to_string(), "Australia/Sydney");
/// assert!("Mars/Olympus".parse::<TimeZone>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TimeZone {
    /// The machine's local zone (the `TZ` variable or the system's setting).
    #[default]
    Local,
    /// A fixed offset from UTC.
    Fixed(FixedOffset),
    /// An IANA zone, with its daylight-saving rules.
    #[cfg(feature = "time-zones")]
    Named(chrono_tz::Tz),
}

/// A time zone that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a time zone: {reason}")]
pub struct TimeZoneError {
    /// The text given (cut to 64 characters).
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl TimeZoneError {
    fn new(input: &str, reason: impl Into<String>) -> Self {
        let mut cut: String = input.chars().take(64).collect();
        if input.chars().count() > 64 {
            cut.push('…');
        }
        TimeZoneError {
            input: cut,
            reason: reason.into(),
        }
    }
}

impl TimeZone {
    /// UTC.
    pub const UTC: TimeZone = TimeZone::Fixed(FixedOffset::east_opt(0).expect("zero offset"));

    /// Reads a zone; see [`TimeZone`] for the forms.
    pub fn parse(text: &str) -> Result<TimeZone, TimeZoneError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(TimeZoneError::new(
                text,
                "empty; give an IANA name such as Australia/Sydney, an offset such as +10:00, or local",
            ));
        }
        if t.eq_ignore_ascii_case("local") {
            return Ok(TimeZone::Local);
        }
        for utc in ["UTC", "GMT", "Z", "Etc/UTC"] {
            if t.eq_ignore_ascii_case(utc) {
                return Ok(TimeZone::UTC);
            }
        }
        let offset = ["UTC", "GMT"]
            .iter()
            .find_map(|p| {
                t.get(..p.len())
                    .filter(|head| head.eq_ignore_ascii_case(p))
                    .map(|_| &t[p.len()..])
            })
            .unwrap_or(t);
        if offset.starts_with(['+', '-']) {
            return parse_offset(offset).map(TimeZone::Fixed).ok_or_else(|| {
                TimeZoneError::new(
                    text,
                    "an offset is written +HH:MM, +HHMM or +HH (at most 23:59 either way)",
                )
            });
        }
        named(t).ok_or_else(|| {
            TimeZoneError::new(
                text,
                if cfg!(feature = "time-zones") {
                    "not an IANA time-zone name (such as Australia/Sydney or Europe/London), an offset (+10:00) or local"
                } else {
                    "this build of bankfeeds has no time-zone names (feature `time-zones`): give an offset such as +10:00, or local"
                },
            )
        })
    }

    /// The calendar date in this zone now.
    pub fn today(&self) -> NaiveDate {
        match self {
            TimeZone::Local => chrono::Local::now().date_naive(),
            other => other.date_at(Utc::now()),
        }
    }

    /// The calendar date in this zone at an instant. For [`TimeZone::Local`], the machine's
    /// zone's offset at that instant.
    pub fn date_at(&self, instant: DateTime<Utc>) -> NaiveDate {
        match self {
            TimeZone::Local => instant.with_timezone(&chrono::Local).date_naive(),
            TimeZone::Fixed(offset) => instant.with_timezone(offset).date_naive(),
            #[cfg(feature = "time-zones")]
            TimeZone::Named(tz) => instant.with_timezone(tz).date_naive(),
        }
    }

    /// The zone's offset from UTC at an instant.
    pub fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        match self {
            TimeZone::Local => instant.with_timezone(&chrono::Local).offset().fix(),
            TimeZone::Fixed(offset) => *offset,
            #[cfg(feature = "time-zones")]
            TimeZone::Named(tz) => instant.with_timezone(tz).offset().fix(),
        }
    }
}

/// Today's calendar date where an account is kept: `zone.today()`. What the client's push, the
/// CLI and the bindings use when the caller gives no `today`.
///
/// ```
/// use bankfeeds::dates::{today_in, TimeZone};
/// let here = today_in(&TimeZone::Local);
/// let utc = today_in(&TimeZone::UTC);
/// assert!((here - utc).num_days().abs() <= 1);
/// ```
pub fn today_in(zone: &TimeZone) -> NaiveDate {
    zone.today()
}

/// `+HH:MM`, `+HHMM` or `+HH` (or `-`), at most 23:59.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = match (digits.len(), digits.as_bytes().get(2)) {
        (2, _) => (digits, "00"),
        (4, _) => (&digits[..2], &digits[2..]),
        (5, Some(b':')) => (&digits[..2], &digits[3..]),
        _ => return None,
    };
    if !(h.bytes().all(|b| b.is_ascii_digit()) && m.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(feature = "time-zones")]
fn named(text: &str) -> Option<TimeZone> {
    if let Ok(tz) = text.parse::<chrono_tz::Tz>() {
        return Some(TimeZone::Named(tz));
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(text))
        .map(|tz| TimeZone::Named(*tz))
}

#[cfg(not(feature = "time-zones"))]
fn named(_: &str) -> Option<TimeZone> {
    None
}

impl FromStr for TimeZone {
    type Err = TimeZoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimeZone::parse(s)
    }
}

impl fmt::Display for TimeZone {
    /// `local`, the IANA name, or the offset as `+HH:MM` (`+00:00` for UTC).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeZone::Local => f.write_str("local"),
            TimeZone::Fixed(offset) => write!(f, "{offset}"),
            #[cfg(feature = "time-zones")]
            TimeZone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn offsets_in_every_form() {
        let ten = FixedOffset::east_opt(10 * 3600).unwrap();
        for t in ["+10:00", "+1000", "+10", "UTC+10", "gmt+10:00", " +10:00 "] {
            assert_eq!(TimeZone::parse(t), Ok(TimeZone::Fixed(ten)), "{t}");
        }
        let minus = FixedOffset::west_opt(5 * 3600 + 1800).unwrap();
        assert_eq!(TimeZone::parse("-05:30"), Ok(TimeZone::Fixed(minus)));
        for t in ["UTC", "utc", "Z", "GMT", "+00:00", "-00"] {
            assert_eq!(TimeZone::parse(t), Ok(TimeZone::UTC), "{t}");
        }
        assert_eq!(TimeZone::parse("LOCAL"), Ok(TimeZone::Local));
        for bad in [
            "+24:00", "+10:60", "+1", "+10:0", "++10", "+ab", "", "   ", "10:00",
        ] {
            let e = TimeZone::parse(bad).unwrap_err();
            assert!(!e.reason.is_empty(), "{bad}");
        }
        assert_eq!(TimeZone::Fixed(minus).to_string(), "-05:30");
        assert_eq!(TimeZone::UTC.to_string(), "+00:00");
        assert_eq!(TimeZone::Local.to_string(), "local");
    }

    #[test]
    fn the_date_is_the_zones_calendar_date() {
        // 22:30 UTC on 1 June: already 2 June in Sydney (UTC+10 in winter).
        let evening = at(2024, 6, 1, 22, 30);
        assert_eq!(TimeZone::UTC.date_at(evening), day(2024, 6, 1));
        assert_eq!(
            TimeZone::parse("+10:00").unwrap().date_at(evening),
            day(2024, 6, 2)
        );
        assert_eq!(
            TimeZone::parse("-03:00")
                .unwrap()
                .date_at(at(2024, 6, 2, 1, 0)),
            day(2024, 6, 1)
        );
    }

    #[cfg(feature = "time-zones")]
    #[test]
    fn named_zones_follow_daylight_saving() {
        let sydney = TimeZone::parse("Australia/Sydney").unwrap();
        assert_eq!(TimeZone::parse("australia/sydney"), Ok(sydney));
        assert_eq!(sydney.to_string(), "Australia/Sydney");
        // Winter (AEST, +10): 14:00 UTC is midnight. Summer (AEDT, +11): 13:00 UTC is.
        assert_eq!(sydney.date_at(at(2024, 6, 1, 13, 59)), day(2024, 6, 1));
        assert_eq!(sydney.date_at(at(2024, 6, 1, 14, 0)), day(2024, 6, 2));
        assert_eq!(sydney.date_at(at(2024, 1, 1, 12, 59)), day(2024, 1, 1));
        assert_eq!(sydney.date_at(at(2024, 1, 1, 13, 0)), day(2024, 1, 2));
        assert_eq!(
            sydney.offset_at(at(2024, 1, 1, 0, 0)),
            FixedOffset::east_opt(11 * 3600).unwrap()
        );
        let e = TimeZone::parse("Mars/Olympus_Mons").unwrap_err();
        assert!(e.to_string().contains("IANA"), "{e}");
    }

    #[test]
    fn local_is_the_machines_zone() {
        let now = Utc::now();
        assert_eq!(
            TimeZone::Local.date_at(now),
            now.with_timezone(&chrono::Local).date_naive()
        );
        assert_eq!(TimeZone::default(), TimeZone::Local);
        let today = today_in(&TimeZone::Local);
        assert!((today - TimeZone::UTC.today()).num_days().abs() <= 1);
    }
}
