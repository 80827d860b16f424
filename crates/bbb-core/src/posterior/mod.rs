//! The posterior's views, computed from a trained model and its data: the predictive with its
//! bands and sampled networks, calibration, the regions in and out of the data, the weight
//! space, and the functions drawn before training.
//!
//! May use: maths, config, data, model, engine, report.

pub mod calibration;
pub mod draws;
pub mod functions;
pub mod predictive;
pub mod regions;
pub mod weights;
