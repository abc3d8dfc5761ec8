//! Files of any size: read, normalise and validate a file as it streams by, then write its push
//! bodies in a second pass, holding one batch at a time; or, with [`prepare_path_spooling`],
//! hand each body's transactions out as the first reading makes them, for the caller to keep
//! aside until the findings say whether they may be used (`bankfeeds prepare` reads a file once
//! this way).
//!
//! [`prepare_path`] gives what [`crate::pipeline::prepare_file`] gives for the same file (the
//! same findings, in the same order, the same changes, the same batches), without holding the
//! rows: each row is read, typed, normalised and checked, then let go. What spans rows is kept
//! compactly: each id's 64-bit hash with the row it was first met on and a hash of that row (for
//! the duplicate rules), the line each row starts on, the previous balance and date. Rows whose
//! hashes say they repeat an earlier id are read again, exactly, before anything is reported
//! about them: two different ids (or rows) sharing a hash never make a finding.
//!
//! Findings and changes are what would otherwise grow with the file (a file where every row has
//! a broken balance, or a closing balance that replaces every one): the report lists the first
//! [`PrepareOptions::max_listed`] findings of each code (1,000 unless set; the first in the
//! order the whole file's report gives them, whatever order they are found in) and counts the
//! rest by code and severity ([`ValidationReport::omitted`]), and the changes the same by kind
//! ([`Streamed::changes_omitted`]). The counts, [`ValidationReport::is_valid`] included, are
//! exact.
//!
//! CSV and JSON files (a push body or an array of transactions) both stream. Balances computed
//! backward from a closing balance take two more readings first: one sums the amounts, which
//! gives the opening balance, and one notes, in a byte a row, how the backward chain writes each
//! balance; the balances are then computed forward from the opening balance (see `closing.rs`).
//!
//! Some inputs need every row at once, and are then read whole, as
//! [`crate::pipeline::prepare_file`] reads them; [`Streamed::in_memory`] says so and why
//! ([`InMemory`]): rows out of date order when sorting is asked for (normalisation sorts
//! oldest first), running balances near the limits of an exact decimal, and the one-in-2^64
//! case of two rows sharing a hash.

use std::fmt;
use std::fs::File;
use std::hash::{BuildHasher, Hash, Hasher};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::batch::Bodies;
use crate::dates::LocalDateTime;
use crate::ingest::file::CsvPush;
use crate::ingest::{Ingester, InputFormat, RawCells, RawTransaction};
use crate::model::{BankTransaction, CreateBankTransactions};
use crate::normalise::{self, BalanceFill, Change, ChangeList, NormaliseOptions, OmittedChanges};
use crate::pipeline::{self, PrepareOptions, Prepared};
use crate::validate::rows::RowChecker;
use crate::validate::{self, Code, Field, Issue, ValidationContext, ValidationReport};

mod check;
mod closing;
mod json;
mod push;
mod readable;
pub use check::{CsvChecker, FileChecker, JsonFile};
use push::{PushPass, PushPlan};
pub(crate) use push::{PushRows, RowSet};
pub use readable::readable;

/// Why a file was read whole instead of streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InMemory {
    /// The rows are not in date order and normalisation sorts them: sorting holds every row.
    Unsorted,
    /// Balances are computed backward from a closing balance, and the amounts' sums come near
    /// the limits of an exact decimal (28 digits): the chain is computed as normalisation
    /// computes it, from the newest row.
    ClosingBalance,
    /// Computing balances forward overflowed: the balances are left as they were, which the
    /// rows already checked did not know.
    BalanceOverflow,
    /// Two rows' hashes agreed where the rows did not.
    HashCollision,
    /// The path is a pipe (`/dev/stdin`, a named pipe), which can be read only once: streaming
    /// reads a file twice.
    Pipe,
}

impl fmt::Display for InMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InMemory::Unsorted => {
                "the rows are not oldest first, and sorting them held every row in memory"
            }
            InMemory::ClosingBalance => {
                "the running balances come near the limits of an exact decimal, and computing them backward from the closing balance held every row in memory"
            }
            InMemory::BalanceOverflow => {
                "computing the balances overflowed, and the file was read again whole"
            }
            InMemory::HashCollision => {
                "two rows shared a hash, and the file was read again whole to tell them apart"
            }
            InMemory::Pipe => "the file is a pipe, which can be read only once: it was read whole",
        })
    }
}

/// What [`prepare_path`] found: a [`Prepared`] without its transactions.
///
/// Its findings and changes are listed up to [`PrepareOptions::max_listed`] of each code and
/// kind (the first ones, as [`crate::pipeline::prepare_file`] lists them), the rest counted.
#[derive(Debug)]
pub struct Streamed {
    /// The findings, as [`crate::pipeline::prepare_file`] reports them: the first
    /// [`PrepareOptions::max_listed`] of each code listed, the rest counted in its
    /// [`ValidationReport::omitted`].
    pub report: ValidationReport,
    /// The changes normalisation made, as [`crate::pipeline::prepare_file`] lists them: the
    /// first [`PrepareOptions::max_listed`] of each kind.
    pub changes: Vec<Change>,
    /// The changes made but not listed in `changes`, by kind.
    pub changes_omitted: Vec<OmittedChanges>,
    /// The account the file names.
    pub account_id: Option<String>,
    /// Rows read.
    pub rows_read: usize,
    /// Transactions to push.
    pub transactions: usize,
    /// Push bodies they make, without an account id of unusual length ([`crate::batch::split`]).
    pub batches: usize,
    /// Transactions per push.
    pub batch_size: usize,
    /// Set when the file was read whole, with why.
    pub in_memory: Option<InMemory>,
    held: Option<Prepared>,
    /// Input rows dropped as exact repeats.
    dropped: FxHashSet<usize>,
    /// CSV or JSON.
    format: InputFormat,
    /// Balances computed backward from a closing balance, as they are computed forward.
    backward: Option<closing::Backward>,
    /// The file's size and modification time when it was first read.
    stamp: Option<Stamp>,
    /// What a push's first reading kept ([`prepare_path_for_push`]).
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    push: Option<PushPlan>,
}

impl Streamed {
    /// True when nothing stops a push.
    pub fn is_valid(&self) -> bool {
        self.report.is_valid()
    }

    /// Reads the file again and gives its push bodies for an account one at a time, in order,
    /// each exactly as [`Prepared::push_bodies`] gives it; stops at the first error `sink`
    /// returns (and stops reading). Holds one batch. A file that changed since [`prepare_path`]
    /// read it is an error ([`FileChanged`]) before the first body, or before the last when
    /// the change shows only in its rows.
    pub fn write_bodies<E: From<io::Error>>(
        &self,
        path: &Path,
        options: &PrepareOptions,
        account_id: &str,
        sink: impl FnMut(CreateBankTransactions) -> Result<(), E>,
    ) -> Result<(), E> {
        self.bodies(path, options, account_id, None, sink)
    }

