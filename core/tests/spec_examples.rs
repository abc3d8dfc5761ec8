//! Every example in the Bank Feeds OpenAPI spec (`shared/codat-oas/Codat-Bank-Feeds.json`)
//! parses into the model type for its schema and writes back with the same fields and values.
//!
//! Examples are found by walking the spec, not listed by hand: schema examples under
//! `components.schemas`, request and response examples of every operation (with `$ref`s into
//! `components.responses` followed), the examples of `components.responses` themselves, and the
//! webhooks'. A table maps each place to its Rust type; an example in a place the table does not
//! know fails the test, and so does an operation body with a schema but no type. The counts are
//! asserted so the test cannot pass by finding nothing.

use std::collections::{BTreeMap, BTreeSet};

use bankfeeds::dates::{LocalDateTime, Timestamp};
use bankfeeds::model::*;
use bankfeeds::money::{Currency, Decimal};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod shared;

/// The spec, or `None` (the test says it skipped) in a clone without `../shared`.
fn spec(test: &str) -> Option<Value> {
    let text = shared::read("codat-oas/Codat-Bank-Feeds.json", test)?;
    Some(serde_json::from_str(&text).expect("the spec is JSON"))
}

/// Parses an example from its JSON text, as a client would, and writes it back.
type Check = fn(&Value) -> Result<Value, String>;

fn rt<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Value, String> {
    let text = serde_json::to_string(v).unwrap();
    let parsed: T = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    serde_json::to_value(&parsed).map_err(|e| e.to_string())
}

/// Like [`rt`], for an enum whose example must be a value the spec lists, not a fallback.
macro_rules! known {
    ($t:ty) => {
        |v: &Value| -> Result<Value, String> {
            let parsed: $t = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
            if !<$t>::ALL.contains(&parsed) {
                return Err(format!("{v} is not a value {} knows", stringify!($t)));
            }
            serde_json::to_value(&parsed).map_err(|e| e.to_string())
        }
    };
}

