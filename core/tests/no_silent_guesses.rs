//! Input that could only be read by guessing is refused with a finding that names what and
//! where: repeated or aliased columns and keys, ids with untrimmed ends or control characters.
//! Findings carry the real CSV line, quote at most a bounded excerpt of any input, and push
//! bodies stay within the byte limit whatever the text.

use bankfeeds::batch::{self, MAX_PUSH_BODY_BYTES};
use bankfeeds::ingest::{self, InputFormat, RawTransaction, RawValue};
use bankfeeds::model::{BankTransaction, CreateBankTransactions};
use bankfeeds::normalise::ChangeKind;
use bankfeeds::pipeline::{PrepareOptions, Prepared, prepare, prepare_file};
use bankfeeds::rules::Platform;
use bankfeeds::text::MAX_ECHO_CHARS;
use bankfeeds::validate::{Code, Field, Issue, ValidationContext, validate, validate_push};
use chrono::NaiveDate;
use rust_decimal_macros::dec;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

fn file(platform: Platform, text: &str) -> Prepared {
    prepare_file(
        text.as_bytes(),
        InputFormat::Auto,
        &PrepareOptions::new(platform, today()),
    )
}

fn errors(p: &Prepared) -> Vec<&Issue> {
    p.report.errors().collect()
}

/// The one finding that stops a file from being read at all (no row).
fn unreadable(p: &Prepared) -> &Issue {
    let found: Vec<&Issue> = p
        .report
        .issues
        .iter()
        .filter(|i| i.code == Code::MalformedInput && i.row.is_none())
        .collect();
    assert_eq!(found.len(), 1, "{}", p.report);
    found[0]
}

#[test]
fn a_csv_with_two_columns_for_one_field_is_refused_naming_both() {
    for (header, field, first, second) in [
        (
            "id,date,amount,amount",
            "amount",
            "column 3 `amount`",
            "column 4 `amount`",
        ),
        (
            "id,date,Transaction Date,amount",
            "date",
            "column 2 `date`",
            "column 3 `Transaction Date`",
        ),
        (
            "id,date,amount,status,Pending",
            "status",
            "column 4 `status`",
            "column 5 `Pending`",
        ),
        (
            "ID,date,transaction_id,amount",
            "id",
            "column 1 `ID`",
            "column 3 `transaction_id`",
        ),
    ] {
        let text = format!("{header}\nt1,2024-05-01,1.00,2.00,x\n");
        let p = file(Platform::Generic, &text);
        assert!(p.transactions.is_empty(), "{header}");
        assert!(!p.is_valid(), "{header}");
        let issue = unreadable(&p);
        assert_eq!(issue.line, Some(1), "{header}");
        for part in [field, first, second] {
            assert!(issue.message.contains(part), "{header}: {}", issue.message);
        }
    }
}

#[test]
fn a_json_file_with_two_transactions_keys_is_refused_not_read_as_nothing() {
    let text = r#"{"accountId":"acc","transactions":[{"id":"t1","date":"2024-05-01","amount":1}],
        "transactions":[]}"#;
    let p = file(Platform::Generic, text);
    let issue = unreadable(&p);
    assert!(
        issue.message.contains("`transactions` twice") && issue.message.contains("line 2"),
        "{}",
        issue.message
    );
    assert!(!p.is_valid());
    let p = file(
        Platform::Generic,
        r#"{"accountId":"a","accountId":"b","transactions":[]}"#,
    );
    assert!(unreadable(&p).message.contains("`accountId` twice"));
    // A key a push body does not have is said, not dropped in silence.
    let p = file(
        Platform::Generic,
        r#"{"accountid":"a","transactions":[{"id":"t1","date":"2024-05-01","amount":1}]}"#,
    );
    let unknown: Vec<_> = p.report.with_code(Code::UnknownColumn).collect();
    assert_eq!(unknown.len(), 1, "{}", p.report);
    assert_eq!(unknown[0].found.as_deref(), Some("accountid"));
}

