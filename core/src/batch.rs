//! Splitting transactions into pushes.
//!
//! Codat takes at most 1000 transactions per push (the spec's `maxItems`), one account at a time,
//! oldest first. Batches keep the input order and concatenate back to it.

use crate::model::{BankTransaction, CreateBankTransactions};

/// Clamps a requested batch size to what a push may carry (1 to 1000).
pub fn clamp_size(size: usize) -> usize {
    size.clamp(1, CreateBankTransactions::MAX_TRANSACTIONS)
}

/// Consecutive slices of at most `size` transactions (clamped to 1..=1000), in order.
pub fn split(txs: &[BankTransaction], size: usize) -> std::slice::Chunks<'_, BankTransaction> {
    txs.chunks(clamp_size(size))
}

/// Push bodies for one account, each with at most `size` transactions (clamped to 1..=1000).
///
/// ```
/// use bankfeeds::{batch, model::BankTransaction};
/// use rust_decimal::Decimal;
/// let txs: Vec<_> = (0..2500)
///     .map(|i| BankTransaction::new(i.to_string(), "2024-01-01".parse().unwrap(), Decimal::ONE))
///     .collect();
/// let bodies = batch::push_bodies("acc-1", txs, 1000);
/// assert_eq!(bodies.iter().map(|b| b.transactions.len()).collect::<Vec<_>>(), [1000, 1000, 500]);
/// ```
pub fn push_bodies(
    account_id: &str,
    txs: Vec<BankTransaction>,
    size: usize,
) -> Vec<CreateBankTransactions> {
    let size = clamp_size(size);
    let mut bodies = Vec::with_capacity(txs.len().div_ceil(size));
    let mut rest = txs.into_iter();
    loop {
        let chunk: Vec<BankTransaction> = rest.by_ref().take(size).collect();
        if chunk.is_empty() {
            break;
        }
        bodies.push(CreateBankTransactions {
            account_id: account_id.to_owned(),
            transactions: chunk,
        });
    }
    bodies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(clamp_size(0), 1);
        assert_eq!(clamp_size(5000), 1000);
        let none: Vec<BankTransaction> = vec![];
        assert!(push_bodies("a", none, 10).is_empty());
    }
}
