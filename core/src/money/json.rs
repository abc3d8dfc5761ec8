//! Serde support for exact amounts on the wire.
//!
//! Use with `#[serde(with = "bankfeeds::money::json")]` on a `Decimal` field, or
//! `bankfeeds::money::json::option` on an `Option<Decimal>`.
//!
//! * Writing to `serde_json` emits a JSON **number** with exactly the decimal's digits
//!   (`4002.00`, never `4002.0` or `4002`), through serde_json's arbitrary-precision number.
//! * Reading accepts a JSON number (read from its text, never through `f64`), a string holding a
//!   number (`"12.30"`, as many banks send), an integer, and, from formats that only have floats,
//!   a float by its shortest text ([`super::from_f64_shortest`]).

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserializer, Serializer};

use crate::text::Place;

use super::parse_decimal;

/// serde_json's name for an arbitrary-precision number: a struct with this name and one field
/// of this name is written as the raw number text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// serde_json's name for a raw value: asked for a newtype struct of this name, its deserializer
/// hands over the value's JSON text as it stands in the input, borrowed, without parsing it into
/// a `Number` (which would copy the text into a new `String` for every amount).
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// Writes a decimal as a JSON number with its exact digits.
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    let text = DecimalText::new(value);
    let mut s = serializer.serialize_struct(NUMBER_TOKEN, 1)?;
    s.serialize_field(NUMBER_TOKEN, text.as_str())?;
    s.end()
}

/// Reads a decimal exactly from a JSON number, a numeric string or an integer.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    // serde_json answers with the raw text; any other format does not know the name and calls
    // `visit_newtype_struct`, which reads the value as usual.
    deserializer.deserialize_newtype_struct(RAW_TOKEN, DecimalVisitor)
}

/// A decimal from a JSON value's raw text: a number, or a string holding one.
pub(crate) fn from_raw_json(raw: &str) -> Result<Decimal, String> {
    let raw = raw.trim();
    match raw.as_bytes().first() {
        Some(b'"') => {
            let inner = &raw[1..raw.len().saturating_sub(1).max(1)];
            if inner.contains('\\') {
                let text: String = serde_json::from_str(raw).map_err(|e| e.to_string())?;
                parse_decimal(&text).map_err(|e| e.to_string())
            } else {
                parse_decimal(inner).map_err(|e| e.to_string())
            }
        }
        Some(b'-' | b'0'..=b'9') => parse_decimal(raw).map_err(|e| e.to_string()),
        _ => {
            let found = match raw.as_bytes().first() {
                Some(b'n') => "null",
                Some(b't' | b'f') => "a boolean",
                Some(b'{') => "an object",
                Some(b'[') => "a list",
                _ => "nothing",
            };
            Err(format!("invalid type: {found}, expected a decimal number"))
        }
    }
}

/// A decimal's text exactly as `Decimal`'s `Display` writes it (`-17.54`, `4002.00`, `-0.00`),
/// formatted on the stack without the formatting machinery.
pub(crate) struct DecimalText {
    buf: [u8; 48],
    start: usize,
    end: usize,
}

/// `00` to `99`, two bytes each.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// `value` (below 100) as two digits.
#[inline(always)]
pub(crate) fn pair(value: u64) -> [u8; 2] {
    let at = value as usize * 2;
    [PAIRS[at], PAIRS[at + 1]]
}

/// Writes money's text (a mantissa within 64 bits, at most 19 decimals) at the front of `to`,
/// as [`DecimalText`] has it, and says how long it is; `None` (nothing written) for any other
/// decimal. Its length is known first, so each digit is written where it stays, two at a time,
/// right to left.
#[inline(always)]
pub(crate) fn put_money<P: Place + ?Sized>(value: &Decimal, to: &mut P) -> Option<usize> {
    let scale = value.scale() as usize;
    let m = u64::try_from(value.mantissa().unsigned_abs()).ok()?;
    if scale > 19 {
        return None;
    }
    let (mut whole, mut fraction) = match scale {
        0 => (m, 0),
        // Cents, by a constant: a multiplication, not a division's 30-odd cycles.
        2 => (m / 100, m % 100),
        _ => (m / 10u64.pow(scale as u32), m % 10u64.pow(scale as u32)),
    };
    let sign = usize::from(value.is_sign_negative());
    let whole_digits = whole.checked_ilog10().map_or(1, |l| l as usize + 1);
    let len = sign + whole_digits + if scale > 0 { 1 + scale } else { 0 };
    let mut at = len;
    if scale > 0 {
        let mut width = scale;
        while width >= 2 {
            at -= 2;
            to.put2(at, pair(fraction % 100));
            fraction /= 100;
            width -= 2;
        }
        if width == 1 {
            at -= 1;
            to.put(at, b'0' + fraction as u8);
        }
        at -= 1;
        to.put(at, b'.');
    }
    while whole >= 100 {
        at -= 2;
        to.put2(at, pair(whole % 100));
        whole /= 100;
    }
    if whole >= 10 {
        to.put2(at - 2, pair(whole));
    } else {
        to.put(at - 1, b'0' + whole as u8);
    }
    if sign == 1 {
        to.put(0, b'-');
    }
    Some(len)
}

