//! Money: exact decimals, read and written digit for digit.
//!
//! Amounts and balances are [`Decimal`]s (96-bit mantissa, up to 28 decimal places) from the first
//! byte read to the last byte written; nothing passes through `f64`. JSON numbers are parsed from
//! their text and written back with the scale they had, so `4002.00` stays `4002.00`.
//!
//! Floats from other languages are converted only under an explicit policy: [`from_f64_exact`]
//! (Python: the binary value must be a short decimal, so `0.1` is refused) or
//! [`from_f64_shortest`] (JavaScript: the shortest text that round-trips, then checked against the
//! currency's minor units by validation).

use std::fmt;

pub use rust_decimal::Decimal;

mod currency;
pub mod json;

pub use currency::Currency;

/// The most significant digits a [`Decimal`] holds exactly.
pub const MAX_SIGNIFICANT_DIGITS: u32 = 28;

/// Why a value is not an exact amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Text that is not a decimal number (`"12,30"`, `"abc"`, `""`).
    #[error("`{input}` is not a decimal number")]
    NotANumber {
        /// The text given (quoted as [`crate::text::excerpt`] quotes input).
        input: String,
    },
    /// NaN or an infinity.
    #[error("{input} is not a finite number")]
    NotFinite {
        /// `NaN`, `inf` or `-inf`.
        input: String,
    },
    /// More significant digits than a decimal holds exactly.
    #[error("`{input}` has {digits} significant digits; at most 28 are kept exactly")]
    TooManyDigits {
        /// The text given.
        input: String,
        /// How many significant digits it has.
        digits: u32,
    },
    /// Larger than 28 digits allow.
    #[error("`{input}` is too large: amounts have at most 28 digits")]
    Overflow {
        /// The text given.
        input: String,
    },
    /// A float whose binary value has no short exact decimal form, such as `0.1`.
    #[error(
        "the float {value} is not exactly {value} in binary; pass it as a decimal or a string (\"{value}\") instead"
    )]
    InexactFloat {
        /// The float, as its shortest text.
        value: String,
    },
    /// An arithmetic result outside the range of a decimal.
    #[error("the sum overflows the range of an exact decimal")]
    ArithmeticOverflow,
}

/// The input as an error quotes it: the core's one rule, [`crate::text::excerpt`].
fn cut(input: &str) -> String {
    crate::text::excerpt(input).into_owned()
}

/// Parses a decimal number exactly: an optional sign, digits with an optional decimal point, and
/// an optional exponent (`1.5e3`). Surrounding whitespace is ignored; thousands separators,
/// currency symbols, `NaN` and infinities are refused with a [`MoneyError`] that says which.
///
/// ```
/// use bankfeeds::money::parse_decimal;
/// assert_eq!(parse_decimal("4002.00").unwrap().to_string(), "4002.00");
/// assert_eq!(parse_decimal("-1.5e2").unwrap().to_string(), "-150");
/// assert!(parse_decimal("1e30").is_err());
/// ```
pub fn parse_decimal(input: &str) -> Result<Decimal, MoneyError> {
    let s = crate::text::trim(input);
    let b = s.as_bytes();
    let (negative, start) = match b.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let not_a_number = || not_a_number(input, s);
    let (mut digits, end) = Digits::read(b, start).ok_or_else(not_a_number)?;
    if !digits.any {
        return Err(not_a_number());
    }
    if end < b.len() {
        // After the `e`.
        digits.scale -= exponent(&b[end + 1..]).ok_or_else(not_a_number)?;
    }
    digits.into_decimal(negative, s)
}

/// The error for text that is not a decimal: `NaN` and infinities are named as such.
fn not_a_number(input: &str, trimmed: &str) -> MoneyError {
    let lower = trimmed.to_ascii_lowercase();
    let bare = lower.trim_start_matches(['+', '-']);
    if matches!(bare, "nan" | "inf" | "infinity") {
        MoneyError::NotFinite {
            input: cut(trimmed),
        }
    } else {
        MoneyError::NotANumber { input: cut(input) }
    }
}

/// The digits of a decimal's text up to any exponent, as [`parse_decimal`] reads them.
struct Digits {
    /// The significant digits while there are at most 19: money has a handful of digits, so
    /// they are accumulated in 64 bits (128-bit arithmetic is a library call in WebAssembly).
    small: u64,
    /// The significant digits once there are more than 19 (widened from `small`).
    mantissa: u128,
    /// Significant digits met (counted on past what is kept, for the message).
    significant: u32,
    /// Digits after the point, less the exponent once it is read.
    scale: i64,
    /// Whether any digit was met.
    any: bool,
}

