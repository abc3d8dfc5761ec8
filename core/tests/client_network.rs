//! The client on a bank's network: a private CA, mTLS and proxies, against local servers made
//! here (certificates generated with rcgen, TLS served with tokio-rustls, a counting proxy).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bankfeeds::ErrorCode;
use bankfeeds::client::{Client, ClientBuilder, RetryPolicy, TrustStore};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

const COMPANY: &str = r#"{"id":"c1","name":"Toft Bakery","platform":"","redirect":"https://link.codat.io/c1","dataConnections":[],"created":"2024-01-01T00:00:00Z"}"#;

/// A certificate authority and what it signed.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf certificate for `names` (DNS names or IP addresses): (certificate PEM, key PEM,
    /// certificate DER, key DER).
    fn leaf(&self, names: &[&str]) -> (String, String, Vec<u8>, Vec<u8>) {
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (
            cert.pem(),
            key.serialize_pem(),
            cert.der().to_vec(),
            key.serialize_der(),
        )
    }

    fn der(&self) -> CertificateDer<'static> {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        CertificateDer::from_pem_slice(self.pem.as_bytes())
            .unwrap()
            .into_owned()
    }
}

/// Reads a request head and answers a company, then closes: enough HTTP/1.1 for one call.
async fn answer_once<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{COMPANY}",
        COMPANY.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A server on 127.0.0.1: plain HTTP, or TLS with `acceptor`. Counts the requests answered.
async fn serve(acceptor: Option<TlsAcceptor>) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let count = count.clone();
            tokio::spawn(async move {
                match acceptor {
                    Some(a) => {
                        if let Ok(tls) = a.accept(tcp).await {
                            count.fetch_add(1, Ordering::SeqCst);
                            answer_once(tls).await;
                        }
                    }
                    None => {
                        count.fetch_add(1, Ordering::SeqCst);
                        answer_once(tcp).await;
                    }
                }
            });
        }
    });
    (addr, served)
}

