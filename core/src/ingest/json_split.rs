//! Reading a JSON file's rows fast: the rows list's elements are cut out of the input as it is
//! read and parsed from a slice, and serde's reader, which takes the input a byte at a time, sees
//! a `0` in each one's place ([`Split`]).
//!
//! Nothing is decided here that serde does not decide again: an element is replaced only when it
//! parsed, as deep in the file as it stands, and a value put for a value leaves the text as
//! readable as it was, so a file reads through [`Split`] exactly when it reads without it, to the
//! same rows. What cannot be told (a key written with escapes, anything unexpected after an
//! element) is passed through as it is, for serde to read. A list element passed through did not
//! parse where it stands: serde will not read it either, and the file cannot be read.
//!
//! The same cutter takes chunks pushed into it ([`Splitter::compact`], for
//! [`super::json::JsonPush`]): it then keeps the text serde is to read, but keeps the rows list's
//! share of it (its elements, commas and whitespace, and the whitespace before the file's first
//! character) as counts, a [`Run`] each: how many elements and commas, and the lines and
//! columns they took in the file. Read back ([`Splitter::replay`]), a run is written as that many
//! `0`s and commas, then whitespace that ends on the same line and column as the run did, so
//! that serde places anything it finds after it, an error included, where it is in the file.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

use serde::de::{self, Deserialize, DeserializeSeed, IgnoredAny, SeqAccess, Visitor};

use super::raw::RawElement;

/// Elements parsed by [`Split`], in order, each waiting for the `0` put in its place.
pub(crate) type Parsed = Rc<RefCell<VecDeque<RawElement>>>;

/// Elements nested deeper than this are parsed as deep as they stand in the file, where serde's
/// depth limit may tell.
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
    input: Vec<u8>,
    splitter: Splitter,
    out_at: usize,
    done: bool,
}

impl<R: Read> Split<R> {
    pub(crate) fn new(inner: R, parsed: Parsed) -> Self {
        Split {
            inner,
            input: vec![0; 1 << 16],
            splitter: Splitter::new(parsed, false),
            out_at: 0,
            done: false,
        }
    }

    /// Reads the next block of input into the splitter's `out`.
    fn fill(&mut self) -> io::Result<()> {
        self.splitter.out.clear();
        self.out_at = 0;
        while self.splitter.out.is_empty() && !self.done {
            let n = self.inner.read(&mut self.input)?;
            if n == 0 {
                self.done = true;
                self.splitter.end();
                break;
            }
            self.splitter.feed(&self.input[..n]);
        }
        Ok(())
    }
}

impl<R: Read> Read for Split<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_at == self.splitter.out.len() {
            self.fill()?;
        }
        let out = &self.splitter.out;
        let n = buf.len().min(out.len() - self.out_at);
        buf[..n].copy_from_slice(&out[self.out_at..self.out_at + n]);
        self.out_at += n;
        Ok(n)
    }
}

/// The cutter: fed the input in pieces, it writes what serde is to read into `out` (or, compact,
/// partly into runs) and the elements it parsed into `parsed`.
pub(crate) struct Splitter {
    parsed: Parsed,
    state: State,
    out: Vec<u8>,
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
    /// How deep the rows list's elements stand: 1 in an array, 2 in a push body.
    element_depth: usize,
    /// Compact: the runs kept as counts, each with where in `out` it stands.
    runs: Option<Vec<(usize, Run)>>,
    /// The run being counted.
    run: Run,
    /// The rows list was found, and its elements cut out.
    cut: bool,
}

impl Splitter {
    fn new(parsed: Parsed, compact: bool) -> Self {
        Splitter {
            parsed,
            state: State::Start,
            out: Vec::with_capacity(if compact { 64 } else { 1 << 16 }),
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
            element_depth: 1,
            runs: compact.then(Vec::new),
            run: Run::default(),
            cut: false,
        }
    }

    /// A cutter that keeps what serde is to read, the rows list's share of it as counts (see
    /// the module documentation): for input pushed in chunks, read by serde once it has all
    /// been pushed ([`Splitter::replay`]).
    pub(crate) fn compact(parsed: Parsed) -> Self {
        Splitter::new(parsed, true)
    }

