//! Evaluations that run behind the training. After an epoch's last update the trainer hands
//! the epoch's evaluation to other threads (natively) or to someone outside (the page's Web
//! Workers) and trains the next epochs meanwhile, up to [`BEHIND`] evaluations out at once;
//! the row of the epoch arrives when its evaluation is collected, oldest first. The numbers are
//! the step-by-step evaluation's: every batch draws from its own keyed noise and the batches'
//! sums are added in batch order; the training never reads an evaluation, so how far behind
//! it runs changes nothing but when the rows arrive.

use burn::tensor::{Device, Tensor, TensorData};

use crate::config::method::Method;
use crate::config::{Config, ConfigError};
use crate::data::{Dataset, N_FEATURES};
use crate::engine::cpu::meter::{meter_batch, read_meter};
use crate::engine::cpu::step::HostParams;
use crate::maths::rng::{Rng, Stream};
use crate::model::gradient_variance::GradientVariance;
use crate::model::noise::{NoiseKeys, NoiseSource};
use crate::model::Regressor;
use crate::posterior::draws::{DrawJob, Sampler};
use crate::train::evaluate::{read_scalars, EvalSet, EvalSums, Evaluation};

/// An epoch's evaluation for someone outside the trainer: the model after the epoch, as every
/// parameter tensor flattened in [`Regressor::params`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalJob {
    /// The epoch (1-based) whose model this is.
    pub epoch: usize,
    /// Every μ and ρ, flattened.
    pub params: Vec<f32>,
    /// Batches to score (train then validation); the answer has two numbers per batch.
    pub batches: usize,
}

/// Where an evaluation running behind is computed.
#[derive(Debug)]
pub(crate) enum Behind {
    /// On threads of this process.
    Thread(std::thread::JoinHandle<Evaluation>),
    /// Outside; the per-batch sums once they have been delivered.
    Outside(Option<Vec<f32>>),
}

impl Behind {
    /// Whether the result can be collected without waiting.
    pub(crate) fn is_in(&self) -> bool {
        match self {
            Behind::Thread(handle) => handle.is_finished(),
            Behind::Outside(sums) => sums.is_some(),
        }
    }
}

/// How many epochs' evaluations may run behind the training at once. With two, the training
/// never waits for the evaluation of the epoch just before (it goes on while that one runs),
/// so the threads or workers that evaluate always have the next epoch's job at hand when they
/// finish one, and the training's thread is never left idle by a late answer.
pub(crate) const BEHIND: usize = 2;

/// An epoch's evaluation running behind the training.
#[derive(Debug)]
pub(crate) struct Pending {
    pub epoch: usize,
    /// The model evaluated (the state kept if it scores best).
    pub model: Regressor,
    pub behind: Behind,
}

/// The model's parameters, flattened (one read-back).
pub(crate) async fn flat_params(model: &Regressor) -> Result<Vec<f32>, String> {
    let flat: Vec<Tensor<1>> = model
        .params()
        .into_iter()
        .map(|p| p.flatten(0, 1))
        .collect();
    let data = Tensor::cat(flat, 0)
        .into_data_async()
        .await
        .map_err(|e| format!("could not read the parameters back: {e:?}"))?;
    data.try_into_vec_as::<f32>()
        .map_err(|e| format!("unexpected parameter data: {e:?}"))
}

/// `template`'s architecture with the flattened parameters `flat`.
fn model_from_flat(
    template: &Regressor,
    flat: &[f32],
    device: &Device,
) -> Result<Regressor, String> {
    let shapes: Vec<[usize; 2]> = template.params().iter().map(|p| p.dims()).collect();
    let expected: usize = shapes.iter().map(|[r, c]| r * c).sum();
    if flat.len() != expected {
        return Err(format!(
            "the model has {expected} parameters; the job sent {}",
            flat.len()
        ));
    }
    let mut at = 0;
    let params = shapes
        .iter()
        .map(|&[r, c]| {
            let part = flat[at..at + r * c].to_vec();
            at += r * c;
            Tensor::from_data(TensorData::new(part, [r, c]), device)
        })
        .collect();
    Ok(template.with_params(params))
}

/// The per-batch sums as delivered, back into an evaluation of `model` (added in batch order).
pub(crate) fn evaluation_from_sums(
    model: &Regressor,
    epoch: usize,
    sums: &[f32],
    train_batches: usize,
) -> Evaluation {
    let device = model.input.w_mu.device();
    let mut evaluation = Evaluation::new(model, epoch);
    for (b, pair) in sums.chunks_exact(2).enumerate() {
        let sums = EvalSums {
            nll_sum: Tensor::from_floats([pair[0]], &device),
            sq_sum: Tensor::from_floats([pair[1]], &device),
        };
        evaluation.add(b < train_batches, sums);
    }
    evaluation
}

