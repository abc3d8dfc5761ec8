//! JSON files stream as CSV files do: [`walk`] reads a push body or an array of transactions one
//! row at a time ([`crate::ingest::json`]), typing and tidying each row as
//! [`super::walk`] does a CSV file's.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::Path;

use super::{Findings, RowSteps, open_after_bom};
use crate::ingest::RawCells;
use crate::ingest::json::{stream_json, unreadable_in};
use crate::model::BankTransaction;
use crate::pipeline::PrepareOptions;
use crate::validate::{Issue, ValidationReport};

/// Reads a JSON file's rows, typing and tidying each one (the per-row steps of normalisation),
/// and hands each typed transaction to `each` with its input row, the hash of its id and the
/// findings so far; stops when `each` returns false. Gives the rows read and the account the file names (its
/// `accountId`, else the one its rows name), or the one finding for a file that cannot be read,
/// as [`crate::ingest::read_json`] gives it. JSON rows have no lines.
pub(super) fn walk(
    path: &Path,
    options: &PrepareOptions,
    findings: &mut Findings,
    mut each: impl FnMut(usize, BankTransaction, u64, &mut Findings) -> bool,
) -> io::Result<Result<(usize, Option<String>), Issue>> {
    let input = open(path)?;

    let scratch = findings.scratch;
    let mut steps = RowSteps::new(options, scratch);
    let mut file_report = std::mem::take(&mut findings.file);
    let mut stopped = false;
    let mut typing =
        |raw: crate::ingest::RawTransaction, row: usize, report: &mut ValidationReport| {
            if scratch {
                // A second reading's findings are thrown away.
                report.issues.clear();
            }
            let Some((tx, id_hash)) = steps.row(findings, RawCells::from(raw), row, None) else {
                return true;
            };
            let go_on = each(row, tx, id_hash, findings);
            stopped = !go_on;
            go_on
        };
    let read = stream_json(input, &mut file_report, &mut typing);
    findings.file = file_report;
    let read = match read {
        Ok(read) => read,
        Err(e) => {
            // Read again for the message, placed in the file itself.
            let issue = unreadable_in(open(path)?).unwrap_or_else(|| {
                Issue::new(
                    crate::validate::Code::MalformedInput,
                    format!("the JSON cannot be read: {e}"),
                )
            });
            return Ok(Err(issue));
        }
    };
    if scratch || stopped {
        return Ok(Ok((read.rows, None)));
    }
    let account = steps.finish(findings);
    Ok(Ok((read.rows, read.account_id.or(account))))
}

/// The file, after the one byte order mark [`crate::ingest::read_file`] skips (serde_json would
/// refuse a second).
fn open(path: &Path) -> io::Result<BufReader<File>> {
    Ok(BufReader::with_capacity(1 << 16, open_after_bom(path)?))
}
