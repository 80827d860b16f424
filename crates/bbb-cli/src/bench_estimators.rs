//! `bbb-cli bench`, the estimators: a variational epoch's training on the CPU engine for each of
//! Bayes-by-Backprop's three estimators (the `method` setting), against the tutorial's `bbb`
//! measured in the same run.

use bbb_core::config::method::Method;
use bbb_core::{Backend, Config, Event, Phase, Trainer};
use pollster::block_on;
use std::time::Instant;

use crate::run::device_for;
use crate::say::say;

/// Seconds of training (the updates alone) per VI epoch of `config` with `method`, over
/// `epochs` epochs after an untimed first one.
fn train_seconds(config: &Config, method: Method, epochs: usize) -> Result<f64, String> {
    let (device, noise) = device_for(Backend::Flex)?;
    let config = Config {
        method,
        ..config.clone()
    };
    let mut trainer = Trainer::new(config, device, noise).map_err(|e| e.to_string())?;
    block_on(trainer.run_epoch()).map_err(|e| e.to_string())?;
    let mut train = 0.0;
    for _ in 0..epochs {
        loop {
            let phase = trainer.progress().phase;
            let t = Instant::now();
            // The CPU engine's update is done when `step` returns.
            let event = block_on(trainer.step()).map_err(|e| e.to_string())?;
            if matches!(phase, Phase::Train { .. }) {
                train += t.elapsed().as_secs_f64();
            }
            if matches!(event, Event::Epoch(_)) {
                break;
            }
        }
    }
    Ok(train / epochs as f64)
}

/// Prints each estimator's training time per VI epoch and its ratio to `bbb`'s.
pub fn bench_estimators(config: &Config, epochs: usize) -> Result<(), String> {
    say!("\nestimators: training per VI epoch on the CPU engine (flex), {epochs} epochs each");
    let base = train_seconds(config, Method::Bbb, epochs)?;
    for method in Method::BBB {
        let t = if method == Method::Bbb {
            base
        } else {
            train_seconds(config, method, epochs)?
        };
        say!(
            "{:12} {:8.2} ms  {:5.2}x bbb",
            method.name(),
            1e3 * t,
            t / base
        );
    }
    Ok(())
}
