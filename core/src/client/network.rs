//! How the client reaches the API on a bank's network: which certificate authorities it trusts,
//! the client certificate it presents (mTLS), and the proxy it goes through.
//!
//! Everything here is checked when the client is built ([`super::ClientBuilder::build`]): a PEM
//! that holds no certificate, a key that is not a private key, a proxy URL that is not a URL or a
//! file that cannot be read fails with [`Error::Config`] naming the option, never later and
//! never with a panic.

use std::fmt;
use std::path::PathBuf;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::Error;
use super::secret::Secret;

/// Which certificate authorities the client trusts for the API's certificate, besides any added
/// with [`super::ClientBuilder::add_ca_pem`] / [`super::ClientBuilder::add_ca_file`].
///
/// ```
/// use bankfeeds::client::TrustStore;
/// assert_eq!(TrustStore::default(), TrustStore::Webpki);
/// assert_eq!("both".parse::<TrustStore>().unwrap(), TrustStore::Both);
/// assert!("system".parse::<TrustStore>().unwrap_err().contains("webpki"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum TrustStore {
    /// Mozilla's root store compiled into the client (webpki-roots): the same on every machine and
    /// phone, independent of what the operating system trusts. The default.
    #[default]
    Webpki,
    /// The operating system's trust store only: what the machine's administrators installed,
    /// e.g. a bank's own root for its TLS-inspecting proxy. Read when the client is built from the
    /// Windows and macOS stores, and on Linux and Android from the system's certificate files
    /// (`SSL_CERT_FILE` / `SSL_CERT_DIR` replace them when set). On iOS there are no such files:
    /// add the bank's CA with `add_ca_pem` instead.
    Native,
    /// Both: the compiled-in roots and the operating system's.
    Both,
    /// Neither: only the certificates added with `add_ca_pem` / `add_ca_file` (a private network
    /// whose CA is the only one to trust).
    None,
}

impl TrustStore {
    /// The option's name in every binding: `webpki`, `native`, `both` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustStore::Webpki => "webpki",
            TrustStore::Native => "native",
            TrustStore::Both => "both",
            TrustStore::None => "none",
        }
    }

    fn webpki(self) -> bool {
        matches!(self, TrustStore::Webpki | TrustStore::Both)
    }

    fn native(self) -> bool {
        matches!(self, TrustStore::Native | TrustStore::Both)
    }
}

impl fmt::Display for TrustStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TrustStore {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "webpki" => Ok(TrustStore::Webpki),
            "native" => Ok(TrustStore::Native),
            "both" => Ok(TrustStore::Both),
            "none" => Ok(TrustStore::None),
            _ => Err(format!(
                "trust_store `{s}` is not one of webpki, native, both, none"
            )),
        }
    }
}

/// PEM text given directly, or a file to read it from when the client is built.
#[derive(Clone)]
pub(crate) enum PemSource {
    Bytes(Vec<u8>),
    File(PathBuf),
}

impl PemSource {
    fn read(&self, option: &str) -> Result<Vec<u8>, Error> {
        match self {
            PemSource::Bytes(b) => Ok(b.clone()),
            PemSource::File(path) => std::fs::read(path).map_err(|e| {
                Error::Config(format!("{option}: cannot read {}: {e}", path.display()))
            }),
        }
    }

    fn describe(&self) -> String {
        match self {
            PemSource::Bytes(b) => format!("{} bytes of PEM", b.len()),
            PemSource::File(path) => path.display().to_string(),
        }
    }
}

impl fmt::Debug for PemSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The client certificate (chain) and its private key, for mTLS.
#[derive(Clone)]
pub(crate) struct IdentitySource {
    pub(crate) certificate: PemSource,
    pub(crate) key: KeySource,
}

/// A private key: kept as a [`Secret`] when given as text, so `Debug` never shows it.
#[derive(Clone)]
pub(crate) enum KeySource {
    Bytes(Secret),
    File(PathBuf),
}

impl fmt::Debug for IdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = match &self.key {
            KeySource::Bytes(_) => "[redacted]".to_owned(),
            KeySource::File(p) => p.display().to_string(),
        };
        f.debug_struct("Identity")
            .field("certificate", &self.certificate)
            .field("key", &key)
            .finish()
    }
}

/// Where requests go through. `Debug` leaves a proxy's password out.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ProxySettings {
    /// An explicit proxy for every request: an `http://` or `https://` URL.
    pub(crate) url: Option<String>,
    /// Whether `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (or their lower-case forms)
    /// are honoured when no explicit proxy is set.
    pub(crate) from_env: bool,
    /// Hosts that bypass the explicit proxy, `NO_PROXY` style (`localhost,.internal,10.0.0.0/8`).
    pub(crate) no_proxy: Option<String>,
}

