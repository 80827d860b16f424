//! A deep ensemble (Lakshminarayanan et al., 2017): `K` deterministic networks of the same
//! architecture, each from its own initial weights and its own shuffles, trained side by side;
//! the predictive is their equal mixture. Its mean is the members' mean; its model-doubt
//! variance is their outputs' spread, `mean_k f_k² − (mean_k f_k)²`, to which the observation
//! noise adds as for every method. The original's members learn their own noise level (a mean
//! and a variance output each); here they are fitted by squared error (with the prior's L2 term,
//! [`map_fit`](super::map_fit)) and the noise is estimated from the validation residuals, as for
//! the other methods, so that only the model's doubt differs between them.

use crate::config::Config;
use crate::maths::parallel::map_parallel;
use crate::maths::rng::{keyed_seed, stream_seed, Rng, Stream};

use super::map_fit::fit;
use super::point_net::PointNet;

/// The members' seeds: member `k` draws everything from its own key under the run's seed.
fn member_rng(seed: u64, k: usize) -> Rng {
    Rng::new(keyed_seed(stream_seed(seed, Stream::Ensemble), &[k as u64]))
}

/// `size` members fitted to `train` (features, standardised targets) on up to `threads`
/// threads, with the gradient evaluations they took in all (passes over the training data).
/// Member `k` is the same whatever the number of threads.
pub fn members(
    config: &Config,
    train: (&[f32], &[f32]),
    size: usize,
    threads: usize,
) -> (Vec<PointNet>, f64) {
    let fitted = map_parallel(size, threads, |k| {
        fit(config, train, 0.0, &mut member_rng(config.seed, k))
    });
    let passes = fitted.iter().map(|(_, p)| p).sum();
    (fitted.into_iter().map(|(net, _)| net).collect(), passes)
}
