//! A CSV file fed to `stream::CsvChecker` in chunks split anywhere gives what
//! `pipeline::validate_file` gives for the whole file: the same findings (codes, rows, ids,
//! fields, lines, messages) in the same order, on generated files with repeated ids, bad cells,
//! broken balance chains, quoted cells holding line breaks and quotes, byte order marks, CRLF
//! and lone CR line ends, blank lines and lines of empty cells, split characters and headers
//! that cannot be read.

use bankfeeds::ingest::InputFormat;
use bankfeeds::pipeline::validate_file;
use bankfeeds::rules::Platform;
use bankfeeds::stream::{CsvChecker, JsonFile};
use bankfeeds::validate::{ValidationContext, ValidationReport};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn context(platform: Platform, opening: Option<i64>) -> ValidationContext {
    let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let mut ctx = ValidationContext::new(platform, today);
    if let Some(cents) = opening {
        ctx = ctx.with_opening_balance(Decimal::new(cents, 2));
    }
    ctx
}

/// Feeds `bytes` cut at `cuts` (offsets, any order, any repeats).
fn fed(
    bytes: &[u8],
    cuts: &[usize],
    ctx: &ValidationContext,
) -> Result<ValidationReport, JsonFile> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.push(0);
    cuts.push(bytes.len());
    cuts.sort_unstable();
    let mut checker = CsvChecker::new(ctx);
    for w in cuts.windows(2) {
        checker.feed(&bytes[w[0]..w[1]])?;
    }
    checker.finish()
}

fn agree(bytes: &[u8], cuts: &[usize], ctx: &ValidationContext) {
    let whole = validate_file(bytes, InputFormat::Auto, ctx);
    let streamed = fed(bytes, cuts, ctx).expect("a CSV file");
    assert_eq!(
        streamed,
        whole,
        "findings differ for {:?} cut at {cuts:?}",
        String::from_utf8_lossy(bytes)
    );
    // One byte at a time, and all at once.
    let one: Vec<usize> = (0..bytes.len()).collect();
    assert_eq!(fed(bytes, &one, ctx).unwrap(), whole);
    assert_eq!(fed(bytes, &[], ctx).unwrap(), whole);
}

#[derive(Debug, Clone)]
struct Row {
    id: u8,
    day: u8,
    cents: i32,
    balance: Option<i32>,
    text: &'static str,
    bad: u8,
}

fn row() -> impl Strategy<Value = Row> {
    (
        0u8..40,
        0u8..3,
        -5000i32..5000,
        prop::option::weighted(0.8, -1000i32..1000),
        prop::sample::select(vec![
            "Coffee",
            " Rent ",
            "",
            "\"Café ☕, \"\"the\"\" corner\"",
            "\"two\nlines\"",
            "\"cr\r\nlf\"",
            "€𝄞",
        ]),
        0u8..40,
    )
        .prop_map(|(id, day, cents, balance, text, bad)| Row {
            id,
            day,
            cents,
            balance,
            text,
            bad,
        })
}

/// A CSV of the rows: balances follow the chain unless the row's offset breaks it; some cells
/// are bad, some lines blank, some rows repeat an earlier id.
fn csv(rows: &[Row], header: &str, end: &str, bom: usize, last_end: bool) -> Vec<u8> {
    let mut out = "\u{feff}".repeat(bom);
    out.push_str(header);
    out.push_str(end);
    let mut date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut balance = Decimal::ZERO;
    for (i, r) in rows.iter().enumerate() {
        date = date + chrono::Days::new(u64::from(r.day));
        let amount = Decimal::new(i64::from(r.cents), 2);
        balance += amount;
        let shown = match r.balance {
            None => String::new(),
            Some(off) if off.abs() < 900 => balance.to_string(),
            Some(off) => (balance + Decimal::new(i64::from(off), 2)).to_string(),
        };
        let id = if r.id < 30 {
            format!("t{i}")
        } else {
            format!("t{}", r.id)
        };
        let (id, amount, date) = match r.bad {
            0 => (id, "12,30".to_owned(), date.to_string()),
            1 => (id, amount.to_string(), "2024-02-30".to_owned()),
            2 => (id, amount.to_string(), String::new()),
            3 => (String::new(), amount.to_string(), date.to_string()),
            4 => (format!("\"{id}\""), amount.to_string(), date.to_string()),
            5 => (id, amount.to_string(), "2023-12-01".to_owned()),
            _ => (id, amount.to_string(), date.to_string()),
        };
        match r.bad {
            6 => out.push_str(end),
            7 => {
                out.push_str(",,, ,");
                out.push_str(end);
            }
            _ => {}
        }
        let extra = if r.bad == 8 { ",extra" } else { "" };
        out.push_str(&format!("{id},{date},{},{amount},{shown}{extra}", r.text));
        if i + 1 < rows.len() || last_end {
            out.push_str(end);
        }
    }
    out.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn chunks_give_the_whole_files_findings(
        rows in prop::collection::vec(row(), 0..25),
        header in prop::sample::select(vec![
            "id,date,description,amount,balance",
            " ID ,Date,memo,Amount,Balance",
            "id,date,description,amount",
            "id,date,description,amount,balance,date",
        ]),
        end in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        bom in 0usize..4,
        last_end in any::<bool>(),
        leading in 0usize..3,
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        platform in prop::sample::select(vec![Platform::Generic, Platform::Xero, Platform::Sage]),
        opening in prop::option::of(-1000i64..1000),
    ) {
        let mut bytes = end.repeat(leading).into_bytes();
        bytes.extend(csv(&rows, header, end, bom, last_end));
        agree(&bytes, &cuts, &context(platform, opening));
    }

    #[test]
    fn bytes_that_are_not_utf8_give_the_whole_files_finding(
        rows in prop::collection::vec(row(), 1..6),
        at in any::<usize>(),
        bad in prop::sample::select(vec![vec![0xFFu8], vec![0xE2, 0x82], vec![0xF0, 0x9D, 0x84], vec![0xC3, 0x28]]),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut bytes = csv(&rows, "id,date,description,amount,balance", "\n", 1, true);
        let at = at % (bytes.len() + 1);
        bytes.splice(at..at, bad);
        agree(&bytes, &cuts, &context(Platform::Generic, None));
    }
}

