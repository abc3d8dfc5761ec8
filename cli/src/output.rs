//! How findings and reports are printed: text for people, JSON for programs.
//!
//! Everything printed for people goes through [`clean`] or [`terminal`]: ids, column names,
//! descriptions and server messages may hold escape sequences, and a terminal must show them,
//! not obey them. JSON stays exact JSON: the same characters are written as `\u` escapes, which
//! any JSON reader turns back into the same text.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

use bankfeeds::rules::Platform;
use bankfeeds::validate::Issue;
use serde_json::{Value, json};

use crate::input::Loaded;

/// Whether a character must not reach a terminal as it is: the C0 controls (escape, carriage
/// return, line feed, backspace...), DEL, the C1 controls (U+0080 to U+009F, which some
/// terminals obey as escapes), and the invisible characters that reorder or hide text: bidi
/// marks, embeddings, overrides and isolates (a "Trojan Source" id reads backwards).
pub fn unsafe_for_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Writes `c` as text a terminal shows: `\x1b` for an ASCII control, `\u{202e}` for others.
fn escape(c: char, out: &mut String) {
    use std::fmt::Write as _;
    let code = u32::from(c);
    let _ = if code < 0x80 {
        write!(out, "\\x{code:02x}")
    } else {
        write!(out, "\\u{{{code:x}}}")
    };
}

fn escaped(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let keep = |c: char| !unsafe_for_terminal(c) || (keep_newlines && c == '\n');
    if text.chars().all(keep) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if keep(c) {
            out.push(c);
        } else {
            escape(c, &mut out);
        }
    }
    Cow::Owned(out)
}

/// Text from a file, a user or a server as one line for people: every character
/// [`unsafe_for_terminal`] escaped, line breaks included.
pub fn clean(text: &str) -> Cow<'_, str> {
    escaped(text, false)
}

/// Text printed for people, as [`clean`] but keeping the line breaks the program wrote. Every
/// line the CLI prints passes through it (`say!`, `tell!`).
pub fn terminal(text: &str) -> Cow<'_, str> {
    escaped(text, true)
}

/// serde_json's compact or pretty writer, with the characters [`unsafe_for_terminal`] written
/// as `\u` escapes inside strings (serde_json escapes only the C0 controls itself): the JSON means
/// exactly the same, and prints safely.
struct SafeJson<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeJson<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| unsafe_for_terminal(*c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            // Every such character is in the Basic Multilingual Plane: one \u escape.
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// A value as pretty JSON that is safe on a terminal (see [`SafeJson`]).
pub fn safe_json_pretty<T: serde::Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        SafeJson(serde_json::ser::PrettyFormatter::new()),
    );
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    // The formatter writes only what serde_json writes, and ASCII escapes: UTF-8 still.
    String::from_utf8(out).unwrap_or_default()
}

/// A value as one line of compact JSON that is safe on a terminal (see [`SafeJson`]).
pub fn safe_json_line<T: serde::Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        SafeJson(serde_json::ser::CompactFormatter),
    );
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Output format of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per finding, then a summary.
    Text,
    /// The whole report as JSON.
    Json,
}

/// Where a finding is: the line of a CSV file the core read it on (`line 7`; blank lines and
/// line breaks inside quoted cells counted), or `transactions[5]` of a JSON file.
pub fn location(issue: &Issue, csv: bool) -> Option<String> {
    if let Some(line) = issue.line {
        return Some(format!("line {line}"));
    }
    let row = issue.row?;
    Some(if csv {
        format!("row {row}")
    } else {
        format!("transactions[{row}]")
    })
}

