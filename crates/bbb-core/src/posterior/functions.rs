//! Functions drawn before any training: from the prior (every weight and bias `N(0, σp²)`),
//! which the KL term pulls towards, and from the initial variational posterior, where training
//! starts. Both on the same grid and in the same units as the data.

use burn::tensor::{Device, Tensor};

use crate::config::Config;
use crate::data::dataset::{linspace, Dataset, Scaler};
use crate::maths::reference::inverse_softplus;
use crate::maths::rng::{stream_seed, Rng, Stream};
use crate::model::noise::Noise;
use crate::model::Regressor;
use crate::posterior::draws::sample_outputs;
use crate::posterior::predictive::{moments, rows};
use crate::report::events::TrainError;

/// Functions drawn from the prior to estimate its spread.
pub const DRAWS: usize = 30;
/// Functions of each kept whole for drawing.
pub const SHOWN: usize = 15;

/// The model whose variational posterior is the prior: every mean 0, every σ the prior's σ.
pub fn prior_model(config: &Config, device: &Device) -> Regressor {
    let shape = Regressor::init(config, &mut Rng::new(0), device);
    let rho = inverse_softplus(config.prior_sigma) as f32;
    // Parameters come as (w_mu, w_rho, b_mu, b_rho) per layer: means at even places.
    let mut place = 0;
    shape.map_params(|p| {
        place += 1;
        if place % 2 == 1 {
            p.zeros_like()
        } else {
            Tensor::full(p.dims(), rho, &p.device())
        }
    })
}

/// The model a run of `config` starts from (the same draw as the trainer's).
pub fn initial_model(config: &Config, device: &Device) -> Regressor {
    Regressor::init(config, &mut Rng::stream(config.seed, Stream::Init), device)
}

/// Sampled functions of one distribution over weights, on a grid, in original units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionDraws {
    /// The first [`SHOWN`] functions.
    pub shown: Vec<Vec<f64>>,
    /// Median over the grid of the functions' standard deviation at each input.
    pub spread: f64,
}

/// Prior and initial-posterior functions on `points` grid inputs over the data's view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BeforeTraining {
    /// Grid inputs.
    pub x: Vec<f64>,
    /// Functions from the prior.
    pub prior: FunctionDraws,
    /// Functions from the initial variational posterior.
    pub initial: FunctionDraws,
}

/// Draws [`DRAWS`] functions from the prior and [`SHOWN`] from the initial posterior of
/// `config` (noise from their own stream, so the run is unchanged).
pub async fn before_training(
    config: &Config,
    data: &Dataset,
    device: &Device,
    points: usize,
) -> Result<BeforeTraining, TrainError> {
    let scaler = &data.scaler;
    let x = linspace(data.view.0, data.view.1, points);
    let features = scaler.features(&x);
    let mut noise = Noise::host(stream_seed(config.seed, Stream::FunctionNoise));
    let mut draw = async |model: Regressor, n: usize| -> Result<FunctionDraws, TrainError> {
        let out = sample_outputs(&model, &features, device, n, &mut noise).await?;
        Ok(summarise(&out, points, scaler))
    };
    let prior = draw(prior_model(config, device), DRAWS).await?;
    // The initial functions hardly differ: the ones shown are enough for their spread.
    let initial = draw(initial_model(config, device), SHOWN).await?;
    Ok(BeforeTraining { x, prior, initial })
}

fn summarise(out: &[f32], points: usize, scaler: &Scaler) -> FunctionDraws {
    let samples = out.len() / points;
    let mut spreads: Vec<f64> = moments(out, samples, points)
        .into_iter()
        .map(|(_, sd)| sd)
        .collect();
    spreads.sort_by(f64::total_cmp);
    FunctionDraws {
        shown: rows(out, points, SHOWN, |y| scaler.unscale_y(y)),
        spread: spreads[points / 2] * scaler.y_std,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::data::N_FEATURES;

    /// `E[silu(h)²]` for `h ~ N(0, v)`, by Simpson's rule on ±12 standard deviations.
    fn mean_silu_squared(v: f64) -> f64 {
        let (n, sd) = (20_000, v.sqrt());
        let (a, step) = (-12.0 * sd, 24.0 * sd / n as f64);
        let f = |h: f64| {
            let s = h / (1.0 + (-h).exp());
            s * s * (-h * h / (2.0 * v)).exp() / (2.0 * std::f64::consts::PI * v).sqrt()
        };
        let mut sum = f(a) + f(a + n as f64 * step);
        for i in 1..n {
            sum += f(a + i as f64 * step) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        sum * step / 3.0
    }

    #[test]
    fn prior_functions_spread_as_the_prior_implies() {
        // No residual blocks: out = Σ_j v_j·silu(h_j) + c with h = Wx + b, every weight and
        // bias N(0, s²). Given h, out has variance s²(1 + Σ silu(h_j)²); each h_j is
        // N(0, s²(|x|² + 1)), so Var(out) = s²(1 + width·E[silu(h)²]).
        let device = test_device();
        let (width, s) = (8, 0.7);
        let config = Config {
            width,
            depth: 0,
            prior_sigma: s,
            ..Config::default()
        };
        let x: [f32; N_FEATURES] = [0.5, -1.0, 0.3, 1.2, -0.4, 0.0, 0.8, -0.9, 0.2];
        let norm2: f64 = x.iter().map(|&v| (v as f64).powi(2)).sum();
        let expected = s * s * (1.0 + width as f64 * mean_silu_squared(s * s * (norm2 + 1.0)));
        let samples = 40_000;
        let model = prior_model(&config, &device);
        let out = pollster::block_on(sample_outputs(
            &model,
            &x,
            &device,
            samples,
            &mut Noise::host(5),
        ))
        .unwrap();
        let n = out.len() as f64;
        let mean = out.iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = out.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        // The output is far from Gaussian (a product of weights): allow 5 % (about 4 standard
        // errors at this kurtosis and sample size).
        assert!((var / expected - 1.0).abs() < 0.05, "{var} vs {expected}");
        assert!(mean.abs() < 4.0 * (var / n).sqrt(), "mean {mean}");
    }

    #[test]
    fn the_prior_model_has_zero_means_and_the_prior_sigma() {
        let config = Config::default();
        let m = prior_model(&config, &test_device());
        let l = &m.layers()[1];
        let mu: Vec<f32> = l.w_mu.clone().into_data().try_into_vec_as().unwrap();
        let sigma: Vec<f32> = crate::model::bayes_linear::sigma_of(l.b_rho.clone())
            .into_data()
            .try_into_vec_as()
            .unwrap();
        assert!(mu.iter().all(|&v| v == 0.0));
        assert!(sigma
            .iter()
            .all(|&v| (v as f64 - config.prior_sigma).abs() < 1e-5));
    }

    #[test]
    fn prior_functions_are_far_wider_than_the_initial_ones() {
        let config = Config::default();
        let data = crate::data::Dataset::generate(&config);
        let b = pollster::block_on(before_training(&config, &data, &test_device(), 40)).unwrap();
        assert_eq!(b.prior.shown.len(), SHOWN);
        assert_eq!(b.initial.shown[0].len(), 40);
        // σ ≈ 0.011 at the start against 0.9 in the prior.
        assert!(
            b.prior.spread > 100.0 * b.initial.spread,
            "{:?} {:?}",
            b.prior.spread,
            b.initial.spread
        );
    }
}
