//! What commands start with: a runtime, the API key and a client. Each says on stderr why it
//! could not be had and answers `None`; the caller stops with its exit code.

use bankfeeds::client::{Client, ClientBuilder};
use tokio::runtime::Runtime;

/// The environment variable holding the Codat API key.
pub const API_KEY_VAR: &str = "CODAT_API_KEY";

/// A single-threaded runtime for the command's async work.
pub fn runtime() -> Option<Runtime> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            tell!("bankfeeds: cannot start a runtime: {e}");
            None
        }
    }
}

/// The API key from `CODAT_API_KEY` (never a flag, never printed).
pub fn api_key() -> Option<String> {
    let key = std::env::var(API_KEY_VAR)
        .ok()
        .filter(|k| !k.trim().is_empty());
    if key.is_none() {
        tell!("bankfeeds: set {API_KEY_VAR} to your Codat API key (it is never taken as a flag)");
    }
    key
}

/// The client `builder` makes, at `base_url` (without a trailing `/`) when given, or Codat's.
pub fn client(mut builder: ClientBuilder, base_url: Option<&str>) -> Option<Client> {
    if let Some(url) = base_url {
        builder = builder.base_url(url.trim_end_matches('/'));
    }
    match builder.build() {
        Ok(c) => Some(c),
        Err(e) => {
            tell!("bankfeeds: {e}");
            None
        }
    }
}
