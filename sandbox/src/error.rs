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
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            service: "PublicApi",
            message: message.into(),
            validation: None,
            retry_after: None,
        }
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

    /// Adds validation findings to the body.
    pub(crate) fn with_validation(mut self, validation: Validation) -> Self {
        self.validation = Some(validation);
        self
    }

    /// The body Codat sends.
    pub(crate) fn body(&self) -> ErrorMessage {
        let code = self.status.as_u16();
        let transient = code == 429 || code >= 500;
        ErrorMessage {
            status_code: Some(code),
            service: Some(self.service.to_owned()),
            error: Some(self.message.clone()),
            correlation_id: Some(uuid::Uuid::new_v4().simple().to_string()),
            validation: self.validation.clone(),
            can_be_retried: Some(if transient { "True" } else { "Unknown" }.to_owned()),
            detailed_error_code: Some(0),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json(self.status, &self.body());
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
