//! Rules as Codat applies them, and the caller's policy over their severities.

use bankfeeds::dates::TimeZone;
use bankfeeds::ingest::InputFormat;
use bankfeeds::model::{
    BankTransaction, CreateBankTransactions, SourceAccountStatus, TransactionType,
};
use bankfeeds::pipeline::{PrepareOptions, prepare_file, prepare_transactions};
use bankfeeds::rules::Platform;
use bankfeeds::validate::{
    AccountContext, Code, RuleError, RuleLevel, RulePolicy, Severity, ValidationContext,
    ValidationReport, validate, validate_push,
};
use chrono::{NaiveDate, TimeZone as _, Utc};
use rust_decimal_macros::dec;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn severities(report: &ValidationReport, code: Code) -> Vec<Severity> {
    report.with_code(code).map(|i| i.severity).collect()
}

/// A Debit with a positive amount and a Credit with a negative one, with a consistent chain.
fn contradicting_signs() -> Vec<BankTransaction> {
    vec![
        BankTransaction::new("a", "2024-05-01".parse().unwrap(), dec!(12.00))
            .with_type(TransactionType::Debit)
            .with_balance(dec!(12.00))
            .with_description("Refund"),
        BankTransaction::new("b", "2024-05-02".parse().unwrap(), dec!(-2.00))
            .with_type(TransactionType::Credit)
            .with_balance(dec!(10.00))
            .with_description("Fee"),
    ]
}

#[test]
fn a_sign_that_contradicts_the_type_is_a_warning_as_codat_gives_it() {
    // Codat's push guide ("Transaction signs"): Codat issues a warning for a Debit with a
    // positive amount. FreeAgent books by type whatever the sign, and says so instead.
    for &platform in Platform::ALL {
        let ctx = ValidationContext::new(platform, day(2024, 6, 1))
            .with_account(AccountContext::in_currency("USD"));
        let report = validate(&contradicting_signs(), &ctx);
        if platform == Platform::FreeAgent {
            assert_eq!(report.with_code(Code::SignMismatch).count(), 0);
            assert_eq!(
                severities(&report, Code::TypeDecidesDirection),
                [Severity::Warning; 2]
            );
        } else {
            assert_eq!(
                severities(&report, Code::SignMismatch),
                [Severity::Warning; 2],
                "{platform}: {report}"
            );
        }
        assert!(report.is_valid(), "{platform}: {report}");
    }
    // A caller who wants such rows refused says so.
    let strict = RulePolicy::new()
        .with(Code::SignMismatch, RuleLevel::Error)
        .unwrap();
    let ctx = ValidationContext::new(Platform::Xero, day(2024, 6, 1)).with_rules(strict);
    let report = validate(&contradicting_signs(), &ctx);
    assert_eq!(
        severities(&report, Code::SignMismatch),
        [Severity::Error; 2]
    );
    assert!(!report.is_valid());
}

#[test]
fn every_finding_honours_the_policy_whoever_found_it() {
    // unknown_column comes from reading the file, not_cleared from reading its rows,
    // exact_duplicate from normalising, sign_mismatch and future_date from the validator,
    // account_not_connected from the account.
    let csv = "id,date,description,amount,balance,transactionType,status,memo\n\
               t1,2024-05-01,Salary,100.00,100.00,Credit,cleared,x\n\
               t1,2024-05-01,Salary,100.00,100.00,Credit,cleared,x\n\
               t2,2024-05-02,Refund,5.00,105.00,Debit,pending,y\n\
               t3,2024-06-03,Card,-1.00,104.00,Debit,cleared,z\n";
    let mut options = PrepareOptions::new(Platform::Generic, day(2024, 6, 1));
    options.context = options.context.with_account(AccountContext {
        status: Some(SourceAccountStatus::Pending),
        ..AccountContext::in_currency("GBP")
    });
    let codat = prepare_file(csv.as_bytes(), InputFormat::Csv, &options);
    let before = |code| severities(&codat.report, code);
    assert_eq!(before(Code::UnknownColumn), [Severity::Warning]);
    assert_eq!(before(Code::ExactDuplicate), [Severity::Warning]);
    assert_eq!(before(Code::NotCleared), [Severity::Error]);
    assert_eq!(before(Code::SignMismatch), [Severity::Warning]);
    assert_eq!(before(Code::FutureDate), [Severity::Error]);
    assert_eq!(before(Code::AccountNotConnected), [Severity::Error]);

    options.context.rules = RulePolicy::from_settings([
        ("unknown_column", "error"),
        ("exact_duplicate", "off"),
        ("not_cleared", "warning"),
        ("sign_mismatch", "error"),
        ("future_date", "warning"),
        ("account_not_connected", "off"),
    ])
    .unwrap();
    let mine = prepare_file(csv.as_bytes(), InputFormat::Csv, &options);
    let after = |code| severities(&mine.report, code);
    assert_eq!(after(Code::UnknownColumn), [Severity::Error]);
    assert_eq!(after(Code::ExactDuplicate), []);
    assert_eq!(after(Code::NotCleared), [Severity::Warning]);
    assert_eq!(after(Code::SignMismatch), [Severity::Error]);
    assert_eq!(after(Code::FutureDate), [Severity::Warning]);
    assert_eq!(after(Code::AccountNotConnected), []);
    // Only severities change: the rows are the same.
    assert_eq!(mine.transactions, codat.transactions);
    assert_eq!(mine.changes, codat.changes);

    // Typed rows and push bodies too.
    let p = prepare_transactions(contradicting_signs(), &options);
    assert_eq!(
        severities(&p.report, Code::SignMismatch),
        [Severity::Error; 2]
    );
    let body = CreateBankTransactions {
        account_id: "acc".into(),
        transactions: vec![],
    };
    let ctx = ValidationContext::new(Platform::Generic, day(2024, 6, 1))
        .with_rules("empty_batch=off".parse().unwrap());
    assert!(validate_push(&body, &ctx).is_empty());
}

