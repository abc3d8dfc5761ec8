//! Pushing to the sandbox: 200 batches of 1,000 transactions, pushed strictly in order and each
//! waited for, with the sandbox finishing pushes at once (push delay 0).
//!
//! Run with `cargo bench -p bankfeeds --bench push` (optimised build). It prints, per round and
//! as medians over the rounds:
//! - **batches/s**: batches pushed and confirmed `Success` per second of wall time;
//! - **client CPU/batch**: CPU time (user + system) of the thread running the client, per batch.
//!   The client runs alone on this thread (a current-thread tokio runtime: serialising, HTTP,
//!   reading answers, retries, polling); the sandbox runs on its own thread and runtime
//!   (`start_blocking`), so its work is not counted. The process figure (client + sandbox) is
//!   printed beside it, with the client's share;
//! - two ways in: `push_batch + wait` (the building blocks, bodies prepared beforehand) and
//!   `push_transactions` (the whole call: account and history reads, normalisation, validation,
//!   batching, pushes, waits, the push ledger in a temporary SQLite file), and the same without
//!   the ledger. Their differences are the core's preparation of 200,000 rows and the ledger.
//! - **many accounts** (`push_all`): 100 accounts in 4 companies, 1,000 transactions each (one
//!   batch each, 100 batches in all), pushed with one `push_all` call (8 accounts at once, at most
//!   10 requests in flight per company) against the same 100 pushes one account after another,
//!   first with the sandbox finishing pushes at once, then with a push taking 100 ms as Codat's
//!   do (which is what pushing accounts at once is for), all through one push ledger. The
//!   sandbox's count of requests in flight per company is printed beside it.
//!
//! `BENCH_ROUNDS` sets the number of rounds (default 3).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use bankfeeds::batch;
use bankfeeds::client::{
    AccountPush, Client, LookupOptions, PushAllOptions, PushBatchOptions, PushOptions, WaitOptions,
};
use bankfeeds::model::PlatformKey;
use bankfeeds_sandbox::Sandbox;
use rust_decimal::Decimal;

const BATCHES: usize = 200;
const PER_BATCH: usize = 1_000;

