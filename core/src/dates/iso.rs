//! Reading and writing ISO 8601 text, digit by digit.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::{DateError, Precision};
use crate::money::json::pair;
use crate::text::Place;

/// The pieces of an ISO 8601 text, before any meaning is given to its offset.
pub(super) struct Parsed {
    pub(super) datetime: NaiveDateTime,
    pub(super) precision: Precision,
    /// Offset from UTC in seconds; `Some(0)` for `Z`; `None` when absent.
    pub(super) offset: Option<i32>,
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

/// What an ISO 8601 text is expected to look like, for the error when it does not.
const SHAPE: &str = "expected YYYY-MM-DD, optionally followed by THH:MM[:SS[.fff]] and Z or ±HH:MM";

pub(super) fn parse_iso(input: &str) -> Result<Parsed, DateError> {
    let s = crate::text::trim(input);
    let b = s.as_bytes();
    let date = parse_date(input, b)?;
    if b.len() == 10 {
        return Ok(Parsed {
            datetime: date.and_time(NaiveTime::MIN),
            precision: Precision::Date,
            offset: None,
        });
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return Err(DateError::new(input, SHAPE));
    }
    let (time, precision, at) = parse_time(input, b)?;
    let offset = parse_offset(input, &b[at..])?;
    Ok(Parsed {
        datetime: date.and_time(time),
        precision,
        offset,
    })
}

/// The calendar date of the first 10 bytes, `YYYY-MM-DD`, with what is wrong with it.
fn parse_date(input: &str, b: &[u8]) -> Result<NaiveDate, DateError> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(DateError::new(input, SHAPE));
    }
    let (Some(year), Some(month), Some(day)) = (digits(b, 0, 4), digits(b, 5, 2), digits(b, 8, 2))
    else {
        return Err(DateError::new(input, SHAPE));
    };
    if !(1..=12).contains(&month) {
        return Err(DateError::new(input, format!("there is no month {month}")));
    }
    NaiveDate::from_ymd_opt(year as i32, month, day).ok_or_else(|| {
        DateError::new(
            input,
            format!("{} {year} has no day {day}", MONTHS[(month - 1) as usize]),
        )
    })
}

/// The time of day after the date and its `T`: `HH:MM[:SS[.fff]]`, how precisely it was
/// written, and the index of the byte after it.
fn parse_time(input: &str, b: &[u8]) -> Result<(NaiveTime, Precision, usize), DateError> {
    let (Some(hour), Some(minute)) = (digits(b, 11, 2), digits(b, 14, 2)) else {
        return Err(DateError::new(input, SHAPE));
    };
    if b.get(13) != Some(&b':') {
        return Err(DateError::new(input, SHAPE));
    }
    let (second, nanos, precision, at) = if b.get(16) == Some(&b':') {
        parse_seconds(input, b, 17)?
    } else {
        (0, 0, Precision::Minutes, 16)
    };
    for (value, most, name) in [
        (hour, 23, "hour"),
        (minute, 59, "minute"),
        (second, 59, "second"),
    ] {
        if value > most {
            return Err(DateError::new(input, format!("there is no {name} {value}")));
        }
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
        .ok_or_else(|| DateError::new(input, "the time of day is out of range"))?;
    Ok((time, precision, at))
}

/// The seconds from `b[at..]` (`SS[.fff]`, after their colon): the seconds, the nanoseconds,
/// the precision written, and the index of the byte after them.
fn parse_seconds(
    input: &str,
    b: &[u8],
    mut at: usize,
) -> Result<(u32, u32, Precision, usize), DateError> {
    let second = digits(b, at, 2).ok_or_else(|| DateError::new(input, SHAPE))?;
    at += 2;
    if !matches!(b.get(at), Some(b'.') | Some(b',')) {
        return Ok((second, 0, Precision::Seconds, at));
    }
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
    let nanos = frac * 10u32.pow(9 - n as u32);
    Ok((second, nanos, Precision::Fraction(n as u8), at))
}

/// The offset after the time: none, `Z`, or `±HH:MM`, `±HHMM` or `±HH`, in seconds.
fn parse_offset(input: &str, rest: &[u8]) -> Result<Option<i32>, DateError> {
    let (sign, tail) = match rest {
        [] => return Ok(None),
        [b'Z'] | [b'z'] => return Ok(Some(0)),
        [b'+', tail @ ..] => (1, tail),
        [b'-', tail @ ..] => (-1, tail),
        _ => return Err(DateError::new(input, SHAPE)),
    };
    let (h, m) = match tail {
        [_, _] => (digits(tail, 0, 2), Some(0)),
        [_, _, b':', _, _] => (digits(tail, 0, 2), digits(tail, 3, 2)),
        [_, _, _, _] => (digits(tail, 0, 2), digits(tail, 2, 2)),
        _ => (None, None),
    };
    match (h, m) {
        (Some(h), Some(m)) if h <= 23 && m <= 59 => {
            Ok(Some(sign * (h as i32 * 3600 + m as i32 * 60)))
        }
        _ => Err(DateError::new(
            input,
            "the offset must be Z, ±HH:MM, ±HHMM or ±HH",
        )),
    }
}

/// ISO 8601 text, at most 35 bytes (`YYYY-MM-DDTHH:MM:SS.fffffffffZ`).
pub(super) struct IsoText {
    buf: [u8; 40],
    len: usize,
}

impl IsoText {
    /// Formats digit by digit: serialising a million dates through `write!` cost more than
    /// parsing them.
    #[inline(always)] // built where it is used, as `DecimalText` is
    pub(super) fn new(dt: &NaiveDateTime, precision: Precision, zulu: bool) -> Option<Self> {
        let mut buf = [0; 40];
        let len = put_iso(dt, precision, zulu, &mut buf[..])?;
        Some(IsoText { buf, len })
    }

    pub(super) fn as_str(&self) -> &str {
        let text = &self.buf[..self.len];
        debug_assert!(text.is_ascii());
        // SAFETY: only ASCII digits and punctuation are written.
        unsafe { std::str::from_utf8_unchecked(text) }
    }
}

/// Writes the ISO text of `dt` at the front of `to` (room for 35 bytes) and says how long it
/// is; `None` (nothing written) for a year outside 0 to 9999. Each byte is written where it
/// stays (see [`Place`]).
#[inline(always)]
pub(crate) fn put_iso<P: Place + ?Sized>(
    dt: &NaiveDateTime,
    precision: Precision,
    zulu: bool,
    to: &mut P,
) -> Option<usize> {
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        return None;
    }
    let two = |to: &mut P, at: usize, value: u32| to.put2(at, pair(u64::from(value % 100)));
    let date = dt.date();
    two(to, 0, year as u32 / 100);
    two(to, 2, year as u32 % 100);
    to.put(4, b'-');
    two(to, 5, date.month());
    to.put(7, b'-');
    two(to, 8, date.day());
    let mut len = 10;
    if precision != Precision::Date {
        let time = dt.time();
        to.put(10, b'T');
        two(to, 11, time.hour());
        to.put(13, b':');
        two(to, 14, time.minute());
        len = 16;
        if let Precision::Seconds | Precision::Fraction(_) = precision {
            to.put(16, b':');
            two(to, 17, time.second());
            len = 19;
        }
        if let Precision::Fraction(n) = precision {
            let n = usize::from(n.clamp(1, 9));
            to.put(len, b'.');
            let mut value = dt.nanosecond() % 1_000_000_000 / 10u32.pow(9 - n as u32);
            for i in (0..n).rev() {
                to.put(len + 1 + i, b'0' + (value % 10) as u8);
                value /= 10;
            }
            len += 1 + n;
        }
        if zulu {
            to.put(len, b'Z');
            len += 1;
        }
    }
    Some(len)
}

