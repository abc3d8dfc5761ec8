//! End-to-end behaviour of ingest → normalise → validate, one rule at a time.

use bankfeeds::ingest::{InputFormat, RawTransaction, RawValue};
use bankfeeds::model::{BankTransaction, SourceAccountStatus, TransactionType};
use bankfeeds::normalise::{BalanceFill, ChangeKind};
use bankfeeds::pipeline::{PrepareOptions, Prepared, prepare, prepare_file, prepare_transactions};
use bankfeeds::rules::Platform;
use bankfeeds::validate::{
    AccountContext, Code, Field, Severity, ValidationContext, validate, validate_account,
};
use chrono::NaiveDate;
use rust_decimal_macros::dec;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn csv(platform: Platform, today: NaiveDate, text: &str) -> Prepared {
    prepare_file(
        text.as_bytes(),
        InputFormat::Csv,
        &PrepareOptions::new(platform, today),
    )
}

fn codes_at(p: &Prepared, row: usize) -> Vec<&'static str> {
    p.report
        .issues
        .iter()
        .filter(|i| i.row == Some(row))
        .map(|i| i.code.as_str())
        .collect()
}

mod shared;

/// One of Codat's documentation bodies, or `None` (the test says it skipped) in a clone without
/// `../shared`.
fn fixture(name: &str, test: &str) -> Option<String> {
    shared::read(&format!("fixtures/codat-docs/{name}"), test)
}

#[test]
fn codats_push_example_is_valid_for_xero() {
    let Some(body) = fixture(
        "push-bank-transactions.request.json",
        "pipeline::codats_push_example_is_valid_for_xero",
    ) else {
        return;
    };
    let p = prepare_file(
        body.as_bytes(),
        InputFormat::Auto,
        &PrepareOptions::new(Platform::Xero, day(2023, 8, 23)),
    );
    assert!(p.is_valid(), "{}", p.report);
    assert_eq!(p.account_id.as_deref(), Some("sourceAccountId"));
    assert_eq!(p.transactions.len(), 6);
    assert!(p.changes.is_empty(), "{:?}", p.changes);
}

#[test]
fn the_xero_guide_example_has_a_broken_chain_found_to_the_cent() {
    let Some(body) = fixture(
        "xero.push-bank-transactions.request.json",
        "pipeline::the_xero_guide_example_has_a_broken_chain_found_to_the_cent",
    ) else {
        return;
    };
    let p = prepare_file(
        body.as_bytes(),
        InputFormat::Json,
        &PrepareOptions::new(Platform::Xero, day(2022, 9, 1)),
    );
    let errors: Vec<_> = p.report.errors().collect();
    assert_eq!(errors.len(), 1, "{}", p.report);
    let e = errors[0];
    assert_eq!(
        (e.code, e.row, e.id.as_deref()),
        (Code::BalanceMismatch, Some(1), Some("7832323211-SDC"))
    );
    assert_eq!(
        (e.expected.as_deref(), e.found.as_deref()),
        (Some("1270"), Some("2730"))
    );
    assert!(e.message.contains("off by 1460"), "{}", e.message);
}

