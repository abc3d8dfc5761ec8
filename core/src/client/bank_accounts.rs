//! Bank accounts in the accounting platform (`Bank accounts` in the spec): listing them, the
//! platform's model for creating one, and creating one to be a bank feed's target.

use super::paging::{ListQuery, Pager};
use super::request::{Call, Retry, connection_path};
use super::{Client, Error};
use crate::model::{BankAccount, BankAccountPrototype, CreateBankAccountResponse, PushOption};

/// The bank accounts endpoints of one connection; from [`Client::bank_accounts`].
#[derive(Debug, Clone, Copy)]
pub struct BankAccounts<'a> {
    pub(crate) client: &'a Client,
    pub(crate) company_id: &'a str,
    pub(crate) connection_id: &'a str,
}

impl BankAccounts<'_> {
    fn segments<'s>(&'s self, tail: &[&'s str]) -> Vec<&'s str> {
        connection_path(self.company_id, self.connection_id, tail)
    }

    /// Lists the platform's bank accounts (`list-bank-accounts`).
    pub fn list(&self, query: ListQuery) -> Pager<BankAccount> {
        let segments = self
            .segments(&["data", "bankAccounts"])
            .into_iter()
            .map(String::from)
            .collect();
        Pager::new(self.client, segments, query)
    }

    /// What the platform needs to create a bank account (`get-create-bankAccounts-model`).
    pub async fn create_model(&self) -> Result<PushOption, Error> {
        let call = Call::get(self.segments(&["options", "bankAccounts"]));
        self.client.fetch(&call).await
    }

    /// Creates a bank account in the platform (`create-bank-account`), as a push operation.
    /// `timeout_in_minutes` bounds how long Codat lets the platform take. Retried only when Codat
    /// certainly did not process the request.
    pub async fn create(
        &self,
        body: &BankAccountPrototype,
        timeout_in_minutes: Option<i32>,
    ) -> Result<CreateBankAccountResponse, Error> {
        let call = Call::post(self.segments(&["push", "bankAccounts"]))
            .query_opt("timeoutInMinutes", timeout_in_minutes)
            .json(body)?
            .retry(Retry::IfNotProcessed);
        self.client.fetch(&call).await
    }
}
