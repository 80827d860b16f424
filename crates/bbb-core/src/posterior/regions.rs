//! Where the doubt is: each test input lies inside the training data, in a gap between them, or
//! outside their range. A gap is any stretch between neighbouring training inputs wider than a
//! tenth of their range. In each region the predictive mean's RMSE, the 95 % band's coverage
//! (model doubt plus noise), the Gaussian NLL and CRPS and the mean widths of the two 95 % bands are
//! scored, for the network and for the Gaussian process alike.

use crate::posterior::calibration::{coverage, gaussian_crps, gaussian_nll, total_std, AT_95, Z};

/// A stretch between neighbouring training inputs wider than this share of their range is a gap.
pub const GAP_SHARE: f64 = 0.1;

/// The three regions, in the order scores are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// Within the training range and near training points.
    Data,
    /// Within the training range, in a gap.
    Gap,
    /// Beyond the smallest or largest training input.
    Outside,
}

impl Region {
    /// Every region, in order.
    pub const ALL: [Region; 3] = [Region::Data, Region::Gap, Region::Outside];

    /// Its name in the summary (`data`, `gap`, `outside`).
    pub fn name(self) -> &'static str {
        ["data", "gap", "outside"][self as usize]
    }
}

/// The training range and its gaps.
#[derive(Clone, Debug, PartialEq)]
pub struct Regions {
    /// Smallest training input.
    pub lo: f64,
    /// Largest training input.
    pub hi: f64,
    /// Open intervals between neighbouring training inputs wider than [`GAP_SHARE`] of the range.
    pub gaps: Vec<(f64, f64)>,
}

impl Regions {
    /// The regions of the training inputs `x` (at least one).
    pub fn of(x: &[f64]) -> Self {
        let mut sorted: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let (lo, hi) = (sorted[0], sorted[sorted.len() - 1]);
        let wide = GAP_SHARE * (hi - lo);
        let gaps = sorted
            .windows(2)
            .filter(|w| w[1] - w[0] > wide && wide > 0.0)
            .map(|w| (w[0], w[1]))
            .collect();
        Self { lo, hi, gaps }
    }

    /// The region of input `x`.
    pub fn of_x(&self, x: f64) -> Region {
        if x < self.lo || x > self.hi {
            Region::Outside
        } else if self.gaps.iter().any(|&(a, b)| a < x && x < b) {
            Region::Gap
        } else {
            Region::Data
        }
    }
}

/// Scores of one predictive in one region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegionScore {
    /// Test points in the region.
    pub points: usize,
    /// RMSE of the predictive mean.
    pub rmse: f64,
    /// Share of the points inside the 95 % band of model doubt and noise.
    pub coverage_95: f64,
    /// Mean Gaussian negative log-likelihood (model doubt and noise).
    pub nll: f64,
    /// Mean CRPS of the Gaussian predictive (model doubt and noise).
    pub crps: f64,
    /// Mean width of the 95 % band of model doubt alone.
    pub doubt_width: f64,
    /// Mean width of the 95 % band of model doubt and noise.
    pub total_width: f64,
}

/// Scores per region, `None` where the region has no test point.
pub type ByRegion = [Option<RegionScore>; 3];

