//! A network with one value per weight: the same residual architecture as the Bayesian one
//! ([`Architecture`]), every weight a number instead of a Gaussian. MC dropout thins it, a deep
//! ensemble trains several, HMC samples its weights; each pass is the CPU engine's host pass
//! (`engine/cpu/network.rs`), so the comparison's networks and the posterior's are one network.

use crate::engine::cpu::network::{forward, Dense, Keep, Scratch};
use crate::maths::rng::Rng;
use crate::model::bayes_linear::initial_means;
use crate::model::Architecture;

/// The weights of a deterministic network: per layer `[w (row-major [d_in, d_out]), b]`, in
/// the flat order of [`Architecture::layer_dims`].
#[derive(Clone, Debug, PartialEq)]
pub struct PointNet {
    pub layers: Vec<[Vec<f32>; 2]>,
}

impl PointNet {
    /// Fresh weights drawn as the tutorial draws its means.
    pub fn init(arch: &Architecture, rng: &mut Rng) -> Self {
        let layers = arch
            .layer_dims()
            .into_iter()
            .map(|(d_in, d_out)| initial_means(d_in, d_out, rng))
            .collect();
        Self { layers }
    }

    /// The layers as the host pass reads them.
    pub(crate) fn dense(&self) -> Vec<Dense<'_>> {
        self.layers.iter().map(|[w, b]| Dense { w, b }).collect()
    }

    /// Weights and biases in all.
    pub fn n_params(&self) -> usize {
        self.layers.iter().map(|[w, b]| w.len() + b.len()).sum()
    }

    /// Zeroed `[∂w, ∂b]` per layer.
    pub(crate) fn zeros(&self) -> Vec<[Vec<f32>; 2]> {
        self.layers
            .iter()
            .map(|[w, b]| [vec![0.0; w.len()], vec![0.0; b.len()]])
            .collect()
    }

    /// Every weight and bias in one vector: per layer `w` then `b`.
    pub fn to_flat(&self) -> Vec<f64> {
        self.layers
            .iter()
            .flat_map(|[w, b]| w.iter().chain(b))
            .map(|&v| f64::from(v))
            .collect()
    }

    /// Takes its weights from `flat` (the order of [`to_flat`](Self::to_flat)).
    pub fn set_flat(&mut self, flat: &[f64]) {
        assert_eq!(flat.len(), self.n_params(), "one value per weight");
        let mut values = flat.iter();
        for v in self.layers.iter_mut().flatten().flat_map(|t| t.iter_mut()) {
            *v = *values.next().expect("counted above") as f32;
        }
    }

    /// The network's outputs at the features `x` (row-major `[batch, 9]`), its hidden units
    /// passed through `keep` (a dropout mask, or nothing).
    pub(crate) fn predict(&self, x: &[f32], keep: &mut impl Keep) -> Vec<f32> {
        let layers = self.dense();
        // One output per row (the architecture's output layer).
        let d_in = layers[0].w.len() / layers[0].b.len();
        let mut out = vec![0.0f32; x.len() / d_in];
        forward(x, &layers, keep, &mut Scratch::default(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::engine::cpu::network::Nothing;

    #[test]
    fn the_flat_vector_round_trips_and_counts_every_weight() {
        let arch = Architecture::of(&Config::default());
        let net = PointNet::init(&arch, &mut Rng::new(3));
        assert_eq!(net.n_params(), arch.n_weights());
        let mut other = PointNet::init(&arch, &mut Rng::new(4));
        assert_ne!(other, net);
        other.set_flat(&net.to_flat());
        assert_eq!(other, net);
        let x = vec![0.3f32; 5 * arch.inputs];
        assert_eq!(net.predict(&x, &mut Nothing).len(), 5);
    }
}
