//! Splitting transactions into pushes.
//!
//! Codat takes at most 1000 transactions per push (the spec's `maxItems`), one account at a time,
//! oldest first. A push body is also kept within [`MAX_PUSH_BODY_BYTES`] of JSON, so 1000 rows
//! with long descriptions go in several pushes. Batches keep the input order and concatenate back
//! to it.

use std::io;

use crate::model::{BankTransaction, CreateBankTransactions, TransactionType};

/// The largest push body bankfeeds sends, in bytes of JSON as the client writes it (compact):
/// 1 MiB.
///
/// Codat documents a limit of 1000 transactions per push (the spec's `maxItems` and the guide
/// "Import bank transactions") but no limit on the size of a request: neither the Bank Feeds
/// OpenAPI spec (which lists no `413` answer) nor Codat's guides give one. 1000 transactions of
/// the usual size (an id, a date, a description of some tens of characters, two amounts) take
/// 150 to 300 KB, so 1 MiB leaves room for long descriptions without relying on a server or
/// gateway in front of Codat taking more: request body limits in front of HTTP APIs commonly
/// start at 1 MB. A smaller body only costs another request. The sandbox refuses larger bodies
/// with `413` and Codat's error body, so going over shows up in tests, not in production.
pub const MAX_PUSH_BODY_BYTES: usize = 1024 * 1024;

/// Room kept in every body for what surrounds the transactions:
/// `{"accountId":"…","transactions":[` and `]}`, with an account id of up to about 990 bytes of
/// JSON. [`split`] does not know the account id; [`push_bodies`] uses the account's own when it
/// is longer.
const ENVELOPE_RESERVE: usize = 1024;

/// The bytes a transaction takes at most beyond its text fields (keys, punctuation, the date, two
/// amounts of at most 28 digits with sign and point, a known transaction type), with a margin.
/// Checked against the real encoding by the tests.
const FIXED_BOUND: usize = 320;

/// JSON escapes a byte of text in at most six bytes (`\u001f`).
const ESCAPE_BOUND: usize = 6;

/// Clamps a requested batch size to what a push may carry (1 to 1000).
pub fn clamp_size(size: usize) -> usize {
    size.clamp(1, CreateBankTransactions::MAX_TRANSACTIONS)
}

/// The bytes a transaction takes in a push body, exactly as the client writes it
/// (`serde_json::to_vec`).
pub fn encoded_len(tx: &BankTransaction) -> usize {
    let mut counter = Counter(0);
    // Writing to a counter cannot fail, and a transaction always serialises.
    let _ = serde_json::to_writer(&mut counter, tx);
    counter.0
}

/// An upper bound of [`encoded_len`] from the lengths of the text fields alone.
fn quick_bound(tx: &BankTransaction) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    let kind = match &tx.transaction_type {
        Some(TransactionType::Unrecognised(s)) => s.len(),
        _ => 0,
    };
    let escaped =
        tx.id.len() + text(&tx.description) + text(&tx.counterparty) + text(&tx.reference) + kind;
    FIXED_BOUND.saturating_add(escaped.saturating_mul(ESCAPE_BOUND))
}

/// The bytes of the body around the transactions for this account id.
fn envelope_len(account_id: &str) -> usize {
    let mut counter = Counter(0);
    let _ = serde_json::to_writer(&mut counter, account_id);
    r#"{"accountId":,"transactions":[]}"#.len() + counter.0
}

struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether one transaction on its own makes a push body larger than [`MAX_PUSH_BODY_BYTES`]
/// (with an account id of ordinary length): such a transaction cannot be pushed at all.
pub fn too_large_alone(tx: &BankTransaction) -> Option<usize> {
    let room = MAX_PUSH_BODY_BYTES - ENVELOPE_RESERVE;
    if quick_bound(tx) <= room {
        return None;
    }
    let len = encoded_len(tx);
    (len > room).then_some(len)
}

