//! The training network's gradient written out, for the CPU backends' step (`step.rs`).
//!
//! The network is the host's (`network.rs`), its loss here `scale·Σ (pred − y)²`. The
//! forward pass keeps a tape of every SiLU's output and slope; the backward pass is then, layer
//! by layer from the output, `∂W = inputᵀ·∂out`, `∂b = Σ_rows ∂out`, `∂input = ∂out·Wᵀ`, with
//! `∂u = ∂h·silu'(u)` through every SiLU and the residual's `∂h` passing both ways. The
//! products run through `matmul.rs` with the transposes read through strides. This replaces
//! burn's autodiff on the CPU, whose graph, per-op allocations and scalar element-wise
//! backward cost more than the products themselves at this size; a test holds the result to
//! burn's autodiff of the same loss.

use crate::engine::cpu::network::{depth, forward, Dense, Layer, Recording, Scratch, Tape};
use crate::maths::matmul::{matmul, Use};
use crate::model::architecture::{Architecture, RESIDUAL_SCALE};

/// A layer whose gradient the backward pass can take.
pub(crate) trait Backward: Layer {
    /// Where the layer's parameter gradients add up.
    type Grad;
    /// Adds the gradients of the layer's parameters at `input`, given `g_out` (the gradient
    /// with respect to its output), to `grad`; returns the gradient with respect to `input`
    /// when `want_input` (empty otherwise).
    fn backward(
        &self,
        input: &[f32],
        g_out: &[f32],
        grad: &mut Self::Grad,
        want_input: bool,
    ) -> Vec<f32>;
}

impl Backward for Dense<'_> {
    /// `[∂w, ∂b]`.
    type Grad = [Vec<f32>; 2];

    fn backward(
        &self,
        input: &[f32],
        g_out: &[f32],
        grad: &mut Self::Grad,
        want_input: bool,
    ) -> Vec<f32> {
        self.add_grads(input, g_out, grad);
        if want_input {
            self.input_grad(g_out)
        } else {
            Vec::new()
        }
    }
}

impl Dense<'_> {
    /// Adds `inputᵀ·g_out` and `Σ_rows g_out` to `grad` (`[∂w, ∂b]`).
    pub(crate) fn add_grads(&self, input: &[f32], g_out: &[f32], grad: &mut [Vec<f32>; 2]) {
        let (d_in, d_out) = (self.d_in(), self.d_out());
        let batch = g_out.len() / d_out;
        let [g_w, g_b] = grad;
        let dims = (d_in, batch, d_out);
        matmul(g_w, true, Use::Transposed(input), Use::Plain(g_out), dims);
        for row in g_out.chunks_exact(d_out) {
            for (g, &v) in g_b.iter_mut().zip(row) {
                *g += v;
            }
        }
    }

    /// `g_out·wᵀ`: the gradient with respect to the layer's input.
    pub(crate) fn input_grad(&self, g_out: &[f32]) -> Vec<f32> {
        let (d_in, d_out) = (self.d_in(), self.d_out());
        let batch = g_out.len() / d_out;
        let mut g_in = vec![0.0f32; batch * d_in];
        let dims = (batch, d_out, d_in);
        matmul(
            &mut g_in,
            false,
            Use::Plain(g_out),
            Use::Transposed(self.w),
            dims,
        );
        g_in
    }
}

/// Adds the gradient of `scale·Σ (pred − y)²` to `grads`, one `[∂w, ∂b]` per layer in the
/// order of `layers`: the input layer, each block's two, the output layer.
///
/// # Shapes
/// - x: `[batch, d_in]` row-major, y: `[batch]` (one output per row)
pub(crate) fn squared_error_grads<L: Backward>(
    x: &[f32],
    y: &[f32],
    layers: &[L],
    scale: f32,
    grads: &mut [L::Grad],
) {
    squared_error_grads_with(x, y, layers, scale, grads, &mut Tape::default());
}

/// [`squared_error_grads`] through a pass whose SiLUs `tape` records (a dropout mask's thinned
/// outputs and slopes carry through the way back unchanged); returns the predictions.
pub(crate) fn squared_error_grads_with<L: Backward>(
    x: &[f32],
    y: &[f32],
    layers: &[L],
    scale: f32,
    grads: &mut [L::Grad],
    tape: &mut impl Recording,
) -> Vec<f32> {
    let depth = depth(layers);
    assert_eq!(grads.len(), layers.len());
    let (input, output) = (&layers[0], &layers[1 + 2 * depth]);
    let mut pred = vec![0.0f32; y.len()];
    forward(x, layers, tape, &mut Scratch::default(), &mut pred);
    // The tape holds h₀, then per block k its r (at 2k + 1) and its output h (at 2k + 2); the
    // input of block k is the h before it (at 2k).
    let Tape { outputs, slopes } = tape.tape();
    let g_pred: Vec<f32> = pred
        .iter()
        .zip(y)
        .map(|(p, y)| 2.0 * scale * (p - y))
        .collect();
    let mut g_h = output.backward(
        &outputs[2 * depth],
        &g_pred,
        &mut grads[1 + 2 * depth],
        true,
    );
    for k in (0..depth).rev() {
        let (i1, i2) = Architecture::block(k);
        let (fc1, fc2) = (&layers[i1], &layers[i2]);
        // Through h ← silu(u): ∂u; the residual passes ∂u to the block's input unchanged.
        for (g, &d) in g_h.iter_mut().zip(&slopes[2 * k + 2]) {
            *g *= d;
        }
        let g_t: Vec<f32> = g_h.iter().map(|g| RESIDUAL_SCALE * g).collect();
        let mut g_a1 = fc2.backward(&outputs[2 * k + 1], &g_t, &mut grads[i2], true);
        for (g, &d) in g_a1.iter_mut().zip(&slopes[2 * k + 1]) {
            *g *= d;
        }
        let g_in = fc1.backward(&outputs[2 * k], &g_a1, &mut grads[i1], true);
        for (g, v) in g_h.iter_mut().zip(g_in) {
            *g += v;
        }
    }
    for (g, &d) in g_h.iter_mut().zip(&slopes[0]) {
        *g *= d;
    }
    input.backward(x, &g_h, &mut grads[0], false);
    pred
}

