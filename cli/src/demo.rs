//! `bankfeeds demo`: the flow of Codat's bank feeds guides against an embedded sandbox, with the
//! core's client, printed step by step. No Codat account, no network.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bankfeeds::client::push::ledger::MemoryLedger;
use bankfeeds::client::{
    Client, PushInput, PushOptions, PushProgress, PushReport, PushStage, SourceAccountsApi,
    WaitOptions,
};
use bankfeeds::ingest::InputFormat;
use bankfeeds::model::{
    BankFeedAccountMapping, CompanyRequestBody, PlatformKey, SourceAccountPrototype,
};
use bankfeeds::money::Currency;
use bankfeeds::pipeline::{PrepareOptions, prepare_file};
use bankfeeds::rules::Platform;
use bankfeeds_sandbox::{Sandbox, SandboxHandle};
use chrono::{Duration as Days, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::{FINDINGS, OK};

type Failure = Box<dyn std::error::Error>;

const ACCOUNT_ID: &str = "acc-001";
const BATCH_SIZE: usize = 5;

/// A step heading.
fn step(n: u32, text: &str) {
    say!("\n{n}. {text}");
}

/// A detail under a step.
fn detail(text: impl AsRef<str>) {
    say!("   {}", text.as_ref());
}

/// A small statement of cleared transactions, oldest first, ending yesterday, with running
/// balances from an opening balance of 1,250.00.
fn statement(today: NaiveDate) -> (String, Decimal, NaiveDate) {
    let lines: [(i64, &str, &str, i64, &str); 12] = [
        (
            12,
            "09:14:00",
            "Card payment - Coffee Corner",
            -320,
            "Debit",
        ),
        (
            12,
            "12:02:00",
            "Invoice 1041 paid by Acme Ltd",
            84550,
            "Credit",
        ),
        (
            11,
            "08:30:00",
            "Direct debit - Office rent",
            -120000,
            "Debit",
        ),
        (
            10,
            "16:45:00",
            "Card payment - Stationery World",
            -2399,
            "Debit",
        ),
        (
            9,
            "10:05:00",
            "Faster payment from J Smith",
            15000,
            "Credit",
        ),
        (8, "11:20:00", "Card payment - Fuel Station", -6512, "Debit"),
        (
            7,
            "09:00:00",
            "Invoice 1042 paid by Bloom & Co",
            231000,
            "Credit",
        ),
        (6, "14:10:00", "Standing order - Van lease", -35000, "Debit"),
        (
            5,
            "13:37:00",
            "Card payment - Cloud hosting",
            -4799,
            "Debit",
        ),
        (4, "10:00:00", "Monthly account fee", -500, "Fee"),
        (2, "15:25:00", "Refund - Stationery World", 899, "Credit"),
        (1, "17:55:00", "Card payment - Team lunch", -6850, "Debit"),
    ];
    let mut csv = String::from("id,date,description,amount,balance,transactionType\n");
    let mut balance = Decimal::new(125000, 2);
    for (i, (days_ago, time, description, cents, kind)) in lines.iter().enumerate() {
        let amount = Decimal::new(*cents, 2);
        balance += amount;
        let day = today - Days::days(*days_ago);
        csv.push_str(&format!(
            "tx-{:03},{day}T{time},{description},{amount},{balance},{kind}\n",
            i + 1
        ));
    }
    (csv, balance, today - Days::days(14))
}

/// Prints each batch as it goes: sent, its push operation Pending, then its final status.
fn progress_printer() -> impl Fn(PushProgress) + Send + Sync + 'static {
    let first_status: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    move |p: PushProgress| {
        let mut seen = first_status.lock().unwrap_or_else(|e| e.into_inner());
        match p.stage {
            PushStage::Waiting => {
                if seen.is_none()
                    && let Some(status) = &p.status
                {
                    *seen = Some(status.to_string());
                }
            }
            PushStage::BatchDone => {
                let key = p.operation_key.as_deref().unwrap_or("?");
                let short: String = key.chars().take(8).collect();
                let first = seen.take().unwrap_or_else(|| "Pending".into());
                let last = p.status.as_ref().map_or("?".into(), |s| s.to_string());
                detail(format!(
                    "batch {}/{}  push operation {short}…  {first} -> {last}   ({}/{} transactions)",
                    p.batches_done, p.batches_total, p.transactions_done, p.transactions_total
                ));
            }
            _ => {}
        }
    }
}

