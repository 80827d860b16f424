//! What the run learned about its own uncertainty: the noise level (estimated and implied by
//! the loss), the calibration of both bands on the test split, the weights' spreads and the
//! functions before training. Printed after the tutorial's lines and added to `summary.json`.

use bbb_core::calibration::{AT_95, LEVELS};
use bbb_core::{BeforeTraining, Predictive, WeightSpace};
use serde_json::{json, Value};

/// The posterior's numbers at the end of a run.
pub struct Posterior {
    /// The final predictive (with its calibration).
    pub predictive: Predictive,
    /// The final weights' spreads.
    pub weights: WeightSpace,
    /// Functions from the prior and the initial posterior.
    pub before: BeforeTraining,
    /// The noise level the loss assumes.
    pub implied_noise: f64,
    /// The noise level the data were drawn with.
    pub true_noise: f64,
}

fn list(v: &[f64]) -> String {
    v.iter()
        .map(|c| format!("{c:.3}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

impl Posterior {
    /// The printed lines.
    pub fn lines(&self) -> Vec<String> {
        let p = &self.predictive;
        let c = &p.calibration;
        let w = &self.weights;
        let levels: Vec<String> = LEVELS.iter().map(|l| format!("{:.0}", 100.0 * l)).collect();
        vec![
            String::new(),
            format!(
                "Noise sigma: estimated {:.4} (validation residuals of the mean) | implied by the \
                 loss {:.4} | true {}",
                p.noise_sigma, self.implied_noise, self.true_noise
            ),
            format!(
                "Test coverage at {} %: weights only {} | weights + noise {}",
                levels.join(" / "),
                list(&c.weights),
                list(&c.total)
            ),
            format!(
                "Test Gaussian NLL (weights + noise) = {:.4} | CRPS = {:.4} ({} points, {} draws)",
                c.nll, c.crps, c.n, p.samples
            ),
            format!(
                "Weights: median sigma {:.4} (start {:.4}, prior {}) | median |mu|/sigma {:.2} | \
                 {:.1} % below 1",
                w.median_sigma,
                w.initial_sigma,
                w.prior_sigma,
                w.median_snr,
                100.0 * w.share_snr_below_1
            ),
            format!(
                "Functions before training: prior spread {:.1} | initial posterior spread {:.4}",
                self.before.prior.spread, self.before.initial.spread
            ),
        ]
    }

    /// The fields added to `summary.json`.
    pub fn json(&self) -> Value {
        let p = &self.predictive;
        let c = &p.calibration;
        let w = &self.weights;
        json!({
            "noise_sigma_hat": p.noise_sigma,
            "implied_noise_sigma": self.implied_noise,
            "true_noise_sigma": self.true_noise,
            "coverage_weights_95": c.weights[AT_95],
            "coverage_total_95": c.total[AT_95],
            "coverage": {
                "levels": LEVELS,
                "weights": c.weights,
                "total": c.total,
            },
            "gaussian_nll": c.nll,
            "crps": c.crps,
            "calibration_points": c.n,
            "predictive_samples": p.samples,
            "median_sigma": w.median_sigma,
            "median_snr": w.median_snr,
            "share_snr_below_1": w.share_snr_below_1,
            "prior_function_spread": self.before.prior.spread,
            "initial_function_spread": self.before.initial.spread,
        })
    }
}
