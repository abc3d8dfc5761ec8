//! Text helpers shared by the readers, normalisation and validation, and the one rule for how
//! much input text a message may quote ([`excerpt`]).

use std::borrow::Cow;

/// `str::trim`, skipped when the text plainly has nothing to trim: both ends are visible ASCII
/// (the usual case; `trim` walks Unicode whitespace from both ends).
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Bytes that text is written into in place, one or two at a time: a buffer of its own, or a
/// vector's spare capacity (each byte written before the vector takes it in). Text built
/// straight where it stays, not on the stack and then copied: a copy right after byte-wide
/// stores waits for every one of them.
pub(crate) trait Place {
    fn put(&mut self, at: usize, byte: u8);
    fn put2(&mut self, at: usize, two: [u8; 2]);
}

impl Place for [u8] {
    #[inline(always)]
    fn put(&mut self, at: usize, byte: u8) {
        self[at] = byte;
    }

    #[inline(always)]
    fn put2(&mut self, at: usize, two: [u8; 2]) {
        self[at..at + 2].copy_from_slice(&two);
    }
}

impl Place for [std::mem::MaybeUninit<u8>] {
    #[inline(always)]
    fn put(&mut self, at: usize, byte: u8) {
        self[at].write(byte);
    }

    #[inline(always)]
    fn put2(&mut self, at: usize, two: [u8; 2]) {
        let to = &mut self[at..at + 2];
        to[0].write(two[0]);
        to[1].write(two[1]);
    }
}

/// The most characters of input text any message, finding or change quotes back. A 200 MB
/// header line or cell is not copied into a report: it is quoted by its first
/// `MAX_ECHO_CHARS` characters, an ellipsis, and its full length.
pub const MAX_ECHO_CHARS: usize = 200;

/// The most characters a finding's message has, whatever it quotes: a backstop behind
/// [`excerpt`], which every quotation of input goes through.
pub(crate) const MAX_MESSAGE_CHARS: usize = 1000;

/// Input text as a message may quote it: whole when it has at most [`MAX_ECHO_CHARS`]
/// characters, else its first [`MAX_ECHO_CHARS`] characters, `…` and how long it was, e.g.
/// `abc… (209715200 characters)`. Only the part kept is copied.
pub fn excerpt(text: &str) -> Cow<'_, str> {
    cut(text, MAX_ECHO_CHARS)
}

/// [`excerpt`] with another bound.
pub(crate) fn cut(text: &str, max_chars: usize) -> Cow<'_, str> {
    // Fewer bytes than the bound means fewer characters too: nothing to count.
    if text.len() <= max_chars {
        return Cow::Borrowed(text);
    }
    let Some((end, _)) = text.char_indices().nth(max_chars) else {
        return Cow::Borrowed(text);
    };
    let total = max_chars + text[end..].chars().count();
    Cow::Owned(format!("{}… ({total} characters)", &text[..end]))
}

/// The longest text [`excerpt`] gives: the excerpt, the ellipsis and the length.
pub(crate) const MAX_QUOTE_CHARS: usize = MAX_ECHO_CHARS + 40;

/// A value a finding or change holds (an id, what was found): quoted by [`excerpt`] unless it is
/// short enough already, so that a value quoted once is not quoted again.
pub(crate) fn quote(value: String) -> String {
    if fits_a_quote(&value) {
        return value;
    }
    excerpt(&value).into_owned()
}

/// [`quote`] for borrowed text: only what is kept is copied.
pub(crate) fn quote_str(value: &str) -> String {
    if fits_a_quote(value) {
        return value.to_owned();
    }
    excerpt(value).into_owned()
}

fn fits_a_quote(value: &str) -> bool {
    value.len() <= MAX_QUOTE_CHARS || value.char_indices().nth(MAX_QUOTE_CHARS).is_none()
}

/// An owned message, cut to [`MAX_MESSAGE_CHARS`] (without a copy when it is short).
pub(crate) fn bounded(message: String) -> String {
    match cut(&message, MAX_MESSAGE_CHARS) {
        Cow::Borrowed(_) => message,
        Cow::Owned(cut) => cut,
    }
}

/// A byte of one in each of a word's eight bytes, for the checks and searches eight bytes at a
/// time ([`all_bytes`], [`find_any`]).
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each of a word's eight bytes.
const HIGH: u64 = ONES * 0x80;

/// A word whose high bit is set in each byte of `v` that is zero, and maybe in bytes above one
/// (a borrow reaching a byte above comes only from a zero byte): exact in which bytes are zero
/// up to and including the first, and in whether any is.
#[inline(always)]
pub(crate) fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v
}

