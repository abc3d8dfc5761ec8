//! Work split across the cores within one call.

/// How many pieces work on `items` things is cut into: one a core (up to 4), each of `least`
/// things at least; always one on WASM.
pub(crate) fn pieces(items: usize, least: usize) -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    if cfg!(target_family = "wasm") {
        return 1;
    }
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    cores.min(4).min(items / least.max(1)).max(1)
}

/// Where piece `k` of `n` things cut into `pieces` even pieces starts (`k == pieces`: `n`).
pub(crate) fn cut(n: usize, pieces: usize, k: usize) -> usize {
    n * k / pieces
}

/// `items` cut into `pieces` even pieces, in order, where [`cut`] puts them (every piece empty
/// when `items` is).
pub(crate) fn split_even<T>(items: &mut [T], pieces: usize) -> Vec<&mut [T]> {
    let n = items.len();
    let mut rest = items;
    (0..pieces)
        .map(|k| {
            let (piece, more) =
                std::mem::take(&mut rest).split_at_mut(cut(n, pieces, k + 1) - cut(n, pieces, k));
            rest = more;
            piece
        })
        .collect()
}

/// Runs `work` on every one of `items` at once: the first on the calling thread, each other on
/// a thread of its own named `name` (or here, after the first, when no thread can be had, and
/// on WASM). The results are in the items' order. A panic in any reaches the caller once every
/// thread has ended.
pub(crate) fn each<T: Send, R: Send>(
    name: &str,
    items: Vec<T>,
    work: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    if cfg!(target_family = "wasm") || items.len() < 2 {
        return items.into_iter().map(work).collect();
    }
    // Each item goes to its thread, or stays here when the thread cannot be started.
    let slots: Vec<std::sync::Mutex<Option<T>>> = items
        .into_iter()
        .map(|item| std::sync::Mutex::new(Some(item)))
        .collect();
    let take = |k: usize| {
        slots[k]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    };
    let (take, work) = (&take, &work);
    std::thread::scope(|scope| {
        let threads: Vec<_> = (1..slots.len())
            .map(|k| {
                std::thread::Builder::new()
                    .name(name.into())
                    .spawn_scoped(scope, move || take(k).map(work))
                    .ok()
            })
            .collect();
        let mut out = Vec::with_capacity(slots.len());
        out.push(work(take(0).expect("the first item is here")));
        for (k, thread) in (1..).zip(threads) {
            let done =
                thread.and_then(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            out.push(done.unwrap_or_else(|| work(take(k).expect("each item runs once"))));
        }
        out
    })
}

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

    #[test]
    fn each_item_runs_once_and_results_keep_their_order() {
        let here = std::thread::current().id();
        let out = super::each("test-each", (0..5).collect(), |k: usize| {
            (k * 10, std::thread::current().id() == here)
        });
        let values: Vec<usize> = out.iter().map(|(v, _)| *v).collect();
        assert_eq!(values, [0, 10, 20, 30, 40]);
        // The first item runs on the calling thread, the others on threads of their own.
        let on_caller: Vec<bool> = out.iter().map(|(_, h)| *h).collect();
        assert_eq!(on_caller, [true, false, false, false, false]);
        assert_eq!(
            super::each("test-each", Vec::<u8>::new(), |k| k),
            Vec::<u8>::new()
        );
        let panicked = std::panic::catch_unwind(|| {
            super::each("test-each", vec![1, 2, 3], |k| {
                assert_ne!(k, 3, "the last one")
            })
        });
        assert!(panicked.is_err());
    }

    #[test]
    fn even_pieces_cover_everything_in_order() {
        let mut items: Vec<usize> = (0..10).collect();
        let pieces = super::split_even(&mut items, 3);
        let lens: Vec<usize> = pieces.iter().map(|p| p.len()).collect();
        assert_eq!(lens, [3, 3, 4]);
        assert_eq!(pieces.concat(), (0..10).collect::<Vec<_>>());
        assert_eq!(pieces[1][0], super::cut(10, 3, 1));
        assert!(
            super::split_even(&mut [0u8; 0], 4)
                .iter()
                .all(|p| p.is_empty())
        );
    }

    #[test]
    fn pieces_are_one_a_core_each_large_enough() {
        let cores = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4);
        assert_eq!(super::pieces(0, 100), 1);
        assert_eq!(super::pieces(199, 100), 1);
        assert_eq!(super::pieces(200, 100), cores.min(2));
        assert_eq!(super::pieces(1_000_000, 100), cores);
        assert_eq!(super::pieces(10, 0), cores.min(10));
    }
}
