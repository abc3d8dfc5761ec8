//! Reading a JSON file's rows fast: the rows list's elements are cut out of the input as it is
//! read and parsed from a slice, and serde's reader, which takes the input a byte at a time, sees
//! a `0` in each one's place ([`Split`]).
//!
//! Nothing is decided here that serde does not decide again: an element is replaced only when it
//! parsed, and a value put for a value leaves the text as readable as it was, so a file reads
//! through [`Split`] exactly when it reads without it, to the same rows. What cannot be told
//! (an element nested near serde's depth limit, a key written with escapes, anything unexpected
//! after an element) is passed through as it is, for serde to read.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

use super::raw::RawElement;

/// Elements parsed by [`Split`], in order, each waiting for the `0` put in its place.
pub(crate) type Parsed = Rc<RefCell<VecDeque<RawElement>>>;

/// Elements nested deeper than this are left to serde, which knows its own depth limit.
const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first character.
    Start,
    /// In a push body (depth 1 and below), looking for its `transactions` key.
    Body,
    /// In the rows list, before an element.
    BeforeElement,
    /// In the rows list, after an element.
    AfterElement,
    /// Reading an element into `element`.
    Element,
    /// Passing everything through.
    Through,
}

/// A reader that cuts the rows list's elements out of `inner` (see the module documentation).
pub(crate) struct Split<R> {
    inner: R,
    parsed: Parsed,
    state: State,
    input: Vec<u8>,
    out: Vec<u8>,
    out_at: usize,
    done: bool,
    // The lexer: strings, escapes and depth, in the body and in an element.
    in_string: bool,
    escaped: bool,
    depth: usize,
    most_depth: usize,
    // In the body: a key is expected next at depth 1, the key being read, and whether the value
    // that follows is the rows list.
    expect_key: bool,
    key: Option<Vec<u8>>,
    rows_key: bool,
    after_colon: bool,
    element: Vec<u8>,
    /// The element is a scalar (ends before a delimiter).
    scalar: bool,
}

impl<R: Read> Split<R> {
    pub(crate) fn new(inner: R, parsed: Parsed) -> Self {
        Split {
            inner,
            parsed,
            state: State::Start,
            input: vec![0; 1 << 16],
            out: Vec::with_capacity(1 << 16),
            out_at: 0,
            done: false,
            in_string: false,
            escaped: false,
            depth: 0,
            most_depth: 0,
            expect_key: false,
            key: None,
            rows_key: false,
            after_colon: false,
            element: Vec::new(),
            scalar: false,
        }
    }

