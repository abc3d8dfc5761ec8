//! Loosely typed values and rows, as files and other languages hand them over.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::cell::{FlagStatus, flag_meaning, flag_status};

/// One field's value before it is given a type.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum RawValue {
    /// The field is not there at all.
    #[default]
    Missing,
    /// The field is there but null / None / empty cell.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A binary float (Python `float`, JS `number`); converted under the [`super::FloatPolicy`].
    Float(f64),
    /// An exact number as written in JSON, e.g. `4002.00`.
    Number(String),
    /// Text.
    Text(String),
    /// An exact decimal (Python `Decimal`, Arrow `decimal128`).
    Decimal(Decimal),
    /// A calendar date (Python `date`, Arrow `date32`).
    Date(NaiveDate),
    /// A wall-clock date-time without offset (naive Python `datetime`, Arrow timestamp without
    /// zone).
    DateTime(NaiveDateTime),
    /// A wall-clock date-time that came with an offset in seconds (aware Python `datetime`); the
    /// offset is dropped, as Codat does, and reported.
    DateTimeOffset(NaiveDateTime, i32),
    /// A transaction date already read from text (see [`RawTransaction::set_text`]).
    LocalDateTime(crate::dates::LocalDateTime),
    /// Something else: a list, an object, bytes; named for the message.
    Other(String),
}

impl RawValue {
    /// Text, or missing when `None`.
    pub fn text(value: Option<impl Into<String>>) -> Self {
        value.map_or(RawValue::Missing, |v| RawValue::Text(v.into()))
    }

    /// A short description of the value's kind for messages: "a boolean", "a list"...
    pub fn kind(&self) -> String {
        match self {
            RawValue::Missing => "missing".into(),
            RawValue::Null => "null".into(),
            RawValue::Bool(_) => "a boolean".into(),
            RawValue::Int(_) => "an integer".into(),
            RawValue::Float(_) => "a float".into(),
            RawValue::Number(_) => "a number".into(),
            RawValue::Text(_) => "text".into(),
            RawValue::Decimal(_) => "a decimal".into(),
            RawValue::Date(_) => "a date".into(),
            RawValue::DateTime(_) | RawValue::DateTimeOffset(..) | RawValue::LocalDateTime(_) => {
                "a date-time".into()
            }
            RawValue::Other(kind) => kind.clone(),
        }
    }

    /// Whether the value is absent or null.
    pub fn is_absent(&self) -> bool {
        matches!(self, RawValue::Missing | RawValue::Null)
    }

    /// The value [`RawTransaction::set_text`] gives `field` for `text`: amounts, balances and
    /// dates read at once, or the text kept as it is when they cannot be.
    pub(crate) fn from_text(field: RawField, text: &str) -> RawValue {
        match field {
            RawField::Amount | RawField::Balance => match crate::money::parse_decimal(text) {
                Ok(d) => RawValue::Decimal(d),
                Err(_) => RawValue::Text(text.to_owned()),
            },
            RawField::Date => match crate::dates::LocalDateTime::parse(text) {
                Ok(d) => RawValue::LocalDateTime(d),
                Err(_) => RawValue::Text(text.to_owned()),
            },
            _ => RawValue::Text(text.to_owned()),
        }
    }
}

/// A transaction row with every field still untyped, as read from a CSV line, a JSON object, a
/// Python dict or a JavaScript object. Field names are matched loosely: `transactionType`,
/// `transaction_type` and `Transaction Type` are the same column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawTransaction {
    /// `id`
    pub id: RawValue,
    /// `date`
    pub date: RawValue,
    /// `description`
    pub description: RawValue,
    /// `counterparty`
    pub counterparty: RawValue,
    /// `reference`
    pub reference: RawValue,
    /// `reconciled`
    pub reconciled: RawValue,
    /// `amount`
    pub amount: RawValue,
    /// `balance`
    pub balance: RawValue,
    /// `transactionType`
    pub transaction_type: RawValue,
    /// Clearing status: `status` (`cleared`, `posted`, `pending`...), or a boolean `cleared`
    /// or `pending` column. Not sent to Codat; pending rows are refused.
    pub status: RawValue,
    /// `accountId`: which source account the row belongs to. Not sent per transaction.
    pub account_id: RawValue,
    /// Keys that are not transaction fields, in the order met.
    pub unknown: Vec<String>,
    /// Keys that named a field an earlier key of the same row had already named (`amount`
    /// twice, or `date` and `Transaction Date`), in the order met. Which value was meant cannot be
    /// told, so [`super::ingest`] refuses the row with an error naming the field and the key.
    pub repeated: Vec<RepeatedKey>,
}