    /// Reads the next piece of input.
    pub(crate) fn feed(&mut self, input: &[u8]) {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                State::Through => {
                    self.text(&input[i..]);
                    i = input.len();
                }
                State::Element if !self.scalar => i = self.scan_element(input, i),
                _ => {
                    self.byte(input[i]);
                    i += 1;
                }
            }
        }
    }

    /// The end of the input: an element cut short is passed through, and serde says what is
    /// wrong with it.
    pub(crate) fn end(&mut self) {
        let element = std::mem::take(&mut self.element);
        self.text(&element);
        self.close_run();
    }

    /// Whether the rows list was found, and its elements cut out: if not (a push body whose
    /// `transactions` key is written with escapes, text that is not JSON), serde reads the rows.
    pub(crate) fn cut_rows(&self) -> bool {
        self.cut
    }

    /// What serde is to read, once the input has ended: the text kept, with each run written
    /// out again.
    pub(crate) fn replay(&self) -> Replay<'_> {
        Replay {
            out: &self.out,
            runs: self.runs.as_deref().unwrap_or_default(),
            at: 0,
            next: 0,
            writing: None,
        }
    }

    /// Text for serde, as it is.
    fn text(&mut self, bytes: &[u8]) {
        self.close_run();
        self.out.extend_from_slice(bytes);
    }

    /// Whitespace whose place only counts (compact), or text.
    fn blank(&mut self, b: u8) {
        if self.runs.is_some() {
            self.run.blank(b);
        } else {
            self.out.push(b);
        }
    }

    /// A comma between elements.
    fn comma(&mut self) {
        if self.runs.is_some() {
            self.run.token(Token::Comma, b",");
        } else {
            self.out.push(b',');
        }
    }

    fn close_run(&mut self) {
        if let Some(runs) = &mut self.runs
            && self.run != Run::default()
        {
            runs.push((self.out.len(), std::mem::take(&mut self.run)));
        }
    }

    fn byte(&mut self, b: u8) {
        match self.state {
            State::Through => self.text(&[b]),
            State::Start => match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.blank(b),
                b'[' => {
                    self.text(&[b]);
                    self.state = State::BeforeElement;
                    self.element_depth = 1;
                    self.cut = true;
                }
                b'{' => {
                    self.text(&[b]);
                    self.state = State::Body;
                    self.depth = 1;
                    self.expect_key = true;
                }
                _ => {
                    self.text(&[b]);
                    self.state = State::Through;
                }
            },
            State::Body => self.body(b),
            State::BeforeElement => match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.blank(b),
                b']' | b',' => {
                    // An empty list, or a comma out of place: serde reads the rest.
                    self.text(&[b]);
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
            State::AfterElement => match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.blank(b),
                b',' => {
                    self.comma();
                    self.state = State::BeforeElement;
                }
                _ => {
                    self.text(&[b]);
                    self.state = State::Through;
                }
            },
            State::Element => self.element_byte(b),
        }
    }

    /// A byte of the push body, outside the rows list.
    fn body(&mut self, b: u8) {
        self.text(&[b]);
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
                self.element_depth = 2;
                self.cut = true;
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
                    i = crate::text::find_any(input, i, [b'"', b'\\']);
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
            i = crate::text::find_any(input, i, [b'"', b'{', b'}', b'[', b']']);
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
        // Read as text, as the whole file is (one reader in the WASM module, not two): bytes
        // that are not UTF-8 are passed through, and serde refuses them.
        let parsed = match std::str::from_utf8(&self.element) {
            Ok(text) if self.most_depth <= MAX_DEPTH => {
                serde_json::from_str::<RawElement>(text).ok()
            }
            Ok(text) => in_place(text, self.element_depth),
            Err(_) => None,
        };
        match parsed {
            Some(element) => {
                self.parsed.borrow_mut().push_back(element);
                if self.runs.is_some() {
                    self.run.token(Token::Element, &self.element);
                } else {
                    self.out.push(b'0');
                }
            }
            None => {
                let element = std::mem::take(&mut self.element);
                self.text(&element);
                self.element = element;
            }
        }
        self.element.clear();
    }
}

/// An element nested deep, parsed as deep as it stands in the file (`depth` lists and objects
/// around it), so that serde's depth limit tells as it tells reading the file.
fn in_place(element: &str, depth: usize) -> Option<RawElement> {
    /// A list around the element, `0` lists deep.
    struct Around(usize);
    impl<'de> DeserializeSeed<'de> for Around {
        type Value = RawElement;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<RawElement, D::Error> {
            match self.0 {
                0 => RawElement::deserialize(d),
                _ => d.deserialize_seq(self),
            }
        }
    }
    impl<'de> Visitor<'de> for Around {
        type Value = RawElement;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of one element")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawElement, A::Error> {
            let element = seq
                .next_element_seed(Around(self.0 - 1))?
                .ok_or_else(|| de::Error::invalid_length(0, &self))?;
            match seq.next_element::<IgnoredAny>()? {
                None => Ok(element),
                Some(_) => Err(de::Error::invalid_length(2, &self)),
            }
        }
    }
    let text = format!("{}{element}{}", "[".repeat(depth), "]".repeat(depth));
    let mut de = serde_json::Deserializer::from_str(&text);
    let element = Around(depth).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(element)
}

