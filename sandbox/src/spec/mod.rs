//! Checking answers against Codat's OpenAPI spec (`Codat-Bank-Feeds.json`).
//!
//! A [`Spec`] finds the operation a request was for (by method and path template), the response
//! the spec declares for the answer's status, and checks the answer's content type and body
//! against that response's schema, strictly: a property the schema does not declare is a
//! violation (see [`schema`] for the keywords and how `allOf`/`oneOf` count). Each finding is a
//! [`SpecViolation`] with the operation, the status, a JSON pointer into the body and a message.
//!
//! ```
//! use bankfeeds_sandbox::spec::Spec;
//! let spec = Spec::from_value(serde_json::json!({
//!     "openapi": "3.1.0",
//!     "paths": {"/companies/{companyId}": {"get": {"operationId": "get-company", "responses": {
//!         "200": {"content": {"application/json": {"schema": {
//!             "type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}},
//!         "404": {"content": {"application/json": {"schema": {"type": "object"}}}}}}}}
//! })).unwrap();
//! let ok = spec.check_response("GET", "/companies/c1", 200, Some("application/json"), br#"{"id":"c1"}"#);
//! assert_eq!(ok.operation_id.as_deref(), Some("get-company"));
//! assert!(ok.violations.is_empty());
//! let extra = spec.check_response("GET", "/companies/c1", 200, Some("application/json"), br#"{"id":"c1","data":[]}"#);
//! assert_eq!(extra.violations[0].pointer, "/data");
//! let status = spec.check_response("GET", "/companies/c1", 409, Some("application/json"), b"{}");
//! assert!(status.violations[0].message.contains("409"));
//! ```

pub mod schema;

use std::collections::HashMap;
use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use schema::SchemaError;

/// The environment variable naming the spec file (`Codat-Bank-Feeds.json`) for test harnesses
/// and `bankfeeds sandbox`.
pub const SPEC_ENV: &str = "BANKFEEDS_SPEC";

/// Where Codat's spec is for a checkout whose root is `repo_root`: the file `BANKFEEDS_SPEC`
/// names when it is set (even if it does not exist, so that a wrong setting fails loudly), else
/// `../shared/codat-oas/Codat-Bank-Feeds.json` beside the checkout when that exists, else `None`
/// (a user's clone has no `../shared`).
pub fn locate(repo_root: impl AsRef<Path>) -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os(SPEC_ENV).filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    let beside = repo_root
        .as_ref()
        .join("../shared/codat-oas/Codat-Bank-Feeds.json");
    beside.exists().then_some(beside)
}

/// For test harnesses: Codat's spec for the checkout at `repo_root` (see [`locate`]), read once
/// per process and shared. `None` when there is none, after one line on stderr saying that the
/// spec check is skipped. Panics when the file is there but cannot be read (a wrong
/// `BANKFEEDS_SPEC`): a harness must not silently run unchecked.
pub fn for_tests(repo_root: impl AsRef<Path>) -> Option<std::sync::Arc<Spec>> {
    static LOADED: std::sync::OnceLock<Option<std::sync::Arc<Spec>>> = std::sync::OnceLock::new();
    LOADED
        .get_or_init(|| match locate(repo_root) {
            Some(path) => match Spec::from_path(&path) {
                Ok(spec) => Some(std::sync::Arc::new(spec)),
                Err(e) => panic!("{e}"),
            },
            None => {
                eprintln!(
                    "spec check skipped: ../shared/codat-oas/Codat-Bank-Feeds.json is not beside \
                     this checkout and {SPEC_ENV} is not set"
                );
                None
            }
        })
        .clone()
}

/// Panics listing every violation, when there are any (a harness's check at teardown).
pub fn assert_no_violations(violations: &[SpecViolation]) {
    if violations.is_empty() {
        return;
    }
    let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
    panic!(
        "the sandbox broke Codat's spec {} time(s):\n{}",
        violations.len(),
        list.join("\n")
    );
}

/// `builder` with every answer checked against the spec of the checkout at `repo_root`, when
/// [`for_tests`] finds one; unchanged otherwise (after its one line on stderr).
pub fn checked_builder(
    builder: crate::SandboxBuilder,
    repo_root: impl AsRef<Path>,
) -> crate::SandboxBuilder {
    match for_tests(repo_root) {
        Some(spec) => builder.check_spec(spec),
        None => builder,
    }
}

/// For test harnesses: a running sandbox ([`crate::SandboxHandle`] or [`crate::BlockingSandbox`])
/// whose answers must all have kept to the spec by the end of the test. It dereferences to the
/// sandbox; [`Checked::shutdown`] or dropping it asserts that no answer broke the spec (not while
/// the test is already panicking, so the first failure is the one reported).
#[derive(Debug)]
pub struct Checked<S: std::ops::Deref<Target = crate::Running>>(Option<S>);

