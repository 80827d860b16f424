//! The training step of the CPU backends, on the host: the network's gradient and the work of
//! each single weight.
//!
//! Most of a Bayes-by-Backprop step's arithmetic is not in the network. Each of the 64 658
//! trained scalars gets a softplus, a draw, a KL term, the derivatives of all three, a share of
//! the clipping norm and an AdamW update. As burn ops each of those is a pass over every
//! parameter tensor (with its backward, and a scalar `exp` / `log1p` / `ln` per element); on
//! the host they are a few fused loops over plain `f32` with the vectorised exponential and
//! logarithm. The network's gradient with respect to the drawn weights is written out as well
//! (`backprop.rs`), and so is the chain rule through the draw and the closed-form KL:
//!
//! - `σ = softplus(ρ)`, `w_s = μ + σ·ε_s` for the `S` draws;
//! - `∂L/∂μ = Σ_s ∂nll/∂w_s + c·μ/p²`;
//! - `∂L/∂ρ = (Σ_s ∂nll/∂w_s·ε_s + c·(σ/p² − 1/σ))·sigmoid(ρ)`,
//!
//! with `c = kl_weight / num_batches` and `p` the prior's standard deviation. This is the
//! gradient of the loss that [`elbo_step`](crate::model::elbo::elbo_step) builds from burn ops alone
//! (the GPU's step), from the same normals in the same order; a test holds the two together.

use burn::tensor::{Device, Tensor, TensorData};

use crate::engine::cpu::backprop::squared_error_grads;
use crate::engine::cpu::network::Dense;
use crate::maths::kernels::softplus_and_slope;
use crate::maths::normals::Normals;
use crate::model::elbo::ElboSettings;
use crate::model::estimator::Estimator;
use crate::model::Regressor;

/// The model's parameters on the host, in the order of [`Regressor::params`]: per layer
/// `w_mu [in, out]`, `w_rho`, `b_mu [1, out]`, `b_rho`.
#[derive(Clone, Debug)]
pub struct HostParams {
    /// Each parameter tensor's values, row-major.
    pub values: Vec<Vec<f32>>,
    shapes: Vec<[usize; 2]>,
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

