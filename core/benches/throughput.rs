//! Throughput of the core on 1,000,000 synthetic transactions, on one thread:
//! - `in_memory/system/normalise+validate+chain`: typed transactions through normalisation (trim,
//!   de-duplicate, infer types, sort check) and validation (every generic and Xero rule, the
//!   balance chain). Target: 5 million transactions a second.
//! - `json/system/decode+validate+encode`: a push-body JSON text parsed into typed transactions
//!   with exact decimals, validated, and written back. Target: 1 million transactions a second.
//!   `.../1000 bodies of 1000` does the same to the million as pushes carry them.
//! - `codec/system/encode/...`: one push body of 1,000 written by `serde_json::to_vec` and by
//!   `CreateBankTransactions::to_json`, which the client sends.
//!
//! Run with `cargo bench -p bankfeeds --bench throughput`; criterion prints the time per
//! iteration and the throughput in elements (transactions) per second. The same benchmarks with
//! mimalloc as the process's allocator (what a JSON service would likely run with: a million
//! transactions are several million small allocations): `--bench throughput_mimalloc`.
//!
//! `scripts/bench-medians.py` prints the median of every benchmark criterion has run, with its
//! throughput.

mod common;

fn throughput(c: &mut criterion::Criterion) {
    common::all(c, "system")
}

criterion::criterion_group!(benches, throughput);
criterion::criterion_main!(benches);
