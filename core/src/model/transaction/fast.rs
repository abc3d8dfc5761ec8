//! A push body read straight from its bytes.
//!
//! Push bodies have one shape: an object with `accountId` and `transactions`, each transaction a
//! flat object of strings, numbers, booleans and nulls. This reader handles exactly that shape in
//! one pass over the text, without serde's per-token visitor calls, and answers `None` for
//! anything else: unknown or repeated keys, a value of an unexpected kind, a missing field, an
//! amount or date that does not parse, or text that is not valid JSON. The caller then reads the
//! same text with serde, which gives the value or the precise error, so the two readers can only
//! differ in speed. The tests hold them together over generated and mutated bodies.

use std::borrow::Cow;

use rust_decimal::Decimal;

use super::{BankTransaction, CreateBankTransactions, TransactionType};
use crate::dates::LocalDateTime;
use crate::money::json::from_raw_json;

/// Reads a push body, or `None` when serde must decide (see the module's documentation).
pub(super) fn read_body(text: &str, capacity: usize) -> Option<CreateBankTransactions> {
    let mut r = Reader {
        text,
        b: text.as_bytes(),
        at: 0,
    };
    r.ws();
    let mut account_id = None;
    let mut transactions = None;
    r.object(|r, key| match key {
        "accountId" => once(&mut account_id, r.string()),
        "transactions" => once(&mut transactions, r.transactions(capacity)),
        _ => None,
    })?;
    r.ws();
    if r.at != r.b.len() {
        return None;
    }
    Some(CreateBankTransactions {
        account_id: account_id?,
        transactions: transactions?,
    })
}

