//! What a run hands out for the page's downloads and for a host page embedding it: the history
//! as CSV (the CLI's `history.csv`), the rows of the epochs not yet reported, and the summary under the CLI's
//! `summary.json` names.

use bbb_core::posterior::calibration::AT_95;
use bbb_core::report::export::history_csv;
use bbb_core::report::posterior_file::settings_of;
use bbb_core::SplitMetrics;
use wasm_bindgen::prelude::*;

use crate::js::{error, num, object};
use crate::session::{stage_name, Session};

fn split_object(m: &SplitMetrics) -> JsValue {
    object(&[
        ("elbo", num(m.elbo)),
        ("nll", num(m.nll)),
        ("kl", num(m.kl)),
        ("rmse", num(m.rmse)),
    ])
}

#[wasm_bindgen]
impl Session {
    /// Every finished epoch, one CSV row each (the same columns as the CLI's `history.csv`).
    #[wasm_bindgen(js_name = historyCsv)]
    pub fn history_csv(&self) -> String {
        history_csv(self.trainer.history())
    }

    /// The finished epochs after epoch `after` (1-based), in order, each `{ epoch, stage,
    /// nextLr, train: {elbo, nll, kl, rmse}, val }` (an empty array when there are none).
    #[wasm_bindgen(js_name = epochsAfter)]
    pub fn epochs_after(&self, after: u32) -> js_sys::Array {
        self.trainer
            .history()
            .iter()
            .filter(|r| r.epoch > after as usize)
            .map(|r| {
                object(&[
                    ("epoch", JsValue::from(r.epoch as u32)),
                    ("stage", JsValue::from_str(stage_name(r.stage))),
                    ("nextLr", num(r.next_lr)),
                    ("train", split_object(&r.train)),
                    ("val", split_object(&r.val)),
                ])
            })
            .collect()
    }

    /// The finished run's posterior as a safetensors file (see `bbb_core::report::posterior_file`).
    #[wasm_bindgen(js_name = posteriorFile)]
    pub async fn posterior_file(&self) -> Result<Vec<u8>, JsError> {
        let file = self
            .trainer
            .posterior_file(self.preset)
            .await
            .map_err(error)?;
        file.encode().map_err(error)
    }

    /// The settings of this run in the page's form (`{ preset, <setting>: text, add?, remove? }`),
    /// for the form and the address after a posterior file was loaded.
    pub fn settings(&self) -> JsValue {
        let pairs = settings_of(self.preset, self.trainer.config());
        let fields: Vec<(&str, JsValue)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), JsValue::from_str(v)))
            .collect();
        object(&fields)
    }

    /// The finished run's summary with the field names of the CLI's `summary.json` (the ones
    /// the page knows: no timings or thread count), or `null` before the test.
    pub fn summary(&self) -> JsValue {
        let Some(s) = self.trainer.summary() else {
            return JsValue::NULL;
        };
        let config = self.trainer.config();
        let d = &s.diagnostics;
        let mut fields = vec![
            ("test_elbo", num(s.test.elbo)),
            ("test_nll", num(s.test.nll)),
            ("test_kl", num(s.test.kl)),
            ("test_rmse", num(s.test.rmse)),
            ("best_val_rmse", num(s.best_val_rmse)),
            ("best_epoch", JsValue::from(s.best_epoch as u32)),
            ("ema_elbo_delta", num(d.ema_elbo_delta)),
            (
                "ema_elbo_nonincrease_ratio",
                num(d.ema_elbo_nonincrease_ratio),
            ),
            ("val_rmse_ema_delta", num(d.val_rmse_ema_delta)),
            ("diagnostics_pass", JsValue::from(d.pass())),
            ("backend", JsValue::from_str(self.backend.name())),
            ("scenario", JsValue::from_str(scenario_name(config))),
            ("method", JsValue::from_str(config.method.name())),
            (
                "train_points",
                JsValue::from(self.trainer.dataset().train.len() as u32),
            ),
            ("seed", num(config.seed as f64)),
            ("epochs", JsValue::from(config.total_epochs() as u32)),
            (
                "n_parameters",
                JsValue::from(self.trainer.n_parameters() as u32),
            ),
        ];
        if let Some(p) = &self.predictive {
            let c = &p.calibration;
            fields.extend([
                ("noise_sigma_hat", num(p.noise_sigma)),
                ("coverage_weights_95", num(c.weights[AT_95])),
                ("coverage_total_95", num(c.total[AT_95])),
                ("gaussian_nll", num(c.nll)),
                ("crps", num(c.crps)),
                ("predictive_samples", JsValue::from(p.samples as u32)),
            ]);
        }
        if let Some(w) = &self.weights {
            fields.extend([
                ("median_sigma", num(w.median_sigma)),
                ("median_snr", num(w.median_snr)),
                ("share_snr_below_1", num(w.share_snr_below_1)),
            ]);
        }
        object(&fields)
    }
}

/// The scenario's name as the CLI writes it.
fn scenario_name(config: &bbb_core::Config) -> &'static str {
    if config.own_data.is_some() {
        "own data"
    } else {
        config.scenario.name()
    }
}
