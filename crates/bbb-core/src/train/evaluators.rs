//! How many evaluators an epoch's evaluation gets: the rule the page uses to size its pool of
//! evaluation workers, from the weight of the evaluation against the training's.

use crate::config::Config;

/// The most evaluators a run uses, and the most the page's address may ask for (`workers=N`):
/// past eight, a worker costs more in memory and start-up than the little evaluation it takes.
pub const MAX_EVALUATORS: usize = 8;

/// How many evaluators (the page's workers) an epoch's evaluation should get on a machine with
/// `cores` cores, at least one: every core when the evaluation outweighs the training (the
/// training then shares a core with one evaluator), otherwise `cores − 1`, so the training,
/// which bounds the run, keeps a core of its own.
///
/// The weights are rows through the network per epoch: `draws · (n_train + n_val)` for the
/// evaluation, `n_train · train_mc` for the training, whose row costs about three evaluation
/// rows (forward, backward and the per-weight work): one wasm thread in headless Chromium,
/// full preset, 8.7–9.7 ms of training (800 rows) and 131–149 ms of evaluation (38 draws of
/// 1,000 rows) per epoch (`bench_cpu_epoch_parts`).
pub fn evaluators_for(config: &Config, cores: usize) -> usize {
    const TRAINING_ROW_IN_EVALUATION_ROWS: usize = 3;
    let draws = config.eval_mc_elbo + config.eval_mc_rmse;
    let evaluation = draws * (config.n_train + config.n_val);
    let training = TRAINING_ROW_IN_EVALUATION_ROWS * config.n_train * config.train_mc_samples;
    let evaluators = if evaluation >= training {
        cores
    } else {
        cores.saturating_sub(1)
    };
    evaluators.clamp(1, MAX_EVALUATORS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluators_follow_the_weight_of_the_evaluation() {
        // Both presets evaluate more rows than they train (10 or 38 draws of 1,000 rows against
        // three times 800): every core.
        for config in [Config::quick(), Config::default()] {
            assert_eq!(evaluators_for(&config, 2), 2);
            assert_eq!(evaluators_for(&config, 8), 8);
        }
        // Two draws per point (2,000 rows) weigh less than the training (2,400): the training
        // keeps a core, and one core still gets one evaluator.
        let light = Config {
            eval_mc_elbo: 1,
            eval_mc_rmse: 1,
            ..Config::quick()
        };
        assert_eq!(evaluators_for(&light, 8), 7);
        assert_eq!(evaluators_for(&light, 1), 1);
        // Either side of the balance: 2 draws (2,000 rows) weigh less, 3 (3,000) more.
        let draws = |n: usize| Config {
            eval_mc_elbo: 1,
            eval_mc_rmse: n - 1,
            ..Config::quick()
        };
        assert_eq!(evaluators_for(&draws(2), 4), 3);
        assert_eq!(evaluators_for(&draws(3), 4), 4);
        // Five draws per training step (12,000 rows) move the balance back.
        let heavy_training = Config {
            train_mc_samples: 5,
            ..Config::quick()
        };
        assert_eq!(evaluators_for(&heavy_training, 4), 3);
        // Never more than the limit, however many cores.
        assert_eq!(evaluators_for(&Config::quick(), 64), MAX_EVALUATORS);
    }
}
