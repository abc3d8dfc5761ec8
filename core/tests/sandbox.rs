//! The client against the sandbox (`bankfeeds-sandbox`, started in-process on a free port):
//! Codat's guide end to end, large pushes with progress, reruns, and pushes through injected
//! faults that must lose nothing and book nothing twice.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankfeeds::ErrorCode;
use bankfeeds::client::{
    Error, ListQuery, LookupOptions, PushInput, PushOptions, PushProgress, PushStage, PushStop,
    WaitOptions,
};
use bankfeeds::ingest::InputFormat;
use bankfeeds::model::{
    ConnectionStatus, PlatformKey, PushOperationStatus, SourceAccountV2Prototype,
    SourceAccountV2Type,
};
use bankfeeds::money::Currency;
use bankfeeds::validate::Code;
use bankfeeds_sandbox::{Fault, FaultRule, Faults, Sandbox};
use futures_util::TryStreamExt as _;
use rust_decimal::Decimal;
use support::{TestLedger, client_builder, connected_feed, rows, stored, today};

fn quick_options(ledger: &TestLedger) -> PushOptions {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codat_guide_end_to_end() {
    let ledger = TestLedger::new();
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(30)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(10))
        .build()
        .unwrap();

    // Create the company and its connection; the link URL carries a one-hour OTP.
    let company = client
        .companies()
        .create(&bankfeeds::model::CompanyRequestBody::new("Toft Bakery").with_tag("region", "uk"))
        .await
        .unwrap();
    assert_eq!(
        client.companies().get(&company.id).await.unwrap().name,
        "Toft Bakery"
    );
    let connections = client.connections(&company.id);
    let connection = connections.create_for(PlatformKey::Xero).await.unwrap();
    assert_eq!(connection.status, ConnectionStatus::PendingAuth);
    let fresh = connections
        .fresh_link_url(&connection.id)
        .await
        .unwrap()
        .unwrap();
    assert!(fresh.contains(&connection.id), "{fresh}");
    let listed = connections.list(ListQuery::new()).all().await.unwrap();
    assert_eq!(listed.len(), 1);

    // The customer links it (the sandbox stands in for Codat Link) and the feed is set up.
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let linked = client
        .connections(&feed.company)
        .get(&feed.connection)
        .await
        .unwrap();
    assert!(linked.is_linked());
    assert_eq!(
        client
            .connections(&feed.company)
            .fresh_link_url(&feed.connection)
            .await
            .unwrap(),
        None
    );
    let sources = client.source_accounts(&feed.company, &feed.connection);
    let accounts = sources.list().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0].is_connected(), "{:?}", accounts[0]);
    let info = client
        .company_information(&feed.company, &feed.connection)
        .get()
        .await
        .unwrap();
    assert!(info.company_name.is_some());
    let otp = sources.generate_otp().await.unwrap();
    assert!(!otp.otp.is_empty());
    let credentials = sources.generate_credentials().await.unwrap();
    assert!(credentials.password.is_some());
    sources.delete_credentials().await.unwrap();

    // A second, v2 account: created pending; created again, the duplicate is refused (only after
    // an attempt with an unknown outcome does the client read the existing account back).
    let v2 = SourceAccountV2Prototype::new(
        "acc-002",
        "Savings",
        SourceAccountV2Type::Savings,
        "51926820",
        Currency::new("EUR"),
        Decimal::new(1000, 2),
    );
    let created = sources.create(v2.clone()).await.unwrap();
    assert!(created.as_v2().is_some() && !created.is_connected());
    let again = sources.create(v2).await.unwrap_err();
    assert!(matches!(again.status(), Some(400 | 409)), "{again}");
    assert!(again.to_string().contains("already exists"), "{again}");
    // Pushing to it is refused before anything is sent: it is not connected yet.
    let err = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            "acc-002",
            rows("p-", 0, 2, Decimal::ZERO),
            &quick_options(&ledger),
        )
        .await
        .unwrap_err();
    let report = err.validation_report().expect("a validation error");
    assert!(
        report.with_code(Code::AccountNotConnected).next().is_some(),
        "{report}"
    );
    sources.delete("acc-002").await.unwrap();

    // Push the guide's transactions and read back what the platform got.
    let txs = rows("guide-", 0, 6, Decimal::ZERO);
    let report = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            txs.clone(),
            &quick_options(&ledger),
        )
        .await
        .unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!((report.pushed, report.batches.len()), (6, 1));
    let key = &report.batches[0].operation_key;
    let op = client
        .push_operations(&feed.company)
        .get(key)
        .await
        .unwrap();
    assert_eq!(op.status, PushOperationStatus::Success);
    let ops: Vec<_> = client
        .push_operations(&feed.company)
        .list(ListQuery::new().order_by("-requestedOnUtc"))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(stored(&feed).await, txs);

    // Codat refuses what the rules refuse: nothing is sent when validation fails.
    let mut bad = rows("bad-", 10, 2, Decimal::ZERO);
    bad[1].balance = Some(Decimal::new(1, 2));
    let err = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            bad,
            &quick_options(&ledger),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    let report = err.validation_report().unwrap();
    assert!(
        report.with_code(Code::BalanceMismatch).next().is_some(),
        "{report}"
    );
    assert_eq!(stored(&feed).await.len(), 6);

    // Unknown accounts are named.
    let err = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            "nope",
            Vec::<bankfeeds::model::BankTransaction>::new(),
            &quick_options(&ledger),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SourceAccountNotFound { .. }), "{err}");

    // Unlink and clean up.
    let unlinked = client
        .connections(&feed.company)
        .unlink(&feed.connection)
        .await
        .unwrap();
    assert_eq!(unlinked.status, ConnectionStatus::Unlinked);
    client
        .connections(&feed.company)
        .delete(&feed.connection)
        .await
        .unwrap();
    client.companies().delete(&feed.company).await.unwrap();
    assert_eq!(
        client
            .companies()
            .get(&feed.company)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_rows_with_progress_then_a_rerun_pushes_nothing_twice() {
    let ledger = TestLedger::new();
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(20)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(10))
        .build()
        .unwrap();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let all = rows("tx-", 0, 3_700, Decimal::ZERO);

    let seen: Arc<Mutex<Vec<PushProgress>>> = Arc::default();
    let log = seen.clone();
    let options = quick_options(&ledger).on_progress(move |p| log.lock().unwrap().push(p));
    let first = &all[..3_200];
    let report = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            first.to_vec(),
            &options,
        )
        .await
        .unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!((report.pushed, report.batches_total), (3_200, 4));
    let sizes: Vec<usize> = report.batches.iter().map(|b| b.transactions).collect();
    assert_eq!(sizes, [1000, 1000, 1000, 200]);
    assert_eq!(report.operation_keys().count(), 4);

    let progress = seen.lock().unwrap().clone();
    assert_eq!(progress.first().unwrap().stage, PushStage::Checking);
    let last = progress.last().unwrap();
    assert_eq!(
        (last.stage, last.batches_done, last.transactions_done),
        (PushStage::Finished, 4, 3_200)
    );
    let done: Vec<usize> = progress
        .iter()
        .filter(|p| p.stage == PushStage::BatchDone)
        .map(|p| p.transactions_done)
        .collect();
    assert_eq!(done, [1000, 2000, 3000, 3200]);
    assert!(
        progress
            .windows(2)
            .all(|w| w[0].batches_done <= w[1].batches_done)
    );
    assert!(
        progress
            .iter()
            .any(|p| p.stage == PushStage::Waiting && p.operation_key.is_some())
    );

    // The same rows again: all already there, nothing sent.
    let posts_before = sandbox.stats().pushes_accepted;
    let rerun = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            first.to_vec(),
            &quick_options(&ledger),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            rerun.pushed,
            rerun.already_pushed.len(),
            rerun.batches_total
        ),
        (0, 3_200, 0)
    );
    assert!(rerun.is_complete());
    assert_eq!(sandbox.stats().pushes_accepted, posts_before);

    // Old and new rows together, as a CSV file: only the new ones go.
    let mut csv = String::from("id,date,description,counterparty,amount,balance,transactionType\n");
    for t in &all {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            t.id,
            t.date,
            t.description.as_deref().unwrap(),
            t.counterparty.as_deref().unwrap(),
            t.amount,
            t.balance.unwrap(),
            t.transaction_type.as_ref().unwrap()
        ));
    }
    let third = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            PushInput::file(csv, InputFormat::Csv),
            &quick_options(&ledger),
        )
        .await
        .unwrap();
    assert!(third.is_complete(), "{third}");
    assert_eq!((third.pushed, third.already_pushed.len()), (500, 3_200));
    assert_eq!(stored(&feed).await, all);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_batch_stops_the_push_and_says_why() {
    let ledger = TestLedger::new();
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(10)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    // The rows after the first 100 are dated after the platform's today (the client was told a
    // later day): the platform refuses the second batch.
    let mut txs = rows("r-", 0, 250, Decimal::ZERO);
    let later = chrono::NaiveDate::from_ymd_opt(2024, 6, 5)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    for (i, t) in txs.iter_mut().enumerate().skip(100) {
        t.date = (later + chrono::TimeDelta::seconds(i as i64)).into();
    }
    let ahead = quick_options(&ledger)
        .batch_size(100)
        .today(chrono::NaiveDate::from_ymd_opt(2024, 6, 10).unwrap());
    let report = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            txs.clone(),
            &ahead,
        )
        .await
        .unwrap();
    assert!(!report.is_complete());
    assert_eq!(
        (report.pushed, report.not_pushed, report.batches.len()),
        (100, 150, 2)
    );
    let Some(PushStop::OperationFailed {
        batch: 1,
        operation,
    }) = &report.stopped
    else {
        panic!("{report}")
    };
    assert_eq!(operation.status, PushOperationStatus::Failed);
    assert!(!operation.validation_errors().is_empty(), "{operation:?}");
    assert!(report.to_string().contains("Failed"), "{report}");
    // Nothing of a failed batch was written: fixed, a rerun sends it (and what followed).
    let fixed = rows("r-", 0, 250, Decimal::ZERO);
    let rerun = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            fixed.clone(),
            &quick_options(&ledger).batch_size(100),
        )
        .await
        .unwrap();
    assert!(rerun.is_complete(), "{rerun}");
    assert_eq!((rerun.pushed, rerun.already_pushed.len()), (150, 100));
    assert_eq!(stored(&feed).await, fixed);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_push_is_waited_for_on_rerun() {
    let ledger = TestLedger::new();
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(1500)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let txs = rows("w-", 0, 300, Decimal::ZERO);
    let impatient = quick_options(&ledger)
        .batch_size(100)
        .wait(WaitOptions::every(
            Duration::from_millis(20),
            Duration::from_millis(200),
        ));
    let report = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            txs.clone(),
            &impatient,
        )
        .await
        .unwrap();
    let Some(PushStop::StillPending {
        batch: 0, status, ..
    }) = &report.stopped
    else {
        panic!("{report}")
    };
    assert_eq!(*status, PushOperationStatus::Pending);
    assert_eq!((report.pushed, report.not_pushed), (0, 300));
    // The rerun waits for the first batch instead of sending it again, then pushes the rest.
    let patient = quick_options(&ledger)
        .batch_size(100)
        .wait(WaitOptions::every(
            Duration::from_millis(50),
            Duration::from_secs(20),
        ));
    let rerun = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            txs.clone(),
            &patient,
        )
        .await
        .unwrap();
    assert!(rerun.is_complete(), "{rerun}");
    assert_eq!((rerun.already_pushed.len(), rerun.pushed), (100, 200));
    assert_eq!(sandbox.stats().pushes_accepted, 3);
    assert_eq!(stored(&feed).await, txs);
    sandbox.shutdown().await;
}

