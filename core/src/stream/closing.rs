//! Balances computed backward from a closing balance, streamed: a reading sums the amounts of
//! the rows kept, which gives the opening balance (the closing balance less the sum); the
//! balances are then computed forward from it, as from an opening balance.
//!
//! Forward and backward agree in value (every sum is exact: checked here, or the file is read
//! whole), but a decimal also has its places and, at zero, a sign, and the backward chain's
//! depend on the rows after each one: `b - a` has the most places of the two (a zero difference
//! is positive), except that subtracting zero leaves `b` as it was, and subtracting from zero
//! gives `-a` as `a` is written (`a` itself when it is zero). So a second reading computes each balance's value and notes, in one byte a row,
//! what the backward chain's form depends on; a sweep from the last row back then gives each
//! balance's places and the sign of a zero, and the rows are read again, checked and written
//! with those.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::{Findings, InMemory, content_hash};
use crate::ingest::InputFormat;
use crate::pipeline::PrepareOptions;
use crate::validate::Issue;

/// A row's places (the low five bits).
const PLACES: u8 = 0x1f;
/// Noted forward: the amount is not zero.
const AMOUNT: u8 = 0x20;
/// Noted forward: the balance after the row is zero.
const ZERO: u8 = 0x40;
/// Noted forward: the amount is negative (a zero one can be); after the sweep, a zero balance
/// is written negative.
const NEGATIVE: u8 = 0x80;

/// The backward chain, as computed forward: where it starts, and how each balance is written.
#[derive(Debug, Clone)]
pub(super) struct Backward {
    /// The closing balance given.
    pub(super) closing: Decimal,
    /// The closing balance less every amount kept: where the chain starts.
    pub(super) opening: Decimal,
    /// For each row kept, in order: the places of its balance, and whether a zero is negative.
    forms: Vec<u8>,
}

impl Backward {
    /// The balance after kept row `k`, whose balance computed forward is `running`, written as
    /// the backward chain writes it.
    pub(super) fn balance(&self, running: Decimal, k: usize) -> Decimal {
        written(running, self.forms.get(k).copied().unwrap_or(0))
    }
}

/// `value` with the places `form` gives it, and the sign when it is zero.
fn written(mut value: Decimal, form: u8) -> Decimal {
    value.rescale(u32::from(form & PLACES));
    if value.is_zero() {
        value.set_sign_negative(form & NEGATIVE != 0);
    }
    value
}

/// What the first readings found.
pub(super) enum Summed {
    /// The chain can be computed forward.
    Chain(Backward),
    /// It cannot stream after all (rows out of order, or sums near the limits of a decimal).
    Whole(InMemory),
    /// The file cannot be read: its one finding.
    Unreadable(Issue),
}

/// The rows [`super::FirstPass`] keeps (exact repeats, by hash, are not kept; rows out of date
/// order stop the reading when sorting is asked for), with their amounts.
struct Kept<'o> {
    options: &'o PrepareOptions,
    first_seen: FxHashMap<u64, u64>,
    previous: Option<crate::dates::LocalDateTime>,
    why: Option<InMemory>,
}

impl<'o> Kept<'o> {
    fn new(options: &'o PrepareOptions) -> Self {
        Kept {
            options,
            first_seen: FxHashMap::default(),
            previous: None,
            why: None,
        }
    }

    /// Reads the file, handing each kept row's amount to `each` (false stops the reading).
    fn read(
        &mut self,
        path: &std::path::Path,
        format: InputFormat,
        mut each: impl FnMut(Decimal) -> bool,
    ) -> std::io::Result<Result<(), Issue>> {
        let norm = &self.options.normalise;
        let (first_seen, previous, why) = (&mut self.first_seen, &mut self.previous, &mut self.why);
        first_seen.clear();
        *previous = None;
        let read = super::rows(
            path,
            format,
            self.options,
            &mut Findings::scratch(),
            |_, tx, id_hash, _| {
                if norm.dedupe {
                    let content = content_hash(&tx);
                    match first_seen.entry(id_hash) {
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(content);
                        }
                        std::collections::hash_map::Entry::Occupied(o) => {
                            if *o.get() == content {
                                return true;
                            }
                        }
                    }
                }
                if norm.sort && previous.is_some_and(|p| tx.date < p) {
                    *why = Some(InMemory::Unsorted);
                    return false;
                }
                *previous = Some(tx.date);
                if !each(tx.amount) {
                    *why = Some(InMemory::ClosingBalance);
                    return false;
                }
                true
            },
        )?;
        Ok(read.map(|_| ()))
    }
}

