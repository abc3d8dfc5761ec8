//! Streaming a file gives what reading it whole gives: the same findings in the same order, the
//! same changes, the same counts and the same push bodies, on generated files with errors on the
//! first and last rows, repeats far apart, broken balance chains, blank lines and bad cells; CSV
//! files and JSON files (push bodies and arrays, whole or broken), and balances computed from
//! either end of the chain.

use std::collections::BTreeMap;

use bankfeeds::ingest::InputFormat;
use bankfeeds::model::CreateBankTransactions;
use bankfeeds::normalise::{BalanceFill, Change, ChangeKind, OmittedChanges};
use bankfeeds::pipeline::{PrepareOptions, Prepared, prepare_file};
use bankfeeds::rules::Platform;
use bankfeeds::stream::{InMemory, prepare_path, prepare_path_spooling};
use bankfeeds::validate::ValidationReport;
use proptest::prelude::*;
use rust_decimal::Decimal;

mod listed;
use listed::{TempFile, listed_report};

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

/// What a streamed file lists of the whole file's findings and changes, `max` of each code and
/// kind: the first ones, in the whole file's order, and the counts of the rest (by code and
/// severity, and by kind, in their orders), worked out here independently of the core's lists.
fn listed(
    whole: &Prepared,
    max: Option<usize>,
) -> (ValidationReport, Vec<Change>, Vec<OmittedChanges>) {
    let report = listed_report(&whole.report, max);
    let max = max.unwrap_or(usize::MAX);
    let mut changes = Vec::new();
    let mut left: BTreeMap<ChangeKind, usize> = BTreeMap::new();
    for change in &whole.changes {
        if changes
            .iter()
            .filter(|c: &&Change| c.kind == change.kind)
            .count()
            < max
        {
            changes.push(change.clone());
        } else {
            *left.entry(change.kind).or_default() += 1;
        }
    }
    let left = left
        .into_iter()
        .map(|(kind, count)| OmittedChanges { kind, count })
        .collect();
    (report, changes, left)
}

/// Streams and reads whole; asserts they agree (the stream listing the first
/// `options.max_listed` findings of each code and changes of each kind, counting the rest) and
/// gives why the stream held rows, if it did.
fn agree(text: &str, options: &PrepareOptions) -> Option<InMemory> {
    let file = TempFile::new(text);
    let streamed = prepare_path(&file.0, InputFormat::Auto, options).unwrap();
    let whole = prepare_file(text.as_bytes(), InputFormat::Auto, options);
    let (report, changes, changes_omitted) = listed(&whole, options.max_listed);
    assert_eq!(streamed.report, report, "findings differ for\n{text}");
    assert_eq!(
        streamed.report.error_count(),
        whole.report.error_count(),
        "errors differ for\n{text}"
    );
    assert_eq!(
        streamed.report.warning_count(),
        whole.report.warning_count()
    );
    assert_eq!(streamed.is_valid(), whole.is_valid());
    assert_eq!(streamed.changes, changes, "changes differ for\n{text}");
    assert_eq!(streamed.changes_omitted, changes_omitted);
    assert_eq!(streamed.rows_read, whole.rows_read);
    assert_eq!(streamed.transactions, whole.transactions.len());
    assert_eq!(streamed.batches, whole.batches().count());
    assert_eq!(streamed.batch_size, whole.batch_size);
    assert_eq!(streamed.account_id, whole.account_id);
    let mut bodies = Vec::new();
    streamed
        .write_bodies::<std::io::Error>(&file.0, options, "acc-1", |b| {
            bodies.push(b);
            Ok(())
        })
        .unwrap();
    // As written: decimals equal in value may differ in their places.
    let written = |b: &[bankfeeds::model::CreateBankTransactions]| {
        b.iter().map(|b| b.to_json()).collect::<Vec<_>>()
    };
    assert_eq!(
        written(&bodies),
        written(&whole.push_bodies("acc-1")),
        "bodies differ for\n{text}"
    );
    spooled_bodies_agree(&file, text, options, &streamed, &written(&bodies));
    streamed.in_memory
}

