//! Validation: every rule, every row, all findings at once.
//!
//! [`validate`] checks transactions against Codat's generic rules and the platform's
//! [`Profile`], given a [`ValidationContext`] that says which platform,
//! which day it is (time rules take `today` as an input so results are reproducible), and what is
//! known of the source account. Findings are data ([`ValidationReport`]); nothing here fails or
//! panics on bad input.
//!
//! ```
//! use bankfeeds::model::{BankTransaction, TransactionType};
//! use bankfeeds::rules::Platform;
//! use bankfeeds::validate::{validate, ValidationContext};
//! use rust_decimal_macros::dec;
//! let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
//! let txs = vec![
//!     BankTransaction::new("a", "2024-05-01".parse().unwrap(), dec!(100.00)).with_balance(dec!(100.00)),
//!     BankTransaction::new("b", "2024-05-02".parse().unwrap(), dec!(-17.54))
//!         .with_balance(dec!(82.47))
//!         .with_type(TransactionType::Debit),
//! ];
//! let report = validate(&txs, &ValidationContext::new(Platform::Xero, today));
//! let issue = report.errors().next().unwrap();
//! assert_eq!((issue.code.as_str(), issue.row), ("balance_mismatch", Some(1)));
//! assert_eq!(issue.expected.as_deref(), Some("82.46"));
//! ```

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use rust_decimal::Decimal;

use crate::balance::{self, Link};
use crate::model::{BankTransaction, CreateBankTransactions, Direction, TransactionType};
use crate::money::{self, Currency};
use crate::rules::{Platform, Profile};

mod account;
mod codes;
mod report;

pub use account::{AccountContext, normalise_sort_code};
pub use codes::Code;
pub use report::{Field, Issue, Severity, ValidationReport};

/// What validation needs to know beyond the transactions themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationContext {
    /// Whose rules apply.
    pub platform: Platform,
    /// Today's date where the account is kept; future and age rules are judged against it.
    pub today: NaiveDate,
    /// What is known of the source account (currency, status, sort code, feed start date).
    pub account: Option<AccountContext>,
    /// The balance before the first transaction, when known: the first row's balance is then
    /// checked too.
    pub opening_balance: Option<Decimal>,
    /// The date of the newest transaction already on the account, when known.
    pub latest_existing: Option<NaiveDateTime>,
    /// The company's country (ISO 3166 alpha-2), for platforms limited to some regions.
    pub country: Option<String>,
}

impl ValidationContext {
    /// A context for a platform and a day; nothing known about the account.
    pub fn new(platform: Platform, today: NaiveDate) -> Self {
        ValidationContext {
            platform,
            today,
            account: None,
            opening_balance: None,
            latest_existing: None,
            country: None,
        }
    }

    /// Sets what is known of the account.
    pub fn with_account(mut self, account: AccountContext) -> Self {
        self.account = Some(account);
        self
    }

    /// Sets the balance before the first transaction.
    pub fn with_opening_balance(mut self, opening: Decimal) -> Self {
        self.opening_balance = Some(opening);
        self
    }

    /// Sets the date of the newest transaction already on the account.
    pub fn with_latest_existing(mut self, latest: NaiveDateTime) -> Self {
        self.latest_existing = Some(latest);
        self
    }

    /// Sets the company's country.
    pub fn with_country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// The platform's rules.
    pub fn profile(&self) -> &'static Profile {
        self.platform.profile()
    }

    fn currency(&self) -> Option<&Currency> {
        self.account.as_ref().and_then(|a| a.currency.as_ref())
    }
}

/// Validates transactions; rows in findings are positions in `txs`.
pub fn validate(txs: &[BankTransaction], ctx: &ValidationContext) -> ValidationReport {
    validate_rows(txs, None, ctx)
}

/// Validates transactions whose input rows are `source_rows[i]` (after ingestion set some rows
/// aside, or normalisation re-ordered them); findings name input rows.
pub fn validate_rows(
    txs: &[BankTransaction],
    source_rows: Option<&[usize]>,
    ctx: &ValidationContext,
) -> ValidationReport {
    validate_checked(txs, source_rows, ctx, false)
}

