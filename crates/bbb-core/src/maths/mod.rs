//! The numerical toolbox: the seeded generator and its streams, the vectorised normal sampler,
//! the elementary functions as fast `f32` kernels (exp, SiLU, softplus) beside their `f64`
//! references, the matrix product of the CPU engine, and work spread over threads. Nothing
//! here knows the network, the settings or burn.
//!
//! May use: nothing else in the crate.

pub mod kernels;
pub mod matmul;
pub mod normals;
pub mod parallel;
pub mod reference;
pub mod rng;
pub(crate) mod simd;
