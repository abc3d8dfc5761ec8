//! Many accounts at once against the sandbox (`Client::push_all`): 100 accounts in 4
//! companies, faults injected, every transaction stored exactly once, and never more than
//! Codat's 10 requests at once per company (the sandbox counts them).

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankfeeds::client::{
    AccountPush, AccountState, AccountStatus, Error, LookupOptions, PushAllOptions, PushOptions,
    WaitOptions,
};
use bankfeeds::model::CompanyRequestBody;
use bankfeeds_sandbox::{Fault, FaultRule, Faults, Sandbox};
use support::{TestLedger, accounts, client_builder, today};

const COMPANIES: usize = 4;
const ACCOUNTS_PER_COMPANY: usize = 25;

fn push_options(ledger: &TestLedger) -> PushOptions {
    PushOptions::new()
        .ledger_path(ledger.path())
        .today(today())
        .batch_size(5)
        .wait(WaitOptions::every(
            Duration::from_millis(10),
            Duration::from_secs(60),
        ))
        .lookup(LookupOptions {
            delay: Duration::from_millis(20),
            ..LookupOptions::default()
        })
}

/// Rate limits with `Retry-After`, 5xx, slow answers (three in ten, so requests overlap; within
/// the client's timeout, so the sandbox's count of requests in flight is the client's: without
/// the client's limit it sees 15 and more at once), connections dropped before and after
/// the request is applied, pushes that time out.
fn faults() -> Faults {
    [
        (
            Fault::RateLimit {
                retry_after_secs: 1,
            },
            0.005,
        ),
        (Fault::Status { status: 500 }, 0.02),
        (Fault::Status { status: 503 }, 0.02),
        (Fault::Slow { delay_ms: 150 }, 0.3),
        (Fault::DropBeforeApply, 0.01),
        (Fault::DropAfterApply, 0.01),
    ]
    .into_iter()
    .fold(Faults::seeded(16), |plan, (fault, rate)| {
        plan.rule(FaultRule::new(fault).rate(rate))
    })
    .rule(
        FaultRule::new(Fault::PushTimedOut)
            .method("POST")
            .path("/companies/*/connections/*/push/bankAccounts/*/bankTransactions")
            .rate(0.03),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_accounts_through_faults_each_row_once_and_ten_requests_per_company_at_most() {
    let ledger = TestLedger::new();
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(5)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(30))
        .request_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let targets = accounts(&client, &sandbox, COMPANIES, ACCOUNTS_PER_COMPANY, |i| {
        10 + i % 21
    })
    .await;
    assert_eq!(targets.len(), 100);
    sandbox.set_faults(faults()).unwrap();

    let states: Arc<Mutex<HashMap<usize, Vec<AccountState>>>> = Arc::default();
    let seen = states.clone();
    let mut resend: HashSet<String> = HashSet::new();
    let mut runs = 0;
    let mut reconciled = 0;
    let mut failures = 0;
    loop {
        runs += 1;
        assert!(runs <= 30, "still not complete after 30 runs");
        let seen = seen.clone();
        let options = PushAllOptions::new(push_options(&ledger).resend(resend.drain()))
            .concurrency(100)
            .on_progress(move |p| {
                let mut states = seen.lock().unwrap();
                let list = states.entry(p.index).or_default();
                // Keep the changes of state, not every batch's.
                if list.last().is_none_or(|last| {
                    std::mem::discriminant(last) != std::mem::discriminant(&p.state)
                }) {
                    list.push(p.state);
                }
            });
        let list = targets
            .iter()
            .map(|t| AccountPush::new(&t.company, &t.connection, &t.account, t.rows.clone()))
            .collect();
        let report = client.push_all(list, &options).await.unwrap();
        assert_eq!(report.accounts.len(), targets.len());
        for (result, target) in report.accounts.iter().zip(&targets) {
            assert_eq!(result.account_id, target.account, "in the order given");
            match result.status() {
                AccountStatus::Complete => {}
                AccountStatus::Incomplete => {
                    // Timed-out batches: reconcile with the platform, resend what it lacks.
                    let stored: HashSet<String> = sandbox
                        .stored_transactions(&target.company, &target.connection, &target.account)
                        .unwrap()
                        .into_iter()
                        .map(|t| t.id)
                        .collect();
                    for held in &result.report().unwrap().timed_out {
                        reconciled += 1;
                        resend.extend(
                            held.transaction_ids
                                .iter()
                                .filter(|id| !stored.contains(*id))
                                .cloned(),
                        );
                    }
                }
                AccountStatus::Failed => {
                    failures += 1;
                    let e = result.error().unwrap();
                    // Set-up reads that failed past their retries, or a connection whose other
                    // accounts' pushes were in flight while this one read its history: rerun.
                    assert!(
                        e.is_retryable() || matches!(e, Error::HistoryUnknown { .. }),
                        "{}: {e}",
                        result.account_id
                    );
                }
            }
        }
        if report.is_complete() {
            eprintln!("{report}");
            break;
        }
    }
    sandbox.clear_faults();

    // Every transaction stored exactly once, in order.
    for t in &targets {
        let got = sandbox
            .stored_transactions(&t.company, &t.connection, &t.account)
            .unwrap();
        assert_eq!(got, t.rows, "{}: lost, repeated or reordered", t.account);
    }
    let stats = sandbox.stats();
    for kind in [
        "rateLimit",
        "slow",
        "status503",
        "dropAfterApply",
        "pushTimedOut",
    ] {
        assert!(
            stats.faults_by_kind.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} fault: {stats:?}"
        );
    }
    // Codat's limit held for every company, and the accounts did go concurrently.
    let companies: HashSet<&str> = targets.iter().map(|t| t.company.as_str()).collect();
    for company in companies {
        let max = stats
            .max_in_flight_per_company
            .get(company)
            .copied()
            .unwrap_or(0);
        assert!(max <= 10, "{max} requests at once for {company}: {stats:?}");
        assert!(max > 1, "no concurrency for {company}: {stats:?}");
    }
    // Every account was queued, pushed and ended complete (at the last run).
    let states = std::mem::take(&mut *states.lock().unwrap());
    assert_eq!(states.len(), targets.len());
    for (index, list) in states.iter() {
        assert_eq!(
            list.first(),
            Some(&AccountState::Queued),
            "{index}: {list:?}"
        );
        assert_eq!(
            list.last(),
            Some(&AccountState::Complete),
            "{index}: {list:?}"
        );
        assert!(
            list.iter().any(|s| matches!(s, AccountState::Pushing(_))),
            "{index}: {list:?}"
        );
    }
    eprintln!(
        "{runs} run(s), {failures} account failure(s) rerun, {reconciled} timed-out batch(es) reconciled, max in flight per company {:?}, faults {:?}",
        stats.max_in_flight_per_company, stats.faults_by_kind
    );
    sandbox.shutdown().await;
}

