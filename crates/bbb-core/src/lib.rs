//! Bayes-by-Backprop on burn: the tutorial's data, Bayesian residual regressor, ELBO and
//! two-stage trainer, with metrics, the posterior's views and an exact GP beside it. No web
//! dependencies: the same code runs natively (CLI, tests) and in the browser (WebGPU or CPU).
//!
//! The folders are layers, each using only those before it (its `mod.rs` says which; the test
//! `tests/layers.rs` holds every import to it):
//!
//! | folder | what it holds |
//! |---|---|
//! | [`maths`] | the generator, the normal sampler, the elementary functions and their references, the matrix product, threads |
//! | [`config`] | the settings table, hyperparameters and presets, scenarios, edits, backends, checks |
//! | [`data`] | the data a run draws: splits, features, scaler, a person's own points |
//! | [`model`] | the network's one description, the Bayesian layer, KL, the regressor, the ELBO, noise |
//! | [`engine`] | the seam between the trainer and its arithmetic: burn on any device, and the CPU engine |
//! | [`report`] | metrics, events, the history CSV, the posterior file |
//! | [`posterior`] | the predictive, calibration, regions, the weight space, functions before training |
//! | [`gp`] | the exact Gaussian-process baseline |
//! | [`train`] | the two-stage trainer, its schedule, the evaluation and what runs behind it |
//! | [`baselines`] | the same network by MC dropout, a deep ensemble and HMC |

pub mod baselines;
pub mod config;
pub mod data;
pub mod engine;
pub mod gp;
pub mod maths;
pub mod model;
pub mod posterior;
pub mod report;
pub mod train;

pub use burn;
pub use config::backend::Backend;
pub use config::settings::{Setting, SETTINGS};
pub use config::{Config, ConfigError, Preset};
pub use maths::rng::Stream;
pub use model::noise::{Noise, NoiseSource};
pub use posterior::calibration::Calibration;
pub use posterior::draws::DrawJob;
pub use posterior::functions::BeforeTraining;
pub use posterior::predictive::{Predictive, PredictiveJob};
pub use posterior::weights::WeightSpace;
pub use report::events::{Event, Phase, Progress, Summary, TrainError};
pub use report::metrics::{Diagnostics, EpochRecord, SplitMetrics, Stage};
pub use train::Trainer;