impl DecimalText {
    // Inlined so that the text is built where it is used: returned, its bytes would be copied
    // out right after their byte-wide stores, a copy that waits for every one of them.
    #[inline(always)]
    pub(crate) fn new(value: &Decimal) -> Self {
        let mut text = DecimalText {
            buf: [0; 48],
            start: 0,
            end: 48,
        };
        match put_money(value, &mut text.buf[..]) {
            Some(len) => text.end = len,
            None => {
                text.start = 48;
                let scale = value.scale() as usize;
                text.long(value.mantissa().unsigned_abs(), scale);
                if value.is_sign_negative() {
                    text.front(b'-');
                }
            }
        }
        text
    }

    /// The digits of a mantissa beyond 64 bits or a scale beyond 19, one at a time, the point
    /// after `scale` of them, at least one digit before it. 128-bit division is a slow library
    /// call, so it only splits off the low 19 digits of a mantissa beyond 64 bits.
    fn long(&mut self, mantissa: u128, scale: usize) {
        const TEN19: u128 = 10_000_000_000_000_000_000;
        let (mut high, mut low, low_digits) = match u64::try_from(mantissa) {
            Ok(m) => (0u64, m, usize::MAX),
            Err(_) => ((mantissa / TEN19) as u64, (mantissa % TEN19) as u64, 19),
        };
        let mut written = 0;
        let digit = |text: &mut Self, written: &mut usize, d: u64| {
            if *written == scale && scale != 0 {
                text.front(b'.');
            }
            text.front(b'0' + d as u8);
            *written += 1;
        };
        let mut n = 0;
        while (low != 0 || high != 0 || written <= scale) && n < low_digits {
            digit(self, &mut written, low % 10);
            low /= 10;
            n += 1;
        }
        while high != 0 {
            digit(self, &mut written, high % 10);
            high /= 10;
        }
        while written <= scale {
            digit(self, &mut written, 0);
        }
    }

    #[inline]
    fn front(&mut self, byte: u8) {
        self.start -= 1;
        self.buf[self.start] = byte;
    }

    pub(crate) fn as_str(&self) -> &str {
        let text = &self.buf[self.start..self.end];
        debug_assert!(text.is_ascii());
        // SAFETY: only ASCII digits, '.' and '-' are written.
        unsafe { std::str::from_utf8_unchecked(text) }
    }
}

