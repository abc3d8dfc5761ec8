//! Connections: a company's link to its accounting platform (`Connections` in the spec).

use super::paging::{ListQuery, Pager};
use super::request::{Call, Retry};
use super::{Client, Error};
use crate::model::{Connection, CreateConnectionRequestBody, PlatformKey, UpdateConnection};

/// The connections endpoints of one company; from [`Client::connections`].
#[derive(Debug, Clone, Copy)]
pub struct Connections<'a> {
    pub(crate) client: &'a Client,
    pub(crate) company_id: &'a str,
}

impl Connections<'_> {
    fn segments(&self) -> [&str; 3] {
        ["companies", self.company_id, "connections"]
    }

    /// Lists the company's connections (`list-connections`).
    pub fn list(&self, query: ListQuery) -> Pager<Connection> {
        let segments = self.segments().map(String::from).to_vec();
        Pager::new(self.client, segments, query)
    }

    /// Creates a connection (`create-connection`); its `linkUrl` is where the customer authorises
    /// it, valid for an hour. Retried only when Codat certainly did not process the request.
    ///
    /// ```no_run
    /// # async fn run(client: bankfeeds::client::Client) -> Result<(), bankfeeds::client::Error> {
    /// use bankfeeds::model::{CreateConnectionRequestBody, PlatformKey};
    /// let body = CreateConnectionRequestBody::new(PlatformKey::QuickBooksOnlineBankFeeds);
    /// let connection = client.connections("company-id").create(&body).await?;
    /// if let Some(url) = connection.link_url() {
    ///     println!("send the customer to {url} (one-time password {:?})", connection.link_otp());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, body: &CreateConnectionRequestBody) -> Result<Connection, Error> {
        let call = Call::post(self.segments())
            .json(body)?
            .retry(Retry::IfNotProcessed);
        self.client.fetch(&call).await
    }

    /// Creates a connection to a platform by its key.
    pub async fn create_for(&self, platform: PlatformKey) -> Result<Connection, Error> {
        self.create(&CreateConnectionRequestBody::new(platform))
            .await
    }

    /// One connection (`get-connection`).
    pub async fn get(&self, connection_id: &str) -> Result<Connection, Error> {
        let call = Call::get(["companies", self.company_id, "connections", connection_id]);
        self.client.fetch(&call).await
    }

    /// A link the customer can still use: the connection's `linkUrl` fetched again, since the
    /// one-time password in a link lapses after an hour and a fresh read carries a new one.
    /// `None` when the connection no longer needs authorising (linked or unlinked).
    pub async fn fresh_link_url(&self, connection_id: &str) -> Result<Option<String>, Error> {
        Ok(self.get(connection_id).await?.link_url().map(str::to_owned))
    }

    /// Unlinks a connection (`unlink-connection`): no more data flows, the record stays.
    pub async fn unlink(&self, connection_id: &str) -> Result<Connection, Error> {
        let call = Call::patch(["companies", self.company_id, "connections", connection_id])
            .json(&UpdateConnection::unlink())?;
        self.client.fetch(&call).await
    }

    /// Deletes a connection (`delete-connection`). A retry that finds it already gone counts as
    /// done.
    pub async fn delete(&self, connection_id: &str) -> Result<(), Error> {
        let call = Call::delete(["companies", self.company_id, "connections", connection_id]);
        self.client.send(&call).await
    }
}
