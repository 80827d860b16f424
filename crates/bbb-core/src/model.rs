//! The tutorial's Bayesian residual regressor.
//!
//! `input: 9 → width`, SiLU, then `depth` residual blocks `h = silu(fc1(x)); h = fc2(h);
//! out = silu(x + 0.5·h)`, then `output: width → 1`. Its KL is the sum of its layers' KL.

use std::sync::OnceLock;

use burn::tensor::{Device, Tensor, TensorData};

use crate::activation::silu_tracked_host;
use crate::backend::on_host;
use crate::bayes_linear::{BayesLinear, Gaussians};
use crate::config::Config;
use crate::data::N_FEATURES;
use crate::host_pass::HostPosterior;
use crate::noise::Noise;
use crate::rng::Rng;

/// One residual block: two Bayesian layers of the same width.
#[derive(Clone, Debug)]
pub struct Block {
    /// First layer of the residual branch.
    pub fc1: BayesLinear,
    /// Second layer of the residual branch.
    pub fc2: BayesLinear,
}

/// The Bayesian residual regressor (posterior means and rhos of every layer).
#[derive(Clone, Debug)]
pub struct Regressor {
    /// `9 → width`.
    pub input: BayesLinear,
    /// The residual blocks.
    pub blocks: Vec<Block>,
    /// `width → 1`.
    pub output: BayesLinear,
}

/// SiLU, `x·σ(x) = x / (1 + e^(−x))`.
///
/// Written out instead of burn's `silu` because on the CPU backends this form is about twice as
/// fast (one branch-free exponential per element); `e^(−x)` overflowing to ∞ for very negative
/// `x` still gives the right limit, `x / ∞ = −0`.
pub fn silu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.clone().neg().exp().add_scalar(1.0).recip() * x
}

/// The architecture, written once for every pass made of burn's ops: `layer(i, h)` applies
/// layer `i` (0 the input layer, then each block's fc1 and fc2, the output layer last) to `h`,
/// whatever its weights are (the means, fresh draws, or drawn leaves to differentiate). On the
/// CPU backends SiLU takes its exponential on the host ([`silu_tracked_host`]); on a GPU it
/// is [`silu`] in burn's ops. The passes on plain host slices (the CPU backends' evaluations
/// and training step) have their one copy in `host_network.rs`, held to this one by tests.
///
/// # Shapes
/// - x: `[.., batch, 9]` → `[.., batch, 1]`
pub fn network<const D: usize>(
    x: Tensor<D>,
    depth: usize,
    mut layer: impl FnMut(usize, Tensor<D>) -> Tensor<D>,
) -> Tensor<D> {
    let host = on_host(&x.device());
    let activation = |t: Tensor<D>| {
        if host {
            silu_tracked_host(t)
        } else {
            silu(t)
        }
    };
    let mut h = activation(layer(0, x)); // [.., batch, width]
    for k in 0..depth {
        let r = activation(layer(1 + 2 * k, h.clone()));
        let r = layer(2 + 2 * k, r);
        h = activation(h + r.mul_scalar(0.5));
    }
    layer(1 + 2 * depth, h)
}

impl Regressor {
    /// A freshly initialised model (the tutorial's init, seeded by `rng`).
    pub fn init(config: &Config, rng: &mut Rng, device: &Device) -> Self {
        let (w, rho) = (config.width, config.rho_init);
        let mut layer = |d_in, d_out| BayesLinear::init(d_in, d_out, rho, rng, device);
        let input = layer(N_FEATURES, w);
        let blocks = (0..config.depth)
            .map(|_| Block {
                fc1: layer(w, w),
                fc2: layer(w, w),
            })
            .collect();
        let output = layer(w, 1);
        Self {
            input,
            blocks,
            output,
        }
    }

    /// Every layer, input first.
    pub fn layers(&self) -> Vec<&BayesLinear> {
        let mut v = vec![&self.input];
        for b in &self.blocks {
            v.push(&b.fc1);
            v.push(&b.fc2);
        }
        v.push(&self.output);
        v
    }

