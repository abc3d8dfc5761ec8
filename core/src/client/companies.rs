//! Companies: your customers in Codat (`Companies` in the spec).

use super::paging::{ListQuery, Pager};
use super::request::{Call, Retry};
use super::{Client, Error};
use crate::model::{Company, CompanyAccessToken, CompanyRequestBody, CompanyUpdateRequest};

/// The companies endpoints; from [`Client::companies`].
#[derive(Debug, Clone, Copy)]
pub struct Companies<'a> {
    pub(crate) client: &'a Client,
}

impl Companies<'_> {
    /// Creates a company (`create-company`).
    ///
    /// Retried only when Codat certainly did not process the request (`429`, `408`, no
    /// connection), because a repeat would create a second company.
    ///
    /// ```no_run
    /// # async fn run(client: bankfeeds::client::Client) -> Result<(), bankfeeds::client::Error> {
    /// use bankfeeds::model::CompanyRequestBody;
    /// let company = client.companies().create(&CompanyRequestBody::new("Toft Bakery")).await?;
    /// println!("{}", company.id);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, body: &CompanyRequestBody) -> Result<Company, Error> {
        let call = Call::post(["companies"])
            .json(body)?
            .retry(Retry::IfNotProcessed);
        self.client.fetch(&call).await
    }

    /// Lists companies (`list-companies`), page by page; `tags` in the query filters by tag.
    pub fn list(&self, query: ListQuery) -> Pager<Company> {
        Pager::new(self.client, vec!["companies".into()], query).with_tags()
    }

    /// One company (`get-company`).
    pub async fn get(&self, company_id: &str) -> Result<Company, Error> {
        self.client
            .fetch(&Call::get(["companies", company_id]))
            .await
    }

    /// Replaces a company's name, description and tags (`replace-company`).
    pub async fn replace(
        &self,
        company_id: &str,
        body: &CompanyRequestBody,
    ) -> Result<Company, Error> {
        let call = Call::put(["companies", company_id]).json(body)?;
        self.client.fetch(&call).await
    }

    /// Changes only the fields given (`update-company`).
    pub async fn update(
        &self,
        company_id: &str,
        body: &CompanyUpdateRequest,
    ) -> Result<Company, Error> {
        let call = Call::patch(["companies", company_id]).json(body)?;
        self.client.fetch(&call).await
    }

    /// Deletes a company and its connections (`delete-company`). A retry that finds the company
    /// already gone counts as done.
    pub async fn delete(&self, company_id: &str) -> Result<(), Error> {
        self.client
            .send(&Call::delete(["companies", company_id]))
            .await
    }

    /// An access token for the company (`get-company-access-token`), e.g. for Codat's embedded
    /// components. Its `Debug` hides the token.
    pub async fn access_token(&self, company_id: &str) -> Result<CompanyAccessToken, Error> {
        self.client
            .fetch(&Call::get(["companies", company_id, "accessToken"]))
            .await
    }
}
