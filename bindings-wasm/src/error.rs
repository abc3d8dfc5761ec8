//! Errors as JavaScript sees them: `BankFeedsError` and its subclass `ValidationError`, real
//! `Error` objects defined in `js/errors.js`, constructed from here so that each carries a stack.

use bankfeeds::validate::{Issue, ValidationReport};
use wasm_bindgen::prelude::*;

use crate::output;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// The JavaScript class; re-exported by the package so callers can use `instanceof`.
    #[wasm_bindgen(reexport, extends = js_sys::Error)]
    type BankFeedsError;

    #[wasm_bindgen(constructor)]
    fn new(
        message: &str,
        code: &str,
        row: Option<f64>,
        id: Option<&str>,
        field: Option<&str>,
    ) -> BankFeedsError;

    /// Rows that cannot be used as given; carries every finding in `issues`.
    #[wasm_bindgen(reexport, extends = BankFeedsError, extends = js_sys::Error)]
    type ValidationError;

    #[wasm_bindgen(constructor)]
    fn new(
        message: &str,
        code: &str,
        row: Option<f64>,
        id: Option<&str>,
        field: Option<&str>,
        issues: JsValue,
    ) -> ValidationError;
}

/// Codes of the errors the binding raises, from the core's table (`bankfeeds::ErrorCode`), the
/// same strings in every language.
pub(crate) mod code {
    use bankfeeds::ErrorCode;
    /// An argument of the wrong kind: rows that are not a list, a batch size that is not a count.
    pub const INVALID_ARGUMENT: &str = ErrorCode::InvalidArgument.as_str();
    /// An option that is unknown or has an unusable value.
    pub const INVALID_OPTION: &str = ErrorCode::InvalidOption.as_str();
    /// Input or a result larger than one call takes (see `input::MAX_ROWS` and
    /// `input::MAX_TEXT`): split it into several calls.
    pub const TOO_LARGE: &str = ErrorCode::TooLarge.as_str();
    /// A bug in bankfeeds (a Rust panic); the module should be reloaded.
    pub const INTERNAL: &str = ErrorCode::Internal.as_str();
    /// Rows that break a rule: the finding that stopped them is the error's `issue`.
    pub const VALIDATION: &str = ErrorCode::Validation.as_str();
}

/// An error on its way to JavaScript.
#[derive(Debug)]
pub enum Error {
    /// Something wrong with an argument or option, named by `field`.
    Usage {
        code: &'static str,
        field: Option<String>,
        message: String,
    },
    /// Findings that stop the operation; the first error is the headline.
    Findings(ValidationReport),
    /// A webhook delivery refused by the core (`verifyWebhook()`, Node build only).
    #[cfg(feature = "webhooks")]
    Webhook {
        code: &'static str,
        status: u16,
        message: String,
    },
}

impl Error {
    /// An argument of the wrong kind.
    pub(crate) fn argument(field: &str, message: impl Into<String>) -> Self {
        Error::Usage {
            code: code::INVALID_ARGUMENT,
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    /// Input (or a result) larger than one call takes.
    pub(crate) fn too_large(field: &str, message: impl Into<String>) -> Self {
        Error::Usage {
            code: code::TOO_LARGE,
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    /// An option that cannot be used.
    pub(crate) fn option(name: &str, message: impl Into<String>) -> Self {
        Error::Usage {
            code: code::INVALID_OPTION,
            field: Some(name.to_owned()),
            message: message.into(),
        }
    }

    /// The same error, about a function argument rather than an option.
    pub(crate) fn into_argument(self) -> Self {
        match self {
            Error::Usage { field, message, .. } => Error::Usage {
                code: code::INVALID_ARGUMENT,
                field,
                message,
            },
            other => other,
        }
    }

    /// One finding that stops the operation.
    pub(crate) fn issue(issue: Issue) -> Self {
        let mut report = ValidationReport::new();
        report.push(issue);
        Error::Findings(report)
    }
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        match e {
            Error::Usage {
                code,
                field,
                message,
            } => BankFeedsError::new(&message, code, None, None, field.as_deref()).into(),
            #[cfg(feature = "webhooks")]
            Error::Webhook {
                code,
                status,
                message,
            } => crate::webhook::WebhookError::new(&message, code, status).into(),
            Error::Findings(report) => {
                let issues = match output::issues(&report.issues) {
                    Ok(issues) => issues,
                    Err(too_large) => return too_large.into(),
                };
                let errors = report.error_count();
                let headline = report.errors().next().or(report.issues.first());
                let (message, row, id, field) = match headline {
                    Some(first) => {
                        let more = match errors {
                            0 | 1 => String::new(),
                            n => format!(" (and {} more error(s); see `issues`)", n - 1),
                        };
                        (
                            format!("{first}{more}"),
                            first.row.map(|r| r as f64),
                            first.id.as_deref(),
                            first.field.map(|f| f.as_str()),
                        )
                    }
                    None => ("the rows cannot be used".to_owned(), None, None, None),
                };
                ValidationError::new(&message, code::VALIDATION, row, id, field, issues).into()
            }
        }
    }
}

/// Turns a Rust panic into a thrown `BankFeedsError` with code `internal`, instead of an opaque
/// `RuntimeError: unreachable`.
///
/// wasm32-unknown-unknown aborts on panic (it cannot unwind), so `catch_unwind` cannot stop one at
/// the boundary; every path here returns errors instead, and this hook is the last line. Throwing
/// from the hook skips Rust's clean-up: the module should be reloaded after an `internal` error.
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!(
            "internal error in bankfeeds (please report it; reload the module before using it again): {info}"
        );
        let error: JsValue = BankFeedsError::new(&message, code::INTERNAL, None, None, None).into();
        wasm_bindgen::throw_val(error);
    }));
}
