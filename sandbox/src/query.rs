//! Codat's list parameters: `page`, `pageSize`, `query` and `orderBy`, applied to any list of
//! spec objects through their JSON form.
//!
//! A query is conditions joined by `&&` (all must hold) and `||` (either side), `&&` binding
//! tighter; each condition is `property OP value` with `OP` one of `=`, `!=`, `>`, `>=`, `<`,
//! `<=` and `~` (contains). Properties may be nested (`data.accountId`). Text compares ignoring
//! case; numbers and timestamps compare by value.

use std::cmp::Ordering;
use std::collections::HashMap;

use bankfeeds::dates::Timestamp;
use bankfeeds::model::{HalRef, Links, Page};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
}

#[derive(Debug, Clone)]
struct Condition {
    path: Vec<String>,
    op: Op,
    value: Literal,
}

/// A condition's value, read once: as a number, as a timestamp and as text ignoring case.
/// Scalars compare as numbers when both are, else as timestamps when both are, else as text
/// ignoring case.
#[derive(Debug, Clone)]
struct Literal {
    text: String,
    number: Option<Decimal>,
    time: Option<Timestamp>,
    lower: String,
}

impl Literal {
    fn new(text: &str) -> Self {
        Literal {
            text: text.to_owned(),
            number: text.parse().ok(),
            time: Timestamp::parse(text).ok(),
            lower: text.to_lowercase(),
        }
    }

    /// `found` against this value, as [`compare`] orders them.
    fn compare(&self, found: &str) -> Ordering {
        if let Some(y) = &self.number
            && let Ok(x) = found.parse::<Decimal>()
        {
            return x.cmp(y);
        }
        if let Some(y) = &self.time
            && let Ok(x) = Timestamp::parse(found)
        {
            return x.cmp(y);
        }
        if found.is_ascii() && self.lower.is_ascii() {
            found
                .bytes()
                .map(|b| b.to_ascii_lowercase())
                .cmp(self.lower.bytes())
        } else {
            found.to_lowercase().cmp(&self.lower)
        }
    }
}

/// A parsed `query`: alternatives (`||`) of conjunctions (`&&`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    any_of: Vec<Vec<Condition>>,
}

/// The first segment of a property path, checked against the entity's properties.
fn resolve(property: &str, properties: &[&str], entity: &str) -> Result<Vec<String>, ApiError> {
    let mut path: Vec<String> = property.trim().split('.').map(str::to_owned).collect();
    if path.iter().any(String::is_empty) {
        return Err(ApiError::malformed_query("Malformed query."));
    }
    match properties.iter().find(|p| p.eq_ignore_ascii_case(&path[0])) {
        Some(p) => path[0] = (*p).to_owned(),
        None => {
            return Err(ApiError::malformed_query(format!(
                "Could not resolve property {property} on {entity}"
            )));
        }
    }
    Ok(path)
}

impl Query {
    pub(crate) fn parse(text: &str, properties: &[&str], entity: &str) -> Result<Query, ApiError> {
        let mut any_of = Vec::new();
        for alternative in text.split("||") {
            let mut all_of = Vec::new();
            for condition in alternative.split("&&") {
                all_of.push(Self::condition(condition, properties, entity)?);
            }
            any_of.push(all_of);
        }
        Ok(Query { any_of })
    }

    fn condition(text: &str, properties: &[&str], entity: &str) -> Result<Condition, ApiError> {
        let at = text
            .find(['=', '!', '<', '>', '~'])
            .ok_or_else(|| ApiError::malformed_query("Malformed query."))?;
        let (property, rest) = text.split_at(at);
        let (op, len) = match (rest.as_bytes()[0], rest.as_bytes().get(1)) {
            (b'!', Some(b'=')) => (Op::Ne, 2),
            (b'>', Some(b'=')) => (Op::Ge, 2),
            (b'<', Some(b'=')) => (Op::Le, 2),
            (b'=', _) => (Op::Eq, 1),
            (b'>', _) => (Op::Gt, 1),
            (b'<', _) => (Op::Lt, 1),
            (b'~', _) => (Op::Contains, 1),
            _ => return Err(ApiError::malformed_query("Malformed query.")),
        };
        let value = rest[len..].trim();
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
            .unwrap_or(value);
        Ok(Condition {
            path: resolve(property, properties, entity)?,
            op,
            value: Literal::new(value),
        })
    }