    /// [`Streamed::write_bodies`] for a push ([`prepare_path_for_push`]): the bodies of the
    /// rows the push did not leave out, each checked against what the first reading made of
    /// it (a body that differs is [`FileChanged`], before `sink` sees it).
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn write_push_bodies<E: From<io::Error>>(
        &self,
        path: &Path,
        options: &PrepareOptions,
        account_id: &str,
        sink: impl FnMut(CreateBankTransactions) -> Result<(), E>,
    ) -> Result<(), E> {
        self.bodies(path, options, account_id, self.push.as_ref(), sink)
    }

    /// The push bodies a push's first reading made, and the transactions in them.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn push_totals(&self) -> (usize, usize) {
        self.push
            .as_ref()
            .map_or((0, 0), |p| (p.digests.len(), p.to_push))
    }

    fn bodies<E: From<io::Error>>(
        &self,
        path: &Path,
        options: &PrepareOptions,
        account_id: &str,
        plan: Option<&PushPlan>,
        mut sink: impl FnMut(CreateBankTransactions) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Some(held) = &self.held {
            for body in held.push_bodies(account_id) {
                sink(body)?;
            }
            return Ok(());
        }
        let mut bodies = Bodies::new(Some(account_id), self.batch_size);
        let mut running = match (options.normalise.balances, &self.backward) {
            (_, Some(backward)) => Some(backward.opening),
            (BalanceFill::Opening(o), _) => Some(o),
            _ => None,
        };
        let mut filled = 0;
        let mut failed = None;
        self.unchanged(path, None)?;
        let mut pushed = 0;
        let mut checked = push::Checked::new(plan);
        // False stops the reading once `sink` fails.
        let each = |row, mut tx: BankTransaction, _, _: &mut Findings| {
            if self.dropped.contains(&row) {
                return true;
            }
            if let Some(r) = running.as_mut() {
                *r = r.checked_add(tx.amount).unwrap_or(*r);
                tx.balance = Some(match &self.backward {
                    Some(backward) => backward.balance(*r, filled),
                    None => *r,
                });
                filled += 1;
            }
            pushed += 1;
            if checked.skips(row) {
                return true;
            }
            if let Some(body) = bodies.push(tx)
                && let Err(e) = checked
                    .body(&body)
                    .map_err(E::from)
                    .and_then(|()| sink(body))
            {
                failed = Some(e);
                return false;
            }
            true
        };
        // The file was read before: it can only fail to read now if it changed since, or if it
        // is gone (deleted after the check above as well as before it).
        let read =
            rows(path, self.format, options, &mut Findings::scratch(), each).map_err(|e| {
                if e.kind() == io::ErrorKind::NotFound {
                    FileChanged::error()
                } else {
                    e
                }
            })?;
        let Ok((read, _)) = read else {
            return Err(FileChanged::error().into());
        };
        if let Some(e) = failed {
            return Err(e);
        }
        self.unchanged(path, Some((read, pushed)))?;
        for body in bodies.finish() {
            checked.body(&body)?;
            sink(body)?;
        }
        checked.all_made()?;
        Ok(())
    }

    /// `Err` ([`FileChanged`]) when the file's size or modification time is not what it was
    /// when it was first read, or (`counted`: the rows read again and the transactions they
    /// made) when reading it again did not give as many rows.
    fn unchanged(&self, path: &Path, counted: Option<(usize, usize)>) -> io::Result<()> {
        let same_rows = counted.is_none_or(|c| c == (self.rows_read, self.transactions));
        if same_rows && self.stamp.is_none_or(|s| Stamp::of(path).ok() == Some(s)) {
            Ok(())
        } else {
            Err(FileChanged::error())
        }
    }
}

/// A file's size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp(u64, Option<std::time::SystemTime>);

impl Stamp {
    fn of(path: &Path) -> io::Result<Stamp> {
        let meta = std::fs::metadata(path)?;
        Ok(Stamp(meta.len(), meta.modified().ok()))
    }
}

/// Why [`Streamed::write_bodies`] stopped: the file changed since [`prepare_path`] read it (its
/// size or modification time, or the rows it holds), so its rows are not those the report is
/// about. Carried inside the [`io::Error`] it returns (of kind
/// [`io::ErrorKind::InvalidData`]; find it with `get_ref()` and `downcast_ref`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileChanged;

impl FileChanged {
    fn error() -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, FileChanged)
    }
}

impl fmt::Display for FileChanged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the file changed since it was read, so its rows are not those its report is about: read it again",
        )
    }
}

impl std::error::Error for FileChanged {}

/// The line each row starts on, kept as the rows where it is not the line after the one the row
/// before starts on (after a blank line, or a row whose cell holds a line break): nothing a row
/// for an ordinary file.
#[derive(Debug, Default)]
struct RowLines {
    /// `(row, line)` at each such row, in row order.
    jumps: Vec<(usize, usize)>,
    /// Rows noted.
    rows: usize,
    /// The line the next row starts on when it follows on.
    next: usize,
}

impl RowLines {
    /// Notes the line the next row (row `self.rows`) starts on.
    fn push(&mut self, line: usize) {
        if self.rows == 0 || line != self.next {
            self.jumps.push((self.rows, line));
        }
        self.rows += 1;
        self.next = line + 1;
    }

    /// The line row `row` starts on, when it was noted.
    fn line(&self, row: usize) -> Option<usize> {
        if row >= self.rows {
            return None;
        }
        let at = self
            .jumps
            .partition_point(|&(r, _)| r <= row)
            .checked_sub(1)?;
        let (first, line) = self.jumps[at];
        Some(line + (row - first))
    }
}

/// What reading the rows reports, kept apart as [`crate::pipeline`] keeps them, so the final
/// order is the same.
#[derive(Default)]
struct Findings {
    /// The file's own (the header, a line with too many cells, a CSV error).
    file: ValidationReport,
    /// Typing the rows.
    ingest: ValidationReport,
    malformed: Vec<(usize, Field)>,
    /// A row's changes, as they are made.
    changes: Vec<Change>,
    /// The changes listed, and those counted.
    listed: ChangeList,
    inferred: Vec<usize>,
    lines: RowLines,
    /// Findings are thrown away (a second reading).
    scratch: bool,
    /// A push decides whether a row is left out only once it is typed: typing's findings on
    /// the row wait here until then ([`Findings::row_kept`], [`Findings::row_left_out`]).
    defer: bool,
    pending: ValidationReport,
}