#[test]
fn unreadable_rows_cannot_be_waved_through() {
    for setting in [
        "invalid_date=warning",
        "missing_field=off",
        "invalid_number=off",
        "malformed_input=warning",
    ] {
        let e = setting.parse::<RulePolicy>().unwrap_err();
        assert!(matches!(e, RuleError::Fixed { .. }), "{setting}: {e}");
    }
    // Raising them is allowed (they are errors already).
    assert!("invalid_date=error".parse::<RulePolicy>().is_ok());
}

#[test]
fn xero_compares_the_newest_transaction_by_calendar_date() {
    // The newest transaction on the account is at noon on 1 February. Xero's statement lines are
    // dates: a row at 09:00 the same day is not older; one on 31 January is.
    let latest = day(2024, 2, 1).and_hms_opt(12, 0, 0).unwrap();
    let mk = |id: &str, d: &str| {
        BankTransaction::new(id, d.parse().unwrap(), dec!(1)).with_balance(dec!(1))
    };
    let rows = [
        mk("same-day-earlier", "2024-02-01T09:00:00"),
        mk("same-day-later", "2024-02-01T13:00:00"),
        mk("day-before", "2024-01-31T23:59:00"),
    ];
    let older = |platform: Platform| -> Vec<(String, Severity)> {
        let ctx = ValidationContext::new(platform, day(2024, 6, 1)).with_latest_existing(latest);
        rows.iter()
            .filter_map(|row| {
                let report = validate(std::slice::from_ref(row), &ctx);
                report
                    .with_code(Code::OlderThanLatest)
                    .next()
                    .map(|i| (row.id.clone(), i.severity))
            })
            .collect()
    };
    assert_eq!(
        older(Platform::Xero),
        [("day-before".to_owned(), Severity::Error)]
    );
    // Platforms whose guides do not say so keep comparing date-times.
    assert_eq!(
        older(Platform::QuickBooksOnline),
        [
            ("same-day-earlier".to_owned(), Severity::Error),
            ("day-before".to_owned(), Severity::Error)
        ]
    );
    let ctx = ValidationContext::new(Platform::Xero, day(2024, 6, 1)).with_latest_existing(latest);
    let report = validate(std::slice::from_ref(&rows[2]), &ctx);
    let issue = report.with_code(Code::OlderThanLatest).next().unwrap();
    assert_eq!(issue.expected.as_deref(), Some("on or after 2024-02-01"));
}

#[test]
fn an_australian_bank_at_eight_in_the_morning_is_not_in_the_future() {
    // 08:00 on 2 June in Sydney is 22:00 on 1 June in UTC: today's rows are the 2nd's.
    let morning = Utc.with_ymd_and_hms(2024, 6, 1, 22, 0, 0).unwrap();
    let sydney: TimeZone = "Australia/Sydney".parse().unwrap();
    let rows = vec![
        BankTransaction::new("t1", "2024-06-02T07:45:00".parse().unwrap(), dec!(-4.50))
            .with_balance(dec!(-4.50)),
    ];
    let here = validate(
        &rows,
        &ValidationContext::new(Platform::Xero, sydney.date_at(morning)),
    );
    assert!(here.is_valid(), "{here}");
    let utc = validate(
        &rows,
        &ValidationContext::new(Platform::Xero, TimeZone::UTC.date_at(morning)),
    );
    assert_eq!(severities(&utc, Code::FutureDate), [Severity::Error]);
}
