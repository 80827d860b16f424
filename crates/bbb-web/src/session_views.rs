//! What a session shows of its run: the numbers of the metrics table, the predictive (a pass
//! at a time, or drawn by the evaluation workers), the GP beside it, the regions, the weight
//! space.

use bbb_core::gp::view::gp_view;
use bbb_core::posterior::calibration::AT_95;
use bbb_core::posterior::regions::{ByRegion, Region, RegionScore};
use bbb_core::report::metrics::MIN_NONINCREASE_RATIO;
use wasm_bindgen::prelude::*;

use crate::js::{error, now_ms, num, object};
use crate::session::Session;

/// One region's scores as a plain object (`null` when the region has no test point).
fn region_object(r: Option<RegionScore>) -> JsValue {
    r.map_or(JsValue::NULL, |r| {
        object(&[
            ("points", JsValue::from(r.points as u32)),
            ("rmse", num(r.rmse)),
            ("coverage95", num(r.coverage_95)),
            ("nll", num(r.nll)),
            ("doubtWidth", num(r.doubt_width)),
            ("totalWidth", num(r.total_width)),
        ])
    })
}

/// Scores by region, `{ data, gap, outside }`.
fn regions_object(r: &ByRegion) -> JsValue {
    let fields: Vec<(&str, JsValue)> = Region::ALL
        .iter()
        .map(|&g| (g.name(), region_object(r[g as usize])))
        .collect();
    object(&fields)
}

#[wasm_bindgen]
impl Session {
    /// The numbers for the metrics table (`null` where not known yet).
    pub fn metrics(&self) -> JsValue {
        let last = self.trainer.history().last().copied();
        let best = self.trainer.best();
        let s = self.trainer.summary();
        let d = s.map(|s| s.diagnostics);
        let opt = |v: Option<f64>| v.map_or(JsValue::NULL, num);
        let p = self.predictive.as_ref();
        let c = p.map(|p| p.calibration);
        let w = self.weights.as_ref();
        let b = self.before.as_ref();
        object(&[
            ("facts", crate::facts::facts(self)),
            ("noiseSigmaHat", opt(p.map(|p| p.noise_sigma))),
            ("impliedNoiseSigma", num(self.trainer.implied_noise_sigma())),
            (
                "impliedNoiseStandardised",
                num(bbb_core::posterior::calibration::implied_noise_sigma(
                    self.trainer.config(),
                    1.0,
                )),
            ),
            ("trueNoiseSigma", num(self.trainer.config().noise_std)),
            ("predictiveSamples", opt(p.map(|p| p.samples as f64))),
            ("coverageWeights95", opt(c.map(|c| c.weights[AT_95]))),
            ("coverageTotal95", opt(c.map(|c| c.total[AT_95]))),
            ("gaussianNll", opt(c.map(|c| c.nll))),
            ("crps", opt(c.map(|c| c.crps))),
            ("medianSigma", opt(w.map(|w| w.median_sigma))),
            ("medianSnr", opt(w.map(|w| w.median_snr))),
            ("shareSnrBelow1", opt(w.map(|w| w.share_snr_below_1))),
            ("priorSpread", opt(b.map(|b| b.prior.spread))),
            ("initialSpread", opt(b.map(|b| b.initial.spread))),
            ("bestValRmse", opt(best.map(|b| b.1))),
            (
                "bestEpoch",
                best.map_or(JsValue::NULL, |b| JsValue::from(b.0 as u32)),
            ),
            ("trainElbo", opt(last.map(|r| r.train.elbo))),
            ("valElbo", opt(last.map(|r| r.val.elbo))),
            ("valRmse", opt(last.map(|r| r.val.rmse))),
            ("nextLr", opt(last.map(|r| r.next_lr))),
            ("testElbo", opt(s.map(|s| s.test.elbo))),
            ("testNll", opt(s.map(|s| s.test.nll))),
            ("testKl", opt(s.map(|s| s.test.kl))),
            ("testRmse", opt(s.map(|s| s.test.rmse))),
            ("emaElboDelta", opt(d.map(|d| d.ema_elbo_delta))),
            ("emaRatio", opt(d.map(|d| d.ema_elbo_nonincrease_ratio))),
            ("ratioThreshold", num(MIN_NONINCREASE_RATIO)),
            (
                "diagnostics",
                d.map_or(JsValue::NULL, |d| {
                    JsValue::from_str(if d.pass() { "PASS" } else { "FAIL" })
                }),
            ),
        ])
    }

