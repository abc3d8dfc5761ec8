//! Pushing to a server shaped as Codat's spec says: push operations carry no `data`, so only the
//! push ledger knows what is on an account. Daily pushes, reruns, crashes at every point, two
//! pushers at once, timed-out batches and a new machine without the ledger, against the sandbox
//! in its default (spec) mode.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use bankfeeds::ErrorCode;
use bankfeeds::client::push::ledger::{BatchState, LedgerAccount, LedgerBatch, LedgerError};
use bankfeeds::client::push::{Cursor, UnknownHistory};
use bankfeeds::client::{Client, Error, LookupOptions, PushOptions, PushStop, WaitOptions};
use bankfeeds::model::{BankTransaction, CreateBankTransactions, PlatformKey};
use bankfeeds_sandbox::{Fault, FaultRule, Faults, Sandbox};
use rust_decimal::Decimal;
use support::{Checked, Feed, TestLedger, client_builder, connected_feed, rows, stored, today};

fn options(ledger: &TestLedger) -> PushOptions {
    PushOptions::new()
        .ledger_path(ledger.path())
        .today(today())
        .wait(WaitOptions::every(
            Duration::from_millis(10),
            Duration::from_secs(60),
        ))
        .lookup(LookupOptions {
            delay: Duration::from_millis(20),
            ..LookupOptions::default()
        })
}

async fn start(push_delay_ms: u64) -> (Checked, Client) {
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(push_delay_ms)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(10))
        .build()
        .unwrap();
    (sandbox, client)
}

async fn push(
    client: &Client,
    feed: &Feed,
    txs: &[BankTransaction],
    options: &PushOptions,
) -> Result<bankfeeds::client::PushReport, Error> {
    client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            txs.to_vec(),
            options,
        )
        .await
}

/// Day 1's rows, then day 2's (continuing the balance).
fn days() -> (Vec<BankTransaction>, Vec<BankTransaction>) {
    let day1 = rows("d-", 0, 3, Decimal::ZERO);
    let day2 = rows("d-", 3, 3, day1.last().unwrap().balance.unwrap());
    (day1, day2)
}

fn ids(txs: &[BankTransaction]) -> Vec<String> {
    txs.iter().map(|t| t.id.clone()).collect()
}

fn assert_each_once(got: &[BankTransaction], want: &[BankTransaction]) {
    let unique: HashSet<&str> = got.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(unique.len(), got.len(), "a transaction was stored twice");
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_pushes_send_each_row_once() {
    let (sandbox, client) = start(20).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let (day1, day2) = days();

    let first = push(&client, &feed, &day1, &options(&ledger))
        .await
        .unwrap();
    assert!(first.is_complete(), "{first}");
    assert_eq!(first.pushed, 3);

    // The same rows again: nothing is sent.
    let again = push(&client, &feed, &day1, &options(&ledger))
        .await
        .unwrap();
    assert_eq!((again.pushed, again.batches_total), (0, 0), "{again}");
    assert_eq!(again.already_pushed, ids(&day1));
    assert!(again.is_complete());
    assert_eq!(sandbox.stats().pushes_accepted, 1);

    // Day 2: the whole statement so far; only the new rows go.
    let all: Vec<_> = day1.iter().chain(&day2).cloned().collect();
    let second = push(&client, &feed, &all, &options(&ledger)).await.unwrap();
    assert!(second.is_complete(), "{second}");
    assert_eq!((second.pushed, second.already_pushed.len()), (3, 3));
    assert_eq!(sandbox.stats().pushes_accepted, 2);
    assert_each_once(&stored(&feed).await, &all);

    // The spec's answers carry no `data` (the sandbox in its default mode).
    let listed = client
        .push_operations(&feed.company)
        .list(bankfeeds::client::ListQuery::new())
        .all()
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|op| op.data.is_none()));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_killed_after_codat_accepted_it_is_waited_for_not_sent_again() {
    let (sandbox, client) = start(1_500).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let (day1, _) = days();

    // The process dies while the operation is pending: the push's future is dropped mid-wait.
    let cut = tokio::time::timeout(
        Duration::from_millis(400),
        push(&client, &feed, &day1, &options(&ledger)),
    )
    .await;
    assert!(cut.is_err(), "the push should still have been waiting");
    assert_eq!(sandbox.stats().pushes_accepted, 1);
    let recorded = ledger
        .open()
        .batches(&feed.company, &feed.connection)
        .unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].state, BatchState::Pending);
    assert!(recorded[0].operation_key.is_some());

    // The rerun waits for that operation instead of sending the rows again.
    let rerun = push(&client, &feed, &day1, &options(&ledger))
        .await
        .unwrap();
    assert!(rerun.is_complete(), "{rerun}");
    assert_eq!((rerun.pushed, rerun.already_pushed.len()), (0, 3));
    assert_eq!(sandbox.stats().pushes_accepted, 1);
    assert_each_once(&stored(&feed).await, &day1);
    let recorded = ledger
        .open()
        .batches(&feed.company, &feed.connection)
        .unwrap();
    assert_eq!(recorded[0].state, BatchState::Success);
    sandbox.shutdown().await;
}

