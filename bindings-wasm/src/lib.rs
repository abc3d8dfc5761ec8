//! WebAssembly binding of bankfeeds, for the browser and Node: validation, normalisation,
//! balance chains, batching and the platform profiles, all from the core.
//!
//! **Not** the API client: a Codat API key must never reach a browser, so nothing here talks to
//! Codat; the core is built without its `client` feature (no reqwest, no tokio).
//!
//! With the `webhooks` feature (the Node build only, see `scripts/build.sh`), `verifyWebhook()`
//! checks Codat's webhook deliveries with the core's `webhook` module: server-side code that the
//! browser module never carries.
//!
//! The verbs are named as in every language bankfeeds speaks (`docs/contract.md`): `validate`,
//! `prepare`, `fillBalances`, `verifyBalances`, `pushBodies`; `normalise` and `verifyChain` are
//! deprecated aliases of `prepare` and `verifyBalances`.
//!
//! Every export takes its rows in one call (a list of plain objects, a push body, or the text of
//! a CSV or JSON file), but `FileChecker` and `validateStream()`, which check a CSV or JSON file
//! chunk by chunk as `validate()` checks its text; all return plain objects with camelCase keys and money as decimal
//! strings. Findings are data in a report; errors are thrown as `BankFeedsError` (bad arguments
//! or options) or its subclass `ValidationError` (rows that cannot be used, with every finding in
//! `issues`); every error's `code` is one of `errorCodes()`, the core's table. The TypeScript definitions are in `js/types.d.ts`.
//!
//! ```js
//! import { validate } from "bankfeeds-wasm";
//! const report = validate(
//!   [{ id: "t1", date: "2024-05-01", amount: "-12.30", balance: "87.70" }],
//!   { platform: "xero", today: "2024-06-01", currency: "GBP" },
//! );
//! report.valid; // true
//! ```

use bankfeeds::balance;
use bankfeeds::batch;
use bankfeeds::ingest::{self, FloatPolicy, IngestOptions};
use bankfeeds::model::{BankTransaction, CreateBankTransactions};
use bankfeeds::normalise::BalanceFill;
use bankfeeds::pipeline::{self, PrepareOptions, Prepared};
use bankfeeds::rules::{Platform, UnknownPlatform};
use bankfeeds::validate::{Code, Field, Issue};
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

mod error;
mod input;
mod options;
mod output;
mod plain;
mod stream;
#[cfg(feature = "webhooks")]
mod webhook;

/// The row decoder on its own, in plain Rust, for the fuzzing harness (`fuzz/`); not part of
/// the JavaScript API.
#[doc(hidden)]
pub use input::Packed;

use error::Error;
use input::{Rows, object_keys};
use options::{Options, Purpose};
use output::to_js;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("../js/types.d.ts");

/// The error names and codes of the web build; the Node build's, with the webhook ones, are in
/// `js/webhooks.d.ts`.
#[cfg(not(feature = "webhooks"))]
#[wasm_bindgen(typescript_custom_section)]
const ERROR_TYPES: &str = include_str!("../js/errors-web.d.ts");

#[wasm_bindgen(start, private)]
fn start() -> Result<(), JsValue> {
    error::install_panic_hook();
    input::share_tags()
}

/// For the codec's differential test only (`tests/codec.test.mjs`), in no public type: a list
/// of row objects read into the core's raw rows, by the row codec (`js/rows.js`) or, with
/// `plain`, through plain `serde_wasm_bindgen::from_value`; both as the same text (`Debug` of the
/// rows, then of the findings).
#[doc(hidden)]
#[wasm_bindgen(js_name = "__decodeRows", skip_typescript)]
pub fn decode_rows(rows: JsValue, plain: bool) -> Result<String, JsValue> {
    if plain {
        return plain::decode(rows);
    }
    let mut read = input::rows(&rows).map_err(JsValue::from)?;
    let out: Vec<_> = read.by_ref().collect();
    if let Some(e) = read.error {
        return Err(e.into());
    }
    Ok(format!("{out:#?}\n{:#?}", read.report))
}

/// Checks rows as given against Codat's rules and the platform's, and returns every finding.
///
/// Nothing is changed first: rows out of date order, repeated ids and missing balances are
/// reported, not fixed (see `prepare()` for that). Findings are data; only unusable arguments
/// or options throw.
///
/// @throws {BankFeedsError} when `rows` is not rows, or an option is unknown or unusable.
#[wasm_bindgen(unchecked_return_type = "ValidationReport")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "TransactionsInput")] rows: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: JsValue,
) -> Result<JsValue, Error> {
    let prepared = run(&rows, &options, Purpose::Validate)?;
    to_js(&output::Report::new(&prepared.report)?)
}

