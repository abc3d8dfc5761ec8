//! Validation findings and normalisation changes, as data: Kotlin data classes and enum classes,
//! Swift structs and enums.

use bankfeeds::normalise;
use bankfeeds::validate;

use crate::convert::row;

mirror_enum! {
    /// A stable code naming what a finding is about. Codes never change meaning; messages may be
    /// reworded. `Issue.codeText` is the same code as text (`balance_mismatch`), as every
    /// bankfeeds binding and the CLI print it.
    pub enum Code mirrors validate::Code {
        /// A required field (`id`, `date`, `amount`) is absent or null.
        MissingField,
        /// An amount or balance is not an exact decimal number (too many digits, out of range).
        InvalidNumber,
        /// A date is not an ISO 8601 date, or is impossible (February 30th).
        InvalidDate,
        /// A value has the wrong type or is not one of the allowed values.
        InvalidValue,
        /// An input column or key that bankfeeds does not know; its values are not sent.
        UnknownColumn,
        /// The input file cannot be read as CSV or JSON.
        MalformedInput,
        /// The row is pending, not cleared; Codat takes cleared transactions only.
        NotCleared,
        /// A transaction id is empty.
        EmptyId,
        /// Two transactions share an id.
        DuplicateId,
        /// Two rows share an id but differ in other fields.
        ConflictingDuplicate,
        /// A row repeated exactly; normalisation keeps the first and reports the rest.
        ExactDuplicate,
        /// The amount's sign contradicts the transaction type (a `Debit` with a positive amount).
        SignMismatch,
        /// The platform decides direction by type, whatever the sign (FreeAgent).
        TypeDecidesDirection,
        /// A transaction type this version does not know.
        UnknownTransactionType,
        /// The platform accepts fewer transaction types than the spec lists.
        UnsupportedTransactionType,
        /// An amount of zero.
        ZeroAmount,
        /// More decimal places than the account's currency has.
        TooManyDecimals,
        /// A transaction is dated before the one above it; Codat takes them oldest first.
        NotChronological,
        /// A balance is not the previous balance plus this amount.
        BalanceMismatch,
        /// A balance is missing where the platform needs one.
        MissingBalance,
        /// A running balance exceeds the range of an exact decimal.
        BalanceOverflow,
        /// A transaction dated after today.
        FutureDate,
        /// A transaction older than the platform accepts (Xero: one year).
        DateTooOld,
        /// A transaction dated before the account's feed start date.
        BeforeFeedStart,
        /// A transaction older than the most recent one already on the account.
        OlderThanLatest,
        /// A time-zone offset was dropped from a date; Codat books the wall-clock time as written.
        OffsetDropped,
        /// A description is missing where the platform needs one.
        MissingDescription,
        /// A description longer than the platform accepts.
        DescriptionTooLong,
        /// A counterparty longer than the platform accepts.
        CounterpartyTooLong,
        /// A reference longer than the platform accepts.
        ReferenceTooLong,
        /// A field the platform ignores; it will not show in the accounting software.
        FieldIgnored,
        /// More transactions in one push than the platform takes.
        BatchTooLarge,
        /// Nothing to push.
        EmptyBatch,
        /// Rows for more than one account in one push.
        MultipleAccounts,
        /// The source account is not `connected` yet (or no longer).
        AccountNotConnected,
        /// A GBP account without a sort code.
        SortCodeRequired,
        /// A sort code that is not six digits.
        InvalidSortCode,
        /// A currency code that is not ISO 4217.
        UnknownCurrency,
        /// The platform's bank feeds do not serve this region.
        UnsupportedRegion,
        /// The platform does not take this kind of account.
        UnsupportedAccountType,
    }
    extra {
        /// A code added to bankfeeds after this binding was built; `Issue.codeText` names it.
        Unrecognised
    }
}

bankfeeds::field_variants!(mirror_enum! {
    /// The field of a transaction or account a finding or change is about.
    pub enum Field mirrors validate::Field
});

bankfeeds::change_kind_variants!(mirror_enum! {
    /// What kind of change normalisation made.
    pub enum ChangeKind mirrors normalise::ChangeKind
} extra {
    /// A kind added to bankfeeds after this binding was built; `Change.message` says what.
    Unrecognised
});

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Severity {
    /// Codat or the platform would refuse the push, or the books would be wrong: nothing is sent.
    Error,
    /// Worth a look, but the push can go ahead.
    Warning,
}

impl From<validate::Severity> for Severity {
    fn from(s: validate::Severity) -> Self {
        match s {
            validate::Severity::Error => Severity::Error,
            validate::Severity::Warning => Severity::Warning,
        }
    }
}

