//! The module's functions: one core call each, with the GIL released while the core works.
//!
//! Which functions report and which raise:
//! - `validate`, `validate_file`, `validate_push` and `normalise` (by default) return every
//!   finding as data, never raising for a bad value or row.
//! - `normalise(strict=True)`, `fill_forward`, `fill_backward`, `verify`, `batches` and
//!   `push_bodies` need typed rows: they raise `ValidationError` (carrying the full report) when
//!   any row has an error.
//! - Every function raises `SchemaError` when its input cannot be read as rows at all (an Arrow
//!   column of a type no field takes), `ConfigurationError` for an unusable option and
//!   `TypeError` for an argument of the wrong Python type.

use bankfeeds::balance;
use bankfeeds::ingest::InputFormat;
use bankfeeds::model::{BankTransaction, CreateBankTransactions};
use bankfeeds::pipeline;
use bankfeeds::rules::Platform;
use bankfeeds::validate::{Code, Field, Issue, ValidationReport};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rust_decimal::Decimal;

use crate::args;
use crate::errors::{BindError, BindResult, config, guard};
use crate::options::{ContextArgs, NormaliseArgs, PyProfile, platform};
use crate::report::PyReport;
use crate::results::{PyBalanced, PyChainReport, PyNormalised, strict};
use crate::rows;
use crate::stream::PyStreamedFile;
use crate::transaction::{PyPushBody, PyTransactions, bodies, split, typed_list};
use crate::values::amount_from;

