//! `bankfeeds push` against a sandbox the test starts, and `bankfeeds demo`.

use bankfeeds_sandbox::{BlockingSandbox, Fault, FaultRule, Faults};
use std::path::PathBuf;
use std::process::{Command, Output};

const KEY: &str = "test-key-do-not-print-7f3a";

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

mod common;
use common::{BIN, sandbox};

/// Ids of a linked Xero connection with a connected GBP account, and the push ledger the
/// test's pushes use (never the user's default one).
struct Target {
    company: String,
    connection: String,
    ledger: PathBuf,
}

/// A fresh ledger path under Cargo's temporary folder for integration tests.
fn temp_ledger() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-push-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("ledger.sqlite3")
}

/// A linked Xero connection with one connected account per id, and a fresh ledger.
fn target(sandbox: &BlockingSandbox, accounts: &[&str]) -> Target {
    let (company, connection) = common::linked_accounts(sandbox, accounts);
    Target {
        company,
        connection,
        ledger: temp_ledger(),
    }
}

/// `bankfeeds push FILE` to `account` of the target at the sandbox, with the target's ledger.
fn push_command(sandbox: &BlockingSandbox, t: &Target, account: &str, file: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "push",
        &data(file),
        "--company",
        &t.company,
        "--connection",
        &t.connection,
        "--account",
        account,
        "--base-url",
        sandbox.url(),
        "--ledger",
        t.ledger.to_str().unwrap(),
    ]);
    cmd
}

/// A push on 2024-06-01 in batches of 2, with `key` as the API key (none when `None`).
fn push(
    sandbox: &BlockingSandbox,
    t: &Target,
    account: &str,
    file: &str,
    key: Option<&str>,
) -> Output {
    let mut cmd = push_command(sandbox, t, account, file);
    cmd.args(["--today", "2024-06-01", "--batch-size", "2"]);
    match key {
        Some(k) => cmd.env("CODAT_API_KEY", k),
        None => cmd.env_remove("CODAT_API_KEY"),
    };
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn push_sends_everything_once_and_a_rerun_sends_nothing() {
    let sandbox = sandbox();
    let t = target(&sandbox, &["acc-001"]);
    let out = push(&sandbox, &t, "acc-001", "valid.csv", Some(KEY));
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("5 of 5 transaction(s) pushed to account acc-001 in 3 of 3 batch(es)"),
        "{all}"
    );
    assert!(
        all.contains("batch 1: Success (2 transactions, tx-001..tx-002)"),
        "{all}"
    );
    assert!(!all.contains(KEY), "the key was printed: {all}");
    let stats = sandbox.stats();
    assert_eq!((stats.pushes_accepted, stats.transactions_stored), (3, 5));
    let stored = sandbox
        .stored_transactions(&t.company, &t.connection, "acc-001")
        .unwrap();
    let ids: Vec<&str> = stored.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["tx-001", "tx-002", "tx-003", "tx-004", "tx-005"]);

    let again = push(&sandbox, &t, "acc-001", "valid.csv", Some(KEY));
    let all = text(&again);
    assert_eq!(again.status.code(), Some(0), "{all}");
    assert!(
        all.contains("5 transaction(s) were already on the account"),
        "{all}"
    );
    assert!(all.contains("0 of 5 transaction(s) pushed"), "{all}");
    assert_eq!(sandbox.stats().pushes_accepted, 3);
    assert_eq!(
        sandbox
            .stored_transactions(&t.company, &t.connection, "acc-001")
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn a_push_whose_answer_is_lost_is_found_again_not_repeated() {
    let sandbox = sandbox();
    let t = target(&sandbox, &["acc-002"]);
    sandbox
        .set_faults(
            Faults::none().rule(
                FaultRule::new(Fault::DropAfterApply)
                    .method("POST")
                    .path("**/bankTransactions")
                    .nth([2]),
            ),
        )
        .unwrap();
    let out = push(&sandbox, &t, "acc-002", "valid.csv", Some(KEY));
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("found again after a lost answer"), "{all}");
    assert_eq!(sandbox.stats().faults_by_kind["dropAfterApply"], 1);
    let stored = sandbox
        .stored_transactions(&t.company, &t.connection, "acc-002")
        .unwrap();
    assert_eq!(stored.len(), 5, "{stored:?}");
}

#[test]
fn an_absurd_retry_after_ends_the_push_with_the_error_not_a_panic() {
    // `Retry-After: 18446744073709551615` on every push: a wait no retry budget allows, so the
    // push gives up with Codat's 429 at once. It used to panic adding durations (exit 101) when
    // the time already spent and the jitter carried past a second; the core's retry tests cover
    // that deterministically, this checks what a user of the CLI sees.
    let sandbox = sandbox();
    let t = target(&sandbox, &["acc-004"]);
    sandbox
        .set_faults(
            Faults::none().rule(
                FaultRule::new(Fault::RateLimit {
                    retry_after_secs: u64::MAX,
                })
                .method("POST")
                .path("**/bankTransactions"),
            ),
        )
        .unwrap();
    let out = push(&sandbox, &t, "acc-004", "valid.csv", Some(KEY));
    let all = text(&out);
    // 3: the push stopped (incomplete), not a file with errors.
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    assert!(all.contains("429"), "{all}");
    assert_eq!(sandbox.stats().pushes_accepted, 0);
}

#[test]
fn push_refuses_bad_input_before_sending_anything() {
    let sandbox = sandbox();
    let t = target(&sandbox, &["acc-003"]);
    let before = sandbox.stats().requests;

    let out = push(&sandbox, &t, "acc-003", "valid.csv", None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("CODAT_API_KEY"));
    let out = push(&sandbox, &t, "acc-003", "malformed.json", Some(KEY));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(sandbox.stats().requests, before, "nothing was sent");

    let out = push(&sandbox, &t, "acc-003", "bad-cells.csv", Some(KEY));
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("line 3: error invalid_date"), "{all}");
    assert!(all.contains("nothing was pushed"), "{all}");
    assert_eq!(sandbox.stats().pushes_accepted, 0);

    let out = push(&sandbox, &t, "no-such-account", "valid.csv", Some(KEY));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("no-such-account"));
}