    /// The layers whose weights are the parameter pairs `(w, b)` of `values` (per layer `w` at
    /// `2l`, `b` at `2l + 1`).
    fn layers<'a>(values: &[&'a [f32]]) -> Vec<Dense<'a>> {
        values
            .chunks_exact(2)
            .map(|wb| Dense { w: wb[0], b: wb[1] })
            .collect()
    }

    /// Zeroed `[∂w, ∂b]` per layer.
    fn zero_grads(&self) -> Vec<[Vec<f32>; 2]> {
        (0..self.values.len())
            .step_by(4)
            .map(|k| {
                [
                    vec![0.0; self.values[k].len()],
                    vec![0.0; self.values[k + 2].len()],
                ]
            })
            .collect()
    }

    /// Gradients of the warmup's loss, the mean squared error of the posterior means' network:
    /// the means get one, the rhos none.
    ///
    /// # Shapes
    /// - x: `[batch, 9]` row-major, y: `[batch]`
    pub fn warmup_grads(&self, x: &[f32], y: &[f32]) -> Vec<HostGrad> {
        let means: Vec<&[f32]> = self.values.iter().step_by(2).map(Vec::as_slice).collect();
        let mut grads = self.zero_grads();
        let scale = 1.0 / y.len() as f32;
        squared_error_grads(x, y, &Self::layers(&means), scale, &mut grads);
        grads
            .into_iter()
            .flat_map(|[w, b]| [Some(w), None, Some(b), None])
            .collect()
    }

    /// Gradients of the ELBO loss for `s.mc_samples` draws taken the `estimator`'s way.
    ///
    /// # Shapes
    /// - x: `[batch, 9]` row-major, y: `[batch]`
    pub fn elbo_grads_by(
        &self,
        (x, y): (&[f32], &[f32]),
        s: &ElboSettings,
        estimator: Estimator,
        normals: &mut Normals,
    ) -> Vec<HostGrad> {
        match estimator {
            Estimator::Reparameterisation => self.elbo_grads(x, y, s, normals),
            Estimator::LocalReparameterisation => self.lrt_grads(x, y, s, normals),
            Estimator::Flipout => self.flipout_grads(x, y, s, normals),
        }
    }

    /// Gradients of the ELBO loss (`nll + kl_weight·KL/num_batches`) for `s.mc_samples` weight
    /// draws whose normals come from `normals`, each tensor's `[S, rows, cols]` in turn (per
    /// layer the weights, then the biases), as [`Posterior::forward_sampled`] reads them.
    ///
    /// [`Posterior::forward_sampled`]: crate::model::Posterior::forward_sampled
    ///
    /// # Shapes
    /// - x: `[batch, 9]` row-major, y: `[batch]`
    pub fn elbo_grads(
        &self,
        x: &[f32],
        y: &[f32],
        s: &ElboSettings,
        normals: &mut Normals,
    ) -> Vec<HostGrad> {
        let draws = s.mc_samples;
        // Per (mu, rho) pair: the posterior and its draws; per pair the drawn weights'
        // gradient, `[S, n]`.
        let pairs: Vec<Drawn> = self
            .values
            .chunks_exact(2)
            .map(|mu_rho| Drawn::new(&mu_rho[0], &mu_rho[1], draws, normals))
            .collect();
        let mut g: Vec<Vec<f32>> = pairs.iter().map(|d| vec![0.0; d.w.len()]).collect();
        // The nll is the mean over the draws and the rows.
        let scale = 1.0 / (draws * y.len()) as f32;
        for draw in 0..draws {
            let drawn: Vec<&[f32]> = pairs.iter().map(|d| d.draw(draw)).collect();
            let mut grads = self.zero_grads();
            squared_error_grads(x, y, &Self::layers(&drawn), scale, &mut grads);
            for (g, grad) in g.iter_mut().zip(grads.iter().flatten()) {
                let n = grad.len();
                g[draw * n..(draw + 1) * n].copy_from_slice(grad);
            }
        }
        let kl = KlSlope::of(s);
        pairs
            .iter()
            .zip(self.values.chunks_exact(2))
            .zip(&g)
            .flat_map(|((d, mu_rho), g)| {
                let (g_mu, g_rho) = d.chain(&mu_rho[0], g, kl);
                [Some(g_mu), Some(g_rho)]
            })
            .collect()
    }
}

/// The KL's share of the loss per weight: `c·KL`, with `1/p²` precomputed.
#[derive(Clone, Copy)]
pub(crate) struct KlSlope {
    c: f32,
    inv_p2: f32,
}

impl KlSlope {
    pub(crate) fn of(s: &ElboSettings) -> Self {
        Self {
            c: (s.kl_weight / s.num_batches as f64) as f32,
            inv_p2: (1.0 / (s.prior_sigma * s.prior_sigma)) as f32,
        }
    }
}

/// `(∂L/∂μ, ∂L/∂ρ)` of one parameter tensor from the network's gradients with respect to the
/// means (`g_mu`) and the spreads (`g_sigma`), summed over the draws: the KL's share added
/// (`c·μ/p²`, `c·(σ/p² − 1/σ)`) and the spread's carried through `dσ/dρ` (`slope`).
pub(crate) fn kl_chain(
    mu: &[f32],
    sigma: &[f32],
    slope: &[f32],
    mut g_mu: Vec<f32>,
    mut g_sigma: Vec<f32>,
    kl: KlSlope,
) -> (Vec<f32>, Vec<f32>) {
    for (gm, &m) in g_mu.iter_mut().zip(mu) {
        *gm += kl.c * m * kl.inv_p2;
    }
    for ((gs, &s), &d) in g_sigma.iter_mut().zip(sigma).zip(slope) {
        *gs = (*gs + kl.c * (s * kl.inv_p2 - 1.0 / s)) * d;
    }
    (g_mu, g_sigma)
}