/// The network's outputs at `x` in f64, written from its definition (not from the code
/// above): the tests' reference. `layers` are `(w row-major [d_in, d_out], b)`.
#[cfg(test)]
pub(crate) fn outputs_f64(x: &[f64], layers: &[(Vec<f64>, Vec<f64>)]) -> Vec<f64> {
    use crate::maths::reference::silu;
    let dense = |input: &[f64], (w, b): &(Vec<f64>, Vec<f64>)| -> Vec<f64> {
        let (d_out, d_in) = (b.len(), w.len() / b.len());
        let rows = input.len() / d_in;
        (0..rows * d_out)
            .map(|i| {
                let (r, o) = (i / d_out, i % d_out);
                b[o] + (0..d_in)
                    .map(|p| input[r * d_in + p] * w[p * d_out + o])
                    .sum::<f64>()
            })
            .collect()
    };
    let depth = (layers.len() - 2) / 2;
    let mut h: Vec<f64> = dense(x, &layers[0]).into_iter().map(silu).collect();
    for k in 0..depth {
        let r: Vec<f64> = dense(&h, &layers[1 + 2 * k])
            .into_iter()
            .map(silu)
            .collect();
        let t = dense(&r, &layers[2 + 2 * k]);
        h = h
            .iter()
            .zip(&t)
            .map(|(h, t)| silu(h + f64::from(RESIDUAL_SCALE) * t))
            .collect();
    }
    dense(&h, &layers[1 + 2 * depth])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loss in f64, from the reference pass.
    fn loss(x: &[f64], y: &[f64], layers: &[(Vec<f64>, Vec<f64>)], scale: f64) -> f64 {
        let pred = outputs_f64(x, layers);
        scale
            * pred
                .iter()
                .zip(y)
                .map(|(p, y)| (p - y).powi(2))
                .sum::<f64>()
    }

    /// Every weight's and bias's gradient against a central finite difference of the loss in
    /// f64, on a small network with two residual blocks.
    #[test]
    fn the_gradient_is_the_finite_difference_of_the_loss() {
        let (d_in, width, depth, batch) = (3, 4, 2, 5);
        let mut seed = 1u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f64 / (1u32 << 24) as f64 * 2.0 - 1.0
        };
        let mut dims = vec![(d_in, width)];
        dims.extend(std::iter::repeat_n((width, width), 2 * depth));
        dims.push((width, 1));
        let layers: Vec<(Vec<f64>, Vec<f64>)> = dims
            .iter()
            .map(|&(i, o)| {
                (
                    (0..i * o).map(|_| next()).collect(),
                    (0..o).map(|_| next()).collect(),
                )
            })
            .collect();
        let x: Vec<f64> = (0..batch * d_in).map(|_| 2.0 * next()).collect();
        let y: Vec<f64> = (0..batch).map(|_| next()).collect();
        let scale = 1.0 / batch as f64;
        let f32s = |v: &[f64]| v.iter().map(|&v| v as f32).collect::<Vec<f32>>();
        let values: Vec<[Vec<f32>; 2]> = layers.iter().map(|(w, b)| [f32s(w), f32s(b)]).collect();
        let dense: Vec<Dense> = values.iter().map(|[w, b]| Dense { w, b }).collect();
        let mut grads: Vec<[Vec<f32>; 2]> = values
            .iter()
            .map(|[w, b]| [vec![0.0; w.len()], vec![0.0; b.len()]])
            .collect();
        squared_error_grads(&f32s(&x), &f32s(&y), &dense, scale as f32, &mut grads);
        let mut checked = 0;
        for (l, grad) in grads.iter().enumerate() {
            for (part, g) in grad.iter().enumerate() {
                for (i, &g) in g.iter().enumerate() {
                    let at = |delta: f64| {
                        let mut moved = layers.clone();
                        let values = if part == 0 {
                            &mut moved[l].0
                        } else {
                            &mut moved[l].1
                        };
                        values[i] += delta;
                        loss(&x, &y, &moved, scale)
                    };
                    let h = 1e-5;
                    let fd = (at(h) - at(-h)) / (2.0 * h);
                    assert!(
                        (f64::from(g) - fd).abs() <= 1e-4 * fd.abs().max(0.1),
                        "layer {l} part {part} [{i}]: {g} vs finite difference {fd}"
                    );
                    checked += usize::from(fd.abs() > 1e-3);
                }
            }
        }
        assert!(
            checked > 50,
            "only {checked} gradients far from zero: the check is weak"
        );
    }
}
