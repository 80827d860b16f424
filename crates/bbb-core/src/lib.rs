//! Bayes-by-Backprop on burn: the tutorial's data, Bayesian residual regressor, ELBO and
//! two-stage trainer, with metrics and diagnostics. No web dependencies: the same code runs
//! natively (CLI, tests) and in the browser (WebGPU or CPU).

pub mod backend;
pub mod bayes_linear;
pub mod config;
pub mod data;
pub mod elbo;
pub mod evaluate;
pub mod metrics;
pub mod model;
pub mod noise;
pub mod optim;
pub mod predictive;
pub mod rng;
pub mod trainer;

pub use backend::Backend;
pub use burn;
pub use config::{Config, ConfigError, Preset};
pub use metrics::{Diagnostics, EpochRecord, SplitMetrics, Stage};
pub use noise::Noise;
pub use predictive::Predictive;
pub use trainer::{Event, Phase, Progress, Summary, TrainError, Trainer};
