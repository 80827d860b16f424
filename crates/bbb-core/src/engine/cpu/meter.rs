//! The gradient's spread ([`GradientDraws`]) on the CPU engine: the same draws as burn's
//! (one sampled network per draw, the normals in the same order), at the cost of as many host
//! steps without their updates; and the meter's reading of all three estimators.

use crate::config::method::Method;
use crate::config::Config;
use crate::data::N_FEATURES;
use crate::engine::cpu::step::HostParams;
use crate::maths::normals::Normals;
use crate::maths::rng::{keyed_seed, stream_seed, Stream};
use crate::model::elbo::ElboSettings;
use crate::model::estimator::Estimator;
use crate::model::gradient_variance::{GradientDraws, GradientVariance};

/// The meter's fixed mini-batch: the first `batch_size` points of the training split as the
/// trainer stores them (features row-major, standardised targets).
pub fn meter_batch<'a>(config: &Config, (x, y): (&'a [f32], &'a [f32])) -> (&'a [f32], &'a [f32]) {
    let rows = config.batch_size.min(y.len());
    (&x[..rows * N_FEATURES], &y[..rows])
}

/// The spread of the ELBO's gradient (before clipping) for each of Bayes-by-Backprop's
/// estimators at the parameters `host`, on the mini-batch `batch` ([`meter_batch`]), over
/// `draws` draws each of one sampled network, from the meter's own stream keyed by the epochs
/// done and the estimator: the same numbers wherever it is computed.
pub fn read_meter(
    config: &Config,
    host: &HostParams,
    batch: (&[f32], &[f32]),
    (epochs_done, draws): (usize, usize),
) -> Vec<(Method, GradientVariance)> {
    let s = ElboSettings::of(config, 1);
    let stream = stream_seed(config.seed, Stream::GradientNoise);
    Method::BBB
        .iter()
        .enumerate()
        .map(|(i, &method)| {
            let key = [epochs_done as u64, i as u64];
            let mut normals = Normals::new(keyed_seed(stream, &key));
            let estimator = Estimator::of(method);
            let read = host.gradient_draws(batch, &s, estimator, (draws, &mut normals));
            (method, read.trace())
        })
        .collect()
}

impl HostParams {
    /// The ELBO's gradient (before clipping) at these parameters on the mini-batch `(x, y)`
    /// (`[batch, 9]` row-major, `[batch]`), once per draw from `normals`, `draws` times, with
    /// `s`'s terms and one sampled network per draw.
    pub fn gradient_draws(
        &self,
        (x, y): (&[f32], &[f32]),
        s: &ElboSettings,
        estimator: Estimator,
        (draws, normals): (usize, &mut Normals),
    ) -> GradientDraws {
        let one = ElboSettings {
            mc_samples: 1,
            ..*s
        };
        let sizes: Vec<usize> = self.values.iter().map(Vec::len).collect();
        GradientDraws::collect(&sizes, draws, || {
            self.elbo_grads_by((x, y), &one, estimator, normals)
                .into_iter()
                .flat_map(|g| g.expect("the ELBO reaches every parameter"))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::{normal_tensor, test_device};
    use crate::config::Config;
    use crate::data::N_FEATURES;
    use crate::maths::rng::Rng;
    use crate::model::noise::Noise;
    use crate::model::Regressor;

    /// The host's readings are burn's: the same means and variances from the same normals.
    #[test]
    fn the_host_meter_reads_what_burns_reads() {
        let device = test_device();
        let config = Config {
            width: 6,
            depth: 1,
            ..Config::default()
        };
        let model = Regressor::init(&config, &mut Rng::new(4), &device)
            .with_rhos_in((-2.5, -1.0), &mut Rng::new(5));
        let (x, y) = (
            normal_tensor([10, N_FEATURES], 31, &device),
            normal_tensor([10, 1], 32, &device),
        );
        let s = ElboSettings {
            num_batches: 4,
            kl_weight: 0.1,
            prior_sigma: 0.9,
            mc_samples: 1,
        };
        let host = HostParams::read(&model);
        let values =
            |t: &burn::tensor::Tensor<2>| -> Vec<f32> { t.to_data().try_into_vec_as().unwrap() };
        let (xs, ys) = (values(&x), values(&y));
        for estimator in Estimator::ALL {
            let burns = GradientDraws::of(
                &model,
                (x.clone(), y.clone()),
                &s,
                estimator,
                8,
                &mut Noise::host(3),
            );
            let ours = host.gradient_draws((&xs, &ys), &s, estimator, (8, &mut Normals::new(3)));
            let scale = burns.variance.iter().fold(0.0f64, |m, v| m.max(*v));
            assert!(scale > 0.0);
            for (i, (a, b)) in ours.variance.iter().zip(&burns.variance).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-3 * scale,
                    "{estimator:?} variance {i}: {a} vs {b}"
                );
            }
            let (t, u) = (ours.trace(), burns.trace());
            assert!(
                (t.mu - u.mu).abs() < 1e-3 * u.mu && (t.rho - u.rho).abs() < 1e-3 * u.rho,
                "{t:?} vs {u:?}"
            );
        }
    }
}
