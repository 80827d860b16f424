//! The posterior predictive: many sampled networks evaluated at once on a grid, on the
//! validation inputs and on the test inputs. On the grid it gives the mean, the spread of the
//! sampled networks (the weights' uncertainty), a few of the networks themselves, and the total
//! band with the observation noise added; the validation residuals estimate that noise; the test
//! points score how well both bands are calibrated.

use burn::tensor::Device;

use crate::config::settings::MAX_PREDICTIVE;
use crate::data::dataset::{linspace, target_fn};
use crate::data::Dataset;
use crate::model::noise::NoiseKeys;
use crate::model::Regressor;
use crate::posterior::calibration::{residual_sigma, total_std, Calibration};
use crate::posterior::draws::{read_draws, DrawJob, Sampler};
use crate::posterior::regions::{self, ByRegion, Regions};
use crate::report::events::TrainError;

/// Sampled networks kept whole for drawing (the first ones of the predictive's draws).
pub const SHOWN_DRAWS: usize = 20;

/// Half-width of a 95 % Gaussian band, in standard deviations.
pub const Z95: f64 = crate::posterior::calibration::Z[crate::posterior::calibration::AT_95];

/// Predictive mean, bands and sampled networks at grid points (original units), and the
/// calibration of the bands on the test split.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Predictive {
    /// Grid inputs.
    pub x: Vec<f64>,
    /// Predictive mean.
    pub mean: Vec<f64>,
    /// Standard deviation of the sampled networks' outputs (population): the weights' part.
    pub std: Vec<f64>,
    /// `mean − 1.96·std`: the weights-only band.
    pub lower: Vec<f64>,
    /// `mean + 1.96·std`.
    pub upper: Vec<f64>,
    /// `mean − 1.96·√(std² + noise_sigma²)`: the total band, weights and observation noise.
    pub total_lower: Vec<f64>,
    /// `mean + 1.96·√(std² + noise_sigma²)`.
    pub total_upper: Vec<f64>,
    /// The noise-free function at the grid inputs.
    pub truth: Vec<f64>,
    /// Up to [`SHOWN_DRAWS`] sampled networks, each at every grid input.
    pub draws: Vec<Vec<f64>>,
    /// Estimated observation noise: residual spread of the mean on the validation split.
    pub noise_sigma: f64,
    /// Both bands scored on the test split.
    pub calibration: Calibration,
    /// The test split scored by region: inside the training data, in a gap, outside.
    pub regions: ByRegion,
    /// Sampled networks behind the numbers.
    pub samples: usize,
}

/// The posterior predictive of `model` at `points` inputs evenly spaced over the data's view, from
/// `samples` independent weight draws (`sizes = (samples, points)`) keyed by `noise`, with both
/// bands scored on the test split, all from the same draws; the passes of draws spread over up
/// to `threads` threads.
///
/// The observation noise is the residual spread of the predictive mean on the validation split:
/// estimated here from the same draws when `noise_sigma` is `None`, or given (the trainer's
/// latest validation RMSE, the same quantity from the epoch's own evaluation, which saves the
/// live predictive two fifths of its work).
pub async fn predictive(
    model: &Regressor,
    data: &Dataset,
    device: &Device,
    sizes: (usize, usize),
    (noise, threads): ((NoiseKeys, Vec<u64>), usize),
    noise_sigma: Option<f64>,
) -> Result<Predictive, TrainError> {
    let mut job = PredictiveJob::start(model, data, device, sizes, noise, noise_sigma)?;
    job.sampler.step_all(threads);
    job.finish(data).await
}

/// [`predictive`] a pass of [`CHUNK`](crate::posterior::draws::CHUNK) draws at a time (`start`, `step` until it says done,
/// `finish`), or with the passes computed elsewhere (`start`, [`outside`](Self::outside),
/// [`finish_with`](Self::finish_with)). The keyed noise gives the same predictive however the
/// passes are spread.
pub struct PredictiveJob {
    sampler: Sampler,
    layout: DrawLayout,
}

/// Where a predictive's sampled functions are evaluated, whatever draws them (the posterior's
/// weight draws here, another method's networks elsewhere): the grid, then the validation
/// inputs (when the noise level is to be estimated), then the test inputs.
#[derive(Clone, Debug)]
pub struct DrawLayout {
    grid: Vec<f64>,
    /// Validation inputs among the evaluated ones (none when the noise level is given).
    n_val: usize,
    samples: usize,
    noise_sigma: Option<f64>,
}

impl DrawLayout {
    /// The layout of `samples` functions at `points` grid inputs over the data's view, with the
    /// inputs to evaluate them at (original units, in the layout's order). The noise level is
    /// estimated from the validation residuals of the mean unless `noise_sigma` gives it.
    pub fn new(
        data: &Dataset,
        (samples, points): (usize, usize),
        noise_sigma: Option<f64>,
    ) -> Result<(Self, Vec<f64>), TrainError> {
        if samples == 0 || !(2..=MAX_PREDICTIVE).contains(&points) {
            return Err(TrainError(format!(
                "the predictive needs a sampled function and 2 to {MAX_PREDICTIVE} grid points"
            )));
        }
        let grid = linspace(data.view.0, data.view.1, points);
        let val_x: &[f64] = if noise_sigma.is_some() {
            &[]
        } else {
            &data.val.x
        };
        let inputs: Vec<f64> = grid
            .iter()
            .chain(val_x)
            .chain(&data.test.x)
            .copied()
            .collect();
        let layout = DrawLayout {
            n_val: val_x.len(),
            grid,
            samples,
            noise_sigma,
        };
        Ok((layout, inputs))
    }

