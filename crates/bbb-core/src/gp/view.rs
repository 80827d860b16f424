//! The Gaussian process beside the network: an exact GP ([`crate::gp::exact`]) fitted once to the run's
//! training points (hyperparameters by marginal likelihood), its band on a grid over the view,
//! and its predictive scored on the test split region by region, as the network's is.

use crate::data::dataset::{linspace, Dataset};
use crate::gp::exact::{Gp, GpPrediction, Hyper};
use crate::posterior::regions::{self, ByRegion, Regions};
use crate::report::events::TrainError;

/// Grid points of the GP's band (it is smooth; more would only cost time).
pub const GP_GRID: usize = 120;

/// What the page and the CLI show of the Gaussian process.
#[derive(Clone, Debug, PartialEq)]
pub struct GpView {
    /// Grid inputs over the data's view.
    pub x: Vec<f64>,
    /// Mean and spreads at the grid inputs.
    pub band: GpPrediction,
    /// Its predictive scored on the test split by region.
    pub regions: ByRegion,
    /// The hyperparameters it chose.
    pub hyper: Hyper,
}

/// Fits the GP to `data`'s training points and predicts on the grid and the test inputs.
pub fn gp_view(data: &Dataset) -> Result<GpView, TrainError> {
    let gp = Gp::fit_marginal_likelihood(&data.train.x, &data.train.y)
        .map_err(|e| TrainError(format!("the Gaussian process could not be fitted: {e}")))?;
    let x = linspace(data.view.0, data.view.1, GP_GRID);
    let n = x.len();
    let inputs: Vec<f64> = x.iter().chain(&data.test.x).copied().collect();
    let all = gp.predict(&inputs);
    let hyper = gp.hyper();
    let regions = regions::score(
        &Regions::of(&data.train.x),
        (&data.test.x, &data.test.y),
        &all.mean[n..],
        &all.latent_sd[n..],
        hyper.noise_sd,
    );
    let band = GpPrediction {
        mean: all.mean[..n].to_vec(),
        latent_sd: all.latent_sd[..n].to_vec(),
        total_sd: all.total_sd[..n].to_vec(),
    };
    Ok(GpView {
        x,
        band,
        regions,
        hyper,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::scenario::Scenario;
    use crate::Config;

    #[test]
    fn the_gp_doubts_more_in_the_gap_than_in_the_data() {
        let data = Dataset::generate(&Config {
            scenario: Scenario::Gap,
            ..Config::quick()
        });
        let v = gp_view(&data).unwrap();
        let (inside, gap) = (v.regions[0].unwrap(), v.regions[1].unwrap());
        assert!(
            gap.doubt_width > 3.0 * inside.doubt_width,
            "{inside:?} {gap:?}"
        );
        // It finds about the noise the data were drawn with (0.08).
        assert!((0.05..0.12).contains(&v.hyper.noise_sd), "{:?}", v.hyper);
        assert!(
            v.regions[2].is_none(),
            "no test point lies outside [−3, 3] here"
        );
        assert_eq!((v.x.len(), v.band.mean.len()), (GP_GRID, GP_GRID));
        // And it fits: its RMSE inside the data is close to the noise.
        assert!(inside.rmse < 0.1, "{inside:?}");
    }
}
