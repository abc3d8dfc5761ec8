//! Bank transactions, as Kotlin data classes and Swift structs.

use bankfeeds::ingest::{RawTransaction, RawValue};
use bankfeeds::model::{self, BankTransaction};

use crate::types::{Money, WallClock};

/// One bank statement line, as pushed to Codat.
///
/// `id`, `date` and `amount` are required; the rest may be left out. Amounts are positive for
/// money in and negative for money out; `balance` is the account's balance after the
/// transaction (Xero, Sage, NetSuite, Exact and FreeAgent require it).
///
/// ```kotlin
/// val tx = Transaction(
///     id = "tx-1",
///     date = LocalDateTime.of(2024, 5, 1, 9, 30),
///     amount = BigDecimal("-17.54"),
///     description = "Coffee",
/// )
/// ```
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Transaction {
    /// Identifier, unique for the company in the accounting platform.
    pub id: String,
    /// Local date-time of the transaction, booked as written (no zone conversion).
    pub date: WallClock,
    /// Amount transacted: positive in, negative out.
    pub amount: Money,
    /// Description of the statement line.
    #[uniffi(default = None)]
    pub description: Option<String>,
    /// The other party: a person or organisation.
    #[uniffi(default = None)]
    pub counterparty: Option<String>,
    /// A reference.
    #[uniffi(default = None)]
    pub reference: Option<String>,
    /// Whether the transaction is reconciled in the accounting platform.
    #[uniffi(default = None)]
    pub reconciled: Option<bool>,
    /// The account's balance after this transaction.
    #[uniffi(default = None)]
    pub balance: Option<Money>,
    /// Kind of statement line; inferred from the sign by `prepare` when absent.
    #[uniffi(default = None)]
    pub transaction_type: Option<TransactionType>,
}

impl From<Transaction> for RawTransaction {
    fn from(t: Transaction) -> Self {
        RawTransaction {
            id: RawValue::Text(t.id),
            date: RawValue::Text(t.date.0),
            description: RawValue::text(t.description),
            counterparty: RawValue::text(t.counterparty),
            reference: RawValue::text(t.reference),
            reconciled: t.reconciled.map_or(RawValue::Missing, RawValue::Bool),
            amount: RawValue::Number(t.amount.0),
            balance: t
                .balance
                .map_or(RawValue::Missing, |b| RawValue::Number(b.0)),
            transaction_type: RawValue::text(t.transaction_type.map(|t| t.as_str())),
            status: RawValue::Missing,
            account_id: RawValue::Missing,
            unknown: Vec::new(),
            repeated: Vec::new(),
        }
    }
}

impl From<BankTransaction> for Transaction {
    fn from(t: BankTransaction) -> Self {
        Transaction {
            id: t.id,
            date: t.date.into(),
            amount: t.amount.into(),
            description: t.description,
            counterparty: t.counterparty,
            reference: t.reference,
            reconciled: t.reconciled,
            balance: t.balance.map(Money::from),
            transaction_type: t.transaction_type.and_then(TransactionType::from_core),
        }
    }
}

/// The kind of statement line (`transactionType`), as Codat's spec lists them. Several imply a
/// direction: `Credit`, `Div`, `Dep` and `DirectDep` are money in; `Debit`, `Fee`, `SerChg`,
/// `Check`, `Payment`, `Cash`, `DirectDebit` and `RepeatPmt` are money out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum TransactionType {
    /// Not known.
    Unknown,
    /// Money in.
    Credit,
    /// Money out.
    Debit,
    /// Interest, earned or paid.
    Int,
    /// Dividend received.
    Div,
    /// A fee charged.
    Fee,
    /// A service charge.
    SerChg,
    /// A deposit.
    Dep,
    /// A cash machine transaction, withdrawal or deposit.
    Atm,
    /// A point-of-sale transaction, purchase or refund.
    Pos,
    /// A transfer, in or out.
    Xfer,
    /// A cheque paid.
    Check,
    /// An electronic payment made.
    Payment,
    /// A cash withdrawal.
    Cash,
    /// A direct deposit received.
    DirectDep,
    /// A direct debit collected by a merchant.
    DirectDebit,
    /// A repeating payment or standing order.
    RepeatPmt,
    /// Anything else.
    Other,
}

impl TransactionType {
    /// The spec's spelling, which the core reads.
    fn as_str(self) -> &'static str {
        use TransactionType::*;
        match self {
            Unknown => "Unknown",
            Credit => "Credit",
            Debit => "Debit",
            Int => "Int",
            Div => "Div",
            Fee => "Fee",
            SerChg => "SerChg",
            Dep => "Dep",
            Atm => "Atm",
            Pos => "Pos",
            Xfer => "Xfer",
            Check => "Check",
            Payment => "Payment",
            Cash => "Cash",
            DirectDep => "DirectDep",
            DirectDebit => "DirectDebit",
            RepeatPmt => "RepeatPmt",
            Other => "Other",
        }
    }

    /// The core's type; `None` for a value the core keeps as unrecognised (only reachable from
    /// text, never from a transaction this binding built).
    pub(crate) fn from_core(t: model::TransactionType) -> Option<Self> {
        use model::TransactionType as T;
        Some(match t {
            T::Unknown => Self::Unknown,
            T::Credit => Self::Credit,
            T::Debit => Self::Debit,
            T::Int => Self::Int,
            T::Div => Self::Div,
            T::Fee => Self::Fee,
            T::SerChg => Self::SerChg,
            T::Dep => Self::Dep,
            T::Atm => Self::Atm,
            T::Pos => Self::Pos,
            T::Xfer => Self::Xfer,
            T::Check => Self::Check,
            T::Payment => Self::Payment,
            T::Cash => Self::Cash,
            T::DirectDep => Self::DirectDep,
            T::DirectDebit => Self::DirectDebit,
            T::RepeatPmt => Self::RepeatPmt,
            T::Other => Self::Other,
            _ => return None,
        })
    }

    #[cfg(test)]
    fn to_core(self) -> model::TransactionType {
        model::TransactionType::parse(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_type_has_the_same_spelling_here() {
        for t in model::TransactionType::ALL {
            let mobile = TransactionType::from_core(t.clone()).expect("mapped");
            assert_eq!(mobile.as_str(), t.as_str());
            assert_eq!(mobile.to_core(), *t);
        }
    }
}
