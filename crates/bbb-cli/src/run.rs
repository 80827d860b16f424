//! One run of the tutorial: train, report in the tutorial's format, write the results.

use bbb_core::report::export::history_csv;
use bbb_core::train::gradient_meter::{meter_epochs, METER_DRAWS};
use bbb_core::{Backend, Event, NoiseSource, Phase, Trainer};
use pollster::block_on;
use std::time::Instant;

use crate::say::say;

use crate::args::RunArgs;
use crate::output::{gradient_json, summary_json, with_readings, Reading, RunInfo, Timings};
use crate::posterior::Posterior;
use crate::report::{epoch_line, final_lines, ProgressBar};

/// A device for `backend` and where its weight noise comes from.
pub fn device_for(
    backend: Backend,
) -> Result<(bbb_core::burn::tensor::Device, NoiseSource), String> {
    if let Some(device) = backend.cpu_device() {
        return Ok((device, NoiseSource::Host));
    }
    #[cfg(feature = "wgpu")]
    if backend == Backend::Wgpu {
        // burn's wgpu runtime starts once per process; later runs reuse its device.
        static DEVICE: std::sync::OnceLock<bbb_core::burn::tensor::Device> =
            std::sync::OnceLock::new();
        if let Some(device) = DEVICE.get() {
            return Ok((device.clone(), NoiseSource::Device));
        }
        let device = bbb_core::burn::tensor::Device::wgpu_options()
            .init()
            .map_err(|e| format!("no usable GPU adapter for wgpu: {e:?}"))?;
        return Ok((DEVICE.get_or_init(|| device).clone(), NoiseSource::Device));
    }
    Err(format!(
        "the {backend} backend is not in this build (rebuild bbb-cli with --features {backend})"
    ))
}

