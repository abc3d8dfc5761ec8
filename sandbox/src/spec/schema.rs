//! A JSON Schema validator for the subset of OpenAPI 3.0/3.1 schemas that Codat's spec uses,
//! strict about properties.
//!
//! Keywords checked: `$ref` (any JSON pointer into the document, siblings applied too), `type`
//! (a name or a list of names), `nullable`, `enum`, `const`, `format` (`date-time`, `date`,
//! `uuid`, `int32`, `int64`, `uri`, `uri-reference`, `ISO4217`; other formats such as `decimal`
//! say nothing checkable), `minLength`, `maxLength`, `pattern`, `minimum`, `maximum`,
//! `exclusiveMinimum`, `exclusiveMaximum`, `items`, `minItems`, `maxItems`, `uniqueItems`,
//! `properties`, `required`, `additionalProperties`, `propertyNames`, `minProperties`,
//! `maxProperties`, `allOf`, `anyOf`, `oneOf` and `not`. Annotations (`description`, `example`,
//! `deprecated`, `definitions`...) are skipped; [`ANNOTATIONS`] lists them, and a test holds the
//! two lists against every keyword the spec file uses.
//!
//! **Strict by default.** An object may carry only properties that the schemas applied to it
//! declare (`properties`, across every `allOf` branch and every `anyOf`/`oneOf` branch that
//! matched), unless one of them says `additionalProperties: true` or gives a schema for the rest.
//! A schema that does not describe an object at all (`{}`, no `type`, `properties` or
//! `required`) leaves an object free, as it leaves any value free.
//!
//! **`oneOf` is read as "matches at least one".** The spec uses `oneOf` for alternative shapes that
//! overlap (an empty list of v1 or of v2 source accounts, a v2 account that happens to carry only
//! v1 fields), so "more than one matches" is not held against an answer.

use std::collections::{HashMap, HashSet};

use regex::Regex;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// One way a value breaks its schema: where (a JSON pointer into the value) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// A JSON pointer (RFC 6901) to the offending value; `""` is the whole value.
    pub pointer: String,
    /// What is wrong, naming the expected and found values.
    pub message: String,
}

/// Keywords that describe or group schemas without constraining a value.
pub const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "definitions",
    "$defs",
    "externalDocs",
    "xml",
    "discriminator",
    "nullable",
];

/// Keywords the validator checks (besides `nullable`, which it also honours).
pub const CHECKED: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "const",
    "format",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
];

/// How deep `$ref`s may chain without the value getting any deeper (a cycle otherwise).
const MAX_REF_CHAIN: usize = 64;

/// Escapes one JSON pointer token.
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Where a value is, as the path from the whole value: its JSON pointer is written only for a
/// finding, not for every value checked.
#[derive(Debug, Clone, Copy)]
enum Loc<'a> {
    Root,
    Key(&'a Loc<'a>, &'a str),
    Index(&'a Loc<'a>, usize),
}

