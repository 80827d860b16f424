//! The tutorial's two-stage trainer, advanced one bounded piece of work per call.
//!
//! Stage 1 (warmup) minimises the MSE of the posterior-mean network; stage 2 (VI) minimises the
//! ELBO with one weight draw per step, the learning rate following a cosine down to `lr_min`.
//! After every epoch both splits are evaluated with Monte-Carlo samples and the state with the
//! best validation RMSE is kept; at the end it is restored and scored on the test split.
//!
//! Each [`Trainer::step`] does one mini-batch update, one evaluation batch, or the final test —
//! never a whole run — so a page can call it from an animation frame and pause, resume or reset
//! between calls. With threads or an outside evaluator (the page's workers) an epoch's whole
//! evaluation is handed off in one step and runs behind the next epochs' training
//! (`behind.rs`). Numbers come back through one asynchronous read per call, and only on calls
//! that finish something (WebGPU forbids synchronous reads).

use burn::tensor::Device;
use std::collections::VecDeque;
use std::sync::Arc;

use crate::config::{Config, ConfigError};
use crate::data::{Dataset, N_FEATURES};
use crate::engine::{engine_for, Engine, EngineKind, Loss, Update};
use crate::maths::reference::AdamWSettings;
use crate::maths::rng::{Rng, Stream};
use crate::model::elbo::ElboSettings;
use crate::model::estimator::Estimator;
use crate::model::noise::{Noise, NoiseKeys, NoiseSource};
use crate::model::Regressor;
use crate::report::events::{Event, Phase, Progress, Summary, TrainError};
use crate::report::metrics::{EpochRecord, Stage};
use crate::train::behind::{EvalJob, Pending};
use crate::train::checkpoint::Checkpoint;
use crate::train::evaluate::{EvalSet, Evaluation};
use crate::train::schedule::{lr_during, stage_of};
use crate::train::test_scoring::TestScoring;

#[derive(Clone, Debug)]
pub(crate) struct Best {
    pub(crate) model: Regressor,
    pub(crate) epoch: usize,
    pub(crate) val_rmse: f64,
}

/// A run of the tutorial, resumable between calls.
#[derive(Debug)]
pub struct Trainer {
    pub(crate) config: Config,
    pub(crate) data: Dataset,
    pub(crate) device: Device,
    pub(crate) train_x: Vec<f32>,
    pub(crate) train_y: Vec<f32>,
    pub(crate) eval_train: Arc<EvalSet>,
    pub(crate) eval_val: Arc<EvalSet>,
    pub(crate) eval_test: EvalSet,
    /// Where the updates run (the trainer's one view of the parameters).
    pub(crate) engine: Box<dyn Engine>,
    /// Weight draws of the evaluations and of the plots (the training's are the engine's):
    /// separate streams, so the page's live plots never change what the run computes.
    pub(crate) eval_keys: NoiseKeys,
    pub(crate) predictive_keys: NoiseKeys,
    /// Sets of fresh sampled networks drawn so far (each draws from its own key).
    pub(crate) fresh_draws: u64,
    /// Threads the evaluations may use (natively; 1 in a browser module).
    pub(crate) threads: usize,
    /// Whether the evaluations are handed to someone outside (the page's workers).
    pub(crate) outside: bool,
    /// Evaluation jobs waiting to be taken by the outside evaluator, oldest first.
    pub(crate) jobs: VecDeque<EvalJob>,
    pub(crate) shuffle: Rng,
    pub(crate) order: Vec<usize>,
    pub(crate) epochs_done: usize,
    pub(crate) phase: Phase,
    /// The evaluation in progress (step by step).
    pub(crate) evaluation: Option<Evaluation>,
    /// The evaluations running behind the training (on threads, or outside), oldest first;
    /// at most [`BEHIND`].
    pub(crate) pending: VecDeque<Pending>,
    pub(crate) history: Vec<EpochRecord>,
    pub(crate) best: Option<Best>,
    /// The final test, while it is being scored a piece per step.
    pub(crate) testing: Option<TestScoring>,
    pub(crate) summary: Option<Summary>,
    /// The state at the end of the last epoch kept ([`Trainer::keep_checkpoint`]).
    pub(crate) checkpoint: Option<Checkpoint>,
}

impl Trainer {
    /// A new run on `device`: data drawn, model initialised, nothing trained yet. Every random
    /// stream is forked from `config.seed`; the weight noise comes from `noise`.
    pub fn new(config: Config, device: Device, noise: NoiseSource) -> Result<Self, ConfigError> {
        if !config.method.is_bbb() {
            return Err(ConfigError::new(
                Some("method"),
                format!(
                    "method: this run trains Bayes-by-Backprop (bbb, bbb-lrt or bbb-flipout); {} runs in the comparison",
                    config.method.name()
                ),
            ));
        }
        let (config, data) = Dataset::prepare(config)?;
        let seed = config.seed;
        let model = Regressor::init(&config, &mut Rng::stream(seed, Stream::Init), &device);
        let settings = AdamWSettings {
            beta1: config.beta1,
            beta2: config.beta2,
            eps: config.adam_eps,
            weight_decay: config.weight_decay,
        };
        let train_noise = Noise::for_stream(noise, seed, Stream::TrainNoise);
        let engine = engine_for(model, settings, train_noise, &device);
        let s = &data.scaler;
        let (train_x, train_y) = (s.features(&data.train.x), s.scale_y(&data.train.y));
        let [eval_train, eval_val, eval_test] = EvalSet::splits(&config, &data, &device);
        device.seed(seed);
        let mut shuffle = Rng::stream(seed, Stream::Shuffle);
        let order = shuffle.permutation(config.n_train);
        let (eval_train, eval_val) = (Arc::new(eval_train), Arc::new(eval_val));
        Ok(Self {
            train_x,
            train_y,
            eval_train,
            eval_val,
            eval_test,
            engine,
            eval_keys: NoiseKeys::new(noise, seed, Stream::EvalNoise),
            threads: 1,
            outside: false,
            jobs: VecDeque::new(),
            predictive_keys: NoiseKeys::new(noise, seed, Stream::PredictiveNoise),
            fresh_draws: 0,
            shuffle,
            order,
            epochs_done: 0,
            phase: Phase::Train { batch: 0 },
            evaluation: None,
            pending: VecDeque::new(),
            history: Vec::new(),
            best: None,
            testing: None,
            summary: None,
            checkpoint: None,
            data,
            device,
            config,
        })
    }