/// A run's tokens: a `0` for an element, or a comma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Token {
    #[default]
    Element,
    Comma,
}

/// A stretch of the rows list (or the whitespace before the file's first character) kept as
/// counts: its elements and commas, which alternate, and where it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Run {
    tokens: usize,
    /// The first token (a comma when the element before the run was passed through).
    first: Token,
    /// Line breaks in the run.
    lines: usize,
    /// Bytes after the run's last line break (all of them, without one).
    column: usize,
}

impl Run {
    fn blank(&mut self, b: u8) {
        if b == b'\n' {
            self.lines += 1;
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    /// A token that stood as `text` in the file.
    fn token(&mut self, token: Token, text: &[u8]) {
        if self.tokens == 0 {
            self.first = token;
        }
        self.tokens += 1;
        match text.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                self.lines += text.iter().filter(|&&b| b == b'\n').count();
                self.column = text.len() - last - 1;
            }
            None => self.column += text.len(),
        }
    }
}

/// A run being written out: its tokens, then its line breaks, then spaces up to its column.
#[derive(Debug)]
struct Writing {
    tokens: usize,
    next: Token,
    lines: usize,
    spaces: usize,
}

impl Writing {
    fn new(run: &Run) -> Self {
        Writing {
            tokens: run.tokens,
            next: run.first,
            lines: run.lines,
            // Without a line break, the tokens took a column each of the run's.
            spaces: if run.lines == 0 {
                run.column - run.tokens
            } else {
                run.column
            },
        }
    }

    fn next_byte(&mut self) -> Option<u8> {
        if self.tokens > 0 {
            self.tokens -= 1;
            let (b, next) = match self.next {
                Token::Element => (b'0', Token::Comma),
                Token::Comma => (b',', Token::Element),
            };
            self.next = next;
            return Some(b);
        }
        if self.lines > 0 {
            self.lines -= 1;
            return Some(b'\n');
        }
        if self.spaces > 0 {
            self.spaces -= 1;
            return Some(b' ');
        }
        None
    }
}

/// What a compact [`Splitter`] kept, read back as serde is to read it.
pub(crate) struct Replay<'a> {
    out: &'a [u8],
    runs: &'a [(usize, Run)],
    /// Bytes of `out` read.
    at: usize,
    /// The next run.
    next: usize,
    writing: Option<Writing>,
}

impl Read for Replay<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            if let Some(writing) = &mut self.writing {
                match writing.next_byte() {
                    Some(b) => {
                        buf[n] = b;
                        n += 1;
                    }
                    None => self.writing = None,
                }
                continue;
            }
            let run_at = self.runs.get(self.next).map(|&(at, _)| at);
            if run_at == Some(self.at) {
                self.writing = Some(Writing::new(&self.runs[self.next].1));
                self.next += 1;
                continue;
            }
            let end = run_at.unwrap_or(self.out.len());
            let k = (end - self.at).min(buf.len() - n);
            if k == 0 {
                break;
            }
            buf[n..n + k].copy_from_slice(&self.out[self.at..self.at + k]);
            self.at += k;
            n += k;
        }
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
    fn pushed_rows_are_kept_as_counts_and_read_back_in_place() {
        let mut text = String::from("\n  {\"accountId\": \"a\", \"transactions\": [\n");
        for i in 0..20_000 {
            text.push_str(&format!("  {{\"id\": \"t{i}\",\n   \"amount\": 1}},\n"));
        }
        text.push_str("  7\n ], \"memo\": x}");
        let parsed = Parsed::default();
        let mut splitter = Splitter::compact(parsed.clone());
        for chunk in text.as_bytes().chunks(1000) {
            splitter.feed(chunk);
        }
        splitter.end();
        assert_eq!(parsed.borrow().len(), 20_001);
        // The text outside the list, and two runs: the blank start and the list.
        assert_eq!(
            String::from_utf8_lossy(&splitter.out),
            r#"{"accountId": "a", "transactions": [], "memo": x}"#
        );
        assert_eq!(splitter.runs.as_ref().map(Vec::len), Some(2));
        let mut replayed = String::new();
        splitter.replay().read_to_string(&mut replayed).unwrap();
        let error = |text: &str| {
            serde_json::from_reader::<_, serde_json::Value>(text.as_bytes())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(error(&replayed), error(&text));
        assert!(
            error(&text).ends_with("line 40004 column 13"),
            "{}",
            error(&text)
        );
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
