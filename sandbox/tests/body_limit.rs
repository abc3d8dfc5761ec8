//! The sandbox takes bodies up to the core's push body limit and answers a larger one as Codat
//! answers errors: status 413 with Codat's error body, not axum's plain text.

mod common;

use bankfeeds::batch::MAX_PUSH_BODY_BYTES;
use bankfeeds_sandbox::Sandbox;
use common::{Api, linked_account};
use serde_json::{Value, json};

/// A push body of about `bytes` bytes: one transaction with a long description.
fn body_of(account: &str, bytes: usize) -> Vec<u8> {
    let mut body = serde_json::to_vec(&json!({"accountId": account, "transactions": [{
        "id": "t1", "date": "2024-05-01T00:00:00", "amount": 1.00, "balance": 1.00,
        "transactionType": "Credit", "description": ""}]}))
    .unwrap();
    let needle = br#""description":"""#;
    let at = body
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
        + needle.len()
        - 1;
    let pad = bytes.saturating_sub(body.len());
    body.splice(at..at, std::iter::repeat_n(b'x', pad));
    body
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_codats_error_body() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let api = Api::new(sandbox.url());
    let linked = linked_account(
        &api,
        "gbol",
        json!({"id": "acc-001", "accountName": "Current", "accountType": "Debit",
               "accountNumber": "12345678", "sortCode": "123456", "currency": "GBP",
               "balance": 0}),
        Some("2024-01-01"),
    )
    .await;
    let path = linked.push_path();
    for chunked in [false, true] {
        let body = body_of("acc-001", MAX_PUSH_BODY_BYTES + 1);
        let (status, json, body) = post(sandbox.url(), &path, &body, chunked).await;
        assert_eq!((status, json), (413, true), "chunked {chunked}: {body:#}");
        let error: bankfeeds::model::ErrorMessage = common::typed(&body);
        assert_eq!(error.status_code, Some(413));
        assert!(
            error
                .error
                .as_deref()
                .is_some_and(|m| m.contains("smaller batches")),
            "{body:#}"
        );
    }
    // Right at the limit, the push is taken.
    let body = body_of("acc-001", MAX_PUSH_BODY_BYTES);
    let (status, _, answer) = post(sandbox.url(), &path, &body, false).await;
    assert_eq!(status, 200, "{answer:#}");
}

/// One POST over a plain connection, with a `Content-Length` or chunked (the limit is then found
/// while reading): the status, whether the answer is JSON, and its body.
async fn post(base: &str, path: &str, body: &[u8], chunked: bool) -> (u16, bool, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {}", body.len())
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic c2FuZGJveC1rZXk=\r\nContent-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before reading everything: write errors are expected.
    if chunked {
        for chunk in body.chunks(64 * 1024) {
            let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
            if stream.write_all(&frame).await.is_err() {
                break;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
    } else {
        let _ = stream.write_all(body).await;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let json = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("content-type: application/json")
    });
    let rest = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    (
        status,
        json,
        serde_json::from_str(&rest).unwrap_or(Value::Null),
    )
}

/// The body of a chunked answer.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}
