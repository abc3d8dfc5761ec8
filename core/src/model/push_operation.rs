//! Push operations: Codat's record of one write to the accounting platform, which finishes
//! asynchronously and is polled (or reported by webhook) until final.

use serde::{Deserialize, Serialize};

use super::{CreateBankTransactions, DataType, Page};
use crate::dates::Timestamp;

/// A page of push operations (`GET /companies/{companyId}/push`).
pub type PushOperations = Page<PushOperation>;

super::wire_enum! {
    /// Where a push operation is (`Push operation status`).
    pub enum PushOperationStatus {
        /// Accepted; the platform has not answered yet.
        Pending = "Pending",
        /// The platform refused the data; see `validation` and `errorMessage`.
        Failed = "Failed",
        /// The data was written.
        Success = "Success",
        /// No answer within the time limit.
        TimedOut = "TimedOut",
    }
}

impl PushOperationStatus {
    /// Whether the operation has finished (`Success`, `Failed` or `TimedOut`) and polling can
    /// stop. A status this version does not know counts as not final, so a poller keeps going
    /// (until its own deadline) instead of reporting an outcome it cannot interpret.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PushOperationStatus::Success
                | PushOperationStatus::Failed
                | PushOperationStatus::TimedOut
        )
    }

    /// Whether the data was written.
    pub fn is_success(&self) -> bool {
        matches!(self, PushOperationStatus::Success)
    }

    /// Whether the operation finished without writing (`Failed` or `TimedOut`).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            PushOperationStatus::Failed | PushOperationStatus::TimedOut
        )
    }
}

super::wire_enum! {
    /// What a push did to a record (`Push change type`).
    pub enum PushChangeType {
        /// Not known.
        Unknown = "Unknown",
        /// A record was created.
        Created = "Created",
        /// A record was changed.
        Modified = "Modified",
        /// A record was deleted.
        Deleted = "Deleted",
        /// An attachment was uploaded to a record.
        AttachmentUploaded = "AttachmentUploaded",
    }
}

super::wire_struct! {
    /// The record a push changed (`Push operation reference`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct PushOperationRef {
        /// The record's id.
        pub id: Option<String>,
        /// The record's data type.
        pub data_type: Option<DataType>,
    }
}

super::wire_struct! {
    /// One change a push made (`pushOperationChange`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct PushOperationChange {
        /// What happened to the record.
        pub r#type: Option<PushChangeType>,
        /// The record.
        pub record_ref: Option<PushOperationRef>,
        /// The attachment created, if any.
        pub attachment_id: Option<String>,
    }
}

super::wire_struct! {
    /// One validation finding (`Validation item`).
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct ValidationItem {
        /// The item the finding is about.
        pub item_id: Option<String>,
        /// What is wrong.
        pub message: Option<String>,
        /// The validator that reported it.
        pub validator_name: Option<String>,
    }
}

super::wire_struct! {
    /// Codat's validation findings on a push or a request (`Validation`); a push that failed
    /// validation lists why in `errors`.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct Validation {
        /// Findings that stopped the operation.
        pub errors: Option<Vec<ValidationItem>>,
        /// Findings that did not.
        pub warnings: Option<Vec<ValidationItem>>,
    }
}

impl Validation {
    /// The errors (none when Codat left the list out).
    pub fn errors(&self) -> &[ValidationItem] {
        self.errors.as_deref().unwrap_or_default()
    }

    /// The warnings (none when Codat left the list out).
    pub fn warnings(&self) -> &[ValidationItem] {
        self.warnings.as_deref().unwrap_or_default()
    }

    /// Whether there is at least one error.
    pub fn has_errors(&self) -> bool {
        !self.errors().is_empty()
    }
}

