//! A push from a file's path, streamed ([`PushInput::Path`]): a first reading normalises and
//! validates the rows ([`crate::stream::prepare_path_for_push`]) and sets aside the rows not to
//! send as they go by ([`Skipper`]), keeping the ids, the findings listed and a bit a row; the
//! bodies are then read again one at a time ([`crate::stream::Streamed::write_push_bodies`]),
//! on a thread of their own, as each batch's turn comes. The memory a push holds is then about
//! one batch, whatever the file's size, besides the ids it reports.
//!
//! A file the stream reads whole ([`crate::stream::InMemory`]: rows out of date order, say) is
//! pushed as the bytes of a file are, read whole.
//!
//! A file that changed between the readings is refused: every body read again is checked
//! against what the first reading made of it, and one that differs is never sent
//! ([`crate::stream::FileChanged`], reported as a `malformed_input` finding). Before the first
//! batch that fails the push with [`Error::Validation`]; later, it stops the push there.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

use super::{Bodies, Checked, Error, Skipper, Skips, check_account_id};
use crate::ingest::InputFormat;
use crate::model::CreateBankTransactions;
use crate::pipeline::PrepareOptions;
use crate::stream::{self, FileChanged, PushRows, Streamed};
use crate::validate::{Code, Issue, ValidationReport};

use super::PushInput;

/// The format a file is read as: the one given, else the one its extension says (the content
/// tells when neither does).
pub(super) fn format_of(path: &Path, format: InputFormat) -> InputFormat {
    match format {
        InputFormat::Auto => InputFormat::for_path(path),
        known => known,
    }
}

/// The error for a file that cannot be read: a `malformed_input` finding naming it.
pub(super) fn unreadable(path: &Path, e: &std::io::Error) -> Error {
    let message = if e
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<FileChanged>().is_some())
    {
        format!("{}: {e}", path.display())
    } else {
        format!("cannot read {}: {e}", path.display())
    };
    let mut report = ValidationReport::new();
    report.push(Issue::new(Code::MalformedInput, message));
    Error::Validation(Box::new(report))
}

/// Step 4 of a push from a file: what [`super::prepare_rows`] does, streamed (see the module
/// documentation). Fails with [`Error::Validation`] when the rows to send have errors (the
/// report listing up to [`PrepareOptions::max_listed`] findings of each code, the rest
/// counted), or with the cursor's [`Error::Config`].
pub(super) fn prepare(
    path: PathBuf,
    format: InputFormat,
    options: PrepareOptions,
    account_id: &str,
    skips: &Skips<'_>,
) -> Result<(Bodies, Checked), Error> {
    let format = format_of(&path, format);
    let mut skipper = Skipper::new(skips);
    let mut skip = |tx: &crate::model::BankTransaction| skipper.skip(tx);
    let rows = PushRows {
        account_id,
        skip: &mut skip,
    };
    let first = stream::prepare_path_for_push(&path, format, &options, rows)
        .map_err(|e| unreadable(&path, &e))?;
    let Some(mut streamed) = first else {
        // Read whole (a pipe, rows out of date order...), as the bytes of a file are.
        return super::held_rows(
            PushInput::Path { path, format },
            &options,
            account_id,
            skips,
        );
    };
    let skipped = skipper.finish()?;
    let mut report = std::mem::take(&mut streamed.report);
    check_account_id(&mut report, streamed.account_id.as_deref(), account_id);
    if !report.is_valid() {
        return Err(Error::Validation(Box::new(report)));
    }
    let checked = Checked {
        transactions: streamed.transactions,
        skipped,
        validation: report,
        changes: std::mem::take(&mut streamed.changes),
    };
    let held: HashSet<String> = skips
        .history
        .held
        .iter()
        .flat_map(|b| b.transaction_ids.iter().cloned())
        .collect();
    let bodies = FileBodies::start(path, options, account_id, streamed, held);
    Ok((Bodies::File(bodies), checked))
}

