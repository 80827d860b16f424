//! Three ways to draw a Bayesian layer's sampled pass, the three gradient estimators of
//! Bayes-by-Backprop. Each gives every row the same distribution of outputs, so the ELBO's
//! expected gradient is the same; they differ in how the rows of a mini-batch share their
//! noise, and so in the variance of the gradient.
//!
//! - **Reparameterisation** (the tutorial): one draw `W = μ + σ·ε` per pass, shared by every
//!   row, `out = x·W + b`.
//! - **Local reparameterisation**: each row's pre-activations drawn from their Gaussian,
//!   `out = x·μ_W + μ_b + √(x²·σ_W² + σ_b²)·ε` with `ε` per row and unit: the rows' noise is
//!   independent, and only `batch × out` normals are drawn instead of `in × out`.
//! - **Flipout**: one draw of the perturbation `ΔW = σ·ε` per pass, flipped per row by random
//!   signs on its inputs and outputs, `out = x·μ_W + μ_b + ((x ∘ s)·ΔW) ∘ r + Δb ∘ r`: each
//!   row sees a perturbation of the same distribution, nearly uncorrelated with the other rows'.

use burn::tensor::Tensor;

use crate::config::method::Method;
use crate::model::bayes_linear::Gaussians;
use crate::model::noise::Noise;

/// How a sampled pass draws the weights' noise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estimator {
    /// One draw of every weight per pass, shared by the rows (the tutorial's).
    Reparameterisation,
    /// Each row's pre-activations drawn from their Gaussian (Kingma, Salimans and Welling,
    /// 2015).
    LocalReparameterisation,
    /// One draw per pass with per-row sign flips (Wen et al., 2018).
    Flipout,
}

impl Estimator {
    /// The estimator a run of `method` trains with (the tutorial's for the methods that train no
    /// variational posterior, which the trainer refuses anyway).
    pub fn of(method: Method) -> Self {
        match method {
            Method::BbbLrt => Estimator::LocalReparameterisation,
            Method::BbbFlipout => Estimator::Flipout,
            Method::Bbb | Method::Dropout | Method::Ensemble | Method::Hmc => {
                Estimator::Reparameterisation
            }
        }
    }

    /// Every estimator, the tutorial's first.
    pub const ALL: [Estimator; 3] = [
        Estimator::Reparameterisation,
        Estimator::LocalReparameterisation,
        Estimator::Flipout,
    ];
}

/// `±1` with equal chances, shaped `shape`: the signs of standard normals from `noise`.
fn signs(noise: &mut Noise, shape: [usize; 3], like: &Tensor<2>) -> Tensor<3> {
    let z = noise.normal(shape, &like.device()).inner();
    // A draw of exactly 0 would give sign 0; it has probability zero, but is made +1 anyway.
    z.greater_equal_elem(0.0)
        .float()
        .mul_scalar(2.0)
        .sub_scalar(1.0)
}