/// Spooling the bodies as the file is read finds what [`prepare_path`] finds, and when it says
/// the spooled bodies are the file's, they are the bodies written after a second reading, byte
/// for byte; it says so whenever the file streamed and has rows to push.
fn spooled_bodies_agree(
    file: &TempFile,
    text: &str,
    options: &PrepareOptions,
    streamed: &bankfeeds::stream::Streamed,
    bodies: &[Vec<u8>],
) {
    let mut arrays = Vec::new();
    let (again, spooled) =
        prepare_path_spooling(&file.0, InputFormat::Auto, options, |array, count| {
            let parsed: Vec<bankfeeds::model::BankTransaction> =
                serde_json::from_slice(array).unwrap();
            assert_eq!(parsed.len(), count);
            arrays.push(array.to_vec());
            Ok(())
        })
        .unwrap();
    assert_eq!(again.report, streamed.report, "for\n{text}");
    assert_eq!(again.changes, streamed.changes);
    assert_eq!(again.in_memory, streamed.in_memory);
    assert_eq!(again.batches, streamed.batches);
    assert!(spooled.error().is_none());
    if streamed.in_memory.is_none() && streamed.transactions > 0 {
        assert!(spooled.bodies_for("acc-1"), "not spooled for\n{text}");
    }
    if spooled.bodies_for("acc-1") {
        let around: Vec<Vec<u8>> = arrays
            .iter()
            .map(|array| {
                let mut body = Vec::new();
                CreateBankTransactions::write_json_around("acc-1", array, &mut body);
                body
            })
            .collect();
        assert_eq!(around, bodies, "spooled bodies differ for\n{text}");
    } else {
        assert!(streamed.in_memory.is_some() || streamed.transactions == 0);
    }
}

#[derive(Debug, Clone)]
struct Row {
    id: u8,
    day: u8,
    cents: i32,
    balance: Option<i32>,
    description: &'static str,
    bad: u8,
    /// Decimal places of the amount.
    places: u32,
}

fn row() -> impl Strategy<Value = Row> {
    (
        0u8..40,
        0u8..3,
        -5000i32..5000,
        prop::option::weighted(0.8, -1000i32..1000),
        prop::sample::select(vec!["Coffee", " Rent ", "", "Salary", "Café ☕"]),
        0u8..30,
        prop::sample::select(vec![2u32, 2, 2, 0, 1, 3]),
    )
        .prop_map(|(id, day, cents, balance, description, bad, places)| Row {
            id,
            day,
            cents,
            balance,
            description,
            bad,
            places,
        })
}

impl Row {
    fn amount(&self) -> Decimal {
        let mut amount = Decimal::new(i64::from(self.cents), 2);
        amount.rescale(self.places);
        amount
    }
}

/// A CSV of the rows: days advance by `day` (0 keeps the date), balances follow the chain
/// unless the row's `balance` offset breaks it; a few cells are bad.
fn csv(rows: &[Row], chain: bool, repeat_every: usize) -> String {
    let mut out = String::from("id,date,description,amount,balance,type\n");
    let mut date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut balance = Decimal::ZERO;
    let mut lines = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        date = date + chrono::Days::new(u64::from(r.day));
        let amount = r.amount();
        balance += amount;
        let shown = match (chain, r.balance) {
            (_, None) => String::new(),
            (true, Some(off)) if off.abs() < 900 => balance.to_string(),
            (_, Some(off)) => (balance + Decimal::new(i64::from(off), 2)).to_string(),
        };
        let id = format!("t{}", if r.id < 30 { i } else { usize::from(r.id) });
        let (amount, date_text) = match r.bad {
            0 => ("12,30".to_owned(), date.to_string()),
            1 => (amount.to_string(), "2024-02-30".to_owned()),
            2 => (amount.to_string(), String::new()),
            _ => (amount.to_string(), date.to_string()),
        };
        let kind = if r.bad == 3 { "Debit" } else { "" };
        let line = format!(
            "{id},{date_text},{},{amount},{shown},{kind}\n",
            r.description
        );
        if r.bad == 4 {
            lines.push("\n".to_owned());
        }
        lines.push(line.clone());
        if repeat_every > 0 && i % repeat_every == repeat_every - 1 {
            // An exact repeat of an earlier row, far from it.
            lines.push(lines[lines.len() / 3].clone());
        }
    }
    for l in lines {
        out.push_str(&l);
    }
    out
}