/// CPU time (user + system) of the calling thread, or of the whole process.
fn cpu(who: libc::c_int) -> Duration {
    // SAFETY: getrusage fills the zeroed struct it is given and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(who, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

struct Round {
    wall: Duration,
    client_cpu: Duration,
    process_cpu: Duration,
}

impl Round {
    fn batches_per_sec(&self) -> f64 {
        BATCHES as f64 / self.wall.as_secs_f64()
    }
    fn client_ms_per_batch(&self) -> f64 {
        self.client_cpu.as_secs_f64() * 1000.0 / BATCHES as f64
    }
    fn process_ms_per_batch(&self) -> f64 {
        self.process_cpu.as_secs_f64() * 1000.0 / BATCHES as f64
    }
}

async fn measure<F: std::future::Future<Output = ()>>(work: F) -> Round {
    let (c0, p0, t0) = (
        cpu(libc::RUSAGE_THREAD),
        cpu(libc::RUSAGE_SELF),
        Instant::now(),
    );
    work.await;
    Round {
        wall: t0.elapsed(),
        client_cpu: cpu(libc::RUSAGE_THREAD) - c0,
        process_cpu: cpu(libc::RUSAGE_SELF) - p0,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn print(name: &str, rounds: &[Round]) {
    for (i, r) in rounds.iter().enumerate() {
        println!(
            "  {name} round {}: {:.1} s, {:.1} batches/s, client CPU {:.2} ms/batch, process CPU {:.2} ms/batch",
            i + 1,
            r.wall.as_secs_f64(),
            r.batches_per_sec(),
            r.client_ms_per_batch(),
            r.process_ms_per_batch()
        );
    }
    let bps = median(rounds.iter().map(Round::batches_per_sec).collect());
    let client = median(rounds.iter().map(Round::client_ms_per_batch).collect());
    let process = median(rounds.iter().map(Round::process_ms_per_batch).collect());
    println!(
        "{name}: median {bps:.1} batches/s ({:.0} transactions/s), client CPU {client:.2} ms/batch ({:.2} µs/transaction), process CPU {process:.2} ms/batch, client share {:.0}%",
        bps * PER_BATCH as f64,
        client * 1000.0 / PER_BATCH as f64,
        100.0 * client / process
    );
}

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let sandbox = Sandbox::builder()
        .today(support::today())
        .push_delay(Duration::ZERO)
        .start_blocking()
        .expect("sandbox");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client: Client = support::client_builder(sandbox.url(), Duration::from_secs(30))
        .build()
        .unwrap();
    let wait = WaitOptions::every(Duration::from_millis(1), Duration::from_secs(60));
    let rows = support::rows("b-", 0, BATCHES * PER_BATCH, Decimal::ZERO);
    println!(
        "push: {BATCHES} batches x {PER_BATCH} transactions to the in-process sandbox (push delay 0), {rounds} round(s)"
    );

    let mut blocks = Vec::new();
    for _ in 0..rounds {
        let feed = runtime.block_on(support::connected_feed(&client, PlatformKey::Xero));
        let bodies = batch::push_bodies(&feed.account, rows.clone(), PER_BATCH);
        let tx = client.transactions(&feed.company, &feed.connection);
        let ops = client.push_operations(&feed.company);
        let options = PushBatchOptions::default();
        blocks.push(runtime.block_on(measure(async {
            for body in &bodies {
                let pushed = tx.push_batch(body, &options).await.expect("push");
                let done = if pushed.operation.is_final() {
                    pushed.operation
                } else {
                    ops.wait(&pushed.operation.push_operation_key, &wait)
                        .await
                        .expect("wait")
                };
                assert!(done.is_success(), "{done:?}");
            }
        })));
    }
    print("push_batch + wait", &blocks);

    let ledger = support::TestLedger::new();
    let mut whole = Vec::new();
    for _ in 0..rounds {
        let feed = runtime.block_on(support::connected_feed(&client, PlatformKey::Xero));
        let options = PushOptions::new()
            .ledger_path(ledger.path())
            .today(support::today())
            .wait(wait)
            .lookup(LookupOptions::default());
        let rows = rows.clone();
        whole.push(runtime.block_on(measure(async {
            let report = client
                .push_transactions(
                    &feed.company,
                    &feed.connection,
                    &feed.account,
                    rows,
                    &options,
                )
                .await
                .expect("push_transactions");
            assert!(
                report.is_complete() && report.batches.len() == BATCHES,
                "{report}"
            );
        })));
    }
    print("push_transactions", &whole);

    // The same without the ledger (a first push: nothing to read back), for its cost.
    let mut bare = Vec::new();
    for _ in 0..rounds {
        let feed = runtime.block_on(support::connected_feed(&client, PlatformKey::Xero));
        let options = PushOptions::new()
            .without_ledger()
            .today(support::today())
            .wait(wait)
            .lookup(LookupOptions::default());
        let rows = rows.clone();
        bare.push(runtime.block_on(measure(async {
            let report = client
                .push_transactions(
                    &feed.company,
                    &feed.connection,
                    &feed.account,
                    rows,
                    &options,
                )
                .await
                .expect("push_transactions");
            assert!(report.is_complete(), "{report}");
        })));
    }
    print("push_transactions without ledger", &bare);

    let blocks_cpu = median(blocks.iter().map(Round::client_ms_per_batch).collect());
    let whole_cpu = median(whole.iter().map(Round::client_ms_per_batch).collect());
    println!(
        "ratios: push_transactions / push_batch+wait = {:.2}x wall time per batch, {:.2}x client CPU per batch",
        median(blocks.iter().map(Round::batches_per_sec).collect())
            / median(whole.iter().map(Round::batches_per_sec).collect()),
        whole_cpu / blocks_cpu
    );
    sandbox.shutdown();

    for delay in [Duration::ZERO, Duration::from_millis(100)] {
        many_accounts(&runtime, rounds, delay);
    }
}

const COMPANIES: usize = 4;
const ACCOUNTS_PER_COMPANY: usize = 25;
const ACCOUNTS: usize = COMPANIES * ACCOUNTS_PER_COMPANY;

/// 100 accounts of one batch each: `push_all` against one account after another, on a sandbox
/// whose pushes take `delay`.
fn many_accounts(runtime: &tokio::runtime::Runtime, rounds: usize, delay: Duration) {
    let sandbox = Sandbox::builder()
        .today(support::today())
        .push_delay(delay)
        .start_blocking()
        .expect("sandbox");
    let client: Client = support::client_builder(sandbox.url(), Duration::from_secs(30))
        .build()
        .unwrap();
    let wait = WaitOptions::every(Duration::from_millis(5), Duration::from_secs(60));
    // The push ledger is what lets accounts of one connection push side by side: without it a
    // push cannot tell its siblings' operations from unknown history, and refuses.
    let ledger = support::TestLedger::new();
    let options = PushOptions::new()
        .ledger_path(ledger.path())
        .today(support::today())
        .wait(wait)
        .lookup(LookupOptions::default());
    let name = format!("push delay {} ms", delay.as_millis());
    println!(
        "many accounts, {name}: {ACCOUNTS} accounts in {COMPANIES} companies x {PER_BATCH} transactions, {rounds} round(s)"
    );
    let (mut together, mut one_by_one) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let targets = runtime.block_on(support::accounts(
            &client,
            &sandbox,
            COMPANIES,
            ACCOUNTS_PER_COMPANY,
            |_| PER_BATCH,
        ));
        let all = PushAllOptions::new(options.clone());
        let pushes: Vec<AccountPush> = targets
            .iter()
            .map(|t| AccountPush::new(&t.company, &t.connection, &t.account, t.rows.clone()))
            .collect();
        together.push(runtime.block_on(measure(async {
            let report = client.push_all(pushes, &all).await.expect("push_all");
            assert!(report.is_complete(), "push_all did not complete:\n{report}");
        })));

        let targets = runtime.block_on(support::accounts(
            &client,
            &sandbox,
            COMPANIES,
            ACCOUNTS_PER_COMPANY,
            |_| PER_BATCH,
        ));
        one_by_one.push(runtime.block_on(measure(async {
            for t in &targets {
                let report = client
                    .push_transactions(
                        &t.company,
                        &t.connection,
                        &t.account,
                        t.rows.clone(),
                        &options,
                    )
                    .await
                    .expect("push_transactions");
                assert!(report.is_complete(), "{report}");
            }
        })));
    }
    let per_account = |r: &Round| r.wall.as_secs_f64() * 1000.0 / ACCOUNTS as f64;
    for (label, list) in [("push_all", &together), ("one by one", &one_by_one)] {
        let walls: Vec<f64> = list.iter().map(|r| r.wall.as_secs_f64()).collect();
        println!(
            "  {name}, {label}: rounds {:?} s; median {:.2} s ({:.1} ms an account), client CPU {:.2} ms an account",
            walls
                .iter()
                .map(|w| (w * 100.0).round() / 100.0)
                .collect::<Vec<_>>(),
            median(walls.clone()),
            median(list.iter().map(per_account).collect()),
            median(
                list.iter()
                    .map(|r| r.client_cpu.as_secs_f64() * 1000.0 / ACCOUNTS as f64)
                    .collect()
            ),
        );
    }
    let most = sandbox
        .stats()
        .max_in_flight_per_company
        .values()
        .copied()
        .max()
        .unwrap_or(0);
    println!(
        "  {name}: push_all is {:.2}x faster than one account after another; at most {most} requests in flight for a company",
        median(one_by_one.iter().map(|r| r.wall.as_secs_f64()).collect())
            / median(together.iter().map(|r| r.wall.as_secs_f64()).collect())
    );
    sandbox.shutdown();
}