    /// The value every item matching the query must have for `property` (`property=value` among
    /// conditions all joined by `&&`), in lower case; `None` when the query does not pin it, or
    /// pins it to a number or a timestamp (compared by value, not by text).
    fn required_equal(&self, property: &str) -> Option<&str> {
        let [all] = self.any_of.as_slice() else {
            return None;
        };
        all.iter()
            .find(|c| {
                c.op == Op::Eq
                    && c.path.len() == 1
                    && c.path[0] == property
                    && c.value.number.is_none()
                    && c.value.time.is_none()
                    && !c.value.text.eq_ignore_ascii_case("null")
            })
            .map(|c| c.value.lower.as_str())
    }

    pub(crate) fn matches(&self, item: &Value) -> bool {
        self.any_of.is_empty()
            || self
                .any_of
                .iter()
                .any(|all| all.iter().all(|c| c.matches(item)))
    }
}

fn lookup<'a>(item: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(item, |v, key| {
        let map = v.as_object()?;
        map.get(key.as_str()).or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
    })
}

fn scalar(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match v {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s)),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Borrowed(if *b {
            "true"
        } else {
            "false"
        })),
        _ => None,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    scalar(v).map(std::borrow::Cow::into_owned)
}

impl Condition {
    fn matches(&self, item: &Value) -> bool {
        let Some(found) = lookup(item, &self.path).and_then(scalar) else {
            let null = self.value.text.eq_ignore_ascii_case("null");
            return match self.op {
                Op::Eq => null,
                Op::Ne => !null,
                _ => false,
            };
        };
        let ord = self.value.compare(&found);
        match self.op {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::Contains => found.to_lowercase().contains(&self.value.lower),
        }
    }
}

/// What a store knows about the items it lists that saves a list work.
#[derive(Default)]
pub(crate) struct Shortcuts<'a> {
    /// The items are stored in strictly increasing order of this property.
    pub(crate) sorted_by: Option<&'static str>,
    /// An index on a property: the positions (ascending) of the items whose value for it is the
    /// given one in lower case.
    pub(crate) index: Option<Index<'a>>,
}

/// A property and how to find the positions of the items with a value for it.
pub(crate) type Index<'a> = (&'static str, &'a dyn Fn(&str) -> Vec<usize>);

/// Paging, query and order of a list request.
#[derive(Debug, Clone)]
pub(crate) struct ListParams {
    page: u32,
    page_size: u32,
    query: Option<String>,
    order_by: Option<String>,
    /// Play a server that does not honour `orderBy`: stored order (oldest first).
    ignore_order: bool,
}

