//! Each figure in words, with its numbers: the text alternative a screen reader reads for a
//! canvas, and the live region's summary at the end of a run. Built here from the run's state so
//! the page's JavaScript only places the sentences.

use bbb_core::posterior::calibration::{AT_95, LEVELS};
use wasm_bindgen::prelude::*;

use crate::js::object;
use crate::session::Session;

fn pct(v: f64) -> String {
    format!("{:.0} %", 100.0 * v)
}

#[wasm_bindgen]
impl Session {
    /// `{ data, before, curves, predictive, calibration, weights, result }`: one or two
    /// sentences per figure with the numbers it shows (`result`: the run's outcome, or where
    /// training stands).
    pub fn describe(&self) -> JsValue {
        let d = self.trainer.dataset();
        let (lo, hi) = d.view;
        let data = format!(
            "Scatter of {} training and {} validation points, x from {lo:.1} to {hi:.1}{}.",
            d.train.len(),
            d.val.len(),
            if d.has_truth {
                ", with the true function as a line"
            } else {
                ""
            }
        );
        let before = self.before.as_ref().map_or(String::new(), |b| {
            format!(
                "Functions drawn before training: from the prior they spread by about {:.2}; \
                 from the initial posterior by about {:.2}.",
                b.prior.spread, b.initial.spread
            )
        });
        let history = self.trainer.history();
        let total = self.trainer.config().total_epochs();
        let curves = match (history.first(), history.last(), self.trainer.best()) {
            (Some(first), Some(last), Some((best_epoch, best))) => format!(
                "Training curves over {} of {total} epochs: training ELBO from {:.4} to {:.4}; \
                 validation RMSE from {:.4} to {:.4}, best {best:.4} at epoch {best_epoch}.",
                history.len(),
                first.train.elbo,
                last.train.elbo,
                first.val.rmse,
                last.val.rmse
            ),
            _ => format!("Training curves: no epoch of {total} has finished yet."),
        };
        let (predictive, calibration) = match &self.predictive {
            Some(p) => {
                let c = &p.calibration;
                let levels: Vec<String> =
                    LEVELS.iter().map(|l| format!("{:.0}", 100.0 * l)).collect();
                let list = |v: &[f64; 5]| {
                    v.iter()
                        .map(|x| format!("{:.0}", 100.0 * x))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                (
                    format!(
                        "Predictive mean of {} sampled networks with two 95 % bands: the \
                         weights-only band holds {} of the test points, the band with the \
                         estimated noise ({:.3}) added holds {}.",
                        p.samples,
                        pct(c.weights[AT_95]),
                        p.noise_sigma,
                        pct(c.total[AT_95])
                    ),
                    format!(
                        "Coverage at nominal {} %: weights-only band {} %; with noise {} %.",
                        levels.join(", "),
                        list(&c.weights),
                        list(&c.total)
                    ),
                )
            }
            None => (
                "The predictive appears once training starts.".to_string(),
                "Calibration appears once training starts.".to_string(),
            ),
        };
        let weights = self.weights.as_ref().map_or(String::new(), |w| {
            format!(
                "Histograms of the weights: median σ {:.4}; {} of the weights have |μ|/σ below 1.",
                w.median_sigma,
                pct(w.share_snr_below_1)
            )
        });
        let result = match (self.trainer.summary(), &self.predictive) {
            (Some(s), Some(p)) => format!(
                "Training finished. Test RMSE {:.4}, diagnostics {}. Best epoch {} of {total}. \
                 The 95 % band with noise holds {} of the test points.",
                s.test.rmse,
                if s.diagnostics.pass() { "pass" } else { "fail" },
                s.best_epoch,
                pct(p.calibration.total[AT_95])
            ),
            _ => format!("Epoch {} of {total}.", self.trainer.progress().epochs_done),
        };
        object(&[
            ("data", data.into()),
            ("before", before.into()),
            ("curves", curves.into()),
            ("predictive", predictive.into()),
            ("calibration", calibration.into()),
            ("weights", weights.into()),
            ("result", result.into()),
        ])
    }
}
