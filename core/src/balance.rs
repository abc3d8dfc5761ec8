//! Running balances: `balance[i] = balance[i-1] + amount[i]`, exactly.
//!
//! Banks usually know the closing balance of an account (what the customer sees today) and a list
//! of transactions; Codat wants every transaction to carry the balance after it, and the last one
//! becomes the account balance in the accounting platform. [`fill_backward`] computes the chain
//! from the closing balance, [`fill_forward`] from an opening balance, and [`verify`] lists every
//! row whose balance does not follow, to the cent.
//!
//! ```
//! use bankfeeds::balance;
//! use bankfeeds::model::BankTransaction;
//! use rust_decimal_macros::dec;
//! let day = "2024-01-02".parse().unwrap();
//! let mut txs = vec![
//!     BankTransaction::new("a", day, dec!(100.00)),
//!     BankTransaction::new("b", day, dec!(-17.54)),
//! ];
//! let opening = balance::fill_backward(&mut txs, dec!(82.46)).unwrap();
//! assert_eq!(opening, dec!(0.00));
//! assert_eq!(txs[0].balance, Some(dec!(100.00)));
//! assert!(balance::verify(&txs, Some(opening)).is_intact());
//! ```

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::BankTransaction;

/// A running balance left the range of an exact decimal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the running balance overflows at row {row} (id {id}): amounts must stay within 28 digits")]
pub struct BalanceOverflow {
    /// Zero-based row where it happened.
    pub row: usize,
    /// That row's transaction id.
    pub id: String,
}

/// Sets every balance forward from the balance before the first transaction; returns the closing
/// balance (the opening balance when there are no transactions).
pub fn fill_forward(
    txs: &mut [BankTransaction],
    opening: Decimal,
) -> Result<Decimal, BalanceOverflow> {
    let mut running = opening;
    for (row, tx) in txs.iter_mut().enumerate() {
        running = running
            .checked_add(tx.amount)
            .ok_or_else(|| BalanceOverflow {
                row,
                id: tx.id.clone(),
            })?;
        tx.balance = Some(running);
    }
    Ok(running)
}

/// Sets every balance backward from the balance after the last transaction; returns the opening
/// balance (the balance before the first transaction; the closing balance when there are none).
pub fn fill_backward(
    txs: &mut [BankTransaction],
    closing: Decimal,
) -> Result<Decimal, BalanceOverflow> {
    let mut running = closing;
    for (row, tx) in txs.iter_mut().enumerate().rev() {
        tx.balance = Some(running);
        running = running
            .checked_sub(tx.amount)
            .ok_or_else(|| BalanceOverflow {
                row,
                id: tx.id.clone(),
            })?;
    }
    Ok(running)
}

/// **fill**: sets every balance from one end of the chain, in the order given: forward from an
/// opening balance, backward from a closing one. Answers `(opening, closing)`, the balances
/// either side of the rows; [`crate::normalise::BalanceFill::Keep`] changes nothing and answers
/// the rows' own ends (zero where they carry none).
///
/// ```
/// use bankfeeds::balance::fill;
/// use bankfeeds::normalise::BalanceFill;
/// use bankfeeds::model::BankTransaction;
/// use rust_decimal::Decimal;
/// let mut txs: Vec<BankTransaction> = serde_json::from_str(
///     r#"[{"id":"a","date":"2024-05-01","amount":"-1.50"},{"id":"b","date":"2024-05-02","amount":"10"}]"#,
/// ).unwrap();
/// let (opening, closing) = fill(&mut txs, BalanceFill::Closing(Decimal::new(2000, 2))).unwrap();
/// assert_eq!((opening, closing), (Decimal::new(1150, 2), Decimal::new(2000, 2)));
/// assert_eq!(txs[0].balance, Some(Decimal::new(1000, 2)));
/// ```
pub fn fill(
    txs: &mut [BankTransaction],
    anchor: crate::normalise::BalanceFill,
) -> Result<(Decimal, Decimal), BalanceOverflow> {
    use crate::normalise::BalanceFill;
    match anchor {
        BalanceFill::Opening(opening) => fill_forward(txs, opening).map(|c| (opening, c)),
        BalanceFill::Closing(closing) => fill_backward(txs, closing).map(|o| (o, closing)),
        BalanceFill::Keep => Ok((
            opening_balance(txs).unwrap_or_default(),
            closing_balance(txs).unwrap_or_default(),
        )),
    }
}