impl Loc<'_> {
    fn pointer(&self) -> String {
        match self {
            Loc::Root => String::new(),
            Loc::Key(parent, key) => format!("{}/{}", parent.pointer(), escape(key)),
            Loc::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

/// A short, bounded rendering of a value for messages.
fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if is_integer(n) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a JSON number is a whole number (`2` and `2.0` are; JSON Schema counts both).
fn is_integer(n: &serde_json::Number) -> bool {
    if n.is_i64() || n.is_u64() {
        return true;
    }
    let text = n.to_string();
    if !text.contains(['.', 'e', 'E']) {
        return true;
    }
    decimal_of(n).is_some_and(|d| d.fract().is_zero())
}

/// The value of a whole JSON number (`2.0` included).
fn whole(n: &serde_json::Number) -> Option<i128> {
    let d = decimal_of(n)?;
    d.fract()
        .is_zero()
        .then(|| d.trunc().mantissa() / 10i128.pow(d.trunc().scale()))
}

fn decimal_of(n: &serde_json::Number) -> Option<Decimal> {
    let text = n.to_string();
    text.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

/// Compares two JSON numbers by value.
fn compare_numbers(a: &serde_json::Number, b: &serde_json::Number) -> Option<std::cmp::Ordering> {
    match (decimal_of(a), decimal_of(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn matches_type(value: &Value, name: &str) -> bool {
    match (name, value) {
        ("null", Value::Null)
        | ("boolean", Value::Bool(_))
        | ("number", Value::Number(_))
        | ("string", Value::String(_))
        | ("array", Value::Array(_))
        | ("object", Value::Object(_)) => true,
        ("integer", Value::Number(n)) => is_integer(n),
        _ => false,
    }
}

/// `YYYY-MM-DD` with a real day.
fn is_date(s: &str) -> bool {
    s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// RFC 3339 `date-time`: a full date, `T`, a time and a zone (`Z` or an offset).
fn is_date_time(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() >= 20
        && is_date(&s[..10])
        && matches!(bytes[10], b'T' | b't')
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// The hyphenated 8-4-4-4-12 form (the only one the spec's examples use).
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// An absolute URI: a scheme, `:`, and no spaces or control characters.
fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && is_uri_reference(s)
}

fn is_uri_reference(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
}

/// Checks a string or number against a `format`; `None` for formats that say nothing checkable.
fn format_error(format: &str, value: &Value) -> Option<String> {
    let ok = match (format, value) {
        ("date-time", Value::String(s)) => is_date_time(s),
        ("date", Value::String(s)) => is_date(s),
        ("uuid", Value::String(s)) => is_uuid(s),
        ("uri", Value::String(s)) => is_uri(s),
        ("uri-reference", Value::String(s)) => is_uri_reference(s),
        ("ISO4217", Value::String(s)) => s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()),
        ("int32", Value::Number(n)) => whole(n).is_some_and(|i| i32::try_from(i).is_ok()),
        ("int64", Value::Number(n)) => whole(n).is_some_and(|i| i64::try_from(i).is_ok()),
        _ => return None,
    };
    (!ok).then(|| format!("{} is not a valid {format}", show(value)))
}

/// A schema's keywords, read in one pass over it (a schema has a few of the many keywords).
#[derive(Debug, Default)]
struct Keywords<'s> {
    reference: Option<&'s Value>,
    additional_properties: Option<&'s Value>,
    all_of: Option<&'s Value>,
    any_of: Option<&'s Value>,
    one_of: Option<&'s Value>,
    const_: Option<&'s Value>,
    enum_: Option<&'s Value>,
    format: Option<&'s Value>,
    items: Option<&'s Value>,
    max_items: Option<&'s Value>,
    min_items: Option<&'s Value>,
    max_length: Option<&'s Value>,
    min_length: Option<&'s Value>,
    max_properties: Option<&'s Value>,
    min_properties: Option<&'s Value>,
    not: Option<&'s Value>,
    nullable: Option<&'s Value>,
    pattern: Option<&'s Value>,
    properties: Option<&'s Value>,
    property_names: Option<&'s Value>,
    required: Option<&'s Value>,
    type_: Option<&'s Value>,
    unique_items: Option<&'s Value>,
    minimum: Option<&'s Value>,
    maximum: Option<&'s Value>,
    exclusive_minimum: Option<&'s Value>,
    exclusive_maximum: Option<&'s Value>,
}

impl<'s> Keywords<'s> {
    fn of(schema: &'s Map<String, Value>) -> Self {
        let mut kw = Keywords::default();
        for (key, value) in schema {
            let slot = match key.as_str() {
                "$ref" => &mut kw.reference,
                "additionalProperties" => &mut kw.additional_properties,
                "allOf" => &mut kw.all_of,
                "anyOf" => &mut kw.any_of,
                "oneOf" => &mut kw.one_of,
                "const" => &mut kw.const_,
                "enum" => &mut kw.enum_,
                "format" => &mut kw.format,
                "items" => &mut kw.items,
                "maxItems" => &mut kw.max_items,
                "minItems" => &mut kw.min_items,
                "maxLength" => &mut kw.max_length,
                "minLength" => &mut kw.min_length,
                "maxProperties" => &mut kw.max_properties,
                "minProperties" => &mut kw.min_properties,
                "not" => &mut kw.not,
                "nullable" => &mut kw.nullable,
                "pattern" => &mut kw.pattern,
                "properties" => &mut kw.properties,
                "propertyNames" => &mut kw.property_names,
                "required" => &mut kw.required,
                "type" => &mut kw.type_,
                "uniqueItems" => &mut kw.unique_items,
                "minimum" => &mut kw.minimum,
                "maximum" => &mut kw.maximum,
                "exclusiveMinimum" => &mut kw.exclusive_minimum,
                "exclusiveMaximum" => &mut kw.exclusive_maximum,
                _ => continue,
            };
            *slot = Some(value);
        }
        kw
    }
}

/// Which properties of an object the schemas applied at one location declare.
#[derive(Debug, Default)]
struct Evaluated<'s> {
    /// Some schema applied here describes an object (`type: object`, `properties` or
    /// `required`): undeclared properties are then violations.
    describes_object: bool,
    /// `additionalProperties` allowed the rest.
    all: bool,
    /// The names declared, borrowed from the schemas (a handful: a list beats hashing).
    names: Vec<&'s str>,
}

impl<'s> Evaluated<'s> {
    fn merge(&mut self, other: Evaluated<'s>) {
        self.describes_object |= other.describes_object;
        self.all |= other.all;
        self.names.extend(other.names);
    }
}

/// Validates values against schemas of one OpenAPI document.
#[derive(Debug)]
pub(crate) struct Validator<'d> {
    doc: &'d Value,
    patterns: &'d HashMap<String, Regex>,
}

impl<'d> Validator<'d> {
    pub(crate) fn new(doc: &'d Value, patterns: &'d HashMap<String, Regex>) -> Self {
        Validator { doc, patterns }
    }

    /// Every way `value` breaks `schema`, strictly (see the module docs).
    pub(crate) fn validate<'s>(&self, value: &Value, schema: &'s Value) -> Vec<SchemaError>
    where
        'd: 's,
    {
        let mut errors = Vec::new();
        self.check_at(value, schema, &Loc::Root, 0, &mut errors);
        errors
    }

    fn resolve(&self, reference: &str) -> Option<&'d Value> {
        let pointer = reference.strip_prefix('#')?;
        self.doc.pointer(pointer)
    }

    /// Validates the value at one location and reports its undeclared properties.
    fn check_at<'s>(
        &self,
        value: &Value,
        schema: &'s Value,
        at: &Loc<'_>,
        chain: usize,
        errors: &mut Vec<SchemaError>,
    ) where
        'd: 's,
    {
        let evaluated = self.eval(value, schema, at, chain, errors);
        if let Value::Object(map) = value
            && evaluated.describes_object
            && !evaluated.all
        {
            for key in map.keys() {
                if !evaluated.names.contains(&key.as_str()) {
                    errors.push(SchemaError {
                        pointer: Loc::Key(at, key).pointer(),
                        message: format!("property `{key}` is not declared by the schema"),
                    });
                }
            }
        }
    }

    /// Applies every keyword of `schema` at this location; returns what it declares for an
    /// object here. Nested locations are checked strictly on their own.
    fn eval<'s>(
        &self,
        value: &Value,
        schema: &'s Value,
        at: &Loc<'_>,
        chain: usize,
        errors: &mut Vec<SchemaError>,
    ) -> Evaluated<'s>
    where
        'd: 's,
    {
        let mut evaluated = Evaluated::default();
        let Some(schema) = schema_object(schema, at, errors) else {
            return evaluated;
        };
        let kw = Keywords::of(schema);
        if value.is_null() && kw.nullable.and_then(Value::as_bool) == Some(true) {
            return evaluated;
        }
        if let Some(reference) = kw.reference.and_then(Value::as_str) {
            evaluated.merge(self.follow_ref(reference, value, at, chain, errors));
        }
        if let Some(types) = kw.type_ {
            let (describes_object, matched) = check_type(types, value, at, errors);
            evaluated.describes_object |= describes_object;
            if !matched {
                return evaluated;
            }
        }
        check_value(value, &kw, at, errors);
        match value {
            Value::String(s) => self.string(s, &kw, at, errors),
            Value::Number(n) => number(n, &kw, at, errors),
            Value::Array(items) => self.array(items, &kw, at, errors),
            Value::Object(map) => {
                evaluated.merge(self.object(map, &kw, at, errors));
            }
            _ => {}
        }
        evaluated.merge(self.combinations(value, &kw, at, chain, errors));
        evaluated
    }

    /// Applies the schema a `$ref` points at, up to [`MAX_REF_CHAIN`] deep.
    fn follow_ref<'s>(
        &self,
        reference: &str,
        value: &Value,
        at: &Loc<'_>,
        chain: usize,
        errors: &mut Vec<SchemaError>,
    ) -> Evaluated<'s>
    where
        'd: 's,
    {
        match self.resolve(reference) {
            Some(_) if chain >= MAX_REF_CHAIN => errors.push(SchemaError {
                pointer: at.pointer(),
                message: format!("$ref {reference} chains more than {MAX_REF_CHAIN} deep"),
            }),
            Some(target) => return self.eval(value, target, at, chain + 1, errors),
            None => errors.push(SchemaError {
                pointer: at.pointer(),
                message: format!("$ref {reference} points at nothing in the spec"),
            }),
        }
        Evaluated::default()
    }

    /// Applies `allOf`, `anyOf`, `oneOf` and `not`.
    fn combinations<'s>(
        &self,
        value: &Value,
        kw: &Keywords<'s>,
        at: &Loc<'_>,
        chain: usize,
        errors: &mut Vec<SchemaError>,
    ) -> Evaluated<'s>
    where
        'd: 's,
    {
        let mut evaluated = Evaluated::default();
        if let Some(Value::Array(all)) = kw.all_of {
            for branch in all {
                evaluated.merge(self.eval(value, branch, at, chain + 1, errors));
            }
        }
        for (keyword, list) in [("anyOf", kw.any_of), ("oneOf", kw.one_of)] {
            if let Some(Value::Array(branches)) = list {
                evaluated.merge(self.alternatives(keyword, branches, value, at, chain, errors));
            }
        }
        if let Some(not) = kw.not {
            let mut inner = Vec::new();
            self.check_at(value, not, at, chain + 1, &mut inner);
            if inner.is_empty() {
                errors.push(SchemaError {
                    pointer: at.pointer(),
                    message: format!("{} matches a schema it must not match", show(value)),
                });
            }
        }
        evaluated
    }

    fn alternatives<'s>(
        &self,
        keyword: &str,
        branches: &'s [Value],
        value: &Value,
        at: &Loc<'_>,
        chain: usize,
        errors: &mut Vec<SchemaError>,
    ) -> Evaluated<'s>
    where
        'd: 's,
    {
        let mut evaluated = Evaluated::default();
        let mut closest: Option<Vec<SchemaError>> = None;
        let mut matched = false;
        for branch in branches {
            let mut branch_errors = Vec::new();
            let e = self.eval(value, branch, at, chain + 1, &mut branch_errors);
            if branch_errors.is_empty() {
                matched = true;
                evaluated.merge(e);
            } else if closest
                .as_ref()
                .is_none_or(|c| branch_errors.len() < c.len())
            {
                closest = Some(branch_errors);
            }
        }
        if !matched {
            let closest = closest.unwrap_or_default();
            let first = closest
                .first()
                .map(|e| format!(" (closest: {} at `{}`)", e.message, e.pointer))
                .unwrap_or_default();
            errors.push(SchemaError {
                pointer: at.pointer(),
                message: format!(
                    "matches none of the {} schemas of {keyword}{first}",
                    branches.len()
                ),
            });
        }
        evaluated
    }

    fn string(&self, s: &str, kw: &Keywords<'_>, at: &Loc<'_>, errors: &mut Vec<SchemaError>) {
        count_bounds(
            s.chars().count() as u64,
            "character(s)",
            (kw.min_length, "minLength"),
            (kw.max_length, "maxLength"),
            at,
            errors,
        );
        if let Some(pattern) = kw.pattern.and_then(Value::as_str) {
            let compiled;
            let regex = match self.patterns.get(pattern) {
                Some(r) => Some(r),
                None => {
                    compiled = Regex::new(pattern).ok();
                    compiled.as_ref()
                }
            };
            match regex {
                Some(r) if r.is_match(s) => {}
                Some(_) => errors.push(SchemaError {
                    pointer: at.pointer(),
                    message: format!("{} does not match the pattern {pattern}", show(&Value::String(s.to_owned()))),
                }),
                None => errors.push(SchemaError {
                    pointer: at.pointer(),
                    message: format!("the spec's pattern {pattern} is not a regular expression this validator reads"),
                }),
            }
        }
    }

    fn array<'s>(
        &self,
        items: &[Value],
        kw: &Keywords<'s>,
        at: &Loc<'_>,
        errors: &mut Vec<SchemaError>,
    ) {
        count_bounds(
            items.len() as u64,
            "item(s)",
            (kw.min_items, "minItems"),
            (kw.max_items, "maxItems"),
            at,
            errors,
        );
        if kw.unique_items.and_then(Value::as_bool) == Some(true) {
            let mut seen = HashSet::new();
            if let Some(i) = items.iter().position(|v| !seen.insert(v.to_string())) {
                errors.push(SchemaError {
                    pointer: Loc::Index(at, i).pointer(),
                    message: "repeats an earlier item (uniqueItems)".into(),
                });
            }
        }
        if let Some(item_schema) = kw.items {
            for (i, item) in items.iter().enumerate() {
                self.check_at(item, item_schema, &Loc::Index(at, i), 0, errors);
            }
        }
    }

    fn object<'s>(
        &self,
        map: &Map<String, Value>,
        kw: &Keywords<'s>,
        at: &Loc<'_>,
        errors: &mut Vec<SchemaError>,
    ) -> Evaluated<'s>
    where
        'd: 's,
    {
        let mut evaluated = Evaluated::default();
        if let Some(Value::Object(properties)) = kw.properties {
            evaluated.describes_object = true;
            for (name, property_schema) in properties {
                evaluated.names.push(name.as_str());
                if let Some(v) = map.get(name) {
                    self.check_at(v, property_schema, &Loc::Key(at, name), 0, errors);
                }
            }
        }
        if let Some(Value::Array(required)) = kw.required {
            evaluated.describes_object = true;
            for name in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(name) {
                    errors.push(SchemaError {
                        pointer: Loc::Key(at, name).pointer(),
                        message: format!("required property `{name}` is missing"),
                    });
                }
            }
        }
        count_bounds(
            map.len() as u64,
            "properties",
            (kw.min_properties, "minProperties"),
            (kw.max_properties, "maxProperties"),
            at,
            errors,
        );
        if let Some(names_schema) = kw.property_names {
            for name in map.keys() {
                let mut inner = Vec::new();
                self.check_at(
                    &Value::String(name.clone()),
                    names_schema,
                    &Loc::Root,
                    0,
                    &mut inner,
                );
                if let Some(first) = inner.first() {
                    errors.push(SchemaError {
                        pointer: Loc::Key(at, name).pointer(),
                        message: format!("the property name is not allowed: {}", first.message),
                    });
                }
            }
        }
        match kw.additional_properties {
            Some(Value::Bool(true)) => evaluated.all = true,
            Some(Value::Bool(false)) | None => {}
            Some(rest) => {
                evaluated.all = true;
                let declared: HashSet<&str> = match kw.properties {
                    Some(Value::Object(p)) => p.keys().map(String::as_str).collect(),
                    _ => HashSet::new(),
                };
                for (name, v) in map {
                    if !declared.contains(name.as_str()) {
                        self.check_at(v, rest, &Loc::Key(at, name), 0, errors);
                    }
                }
            }
        }
        evaluated
    }
}

