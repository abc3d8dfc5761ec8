//! The three value types that cross as text and arrive typed: money, wall-clock date-times and
//! calendar dates.
//!
//! Each is a UniFFI custom type over a string. `uniffi.toml` tells the generated Kotlin and Swift
//! which type to show and how to convert: `Money` is `java.math.BigDecimal` / `Foundation.Decimal`,
//! `WallClock` is `java.time.LocalDateTime` / an ISO 8601 `String`, `CalendarDate` is
//! `java.time.LocalDate` / a `YYYY-MM-DD` `String`.
//!
//! On the Rust side the text is kept as given and read by the core's own parsers, so a value the
//! core cannot take (a `BigDecimal` with 40 digits, the year 10000) becomes a finding naming the
//! row and field (in a report, or in a [`crate::BankFeedsError::Validation`]'s), or an
//! [`crate::BankFeedsError::InvalidInput`] for an option, never a failed conversion inside the
//! generated code.

use bankfeeds::dates::{DateError, LocalDateTime};
use bankfeeds::money::{self, Decimal, MoneyError};
use chrono::NaiveDate;

/// An exact amount of money: `java.math.BigDecimal` in Kotlin, `Decimal` in Swift.
///
/// It crosses the boundary as its plain decimal text (`"-17.54"`), never as a float, so every
/// digit and the scale arrive as written: `BigDecimal("2500.00")` comes back as
/// `BigDecimal("2500.00")`. At most 28 significant digits are kept exactly; more is reported as
/// `invalid_number` on the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money(pub(crate) String);

uniffi::custom_type!(Money, String, {
    lower: |m| m.0,
    try_lift: |s| Ok(Money(s)),
});

impl Money {
    pub(crate) fn decimal(&self) -> Result<Decimal, MoneyError> {
        money::parse_decimal(&self.0)
    }
}

impl From<Decimal> for Money {
    fn from(d: Decimal) -> Self {
        Money(d.to_string())
    }
}

/// A transaction's local wall-clock date-time, never converted between zones:
/// `java.time.LocalDateTime` in Kotlin; in Swift an ISO 8601 `String` such as
/// `"2024-05-01T09:30:00"` (Foundation has no wall-clock type, and `Date` is an instant, which
/// would invite a zone conversion).
///
/// Values returned by bankfeeds are always a full date-time with seconds (and fractional seconds
/// when there are any), so `LocalDateTime.parse` reads them. Values passed in may also be a plain
/// date (`2024-05-01`) or carry an offset, which is dropped (never applied) with an
/// `offset_dropped` warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallClock(pub(crate) String);

uniffi::custom_type!(WallClock, String, {
    lower: |w| w.0,
    try_lift: |s| Ok(WallClock(s)),
});

impl WallClock {
    pub(crate) fn parse(&self) -> Result<LocalDateTime, DateError> {
        LocalDateTime::parse(&self.0)
    }
}

impl From<LocalDateTime> for WallClock {
    fn from(d: LocalDateTime) -> Self {
        // Written back with seconds whatever precision came in, so `LocalDateTime.parse` (which
        // needs at least hours and minutes) reads every value.
        WallClock(LocalDateTime::new(d.datetime()).to_string())
    }
}

/// A calendar day: `java.time.LocalDate` in Kotlin, a `"YYYY-MM-DD"` `String` in Swift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDate(pub(crate) String);

uniffi::custom_type!(CalendarDate, String, {
    lower: |d| d.0,
    try_lift: |s| Ok(CalendarDate(s)),
});

impl CalendarDate {
    pub(crate) fn parse(&self) -> Result<NaiveDate, DateError> {
        LocalDateTime::parse(&self.0).map(|d| d.date())
    }
}

impl From<NaiveDate> for CalendarDate {
    fn from(d: NaiveDate) -> Self {
        CalendarDate(LocalDateTime::from_date(d).to_string())
    }
}