/// Consecutive batches of at most `size` transactions (clamped to 1..=1000) whose push body
/// stays within [`MAX_PUSH_BODY_BYTES`], in order. A transaction too large for any body
/// ([`too_large_alone`]) is a batch of its own.
///
/// ```
/// use bankfeeds::{batch, model::BankTransaction};
/// use rust_decimal::Decimal;
/// let txs: Vec<_> = (0..1000)
///     .map(|i| {
///         BankTransaction::new(i.to_string(), "2024-01-01".parse().unwrap(), Decimal::ONE)
///             .with_description("x".repeat(2000))
///     })
///     .collect();
/// let sizes: Vec<usize> = batch::split(&txs, 1000).map(<[_]>::len).collect();
/// assert_eq!(sizes.iter().sum::<usize>(), 1000);
/// assert!(sizes.len() > 1); // 2 MB of descriptions do not go in one push
/// ```
pub fn split(txs: &[BankTransaction], size: usize) -> Split<'_> {
    Split {
        rest: txs,
        size: clamp_size(size),
        room: MAX_PUSH_BODY_BYTES - ENVELOPE_RESERVE,
    }
}

/// The batches of [`split`].
#[derive(Debug, Clone)]
pub struct Split<'a> {
    rest: &'a [BankTransaction],
    size: usize,
    /// Bytes the transactions of one body may take, commas included.
    room: usize,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a [BankTransaction];

    fn next(&mut self) -> Option<&'a [BankTransaction]> {
        if self.rest.is_empty() {
            return None;
        }
        let n = self.batch_len(self.rest);
        let (batch, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(batch)
    }
}

impl Split<'_> {
    /// How many of `txs` the next batch takes (at least one).
    fn batch_len(&self, txs: &[BankTransaction]) -> usize {
        let candidates = &txs[..self.size.min(txs.len())];
        // Usually every transaction is small: bounds from the text lengths settle it without
        // encoding anything.
        let bound = candidates.iter().fold(candidates.len(), |sum, tx| {
            sum.saturating_add(quick_bound(tx))
        });
        if bound <= self.room {
            return candidates.len();
        }
        let mut used = 0usize;
        for (n, tx) in candidates.iter().enumerate() {
            let add = encoded_len(tx) + usize::from(n > 0);
            if n > 0 && used.saturating_add(add) > self.room {
                return n;
            }
            used = used.saturating_add(add);
        }
        candidates.len()
    }
}

/// Push bodies for one account, each with at most `size` transactions (clamped to 1..=1000) and
/// at most [`MAX_PUSH_BODY_BYTES`] of JSON, in order: the batches of [`split`].
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
    let ranges = body_ranges(account_id, &txs, size);
    let mut bodies = Vec::with_capacity(ranges.len());
    let mut rest = txs.into_iter();
    for range in ranges {
        bodies.push(CreateBankTransactions {
            account_id: account_id.to_owned(),
            transactions: rest.by_ref().take(range.len()).collect(),
        });
    }
    bodies
}

/// Where each of [`push_bodies`]'s bodies starts and ends in `txs`, for callers that write the
/// bodies from borrowed transactions.
pub fn body_ranges(
    account_id: &str,
    txs: &[BankTransaction],
    size: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut split = split(txs, size);
    // An account id too long for the room kept for it takes its room from the transactions.
    split.room = MAX_PUSH_BODY_BYTES.saturating_sub(envelope_len(account_id).max(ENVELOPE_RESERVE));
    let mut start = 0;
    split
        .map(|batch| {
            let range = start..start + batch.len();
            start = range.end;
            range
        })
        .collect()
}

/// The bytes of JSON a body's transactions may take for this account, or (`None`) for an
/// account id of ordinary length: the same unless the account id's JSON is longer than about
/// 990 bytes.
pub(crate) fn room(account_id: Option<&str>) -> usize {
    match account_id {
        Some(id) => MAX_PUSH_BODY_BYTES.saturating_sub(envelope_len(id).max(ENVELOPE_RESERVE)),
        None => MAX_PUSH_BODY_BYTES - ENVELOPE_RESERVE,
    }
}

