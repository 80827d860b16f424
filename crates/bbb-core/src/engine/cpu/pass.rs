//! The CPU engine's sampled forward pass, for the passes that need no gradient (the evaluations
//! and the predictive).
//!
//! Those passes are most of a run's arithmetic: a full-preset epoch scores 38 weight draws of
//! every batch. Through burn's ops each draw costs a noise tensor, two element-wise ops to turn
//! it into weights, a matrix product into a fresh allocation and an activation read back and
//! uploaded again. Here each draw's weights are written straight from the sampler into one
//! reused buffer, `w = mu + sigma·eps`, and the network (`network.rs`) runs on plain
//! slices: the products through `matmul.rs`, SiLU in place with the vectorised exponential.
//! The estimators are the same as the burn pass; only the order in which the normals are
//! consumed differs (draw by draw here, layer by layer there).

use burn::tensor::Tensor;

use crate::engine::cpu::network::{forward, Dense, Nothing, Scratch};
use crate::maths::normals::Normals;
use crate::model::bayes_linear::Gaussians;

/// One layer's posterior on the host: row-major `[in, out]` weights and `[out]` biases.
#[derive(Clone, Debug)]
struct HostLayer {
    w_mu: Vec<f32>,
    w_sigma: Vec<f32>,
    b_mu: Vec<f32>,
    b_sigma: Vec<f32>,
}

fn host_values(t: &Tensor<2>) -> Vec<f32> {
    t.to_data()
        .try_into_vec_as::<f32>()
        .expect("the posterior's parameters are f32")
}

impl HostLayer {
    fn new(g: &Gaussians) -> Self {
        Self {
            w_mu: host_values(&g.w_mu),
            w_sigma: host_values(&g.w_sigma),
            b_mu: host_values(&g.b_mu),
            b_sigma: host_values(&g.b_sigma),
        }
    }

    /// A fresh draw of the weights, then the biases, into `[w, b]`.
    fn draw(&self, noise: &mut Normals, [w, b]: &mut [Vec<f32>; 2]) {
        draw(&self.w_mu, &self.w_sigma, noise, w);
        draw(&self.b_mu, &self.b_sigma, noise, b);
    }
}

/// `out = mu + sigma·eps`, `eps` fresh standard normals.
fn draw(mu: &[f32], sigma: &[f32], noise: &mut Normals, out: &mut Vec<f32>) {
    out.resize(mu.len(), 0.0);
    noise.fill(out);
    for ((o, &m), &s) in out.iter_mut().zip(mu).zip(sigma) {
        *o = m + s * *o;
    }
}

/// The network's posterior read back to the host once (for an evaluation, or a predictive),
/// then sampled pass after pass without touching burn.
#[derive(Clone, Debug)]
pub struct HostPosterior {
    /// The input layer, each block's two, the output layer.
    layers: Vec<HostLayer>,
}

impl HostPosterior {
    /// The host copy of a posterior given layer by layer, in the order of the flat list.
    pub(crate) fn new(layers: &[&Gaussians]) -> Self {
        let layers = layers.iter().map(|g| HostLayer::new(g)).collect();
        Self { layers }
    }

    /// `samples` passes at the inputs `x` (row-major `[batch, 9]`), each with its own draw of
    /// every weight; the outputs row-major `[samples, batch]`. Draw after draw, each takes its
    /// normals layer by layer (weights, then biases) from `noise`.
    pub fn forward(&self, x: &[f32], samples: usize, noise: &mut Normals) -> Vec<f32> {
        let batch = x.len() / (self.layers[0].w_mu.len() / self.layers[0].b_mu.len());
        let mut drawn = vec![[Vec::new(), Vec::new()]; self.layers.len()];
        let mut scratch = Scratch::default();
        let mut out = vec![0.0f32; samples * batch];
        for y in out.chunks_exact_mut(batch) {
            for (layer, wb) in self.layers.iter().zip(&mut drawn) {
                layer.draw(noise, wb);
            }
            let dense: Vec<Dense> = drawn.iter().map(|[w, b]| Dense { w, b }).collect();
            forward(x, &dense, &mut Nothing, &mut scratch, y);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::config::Config;
    use crate::data::N_FEATURES;
    use crate::engine::Passes;
    use crate::maths::rng::Rng;
    use crate::model::noise::Noise;
    use crate::model::Regressor;
    use burn::tensor::TensorData;

    fn setup() -> (Regressor, Vec<f32>, Tensor<2>) {
        let device = test_device();
        // A wide posterior (sigma ≈ 0.13), so a draw moves the output well past rounding.
        let config = Config {
            rho_init: -2.0,
            ..Config::default()
        };
        let model = Regressor::init(&config, &mut Rng::new(4), &device);
        let mut rng = Rng::new(9);
        let x: Vec<f32> = (0..37 * N_FEATURES)
            .map(|_| rng.uniform_in(-2.0, 2.0) as f32)
            .collect();
        let t = Tensor::from_data(TensorData::new(x.clone(), [37, N_FEATURES]), &device);
        (model, x, t)
    }

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_into_vec_as::<f32>().unwrap()
    }

    /// One draw takes its normals in the same order on the host as in burn's ops (layer by
    /// layer, weights then biases), so the same seed must give the same outputs.
    #[test]
    fn one_host_draw_is_burns_draw() {
        let (model, _, x) = setup();
        let posterior = model.posterior();
        let burns = values(posterior.forward_sampled(x.clone(), 1, &mut Noise::host(21)));
        let host = values(Passes::new(&model).forward(x.clone(), 1, &mut Noise::host(21)));
        let mean = values(model.forward_mean(x));
        let mut moved = 0.0f32;
        for ((b, h), m) in burns.iter().zip(&host).zip(&mean) {
            assert!((b - h).abs() < 2e-5 * b.abs().max(1.0), "{b} vs {h}");
            moved = moved.max((b - m).abs());
        }
        assert!(moved > 1e-2, "the draw barely moved the outputs: {moved}");
    }

    /// Several draws in one call are the same draws one call at a time, in order: draw by draw
    /// from one stream, none sharing weights with another.
    #[test]
    fn host_draws_follow_each_other_in_the_stream() {
        let (model, x, _) = setup();
        let passes = Passes::new(&model);
        let host = passes.host();
        let mut one_call = Normals::new(3);
        let together = host.forward(&x, 3, &mut one_call);
        let mut calls = Normals::new(3);
        let apart: Vec<f32> = (0..3)
            .flat_map(|_| host.forward(&x, 1, &mut calls))
            .collect();
        assert_eq!(together, apart);
        let (a, b) = together.split_at(37);
        assert!(a.iter().zip(&b[..37]).all(|(p, q)| p != q));
    }
}