#[test]
fn a_file_with_more_errors_than_are_listed_is_refused_with_every_error_counted() {
    // Streamed by the client: the first 1,000 balance_mismatch errors listed, the rest
    // counted, every one in the total.
    let sandbox = sandbox();
    let t = target(&sandbox, &["acc-005"]);
    let mut csv = String::from("id,date,description,amount,balance\n");
    for n in 1..=1_500 {
        // Every other balance a cent off: every row after the first breaks the chain.
        let cents = if n % 2 == 0 { "01" } else { "00" };
        csv.push_str(&format!("m-{n},2024-05-01,Card,-1.00,-{n}.{cents}\n"));
    }
    let path = temp_ledger().with_file_name("many-errors.csv");
    std::fs::write(&path, csv).unwrap();
    let out = push(&sandbox, &t, "acc-005", path.to_str().unwrap(), Some(KEY));
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert_eq!(
        all.matches("error balance_mismatch").count(),
        1_000,
        "{all}"
    );
    assert!(
        all.contains("... and 499 more balance_mismatch errors not listed\n"),
        "{all}"
    );
    assert!(all.contains("nothing was pushed: 1499 error(s)"), "{all}");
    assert_eq!(sandbox.stats().pushes_accepted, 0);
}

#[test]
fn demo_runs_the_whole_flow() {
    let mut demo = Command::new(BIN);
    demo.arg("demo");
    // The demo's embedded sandbox checks every answer against the spec when it is found.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let checked = bankfeeds_sandbox::spec::for_tests(&root).is_some();
    if let Some(path) = bankfeeds_sandbox::spec::locate(&root) {
        demo.env(bankfeeds_sandbox::spec::SPEC_ENV, path);
    }
    let out = demo.output().unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    if checked {
        assert!(!all.contains("spec violation"), "{all}");
    }
    for expected in [
        "1. Create a company",
        "status PendingAuth",
        "?otp=",
        "connection is Linked",
        "status pending",
        "status connected",
        "12 transactions, 0 error(s)",
        "batch 3/3",
        "Pending -> Success",
        "12 already on the account, 0 sent",
        "Done: 12 transactions pushed in 3 batches",
    ] {
        assert!(all.contains(expected), "no `{expected}` in:\n{all}");
    }
}

#[test]
fn verbose_push_logs_every_request_to_stderr_never_the_key() {
    let sandbox = sandbox();
    let t = target(&sandbox, &["acc-001"]);
    let before = sandbox.stats().requests;
    let mut cmd = push_command(&sandbox, &t, "acc-001", "valid.csv");
    cmd.args([
        "-vv",
        "--today",
        "2024-06-01",
        "--ignore-proxy-env",
        "--request-timeout",
        "30",
    ])
    .env("CODAT_API_KEY", KEY);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let requests = sandbox.stats().requests - before;
    let answered = stderr
        .lines()
        .filter(|l| l.contains("bankfeeds::client") && l.contains(": answered"))
        .count() as u64;
    assert_eq!(answered, requests, "{stderr}");
    assert!(stderr.contains("rate limit"), "{stderr}");
    assert!(!text(&out).contains(KEY), "the key was printed: {stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("answered"));

    // Quiet by default (the rerun finds everything already there).
    let out = push(&sandbox, &t, "acc-001", "valid.csv", Some(KEY));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("answered"));
}

#[test]
fn bad_network_flags_are_refused_before_anything_is_sent() {
    let sandbox = sandbox();
    let t = target(&sandbox, &["acc-001"]);
    let before = sandbox.stats().requests;
    for (flags, expected) in [
        (vec!["--proxy", "not a url"], "proxy"),
        (vec!["--ca-file", "no/such/ca.pem"], "no/such/ca.pem"),
        (vec!["--trust-store", "system"], "webpki"),
        (vec!["--request-timeout", "0"], "--request-timeout"),
    ] {
        let mut cmd = push_command(&sandbox, &t, "acc-001", "valid.csv");
        cmd.args(&flags).env("CODAT_API_KEY", KEY);
        let out = cmd.output().unwrap();
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {all}");
        assert!(all.contains(expected), "{flags:?}: {all}");
    }
    assert_eq!(sandbox.stats().requests, before);
}

/// A file given as a pipe (`/dev/stdin` here) is pushed as the file itself would be: the light
/// check before any request and the client's two readings used to fail on it.
#[cfg(unix)]
#[test]
fn a_pipe_is_pushed_as_the_file_would_be() {
    use std::io::Write;
    use std::process::Stdio;
    let sandbox = sandbox();
    let t = target(&sandbox, &["acc-001"]);
    let cmd = push_command(&sandbox, &t, "acc-001", "valid.csv");
    // The file's argument is the pipe instead.
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut cmd = Command::new(BIN);
    cmd.args(args.iter().map(|a| {
        if a.ends_with("valid.csv") {
            "/dev/stdin"
        } else {
            a.as_str()
        }
    }))
    .args(["--today", "2024-06-01", "--batch-size", "2"])
    .env("CODAT_API_KEY", KEY)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(&std::fs::read(data("valid.csv")).unwrap())
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("5 of 5 transaction(s) pushed to account acc-001"),
        "{all}"
    );
    let stored = sandbox
        .stored_transactions(&t.company, &t.connection, "acc-001")
        .unwrap();
    assert_eq!(stored.len(), 5);
}
