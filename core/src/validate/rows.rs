//! The rules applied to each transaction, in one pass over the rows.

use chrono::TimeDelta;

use super::{Code, Field, Issue, ValidationContext, ValidationReport};
use crate::balance::{ChainWalker, Link};
use crate::ids::IdIndex;
use crate::model::{BankTransaction, Direction, TransactionType};
use crate::money::{self, Currency};

/// Whether text is empty or only whitespace, without scanning ordinary text.
pub(crate) fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii_graphic() => false,
        Some(_) => s.trim().is_empty(),
    }
}

fn describe(t: &TransactionType) -> &'static str {
    match t.direction() {
        Some(Direction::In) => "money in, a positive amount",
        Some(Direction::Out) => "money out, a negative amount",
        None => "either direction",
    }
}

fn too_long(
    report: &mut ValidationReport,
    row: usize,
    tx: &BankTransaction,
    limit: TextLimit<'_>,
    platform: &str,
) {
    let TextLimit {
        field,
        code,
        value,
        max,
    } = limit;
    let (Some(value), Some(max)) = (value, max) else {
        return;
    };
    // Byte length bounds char count from above: only count chars when it could matter.
    if value.len() <= max {
        return;
    }
    let chars = value.chars().count();
    if chars > max {
        report.push(
            Issue::new(
                code,
                format!("{field} has {chars} characters; {platform} takes at most {max}"),
            )
            .at_row(row)
            .with_id(&tx.id)
            .on(field)
            .expected_found(max, chars),
        );
    }
}

/// A text field and the platform's limit for it.
struct TextLimit<'a> {
    field: Field,
    code: Code,
    value: Option<&'a String>,
    max: Option<usize>,
}

/// The finding for an id that breaks [`crate::ids::id_text`]'s rule.
fn id_text_issue(
    issue: impl Fn(Code, String) -> Issue,
    problem: crate::ids::IdText,
    id: &str,
) -> Issue {
    let message = match problem {
        crate::ids::IdText::Control { at, ch } => format!(
            "id has a control character (U+{:04X}) at character {}; ids are sent to the accounting software as they are: remove it",
            u32::from(ch),
            at + 1
        ),
        crate::ids::IdText::Untrimmed => format!(
            "id `{}` has whitespace at its start or end; Codat compares ids exactly, so it and `{}` would be two transactions: trim it (normalisation does)",
            crate::text::excerpt(id),
            crate::text::excerpt(id.trim())
        ),
    };
    issue(Code::InvalidValue, message).on(Field::Id).found(id)
}

pub(super) fn check_rows(
    txs: &[BankTransaction],
    row_of: &(dyn Fn(usize) -> usize + Sync),
    ctx: &ValidationContext,
    ids_checked: bool,
    report: &mut ValidationReport,
) {
    let repeats = || {
        let mut ids = IdIndex::new();
        for (i, tx) in txs.iter().enumerate() {
            ids.push(&tx.id, i.checked_sub(1).map(|p| txs[p].id.as_str()), |j| {
                &txs[j].id
            });
        }
        ids.repeats(|j| &txs[j].id)
    };
    let (checker, repeats) = if ids_checked {
        (check_in_pieces(txs, row_of, ctx, report), Vec::new())
    } else if txs.len() < PIECE_ROWS {
        (check_in_pieces(txs, row_of, ctx, report), repeats())
    } else {
        // The repeated ids are looked for on a thread of their own while the rows are checked.
        crate::threads::join(
            "bankfeeds-ids",
            || check_in_pieces(txs, row_of, ctx, report),
            repeats,
        )
    };
    for (i, first) in repeats {
        let tx = &txs[i];
        if let Some(issue) = duplicate_id(&tx.id, row_of(i), row_of(first)) {
            report.push(issue);
        }
    }
    checker.finish(report);
}

/// Rows a piece of a batch checked on a thread of its own has at least.
const PIECE_ROWS: usize = 64 * 1024;

/// Where the pieces of a batch of `txs` start, one a core (up to 4): each after a row with a
/// balance, which is all a [`RowChecker`] carries from one row to the next besides the date
/// (see [`RowChecker::after`]). One piece (`[0]`) for a small batch, or one whose balances are
/// too sparse to cut it.
fn piece_starts(txs: &[BankTransaction]) -> Vec<usize> {
    let pieces = crate::threads::pieces(txs.len(), PIECE_ROWS);
    let mut starts = vec![0];
    for k in 1..pieces {
        let cut = crate::threads::cut(txs.len(), pieces, k);
        // The first row at or after the cut whose previous row has a balance.
        if let Some(start) = (cut..(cut + 1024).min(txs.len()))
            .find(|&i| txs[i - 1].balance.is_some())
            .filter(|&i| i > *starts.last().unwrap_or(&0))
        {
            starts.push(start);
        }
    }
    starts
}

