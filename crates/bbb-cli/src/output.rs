//! `summary.json` (through serde_json); `history.csv` comes from `bbb_core::report::export`.

use bbb_core::config::method::Method;
use bbb_core::model::gradient_variance::GradientVariance;
use bbb_core::Summary;
use serde_json::{json, Value};

/// Timings of a run, in seconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Training and evaluation, start to the finished test.
    pub total: f64,
    /// Mini-batch updates only.
    pub train: f64,
    /// Per-epoch evaluations and the test.
    pub eval: f64,
    /// The posterior predictive on the grid.
    pub predictive: f64,
    /// The gradient meter: its readings while training and the one at the final parameters.
    pub gradient_variance: f64,
}

/// `{"bbb": {"mu": …, "rho": …}, "bbb-lrt": {…}, "bbb-flipout": {…}}`: the trace of the
/// gradient's covariance per estimator, for the μs and the ρs.
pub fn gradient_json(spread: &[(Method, GradientVariance)]) -> Value {
    spread
        .iter()
        .map(|(m, g)| (m.name().to_string(), json!({ "mu": g.mu, "rho": g.rho })))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// A reading of the gradient meter at the end of an epoch: the epoch and each estimator's.
pub type Reading = (usize, Vec<(Method, GradientVariance)>);

/// `history` (the core's CSV) with the meter's readings as six more columns,
/// `grad_var_mu_<method>` and `grad_var_rho_<method>` per estimator, empty in the epochs not read.
pub fn with_readings(history: &str, readings: &[Reading]) -> String {
    let mut out = String::new();
    for (i, line) in history.lines().enumerate() {
        out.push_str(line);
        if i == 0 {
            for m in Method::BBB {
                out.push_str(&format!(",grad_var_mu_{0},grad_var_rho_{0}", m.name()));
            }
        } else {
            let epoch: usize = line
                .split(',')
                .next()
                .and_then(|e| e.parse().ok())
                .unwrap_or(0);
            match readings.iter().find(|(e, _)| *e == epoch) {
                Some((_, spread)) => {
                    for (_, g) in spread {
                        out.push_str(&format!(",{},{}", g.mu, g.rho));
                    }
                }
                None => out.push_str(&",".repeat(2 * Method::BBB.len())),
            }
        }
        out.push('\n');
    }
    out
}

/// Run facts that are not in the core's summary.
pub struct RunInfo<'a> {
    /// Backend name.
    pub backend: &'a str,
    /// Preset name.
    pub preset: &'a str,
    /// Scenario name (`own data` for a person's file).
    pub scenario: &'a str,
    /// How the weights were learnt (the `method` setting).
    pub method: &'a str,
    /// Training points actually used.
    pub train_points: usize,
    /// Seed.
    pub seed: u64,
    /// Trainable scalars.
    pub n_parameters: usize,
    /// Epochs run (warmup + VI).
    pub epochs: usize,
    /// Threads the evaluations used.
    pub threads: usize,
}

/// The summary as a JSON object, with the fields of `extra` (an object) added; non-finite
/// numbers become `null`.
pub fn summary_json(s: &Summary, info: &RunInfo, t: &Timings, extra: Value) -> String {
    let d = &s.diagnostics;
    let mut value = json!({
        "test_elbo": s.test.elbo,
        "test_nll": s.test.nll,
        "test_kl": s.test.kl,
        "test_rmse": s.test.rmse,
        "best_val_rmse": s.best_val_rmse,
        "best_epoch": s.best_epoch,
        "ema_elbo_delta": d.ema_elbo_delta,
        "ema_elbo_nonincrease_ratio": d.ema_elbo_nonincrease_ratio,
        "val_rmse_ema_delta": d.val_rmse_ema_delta,
        "diagnostics_pass": d.pass(),
        "seconds_total": t.total,
        "seconds_train": t.train,
        "seconds_eval": t.eval,
        "seconds_predictive": t.predictive,
        "seconds_gradient_variance": t.gradient_variance,
        "backend": info.backend,
        "threads": info.threads,
        "preset": info.preset,
        "scenario": info.scenario,
        "method": info.method,
        "train_points": info.train_points,
        "seed": info.seed,
        "epochs": info.epochs,
        "n_parameters": info.n_parameters,
    });
    if let (Some(fields), Value::Object(more)) = (value.as_object_mut(), extra) {
        fields.extend(more);
    }
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON object always serialises");
    text.push('\n');
    text
}