#[test]
fn a_json_row_with_two_keys_for_one_field_is_an_error_naming_the_key_and_row() {
    let text = r#"[
        {"id":"t1","date":"2024-05-01","amount":1.00},
        {"id":"t2","date":"2024-05-02","Transaction Date":"2024-05-03","amount":2.00},
        {"id":"t3","date":"2024-05-04","amount":3.00,"amount":4.00}
    ]"#;
    let p = file(Platform::Generic, text);
    let errors = errors(&p);
    assert_eq!(errors.len(), 2, "{}", p.report);
    assert_eq!(
        (errors[0].code, errors[0].row, errors[0].field),
        (Code::MalformedInput, Some(1), Some(Field::Date))
    );
    assert_eq!(errors[0].found.as_deref(), Some("Transaction Date"));
    assert!(
        errors[0].message.contains("`Transaction Date`"),
        "{}",
        errors[0].message
    );
    assert_eq!(
        (errors[1].row, errors[1].field, errors[1].found.as_deref()),
        (Some(2), Some(Field::Amount), Some("amount"))
    );
    assert!(!p.is_valid());
}

#[test]
fn rows_from_other_languages_follow_the_same_rule() {
    // What a binding does with a dict or a JavaScript object: one key at a time through the
    // core's table of names, so two spellings of one field are found here too.
    let mut row = RawTransaction::default();
    for (key, value) in [
        ("id", "t1"),
        ("date", "2024-05-01"),
        ("amount", "1.00"),
        ("Running Balance", "1.00"),
        ("balance", "2.00"),
    ] {
        row.set(key, RawValue::Text(value.into()));
    }
    let p = prepare(vec![row], &PrepareOptions::new(Platform::Generic, today()));
    let errors = errors(&p);
    assert_eq!(errors.len(), 1, "{}", p.report);
    assert_eq!(
        (errors[0].code, errors[0].field, errors[0].found.as_deref()),
        (Code::MalformedInput, Some(Field::Balance), Some("balance"))
    );
    // Columns read by position (Arrow) name no key, and are still caught.
    let mut row = RawTransaction::default();
    row.set_field(ingest::RawField::Amount, RawValue::Text("1".into()));
    row.set_field(ingest::RawField::Amount, RawValue::Text("2".into()));
    assert_eq!(row.repeated.len(), 1);
}

#[test]
fn csv_findings_carry_the_line_the_row_is_on() {
    // Blank lines and a description with a line break inside its quotes: rows 0, 1, 2 start on
    // lines 2, 4 and 7.
    let text = "id,date,description,amount\n\
                t1,2024-05-01,ok,1.00\n\
                \n\
                t2,2024-05-02,\"two\nlines\",2x\n\
                ,,,\n\
                t3,2024-13-01,x,3.00\n";
    let batch = ingest::read_csv(text);
    assert_eq!(batch.lines, [2, 4, 7]);
    let p = file(Platform::Generic, text);
    let located: Vec<(Option<usize>, Option<usize>, Code)> =
        p.report.errors().map(|i| (i.row, i.line, i.code)).collect();
    assert_eq!(
        located,
        [
            (Some(1), Some(4), Code::InvalidNumber),
            (Some(2), Some(7), Code::InvalidDate)
        ]
    );
    let shown = p.report.errors().nth(1).unwrap().to_string();
    assert!(shown.contains("line 7 row 2"), "{shown}");
    // Blank lines before the header, and CRLF line ends.
    let text = "\n\nid,date,amount,memo\r\n\r\nt1,2024-05-01,x,\r\n";
    let p = file(Platform::Generic, text);
    let lines: Vec<(Code, Option<usize>)> = p
        .report
        .issues
        .iter()
        .filter(|i| i.code != Code::EmptyBatch)
        .map(|i| (i.code, i.line))
        .collect();
    assert_eq!(
        lines,
        [
            (Code::UnknownColumn, Some(3)),
            (Code::InvalidNumber, Some(5))
        ]
    );
    // Old Mac line ends (a lone carriage return) end lines too, as they end records.
    let batch = ingest::read_csv("id,date,amount\rt1,2024-05-01,1\r\rt2,2024-05-01,2\r\n");
    assert_eq!(batch.lines, [2, 4]);
    // JSON has no lines to give: findings name rows only.
    let p = file(
        Platform::Generic,
        r#"[{"id":"t1","date":"2024-05-01","amount":"x"}]"#,
    );
    assert_eq!(p.report.errors().next().unwrap().line, None);
}

