//! Independent pieces of work on several threads, results in the order of the pieces.
//!
//! Natively the pieces run on scoped threads that take the next piece from a shared counter, so
//! uneven pieces (a short last batch) balance themselves. In a browser module there are no
//! threads here: the pieces run in order on the calling thread (the page spreads work over Web
//! Workers instead).

/// How many evaluators (the page's workers) an epoch's evaluation should get on a machine with
/// `cores` cores, at least one: every core when the evaluation outweighs the training (the
/// training then shares a core with one evaluator), otherwise `cores − 1`, so the training,
/// which bounds the run, keeps a core of its own.
///
/// The weights are rows through the network per epoch: `draws · (n_train + n_val)` for the
/// evaluation, `n_train · train_mc` for the training, whose row costs about three evaluation
/// rows (forward, backward and the per-weight work): one wasm thread in headless Chromium,
/// full preset, 8.7–9.7 ms of training (800 rows) and 131–149 ms of evaluation (38 draws of
/// 1,000 rows) per epoch (`bench_cpu_epoch_parts`).
pub fn evaluators_for(config: &crate::config::Config, cores: usize) -> usize {
    const TRAINING_ROW_IN_EVALUATION_ROWS: usize = 3;
    let draws = config.eval_mc_elbo + config.eval_mc_rmse;
    let evaluation = draws * (config.n_train + config.n_val);
    let training = TRAINING_ROW_IN_EVALUATION_ROWS * config.n_train * config.train_mc_samples;
    let evaluators = if evaluation >= training {
        cores
    } else {
        cores.saturating_sub(1)
    };
    evaluators.max(1)
}

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

    #[test]
    fn evaluators_follow_the_weight_of_the_evaluation() {
        use crate::config::Config;
        // Both presets evaluate more rows than they train (10 or 38 draws of 1,000 rows against
        // three times 800): every core.
        for config in [Config::quick(), Config::default()] {
            assert_eq!(evaluators_for(&config, 2), 2);
            assert_eq!(evaluators_for(&config, 8), 8);
        }
        // Two draws per point (2,000 rows) weigh less than the training (2,400): the training
        // keeps a core, and one core still gets one evaluator.
        let light = Config {
            eval_mc_elbo: 1,
            eval_mc_rmse: 1,
            ..Config::quick()
        };
        assert_eq!(evaluators_for(&light, 8), 7);
        assert_eq!(evaluators_for(&light, 1), 1);
        // Either side of the balance: 2 draws (2,000 rows) weigh less, 3 (3,000) more.
        let draws = |n: usize| Config {
            eval_mc_elbo: 1,
            eval_mc_rmse: n - 1,
            ..Config::quick()
        };
        assert_eq!(evaluators_for(&draws(2), 4), 3);
        assert_eq!(evaluators_for(&draws(3), 4), 4);
        // Five draws per training step (12,000 rows) move the balance back.
        let heavy_training = Config {
            train_mc_samples: 5,
            ..Config::quick()
        };
        assert_eq!(evaluators_for(&heavy_training, 4), 3);
    }
}
