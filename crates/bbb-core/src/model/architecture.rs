//! The network, described once: its inputs, width, depth, residual scale and activation. Every
//! engine's pass reads it: burn's ([`network`](crate::model::regressor::network)), the CPU
//! engine's host pass and its backward pass, the initialisation and the posterior file's
//! tensor shapes.
//!
//! `h = silu(x·W₀ + b₀)`; per block `k`: `r = silu(h·W₁ + b₁)`, `h ← silu(h + ½·(r·W₂ + b₂))`;
//! then `pred = h·W_out + b_out`. The layers come in a flat list: the input layer, each block's
//! two, the output layer.

use crate::config::Config;
use crate::data::N_FEATURES;

/// The scale of the residual branch, `h ← silu(h + RESIDUAL_SCALE·branch)`.
pub const RESIDUAL_SCALE: f32 = 0.5;

/// The shape of the residual regressor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Architecture {
    /// Input features per point.
    pub inputs: usize,
    /// Hidden width.
    pub width: usize,
    /// Residual blocks.
    pub depth: usize,
}

impl Architecture {
    /// The network a configuration builds (the tutorial's: 9 → 72, three blocks, → 1).
    pub fn of(config: &Config) -> Self {
        Self {
            inputs: N_FEATURES,
            width: config.width,
            depth: config.depth,
        }
    }

    /// Layers in the flat list: the input layer, two per block, the output layer.
    pub fn n_layers(&self) -> usize {
        2 * self.depth + 2
    }

    /// The residual blocks of a flat list of `n_layers` layers.
    pub fn depth_of(n_layers: usize) -> usize {
        assert!(
            n_layers >= 2 && n_layers.is_multiple_of(2),
            "an input layer, two per block, an output layer"
        );
        (n_layers - 2) / 2
    }

    /// Indices of block `k`'s two layers in the flat list.
    pub fn block(k: usize) -> (usize, usize) {
        (1 + 2 * k, 2 + 2 * k)
    }

    /// `(inputs, outputs)` of every layer of the flat list.
    pub fn layer_dims(&self) -> Vec<(usize, usize)> {
        let mut dims = vec![(self.inputs, self.width)];
        dims.extend(std::iter::repeat_n(
            (self.width, self.width),
            2 * self.depth,
        ));
        dims.push((self.width, 1));
        dims
    }

    /// Weights and biases in all (each has a μ and a ρ).
    pub fn n_weights(&self) -> usize {
        self.layer_dims().iter().map(|(i, o)| (i + 1) * o).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tutorials_network() {
        let a = Architecture::of(&Config::default());
        assert_eq!((a.inputs, a.width, a.depth), (9, 72, 3));
        assert_eq!(a.n_layers(), 8);
        assert_eq!(a.n_weights(), 32_329);
        assert_eq!(Architecture::depth_of(8), 3);
    }

    #[test]
    fn blocks_pair_up_and_each_layer_feeds_the_next() {
        let a = Architecture::of(&Config::default());
        let blocks: Vec<usize> = (0..a.depth)
            .flat_map(|k| <[usize; 2]>::from(Architecture::block(k)))
            .collect();
        assert_eq!(blocks, (1..a.n_layers() - 1).collect::<Vec<_>>());
        let dims = a.layer_dims();
        for pair in dims.windows(2) {
            assert_eq!(pair[0].1, pair[1].0, "each layer feeds the next");
        }
    }
}
