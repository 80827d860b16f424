//! Each of the comparison's other methods run on a run's data, to the same predictive as
//! Bayes-by-Backprop's: sampled functions at the grid, the validation inputs (whose residuals
//! give the noise level) and the test inputs, summarised once
//! ([`DrawLayout`](crate::posterior::predictive::DrawLayout)).

use crate::config::method::Method;
use crate::config::Config;
use crate::data::Dataset;
use crate::engine::cpu::network::Nothing;
use crate::maths::parallel::map_parallel;
use crate::maths::rng::{keyed_seed, stream_seed, Rng, Stream};
use crate::model::noise::NoiseSource;
use crate::model::Architecture;
use crate::posterior::predictive::{DrawLayout, Predictive};
use crate::posterior::regions::{ByRegion, Region, Regions};
use crate::report::events::{Event, TrainError};
use crate::train::Trainer;
use burn::tensor::Device;

use super::dropout::Dropout;
use super::ensemble::members;
use super::hmc::chains::{mixing, run_chains, Mixing};
use super::map_fit::{fit, training_set};

/// One method's result on a run's data.
#[derive(Clone, Debug)]
pub struct MethodRun {
    pub method: Method,
    pub predictive: Predictive,
    /// Gradient evaluations, in passes over the training data (an epoch of mini-batches counts
    /// one, a full-batch gradient one).
    pub passes: f64,
    /// Numbers the method learns or samples (weights; twice that for a mean-field posterior;
    /// the members' together for an ensemble).
    pub parameters: usize,
    /// HMC's mixing, for HMC.
    pub mixing: Option<Mixing>,
}

/// One sentence on where a predictive doubts, true of the scores `regions` of method `name`:
/// its model-doubt band's width inside the data and in the gap (or outside the data), and how
/// many of those test points its band with noise holds.
pub fn sentence(name: &str, regions: &ByRegion) -> String {
    let [data, gap, outside] = *regions;
    let away = gap
        .map(|g| ("in the gap", g))
        .or(outside.map(|o| ("outside the data", o)));
    match (data, away) {
        (Some(d), Some((where_, a))) => format!(
            "{name}: its model-doubt band is {:.3} wide inside the data and {:.3} {where_} ({:.1}×); \
             {:.0} % of the test points {where_} lie inside its band with noise.",
            d.doubt_width,
            a.doubt_width,
            a.doubt_width / d.doubt_width,
            100.0 * a.coverage_95
        ),
        (Some(d), None) => format!(
            "{name}: its model-doubt band is {:.3} wide inside the data; {:.0} % of the test \
             points lie inside its band with noise.",
            d.doubt_width,
            100.0 * d.coverage_95
        ),
        _ => format!("{name}: no test point lies inside the data."),
    }
}

/// Sampled functions the method's predictive takes.
pub fn draws_of(config: &Config) -> usize {
    match config.method {
        Method::Ensemble => config.ensemble_size,
        Method::Hmc => config.hmc_chains * config.hmc_samples,
        _ => config.predictive_samples,
    }
}

/// Runs `config.method`, whichever it is: Bayes-by-Backprop's estimators through the two-stage
/// trainer on `device` with weight noise from `noise`, the others on the host; up to `threads`
/// threads (one in a browser module).
pub async fn run_any(
    config: &Config,
    data: &Dataset,
    (device, noise): (Device, NoiseSource),
    threads: usize,
) -> Result<MethodRun, TrainError> {
    if !config.method.is_bbb() {
        return run(config, data, threads);
    }
    let mut trainer =
        Trainer::new(config.clone(), device, noise).map_err(|e| TrainError(e.to_string()))?;
    trainer.set_threads(threads);
    while !matches!(trainer.step().await?, Event::Finished(_)) {}
    let predictive = trainer
        .predictive(config.predictive_samples, config.grid_points)
        .await?;
    Ok(MethodRun {
        method: config.method,
        predictive,
        passes: (config.warmup_epochs + config.vi_epochs * config.train_mc_samples) as f64,
        parameters: trainer.n_parameters(),
        mixing: None,
    })
}

