//! Secrets the client sends but never shows: the API key and custom authorisation values.

use std::fmt;

use base64::Engine as _;

/// Text that must not reach a log: its `Debug` and `Display` print `[redacted]`.
///
/// The only way to read it is [`Secret::expose`], which the client calls when it builds a request
/// header, so a secret cannot leak through `{:?}` on a config, a client or an error.
///
/// ```
/// use bankfeeds::client::Secret;
/// let s = Secret::new("Bearer eyJhbGciOi");
/// assert_eq!(format!("{s} {s:?}"), "[redacted] Secret([redacted])");
/// assert_eq!(s.expose(), "Bearer eyJhbGciOi");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().into_boxed_str())
    }

    /// The secret itself: only for building the header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty (or only spaces).
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

/// A Codat API key, sent as the spec's `auth_header` security scheme asks:
/// `Authorization: Basic <base64 of the key>`.
///
/// The Codat Portal shows both the key and a ready-made "authorization header" (the key already
/// base64-encoded). Use [`ApiKey::new`] with the key, or [`ApiKey::from_encoded`] with the
/// portal's header value (with or without its `Basic ` prefix); both send the same header.
///
/// ```
/// use bankfeeds::client::ApiKey;
/// let key = ApiKey::new("my-key");
/// assert_eq!(key.header_value().expose(), "Basic bXkta2V5");
/// assert_eq!(ApiKey::from_encoded("Basic bXkta2V5").header_value(), key.header_value());
/// assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The base64 text sent after `Basic `.
    encoded: Secret,
}

impl ApiKey {
    /// A key as the Codat Portal lists it under Developers > API keys.
    pub fn new(key: impl AsRef<str>) -> Self {
        let encoded = base64::engine::general_purpose::STANDARD.encode(key.as_ref().trim());
        ApiKey {
            encoded: Secret::new(encoded),
        }
    }

    /// The portal's "authorization header": the key already base64-encoded, with or without the
    /// leading `Basic `.
    pub fn from_encoded(encoded: impl AsRef<str>) -> Self {
        let text = encoded.as_ref().trim();
        let text = match text.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => rest.trim(),
            _ => text,
        };
        ApiKey {
            encoded: Secret::new(text),
        }
    }

    /// The value of the `Authorization` header: `Basic <encoded key>`.
    pub fn header_value(&self) -> Secret {
        Secret::new(format!("Basic {}", self.encoded.expose()))
    }

    /// Whether the key is empty.
    pub fn is_blank(&self) -> bool {
        self.encoded.is_blank()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let key = ApiKey::new("sk-very-secret");
        let encoded = base64::engine::general_purpose::STANDARD.encode("sk-very-secret");
        for shown in [
            format!("{key}"),
            format!("{key:?}"),
            format!("{key:#?}"),
            format!("{:?}", key.header_value()),
            format!("{}", key.header_value()),
        ] {
            assert!(!shown.contains("sk-very-secret"), "{shown}");
            assert!(!shown.contains(&encoded), "{shown}");
            assert!(shown.contains("redacted"), "{shown}");
        }
    }

    #[test]
    fn encoded_forms_agree() {
        let key = ApiKey::new(" k ");
        assert_eq!(key.header_value().expose(), "Basic aw==");
        assert_eq!(
            ApiKey::from_encoded("aw==").header_value().expose(),
            "Basic aw=="
        );
        assert_eq!(
            ApiKey::from_encoded("basic  aw==").header_value().expose(),
            "Basic aw=="
        );
        assert!(ApiKey::from_encoded("  ").is_blank());
        assert!(!key.is_blank());
    }
}
