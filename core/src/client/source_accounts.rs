//! Source accounts: the bank accounts you offer as feeds (`Source accounts` in the spec), their
//! credentials and the one-time password that links a feed.

use super::request::{Call, connection_path, decode};
use super::{Client, Error};
use crate::model::{
    AnySourceAccount, BankAccountCredentials, BatchCreateSourceAccounts, CreateSourceAccount,
    GenerateOtpResponse, SourceAccount, SourceAccountBatchItem, SourceAccounts,
};
use crate::rules::Platform;
use crate::validate::{AccountContext, validate_account};

/// The answer to a batch create: Codat's status (`201` all created, `207` some, `409` none) and
/// one entry per account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchCreateOutcome {
    /// `201`, `207` or `409`.
    pub status: u16,
    /// Each account's result, created or not.
    pub items: Vec<SourceAccountBatchItem>,
}

impl BatchCreateOutcome {
    /// The entries of accounts that were not created.
    pub fn failures(&self) -> impl Iterator<Item = &SourceAccountBatchItem> {
        self.items.iter().filter(|i| !i.is_created())
    }

    /// Whether every account was created.
    pub fn all_created(&self) -> bool {
        self.items.iter().all(SourceAccountBatchItem::is_created)
    }
}

/// The source account endpoints of one connection; from [`Client::source_accounts`].
#[derive(Debug, Clone, Copy)]
pub struct SourceAccountsApi<'a> {
    pub(crate) client: &'a Client,
    pub(crate) company_id: &'a str,
    pub(crate) connection_id: &'a str,
}

