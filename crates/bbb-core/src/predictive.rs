//! The posterior predictive on a grid: many sampled forward passes, their mean and population
//! standard deviation in original units, and the band `mean ± 1.96·std`. The band covers the
//! uncertainty of the weights only (no observation noise), as in the tutorial.

use burn::tensor::{Device, Tensor, TensorData};

use crate::data::{linspace, target_fn, Scaler, N_FEATURES, X_RANGE};
use crate::events::TrainError;
use crate::model::Regressor;
use crate::noise::Noise;
use crate::settings::MAX_PREDICTIVE;

/// Draws per batched pass, so memory stays small whatever the number of samples.
const CHUNK: usize = 50;

/// Predictive mean and spread at grid points, in original units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Predictive {
    /// Grid inputs.
    pub x: Vec<f64>,
    /// Predictive mean.
    pub mean: Vec<f64>,
    /// Predictive standard deviation (population).
    pub std: Vec<f64>,
    /// `mean − 1.96·std`.
    pub lower: Vec<f64>,
    /// `mean + 1.96·std`.
    pub upper: Vec<f64>,
    /// The noise-free function at the grid inputs.
    pub truth: Vec<f64>,
}

/// The posterior predictive of `model` at `points` inputs evenly spaced on [−3, 3], from
/// `samples` independent weight draws (`sizes = (samples, points)`).
pub async fn predictive(
    model: &Regressor,
    scaler: &Scaler,
    device: &Device,
    sizes: (usize, usize),
    noise: &mut Noise,
) -> Result<Predictive, TrainError> {
    let (samples, points) = sizes;
    let allowed = 2..=MAX_PREDICTIVE;
    if !allowed.contains(&samples) || !allowed.contains(&points) {
        return Err(TrainError(format!(
            "the predictive needs 2 to {MAX_PREDICTIVE} draws and 2 to {MAX_PREDICTIVE} grid points"
        )));
    }
    let x = linspace(X_RANGE.0, X_RANGE.1, points);
    let features = Tensor::<2>::from_data(
        TensorData::new(scaler.features(&x), [points, N_FEATURES]),
        device,
    );
    let posterior = model.posterior();
    let mut parts = Vec::new();
    let mut left = samples;
    while left > 0 {
        let s = left.min(CHUNK);
        parts.push(posterior.forward_sampled(features.clone(), s, noise));
        left -= s;
    }
    let data = Tensor::cat(parts, 0)
        .into_data_async()
        .await
        .map_err(|e| TrainError(format!("could not read the predictive back: {e:?}")))?;
    let draws = data
        .try_into_vec_as::<f32>()
        .map_err(|e| TrainError(format!("unexpected predictive data: {e:?}")))?;
    Ok(summarise(
        &draws,
        samples,
        &x,
        |y| scaler.unscale_y(y),
        scaler.y_std,
    ))
}

/// Mean and population std per grid point of `draws` (`[samples, points]`, standardised).
fn summarise(
    draws: &[f32],
    samples: usize,
    x: &[f64],
    unscale: impl Fn(f64) -> f64,
    y_std: f64,
) -> Predictive {
    let points = x.len();
    let mut p = Predictive {
        x: x.to_vec(),
        truth: x.iter().map(|&v| target_fn(v)).collect(),
        ..Default::default()
    };
    for j in 0..points {
        let column = (0..samples).map(|s| draws[s * points + j] as f64);
        let mean = column.clone().sum::<f64>() / samples as f64;
        let var = column.map(|v| (v - mean).powi(2)).sum::<f64>() / samples as f64;
        let (m, sd) = (unscale(mean), var.sqrt() * y_std);
        p.mean.push(m);
        p.std.push(sd);
        p.lower.push(m - 1.96 * sd);
        p.upper.push(m + 1.96 * sd);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_by_hand() {
        // Two grid points, three draws: columns [1, 2, 3] and [0, 0, 0].
        let draws = [1.0, 0.0, 2.0, 0.0, 3.0, 0.0];
        let p = summarise(&draws, 3, &[0.0, 1.0], |y| 10.0 * y + 1.0, 10.0);
        assert!((p.mean[0] - 21.0).abs() < 1e-12);
        assert!((p.std[0] - 10.0 * (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(p.std[1], 0.0);
        assert!((p.upper[0] - p.mean[0] - 1.96 * p.std[0]).abs() < 1e-12);
        assert_eq!(p.truth[0], target_fn(0.0));
    }
}