/// How a JSON file of the rows is broken, if it is.
#[derive(Debug, Clone, Copy)]
enum Broken {
    Not,
    /// Cut short, this many thousandths in.
    Cut(u16),
    /// A stray character this many thousandths in.
    Stray(u16, char),
}

fn broken() -> impl Strategy<Value = Broken> {
    prop_oneof![
        6 => Just(Broken::Not),
        1 => (0u16..1000).prop_map(Broken::Cut),
        1 => (0u16..1000, prop::sample::select(vec![',', '}', ']', '"', 'x', '{', '['])).prop_map(|(at, c)| Broken::Stray(at, c)),
    ]
}

/// A JSON file of the rows: an array (`shape` 0), a push body (1), a push body with its keys in
/// another order and one it does not know (2), or something that is not a list of rows (3);
/// amounts as numbers or text, a few elements that are not objects, a few bad values.
fn json(rows: &[Row], chain: bool, repeat_every: usize, shape: u8, broken: Broken) -> String {
    let mut elements: Vec<String> = Vec::new();
    let mut date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut balance = Decimal::ZERO;
    for (i, r) in rows.iter().enumerate() {
        date = date + chrono::Days::new(u64::from(r.day));
        let amount = r.amount();
        balance += amount;
        let shown = match (chain, r.balance) {
            (_, None) => "null".to_owned(),
            (true, Some(off)) if off.abs() < 900 => balance.to_string(),
            (_, Some(off)) => format!("\"{}\"", balance + Decimal::new(i64::from(off), 2)),
        };
        let id = format!("t{}", if r.id < 30 { i } else { usize::from(r.id) });
        let element = match r.bad {
            0 => r#"7"#.to_owned(),
            1 => format!(r#"{{"id": "{id}", "date": "2024-02-30", "amount": "{amount}"}}"#),
            2 => format!(
                r#"{{"id": {}, "date": "{date}", "amount": true, "memo": [1]}}"#,
                r.cents
            ),
            3 => format!(
                r#"{{"id": "{id}", "date": "{date}", "amount": {amount}, "transactionType": "Debit", "accountId": "acc-{}"}}"#,
                r.cents % 2
            ),
            4 => "null".to_owned(),
            _ => format!(
                r#"{{"id": "{id}", "date": "{date}T10:00:00", "description": "{}", "amount": {amount}, "balance": {shown}}}"#,
                r.description
            ),
        };
        elements.push(element.clone());
        if repeat_every > 0 && i % repeat_every == repeat_every - 1 {
            elements.push(elements[elements.len() / 3].clone());
        }
    }
    let list = format!("[\n  {}\n]", elements.join(",\n  "));
    let text = match shape {
        0 => list,
        1 => format!(r#"{{"accountId": "acc-7", "transactions": {list}}}"#),
        2 => format!(
            r#"{{"memo": {{"a": 1}}, "transactions": {list}, "accountId": null, "memo": 2}}"#
        ),
        _ => r#"{"accountId": "acc-7", "transactions": {"id": "t1"}}"#.to_owned(),
    };
    let at = |thousandths: u16| {
        let mut at = text.len() * usize::from(thousandths) / 1000;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match broken {
        Broken::Not => text,
        Broken::Cut(t) => text[..at(t)].to_owned(),
        Broken::Stray(t, c) => {
            let at = at(t);
            format!("{}{c}{}", &text[..at], &text[at..])
        }
    }
}

fn options(platform: Platform, fill: u8, dedupe: bool, sort: bool) -> PrepareOptions {
    let mut o = PrepareOptions::new(platform, today());
    o.normalise.dedupe = dedupe;
    o.normalise.sort = sort;
    o.normalise.batch_size = 7;
    o.normalise.balances = match fill {
        1 => BalanceFill::Opening(Decimal::new(10_000, 2)),
        2 => BalanceFill::Closing(Decimal::new(-5, 1)),
        3 => BalanceFill::Closing(Decimal::new(100, 0)),
        4 => BalanceFill::Closing(Decimal::new(12_345, 3)),
        _ => BalanceFill::Keep,
    };
    o
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn streaming_agrees_with_reading_whole(
        rows in prop::collection::vec(row(), 0..60),
        chain in any::<bool>(),
        repeat_every in 0usize..12,
        platform in prop::sample::select(vec![Platform::Generic, Platform::Xero, Platform::QuickBooksOnline]),
        fill in 0u8..5,
        dedupe in any::<bool>(),
        sort in any::<bool>(),
        max_listed in prop::option::weighted(0.7, 0usize..4),
    ) {
        let mut o = options(platform, fill, dedupe, sort);
        o.max_listed = max_listed;
        agree(&csv(&rows, chain, repeat_every), &o);
    }

    #[test]
    fn streaming_json_agrees_with_reading_whole(
        rows in prop::collection::vec(row(), 0..60),
        chain in any::<bool>(),
        repeat_every in 0usize..12,
        shape in prop::sample::select(vec![0u8, 0, 1, 1, 2, 3]),
        broken in broken(),
        platform in prop::sample::select(vec![Platform::Generic, Platform::Xero, Platform::QuickBooksOnline]),
        fill in 0u8..5,
        dedupe in any::<bool>(),
        sort in any::<bool>(),
        max_listed in prop::option::weighted(0.7, 0usize..4),
    ) {
        let text = json(&rows, chain, repeat_every, shape, broken);
        let mut o = options(platform, fill, dedupe, sort);
        o.max_listed = max_listed;
        let why = agree(&text, &o);
        prop_assert!(why.is_none() || why == Some(InMemory::Unsorted), "{why:?}");
        // validate: every normalisation off.
        let mut v = PrepareOptions::validate_only(o.context.clone());
        v.max_listed = max_listed;
        prop_assert_eq!(agree(&text, &v), None);
    }
}

#[test]
fn errors_on_the_first_and_last_rows_and_repeats_far_apart_stream() {
    let mut text = String::from("id,date,description,amount,balance\n");
    text.push_str("t0,2024-01-01,First,x1,\n");
    let mut balance = Decimal::ZERO;
    for i in 1..3000 {
        let amount = Decimal::new(i64::from(i % 97) - 40, 2);
        balance += amount;
        text.push_str(&format!(
            "t{i},2024-01-{:02},Row {i},{amount},{balance}\n",
            1 + i / 200
        ));
    }
    // A repeat of row 5, 2995 rows later; a conflicting one of row 7; a broken chain; a bad date
    // on the last row.
    text.push_str("t5,2024-01-16,Row 5,-0.35,0.00\n");
    text.push_str("t7,2024-01-16,Other,1.00,1.00\n");
    text.push_str("t9999,2024-01-16,Last,1.00,5.00\n");
    text.push_str("t10000,2024-13-16,Last,1.00,6.00\n");
    let o = options(Platform::Xero, 0, true, true);
    assert_eq!(agree(&text, &o), None);
    let whole = prepare_file(text.as_bytes(), InputFormat::Auto, &o);
    let codes: Vec<&str> = whole
        .report
        .issues
        .iter()
        .map(|i| i.code.as_str())
        .collect();
    for code in [
        "invalid_number",
        "conflicting_duplicate",
        "balance_mismatch",
        "invalid_date",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
}

#[test]
fn sorting_and_closing_balances_say_they_held_the_rows() {
    let text = "id,date,amount\nb,2024-05-02,1.00\na,2024-05-01,2.00\n";
    let o = options(Platform::Generic, 0, true, true);
    assert_eq!(agree(text, &o), Some(InMemory::Unsorted));
    let sorted = "id,date,amount\na,2024-05-01,2.00\nb,2024-05-02,1.00\n";
    assert_eq!(agree(sorted, &o), None);
    // A closing balance streams (in more readings), unless the sums near a decimal's limits.
    assert_eq!(
        agree(sorted, &options(Platform::Generic, 2, true, true)),
        None
    );
    let huge = "id,date,amount\na,2024-05-01,2.00\nb,2024-05-02,99999999999999999999999999.00\n";
    assert_eq!(
        agree(huge, &options(Platform::Generic, 2, true, true)),
        Some(InMemory::ClosingBalance)
    );
    assert_eq!(
        agree(text, &options(Platform::Generic, 0, true, false)),
        None
    );
}

#[test]
fn unreadable_files_agree() {
    for text in [
        "",
        "\u{feff}\u{feff}id,date,amount\r\nt1,2024-05-01,1\r\r\nt2,2024-05-02,2",
        "id,date\nt1,2024-05-01\n",
        "id,date,amount,amount\n",
        "id,date,amount\n\"t1,2024-05-01,1\n",
        "id,date,amount,memo\nt1,2024-05-01,1,x,y\n",
        "  [{\"id\":\"a\",\"date\":\"2024-05-01\",\"amount\":1}]",
    ] {
        agree(text, &options(Platform::Generic, 0, true, true));
    }
    let file = TempFile::new("x");
    std::fs::write(&file.0, b"id,date,amount\nt1,2024-05-01,\xff\n").unwrap();
    let o = options(Platform::Generic, 0, true, true);
    let streamed = prepare_path(&file.0, InputFormat::Auto, &o).unwrap();
    let whole = prepare_file(
        b"id,date,amount\nt1,2024-05-01,\xff\n",
        InputFormat::Auto,
        &o,
    );
    assert_eq!(streamed.report, whole.report);
}

/// A file's readability is told without reading its rows (`stream::readable`, what
/// `bankfeeds push` checks before any request): the same finding reading it whole gives.
#[test]
fn readable_says_what_reading_the_file_whole_says() {
    let long_header = format!(
        "id,date,amount,{}\nt1,2024-05-01,1,x\n",
        "memo".repeat(40_000)
    );
    let texts: Vec<Vec<u8>> = [
        "",
        "\n\n",
        "\u{feff}\u{feff}id,date,amount\r\nt1,2024-05-01,1\r\r\nt2,2024-05-02,2",
        "\u{feff}\u{feff}\u{feff}id,date,amount\nt1,2024-05-01,1\n",
        "id,date\nt1,2024-05-01\n",
        "id,date",
        "id,date,amount,amount\n",
        "id,Date,amount,DATE\nt1,2024-05-01,1,2024-05-01\n",
        "id,date,amount\n\"t1,2024-05-01,1\n",
        "id,date,amount,memo\nt1,2024-05-01,1,x,y\n",
        "id,date,amount\nt1,not a date,lots\n",
        &long_header,
        "  [{\"id\":\"a\",\"date\":\"2024-05-01\",\"amount\":1}]",
        "[{\"id\":\"a\",\"date\":\"2024-05-01\",\"amount\":1},",
        "{\"accountId\": \"acc-1\"}",
        "{\"accountId\": \"acc-1\", \"transactions\": [{\"id\": 1}]}",
        "[1, 2",
    ]
    .iter()
    .map(|t| t.as_bytes().to_vec())
    .chain([
        b"id,date,amount\nt1,2024-05-01,\xff\n".to_vec(),
        b"\xef\xbb\xbf[{\"id\": \"\xff\"}]".to_vec(),
    ])
    .collect();
    let context = bankfeeds::validate::ValidationContext::new(Platform::Generic, today());
    let options = PrepareOptions::validate_only(context);
    for bytes in texts {
        let file = TempFile::new("");
        std::fs::write(&file.0, &bytes).unwrap();
        let whole = prepare_file(&bytes, InputFormat::Auto, &options);
        let unreadable = whole
            .report
            .issues
            .iter()
            .find(|i| i.code == bankfeeds::validate::Code::MalformedInput && i.row.is_none());
        let told = bankfeeds::stream::readable(&file.0, InputFormat::Auto).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        match (unreadable, told) {
            (None, Ok(format)) => assert_eq!(format, InputFormat::Auto.detect(&bytes), "{text}"),
            (Some(whole), Err(told)) => assert_eq!(*whole, told, "{text}"),
            (whole, told) => panic!("{text:?}: whole {whole:?}, told {told:?}"),
        }
    }
}

/// Lines are counted without holding the file: a file much longer than the block of bytes the
/// counter keeps, with every kind of line break and blank lines, names each row's own line
/// (counted here independently, not by the reader both paths share).
#[test]
fn lines_stay_right_across_blocks_and_line_breaks() {
    let mut text = String::from("id,date,description,amount,balance\n");
    let mut line = 2;
    let mut expected = Vec::new();
    for i in 0..6000 {
        let end = ["\n", "\r\n", "\r"][i % 3];
        if i % 101 == 50 {
            // `\r\n` can follow any break without joining it.
            text.push_str("\r\n");
            line += 1;
        }
        let date = if i % 499 == 7 {
            "2024-02-30"
        } else {
            "2024-01-02"
        };
        text.push_str(&format!("t{i},{date},Payment number {i},1.00,{end}"));
        if i % 499 == 7 {
            expected.push((i, line));
        }
        line += 1;
    }
    assert!(text.len() > 3 * (1 << 16));
    for dedupe in [false, true] {
        let o = options(Platform::Generic, 0, dedupe, false);
        assert_eq!(agree(&text, &o), None);
        let file = TempFile::new(&text);
        let streamed = prepare_path(&file.0, InputFormat::Auto, &o).unwrap();
        let found: Vec<(usize, usize)> = streamed
            .report
            .with_code(bankfeeds::validate::Code::InvalidDate)
            .map(|i| (i.row.unwrap(), i.line.unwrap()))
            .collect();
        assert_eq!(found, expected);
    }
}

/// A closing balance given as `text` (`-0.00` is a negative zero).
fn closing(text: &str) -> BalanceFill {
    BalanceFill::Closing(text.parse().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Balances computed backward are written as the backward chain writes them, computed
    /// forward: amounts of zero (which leave a balance as it was written), balances that pass
    /// through zero (from which the next one takes the amount's places), and zeros that are
    /// negative, with amounts of every few places.
    #[test]
    fn closing_balances_stream_digit_for_digit(
        amounts in prop::collection::vec(
            prop::sample::select(vec!["0", "0.00", "0.000", "1", "-1", "1.5", "-1.50", "0.25", "-0.250", "2"]),
            0..40,
        ),
        anchor in prop::sample::select(vec!["0", "-0.00", "0.000", "1.5", "-2", "3.00"]),
        dedupe in any::<bool>(),
    ) {
        let mut text = String::from("id,date,amount\n");
        for (i, a) in amounts.iter().enumerate() {
            text.push_str(&format!("t{},2024-05-{:02},{a}\n", i % 25, 1 + i / 2));
        }
        let mut o = options(Platform::Generic, 0, dedupe, true);
        o.normalise.balances = closing(anchor);
        prop_assert_eq!(agree(&text, &o), None);
    }
}

/// A file read whole after all (rows out of order) is read in the format given, not guessed
/// again: a CSV file whose header starts with `[` stays CSV.
#[test]
fn a_format_given_is_kept_when_the_file_is_read_whole() {
    let text = "[memo,id,date,amount\nx,b,2024-05-02,1.00\nx,a,2024-05-01,2.00\n";
    let file = TempFile::new(text);
    let o = options(Platform::Generic, 0, true, true);
    let streamed = prepare_path(&file.0, InputFormat::Csv, &o).unwrap();
    let whole = prepare_file(text.as_bytes(), InputFormat::Csv, &o);
    assert_eq!(streamed.in_memory, Some(InMemory::Unsorted));
    assert_eq!(streamed.report, whole.report);
    assert_eq!(streamed.transactions, 2);
}

#[test]
fn a_file_changed_before_its_bodies_are_written_is_an_error() {
    let text = "id,date,amount,balance\nt1,2024-05-01,10.00,10.00\nt2,2024-05-02,-2.50,7.50\n";
    let options = PrepareOptions::new(Platform::Generic, today());
    let changed = |edit: &dyn Fn(&std::path::Path)| {
        let file = TempFile::new(text);
        let streamed = prepare_path(&file.0, InputFormat::Auto, &options).unwrap();
        assert_eq!(streamed.in_memory, None);
        edit(&file.0);
        let mut bodies = 0;
        let e = streamed
            .write_bodies::<std::io::Error>(&file.0, &options, "acc-1", |_| {
                bodies += 1;
                Ok(())
            })
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            e.get_ref()
                .and_then(|e| e.downcast_ref::<bankfeeds::stream::FileChanged>())
                .is_some(),
            "{e}"
        );
        assert_eq!(bodies, 0);
    };
    // A row more.
    changed(&|p| {
        let mut more = text.to_owned();
        more.push_str("t3,2024-05-03,1.00,8.50\n");
        std::fs::write(p, more).unwrap();
    });
    // The same size, another amount, an older modification time.
    changed(&|p| {
        std::fs::write(p, text.replace("-2.50,7.50", "-3.50,6.50")).unwrap();
        let file = std::fs::File::options().write(true).open(p).unwrap();
        file.set_modified(std::time::UNIX_EPOCH).unwrap();
    });
    // Gone.
    let file = TempFile::new(text);
    let streamed = prepare_path(&file.0, InputFormat::Auto, &options).unwrap();
    std::fs::remove_file(&file.0).unwrap();
    let e = streamed
        .write_bodies::<std::io::Error>(&file.0, &options, "acc-1", |_| Ok(()))
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{e}");
}

/// A pipe (`/dev/stdin`, a named pipe) can be read only once, and not from an offset: it is
/// read whole, as its text would be, and says so; it used to fail ("Illegal seek"). Its bodies
/// come from the rows held.
#[cfg(unix)]
#[test]
fn a_pipe_is_read_whole() {
    let text = "id,date,amount,balance\nt1,2024-05-01,10.00,10.00\nt2,2024-05-02,-2.50,7.50\n";
    let dir = TempFile::new("");
    let pipe = dir.0.with_extension("pipe.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success());
    let writer = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::write(pipe, text).unwrap())
    };
    let options = PrepareOptions::new(Platform::Generic, today());
    let streamed = prepare_path(&pipe, InputFormat::Auto, &options).unwrap();
    writer.join().unwrap();
    let whole = prepare_file(text.as_bytes(), InputFormat::Csv, &options);
    assert_eq!(streamed.in_memory, Some(InMemory::Pipe));
    assert_eq!(streamed.report, whole.report);
    assert_eq!(streamed.transactions, 2);
    let mut bodies = Vec::new();
    streamed
        .write_bodies::<std::io::Error>(&pipe, &options, "acc-1", |b| {
            bodies.push(b);
            Ok(())
        })
        .unwrap();
    assert_eq!(bodies, whole.push_bodies("acc-1"));
    std::fs::remove_file(&pipe).unwrap();
}

/// A spool that fails stops the spooling, not the reading: the findings are those of a reading
/// without a spool, the spool is not asked again, and the bodies are not the spool's to write.
/// An account id too long for the room the reading kept in each body is not either.
#[test]
fn a_failing_spool_or_a_long_account_id_leaves_the_bodies_to_a_second_reading() {
    let mut text = String::from("id,date,amount,balance\n");
    let mut balance = Decimal::ZERO;
    for i in 0..20 {
        balance += Decimal::new(150, 2);
        text.push_str(&format!("t{i:02},2024-05-{:02},1.50,{balance}\n", 1 + i));
    }
    let file = TempFile::new(&text);
    let mut options = PrepareOptions::new(Platform::Generic, today());
    options.normalise.batch_size = 3;
    let plain = prepare_path(&file.0, InputFormat::Auto, &options).unwrap();
    assert_eq!(plain.batches, 7);

    let mut calls = 0;
    let (streamed, spooled) =
        prepare_path_spooling(&file.0, InputFormat::Auto, &options, |_, _| {
            calls += 1;
            if calls == 2 {
                Err(std::io::Error::other("disk full"))
            } else {
                Ok(())
            }
        })
        .unwrap();
    assert_eq!(calls, 2);
    assert_eq!(
        spooled.error().map(ToString::to_string).as_deref(),
        Some("disk full")
    );
    assert!(!spooled.bodies_for("acc-1"));
    assert_eq!(streamed.report, plain.report);
    assert_eq!((streamed.transactions, streamed.batches), (20, 7));

    let mut counts = Vec::new();
    let (_, spooled) = prepare_path_spooling(&file.0, InputFormat::Auto, &options, |_, n| {
        counts.push(n);
        Ok(())
    })
    .unwrap();
    assert_eq!(counts, [3, 3, 3, 3, 3, 3, 2]);
    assert!(spooled.bodies_for("acc-1"));
    assert!(spooled.bodies_for(&"a".repeat(900)));
    assert!(!spooled.bodies_for(&"a".repeat(1_000)));
}

/// Ids that keep increasing are not looked up in a table until one comes out of order: a repeat
/// after a long run in order, of the row just before or of one far back, exact or not, is found
/// as it is when the ids are out of order from the start.
#[test]
fn repeats_after_ids_in_order_are_found() {
    let row = |id: usize, cents: i64| format!("t{id:04},2024-05-01,{}\n", Decimal::new(cents, 2));
    let cases: [&[(usize, i64)]; 4] = [
        // A long run in order, then an exact repeat far back, a conflicting one, and more.
        &[
            (0, 100),
            (1, 200),
            (2, 300),
            (3, 400),
            (4, 500),
            (1, 200),
            (2, 999),
            (5, 600),
            (6, 700),
        ],
        // The row just before, repeated exactly, then the run goes on.
        &[(0, 100), (1, 200), (1, 200), (2, 300), (3, 400), (0, 100)],
        // In order to the end: nothing repeats.
        &[(0, 100), (1, 200), (2, 300)],
        // Out of order from the start.
        &[(5, 100), (1, 200), (5, 100), (1, 300)],
    ];
    for rows in cases {
        let mut text = String::from("id,date,amount\n");
        for (id, cents) in rows {
            text.push_str(&row(*id, *cents));
        }
        for dedupe in [true, false] {
            let o = options(Platform::Generic, 0, dedupe, false);
            assert_eq!(agree(&text, &o), None, "{text}");
            let streamed = prepare_path(&TempFile::new(&text).0, InputFormat::Auto, &o).unwrap();
            let whole = prepare_file(text.as_bytes(), InputFormat::Auto, &o);
            assert_eq!(streamed.transactions, whole.transactions.len(), "{text}");
        }
    }
    // The first case drops one exact repeat and reports one conflict.
    let mut text = String::from("id,date,amount\n");
    for (id, cents) in cases[0] {
        text.push_str(&row(*id, *cents));
    }
    let o = options(Platform::Generic, 0, true, false);
    let streamed = prepare_path(&TempFile::new(&text).0, InputFormat::Auto, &o).unwrap();
    assert_eq!(streamed.transactions, 8);
    let codes: Vec<_> = streamed.report.issues.iter().map(|i| i.code).collect();
    assert!(
        codes.contains(&bankfeeds::validate::Code::ExactDuplicate),
        "{codes:?}"
    );
    assert!(
        codes.contains(&bankfeeds::validate::Code::ConflictingDuplicate),
        "{codes:?}"
    );
}