#[test]
fn every_kind_of_bad_cell_is_named_by_row_and_field() {
    let p = csv(
        Platform::Generic,
        day(2024, 6, 1),
        "id,date,amount,balance,status\n\
         a,2024-01-01,NaN,,\n\
         b,2024-01-02,inf,,\n\
         c,2024-01-03,1e30,,\n\
         d,2024-01-04,twelve,,\n\
         e,2023-02-29,1.00,,\n\
         ,2024-01-06,1.00,,\n\
         g,2024-01-07,,,\n\
         h,2024-01-08,1.00,1.2.3,\n\
         i,2024-01-09,1.00,,pending\n\
         j,2024-01-10,1.00,,weird\n",
    );
    let expect = [
        (0, Code::InvalidNumber, Field::Amount),
        (1, Code::InvalidNumber, Field::Amount),
        (2, Code::InvalidNumber, Field::Amount),
        (3, Code::InvalidNumber, Field::Amount),
        (4, Code::InvalidDate, Field::Date),
        (5, Code::MissingField, Field::Id),
        (6, Code::MissingField, Field::Amount),
        (7, Code::InvalidNumber, Field::Balance),
        (8, Code::NotCleared, Field::Status),
        (9, Code::InvalidValue, Field::Status),
    ];
    for (row, code, field) in expect {
        assert!(
            p.report
                .issues
                .iter()
                .any(|i| i.row == Some(row) && i.code == code && i.field == Some(field)),
            "row {row}: expected {code} on {field}; got {:?}",
            codes_at(&p, row)
        );
    }
    let nan = p.report.issues.iter().find(|i| i.row == Some(0)).unwrap();
    assert!(
        nan.message.contains("not a finite number"),
        "{}",
        nan.message
    );
    let date = p.report.issues.iter().find(|i| i.row == Some(4)).unwrap();
    assert!(
        date.message.contains("February 2023 has no day 29"),
        "{}",
        date.message
    );
    assert_eq!(date.id.as_deref(), Some("e"));
    // Rows h (bad balance), i and j are typed; the rest are set aside.
    assert_eq!(p.source_rows, [7, 8, 9]);
    assert!(!p.is_valid());
}

#[test]
fn a_late_evening_payment_stays_on_its_day_with_a_warning() {
    let p = csv(
        Platform::Generic,
        day(2024, 4, 1),
        "id,date,amount\nt,2024-03-31T23:30:00-05:00,-5.00\n",
    );
    let tx = &p.transactions[0];
    assert_eq!(tx.date.date(), day(2024, 3, 31));
    assert_eq!(
        serde_json::to_value(tx).unwrap()["date"],
        "2024-03-31T23:30:00"
    );
    let w: Vec<_> = p.report.warnings().map(|w| w.code).collect();
    assert_eq!(w, [Code::OffsetDropped]);
    assert!(p.is_valid());
}

#[test]
fn duplicates_exact_are_dropped_and_conflicting_refused() {
    let p = csv(
        Platform::Generic,
        day(2024, 6, 1),
        "id,date,amount\nx,2024-01-01,1.00\nx,2024-01-01,1.0\ny,2024-01-02,2\ny,2024-01-02,3\n",
    );
    let dropped: Vec<_> = p
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::DuplicateDropped)
        .map(|c| c.row)
        .collect();
    assert_eq!(dropped, [Some(1)]);
    assert_eq!(codes_at(&p, 1), ["exact_duplicate"]);
    assert_eq!(codes_at(&p, 3), ["conflicting_duplicate"]);
    assert_eq!(p.transactions.len(), 3);
}

#[test]
fn signs_are_flagged_unless_fixing_is_asked_for() {
    let txs = vec![
        BankTransaction::new("a", "2024-01-01".parse().unwrap(), dec!(12.00))
            .with_type(TransactionType::Debit),
        BankTransaction::new("b", "2024-01-02".parse().unwrap(), dec!(-3)),
    ];
    let options = PrepareOptions::new(Platform::Generic, day(2024, 6, 1));
    let p = prepare_transactions(txs.clone(), &options);
    assert_eq!(codes_at(&p, 0), ["sign_mismatch"]);
    assert_eq!(
        p.transactions[1].transaction_type,
        Some(TransactionType::Debit),
        "type inferred from sign"
    );
    let mut fixing = options.clone();
    fixing.normalise.fix_signs = true;
    let p = prepare_transactions(txs, &fixing);
    assert!(p.is_valid(), "{}", p.report);
    assert_eq!(p.transactions[0].amount, dec!(-12.00));
    assert!(
        p.changes
            .iter()
            .any(|c| c.kind == ChangeKind::SignFlipped && c.row == Some(0))
    );
}

#[test]
fn freeagent_warns_that_the_type_wins() {
    let txs = vec![
        BankTransaction::new("a", "2024-01-01".parse().unwrap(), dec!(12.00))
            .with_type(TransactionType::Fee)
            .with_balance(dec!(12.00)),
    ];
    let report = validate(
        &txs,
        &ValidationContext::new(Platform::FreeAgent, day(2024, 6, 1)),
    );
    let codes: Vec<_> = report.issues.iter().map(|i| (i.code, i.severity)).collect();
    assert_eq!(codes, [(Code::TypeDecidesDirection, Severity::Warning)]);
}

