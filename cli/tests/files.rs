//! `bankfeeds validate` and `bankfeeds normalise` on the files in `tests/data/`: exit codes and
//! what is printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

mod common;
use common::texts;

fn bankfeeds(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bankfeeds"))
        .args(args)
        .env_remove("CODAT_API_KEY")
        .output()
        .unwrap()
}

fn validate(file: &str, extra: &[&str]) -> (i32, String, String) {
    validate_path(data(file).to_str().unwrap(), extra)
}

/// `bankfeeds validate PATH` with `extra` flags, on 2024-06-01 unless they name a day.
fn validate_path(path: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["validate", path];
    if !extra.contains(&"--today") {
        args.extend_from_slice(&["--today", "2024-06-01"]);
    }
    args.extend_from_slice(extra);
    run(&args)
}

/// `bankfeeds normalise FILE --out OUT` with `extra` flags.
fn normalise(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "normalise",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    bankfeeds(&args)
}

/// The account the written push bodies name.
const ACCOUNT: [&str; 2] = ["--account-id", "acc-001"];

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bankfeeds-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_valid_csv_exits_0_with_a_summary() {
    for platform in ["generic", "xero", "sage", "netsuite"] {
        let (code, out, err) =
            validate("valid.csv", &["--platform", platform, "--currency", "GBP"]);
        assert_eq!(code, 0, "{platform}: {out}{err}");
        let last = out.lines().last().unwrap();
        assert!(
            last.starts_with("5 row(s) read, 5 transaction(s), 0 error(s)"),
            "{last}"
        );
        assert!(last.ends_with("ready to push in 1 batch(es)"), "{last}");
    }
}

#[test]
fn every_kind_of_bad_cell_is_reported_on_its_csv_line() {
    let (code, out, _) = validate("bad-cells.csv", &["--platform", "xero", "--normalise"]);
    assert_eq!(code, 1, "{out}");
    let expected = [
        ("line 3: error invalid_date", "b-002"),
        ("line 4: error missing_field", "id"),
        ("line 5: error invalid_number", "b-004, amount"),
        ("line 6: error invalid_number", "b-005, balance"),
        ("line 7: error invalid_value", "b-006, transactionType"),
        ("line 8: warning sign_mismatch", "b-007, amount"),
        ("line 9: error balance_mismatch", "b-008, balance"),
        ("line 10: error future_date", "b-009, date"),
        ("line 11: error missing_field", "b-010, amount"),
        ("line 12: error conflicting_duplicate", "b-008, id"),
    ];
    for (start, about) in expected {
        assert!(
            out.lines()
                .any(|l| l.starts_with(start) && l.contains(about)),
            "no `{start} ({about}` in:\n{out}"
        );
    }
    // The good first row has nothing to report.
    assert!(!out.contains("line 2:"), "{out}");
    let summary = out.lines().last().unwrap();
    assert!(summary.contains("11 row(s) read"), "{summary}");
    assert!(summary.ends_with("not ready to push"), "{summary}");
}