/// An exact amount on its own, for the spec's `amount`/`balance` examples.
#[derive(Serialize, Deserialize)]
struct Amount(#[serde(with = "bankfeeds::money::json")] Decimal);

fn source_account_v1(v: &Value) -> Result<Value, String> {
    match serde_json::from_value::<AnySourceAccount>(v.clone()).map_err(|e| e.to_string())? {
        AnySourceAccount::V1(_) => rt::<SourceAccount>(v),
        AnySourceAccount::V2(_) => Err("a v1 example read as v2".into()),
    }
}

fn source_account_v2(v: &Value) -> Result<Value, String> {
    match serde_json::from_value::<AnySourceAccount>(v.clone()).map_err(|e| e.to_string())? {
        AnySourceAccount::V2(_) => rt::<SourceAccountV2>(v),
        AnySourceAccount::V1(_) => Err("a v2 example read as v1".into()),
    }
}

fn batch_error_status_code(v: &Value) -> Result<Value, String> {
    // The spec types this as a string yet gives the number 409 as its example.
    let wrapped = serde_json::json!({ "statusCode": v });
    let r: SourceAccountBatchErrorResult =
        serde_json::from_value(wrapped).map_err(|e| e.to_string())?;
    match r.status_code.as_deref() {
        Some("409") => Ok(v.clone()),
        other => Err(format!("read {other:?}")),
    }
}

fn client_rate_limit(v: &Value) -> Result<Value, String> {
    match serde_json::from_value::<WebhookEvent>(v.clone()).map_err(|e| e.to_string())? {
        WebhookEvent::ClientRateLimit(_) => rt::<ClientRateLimitWebhook>(v),
        other => Err(format!("dispatched as {other:?}")),
    }
}

fn source_account_webhook(v: &Value) -> Result<Value, String> {
    match serde_json::from_value::<WebhookEvent>(v.clone()).map_err(|e| e.to_string())? {
        WebhookEvent::SourceAccount(_) => rt::<SourceAccountWebhook>(v),
        other => Err(format!("dispatched as {other:?}")),
    }
}

/// Schema examples under `components/schemas`, by the JSON pointer of the schema holding them
/// (relative to `/components/schemas/`).
fn schema_table() -> BTreeMap<String, Check> {
    const RESULTS: &str = "BankAccounts/allOf/0/properties/results/items";
    let entries: Vec<(String, Check)> = vec![
        // Objects.
        (
            "BankAccountCredentials".into(),
            rt::<BankAccountCredentials>,
        ),
        (
            "BankFeedAccountMapping".into(),
            rt::<BankFeedAccountMapping>,
        ),
        (
            "BankFeedAccountMappingResponse".into(),
            rt::<BankFeedAccountMappingResponse>,
        ),
        ("BankFeedMapping".into(), rt::<BankFeedMapping>),
        ("Companies/allOf/1".into(), rt::<Page<Company>>),
        ("Companies/allOf/1/definitions/links".into(), rt::<Links>),
        ("Company".into(), rt::<Company>),
        ("CompanyAccessToken".into(), rt::<CompanyAccessToken>),
        ("Connection".into(), rt::<Connection>),
        ("GenerateOtpResponse".into(), rt::<GenerateOtpResponse>),
        ("PullOperation".into(), rt::<PullOperation>),
        ("SourceAccount".into(), source_account_v1),
        ("SourceAccountV2".into(), source_account_v2),
        // Scalars with a type of their own.
        ("DataType".into(), known!(DataType)),
        ("DateTime".into(), rt::<Timestamp>),
        (
            format!("{RESULTS}/definitions/bankAccountStatus"),
            known!(BankAccountStatus),
        ),
        (
            "Connection/properties/sourceType".into(),
            known!(SourceType),
        ),
        (
            "Connection/definitions/dataConnectionSourceType".into(),
            known!(SourceType),
        ),
        (
            "SyncStatusResult/properties/status".into(),
            known!(SyncStatus),
        ),
        (
            "BankTransactions/items/properties/date".into(),
            rt::<LocalDateTime>,
        ),
        (
            "BankTransactions/items/properties/amount".into(),
            rt::<Amount>,
        ),
        (
            "BankTransactions/items/properties/balance".into(),
            rt::<Amount>,
        ),
        ("SourceAccount/properties/currency".into(), rt::<Currency>),
        (
            "SourceAccountV2/properties/feedStartDate".into(),
            rt::<Timestamp>,
        ),
        (
            "ClientRateLimitWebhook/properties/eventType".into(),
            known!(WebhookEventType),
        ),
        (
            "SourceAccountWebhook/properties/eventType".into(),
            known!(WebhookEventType),
        ),
        (
            "SourceAccountBatchErrorResponse/properties/result/properties/statusCode".into(),
            batch_error_status_code,
        ),
    ];
    entries
        .into_iter()
        .map(|(k, c)| (format!("/components/schemas/{k}"), c))
        .collect()
}

/// Request (`"request"`) and response (status) bodies of each operation, by operationId.
fn operation_table() -> BTreeMap<(&'static str, &'static str), Check> {
    let entries: &[(&str, &str, Check)] = &[
        ("create-company", "request", rt::<CompanyRequestBody>),
        ("create-company", "200", rt::<Company>),
        ("list-companies", "200", rt::<Companies>),
        ("get-company", "200", rt::<Company>),
        ("replace-company", "request", rt::<CompanyRequestBody>),
        ("replace-company", "200", rt::<Company>),
        ("update-company", "request", rt::<CompanyUpdateRequest>),
        ("update-company", "200", rt::<Company>),
        ("get-company-access-token", "200", rt::<CompanyAccessToken>),
        ("list-connections", "200", rt::<Connections>),
        (
            "create-connection",
            "request",
            rt::<CreateConnectionRequestBody>,
        ),
        ("create-connection", "200", rt::<Connection>),
        ("get-connection", "200", rt::<Connection>),
        ("unlink-connection", "request", rt::<UpdateConnection>),
        ("unlink-connection", "200", rt::<Connection>),
        ("list-bank-accounts", "200", rt::<BankAccounts>),
        ("get-create-bankAccounts-model", "200", rt::<PushOption>),
        ("create-bank-account", "request", rt::<BankAccountPrototype>),
        (
            "create-bank-account",
            "200",
            rt::<CreateBankAccountResponse>,
        ),
        (
            "create-batch-source-account",
            "request",
            rt::<BatchCreateSourceAccounts>,
        ),
        (
            "create-batch-source-account",
            "201",
            rt::<Vec<SourceAccountBatchItem>>,
        ),
        (
            "create-batch-source-account",
            "207",
            rt::<Vec<SourceAccountBatchItem>>,
        ),
        (
            "create-batch-source-account",
            "409",
            rt::<Vec<SourceAccountBatchItem>>,
        ),
        (
            "create-source-account",
            "request",
            rt::<CreateSourceAccount>,
        ),
        ("create-source-account", "200", rt::<AnySourceAccount>),
        ("list-source-accounts", "200", rt::<SourceAccounts>),
        ("update-source-account", "request", rt::<SourceAccount>),
        ("update-source-account", "200", rt::<SourceAccount>),
        ("generate-credentials", "200", rt::<BankAccountCredentials>),
        ("get-bank-account-mapping", "200", rt::<BankFeedMappings>),
        (
            "create-bank-account-mapping",
            "request",
            rt::<BankFeedAccountMapping>,
        ),
        (
            "create-bank-account-mapping",
            "200",
            rt::<BankFeedAccountMappingResponse>,
        ),
        ("get-company-information", "200", rt::<CompanyInformation>),
        ("generate-otp", "200", rt::<GenerateOtpResponse>),
        (
            "create-bank-transactions",
            "request",
            rt::<CreateBankTransactions>,
        ),
        (
            "create-bank-transactions",
            "200",
            rt::<CreateBankTransactionsResponse>,
        ),
        (
            "get-create-bank-transactions-model",
            "200",
            rt::<PushOption>,
        ),
        ("get-create-operation", "200", rt::<PushOperation>),
        ("list-create-operations", "200", rt::<PushOperations>),
        ("get-managed-bank-feed-sync", "200", rt::<SyncStatusResult>),
        (
            "get-latest-managed-bank-feed-sync",
            "200",
            rt::<SyncStatusResult>,
        ),
        (
            "run-managed-bank-feed-ad-hoc-sync",
            "201",
            rt::<StartScheduledSyncResult>,
        ),
    ];
    entries.iter().map(|&(op, st, f)| ((op, st), f)).collect()
}

fn webhook_table() -> BTreeMap<&'static str, Check> {
    let mut t: BTreeMap<&'static str, Check> = BTreeMap::new();
    t.insert("client.rateLimit.reached", client_rate_limit);
    t.insert("client.rateLimit.reset", client_rate_limit);
    t.insert("bankFeeds.sourceAccount.connected", source_account_webhook);
    t.insert(
        "bankFeeds.sourceAccount.disconnected",
        source_account_webhook,
    );
    t
}