pub(crate) struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Decimal, E> {
        Decimal::try_from_i128_with_scale(v, 0).map_err(|_| E::custom(format!("{v} is too large")))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Decimal, E> {
        i128::try_from(v)
            .ok()
            .and_then(|v| Decimal::try_from_i128_with_scale(v, 0).ok())
            .ok_or_else(|| E::custom(format!("{v} is too large")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        // serde_json's `Value` hands over a number as a float when the float's shortest text
        // (`100.0`, with its `.0`) is the number's text; Debug formatting writes that same text,
        // so `100.0` stays `100.0`.
        if !v.is_finite() {
            return Err(E::custom(super::MoneyError::NotFinite {
                input: v.to_string(),
            }));
        }
        parse_decimal(&format!("{v:?}")).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(E::custom)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        // serde_json hands a raw value, and with `arbitrary_precision` a number, over as a
        // one-entry map.
        match map.next_key::<NumberKey>()? {
            // A number's text is raw JSON too.
            Some(NumberKey::Number | NumberKey::Raw) => map.next_value_seed(RawText),
            None => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

enum NumberKey {
    Number,
    Raw,
}

impl<'de> de::Deserialize<'de> for NumberKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = NumberKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NumberKey, E> {
                match v {
                    NUMBER_TOKEN => Ok(NumberKey::Number),
                    RAW_TOKEN => Ok(NumberKey::Raw),
                    _ => Err(E::custom("expected a number, found an object")),
                }
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// Reads a raw JSON value's text (borrowed from the input where it can be).
struct RawText;

impl<'de> de::DeserializeSeed<'de> for RawText {
    type Value = Decimal;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Decimal, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value's text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                from_raw_json(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// The same for `Option<Decimal>`: `null` and a missing field (with `#[serde(default)]`) read as
/// `None`; `None` is written as `null` unless the field also skips it.
pub mod option {
    use super::*;

    /// Writes `Some` as an exact JSON number and `None` as `null`.
    pub fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => super::serialize(d, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null` as `None` and anything [`super::deserialize`] reads as `Some`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        struct OptVisitor;
        impl<'de> Visitor<'de> for OptVisitor {
            type Value = Option<Decimal>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal number or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                super::deserialize(d).map(Some)
            }
        }
        deserializer.deserialize_option(OptVisitor)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Row {
        #[serde(with = "crate::money::json")]
        amount: Decimal,
        #[serde(
            with = "crate::money::json::option",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        balance: Option<Decimal>,
    }

    #[test]
    fn json_numbers_keep_every_digit() {
        for text in [
            r#"{"amount":4002.00,"balance":-1457.54}"#,
            r#"{"amount":100.0}"#,
            r#"{"amount":0.1,"balance":0.30000000000000004}"#,
            r#"{"amount":12345678901234567890.12345678}"#,
            r#"{"amount":-0.00}"#,
        ] {
            let row: Row = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&row).unwrap(), text);
        }
    }

    #[test]
    fn strings_and_nulls_are_read() {
        let row: Row = serde_json::from_str(r#"{"amount":"12.30","balance":null}"#).unwrap();
        assert_eq!(row.amount.to_string(), "12.30");
        assert_eq!(row.balance, None);
        let row: Row = serde_json::from_str(r#"{"amount":1.5e3}"#).unwrap();
        assert_eq!(row.amount.to_string(), "1500");
    }

    #[test]
    fn bad_numbers_are_named() {
        let e = serde_json::from_str::<Row>(r#"{"amount":1e30}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("too large"), "{e}");
        let e = serde_json::from_str::<Row>(r#"{"amount":"abc"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a decimal number"), "{e}");
        let e = serde_json::from_str::<Row>(r#"{"amount":true}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a decimal number"), "{e}");
        let e = serde_json::from_str::<Row>(r#"{"amount":{"x":1}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("an object, expected a decimal number"), "{e}");
        let e = serde_json::from_str::<Row>(r#"{"amount":null}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("null, expected a decimal number"), "{e}");
        // Strings with escapes are decoded first; the number inside is still read exactly.
        let row: Row = serde_json::from_str(r#"{"amount":"\u0031\u0032.30"}"#).unwrap();
        assert_eq!(row.amount.to_string(), "12.30");
        let e = serde_json::from_str::<Row>(r#"{"amount":1.2345678901234567890123456789012}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("significant digits"), "{e}");
    }

    #[test]
    fn text_matches_display() {
        for m in [
            0i64,
            1,
            -1,
            5,
            -17,
            100,
            400200,
            -145754,
            999_999_999_999_999_999,
            i64::MIN + 1,
            i64::MAX,
        ] {
            for scale in 0u32..=28 {
                let d = Decimal::new(m, scale);
                assert_eq!(
                    DecimalText::new(&d).as_str(),
                    d.to_string(),
                    "{m} e-{scale}"
                );
            }
        }
        let mut neg_zero = Decimal::new(0, 2);
        neg_zero.set_sign_negative(true);
        assert_eq!(DecimalText::new(&neg_zero).as_str(), neg_zero.to_string());
        assert_eq!(
            DecimalText::new(&Decimal::MAX).as_str(),
            Decimal::MAX.to_string()
        );
        assert_eq!(
            DecimalText::new(&Decimal::MIN).as_str(),
            Decimal::MIN.to_string()
        );
        // Mantissas of 1 to 29 digits, 64 bits and beyond, at every scale.
        let mut m: i128 = 7;
        while m.unsigned_abs() < 1u128 << 96 {
            for scale in 0u32..=28 {
                for m in [m, -m, m - 1, m + 1] {
                    if m.unsigned_abs() >= 1u128 << 96 {
                        continue;
                    }
                    let d = Decimal::from_i128_with_scale(m, scale);
                    assert_eq!(
                        DecimalText::new(&d).as_str(),
                        d.to_string(),
                        "{m} e-{scale}"
                    );
                }
            }
            m = m * 10 + 3;
        }
    }

    #[test]
    fn values_from_serde_json_value_keep_their_digits() {
        for text in [
            r#"{"amount":100.0,"balance":4002.00}"#,
            r#"{"amount":4002.00,"balance":100.0}"#,
            r#"{"amount":-0.5,"balance":1e2}"#,
            r#"{"amount":12,"balance":0.1}"#,
        ] {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            let direct: Row = serde_json::from_str(text).unwrap();
            let via_value: Row = serde_json::from_value(v).unwrap();
            assert_eq!(
                via_value.amount.to_string(),
                direct.amount.to_string(),
                "{text}"
            );
            assert_eq!(
                via_value.balance.map(|b| b.to_string()),
                direct.balance.map(|b| b.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn values_go_through_serde_json_value() {
        let row: Row = serde_json::from_str(r#"{"amount":4002.00}"#).unwrap();
        let v = serde_json::to_value(&row).unwrap();
        assert_eq!(v.to_string(), r#"{"amount":4002.00}"#);
        let back: Row = serde_json::from_value(v).unwrap();
        assert_eq!(back, row);
    }
}
