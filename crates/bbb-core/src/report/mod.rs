//! What a run reports and saves: the per-epoch metrics and diagnostics, the events a step
//! returns, the history as CSV, the posterior file, and numbers as sentences write them.
//!
//! May use: maths, config, data, model.

pub mod events;
pub mod export;
pub mod metrics;
pub mod posterior_file;
pub mod words;
