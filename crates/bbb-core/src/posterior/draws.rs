//! A model's sampled outputs at some inputs, [`CHUNK`] weight draws per pass, each pass from
//! its own keyed noise: the raw material of the predictive, which the trainer, its threads or
//! the page's workers can compute in any order with the same numbers.

use std::ops::Range;

use burn::tensor::{Device, Tensor, TensorData};

use crate::data::N_FEATURES;
use crate::engine::Passes;
use crate::maths::parallel::map_parallel;
use crate::model::noise::{Noise, NoiseKeys};
use crate::model::Regressor;
use crate::report::events::TrainError;

/// Draws per batched pass. Memory stays small whatever the number of samples, and one pass of
/// the final predictive takes a few tens of milliseconds in the browser, so the page computes it
/// a pass at a time and hands its main thread back between passes ([`PredictiveJob`]), or has
/// its workers draw runs of passes. Each pass draws from its own keyed noise: the draws, and so
/// every number, depend on this size, not on how or where the passes run.
pub const CHUNK: usize = 8;

/// The noise keys of a predictive's draws (their first part; the pass of [`CHUNK`] draws comes
/// last). The final predictive's draws are fixed by the run alone, so neither the live figures
/// drawn before it, nor who computes its passes, nor a saved posterior loaded later changes them.
pub mod key {
    /// The final predictive.
    pub fn final_draws() -> Vec<u64> {
        vec![0]
    }

    /// The light predictive redrawn after epoch `epoch`.
    pub fn live(epoch: usize) -> Vec<u64> {
        vec![1, epoch as u64]
    }

    /// The `n`-th set of fresh sampled networks.
    pub fn fresh(n: u64) -> Vec<u64> {
        vec![2, n]
    }
}

/// `samples` weight draws of a model at some inputs, taken [`CHUNK`] draws per pass; pass `p`
/// draws from the noise keyed by the sampler's key and `p`, so passes can be taken in any
/// order, on any thread or worker, with the same numbers.
pub struct Sampler {
    passes: Passes,
    pub(crate) inputs: Vec<f32>,
    features: Tensor<2>,
    samples: usize,
    keys: NoiseKeys,
    pub(crate) key: Vec<u64>,
    pub(crate) next: usize,
    pub(crate) parts: Vec<Tensor<3>>,
}

impl Sampler {
    /// Draws of `model` at `features` (standardised, [`N_FEATURES`] per input), none taken yet.
    pub fn new(
        model: &Regressor,
        features: &[f32],
        device: &Device,
        samples: usize,
        (keys, key): (NoiseKeys, Vec<u64>),
    ) -> Self {
        let points = features.len() / N_FEATURES;
        Sampler {
            passes: Passes::new(model),
            inputs: features.to_vec(),
            features: Tensor::from_data(
                TensorData::new(features.to_vec(), [points, N_FEATURES]),
                device,
            ),
            samples,
            keys,
            key,
            next: 0,
            parts: Vec::new(),
        }
    }

    /// Passes of [`CHUNK`] draws (the last one may be shorter).
    pub fn passes(&self) -> usize {
        self.samples.div_ceil(CHUNK)
    }

    /// Pass `p`'s draws, `[draws, inputs, 1]`.
    fn pass(&self, p: usize) -> Tensor<3> {
        let mut key = self.key.clone();
        key.push(p as u64);
        let s = CHUNK.min(self.samples - p * CHUNK);
        self.passes
            .forward(self.features.clone(), s, &mut self.keys.noise(&key))
    }

    /// Takes the next pass; true once every pass is taken.
    pub fn step(&mut self) -> bool {
        if self.next < self.passes() {
            self.take(self.next..self.next + 1)
                .expect("the next pass exists");
            self.next += 1;
        }
        self.next == self.passes()
    }

    /// Takes every pass not taken yet, spread over up to `threads` threads (natively).
    pub fn step_all(&mut self, threads: usize) {
        let first = self.next;
        let parts = map_parallel(self.passes() - first, threads, |i| self.pass(first + i));
        self.parts.extend(parts);
        self.next = self.passes();
    }

    /// Takes the passes `passes` (for someone computing a share of them), in order.
    pub fn take(&mut self, passes: Range<usize>) -> Result<(), String> {
        if passes.end > self.passes() {
            return Err(format!(
                "passes {}..{} asked for; there are {}",
                passes.start,
                passes.end,
                self.passes()
            ));
        }
        for p in passes {
            let part = self.pass(p);
            self.parts.push(part);
        }
        Ok(())
    }

    /// The draws taken, in the order taken, in standardised units, row-major `[draws, inputs]`.
    pub async fn read(self) -> Result<Vec<f32>, TrainError> {
        read_draws(self.parts).await
    }
}

/// Passes of draws read back as one row-major `[draws, inputs]` array.
pub(crate) async fn read_draws(parts: Vec<Tensor<3>>) -> Result<Vec<f32>, TrainError> {
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let data = Tensor::cat(parts, 0)
        .into_data_async()
        .await
        .map_err(|e| TrainError(format!("could not read the sampled outputs back: {e:?}")))?;
    data.try_into_vec_as::<f32>()
        .map_err(|e| TrainError(format!("unexpected sampled outputs: {e:?}")))
}

/// `samples` weight draws of `model` at the inputs `x`, in standardised units, row-major
/// `[samples, x.len()]`, from one noise stream, [`CHUNK`] draws per pass.
pub async fn sample_outputs(
    model: &Regressor,
    features: &[f32],
    device: &Device,
    samples: usize,
    noise: &mut Noise,
) -> Result<Vec<f32>, TrainError> {
    let points = features.len() / N_FEATURES;
    let x: Tensor<2> = Tensor::from_data(
        TensorData::new(features.to_vec(), [points, N_FEATURES]),
        device,
    );
    let passes = Passes::new(model);
    let parts = (0..samples)
        .step_by(CHUNK)
        .map(|first| passes.forward(x.clone(), CHUNK.min(samples - first), noise))
        .collect();
    read_draws(parts).await
}

/// A predictive's draws for someone outside the trainer (the page's workers): the model, the
/// inputs and the noise key; the answer is the draws of the passes asked for, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawJob {
    /// Every μ and ρ of the model, flattened in [`Regressor::params`] order.
    pub params: Vec<f32>,
    /// The inputs, standardised, [`N_FEATURES`] per input.
    pub features: Vec<f32>,
    /// The noise key of the draws (the pass is appended to it).
    pub key: Vec<u64>,
    /// Draws in all.
    pub samples: usize,
    /// Passes of [`CHUNK`] draws in all.
    pub passes: usize,
}

impl DrawJob {
    /// The job of `samples` draws of the model `params` at `features`, keyed by `key`.
    pub fn new(params: Vec<f32>, features: Vec<f32>, key: Vec<u64>, samples: usize) -> Self {
        DrawJob {
            params,
            features,
            key,
            samples,
            passes: samples.div_ceil(CHUNK),
        }
    }
}