/// TLS with a certificate for 127.0.0.1 and localhost signed by `ca`; with `client_ca`, a
/// client certificate signed by it is required.
fn acceptor(ca: &Ca, client_ca: Option<&Ca>) -> TlsAcceptor {
    let (_, _, cert, key) = ca.leaf(&["127.0.0.1", "localhost"]);
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(client_ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(client_ca.der()).unwrap();
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(
            vec![CertificateDer::from(cert)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

fn builder(base: String) -> ClientBuilder {
    Client::builder()
        .api_key("test-key")
        .base_url(base)
        .proxy_from_env(false)
        .retry(RetryPolicy::never())
        .request_timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn a_private_ca_is_refused_without_it_and_trusted_with_it() {
    let ca = Ca::new("Bank Private Root");
    let (addr, served) = serve(Some(acceptor(&ca, None))).await;
    let base = format!("https://127.0.0.1:{}", addr.port());

    // Mozilla's roots do not include the bank's CA: the handshake fails, nothing is served.
    let client = builder(base.clone()).build().unwrap();
    let err = client.companies().get("c1").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Transport, "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(served.load(Ordering::SeqCst), 0);

    // With the CA added (as text, or from a file), alone or beside the built-in roots.
    let client = builder(base.clone())
        .add_ca_pem(ca.pem.clone())
        .build()
        .unwrap();
    assert_eq!(client.companies().get("c1").await.unwrap().id, "c1");
    let dir = std::env::temp_dir().join(format!("bankfeeds-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bank-root.pem");
    std::fs::write(&file, &ca.pem).unwrap();
    let client = builder(base.clone())
        .trust_store(TrustStore::None)
        .add_ca_file(&file)
        .build()
        .unwrap();
    assert_eq!(client.companies().get("c1").await.unwrap().id, "c1");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(served.load(Ordering::SeqCst), 2);

    // Another CA's certificate does not help.
    let other = Ca::new("Someone Else");
    let client = builder(base).add_ca_pem(other.pem).build().unwrap();
    assert_eq!(
        client.companies().get("c1").await.unwrap_err().code(),
        ErrorCode::Transport
    );
}

#[tokio::test]
async fn mtls_is_accepted_only_with_the_client_certificate() {
    let server_ca = Ca::new("Bank Server Root");
    let client_ca = Ca::new("Bank Client Root");
    let (addr, served) = serve(Some(acceptor(&server_ca, Some(&client_ca)))).await;
    let base = format!("https://127.0.0.1:{}", addr.port());
    let trusting = || builder(base.clone()).add_ca_pem(server_ca.pem.clone());

    let err = trusting()
        .build()
        .unwrap()
        .companies()
        .get("c1")
        .await
        .unwrap_err();
    assert!(
        matches!(err.code(), ErrorCode::Transport | ErrorCode::Timeout),
        "{err}"
    );

    // A certificate from a CA the server does not trust is refused too.
    let stranger = Ca::new("Stranger");
    let (cert, key, _, _) = stranger.leaf(&["client.bank.example"]);
    let err = trusting()
        .client_identity_pem(cert, key)
        .build()
        .unwrap()
        .companies()
        .get("c1")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Transport, "{err}");
    assert_eq!(served.load(Ordering::SeqCst), 0);

    // The bank's client certificate, as text or from files.
    let (cert, key, _, _) = client_ca.leaf(&["client.bank.example"]);
    let client = trusting()
        .client_identity_pem(cert.clone(), key.clone())
        .build()
        .unwrap();
    assert_eq!(client.companies().get("c1").await.unwrap().id, "c1");
    assert!(!format!("{client:?}").contains("PRIVATE KEY"));
    let dir = std::env::temp_dir().join(format!("bankfeeds-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("client.pem"), &cert).unwrap();
    std::fs::write(dir.join("client.key"), &key).unwrap();
    let client = trusting()
        .client_identity_files(dir.join("client.pem"), dir.join("client.key"))
        .build()
        .unwrap();
    assert_eq!(client.companies().get("c1").await.unwrap().id, "c1");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(served.load(Ordering::SeqCst), 2);

    // A key that is not one: a configuration error naming the option, the key never quoted.
    let err = trusting()
        .client_identity_pem(cert, "-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n")
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.code(), ErrorCode::Config);
    assert!(
        text.contains("client_identity") && !text.contains("SECRETSTUFF"),
        "{text}"
    );
}

/// What the proxy saw: the first line of each request made to it.
type Seen = Arc<Mutex<Vec<String>>>;

/// A minimal forward proxy: `CONNECT host:port` tunnels; `GET http://host:port/path` is passed
/// on as it came (the servers here read only the head). One request per connection.
async fn proxy() -> (SocketAddr, Seen) {
    proxy_with_login(None).await
}

/// The proxy of [`proxy`], which with `login` (the `Proxy-Authorization` value it wants, such as
/// `Basic dXNlcjpwYXNz`) answers any request without it `407 Proxy Authentication Required`, as a
/// bank's proxy does; a refused request is logged with ` -> 407` after its line.
async fn proxy_with_login(login: Option<&'static str>) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let line = text.lines().next().unwrap_or_default().to_owned();
                if let Some(wanted) = login {
                    let given = text.lines().find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("proxy-authorization")
                            .then(|| value.trim().to_owned())
                    });
                    if given.as_deref() != Some(wanted) {
                        log.lock().unwrap().push(format!("{line} -> 407"));
                        let _ = client
                            .write_all(
                                b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                                  Proxy-Authenticate: Basic realm=\"bank\"\r\n\
                                  Content-Length: 0\r\nConnection: close\r\n\r\n",
                            )
                            .await;
                        return;
                    }
                }
                log.lock().unwrap().push(line.clone());
                let mut parts = line.split(' ');
                let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                if method == "CONNECT" {
                    let Ok(mut upstream) = TcpStream::connect(target).await else {
                        return;
                    };
                    let _ = client
                        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                        .await;
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                } else {
                    let authority = target
                        .strip_prefix("http://")
                        .and_then(|rest| rest.split('/').next())
                        .unwrap_or("");
                    let Ok(mut upstream) = TcpStream::connect(authority).await else {
                        return;
                    };
                    let _ = upstream.write_all(&head).await;
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (addr, seen)
}

#[tokio::test]
async fn requests_go_through_the_proxy_plain_and_connect() {
    let (proxy_addr, seen) = proxy().await;
    let proxy_url = format!("http://{proxy_addr}");

    // Plain HTTP: the proxy gets the absolute URL.
    let (addr, served) = serve(None).await;
    let client = builder(format!("http://127.0.0.1:{}", addr.port()))
        .proxy(&proxy_url)
        .build()
        .unwrap();
    assert_eq!(client.companies().get("c1").await.unwrap().id, "c1");
    assert_eq!(served.load(Ordering::SeqCst), 1);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(
            seen[0].starts_with(&format!(
                "GET http://127.0.0.1:{}/companies/c1 ",
                addr.port()
            )),
            "{seen:?}"
        );
    }

    // HTTPS: a CONNECT tunnel, through which the private CA's server is reached; the proxy sees
    // the host only.
    let ca = Ca::new("Bank Private Root");
    let (tls_addr, tls_served) = serve(Some(acceptor(&ca, None))).await;
    let client = builder(format!("https://127.0.0.1:{}", tls_addr.port()))
        .add_ca_pem(ca.pem.clone())
        .proxy(&proxy_url)
        .build()
        .unwrap();
    assert_eq!(client.companies().get("c1").await.unwrap().id, "c1");
    assert_eq!(tls_served.load(Ordering::SeqCst), 1);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(
            seen[1],
            format!("CONNECT 127.0.0.1:{} HTTP/1.1", tls_addr.port())
        );
    }

    // Hosts on the bypass list go direct.
    let client = builder(format!("http://127.0.0.1:{}", addr.port()))
        .proxy(&proxy_url)
        .no_proxy("127.0.0.1")
        .build()
        .unwrap();
    client.companies().get("c1").await.unwrap();
    assert_eq!(served.load(Ordering::SeqCst), 2);
    assert_eq!(seen.lock().unwrap().len(), 2);

    // A proxy that is not there: the request fails as not sent (and so is safe to retry).
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let err = builder(format!("http://127.0.0.1:{}", addr.port()))
        .proxy(format!("http://{dead}"))
        .build()
        .unwrap()
        .companies()
        .get("c1")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Transport, "{err}");
}

/// A proxy that wants a login gets it from the user and password in the proxy URL, for plain
/// requests and for the CONNECT of an HTTPS one; without them, or with a wrong password, the
/// request fails with an error that never shows the password.
#[tokio::test]
async fn a_proxy_login_comes_from_the_proxy_url_and_is_never_shown() {
    // `bank:s3cret`, as a Basic credential.
    let (proxy_addr, seen) = proxy_with_login(Some("Basic YmFuazpzM2NyZXQ=")).await;
    let (addr, served) = serve(None).await;
    let ca = Ca::new("Bank Private Root");
    let (tls_addr, tls_served) = serve(Some(acceptor(&ca, None))).await;
    let through = |base: String, proxy: String| {
        builder(base)
            .add_ca_pem(ca.pem.clone())
            .proxy(proxy)
            .build()
            .unwrap()
    };
    let plain = format!("http://127.0.0.1:{}", addr.port());
    let tls = format!("https://127.0.0.1:{}", tls_addr.port());

    for base in [&plain, &tls] {
        let client = through(base.clone(), format!("http://bank:s3cret@{proxy_addr}"));
        assert_eq!(client.companies().get("c1").await.unwrap().id, "c1");
    }
    assert_eq!(served.load(Ordering::SeqCst), 1);
    assert_eq!(tls_served.load(Ordering::SeqCst), 1);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            format!("GET http://127.0.0.1:{}/companies/c1 HTTP/1.1", addr.port()),
            format!("CONNECT 127.0.0.1:{} HTTP/1.1", tls_addr.port()),
        ]
    );

    // No login, or the wrong password: refused by the proxy, and nothing reaches the servers.
    for login in ["", "bank:WRONGPASS@"] {
        for base in [&plain, &tls] {
            let client = through(base.clone(), format!("http://{login}{proxy_addr}"));
            let err = client.companies().get("c1").await.unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains("WRONGPASS"), "{text}");
            if base == &plain {
                // The proxy's own answer comes back as the response: a 407, not retried.
                assert_eq!(err.code(), ErrorCode::Api, "{text}");
                assert_eq!(err.status(), Some(407), "{text}");
            } else {
                // No tunnel: the request was never sent to Codat.
                assert_eq!(err.code(), ErrorCode::Transport, "{text}");
            }
        }
    }
    assert_eq!(served.load(Ordering::SeqCst), 1);
    assert_eq!(tls_served.load(Ordering::SeqCst), 1);
    let refused = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.ends_with(" -> 407"))
        .count();
    assert_eq!(refused, 4, "{:?}", seen.lock().unwrap());
}