/// A key that named a field an earlier key of the same row had already named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedKey {
    /// The field both keys name (`status`, `cleared` and `pending` all name the clearing
    /// status).
    pub field: RawField,
    /// The later key as written, when the reader passed it on (see
    /// [`RawTransaction::set_named`]).
    pub key: Option<String>,
}

/// The fields a key can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawField {
    /// `id`
    Id,
    /// `date`
    Date,
    /// `description`
    Description,
    /// `counterparty`
    Counterparty,
    /// `reference`
    Reference,
    /// `reconciled`
    Reconciled,
    /// `amount`
    Amount,
    /// `balance`
    Balance,
    /// `transactionType`
    TransactionType,
    /// `status`
    Status,
    /// `cleared` (boolean)
    Cleared,
    /// `pending` (boolean)
    Pending,
    /// `accountId`
    AccountId,
}

impl RawField {
    /// Every field, in the order of [`RawTransaction`]'s (the clearing columns after `status`).
    pub const ALL: [RawField; 13] = [
        RawField::Id,
        RawField::Date,
        RawField::Description,
        RawField::Counterparty,
        RawField::Reference,
        RawField::Reconciled,
        RawField::Amount,
        RawField::Balance,
        RawField::TransactionType,
        RawField::Status,
        RawField::Cleared,
        RawField::Pending,
        RawField::AccountId,
    ];

    /// The field a finding names for this raw field (the boolean clearing columns, `cleared`
    /// and `pending`, are the status). Public so that a binding reading columns itself (the
    /// Python binding's Arrow reader) names fields as the core's readers do.
    pub fn finding_field(self) -> crate::validate::Field {
        use crate::validate::Field;
        match self {
            RawField::Id => Field::Id,
            RawField::Date => Field::Date,
            RawField::Description => Field::Description,
            RawField::Counterparty => Field::Counterparty,
            RawField::Reference => Field::Reference,
            RawField::Reconciled => Field::Reconciled,
            RawField::Amount => Field::Amount,
            RawField::Balance => Field::Balance,
            RawField::TransactionType => Field::TransactionType,
            RawField::Status | RawField::Cleared | RawField::Pending => Field::Status,
            RawField::AccountId => Field::AccountId,
        }
    }

    /// The name of the field as Codat's wire format spells it (`transactionType`); `cleared`
    /// and `pending` for the boolean clearing columns.
    pub fn name(self) -> &'static str {
        match self {
            RawField::Id => "id",
            RawField::Date => "date",
            RawField::Description => "description",
            RawField::Counterparty => "counterparty",
            RawField::Reference => "reference",
            RawField::Reconciled => "reconciled",
            RawField::Amount => "amount",
            RawField::Balance => "balance",
            RawField::TransactionType => "transactionType",
            RawField::Status => "status",
            RawField::Cleared => "cleared",
            RawField::Pending => "pending",
            RawField::AccountId => "accountId",
        }
    }

    /// Every key that names the same value as this one, as [`RawField::for_key`] reads keys
    /// (any case, with or without `_`, `-` or spaces). `status`, `cleared` and `pending` are
    /// listed together: all three set the row's clearing status.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            RawField::Id => &["id", "transactionId"],
            RawField::Date => &["date", "transactionDate", "clearedOnDate"],
            RawField::Description => &["description"],
            RawField::Counterparty => &["counterparty"],
            RawField::Reference => &["reference"],
            RawField::Reconciled => &["reconciled"],
            RawField::Amount => &["amount"],
            RawField::Balance => &["balance", "runningBalance"],
            RawField::TransactionType => &["transactionType", "type"],
            RawField::Status | RawField::Cleared | RawField::Pending => {
                &["status", "cleared", "pending"]
            }
            RawField::AccountId => &["accountId", "sourceAccountId"],
        }
    }

    /// The value this field fills in a row: `cleared` and `pending` fill the clearing status,
    /// as `status` does; every other field fills its own.
    pub fn slot(self) -> RawField {
        match self {
            RawField::Cleared | RawField::Pending => RawField::Status,
            other => other,
        }
    }

    /// The field a key names, ignoring case, `_`, `-` and spaces: `transaction_type`,
    /// `TransactionType` and `Transaction Type` all name [`RawField::TransactionType`].
    pub fn for_key(key: &str) -> Option<RawField> {
        let mut buf = [0u8; 24];
        let mut n = 0;
        for b in key.trim().bytes() {
            if matches!(b, b'_' | b'-' | b' ') {
                continue;
            }
            if n == buf.len() {
                return None;
            }
            buf[n] = b.to_ascii_lowercase();
            n += 1;
        }
        Some(match &buf[..n] {
            b"id" | b"transactionid" => RawField::Id,
            b"date" | b"transactiondate" | b"clearedondate" => RawField::Date,
            b"description" => RawField::Description,
            b"counterparty" => RawField::Counterparty,
            b"reference" => RawField::Reference,
            b"reconciled" => RawField::Reconciled,
            b"amount" => RawField::Amount,
            b"balance" | b"runningbalance" => RawField::Balance,
            b"transactiontype" | b"type" => RawField::TransactionType,
            b"status" => RawField::Status,
            b"cleared" => RawField::Cleared,
            b"pending" => RawField::Pending,
            b"accountid" | b"sourceaccountid" => RawField::AccountId,
            _ => return None,
        })
    }
}