    /// Reads the next block of input into `out`.
    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_at = 0;
        while self.out.is_empty() && !self.done {
            let n = self.inner.read(&mut self.input)?;
            if n == 0 {
                self.done = true;
                // An element cut short: serde says what is wrong with it.
                let element = std::mem::take(&mut self.element);
                self.out.extend_from_slice(&element);
                break;
            }
            let input = std::mem::take(&mut self.input);
            let mut i = 0;
            while i < n {
                match self.state {
                    State::Through => {
                        self.out.extend_from_slice(&input[i..n]);
                        i = n;
                    }
                    State::Element if !self.scalar => i = self.scan_element(&input[..n], i),
                    _ => {
                        self.byte(input[i]);
                        i += 1;
                    }
                }
            }
            self.input = input;
        }
        Ok(())
    }

    fn byte(&mut self, b: u8) {
        match self.state {
            State::Through => self.out.push(b),
            State::Start => {
                self.out.push(b);
                match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    b'[' => self.state = State::BeforeElement,
                    b'{' => {
                        self.state = State::Body;
                        self.depth = 1;
                        self.expect_key = true;
                    }
                    _ => self.state = State::Through,
                }
            }
            State::Body => self.body(b),
            State::BeforeElement => match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.out.push(b),
                b']' | b',' => {
                    // An empty list, or a comma out of place: serde reads the rest.
                    self.out.push(b);
                    self.state = State::Through;
                }
                _ => {
                    self.state = State::Element;
                    self.element.clear();
                    self.depth = 0;
                    self.most_depth = 0;
                    self.in_string = false;
                    self.escaped = false;
                    self.scalar = !matches!(b, b'{' | b'[' | b'"');
                    self.element_byte(b);
                }
            },
            State::AfterElement => {
                self.out.push(b);
                match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    b',' => self.state = State::BeforeElement,
                    _ => self.state = State::Through,
                }
            }
            State::Element => self.element_byte(b),
        }
    }

    /// A byte of the push body, outside the rows list.
    fn body(&mut self, b: u8) {
        self.out.push(b);
        if self.in_string {
            if let Some(key) = &mut self.key {
                key.push(b);
            }
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
                if let Some(key) = self.key.take() {
                    self.rows_key = key == b"transactions\"";
                }
            }
            return;
        }
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => return,
            b'"' => {
                self.in_string = true;
                if self.depth == 1 && self.expect_key {
                    self.key = Some(Vec::new());
                    self.expect_key = false;
                }
            }
            b':' if self.depth == 1 => {
                self.after_colon = true;
                return;
            }
            b',' if self.depth == 1 => self.expect_key = true,
            b'[' if self.depth == 1 && self.after_colon && self.rows_key => {
                // The rows list: its elements are cut out; after it, serde reads the rest.
                self.state = State::BeforeElement;
                return;
            }
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.state = State::Through;
                }
            }
            _ => {}
        }
        if self.depth == 1 {
            self.after_colon = false;
            if b != b'"' {
                self.rows_key = false;
            }
        }
    }

    /// Reads a list or object element (or a text one) from `input[i..]`, a run of plain bytes
    /// at a time, up to its end or the end of `input`: gives where it stopped.
    fn scan_element(&mut self, input: &[u8], mut i: usize) -> usize {
        while i < input.len() {
            let start = i;
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                } else {
                    while i < input.len() && !matches!(input[i], b'"' | b'\\') {
                        i += 1;
                    }
                    if i < input.len() {
                        if input[i] == b'\\' {
                            self.escaped = true;
                        } else {
                            self.in_string = false;
                        }
                        i += 1;
                    }
                }
                self.element.extend_from_slice(&input[start..i]);
                if !self.in_string && self.depth == 0 && !self.escaped && i > start {
                    self.element_done();
                    return i;
                }
                continue;
            }
            while i < input.len() && !matches!(input[i], b'"' | b'{' | b'}' | b'[' | b']') {
                i += 1;
            }
            if i == input.len() {
                self.element.extend_from_slice(&input[start..i]);
                return i;
            }
            let b = input[i];
            i += 1;
            self.element.extend_from_slice(&input[start..i]);
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    self.most_depth = self.most_depth.max(self.depth);
                }
                _ => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.element_done();
                        return i;
                    }
                }
            }
        }
        i
    }

    /// A byte of an element.
    fn element_byte(&mut self, b: u8) {
        if self.scalar {
            if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                self.element_done();
                self.state = State::AfterElement;
                self.byte(b);
            } else {
                self.element.push(b);
            }
            return;
        }
        // A list, an object or a text: the byte is read as a run of one.
        self.scan_element(&[b], 0);
    }

    /// An element read whole: parsed, and a `0` put in its place; or passed through.
    fn element_done(&mut self) {
        self.state = State::AfterElement;
        if self.most_depth <= MAX_DEPTH
            && let Ok(element) = serde_json::from_slice::<RawElement>(&self.element)
        {
            self.parsed.borrow_mut().push_back(element);
            self.out.push(b'0');
        } else {
            self.out.extend_from_slice(&self.element);
        }
        self.element.clear();
    }
}

impl<R: Read> Read for Split<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_at == self.out.len() {
            self.fill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::RawTransaction;
    use crate::ingest::json::{read_json, stream_json};
    use crate::validate::ValidationReport;

