//! `summary.json` and `history.csv`, written by hand: flat records need no serialiser.

use bbb_core::{EpochRecord, Summary};
use std::fmt::Write as _;

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
}

/// Run facts that are not in the core's summary.
pub struct RunInfo<'a> {
    /// Backend name.
    pub backend: &'a str,
    /// Preset name.
    pub preset: &'a str,
    /// Seed.
    pub seed: u64,
    /// Trainable scalars.
    pub n_parameters: usize,
    /// Epochs run (warmup + VI).
    pub epochs: usize,
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

/// The summary as a JSON object.
pub fn summary_json(s: &Summary, info: &RunInfo, t: &Timings) -> String {
    let d = &s.diagnostics;
    let fields: Vec<(&str, String)> = vec![
        ("test_elbo", num(s.test.elbo)),
        ("test_nll", num(s.test.nll)),
        ("test_kl", num(s.test.kl)),
        ("test_rmse", num(s.test.rmse)),
        ("best_val_rmse", num(s.best_val_rmse)),
        ("best_epoch", s.best_epoch.to_string()),
        ("ema_elbo_delta", num(d.ema_elbo_delta)),
        (
            "ema_elbo_nonincrease_ratio",
            num(d.ema_elbo_nonincrease_ratio),
        ),
        ("val_rmse_ema_delta", num(d.val_rmse_ema_delta)),
        ("diagnostics_pass", d.pass().to_string()),
        ("seconds_total", num(t.total)),
        ("seconds_train", num(t.train)),
        ("seconds_eval", num(t.eval)),
        ("seconds_predictive", num(t.predictive)),
        ("backend", format!("\"{}\"", info.backend)),
        ("preset", format!("\"{}\"", info.preset)),
        ("seed", info.seed.to_string()),
        ("epochs", info.epochs.to_string()),
        ("n_parameters", info.n_parameters.to_string()),
    ];
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("  \"{k}\": {v}"))
        .collect();
    format!("{{\n{}\n}}\n", body.join(",\n"))
}

/// One CSV row per epoch.
pub fn history_csv(history: &[EpochRecord]) -> String {
    let mut out = String::from(
        "epoch,stage,lr,train_elbo,train_nll,train_kl,train_rmse,val_elbo,val_nll,val_kl,val_rmse\n",
    );
    for r in history {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{}",
            r.epoch,
            r.stage.name(),
            r.lr,
            r.train.elbo,
            r.train.nll,
            r.train.kl,
            r.train.rmse,
            r.val.elbo,
            r.val.nll,
            r.val.kl,
            r.val.rmse
        );
    }
    out
}
