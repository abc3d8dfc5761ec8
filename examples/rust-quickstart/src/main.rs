//! The first hour with bankfeeds in Rust: create a company and a Xero connection, create a GBP
//! source account, wait until the customer has mapped it, then push a statement of cleared
//! transactions oldest first, in batches, each checked to the cent before it is sent.
//!
//! It runs against an embedded sandbox (no Codat account needed). To use Codat itself, build the
//! client with `Client::new(std::env::var("CODAT_API_KEY")?)` and drop the sandbox lines: the
//! customer then completes the link and the mapping in their accounting software.

use bankfeeds::client::{Client, PushInput, PushOptions};
use bankfeeds::ingest::InputFormat;
use bankfeeds::model::{CompanyRequestBody, PlatformKey, SourceAccountPrototype};
use bankfeeds::money::Currency;
use bankfeeds::normalise::BalanceFill;
use bankfeeds_sandbox::{Sandbox, SandboxHandle};
use rust_decimal::Decimal;

/// A bank statement as a bank exports it: newest first, no balances, amounts as text.
const STATEMENT: &str = "\
id,date,description,amount
tx-004,2024-05-04T17:45:00,Card payment - Stationery World,-23.99
tx-003,2024-05-03T08:30:00,Direct debit - Office rent,-1200.00
tx-002,2024-05-02T12:02:00,Invoice 1041 paid by Acme Ltd,845.50
tx-001,2024-05-01T09:14:00,Card payment - Coffee Corner,-3.20
";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let today = chrono::NaiveDate::from_ymd_opt(2024, 5, 6).expect("a valid date");
    let sandbox = Sandbox::builder()
        .today(today)
        // This repo's tests set BANKFEEDS_SPEC: every answer is then checked against the spec.
        .check_spec_from_env()
        .start()
        .await?;
    let client = Client::builder()
        .api_key("sandbox-key")
        .base_url(sandbox.url())
        .build()?;

    let (company_id, connection_id) = connect(&client, &sandbox).await?;
    create_account(&client, &sandbox, &company_id, &connection_id, today).await?;

    // The push ledger records what was pushed (Codat's history does not say): a file of its own
    // for this run against the in-memory sandbox, not your real one.
    let ledger = std::env::temp_dir().join(format!(
        "bankfeeds-quickstart-{}.sqlite3",
        std::process::id()
    ));
    let options = PushOptions::new()
        .ledger_path(&ledger)
        .today(today)
        .balances(BalanceFill::Closing(Decimal::new(201_831, 2)))
        .batch_size(2)
        .on_progress(|p| {
            println!(
                "  {:?}: batch {}/{}",
                p.stage, p.batches_done, p.batches_total
            )
        });
    push_statement(&client, &company_id, &connection_id, &options).await?;
    push_again(&client, &company_id, &connection_id, &options).await?;

    sandbox.shutdown().await;
    let _ = std::fs::remove_file(&ledger);
    Ok(())
}

/// 1. A company, and a connection to its Xero organisation; the customer links Xero through the
///    connection's `linkUrl`.
async fn connect(client: &Client, sandbox: &SandboxHandle) -> Result<(String, String)> {
    let company = client
        .companies()
        .create(&CompanyRequestBody::new("Bakery Ltd"))
        .await?;
    let connection = client
        .connections(&company.id)
        .create_for(PlatformKey::Xero)
        .await?;
    println!(
        "send the customer to {}",
        connection.link_url().unwrap_or_default()
    );
    sandbox.complete_link(&company.id, &connection.id)?; // the customer links Xero
    Ok((company.id, connection.id))
}

/// 2. The bank account to feed (GBP accounts need a sort code), which the customer then maps to
///    an account in Xero.
async fn create_account(
    client: &Client,
    sandbox: &SandboxHandle,
    company_id: &str,
    connection_id: &str,
    today: chrono::NaiveDate,
) -> Result<()> {
    let account = SourceAccountPrototype {
        account_name: Some("Business Current Account".into()),
        account_type: Some("Debit".into()),
        account_number: Some("12345678".into()),
        sort_code: Some("12-34-56".into()),
        currency: Some(Currency::new("GBP")),
        balance: Some(Decimal::new(201_831, 2)),
        ..SourceAccountPrototype::new("acc-001")
    };
    let sources = client.source_accounts(company_id, connection_id);
    let created = sources.create(account).await?;
    println!(
        "source account {} is {}",
        created.id(),
        created.status().map_or("?", |s| s.as_str())
    );
    sandbox.map_account(
        company_id,
        connection_id,
        "acc-001",
        Some(today - chrono::Days::new(30)),
    )?;
    Ok(())
}

/// 3. Push the statement. The balance today is 2,018.31; every earlier balance follows from it,
///    the rows are sorted oldest first, validated with Xero's rules and sent in batches.
async fn push_statement(
    client: &Client,
    company_id: &str,
    connection_id: &str,
    options: &PushOptions,
) -> Result<()> {
    let input = PushInput::file(STATEMENT.as_bytes().to_vec(), InputFormat::Csv);
    let report = client
        .push_transactions(company_id, connection_id, "acc-001", input, options)
        .await?;
    println!("{report}");
    assert!(report.is_complete());
    Ok(())
}

/// 4. Running it again sends nothing twice.
async fn push_again(
    client: &Client,
    company_id: &str,
    connection_id: &str,
    options: &PushOptions,
) -> Result<()> {
    let input = PushInput::file(STATEMENT.as_bytes().to_vec(), InputFormat::Csv);
    let again = client
        .push_transactions(company_id, connection_id, "acc-001", input, options)
        .await?;
    println!(
        "rerun: {} already pushed, {} sent",
        again.already_pushed.len(),
        again.pushed
    );
    Ok(())
}