    fn split(text: &str) -> (String, usize) {
        let parsed = Parsed::default();
        let mut out = String::new();
        Split::new(text.as_bytes(), parsed.clone())
            .read_to_string(&mut out)
            .unwrap();
        let n = parsed.borrow().len();
        (out, n)
    }

    fn streamed(text: &str) -> (Vec<RawTransaction>, ValidationReport, Option<String>) {
        let mut report = ValidationReport::new();
        let mut rows = Vec::new();
        // Read in small pieces, so elements span the splitter's reads.
        let input = std::io::BufReader::with_capacity(3, text.as_bytes());
        match stream_json(input, &mut report, |row, _, _| {
            rows.push(row);
            true
        }) {
            Ok(read) => (rows, report, read.account_id),
            Err(_) => (
                Vec::new(),
                ValidationReport::from(
                    crate::ingest::json::unreadable_in(text.as_bytes())
                        .into_iter()
                        .collect::<Vec<_>>(),
                ),
                None,
            ),
        }
    }

    #[test]
    fn elements_are_cut_out_and_put_back() {
        let (out, n) =
            split(r#" {"accountId": "a", "transactions": [{"id": "x]\"}"}, 7, "s", [1], null ] }"#);
        assert_eq!(
            out,
            r#" {"accountId": "a", "transactions": [0, 0, 0, 0, 0 ] }"#
        );
        assert_eq!(n, 5);
        // Keys with escapes, and lists that are not the rows, are left alone.
        for text in [
            r#"{"trans\u0061ctions": [{"id": "x"}]}"#,
            r#"{"memo": {"transactions": [1]}, "x": "transactions", "y": ["transactions"]}"#,
            r#""transactions""#,
        ] {
            assert_eq!(split(text), (text.to_owned(), 0), "{text}");
        }
    }

    #[test]
    fn what_is_split_reads_as_the_text_does() {
        let deep = format!("[{}{}]", "[".repeat(130), "]".repeat(130));
        let deep_ok = format!("[{}{}, 1]", "[".repeat(110), "]".repeat(110));
        for text in [
            r#"[{"id": "a", "amount": 1.50}, 7, "x", null, true, [1, {"a": []}], {"id": "b\\", "d": "]}"}]"#,
            r#"{"memo": [1, {"transactions": []}], "transactions": [{"id": "a"}], "accountId": "z"}"#,
            r#"{"transactions": [{"id": "a"}], "transactions": [{"id": "b"}]}"#,
            r#"{"transactions": [{"id": "a"},]}"#,
            r#"{"transactions": [{"id": "a"} {"id": "b"}]}"#,
            r#"{"transactions": [1 2]}"#,
            r#"{"transactions": [tru, 1]}"#,
            r#"{"transactions": [-]}"#,
            r#"{"transactions": [{"id": "a"}"#,
            r#"{"transactions": [{"id": "a"}]"#,
            r#"{"transactions": [{"id": "a"}]} x"#,
            r#"{"transactions": [{"id": "a", "id": "b"}], "memo": 1}"#,
            r#"{"transactions" : [ {"amount": 12345678901234567890.123} ] , "accountId":null}"#,
            r#"[]"#,
            r#"[ ]"#,
            r#"{}"#,
            r#"[{"a": "\"]"}, {"b": "\\"}]"#,
            &deep,
            &deep_ok,
        ] {
            let whole = read_json(text);
            let (rows, report, account) = streamed(text);
            let whole_rows: Vec<String> = whole.rows.iter().map(|r| format!("{r:?}")).collect();
            let rows: Vec<String> = rows.iter().map(|r| format!("{r:?}")).collect();
            assert_eq!(rows, whole_rows, "{text}");
            assert_eq!(report, whole.report, "{text}");
            assert_eq!(account, whole.account_id, "{text}");
        }
    }
}
