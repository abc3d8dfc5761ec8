//! The spec check wired into the server: an answer that breaks the spec is recorded, counted and
//! replaced by a 500 naming the violation. These use a small spec of their own, so they run
//! without `../shared`; the real spec is checked in every other test when it is present.

mod common;

use bankfeeds_sandbox::{Fault, FaultRule, Faults, Sandbox, SpecViolation, Stats};
use common::Api;
use serde_json::{Value, json};

/// Codat's error body, and two operations of Codat's spec reduced to what these tests need:
/// get-company declares only `id` and `name`, so the sandbox's company (with `redirect`...)
/// breaks it; list-companies declares the page loosely.
fn small_spec() -> Value {
    let error = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorMessage"}}}});
    json!({
        "openapi": "3.1.0",
        "paths": {
            "/companies": {
                "get": {"operationId": "list-companies", "responses": {
                    "200": {"content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
                    "401": error, "500": error, "503": error
                }},
                "post": {"operationId": "create-company",
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object", "properties": {"name": {"type": "string", "minLength": 1}}, "required": ["name"]}}}},
                    "responses": {
                    "200": {"content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
                    "500": error
                }}
            },
            "/companies/{companyId}": {"get": {"operationId": "get-company", "responses": {
                "200": {"content": {"application/json": {"schema": {
                    "type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}}}},
                "404": error, "500": error
            }}}
        },
        "components": {
            "responses": {"BadRequest": error},
            "schemas": {"ErrorMessage": {"type": "object", "properties": {
                "statusCode": {"type": "integer"}, "service": {"type": "string"}, "error": {"type": "string"},
                "correlationId": {"type": "string"}, "canBeRetried": {"type": "string"},
                "detailedErrorCode": {"type": "integer"},
                "validation": {"type": "object", "nullable": true}
            }}}
        }
    })
}

async fn started(
    builder: bankfeeds_sandbox::SandboxBuilder,
) -> (bankfeeds_sandbox::SandboxHandle, Api) {
    let sandbox = builder.check_spec(small_spec()).start().await.unwrap();
    let api = Api::new(sandbox.url());
    (sandbox, api)
}

#[tokio::test]
async fn an_answer_that_breaks_the_spec_becomes_a_500_naming_it() {
    let (sandbox, api) = started(Sandbox::builder()).await;
    assert!(sandbox.checks_spec());
    let created = api.post("/companies", &json!({"name": "Toft"})).await;
    assert_eq!(created.status, 200, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();

    let got = api.get(&format!("/companies/{id}")).await;
    let e = got.expect_error(500);
    let message = e.error.unwrap();
    assert!(message.contains("broke Codat's spec"), "{message}");
    assert!(message.contains("get-company"), "{message}");
    assert!(
        message.contains("is not declared by the schema"),
        "{message}"
    );
    assert!(message.contains("more"), "several violations: {message}");
    // Not worth retrying: the same request gets the same answer.
    assert_eq!(e.can_be_retried.as_deref(), Some("False"));

    let listed: Vec<SpecViolation> =
        serde_json::from_value(api.get("/sandbox/spec-violations").await.body).unwrap();
    assert_eq!(listed, sandbox.spec_violations());
    let pointers: Vec<&str> = listed.iter().map(|v| v.pointer.as_str()).collect();
    for field in ["/redirect", "/created", "/products"] {
        assert!(pointers.contains(&field), "{pointers:?}");
    }
    assert!(
        listed
            .iter()
            .all(|v| v.operation_id == "get-company" && v.status == 200)
    );
    assert_eq!(listed[0].method, "GET");
    assert_eq!(listed[0].path, format!("/companies/{id}"));

    let stats: Stats = serde_json::from_value(api.get("/sandbox/stats").await.body).unwrap();
    assert_eq!(stats.spec_violations, listed.len() as u64);
    // create-company and get-company were checked; the /sandbox/ endpoints are not.
    assert_eq!(stats.spec_checked, 2);
    let health = api.get("/sandbox/health").await;
    assert_eq!(health.body["checksSpec"], true);

    // The list can be emptied; the count stays.
    assert_eq!(api.delete("/sandbox/spec-violations").await.status, 204);
    assert!(sandbox.spec_violations().is_empty());
    assert_eq!(sandbox.stats().spec_violations, listed.len() as u64);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn injected_faults_and_error_bodies_are_checked_too() {
    let (sandbox, api) = started(Sandbox::builder()).await;
    // A status list-companies does not declare.
    sandbox
        .set_faults(Faults::none().rule(FaultRule::new(Fault::Status { status: 502 }).limit(1)))
        .unwrap();
    let e = api.get("/companies").await.expect_error(500);
    assert!(e.error.unwrap().contains("status 502 is not declared"));
    // A declared one passes.
    sandbox
        .set_faults(Faults::none().rule(FaultRule::new(Fault::Status { status: 503 }).limit(1)))
        .unwrap();
    api.get("/companies").await.expect_error(503);
    // 401 is declared for list-companies, not for get-company.
    let mut stranger = Api::new(sandbox.url());
    stranger.auth = None;
    stranger.get("/companies").await.expect_error(401);
    let e = stranger.get("/companies/x").await.expect_error(500);
    assert!(e.error.unwrap().contains("status 401 is not declared"));
    // A 404 error body is checked against Codat's error body.
    api.get("/companies/nope").await.expect_error(404);
    let violations = sandbox.spec_violations();
    assert_eq!(violations.len(), 2, "{violations:#?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_400_the_operation_does_not_declare_is_allowed_only_for_a_request_that_broke_the_spec() {
    let (sandbox, api) = started(Sandbox::builder()).await;
    // create-company declares no 400 in this spec. An empty name breaks its request schema
    // (minLength 1): the spec describes no answer, and Codat's is a 400.
    api.post("/companies", &json!({"name": ""}))
        .await
        .expect_error(400);
    api.post("/companies", &json!({})).await.expect_error(400);
    assert!(
        sandbox.spec_violations().is_empty(),
        "{:#?}",
        sandbox.spec_violations()
    );
    // A blank name keeps to the schema, so the sandbox's 400 breaks the spec.
    let e = api
        .post("/companies", &json!({"name": "   "}))
        .await
        .expect_error(500);
    assert!(e.error.unwrap().contains("status 400 is not declared"));
    assert_eq!(sandbox.spec_violations().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_link_pages_are_not_checked() {
    let (sandbox, api) = started(Sandbox::builder()).await;
    api.get("/nowhere").await.expect_error(404);
    let created = api.post("/companies", &json!({"name": "Toft"})).await;
    let redirect = created.body["redirect"].as_str().unwrap();
    let page = api.get(redirect.trim_start_matches(sandbox.url())).await;
    assert_eq!(page.status, 200);
    assert!(sandbox.spec_violations().is_empty());
    assert_eq!(sandbox.stats().spec_checked, 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_spec_that_cannot_be_read_stops_the_start() {
    let e = Sandbox::builder()
        .check_spec(std::path::PathBuf::from("no/such/Codat-Bank-Feeds.json"))
        .start()
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("no/such/Codat-Bank-Feeds.json"),
        "{e}"
    );
    let e = Sandbox::builder()
        .check_spec(json!({"openapi": "3.1.0"}))
        .start()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("paths"), "{e}");
}
