//! What the trainer reports: per-epoch metrics, the test metrics, and the tutorial's EMA
//! diagnostics of the VI stage.

/// The tutorial's bar for the smoothed training ELBO: it must not rise in at least this
/// fraction of the VI epochs.
pub const MIN_NONINCREASE_RATIO: f64 = 0.65;

/// Which stage an epoch belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Deterministic MSE warmup on the posterior means.
    Warmup,
    /// Variational training on the ELBO.
    Vi,
}

impl Stage {
    /// `warmup` or `vi`, as in the tutorial's history.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Warmup => "warmup",
            Stage::Vi => "vi",
        }
    }
}

/// ELBO terms and RMSE of one split.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SplitMetrics {
    /// `nll + kl_weight · kl` (minimised).
    pub elbo: f64,
    /// MC-averaged mean squared error on standardised targets.
    pub nll: f64,
    /// Total KL over the number of mini-batches.
    pub kl: f64,
    /// RMSE of the MC predictive mean, in original units.
    pub rmse: f64,
}

impl SplitMetrics {
    /// Whether every number is finite.
    pub fn is_finite(&self) -> bool {
        [self.elbo, self.nll, self.kl, self.rmse]
            .iter()
            .all(|v| v.is_finite())
    }
}

/// One row of the training history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochRecord {
    /// Epoch number, 1-based, counting warmup and VI together.
    pub epoch: usize,
    /// Stage of this epoch.
    pub stage: Stage,
    /// Learning rate the *next* epoch trains with (the schedule after this epoch), which is
    /// what the tutorial prints beside each epoch.
    pub next_lr: f64,
    /// Metrics on the training split.
    pub train: SplitMetrics,
    /// Metrics on the validation split.
    pub val: SplitMetrics,
}

/// Exponential moving average, seeded by the first value: `s ← α·x + (1 − α)·s`.
pub fn ema(values: &[f64], alpha: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    for &v in values {
        let next = match out.last() {
            None => v,
            Some(&s) => alpha * v + (1.0 - alpha) * s,
        };
        out.push(next);
    }
    out
}

/// The tutorial's trend checks on the VI stage.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diagnostics {
    /// Last minus first EMA of the train ELBO over the VI stage (should be < 0).
    pub ema_elbo_delta: f64,
    /// Fraction of VI steps where that EMA did not increase (should be ≥ [`MIN_NONINCREASE_RATIO`]).
    pub ema_elbo_nonincrease_ratio: f64,
    /// Last minus first EMA of the val RMSE over all epochs.
    pub val_rmse_ema_delta: f64,
    /// `ema_elbo_delta < 0`.
    pub delta_ok: bool,
    /// `ema_elbo_nonincrease_ratio ≥ MIN_NONINCREASE_RATIO`.
    pub ratio_ok: bool,
}

impl Diagnostics {
    /// Both criteria hold.
    pub fn pass(&self) -> bool {
        self.delta_ok && self.ratio_ok
    }

    /// Computes the checks from the history (`None` before the first VI epoch).
    pub fn compute(history: &[EpochRecord], alpha: f64) -> Option<Self> {
        let vi: Vec<f64> = history
            .iter()
            .filter(|r| r.stage == Stage::Vi)
            .map(|r| r.train.elbo)
            .collect();
        if vi.is_empty() {
            return None;
        }
        let e = ema(&vi, alpha);
        let delta = e[e.len() - 1] - e[0];
        let ratio = if e.len() > 1 {
            let steps = e.windows(2).filter(|w| w[1] - w[0] <= 0.0).count();
            steps as f64 / (e.len() - 1) as f64
        } else {
            1.0
        };
        let val_rmse: Vec<f64> = history.iter().map(|r| r.val.rmse).collect();
        let rmse_ema = ema(&val_rmse, alpha);
        Some(Self {
            ema_elbo_delta: delta,
            ema_elbo_nonincrease_ratio: ratio,
            val_rmse_ema_delta: rmse_ema[rmse_ema.len() - 1] - rmse_ema[0],
            delta_ok: delta < 0.0,
            ratio_ok: ratio >= MIN_NONINCREASE_RATIO,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize, stage: Stage, elbo: f64, rmse: f64) -> EpochRecord {
        let m = SplitMetrics {
            elbo,
            rmse,
            ..Default::default()
        };
        EpochRecord {
            epoch,
            stage,
            next_lr: 0.0,
            train: m,
            val: m,
        }
    }

    #[test]
    fn ema_by_hand() {
        let e = ema(&[1.0, 2.0, 0.0], 0.2);
        assert_eq!(e[0], 1.0);
        assert!((e[1] - 1.2).abs() < 1e-12);
        assert!((e[2] - 0.96).abs() < 1e-12);
    }

    #[test]
    fn diagnostics_cover_the_vi_stage_only() {
        let mut h = vec![
            record(1, Stage::Warmup, 0.5, 0.3),
            record(2, Stage::Warmup, 9.0, 0.2),
        ];
        assert!(Diagnostics::compute(&h, 0.2).is_none());
        // Falling ELBO with one bump: 3 of 4 EMA steps do not increase.
        for (i, v) in [2.0, 1.8, 1.9, 1.6, 1.5].iter().enumerate() {
            h.push(record(3 + i, Stage::Vi, *v, 0.1));
        }
        let d = Diagnostics::compute(&h, 1.0).unwrap();
        assert!((d.ema_elbo_delta + 0.5).abs() < 1e-12);
        assert!((d.ema_elbo_nonincrease_ratio - 0.75).abs() < 1e-12);
        assert!(d.pass());
        assert!((d.val_rmse_ema_delta + 0.2).abs() < 1e-12);
        // A rising ELBO fails.
        let up: Vec<_> = (0..5)
            .map(|i| record(i + 1, Stage::Vi, i as f64, 0.1))
            .collect();
        let d = Diagnostics::compute(&up, 0.2).unwrap();
        assert!(!d.delta_ok && !d.ratio_ok && !d.pass());
    }
}
