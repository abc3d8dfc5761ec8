//! A scripted transport for unit tests: answers come from a closure, requests are recorded.

use std::sync::{Arc, Mutex};

use super::transport::{HttpRequest, HttpResponse, Method, SendFuture, Transport, TransportError};
use super::{Client, ClientBuilder, RetryPolicy};

/// A request as the scripted server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) method: Method,
    /// Path and query.
    pub(crate) target: String,
    pub(crate) auth: (String, String),
    pub(crate) body: Option<String>,
    /// The attempt's time limit.
    pub(crate) timeout: std::time::Duration,
}

type Handler = dyn FnMut(&Seen) -> Result<HttpResponse, TransportError> + Send;

pub(crate) struct Scripted {
    handler: Mutex<Box<Handler>>,
    pub(crate) seen: Mutex<Vec<Seen>>,
}

impl Scripted {
    pub(crate) fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub(crate) fn count(&self, method: Method, path_start: &str) -> usize {
        self.requests()
            .iter()
            .filter(|s| s.method == method && s.target.starts_with(path_start))
            .count()
    }
}

impl Transport for Scripted {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        let mut target = request.url.path().to_owned();
        if let Some(q) = request.url.query() {
            target.push('?');
            target.push_str(q);
        }
        let seen = Seen {
            method: request.method,
            target,
            auth: (request.auth.0.clone(), request.auth.1.expose().to_owned()),
            body: request
                .body
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            timeout: request.timeout,
        };
        self.seen.lock().unwrap().push(seen.clone());
        let mut answer = (self.handler.lock().unwrap())(&seen);
        // Cut bodies as the real transport does.
        if let Ok(r) = &mut answer {
            let limit = request.limit_for(r.status);
            if r.body.len() > limit {
                r.body.truncate(limit);
                r.cut_at = Some(limit);
            }
        }
        Box::pin(async move { answer })
    }
}

/// A client whose every request is answered by `handler`; retries as the spec says, seeded.
pub(crate) fn scripted(
    builder: ClientBuilder,
    handler: impl FnMut(&Seen) -> Result<HttpResponse, TransportError> + Send + 'static,
) -> (Client, Arc<Scripted>) {
    let transport = Arc::new(Scripted {
        handler: Mutex::new(Box::new(handler)),
        seen: Mutex::new(Vec::new()),
    });
    let client = builder
        .base_url("http://codat.test")
        .jitter_seed(42)
        .transport(transport.clone())
        .build()
        .expect("test client");
    (client, transport)
}

/// A builder with a test key and the spec's retry policy bounded to `max_elapsed_secs`.
pub(crate) fn builder(max_elapsed_secs: u64) -> ClientBuilder {
    ClientBuilder::new().api_key("test-key-SECRET").retry(
        RetryPolicy::default().with_max_elapsed(std::time::Duration::from_secs(max_elapsed_secs)),
    )
}

pub(crate) fn answer(status: u16, body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.as_bytes().to_vec(),
        cut_at: None,
    })
}

pub(crate) fn answer_with(
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.as_bytes().to_vec(),
        cut_at: None,
    })
}

pub(crate) const COMPANY: &str =
    r#"{"id":"c1","name":"Toft","redirect":"https://link.codat.io/company/c1"}"#;

/// A page of `items` (JSON texts) with the given numbering.
pub(crate) fn page(items: &[String], number: u32, size: u32, total: u64) -> String {
    let next = if u64::from(number) * u64::from(size) < total {
        format!(r#","next":{{"href":"/x?page={}"}}"#, number + 1)
    } else {
        String::new()
    };
    format!(
        r#"{{"results":[{}],"pageNumber":{number},"pageSize":{size},"totalResults":{total},"_links":{{"self":{{"href":"/x"}},"current":{{"href":"/x?page={number}"}}{next}}}}}"#,
        items.join(",")
    )
}
