//! Normalisation: from rows as banks have them to push bodies Codat accepts, reporting every change.
//!
//! In order, [`normalise`]:
//! 1. trims `id` (Codat compares ids exactly: ` t1 ` and `t1` would be two transactions),
//!    `description`, `counterparty` and `reference` (blank text becomes absent) and, when asked,
//!    cuts the text to the platform's length limits;
//! 2. drops exact duplicates (same id, same fields), keeping the first, and refuses conflicting
//!    duplicates (same id, different fields) with a `conflicting_duplicate` error;
//! 3. infers `Credit`/`Debit` from the sign where the type is missing, and, only when asked, flips
//!    amounts whose sign contradicts their type (otherwise validation flags them);
//! 4. sorts oldest to newest, stably (rows with the same date keep their order);
//! 5. computes balances from an opening or closing balance, when given one.
//!
//! Every change is a [`Change`] in the result; nothing is dropped or altered silently. Rows in
//! changes and findings are input rows. Normalising twice changes nothing the second time.
//!
//! [`normalise_account`] does the same for a source account before it is created: currency
//! upper-cased, sort code as six digits.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

mod account;
mod listing;

pub use account::{AccountNormalised, normalise_account};
pub(crate) use listing::ChangeList;
pub use listing::OmittedChanges;

use crate::balance;
use crate::batch;
use crate::model::{BankTransaction, CreateBankTransactions, Direction, TransactionType};
use crate::rules::Platform;
use crate::validate::{Code, Field, Issue, ValidationReport};

/// Where balances come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "from", content = "balance")]
pub enum BalanceFill {
    /// Keep the balances the rows carry.
    #[default]
    Keep,
    /// Compute every balance forward from the balance before the oldest transaction.
    Opening(#[serde(with = "crate::money::json")] Decimal),
    /// Compute every balance backward from the balance after the newest transaction (what the bank
    /// shows today).
    Closing(#[serde(with = "crate::money::json")] Decimal),
}

/// What [`normalise`] may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormaliseOptions {
    /// Whose limits apply (length limits, batch size).
    pub platform: Platform,
    /// Trim text fields; blank ones become absent. Default on.
    pub trim: bool,
    /// Cut text fields to the platform's length limits. Default off: over-long text is an error.
    pub truncate: bool,
    /// Drop exact duplicates. Default on.
    pub dedupe: bool,
    /// Infer `Credit`/`Debit` from the amount's sign where the type is missing. Default on.
    pub infer_types: bool,
    /// Flip the sign of amounts that contradict their type. Default off: validation flags them.
    pub fix_signs: bool,
    /// Sort oldest to newest. Default on.
    pub sort: bool,
    /// Where balances come from.
    pub balances: BalanceFill,
    /// Transactions per push (clamped to the platform's maximum).
    pub batch_size: usize,
}

impl Default for NormaliseOptions {
    fn default() -> Self {
        NormaliseOptions::for_platform(Platform::Generic)
    }
}

impl NormaliseOptions {
    /// The defaults for a platform.
    pub fn for_platform(platform: Platform) -> Self {
        NormaliseOptions {
            platform,
            trim: true,
            truncate: false,
            dedupe: true,
            infer_types: true,
            fix_signs: false,
            sort: true,
            balances: BalanceFill::Keep,
            batch_size: platform.profile().max_batch,
        }
    }
}

/// The variants of `ChangeKind` with their docs: the one list the enum and the bindings' mirrors of
/// it are declared from. `change_kind_variants!(then! { tokens } rest)` expands to
/// `then! { tokens { variants } rest }`.
#[doc(hidden)]
#[macro_export]
macro_rules! change_kind_variants {
    ($then:ident ! { $($before:tt)* } $($after:tt)*) => {
        $then! { $($before)* {
            /// Whitespace was trimmed from an id or a text field.
            Trimmed,
            /// A blank text field was removed.
            Blanked,
            /// A text field was cut to the platform's limit.
            Truncated,
            /// An exact duplicate row was dropped.
            DuplicateDropped,
            /// A missing transaction type was inferred from the sign.
            TypeInferred,
            /// An amount's sign was flipped to agree with its type.
            SignFlipped,
            /// Rows were re-ordered oldest first.
            Sorted,
            /// Balances were computed.
            BalancesComputed,
            /// A balance the row carried was replaced by the computed one.
            BalanceReplaced,
            /// A source account's value was written in Codat's form (currency upper-cased, sort code
            /// as six digits).
            Reformatted,
        } $($after)* }
    };
}

crate::change_kind_variants!(declare_enum! {
    /// The kind of a change.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[non_exhaustive]
    pub enum ChangeKind
});

impl ChangeKind {
    /// Every kind.
    pub const ALL: &'static [ChangeKind] = &[
        ChangeKind::Trimmed,
        ChangeKind::Blanked,
        ChangeKind::Truncated,
        ChangeKind::DuplicateDropped,
        ChangeKind::TypeInferred,
        ChangeKind::SignFlipped,
        ChangeKind::Sorted,
        ChangeKind::BalancesComputed,
        ChangeKind::BalanceReplaced,
        ChangeKind::Reformatted,
    ];

