//! The final test of the best model: every test batch scored with the tutorial's Monte-Carlo
//! draws from its own keyed noise, a few passes per call on the page or all the batches at
//! once on several threads, with the same numbers either way.

use burn::tensor::{Tensor, TensorData};

use crate::config::backend::on_host;
use crate::config::Config;
use crate::engine::Passes;
use crate::maths::normals::Normals;
use crate::maths::parallel::map_parallel;
use crate::model::noise::{Noise, NoiseKeys};
use crate::model::Regressor;
use crate::report::metrics::SplitMetrics;
use crate::train::evaluate::{
    accumulate, batch_key, eval_batch, read_scalars, split_metrics, sums_of, EvalSet, EvalSums,
    McSamples, SplitKey,
};

/// The final test of a model: each batch draws `mc` weight samples from its own keyed noise,
/// a piece per call (the page, whose steps must stay short) or all the remaining batches at
/// once on several threads; the batches' sums are added in batch order, so the numbers are the
/// same either way.
#[derive(Clone, Debug)]
pub struct TestScoring {
    passes: Passes,
    sums: Option<EvalSums>,
    scored: usize,
    /// The batch being drawn a few passes per call (host noise on a CPU backend).
    partial: Option<Partial>,
}

/// Passes of a test batch drawn per call on the host: a test batch has 72 of them (8 + 64),
/// about 30 ms in the browser on this project's VM, which would make one long task.
pub const TEST_DRAWS_PER_CALL: usize = 16;

/// A test batch part-way through its passes: they continue the batch's one noise stream, draw
/// after draw, so the outputs are the ones a single call would make.
#[derive(Clone, Debug)]
struct Partial {
    normals: Box<Normals>,
    x: Vec<f32>,
    /// The passes so far, `[drawn, batch]` row-major.
    pred: Vec<f32>,
    drawn: usize,
}

impl TestScoring {
    /// Starts the test of `model` (its posterior is fixed from here on).
    pub fn new(model: &Regressor) -> Self {
        Self {
            passes: Passes::new(model),
            sums: None,
            scored: 0,
            partial: None,
        }
    }

    /// Batches scored so far.
    pub fn scored(&self) -> usize {
        self.scored
    }

    fn score(
        &self,
        batch: usize,
        set: &EvalSet,
        (mc, y_std): (McSamples, f64),
        keys: &NoiseKeys,
    ) -> EvalSums {
        let (x, y) = set.batches[batch].clone();
        let mut noise = keys.noise(&batch_key(0, SplitKey::Test, batch));
        eval_batch(&self.passes, x, y, mc, y_std, &mut noise)
    }

    /// Scores the next piece: on a CPU backend with host noise up to
    /// [`TEST_DRAWS_PER_CALL`] passes of the current batch, otherwise a whole batch. True once
    /// every batch is scored.
    pub fn step(&mut self, set: &EvalSet, mc: (McSamples, f64), keys: &NoiseKeys) -> bool {
        if self.scored < set.batches.len() {
            let (x, y) = &set.batches[self.scored];
            let device = x.device();
            let noise = || keys.noise(&batch_key(0, SplitKey::Test, self.scored));
            let sums = if !on_host(&device) || !keys.is_keyed() {
                Some(self.score(self.scored, set, mc, keys))
            } else {
                let partial = self.partial.get_or_insert_with(|| Partial {
                    normals: match noise() {
                        Noise::Host(normals) => normals,
                        Noise::Device => unreachable!("keyed noise is on the host"),
                    },
                    x: x.to_data()
                        .try_into_vec_as::<f32>()
                        .expect("the inputs are f32"),
                    pred: Vec::new(),
                    drawn: 0,
                });
                let draws = mc.0.elbo + mc.0.rmse;
                let chunk = TEST_DRAWS_PER_CALL.min(draws - partial.drawn);
                let host = self.passes.host();
                partial
                    .pred
                    .extend(host.forward(&partial.x, chunk, &mut partial.normals));
                partial.drawn += chunk;
                (partial.drawn == draws).then(|| {
                    let done = self.partial.take().expect("a batch in progress");
                    let [batch, _] = x.dims();
                    let data = TensorData::new(done.pred, [draws, batch, 1]);
                    sums_of(Tensor::from_data(data, &device), y.clone(), mc.0, mc.1)
                })
            };
            if let Some(sums) = sums {
                self.sums = Some(accumulate(self.sums.take(), sums));
                self.scored += 1;
            }
        }
        self.scored == set.batches.len()
    }