/// One finding as a line: `line 4: error balance_mismatch (id t3, balance): ...`, with what came
/// from the input escaped ([`clean`]).
pub fn finding_line(issue: &Issue, csv: bool) -> String {
    let mut line = String::new();
    if let Some(at) = location(issue, csv) {
        line.push_str(&at);
        line.push_str(": ");
    }
    line.push_str(&format!("{} {}", issue.severity, issue.code));
    let about: Vec<String> = [
        issue.id.as_ref().map(|id| format!("id {}", clean(id))),
        issue.field.map(|f| f.to_string()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !about.is_empty() {
        line.push_str(&format!(" ({})", about.join(", ")));
    }
    line.push_str(": ");
    line.push_str(&clean(&issue.message));
    line
}

/// Prints every finding listed, one a line, then a line for each code with findings counted
/// but not listed.
pub fn print_findings(loaded: &Loaded, out: &mut dyn Write) {
    for issue in &loaded.prepared.report.issues {
        let _ = writeln!(out, "{}", finding_line(issue, loaded.csv));
    }
    for omitted in &loaded.prepared.report.omitted {
        let _ = writeln!(out, "{}", omitted_line(omitted));
    }
}

/// E.g. `... and 998,999 more balance_mismatch errors not listed (see --max-findings)`.
pub fn omitted_line(omitted: &bankfeeds::validate::Omitted) -> String {
    format!("{} (see --max-findings)", omitted_text(omitted))
}

/// E.g. `... and 998,999 more balance_mismatch errors not listed`: a push lists the first
/// 1,000 of a code, whatever --max-findings says.
pub fn omitted_text(omitted: &bankfeeds::validate::Omitted) -> String {
    format!(
        "... and {} more {} {}{} not listed",
        grouped(omitted.count),
        omitted.code,
        omitted.severity,
        if omitted.count == 1 { "" } else { "s" }
    )
}

/// E.g. `... and 999,000 more balance_replaced changes not listed (see --max-findings)`.
pub fn omitted_changes_line(omitted: &bankfeeds::normalise::OmittedChanges) -> String {
    format!(
        "... and {} more {} change{} not listed (see --max-findings)",
        grouped(omitted.count),
        omitted.kind.as_str(),
        if omitted.count == 1 { "" } else { "s" }
    )
}

/// Every change normalisation made, listed or not.
pub fn change_count(loaded: &Loaded) -> usize {
    loaded.prepared.changes.len()
        + loaded
            .changes_omitted
            .iter()
            .map(|o| o.count)
            .sum::<usize>()
}

/// A count with its thousands separated by commas: `998,999`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The closing line of `validate`.
pub fn summary(loaded: &Loaded, platform: Platform) -> String {
    let p = &loaded.prepared;
    let errors = p.report.error_count();
    let warnings = p.report.warning_count();
    let verdict = if errors == 0 {
        // The core's batches: at most the batch size, and within the push body byte limit.
        let batches = loaded.batches;
        format!("ready to push in {batches} batch(es)")
    } else {
        "not ready to push".to_owned()
    };
    let changes = match change_count(loaded) {
        0 => String::new(),
        n => format!(", {n} normalisation change(s)"),
    };
    format!(
        "{} row(s) read, {} transaction(s), {errors} error(s), {warnings} warning(s){changes} ({} rules): {verdict}",
        p.rows_read,
        loaded.transactions,
        platform.profile().name,
    )
}

/// The report as JSON: counts, every finding (with its CSV `line`, as the core found it) and
/// every change. Safe to print on a terminal (see [`SafeJson`]).
pub fn json_report(path: &Path, loaded: &Loaded, platform: Platform) -> String {
    let p = &loaded.prepared;
    let issues: Vec<Value> = p
        .report
        .issues
        .iter()
        .map(|issue| serde_json::to_value(issue).unwrap_or(Value::Null))
        .collect();
    let mut report = json!({
        "file": path.display().to_string(),
        "format": if loaded.csv { "csv" } else { "json" },
        "platform": platform.as_str(),
        "valid": p.is_valid() && loaded.unreadable().is_none(),
        "rowsRead": p.rows_read,
        "transactions": loaded.transactions,
        "batchSize": p.batch_size,
        "batches": loaded.batches,
        "streamed": loaded.streamed.as_ref().is_some_and(|s| s.in_memory.is_none()),
        "errors": p.report.error_count(),
        "warnings": p.report.warning_count(),
        "issues": issues,
        "changes": p.changes,
    });
    // Only a streamed file's report omits anything: other reports keep their keys.
    if !p.report.omitted.is_empty() {
        report["omitted"] = json!(p.report.omitted);
    }
    if !loaded.changes_omitted.is_empty() {
        report["changesOmitted"] = json!(loaded.changes_omitted);
    }
    safe_json_pretty(&report)
}
