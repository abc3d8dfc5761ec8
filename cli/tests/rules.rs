//! `--rule CODE=LEVEL` and `--time-zone` on `validate`, `normalise` and `push`.

use std::path::PathBuf;
use std::process::{Command, Output};

use chrono::{Duration, Utc};

fn bankfeeds(args: &[&str]) -> (i32, String, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_bankfeeds"))
        .args(args)
        .env_remove("CODAT_API_KEY")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A file in a fresh directory of its own.
fn file(name: &str, text: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("bankfeeds-cli-rules-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Valid but for a Debit with a positive amount on line 3.
const SIGNS: &str = "id,date,description,amount,balance,transactionType\n\
                     s-1,2024-05-01,Salary,100.00,100.00,Credit\n\
                     s-2,2024-05-02,Refund,5.00,105.00,Debit\n";

#[test]
fn a_sign_mismatch_is_a_warning_unless_a_rule_makes_it_an_error() {
    let path = file("signs.csv", SIGNS);
    let path = path.to_str().unwrap();
    let base = [
        "validate",
        path,
        "--today",
        "2024-06-01",
        "--platform",
        "xero",
    ];
    let (code, out, err) = bankfeeds(&base);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("line 3: warning sign_mismatch"), "{out}");

    let strict = [&base[..], &["--rule", "sign_mismatch=error"]].concat();
    let (code, out, err) = bankfeeds(&strict);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("line 3: error sign_mismatch"), "{out}");

    let quiet = [&base[..], &["--rule", "sign_mismatch=off"]].concat();
    let (code, out, _) = bankfeeds(&quiet);
    assert_eq!(code, 0);
    assert!(!out.contains("sign_mismatch"), "{out}");

    // Repeatable; the last setting of a code wins.
    let both = [
        &base[..],
        &[
            "--rule",
            "sign_mismatch=off",
            "--rule",
            "zero_amount=error",
            "--rule",
            "sign_mismatch=ERROR",
        ],
    ]
    .concat();
    let (code, out, _) = bankfeeds(&both);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn normalise_honours_the_rules_too() {
    let path = file("normalise-signs.csv", SIGNS);
    let out_dir = path.parent().unwrap().join("batches");
    let args = [
        "normalise",
        path.to_str().unwrap(),
        "--today",
        "2024-06-01",
        "--account-id",
        "acc-1",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    let (code, out, err) = bankfeeds(&args);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(&out_dir).unwrap();
    let strict = [&args[..], &["--rule", "sign_mismatch=error"]].concat();
    let (code, out, err) = bankfeeds(&strict);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("error sign_mismatch"), "{err}");
    assert!(!out_dir.exists(), "nothing written");
}

#[test]
fn bad_rules_are_usage_errors_that_say_what_is_allowed() {
    let path = file("usage.csv", SIGNS);
    let path = path.to_str().unwrap();
    let run = |rule: &str| bankfeeds(&["validate", path, "--rule", rule]);

    let (code, _, err) = run("sign_mismatches=error");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown rule `sign_mismatches`"), "{err}");
    for known in [
        "sign_mismatch",
        "balance_mismatch",
        "future_date",
        "exact_duplicate",
    ] {
        assert!(err.contains(known), "{known} not listed: {err}");
    }
    let (code, _, err) = run("sign_mismatch=loud");
    assert_eq!(code, 2);
    assert!(err.contains("expected error, warning or off"), "{err}");
    let (code, _, err) = run("sign_mismatch");
    assert_eq!(code, 2);
    assert!(err.contains("code=level"), "{err}");
    let (code, _, err) = run("invalid_date=off");
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot be made a warning or turned off"),
        "{err}"
    );
}

#[test]
fn today_is_the_accounts_local_date() {
    // UTC+14 is always a day or two ahead of UTC-12: a row dated today in Kiritimati is in the
    // future at Baker Island.
    let ahead = (Utc::now() + Duration::hours(14)).date_naive();
    let path = file(
        "zones.csv",
        &format!("id,date,description,amount,balance\nz-1,{ahead}T07:45:00,Coffee,-4.50,95.50\n"),
    );
    let path = path.to_str().unwrap();
    let (code, out, err) = bankfeeds(&["validate", path, "--time-zone", "+14:00"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = bankfeeds(&["validate", path, "--time-zone", "UTC-12:00"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("future_date"), "{out}");
    let (code, out, err) = bankfeeds(&["validate", path, "--time-zone", "Pacific/Kiritimati"]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, _, err) = bankfeeds(&["validate", path, "--time-zone", "Mars/Olympus_Mons"]);
    assert_eq!(code, 2);
    assert!(err.contains("IANA"), "{err}");
    let (code, _, err) = bankfeeds(&[
        "validate",
        path,
        "--time-zone",
        "+10:00",
        "--today",
        "2024-06-01",
    ]);
    assert_eq!(code, 2, "{err}");
}
