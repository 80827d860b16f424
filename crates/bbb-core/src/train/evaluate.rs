//! Monte-Carlo evaluation of a split: the ELBO terms and the RMSE of the predictive mean.
//!
//! The tutorial loops over `S` small forward passes per batch. Here all of a batch's draws run
//! as one batched pass with a leading sample dimension — the ELBO's `S_e` draws and the RMSE's
//! `S_r` draws side by side, every one an independent weight draw — so the estimators are the
//! tutorial's and the cost is a few large matrix products instead of many small ones.

use burn::tensor::{Device, Tensor, TensorData};

use crate::config::Config;
use crate::data::Dataset;
use crate::data::N_FEATURES;
use crate::engine::Passes;
use crate::maths::parallel::map_parallel;
use crate::model::noise::{Noise, NoiseKeys};
use crate::model::Regressor;
use crate::report::metrics::SplitMetrics;

/// The part of an evaluation's noise key that names the split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitKey {
    /// The training split, scored after every epoch.
    Train = 0,
    /// The validation split, scored after every epoch.
    Val = 1,
    /// The test split, scored once at the end (key epoch 0).
    Test = 2,
}

/// The noise key of one evaluation batch: epoch (1-based; 0 for the test), split, batch.
pub fn batch_key(epoch: usize, split: SplitKey, batch: usize) -> [u64; 3] {
    [epoch as u64, split as u64, batch as u64]
}

/// A split cut into fixed mini-batches and uploaded once.
#[derive(Clone, Debug)]
pub struct EvalSet {
    /// `(x [b, 9], y [b, 1])` per batch, in order.
    pub batches: Vec<(Tensor<2>, Tensor<2>)>,
    /// Points in the split.
    pub len: usize,
}

impl EvalSet {
    /// Cuts standardised features (row-major `[n, 9]`) and targets into batches.
    pub fn new(x: &[f32], y: &[f32], batch_size: usize, device: &Device) -> Self {
        let batches = x
            .chunks(batch_size * N_FEATURES)
            .zip(y.chunks(batch_size))
            .map(|(xb, yb)| {
                let b = yb.len();
                (
                    Tensor::from_data(TensorData::new(xb.to_vec(), [b, N_FEATURES]), device),
                    Tensor::from_data(TensorData::new(yb.to_vec(), [b, 1]), device),
                )
            })
            .collect();
        Self {
            batches,
            len: y.len(),
        }
    }

    /// The train, validation and test splits, standardised, cut into batches and uploaded.
    pub fn splits(config: &Config, data: &Dataset, device: &Device) -> [EvalSet; 3] {
        let s = &data.scaler;
        [&data.train, &data.val, &data.test].map(|split| {
            Self::new(
                &s.features(&split.x),
                &s.scale_y(&split.y),
                config.batch_size,
                device,
            )
        })
    }
}

/// How many draws each estimator averages.
#[derive(Clone, Copy, Debug)]
pub struct McSamples {
    /// Draws for the ELBO's NLL.
    pub elbo: usize,
    /// Draws for the predictive mean behind the RMSE.
    pub rmse: usize,
}

/// Running sums of an evaluation, still on the device. Each is `[1]`.
#[derive(Clone, Debug)]
pub struct EvalSums {
    /// Σ over batches of (batch size × MC-mean MSE), standardised units.
    pub nll_sum: Tensor<1>,
    /// Σ of squared errors of the MC predictive mean, original units.
    pub sq_sum: Tensor<1>,
}

impl EvalSums {
    /// Adds another batch's sums.
    pub fn plus(self, other: EvalSums) -> EvalSums {
        EvalSums {
            nll_sum: self.nll_sum + other.nll_sum,
            sq_sum: self.sq_sum + other.sq_sum,
        }
    }
}

/// Sums of one batch: `S_e + S_r` independent draws in a single batched pass. The caller builds
/// the posterior once per evaluation and shares it among the evaluation's batches.
///
/// # Shapes
/// - x: `[batch, 9]`, y: `[batch, 1]` (standardised)
pub fn eval_batch(
    passes: &Passes,
    x: Tensor<2>,
    y: Tensor<2>,
    mc: McSamples,
    y_std: f64,
    noise: &mut Noise,
) -> EvalSums {
    let pred = passes.forward(x, mc.elbo + mc.rmse, noise); // [S_e + S_r, batch, 1]
    sums_of(pred, y, mc, y_std)
}

/// A batch's sums from its `S_e + S_r` passes `pred` (`[S_e + S_r, batch, 1]`; the ELBO's
/// draws first) at the targets `y` (`[batch, 1]`).
pub(crate) fn sums_of(pred: Tensor<3>, y: Tensor<2>, mc: McSamples, y_std: f64) -> EvalSums {
    let [_, batch, _] = pred.dims();
    let y = y.unsqueeze::<3>(); // [1, batch, 1]
    let pred_elbo = pred.clone().narrow(0, 0, mc.elbo);
    let nll_sum = (pred_elbo - y.clone())
        .powi_scalar(2)
        .mean()
        .mul_scalar(batch as f64);
    let mean = pred.narrow(0, mc.elbo, mc.rmse).mean_dim(0); // [1, batch, 1]
    let sq_sum = (mean - y).mul_scalar(y_std).powi_scalar(2).sum();
    EvalSums { nll_sum, sq_sum }
}

