//! The training step of the CPU backends: burn differentiates the network, the host does the
//! work of each single weight.
//!
//! Most of a Bayes-by-Backprop step's arithmetic is not in the network. Each of the 64 658
//! trained scalars gets a softplus, a draw, a KL term, the derivatives of all three, a share of
//! the clipping norm and an AdamW update. As burn ops each of those is a pass over every
//! parameter tensor (with its backward, and a scalar `exp` / `log1p` / `ln` per element); on
//! the host they are a few fused loops over plain `f32` with the vectorised exponential and
//! logarithm. burn's autodiff still differentiates the network, with the drawn weights as its
//! leaves, and the chain rule through the draw and the closed-form KL is written out:
//!
//! - `σ = softplus(ρ)`, `w_s = μ + σ·ε_s` for the `S` draws;
//! - `∂L/∂μ = Σ_s ∂nll/∂w_s + c·μ/p²`;
//! - `∂L/∂ρ = (Σ_s ∂nll/∂w_s·ε_s + c·(σ/p² − 1/σ))·sigmoid(ρ)`,
//!
//! with `c = kl_weight / num_batches` and `p` the prior's standard deviation. This is the
//! gradient of the loss that [`elbo_step`](crate::elbo::elbo_step) builds from burn ops alone
//! (the GPU's step), from the same normals in the same order; a test holds the two together.

use burn::tensor::{Device, Tensor, TensorData};

use crate::activation::exp;
use crate::elbo::ElboSettings;
use crate::model::{network, Regressor};
use crate::normals::{ln, Normals};
use crate::simd::widest_simd;

/// The model's parameters on the host, in the order of [`Regressor::params`]: per layer
/// `w_mu [in, out]`, `w_rho`, `b_mu [1, out]`, `b_rho`.
#[derive(Clone, Debug)]
pub struct HostParams {
    /// Each parameter tensor's values, row-major.
    pub values: Vec<Vec<f32>>,
    shapes: Vec<[usize; 2]>,
    depth: usize,
}

/// A parameter's gradient on the host; `None` where the loss does not depend on it.
pub type HostGrad = Option<Vec<f32>>;

impl HostParams {
    /// Reads the model's parameters back (a copy; the tensors must be in host memory).
    pub fn read(model: &Regressor) -> Self {
        let params = model.params();
        Self {
            shapes: params.iter().map(|p| p.dims()).collect(),
            values: params.iter().map(values_of).collect(),
            depth: model.blocks.len(),
        }
    }

    /// The model with these parameters.
    pub fn to_model(&self, like: &Regressor, device: &Device) -> Regressor {
        like.with_params(
            self.values
                .iter()
                .zip(&self.shapes)
                .map(|(v, &shape)| Tensor::from_data(TensorData::new(v.clone(), shape), device))
                .collect(),
        )
    }

    /// Gradients of the warmup's loss, the mean squared error of the posterior means' network:
    /// the means get one, the rhos none.
    ///
    /// # Shapes
    /// - x: `[batch, 9]`, y: `[batch, 1]`
    pub fn warmup_grads(&self, x: Tensor<2>, y: Tensor<2>) -> Vec<HostGrad> {
        let device = x.device();
        // The means' leaves: per layer w_mu then b_mu (parameters 4l and 4l + 2).
        let leaves: Vec<Tensor<2>> = (0..self.values.len())
            .step_by(2)
            .map(|k| leaf(self.values[k].clone(), self.shapes[k], &device))
            .collect();
        let pred = network(x, self.depth, |i, h| {
            h.matmul(leaves[2 * i].clone()) + leaves[2 * i + 1].clone()
        });
        let grads = (pred - y).powi_scalar(2).mean().backward();
        leaves
            .iter()
            .flat_map(|l| {
                [
                    Some(values_of(&l.grad(&grads).expect("a mean's gradient"))),
                    None,
                ]
            })
            .collect()
    }

    /// Gradients of the ELBO loss (`nll + kl_weight·KL/num_batches`) for `s.mc_samples` weight
    /// draws whose normals come from `normals`, each tensor's `[S, rows, cols]` in turn (per
    /// layer the weights, then the biases), as [`Posterior::forward_sampled`] reads them.
    ///
    /// [`Posterior::forward_sampled`]: crate::model::Posterior::forward_sampled
    ///
    /// # Shapes
    /// - x: `[batch, 9]`, y: `[batch, 1]`
    pub fn elbo_grads(
        &self,
        x: Tensor<2>,
        y: Tensor<2>,
        s: &ElboSettings,
        normals: &mut Normals,
    ) -> Vec<HostGrad> {
        let device = x.device();
        let draws = s.mc_samples;
        // Per (mu, rho) pair: the posterior, its draws, and the drawn weights as leaves.
        let pairs: Vec<Drawn> = (0..self.values.len())
            .step_by(2)
            .map(|k| {
                let (mu, rho) = (&self.values[k], &self.values[k + 1]);
                let [rows, cols] = self.shapes[k];
                Drawn::new(mu, rho, draws, normals, [draws, rows, cols], &device)
            })
            .collect();
        let x = x.unsqueeze::<3>().repeat_dim(0, draws); // [S, batch, 9]
        let pred = network(x, self.depth, |i, h| {
            h.matmul(pairs[2 * i].leaf.clone()) + pairs[2 * i + 1].leaf.clone()
        });
        let grads = (pred - y.unsqueeze::<3>()).powi_scalar(2).mean().backward();
        let kl = KlSlope {
            c: (s.kl_weight / s.num_batches as f64) as f32,
            inv_p2: (1.0 / (s.prior_sigma * s.prior_sigma)) as f32,
        };
        pairs
            .iter()
            .zip(self.values.chunks_exact(2))
            .flat_map(|(d, mu_rho)| {
                let g = values_of(&d.leaf.grad(&grads).expect("a drawn weight's gradient"));
                let (g_mu, g_rho) = d.chain(&mu_rho[0], &g, kl);
                [Some(g_mu), Some(g_rho)]
            })
            .collect()
    }
}

