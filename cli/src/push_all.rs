//! `bankfeeds push-all MANIFEST`: many accounts at once through the core's `push_all`, a
//! progress line per account on stderr and a summary table at the end.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use bankfeeds::client::{
    AccountProgress, AccountPush, AccountState, AccountStatus, Client, Error, PushAllOptions,
    PushAllReport, PushInput, PushOptions, PushStage,
};
use bankfeeds::dates::TimeZone;
use bankfeeds::ingest::InputFormat;
use bankfeeds::validate::{Code, RuleLevel};
use chrono::NaiveDate;

use crate::output::clean;
use crate::push::LedgerArgs;
use crate::start;
use crate::{BUSY, FINDINGS, HISTORY_UNKNOWN, INCOMPLETE, OK, UNREADABLE};

/// The arguments of `bankfeeds push-all`.
#[derive(Debug, clap::Args)]
pub struct PushAllArgs {
    /// The manifest: CSV with the header `company,connection,account,file`, one account a line
    /// (files relative to the manifest's folder; blank lines and lines starting with # are
    /// skipped).
    pub manifest: PathBuf,
    /// The API's base URL (default: Codat's).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Transactions per push, at most the platform's limit (1000).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Accounts pushed at once.
    #[arg(long, default_value_t = bankfeeds::client::push::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Most requests in flight at once per company (Codat allows 10).
    #[arg(long, default_value_t = bankfeeds::client::DEFAULT_PER_COMPANY)]
    pub max_per_company: usize,
    /// Most requests in flight at once in all (default: no limit but the per-company one).
    #[arg(long)]
    pub max_in_flight: Option<usize>,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// The day date rules are judged against (YYYY-MM-DD; default: today in --time-zone).
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// Where the accounts are kept (an IANA name or a UTC offset), for today's date.
    #[arg(long, value_name = "ZONE", value_parser = crate::input::parse_zone, conflicts_with = "today")]
    pub time_zone: Option<TimeZone>,
    /// A finding's severity, for every account: CODE=error|warning|off (repeatable).
    #[arg(long = "rule", value_name = "CODE=LEVEL", value_parser = crate::input::parse_rule)]
    pub rules: Vec<(Code, RuleLevel)>,
}

/// One line of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its line number, from 1.
    pub line: usize,
    pub company: String,
    pub connection: String,
    pub account: String,
    /// The file, relative paths resolved against the manifest's folder.
    pub file: PathBuf,
}

const HEADER: [&str; 4] = ["company", "connection", "account", "file"];

/// Reads a manifest: the header `company,connection,account,file` (first line that is not
/// blank or a comment), then one account a line. Errors name the line.
pub fn parse_manifest(text: &str, base: &Path) -> Result<Vec<Entry>, String> {
    let mut header = false;
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let trimmed = raw.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = trimmed.split(',').map(str::trim).collect();
        if !header {
            let names: Vec<String> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
            if names != HEADER {
                return Err(format!(
                    "line {line}: the header must be `company,connection,account,file`, found `{trimmed}`"
                ));
            }
            header = true;
            continue;
        }
        if fields.len() != 4 {
            return Err(format!(
                "line {line}: 4 fields expected (company,connection,account,file), found {}",
                fields.len()
            ));
        }
        for (name, value) in HEADER.iter().zip(&fields) {
            if value.is_empty() {
                return Err(format!("line {line}: `{name}` is empty"));
            }
        }
        let file = Path::new(fields[3]);
        out.push(Entry {
            line,
            company: fields[0].to_owned(),
            connection: fields[1].to_owned(),
            account: fields[2].to_owned(),
            file: if file.is_absolute() {
                file.to_owned()
            } else {
                base.join(file)
            },
        });
    }
    if !header {
        return Err("no header line `company,connection,account,file`".into());
    }
    if out.is_empty() {
        return Err("no account listed after the header".into());
    }
    Ok(out)
}

/// The client's options for the flags: the day, the rules' severities and batch size, then the
/// ledger's flags (`Err` says why the ledger or --resend-file cannot be had).
fn push_options(args: &PushAllArgs) -> Result<PushOptions, String> {
    let mut options = PushOptions::new();
    options.batch_size = args.batch_size;
    options.today = Some(crate::input::today(args.today, args.time_zone));
    options.rules = crate::input::rule_policy(&args.rules);
    let (options, _) = args.ledger.apply(options)?;
    Ok(options)
}

/// One line on stderr per change of an account's state (and per batch done).
fn progress_line(total: usize) -> impl Fn(AccountProgress) + Send + Sync + 'static {
    move |p: AccountProgress| {
        let who = format!(
            "[{}/{total}] {}/{}/{}",
            p.index + 1,
            p.company_id,
            p.connection_id,
            p.account_id
        );
        let what = match &p.state {
            AccountState::Pushing(s) => match s.stage {
                PushStage::Checking => "checking the account and what it already has".to_owned(),
                PushStage::BatchDone => format!(
                    "{}/{} batches, {}/{} transactions",
                    s.batches_done, s.batches_total, s.transactions_done, s.transactions_total
                ),
                _ => return,
            },
            AccountState::Complete => "complete".to_owned(),
            AccountState::Incomplete => "incomplete".to_owned(),
            AccountState::Failed(message) => format!("failed: {message}"),
            _ => return,
        };
        tell!("bankfeeds: {who}: {what}");
    }
}

