//! The tutorial's synthetic regression problem.
//!
//! `f(x) = 0.45 x + sin(1.7 x) + 0.2 cos(3.2 x)`, `x ~ U(-3, 3)`, `y = f(x) + noise_std·N(0, 1)`,
//! split at random into train / val / test. Inputs become 9 Fourier features; features and
//! targets are standardised with the *train* split's mean and population std only.

use crate::config::Config;
use crate::rng::{Rng, Stream};

/// Number of Fourier features per input.
pub const N_FEATURES: usize = 9;
/// The input domain of the data and of the predictive grid.
pub const X_RANGE: (f64, f64) = (-3.0, 3.0);
const FREQUENCIES: [f64; 4] = [0.8, 1.7, 2.6, 3.5];

/// The noise-free function the model learns.
pub fn target_fn(x: f64) -> f64 {
    0.45 * x + (1.7 * x).sin() + 0.2 * (3.2 * x).cos()
}

/// `[x, sin 0.8x, cos 0.8x, sin 1.7x, cos 1.7x, sin 2.6x, cos 2.6x, sin 3.5x, cos 3.5x]`.
pub fn fourier_features(x: f64) -> [f64; N_FEATURES] {
    let mut f = [x; N_FEATURES];
    for (k, w) in FREQUENCIES.iter().enumerate() {
        f[1 + 2 * k] = (w * x).sin();
        f[2 + 2 * k] = (w * x).cos();
    }
    f
}

/// One split in original units.
#[derive(Clone, Debug, Default)]
pub struct Split {
    /// Raw inputs.
    pub x: Vec<f64>,
    /// Noisy targets.
    pub y: Vec<f64>,
}

impl Split {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether the split is empty.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

/// Train-split statistics used to standardise every split (and to undo it).
#[derive(Clone, Debug)]
pub struct Scaler {
    /// Mean of each feature over the train split.
    pub feat_mean: [f64; N_FEATURES],
    /// Population std of each feature over the train split, clamped to ≥ 1e-6.
    pub feat_std: [f64; N_FEATURES],
    /// Mean of the train targets.
    pub y_mean: f64,
    /// Population std of the train targets, clamped to ≥ 1e-6.
    pub y_std: f64,
}

impl Scaler {
    /// Statistics of one split (the train split, by the tutorial's recipe).
    pub fn fit(train: &Split) -> Self {
        let n = train.len() as f64;
        let mut feat_mean = [0.0; N_FEATURES];
        let mut feat_sq = [0.0; N_FEATURES];
        for &x in &train.x {
            for (j, v) in fourier_features(x).iter().enumerate() {
                feat_mean[j] += v;
            }
        }
        feat_mean.iter_mut().for_each(|m| *m /= n);
        for &x in &train.x {
            for (j, v) in fourier_features(x).iter().enumerate() {
                feat_sq[j] += (v - feat_mean[j]).powi(2);
            }
        }
        let feat_std = feat_sq.map(|s| (s / n).sqrt().max(1e-6));
        let y_mean = train.y.iter().sum::<f64>() / n;
        let y_var = train.y.iter().map(|y| (y - y_mean).powi(2)).sum::<f64>() / n;
        Self {
            feat_mean,
            feat_std,
            y_mean,
            y_std: y_var.sqrt().max(1e-6),
        }
    }

    /// Standardised features of `x`, row-major `[x.len(), 9]`.
    pub fn features(&self, x: &[f64]) -> Vec<f32> {
        let mut out = Vec::with_capacity(x.len() * N_FEATURES);
        for &xi in x {
            for (j, v) in fourier_features(xi).iter().enumerate() {
                out.push(((v - self.feat_mean[j]) / self.feat_std[j]) as f32);
            }
        }
        out
    }

    /// Standardised targets.
    pub fn scale_y(&self, y: &[f64]) -> Vec<f32> {
        y.iter()
            .map(|y| ((y - self.y_mean) / self.y_std) as f32)
            .collect()
    }

    /// A standardised target back in original units.
    pub fn unscale_y(&self, y: f64) -> f64 {
        y * self.y_std + self.y_mean
    }
}

/// The whole data set: three splits and the scaler fitted on the train split.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Training split.
    pub train: Split,
    /// Validation split (model selection).
    pub val: Split,
    /// Test split (reported once, after restoring the best state).
    pub test: Split,
    /// Train-only standardisation.
    pub scaler: Scaler,
}

