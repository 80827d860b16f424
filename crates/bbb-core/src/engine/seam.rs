//! The seam itself: what the trainer asks of an engine ([`Engine`]) and what one update needs
//! to know ([`Update`], [`Loss`]).

use std::fmt;

use burn::tensor::Tensor;

use crate::model::elbo::ElboSettings;
use crate::model::estimator::Estimator;
use crate::model::noise::Noise;
use crate::model::Regressor;

/// The loss one update follows.
#[derive(Clone, Copy, Debug)]
pub enum Loss {
    /// The warmup's mean squared error of the posterior means' network (the ρs get no
    /// gradient).
    Mse,
    /// The ELBO loss of Bayes-by-Backprop, `nll + kl_weight·KL/num_batches`, its weight
    /// draws taken the estimator's way.
    Elbo(ElboSettings, Estimator),
}

/// What one update needs besides the mini-batch.
#[derive(Clone, Copy, Debug)]
pub struct Update {
    /// The loss to take the gradient of.
    pub loss: Loss,
    /// AdamW's learning rate for this step.
    pub lr: f64,
    /// The largest joint norm of the gradients; larger ones are scaled down to it.
    pub clip_norm: f64,
}

/// An engine's state on the run's device: every parameter tensor, then AdamW's first moments
/// of each, then its second moments (in [`Regressor::params`] order), so that one read-back
/// brings it all to the host; with the step counts and the training noise.
#[derive(Debug)]
pub struct StateTensors {
    pub tensors: Vec<Tensor<2>>,
    pub steps: Vec<u32>,
    pub noise: Noise,
}

/// An engine's state on the host, what a run continues from (on the same engine or the
/// other): each tensor's values row-major, in [`Regressor::params`] order.
#[derive(Clone, Debug)]
pub struct EngineState {
    pub params: Vec<Vec<f32>>,
    /// AdamW's first moments.
    pub m: Vec<Vec<f32>>,
    /// AdamW's second moments.
    pub v: Vec<Vec<f32>>,
    /// AdamW's steps so far, per parameter tensor.
    pub steps: Vec<u32>,
    /// The training steps' weight draws from here on.
    pub noise: Noise,
}

/// Which engine a run trains on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineKind {
    /// burn on the run's device ([`device::DeviceEngine`]).
    Device,
    /// The hand-written CPU engine ([`cpu::CpuEngine`]).
    Cpu,
}

/// The seam between the trainer and the arithmetic of its updates.
pub trait Engine: fmt::Debug + Send {
    /// One update on a mini-batch: features row-major `[batch, 9]`, targets `[batch]`
    /// (standardised).
    fn step(&mut self, x: &[f32], y: &[f32], update: &Update);

    /// The current parameters as burn's model on the run's device.
    fn model(&self) -> &Regressor;

    /// Replaces the parameters (the best state restored, a posterior file loaded); the
    /// optimiser's moments stay.
    fn set_model(&mut self, model: Regressor);

    /// AdamW's steps so far, per parameter tensor (in [`Regressor::params`] order).
    fn optimizer_steps(&self) -> Vec<u32>;

    /// Which engine this is.
    fn kind(&self) -> EngineKind;

    /// The state to continue from, as tensors on the run's device (nothing read back yet).
    fn state(&self) -> StateTensors;

    /// Continues from `state`: parameters, AdamW's moments and steps, training noise. The
    /// shapes are those of this engine's model.
    fn restore(&mut self, state: EngineState);
}
