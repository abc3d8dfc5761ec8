//! `verifyWebhook()`: Codat's webhook deliveries checked and parsed by the core
//! (`bankfeeds::webhook::verify`), for Node servers.
//!
//! Compiled only with the `webhooks` feature, which `scripts/build.sh` turns on for the Node build
//! and never for the web build: a signing secret belongs on a server, so the browser module has
//! neither this function nor the core's HMAC code.
//!
//! This file only translates: headers (a plain object, Node's `IncomingHttpHeaders`, a `Headers`
//! instance, a `Map` or pairs) to name/value pairs, the body (a `Buffer`, `Uint8Array`,
//! `ArrayBuffer` or text) to bytes, the options to a tolerance and an instant; the core decides,
//! and its refusal becomes a `WebhookError` with the core's code.

use std::time::Duration;

use bankfeeds::ErrorCode;
use bankfeeds::dates::Timestamp;
use bankfeeds::webhook::{self, DEFAULT_TOLERANCE};
use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::input::{self, MAX_TEXT, is_array, kind, object_keys};

#[wasm_bindgen(typescript_custom_section)]
const WEBHOOK_TYPES: &str = include_str!("../js/webhooks.d.ts");

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// The JavaScript class (a `BankFeedsError`); re-exported by the Node build.
    #[wasm_bindgen(reexport, extends = js_sys::Error)]
    pub(crate) type WebhookError;

    #[wasm_bindgen(constructor)]
    pub(crate) fn new(message: &str, code: &str, status: u16) -> WebhookError;
}

/// Checks a webhook delivery from Codat and returns its event; throws `WebhookError` when the
/// delivery must be refused.
///
/// Checks, in order: the secret (`whsec_` and base64: `invalid_secret`), the `svix-id`,
/// `svix-timestamp` and `svix-signature` headers or the same with `webhook-`
/// (`missing_header`), the timestamp (`invalid_timestamp`) within `tolerance` seconds of now,
/// either way (`expired`), one `v1` signature over the raw body (`invalid_signature`, compared in
/// constant time), then the body as a webhook event (`invalid_body`). Server-side only: never
/// put a signing secret in a browser.
///
/// @throws {WebhookError} when the delivery is refused: `code` says why, `status` what to answer.
/// @throws {BankFeedsError} when `headers`, `body` or an option is not of a kind it takes.
#[wasm_bindgen(js_name = verifyWebhook, unchecked_return_type = "WebhookDelivery")]
pub fn verify_webhook(
    #[wasm_bindgen(unchecked_param_type = "string")] secret: JsValue,
    #[wasm_bindgen(unchecked_param_type = "WebhookHeadersInput")] headers: JsValue,
    #[wasm_bindgen(unchecked_param_type = "WebhookBodyInput")] body: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "VerifyWebhookOptions")] options: JsValue,
) -> Result<JsValue, Error> {
    let (tolerance, now) = read_options(&options)?;
    let secret = match input::js_text(&secret) {
        Some(Ok(text)) => text,
        Some(Err(why)) => {
            return Err(refusal_text(
                ErrorCode::InvalidSecret,
                format!("the webhook signing secret is not text: {why}"),
            ));
        }
        None => {
            return Err(refusal_text(
                ErrorCode::InvalidSecret,
                format!(
                    "the webhook signing secret must be text such as \"whsec_...\", not {}",
                    kind(&secret)
                ),
            ));
        }
    };
    let pairs = header_pairs(&headers)?;
    let bytes = body_bytes(&body)?;
    let delivery = webhook::verify(secret.as_str(), &pairs, &bytes, tolerance, now)
        .map_err(|e| refusal_text(e.code(), e.to_string()))?;
    // The delivery as the core serialises it (exact JSON: the body is embedded as received), read
    // by JavaScript's own parser.
    js_sys::JSON::parse(&delivery.to_json()).map_err(|_| Error::Usage {
        code: crate::error::code::INTERNAL,
        field: None,
        message:
            "internal error in bankfeeds: a verified delivery could not be given to JavaScript"
                .to_owned(),
    })
}

fn refusal_text(code: ErrorCode, message: String) -> Error {
    Error::Webhook {
        code: code.as_str(),
        status: webhook::refusal_status(code),
        message,
    }
}

/// `tolerance` (seconds) and `now` (a `Date` or milliseconds), with their defaults.
fn read_options(options: &JsValue) -> Result<(Duration, Timestamp), Error> {
    let mut tolerance = DEFAULT_TOLERANCE;
    let mut now_ms = js_sys::Date::now();
    if !(options.is_undefined() || options.is_null()) {
        if !input::is_plain_object(options) {
            return Err(Error::argument(
                "options",
                format!("options must be an object, not {}", kind(options)),
            ));
        }
        let names = object_keys(options).map_err(|_| {
            Error::argument("options", "the options object's keys cannot be listed")
        })?;
        for key in names.iter() {
            let name = key.as_string().unwrap_or_default();
            let v = Reflect::get(options, &key)
                .map_err(|_| Error::option(&name, format!("reading option `{name}` threw")))?;
            if v.is_undefined() || v.is_null() {
                continue;
            }
            match name.as_str() {
                "tolerance" => match v.as_f64() {
                    Some(s) if s.fract() == 0.0 && (0.0..=1e12).contains(&s) => {
                        tolerance = Duration::from_secs(s as u64)
                    }
                    _ => {
                        return Err(Error::option(
                            "tolerance",
                            format!(
                                "tolerance is a whole number of seconds (default 300), not {}",
                                kind(&v)
                            ),
                        ));
                    }
                },
                "now" => {
                    now_ms = if let Some(date) = v.dyn_ref::<js_sys::Date>() {
                        date.get_time()
                    } else {
                        v.as_f64().unwrap_or(f64::NAN)
                    };
                    if !now_ms.is_finite() {
                        return Err(Error::option(
                            "now",
                            format!(
                                "now is a valid Date or milliseconds since 1970 (like Date.now()), not {}",
                                kind(&v)
                            ),
                        ));
                    }
                }
                other => {
                    return Err(Error::option(
                        other,
                        format!("unknown option `{other}`; expected tolerance or now"),
                    ));
                }
            }
        }
    }
    // A JavaScript time is at most 8.64e15 ms from 1970, well within what a Timestamp holds.
    let seconds = (now_ms / 1000.0).floor() as i64;
    let now = chrono::DateTime::from_timestamp(seconds, 0)
        .map(Timestamp::new)
        .ok_or_else(|| Error::option("now", "now is outside the range of a JavaScript Date"))?;
    Ok((tolerance, now))
}

