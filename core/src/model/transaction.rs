//! Bank transactions and the push body that carries them.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::dates::LocalDateTime;

wire_enum! {
    /// The kind of statement line (`transactionType`), as the spec lists them. Most are OFX
    /// transaction types; several imply a direction, see [`TransactionType::direction`].
    pub enum TransactionType {
        /// Not known.
        Unknown = "Unknown",
        /// Money in.
        Credit = "Credit",
        /// Money out.
        Debit = "Debit",
        /// Interest, earned or paid.
        Int = "Int",
        /// Dividend received.
        Div = "Div",
        /// A fee charged.
        Fee = "Fee",
        /// A service charge.
        SerChg = "SerChg",
        /// A deposit.
        Dep = "Dep",
        /// A cash machine transaction, withdrawal or deposit.
        Atm = "Atm",
        /// A point-of-sale transaction, purchase or refund.
        Pos = "Pos",
        /// A transfer, in or out.
        Xfer = "Xfer",
        /// A cheque paid.
        Check = "Check",
        /// An electronic payment made.
        Payment = "Payment",
        /// A cash withdrawal.
        Cash = "Cash",
        /// A direct deposit received.
        DirectDep = "DirectDep",
        /// A direct debit collected by a merchant.
        DirectDebit = "DirectDebit",
        /// A repeating payment or standing order.
        RepeatPmt = "RepeatPmt",
        /// Anything else.
        Other = "Other",
    }
}

/// Which way money moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Money into the account: a positive amount.
    In,
    /// Money out of the account: a negative amount.
    Out,
}

impl TransactionType {
    /// The direction the type implies, or `None` where it can go either way (`Int`, `Atm`, `Pos`,
    /// `Xfer`, `Other`, `Unknown`).
    pub fn direction(&self) -> Option<Direction> {
        use TransactionType::*;
        match self {
            Credit | Div | Dep | DirectDep => Some(Direction::In),
            Debit | Fee | SerChg | Check | Payment | Cash | DirectDebit | RepeatPmt => {
                Some(Direction::Out)
            }
            Int | Atm | Pos | Xfer | Other | Unknown | Unrecognised(_) => None,
        }
    }
}

super::wire_struct! {
    /// One bank statement line as Codat receives it in a push.
    ///
    /// The spec marks no field of a transaction required, but Codat refuses a push whose lines lack an
    /// `id`, a `date` or an `amount`, so this type requires those three: a push body that Codat would
    /// refuse for want of them cannot be built. Rows from files and other languages, where any field
    /// may be missing or malformed, go through [`crate::ingest`], which reports each problem with its
    /// row and field instead.
    ///
    /// ```
    /// use bankfeeds::model::{BankTransaction, TransactionType};
    /// use rust_decimal_macros::dec;
    /// let tx = BankTransaction::new("tx-1", "2023-08-22T10:21:00".parse().unwrap(), dec!(-17.54))
    ///     .with_description("Tech book from Amazon")
    ///     .with_type(TransactionType::Debit);
    /// assert_eq!(
    ///     serde_json::to_string(&tx).unwrap(),
    ///     r#"{"id":"tx-1","date":"2023-08-22T10:21:00","description":"Tech book from Amazon","amount":-17.54,"transactionType":"Debit"}"#
    /// );
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct BankTransaction {
        /// Identifier, unique for the company in the accounting platform.
        pub id: String,
        /// Local date-time of the transaction; any offset is ignored by Codat.
        pub date: LocalDateTime,
        /// Description of the statement line.
        pub description: Option<String>,
        /// The other party: a person or organisation.
        pub counterparty: Option<String>,
        /// An optional reference.
        pub reference: Option<String>,
        /// Whether the transaction is reconciled in the accounting platform.
        pub reconciled: Option<bool>,
        /// Amount transacted: positive in, negative out.
        pub amount: Decimal,
        /// The account's balance after this transaction. Required by Xero, Sage, NetSuite, Exact and
        /// FreeAgent; optional for QuickBooks Online.
        pub balance: Option<Decimal>,
        /// Kind of statement line.
        pub transaction_type: Option<TransactionType>,
    }
}

