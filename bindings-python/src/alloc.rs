//! How the extension's allocator (mimalloc, statically linked: its settings are the extension's
//! alone, not the interpreter's nor pyarrow's) is set.
//!
//! A large call's rows are typed on threads of their own ([`bankfeeds::ingest::RowIngester`]
//! types a batch in pieces), which end with the call: the pages holding a million transactions'
//! strings are left without an owner. They are freed later, when the result is let go, on
//! another thread. By default each such free is a free from another thread, one at a time.
//! Set to reclaim those pages on a free, the freeing thread takes each page over at its first
//! free, and the rest of its frees are its own. Letting go of a million transactions from Arrow
//! then takes 10.0M instructions instead of 23.8M (callgrind, 100,000 rows), and the push
//! bodies written while it happens (the next call's, in a pipeline) 0.037-0.042 s instead of
//! 0.047-0.067 s (`bindings-python/bench/README.md`).

use std::ffi::{c_int, c_long};

unsafe extern "C" {
    fn mi_option_get(option: c_int) -> c_long;
    fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_page_reclaim_on_free` in the `mi_option_e` of mimalloc v3's `include/mimalloc.h`
/// (the version libmimalloc-sys 0.1.49 builds). mimalloc keeps its options' numbers across
/// versions (a retired option keeps its place as `deprecated_...`); `_allocator_options` shows
/// its neighbours' defaults to the tests, which hold the number to them.
const PAGE_RECLAIM_ON_FREE: c_int = 35;

/// Sets the allocator for the extension's work; called once, as the module is loaded.
pub fn configure() {
    // SAFETY: mimalloc's option setter takes any option number and value at any time.
    unsafe { mi_option_set(PAGE_RECLAIM_ON_FREE, 1) };
}

/// The option and its neighbours as the allocator holds them, by name, for the tests
/// (`tests/test_allocator.py`): the neighbours' documented defaults (`generic_collect` 10000,
/// `page_full_retain` 2, `page_max_candidates` 4) show that the number set is the option meant.
#[pyo3::pyfunction]
pub fn _allocator_options() -> Vec<(&'static str, c_long)> {
    let names = [
        (PAGE_RECLAIM_ON_FREE - 1, "generic_collect"),
        (PAGE_RECLAIM_ON_FREE, "page_reclaim_on_free"),
        (PAGE_RECLAIM_ON_FREE + 1, "page_full_retain"),
        (PAGE_RECLAIM_ON_FREE + 2, "page_max_candidates"),
    ];
    names
        .into_iter()
        // SAFETY: reading an option is always allowed.
        .map(|(option, name)| (name, unsafe { mi_option_get(option) }))
        .collect()
}