/// Tidies rows the way Codat wants them (trimmed text, exact duplicates dropped, types
/// inferred, oldest first, balances computed from `openingBalance` or `closingBalance`), then
/// validates the result.
///
/// Every change is listed in `changes`; findings name input rows (`sourceRows[i]` is the input
/// row of `transactions[i]`). `batches` splits `transactions` into pushes of at most
/// `batchSize` (the same objects, not copies).
///
/// @throws {BankFeedsError} when `rows` is not rows, or an option is unknown or unusable.
#[wasm_bindgen(unchecked_return_type = "NormaliseResult")]
pub fn prepare(
    #[wasm_bindgen(unchecked_param_type = "TransactionsInput")] rows: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "NormaliseOptions")] options: JsValue,
) -> Result<JsValue, Error> {
    let prepared = run(&rows, &options, Purpose::Normalise)?;
    let transactions = output::transactions(&prepared.transactions)?;
    let all: Array = transactions.clone().unchecked_into();
    let result = to_js(&output::Normalised {
        transactions,
        source_rows: &prepared.source_rows,
        changes: &prepared.changes,
        report: output::Report::new(&prepared.report)?,
        batch_size: prepared.batch_size,
        account_id: prepared.account_id.as_deref(),
        rows_read: prepared.rows_read,
    })?;
    let batches = Array::new();
    let mut start = 0;
    for chunk in batch::split(&prepared.transactions, prepared.batch_size) {
        let end = start + chunk.len() as u32;
        batches.push(&all.slice(start, end));
        start = end;
    }
    // Cannot fail: `result` is a plain object just made.
    let _ = Reflect::set(&result, &"batches".into(), &batches);
    Ok(result)
}

/// Deprecated: the old name of `prepare()`, which it calls.
#[wasm_bindgen(unchecked_return_type = "NormaliseResult")]
pub fn normalise(
    #[wasm_bindgen(unchecked_param_type = "TransactionsInput")] rows: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "NormaliseOptions")] options: JsValue,
) -> Result<JsValue, Error> {
    prepare(rows, options)
}

/// Checks that every balance is the previous balance plus the row's amount, to the cent.
///
/// Each row is checked against the balance of the row above, so a mistyped balance shows on its
/// own row and the next; with `opening`, the first row is checked too. Rows are taken in the
/// order given.
///
/// @throws {ValidationError} when a row cannot be read (its `issues` say which and why).
#[wasm_bindgen(js_name = verifyBalances, unchecked_return_type = "ChainReport")]
pub fn verify_balances(
    #[wasm_bindgen(unchecked_param_type = "TransactionsInput")] rows: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "MoneyInput")] opening: JsValue,
) -> Result<JsValue, Error> {
    let opening = optional_amount("opening", opening)?;
    let typed = typed(&rows)?;
    let report = balance::verify(&typed.transactions, opening);
    to_js(&output::Chain::new(
        &report,
        &typed.source_rows,
        balance::closing_balance(&typed.transactions),
    ))
}

/// Deprecated: the old name of `verifyBalances()`, which it calls.
#[wasm_bindgen(js_name = verifyChain, unchecked_return_type = "ChainReport")]
pub fn verify_chain(
    #[wasm_bindgen(unchecked_param_type = "TransactionsInput")] rows: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "MoneyInput")] opening: JsValue,
) -> Result<JsValue, Error> {
    verify_balances(rows, opening)
}

/// Computes every row's balance from the account's closing balance (what the bank shows after
/// the newest row) or its opening balance (before the oldest), in the order given.
///
/// @throws {ValidationError} when a row cannot be read, or a balance overflows 28 digits.
/// @throws {BankFeedsError} when the anchor is not `{ closing }` or `{ opening }`.
#[wasm_bindgen(js_name = fillBalances, unchecked_return_type = "FilledBalances")]
pub fn fill_balances(
    #[wasm_bindgen(unchecked_param_type = "TransactionsInput")] rows: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BalanceAnchor")] anchor: JsValue,
) -> Result<JsValue, Error> {
    let anchor = anchor_of(&anchor)?;
    let mut typed = typed(&rows)?;
    let txs = &mut typed.transactions;
    match balance::fill(txs, anchor) {
        Ok((opening, closing)) => to_js(&output::Filled::new(txs, opening, closing)?),
        Err(e) => Err(Error::issue(
            Issue::new(Code::BalanceOverflow, e.to_string())
                .at_row(typed.source_rows.get(e.row).copied().unwrap_or(e.row))
                .with_id(&e.id)
                .on(Field::Balance),
        )),
    }
}

