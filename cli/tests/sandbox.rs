//! `bankfeeds sandbox` as a subprocess, the way tests in other languages start it.

use std::process::{Command, Stdio};

mod common;
use common::{BIN, Http, sandbox_command, spawn_sandbox, terminate, texts};

#[test]
fn sandbox_prints_its_url_first_and_stops_cleanly_on_sigterm() {
    let (mut child, url) =
        spawn_sandbox(sandbox_command(&["--push-delay-ms", "10"]).stderr(Stdio::null()));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let (status, health) = send("GET", &format!("{url}/sandbox/health"), None);
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["today"], "2024-06-01");
    assert_eq!(health["url"], url.as_str());

    let status = terminate(&mut child);
    assert!(status.success(), "{status}");
}

/// Starts `bankfeeds sandbox` with `args` (and `env`, without any `BANKFEEDS_SPEC` of the
/// caller's); returns the child and its URL.
fn start(args: &[&str], env: &[(&str, &str)]) -> (std::process::Child, String) {
    let mut cmd = sandbox_command(args);
    cmd.env_remove("BANKFEEDS_SPEC").stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    spawn_sandbox(&mut cmd)
}

/// Stops the sandbox with SIGTERM; its stderr.
fn stop(child: std::process::Child) -> String {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", out.status);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `method url` with a key and `body` as JSON when given; the status and the answer's JSON.
fn send(method: &str, url: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
    let (status, text) = Http::new().send(method, url, "k", body);
    (status, serde_json::from_str(&text).unwrap())
}

fn get(url: &str) -> serde_json::Value {
    send("GET", url, None).1
}

fn post(url: &str, body: serde_json::Value) -> serde_json::Value {
    send("POST", url, Some(body)).1
}

/// A spec file with one operation, written to a fresh temporary directory.
fn spec_file(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("bankfeeds-cli-spec-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Codat-Bank-Feeds.json");
    let spec = serde_json::json!({"openapi": "3.1.0", "paths": {"/companies": {"get": {
        "operationId": "list-companies",
        "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}}}}});
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

#[test]
fn check_spec_comes_from_the_flag_or_bankfeeds_spec() {
    let path = spec_file("flag");
    let (child, url) = start(&["--check-spec", path.to_str().unwrap()], &[]);
    assert_eq!(get(&format!("{url}/sandbox/health"))["checksSpec"], true);
    // The one-operation spec declares no property of a page: the answer breaks it.
    let answer = get(&format!("{url}/companies"));
    assert_eq!(answer["statusCode"], 500, "{answer}");
    let violations = get(&format!("{url}/sandbox/spec-violations"));
    assert_eq!(
        violations[0]["operationId"], "list-companies",
        "{violations}"
    );
    let pointers = texts(&violations, "pointer");
    assert!(pointers.contains(&"/results"), "{violations}");
    let stderr = stop(child);
    assert!(
        stderr.contains("spec violation: GET /companies"),
        "{stderr}"
    );

    let (child, url) = start(&[], &[("BANKFEEDS_SPEC", path.to_str().unwrap())]);
    assert_eq!(get(&format!("{url}/sandbox/health"))["checksSpec"], true);
    stop(child);
    let (child, url) = start(&[], &[]);
    assert_eq!(get(&format!("{url}/sandbox/health"))["checksSpec"], false);
    stop(child);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();

    let out = Command::new(BIN)
        .args([
            "sandbox",
            "--port",
            "0",
            "--check-spec",
            "no/such/spec.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no/such/spec.json"), "{stderr}");
}

/// Creates the companies First then Second; the page of companies asked for newest first.
fn listed_newest_first(url: &str) -> serde_json::Value {
    for name in ["First", "Second"] {
        post(
            &format!("{url}/companies"),
            serde_json::json!({ "name": name }),
        );
    }
    get(&format!("{url}/companies?orderBy=-created"))
}

#[test]
fn ordering_and_legacy_history_flags() {
    let (child, url) = start(&["--ignore-order-by", "--legacy-push-data"], &[]);
    let page = listed_newest_first(&url);
    assert_eq!(page["results"][0]["name"], "First", "{page}");
    let stderr = stop(child);
    assert!(
        stderr.contains("Legacy: push operation reads carry"),
        "{stderr}"
    );

    let (child, url) = start(&[], &[]);
    let page = listed_newest_first(&url);
    assert_eq!(page["results"][0]["name"], "Second", "{page}");
    stop(child);
}
