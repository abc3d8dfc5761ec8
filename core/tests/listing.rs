//! A file read as it streams lists the first findings of each code (and changes of each kind)
//! that reading it whole gives, in the same order, and counts the rest exactly: an error that is
//! not listed still makes the file invalid.

use bankfeeds::ingest::InputFormat;
use bankfeeds::normalise::{BalanceFill, ChangeKind, OmittedChanges};
use bankfeeds::pipeline::{PrepareOptions, prepare_file, validate_file};
use bankfeeds::rules::Platform;
use bankfeeds::stream::{CsvChecker, FileChecker, prepare_path};
use bankfeeds::validate::{
    Code, DEFAULT_MAX_LISTED, Omitted, RuleLevel, RulePolicy, Severity, ValidationContext,
    ValidationReport,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

mod listed;
use listed::{TempFile, listed_report};

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

/// A file of rows with every kind of trouble, chosen by `seed`: balances malformed or missing
/// (a malformed one is not also reported missing), repeated ids, dates out of order, bad
/// amounts and descriptions left blank.
fn troubled(seed: &[u8]) -> String {
    let mut text = String::from("id,date,description,amount,balance\n");
    for (i, &b) in seed.iter().enumerate() {
        let id = if b % 7 == 0 && i > 0 { i - 1 } else { i };
        let day = if b % 11 == 3 { 1 } else { 2 + i / 10 };
        let description = if b % 5 == 1 { "" } else { "Coffee" };
        let amount = if b % 13 == 2 { "1.2.3" } else { "1.00" };
        let balance = match b % 6 {
            0 => String::new(),
            1 => "12x".to_owned(),
            _ => format!("{}.00", i + usize::from(b % 4 == 0)),
        };
        text.push_str(&format!(
            "t{id},2024-01-{:02},{description},{amount},{balance}\n",
            day.min(28)
        ));
    }
    text
}

/// `rows` rows, oldest first, whose balances all break the chain (after the first); every `bad`th row has an amount that is not
/// a number and every `blank`th no description.
fn statement(rows: usize, bad: usize, blank: usize) -> String {
    let mut text = String::from("id,date,description,amount,balance\n");
    for i in 0..rows {
        let amount = if bad > 0 && i % bad == bad - 1 {
            "x1".to_owned()
        } else {
            format!("{}.00", i % 7 + 1)
        };
        let description = if blank > 0 && i % blank == 0 {
            ""
        } else {
            "Coffee"
        };
        let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
            + chrono::Duration::days((i / 100) as i64);
        text.push_str(&format!(
            "t{i},{date},{description},{amount},{}.00\n",
            i * 100
        ));
    }
    text
}

#[test]
fn a_file_with_a_finding_on_every_row_lists_the_first_thousand_of_each_code() {
    let text = statement(2500, 0, 3);
    let file = TempFile::new(&text);
    let options = PrepareOptions::new(Platform::Xero, today());
    assert_eq!(options.max_listed, Some(DEFAULT_MAX_LISTED));
    let streamed = prepare_path(&file.0, InputFormat::Auto, &options).unwrap();
    let whole = prepare_file(text.as_bytes(), InputFormat::Auto, &options);
    assert!(whole.report.count_of(Code::BalanceMismatch) > DEFAULT_MAX_LISTED);
    assert_eq!(
        streamed.report,
        listed_report(&whole.report, Some(DEFAULT_MAX_LISTED))
    );
    assert_eq!(
        streamed.report.with_code(Code::BalanceMismatch).count(),
        DEFAULT_MAX_LISTED
    );
    assert_eq!(
        streamed.report.count_of(Code::BalanceMismatch),
        whole.report.count_of(Code::BalanceMismatch)
    );
    assert_eq!(streamed.report.error_count(), whole.report.error_count());
    assert_eq!(
        streamed.report.warning_count(),
        whole.report.warning_count()
    );
    assert_eq!(streamed.report.len(), whole.report.issues.len());
    // `None` lists every one.
    let all = PrepareOptions {
        max_listed: None,
        ..options
    };
    let streamed = prepare_path(&file.0, InputFormat::Auto, &all).unwrap();
    assert_eq!(streamed.report, whole.report);
    assert!(streamed.report.omitted.is_empty());
}

#[test]
fn every_balance_replaced_is_counted_and_the_first_listed() {
    let text = statement(1500, 0, 0);
    let file = TempFile::new(&text);
    let mut options = PrepareOptions::new(Platform::Generic, today());
    options.normalise.balances = BalanceFill::Closing(Decimal::new(123_456, 2));
    options.max_listed = Some(10);
    let streamed = prepare_path(&file.0, InputFormat::Auto, &options).unwrap();
    assert_eq!(streamed.in_memory, None);
    let whole = prepare_file(text.as_bytes(), InputFormat::Auto, &options);
    let replaced: Vec<_> = whole
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::BalanceReplaced)
        .collect();
    assert!(replaced.len() > 1000);
    let listed: Vec<_> = streamed
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::BalanceReplaced)
        .collect();
    assert_eq!(listed, replaced[..10]);
    assert_eq!(
        streamed.changes_omitted,
        [OmittedChanges {
            kind: ChangeKind::BalanceReplaced,
            count: replaced.len() - 10
        }]
    );
}