impl ListParams {
    /// Reads `page` (from 1, default 1), `pageSize` (1 to 5000, default 100), `query` and
    /// `orderBy`.
    pub(crate) fn from_params(params: &HashMap<String, String>) -> Result<Self, ApiError> {
        let number = |name: &str, default: u32, max: u32| -> Result<u32, ApiError> {
            match params.get(name).map(|s| s.trim()) {
                None | Some("") => Ok(default),
                Some(text) => text
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "{name} must be a whole number from 1 to {max}, not `{text}`"
                        ))
                    }),
            }
        };
        let text = |name: &str| {
            params
                .get(name)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        Ok(ListParams {
            page: number("page", 1, u32::MAX)?,
            page_size: number("pageSize", 100, 5000)?,
            query: text("query"),
            order_by: text("orderBy"),
            ignore_order: false,
        })
    }

    /// Ignores `orderBy` (items stay in stored order, oldest first) when `ignore` is set.
    pub(crate) fn ignoring_order(mut self, ignore: bool) -> Self {
        self.ignore_order = ignore;
        self
    }

    /// Whether the query names `property` (e.g. `data`), at any depth's first segment.
    pub(crate) fn queries(&self, property: &str) -> bool {
        self.query.as_deref().is_some_and(|q| {
            q.split("||").flat_map(|a| a.split("&&")).any(|c| {
                let name = c.split(['=', '!', '<', '>', '~']).next().unwrap_or("");
                let first = name.trim().split('.').next().unwrap_or("");
                first.eq_ignore_ascii_case(property)
            })
        })
    }

    /// Filters and orders `views` (the items' JSON, in stored order) and returns the positions
    /// of this page's items, in order, and how many items match. Nothing is cloned: a list of
    /// thousands costs a comparison or two per item, and only the page is then written out.
    pub(crate) fn select(
        &self,
        views: &[&Value],
        properties: &[&str],
        entity: &str,
    ) -> Result<(Vec<usize>, u64), ApiError> {
        self.select_with(views, properties, entity, &Shortcuts::default())
    }

    /// [`select`](Self::select), with what the caller knows of its items.
    pub(crate) fn select_with(
        &self,
        views: &[&Value],
        properties: &[&str],
        entity: &str,
        shortcuts: &Shortcuts<'_>,
    ) -> Result<(Vec<usize>, u64), ApiError> {
        let query = match &self.query {
            Some(q) => Query::parse(q, properties, entity)?,
            None => Query::default(),
        };
        let order = match &self.order_by {
            Some(o) => {
                let (desc, name) = match o.strip_prefix('-') {
                    Some(name) => (true, name),
                    None => (false, o.as_str()),
                };
                let path = resolve(name, properties, entity)?;
                (!self.ignore_order).then_some((desc, path))
            }
            None => None,
        };
        // An index narrows the items a condition `property=value` (all conditions joined by
        // `&&`) can match; every condition is still checked on each.
        let indexed = shortcuts
            .index
            .and_then(|(property, find)| query.required_equal(property).map(find));
        let candidates: Box<dyn Iterator<Item = usize>> = match indexed {
            Some(positions) => Box::new(positions.into_iter()),
            None => Box::new(0..views.len()),
        };
        let mut chosen: Vec<usize> = candidates.filter(|&i| query.matches(views[i])).collect();
        let presorted = |path: &[String]| {
            shortcuts
                .sorted_by
                .is_some_and(|p| path.len() == 1 && path[0] == p)
        };
        match order {
            // Stored order is this order, strictly: no keys to read.
            Some((true, path)) if presorted(&path) => chosen.reverse(),
            Some((false, path)) if presorted(&path) => {}
            Some((desc, path)) => {
                // Keys once per item; a stable sort keeps stored order among equal keys; absent
                // values sort first.
                let keys: Vec<Option<SortKey>> = chosen
                    .iter()
                    .map(|&i| {
                        lookup(views[i], &path)
                            .and_then(scalar_text)
                            .map(SortKey::new)
                    })
                    .collect();
                let mut order: Vec<usize> = (0..chosen.len()).collect();
                order.sort_by(|&a, &b| {
                    let ord = match (&keys[a], &keys[b]) {
                        (Some(x), Some(y)) => x.cmp(y),
                        (x, y) => x.is_some().cmp(&y.is_some()),
                    };
                    if desc { ord.reverse() } else { ord }
                });
                chosen = order.into_iter().map(|k| chosen[k]).collect();
            }
            None => {}
        }
        let total = chosen.len() as u64;
        let size = self.page_size as usize;
        let start = (self.page as usize - 1).saturating_mul(size);
        let page: Vec<usize> = chosen.into_iter().skip(start).take(size).collect();
        Ok((page, total))
    }

    /// A page of `results` (already selected) out of `total`, with links under `base`.
    pub(crate) fn page(&self, results: Vec<Value>, total: u64, base: &str) -> Page<Value> {
        let href = |page: u32| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("page", &page.to_string());
            s.append_pair("pageSize", &self.page_size.to_string());
            if let Some(q) = &self.query {
                s.append_pair("query", q);
            }
            if let Some(o) = &self.order_by {
                s.append_pair("orderBy", o);
            }
            HalRef::new(format!("{base}?{}", s.finish()))
        };
        let has_next = (self.page as u64).saturating_mul(self.page_size as u64) < total;
        Page {
            results,
            page_number: self.page,
            page_size: self.page_size,
            total_results: total,
            links: Links {
                self_: HalRef::new(base),
                current: href(self.page),
                next: has_next.then(|| href(self.page + 1)),
                previous: (self.page > 1).then(|| href(self.page - 1)),
            },
        }
    }

    /// Filters, orders and pages `items` (in their stored order), with links under `base`.
    pub(crate) fn apply<T: Serialize>(
        &self,
        items: Vec<T>,
        base: &str,
        properties: &[&str],
        entity: &str,
    ) -> Result<Page<Value>, ApiError> {
        let values: Vec<Value> = items
            .iter()
            .filter_map(|i| serde_json::to_value(i).ok())
            .collect();
        let views: Vec<&Value> = values.iter().collect();
        let (chosen, total) = self.select(&views, properties, entity)?;
        let mut values: Vec<Option<Value>> = values.into_iter().map(Some).collect();
        let results = chosen
            .into_iter()
            .filter_map(|i| values[i].take())
            .collect();
        Ok(self.page(results, total, base))
    }
}

