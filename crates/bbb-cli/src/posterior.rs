//! What the run learned about its own uncertainty: the noise level (estimated and implied by
//! the loss), the calibration of both bands on the test split, the weights' spreads and the
//! functions before training. Printed after the tutorial's lines and added to `summary.json`.

use bbb_core::gp::view::GpView;
use bbb_core::posterior::calibration::{AT_95, LEVELS};
use bbb_core::posterior::regions::{ByRegion, Region, RegionScore, Regions};
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
    /// The noise level the data were drawn with (NaN for a person's own data).
    pub true_noise: f64,
    /// The Gaussian process beside the network, when the run has one.
    pub gp: Option<GpView>,
    /// The training range and its gaps.
    pub regions: Regions,
}

pub fn region_line(who: &str, region: Region, r: Option<RegionScore>) -> String {
    match r {
        None => format!("  {who:<8} {:<8} no test points", region.name()),
        Some(r) => format!(
            "  {who:<8} {:<8} {:>4} points | 95 % band width {:.3} (with noise {:.3}) | coverage {:.3} | RMSE {:.4} | NLL {:.3} | CRPS {:.4}",
            region.name(),
            r.points,
            r.doubt_width,
            r.total_width,
            r.coverage_95,
            r.rmse,
            r.nll,
            r.crps
        ),
    }
}

/// "training inputs span [a, b], gaps (c, d), …" (or "gaps none").
pub fn span_and_gaps(r: &Regions) -> String {
    let gaps: Vec<String> = r
        .gaps
        .iter()
        .map(|(a, b)| format!("({a:.2}, {b:.2})"))
        .collect();
    let gaps = if gaps.is_empty() {
        "none".to_string()
    } else {
        gaps.join(", ")
    };
    format!(
        "training inputs span [{:.2}, {:.2}], gaps {gaps}",
        r.lo, r.hi
    )
}

pub fn region_json(r: &ByRegion) -> Value {
    let field = |r: Option<RegionScore>| {
        r.map_or(Value::Null, |r| {
            json!({
                "points": r.points,
                "doubt_width_95": r.doubt_width,
                "total_width_95": r.total_width,
                "coverage_95": r.coverage_95,
                "rmse": r.rmse,
                "nll": r.nll,
                "crps": r.crps,
            })
        })
    };
    json!({ "data": field(r[0]), "gap": field(r[1]), "outside": field(r[2]) })
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
        .into_iter()
        .chain(self.region_lines())
        .collect()
    }

    /// Where the doubt is: each region's scores for the network and the Gaussian process.
    fn region_lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "Where the doubt is (test points): {}",
            span_and_gaps(&self.regions)
        )];
        for region in Region::ALL {
            lines.push(region_line(
                "network",
                region,
                self.predictive.regions[region as usize],
            ));
            if let Some(gp) = &self.gp {
                lines.push(region_line("GP", region, gp.regions[region as usize]));
            }
        }
        if let Some(gp) = &self.gp {
            let h = gp.hyper;
            lines.push(format!(
                "  GP hyperparameters by marginal likelihood: lengthscale {:.3}, signal sd {:.3}, noise sd {:.4}",
                h.lengthscale, h.signal_sd, h.noise_sd
            ));
        }
        lines
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
            "regions": {
                "train_range": [self.regions.lo, self.regions.hi],
                "gaps": self.regions.gaps.iter().map(|&(a, b)| [a, b]).collect::<Vec<_>>(),
                "network": region_json(&p.regions),
                "gp": self.gp.as_ref().map(|g| region_json(&g.regions)),
            },
            "gp_hyper": self.gp.as_ref().map(|g| json!({
                "lengthscale": g.hyper.lengthscale,
                "signal_sd": g.hyper.signal_sd,
                "noise_sd": g.hyper.noise_sd,
            })),
        })
    }
}