async fn flow(sandbox: &SandboxHandle, today: NaiveDate) -> Result<(), Failure> {
    let client = Client::builder()
        .api_key("demo-key")
        .base_url(sandbox.url())
        .build()?;
    let demo = Demo::connect(&client, sandbox, today).await?;
    demo.create_account().await?;
    let (csv, closing, feed_start) = statement(today);
    demo.map_account(feed_start).await?;
    demo.validate(&csv)?;
    // The demo's pushes are recorded in a ledger in memory, never in the user's own ledger file
    // (its companies exist only in this sandbox); both pushes share it.
    let ledger = Arc::new(MemoryLedger::new());
    let report = demo.push(&csv, ledger.clone()).await?;
    demo.push_again(csv, ledger).await?;
    demo.check_balance(&report, closing).await
}

/// The customer's company and linked connection in the sandbox, and the client working there.
struct Demo<'a> {
    client: &'a Client,
    sandbox: &'a SandboxHandle,
    today: NaiveDate,
    company: String,
    connection: String,
}

impl<'a> Demo<'a> {
    /// Steps 1 to 3: a company, a Xero connection, and the customer's link completed.
    async fn connect(
        client: &'a Client,
        sandbox: &'a SandboxHandle,
        today: NaiveDate,
    ) -> Result<Demo<'a>, Failure> {
        step(1, "Create a company for your customer");
        let company = client
            .companies()
            .create(&CompanyRequestBody::new("Toft Bakery Ltd").with_description("customer 42"))
            .await?;
        detail(format!("company \"{}\"  id {}", company.name, company.id));

        step(2, "Connect it to the customer's accounting software (Xero)");
        let connection = client
            .connections(&company.id)
            .create_for(PlatformKey::Xero)
            .await?;
        detail(format!(
            "connection {}  status {}",
            connection.id, connection.status
        ));
        if let Some(link) = connection.link_url() {
            detail(format!("send the customer to {link}"));
            detail("(the link's one-time password is valid for one hour)");
        }