impl Gaussians {
    /// Forward pass with one independent draw per leading sample, drawn the `estimator`'s way.
    ///
    /// # Shapes
    /// - x: `[samples, batch, in]` → `[samples, batch, out]`
    pub fn forward_by(&self, x: Tensor<3>, estimator: Estimator, noise: &mut Noise) -> Tensor<3> {
        let [samples, batch, d_in] = x.dims();
        let d_out = self.w_mu.dims()[1];
        // The means' pass, for the two estimators that add their noise to it (the tutorial's
        // draws whole weights instead, with no pass of its own for the means).
        let mean = |x: Tensor<3>| {
            x.matmul(self.w_mu.clone().unsqueeze::<3>()) + self.b_mu.clone().unsqueeze::<3>()
        };
        match estimator {
            Estimator::Reparameterisation => self.forward_sampled(x, noise),
            Estimator::LocalReparameterisation => {
                let var = x
                    .clone()
                    .powi_scalar(2)
                    .matmul(self.w_sigma.clone().powi_scalar(2).unsqueeze::<3>())
                    + self.b_sigma.clone().powi_scalar(2).unsqueeze::<3>();
                let eps = noise
                    .normal([samples, batch, d_out], &self.w_mu.device())
                    .inner();
                mean(x) + var.sqrt() * eps
            }
            Estimator::Flipout => {
                let device = self.w_mu.device();
                let dw = self.w_sigma.clone().unsqueeze::<3>()
                    * noise.normal([samples, d_in, d_out], &device).inner();
                let db = self.b_sigma.clone().unsqueeze::<3>()
                    * noise.normal([samples, 1, d_out], &device).inner();
                let s = signs(noise, [samples, batch, d_in], &self.w_mu);
                let r = signs(noise, [samples, batch, d_out], &self.w_mu);
                mean(x.clone()) + ((x * s).matmul(dw) + db) * r
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use burn::tensor::TensorData;

    /// A `2 → 1` layer with known means and spreads.
    fn layer() -> Gaussians {
        let device = test_device();
        let t =
            |v: Vec<f32>, shape: [usize; 2]| Tensor::from_data(TensorData::new(v, shape), &device);
        Gaussians {
            w_mu: t(vec![0.5, -1.0], [2, 1]),
            w_sigma: t(vec![0.3, 0.2], [2, 1]),
            b_mu: t(vec![0.25], [1, 1]),
            b_sigma: t(vec![0.1], [1, 1]),
        }
    }

    /// `n` passes of `rows` (each `[x0, x1]`) through the layer: per row, the outputs.
    fn outputs(estimator: Estimator, rows: &[[f32; 2]], n: usize, seed: u64) -> Vec<Vec<f64>> {
        let device = test_device();
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let x = Tensor::<2>::from_data(TensorData::new(flat, [rows.len(), 2]), &device)
            .unsqueeze::<3>()
            .repeat_dim(0, n);
        let out = layer().forward_by(x, estimator, &mut Noise::host(seed));
        let v: Vec<f32> = out.into_data().try_into_vec_as().unwrap();
        (0..rows.len())
            .map(|r| (0..n).map(|s| f64::from(v[s * rows.len() + r])).collect())
            .collect()
    }

    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    fn covariance(a: &[f64], b: &[f64]) -> f64 {
        let (ma, mb) = (mean(a), mean(b));
        a.iter()
            .zip(b)
            .map(|(a, b)| (a - ma) * (b - mb))
            .sum::<f64>()
            / (a.len() - 1) as f64
    }

    /// Every estimator gives a row the Gaussian the weights imply: mean `x·μ + μ_b` and
    /// variance `x²·σ² + σ_b²`, worked out by hand for the row `[2, −1]`:
    /// mean `1 + 1 + 0.25 = 2.25`, variance `4·0.09 + 0.04 + 0.01 = 0.41`.
    #[test]
    fn each_row_gets_the_gaussian_the_weights_imply() {
        let n = 40_000;
        for estimator in Estimator::ALL {
            let out = &outputs(estimator, &[[2.0, -1.0]], n, 3)[0];
            let (m, var) = (mean(out), covariance(out, out));
            // Standard errors: √(0.41/n) ≈ 0.0032 for the mean; the variance's ≈ 0.41·√(2/n).
            assert!((m - 2.25).abs() < 0.015, "{estimator:?}: mean {m}");
            assert!(
                (var - 0.41).abs() < 0.41 * 5.0 * (2.0 / n as f64).sqrt(),
                "{estimator:?}: variance {var}"
            );
        }
    }

    /// Two identical rows in one mini-batch: the tutorial's draw gives them the same output
    /// (correlation 1); the local reparameterisation draws them independently, and Flipout's
    /// signs leave them uncorrelated too, also where only the bias's noise reaches them (zero
    /// inputs: the output signs alone must decorrelate it).
    #[test]
    fn rows_share_their_noise_only_under_the_reparameterisation() {
        let n = 20_000;
        for (estimator, row, want) in [
            (Estimator::Reparameterisation, [2.0, -1.0], 1.0),
            (Estimator::Reparameterisation, [0.0, 0.0], 1.0),
            (Estimator::LocalReparameterisation, [2.0, -1.0], 0.0),
            (Estimator::LocalReparameterisation, [0.0, 0.0], 0.0),
            (Estimator::Flipout, [2.0, -1.0], 0.0),
            (Estimator::Flipout, [0.0, 0.0], 0.0),
        ] {
            let rows = outputs(estimator, &[row, row], n, 5);
            let c = covariance(&rows[0], &rows[1]);
            let corr = c / (covariance(&rows[0], &rows[0]) * covariance(&rows[1], &rows[1])).sqrt();
            // The correlation's standard error near 0 is 1/√n ≈ 0.007.
            assert!(
                (corr - want).abs() < 0.04,
                "{estimator:?}: correlation {corr}"
            );
        }
    }

    /// Flipout's signs are independent per row: with many inputs the rows' perturbations
    /// decorrelate, and each sign is ±1 with equal chances.
    #[test]
    fn flipout_signs_are_fair_and_independent_per_row() {
        let device = test_device();
        let w = Tensor::<2>::zeros([1, 1], &device);
        let s: Vec<f32> = signs(&mut Noise::host(8), [1, 4000, 2], &w)
            .into_data()
            .try_into_vec_as()
            .unwrap();
        assert!(s.iter().all(|&v| v == 1.0 || v == -1.0));
        let share = s.iter().filter(|&&v| v > 0.0).count() as f64 / s.len() as f64;
        assert!((share - 0.5).abs() < 0.03, "share of + signs {share}");
        // Neighbouring rows' signs agree half the time.
        let agree = s
            .chunks(2)
            .zip(s.chunks(2).skip(1))
            .filter(|(a, b)| a[0] == b[0])
            .count();
        let rate = agree as f64 / (s.len() / 2 - 1) as f64;
        assert!((rate - 0.5).abs() < 0.04, "neighbours agree {rate}");
    }
}