impl Findings {
    /// Types row `row` (starting on `line`, for a CSV file), keeping its findings; what
    /// [`RowSteps`] does with each row of a first reading.
    fn typed(
        &mut self,
        ingester: &mut Ingester,
        raw: RawCells<'_>,
        row: usize,
        line: Option<usize>,
    ) -> Option<BankTransaction> {
        if let Some(line) = line {
            self.lines.push(line);
        }
        let typed = if self.defer {
            // The row before was never handed over (not typed, or dropped as a repeat).
            self.row_kept();
            ingester.row(raw, row, &mut self.pending, &mut self.malformed)
        } else {
            ingester.row(raw, row, &mut self.ingest, &mut self.malformed)
        };
        // Only a malformed balance or description can silence a later finding.
        self.malformed
            .retain(|(_, f)| matches!(f, Field::Balance | Field::Description));
        typed
    }

    /// The findings of typing once every row is read: gives the account the rows name.
    fn typing_done(&mut self, ingester: Ingester) -> Option<String> {
        self.row_kept();
        let account = ingester.finish(&mut self.ingest);
        self.ingest.sort();
        account
    }

    /// Typing's findings on the row just typed count.
    fn row_kept(&mut self) {
        if !self.pending.issues.is_empty() {
            let row = std::mem::take(&mut self.pending);
            self.ingest.extend(row);
        }
    }

    /// The row just typed is left out of a push: typing's findings on it do not count.
    fn row_left_out(&mut self) {
        self.pending.issues.clear();
    }

    /// Drops what the file's and typing's findings list about rows a push leaves out: those
    /// found before a row could be told apart (a line with too many cells). Those past what
    /// the report lists stay counted (see [`PushRows`]).
    fn leave_out(&mut self, skipped: &RowSet, max: Option<usize>) {
        for report in [&mut self.file, &mut self.ingest] {
            if !report.issues.iter().any(|i| skipped.about(i)) {
                continue;
            }
            let ValidationReport {
                issues, omitted, ..
            } = std::mem::replace(report, ValidationReport::listing(max));
            for issue in issues {
                if !skipped.about(&issue) {
                    report.push(issue);
                }
            }
            for o in omitted {
                crate::validate::count_omitted(&mut report.omitted, o.code, o.severity, o.count);
            }
        }
    }

    fn scratch() -> Self {
        Findings {
            scratch: true,
            ..Findings::default()
        }
    }

    /// A first reading's findings, listing at most `max` of each code and kind.
    fn listing(max: Option<usize>) -> Self {
        Findings {
            file: ValidationReport::listing(max),
            ingest: ValidationReport::listing(max),
            listed: ChangeList::new(max),
            ..Findings::default()
        }
    }
}

/// Reads into `buf` until it is full or the file ends, giving the bytes read.
fn read_head(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The file, opened at its text: after the one byte-order mark [`crate::ingest::read_file`]
/// skips.
fn open_after_bom(path: &Path) -> io::Result<File> {
    let mut file = File::open(path)?;
    let mut head = [0u8; 3];
    let n = read_head(&mut file, &mut head)?;
    let start = if head[..n] == *b"\xEF\xBB\xBF" { 3 } else { 0 };
    file.seek(SeekFrom::Start(start))?;
    Ok(file)
}

/// Skips the byte-order marks [`crate::ingest::read_file`] and [`crate::ingest::read_csv`]
/// skip (one each), giving the offset of the text.
fn text_start(file: &mut File) -> io::Result<u64> {
    let mut head = [0u8; 6];
    let n = read_head(file, &mut head)?;
    let bom = b"\xEF\xBB\xBF";
    let mut start = 0;
    for _ in 0..2 {
        if head[..n].get(start..start + 3) == Some(bom) {
            start += 3;
        }
    }
    Ok(start as u64)
}

/// Checks that the file is UTF-8 and tells JSON from CSV as [`InputFormat::Auto`] does, in one
/// read of the file holding 1 MiB at a time. `Err` carries the finding for a file that is not
/// UTF-8.
fn sniff(path: &Path, format: InputFormat) -> io::Result<Result<InputFormat, Issue>> {
    // read_file skips one mark before checking the bytes.
    let mut file = open_after_bom(path)?;
    let mut offset = 0usize;
    let mut buf = vec![0u8; 1 << 20];
    let mut carry = 0usize;
    let mut resolved = match format {
        InputFormat::Auto => None,
        f => Some(f),
    };
    loop {
        let k = file.read(&mut buf[carry..])?;
        let len = carry + k;
        let (valid, rest) = match std::str::from_utf8(&buf[..len]) {
            Ok(t) => (t, 0),
            Err(e) if e.error_len().is_none() && k > 0 => {
                let good = e.valid_up_to();
                (
                    std::str::from_utf8(&buf[..good]).unwrap_or_default(),
                    len - good,
                )
            }
            Err(e) => return Ok(Err(crate::ingest::file::not_utf8(offset + e.valid_up_to()))),
        };
        if resolved.is_none() {
            let trimmed = valid.trim_start();
            if let Some(first) = trimmed.as_bytes().first() {
                resolved = Some(if matches!(first, b'{' | b'[') {
                    InputFormat::Json
                } else {
                    InputFormat::Csv
                });
            }
        }
        offset += len - rest;
        buf.copy_within(len - rest..len, 0);
        carry = rest;
        if k == 0 {
            return Ok(Ok(resolved.unwrap_or(InputFormat::Csv)));
        }
    }
}

/// The per-row steps of both readers ([`walk`] for CSV, [`json::walk`] for JSON): type a row,
/// tidy it and fix its type (normalisation's per-row steps), keeping the findings, or throwing
/// them away in a scratch reading (a second reading of the file).
struct RowSteps<'o> {
    ingester: Ingester,
    options: &'o PrepareOptions,
    /// In a scratch reading, where a row's findings go, cleared at each row.
    scratch: Option<Scratch>,
}

/// A row's findings in a scratch reading, thrown away at the next row.
#[derive(Default)]
struct Scratch {
    report: ValidationReport,
    changes: Vec<Change>,
    malformed: Vec<(usize, Field)>,
}

impl<'o> RowSteps<'o> {
    fn new(options: &'o PrepareOptions, scratch: bool) -> Self {
        RowSteps {
            ingester: Ingester::new(&options.ingest),
            options,
            scratch: scratch.then(Default::default),
        }
    }

    /// Row `row` (starting on `line`, for a CSV file) typed and tidied, with the hash of its id;
    /// `None` for a row that could not be typed (its findings kept).
    fn row(
        &mut self,
        findings: &mut Findings,
        raw: RawCells<'_>,
        row: usize,
        line: Option<usize>,
    ) -> Option<(BankTransaction, u64)> {
        let (typed, changes) = match &mut self.scratch {
            Some(s) => {
                s.report.issues.clear();
                s.changes.clear();
                s.malformed.clear();
                let typed = self.ingester.row(raw, row, &mut s.report, &mut s.malformed);
                (typed, &mut s.changes)
            }
            None => (
                findings.typed(&mut self.ingester, raw, row, line),
                &mut findings.changes,
            ),
        };
        let mut tx = typed?;
        normalise::tidy_row(&mut tx, row, &self.options.normalise, changes);
        let id_hash = hash_of(&tx.id);
        let inferred = normalise::fix_type(&mut tx, row, &self.options.normalise, changes);
        if self.scratch.is_none() {
            if inferred {
                findings.inferred.push(row);
            }
            findings.listed.take_from(&mut findings.changes);
        }
        Some((tx, id_hash))
    }