/// The bodies of a file, read again one at a time on a thread of their own, at most one ahead
/// of the one being sent.
pub(super) struct FileBodies {
    batches: usize,
    transactions: usize,
    next: mpsc::Receiver<Result<CreateBankTransactions, Error>>,
    /// The first body, read before the push goes on to send it.
    first: Option<CreateBankTransactions>,
    /// The ids of timed-out batches (from earlier pushes) this push sent.
    held: HashSet<String>,
    succeeded_held: HashSet<String>,
}

/// Why the reading stopped.
enum Stop {
    /// The push no longer wants bodies.
    Closed,
    Read(std::io::Error),
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Self {
        Stop::Read(e)
    }
}

impl FileBodies {
    fn start(
        path: PathBuf,
        options: PrepareOptions,
        account_id: &str,
        streamed: Streamed,
        held: HashSet<String>,
    ) -> Self {
        let (batches, transactions) = streamed.push_totals();
        let (send, next) = mpsc::channel(1);
        let account_id = account_id.to_owned();
        let read = move || {
            let written = streamed.write_push_bodies(&path, &options, &account_id, |body| {
                send.blocking_send(Ok(body)).map_err(|_| Stop::Closed)
            });
            if let Err(Stop::Read(e)) = written {
                let _ = send.blocking_send(Err(unreadable(&path, &e)));
            }
        };
        let spawned = std::thread::Builder::new()
            .name("bankfeeds-push-file".into())
            .spawn(read);
        if let Err(e) = spawned {
            // Nothing will come: the push fails at its first batch, having sent nothing.
            tracing::warn!(error = %e, "cannot start reading the file's batches");
        }
        FileBodies {
            batches,
            transactions,
            next,
            first: None,
            held,
            succeeded_held: HashSet::new(),
        }
    }

    /// Reads the first body: a file that changed since it was checked fails here, before
    /// anything is sent.
    pub(super) async fn ready(&mut self) -> Result<(), Error> {
        if self.batches > 0 && self.first.is_none() {
            self.first = Some(self.next().await?);
        }
        Ok(())
    }

    pub(super) fn len(&self) -> usize {
        self.batches
    }

    pub(super) fn transactions(&self) -> usize {
        self.transactions
    }

    /// The next body.
    pub(super) async fn next(&mut self) -> Result<CreateBankTransactions, Error> {
        if let Some(first) = self.first.take() {
            return Ok(first);
        }
        match self.next.recv().await {
            Some(next) => next,
            None => Err(Error::Config(
                "reading the file's batches stopped before the last one".to_owned(),
            )),
        }
    }

    /// A body was pushed and succeeded.
    pub(super) fn succeeded(&mut self, body: &CreateBankTransactions) {
        if self.held.is_empty() {
            return;
        }
        for tx in &body.transactions {
            if self.held.contains(&tx.id) {
                self.succeeded_held.insert(tx.id.clone());
            }
        }
    }

    /// The ids of earlier timed-out batches this push sent and saw succeed.
    pub(super) fn succeeded_held(&self) -> impl Iterator<Item = &str> {
        self.succeeded_held.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    //! The bodies a push from a path sends, byte for byte against a push of the same file's
    //! bytes: recorded on their way to the sandbox.

    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use crate::client::network::NetworkOptions;
    use crate::client::transport::{HttpRequest, Method, ReqwestTransport, SendFuture, Transport};
    use crate::client::{Client, PushInput, PushOptions, WaitOptions};
    use crate::ingest::InputFormat;
    use crate::model::{CompanyRequestBody, PlatformKey, SourceAccountPrototype};
    use crate::money::Currency;
    use rust_decimal::Decimal;

    /// Sends through reqwest, keeping every push body (by account URL).
    struct Recording {
        inner: ReqwestTransport,
        pushes: Mutex<Vec<(String, Vec<u8>)>>,
    }

    impl Transport for Recording {
        fn send(&self, request: HttpRequest) -> SendFuture<'_> {
            if request.method == Method::Post && request.url.path().ends_with("/bankTransactions") {
                let body = request.body.clone().unwrap_or_default();
                let path = request.url.path().to_owned();
                self.pushes.lock().unwrap().push((path, body));
            }
            self.inner.send(request)
        }
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
    }