/// The exit code for an account that is not complete, as `push` would give it.
fn code_of(error: Option<&Error>) -> u8 {
    match error {
        Some(Error::Validation(_)) => FINDINGS,
        Some(Error::AccountBusy { .. }) => BUSY,
        Some(Error::HistoryUnknown { .. }) => HISTORY_UNKNOWN,
        Some(Error::Ledger { .. } | Error::Config(_)) => UNREADABLE,
        _ => INCOMPLETE,
    }
}

/// Runs the pushes; the key comes from `CODAT_API_KEY` and is never printed.
pub fn run(args: PushAllArgs) -> u8 {
    let Some(key) = start::api_key() else {
        return UNREADABLE;
    };
    // Every file read before any request: an unreadable one stops here, naming its line.
    let accounts = match read_manifest(&args.manifest).and_then(|e| read_files(&args, &e)) {
        Ok(accounts) => accounts,
        Err(code) => return code,
    };
    let mut builder = Client::builder()
        .api_key(key)
        .max_per_company(args.max_per_company);
    if let Some(n) = args.max_in_flight {
        builder = builder.max_in_flight(n);
    }
    let Some(client) = start::client(builder, args.base_url.as_deref()) else {
        return UNREADABLE;
    };
    let Some(runtime) = start::runtime() else {
        return UNREADABLE;
    };
    let options = match push_options(&args) {
        Ok(options) => options,
        Err(message) => {
            tell!("bankfeeds: {message}");
            return UNREADABLE;
        }
    };
    let total = accounts.len();
    let options = PushAllOptions::new(options)
        .concurrency(args.concurrency)
        .on_progress(progress_line(total));
    let report = match runtime.block_on(client.push_all(accounts, &options)) {
        Ok(r) => r,
        Err(e) => {
            tell!("bankfeeds: {}", clean(&e.to_string()));
            return UNREADABLE;
        }
    };
    say!("{report}");
    exit_code(&report)
}

/// The manifest's lines; `Err` is the exit code for one that cannot be read.
fn read_manifest(manifest: &Path) -> Result<Vec<Entry>, u8> {
    let text = std::fs::read_to_string(manifest).map_err(|e| {
        tell!("bankfeeds: cannot read {}: {e}", manifest.display());
        UNREADABLE
    })?;
    let base = manifest.parent().unwrap_or(Path::new("."));
    parse_manifest(&text, base).map_err(|message| {
        tell!("bankfeeds: {}: {message}", manifest.display());
        UNREADABLE
    })
}

/// Each line's file as an account to push; `Err` is the exit code for a file that cannot be
/// opened (named with its line). Each file is read by the client when its account's turn
/// comes, so accounts waiting for theirs hold no rows. A named pipe is only looked up: opening
/// one waits for a writer, and its writer may be waiting for another account to be pushed.
fn read_files(args: &PushAllArgs, entries: &[Entry]) -> Result<Vec<AccountPush>, u8> {
    let mut accounts = Vec::with_capacity(entries.len());
    for e in entries {
        let checked = if is_fifo(&e.file) {
            std::fs::metadata(&e.file).map(drop)
        } else {
            std::fs::File::open(&e.file).map(drop)
        };
        checked.map_err(|err| {
            tell!(
                "bankfeeds: {} line {}: cannot read {}: {err}",
                args.manifest.display(),
                e.line,
                e.file.display()
            );
            UNREADABLE
        })?;
        let format = InputFormat::for_path(&e.file);
        accounts.push(AccountPush::new(
            &e.company,
            &e.connection,
            &e.account,
            PushInput::path(&e.file, format),
        ));
    }
    Ok(accounts)
}

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

#[cfg(not(unix))]
fn is_fifo(_: &Path) -> bool {
    false
}

/// 0 when every account is complete; one kind of trouble gets push's code for it; a mix is
/// "incomplete".
fn exit_code(report: &PushAllReport) -> u8 {
    if report.is_complete() {
        return OK;
    }
    let codes: HashSet<u8> = report
        .accounts
        .iter()
        .filter(|a| a.status() != AccountStatus::Complete)
        .map(|a| code_of(a.error()))
        .collect();
    match codes.into_iter().collect::<Vec<_>>().as_slice() {
        [only] => *only,
        _ => INCOMPLETE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_read_with_their_line_numbers() {
        let text = "# accounts\n\ncompany,connection,account,file\nc1, k1 ,acc-1,a.csv\n# skip\n\nc2,k2,acc-2,/abs/b.json\n";
        let got = parse_manifest(text, Path::new("dir")).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].line, 4);
        assert_eq!(got[0].connection, "k1");
        assert_eq!(got[0].file, Path::new("dir").join("a.csv"));
        assert_eq!(got[1].file, Path::new("/abs/b.json"));
        for (text, wanted) in [
            ("company,account,file\n", "line 1: the header"),
            (
                "company,connection,account,file\nc1,k1,acc\n",
                "line 2: 4 fields",
            ),
            (
                "company,connection,account,file\nc1,,acc,f\n",
                "line 2: `connection` is empty",
            ),
            ("# nothing\n", "no header"),
            ("company,connection,account,file\n", "no account"),
        ] {
            let err = parse_manifest(text, Path::new(".")).unwrap_err();
            assert!(err.contains(wanted), "{text:?}: {err}");
        }
    }
}
