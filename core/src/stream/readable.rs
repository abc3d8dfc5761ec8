//! Whether a file can be read at all, told without reading its rows where the format allows:
//! what a command checks before it does anything else (`bankfeeds push`, before any request).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use super::{Findings, rows, sniff, text_start};
use crate::ingest::InputFormat;
use crate::ingest::file::CsvPush;
use crate::pipeline::PrepareOptions;
use crate::rules::Platform;
use crate::validate::{Code, Issue, ValidationContext, ValidationReport};

/// The format a file is read as (`format`, or the one its text tells for
/// [`InputFormat::Auto`]), or the finding that says it cannot be read at all: the
/// `malformed_input` finding without a row [`super::prepare_path`] and
/// [`crate::pipeline::prepare_file`] give it (not UTF-8; a CSV header that cannot be read, or
/// lacks a required column, or names one twice; JSON that does not parse, or has no
/// `transactions` list). What is wrong with the rows themselves is not looked for.
///
/// A CSV file is read up to its header, once it is checked to be UTF-8 (a fast pass over its
/// bytes); a JSON file is read through, its rows typed and let go.
///
/// ```
/// use bankfeeds::ingest::InputFormat;
/// let path = std::env::temp_dir().join(format!("bankfeeds-readable-doc-{}.csv", std::process::id()));
/// std::fs::write(&path, "id,date\nt1,2024-05-01\n").unwrap();
/// let issue = bankfeeds::stream::readable(&path, InputFormat::Auto).unwrap().unwrap_err();
/// assert!(issue.message.contains("amount"), "{}", issue.message);
/// std::fs::write(&path, "id,date,amount\nt1,2024-05-01,oops\n").unwrap();
/// assert_eq!(bankfeeds::stream::readable(&path, InputFormat::Auto).unwrap(), Ok(InputFormat::Csv));
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn readable(path: &Path, format: InputFormat) -> io::Result<Result<InputFormat, Issue>> {
    let format = match sniff(path, format)? {
        Ok(f) => f,
        Err(issue) => return Ok(Err(issue)),
    };
    let found = match format {
        InputFormat::Json => json_header(path)?,
        _ => csv_header(path)?,
    };
    Ok(match found {
        Some(issue) => Err(issue),
        None => Ok(format),
    })
}

/// The first row-less `malformed_input` finding of a report.
fn unreadable_in(report: ValidationReport) -> Option<Issue> {
    report
        .issues
        .into_iter()
        .find(|i| i.code == Code::MalformedInput && i.row.is_none())
}

/// Reads a CSV file (known to be UTF-8) up to its header, as [`super::walk`] reads it.
fn csv_header(path: &Path) -> io::Result<Option<Issue>> {
    let mut file = File::open(path)?;
    let start = text_start(&mut file)?;
    file.seek(SeekFrom::Start(start))?;
    let mut csv = CsvPush::new();
    let mut report = ValidationReport::new();
    let mut buf = vec![0u8; 1 << 16];
    while !csv.header_read() {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            csv.finish(&mut report, |_, _, _| {});
            break;
        }
        csv.push(&buf[..n], &mut report, |_, _, _| {});
    }
    Ok(unreadable_in(report))
}

/// Reads a JSON file through (serde tells whether it parses only at its end), typing each row
/// and letting it go.
fn json_header(path: &Path) -> io::Result<Option<Issue>> {
    let today = chrono::NaiveDate::MIN;
    let options = PrepareOptions::validate_only(ValidationContext::new(Platform::Generic, today));
    let mut findings = Findings::scratch();
    match rows(
        path,
        InputFormat::Json,
        &options,
        &mut findings,
        |_, _, _, _| true,
    )? {
        Err(issue) => Ok(Some(issue)),
        Ok(_) => Ok(unreadable_in(std::mem::take(&mut findings.file))),
    }
}