/// Every row through [`RowChecker::row`], in pieces checked at once on other threads (see
/// [`piece_starts`]), their findings joined in row order: the same findings, in the same order,
/// as one checker going through every row. Returns the checker as it stands after the last
/// row, for [`RowChecker::finish`].
fn check_in_pieces<'c>(
    txs: &[BankTransaction],
    row_of: &(dyn Fn(usize) -> usize + Sync),
    ctx: &'c ValidationContext,
    report: &mut ValidationReport,
) -> RowChecker<'c> {
    check_from(txs, row_of, ctx, report, &piece_starts(txs))
}

/// [`check_in_pieces`] with the pieces starting at `starts`: `0`, then rows after a row with a
/// balance, in order.
fn check_from<'c>(
    txs: &[BankTransaction],
    row_of: &(dyn Fn(usize) -> usize + Sync),
    ctx: &'c ValidationContext,
    report: &mut ValidationReport,
    starts: &[usize],
) -> RowChecker<'c> {
    let ends = starts.iter().skip(1).copied().chain([txs.len()]);
    let ranges: Vec<std::ops::Range<usize>> = starts
        .iter()
        .copied()
        .zip(ends)
        .map(|(a, b)| a..b)
        .collect();
    let check = |checker: &mut RowChecker<'_>,
                 range: std::ops::Range<usize>,
                 report: &mut ValidationReport| {
        for i in range {
            checker.row(&txs[i], row_of(i), report);
        }
    };
    let mut checker = RowChecker::new(ctx);
    if ranges.len() < 2 {
        for range in ranges {
            check(&mut checker, range, report);
        }
        return checker;
    }
    // Each piece checked at once by a checker of its own (the first as any checker starts),
    // then joined in row order.
    let mut pieces = crate::threads::each("bankfeeds-check", ranges, |rows| {
        let mut piece = match rows.start {
            0 => RowChecker::new(ctx),
            start => RowChecker::after(ctx, &txs[start - 1], start),
        };
        let mut found = ValidationReport::new();
        check(&mut piece, rows, &mut found);
        (piece, found)
    })
    .into_iter();
    if let Some((first, found)) = pieces.next() {
        checker = first;
        report.extend(found);
    }
    for (piece, found) in pieces {
        checker.absorb(piece, found, report);
    }
    checker
}

/// The finding for an id that input row `row` repeats from row `first`; none for a blank id
/// (which `empty_id` reports).
pub(crate) fn duplicate_id(id: &str, row: usize, first: usize) -> Option<Issue> {
    (!is_blank(id)).then(|| {
        Issue::new(
            Code::DuplicateId,
            format!(
                "id `{}` is used by row {first} too; ids must be unique",
                crate::text::excerpt(id),
            ),
        )
        .at_row(row)
        .with_id(id)
        .on(Field::Id)
    })
}

/// The rules of [`check_rows`] but repeated ids, one row at a time, in the order the rows will
/// be pushed: the balance chain, the date order and the first-seen notes carry from row to row.
/// Rows may come from a slice or be read as a file streams by.
pub(crate) struct RowChecker<'c> {
    ctx: std::borrow::Cow<'c, ValidationContext>,
    minor_units: Option<u32>,
    currency_code: String,
    feed_start: Option<chrono::NaiveDate>,
    oldest: Option<chrono::NaiveDate>,
    chain: ChainWalker,
    previous: Option<crate::dates::LocalDateTime>,
    /// Rows checked so far.
    position: usize,
    ignored_seen: [bool; 3],
    missing_count: usize,
    /// Rows lacking a balance and their ids, kept only when the platform needs balances.
    missing: Vec<(usize, String)>,
}

impl<'c> RowChecker<'c> {
    pub(crate) fn new(ctx: &'c ValidationContext) -> Self {
        Self::with(std::borrow::Cow::Borrowed(ctx))
    }