impl Digits {
    /// Reads digits and at most one point from `b[at..]`, up to the end or an `e`/`E`; gives
    /// them with the index where reading stopped. `None` for any other byte.
    fn read(b: &[u8], mut at: usize) -> Option<(Digits, usize)> {
        let mut d = Digits {
            small: 0,
            mantissa: 0,
            significant: 0,
            scale: 0,
            any: false,
        };
        let mut seen_point = false;
        while at < b.len() {
            match b[at] {
                c @ b'0'..=b'9' => {
                    d.any = true;
                    if seen_point {
                        // Leading zeros after the point only move the scale.
                        d.scale += 1;
                    }
                    d.digit(c - b'0');
                }
                b'.' if !seen_point => seen_point = true,
                b'e' | b'E' => break,
                _ => return None,
            }
            at += 1;
        }
        Some((d, at))
    }

    /// Takes one digit; leading zeros are not significant.
    fn digit(&mut self, v: u8) {
        if self.significant == 0 && v == 0 {
            return;
        }
        self.significant += 1;
        if self.significant <= 19 {
            self.small = self.small * 10 + u64::from(v);
        } else if self.significant <= MAX_SIGNIFICANT_DIGITS + 1 {
            if self.significant == 20 {
                self.mantissa = u128::from(self.small);
            }
            self.mantissa = self.mantissa * 10 + u128::from(v);
        }
        // Past that, digits are only counted for the message.
    }

    /// The decimal the digits and scale make, or why there is none (`s` is the text quoted).
    fn into_decimal(self, negative: bool, s: &str) -> Result<Decimal, MoneyError> {
        let Digits {
            small,
            mut mantissa,
            significant,
            mut scale,
            ..
        } = self;
        if significant <= 19 {
            mantissa = u128::from(small);
            if (0..=28).contains(&scale) && significant <= 18 && small != 0 {
                // Fits an i64: no 128-bit arithmetic at all.
                let mut d = Decimal::new(small as i64, scale as u32);
                d.set_sign_negative(negative);
                return Ok(d);
            }
        }
        if significant > MAX_SIGNIFICANT_DIGITS {
            return Err(MoneyError::TooManyDigits {
                input: cut(s),
                digits: significant,
            });
        }
        if mantissa == 0 {
            // Zero keeps its scale where it can (0.00), within the decimal's range.
            let mut zero = Decimal::new(0, scale.clamp(0, 28) as u32);
            zero.set_sign_negative(negative);
            return Ok(zero);
        }
        let overflow = || MoneyError::Overflow { input: cut(s) };
        if scale < 0 {
            // 1.5e3: scale the mantissa up instead.
            let up = (-scale) as u32;
            if significant + up > MAX_SIGNIFICANT_DIGITS {
                return Err(overflow());
            }
            mantissa = mantissa.checked_mul(10u128.pow(up)).ok_or_else(overflow)?;
            scale = 0;
        }
        if scale > 28 {
            // More decimal places than a decimal holds: more than 28 significant digits in effect.
            return Err(MoneyError::TooManyDigits {
                input: cut(s),
                digits: scale as u32,
            });
        }
        let signed = if negative {
            -(mantissa as i128)
        } else {
            mantissa as i128
        };
        Decimal::try_from_i128_with_scale(signed, scale as u32).map_err(|_| overflow())
    }
}

/// An exponent's value (the text after the `e`: an optional sign and at least one digit),
/// capped at 100,000 either way; `None` when it is not one.
fn exponent(b: &[u8]) -> Option<i64> {
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    if digits.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        exp = (exp * 10 + i64::from(c - b'0')).min(100_000);
    }
    Some(if negative { -exp } else { exp })
}

