//! The exact Gaussian-process baseline shown beside the network: the GP itself (Cholesky, the
//! marginal likelihood, its hyperparameters) and its view on the run's data.
//!
//! May use: maths, config, data, report, posterior.

pub mod exact;
pub mod view;
