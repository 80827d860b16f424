//! SiLU with a vectorisable exponential, for every pass on the CPU backends: the passes that need
//! no gradient (the evaluations and the predictive) and the training network's.
//!
//! burn's CPU kernels call the scalar `expf` once per element, and that made SiLU cost more than
//! the matrix product feeding it (`bbb-cli bench` measures both). Here the exponential is a
//! Cephes-style polynomial written with plain `f32` arithmetic and bit operations only — no
//! branches, no library calls — so the compiler turns the loop into SIMD code (SSE/AVX natively,
//! SIMD128 in the browser). In training the slope comes from the same loop and enters burn's graph
//! as a constant factor ([`silu_tracked_host`]); on a GPU SiLU stays in burn's ops.

use crate::maths::normals::ln;
use crate::maths::simd::widest_simd;

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

/// `σ = softplus(ρ) = max(ρ, 0) + log1p(e^(−|ρ|))` and its derivative `sigmoid(ρ)`, element by
/// element: on x86-64 in AVX-512 or AVX2 when the processor has them, elsewhere as compiled (the
/// browser build has SIMD128). Accurate to a few units in the last place for `ρ > −87`; below,
/// where `σ` is under `10⁻³⁷`, the exponential's clamp keeps it positive.
pub fn softplus_and_slope(rho: &[f32], sigma: &mut [f32], slope: &mut [f32]) {
    assert!(sigma.len() == rho.len() && slope.len() == rho.len());
    widest_simd!(softplus_loop(rho: &[f32], sigma: &mut [f32], slope: &mut [f32]))
}

#[inline(always)]
fn softplus_loop(rho: &[f32], sigma: &mut [f32], slope: &mut [f32]) {
    for ((&r, s), d) in rho.iter().zip(sigma.iter_mut()).zip(slope.iter_mut()) {
        let e = exp(-r.abs()); // (0, 1]
        let u = 1.0 + e;
        // log1p(e) = ln(u)·e/(u − 1): the rounding of 1 + e cancels (exact where u = 1).
        let du = u - 1.0;
        let log1p = if du == 0.0 { e } else { ln(u) * (e / du) };
        // A select, not `f32::max`: its NaN rule keeps the browser build from vectorising
        // the loop (one library call per lane), and ρ is never NaN here.
        *s = if r > 0.0 { r } else { 0.0 } + log1p;
        let inv = 1.0 / u;
        *d = if r >= 0.0 { inv } else { e * inv };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maths::reference;

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
            let exact = reference::silu(x64);
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
    fn softplus_and_its_slope_against_f64() {
        let rho: Vec<f32> = (-8000..=3000).map(|i| i as f32 * 0.01).collect();
        let (mut sigma, mut slope) = (vec![0.0; rho.len()], vec![0.0; rho.len()]);
        softplus_and_slope(&rho, &mut sigma, &mut slope);
        for ((&r, &s), &d) in rho.iter().zip(&sigma).zip(&slope) {
            let r64 = f64::from(r);
            let exact = reference::softplus(r64);
            let exact_slope = reference::sigmoid(r64);
            let ulp = f64::from(f32::EPSILON);
            assert!(
                (f64::from(s) - exact).abs() <= 4.0 * ulp * exact,
                "softplus({r}) = {s}, exact {exact}"
            );
            assert!(
                (f64::from(d) - exact_slope).abs() <= 4.0 * ulp * exact_slope,
                "sigmoid({r}) = {d}, exact {exact_slope}"
            );
        }
    }
}