/// [`push_bodies`] for transactions that come one at a time: at most `size` of them are held.
/// Each body is the one [`push_bodies`] (or, without an account id, [`split`]) gives for the
/// same transactions: a batch takes at most `size` transactions, so the next one is settled once
/// `size` are waiting.
#[derive(Debug)]
pub struct Bodies {
    account_id: String,
    size: usize,
    room: usize,
    pending: Vec<BankTransaction>,
}

impl Bodies {
    /// Bodies for an account; `None` sizes them as [`split`] does (the room kept for an account id
    /// of ordinary length), to count batches before the account is known.
    pub fn new(account_id: Option<&str>, size: usize) -> Self {
        let size = clamp_size(size);
        Bodies {
            account_id: account_id.unwrap_or_default().to_owned(),
            size,
            room: room(account_id),
            pending: Vec::with_capacity(size),
        }
    }

    /// Adds the next transaction; gives the body it completes, if any.
    pub fn push(&mut self, tx: BankTransaction) -> Option<CreateBankTransactions> {
        if self.pending.capacity() == 0 {
            // Room for a whole body at once, unless a list came back (`recycle`).
            self.pending.reserve(self.size);
        }
        self.pending.push(tx);
        if self.pending.len() < self.size {
            return None;
        }
        Some(self.take_one())
    }

    fn take_one(&mut self) -> CreateBankTransactions {
        let split = Split {
            rest: &self.pending,
            size: self.size,
            room: self.room,
        };
        let n = split.batch_len(&self.pending);
        let rest = self.pending.split_off(n);
        let transactions = std::mem::replace(&mut self.pending, rest);
        if !self.pending.is_empty() {
            // Rows left over from a body cut by its size: room for the rest of the next.
            self.pending
                .reserve(self.size.saturating_sub(self.pending.len()));
        }
        CreateBankTransactions {
            account_id: self.account_id.clone(),
            transactions,
        }
    }

    /// Takes back a body's list once its transactions are done with, to hold the next ones:
    /// a batch of 1,000 is about 200 KB, which the allocator would otherwise hand out anew for
    /// every batch.
    pub fn recycle(&mut self, mut transactions: Vec<BankTransaction>) {
        if self.pending.is_empty() && transactions.capacity() > self.pending.capacity() {
            transactions.clear();
            self.pending = transactions;
        }
    }