/// A sort key read once: as a number, as a timestamp, and as text ignoring case, compared as
/// [`Literal::compare`] compares.
#[derive(Debug)]
struct SortKey {
    number: Option<Decimal>,
    time: Option<Timestamp>,
    text: String,
}

impl SortKey {
    fn new(text: String) -> Self {
        SortKey {
            number: text.parse().ok(),
            time: Timestamp::parse(&text).ok(),
            text: text.to_lowercase(),
        }
    }

    fn cmp(&self, other: &SortKey) -> Ordering {
        if let (Some(x), Some(y)) = (&self.number, &other.number) {
            return x.cmp(y);
        }
        if let (Some(x), Some(y)) = (&self.time, &other.time) {
            return x.cmp(y);
        }
        self.text.cmp(&other.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROPS: &[&str] = &[
        "status",
        "dataConnectionKey",
        "requestedOnUtc",
        "completedOnUtc",
        "data",
        "statusCode",
    ];

    fn q(text: &str) -> Query {
        Query::parse(text, PROPS, "PushOperation").unwrap()
    }

    #[test]
    fn conditions() {
        let op = json!({"status":"Success","dataConnectionKey":"k1","statusCode":200,
                        "requestedOnUtc":"2024-01-02T10:00:00Z","data":{"accountId":"a"}});
        assert!(q("status=success").matches(&op));
        assert!(q("dataConnectionKey=k1&&status=Success").matches(&op));
        assert!(!q("dataConnectionKey=k2&&status=Success").matches(&op));
        assert!(q("dataConnectionKey=k2||status=Success").matches(&op));
        assert!(q("status!=Failed").matches(&op));
        assert!(q("statusCode>=200&&statusCode<300").matches(&op));
        assert!(q("requestedOnUtc>2024-01-01").matches(&op));
        assert!(q("data.accountId='a'").matches(&op));
        assert!(q("status~ucc").matches(&op));
        assert!(q("completedOnUtc=null").matches(&op));
        assert!(!q("statusCode=null").matches(&op));
    }

    #[test]
    fn malformed_and_unknown() {
        let e = Query::parse("status", PROPS, "PushOperation").unwrap_err();
        assert_eq!(e.message, "Error parsing query - Malformed query.");
        let e = Query::parse("isCompleted=true", PROPS, "PushOperation").unwrap_err();
        assert_eq!(
            e.message,
            "Error parsing query - Could not resolve property isCompleted on PushOperation"
        );
    }

    #[test]
    fn paging_and_order() {
        let items: Vec<Value> = (1..=5)
            .map(|i| json!({"status": if i % 2 == 0 {"Failed"} else {"Success"}, "statusCode": i}))
            .collect();
        let params = |pairs: &[(&str, &str)]| {
            ListParams::from_params(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
            .unwrap()
        };
        let page = params(&[("pageSize", "2"), ("page", "2"), ("orderBy", "-statusCode")])
            .apply(items.clone(), "/x", PROPS, "P")
            .unwrap();
        assert_eq!(page.total_results, 5);
        let codes: Vec<String> = page
            .results
            .iter()
            .map(|v| v["statusCode"].to_string())
            .collect();
        assert_eq!(codes, ["3", "2"]);
        assert!(page.links.next.is_some() && page.links.previous.is_some());
        assert_eq!(
            page.links.current.href.as_deref(),
            Some("/x?page=2&pageSize=2&orderBy=-statusCode")
        );
        let page = params(&[("query", "status=Failed")])
            .apply(items, "/x", PROPS, "P")
            .unwrap();
        assert_eq!(page.total_results, 2);
        assert!(page.links.next.is_none());
        assert!(
            ListParams::from_params(&[("pageSize".to_string(), "0".to_string())].into()).is_err()
        );
    }

    #[test]
    fn shortcuts_give_what_a_full_scan_gives() {
        // Operations in time order on two connections; the index and the stored order must not
        // change any answer.
        let items: Vec<Value> = (0..40)
            .map(|i| {
                json!({"dataConnectionKey": if i % 3 == 0 {"K-1"} else {"k-2"},
                       "status": if i % 2 == 0 {"Success"} else {"Failed"},
                       "statusCode": i,
                       "requestedOnUtc": format!("2024-01-01T00:00:{i:02}Z")})
            })
            .collect();
        let views: Vec<&Value> = items.iter().collect();
        let positions = |key: &str| -> Vec<usize> {
            let key = key.to_owned();
            (0..items.len())
                .filter(|&i| {
                    items[i]["dataConnectionKey"]
                        .as_str()
                        .unwrap()
                        .to_lowercase()
                        == key
                })
                .collect()
        };
        let shortcuts = Shortcuts {
            sorted_by: Some("requestedOnUtc"),
            index: Some(("dataConnectionKey", &positions)),
        };
        for (query, order) in [
            (Some("dataConnectionKey=k-1"), Some("-requestedOnUtc")),
            (
                Some("dataconnectionkey=K-1&&status=Success"),
                Some("requestedOnUtc"),
            ),
            (
                Some("dataConnectionKey=k-2||status=Success"),
                Some("-requestedOnUtc"),
            ),
            (Some("dataConnectionKey!=k-1"), None),
            (Some("dataConnectionKey=null"), None),
            (Some("dataConnectionKey=k-3"), Some("-statusCode")),
            (None, Some("-requestedOnUtc")),
            (None, Some("-statusCode")),
        ] {
            let mut pairs = vec![
                ("pageSize".to_string(), "7".to_string()),
                ("page".to_string(), "2".to_string()),
            ];
            if let Some(q) = query {
                pairs.push(("query".into(), q.into()));
            }
            if let Some(o) = order {
                pairs.push(("orderBy".into(), o.into()));
            }
            let params = ListParams::from_params(&pairs.into_iter().collect()).unwrap();
            let props = &[
                "dataConnectionKey",
                "status",
                "statusCode",
                "requestedOnUtc",
            ];
            let full = params.select(&views, props, "PushOperation").unwrap();
            let quick = params
                .select_with(&views, props, "PushOperation", &shortcuts)
                .unwrap();
            assert_eq!(full, quick, "{query:?} {order:?}");
        }
    }
}