/// Waiting by webhook: with updates fed in (here by a stand-in for the application's webhook
/// receiver, which watches the operations list), each batch ends as soon as its update arrives,
/// although the fallback poll is an hour away; without the updates the same push times out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_fed_by_webhook_updates_does_not_poll() {
    use bankfeeds::client::PushEvents;
    use bankfeeds::model::PushOperationUpdate;

    let ledger = TestLedger::new();
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(200)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let txs = rows("e-", 0, 30, Decimal::ZERO);
    let events = PushEvents::with_fallback(Duration::from_secs(3600));
    let options = quick_options(&ledger)
        .batch_size(10)
        .wait(WaitOptions::every(
            Duration::from_millis(10),
            Duration::from_secs(3),
        ))
        .events(events.clone());

    // Without updates, the first batch is still waiting for its fallback poll when the wait ends.
    let report = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            txs[..10].to_vec(),
            &options,
        )
        .await
        .unwrap();
    assert!(
        matches!(
            report.stopped,
            Some(PushStop::StillPending { batch: 0, .. })
        ),
        "{report}"
    );

    // The receiver stand-in: every operation that has ended becomes an update.
    let watcher = client_builder(sandbox.url(), Duration::from_secs(5))
        .build()
        .unwrap();
    let feeder = events.clone();
    let company = feed.company.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let receiver = tokio::spawn(async move {
        let mut told = std::collections::HashSet::new();
        while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
            let ops = watcher
                .push_operations(&company)
                .list(ListQuery::new().page_size(100))
                .all()
                .await
                .unwrap();
            for op in ops {
                if op.status.is_final() && told.insert(op.push_operation_key.clone()) {
                    feeder.deliver(PushOperationUpdate {
                        key: op.push_operation_key.clone(),
                        status: op.status.clone(),
                        data_type: None,
                        connection_id: None,
                    });
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        told.len()
    });
    let report = client
        .push_transactions(
            &feed.company,
            &feed.connection,
            &feed.account,
            txs.clone(),
            &options,
        )
        .await
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let told = receiver.await.unwrap();
    assert!(report.is_complete(), "{report}");
    assert_eq!((report.already_pushed.len(), report.pushed), (10, 20));
    assert_eq!(told, 3, "three operations ended");
    assert_eq!(stored(&feed).await, txs);
    sandbox.shutdown().await;
}

/// One in five API requests fails, in every way the sandbox can fail (seeded): rate limits with
/// `Retry-After`, 5xx, answers slower than the client's timeout, connections dropped before and
/// after the request is applied, pushes that time out. Rerunning `push_transactions` until it
/// completes must store every transaction exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_lose_nothing_and_book_nothing_twice() {
    let ledger = TestLedger::new();
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(5)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(30))
        .request_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    // A platform with no "older than the newest" rule: the sandbox would store a repeated batch.
    let feed = connected_feed(&client, PlatformKey::Other("zzzz".into())).await;
    // Seven kinds at 2.5% of all requests each, and 6% of pushes ending TimedOut: about 20%.
    // Error statuses are those the spec declares (500, 503); 503 is drawn twice.
    let plan = [
        Fault::RateLimit {
            retry_after_secs: 1,
        },
        Fault::Status { status: 500 },
        Fault::Status { status: 503 },
        Fault::Status { status: 503 },
        Fault::Slow { delay_ms: 700 },
        Fault::DropBeforeApply,
        Fault::DropAfterApply,
    ]
    .into_iter()
    .fold(Faults::seeded(2024), |plan, fault| {
        plan.rule(FaultRule::new(fault).rate(0.025))
    })
    .rule(
        FaultRule::new(Fault::PushTimedOut)
            .method("POST")
            .path("/companies/*/connections/*/push/bankAccounts/*/bankTransactions")
            .rate(0.06),
    );
    sandbox.set_faults(plan).unwrap();

    let txs = rows("f-", 0, 4_000, Decimal::ZERO);
    let mut runs = 0;
    let mut recovered = 0;
    let mut reconciled = 0;
    let mut resend: Vec<String> = Vec::new();
    loop {
        runs += 1;
        assert!(runs <= 40, "still not complete after 40 runs");
        let options = quick_options(&ledger)
            .batch_size(40)
            .resend(std::mem::take(&mut resend));
        match client
            .push_transactions(
                &feed.company,
                &feed.connection,
                &feed.account,
                txs.clone(),
                &options,
            )
            .await
        {
            Ok(report) => {
                recovered += report.batches.iter().filter(|b| b.recovered).count();
                if report.is_complete() {
                    break;
                }
                // Timed-out batches are held back, never resent on their own: reconcile them as
                // a bank would, by asking the platform what it has, and resend what it lacks.
                let on_platform: std::collections::HashSet<String> =
                    stored(&feed).await.into_iter().map(|t| t.id).collect();
                for held in &report.timed_out {
                    reconciled += 1;
                    resend.extend(
                        held.transaction_ids
                            .iter()
                            .filter(|id| !on_platform.contains(*id))
                            .cloned(),
                    );
                }
            }
            // Before any batch: the set-up reads failed past their retries; run again.
            Err(e) => assert!(e.is_retryable(), "{e}"),
        }
    }
    assert!(reconciled > 0, "no timed-out batch was reconciled");
    sandbox.clear_faults();
    let stats = sandbox.stats();
    let faulted = stats.faults_injected;
    assert!(
        faulted >= 40,
        "too few faults injected to mean anything: {stats:?}"
    );
    let share = faulted as f64 / stats.requests as f64;
    assert!(
        (0.12..0.3).contains(&share),
        "{share} of requests faulted: {stats:?}"
    );
    for kind in [
        "rateLimit",
        "slow",
        "dropBeforeApply",
        "dropAfterApply",
        "pushTimedOut",
    ] {
        assert!(
            stats.faults_by_kind.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} fault: {stats:?}"
        );
    }

    let got = stored(&feed).await;
    let mut count: HashMap<&str, usize> = HashMap::new();
    for t in &got {
        *count.entry(t.id.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = count
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| *id)
        .collect();
    assert!(twice.is_empty(), "pushed twice: {twice:?}");
    assert_eq!(
        got, txs,
        "stored transactions differ from the input (lost or reordered)"
    );
    eprintln!(
        "{runs} run(s), {recovered} batch(es) recovered by look-up, {reconciled} timed-out batch(es) reconciled, faults: {:?}",
        stats.faults_by_kind
    );
    sandbox.shutdown().await;
}

