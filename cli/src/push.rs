//! `bankfeeds push`: the core client's push, with a progress bar and a final report.

use std::path::PathBuf;
use std::time::Duration;

use bankfeeds::client::{Client, Error, PushOptions, PushProgress, PushReport, PushStage};
use bankfeeds::ingest::InputFormat;
use bankfeeds::normalise::{BalanceFill, NormaliseOptions};
use indicatif::{ProgressBar, ProgressStyle};

use crate::input::{self, Loaded, PrepareArgs};
use crate::output;
use crate::{FINDINGS, OK, UNREADABLE};

/// The environment variable holding the Codat API key.
pub const API_KEY_VAR: &str = "CODAT_API_KEY";

/// The arguments of `bankfeeds push`.
#[derive(Debug)]
pub struct PushArgs {
    /// The statement file.
    pub file: PathBuf,
    /// Codat's company id.
    pub company: String,
    /// The bank feeds connection id.
    pub connection: String,
    /// The source account id.
    pub account: String,
    /// The API's base URL; Codat's when `None`.
    pub base_url: Option<String>,
    /// Transactions per push.
    pub batch_size: Option<usize>,
    /// Day, balances and the expected platform.
    pub prepare: PrepareArgs,
}

/// The client's options for the shared flags: the rules themselves are the connection's
/// platform's; balances and the day come from the flags.
fn push_options(args: &PushArgs) -> PushOptions {
    let mut options = PushOptions::new();
    options.batch_size = args.batch_size;
    options.today = args.prepare.today;
    let fill = match (args.prepare.opening_balance, args.prepare.closing_balance) {
        (Some(opening), _) => Some(BalanceFill::Opening(opening)),
        (None, Some(closing)) => Some(BalanceFill::Closing(closing)),
        (None, None) => None,
    };
    if let Some(fill) = fill {
        let mut normalise = NormaliseOptions::for_platform(args.prepare.platform);
        normalise.balances = fill;
        options.normalise = Some(normalise);
    }
    options
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

/// Prints the final report: one line per batch, then the totals.
fn print_report(report: &PushReport) {
    if !report.already_pushed.is_empty() {
        say!(
            "{} transaction(s) were already on the account and were not sent again",
            report.already_pushed.len()
        );
    }
    use output::clean;
    for batch in &report.batches {
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
    say!("{report}");
}

/// Runs the push; the key comes from `CODAT_API_KEY` and is never printed.
pub fn run(args: PushArgs) -> u8 {
    let Some(key) = std::env::var(API_KEY_VAR)
        .ok()
        .filter(|k| !k.trim().is_empty())
    else {
        tell!("bankfeeds: set {API_KEY_VAR} to your Codat API key (it is never taken as a flag)");
        return UNREADABLE;
    };
    // Read the file first: an unreadable file stops here, before any request.
    let loaded: Loaded = match input::load_or_exit(&args.file, &args.prepare, args.batch_size) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            tell!("bankfeeds: cannot read {}: {e}", args.file.display());
            return UNREADABLE;
        }
    };
    let format = if loaded.csv {
        InputFormat::Csv
    } else {
        InputFormat::Json
    };
    let mut builder = Client::builder().api_key(key);
    if let Some(url) = &args.base_url {
        builder = builder.base_url(url.trim_end_matches('/'));
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            tell!("bankfeeds: {e}");
            return UNREADABLE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tell!("bankfeeds: cannot start a runtime: {e}");
            return UNREADABLE;
        }
    };
    let bar = progress_bar();
    let feed = bar.clone();
    let options = push_options(&args).on_progress(move |p| show(&feed, &p));
    let result = runtime.block_on(client.push_transactions(
        &args.company,
        &args.connection,
        &args.account,
        bankfeeds::client::PushInput::file(bytes, format),
        &options,
    ));
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            if report.platform != args.prepare.platform
                && args.prepare.platform != bankfeeds::rules::Platform::Generic
            {
                tell!(
                    "bankfeeds: the connection is {}: its rules applied, not {}'s",
                    report.platform.profile().name,
                    args.prepare.platform.profile().name
                );
            }
            for issue in report.validation.warnings() {
                say!("{}", output::finding_line(issue, loaded.csv));
            }
            print_report(&report);
            if report.is_complete() { OK } else { FINDINGS }
        }
        Err(Error::Validation(report)) => {
            for issue in &report.issues {
                say!("{}", output::finding_line(issue, loaded.csv));
            }
            say!(
                "nothing was pushed: {} error(s), {} warning(s)",
                report.error_count(),
                report.warning_count()
            );
            FINDINGS
        }
        Err(e) => {
            tell!("bankfeeds: {e}");
            FINDINGS
        }
    }
}