impl BankTransaction {
    /// A transaction with its three required fields; the rest can be added with the `with_`
    /// methods.
    pub fn new(id: impl Into<String>, date: LocalDateTime, amount: Decimal) -> Self {
        BankTransaction {
            id: id.into(),
            date,
            description: None,
            counterparty: None,
            reference: None,
            reconciled: None,
            amount,
            balance: None,
            transaction_type: None,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the counterparty.
    pub fn with_counterparty(mut self, counterparty: impl Into<String>) -> Self {
        self.counterparty = Some(counterparty.into());
        self
    }

    /// Sets the reference.
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Sets the running balance after this transaction.
    pub fn with_balance(mut self, balance: Decimal) -> Self {
        self.balance = Some(balance);
        self
    }

    /// Sets the transaction type.
    pub fn with_type(mut self, transaction_type: TransactionType) -> Self {
        self.transaction_type = Some(transaction_type);
        self
    }

    /// Sets whether the transaction is reconciled.
    pub fn with_reconciled(mut self, reconciled: bool) -> Self {
        self.reconciled = Some(reconciled);
        self
    }
}

super::wire_struct! {
    /// The body of a push: up to [`CreateBankTransactions::MAX_TRANSACTIONS`] transactions for one
    /// source account.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CreateBankTransactions {
        /// The source account the transactions belong to.
        pub account_id: String,
        /// The transactions, oldest first.
        pub transactions: Vec<BankTransaction>,
    }
}

impl CreateBankTransactions {
    /// The spec's `maxItems` for one push.
    pub const MAX_TRANSACTIONS: usize = 1000;

    /// Reads a push body from JSON bytes, amounts digit for digit (the derived `Deserialize`
    /// through `serde_json`).
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// Writes the push body as JSON bytes, amounts digit for digit.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_json(&mut out);
        out
    }

    /// Appends the push body as JSON to `out`, amounts digit for digit; a service writing many
    /// bodies can keep reusing one buffer.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        Self::write_json_of(&self.account_id, &self.transactions, out);
    }

    /// Appends the push body for `account_id` and `transactions` as JSON to `out`, byte for
    /// byte what [`write_json`](Self::write_json) writes for the owned body, without first
    /// copying the transactions into one (a binding writing bodies that share a batch's storage).
    pub fn write_json_of(account_id: &str, transactions: &[BankTransaction], out: &mut Vec<u8>) {
        // About 200 bytes a transaction; one allocation instead of a dozen doublings.
        out.reserve(64 + transactions.len() * 224);
        write::body(account_id, transactions, out);
    }

    /// Appends `transactions` as the JSON array a push body carries them in: what
    /// [`write_json_of`](Self::write_json_of) writes after `"transactions":`. With
    /// [`write_json_around`](Self::write_json_around) it makes the body, for a caller that keeps
    /// the transactions' text before it knows the account
    /// ([`crate::stream::prepare_path_spooling`]).
    pub fn write_transactions_json(transactions: &[BankTransaction], out: &mut Vec<u8>) {
        out.reserve(2 + transactions.len() * 224);
        write::array(transactions, out);
    }

    /// Appends the push body for `account_id` around `transactions_json`, a JSON array of
    /// transactions as [`write_transactions_json`](Self::write_transactions_json) writes it:
    /// byte for byte what [`write_json_of`](Self::write_json_of) writes for the same
    /// transactions. The array is copied as it is, not checked.
    pub fn write_json_around(account_id: &str, transactions_json: &[u8], out: &mut Vec<u8>) {
        out.reserve(64 + account_id.len() + transactions_json.len());
        write::head(account_id, out);
        out.extend_from_slice(transactions_json);
        out.push(b'}');
    }

    /// [`write_json_of`](Self::write_json_of) into text: the same bytes, appended to `out`
    /// without checking them again (a binding handing the body to a language that takes text).
    pub fn write_json_text_of(
        account_id: &str,
        transactions: &[BankTransaction],
        out: &mut String,
    ) {
        let from = out.len();
        // SAFETY: the writer appends only ASCII (punctuation, keys, digits, dates) and whole
        // `&str`s, copied as they are or escaped by serde_json into UTF-8: what it appends to
        // text is text.
        let bytes = unsafe { out.as_mut_vec() };
        Self::write_json_of(account_id, transactions, bytes);
        debug_assert!(std::str::from_utf8(&bytes[from..]).is_ok());
    }
}

