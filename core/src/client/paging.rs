//! Paged lists: Codat's `page`, `pageSize`, `query` and `orderBy`, fetched a page at a time as a
//! [`Stream`] or all at once.

use std::marker::PhantomData;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use serde::de::DeserializeOwned;

use super::request::Call;
use super::{Client, Error};
use crate::model::Page;

/// The most items Codat returns in one page (the spec's `pageSize` maximum).
pub const MAX_PAGE_SIZE: u32 = 5000;

/// What to list: page size, Codat query, order, and the first page to fetch.
///
/// ```
/// use bankfeeds::client::ListQuery;
/// let q = ListQuery::new()
///     .page_size(500)
///     .query("status=Success")
///     .order_by("-requestedOnUtc");
/// assert_eq!(q.page_size, Some(500));
/// assert_eq!(ListQuery::new().page_size(9000).page_size, Some(5000)); // clamped to the spec
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// The first page to fetch, from 1 (1 when unset).
    pub page: Option<u32>,
    /// Items per page, 1 to 5000 (Codat's default, 100, when unset).
    pub page_size: Option<u32>,
    /// A [Codat query](https://docs.codat.io/using-the-api/querying), e.g.
    /// `status=Success&&dataType=bankTransactions`.
    pub query: Option<String>,
    /// The field to order by, `-` first for descending, e.g. `-requestedOnUtc`.
    pub order_by: Option<String>,
    /// Tag filter (companies only), e.g. `region=uk`.
    pub tags: Option<String>,
}

impl ListQuery {
    /// Codat's defaults: from page 1, 100 per page, no filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts at this page (at least 1).
    pub fn starting_at(mut self, page: u32) -> Self {
        self.page = Some(page.max(1));
        self
    }

    /// Items per page, clamped to 1..=5000.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size.clamp(1, MAX_PAGE_SIZE));
        self
    }

    /// A Codat query.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// The order, e.g. `-modifiedDate`.
    pub fn order_by(mut self, order_by: impl Into<String>) -> Self {
        self.order_by = Some(order_by.into());
        self
    }

    /// A tag filter (companies only).
    pub fn tags(mut self, tags: impl Into<String>) -> Self {
        self.tags = Some(tags.into());
        self
    }

    fn call_for_page(&self, segments: &[String], page: u32, with_tags: bool) -> Call {
        let call = Call::get(segments)
            .query("page", page.max(1))
            .query_opt(
                "pageSize",
                self.page_size.map(|s| s.clamp(1, MAX_PAGE_SIZE)),
            )
            .query_opt("query", self.query.as_deref())
            .query_opt("orderBy", self.order_by.as_deref());
        if with_tags {
            call.query_opt("tags", self.tags.as_deref())
        } else {
            call
        }
    }
}

/// A stream of pages ([`futures_util::Stream`], boxed so it can be polled without pinning).
pub type PageStream<T> = BoxStream<'static, Result<Page<T>, Error>>;

/// A stream of items across pages.
pub type ItemStream<T> = BoxStream<'static, Result<T, Error>>;

/// A paged list, fetched on demand.
///
/// ```no_run
/// # async fn run(client: bankfeeds::client::Client) -> Result<(), bankfeeds::client::Error> {
/// use bankfeeds::client::ListQuery;
/// use futures_util::TryStreamExt;
/// // One page at a time, as a stream:
/// let mut companies = client.companies().list(ListQuery::new().page_size(200)).items();
/// while let Some(company) = companies.try_next().await? {
///     println!("{} {}", company.id, company.name);
/// }
/// // Or everything at once:
/// let all = client.companies().list(ListQuery::new()).all().await?;
/// # let _ = all; Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a pager fetches nothing until one of its methods is awaited"]
pub struct Pager<T> {
    client: Client,
    segments: Vec<String>,
    query: ListQuery,
    with_tags: bool,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Send + 'static> Pager<T> {
    pub(crate) fn new(client: &Client, segments: Vec<String>, query: ListQuery) -> Self {
        Pager {
            client: client.clone(),
            segments,
            query,
            with_tags: false,
            _item: PhantomData,
        }
    }

    pub(crate) fn with_tags(mut self) -> Self {
        self.with_tags = true;
        self
    }

    /// The query this pager lists with.
    pub fn list_query(&self) -> &ListQuery {
        &self.query
    }

    /// Fetches one page by number (from 1).
    pub async fn page(&self, number: u32) -> Result<Page<T>, Error> {
        let call = self
            .query
            .call_for_page(&self.segments, number, self.with_tags);
        self.client.fetch(&call).await
    }

    /// Fetches the first page (the query's `page`, or 1).
    pub async fn first(&self) -> Result<Page<T>, Error> {
        self.page(self.query.page.unwrap_or(1)).await
    }

    /// The pages, fetched one by one as the stream is polled. The stream ends after a page
    /// without a next one ([`Page::has_next_page`]), an empty page, or a page numbered below the
    /// one asked for (a server ignoring `page` would otherwise repeat forever), and after the
    /// first error.
    pub fn pages(self) -> PageStream<T> {
        let start = self.query.page.unwrap_or(1).max(1);
        stream::try_unfold((self, Some(start)), |(pager, next)| async move {
            let Some(number) = next else {
                return Ok(None);
            };
            let page = pager.page(number).await?;
            let went_back = page.page_number != 0 && page.page_number < number;
            let following = if page.is_empty() || !page.has_next_page() || went_back {
                None
            } else {
                // Codat numbers pages from 1; follow our own count, which a server that
                // echoes `pageNumber: 0` cannot stall.
                number.checked_add(1)
            };
            Ok(Some((page, (pager, following))))
        })
        .boxed()
    }