/// The client's limit holds whatever the caller does: many plain reads of one company at once
/// never put more than the limit in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_of_one_company_keep_to_the_limit() {
    let sandbox = support::start(Sandbox::builder().today(today())).await;
    let client = client_builder(sandbox.url(), Duration::from_secs(30))
        .max_per_company(3)
        .build()
        .unwrap();
    let company = client
        .companies()
        .create(&CompanyRequestBody::new("Toft"))
        .await
        .unwrap();
    // Slow answers keep requests in flight long enough to overlap.
    sandbox
        .set_faults(Faults::seeded(1).rule(FaultRule::new(Fault::Slow { delay_ms: 30 })))
        .unwrap();
    let reads = (0..40).map(|_| {
        let client = client.clone();
        let id = company.id.clone();
        tokio::spawn(async move { client.companies().get(&id).await.map(|_| ()) })
    });
    for r in futures_util::future::join_all(reads).await {
        r.unwrap().unwrap();
    }
    sandbox.clear_faults();
    let max = sandbox.stats().max_in_flight_per_company[&company.id];
    assert_eq!(max, 3, "the limit is reached and never passed");
    sandbox.shutdown().await;
}

/// Two accounts of one connection at once; the first push's answer is lost and cannot be looked
/// up (listing push operations fails). Its operation says nothing of what it carried, so the
/// other account's pushes must not go on (their own look-ups could take it for theirs): they
/// stop with `ConnectionUnsettled`, and the rerun finds the lost push and completes both, every
/// row once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_push_stops_the_connection_s_other_pushes_until_a_rerun_settles_it() {
    let ledger = TestLedger::new();
    let sandbox = support::start(
        Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(300)),
    )
    .await;
    let client = client_builder(sandbox.url(), Duration::from_secs(1))
        .build()
        .unwrap();
    let targets = accounts(&client, &sandbox, 1, 2, |i| 10 + i % 21).await;
    sandbox
        .set_faults(
            Faults::seeded(3)
                .rule(
                    FaultRule::new(Fault::DropAfterApply)
                        .method("POST")
                        .path("/companies/*/connections/*/push/bankAccounts/*/bankTransactions")
                        .nth([1]),
                )
                // The two history reads succeed; every later listing (the look-up) fails. The
                // push delay keeps any account's second batch after both history reads, however
                // slowly the second account starts on a loaded machine.
                .rule(
                    FaultRule::new(Fault::Status { status: 500 })
                        .method("GET")
                        .path("/companies/*/push")
                        .nth(3..=200),
                ),
        )
        .unwrap();
    let list = || {
        targets
            .iter()
            .map(|t| AccountPush::new(&t.company, &t.connection, &t.account, t.rows.clone()))
            .collect::<Vec<_>>()
    };
    let options = PushAllOptions::new(push_options(&ledger).lookup(LookupOptions {
        delay: Duration::from_millis(200),
        ..LookupOptions::default()
    }))
    .concurrency(2);
    let report = client.push_all(list(), &options).await.unwrap();
    let mut stops: Vec<&str> = report
        .accounts
        .iter()
        .map(|a| match a.report().map(|r| &r.stopped) {
            None => "failed",
            Some(Some(bankfeeds::client::PushStop::Error { error, .. })) => match **error {
                Error::PushOutcomeUnknown { .. } => "lost",
                Error::ConnectionUnsettled { .. } => "unsettled",
                _ => "other",
            },
            _ => "none",
        })
        .collect();
    stops.sort_unstable();
    assert_eq!(stops, ["lost", "unsettled"], "{report}");
    let unsettled = report
        .accounts
        .iter()
        .find(|a| {
            a.problem()
                .is_some_and(|p| p.contains("another push on connection"))
        })
        .unwrap();
    assert_eq!(unsettled.pushed(), 0, "{report}");

    sandbox.clear_faults();
    let report = client.push_all(list(), &options).await.unwrap();
    assert!(report.is_complete(), "{report}");
    for t in &targets {
        let got = sandbox
            .stored_transactions(&t.company, &t.connection, &t.account)
            .unwrap();
        assert_eq!(got, t.rows, "{}: lost, repeated or reordered", t.account);
    }
    sandbox.shutdown().await;
}