#[test]
fn ids_with_untrimmed_ends_or_control_characters_are_not_pushed_as_they_are() {
    let tx = |id: &str| BankTransaction::new(id, "2024-05-01".parse().unwrap(), dec!(1.00));
    // Validation as given flags both.
    let txs = vec![tx(" t1 "), tx("t1"), tx("t\u{0}2"), tx("t3\u{1b}[31m")];
    let report = validate(&txs, &ValidationContext::new(Platform::Generic, today()));
    let flagged: Vec<(Option<usize>, Code, Option<Field>)> =
        report.errors().map(|i| (i.row, i.code, i.field)).collect();
    assert_eq!(
        flagged,
        [
            (Some(0), Code::InvalidValue, Some(Field::Id)),
            (Some(2), Code::InvalidValue, Some(Field::Id)),
            (Some(3), Code::InvalidValue, Some(Field::Id)),
        ],
        "{report}"
    );
    assert!(report.issues[1].message.contains("U+0000"), "{report}");
    // Normalisation trims, says so, and then sees " t1 " and "t1" are one transaction.
    let p = file(
        Platform::Generic,
        "id,date,amount\n t1 ,2024-05-01,1.00\nt1,2024-05-01,1.00\n",
    );
    let trimmed: Vec<_> = p
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Trimmed && c.field == Some(Field::Id))
        .collect();
    assert_eq!(trimmed.len(), 1, "{:?}", p.changes);
    assert_eq!(
        (trimmed[0].before.as_deref(), trimmed[0].after.as_deref()),
        (Some(" t1 "), Some("t1"))
    );
    assert_eq!(p.transactions.len(), 1, "{}", p.report);
    assert_eq!(p.report.with_code(Code::ExactDuplicate).count(), 1);
    // A NUL is not trimmed away: the row is an error.
    let p = file(
        Platform::Generic,
        "id,date,amount\nt\u{0}1,2024-05-01,1.00\n",
    );
    assert!(!p.is_valid());
    // The account a push body names follows the same rule.
    let body = CreateBankTransactions {
        account_id: "acc-1 ".into(),
        transactions: vec![tx("t1")],
    };
    let report = validate_push(&body, &ValidationContext::new(Platform::Generic, today()));
    assert_eq!(
        report.errors().next().map(|i| (i.code, i.field)),
        Some((Code::InvalidValue, Some(Field::AccountId)))
    );
}

/// The longest text a finding may quote: the excerpt, its ellipsis and the length.
const QUOTE: usize = MAX_ECHO_CHARS + 40;

fn assert_bounded(p: &Prepared) {
    for issue in &p.report.issues {
        assert!(issue.message.chars().count() <= 1000, "{}", issue.code);
        for quoted in [&issue.id, &issue.found, &issue.expected]
            .into_iter()
            .flatten()
        {
            assert!(quoted.chars().count() <= QUOTE, "{}", issue.code);
        }
    }
    for change in &p.changes {
        for quoted in [&change.id, &change.before, &change.after]
            .into_iter()
            .flatten()
        {
            assert!(quoted.chars().count() <= QUOTE, "{:?}", change.kind);
        }
    }
}

