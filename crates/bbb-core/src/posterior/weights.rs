//! Weight space: how sure the network is of each of its 32,329 weights and biases. For every
//! weight, σ (its posterior spread) and the signal-to-noise ratio |μ|/σ, summarised as
//! histograms on log scales. A weight with |μ|/σ well below 1 could be zero as easily as its
//! mean: the KL term has talked it back towards the prior.

use burn::tensor::Tensor;

use crate::config::Config;
use crate::maths::reference::softplus;
use crate::model::Regressor;
use crate::report::events::TrainError;

/// A histogram of `log10` of a positive quantity over fixed, even bins.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    /// `log10` of the lower edge of the first bin.
    pub lo: f64,
    /// `log10` of the upper edge of the last bin.
    pub hi: f64,
    /// Count per bin; values outside `[lo, hi)` are counted in the end bins.
    pub counts: Vec<usize>,
}

impl Histogram {
    /// Counts `values` (positive; zero and below count in the first bin) in `bins` even bins
    /// of `log10` over `[lo, hi)`.
    pub fn log10(values: impl Iterator<Item = f64>, (lo, hi): (f64, f64), bins: usize) -> Self {
        let mut counts = vec![0; bins];
        let width = (hi - lo) / bins as f64;
        for v in values {
            let place = ((v.log10() - lo) / width).floor();
            // NaN and −∞ (v ≤ 0) go to the first bin, +∞ to the last.
            let i = if place.is_nan() {
                0.0
            } else {
                place.clamp(0.0, (bins - 1) as f64)
            };
            counts[i as usize] += 1;
        }
        Self { lo, hi, counts }
    }

    /// `log10` of the edges of bin `i`.
    pub fn edges(&self, i: usize) -> (f64, f64) {
        let w = (self.hi - self.lo) / self.counts.len() as f64;
        (self.lo + i as f64 * w, self.lo + (i + 1) as f64 * w)
    }
}

/// Range of `log10 σ` in the σ histogram.
pub const SIGMA_RANGE: (f64, f64) = (-4.0, 1.0);
/// Range of `log10 |μ|/σ` in the ratio histogram.
pub const SNR_RANGE: (f64, f64) = (-3.0, 3.0);
/// Bins per decade of both histograms.
pub const BINS_PER_DECADE: usize = 8;

/// The weights' spreads and signal-to-noise ratios, with the two σ they move between.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeightSpace {
    /// Histogram of `log10 σ`.
    pub sigma: Histogram,
    /// Histogram of `log10 |μ|/σ`.
    pub snr: Histogram,
    /// Weights and biases counted.
    pub n: usize,
    /// Median σ.
    pub median_sigma: f64,
    /// Median |μ|/σ.
    pub median_snr: f64,
    /// Share of weights with |μ|/σ < 1.
    pub share_snr_below_1: f64,
    /// σ of every weight at the start, `softplus(rho_init)`.
    pub initial_sigma: f64,
    /// The prior's σ.
    pub prior_sigma: f64,
}

