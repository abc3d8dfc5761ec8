//! `bankfeeds webhooks listen` as a subprocess: signed deliveries are posted to it, and what it
//! answers and prints is checked (also that it never prints the secret and escapes what a
//! delivery holds).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};

use bankfeeds::dates::Timestamp;
use bankfeeds::webhook::Verifier;
use serde_json::{Value, json};

mod common;
use common::{BIN, Http, terminate};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
/// The secret's key, which must not be printed either.
const KEY: &str = "C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

struct Listener {
    child: Child,
    url: String,
    stdout: BufReader<ChildStdout>,
    stderr: BufReader<ChildStderr>,
    http: Http,
}

impl Listener {
    fn start(args: &[&str], env_secret: Option<&str>) -> Listener {
        let mut command = Command::new(BIN);
        command
            .args(["webhooks", "listen", "--port", "0"])
            .args(args)
            .env_remove("BANKFEEDS_WEBHOOK_SECRET")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(secret) = env_secret {
            command.env("BANKFEEDS_WEBHOOK_SECRET", secret);
        }
        let mut child = command.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_owned();
        assert!(!first.contains(KEY), "{first}");
        Listener {
            stdout: BufReader::new(child.stdout.take().unwrap()),
            stderr,
            child,
            url,
            http: Http::new(),
        }
    }

    /// Posts a body with headers; returns the status and the answer's text.
    fn post(&self, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        self.http.runtime.block_on(async {
            let mut request = self
                .http
                .client
                .post(format!("{}/codat/webhooks", self.url));
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request.body(body.to_owned()).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        })
    }

    fn get(&self) -> u16 {
        self.http.runtime.block_on(async {
            let response = self.http.client.get(&self.url).send().await.unwrap();
            response.status().as_u16()
        })
    }

    fn stdout_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line
    }

    fn stderr_line(&mut self) -> String {
        let mut line = String::new();
        self.stderr.read_line(&mut line).unwrap();
        line
    }

    /// Stops it with SIGTERM; returns the rest of stdout and stderr.
    fn stop(mut self) -> (String, String) {
        let status = terminate(&mut self.child);
        assert!(status.success(), "{status}");
        let (mut out, mut err) = (String::new(), String::new());
        self.stdout.read_to_string(&mut out).unwrap();
        self.stderr.read_to_string(&mut err).unwrap();
        (out, err)
    }
}

/// Signed headers for `body`, `age` seconds old.
fn signed(id: &str, body: &str, age: i64) -> Vec<(&'static str, String)> {
    let ts = Timestamp::now().utc().timestamp() - age;
    let h = Verifier::new(SECRET)
        .unwrap()
        .signed_headers(id, ts, body.as_bytes());
    vec![
        ("svix-id", h.id),
        ("svix-timestamp", h.timestamp),
        ("svix-signature", h.signature),
    ]
}

fn refs<'a>(h: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    h.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

fn write_event(key: &str, status: &str, company: &str) -> String {
    json!({
        "id": format!("evt-{key}"),
        "eventType": if status == "Success" { "bankTransactions.write.successful" } else { "bankTransactions.write.unsuccessful" },
        "payload": {"id": key, "status": status, "connectionId": "conn-1", "referenceCompany": {"id": company}},
    })
    .to_string()
}

#[test]
fn json_lines_for_every_delivery_and_the_answers_codat_expects() {
    let mut l = Listener::start(&["--secret", SECRET, "--json"], None);
    let body = write_event("push-1", "Success", "company-1");
    let headers = signed("msg_1", &body, 0);

    assert_eq!(l.post(&refs(&headers), &body), (204, String::new()));
    let line: Value = serde_json::from_str(&l.stdout_line()).unwrap();
    assert_eq!(line["ok"], true);
    assert_eq!(line["redelivery"], false);
    assert_eq!(line["messageId"], "msg_1");
    assert_eq!(line["kind"], "push_operation");
    assert_eq!(line["eventType"], "bankTransactions.write.successful");
    assert_eq!(line["companyId"], "company-1");
    assert_eq!(
        line["pushOperation"],
        json!({"key": "push-1", "status": "Success", "dataType": "bankTransactions", "connectionId": "conn-1"})
    );
    assert_eq!(line["body"]["payload"]["id"], "push-1");

    // The same message again (Codat redelivers until it gets a 2xx): still 2xx, marked.
    assert_eq!(l.post(&refs(&headers), &body).0, 204);
    let again: Value = serde_json::from_str(&l.stdout_line()).unwrap();
    assert_eq!(again["redelivery"], true);

    let mut refusals = vec![];
    // A changed body.
    refusals.push((
        l.post(&refs(&headers), &body.replace("Success", "Failed")),
        "invalid_signature",
        401,
    ));
    // Ten minutes old.
    let stale = signed("msg_2", &body, 600);
    refusals.push((l.post(&refs(&stale), &body), "expired", 401));
    // No signature.
    refusals.push((l.post(&refs(&headers[..2]), &body), "missing_header", 400));
    // Signed, but not an event.
    let text = signed("msg_3", "hello", 0);
    refusals.push((l.post(&refs(&text), "hello"), "invalid_body", 400));
    for ((status, answer), code, want) in refusals {
        assert_eq!(status, want, "{code}: {answer}");
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["code"], code);
        let line: Value = serde_json::from_str(&l.stdout_line()).unwrap();
        assert_eq!(
            (
                line["ok"].clone(),
                line["code"].clone(),
                line["status"].clone()
            ),
            (json!(false), json!(code), json!(want))
        );
    }
    assert_eq!(l.get(), 405);
    let (out, err) = l.stop();
    for text in [&out, &err] {
        assert!(!text.contains(KEY), "the secret was printed: {text}");
    }
}

#[test]
fn text_lines_escape_what_a_delivery_holds_and_read_the_secret_from_the_environment() {
    let mut l = Listener::start(&[], Some(SECRET));
    // A company id with an escape sequence, a line break and a right-to-left override.
    let body = write_event("push-\u{1b}[31m2", "TimedOut", "evil\n\u{202e}company");
    let headers = signed("msg_esc", &body, 0);
    assert_eq!(l.post(&refs(&headers), &body).0, 204);
    let line = l.stdout_line();
    assert_eq!(
        line.trim_end(),
        "accepted msg_esc bankTransactions.write.unsuccessful (push_operation) company evil\\x0a\\u{202e}company push operation push-\\x1b[31m2 TimedOut"
    );
    let tampered = l.post(&refs(&headers), "{}");
    assert_eq!(tampered.0, 401);
    let refusal = l.stderr_line();
    assert!(
        refusal.starts_with("refused msg_esc: 401 invalid_signature: "),
        "{refusal}"
    );
    let (out, err) = l.stop();
    assert!(!out.contains(KEY) && !err.contains(KEY));
}

#[test]
fn a_missing_or_bad_secret_stops_before_listening_without_printing_it() {
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(["webhooks", "listen", "--port", "0"])
            .args(args)
            .env_remove("BANKFEEDS_WEBHOOK_SECRET")
            .output()
            .unwrap()
    };
    let none = run(&[]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("BANKFEEDS_WEBHOOK_SECRET"));
    let bad = run(&["--secret", "whsec_%%not-base64%%"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("invalid_secret") && !err.contains("not-base64"),
        "{err}"
    );
}
