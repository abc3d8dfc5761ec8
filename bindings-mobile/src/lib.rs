//! UniFFI binding of bankfeeds for Kotlin (package `bankfeeds`) and Swift (module `BankFeeds`).
//!
//! A thin skin over the core crate: every file here translates the core's types into records and
//! enums the generated Kotlin and Swift show idiomatically, and forwards calls. Rules live in the
//! core. Functions take whole lists of transactions, so a batch crosses the boundary once.
//!
//! Money is `java.math.BigDecimal` / `Foundation.Decimal` and transaction dates are
//! `java.time.LocalDateTime` / ISO strings through the custom types in [`types`], configured in
//! `uniffi.toml`. Bad input comes back as findings or as [`BankFeedsError`], never as a panic.

// `BankFeedsError::Api` carries Codat's whole error (texts, validation messages, rate-limit
// headers) as a flat record for Kotlin and Swift, which have no boxes: the errors are cold paths.
#![allow(clippy::result_large_err)]

#[macro_use]
mod convert;

mod balance;
mod batch;
mod client;
mod context;
mod error;
mod pipeline;
mod report;
mod transaction;
pub mod types;
mod webhook;

pub use balance::{
    BalanceBreak, BalanceChain, ChainReport, fill_balances_backward, fill_balances_forward,
    verify_balances,
};
pub use batch::{PushBody, push_bodies};
pub use client::{
    AccountMapping, BankFeedsClient, BatchOutcome, BatchState, ClientOptions, Company,
    CompanyAccessToken, CompanyPage, Connection, ConnectionStatus, HeldBatch, Lease, LeaseHolder,
    LedgerAccount, LedgerBatch, LedgerError, ListOptions, LogLevel, LogListener, MappingResult,
    NewSourceAccount, OneTimePassword, PushEvents, PushLedger, PushOperation, PushOperationPage,
    PushOperationStatus, PushOptions, PushProgress, PushProgressListener, PushReport, PushStage,
    PushStopReason, PushStopped, RateLimit, RateLimitListener, RecoveredBatch, SourceAccount,
    SourceAccountUpdate, TargetAccountOption, UnknownHistory, lease_expiry, lease_may_take,
    set_log_listener,
};
pub use context::{
    AccountContext, BalanceFill, NormaliseOptions, Platform, PlatformRules, PrepareOptions,
    RuleLevel, SourceAccountStatus, ValidationContext, platform_for_key, platform_rules,
    validate_account,
};
pub use error::BankFeedsError;
pub use pipeline::{FileFormat, Prepared, prepare, prepare_file, validate};
pub use report::{Change, ChangeKind, Code, Field, Issue, Severity, ValidationReport};
pub use transaction::{Transaction, TransactionType};
pub use types::{CalendarDate, Money, WallClock};
pub use webhook::{WebhookDelivery, WebhookEvent, verify_webhook};

uniffi::setup_scaffolding!();
