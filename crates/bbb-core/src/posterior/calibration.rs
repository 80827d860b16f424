//! How honest the predictive bands are on held-out points: coverage at several nominal levels,
//! the Gaussian negative log-likelihood and the CRPS, plus the noise levels the page compares.
//!
//! Both bands are read as Gaussians around the predictive mean: the weights-only band with the
//! spread of the sampled networks, the total band with that spread and the observation noise
//! added in quadrature. A band at level `p` is `mean ± z_p·std`, `z_p` the two-sided quantile.

use crate::config::Config;

/// Nominal levels of the reliability plot.
pub const LEVELS: [f64; 5] = [0.5, 0.8, 0.9, 0.95, 0.99];

/// Two-sided standard normal quantiles of [`LEVELS`]: `P(|Z| ≤ z) = level`.
pub const Z: [f64; 5] = [
    0.674_489_750_196_081_7,
    1.281_551_565_544_600_5,
    1.644_853_626_951_472_7,
    1.959_963_984_540_054,
    2.575_829_303_548_900_4,
];

/// Index of the 95 % level in [`LEVELS`].
pub const AT_95: usize = 3;

/// Standard normal distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * (1.0 + libm::erf(z / std::f64::consts::SQRT_2))
}

/// Standard normal density.
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Fraction of `y` inside `mean ± z·std`, point by point.
pub fn coverage(y: &[f64], mean: &[f64], std: &[f64], z: f64) -> f64 {
    let inside = y
        .iter()
        .zip(mean)
        .zip(std)
        .filter(|((y, m), s)| (*y - *m).abs() <= z * **s)
        .count();
    inside as f64 / y.len().max(1) as f64
}

/// Mean negative log-density of `y` under `N(mean, std²)`, point by point.
pub fn gaussian_nll(y: &[f64], mean: &[f64], std: &[f64]) -> f64 {
    let ln_2pi = (2.0 * std::f64::consts::PI).ln();
    let sum: f64 = y
        .iter()
        .zip(mean)
        .zip(std)
        .map(|((y, m), s)| 0.5 * ln_2pi + s.ln() + 0.5 * ((y - m) / s).powi(2))
        .sum();
    sum / y.len().max(1) as f64
}

/// Mean continuous ranked probability score of `y` under `N(mean, std²)`, in closed form:
/// `σ·[z(2Φ(z) − 1) + 2φ(z) − 1/√π]` with `z = (y − μ)/σ`. Lower is better; it is in the units
/// of `y`, and for a point forecast it reduces to the absolute error.
pub fn gaussian_crps(y: &[f64], mean: &[f64], std: &[f64]) -> f64 {
    let inv_sqrt_pi = 1.0 / std::f64::consts::PI.sqrt();
    let sum: f64 = y
        .iter()
        .zip(mean)
        .zip(std)
        .map(|((y, m), s)| {
            let z = (y - m) / s;
            s * (z * (2.0 * normal_cdf(z) - 1.0) + 2.0 * normal_pdf(z) - inv_sqrt_pi)
        })
        .sum();
    sum / y.len().max(1) as f64
}

/// The noise level the loss assumes, in the units of `y`.
///
/// The loss of one mini-batch is `MSE + β·KL/M` on standardised targets (`M` mini-batches of
/// `B = N/M` points on average). The negative ELBO of a Gaussian likelihood with noise `s`,
/// per point of the batch, is `MSE/(2s²) + KL/N` plus a constant; multiplying it by `2s²` gives
/// the tutorial's loss exactly when `β/M = 2s²/N`, that is `s = √(β·N/(2M))` in standardised
/// units, times the targets' spread `y_std` in original units.
pub fn implied_noise_sigma(config: &Config, y_std: f64) -> f64 {
    let (n, m) = (config.n_train as f64, config.num_batches() as f64);
    (config.kl_weight * n / (2.0 * m)).sqrt() * y_std
}

/// Root mean square of `y − mean`: the spread of the residuals of the predictive mean. On a
/// split the model did not train on it estimates the observation noise (slightly high: any
/// misfit of the mean adds to it).
pub fn residual_sigma(y: &[f64], mean: &[f64]) -> f64 {
    let sq: f64 = y.iter().zip(mean).map(|(y, m)| (y - m).powi(2)).sum();
    (sq / y.len().max(1) as f64).sqrt()
}

/// Calibration of both bands on one split.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Calibration {
    /// Observed coverage of the weights-only band at each of [`LEVELS`].
    pub weights: [f64; 5],
    /// Observed coverage of the total band (weights + noise) at each of [`LEVELS`].
    pub total: [f64; 5],
    /// Mean Gaussian NLL of the total predictive, original units.
    pub nll: f64,
    /// Mean CRPS of the total predictive, original units.
    pub crps: f64,
    /// The observation noise added to the weights' spread.
    pub noise_sigma: f64,
    /// Points scored.
    pub n: usize,
}