#[test]
fn xero_date_rules() {
    let account = AccountContext {
        status: Some(SourceAccountStatus::Connected),
        feed_start_date: Some(day(2024, 1, 10)),
        ..AccountContext::in_currency("USD")
    };
    let ctx = ValidationContext::new(Platform::Xero, day(2024, 6, 1))
        .with_account(account)
        .with_latest_existing(day(2024, 2, 1).and_hms_opt(12, 0, 0).unwrap());
    let mk = |id: &str, d: &str| {
        BankTransaction::new(id, d.parse().unwrap(), dec!(1)).with_balance(dec!(1))
    };
    let txs = vec![
        mk("old", "2023-05-01"),
        mk("pre", "2024-01-05"),
        mk("ok", "2024-03-01"),
        mk("fut", "2024-06-02"),
    ];
    let report = validate(&txs, &ctx);
    let errors: Vec<_> = report.errors().map(|i| (i.row.unwrap(), i.code)).collect();
    assert!(errors.contains(&(0, Code::DateTooOld)), "{report}");
    assert!(errors.contains(&(0, Code::BeforeFeedStart)), "{report}");
    assert!(errors.contains(&(1, Code::OlderThanLatest)), "{report}");
    assert!(errors.contains(&(3, Code::FutureDate)), "{report}");
    assert!(
        !errors
            .iter()
            .any(|(r, c)| *r == 2 && *c != Code::BalanceMismatch),
        "{report}"
    );
}

#[test]
fn gbp_accounts_need_a_sort_code_and_must_be_connected() {
    let account = AccountContext {
        status: Some(SourceAccountStatus::Pending),
        ..AccountContext::in_currency("GBP")
    };
    let ctx =
        ValidationContext::new(Platform::Generic, day(2024, 6, 1)).with_account(account.clone());
    let txs = vec![BankTransaction::new(
        "a",
        "2024-01-01".parse().unwrap(),
        dec!(1.234),
    )];
    let report = validate(&txs, &ctx);
    let codes: Vec<_> = report.errors().map(|i| i.code).collect();
    assert_eq!(codes, [Code::AccountNotConnected, Code::TooManyDecimals]);
    // The sort code is an account rule, checked where accounts are created.
    let codes: Vec<_> = validate_account(&account, Platform::Generic)
        .errors()
        .map(|i| i.code)
        .collect();
    assert_eq!(codes, [Code::SortCodeRequired]);
    let with_code = AccountContext {
        sort_code: Some("12 34 56".into()),
        ..account
    };
    assert!(validate_account(&with_code, Platform::Generic).is_valid());
    let bad = AccountContext {
        sort_code: Some("12-34".into()),
        ..with_code
    };
    assert_eq!(
        validate_account(&bad, Platform::Generic).issues[0].code,
        Code::InvalidSortCode
    );
}

#[test]
fn currencies_set_the_decimals_allowed() {
    let tx = |a| vec![BankTransaction::new("a", "2024-01-01".parse().unwrap(), a)];
    let ctx = |c: &str| {
        ValidationContext::new(Platform::Generic, day(2024, 6, 1))
            .with_account(AccountContext::in_currency(c))
    };
    assert!(
        validate(&tx(dec!(100.50)), &ctx("JPY"))
            .with_code(Code::TooManyDecimals)
            .count()
            == 1
    );
    assert!(
        validate(&tx(dec!(100.00)), &ctx("JPY")).is_valid(),
        "trailing zeros are fine"
    );
    assert!(validate(&tx(dec!(1.234)), &ctx("BHD")).is_valid());
    assert!(
        validate(&tx(dec!(1.2345)), &ctx("BHD"))
            .with_code(Code::TooManyDecimals)
            .count()
            == 1
    );
}

