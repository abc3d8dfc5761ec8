//! Invariants over generated inputs: chains agree both ways, normalising twice changes nothing,
//! batches concatenate back to their input, and no input panics the readers.

use bankfeeds::balance;
use bankfeeds::batch;
use bankfeeds::dates::LocalDateTime;
use bankfeeds::ingest::{self, InputFormat};
use bankfeeds::model::{BankTransaction, CreateBankTransactions, TransactionType};
use bankfeeds::normalise::{BalanceFill, NormaliseOptions, normalise};
use bankfeeds::pipeline::{PrepareOptions, prepare_file};
use bankfeeds::rules::Platform;
use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn amount() -> impl Strategy<Value = Decimal> {
    (-10_000_000i64..10_000_000, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s))
}

fn transaction() -> impl Strategy<Value = BankTransaction> {
    (
        0u8..40,
        0i64..20,
        0u32..86400,
        amount(),
        proptest::option::of(amount()),
        proptest::option::of(prop_oneof![
            Just(TransactionType::Credit),
            Just(TransactionType::Debit),
            Just(TransactionType::Fee),
            Just(TransactionType::Xfer),
            Just(TransactionType::Other),
        ]),
        proptest::option::of("[ a-z]{0,6}"),
    )
        .prop_map(|(id, day, secs, amount, balance, ty, desc)| {
            let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::TimeDelta::days(day);
            let dt = date
                .and_hms_opt(secs / 3600, secs / 60 % 60, secs % 60)
                .unwrap();
            let mut tx = BankTransaction::new(format!("t{id}"), LocalDateTime::new(dt), amount);
            tx.balance = balance;
            tx.transaction_type = ty;
            tx.description = desc;
            tx
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn forward_then_backward_agree(amounts in proptest::collection::vec(amount(), 0..60), opening in amount()) {
        let date: LocalDateTime = "2024-01-01".parse().unwrap();
        let mut fwd: Vec<_> = amounts.iter().enumerate().map(|(i, a)| BankTransaction::new(i.to_string(), date, *a)).collect();
        let closing = balance::fill_forward(&mut fwd, opening).unwrap();
        let mut back: Vec<_> = amounts.iter().enumerate().map(|(i, a)| BankTransaction::new(i.to_string(), date, *a)).collect();
        let opening_again = balance::fill_backward(&mut back, closing).unwrap();
        prop_assert_eq!(opening_again, opening);
        prop_assert_eq!(&fwd, &back);
        prop_assert!(balance::verify(&fwd, Some(opening)).is_intact());
        prop_assert_eq!(balance::closing_balance(&fwd).unwrap_or(opening), closing);
    }

    #[test]
    fn normalise_is_idempotent(txs in proptest::collection::vec(transaction(), 0..80), fix in any::<bool>(), closing in proptest::option::of(amount())) {
        let options = NormaliseOptions {
            fix_signs: fix,
            balances: closing.map_or(BalanceFill::Keep, BalanceFill::Closing),
            ..NormaliseOptions::for_platform(Platform::Xero)
        };
        let input_len = txs.len();
        let once = normalise(txs, &options);
        let twice = normalise(once.transactions.clone(), &options);
        prop_assert_eq!(&twice.transactions, &once.transactions);
        let changed: Vec<_> = twice.changes.iter().filter(|c| c.kind != bankfeeds::normalise::ChangeKind::BalancesComputed).collect();
        prop_assert!(changed.is_empty(), "second pass changed {:?}", changed);
        prop_assert!(once.transactions.windows(2).all(|w| w[0].date <= w[1].date));
        // Nothing vanishes unreported: every input row is either kept or reported dropped.
        let dropped = once.changes.iter().filter(|c| c.kind == bankfeeds::normalise::ChangeKind::DuplicateDropped).count();
        prop_assert_eq!(once.transactions.len() + dropped, input_len);
        prop_assert_eq!(once.source_rows.len(), once.transactions.len());
    }

    #[test]
    fn batches_concatenate_back(txs in proptest::collection::vec(transaction(), 0..300), size in 1usize..1200) {
        let bodies = batch::push_bodies("acc", txs.clone(), size);
        prop_assert!(bodies.iter().all(|b| !b.transactions.is_empty() && b.transactions.len() <= size.min(1000)));
        let flat: Vec<_> = bodies.into_iter().flat_map(|b| b.transactions).collect();
        prop_assert_eq!(flat, txs);
    }

    #[test]
    fn no_text_panics_the_readers(text in any::<String>()) {
        let _ = bankfeeds::money::parse_decimal(&text);
        let _ = LocalDateTime::parse(&text);
        let _ = bankfeeds::dates::Timestamp::parse(&text);
        let _ = CreateBankTransactions::from_json(text.as_bytes());
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        for format in [InputFormat::Csv, InputFormat::Json, InputFormat::Auto] {
            let _ = prepare_file(text.as_bytes(), format, &PrepareOptions::new(Platform::Xero, today));
        }
    }

    #[test]
    fn no_csv_row_panics_the_pipeline(cells in proptest::collection::vec(proptest::collection::vec("[-+0-9a-zA-Z.:eT ,\"]{0,12}", 0..9), 0..12)) {
        let mut csv = String::from("id,date,amount,balance,transactionType,description,status,reconciled\n");
        for row in &cells {
            csv.push_str(&row.join(","));
            csv.push('\n');
        }
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let p = prepare_file(csv.as_bytes(), InputFormat::Csv, &PrepareOptions::new(Platform::Xero, today));
        prop_assert!(p.transactions.len() <= cells.len());
        let b = ingest::read_csv(&csv);
        prop_assert!(b.rows.len() <= cells.len());
    }

    #[test]
    fn wide_decimals_are_written_as_display_writes_them(lo in any::<u32>(), mid in any::<u32>(), hi in any::<u32>(), neg in any::<bool>(), scale in 0u32..=28) {
        let d = Decimal::from_parts(lo, mid, hi, neg, scale);
        let tx = BankTransaction::new("x", "2024-01-01".parse().unwrap(), d);
        let json = serde_json::to_string(&tx).unwrap();
        prop_assert_eq!(json, format!("{{\"id\":\"x\",\"date\":\"2024-01-01\",\"amount\":{d}}}"));
    }

    #[test]
    fn decimals_round_trip_through_text(m in any::<i64>(), s in 0u32..=18) {
        let d = Decimal::new(m, s);
        prop_assert_eq!(bankfeeds::money::parse_decimal(&d.to_string()).unwrap(), d);
        let json = format!("{{\"id\":\"x\",\"date\":\"2024-01-01\",\"amount\":{d}}}");
        let tx: BankTransaction = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(serde_json::to_string(&tx).unwrap(), json);
    }

    #[test]
    fn the_push_body_writer_matches_serde(
        txs in proptest::collection::vec(transaction(), 0..20),
        texts in proptest::collection::vec(proptest::option::of(any::<String>()), 3..=3),
        reconciled in proptest::option::of(any::<bool>()),
        unknown_type in proptest::option::of("[\"\\\\a-z\u{1}\u{7f}é]{0,5}"),
        account in any::<String>(),
    ) {
        // Arbitrary text (quotes, backslashes, control characters, any Unicode) in every string
        // field of the first transaction, and a type the spec does not know.
        let mut txs = txs;
        if let Some(t) = txs.first_mut() {
            t.description = texts[0].clone();
            t.counterparty = texts[1].clone();
            t.reference = texts[2].clone();
            t.reconciled = reconciled;
            if let Some(u) = unknown_type {
                t.transaction_type = Some(TransactionType::parse(&u));
            }
        }
        let body = CreateBankTransactions { account_id: account, transactions: txs };
        let ours = body.to_json();
        prop_assert_eq!(String::from_utf8(ours.clone()).unwrap(), serde_json::to_string(&body).unwrap());
        prop_assert_eq!(CreateBankTransactions::from_json(&ours).unwrap(), body);
    }

    #[test]
    fn decimal_text_reads_as_rust_decimal_reads_it(text in "[-+]?0{0,3}[0-9]{0,24}(\\.[0-9]{0,12}0{0,3})?") {
        let ours = bankfeeds::money::parse_decimal(&text);
        let theirs = Decimal::from_str_exact(&text);
        if let (Ok(a), Ok(b)) = (&ours, &theirs) {
            prop_assert_eq!(a, b);
            // The same digits and scale: 1.50 stays 1.50. (A zero keeps the sign it was written
            // with, which rust_decimal's reader drops.)
            if a.is_zero() {
                prop_assert_eq!(a.scale(), b.scale());
            } else {
                prop_assert_eq!(a.to_string(), b.to_string());
            }
        }
        let digits = text.bytes().filter(u8::is_ascii_digit).count();
        if digits > 0 && digits <= 28 {
            prop_assert!(ours.is_ok(), "{text}: {ours:?}");
        }
    }
}