impl Checked<crate::SandboxHandle> {
    /// Starts `builder` on the caller's runtime with the spec check of [`checked_builder`].
    pub async fn start(
        builder: crate::SandboxBuilder,
        repo_root: impl AsRef<Path>,
    ) -> std::io::Result<Self> {
        let sandbox = checked_builder(builder, repo_root).start().await?;
        Ok(Checked(Some(sandbox)))
    }

    /// Asserts that no answer broke the spec, then stops the sandbox.
    pub async fn shutdown(mut self) {
        if let Some(sandbox) = self.0.take() {
            assert_no_violations(&sandbox.spec_violations());
            sandbox.shutdown().await;
        }
    }
}

impl Checked<crate::BlockingSandbox> {
    /// Starts `builder` on a thread of its own with the spec check of [`checked_builder`].
    pub fn start_blocking(
        builder: crate::SandboxBuilder,
        repo_root: impl AsRef<Path>,
    ) -> std::io::Result<Self> {
        let sandbox = checked_builder(builder, repo_root).start_blocking()?;
        Ok(Checked(Some(sandbox)))
    }

    /// Asserts that no answer broke the spec, then stops the sandbox and joins its thread.
    pub fn shutdown(mut self) {
        if let Some(sandbox) = self.0.take() {
            assert_no_violations(&sandbox.spec_violations());
            sandbox.shutdown();
        }
    }
}

impl<S: std::ops::Deref<Target = crate::Running>> std::ops::Deref for Checked<S> {
    type Target = S;
    fn deref(&self) -> &S {
        self.0
            .as_ref()
            .expect("the sandbox is running until shutdown")
    }
}

impl<S: std::ops::Deref<Target = crate::Running>> Drop for Checked<S> {
    fn drop(&mut self) {
        if let Some(sandbox) = &self.0
            && !std::thread::panicking()
        {
            assert_no_violations(&sandbox.spec_violations());
        }
    }
}

/// One way an answer breaks the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecViolation {
    /// The spec's `operationId` of the request.
    pub operation_id: String,
    /// The request's method, e.g. `GET`.
    pub method: String,
    /// The request's path, without the query.
    pub path: String,
    /// The answer's HTTP status.
    pub status: u16,
    /// A JSON pointer (RFC 6901) into the answer's body; `""` for the whole answer (its status
    /// or content type).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for SpecViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "(the answer)"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{} {} ({}) answered {}: {pointer}: {}",
            self.method, self.path, self.operation_id, self.status, self.message
        )
    }
}

/// What checking one answer found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseCheck {
    /// The operation the request was for; `None` when the spec has no operation for the method
    /// and path (nothing was checked).
    pub operation_id: Option<String>,
    /// Every violation; empty when the answer is what the spec says.
    pub violations: Vec<SpecViolation>,
}

/// An answer to check ([`Spec::check`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Answer<'a> {
    /// The request's method, e.g. `GET`.
    pub method: &'a str,
    /// The request's path, without the query.
    pub path: &'a str,
    /// The answer's status.
    pub status: u16,
    /// The answer's `Content-Type`.
    pub content_type: Option<&'a str>,
    /// The answer's body.
    pub body: &'a [u8],
    /// Checks the body against this schema instead of the one the spec declares for the status.
    pub schema: Option<&'a Value>,
    /// The body of a request the server refused, when it knows it.
    pub refused_request: Option<&'a [u8]>,
    /// Rules the operation's description states on its request that its schema does not
    /// encode, as a schema applied with the request schema.
    pub request_rules: Option<&'a Value>,
}

#[derive(Debug)]
struct Operation {
    method: String,
    /// Path segments; `None` for a `{parameter}`.
    segments: Vec<Option<String>>,
    template: String,
    pointer: String,
    operation_id: String,
}

