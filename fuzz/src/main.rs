//! `cargo run -p bankfeeds-fuzz --release -- <target|all> [seconds] [seed]`: fuzzes one target
//! (or each in turn) for a while, starting from its committed corpus. Exit code 1 on a crash,
//! with the input printed and saved; 2 on a usage error.

use std::process::ExitCode;
use std::time::Duration;

use bankfeeds_fuzz::{Budget, TARGETS, fuzz, target};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    let Some(which) = args.first() else {
        eprintln!(
            "usage: bankfeeds-fuzz <target|all> [seconds] [seed]\ntargets: {}",
            names.join(", ")
        );
        return ExitCode::from(2);
    };
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let chosen: Vec<_> = if which == "all" {
        TARGETS.iter().collect()
    } else if let Some(t) = target(which) {
        vec![t]
    } else {
        eprintln!("unknown target `{which}`; targets: {}", names.join(", "));
        return ExitCode::from(2);
    };
    let budget = Budget {
        iterations: u64::MAX,
        time: Some(Duration::from_secs(seconds)),
    };
    for t in chosen {
        match fuzz(t, budget, seed) {
            Ok(stats) => println!(
                "{}: {} inputs, {} behaviours, {} kept",
                t.name, stats.runs, stats.behaviours, stats.pool
            ),
            Err(crash) => {
                eprintln!("{crash}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}
