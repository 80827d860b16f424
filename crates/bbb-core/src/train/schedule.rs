//! The learning-rate schedule and the two stages: the warmup at a constant rate, then the VI
//! stage with the rate annealed along a cosine from `lr` down to `lr_min`.

use crate::config::Config;
use crate::report::metrics::Stage;

/// Stage of epoch `epoch` (0-based).
pub fn stage_of(config: &Config, epoch: usize) -> Stage {
    if epoch < config.warmup_epochs {
        Stage::Warmup
    } else {
        Stage::Vi
    }
}

/// Learning rate during epoch `epoch` (0-based): constant in the warmup, then cosine per VI
/// epoch.
pub fn lr_during(config: &Config, epoch: usize) -> f64 {
    match epoch.checked_sub(config.warmup_epochs) {
        None => config.lr,
        Some(done) => cosine_lr(config.lr, config.lr_min, done, config.vi_epochs),
    }
}

/// Cosine annealing from `base` to `min` over `total` steps, after `done` steps:
/// `min + (base − min)(1 + cos(π·done/total))/2`.
pub fn cosine_lr(base: f64, min: f64, done: usize, total: usize) -> f64 {
    let progress = done.min(total) as f64 / total.max(1) as f64;
    min + (base - min) * (1.0 + (std::f64::consts::PI * progress).cos()) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schedule's formula written out by hand, `1e-4 + 3e-4·(1 + cos(π t / T))/2`, against the code.
    #[test]
    fn cosine_schedule_is_the_specs_formula() {
        let spec = |t: f64, total: f64| {
            1e-4 + 3e-4 * (1.0 + (std::f64::consts::PI * t / total).cos()) / 2.0
        };
        for (t, total) in [
            (0, 1000),
            (50, 1000),
            (250, 1000),
            (500, 1000),
            (1000, 1000),
            (20, 80),
        ] {
            let ours = cosine_lr(4e-4, 1e-4, t, total);
            assert!(
                (ours - spec(t as f64, total as f64)).abs() < 1e-15,
                "t={t}/{total}: {ours}"
            );
            // The tolerance tells neighbouring steps apart, so an off-by-one fails.
            if t > 0 {
                assert!((ours - spec(t as f64 - 1.0, total as f64)).abs() > 1e-10);
            }
        }
        // The tutorial's printed rates (six decimals) after VI epochs 50, 500 and 1000.
        assert_eq!(
            format!("{:.6}", cosine_lr(4e-4, 1e-4, 50, 1000)),
            "0.000398"
        );
        assert_eq!(
            format!("{:.6}", cosine_lr(4e-4, 1e-4, 500, 1000)),
            "0.000250"
        );
        assert_eq!(
            cosine_lr(4e-4, 1e-4, 2000, 1000),
            1e-4,
            "clamped past the end"
        );
    }
}