/// Whether every byte of `bytes` passes, eight bytes at a time: `fails` gives, for eight bytes
/// read as a little-endian word, a word with the high bit of some byte set exactly when one of
/// the eight fails (bits elsewhere are ignored); `passes` checks the bytes left over, one by one.
#[inline(always)]
pub(crate) fn all_bytes(
    bytes: &[u8],
    fails: impl Fn(u64) -> u64,
    passes: impl Fn(u8) -> bool,
) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    let mut bad = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        bad |= fails(u64::from_le_bytes(word));
    }
    if chunks.remainder().is_empty() {
        return bad & HIGH == 0;
    }
    match bytes.last_chunk::<8>() {
        // The last eight bytes, some of them checked already: one more word instead of a byte
        // at a time.
        Some(last) => (bad | fails(u64::from_le_bytes(*last))) & HIGH == 0,
        None => bad & HIGH == 0 && chunks.remainder().iter().all(|&b| passes(b)),
    }
}

/// Where the first of `needles` is in `bytes` from `at` on (the length of `bytes` when none is),
/// eight bytes at a time.
#[inline(always)]
pub(crate) fn find_any<const N: usize>(bytes: &[u8], mut at: usize, needles: [u8; N]) -> usize {
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        // A byte equal to a needle is zero once xored with it: the lowest high bit set is the
        // first needle.
        let found = needles
            .iter()
            .fold(0, |found, &n| found | zero_bytes(v ^ (ONES * u64::from(n))))
            & HIGH;
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < bytes.len() && !needles.contains(&bytes[at]) {
        at += 1;
    }
    at
}

/// Texts to hold a word-at-a-time check or search to its byte-at-a-time twin: every byte value
/// at every place of texts of 1 to 24 bytes (the rest `fill(length)`), then every ordered pair
/// of `edges` side by side at every place of 16 bytes of `edge_fill`.
#[cfg(test)]
pub(crate) fn texts_around(
    fill: impl Fn(usize) -> u8,
    edge_fill: u8,
    edges: &[u8],
) -> Vec<Vec<u8>> {
    let mut texts = Vec::new();
    for len in 1..=24 {
        for place in 0..len {
            for byte in 0..=255u8 {
                let mut text = vec![fill(len); len];
                text[place] = byte;
                texts.push(text);
            }
        }
    }
    for &a in edges {
        for &b in edges {
            for place in 0..15 {
                let mut text = vec![edge_fill; 16];
                text[place] = a;
                text[place + 1] = b;
                texts.push(text);
            }
        }
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time search finds what the byte-at-a-time one finds, for the needles the
    /// CSV and JSON readers look for: every byte value at every place of texts of 1 to 24
    /// bytes, searched from every place, and each needle beside the others and beside bytes
    /// that differ from one by a bit, and non-ASCII bytes.
    #[test]
    fn find_any_finds_the_first_needle() {
        fn check<const N: usize>(needles: [u8; N]) {
            let one_by_one = |text: &[u8], at: usize| {
                (at..text.len())
                    .find(|&i| needles.contains(&text[i]))
                    .unwrap_or(text.len())
            };
            let mut edges: Vec<u8> = needles.to_vec();
            for n in needles {
                edges.extend([n ^ 1, n ^ 0x80, n.wrapping_add(1), n.wrapping_sub(1)]);
            }
            edges.extend([0, 0x7f, 0x80, 0xff]);
            for text in texts_around(|_| b'a', b'x', &edges) {
                for at in 0..=text.len() {
                    assert_eq!(
                        find_any(&text, at, needles),
                        one_by_one(&text, at),
                        "{text:?} from {at}"
                    );
                }
            }
        }
        check([b',', b'\n', b'\r', b'"']);
        check([b'"', b'\\']);
        check([b'"', b'{', b'}', b'[', b']']);
    }

    #[test]
    fn short_text_is_quoted_whole_and_long_text_by_its_start_and_length() {
        assert!(matches!(excerpt("t1"), Cow::Borrowed("t1")));
        let exact = "é".repeat(MAX_ECHO_CHARS);
        assert!(matches!(excerpt(&exact), Cow::Borrowed(_)));
        let long = format!("{}{}", "é".repeat(MAX_ECHO_CHARS), "x".repeat(1000));
        let quoted = excerpt(&long);
        assert_eq!(
            quoted,
            format!("{}… (1200 characters)", "é".repeat(MAX_ECHO_CHARS))
        );
        assert_eq!(bounded("short".into()), "short");
        // Quoting a quotation changes nothing.
        let once = excerpt(&"2".repeat(100_000)).into_owned();
        assert_eq!(quote(once.clone()), once);
        assert_eq!(
            quote("x".repeat(5000)),
            format!("{}… (5000 characters)", "x".repeat(200))
        );
        assert!(bounded("m".repeat(5000)).ends_with("… (5000 characters)"));
    }
}