/// Declares a push operation struct with the fields of a push operation written once; `$data`
/// (the echoed record of a push's answer) goes after `changes`, where the spec has it.
macro_rules! push_operation {
    (
        $(#[$meta:meta])*
        pub struct $name:ident $(<$($gen:ident),+>)? { $($data:tt)* }
    ) => {
        super::wire_struct! {
            $(#[$meta])*
            pub struct $name $(<$($gen),+>)? {
                /// The records changed; one entry in practice.
                pub changes: Option<Vec<PushOperationChange>>,
                $($data)*
                /// The data type pushed.
                pub data_type: Option<DataType>,
                /// The company.
                pub company_id: String,
                /// Codat's key for this operation: keep it to poll the status.
                pub push_operation_key: String,
                /// The connection written to.
                pub data_connection_key: String,
                /// When the push was requested.
                pub requested_on_utc: Timestamp,
                /// When the push finished; absent while pending.
                pub completed_on_utc: Option<Timestamp>,
                /// Minutes the push may take before it times out.
                pub timeout_in_minutes: Option<i32>,
                /// Seconds the push may take before it times out (deprecated in favour of
                /// minutes).
                pub timeout_in_seconds: Option<i32>,
                /// Where the operation is.
                pub status: PushOperationStatus,
                /// What went wrong, for a failed push.
                pub error_message: Option<String>,
                /// Validation findings.
                pub validation: Option<Validation>,
                /// The push's HTTP-style status code (`202` while pending).
                pub status_code: u16,
            }
        }
    };
}

push_operation! {
    /// A push operation (`Push operation`): the answer to a push and to polling it.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PushOperation {}
}

impl PushOperation {
    /// Whether the operation has finished; see [`PushOperationStatus::is_final`].
    pub fn is_final(&self) -> bool {
        self.status.is_final()
    }

    /// Whether the data was written.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// Validation errors (none when there were none).
    pub fn validation_errors(&self) -> &[ValidationItem] {
        self.validation
            .as_ref()
            .map(Validation::errors)
            .unwrap_or_default()
    }
}

/// The answer to a bank transactions push (`Create bank transaction response`): the push
/// operation and, in `data`, the transactions as Codat received them.
pub type CreateBankTransactionsResponse = PushOperationWithData<CreateBankTransactions>;

push_operation! {
    /// A push operation that also echoes the pushed record in `data`, as the answers to pushes do
    /// (`allOf` a push operation and `{data}` in the spec).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PushOperationWithData<D> {
        /// The record pushed, as Codat received it.
        pub data: Option<D>,
    }
}

impl<D> PushOperationWithData<D> {
    /// Splits the answer into the push operation and the echoed record.
    pub fn into_parts(self) -> (PushOperation, Option<D>) {
        let op = PushOperation {
            changes: self.changes,
            data_type: self.data_type,
            company_id: self.company_id,
            push_operation_key: self.push_operation_key,
            data_connection_key: self.data_connection_key,
            requested_on_utc: self.requested_on_utc,
            completed_on_utc: self.completed_on_utc,
            timeout_in_minutes: self.timeout_in_minutes,
            timeout_in_seconds: self.timeout_in_seconds,
            status: self.status,
            error_message: self.error_message,
            validation: self.validation,
            status_code: self.status_code,
        };
        (op, self.data)
    }

    /// Whether the operation has finished; see [`PushOperationStatus::is_final`].
    pub fn is_final(&self) -> bool {
        self.status.is_final()
    }
}

impl<D> From<PushOperationWithData<D>> for PushOperation {
    fn from(value: PushOperationWithData<D>) -> Self {
        value.into_parts().0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_statuses() {
        assert_eq!(PushOperationStatus::ALL.len(), 4);
        assert!(!PushOperationStatus::Pending.is_final());
        assert!(PushOperationStatus::TimedOut.is_final());
        assert!(PushOperationStatus::TimedOut.is_failure());
        assert!(PushOperationStatus::Success.is_success());
        let odd: PushOperationStatus = serde_json::from_str("\"Cancelled\"").unwrap();
        assert_eq!(odd, PushOperationStatus::Unrecognised("Cancelled".into()));
        assert!(!odd.is_final());
        assert_eq!(
            PushChangeType::parse("Merged"),
            PushChangeType::Unrecognised("Merged".into())
        );
    }

    #[test]
    fn minimal_operation_and_parts() {
        let json = r#"{"companyId":"c","pushOperationKey":"k","dataConnectionKey":"d",
            "requestedOnUtc":"2023-09-12T12:58:39.5065472Z","status":"Failed","statusCode":400,
            "validation":{"errors":[{"itemId":"t1","message":"Balance mismatch","validatorName":"Xero"}],"warnings":null},
            "data":{"accountId":"a","transactions":[]},"somethingNew":true}"#;
        let resp: CreateBankTransactionsResponse = serde_json::from_str(json).unwrap();
        let op: PushOperation = serde_json::from_str(json).unwrap();
        let (from_resp, data) = resp.into_parts();
        assert_eq!(from_resp, op);
        assert_eq!(data.unwrap().account_id, "a");
        assert!(op.is_final() && !op.is_success());
        assert_eq!(
            op.validation_errors()[0].message.as_deref(),
            Some("Balance mismatch")
        );
        assert_eq!(
            serde_json::to_value(&op).unwrap()["requestedOnUtc"],
            "2023-09-12T12:58:39.5065472Z"
        );
    }
}
