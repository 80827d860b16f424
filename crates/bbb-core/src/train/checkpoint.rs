//! A run's state at the end of an epoch, kept on the host (`recovery.rs` takes it and
//! continues a run from it on another device).
//!
//! The checkpoint holds what the next epochs depend on: the parameters, AdamW's moments and
//! step counts, the shuffling stream and this epoch's order, the evaluated epochs, the best
//! state, and how many predictive draws were taken. Everything else (the data, the
//! evaluations' keyed noise) follows from the configuration. The training noise continues
//! where it stood when the run stays on the same kind of noise; burn's device noise cannot
//! be carried to the host, so a run leaving it draws from a host stream keyed by its epoch.

use crate::engine::EngineState;
use crate::maths::rng::Rng;

/// The best state as kept in a checkpoint: parameters on the host, its epoch and score.
#[derive(Clone, Debug)]
pub(crate) struct KeptBest {
    pub(crate) params: Vec<Vec<f32>>,
    pub(crate) epoch: usize,
    pub(crate) val_rmse: f64,
}

/// A run's state at the end of an epoch, on the host
/// ([`Trainer::keep_checkpoint`](crate::Trainer::keep_checkpoint)).
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// Epochs trained and recorded.
    pub epochs_done: usize,
    pub(crate) engine: EngineState,
    pub(crate) shuffle: Rng,
    pub(crate) order: Vec<usize>,
    pub(crate) best: Option<KeptBest>,
    pub(crate) fresh_draws: u64,
}

/// A run moved off a lost device: where it was lost and where it goes on from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moved {
    /// The epoch (1-based) in which the device was lost.
    pub lost_in: usize,
    /// The epochs kept: the run goes on from the end of this one.
    pub from: usize,
}

impl std::fmt::Display for Moved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "WebGPU stopped during epoch {} (its device was lost); the run goes on on the CPU \
             from the end of epoch {}, the epochs before kept",
            self.lost_in, self.from
        )
    }
}

/// Splits `flat` into consecutive pieces of `sizes` elements.
pub(crate) fn split(flat: &[f32], sizes: impl IntoIterator<Item = usize>) -> Vec<Vec<f32>> {
    let mut at = 0;
    sizes
        .into_iter()
        .map(|n| {
            at += n;
            flat[at - n..at].to_vec()
        })
        .collect()
}
