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

use burn::tensor::{Device, Tensor, TensorData};
use std::collections::VecDeque;
use std::sync::Arc;

use crate::backend::on_host;
use crate::behind::{evaluation_from_sums, flat_params, Behind, EvalJob, Pending, BEHIND};
use crate::config::{Config, ConfigError};
use crate::data::{Dataset, N_FEATURES};
use crate::elbo::{elbo_step, ElboSettings};
use crate::evaluate::{EvalSet, Evaluation, McSamples, TestScoring};
use crate::events::{Event, Phase, Progress, Summary, TrainError};
use crate::functions::{self, BeforeTraining};
use crate::host_step::HostParams;
use crate::metrics::{Diagnostics, EpochRecord, SplitMetrics, Stage};
use crate::model::Regressor;
use crate::noise::{Noise, NoiseKeys, NoiseSource};
use crate::optim::{clip_global_norm, clip_global_norm_host, cosine_lr, AdamW, AdamWSettings};
use crate::predictive::{self, DrawJob, Predictive, PredictiveJob};
use crate::rng::{Rng, Stream};
use crate::weights::{self, WeightSpace};

mod file;

/// A checked configuration and its data, with the counts of the data actually drawn (a
/// scenario or a person's edits change them).
pub(crate) fn prepare(config: Config) -> Result<(Config, Dataset), ConfigError> {
    config.validate()?;
    let data = Dataset::generate(&config);
    let mut config = config;
    (config.n_train, config.n_val, config.n_test) =
        (data.train.len(), data.val.len(), data.test.len());
    Ok((config, data))
}

/// The train, validation and test splits, standardised, cut into batches and uploaded.
pub(crate) fn eval_sets(config: &Config, data: &Dataset, device: &Device) -> [EvalSet; 3] {
    let s = &data.scaler;
    [&data.train, &data.val, &data.test].map(|split| {
        EvalSet::new(
            &s.features(&split.x),
            &s.scale_y(&split.y),
            config.batch_size,
            device,
        )
    })
}

/// What collecting the evaluation running behind gave.
enum Collected {
    /// None was running.
    Nothing,
    /// Its result has not been delivered yet.
    Waiting(usize),
    /// The epoch's row.
    Record(EpochRecord),
}

#[derive(Clone, Debug)]
struct Best {
    model: Regressor,
    epoch: usize,
    val_rmse: f64,
}

/// A run of the tutorial, resumable between calls.
#[derive(Debug)]
pub struct Trainer {
    config: Config,
    data: Dataset,
    device: Device,
    train_x: Vec<f32>,
    train_y: Vec<f32>,
    eval_train: Arc<EvalSet>,
    eval_val: Arc<EvalSet>,
    eval_test: EvalSet,
    model: Regressor,
    optim: AdamW,
    /// The model's parameters on the host, kept between the steps of the host's training step
    /// (read back once: on ndarray a read-back costs more than the step's per-weight work).
    /// Dropped whenever `model` is replaced otherwise.
    host_params: Option<HostParams>,
    /// Weight draws of the training steps, of the evaluations, and of the plots: separate
    /// streams, so the page's live plots never change what the run computes.
    train_noise: Noise,
    eval_keys: NoiseKeys,
    predictive_keys: NoiseKeys,
    /// Sets of fresh sampled networks drawn so far (each draws from its own key).
    fresh_draws: u64,
    /// Threads the evaluations may use (natively; 1 in a browser module).
    threads: usize,
    /// Whether the evaluations are handed to someone outside (the page's workers).
    outside: bool,
    /// Evaluation jobs waiting to be taken by the outside evaluator, oldest first.
    jobs: VecDeque<EvalJob>,
    shuffle: Rng,
    order: Vec<usize>,
    epochs_done: usize,
    phase: Phase,
    /// The evaluation in progress (step by step).
    evaluation: Option<Evaluation>,
    /// The evaluations running behind the training (on threads, or outside), oldest first;
    /// at most [`BEHIND`].
    pending: VecDeque<Pending>,
    history: Vec<EpochRecord>,
    best: Option<Best>,
    /// The final test, while it is being scored a piece per step.
    testing: Option<TestScoring>,
    summary: Option<Summary>,
}