/// The KL's share of the loss per weight: `c·KL`, with `1/p²` precomputed.
#[derive(Clone, Copy)]
struct KlSlope {
    c: f32,
    inv_p2: f32,
}

/// One parameter tensor's posterior and draws during a step.
struct Drawn {
    sigma: Vec<f32>,
    /// `dσ/dρ = sigmoid(ρ)`.
    slope: Vec<f32>,
    /// The normals of the `S` draws, `[S, n]`.
    eps: Vec<f32>,
    /// `μ + σ·ε`, `[S, rows, cols]`, tracked.
    leaf: Tensor<3>,
}

impl Drawn {
    fn new(
        mu: &[f32],
        rho: &[f32],
        draws: usize,
        normals: &mut Normals,
        shape: [usize; 3],
        device: &Device,
    ) -> Self {
        let n = mu.len();
        let (mut sigma, mut slope) = (vec![0.0; n], vec![0.0; n]);
        softplus_and_slope(rho, &mut sigma, &mut slope);
        let mut eps = vec![0.0; draws * n];
        normals.fill(&mut eps);
        let mut w = eps.clone();
        for draw in w.chunks_exact_mut(n) {
            for ((w, &m), &s) in draw.iter_mut().zip(mu).zip(&sigma) {
                *w = m + s * *w;
            }
        }
        Self {
            sigma,
            slope,
            eps,
            leaf: leaf(w, shape, device),
        }
    }

    /// The chain rule from the drawn weights' gradient `g` (`[S, n]`) and the KL back to
    /// `(∂L/∂μ, ∂L/∂ρ)`.
    fn chain(&self, mu: &[f32], g: &[f32], kl: KlSlope) -> (Vec<f32>, Vec<f32>) {
        let n = mu.len();
        let (mut g_mu, mut g_sigma) = (vec![0.0f32; n], vec![0.0f32; n]);
        for (g, eps) in g.chunks_exact(n).zip(self.eps.chunks_exact(n)) {
            for (((gm, gs), &g), &e) in g_mu.iter_mut().zip(&mut g_sigma).zip(g).zip(eps) {
                *gm += g;
                *gs += g * e;
            }
        }
        for (gm, &m) in g_mu.iter_mut().zip(mu) {
            *gm += kl.c * m * kl.inv_p2;
        }
        for ((gs, &s), &d) in g_sigma.iter_mut().zip(&self.sigma).zip(&self.slope) {
            *gs = (*gs + kl.c * (s * kl.inv_p2 - 1.0 / s)) * d;
        }
        (g_mu, g_sigma)
    }
}

fn values_of<const D: usize>(t: &Tensor<D>) -> Vec<f32> {
    t.to_data()
        .try_into_vec_as::<f32>()
        .expect("the parameters are f32")
}

/// A tensor of `values` that burn's autodiff tracks.
fn leaf<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::<D>::from_data(TensorData::new(values, shape), device)
        .autodiff()
        .require_grad()
}

/// `σ = softplus(ρ) = max(ρ, 0) + log1p(e^(−|ρ|))` and its derivative `sigmoid(ρ)`, element by
/// element: on x86-64 in AVX-512 or AVX2 when the processor has them, elsewhere as compiled (the
/// browser build has SIMD128). Accurate to a few units in the last place for `ρ > −87`; below,
/// where `σ` is under `10⁻³⁷`, the exponential's clamp keeps it positive.
pub fn softplus_and_slope(rho: &[f32], sigma: &mut [f32], slope: &mut [f32]) {
    assert!(sigma.len() == rho.len() && slope.len() == rho.len());
    widest_simd!(softplus_loop(rho: &[f32], sigma: &mut [f32], slope: &mut [f32]))
}

