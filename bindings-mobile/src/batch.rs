//! Splitting transactions into push bodies.

use bankfeeds::batch;

use crate::error::BankFeedsError;
use crate::pipeline::read;
use crate::transaction::Transaction;

/// One push: an account and at most 1000 of its transactions, as Codat's
/// `POST .../push/bankAccounts/{accountId}/bankTransactions` takes them.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PushBody {
    /// The source account.
    pub account_id: String,
    /// The transactions, in order.
    pub transactions: Vec<Transaction>,
}

/// Splits transactions into push bodies for one account, in order, each with at most
/// `batch_size` transactions (clamped to 1..1000; `null` means 1000). The bodies concatenate back
/// to the input.
#[uniffi::export]
pub fn push_bodies(
    account_id: String,
    transactions: Vec<Transaction>,
    batch_size: Option<u32>,
) -> Result<Vec<PushBody>, BankFeedsError> {
    let size = batch_size.map_or(usize::MAX, |s| usize::try_from(s).unwrap_or(usize::MAX));
    let txs = read(transactions)?;
    Ok(batch::push_bodies(&account_id, txs, size)
        .into_iter()
        .map(|body| PushBody {
            account_id: body.account_id,
            transactions: body
                .transactions
                .into_iter()
                .map(Transaction::from)
                .collect(),
        })
        .collect())
}