/// Splits rows into push bodies `{ accountId, transactions }` of at most `batchSize`
/// transactions (1 to 1000; default 1000), in the order given. Rows are not validated here:
/// validate them first.
///
/// @throws {ValidationError} when a row cannot be read.
/// @throws {BankFeedsError} when `accountId` is blank or `batchSize` is not a count.
#[wasm_bindgen(js_name = pushBodies, unchecked_return_type = "PushBody[]")]
pub fn push_bodies(
    #[wasm_bindgen(unchecked_param_type = "TransactionsInput")] rows: JsValue,
    #[wasm_bindgen(js_name = accountId, unchecked_param_type = "string")] account_id: JsValue,
    #[wasm_bindgen(js_name = batchSize, unchecked_optional_param_type = "number")]
    batch_size: JsValue,
) -> Result<JsValue, Error> {
    let account_id = match input::js_text(&account_id) {
        Some(Ok(id)) if !id.trim().is_empty() => id,
        Some(Err(why)) => {
            return Err(Error::argument(
                "accountId",
                format!("accountId must be text, not {why}"),
            ));
        }
        _ => {
            return Err(Error::argument(
                "accountId",
                format!(
                    "accountId must be the source account's id, not {}",
                    input::kind(&account_id)
                ),
            ));
        }
    };
    let size = if batch_size.is_undefined() || batch_size.is_null() {
        CreateBankTransactions::MAX_TRANSACTIONS
    } else {
        options::count("batchSize", &batch_size).map_err(Error::into_argument)?
    };
    let typed = typed(&rows)?;
    let bodies = batch::push_bodies(&account_id, typed.transactions, size);
    let out = bodies
        .iter()
        .map(output::PushBody::new)
        .collect::<Result<Vec<_>, _>>()?;
    to_js(&out)
}

/// Checks a source account's own rules, as when it is created: a GBP account needs a six-digit
/// sort code, the currency should be ISO 4217, and some platforms take only some kinds of account
/// (Xero: `Debit` or `Credit`). `validate()` does not repeat these.
///
/// @throws {BankFeedsError} when the account is not an object of text fields, or the platform is
/// not known.
#[wasm_bindgen(js_name = validateAccount, unchecked_return_type = "ValidationReport")]
pub fn validate_account(
    #[wasm_bindgen(unchecked_param_type = "AccountInput")] account: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "PlatformName | (string & {})")]
    platform: JsValue,
) -> Result<JsValue, Error> {
    let account = options::account(&account)?;
    let platform = if platform.is_undefined() || platform.is_null() {
        Platform::Generic
    } else {
        platform_named(&platform)?
    };
    let report = bankfeeds::validate::validate_account(&account, platform);
    to_js(&output::Report::new(&report)?)
}

/// The platforms whose rules bankfeeds knows: `{ platform, key, name }`.
#[wasm_bindgen(unchecked_return_type = "PlatformSummary[]")]
pub fn platforms() -> Result<JsValue, Error> {
    let all: Vec<output::PlatformSummary> = Platform::ALL
        .iter()
        .map(|&p| output::PlatformSummary::from(p))
        .collect();
    to_js(&all)
}

/// A platform's rules: limits, required fields, how severe each date rule is. `name` is a short
/// name (`xero`, `qbo`...), a platform key (`gbol`) or a long form (`quickbooks`).
///
/// @throws {BankFeedsError} when the platform is not known.
#[wasm_bindgen(unchecked_return_type = "Profile")]
pub fn profile(
    #[wasm_bindgen(unchecked_param_type = "PlatformName | (string & {})")] name: JsValue,
) -> Result<JsValue, Error> {
    to_js(platform_named(&name)?.profile())
}

/// A platform argument: a short name, a platform key or a long form.
fn platform_named(name: &JsValue) -> Result<Platform, Error> {
    let Some(text) = name.as_string() else {
        return Err(Error::argument(
            "platform",
            format!(
                "the platform must be a name such as \"xero\", not {}",
                input::kind(name)
            ),
        ));
    };
    text.parse()
        .map_err(|e: UnknownPlatform| Error::argument("platform", e.to_string()))
}

/// The code of every error bankfeeds throws, from the core's table (`bankfeeds::ErrorCode`), in
/// its order: the same strings in every language. Every thrown error's `code` is one of them.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "ErrorCode[]")]
pub fn error_codes() -> Result<JsValue, Error> {
    to_js(&bankfeeds::ErrorCode::all_codes())
}

