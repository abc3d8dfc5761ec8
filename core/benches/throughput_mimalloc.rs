//! The `throughput` benchmarks with mimalloc as the global allocator; see `throughput.rs`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

fn in_memory(c: &mut criterion::Criterion) {
    common::in_memory(c, "mimalloc")
}

fn json(c: &mut criterion::Criterion) {
    common::json(c, "mimalloc")
}

criterion::criterion_group!(benches, in_memory, json);
criterion::criterion_main!(benches);
