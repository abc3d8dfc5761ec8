//! Reading a statement file through the core's pipeline, and the `validate` and `prepare`
//! commands. Flags map one to one onto [`PrepareOptions`] and its presets (`validate` checks the
//! file as given, `prepare` normalises it first, as in every binding); every rule is the core's.

use std::path::{Path, PathBuf};

use bankfeeds::dates::TimeZone;
use bankfeeds::ingest::InputFormat;
use bankfeeds::money::Currency;
use bankfeeds::normalise::{BalanceFill, OmittedChanges};
use bankfeeds::pipeline::{PrepareOptions, Prepared};
use bankfeeds::rules::Platform;
use bankfeeds::stream::{Spooled, Streamed};
use bankfeeds::validate::ValidationContext;
use bankfeeds::validate::{AccountContext, Code, RuleLevel, RulePolicy};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::output::{self, Format};
use crate::spool::Spool;
use crate::{FINDINGS, OK, UNREADABLE};

/// The options every command that reads a file shares.
#[derive(Debug, Clone, clap::Args)]
pub struct PrepareArgs {
    /// Whose rules apply: generic, xero, qbo, freeagent, sage, netsuite, exact (or a platform
    /// key such as gbol).
    #[arg(long, default_value = "generic")]
    pub platform: Platform,
    /// The day to judge dates against (YYYY-MM-DD; default: today where the account is kept,
    /// see --time-zone).
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// Where the account is kept, for today's date: an IANA name (Australia/Sydney), an offset
    /// from UTC (+10:00, -05:30), UTC, or local (the default: this machine's zone).
    #[arg(long, value_name = "ZONE", value_parser = parse_zone, conflicts_with = "today")]
    pub time_zone: Option<TimeZone>,
    /// A rule's severity, by its code: error, warning or off (repeatable), e.g.
    /// --rule sign_mismatch=error --rule exact_duplicate=off. Rules about rows that cannot be
    /// read stay errors.
    #[arg(long = "rule", value_name = "CODE=LEVEL", value_parser = parse_rule)]
    pub rules: Vec<(Code, RuleLevel)>,
    /// The account's feed start date: earlier transactions are flagged (YYYY-MM-DD).
    #[arg(long)]
    pub feed_start: Option<NaiveDate>,
    /// The balance before the oldest transaction: balances are computed forward from it.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "closing_balance")]
    pub opening_balance: Option<Decimal>,
    /// The balance after the newest transaction (what the bank shows now): balances are
    /// computed backward from it.
    #[arg(long, allow_hyphen_values = true)]
    pub closing_balance: Option<Decimal>,
    /// The account's currency (ISO 4217): amounts may not have more decimals than it allows.
    #[arg(long)]
    pub currency: Option<String>,
    /// How many findings of each code, and changes of each kind, `validate` and `prepare` list
    /// (the first ones, by row); the rest are counted ("... and 998,999 more balance_mismatch
    /// errors not listed"), so a file of any size fits in memory. A number, or `all`.
    #[arg(long, value_name = "N|all", default_value = "1000", value_parser = parse_max_findings)]
    pub max_findings: MaxFindings,
}

/// `--max-findings`: a number of findings of each code to list, or every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxFindings(pub Option<usize>);

/// `--max-findings`: `all` or a number.
fn parse_max_findings(text: &str) -> Result<MaxFindings, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("all") {
        return Ok(MaxFindings(None));
    }
    text.replace(['_', ','], "")
        .parse()
        .map(|n| MaxFindings(Some(n)))
        .map_err(|_| format!("`{text}` is neither a number nor `all`"))
}

/// `--time-zone`, read by the core.
pub(crate) fn parse_zone(text: &str) -> Result<TimeZone, String> {
    TimeZone::parse(text).map_err(|e| e.reason)
}

/// One `--rule CODE=LEVEL`, read and checked by the core (unknown codes list the known ones).
pub(crate) fn parse_rule(text: &str) -> Result<(Code, RuleLevel), String> {
    let (code, level) = RulePolicy::parse_setting(text).map_err(|e| e.to_string())?;
    RulePolicy::new()
        .with(code, level)
        .map_err(|e| e.to_string())?;
    Ok((code, level))
}

/// The day dates are judged against: `today` when given, or today where the account is kept
/// (`zone`, or this machine's).
pub(crate) fn today(today: Option<NaiveDate>, zone: Option<TimeZone>) -> NaiveDate {
    today.unwrap_or_else(|| bankfeeds::dates::today_in(&zone.unwrap_or_default()))
}