    /// Recomputes the posterior predictive in one call: the light one redrawn while training
    /// (`live`), or the final one. Its sizes are settings (`live-samples`,
    /// `predictive-samples`, …). The page uses `startPredictive` and `predictiveStep` instead,
    /// which give the same predictive without holding the main thread.
    #[wasm_bindgen(js_name = refreshPredictive)]
    pub async fn refresh_predictive(&mut self, live: bool) -> Result<(), JsError> {
        self.start_predictive(live)?;
        while !self.predictive_step(f64::INFINITY).await? {}
        Ok(())
    }

    /// Starts recomputing the predictive (see `refreshPredictive`), to be advanced by
    /// `predictiveStep`; the one shown so far stays until the new one is complete.
    #[wasm_bindgen(js_name = startPredictive)]
    pub fn start_predictive(&mut self, live: bool) -> Result<(), JsError> {
        let c = self.trainer.config();
        let (samples, points) = if live {
            (c.live_samples, c.live_grid_points)
        } else {
            (c.predictive_samples, c.grid_points)
        };
        let job = self.trainer.start_predictive(samples, points, live);
        self.computing = Some(job.map_err(error)?);
        self.computing_live = live;
        self.started += 1;
        Ok(())
    }

    /// The predictive being computed, for the evaluation workers: `{ id, params, features,
    /// key, samples, passes }` (the draws of passes `first..end` come from
    /// `EvalWorker.draw`), or `null` when this run's evaluations are not computed outside.
    #[wasm_bindgen(js_name = meterJob)]
    /// What an evaluation worker needs to read the gradient meter at the current parameters
    /// (the best state once the run is done): `{ params, epochs }`.
    pub async fn meter_job(&self) -> Result<JsValue, JsError> {
        let (params, epochs) = self.trainer.meter_job().await.map_err(error)?;
        Ok(object(&[
            (
                "params",
                js_sys::Float32Array::from(params.as_slice()).into(),
            ),
            ("epochs", JsValue::from(epochs as u32)),
        ]))
    }

    /// Section 4's sentence on the meter's reading `values` (`EvalWorker.gradientVariance`).
    #[wasm_bindgen(js_name = meterSentence)]
    pub fn meter_sentence(&self, values: Vec<f64>) -> String {
        use bbb_core::config::method::Method;
        if values.len() != 2 * Method::BBB.len() || values.iter().any(|v| !v.is_finite()) {
            return "The gradient meter could not be read for this run.".into();
        }
        let base = values[0];
        let parts: Vec<String> = Method::BBB
            .iter()
            .zip(values.chunks(2))
            .map(|(m, v)| {
                let ratio = base / v[0];
                if *m == Method::Bbb {
                    format!("{:.1e} for {}", v[0], m.name())
                } else if ratio >= 1.0 {
                    format!("{:.1e} for {} ({ratio:.1}× less)", v[0], m.name())
                } else {
                    format!("{:.1e} for {} ({:.1}× more)", v[0], m.name(), 1.0 / ratio)
                }
            })
            .collect();
        format!(
            "Measured at this run's final weights, {} gradient draws on one mini-batch of {} points: the variance of the gradient of the means (the trace of its covariance) is {}.",
            bbb_core::train::gradient_meter::METER_DRAWS,
            self.trainer.config().batch_size.min(self.trainer.dataset().train.len()),
            parts.join(", ")
        )
    }

    #[wasm_bindgen(js_name = predictiveJob)]
    pub async fn predictive_job(&self) -> Result<JsValue, JsError> {
        let Some(job) = &self.computing else {
            return Err(JsError::new("no predictive is being computed"));
        };
        let Some(job) = self.trainer.predictive_outside(job).await.map_err(error)? else {
            return Ok(JsValue::NULL);
        };
        let key: Vec<u32> = job.key.iter().map(|&k| k as u32).collect();
        Ok(object(&[
            ("id", JsValue::from(self.started)),
            (
                "params",
                js_sys::Float32Array::from(job.params.as_slice()).into(),
            ),
            (
                "features",
                js_sys::Float32Array::from(job.features.as_slice()).into(),
            ),
            ("key", js_sys::Uint32Array::from(key.as_slice()).into()),
            ("samples", JsValue::from(job.samples as u32)),
            ("passes", JsValue::from(job.passes as u32)),
        ]))
    }