#[test]
fn edge_cases_agree_with_the_whole_file() {
    let ctx = context(Platform::Xero, None);
    for text in [
        "",
        "\n\n",
        "\r",
        "\u{feff}",
        "\u{feff}\u{feff}",
        "\u{feff}\u{feff}\u{feff}id,date,amount\n",
        "   ",
        "id,date,amount",
        "id,date,amount\r\n",
        "id,date,amount\r\nt1,2024-05-01,1.00",
        "id,date,amount\r\n\r\n\r\nt1,2024-05-01,1.00\r\n\r\nt1,2024-05-02,x\r\n",
        "id,id,date,amount\nt1,t1,2024-05-01,1\n",
        "id,date\nt1,2024-05-01\n",
        "id,date,amount,note\n\"a\nb\",2024-05-01,1,\"x\"\"y\"\n\"a\nb\",2024-05-02,2,\n",
        "id,date,amount\n\"unterminated,2024-05-01,1\n",
        "\u{feff}\u{feff} {\"not\": \"json\"}",
        "id,date,amount\n é,2024-05-01,1\n\u{3000}t,2024-05-01,2\n",
    ] {
        let bytes = text.as_bytes();
        let one: Vec<usize> = (0..bytes.len()).collect();
        agree(bytes, &one, &ctx);
    }
}

#[test]
fn json_is_refused_as_soon_as_it_is_seen_and_after() {
    let ctx = context(Platform::Generic, None);
    for text in ["[]", "\u{feff} \n\t{\"transactions\": []}", "\u{3000}["] {
        let bytes = text.as_bytes();
        let mut checker = CsvChecker::new(&ctx);
        let mut refused = None;
        for (i, b) in bytes.iter().enumerate() {
            if let Err(e) = checker.feed(std::slice::from_ref(b)) {
                refused = Some((i, e));
                break;
            }
        }
        let (at, e) = refused.unwrap_or_else(|| panic!("{text:?} was not refused"));
        assert_eq!(Some(at), text.find(['{', '[']));
        assert!(e.to_string().contains("JSON"), "{e}");
        assert_eq!(checker.feed(b"x"), Err(e));
        assert_eq!(checker.finish(), Err(e));
    }
    // Before anything but whitespace is fed, nothing is refused.
    let mut checker = CsvChecker::new(&ctx);
    checker.feed(b"  \n").unwrap();
    assert_eq!(
        checker.finish().unwrap(),
        validate_file(b"  \n", InputFormat::Auto, &ctx)
    );
}

#[test]
fn repeated_ids_are_told_apart_exactly_and_reported_against_their_first_row() {
    let ctx = context(Platform::Generic, None);
    let mut text = String::from("id,date,amount\n");
    for i in 0..3000 {
        text.push_str(&format!("id-{},2024-05-01,1.00\n", (i * 7919) % 2000));
    }
    text.push_str(",2024-05-01,1.00\n,2024-05-01,1.00\n");
    let report = fed(text.as_bytes(), &[4096, 8192, 8193], &ctx).unwrap();
    assert_eq!(
        report,
        validate_file(text.as_bytes(), InputFormat::Auto, &ctx)
    );
    let repeats: Vec<_> = report
        .with_code(bankfeeds::validate::Code::DuplicateId)
        .collect();
    assert_eq!(repeats.len(), 1000);
    assert_eq!(repeats[0].row, Some(2000));
    assert!(
        repeats[0].message.contains("used by row 0 too"),
        "{}",
        repeats[0].message
    );
}