/// The `--rule` settings (each was checked by [`parse_rule`] when the command line was read).
pub(crate) fn rule_policy(rules: &[(Code, RuleLevel)]) -> RulePolicy {
    let mut policy = RulePolicy::new();
    for &(code, level) in rules {
        // Checked by `parse_rule`: setting it again cannot fail.
        let _ = policy.set(code, level);
    }
    policy
}

impl PrepareArgs {
    /// The day dates are judged against: `--today`, or today where the account is kept.
    pub fn today(&self) -> NaiveDate {
        today(self.today, self.time_zone)
    }

    /// The `--rule` settings (each was checked when the command line was read).
    pub fn rule_policy(&self) -> RulePolicy {
        rule_policy(&self.rules)
    }

    /// What validation knows from these flags.
    pub fn context(&self) -> ValidationContext {
        let mut context = ValidationContext::new(self.platform, self.today());
        context.rules = self.rule_policy();
        if self.feed_start.is_some() || self.currency.is_some() {
            context.account = Some(AccountContext {
                currency: self.currency.as_deref().map(Currency::new),
                feed_start_date: self.feed_start,
                ..AccountContext::default()
            });
        }
        context.opening_balance = self.opening_balance;
        context
    }

    /// The balance anchor of `--opening-balance` / `--closing-balance` (clap refuses both).
    pub fn anchor(&self) -> BalanceFill {
        BalanceFill::from_ends(self.opening_balance, self.closing_balance)
            .unwrap_or(BalanceFill::Keep)
    }

    /// The core's options for these flags: the **prepare** preset (normalise, then validate)
    /// with the balance anchor and batch size.
    pub fn options(&self, batch_size: Option<usize>) -> PrepareOptions {
        let mut options = PrepareOptions::for_context(self.context());
        options.anchor(self.anchor());
        if let Some(size) = batch_size {
            options.batch_size(size);
        }
        options.max_listed = self.max_findings.0;
        options
    }

    /// The core's **validate** preset for these flags: the file is checked as given.
    pub fn validate_only(&self) -> PrepareOptions {
        let mut options = PrepareOptions::validate_only(self.context());
        options.max_listed = self.max_findings.0;
        options
    }
}

/// A file read through the pipeline.
pub struct Loaded {
    /// What the pipeline made of the file.
    pub prepared: Prepared,
    /// Whether the file was CSV (findings then name CSV lines).
    pub csv: bool,
    /// Transactions to push.
    pub transactions: usize,
    /// Batches they make.
    pub batches: usize,
    /// The file as streamed (`validate`, `normalise`): `prepared` then has the findings and
    /// changes but no transactions, and the push bodies are written from the file again.
    pub streamed: Option<bankfeeds::stream::Streamed>,
    /// Changes made but not listed in `prepared.changes` (a streamed file), by kind.
    pub changes_omitted: Vec<OmittedChanges>,
}

impl Loaded {
    /// The message of a finding that means the file itself could not be read (malformed JSON,
    /// a CSV header without the required columns, text that is not UTF-8).
    pub fn unreadable(&self) -> Option<&str> {
        self.prepared
            .report
            .issues
            .iter()
            .find(|i| i.code == Code::MalformedInput && i.row.is_none())
            .map(|i| i.message.as_str())
    }
}

/// The file a command reads. The streaming commands may read a file more than once and from
/// offsets (a push reads its batches again; rows whose ids repeat are read again to compare
/// them exactly; balances from a closing balance take two more readings), which a pipe cannot be
/// read (`/dev/stdin`, `<(zcat statement.csv.gz)`, a named pipe): a pipe is
/// first copied to a temporary file (readable by its owner only, with the pipe's extension so
/// that the format is told the same way; removed when this is dropped) and read from there.
/// Messages name the file as given.
pub struct Source {
    read: PathBuf,
    spooled: bool,
}

impl Source {
    /// The file at `given`, copied first when it is a pipe; `Err` is the exit code for a pipe
    /// that cannot be read or copied (the reason is printed).
    pub fn open(given: &Path) -> Result<Source, u8> {
        if !bankfeeds::stream::is_pipe(given) {
            return Ok(Source {
                read: given.to_path_buf(),
                spooled: false,
            });
        }
        Source::spool(given).map_err(|e| {
            tell!("bankfeeds: cannot read {}: {e}", given.display());
            UNREADABLE
        })
    }

