//! `bbb-cli bench`'s scaling tables: the same VI epochs on 1, 2, … threads (the evaluation's
//! batches spread over them, the results identical), and what the exponential in SiLU costs next
//! to the matrix product of the same evaluation layer. Ratios are against figures from this run.

use bbb_core::burn::tensor::{Distribution, Tensor};
use bbb_core::model::activation::silu;
use bbb_core::model::activation::silu_host;
use bbb_core::train::evaluate::read_scalars;
use bbb_core::{Backend, Config, Event, Phase, Trainer};
use pollster::block_on;
use std::time::Instant;

use crate::say::say;

use crate::run::device_for;

/// Seconds per epoch spent training and evaluating, over `epochs` epochs after one untimed one.
pub fn time_epochs(trainer: &mut Trainer, epochs: usize) -> Result<(f64, f64), String> {
    block_on(trainer.run_epoch()).map_err(|e| e.to_string())?;
    let (mut train, mut eval) = (0.0, 0.0);
    for _ in 0..epochs {
        loop {
            let phase = trainer.progress().phase;
            let t = Instant::now();
            let event = block_on(trainer.step()).map_err(|e| e.to_string())?;
            match phase {
                Phase::Train { .. } => {
                    // Force the lazy backends to finish the update before the clock stops.
                    let p = trainer.model().input.w_mu.clone().sum();
                    block_on(read_scalars(vec![p]))?;
                    train += t.elapsed().as_secs_f64();
                }
                _ => eval += t.elapsed().as_secs_f64(),
            }
            if matches!(event, Event::Epoch(_)) {
                break;
            }
        }
    }
    Ok((train / epochs as f64, eval / epochs as f64))
}

/// 1, 2, 4, … up to `max`, and `max` itself.
pub fn thread_counts(max: usize) -> Vec<usize> {
    let mut v: Vec<usize> = std::iter::successors(Some(1usize), |n| Some(n * 2))
        .take_while(|&n| n < max)
        .collect();
    v.push(max.max(1));
    v
}

/// Per-epoch times and (with `full_run`) the whole full preset on each thread count.
pub fn bench_threads(
    backend: Backend,
    timed: &Config,
    (epochs, max_threads, full_run): (usize, usize, bool),
) -> Result<(), String> {
    say!("\nthreads ({backend}; the evaluation's batches spread over them, results identical)");
    say!("threads  train/epoch  eval/epoch  est. full preset  measured full preset  speed-up");
    let full = Config::full();
    let mut base = None;
    for threads in thread_counts(max_threads) {
        let (device, noise) = device_for(backend)?;
        let mut t = Trainer::new(timed.clone(), device, noise).map_err(|e| e.to_string())?;
        t.set_threads(threads);
        let (train, eval) = time_epochs(&mut t, epochs)?;
        let estimate = full.total_epochs() as f64 * (train + eval);
        let measured = if full_run {
            let (device, noise) = device_for(backend)?;
            let mut t = Trainer::new(full.clone(), device, noise).map_err(|e| e.to_string())?;
            t.set_threads(threads);
            let start = Instant::now();
            block_on(t.run_to_end()).map_err(|e| e.to_string())?;
            Some(start.elapsed().as_secs_f64())
        } else {
            None
        };
        let figure = measured.unwrap_or(estimate);
        let base = *base.get_or_insert(figure);
        say!(
            "{threads:7} {:9.2} ms {:9.2} ms {:14.1} s {:>20} {:8.2}x",
            1e3 * train,
            1e3 * eval,
            estimate,
            measured.map_or("-".into(), |s| format!("{s:.1} s")),
            base / figure,
        );
    }
    Ok(())
}

/// SiLU in burn's ops (one scalar `expf` per element) and on the host (a vectorised exponential,
/// read-back and upload included) against the matrix product that feeds it, on the shapes of one
/// full-preset evaluation layer: `[38, 128, 72] × [38, 72, 72]`.
pub fn bench_exp(backends: &[Backend]) -> Result<(), String> {
    const REPS: usize = 50;
    say!("\nthe exponential: SiLU against the layer's matrix product, [38, 128, 72], {REPS} reps");
    say!("backend   matmul      burn's SiLU  SiLU / matmul  host SiLU  host / matmul  faster");
    for &backend in backends {
        let (device, _) = device_for(backend)?;
        let x = Tensor::<3>::random([38, 128, 72], Distribution::Normal(0.0, 1.0), &device);
        let w = Tensor::<3>::random([38, 72, 72], Distribution::Normal(0.0, 0.1), &device);
        let time = |f: &dyn Fn() -> Tensor<3>| -> Result<f64, String> {
            block_on(read_scalars(vec![f().sum()]))?; // warm-up
            let t = Instant::now();
            for _ in 0..REPS {
                block_on(read_scalars(vec![f().sum()]))?;
            }
            Ok(t.elapsed().as_secs_f64() / REPS as f64)
        };
        let matmul = time(&|| x.clone().matmul(w.clone()))?;
        let act = time(&|| silu(x.clone()))?;
        let host = time(&|| silu_host(x.clone()))?;
        say!(
            "{:8} {:8.3} ms {:9.3} ms {:12.2} {:9.3} ms {:12.2} {:9.1}x",
            backend.name(),
            1e3 * matmul,
            1e3 * act,
            act / matmul,
            1e3 * host,
            host / matmul,
            act / host,
        );
    }
    let mut values: Vec<f32> = (0..38 * 128 * 72)
        .map(|i| (i % 2001) as f32 * 0.01 - 10.0)
        .collect();
    let t = Instant::now();
    for _ in 0..REPS {
        bbb_core::maths::kernels::silu_in_place(std::hint::black_box(&mut values));
    }
    let alone = t.elapsed().as_secs_f64() / REPS as f64;
    say!(
        "host SiLU's arithmetic alone (no read-back or upload): {:.3} ms",
        1e3 * alone
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::thread_counts;

    #[test]
    fn thread_counts_double_up_to_the_most() {
        assert_eq!(thread_counts(1), [1]);
        assert_eq!(thread_counts(2), [1, 2]);
        assert_eq!(thread_counts(6), [1, 2, 4, 6]);
        assert_eq!(thread_counts(8), [1, 2, 4, 8]);
    }
}
