//! Codat's paged lists: one page of `results` with its position and HAL links.

use serde::{Deserialize, Serialize};

/// A hypertext reference (`halRef`): one link of a page's `_links`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HalRef {
    /// The link, usually a path relative to the API's base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

impl HalRef {
    /// A link to `href`.
    pub fn new(href: impl Into<String>) -> Self {
        HalRef {
            href: Some(href.into()),
        }
    }
}

/// The `_links` of a page (`Hal Links`): where this page is and where its neighbours are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Links {
    /// The collection itself, without paging parameters.
    #[serde(rename = "self")]
    pub self_: HalRef,
    /// This page, with its paging parameters.
    pub current: HalRef,
    /// The next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<HalRef>,
    /// The previous page; absent on the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<HalRef>,
}

/// One page of a Codat list (`Companies`, `Connections`, `PushOperations`, `BankAccounts`...).
///
/// Pages are numbered from 1. The spec makes `results` optional; it reads as empty when absent.
///
/// ```
/// use bankfeeds::model::Page;
/// let page: Page<String> = serde_json::from_str(
///     r#"{"results":["a","b"],"pageNumber":1,"pageSize":2,"totalResults":3,
///        "_links":{"self":{"href":"/x"},"current":{"href":"/x?page=1&pageSize=2"},
///                  "next":{"href":"/x?page=2&pageSize=2"}}}"#,
/// ).unwrap();
/// assert!(page.has_next_page());
/// assert_eq!(page.next_page_number(), Some(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items on this page.
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    /// This page's number, from 1.
    pub page_number: u32,
    /// The most items a page holds.
    pub page_size: u32,
    /// Items across all pages.
    pub total_results: u64,
    /// Links to this page and its neighbours.
    #[serde(rename = "_links")]
    pub links: Links,
}

impl<T> Page<T> {
    /// Whether another page follows: Codat gives a `next` link, or the counts say so.
    pub fn has_next_page(&self) -> bool {
        self.links.next.is_some()
            || u64::from(self.page_number) * u64::from(self.page_size) < self.total_results
    }

    /// The number of the page after this one, if there is one.
    pub fn next_page_number(&self) -> Option<u32> {
        if self.has_next_page() {
            self.page_number.max(1).checked_add(1)
        } else {
            None
        }
    }

    /// Number of items on this page.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// Whether this page holds no items.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// The items on this page.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.results.iter()
    }

    /// The same page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            results: self.results.into_iter().map(f).collect(),
            page_number: self.page_number,
            page_size: self.page_size,
            total_results: self.total_results,
            links: self.links,
        }
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.results.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.results.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(number: u32, size: u32, total: u64, next: bool) -> Page<u8> {
        Page {
            results: vec![],
            page_number: number,
            page_size: size,
            total_results: total,
            links: Links {
                self_: HalRef::new("/x"),
                current: HalRef::new("/x?page=1"),
                next: next.then(|| HalRef::new("/x?page=2")),
                previous: None,
            },
        }
    }

    #[test]
    fn next_page_from_links_or_counts() {
        assert!(page(1, 2, 3, false).has_next_page());
        assert!(!page(2, 2, 3, false).has_next_page());
        assert!(!page(1, 2, 2, false).has_next_page());
        // Codat's own example has zeros everywhere and a `next` link: the link wins.
        assert!(page(0, 0, 0, true).has_next_page());
        assert_eq!(page(0, 0, 0, true).next_page_number(), Some(2));
        assert_eq!(page(2, 2, 3, false).next_page_number(), None);
    }

    #[test]
    fn self_link_and_missing_results() {
        let p: Page<u8> = serde_json::from_str(
            r#"{"pageNumber":1,"pageSize":10,"totalResults":0,"_links":{"self":{"href":"/a"},"current":{"href":"/a?page=1"}}}"#,
        )
        .unwrap();
        assert!(p.is_empty());
        let back = serde_json::to_string(&p).unwrap();
        assert_eq!(
            back,
            r#"{"results":[],"pageNumber":1,"pageSize":10,"totalResults":0,"_links":{"self":{"href":"/a"},"current":{"href":"/a?page=1"}}}"#
        );
    }
}
