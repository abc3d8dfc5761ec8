//! The `throughput` benchmarks with mimalloc as the global allocator; see `throughput.rs`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

criterion::criterion_group!(benches, common::in_memory, common::json);
criterion::criterion_main!(benches);