/// Scores evaluation jobs for a trainer elsewhere (a Web Worker): the same data, batches and
/// keyed noise as the trainer of the same configuration, on a CPU device.
#[derive(Debug)]
pub struct EvalWorker {
    config: Config,
    sets: (EvalSet, EvalSet),
    y_std: f64,
    keys: NoiseKeys,
    predictive_keys: NoiseKeys,
    template: Regressor,
    device: Device,
    /// The gradient meter's mini-batch (features, standardised targets).
    meter: (Vec<f32>, Vec<f32>),
}

impl EvalWorker {
    /// A worker for runs of `config` on the CPU `device`.
    pub fn new(config: Config, device: Device) -> Result<Self, ConfigError> {
        let (config, data) = Dataset::prepare(config)?;
        let [train, val, _] = EvalSet::splits(&config, &data, &device);
        let template = Regressor::init(&config, &mut Rng::new(0), &device);
        Ok(Self {
            keys: NoiseKeys::new(NoiseSource::Host, config.seed, Stream::EvalNoise),
            predictive_keys: NoiseKeys::new(
                NoiseSource::Host,
                config.seed,
                Stream::PredictiveNoise,
            ),
            y_std: data.scaler.y_std,
            sets: (train, val),
            template,
            device,
            meter: {
                let s = &data.scaler;
                let (x, y) = (s.features(&data.train.x), s.scale_y(&data.train.y));
                let (x, y) = meter_batch(&config, (&x, &y));
                (x.to_vec(), y.to_vec())
            },
            config,
        })
    }

    /// The gradient meter ([`read_meter`]) at the model `params` after `epochs_done` epochs:
    /// the reading the trainer itself would take there.
    pub fn gradient_variance(
        &self,
        params: &[f32],
        (epochs_done, draws): (usize, usize),
    ) -> Result<Vec<(Method, GradientVariance)>, String> {
        let model = model_from_flat(&self.template, params, &self.device)?;
        let host = HostParams::read(&model);
        let batch = (&self.meter.0[..], &self.meter.1[..]);
        Ok(read_meter(&self.config, &host, batch, (epochs_done, draws)))
    }

    /// Batches of train-then-validation.
    pub fn batches(&self) -> usize {
        Evaluation::len((&self.sets.0, &self.sets.1))
    }

    /// The sums `(nll, squared error)` of the listed batches (indices into train-then-validation,
    /// any order) of epoch `epoch`'s evaluation of the model `params`: two numbers per batch, in
    /// the order listed. The model is built once for all of them.
    pub async fn score(
        &self,
        epoch: usize,
        params: &[f32],
        batches: &[usize],
    ) -> Result<Vec<f32>, String> {
        let there = self.batches();
        if let Some(b) = batches.iter().find(|&&b| b >= there) {
            return Err(format!(
                "batch {b} of epoch {epoch}: there are {there} batches"
            ));
        }
        if epoch == 0 {
            return Err("epochs start at 1".into());
        }
        let model = model_from_flat(&self.template, params, &self.device)?;
        let evaluation = Evaluation::new(&model, epoch);
        let sets = (&self.sets.0, &self.sets.1);
        let mut values = Vec::with_capacity(2 * batches.len());
        for &index in batches {
            let (_, sums) = evaluation.score(index, sets, &self.config, self.y_std, &self.keys);
            values.push(sums.nll_sum);
            values.push(sums.sq_sum);
        }
        let read = read_scalars(values).await?;
        Ok(read.into_iter().map(|v| v as f32).collect())
    }

    /// The draws of the passes `passes` of a predictive's [`DrawJob`] (its `params`, `features`,
    /// `key` and `samples`), in pass order, row-major `[draws, inputs]`: the numbers the trainer
    /// would draw itself for those passes.
    pub async fn draw(
        &self,
        job: &DrawJob,
        passes: std::ops::Range<usize>,
    ) -> Result<Vec<f32>, String> {
        if job.features.is_empty() || !job.features.len().is_multiple_of(N_FEATURES) {
            return Err(format!(
                "the inputs must be {N_FEATURES} numbers each; the job sent {}",
                job.features.len()
            ));
        }
        let model = model_from_flat(&self.template, &job.params, &self.device)?;
        let noise = (self.predictive_keys, job.key.clone());
        let mut sampler = Sampler::new(&model, &job.features, &self.device, job.samples, noise);
        sampler.take(passes)?;
        sampler.read().await.map_err(|e| e.0)
    }
}