    /// Scores every batch left on up to `threads` threads.
    pub fn rest(
        &mut self,
        set: &EvalSet,
        mc: (McSamples, f64),
        (keys, threads): (&NoiseKeys, usize),
    ) {
        self.partial = None;
        let from = self.scored;
        let this = &*self;
        let scored = map_parallel(set.batches.len() - from, threads, |i| {
            this.score(from + i, set, mc, keys)
        });
        for sums in scored {
            self.sums = Some(accumulate(self.sums.take(), sums));
        }
        self.scored = set.batches.len();
    }

    /// Reads the sums and the KL back in one transfer: the test metrics.
    pub async fn finish(self, set: &EvalSet, config: &Config) -> Result<SplitMetrics, String> {
        if self.scored < set.batches.len() {
            return Err("the test was finished before its last batch".into());
        }
        let t = self.sums.ok_or("an empty split")?;
        let kl = self.passes.posterior().kl(config.prior_sigma);
        let n = read_scalars(vec![t.nll_sum, t.sq_sum, kl]).await?;
        let kl = n[2] / config.num_batches() as f64;
        Ok(split_metrics(n[0], n[1], kl, set.len, config.kl_weight))
    }
}

/// Scores the test split in one call: `mc` draws per batch from the batch's keyed noise, the
/// batches on up to `threads` threads, their sums added in order, one read-back.
pub async fn score_test(
    model: &Regressor,
    set: &EvalSet,
    mc: (McSamples, f64),
    config: &Config,
    keys: (&NoiseKeys, usize),
) -> Result<SplitMetrics, String> {
    let mut test = TestScoring::new(model);
    test.rest(set, mc, keys);
    test.finish(set, config).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::data::Dataset;
    use crate::maths::rng::Rng;

    /// The page scores the test a few passes per step; the passes continue each batch's one
    /// noise stream, so the metrics are the ones of all the batches scored at once (the CLI),
    /// bit for bit, with the tutorial's 8 + 64 draws per batch.
    #[test]
    fn the_test_scored_a_few_passes_a_step_is_the_test_scored_at_once() {
        use crate::maths::rng::Stream;
        use crate::model::noise::NoiseSource;
        let device = test_device();
        let config = Config {
            rho_init: -2.5,
            ..Config::default()
        };
        let data = Dataset::generate(&config);
        let s = &data.scaler;
        let set = EvalSet::new(
            &s.features(&data.test.x),
            &s.scale_y(&data.test.y),
            128,
            &device,
        );
        assert!(set.batches.len() >= 2, "a split of several batches");
        let model = Regressor::init(&config, &mut Rng::new(2), &device);
        let keys = NoiseKeys::new(NoiseSource::Host, 5, Stream::EvalNoise);
        let mc = McSamples {
            elbo: config.test_mc_elbo,
            rmse: config.test_mc_rmse,
        };
        let mc = (mc, s.y_std);
        let mut stepped = TestScoring::new(&model);
        let mut calls = 1;
        while !stepped.step(&set, mc, &keys) {
            calls += 1;
        }
        let draws = config.test_mc_elbo + config.test_mc_rmse;
        assert_eq!(
            calls,
            set.batches.len() * draws.div_ceil(TEST_DRAWS_PER_CALL),
            "each batch's passes spread over several calls"
        );
        let mut at_once = TestScoring::new(&model);
        at_once.rest(&set, mc, (&keys, 2));
        let finish = |t: TestScoring| {
            pollster::block_on(t.finish(&set, &config)).expect("the test finishes")
        };
        assert_eq!(finish(stepped), finish(at_once));
    }
}