    /// Number of weights and biases; the trainable scalars are twice this (a mu and a rho each).
    pub fn n_weights(&self) -> usize {
        self.layers().iter().map(|l| l.n_weights()).sum()
    }

    /// Forward pass with the posterior means.
    ///
    /// # Shapes
    /// - x: `[batch, 9]` → `[batch, 1]`
    pub fn forward_mean(&self, x: Tensor<2>) -> Tensor<2> {
        let layers = self.layers();
        network(x, self.blocks.len(), |i, h| layers[i].forward_mean(h))
    }

    /// The posterior of every layer with its sigmas computed (see [`Posterior`]).
    pub fn posterior(&self) -> Posterior {
        Posterior {
            input: self.input.gaussians(),
            blocks: self
                .blocks
                .iter()
                .map(|b| [b.fc1.gaussians(), b.fc2.gaussians()])
                .collect(),
            output: self.output.gaussians(),
            host: OnceLock::new(),
        }
    }

    /// `samples` forward passes, each with its own independent draw of every weight.
    ///
    /// # Shapes
    /// - x: `[batch, 9]` → `[samples, batch, 1]`
    pub fn forward_sampled(&self, x: Tensor<2>, samples: usize, noise: &mut Noise) -> Tensor<3> {
        self.posterior().forward_sampled(x, samples, noise)
    }

    /// Total closed-form KL of every layer to the prior. `[1]`
    pub fn kl(&self, prior_sigma: f64) -> Tensor<1> {
        self.posterior().kl(prior_sigma)
    }

    /// Every parameter tensor in a fixed order (the optimiser's view of the model).
    pub fn params(&self) -> Vec<Tensor<2>> {
        self.layers()
            .into_iter()
            .flat_map(|l| l.params().map(Clone::clone))
            .collect()
    }

    /// The same architecture with new parameter tensors, in the order of [`params`](Self::params).
    pub fn with_params(&self, params: Vec<Tensor<2>>) -> Self {
        let mut it = params.into_iter();
        let input = BayesLinear::from_params(&mut it);
        let blocks = (0..self.blocks.len())
            .map(|_| Block {
                fc1: BayesLinear::from_params(&mut it),
                fc2: BayesLinear::from_params(&mut it),
            })
            .collect();
        let output = BayesLinear::from_params(&mut it);
        Self {
            input,
            blocks,
            output,
        }
    }

    /// Applies `f` to every parameter tensor.
    pub fn map_params(&self, f: impl FnMut(Tensor<2>) -> Tensor<2>) -> Self {
        self.with_params(self.params().into_iter().map(f).collect())
    }
}

/// The network's posterior in `(mu, sigma)` form, layer by layer. Built once per training step
/// (so the sampled pass and the KL share each softplus) or once per evaluation (so its batches
/// do not recompute it).
#[derive(Clone, Debug)]
pub struct Posterior {
    input: Gaussians,
    blocks: Vec<[Gaussians; 2]>,
    output: Gaussians,
    /// Its copy on the host, read back by the first pass that needs it.
    host: OnceLock<HostPosterior>,
}

impl Posterior {
    /// `samples` forward passes, each with its own independent draw of every weight, in burn's
    /// ops (so training can differentiate them).
    ///
    /// # Shapes
    /// - x: `[batch, 9]` → `[samples, batch, 1]`
    pub fn forward_sampled(&self, x: Tensor<2>, samples: usize, noise: &mut Noise) -> Tensor<3> {
        let x = x.unsqueeze::<3>().repeat_dim(0, samples); // [S, batch, 9]
        let layers: Vec<&Gaussians> = std::iter::once(&self.input)
            .chain(self.blocks.iter().flatten())
            .chain(std::iter::once(&self.output))
            .collect();
        network(x, self.blocks.len(), |i, h| {
            layers[i].forward_sampled(h, noise)
        })
    }

