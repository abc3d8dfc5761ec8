//! `bankfeeds push`: the core client's push, with a progress bar and a final report.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankfeeds::client::push::{Cursor, UnknownHistory};
use bankfeeds::client::{
    BatchOutcome, Client, Error, PushInput, PushOptions, PushProgress, PushReport, PushStage,
    PushStop,
};
use bankfeeds::ingest::InputFormat;
use bankfeeds::normalise::BalanceFill;
use bankfeeds::validate::ValidationReport;
use indicatif::{ProgressBar, ProgressStyle};

use crate::input::{self, PrepareArgs};
use crate::output::{self, clean};
use crate::start;
use crate::{BUSY, FINDINGS, HISTORY_UNKNOWN, INCOMPLETE, OK, UNREADABLE};

/// Held ids listed in the report per timed-out batch; beyond this, a count and where to find
/// them.
const IDS_SHOWN: usize = 20;

/// What to do when the account's history cannot be told (`--unknown-history`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UnknownHistoryArg {
    /// Send nothing (exit code 5).
    Refuse,
    /// Push the rows: none of them is on the account yet.
    Trust,
}

/// The push ledger and what a push may do with the account's history.
#[derive(Debug, Clone, clap::Args)]
pub struct LedgerArgs {
    #[arg(long, value_name = "PATH", help = crate::ledger::path_help())]
    pub ledger: Option<PathBuf>,
    /// Push without a ledger: nothing records what was pushed and nothing keeps a second push
    /// off the account. Codat's push history does not say what each push carried, so a rerun
    /// then needs --unknown-history trust or --skip-through.
    #[arg(long, conflicts_with = "ledger")]
    pub no_ledger: bool,
    /// When the account has pushes the ledger does not know (a new machine, another ledger,
    /// another system): refuse (send nothing), or trust (push the rows: none of them is on the
    /// account yet).
    #[arg(long, value_enum, default_value_t = UnknownHistoryArg::Refuse)]
    pub unknown_history: UnknownHistoryArg,
    /// The account already has every row dated on or before DATE (YYYY-MM-DD, or a date and
    /// time), and with ID that day's rows up to and including ID: skip them, push the rest.
    #[arg(long, value_name = "DATE[,ID]", conflicts_with = "unknown_history")]
    pub skip_through: Option<Cursor>,
    /// Send this id again although a timed-out batch holds it, once you have checked that it is
    /// not in the accounting platform (repeatable).
    #[arg(long, value_name = "ID")]
    pub resend: Vec<String>,
    /// Ids to send again, one a line (as --resend).
    #[arg(long, value_name = "FILE")]
    pub resend_file: Option<PathBuf>,
    /// Wait up to SECS for another push of the account to finish, instead of stopping at once
    /// (exit code 4).
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub wait_for_lock: u64,
}

/// The arguments of `bankfeeds push`.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// The file: CSV with a header, a JSON push body, or a JSON array of transactions.
    pub file: PathBuf,
    /// Codat's company id.
    #[arg(long)]
    pub company: String,
    /// The bank feeds connection id.
    #[arg(long)]
    pub connection: String,
    /// The source account id.
    #[arg(long)]
    pub account: String,
    /// The API's base URL (default: Codat's).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Transactions per push, at most the platform's limit (1000).
    #[arg(long)]
    pub batch_size: Option<usize>,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    #[command(flatten)]
    pub prepare: PrepareArgs,
    #[command(flatten)]
    pub network: crate::net::NetworkArgs,
}

/// The client's options for the shared flags: the platform is the connection's; the rules'
/// severities, balances and the day come from the flags.
fn push_options(args: &PushArgs) -> PushOptions {
    let mut options = PushOptions::new();
    options.batch_size = args.batch_size;
    // Today where the account is kept (--today, --time-zone, or this machine's zone).
    options.today = Some(args.prepare.today());
    options.rules = args.prepare.rule_policy();
    let fill = args.prepare.anchor();
    if fill != BalanceFill::Keep {
        options = options.balances(fill);
    }
    options
}

impl LedgerArgs {
    /// What to do when the account's history cannot be told.
    fn unknown_history(&self) -> UnknownHistory {
        match (&self.skip_through, self.unknown_history) {
            (Some(cursor), _) => UnknownHistory::SkipThrough(cursor.clone()),
            (None, UnknownHistoryArg::Trust) => UnknownHistory::Trust,
            (None, UnknownHistoryArg::Refuse) => UnknownHistory::Refuse,
        }
    }