/// One finding.
///
/// `row` is the zero-based position of the transaction in the list passed in, even after
/// `prepare` re-ordered or dropped rows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Issue {
    /// What the finding is about.
    pub code: Code,
    /// The code as text, e.g. `balance_mismatch`: the same in every binding, for logs.
    pub code_text: String,
    /// Error or warning.
    pub severity: Severity,
    /// Zero-based input row, when the finding is about one transaction.
    pub row: Option<u32>,
    /// The line of a CSV file the finding is on (from 1; blank lines and line breaks inside
    /// quoted cells counted), when the input was a CSV file ([`crate::prepare_file`]).
    pub line: Option<u32>,
    /// The transaction's id, when it has one.
    pub id: Option<String>,
    /// The field at fault.
    pub field: Option<Field>,
    /// A sentence for a person.
    pub message: String,
    /// The value that was expected, where there is one (e.g. the balance the chain implies).
    pub expected: Option<String>,
    /// The value that was found.
    pub found: Option<String>,
}

impl From<validate::Issue> for Issue {
    fn from(i: validate::Issue) -> Self {
        Issue {
            code: Code::from_core(&i.code),
            code_text: i.code.as_str().to_owned(),
            severity: i.severity.into(),
            row: i.row.map(row),
            line: i.line.map(row),
            id: i.id,
            field: i.field.as_ref().and_then(Field::from_core),
            message: i.message,
            expected: i.expected,
            found: i.found,
        }
    }
}

/// Every finding, errors and warnings, all at once. Findings are data: nothing is thrown for a
/// bad transaction; only a push refuses a report with errors (`BankFeedsException.Validation`).
///
/// ```kotlin
/// val report = validate(transactions, ValidationContext(Platform.XERO, LocalDate.now()))
/// if (!report.valid) report.issues.filter { it.severity == Severity.ERROR }.forEach { println(it.message) }
/// ```
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ValidationReport {
    /// Every finding, ordered by row (findings about no row first).
    pub issues: Vec<Issue>,
    /// How many findings are errors.
    pub error_count: u32,
    /// How many findings are warnings.
    pub warning_count: u32,
    /// True when no finding is an error: nothing stops a push.
    pub valid: bool,
    /// The report as the CLI prints it: one line per finding, then the counts.
    pub summary: String,
}

impl From<validate::ValidationReport> for ValidationReport {
    fn from(r: validate::ValidationReport) -> Self {
        ValidationReport {
            error_count: row(r.error_count()),
            warning_count: row(r.warning_count()),
            valid: r.is_valid(),
            summary: r.to_string(),
            issues: r.issues.into_iter().map(Issue::from).collect(),
        }
    }
}

/// One change normalisation made. A change to one row names the row; a change to many rows
/// (sorting, inferring types, computing balances) is one entry listing the rows it touched.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// The input row, for a change to one row.
    pub row: Option<u32>,
    /// That row's id.
    pub id: Option<String>,
    /// The field changed.
    pub field: Option<Field>,
    /// The value before.
    pub before: Option<String>,
    /// The value after.
    pub after: Option<String>,
    /// For a change to many rows, the input rows it touched.
    pub rows: Vec<u32>,
    /// A sentence for a person.
    pub message: String,
}

impl From<normalise::Change> for Change {
    fn from(c: normalise::Change) -> Self {
        Change {
            kind: ChangeKind::from_core(&c.kind),
            row: c.row.map(row),
            id: c.id,
            field: c.field.as_ref().and_then(Field::from_core),
            before: c.before,
            after: c.after,
            rows: c.rows.into_iter().map(row).collect(),
            message: c.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_code_has_its_own_variant() {
        let mut seen = std::collections::HashSet::new();
        for &c in validate::Code::ALL {
            let mobile = Code::from_core(&c);
            assert_ne!(
                mobile,
                Code::Unrecognised,
                "{c} has no variant in the binding"
            );
            assert!(
                seen.insert(mobile),
                "{c} maps to a variant taken by another code"
            );
        }
    }

    #[test]
    fn every_core_field_and_change_kind_has_its_own_variant() {
        let fields: std::collections::HashSet<_> = validate::Field::ALL
            .iter()
            .map(|f| Field::from_core(f).unwrap_or_else(|| panic!("{f} has no variant")))
            .collect();
        assert_eq!(fields.len(), validate::Field::ALL.len());
        let kinds: std::collections::HashSet<_> = normalise::ChangeKind::ALL
            .iter()
            .map(ChangeKind::from_core)
            .collect();
        assert!(!kinds.contains(&ChangeKind::Unrecognised), "{kinds:?}");
        assert_eq!(kinds.len(), normalise::ChangeKind::ALL.len());
    }
}
