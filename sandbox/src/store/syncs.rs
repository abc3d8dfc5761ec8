//! Managed bank feed syncs: Codat fetching a source account's transactions from the bank and
//! pushing them to the platform, on request (`run-managed-bank-feed-ad-hoc-sync`).
//!
//! The sandbox has no bank to fetch from: a sync runs for the push delay (`Started`), then ends
//! `SuccessNoDataPushed`, covering the period from the end of the account's last successful sync
//! (its feed start date for the first) to when the sync started. One sync runs at a time per
//! account (`409` while one is `Started`).

use bankfeeds::model::{StartScheduledSyncResult, SyncStatus};

use super::*;

/// One sync, and when it is due to finish.
pub(super) struct SyncRec {
    result: SyncStatusResult,
    due: Instant,
}

impl SyncRec {
    /// The sync as it is at `at`: finished once due.
    fn settle(&mut self, at: Instant) {
        if self.result.status == SyncStatus::Started && self.due <= at {
            self.result.status = SyncStatus::SuccessNoDataPushed;
            self.result.execution_end_utc = Some(now());
        }
    }
}

impl Store {
    /// The account's syncs, settled, after checking the company, connection and account exist.
    fn syncs(
        &mut self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
    ) -> Result<(&mut ConnectionRec, String), ApiError> {
        let name = self.company_rec(company_id)?.company.name.clone();
        let rec = self.connection_rec(company_id, connection_id)?;
        rec.account_mut(account_id)?;
        let at = Instant::now();
        for sync in rec
            .syncs
            .iter_mut()
            .filter(|s| s.result.source_account_id == account_id)
        {
            sync.settle(at);
        }
        Ok((rec, name))
    }

    /// Starts a sync of the account now (`201`); refused while one runs (`409`), and for an
    /// account that is not connected through a linked connection (`400`).
    pub(crate) fn run_sync(
        &mut self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
        settings: &Settings,
    ) -> Result<StartScheduledSyncResult, ApiError> {
        let (rec, company_name) = self.syncs(company_id, connection_id, account_id)?;
        require_linked(&rec.connection)?;
        let account = &rec.account_mut(account_id)?.account;
        if !account.is_connected() {
            return Err(ApiError::bad_request(format!(
                "Source account {account_id} is {}: only a connected account can be synced.",
                account.status().map_or("without a status", |s| s.as_str())
            )));
        }
        let feed_start = account.feed_start_date();
        let mine = |s: &&SyncRec| s.result.source_account_id == account_id;
        if let Some(running) = rec
            .syncs
            .iter()
            .filter(mine)
            .find(|s| s.result.status == SyncStatus::Started)
        {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                format!(
                    "Sync {} of source account {account_id} is still running: wait for it to finish.",
                    running.result.sync_id
                ),
            ));
        }
        let start = now();
        let period_start = rec
            .syncs
            .iter()
            .filter(mine)
            .filter(|s| s.result.status.is_success())
            .map(|s| s.result.period_end_utc)
            .max()
            .or(feed_start)
            // A full UTC date-time, as the spec's `date-time` requires (a feed start date may
            // have been given as a plain date).
            .map_or(start, |t| Timestamp::new(t.utc()));
        let sync_id = new_id();
        rec.syncs.push(SyncRec {
            result: SyncStatusResult {
                sync_id: sync_id.clone(),
                client_id: settings.client_id.clone(),
                company_id: company_id.to_owned(),
                company_name,
                data_connection_id: connection_id.to_owned(),
                source_account_id: account_id.to_owned(),
                period_start_utc: period_start,
                period_end_utc: start,
                execution_start_utc: start,
                status: SyncStatus::Started,
                execution_end_utc: None,
                error_message: None,
                error_code: None,
                push_operation_keys: None,
            },
            due: Instant::now() + settings.push_delay,
        });
        Ok(StartScheduledSyncResult { sync_id })
    }

    /// One sync of the account (`404` for a sync of another account, or none).
    pub(crate) fn sync(
        &mut self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
        sync_id: &str,
    ) -> Result<SyncStatusResult, ApiError> {
        let (rec, _) = self.syncs(company_id, connection_id, account_id)?;
        rec.syncs
            .iter()
            .find(|s| s.result.source_account_id == account_id && s.result.sync_id == sync_id)
            .map(|s| s.result.clone())
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "Sync {sync_id} not found for source account {account_id}"
                ))
            })
    }

    /// The account's most recent sync; `None` when it has had none (Codat answers `204`).
    pub(crate) fn latest_sync(
        &mut self,
        company_id: &str,
        connection_id: &str,
        account_id: &str,
    ) -> Result<Option<SyncStatusResult>, ApiError> {
        let (rec, _) = self.syncs(company_id, connection_id, account_id)?;
        Ok(rec
            .syncs
            .iter()
            .rev()
            .find(|s| s.result.source_account_id == account_id)
            .map(|s| s.result.clone()))
    }
}
