//! Bayes-by-Backprop on burn: the tutorial's data, Bayesian residual regressor, ELBO and
//! two-stage trainer, with metrics and diagnostics. No web dependencies: the same code runs
//! natively (CLI, tests) and in the browser (WebGPU or CPU).

pub mod activation;
pub mod backend;
mod backprop;
pub mod bayes_linear;
pub mod behind;
pub mod calibration;
pub mod config;
pub mod data;
pub mod edits;
pub mod elbo;
pub mod evaluate;
pub mod events;
pub mod export;
pub mod functions;
pub mod gp;
pub mod gp_view;
mod host_network;
pub mod host_pass;
pub mod host_step;
pub mod matmul;
pub mod metrics;
pub mod model;
pub mod noise;
pub mod normals;
pub mod optim;
pub mod own_data;
pub mod parallel;
pub mod posterior_file;
pub mod predictive;
pub mod regions;
pub mod rng;
pub mod settings;
mod simd;
pub mod trainer;
pub mod weights;

pub use backend::Backend;
pub use burn;
pub use calibration::Calibration;
pub use config::{Config, ConfigError, Preset};
pub use events::{Event, Phase, Progress, Summary, TrainError};
pub use functions::BeforeTraining;
pub use metrics::{Diagnostics, EpochRecord, SplitMetrics, Stage};
pub use noise::{Noise, NoiseSource};
pub use predictive::{DrawJob, Predictive, PredictiveJob};
pub use rng::Stream;
pub use settings::{Setting, SETTINGS};
pub use trainer::Trainer;
pub use weights::WeightSpace;