    /// Summarises `draws` (`[samples, inputs]`, standardised, one sampled function per row):
    /// mean, bands, the functions shown, the noise level and the test split's scores.
    pub fn summarise(self, data: &Dataset, draws: &[f32]) -> Result<Predictive, TrainError> {
        let (grid, n_val, samples, noise_sigma) =
            (self.grid, self.n_val, self.samples, self.noise_sigma);
        let n_grid = grid.len();
        let n_inputs = n_grid + n_val + data.test.x.len();
        if draws.len() != samples * n_inputs {
            return Err(TrainError(format!(
                "the predictive needs {} sampled outputs, not {}",
                samples * n_inputs,
                draws.len()
            )));
        }
        let scaler = &data.scaler;
        let columns = Columns::of(
            draws,
            samples,
            n_inputs,
            |y| scaler.unscale_y(y),
            scaler.y_std,
        );
        let test = n_grid + n_val..n_inputs;
        let noise_sigma = noise_sigma
            .unwrap_or_else(|| residual_sigma(&data.val.y, &columns.mean[n_grid..n_grid + n_val]));
        let calibration = Calibration::score(
            &data.test.y,
            &columns.mean[test.clone()],
            &columns.std[test.clone()],
            noise_sigma,
        );
        let by_region = regions::score(
            &Regions::of(&data.train.x),
            (&data.test.x, &data.test.y),
            &columns.mean[test.clone()],
            &columns.std[test],
            noise_sigma,
        );
        let mut p = on_grid(&grid, &columns, n_grid, noise_sigma, calibration);
        p.regions = by_region;
        if !data.has_truth {
            p.truth.clear();
        }
        Ok(p)
    }
}

impl PredictiveJob {
    /// Checks the sizes and lays out the inputs: the grid, the validation split (when the noise
    /// level is to be estimated), the test split. The draws come from `noise`: the run's
    /// predictive noise and the draws' [`key`].
    pub fn start(
        model: &Regressor,
        data: &Dataset,
        device: &Device,
        sizes: (usize, usize),
        noise: (NoiseKeys, Vec<u64>),
        noise_sigma: Option<f64>,
    ) -> Result<Self, TrainError> {
        let allowed = 2..=MAX_PREDICTIVE;
        if !allowed.contains(&sizes.0) || !allowed.contains(&sizes.1) {
            return Err(TrainError(format!(
                "the predictive needs 2 to {MAX_PREDICTIVE} draws and 2 to {MAX_PREDICTIVE} grid points"
            )));
        }
        let (layout, inputs) = DrawLayout::new(data, sizes, noise_sigma)?;
        let features = data.scaler.features(&inputs);
        Ok(PredictiveJob {
            sampler: Sampler::new(model, &features, device, sizes.0, noise),
            layout,
        })
    }

    /// Takes the next pass of draws; true once every draw is taken.
    pub fn step(&mut self) -> bool {
        self.sampler.step()
    }

    /// The job for someone outside, given the model's flattened parameters (see
    /// [`crate::train::behind::EvalWorker::draw`]).
    pub fn outside(&self, params: Vec<f32>) -> DrawJob {
        DrawJob::new(
            params,
            self.sampler.inputs.clone(),
            self.sampler.key.clone(),
            self.layout.samples,
        )
    }

    /// Summarises the draws (call once `step` has said done): mean, bands, the sampled networks
    /// shown, the noise level and the test split's scores.
    pub async fn finish(mut self, data: &Dataset) -> Result<Predictive, TrainError> {
        if self.sampler.next < self.sampler.passes() {
            return Err(TrainError(
                "the predictive was finished before its last pass".into(),
            ));
        }
        let draws = read_draws(std::mem::take(&mut self.sampler.parts)).await?;
        self.finish_with(data, draws)
    }

    /// Summarises `draws`, every pass's in pass order (`[samples, inputs]`, standardised, as
    /// [`Sampler::read`] gives them).
    pub fn finish_with(self, data: &Dataset, draws: Vec<f32>) -> Result<Predictive, TrainError> {
        self.layout.summarise(data, &draws)
    }
}

/// `n` fresh sampled networks of `model` at the inputs `x`, in original units (the page's
/// "new draws": the band and the numbers stay as they are), from the keyed `noise`.
pub async fn sample_networks(
    model: &Regressor,
    data: &Dataset,
    device: &Device,
    x: &[f64],
    n: usize,
    noise: (NoiseKeys, Vec<u64>),
) -> Result<Vec<Vec<f64>>, TrainError> {
    let scaler = &data.scaler;
    let mut sampler = Sampler::new(model, &scaler.features(x), device, n, noise);
    sampler.step_all(1);
    let out = sampler.read().await?;
    Ok(rows(&out, x.len(), n, |y| scaler.unscale_y(y)))
}

