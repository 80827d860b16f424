//! How noisy each estimator's gradient is at a run's parameters: the reading `bbb-cli` reports
//! in `summary.json` (`model/gradient_variance.rs` has the measure).

use crate::config::method::Method;
use crate::config::Config;
use crate::engine::cpu::meter::{meter_batch, read_meter};
use crate::engine::cpu::step::HostParams;
use crate::model::gradient_variance::GradientVariance;
use crate::train::trainer::Trainer;

/// Gradient draws per estimator and reading.
pub const METER_DRAWS: usize = 64;

/// The most readings a run takes while it trains.
pub const MAX_READINGS: usize = 5;

/// Training steps a run needs per reading it takes while it trains. A reading (three
/// estimators, [`METER_DRAWS`] gradient draws each) costs about as much time as 70 of a run's
/// steps with their share of the evaluations (`bbb-cli --preset full`: 0.2 s against 22 s for
/// 7,420 steps), so one per 1,400 steps keeps the meter under 5 % of the run.
pub const STEPS_PER_READING: usize = 1_400;

/// The epochs (1-based, warmup counted) at whose end a run reads the meter while it trains: one
/// reading per [`STEPS_PER_READING`] training steps, at most [`MAX_READINGS`], spread evenly from
/// the first VI epoch to the last (the last alone when there is room for one). The full preset
/// reads at epochs 61, 311, 561, 811 and 1060; the quick preset (630 steps) at none, since one
/// reading would cost it about a seventh of its time: it has the reading at its final parameters.
pub fn meter_epochs(config: &Config) -> Vec<usize> {
    let (first, last) = (config.warmup_epochs + 1, config.total_epochs());
    let steps = config.total_epochs() * config.num_batches();
    match (steps / STEPS_PER_READING).min(MAX_READINGS) {
        0 => Vec::new(),
        1 => vec![last],
        n => {
            let mut epochs: Vec<usize> = (0..n)
                .map(|i| first + ((last - first) * i).div_ceil(n - 1))
                .collect();
            epochs.dedup();
            epochs
        }
    }
}

impl Trainer {
    /// [`read_meter`] at the current parameters (the best state once the run is done), read
    /// back to the host once.
    pub fn gradient_variance(&self, draws: usize) -> Vec<(Method, GradientVariance)> {
        let host = HostParams::read(self.model());
        let batch = meter_batch(&self.config, (&self.train_x, &self.train_y));
        read_meter(&self.config, &host, batch, (self.epochs_done, draws))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn the_meter_reads_as_often_as_the_run_is_long() {
        assert_eq!(meter_epochs(&Config::full()), vec![61, 311, 561, 811, 1060]);
        assert_eq!(meter_epochs(&Config::quick()), Vec::<usize>::new());
        // 28 epochs of 100 mini-batches: two readings, the first and the last VI epoch.
        let mut c = Config::quick();
        (c.batch_size, c.warmup_epochs, c.vi_epochs) = (8, 1, 27);
        assert_eq!(meter_epochs(&c), vec![2, 28]);
        c.vi_epochs = 13;
        assert_eq!(meter_epochs(&c), vec![14]);
    }
}