/// Converts a float only when its binary value is exactly a decimal of at most 28 digits:
/// `0.5`, `12.75` and `100.0` pass; `0.1` (really 0.1000000000000000055...) is refused. This is
/// the policy for Python floats, where `Decimal("0.1")` or a string is the exact spelling.
pub fn from_f64_exact(value: f64) -> Result<Decimal, MoneyError> {
    if !value.is_finite() {
        return Err(MoneyError::NotFinite {
            input: value.to_string(),
        });
    }
    if value == 0.0 {
        return Ok(Decimal::ZERO);
    }
    let bits = value.to_bits();
    let negative = bits >> 63 == 1;
    let exp_bits = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (mut m, mut e) = if exp_bits == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp_bits - 1075)
    };
    let tz = m.trailing_zeros();
    m >>= tz;
    e += tz as i32;
    let inexact = || MoneyError::InexactFloat {
        value: value.to_string(),
    };
    let (mantissa, scale): (u128, u32) = if e >= 0 {
        // The value has as many bits as the mantissa plus the shift; a decimal holds 96.
        // (Shifting first and looking at the result is not enough: `checked_shl` does not
        // fail when bits are shifted out of the top, and what is left can look small.)
        let bits = u64::BITS - m.leading_zeros();
        if e > 96 || bits + e as u32 > 96 {
            return Err(MoneyError::Overflow {
                input: value.to_string(),
            });
        }
        (u128::from(m) << e, 0)
    } else {
        let k = (-e) as u32;
        if k > 28 {
            return Err(inexact());
        }
        let v = u128::from(m)
            .checked_mul(5u128.pow(k))
            .filter(|v| v >> 96 == 0)
            .ok_or_else(inexact)?;
        (v, k)
    };
    let signed = if negative {
        -(mantissa as i128)
    } else {
        mantissa as i128
    };
    let d = Decimal::try_from_i128_with_scale(signed, scale).map_err(|_| inexact())?;
    // 12.75 stays 12.75, 100.0 becomes 100: the binary value has no trailing decimal zeros.
    Ok(d.normalize())
}

/// Converts a float through its shortest round-trip text, as JavaScript prints numbers:
/// `0.1` is `0.1`, `0.1 + 0.2` is `0.30000000000000004`. Whether that is exact to the cent is for
/// validation to say against the account's currency.
pub fn from_f64_shortest(value: f64) -> Result<Decimal, MoneyError> {
    if !value.is_finite() {
        return Err(MoneyError::NotFinite {
            input: value.to_string(),
        });
    }
    // Rust's Display for f64 is the shortest text that parses back to the same float, without an
    // exponent, which is exactly what a JavaScript author saw.
    parse_decimal(&value.to_string())
}

/// Adds two amounts, failing instead of panicking or rounding on overflow.
pub fn checked_add(a: Decimal, b: Decimal) -> Result<Decimal, MoneyError> {
    a.checked_add(b).ok_or(MoneyError::ArithmeticOverflow)
}

/// Number of decimal places written (`12.30` has 2, `12.3` has 1, `12` has 0).
pub fn decimal_places(d: &Decimal) -> u32 {
    d.scale()
}

/// Number of decimal places that matter (`12.30` has 1): trailing zeros are fine for any currency.
pub fn significant_decimal_places(d: &Decimal) -> u32 {
    if d.scale() == 0 {
        return 0;
    }
    d.normalize().scale()
}

/// A formatted amount for messages, e.g. `-17.54`.
pub struct Amount<'a>(pub &'a Decimal);

