//! The posterior the tutorial's ELBO approximates, as HMC's potential: the prior N(0, σp²) on
//! every weight and bias, and the Gaussian likelihood whose noise `s` the loss implies
//! ([`implied_noise_sigma`](crate::posterior::calibration::implied_noise_sigma)), on the
//! standardised targets of the whole training split:
//! `U(θ) = Σᵢ (yᵢ − f(xᵢ; θ))²/(2s²) + Σθ²/(2σp²)`.
//! The network's pass and gradient are the CPU engine's (in `f32`); the sums are in `f64`.

use crate::engine::cpu::backprop::squared_error_grads_with;
use crate::engine::cpu::network::Tape;

use super::super::point_net::PointNet;
use super::sampler::Potential;

/// `U(θ)` of a network's weights on a training set.
pub struct NetworkPotential<'a> {
    /// Features row-major `[n, 9]`.
    pub x: &'a [f32],
    /// Standardised targets.
    pub y: &'a [f32],
    /// The network's shape (its weights are replaced by `θ`).
    pub shape: PointNet,
    /// The likelihood's noise `s` (standardised units).
    pub noise_sigma: f64,
    /// The prior's standard deviation.
    pub prior_sigma: f64,
}

impl Potential for NetworkPotential<'_> {
    fn dim(&self) -> usize {
        self.shape.n_params()
    }

    fn value_and_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let mut net = self.shape.clone();
        net.set_flat(theta);
        let mut grads = net.zeros();
        let two_s2 = 2.0 * self.noise_sigma.powi(2);
        let layers = net.dense();
        let pred = squared_error_grads_with(
            self.x,
            self.y,
            &layers,
            (1.0 / two_s2) as f32,
            &mut grads,
            &mut Tape::default(),
        );
        let sse: f64 = pred
            .iter()
            .zip(self.y)
            .map(|(&p, &y)| (f64::from(p) - f64::from(y)).powi(2))
            .sum();
        let p2 = self.prior_sigma.powi(2);
        let flat = grads.iter().flatten().flat_map(|g| g.iter());
        let mut prior = 0.0;
        for ((g, &t), &d) in grad.iter_mut().zip(theta).zip(flat) {
            *g = f64::from(d) + t / p2;
            prior += t * t;
        }
        sse / two_s2 + prior / (2.0 * p2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::engine::cpu::backprop::outputs_f64;
    use crate::maths::rng::Rng;
    use crate::model::Architecture;

    /// `U` and its gradient against `U` written in f64 from the network's definition, by
    /// central finite differences, on a network with two blocks.
    #[test]
    fn the_gradient_is_the_finite_difference_of_the_potential() {
        let mut config = Config::quick();
        (config.width, config.depth) = (5, 2);
        let arch = Architecture::of(&config);
        let mut rng = Rng::new(5);
        let shape = PointNet::init(&arch, &mut rng);
        let n = 12;
        let x: Vec<f32> = (0..n * arch.inputs)
            .map(|_| rng.uniform_in(-1.0, 1.0) as f32)
            .collect();
        let y: Vec<f32> = (0..n).map(|_| rng.normal() as f32).collect();
        let pot = NetworkPotential {
            x: &x,
            y: &y,
            shape: shape.clone(),
            noise_sigma: 0.3,
            prior_sigma: 0.9,
        };
        let theta: Vec<f64> = shape
            .to_flat()
            .iter()
            .map(|t| t + 0.1 * rng.normal())
            .collect();
        let reference = |theta: &[f64]| {
            let mut values = theta.iter().copied();
            let layers: Vec<(Vec<f64>, Vec<f64>)> = arch
                .layer_dims()
                .into_iter()
                .map(|(i, o)| {
                    let w = values.by_ref().take(i * o).collect();
                    (w, values.by_ref().take(o).collect())
                })
                .collect();
            let xs: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            let pred = outputs_f64(&xs, &layers);
            let sse: f64 = pred
                .iter()
                .zip(&y)
                .map(|(p, &y)| (p - f64::from(y)).powi(2))
                .sum();
            sse / (2.0 * 0.09) + theta.iter().map(|t| t * t).sum::<f64>() / (2.0 * 0.81)
        };
        let mut grad = vec![0.0; theta.len()];
        let u = pot.value_and_grad(&theta, &mut grad);
        assert!(
            (u - reference(&theta)).abs() < 1e-5 * u.abs(),
            "{u} vs {}",
            reference(&theta)
        );
        for i in 0..theta.len() {
            let at = |d: f64| {
                let mut t = theta.clone();
                t[i] += d;
                reference(&t)
            };
            let fd = (at(1e-5) - at(-1e-5)) / 2e-5;
            assert!(
                (grad[i] - fd).abs() <= 1e-3 * fd.abs().max(1.0),
                "[{i}] {} vs {fd}",
                grad[i]
            );
        }
    }
}