    /// The findings of typing once every row is read: gives the account the rows name.
    fn finish(self, findings: &mut Findings) -> Option<String> {
        findings.typing_done(self.ingester)
    }
}

/// Reads a CSV file's rows, typing and tidying each one (the per-row steps of normalisation),
/// and hands each typed transaction to `each` with its input row, the hash of its id and the
/// findings so far (the fields found malformed: [`Findings::typed`]); stops when `each`
/// returns false. Gives the rows read and the account they name.
fn walk(
    path: &Path,
    options: &PrepareOptions,
    findings: &mut Findings,
    mut each: impl FnMut(usize, BankTransaction, u64, &mut Findings) -> bool,
) -> io::Result<(usize, Option<String>)> {
    let mut file = File::open(path)?;
    let start = text_start(&mut file)?;
    file.seek(SeekFrom::Start(start))?;
    // The reader [`CsvChecker`] is fed, fed here from the file: it reads most lines without
    // its state machine.
    let mut csv = CsvPush::new();
    let scratch_only = findings.scratch;
    let mut steps = RowSteps::new(options, scratch_only);
    let mut file_findings = std::mem::take(&mut findings.file);
    let stopped_at = std::cell::Cell::new(None);
    let mut on_row = |raw: RawCells<'_>, row: usize, line: usize| {
        if stopped_at.get().is_some() {
            return;
        }
        if let Some((tx, id_hash)) = steps.row(findings, raw, row, Some(line))
            && !each(row, tx, id_hash, findings)
        {
            stopped_at.set(Some(row));
        }
    };
    let mut buf = vec![0u8; 1 << 16];
    loop {
        if scratch_only {
            // A second reading's findings are thrown away.
            file_findings.issues.clear();
        }
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            csv.finish(&mut file_findings, &mut on_row);
            break;
        }
        csv.push(&buf[..n], &mut file_findings, &mut on_row);
        if stopped_at.get().is_some() {
            break;
        }
    }
    let stopped_at = stopped_at.get();
    if scratch_only {
        return Ok((stopped_at.map_or(csv.rows(), |r| r + 1), None));
    }
    findings.file = file_findings;
    if let Some(row) = stopped_at {
        return Ok((row + 1, None));
    }
    let account = steps.finish(findings);
    Ok((csv.rows(), account))
}

/// The rows of a CSV or JSON file, as [`walk`] gives a CSV file's; `Err` is the one finding for
/// a JSON file that cannot be read.
fn rows(
    path: &Path,
    format: InputFormat,
    options: &PrepareOptions,
    findings: &mut Findings,
    each: impl FnMut(usize, BankTransaction, u64, &mut Findings) -> bool,
) -> io::Result<Result<(usize, Option<String>), Issue>> {
    match format {
        InputFormat::Json => json::walk(path, options, findings, each),
        _ => walk(path, options, findings, each).map(Ok),
    }
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut x = rustc_hash::FxBuildHasher.hash_one(value);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

/// A hash of everything [`BankTransaction`]'s equality compares.
fn content_hash(tx: &BankTransaction) -> u64 {
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    // Every field, named: a field added to the model must be added here too.
    let BankTransaction {
        id,
        date,
        description,
        counterparty,
        reference,
        reconciled,
        amount,
        balance,
        transaction_type,
    } = tx;
    id.hash(&mut h);
    date.hash(&mut h);
    description.hash(&mut h);
    counterparty.hash(&mut h);
    reference.hash(&mut h);
    reconciled.hash(&mut h);
    amount.hash(&mut h);
    balance.hash(&mut h);
    transaction_type.as_ref().map(|t| t.as_str()).hash(&mut h);
    h.finish()
}

/// A row whose id's hash an earlier row's has.
struct Repeat {
    row: usize,
    first: usize,
    /// The rows' hashes agree too: an exact repeat, dropped.
    exact: bool,
}

/// The rows whose id's hash an earlier row's has, in row order, each with the first row of
/// that hash, from every row's (hash, row).
fn repeats_of(mut id_hashes: Vec<(u64, usize)>) -> Vec<Repeat> {
    id_hashes.sort_unstable();
    let mut repeats = Vec::new();
    for run in id_hashes.chunk_by(|a, b| a.0 == b.0) {
        let first = run[0].1;
        repeats.extend(run[1..].iter().map(|&(_, row)| Repeat {
            row,
            first,
            exact: false,
        }));
    }
    repeats.sort_unstable_by_key(|r| r.row);
    repeats
}

/// Reads, normalises and validates a file, holding one row at a time where it can (see the
/// module documentation).
///
/// ```
/// use bankfeeds::ingest::InputFormat;
/// use bankfeeds::pipeline::{prepare_file, PrepareOptions};
/// use bankfeeds::rules::Platform;
/// let csv = "id,date,amount,balance\nt1,2024-05-01,10.00,10.00\nt2,2024-05-02,-2.50,7.00\nt1,2024-05-01,10.00,10.00\n";
/// let path = std::env::temp_dir().join(format!("bankfeeds-stream-doc-{}.csv", std::process::id()));
/// std::fs::write(&path, csv).unwrap();
/// let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
/// let options = PrepareOptions::new(Platform::Generic, today);
/// let streamed = bankfeeds::stream::prepare_path(&path, InputFormat::Auto, &options).unwrap();
/// let whole = prepare_file(csv.as_bytes(), InputFormat::Auto, &options);
/// assert_eq!(streamed.report, whole.report); // balance_mismatch on t2, exact_duplicate dropped
/// assert_eq!(streamed.transactions, 2);
/// assert_eq!(streamed.in_memory, None);
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn prepare_path(
    path: &Path,
    format: InputFormat,
    options: &PrepareOptions,
) -> io::Result<Streamed> {
    Ok(streamed_or_whole(path, format, options, None)?.0)
}

/// [`prepare_path`], also handing each push body's transactions to `spool` as the reading makes
/// them, so that a caller writing the bodies needs no second reading of the file.
///
/// `spool` gets each body's transactions in order, as the JSON array a push body carries them
/// in ([`CreateBankTransactions::write_transactions_json`]), with how many there are. Once the
/// file is read, [`Spooled::bodies_for`] says whether they are the file's push bodies for an
/// account: then each body is [`CreateBankTransactions::write_json_around`] its array, byte for
/// byte what [`Streamed::write_bodies`] gives. When they are not (the file was read whole,
/// or `spool` failed: an error from it stops the spooling, not the reading), what was spooled
/// is to be thrown away and [`Streamed::write_bodies`] used.
///
/// The bodies are handed out before the file's findings are known: a caller keeps them aside
/// (a temporary file) until [`Streamed::is_valid`] says they may be used.
///
/// ```
/// use bankfeeds::ingest::InputFormat;
/// use bankfeeds::model::CreateBankTransactions;
/// use bankfeeds::pipeline::PrepareOptions;
/// use bankfeeds::rules::Platform;
/// let csv = "id,date,amount,balance\nt1,2024-05-01,10.00,10.00\nt2,2024-05-02,-2.50,7.50\n";
/// let path = std::env::temp_dir().join(format!("bankfeeds-spool-doc-{}.csv", std::process::id()));
/// std::fs::write(&path, csv).unwrap();
/// let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
/// let options = PrepareOptions::new(Platform::Generic, today);
/// let mut arrays: Vec<Vec<u8>> = Vec::new();
/// let (streamed, spooled) = bankfeeds::stream::prepare_path_spooling(&path, InputFormat::Auto, &options, |array, _| {
///     arrays.push(array.to_vec());
///     Ok(())
/// })
/// .unwrap();
/// assert!(streamed.is_valid() && spooled.bodies_for("acc-1"));
/// let mut body = Vec::new();
/// CreateBankTransactions::write_json_around("acc-1", &arrays[0], &mut body);
/// let mut again = Vec::new();
/// streamed.write_bodies(&path, &options, "acc-1", |b| {
///     again.push(b.to_json());
///     Ok::<_, std::io::Error>(())
/// })
/// .unwrap();
/// assert_eq!(again, [body]);
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn prepare_path_spooling(
    path: &Path,
    format: InputFormat,
    options: &PrepareOptions,
    mut spool: impl FnMut(&[u8], usize) -> io::Result<()>,
) -> io::Result<(Streamed, Spooled)> {
    let mut bodies = BodySpool {
        sink: &mut spool,
        text: Vec::new(),
        failed: None,
    };
    let (streamed, complete) = streamed_or_whole(path, format, options, Some(&mut bodies))?;
    let spooled = Spooled {
        complete: complete && bodies.failed.is_none(),
        error: bodies.failed,
    };
    Ok((streamed, spooled))
}

/// Whether the bodies [`prepare_path_spooling`] handed out are the file's.
#[derive(Debug)]
pub struct Spooled {
    complete: bool,
    error: Option<io::Error>,
}

impl Spooled {
    /// True when the arrays handed to the spool are the file's push bodies for `account_id`,
    /// every one, in order: those [`Streamed::write_bodies`] gives, each
    /// [`CreateBankTransactions::write_json_around`] its array. False when the file was read
    /// whole ([`Streamed::in_memory`]) or not at all, when the spool failed, or when the account
    /// id is so long (about 990 bytes of JSON) that it leaves less room in a body than the
    /// reading kept.
    pub fn bodies_for(&self, account_id: &str) -> bool {
        self.complete && crate::batch::room(Some(account_id)) == crate::batch::room(None)
    }

    /// The spool's error, which stopped the spooling (not the reading).
    pub fn error(&self) -> Option<&io::Error> {
        self.error.as_ref()
    }
}

/// A streamed file, or the file read whole when it cannot stream; true when it streamed.
fn streamed_or_whole(
    path: &Path,
    format: InputFormat,
    options: &PrepareOptions,
    spool: Option<&mut BodySpool<'_>>,
) -> io::Result<(Streamed, bool)> {
    match prepare_path_with(path, format, options, None, spool)? {
        Ok(streamed) => Ok((streamed, true)),
        Err(Whole::Unreadable(issue)) => Ok((
            held(unreadable(issue, options), None, options.max_listed),
            false,
        )),
        Err(Whole::InMemory(why)) => Ok((whole(path, format, options, why)?, false)),
    }
}

/// Hands each push body's transactions, as JSON, to a spool ([`prepare_path_spooling`]).
struct BodySpool<'s> {
    sink: &'s mut dyn FnMut(&[u8], usize) -> io::Result<()>,
    /// The array's text, reused from body to body.
    text: Vec<u8>,
    /// The error that stopped the spooling.
    failed: Option<io::Error>,
}