impl SourceAccountsApi<'_> {
    fn segments<'s>(&'s self, tail: &[&'s str]) -> Vec<&'s str> {
        let mut s = connection_path(
            self.company_id,
            self.connection_id,
            &["connectionInfo", "bankFeedAccounts"],
        );
        s.extend_from_slice(tail);
        s
    }

    /// Creates one source account, v1 or v2 shape (`create-source-account`).
    ///
    /// The account is normalised first (currency upper-cased, sort code as six digits; see
    /// [`crate::normalise::normalise_account`]) and checked with the account rules
    /// ([`crate::validate::validate_account`]): a GBP account without a six-digit sort code is
    /// refused with [`Error::Validation`] before anything is sent.
    ///
    /// The id is yours, so a repeat cannot create a second account: the request is retried like a
    /// read, and when Codat refuses a repeat because the account now exists, the account is read
    /// back and returned.
    ///
    /// ```no_run
    /// # async fn run(client: bankfeeds::client::Client) -> Result<(), bankfeeds::client::Error> {
    /// use bankfeeds::model::{SourceAccountV2Prototype, SourceAccountV2Type};
    /// use bankfeeds::money::Currency;
    /// use rust_decimal::Decimal;
    /// let body = SourceAccountV2Prototype {
    ///     sort_code: Some("12-34-56".into()), // GBP accounts need one; sent as 123456
    ///     ..SourceAccountV2Prototype::new(
    ///         "acc-001", "Business current", SourceAccountV2Type::Checking, "12345678",
    ///         Currency::new("GBP"), Decimal::new(400200, 2),
    ///     )
    /// };
    /// let account = client.source_accounts("company-id", "connection-id").create(body).await?;
    /// assert!(!account.is_connected()); // `pending` until the customer maps it
    /// # Ok(()) }
    /// ```
    pub async fn create(
        &self,
        account: impl Into<CreateSourceAccount>,
    ) -> Result<AnySourceAccount, Error> {
        let mut account = account.into();
        crate::normalise::normalise_account(&mut account);
        let report = validate_account(&AccountContext::from(&account), Platform::Generic);
        if !report.is_valid() {
            return Err(Error::Validation(Box::new(report)));
        }
        let call = Call::post(self.segments(&[])).json(&account)?;
        match self.client.execute_tracked(&call).await {
            Ok(response) => decode(&call, &response),
            Err(failed) => {
                let conflict = matches!(failed.error.status(), Some(400 | 409));
                if failed.uncertain && conflict {
                    // An earlier attempt may have created it: the refusal then says "exists".
                    if let Some(existing) = self.find(account.id()).await? {
                        return Ok(existing);
                    }
                }
                Err(failed.error)
            }
        }
    }

    /// Creates several source accounts at once, all v1 or all v2 (`create-batch-source-account`).
    ///
    /// Codat answers `201`, `207` (some created) or `409` (none); each entry says what happened to
    /// its account. After a retry, an account created by a lost attempt shows as "already
    /// exists".
    ///
    /// The accounts are sent as given, so that Codat's own answer says what happened to each;
    /// to check them first, run [`crate::normalise::normalise_account`] and
    /// [`crate::validate::validate_account`] on each.
    pub async fn create_batch(
        &self,
        accounts: &BatchCreateSourceAccounts,
    ) -> Result<BatchCreateOutcome, Error> {
        let call = Call::post(self.segments(&["batch"]))
            .json(accounts)?
            .accept(&[409]);
        let response = self.client.execute(&call).await?;
        Ok(BatchCreateOutcome {
            status: response.status,
            items: decode(&call, &response)?,
        })
    }

    /// Every source account of the connection, in either shape (`list-source-accounts`).
    pub async fn list(&self) -> Result<SourceAccounts, Error> {
        self.client.fetch(&Call::get(self.segments(&[]))).await
    }

    /// One source account by id, from the list (the spec has no single-account read).
    pub async fn find(&self, account_id: &str) -> Result<Option<AnySourceAccount>, Error> {
        Ok(self
            .list()
            .await?
            .into_iter()
            .find(|a| a.id() == account_id))
    }

    /// Updates a source account (`update-source-account`); the body is the v1 shape, fields left
    /// `None` are not sent.
    pub async fn update(
        &self,
        account_id: &str,
        account: &SourceAccount,
    ) -> Result<SourceAccount, Error> {
        let call = Call::patch(self.segments(&[account_id])).json(account)?;
        self.client.fetch(&call).await
    }

    /// Deletes a source account and its feed (`delete-source-account`).
    pub async fn delete(&self, account_id: &str) -> Result<(), Error> {
        self.client
            .send(&Call::delete(self.segments(&[account_id])))
            .await
    }

    /// Generates the username and password the platform (QuickBooks Online Bank Feeds) signs in
    /// with (`generate-credentials`). `Debug` hides the password.
    pub async fn generate_credentials(&self) -> Result<BankAccountCredentials, Error> {
        let call = Call::post(self.segments(&["credentials"])).json(&serde_json::json!({}))?;
        self.client.fetch(&call).await
    }

    /// Deletes every credential generated for the connection (`delete-bank-feed-credentials`).
    pub async fn delete_credentials(&self) -> Result<(), Error> {
        self.client
            .send(&Call::delete(self.segments(&["credentials"])))
            .await
    }

    /// A one-time password to link the feed in the platform, with its expiry (`generate-otp`).
    /// `Debug` hides the password.
    pub async fn generate_otp(&self) -> Result<GenerateOtpResponse, Error> {
        let call = Call::post([
            "companies",
            self.company_id,
            "connections",
            self.connection_id,
            "bankFeeds",
            "otp",
        ]);
        self.client.fetch(&call).await
    }
}

#[cfg(test)]
mod tests {
    use crate::client::Error;
    use crate::client::testing::{answer, builder, scripted};
    use crate::model::SourceAccountPrototype;
    use crate::money::Currency;
    use crate::validate::Code;

    #[tokio::test]
    async fn accounts_are_normalised_and_checked_before_they_are_sent() {
        let (client, seen) = scripted(builder(1), |req| {
            let body = req.body.clone().unwrap_or_default();
            answer(200, &body)
        });
        let accounts = client.source_accounts("c1", "k1");
        let without_sort_code = SourceAccountPrototype {
            currency: Some(Currency::new("GBP")),
            ..SourceAccountPrototype::new("acc-1")
        };
        let refused = accounts.create(without_sort_code).await.unwrap_err();
        let Error::Validation(report) = refused else {
            panic!("expected a validation error, got {refused:?}")
        };
        assert_eq!(report.issues[0].code, Code::SortCodeRequired);
        assert!(seen.requests().is_empty(), "nothing is sent");

        let tidy = SourceAccountPrototype {
            currency: Some(Currency::new("gbp")),
            sort_code: Some("12-34-56".into()),
            ..SourceAccountPrototype::new("acc-1")
        };
        accounts.create(tidy).await.unwrap();
        let sent = seen.requests()[0].body.clone().unwrap();
        assert!(
            sent.contains(r#""sortCode":"123456""#) && sent.contains(r#""currency":"GBP""#),
            "{sent}"
        );
    }
}