/// The process died after the ledger wrote the batch and before the answer came back. Whether
/// Codat got it is found out by looking it up; it is sent again only if Codat never had it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_answer_never_came_is_looked_up_before_anything_is_sent() {
    let (sandbox, client) = start(10).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let (day1, day2) = days();
    let target = LedgerAccount::new(&feed.company, &feed.connection, &feed.account);

    // Day 1: written as `Sending`, and Codat did receive it (the answer was lost).
    let sending = LedgerBatch::sending(target.clone(), &day1);
    ledger.open().save(&sending).unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let body = CreateBankTransactions {
        account_id: feed.account.clone(),
        transactions: day1.clone(),
    };
    client
        .transactions(&feed.company, &feed.connection)
        .create(&body, &Default::default())
        .await
        .unwrap();
    let rerun = push(&client, &feed, &day1, &options(&ledger))
        .await
        .unwrap();
    assert!(rerun.is_complete(), "{rerun}");
    assert_eq!(rerun.already_pushed, ids(&day1));
    // Found, as whatever the operation was by then (the sandbox finishes pushes in 10 ms).
    assert_eq!(rerun.recovered.len(), 1, "{rerun}");
    assert_eq!(rerun.recovered[0].0, sending.batch_id);
    assert!(
        matches!(
            rerun.recovered[0].1,
            BatchState::Pending | BatchState::Success
        ),
        "{:?}",
        rerun.recovered
    );
    assert_eq!(sandbox.stats().pushes_accepted, 1);

    // Day 2: written as `Sending`, but Codat never got it: the rows are sent.
    let lost = LedgerBatch::sending(target, &day2);
    ledger.open().save(&lost).unwrap();
    let all: Vec<_> = day1.iter().chain(&day2).cloned().collect();
    let rerun = push(&client, &feed, &all, &options(&ledger)).await.unwrap();
    assert!(rerun.is_complete(), "{rerun}");
    assert_eq!(rerun.pushed, 3);
    assert_eq!(
        rerun.recovered,
        vec![(lost.batch_id.clone(), BatchState::NotAccepted)]
    );
    assert_eq!(sandbox.stats().pushes_accepted, 2);
    assert_each_once(&stored(&feed).await, &all);
    sandbox.shutdown().await;
}