impl BodySpool<'_> {
    fn body(&mut self, body: &CreateBankTransactions) {
        if self.failed.is_some() {
            return;
        }
        self.text.clear();
        CreateBankTransactions::write_transactions_json(&body.transactions, &mut self.text);
        if let Err(e) = (self.sink)(&self.text, body.transactions.len()) {
            self.failed = Some(e);
        }
    }
}

/// [`prepare_path`] for a push to `push.account_id`, which leaves out the rows `push.skip`
/// says (each kept row is handed to it once, in order) and the findings about them, as the
/// whole-file push removes them; the bodies of the rest are written by
/// [`Streamed::write_push_bodies`]. `None` when the file must be read whole (see
/// [`InMemory`]), or cannot be read at all: the push then reads it whole, as it always did.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn prepare_path_for_push(
    path: &Path,
    format: InputFormat,
    options: &PrepareOptions,
    push: PushRows<'_>,
) -> io::Result<Option<Streamed>> {
    Ok(prepare_path_with(path, format, options, Some(PushPass::new(push)), None)?.ok())
}

/// Why a file is not streamed after all.
enum Whole {
    /// It cannot be read at all: the one finding.
    Unreadable(Issue),
    /// It must be read whole.
    InMemory(InMemory),
}

fn prepare_path_with<'p>(
    path: &Path,
    format: InputFormat,
    options: &PrepareOptions,
    push: Option<PushPass<'p>>,
    spool: Option<&'p mut BodySpool<'_>>,
) -> io::Result<Result<Streamed, Whole>> {
    if is_pipe(path) {
        return Ok(Err(Whole::InMemory(InMemory::Pipe)));
    }
    let stamp = Stamp::of(path)?;
    let format = match sniff(path, format)? {
        Ok(f) => f,
        Err(issue) => return Ok(Err(Whole::Unreadable(issue))),
    };
    let backward = match options.normalise.balances {
        BalanceFill::Closing(c) => match closing::sum(path, format, options, c)? {
            closing::Summed::Chain(backward) => Some(backward),
            closing::Summed::Whole(why) => return Ok(Err(Whole::InMemory(why))),
            closing::Summed::Unreadable(issue) => return Ok(Err(Whole::Unreadable(issue))),
        },
        _ => None,
    };
    Ok(
        stream(path, format, options, backward, (push, spool))?.map(|streamed| Streamed {
            stamp: Some(stamp),
            ..streamed
        }),
    )
}

/// What [`crate::pipeline::prepare_file`] makes of a file it cannot read at all (not UTF-8):
/// that finding, then those of no rows.
fn unreadable(issue: Issue, options: &PrepareOptions) -> Prepared {
    let mut prepared = pipeline::prepare(Vec::<RawTransaction>::new(), options);
    let mut report = ValidationReport::new();
    report.push(issue);
    report.extend(std::mem::take(&mut prepared.report));
    report.sort();
    options.context.settle(&mut report);
    prepared.report = report;
    prepared
}

