//! The one exported stateful object. The page creates a `Session`, calls `step` from its
//! animation loop (one call in flight at a time), and asks for metrics and drawings.

use bbb_core::calibration::AT_95;
use bbb_core::gp_view::{gp_view, GpView};
use bbb_core::metrics::MIN_NONINCREASE_RATIO;
use bbb_core::posterior_file::PosteriorFile;
use bbb_core::regions::{ByRegion, Region, RegionScore};
use bbb_core::{
    Backend, BeforeTraining, Event, Phase, Predictive, PredictiveJob, Preset, Stage, Trainer,
    WeightSpace,
};
use wasm_bindgen::prelude::*;

use crate::backend::{open, BackendChoice, Opened};
use crate::canvas::AnyCanvas;
use crate::draw;
use crate::js::{error, now_ms, num, object};
use crate::probe::Race;
use crate::settings::config_from;

/// Draws the data of `settings` before any backend has started (the page's first plot).
#[wasm_bindgen(js_name = drawDataPreview)]
pub fn draw_data_preview(settings: JsValue, canvas: &AnyCanvas) -> Result<(), JsError> {
    let config = config_from(&settings)?;
    let added = config.edits.added.len();
    draw::data(canvas, &bbb_core::data::Dataset::generate(&config), added).map_err(error)
}

/// A training run of the tutorial living in the page.
#[wasm_bindgen]
pub struct Session {
    pub(crate) trainer: Trainer,
    pub(crate) backend: Backend,
    note: Option<String>,
    pub(crate) predictive: Option<Predictive>,
    /// A predictive being computed a pass at a time (`startPredictive`, `predictiveStep`) or
    /// outside (`predictiveJob`, `deliverPredictive`).
    computing: Option<PredictiveJob>,
    /// Predictives started so far: the one being computed is number `started`.
    started: u32,
    pub(crate) weights: Option<WeightSpace>,
    pub(crate) before: Option<BeforeTraining>,
    gp: Option<GpView>,
    error: Option<String>,
    /// The preset the settings started from (a saved posterior records it).
    pub(crate) preset: Preset,
    /// The timing race "best available" ran to choose the backend, if it ran one.
    race: Option<Race>,
}

/// `settings.preset` (the quick preset when absent).
fn preset_of(settings: &JsValue) -> Result<Preset, JsError> {
    let preset = js_sys::Reflect::get(settings, &JsValue::from_str("preset"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "quick".into());
    Preset::parse(&preset).map_err(error)
}

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

pub(crate) fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Warmup => "warmup",
        Stage::Vi => "VI",
    }
}

#[wasm_bindgen]
impl Session {
    /// Starts a run with `settings` (`{ preset, <setting name>: text, … }`, any table setting)
    /// on the chosen backend.
    pub async fn create(settings: JsValue, backend: BackendChoice) -> Result<Session, JsError> {
        let config = config_from(&settings)?;
        let preset = preset_of(&settings)?;
        let opened = open(backend).await;
        let trainer = Trainer::new(config, opened.device.clone(), opened.noise).map_err(error)?;
        Self::with_trainer(trainer, opened, preset).await
    }

    /// Shows a saved posterior (a `posterior.safetensors` from bbb-cli or from this page)
    /// without training: one `step` scores its test split; the figures and numbers follow as
    /// after a run. A file that cannot be used is refused with the reason.
    #[wasm_bindgen(js_name = fromPosterior)]
    pub async fn from_posterior(
        bytes: Vec<u8>,
        backend: BackendChoice,
    ) -> Result<Session, JsError> {
        let file = PosteriorFile::decode(&bytes).map_err(error)?;
        let config = file.config().map_err(error)?;
        let preset = file
            .settings
            .iter()
            .find(|(k, _)| k == "preset")
            .map_or(Ok(Preset::Quick), |(_, v)| Preset::parse(v))
            .map_err(error)?;
        let opened = open(backend).await;
        let trainer = Trainer::from_posterior(&file, config, opened.device.clone(), opened.noise)
            .map_err(error)?;
        Self::with_trainer(trainer, opened, preset).await
    }

