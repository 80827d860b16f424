//! burn on any device: the loss built from burn's ops (the ELBO of [`crate::model::elbo`]),
//! its gradient by burn's autodiff, the global-norm clip and AdamW on tensors. The engine of
//! WebGPU, and of a CPU backend when burn draws the noise.

pub mod adamw;
mod engine;

pub use engine::DeviceEngine;