/// How many bytes at the start of `b` need no attention inside a string: none is a quote, a
/// backslash or a control character. Eight bytes at a time, then byte by byte.
fn plain_run(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `v` is zero, or below 0x20: exact tests for "any such byte" (the bits they set
    // may be wrong above the first such byte, which is why a hit rescans its eight bytes).
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    let has_control = |v: u64| v.wrapping_sub(ONES * 0x20) & !v & HIGH != 0;
    let mut at = 0;
    while let Some(chunk) = b.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        if has_zero(v ^ (ONES * u64::from(b'"')))
            || has_zero(v ^ (ONES * u64::from(b'\\')))
            || has_control(v)
        {
            break;
        }
        at += 8;
    }
    at + b[at..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(b.len() - at)
}

/// Fills a field read once: a repeated key is serde's "duplicate field" error, so the fast
/// reader declines it, as it declines a value it could not read.
fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// JSON's four whitespace characters.
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.b.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// A key: a string without escapes (keys with escapes go to serde).
    fn key(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        loop {
            match self.next()? {
                b'"' => return self.text.get(start..self.at - 1),
                b'\\' => return None,
                c if c < 0x20 => return None,
                _ => {}
            }
        }
    }

    /// The raw text of a string token, quotes included, and whether it holds escapes.
    fn string_token(&mut self) -> Option<(&'a str, bool)> {
        let start = self.at;
        self.eat(b'"')?;
        let mut escaped = false;
        loop {
            // The bytes that end a plain run: the closing quote, an escape, a control character.
            self.at += plain_run(&self.b[self.at..]);
            match self.next()? {
                b'"' => return Some((self.text.get(start..self.at)?, escaped)),
                b'\\' => {
                    escaped = true;
                    match self.next()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            let hex = self.b.get(self.at..self.at + 4)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.at += 4;
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a raw control character
            }
        }
    }

    /// A string's value, borrowed from the text unless it holds escapes; those are decoded by
    /// serde_json itself, so they mean the same.
    fn str_value(&mut self) -> Option<Cow<'a, str>> {
        let (token, escaped) = self.string_token()?;
        if escaped {
            serde_json::from_str(token).ok().map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(&token[1..token.len() - 1]))
        }
    }

    fn string(&mut self) -> Option<String> {
        self.str_value().map(Cow::into_owned)
    }

    fn with_str<T>(&mut self, f: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        f(&self.str_value()?)
    }

    /// `null` as `Some(None)`, anything else as `value` reads it.
    fn nullable<T>(&mut self, value: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        value(self).map(Some)
    }

    /// An object: `field` is called with each key, the reader at its value, and reads the value
    /// (`None` declines the whole body).
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            self.ws();
            let key = self.key()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            field(self, key)?;
            self.ws();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// A number token exactly as JSON's grammar has it.
    fn number_token(&mut self) -> Option<&'a str> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
        }
        self.text.get(start..self.at)
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }

    /// An amount as `money::json` reads it: a number, or a string holding one.
    fn decimal(&mut self) -> Option<Decimal> {
        let token = match self.peek()? {
            b'"' => self.string_token()?.0,
            _ => self.number_token()?,
        };
        from_raw_json(token).ok()
    }

    fn transactions(&mut self, capacity: usize) -> Option<Vec<BankTransaction>> {
        self.eat(b'[')?;
        let mut out = Vec::with_capacity(capacity);
        self.ws();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(out);
        }
        loop {
            self.ws();
            out.push(self.transaction()?);
            self.ws();
            match self.next()? {
                b',' => continue,
                b']' => return Some(out),
                _ => return None,
            }
        }
    }

    fn transaction(&mut self) -> Option<BankTransaction> {
        let mut id = None;
        let mut date = None;
        let mut description = None;
        let mut counterparty = None;
        let mut reference = None;
        let mut reconciled = None;
        let mut amount = None;
        let mut balance = None;
        let mut transaction_type = None;
        self.object(|r, key| match key {
            "id" => once(&mut id, r.string()),
            "date" => once(&mut date, r.with_str(|s| s.parse::<LocalDateTime>().ok())),
            "description" => once(&mut description, r.nullable(Self::string)),
            "counterparty" => once(&mut counterparty, r.nullable(Self::string)),
            "reference" => once(&mut reference, r.nullable(Self::string)),
            "reconciled" => once(
                &mut reconciled,
                r.nullable(|r| match r.peek()? {
                    b't' => r.literal(b"true").map(|_| true),
                    b'f' => r.literal(b"false").map(|_| false),
                    _ => None,
                }),
            ),
            "amount" => once(&mut amount, r.decimal()),
            "balance" => once(&mut balance, r.nullable(Self::decimal)),
            "transactionType" => once(
                &mut transaction_type,
                r.nullable(|r| r.with_str(|s| Some(TransactionType::parse(s)))),
            ),
            _ => None,
        })?;
        Some(BankTransaction {
            id: id?,
            date: date?,
            description: description.flatten(),
            counterparty: counterparty.flatten(),
            reference: reference.flatten(),
            reconciled: reconciled.flatten(),
            amount: amount?,
            balance: balance.flatten(),
            transaction_type: transaction_type.flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What serde makes of the text, for comparison.
    fn serde(text: &str) -> Option<CreateBankTransactions> {
        serde_json::from_str(text).ok()
    }

    fn agree(text: &str) {
        let fast = read_body(text, 0);
        if let Some(fast) = &fast {
            assert_eq!(Some(fast), serde(text).as_ref(), "{text}");
        }
    }

    #[test]
    fn reads_what_serde_reads() {
        let cases = [
            r#"{"accountId":"a","transactions":[]}"#,
            r#" { "transactions" : [ { "id" : "t" , "date" : "2023-08-22T10:21:00.2266667" , "amount" : -1.50 , "balance" : "12.30" , "reconciled" : false , "transactionType" : "Debit" } ] , "accountId" : "a\u00e9\n" } "#,
            r#"{"accountId":"a","transactions":[{"id":"t\"q","date":"2023-08-22","amount":0,"description":null,"counterparty":"Caf\u00e9 \ud83d\ude00","reference":"r","balance":null,"transactionType":null,"reconciled":null}]}"#,
            r#"{"accountId":"a","transactions":[{"id":"t","date":"2023-08-22","amount":1e2}]}"#,
            r#"{"accountId":"a","transactions":[{"id":"t","date":"2023-08-22T23:30:00-05:00","amount":"7","transactionType":"Crypto"}]}"#,
        ];
        for text in cases {
            let fast = read_body(text, 0);
            assert!(fast.is_some(), "the fast reader declined {text}");
            assert_eq!(fast, serde(text), "{text}");
        }
    }

    #[test]
    fn declines_what_serde_must_judge() {
        let cases = [
            r#"{"accountId":"a","transactions":[],"extra":1}"#,
            r#"{"accountId":"a","accountId":"b","transactions":[]}"#,
            r#"{"accountId":"a","transactions":[{"id":"t","id":"u","date":"2023-08-22","amount":1}]}"#,
            r#"{"accountId":"a","transactions":[{"id":"t","date":"2023-02-30","amount":1}]}"#,
            r#"{"accountId":"a","transactions":[{"id":"t","date":"2023-08-22","amount":01}]}"#,
            r#"{"accountId":"a","transactions":[{"id":"t","date":"2023-08-22","amount":1.}]}"#,
            r#"{"accountId":"a","transactions":[{"id":"t","date":"2023-08-22","amount":null}]}"#,
            r#"{"accountId":"a","transactions":[{"id":"t","date":"2023-08-22"}]}"#,
            r#"{"accountId":"a","transactions":[{"id":"t	","date":"2023-08-22","amount":1}]}"#,
            r#"{"accountId":"a","transactions":[{"id":"\x","date":"2023-08-22","amount":1}]}"#,
            r#"{"accountId":"a","transactions":[{}]}"#,
            r#"{"accountId":"a","transactions":[],}"#,
            r#"{"accountId":"a","transactions":[1]}"#,
            r#"{"accountId":"a"}"#,
            r#"{"accountId":"a","transactions":[]} x"#,
            r#"[]"#,
            "",
        ];
        for text in cases {
            assert_eq!(read_body(text, 0), None, "{text}");
        }
    }

    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9 ]{0,8}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
            Just("null".to_owned()),
            Just("true".to_owned()),
            "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{0,30})?([eE][-+]?[0-9]{1,3})?",
            "\"-?[0-9]{1,5}(\\.[0-9]{0,3})?\"",
            "\"20[0-9]{2}-[01][0-9]-[0-3][0-9](T[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,8})?)?(Z|[+-][01][0-9]:[0-5][0-9])?)?\"",
            "\"(Credit|Debit|Fee|\\\\u0046ee|Crypto)\"",
        ]
    }

    fn key() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("id"),
            Just("date"),
            Just("description"),
            Just("counterparty"),
            Just("reference"),
            Just("reconciled"),
            Just("amount"),
            Just("balance"),
            Just("transactionType"),
            Just("other"),
            Just("i\\u0064"),
        ]
    }

    fn body() -> impl Strategy<Value = String> {
        let tx = proptest::collection::vec((key(), field()), 0..10).prop_map(|fields| {
            let inner: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("\"{k}\" :{v}"))
                .collect();
            format!("{{ {} }}", inner.join(" , "))
        });
        // Transactions that serde accepts, most of the time.
        let good = ("[a-z0-9]{1,6}", "-?[0-9]{1,6}\\.[0-9]{2}").prop_map(|(id, amount)| {
            format!(r#"{{"id":"{id}","date":"2024-01-02T03:04:05","amount":{amount}}}"#)
        });
        (
            proptest::collection::vec(prop_oneof![3 => good, 1 => tx], 0..6),
            any::<bool>(),
        )
            .prop_map(|(txs, account_first)| {
                let list = format!("\"transactions\":[{}]", txs.join(","));
                if account_first {
                    format!("{{\"accountId\":\"acc\",{list}}}")
                } else {
                    format!("{{ {list} ,\n\"accountId\" : \"acc\" }}")
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn plain_run_stops_where_a_byte_scan_stops(b in proptest::collection::vec(any::<u8>(), 0..40)) {
            let expected = b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).unwrap_or(b.len());
            prop_assert_eq!(plain_run(&b), expected);
        }

        #[test]
        fn plain_run_on_mostly_plain_text(prefix in "[ -~é]{0,30}", stop in prop_oneof![Just(b'"'), Just(b'\\'), 0u8..0x20], suffix in "[ -~]{0,9}") {
            let mut b = prefix.as_bytes().to_vec();
            let first = b.iter().position(|&c| c == b'"' || c == b'\\').unwrap_or(b.len());
            b.push(stop);
            b.extend_from_slice(suffix.as_bytes());
            prop_assert_eq!(plain_run(&b), first);
        }

        #[test]
        fn never_disagrees_with_serde(text in body()) {
            agree(&text);
            // Where serde reads the text, so does the fast reader (bar the shapes it declines).
            let declined_shape = text.contains("\"other\"") || text.contains("\\u0064");
            if let (false, Some(expected)) = (declined_shape, serde(&text)) {
                prop_assert_eq!(read_body(&text, 0), Some(expected));
            }
        }

        #[test]
        fn never_disagrees_on_damaged_text(text in body(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
            // One byte replaced (kept as UTF-8 by replacing only ASCII positions).
            let mut bytes = text.into_bytes();
            let at = cut.index(bytes.len().max(1)).min(bytes.len().saturating_sub(1));
            if bytes.get(at).is_some_and(u8::is_ascii) && byte.is_ascii() {
                bytes[at] = byte;
            }
            if let Ok(text) = String::from_utf8(bytes) {
                agree(&text);
            }
        }
    }
}
