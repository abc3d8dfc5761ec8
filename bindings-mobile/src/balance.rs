//! Running balances: filled forward or backward, and verified to the cent.

use bankfeeds::balance;

use crate::convert::row;
use crate::error::BankFeedsError;
use crate::pipeline::read;
use crate::report::Field;
use crate::transaction::Transaction;
use crate::types::Money;

/// Transactions with every balance set, and the balances either side of them.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BalanceChain {
    /// The transactions, in the order given, each with the balance after it.
    pub transactions: Vec<Transaction>,
    /// The balance before the first transaction.
    pub opening: Money,
    /// The balance after the last transaction: what the account shows.
    pub closing: Money,
}

/// A running balance past what a decimal holds: a validation error with the `balance_overflow`
/// finding on the row's `balance` (the value that cannot be computed), as in Python and
/// JavaScript. Rows are taken as given, so the transaction's index is its row.
fn overflow(e: balance::BalanceOverflow) -> BankFeedsError {
    let mut report = bankfeeds::validate::ValidationReport::new();
    report.push(
        bankfeeds::validate::Issue::new(bankfeeds::validate::Code::BalanceOverflow, e.to_string())
            .at_row(e.row)
            .with_id(&e.id)
            .on(bankfeeds::validate::Field::Balance),
    );
    BankFeedsError::Validation {
        report: report.into(),
    }
}

fn amount(m: &Money, what: &str) -> Result<bankfeeds::money::Decimal, BankFeedsError> {
    m.decimal()
        .map_err(|e| BankFeedsError::option(Some(Field::Balance), format!("{what}: {e}")))
}

/// Sets every balance from one end of the chain, exactly, in the order given: forward from an
/// opening balance (before the first transaction) or backward from a closing one (after the
/// last, what the bank shows today). The name in every language (`docs/contract.md`);
/// `fillBalancesForward` and `fillBalancesBackward` are its deprecated forms.
///
/// ```kotlin
/// val chain = fillBalances(transactions, BalanceFill.Closing(BigDecimal("2496.80")))
/// ```
#[uniffi::export]
pub fn fill_balances(
    transactions: Vec<Transaction>,
    anchor: crate::context::BalanceFill,
) -> Result<BalanceChain, BankFeedsError> {
    let anchor = anchor.to_core()?;
    let mut txs = read(transactions)?;
    let (opening, closing) = balance::fill(&mut txs, anchor).map_err(overflow)?;
    Ok(BalanceChain {
        transactions: txs.into_iter().map(Transaction::from).collect(),
        opening: opening.into(),
        closing: closing.into(),
    })
}

/// Deprecated: `fillBalances(transactions, BalanceFill.Opening(...))`. Sets every balance
/// forward from the balance before the first transaction, exactly
/// (`balance = previous balance + amount`). The transactions are taken in the order given.
///
/// ```kotlin
/// val chain = fillBalancesForward(transactions, opening = BigDecimal("100.00"))
/// chain.closing // BigDecimal, exact to the cent
/// ```
#[uniffi::export]
pub fn fill_balances_forward(
    transactions: Vec<Transaction>,
    opening: Money,
) -> Result<BalanceChain, BankFeedsError> {
    let opening_value = amount(&opening, "opening balance")?;
    let mut txs = read(transactions)?;
    let closing = balance::fill_forward(&mut txs, opening_value).map_err(overflow)?;
    Ok(BalanceChain {
        transactions: txs.into_iter().map(Transaction::from).collect(),
        opening: opening_value.into(),
        closing: closing.into(),
    })
}

/// Deprecated: `fillBalances(transactions, BalanceFill.Closing(...))`. Sets every balance
/// backward from the balance after the last transaction (what the bank shows today), exactly. The transactions are taken in the order given.
#[uniffi::export]
pub fn fill_balances_backward(
    transactions: Vec<Transaction>,
    closing: Money,
) -> Result<BalanceChain, BankFeedsError> {
    let closing_value = amount(&closing, "closing balance")?;
    let mut txs = read(transactions)?;
    let opening = balance::fill_backward(&mut txs, closing_value).map_err(overflow)?;
    Ok(BalanceChain {
        transactions: txs.into_iter().map(Transaction::from).collect(),
        opening: opening.into(),
        closing: closing_value.into(),
    })
}

/// A row whose balance does not follow from the one before.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BalanceBreak {
    /// Zero-based row.
    pub row: u32,
    /// The row's transaction id.
    pub id: String,
    /// Previous balance plus this amount.
    pub expected: Money,
    /// The balance the row carries.
    pub found: Money,
    /// `found - expected`: how far the row is off.
    pub difference: Money,
}

/// What [`verify_balances`] found.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChainReport {
    /// Every row whose balance is not the previous balance plus its amount, in row order.
    pub breaks: Vec<BalanceBreak>,
    /// Rows without a balance (bridged: the next balance is checked across them).
    pub missing: Vec<u32>,
    /// Rows whose expected balance is out of the range of an exact decimal.
    pub overflows: Vec<u32>,
    /// True when every row with a balance follows from the one before.
    pub intact: bool,
}

/// Checks each balance against the previous balance plus the row's amount, to the cent. A
/// mistyped balance shows as a break on its row and the next; a missing transaction as one break
/// where the jump is. With an `opening` balance the first row is checked too.
#[uniffi::export]
pub fn verify_balances(
    transactions: Vec<Transaction>,
    opening: Option<Money>,
) -> Result<ChainReport, BankFeedsError> {
    let opening = opening.map(|o| amount(&o, "opening balance")).transpose()?;
    let txs = read(transactions)?;
    let report = balance::verify(&txs, opening);
    Ok(ChainReport {
        intact: report.is_intact(),
        breaks: report
            .breaks
            .into_iter()
            .map(|b| BalanceBreak {
                row: row(b.row),
                difference: b.difference().into(),
                id: b.id,
                expected: b.expected.into(),
                found: b.found.into(),
            })
            .collect(),
        missing: report.missing.into_iter().map(row).collect(),
        overflows: report.overflows.into_iter().map(row).collect(),
    })
}
