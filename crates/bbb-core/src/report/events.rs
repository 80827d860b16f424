//! What a run reports as it goes: the next piece of work, what a step did, where the run
//! stands, its outcome, and the error that stops it (with the state kept).

use crate::report::metrics::{Diagnostics, EpochRecord, SplitMetrics, Stage};

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
    /// A piece of the final test (on one thread the test is scored a few passes per step).
    Tested {
        /// Batches of the test split scored so far.
        batches: usize,
    },
    /// The trainer waits for the evaluation of epoch `epoch`, handed outside: deliver it, then
    /// step again.
    Waiting {
        /// Epoch whose evaluation is awaited.
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