impl Dataset {
    /// Draws the data set of `config` (its seed, sizes and noise level).
    pub fn generate(config: &Config) -> Self {
        let mut rng = Rng::stream(config.seed, Stream::Data);
        let n = config.n_train + config.n_val + config.n_test;
        let x: Vec<f64> = (0..n)
            .map(|_| rng.uniform_in(X_RANGE.0, X_RANGE.1))
            .collect();
        let y: Vec<f64> = x
            .iter()
            .map(|&xi| target_fn(xi) + config.noise_std * rng.normal())
            .collect();
        let perm = rng.permutation(n);
        let take = |idx: &[usize]| Split {
            x: idx.iter().map(|&i| x[i]).collect(),
            y: idx.iter().map(|&i| y[i]).collect(),
        };
        let (a, b) = (config.n_train, config.n_train + config.n_val);
        let train = take(&perm[..a]);
        let val = take(&perm[a..b]);
        let test = take(&perm[b..]);
        let scaler = Scaler::fit(&train);
        Self {
            train,
            val,
            test,
            scaler,
        }
    }
}

/// `n` evenly spaced points from `lo` to `hi` inclusive.
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![lo],
        _ => (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_std(v: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
        let n = v.clone().count() as f64;
        let m = v.clone().sum::<f64>() / n;
        (m, (v.map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt())
    }

    #[test]
    fn split_sizes_and_range() {
        let d = Dataset::generate(&Config::default());
        assert_eq!((d.train.len(), d.val.len(), d.test.len()), (800, 200, 200));
        let all = d.train.x.iter().chain(&d.val.x).chain(&d.test.x);
        assert!(all.clone().all(|x| (-3.0..3.0).contains(x)));
        // The splits partition the 1,200 draws: no point appears twice.
        let mut xs: Vec<f64> = all.copied().collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        assert_eq!(xs.len(), 1200);
        // Noise of the right size around the true function.
        let (m, s) = mean_std(
            d.train
                .x
                .iter()
                .zip(&d.train.y)
                .map(|(x, y)| y - target_fn(*x)),
        );
        assert!(m.abs() < 0.01 && (s - 0.08).abs() < 0.008, "noise {m} {s}");
    }

    #[test]
    fn feature_columns_are_the_fourier_basis() {
        let f = fourier_features(0.5);
        let expect = [
            0.5,
            (0.4f64).sin(),
            (0.4f64).cos(),
            (0.85f64).sin(),
            (0.85f64).cos(),
            (1.3f64).sin(),
            (1.3f64).cos(),
            (1.75f64).sin(),
            (1.75f64).cos(),
        ];
        for (a, b) in f.iter().zip(expect) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    #[test]
    fn standardisation_uses_train_statistics_only() {
        let d = Dataset::generate(&Config::default());
        let s = &d.scaler;
        let train = s.features(&d.train.x);
        for j in 0..N_FEATURES {
            let (m, sd) = mean_std(train.iter().skip(j).step_by(N_FEATURES).map(|&v| v as f64));
            assert!(
                m.abs() < 1e-5 && (sd - 1.0).abs() < 1e-5,
                "col {j}: {m} {sd}"
            );
        }
        let (m, sd) = mean_std(s.scale_y(&d.train.y).iter().map(|&v| v as f64));
        assert!(m.abs() < 1e-5 && (sd - 1.0).abs() < 1e-5);
        // Val is scaled with the train numbers, so its own stats are not exactly 0 / 1.
        let (mv, _) = mean_std(s.scale_y(&d.val.y).iter().map(|&v| v as f64));
        assert!(mv.abs() > 1e-6);
        let refit = Scaler::fit(&d.val);
        assert!((refit.y_mean - s.y_mean).abs() > 1e-6);
        // Inverse scaling recovers original units.
        let y0 = d.val.y[3];
        let back = s.unscale_y(s.scale_y(&[y0])[0] as f64);
        assert!((back - y0).abs() < 1e-5);
    }

    #[test]
    fn same_seed_same_data() {
        let a = Dataset::generate(&Config::default());
        let b = Dataset::generate(&Config::default());
        let c = Dataset::generate(&Config {
            seed: 7,
            ..Config::default()
        });
        assert_eq!(a.train.x, b.train.x);
        assert_ne!(a.train.x, c.train.x);
    }
}
