//! The data a run draws: the tutorial's synthetic problem and its scenarios, a person's own
//! points, the splits, the Fourier features and the scaler fitted on the training split.
//!
//! May use: maths, config.

pub mod dataset;
pub mod own_data;

pub use dataset::{Dataset, Scaler, Split, N_FEATURES};