/// The headers as name/value pairs, whatever shape they came in.
fn header_pairs(headers: &JsValue) -> Result<Vec<(String, String)>, Error> {
    let usage = || {
        Error::argument(
            "headers",
            format!(
                "headers must be the request's headers (an object of names to values, a Headers instance, a Map or [name, value] pairs), not {}",
                kind(headers)
            ),
        )
    };
    if !headers.is_object() || headers.is_function() {
        return Err(usage());
    }
    let mut pairs = Vec::new();
    // Iterable: a Headers instance, a Map, a list of pairs. Anything else: its own keys.
    let iterable = Reflect::get(headers, &js_sys::Symbol::iterator())
        .map(|f| f.is_function())
        .unwrap_or(false);
    if iterable {
        let iter = js_sys::try_iter(headers)
            .map_err(|_| usage())?
            .ok_or_else(usage)?;
        for entry in iter {
            let entry = entry.map_err(|_| usage())?;
            if !is_array(&entry) || Array::from(&entry).length() != 2 {
                return Err(Error::argument(
                    "headers",
                    format!(
                        "each header must be a [name, value] pair, not {}",
                        kind(&entry)
                    ),
                ));
            }
            let entry: Array = entry.unchecked_into();
            push_header(&mut pairs, &entry.get(0), &entry.get(1))?;
        }
    } else {
        let names = object_keys(headers).map_err(|_| usage())?;
        for name in names.iter() {
            let value = Reflect::get(headers, &name).map_err(|_| usage())?;
            push_header(&mut pairs, &name, &value)?;
        }
    }
    Ok(pairs)
}

fn push_header(
    pairs: &mut Vec<(String, String)>,
    name: &JsValue,
    value: &JsValue,
) -> Result<(), Error> {
    let Some(Ok(name)) = input::js_text(name) else {
        return Err(Error::argument(
            "headers",
            format!("a header name must be text, not {}", kind(name)),
        ));
    };
    if value.is_undefined() || value.is_null() {
        return Ok(());
    }
    let text = |v: &JsValue| match input::js_text(v) {
        Some(Ok(t)) => Ok(t),
        Some(Err(why)) => Err(Error::argument(
            "headers",
            format!("the header `{name}` is not text: {why}"),
        )),
        None => Err(Error::argument(
            "headers",
            format!("the header `{name}` must be text, not {}", kind(v)),
        )),
    };
    let value = if is_array(value) {
        let items: Array = value.clone().unchecked_into();
        let mut parts = Vec::with_capacity(items.length() as usize);
        for item in items.iter() {
            parts.push(text(&item)?);
        }
        // Node gives a repeated header as a list; its values are one space-separated list (as
        // several `v1,` signatures are).
        parts.join(" ")
    } else {
        text(value)?
    };
    pairs.push((name, value));
    Ok(())
}

/// The body's bytes: a `Uint8Array` (a Node `Buffer` is one), an `ArrayBuffer`, or text as
/// UTF-8.
fn body_bytes(body: &JsValue) -> Result<Vec<u8>, Error> {
    let too_large = |n: usize| {
        Error::too_large(
            "body",
            format!(
                "the body is {} bytes, more than the {} one call takes",
                input::thousands(n),
                input::thousands(MAX_TEXT)
            ),
        )
    };
    if let Some(bytes) = body.dyn_ref::<Uint8Array>() {
        let n = bytes.length() as usize;
        return if n > MAX_TEXT {
            Err(too_large(n))
        } else {
            Ok(bytes.to_vec())
        };
    }
    if let Some(buffer) = body.dyn_ref::<ArrayBuffer>() {
        let n = buffer.byte_length() as usize;
        return if n > MAX_TEXT {
            Err(too_large(n))
        } else {
            Ok(Uint8Array::new(buffer).to_vec())
        };
    }
    // A UTF-16 unit is at least one byte of UTF-8: checked before the text is copied.
    let units = body
        .dyn_ref::<js_sys::JsString>()
        .map_or(0, |s| s.length() as usize);
    if units > MAX_TEXT {
        return Err(too_large(units));
    }
    match input::js_text(body) {
        Some(Ok(text)) if text.len() > MAX_TEXT => Err(too_large(text.len())),
        Some(Ok(text)) => Ok(text.into_bytes()),
        Some(Err(why)) => Err(Error::argument(
            "body",
            format!("the body text is not Unicode, so it cannot be the bytes received: {why}"),
        )),
        None => Err(Error::argument(
            "body",
            format!(
                "body must be the raw body as received (a Buffer, Uint8Array, ArrayBuffer or its text; e.g. express.raw()), not {}: parsed and re-serialised JSON is not what was signed",
                kind(body)
            ),
        )),
    }
}
