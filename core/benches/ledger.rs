//! What the push ledger costs: recording one batch of 1,000 transactions through its life
//! (`Sending` before the request, `Pending` with the operation key, `Success`: three durable
//! writes), and reading a connection's history back (1,000 batches of 1,000 ids, a year of daily
//! pushes of a busy account).
//!
//! `cargo bench -p bankfeeds --bench ledger`, then `python3 scripts/bench-medians.py` for medians.
//! The SQLite ledger runs in WAL mode with `synchronous=NORMAL`: a commit is written to the log
//! without an `fsync` (those come with checkpoints), so the figures depend less on the disk than
//! `FULL` would (about 6 ms a write on this project's VM).

use std::time::Duration;

use bankfeeds::client::push::ledger::{
    BatchState, LedgerAccount, LedgerBatch, MemoryLedger, PushLedger, SqliteLedger,
};
use bankfeeds::model::BankTransaction;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;

fn transactions(batch: usize) -> Vec<BankTransaction> {
    let start = chrono::NaiveDate::from_ymd_opt(2024, 3, 1)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap();
    (0..1_000)
        .map(|n| {
            BankTransaction::new(
                format!("acc-001-{batch:06}-{n:04}"),
                (start + chrono::TimeDelta::seconds(n as i64)).into(),
                Decimal::new(1_999, 2),
            )
        })
        .collect()
}

fn record(ledger: &dyn PushLedger, account: &LedgerAccount, txs: &[BankTransaction]) {
    let mut batch = LedgerBatch::sending(account.clone(), txs);
    ledger.save(&batch).unwrap();
    batch.advance(
        BatchState::Pending,
        Some("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
    );
    ledger.save(&batch).unwrap();
    batch.advance(BatchState::Success, None);
    ledger.save(&batch).unwrap();
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("bankfeeds-ledger-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let account = LedgerAccount::new("c", "k", "acc-001");
    let txs = transactions(0);

    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(1_000));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("build the record of a batch of 1000 (no ledger)", |b| {
        b.iter(|| {
            let mut batch = LedgerBatch::sending(account.clone(), &txs);
            batch.advance(
                BatchState::Success,
                Some("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
            );
            batch
        });
    });
    let sqlite = SqliteLedger::open(dir.join("record.sqlite3")).unwrap();
    group.bench_function("record a batch of 1000 (sqlite, 3 writes)", |b| {
        b.iter(|| record(&sqlite, &account, &txs));
    });
    let memory = MemoryLedger::new();
    group.bench_function("record a batch of 1000 (memory, 3 writes)", |b| {
        b.iter_batched(
            MemoryLedger::new,
            |fresh| record(&fresh, &account, &txs),
            BatchSize::SmallInput,
        );
    });
    drop(memory);
    group.finish();

    let mut group = c.benchmark_group("ledger history");
    group.throughput(Throughput::Elements(1_000_000));
    group.sample_size(10);
    let year = SqliteLedger::open(dir.join("year.sqlite3")).unwrap();
    for n in 0..1_000 {
        let mut batch = LedgerBatch::sending(account.clone(), &transactions(n));
        batch.advance(BatchState::Success, Some(&format!("op-{n}")));
        year.save(&batch).unwrap();
    }
    group.bench_function("read 1000 batches of 1000 ids (sqlite)", |b| {
        b.iter(|| {
            let batches = year.batches("c", "k").unwrap();
            assert_eq!(batches.len(), 1_000);
        });
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