/// Runs `config.method` (dropout, ensemble or HMC) on `data` on up to `threads` threads.
pub fn run(config: &Config, data: &Dataset, threads: usize) -> Result<MethodRun, TrainError> {
    let (x, y) = training_set(data);
    let train = (&x[..], &y[..]);
    let (layout, inputs) = DrawLayout::new(data, (draws_of(config), config.grid_points), None)?;
    let features = data.scaler.features(&inputs);
    let weights = Architecture::of(config).n_weights();
    let (functions, passes, parameters, mix) = match config.method {
        Method::Dropout => {
            let stream = stream_seed(config.seed, Stream::Dropout);
            let (net, passes) = fit(config, train, config.dropout_p, &mut Rng::new(stream));
            let passes_of = map_parallel(config.predictive_samples, threads, |s| {
                let mut rng = Rng::new(keyed_seed(stream, &[s as u64]));
                net.predict(
                    &features,
                    &mut Dropout::new(Nothing, config.dropout_p, &mut rng),
                )
            });
            (passes_of.concat(), passes, weights, None)
        }
        Method::Ensemble => {
            let (nets, passes) = members(config, train, config.ensemble_size, threads);
            let functions: Vec<f32> = nets
                .iter()
                .flat_map(|n| n.predict(&features, &mut Nothing))
                .collect();
            (functions, passes, weights * nets.len(), None)
        }
        Method::Hmc => {
            let chains = run_chains(config, train, &features, threads);
            let regions = Regions::of(&data.train.x);
            let grid = &inputs[..config.grid_points];
            let inside = |j: usize| regions.of_x(grid[j]) == Region::Data;
            let mix = mixing(&chains, inputs.len(), config.grid_points, inside);
            let passes = chains.iter().map(|c| c.passes).sum();
            let functions = chains.into_iter().flat_map(|c| c.functions).collect();
            (functions, passes, weights, Some(mix))
        }
        other => {
            return Err(TrainError(format!(
                "{} trains through the two-stage trainer",
                other.name()
            )))
        }
    };
    Ok(MethodRun {
        method: config.method,
        predictive: layout.summarise(data, &functions)?,
        passes,
        parameters,
        mixing: mix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baselines::hmc::chains::run_chains;

    fn tiny(method: Method) -> (Config, Dataset) {
        let mut config = Config::quick();
        (config.width, config.depth, config.n_train) = (8, 1, 96);
        (config.warmup_epochs, config.vi_epochs) = (3, 5);
        (config.grid_points, config.predictive_samples) = (16, 40);
        (
            config.hmc_chains,
            config.hmc_warmup,
            config.hmc_samples,
            config.hmc_leapfrog,
        ) = (3, 30, 12, 4);
        config.method = method;
        Dataset::prepare(config).expect("a valid configuration")
    }

    #[test]
    fn the_ensembles_doubt_is_the_spread_of_its_members() {
        let (mut config, data) = tiny(Method::Ensemble);
        config.ensemble_size = 3;
        let run = run(&config, &data, 2).unwrap();
        let (x, y) = training_set(&data);
        let (nets, _) = members(&config, (&x, &y), 3, 1);
        let grid = &run.predictive.x;
        let features = data.scaler.features(grid);
        let outs: Vec<Vec<f64>> = nets
            .iter()
            .map(|n| {
                n.predict(&features, &mut Nothing)
                    .iter()
                    .map(|&v| data.scaler.unscale_y(f64::from(v)))
                    .collect()
            })
            .collect();
        assert_ne!(outs[0], outs[1], "members differ");
        // The run evaluates the members at more inputs at once than here, so the f32 products
        // may be summed in another order: equal to f32 rounding.
        for j in 0..grid.len() {
            let m = outs.iter().map(|o| o[j]).sum::<f64>() / 3.0;
            let var = outs.iter().map(|o| o[j] * o[j]).sum::<f64>() / 3.0 - m * m;
            assert!((run.predictive.mean[j] - m).abs() < 1e-5 * m.abs().max(1.0));
            assert!(
                (run.predictive.std[j] - var.max(0.0).sqrt()).abs() < 1e-4 * m.abs().max(1.0),
                "{j}: {} vs {}",
                run.predictive.std[j],
                var.max(0.0).sqrt()
            );
        }
        assert!(run.predictive.std.iter().any(|&s| s > 1e-4));
        assert_eq!(run.parameters, 3 * Architecture::of(&config).n_weights());
    }

    #[test]
    fn an_ensemble_of_one_is_one_deterministic_fit_without_doubt() {
        let (mut config, data) = tiny(Method::Ensemble);
        config.ensemble_size = 1;
        let run = run(&config, &data, 1).unwrap();
        assert!(run.predictive.std.iter().all(|&s| s == 0.0));
        let (x, y) = training_set(&data);
        let key = keyed_seed(stream_seed(config.seed, Stream::Ensemble), &[0]);
        let (net, passes) = fit(&config, (&x, &y), 0.0, &mut Rng::new(key));
        assert_eq!(passes, config.total_epochs() as f64);
        let direct = net.predict(&data.scaler.features(&run.predictive.x), &mut Nothing);
        for (m, d) in run.predictive.mean.iter().zip(direct) {
            assert!((m - data.scaler.unscale_y(f64::from(d))).abs() < 1e-5 * m.abs().max(1.0));
        }
    }

    #[test]
    fn the_fit_learns_the_training_data() {
        let (mut config, data) = tiny(Method::Dropout);
        (config.warmup_epochs, config.vi_epochs, config.batch_size) = (50, 150, 16);
        let (x, y) = training_set(&data);
        let mse = |net: &super::super::point_net::PointNet| {
            let p = net.predict(&x, &mut Nothing);
            p.iter()
                .zip(&y)
                .map(|(p, y)| f64::from(p - y).powi(2))
                .sum::<f64>()
                / y.len() as f64
        };
        let start =
            super::super::point_net::PointNet::init(&Architecture::of(&config), &mut Rng::new(1));
        let (net, _) = fit(&config, (&x, &y), 0.0, &mut Rng::new(1));
        assert!(
            mse(&net) < 0.2 * mse(&start),
            "{} from {}",
            mse(&net),
            mse(&start)
        );
    }

    #[test]
    fn the_prior_weight_is_the_kl_weight_over_twice_the_prior_variance_per_batch() {
        let config = Config::default();
        let by_hand = 0.9 * 1e-4 / (2.0 * 0.81 * 7.0);
        assert!((super::super::map_fit::l2_weight(&config, 0.1) - by_hand).abs() < 1e-18);
    }

    #[test]
    fn hmc_chains_are_the_same_whatever_the_threads() {
        let (config, data) = tiny(Method::Hmc);
        let (x, y) = training_set(&data);
        let inputs = data.scaler.features(&data.test.x[..10]);
        let one = run_chains(&config, (&x, &y), &inputs, 1);
        let two = run_chains(&config, (&x, &y), &inputs, 2);
        assert_eq!(one.len(), 3);
        for (a, b) in one.iter().zip(&two) {
            assert_eq!(a.functions, b.functions);
            assert_eq!(a.info, b.info);
        }
        assert_ne!(one[0].functions, one[1].functions, "chains differ");
        let run = run(&config, &data, 2).unwrap();
        let mix = run.mixing.unwrap();
        assert!(mix.rhat_max >= 1.0 && mix.ess_min > 0.0 && (0.0..=1.0).contains(&mix.acceptance));
        assert_eq!(run.predictive.samples, 36);
    }
}