pub(super) fn write_iso(
    f: &mut fmt::Formatter<'_>,
    dt: &NaiveDateTime,
    precision: Precision,
    zulu: bool,
) -> fmt::Result {
    if let Some(text) = IsoText::new(dt, precision, zulu) {
        return f.write_str(text.as_str());
    }
    // Years outside 0000-9999 (only reachable from values built in code).
    let d = dt.date();
    write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day())?;
    if precision == Precision::Date {
        return Ok(());
    }
    write!(f, "T{:02}:{:02}", dt.hour(), dt.minute())?;
    if let Precision::Seconds | Precision::Fraction(_) = precision {
        write!(f, ":{:02}", dt.second())?;
    }
    if let Precision::Fraction(n) = precision {
        let n = u32::from(n.clamp(1, 9));
        let frac = dt.nanosecond() % 1_000_000_000 / 10u32.pow(9 - n);
        write!(f, ".{:0width$}", frac, width = n as usize)?;
    }
    if zulu {
        f.write_str("Z")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text written digit by digit is chrono's own formatting, at every precision, over
    /// years 0 to 9999 (days 1 to 29 apart), and times across the day.
    #[test]
    fn iso_text_is_chronos_formatting() {
        let first = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        let mut day = first;
        let mut k = 0u64;
        while day <= last {
            let secs = ((k * 7_919) % 86_400) as u32;
            let nanos = ((k * 104_729) % 1_000_000_000) as u32;
            let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).unwrap();
            let dt = day.and_time(time);
            let text = |precision, zulu| IsoText::new(&dt, precision, zulu).unwrap();
            assert_eq!(
                text(Precision::Date, false).as_str(),
                dt.format("%Y-%m-%d").to_string()
            );
            assert_eq!(
                text(Precision::Minutes, true).as_str(),
                dt.format("%Y-%m-%dT%H:%MZ").to_string()
            );
            assert_eq!(
                text(Precision::Seconds, false).as_str(),
                dt.format("%Y-%m-%dT%H:%M:%S").to_string()
            );
            assert_eq!(
                text(Precision::Fraction(9), false).as_str(),
                dt.format("%Y-%m-%dT%H:%M:%S%.9f").to_string()
            );
            day = day + chrono::Days::new(1 + k % 29);
            k += 1;
        }
        assert!(k > 200_000);
        assert!(
            IsoText::new(
                &last.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap(),
                Precision::Date,
                false
            )
            .is_none()
        );
    }
}