/// One parameter tensor's posterior and draws during a step.
struct Drawn {
    sigma: Vec<f32>,
    /// `dσ/dρ = sigmoid(ρ)`.
    slope: Vec<f32>,
    /// The normals of the `S` draws, `[S, n]`.
    eps: Vec<f32>,
    /// `μ + σ·ε`, `[S, n]`.
    w: Vec<f32>,
}

impl Drawn {
    fn new(mu: &[f32], rho: &[f32], draws: usize, normals: &mut Normals) -> Self {
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
            w,
        }
    }

    /// Draw `draw`'s values.
    fn draw(&self, draw: usize) -> &[f32] {
        let n = self.sigma.len();
        &self.w[draw * n..(draw + 1) * n]
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
        kl_chain(mu, &self.sigma, &self.slope, g_mu, g_sigma, kl)
    }
}

fn values_of<const D: usize>(t: &Tensor<D>) -> Vec<f32> {
    t.to_data()
        .try_into_vec_as::<f32>()
        .expect("the parameters are f32")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::config::Config;
    use crate::data::N_FEATURES;
    use crate::maths::rng::Rng;
    use crate::model::elbo::elbo_step_by;
    use crate::model::estimator::Estimator;
    use crate::model::noise::Noise;

    /// A tensor of `shape` filled by `draw`, from this crate's seeded generator: the tests below
    /// see the same case on every run (burn's generator is shared by the tests' threads).
    fn seeded(shape: [usize; 2], device: &Device, mut draw: impl FnMut() -> f64) -> Tensor<2> {
        let values: Vec<f32> = (0..shape[0] * shape[1]).map(|_| draw() as f32).collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    }

    /// The tutorial's architecture with rhos spread over [−3, 0] (σ from 0.05 to 0.7), so every
    /// draw moves the output and the KL's slope differs from weight to weight.
    fn wide_model(device: &Device) -> Regressor {
        Regressor::init(&Config::default(), &mut Rng::new(4), device)
            .with_rhos_in((-3.0, 0.0), &mut Rng::new(5))
    }

    fn batch(device: &Device) -> (Tensor<2>, Tensor<2>) {
        let mut rng = Rng::new(6);
        let x = seeded([16, N_FEATURES], device, || rng.normal());
        let y = seeded([16, 1], device, || rng.normal());
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

    /// Each gradient within 2·10⁻⁴ of its tensor's largest, or of a hundredth of the largest
    /// gradient of all where that is more: a sum that cancels (a bias of the output layer is a
    /// sum of residuals) keeps the rounding of the terms it summed, not of its own small size.
    fn assert_same_grads(ours: &[HostGrad], burns: &[HostGrad]) {
        assert_eq!(ours.len(), burns.len());
        let largest = |g: &[f32]| g.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let overall = burns
            .iter()
            .flatten()
            .fold(0.0f32, |m, g| m.max(largest(g)));
        for (i, (a, b)) in ours.iter().zip(burns).enumerate() {
            let (Some(a), Some(b)) = (a, b) else {
                assert!(
                    a.is_none() && b.is_none(),
                    "tensor {i}: one gradient missing"
                );
                continue;
            };
            let scale = largest(b);
            assert!(scale > 0.0, "tensor {i}: a zero gradient tests nothing");
            let scale = scale.max(0.01 * overall);
            for (j, (x, y)) in a.iter().zip(b).enumerate() {
                assert!(
                    (x - y).abs() <= 2e-4 * scale,
                    "tensor {i}[{j}]: host {x} vs burn {y} (scale {scale})"
                );
            }
        }
    }

    /// The host's ELBO gradient for each estimator (whole draws here, the local
    /// reparameterisation's and Flipout's in `local_noise.rs`) against burn's autodiff of the
    /// same loss from the same normals: two draws, and a KL weight large enough that its
    /// gradient is not lost beside the NLL's.
    #[test]
    fn the_host_elbo_gradient_of_every_estimator_is_burns() {
        let device = test_device();
        let model = wide_model(&device);
        let (x, y) = batch(&device);
        let s = ElboSettings {
            num_batches: 7,
            kl_weight: 0.5,
            prior_sigma: 0.9,
            mc_samples: 2,
        };
        for estimator in Estimator::ALL {
            let burns = burns_grads(&model, |m| {
                let batch = (x.clone(), y.clone());
                elbo_step_by(m, batch, &s, estimator, &mut Noise::host(11)).loss
            });
            let (xs, ys) = (values_of(&x), values_of(&y));
            let ours = HostParams::read(&model).elbo_grads_by(
                (&xs, &ys),
                &s,
                estimator,
                &mut Normals::new(11),
            );
            assert_same_grads(&ours, &burns);
        }
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
        let ours = HostParams::read(&model).warmup_grads(&values_of(&x), &values_of(&y));
        assert_same_grads(&ours, &burns);
        assert!(ours.iter().skip(1).step_by(2).all(Option::is_none));
    }

    /// The KL's share of the host gradient (the gradient with the KL weighted, less the one
    /// without, from the same normals) against central finite differences in `f64` of the KL
    /// written from its definition, `Σ ln(p/σ) + (σ² + μ²)/(2p²) − ½` with `σ = softplus(ρ)`.
    #[test]
    fn the_kl_gradient_is_the_finite_difference_of_the_kl() {
        use crate::maths::reference::{kl_gaussian, softplus};
        let device = test_device();
        let model = wide_model(&device);
        let (x, y) = batch(&device);
        let (x, y) = (values_of(&x), values_of(&y));
        let params = HostParams::read(&model);
        let s = |kl_weight| ElboSettings {
            num_batches: 4,
            kl_weight,
            prior_sigma: 0.9,
            mc_samples: 1,
        };
        let with = params.elbo_grads(&x, &y, &s(2.0), &mut Normals::new(7));
        let without = params.elbo_grads(&x, &y, &s(0.0), &mut Normals::new(7));
        let c = 2.0 / 4.0;
        let kl = |mu: f64, rho: f64| kl_gaussian(mu, softplus(rho), 0.9);
        let h = 1e-6;
        let mut checked = 0;
        for (pair, (mu_rho, (gw, g0))) in params
            .values
            .chunks_exact(2)
            .zip(with.chunks_exact(2).zip(without.chunks_exact(2)))
            .enumerate()
        {
            let (mu, rho) = (&mu_rho[0], &mu_rho[1]);
            for j in (0..mu.len()).step_by(7) {
                let (m, r) = (f64::from(mu[j]), f64::from(rho[j]));
                let fd_mu = c * (kl(m + h, r) - kl(m - h, r)) / (2.0 * h);
                let fd_rho = c * (kl(m, r + h) - kl(m, r - h)) / (2.0 * h);
                let ours_mu = f64::from(gw[0].as_ref().unwrap()[j] - g0[0].as_ref().unwrap()[j]);
                let ours_rho = f64::from(gw[1].as_ref().unwrap()[j] - g0[1].as_ref().unwrap()[j]);
                // The NLL's part cancels only to f32 rounding of the sum it sits in.
                let tol = |fd: f64, g: &[f32]| {
                    1e-4 * fd.abs() + 4.0 * f64::from(f32::EPSILON) * f64::from(g[j].abs())
                };
                assert!(
                    (ours_mu - fd_mu).abs() <= tol(fd_mu, gw[0].as_ref().unwrap()),
                    "pair {pair}[{j}] ∂μ: {ours_mu} vs {fd_mu}"
                );
                assert!(
                    (ours_rho - fd_rho).abs() <= tol(fd_rho, gw[1].as_ref().unwrap()),
                    "pair {pair}[{j}] ∂ρ: {ours_rho} vs {fd_rho}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} weights checked");
    }
}
