//! Fuzzing bankfeeds' readers on stable Rust.
//!
//! Each target ([`TARGETS`]) is a plain `fn(&[u8]) -> u64`, the shape of a libFuzzer target (a
//! `cargo fuzz` wrapper is one line each), that panics when an invariant breaks and otherwise
//! returns a signature of what the input did (which findings, which path). The runner here
//! needs no nightly compiler and no instrumentation: it starts from the seed corpus committed in
//! `fuzz/corpus/<target>/`, mutates inputs (bit flips, bytes and tokens inserted, ranges deleted,
//! duplicated or spliced from other inputs), and keeps every input whose signature is new as a
//! parent for further mutation: coverage-free, but steered towards inputs that behave
//! differently. A panic is a crash: the input is written to a file and reported.
//!
//! - `cargo test -p bankfeeds-fuzz` runs every target for a few thousand inputs (in CI, within
//!   the test stage). `BANKFEEDS_FUZZ_ITERATIONS` sets how many.
//! - `cargo run -p bankfeeds-fuzz --release -- <target|all> [seconds] [seed]` runs longer.
//!
//! A crash found becomes a fixed bug with a regression test, and its input joins the corpus.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod targets;

pub use targets::TARGETS;

/// A fuzz target: a name (its corpus is `fuzz/corpus/<name>/`), the function, and tokens worth
/// inserting into its inputs.
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// Runs one input; panics when an invariant breaks; returns a signature of the behaviour.
    pub run: fn(&[u8]) -> u64,
    /// Tokens the mutator inserts (column names, JSON punctuation, date pieces...).
    pub dictionary: &'static [&'static [u8]],
}

/// The target with this name.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// A small, fast, seeded random number generator (SplitMix64): runs are reproducible.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.bits() % n as u64) as usize
        }
    }
}

/// Inputs are kept below this size, so that a run stays fast.
pub const MAX_INPUT: usize = 64 * 1024;

/// Bytes that often matter to parsers: separators, quotes, escapes, line ends, digits, signs,
/// and bytes that are not UTF-8 or are control characters.
const INTERESTING: &[u8] =
    b",;\"'\\\n\r\t {}[]:.-+eE0129TZz\x00\x1b\x7f\xc3\xa9\xff\xfe\xef\xbb\xbf";

/// Changes `data` a little: one to four edits, each one of several kinds.
pub fn mutate(data: &mut Vec<u8>, rng: &mut Rng, dictionary: &[&[u8]], pool: &[Vec<u8>]) {
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let len = data.len();
        match rng.below(10) {
            0 if len > 0 => {
                let at = rng.below(len);
                data[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                data[at] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let at = rng.below(len + 1);
                let byte = if rng.below(2) == 0 {
                    INTERESTING[rng.below(INTERESTING.len())]
                } else {
                    rng.bits() as u8
                };
                data.insert(at, byte);
            }
            3 | 4 if !dictionary.is_empty() => {
                let token = dictionary[rng.below(dictionary.len())];
                let at = rng.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
            5 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(16)).min(len);
                data.drain(start..end);
            }
            6 if len > 0 => {
                // Repeat a range: rows, cells, digits.
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let piece: Vec<u8> = data[start..end].to_vec();
                let at = rng.below(len + 1);
                data.splice(at..at, piece);
            }
            7 if !pool.is_empty() => {
                // Splice: the start of this input, the end of another.
                let other = &pool[rng.below(pool.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            8 if len > 0 => {
                data.truncate(rng.below(len));
            }
            _ => {
                // A number at its edges.
                let edges: [&[u8]; 8] = [
                    b"0",
                    b"-1",
                    b"18446744073709551615",
                    b"9223372036854775808",
                    b"79228162514264337593543950335",
                    b"1e-100000",
                    b"0.0000000000000000000000000001",
                    b"99999999999999999999999999999999",
                ];
                let token = edges[rng.below(edges.len())];
                let at = rng.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
        }
    }
    data.truncate(MAX_INPUT);
}

/// The committed seed inputs of a target, in name order.
pub fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter_map(|f| std::fs::read(f).ok())
        .collect()
}

/// Where a target's seed corpus is.
pub fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name)
}

