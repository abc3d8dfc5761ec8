//! Pushing bank transactions (`Transactions` in the spec): one push as the API takes it, and the
//! platform's model for a push. The safe push with look-up before any resend is
//! [`Transactions::push_batch`]; the whole flow is [`Client::push_transactions`].

use super::request::{Call, Retry};
use super::{Client, Error};
use crate::model::{CreateBankTransactions, CreateBankTransactionsResponse, PushOption};

/// Query parameters of a push.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushParams {
    /// Minutes Codat gives the platform before the push times out (`timeoutInMinutes`).
    pub timeout_in_minutes: Option<i32>,
    /// Whether Codat refreshes the account's data once the push completes
    /// (`allowSyncOnPushComplete`, true when unset).
    pub allow_sync_on_push_complete: Option<bool>,
}

/// The transactions endpoints of one connection; from [`Client::transactions`].
#[derive(Debug, Clone, Copy)]
pub struct Transactions<'a> {
    pub(crate) client: &'a Client,
    pub(crate) company_id: &'a str,
    pub(crate) connection_id: &'a str,
}

impl Transactions<'_> {
    pub(crate) fn push_call(
        &self,
        body: &CreateBankTransactions,
        params: &PushParams,
    ) -> Result<Call, Error> {
        Ok(Call::post([
            "companies",
            self.company_id,
            "connections",
            self.connection_id,
            "push",
            "bankAccounts",
            &body.account_id,
            "bankTransactions",
        ])
        .query_opt("timeoutInMinutes", params.timeout_in_minutes)
        .query_opt(
            "allowSyncOnPushComplete",
            params.allow_sync_on_push_complete,
        )
        .json(body)?
        .retry(Retry::IfNotProcessed))
    }

    /// Sends one push for `body.account_id` as the API takes it (`create-bank-transactions`) and
    /// returns the push operation, usually `Pending`.
    ///
    /// Retried only when Codat certainly did not receive it (`429`, `408`, no connection). When
    /// the outcome is unknown (a timeout, a dropped connection, a `5xx`) the error is returned
    /// as is: use [`Transactions::push_batch`], which looks the push up before sending again.
    pub async fn create(
        &self,
        body: &CreateBankTransactions,
        params: &PushParams,
    ) -> Result<CreateBankTransactionsResponse, Error> {
        let call = self.push_call(body, params)?;
        self.client.fetch(&call).await
    }

    /// What the platform accepts in a push to this account, field by field
    /// (`get-create-bank-transactions-model`).
    pub async fn create_model(&self, account_id: &str) -> Result<PushOption, Error> {
        let call = Call::get([
            "companies",
            self.company_id,
            "connections",
            self.connection_id,
            "options",
            "bankAccounts",
            account_id,
            "bankTransactions",
        ]);
        self.client.fetch(&call).await
    }
}
