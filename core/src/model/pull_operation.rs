//! Pull operations (formerly datasets): Codat's record of one fetch of a data type from the
//! platform.

use serde::{Deserialize, Serialize};

use super::{DataType, Page};
use crate::dates::Timestamp;

/// A page of pull operations.
pub type PullOperations = Page<PullOperation>;

super::wire_enum! {
    /// Where a pull operation is (`Dataset status`).
    pub enum PullOperationStatus {
        /// Created.
        Initial = "Initial",
        /// Waiting to fetch.
        Queued = "Queued",
        /// Fetching from the platform.
        Fetching = "Fetching",
        /// Waiting to map.
        MapQueued = "MapQueued",
        /// Mapping to Codat's model.
        Mapping = "Mapping",
        /// Finished.
        Complete = "Complete",
        /// Fetching failed.
        FetchError = "FetchError",
        /// Mapping failed.
        MapError = "MapError",
        /// Codat failed internally.
        InternalError = "InternalError",
        /// Waiting to process.
        ProcessingQueued = "ProcessingQueued",
        /// Processing.
        Processing = "Processing",
        /// Processing failed.
        ProcessingError = "ProcessingError",
        /// Waiting to validate.
        ValidationQueued = "ValidationQueued",
        /// Validating.
        Validating = "Validating",
        /// Validation failed.
        ValidationError = "ValidationError",
        /// The platform refused the credentials.
        AuthError = "AuthError",
        /// Cancelled.
        Cancelled = "Cancelled",
        /// The platform does not offer this data type.
        NotSupported = "NotSupported",
        /// The platform rate-limited the fetch.
        RateLimitError = "RateLimitError",
        /// The credentials lack a permission.
        PermissionsError = "PermissionsError",
        /// Something the fetch depends on is missing.
        PrerequisiteNotMet = "PrerequisiteNotMet",
    }
}

impl PullOperationStatus {
    /// Whether the status is an error state (`...Error`, or a prerequisite not met).
    pub fn is_error(&self) -> bool {
        use PullOperationStatus::*;
        matches!(
            self,
            FetchError
                | MapError
                | InternalError
                | ProcessingError
                | ValidationError
                | AuthError
                | RateLimitError
                | PermissionsError
                | PrerequisiteNotMet
        )
    }

    /// Whether the operation will not change again: complete, cancelled, not supported or
    /// failed. A status this version does not know counts as not final.
    pub fn is_final(&self) -> bool {
        use PullOperationStatus::*;
        self.is_error() || matches!(self, Complete | Cancelled | NotSupported)
    }
}

/// A queued, running or finished pull operation (`Pull operation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullOperation {
    /// The operation's id.
    pub id: String,
    /// The company.
    pub company_id: String,
    /// The connection.
    pub connection_id: String,
    /// The data type fetched.
    pub data_type: DataType,
    /// Where the operation is.
    pub status: PullOperationStatus,
    /// More about the status, e.g. "Paused until 2022-10-23T00:00:00.000Z".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_description: Option<String>,
    /// The error Codat or the platform reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// When the pull was requested.
    pub requested: Timestamp,
    /// When the pull finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<Timestamp>,
    /// How far along the operation is.
    pub progress: i32,
    /// Whether the pull completed successfully.
    pub is_completed: bool,
    /// Whether the pull entered an error state.
    pub is_errored: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(PullOperationStatus::ALL.len(), 21);
        assert!(PullOperationStatus::AuthError.is_error());
        assert!(PullOperationStatus::NotSupported.is_final());
        assert!(!PullOperationStatus::Fetching.is_final());
        assert!(!PullOperationStatus::parse("Paused").is_final());
    }
}
