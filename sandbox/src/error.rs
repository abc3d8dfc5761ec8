//! Codat's error body (`ErrorMessage`) on every answer that is not a success.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bankfeeds::model::{ErrorMessage, Validation};
use serde::Serialize;

/// An error answer: an HTTP status and the fields of Codat's error body.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) service: &'static str,
    pub(crate) message: String,
    pub(crate) validation: Option<Validation>,
    pub(crate) retry_after: Option<u64>,
    /// `canBeRetried` when it is not the status's usual (`True` for 429 and 5xx, else
    /// `Unknown`).
    pub(crate) can_be_retried: Option<bool>,
    /// The body of the request refused, for the spec check (see [`RefusedRequest`]).
    pub(crate) request: Option<Box<axum::body::Bytes>>,
}

/// A response extension: the body of the request an error answer refused. The spec check uses
/// it to tell a request that broke the spec (which the spec gives no answer for) from one that
/// did not.
#[derive(Debug, Clone)]
pub(crate) struct RefusedRequest(pub(crate) axum::body::Bytes);

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            service: "PublicApi",
            message: message.into(),
            validation: None,
            retry_after: None,
            can_be_retried: None,
            request: None,
        }
    }

    /// Remembers the body of the request this error refuses.
    pub(crate) fn refusing(mut self, body: &axum::body::Bytes) -> Self {
        self.request = Some(Box::new(body.clone()));
        self
    }

    /// 400: the request is not valid.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 400 from the query parser, as Codat's `ClientsApi` words it.
    pub(crate) fn malformed_query(message: impl Into<String>) -> Self {
        ApiError {
            service: "ClientsApi",
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Error parsing query - {}", message.into()),
            )
        }
    }

    /// 404: something the path names does not exist.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 404 for a company, worded as Codat's `ClientsApi` does.
    pub(crate) fn company_not_found(id: &str) -> Self {
        ApiError {
            service: "ClientsApi",
            ..ApiError::not_found(format!("No company was found with ID {id}"))
        }
    }

    /// 413: a body larger than the core's push body limit
    /// (`bankfeeds::batch::MAX_PUSH_BODY_BYTES`), with Codat's error body.
    pub(crate) fn too_large() -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request body is larger than {} bytes; split the push into smaller batches.",
                bankfeeds::batch::MAX_PUSH_BODY_BYTES
            ),
        )
    }

    /// 401: no usable credentials.
    pub(crate) fn unauthorized() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized")
    }

    /// 500 in place of an answer that broke the spec: names the first violation, and is not
    /// worth retrying (the same request gets the same answer).
    pub(crate) fn spec_violation(violations: &[crate::SpecViolation]) -> Self {
        let first = violations
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        let more = match violations.len() {
            0 | 1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        ApiError {
            service: "bankfeeds-sandbox",
            can_be_retried: Some(false),
            ..ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "The sandbox's answer broke Codat's spec: {first}{more}. Every violation: GET /sandbox/spec-violations."
                ),
            )
        }
    }

    /// Adds validation findings to the body.
    pub(crate) fn with_validation(mut self, validation: Validation) -> Self {
        self.validation = Some(validation);
        self
    }

    /// The body Codat sends.
    pub(crate) fn body(&self) -> ErrorMessage {
        let code = self.status.as_u16();
        let transient = code == 429 || code >= 500;
        let can_be_retried = match self.can_be_retried {
            Some(true) => "True",
            Some(false) => "False",
            None if transient => "True",
            None => "Unknown",
        };
        ErrorMessage {
            status_code: Some(code),
            service: Some(self.service.to_owned()),
            error: Some(self.message.clone()),
            correlation_id: Some(uuid::Uuid::new_v4().simple().to_string()),
            validation: self.validation.clone(),
            can_be_retried: Some(can_be_retried.to_owned()),
            detailed_error_code: Some(0),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json(self.status, &self.body());
        if let Some(request) = self.request {
            response.extensions_mut().insert(RefusedRequest(*request));
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// A JSON answer with a status.
pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the sandbox could not write its answer: {e}"),
        )
        .into_response(),
    }
}

/// Reads a JSON request body, answering 400 with Codat's error body when it is missing or does
/// not fit the spec's schema.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("The request body is required."));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("The request body is not valid: {e}")))
}