/// The account balance after these transactions: the last one's balance.
pub fn closing_balance(txs: &[BankTransaction]) -> Option<Decimal> {
    txs.last().and_then(|t| t.balance)
}

/// The balance before the first transaction, derived from its balance and amount.
pub fn opening_balance(txs: &[BankTransaction]) -> Option<Decimal> {
    let first = txs.first()?;
    first.balance?.checked_sub(first.amount)
}

/// A row whose balance does not follow from the one before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Break {
    /// Zero-based row.
    pub row: usize,
    /// The row's transaction id.
    pub id: String,
    /// Previous balance plus this amount.
    #[serde(with = "crate::money::json")]
    pub expected: Decimal,
    /// The balance the row carries.
    #[serde(with = "crate::money::json")]
    pub found: Decimal,
}

impl Break {
    /// `found - expected`: how far the row is off. Two balances can be further apart than a
    /// decimal holds: the difference then stops at [`Decimal::MAX`] or [`Decimal::MIN`], on the
    /// side it lies ([`Break::checked_difference`] says when).
    pub fn difference(&self) -> Decimal {
        self.checked_difference()
            .unwrap_or(if self.found > self.expected {
                Decimal::MAX
            } else {
                Decimal::MIN
            })
    }

    /// `found - expected`, or `None` when it does not fit a decimal.
    pub fn checked_difference(&self) -> Option<Decimal> {
        self.found.checked_sub(self.expected)
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// Every row whose balance is not the previous balance plus its amount, in row order.
    pub breaks: Vec<Break>,
    /// Rows without a balance.
    pub missing: Vec<usize>,
    /// Rows where the expected balance could not be computed because it overflows.
    pub overflows: Vec<usize>,
}

impl ChainReport {
    /// True when every row with a balance follows from the one before.
    pub fn is_intact(&self) -> bool {
        self.breaks.is_empty() && self.overflows.is_empty()
    }
}

/// Checks each balance against the previous balance plus the row's amount.
///
/// Each row is checked against the balance the row above carries (not against a chain carried
/// from the top), so one mistyped balance shows as a break on its own row and on the row after it,
/// and a missing transaction shows as one break where the jump happens. Rows without a balance are
/// listed in [`ChainReport::missing`] and bridged: the next balance is checked against the last
/// known one plus every amount since. With an `opening` balance the first row is checked too.
pub fn verify(txs: &[BankTransaction], opening: Option<Decimal>) -> ChainReport {
    let mut report = ChainReport::default();
    let mut walker = ChainWalker::new(opening);
    for (row, tx) in txs.iter().enumerate() {
        match walker.step(tx) {
            Link::Follows => {}
            Link::Breaks { expected, found } => report.breaks.push(Break {
                row,
                id: tx.id.clone(),
                expected,
                found,
            }),
            Link::Missing => report.missing.push(row),
            Link::Overflows => report.overflows.push(row),
        }
    }
    report
}

/// How one row's balance relates to the rows above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// It follows (or there is nothing above to check it against).
    Follows,
    /// It does not follow.
    Breaks { expected: Decimal, found: Decimal },
    /// The row has no balance.
    Missing,
    /// The expected balance overflows.
    Overflows,
}

/// Walks a chain one row at a time, so validation can check it in the same pass as every other
/// rule; [`verify`] is the same walk collected into a report.
pub(crate) struct ChainWalker {
    /// The balance the next row should add its amount to, when known.
    base: Option<Decimal>,
}

impl ChainWalker {
    pub(crate) fn new(opening: Option<Decimal>) -> Self {
        ChainWalker { base: opening }
    }