impl Calibration {
    /// Scores `y` against the predictive `mean` and weights-only `std`, with observation noise
    /// `noise_sigma` added in quadrature for the total band.
    pub fn score(y: &[f64], mean: &[f64], std: &[f64], noise_sigma: f64) -> Self {
        let total = total_std(std, noise_sigma);
        Self {
            weights: Z.map(|z| coverage(y, mean, std, z)),
            total: Z.map(|z| coverage(y, mean, &total, z)),
            nll: gaussian_nll(y, mean, &total),
            crps: gaussian_crps(y, mean, &total),
            noise_sigma,
            n: y.len(),
        }
    }
}

/// `√(std² + noise²)` point by point: the spread of a sampled network's output plus noise.
pub fn total_std(std: &[f64], noise_sigma: f64) -> Vec<f64> {
    std.iter()
        .map(|s| (s * s + noise_sigma * noise_sigma).sqrt())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maths::rng::Rng;

    #[test]
    fn quantiles_match_their_levels() {
        for (z, p) in Z.iter().zip(LEVELS) {
            let inside = normal_cdf(*z) - normal_cdf(-z);
            assert!((inside - p).abs() < 1e-12, "{z}: {inside} vs {p}");
        }
        assert_eq!(LEVELS[AT_95], 0.95);
    }

    #[test]
    fn coverage_by_hand() {
        // Residuals 0, 1, 2, 3 against std 1: z = 1.28 keeps 0 and 1; z = 2.58 keeps 0, 1, 2.
        let y = [0.0, 1.0, -2.0, 3.0];
        let (m, s) = ([0.0; 4], [1.0; 4]);
        assert_eq!(coverage(&y, &m, &s, Z[1]), 0.5);
        assert_eq!(coverage(&y, &m, &s, Z[4]), 0.75);
        // Total band with noise 2 on std 1.5: std 2.5, so 3 is inside at z = 1.28 (3.2).
        let c = Calibration::score(&y, &m, &[1.5; 4], 2.0);
        assert_eq!(c.total[1], 1.0);
        assert_eq!(c.weights[1], 0.5);
        assert_eq!(c.n, 4);
    }

    #[test]
    fn nll_by_hand() {
        // One point one std away: ln(2π)/2 + ln 2 + 1/2.
        let nll = gaussian_nll(&[3.0], &[1.0], &[2.0]);
        let expected = 0.5 * (2.0 * std::f64::consts::PI).ln() + 2f64.ln() + 0.5;
        assert!((nll - expected).abs() < 1e-12);
    }

    #[test]
    fn crps_matches_a_monte_carlo_estimate() {
        // CRPS(F, y) = E|X − y| − ½ E|X − X'| for X, X' independent draws of F.
        let mut rng = Rng::new(11);
        let (mean, std) = (0.3, 0.7);
        for y in [0.3, 1.0, -1.9] {
            let n = 400_000;
            let (mut a, mut b) = (0.0, 0.0);
            for _ in 0..n {
                let x = mean + std * rng.normal();
                let x2 = mean + std * rng.normal();
                a += (x - y).abs();
                b += (x - x2).abs();
            }
            let mc = a / n as f64 - 0.5 * b / n as f64;
            let exact = gaussian_crps(&[y], &[mean], &[std]);
            // Standard error of the estimate is about 0.001 here.
            assert!((mc - exact).abs() < 0.004, "y={y}: {mc} vs {exact}");
        }
        // A perfect, certain forecast scores zero; a tiny spread tends to the absolute error.
        assert!(gaussian_crps(&[2.0], &[0.5], &[1e-9]) - 1.5 < 1e-6);
    }

    #[test]
    fn total_band_adds_the_variances() {
        let t = total_std(&[0.06, 0.0], 0.08);
        assert!((t[0] - 0.1).abs() < 1e-12);
        assert!((t[1] - 0.08).abs() < 1e-12);
    }

    #[test]
    fn implied_noise_for_the_tutorials_settings() {
        // β = 1e-4, N = 800, M = 7: s² = 1e-4·800/14, so s ≈ 0.0756 in standardised units.
        let s = implied_noise_sigma(&Config::default(), 1.0);
        assert!((s - (1e-4f64 * 800.0 / 14.0).sqrt()).abs() < 1e-12);
        assert!((s - 0.0756).abs() < 1e-4);
    }

    #[test]
    fn residual_sigma_by_hand() {
        assert!(
            (residual_sigma(&[1.0, -1.0, 3.0, 1.0], &[0.0, 0.0, 0.0, 2.0]) - 3f64.sqrt()).abs()
                < 1e-12
        );
    }
}