impl fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self
            .url
            .as_deref()
            .map(|u| match url::Url::parse(u.trim()) {
                Ok(url) => redact(&url),
                Err(_) if u.contains('@') => "[a URL with credentials]".to_owned(),
                Err(_) => u.to_owned(),
            });
        f.debug_struct("Proxy")
            .field("url", &url)
            .field("from_env", &self.from_env)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings {
            url: None,
            from_env: true,
            no_proxy: None,
        }
    }
}

/// The network options of a [`super::ClientBuilder`].
#[derive(Debug, Clone, Default)]
pub(crate) struct NetworkOptions {
    pub(crate) trust_store: TrustStore,
    pub(crate) extra_cas: Vec<PemSource>,
    pub(crate) identity: Option<IdentitySource>,
    pub(crate) proxy: ProxySettings,
}

/// Parses every certificate of a PEM text; none is an error naming the option.
fn certificates(pem: &[u8], option: &str, what: &str) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::new();
    for item in CertificateDer::pem_slice_iter(pem) {
        let cert = item.map_err(|e| {
            Error::Config(format!(
                "{option}: {what} is not valid PEM: {}",
                pem_error(&e)
            ))
        })?;
        out.push(cert.as_ref().to_vec());
    }
    if out.is_empty() {
        return Err(Error::Config(format!(
            "{option}: {what} holds no certificate (expected `-----BEGIN CERTIFICATE-----` blocks)"
        )));
    }
    Ok(out)
}

fn pem_error(e: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error as E;
    match e {
        E::MissingSectionEnd { .. } => "a section has no END line".to_owned(),
        E::IllegalSectionStart { .. } => "a BEGIN line is malformed".to_owned(),
        E::Base64Decode(_) => "a section's base64 does not decode".to_owned(),
        E::NoItemsFound => "nothing found".to_owned(),
        other => format!("{other:?}"),
    }
}

impl NetworkOptions {
    /// Applies the options to reqwest's builder, reading and checking every PEM and URL.
    pub(crate) fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, Error> {
        builder = builder
            .tls_built_in_root_certs(false)
            .tls_built_in_webpki_certs(self.trust_store.webpki());
        let mut roots = 0usize;
        if self.trust_store.webpki() {
            roots += 1;
        }
        if self.trust_store.native() {
            let loaded = rustls_native_certs::load_native_certs();
            let mut added = 0usize;
            for cert in loaded.certs {
                // Native stores hold the odd unparseable ancient root: skip those, as browsers do.
                if let Ok(c) = reqwest::Certificate::from_der(cert.as_ref()) {
                    builder = builder.add_root_certificate(c);
                    added += 1;
                }
            }
            if added == 0 {
                let why = loaded
                    .errors
                    .first()
                    .map_or_else(|| "none was found".to_owned(), ToString::to_string);
                return Err(Error::Config(format!(
                    "trust_store {}: the operating system's trust store gave no usable certificate ({why}); on iOS use add_ca_pem, elsewhere check SSL_CERT_FILE / SSL_CERT_DIR",
                    self.trust_store
                )));
            }
            roots += added;
        }
        for source in &self.extra_cas {
            let pem = source.read("add_ca")?;
            for der in certificates(&pem, "add_ca", &source.describe())? {
                let cert = reqwest::Certificate::from_der(&der).map_err(|e| {
                    Error::Config(format!(
                        "add_ca: a certificate in {} is not usable: {e}",
                        source.describe()
                    ))
                })?;
                builder = builder.add_root_certificate(cert);
                roots += 1;
            }
        }
        if roots == 0 {
            return Err(Error::Config(
                "trust_store none without add_ca: no certificate authority would be trusted".into(),
            ));
        }
        if let Some(identity) = &self.identity {
            builder = builder.identity(identity.build()?);
        }
        builder = self.proxy.apply(builder)?;
        Ok(builder)
    }
}

impl IdentitySource {
    fn build(&self) -> Result<reqwest::Identity, Error> {
        const OPTION: &str = "client_identity";
        let cert_pem = self.certificate.read(OPTION)?;
        let chain = certificates(&cert_pem, OPTION, "the certificate")?;
        let key_pem = match &self.key {
            KeySource::Bytes(s) => Secret::new(s.expose().to_owned()),
            KeySource::File(path) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    Error::Config(format!(
                        "{OPTION}: cannot read the key {}: {e}",
                        path.display()
                    ))
                })?;
                Secret::new(String::from_utf8(bytes).map_err(|_| {
                    Error::Config(format!(
                        "{OPTION}: the key {} is not PEM text",
                        path.display()
                    ))
                })?)
            }
        };
        // The key's content is never quoted in an error.
        let key = PrivateKeyDer::from_pem_slice(key_pem.expose().as_bytes()).map_err(|_| {
            Error::Config(format!(
                "{OPTION}: the key holds no private key in PEM (expected `-----BEGIN PRIVATE KEY-----`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`)"
            ))
        })?;
        // reqwest reads an identity from one PEM: the chain, then the key, re-encoded as PEM.
        let mut pem = String::new();
        for der in &chain {
            pem.push_str(&to_pem("CERTIFICATE", der));
        }
        let label = match &key {
            PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
            PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
            _ => "PRIVATE KEY",
        };
        pem.push_str(&to_pem(label, key.secret_der()));
        reqwest::Identity::from_pem(pem.as_bytes()).map_err(|e| {
            Error::Config(format!(
                "{OPTION}: the certificate and key cannot be used together: {e}"
            ))
        })
    }
}

