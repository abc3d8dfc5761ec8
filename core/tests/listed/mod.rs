//! Shared by the tests of files read as they stream (`stream.rs`, `listing.rs`, and the fuzz
//! targets of `fuzz/src/targets.rs`, which take this file by its path): a temporary
//! file, and what a streamed report lists of a whole one, worked out here rather than by the
//! core.

use std::collections::BTreeMap;

use bankfeeds::validate::{Code, Omitted, Severity, ValidationReport};

/// A file holding `text` in the temporary folder, removed when dropped.
pub struct TempFile(pub std::path::PathBuf);

impl TempFile {
    pub fn new(text: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "bankfeeds-test-file-{}-{}.csv",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The first `max` findings of each code of a whole report (`None`: all of them), in its order,
/// and the rest counted by code and severity: what a streamed report lists.
pub fn listed_report(whole: &ValidationReport, max: Option<usize>) -> ValidationReport {
    let max = max.unwrap_or(usize::MAX);
    let mut report = ValidationReport::new();
    let mut omitted: BTreeMap<(Code, Severity), usize> = BTreeMap::new();
    for issue in &whole.issues {
        if report.with_code(issue.code).count() < max {
            report.issues.push(issue.clone());
        } else {
            *omitted.entry((issue.code, issue.severity)).or_default() += 1;
        }
    }
    report.omitted = omitted
        .into_iter()
        .map(|((code, severity), count)| Omitted {
            code,
            severity,
            count,
        })
        .collect();
    report
}
