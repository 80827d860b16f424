//! The CPU engine: the parameters kept on the host between steps, the network's gradient written
//! out (`backprop.rs`) with the chain rule through the draw and the KL (`step.rs`; the
//! estimators with noise per example in `local_noise.rs`), AdamW as
//! one fused loop per tensor (`adamw.rs`), the sampled passes without gradient (`pass.rs`), all
//! on one description of the network (`network.rs`) and the products of
//! [`crate::maths::matmul`]. burn's autodiff of the same loss is its test oracle.

pub mod adamw;
pub(crate) mod backprop;
mod engine;
mod local_noise;
pub mod meter;
pub mod network;
pub mod pass;
pub mod step;

pub use engine::CpuEngine;
