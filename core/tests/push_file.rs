//! A push from a file's path streams the file (two readings, one batch held at a time): it must
//! send what a push of the same file's bytes sends, report what that push reports, across
//! reruns, held batches, cursors, resends and errors; and a file that changes while it is
//! pushed is refused, none of the changed rows sent.

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankfeeds::client::push::{Cursor, UnknownHistory};
use bankfeeds::client::{
    Client, Error, PushInput, PushOptions, PushReport, PushStage, PushStop, WaitOptions,
};
use bankfeeds::ingest::InputFormat;
use bankfeeds::model::{BankTransaction, PlatformKey};
use bankfeeds_sandbox::{Fault, FaultRule, Faults, Sandbox};
use rust_decimal::Decimal;
use support::{Checked, Feed, TestLedger, client_builder, connected_feed, rows, stored, today};

fn options(ledger: &TestLedger) -> PushOptions {
    PushOptions::new()
        .ledger_path(ledger.path())
        .today(today())
        .wait(WaitOptions::every(
            Duration::from_millis(5),
            Duration::from_secs(60),
        ))
}

async fn start() -> (Checked, Client) {
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(5)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(10))
        .build()
        .unwrap();
    (sandbox, client)
}

/// A temporary file, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> Self {
        let path = std::env::temp_dir().join(format!(
            "bankfeeds-push-file-{}-{}-{name}",
            std::process::id(),
            fastrand_like()
        ));
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn fastrand_like() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

fn csv(txs: &[BankTransaction]) -> String {
    let mut out = String::from("id,date,description,counterparty,amount,balance\n");
    for t in txs {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            t.id,
            t.date,
            t.description.as_deref().unwrap_or(""),
            t.counterparty.as_deref().unwrap_or(""),
            t.amount,
            t.balance.map(|b| b.to_string()).unwrap_or_default()
        ));
    }
    out
}

fn ids(txs: &[BankTransaction]) -> Vec<String> {
    txs.iter().map(|t| t.id.clone()).collect()
}

/// Two fresh accounts: one pushed from the file's path, one from its bytes.
async fn two_feeds(client: &Client) -> (Feed, Feed) {
    (
        connected_feed(client, PlatformKey::FreeAgent).await,
        connected_feed(client, PlatformKey::FreeAgent).await,
    )
}

/// Pushes `text` to `by_path` from a file's path and to `by_bytes` from its bytes.
async fn both(
    client: &Client,
    (by_path, by_bytes): (&Feed, &Feed),
    text: &str,
    options: &PushOptions,
) -> (Result<PushReport, Error>, Result<PushReport, Error>) {
    let file = TempFile::new("rows.csv", text.as_bytes());
    let push = |feed: &Feed, input: PushInput| {
        let feed = feed.clone();
        async move {
            client
                .push_transactions(
                    &feed.company,
                    &feed.connection,
                    &feed.account,
                    input,
                    options,
                )
                .await
        }
    };
    let a = push(by_path, PushInput::path(&file.0, InputFormat::Auto)).await;
    let b = push(
        by_bytes,
        PushInput::file(text.as_bytes().to_vec(), InputFormat::Csv),
    )
    .await;
    (a, b)
}

/// The two reports say the same (but for the company and connection, and Codat's keys).
fn assert_same(a: &PushReport, b: &PushReport) {
    assert_eq!(a.transactions, b.transactions, "{a}\n{b}");
    assert_eq!(a.already_pushed, b.already_pushed);
    assert_eq!(a.held_back, b.held_back);
    assert_eq!(a.skipped_by_cursor, b.skipped_by_cursor);
    assert_eq!((a.pushed, a.not_pushed), (b.pushed, b.not_pushed));
    assert_eq!(a.batches_total, b.batches_total);
    assert_eq!(a.validation, b.validation);
    assert_eq!(a.changes, b.changes);
    let shape = |r: &PushReport| -> Vec<_> {
        r.batches
            .iter()
            .map(|o| {
                (
                    o.index,
                    o.transactions,
                    o.first_id.clone(),
                    o.last_id.clone(),
                    o.status.clone(),
                )
            })
            .collect()
    };
    assert_eq!(shape(a), shape(b));
    let held = |r: &PushReport| -> Vec<_> {
        r.timed_out
            .iter()
            .map(|h| h.transaction_ids.clone())
            .collect()
    };
    assert_eq!(held(a), held(b));
    assert_eq!(a.stopped.is_some(), b.stopped.is_some());
}