/// A `#[pyfunction]` taking, after its own arguments, the validation keywords every function
/// takes (`ContextArgs`), and with `[context, normalise, strict]` the normalising ones too
/// (`NormaliseArgs`, then `strict`). Each keyword set is written here once: the macro adds it to
/// the Python signature and to the Rust parameters, and hands the body the assembled arguments
/// under the names it is given: `fn name(py, positional: T...; keyword: T = default...)`.
macro_rules! context_function {
    (
        $(#[$meta:meta])*
        fn $name:ident($py:ident, $($arg:ident: $ty:ty),* ; $($kw:ident: $kwty:ty = $default:tt),*)
        [$ctx:ident] -> $ret:ty $body:block
    ) => {
        context_function!(@emit [$(#[$meta])*] $name($py, $($arg: $ty),* ; $($kw: $kwty = $default),*)
            [$ctx] sig {} params {} bind {} -> $ret $body);
    };
    (
        $(#[$meta:meta])*
        fn $name:ident($py:ident, $($arg:ident: $ty:ty),* ; $($kw:ident: $kwty:ty = $default:tt),*)
        [$ctx:ident, $norm:ident, $strict:ident] -> $ret:ty $body:block
    ) => {
        context_function!(@emit [$(#[$meta])*] $name($py, $($arg: $ty),* ; $($kw: $kwty = $default),*)
            [$ctx]
            sig { , trim=true, truncate=false, dedupe=true, infer_types=true, fix_signs=false, sort=true, fill_from_opening=None, fill_from_closing=None, batch_size=None, strict=false }
            params {
                trim: bool,
                truncate: bool,
                dedupe: bool,
                infer_types: bool,
                fix_signs: bool,
                sort: bool,
                fill_from_opening: Option<&Bound<'_, PyAny>>,
                fill_from_closing: Option<&Bound<'_, PyAny>>,
                #[pyo3(from_py_with = args::batch_size)] batch_size: Option<usize>,
                strict: bool,
            }
            bind {
                let $norm = NormaliseArgs {
                    trim,
                    truncate,
                    dedupe,
                    infer_types,
                    fix_signs,
                    sort,
                    fill_from_opening,
                    fill_from_closing,
                    batch_size,
                };
                let $strict = strict;
            }
            -> $ret $body);
    };
    (
        @emit [$(#[$meta:meta])*] $name:ident($py:ident, $($arg:ident: $ty:ty),* ; $($kw:ident: $kwty:ty = $default:tt),*)
        [$ctx:ident] sig { $($sig:tt)* } params { $($param:tt)* } bind { $($bind:tt)* } -> $ret:ty $body:block
    ) => {
        $(#[$meta])*
        #[pyo3(signature = ($($arg,)* *, $($kw = $default,)* platform="generic", today=None, account=None, opening_balance=None, latest_existing=None, country=None, rules=None, time_zone=None $($sig)*))]
        #[allow(clippy::too_many_arguments)]
        pub fn $name(
            $py: Python<'_>,
            $($arg: $ty,)*
            $($kw: $kwty,)*
            platform: &str,
            today: Option<&Bound<'_, PyAny>>,
            account: Option<&Bound<'_, PyAny>>,
            opening_balance: Option<&Bound<'_, PyAny>>,
            latest_existing: Option<&Bound<'_, PyAny>>,
            country: Option<String>,
            rules: Option<&Bound<'_, PyAny>>,
            time_zone: Option<String>,
            $($param)*
        ) -> $ret {
            let $ctx = ContextArgs {
                platform,
                today,
                account,
                opening_balance,
                latest_existing,
                country,
                rules,
                time_zone: time_zone.as_deref(),
            };
            $($bind)*
            $body
        }
    };
}

context_function! {
/// Validates rows as they are, without changing them: Codat's generic rules and the platform's,
/// every finding at once.
///
/// `rows` is a list of dicts (keys matched loosely: `transactionType`, `transaction_type`,
/// `Transaction Type`), a list of `Transaction`s, a `Transactions` batch, or Arrow data
/// (`pyarrow.Table`/`RecordBatch`, a polars frame, anything with `__arrow_c_stream__`). Bad
/// values and rows are findings, not exceptions.
#[pyfunction]
fn validate(py, rows: &Bound<'_, PyAny>;) [context] -> PyResult<PyReport> {
    guard(py, || {
        let options = context.as_is()?;
        if let Some(prepared) = rows::prepare_dicts(py, rows, &options)? {
            return Ok(PyReport::from(prepared.report));
        }
        let source = rows::read(rows)?;
        let prepared = py.detach(move || source.prepare(&options))?;
        Ok(PyReport::from(prepared.report))
    })
}
}

context_function! {
/// Normalises rows (trim, de-duplicate, infer types, sort oldest first, compute balances when
/// given an anchor) and validates the result. Returns a `Normalised` with the transactions, every
/// change and every finding; with `strict=True`, raises `ValidationError` when any finding is an
/// error.
///
/// `prepare` is the name in every language (`docs/contract.md`); `normalise` is its deprecated
/// alias.
#[pyfunction(name = "prepare")]
fn prepare(py, rows: &Bound<'_, PyAny>;) [context, normalise, strict] -> PyResult<PyNormalised> {
    let result = guard(py, || {
        let options = normalise.prepare(context.context()?)?;
        if let Some(prepared) = rows::prepare_dicts(py, rows, &options)? {
            return Ok(PyNormalised::from(prepared));
        }
        let source = rows::read(rows)?;
        let prepared = py.detach(move || source.prepare(&options))?;
        Ok(PyNormalised::from(prepared))
    })?;
    strict_result(py, result, strict)
}
}

fn strict_result(py: Python<'_>, n: PyNormalised, strict: bool) -> PyResult<PyNormalised> {
    if strict { self::strict(py, n) } else { Ok(n) }
}

fn input_format(format: &str) -> BindResult<InputFormat> {
    match format.trim().to_ascii_lowercase().as_str() {
        "auto" | "" => Ok(InputFormat::Auto),
        "csv" => Ok(InputFormat::Csv),
        "json" => Ok(InputFormat::Json),
        other => Err(config(format!(
            "format must be \"auto\", \"csv\" or \"json\", not {other:?}"
        ))),
    }
}

/// The bytes of a file given as a path (`str`/`os.PathLike`) or as `bytes`.
fn file_bytes(py: Python<'_>, source: &Bound<'_, PyAny>) -> BindResult<Vec<u8>> {
    if let Ok(b) = source.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    let path: std::path::PathBuf = source.extract().map_err(|_| {
        BindError::Type("a file is given as a path (str or os.PathLike) or as bytes".into())
    })?;
    py.detach(|| std::fs::read(&path))
        .map_err(|e| BindError::Py(PyErr::from(e)))
}

context_function! {
/// Reads a CSV or JSON file (a path or its bytes) and validates its rows as they are. Rows are
/// numbered from 0; findings about rows of a CSV file also carry the `line` the row is on. A
/// file given by its path streams, and its report lists the first `max_findings` findings of
/// each code (`None`: all), counting the rest in `Report.omitted`.
#[pyfunction]
fn validate_file(py, source: &Bound<'_, PyAny>; format: &str = "auto", max_findings: Option<usize> = (Some(bankfeeds::validate::DEFAULT_MAX_LISTED))) [context] -> PyResult<PyReport> {
    guard(py, || {
        let mut options = context.as_is()?;
        options.max_listed = max_findings;
        let format = input_format(format)?;
        // A path streams (`bankfeeds::stream`): memory bounded by a row and the ids, whatever
        // the file's size, with the findings the whole file read in memory gives.
        if let Some(path) = file_path(source) {
            let streamed = py
                .detach(move || bankfeeds::stream::prepare_path(&path, format, &options))
                .map_err(|e| BindError::Py(PyErr::from(e)))?;
            return Ok(PyReport::from(streamed.report));
        }
        let bytes = file_bytes(py, source)?;
        let prepared = py.detach(move || pipeline::prepare_file(&bytes, format, &options));
        Ok(PyReport::from(prepared.report))
    })
}
}

/// The path of a file given as a path (`str`/`os.PathLike`); `None` for anything else.
fn file_path(source: &Bound<'_, PyAny>) -> Option<std::path::PathBuf> {
    if source.is_instance_of::<PyBytes>() {
        return None;
    }
    source.extract().ok()
}

context_function! {
/// Reads a CSV or JSON file (a path or its bytes, a push body or an array of transactions),
/// normalises and validates it, as `prepare()` does for rows (`normalise_file` is its
/// deprecated alias).
#[pyfunction(name = "prepare_file")]
fn prepare_file(py, source: &Bound<'_, PyAny>; format: &str = "auto") [context, normalise, strict]
    -> PyResult<PyNormalised>
{
    let result = guard(py, || {
        let options = normalise.prepare(context.context()?)?;
        let format = input_format(format)?;
        let bytes = file_bytes(py, source)?;
        let prepared = py.detach(move || pipeline::prepare_file(&bytes, format, &options));
        Ok(PyNormalised::from(prepared))
    })?;
    strict_result(py, result, strict)
}
}

context_function! {
/// Reads a CSV or JSON file given by its path as it streams: normalised and validated as
/// `prepare_file()` does, with the same findings and changes, holding about one row and each
/// id's hash instead of every row. Returns a `StreamedFile`, whose `push_bodies()` reads the file
/// again and gives its push bodies one at a time. Its report lists the first `max_findings`
/// findings of each code, and its changes the first `max_findings` of each kind (`None`: all),
/// counting the rest (`Report.omitted`, `StreamedFile.changes_omitted`). With `strict=True`,
/// raises `ValidationError` when any finding is an error. Raises `TypeError` for bytes
/// (`prepare_file` takes them) and `OSError` (`FileNotFoundError`...) for a file that cannot be
/// read.
#[pyfunction]
fn stream_file(py, source: &Bound<'_, PyAny>; format: &str = "auto", max_findings: Option<usize> = (Some(bankfeeds::validate::DEFAULT_MAX_LISTED))) [context, normalise, strict]
    -> PyResult<PyStreamedFile>
{
    let streamed = guard(py, || {
        let mut options = normalise.prepare(context.context()?)?;
        options.max_listed = max_findings;
        let format = input_format(format)?;
        let path = file_path(source).ok_or_else(|| {
            BindError::Type(
                "stream_file reads a file by its path (str or os.PathLike); prepare_file takes bytes"
                    .into(),
            )
        })?;
        py.detach(move || {
            let streamed = bankfeeds::stream::prepare_path(&path, format, &options)?;
            Ok::<_, std::io::Error>(PyStreamedFile::new(streamed, path, options))
        })
        .map_err(|e| BindError::Py(PyErr::from(e)))
    })?;
    if strict && !streamed.findings().is_valid() {
        return Err(BindError::Invalid("the file has errors", streamed.findings().clone()).into_py(py));
    }
    Ok(streamed)
}
}

fn overflow_report(e: &balance::BalanceOverflow, source_rows: &[usize]) -> ValidationReport {
    ValidationReport::from(vec![
        Issue::new(Code::BalanceOverflow, e.to_string())
            .at_row(source_rows.get(e.row).copied().unwrap_or(e.row))
            .with_id(&e.id)
            .on(Field::Balance),
    ])
}

/// Reads `rows`, types them (raising `ValidationError` when a row cannot be) and sets their
/// balances by `fill`, off the GIL; `fill` answers the opening and closing balances.
fn fill_with(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    fill: impl FnOnce(&mut [BankTransaction]) -> Result<(Decimal, Decimal), balance::BalanceOverflow>
    + Send,
) -> BindResult<PyBalanced> {
    let source = rows::read(rows)?;
    py.detach(move || {
        let mut typed = source.typed_strict("the rows cannot be read")?;
        match fill(&mut typed.transactions) {
            Ok((opening, closing)) => Ok(PyBalanced {
                transactions: PyTransactions::new(typed.transactions, Some(typed.source_rows)),
                opening,
                closing,
            }),
            Err(e) => Err(BindError::Invalid(
                "the balances cannot be filled",
                overflow_report(&e, &typed.source_rows),
            )),
        }
    })
}

/// Sets every balance from one end of the chain, in the order given: forward from `opening`
/// (the balance before the first row) or backward from `closing` (after the last, what the bank
/// shows today); give one. Raises `ValidationError` when a row cannot be typed or the running
/// balance overflows, `ConfigurationError` for both anchors or neither.
#[pyfunction]
#[pyo3(signature = (rows, *, opening=None, closing=None))]
pub fn fill_balances(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    opening: Option<&Bound<'_, PyAny>>,
    closing: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyBalanced> {
    guard(py, || {
        let amount = |name: &str, v: Option<&Bound<'_, PyAny>>| {
            v.filter(|v| !v.is_none())
                .map(|v| amount_from(name, v).map_err(config))
                .transpose()
        };
        let anchor = bankfeeds::normalise::BalanceFill::from_ends(
            amount("opening", opening)?,
            amount("closing", closing)?,
        )
        .map_err(|e| config(format!("opening, closing: {e}")))?;
        if anchor == bankfeeds::normalise::BalanceFill::Keep {
            return Err(config(
                "give opening= (the balance before the first row) or closing= (after the last)",
            ));
        }
        fill_with(py, rows, move |txs| balance::fill(txs, anchor))
    })
}

/// The codes of the core's table of error kinds (`bankfeeds::ErrorCode`), in its order: every
/// `BankFeedsError`'s `code` is one of them.
#[pyfunction]
pub fn error_codes() -> Vec<&'static str> {
    bankfeeds::ErrorCode::all_codes()
}

/// Deprecated: `fill_balances(rows, opening=...)`. Sets every balance forward from the balance
/// before the first row, in the order given.
/// Raises `ValidationError` when a row cannot be typed or the running balance overflows.
#[pyfunction]
pub fn fill_forward(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    opening: &Bound<'_, PyAny>,
) -> PyResult<PyBalanced> {
    guard(py, || {
        let opening = amount_from("opening", opening).map_err(config)?;
        fill_with(py, rows, move |txs| {
            balance::fill_forward(txs, opening).map(|closing| (opening, closing))
        })
    })
}

/// Deprecated: `fill_balances(rows, closing=...)`. Sets every balance backward from the balance
/// after the last row (what the bank shows today), in the order given. Raises `ValidationError` as `fill_forward` does.
#[pyfunction]
pub fn fill_backward(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    closing: &Bound<'_, PyAny>,
) -> PyResult<PyBalanced> {
    guard(py, || {
        let closing = amount_from("closing", closing).map_err(config)?;
        fill_with(py, rows, move |txs| {
            balance::fill_backward(txs, closing).map(|opening| (opening, closing))
        })
    })
}

/// Checks each row's balance against the previous balance plus its amount, to the cent, in the
/// order given; with `opening`, the first row too. Raises `ValidationError` when a row cannot be
/// typed. (`verify` is its deprecated alias.)
#[pyfunction(name = "verify_balances")]
#[pyo3(signature = (rows, opening=None))]
pub fn verify_balances(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    opening: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyChainReport> {
    guard(py, || {
        let opening = match opening.filter(|o| !o.is_none()) {
            Some(o) => Some(amount_from("opening", o).map_err(config)?),
            None => None,
        };
        let source = rows::read(rows)?;
        py.detach(move || {
            let typed = source.typed_strict("the rows cannot be read")?;
            Ok(PyChainReport {
                inner: balance::verify(&typed.transactions, opening),
            })
        })
    })
}

/// Splits rows into consecutive batches of at most `size` transactions (at least 1; more than
/// 1000 counts as 1000), in the order given. Raises `ValidationError` when a row cannot be typed
/// and `ConfigurationError` for a `size` below 1.
#[pyfunction]
#[pyo3(signature = (rows, size=1000))]
pub fn batches(
    py: Python<'_>,
    rows: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = args::size)] size: usize,
) -> PyResult<Vec<PyTransactions>> {
    guard(py, || {
        let source = rows::read(rows)?;
        py.detach(move || {
            let typed = source.typed_strict("the rows cannot be read")?;
            Ok(split(&typed.transactions, Some(&typed.source_rows), size))
        })
    })
}

/// Push bodies for one account, each with at most `size` transactions (at least 1; more than
/// 1000 counts as 1000), in the order given. Raises `ValidationError` when a row cannot be typed
/// and `ConfigurationError` for a `size` below 1.
#[pyfunction]
#[pyo3(signature = (account_id, rows, size=1000))]
pub fn push_bodies(
    py: Python<'_>,
    account_id: &str,
    rows: &Bound<'_, PyAny>,
    #[pyo3(from_py_with = args::size)] size: usize,
) -> PyResult<Vec<PyPushBody>> {
    guard(py, || {
        let source = rows::read(rows)?;
        let account_id = account_id.to_owned();
        py.detach(move || {
            let typed = source.typed_strict("the rows cannot be read")?;
            Ok(bodies(
                &account_id,
                std::sync::Arc::new(typed.transactions),
                size,
            ))
        })
    })
}

context_function! {
/// Validates one push body as it would be sent: everything `validate` checks, plus its size and
/// that its `accountId` is the account's (when `account` names one).
#[pyfunction]
fn validate_push(py, body: &Bound<'_, PyAny>;) [context] -> PyResult<PyReport> {
    guard(py, || {
        let context = context.context()?;
        let body: CreateBankTransactions = match body.cast::<PyPushBody>() {
            Ok(b) => b.get().body(),
            Err(_) => {
                let dict = body.cast::<PyDict>().map_err(|_| {
                    BindError::Type("body must be a bankfeeds.PushBody or a dict with accountId and transactions".into())
                })?;
                let account_id: String = dict
                    .get_item("accountId")?
                    .or(dict.get_item("account_id")?)
                    .map(|a| a.extract())
                    .transpose()?
                    .unwrap_or_default();
                let transactions = match dict.get_item("transactions")? {
                    Some(t) => typed_list(&t)?,
                    None => Vec::new(),
                };
                CreateBankTransactions {
                    account_id,
                    transactions,
                }
            }
        };
        let report = py.detach(move || bankfeeds::validate::validate_push(&body, &context));
        Ok(PyReport::from(report))
    })
}
}

/// Checks a source account's own rules, as when it is created: GBP accounts need a six-digit
/// sort code, the currency should be ISO 4217, some platforms take only some kinds of account.
/// (Transaction validation checks only the account's status: a context for a push may not know
/// the sort code.)
#[pyfunction]
#[pyo3(signature = (account, *, platform="generic"))]
pub fn validate_account(
    py: Python<'_>,
    account: &Bound<'_, PyAny>,
    platform: &str,
) -> PyResult<PyReport> {
    guard(py, || {
        let context = ContextArgs {
            platform,
            today: None,
            account: Some(account),
            opening_balance: None,
            latest_existing: None,
            country: None,
            rules: None,
            time_zone: None,
        }
        .context()?;
        let account = context.account.unwrap_or_default();
        Ok(PyReport::from(bankfeeds::validate::validate_account(
            &account,
            context.platform,
        )))
    })
}

/// A platform's rules: `profile("xero")`, `profile("qbo")`, or a platform key (`"gbol"`).
/// Raises `ConfigurationError` for an unknown platform.
#[pyfunction]
pub fn profile(py: Python<'_>, name: &str) -> PyResult<PyProfile> {
    guard(py, || {
        Ok(PyProfile {
            platform: platform(name)?,
        })
    })
}

/// The short names of every platform whose rules bankfeeds knows.
#[pyfunction]
pub fn platforms() -> Vec<&'static str> {
    Platform::ALL.iter().map(|p| p.as_str()).collect()
}

/// Every finding code with its default severity (`{"balance_mismatch": "error", ...}`).
#[pyfunction]
pub fn codes() -> Vec<(&'static str, &'static str)> {
    crate::report::codes()
}

/// For tests of the panic guard: panics inside the guard, which must raise
/// `bankfeeds.InternalError` (never `PanicException`).
#[pyfunction]
pub fn _panic_for_tests(py: Python<'_>, detached: bool) -> PyResult<()> {
    guard(py, || {
        if detached {
            py.detach(|| -> BindResult<()> { panic!("a deliberate panic (detached)") })
        } else {
            panic!("a deliberate panic")
        }
    })
}