/// Mean, spread and the first sampled networks per input column, in original units.
struct Columns {
    mean: Vec<f64>,
    std: Vec<f64>,
    shown: Vec<Vec<f64>>,
    samples: usize,
}

impl Columns {
    /// Summarises `draws` (`[samples, points]`, standardised).
    fn of(
        draws: &[f32],
        samples: usize,
        points: usize,
        unscale: impl Fn(f64) -> f64,
        y_std: f64,
    ) -> Self {
        let (mean, std) = moments(draws, samples, points)
            .into_iter()
            .map(|(m, sd)| (unscale(m), sd * y_std))
            .unzip();
        Columns {
            mean,
            std,
            shown: rows(draws, points, SHOWN_DRAWS, unscale),
            samples,
        }
    }
}

/// Mean and population standard deviation of each input's column of `draws`
/// (`[samples, points]`).
pub(crate) fn moments(draws: &[f32], samples: usize, points: usize) -> Vec<(f64, f64)> {
    (0..points)
        .map(|j| {
            let column = (0..samples).map(|s| draws[s * points + j] as f64);
            let mean = column.clone().sum::<f64>() / samples as f64;
            let var = column.map(|v| (v - mean).powi(2)).sum::<f64>() / samples as f64;
            (mean, var.sqrt())
        })
        .collect()
}

/// The first `n` rows of `draws` (one sampled network each, `points` long), through `unscale`.
pub(crate) fn rows(
    draws: &[f32],
    points: usize,
    n: usize,
    unscale: impl Fn(f64) -> f64,
) -> Vec<Vec<f64>> {
    draws
        .chunks(points.max(1))
        .take(n)
        .map(|row| row.iter().map(|&v| unscale(v as f64)).collect())
        .collect()
}

/// The grid's part of `columns` (its first `n` columns) with both bands.
fn on_grid(
    grid: &[f64],
    columns: &Columns,
    n: usize,
    noise_sigma: f64,
    calibration: Calibration,
) -> Predictive {
    let (mean, std) = (&columns.mean[..n], &columns.std[..n]);
    let total = total_std(std, noise_sigma);
    let band = |spread: &[f64], sign: f64| -> Vec<f64> {
        mean.iter()
            .zip(spread)
            .map(|(m, s)| m + sign * Z95 * s)
            .collect()
    };
    Predictive {
        x: grid.to_vec(),
        mean: mean.to_vec(),
        std: std.to_vec(),
        lower: band(std, -1.0),
        upper: band(std, 1.0),
        total_lower: band(&total, -1.0),
        total_upper: band(&total, 1.0),
        truth: grid.iter().map(|&v| target_fn(v)).collect(),
        draws: columns.shown.iter().map(|d| d[..n].to_vec()).collect(),
        noise_sigma,
        calibration,
        regions: Default::default(),
        samples: columns.samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_by_hand() {
        // Two grid points, three draws: columns [1, 2, 3] and [0, 0, 0].
        let draws = [1.0, 0.0, 2.0, 0.0, 3.0, 0.0];
        let c = Columns::of(&draws, 3, 2, |y| 10.0 * y + 1.0, 10.0);
        let p = on_grid(&[0.0, 1.0], &c, 2, 4.0, Calibration::default());
        assert!((p.mean[0] - 21.0).abs() < 1e-12);
        let sd = 10.0 * (2.0f64 / 3.0).sqrt();
        assert!((p.std[0] - sd).abs() < 1e-12);
        assert_eq!(p.std[1], 0.0);
        assert!((p.upper[0] - p.mean[0] - Z95 * sd).abs() < 1e-12);
        // The total band: the two variances add.
        let total = (sd * sd + 16.0).sqrt();
        assert!((p.total_upper[0] - p.mean[0] - Z95 * total).abs() < 1e-12);
        assert!((p.mean[1] - p.total_lower[1] - Z95 * 4.0).abs() < 1e-12);
        assert_eq!(
            p.draws,
            vec![vec![11.0, 1.0], vec![21.0, 1.0], vec![31.0, 1.0]]
        );
        assert_eq!(p.truth[0], target_fn(0.0));
    }

    #[test]
    fn only_the_first_draws_are_kept_and_only_the_grid_is_returned() {
        let (samples, points) = (SHOWN_DRAWS + 5, 4);
        let draws: Vec<f32> = (0..samples * points).map(|i| i as f32).collect();
        let c = Columns::of(&draws, samples, points, |y| y, 1.0);
        let p = on_grid(&[0.0, 1.0], &c, 2, 0.0, Calibration::default());
        assert_eq!(p.draws.len(), SHOWN_DRAWS);
        assert_eq!(p.draws[1], vec![4.0, 5.0]);
        assert_eq!(p.x.len(), 2);
        assert_eq!(p.total_upper, p.upper);
    }
}