    /// A checker that keeps its own copy of the context (for one that outlives the caller's).
    pub(crate) fn owned(ctx: ValidationContext) -> RowChecker<'static> {
        RowChecker::with(std::borrow::Cow::Owned(ctx))
    }

    fn with(ctx: std::borrow::Cow<'c, ValidationContext>) -> Self {
        let profile = ctx.profile();
        RowChecker {
            minor_units: ctx.currency().and_then(Currency::minor_units),
            currency_code: ctx.currency().map(Currency::code).unwrap_or_default(),
            feed_start: ctx.account.as_ref().and_then(|a| a.feed_start_date),
            oldest: profile
                .max_age_days
                .and_then(|d| ctx.today.checked_sub_signed(TimeDelta::days(d))),
            chain: ChainWalker::new(ctx.opening_balance),
            previous: None,
            position: 0,
            ignored_seen: [false; 3],
            missing_count: 0,
            missing: Vec::new(),
            ctx,
        }
    }

    /// A checker for the rows from `position` on, as one that went through the rows before
    /// stands after `previous`, the row before them, which has a balance: the chain carries
    /// that balance and the date order that date. What else a checker gathers (first-seen
    /// notes, balances missing) is joined by [`RowChecker::absorb`].
    fn after(ctx: &'c ValidationContext, previous: &BankTransaction, position: usize) -> Self {
        debug_assert!(previous.balance.is_some(), "pieces start after a balance");
        let mut checker = Self::new(ctx);
        checker.chain = ChainWalker::new(previous.balance);
        checker.previous = Some(previous.date);
        checker.position = position;
        checker
    }

    /// Takes in the checker of the piece after this one's rows ([`RowChecker::after`]) and its
    /// findings: a field first seen in the piece, already seen here, is not noted again.
    fn absorb(
        &mut self,
        piece: RowChecker<'_>,
        found: ValidationReport,
        report: &mut ValidationReport,
    ) {
        let ignored = self.ctx.profile().ignored_fields;
        let seen = self.ignored_seen;
        for issue in found.issues {
            let noted_here = issue.code == Code::FieldIgnored
                && ignored
                    .iter()
                    .position(|f| Some(*f) == issue.field)
                    .is_some_and(|k| k < seen.len() && seen[k]);
            if !noted_here {
                report.push(issue);
            }
        }
        for (mine, theirs) in self.ignored_seen.iter_mut().zip(piece.ignored_seen) {
            *mine |= theirs;
        }
        self.chain = piece.chain;
        self.previous = piece.previous;
        self.position = piece.position;
        self.missing_count += piece.missing_count;
        self.missing.extend(piece.missing);
    }

    /// Checks the next row, input row `row`: one rule group after another, in the order their
    /// findings are reported.
    pub(crate) fn row(&mut self, tx: &BankTransaction, row: usize, report: &mut ValidationReport) {
        self.identity(tx, row, report);
        self.type_and_sign(tx, row, report);
        self.precision(tx, row, report);
        self.dates(tx, row, report);
        self.dates_on_the_account(tx, row, report);
        self.text(tx, row, report);
        self.balance_presence(tx, row);
        self.chain(tx, row, report);
        self.position += 1;
    }

    /// Identity: an id there is, of readable text, and a row that fits in a push body alone
    /// (repeats are reported after the loop, once every id is known).
    fn identity(&mut self, tx: &BankTransaction, row: usize, report: &mut ValidationReport) {
        let issue =
            |code: Code, message: String| Issue::new(code, message).at_row(row).with_id(&tx.id);
        if is_blank(&tx.id) {
            report.push(
                issue(
                    Code::EmptyId,
                    "id is empty; every transaction needs a unique id".into(),
                )
                .on(Field::Id),
            );
        } else if let Some(problem) = crate::ids::id_text(&tx.id) {
            report.push(id_text_issue(issue, problem, &tx.id));
        }
        if let Some(bytes) = crate::batch::too_large_alone(tx) {
            report.push(issue(
            Code::BatchTooLarge,
            format!(
                "this transaction alone takes {bytes} bytes of JSON, and a push body takes at most {}: shorten its text",
                crate::batch::MAX_PUSH_BODY_BYTES
            ),
        ));
        }
    }

    /// The transaction type: one Codat knows, one the platform takes, and the amount's sign
    /// against it; and a zero amount.
    fn type_and_sign(&mut self, tx: &BankTransaction, row: usize, report: &mut ValidationReport) {
        let profile = self.ctx.profile();
        let name = profile.name;
        let issue =
            |code: Code, message: String| Issue::new(code, message).at_row(row).with_id(&tx.id);
        if let Some(t) = &tx.transaction_type {
            if let TransactionType::Unrecognised(s) = t {
                report.push(
                    issue(
                        Code::UnknownTransactionType,
                        format!(
                            "`{}` is not a transaction type Codat knows",
                            crate::text::excerpt(s)
                        ),
                    )
                    .on(Field::TransactionType)
                    .found(s),
                );
            } else if let Some(allowed) = profile.allowed_types
                && !allowed.contains(t)
            {
                let names: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
                report.push(
                    issue(
                        Code::UnsupportedTransactionType,
                        format!(
                            "{name} takes only {} as transactionType, not {t}",
                            names.join(", ")
                        ),
                    )
                    .on(Field::TransactionType)
                    .expected_found(names.join("|"), t),
                );
            }
            if let Some(direction) = t.direction() {
                let wrong = match direction {
                    Direction::In => tx.amount.is_sign_negative() && !tx.amount.is_zero(),
                    Direction::Out => tx.amount.is_sign_positive() && !tx.amount.is_zero(),
                };
                if wrong {
                    if profile.type_decides_direction {
                        report.push(
                        issue(
                            Code::TypeDecidesDirection,
                            format!(
                                "{name} books a {t} as {} whatever the sign, so {} will be booked the other way",
                                describe(t),
                                tx.amount
                            ),
                        )
                        .on(Field::Amount),
                    );
                    } else {
                        report.push(
                            issue(
                                Code::SignMismatch,
                                format!(
                                    "a {t} is {}, but the amount is {}",
                                    describe(t),
                                    tx.amount
                                ),
                            )
                            .on(Field::Amount)
                            .found(tx.amount),
                        );
                    }
                }
            }
        }
        if tx.amount.is_zero() {
            report.push(issue(Code::ZeroAmount, "the amount is zero".into()).on(Field::Amount));
        }
    }

    /// Amount and balance against the currency's decimal places.
    fn precision(&mut self, tx: &BankTransaction, row: usize, report: &mut ValidationReport) {
        let issue =
            |code: Code, message: String| Issue::new(code, message).at_row(row).with_id(&tx.id);
        if let Some(units) = self.minor_units {
            for (field, value) in [
                (Field::Amount, Some(tx.amount)),
                (Field::Balance, tx.balance),
            ] {
                if let Some(v) = value {
                    // Trailing zeros are fine, so only a longer scale needs a closer look.
                    let places = if v.scale() <= units {
                        v.scale()
                    } else {
                        money::significant_decimal_places(&v)
                    };
                    if places > units {
                        report.push(
                            issue(
                                Code::TooManyDecimals,
                                format!(
                                    "{field} {v} has {places} decimal places; {} has {units}",
                                    self.currency_code
                                ),
                            )
                            .on(field)
                            .expected_found(format!("at most {units} decimal places"), v),
                        );
                    }
                }
            }
        }
    }

    /// The date: oldest first, cleared (not after today) and within the platform's age.
    fn dates(&mut self, tx: &BankTransaction, row: usize, report: &mut ValidationReport) {
        let profile = self.ctx.profile();
        let name = profile.name;
        let issue =
            |code: Code, message: String| Issue::new(code, message).at_row(row).with_id(&tx.id);
        let when = tx.date.datetime();
        let day = when.date();
        if let Some(prev) = self.previous
            && tx.date < prev
        {
            report.push(
                issue(
                    Code::NotChronological,
                    format!(
                        "dated {} but the row above is dated {}; Codat takes transactions oldest first",
                        tx.date, prev
                    ),
                )
                .on(Field::Date)
                .expected_found(format!("on or after {}", prev), tx.date),
            );
        }
        self.previous = Some(tx.date);
        if day > self.ctx.today {
            report.push(
            issue(
                Code::FutureDate,
                format!("dated {} which is after today ({}); only cleared transactions can be pushed", day, self.ctx.today),
            )
            .on(Field::Date)
            .expected_found(format!("on or before {}", self.ctx.today), tx.date),
        );
        }
        if let Some(oldest) = self.oldest
            && day < oldest
        {
            report.push(
                issue(
                    Code::DateTooOld,
                    format!("dated {day}, more than {} days before today; {name} refuses older transactions", profile.max_age_days.unwrap_or_default()),
                )
                .on(Field::Date)
                .expected_found(format!("on or after {oldest}"), tx.date),
            );
        }
    }

    /// The date against the account: on or after its feed start date and the newest
    /// transaction already on it, and no offset dropped silently.
    fn dates_on_the_account(
        &mut self,
        tx: &BankTransaction,
        row: usize,
        report: &mut ValidationReport,
    ) {
        let profile = self.ctx.profile();
        let name = profile.name;
        let issue =
            |code: Code, message: String| Issue::new(code, message).at_row(row).with_id(&tx.id);
        let when = tx.date.datetime();
        let day = when.date();
        if let Some(start) = self.feed_start
            && day < start
        {
            report.push(
                issue(
                    Code::BeforeFeedStart,
                    format!("dated {day}, before the account's feed start date {start}"),
                )
                .severity(profile.before_feed_start)
                .on(Field::Date)
                .expected_found(format!("on or after {start}"), tx.date),
            );
        }
        if let Some(latest) = self.ctx.latest_existing {
            if profile.latest_by_date {
                // Statement lines are dates: the same day is not older, whatever the time.
                if day < latest.date() {
                    report.push(
                    issue(
                        Code::OlderThanLatest,
                        format!(
                            "dated {day}, older than the newest transaction already on the account (on {}); {name} compares days, and takes none earlier",
                            latest.date()
                        ),
                    )
                    .severity(profile.older_than_latest)
                    .on(Field::Date)
                    .expected_found(format!("on or after {}", latest.date()), tx.date),
                );
                }
            } else if when < latest {
                report.push(
                issue(
                    Code::OlderThanLatest,
                    format!(
                        "dated {}, older than the newest transaction already on the account ({latest})",
                        tx.date
                    ),
                )
                .severity(profile.older_than_latest)
                .on(Field::Date)
                .expected_found(format!("on or after {latest}"), tx.date),
            );
            }
        }
        if let Some(offset) = tx.date.dropped_offset_seconds() {
            let sign = if offset < 0 { '-' } else { '+' };
            let abs = offset.unsigned_abs();
            report.push(
            issue(
                Code::OffsetDropped,
                format!(
                    "the offset {sign}{:02}:{:02} was dropped: Codat books the local time {} as written",
                    abs / 3600,
                    abs % 3600 / 60,
                    tx.date
                ),
            )
            .on(Field::Date),
        );
        }
    }

    /// Description, counterparty and reference: present where the platform needs them, within
    /// its lengths, and noted once when it ignores them.
    fn text(&mut self, tx: &BankTransaction, row: usize, report: &mut ValidationReport) {
        let profile = self.ctx.profile();
        let name = profile.name;
        let issue =
            |code: Code, message: String| Issue::new(code, message).at_row(row).with_id(&tx.id);
        if profile.description_required
            && tx
                .description
                .as_deref()
                .is_none_or(|d| d.trim().is_empty())
        {
            report.push(
                issue(
                    Code::MissingDescription,
                    format!("{name} needs a description on every transaction"),
                )
                .on(Field::Description),
            );
        }
        for limit in [
            TextLimit {
                field: Field::Description,
                code: Code::DescriptionTooLong,
                value: tx.description.as_ref(),
                max: profile.max_description,
            },
            TextLimit {
                field: Field::Counterparty,
                code: Code::CounterpartyTooLong,
                value: tx.counterparty.as_ref(),
                max: profile.max_counterparty,
            },
            TextLimit {
                field: Field::Reference,
                code: Code::ReferenceTooLong,
                value: tx.reference.as_ref(),
                max: profile.max_reference,
            },
        ] {
            too_long(report, row, tx, limit, name);
        }
        for (k, field) in profile.ignored_fields.iter().enumerate() {
            let present = match field {
                Field::Counterparty => tx.counterparty.is_some(),
                Field::Reference => tx.reference.is_some(),
                Field::Reconciled => tx.reconciled.is_some(),
                _ => false,
            };
            if present && k < self.ignored_seen.len() && !self.ignored_seen[k] {
                self.ignored_seen[k] = true;
                report.push(
                Issue::new(
                    Code::FieldIgnored,
                    format!("{name} ignores {field}; it will not show in the accounting software (first seen on row {row})"),
                )
                .on(*field),
            );
            }
        }
    }

    /// Rows without a balance, counted for [`RowChecker::finish`].
    fn balance_presence(&mut self, tx: &BankTransaction, row: usize) {
        let profile = self.ctx.profile();
        if tx.balance.is_none() {
            self.missing_count += 1;
            if profile.missing_balance.is_some() {
                self.missing.push((row, tx.id.clone()));
            }
        }
    }

    /// The balance chain: this balance is the previous one plus the amount.
    fn chain(&mut self, tx: &BankTransaction, row: usize, report: &mut ValidationReport) {
        let issue =
            |code: Code, message: String| Issue::new(code, message).at_row(row).with_id(&tx.id);
        match self.chain.step(tx) {
            Link::Follows | Link::Missing => {}
            Link::Breaks { expected, found } => {
                let previous = expected.checked_sub(tx.amount).unwrap_or_default();
                let origin = if self.position == 0 {
                    "the opening balance"
                } else {
                    "the previous balance"
                };
                // The difference of two balances can exceed what a decimal holds.
                let off = found
                    .checked_sub(expected)
                    .map_or_else(|| "more than 28 digits".to_owned(), |d| d.to_string());
                report.push(
                issue(
                    Code::BalanceMismatch,
                    format!(
                        "balance is {found} but {origin} {previous} plus the amount {} makes {expected} (off by {off})",
                        tx.amount
                    ),
                )
                .on(Field::Balance)
                .expected_found(expected, found),
            );
            }
            Link::Overflows => report.push(
                issue(
                    Code::BalanceOverflow,
                    "the running balance overflows 28 digits".into(),
                )
                .on(Field::Balance),
            ),
        }
    }

    /// The findings that need every row seen (balances missing on some rows or all). Called
    /// after the repeated ids are reported, as [`check_rows`] orders them.
    pub(crate) fn finish(self, report: &mut ValidationReport) {
        self.finish_with(report, |_| true);
    }

    /// [`RowChecker::finish`], adding only the findings `keep` keeps.
    pub(crate) fn finish_with(self, report: &mut ValidationReport, keep: impl Fn(&Issue) -> bool) {
        let mut report = Keeping { report, keep };
        let profile = self.ctx.profile();
        let name = profile.name;
        let count = self.position;
        if let Some(severity) = profile.missing_balance {
            if self.missing_count == count {
                report.push(
                    Issue::new(
                        Code::MissingBalance,
                        format!(
                            "none of the {} transactions has a balance; {name} needs one on every transaction: compute them from the account's opening or closing balance",
                            count
                        ),
                    )
                    .severity(severity)
                    .on(Field::Balance),
                );
            } else if self.missing_count > 0 {
                for (row, id) in self.missing {
                    report.push(
                        Issue::new(
                            Code::MissingBalance,
                            format!("{name} needs a balance on every transaction"),
                        )
                        .severity(severity)
                        .at_row(row)
                        .with_id(&id)
                        .on(Field::Balance),
                    );
                }
            }
        }
    }
}