    /// The run's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The data set (original units and scaler).
    pub fn dataset(&self) -> &Dataset {
        &self.data
    }

    /// The device the run lives on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The current model (the best one once the run has finished).
    pub fn model(&self) -> &Regressor {
        self.engine.model()
    }

    /// Which engine the run trains on.
    pub fn engine_kind(&self) -> EngineKind {
        self.engine.kind()
    }

    /// AdamW's steps so far per parameter tensor (which parameters were updated).
    pub fn optimizer_steps(&self) -> Vec<u32> {
        self.engine.optimizer_steps()
    }

    /// Trainable scalars (a mu and a rho per weight and bias).
    pub fn n_parameters(&self) -> usize {
        2 * self.model().n_weights()
    }

    /// One row per evaluated epoch.
    pub fn history(&self) -> &[EpochRecord] {
        &self.history
    }

    /// The outcome, once finished.
    pub fn summary(&self) -> Option<&Summary> {
        self.summary.as_ref()
    }

    /// Best validation RMSE so far and its epoch.
    pub fn best(&self) -> Option<(usize, f64)> {
        self.best.as_ref().map(|b| (b.epoch, b.val_rmse))
    }

    /// Whether the run has finished.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Stage of epoch `epoch` (0-based).
    pub(crate) fn stage_of(&self, epoch: usize) -> Stage {
        stage_of(&self.config, epoch)
    }

    /// Learning rate during epoch `epoch` (0-based): constant in warmup, then cosine per VI epoch.
    pub fn lr_during(&self, epoch: usize) -> f64 {
        lr_during(&self.config, epoch)
    }

    /// Where the run stands.
    pub fn progress(&self) -> Progress {
        let total = self.config.total_epochs();
        let batches = self.config.num_batches();
        let evals = Evaluation::len((&*self.eval_train, &*self.eval_val));
        let within = match self.phase {
            Phase::Train { batch } => 0.5 * batch as f64 / batches as f64,
            Phase::Evaluate { index } => 0.5 + 0.5 * index as f64 / evals as f64,
            Phase::Test | Phase::Done => 0.0,
        };
        let fraction = match self.phase {
            Phase::Done => 1.0,
            _ => ((self.epochs_done as f64 + within) / total as f64).min(1.0),
        };
        Progress {
            epochs_done: self.epochs_done,
            total_epochs: total,
            stage: self.stage_of(self.epochs_done.min(total.saturating_sub(1))),
            phase: self.phase,
            fraction,
        }
    }

    /// Does the next bounded piece of work and says what it was.
    pub async fn step(&mut self) -> Result<Event, TrainError> {
        match self.phase {
            Phase::Train { batch } => Ok(self.train_batch(batch)),
            Phase::Evaluate { index } => self.evaluate(index).await,
            Phase::Test => self.test().await,
            Phase::Done => Err(TrainError(
                "the run has finished: reset to train again".into(),
            )),
        }
    }

    /// Steps until the run completes (an error if it must wait for an evaluation outside).
    pub async fn run_to_end(&mut self) -> Result<Summary, TrainError> {
        loop {
            match self.step().await? {
                Event::Finished(s) => return Ok(s),
                Event::Waiting { epoch } => {
                    let why = format!("epoch {epoch}'s evaluation is computed outside: deliver it");
                    return Err(TrainError(why));
                }
                _ => {}
            }
        }
    }

    /// Mini-batch `batch` of this epoch's order: features row-major `[b, 9]` and targets.
    fn minibatch(&self, batch: usize) -> (Vec<f32>, Vec<f32>) {
        let bs = self.config.batch_size;
        let idx = &self.order[batch * bs..((batch + 1) * bs).min(self.order.len())];
        let mut x = Vec::with_capacity(idx.len() * N_FEATURES);
        for &i in idx {
            x.extend_from_slice(&self.train_x[i * N_FEATURES..(i + 1) * N_FEATURES]);
        }
        let y: Vec<f32> = idx.iter().map(|&i| self.train_y[i]).collect();
        (x, y)
    }

    fn train_batch(&mut self, batch: usize) -> Event {
        let epoch = self.epochs_done;
        let (x, y) = self.minibatch(batch);
        let loss = match self.stage_of(epoch) {
            Stage::Warmup => Loss::Mse,
            Stage::Vi => Loss::Elbo(
                self.elbo_settings(self.config.train_mc_samples),
                Estimator::of(self.config.method),
            ),
        };
        let update = Update {
            loss,
            lr: self.lr_during(epoch),
            clip_norm: self.config.clip_norm,
        };
        self.engine.step(&x, &y, &update);
        self.phase = if batch + 1 < self.config.num_batches() {
            Phase::Train { batch: batch + 1 }
        } else {
            Phase::Evaluate { index: 0 }
        };
        Event::Trained {
            epoch: epoch + 1,
            batch,
        }
    }

    pub(crate) fn elbo_settings(&self, mc_samples: usize) -> ElboSettings {
        ElboSettings::of(&self.config, mc_samples)
    }
}