    /// As [`forward_sampled`](Self::forward_sampled), for passes that need no gradient (the
    /// evaluations, the predictive). On a CPU backend with the host's noise the passes run on
    /// the host ([`HostPosterior`]): the same estimator, several times faster. On a GPU they
    /// stay in burn's ops, whichever the noise (the functions drawn before training use the
    /// host's noise there too).
    pub fn forward_untracked(&self, x: Tensor<2>, samples: usize, noise: &mut Noise) -> Tensor<3> {
        let device = x.device();
        let normals = match noise {
            Noise::Host(normals) if on_host(&device) => normals,
            _ => return self.forward_sampled(x, samples, noise),
        };
        let [batch, _] = x.dims();
        let x: Vec<f32> = x
            .into_data()
            .try_into_vec_as::<f32>()
            .expect("the inputs are f32");
        let y = self.host().forward(&x, samples, normals);
        Tensor::from_data(TensorData::new(y, [samples, batch, 1]), &device)
    }

    /// The posterior's copy on the host, read back on first use.
    pub fn host(&self) -> &HostPosterior {
        self.host
            .get_or_init(|| HostPosterior::new(&self.input, &self.blocks, &self.output))
    }

    /// Total closed-form KL of every layer to the prior. `[1]`
    pub fn kl(&self, prior_sigma: f64) -> Tensor<1> {
        let mut layers = std::iter::once(&self.input)
            .chain(self.blocks.iter().flatten())
            .chain(std::iter::once(&self.output));
        let first = layers.next().expect("at least one layer").kl(prior_sigma);
        layers.fold(first, |acc, l| acc + l.kl(prior_sigma))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::test_device;

    #[test]
    fn silu_matches_burns_and_its_limits() {
        let device = test_device();
        let x = Tensor::<1>::from_floats([-200.0, -20.0, -1.0, 0.0, 0.5, 3.0, 200.0], &device);
        let ours: Vec<f32> = silu(x.clone())
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap();
        let burns: Vec<f32> = burn::tensor::activation::silu(x)
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap();
        for (a, b) in ours.iter().zip(&burns) {
            assert!(
                a.is_finite() && (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                "{a} vs {b}"
            );
        }
        assert_eq!(ours[3], 0.0);
        assert_eq!(ours[6], 200.0);
    }

    #[test]
    fn the_tutorials_parameter_count() {
        let m = Regressor::init(&Config::default(), &mut Rng::new(1), &test_device());
        assert_eq!(m.n_weights(), 32_329);
        assert_eq!(2 * m.n_weights(), 64_658);
        assert_eq!(m.params().len(), 8 * 4);
    }

    #[test]
    fn shapes_and_sample_agreement() {
        let device = test_device();
        let config = Config {
            rho_init: -30.0,
            ..Config::default()
        };
        let m = Regressor::init(&config, &mut Rng::new(2), &device);
        let x = Tensor::<2>::ones([5, N_FEATURES], &device);
        let mean = m.forward_mean(x.clone());
        assert_eq!(mean.dims(), [5, 1]);
        let sampled = m.forward_sampled(x, 3, &mut Noise::host(1));
        assert_eq!(sampled.dims(), [3, 5, 1]);
        // With sigma ≈ 1e-13 every draw is the mean.
        let a: Vec<f32> = mean.into_data().try_into_vec_as::<f32>().unwrap();
        let b: Vec<f32> = sampled.into_data().try_into_vec_as::<f32>().unwrap();
        for (i, v) in b.iter().enumerate() {
            assert!((v - a[i % 5]).abs() < 1e-5);
        }
    }

    #[test]
    fn model_kl_is_the_sum_of_layer_kls() {
        let m = Regressor::init(&Config::default(), &mut Rng::new(3), &test_device());
        let total: f32 = m.kl(0.9).into_scalar();
        let parts: f32 = m
            .layers()
            .iter()
            .map(|l| l.kl(0.9).into_scalar::<f32>())
            .sum();
        assert!((total - parts).abs() / parts < 1e-5);
        // At init (sigma ≈ 0.0111, small means) the KL is large and positive.
        assert!(total > 32_329.0 * 3.0, "{total}");
    }
}
