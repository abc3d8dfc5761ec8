//! The targets, and the invariants each checks beyond "no panic".

use bankfeeds::batch::MAX_PUSH_BODY_BYTES;
use bankfeeds::dates::{LocalDateTime, Timestamp};
use bankfeeds::ingest::{self, FloatPolicy, IngestOptions, InputFormat, RawField};
use bankfeeds::model::CreateBankTransactions;
use bankfeeds::money;
use bankfeeds::normalise::BalanceFill;
use bankfeeds::pipeline::{
    PrepareOptions, Prepared, prepare, prepare_file, prepare_transactions, validate_file,
};
use bankfeeds::rules::Platform;
use bankfeeds::stream::{CsvChecker, FileChecker};
use bankfeeds::text::MAX_ECHO_CHARS;
use bankfeeds::validate::ValidationReport;
use bankfeeds::webhook::{Verifier, WebhookHeaders};
use bankfeeds_wasm::Packed;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{Signature, Target, fxhash};

// What a streamed report lists of a whole one, worked out apart from the core: the one the core's
// tests use (the fuzz crate cannot depend on them, so it takes the file). Its temporary file is
// not used here.
#[allow(dead_code)]
#[path = "../../core/tests/listed/mod.rs"]
mod listed;

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "csv",
        run: csv,
        dictionary: CSV_WORDS,
    },
    Target {
        name: "csv_chunks",
        run: csv_chunks,
        dictionary: CSV_WORDS,
    },
    Target {
        name: "json_chunks",
        run: json_chunks,
        dictionary: JSON_WORDS,
    },
    Target {
        name: "json_file",
        run: json_file,
        dictionary: JSON_WORDS,
    },
    Target {
        name: "json_stream",
        run: json_stream,
        dictionary: JSON_WORDS,
    },
    Target {
        name: "push_body",
        run: push_body,
        dictionary: JSON_WORDS,
    },
    Target {
        name: "dates",
        run: dates,
        dictionary: DATE_WORDS,
    },
    Target {
        name: "decimals",
        run: decimals,
        dictionary: NUMBER_WORDS,
    },
    Target {
        name: "wasm_rows",
        run: wasm_rows,
        dictionary: &[],
    },
    Target {
        name: "webhook",
        run: webhook,
        dictionary: WEBHOOK_WORDS,
    },
];

const CSV_WORDS: &[&[u8]] = &[
    b"id",
    b"date",
    b"amount",
    b"balance",
    b"description",
    b"transactionType",
    b"Transaction Date",
    b"status",
    b"pending",
    b"cleared",
    b"accountId",
    b"counterparty",
    b"reference",
    b"reconciled",
    b"memo",
    b"Credit",
    b"Debit",
    b"2024-05-01",
    b"2024-02-30T25:61:00",
    b"2024-05-01T08:00:00.123456789+05:30",
    b"-17.54",
    b"1e3",
    b"NaN",
    b"\"a\"\"b\"",
    b"\"line\nbreak\"",
    b",,,\n",
    b"\r\n",
    b"\n\n",
    b" t1 ",
    b"true",
];

const JSON_WORDS: &[&[u8]] = &[
    b"{\"accountId\":\"acc\",\"transactions\":[",
    b"\"transactions\":",
    b"\"accountId\":",
    b"{\"id\":\"t1\",\"date\":\"2024-05-01\",\"amount\":1.00}",
    b"\"id\":",
    b"\"date\":",
    b"\"amount\":",
    b"\"balance\":",
    b"\"description\":",
    b"\"transactionType\":\"Debit\"",
    b"\"Transaction Date\":",
    b"\"reconciled\":true",
    b"\"counterparty\":null",
    b"\\u0000",
    b"\\ud800",
    b"\\\"",
    b"1.000000000000000000000000000001",
    b"-0.00",
    b"1e400",
    b"[]",
    b"{}",
    b"null",
    b",",
    b"]}",
];

