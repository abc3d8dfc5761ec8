//! Managed bank feeds: Codat fetching a source account's transactions and pushing them itself
//! (`Managed bank feeds` in the spec).

use super::request::{Call, Retry, connection_path, decode};
use super::{Client, Error};
use crate::model::{StartScheduledSyncResult, SyncStatusResult};

/// The managed sync endpoints of one source account; from [`Client::managed_bank_feeds`].
#[derive(Debug, Clone, Copy)]
pub struct ManagedBankFeeds<'a> {
    pub(crate) client: &'a Client,
    pub(crate) company_id: &'a str,
    pub(crate) connection_id: &'a str,
    pub(crate) source_account_id: &'a str,
}

impl ManagedBankFeeds<'_> {
    fn segments<'s>(&'s self, tail: &[&'s str]) -> Vec<&'s str> {
        let mut s = connection_path(
            self.company_id,
            self.connection_id,
            &[
                "bankFeedAccounts",
                self.source_account_id,
                "managedBankFeeds",
                "syncs",
            ],
        );
        s.extend_from_slice(tail);
        s
    }

    /// One sync (`get-managed-bank-feed-sync`).
    pub async fn get(&self, sync_id: &str) -> Result<SyncStatusResult, Error> {
        self.client
            .fetch(&Call::get(self.segments(&[sync_id])))
            .await
    }

    /// The latest sync, `None` when there has been none (`get-latest-managed-bank-feed-sync`,
    /// which answers `204`).
    pub async fn latest(&self) -> Result<Option<SyncStatusResult>, Error> {
        let call = Call::get(self.segments(&["latest"]));
        let response = self.client.execute(&call).await?;
        if response.status == 204 || response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        decode(&call, &response).map(Some)
    }

    /// Starts a sync now (`run-managed-bank-feed-ad-hoc-sync`). Retried only when Codat certainly
    /// did not process the request; Codat answers `409` while a sync is running.
    pub async fn run(&self) -> Result<StartScheduledSyncResult, Error> {
        let call = Call::post(self.segments(&[])).retry(Retry::IfNotProcessed);
        self.client.fetch(&call).await
    }
}