    /// The bodies of the transactions still held, in order.
    pub fn finish(mut self) -> Vec<CreateBankTransactions> {
        let mut out = Vec::new();
        while !self.pending.is_empty() {
            out.push(self.take_one());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn tx(i: usize, description: &str) -> BankTransaction {
        BankTransaction::new(
            format!("tx-{i}"),
            "2024-05-01T08:00:00".parse().unwrap(),
            Decimal::new(-1754, 2),
        )
        .with_description(description)
    }

    #[test]
    fn bodies_one_at_a_time_are_push_bodies() {
        for (n, size, text) in [(2500, 1000, 10), (1000, 1000, 3000), (37, 5, 1), (0, 10, 1)] {
            let txs: Vec<_> = (0..n).map(|i| tx(i, &"é".repeat(text))).collect();
            let whole = push_bodies("acc-001", txs.clone(), size);
            let mut bodies = Bodies::new(Some("acc-001"), size);
            let mut streamed: Vec<_> = txs.into_iter().filter_map(|t| bodies.push(t)).collect();
            streamed.extend(bodies.finish());
            assert_eq!(streamed, whole, "{n} rows of {text} characters by {size}");
        }
    }

    /// A list given back holds the next body's transactions (it is known by its room, more
    /// than a body's), and the bodies are those made without it, bodies cut by size included.
    #[test]
    fn a_list_given_back_holds_the_next_body() {
        for (n, size, text) in [(2500, 1000, 10), (1000, 1000, 3000), (37, 5, 1)] {
            let txs: Vec<_> = (0..n).map(|i| tx(i, &"é".repeat(text))).collect();
            let whole = push_bodies("acc-001", txs.clone(), size);
            let mut bodies = Bodies::new(Some("acc-001"), size);
            let mut made = Vec::new();
            let mut reused = 0;
            for t in txs {
                if let Some(body) = bodies.push(t) {
                    if body.transactions.capacity() >= 3 * size {
                        reused += 1;
                    }
                    made.push(body.clone());
                    let mut list = body.transactions;
                    list.reserve_exact(3 * size);
                    bodies.recycle(list);
                }
            }
            made.extend(bodies.finish());
            assert_eq!(made, whole, "{n} rows of {text} characters by {size}");
            if text < 100 {
                // Every body after the first is filled in the list the one before gave back.
                assert_eq!(reused, whole.len() - 2, "{n} by {size}");
            }
        }
    }

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(clamp_size(0), 1);
        assert_eq!(clamp_size(5000), 1000);
        let none: Vec<BankTransaction> = vec![];
        assert!(push_bodies("a", none, 10).is_empty());
        assert_eq!(split(&[], 10).count(), 0);
    }

    #[test]
    fn long_descriptions_are_split_by_size_each_body_within_the_limit() {
        // Xero takes descriptions of 2000 characters, and 1000 transactions a push: together
        // more than 2 MB, which no single body may carry.
        let txs: Vec<_> = (0..1000).map(|i| tx(i, &"é".repeat(2000))).collect();
        let bodies = push_bodies("acc-001", txs.clone(), 1000);
        assert!(bodies.len() >= 4, "{} bodies", bodies.len());
        let mut back = Vec::new();
        for body in &bodies {
            let bytes = serde_json::to_vec(body).unwrap();
            assert!(bytes.len() <= MAX_PUSH_BODY_BYTES, "{} bytes", bytes.len());
            back.extend(body.transactions.iter().cloned());
        }
        assert_eq!(back, txs);
        // Each body but the last is full: one more transaction would not have fitted in the
        // room left beside the envelope.
        for body in &bodies[..bodies.len() - 1] {
            let mut more = body.clone();
            more.transactions.push(txs[0].clone());
            let bytes = serde_json::to_vec(&more).unwrap().len();
            assert!(bytes > MAX_PUSH_BODY_BYTES - ENVELOPE_RESERVE, "{bytes}");
        }
        let sizes: Vec<usize> = split(&txs, 1000).map(<[_]>::len).collect();
        let body_sizes: Vec<usize> = bodies.iter().map(|b| b.transactions.len()).collect();
        assert_eq!(sizes, body_sizes);
    }

    #[test]
    fn escapes_count_and_a_transaction_too_large_alone_is_a_batch_of_its_own() {
        // Control characters take six bytes each in JSON.
        let control = tx(0, &"\u{1}".repeat(200_000));
        assert_eq!(
            encoded_len(&control),
            serde_json::to_vec(&control).unwrap().len()
        );
        assert!(too_large_alone(&control).is_some());
        let txs = vec![tx(1, "a"), control, tx(2, "b")];
        let sizes: Vec<usize> = split(&txs, 1000).map(<[_]>::len).collect();
        assert_eq!(sizes, [1, 1, 1]);
        assert_eq!(too_large_alone(&tx(3, "short")), None);
    }

    #[test]
    fn the_quick_bound_is_never_below_the_encoding() {
        let mut t = BankTransaction::new(
            "\"\\\u{0}",
            "2024-05-01T08:00:00.123456789".parse().unwrap(),
            Decimal::new(i64::MIN, 28),
        )
        .with_description("\u{1f}\"")
        .with_counterparty("é")
        .with_reference("\\")
        .with_balance(Decimal::MIN)
        .with_reconciled(false)
        .with_type(TransactionType::Unrecognised("\u{7}".repeat(3)));
        assert!(quick_bound(&t) >= encoded_len(&t));
        t.transaction_type = Some(TransactionType::DirectDebit);
        t.balance = Some(Decimal::new(-1, 28));
        assert!(quick_bound(&t) >= encoded_len(&t));
        assert_eq!(encoded_len(&t), serde_json::to_vec(&t).unwrap().len());
        let body = CreateBankTransactions {
            account_id: "a\"".into(),
            transactions: vec![],
        };
        assert_eq!(
            envelope_len("a\""),
            serde_json::to_vec(&body).unwrap().len()
        );
    }
}