impl WeightSpace {
    /// The summary of means `mu` and rhos `rho` (one of each per weight).
    pub fn of(mu: &[f32], rho: &[f32], config: &Config) -> Self {
        let sigma: Vec<f64> = rho.iter().map(|&r| softplus(r as f64)).collect();
        let snr: Vec<f64> = mu
            .iter()
            .zip(&sigma)
            .map(|(&m, s)| (m as f64).abs() / s)
            .collect();
        let bins = |(lo, hi): (f64, f64)| ((hi - lo) as usize) * BINS_PER_DECADE;
        Self {
            sigma: Histogram::log10(sigma.iter().copied(), SIGMA_RANGE, bins(SIGMA_RANGE)),
            snr: Histogram::log10(snr.iter().copied(), SNR_RANGE, bins(SNR_RANGE)),
            n: sigma.len(),
            median_sigma: median(sigma),
            median_snr: median(snr.clone()),
            share_snr_below_1: snr.iter().filter(|&&v| v < 1.0).count() as f64
                / snr.len().max(1) as f64,
            initial_sigma: softplus(config.rho_init),
            prior_sigma: config.prior_sigma,
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Reads every mean and rho of `model` (one read of each) and summarises them.
pub async fn weight_space(model: &Regressor, config: &Config) -> Result<WeightSpace, TrainError> {
    let flat = |pick: fn(&crate::model::bayes_linear::BayesLinear) -> [Tensor<2>; 2]| {
        let parts: Vec<Tensor<1>> = model
            .layers()
            .into_iter()
            .flat_map(pick)
            .map(|t| t.flatten::<1>(0, 1))
            .collect();
        Tensor::cat(parts, 0)
    };
    let mu = flat(|l| [l.w_mu.clone(), l.b_mu.clone()]);
    let rho = flat(|l| [l.w_rho.clone(), l.b_rho.clone()]);
    let read = async |t: Tensor<1>| -> Result<Vec<f32>, TrainError> {
        t.into_data_async()
            .await
            .map_err(|e| TrainError(format!("could not read the weights back: {e:?}")))?
            .try_into_vec_as::<f32>()
            .map_err(|e| TrainError(format!("unexpected weight data: {e:?}")))
    };
    let (mu, rho) = (read(mu).await?, read(rho).await?);
    Ok(WeightSpace::of(&mu, &rho, config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::maths::reference::inverse_softplus;
    use crate::maths::rng::Rng;

    #[test]
    fn histogram_by_hand() {
        // Bins of a quarter decade on [−1, 1): 0.1 → bin 0, 1 → bin 4, 9.99 → bin 7;
        // 0, 1e-9 and NaN in the first bin, 1e9 and ∞ in the last.
        let h = Histogram::log10(
            [0.1, 1.0, 9.99, 0.0, 1e-9, f64::NAN, 1e9, f64::INFINITY].into_iter(),
            (-1.0, 1.0),
            8,
        );
        assert_eq!(h.counts, vec![4, 0, 0, 0, 1, 0, 0, 3]);
        assert_eq!(h.edges(4), (0.0, 0.25));
    }

    #[test]
    fn summary_of_a_hand_made_posterior() {
        let config = Config::default();
        // σ = 0.012, 0.12, 1.2 (by their rhos); |μ| = 0.006, 0.24, 3.6: ratios 0.5, 2, 3.
        let rho = [0.012, 0.12, 1.2].map(|s| inverse_softplus(s) as f32);
        let w = WeightSpace::of(&[-0.006, 0.24, 3.6], &rho, &config);
        assert_eq!(w.n, 3);
        assert!((w.median_sigma - 0.12).abs() < 1e-6);
        assert!((w.median_snr - 2.0).abs() < 1e-5);
        assert!((w.share_snr_below_1 - 1.0 / 3.0).abs() < 1e-12);
        // log10 σ ≈ −1.92, −0.92, 0.08 fall in bins 16, 24 and 32 of eight per decade from −4.
        let nonzero: Vec<usize> = (0..w.sigma.counts.len())
            .filter(|&i| w.sigma.counts[i] > 0)
            .collect();
        assert_eq!(nonzero, vec![16, 24, 32]);
        assert!((w.initial_sigma - 0.011_048).abs() < 1e-5);
    }

    #[test]
    fn a_fresh_model_sits_at_the_initial_sigma() {
        let config = Config::default();
        let model = Regressor::init(&config, &mut Rng::new(4), &test_device());
        let w = pollster::block_on(weight_space(&model, &config)).unwrap();
        assert_eq!(w.n, 32_329);
        assert!((w.median_sigma - w.initial_sigma).abs() < 1e-6);
        assert_eq!(w.sigma.counts.iter().sum::<usize>(), w.n);
        assert_eq!(w.sigma.counts.iter().filter(|&&c| c > 0).count(), 1);
    }
}
