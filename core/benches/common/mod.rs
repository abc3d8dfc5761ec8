//! The throughput benchmarks, shared by `throughput.rs` (the system allocator) and
//! `throughput_mimalloc.rs`.

use std::hint::black_box;
use std::time::Duration;

use bankfeeds::dates::LocalDateTime;
use bankfeeds::model::{BankTransaction, CreateBankTransactions, TransactionType};
use bankfeeds::normalise::{NormaliseOptions, normalise};
use bankfeeds::rules::Platform;
use bankfeeds::validate::{AccountContext, ValidationContext, validate};
use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, Throughput};
use rust_decimal::Decimal;

const N: usize = 1_000_000;

fn synthetic(n: usize) -> Vec<BankTransaction> {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mut balance = Decimal::new(1_000_000, 2);
    (0..n)
        .map(|i| {
            // A deterministic spread of amounts in and out, to the cent.
            let cents = ((i as i64 * 7919) % 200_001) - 100_000;
            let amount = Decimal::new(cents, 2);
            balance += amount;
            let when = start + chrono::TimeDelta::seconds(i as i64 * 20);
            BankTransaction {
                // Ids in no particular order, like UUIDs, so the duplicate check cannot take its
                // sequential fast path.
                id: format!(
                    "{:016x}-{i}",
                    (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
                ),
                date: LocalDateTime::new(when),
                description: Some(format!("Card payment {}", i % 977)),
                counterparty: None,
                reference: None,
                reconciled: None,
                amount,
                balance: Some(balance),
                transaction_type: Some(if cents < 0 {
                    TransactionType::Debit
                } else {
                    TransactionType::Credit
                }),
            }
        })
        .collect()
}

/// Every throughput benchmark, in groups named after the process's allocator.
pub fn all(c: &mut Criterion, allocator: &str) {
    in_memory(c, allocator);
    json(c, allocator);
    codec(c, allocator);
}

fn context() -> ValidationContext {
    ValidationContext::new(
        Platform::Xero,
        NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(),
    )
    .with_account(AccountContext::in_currency("USD"))
}

fn in_memory(c: &mut Criterion, allocator: &str) {
    let txs = synthetic(N);
    let ctx = context();
    let options = NormaliseOptions::for_platform(Platform::Xero);
    // Sanity: the synthetic data is valid, so the benchmark measures the clean path.
    assert!(validate(&txs, &ctx).is_valid());
    let mut group = c.benchmark_group(format!("in_memory/{allocator}"));
    group.throughput(Throughput::Elements(N as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("normalise+validate+chain", |b| {
        b.iter_batched(
            || txs.clone(),
            |txs| {
                let n = normalise(txs, &options);
                let report = n.validate(&ctx);
                black_box((n, report))
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("validate+chain", |b| {
        b.iter(|| black_box(validate(black_box(&txs), &ctx)))
    });
    group.finish();
}

fn json(c: &mut Criterion, allocator: &str) {
    let body = CreateBankTransactions {
        account_id: "acc-001".into(),
        transactions: synthetic(N),
    };
    let text = body.to_json();
    let ctx = context();
    let mut group = c.benchmark_group(format!("json/{allocator}"));
    group.throughput(Throughput::Elements(N as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    // A service answering request after request writes into the same buffer each time.
    let mut out = Vec::new();
    group.bench_function("decode+validate+encode", |b| {
        b.iter(|| {
            let body = CreateBankTransactions::from_json(black_box(&text)).unwrap();
            let report = validate(&body.transactions, &ctx);
            out.clear();
            body.write_json(&mut out);
            black_box((report, out.len()))
        })
    });

    // The same million transactions as a push carries them: 1,000 bodies of 1,000 (the spec's
    // maxItems), each decoded, validated and written back.
    let bodies: Vec<Vec<u8>> = body
        .transactions
        .chunks(CreateBankTransactions::MAX_TRANSACTIONS)
        .map(|chunk| {
            CreateBankTransactions {
                account_id: body.account_id.clone(),
                transactions: chunk.to_vec(),
            }
            .to_json()
        })
        .collect();
    group.bench_function("decode+validate+encode/1000 bodies of 1000", |b| {
        b.iter(|| {
            let mut errors = 0;
            for text in &bodies {
                let body = CreateBankTransactions::from_json(black_box(text)).unwrap();
                errors += validate(&body.transactions, &ctx).error_count();
                out.clear();
                body.write_json(&mut out);
            }
            black_box((errors, out.len()))
        })
    });
    group.finish();
}

/// One push body of 1,000 transactions (the spec's maxItems, what the client sends per request)
/// written by serde_json and by the crate's own writer, which the client uses (byte for byte the
/// same; less than half the time: 112 µs and 41 µs on 2026-12-06, from 112-115 µs and 47 µs the
/// day before).
fn codec(c: &mut Criterion, allocator: &str) {
    let body = CreateBankTransactions {
        account_id: "acc-001".into(),
        transactions: synthetic(CreateBankTransactions::MAX_TRANSACTIONS),
    };
    let mut group = c.benchmark_group(format!("codec/{allocator}"));
    group.throughput(Throughput::Elements(body.transactions.len() as u64));
    group.bench_function("encode/serde_json::to_vec", |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(&body)).unwrap()))
    });
    group.bench_function("encode/to_json", |b| {
        b.iter(|| black_box(black_box(&body).to_json()))
    });
    group.finish();
}