fn to_pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

impl ProxySettings {
    fn apply(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
        match &self.url {
            Some(text) => {
                let url = check_proxy_url(text)?;
                let mut proxy = reqwest::Proxy::all(url.as_str()).map_err(|e| {
                    Error::Config(format!("proxy: `{}` is not usable: {e}", redact(&url)))
                })?;
                if let Some(list) = &self.no_proxy {
                    proxy = proxy.no_proxy(reqwest::NoProxy::from_string(list));
                }
                Ok(builder.proxy(proxy))
            }
            // reqwest reads HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY when it is built.
            None if self.from_env => Ok(builder),
            None => Ok(builder.no_proxy()),
        }
    }
}

/// A proxy URL: `http://` or `https://`, with a host; credentials in it are allowed (a proxy's
/// own login) and never shown.
pub(crate) fn check_proxy_url(text: &str) -> Result<url::Url, Error> {
    let url = url::Url::parse(text.trim()).map_err(|e| {
        // The text may hold a password: quote it only when it has none.
        let shown = if text.contains('@') {
            "[a URL with credentials]".to_owned()
        } else {
            format!("`{text}`")
        };
        Error::Config(format!("proxy: {shown} is not a URL: {e}"))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "proxy: `{}` must start with http:// or https://",
            redact(&url)
        )));
    }
    if url.host().is_none() {
        return Err(Error::Config(format!(
            "proxy: `{}` has no host",
            redact(&url)
        )));
    }
    Ok(url)
}

/// A URL without its password, for messages and logs.
pub(crate) fn redact(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("redacted"));
    }
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(options: &NetworkOptions) -> Result<(), String> {
        options
            .apply(reqwest::Client::builder().use_rustls_tls())
            .map(drop)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn bad_pems_and_urls_are_errors_naming_the_option() {
        let mut o = NetworkOptions::default();
        o.extra_cas.push(PemSource::Bytes(b"not a pem".to_vec()));
        let e = apply(&o).unwrap_err();
        assert!(e.contains("add_ca") && e.contains("no certificate"), "{e}");
        let mut o = NetworkOptions::default();
        o.extra_cas.push(PemSource::Bytes(
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec(),
        ));
        let e = apply(&o).unwrap_err();
        assert!(e.contains("add_ca") && e.contains("base64"), "{e}");
        let mut o = NetworkOptions::default();
        o.extra_cas
            .push(PemSource::File("no/such/ca-file.pem".into()));
        let e = apply(&o).unwrap_err();
        assert!(
            e.contains("add_ca") && e.contains("no/such/ca-file.pem"),
            "{e}"
        );
        let o = NetworkOptions {
            identity: Some(IdentitySource {
                certificate: PemSource::Bytes(b"junk".to_vec()),
                key: KeySource::Bytes(Secret::new("SECRET-KEY-TEXT")),
            }),
            ..Default::default()
        };
        let e = apply(&o).unwrap_err();
        assert!(
            e.contains("client_identity") && !e.contains("SECRET"),
            "{e}"
        );
        for (url, part) in [
            ("not a url", "not a URL"),
            ("ftp://proxy:21", "http"),
            ("http://user:PASSWORD@", "proxy"),
            ("socks5://h:1080", "http"),
        ] {
            let mut o = NetworkOptions::default();
            o.proxy.url = Some(url.into());
            let e = apply(&o).unwrap_err();
            assert!(
                e.contains("proxy") && e.contains(part) && !e.contains("PASSWORD"),
                "{url}: {e}"
            );
        }
        let o = NetworkOptions {
            trust_store: TrustStore::None,
            ..Default::default()
        };
        assert!(apply(&o).unwrap_err().contains("trust_store none"));
    }

    #[test]
    fn a_proxy_with_credentials_is_accepted_and_never_shown() {
        let mut o = NetworkOptions::default();
        o.proxy.url = Some("http://me:PASSWORD@proxy.bank.example:3128".into());
        o.proxy.no_proxy = Some("localhost,.internal".into());
        apply(&o).unwrap();
        let url = check_proxy_url("http://me:PASSWORD@proxy:3128").unwrap();
        assert!(!redact(&url).contains("PASSWORD"));
        let shown = format!("{o:?}");
        assert!(
            shown.contains("proxy.bank.example") && !shown.contains("PASSWORD"),
            "{shown}"
        );
    }
}
