//! Hamiltonian Monte Carlo on the network's posterior: the sampler over any potential, the
//! network's potential, the chains and the diagnostics that say whether they mixed.

pub mod chains;
pub mod diagnostics;
pub mod potential;
pub mod sampler;
