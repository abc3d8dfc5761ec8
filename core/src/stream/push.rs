//! A push's reading of a file as it streams ([`super::prepare_path_for_push`]): the rows the
//! push leaves out (already on the account, held by a timed-out batch, at or before its cursor)
//! are decided as they stream by, and kept as a bit a row; the bodies of the rest are counted,
//! and each one's digest kept, so that the second reading
//! ([`super::Streamed::write_push_bodies`]) gives exactly the bodies the first one checked, or
//! [`super::FileChanged`].

use std::hash::{BuildHasher, Hash, Hasher};

use super::FileChanged;
use crate::model::{BankTransaction, CreateBankTransactions};
use crate::validate::Issue;

/// What a push tells the first reading of a file.
///
/// Every finding about a row it leaves out is dropped before it counts, as the whole-file push
/// drops them, with one exception: findings the CSV reader makes before a row is typed (a line
/// with more cells than the header) are dropped from those listed, but those past
/// [`crate::pipeline::PrepareOptions::max_listed`] of their code stay counted.
pub(crate) struct PushRows<'p> {
    /// The account pushed to: the bodies are sized for it.
    pub(crate) account_id: &'p str,
    /// Whether to leave a row out; given each row kept, once, in order.
    pub(crate) skip: &'p mut dyn FnMut(&BankTransaction) -> bool,
}

/// A set of input rows, a bit each.
#[derive(Debug, Default, Clone)]
pub(crate) struct RowSet {
    words: Vec<u64>,
    any: bool,
}

impl RowSet {
    pub(crate) fn insert(&mut self, row: usize) {
        let word = row / 64;
        if self.words.len() <= word {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= 1 << (row % 64);
        self.any = true;
    }

    pub(crate) fn contains(&self, row: usize) -> bool {
        self.words
            .get(row / 64)
            .is_some_and(|w| w & (1 << (row % 64)) != 0)
    }

    pub(crate) fn is_empty(&self) -> bool {
        !self.any
    }

    /// Whether a finding is about a row of the set.
    pub(crate) fn about(&self, issue: &Issue) -> bool {
        issue.row.is_some_and(|r| self.contains(r))
    }
}

/// The push's part of the first reading.
pub(super) struct PushPass<'p> {
    rows: PushRows<'p>,
    plan: PushPlan,
}

impl<'p> PushPass<'p> {
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(super) fn new(rows: PushRows<'p>) -> Self {
        PushPass {
            rows,
            plan: PushPlan::default(),
        }
    }

    pub(super) fn account_id(&self) -> &str {
        self.rows.account_id
    }

    /// The rows left out so far.
    pub(super) fn skipped(&self) -> &RowSet {
        &self.plan.skipped
    }

    /// Whether row `row` (kept by normalisation, as `tx`) is left out; counts it otherwise.
    pub(super) fn leaves_out(&mut self, row: usize, tx: &BankTransaction) -> bool {
        if (self.rows.skip)(tx) {
            self.plan.skipped.insert(row);
            true
        } else {
            self.plan.to_push += 1;
            false
        }
    }

    /// A body of the rows to push is complete.
    pub(super) fn made(&mut self, body: &CreateBankTransactions) {
        self.plan.digests.push(digest(body));
    }

    pub(super) fn plan(self) -> PushPlan {
        self.plan
    }
}

/// What the first reading kept for the second.
#[derive(Debug, Default)]
pub(super) struct PushPlan {
    /// The input rows left out.
    pub(super) skipped: RowSet,
    /// Each body's digest, in order.
    pub(super) digests: Vec<u64>,
    /// The transactions to push.
    pub(super) to_push: usize,
}

/// The second reading's check of each body against the first's.
pub(super) struct Checked<'a> {
    plan: Option<&'a PushPlan>,
    made: usize,
}

impl<'a> Checked<'a> {
    pub(super) fn new(plan: Option<&'a PushPlan>) -> Self {
        Checked { plan, made: 0 }
    }

    /// Whether the push leaves row `row` out.
    pub(super) fn skips(&self, row: usize) -> bool {
        self.plan.is_some_and(|p| p.skipped.contains(row))
    }

    /// `Err` ([`FileChanged`]) when the body is not the one the first reading made.
    pub(super) fn body(&mut self, body: &CreateBankTransactions) -> std::io::Result<()> {
        let Some(plan) = self.plan else {
            return Ok(());
        };
        let at = self.made;
        self.made += 1;
        if plan.digests.get(at) == Some(&digest(body)) {
            Ok(())
        } else {
            Err(FileChanged::error())
        }
    }

    /// `Err` ([`FileChanged`]) when fewer bodies were made than the first reading made.
    pub(super) fn all_made(&self) -> std::io::Result<()> {
        match self.plan {
            Some(plan) if plan.digests.len() != self.made => Err(FileChanged::error()),
            _ => Ok(()),
        }
    }
}

/// A digest of a body's transactions: all they hold, as they are written (an amount's places
/// and a date's precision too), in order.
fn digest(body: &CreateBankTransactions) -> u64 {
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    body.transactions.len().hash(&mut h);
    for tx in &body.transactions {
        // Every field, named: a field added to the model must be added here too.
        let BankTransaction {
            id,
            date,
            description,
            counterparty,
            reference,
            reconciled,
            amount,
            balance,
            transaction_type,
        } = tx;
        id.hash(&mut h);
        date.datetime().hash(&mut h);
        date.precision().hash(&mut h);
        description.hash(&mut h);
        counterparty.hash(&mut h);
        reference.hash(&mut h);
        reconciled.hash(&mut h);
        amount.serialize().hash(&mut h);
        balance.map(|b| b.serialize()).hash(&mut h);
        transaction_type.as_ref().map(|t| t.as_str()).hash(&mut h);
    }
    h.finish()
}