/// A file read whole, its findings and changes listed as a streamed file's are (`max` of each
/// code and kind).
fn held(mut prepared: Prepared, why: Option<InMemory>, max: Option<usize>) -> Streamed {
    let report = listed(std::mem::take(&mut prepared.report), max);
    let mut changes = ChangeList::new(max);
    changes.take_from(&mut prepared.changes);
    Streamed {
        report,
        changes: changes.changes,
        changes_omitted: changes.omitted,
        account_id: prepared.account_id.clone(),
        rows_read: prepared.rows_read,
        transactions: prepared.transactions.len(),
        batches: prepared.batches().count(),
        batch_size: prepared.batch_size,
        in_memory: why,
        held: Some(prepared),
        dropped: FxHashSet::default(),
        format: InputFormat::Auto,
        backward: None,
        stamp: None,
        push: None,
    }
}

/// A whole report, listing the first `max` findings of each code as a streamed one does.
fn listed(whole: ValidationReport, max: Option<usize>) -> ValidationReport {
    let mut report = ValidationReport::listing(max);
    report.extend(whole);
    report.list_all();
    report
}

/// Whether `path` names something that is neither a regular file nor a folder (a pipe such as
/// `/dev/stdin`, a device), which cannot be read twice or from an offset as streaming reads a
/// file: [`prepare_path`] reads it whole ([`InMemory::Pipe`]).
pub fn is_pipe(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn whole(
    path: &Path,
    format: InputFormat,
    options: &PrepareOptions,
    why: InMemory,
) -> io::Result<Streamed> {
    let bytes = std::fs::read(path)?;
    Ok(held(
        pipeline::prepare_file(&bytes, format, options),
        Some(why),
        options.max_listed,
    ))
}

fn stream<'p>(
    path: &Path,
    format: InputFormat,
    options: &PrepareOptions,
    backward: Option<closing::Backward>,
    (push, spool): (Option<PushPass<'p>>, Option<&'p mut BodySpool<'_>>),
) -> io::Result<Result<Streamed, Whole>> {
    let mut findings = Findings::listing(options.max_listed);
    findings.defer = push.is_some();
    let mut pass = FirstPass::new(options, push);
    pass.spool = spool;
    if let Some(b) = &backward {
        pass.running = Some(b.opening);
    }
    pass.backward = backward;
    let read = rows(
        path,
        format,
        options,
        &mut findings,
        |row, tx, id_hash, findings| pass.row(row, tx, id_hash, findings),
    )?;
    let read = match read {
        Ok(read) => read,
        Err(issue) => return Ok(Err(Whole::Unreadable(issue))),
    };
    if let Some(why) = pass.abandon {
        return Ok(Err(Whole::InMemory(why)));
    }
    pass.finish_reading();
    // Rows whose hashes repeat an earlier row's are read again and compared exactly.
    let repeated = if pass.repeats.is_empty() {
        Repeated::default()
    } else {
        let Some(exact) = reread_repeats(path, format, options, &pass.repeats)? else {
            return Ok(Err(Whole::InMemory(InMemory::HashCollision)));
        };
        judge_repeats(
            &pass.repeats,
            &exact,
            options.normalise.dedupe,
            options.max_listed,
            pass.push.as_ref().map(PushPass::skipped),
        )
    };
    let mut streamed = assemble(pass, repeated, findings, read, options);
    streamed.format = format;
    Ok(Ok(streamed))
}

/// The first reading of a streamed file: every row's own checks, and what spans rows, kept
/// compactly.
struct FirstPass<'o, 'p, 's> {
    norm: &'o NormaliseOptions,
    /// Where each push body's transactions go as they are made ([`prepare_path_spooling`]).
    spool: Option<&'p mut BodySpool<'s>>,
    /// A push's: the rows it leaves out, and the bodies of the rest.
    push: Option<PushPass<'p>>,
    validation: ValidationReport,
    checker: RowChecker<'o>,
    /// With dedupe: each id's hash, with the row it was first met on and that row's hash.
    first_seen: FxHashMap<u64, (usize, u64)>,
    /// With dedupe, while every id has come after the one before it (as bytes): none of them
    /// can repeat an earlier one, so their hashes wait in order here instead of going into
    /// `first_seen`, a table probed at random. The first id out of order moves them there.
    in_order: Option<InOrder>,
    repeats: Vec<Repeat>,
    /// Without dedupe nothing read depends on which ids repeat: the hashes are kept in a list
    /// and sorted once at the end, which is far cheaper than a hash table probed at random.
    id_hashes: Vec<(u64, usize)>,
    previous_date: Option<LocalDateTime>,
    /// The balance computed forward from the opening balance, when it is.
    running: Option<Decimal>,
    /// Balances are computed backward from a closing balance (forward, from the opening
    /// balance the amounts sum to).
    backward: Option<closing::Backward>,
    fill_rows: Vec<usize>,
    fill_changes: ChangeList,
    replaced: usize,
    kept: usize,
    bodies: Bodies,
    batches: usize,
    /// Why the file must be read whole after all.
    abandon: Option<InMemory>,
}

impl<'o, 'p, 's> FirstPass<'o, 'p, 's> {
    fn new(options: &'o PrepareOptions, push: Option<PushPass<'p>>) -> Self {
        let (ctx, norm) = (&options.context, &options.normalise);
        let mut validation = ValidationReport::listing(options.max_listed);
        validate::account_rules(ctx, &mut validation);
        let size = norm.batch_size.min(norm.platform.profile().max_batch);
        FirstPass {
            norm,
            spool: None,
            bodies: Bodies::new(push.as_ref().map(PushPass::account_id), size),
            push,
            validation,
            checker: RowChecker::new(ctx),
            first_seen: FxHashMap::default(),
            in_order: norm.dedupe.then(InOrder::default),
            repeats: Vec::new(),
            id_hashes: Vec::new(),
            previous_date: None,
            running: match norm.balances {
                BalanceFill::Opening(o) => Some(o),
                _ => None,
            },
            backward: None,
            fill_rows: Vec::new(),
            fill_changes: ChangeList::new(options.max_listed),
            replaced: 0,
            kept: 0,
            batches: 0,
            abandon: None,
        }
    }

