//! Where the arithmetic of training runs, behind one seam. The trainer hands an [`Engine`] a
//! mini-batch and says which loss to follow ([`Update`]); the engine takes the loss's gradient,
//! clips it by the global norm and makes one AdamW step, and gives the parameters back as
//! burn's [`Regressor`] when someone asks (the evaluation, the predictive, the best state).
//!
//! Two engines stand behind the seam:
//! - [`device::DeviceEngine`]: burn on any device (WebGPU, or a CPU backend with burn's own
//!   noise): burn's autodiff through the ELBO built of tensor ops, AdamW on tensors;
//! - [`cpu::CpuEngine`]: the CPU backends with the host's seeded noise: the parameters stay on
//!   the host, the gradient is written out (`cpu/backprop.rs`, `cpu/step.rs`) and AdamW is one
//!   fused loop per tensor; burn's model is built from them only when it is asked for (once per
//!   epoch for the evaluation), never per step.
//!
//! Either engine gives its state ([`Engine::state`]: parameters, AdamW's moments and steps,
//! the training noise) and continues from one ([`Engine::restore`]), its own or the other's:
//! a run whose WebGPU device is lost goes on on the CPU from its last epoch.
//!
//! Both follow the same maths, defined once in [`crate::maths::reference`] and
//! [`crate::model`], and tests hold each engine's step to it and to the other engine's. Passes
//! that need no gradient (evaluations, the predictive) go through [`Passes`], which runs them on
//! the host where the tensors live there. A new way of learning the weights (another gradient
//! estimator, a deterministic network) joins by giving the CPU engine its gradient and its
//! sampled pass, and burn its loss.
//!
//! May use: maths, config, data, model.

mod choose;
pub mod cpu;
pub mod device;
mod passes;
mod seam;

pub use choose::engine_for;
pub use passes::Passes;
pub use seam::{Engine, EngineKind, EngineState, Loss, StateTensors, Update};