/// How long to fuzz.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// At most this many inputs, the seeds included.
    pub iterations: u64,
    /// And at most this long, when set.
    pub time: Option<Duration>,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Inputs run.
    pub runs: u64,
    /// Distinct behaviours seen (signatures).
    pub behaviours: usize,
    /// Inputs kept as parents.
    pub pool: usize,
}

/// An input that broke an invariant or panicked.
#[derive(Debug, Clone)]
pub struct Crash {
    /// The target.
    pub target: &'static str,
    /// The input.
    pub input: Vec<u8>,
    /// The panic's message.
    pub message: String,
    /// Where the input was written.
    pub saved: Option<PathBuf>,
}

impl std::fmt::Display for Crash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fuzz target `{}` crashed: {}\ninput ({} bytes): {}",
            self.target,
            self.message,
            self.input.len(),
            escape_bytes(&self.input[..self.input.len().min(2048)])
        )?;
        if let Some(path) = &self.saved {
            write!(f, "\nsaved to {}", path.display())?;
        }
        Ok(())
    }
}

/// Bytes as a Rust byte string literal's contents.
pub fn escape_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|b| b.escape_ascii())
        .map(char::from)
        .collect()
}

/// Runs one input, turning a panic into its message.
pub fn run_one(target: &Target, input: &[u8]) -> Result<u64, String> {
    catch_unwind(AssertUnwindSafe(|| (target.run)(input))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

/// Fuzzes one target: every seed first, then mutations, until the budget is spent or an input
/// crashes. The crashing input is written under the system's temporary folder.
pub fn fuzz(target: &'static Target, budget: Budget, seed: u64) -> Result<Stats, Box<Crash>> {
    let started = Instant::now();
    let mut rng = Rng::new(seed ^ fxhash(target.name.as_bytes()));
    let mut seen = std::collections::HashSet::new();
    let mut pool: Vec<Vec<u8>> = Vec::new();
    let mut stats = Stats::default();
    let seeds = corpus(target.name);
    let crash = |input: Vec<u8>, message: String| {
        let saved = save(target.name, &input);
        Box::new(Crash {
            target: target.name,
            input,
            message,
            saved,
        })
    };
    // Panics are caught and reported with their input; the hook would print each.
    quiet_panics();
    FUZZING.with(|f| f.set(true));
    let result: Result<(), Box<Crash>> = (|| {
        for input in seeds.iter().chain(std::iter::once(&Vec::new())) {
            stats.runs += 1;
            let signature = run_one(target, input).map_err(|m| crash(input.clone(), m))?;
            if seen.insert(signature) {
                pool.push(input.clone());
            }
        }
        while stats.runs < budget.iterations && budget.time.is_none_or(|t| started.elapsed() < t) {
            let mut input = pool[rng.below(pool.len())].clone();
            mutate(&mut input, &mut rng, target.dictionary, &pool);
            stats.runs += 1;
            let signature = run_one(target, &input).map_err(|m| crash(input.clone(), m))?;
            if seen.insert(signature) && pool.len() < 4096 {
                pool.push(input);
            }
        }
        Ok(())
    })();
    FUZZING.with(|f| f.set(false));
    result?;
    stats.behaviours = seen.len();
    stats.pool = pool.len();
    Ok(stats)
}

thread_local! {
    /// Whether this thread is fuzzing: its panics are expected, caught and reported.
    static FUZZING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs, once, a panic hook that stays quiet on threads that are fuzzing and hands every
/// other panic to the hook that was there before.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !FUZZING.with(|f| f.get()) {
                previous(info);
            }
        }));
    });
}

fn save(target: &str, input: &[u8]) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join("bankfeeds-fuzz").join(target);
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("crash-{:016x}", fxhash(input)));
    std::fs::write(&path, input).ok()?;
    Some(path)
}

/// A 64-bit hash (FNV-1a), for signatures and file names.
pub fn fxhash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Folds values into a signature.
#[derive(Default)]
pub struct Signature(u64);

impl Signature {
    /// Adds a value.
    pub fn add(&mut self, value: impl AsRef<[u8]>) -> &mut Self {
        self.0 = fxhash(&[self.0.to_le_bytes().as_slice(), value.as_ref()].concat());
        self
    }

    /// The signature.
    pub fn get(&self) -> u64 {
        self.0
    }
}
