//! A deterministic network trained to the posterior's mode, the part MC dropout, every member
//! of a deep ensemble and every HMC chain's start share.
//!
//! The loss of a mini-batch is the tutorial's mean squared error plus an explicit L2 term
//! `λ·Σθ²` that stands for the prior. In the tutorial's ELBO loss the prior's cross-entropy
//! `Σθ²/(2σp²)` enters with the KL's weight `β/M` (`M` mini-batches), so `λ = β/(2σp²·M)`;
//! under dropout, Gal and Ghahramani's objective scales it by the keep probability `1 − p`.
//! This is an L2 term in the loss, whose gradient AdamW's moments rescale, not AdamW's
//! decoupled decay (which shrinks every weight by the same factor whatever its gradient). The
//! optimiser is Adam with the run's β₁, β₂ and ε, the gradient clipped as in the run, for the
//! preset's epochs (warmup and VI) with its learning-rate schedule.

use crate::config::Config;
use crate::data::{Dataset, N_FEATURES};
use crate::engine::cpu::adamw::{clip_global_norm, HostAdamW};
use crate::engine::cpu::backprop::squared_error_grads_with;
use crate::engine::cpu::network::{Dense, Tape};
use crate::maths::reference::AdamWSettings;
use crate::maths::rng::Rng;
use crate::model::Architecture;

use super::dropout::Dropout;
use super::point_net::PointNet;

/// The training split as the networks see it: features row-major `[n, 9]` and standardised
/// targets.
pub fn training_set(data: &Dataset) -> (Vec<f32>, Vec<f32>) {
    let s = &data.scaler;
    (s.features(&data.train.x), s.scale_y(&data.train.y))
}

/// The weight `λ` of the L2 term `λ·Σθ²` that stands for the prior N(0, σp²) under drop rate
/// `rate`: `(1 − rate)·β / (2σp²·M)`.
pub fn l2_weight(config: &Config, rate: f64) -> f64 {
    let m = config.num_batches() as f64;
    (1.0 - rate) * config.kl_weight / (2.0 * config.prior_sigma.powi(2) * m)
}

/// A network fitted to `(x, y)` (see [`training_set`]) under drop rate `rate`, its initial
/// weights, shuffles and masks all drawn from `rng`. Returns the network and the gradient
/// evaluations it took, in passes over the training data.
pub fn fit(config: &Config, (x, y): (&[f32], &[f32]), rate: f64, rng: &mut Rng) -> (PointNet, f64) {
    let net = PointNet::init(&Architecture::of(config), rng);
    let lambda = l2_weight(config, rate) as f32;
    let settings = AdamWSettings {
        beta1: config.beta1,
        beta2: config.beta2,
        eps: config.adam_eps,
        weight_decay: 0.0,
    };
    let mut params: Vec<Vec<f32>> = net.layers.into_iter().flatten().collect();
    let sizes: Vec<usize> = params.iter().map(Vec::len).collect();
    let mut adam = HostAdamW::new(settings, &sizes);
    let n = y.len();
    let (mut xb, mut yb) = (Vec::new(), Vec::new());
    for epoch in 0..config.total_epochs() {
        let lr = crate::train::schedule::lr_during(config, epoch);
        let order = rng.permutation(n);
        for batch in order.chunks(config.batch_size) {
            xb.clear();
            yb.clear();
            for &i in batch {
                xb.extend_from_slice(&x[i * N_FEATURES..(i + 1) * N_FEATURES]);
                yb.push(y[i]);
            }
            let layers: Vec<Dense> = params
                .chunks_exact(2)
                .map(|wb| Dense {
                    w: &wb[0],
                    b: &wb[1],
                })
                .collect();
            let mut grads: Vec<[Vec<f32>; 2]> = layers
                .iter()
                .map(|l| [vec![0.0; l.w.len()], vec![0.0; l.b.len()]])
                .collect();
            let scale = 1.0 / yb.len() as f32;
            let mut tape = Dropout::new(Tape::default(), rate, rng);
            squared_error_grads_with(&xb, &yb, &layers, scale, &mut grads, &mut tape);
            let mut grads: Vec<Option<Vec<f32>>> = grads
                .into_iter()
                .flatten()
                .zip(&params)
                .map(|(mut g, p)| {
                    for (g, p) in g.iter_mut().zip(p) {
                        *g += 2.0 * lambda * p;
                    }
                    Some(g)
                })
                .collect();
            clip_global_norm(&mut grads, config.clip_norm);
            adam.step(&mut params, &grads, lr);
        }
    }
    let mut values = params.into_iter();
    let mut layers = Vec::new();
    while let (Some(w), Some(b)) = (values.next(), values.next()) {
        layers.push([w, b]);
    }
    (PointNet { layers }, config.total_epochs() as f64)
}
