//! The tutorial's network written once for the host, for both kinds of pass on the CPU
//! backends: the sampled passes without gradient (`host_pass.rs`: evaluations, predictive) and
//! the training step's (`backprop.rs`), which keeps a tape of its activations for the way back.
//!
//! The layers come as a flat list (the input layer, each residual block's two, the output
//! layer): `h = silu(x·W₀ + b₀)`, per block `r = silu(h·W₁ + b₁)` and
//! `h ← silu(h + ½(r·W₂ + b₂))`, then `pred = h·W_out + b_out`. burn's version of the same
//! network, for the GPU, is `model::network`; tests hold the two together.

use crate::activation::{silu_and_slope, silu_in_place};
use crate::matmul::{matmul, Use};

/// One dense layer's values for a pass: `w` row-major `[d_in, d_out]`, `b` `[d_out]`.
#[derive(Clone, Copy)]
pub(crate) struct Dense<'a> {
    pub w: &'a [f32],
    pub b: &'a [f32],
}

impl Dense<'_> {
    pub fn d_out(&self) -> usize {
        self.b.len()
    }

    pub fn d_in(&self) -> usize {
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
pub(crate) fn depth(layers: &[Dense]) -> usize {
    assert!(
        layers.len() >= 2 && layers.len().is_multiple_of(2),
        "an input layer, two per block, an output layer"
    );
    (layers.len() - 2) / 2
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
pub(crate) fn forward(
    x: &[f32],
    layers: &[Dense],
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
    for block in layers[1..=2 * depth].chunks_exact(2) {
        r.resize(batch * block[0].d_out(), 0.0);
        t.resize(batch * block[1].d_out(), 0.0);
        block[0].apply(h, r);
        keep.silu(r);
        block[1].apply(r, t);
        for (h, &t) in h.iter_mut().zip(t.iter()) {
            *h += 0.5 * t;
        }
        keep.silu(h);
    }
    layers[1 + 2 * depth].apply(h, out);
}
