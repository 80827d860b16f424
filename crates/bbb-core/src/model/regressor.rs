//! The tutorial's Bayesian residual regressor on burn tensors: one [`BayesLinear`] per layer of
//! the [`Architecture`], its posterior with the σ computed once, and its KL, the sum of its
//! layers' KL.

use burn::tensor::{Device, Tensor};

use crate::config::backend::on_host;
use crate::config::Config;
use crate::maths::rng::Rng;
use crate::model::activation::{silu, silu_tracked_host};
use crate::model::architecture::{Architecture, RESIDUAL_SCALE};
use crate::model::bayes_linear::{BayesLinear, Gaussians};
use crate::model::estimator::Estimator;
use crate::model::noise::Noise;

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

/// The [architecture](crate::model::architecture) in burn's ops, for every pass made of them:
/// `layer(i, h)` applies layer `i` of the flat list to `h`, whatever its weights are (the
/// means, fresh draws, or drawn leaves to differentiate). On the CPU backends SiLU takes its
/// exponential on the host ([`silu_tracked_host`]); on a GPU it is [`silu`] in burn's ops. The
/// CPU engine's passes on plain host slices read the same description (`engine/cpu/network.rs`);
/// tests hold the two together.
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
        let (fc1, fc2) = Architecture::block(k);
        let r = activation(layer(fc1, h.clone()));
        let r = layer(fc2, r);
        h = activation(h + r.mul_scalar(RESIDUAL_SCALE));
    }
    layer(1 + 2 * depth, h)
}

impl Regressor {
    /// A freshly initialised model (the tutorial's init, seeded by `rng`).
    pub fn init(config: &Config, rng: &mut Rng, device: &Device) -> Self {
        let rho = config.rho_init;
        let mut layers = Architecture::of(config)
            .layer_dims()
            .into_iter()
            .map(|(d_in, d_out)| BayesLinear::init(d_in, d_out, rho, rng, device));
        let mut next = || layers.next().expect("one layer per place");
        let input = next();
        let blocks = (0..config.depth)
            .map(|_| Block {
                fc1: next(),
                fc2: next(),
            })
            .collect();
        let output = next();
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

    /// The same means with every ρ drawn uniformly from `[lo, hi]` by `rng`, tensor by tensor in
    /// [`params`](Self::params) order: a posterior whose σ differ from weight to weight, for
    /// tests that need every draw to move the output.
    #[cfg(test)]
    pub(crate) fn with_rhos_in(&self, (lo, hi): (f64, f64), rng: &mut Rng) -> Self {
        let mut i = 0;
        self.map_params(|p| {
            i += 1;
            if i % 2 == 1 {
                return p;
            }
            let [r, c] = p.dims();
            let v: Vec<f32> = (0..r * c).map(|_| rng.uniform_in(lo, hi) as f32).collect();
            Tensor::from_data(burn::tensor::TensorData::new(v, [r, c]), &p.device())
        })
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
}

impl Posterior {
    /// `samples` forward passes, each with its own independent draw of every weight, in burn's
    /// ops (so training can differentiate them).
    ///
    /// # Shapes
    /// - x: `[batch, 9]` → `[samples, batch, 1]`
    pub fn forward_sampled(&self, x: Tensor<2>, samples: usize, noise: &mut Noise) -> Tensor<3> {
        self.forward_by(x, samples, Estimator::Reparameterisation, noise)
    }

    /// As [`forward_sampled`](Self::forward_sampled), each layer's noise drawn the
    /// `estimator`'s way.
    ///
    /// # Shapes
    /// - x: `[batch, 9]` → `[samples, batch, 1]`
    pub fn forward_by(
        &self,
        x: Tensor<2>,
        samples: usize,
        estimator: Estimator,
        noise: &mut Noise,
    ) -> Tensor<3> {
        let x = x.unsqueeze::<3>().repeat_dim(0, samples);
        let layers = self.layers();
        network(x, self.blocks.len(), |i, h| {
            layers[i].forward_by(h, estimator, noise)
        })
    }

    /// Every layer's Gaussians in the order of the flat list.
    pub fn layers(&self) -> Vec<&Gaussians> {
        std::iter::once(&self.input)
            .chain(self.blocks.iter().flatten())
            .chain(std::iter::once(&self.output))
            .collect()
    }

    /// Total closed-form KL of every layer to the prior. `[1]`
    pub fn kl(&self, prior_sigma: f64) -> Tensor<1> {
        let mut layers = self.layers().into_iter();
        let first = layers.next().expect("at least one layer").kl(prior_sigma);
        layers.fold(first, |acc, l| acc + l.kl(prior_sigma))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::data::N_FEATURES;

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