    /// The draws of predictive `id` computed outside, every pass in order; says whether they
    /// were used (false when another predictive has been started since: they are dropped).
    #[wasm_bindgen(js_name = deliverPredictive)]
    pub fn deliver_predictive(&mut self, id: u32, draws: Vec<f32>) -> Result<bool, JsError> {
        if id != self.started || self.computing.is_none() {
            return Ok(false);
        }
        let job = self.computing.take().expect("checked above");
        self.predictive = Some(
            self.trainer
                .finish_predictive_with(job, draws)
                .map_err(error)?,
        );
        Ok(true)
    }

    /// Takes passes of the predictive's draws for about `budget_ms` milliseconds (at least
    /// one); resolves to `true` once the predictive is complete and shown.
    #[wasm_bindgen(js_name = predictiveStep)]
    pub async fn predictive_step(&mut self, budget_ms: f64) -> Result<bool, JsError> {
        let Some(mut job) = self.computing.take() else {
            return Err(JsError::new("no predictive is being computed"));
        };
        let start = now_ms();
        loop {
            if job.step() {
                match self.trainer.finish_predictive(job).await {
                    Ok(p) => {
                        self.predictive = Some(p);
                        return Ok(true);
                    }
                    // A lost WebGPU device: the run and this predictive go on on the CPU.
                    Err(e) => {
                        if !matches!(self.recover().await, Ok(true)) {
                            return Err(error(e));
                        }
                        self.start_predictive(self.computing_live)?;
                        return Ok(false);
                    }
                }
            }
            if now_ms() - start >= budget_ms {
                self.computing = Some(job);
                return Ok(false);
            }
        }
    }

    /// Draws a fresh set of sampled networks for the predictive figure, band and numbers kept
    /// (before the first predictive, computes a light one).
    pub async fn resample(&mut self) -> Result<(), JsError> {
        let Some(mut p) = self.predictive.take() else {
            return self.refresh_predictive(true).await;
        };
        let result = self.trainer.resample(&mut p).await;
        self.predictive = Some(p);
        result.map_err(error)
    }

    /// Whether this run shows a Gaussian process beside the network (the `gp` setting).
    #[wasm_bindgen(getter, js_name = gpShown)]
    pub fn gp_shown(&self) -> bool {
        self.trainer.config().gp > 0
    }

    /// Fits the Gaussian process to the run's training points and predicts its band and the
    /// test split (once a run: the data do not change while it trains).
    #[wasm_bindgen(js_name = refreshGp)]
    pub fn refresh_gp(&mut self) -> Result<(), JsError> {
        if self.gp.is_none() && self.gp_shown() {
            self.gp = Some(gp_view(self.trainer.dataset()).map_err(error)?);
        }
        Ok(())
    }

    /// Where the doubt is: `{ network, gp, gpHyper, trainPoints, gaps }`, each of the first two
    /// scored by region (`null` until known).
    pub fn regions(&self) -> JsValue {
        let data = self.trainer.dataset();
        let r = bbb_core::posterior::regions::Regions::of(&data.train.x);
        let gaps: js_sys::Array = r
            .gaps
            .iter()
            .map(|&(a, b)| -> JsValue { js_sys::Array::of2(&num(a), &num(b)).into() })
            .collect();
        object(&[
            (
                "network",
                self.predictive
                    .as_ref()
                    .map_or(JsValue::NULL, |p| regions_object(&p.regions)),
            ),
            (
                "gp",
                self.gp
                    .as_ref()
                    .map_or(JsValue::NULL, |g| regions_object(&g.regions)),
            ),
            (
                "gpHyper",
                self.gp.as_ref().map_or(JsValue::NULL, |g| {
                    object(&[
                        ("lengthscale", num(g.hyper.lengthscale)),
                        ("signalSd", num(g.hyper.signal_sd)),
                        ("noiseSd", num(g.hyper.noise_sd)),
                    ])
                }),
            ),
            ("trainPoints", JsValue::from(data.train.len() as u32)),
            ("range", js_sys::Array::of2(&num(r.lo), &num(r.hi)).into()),
            ("gaps", gaps.into()),
        ])
    }

    /// Whether the predictive, calibration and weight figures redraw while training.
    #[wasm_bindgen(getter, js_name = liveViews)]
    pub fn live_views(&self) -> bool {
        self.trainer.config().live_views > 0
    }

    /// Re-reads every weight's σ and |μ|/σ for the weight-space histograms.
    #[wasm_bindgen(js_name = refreshWeights)]
    pub async fn refresh_weights(&mut self) -> Result<(), JsError> {
        self.weights = Some(self.trainer.weight_space().await.map_err(error)?);
        Ok(())
    }
}
