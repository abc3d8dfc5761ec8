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
        // Byte for byte what `serde_json::to_vec` writes, in half the time (the `codec`
        // benchmarks of `benches/throughput.rs`).
        .json_bytes(body.to_json())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientBuilder;
    use crate::model::{BankTransaction, TransactionType};
    use rust_decimal::Decimal;

    #[test]
    fn a_push_body_is_sent_as_serde_json_writes_it() {
        let client = ClientBuilder::new().api_key("key").build().unwrap();
        let tx = |id: &str| {
            BankTransaction::new(
                id,
                "2024-05-01T09:30:00".parse().unwrap(),
                Decimal::new(-123_450, 3),
            )
        };
        let body = CreateBankTransactions {
            account_id: "acc \"1\"".into(),
            transactions: vec![
                tx("t1")
                    .with_description("Caf\u{e9} \\ \u{1} \u{1F600}")
                    .with_balance(Decimal::new(10, 28)),
                BankTransaction {
                    reconciled: Some(false),
                    transaction_type: Some(TransactionType::parse("Crypto")),
                    counterparty: Some(String::new()),
                    ..tx("t2")
                },
            ],
        };
        let call = client
            .transactions("c", "k")
            .push_call(&body, &PushParams::default())
            .unwrap();
        assert_eq!(call.body, Some(serde_json::to_vec(&body).unwrap()));
    }
}
