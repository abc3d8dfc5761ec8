//! Managed bank feed syncs: Codat fetching a source account's transactions and pushing them on a
//! schedule or on request.

use serde::{Deserialize, Serialize};

use crate::dates::Timestamp;

super::wire_enum! {
    /// Where a managed sync is (`status`). The spec types it as a string and lists these as the
    /// known values.
    pub enum SyncStatus {
        /// Running.
        Started = "Started",
        /// Finished with an error.
        Failed = "Failed",
        /// Finished and pushed transactions.
        SuccessDataPushed = "SuccessDataPushed",
        /// Finished with nothing to push.
        SuccessNoDataPushed = "SuccessNoDataPushed",
        /// Finished, having pushed some transactions but not all.
        PartialSuccessDataPushed = "PartialSuccessDataPushed",
    }
}

impl SyncStatus {
    /// Whether the sync has finished: anything but `Started`, as the spec defines
    /// `executionEndUtc`. A status this version does not know counts as finished for the same
    /// reason.
    pub fn is_final(&self) -> bool {
        !matches!(self, SyncStatus::Started)
    }

    /// Whether the sync finished without error (`SuccessDataPushed` or `SuccessNoDataPushed`).
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            SyncStatus::SuccessDataPushed | SyncStatus::SuccessNoDataPushed
        )
    }
}

/// The answer to starting an ad-hoc sync (`Start scheduled sync result`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartScheduledSyncResult {
    /// The new sync's id.
    pub sync_id: String,
}

/// A managed bank feed sync and how it went (`Sync status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusResult {
    /// The sync's id.
    pub sync_id: String,
    /// The Codat client that owns the company.
    pub client_id: String,
    /// The company that owns the source account.
    pub company_id: String,
    /// The company's name.
    pub company_name: String,
    /// The target accounting connection.
    pub data_connection_id: String,
    /// The source account whose transactions are fetched.
    pub source_account_id: String,
    /// Start of the period synced.
    pub period_start_utc: Timestamp,
    /// End of the period synced.
    pub period_end_utc: Timestamp,
    /// When the sync started running.
    pub execution_start_utc: Timestamp,
    /// Where the sync is.
    pub status: SyncStatus,
    /// When the sync finished; absent while `Started`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_end_utc: Option<Timestamp>,
    /// What went wrong, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// An error code, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The push operations the sync made, if it pushed anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_operation_keys: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(SyncStatus::ALL.len(), 5);
        assert!(!SyncStatus::Started.is_final());
        assert!(SyncStatus::PartialSuccessDataPushed.is_final());
        assert!(!SyncStatus::PartialSuccessDataPushed.is_success());
        assert!(SyncStatus::parse("Queued").is_final());
    }

    #[test]
    fn sync_result() {
        let json = r#"{"syncId":"s","clientId":"c","companyId":"co","companyName":"Toft","dataConnectionId":"d",
            "sourceAccountId":"a","periodStartUtc":"2024-05-01T00:00:00Z","periodEndUtc":"2024-05-02T00:00:00Z",
            "executionStartUtc":"2024-05-02T00:00:05.123Z","status":"SuccessDataPushed",
            "executionEndUtc":"2024-05-02T00:00:09Z","errorMessage":null,"pushOperationKeys":["k1"]}"#;
        let r: SyncStatusResult = serde_json::from_str(json).unwrap();
        assert!(r.status.is_success());
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["executionStartUtc"], "2024-05-02T00:00:05.123Z");
        assert!(v.get("errorMessage").is_none());
        let s: StartScheduledSyncResult = serde_json::from_str(r#"{"syncId":"s"}"#).unwrap();
        assert_eq!(s.sync_id, "s");
    }
}
