//! The `throughput` benchmarks with mimalloc as the global allocator; see `throughput.rs`.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

fn throughput(c: &mut criterion::Criterion) {
    common::all(c, "mimalloc")
}

criterion::criterion_group!(benches, throughput);
criterion::criterion_main!(benches);
