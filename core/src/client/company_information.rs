//! What the accounting platform says about the linked company (`Company information` in the
//! spec).

use super::request::Call;
use super::{Client, Error};
use crate::model::CompanyInformation as Information;

/// The company information endpoint of one connection; from [`Client::company_information`].
#[derive(Debug, Clone, Copy)]
pub struct CompanyInformation<'a> {
    pub(crate) client: &'a Client,
    pub(crate) company_id: &'a str,
    pub(crate) connection_id: &'a str,
}

impl CompanyInformation<'_> {
    /// The company's name, base currency and enabled currencies in its platform
    /// (`get-company-information`); see [`Information::accepts_currency`] before creating a
    /// source account in another currency.
    pub async fn get(&self) -> Result<Information, Error> {
        let call = Call::get([
            "companies",
            self.company_id,
            "connections",
            self.connection_id,
            "bankFeeds",
            "info",
        ]);
        self.client.fetch(&call).await
    }
}