#[test]
fn quickbooks_rules() {
    let ctx = ValidationContext::new(Platform::QuickBooksOnline, day(2024, 6, 1))
        .with_account(AccountContext::in_currency("GBP"));
    let txs = vec![
        BankTransaction::new("a", "2024-01-01".parse().unwrap(), dec!(-1))
            .with_type(TransactionType::Fee)
            .with_reference("r1"),
        BankTransaction::new("b", "2024-01-02".parse().unwrap(), dec!(1)).with_description("ok"),
    ];
    let report = validate(&txs, &ctx);
    let found: Vec<_> = report
        .issues
        .iter()
        .map(|i| (i.row, i.code, i.severity))
        .collect();
    assert!(
        found.contains(&(None, Code::UnsupportedRegion, Severity::Warning)),
        "{report}"
    );
    assert!(
        found.contains(&(Some(0), Code::UnsupportedTransactionType, Severity::Error)),
        "{report}"
    );
    assert!(
        found.contains(&(Some(0), Code::MissingDescription, Severity::Error)),
        "{report}"
    );
    assert!(
        found.contains(&(None, Code::FieldIgnored, Severity::Warning)),
        "{report}"
    );
    let strict =
        ValidationContext::new(Platform::QuickBooksOnline, day(2024, 6, 1)).with_country("GB");
    assert_eq!(
        validate(&txs[1..], &strict)
            .with_code(Code::UnsupportedRegion)
            .next()
            .unwrap()
            .severity,
        Severity::Error
    );
}

#[test]
fn balances_come_from_the_closing_balance_and_survive_reordering() {
    let mut options = PrepareOptions::new(Platform::Xero, day(2024, 6, 1));
    options.normalise.balances = BalanceFill::Closing(dec!(1000.00));
    let rows = [
        ("c", "2024-05-03", "-10.00"),
        ("a", "2024-05-01", "250.00"),
        ("b", "2024-05-02", "-40.50"),
    ];
    let raw: Vec<RawTransaction> = rows
        .iter()
        .map(|(id, d, a)| {
            let mut r = RawTransaction::default();
            r.set("id", RawValue::Text((*id).into()));
            r.set("date", RawValue::Text((*d).into()));
            r.set("amount", RawValue::Text((*a).into()));
            r
        })
        .collect();
    let p = prepare(raw, &options);
    assert!(p.is_valid(), "{}", p.report);
    let balances: Vec<_> = p
        .transactions
        .iter()
        .map(|t| (t.id.as_str(), t.balance.unwrap()))
        .collect();
    assert_eq!(
        balances,
        [
            ("a", dec!(1050.50)),
            ("b", dec!(1010.00)),
            ("c", dec!(1000.00))
        ]
    );
    assert_eq!(p.source_rows, [1, 2, 0]);
    let kinds: Vec<_> = p.changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::TypeInferred,
            ChangeKind::Sorted,
            ChangeKind::BalancesComputed
        ]
    );
}

#[test]
fn xero_needs_balances_and_says_how_to_get_them() {
    let p = csv(
        Platform::Xero,
        day(2024, 6, 1),
        "id,date,amount\na,2024-05-01,1\nb,2024-05-02,2\n",
    );
    let e: Vec<_> = p.report.errors().collect();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].code, Code::MissingBalance);
    assert!(
        e[0].message.contains("opening or closing balance"),
        "{}",
        e[0].message
    );
}

#[test]
fn large_inputs_batch_at_1000() {
    let mut text = String::from("id,date,amount\n");
    for i in 0..2500 {
        text.push_str(&format!(
            "t{i},2024-05-01T10:{:02}:{:02},1.00\n",
            i / 60 % 60,
            i % 60
        ));
    }
    let p = csv(Platform::Generic, day(2024, 6, 1), &text);
    let sizes: Vec<_> = p
        .push_bodies("acc")
        .iter()
        .map(|b| b.transactions.len())
        .collect();
    assert_eq!(sizes, [1000, 1000, 500]);
}

