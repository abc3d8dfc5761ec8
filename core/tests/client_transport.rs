//! The client's HTTP transport against real local servers: credentials and bodies never follow a
//! redirect to another origin, and answers are read only up to a limit.
//!
//! The servers are a few lines of tokio each, so the test sees exactly what reached them (every
//! connection, every header, every body byte).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankfeeds::client::{
    Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, Error, MAX_ERROR_BODY_BYTES,
    PushBatchOptions, RetryPolicy,
};
use bankfeeds::model::{BankTransaction, CompanyRequestBody, CreateBankTransactions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const COMPANY: &str = r#"{"id":"c1","name":"Toft","redirect":"https://link.codat.io/company/c1"}"#;
const SECRET: &str = "tok-SECRET-7731";

/// What a handler answers.
#[derive(Clone)]
enum Reply {
    /// A whole answer, head and body.
    Whole(String),
    /// A head, then `chunk` repeated until the client stops reading (or `max` bytes).
    Endless { head: String, max: usize },
}

fn json(status: &str, body: &str) -> Reply {
    Reply::Whole(format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ))
}

fn redirect(status: &str, location: &str) -> Reply {
    Reply::Whole(format!(
        "HTTP/1.1 {status}\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    ))
}

/// A request as a server read it: the head (request line and headers) and the body.
#[derive(Debug, Clone)]
struct Seen {
    head: String,
    body: Vec<u8>,
}

impl Seen {
    fn target(&self) -> &str {
        self.head.split(' ').nth(1).unwrap_or_default()
    }
}

struct Server {
    url: String,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    body_bytes_sent: Arc<AtomicUsize>,
}

impl Server {
    async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicUsize::new(0));
        let handler = Arc::new(handler);
        let (c, s, b) = (connections.clone(), seen.clone(), sent.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                c.fetch_add(1, Ordering::SeqCst);
                let (s, b, handler) = (s.clone(), b.clone(), handler.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &*handler, &s, &b).await;
                });
            }
        });
        Server {
            url,
            connections,
            seen,
            body_bytes_sent: sent,
        }
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: &(dyn Fn(&Seen) -> Reply + Send + Sync),
    seen: &Mutex<Vec<Seen>>,
    sent: &AtomicUsize,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let request = Seen { head, body };
    seen.lock().unwrap().push(request.clone());
    match handler(&request) {
        Reply::Whole(text) => stream.write_all(text.as_bytes()).await?,
        Reply::Endless { head, max } => {
            stream.write_all(head.as_bytes()).await?;
            let block = vec![b'x'; 64 * 1024];
            let mut written = 0;
            while written < max {
                stream.write_all(&block).await?;
                written += block.len();
                sent.fetch_add(block.len(), Ordering::SeqCst);
            }
        }
    }
    stream.shutdown().await
}