/// Keeps the run's state at this epoch's end when it trains on wgpu (a CPU run has nothing to
/// lose).
fn keep_checkpoint(trainer: &mut Trainer, backend: Backend) -> Result<(), String> {
    if backend == Backend::Wgpu {
        block_on(trainer.keep_checkpoint()).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// After `failure`: a wgpu run whose device no longer answers goes on on the CPU from its last
/// epoch kept (and says so); any other failure ends the run with its message.
fn on_lost_device(
    trainer: &Trainer,
    backend: Backend,
    failure: String,
) -> Result<(Trainer, Backend), String> {
    let cpu = Backend::available()
        .into_iter()
        .find_map(|b| b.cpu_device().map(|d| (b, d)));
    let (Backend::Wgpu, Some((cpu, device))) = (backend, cpu) else {
        return Err(failure);
    };
    match block_on(trainer.after_failure(device)).map_err(|e| e.to_string())? {
        Some((next, moved)) => {
            say!("{moved} ({cpu})");
            Ok((next, cpu))
        }
        None => Err(failure),
    }
}

/// Trains, prints and writes `summary.json`, `history.csv` and the PNG plots.
pub fn run(args: RunArgs) -> Result<(), String> {
    let config = args.config.clone();
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create output directory {}: {e}", args.out.display()))?;
    let (device, noise) = device_for(args.backend)?;
    let start = Instant::now();
    let mut trainer = match &args.load {
        Some((file, path)) => {
            let t = Trainer::from_posterior(file, config.clone(), device, noise)
                .map_err(|e| e.to_string())?;
            say!(
                "Loaded {}: {} epochs trained, the state of epoch {}; no training.",
                path.display(),
                file.history.len(),
                file.best_epoch
            );
            t
        }
        None => Trainer::new(config.clone(), device, noise).map_err(|e| e.to_string())?,
    };
    trainer.set_threads(args.threads);
    // A wgpu run keeps each epoch's state on the host: if the GPU is lost, it goes on on the CPU.
    let mut backend = args.backend;
    keep_checkpoint(&mut trainer, backend)?;
    let before =
        block_on(trainer.before_training(config.live_grid_points)).map_err(|e| e.to_string())?;
    let bar = ProgressBar::new(args.quiet);
    let mut t = Timings::default();
    // The gradient meter while training, at the end of the epochs the rule names (CPU backends).
    let read_at = meter_epochs(&config);
    let mut readings: Vec<Reading> = Vec::new();
    let mut epochs_done = trainer.progress().epochs_done;
    let summary = loop {
        let phase = trainer.progress().phase;
        let step_start = Instant::now();
        let event = match block_on(trainer.step()) {
            Ok(event) => event,
            Err(e) => {
                let cpu = on_lost_device(&trainer, backend, e.to_string())?;
                (trainer, backend) = cpu;
                bar.clear();
                continue;
            }
        };
        if matches!(event, Event::Epoch(_)) {
            if let Err(e) = keep_checkpoint(&mut trainer, backend) {
                (trainer, backend) = on_lost_device(&trainer, backend, e)?;
                continue;
            }
        }
        let spent = step_start.elapsed().as_secs_f64();
        match phase {
            Phase::Train { .. } => t.train += spent,
            _ => t.eval += spent,
        }
        let done = trainer.progress().epochs_done;
        if done != epochs_done && read_at.contains(&done) && backend.cpu_device().is_some() {
            let g_start = Instant::now();
            readings.push((done, trainer.gradient_variance(METER_DRAWS)));
            t.gradient_variance += g_start.elapsed().as_secs_f64();
        }
        epochs_done = done;
        match event {
            Event::Epoch(record) => {
                let p = trainer.progress();
                let best = trainer.best().map_or(f64::NAN, |b| b.1);
                if let Some(line) = epoch_line(&record, best, &config).filter(|_| !args.quiet) {
                    bar.clear();
                    say!("{line}");
                }
                let secs = start.elapsed().as_secs_f64();
                bar.draw(
                    p.fraction,
                    p.epochs_done,
                    p.total_epochs,
                    record.stage,
                    secs,
                );
            }
            Event::Finished(s) => break s,
            _ => {}
        }
    };
    t.total = start.elapsed().as_secs_f64();
    bar.clear();
    let last_val = trainer.history().last().map_or(f64::NAN, |r| r.val.rmse);
    for line in final_lines(&summary, last_val) {
        say!("{line}");
    }
    let p_start = Instant::now();
    let predictive = block_on(trainer.predictive(config.predictive_samples, config.grid_points))
        .map_err(|e| e.to_string())?;
    t.predictive = p_start.elapsed().as_secs_f64();
    let weights = block_on(trainer.weight_space()).map_err(|e| e.to_string())?;
    let g_start = Instant::now();
    let spread = trainer.gradient_variance(METER_DRAWS);
    t.gradient_variance += g_start.elapsed().as_secs_f64();
    let data = trainer.dataset();
    let gp = if config.gp > 0 {
        Some(bbb_core::gp::view::gp_view(data).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let posterior = Posterior {
        predictive,
        weights,
        before,
        implied_noise: trainer.implied_noise_sigma(),
        true_noise: if data.has_truth {
            config.noise_std
        } else {
            f64::NAN
        },
        gp,
        regions: bbb_core::posterior::regions::Regions::of(&data.train.x),
    };
    for line in posterior.lines() {
        say!("{line}");
    }
    let finals: Vec<String> = spread
        .iter()
        .map(|(m, g)| format!("{} {:.3e} / {:.3e}", m.name(), g.mu, g.rho))
        .collect();
    say!(
        "Gradient variance at the final parameters ({METER_DRAWS} draws on one mini-batch, mu / rho): {}",
        finals.join(", ")
    );
    for (epoch, spread) in &readings {
        let at: Vec<String> = spread
            .iter()
            .map(|(m, g)| format!("{} {:.3e} / {:.3e}", m.name(), g.mu, g.rho))
            .collect();
        say!("  at the end of epoch {epoch}: {}", at.join(", "));
    }
    say!(
        "  the meter took {:.2} s in all, {:.1} % of the run",
        t.gradient_variance,
        100.0 * t.gradient_variance / t.total.max(1e-9)
    );
    let info = RunInfo {
        backend: backend.name(),
        preset: args.preset.name(),
        scenario: if config.own_data.is_some() {
            "own data"
        } else {
            config.scenario.name()
        },
        method: config.method.name(),
        train_points: trainer.dataset().train.len(),
        seed: config.seed,
        n_parameters: trainer.n_parameters(),
        epochs: config.total_epochs(),
        threads: args.threads,
    };
    let write = |name: &str, text: String| {
        std::fs::write(args.out.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))
    };
    let mut extra = posterior.json();
    if let Some(fields) = extra.as_object_mut() {
        fields.insert("gradient_variance".into(), gradient_json(&spread));
        let during: Vec<serde_json::Value> = readings
            .iter()
            .map(|(epoch, spread)| serde_json::json!({ "epoch": epoch, "estimators": gradient_json(spread) }))
            .collect();
        fields.insert("gradient_variance_during".into(), during.into());
    }
    write("summary.json", summary_json(&summary, &info, &t, extra))?;
    write(
        "history.csv",
        with_readings(&history_csv(trainer.history()), &readings),
    )?;
    let file = block_on(trainer.posterior_file(args.preset)).map_err(|e| e.to_string())?;
    let bytes = file.encode()?;
    std::fs::write(args.out.join("posterior.safetensors"), bytes)
        .map_err(|e| format!("cannot write posterior.safetensors: {e}"))?;
    crate::png::write_all(&args.out, &trainer, &posterior)?;
    let split = if args.threads == 1 {
        format!("{:.1} s training, {:.1} s evaluation", t.train, t.eval)
    } else {
        // Each epoch's evaluation ran on the threads while the next epoch trained.
        "evaluations beside the training".to_string()
    };
    say!(
        "\n{} backend, {} thread{}: {:.1} s total ({split}); results in {}",
        args.backend,
        args.threads,
        if args.threads == 1 { "" } else { "s" },
        t.total,
        args.out.display()
    );
    Ok(())
}
