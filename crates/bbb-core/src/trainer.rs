//! The tutorial's two-stage trainer, advanced one bounded piece of work per call.
//!
//! Stage 1 (warmup) minimises the MSE of the posterior-mean network; stage 2 (VI) minimises the
//! ELBO with one weight draw per step, the learning rate following a cosine down to `lr_min`.
//! After every epoch both splits are evaluated with Monte-Carlo samples and the state with the
//! best validation RMSE is kept; at the end it is restored and scored on the test split.
//!
//! Each [`Trainer::step`] does one mini-batch update, one evaluation batch, or the final test —
//! never a whole run — so a page can call it from an animation frame and pause, resume or reset
//! between calls. Numbers come back through one asynchronous read per call, and only on calls
//! that finish something (WebGPU forbids synchronous reads).

use burn::tensor::{Device, Tensor, TensorData};

use crate::config::{Config, ConfigError};
use crate::data::{Dataset, N_FEATURES};
use crate::elbo::{elbo_step, ElboSettings};
use crate::evaluate::{eval_batch, read_scalars, EvalSet, EvalSums, McSamples};
use crate::metrics::{Diagnostics, EpochRecord, SplitMetrics, Stage};
use crate::model::{Posterior, Regressor};
use crate::noise::Noise;
use crate::optim::{clip_global_norm, cosine_lr, AdamW, AdamWSettings};
use crate::rng::Rng;

/// Something went wrong mid-run; the trainer keeps its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainError(pub String);

impl std::fmt::Display for TrainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TrainError {}

/// What the trainer is about to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Update on mini-batch `batch` of the current epoch.
    Train {
        /// Index of the next mini-batch.
        batch: usize,
    },
    /// Evaluate batch `index` of the train-then-val evaluation.
    Evaluate {
        /// Index of the next evaluation batch.
        index: usize,
    },
    /// Restore the best state and score the test split.
    Test,
    /// Finished.
    Done,
}

/// What one call to [`Trainer::step`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// One mini-batch update of epoch `epoch` (1-based).
    Trained {
        /// Epoch of the update.
        epoch: usize,
        /// Mini-batch index within the epoch.
        batch: usize,
    },
    /// One evaluation batch of epoch `epoch`.
    Evaluated {
        /// Epoch being evaluated.
        epoch: usize,
    },
    /// An epoch finished and was evaluated.
    Epoch(EpochRecord),
    /// The run finished: best state restored and tested.
    Finished(Summary),
}

/// The outcome of a whole run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Epoch with the lowest validation RMSE (1-based).
    pub best_epoch: usize,
    /// That validation RMSE.
    pub best_val_rmse: f64,
    /// Test metrics of the restored best state.
    pub test: SplitMetrics,
    /// The VI-stage trend checks.
    pub diagnostics: Diagnostics,
}

/// Where the run stands, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Epochs completed.
    pub epochs_done: usize,
    /// Epochs in the run.
    pub total_epochs: usize,
    /// Stage of the current (or last) epoch.
    pub stage: Stage,
    /// Next piece of work.
    pub phase: Phase,
    /// Fraction of the run done, in [0, 1].
    pub fraction: f64,
}

#[derive(Clone, Debug)]
struct Best {
    model: Regressor,
    epoch: usize,
    val_rmse: f64,
}

/// A run of the tutorial, resumable between calls.
#[derive(Clone, Debug)]
pub struct Trainer {
    config: Config,
    data: Dataset,
    device: Device,
    train_x: Vec<f32>,
    train_y: Vec<f32>,
    eval_train: EvalSet,
    eval_val: EvalSet,
    eval_test: EvalSet,
    model: Regressor,
    optim: AdamW,
    noise: Noise,
    shuffle: Rng,
    order: Vec<usize>,
    epochs_done: usize,
    phase: Phase,
    sums: Option<(EvalSums, Option<EvalSums>)>,
    /// The posterior the evaluation in progress draws from.
    eval_posterior: Option<Posterior>,
    history: Vec<EpochRecord>,
    best: Option<Best>,
    summary: Option<Summary>,
}

