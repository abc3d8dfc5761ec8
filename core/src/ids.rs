//! Finding repeated transaction ids fast.
//!
//! A hash table of a million ids costs a cache miss per lookup, which dominated validation. Ids
//! that arrive strictly increasing (sequence numbers, time-ordered ids) cannot repeat, so
//! [`IdIndex`] only compares each id with the one before until that stops being true. From then
//! on each id's 64-bit hash is kept; at the end the hashes are bucketed by their top bits (one
//! counting pass whose writes the CPU can overlap), each small bucket is sorted, and only equal
//! hashes are compared as strings. Ids are fed in the caller's own pass over the rows, so the
//! rows are walked once.

use std::hash::{BuildHasher, Hasher};

/// An id's 64-bit hash, as [`IdIndex`] keeps it.
pub(crate) fn hash(s: &str) -> u64 {
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(s.as_bytes());
    // Fx leaves short keys poorly mixed; a final avalanche spreads every bit.
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

/// Collects ids one at a time, then tells which repeat an earlier one.
pub(crate) struct IdIndex {
    count: usize,
    /// Hashes of every id, once the ids stopped increasing (empty while they increase).
    hashes: Vec<u64>,
}

impl IdIndex {
    pub(crate) fn new() -> Self {
        IdIndex {
            count: 0,
            hashes: Vec::new(),
        }
    }

    /// The index of `count` ids whose hashes (in order) are `hashes`, or, when the ids kept
    /// increasing, no hashes: what pushing them one by one gives (a caller that hashed them in
    /// pieces at once).
    pub(crate) fn of_hashes(count: usize, hashes: Vec<u64>) -> Self {
        debug_assert!(hashes.is_empty() || hashes.len() == count);
        IdIndex { count, hashes }
    }

    /// Adds the next id, given the one before it. `earlier` gives back the id at an earlier
    /// position; it is called once for every earlier position when the ids first stop
    /// increasing.
    pub(crate) fn push<'e>(
        &mut self,
        id: &str,
        previous: Option<&str>,
        earlier: impl Fn(usize) -> &'e str,
    ) {
        if self.hashes.is_empty() {
            if previous.is_none_or(|p| p < id) {
                self.count += 1;
                return;
            }
            self.hashes.reserve(self.count * 2 + 16);
            crate::memory::prefer_huge_pages(&mut self.hashes);
            self.hashes
                .extend((0..self.count).map(|i| hash(earlier(i))));
        }
        self.hashes.push(hash(id));
        self.count += 1;
    }

    /// For every id equal to an earlier one, `(position, position of its first occurrence)`, in
    /// position order.
    pub(crate) fn repeats<'a>(
        self,
        id_at: impl Fn(usize) -> &'a str + Sync,
    ) -> Vec<(usize, usize)> {
        let n = self.hashes.len();
        if n < 2 {
            return Vec::new();
        }
        // About sixteen hashes a bucket keeps the bucket table small enough to stay in cache.
        let bits = (usize::BITS - n.leading_zeros())
            .saturating_sub(4)
            .clamp(4, 16);
        let shift = 64 - bits;
        let buckets = 1usize << bits;
        let mut starts = vec![0u32; buckets + 1];
        for h in &self.hashes {
            starts[(h >> shift) as usize + 1] += 1;
        }
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        let mut fill = starts.clone();
        let mut order = vec![(0u64, 0u32); n];
        crate::memory::prefer_huge_pages_for(&mut order);
        for (i, &h) in self.hashes.iter().enumerate() {
            let b = (h >> shift) as usize;
            order[fill[b] as usize] = (h, i as u32);
            fill[b] += 1;
        }
        // The buckets are sorted and searched in two halves at once for a large index (the
        // halves share nothing: a bucket holds every hash with its top bits).
        let half = buckets / 2;
        let (low, high) = order.split_at_mut(starts[half] as usize);
        let in_two = n >= PARALLEL_HASHES;
        let mut out = if in_two {
            let (mut out, upper) = crate::threads::join(
                "bankfeeds-ids",
                || equal_in_buckets(low, &starts[..=half], &id_at),
                || equal_in_buckets(high, &starts[half..], &id_at),
            );
            out.extend(upper);
            out
        } else {
            let mut out = equal_in_buckets(low, &starts[..=half], &id_at);
            out.extend(equal_in_buckets(high, &starts[half..], &id_at));
            out
        };
        out.sort_unstable();
        out
    }
}

/// Hashes from which [`IdIndex::repeats`] searches its buckets on two threads.
const PARALLEL_HASHES: usize = 256 * 1024;