impl fmt::Display for Amount<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn parses_digit_for_digit() {
        for s in [
            "0",
            "4002.00",
            "100.0",
            "-17.54",
            "0.00",
            "99.99",
            "123456789012345678.9012345678",
        ] {
            assert_eq!(parse_decimal(s).unwrap().to_string(), s, "{s}");
        }
        assert_eq!(parse_decimal("+12.30").unwrap(), d("12.30"));
        assert_eq!(parse_decimal(" 7 ").unwrap(), d("7"));
        assert_eq!(parse_decimal(".5").unwrap(), d("0.5"));
        assert_eq!(parse_decimal("5.").unwrap(), d("5"));
        assert_eq!(parse_decimal("1.5e3").unwrap().to_string(), "1500");
        assert_eq!(parse_decimal("15E-1").unwrap().to_string(), "1.5");
        assert_eq!(
            parse_decimal("0.000000000000000000000000001")
                .unwrap()
                .scale(),
            27
        );
        assert_eq!(
            parse_decimal("9999999999999999999999999999")
                .unwrap()
                .to_string(),
            "9999999999999999999999999999"
        );
        assert_eq!(parse_decimal("-0.00").unwrap(), Decimal::ZERO);
    }

    #[test]
    fn refuses_with_reasons() {
        assert!(matches!(
            parse_decimal("NaN"),
            Err(MoneyError::NotFinite { .. })
        ));
        assert!(matches!(
            parse_decimal("-Infinity"),
            Err(MoneyError::NotFinite { .. })
        ));
        assert!(matches!(
            parse_decimal("inf"),
            Err(MoneyError::NotFinite { .. })
        ));
        for bad in [
            "", "-", ".", "1,000.00", "£12", "12.3.4", "1e", "1e+", "0x10", "12 30", "e5",
        ] {
            assert!(
                matches!(parse_decimal(bad), Err(MoneyError::NotANumber { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_decimal("1e30"),
            Err(MoneyError::Overflow { .. })
        ));
        assert!(matches!(
            parse_decimal("79228162514264337593543950335"),
            Err(MoneyError::TooManyDigits { digits: 29, .. })
        ));
        assert!(matches!(
            parse_decimal("1e28"),
            Err(MoneyError::Overflow { .. })
        ));
        assert_eq!(
            parse_decimal("1.23456789012345678901234567890"),
            Err(MoneyError::TooManyDigits {
                input: "1.23456789012345678901234567890".into(),
                digits: 30
            })
        );
        assert!(matches!(
            parse_decimal("1e-40"),
            Err(MoneyError::TooManyDigits { .. })
        ));
    }

    #[test]
    fn floats_exact_policy() {
        assert_eq!(from_f64_exact(0.5).unwrap(), d("0.5"));
        assert_eq!(from_f64_exact(12.75).unwrap().to_string(), "12.75");
        assert_eq!(from_f64_exact(-100.0).unwrap().to_string(), "-100");
        assert_eq!(
            from_f64_exact(1e20).unwrap().to_string(),
            "100000000000000000000"
        );
        assert!(matches!(
            from_f64_exact(0.1),
            Err(MoneyError::InexactFloat { .. })
        ));
        assert!(matches!(
            from_f64_exact(f64::NAN),
            Err(MoneyError::NotFinite { .. })
        ));
        assert!(matches!(
            from_f64_exact(f64::INFINITY),
            Err(MoneyError::NotFinite { .. })
        ));
        assert!(matches!(
            from_f64_exact(1e30),
            Err(MoneyError::Overflow { .. })
        ));
        let msg = from_f64_exact(0.1).unwrap_err().to_string();
        assert!(msg.contains("\"0.1\""), "{msg}");
        // Found by fuzzing: (1 + 2^40) * 2^88 shifted its top bit out of 128 and what was left,
        // 2^88, passed for the amount. Too large is too large, whatever the bits left over.
        let gap = (1.0 + 2f64.powi(40)) * 2f64.powi(88);
        assert!(
            matches!(from_f64_exact(gap), Err(MoneyError::Overflow { .. })),
            "{:?}",
            from_f64_exact(gap)
        );
        assert!(matches!(
            from_f64_exact(4.015_331_929_667_074_4e40),
            Err(MoneyError::Overflow { .. })
        ));
        // The largest a decimal holds from a float: 53 bits shifted to the top of 96.
        let top = ((1u64 << 53) - 1) as f64 * 2f64.powi(43);
        assert_eq!(
            from_f64_exact(top).unwrap(),
            Decimal::from_i128_with_scale(i128::from((1u64 << 53) - 1) << 43, 0)
        );
        assert!(matches!(
            from_f64_exact(top * 2.0),
            Err(MoneyError::Overflow { .. })
        ));
    }

    #[test]
    fn floats_shortest_policy() {
        assert_eq!(from_f64_shortest(0.1).unwrap().to_string(), "0.1");
        assert_eq!(from_f64_shortest(12.3).unwrap().to_string(), "12.3");
        assert_eq!(
            from_f64_shortest(0.1 + 0.2).unwrap().to_string(),
            "0.30000000000000004"
        );
        assert!(from_f64_shortest(f64::NEG_INFINITY).is_err());
        assert!(from_f64_shortest(1e30).is_err());
    }

    #[test]
    fn decimal_places_ignore_trailing_zeros() {
        assert_eq!(significant_decimal_places(&d("12.30")), 1);
        assert_eq!(significant_decimal_places(&d("12.00")), 0);
        assert_eq!(significant_decimal_places(&d("12.345")), 3);
        assert_eq!(decimal_places(&d("12.30")), 2);
    }

    #[test]
    fn checked_add_reports_overflow() {
        assert_eq!(
            checked_add(Decimal::MAX, Decimal::ONE),
            Err(MoneyError::ArithmeticOverflow)
        );
        assert_eq!(checked_add(d("0.1"), d("0.2")).unwrap(), d("0.3"));
    }
}