/// [`validate_rows`], skipping the repeated-id rule when normalisation already applied it (its
/// de-duplication finds every repeated id: exact repeats are dropped, the rest are reported as
/// conflicting duplicates).
pub(crate) fn validate_checked(
    txs: &[BankTransaction],
    source_rows: Option<&[usize]>,
    ctx: &ValidationContext,
    ids_checked: bool,
) -> ValidationReport {
    let mut report = ValidationReport::new();
    let row_of = |i: usize| source_rows.and_then(|r| r.get(i).copied()).unwrap_or(i);
    if let Some(account) = &ctx.account {
        account.check(ctx.platform, &mut report);
    }
    if let Some(region) = ctx.profile().regions {
        check_region(ctx, region, &mut report);
    }
    if txs.is_empty() {
        report.push(Issue::new(Code::EmptyBatch, "there are no transactions"));
        return report;
    }
    check_rows(txs, &row_of, ctx, ids_checked, &mut report);
    report.sort();
    report
}

/// Validates one push body as it would be sent: everything [`validate`] checks, plus its size
/// and that its `accountId` is the account's.
pub fn validate_push(body: &CreateBankTransactions, ctx: &ValidationContext) -> ValidationReport {
    let mut report = validate(&body.transactions, ctx);
    let max = ctx.profile().max_batch;
    if body.transactions.len() > max {
        report.issues.insert(
            0,
            Issue::new(
                Code::BatchTooLarge,
                format!(
                    "a push carries at most {max} transactions for {}; this one has {}: split it into batches",
                    ctx.profile().name,
                    body.transactions.len()
                ),
            )
            .on(Field::Transactions)
            .expected_found(max, body.transactions.len()),
        );
    }
    if body.account_id.trim().is_empty() {
        report.issues.insert(
            0,
            Issue::new(Code::MissingField, "the push body has no accountId").on(Field::AccountId),
        );
    } else if let Some(id) = ctx.account.as_ref().and_then(|a| a.id.as_deref())
        && id != body.account_id
    {
        report.issues.insert(
            0,
            Issue::new(
                Code::MultipleAccounts,
                format!(
                    "the push body is for account `{}` but the account is `{id}`",
                    body.account_id
                ),
            )
            .on(Field::AccountId)
            .expected_found(id, &body.account_id),
        );
    }
    report
}

fn check_region(
    ctx: &ValidationContext,
    region: crate::rules::Regions,
    report: &mut ValidationReport,
) {
    let name = ctx.profile().name;
    if let Some(country) = ctx.country.as_deref() {
        let c = country.trim().to_ascii_uppercase();
        if !region.countries.contains(&c.as_str()) {
            report.push(
                Issue::new(
                    Code::UnsupportedRegion,
                    format!(
                        "{name} bank feeds serve companies in {} only; this company is in {c}",
                        region.countries.join(" and ")
                    ),
                )
                .expected_found(region.countries.join("|"), c),
            );
        }
    } else if let Some(cur) = ctx.currency() {
        let code = cur.code();
        if !region.currencies.contains(&code.as_str()) {
            report.push(
                Issue::new(
                    Code::UnsupportedRegion,
                    format!(
                        "{name} bank feeds serve companies in {} only, and this account is in {code}",
                        region.countries.join(" and ")
                    ),
                )
                .severity(Severity::Warning)
                .on(Field::Currency)
                .expected_found(region.currencies.join("|"), code),
            );
        }
    }
}

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

