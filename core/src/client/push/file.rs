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

#[cfg(doc)]
use super::PushInput;

/// The format a file is read as: the one given, else the one its extension says (the content
/// tells when neither does).
pub(super) fn format_of(path: &Path, format: InputFormat) -> InputFormat {
    match format {
        InputFormat::Auto => InputFormat::for_extension(path.extension().and_then(|e| e.to_str())),
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
        // Read whole, as the bytes of a file are.
        let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, &e))?;
        let file = super::PushInput::file(bytes, format);
        let (prepared, total, skipped) = super::prepare_rows(file, &options, account_id, skips)?;
        let batches = super::Batches::new(account_id, skipped.todo, prepared.batch_size);
        return Ok((
            Bodies::Held(batches),
            Checked::of(prepared, total, skipped.ids),
        ));
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
