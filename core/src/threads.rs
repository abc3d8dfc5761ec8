//! Work split in two within one call.

/// Runs `here` on the calling thread and `there` on a thread of its own named `name`, at once,
/// and gives both results. When no thread can be had (or on WASM), `there` runs here after
/// `here`. A panic in either reaches the caller.
pub(crate) fn join<A, B: Send>(
    name: &str,
    here: impl FnOnce() -> A,
    there: impl FnOnce() -> B + Send,
) -> (A, B) {
    if cfg!(target_family = "wasm") {
        return (here(), there());
    }
    // `there` goes to the thread, or stays here when the thread cannot be started.
    let slot = std::sync::Mutex::new(Some(there));
    let take = || {
        slot.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    };
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn_scoped(scope, || take().map(|there| there()));
        let a = here();
        let b = thread
            .ok()
            .and_then(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        let b = b.unwrap_or_else(|| take().map(|there| there()).expect("`there` runs once"));
        (a, b)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_run_and_their_panics_reach_the_caller() {
        let (a, b) = super::join("test-join", || 1 + 1, || "two");
        assert_eq!((a, b), (2, "two"));
        let panicked =
            std::panic::catch_unwind(|| super::join("test-join", || 1, || panic!("there")));
        assert!(panicked.is_err());
    }
}