#[test]
fn rows_for_two_accounts_are_refused() {
    let p = csv(
        Platform::Generic,
        day(2024, 6, 1),
        "id,date,amount,accountId\na,2024-05-01,1,acc-1\nb,2024-05-02,1,acc-2\n",
    );
    assert_eq!(codes_at(&p, 1), ["multiple_accounts"]);
    assert_eq!(p.account_id, None);
}

#[test]
fn javascript_floats_are_taken_by_their_text_unless_they_are_noise() {
    use bankfeeds::ingest::FloatPolicy;
    let mut options = PrepareOptions::new(Platform::Generic, day(2024, 6, 1));
    options.ingest.floats = FloatPolicy::Shortest;
    let row = |id: &str, amount: f64| {
        let mut r = RawTransaction::default();
        r.set("id", RawValue::Text(id.into()));
        r.set("date", RawValue::Text("2024-05-01".into()));
        r.set("amount", RawValue::Float(amount));
        r
    };
    let p = prepare(
        vec![row("a", 12.3), row("b", 0.1 + 0.2), row("c", 0.1234)],
        &options,
    );
    assert_eq!(
        p.transactions
            .iter()
            .map(|t| t.amount.to_string())
            .collect::<Vec<_>>(),
        ["12.3", "0.1234"]
    );
    assert_eq!(codes_at(&p, 1), ["invalid_number"]);
    assert!(
        p.report
            .issues
            .iter()
            .any(|i| i.found.as_deref() == Some("0.30000000000000004"))
    );
}

/// Rows typed in pieces by several `RowIngester`s and joined with `append` are typed as one
/// ingester types them, wherever the input is cut: findings (bad values, unknown keys first met,
/// a second account named on either side of a cut, or on both), transactions and the account.
#[test]
fn rows_typed_in_pieces_and_appended_are_typed_as_in_one_piece() {
    use bankfeeds::ingest::{IngestOptions, Ingested, RawCells, RawField, RowIngester, ingest};
    /// The account a row names, its amount, and a key naming no field.
    type Shape<'s> = (Option<&'s str>, &'s str, Option<&'s str>);
    let shapes: [&[Shape<'_>]; 4] = [
        &[
            (None, "1.00", Some("memo")),
            (Some("acc-a"), "2.00", None),
            (Some("acc-a"), "x", Some("note")),
            (Some("acc-b"), "4.00", Some("memo")),
            (Some("acc-a"), "5.00", None),
            (Some("acc-c"), "6.00", Some("extra")),
            (None, "", None),
        ],
        &[
            (Some("acc-a"), "1.00", None),
            (Some("acc-a"), "2.00", None),
            (Some("acc-a"), "3.00", None),
            (Some("acc-b"), "4.00", None),
        ],
        &[
            (Some("acc-a"), "1.00", None),
            (Some("acc-b"), "2.00", None),
            (Some("acc-a"), "3.00", None),
            (Some("acc-b"), "4.00", None),
        ],
        &[
            (Some("acc-a"), "1.00", None),
            (Some("acc-a"), "2.00", None),
            (None, "3.00", None),
        ],
    ];
    for shape in shapes {
        let ids: Vec<String> = (0..shape.len()).map(|i| format!("t{i}")).collect();
        let fill = |i: usize, cells: &mut RawCells<'_>| {
            let (account, amount, unknown) = shape[i];
            cells.set_value(RawField::Id, RawValue::Text(ids[i].clone()));
            cells.set_value(RawField::Date, RawValue::Date(day(2024, 5, 1)));
            cells.set_value(RawField::Amount, RawValue::Text(amount.into()));
            if let Some(a) = account {
                cells.set_value(RawField::AccountId, RawValue::Text(a.into()));
            }
            if let Some(key) = unknown {
                cells.push_unknown(key.into());
            }
        };
        let whole = {
            let mut rows = Vec::new();
            for i in 0..shape.len() {
                let mut cells = RawCells::default();
                fill(i, &mut cells);
                rows.push(cells.into_raw());
            }
            ingest(rows, &IngestOptions::default())
        };
        let second_account = whole.report.with_code(Code::MultipleAccounts).count() == 1;
        assert!(second_account != whole.account_id.is_some());
        let pieces = |cuts: &[usize]| -> Ingested {
            let mut bounds = vec![0];
            bounds.extend_from_slice(cuts);
            bounds.push(shape.len());
            let mut joined: Option<RowIngester> = None;
            for w in bounds.windows(2) {
                let options = IngestOptions {
                    first_row: w[0],
                    ..IngestOptions::default()
                };
                let mut piece = RowIngester::new(&options);
                for i in w[0]..w[1] {
                    let mut cells = RawCells::default();
                    fill(i, &mut cells);
                    piece.push(cells);
                }
                match &mut joined {
                    None => joined = Some(piece),
                    Some(j) => j.append(piece),
                }
            }
            joined.expect("one piece at least").finish()
        };
        for a in 0..=shape.len() {
            for b in a..=shape.len() {
                let split = pieces(&[a, b]);
                assert_eq!(split.transactions, whole.transactions, "cut at {a}, {b}");
                assert_eq!(split.source_rows, whole.source_rows);
                assert_eq!(split.report, whole.report, "cut at {a}, {b}");
                assert_eq!(split.malformed, whole.malformed);
                assert_eq!(split.account_id, whole.account_id, "cut at {a}, {b}");
                assert_eq!(split.rows_read, whole.rows_read);
            }
        }
    }
}

