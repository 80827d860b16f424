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

/// VI epochs per reading: a run takes one more reading per this many VI epochs, from two.
pub const VI_EPOCHS_PER_READING: usize = 200;

/// The epochs (1-based, warmup counted) at whose end a run reads the meter while it trains: the
/// first and the last VI epoch and, on longer runs, evenly between them, one more reading per
/// [`VI_EPOCHS_PER_READING`] VI epochs up to [`MAX_READINGS`]. Each reading costs about as much as
/// `3·METER_DRAWS` training steps, so a short run takes only the two (the quick preset: epochs 11
/// and 90) and the full preset five.
pub fn meter_epochs(config: &Config) -> Vec<usize> {
    let (first, last) = (config.warmup_epochs + 1, config.total_epochs());
    let n = (config.vi_epochs / VI_EPOCHS_PER_READING + 2).min(MAX_READINGS);
    let mut epochs: Vec<usize> = (0..n)
        .map(|i| first + ((last - first) * i).div_ceil(n - 1))
        .collect();
    epochs.dedup();
    epochs
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
    fn the_meter_reads_the_first_and_last_vi_epochs_and_a_few_between() {
        assert_eq!(meter_epochs(&Config::quick()), vec![11, 90]);
        assert_eq!(meter_epochs(&Config::full()), vec![61, 311, 561, 811, 1060]);
        let mut one = Config::quick();
        one.vi_epochs = 1;
        assert_eq!(meter_epochs(&one), vec![11]);
    }
}
