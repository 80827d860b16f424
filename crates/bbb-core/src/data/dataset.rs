//! The tutorial's synthetic regression problem.
//!
//! `f(x) = 0.45 x + sin(1.7 x) + 0.2 cos(3.2 x)`, `x ~ U(-3, 3)`, `y = f(x) + noise_std·N(0, 1)`,
//! split at random into train / val / test. Inputs become 9 Fourier features; features and
//! targets are standardised with the *train* split's mean and population std only.
//!
//! Besides the tutorial's recipe, a [`Scenario`] keeps the training and validation inputs out
//! of some interval (the test inputs still cover it, so the doubt there can be scored), and the
//! test inputs may cover a wider range than the data (extrapolation). A person's edits (points
//! added or removed) apply to the training split; their own points replace the recipe.

use crate::config::edits::Edits;
use crate::config::scenario::{own_split, Scenario, X_RANGE};
use crate::config::{Config, ConfigError};
use crate::maths::rng::{Rng, Stream};

/// Number of Fourier features per input.
pub const N_FEATURES: usize = 9;
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
    /// The x range of the figures and of the predictive grid: at least the data's.
    pub view: (f64, f64),
    /// Whether the targets come from [`target_fn`] (not from a person's own file).
    pub has_truth: bool,
}

impl Dataset {
    /// A checked configuration and its data, with the counts of the data actually drawn (a
    /// scenario or a person's edits change them).
    pub fn prepare(config: Config) -> Result<(Config, Dataset), ConfigError> {
        config.validate()?;
        let data = Self::generate(&config);
        let mut config = config;
        (config.n_train, config.n_val, config.n_test) =
            (data.train.len(), data.val.len(), data.test.len());
        Ok((config, data))
    }

    /// The data set of `config`: a person's own points when it has them, else the synthetic
    /// recipe of its scenario; then the person's edits. The edits were checked against the
    /// data by [`Config::validate`] (an index past the end is skipped here).
    pub fn generate(config: &Config) -> Self {
        let (train, val, test) = match &config.own_data {
            Some(points) => split_own(points, config.seed),
            None => synthetic(config),
        };
        let mut train = train;
        apply_edits(&config.edits, &mut train);
        // The view covers the data, and at least [−x_range, x_range] for the synthetic recipe.
        let start = match config.own_data {
            Some(_) => (f64::INFINITY, f64::NEG_INFINITY),
            None => (-config.x_range, config.x_range),
        };
        let reach = train.x.iter().chain(&val.x).chain(&test.x);
        let (lo, hi) = reach.fold(start, |(a, b), &x| (a.min(x), b.max(x)));
        let scaler = Scaler::fit(&train);
        Self {
            train,
            val,
            test,
            scaler,
            view: (lo, hi),
            has_truth: config.own_data.is_none(),
        }
    }
}

/// The training split with `edits`' removed points taken out and the added ones appended.
fn apply_edits(edits: &Edits, train: &mut Split) {
    if edits.is_empty() {
        return;
    }
    let keep = |i: &usize| edits.removed.binary_search(i).is_err();
    let (x, y): (Vec<f64>, Vec<f64>) = (0..train.len())
        .filter(keep)
        .map(|i| (train.x[i], train.y[i]))
        .chain(edits.added.iter().copied())
        .unzip();
    *train = Split { x, y };
}

/// The tutorial's recipe: every input uniform on [−3, 3], targets with Gaussian noise, a random
/// split. A scenario's training and validation inputs that fall outside its intervals are drawn
/// again (from their own stream, so the tutorial's data never move), and a wider view draws the
/// test inputs again over the whole range.
fn synthetic(config: &Config) -> (Split, Split, Split) {
    let mut rng = Rng::stream(config.seed, Stream::Data);
    let (n_train, n_val) = config.scenario.counts(config.n_train, config.n_val);
    let n = n_train + n_val + config.n_test;
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
    let (a, b) = (n_train, n_train + n_val);
    let (mut train, mut val, mut test) = (take(&perm[..a]), take(&perm[a..b]), take(&perm[b..]));
    let mut again = Rng::stream(config.seed, Stream::Scenario);
    let scenario = config.scenario;
    for split in [&mut train, &mut val] {
        for i in 0..split.len() {
            if !admits(scenario, split.x[i]) {
                split.x[i] = draw_input(scenario, &mut again);
                split.y[i] = target_fn(split.x[i]) + config.noise_std * again.normal();
            }
        }
    }
    if config.x_range > X_RANGE.1 {
        let v = config.x_range;
        for i in 0..test.len() {
            test.x[i] = again.uniform_in(-v, v);
            test.y[i] = target_fn(test.x[i]) + config.noise_std * again.normal();
        }
    }
    (train, val, test)
}