    fn spool(given: &Path) -> std::io::Result<Source> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let extension = given
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let read = std::env::temp_dir().join(format!(
            "bankfeeds-input-{}-{}{extension}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::Relaxed)
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut copy = options.open(&read)?;
        let source = Source {
            read,
            spooled: true,
        };
        std::io::copy(&mut std::fs::File::open(given)?, &mut copy)?;
        Ok(source)
    }

    /// Where the file is read from.
    pub fn path(&self) -> &Path {
        &self.read
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if self.spooled {
            let _ = std::fs::remove_file(&self.read);
        }
    }
}

/// Reads a file through the pipeline with `options`; `Err` is the message for a file that
/// cannot be opened. The file streams through the core, one row at a time (see
/// `bankfeeds::stream`), so its size does not bound what can be read.
pub fn load_streaming(
    source: &Source,
    shown: &Path,
    options: &PrepareOptions,
) -> Result<Loaded, String> {
    let path = source.path();
    let format = InputFormat::for_path(path);
    let streamed = bankfeeds::stream::prepare_path(path, format, options)
        .map_err(|e| cannot_read(shown, &e))?;
    loaded(source, shown, format, streamed)
}

/// [`load_streaming`], keeping each push body aside in a [`Spool`] as the file is read, when a
/// spool can be made: the batches are then written from it, without reading the file again
/// ([`Spooled::bodies_for`] says when they may be).
pub fn load_spooling(
    source: &Source,
    shown: &Path,
    options: &PrepareOptions,
) -> Result<(Loaded, Option<(Spool, Spooled)>), String> {
    let Ok(mut spool) = Spool::new() else {
        return load_streaming(source, shown, options).map(|loaded| (loaded, None));
    };
    let path = source.path();
    let format = InputFormat::for_path(path);
    let (streamed, spooled) =
        bankfeeds::stream::prepare_path_spooling(path, format, options, |array, count| {
            spool.keep(array, count)
        })
        .map_err(|e| cannot_read(shown, &e))?;
    Ok((
        loaded(source, shown, format, streamed)?,
        Some((spool, spooled)),
    ))
}

fn cannot_read(shown: &Path, e: &std::io::Error) -> String {
    format!("cannot read {}: {e}", shown.display())
}

/// What the commands need of a streamed file.
fn loaded(
    source: &Source,
    shown: &Path,
    format: InputFormat,
    mut streamed: Streamed,
) -> Result<Loaded, String> {
    let path = source.path();
    let cannot = |e: std::io::Error| cannot_read(shown, &e);
    let csv = match format {
        InputFormat::Auto => {
            use std::io::Read as _;
            let mut head = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(64 * 1024).read_to_end(&mut head))
                .map_err(cannot)?;
            format.detect(&head) == InputFormat::Csv
        }
        known => known == InputFormat::Csv,
    };
    // Moved, not copied: writing the bodies needs neither.
    let prepared = Prepared {
        report: std::mem::take(&mut streamed.report),
        changes: std::mem::take(&mut streamed.changes),
        account_id: streamed.account_id.clone(),
        batch_size: streamed.batch_size,
        rows_read: streamed.rows_read,
        ..Prepared::default()
    };
    Ok(Loaded {
        transactions: streamed.transactions,
        batches: streamed.batches,
        prepared,
        csv,
        changes_omitted: std::mem::take(&mut streamed.changes_omitted),
        streamed: Some(streamed),
    })
}

/// Checks that a file can be read at all (it opens, is UTF-8, has a CSV header with the
/// required columns or is JSON that parses), printing why not and giving the exit code to stop
/// with; gives whether it is CSV. Light (`bankfeeds::stream::readable`: a CSV file is read up
/// to its header once its bytes are checked), for a command (`push`) whose own reading of the
/// file does the rest.
pub fn readable_or_exit(source: &Source, path: &Path) -> Result<bool, u8> {
    let read = source.path();
    let format = InputFormat::for_path(read);
    match bankfeeds::stream::readable(read, format) {
        Ok(Ok(format)) => Ok(format == InputFormat::Csv),
        Ok(Err(issue)) => {
            tell!("bankfeeds: {}: {}", path.display(), issue.message);
            Err(UNREADABLE)
        }
        Err(e) => {
            tell!("bankfeeds: cannot read {}: {e}", path.display());
            Err(UNREADABLE)
        }
    }
}