/// Every finding code, with the severity it has unless a platform says otherwise.
#[wasm_bindgen(unchecked_return_type = "CodeInfo[]")]
pub fn codes() -> Result<JsValue, Error> {
    let all: Vec<output::CodeInfo> = Code::ALL.iter().map(|&c| c.into()).collect();
    to_js(&all)
}

/// Reads the text of a CSV file (with a header line) or a JSON file (a push body or an array of
/// transactions) into rows, values as the file has them (numbers as their digits, as text).
/// Problems with the file itself are in `issues`; the values are checked by `validate()`.
///
/// @throws {BankFeedsError} when `text` is not a string.
#[wasm_bindgen(js_name = parseFile, unchecked_return_type = "ParsedFile")]
pub fn parse_file(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<JsValue, Error> {
    if !text.is_string() {
        return Err(Error::argument(
            "text",
            format!(
                "parseFile takes the file's text, not {}",
                input::kind(&text)
            ),
        ));
    }
    let batch = input::file(&text, "text")?;
    to_js(&output::Parsed {
        account_id: batch.account_id.as_deref(),
        rows: batch.rows.iter().map(output::Row::from).collect(),
        issues: output::issues(&batch.report.issues)?,
    })
}

/// Reads, normalises and validates, as `pipeline::prepare_file` does for a file.
fn run(rows: &JsValue, options: &JsValue, purpose: Purpose) -> Result<Prepared, Error> {
    let options: PrepareOptions = Options::read(options, purpose)?.prepare(purpose)?;
    let mut rows = input::rows(rows)?;
    let mut prepared = pipeline::prepare(&mut rows, &options);
    let Rows {
        account_id,
        report,
        error,
        ..
    } = rows;
    if let Some(error) = error {
        return Err(error);
    }
    if !report.is_empty() {
        // Findings about the input as a whole come first, then the rows' in row order.
        let mut all = report;
        all.extend(std::mem::take(&mut prepared.report));
        all.sort();
        // The caller's rule severities, for the input's findings as for the rows'.
        options.context.settle(&mut all);
        prepared.report = all;
    }
    if account_id.is_some() {
        prepared.account_id = account_id;
    }
    Ok(prepared)
}

/// Rows typed by the core, all of them: any error in reading them is thrown.
struct Typed {
    transactions: Vec<BankTransaction>,
    source_rows: Vec<usize>,
}

fn typed(rows: &JsValue) -> Result<Typed, Error> {
    let mut rows = input::rows(rows)?;
    let options = IngestOptions {
        floats: FloatPolicy::Shortest,
        first_row: 0,
    };
    let ingested = ingest::ingest(&mut rows, &options);
    if let Some(error) = rows.error {
        return Err(error);
    }
    let mut report = rows.report;
    report.extend(ingested.report);
    if !report.is_valid() {
        report.sort();
        return Err(Error::Findings(report));
    }
    Ok(Typed {
        transactions: ingested.transactions,
        source_rows: ingested.source_rows,
    })
}

fn optional_amount(name: &str, v: JsValue) -> Result<Option<rust_decimal::Decimal>, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    options::amount(name, v)
        .map(Some)
        .map_err(Error::into_argument)
}

/// Where `fillBalances()` starts the chain: `{ opening }` or `{ closing }`, one of them, as the
/// core's `BalanceFill::from_ends` takes them.
fn anchor_of(v: &JsValue) -> Result<BalanceFill, Error> {
    let usage = |why: String| {
        Error::argument(
            "anchor",
            format!(
                "fillBalances needs {{ closing: \"...\" }} (the balance after the newest row) or {{ opening: \"...\" }} (before the oldest), {why}"
            ),
        )
    };
    let not = || usage(format!("not {}", input::kind(v)));
    if !input::is_plain_object(v) {
        return Err(not());
    }
    let keys = object_keys(v).map_err(|_| not())?;
    let (mut opening, mut closing) = (None, None);
    for key in keys.iter() {
        let name = key.as_string().unwrap_or_default();
        let value = Reflect::get(v, &key).unwrap_or(JsValue::UNDEFINED);
        if value.is_undefined() || value.is_null() {
            continue;
        }
        let end = match name.as_str() {
            "opening" => &mut opening,
            "closing" => &mut closing,
            _ => return Err(usage(format!("not `{name}`"))),
        };
        *end = Some(options::amount(&name, value).map_err(Error::into_argument)?);
    }
    match BalanceFill::from_ends(opening, closing) {
        Ok(BalanceFill::Keep) => Err(not()),
        Ok(anchor) => Ok(anchor),
        Err(both) => Err(usage(format!("not both: {both}"))),
    }
}
