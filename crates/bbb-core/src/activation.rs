//! SiLU with a vectorisable exponential, for every pass on the CPU backends: the passes that need
//! no gradient (the evaluations and the predictive) and the training network's.
//!
//! burn's CPU kernels call the scalar `expf` once per element, and that made SiLU cost more than
//! the matrix product feeding it (`bbb-cli bench` measures both). Here the exponential is a
//! Cephes-style polynomial written with plain `f32` arithmetic and bit operations only — no
//! branches, no library calls — so the compiler turns the loop into SIMD code (SSE/AVX natively,
//! SIMD128 in the browser). In training the slope comes from the same loop and enters burn's graph
//! as a constant factor ([`silu_tracked_host`]); on a GPU SiLU stays in burn's ops.

use burn::tensor::{Tensor, TensorData};

use crate::simd::widest_simd;

/// `e^x` to within about two units in the last place for `x` in [−87, 88]; the argument is
/// clamped to that range, so the result is finite and positive for every finite `x`.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two, so `n·LN2_HI` is exact for the n that occur here.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5·2²³: adding it rounds to the nearest integer and leaves that integer in the low bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    // e^r on [−ln2/2, ln2/2] (Cephes `expf` coefficients).
    let p = 1.987_569_1e-4f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5e-1;
    let p = p * r * r + r + 1.0;
    // 2^n from n's bits in t: (n + 127) in the exponent field, for n in [−126, 127].
    let two_n = f32::from_bits((t.to_bits() << 23).wrapping_add(127 << 23));
    p * two_n
}

/// `x · sigmoid(x) = x / (1 + e^(−x))`, element by element, in place: on x86-64 in the widest
/// SIMD the processor has (AVX-512, AVX2, else the baseline SSE2), elsewhere as compiled (the
/// browser build enables SIMD128 for the whole module).
pub fn silu_in_place(values: &mut [f32]) {
    widest_simd!(silu_loop(values: &mut [f32]))
}

#[inline(always)]
fn silu_loop(values: &mut [f32]) {
    for v in values.iter_mut() {
        *v /= 1.0 + exp(-*v);
    }
}

/// SiLU of a tensor computed on the host: the values are read back, transformed and uploaded
/// again. Only for tensors already in host memory (the CPU backends) and not tracked for
/// gradients.
pub fn silu_host<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    let shape = x.shape();
    let mut values = x
        .into_data()
        .try_into_vec::<f32>()
        .expect("the network's activations are f32");
    silu_in_place(&mut values);
    Tensor::from_data(TensorData::new(values, shape), &device)
}

/// `(silu(x), silu'(x))` for every `x`: the value as in [`silu_in_place`], the slope
/// `σ(x)·(1 + x·(1 − σ(x)))`, in the widest SIMD the processor has (as [`silu_in_place`]).
pub fn silu_and_slope(x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let (mut value, mut slope) = (vec![0.0f32; x.len()], vec![0.0f32; x.len()]);
    let (v, d) = (&mut value[..], &mut slope[..]);
    widest_simd!(slope_loop(x: &[f32], v: &mut [f32], d: &mut [f32]));
    (value, slope)
}

#[inline(always)]
fn slope_loop(x: &[f32], value: &mut [f32], slope: &mut [f32]) {
    for ((&x, v), d) in x.iter().zip(value.iter_mut()).zip(slope.iter_mut()) {
        let e = 1.0 + exp(-x);
        let sigmoid = 1.0 / e;
        *v = x / e;
        *d = sigmoid * (1.0 + x * (1.0 - sigmoid));
    }
}

