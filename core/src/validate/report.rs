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
///
/// A report of a file read as it streams ([`crate::stream::prepare_path`],
/// [`crate::stream::CsvChecker`]) lists at most a set number of findings of each code (the
/// first ones, in the order the whole file's report gives them) and counts the rest in
/// [`ValidationReport::omitted`], by code and severity, so that its memory does not grow with
/// the file; the counts ([`ValidationReport::error_count`], [`ValidationReport::is_valid`])
/// include what is omitted. A report made whole lists every finding.
///
/// ```
/// use bankfeeds::validate::{Code, Issue, ValidationReport};
/// let mut report = ValidationReport::listing(Some(1));
/// for row in 0..3 {
///     report.push(Issue::new(Code::BalanceMismatch, "balance is off").at_row(row));
/// }
/// assert_eq!(report.issues.len(), 1);
/// assert_eq!(report.omitted[0].count, 2);
/// assert_eq!(report.error_count(), 3);
/// assert!(!report.is_valid());
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ValidationReport {
    /// The findings listed: every one, unless the report was made with a
    /// [`ValidationReport::listing`] limit.
    pub issues: Vec<Issue>,
    /// The findings counted but not listed, by code and severity (in the order of
    /// [`Code`], errors before warnings); empty, and left out of JSON, when every finding is listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub omitted: Vec<Omitted>,
    /// While findings are gathered with a limit: how many of each code to list.
    #[serde(skip)]
    listing: Option<Listing>,
}

/// A report listing these findings.
impl From<Vec<Issue>> for ValidationReport {
    fn from(issues: Vec<Issue>) -> Self {
        ValidationReport {
            issues,
            ..Self::default()
        }
    }
}

/// Two reports are equal when they list the same findings and omit the same counts (however
/// many each would list of findings still to come).
impl PartialEq for ValidationReport {
    fn eq(&self, other: &Self) -> bool {
        self.issues == other.issues && self.omitted == other.omitted
    }
}

impl Eq for ValidationReport {}

/// Findings of one code and severity counted in a report but not listed in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omitted {
    /// Their code.
    pub code: Code,
    /// Their severity.
    pub severity: Severity,
    /// How many.
    pub count: usize,
}

impl fmt::Display for Omitted {
    /// E.g. `... and 998999 more balance_mismatch errors not listed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "... and {} more {} {}{} not listed",
            self.count,
            self.code,
            self.severity,
            if self.count == 1 { "" } else { "s" }
        )
    }
}

/// How many findings of each code a report lists as they are gathered: it keeps, of each
/// code, the first `max` in the order [`ValidationReport::sort`] gives (by row, then as
/// pushed), counting the rest.
#[derive(Debug, Clone)]
struct Listing {
    max: usize,
    /// Of each code listed: how many are listed, and the greatest row key among them.
    codes: Vec<(Code, usize, usize)>,
}

/// The key [`ValidationReport::sort`] orders by: findings without a row first.
fn row_key(issue: &Issue) -> usize {
    issue.row.map_or(0, |r| r + 1)
}

/// How many findings of each code a streamed file's report lists, and how many changes of
/// each kind, unless told otherwise: enough to see what is wrong, few enough that a file
/// where every row has a finding fits in memory.
pub const DEFAULT_MAX_LISTED: usize = 1000;

impl ValidationReport {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty report that lists at most `max` findings of each code (`None`: all of them):
    /// the first ones in the order [`ValidationReport::sort`] gives, whatever order they are
    /// pushed in, the rest counted in [`ValidationReport::omitted`]. Reports merged into it
    /// with [`ValidationReport::extend`] are held to the same limit.
    pub fn listing(max: Option<usize>) -> Self {
        ValidationReport {
            listing: max.map(|max| Listing {
                max,
                codes: Vec::new(),
            }),
            ..Self::default()
        }
    }

    /// Stops limiting the findings listed: later ones are all listed. What is omitted stays
    /// counted.
    pub(crate) fn list_all(&mut self) {
        self.listing = None;
    }

