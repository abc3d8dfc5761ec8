//! Prepare and validate: one call per list of transactions.

use bankfeeds::ingest::{self, InputFormat, RawTransaction};
use bankfeeds::pipeline;

use crate::context::{PrepareOptions, ValidationContext};
use crate::convert::row;
use crate::error::BankFeedsError;
use crate::report::{Change, ValidationReport};
use crate::transaction::Transaction;

/// Transactions ready to push, with every finding and every change normalisation made.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Prepared {
    /// The normalised transactions, oldest first. Rows that could not be read (a malformed
    /// amount or date) are not here; each has an error in `report`.
    pub transactions: Vec<Transaction>,
    /// For each transaction, its row in the list passed in.
    pub source_rows: Vec<u32>,
    /// Every change normalisation made.
    pub changes: Vec<Change>,
    /// Every finding, by input row.
    pub report: ValidationReport,
    /// Transactions per push for this platform and these options.
    pub batch_size: u32,
    /// Rows read from the input.
    pub rows_read: u32,
}

impl From<pipeline::Prepared> for Prepared {
    fn from(p: pipeline::Prepared) -> Self {
        Prepared {
            transactions: p.transactions.into_iter().map(Transaction::from).collect(),
            source_rows: p.source_rows.into_iter().map(row).collect(),
            changes: p.changes.into_iter().map(Change::from).collect(),
            report: p.report.into(),
            batch_size: row(p.batch_size),
            rows_read: row(p.rows_read),
        }
    }
}

impl PrepareOptions {
    fn to_core(&self) -> Result<pipeline::PrepareOptions, BankFeedsError> {
        let mut options = pipeline::PrepareOptions::for_context(self.context.to_core()?);
        options.normalise = self.normalise.to_core(self.context.platform)?;
        // The anchor through the core's one way of setting it: an opening balance is also the
        // context's, so the first row is checked against it, as in every language.
        let anchor = options.normalise.balances;
        options.anchor(anchor);
        Ok(options)
    }
}

/// Normalises and validates transactions in one call: trims text, drops exact duplicates, infers
/// missing types, sorts oldest first, fills balances when asked, then applies Codat's and the
/// platform's rules. Bad values (an amount with 40 digits, the year 10000) are findings on their
/// row, not exceptions.
///
/// Throws `BankFeedsException.InvalidInput` only for an unusable option (for example an opening
/// balance out of range).
///
/// ```kotlin
/// val prepared = prepare(rows, PrepareOptions(ValidationContext(Platform.XERO, LocalDate.now())))
/// if (prepared.report.valid) pushBodies(accountId, prepared.transactions, prepared.batchSize)
/// ```
#[uniffi::export]
pub fn prepare(
    transactions: Vec<Transaction>,
    options: PrepareOptions,
) -> Result<Prepared, BankFeedsError> {
    let options = options.to_core()?;
    let rows = transactions.into_iter().map(RawTransaction::from);
    Ok(pipeline::prepare(rows, &options).into())
}

/// The format of a file handed to [`prepare_file`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FileFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of transactions, or a push body (`{"accountId": ..., "transactions": [...]}`).
    Json,
}

impl FileFormat {
    fn to_core(self) -> InputFormat {
        match self {
            FileFormat::Csv => InputFormat::Csv,
            FileFormat::Json => InputFormat::Json,
        }
    }
}

/// [`prepare`] for the contents of a CSV or JSON file, as bytes. Rows in findings are data rows;
/// findings about the rows of a CSV file also carry the `line` the row is on.
#[uniffi::export]
pub fn prepare_file(
    contents: Vec<u8>,
    format: FileFormat,
    options: PrepareOptions,
) -> Result<Prepared, BankFeedsError> {
    let options = options.to_core()?;
    Ok(pipeline::prepare_file(&contents, format.to_core(), &options).into())
}

/// Validates transactions as given, changing nothing: every finding at once, by row. Unlike
/// [`prepare`], nothing is trimmed, de-duplicated, inferred or sorted first, so rows out of date
/// order are reported (`NOT_CHRONOLOGICAL`) rather than sorted.
#[uniffi::export]
pub fn validate(
    transactions: Vec<Transaction>,
    context: ValidationContext,
) -> Result<ValidationReport, BankFeedsError> {
    let rows = transactions.into_iter().map(RawTransaction::from);
    Ok(pipeline::validate(rows, &context.to_core()?).into())
}

/// [`validate`] for the contents of a CSV or JSON file, as bytes: its rows as given. Findings
/// about the rows of a CSV file also carry the `line` the row is on.
#[uniffi::export]
pub fn validate_file(
    contents: Vec<u8>,
    format: FileFormat,
    context: ValidationContext,
) -> Result<ValidationReport, BankFeedsError> {
    let context = context.to_core()?;
    Ok(pipeline::validate_file(&contents, format.to_core(), &context).into())
}

/// The codes of the core's table of error kinds (`bankfeeds::ErrorCode`), in its order: every
/// `BankFeedsError`'s `code()` is one of them.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    bankfeeds::ErrorCode::all_codes()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Reads typed transactions for the functions that compute with them (balances, batches): values
/// the core cannot read are a `Validation` error with every finding, each naming its row and
/// field.
pub(crate) fn read(
    transactions: Vec<Transaction>,
) -> Result<Vec<bankfeeds::model::BankTransaction>, BankFeedsError> {
    let rows = transactions.into_iter().map(RawTransaction::from);
    let ingested = ingest::ingest(rows, &ingest::IngestOptions::default());
    if ingested.report.is_valid() {
        Ok(ingested.transactions)
    } else {
        // Rows that cannot be used are a validation error with every finding, as in Python and
        // JavaScript; `InvalidInput` is for the other values passed in.
        Err(BankFeedsError::Validation {
            report: ingested.report.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{BalanceFill, NormaliseOptions, Platform};
    use crate::types::{CalendarDate, Money};

    fn options(balances: Option<BalanceFill>) -> PrepareOptions {
        PrepareOptions {
            context: ValidationContext {
                platform: Platform::Xero,
                today: CalendarDate("2024-06-01".into()),
                account: None,
                opening_balance: None,
                latest_existing: None,
                country: None,
                rules: None,
            },
            normalise: NormaliseOptions {
                balances,
                ..Default::default()
            },
        }
    }

    #[test]
    fn an_opening_anchor_is_also_the_opening_balance_checked() {
        let opening = Some(BalanceFill::Opening {
            balance: Money("12.30".into()),
        });
        let core = options(opening).to_core().unwrap();
        let expected = bankfeeds::money::Decimal::new(1230, 2);
        assert_eq!(core.context.opening_balance, Some(expected));
        assert_eq!(
            core.normalise.balances,
            bankfeeds::normalise::BalanceFill::Opening(expected)
        );
        let closing = Some(BalanceFill::Closing {
            balance: Money("12.30".into()),
        });
        assert_eq!(
            options(closing).to_core().unwrap().context.opening_balance,
            None
        );
    }
}