/// Scores a predictive (mean, model-doubt sd, noise sd) at the test points `(x, y)`.
pub fn score(
    regions: &Regions,
    (x, y): (&[f64], &[f64]),
    mean: &[f64],
    doubt_sd: &[f64],
    noise_sd: f64,
) -> ByRegion {
    Region::ALL.map(|region| {
        let idx: Vec<usize> = (0..x.len())
            .filter(|&i| regions.of_x(x[i]) == region)
            .collect();
        if idx.is_empty() {
            return None;
        }
        let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let (y, mean, doubt) = (pick(y), pick(mean), pick(doubt_sd));
        let total = total_std(&doubt, noise_sd);
        let n = idx.len() as f64;
        let z = Z[AT_95];
        Some(RegionScore {
            points: idx.len(),
            rmse: (y
                .iter()
                .zip(&mean)
                .map(|(y, m)| (y - m).powi(2))
                .sum::<f64>()
                / n)
                .sqrt(),
            coverage_95: coverage(&y, &mean, &total, z),
            nll: gaussian_nll(&y, &mean, &total),
            crps: gaussian_crps(&y, &mean, &total),
            doubt_width: 2.0 * z * doubt.iter().sum::<f64>() / n,
            total_width: 2.0 * z * total.iter().sum::<f64>() / n,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_the_wide_stretches_between_training_inputs() {
        // Range 10, so stretches wider than 1 are gaps: (2, 5) and (6, 8) but not (8, 9).
        let r = Regions::of(&[8.0, 0.0, 1.0, 2.0, 5.0, 6.0, 9.0, 10.0]);
        assert_eq!((r.lo, r.hi), (0.0, 10.0));
        assert_eq!(r.gaps, vec![(2.0, 5.0), (6.0, 8.0)]);
        let at = |x| r.of_x(x);
        assert_eq!(
            [
                at(-0.1),
                at(0.0),
                at(1.5),
                at(3.0),
                at(5.0),
                at(7.0),
                at(8.5),
                at(10.5)
            ],
            [
                Region::Outside,
                Region::Data,
                Region::Data,
                Region::Gap,
                Region::Data,
                Region::Gap,
                Region::Data,
                Region::Outside
            ]
        );
    }

    #[test]
    fn scores_by_hand() {
        // Range 5: only the stretch (1, 4) is wider than 0.5.
        let r = Regions::of(&[0.0, 0.4, 0.8, 1.0, 4.0, 4.5, 5.0]);
        assert_eq!(r.gaps, vec![(1.0, 4.0)]);
        let x = [0.5, 2.0, 3.0, 9.0];
        let y = [1.0, 2.0, 0.0, 5.0];
        let mean = [1.0, 1.0, 1.0, 0.0];
        let sd = [0.0, 0.3, 0.4, 1.0];
        let s = score(&r, (&x, &y), &mean, &sd, 0.4);
        let z = 1.959_963_984_540_054;
        let data = s[0].unwrap();
        assert_eq!((data.points, data.rmse, data.coverage_95), (1, 0.0, 1.0));
        assert!(
            (data.doubt_width - 0.0).abs() < 1e-12
                && (data.total_width - 2.0 * z * 0.4).abs() < 1e-9
        );
        // A Gaussian's CRPS at its own mean, by hand: σ·(2φ(0) − 1/√π).
        let pi = std::f64::consts::PI;
        let crps_at_mean = 0.4 * (2.0 / (2.0 * pi).sqrt() - 1.0 / pi.sqrt());
        assert!((data.crps - crps_at_mean).abs() < 1e-9, "{}", data.crps);
        let gap = s[1].unwrap();
        // Residuals 1 and −1; total sds 0.5 and √0.32 = 0.566: 1 > 1.96·0.5 = 0.98 lies outside
        // the band, 1 < 1.96·0.566 = 1.11 inside.
        assert_eq!((gap.points, gap.rmse, gap.coverage_95), (2, 1.0, 0.5));
        assert!((gap.doubt_width - z * 0.7).abs() < 1e-9, "{gap:?}");
        let nll = |r: f64, s: f64| {
            0.5 * (2.0 * std::f64::consts::PI * s * s).ln() + r * r / (2.0 * s * s)
        };
        let expect = (nll(1.0, 0.5) + nll(1.0, 0.32f64.sqrt())) / 2.0;
        assert!((gap.nll - expect).abs() < 1e-9, "{} {expect}", gap.nll);
        let out = s[2].unwrap();
        assert_eq!((out.points, out.rmse), (1, 5.0));
        // No test point in a region: no score.
        assert!(score(&r, (&[0.5], &[1.0]), &[1.0], &[0.1], 0.1)[1].is_none());
    }
}
