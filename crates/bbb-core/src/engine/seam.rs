//! The seam itself: what the trainer asks of an engine ([`Engine`]) and what one update needs
//! to know ([`Update`], [`Loss`]).

use std::fmt;

use crate::model::elbo::ElboSettings;
use crate::model::Regressor;

/// The loss one update follows.
#[derive(Clone, Copy, Debug)]
pub enum Loss {
    /// The warmup's mean squared error of the posterior means' network (the ρs get no
    /// gradient).
    Mse,
    /// The ELBO loss of Bayes-by-Backprop, `nll + kl_weight·KL/num_batches`.
    Elbo(ElboSettings),
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
}