    /// One typed row (with the findings so far); false stops the reading (the file is then
    /// read whole).
    fn row(
        &mut self,
        row: usize,
        mut tx: BankTransaction,
        id_hash: u64,
        findings: &mut Findings,
    ) -> bool {
        if self.norm.dedupe {
            if self.exact_repeat(row, &tx, id_hash) {
                return true;
            }
        } else {
            self.id_hashes.push((id_hash, row));
        }
        if self.norm.sort && self.previous_date.is_some_and(|p| tx.date < p) {
            self.abandon = Some(InMemory::Unsorted);
            return false;
        }
        self.previous_date = Some(tx.date);
        if !self.fill_balance(row, &mut tx) {
            return false;
        }
        // A row a push leaves out is still checked (the rows after it are checked against it),
        // but what is found about it does not count, as the whole-file push removes it.
        let left_out = self.push.as_mut().is_some_and(|p| p.leaves_out(row, &tx));
        if left_out {
            findings.row_left_out();
        } else {
            findings.row_kept();
        }
        let skipped = self.push.as_ref().map(PushPass::skipped);
        check_row(
            &mut self.checker,
            &tx,
            row,
            (&findings.malformed, skipped),
            &mut self.validation,
        );
        self.kept += 1;
        if left_out {
            return true;
        }
        if let Some(body) = self.bodies.push(tx) {
            self.batches += 1;
            if let Some(p) = &mut self.push {
                p.made(&body);
            }
            if let Some(spool) = &mut self.spool {
                spool.body(&body);
            }
            self.bodies.recycle(body.transactions);
        }
        true
    }

    /// Notes a row whose id's hash an earlier row's has; true when the rows' hashes agree too
    /// (an exact repeat, dropped).
    fn exact_repeat(&mut self, row: usize, tx: &BankTransaction, id_hash: u64) -> bool {
        let content = content_hash(tx);
        if let Some(order) = &mut self.in_order {
            if order.takes(&tx.id) {
                order.seen.push((id_hash, row, content));
                return false;
            }
            let seen = std::mem::take(&mut order.seen);
            self.in_order = None;
            self.first_seen.reserve(seen.len());
            for (hash, first, content) in seen {
                // Two ids in order that share a hash: the first keeps it, as in the table.
                self.first_seen.entry(hash).or_insert((first, content));
            }
        }
        match self.first_seen.entry(id_hash) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((row, content));
                false
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let (first, first_content) = *o.get();
                let exact = first_content == content;
                self.repeats.push(Repeat { row, first, exact });
                exact
            }
        }
    }

    /// Computes the row's balance forward, when balances are; false when it overflows.
    fn fill_balance(&mut self, row: usize, tx: &mut BankTransaction) -> bool {
        let Some(r) = self.running.as_mut() else {
            return true;
        };
        let Some(next) = r.checked_add(tx.amount) else {
            self.abandon = Some(InMemory::BalanceOverflow);
            return false;
        };
        *r = next;
        let next = match &self.backward {
            Some(backward) => backward.balance(next, self.fill_rows.len()),
            None => next,
        };
        let old = tx.balance.replace(next);
        if let Some(old) = old
            && old != next
        {
            self.replaced += 1;
            if self
                .fill_changes
                .full(normalise::ChangeKind::BalanceReplaced)
            {
                // Counted without being made: a file can replace every row's balance.
                self.fill_changes
                    .omit(normalise::ChangeKind::BalanceReplaced, 1);
            } else {
                self.fill_changes
                    .push(normalise::balance_replaced(row, tx, old));
            }
        }
        self.fill_rows.push(row);
        true
    }

    /// After the reading: the repeats known.
    fn finish_reading(&mut self) {
        drop(std::mem::take(&mut self.first_seen));
        self.in_order = None;
        if !self.norm.dedupe {
            self.repeats = repeats_of(std::mem::take(&mut self.id_hashes));
        }
    }
}

/// The ids met so far, while each has come after the one before it.
#[derive(Default)]
struct InOrder {
    /// The last id.
    last: String,
    /// Each id's hash, with its row and the row's hash ([`content_hash`]).
    seen: Vec<(u64, usize, u64)>,
}

impl InOrder {
    /// True, noting `id` as the last, when it comes after every id before it.
    fn takes(&mut self, id: &str) -> bool {
        if !self.seen.is_empty() && id.as_bytes() <= self.last.as_bytes() {
            return false;
        }
        self.last.clear();
        self.last.push_str(id);
        true
    }
}

/// What the repeated rows, read again, make.
#[derive(Default)]
struct Repeated {
    /// Normalisation's findings on them (with dedupe).
    normalised: ValidationReport,
    changes: ChangeList,
    /// Rows dropped as exact duplicates.
    dropped: FxHashSet<usize>,
    /// Duplicate ids (without dedupe).
    ids: ValidationReport,
}

/// The repeated rows and the rows they repeat, read again exactly; `None` when two of them
/// only shared a hash.
fn reread_repeats(
    path: &Path,
    format: InputFormat,
    options: &PrepareOptions,
    repeats: &[Repeat],
) -> io::Result<Option<FxHashMap<usize, BankTransaction>>> {
    let wanted: FxHashSet<usize> = repeats.iter().flat_map(|r| [r.row, r.first]).collect();
    let mut exact: FxHashMap<usize, BankTransaction> = FxHashMap::default();
    let read = rows(
        path,
        format,
        options,
        &mut Findings::scratch(),
        |row, tx, _, _| {
            if wanted.contains(&row) {
                exact.insert(row, tx);
            }
            true
        },
    )?;
    if read.is_err() {
        // Read before: changed since.
        return Ok(None);
    }
    for r in repeats {
        let (Some(tx), Some(first)) = (exact.get(&r.row), exact.get(&r.first)) else {
            return Ok(None);
        };
        if tx.id != first.id || (options.normalise.dedupe && (tx == first) != r.exact) {
            return Ok(None);
        }
    }
    Ok(Some(exact))
}

/// Judges each repeated row against the row it repeats: with dedupe, as normalisation does;
/// without, as a duplicate id.
fn judge_repeats(
    repeats: &[Repeat],
    exact: &FxHashMap<usize, BankTransaction>,
    dedupe: bool,
    max: Option<usize>,
    skipped: Option<&RowSet>,
) -> Repeated {
    let mut out = Repeated {
        normalised: ValidationReport::listing(max),
        changes: ChangeList::new(max),
        dropped: FxHashSet::default(),
        ids: ValidationReport::listing(max),
    };
    let mut changes = Vec::new();
    let mut found = ValidationReport::new();
    let counts = |issue: &Issue| skipped.is_none_or(|s| !s.about(issue));
    for r in repeats {
        let (tx, first) = (&exact[&r.row], &exact[&r.first]);
        if dedupe {
            if normalise::judge_repeat(tx, r.row, first, r.first, &mut found, &mut changes) {
                out.dropped.insert(r.row);
            }
            for issue in found.issues.drain(..) {
                if counts(&issue) {
                    out.normalised.push(issue);
                }
            }
            out.changes.take_from(&mut changes);
        } else if let Some(issue) = crate::validate::rows::duplicate_id(&tx.id, r.row, r.first)
            && counts(&issue)
        {
            out.ids.push(issue);
        }
    }
    out
}

