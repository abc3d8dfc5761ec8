//! A short run of every fuzz target, as part of `cargo test`: every committed seed, then a few
//! thousand mutations from a fixed seed, so a run is the same every time
//! (`BANKFEEDS_FUZZ_ITERATIONS` and `BANKFEEDS_FUZZ_SEED` change that). Longer runs:
//! `cargo run -p bankfeeds-fuzz --release -- all 60`.

use bankfeeds_fuzz::{Budget, TARGETS, corpus, fuzz};

fn budget() -> Budget {
    Budget {
        iterations: std::env::var("BANKFEEDS_FUZZ_ITERATIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3000),
        time: None,
    }
}

fn seed() -> u64 {
    std::env::var("BANKFEEDS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_240_601)
}

fn run(name: &str) {
    let target = bankfeeds_fuzz::target(name).unwrap();
    assert!(
        !corpus(name).is_empty(),
        "fuzz/corpus/{name}/ has no seeds: commit some"
    );
    match fuzz(target, budget(), seed()) {
        Ok(stats) => assert!(
            stats.behaviours > 1,
            "{name}: every input behaved the same ({stats:?}): the target checks nothing"
        ),
        Err(crash) => panic!("{crash}"),
    }
}

#[test]
fn every_target_has_a_test_here() {
    let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "csv",
            "csv_chunks",
            "json_chunks",
            "json_file",
            "json_stream",
            "push_body",
            "dates",
            "decimals",
            "wasm_rows",
            "webhook"
        ]
    );
}

#[test]
fn csv() {
    run("csv");
}

#[test]
fn csv_chunks() {
    run("csv_chunks");
}

#[test]
fn json_chunks() {
    run("json_chunks");
}

#[test]
fn json_file() {
    run("json_file");
}

#[test]
fn json_stream() {
    run("json_stream");
}

#[test]
fn push_body() {
    run("push_body");
}

#[test]
fn dates() {
    run("dates");
}

#[test]
fn decimals() {
    run("decimals");
}

#[test]
fn wasm_rows() {
    run("wasm_rows");
}

#[test]
fn webhook() {
    run("webhook");
}