/// SiLU of a tensor that may be tracked for gradients, with the exponential on the host (the
/// CPU backends). The value and the slope `d` are computed from `x`'s values, and the result is
/// built as `silu(x̄) + (x − x̄)·d`, `x̄` being `x` cut from the graph: its value is exactly
/// `silu(x̄)` (`x − x̄` is zero) and its gradient with respect to `x` is exactly `d`. Three
/// element-wise ops forward and one backward, against burn's five and four with a scalar
/// exponential per element.
pub fn silu_tracked_host<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if !x.is_autodiff() {
        return silu_host(x);
    }
    let device = x.device();
    let shape = x.shape();
    let bare = x.clone().detach();
    let values = bare
        .clone()
        .into_data()
        .try_into_vec::<f32>()
        .expect("the network's activations are f32");
    let (value, slope) = silu_and_slope(&values);
    let value = Tensor::from_data(TensorData::new(value, shape.clone()), &device);
    let slope = Tensor::from_data(TensorData::new(slope, shape), &device);
    value + (x - bare) * slope
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every float in [−80, 80] on a fine grid, and the awkward points.
    fn inputs() -> Vec<f32> {
        let mut v: Vec<f32> = (-800_000..=800_000).map(|i| i as f32 * 1e-4).collect();
        v.extend([
            0.0,
            -0.0,
            1e-30,
            -1e-30,
            0.346_573_6,
            -0.346_573_6,
            87.0,
            -87.0,
        ]);
        v
    }

    #[test]
    fn exp_is_within_two_ulp_of_the_exact_value() {
        let mut worst = 0.0f64;
        for x in inputs() {
            let exact = (x as f64).exp();
            let ulp = f64::from(f32::EPSILON) * exact;
            worst = worst.max((f64::from(exp(x)) - exact).abs() / ulp);
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
        // Far outside the range it stays finite and tiny or huge, never 0, ∞ or NaN.
        for x in [-1e4f32, -200.0, -88.5, 88.5, 200.0, 1e4] {
            let e = exp(x);
            assert!(e.is_finite() && e > 0.0, "{x}: {e}");
        }
        assert!(exp(-1e4) < 1e-37 && exp(1e4) > 1e38);
    }

    #[test]
    fn silu_matches_the_exact_function() {
        let xs = inputs();
        let mut ys = xs.clone();
        silu_in_place(&mut ys);
        for (x, y) in xs.iter().zip(&ys) {
            let x64 = f64::from(*x);
            let exact = x64 / (1.0 + (-x64).exp());
            let tol = 4.0 * f64::from(f32::EPSILON) * exact.abs() + 1e-37;
            assert!(
                (f64::from(*y) - exact).abs() <= tol,
                "silu({x}) = {y}, exact {exact}"
            );
        }
        // The limits: identity far right, −0 far left, NaN stays NaN.
        let mut v = [1e4f32, 200.0, -200.0, -1e4, f32::NAN];
        silu_in_place(&mut v);
        assert_eq!(&v[..2], &[1e4, 200.0]);
        assert!(v[2] <= 0.0 && v[2] > -1e-35 && v[3] <= 0.0 && v[3] > -1e-33);
        assert!(v[4].is_nan());
    }

    #[test]
    fn silu_on_the_host_agrees_with_the_tensor_form() {
        let device = crate::backend::test_device();
        let x = Tensor::<3>::from_floats(
            [[[-30.0, -2.5, -0.1, 0.0], [0.7, 3.0, 15.0, 40.0]]],
            &device,
        );
        let ours: Vec<f32> = silu_host(x.clone()).into_data().try_into_vec().unwrap();
        let burns: Vec<f32> = crate::model::silu(x).into_data().try_into_vec().unwrap();
        assert_eq!(ours.len(), 8);
        for (a, b) in ours.iter().zip(&burns) {
            assert!((a - b).abs() <= 4e-7 * b.abs().max(1e-6), "{a} vs {b}");
        }
    }

    /// The tracked host SiLU inside a graph: its value is SiLU's and the gradient that flows
    /// back through it is `w·silu'(x)`, against the exact function in f64 and against burn's
    /// autodiff of the tensor form.
    #[test]
    fn tracked_silu_on_the_host_has_silus_value_and_gradient() {
        let device = crate::backend::test_device();
        let xs = [-30.0f32, -4.0, -1.3, -0.2, 0.0, 0.4, 1.7, 5.0, 12.0];
        let ws = [0.3f32, -1.1, 2.0, 0.7, -0.4, 1.5, -2.2, 0.9, 1.0];
        let tensor =
            |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [3, 3]), &device);
        let values = |t: Tensor<2>| -> Vec<f32> { t.into_data().try_into_vec().unwrap() };
        let run = |f: fn(Tensor<2>) -> Tensor<2>| {
            let x = tensor(&xs).autodiff().require_grad();
            // Something before and after, so the gradient passes through the op.
            let y = f(x.clone().mul_scalar(2.0));
            let grads = (y.clone() * tensor(&ws)).sum().backward();
            (values(y), values(x.grad(&grads).unwrap()))
        };
        let (value, grad) = run(silu_tracked_host);
        let (burn_value, burn_grad) = run(crate::model::silu);
        for i in 0..xs.len() {
            let u = 2.0 * f64::from(xs[i]);
            let sigmoid = 1.0 / (1.0 + (-u).exp());
            let exact_value = u * sigmoid;
            let exact_grad = 2.0 * f64::from(ws[i]) * sigmoid * (1.0 + u * (1.0 - sigmoid));
            let close = |a: f32, b: f64| (f64::from(a) - b).abs() <= 1e-6 * b.abs().max(1e-3);
            assert!(close(value[i], exact_value), "silu({u}) = {}", value[i]);
            assert!(
                close(grad[i], exact_grad),
                "grad at {u}: {} vs {exact_grad}",
                grad[i]
            );
            assert!(
                close(burn_grad[i], exact_grad),
                "burn's grad at {u}: {}",
                burn_grad[i]
            );
            assert!(close(burn_value[i], exact_value));
        }
    }
}
