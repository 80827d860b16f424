//! The model and its maths on burn: the network's one description ([`Architecture`]), the
//! Bayesian linear layer with its closed-form KL, the residual regressor, SiLU on tensors, the
//! ELBO, the three gradient estimators of a sampled pass and the spread of the gradient they
//! give, and where a pass's standard normals come from.
//!
//! May use: maths, config, data.

pub mod activation;
pub mod architecture;
pub mod bayes_linear;
pub mod elbo;
pub mod estimator;
pub mod gradient_variance;
pub mod noise;
pub mod regressor;

pub use architecture::Architecture;
pub use regressor::{Posterior, Regressor};
