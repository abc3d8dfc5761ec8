//! A JSON file fed to `stream::FileChecker` in chunks split anywhere (inside a string, an escape,
//! a UTF-8 character) gives what `pipeline::validate_file` gives for the whole text: the same
//! findings in the same order, the message for text that cannot be read included, on generated
//! push bodies and arrays, pretty-printed or not, with rows that are not objects, unknown keys,
//! escapes, deep nesting, byte order marks, and the same documents broken (cut short, a byte
//! dropped, doubled or changed).

use bankfeeds::ingest::InputFormat;
use bankfeeds::pipeline::validate_file;
use bankfeeds::rules::Platform;
use bankfeeds::stream::FileChecker;
use bankfeeds::validate::{ValidationContext, ValidationReport};
use proptest::prelude::*;

fn context() -> ValidationContext {
    let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    ValidationContext::new(Platform::Xero, today)
}

/// Feeds `bytes` cut at `cuts` (offsets, any order, any repeats).
fn fed(
    bytes: &[u8],
    cuts: &[usize],
    format: InputFormat,
    ctx: &ValidationContext,
) -> ValidationReport {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.push(0);
    cuts.push(bytes.len());
    cuts.sort_unstable();
    let mut checker = FileChecker::new(ctx, format);
    for w in cuts.windows(2) {
        checker.feed(&bytes[w[0]..w[1]]);
    }
    checker.finish()
}

fn agree(bytes: &[u8], cuts: &[usize], format: InputFormat) {
    let ctx = context();
    let whole = validate_file(bytes, format, &ctx);
    let streamed = fed(bytes, cuts, format, &ctx);
    assert_eq!(
        streamed,
        whole,
        "findings differ for {:?} cut at {cuts:?}",
        String::from_utf8_lossy(bytes)
    );
    // One byte at a time, and all at once.
    let one: Vec<usize> = (0..bytes.len()).collect();
    assert_eq!(
        fed(bytes, &one, format, &ctx),
        whole,
        "{:?} byte by byte",
        String::from_utf8_lossy(bytes)
    );
    assert_eq!(fed(bytes, &[], format, &ctx), whole);
}

#[derive(Debug, Clone)]
struct Row {
    id: u8,
    day: u8,
    cents: i32,
    balance: Option<i32>,
    text: &'static str,
    kind: u8,
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
            "Caf\u{e9} \u{2615}, \\\"the\\\" corner",
            "two\\nlines \\\\ \\u00e9\\ud834\\udd1e",
            "\u{20ac}\u{1d11e} ]}[{,:",
        ]),
        0u8..40,
    )
        .prop_map(|(id, day, cents, balance, text, kind)| Row {
            id,
            day,
            cents,
            balance,
            text,
            kind,
        })
}

/// The rows as a JSON document: a push body (keys in any order, some unknown) or an array,
/// on one line or pretty-printed; some rows are not objects, some have unknown keys or values
/// of the wrong kind, some repeat an earlier id.
fn document(rows: &[Row], body: u8, pretty: bool, bom: bool) -> Vec<u8> {
    let (nl, ind) = if pretty { ("\n", "  ") } else { ("", "") };
    let mut items = Vec::new();
    let mut balance: i64 = 0;
    for (i, r) in rows.iter().enumerate() {
        balance += i64::from(r.cents);
        let id = if r.id < 30 {
            format!("t{i}")
        } else {
            format!("t{}", r.id)
        };
        let date = format!("2024-0{}-{:02}", 1 + r.day % 5, 1 + (i % 28));
        let amount = format!("{}.{:02}", r.cents / 100, (r.cents % 100).abs());
        let balance = match r.balance {
            None => "null".to_owned(),
            Some(off) if off.abs() < 900 => {
                format!("\"{}.{:02}\"", balance / 100, (balance % 100).abs())
            }
            Some(off) => format!("{off}"),
        };
        let item = match r.kind {
            0 => "7".to_owned(),
            1 => "\"a row as text \\\"]}\\\"\"".to_owned(),
            2 => "null".to_owned(),
            3 => format!("[1, {{\"a\": [{nl}{ind}]}}]"),
            4 => format!("{}{{\"id\": \"x\"}}{}", "[".repeat(60), "]".repeat(60)),
            5 => format!(
                "{{\"id\": \"{id}\", \"memo\": {}1{}}}",
                "[".repeat(110),
                "]".repeat(110)
            ),
            6 => format!("{{\"id\": {}, \"date\": true}}", r.cents),
            7 => "{}".to_owned(),
            _ => format!(
                "{{{nl}{ind}{ind}\"id\": \"{id}\",{nl}{ind}{ind}\"date\": \"{date}\", \"description\": \"{}\",{nl}{ind}{ind}\"amount\": {amount}, \"balance\": {balance}{}{nl}{ind}}}",
                r.text,
                if r.kind == 8 {
                    ", \"colour\": \"red\""
                } else {
                    ""
                },
            ),
        };
        items.push(format!("{ind}{item}"));
    }
    let list = if items.is_empty() {
        "[]".to_owned()
    } else {
        format!("[{nl}{}{nl}]", items.join(&format!(",{nl}")))
    };
    let text = match body {
        0 => list,
        1 => format!("{{\"accountId\": \"acc-1\",{nl} \"transactions\": {list}}}"),
        2 => format!(
            "{{{nl}\"transactions\" : {list} ,{nl}\"memo\": {{\"transactions\": [1]}}, \"accountId\": null}}{nl}"
        ),
        3 => format!("{{\"trans\\u0061ctions\": {list}}}"),
        _ => format!("{{\"note\": [\"x\", {{\"y\": 2}}], \"transactions\": {list}, \"more\": 1}}"),
    };
    let mut out = if bom {
        "\u{feff}".to_owned()
    } else {
        String::new()
    };
    out.push_str(if pretty { " \n\t" } else { "" });
    out.push_str(&text);
    out.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn chunks_give_the_whole_texts_findings(
        rows in prop::collection::vec(row(), 0..12),
        body in 0u8..5,
        pretty in any::<bool>(),
        bom in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        agree(&document(&rows, body, pretty, bom), &cuts, InputFormat::Auto);
    }

    #[test]
    fn broken_text_gives_the_whole_texts_finding(
        rows in prop::collection::vec(row(), 1..6),
        body in 0u8..5,
        pretty in any::<bool>(),
        at in any::<usize>(),
        how in 0u8..5,
        byte in prop::sample::select(b"{}[],:\"\\ \n0a-.e\xc3\xa9".to_vec()),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut bytes = document(&rows, body, pretty, false);
        let at = at % bytes.len();
        match how {
            0 => bytes.truncate(at),
            1 => { bytes.remove(at); }
            2 => { let b = bytes[at]; bytes.insert(at, b); }
            3 => bytes[at] = byte,
            _ => bytes.insert(at, byte),
        }
        agree(&bytes, &cuts, InputFormat::Auto);
    }
}