    /// The kind as text, e.g. `duplicate_dropped`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Trimmed => "trimmed",
            ChangeKind::Blanked => "blanked",
            ChangeKind::Truncated => "truncated",
            ChangeKind::DuplicateDropped => "duplicate_dropped",
            ChangeKind::TypeInferred => "type_inferred",
            ChangeKind::SignFlipped => "sign_flipped",
            ChangeKind::Sorted => "sorted",
            ChangeKind::BalancesComputed => "balances_computed",
            ChangeKind::BalanceReplaced => "balance_replaced",
            ChangeKind::Reformatted => "reformatted",
        }
    }
}

/// One change normalisation made. A change to one row names the row; a change to many rows
/// (sorting, inferring types, computing balances) is one entry listing the rows it touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// The input row, for a change to one row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// That row's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The field changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// The value before (text longer than [`crate::text::MAX_ECHO_CHARS`] characters is quoted by
    /// its start and its length, as findings quote input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The value after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// For a change to many rows, the input rows it touched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<usize>,
    /// A sentence for a person.
    pub message: String,
}

impl Change {
    fn one(kind: ChangeKind, row: usize, id: &str, field: Field, message: String) -> Self {
        Change {
            kind,
            row: Some(row),
            id: Some(crate::text::quote_str(id)),
            field: Some(field),
            before: None,
            after: None,
            rows: Vec::new(),
            message,
        }
    }

    fn many(kind: ChangeKind, field: Option<Field>, rows: Vec<usize>, message: String) -> Self {
        Change {
            kind,
            row: None,
            id: None,
            field,
            before: None,
            after: None,
            rows,
            message,
        }
    }