#[tokio::test]
async fn environment_proxies_are_honoured_unless_turned_off() {
    let (proxy_addr, seen) = proxy().await;
    let (addr, served) = serve(None).await;
    let base = format!("http://127.0.0.1:{}", addr.port());
    // The environment is read when a client is built. The other tests here build theirs with
    // `proxy_from_env(false)` or an explicit proxy, so setting it does not disturb them.
    // SAFETY: no other thread of this test binary reads or writes these variables.
    unsafe {
        std::env::set_var("HTTP_PROXY", format!("http://{proxy_addr}"));
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let from_env = Client::builder()
        .api_key("k")
        .base_url(&base)
        .retry(RetryPolicy::never())
        .build();
    let direct = builder(base).build();
    unsafe {
        std::env::remove_var("HTTP_PROXY");
    }
    from_env.unwrap().companies().get("c1").await.unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);
    direct.unwrap().companies().get("c1").await.unwrap();
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "proxy_from_env(false) goes direct"
    );
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[test]
fn bad_network_options_are_configuration_errors() {
    for (b, option) in [
        (builder("https://x".into()).add_ca_pem("garbage"), "add_ca"),
        (
            builder("https://x".into()).add_ca_file("does/not/exist.pem"),
            "does/not/exist.pem",
        ),
        (
            builder("https://x".into()).client_identity_files("nope.pem", "nope.key"),
            "client_identity",
        ),
        (builder("https://x".into()).proxy("::not a url"), "proxy"),
        (
            builder("https://x".into()).proxy("socks5://127.0.0.1:1080"),
            "proxy",
        ),
    ] {
        let err = b.build().unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config);
        assert!(err.to_string().contains(option), "{option}: {err}");
    }
}