/// How a written-back example differs from the original.
#[derive(Default)]
struct Diff {
    /// Fields of the example that the model does not have (so are not written back).
    dropped: Vec<String>,
    /// Fields written back that the example did not have.
    added: Vec<String>,
    /// Fields whose value changed.
    changed: Vec<String>,
}

fn diff(a: &Value, b: &Value, path: &str, d: &mut Diff) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = format!("{path}/{k}");
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) => diff(va, vb, &p, d),
                    (Some(_), None) => d.dropped.push(p),
                    (None, Some(_)) => d.added.push(p),
                    (None, None) => unreachable!(),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                diff(va, vb, &format!("{path}/{i}"), d);
            }
        }
        _ if a == b => {}
        _ => d.changed.push(format!("{path}: {a} became {b}")),
    }
}

/// One example found in the spec.
struct Example {
    /// Where it is, for messages.
    location: String,
    /// The check that applies.
    check: Check,
    value: Value,
}

/// Collects the `example`/`examples` values under `components/schemas`.
fn schema_examples(node: &Value, pointer: &str, found: &mut Vec<(String, Value)>) {
    match node {
        Value::Object(map) => {
            let in_properties = pointer.ends_with("/properties");
            for (k, v) in map {
                let child = format!("{pointer}/{k}");
                if !in_properties && k == "examples" && v.is_array() {
                    for (i, e) in v.as_array().unwrap().iter().enumerate() {
                        found.push((format!("{pointer}#examples/{i}"), e.clone()));
                    }
                } else if !in_properties && k == "example" {
                    found.push((format!("{pointer}#example"), v.clone()));
                } else {
                    schema_examples(v, &child, found);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                schema_examples(v, &format!("{pointer}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// The values of a media type object's `examples` (named) and `example`.
fn media_examples(media: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(named) = media.get("examples").and_then(Value::as_object) {
        for (name, e) in named {
            out.push((
                name.clone(),
                e.get("value").cloned().expect("an example with a value"),
            ));
        }
    }
    if let Some(e) = media.get("example") {
        out.push(("example".into(), e.clone()));
    }
    out
}

fn resolve<'a>(spec: &'a Value, node: &'a Value) -> (&'a Value, Option<&'a str>) {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => (
            spec.pointer(r.trim_start_matches('#'))
                .expect("a $ref that resolves"),
            Some(r),
        ),
        None => (node, None),
    }
}

struct Found {
    examples: Vec<Example>,
    /// Scalar property examples of plain `String`, `bool` or integer fields (ids, names, URLs),
    /// by pointer, with their value.
    untyped_scalars: Vec<(String, Value)>,
    /// Bodies with a JSON schema that the operation table does not map.
    unmapped_bodies: Vec<String>,
    /// Examples in places no table knows.
    unmapped_examples: Vec<String>,
    counts: BTreeMap<&'static str, usize>,
}

fn find_examples(spec: &Value) -> Found {
    let mut f = Found {
        examples: Vec::new(),
        untyped_scalars: Vec::new(),
        unmapped_bodies: Vec::new(),
        unmapped_examples: Vec::new(),
        counts: BTreeMap::new(),
    };

    // 1. components/schemas
    let schemas = schema_table();
    let mut raw = Vec::new();
    schema_examples(
        &spec["components"]["schemas"],
        "/components/schemas",
        &mut raw,
    );
    for (location, value) in raw {
        let holder = location.split('#').next().unwrap();
        match schemas.get(holder) {
            Some(&check) => {
                let kind = if value.is_object() {
                    "schema objects"
                } else {
                    "schema scalars"
                };
                *f.counts.entry(kind).or_default() += 1;
                f.examples.push(Example {
                    location,
                    check,
                    value,
                });
            }
            None if !value.is_object() && !value.is_array() => {
                f.untyped_scalars.push((location, value))
            }
            None => f.unmapped_examples.push(location),
        }
    }

    // 2. operations
    let ops = operation_table();
    let errors: Check = rt::<ErrorMessage>;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(op_id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut bodies: Vec<(String, Option<&str>, &Value)> = Vec::new();
            if let Some(rb) = op.get("requestBody") {
                bodies.push(("request".into(), None, rb));
            }
            for (status, resp) in op["responses"].as_object().unwrap() {
                let (resp, via) = resolve(spec, resp);
                bodies.push((status.clone(), via, resp));
            }
            for (status, via, body) in bodies {
                let Some(media) = body.pointer("/content/application~1json") else {
                    continue;
                };
                let check = if via.is_some_and(|r| r.starts_with("#/components/responses/")) {
                    Some(errors)
                } else {
                    ops.iter()
                        .find(|((o, s), _)| *o == op_id && *s == status)
                        .map(|(_, c)| *c)
                };
                if check.is_none() && media.get("schema").is_some() {
                    f.unmapped_bodies.push(format!("{op_id} {status}"));
                }
                for (name, value) in media_examples(media) {
                    let location =
                        format!("{} {path} {op_id} {status} «{name}»", method.to_uppercase());
                    match check {
                        Some(check) => {
                            let kind = if via.is_some() {
                                "operation errors"
                            } else {
                                "operation bodies"
                            };
                            *f.counts.entry(kind).or_default() += 1;
                            f.examples.push(Example {
                                location,
                                check,
                                value,
                            });
                        }
                        None => f.unmapped_examples.push(location),
                    }
                }
            }
        }
    }

    // 3. components/responses, directly
    for (name, resp) in spec["components"]["responses"].as_object().unwrap() {
        if let Some(media) = resp.pointer("/content/application~1json") {
            for (ex, value) in media_examples(media) {
                *f.counts.entry("component responses").or_default() += 1;
                f.examples.push(Example {
                    location: format!("components/responses/{name} «{ex}»"),
                    check: errors,
                    value,
                });
            }
        }
    }

    // 4. webhooks
    let hooks = webhook_table();
    for (name, item) in spec["webhooks"].as_object().unwrap() {
        let media = item
            .pointer("/post/requestBody/content/application~1json")
            .expect("a webhook body");
        for (ex, value) in media_examples(media) {
            let location = format!("webhook {name} «{ex}»");
            match hooks.get(name.as_str()) {
                Some(&check) => {
                    *f.counts.entry("webhooks").or_default() += 1;
                    f.examples.push(Example {
                        location,
                        check,
                        value,
                    });
                }
                None => f.unmapped_examples.push(location),
            }
        }
    }
    f
}

/// Fields that some spec examples carry but their schema does not define, so the model (which
/// ignores unknown fields) does not write them back. Each is listed with where it occurs.
const DROPPED: &[(&str, &str)] = &[
    // A `platform` field from an older Company schema, in many company examples.
    (
        "POST /companies create-company 200 «With a description»",
        "/platform",
    ),
    (
        "POST /companies create-company 200 «With a tag»",
        "/platform",
    ),
    (
        "POST /companies create-company 200 «With no description»",
        "/platform",
    ),
    (
        "GET /companies list-companies 200 «List of Companies»",
        "/results/0/platform",
    ),
    (
        "GET /companies list-companies 200 «One company»",
        "/results/0/platform",
    ),
    (
        "GET /companies/{companyId} get-company 200 «Parent multi-entity company»",
        "/platform",
    ),
    (
        "GET /companies/{companyId} get-company 200 «Simple company»",
        "/platform",
    ),
    (
        "GET /companies/{companyId} get-company 200 «Subsidiary multi-entity company»",
        "/platform",
    ),
    // A stray `"QuickBooks Online Bank Feeds": null` in the credentials example.
    (
        "/components/schemas/BankAccountCredentials#examples/0",
        "/QuickBooks Online Bank Feeds",
    ),
];

/// Fields written back that an example lacked: the pagination example has no `results`, which
/// the model reads as an empty list and writes as `[]`.
const ADDED: &[(&str, &str)] = &[(
    "/components/schemas/Companies/allOf/1#examples/0",
    "/results",
)];

#[test]
fn every_spec_example_parses_and_round_trips() {
    let Some(spec) = spec("spec_examples::every_spec_example_parses_and_round_trips") else {
        return;
    };
    let found = find_examples(&spec);
    assert!(
        found.unmapped_examples.is_empty(),
        "examples with no type: {:#?}",
        found.unmapped_examples
    );
    assert!(
        found.unmapped_bodies.is_empty(),
        "bodies with no type: {:#?}",
        found.unmapped_bodies
    );

    let mut failures = Vec::new();
    let mut dropped = BTreeSet::new();
    let mut added = BTreeSet::new();
    for ex in &found.examples {
        match (ex.check)(&ex.value) {
            Err(e) => failures.push(format!("{}: {e}", ex.location)),
            Ok(back) => {
                let mut d = Diff::default();
                diff(&ex.value, &back, "", &mut d);
                for c in d.changed {
                    failures.push(format!("{}: {c}", ex.location));
                }
                dropped.extend(d.dropped.into_iter().map(|p| (ex.location.clone(), p)));
                added.extend(d.added.into_iter().map(|p| (ex.location.clone(), p)));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let expected = |list: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(dropped, expected(DROPPED), "fields dropped on writing back");
    assert_eq!(added, expected(ADDED), "fields added on writing back");

    // The walk found what the spec holds (commit 1d1fab1 of codatio/oas): a changed spec should
    // be looked at, not silently pass.
    let counts: Vec<(&str, usize)> = found.counts.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(
        counts,
        [
            ("component responses", 13),
            ("operation bodies", 48),
            ("operation errors", 314),
            ("schema objects", 16),
            ("schema scalars", 20),
            ("webhooks", 4),
        ]
    );
    // The rest are examples of plain fields: text, flags and counts, never amounts or dates.
    assert_eq!(
        found.untyped_scalars.len(),
        32,
        "{:#?}",
        found.untyped_scalars
    );
    for (location, value) in &found.untyped_scalars {
        let plain = value.is_string() || value.is_boolean() || value.is_u64();
        assert!(plain, "{location}: {value} needs a type of its own");
        let looks_like_date = value.as_str().is_some_and(|s| Timestamp::parse(s).is_ok());
        assert!(
            !looks_like_date,
            "{location}: {value} is a date; map it to Timestamp"
        );
    }
}

#[test]
fn every_operation_body_has_a_type() {
    // The operation table covers every (operationId, request/status) whose body has a schema,
    // and names nothing that is not in the spec.
    let Some(spec) = spec("spec_examples::every_operation_body_has_a_type") else {
        return;
    };
    let mut in_spec = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let Some(op_id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            if op
                .pointer("/requestBody/content/application~1json/schema")
                .is_some()
            {
                in_spec.insert((op_id.to_string(), "request".to_string()));
            }
            for (status, resp) in op["responses"].as_object().unwrap() {
                if resp.get("$ref").is_none()
                    && resp.pointer("/content/application~1json/schema").is_some()
                {
                    in_spec.insert((op_id.to_string(), status.clone()));
                }
            }
        }
    }
    let in_table: BTreeSet<(String, String)> = operation_table()
        .keys()
        .map(|(o, s)| (o.to_string(), s.to_string()))
        .collect();
    assert_eq!(in_table, in_spec);
    assert_eq!(in_table.len(), 42);
}

#[test]
fn source_account_examples_keep_their_version() {
    let Some(spec) = spec("spec_examples::source_account_examples_keep_their_version") else {
        return;
    };
    let media = spec
        .pointer("/paths/~1companies~1{companyId}~1connections~1{connectionId}~1connectionInfo~1bankFeedAccounts/post/requestBody/content/application~1json")
        .unwrap();
    let examples: BTreeMap<String, Value> = media_examples(media).into_iter().collect();
    let v1: CreateSourceAccount = serde_json::from_value(examples["Version 1"].clone()).unwrap();
    let v2: CreateSourceAccount = serde_json::from_value(examples["Version 2"].clone()).unwrap();
    assert!(matches!(v1, CreateSourceAccount::V1(_)));
    assert!(matches!(v2, CreateSourceAccount::V2(_)));
}

#[test]
fn rate_limit_reset_example_has_an_impossible_time() {
    // Codat's example says 23:59:99; it is kept as text instead of failing the webhook.
    let Some(spec) = spec("spec_examples::rate_limit_reset_example_has_an_impossible_time") else {
        return;
    };
    let value = spec
        .pointer("/webhooks/client.rateLimit.reset/post/requestBody/content/application~1json/examples/Reset/value")
        .unwrap()
        .clone();
    let w: ClientRateLimitWebhook = serde_json::from_value(value).unwrap();
    let expiry = w.payload.unwrap().expiry_date.unwrap();
    assert_eq!(
        expiry,
        LenientTimestamp::Invalid("2024-09-01T23:59:99Z".into())
    );
    assert!(w.generated_date.unwrap().timestamp().is_some());
}

#[test]
fn the_checks_can_fail() {
    // A wrong date, a v2 example read as v1, a value that changes and an unknown enum value are
    // all caught, so the walk above is not vacuous.
    let bad_date =
        serde_json::json!({"id": "c", "name": "n", "redirect": "r", "created": "2022-13-01"});
    assert!(rt::<Company>(&bad_date).is_err());
    let v2 = serde_json::json!({"id": "a", "accountName": "n", "accountType": "checking",
        "accountNumber": "1", "currency": "GBP", "balance": 1});
    assert!(source_account_v1(&v2).is_err());
    assert!(known!(DataType)(&serde_json::json!("bankFeedTransactions")).is_err());
    let mut d = Diff::default();
    let a: Value = serde_json::from_str(r#"{"balance":4002.00,"x":1}"#).unwrap();
    let b: Value = serde_json::from_str(r#"{"balance":4002.0,"y":1}"#).unwrap();
    diff(&a, &b, "", &mut d);
    assert_eq!(d.changed, ["/balance: 4002.00 became 4002.0"]);
    assert_eq!(d.dropped, ["/x"]);
    assert_eq!(d.added, ["/y"]);
}