#[test]
fn the_xero_fixture_has_a_broken_balance_chain() {
    let (code, out, _) = validate(
        "xero-push.json",
        &["--platform", "xero", "--today", "2022-09-01"],
    );
    assert_eq!(code, 1, "{out}");
    let mismatch = out
        .lines()
        .find(|l| l.contains("balance_mismatch"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        mismatch
            .starts_with("transactions[1]: error balance_mismatch (id 7832323211-SDC, balance)"),
        "{mismatch}"
    );
    assert!(mismatch.contains("makes 1270"), "{mismatch}");
    assert!(out.lines().last().unwrap().contains("1 error(s)"), "{out}");
    // The generic rules only need the chain too.
    let (code, _, _) = validate("xero-push.json", &["--today", "2022-09-01"]);
    assert_eq!(code, 1);
}

#[test]
fn json_format_prints_the_report() {
    let (code, out, _) = validate(
        "bad-cells.csv",
        &["--platform", "xero", "--format", "json", "--normalise"],
    );
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["format"], "csv");
    assert_eq!(report["rowsRead"], 11);
    let issues = report["issues"].as_array().unwrap();
    let errors = issues.iter().filter(|i| i["severity"] == "error").count();
    assert_eq!(report["errors"], errors);
    assert_eq!(errors + 1, issues.len(), "one warning: the sign mismatch");
    let date = issues.iter().find(|i| i["code"] == "invalid_date").unwrap();
    assert_eq!(
        (date["row"].as_u64(), date["line"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(date["found"], "2024-02-30");
    assert!(
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "sorted")
    );

    let (code, out, _) = validate("valid.csv", &["--format", "json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (report["valid"].as_bool(), report["transactions"].as_u64()),
        (Some(true), Some(5))
    );
}

#[test]
fn unreadable_files_exit_2() {
    for (file, says) in [
        ("malformed.json", "the JSON cannot be read"),
        ("missing-columns.csv", "lacks the required column(s) amount"),
        ("not-utf8.csv", "not UTF-8"),
        ("does-not-exist.csv", "cannot read"),
    ] {
        let (code, out, err) = validate(file, &[]);
        assert_eq!(code, 2, "{file}: {out}{err}");
        assert!(err.contains(says), "{file}: {err}");
        assert!(out.is_empty(), "{file}: {out}");
    }
    let (code, out, _) = validate("malformed.json", &["--format", "json"]);
    assert_eq!(code, 2);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["issues"][0]["code"], "malformed_input");
}

#[test]
fn usage_errors_exit_2() {
    let out = bankfeeds(&[
        "validate",
        data("valid.csv").to_str().unwrap(),
        "--platform",
        "quickbook",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown platform"));
    let out = bankfeeds(&[
        "validate",
        data("valid.csv").to_str().unwrap(),
        "--opening-balance",
        "1",
        "--closing-balance",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn normalise_writes_batches_digit_for_digit() {
    let dir = temp_dir("normalise");
    let out = normalise(
        &data("no-balances.csv"),
        &dir,
        &[
            "--platform",
            "xero",
            "--today",
            "2024-06-01",
            "--closing-balance",
            "1296.80",
            "--account-id",
            "acc-001",
            "--batch-size",
            "2",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("3 transaction(s) for account acc-001 in 2 batch(es)"),
        "{stdout}"
    );
    assert!(stdout.contains("balances_computed"), "{stdout}");
    let first = std::fs::read_to_string(dir.join("batch-0001.json")).unwrap();
    let second = std::fs::read_to_string(dir.join("batch-0002.json")).unwrap();
    assert!(!dir.join("batch-0003.json").exists());
    // Sorted oldest first; amounts and computed balances keep their digits. Each file is the
    // body as the client sends it: compact JSON, then a line break.
    assert!(
        first.contains(r#""amount":2500.00"#) && first.contains(r#""balance":2500.00"#),
        "{first}"
    );
    assert!(
        first.contains(r#""amount":-3.20"#) && first.contains(r#""balance":2496.80"#),
        "{first}"
    );
    assert!(second.contains(r#""balance":1296.80"#), "{second}");
    assert_eq!(first.lines().count(), 1, "{first}");
    let body: bankfeeds::model::CreateBankTransactions = serde_json::from_str(&first).unwrap();
    assert_eq!(body.account_id, "acc-001");
    assert_eq!(body.transactions.len(), 2);

    // A rerun with bigger batches replaces the earlier run's files.
    let out = normalise(&data("valid.csv"), &dir, &ACCOUNT);
    assert_eq!(out.status.code(), Some(0));
    assert!(dir.join("batch-0001.json").exists() && !dir.join("batch-0002.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A rerun writes over the earlier run's batch files where it has as many (the same files, not
/// new ones: creating files where as many were just deleted costs the file system more than
/// writing them), cuts each to its new length, removes those past its own, and leaves other
/// files alone. A batch file with another name (a backup's hard link) or that is a symbolic link
/// is replaced, not written through: what the other name or the link points to keeps its text.
#[cfg(unix)]
#[test]
fn a_rerun_writes_over_the_earlier_batches_and_removes_the_rest() {
    use std::io::{Read, Seek};
    let dir = temp_dir("rerun");
    let batch = |n: usize| dir.join(format!("batch-{n:04}.json"));
    let run = |size: &str| {
        let args = ["--today", "2024-06-01", "--batch-size", size];
        let out = normalise(&data("valid.csv"), &dir, &[&ACCOUNT[..], &args].concat());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let text = |path: &Path| std::fs::read_to_string(path).unwrap();
    let transactions = |n: usize| {
        let body: bankfeeds::model::CreateBankTransactions =
            serde_json::from_str(&text(&batch(n))).unwrap();
        body.transactions.len()
    };
    run("1");
    assert!((1..=5).all(|n| batch(n).exists()));
    // Open before the rerun: reads what is written over the file, or, were the file deleted and
    // made again, the earlier text.
    let mut held = std::fs::File::open(batch(1)).unwrap();
    let mut read_held = || {
        let mut t = String::new();
        held.rewind().unwrap();
        held.read_to_string(&mut t).unwrap();
        t
    };
    let backup = dir.join("backup.json");
    std::fs::hard_link(batch(2), &backup).unwrap();
    let second = text(&batch(2));
    let elsewhere = dir.join("elsewhere.txt");
    std::fs::write(&elsewhere, "untouched").unwrap();
    std::fs::remove_file(batch(3)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, batch(3)).unwrap();
    std::fs::write(dir.join("notes.txt"), "kept").unwrap();

    run("2");
    assert_eq!(
        (transactions(1), transactions(2), transactions(3)),
        (2, 2, 1)
    );
    assert_eq!(
        read_held(),
        text(&batch(1)),
        "the first batch file is written over"
    );
    assert_eq!(
        text(&backup),
        second,
        "a second name keeps the earlier text"
    );
    assert_eq!(
        text(&elsewhere),
        "untouched",
        "a link's target keeps its text"
    );
    assert!(!std::fs::symlink_metadata(batch(3)).unwrap().is_symlink());
    assert!(
        (4..=5).all(|n| !batch(n).exists()),
        "the earlier run's later batches are removed"
    );
    assert_eq!(text(&dir.join("notes.txt")), "kept");

    // Smaller batches again: each file is cut to its new text, nothing of the longer one left.
    run("1");
    assert!((1..=5).all(|n| transactions(n) == 1));
    assert_eq!(text(&batch(1)).lines().count(), 1);
    assert_eq!(read_held(), text(&batch(1)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn normalise_refuses_files_with_errors_and_writes_nothing() {
    let dir = temp_dir("refuse");
    let out = normalise(&data("bad-cells.csv"), &dir, &ACCOUNT);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3: error invalid_date"), "{err}");
    assert!(err.contains("nothing written"), "{err}");
    assert!(!dir.exists());
    // Without an account id (a CSV names none) nothing can be written either.
    let out = normalise(&data("valid.csv"), &dir, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--account-id"));
    let out = bankfeeds(&["normalise", data("malformed.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_explains_each_command_with_an_example() {
    for command in ["validate", "prepare", "push", "sandbox", "demo"] {
        let out = bankfeeds(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Example"), "{command}: {text}");
        assert!(
            text.contains(&format!("bankfeeds {command}")),
            "{command}: {text}"
        );
    }
    let out = bankfeeds(&["--help"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("bankfeeds demo"));
}

/// Writes a file for one test into its own temporary folder.
fn temp_file(test: &str, name: &str, contents: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(test);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    (dir, path)
}

/// `bankfeeds validate FILE`, no flags, on a file of `contents` written for `test`.
fn validate_text(test: &str, name: &str, contents: &str) -> (i32, String, String) {
    let (_, path) = temp_file(test, name, contents);
    run(&["validate", path.to_str().unwrap()])
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = bankfeeds(args);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Bytes a terminal would obey: C0 controls other than the line break, DEL, C1 controls and
/// bidi overrides.
fn obeyed(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        })
        .collect()
}

#[test]
fn escape_sequences_in_the_input_are_shown_not_obeyed() {
    // An id that clears the screen, a column name that sets a title, a description with a C1
    // control and a bidi override, a status that rings the bell.
    let csv = "id,date,description,amount,status,\u{1b}]0;pwned\u{7}\n\
               \u{1b}[2Jt1,2024-05-01,\" a\u{9b}31m\u{202e}b \",1.00,\u{7}odd,x\n\
               t1,2024-05-01,\" a\u{9b}31m\u{202e}b \",2.00,cleared,x\n";
    let (dir, path) = temp_file("escapes", "escapes.csv", csv);
    let path = path.to_str().unwrap();
    let (code, out, err) = validate_path(path, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(obeyed(&out).is_empty(), "{:?}", obeyed(&out));
    assert!(obeyed(&err).is_empty(), "{:?}", obeyed(&err));
    assert!(out.contains(r"\x1b[2Jt1"), "{out}");
    assert!(out.contains(r"\x1b]0;pwned\x07"), "{out}");
    assert!(out.contains(r"\x07odd"), "{out}");

    // JSON stays exact JSON: the same text comes back, and nothing is obeyed on the way.
    let (code, out, _) = validate_path(path, &["--format", "json", "--normalise"]);
    assert_eq!(code, 1);
    assert!(obeyed(&out).is_empty(), "{:?}", obeyed(&out));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found = texts(&report["issues"], "found");
    assert!(found.contains(&"\u{1b}]0;pwned\u{7}"), "{found:?}");
    assert!(found.contains(&"\u{7}odd"), "{found:?}");
    let ids = texts(&report["issues"], "id");
    assert!(ids.contains(&"\u{1b}[2Jt1"), "{ids:?}");
    let trimmed: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "trimmed")
        .filter_map(|c| c["after"].as_str())
        .collect();
    assert_eq!(trimmed, ["a\u{9b}31m\u{202e}b"; 2]);
    assert!(out.contains(r"\u009b31m\u202eb"), "{out}");

    // An unreadable file's message (a header lacking `amount`, listing what it has) is escaped
    // on stderr too.
    let (code, out, err) = validate_text(
        "escapes",
        "lacking.csv",
        "id,date,\u{1b}[31mAmount\nt1,2024-05-01,1\n",
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(obeyed(&err).is_empty(), "{err}");
    assert!(err.contains(r"\x1b[31mAmount"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lines_are_the_lines_of_the_file() {
    // A blank line and a quoted line break before the bad rows: lines 6 and 8, not row + 2.
    let csv = "id,date,description,amount\n\
               t1,2024-05-01,one,1.00\n\
               \n\
               t2,2024-05-02,\"two\nlines\",1.00\n\
               t3,2024-05-03,three,1.0x\n\
               \n\
               t4,2024-02-30,four,1.00\n";
    let (dir, path) = temp_file("lines", "lines.csv", csv);
    let path = path.to_str().unwrap();
    let (code, out, _) = validate_path(path, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("line 6: error invalid_number (id t3, amount)"),
        "{out}"
    );
    assert!(
        out.contains("line 8: error invalid_date (id t4, date)"),
        "{out}"
    );
    let (_, out, _) = validate_path(path, &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let lines: Vec<(u64, u64)> = report["issues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["severity"] == "error")
        .map(|i| (i["row"].as_u64().unwrap(), i["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(lines, [(2, 6), (3, 8)]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_columns_for_one_field_make_the_file_unreadable() {
    let (code, out, err) = validate_text(
        "twice",
        "twice.csv",
        "id,date,Transaction Date,amount\nt1,2024-05-01,2024-06-01,1.00\n",
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("two columns for date: column 2 `date` and column 3 `Transaction Date`"),
        "{err}"
    );
    let (code, out, err) = validate_text(
        "twice",
        "twice.json",
        r#"{"accountId":"a","transactions":[{"id":"t1","date":"2024-05-01","amount":1}],"transactions":[]}"#,
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("`transactions` twice"), "{err}");
    // Removes the test's folder.
    temp_dir("twice");
}

#[test]
fn long_descriptions_are_batched_by_size_on_the_way_out() {
    // 1000 rows of 2000-character descriptions pass Xero's rules, and go in several bodies,
    // each within the byte limit: `validate` says how many, `normalise` writes them.
    let mut csv = String::from("id,date,description,amount\n");
    for i in 0..1000 {
        csv.push_str(&format!("t{i:04},2024-05-01,{},1.00\n", "d".repeat(2000)));
    }
    let (dir, path) = temp_file("big", "big.csv", &csv);
    let path = path.to_str().unwrap();
    let common = [
        "--platform",
        "xero",
        "--today",
        "2024-06-01",
        "--opening-balance",
        "0",
    ];
    let mut args = vec!["validate", path, "--normalise"];
    args.extend_from_slice(&common);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{out}{err}");
    let last = out.lines().last().unwrap();
    let batches: usize = last
        .rsplit("ready to push in ")
        .next()
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{last}"));
    assert!(batches >= 2, "{last}");
    let out_dir = dir.join("batches");
    let out = normalise(Path::new(path), &out_dir, &[&ACCOUNT[..], &common].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut total = 0;
    for k in 1..=batches {
        let file = out_dir.join(format!("batch-{k:04}.json"));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.len() <= bankfeeds::batch::MAX_PUSH_BODY_BYTES,
            "{}: {} bytes",
            file.display(),
            text.len()
        );
        let body: bankfeeds::model::CreateBankTransactions = serde_json::from_str(&text).unwrap();
        total += body.transactions.len();
    }
    assert_eq!(total, 1000);
    assert!(
        !out_dir
            .join(format!("batch-{:04}.json", batches + 1))
            .exists()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The contract file every front end checks (`tests/contract/`): `validate` takes the rows as
/// given, as `validate_file` does in Python, JavaScript and Kotlin; `--normalise` checks what
/// `prepare` would push.
#[test]
fn validate_checks_the_file_as_given_like_every_binding() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/contract/out-of-order-xero.csv");
    let path = path.to_str().unwrap();
    let codes = |extra: &[&str]| {
        let mut args = vec![
            "validate",
            path,
            "--platform",
            "xero",
            "--today",
            "2024-06-01",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = bankfeeds(&args);
        assert_eq!(out.status.code(), Some(1));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["code"].as_str().unwrap().to_owned(),
                    i["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let pair = |c: &str, id: &str| (c.to_owned(), id.to_owned());
    assert_eq!(
        codes(&[]),
        [
            pair("not_chronological", "t1"),
            pair("balance_mismatch", "t1")
        ]
    );
    assert_eq!(codes(&["--normalise"]), [pair("balance_mismatch", "t3")]);
}

#[test]
fn validate_refuses_a_closing_balance_without_normalise() {
    let path = data("valid.csv");
    let out = bankfeeds(&[
        "validate",
        path.to_str().unwrap(),
        "--closing-balance",
        "10.00",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--normalise"));
}

/// A file of `rows` rows whose balances all break the chain after the first.
fn every_balance_off(rows: usize) -> String {
    let mut text = String::from("id,date,description,amount,balance\n");
    for i in 0..rows {
        text.push_str(&format!("t{i},2024-05-01,Coffee,1.00,{}.00\n", i * 10));
    }
    text
}

#[test]
fn a_finding_on_every_row_lists_the_first_of_each_code_and_counts_the_rest() {
    let (dir, path) = temp_file("max-findings", "every.csv", &every_balance_off(1203));
    let path = path.to_str().unwrap();
    // The first 1,000 listed, then the count of the rest; the summary counts every one.
    let (code, out, _) = validate_path(path, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        out.matches(": error balance_mismatch (").count(),
        1000,
        "{out}"
    );
    assert!(
        out.contains("... and 202 more balance_mismatch errors not listed (see --max-findings)\n"),
        "{out}"
    );
    assert!(out.contains("1202 error(s)"), "{out}");
    // --max-findings sets how many; `all` lists every one.
    let (_, out, _) = validate_path(path, &["--max-findings", "2"]);
    assert_eq!(
        out.matches(": error balance_mismatch (").count(),
        2,
        "{out}"
    );
    assert!(out.contains("... and 1,200 more balance_mismatch errors not listed"));
    let (_, out, _) = validate_path(path, &["--max-findings", "all"]);
    assert_eq!(out.matches(": error balance_mismatch (").count(), 1202);
    assert!(!out.contains("not listed"));
    let (code, _, err) = validate_path(path, &["--max-findings", "many"]);
    assert_eq!(code, 2, "{err}");
    // Errors not listed still make the file invalid.
    let (code, out, _) = validate_path(path, &["--max-findings", "0", "--format", "json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"], 1202);
    assert_eq!(report["issues"].as_array().unwrap().len(), 0);
    assert_eq!(
        report["omitted"],
        serde_json::json!([{"code": "balance_mismatch", "severity": "error", "count": 1202}])
    );
    // A report that omits nothing has no such key.
    let (_, out, _) = validate_path(path, &["--max-findings", "all", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(report.get("omitted").is_none());
    // Changes too: every balance replaced, the first two listed.
    let out_dir = dir.join("batches");
    let written = normalise(
        Path::new(path),
        &out_dir,
        &[
            "--closing-balance",
            "5000.00",
            "--max-findings",
            "2",
            "--today",
            "2024-06-01",
            ACCOUNT[0],
            ACCOUNT[1],
        ],
    );
    let stdout = String::from_utf8(written.stdout).unwrap();
    assert!(written.status.success(), "{stdout}");
    assert_eq!(
        stdout.matches("  balance_replaced row").count(),
        2,
        "{stdout}"
    );
    assert!(
        stdout.contains("... and 1,200 more balance_replaced changes not listed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("normalisation made 1204 change(s)"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `args` with `input` on stdin.
#[cfg(unix)]
fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_bankfeeds"))
        .args(args)
        .env_remove("CODAT_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// A file given as a pipe (`/dev/stdin`, `<(zcat statement.csv.gz)`) is read as the file
/// itself would be: the streaming commands used to fail on it ("Illegal seek"), as they read a
/// file twice and from offsets. Messages name the path as given.
#[cfg(unix)]
#[test]
fn a_pipe_is_read_as_the_file_would_be() {
    let file = data("bad-cells.csv");
    let bytes = std::fs::read(&file).unwrap();
    let direct = bankfeeds(&["validate", file.to_str().unwrap(), "--today", "2024-06-01"]);
    let piped = with_stdin(&["validate", "/dev/stdin", "--today", "2024-06-01"], &bytes);
    assert_eq!(piped.status.code(), direct.status.code());
    assert_eq!(
        String::from_utf8_lossy(&piped.stdout),
        String::from_utf8_lossy(&direct.stdout)
    );
    assert_eq!(direct.status.code(), Some(1), "the fixture has findings");

    let dir = temp_dir("piped");
    let (a, b) = (dir.join("file"), dir.join("pipe"));
    let flags = ["--account-id", "acc-001", "--today", "2024-06-01"];
    let valid = std::fs::read(data("valid.csv")).unwrap();
    let out = bankfeeds(
        &[
            &[
                "prepare",
                data("valid.csv").to_str().unwrap(),
                "--out",
                a.to_str().unwrap(),
            ][..],
            &flags[..],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0));
    let out = with_stdin(
        &[
            &["prepare", "/dev/stdin", "--out", b.to_str().unwrap()][..],
            &flags[..],
        ]
        .concat(),
        &valid,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(a.join("batch-0001.json")).unwrap(),
        std::fs::read(b.join("batch-0001.json")).unwrap()
    );

    // A header the pipe lacks is named by the path given, not by a copy's.
    let out = with_stdin(&["validate", "/dev/stdin"], b"id,date\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bankfeeds: /dev/stdin: the CSV header lacks"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The batch files are the core's push bodies for the file read whole, byte for byte, whichever
/// way they are made: from the bodies kept aside as the file streamed (rows in order, repeats
/// dropped, balances computed), from the rows held when the file is read whole (rows out of
/// date order, which are sorted), and from a second reading (an account id too long for the
/// room the first reading kept in each body).
#[test]
fn batch_files_are_the_push_bodies_however_they_are_made() {
    let mut in_order = String::from("id,date,description,amount\n");
    for i in 0..23 {
        in_order.push_str(&format!(
            "t{i:03},2024-05-{:02},Shop \"{i}\",-1.{i:02}\n",
            1 + i
        ));
        if i == 9 {
            // An exact repeat far back, dropped.
            in_order.push_str("t002,2024-05-03,Shop \"2\",-1.02\n");
        }
    }
    let out_of_order = in_order.replacen("2024-05-01", "2024-05-30", 1);
    let long = "a".repeat(1_000);
    for (name, text, account) in [
        ("in-order", &in_order, "acc-001"),
        ("unsorted", &out_of_order, "acc-001"),
        ("long-account", &in_order, long.as_str()),
    ] {
        let (dir, path) = temp_file(&format!("bodies-{name}"), "rows.csv", text);
        let out_dir = dir.join("batches");
        let flags = [
            "--today",
            "2024-06-01",
            "--batch-size",
            "4",
            "--opening-balance",
            "100",
            "--account-id",
            account,
        ];
        let out = normalise(&path, &out_dir, &flags);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut options = bankfeeds::pipeline::PrepareOptions::new(
            bankfeeds::rules::Platform::Generic,
            chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        );
        options.normalise.batch_size = 4;
        options.normalise.balances =
            bankfeeds::normalise::BalanceFill::Opening(rust_decimal::Decimal::from(100));
        let whole = bankfeeds::pipeline::prepare_file(
            text.as_bytes(),
            bankfeeds::ingest::InputFormat::Csv,
            &options,
        );
        assert!(whole.is_valid(), "{name}: {:?}", whole.report);
        let bodies = whole.push_bodies(account);
        assert_eq!(bodies.len(), 6, "{name}");
        for (k, body) in bodies.iter().enumerate() {
            let mut expected = body.to_json();
            expected.push(b'\n');
            let file = out_dir.join(format!("batch-{:04}.json", k + 1));
            assert_eq!(
                std::fs::read(&file).unwrap(),
                expected,
                "{name}: {}",
                file.display()
            );
        }
        assert!(!out_dir.join("batch-0007.json").exists(), "{name}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Without a temporary folder to keep the bodies aside in, `prepare` reads the file again for
/// them: the same batch files.
#[cfg(unix)]
#[test]
fn without_a_temporary_folder_the_batches_come_from_a_second_reading() {
    let dir = temp_dir("no-tmp");
    let (spooled, again) = (dir.join("spooled"), dir.join("again"));
    let args = |out: &Path| {
        let mut args = vec![
            "normalise".to_owned(),
            data("valid.csv").to_str().unwrap().to_owned(),
            "--out".to_owned(),
            out.to_str().unwrap().to_owned(),
            "--batch-size".to_owned(),
            "2".to_owned(),
            "--today".to_owned(),
            "2024-06-01".to_owned(),
        ];
        args.extend(ACCOUNT.map(str::to_owned));
        args
    };
    let first = bankfeeds(
        &args(&spooled)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(first.status.code(), Some(0));
    let second = Command::new(env!("CARGO_BIN_EXE_bankfeeds"))
        .args(args(&again))
        .env("TMPDIR", dir.join("no such folder"))
        .env_remove("CODAT_API_KEY")
        .output()
        .unwrap();
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    for n in 1..=3 {
        let name = format!("batch-{n:04}.json");
        assert_eq!(
            std::fs::read(spooled.join(&name)).unwrap(),
            std::fs::read(again.join(&name)).unwrap(),
            "{name}"
        );
    }
    assert!(!again.join("batch-0004.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