/// The repeats in consecutive buckets of `(hash, position)`: `order` holds them, and bucket `b`
/// is `order[starts[b] - starts[0]..starts[b + 1] - starts[0]]`.
fn equal_in_buckets<'a>(
    order: &mut [(u64, u32)],
    starts: &[u32],
    id_at: &impl Fn(usize) -> &'a str,
) -> Vec<(usize, usize)> {
    let base = starts[0] as usize;
    let mut out = Vec::new();
    for bounds in starts.windows(2) {
        let bucket = &mut order[bounds[0] as usize - base..bounds[1] as usize - base];
        if bucket.len() < 2 {
            continue;
        }
        bucket.sort_unstable();
        let mut g = 0;
        while g < bucket.len() {
            let mut end = g + 1;
            while end < bucket.len() && bucket[end].0 == bucket[g].0 {
                end += 1;
            }
            // Equal hashes, in position order: compare the strings, since different ids can
            // share a hash.
            let group = &bucket[g..end];
            for (k, &(_, i)) in group.iter().enumerate().skip(1) {
                let id = id_at(i as usize);
                if let Some(&(_, first)) = group[..k].iter().find(|(_, j)| id_at(*j as usize) == id)
                {
                    out.push((i as usize, first as usize));
                }
            }
            g = end;
        }
    }
    out
}

/// Every id met once, for telling which repeat an earlier one as rows stream by: the bytes of
/// each distinct id in one arena, and a table from each id's 64-bit hash to its entry (the row
/// it was first met on). Ids are compared exactly where hashes agree: two ids sharing a hash are
/// told apart, the later one kept under the next free hash.
#[derive(Debug, Default)]
pub(crate) struct FirstSeen {
    arena: String,
    /// For each distinct id, where its bytes end in `arena` (they start where the one before
    /// ends) and the row it was first met on.
    entries: Vec<(usize, usize)>,
    by_hash: rustc_hash::FxHashMap<u64, usize>,
}

impl FirstSeen {
    /// Notes the id of row `row`; gives the row it was first met on when an earlier row had it.
    pub(crate) fn first(&mut self, id: &str, row: usize) -> Option<usize> {
        let mut key = hash(id);
        loop {
            match self.by_hash.entry(key) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(self.entries.len());
                    self.arena.push_str(id);
                    self.entries.push((self.arena.len(), row));
                    return None;
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    let e = *o.get();
                    let start = e.checked_sub(1).map_or(0, |p| self.entries[p].0);
                    let (end, first) = self.entries[e];
                    if self.arena.get(start..end) == Some(id) {
                        return Some(first);
                    }
                    key = key.wrapping_add(1);
                }
            }
        }
    }
}

/// What is wrong with an id's text, when something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdText {
    /// A control character (C0, DEL or C1: NUL, a tab, an escape...), the `at`-th character
    /// (from 0).
    Control { at: usize, ch: char },
    /// Whitespace at the start or the end.
    Untrimmed,
}

/// The rule for ids, in one place: no control character anywhere (an id is sent to the
/// accounting software as it is, and NUL or an escape sequence has no business in it), and no
/// whitespace at either end (ids are compared exactly, so ` t1 ` and `t1` would be two
/// transactions; normalisation trims them). Blank ids are another rule's (`empty_id`).
pub(crate) fn id_text(id: &str) -> Option<IdText> {
    let bytes = id.as_bytes();
    // Printable ASCII, the usual case, needs only its ends looked at.
    if printable_ascii(bytes) {
        return match (bytes.first(), bytes.last()) {
            (Some(b' '), _) | (_, Some(b' ')) => Some(IdText::Untrimmed),
            _ => None,
        };
    }
    if let Some((at, ch)) = id.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Some(IdText::Control { at, ch });
    }
    (id.trim().len() != id.len()).then_some(IdText::Untrimmed)
}

/// Whether every byte is printable ASCII (0x20 to 0x7e), eight bytes at a time.
fn printable_ascii(bytes: &[u8]) -> bool {
    use crate::text::ONES;
    crate::text::all_bytes(
        bytes,
        // A byte below 0x20 borrows into its own high bit, which `!v` shows was clear (a borrow
        // reaching a byte above comes from a byte that is itself below 0x20); a byte of 0x7f
        // carries into its high bit, and a byte from 0x80 has it (a carry into the byte above
        // comes only from 0xff).
        |v| (v.wrapping_sub(ONES * 0x20) & !v) | v.wrapping_add(ONES) | v,
        |b| (0x20..0x7f).contains(&b),
    )
}

