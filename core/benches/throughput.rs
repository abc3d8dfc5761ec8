//! Throughput of the core on 1,000,000 synthetic transactions, on one thread:
//! - `in_memory/normalise+validate+chain`: typed transactions through normalisation (trim,
//!   de-duplicate, infer types, sort check) and validation (every generic and Xero rule, the
//!   balance chain). Target: 5 million transactions a second.
//! - `json/decode+validate+encode`: a push-body JSON text parsed into typed transactions with
//!   exact decimals, validated, and written back. Target: 1 million transactions a second.
//!
//! Run with `cargo bench -p bankfeeds --bench throughput`; criterion prints the time per
//! iteration and the throughput in elements (transactions) per second. The same benchmarks with
//! mimalloc as the process's allocator (what a JSON service would likely run with: a million
//! transactions are several million small allocations): `--bench throughput_mimalloc`.

mod common;

criterion::criterion_group!(benches, common::in_memory, common::json);
criterion::criterion_main!(benches);