    async fn with_trainer(
        trainer: Trainer,
        opened: Opened,
        preset: Preset,
    ) -> Result<Session, JsError> {
        // What the run starts from, before any training: cheap, and shown at once.
        let points = trainer.config().live_grid_points;
        let before = trainer.before_training(points).await.map_err(error)?;
        let weights = trainer.weight_space().await.map_err(error)?;
        Ok(Session {
            trainer,
            backend: opened.backend,
            note: opened.note,
            predictive: None,
            computing: None,
            started: 0,
            weights: Some(weights),
            before: Some(before),
            gp: None,
            error: None,
            preset,
            race: opened.race,
        })
    }

    /// Milliseconds per training step on each backend, `{ webgpu, cpu }`, when "best
    /// available" timed both to choose (a real GPU, or `countSoftwareAdapter(true)`); else `null`.
    #[wasm_bindgen(getter)]
    pub fn race(&self) -> JsValue {
        self.race.map_or(JsValue::NULL, |r| {
            object(&[("webgpu", num(r.webgpu.ms)), ("cpu", num(r.cpu.ms))])
        })
    }

    /// `"webgpu"` or `"cpu"`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        match self.backend {
            Backend::Wgpu => "webgpu".into(),
            _ => "cpu".into(),
        }
    }

    /// A human-readable backend label (`WebGPU`, `CPU (flex, wasm SIMD)`).
    #[wasm_bindgen(getter, js_name = backendLabel)]
    pub fn backend_label(&self) -> String {
        match self.backend {
            Backend::Wgpu => "WebGPU".into(),
            b => format!("CPU ({b}, wasm SIMD)"),
        }
    }

    /// Why the requested backend was not used, if it was not.
    #[wasm_bindgen(getter)]
    pub fn note(&self) -> Option<String> {
        self.note.clone()
    }

    /// Whether the run has finished.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.trainer.is_done()
    }

    /// Does training work for about `budget_ms` milliseconds, stopping early at the end of an
    /// epoch so the page can redraw. Resolves to a progress report.
    pub async fn step(&mut self, budget_ms: f64) -> Result<JsValue, JsError> {
        let start = now_ms();
        let mut epoch_done = false;
        while !self.trainer.is_done() {
            let event = self.trainer.step().await.map_err(|e| {
                self.error = Some(e.to_string());
                error(e)
            })?;
            if matches!(event, Event::Epoch(_) | Event::Finished(_)) {
                epoch_done = true;
                break;
            }
            if let Event::Waiting { .. } = event {
                return Ok(self.progress_with(epoch_done, true));
            }
            if now_ms() - start >= budget_ms {
                break;
            }
        }
        Ok(self.progress_object(epoch_done))
    }

    /// Trains to the end of the current epoch (the Step button); stops early, `waiting`, when
    /// an evaluation handed to the workers must come back first.
    #[wasm_bindgen(js_name = stepEpoch)]
    pub async fn step_epoch(&mut self) -> Result<JsValue, JsError> {
        if !self.trainer.is_done() {
            if let Event::Waiting { .. } = self.trainer.run_epoch().await.map_err(error)? {
                return Ok(self.progress_with(false, true));
            }
        }
        Ok(self.progress_object(true))
    }

    /// Hands each epoch's evaluation to the page's workers (`true`, flex runs only) or computes
    /// it in the training steps (`false`; a job already handed out is then computed here).
    /// Says whether workers are used.
    #[wasm_bindgen(js_name = useWorkers)]
    pub fn use_workers(&mut self, on: bool) -> bool {
        // The workers compute on flex: an ndarray run evaluates in its own steps, so that
        // every number of it comes from ndarray.
        self.trainer
            .set_outside_evaluation(on && self.backend == Backend::Flex)
    }

    /// How many evaluation workers this run keeps busy on a machine with `cores` cores (at
    /// least one): every core when its evaluation outweighs its training (both presets),
    /// otherwise one less ([`bbb_core::parallel::evaluators_for`]).
    #[wasm_bindgen(js_name = evaluationWorkers)]
    pub fn evaluation_workers(&self, cores: usize) -> usize {
        bbb_core::parallel::evaluators_for(self.trainer.config(), cores)
    }

    /// The evaluation job for the workers, `{ epoch, params, batches }`, or `null`.
    #[wasm_bindgen(js_name = takeEvaluationJob)]
    pub fn take_evaluation_job(&mut self) -> JsValue {
        self.trainer
            .take_evaluation_job()
            .map_or(JsValue::NULL, |job| {
                object(&[
                    ("epoch", JsValue::from(job.epoch as u32)),
                    (
                        "params",
                        js_sys::Float32Array::from(job.params.as_slice()).into(),
                    ),
                    ("batches", JsValue::from(job.batches as u32)),
                ])
            })
    }

    /// The workers' sums for epoch `epoch` (two per batch, in batch order).
    #[wasm_bindgen(js_name = deliverEvaluation)]
    pub fn deliver_evaluation(&mut self, epoch: usize, sums: Vec<f32>) -> Result<(), JsError> {
        self.trainer.deliver_evaluation(epoch, sums).map_err(error)
    }

    /// Where the run stands: `{ epoch, totalEpochs, stage, phase, fraction, epochDone, done }`.
    pub fn progress(&self) -> JsValue {
        self.progress_object(false)
    }

    fn progress_object(&self, epoch_done: bool) -> JsValue {
        self.progress_with(epoch_done, false)
    }

    fn progress_with(&self, epoch_done: bool, waiting: bool) -> JsValue {
        let p = self.trainer.progress();
        let phase = match p.phase {
            Phase::Train { .. } => "training",
            Phase::Evaluate { .. } => "evaluating",
            Phase::Test => "testing",
            Phase::Done => "done",
        };
        object(&[
            ("epoch", JsValue::from(p.epochs_done as u32)),
            ("totalEpochs", JsValue::from(p.total_epochs as u32)),
            ("stage", JsValue::from_str(stage_name(p.stage))),
            ("phase", JsValue::from_str(phase)),
            ("fraction", num(p.fraction)),
            ("epochDone", JsValue::from(epoch_done)),
            ("done", JsValue::from(self.trainer.is_done())),
            ("waiting", JsValue::from(waiting)),
        ])
    }

    /// Estimated seconds left, given the seconds the page has spent training so far.
    pub fn eta(&self, elapsed_s: f64) -> JsValue {
        let f = self.trainer.progress().fraction;
        if f <= 0.0 || !elapsed_s.is_finite() {
            return JsValue::NULL;
        }
        num(elapsed_s * (1.0 - f) / f)
    }

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
            ("noiseSigmaHat", opt(p.map(|p| p.noise_sigma))),
            ("impliedNoiseSigma", num(self.trainer.implied_noise_sigma())),
            (
                "impliedNoiseStandardised",
                num(bbb_core::calibration::implied_noise_sigma(
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
        self.started += 1;
        Ok(())
    }

    /// The predictive being computed, for the evaluation workers: `{ id, params, features,
    /// key, samples, passes }` (the draws of passes `first..end` come from
    /// `EvalWorker.draw`), or `null` when this run's evaluations are not computed outside.
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
                let p = self.trainer.finish_predictive(job).await.map_err(error)?;
                self.predictive = Some(p);
                return Ok(true);
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
        let r = bbb_core::regions::Regions::of(&data.train.x);
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

    /// Draws the functions from the prior and from the initial posterior.
    #[wasm_bindgen(js_name = drawBefore)]
    pub fn draw_before(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::before(canvas, &self.trainer, self.before.as_ref()).map_err(error)
    }

    /// Draws the reliability plot of the latest predictive.
    #[wasm_bindgen(js_name = drawCalibration)]
    pub fn draw_calibration(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::calibration(canvas, self.predictive.as_ref()).map_err(error)
    }

    /// Draws the weight-space histograms.
    #[wasm_bindgen(js_name = drawWeights)]
    pub fn draw_weights(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::weights(canvas, self.weights.as_ref()).map_err(error)
    }

    /// Draws the data sanity plot.
    #[wasm_bindgen(js_name = drawData)]
    pub fn draw_data(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        let added = self.trainer.config().edits.added.len();
        draw::data(canvas, self.trainer.dataset(), added).map_err(error)
    }

    /// Draws the training curves so far.
    #[wasm_bindgen(js_name = drawCurves)]
    pub fn draw_curves(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::curves(canvas, &self.trainer).map_err(error)
    }

    /// Draws the latest posterior predictive.
    #[wasm_bindgen(js_name = drawPredictive)]
    pub fn draw_predictive(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::predictive(
            canvas,
            &self.trainer,
            self.predictive.as_ref(),
            self.gp.as_ref(),
        )
        .map_err(error)
    }

    /// The last training error, if the run stopped on one (its state is kept).
    #[wasm_bindgen(getter, js_name = lastError)]
    pub fn last_error(&self) -> Option<String> {
        self.error.clone()
    }
}