    fn values(
        mut self,
        before: impl Into<Option<String>>,
        after: impl Into<Option<String>>,
    ) -> Self {
        // Values are quoted as findings quote input: long text by its start and its length.
        let quote = |v: Option<String>| v.map(crate::text::quote);
        self.before = quote(before.into());
        self.after = quote(after.into());
        self
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.as_str())?;
        if let Some(row) = self.row {
            write!(f, " row {row}")?;
        }
        if let Some(id) = &self.id {
            write!(f, " (id {id})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The result of [`normalise`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalised {
    /// The transactions, ready to validate and push.
    pub transactions: Vec<BankTransaction>,
    /// For each transaction, its input row.
    pub source_rows: Vec<usize>,
    /// Every change made.
    pub changes: Vec<Change>,
    /// What normalisation refused (conflicting duplicates, a balance overflow).
    pub report: ValidationReport,
    /// Transactions per push.
    pub batch_size: usize,
    /// Whether every repeated id was already found (de-duplication ran).
    pub(crate) ids_checked: bool,
}

impl Normalised {
    /// Validates the normalised transactions; findings name input rows. Rules normalisation
    /// already applied are not applied twice: repeated ids are in [`Normalised::report`].
    pub fn validate(&self, ctx: &crate::validate::ValidationContext) -> ValidationReport {
        crate::validate::validate_checked(
            &self.transactions,
            Some(&self.source_rows),
            ctx,
            self.ids_checked,
        )
    }

    /// Push bodies for one account, in order, each within the batch size.
    pub fn push_bodies(&self, account_id: &str) -> Vec<CreateBankTransactions> {
        batch::push_bodies(account_id, self.transactions.clone(), self.batch_size)
    }

    /// The batches as slices, in order (see [`batch::split`]).
    pub fn batches(&self) -> batch::Split<'_> {
        batch::split(&self.transactions, self.batch_size)
    }
}

/// Normalises transactions whose input rows are `0..n`.
pub fn normalise(txs: Vec<BankTransaction>, options: &NormaliseOptions) -> Normalised {
    let rows = (0..txs.len()).collect();
    normalise_rows(txs, rows, options)
}

/// Normalises transactions whose input rows are given (after [`crate::ingest`] set some aside).
pub fn normalise_rows(
    mut txs: Vec<BankTransaction>,
    mut rows: Vec<usize>,
    options: &NormaliseOptions,
) -> Normalised {
    if rows.len() != txs.len() {
        rows = (0..txs.len()).collect();
    }
    let mut report = ValidationReport::new();
    let pieces = crate::threads::pieces(txs.len(), PIECE_ROWS);
    let RowPass {
        mut changes,
        inferred,
        sorted,
        ids,
    } = row_pass(&mut txs, &rows, options, pieces);
    if let Some(change) = inferred_change(inferred) {
        changes.push(change);
    }

    if options.dedupe {
        let repeats = ids.repeats(|j| &txs[j].id);
        let mut drop = vec![false; txs.len()];
        let mut any = false;
        for (i, j) in repeats {
            if judge_repeat(
                &txs[i],
                rows[i],
                &txs[j],
                rows[j],
                &mut report,
                &mut changes,
            ) {
                drop[i] = true;
                any = true;
            }
        }
        if any {
            let mut keep = drop.iter().map(|d| !d);
            txs.retain(|_| keep.next().unwrap_or(true));
            let mut keep = drop.iter().map(|d| !d);
            rows.retain(|_| keep.next().unwrap_or(true));
        }
    }

    finish(txs, rows, !sorted, options, changes, report)
}

/// Rows a piece of a batch passed over on a thread of its own has at least ([`row_pass`]).
const PIECE_ROWS: usize = 64 * 1024;

/// What [`row_pass`] found.
struct RowPass {
    /// Every change made to a single row, in row order.
    changes: Vec<Change>,
    /// The rows whose type was inferred.
    inferred: Vec<usize>,
    /// Whether the dates never go back.
    sorted: bool,
    /// The ids, as trimmed, for finding repeats.
    ids: crate::ids::IdIndex,
}

/// One pass over the rows does everything that looks at a single row (a million rows do not fit
/// in cache, so each extra pass over them costs more than the work done in it): trimming,
/// inferring and fixing types, and noting each id (trimmed first, so that ` t1 ` and `t1` are
/// seen to be one id). In `pieces` pieces at once, each with its own changes and id hashes,
/// joined in row order: the same as one pass.
fn row_pass(
    txs: &mut [BankTransaction],
    rows: &[usize],
    options: &NormaliseOptions,
    pieces: usize,
) -> RowPass {
    if pieces < 2 || txs.len() < pieces {
        let mut ids = crate::ids::IdIndex::new();
        let (changes, inferred, sorted) = pass_rows(txs, rows, options, |before, tx, _| {
            ids.push(&tx.id, before.last().map(|p| p.id.as_str()), |j| {
                before[j].id.as_str()
            });
        });
        return RowPass {
            changes,
            inferred,
            sorted,
            ids,
        };
    }
    let n = txs.len();
    let cut = |k: usize| crate::threads::cut(n, pieces, k);
    // One hash a row when de-duplicating, each piece writing its slice; none otherwise.
    let mut hashes = if options.dedupe {
        vec![0u64; n]
    } else {
        Vec::new()
    };
    let work: Vec<_> = crate::threads::split_even(txs, pieces)
        .into_iter()
        .zip(crate::threads::split_even(&mut hashes, pieces))
        .enumerate()
        .map(|(k, (piece, piece_hashes))| (piece, &rows[cut(k)..cut(k + 1)], piece_hashes))
        .collect();
    // Each piece: its changes, its inferred rows, whether its dates and its ids keep increasing.
    let done = crate::threads::each("bankfeeds-normalise", work, |(txs, rows, hashes)| {
        let mut increasing = true;
        let (changes, inferred, sorted) = pass_rows(txs, rows, options, |before, tx, i| {
            increasing &= before.last().is_none_or(|p| p.id < tx.id);
            hashes[i] = crate::ids::hash(&tx.id);
        });
        (changes, inferred, sorted, increasing)
    });
    let mut pass = RowPass {
        changes: Vec::new(),
        inferred: Vec::new(),
        sorted: true,
        ids: crate::ids::IdIndex::new(),
    };
    let mut increasing = true;
    for (k, (changes, inferred, sorted, piece_increasing)) in done.into_iter().enumerate() {
        // Where a piece meets the one before.
        let seam = (k > 0).then(|| (&txs[cut(k) - 1], &txs[cut(k)]));
        pass.sorted &= sorted && seam.is_none_or(|(a, b)| b.date >= a.date);
        increasing &= piece_increasing && seam.is_none_or(|(a, b)| a.id < b.id);
        pass.changes.extend(changes);
        pass.inferred.extend(inferred);
    }
    if options.dedupe {
        pass.ids = crate::ids::IdIndex::of_hashes(n, if increasing { Vec::new() } else { hashes });
    }
    pass
}

/// The single-row steps of [`row_pass`] over `txs` (input rows `rows`), in order: whether a
/// date goes back, trimming, `id` (given the rows before, the row trimmed, and its index) when
/// de-duplicating, then the type. Gives the changes, the inferred rows and whether the dates
/// never go back.
fn pass_rows(
    txs: &mut [BankTransaction],
    rows: &[usize],
    options: &NormaliseOptions,
    mut id: impl FnMut(&[BankTransaction], &BankTransaction, usize),
) -> (Vec<Change>, Vec<usize>, bool) {
    let mut changes = Vec::new();
    let mut inferred = Vec::new();
    let mut sorted = true;
    for (i, &row) in rows.iter().enumerate() {
        let (before, rest) = txs.split_at_mut(i);
        let tx = &mut rest[0];
        if before.last().is_some_and(|p| tx.date < p.date) {
            sorted = false;
        }
        tidy_row(tx, row, options, &mut changes);
        if options.dedupe {
            id(before, tx, i);
        }
        if fix_type(tx, row, options, &mut changes) {
            inferred.push(row);
        }
    }
    (changes, inferred, sorted)
}

/// What [`normalise_rows`] does once the rows are de-duplicated: sorts them (when `may_be_unsorted`
/// and the options ask), computes balances, and gathers the result.
pub(crate) fn finish(
    mut txs: Vec<BankTransaction>,
    mut rows: Vec<usize>,
    may_be_unsorted: bool,
    options: &NormaliseOptions,
    mut changes: Vec<Change>,
    mut report: ValidationReport,
) -> Normalised {
    let profile = options.platform.profile();
    if options.sort && may_be_unsorted && !txs.is_sorted_by(|a, b| a.date <= b.date) {
        sort_oldest_first(&mut txs, &mut rows, &mut changes);
    }
    fill_balances(&mut txs, &rows, options.balances, &mut changes, &mut report);
    report.sort();
    Normalised {
        transactions: txs,
        source_rows: rows,
        changes,
        report,
        batch_size: batch::clamp_size(options.batch_size.min(profile.max_batch)),
        ids_checked: options.dedupe,
    }
}

/// Sorts the rows oldest first (stably), noting the rows that moved.
fn sort_oldest_first(
    txs: &mut Vec<BankTransaction>,
    rows: &mut Vec<usize>,
    changes: &mut Vec<Change>,
) {
    let mut order: Vec<usize> = (0..txs.len()).collect();
    order.sort_by_key(|&i| txs[i].date);
    let moved: Vec<usize> = order
        .iter()
        .enumerate()
        .filter(|(pos, i)| *pos != **i)
        .map(|(_, &i)| rows[i])
        .collect();
    let mut slots: Vec<Option<BankTransaction>> =
        std::mem::take(txs).into_iter().map(Some).collect();
    *txs = order
        .iter()
        .map(|&i| slots[i].take().expect("each index once"))
        .collect();
    *rows = order.iter().map(|&i| rows[i]).collect();
    if !moved.is_empty() {
        changes.push(Change::many(
            ChangeKind::Sorted,
            Some(Field::Date),
            moved.clone(),
            format!("sorted oldest first; {} row(s) moved", moved.len()),
        ));
    }
}

/// Computes the balances from the opening (forward) or closing (backward) balance, when the
/// options ask, noting every balance replaced; on overflow the balances are left as they were
/// and the report says so.
fn fill_balances(
    txs: &mut [BankTransaction],
    rows: &[usize],
    balances: BalanceFill,
    changes: &mut Vec<Change>,
    report: &mut ValidationReport,
) {
    let (forward, anchor) = match balances {
        BalanceFill::Keep => return,
        BalanceFill::Opening(o) => (true, o),
        BalanceFill::Closing(c) => (false, c),
    };
    let before: Vec<Option<Decimal>> = txs.iter().map(|t| t.balance).collect();
    let result = if forward {
        balance::fill_forward(txs, anchor)
    } else {
        balance::fill_backward(txs, anchor)
    };
    match result {
        Ok(other_end) => {
            let mut replaced = 0;
            for ((tx, old), &row) in txs.iter().zip(&before).zip(rows) {
                if let Some(old) = old
                    && Some(*old) != tx.balance
                {
                    replaced += 1;
                    changes.push(balance_replaced(row, tx, *old));
                }
            }
            changes.push(balances_computed(
                forward,
                anchor,
                other_end,
                rows.to_vec(),
                replaced,
            ));
        }
        Err(e) => {
            // Leave the balances as they were.
            for (tx, old) in txs.iter_mut().zip(before) {
                tx.balance = old;
            }
            report.push(
                Issue::new(Code::BalanceOverflow, e.to_string())
                    .at_row(rows.get(e.row).copied().unwrap_or(e.row))
                    .with_id(&e.id)
                    .on(Field::Balance),
            );
        }
    }
}

/// Infers a missing type from the sign, or flips a sign that contradicts the type, as the options
/// ask; true when a type was inferred (listed in one change for every row).
pub(crate) fn fix_type(
    tx: &mut BankTransaction,
    row: usize,
    options: &NormaliseOptions,
    changes: &mut Vec<Change>,
) -> bool {
    let profile = options.platform.profile();
    match &tx.transaction_type {
        None if options.infer_types && !tx.amount.is_zero() => {
            tx.transaction_type = Some(if tx.amount.is_sign_negative() {
                TransactionType::Debit
            } else {
                TransactionType::Credit
            });
            return true;
        }
        Some(t) if options.fix_signs && !profile.type_decides_direction => {
            let wrong = match t.direction() {
                Some(Direction::In) => tx.amount.is_sign_negative(),
                Some(Direction::Out) => tx.amount.is_sign_positive(),
                None => false,
            };
            if wrong && !tx.amount.is_zero() {
                let before = tx.amount;
                tx.amount.set_sign_negative(!before.is_sign_negative());
                changes.push(
                    Change::one(
                        ChangeKind::SignFlipped,
                        row,
                        &tx.id,
                        Field::Amount,
                        format!("the sign of the amount was flipped to agree with its type {t}"),
                    )
                    .values(before.to_string(), tx.amount.to_string()),
                );
            }
        }
        _ => {}
    }
    false
}

/// The per-row steps of [`normalise_rows`] before de-duplication: trims the id, tidies the
/// text. What follows it there (the type) is [`fix_type`].
pub(crate) fn tidy_row(
    tx: &mut BankTransaction,
    row: usize,
    options: &NormaliseOptions,
    changes: &mut Vec<Change>,
) {
    if options.trim {
        trim_id(tx, row, changes);
    }
    if options.trim || options.truncate {
        tidy_text(tx, row, options, changes);
    }
}

/// Reports a row whose id an earlier row (`first`, input row `first_row`) already has: an exact
/// repeat is dropped (true), a conflicting one refused.
pub(crate) fn judge_repeat(
    tx: &BankTransaction,
    row: usize,
    first: &BankTransaction,
    first_row: usize,
    report: &mut ValidationReport,
    changes: &mut Vec<Change>,
) -> bool {
    if tx == first {
        let message = format!("an exact repeat of row {}; dropped", first_row);
        report.push(
            Issue::new(Code::ExactDuplicate, message.clone())
                .at_row(row)
                .with_id(&tx.id)
                .on(Field::Id),
        );
        changes.push(Change::one(
            ChangeKind::DuplicateDropped,
            row,
            &tx.id,
            Field::Id,
            message,
        ));
        return true;
    }
    report.push(
            Issue::new(
                Code::ConflictingDuplicate,
                format!(
                    "id `{}` is also used by row {} with different {}; which one is right cannot be told",
                    crate::text::excerpt(&tx.id),
                    first_row,
                    differing_fields(tx, first)
                ),
            )
            .at_row(row)
            .with_id(&tx.id)
            .on(Field::Id),
        );
    false
}

/// The one change listing every row whose type was inferred, when there is one.
pub(crate) fn inferred_change(inferred: Vec<usize>) -> Option<Change> {
    if inferred.is_empty() {
        return None;
    }
    let count = inferred.len();
    Some(Change::many(
        ChangeKind::TypeInferred,
        Some(Field::TransactionType),
        inferred,
        format!(
            "transactionType inferred from the sign (Credit in, Debit out) on {} row(s)",
            count
        ),
    ))
}

/// The change for a balance a computed one replaced.
pub(crate) fn balance_replaced(row: usize, tx: &BankTransaction, old: Decimal) -> Change {
    Change::one(
        ChangeKind::BalanceReplaced,
        row,
        &tx.id,
        Field::Balance,
        "the row's balance did not follow the chain and was replaced".into(),
    )
    .values(old.to_string(), tx.balance.map(|b| b.to_string()))
}

/// The change listing every balance computed, forward from an opening balance or backward from
/// a closing one.
pub(crate) fn balances_computed(
    forward: bool,
    anchor: Decimal,
    other_end: Decimal,
    rows: Vec<usize>,
    replaced: usize,
) -> Change {
    let count = rows.len();
    let (from, to) = if forward {
        ("opening", "closing")
    } else {
        ("closing", "opening")
    };
    Change::many(
        ChangeKind::BalancesComputed,
        Some(Field::Balance),
        rows,
        format!(
            "{} balance(s) computed from the {from} balance {anchor}; the {to} balance is {other_end}{}",
            count,
            if replaced > 0 {
                format!("; {replaced} differing balance(s) replaced")
            } else {
                String::new()
            }
        ),
    )
}

/// Trims whitespace from the ends of an id, recording the change (an id that is blank once
/// trimmed is left for validation's `empty_id`).
fn trim_id(tx: &mut BankTransaction, row: usize, changes: &mut Vec<Change>) {
    let trimmed = crate::text::trim(&tx.id);
    if trimmed.len() == tx.id.len() || trimmed.is_empty() {
        return;
    }
    let after = trimmed.to_owned();
    let before = std::mem::replace(&mut tx.id, after);
    changes.push(
        Change::one(
            ChangeKind::Trimmed,
            row,
            &tx.id,
            Field::Id,
            "whitespace trimmed from id".into(),
        )
        .values(before, tx.id.clone()),
    );
}

/// Trims and, when asked, truncates one row's text fields, recording each change.
fn tidy_text(
    tx: &mut BankTransaction,
    row: usize,
    options: &NormaliseOptions,
    changes: &mut Vec<Change>,
) {
    let profile = options.platform.profile();
    for (field, max) in [
        (Field::Description, profile.max_description),
        (Field::Counterparty, profile.max_counterparty),
        (Field::Reference, profile.max_reference),
    ] {
        let slot = match field {
            Field::Description => &mut tx.description,
            Field::Counterparty => &mut tx.counterparty,
            _ => &mut tx.reference,
        };
        let Some(value) = slot.as_mut() else { continue };
        if options.trim {
            let trimmed = crate::text::trim(value);
            if trimmed.is_empty() {
                let before = std::mem::take(value);
                *slot = None;
                changes.push(
                    Change::one(
                        ChangeKind::Blanked,
                        row,
                        &tx.id,
                        field,
                        format!("blank {field} removed"),
                    )
                    .values(before, None),
                );
                continue;
            }
            if trimmed.len() != value.len() {
                let before = value.clone();
                *value = trimmed.to_owned();
                changes.push(
                    Change::one(
                        ChangeKind::Trimmed,
                        row,
                        &tx.id,
                        field,
                        format!("whitespace trimmed from {field}"),
                    )
                    .values(before, value.clone()),
                );
            }
        }
        if let (true, Some(max)) = (options.truncate, max)
            && value.len() > max
            && value.chars().count() > max
        {
            let before = value.clone();
            *value = value.chars().take(max).collect();
            changes.push(
                Change::one(
                    ChangeKind::Truncated,
                    row,
                    &tx.id,
                    field,
                    format!("{field} cut to {max} characters, {}'s limit", profile.name),
                )
                .values(before, value.clone()),
            );
        }
    }
}

fn differing_fields(a: &BankTransaction, b: &BankTransaction) -> String {
    let mut fields = Vec::new();
    if a.date != b.date {
        fields.push("date");
    }
    if a.amount != b.amount {
        fields.push("amount");
    }
    if a.balance != b.balance {
        fields.push("balance");
    }
    if a.description != b.description {
        fields.push("description");
    }
    if a.counterparty != b.counterparty {
        fields.push("counterparty");
    }
    if a.reference != b.reference {
        fields.push("reference");
    }
    if a.reconciled != b.reconciled {
        fields.push("reconciled");
    }
    if a.transaction_type != b.transaction_type {
        fields.push("transactionType");
    }
    fields.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows passed over in 2, 3 and 4 pieces at once give what one pass gives: the rows as
    /// tidied and typed, every change in order, the inferred rows, whether the dates keep
    /// increasing and which ids repeat, including where the pieces meet.
    #[test]
    fn the_row_pass_in_pieces_is_one_pass() {
        use crate::dates::LocalDateTime;
        let date = |d: usize| {
            let day =
                chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(d as u64);
            LocalDateTime::new(day.and_hms_opt(10, 0, 0).unwrap())
        };
        let n = 1_200;
        // Seams of 2, 3 and 4 pieces: 300, 400, 600, 800, 900.
        let seams = [300, 400, 600, 800, 900];
        let near_seam = |i: usize| seams.iter().any(|&c| i + 1 == c || i == c);
        let shapes: [&dyn Fn(usize) -> BankTransaction; 4] = [
            // Increasing ids, dates and no repeat: no hashes needed.
            &|i| BankTransaction::new(format!("t{i:05}"), date(i), Decimal::new(i as i64 - 600, 2)),
            // Ids that stop increasing only where two pieces meet, and a date going back there.
            &|i| {
                let id = if i == 600 {
                    "t00000".to_string()
                } else {
                    format!("t{i:05}")
                };
                let day = if i == 400 { 0 } else { i };
                let mut tx = BankTransaction::new(id, date(day), Decimal::new(-5, 0));
                tx.transaction_type = Some(TransactionType::Credit);
                tx
            },
            // Untrimmed ids and text, blanks, repeats across pieces, missing and wrong types.
            &|i| {
                let id = match i % 7 {
                    0 => format!(" r{} ", i % 97),
                    1 => format!("r{}", (i * 31) % 211),
                    _ if near_seam(i) => "seam".to_string(),
                    _ => format!("u{}", n - i),
                };
                let mut tx = BankTransaction::new(
                    id,
                    date((i * 37) % 400),
                    Decimal::new(i as i64 % 9 - 4, 1),
                );
                tx.description = match i % 5 {
                    0 => Some("  spaced  ".into()),
                    1 => Some("   ".into()),
                    2 => None,
                    _ => Some(format!("line {i}")),
                };
                tx.transaction_type = match i % 4 {
                    0 => None,
                    1 => Some(TransactionType::Debit),
                    2 => Some(TransactionType::Credit),
                    _ => Some(TransactionType::Fee),
                };
                tx
            },
            // Every id the same.
            &|i| BankTransaction::new("same", date(i), Decimal::new(1, 0)),
        ];
        let options = NormaliseOptions {
            fix_signs: true,
            truncate: true,
            ..NormaliseOptions::default()
        };
        for (s, shape) in shapes.iter().enumerate() {
            for options in [
                options.clone(),
                NormaliseOptions {
                    dedupe: false,
                    trim: false,
                    ..options.clone()
                },
            ] {
                let rows: Vec<usize> = (0..n).map(|i| i * 2 + 5).collect();
                let mut one: Vec<BankTransaction> = (0..n).map(shape).collect();
                let once = row_pass(&mut one, &rows, &options, 1);
                let once_repeats = once.ids.repeats(|j| &one[j].id);
                for pieces in [2, 3, 4] {
                    let mut many: Vec<BankTransaction> = (0..n).map(shape).collect();
                    let pass = row_pass(&mut many, &rows, &options, pieces);
                    let what = format!("shape {s}, {pieces} pieces, dedupe {}", options.dedupe);
                    assert_eq!(many, one, "{what}");
                    assert_eq!(pass.changes, once.changes, "{what}");
                    assert_eq!(pass.inferred, once.inferred, "{what}");
                    assert_eq!(pass.sorted, once.sorted, "{what}");
                    assert_eq!(pass.ids.repeats(|j| &many[j].id), once_repeats, "{what}");
                }
                // Each shape is what it says: in order with no repeat, or not.
                assert_eq!(once.sorted, s == 0 || s == 3, "shape {s}");
                assert_eq!(
                    once_repeats.is_empty(),
                    s == 0 || !options.dedupe,
                    "shape {s}"
                );
            }
        }
    }

    #[test]
    fn every_change_kind_is_listed_once_with_its_serde_name() {
        let names: std::collections::HashSet<_> =
            ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ChangeKind::ALL.len());
        for k in ChangeKind::ALL {
            assert_eq!(
                serde_json::to_string(k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
    }
}
