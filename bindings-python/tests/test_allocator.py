"""The extension's own allocator (mimalloc) as the module sets it (bindings-python/src/alloc.rs)."""

from bankfeeds import _bankfeeds


def test_pages_left_by_ended_threads_are_reclaimed_on_a_free() -> None:
    options = dict(_bankfeeds._allocator_options())
    # The neighbours' documented defaults: the number set is mimalloc's page_reclaim_on_free.
    assert (options["generic_collect"], options["page_full_retain"], options["page_max_candidates"]) == (10000, 2, 4)
    # Set by the module as it loads (mimalloc's default is 0: only into the page's own heap).
    assert options["page_reclaim_on_free"] == 1