/// The eight operations the sandbox added to serve all 33 of the spec, through the client:
/// company access token, the platform's bank accounts (list, model, create), the model of a
/// bank transactions push, and managed bank feed syncs (run, get, latest).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_other_operation_through_the_client() {
    use bankfeeds::model::{
        BankAccountPrototype, BankAccountStatus, BankAccountType, DataType, PushOptionType,
        SyncStatus,
    };
    // Long enough for a sync to be still running when it is asked again, under any load.
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(500)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(5))
        .build()
        .unwrap();
    let feed = connected_feed(&client, PlatformKey::Xero).await;
    let (c, k, a) = (&feed.company, &feed.connection, &feed.account);

    // get-company-access-token: a one-day bearer token.
    let token = client.companies().access_token(c).await.unwrap();
    assert_eq!(
        (token.expires_in, token.token_type.as_str()),
        (86_400, "Bearer")
    );
    assert!(token.access_token.len() >= 32);
    let missing = client
        .companies()
        .access_token("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(404));

    // list-bank-accounts: the platform's accounts, which are the mapping's targets.
    let bank = client.bank_accounts(c, k);
    let accounts = bank.list(ListQuery::new()).all().await.unwrap();
    let targets = client.account_mapping(c, k).get().await.unwrap();
    let target_ids: Vec<_> = targets[0].options().iter().map(|o| o.id.clone()).collect();
    assert_eq!(
        accounts.iter().map(|b| b.id.clone()).collect::<Vec<_>>(),
        target_ids
    );
    assert!(
        accounts
            .iter()
            .all(|b| b.status == Some(BankAccountStatus::Active))
    );
    let cards = bank
        .list(ListQuery::new().query("accountType=Credit"))
        .all()
        .await
        .unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(
        cards[0].account_name.as_deref(),
        Some("Company Credit Card")
    );

    // get-create-bankAccounts-model, then create-bank-account: a push operation that adds an
    // account to the platform once it succeeds, or fails naming what the platform requires.
    let model = bank.create_model().await.unwrap();
    assert_eq!(model.r#type, PushOptionType::Object);
    let mut required: Vec<&str> = model.required_properties().collect();
    required.sort_unstable();
    assert_eq!(required, ["accountName", "currency"]);
    let created = bank
        .create(
            &BankAccountPrototype {
                account_name: Some("Feed Savings".into()),
                account_type: Some(BankAccountType::Debit),
                currency: Some(Currency::new("GBP")),
                ..BankAccountPrototype::default()
            },
            Some(5),
        )
        .await
        .unwrap();
    assert_eq!(created.status, PushOperationStatus::Pending);
    assert_eq!(created.data_type, Some(DataType::BankAccounts));
    assert_eq!(created.timeout_in_seconds, Some(300));
    assert_eq!(
        created.data.as_ref().unwrap().account_name.as_deref(),
        Some("Feed Savings")
    );
    let ops = client.push_operations(c);
    let done = ops
        .wait(
            &created.push_operation_key,
            &WaitOptions::every(Duration::from_millis(20), Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(done.status, PushOperationStatus::Success, "{done:?}");
    let new_id = done.changes.as_ref().unwrap()[0]
        .record_ref
        .as_ref()
        .unwrap()
        .id
        .clone()
        .expect("the created account's id");
    let accounts = bank.list(ListQuery::new()).all().await.unwrap();
    assert_eq!(accounts.len(), 4);
    assert_eq!(accounts[3].id.as_deref(), Some(new_id.as_str()));
    let options = client.account_mapping(c, k).get().await.unwrap();
    assert!(
        options[0]
            .options()
            .iter()
            .any(|o| o.id.as_deref() == Some(&new_id))
    );
    let nameless = bank
        .create(&BankAccountPrototype::default(), None)
        .await
        .unwrap();
    let refused = ops
        .wait(
            &nameless.push_operation_key,
            &WaitOptions::every(Duration::from_millis(20), Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(refused.status, PushOperationStatus::Failed);
    let messages: Vec<_> = refused
        .validation_errors()
        .iter()
        .filter_map(|e| e.message.clone())
        .collect();
    assert_eq!(
        messages,
        [
            "accountName is required by Xero.",
            "currency is required by Xero."
        ]
    );
    // The bank account pushes are in the history, apart from the bank transaction pushes.
    let pushes = ops
        .list(ListQuery::new().query("dataType=bankAccounts"))
        .all()
        .await
        .unwrap();
    assert_eq!(pushes.len(), 2);

    // get-create-bank-transactions-model: the platform's rules for this account, from the core's
    // Xero profile (balance required, text limits, one year back).
    let tx_model = client.transactions(c, k).create_model(a).await.unwrap();
    let transactions = tx_model.property("transactions").unwrap();
    let fields = transactions.properties.as_ref().unwrap();
    let required: Vec<&str> = fields
        .iter()
        .filter(|(_, p)| p.required)
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(required, ["amount", "balance", "date", "id"]);
    let description = serde_json::to_string(&fields["description"]).unwrap();
    assert!(
        description.contains("At most 2000 characters"),
        "{description}"
    );
    let date = serde_json::to_string(&fields["date"]).unwrap();
    assert!(date.contains("365 days"), "{date}");
    let unknown = client
        .transactions(c, k)
        .create_model("no-such-account")
        .await
        .unwrap_err();
    assert_eq!(unknown.status(), Some(404));

    // Managed bank feed syncs: none yet (204), one started (201), a second refused while it
    // runs (409), then it ends with nothing to push (no bank to fetch from).
    let syncs = client.managed_bank_feeds(c, k, a);
    assert_eq!(syncs.latest().await.unwrap(), None);
    let started = syncs.run().await.unwrap();
    let running = syncs.get(&started.sync_id).await.unwrap();
    assert_eq!(running.status, SyncStatus::Started);
    assert_eq!(running.source_account_id, *a);
    assert_eq!(running.data_connection_id, *k);
    assert_eq!(running.company_name, "Toft Bakery");
    assert_eq!(running.execution_end_utc, None);
    assert_eq!(
        running.period_start_utc,
        "2024-01-01T00:00:00Z".parse().unwrap(),
        "the first sync starts at the feed start date"
    );
    let busy = syncs.run().await.unwrap_err();
    assert_eq!(busy.status(), Some(409), "{busy}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let latest = loop {
        let latest = syncs.latest().await.unwrap().expect("a latest sync");
        if latest.status != SyncStatus::Started || std::time::Instant::now() > deadline {
            break latest;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(latest.sync_id, started.sync_id);
    assert_eq!(latest.status, SyncStatus::SuccessNoDataPushed);
    assert!(latest.execution_end_utc.is_some());
    let second = syncs.run().await.unwrap();
    let second = syncs.get(&second.sync_id).await.unwrap();
    assert_eq!(second.period_start_utc, latest.period_end_utc);
    let nope = syncs
        .get("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(nope.status(), Some(404));
    let unmapped = client
        .managed_bank_feeds(c, k, "no-such-account")
        .run()
        .await
        .unwrap_err();
    assert_eq!(unmapped.status(), Some(404));
    sandbox.shutdown().await;
}