fn check_rows(
    txs: &[BankTransaction],
    row_of: &dyn Fn(usize) -> usize,
    ctx: &ValidationContext,
    ids_checked: bool,
    report: &mut ValidationReport,
) {
    let profile = ctx.profile();
    let name = profile.name;
    let minor_units = ctx.currency().and_then(Currency::minor_units);
    let currency_code = ctx.currency().map(Currency::code).unwrap_or_default();
    let feed_start = ctx.account.as_ref().and_then(|a| a.feed_start_date);
    let oldest = profile
        .max_age_days
        .and_then(|d| ctx.today.checked_sub_signed(TimeDelta::days(d)));
    let mut ids = crate::ids::IdIndex::new();
    let mut chain = balance::ChainWalker::new(ctx.opening_balance);
    let mut previous: Option<&BankTransaction> = None;
    let mut missing_balance = 0usize;
    let mut ignored_seen = [false; 3];

    for (i, tx) in txs.iter().enumerate() {
        let row = row_of(i);
        let issue =
            |code: Code, message: String| Issue::new(code, message).at_row(row).with_id(&tx.id);

        // Identity (repeats are reported after the loop, once every id is known).
        if is_blank(&tx.id) {
            report.push(
                issue(
                    Code::EmptyId,
                    "id is empty; every transaction needs a unique id".into(),
                )
                .on(Field::Id),
            );
        }
        if !ids_checked {
            ids.push(&tx.id, previous.map(|p| p.id.as_str()), |j| &txs[j].id);
        }

        // Type and sign.
        if let Some(t) = &tx.transaction_type {
            if let TransactionType::Unrecognised(s) = t {
                report.push(
                    issue(
                        Code::UnknownTransactionType,
                        format!("`{s}` is not a transaction type Codat knows"),
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

        // Precision against the currency.
        if let Some(units) = minor_units {
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
                                format!("{field} {v} has {places} decimal places; {currency_code} has {units}"),
                            )
                            .on(field)
                            .expected_found(format!("at most {units} decimal places"), v),
                        );
                    }
                }
            }
        }

        // Dates.
        let when = tx.date.datetime();
        let day = when.date();
        if let Some(prev) = previous
            && tx.date < prev.date
        {
            report.push(
                    issue(
                        Code::NotChronological,
                        format!(
                            "dated {} but the row above is dated {}; Codat takes transactions oldest first",
                            tx.date, prev.date
                        ),
                    )
                    .on(Field::Date)
                    .expected_found(format!("on or after {}", prev.date), tx.date),
                );
        }
        previous = Some(tx);
        if day > ctx.today {
            report.push(
                issue(
                    Code::FutureDate,
                    format!("dated {} which is after today ({}); only cleared transactions can be pushed", day, ctx.today),
                )
                .on(Field::Date)
                .expected_found(format!("on or before {}", ctx.today), tx.date),
            );
        }
        if let Some(oldest) = oldest
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
        if let Some(start) = feed_start
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
        if let Some(latest) = ctx.latest_existing
            && when < latest
        {
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

        // Text fields.
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
            if present && k < ignored_seen.len() && !ignored_seen[k] {
                ignored_seen[k] = true;
                report.push(
                    Issue::new(
                        Code::FieldIgnored,
                        format!("{name} ignores {field}; it will not show in the accounting software (first seen on row {row})"),
                    )
                    .on(*field),
                );
            }
        }

        if tx.balance.is_none() {
            missing_balance += 1;
        }

        // The balance chain.
        match chain.step(tx) {
            Link::Follows | Link::Missing => {}
            Link::Breaks { expected, found } => {
                let previous = expected.checked_sub(tx.amount).unwrap_or_default();
                let origin = if i == 0 {
                    "the opening balance"
                } else {
                    "the previous balance"
                };
                let off = found.checked_sub(expected).unwrap_or_default();
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

    for (i, first) in ids.repeats(|j| &txs[j].id) {
        let tx = &txs[i];
        if !is_blank(&tx.id) {
            report.push(
                Issue::new(
                    Code::DuplicateId,
                    format!(
                        "id `{}` is used by row {} too; ids must be unique",
                        tx.id,
                        row_of(first)
                    ),
                )
                .at_row(row_of(i))
                .with_id(&tx.id)
                .on(Field::Id),
            );
        }
    }

    if let Some(severity) = profile.missing_balance {
        if missing_balance == txs.len() {
            report.push(
                Issue::new(
                    Code::MissingBalance,
                    format!(
                        "none of the {} transactions has a balance; {name} needs one on every transaction: compute them from the account's opening or closing balance",
                        txs.len()
                    ),
                )
                .severity(severity)
                .on(Field::Balance),
            );
        } else if missing_balance > 0 {
            for (i, tx) in txs.iter().enumerate().filter(|(_, t)| t.balance.is_none()) {
                report.push(
                    Issue::new(
                        Code::MissingBalance,
                        format!("{name} needs a balance on every transaction"),
                    )
                    .severity(severity)
                    .at_row(row_of(i))
                    .with_id(&tx.id)
                    .on(Field::Balance),
                );
            }
        }
    }
}