async fn assert_same_stored(a: &Feed, b: &Feed) -> Vec<BankTransaction> {
    let (sa, sb) = (stored(a).await, stored(b).await);
    assert_eq!(sa, sb);
    sa
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_a_partial_push_sends_the_same_rows_from_a_path_as_from_bytes() {
    let (sandbox, client) = start().await;
    let ledger = TestLedger::new();
    let (a, b) = two_feeds(&client).await;
    let all = rows("r-", 0, 25, Decimal::ZERO);
    let opts = options(&ledger).batch_size(4);

    let (first_a, first_b) = both(&client, (&a, &b), &csv(&all[..9]), &opts).await;
    let (first_a, first_b) = (first_a.unwrap(), first_b.unwrap());
    assert_same(&first_a, &first_b);
    assert_eq!(first_a.pushed, 9);

    let (rerun_a, rerun_b) = both(&client, (&a, &b), &csv(&all), &opts).await;
    let (rerun_a, rerun_b) = (rerun_a.unwrap(), rerun_b.unwrap());
    assert_same(&rerun_a, &rerun_b);
    assert_eq!(rerun_a.already_pushed, ids(&all[..9]));
    assert_eq!((rerun_a.pushed, rerun_a.batches_total), (16, 4));
    assert_eq!(assert_same_stored(&a, &b).await, all);

    // Nothing left: nothing sent.
    let (again_a, again_b) = both(&client, (&a, &b), &csv(&all), &opts).await;
    let (again_a, again_b) = (again_a.unwrap(), again_b.unwrap());
    assert_same(&again_a, &again_b);
    assert_eq!((again_a.pushed, again_a.batches_total), (0, 0));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_batches_and_resends_are_the_same_from_a_path_as_from_bytes() {
    let (sandbox, client) = start().await;
    let ledger = TestLedger::new();
    let (a, b) = two_feeds(&client).await;
    let day1 = rows("h-", 0, 3, Decimal::ZERO);
    let day2 = rows("h-", 3, 3, day1.last().unwrap().balance.unwrap());
    let all: Vec<_> = day1.iter().chain(&day2).cloned().collect();
    sandbox
        .set_faults(
            Faults::seeded(1).rule(
                FaultRule::new(Fault::PushTimedOut)
                    .method("POST")
                    .path("/companies/*/connections/*/push/bankAccounts/*/bankTransactions")
                    .nth([1, 2]),
            ),
        )
        .unwrap();
    let (first_a, first_b) = both(&client, (&a, &b), &csv(&day1), &options(&ledger)).await;
    let (first_a, first_b) = (first_a.unwrap(), first_b.unwrap());
    assert_same(&first_a, &first_b);
    assert!(matches!(first_a.stopped, Some(PushStop::TimedOut { .. })));

    let (rerun_a, rerun_b) = both(&client, (&a, &b), &csv(&all), &options(&ledger)).await;
    let (rerun_a, rerun_b) = (rerun_a.unwrap(), rerun_b.unwrap());
    assert_same(&rerun_a, &rerun_b);
    assert_eq!(rerun_a.held_back, ids(&day1));
    assert_eq!(rerun_a.pushed, 3);
    assert_eq!(assert_same_stored(&a, &b).await, day2);

    let told = options(&ledger).resend(ids(&day1));
    let (told_a, told_b) = both(&client, (&a, &b), &csv(&all), &told).await;
    let (told_a, told_b) = (told_a.unwrap(), told_b.unwrap());
    assert_same(&told_a, &told_b);
    assert_eq!(told_a.already_pushed, ids(&day2));
    assert!(told_a.timed_out.is_empty(), "{told_a}");
    assert_eq!(assert_same_stored(&a, &b).await.len(), 6);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_skips_the_same_rows_from_a_path_as_from_bytes() {
    let (sandbox, client) = start().await;
    let ledger = TestLedger::new();
    let (a, b) = two_feeds(&client).await;
    let all = rows("c-", 0, 12, Decimal::ZERO);
    // Every row is on 1 March: the cursor's id decides.
    let day = "2024-03-01".parse().unwrap();
    let cursor = options(&ledger)
        .batch_size(5)
        .unknown_history(UnknownHistory::SkipThrough(Cursor::through_id(day, "c-6")));
    let (ra, rb) = both(&client, (&a, &b), &csv(&all), &cursor).await;
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_same(&ra, &rb);
    assert_eq!(ra.skipped_by_cursor, ids(&all[..7]));
    assert_eq!(assert_same_stored(&a, &b).await, all[7..]);

    // A cursor naming an id not on its date: the same error, nothing sent.
    let (c, d) = two_feeds(&client).await;
    let wrong = options(&ledger)
        .unknown_history(UnknownHistory::SkipThrough(Cursor::through_id(day, "nope")));
    let (ea, eb) = both(&client, (&c, &d), &csv(&all), &wrong).await;
    let (ea, eb) = (ea.unwrap_err(), eb.unwrap_err());
    assert!(matches!(ea, Error::Config(_)), "{ea}");
    assert_eq!(ea.to_string(), eb.to_string());
    assert!(stored(&c).await.is_empty());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_the_same_from_a_path_as_from_bytes_and_rows_already_sent_do_not_count() {
    let (sandbox, client) = start().await;
    let ledger = TestLedger::new();
    let (a, b) = two_feeds(&client).await;
    let all = rows("e-", 0, 8, Decimal::ZERO);
    // Row e-2's balance is off: a broken chain, an error.
    let mut text = csv(&all);
    let good = all[2].balance.unwrap().to_string();
    text = text.replacen(&format!(",{good}\n"), ",1.00\n", 1);

    let (ea, eb) = both(&client, (&a, &b), &text, &options(&ledger)).await;
    let (Err(Error::Validation(ra)), Err(Error::Validation(rb))) = (ea, eb) else {
        panic!("both refused")
    };
    assert_eq!(ra, rb);
    assert!(!ra.is_valid());
    assert!(stored(&a).await.is_empty() && stored(&b).await.is_empty());

    // Once the rows with the findings are on the account, they no longer stop a push.
    let (first_a, first_b) = both(&client, (&a, &b), &csv(&all[..4]), &options(&ledger)).await;
    assert_same(&first_a.unwrap(), &first_b.unwrap());
    let (ra, rb) = both(&client, (&a, &b), &text, &options(&ledger)).await;
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_same(&ra, &rb);
    assert_eq!(ra.pushed, 4, "{ra}");
    assert_eq!(assert_same_stored(&a, &b).await, all);

    // A file that cannot be read: the same finding.
    let missing = Path::new("no-such-file.csv");
    let e = client
        .push_transactions(
            &a.company,
            &a.connection,
            &a.account,
            PushInput::path(missing, InputFormat::Auto),
            &options(&ledger),
        )
        .await
        .unwrap_err();
    let Error::Validation(report) = e else {
        panic!("{e}")
    };
    assert!(report.issues[0].message.contains("cannot read"), "{report}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_changes_while_it_is_pushed_is_refused_and_no_changed_row_is_sent() {
    let (sandbox, client) = start().await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::FreeAgent).await;
    // Long rows, so that the file is read again in several pieces as its batches are sent.
    let all: Vec<_> = rows("x-", 0, 1500, Decimal::ZERO)
        .into_iter()
        .map(|t| t.with_description(format!("Supplier payment{}", " ref".repeat(30))))
        .collect();
    let text = csv(&all);
    assert!(text.len() > 4 * 65_536);
    let file = TempFile::new("changing.csv", text.as_bytes());
    // The same length, different rows: every description from row 1000 on.
    let changed: String = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i > 1000 {
                format!("{}\n", line.replace("ref ref", "REF REF"))
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    assert_eq!(changed.len(), text.len());
    let path = file.0.clone();
    let once = Arc::new(Mutex::new(Some(changed)));
    let change = Arc::clone(&once);
    let opts = options(&ledger).batch_size(100).on_progress(move |p| {
        if p.stage == PushStage::BatchDone
            && let Some(changed) = change.lock().unwrap().take()
        {
            std::fs::write(&path, changed).unwrap();
        }
    });
    let report = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            PushInput::path(&file.0, InputFormat::Auto),
            &opts,
        )
        .await
        .unwrap();
    assert!(once.lock().unwrap().is_none(), "the file was changed");
    let Some(PushStop::Error { error, .. }) = &report.stopped else {
        panic!("the push went on: {report}")
    };
    assert!(error.to_string().contains("changed"), "{error}");
    let got = stored(&feed).await;
    assert!(
        report.pushed < all.len() && report.pushed == got.len(),
        "{report}"
    );
    // Only rows before the change (descriptions trimmed by normalisation).
    assert_eq!(ids(&got), ids(&all[..got.len()]));
    assert_eq!(
        got.len(),
        1000,
        "every batch before the changed rows was sent"
    );
    assert!(
        got.iter()
            .all(|t| !t.description.as_deref().unwrap_or("").contains("REF"))
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_findings_than_a_report_lists_on_rows_already_sent_do_not_count_either() {
    let (sandbox, client) = start().await;
    let ledger = TestLedger::new();
    let (a, b) = two_feeds(&client).await;
    let all = rows("m-", 0, 1300, Decimal::ZERO);
    let (first_a, first_b) = both(&client, (&a, &b), &csv(&all[..1250]), &options(&ledger)).await;
    assert_same(&first_a.unwrap(), &first_b.unwrap());
    // Every other balance of the rows already sent a cent off: over 1,000 balance_mismatch
    // errors, more than a streamed report lists, every one about a row set aside.
    let mut shifted = all.clone();
    for t in shifted.iter_mut().take(1248).step_by(2) {
        t.balance = t.balance.map(|b| b + Decimal::new(1, 2));
    }
    let (ra, rb) = both(&client, (&a, &b), &csv(&shifted), &options(&ledger)).await;
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_same(&ra, &rb);
    assert_eq!((ra.already_pushed.len(), ra.pushed), (1250, 50), "{ra}");
    assert_eq!(assert_same_stored(&a, &b).await, all);

    // The same file on fresh accounts: refused, the errors counted alike.
    let (c, d) = two_feeds(&client).await;
    let (ec, ed) = both(&client, (&c, &d), &csv(&shifted), &options(&ledger)).await;
    let (Err(Error::Validation(rc)), Err(Error::Validation(rd))) = (ec, ed) else {
        panic!("both refused")
    };
    assert!(rc.error_count() > 1000);
    assert_eq!(rc.error_count(), rd.error_count());
    assert_eq!(
        rc.issues[..1000],
        rd.issues[..1000],
        "the first ones listed alike"
    );
    assert_eq!(
        rc.issues.len(),
        1000,
        "the streamed report lists 1,000 of a code"
    );
    sandbox.shutdown().await;
}

/// One account's file being read holds up no other account of a `push_all`: the rows are
/// checked off the runtime's threads. Here the file is a pipe that nobody writes to until the
/// other account is complete; while the check ran on the runtime's thread (the only one here),
/// nothing else could run and the other account waited for the pipe. A pipe, which can be read
/// only once, is read whole (it used to fail: "Illegal seek").
#[cfg(unix)]
#[tokio::test(flavor = "current_thread")]
async fn an_account_whose_file_is_still_being_read_holds_up_no_other() {
    use std::sync::atomic::{AtomicBool, Ordering};

    use bankfeeds::client::{AccountPush, AccountState, AccountStatus, PushAllOptions};

    let (sandbox, client) = start().await;
    let ledger = TestLedger::new();
    let (by_pipe, in_memory) = two_feeds(&client).await;
    let txs = rows("p-", 0, 20, Decimal::ZERO);
    let pipe = ledger.path().with_file_name("statement.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success());

    let other_done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (pipe, text, other_done) = (pipe.clone(), csv(&txs), other_done.clone());
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while !other_done.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            let done_first = other_done.load(Ordering::SeqCst);
            // A pipe is read once, whole.
            std::fs::write(&pipe, &text).unwrap();
            done_first
        })
    };

    let seen = other_done.clone();
    let options = PushAllOptions::new(options(&ledger)).on_progress(move |p| {
        if p.index == 1 && p.state == AccountState::Complete {
            seen.store(true, Ordering::SeqCst);
        }
    });
    let list = vec![
        AccountPush::new(
            &by_pipe.company,
            &by_pipe.connection,
            &by_pipe.account,
            PushInput::path(&pipe, InputFormat::Csv),
        ),
        AccountPush::new(
            &in_memory.company,
            &in_memory.connection,
            &in_memory.account,
            txs.clone(),
        ),
    ];
    let report = client.push_all(list, &options).await.unwrap();
    let done_first = writer.join().unwrap();
    assert!(
        done_first,
        "the other account waited for the file being read: {report:?}"
    );
    for result in &report.accounts {
        assert_eq!(result.status(), AccountStatus::Complete, "{result:?}");
    }
    assert_eq!(stored(&by_pipe).await, txs);
    assert_eq!(stored(&in_memory).await, txs);
    sandbox.shutdown().await;
}