fn client(builder: ClientBuilder, base: &str) -> Client {
    builder
        .base_url(base)
        .retry(RetryPolicy::never())
        .request_timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn push_body() -> CreateBankTransactions {
    CreateBankTransactions {
        account_id: "acc-1".into(),
        transactions: vec![BankTransaction::new(
            "tx-BODY-MARKER",
            "2024-05-01".parse().unwrap(),
            rust_decimal::Decimal::new(-1234, 2),
        )],
    }
}

/// Every way of authenticating: the key goes as `Authorization: Basic ...`, a custom header as
/// itself. Both are credentials that must stay with the base URL's origin.
fn auths() -> Vec<(&'static str, ClientBuilder)> {
    vec![
        ("api key", ClientBuilder::new().api_key(SECRET)),
        (
            "custom header",
            ClientBuilder::new().auth_header("X-Api-Key", SECRET),
        ),
        (
            "bearer header",
            ClientBuilder::new().auth_header("Authorization", format!("Bearer {SECRET}")),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_bodies_never_follow_a_redirect_to_another_origin() {
    // B is another origin (another port; another host would be the same), recording everything.
    let elsewhere = Server::start(|_| json("200 OK", COMPANY)).await;
    let target = elsewhere.url.clone();
    for status in [
        "307 Temporary Redirect",
        "308 Permanent Redirect",
        "302 Found",
    ] {
        let to = target.clone();
        let api =
            Server::start(move |seen| redirect(status, &format!("{to}{}", seen.target()))).await;
        for (what, builder) in auths() {
            let client = client(builder, &api.url);
            // A read, a creation and a push: none reaches B.
            let errors = vec![
                client.companies().get("c1").await.unwrap_err(),
                client
                    .companies()
                    .create(&CompanyRequestBody::new("Toft"))
                    .await
                    .unwrap_err(),
                client
                    .transactions("c1", "k1")
                    .push_batch(&push_body(), &PushBatchOptions::default())
                    .await
                    .unwrap_err(),
            ];
            for err in errors {
                let text = err.to_string();
                assert_eq!(err.status(), Some(status[..3].parse().unwrap()), "{text}");
                assert!(!err.is_retryable(), "{text}");
                assert!(
                    text.contains("another origin") && text.contains(&target),
                    "{what} {status}: {text}"
                );
                assert!(!text.contains(SECRET), "{text}");
            }
            assert_eq!(
                elsewhere.connections(),
                0,
                "{what} {status}: the other origin was contacted"
            );
        }
        // The API itself saw the credential and the body: the redirect was its answer.
        let seen = api.requests();
        assert!(seen.iter().any(|s| s.head.contains(SECRET)));
        assert!(
            seen.iter()
                .any(|s| String::from_utf8_lossy(&s.body).contains("tx-BODY-MARKER"))
        );
    }
    assert!(elsewhere.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_within_the_origin_are_followed_with_the_credentials_and_the_body() {
    let api = Server::start(|seen| {
        if seen.target().starts_with("/v2/") {
            json("200 OK", COMPANY)
        } else {
            redirect("307 Temporary Redirect", &format!("/v2{}", seen.target()))
        }
    })
    .await;
    for (what, builder) in auths() {
        let client = client(builder, &api.url);
        let company = client
            .companies()
            .create(&CompanyRequestBody::new("Moved"))
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(company.id, "c1");
    }
    let seen = api.requests();
    let followed: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.target().starts_with("/v2/"))
        .collect();
    assert_eq!(followed.len(), 3);
    // base64 of SECRET, as the API key is sent.
    let encoded = "dG9rLVNFQ1JFVC03NzMx";
    for s in followed {
        assert!(
            s.head.contains(SECRET) || s.head.contains(encoded),
            "{}",
            s.head
        );
        assert!(String::from_utf8_lossy(&s.body).contains("Moved"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_within_the_origin_ends_with_an_error() {
    let api = Server::start(|_| redirect("302 Found", "/companies/c1")).await;
    let client = client(ClientBuilder::new().api_key(SECRET), &api.url);
    let err = client.companies().get("c1").await.unwrap_err();
    assert_eq!(err.status(), Some(302));
    assert!(err.to_string().contains("more than 10"), "{err}");
    assert_eq!(api.requests().len(), 11);
}

fn endless(status: &str, length: Option<u64>) -> Reply {
    let framing = match length {
        Some(n) => format!("content-length: {n}\r\n"),
        None => String::new(),
    };
    Reply::Endless {
        head: format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{framing}connection: close\r\n\r\n"
        ),
        // Far more than any limit: the client must stop first.
        max: 2 << 30,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_answers_are_cut_at_the_limit() {
    let limit = 1 << 20;
    for length in [None, Some(10_000_000_000u64)] {
        let api = Server::start(move |_| endless("200 OK", length)).await;
        let client = client(
            ClientBuilder::new()
                .api_key(SECRET)
                .max_response_bytes(limit),
            &api.url,
        );
        let err = client.companies().get("c1").await.unwrap_err();
        let Error::Decode {
            message, snippet, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert!(
            message.contains(&format!("limit of {limit} bytes")),
            "{message}"
        );
        assert!(snippet.starts_with("xxxx") && snippet.chars().count() <= 201);
        // The server wrote at most the limit plus what the sockets buffered before the client
        // hung up.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let written = api.body_bytes_sent.load(Ordering::SeqCst);
        assert!(written < limit + (32 << 20), "{written} bytes written");
    }
    // The default limit holds as well.
    let api = Server::start(|_| endless("200 OK", None)).await;
    let client = client(ClientBuilder::new().api_key(SECRET), &api.url);
    let err = client.companies().get("c1").await.unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("limit of {DEFAULT_MAX_RESPONSE_BYTES} bytes")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_error_answers_are_quoted_not_held() {
    let api = Server::start(|_| endless("500 Internal Server Error", None)).await;
    let client = client(ClientBuilder::new().api_key(SECRET), &api.url);
    let err = client.companies().get("c1").await.unwrap_err();
    let Error::Api(api_error) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api_error.status, 500);
    let quoted = api_error.body_snippet.as_deref().unwrap();
    assert!(
        quoted.starts_with("xxx") && quoted.chars().count() == 501,
        "{quoted}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = api.body_bytes_sent.load(Ordering::SeqCst);
    assert!(
        written < MAX_ERROR_BODY_BYTES + (32 << 20),
        "{written} bytes written"
    );
}

/// The biggest answers the client reads are pages of push operations. This measures them, as
/// Codat's spec shapes them and in the legacy shape that echoes each push's transactions in
/// `data`, and checks that the pages the client asks for fit the default limit.
#[test]
fn the_biggest_legitimate_pages_fit_the_default_limit() {
    fn operation(i: usize, data: Option<serde_json::Value>) -> serde_json::Value {
        let mut op = serde_json::json!({
            "changes": [{"type": "Created", "recordRef": {"id": format!("{i:08}-1c5e-4b8a-9f5e-1d0c3a2b7e4f"), "dataType": "bankTransactions"}, "attachmentId": null}],
            "dataType": "bankTransactions",
            "companyId": "8a210b68-6988-11ed-a1eb-0242ac120002",
            "pushOperationKey": format!("{i:08}-3e5b-4f7a-8c2d-9b1e0f6a4d3c"),
            "dataConnectionKey": "2e9d2c44-f675-40ba-8049-353bfcb5e171",
            "requestedOnUtc": "2024-05-01T09:30:00.123Z",
            "completedOnUtc": "2024-05-01T09:30:04.567Z",
            "timeoutInMinutes": 30,
            "status": "Success",
            "errorMessage": null,
            "validation": {"errors": [], "warnings": [
                {"itemId": "tx-000001", "message": "The amount's sign does not match the transaction type Debit", "validatorName": "BankTransactions"},
                {"itemId": "tx-000002", "message": "The amount's sign does not match the transaction type Credit", "validatorName": "BankTransactions"}
            ]},
            "statusCode": 200
        });
        if let Some(d) = data {
            op["data"] = d;
        }
        op
    }
    /// The size of a page of `n` operations like `op` (every operation writes to the same
    /// length: their numbers have a fixed width): the envelope, `n` operations and `n - 1` commas.
    fn page(n: usize, op: serde_json::Value) -> usize {
        let envelope = serde_json::to_vec(&serde_json::json!({
            "results": [], "pageNumber": 1, "pageSize": n, "totalResults": 100_000,
            "_links": {"self": {"href": "/companies/c/push"}, "current": {"href": "/companies/c/push?page=1"},
                       "next": {"href": "/companies/c/push?page=2"}}
        }))
        .unwrap()
        .len();
        envelope + n * serde_json::to_vec(&op).unwrap().len() + n - 1
    }
    let batch = serde_json::json!({
        "accountId": "acc-001",
        "transactions": (0..1000).map(|i| serde_json::json!({
            "id": format!("tx-{i:06}-5f3a9c"), "date": "2024-05-01T09:30:00",
            "description": "Card payment to Tesco Stores 3126, London GB", "counterparty": "Tesco Stores",
            "reference": "REF-000123456", "reconciled": false, "amount": -12.34, "balance": 1234.56,
            "transactionType": "Debit"
        })).collect::<Vec<_>>()
    });
    let spec_5000 = page(5000, operation(4999, None));
    let legacy_100 = page(100, operation(99, Some(batch.clone())));
    let legacy_500 = page(500, operation(499, Some(batch)));
    println!(
        "page of 5000 spec-shaped push operations: {spec_5000} bytes; \
         100 with 1000 transactions each in data: {legacy_100} bytes; 500 such: {legacy_500} bytes; \
         limit {DEFAULT_MAX_RESPONSE_BYTES}"
    );
    // The largest page the spec allows, as the spec shapes it, with a wide margin.
    assert!(spec_5000 * 8 < DEFAULT_MAX_RESPONSE_BYTES, "{spec_5000}");
    // The look-up of an unknown push outcome reads 100 operations a page, with data.
    assert!(legacy_100 * 2 < DEFAULT_MAX_RESPONSE_BYTES, "{legacy_100}");
}
