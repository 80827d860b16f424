//! What a run is: the table of settings (one entry per setting: name, kind, range, help), the
//! hyperparameters and the two presets, the scenario and a person's edits to the data, the
//! method that learns the weights, the backend to run on, and the checks that turn a bad value into a message for a person.
//!
//! May use: maths.

pub mod backend;
mod checks;
pub mod edits;
pub mod error;
pub mod hyperparameters;
pub mod method;
pub mod scenario;
pub mod settings;

pub use error::ConfigError;
pub use hyperparameters::{Config, Preset};
