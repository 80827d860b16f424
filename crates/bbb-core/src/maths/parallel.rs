//! Independent pieces of work on several threads, results in the order of the pieces.
//!
//! Natively the pieces run on scoped threads that take the next piece from a shared counter, so
//! uneven pieces (a short last batch) balance themselves. In a browser module there are no
//! threads here: the pieces run in order on the calling thread (the page spreads work over Web
//! Workers instead).

/// `f(0), f(1), …, f(n − 1)` on up to `threads` threads, returned in order of the index.
pub fn map_parallel<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = threads.min(n);
    if threads <= 1 || cfg!(target_arch = "wasm32") {
        return (0..n).map(f).collect();
    }
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return mine;
                        }
                        mine.push((i, f(i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker thread panicked"))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, v)| v).collect()
}

/// The cores this process may use (1 where that cannot be known).
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_the_thread_count() {
        let serial: Vec<u64> = (0..50u64).map(|i| i * i + 7).collect();
        for threads in [0, 1, 2, 3, 8, 64] {
            let got = map_parallel(50, threads, |i| (i as u64) * (i as u64) + 7);
            assert_eq!(got, serial, "{threads} threads");
        }
        assert!(map_parallel(0, 4, |i| i).is_empty());
    }

    #[test]
    fn pieces_run_on_more_than_one_thread() {
        // Each piece waits until two pieces are in flight at once, so a serial map would never
        // finish; the deadline turns that into a failure.
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::{Duration, Instant};
        let in_flight = AtomicUsize::new(0);
        let met = map_parallel(2, 2, |_| {
            in_flight.fetch_add(1, Ordering::SeqCst);
            let deadline = Instant::now() + Duration::from_secs(5);
            while in_flight.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
                std::thread::yield_now();
            }
            in_flight.load(Ordering::SeqCst) >= 2
        });
        assert_eq!(met, [true, true]);
    }
}