/// A loaded OpenAPI document, ready to check answers.
#[derive(Debug)]
pub struct Spec {
    doc: Value,
    operations: Vec<Operation>,
    patterns: HashMap<String, Regex>,
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Spec {
    /// Reads the spec from a JSON file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Spec, String> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read the spec {}: {e}", path.display()))?;
        let doc: Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("the spec {} is not JSON: {e}", path.display()))?;
        Spec::from_value(doc).map_err(|e| format!("the spec {}: {e}", path.display()))
    }

    /// Takes an OpenAPI document (3.0 or 3.1) already parsed.
    pub fn from_value(doc: Value) -> Result<Spec, String> {
        let Some(Value::Object(paths)) = doc.get("paths") else {
            return Err("it has no `paths`: not an OpenAPI document".into());
        };
        let mut operations = Vec::new();
        for (template, item) in paths {
            let Value::Object(item) = item else { continue };
            for (method, op) in item {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let operation_id = op.get("operationId").and_then(Value::as_str).map_or_else(
                    || format!("{} {template}", method.to_uppercase()),
                    str::to_owned,
                );
                let segments = template
                    .trim_matches('/')
                    .split('/')
                    .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
                    .collect();
                operations.push(Operation {
                    method: method.to_ascii_uppercase(),
                    segments,
                    template: template.clone(),
                    pointer: format!("/paths/{}/{method}", schema::escape(template)),
                    operation_id,
                });
            }
        }
        let mut patterns = HashMap::new();
        let mut bad = None;
        schema::for_each_schema(&doc, &mut |s| {
            if let Some(p) = s.get("pattern").and_then(Value::as_str)
                && !patterns.contains_key(p)
            {
                match Regex::new(p) {
                    Ok(r) => {
                        patterns.insert(p.to_owned(), r);
                    }
                    Err(e) => bad = Some(format!("pattern {p} does not compile: {e}")),
                }
            }
        });
        if let Some(e) = bad {
            return Err(e);
        }
        Ok(Spec {
            doc,
            operations,
            patterns,
        })
    }

    /// The number of operations in the spec.
    pub fn operation_count(&self) -> usize {
        self.operations.len()
    }

    /// Every `operationId`, in the spec's order.
    pub fn operation_ids(&self) -> impl Iterator<Item = &str> {
        self.operations.iter().map(|o| o.operation_id.as_str())
    }

    /// The operation for a method and a path (without the query): the template with the most
    /// literal segments wins, as a router would choose (`.../syncs/latest` over
    /// `.../syncs/{syncId}`).
    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method))
            .filter(|o| {
                o.segments.len() == segments.len()
                    && o.segments.iter().zip(&segments).all(|(t, s)| match t {
                        Some(literal) => literal == s,
                        None => !s.is_empty(),
                    })
            })
            .max_by_key(|o| o.segments.iter().filter(|s| s.is_some()).count())
    }

    /// The `operationId` for a method and path, if the spec has that operation.
    pub fn operation_id(&self, method: &str, path: &str) -> Option<&str> {
        self.operation(method, path)
            .map(|o| o.operation_id.as_str())
    }

    /// How a refused request breaks the operation's request schema (and the rules given with
    /// it); `None` when the request or its schema is not known.
    fn refused_request_errors(
        &self,
        op: &Operation,
        answer: &Answer<'_>,
    ) -> Option<Vec<SchemaError>> {
        let request = answer.refused_request?;
        let schema = self
            .doc
            .pointer(&op.pointer)?
            .get("requestBody")
            .map(|b| self.deref(b))?
            .pointer("/content/application~1json/schema")?;
        if request.iter().all(u8::is_ascii_whitespace) {
            return Some(vec![SchemaError {
                pointer: String::new(),
                message: "the request has no body".into(),
            }]);
        }
        let value: Value = match serde_json::from_slice(request) {
            Ok(v) => v,
            Err(e) => {
                return Some(vec![SchemaError {
                    pointer: String::new(),
                    message: format!("the request body is not JSON: {e}"),
                }]);
            }
        };
        let combined;
        let schema = match answer.request_rules {
            Some(rules) => {
                combined = serde_json::json!({"allOf": [schema, rules]});
                &combined
            }
            None => schema,
        };
        Some(self.validate(&value, schema))
    }

    /// Follows `$ref`s (of response objects) to the object itself.
    fn deref<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }

    /// Validates `value` against a schema of this document (a schema object, or `{"$ref": ...}`),
    /// strictly; every finding with its JSON pointer into `value`.
    pub fn validate(&self, value: &Value, schema: &Value) -> Vec<SchemaError> {
        schema::Validator::new(&self.doc, &self.patterns).validate(value, schema)
    }

    /// Checks one answer: the status must be one the operation declares, the content type one of
    /// that response's media types (or no body when it declares none), and the body must match
    /// the media type's schema.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> ResponseCheck {
        self.check(&Answer {
            method,
            path,
            status,
            content_type,
            body,
            ..Answer::default()
        })
    }

    /// Checks one answer, with what [`Answer`] says beyond the response itself.
    ///
    /// A `400` to an operation that declares none is accepted only when the request itself broke
    /// the spec ([`Answer::refused_request`] does not validate against the operation's request
    /// schema and [`Answer::request_rules`]): the spec describes no answer to such a request,
    /// and the body must then be the spec's `BadRequest` error body.
    pub fn check(&self, answer: &Answer<'_>) -> ResponseCheck {
        let Some(op) = self.operation(answer.method, answer.path) else {
            return ResponseCheck::default();
        };
        let violations = self
            .findings(op, answer)
            .into_iter()
            .map(|(pointer, message)| SpecViolation {
                operation_id: op.operation_id.clone(),
                method: answer.method.to_ascii_uppercase(),
                path: answer.path.to_owned(),
                status: answer.status,
                pointer,
                message,
            })
            .collect();
        ResponseCheck {
            operation_id: Some(op.operation_id.clone()),
            violations,
        }
    }

    /// What is wrong with an answer to `op`, as (JSON pointer into the body, message): the
    /// status, then the content type, then the body.
    fn findings(&self, op: &Operation, answer: &Answer<'_>) -> Vec<(String, String)> {
        let body = self
            .declared_response(op, answer)
            .and_then(|declared| self.body_schema(self.deref(declared), answer));
        match body {
            Err(message) => vec![(String::new(), message)],
            Ok(None) => Vec::new(),
            Ok(Some(schema)) => match serde_json::from_slice::<Value>(answer.body) {
                Ok(value) => self
                    .validate(&value, schema)
                    .into_iter()
                    .map(|e| (e.pointer, e.message))
                    .collect(),
                Err(e) => vec![(
                    String::new(),
                    format!("the body is not JSON ({} byte(s)): {e}", answer.body.len()),
                )],
            },
        }
    }

    /// The response `op` declares for the answer's status (exact, `4XX`-style range, or
    /// `default`); a refused request that broke the spec is answered by the spec's `BadRequest`.
    fn declared_response<'a>(
        &'a self,
        op: &Operation,
        answer: &Answer<'_>,
    ) -> Result<&'a Value, String> {
        let status = answer.status;
        let responses = self
            .doc
            .pointer(&op.pointer)
            .and_then(|o| o.get("responses"));
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        let declared = responses.and_then(|r| {
            r.get(&code)
                .or_else(|| r.get(&range))
                .or_else(|| r.get(range.to_lowercase()))
                .or_else(|| r.get("default"))
        });
        let declared = match declared {
            Some(d) => Some(d),
            None if status == 400 => match self.refused_request_errors(op, answer) {
                // The request broke the spec: Codat's answer to it is its BadRequest.
                Some(errors) if !errors.is_empty() => {
                    self.doc.pointer("/components/responses/BadRequest")
                }
                _ => None,
            },
            None => None,
        };
        declared.ok_or_else(|| {
            let mut known: Vec<&str> = responses
                .and_then(Value::as_object)
                .map(|r| r.keys().map(String::as_str).collect())
                .unwrap_or_default();
            known.sort_unstable();
            format!(
                "status {status} is not declared by {} {} (it declares {})",
                op.method,
                op.template,
                known.join(", ")
            )
        })
    }

    /// The schema to check the answer's body against, when it is JSON: the declared response
    /// must declare the answer's content type, or no body when it declares no media type.
    fn body_schema<'a>(
        &'a self,
        declared: &'a Value,
        answer: &Answer<'a>,
    ) -> Result<Option<&'a Value>, String> {
        let (status, body) = (answer.status, answer.body);
        let essence = answer
            .content_type
            .map(media_essence)
            .filter(|c| !c.is_empty());
        let media_types = declared.get("content").and_then(Value::as_object);
        let Some(media_types) = media_types.filter(|m| !m.is_empty()) else {
            if body.is_empty() {
                return Ok(None);
            }
            return Err(format!(
                "status {status} declares no body, but the answer has {} byte(s){}",
                body.len(),
                essence.map(|c| format!(" of {c}")).unwrap_or_default()
            ));
        };
        let names = || {
            let names: Vec<&str> = media_types.keys().map(String::as_str).collect();
            names.join(", ")
        };
        let Some(essence) = essence else {
            return Err(format!(
                "the answer has no Content-Type; status {status} declares {}",
                names()
            ));
        };
        let Some(media) = matching_media_type(media_types, &essence) else {
            return Err(format!(
                "Content-Type {essence} is not one status {status} declares ({})",
                names()
            ));
        };
        let schema = answer.schema.or_else(|| media.get("schema"));
        let json = essence == "application/json" || essence.ends_with("+json");
        Ok(schema.filter(|_| json))
    }
}

/// A `Content-Type`'s media type without parameters, lower-cased.
fn media_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The declared media type an answer's media type matches: exactly, else by a wildcard.
fn matching_media_type<'a>(
    media_types: &'a serde_json::Map<String, Value>,
    essence: &str,
) -> Option<&'a Value> {
    let media = media_types
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(essence))
        .or_else(|| {
            media_types.iter().find(|(name, _)| {
                name.as_str() == "*/*"
                    || name
                        .strip_suffix("/*")
                        .is_some_and(|main| essence.starts_with(&format!("{main}/")))
            })
        });
    media.map(|(_, media)| media)
}

#[cfg(test)]
mod tests;