#[inline(always)]
fn softplus_loop(rho: &[f32], sigma: &mut [f32], slope: &mut [f32]) {
    for ((&r, s), d) in rho.iter().zip(sigma.iter_mut()).zip(slope.iter_mut()) {
        let e = exp(-r.abs()); // (0, 1]
        let u = 1.0 + e;
        // log1p(e) = ln(u)·e/(u − 1): the rounding of 1 + e cancels (exact where u = 1).
        let du = u - 1.0;
        let log1p = if du == 0.0 { e } else { ln(u) * (e / du) };
        *s = r.max(0.0) + log1p;
        let inv = 1.0 / u;
        *d = if r >= 0.0 { inv } else { e * inv };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::test_device;
    use crate::config::Config;
    use crate::data::N_FEATURES;
    use crate::elbo::elbo_step;
    use crate::noise::Noise;
    use crate::rng::Rng;
    use burn::tensor::Distribution;

    /// The tutorial's architecture with rhos spread over [−3, 0] (σ from 0.05 to 0.7), so every
    /// draw moves the output and the KL's slope differs from weight to weight.
    fn wide_model(device: &Device) -> Regressor {
        let m = Regressor::init(&Config::default(), &mut Rng::new(4), device);
        let mut i = 0;
        m.map_params(|p| {
            i += 1;
            if i % 2 == 0 {
                p.random_like(Distribution::Uniform(-3.0, 0.0))
            } else {
                p
            }
        })
    }

    fn batch(device: &Device) -> (Tensor<2>, Tensor<2>) {
        let x = Tensor::<2>::random([16, N_FEATURES], Distribution::Normal(0.0, 1.0), device);
        let y = Tensor::<2>::random([16, 1], Distribution::Normal(0.0, 1.0), device);
        (x, y)
    }

    /// The gradients burn's autodiff takes through the whole loss (the GPU's step).
    fn burns_grads(model: &Regressor, loss: impl Fn(&Regressor) -> Tensor<1>) -> Vec<HostGrad> {
        let tracked = model.map_params(|p| p.autodiff().require_grad());
        let grads = loss(&tracked).backward();
        tracked
            .params()
            .iter()
            .map(|p| p.grad(&grads).map(|g| values_of(&g)))
            .collect()
    }

    fn assert_same_grads(ours: &[HostGrad], burns: &[HostGrad]) {
        assert_eq!(ours.len(), burns.len());
        for (i, (a, b)) in ours.iter().zip(burns).enumerate() {
            let (Some(a), Some(b)) = (a, b) else {
                assert!(
                    a.is_none() && b.is_none(),
                    "tensor {i}: one gradient missing"
                );
                continue;
            };
            let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(scale > 0.0, "tensor {i}: a zero gradient tests nothing");
            for (j, (x, y)) in a.iter().zip(b).enumerate() {
                assert!(
                    (x - y).abs() <= 2e-4 * scale,
                    "tensor {i}[{j}]: host {x} vs burn {y} (scale {scale})"
                );
            }
        }
    }

    #[test]
    fn the_host_elbo_gradient_is_burns() {
        let device = test_device();
        let model = wide_model(&device);
        let (x, y) = batch(&device);
        // Two draws, and a KL weight large enough that its gradient is not lost beside the NLL's.
        let s = ElboSettings {
            num_batches: 7,
            kl_weight: 0.5,
            prior_sigma: 0.9,
            mc_samples: 2,
        };
        let burns = burns_grads(&model, |m| {
            elbo_step(m, x.clone(), y.clone(), &s, &mut Noise::host(11)).loss
        });
        let ours = HostParams::read(&model).elbo_grads(x, y, &s, &mut Normals::new(11));
        assert_same_grads(&ours, &burns);
    }

    #[test]
    fn the_host_warmup_gradient_is_burns() {
        let device = test_device();
        let model = wide_model(&device);
        let (x, y) = batch(&device);
        let burns = burns_grads(&model, |m| {
            (m.forward_mean(x.clone()) - y.clone())
                .powi_scalar(2)
                .mean()
        });
        let ours = HostParams::read(&model).warmup_grads(x, y);
        assert_same_grads(&ours, &burns);
        assert!(ours.iter().skip(1).step_by(2).all(Option::is_none));
    }

    #[test]
    fn softplus_and_its_slope_against_f64() {
        let rho: Vec<f32> = (-8000..=3000).map(|i| i as f32 * 0.01).collect();
        let (mut sigma, mut slope) = (vec![0.0; rho.len()], vec![0.0; rho.len()]);
        softplus_and_slope(&rho, &mut sigma, &mut slope);
        for ((&r, &s), &d) in rho.iter().zip(&sigma).zip(&slope) {
            let r64 = f64::from(r);
            let exact = r64.max(0.0) + (-r64.abs()).exp().ln_1p();
            let exact_slope = 1.0 / (1.0 + (-r64).exp());
            let ulp = f64::from(f32::EPSILON);
            assert!(
                (f64::from(s) - exact).abs() <= 4.0 * ulp * exact,
                "softplus({r}) = {s}, exact {exact}"
            );
            assert!(
                (f64::from(d) - exact_slope).abs() <= 4.0 * ulp * exact_slope,
                "sigmoid({r}) = {d}, exact {exact_slope}"
            );
        }
    }
}