/// FreeAgent's rules do not refuse older rows, so two pushers racing would both be booked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pushers_on_one_account_store_each_row_once() {
    let (sandbox, client) = start(200).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::FreeAgent).await;
    let txs = rows("c-", 0, 30, Decimal::ZERO);

    // Two processes (two handles on one ledger file), started together: one refuses.
    let a = options(&ledger).ledger(ledger.open());
    let b = options(&ledger).ledger(ledger.open());
    let (ra, rb) = tokio::join!(
        push(&client, &feed, &txs, &a),
        push(&client, &feed, &txs, &b)
    );
    let (done, busy) = match (ra, rb) {
        (Ok(done), Err(busy)) | (Err(busy), Ok(done)) => (done, busy),
        other => panic!("expected one push and one refusal: {other:?}"),
    };
    assert!(done.is_complete(), "{done}");
    assert_eq!(busy.code(), ErrorCode::AccountBusy, "{busy}");
    assert!(
        busy.to_string().contains("is being pushed by process"),
        "{busy}"
    );
    assert_each_once(&stored(&feed).await, &txs);

    // Allowed to wait, the second waits its turn and then finds nothing to send.
    let more = rows("c-", 0, 40, Decimal::ZERO);
    let a = options(&ledger).lock_wait(Duration::from_secs(30));
    let b = options(&ledger).lock_wait(Duration::from_secs(30));
    let (ra, rb) = tokio::join!(
        push(&client, &feed, &more, &a),
        push(&client, &feed, &more, &b)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra.is_complete() && rb.is_complete(), "{ra}\n{rb}");
    assert_eq!(ra.pushed + rb.pushed, 10, "{ra}\n{rb}");
    assert_each_once(&stored(&feed).await, &more);
    assert_eq!(sandbox.stats().pushes_accepted, 2);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_batch_is_never_sent_again_unless_asked() {
    let (sandbox, client) = start(10).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::FreeAgent).await;
    let (day1, day2) = days();
    sandbox
        .set_faults(
            Faults::seeded(1).rule(
                FaultRule::new(Fault::PushTimedOut)
                    .method("POST")
                    .path("/companies/*/connections/*/push/bankAccounts/*/bankTransactions")
                    .nth([1]),
            ),
        )
        .unwrap();

    let first = push(&client, &feed, &day1, &options(&ledger))
        .await
        .unwrap();
    let Some(PushStop::TimedOut {
        batch: 0,
        operation_key,
        transaction_ids,
    }) = &first.stopped
    else {
        panic!("{first}")
    };
    assert_eq!(*transaction_ids, ids(&day1));
    assert_eq!(first.timed_out.len(), 1);
    assert_eq!(first.timed_out[0].operation_key, *operation_key);
    assert!(!first.is_complete());
    assert!(first.to_string().contains("timed out"), "{first}");

    // Rerun: the held rows are not sent; new rows are.
    let all: Vec<_> = day1.iter().chain(&day2).cloned().collect();
    let rerun = push(&client, &feed, &all, &options(&ledger)).await.unwrap();
    assert_eq!(rerun.held_back, ids(&day1), "{rerun}");
    assert_eq!(rerun.pushed, 3);
    assert!(
        !rerun.is_complete(),
        "held rows are not on the account for sure"
    );
    assert_eq!(rerun.timed_out[0].operation_key, *operation_key);
    assert_eq!(sandbox.stats().pushes_accepted, 2);
    assert_eq!(stored(&feed).await, day2);

    // Told to (the platform does not have them), it resends exactly those ids.
    let told = push(&client, &feed, &all, &options(&ledger).resend(ids(&day1)))
        .await
        .unwrap();
    assert_eq!(told.already_pushed, ids(&day2), "{told}");
    assert_eq!((told.pushed, told.batches_total), (3, 1));
    assert!(told.is_complete(), "{told}");
    assert!(told.timed_out.is_empty(), "resolved by the resend: {told}");
    assert_eq!(sandbox.stats().pushes_accepted, 3);
    let got = stored(&feed).await;
    assert_eq!(got.len(), 6);
    assert_eq!(got.iter().map(|t| &t.id).collect::<HashSet<_>>().len(), 6);
    sandbox.shutdown().await;
}

