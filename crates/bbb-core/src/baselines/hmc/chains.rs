//! HMC on the network: chains run side by side (threads natively), each from its own
//! deterministic fit and with its own random stream, so a chain is the same whatever the
//! number of threads; every kept state becomes one sampled function at the predictive's
//! inputs. Whether the chains mixed is read at the grid points of the predictive mean.

use crate::config::Config;
use crate::maths::parallel::map_parallel;
use crate::maths::rng::{keyed_seed, stream_seed, Rng, Stream};
use crate::posterior::calibration::implied_noise_sigma;

use super::super::map_fit::fit;
use super::diagnostics::{bulk_ess, split_rhat};
use super::potential::NetworkPotential;
use super::sampler::{run_chain, ChainInfo, HmcSettings};
use crate::engine::cpu::network::Nothing;

/// The run's HMC settings.
pub fn settings(config: &Config) -> HmcSettings {
    HmcSettings {
        warmup: config.hmc_warmup,
        samples: config.hmc_samples,
        leapfrog: config.hmc_leapfrog,
        target_accept: config.hmc_accept,
    }
}

/// One chain's sampled functions (`[samples, inputs]`, standardised) and what it saw.
pub struct Chain {
    pub functions: Vec<f32>,
    pub info: ChainInfo,
    /// Gradient evaluations of its fit and its transitions, in passes over the training data.
    pub passes: f64,
}

/// `config.hmc_chains` chains on `train` (features, standardised targets), each kept state's
/// network evaluated at `inputs` (features row-major), on up to `threads` threads.
pub fn run_chains(
    config: &Config,
    train: (&[f32], &[f32]),
    inputs: &[f32],
    threads: usize,
) -> Vec<Chain> {
    let s = settings(config);
    map_parallel(config.hmc_chains, threads, |c| {
        let key = keyed_seed(stream_seed(config.seed, Stream::Hmc), &[c as u64]);
        let mut rng = Rng::new(key);
        let (start, fit_passes) = fit(config, train, 0.0, &mut rng);
        let potential = NetworkPotential {
            x: train.0,
            y: train.1,
            shape: start.clone(),
            noise_sigma: implied_noise_sigma(config, 1.0),
            prior_sigma: config.prior_sigma,
        };
        let mut net = start.clone();
        let mut functions = Vec::with_capacity(s.samples * inputs.len() / crate::data::N_FEATURES);
        let info = run_chain(&potential, start.to_flat(), &s, &mut rng, |theta| {
            net.set_flat(theta);
            functions.extend(net.predict(inputs, &mut Nothing));
        });
        Chain {
            functions,
            passes: fit_passes + info.gradient_evaluations as f64,
            info,
        }
    })
}

/// Whether the chains mixed, read from the sampled functions at the first `grid` inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Mixing {
    /// Mean acceptance probability over chains.
    pub acceptance: f64,
    /// Largest rank-normalised split-R̂ of the function over the grid.
    pub rhat_max: f64,
    /// The same over the grid points inside the training data.
    pub rhat_max_data: f64,
    /// Smallest bulk effective sample size over the grid.
    pub ess_min: f64,
    /// Divergent transitions over chains.
    pub divergences: usize,
    /// Mean step size over chains.
    pub step_size: f64,
}

/// The mixing of `chains` whose functions are `points` long each, at grid inputs `0..grid`,
/// `inside(j)` saying whether grid input `j` lies inside the training data.
pub fn mixing(
    chains: &[Chain],
    points: usize,
    grid: usize,
    inside: impl Fn(usize) -> bool,
) -> Mixing {
    let n = chains.len() as f64;
    let series = |j: usize| -> Vec<Vec<f64>> {
        chains
            .iter()
            .map(|c| {
                c.functions
                    .chunks(points)
                    .map(|f| f64::from(f[j]))
                    .collect()
            })
            .collect()
    };
    let (mut rhat_max, mut rhat_max_data, mut ess_min) = (0.0f64, 0.0f64, f64::INFINITY);
    for j in 0..grid {
        let s = series(j);
        let r = split_rhat(&s);
        rhat_max = rhat_max.max(r);
        if inside(j) {
            rhat_max_data = rhat_max_data.max(r);
        }
        ess_min = ess_min.min(bulk_ess(&s));
    }
    Mixing {
        acceptance: chains.iter().map(|c| c.info.acceptance).sum::<f64>() / n,
        rhat_max,
        rhat_max_data,
        ess_min,
        divergences: chains.iter().map(|c| c.info.divergences).sum(),
        step_size: chains.iter().map(|c| c.info.step_size).sum::<f64>() / n,
    }
}