/// The tutorial's way to the same sums: a loop of single-draw passes, stacked afterwards.
/// Kept as the reference the batched pass is tested and benchmarked against.
pub fn eval_batch_looped(
    model: &Regressor,
    x: Tensor<2>,
    y: Tensor<2>,
    mc: McSamples,
    y_std: f64,
    noise: &mut Noise,
) -> EvalSums {
    let [batch, _] = x.dims();
    let mut pass = || model.forward_sampled(x.clone(), 1, noise); // [1, batch, 1]
    let elbo: Vec<Tensor<3>> = (0..mc.elbo).map(|_| pass()).collect();
    let rmse: Vec<Tensor<3>> = (0..mc.rmse).map(|_| pass()).collect();
    let y = y.unsqueeze::<3>();
    let nll_sum = (Tensor::cat(elbo, 0) - y.clone())
        .powi_scalar(2)
        .mean()
        .mul_scalar(batch as f64);
    let mean = Tensor::cat(rmse, 0).mean_dim(0);
    let sq_sum = (mean - y).mul_scalar(y_std).powi_scalar(2).sum();
    EvalSums { nll_sum, sq_sum }
}

/// Adds `b` to a running sum that may not have started.
pub(crate) fn accumulate(total: Option<EvalSums>, b: EvalSums) -> EvalSums {
    match total {
        None => b,
        Some(t) => t.plus(b),
    }
}

/// The metrics of a split from its read-back sums: `nll` per point, `elbo = nll + w·kl`, and the
/// RMSE of the predictive mean.
pub fn split_metrics(nll_sum: f64, sq_sum: f64, kl: f64, n: usize, kl_weight: f64) -> SplitMetrics {
    let nll = nll_sum / n as f64;
    SplitMetrics {
        elbo: nll + kl_weight * kl,
        nll,
        kl,
        rmse: (sq_sum / n as f64).sqrt(),
    }
}

/// The per-epoch evaluation of the train split then the validation split, one batch per call
/// or all the remaining ones at once on several threads. Each batch draws its weights from its
/// own keyed noise (epoch, split, batch) and the batches' sums are added in batch order, so
/// the numbers are the same whichever way, and on however many threads, it is computed.
/// One posterior (one softplus per rho) serves all of its batches: the model is fixed meanwhile.
#[derive(Clone, Debug)]
pub struct Evaluation {
    passes: Passes,
    epoch: usize,
    train: Option<EvalSums>,
    val: Option<EvalSums>,
}

impl Evaluation {
    /// Starts the evaluation of `model` after epoch `epoch` (1-based).
    pub fn new(model: &Regressor, epoch: usize) -> Self {
        Self {
            passes: Passes::new(model),
            epoch,
            train: None,
            val: None,
        }
    }

    /// The sums of batch `index` of train-then-val, and whether it is a training batch.
    pub(crate) fn score(
        &self,
        index: usize,
        sets: (&EvalSet, &EvalSet),
        config: &Config,
        y_std: f64,
        keys: &NoiseKeys,
    ) -> (bool, EvalSums) {
        let (train, val) = sets;
        let n_train = train.batches.len();
        let (split, batch) = if index < n_train {
            (SplitKey::Train, index)
        } else {
            (SplitKey::Val, index - n_train)
        };
        let (x, y) = match split {
            SplitKey::Train => train.batches[batch].clone(),
            _ => val.batches[batch].clone(),
        };
        let mc = McSamples {
            elbo: config.eval_mc_elbo,
            rmse: config.eval_mc_rmse,
        };
        let mut noise = keys.noise(&batch_key(self.epoch, split, batch));
        let sums = eval_batch(&self.passes, x, y, mc, y_std, &mut noise);
        (split == SplitKey::Train, sums)
    }

    pub(crate) fn add(&mut self, is_train: bool, sums: EvalSums) {
        let slot = if is_train {
            &mut self.train
        } else {
            &mut self.val
        };
        *slot = Some(accumulate(slot.take(), sums));
    }

    /// Batches in train-then-val.
    pub fn len(sets: (&EvalSet, &EvalSet)) -> usize {
        sets.0.batches.len() + sets.1.batches.len()
    }

    /// Scores batch `index` of train-then-val; says whether batches remain.
    pub fn batch(
        &mut self,
        index: usize,
        sets: (&EvalSet, &EvalSet),
        config: &Config,
        y_std: f64,
        keys: &NoiseKeys,
    ) -> bool {
        let (is_train, sums) = self.score(index, sets, config, y_std, keys);
        self.add(is_train, sums);
        index + 1 < Self::len(sets)
    }