/// A report that takes only the findings `keep` keeps.
struct Keeping<'r, K> {
    report: &'r mut ValidationReport,
    keep: K,
}

impl<K: Fn(&Issue) -> bool> Keeping<'_, K> {
    fn push(&mut self, issue: Issue) {
        if (self.keep)(&issue) {
            self.report.push(issue);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Platform;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    /// A row: amount in cents, its balance (`None`: none; `Some(false)`: one that breaks the
    /// chain), days after the first date (rows may go back), and which ignored fields it has.
    type Row = (i64, Option<bool>, u8, bool, bool, bool);

    fn transactions(rows: &[Row]) -> Vec<BankTransaction> {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let mut balance = Decimal::new(10_000, 2);
        rows.iter()
            .enumerate()
            .map(
                |(i, &(cents, kept, days, counterparty, reference, reconciled))| {
                    let amount = Decimal::new(cents, 2);
                    balance += amount;
                    let date = start + chrono::Days::new(days.into());
                    let mut tx = BankTransaction::new(format!("t{i}"), date.into(), amount);
                    tx.balance = kept.map(|good| {
                        if good {
                            balance
                        } else {
                            balance + Decimal::ONE
                        }
                    });
                    tx.counterparty = counterparty.then(|| "Shop".to_owned());
                    tx.reference = reference.then(|| "Ref".to_owned());
                    tx.reconciled = reconciled.then_some(true);
                    tx.description = Some("Coffee".to_owned());
                    tx
                },
            )
            .collect()
    }

    fn check(txs: &[BankTransaction], ctx: &ValidationContext, starts: &[usize]) -> Vec<Issue> {
        let mut report = ValidationReport::new();
        let row_of = |i: usize| i + 2;
        check_from(txs, &row_of, ctx, &mut report, starts).finish(&mut report);
        report.issues
    }

    fn row() -> impl Strategy<Value = Row> {
        (
            prop_oneof![Just(0i64), -5000i64..5000],
            prop_oneof![8 => Just(Some(true)), 1 => Just(Some(false)), 2 => Just(None)],
            prop_oneof![6 => 0u8..3, 1 => 0u8..40],
            prop::bool::weighted(0.05),
            prop::bool::weighted(0.05),
            prop::bool::weighted(0.05),
        )
    }

    proptest! {
        /// Rows checked in pieces give the findings, in order, that one checker gives: breaks,
        /// dates going back, missing balances and first-seen notes on either side of a cut.
        #[test]
        fn pieces_find_what_one_pass_finds(
            rows in prop::collection::vec(row(), 2..120),
            cuts in prop::collection::vec(1usize..120, 0..4),
            platform in prop::sample::select(Platform::ALL.to_vec()),
            opening in prop::option::of(Just(Decimal::new(10_000, 2))),
        ) {
            let txs = transactions(&rows);
            let mut ctx = ValidationContext::new(platform, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
            ctx.opening_balance = opening;
            let mut starts = vec![0];
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c < txs.len() && txs[c - 1].balance.is_some()).collect();
            cuts.sort_unstable();
            cuts.dedup();
            starts.extend(cuts);
            prop_assert_eq!(check(&txs, &ctx, &starts), check(&txs, &ctx, &[0]));
        }
    }

    #[test]
    fn a_large_batch_checked_in_pieces_reports_as_one_pass_does() {
        // Repeated ids (looked for on a thread of their own), a broken chain and missing
        // balances (Xero needs them) in pieces and across their cuts.
        let rows: Vec<Row> = (0..(3 * PIECE_ROWS + 17))
            .map(|i| {
                let balance = match i % 50_000 {
                    7 => Some(false),
                    11 | 12 => None,
                    _ => Some(true),
                };
                (100 + (i % 7) as i64, balance, 0, false, false, false)
            })
            .collect();
        let mut txs = transactions(&rows);
        for (from, to) in [(3, 70_000), (70_001, 150_000), (5, 6)] {
            txs[to].id = txs[from].id.clone();
        }
        let ctx =
            ValidationContext::new(Platform::Xero, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
        let row_of = |i: usize| i + 2;
        let mut found = ValidationReport::new();
        check_rows(&txs, &row_of, &ctx, false, &mut found);

        let mut one_pass = ValidationReport::new();
        let checker = check_from(&txs, &row_of, &ctx, &mut one_pass, &[0]);
        let mut ids = IdIndex::new();
        for (i, tx) in txs.iter().enumerate() {
            ids.push(&tx.id, i.checked_sub(1).map(|p| txs[p].id.as_str()), |j| {
                &txs[j].id
            });
        }
        for (i, first) in ids.repeats(|j| &txs[j].id) {
            one_pass.push(duplicate_id(&txs[i].id, row_of(i), row_of(first)).unwrap());
        }
        checker.finish(&mut one_pass);

        let codes =
            |r: &ValidationReport, code: Code| r.issues.iter().filter(|i| i.code == code).count();
        assert_eq!(codes(&found, Code::DuplicateId), 3);
        assert!(codes(&found, Code::BalanceMismatch) >= 4);
        assert_eq!(codes(&found, Code::MissingBalance), 2 * 4);
        assert_eq!(found.issues, one_pass.issues);
    }

    #[test]
    fn a_large_batch_is_cut_after_balances_only() {
        let rows: Vec<Row> = (0..(4 * PIECE_ROWS))
            .map(|i| (100, (i % 3 != 0).then_some(true), 0, false, false, false))
            .collect();
        let txs = transactions(&rows);
        let starts = piece_starts(&txs);
        assert_eq!(starts[0], 0);
        assert!(starts.windows(2).all(|w| w[0] < w[1]));
        assert!(starts[1..].iter().all(|&s| txs[s - 1].balance.is_some()));
        if std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
            assert!(starts.len() > 1, "{starts:?}");
        }
        let none: Vec<Row> = rows
            .iter()
            .map(|r| (r.0, None, 0, false, false, false))
            .collect();
        assert_eq!(piece_starts(&transactions(&none)), vec![0]);
    }
}