#[test]
fn no_finding_quotes_more_than_an_excerpt_of_the_input() {
    let huge = "h".repeat(5_000_000);
    // A header line without the required columns, a header of many columns.
    let p = file(Platform::Generic, &format!("{huge},date\n1,2\n"));
    assert_bounded(&p);
    let message = &unreadable(&p).message;
    assert!(
        message.contains("… (5000000 characters)"),
        "{}",
        &message[..300]
    );
    let many: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let p = file(Platform::Generic, &format!("{}\n", many.join(",")));
    assert_bounded(&p);
    assert!(unreadable(&p).message.contains("and 9980 more"));
    // An unknown column, an id, a type, a status, a description trimmed, an amount, a date.
    let text = format!(
        "id,date,amount,transactionType,{huge}\n{huge},2024-05-01,1,{huge},x\n\
         t2,2024-05-01,{huge},Credit,x\nt3,{huge},1,Credit,x\n"
    );
    let p = file(Platform::Generic, &text);
    assert_bounded(&p);
    assert!(p.report.issues.len() >= 4, "{}", p.report);
    // Quoted once, with the length of the input (not of a quotation of it).
    let date = p.report.with_code(Code::InvalidDate).next().unwrap();
    assert!(
        date.found
            .as_deref()
            .unwrap()
            .ends_with("h… (5000000 characters)"),
        "{:?}",
        date.found
    );
    let id = p
        .report
        .issues
        .iter()
        .find_map(|i| i.id.as_deref())
        .unwrap();
    assert!(id.ends_with("… (5000000 characters)"), "{id}");
    let text = format!("id,date,amount,status,description\nt1,2024-05-01,1,{huge},\" {huge} \"\n");
    let p = file(Platform::Generic, &text);
    assert_bounded(&p);
    // JSON: a string where the list should be, a string where the file should be.
    let p = file(
        Platform::Generic,
        &format!(r#"{{"accountId":"a","transactions":"{huge}"}}"#),
    );
    assert_bounded(&p);
    assert!(
        unreadable(&p).message.contains("must be a list, not text"),
        "{}",
        unreadable(&p).message
    );
    let p = prepare_file(
        format!("\"{huge}\"").as_bytes(),
        InputFormat::Json,
        &PrepareOptions::new(Platform::Generic, today()),
    );
    assert_bounded(&p);
    // A row with a long id repeated: the duplicate findings quote an excerpt.
    let p = file(
        Platform::Generic,
        &format!("id,date,amount\n{huge},2024-05-01,1\n{huge},2024-05-01,2\n"),
    );
    assert_bounded(&p);
    assert!(p.report.with_code(Code::ConflictingDuplicate).count() == 1);
}

#[test]
fn long_text_goes_in_several_pushes_each_within_the_byte_limit() {
    // Xero takes 1000 transactions a push and descriptions of 2000 characters: 1000 such rows
    // validate, and are pushed in more than one body, each under the limit.
    let mut text = String::from("id,date,description,amount,balance\n");
    let mut balance = dec!(0);
    for i in 0..1000 {
        balance += dec!(1.00);
        text.push_str(&format!(
            "t{i:04},2024-05-01,{},1.00,{balance}\n",
            "d".repeat(2000)
        ));
    }
    let p = file(Platform::Xero, &text);
    assert!(p.is_valid(), "{}", p.report);
    let batches = p.batches().count();
    assert!(batches >= 2, "{batches} batch(es)");
    let bodies = p.push_bodies("acc-001");
    assert_eq!(bodies.len(), batches);
    assert_eq!(
        bodies.iter().map(|b| b.transactions.len()).sum::<usize>(),
        1000
    );
    for body in &bodies {
        assert!(serde_json::to_vec(body).unwrap().len() <= MAX_PUSH_BODY_BYTES);
    }
    // One transaction larger than any body cannot be pushed at all: an error before anything
    // is sent.
    let big = BankTransaction::new("big", "2024-05-01".parse().unwrap(), dec!(1.00))
        .with_description("x".repeat(MAX_PUSH_BODY_BYTES));
    assert!(batch::too_large_alone(&big).is_some());
    let report = validate(&[big], &ValidationContext::new(Platform::Generic, today()));
    assert_eq!(
        report.errors().next().map(|i| (i.code, i.row)),
        Some((Code::BatchTooLarge, Some(0)))
    );
}
