//! A Bayesian linear layer trained by Bayes-by-Backprop.
//!
//! Every weight and bias has a Gaussian posterior `N(mu, sigma²)` with `sigma = softplus(rho)`.
//! A sampled forward pass draws `w = mu + sigma·eps`, `eps ~ N(0, 1)`: one draw of the whole
//! matrix per pass, shared by every row of the mini-batch. With a leading sample dimension `S`
//! each of the `S` passes gets its own independent draw. The KL divergence to the prior
//! `N(0, prior_sigma²)` is in closed form:
//!
//! `KL = Σ [ ln(prior_sigma / sigma) + (sigma² + mu²) / (2 prior_sigma²) − 1/2 ]`.

use burn::tensor::activation::softplus;
use burn::tensor::{Device, Tensor, TensorData};

use crate::maths::rng::Rng;
use crate::model::noise::Noise;

/// Posterior means and rhos of one `in → out` layer.
///
/// Weights are stored `[in, out]` and biases `[1, out]`, so a forward pass is `x·W + b`.
#[derive(Clone, Debug)]
pub struct BayesLinear {
    /// Posterior mean of the weights. `[in, out]`
    pub w_mu: Tensor<2>,
    /// Posterior rho of the weights. `[in, out]`
    pub w_rho: Tensor<2>,
    /// Posterior mean of the biases. `[1, out]`
    pub b_mu: Tensor<2>,
    /// Posterior rho of the biases. `[1, out]`
    pub b_rho: Tensor<2>,
}

/// Softplus, `ln(1 + e^rho)`: maps any rho to a positive standard deviation.
pub fn sigma_of(rho: Tensor<2>) -> Tensor<2> {
    softplus(rho, 1.0)
}

/// The tutorial's initial means of a `d_in → d_out` layer, `[w (row-major [d_in, d_out]), b]`,
/// each `~ U(−1/√d_in, 1/√d_in)`: the Bayesian layer's μs, and the weights of every
/// deterministic network the comparison trains.
pub fn initial_means(d_in: usize, d_out: usize, rng: &mut Rng) -> [Vec<f32>; 2] {
    let bound = 1.0 / (d_in as f64).sqrt();
    let mut uniform = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|_| rng.uniform_in(-bound, bound) as f32)
            .collect()
    };
    let w = uniform(d_in * d_out);
    [w, uniform(d_out)]
}

impl BayesLinear {
    /// The tutorial's initialisation: means `~ U(−1/√in, 1/√in)`, every rho `= rho_init`.
    pub fn init(d_in: usize, d_out: usize, rho_init: f64, rng: &mut Rng, device: &Device) -> Self {
        let [w_mu, b_mu] = initial_means(d_in, d_out, rng);
        let full = |shape: [usize; 2]| Tensor::full(shape, rho_init as f32, device);
        Self {
            w_mu: Tensor::from_data(TensorData::new(w_mu, [d_in, d_out]), device),
            w_rho: full([d_in, d_out]),
            b_mu: Tensor::from_data(TensorData::new(b_mu, [1, d_out]), device),
            b_rho: full([1, d_out]),
        }
    }

    /// Input features.
    pub fn d_in(&self) -> usize {
        self.w_mu.dims()[0]
    }

    /// Output features.
    pub fn d_out(&self) -> usize {
        self.w_mu.dims()[1]
    }

    /// Number of weights and biases (each has a mu and a rho).
    pub fn n_weights(&self) -> usize {
        (self.d_in() + 1) * self.d_out()
    }

    /// Forward pass with the posterior means (draws nothing).
    ///
    /// # Shapes
    /// - x: `[batch, in]` → `[batch, out]`
    pub fn forward_mean(&self, x: Tensor<2>) -> Tensor<2> {
        x.matmul(self.w_mu.clone()) + self.b_mu.clone()
    }

    /// The posterior as `(mu, sigma)`: the softplus done once, to be shared by every draw and
    /// the KL.
    pub fn gaussians(&self) -> Gaussians {
        Gaussians {
            w_mu: self.w_mu.clone(),
            w_sigma: sigma_of(self.w_rho.clone()),
            b_mu: self.b_mu.clone(),
            b_sigma: sigma_of(self.b_rho.clone()),
        }
    }

    /// Forward pass with one independent weight draw per leading sample.
    ///
    /// # Shapes
    /// - x: `[samples, batch, in]` → `[samples, batch, out]`
    pub fn forward_sampled(&self, x: Tensor<3>, noise: &mut Noise) -> Tensor<3> {
        self.gaussians().forward_sampled(x, noise)
    }

    /// Closed-form `KL(q ‖ N(0, prior_sigma²))` summed over weights and biases. `[1]`
    pub fn kl(&self, prior_sigma: f64) -> Tensor<1> {
        self.gaussians().kl(prior_sigma)
    }

    /// The four parameter tensors, in a fixed order.
    pub fn params(&self) -> [&Tensor<2>; 4] {
        [&self.w_mu, &self.w_rho, &self.b_mu, &self.b_rho]
    }

