//! The one exported stateful object. The page creates a `Session`, calls `step` from its
//! animation loop (one call in flight at a time), and asks for metrics and drawings.

use bbb_core::gp::view::GpView;
use bbb_core::report::posterior_file::PosteriorFile;
use bbb_core::{
    Backend, BeforeTraining, Event, Phase, Predictive, PredictiveJob, Preset, Stage, TrainError,
    Trainer, WeightSpace,
};
use wasm_bindgen::prelude::*;

use crate::backend::{open, BackendChoice, Opened};
use crate::canvas::AnyCanvas;
use crate::draw;
use crate::js::{error, now_ms, num, object};
use crate::probe::Race;
use crate::recover::CheckpointCost;
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
    pub(crate) note: Option<String>,
    pub(crate) predictive: Option<Predictive>,
    /// A predictive being computed a pass at a time (`startPredictive`, `predictiveStep`) or
    /// outside (`predictiveJob`, `deliverPredictive`).
    pub(crate) computing: Option<PredictiveJob>,
    /// Whether the predictive being computed is the light one drawn while training.
    pub(crate) computing_live: bool,
    /// Predictives started so far: the one being computed is number `started`.
    pub(crate) started: u32,
    pub(crate) weights: Option<WeightSpace>,
    pub(crate) before: Option<BeforeTraining>,
    pub(crate) gp: Option<GpView>,
    pub(crate) error: Option<String>,
    /// The preset the settings started from (a saved posterior records it).
    pub(crate) preset: Preset,
    /// The timing race "best available" ran to choose the backend, if it ran one.
    pub(crate) race: Option<Race>,
    /// The epochs' states kept for a recovery from a lost WebGPU device, and their cost.
    pub(crate) checkpoints: CheckpointCost,
    /// Whether the run moved to the CPU since the last progress report.
    pub(crate) moved: bool,
}

/// `settings.preset` (the quick preset when absent).
fn preset_of(settings: &JsValue) -> Result<Preset, JsError> {
    let preset = js_sys::Reflect::get(settings, &JsValue::from_str("preset"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "quick".into());
    Preset::parse(&preset).map_err(error)
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
        let mut session = Session {
            trainer,
            backend: opened.backend,
            note: opened.note,
            predictive: None,
            computing: None,
            computing_live: false,
            started: 0,
            weights: Some(weights),
            before: Some(before),
            gp: None,
            error: None,
            preset,
            race: opened.race,
            checkpoints: CheckpointCost::default(),
            moved: false,
        };
        // A WebGPU run keeps its state from the start: a device lost in the first epoch
        // continues from here.
        session.keep_checkpoint().await.map_err(error)?;
        Ok(session)
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
            let event = match self.trainer.step().await {
                Ok(event) => event,
                Err(e) => return self.after_failure(e).await,
            };
            if matches!(event, Event::Epoch(_) | Event::Finished(_)) {
                if let Err(e) = self.keep_checkpoint().await {
                    return self.after_failure(e).await;
                }
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
            match self.trainer.run_epoch().await {
                Ok(Event::Waiting { .. }) => return Ok(self.progress_with(false, true)),
                Ok(_) => {}
                Err(e) => return self.after_failure(e).await,
            }
            if let Err(e) = self.keep_checkpoint().await {
                return self.after_failure(e).await;
            }
        }
        Ok(self.progress_object(true))
    }

    /// A training step failed: a WebGPU run whose device was lost goes on on the CPU (the
    /// report says `moved`); any other failure stops the run, its state kept.
    async fn after_failure(&mut self, failure: TrainError) -> Result<JsValue, JsError> {
        match self.recover().await {
            Ok(true) => Ok(self.progress_object(true)),
            Ok(false) => {
                self.error = Some(failure.to_string());
                Err(error(failure))
            }
            Err(e) => {
                self.error = Some(format!("{failure}; {e}"));
                Err(JsError::new(&format!(
                    "{failure}; the run could not go on on the CPU: {e}"
                )))
            }
        }
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
    /// otherwise one less ([`bbb_core::train::evaluators::evaluators_for`]).
    #[wasm_bindgen(js_name = evaluationWorkers)]
    pub fn evaluation_workers(&self, cores: usize) -> usize {
        bbb_core::train::evaluators::evaluators_for(self.trainer.config(), cores)
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
    pub fn progress(&mut self) -> JsValue {
        self.progress_object(false)
    }

    fn progress_object(&mut self, epoch_done: bool) -> JsValue {
        self.progress_with(epoch_done, false)
    }

    fn progress_with(&mut self, epoch_done: bool, waiting: bool) -> JsValue {
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
            ("moved", self.take_moved()),
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

    /// The last training error, if the run stopped on one (its state is kept).
    #[wasm_bindgen(getter, js_name = lastError)]
    pub fn last_error(&self) -> Option<String> {
        self.error.clone()
    }
}