#[test]
fn edge_cases_agree_with_the_whole_text() {
    let deep = format!("[{}{}]", "[".repeat(130), "]".repeat(130));
    let deep_ok = format!("[{}{}, 1]", "[".repeat(110), "]".repeat(110));
    let deep_edge = |n: usize, body: bool| {
        let element = format!("{}{{}}{}", "[".repeat(n), "]".repeat(n));
        if body {
            format!("{{\"transactions\": [{element}]}}")
        } else {
            format!("[{element}]")
        }
    };
    let mut texts: Vec<String> = [
        "",
        "[",
        "{",
        "[]",
        " [ ] ",
        "{}",
        "[1",
        "[{\"id\": \"a\"},]",
        "[{\"id\": \"a\"} {\"id\": \"b\"}]",
        "[\n{\"id\": \"a\"}\n\n,\n  {\"id\": \"b\"}\n\n",
        "[{\"id\": \"a\"}]\n\n  x",
        "{\"transactions\": [{\"id\": \"a\"}], \"transactions\": []}",
        "{\"transactions\": [{\"id\": \"a\", \"id\": \"b\"}]}",
        "{\"transactions\": \"no\"}",
        "{\"accountId\": 7, \"transactions\": []}",
        "[tru, 1]",
        "[-]",
        "[\"\\ud800\"]",
        "[\"\\x\"]",
        "[\"a\nb\"]",
        "\u{feff}[{\"id\": \"a\"}]",
        "\u{feff}\u{feff}[{\"id\": \"a\"}]",
        "\u{3000}[{\"id\": \"a\"}]",
        "\u{b}[]",
        "  \n\n  ",
        "[{\"id\": \"\u{e9}\u{1d11e}\", \"amount\": 12345678901234567890.123}]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    texts.extend([deep, deep_ok]);
    for n in 122..130 {
        texts.push(deep_edge(n, false));
        texts.push(deep_edge(n, true));
    }
    for text in &texts {
        let bytes = text.as_bytes();
        let one: Vec<usize> = (0..bytes.len()).collect();
        agree(bytes, &one, InputFormat::Auto);
    }
    // The format given.
    for (text, format) in [
        ("id,date,amount\n", InputFormat::Json),
        ("[{\"id\": \"a\"}]", InputFormat::Csv),
        ("\u{feff}\u{feff}[]", InputFormat::Json),
        ("  ", InputFormat::Json),
    ] {
        let bytes = text.as_bytes();
        let one: Vec<usize> = (0..bytes.len()).collect();
        agree(bytes, &one, format);
    }
}

#[test]
fn bytes_that_are_not_utf8_give_the_whole_texts_finding() {
    for bytes in [
        &b"[{\"id\": \"\xff\"}]"[..],
        b"{\"transactions\": [{\"id\": \"a\"}], \"memo\": \"\xe2\x82\"}",
        b"[{\"id\": \"a\"}, \xf0\x9d\x84",
        b"\xef\xbb\xbf[\xc3\x28]",
    ] {
        let one: Vec<usize> = (0..bytes.len()).collect();
        agree(bytes, &one, InputFormat::Auto);
        agree(bytes, &[], InputFormat::Json);
    }
}

#[test]
fn csv_is_checked_as_before() {
    for text in [
        "id,date,amount\nt1,2024-05-01,1.00\nt1,2024-05-02,x\n",
        "  \n",
        "\u{feff} id\n",
    ] {
        let bytes = text.as_bytes();
        let one: Vec<usize> = (0..bytes.len()).collect();
        agree(bytes, &one, InputFormat::Auto);
    }
}

#[test]
fn a_large_rows_list_is_not_held() {
    // 20,000 rows, pretty-printed: what is kept for serde is a few runs, not the rows.
    let mut text = String::from("{\"accountId\": \"acc\", \"transactions\": [\n");
    for i in 0..20_000 {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&format!(
            "  {{\"id\": \"t{i}\", \"date\": \"2024-05-01\", \"amount\": \"1.00\"}}"
        ));
    }
    text.push_str("\n], \"memo\": 1 x}");
    let ctx = context();
    let whole = validate_file(text.as_bytes(), InputFormat::Auto, &ctx);
    assert_eq!(
        whole.issues[0].code,
        bankfeeds::validate::Code::MalformedInput
    );
    assert!(
        whole.issues[0].message.contains("line 20002"),
        "{}",
        whole.issues[0].message
    );
    assert_eq!(
        fed(
            text.as_bytes(),
            &[4096, 65536, 65537, 100_000],
            InputFormat::Auto,
            &ctx
        ),
        whole
    );
}
