//! Shared by the CLI's tests: the binary, HTTP requests of the test's own, `bankfeeds sandbox`
//! as a subprocess; for tests that push to a sandbox they start in-process, the sandbox with its
//! spec check, and a linked Xero connection with connected accounts, made over plain HTTP as a
//! user's set-up script would.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bankfeeds_sandbox::{BlockingSandbox, SandboxBuilder};
use chrono::NaiveDate;
use serde_json::{Value, json};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_bankfeeds");

/// A single-threaded runtime and an HTTP client that ignores proxies, for a test's own
/// requests.
pub struct Http {
    pub runtime: tokio::runtime::Runtime,
    pub client: reqwest::Client,
}

impl Http {
    pub fn new() -> Http {
        Http {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    /// `method url` with `Authorization: Basic {key}` and `body` as JSON when given; the
    /// answer's status and text.
    pub fn send(&self, method: &str, url: &str, key: &str, body: Option<Value>) -> (u16, String) {
        self.runtime.block_on(async {
            let mut request = self
                .client
                .request(method.parse().unwrap(), url)
                .header("Authorization", format!("Basic {key}"));
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        })
    }
}

/// `bankfeeds sandbox --port 0 --today 2024-06-01` with `args`, its stdout piped (the caller
/// sets stderr and the environment).
pub fn sandbox_command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["sandbox", "--port", "0", "--today", "2024-06-01"])
        .args(args)
        .stdout(Stdio::piped());
    command
}

/// Spawns a [`sandbox_command`] and reads the sandbox's URL, the first line of its stdout.
pub fn spawn_sandbox(command: &mut Command) -> (Child, String) {
    let mut child = command.spawn().unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    (child, url.trim().to_owned())
}

/// Sends SIGTERM to `child` and waits up to 10 s for it to exit.
pub fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "it did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The `field` of each item of a JSON array, where it is a string.
pub fn texts<'a>(items: &'a Value, field: &str) -> Vec<&'a str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i[field].as_str())
        .collect()
}

/// A sandbox whose every answer is checked against Codat's spec when the spec is beside the
/// checkout (`../shared/codat-oas/Codat-Bank-Feeds.json`) or `BANKFEEDS_SPEC` names it (one line
/// on stderr says the check is skipped otherwise); dropping it asserts that no answer broke the
/// spec.
pub type Checked = bankfeeds_sandbox::Checked<BlockingSandbox>;

/// A sandbox on 2024-06-01 whose pushes stay Pending for 20 ms, with the spec check on.
pub fn sandbox() -> Checked {
    checked(
        bankfeeds_sandbox::Sandbox::builder()
            .push_delay(Duration::from_millis(20))
            .today(day(2024, 6, 1)),
    )
}

/// Starts `builder` on a thread of its own with the spec check on.
pub fn checked(builder: SandboxBuilder) -> Checked {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    Checked::start_blocking(builder, root).unwrap()
}

/// Creates a company and a Xero connection over HTTP, links it, and creates and maps one GBP
/// source account per id (feed start 2024-04-01); answers the company and connection ids.
pub fn linked_accounts(sandbox: &BlockingSandbox, accounts: &[&str]) -> (String, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = sandbox.url().to_owned();
    let ids: Vec<String> = accounts.iter().map(|s| s.to_string()).collect();
    let (company, connection) = runtime.block_on(async move {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let post = |path: String, body: Value| {
            let http = http.clone();
            let url = url.clone();
            async move {
                let resp = http
                    .post(format!("{url}{path}"))
                    .header("Authorization", "Basic setup")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200, "{path}");
                resp.json::<Value>().await.unwrap()
            }
        };
        let company = post("/companies".into(), json!({"name": "Toft"})).await;
        let c = company["id"].as_str().unwrap().to_owned();
        let conn = post(
            format!("/companies/{c}/connections"),
            json!({"platformKey": "gbol"}),
        )
        .await;
        let d = conn["id"].as_str().unwrap().to_owned();
        post(
            format!("/sandbox/companies/{c}/connections/{d}/link"),
            json!({}),
        )
        .await;
        for id in ids {
            post(
                format!("/companies/{c}/connections/{d}/connectionInfo/bankFeedAccounts"),
                json!({"id": id, "accountName": "Current", "accountType": "Debit",
                       "accountNumber": "31926819", "sortCode": "401276", "currency": "GBP",
                       "balance": 0}),
            )
            .await;
        }
        (c, d)
    });
    for id in accounts {
        sandbox
            .map_account(&company, &connection, id, Some(day(2024, 4, 1)))
            .unwrap();
    }
    (company, connection)
}