    pub(crate) fn step(&mut self, tx: &BankTransaction) -> Link {
        let Some(base) = self.base else {
            self.base = tx.balance;
            return if tx.balance.is_some() {
                Link::Follows
            } else {
                Link::Missing
            };
        };
        // Fast path: balances and amounts written to the same scale (the usual two places) add
        // as integers.
        if let Some(found) = tx.balance {
            let scale = base.scale();
            if tx.amount.scale() == scale && found.scale() == scale {
                let expected = base.mantissa() + tx.amount.mantissa();
                self.base = Some(found);
                return if expected == found.mantissa() {
                    Link::Follows
                } else {
                    match Decimal::try_from_i128_with_scale(expected, scale) {
                        Ok(expected) => Link::Breaks { expected, found },
                        Err(_) => Link::Overflows,
                    }
                };
            }
        }
        match (base.checked_add(tx.amount), tx.balance) {
            (Some(expected), Some(found)) => {
                self.base = Some(found);
                if expected == found {
                    Link::Follows
                } else {
                    Link::Breaks { expected, found }
                }
            }
            (None, found) => {
                self.base = found;
                Link::Overflows
            }
            (Some(expected), None) => {
                self.base = Some(expected);
                Link::Missing
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn tx(id: &str, amount: Decimal, balance: Option<Decimal>) -> BankTransaction {
        let mut t = BankTransaction::new(id, "2024-01-01".parse().unwrap(), amount);
        t.balance = balance;
        t
    }

    #[test]
    fn empty_and_single_rows() {
        let mut none: Vec<BankTransaction> = vec![];
        assert_eq!(fill_forward(&mut none, dec!(5)).unwrap(), dec!(5));
        assert_eq!(fill_backward(&mut none, dec!(5)).unwrap(), dec!(5));
        assert!(verify(&none, Some(dec!(1))).is_intact());
        assert_eq!(closing_balance(&none), None);
        let mut one = vec![tx("a", dec!(-1.50), None)];
        assert_eq!(fill_backward(&mut one, dec!(10.00)).unwrap(), dec!(11.50));
        assert_eq!(one[0].balance, Some(dec!(10.00)));
        assert_eq!(opening_balance(&one), Some(dec!(11.50)));
    }

    #[test]
    fn forward_keeps_cents_exact() {
        let mut txs: Vec<_> = (0..10)
            .map(|i| tx(&i.to_string(), dec!(0.10), None))
            .collect();
        assert_eq!(fill_forward(&mut txs, dec!(0.20)).unwrap(), dec!(1.20));
        assert_eq!(txs[0].balance, Some(dec!(0.30)));
    }

    #[test]
    fn a_typo_breaks_its_row_and_the_next() {
        let txs = vec![
            tx("a", dec!(100.0), Some(dec!(100.0))),
            tx("b", dec!(-100.0), Some(dec!(0.00))),
            tx("c", dec!(-60.0), Some(dec!(-60.01))),
            tx("d", dec!(-17.54), Some(dec!(-77.54))),
        ];
        let r = verify(&txs, Some(dec!(0)));
        assert_eq!(r.breaks.len(), 2);
        assert_eq!(
            (r.breaks[0].row, r.breaks[0].expected, r.breaks[0].found),
            (2, dec!(-60.00), dec!(-60.01))
        );
        assert_eq!(r.breaks[0].difference(), dec!(-0.01));
        assert_eq!((r.breaks[1].row, r.breaks[1].expected), (3, dec!(-77.55)));
    }

    #[test]
    fn missing_balances_are_bridged() {
        let txs = vec![
            tx("a", dec!(10), Some(dec!(10))),
            tx("b", dec!(5), None),
            tx("c", dec!(1), Some(dec!(16))),
            tx("d", dec!(1), Some(dec!(18))),
        ];
        let r = verify(&txs, None);
        assert_eq!(r.missing, vec![1]);
        assert_eq!(r.breaks.len(), 1);
        assert_eq!(
            (r.breaks[0].row, r.breaks[0].expected, r.breaks[0].found),
            (3, dec!(17), dec!(18))
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let mut txs = vec![tx("a", Decimal::MAX, None), tx("b", Decimal::MAX, None)];
        let e = fill_forward(&mut txs, Decimal::ZERO).unwrap_err();
        assert_eq!(e.row, 1);
        let mut txs = vec![tx("a", Decimal::MIN, None)];
        assert!(fill_backward(&mut txs, Decimal::MAX).is_err());
        let txs = vec![
            tx("a", Decimal::MAX, Some(Decimal::MAX)),
            tx("b", Decimal::MAX, Some(Decimal::MAX)),
        ];
        assert_eq!(verify(&txs, None).overflows, vec![1]);
    }

    #[test]
    fn a_difference_beyond_a_decimal_keeps_its_sign() {
        // A row far below the chain: found - expected is below Decimal::MIN.
        let txs = vec![
            tx("a", dec!(1), Some(Decimal::MAX - dec!(1))),
            tx("b", dec!(1), Some(Decimal::MIN)),
        ];
        let r = verify(&txs, None);
        let b = &r.breaks[0];
        assert_eq!((b.row, b.expected), (1, Decimal::MAX));
        assert_eq!(b.checked_difference(), None);
        assert_eq!(b.difference(), Decimal::MIN);
        let up = Break {
            row: 0,
            id: "c".into(),
            expected: Decimal::MIN,
            found: Decimal::MAX,
        };
        assert_eq!(up.difference(), Decimal::MAX);
    }
}