impl Trainer {
    /// A new run on `device`: data drawn, model initialised, nothing trained yet. Every random
    /// stream is forked from `config.seed`; the weight noise comes from `noise`.
    pub fn new(config: Config, device: Device, noise: NoiseSource) -> Result<Self, ConfigError> {
        let (config, data) = prepare(config)?;
        let seed = config.seed;
        let model = Regressor::init(&config, &mut Rng::stream(seed, Stream::Init), &device);
        let settings = AdamWSettings {
            beta1: config.beta1,
            beta2: config.beta2,
            eps: config.adam_eps,
            weight_decay: config.weight_decay,
        };
        // With the host's noise on a CPU device the per-weight work runs on the host
        // (`host_step.rs`), and so do the optimiser's moments; on a GPU everything stays there.
        let optim = if noise == NoiseSource::Host && on_host(&device) {
            let sizes: Vec<usize> = model
                .params()
                .iter()
                .map(|p| p.dims().iter().product())
                .collect();
            AdamW::new_host(settings, &sizes)
        } else {
            AdamW::new(settings, &model.params())
        };
        let s = &data.scaler;
        let (train_x, train_y) = (s.features(&data.train.x), s.scale_y(&data.train.y));
        let [eval_train, eval_val, eval_test] = eval_sets(&config, &data, &device);
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
            model,
            optim,
            host_params: None,
            train_noise: Noise::for_stream(noise, seed, Stream::TrainNoise),
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
            data,
            device,
            config,
        })
    }

    /// The run's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Lets the evaluations use up to `threads` threads (at least 1). With more than one (and
    /// host noise, natively) each epoch's evaluation runs on those threads while the next
    /// epochs train, and its row arrives up to two epochs later. The numbers do not change:
    /// every evaluation batch draws from its own keyed noise and the batches' sums are added in
    /// order. With device noise (the GPU), or in a browser module, evaluations stay one batch
    /// per step.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// Threads the evaluations may use.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Hands each epoch's evaluation to someone outside (the page's Web Workers: see
    /// [`take_evaluation_job`](Self::take_evaluation_job)) while the next epochs train. Only
    /// with host noise, whose keyed draws make the outside result the same as this trainer's;
    /// says whether it is on. Turned off, an evaluation already handed out and not delivered is
    /// computed here when it is needed.
    pub fn set_outside_evaluation(&mut self, on: bool) -> bool {
        self.outside = on && self.eval_keys.is_keyed();
        if !self.outside {
            self.jobs.clear();
        }
        self.outside
    }

    /// The oldest evaluation to compute outside (one per epoch) that has not been taken yet.
    pub fn take_evaluation_job(&mut self) -> Option<EvalJob> {
        self.jobs.pop_front()
    }

    /// Delivers the outside result of epoch `epoch`'s evaluation: two sums per batch, in the
    /// order of the batches. Refused if no such evaluation is waiting or the sums do not fit.
    pub fn deliver_evaluation(&mut self, epoch: usize, sums: Vec<f32>) -> Result<(), TrainError> {
        let batches = Evaluation::len((&*self.eval_train, &*self.eval_val));
        match self.pending.iter_mut().find(|p| p.epoch == epoch) {
            Some(Pending {
                behind: Behind::Outside(slot @ None),
                ..
            }) => {
                if sums.len() != 2 * batches {
                    return Err(TrainError(format!(
                        "the evaluation of epoch {epoch} needs {} sums, not {}",
                        2 * batches,
                        sums.len()
                    )));
                }
                *slot = Some(sums);
                Ok(())
            }
            _ => Err(TrainError(format!(
                "no evaluation of epoch {epoch} is waiting for a result"
            ))),
        }
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
        &self.model
    }

    /// The optimiser (its per-parameter step counts show which parameters were updated).
    pub fn optimizer(&self) -> &AdamW {
        &self.optim
    }

    /// Trainable scalars (a mu and a rho per weight and bias).
    pub fn n_parameters(&self) -> usize {
        2 * self.model.n_weights()
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

    /// The posterior predictive of the current model at `points` inputs evenly spaced on
    /// [−3, 3], from `samples` independent weight draws (its own keyed noise, so the same
    /// whatever was drawn before), with the noise level estimated on the validation split and
    /// both bands scored on the test split. Natively its passes spread over the run's threads.
    pub async fn predictive(
        &self,
        samples: usize,
        points: usize,
    ) -> Result<Predictive, TrainError> {
        let noise = (self.predictive_keys, predictive::key::final_draws());
        predictive::predictive(
            &self.model,
            &self.data,
            &self.device,
            (samples, points),
            (noise, self.threads),
            None,
        )
        .await
    }

    /// The light predictive the page redraws while training (see
    /// [`start_predictive`](Self::start_predictive)), in one call.
    pub async fn live_predictive(
        &self,
        samples: usize,
        points: usize,
    ) -> Result<Predictive, TrainError> {
        let mut job = self.start_predictive(samples, points, true)?;
        while !job.step() {}
        self.finish_predictive(job).await
    }

    /// [`predictive`](Self::predictive), or (`live`) the light predictive redrawn while
    /// training, to be computed a pass at a time ([`PredictiveJob::step`] until it says done,
    /// then [`finish_predictive`](Self::finish_predictive)) or outside
    /// ([`predictive_outside`](Self::predictive_outside)). The live one takes the noise level
    /// from the latest epoch's validation RMSE (the same residual spread, already computed by
    /// the epoch's evaluation) once there is one, and its own draws for each epoch.
    pub fn start_predictive(
        &self,
        samples: usize,
        points: usize,
        live: bool,
    ) -> Result<PredictiveJob, TrainError> {
        let (key, noise_sigma) = if live {
            let latest = self.history.last().map(|r| r.val.rmse);
            (predictive::key::live(self.epochs_done), latest)
        } else {
            (predictive::key::final_draws(), None)
        };
        PredictiveJob::start(
            &self.model,
            &self.data,
            &self.device,
            (samples, points),
            (self.predictive_keys, key),
            noise_sigma,
        )
    }

    /// `job` for someone outside (the page's workers, which draw the same keyed noise), when
    /// the evaluations are computed outside too; `None` otherwise.
    pub async fn predictive_outside(
        &self,
        job: &PredictiveJob,
    ) -> Result<Option<DrawJob>, TrainError> {
        if !self.outside {
            return Ok(None);
        }
        let params = flat_params(&self.model).await.map_err(TrainError)?;
        Ok(Some(job.outside(params)))
    }

    /// Summarises a job whose every pass is done.
    pub async fn finish_predictive(&self, job: PredictiveJob) -> Result<Predictive, TrainError> {
        job.finish(&self.data).await
    }

    /// Summarises a job from the draws computed outside (every pass, in order).
    pub fn finish_predictive_with(
        &self,
        job: PredictiveJob,
        draws: Vec<f32>,
    ) -> Result<Predictive, TrainError> {
        job.finish_with(&self.data, draws)
    }

    /// Replaces the sampled networks of `p` by as many fresh ones (the predictive's noise, a
    /// new key each time).
    pub async fn resample(&mut self, p: &mut Predictive) -> Result<(), TrainError> {
        self.fresh_draws += 1;
        p.draws = predictive::sample_networks(
            &self.model,
            &self.data,
            &self.device,
            &p.x,
            p.draws.len(),
            (
                self.predictive_keys,
                predictive::key::fresh(self.fresh_draws),
            ),
        )
        .await?;
        Ok(())
    }

    /// Every weight's σ and |μ|/σ of the current model, as histograms.
    pub async fn weight_space(&self) -> Result<WeightSpace, TrainError> {
        weights::weight_space(&self.model, &self.config).await
    }

    /// Functions from the prior and from the initial posterior on `points` grid inputs.
    pub async fn before_training(&self, points: usize) -> Result<BeforeTraining, TrainError> {
        functions::before_training(&self.config, &self.data, &self.device, points).await
    }

    /// The observation noise the loss assumes (original units; see
    /// [`implied_noise_sigma`](crate::calibration::implied_noise_sigma)).
    pub fn implied_noise_sigma(&self) -> f64 {
        crate::calibration::implied_noise_sigma(&self.config, self.data.scaler.y_std)
    }

    /// Stage of epoch `epoch` (0-based).
    fn stage_of(&self, epoch: usize) -> Stage {
        if epoch < self.config.warmup_epochs {
            Stage::Warmup
        } else {
            Stage::Vi
        }
    }

    /// Learning rate during epoch `epoch` (0-based): constant in warmup, then cosine per VI epoch.
    pub fn lr_during(&self, epoch: usize) -> f64 {
        let c = &self.config;
        match epoch.checked_sub(c.warmup_epochs) {
            None => c.lr,
            Some(done) => cosine_lr(c.lr, c.lr_min, done, c.vi_epochs),
        }
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

    /// Steps until an epoch (or the run) completes, or an evaluation outside is awaited.
    ///
    /// An epoch is over when its evaluation is in: with evaluations behind the training, this
    /// collects every evaluation still behind, down to the epoch it trained (waiting for the
    /// threads, or saying it waits for an outside delivery; call again once delivered) instead
    /// of going on to train the next epoch. So each call trains at most one epoch and ends with
    /// that epoch's row.
    pub async fn run_epoch(&mut self) -> Result<Event, TrainError> {
        loop {
            if !self.pending.is_empty() && self.phase == (Phase::Train { batch: 0 }) {
                match self.collect().await? {
                    Collected::Waiting(epoch) => return Ok(Event::Waiting { epoch }),
                    Collected::Record(record) if self.pending.is_empty() => {
                        return Ok(Event::Epoch(record))
                    }
                    Collected::Record(_) | Collected::Nothing => continue,
                }
            }
            let event = self.step().await?;
            match event {
                Event::Finished(_) | Event::Waiting { .. } => return Ok(event),
                // A row from before (an evaluation handed off earlier): the epoch just trained
                // is collected at the top of the loop.
                Event::Epoch(_) if self.pending.is_empty() => return Ok(event),
                _ => {}
            }
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
        if self.optim.on_host() {
            self.train_batch_on_host(&x, &y, epoch);
        } else {
            let b = y.len();
            let x = Tensor::from_data(TensorData::new(x, [b, N_FEATURES]), &self.device);
            let y = Tensor::from_data(TensorData::new(y, [b, 1]), &self.device);
            self.train_batch_on_device(x, y, epoch);
        }
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

    /// One update with every step in burn's ops (the GPU).
    fn train_batch_on_device(&mut self, x: Tensor<2>, y: Tensor<2>, epoch: usize) {
        let tracked = self.model.map_params(|p| p.autodiff().require_grad());
        let loss = match self.stage_of(epoch) {
            Stage::Warmup => (tracked.forward_mean(x) - y).powi_scalar(2).mean(),
            Stage::Vi => {
                let s = self.elbo_settings(self.config.train_mc_samples);
                elbo_step(&tracked, x, y, &s, &mut self.train_noise).loss
            }
        };
        let grads = loss.backward();
        // The warmup never touches the rhos: they get no gradient, as in PyTorch.
        let grads: Vec<Option<Tensor<2>>> =
            tracked.params().iter().map(|p| p.grad(&grads)).collect();
        let (grads, _norm) = clip_global_norm(grads, self.config.clip_norm);
        let lr = self.lr_during(epoch);
        let updated = self.optim.step(self.model.params(), grads, lr);
        self.model = self.model.with_params(updated);
    }

    /// The same update with the per-weight work on the host (the CPU backends; `host_step.rs`).
    fn train_batch_on_host(&mut self, x: &[f32], y: &[f32], epoch: usize) {
        let (stage, lr) = (self.stage_of(epoch), self.lr_during(epoch));
        let s = self.elbo_settings(self.config.train_mc_samples);
        let params = self
            .host_params
            .get_or_insert_with(|| HostParams::read(&self.model));
        let mut grads = match stage {
            Stage::Warmup => params.warmup_grads(x, y),
            Stage::Vi => {
                let Noise::Host(normals) = &mut self.train_noise else {
                    unreachable!("the host step is chosen only with the host's noise");
                };
                params.elbo_grads(x, y, &s, normals)
            }
        };
        clip_global_norm_host(&mut grads, self.config.clip_norm);
        self.optim.step_host(&mut params.values, &grads, lr);
        self.model = params.to_model(&self.model, &self.device);
    }

    fn elbo_settings(&self, mc_samples: usize) -> ElboSettings {
        ElboSettings {
            num_batches: self.config.num_batches(),
            kl_weight: self.config.kl_weight,
            prior_sigma: self.config.prior_sigma,
            mc_samples,
        }
    }

    async fn evaluate(&mut self, index: usize) -> Result<Event, TrainError> {
        let epoch = self.epochs_done + 1;
        if self.evaluation.is_none() {
            if self.pipelined() {
                return self.evaluate_behind(epoch).await;
            }
            // An evaluation left behind when that was turned off comes first, in order.
            if let Collected::Record(record) = self.collect().await? {
                return Ok(Event::Epoch(record));
            }
        }
        let sets = (&*self.eval_train, &*self.eval_val);
        let y_std = self.data.scaler.y_std;
        let evaluation = self
            .evaluation
            .get_or_insert_with(|| Evaluation::new(&self.model, epoch));
        if evaluation.batch(index, sets, &self.config, y_std, &self.eval_keys) {
            self.phase = Phase::Evaluate { index: index + 1 };
            return Ok(Event::Evaluated { epoch });
        }
        let evaluation = self.evaluation.take().expect("inserted above");
        let recorded = match evaluation.finish(sets, &self.config).await {
            Ok((train, val)) => self.record_epoch(epoch, self.model.clone(), train, val),
            Err(e) => Err(TrainError(e)),
        };
        let record = recorded.inspect_err(|_| self.phase = Phase::Evaluate { index: 0 })?;
        self.next_epoch();
        Ok(Event::Epoch(record))
    }

    /// Whether evaluations run behind the training: outside, or natively on several threads
    /// (with keyed host noise).
    fn pipelined(&self) -> bool {
        self.outside
            || (cfg!(not(target_arch = "wasm32")) && self.threads > 1 && self.eval_keys.is_keyed())
    }

    /// Starts the evaluation of epoch `epoch` on other threads and moves on to the next epoch's
    /// training; reports an earlier epoch whose evaluation it collects first: the oldest one
    /// behind if it is in, or if [`BEHIND`] are running (then waiting for it). The numbers are
    /// those of the step-by-step evaluation (keyed noise, sums added in batch order), and the
    /// snapshot evaluated is the one kept if it scores best.
    async fn evaluate_behind(&mut self, epoch: usize) -> Result<Event, TrainError> {
        let oldest_in = self.pending.front().is_some_and(|p| p.behind.is_in());
        let previous = if self.pending.len() >= BEHIND || oldest_in {
            match self.collect().await? {
                Collected::Waiting(e) => return Ok(Event::Waiting { epoch: e }),
                Collected::Nothing => None,
                Collected::Record(r) => Some(r),
            }
        } else {
            None
        };
        let behind = if self.outside {
            let params = flat_params(&self.model).await.map_err(TrainError)?;
            let batches = Evaluation::len((&*self.eval_train, &*self.eval_val));
            self.jobs.push_back(EvalJob {
                epoch,
                params,
                batches,
            });
            Behind::Outside(None)
        } else {
            let mut evaluation = Evaluation::new(&self.model, epoch);
            let (train, val) = (self.eval_train.clone(), self.eval_val.clone());
            let (config, y_std) = (self.config.clone(), self.data.scaler.y_std);
            let (keys, threads) = (self.eval_keys, self.threads);
            Behind::Thread(std::thread::spawn(move || {
                evaluation.rest(0, (&train, &val), &config, y_std, (&keys, threads));
                evaluation
            }))
        };
        self.pending.push_back(Pending {
            epoch,
            model: self.model.clone(),
            behind,
        });
        self.next_epoch();
        Ok(previous.map_or(Event::Evaluated { epoch }, Event::Epoch))
    }

    /// Collects the oldest evaluation running behind, if any, and records its epoch: waits for
    /// its threads, takes the delivered outside result, or (outside evaluation turned off
    /// since) computes it here.
    async fn collect(&mut self) -> Result<Collected, TrainError> {
        let Some(pending) = self.pending.pop_front() else {
            return Ok(Collected::Nothing);
        };
        let sets = (&*self.eval_train, &*self.eval_val);
        let evaluation = match pending.behind {
            Behind::Thread(job) => job
                .join()
                .map_err(|_| TrainError("an evaluation thread stopped with an error".into()))?,
            Behind::Outside(Some(sums)) => {
                evaluation_from_sums(&pending.model, pending.epoch, &sums, sets.0.batches.len())
            }
            Behind::Outside(None) if self.outside => {
                let epoch = pending.epoch;
                self.pending.push_front(pending);
                return Ok(Collected::Waiting(epoch));
            }
            Behind::Outside(None) => {
                let mut evaluation = Evaluation::new(&pending.model, pending.epoch);
                let y_std = self.data.scaler.y_std;
                evaluation.rest(0, sets, &self.config, y_std, (&self.eval_keys, 1));
                evaluation
            }
        };
        let (train, val) = evaluation
            .finish(sets, &self.config)
            .await
            .map_err(TrainError)?;
        self.record_epoch(pending.epoch, pending.model, train, val)
            .map(Collected::Record)
    }

    /// Records epoch `epoch` (1-based), whose model was `model`: its row, and the best state
    /// if its validation RMSE is the lowest so far. A metric that is not a number is an error.
    fn record_epoch(
        &mut self,
        epoch: usize,
        model: Regressor,
        train: SplitMetrics,
        val: SplitMetrics,
    ) -> Result<EpochRecord, TrainError> {
        let record = EpochRecord {
            epoch,
            stage: self.stage_of(epoch - 1),
            next_lr: self.lr_during(epoch),
            train,
            val,
        };
        if !train.is_finite() || !val.is_finite() {
            return Err(TrainError(format!(
                "training diverged at epoch {epoch} (a metric is not a number): \
                 lower the learning rate or reset"
            )));
        }
        if self.best.as_ref().is_none_or(|b| val.rmse < b.val_rmse) {
            self.best = Some(Best {
                model,
                epoch,
                val_rmse: val.rmse,
            });
        }
        self.history.push(record);
        Ok(record)
    }

    /// Counts the epoch as trained and moves to the next one's training, or to the test.
    fn next_epoch(&mut self) {
        self.epochs_done += 1;
        self.phase = if self.epochs_done < self.config.total_epochs() {
            self.order = self.shuffle.permutation(self.config.n_train);
            Phase::Train { batch: 0 }
        } else {
            Phase::Test
        };
    }

    async fn test(&mut self) -> Result<Event, TrainError> {
        // The last epoch's evaluation may still be running behind: report it first.
        match self.collect().await? {
            Collected::Waiting(epoch) => return Ok(Event::Waiting { epoch }),
            Collected::Record(record) => return Ok(Event::Epoch(record)),
            Collected::Nothing => {}
        }
        // The best epoch's state comes back once, when the test starts.
        if self.testing.is_none() {
            let best = self.best.as_ref().expect("at least one evaluated epoch");
            self.model = best.model.clone();
            self.host_params = None;
            self.testing = Some(TestScoring::new(&self.model));
        }
        let testing = self.testing.as_mut().expect("the test has started");
        let mc = McSamples {
            elbo: self.config.test_mc_elbo,
            rmse: self.config.test_mc_rmse,
        };
        let mc = (mc, self.data.scaler.y_std);
        if self.threads <= 1 {
            // A few passes per step, so that no step of the page runs long.
            if !testing.step(&self.eval_test, mc, &self.eval_keys) {
                return Ok(Event::Tested {
                    batches: testing.scored(),
                });
            }
        } else {
            testing.rest(&self.eval_test, mc, (&self.eval_keys, self.threads));
        }
        let testing = self.testing.take().expect("the test has started");
        let test = testing
            .finish(&self.eval_test, &self.config)
            .await
            .map_err(TrainError)?;
        let best = self.best.as_ref().expect("at least one evaluated epoch");
        let diagnostics = Diagnostics::compute(&self.history, self.config.ema_alpha)
            .expect("the VI stage has at least one epoch");
        let summary = Summary {
            best_epoch: best.epoch,
            best_val_rmse: best.val_rmse,
            test,
            diagnostics,
        };
        self.summary = Some(summary);
        self.phase = Phase::Done;
        Ok(Event::Finished(summary))
    }
}