    /// Rebuilds the layer from four tensors in the order of [`params`](Self::params).
    pub fn from_params(mut it: impl Iterator<Item = Tensor<2>>) -> Self {
        let mut next = || it.next().expect("four tensors per layer");
        Self {
            w_mu: next(),
            w_rho: next(),
            b_mu: next(),
            b_rho: next(),
        }
    }
}

/// One layer's posterior with `sigma = softplus(rho)` already computed. A training step
/// builds it once, so the sampled forward pass and the KL share one softplus (and one
/// backward through it); an evaluation builds it once for all of its batches.
#[derive(Clone, Debug)]
pub struct Gaussians {
    /// Weight means. `[in, out]`
    pub w_mu: Tensor<2>,
    /// Weight standard deviations. `[in, out]`
    pub w_sigma: Tensor<2>,
    /// Bias means. `[1, out]`
    pub b_mu: Tensor<2>,
    /// Bias standard deviations. `[1, out]`
    pub b_sigma: Tensor<2>,
}

impl Gaussians {
    /// Forward pass with one independent weight draw per leading sample.
    ///
    /// # Shapes
    /// - x: `[samples, batch, in]` → `[samples, batch, out]`
    pub fn forward_sampled(&self, x: Tensor<3>, noise: &mut Noise) -> Tensor<3> {
        let [samples, _, _] = x.dims();
        let w = sample(&self.w_mu, &self.w_sigma, samples, noise); // [S, in, out]
        let b = sample(&self.b_mu, &self.b_sigma, samples, noise); // [S, 1, out]
        x.matmul(w) + b
    }

    /// Closed-form `KL(q ‖ N(0, prior_sigma²))` summed over weights and biases. `[1]`
    pub fn kl(&self, prior_sigma: f64) -> Tensor<1> {
        kl_gaussian(&self.w_mu, &self.w_sigma, prior_sigma)
            + kl_gaussian(&self.b_mu, &self.b_sigma, prior_sigma)
    }
}

/// `S` draws of `mu + sigma·eps`. `[rows, cols]` → `[S, rows, cols]`
fn sample(mu: &Tensor<2>, sigma: &Tensor<2>, samples: usize, noise: &mut Noise) -> Tensor<3> {
    let [rows, cols] = mu.dims();
    let eps = noise.normal([samples, rows, cols], &mu.device()).inner();
    mu.clone().unsqueeze::<3>() + sigma.clone().unsqueeze::<3>() * eps
}

