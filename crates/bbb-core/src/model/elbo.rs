//! The objective of the VI stage, exactly as the tutorial's library computes it.
//!
//! For `S` weight draws: `nll = mean_s MSE(pred_s, y)` on standardised targets,
//! `kl = KL_total / num_batches`, `loss = nll + kl_weight · kl`. The "ELBO" printed everywhere
//! is this loss, a quantity to minimise.

use burn::tensor::Tensor;

use crate::model::estimator::Estimator;
use crate::model::noise::Noise;
use crate::model::Regressor;

/// The three terms of one ELBO evaluation, still on the device. Each is `[1]`.
#[derive(Clone, Debug)]
pub struct Elbo {
    /// `nll + kl_weight · kl`; carries gradients when the model's parameters do.
    pub loss: Tensor<1>,
    /// Mean over draws of the mean squared error.
    pub nll: Tensor<1>,
    /// Total KL divided by the number of mini-batches per epoch.
    pub kl: Tensor<1>,
}

/// Hyperparameters of the ELBO.
#[derive(Clone, Copy, Debug)]
pub struct ElboSettings {
    /// Mini-batches per epoch (the KL is spread evenly over them).
    pub num_batches: usize,
    /// Weight of the KL term.
    pub kl_weight: f64,
    /// Standard deviation of the prior.
    pub prior_sigma: f64,
    /// Weight draws averaged in the NLL.
    pub mc_samples: usize,
}

impl ElboSettings {
    /// A run's ELBO, its NLL averaged over `mc_samples` weight draws.
    pub fn of(config: &crate::config::Config, mc_samples: usize) -> Self {
        Self {
            num_batches: config.num_batches(),
            kl_weight: config.kl_weight,
            prior_sigma: config.prior_sigma,
            mc_samples,
        }
    }
}

/// One ELBO step on a mini-batch.
///
/// # Shapes
/// - x: `[batch, 9]`, y: `[batch, 1]`
pub fn elbo_step(
    model: &Regressor,
    x: Tensor<2>,
    y: Tensor<2>,
    s: &ElboSettings,
    noise: &mut Noise,
) -> Elbo {
    elbo_step_by(model, (x, y), s, Estimator::Reparameterisation, noise)
}

