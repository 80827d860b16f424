//! The [architecture](crate::model::architecture) on plain host slices, for both kinds of
//! pass of the CPU engine: the sampled passes without gradient (`pass.rs`: evaluations,
//! predictive) and the training step's (`backprop.rs`), which keeps a tape of its activations
//! for the way back. burn's pass of the same description is `model::regressor::network`; tests
//! hold the two together.

use crate::maths::kernels::{silu_and_slope, silu_in_place};
use crate::maths::matmul::{matmul, Use};
use crate::model::architecture::{Architecture, RESIDUAL_SCALE};

/// A layer of a pass: its sizes and its output at a mini-batch. The dense layer of whole-network
/// draws ([`Dense`]) and the noisy layers of the other estimators (`estimators.rs`).
pub(crate) trait Layer {
    fn d_in(&self) -> usize;
    fn d_out(&self) -> usize;
    /// `out [batch, d_out]` = the layer at `input [batch, d_in]`.
    fn apply(&self, input: &[f32], out: &mut [f32]);
}

/// One dense layer's values for a pass: `w` row-major `[d_in, d_out]`, `b` `[d_out]`.
#[derive(Clone, Copy)]
pub(crate) struct Dense<'a> {
    pub w: &'a [f32],
    pub b: &'a [f32],
}

impl Layer for Dense<'_> {
    fn d_out(&self) -> usize {
        self.b.len()
    }

    fn d_in(&self) -> usize {
        self.w.len() / self.b.len()
    }

    /// `out [batch, d_out] = input [batch, d_in] · w + b`.
    fn apply(&self, input: &[f32], out: &mut [f32]) {
        let batch = input.len() / self.d_in();
        assert_eq!(out.len(), batch * self.d_out(), "the layer's output");
        for row in out.chunks_exact_mut(self.d_out()) {
            row.copy_from_slice(self.b);
        }
        let dims = (batch, self.d_in(), self.d_out());
        matmul(out, true, Use::Plain(input), Use::Plain(self.w), dims);
    }
}

/// Residual blocks in a flat list of layers.
pub(crate) fn depth<L>(layers: &[L]) -> usize {
    Architecture::depth_of(layers.len())
}

/// What a forward pass keeps of its SiLUs.
pub(crate) trait Keep {
    /// `values ← silu(values)`, keeping what a backward pass will need.
    fn silu(&mut self, values: &mut [f32]);
}

/// Keeps nothing: a pass without gradient.
pub(crate) struct Nothing;

impl Keep for Nothing {
    fn silu(&mut self, values: &mut [f32]) {
        silu_in_place(values);
    }
}

/// Every SiLU's output and slope `silu'(input)`, in the order of the pass: `h₀`, then per block
/// `r` and the block's new `h`.
#[derive(Default)]
pub(crate) struct Tape {
    pub outputs: Vec<Vec<f32>>,
    pub slopes: Vec<Vec<f32>>,
}

/// A [`Keep`] that records a [`Tape`] for the way back (the plain tape, or one whose outputs a
/// dropout mask has thinned).
pub(crate) trait Recording: Keep {
    /// What the pass recorded.
    fn tape(&self) -> &Tape;
}

impl Recording for Tape {
    fn tape(&self) -> &Tape {
        self
    }
}

impl Keep for Tape {
    fn silu(&mut self, values: &mut [f32]) {
        let (output, slope) = silu_and_slope(values);
        values.copy_from_slice(&output);
        self.outputs.push(output);
        self.slopes.push(slope);
    }
}

/// The hidden activations of a pass, kept between passes so that repeated passes allocate
/// nothing.
#[derive(Default)]
pub(crate) struct Scratch {
    h: Vec<f32>,
    r: Vec<f32>,
    t: Vec<f32>,
}

/// The network at the inputs `x` (row-major `[batch, d_in]`) into `out` (`[batch, d_out]` of
/// the output layer).
pub(crate) fn forward<L: Layer>(
    x: &[f32],
    layers: &[L],
    keep: &mut impl Keep,
    scratch: &mut Scratch,
    out: &mut [f32],
) {
    let depth = depth(layers);
    let batch = x.len() / layers[0].d_in();
    let Scratch { h, r, t } = scratch;
    h.resize(batch * layers[0].d_out(), 0.0);
    layers[0].apply(x, h);
    keep.silu(h);
    for k in 0..depth {
        let (fc1, fc2) = Architecture::block(k);
        r.resize(batch * layers[fc1].d_out(), 0.0);
        t.resize(batch * layers[fc2].d_out(), 0.0);
        layers[fc1].apply(h, r);
        keep.silu(r);
        layers[fc2].apply(r, t);
        for (h, &t) in h.iter_mut().zip(t.iter()) {
            *h += RESIDUAL_SCALE * t;
        }
        keep.silu(h);
    }
    layers[1 + 2 * depth].apply(h, out);
}