impl Trainer {
    /// A new run on `device`: data drawn, model initialised, nothing trained yet.
    pub fn new(config: Config, device: Device, noise: Noise) -> Result<Self, ConfigError> {
        config.validate()?;
        let data = Dataset::generate(&config);
        let mut rng = Rng::new(config.seed ^ 0x5EED_0FB4_E5E5);
        let model = Regressor::init(&config, &mut rng, &device);
        let optim = AdamW::new(
            AdamWSettings {
                beta1: config.beta1,
                beta2: config.beta2,
                eps: config.adam_eps,
                weight_decay: config.weight_decay,
            },
            &model.params(),
        );
        let s = &data.scaler;
        let (train_x, train_y) = (s.features(&data.train.x), s.scale_y(&data.train.y));
        let set = |split: &crate::data::Split| {
            EvalSet::new(
                &s.features(&split.x),
                &s.scale_y(&split.y),
                config.batch_size,
                &device,
            )
        };
        let eval_train = EvalSet::new(&train_x, &train_y, config.batch_size, &device);
        let (eval_val, eval_test) = (set(&data.val), set(&data.test));
        device.seed(config.seed);
        let mut shuffle = rng.fork();
        let order = shuffle.permutation(config.n_train);
        Ok(Self {
            train_x,
            train_y,
            eval_train,
            eval_val,
            eval_test,
            model,
            optim,
            noise,
            shuffle,
            order,
            epochs_done: 0,
            phase: Phase::Train { batch: 0 },
            sums: None,
            eval_posterior: None,
            history: Vec::new(),
            best: None,
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

    /// The noise source (host or device) of the weight draws.
    pub(crate) fn noise_mut(&mut self) -> &mut Noise {
        &mut self.noise
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
        let evals = self.eval_train.batches.len() + self.eval_val.batches.len();
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

    /// Steps until an epoch (or the run) completes.
    pub async fn run_epoch(&mut self) -> Result<Event, TrainError> {
        loop {
            let event = self.step().await?;
            if matches!(event, Event::Epoch(_) | Event::Finished(_)) {
                return Ok(event);
            }
        }
    }

    /// Steps until the run completes.
    pub async fn run_to_end(&mut self) -> Result<Summary, TrainError> {
        loop {
            if let Event::Finished(s) = self.step().await? {
                return Ok(s);
            }
        }
    }

    fn minibatch(&self, batch: usize) -> (Tensor<2>, Tensor<2>) {
        let bs = self.config.batch_size;
        let idx = &self.order[batch * bs..((batch + 1) * bs).min(self.order.len())];
        let mut x = Vec::with_capacity(idx.len() * N_FEATURES);
        for &i in idx {
            x.extend_from_slice(&self.train_x[i * N_FEATURES..(i + 1) * N_FEATURES]);
        }
        let y: Vec<f32> = idx.iter().map(|&i| self.train_y[i]).collect();
        (
            Tensor::from_data(TensorData::new(x, [idx.len(), N_FEATURES]), &self.device),
            Tensor::from_data(TensorData::new(y, [idx.len(), 1]), &self.device),
        )
    }

    fn train_batch(&mut self, batch: usize) -> Event {
        let epoch = self.epochs_done;
        let (x, y) = self.minibatch(batch);
        let tracked = self.model.map_params(|p| p.autodiff().require_grad());
        let loss = match self.stage_of(epoch) {
            Stage::Warmup => (tracked.forward_mean(x) - y).powi_scalar(2).mean(),
            Stage::Vi => {
                let s = self.elbo_settings(self.config.train_mc_samples);
                elbo_step(&tracked, x, y, &s, &mut self.noise).loss
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

    fn elbo_settings(&self, mc_samples: usize) -> ElboSettings {
        ElboSettings {
            num_batches: self.config.num_batches(),
            kl_weight: self.config.kl_weight,
            prior_sigma: self.config.prior_sigma,
            mc_samples,
        }
    }

    fn eval_mc(&self) -> McSamples {
        McSamples {
            elbo: self.config.eval_mc_elbo,
            rmse: self.config.eval_mc_rmse,
        }
    }

    async fn evaluate(&mut self, index: usize) -> Result<Event, TrainError> {
        let n_train = self.eval_train.batches.len();
        let (x, y) = if index < n_train {
            self.eval_train.batches[index].clone()
        } else {
            self.eval_val.batches[index - n_train].clone()
        };
        let y_std = self.data.scaler.y_std;
        // The model is fixed during an evaluation: one posterior serves all of its batches.
        if index == 0 || self.eval_posterior.is_none() {
            self.eval_posterior = Some(self.model.posterior());
        }
        let posterior = self.eval_posterior.as_ref().expect("set above");
        let sums = eval_batch(posterior, x, y, self.eval_mc(), y_std, &mut self.noise);
        self.sums = Some(match (self.sums.take(), index < n_train) {
            (None, _) => (sums, None),
            (Some((t, None)), true) => (t.plus(sums), None),
            (Some((t, None)), false) => (t, Some(sums)),
            (Some((t, Some(v))), _) => (t, Some(v.plus(sums))),
        });
        let epoch = self.epochs_done + 1;
        if index + 1 < n_train + self.eval_val.batches.len() {
            self.phase = Phase::Evaluate { index: index + 1 };
            return Ok(Event::Evaluated { epoch });
        }
        let (t, v) = self.sums.take().expect("sums of this evaluation");
        let v = v.expect("validation sums");
        let posterior = self
            .eval_posterior
            .take()
            .expect("posterior of this evaluation");
        let kl = posterior.kl(self.config.prior_sigma);
        let n = read_scalars(vec![t.nll_sum, t.sq_sum, v.nll_sum, v.sq_sum, kl])
            .await
            .map_err(TrainError)?;
        let kl = n[4] / self.config.num_batches() as f64;
        let train = self.split_metrics(n[0], n[1], kl, self.eval_train.len);
        let val = self.split_metrics(n[2], n[3], kl, self.eval_val.len);
        let stage = self.stage_of(self.epochs_done);
        let record = EpochRecord {
            epoch,
            stage,
            lr: self.lr_during(self.epochs_done + 1),
            train,
            val,
        };
        if !train.is_finite() || !val.is_finite() {
            self.phase = Phase::Evaluate { index: 0 };
            return Err(TrainError(format!(
                "training diverged at epoch {epoch} (a metric is not a number): \
                 lower the learning rate or reset"
            )));
        }
        if self.best.as_ref().is_none_or(|b| val.rmse < b.val_rmse) {
            self.best = Some(Best {
                model: self.model.clone(),
                epoch,
                val_rmse: val.rmse,
            });
        }
        self.history.push(record);
        self.epochs_done += 1;
        self.phase = if self.epochs_done < self.config.total_epochs() {
            self.order = self.shuffle.permutation(self.config.n_train);
            Phase::Train { batch: 0 }
        } else {
            Phase::Test
        };
        Ok(Event::Epoch(record))
    }

    fn split_metrics(&self, nll_sum: f64, sq_sum: f64, kl: f64, n: usize) -> SplitMetrics {
        let nll = nll_sum / n as f64;
        SplitMetrics {
            elbo: nll + self.config.kl_weight * kl,
            nll,
            kl,
            rmse: (sq_sum / n as f64).sqrt(),
        }
    }

    async fn test(&mut self) -> Result<Event, TrainError> {
        let best = self.best.clone().expect("at least one evaluated epoch");
        self.model = best.model;
        let mc = McSamples {
            elbo: self.config.test_mc_elbo,
            rmse: self.config.test_mc_rmse,
        };
        let y_std = self.data.scaler.y_std;
        let posterior = self.model.posterior();
        let mut total: Option<EvalSums> = None;
        for (x, y) in self.eval_test.batches.clone() {
            let s = eval_batch(&posterior, x, y, mc, y_std, &mut self.noise);
            total = Some(match total {
                None => s,
                Some(t) => t.plus(s),
            });
        }
        let t = total.expect("a non-empty test split");
        let kl = posterior.kl(self.config.prior_sigma);
        let n = read_scalars(vec![t.nll_sum, t.sq_sum, kl])
            .await
            .map_err(TrainError)?;
        let kl = n[2] / self.config.num_batches() as f64;
        let test = self.split_metrics(n[0], n[1], kl, self.eval_test.len);
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
