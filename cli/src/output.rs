//! How findings and reports are printed: text for people, JSON for programs.

use std::io::Write;
use std::path::Path;

use bankfeeds::rules::Platform;
use bankfeeds::validate::Issue;
use serde_json::{Value, json};

use crate::input::Loaded;

/// Output format of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per finding, then a summary.
    Text,
    /// The whole report as JSON.
    Json,
}

/// Where a finding is: `line 7` of a CSV file (row + 2: the header is line 1), or
/// `transactions[5]` of a JSON file.
pub fn location(issue: &Issue, csv: bool) -> Option<String> {
    let row = issue.row?;
    Some(if csv {
        format!("line {}", row + 2)
    } else {
        format!("transactions[{row}]")
    })
}

/// One finding as a line: `line 4: error balance_mismatch (id t3, balance): ...`.
pub fn finding_line(issue: &Issue, csv: bool) -> String {
    let mut line = String::new();
    if let Some(at) = location(issue, csv) {
        line.push_str(&at);
        line.push_str(": ");
    }
    line.push_str(&format!("{} {}", issue.severity, issue.code));
    let about: Vec<String> = [
        issue.id.as_ref().map(|id| format!("id {id}")),
        issue.field.map(|f| f.to_string()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !about.is_empty() {
        line.push_str(&format!(" ({})", about.join(", ")));
    }
    line.push_str(": ");
    line.push_str(&issue.message);
    line
}

/// Prints every finding, one a line.
pub fn print_findings(loaded: &Loaded, out: &mut dyn Write) {
    for issue in &loaded.prepared.report.issues {
        let _ = writeln!(out, "{}", finding_line(issue, loaded.csv));
    }
}

/// The closing line of `validate`.
pub fn summary(loaded: &Loaded, platform: Platform) -> String {
    let p = &loaded.prepared;
    let errors = p.report.error_count();
    let warnings = p.report.warning_count();
    let verdict = if errors == 0 {
        let batches = p.transactions.len().div_ceil(p.batch_size.max(1));
        format!("ready to push in {batches} batch(es)")
    } else {
        "not ready to push".to_owned()
    };
    let changes = if p.changes.is_empty() {
        String::new()
    } else {
        format!(", {} normalisation change(s)", p.changes.len())
    };
    format!(
        "{} row(s) read, {} transaction(s), {errors} error(s), {warnings} warning(s){changes} ({} rules): {verdict}",
        p.rows_read,
        p.transactions.len(),
        platform.profile().name,
    )
}

/// The report as JSON: counts, every finding (with its CSV `line`) and every change.
pub fn json_report(path: &Path, loaded: &Loaded, platform: Platform) -> String {
    let p = &loaded.prepared;
    let issues: Vec<Value> = p
        .report
        .issues
        .iter()
        .map(|issue| {
            let mut v = serde_json::to_value(issue).unwrap_or(Value::Null);
            if loaded.csv
                && let (Some(row), Some(map)) = (issue.row, v.as_object_mut())
            {
                map.insert("line".into(), json!(row + 2));
            }
            v
        })
        .collect();
    let report = json!({
        "file": path.display().to_string(),
        "format": if loaded.csv { "csv" } else { "json" },
        "platform": platform.as_str(),
        "valid": p.is_valid() && loaded.unreadable().is_none(),
        "rowsRead": p.rows_read,
        "transactions": p.transactions.len(),
        "batchSize": p.batch_size,
        "errors": p.report.error_count(),
        "warnings": p.report.warning_count(),
        "issues": issues,
        "changes": p.changes,
    });
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

/// Text from a ledger, a file or a server as one line for people: control characters (escape,
/// carriage return, line feed, the C1 controls...) are written as `\x1b` or `\u{9b}`, so a
/// terminal shows them instead of obeying them.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        let code = u32::from(c);
        match c {
            c if !c.is_control() => out.push(c),
            _ if code < 0x80 => out.push_str(&format!("\\x{code:02x}")),
            _ => out.push_str(&format!("\\u{{{code:x}}}")),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn printable_escapes_control_characters_only() {
        assert_eq!(printable("tx-001 Café"), "tx-001 Café");
        assert_eq!(
            printable("a\u{1b}[31mb\r\nc\u{9b}d\u{7f}"),
            "a\\x1b[31mb\\x0d\\x0ac\\u{9b}d\\x7f"
        );
    }
}