/// Files given by their path (`PushInput::path`) are read when their account's turn comes, not
/// when `push_all` is called: with one account at a time, the second account's file is written
/// only once the first account's push is complete, and is pushed. A file that cannot be read
/// fails its own account (a `malformed_input` finding naming it), before anything is sent to
/// it; the other accounts are pushed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_given_by_path_are_read_when_their_turn_comes() {
    use bankfeeds::client::PushInput;
    use bankfeeds::ingest::InputFormat;
    use bankfeeds::model::CreateBankTransactions;

    let ledger = TestLedger::new();
    let sandbox = support::start(Sandbox::builder().today(today())).await;
    let client = client_builder(sandbox.url(), Duration::from_secs(10))
        .build()
        .unwrap();
    let targets = accounts(&client, &sandbox, 1, 3, |i| 7 + i).await;
    let dir = ledger.path().parent().unwrap().to_path_buf();
    let file = |i: usize| dir.join(format!("account-{i}.json"));
    let body = |i: usize| {
        CreateBankTransactions {
            account_id: targets[i].account.clone(),
            transactions: targets[i].rows.clone(),
        }
        .to_json()
    };
    std::fs::write(file(0), body(0)).unwrap();
    // The second file appears when the first account is complete; the third never does.
    let second = (file(1), body(1));
    let options = PushAllOptions::new(push_options(&ledger))
        .concurrency(1)
        .on_progress(move |p| {
            if p.index == 0 && p.state == AccountState::Complete {
                std::fs::write(&second.0, &second.1).unwrap();
            }
        });
    let list = (0..3)
        .map(|i| {
            let t = &targets[i];
            AccountPush::new(
                &t.company,
                &t.connection,
                &t.account,
                PushInput::path(file(i), InputFormat::Auto),
            )
        })
        .collect();
    let report = client.push_all(list, &options).await.unwrap();

    for t in &targets[..2] {
        let got = sandbox
            .stored_transactions(&t.company, &t.connection, &t.account)
            .unwrap();
        assert_eq!(got, t.rows, "{}: {report}", t.account);
    }
    let missing = &report.accounts[2];
    assert_eq!(missing.pushed(), 0, "{report}");
    match missing.error() {
        Some(Error::Validation(findings)) => {
            let issue = &findings.issues[0];
            assert_eq!(issue.code.as_str(), "malformed_input", "{issue:?}");
            assert!(
                issue.message.contains("cannot read") && issue.message.contains("account-2.json"),
                "{issue:?}"
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    let t = &targets[2];
    assert!(
        sandbox
            .stored_transactions(&t.company, &t.connection, &t.account)
            .unwrap()
            .is_empty()
    );
    sandbox.shutdown().await;
}
