//! The other ways to put a band around the same network, for the comparison: MC dropout, a deep
//! ensemble and Hamiltonian Monte Carlo on the posterior the ELBO approximates, all on a
//! deterministic copy of the residual network ([`point_net`]) trained or sampled on the host,
//! and each method's predictive from the functions it draws.
//!
//! May use: maths, config, data, model, engine, report, posterior, train.

pub mod dropout;
pub mod ensemble;
pub mod hmc;
pub mod map_fit;
pub mod methods;
pub mod point_net;
pub mod table;