/// A large batch typed in pieces at once, each written into its place, is typed as pushing its
/// rows one by one: rows with no transaction anywhere (at the cuts too, and after rows already
/// there), unknown keys, and a second account in a later piece.
#[test]
fn rows_typed_in_pieces_in_place_are_typed_as_pushed_one_by_one() {
    use bankfeeds::ingest::{IngestOptions, Ingested, RawCells, RawField, RowIngester};
    const N: usize = 150_000;
    let ids: Vec<String> = (0..N).map(|i| format!("t{i}")).collect();
    // Rows near every cut of 2, 3 or 4 pieces, and one row in 997, have no transaction.
    let near_cut = |i: usize| {
        [N / 4, N / 3, N / 2, 2 * N / 3, 3 * N / 4]
            .iter()
            .any(|&c| i + 300 >= c && i < c + 300)
    };
    let cells = |i: usize| {
        let mut cells = RawCells::default();
        if i % 1_999 != 5 {
            cells.set_value(RawField::Id, RawValue::Text(ids[i].clone()));
        }
        cells.set_value(RawField::Date, RawValue::Date(day(2024, 5, 1)));
        let amount = if i.is_multiple_of(997) || near_cut(i) {
            "x"
        } else {
            "1.25"
        };
        cells.set_value(RawField::Amount, RawValue::Text(amount.into()));
        let account = if i == 120_000 { "acc-b" } else { "acc-a" };
        cells.set_value(RawField::AccountId, RawValue::Text(account.into()));
        if i % 50_000 == 3 {
            cells.push_unknown(format!("memo{}", i / 50_000));
        }
        cells
    };
    for already in [0, 10] {
        let options = IngestOptions {
            first_row: 2,
            ..IngestOptions::default()
        };
        let one_by_one = {
            let mut ingester = RowIngester::new(&options);
            for i in 0..N {
                ingester.push(cells(i));
            }
            ingester.finish()
        };
        let in_pieces: Ingested = {
            let mut ingester = RowIngester::new(&options);
            for i in 0..already {
                ingester.push(cells(i));
            }
            ingester.push_in_pieces(already..N, cells);
            ingester.finish()
        };
        assert!(one_by_one.transactions.len() < N - 1_000);
        assert_eq!(
            in_pieces.transactions, one_by_one.transactions,
            "{already} rows before"
        );
        assert_eq!(in_pieces.source_rows, one_by_one.source_rows);
        assert_eq!(in_pieces.report, one_by_one.report);
        assert_eq!(in_pieces.malformed, one_by_one.malformed);
        assert_eq!(in_pieces.account_id, one_by_one.account_id);
        assert_eq!(in_pieces.rows_read, N);
        assert_eq!(
            one_by_one.report.with_code(Code::MultipleAccounts).count(),
            1
        );
    }
}
