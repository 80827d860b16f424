//! Training: the tutorial's two-stage trainer over an [engine](crate::engine), its learning-rate
//! schedule, the per-epoch Monte-Carlo evaluation and the evaluations that run behind the
//! training (on threads or outside), how many evaluators to give them, a run restored from
//! a posterior file, and a run continued on another device from its last epoch's checkpoint.
//!
//! May use: maths, config, data, model, engine, report, posterior.

pub mod behind;
pub mod checkpoint;
mod epoch_end;
pub mod evaluate;
pub mod evaluators;
mod file;
pub mod gradient_meter;
mod recovery;
pub mod schedule;
mod test_run;
pub mod test_scoring;
pub mod trainer;
mod views;

pub use trainer::Trainer;
