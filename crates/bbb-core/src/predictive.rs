//! The posterior predictive: many sampled networks evaluated at once on a grid, on the
//! validation inputs and on the test inputs. On the grid it gives the mean, the spread of the
//! sampled networks (the weights' uncertainty), a few of the networks themselves, and the total
//! band with the observation noise added; the validation residuals estimate that noise; the test
//! points score how well both bands are calibrated.

use std::ops::Range;

use burn::tensor::{Device, Tensor, TensorData};

use crate::calibration::{residual_sigma, total_std, Calibration};
use crate::data::{linspace, target_fn, Dataset, N_FEATURES};
use crate::events::TrainError;
use crate::model::{Posterior, Regressor};
use crate::noise::{Noise, NoiseKeys};
use crate::parallel::map_parallel;
use crate::regions::{self, ByRegion, Regions};
use crate::settings::MAX_PREDICTIVE;

/// Draws per batched pass. Memory stays small whatever the number of samples, and one pass of
/// the final predictive takes a few tens of milliseconds in the browser, so the page computes it
/// a pass at a time and hands its main thread back between passes ([`PredictiveJob`]), or has
/// its workers draw runs of passes. Each pass draws from its own keyed noise: the draws, and so
/// every number, depend on this size, not on how or where the passes run.
pub const CHUNK: usize = 8;

/// Sampled networks kept whole for drawing (the first ones of the predictive's draws).
pub const SHOWN_DRAWS: usize = 20;

/// Half-width of a 95 % Gaussian band, in standard deviations.
pub const Z95: f64 = crate::calibration::Z[crate::calibration::AT_95];

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

/// The noise keys of a predictive's draws (their first part; the pass of [`CHUNK`] draws comes
/// last). The final predictive's draws are fixed by the run alone, so neither the live figures
/// drawn before it, nor who computes its passes, nor a saved posterior loaded later changes them.
pub mod key {
    /// The final predictive.
    pub fn final_draws() -> Vec<u64> {
        vec![0]
    }

    /// The light predictive redrawn after epoch `epoch`.
    pub fn live(epoch: usize) -> Vec<u64> {
        vec![1, epoch as u64]
    }

    /// The `n`-th set of fresh sampled networks.
    pub fn fresh(n: u64) -> Vec<u64> {
        vec![2, n]
    }
}

/// `samples` weight draws of a model at some inputs, taken [`CHUNK`] draws per pass; pass `p`
/// draws from the noise keyed by the sampler's key and `p`, so passes can be taken in any
/// order, on any thread or worker, with the same numbers.
pub struct Sampler {
    posterior: Posterior,
    inputs: Vec<f32>,
    features: Tensor<2>,
    samples: usize,
    keys: NoiseKeys,
    key: Vec<u64>,
    next: usize,
    parts: Vec<Tensor<3>>,
}

impl Sampler {
    /// Draws of `model` at `features` (standardised, [`N_FEATURES`] per input), none taken yet.
    pub fn new(
        model: &Regressor,
        features: &[f32],
        device: &Device,
        samples: usize,
        (keys, key): (NoiseKeys, Vec<u64>),
    ) -> Self {
        let points = features.len() / N_FEATURES;
        Sampler {
            posterior: model.posterior(),
            inputs: features.to_vec(),
            features: Tensor::from_data(
                TensorData::new(features.to_vec(), [points, N_FEATURES]),
                device,
            ),
            samples,
            keys,
            key,
            next: 0,
            parts: Vec::new(),
        }
    }

    /// Passes of [`CHUNK`] draws (the last one may be shorter).
    pub fn passes(&self) -> usize {
        self.samples.div_ceil(CHUNK)
    }

    /// Pass `p`'s draws, `[draws, inputs, 1]`.
    fn pass(&self, p: usize) -> Tensor<3> {
        let mut key = self.key.clone();
        key.push(p as u64);
        let s = CHUNK.min(self.samples - p * CHUNK);
        self.posterior
            .forward_untracked(self.features.clone(), s, &mut self.keys.noise(&key))
    }

    /// Takes the next pass; true once every pass is taken.
    pub fn step(&mut self) -> bool {
        if self.next < self.passes() {
            self.take(self.next..self.next + 1)
                .expect("the next pass exists");
            self.next += 1;
        }
        self.next == self.passes()
    }

    /// Takes every pass not taken yet, spread over up to `threads` threads (natively).
    pub fn step_all(&mut self, threads: usize) {
        let first = self.next;
        let parts = map_parallel(self.passes() - first, threads, |i| self.pass(first + i));
        self.parts.extend(parts);
        self.next = self.passes();
    }