const DATE_WORDS: &[&[u8]] = &[
    b"2024-05-01",
    b"T",
    b" ",
    b":00",
    b".1234567",
    b"Z",
    b"+05:30",
    b"-0800",
    b"+14",
    b"9999-12-31T23:59:59.999999999",
    b"0000-01-01",
    b"2024-02-29",
    b"\xd9\xa2",
];

const NUMBER_WORDS: &[&[u8]] = &[
    b"0", b"9", b".", b"-", b"+", b"e", b"E", b"e-", b"e+", b"00000", b"99999", b" ",
];

const WEBHOOK_WORDS: &[&[u8]] = &[
    b"v1,",
    b"v1a,",
    b" ",
    b"1700000000",
    b"9223372036854775807",
    b"-1",
    b"msg_2b3",
    b"{\"CompanyId\":\"c\",\"Type\":\"Push Operation Status Changed\",\"Data\":{}}",
    b"\xff",
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or_default()
}

/// Options that vary with the input (platform, balance filling), so one corpus exercises them
/// all.
fn options(data: &[u8]) -> PrepareOptions {
    let h = fxhash(data);
    let platform = Platform::ALL[(h % Platform::ALL.len() as u64) as usize];
    let mut options = PrepareOptions::new(platform, today());
    options.normalise.balances = match (h >> 8) % 3 {
        0 => BalanceFill::Keep,
        1 => BalanceFill::Opening(Decimal::new(125_000, 2)),
        _ => BalanceFill::Closing(Decimal::MAX),
    };
    options.ingest.floats = FloatPolicy::Shortest;
    options
}

/// The longest quotation a finding may hold: the excerpt, an ellipsis and the length.
const QUOTE_CHARS: usize = MAX_ECHO_CHARS + 40;

/// What every prepared input must satisfy.
fn check_prepared(p: &Prepared, text_lines: Option<usize>) {
    assert_eq!(
        p.transactions.len(),
        p.source_rows.len(),
        "a row per transaction"
    );
    check_report(&p.report, p.rows_read, text_lines);
    for change in &p.changes {
        for quoted in [&change.id, &change.before, &change.after]
            .into_iter()
            .flatten()
        {
            assert!(
                quoted.chars().count() <= QUOTE_CHARS,
                "a change quotes too much"
            );
        }
        if let Some(row) = change.row {
            assert!(
                row < p.rows_read.max(1),
                "change row {row} of {}",
                p.rows_read
            );
        }
    }
    // Batches: in order, within the count and the byte limit (a transaction too large alone
    // is its own batch, and an error).
    let bodies = p.push_bodies("acc-1");
    let back: Vec<_> = bodies.iter().flat_map(|b| b.transactions.iter()).collect();
    assert_eq!(back.len(), p.transactions.len(), "batches lose nothing");
    assert!(
        back.iter().zip(&p.transactions).all(|(a, b)| *a == b),
        "batches keep the order"
    );
    for body in &bodies {
        assert!(body.transactions.len() <= p.batch_size.max(1));
        if body.transactions.len() > 1 {
            let bytes = serde_json::to_vec(body).map(|b| b.len()).unwrap_or(0);
            assert!(bytes <= MAX_PUSH_BODY_BYTES, "a body of {bytes} bytes");
        }
    }
    assert_eq!(
        bodies.len(),
        p.batches().count(),
        "bodies and batches agree"
    );
    // Normalising what normalisation gave changes nothing more (balances as computed).
    if p.report.is_valid() {
        let mut again = PrepareOptions::new(Platform::Generic, today());
        again.normalise.balances = BalanceFill::Keep;
        let second = prepare_transactions(p.transactions.clone(), &again);
        assert!(
            second.changes.is_empty(),
            "normalising twice changed {:?}",
            second.changes
        );
        assert_eq!(second.transactions, p.transactions);
    }
}