impl RawTransaction {
    /// Sets the field a key names; returns false (and records the key) when it names none. A
    /// key naming a field that an earlier key already set is recorded in
    /// [`RawTransaction::repeated`].
    pub fn set(&mut self, key: &str, value: RawValue) -> bool {
        match RawField::for_key(key) {
            Some(field) => {
                self.set_named(field, key, value);
                true
            }
            None => {
                self.unknown.push(key.to_owned());
                false
            }
        }
    }

    /// [`RawTransaction::set_field`] for a value read under `key`, which names `field`: when
    /// the field is already set, the key is recorded in [`RawTransaction::repeated`] by name.
    pub fn set_named(&mut self, field: RawField, key: &str, value: RawValue) {
        let before = self.repeated.len();
        self.set_field(field, value);
        if let Some(r) = self.repeated.get_mut(before) {
            r.key = Some(crate::text::quote_str(key));
        }
    }

    /// The value a field fills (the clearing status for `cleared` and `pending`).
    fn slot(&self, field: RawField) -> &RawValue {
        match field.slot() {
            RawField::Id => &self.id,
            RawField::Date => &self.date,
            RawField::Description => &self.description,
            RawField::Counterparty => &self.counterparty,
            RawField::Reference => &self.reference,
            RawField::Reconciled => &self.reconciled,
            RawField::Amount => &self.amount,
            RawField::Balance => &self.balance,
            RawField::TransactionType => &self.transaction_type,
            RawField::AccountId => &self.account_id,
            RawField::Status | RawField::Cleared | RawField::Pending => &self.status,
        }
    }

    /// Sets one field from text, as files and most languages hand values over. Amounts, balances
    /// and dates are read at once with the core's parsers, so their text is not copied; text
    /// they cannot read is kept as it is, and [`super::ingest`] reports it by row and field exactly
    /// as it would have.
    pub fn set_text(&mut self, field: RawField, text: &str) {
        self.set_field(field, RawValue::from_text(field, text));
    }

    /// Sets one field. A field set twice in one row (two keys or columns naming it) is
    /// recorded in [`RawTransaction::repeated`]: the row is refused, never read by guessing which
    /// value was meant. A value that is [`RawValue::Missing`] does not count as set.
    pub fn set_field(&mut self, field: RawField, value: RawValue) {
        if !matches!(self.slot(field), RawValue::Missing) {
            self.repeated.push(RepeatedKey {
                field: field.slot(),
                key: None,
            });
        }
        let slot = match field {
            RawField::Id => &mut self.id,
            RawField::Date => &mut self.date,
            RawField::Description => &mut self.description,
            RawField::Counterparty => &mut self.counterparty,
            RawField::Reference => &mut self.reference,
            RawField::Reconciled => &mut self.reconciled,
            RawField::Amount => &mut self.amount,
            RawField::Balance => &mut self.balance,
            RawField::TransactionType => &mut self.transaction_type,
            RawField::AccountId => &mut self.account_id,
            RawField::Status => &mut self.status,
            RawField::Cleared | RawField::Pending => {
                // A boolean column becomes a status, so one rule reads all three spellings.
                let pending_when = field == RawField::Pending;
                let status = |yes: bool| flag_meaning(pending_when, yes);
                self.status = match value {
                    RawValue::Bool(b) => RawValue::Text(status(b).into()),
                    RawValue::Text(t) => match flag_status(pending_when, &t) {
                        FlagStatus::Status(s) => RawValue::Text(s.into()),
                        FlagStatus::Empty => RawValue::Null,
                        FlagStatus::Other => RawValue::Text(t),
                    },
                    RawValue::Int(1) => RawValue::Text(status(true).into()),
                    RawValue::Int(0) => RawValue::Text(status(false).into()),
                    other => other,
                };
                return;
            }
        };
        *slot = value;
    }
}

// ---- serde: read RawValue / RawTransaction from any self-describing format (JSON) ----

/// serde_json's arbitrary-precision number token (see `money::json`).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawValueVisitor)
    }
}

struct RawValueVisitor;