/// `Σ ln(p/σ) + (σ² + μ²)/(2p²) − 1/2` over every element.
fn kl_gaussian(mu: &Tensor<2>, sigma: &Tensor<2>, prior_sigma: f64) -> Tensor<1> {
    let p2 = prior_sigma * prior_sigma;
    let log_ratio = sigma.clone().log().neg().add_scalar(prior_sigma.ln());
    let quad = (sigma.clone().powi_scalar(2) + mu.clone().powi_scalar(2)).div_scalar(2.0 * p2);
    (log_ratio + quad).sub_scalar(0.5).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::backend::{normal_tensor, test_device};

    fn layer(d_in: usize, d_out: usize, seed: u64) -> BayesLinear {
        let device = test_device();
        let mut rng = Rng::new(seed);
        let mut l = BayesLinear::init(d_in, d_out, -4.5, &mut rng, &device);
        // Spread the rhos so sigma varies across weights.
        let n = d_in * d_out;
        let rho: Vec<f32> = (0..n).map(|_| rng.uniform_in(-3.0, 0.5) as f32).collect();
        l.w_rho = Tensor::from_data(TensorData::new(rho, [d_in, d_out]), &device);
        l
    }

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_into_vec_as::<f32>().unwrap()
    }

    #[test]
    fn init_matches_the_tutorial() {
        let device = test_device();
        let l = BayesLinear::init(72, 72, -4.5, &mut Rng::new(1), &device);
        let bound = 1.0 / 72f32.sqrt();
        let mu = values(l.w_mu.clone());
        assert!(mu.iter().all(|m| m.abs() <= bound));
        assert!(mu.iter().any(|m| m.abs() > 0.9 * bound));
        let sigma = values(sigma_of(l.w_rho.clone()));
        let expect = (1.0 + (-4.5f64).exp()).ln() as f32; // softplus(−4.5) ≈ 0.011048
        assert!(
            sigma.iter().all(|s| (s - expect).abs() < 1e-6),
            "{}",
            sigma[0]
        );
        assert_eq!(l.n_weights(), 72 * 73);
    }

    #[test]
    fn sigma_is_positive_even_for_extreme_rho() {
        let device = test_device();
        let rho = Tensor::<2>::from_floats([[-30.0, -5.0, 0.0, 5.0, 80.0]], &device);
        let sigma = values(sigma_of(rho));
        assert!(sigma.iter().all(|s| *s > 0.0 && s.is_finite()), "{sigma:?}");
        assert!((sigma[2] - 2f32.ln()).abs() < 1e-6);
        assert!((sigma[4] - 80.0).abs() < 1e-4);
    }

    #[test]
    fn kl_of_the_prior_to_itself_is_zero() {
        let device = test_device();
        let p: f64 = 0.9;
        // softplus(rho) = p  ⇔  rho = ln(e^p − 1)
        let rho = (p.exp() - 1.0).ln();
        let l = BayesLinear {
            w_mu: Tensor::zeros([5, 4], &device),
            w_rho: Tensor::full([5, 4], rho as f32, &device),
            b_mu: Tensor::zeros([1, 4], &device),
            b_rho: Tensor::full([1, 4], rho as f32, &device),
        };
        let kl: f32 = l.kl(p).into_scalar();
        assert!(kl.abs() < 1e-5, "{kl}");
        let moved = BayesLinear {
            b_mu: Tensor::full([1, 4], 0.3, &device),
            ..l
        };
        let kl: f32 = moved.kl(p).into_scalar();
        assert!((kl - 4.0 * 0.09 / (2.0 * 0.81)).abs() < 1e-5, "{kl}");
    }

    /// The tensor KL is the sum of the reference's KL of each weight.
    #[test]
    fn the_tensor_kl_is_the_sum_of_the_references() {
        use crate::maths::reference::kl_gaussian;
        let l = layer(3, 4, 5);
        let g = l.gaussians();
        let all = |t: &Tensor<2>| values(t.clone()).into_iter().map(f64::from);
        let sum: f64 = all(&g.w_mu)
            .zip(all(&g.w_sigma))
            .chain(all(&g.b_mu).zip(all(&g.b_sigma)))
            .map(|(m, s)| kl_gaussian(m, s, 0.9))
            .sum();
        let ours = f64::from(l.kl(0.9).into_scalar::<f32>());
        assert!((ours - sum).abs() < 1e-5 * sum, "{ours} vs {sum}");
    }

    #[test]
    fn closed_form_kl_matches_monte_carlo() {
        // KL(q‖p) = E_q[ln q(w) − ln p(w)], estimated from draws of the layer's own sampler.
        let l = layer(3, 4, 2);
        let prior: f64 = 0.9;
        let closed: f32 = l.kl(prior).into_scalar();
        let mu = values(l.w_mu.clone());
        let sigma = values(sigma_of(l.w_rho.clone()));
        let draws = 20_000;
        let g = l.gaussians();
        let w =
            values(sample(&g.w_mu, &g.w_sigma, draws, &mut Noise::host(1)).reshape([draws, 12]));
        let ln_normal = |x: f64, m: f64, s: f64| {
            -0.5 * ((x - m) / s).powi(2) - s.ln() - 0.5 * (std::f64::consts::TAU).ln()
        };
        let mut total = 0.0;
        for d in 0..draws {
            for j in 0..12 {
                let x = w[d * 12 + j] as f64;
                total += ln_normal(x, mu[j] as f64, sigma[j] as f64) - ln_normal(x, 0.0, prior);
            }
        }
        let mc_weights = total / draws as f64;
        let closed_bias: f32 = kl_gaussian(&g.b_mu, &g.b_sigma, prior).into_scalar();
        let closed_weights = (closed - closed_bias) as f64;
        // Standard error of the estimate is about 0.02 here; allow 5 of them.
        assert!(
            (mc_weights - closed_weights).abs() < 0.1,
            "MC {mc_weights} vs closed form {closed_weights}"
        );
    }

    #[test]
    fn sampled_forward_draws_independent_weights_per_sample() {
        let device = test_device();
        let l = layer(2, 3, 3);
        let x = Tensor::<2>::from_floats([[1.0, -0.5], [0.3, 0.7]], &device);
        let x3 = x.clone().unsqueeze::<3>().repeat_dim(0, 2);
        let y = l
            .forward_sampled(x3, &mut Noise::host(1))
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap();
        assert_eq!(y.len(), 2 * 2 * 3);
        // Two samples differ from each other and from the mean pass.
        assert!(y[..6]
            .iter()
            .zip(&y[6..])
            .any(|(a, b)| (a - b).abs() > 1e-3));
        let mean = values(l.forward_mean(x));
        assert!(mean.iter().zip(&y[..6]).any(|(a, b)| (a - b).abs() > 1e-3));
    }

    #[test]
    fn tiny_sigma_sampled_forward_is_the_mean_forward() {
        let device = test_device();
        let mut l = layer(4, 3, 4);
        l.w_rho = Tensor::full([4, 3], -30.0, &device);
        l.b_rho = Tensor::full([1, 3], -30.0, &device);
        let x = normal_tensor([5, 4], 27, &device);
        let mean = values(l.forward_mean(x.clone()));
        let sampled = l
            .forward_sampled(x.unsqueeze::<3>(), &mut Noise::host(2))
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap();
        for (a, b) in mean.iter().zip(&sampled) {
            assert!((a - b).abs() < 1e-5);
        }
    }
}
