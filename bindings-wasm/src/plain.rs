//! The reference for the row codec (`js/rows.js` and [`crate::input`]): rows read through plain
//! `serde_wasm_bindgen::from_value`, one value at a time, with no packing. Only the differential
//! property test (`tests/codec.test.mjs`) calls it, through the hidden `__decodeRows` export;
//! it is in no public type.
//!
//! serde-wasm-bindgen reads every value except those it cannot tell apart from another or reads
//! lossily, which are told from the value itself: `undefined` (serde reads it as `null`), a
//! bigint (read as a number, or refused past 64 bits), a string with a lone surrogate (read with
//! U+FFFD in its place), and a `Date`, a function or a symbol (read as `{}`, or refused).

use std::fmt;

use bankfeeds::ingest::{RawField, RawTransaction, RawValue};
use bankfeeds::validate::ValidationReport;
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use wasm_bindgen::{JsCast, JsValue};

use crate::input::{self, kind};

/// A JavaScript value kept as it is.
#[derive(Deserialize)]
struct Kept(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

/// An object's own enumerable properties, in order.
struct Entries(Vec<(Kept, Kept)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A value as serde reads it.
enum Plain {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    List,
    Object,
}

impl<'de> Deserialize<'de> for Plain {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Plain;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON-like value")
            }
            fn visit_unit<E>(self) -> Result<Plain, E> {
                Ok(Plain::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Plain, E> {
                Ok(Plain::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Plain, E> {
                Ok(Plain::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Plain, E> {
                i64::try_from(v)
                    .map(Plain::Int)
                    .map_err(|_| E::custom("an integer past i64"))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Plain, E> {
                Ok(Plain::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Plain, E> {
                Ok(Plain::Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Plain, E> {
                Ok(Plain::Text(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Plain, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Plain::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Plain, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Plain::Object)
            }
        }
        d.deserialize_any(V)
    }
}

/// A list of row objects as raw rows and the findings about rows that are not objects, as a
/// text to compare: `Debug` of both.
pub(crate) fn decode(rows: JsValue) -> Result<String, JsValue> {
    let list: Vec<Kept> = serde_wasm_bindgen::from_value(rows)?;
    let mut report = ValidationReport::new();
    let mut out = Vec::with_capacity(list.len());
    for (index, Kept(row)) in list.into_iter().enumerate() {
        let tag = input::kind_tag(&row);
        if tag != kind::OBJECT {
            input::not_an_object(&mut report, index, kind::name(tag));
            out.push(RawTransaction::default());
            continue;
        }
        let Entries(entries) = serde_wasm_bindgen::from_value(row)?;
        let mut raw = RawTransaction::default();
        for (Kept(key), Kept(value)) in entries {
            let key = key_text(&key);
            match RawField::for_key(&key) {
                Some(field) => match value_of(value) {
                    // The core's entry for a text cell (amounts and dates read at once).
                    RawValue::Text(text) => raw.set_text(field, &text),
                    value => raw.set_field(field, value),
                },
                None => raw.unknown.push(key),
            }
        }
        out.push(raw);
    }
    Ok(format!("{out:#?}\n{report:#?}"))
}

/// A key as text, a lone surrogate written `\uD800`.
fn key_text(key: &JsValue) -> String {
    let units: Vec<u16> = key
        .dyn_ref::<js_sys::JsString>()
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    char::decode_utf16(units)
        .map(|c| match c {
            Ok(c) => c.to_string(),
            Err(e) => format!("\\u{:X}", e.unpaired_surrogate()),
        })
        .collect()
}

/// One value by the table of [`crate::input`].
fn value_of(v: JsValue) -> RawValue {
    if v.is_undefined() {
        return RawValue::Missing;
    }
    if let Some(b) = v.dyn_ref::<js_sys::BigInt>() {
        return match b.to_string(10) {
            Ok(digits) => RawValue::Number(String::from(digits)),
            Err(_) => RawValue::Other(input::kind(&v)),
        };
    }
    if let Some(Err(why)) = input::js_text(&v) {
        return RawValue::Other(why);
    }
    if v.is_function() || v.is_symbol() || v.is_instance_of::<js_sys::Date>() {
        return RawValue::Other(input::kind(&v));
    }
    match serde_wasm_bindgen::from_value(v) {
        Ok(Plain::Null) => RawValue::Null,
        Ok(Plain::Bool(b)) => RawValue::Bool(b),
        Ok(Plain::Int(i)) => RawValue::Int(i),
        Ok(Plain::Float(f)) => RawValue::Float(f),
        Ok(Plain::Text(s)) => RawValue::Text(s),
        Ok(Plain::List) => RawValue::Other(kind::name(kind::LIST).to_owned()),
        Ok(Plain::Object) => RawValue::Other(kind::name(kind::OBJECT).to_owned()),
        Err(e) => RawValue::Other(e.to_string()),
    }
}