/// What a streamed file makes, in the order [`crate::pipeline::prepare_file`] gives it.
fn assemble(
    pass: FirstPass<'_, '_, '_>,
    repeated: Repeated,
    mut findings: Findings,
    (rows_read, account_id): (usize, Option<String>),
    options: &PrepareOptions,
) -> Streamed {
    let (ctx, norm) = (&options.context, &options.normalise);
    let Repeated {
        mut normalised,
        changes: dup_changes,
        dropped,
        ids,
    } = repeated;
    let FirstPass {
        mut validation,
        checker,
        running,
        backward,
        fill_rows,
        fill_changes,
        replaced,
        kept,
        bodies,
        batches,
        push,
        spool,
        ..
    } = pass;
    validation.extend(ids);
    normalised.sort();
    let skipped = push.as_ref().map(PushPass::skipped);
    let validation = close_validation(
        validation,
        checker,
        kept,
        ctx,
        (&findings.malformed, skipped),
    );
    if let Some(skipped) = skipped {
        findings.leave_out(skipped, options.max_listed);
    }
    let last = bodies.finish();
    if let Some(spool) = spool {
        for body in &last {
            spool.body(body);
        }
    }
    let push = push.map(|mut p| {
        for body in &last {
            p.made(body);
        }
        p.plan()
    });

    let mut changes = std::mem::take(&mut findings.listed);
    if let Some(change) = normalise::inferred_change(std::mem::take(&mut findings.inferred)) {
        changes.push(change);
    }
    changes.extend(dup_changes);
    changes.extend(fill_changes);
    match (norm.balances, running, &backward) {
        (BalanceFill::Opening(anchor), Some(end), _) => changes.push(normalise::balances_computed(
            true, anchor, end, fill_rows, replaced,
        )),
        (BalanceFill::Closing(_), Some(_), Some(b)) => changes.push(normalise::balances_computed(
            false, b.closing, b.opening, fill_rows, replaced,
        )),
        _ => {}
    }
    Streamed {
        report: final_report(findings, normalised, validation, ctx),
        changes: changes.changes,
        changes_omitted: changes.omitted,
        account_id,
        rows_read,
        transactions: kept,
        batches: batches + last.len(),
        batch_size: crate::batch::clamp_size(
            norm.batch_size.min(norm.platform.profile().max_batch),
        ),
        in_memory: None,
        held: None,
        dropped,
        format: InputFormat::Auto,
        backward,
        stamp: None,
        push,
    }
}

/// Validation's findings once every row is checked (`kept` of them): those that need every
/// row, or the finding for none; sorted and settled, as [`crate::validate::validate_rows`]
/// gives them. Those about a field found `malformed` are left out, as [`final_report`] leaves
/// them out, before they count towards what the report lists.
fn close_validation(
    mut validation: ValidationReport,
    checker: RowChecker<'_>,
    kept: usize,
    ctx: &ValidationContext,
    (malformed, skipped): (&[(usize, Field)], Option<&RowSet>),
) -> ValidationReport {
    if kept == 0 {
        validation.push(validate::empty_batch());
    } else {
        checker.finish_with(&mut validation, |issue| {
            !said_before(issue, malformed) && skipped.is_none_or(|s| !s.about(issue))
        });
    }
    validation.sort();
    ctx.settle(&mut validation);
    validation
}

/// Every finding in one report: the file's, typing's, normalisation's, then validation's
/// (less those an earlier finding already says), located by line and settled.
fn final_report(
    findings: Findings,
    normalised: ValidationReport,
    validation: ValidationReport,
    context: &ValidationContext,
) -> ValidationReport {
    let Findings {
        file: mut report,
        ingest,
        malformed,
        lines,
        ..
    } = findings;
    let malformed: FxHashSet<(usize, Field)> = malformed.into_iter().collect();
    let conflicting: FxHashSet<usize> = normalised
        .with_code(Code::ConflictingDuplicate)
        .filter_map(|i| i.row)
        .collect();
    report.extend(ingest);
    report.extend(normalised);
    let ValidationReport {
        issues, omitted, ..
    } = validation;
    // What is omitted was left out before it counted (`check_row`, `close_validation`).
    for issue in issues {
        if pipeline::said_once(&issue, &malformed, &conflicting) {
            report.push(issue);
        }
    }
    for o in omitted {
        crate::validate::count_omitted(&mut report.omitted, o.code, o.severity, o.count);
    }
    report.locate_lines_with(|row| lines.line(row));
    report.sort();
    context.settle(&mut report);
    report.list_all();
    report
}

/// Checks a typed row into `validation`, leaving out what a malformed field of the row already
/// says ([`pipeline::said_once`]), and what is about a row a push leaves out (`skipped`),
/// before it counts towards what the report lists.
fn check_row(
    checker: &mut RowChecker<'_>,
    tx: &BankTransaction,
    row: usize,
    (malformed, skipped): (&[(usize, Field)], Option<&RowSet>),
    validation: &mut ValidationReport,
) {
    let skipping = skipped.is_some_and(|s| !s.is_empty());
    if !skipping && malformed.last().is_none_or(|&(r, _)| r != row) {
        checker.row(tx, row, validation);
        return;
    }
    let mut own = ValidationReport::new();
    checker.row(tx, row, &mut own);
    for issue in own.issues {
        if !said_before(&issue, malformed) && skipped.is_none_or(|s| !s.about(&issue)) {
            validation.push(issue);
        }
    }
}

/// Whether a validation finding repeats what a malformed field said (`malformed` in row
/// order, as reading gives it): [`pipeline::said_once`] without a whole set of them.
fn said_before(issue: &Issue, malformed: &[(usize, Field)]) -> bool {
    if !matches!(issue.code, Code::MissingBalance | Code::MissingDescription) {
        return false;
    }
    let (Some(row), Some(field)) = (issue.row, issue.field) else {
        return false;
    };
    let from = malformed.partition_point(|&(r, _)| r < row);
    malformed[from..]
        .iter()
        .take_while(|&&(r, _)| r == row)
        .any(|&(_, f)| f == field)
}

#[cfg(test)]
mod tests {
    use super::RowLines;

    #[test]
    fn row_lines_give_back_every_line_noted() {
        for lines in [
            vec![],
            vec![2, 3, 4],
            vec![3, 4, 7, 8, 9, 12],
            vec![2, 5, 6, 6, 9],
        ] {
            let mut kept = RowLines::default();
            for &l in &lines {
                kept.push(l);
            }
            let back: Vec<Option<usize>> = (0..=lines.len()).map(|r| kept.line(r)).collect();
            let mut want: Vec<Option<usize>> = lines.iter().copied().map(Some).collect();
            want.push(None);
            assert_eq!(back, want, "{lines:?}");
        }
        let mut ordinary = RowLines::default();
        for l in 2..100_000 {
            ordinary.push(l);
        }
        assert_eq!(ordinary.jumps, [(0, 2)]);
    }
}