impl<'de> Visitor<'de> for RawValueVisitor {
    type Value = RawValue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        Ok(i64::try_from(v).map_or_else(|_| RawValue::Number(v.to_string()), RawValue::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Text(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawValue::Other("a list".into()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let first: Option<String> = map.next_key()?;
        if first.as_deref() == Some(NUMBER_TOKEN) {
            let text: String = map.next_value()?;
            return Ok(RawValue::Number(text));
        }
        if first.is_some() {
            map.next_value::<IgnoredAny>()?;
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        }
        Ok(RawValue::Other("an object".into()))
    }
}

/// A JSON element that should be a transaction object; anything else is kept as its kind so the
/// row can be reported instead of failing the whole file.
pub(crate) enum RawElement {
    Row(Box<RawTransaction>),
    NotAnObject(String),
}

impl<'de> Deserialize<'de> for RawElement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawElement;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a transaction object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawElement, A::Error> {
                let mut row = RawTransaction::default();
                while let Some(key) = map.next_key::<String>()? {
                    match RawField::for_key(&key) {
                        Some(field) => {
                            let value: RawValue = map.next_value()?;
                            row.set_named(field, &key, value);
                        }
                        None => {
                            map.next_value::<IgnoredAny>()?;
                            row.unknown.push(key);
                        }
                    }
                }
                Ok(RawElement::Row(Box::new(row)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawElement, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawElement::NotAnObject("a list".into()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawElement, E> {
                Ok(RawElement::NotAnObject("a boolean".into()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawElement, E> {
                Ok(RawElement::NotAnObject("a number".into()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawElement, E> {
                Ok(RawElement::NotAnObject("a number".into()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawElement, E> {
                Ok(RawElement::NotAnObject("a number".into()))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<RawElement, E> {
                Ok(RawElement::NotAnObject("text".into()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawElement, E> {
                Ok(RawElement::NotAnObject("null".into()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_matched_loosely() {
        for k in [
            "transactionType",
            "transaction_type",
            "Transaction Type",
            "TYPE",
        ] {
            assert_eq!(RawField::for_key(k), Some(RawField::TransactionType), "{k}");
        }
        assert_eq!(RawField::for_key("account_id"), Some(RawField::AccountId));
        assert_eq!(RawField::for_key("memo"), None);
        assert_eq!(
            RawField::for_key("a very very long column name indeed"),
            None
        );
    }

    #[test]
    fn every_alias_names_its_field_and_every_spelling_is_listed() {
        for field in RawField::ALL {
            assert_eq!(RawField::for_key(field.name()), Some(field));
            for alias in field.aliases() {
                let named = RawField::for_key(alias).unwrap_or_else(|| panic!("{alias}"));
                assert_eq!(named.slot(), field.slot(), "{alias}");
            }
        }
    }

    #[test]
    fn a_field_named_twice_in_a_row_is_recorded_not_overwritten_silently() {
        let mut row = RawTransaction::default();
        row.set("date", RawValue::Text("2024-01-01".into()));
        row.set("Transaction Date", RawValue::Text("2024-02-01".into()));
        row.set("amount", RawValue::Text("1".into()));
        row.set_field(RawField::Amount, RawValue::Text("2".into()));
        row.set("status", RawValue::Text("cleared".into()));
        row.set("pending", RawValue::Bool(true));
        // A key whose value is undefined (JavaScript) sets nothing.
        row.set("id", RawValue::Missing);
        row.set("transactionId", RawValue::Text("t1".into()));
        assert_eq!(
            row.repeated,
            vec![
                RepeatedKey {
                    field: RawField::Date,
                    key: Some("Transaction Date".into())
                },
                RepeatedKey {
                    field: RawField::Amount,
                    key: None
                },
                RepeatedKey {
                    field: RawField::Status,
                    key: Some("pending".into())
                },
            ]
        );
    }

    #[test]
    fn boolean_status_columns() {
        let mut row = RawTransaction::default();
        row.set("pending", RawValue::Bool(true));
        assert_eq!(row.status, RawValue::Text("pending".into()));
        let mut row = RawTransaction::default();
        row.set("cleared", RawValue::Text("yes".into()));
        assert_eq!(row.status, RawValue::Text("cleared".into()));
        assert!(!row.set("memo", RawValue::Null));
        assert_eq!(row.unknown, vec!["memo"]);
    }

    #[test]
    fn json_values_keep_their_kind() {
        let v: Vec<RawValue> = serde_json::from_str(
            r#"[1, 4002.00, "x", null, true, [1], {"a":1}, 18446744073709551615]"#,
        )
        .unwrap();
        assert_eq!(
            v,
            vec![
                RawValue::Int(1),
                RawValue::Number("4002.00".into()),
                RawValue::Text("x".into()),
                RawValue::Null,
                RawValue::Bool(true),
                RawValue::Other("a list".into()),
                RawValue::Other("an object".into()),
                RawValue::Number("18446744073709551615".into()),
            ]
        );
    }
}