    /// The items of every page, fetched a page at a time as the stream is polled.
    pub fn items(self) -> ItemStream<T> {
        self.pages()
            .map_ok(|page| stream::iter(page.results.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Every item of every page.
    pub async fn all(self) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        let mut pages = self.pages();
        while let Some(page) = pages.next().await {
            out.extend(page?.results);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use futures_util::TryStreamExt as _;

    use super::*;
    use crate::client::testing::{answer, builder, page, scripted};

    fn company(i: u32) -> String {
        format!(r#"{{"id":"c{i}","name":"Company {i}","redirect":"r"}}"#)
    }

    /// Serves `total` companies in pages of the requested size, recording the pages asked for.
    fn server(total: u32) -> (Client, Arc<Mutex<Vec<String>>>) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let (client, _) = scripted(builder(5), move |seen| {
            let url = url::Url::parse(&format!("http://x{}", seen.target)).unwrap();
            let q = |k: &str| {
                url.query_pairs()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.into_owned())
            };
            let number: u32 = q("page").unwrap().parse().unwrap();
            let size: u32 = q("pageSize").map_or(100, |s| s.parse().unwrap());
            log.lock().unwrap().push(format!("{number}/{size}"));
            let first = (number - 1) * size;
            let items: Vec<String> = (first..(first + size).min(total)).map(company).collect();
            answer(200, &page(&items, number, size, u64::from(total)))
        });
        (client, asked)
    }

    #[tokio::test]
    async fn all_follows_pages_with_the_page_size() {
        let (client, asked) = server(7);
        let all = client
            .companies()
            .list(ListQuery::new().page_size(3))
            .all()
            .await
            .unwrap();
        let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]);
        assert_eq!(*asked.lock().unwrap(), ["1/3", "2/3", "3/3"]);
    }

    #[tokio::test]
    async fn streams_fetch_pages_on_demand() {
        let (client, asked) = server(10);
        let mut items = client
            .companies()
            .list(ListQuery::new().page_size(4))
            .items();
        let first = items.try_next().await.unwrap().unwrap();
        assert_eq!(first.id, "c0");
        assert_eq!(asked.lock().unwrap().len(), 1, "only the first page so far");
        for _ in 0..4 {
            items.try_next().await.unwrap().unwrap();
        }
        assert_eq!(asked.lock().unwrap().len(), 2);
        let rest: Vec<_> = items.try_collect().await.unwrap();
        assert_eq!(rest.len(), 5);
        assert_eq!(asked.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn starting_page_and_single_pages() {
        let (client, asked) = server(10);
        let pager = client
            .companies()
            .list(ListQuery::new().page_size(4).starting_at(2));
        let p = pager.first().await.unwrap();
        assert_eq!(p.page_number, 2);
        let pages: Vec<_> = pager.pages().try_collect().await.unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(*asked.lock().unwrap(), ["2/4", "2/4", "3/4"]);
    }

    #[tokio::test]
    async fn an_empty_page_ends_the_stream_whatever_the_links_say() {
        // Codat's own example: zeros everywhere and a `next` link.
        let (client, t) = scripted(builder(5), |_| {
            answer(
                200,
                r#"{"results":[],"pageNumber":0,"pageSize":0,"totalResults":0,"_links":{"self":{"href":"/c"},"current":{"href":"/c"},"next":{"href":"/c?page=2"}}}"#,
            )
        });
        let all = client
            .companies()
            .list(ListQuery::new())
            .all()
            .await
            .unwrap();
        assert!(all.is_empty());
        assert_eq!(t.requests().len(), 1);
    }

    #[tokio::test]
    async fn a_server_ignoring_page_numbers_does_not_loop() {
        // Always page 1 of 3, whatever was asked.
        let (client, t) = scripted(builder(5), |_| answer(200, &page(&[company(1)], 1, 1, 3)));
        let all = client
            .companies()
            .list(ListQuery::new())
            .all()
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(t.requests().len(), 2);
    }

    #[tokio::test]
    async fn errors_end_the_stream() {
        let (client, _) = scripted(builder(0), |seen| {
            if seen.target.contains("page=1") {
                answer(200, &page(&[company(1)], 1, 1, 3))
            } else {
                answer(403, r#"{"statusCode":403,"error":"Forbidden"}"#)
            }
        });
        let mut items = client
            .companies()
            .list(ListQuery::new().page_size(1))
            .items();
        assert!(items.try_next().await.unwrap().is_some());
        assert_eq!(items.try_next().await.unwrap_err().status(), Some(403));
        assert!(items.try_next().await.unwrap().is_none());
    }

    #[test]
    fn query_parameters() {
        let q = ListQuery::new()
            .page_size(0)
            .query("a=b")
            .order_by("-x")
            .tags("region=uk");
        assert_eq!(q.page_size, Some(1));
        let segments = vec!["companies".to_owned()];
        assert_eq!(
            q.call_for_page(&segments, 3, true).display_path(),
            "/companies?page=3&pageSize=1&query=a%3Db&orderBy=-x&tags=region%3Duk"
        );
        assert_eq!(
            q.call_for_page(&segments, 0, false).display_path(),
            "/companies?page=1&pageSize=1&query=a%3Db&orderBy=-x"
        );
    }
}
