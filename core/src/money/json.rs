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

use super::parse_decimal;

/// serde_json's name for an arbitrary-precision number: a struct with this name and one field
/// of this name is written as the raw number text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Writes a decimal as a JSON number with its exact digits.
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    // Decimal's Display never needs more than 31 bytes; format on the stack.
    let mut buf = DecimalText::new();
    use fmt::Write;
    write!(buf, "{value}").map_err(serde::ser::Error::custom)?;
    let mut s = serializer.serialize_struct(NUMBER_TOKEN, 1)?;
    s.serialize_field(NUMBER_TOKEN, buf.as_str())?;
    s.end()
}

/// Reads a decimal exactly from a JSON number, a numeric string or an integer.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(DecimalVisitor)
}

struct DecimalText {
    buf: [u8; 40],
    len: usize,
}

impl DecimalText {
    fn new() -> Self {
        DecimalText {
            buf: [0; 40],
            len: 0,
        }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("0")
    }
}

impl fmt::Write for DecimalText {
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
        super::from_f64_shortest(v).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal(v).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        // serde_json with `arbitrary_precision` hands numbers over as a one-entry map.
        match map.next_key::<NumberKey>()? {
            Some(NumberKey) => {
                let text: NumberText = map.next_value()?;
                parse_decimal(&text.0).map_err(de::Error::custom)
            }
            None => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

struct NumberKey;

impl<'de> de::Deserialize<'de> for NumberKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = NumberKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NumberKey, E> {
                if v == NUMBER_TOKEN {
                    Ok(NumberKey)
                } else {
                    Err(E::custom("expected a number, found an object"))
                }
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// The number's text; borrowed when the input allows, owned otherwise.
struct NumberText(String);

impl<'de> de::Deserialize<'de> for NumberText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(NumberText)
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
        assert!(e.contains("expected a number"), "{e}");
        let e = serde_json::from_str::<Row>(r#"{"amount":1.2345678901234567890123456789012}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("significant digits"), "{e}");
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