/// A timed-out batch resent in two parts, over two runs, is settled once all its rows are on
/// the account: the second run no longer reports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_batch_resent_in_parts_is_settled() {
    let (sandbox, client) = start(10).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::FreeAgent).await;
    let (day1, _) = days();
    sandbox
        .set_faults(
            Faults::none().rule(
                FaultRule::new(Fault::PushTimedOut)
                    .method("POST")
                    .path("**/bankTransactions")
                    .nth([1]),
            ),
        )
        .unwrap();
    let first = push(&client, &feed, &day1, &options(&ledger))
        .await
        .unwrap();
    assert_eq!(first.timed_out.len(), 1, "{first}");

    let part = push(
        &client,
        &feed,
        &day1,
        &options(&ledger).resend([day1[0].id.clone()]),
    )
    .await
    .unwrap();
    assert_eq!(part.pushed, 1, "{part}");
    assert_eq!(part.held_back, ids(&day1[1..]), "{part}");
    assert_eq!(part.timed_out.len(), 1, "two rows are still held: {part}");

    let rest = push(
        &client,
        &feed,
        &day1,
        &options(&ledger).resend(ids(&day1[1..])),
    )
    .await
    .unwrap();
    assert_eq!(rest.already_pushed, ids(&day1[..1]), "{rest}");
    assert_eq!(rest.pushed, 2, "{rest}");
    assert!(rest.is_complete(), "{rest}");
    assert!(
        rest.timed_out.is_empty(),
        "every row of the timed-out batch is on the account: {rest}"
    );
    assert_each_once(&stored(&feed).await, &day1);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_machine_refuses_then_follows_the_callers_policy() {
    let (sandbox, client) = start(10).await;
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let old_machine = TestLedger::new();
    let new_machine = TestLedger::new();
    let day1 = rows("n-", 0, 3, Decimal::ZERO);
    let day2 = rows("n-", 3, 3, day1.last().unwrap().balance.unwrap());
    let day3 = rows("n-", 6, 3, day2.last().unwrap().balance.unwrap());
    push(&client, &feed, &day1, &options(&old_machine))
        .await
        .unwrap();

    // A ledger that knows nothing, and a history that cannot say: nothing is sent.
    let all: Vec<_> = day1.iter().chain(&day2).cloned().collect();
    let err = push(&client, &feed, &all, &options(&new_machine))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::HistoryUnknown, "{err}");
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    let Error::HistoryUnknown { operations, .. } = &err else {
        unreachable!()
    };
    assert_eq!(operations.len(), 1);
    assert_eq!(sandbox.stats().pushes_accepted, 1);

    // Trust: the caller gives only new rows.
    let trusted = push(
        &client,
        &feed,
        &day2,
        &options(&new_machine).unknown_history(UnknownHistory::Trust),
    )
    .await
    .unwrap();
    assert!(trusted.is_complete(), "{trusted}");
    assert_eq!((trusted.pushed, trusted.unknown_operations), (3, 1));

    // A cursor: everything through day 2's last row is on the account.
    let everything: Vec<_> = all.iter().chain(&day3).cloned().collect();
    let last = day2.last().unwrap();
    let from_cursor = push(
        &client,
        &feed,
        &everything,
        &options(&TestLedger::new()).unknown_history(UnknownHistory::SkipThrough(
            Cursor::through_id(last.date, last.id.clone()),
        )),
    )
    .await
    .unwrap();
    assert!(from_cursor.is_complete(), "{from_cursor}");
    assert_eq!(from_cursor.skipped_by_cursor.len(), 6);
    assert_eq!(from_cursor.pushed, 3);
    assert_each_once(&stored(&feed).await, &everything);

    // A cursor naming an id that is not there is refused, not guessed.
    let bad = Cursor::through_id(last.date, "no-such-id");
    let err = push(
        &client,
        &feed,
        &everything,
        &options(&TestLedger::new()).unknown_history(UnknownHistory::SkipThrough(bad)),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no-such-id"), "{err}");
    assert_eq!(sandbox.stats().pushes_accepted, 3);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_ledger_only_a_server_that_still_sends_data_can_tell() {
    let ledger = TestLedger::new();
    for legacy in [false, true] {
        let sandbox = support::start(
            Sandbox::builder()
                .today(today())
                .push_data_in_history(legacy)
                .push_delay(Duration::from_millis(10)),
        )
        .await;
        let client = client_builder(sandbox.url(), Duration::from_secs(10))
            .build()
            .unwrap();
        let feed = connected_feed(&client, PlatformKey::Xero).await;
        let (day1, day2) = days();
        let bare = options(&ledger).without_ledger();
        push(&client, &feed, &day1, &bare).await.unwrap();
        let all: Vec<_> = day1.iter().chain(&day2).cloned().collect();
        let rerun = push(&client, &feed, &all, &bare).await;
        if legacy {
            let rerun = rerun.unwrap();
            assert_eq!((rerun.already_pushed.len(), rerun.pushed), (3, 3));
        } else {
            assert_eq!(rerun.unwrap_err().code(), ErrorCode::HistoryUnknown);
        }
        sandbox.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_that_cannot_be_opened_stops_the_push_before_anything_is_sent() {
    let (sandbox, client) = start(10).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    // A folder where the file should be.
    std::fs::create_dir_all(ledger.path()).unwrap();
    let err = push(&client, &feed, &days().0, &options(&ledger))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Ledger, "{err}");
    assert!(err.to_string().contains("cannot open the ledger"), "{err}");
    assert_eq!(sandbox.stats().pushes_accepted, 0);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_history_reads_the_ledger_under_the_accounts_lease() {
    let (sandbox, client) = start(10).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let (day1, _) = days();
    push(&client, &feed, &day1, &options(&ledger))
        .await
        .unwrap();
    let history = client
        .push_history(
            &feed.company,
            &feed.connection,
            &feed.account,
            &options(&ledger),
        )
        .await
        .unwrap();
    let mut got: Vec<_> = history.transaction_ids.iter().cloned().collect();
    got.sort();
    assert_eq!(got, ids(&day1));
    assert_eq!(history.newest, Some(day1.last().unwrap().date));
    assert!(history.unknown_operations.is_empty());

    // While another pusher holds the account, reading waits for it or refuses.
    let other = bankfeeds::client::push::ledger::LeaseHolder::this_process();
    let target = LedgerAccount::new(&feed.company, &feed.connection, &feed.account);
    ledger
        .open()
        .acquire(&target, &other, Duration::from_secs(60))
        .unwrap();
    let err = client
        .push_history(
            &feed.company,
            &feed.connection,
            &feed.account,
            &options(&ledger),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccountBusy, "{err}");
    sandbox.shutdown().await;
}

/// A rerun that waits for a pending operation before sending anything keeps the account's lease
/// alive while it waits: a second pusher arriving meanwhile is refused, not let in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lease_is_renewed_while_a_rerun_waits_for_a_pending_operation() {
    let (sandbox, client) = start(2_000).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let (day1, _) = days();
    let cut = tokio::time::timeout(
        Duration::from_millis(300),
        push(&client, &feed, &day1, &options(&ledger)),
    )
    .await;
    assert!(cut.is_err(), "the push should still have been waiting");

    let short = options(&ledger).lease_ttl(Duration::from_millis(300));
    let rerun = {
        let (client, feed, day1) = (client.clone(), feed.clone(), day1.clone());
        tokio::spawn(async move { push(&client, &feed, &day1, &short).await })
    };
    // Well past the lease's 300 ms, while the rerun still waits for the first operation.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert!(!rerun.is_finished(), "the rerun should still be waiting");
    let other = bankfeeds::client::push::ledger::LeaseHolder::this_process();
    let target = LedgerAccount::new(&feed.company, &feed.connection, &feed.account);
    let taken = ledger
        .open()
        .acquire(&target, &other, Duration::from_secs(60));
    assert!(
        matches!(taken, Err(LedgerError::Busy { .. })),
        "the waiting rerun let another pusher in: {taken:?}"
    );
    let rerun = rerun.await.unwrap().unwrap();
    assert!(rerun.is_complete(), "{rerun}");
    assert_eq!((rerun.pushed, rerun.already_pushed.len()), (0, 3));
    assert_eq!(sandbox.stats().pushes_accepted, 1);
    sandbox.shutdown().await;
}

/// A push whose lease another pusher took over (as one does once the lease looks lapsed: this
/// process stalled past it, or the wall clock jumped forward) stops before its next batch; it
/// used to renew only once a third of the lease's time had passed on its own clock, and went on
/// sending while the other pusher sent the same rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_that_lost_its_lease_sends_no_more_batches() {
    let (sandbox, client) = start(300).await;
    let ledger = TestLedger::new();
    let feed = connected_feed(&client, PlatformKey::FreeAgent).await;
    let txs = rows("l-", 0, 30, Decimal::ZERO);
    let mut first = options(&ledger);
    first.batch_size = Some(10);
    let pushing = {
        let (client, feed, txs) = (client.clone(), feed.clone(), txs.clone());
        tokio::spawn(async move { push(&client, &feed, &txs, &first).await })
    };
    // While the first batch is pending, another pusher takes the account over.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sandbox.stats().pushes_accepted < 1 {
        assert!(std::time::Instant::now() < deadline, "no batch was sent");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let target = LedgerAccount::new(&feed.company, &feed.connection, &feed.account);
    let other = ledger.open();
    let holder = other
        .lease(&target)
        .unwrap()
        .expect("the push holds the lease")
        .holder;
    other.release(&target, &holder).unwrap();
    let taker = bankfeeds::client::push::ledger::LeaseHolder::this_process();
    other
        .acquire(&target, &taker, Duration::from_secs(60))
        .unwrap();

    let report = pushing.await.unwrap().unwrap();
    match &report.stopped {
        Some(PushStop::Error { batch: 1, error }) => {
            assert_eq!(error.code(), ErrorCode::AccountBusy, "{error}")
        }
        other => panic!("expected a stop at batch 2 for the lost lease: {other:?}\n{report}"),
    }
    assert_eq!(report.pushed, 10, "{report}");
    assert_eq!(
        sandbox.stats().pushes_accepted,
        1,
        "no batch after the lease was lost"
    );
    // The taker's lease is left alone.
    assert_eq!(other.lease(&target).unwrap().unwrap().holder, taker);
    sandbox.shutdown().await;
}