/// Reads the file twice: the sum of the amounts kept, then each balance's value (see the module
/// documentation).
pub(super) fn sum(
    path: &std::path::Path,
    format: InputFormat,
    options: &PrepareOptions,
    closing: Decimal,
) -> std::io::Result<Summed> {
    let mut kept = Kept::new(options);
    let mut total = Decimal::ZERO;
    // The sum of every magnitude bounds every running balance, either way.
    let mut magnitude = closing.abs();
    let mut most_places = closing.scale();
    let mut rows = 0usize;
    let read = kept.read(path, format, |amount| {
        let (Some(t), Some(m)) = (
            total.checked_add(amount),
            magnitude.checked_add(amount.abs()),
        ) else {
            return false;
        };
        (total, magnitude) = (t, m);
        most_places = most_places.max(amount.scale());
        rows += 1;
        true
    })?;
    if let Err(issue) = read {
        return Ok(Summed::Unreadable(issue));
    }
    if let Some(why) = kept.why {
        return Ok(Summed::Whole(why));
    }
    // Every running balance, at the most places met, fits in an exact decimal's 96 bits
    // (10^28 < 2^96): no sum is rounded, either way.
    let limit = Decimal::from_i128_with_scale(10i128.pow(28 - most_places), 0);
    let opening = match closing.checked_sub(total) {
        Some(opening) if magnitude < limit => opening,
        _ => return Ok(Summed::Whole(InMemory::ClosingBalance)),
    };

    let mut forms = Vec::with_capacity(rows);
    let mut running = opening;
    let read = kept.read(path, format, |amount| {
        running += amount;
        let mut form = amount.scale() as u8;
        if !amount.is_zero() {
            form |= AMOUNT;
        }
        if running.is_zero() {
            form |= ZERO;
        }
        if amount.is_sign_negative() {
            form |= NEGATIVE;
        }
        forms.push(form);
        true
    })?;
    if read.is_err() || kept.why.is_some() || forms.len() != rows {
        // The file changed between the readings.
        return Ok(Summed::Whole(InMemory::ClosingBalance));
    }
    let before_first = sweep(&mut forms, closing);
    Ok(Summed::Chain(Backward {
        closing,
        opening: written(opening, before_first),
        forms,
    }))
}

/// From the last row back, as the backward chain goes: each row's noted amount and balance
/// become the places of its balance and the sign of a zero one. Gives the form of the balance
/// before the first row (the opening balance).
fn sweep(forms: &mut [u8], closing: Decimal) -> u8 {
    // The form of the balance after the row being looked at (the closing balance's first).
    let mut places = closing.scale() as u8;
    let mut negative = closing.is_sign_negative();
    for j in (0..forms.len()).rev() {
        let noted = forms[j];
        forms[j] = places | if negative { NEGATIVE } else { 0 };
        // The balance before row j: balance[j] - amount[j].
        let amount_places = noted & PLACES;
        if noted & ZERO != 0 {
            // Subtracting from zero gives -amount as the amount is written (the amount itself,
            // sign included, when it is zero).
            places = amount_places;
            negative = noted & AMOUNT == 0 && noted & NEGATIVE != 0;
        } else if noted & AMOUNT != 0 {
            places = places.max(amount_places);
            negative = false;
        }
        // Subtracting zero from a balance that is not zero leaves it as it was.
    }
    places | if negative { NEGATIVE } else { 0 }
}
