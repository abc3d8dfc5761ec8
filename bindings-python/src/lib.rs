//! Python binding of bankfeeds: the compiled module `bankfeeds._bankfeeds`, which the pure-Python
//! package `bankfeeds` (in `python/bankfeeds/`) re-exports.
//!
//! Thin by design: every rule lives in the core crate. Each file here translates one concept:
//!
//! | file             | translates                                                        |
//! |------------------|-------------------------------------------------------------------|
//! | `args.rs`        | numeric arguments: counts, minutes, seconds, indices               |
//! | `values.rs`      | single values: `Decimal`, `datetime`, `date`, `str`... ↔ the core's |
//! | `rows.rs`        | a batch of dicts / `Transaction`s / Arrow data → rows for the core  |
//! | `arrow_in.rs`    | Arrow C streams and arrays → rows, read in Rust without the GIL     |
//! | `arrow_check.rs` | Arrow batches checked against their schema before they are read    |
//! | `arrow_out.rs`   | transactions and findings → Arrow record batches for pyarrow       |
//! | `transaction.rs` | `Transaction`, `Transactions`, `PushBody`                           |
//! | `report.rs`      | `Issue`, `Report`, `Change`                                         |
//! | `results.rs`     | `Normalised`, `Balanced`, `ChainReport`, `Break`                    |
//! | `options.rs`     | keyword arguments → the core's options; `Account`, `Profile`        |
//! | `stream.rs`      | `StreamedFile`, `PushBodyIterator`: files of any size, streamed    |
//! | `functions.rs`   | the module functions                                              |
//! | `client.rs`      | `Client`: every API operation, the high-level push and its history  |
//! | `push.rs`        | push options, `PushReport`, client errors in Python's words         |
//! | `ledger.rs`      | the push ledger: its records, `SqliteLedger`, a ledger in Python    |
//! | `models.rs`      | answers → `bankfeeds.models` models; paged lists → lazy `Pages`     |
//! | `pyser.rs`       | wire-model types ↔ dicts (snake_case, `Decimal`, UTC `datetime`)  |
//! | `wait.rs`        | blocking on the client's runtime: Ctrl-C, cancellation, callbacks  |
//! | `webhook.rs`     | webhook deliveries → the core's verdict, as a dict or `WebhookError` |
//! | `errors.rs`      | core errors and panics → `bankfeeds` exceptions                    |
//! | `logs.rs`        | the core's tracing events → the `bankfeeds` logger of `logging`     |

/// A `#[pymethods]` block that begins with getters over the record's core value `inner`, one
/// line each: `name -> Type = expression`, the expression reading the value through the name
/// given after `getters`. PyO3 reads one `#[pymethods]` block per class, so the macro writes the
/// whole block: the methods after the getters are copied as they are.
macro_rules! pymethods_with_getters {
    (
        impl $ty:ty {
            getters |$v:ident| {
                $( $(#[$doc:meta])* $name:ident -> $out:ty = $get:expr; )*
            }
            $($rest:tt)*
        }
    ) => {
        #[pymethods]
        impl $ty {
            $(
                $(#[$doc])*
                #[getter]
                fn $name(&self) -> $out {
                    let $v = &self.inner;
                    $get
                }
            )*
            $($rest)*
        }
    };
}

/// The extension's Rust allocations (the interpreter keeps its own allocator): see
/// `bindings-python/Cargo.toml` for why and what it gains.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod alloc;
mod args;
mod arrow_check;
mod arrow_in;
mod arrow_out;
mod client;
mod errors;
mod events;
mod functions;
mod ledger;
mod logs;
mod models;
mod options;
mod push;
mod pyser;
mod report;
mod results;
mod rows;
mod stream;
mod transaction;
mod values;
mod wait;
mod webhook;

use pyo3::prelude::*;

/// The compiled part of bankfeeds; import `bankfeeds`, not this module.
#[pymodule]
fn _bankfeeds(m: &Bound<'_, PyModule>) -> PyResult<()> {
    alloc::configure();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(alloc::_allocator_options, m)?)?;
    m.add("_cancel", wait::cancel_var(m.py())?)?;
    logs::install(m.py());
    m.add_class::<transaction::PyTransaction>()?;
    m.add_class::<transaction::PyTransactions>()?;
    m.add_class::<transaction::PyPushBody>()?;
    m.add_class::<report::PyIssue>()?;
    m.add_class::<report::PyReport>()?;
    m.add_class::<report::PyChange>()?;
    m.add_class::<results::PyNormalised>()?;
    m.add_class::<results::PyBalanced>()?;
    m.add_class::<results::PyChainReport>()?;
    m.add_class::<results::PyBreak>()?;
    m.add_class::<stream::PyStreamedFile>()?;
    m.add_class::<stream::PyPushBodyIterator>()?;
    m.add_class::<options::PyAccount>()?;
    m.add_class::<options::PyProfile>()?;
    m.add_class::<arrow_out::ArrowStream>()?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<models::PyPages>()?;
    m.add_class::<push::PyPushReport>()?;
    m.add_class::<events::PyPushEvents>()?;
    m.add_class::<ledger::PyLedgerAccount>()?;
    m.add_class::<ledger::PyLedgerBatch>()?;
    m.add_class::<ledger::PyLeaseHolder>()?;
    m.add_class::<ledger::PyLease>()?;
    m.add_class::<ledger::PySqliteLedger>()?;
    m.add_class::<ledger::PyMemoryLedger>()?;
    m.add_function(wrap_pyfunction!(ledger::default_ledger_path, m)?)?;
    m.add_function(wrap_pyfunction!(ledger::lease_expiry, m)?)?;
    m.add(
        "BATCH_STATES",
        bankfeeds::client::push::ledger::BatchState::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
    )?;
    m.add_function(wrap_pyfunction!(values::object_layouts, m)?)?;
    m.add_function(wrap_pyfunction!(functions::validate, m)?)?;
    m.add_function(wrap_pyfunction!(functions::prepare, m)?)?;
    m.add_function(wrap_pyfunction!(functions::validate_file, m)?)?;
    m.add_function(wrap_pyfunction!(functions::prepare_file, m)?)?;
    m.add_function(wrap_pyfunction!(functions::stream_file, m)?)?;
    m.add_function(wrap_pyfunction!(functions::fill_balances, m)?)?;
    m.add_function(wrap_pyfunction!(functions::error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(functions::fill_forward, m)?)?;
    m.add_function(wrap_pyfunction!(functions::fill_backward, m)?)?;
    m.add_function(wrap_pyfunction!(functions::verify_balances, m)?)?;
    // Deprecated aliases, kept so existing code runs (`docs/contract.md`).
    m.add("normalise", m.getattr("prepare")?)?;
    m.add("normalise_file", m.getattr("prepare_file")?)?;
    m.add("verify", m.getattr("verify_balances")?)?;
    m.add_function(wrap_pyfunction!(functions::batches, m)?)?;
    m.add_function(wrap_pyfunction!(functions::push_bodies, m)?)?;
    m.add_function(wrap_pyfunction!(functions::validate_push, m)?)?;
    m.add_function(wrap_pyfunction!(functions::validate_account, m)?)?;
    m.add_function(wrap_pyfunction!(functions::profile, m)?)?;
    m.add_function(wrap_pyfunction!(functions::platforms, m)?)?;
    m.add_function(wrap_pyfunction!(functions::codes, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(stream::_panicking_bodies_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(webhook::_verify_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(models::_read_timestamp, m)?)?;
    Ok(())
}