/// `bankfeeds validate`: the file as given, or with `normalise` what `prepare` would make of it.
pub fn validate(path: &Path, args: &PrepareArgs, format: Format, normalise: bool) -> u8 {
    if !normalise && args.closing_balance.is_some() {
        tell!(
            "bankfeeds: --closing-balance computes balances, which changes the rows: validate checks them as given; add --normalise to check what `bankfeeds prepare` would push"
        );
        return UNREADABLE;
    }
    let options = if normalise {
        args.options(None)
    } else {
        args.validate_only()
    };
    let source = match Source::open(path) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let loaded = match load_streaming(&source, path, &options) {
        Ok(l) => l,
        Err(message) => {
            tell!("bankfeeds: {message}");
            return UNREADABLE;
        }
    };
    let unreadable = loaded.unreadable().map(str::to_owned);
    if unreadable.is_none() {
        note_in_memory(&loaded);
    }
    match format {
        Format::Text => {
            if let Some(message) = &unreadable {
                tell!("bankfeeds: {}: {message}", path.display());
            } else {
                output::print_findings(&loaded, &mut std::io::stdout());
                say!("{}", output::summary(&loaded, args.platform));
            }
        }
        Format::Json => say_exact!("{}", output::json_report(path, &loaded, args.platform)),
    }
    if unreadable.is_some() {
        UNREADABLE
    } else if loaded.prepared.is_valid() {
        OK
    } else {
        FINDINGS
    }
}

/// `bankfeeds prepare` (formerly `normalise`): normalise, validate, write the push bodies.
pub fn prepare(
    path: &Path,
    args: &PrepareArgs,
    out: &Path,
    account_id: Option<String>,
    batch_size: Option<usize>,
) -> u8 {
    let source = match Source::open(path) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let (loaded, spooled) = match load_spooling(&source, path, &args.options(batch_size)) {
        Ok(l) => l,
        Err(message) => {
            tell!("bankfeeds: {message}");
            return UNREADABLE;
        }
    };
    if let Some(message) = loaded.unreadable() {
        tell!("bankfeeds: {}: {message}", path.display());
        return UNREADABLE;
    }
    note_in_memory(&loaded);
    let prepared = &loaded.prepared;
    if !prepared.is_valid() {
        output::print_findings(&loaded, &mut std::io::stderr());
        tell!("{}", output::summary(&loaded, args.platform));
        tell!("bankfeeds: nothing written: fix the errors above first");
        return FINDINGS;
    }
    let Some(account) = account_id.or_else(|| prepared.account_id.clone()) else {
        tell!(
            "bankfeeds: the file names no account: pass --account-id with the source account's id"
        );
        return UNREADABLE;
    };
    output::print_findings(&loaded, &mut std::io::stderr());
    // Bodies that cannot be used are let go at once, with the room they took.
    let mut spool = spooled.and_then(|(spool, spooled)| {
        if let Some(e) = spooled.error() {
            tell!("bankfeeds: note: the push bodies could not be kept aside ({e}): reading the file again for them");
        }
        spooled.bodies_for(&account).then_some(spool)
    });
    let from = Bodies {
        source: (&source, path),
        spool: spool.as_mut(),
    };
    match write_batches(out, from, args, batch_size, &loaded, &account) {
        Ok(files) => {
            for (file, count) in &files {
                say!("wrote {} ({count} transactions)", file.display());
            }
            say!(
                "{} transaction(s) for account {} in {} batch(es) under {}",
                loaded.transactions,
                output::clean(&account),
                files.len(),
                out.display()
            );
            if !prepared.changes.is_empty() || !loaded.changes_omitted.is_empty() {
                say!(
                    "normalisation made {} change(s):",
                    output::change_count(&loaded)
                );
                for change in &prepared.changes {
                    say!("  {}", output::clean(&change.to_string()));
                }
                for omitted in &loaded.changes_omitted {
                    say!("  {}", output::omitted_changes_line(omitted));
                }
            }
            OK
        }
        Err(message) => {
            tell!("bankfeeds: {message}");
            UNREADABLE
        }
    }
}