/// A person's own points split at random, in the proportions of [`own_split`].
fn split_own(points: &[(f64, f64)], seed: u64) -> (Split, Split, Split) {
    let n = points.len();
    let (a, held, _) = own_split(n);
    let perm = Rng::stream(seed, Stream::Data).permutation(n);
    let take = |idx: &[usize]| Split {
        x: idx.iter().map(|&i| points[i].0).collect(),
        y: idx.iter().map(|&i| points[i].1).collect(),
    };
    (
        take(&perm[..a]),
        take(&perm[a..a + held]),
        take(&perm[a + held..]),
    )
}

/// Whether `x` is a possible training input of `scenario`.
fn admits(scenario: Scenario, x: f64) -> bool {
    scenario
        .intervals()
        .iter()
        .any(|&(a, b)| (a..b).contains(&x))
}

/// One input uniform over the union of the scenario's intervals.
fn draw_input(scenario: Scenario, rng: &mut Rng) -> f64 {
    let spans = scenario.intervals();
    let total: f64 = spans.iter().map(|(a, b)| b - a).sum();
    let mut u = rng.uniform() * total;
    for &(a, b) in spans {
        if u < b - a {
            return a + u;
        }
        u -= b - a;
    }
    spans[spans.len() - 1].1 - f64::EPSILON
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
    use crate::config::scenario::FEW;

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

    fn with(scenario: Scenario) -> Config {
        Config {
            scenario,
            ..Config::default()
        }
    }

    #[test]
    fn each_scenario_keeps_its_inputs_where_it_says() {
        let tutorial = Dataset::generate(&Config::default());
        for scenario in Scenario::ALL {
            let d = Dataset::generate(&with(scenario));
            let (n_train, n_val) = if scenario == Scenario::Few {
                FEW
            } else {
                (800, 200)
            };
            assert_eq!(
                (d.train.len(), d.val.len(), d.test.len()),
                (n_train, n_val, 200)
            );
            let inside = |x: &f64| {
                scenario
                    .intervals()
                    .iter()
                    .any(|&(a, b)| (a..b).contains(x))
            };
            assert!(d.train.x.iter().chain(&d.val.x).all(inside), "{scenario:?}");
            // The test inputs still cover all of [−3, 3], the gaps included (`few` draws fewer
            // points in all, so its split differs).
            if scenario != Scenario::Few {
                assert!(d.test.x == tutorial.test.x, "{scenario:?}");
            }
            assert_eq!(d.view, (-3.0, 3.0));
            // Targets of the redrawn inputs are the function plus noise of the set size.
            let residuals = d
                .train
                .x
                .iter()
                .zip(&d.train.y)
                .map(|(x, y)| y - target_fn(*x));
            let rms = (residuals.map(|r| r * r).sum::<f64>() / n_train as f64).sqrt();
            assert!((rms - 0.08).abs() < 0.02, "{scenario:?} {rms}");
        }
        let gap = Dataset::generate(&with(Scenario::Gap));
        assert!(!gap.train.x.iter().any(|x| (-1.0..0.5).contains(x)));
        assert!(
            gap.test
                .x
                .iter()
                .filter(|x| (-1.0..0.5).contains(*x))
                .count()
                > 30
        );
        // Both sides of the gap are filled at the tutorial's density or more.
        assert!(gap.train.x.iter().filter(|&&x| x > 0.5).count() > 300);
        let clusters = Dataset::generate(&with(Scenario::TwoClusters));
        let left = clusters.train.x.iter().filter(|&&x| x < 0.0).count();
        assert!((300..500).contains(&left), "{left}");
        // The points the gap admits are the tutorial's own.
        let kept = tutorial
            .train
            .x
            .iter()
            .zip(&gap.train.x)
            .filter(|(a, b)| a == b);
        assert!(kept.count() > 500);
    }

    #[test]
    fn a_wider_view_draws_test_inputs_over_it_and_noise_scales() {
        let c = Config {
            x_range: 6.0,
            noise_std: 0.16,
            ..Config::default()
        };
        let d = Dataset::generate(&c);
        let t = Dataset::generate(&Config::default());
        assert_eq!(d.view.0.min(-6.0), -6.0);
        assert!(d.view.0 >= -6.0 && d.view.1 <= 6.0);
        assert!(d.test.x.iter().all(|x| x.abs() <= 6.0));
        assert!(d.test.x.iter().filter(|x| x.abs() > 3.0).count() > 60);
        assert!(d.train.x.iter().all(|x| x.abs() <= 3.0));
        assert_eq!(d.train.x, t.train.x);
        let (_, s) = mean_std(
            d.train
                .x
                .iter()
                .zip(&d.train.y)
                .map(|(x, y)| y - target_fn(*x)),
        );
        assert!((s - 0.16).abs() < 0.016, "{s}");
    }

    #[test]
    fn own_points_are_split_and_edits_apply_to_training() {
        let points: Vec<(f64, f64)> = (0..60).map(|i| (i as f64 * 0.1, i as f64)).collect();
        let c = Config {
            own_data: Some(std::sync::Arc::new(points)),
            ..Config::default()
        };
        let d = Dataset::generate(&c);
        assert_eq!((d.train.len(), d.val.len(), d.test.len()), (40, 10, 10));
        assert!(!d.has_truth);
        assert_eq!(d.view, (0.0, 5.9));
        let mut all: Vec<f64> = d
            .train
            .x
            .iter()
            .chain(&d.val.x)
            .chain(&d.test.x)
            .copied()
            .collect();
        all.sort_by(f64::total_cmp);
        assert_eq!(all.len(), 60);
        all.dedup();
        assert_eq!(all.len(), 60);

        let mut edited = Config {
            edits: crate::config::edits::Edits::parse("0.25_1.5_-2_0", "0_799").unwrap(),
            ..Config::default()
        };
        let e = Dataset::generate(&edited);
        let t = Dataset::generate(&Config::default());
        assert_eq!(e.train.len(), 800);
        assert_eq!(&e.train.x[..798], &t.train.x[1..799]);
        assert_eq!(&e.train.x[798..], &[0.25, -2.0]);
        assert_eq!(e.val.x, t.val.x);
        assert!(edited.validate().is_ok());
        edited.edits = crate::config::edits::Edits::parse("", "800").unwrap();
        assert!(edited.validate().unwrap_err().message.contains("point 800"));
    }

    #[test]
    fn edits_apply_to_the_training_split_and_remove_by_place() {
        let mut train = Split {
            x: vec![0.0, 1.0, 2.0, 3.0],
            y: vec![10.0, 11.0, 12.0, 13.0],
        };
        let mut e = Edits::default();
        e.add((5.0, 15.0)).unwrap();
        e.remove_at(1, 4).unwrap(); // the generated point 1
        e.remove_at(1, 4).unwrap(); // now the generated point 2
        assert_eq!(e.removed, vec![1, 2]);
        e.remove_at(5, 4).unwrap(); // past the end: nothing
        apply_edits(&e, &mut train);
        assert_eq!(train.x, vec![0.0, 3.0, 5.0]);
        assert_eq!(train.y, vec![10.0, 13.0, 15.0]);
        // Removing the added point (the third of the edited split) takes it off the list.
        e.remove_at(2, 4).unwrap();
        assert!(e.added.is_empty() && e.removed == vec![1, 2]);
    }
}
