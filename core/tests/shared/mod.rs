//! Where the tests find Codat's spec and the shared fixtures: the `shared` folder beside the
//! repository (`../shared`), or the folder `BANKFEEDS_SHARED` names (the variable the WASM tests
//! read too). A clone without it still builds and passes: each test that needs it says on the
//! terminal that it skipped, and why.
//!
//! One file for every crate's tests: the core's unit tests include it from `core/src/lib.rs`, the
//! core's and the sandbox's integration tests with `mod shared;` or `#[path]`.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The environment variable that names the shared folder, when it is not `../shared`.
pub const ENV: &str = "BANKFEEDS_SHARED";

/// The shared folder, when there is one. A `BANKFEEDS_SHARED` that names no folder is a
/// mistake worth stopping for, not a reason to skip.
pub fn dir() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        let named = PathBuf::from(named);
        assert!(
            named.is_dir(),
            "{ENV}={} is not a folder: point it at the shared folder (codat-oas/, fixtures/)",
            named.display()
        );
        return Some(named);
    }
    // Every crate that includes this file sits one level below the repository's root.
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    beside.is_dir().then_some(beside)
}

/// The path of `relative` (e.g. `codat-oas/Codat-Bank-Feeds.json`) in the shared folder, or
/// `None` after telling the terminal that `test` skipped. A shared folder that lacks the file
/// fails the test: the folder is there, so the file should be.
pub fn path(relative: &str, test: &str) -> Option<PathBuf> {
    let Some(dir) = dir() else {
        skipped(test, relative);
        return None;
    };
    let path = dir.join(relative);
    assert!(
        path.exists(),
        "{test}: the shared folder {} has no {relative}",
        dir.display()
    );
    Some(path)
}

/// Whether `relative` is in the shared folder; when there is no shared folder, false after telling
/// the terminal that `test` skipped.
pub fn present(relative: &str, test: &str) -> bool {
    path(relative, test).is_some()
}

/// The text of `relative` in the shared folder, or `None` after telling the terminal that `test`
/// skipped.
pub fn read(relative: &str, test: &str) -> Option<String> {
    let path = path(relative, test)?;
    Some(
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{test}: cannot read {}: {e}", path.display())),
    )
}

/// Says that a test skipped. Written to the process's stderr directly, so that the test
/// harness, which captures `eprintln!`, still shows it.
pub fn skipped(test: &str, relative: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: needs ../shared/{relative} (Codat's spec and fixtures), which this clone \
         does not have beside it; put the shared folder beside the repository or set {ENV}"
    );
}