/// The schema as an object of keywords; `true` allows anything (no keywords), `false` nothing.
fn schema_object<'s>(
    schema: &'s Value,
    at: &Loc<'_>,
    errors: &mut Vec<SchemaError>,
) -> Option<&'s Map<String, Value>> {
    let message = match schema {
        Value::Object(s) => return Some(s),
        Value::Bool(true) => return None,
        Value::Bool(false) => "no value is allowed here".into(),
        _ => format!("the spec's schema here is not a schema: {}", show(schema)),
    };
    errors.push(SchemaError {
        pointer: at.pointer(),
        message,
    });
    None
}

/// Checks `type` (a name or a list of names): (whether it names `object`, whether the value
/// has one of the types).
fn check_type(
    types: &Value,
    value: &Value,
    at: &Loc<'_>,
    errors: &mut Vec<SchemaError>,
) -> (bool, bool) {
    let names: Vec<&str> = match types {
        Value::String(t) => vec![t.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let describes_object = names.contains(&"object");
    if !names.is_empty() && !names.iter().any(|t| matches_type(value, t)) {
        errors.push(SchemaError {
            pointer: at.pointer(),
            message: format!(
                "expected {}, found {} {}",
                names.join(" or "),
                type_name(value),
                show(value)
            ),
        });
        return (describes_object, false);
    }
    (describes_object, true)
}

/// Checks `enum`, `const` and `format`.
fn check_value(value: &Value, kw: &Keywords<'_>, at: &Loc<'_>, errors: &mut Vec<SchemaError>) {
    if let Some(Value::Array(allowed)) = kw.enum_
        && !allowed.contains(value)
    {
        let list: Vec<String> = allowed.iter().map(show).collect();
        errors.push(SchemaError {
            pointer: at.pointer(),
            message: format!("{} is not one of {}", show(value), list.join(", ")),
        });
    }
    if let Some(expected) = kw.const_
        && expected != value
    {
        errors.push(SchemaError {
            pointer: at.pointer(),
            message: format!("{} is not {}", show(value), show(expected)),
        });
    }
    if let Some(format) = kw.format.and_then(Value::as_str)
        && let Some(message) = format_error(format, value)
    {
        errors.push(SchemaError {
            pointer: at.pointer(),
            message,
        });
    }
}

fn number(n: &serde_json::Number, kw: &Keywords<'_>, at: &Loc<'_>, errors: &mut Vec<SchemaError>) {
    use std::cmp::Ordering::{Greater, Less};
    let checks: [(Option<&Value>, &[std::cmp::Ordering], &str); 4] = [
        (kw.minimum, &[Less], "less than minimum"),
        (kw.maximum, &[Greater], "more than maximum"),
        (
            kw.exclusive_minimum,
            &[Less, std::cmp::Ordering::Equal],
            "not more than exclusiveMinimum",
        ),
        (
            kw.exclusive_maximum,
            &[Greater, std::cmp::Ordering::Equal],
            "not less than exclusiveMaximum",
        ),
    ];
    for (limit, failing, text) in checks {
        if let Some(Value::Number(limit)) = limit
            && compare_numbers(n, limit).is_some_and(|o| failing.contains(&o))
        {
            errors.push(SchemaError {
                pointer: at.pointer(),
                message: format!("{n} is {text} {limit}"),
            });
        }
    }
}

/// Every schema in the document reachable from its paths and components, with a callback per
/// schema object (used to compile patterns up front and to list the keywords in use).
pub(crate) fn for_each_schema(doc: &Value, f: &mut dyn FnMut(&Map<String, Value>)) {
    fn walk(schema: &Value, f: &mut dyn FnMut(&Map<String, Value>)) {
        let Value::Object(map) = schema else { return };
        f(map);
        for key in ["items", "additionalProperties", "not", "propertyNames"] {
            if let Some(s) = map.get(key) {
                walk(s, f);
            }
        }
        for key in ["properties", "definitions", "$defs"] {
            if let Some(Value::Object(children)) = map.get(key) {
                for s in children.values() {
                    walk(s, f);
                }
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(list)) = map.get(key) {
                for s in list {
                    walk(s, f);
                }
            }
        }
    }
    fn media(content: &Value, f: &mut dyn FnMut(&Map<String, Value>)) {
        if let Value::Object(types) = content {
            for media in types.values() {
                if let Some(s) = media.get("schema") {
                    walk(s, f);
                }
            }
        }
    }
    let components = doc.get("components");
    for section in ["schemas"] {
        if let Some(Value::Object(schemas)) = components.and_then(|c| c.get(section)) {
            for s in schemas.values() {
                walk(s, f);
            }
        }
    }
    if let Some(Value::Object(params)) = components.and_then(|c| c.get("parameters")) {
        for p in params.values() {
            if let Some(s) = p.get("schema") {
                walk(s, f);
            }
        }
    }
    if let Some(Value::Object(responses)) = components.and_then(|c| c.get("responses")) {
        for r in responses.values() {
            if let Some(c) = r.get("content") {
                media(c, f);
            }
        }
    }
    if let Some(Value::Object(paths)) = doc.get("paths") {
        for item in paths.values() {
            let Value::Object(item) = item else { continue };
            for op in item.values() {
                if let Some(Value::Array(params)) = op.get("parameters") {
                    for p in params {
                        if let Some(s) = p.get("schema") {
                            walk(s, f);
                        }
                    }
                }
                if let Some(c) = op.get("requestBody").and_then(|b| b.get("content")) {
                    media(c, f);
                }
                if let Some(Value::Object(responses)) = op.get("responses") {
                    for r in responses.values() {
                        if let Some(c) = r.get("content") {
                            media(c, f);
                        }
                    }
                }
            }
        }
    }
}

/// `minLength`/`maxLength`, `minItems`/`maxItems` or `minProperties`/`maxProperties`: a count
/// (`count` things of `unit`) against the bounds the schema gives, each with its keyword's name.
fn count_bounds(
    count: u64,
    unit: &str,
    (min, min_name): (Option<&Value>, &str),
    (max, max_name): (Option<&Value>, &str),
    at: &Loc<'_>,
    errors: &mut Vec<SchemaError>,
) {
    if let Some(min) = min.and_then(Value::as_u64)
        && count < min
    {
        errors.push(SchemaError {
            pointer: at.pointer(),
            message: format!("{count} {unit}, fewer than {min_name} {min}"),
        });
    }
    if let Some(max) = max.and_then(Value::as_u64)
        && count > max
    {
        errors.push(SchemaError {
            pointer: at.pointer(),
            message: format!("{count} {unit}, more than {max_name} {max}"),
        });
    }
}
