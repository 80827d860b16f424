//! The maths of the tutorial, each function written once in `f64` as the reference: softplus
//! and its inverse, the sigmoid, SiLU and its slope, the closed-form KL of one weight to the
//! prior and its gradient, one AdamW update and the global-norm clip factor. The engines'
//! fast forms (the `f32` kernels beside this file, burn's tensor ops, the CPU engine's fused
//! loops) are tested against these; the host uses them directly where speed does not matter.

/// `softplus(ρ) = ln(1 + e^ρ)`, without overflow for large `ρ`: a weight's σ from its ρ.
pub fn softplus(rho: f64) -> f64 {
    rho.max(0.0) + (-rho.abs()).exp().ln_1p()
}

/// The ρ whose softplus is `sigma > 0`: `ln(e^σ − 1)`, exact for small and large σ.
pub fn inverse_softplus(sigma: f64) -> f64 {
    sigma + (-(-sigma).exp_m1()).ln()
}

/// `sigmoid(x) = 1 / (1 + e^(−x))`, softplus's slope.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `silu(x) = x·sigmoid(x)`, the network's activation.
pub fn silu(x: f64) -> f64 {
    x * sigmoid(x)
}

/// `silu'(x) = sigmoid(x)·(1 + x·(1 − sigmoid(x)))`.
pub fn silu_slope(x: f64) -> f64 {
    let s = sigmoid(x);
    s * (1.0 + x * (1.0 - s))
}

/// `KL(N(μ, σ²) ‖ N(0, p²)) = ln(p/σ) + (σ² + μ²)/(2p²) − ½` for one weight.
pub fn kl_gaussian(mu: f64, sigma: f64, prior_sigma: f64) -> f64 {
    let p2 = prior_sigma * prior_sigma;
    (prior_sigma / sigma).ln() + (sigma * sigma + mu * mu) / (2.0 * p2) - 0.5
}

/// The gradient of one weight's KL with respect to its `(μ, ρ)`, with `σ = softplus(ρ)`:
/// `∂/∂μ = μ/p²`, `∂/∂ρ = (σ/p² − 1/σ)·sigmoid(ρ)`.
pub fn kl_gradient(mu: f64, rho: f64, prior_sigma: f64) -> (f64, f64) {
    let (sigma, p2) = (softplus(rho), prior_sigma * prior_sigma);
    (mu / p2, (sigma / p2 - 1.0 / sigma) * sigmoid(rho))
}

/// Hyperparameters of AdamW.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWSettings {
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub eps: f64,
    /// Decoupled weight decay, `p ← p − lr·λ·p`, on every parameter.
    pub weight_decay: f64,
}

impl AdamWSettings {
    /// The bias corrections `(1 − β₁ᵗ, 1 − β₂ᵗ)` of a parameter's `t`-th step (from 1).
    pub fn bias_corrections(&self, t: u32) -> (f64, f64) {
        let t = t as i32;
        (1.0 - self.beta1.powi(t), 1.0 - self.beta2.powi(t))
    }
}

/// One AdamW update of one scalar with PyTorch's semantics, at its `t`-th step (from 1):
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `p ← p(1 − lr·λ) − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)`. Returns the new `(p, m, v)`.
pub fn adamw(s: &AdamWSettings, (p, m, v): (f64, f64, f64), g: f64, t: u32, lr: f64) -> [f64; 3] {
    let (bc1, bc2) = s.bias_corrections(t);
    let m = s.beta1 * m + (1.0 - s.beta1) * g;
    let v = s.beta2 * v + (1.0 - s.beta2) * g * g;
    let p = p * (1.0 - lr * s.weight_decay) - lr * (m / bc1) / ((v / bc2).sqrt() + s.eps);
    [p, m, v]
}

/// The factor every gradient is scaled by so that their joint norm is at most `max_norm`
/// (PyTorch's `clip_grad_norm_`): `min(1, max_norm / (norm + 10⁻⁶))`.
pub fn clip_factor(norm: f64, max_norm: f64) -> f64 {
    (max_norm / (norm + 1e-6)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softplus_and_its_inverse() {
        for sigma in [1e-6, 0.011, 0.9, 5.0, 40.0] {
            let rho = inverse_softplus(sigma);
            assert!((softplus(rho) / sigma - 1.0).abs() < 1e-12, "{sigma}");
        }
        assert!((softplus(-4.5) - (1.0 + (-4.5f64).exp()).ln()).abs() < 1e-15);
        assert_eq!(softplus(800.0), 800.0);
    }

    /// Each derivative against a central finite difference of its function.
    #[test]
    fn slopes_are_the_finite_differences_of_their_functions() {
        let h = 1e-6;
        let fd = |f: &dyn Fn(f64) -> f64, x: f64| (f(x + h) - f(x - h)) / (2.0 * h);
        for x in [-6.0, -1.3, -0.2, 0.0, 0.4, 1.7, 5.0] {
            assert!((silu_slope(x) - fd(&silu, x)).abs() < 1e-8, "silu' at {x}");
            assert!(
                (sigmoid(x) - fd(&softplus, x)).abs() < 1e-8,
                "softplus' at {x}"
            );
            for (mu, p) in [(0.3, 0.9), (-1.2, 0.1), (0.0, 2.0)] {
                let (d_mu, d_rho) = kl_gradient(mu, x, p);
                let kl_mu = |m: f64| kl_gaussian(m, softplus(x), p);
                let kl_rho = |r: f64| kl_gaussian(mu, softplus(r), p);
                let (fd_mu, fd_rho) = (fd(&kl_mu, mu), fd(&kl_rho, x));
                assert!(
                    (d_mu - fd_mu).abs() < 1e-6 * fd_mu.abs().max(1.0),
                    "∂μ at {x}"
                );
                assert!(
                    (d_rho - fd_rho).abs() < 1e-6 * fd_rho.abs().max(1.0),
                    "∂ρ at {x}"
                );
            }
        }
    }

    /// The KL is zero exactly at the prior and positive elsewhere.
    #[test]
    fn the_kl_vanishes_only_at_the_prior() {
        assert!(kl_gaussian(0.0, 0.9, 0.9).abs() < 1e-15);
        for (mu, sigma) in [(0.1, 0.9), (0.0, 0.5), (0.0, 1.5), (-2.0, 0.01)] {
            assert!(kl_gaussian(mu, sigma, 0.9) > 0.0, "({mu}, {sigma})");
        }
    }

    /// The first step moves every parameter by `lr` against the sign of its gradient (besides
    /// the decay): `m̂ = g`, `v̂ = g²`.
    #[test]
    fn adamws_first_step_is_the_learning_rate() {
        let s = AdamWSettings {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
        };
        let [p, m, v] = adamw(&s, (1.0, 0.0, 0.0), 0.5, 1, 0.01);
        assert!((p - (1.0 * (1.0 - 0.001) - 0.01 * 0.5 / (0.5 + 1e-8))).abs() < 1e-15);
        assert!((m - 0.05).abs() < 1e-15 && (v - 0.00025).abs() < 1e-15);
        assert_eq!(clip_factor(13.0, 1.0), 1.0 / (13.0 + 1e-6));
        assert_eq!(clip_factor(0.5, 1.0), 1.0);
    }
}
