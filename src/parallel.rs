//! The thread pool a run's independent work is spread over (files read and parsed, deployment
//! units evaluated, rules checked per deployment). Work runs on the pool [`crate::check`] is
//! called in: the command line installs one of `--threads N` workers ([`pool`]). Called outside
//! any pool (a library caller, a test) everything runs on the caller's thread, whose stack the
//! caller chose.
//!
//! Every parallel step maps an ordered list to an ordered list of plain results, which the
//! caller then merges in the list's order: the output never depends on the thread count.

use rayon::prelude::*;

/// The stack of every thread that evaluates (Windows gives the main thread only 1 MiB), so the
/// evaluators' depth caps hold the same everywhere and on every worker.
pub const STACK: usize = 64 << 20;

/// A pool of `threads` workers with [`STACK`]-sized stacks; 0 means `RAYON_NUM_THREADS`, or
/// one per core.
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK)
        .thread_name(|i| format!("stv2lint-{i}"))
        .build()
}

/// The number of workers of the current pool (of the global pool outside any).
pub fn threads() -> usize {
    rayon::current_num_threads()
}

/// `f` over `items` on the current pool, results in the order of `items`. One item at a time
/// per worker, since items (files, deployments) are few and large.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    if items.len() < 2 || rayon::current_thread_index().is_none() || threads() < 2 {
        return items.iter().map(f).collect();
    }
    // The workers resolve paths through the caller's run memo.
    let canon = crate::source::current_canon();
    items
        .par_iter()
        .with_max_len(1)
        .map(|x| crate::source::with_canon(canon.clone(), || f(x)))
        .collect()
}

/// [`map`] a slice of `items` at a time (a few per worker), handing each result to `sink` in
/// the order of `items` before the next slice starts: what waits for the sink stays small
/// (a report's rendered text, not the whole report).
pub fn map_into<T: Sync, R: Send, E>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync + Send,
    mut sink: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    let slice = 4 * threads().max(1);
    for part in items.chunks(slice) {
        for r in map(part, &f) {
            sink(r)?;
        }
    }
    Ok(())
}

/// `a` and `b` at once on the current pool (`a` on the calling thread), one after the other
/// outside any pool or with one worker. `b` resolves paths through the caller's run memo, as
/// [`map`]'s workers do.
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if rayon::current_thread_index().is_none() || threads() < 2 {
        return (a(), b());
    }
    let canon = crate::source::current_canon();
    rayon::join(a, move || crate::source::with_canon(canon, b))
}