    /// A company with a linked connection and a connected account `acc-001`: (company,
    /// connection).
    async fn feed(client: &Client, sandbox: &bankfeeds_sandbox::SandboxHandle) -> (String, String) {
        let company = client
            .companies()
            .create(&CompanyRequestBody::new("Toft Bakery"))
            .await
            .unwrap();
        let connection = client
            .connections(&company.id)
            .create_for(PlatformKey::FreeAgent)
            .await
            .unwrap();
        sandbox.complete_link(&company.id, &connection.id).unwrap();
        client
            .source_accounts(&company.id, &connection.id)
            .create(SourceAccountPrototype {
                account_name: Some("Current".into()),
                account_type: Some("Debit".into()),
                account_number: Some("31926819".into()),
                sort_code: Some("40-12-76".into()),
                currency: Some(Currency::new("GBP")),
                balance: Some(Decimal::ZERO),
                ..SourceAccountPrototype::new("acc-001")
            })
            .await
            .unwrap();
        let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1);
        sandbox
            .map_account(&company.id, &connection.id, "acc-001", start)
            .unwrap();
        (company.id, connection.id)
    }

    /// Rows with places and dates written in several ways, so that a body rewritten rather
    /// than read would show.
    fn csv(rows: std::ops::Range<usize>) -> String {
        let mut out = String::from("id,date,description,amount,balance\n");
        let mut balance = Decimal::ZERO;
        for n in 0..rows.end {
            let amount = if n % 3 == 0 {
                Decimal::new(1_250 + n as i64, 1)
            } else {
                -Decimal::new(1_999 + n as i64, 2)
            };
            balance += amount;
            if rows.contains(&n) {
                // A day's first row without a time (midnight), its second at 09:00.
                let date = if n % 2 == 0 {
                    format!("2024-03-{:02}", 1 + n / 2)
                } else {
                    format!("2024-03-{:02}T09:{:02}:00", 1 + n / 2, n % 60)
                };
                out.push_str(&format!("t-{n},{date},  Payment {n} ,{amount},{balance}\n"));
            }
        }
        out
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_path_sends_the_bytes_the_same_file_sends() {
        let sandbox = bankfeeds_sandbox::Sandbox::builder()
            .today(today())
            .push_delay(Duration::from_millis(1))
            .start()
            .await
            .unwrap();
        let recording = Arc::new(Recording {
            inner: ReqwestTransport::new(Duration::from_secs(5), &NetworkOptions::default())
                .unwrap(),
            pushes: Mutex::new(Vec::new()),
        });
        let client = crate::client::ClientBuilder::new()
            .api_key("sandbox-key")
            .base_url(sandbox.url())
            .transport(recording.clone())
            .build()
            .unwrap();
        let by_path = feed(&client, &sandbox).await;
        let by_bytes = feed(&client, &sandbox).await;
        let dir = std::env::temp_dir().join(format!("bankfeeds-file-push-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let options = PushOptions::new()
            .ledger_path(dir.join("ledger.sqlite3"))
            .today(today())
            .batch_size(7)
            .wait(WaitOptions::every(
                Duration::from_millis(2),
                Duration::from_secs(30),
            ));
        // A first day, then the whole file: the rerun skips what the first push sent.
        for (step, text) in [csv(0..10), csv(0..40)].into_iter().enumerate() {
            let path = dir.join(format!("rows-{step}.csv"));
            std::fs::write(&path, &text).unwrap();
            for ((company, connection), input) in [
                (&by_path, PushInput::path(&path, InputFormat::Auto)),
                (&by_bytes, PushInput::file(text.clone(), InputFormat::Csv)),
            ] {
                let report = client
                    .push_transactions(company, connection, "acc-001", input, &options)
                    .await
                    .unwrap();
                assert!(report.is_complete(), "{report}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        let pushes = recording.pushes.lock().unwrap().clone();
        let of = |company: &str| -> Vec<Vec<u8>> {
            pushes
                .iter()
                .filter(|(path, _)| path.contains(company))
                .map(|(_, body)| body.clone())
                .collect()
        };
        let (a, b) = (of(&by_path.0), of(&by_bytes.0));
        assert_eq!(a.len(), 2 + 5, "10 rows, then the other 30, by 7");
        assert_eq!(a, b, "the same bytes");
        sandbox.shutdown().await;
    }
}