/// The push body written straight into bytes, byte for byte what the derived `Serialize` gives
/// through `serde_json` (the tests hold the two together), at half the cost: no formatter calls
/// per token, and strings copied whole unless they need escaping. The client sends every push
/// body this way.
mod write {
    use std::mem::MaybeUninit;

    use super::{BankTransaction, TransactionType};
    use crate::money::json::{DecimalText, put_money};

    pub(super) fn body(account_id: &str, transactions: &[BankTransaction], out: &mut Vec<u8>) {
        head(account_id, out);
        array(transactions, out);
        out.push(b'}');
    }

    /// What comes before the transactions' array: `{"accountId":"…","transactions":`.
    pub(super) fn head(account_id: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"accountId\":");
        string(account_id, out);
        out.extend_from_slice(b",\"transactions\":");
    }

    /// The transactions as a JSON array.
    pub(super) fn array(transactions: &[BankTransaction], out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, t) in transactions.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            transaction(t, out);
        }
        out.push(b']');
    }

    /// Room enough for a transaction's text besides its strings: every key, quote and brace, the
    /// date (at most 29 bytes as ISO text, 33 for a year past 9999), two amounts (at most 31
    /// each) and the longest type the spec knows (11) come to at most 236
    /// (`the_longest_transaction_fits`).
    pub(super) const FIXED: usize = 256;

    /// The most bytes JSON takes for one byte of a string (`\u001f`).
    const ESCAPED_BYTE: usize = 6;

    /// One transaction, written into room reserved once for all of it ([`Room`]): strings copied
    /// whole unless they need escaping (the common case), date and amounts written digit by
    /// digit where they stay. Byte for byte what serde writes
    /// (`the_push_body_writer_matches_serde`, and the tests below).
    #[inline]
    fn transaction(t: &BankTransaction, out: &mut Vec<u8>) {
        let kind = match &t.transaction_type {
            Some(TransactionType::Unrecognised(s)) => s.len(),
            _ => 0,
        };
        let strings = t.id.len()
            + [&t.description, &t.counterparty, &t.reference]
                .into_iter()
                .flatten()
                .map(String::len)
                .sum::<usize>()
            + kind;
        out.reserve(FIXED.saturating_add(strings.saturating_mul(ESCAPED_BYTE)));
        let mut room = Room {
            spare: out.spare_capacity_mut(),
            at: 0,
        };
        room.text(b"{\"id\":\"", &t.id);
        room.put(b",\"date\":\"");
        room.date(&t.date);
        room.put(b"\"");
        for (key, value) in [
            (&b",\"description\":\""[..], &t.description),
            (b",\"counterparty\":\"", &t.counterparty),
            (b",\"reference\":\"", &t.reference),
        ] {
            if let Some(v) = value {
                room.text(key, v);
            }
        }
        if let Some(v) = t.reconciled {
            room.put(if v {
                b",\"reconciled\":true"
            } else {
                b",\"reconciled\":false"
            });
        }
        room.put(b",\"amount\":");
        room.decimal(&t.amount);
        if let Some(v) = &t.balance {
            room.put(b",\"balance\":");
            room.decimal(v);
        }
        if let Some(v) = &t.transaction_type {
            room.text(b",\"transactionType\":\"", v.as_str());
        }
        room.put(b"}");
        let written = room.at;
        // SAFETY: `Room::put` writes its bytes at `at` and moves `at` past them (the date and
        // amounts' writers say how many they wrote from `at`), so the first `written` bytes of
        // the spare capacity are all written.
        unsafe { out.set_len(out.len() + written) };
    }

    /// Bytes written one after another into a vector's spare capacity, without the capacity check
    /// and the call to copy that `extend_from_slice` makes for every token. Each write is still
    /// bounds-checked: a bound too small panics, it cannot write past the room.
    struct Room<'a> {
        spare: &'a mut [MaybeUninit<u8>],
        at: usize,
    }

    impl Room<'_> {
        #[inline(always)]
        fn put(&mut self, bytes: &[u8]) {
            let to = &mut self.spare[self.at..self.at + bytes.len()];
            // SAFETY: `to` is `bytes.len()` bytes long, and spare capacity borrowed mutably
            // cannot overlap `bytes`.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), to.as_mut_ptr().cast(), bytes.len())
            };
            self.at += bytes.len();
        }

        /// `key` (which ends with the string's opening quote), then the string and its closing
        /// quote: copied whole when nothing in it needs escaping, else escaped by serde_json so
        /// that the two writers cannot differ.
        #[inline(always)]
        fn text(&mut self, key: &[u8], s: &str) {
            if plain(s.as_bytes()) {
                self.put(key);
                self.put(s.as_bytes());
                self.put(b"\"");
            } else {
                self.put(&key[..key.len() - 1]);
                self.escaped(s);
            }
        }

        #[cold]
        #[inline(never)]
        fn escaped(&mut self, s: &str) {
            let mut text = Vec::with_capacity(s.len() + 2);
            // Writing a string into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut text, s);
            self.put(&text);
        }

        /// The next `N` bytes, as many as a text written in place may take: a window of known
        /// length, so that writes at fixed places in it need no check.
        #[inline(always)]
        fn window<const N: usize>(&mut self) -> &mut [MaybeUninit<u8>] {
            let window: &mut [MaybeUninit<u8>; N] = (&mut self.spare[self.at..self.at + N])
                .try_into()
                .expect("a window of N bytes");
            window
        }

        /// A date-time's ISO text, written in place; a year past 9999 as `Display` writes it,
        /// as serde does.
        #[inline(always)]
        fn date(&mut self, date: &crate::dates::LocalDateTime) {
            match date.put_iso(self.window::<40>()) {
                Some(len) => self.at += len,
                None => self.put_cold(|| date.to_string()),
            }
        }

        /// A decimal's text as [`DecimalText`] has it; money written in place.
        #[inline(always)]
        fn decimal(&mut self, value: &rust_decimal::Decimal) {
            match put_money(value, self.window::<32>()) {
                Some(len) => self.at += len,
                None => self.put_cold(|| DecimalText::new(value).as_str().to_owned()),
            }
        }

        /// Text the writers in place do not write (a year past 9999, a decimal beyond money's),
        /// kept out of the way of the usual path.
        #[cold]
        #[inline(never)]
        fn put_cold(&mut self, text: impl FnOnce() -> String) {
            self.put(text().as_bytes());
        }
    }

    /// A JSON string: copied whole when nothing in it needs escaping (the common case),
    /// otherwise escaped by serde_json so that the two writers cannot differ.
    fn string(s: &str, out: &mut Vec<u8>) {
        if plain(s.as_bytes()) {
            out.reserve(s.len() + 2);
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        } else {
            // Writing a string into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, s);
        }
    }

    /// Whether JSON takes the bytes of a string as they are: none below 0x20, no `"` and no
    /// `\`. Eight bytes at a time.
    pub(super) fn plain(bytes: &[u8]) -> bool {
        use crate::text::{ONES, zero_bytes};
        crate::text::all_bytes(
            bytes,
            // A byte below 0x20 borrows into its own high bit, which `!v` shows was clear (a
            // borrow reaching a byte above comes only from a byte that is itself below 0x20); a
            // byte equal to `"` or `\` is zero once xored with it.
            |v| {
                (v.wrapping_sub(ONES * 0x20) & !v)
                    | zero_bytes(v ^ (ONES * u64::from(b'"')))
                    | zero_bytes(v ^ (ONES * u64::from(b'\\')))
            },
            |b| b >= 0x20 && b != b'"' && b != b'\\',
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_types_survive() {
        let t: TransactionType = serde_json::from_str("\"Crypto\"").unwrap();
        assert_eq!(t, TransactionType::Unrecognised("Crypto".into()));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"Crypto\"");
        assert_eq!(TransactionType::ALL.len(), 18);
        assert_eq!(
            TransactionType::parse_lenient(" debit "),
            TransactionType::Debit
        );
        assert_eq!(
            TransactionType::parse("debit"),
            TransactionType::Unrecognised("debit".into())
        );
    }

    #[test]
    fn directions() {
        assert_eq!(TransactionType::Fee.direction(), Some(Direction::Out));
        assert_eq!(TransactionType::DirectDep.direction(), Some(Direction::In));
        assert_eq!(TransactionType::Xfer.direction(), None);
    }

    #[test]
    fn json_bytes_round_trip() {
        let text = br#"{"accountId":"a","transactions":[{"id":"t","date":"2023-08-22T10:21:00","amount":-17.54,"balance":4002.00}]}"#;
        let body = CreateBankTransactions::from_json(text).unwrap();
        assert_eq!(body.to_json(), text.to_vec());
        let err = CreateBankTransactions::from_json(b"{\"accountId\":\"\xff\"}").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn json_text_is_the_json_bytes_appended() {
        let date = crate::dates::LocalDateTime::parse("2023-08-22T10:21:00").unwrap();
        let txs = vec![
            BankTransaction::new("t\"1\u{7}", date, Decimal::new(-1754, 2))
                .with_description("Caf\u{e9} \u{1f600} \\ tab\t"),
            BankTransaction::new("t2", date, Decimal::new(400200, 2)),
        ];
        let mut bytes = Vec::new();
        CreateBankTransactions::write_json_of("acc-\u{e9}", &txs, &mut bytes);
        let mut text = String::from("before:");
        CreateBankTransactions::write_json_text_of("acc-\u{e9}", &txs, &mut text);
        assert_eq!(
            text.strip_prefix("before:").map(str::as_bytes),
            Some(&bytes[..])
        );
        assert!(text.contains(r#""id":"t\"1\u0007""#), "{text}");
        assert!(text.contains("Caf\u{e9} \u{1f600} \\\\ tab\\t"), "{text}");
    }

    /// The word-at-a-time check is the byte-at-a-time one: every byte value at every place of
    /// strings of 1 to 24 bytes, and pairs of bytes either side of each byte JSON escapes.
    #[test]
    fn plain_is_each_byte_plain() {
        let one_by_one = |b: &[u8]| b.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
        let edges = [
            0x00, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xff,
        ];
        for text in crate::text::texts_around(|len| b'a' + (len % 26) as u8, b'z', &edges) {
            assert_eq!(write::plain(&text), one_by_one(&text), "{text:?}");
        }
        assert!(write::plain("Caf\u{e9} \u{1f600} 12345678".as_bytes()));
    }

    /// Every optional field, each fixed part at its longest: what the writer writes besides the
    /// strings' own bytes fits the room it reserves, and is what serde writes.
    #[test]
    fn the_longest_transaction_fits() {
        let widest = Decimal::from_parts(u32::MAX, u32::MAX, u32::MAX, true, 28);
        let date = crate::dates::LocalDateTime::parse("9999-12-31T23:59:59.123456789").unwrap();
        let longest_type = TransactionType::ALL
            .iter()
            .max_by_key(|t| t.as_str().len())
            .unwrap()
            .clone();
        let tx = BankTransaction {
            id: "i".into(),
            date,
            description: Some("d".into()),
            counterparty: Some("c".into()),
            reference: Some("r".into()),
            reconciled: Some(false),
            amount: widest,
            balance: Some(widest),
            transaction_type: Some(longest_type),
        };
        let mut out = Vec::new();
        write::array(std::slice::from_ref(&tx), &mut out);
        let fixed = out.len() - "[]".len() - "idcr".len();
        assert_eq!(fixed, 232);
        assert!(fixed <= write::FIXED);
        assert_eq!(out, serde_json::to_vec(&[&tx]).unwrap());
    }

    /// What the usual writers in place do not write is written as serde writes it: a string that
    /// needs escaping in any field, a type the spec does not know, a year ISO text does not
    /// write; and the transactions after it as usual again.
    #[test]
    fn transactions_off_the_usual_path_are_written_as_serde_writes_them() {
        let date = crate::dates::LocalDateTime::parse("2024-02-29T10:21:00").unwrap();
        let plain =
            BankTransaction::new("t", date, Decimal::new(-1754, 2)).with_description("Caf\u{e9}");
        let mut odd = Vec::new();
        for field in 0..4 {
            let mut t = plain.clone();
            let text = Some("a\"b\\c\u{1}".to_owned());
            match field {
                0 => t.id = "a\"b".into(),
                1 => t.description = text,
                2 => t.counterparty = text,
                _ => t.reference = text,
            }
            odd.push(t);
        }
        let mut t = plain.clone();
        t.transaction_type = Some(TransactionType::parse("Crypto\"x"));
        odd.push(t);
        let mut t = plain.clone();
        t.date = chrono::NaiveDate::from_ymd_opt(12345, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap()
            .into();
        odd.push(t);
        for t in odd {
            let txs = [plain.clone(), t, plain.clone()];
            let mut out = Vec::new();
            write::array(&txs, &mut out);
            assert_eq!(out, serde_json::to_vec(&txs).unwrap(), "{txs:?}");
        }
    }

    #[test]
    fn a_body_around_its_transactions_text_is_the_body() {
        let date = crate::dates::LocalDateTime::parse("2023-08-22T10:21:00").unwrap();
        let txs = [
            BankTransaction::new("t\"1", date, Decimal::new(-1754, 2)).with_description("\u{e9}"),
            BankTransaction::new("t2", date, Decimal::new(400200, 2)),
        ];
        for (account, txs) in [("acc-\u{e9}\"", &txs[..]), ("a", &txs[..1]), ("", &[][..])] {
            let mut whole = Vec::new();
            CreateBankTransactions::write_json_of(account, txs, &mut whole);
            let mut array = Vec::new();
            CreateBankTransactions::write_transactions_json(txs, &mut array);
            let mut around = b"kept".to_vec();
            CreateBankTransactions::write_json_around(account, &array, &mut around);
            assert_eq!(around.strip_prefix(b"kept"), Some(&whole[..]));
            let parsed: Vec<BankTransaction> = serde_json::from_slice(&array).unwrap();
            assert_eq!(parsed, txs);
        }
    }

    #[test]
    fn extra_fields_and_nulls_are_accepted() {
        let tx: BankTransaction = serde_json::from_str(
            r#"{"id":"a","date":"2023-08-22","amount":1,"balance":null,"description":null,"newField":{"x":[1]}}"#,
        )
        .unwrap();
        assert_eq!(tx.balance, None);
        assert_eq!(
            serde_json::to_string(&tx).unwrap(),
            r#"{"id":"a","date":"2023-08-22","amount":1}"#
        );
    }
}
