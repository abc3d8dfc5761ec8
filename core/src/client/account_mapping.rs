//! Account mapping: which account in the accounting platform each source account feeds
//! (`Account mapping` in the spec).

use super::request::Call;
use super::{Client, Error};
use crate::model::{BankFeedAccountMapping, BankFeedAccountMappingResponse, BankFeedMappings};

/// The account mapping endpoints of one connection; from [`Client::account_mapping`].
#[derive(Debug, Clone, Copy)]
pub struct AccountMapping<'a> {
    pub(crate) client: &'a Client,
    pub(crate) company_id: &'a str,
    pub(crate) connection_id: &'a str,
}

impl AccountMapping<'_> {
    fn segments(&self) -> [&str; 6] {
        [
            "companies",
            self.company_id,
            "connections",
            self.connection_id,
            "bankFeedAccounts",
            "mapping",
        ]
    }

    /// Each source account with its target and the targets it could map to
    /// (`get-bank-account-mapping`): what a mapping screen shows.
    pub async fn get(&self) -> Result<BankFeedMappings, Error> {
        self.client.fetch(&Call::get(self.segments())).await
    }

    /// Maps a source account to a target account (`create-bank-account-mapping`). Mapping the
    /// same pair twice has the same effect, so it is retried like a read. Check
    /// [`BankFeedAccountMappingResponse::is_failed`]: Codat may answer `200` with a failure.
    ///
    /// ```no_run
    /// # async fn run(client: bankfeeds::client::Client) -> Result<(), bankfeeds::client::Error> {
    /// use bankfeeds::model::BankFeedAccountMapping;
    /// let answer = client
    ///     .account_mapping("company-id", "connection-id")
    ///     .create(&BankFeedAccountMapping::new("acc-001", "target-081"))
    ///     .await?;
    /// assert!(!answer.is_failed());
    /// # Ok(()) }
    /// ```
    pub async fn create(
        &self,
        mapping: &BankFeedAccountMapping,
    ) -> Result<BankFeedAccountMappingResponse, Error> {
        let call = Call::post(self.segments()).json(mapping)?;
        self.client.fetch(&call).await
    }
}