    /// Scores batches `from..` of train-then-val on up to `threads` threads (in order on one),
    /// adding their sums in batch order.
    pub fn rest(
        &mut self,
        from: usize,
        sets: (&EvalSet, &EvalSet),
        config: &Config,
        y_std: f64,
        (keys, threads): (&NoiseKeys, usize),
    ) {
        let this = &*self;
        let scored = map_parallel(Self::len(sets) - from, threads, |i| {
            this.score(from + i, sets, config, y_std, keys)
        });
        for (is_train, sums) in scored {
            self.add(is_train, sums);
        }
    }

    /// Reads the sums and the KL back in one transfer: the train and validation metrics.
    pub async fn finish(
        self,
        sets: (&EvalSet, &EvalSet),
        config: &Config,
    ) -> Result<(SplitMetrics, SplitMetrics), String> {
        let (t, v) = match (self.train, self.val) {
            (Some(t), Some(v)) => (t, v),
            _ => return Err("the evaluation has not scored both splits".into()),
        };
        let kl = self.passes.posterior().kl(config.prior_sigma);
        let n = read_scalars(vec![t.nll_sum, t.sq_sum, v.nll_sum, v.sq_sum, kl]).await?;
        let kl = n[4] / config.num_batches() as f64;
        Ok((
            split_metrics(n[0], n[1], kl, sets.0.len, config.kl_weight),
            split_metrics(n[2], n[3], kl, sets.1.len, config.kl_weight),
        ))
    }
}

/// Reads `[1]`-tensors back as numbers in one transfer (asynchronous, as WebGPU requires).
pub async fn read_scalars(values: Vec<Tensor<1>>) -> Result<Vec<f64>, String> {
    let data = Tensor::cat(values, 0)
        .into_data_async()
        .await
        .map_err(|e| format!("could not read results back from the device: {e:?}"))?;
    let v = data
        .try_into_vec_as::<f32>()
        .map_err(|e| format!("unexpected result data: {e:?}"))?;
    Ok(v.into_iter().map(f64::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::config::Config;
    use crate::data::Dataset;
    use crate::maths::rng::Rng;

    /// The batched pass and the tutorial's loop estimate the same quantities: over many
    /// repetitions their means agree within Monte-Carlo error.
    #[test]
    fn batched_evaluation_agrees_with_the_loop_in_distribution() {
        let device = test_device();
        let config = Config {
            rho_init: -2.5, // wide posteriors, so the MC noise is large enough to see
            ..Config::default()
        };
        let data = Dataset::generate(&config);
        let s = &data.scaler;
        let set = EvalSet::new(
            &s.features(&data.val.x),
            &s.scale_y(&data.val.y),
            128,
            &device,
        );
        let (x, y) = set.batches[0].clone();
        let model = Regressor::init(&config, &mut Rng::new(2), &device);
        let mc = McSamples { elbo: 2, rmse: 4 };
        let reps = 400;
        let stats = |looped: bool, seed: u64| {
            let mut noise = Noise::host(seed);
            let mut v = Vec::new();
            for _ in 0..reps {
                let (x, y) = (x.clone(), y.clone());
                let e = if looped {
                    eval_batch_looped(&model, x, y, mc, s.y_std, &mut noise)
                } else {
                    eval_batch(&Passes::new(&model), x, y, mc, s.y_std, &mut noise)
                };
                let nll: f32 = e.nll_sum.into_scalar();
                let sq: f32 = e.sq_sum.into_scalar();
                v.push([nll as f64, sq as f64]);
            }
            v
        };
        let (a, b) = (stats(false, 1), stats(true, 2));
        for k in 0..2 {
            let mean = |v: &[[f64; 2]]| v.iter().map(|r| r[k]).sum::<f64>() / reps as f64;
            let var = |v: &[[f64; 2]], m: f64| {
                v.iter().map(|r| (r[k] - m).powi(2)).sum::<f64>() / (reps - 1) as f64
            };
            let (ma, mb) = (mean(&a), mean(&b));
            let se = ((var(&a, ma) + var(&b, mb)) / reps as f64).sqrt();
            assert!(se > 0.0, "the estimators should be random");
            assert!(
                (ma - mb).abs() < 4.0 * se,
                "term {k}: batched {ma} vs looped {mb} (se {se})"
            );
        }
        // Each batched draw is independent: the spread of the batched estimate matches the
        // loop's. A draw shared by the two ELBO samples would make it √2 ≈ 1.41 times the loop's;
        // with 400 repetitions the ratio's standard error is about 0.05, so the bounds sit
        // about three standard errors from 1 and four from √2.
        let spread = |v: &[[f64; 2]]| {
            let m = v.iter().map(|r| r[0]).sum::<f64>() / reps as f64;
            (v.iter().map(|r| (r[0] - m).powi(2)).sum::<f64>() / reps as f64).sqrt()
        };
        let ratio = spread(&a) / spread(&b);
        assert!((0.85..1.18).contains(&ratio), "spread ratio {ratio}");
    }
}