        step(3, "The customer opens the link and authorises access");
        let linked = sandbox.complete_link(&company.id, &connection.id)?;
        detail(format!(
            "[sandbox plays the customer]  connection is {}",
            linked.status
        ));
        Ok(Demo {
            client,
            sandbox,
            today,
            company: company.id,
            connection: connection.id,
        })
    }

    fn accounts(&self) -> SourceAccountsApi<'_> {
        self.client.source_accounts(&self.company, &self.connection)
    }

    /// Step 4: the source account for the business current account.
    async fn create_account(&self) -> Result<(), Failure> {
        step(
            4,
            "Create a source account for their business current account",
        );
        let prototype = SourceAccountPrototype {
            account_name: Some("Business Current Account".into()),
            account_type: Some("Debit".into()),
            account_number: Some("31926819".into()),
            sort_code: Some("40-12-76".into()),
            currency: Some(Currency::new("GBP")),
            balance: Some(Decimal::new(125000, 2)),
            ..SourceAccountPrototype::new(ACCOUNT_ID)
        };
        let account = self.accounts().create(prototype).await?;
        detail(format!(
            "{} \"{}\" GBP, sort code 40-12-76  status {}",
            account.id(),
            account.account_name().unwrap_or_default(),
            account.status().map_or("?", |s| s.as_str())
        ));
        Ok(())
    }

    /// Step 5: the account mapped to the first target Xero offers, from `feed_start`, then
    /// waited for until connected.
    async fn map_account(&self, feed_start: NaiveDate) -> Result<(), Failure> {
        step(
            5,
            "Map it to an account in Xero and wait until it is connected",
        );
        let mapping = self.client.account_mapping(&self.company, &self.connection);
        let options = mapping.get().await?;
        let target = options
            .first()
            .and_then(|m| m.options().first())
            .cloned()
            .ok_or("the sandbox offered no target account")?;
        let start = bankfeeds::dates::Timestamp::new(
            feed_start
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc(),
        );
        let body = BankFeedAccountMapping::new(ACCOUNT_ID, target.id.clone().unwrap_or_default())
            .with_feed_start_date(start);
        let answer = mapping.create(&body).await?;
        detail(format!(
            "mapped to \"{}\" with feed start date {feed_start}: {}",
            target.name.as_deref().unwrap_or("?"),
            answer.status.as_deref().unwrap_or("?")
        ));
        self.wait_until_connected().await
    }

    /// Polls the account until the mapping has connected it (10 s at most).
    async fn wait_until_connected(&self) -> Result<(), Failure> {
        let waited = Instant::now();
        loop {
            let now = self
                .accounts()
                .find(ACCOUNT_ID)
                .await?
                .ok_or("the source account disappeared")?;
            if now.is_connected() {
                detail(format!(
                    "status connected after {} ms",
                    waited.elapsed().as_millis()
                ));
                return Ok(());
            }
            if waited.elapsed() > Duration::from_secs(10) {
                return Err("the account never became connected".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Step 6: the statement checked with Xero's rules.
    fn validate(&self, csv: &str) -> Result<(), Failure> {
        step(6, "Validate the statement with Xero's rules");
        for line in csv.lines().take(4) {
            detail(format!("  {line}"));
        }
        detail(format!("  ... {} rows in all", csv.lines().count() - 1));
        let prepared = prepare_file(
            csv.as_bytes(),
            InputFormat::Csv,
            &PrepareOptions::new(Platform::Xero, self.today),
        );
        detail(format!(
            "{} transactions, {} error(s), {} warning(s): {}",
            prepared.transactions.len(),
            prepared.report.error_count(),
            prepared.report.warning_count(),
            if prepared.is_valid() {
                "ready to push"
            } else {
                "not ready"
            }
        ));
        if !prepared.is_valid() {
            return Err(prepared.report.to_string().into());
        }
        Ok(())
    }

    /// Step 7: the statement pushed in batches, each push operation followed to its end.
    async fn push(&self, csv: &str, ledger: Arc<MemoryLedger>) -> Result<PushReport, Failure> {
        step(
            7,
            &format!(
                "Push it in batches of {BATCH_SIZE}, oldest first, following each push operation"
            ),
        );
        detail(
            "the push ledger (what was pushed, so that reruns send nothing twice) is kept in memory \
             for the demo: `bankfeeds push` keeps it in a file (--ledger)",
        );
        let push_options = PushOptions::new()
            .ledger(ledger)
            .batch_size(BATCH_SIZE)
            .today(self.today)
            .wait(WaitOptions::every(
                Duration::from_millis(40),
                Duration::from_secs(30),
            ))
            .on_progress(progress_printer());
        let report = self
            .client
            .push_transactions(
                &self.company,
                &self.connection,
                ACCOUNT_ID,
                PushInput::file(csv.as_bytes().to_vec(), InputFormat::Csv),
                &push_options,
            )
            .await?;
        if !report.is_complete() {
            return Err(report.to_string().into());
        }
        Ok(report)
    }

    /// Step 8: the same statement pushed again, which sends nothing.
    async fn push_again(&self, csv: String, ledger: Arc<MemoryLedger>) -> Result<(), Failure> {
        step(8, "Push it again: nothing is sent twice");
        let again = self
            .client
            .push_transactions(
                &self.company,
                &self.connection,
                ACCOUNT_ID,
                PushInput::file(csv.into_bytes(), InputFormat::Csv),
                &PushOptions::new().ledger(ledger).today(self.today),
            )
            .await?;
        detail(format!(
            "{} already on the account, {} sent",
            again.already_pushed.len(),
            again.pushed
        ));
        Ok(())
    }

    /// The summary, and a failure unless the account's balance is the statement's closing one.
    async fn check_balance(&self, report: &PushReport, closing: Decimal) -> Result<(), Failure> {
        let account = self
            .accounts()
            .find(ACCOUNT_ID)
            .await?
            .ok_or("the source account disappeared")?;
        let stored =
            self.sandbox
                .stored_transactions(&self.company, &self.connection, ACCOUNT_ID)?;
        say!(
            "\nDone: {} transactions pushed in {} batches. Account {ACCOUNT_ID} balance {} GBP \
             (statement closing balance {closing}); the sandbox holds {} transactions.",
            report.pushed,
            report.batches.len(),
            account
                .balance()
                .map_or_else(|| "?".to_owned(), |b| b.to_string()),
            stored.len()
        );
        if account.balance() != Some(closing) {
            return Err("the account's balance is not the statement's closing balance".into());
        }
        Ok(())
    }
}

/// Runs the demo.
pub fn run() -> u8 {
    let Some(runtime) = crate::start::runtime() else {
        return FINDINGS;
    };
    let today = Utc::now().date_naive();
    runtime.block_on(async move {
        let sandbox = match Sandbox::builder()
            // This repo's tests set BANKFEEDS_SPEC: every answer is then checked against the spec.
            .check_spec_from_env()
            .push_delay(Duration::from_millis(120))
            .mapping_delay(Duration::from_millis(150))
            .today(today)
            .start()
            .await
        {
            Ok(s) => s,
            Err(e) => {
                tell!("bankfeeds: cannot start the sandbox: {e}");
                return FINDINGS;
            }
        };
        say!("bankfeeds demo: Codat's bank feeds flow against a local sandbox");
        say!(
            "(no Codat account, no network: the sandbox at {} speaks Codat's API)",
            sandbox.url()
        );
        let started = Instant::now();
        let outcome = flow(&sandbox, today).await;
        sandbox.shutdown().await;
        match outcome {
            Ok(()) => {
                say!(
                    "Finished in {:.1}s. Next: `bankfeeds sandbox` to run this server yourself, \
                     `bankfeeds validate FILE` for your own statements.",
                    started.elapsed().as_secs_f64()
                );
                OK
            }
            Err(e) => {
                tell!("bankfeeds demo failed: {e}");
                FINDINGS
            }
        }
    })
}
