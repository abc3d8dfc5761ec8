//! `FileChecker` and `validateStream()`: **validate** for a CSV or JSON file read in chunks (a
//! browser's `File`, a fetch body), by the core's `stream::FileChecker`, so that a file of any
//! size is checked in the memory of a chunk and what spans rows, never held whole as text or as
//! rows.

use bankfeeds::ingest::InputFormat;
use bankfeeds::stream::FileChecker as CoreChecker;
use js_sys::{JsString, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::error::{Error, code};
use crate::input;
use crate::options::{Options, Purpose};
use crate::output::{self, to_js};

#[wasm_bindgen(module = "/js/stream.js")]
extern "C" {
    /// Reads `source`'s chunks into `checker` and resolves to its report.
    #[wasm_bindgen(js_name = readInto)]
    fn read_into(source: &JsValue, checker: FileChecker) -> Promise;
}

/// How many bytes of a `Uint8Array` are copied into the module at a time.
const SLICE: u32 = 1 << 20;

/// Checks a CSV or JSON file handed over in chunks, as `validate()` checks its text: the same
/// findings, holding only the chunk being read and what spans rows (the previous balance and
/// date, each distinct id once). Chunks are bytes (`Uint8Array`) or text, split anywhere. A file
/// is JSON (a push body or an array of transactions) when its first character, after a byte
/// order mark and whitespace, is `{` or `[`, as `validate()` tells; each of its rows is checked
/// as it completes, and whether the text is JSON at all is known at `finish()`.
#[wasm_bindgen]
pub struct FileChecker {
    checker: Option<CoreChecker>,
    /// A text chunk's last unit when it is the first half of a surrogate pair: the second half
    /// starts the next chunk.
    high_surrogate: Option<u32>,
}

#[wasm_bindgen]
impl FileChecker {
    /// A checker for the options `validate()` takes.
    ///
    /// @throws {BankFeedsError} when an option is unknown or unusable.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: JsValue,
    ) -> Result<FileChecker, Error> {
        let options = Options::read(&options, Purpose::Validate)?.prepare(Purpose::Validate)?;
        Ok(FileChecker {
            checker: Some(CoreChecker::listing(
                &options.context,
                InputFormat::Auto,
                options.max_listed,
            )),
            high_surrogate: None,
        })
    }

    /// Reads the file's next chunk: bytes (UTF-8) or text.
    ///
    /// @throws {BankFeedsError} when the chunk is neither, or the checker is finished.
    pub fn push(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "FileChunk")] chunk: JsValue,
    ) -> Result<(), Error> {
        let checker = self.checker.as_mut().ok_or_else(finished)?;
        if let Some(bytes) = chunk.dyn_ref::<Uint8Array>() {
            if self.high_surrogate.is_some() {
                return Err(Error::argument(
                    "chunk",
                    "the text chunk before ended inside a character (half a surrogate pair): a file's chunks are all bytes or all text",
                ));
            }
            let mut buffer = vec![0; bytes.length().min(SLICE) as usize];
            let mut start = 0;
            while start < bytes.length() {
                let end = bytes.length().min(start + SLICE);
                let slice = &mut buffer[..(end - start) as usize];
                bytes.subarray(start, end).copy_to(slice);
                checker.feed(slice);
                start = end;
            }
            return Ok(());
        }
        let Some(text) = chunk.dyn_ref::<JsString>() else {
            return Err(Error::argument(
                "chunk",
                format!(
                    "push takes a chunk of the file as a Uint8Array or a string, not {}",
                    input::kind(&chunk)
                ),
            ));
        };
        let mut text = match self.high_surrogate.take() {
            Some(high) => JsString::from_char_code1(high).concat(text),
            None => text.clone(),
        };
        let length = text.length();
        // A UTF-16 unit, as a number from 0 to 0xFFFF.
        let last = if length > 0 {
            text.char_code_at(length - 1) as u32
        } else {
            0
        };
        if (0xD800..0xDC00).contains(&last) {
            self.high_surrogate = Some(last);
            text = text.slice(0, length - 1);
        }
        match input::js_text(&text) {
            Some(Ok(text)) => {
                checker.feed(text.as_bytes());
                Ok(())
            }
            Some(Err(why)) => Err(Error::argument(
                "chunk",
                format!("push takes the file's text, not {why}"),
            )),
            None => Ok(()),
        }
    }

    /// The report, once every chunk is pushed: what `validate()` gives for the file's text.
    ///
    /// @throws {BankFeedsError} when the text ends inside a character, or the checker is already
    /// finished.
    #[wasm_bindgen(unchecked_return_type = "ValidationReport")]
    pub fn finish(&mut self) -> Result<JsValue, Error> {
        let checker = self.checker.take().ok_or_else(finished)?;
        if let Some(high) = self.high_surrogate {
            return Err(Error::argument(
                "chunk",
                format!(
                    "the file's text ends with a lone surrogate (U+{high:04X}), which is not Unicode text"
                ),
            ));
        }
        to_js(&output::Report::new(&checker.finish())?)
    }
}

fn finished() -> Error {
    Error::Usage {
        code: code::INVALID_ARGUMENT,
        field: None,
        message: "the FileChecker is finished: push() and finish() cannot be called after finish(); make a new one".into(),
    }
}

/// Checks a CSV or JSON file as `validate()` checks its text, reading it chunk by chunk from a `Blob`
/// (a browser's `File`), a `ReadableStream` of bytes or an async iterable of chunks (a Node
/// stream such as `fs.createReadStream(path)`): the file is never held whole.
///
/// @throws {BankFeedsError} (the promise rejects) when `source` is neither, an option is
/// unknown or unusable, or a chunk is not bytes or text.
#[wasm_bindgen(js_name = validateStream, unchecked_return_type = "Promise<ValidationReport>")]
pub fn validate_stream(
    #[wasm_bindgen(unchecked_param_type = "StreamSource")] source: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options: JsValue,
) -> Promise {
    let is_function =
        |name: &str| Reflect::get(&source, &name.into()).is_ok_and(|f| f.is_function());
    let iterable =
        Reflect::get(&source, &js_sys::Symbol::async_iterator()).is_ok_and(|f| f.is_function());
    let readable =
        source.is_object() && (is_function("stream") || is_function("getReader") || iterable);
    if !readable {
        let e = Error::argument(
            "source",
            format!(
                "validateStream takes a Blob (a File), a ReadableStream of bytes or an async iterable of chunks (a Node stream), not {}",
                input::kind(&source)
            ),
        );
        return Promise::reject(&e.into());
    }
    match FileChecker::new(options) {
        Ok(checker) => read_into(&source, checker),
        Err(e) => Promise::reject(&e.into()),
    }
}
