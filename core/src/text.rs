//! Small text helpers shared by the readers and normalisation.

/// `str::trim`, skipped when the text plainly has nothing to trim: both ends are visible ASCII
/// (the usual case; `trim` walks Unicode whitespace from both ends).
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}