    /// Adds a finding (counted but not listed when the report already lists its limit of
    /// findings of that code that come before it).
    pub fn push(&mut self, issue: Issue) {
        let Some(listing) = &mut self.listing else {
            self.issues.push(issue);
            return;
        };
        let key = row_key(&issue);
        let code = issue.code;
        let at = match listing.codes.iter().position(|c| c.0 == code) {
            Some(at) => at,
            None => {
                listing.codes.push((code, 0, 0));
                listing.codes.len() - 1
            }
        };
        let (_, listed, greatest) = &mut listing.codes[at];
        if *listed < listing.max {
            *listed += 1;
            *greatest = (*greatest).max(key);
            self.issues.push(issue);
            return;
        }
        if *listed == 0 || key >= *greatest {
            count_omitted(&mut self.omitted, code, issue.severity, 1);
            return;
        }
        // It comes before the last one listed of its code, which makes way: the last one of
        // the greatest key.
        let last = self
            .issues
            .iter()
            .rposition(|i| i.code == code && row_key(i) == *greatest)
            .expect("a finding of the greatest key is listed");
        let out = self.issues.remove(last);
        count_omitted(&mut self.omitted, code, out.severity, 1);
        self.issues.push(issue);
        *greatest = self
            .issues
            .iter()
            .filter(|i| i.code == code)
            .map(row_key)
            .max()
            .unwrap_or(0);
    }

    /// Adds every finding of another report, after this one's, and its omitted counts.
    pub fn extend(&mut self, other: ValidationReport) {
        if self.listing.is_none() {
            self.issues.extend(other.issues);
        } else {
            for issue in other.issues {
                self.push(issue);
            }
        }
        for o in other.omitted {
            count_omitted(&mut self.omitted, o.code, o.severity, o.count);
        }
    }

    /// Puts another report's findings (and omitted counts) before the findings from position
    /// `at` on, as if they had been pushed before those.
    pub(crate) fn insert_at(&mut self, at: usize, other: ValidationReport) {
        let rest = self.issues.split_off(at.min(self.issues.len()));
        if let Some(listing) = &mut self.listing {
            listing.codes.clear();
            for issue in &self.issues {
                let key = row_key(issue);
                match listing.codes.iter_mut().find(|c| c.0 == issue.code) {
                    Some((_, listed, greatest)) => {
                        *listed += 1;
                        *greatest = (*greatest).max(key);
                    }
                    None => listing.codes.push((issue.code, 1, key)),
                }
            }
        }
        self.extend(other);
        for issue in rest {
            self.push(issue);
        }
    }

    /// The errors listed.
    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }

    /// The warnings listed.
    pub fn warnings(&self) -> impl Iterator<Item = &Issue> {
        self.issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
    }

    /// Findings counted but not listed, of a severity.
    fn omitted_of(&self, severity: Severity) -> usize {
        self.omitted
            .iter()
            .filter(|o| o.severity == severity)
            .map(|o| o.count)
            .sum()
    }

    /// Number of errors, listed or not.
    pub fn error_count(&self) -> usize {
        self.errors().count() + self.omitted_of(Severity::Error)
    }

    /// Number of warnings, listed or not.
    pub fn warning_count(&self) -> usize {
        self.warnings().count() + self.omitted_of(Severity::Warning)
    }

    /// Number of findings, listed or not.
    pub fn len(&self) -> usize {
        self.issues.len() + self.omitted.iter().map(|o| o.count).sum::<usize>()
    }

    /// True when there is no error, listed or not (warnings allowed): the rows may be pushed.
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none() && self.omitted_of(Severity::Error) == 0
    }

    /// True when there is no finding at all, listed or not.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty() && self.omitted.is_empty()
    }

    /// The findings listed with this code.
    pub fn with_code(&self, code: Code) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(move |i| i.code == code)
    }

    /// How many findings have this code, listed or not.
    pub fn count_of(&self, code: Code) -> usize {
        self.with_code(code).count()
            + self
                .omitted
                .iter()
                .filter(|o| o.code == code)
                .map(|o| o.count)
                .sum::<usize>()
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

/// Adds `count` findings of a code and severity to the omitted counts.
pub(crate) fn count_omitted(
    omitted: &mut Vec<Omitted>,
    code: Code,
    severity: Severity,
    count: usize,
) {
    if count == 0 {
        return;
    }
    // Kept in order of code and severity, however they were counted.
    match omitted.binary_search_by_key(&(code, severity), |o| (o.code, o.severity)) {
        Ok(at) => omitted[at].count += count,
        Err(at) => omitted.insert(
            at,
            Omitted {
                code,
                severity,
                count,
            },
        ),
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for issue in &self.issues {
            writeln!(f, "{issue}")?;
        }
        for omitted in &self.omitted {
            writeln!(f, "{omitted}")?;
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