    /// `options` with these flags: the history policy, the lease wait, the ids to resend and
    /// the ledger, whose path is answered too (`None` with --no-ledger). `Err` says why the
    /// ledger's default place or the --resend-file cannot be had.
    pub(crate) fn apply(
        &self,
        mut options: PushOptions,
    ) -> Result<(PushOptions, Option<PathBuf>), String> {
        options.unknown_history = self.unknown_history();
        options.lock_wait = Duration::from_secs(self.wait_for_lock);
        let path = if self.no_ledger {
            None
        } else {
            Some(crate::ledger::resolve(self.ledger.as_deref())?)
        };
        options.resend = self.resend_ids()?;
        let options = match &path {
            Some(path) => options.ledger_path(path),
            None => options.without_ledger(),
        };
        Ok((options, path))
    }

    /// The ids of `--resend` and `--resend-file` (one a line; blank lines skipped).
    fn resend_ids(&self) -> Result<HashSet<String>, String> {
        let mut ids: HashSet<String> = self.resend.iter().map(|id| id.trim().to_owned()).collect();
        if let Some(file) = &self.resend_file {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read --resend-file {}: {e}", file.display()))?;
            ids.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned),
            );
        }
        ids.remove("");
        Ok(ids)
    }
}

/// A progress bar over the transactions to push, fed by the client's progress callback.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    let style =
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} transactions  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn show(bar: &ProgressBar, p: &PushProgress) {
    bar.set_length(u64::try_from(p.transactions_total).unwrap_or(u64::MAX));
    bar.set_position(u64::try_from(p.transactions_done).unwrap_or(u64::MAX));
    let batch = p.batches_done.saturating_add(1).min(p.batches_total.max(1));
    let message = match p.stage {
        PushStage::Checking => "checking the account and what it already has".to_owned(),
        PushStage::Sending => format!("batch {batch}/{}: sending", p.batches_total),
        PushStage::Waiting => format!(
            "batch {batch}/{}: {}",
            p.batches_total,
            // The status is the server's text: shown, never obeyed.
            output::clean(p.status.as_ref().map_or("waiting", |s| s.as_str()))
        ),
        PushStage::BatchDone => format!("{}/{} batches done", p.batches_done, p.batches_total),
        _ => "done".to_owned(),
    };
    bar.set_message(message);
}

/// Progress as log lines on stderr when it is not a terminal (cron, CI, a pipe): each batch's
/// push operation when Codat accepts it and when it ends, so a log shows the keys even if the
/// process is killed.
fn log_progress() -> impl Fn(PushProgress) + Send + Sync + 'static {
    let accepted: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    move |p: PushProgress| {
        let batch = (p.batches_done + 1).min(p.batches_total.max(1));
        let key = p.operation_key.as_deref().map(clean);
        let status = p.status.as_ref().map_or("?", |s| s.as_str());
        match (p.stage, key) {
            (PushStage::Waiting, Some(key)) => {
                let mut last = accepted.lock().unwrap_or_else(|e| e.into_inner());
                if last.as_deref() != Some(&*key) {
                    eprintln!(
                        "bankfeeds: batch {batch}/{}: accepted as push operation {key}, {status}",
                        p.batches_total
                    );
                    *last = Some(key.into_owned());
                }
            }
            (PushStage::BatchDone, Some(key)) => eprintln!(
                "bankfeeds: batch {}/{}: push operation {key} ended {status}",
                p.batches_done, p.batches_total
            ),
            _ => {}
        }
    }
}

/// Where the report's hints send people.
struct Context<'a> {
    args: &'a PushArgs,
    ledger: Option<&'a Path>,
}

impl Context<'_> {
    /// `--skip-through` as given: `DATE` or `DATE,ID`, escaped.
    fn cursor(&self) -> String {
        self.args
            .ledger
            .skip_through
            .as_ref()
            .map(|c| match &c.id {
                Some(id) => format!("{},{}", c.date, clean(id)),
                None => c.date.to_string(),
            })
            .unwrap_or_default()
    }

    /// The `ledger list` command that prints every id of the account's batches.
    fn list_command(&self) -> Option<String> {
        self.ledger.map(|path| {
            format!(
                "bankfeeds ledger list --ledger {} --company {} --connection {} --account {} --ids",
                path.display(),
                clean(&self.args.company),
                clean(&self.args.connection),
                clean(&self.args.account)
            )
        })
    }
}