#[test]
fn errors_that_are_not_listed_still_make_the_file_invalid() {
    let text = statement(5, 0, 0);
    let file = TempFile::new(&text);
    let mut options =
        PrepareOptions::validate_only(ValidationContext::new(Platform::Generic, today()));
    options.max_listed = Some(0);
    let streamed = prepare_path(&file.0, InputFormat::Auto, &options).unwrap();
    assert!(streamed.report.issues.is_empty());
    assert!(!streamed.report.is_empty());
    assert!(!streamed.is_valid());
    assert!(!streamed.report.is_valid());
    assert_eq!(streamed.report.error_count(), 4);
    assert_eq!(
        streamed.report.omitted,
        [Omitted {
            code: Code::BalanceMismatch,
            severity: Severity::Error,
            count: 4
        }]
    );
    // The JSON of a report lists what is omitted, and leaves the key out when nothing is.
    let json = serde_json::to_value(&streamed.report).unwrap();
    assert_eq!(
        json["omitted"],
        serde_json::json!([{"code": "balance_mismatch", "severity": "error", "count": 4}])
    );
    let back: ValidationReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, streamed.report);
    let whole =
        serde_json::to_value(prepare_file(text.as_bytes(), InputFormat::Auto, &options).report)
            .unwrap();
    assert!(whole.get("omitted").is_none());
    // Rules settle what is omitted as they settle what is listed.
    let mut settled = streamed.report.clone();
    RulePolicy::new()
        .with(Code::BalanceMismatch, RuleLevel::Warning)
        .unwrap()
        .apply(&mut settled);
    assert!(settled.is_valid());
    assert_eq!(settled.warning_count(), 4);
    // The CSV checker the same.
    let ctx = ValidationContext::new(Platform::Generic, today());
    let mut checker = CsvChecker::listing(&ctx, Some(0));
    checker.feed(text.as_bytes()).unwrap();
    let report = checker.finish().unwrap();
    assert_eq!(report, streamed.report);
    assert!(!report.is_valid());
    // A file that is not UTF-8 is one finding, held to the limit as any other.
    let mut checker = CsvChecker::listing(&ctx, Some(0));
    checker
        .feed(b"id,date,amount\nt1,2024-05-01,\xff\n")
        .unwrap();
    let report = checker.finish().unwrap();
    assert!(report.issues.is_empty());
    assert_eq!(report.count_of(Code::MalformedInput), 1);
    assert!(!report.is_valid());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Fed in chunks, with any limit: the first findings of each code of the whole file's
    /// report, and the rest counted.
    #[test]
    fn the_csv_checker_lists_the_whole_files_first_findings(
        rows in 0usize..40,
        bad in 0usize..5,
        blank in 0usize..4,
        max in 0usize..4,
        chunk in 1usize..50,
        platform in prop::sample::select(vec![Platform::Generic, Platform::Xero, Platform::QuickBooksOnline]),
    ) {
        let text = statement(rows, bad, blank);
        let ctx = ValidationContext::new(platform, today());
        let whole = validate_file(text.as_bytes(), InputFormat::Auto, &ctx);
        let mut checker = CsvChecker::listing(&ctx, Some(max));
        for piece in text.as_bytes().chunks(chunk) {
            checker.feed(piece).unwrap();
        }
        let report = checker.finish().unwrap();
        prop_assert_eq!(&report, &listed_report(&whole, Some(max)));
        prop_assert_eq!(report.error_count(), whole.error_count());
        prop_assert_eq!(report.is_valid(), whole.is_valid());
    }

    /// The same on files with every kind of trouble, streamed from a path as well.
    #[test]
    fn troubled_files_list_the_whole_files_first_findings(
        seed in prop::collection::vec(any::<u8>(), 0..60),
        max in 0usize..4,
        chunk in 1usize..50,
        platform in prop::sample::select(vec![Platform::Generic, Platform::Xero, Platform::QuickBooksOnline]),
    ) {
        let text = troubled(&seed);
        let ctx = ValidationContext::new(platform, today());
        let whole = validate_file(text.as_bytes(), InputFormat::Auto, &ctx);
        let mut checker = CsvChecker::listing(&ctx, Some(max));
        for piece in text.as_bytes().chunks(chunk) {
            checker.feed(piece).unwrap();
        }
        prop_assert_eq!(&checker.finish().unwrap(), &listed_report(&whole, Some(max)));
        let file = TempFile::new(&text);
        let mut options = PrepareOptions::validate_only(ctx);
        options.max_listed = Some(max);
        let streamed = prepare_path(&file.0, InputFormat::Auto, &options).unwrap();
        prop_assert_eq!(&streamed.report, &listed_report(&whole, Some(max)));
    }
    /// The same files as JSON (an array of transactions, every value a string), fed in chunks
    /// to the checker that reads CSV or JSON.
    #[test]
    fn json_files_fed_in_chunks_list_the_whole_files_first_findings(
        seed in prop::collection::vec(any::<u8>(), 0..60),
        max in 0usize..4,
        chunk in 1usize..50,
        platform in prop::sample::select(vec![Platform::Generic, Platform::Xero, Platform::QuickBooksOnline]),
    ) {
        let csv = troubled(&seed);
        let mut lines = csv.lines();
        let keys: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows: Vec<serde_json::Value> = lines
            .map(|line| {
                let object = keys
                    .iter()
                    .zip(line.split(','))
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(v)))
                    .collect();
                serde_json::Value::Object(object)
            })
            .collect();
        let text = serde_json::to_string_pretty(&rows).unwrap();
        let ctx = ValidationContext::new(platform, today());
        let whole = validate_file(text.as_bytes(), InputFormat::Auto, &ctx);
        let mut checker = FileChecker::listing(&ctx, InputFormat::Auto, Some(max));
        for piece in text.as_bytes().chunks(chunk) {
            checker.feed(piece);
        }
        prop_assert_eq!(&checker.finish(), &listed_report(&whole, Some(max)));
    }
}