    /// Takes the passes `passes` (for someone computing a share of them), in order.
    pub fn take(&mut self, passes: Range<usize>) -> Result<(), String> {
        if passes.end > self.passes() {
            return Err(format!(
                "passes {}..{} asked for; there are {}",
                passes.start,
                passes.end,
                self.passes()
            ));
        }
        for p in passes {
            let part = self.pass(p);
            self.parts.push(part);
        }
        Ok(())
    }

    /// The draws taken, in the order taken, in standardised units, row-major `[draws, inputs]`.
    pub async fn read(self) -> Result<Vec<f32>, TrainError> {
        read_draws(self.parts).await
    }
}

/// Passes of draws read back as one row-major `[draws, inputs]` array.
async fn read_draws(parts: Vec<Tensor<3>>) -> Result<Vec<f32>, TrainError> {
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let data = Tensor::cat(parts, 0)
        .into_data_async()
        .await
        .map_err(|e| TrainError(format!("could not read the sampled outputs back: {e:?}")))?;
    data.try_into_vec_as::<f32>()
        .map_err(|e| TrainError(format!("unexpected sampled outputs: {e:?}")))
}

/// `samples` weight draws of `model` at the inputs `x`, in standardised units, row-major
/// `[samples, x.len()]`, from one noise stream, [`CHUNK`] draws per pass.
pub async fn sample_outputs(
    model: &Regressor,
    features: &[f32],
    device: &Device,
    samples: usize,
    noise: &mut Noise,
) -> Result<Vec<f32>, TrainError> {
    let points = features.len() / N_FEATURES;
    let x: Tensor<2> = Tensor::from_data(
        TensorData::new(features.to_vec(), [points, N_FEATURES]),
        device,
    );
    let posterior = model.posterior();
    let parts = (0..samples)
        .step_by(CHUNK)
        .map(|first| posterior.forward_untracked(x.clone(), CHUNK.min(samples - first), noise))
        .collect();
    read_draws(parts).await
}

/// A predictive's draws for someone outside the trainer (the page's workers): the model, the
/// inputs and the noise key; the answer is the draws of the passes asked for, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawJob {
    /// Every μ and ρ of the model, flattened in [`Regressor::params`] order.
    pub params: Vec<f32>,
    /// The inputs, standardised, [`N_FEATURES`] per input.
    pub features: Vec<f32>,
    /// The noise key of the draws (the pass is appended to it).
    pub key: Vec<u64>,
    /// Draws in all.
    pub samples: usize,
    /// Passes of [`CHUNK`] draws in all.
    pub passes: usize,
}

impl DrawJob {
    /// The job of `samples` draws of the model `params` at `features`, keyed by `key`.
    pub fn new(params: Vec<f32>, features: Vec<f32>, key: Vec<u64>, samples: usize) -> Self {
        DrawJob {
            params,
            features,
            key,
            samples,
            passes: samples.div_ceil(CHUNK),
        }
    }
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

/// [`predictive`] a pass of [`CHUNK`] draws at a time (`start`, `step` until it says done,
/// `finish`), or with the passes computed elsewhere (`start`, [`outside`](Self::outside),
/// [`finish_with`](Self::finish_with)). The keyed noise gives the same predictive however the
/// passes are spread.
pub struct PredictiveJob {
    sampler: Sampler,
    grid: Vec<f64>,
    /// Validation inputs among the sampled ones (none when the noise level is given).
    n_val: usize,
    samples: usize,
    noise_sigma: Option<f64>,
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
        let (samples, points) = sizes;
        let allowed = 2..=MAX_PREDICTIVE;
        if !allowed.contains(&samples) || !allowed.contains(&points) {
            return Err(TrainError(format!(
                "the predictive needs 2 to {MAX_PREDICTIVE} draws and 2 to {MAX_PREDICTIVE} grid points"
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
        let features = data.scaler.features(&inputs);
        Ok(PredictiveJob {
            sampler: Sampler::new(model, &features, device, samples, noise),
            n_val: val_x.len(),
            grid,
            samples,
            noise_sigma,
        })
    }

    /// Takes the next pass of draws; true once every draw is taken.
    pub fn step(&mut self) -> bool {
        self.sampler.step()
    }

    /// The job for someone outside, given the model's flattened parameters (see
    /// [`crate::behind::EvalWorker::draw`]).
    pub fn outside(&self, params: Vec<f32>) -> DrawJob {
        DrawJob::new(
            params,
            self.sampler.inputs.clone(),
            self.sampler.key.clone(),
            self.samples,
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
            &draws,
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
