//! # bankfeeds
//!
//! The core of the bankfeeds SDK for [Codat's Bank Feeds API](https://docs.codat.io/bank-feeds-api/overview):
//! the wire model, exact money and dates, balance chains, normalisation and validation of bank
//! transactions, and (with the default `client` feature) an async API client.
//!
//! Every binding (Python, WebAssembly, Kotlin and Swift) is a thin skin over this crate: the rules
//! live here once.
//!
//! ## The modules, in the order a push uses them
//! - [`ingest`]: rows as banks have them (CSV, JSON, dicts, Arrow) to typed transactions, every
//!   malformed field reported by row.
//! - [`normalise`]: trim, de-duplicate, infer types, sort oldest first, compute balances; every
//!   change reported.
//! - [`validate`] with [`rules`]: Codat's generic rules and each platform's, all findings at once.
//! - [`balance`]: running balances forward, backward, and verified to the cent.
//! - [`batch`]: push bodies of at most 1000 transactions.
//! - [`pipeline`]: all of the above in one call.
//! - [`model`], [`money`], [`dates`]: Codat's wire format, exact decimals, local dates.
//! - [`ErrorCode`]: the one table of error kinds; every language's errors carry its codes.
//!
//! `docs/contract.md` maps each verb, option and error code to its name in every language.
#![warn(missing_docs)]

/// Declares a field-less enum whose variant list a `*_variants!` macro hands over (see
/// `validate::Field`), so the list is written once for the core and the bindings.
macro_rules! declare_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($body:tt)* }) => {
        $(#[$meta])* $vis enum $name { $($body)* }
    };
}

pub mod balance;
pub mod batch;
#[cfg(feature = "client")]
pub mod client;
pub mod dates;
mod error_code;
mod ids;
pub mod ingest;
mod memory;
pub mod model;
pub mod money;
pub mod normalise;
pub mod pipeline;
pub mod rules;
pub mod stream;
#[cfg(test)]
#[path = "../tests/shared/mod.rs"]
mod test_shared;
pub mod text;
mod threads;
pub mod validate;
#[cfg(feature = "webhook")]
pub mod webhook;

pub use error_code::{ErrorCode, UnknownErrorCode};
