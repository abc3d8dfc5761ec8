//! Codat's error body (`ErrorMessage`), sent with every 4xx and 5xx answer.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Validation, ValidationItem};

/// The validation details of an error body (`Validation error`); the same shape as a push's
/// [`Validation`].
pub type ErrorValidation = Validation;

/// One finding in an error body's validation (`Validation error item`).
pub type ErrorValidationItem = ValidationItem;

/// The body Codat sends with an error (`Error message`).
///
/// ```
/// use bankfeeds::model::ErrorMessage;
/// let e: ErrorMessage = serde_json::from_str(r#"{
///     "statusCode": 404, "service": "PublicApi",
///     "error": "Data connection a22dd66b not found",
///     "correlationId": "8fa2b5f4794970a4ee73758f612e8df0",
///     "canBeRetried": "Unknown", "detailedErrorCode": 0
/// }"#).unwrap();
/// assert_eq!(e.retryable(), None);
/// assert_eq!(
///     e.to_string(),
///     "404 PublicApi: Data connection a22dd66b not found (correlation id 8fa2b5f4794970a4ee73758f612e8df0)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorMessage {
    /// The HTTP status code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// The Codat service that answered, e.g. `PublicApi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// A short description of the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The id Codat's services share for this request: quote it to Codat support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Validation findings, when the request failed validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<ErrorValidation>,
    /// Whether the error was transient, as text: `True`, `False` or `Unknown` (see
    /// [`ErrorMessage::retryable`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_be_retried: Option<String>,
    /// A machine-readable error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detailed_error_code: Option<i64>,
}

impl ErrorMessage {
    /// `canBeRetried` as a flag: `Some(true)` for `True`, `Some(false)` for `False` (any case),
    /// `None` for `Unknown`, anything else or absent.
    pub fn retryable(&self) -> Option<bool> {
        let text = self.can_be_retried.as_deref()?.trim();
        if text.eq_ignore_ascii_case("true") {
            Some(true)
        } else if text.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }

    /// The validation errors (none when there were none).
    pub fn validation_errors(&self) -> &[ValidationItem] {
        self.validation
            .as_ref()
            .map(Validation::errors)
            .unwrap_or_default()
    }
}

impl fmt::Display for ErrorMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = self.status_code {
            write!(f, "{code} ")?;
        }
        if let Some(service) = &self.service {
            write!(f, "{service}: ")?;
        }
        f.write_str(self.error.as_deref().unwrap_or("error"))?;
        if let Some(id) = &self.correlation_id {
            write!(f, " (correlation id {id})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_text() {
        let with = |s: &str| ErrorMessage {
            can_be_retried: Some(s.into()),
            ..Default::default()
        };
        assert_eq!(with("True").retryable(), Some(true));
        assert_eq!(with("false").retryable(), Some(false));
        assert_eq!(with("Unknown").retryable(), None);
        assert_eq!(ErrorMessage::default().retryable(), None);
        assert_eq!(ErrorMessage::default().to_string(), "error");
    }

    #[test]
    fn validation_and_nulls() {
        let e: ErrorMessage = serde_json::from_str(
            r#"{"statusCode":400,"error":"bad","validation":{"errors":[{"message":"amount missing"}],"warnings":null},"canBeRetried":null,"extra":1}"#,
        )
        .unwrap();
        assert_eq!(e.validation_errors().len(), 1);
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"statusCode":400,"error":"bad","validation":{"errors":[{"message":"amount missing"}]}}"#
        );
    }
}