/// One ELBO step on a mini-batch `(x, y)` (shaped as for [`elbo_step`]), the weights' noise
/// drawn the `estimator`'s way.
pub fn elbo_step_by(
    model: &Regressor,
    (x, y): (Tensor<2>, Tensor<2>),
    s: &ElboSettings,
    estimator: Estimator,
    noise: &mut Noise,
) -> Elbo {
    // One softplus per rho, shared by the draws and the KL.
    let posterior = model.posterior();
    let pred = posterior.forward_by(x, s.mc_samples, estimator, noise); // [S, batch, 1]
                                                                        // Every draw covers the same rows, so the mean over [S, batch] is the mean of per-draw MSEs.
    let nll = (pred - y.unsqueeze::<3>()).powi_scalar(2).mean();
    let kl = posterior.kl(s.prior_sigma).div_scalar(s.num_batches as f64);
    let loss = nll.clone() + kl.clone().mul_scalar(s.kl_weight);
    Elbo { loss, nll, kl }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::{normal_tensor, test_device};
    use crate::config::Config;
    use crate::data::N_FEATURES;
    use crate::maths::rng::Rng;
    use crate::model::bayes_linear::BayesLinear;
    use burn::tensor::{Device, TensorData};

    fn scalar(t: Tensor<1>) -> f64 {
        t.into_scalar::<f32>() as f64
    }

    fn tiny_model(device: &Device, rho: f64) -> Regressor {
        let config = Config {
            width: 3,
            depth: 1,
            rho_init: rho,
            ..Config::default()
        };
        Regressor::init(&config, &mut Rng::new(9), device)
    }

    #[test]
    fn loss_is_nll_plus_weighted_kl_over_batches() {
        let device = test_device();
        let m = tiny_model(&device, -3.0);
        let x = normal_tensor([6, N_FEATURES], 21, &device);
        let y = normal_tensor([6, 1], 22, &device);
        let s = ElboSettings {
            num_batches: 7,
            kl_weight: 1e-2,
            prior_sigma: 0.9,
            mc_samples: 4,
        };
        let e = elbo_step(&m, x, y, &s, &mut Noise::host(1));
        let (loss, nll, kl) = (scalar(e.loss), scalar(e.nll), scalar(e.kl));
        let kl_total = scalar(m.kl(0.9));
        assert!((kl - kl_total / 7.0).abs() < 1e-4 * kl_total);
        assert!((loss - (nll + 1e-2 * kl)).abs() < 1e-5 * loss.abs().max(1.0));
    }

    #[test]
    fn nll_averages_the_mse_of_each_draw() {
        // Wide posteriors (sigma ≈ 0.31), so the draws differ and the mean of their MSEs is
        // clearly not the MSE of their mean.
        let device = test_device();
        let m = tiny_model(&device, -1.0);
        let (samples, n) = (5, 8);
        let x = normal_tensor([n, N_FEATURES], 23, &device);
        let y = normal_tensor([n, 1], 24, &device);
        let values = |t: Tensor<3>| -> Vec<f64> {
            let v: Vec<f32> = t.into_data().try_into_vec_as().unwrap();
            v.into_iter().map(f64::from).collect()
        };
        // The same seed draws the same weights as the ELBO step below.
        let pred = values(m.forward_sampled(x.clone(), samples, &mut Noise::host(1)));
        let yv = values(y.clone().unsqueeze());
        let mse =
            |p: &[f64]| p.iter().zip(&yv).map(|(p, y)| (p - y).powi(2)).sum::<f64>() / n as f64;
        let mean_of_mses = pred.chunks(n).map(mse).sum::<f64>() / samples as f64;
        let mean_pred: Vec<f64> = (0..n)
            .map(|i| (0..samples).map(|s| pred[s * n + i]).sum::<f64>() / samples as f64)
            .collect();
        let mse_of_mean = mse(&mean_pred);
        assert!(
            (mean_of_mses - mse_of_mean).abs() > 1e-2,
            "the draws should differ: {mean_of_mses} vs {mse_of_mean}"
        );
        let s = ElboSettings {
            num_batches: 1,
            kl_weight: 0.0,
            prior_sigma: 0.9,
            mc_samples: samples,
        };
        let nll = scalar(elbo_step(&m, x, y, &s, &mut Noise::host(1)).nll);
        assert!(
            (nll - mean_of_mses).abs() < 1e-5 * mean_of_mses,
            "{nll} vs {mean_of_mses}"
        );
    }

    /// A one-layer "model" whose loss is a smooth function of mu and rho, for finite differences.
    #[test]
    fn autodiff_gradients_match_finite_differences() {
        let device = test_device();
        let mut rng = Rng::new(4);
        let d_in = N_FEATURES;
        let layer = BayesLinear::init(d_in, 2, -1.0, &mut rng, &device);
        let model = Regressor {
            input: layer,
            blocks: vec![],
            output: BayesLinear::init(2, 1, -1.0, &mut rng, &device),
        };
        let x = normal_tensor([5, d_in], 25, &device);
        let y = normal_tensor([5, 1], 26, &device);
        let s = ElboSettings {
            num_batches: 3,
            kl_weight: 0.05,
            prior_sigma: 0.9,
            mc_samples: 2,
        };
        // The same noise must be drawn for every evaluation: a fresh source with one seed.
        let loss_at = |m: &Regressor| {
            scalar(elbo_step(m, x.clone(), y.clone(), &s, &mut Noise::host(77)).loss)
        };

        let tracked = model.map_params(|p| p.autodiff().require_grad());
        let grads = elbo_step(&tracked, x.clone(), y.clone(), &s, &mut Noise::host(77))
            .loss
            .backward();
        let params = tracked.params();

        // Check mu and rho of the first layer's weights, and the output bias rho.
        for (pi, name) in [(0usize, "w_mu"), (1, "w_rho"), (7, "out b_rho")] {
            let g: Vec<f32> = params[pi]
                .grad(&grads)
                .unwrap()
                .into_data()
                .try_into_vec_as::<f32>()
                .unwrap();
            let base: Vec<f32> = model.params()[pi]
                .clone()
                .into_data()
                .try_into_vec_as::<f32>()
                .unwrap();
            let shape = model.params()[pi].dims();
            for idx in [0, base.len() / 2, base.len() - 1] {
                let h = 1e-2f32;
                let shifted = |delta: f32| {
                    let mut v = base.clone();
                    v[idx] += delta;
                    let mut all = model.params();
                    all[pi] = Tensor::from_data(TensorData::new(v, shape), &device);
                    loss_at(&model.with_params(all))
                };
                let fd = (shifted(h) - shifted(-h)) / (2.0 * h as f64);
                let ad = g[idx] as f64;
                assert!(
                    (fd - ad).abs() < 2e-3 + 2e-2 * ad.abs(),
                    "{name}[{idx}]: autodiff {ad} vs finite difference {fd}"
                );
            }
        }
    }
}
