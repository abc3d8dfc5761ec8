//! Every delivery of `core/tests/webhooks/vectors.json` (signed by the npm package
//! `standardwebhooks`, an implementation independent of ours; see `generate.mjs` beside it) gets
//! the verdict and code the file expects from `bankfeeds::webhook::verify`. Node, Kotlin and the
//! CLI check the same file, so every front end answers each delivery alike.

use std::path::Path;
use std::time::Duration;

use bankfeeds::dates::Timestamp;
use bankfeeds::webhook;
use serde_json::{Value, json};

fn vectors() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webhooks/vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file: Value = serde_json::from_str(&text).unwrap();
    file["cases"].as_array().unwrap().clone()
}

/// What `verify` makes of one case, in the file's terms: `{ code }` or the delivery's summary.
fn verdict(case: &Value) -> Value {
    let headers: Vec<(&str, &str)> = case["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect();
    let now = chrono::DateTime::from_timestamp(case["now"].as_i64().unwrap(), 0).unwrap();
    let result = webhook::verify(
        case["secret"].as_str().unwrap(),
        &headers,
        case["body"].as_str().unwrap().as_bytes(),
        Duration::from_secs(case["tolerance"].as_u64().unwrap()),
        Timestamp::new(now),
    );
    match result {
        Err(e) => json!({ "code": e.as_str() }),
        Ok(d) => {
            let mut out = json!({
                "kind": d.kind(),
                "messageId": d.message_id(),
                "timestamp": d.timestamp(),
                "eventType": d.event_type(),
                "companyId": d.company_id(),
            });
            if let Some(push) = d.push_operation() {
                out["pushOperation"] = serde_json::to_value(push).unwrap();
            }
            out
        }
    }
}

#[test]
fn every_vector_gets_its_verdict() {
    let cases = vectors();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let got = verdict(case);
        if got != case["expect"] {
            wrong.push(format!(
                "{}: expected {} but got {got}",
                case["name"], case["expect"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_independent_implementation_agrees_unless_a_case_says_why() {
    for case in vectors() {
        let reference_ok = case["reference"] == "ok";
        let ours_ok = case["expect"].get("code").is_none();
        assert!(
            reference_ok == ours_ok || case.get("stricter").is_some(),
            "{}: standardwebhooks says {}, the case expects {}",
            case["name"],
            case["reference"],
            case["expect"]
        );
    }
}

#[test]
fn the_vectors_cover_every_code_and_kind() {
    let cases = vectors();
    let seen = |key: &str, value: &str| cases.iter().any(|c| c["expect"][key] == value);
    for code in webhook::REFUSAL_CODES {
        assert!(seen("code", code.as_str()), "no case refuses with {code}");
    }
    for kind in bankfeeds::model::WebhookKind::ALL {
        assert!(seen("kind", kind.as_str()), "no case is of kind {kind}");
    }
    for name in [
        "valid",
        "valid_webhook_prefix",
        "altered_body",
        "wrong_secret",
        "rotation_new_secret",
        "stale",
        "future",
        "swapped_id",
        "missing_signature",
    ] {
        assert!(cases.iter().any(|c| c["name"] == name), "no case {name}");
    }
}