/// `a, b, c`, escaped.
fn id_list<'a>(ids: impl IntoIterator<Item = &'a String>) -> String {
    ids.into_iter()
        .map(|id| clean(id).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `first..last` (or the only one), escaped.
fn span(ids: &[String]) -> String {
    match ids {
        [] => String::new(),
        [only] => clean(only).into_owned(),
        [first, .., last] => format!("{}..{}", clean(first), clean(last)),
    }
}

/// Prints the final report: what was skipped and why, one line per batch, what is held back,
/// then the totals and where the push stopped.
fn print_report(report: &PushReport, ctx: &Context<'_>) {
    print_skipped(report, ctx);
    for batch in &report.batches {
        print_batch(batch);
    }
    print_timed_out(report, ctx);
    print_totals(report);
    if let Some(stop) = &report.stopped {
        let later = stop.batch() + 1 < report.batches_total;
        say!("stopped: {}", stop_text(stop, later, ctx));
    }
}

/// What was not sent before the batches: an earlier run's batches looked up, rows already on
/// the account or before the cursor, and pushes the history cannot account for.
fn print_skipped(report: &PushReport, ctx: &Context<'_>) {
    for (batch_id, state) in &report.recovered {
        say!(
            "an earlier run's batch {} (its answer never came) was looked up: {state}",
            clean(batch_id)
        );
    }
    if !report.already_pushed.is_empty() {
        say!(
            "{} transaction(s) were already on the account and were not sent again",
            report.already_pushed.len()
        );
    }
    if !report.skipped_by_cursor.is_empty() {
        say!(
            "{} transaction(s) at or before --skip-through {} were skipped ({})",
            report.skipped_by_cursor.len(),
            ctx.cursor(),
            span(&report.skipped_by_cursor)
        );
    }
    if report.unknown_operations > 0 {
        say!(
            "{} push operation(s) on the connection do not say what they carried: pushed under --{}",
            report.unknown_operations,
            if ctx.args.ledger.skip_through.is_some() {
                "skip-through"
            } else {
                "unknown-history trust"
            }
        );
    }
}

/// One batch: its status, rows and push operation, then the server's message and each row it
/// refused.
fn print_batch(batch: &BatchOutcome) {
    let span = if batch.transactions == 1 {
        format!("1 transaction, {}", clean(&batch.first_id))
    } else {
        format!(
            "{} transactions, {}..{}",
            batch.transactions,
            clean(&batch.first_id),
            clean(&batch.last_id)
        )
    };
    say!(
        "batch {}: {} ({span}) push operation {}{}",
        batch.index.saturating_add(1),
        clean(&batch.status.to_string()),
        clean(&batch.operation_key),
        if batch.recovered {
            " (found again after a lost answer)"
        } else {
            ""
        }
    );
    if let Some(message) = &batch.error_message {
        say!("  {}", clean(message));
    }
    for item in &batch.validation_errors {
        say!(
            "  {}{}",
            item.item_id
                .as_deref()
                .map(|id| format!("{}: ", clean(id)))
                .unwrap_or_default(),
            clean(item.message.as_deref().unwrap_or(""))
        );
    }
}

/// The totals line: pushed, batches, already pushed, not pushed, held back, skipped.
fn print_totals(report: &PushReport) {
    say!(
        "{} of {} transaction(s) pushed to account {} in {} of {} batch(es); {} already pushed, {} not pushed{}{}",
        report.pushed,
        report.transactions,
        clean(&report.account_id),
        report.batches.iter().filter(|b| b.is_success()).count(),
        report.batches_total,
        report.already_pushed.len(),
        report.not_pushed,
        if report.held_back.is_empty() {
            String::new()
        } else {
            format!(", {} held back", report.held_back.len())
        },
        if report.skipped_by_cursor.is_empty() {
            String::new()
        } else {
            format!(", {} skipped by the cursor", report.skipped_by_cursor.len())
        },
    );
}

/// The account's timed-out batches: each operation key and its ids (or a count and where to
/// find them), and what to do.
fn print_timed_out(report: &PushReport, ctx: &Context<'_>) {
    if report.timed_out.is_empty() {
        return;
    }
    if !report.held_back.is_empty() {
        say!(
            "{} transaction(s) of the file held back: a timed-out push holds them ({})",
            report.held_back.len(),
            span(&report.held_back)
        );
    }
    for held in &report.timed_out {
        let key = clean(&held.operation_key);
        let count = held.transaction_ids.len();
        match ctx.list_command() {
            Some(command) if count > IDS_SHOWN => say!(
                "timed out: push operation {key}: {count} transaction(s), {}; every id: {command}",
                span(&held.transaction_ids)
            ),
            _ => say!(
                "timed out: push operation {key}: {count} transaction(s): {}",
                id_list(&held.transaction_ids)
            ),
        }
    }
    say!(
        "Codat stopped waiting for the accounting platform, which may still have written them: \
         they are not sent again. Check them there, then send the missing ones with --resend ID \
         (repeatable) or --resend-file FILE (one id a line)."
    );
}

/// Why the push stopped, in the CLI's words (batches counted from 1, as in the report);
/// `later`: batches after it were not sent.
fn stop_text(stop: &PushStop, later: bool, ctx: &Context<'_>) -> String {
    let rest = if later {
        "; later batches were not sent: rerun to push them"
    } else {
        ""
    };
    match stop {
        PushStop::OperationFailed { batch, operation } => {
            let mut text = format!(
                "batch {} ended {} (push operation {})",
                batch + 1,
                operation.status,
                clean(&operation.push_operation_key)
            );
            if let Some(m) = &operation.error_message {
                text.push_str(&format!(": {}", clean(m)));
            }
            text.push_str("; nothing of it was written: fix the rows and rerun");
            if later {
                text.push_str(" (later batches were not sent)");
            }
            text
        }
        PushStop::TimedOut {
            batch,
            operation_key,
            transaction_ids,
        } => format!(
            "batch {} timed out (push operation {}, {} transaction(s)){rest}",
            batch + 1,
            clean(operation_key),
            transaction_ids.len()
        ),
        PushStop::StillPending {
            batch,
            operation_key,
            status,
        } => format!(
            "batch {} is still {status} (push operation {}): rerun to wait for it{}",
            batch + 1,
            clean(operation_key),
            if later { " and push the rest" } else { "" }
        ),
        // In the CLI's words too (a lease lost mid-push names --wait-for-lock).
        PushStop::Error { batch, error } => {
            format!("batch {}: {}{rest}", batch + 1, error_text(error, ctx).0)
        }
        other => clean(&other.to_string()).into_owned(),
    }
}

/// The message and exit code of an error that stopped the push before anything was sent.
fn error_text(error: &Error, ctx: &Context<'_>) -> (String, u8) {
    match error {
        Error::HistoryUnknown {
            account_id,
            operations,
        } => {
            let first = operations.first().map(|k| clean(k)).unwrap_or_default();
            let why = match ctx.ledger {
                Some(path) => format!(
                    "are not in the push ledger {} and do not say what they carried (first: {first}); \
                     nothing was sent.\n  If another ledger recorded them, push with it: --ledger PATH.",
                    path.display()
                ),
                None => format!(
                    "do not say what they carried (first: {first}), and --no-ledger keeps no \
                     record of what was pushed; nothing was sent.\n  Push with the ledger that \
                     recorded them (drop --no-ledger, or --ledger PATH)."
                ),
            };
            (
                format!(
                    "cannot tell what account `{}` already has: {} push operation(s) on the \
                     connection {why}\n  If none of these rows is on the account yet: \
                     --unknown-history trust\n  If the account has everything up to a date (and \
                     that day up to an id): --skip-through DATE[,ID]",
                    clean(account_id),
                    operations.len(),
                ),
                HISTORY_UNKNOWN,
            )
        }
        Error::AccountBusy {
            account_id,
            holder,
            expires_at,
        } => (
            format!(
                "account `{}` is being pushed by {} (its lease runs until {expires_at}); nothing \
                 was sent. Run again when that push has finished, or wait for it with \
                 --wait-for-lock SECS.",
                clean(account_id),
                clean(holder)
            ),
            BUSY,
        ),
        // The ledger cannot be opened or read, or a flag's value does not fit the rows (a
        // --skip-through id not on its date): nothing was sent.
        Error::Ledger { .. } | Error::Config(_) => {
            (clean(&error.to_string()).into_owned(), UNREADABLE)
        }
        _ => (clean(&error.to_string()).into_owned(), INCOMPLETE),
    }
}

/// Runs the push; the key comes from `CODAT_API_KEY` and is never printed.
pub fn run(args: PushArgs) -> u8 {
    let Some(key) = start::api_key() else {
        return UNREADABLE;
    };
    // Read the file first: an unreadable file stops here, before any request.
    let (csv, input, _source) = match read_file(&args) {
        Ok(read) => read,
        Err(code) => return code,
    };
    let Some(client) = client(&args, key) else {
        return UNREADABLE;
    };
    let Some(runtime) = start::runtime() else {
        return UNREADABLE;
    };
    let (options, ledger_path) = match args.ledger.apply(push_options(&args)) {
        Ok(done) => done,
        Err(message) => {
            tell!("bankfeeds: {message}");
            return UNREADABLE;
        }
    };
    let bar = std::io::stderr().is_terminal().then(progress_bar);
    let options = match &bar {
        Some(bar) => {
            let feed = bar.clone();
            options.on_progress(move |p| show(&feed, &p))
        }
        None => options.on_progress(log_progress()),
    };
    let result = runtime.block_on(client.push_transactions(
        &args.company,
        &args.connection,
        &args.account,
        input,
        &options,
    ));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let ctx = Context {
        args: &args,
        ledger: ledger_path.as_deref(),
    };
    match result {
        Ok(report) => print_pushed(&report, &ctx, csv),
        Err(Error::Validation(report)) => print_refused(&report, csv),
        Err(e) => {
            let (message, code) = error_text(&e, &ctx);
            tell!("bankfeeds: {message}");
            code
        }
    }
}

/// Whether the file is CSV, and the file for the client; `Err` is the exit code for a file that
/// cannot be read. An unreadable file (missing, no header, not JSON...) stops here, before any
/// request. The check is light (`input::readable_or_exit`: a CSV file is read up to its
/// header): the client streams the file itself once it knows the account's rules and what the
/// account has, and refuses rows with errors before sending any.
/// A pipe is copied to a temporary file first (`input::Source`), kept while the push runs.
fn read_file(args: &PushArgs) -> Result<(bool, PushInput, input::Source), u8> {
    let source = input::Source::open(&args.file)?;
    let csv = input::readable_or_exit(&source, &args.file)?;
    let format = if csv {
        InputFormat::Csv
    } else {
        InputFormat::Json
    };
    let input = PushInput::path(source.path(), format);
    Ok((csv, input, source))
}

/// The client for the key, --base-url and the network flags.
fn client(args: &PushArgs, key: String) -> Option<Client> {
    let builder = match args.network.apply(Client::builder().api_key(key)) {
        Ok(b) => b,
        Err(e) => {
            tell!("bankfeeds: {e}");
            return None;
        }
    };
    start::client(builder, args.base_url.as_deref())
}

/// A push that ran: a platform other than the expected one, the warnings, then the report.
fn print_pushed(report: &PushReport, ctx: &Context<'_>, csv: bool) -> u8 {
    let expected = ctx.args.prepare.platform;
    if report.platform != expected && expected != bankfeeds::rules::Platform::Generic {
        tell!(
            "bankfeeds: the connection is {}: its rules applied, not {}'s",
            report.platform.profile().name,
            expected.profile().name
        );
    }
    for issue in report.validation.warnings() {
        say!("{}", output::finding_line(issue, csv));
    }
    // A file's findings stream: past the first 1,000 of a code they are counted.
    for omitted in &report.validation.omitted {
        say!("{}", output::omitted_text(omitted));
    }
    print_report(report, ctx);
    if report.is_complete() { OK } else { INCOMPLETE }
}

/// A file the connection's rules refuse: every finding, and nothing pushed.
fn print_refused(report: &ValidationReport, csv: bool) -> u8 {
    for issue in &report.issues {
        say!("{}", output::finding_line(issue, csv));
    }
    for omitted in &report.omitted {
        say!("{}", output::omitted_text(omitted));
    }
    say!(
        "nothing was pushed: {} error(s), {} warning(s)",
        report.error_count(),
        report.warning_count()
    );
    FINDINGS
}
