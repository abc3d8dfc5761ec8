//! `bankfeeds push-all MANIFEST` against a sandbox the test starts: several accounts at once,
//! a summary table, exit codes as `push` gives them, reruns that send nothing twice, and
//! manifests refused line by line before any request.

use bankfeeds_sandbox::{BlockingSandbox, Sandbox};
use std::path::PathBuf;
use std::process::{Command, Output};

const KEY: &str = "test-key-push-all-91c2";

mod common;
use common::{BIN, checked, day, linked_accounts as target, sandbox};

/// A folder of its own under Cargo's temporary folder, with the test data copied in.
fn folder(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-push-all-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("files")).unwrap();
    for file in ["valid.csv", "bad-cells.csv"] {
        std::fs::copy(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(file),
            dir.join("files").join(file),
        )
        .unwrap();
    }
    dir
}

fn push_all(sandbox: &BlockingSandbox, dir: &std::path::Path, manifest: &str) -> Output {
    let path = dir.join("manifest.csv");
    std::fs::write(&path, manifest).unwrap();
    Command::new(BIN)
        .args([
            "push-all",
            path.to_str().unwrap(),
            "--base-url",
            sandbox.url(),
            "--today",
            "2024-06-01",
            "--batch-size",
            "2",
            "--concurrency",
            "3",
            "--ledger",
            dir.join("ledger.sqlite3").to_str().unwrap(),
        ])
        .env("CODAT_API_KEY", KEY)
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn several_accounts_at_once_with_a_table_and_reruns_that_send_nothing_twice() {
    let sandbox = sandbox();
    let (c, d) = target(&sandbox, &["acc-001", "acc-002", "acc-003"]);
    let dir = folder("table");
    let manifest = format!(
        "# three accounts\ncompany,connection,account,file\n\n{c},{d},acc-001,files/valid.csv\n{c},{d},acc-002,files/valid.csv\n# a file with errors\n{c},{d},acc-003,files/bad-cells.csv\n"
    );
    let out = push_all(&sandbox, &dir, &manifest);
    let (stdout, stderr) = text(&out);
    // The only trouble is a file with errors: push's code for it.
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
    for line in [
        format!("{c}/{d}/acc-001"),
        format!("{c}/{d}/acc-002"),
        format!("{c}/{d}/acc-003"),
    ] {
        assert!(stdout.contains(&line), "{stdout}");
    }
    assert!(
        stdout.contains("pushed  skipped  held back  timed out  not pushed  status"),
        "{stdout}"
    );
    assert!(stdout.contains("failed: nothing was pushed"), "{stdout}");
    assert!(
        stdout
            .contains("3 account(s): 2 complete, 0 incomplete, 1 failed; 10 transaction(s) pushed"),
        "{stdout}"
    );
    // One progress line per change, naming the account.
    assert!(
        stderr.contains(&format!("[1/3] {c}/{d}/acc-001: complete")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("[3/3] {c}/{d}/acc-003: failed")),
        "{stderr}"
    );
    assert!(stderr.contains("3/3 batches, 5/5 transactions"), "{stderr}");
    for account in ["acc-001", "acc-002"] {
        let ids: Vec<String> = sandbox
            .stored_transactions(&c, &d, account)
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(
            ids,
            ["tx-001", "tx-002", "tx-003", "tx-004", "tx-005"],
            "{account}"
        );
    }
    assert_eq!(sandbox.stats().pushes_accepted, 6);
    assert!(sandbox.stats().max_in_flight() <= 10);

    // A rerun of the good ones sends nothing: every row is skipped as already pushed.
    let manifest = format!(
        "company,connection,account,file\n{c},{d},acc-001,files/valid.csv\n{c},{d},acc-002,files/valid.csv\n"
    );
    let out = push_all(&sandbox, &dir, &manifest);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout
            .contains("2 account(s): 2 complete, 0 incomplete, 0 failed; 0 transaction(s) pushed"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{c}/{d}/acc-001        0        5          0          0           0  complete"
        )),
        "{stdout}"
    );
    assert_eq!(sandbox.stats().pushes_accepted, 6);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_manifests_are_refused_naming_the_line_before_any_request() {
    let sandbox = checked(Sandbox::builder().today(day(2024, 6, 1)));
    let dir = folder("bad");
    for (manifest, wanted) in [
        ("company,connection,account\n", "line 1: the header must be"),
        (
            "company,connection,account,file\nc,k,acc-1,files/valid.csv\nc,k,acc-2\n",
            "line 3: 4 fields expected",
        ),
        (
            "company,connection,account,file\nc,,acc-1,files/valid.csv\n",
            "line 2: `connection` is empty",
        ),
        (
            "company,connection,account,file\n\nc,k,acc-1,files/missing.csv\n",
            "line 3: cannot read",
        ),
    ] {
        let out = push_all(&sandbox, &dir, manifest);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{manifest}: {stdout}{stderr}");
        assert!(stderr.contains(wanted), "{manifest}: {stderr}");
    }
    assert_eq!(sandbox.stats().requests, 0, "nothing was sent");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A named pipe in a manifest is read when its account's turn comes, not opened with the other
/// files before any request: opening one waits for its writer, and this writer waits for the
/// other account to be pushed. It used to wait there for ever.
#[cfg(unix)]
#[test]
fn a_named_pipe_in_a_manifest_holds_up_no_other_account() {
    let sandbox = sandbox();
    let (c, d) = target(&sandbox, &["acc-001", "acc-002"]);
    let dir = folder("fifo");
    let pipe = dir.join("files").join("later.csv");
    let made = Command::new("mkfifo").arg(&pipe).status().unwrap();
    assert!(made.success());
    let manifest = format!(
        "company,connection,account,file\n{c},{d},acc-001,files/valid.csv\n{c},{d},acc-002,files/later.csv\n"
    );
    let rows = std::fs::read(dir.join("files").join("valid.csv")).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let out = std::thread::scope(|scope| {
        scope.spawn(|| {
            // Writes only once the other account is in: before the fix, nothing was pushed
            // while push-all waited to open the pipe, so nothing was ever written to it.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while std::time::Instant::now() < deadline {
                if sandbox
                    .stored_transactions(&c, &d, "acc-001")
                    .is_ok_and(|t| t.len() == 5)
                {
                    std::fs::write(&pipe, &rows).unwrap();
                    done.store(true, std::sync::atomic::Ordering::SeqCst);
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            // Lets push-all's open go on, so that the test ends (and fails below).
            let _ = std::fs::write(&pipe, b"");
        });
        push_all(&sandbox, &dir, &manifest)
    });
    let (stdout, stderr) = text(&out);
    assert!(
        done.load(std::sync::atomic::Ordering::SeqCst),
        "acc-001 was not pushed while the pipe waited: {stdout}{stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for account in ["acc-001", "acc-002"] {
        assert_eq!(
            sandbox.stored_transactions(&c, &d, account).unwrap().len(),
            5,
            "{account}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
