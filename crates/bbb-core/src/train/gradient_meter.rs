//! How noisy each estimator's gradient is at a run's parameters: the reading `bbb-cli` reports
//! in `summary.json` (`model/gradient_variance.rs` has the measure).

use crate::config::method::Method;
use crate::data::N_FEATURES;
use crate::engine::cpu::step::HostParams;
use crate::maths::normals::Normals;
use crate::maths::rng::{keyed_seed, stream_seed, Stream};
use crate::model::estimator::Estimator;
use crate::model::gradient_variance::GradientVariance;
use crate::train::trainer::Trainer;

/// Gradient draws per estimator and reading.
pub const METER_DRAWS: usize = 64;

impl Trainer {
    /// The spread of the ELBO's gradient (before clipping) for each of Bayes-by-Backprop's
    /// estimators at the current parameters (the best state once the run is done), on one
    /// fixed mini-batch (the first `batch_size` training points as stored), over `draws`
    /// draws each of one sampled network, from the meter's own stream keyed by the epochs done
    /// and the estimator. Computed on the host (the parameters are read back once).
    pub fn gradient_variance(&self, draws: usize) -> Vec<(Method, GradientVariance)> {
        let host = HostParams::read(self.model());
        let rows = self.config.batch_size.min(self.train_y.len());
        let batch = (&self.train_x[..rows * N_FEATURES], &self.train_y[..rows]);
        let s = self.elbo_settings(1);
        let stream = stream_seed(self.config.seed, Stream::GradientNoise);
        Method::BBB
            .iter()
            .enumerate()
            .map(|(i, &method)| {
                let key = [self.epochs_done as u64, i as u64];
                let mut normals = Normals::new(keyed_seed(stream, &key));
                let estimator = Estimator::of(method);
                let read = host.gradient_draws(batch, &s, estimator, (draws, &mut normals));
                (method, read.trace())
            })
            .collect()
    }
}
