//! Findings as data: every issue with its code, severity, row, id, field and message.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Code;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Codat or the platform would refuse the push, or the books would be wrong: nothing is sent.
    Error,
    /// Worth a look, but the push can go ahead.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The variants of `Field` with their docs: the one list the enum and the bindings' mirrors of
/// it are declared from. `field_variants!(then! { tokens } rest)` expands to
/// `then! { tokens { variants } rest }`.
#[doc(hidden)]
#[macro_export]
macro_rules! field_variants {
    ($then:ident ! { $($before:tt)* } $($after:tt)*) => {
        $then! { $($before)* {
            /// `id`
            Id,
            /// `date`
            Date,
            /// `description`
            Description,
            /// `counterparty`
            Counterparty,
            /// `reference`
            Reference,
            /// `reconciled`
            Reconciled,
            /// `amount`
            Amount,
            /// `balance`
            Balance,
            /// `transactionType`
            TransactionType,
            /// The row's clearing status (`status` column of an input file; not sent to Codat).
            Status,
            /// `accountId`
            AccountId,
            /// The source account's `currency`.
            Currency,
            /// The source account's `sortCode`.
            SortCode,
            /// The source account's `status`.
            AccountStatus,
            /// The source account's `feedStartDate`.
            FeedStartDate,
            /// The whole list of `transactions`.
            Transactions,
        } $($after)* }
    };
}

crate::field_variants!(declare_enum! {
    /// The field of a transaction or account a finding is about, named as on the wire.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[non_exhaustive]
    pub enum Field
});

impl Field {
    /// Every field.
    pub const ALL: &'static [Field] = &[
        Field::Id,
        Field::Date,
        Field::Description,
        Field::Counterparty,
        Field::Reference,
        Field::Reconciled,
        Field::Amount,
        Field::Balance,
        Field::TransactionType,
        Field::Status,
        Field::AccountId,
        Field::Currency,
        Field::SortCode,
        Field::AccountStatus,
        Field::FeedStartDate,
        Field::Transactions,
    ];

    /// The wire name, e.g. `transactionType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Date => "date",
            Field::Description => "description",
            Field::Counterparty => "counterparty",
            Field::Reference => "reference",
            Field::Reconciled => "reconciled",
            Field::Amount => "amount",
            Field::Balance => "balance",
            Field::TransactionType => "transactionType",
            Field::Status => "status",
            Field::AccountId => "accountId",
            Field::Currency => "currency",
            Field::SortCode => "sortCode",
            Field::AccountStatus => "accountStatus",
            Field::FeedStartDate => "feedStartDate",
            Field::Transactions => "transactions",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding.
///
/// `row` is the zero-based position of the transaction in the input as the caller gave it (after
/// normalisation re-orders rows, findings still point at the input row). `line` is the line of a
/// CSV file the row starts on, as read (blank lines and quoted line breaks counted), when the
/// input was a CSV file.
///
/// Input text a finding quotes (in its message, `id`, `expected` or `found`) is cut to
/// [`crate::text::MAX_ECHO_CHARS`] characters, with an ellipsis and its full length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Stable machine-readable code, e.g. `balance_mismatch`.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Zero-based input row, when the finding is about one transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// The line of the CSV file the row (or the problem) is on, counting from 1, when the input
    /// was a CSV file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The transaction's id, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The field at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// A sentence for a person.
    pub message: String,
    /// The value that was expected, where there is one (e.g. the balance the chain implies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The value that was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
}

impl Issue {
    /// A finding with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Issue {
            code,
            severity: code.default_severity(),
            row: None,
            line: None,
            id: None,
            field: None,
            message: crate::text::bounded(message.into()),
            expected: None,
            found: None,
        }
    }

    /// Sets the row.
    pub fn at_row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }

    /// Sets the line of the input file.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the transaction id (empty ids are left out; long ones are cut, see [`Issue`]).
    pub fn with_id(mut self, id: &str) -> Self {
        if !id.is_empty() {
            self.id = Some(crate::text::quote_str(id));
        }
        self
    }

    /// Sets the field.
    pub fn on(mut self, field: Field) -> Self {
        self.field = Some(field);
        self
    }

    /// Overrides the severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Records what was expected and what was found.
    pub fn expected_found(mut self, expected: impl ToString, found: impl ToString) -> Self {
        self.expected = Some(quoted(expected.to_string()));
        self.found = Some(quoted(found.to_string()));
        self
    }

    /// Records what was found.
    pub fn found(mut self, found: impl ToString) -> Self {
        self.found = Some(quoted(found.to_string()));
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A value as a finding quotes it (see [`Issue`]).
fn quoted(value: String) -> String {
    crate::text::quote(value)
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.severity, self.code)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(row) = self.row {
            write!(f, " row {row}")?;
        }
        if let Some(id) = &self.id {
            write!(f, " (id {id})")?;
        }
        if let Some(field) = self.field {
            write!(f, " {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything found in one pass, errors and warnings together, ordered by row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// Every finding.
    pub issues: Vec<Issue>,
}

impl ValidationReport {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a finding.
    pub fn push(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    /// Adds every finding of another report.
    pub fn extend(&mut self, other: ValidationReport) {
        self.issues.extend(other.issues);
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Issue> {
        self.issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.errors().count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.warnings().count()
    }

    /// True when there is no error (warnings allowed): the rows may be pushed.
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// True when there is no finding at all.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    /// The findings with this code.
    pub fn with_code(&self, code: Code) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(move |i| i.code == code)
    }

    /// Orders findings by row (findings without a row first), keeping the order of findings on the
    /// same row, so a reader sees each row's problems together.
    pub fn sort(&mut self) {
        self.issues.sort_by_key(|i| i.row.map_or(0, |r| r + 1));
    }

    /// Sets the `line` of every finding about a row from the line each input row starts on
    /// ([`crate::ingest::RawBatch::lines`] of a CSV file); findings that already name a line keep
    /// it.
    pub fn locate_lines(&mut self, lines: &[usize]) {
        if lines.is_empty() {
            return;
        }
        self.locate_lines_with(|r| lines.get(r).copied());
    }

    /// [`ValidationReport::locate_lines`], the line of a row given by `line_of`.
    pub(crate) fn locate_lines_with(&mut self, line_of: impl Fn(usize) -> Option<usize>) {
        for issue in &mut self.issues {
            if issue.line.is_none()
                && let Some(line) = issue.row.and_then(&line_of)
            {
                issue.line = Some(line);
            }
        }
    }

    /// Rewrites rows through a map from position to input row (used after rows were re-ordered
    /// or some were set aside).
    pub fn remap_rows(&mut self, source_rows: &[usize]) {
        for issue in &mut self.issues {
            if let Some(r) = issue.row
                && let Some(&src) = source_rows.get(r)
            {
                issue.row = Some(src);
            }
        }
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for issue in &self.issues {
            writeln!(f, "{issue}")?;
        }
        write!(
            f,
            "{} error(s), {} warning(s)",
            self.error_count(),
            self.warning_count()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_listed_once_with_its_wire_name() {
        let names: std::collections::HashSet<_> = Field::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(names.len(), Field::ALL.len());
        for f in Field::ALL {
            let json = serde_json::to_string(f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
        }
    }
}
