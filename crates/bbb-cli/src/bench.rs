//! `bbb-cli bench`: time per training epoch and per evaluation on each backend, the batched
//! evaluation against the tutorial's loop of single passes, and (with `--full-run`) the whole
//! full preset, then the scaling over threads, the three estimators' training, the
//! exponential's cost and the noise samplers. Every ratio compares figures measured in this same run.

use bbb_core::train::evaluate::{eval_batch_looped, read_scalars, EvalSet, McSamples};
use bbb_core::{Backend, Config, Trainer};
use pollster::block_on;
use std::time::Instant;

use crate::say::say;

use crate::args::BenchArgs;
use crate::bench_threads::{bench_exp, bench_threads, time_epochs};
use crate::run::device_for;

struct Row {
    backend: Backend,
    train_epoch: f64,
    eval: f64,
    eval_looped: f64,
    full_run: Option<f64>,
}

/// Runs the benchmark and prints a table.
pub fn bench(args: BenchArgs) -> Result<(), String> {
    let config = Config::full();
    // Time VI epochs (the dearer stage): one untimed warmup epoch first, then VI.
    let timed = Config {
        warmup_epochs: 1,
        ..config.clone()
    };
    say!(
        "benchmark: full preset settings (eval MC {} / {}), {} timed VI epochs per backend, one thread",
        config.eval_mc_elbo, config.eval_mc_rmse, args.epochs
    );
    let mut rows = Vec::new();
    for &backend in &args.backends {
        let (device, noise) = device_for(backend)?;
        let mut trainer =
            Trainer::new(timed.clone(), device.clone(), noise).map_err(|e| e.to_string())?;
        let (train, eval) = time_epochs(&mut trainer, args.epochs)?;
        let eval_looped = time_looped_eval(&trainer, &config, args.epochs)?;
        let full_run = if args.full_run {
            let (device, noise) = device_for(backend)?;
            let mut t = Trainer::new(config.clone(), device, noise).map_err(|e| e.to_string())?;
            let start = Instant::now();
            block_on(t.run_to_end()).map_err(|e| e.to_string())?;
            Some(start.elapsed().as_secs_f64())
        } else {
            None
        };
        let row = Row {
            backend,
            train_epoch: train,
            eval,
            eval_looped,
            full_run,
        };
        say!(
            "{:8} train epoch {:8.2} ms | evaluation {:8.2} ms (looped {:8.2} ms, batched is {:.1}x faster)",
            backend.name(),
            1e3 * row.train_epoch,
            1e3 * row.eval,
            1e3 * row.eval_looped,
            row.eval_looped / row.eval,
        );
        rows.push(row);
    }
    let base = &rows[0];
    say!(
        "\nbackend   train/epoch  eval/epoch  est. full preset  measured full preset  vs {}",
        base.backend
    );
    let epochs = config.total_epochs() as f64;
    for r in &rows {
        let estimate = epochs * (r.train_epoch + r.eval);
        let base_estimate = epochs * (base.train_epoch + base.eval);
        say!(
            "{:8} {:9.2} ms {:9.2} ms {:14.1} s {:>20} {:8.2}x",
            r.backend.name(),
            1e3 * r.train_epoch,
            1e3 * r.eval,
            estimate,
            r.full_run.map_or("-".into(), |s| format!("{s:.1} s")),
            base_estimate / estimate,
        );
    }
    let flex = args.backends.iter().copied().find(|&b| b == Backend::Flex);
    let scaled = flex.unwrap_or(args.backends[0]);
    bench_threads(scaled, &timed, (args.epochs, args.threads, args.full_run))?;
    crate::bench_estimators::bench_estimators(&timed, args.epochs)?;
    bench_exp(&args.backends)?;
    crate::bench_noise::bench_noise();
    Ok(())
}

/// The same evaluation as the trainer's, as the tutorial's loop of single-draw passes.
fn time_looped_eval(trainer: &Trainer, config: &Config, reps: usize) -> Result<f64, String> {
    let data = trainer.dataset();
    let s = &data.scaler;
    let device = trainer.device();
    let sets = [
        EvalSet::new(
            &s.features(&data.train.x),
            &s.scale_y(&data.train.y),
            config.batch_size,
            device,
        ),
        EvalSet::new(
            &s.features(&data.val.x),
            &s.scale_y(&data.val.y),
            config.batch_size,
            device,
        ),
    ];
    let mc = McSamples {
        elbo: config.eval_mc_elbo,
        rmse: config.eval_mc_rmse,
    };
    let mut noise = bbb_core::Noise::host(1);
    let model = trainer.model();
    // The tutorial's loop calls the whole model (softplus included) for every pass.
    let mut looped = || -> Result<(), String> {
        let mut out = Vec::new();
        for set in &sets {
            for (x, y) in &set.batches {
                let e = eval_batch_looped(model, x.clone(), y.clone(), mc, s.y_std, &mut noise);
                out.push(e.nll_sum);
                out.push(e.sq_sum);
            }
        }
        block_on(read_scalars(out)).map(|_| ())
    };
    // Warm up once, then time.
    looped()?;
    let t = Instant::now();
    for _ in 0..reps {
        looped()?;
    }
    Ok(t.elapsed().as_secs_f64() / reps as f64)
}