fn check_report(report: &ValidationReport, rows: usize, text_lines: Option<usize>) {
    for issue in &report.issues {
        assert!(issue.message.chars().count() <= 1000, "message too long");
        for quoted in [&issue.id, &issue.found, &issue.expected]
            .into_iter()
            .flatten()
        {
            assert!(
                quoted.chars().count() <= QUOTE_CHARS,
                "{} quotes {} characters",
                issue.code,
                quoted.chars().count()
            );
        }
        if let Some(row) = issue.row {
            assert!(row < rows.max(1), "{} at row {row} of {rows}", issue.code);
        }
        if let (Some(line), Some(lines)) = (issue.line, text_lines) {
            assert!(line >= 1 && line <= lines + 1, "line {line} of {lines}");
        }
    }
}

fn signature(p: &Prepared) -> u64 {
    let mut s = Signature::default();
    for issue in &p.report.issues {
        s.add(issue.code.as_str());
        s.add(issue.field.map_or("", |f| f.as_str()));
    }
    for change in &p.changes {
        s.add(change.kind.as_str());
    }
    s.add(p.transactions.len().min(4).to_le_bytes());
    s.get()
}

/// Lines as the CSV reader ends them: `\n`, `\r\n` or a lone `\r`.
fn line_count(data: &[u8]) -> usize {
    let lone_cr = data
        .windows(2)
        .filter(|w| w[0] == b'\r' && w[1] != b'\n')
        .count()
        + usize::from(data.last() == Some(&b'\r'));
    data.iter().filter(|&&b| b == b'\n').count() + lone_cr + 1
}

/// CSV files through the whole pipeline.
pub fn csv(data: &[u8]) -> u64 {
    let p = prepare_file(data, InputFormat::Csv, &options(data));
    check_prepared(&p, Some(line_count(data)));
    // The reader on its own: a line for every row, rising.
    if let Ok(text) = std::str::from_utf8(data) {
        let batch = ingest::read_csv(text);
        assert_eq!(batch.lines.len(), batch.rows.len());
        assert!(batch.lines.windows(2).all(|w| w[0] < w[1]), "lines rise");
    }
    signature(&p)
}