/// The repeats among a list of ids; see [`IdIndex::repeats`].
#[cfg(test)]
fn repeats(ids: &[&str]) -> Vec<(usize, usize)> {
    let mut index = IdIndex::new();
    for (i, id) in ids.iter().enumerate() {
        index.push(id, i.checked_sub(1).map(|p| ids[p]), |j| ids[j]);
    }
    index.repeats(|i| ids[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time check is the byte-at-a-time one: every byte value at every place of
    /// strings of 1 to 24 bytes, among printable bytes, and pairs of bytes either side of the
    /// printable range.
    #[test]
    fn printable_ascii_is_each_byte_printable() {
        let one_by_one = |b: &[u8]| b.iter().all(|b| (0x20..0x7f).contains(b));
        let edges = [0x00, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xff];
        for text in crate::text::texts_around(|len| b'a' + (len % 26) as u8, b'~', &edges) {
            assert_eq!(printable_ascii(&text), one_by_one(&text), "{text:?}");
        }
        assert!(printable_ascii(b""));
    }

    #[test]
    fn id_text_finds_control_characters_and_untrimmed_ends() {
        for ok in ["t1", "a b", "é-1", "", "x\u{202e}y"] {
            assert_eq!(id_text(ok), None, "{ok:?}");
        }
        for untrimmed in [" t1", "t1 ", "\u{a0}t1", "t1\u{3000}"] {
            assert_eq!(id_text(untrimmed), Some(IdText::Untrimmed), "{untrimmed:?}");
        }
        assert_eq!(
            id_text("t\u{0}1"),
            Some(IdText::Control { at: 1, ch: '\u{0}' })
        );
        assert_eq!(
            id_text("é\u{1b}[31m"),
            Some(IdText::Control {
                at: 1,
                ch: '\u{1b}'
            })
        );
        assert_eq!(id_text("\tt1"), Some(IdText::Control { at: 0, ch: '\t' }));
        assert_eq!(
            id_text("a\u{7f}"),
            Some(IdText::Control {
                at: 1,
                ch: '\u{7f}'
            })
        );
        assert_eq!(
            id_text("a\u{85}"),
            Some(IdText::Control {
                at: 1,
                ch: '\u{85}'
            })
        );
    }

    #[test]
    fn first_seen_tells_apart_ids_sharing_a_hash() {
        let mut seen = FirstSeen::default();
        assert_eq!(seen.first("a", 0), None);
        // "b"'s hash leads to "a"'s entry, as if the two ids shared a hash.
        let a = seen.by_hash[&hash("a")];
        seen.by_hash.insert(hash("b"), a);
        assert_eq!(seen.first("b", 1), None);
        assert_eq!(seen.first("", 2), None);
        assert_eq!(seen.first("b", 3), Some(1));
        assert_eq!(seen.first("a", 4), Some(0));
        assert_eq!(seen.first("", 5), Some(2));
        assert_eq!(seen.arena, "ab");
    }

    fn naive(ids: &[&str]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            if let Some(j) = ids[..i].iter().position(|x| x == id) {
                out.push((i, j));
            }
        }
        out
    }

    #[test]
    fn agrees_with_the_obvious_algorithm() {
        let cases: Vec<Vec<&str>> = vec![
            vec![],
            vec!["a"],
            vec!["a", "b", "c"],
            vec!["c", "b", "a"],
            vec!["a", "a"],
            vec!["a", "b", "c", "a"],
            vec!["b", "a", "b", "a", "b"],
            vec!["", "", "x"],
        ];
        for ids in cases {
            assert_eq!(repeats(&ids), naive(&ids), "{ids:?}");
        }
        let many: Vec<String> = (0..5000)
            .map(|i| format!("id-{}", (i * 7919) % 3000))
            .collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(repeats(&refs), naive(&refs));
        let sorted: Vec<String> = (0..5000).map(|i| format!("id-{i:05}")).collect();
        let refs: Vec<&str> = sorted.iter().map(String::as_str).collect();
        assert!(repeats(&refs).is_empty());
    }

    #[test]
    fn a_large_index_searched_in_two_halves_finds_every_repeat() {
        // Enough hashes for the buckets to be searched on two threads, with repeats in both
        // halves of the buckets, repeated more than once, and next to each other.
        let n = PARALLEL_HASHES + 12_345;
        let ids: Vec<String> = (0..n)
            .map(|i| match i % 1000 {
                7 => format!("again-{}", i % 5),
                8 => format!(
                    "id-{}",
                    ((i - 2) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ),
                _ => format!("id-{}", (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            })
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut first: std::collections::HashMap<&str, usize> = Default::default();
        let mut expected = Vec::new();
        for (i, id) in refs.iter().enumerate() {
            match first.get(id) {
                Some(&j) => expected.push((i, j)),
                None => {
                    first.insert(id, i);
                }
            }
        }
        assert!(expected.len() > 2 * (n / 1000) - 10, "{}", expected.len());
        assert_eq!(repeats(&refs), expected);
    }
}