/// Writes `batch-0001.json`... replacing the batches of an earlier run, so a directory never
/// mixes two runs: an earlier file is written over where this run has one of its number (not
/// deleted and made again), and removed where it has none, even when writing fails part way.
/// Each file is a push body exactly as the client sends it (compact JSON, within
/// `bankfeeds::batch::MAX_PUSH_BODY_BYTES`), then a line break.
fn write_batches(
    out: &Path,
    from: Bodies<'_>,
    args: &PrepareArgs,
    batch_size: Option<usize>,
    loaded: &Loaded,
    account: &str,
) -> Result<Vec<(PathBuf, usize)>, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let entries =
        std::fs::read_dir(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    // An earlier run's batches are written over where this run has as many, and removed past
    // them: creating a file where one was just deleted costs the file system far more. Only a
    // file of its own is written over: a link (to a file elsewhere, or a second name such as a
    // backup's hard link) is removed first, as every earlier batch once was, so that what it
    // points to keeps its text.
    let mut earlier: Vec<PathBuf> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("batch-") && name.ends_with(".json")) {
            continue;
        }
        let path = entry.path();
        if own_file(&entry) {
            earlier.push(path);
        } else {
            std::fs::remove_file(&path)
                .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    let mut written = Vec::new();
    // The core's own writer, the bytes the client sends (those of serde_json at half the cost),
    // into one buffer reused for every batch.
    let mut text = Vec::new();
    // The next batch file: its text and how many transactions it holds.
    let mut put = |text: &[u8], count: usize| -> Result<(), String> {
        let file = out.join(format!("batch-{:04}.json", written.len() + 1));
        if let Err(e) = write_over(&file, text) {
            // Not left half written.
            let _ = std::fs::remove_file(&file);
            return Err(format!("cannot write {}: {e}", file.display()));
        }
        written.push((file, count));
        Ok(())
    };
    let mut write = |body: bankfeeds::model::CreateBankTransactions| -> Result<(), String> {
        text.clear();
        body.write_json(&mut text);
        text.push(b'\n');
        put(&text, body.transactions.len())
    };
    let (source, path) = from.source;
    let outcome = match (&loaded.streamed, from.spool) {
        (Some(_), Some(spool)) => spool
            .each(|array, count| {
                text.clear();
                bankfeeds::model::CreateBankTransactions::write_json_around(
                    account, array, &mut text,
                );
                text.push(b'\n');
                put(&text, count)
            })
            .unwrap_or_else(|e| Err(format!("cannot read back the push bodies kept aside: {e}"))),
        (Some(streamed), None) => streamed
            .write_bodies(source.path(), &args.options(batch_size), account, |body| {
                write(body).map_err(StreamError::Write)
            })
            .map_err(|e| match e {
                StreamError::Write(m) => m,
                StreamError::Read(e) => format!("cannot read {}: {e}", path.display()),
            }),
        (None, _) => loaded
            .prepared
            .push_bodies(account)
            .into_iter()
            .try_for_each(&mut write),
    };
    // Whether or not every batch was written, none of the earlier run's is left beside them.
    let this_run: std::collections::HashSet<&Path> =
        written.iter().map(|(file, _)| file.as_path()).collect();
    for file in earlier.iter().filter(|f| !this_run.contains(f.as_path())) {
        if let Err(e) = std::fs::remove_file(file)
            && e.kind() != std::io::ErrorKind::NotFound
            && outcome.is_ok()
        {
            return Err(format!("cannot remove {}: {e}", file.display()));
        }
    }
    outcome.map(|()| written)
}

/// Whether a directory entry is a regular file with no other name (not a symbolic link, nor
/// hard-linked elsewhere): one that can be written over without touching anything else.
fn own_file(entry: &std::fs::DirEntry) -> bool {
    if !entry.file_type().is_ok_and(|t| t.is_file()) {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        entry.metadata().is_ok_and(|m| m.nlink() == 1)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Writes `text` as the whole of `file`: over what an earlier run left there, then cut to its
/// length when that was longer. Not emptied first: ext4 writes out a file emptied and written
/// again as it is closed (its `auto_da_alloc`), which cost as much as writing the batches.
fn write_over(file: &Path, text: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(file)?;
    let before = f.metadata()?.len();
    f.write_all(text)?;
    let len = text.len() as u64;
    if before > len {
        f.set_len(len)?;
    }
    Ok(())
}

/// Where the batches come from: the file, read again, or the bodies kept aside as it was read.
struct Bodies<'a> {
    /// The file and the path it was given as.
    source: (&'a Source, &'a Path),
    /// The bodies kept aside, when they are the file's for the account.
    spool: Option<&'a mut Spool>,
}

/// Why writing streamed batches stopped.
enum StreamError {
    Read(std::io::Error),
    Write(String),
}

impl From<std::io::Error> for StreamError {
    fn from(e: std::io::Error) -> Self {
        StreamError::Read(e)
    }
}

/// Says on stderr when the file could not stream and was held in memory, and why.
pub fn note_in_memory(loaded: &Loaded) {
    if let Some(why) = loaded.streamed.as_ref().and_then(|s| s.in_memory) {
        tell!("bankfeeds: note: read whole, not streamed: {why}");
    }
}