/// CSV files fed to `stream::CsvChecker` in chunks cut where the input's hash says (inside a
/// character, a quoted cell or a CRLF as often as not): the report is the whole file's, from
/// `validate_file`, finding for finding, less what a limit the hash picks leaves unlisted (the
/// first findings of each code listed, the rest counted); a JSON file is refused, at its first
/// character.
pub fn csv_chunks(data: &[u8]) -> u64 {
    let context = options(data).context;
    let whole = validate_file(data, InputFormat::Auto, &context);
    let mut h = fxhash(data);
    let max = match h % 5 {
        0 => None,
        n => Some(n as usize - 1),
    };
    let listed = listed::listed_report(&whole, max);
    let mut checker = CsvChecker::listing(&context, max);
    let mut rest = data;
    let mut refused = None;
    while !rest.is_empty() && refused.is_none() {
        // Chunks of 1 to 16 bytes, mostly; now and then all that is left.
        let size = match h % 17 {
            0 => rest.len(),
            n => (n as usize).min(rest.len()),
        };
        h = h.rotate_right(5) ^ (size as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let (chunk, after) = rest.split_at(size);
        refused = checker.feed(chunk).err();
        rest = after;
    }
    let mut s = Signature::default();
    if refused.is_some() || checker.finish().as_ref() != Ok(&listed) {
        assert_eq!(
            InputFormat::Auto.detect(data),
            InputFormat::Json,
            "only JSON is refused, and a CSV file's report is the whole file's"
        );
        s.add("json");
    }
    for issue in &whole.issues {
        s.add(issue.code.as_str());
    }
    s.get()
}

/// JSON files (and, now and then, CSV ones) fed to `stream::FileChecker` in chunks cut where the
/// input's hash says (inside a string, an escape or a character as often as not): the report is
/// the whole text's, from `validate_file`, finding for finding, the message and place of a
/// syntax error included; the format told from the text or given.
pub fn json_chunks(data: &[u8]) -> u64 {
    let context = options(data).context;
    let mut h = fxhash(data);
    let format = match h % 8 {
        0 => InputFormat::Json,
        _ => InputFormat::Auto,
    };
    let whole = validate_file(data, format, &context);
    let mut checker = FileChecker::listing(&context, format, None);
    let mut rest = data;
    while !rest.is_empty() {
        // Chunks of 1 to 16 bytes, mostly; now and then all that is left.
        let size = match h % 17 {
            0 => rest.len(),
            n => (n as usize).min(rest.len()),
        };
        h = h.rotate_right(5) ^ (size as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let (chunk, after) = rest.split_at(size);
        checker.feed(chunk);
        rest = after;
    }
    assert_eq!(
        checker.finish(),
        whole,
        "the chunks' report is the whole text's"
    );
    let mut s = Signature::default();
    for issue in &whole.issues {
        s.add(issue.code.as_str());
    }
    s.get()
}

/// JSON files (push bodies and arrays) through the whole pipeline.
pub fn json_file(data: &[u8]) -> u64 {
    let p = prepare_file(data, InputFormat::Json, &options(data));
    check_prepared(&p, None);
    signature(&p)
}

/// JSON files streamed from disk by `stream::prepare_path` give what reading them whole gives:
/// the same findings (syntax errors too, at the same line and column), changes, counts and
/// account.
pub fn json_stream(data: &[u8]) -> u64 {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let mut options = options(data);
    if matches!(options.normalise.balances, BalanceFill::Closing(_)) {
        // Read whole when computed backward: nothing streamed to compare.
        options.normalise.balances = BalanceFill::Keep;
    }
    // Every finding and change listed, to compare them all.
    options.max_listed = None;
    let whole = prepare_file(data, InputFormat::Json, &options);
    let path = std::env::temp_dir().join(format!(
        "bankfeeds-fuzz-json-{}-{}.json",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, data).expect("a temporary file");
    let streamed = bankfeeds::stream::prepare_path(&path, InputFormat::Json, &options);
    let _ = std::fs::remove_file(&path);
    let streamed = streamed.expect("the file just written reads");
    assert_eq!(streamed.report, whole.report, "findings");
    assert_eq!(streamed.changes, whole.changes, "changes");
    assert_eq!(streamed.rows_read, whole.rows_read);
    assert_eq!(streamed.transactions, whole.transactions.len());
    assert_eq!(streamed.account_id, whole.account_id);
    signature(&whole)
}

/// Push bodies: what serde reads, the crate's writer (which the client sends) writes byte for
/// byte as serde_json does, and it reads back the same.
pub fn push_body(data: &[u8]) -> u64 {
    let mut s = Signature::default();
    match CreateBankTransactions::from_json(data) {
        Ok(a) => {
            let written = a.to_json();
            let by_serde = serde_json::to_vec(&a).unwrap_or_default();
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&by_serde),
                "to_json and serde_json write differently"
            );
            let again = CreateBankTransactions::from_json(&written);
            assert_eq!(
                again.as_ref().ok(),
                Some(&a),
                "a written body reads back the same"
            );
            s.add("ok").add(a.transactions.len().min(4).to_le_bytes());
            for t in &a.transactions {
                s.add([
                    u8::from(t.description.is_some()),
                    u8::from(t.counterparty.is_some()),
                    u8::from(t.reference.is_some()),
                    u8::from(t.reconciled.is_some()),
                    u8::from(t.balance.is_some()),
                    u8::from(t.transaction_type.is_some()),
                ]);
            }
        }
        Err(e) => {
            // What went wrong, without where: one behaviour per kind of message.
            let message = e.to_string();
            let what = message.split(" at line").next().unwrap_or("");
            let shape: String = what
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .take(40)
                .collect();
            s.add("err").add(shape);
        }
    }
    s.get()
}

/// Dates: what parses prints as text that parses to the same value.
pub fn dates(data: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(data);
    let mut s = Signature::default();
    match LocalDateTime::parse(&text) {
        Ok(d) => {
            let back = LocalDateTime::parse(&d.to_string());
            assert_eq!(back.as_ref().ok(), Some(&d), "{d} reads back");
            assert_eq!(back.ok().map(|b| b.precision()), Some(d.precision()));
            s.add("local").add(format!("{:?}", d.precision()));
        }
        Err(e) => {
            assert!(
                e.input.chars().count() <= QUOTE_CHARS,
                "a date error quotes too much"
            );
            s.add(e.reason.split(' ').next().unwrap_or(""));
        }
    }
    match Timestamp::parse(&text) {
        Ok(t) => {
            let back = Timestamp::parse(&t.to_string());
            assert_eq!(back.ok(), Some(t), "{t} reads back");
            s.add("utc");
        }
        Err(_) => {
            s.add("utc-err");
        }
    }
    s.get()
}

/// An amount read from JSON digit for digit.
#[derive(serde::Deserialize, serde::Serialize)]
struct Amount(#[serde(with = "bankfeeds::money::json")] Decimal);

/// Decimals: parsed text prints as text that parses to the same value and scale; JSON numbers
/// round-trip digit for digit; floats convert only when exact (or shortest) and back.
pub fn decimals(data: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(data);
    let mut s = Signature::default();
    match money::parse_decimal(&text) {
        Ok(d) => {
            let back = money::parse_decimal(&d.to_string());
            assert_eq!(back.as_ref().ok(), Some(&d), "{d} reads back");
            assert_eq!(
                back.ok().map(|b| b.scale()),
                Some(d.scale()),
                "{d} keeps its scale"
            );
            s.add("ok").add(d.scale().to_le_bytes());
        }
        Err(e) => {
            s.add(format!("{e:?}").split(['(', ' ', '{']).next().unwrap_or(""));
        }
    }
    if let Ok(Amount(d)) = serde_json::from_slice::<Amount>(data) {
        let written = serde_json::to_vec(&Amount(d)).unwrap_or_default();
        let back: Option<Amount> = serde_json::from_slice(&written).ok();
        assert_eq!(
            back.map(|a| (a.0, a.0.scale())),
            Some((d, d.scale())),
            "JSON {d}"
        );
        s.add("json");
    }
    if data.len() >= 8 {
        let mut bits = [0u8; 8];
        bits.copy_from_slice(&data[..8]);
        let f = f64::from_le_bytes(bits);
        for (name, converted) in [
            ("exact", money::from_f64_exact(f)),
            ("shortest", money::from_f64_shortest(f)),
        ] {
            if let Ok(d) = converted {
                let back: f64 = d.to_string().parse().unwrap_or(f64::NAN);
                assert!(
                    back == f || (back == 0.0 && f == 0.0),
                    "{name} {f} became {d}"
                );
                s.add(name);
            }
        }
    }
    s.get()
}

/// The key names the WASM decoder's inputs draw from: every field, aliases, unknown keys.
const KEYS: &[&str] = &[
    "id",
    "date",
    "amount",
    "balance",
    "description",
    "transactionType",
    "Transaction Date",
    "status",
    "pending",
    "cleared",
    "accountId",
    "counterparty",
    "reference",
    "reconciled",
    "memo",
    "amount",
];

/// The WASM row decoder, fed packed chunks as `js/rows.js` writes them (and worse): no panic,
/// every row typed by the core with its findings in range.
pub fn wasm_rows(data: &[u8]) -> u64 {
    // Layout: [key count][key indices...][cell count u16][cells u32...][number count]
    // [numbers f64...][text...]; whatever is short reads as empty.
    let mut at = 0usize;
    let mut take = |n: usize| {
        let piece = data.get(at..at.saturating_add(n)).unwrap_or_default();
        at = at.saturating_add(n).min(data.len());
        piece
    };
    let key_count = take(1).first().copied().unwrap_or(0) as usize % 24;
    let names: Vec<String> = take(key_count)
        .iter()
        .map(|&k| KEYS[k as usize % KEYS.len()].to_owned())
        .collect();
    let fields: Vec<Option<RawField>> = names.iter().map(|n| RawField::for_key(n)).collect();
    let cell_count = take(2)
        .iter()
        .rev()
        .fold(0usize, |n, &b| n << 8 | usize::from(b))
        % 512;
    let cells: Vec<u32> = take(cell_count * 4)
        .chunks(4)
        .map(|c| {
            // Mostly small tags and lengths, sometimes anything.
            let v = c.iter().rev().fold(0u32, |n, &b| n << 8 | u32::from(b));
            if c.first().is_some_and(|b| b & 0x80 == 0) {
                v % 256
            } else {
                v
            }
        })
        .collect();
    let number_count = take(1).first().copied().unwrap_or(0) as usize % 32;
    let numbers: Vec<f64> = take(number_count * 8)
        .chunks(8)
        .map(|c| {
            let mut bits = [0u8; 8];
            bits[..c.len()].copy_from_slice(c);
            f64::from_le_bytes(bits)
        })
        .collect();
    let rest = take(usize::MAX);
    let text = String::from_utf8_lossy(rest);
    let mut packed = Packed {
        cells: &cells,
        text: &text,
        numbers: &numbers,
        fields: &fields,
        names: &names,
        next_cell: 0,
        at: 0,
        next_number: 0,
    };
    let mut report = ValidationReport::new();
    let mut rows = Vec::new();
    while let Some(row) = packed.row(rows.len(), &mut report) {
        rows.push(row);
        assert!(rows.len() <= cells.len(), "more rows than cells");
    }
    let count = rows.len();
    let mut options = options(data);
    options.ingest = IngestOptions {
        floats: FloatPolicy::Shortest,
        first_row: 0,
    };
    let p = prepare(rows, &options);
    check_report(&report, count, None);
    check_prepared(&p, None);
    let mut s = Signature::default();
    s.add(signature(&p).to_le_bytes())
        .add(report.issues.len().min(3).to_le_bytes());
    s.get()
}

/// Webhook checks: any headers, body and clock are refused or accepted without a panic, and
/// what the verifier signs it accepts.
pub fn webhook(data: &[u8]) -> u64 {
    let mut parts = data.split(|&b| b == 0xff);
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (id, timestamp, signature, now) = (next(), next(), next(), next());
    let body: Vec<u8> = parts.flatten().copied().collect();
    let Ok(verifier) = Verifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") else {
        return 0;
    };
    let now_secs: i64 = now.trim().parse().unwrap_or(1_700_000_000);
    let Some(now) = chrono::DateTime::from_timestamp(now_secs, 0).map(Timestamp::new) else {
        return 1;
    };
    let headers = WebhookHeaders {
        id: id.clone(),
        timestamp: timestamp.clone(),
        signature,
    };
    let mut s = Signature::default();
    match verifier.verify(&headers, &body, now) {
        Ok(()) => s.add("ok"),
        Err(e) => s.add(format!("{e:?}").split(['(', ' ', '{']).next().unwrap_or("")),
    };
    let _ = bankfeeds::webhook::parse(&body);
    // Signed now, accepted now.
    let signed = WebhookHeaders {
        id: id.trim().to_owned(),
        timestamp: now_secs.max(0).to_string(),
        signature: verifier.sign(id.trim(), now_secs.max(0), &body),
    };
    if now_secs >= 0 {
        assert_eq!(
            verifier.verify(&signed, &body, now),
            Ok(()),
            "a delivery signed at {now_secs} is refused at {now_secs}"
        );
    }
    s.get()
}
