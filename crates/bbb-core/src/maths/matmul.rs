//! Matrix products on the host, for the passes written out by hand: the sampled forward pass
//! (`engine/cpu/pass.rs`) and the training network's gradient (`engine/cpu/backprop.rs`).
//! Either factor may be used transposed. Natively they go through `gemm` (the kernel burn's flex
//! backend calls too), which reads a transpose through its strides; in the browser through this
//! crate's own SIMD128 kernel (`matmul/simd128.rs`), several times faster there than `gemm`'s,
//! which reads the first factor through strides and gets the second one copied when it is
//! transposed.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

/// A row-major matrix's values, used as they are or transposed.
#[derive(Clone, Copy, Debug)]
pub enum Use<'a> {
    /// `[rows, cols]` as stored.
    Plain(&'a [f32]),
    /// The transpose of what is stored.
    Transposed(&'a [f32]),
}

impl<'a> Use<'a> {
    /// The values, row stride and column stride of this factor used as `[rows, cols]`.
    fn strides(self, rows: usize, cols: usize) -> (&'a [f32], usize, usize) {
        match self {
            Use::Plain(v) => (v, cols, 1),
            Use::Transposed(v) => (v, 1, rows),
        }
    }
}

/// `out [m, n] = a [m, k] · b [k, n]` (`add`: `out +=`), `out` row-major.
pub fn matmul(out: &mut [f32], add: bool, a: Use, b: Use, (m, k, n): (usize, usize, usize)) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let a = a.strides(m, k);
        let plain: Vec<f32>;
        let b = match b {
            Use::Plain(b) => b,
            Use::Transposed(stored) => {
                // Stored `[n, k]`: its transpose, row-major.
                assert_eq!(stored.len(), k * n);
                plain = (0..k * n).map(|i| stored[(i % n) * k + i / n]).collect();
                &plain
            }
        };
        assert!(out.len() == m * n && a.0.len() == m * k && b.len() == k * n);
        simd128::matmul(out, add, a, b, (m, k, n));
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    with_gemm(out, add, a, b, (m, k, n));
}

/// [`matmul`] through `gemm` on every target (natively [`matmul`] is this; in the browser it is
/// the benchmark's baseline).
pub fn with_gemm(out: &mut [f32], add: bool, a: Use, b: Use, (m, k, n): (usize, usize, usize)) {
    let (a, a_rs, a_cs) = a.strides(m, k);
    let (b, b_rs, b_cs) = b.strides(k, n);
    assert!(out.len() == m * n && a.len() == m * k && b.len() == k * n);
    #[allow(unsafe_code)]
    // SAFETY: `out`, `a` and `b` hold exactly `m·n`, `m·k` and `k·n` values (asserted above)
    // and the strides address each as a `[rows, cols]` matrix or its transpose within those
    // bounds; `out` is borrowed mutably, so nothing aliases it; `f32` is a type `gemm` accepts.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            add,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The product by its definition, `a` and `b` given as `[m, k]` and `[k, n]` functions.
    fn naive(
        m: usize,
        k: usize,
        n: usize,
        a: impl Fn(usize, usize) -> f32,
        b: impl Fn(usize, usize) -> f32,
    ) -> Vec<f32> {
        (0..m * n)
            .map(|i| (0..k).map(|p| a(i / n, p) * b(p, i % n)).sum())
            .collect()
    }

    #[test]
    fn every_use_of_the_factors_is_the_product_by_definition() {
        let (m, k, n) = (5, 3, 4);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.91).cos()).collect();
        // The same values stored transposed: a as [k, m], b as [n, k].
        let at: Vec<f32> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
        let bt: Vec<f32> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        let want = naive(m, k, n, |i, p| a[i * k + p], |p, j| b[p * n + j]);
        for (ua, ub) in [
            (Use::Plain(&a), Use::Plain(&b)),
            (Use::Transposed(&at), Use::Plain(&b)),
            (Use::Plain(&a), Use::Transposed(&bt)),
            (Use::Transposed(&at), Use::Transposed(&bt)),
        ] {
            let mut out = vec![1.0; m * n];
            matmul(&mut out, true, ua, ub, (m, k, n));
            for (o, w) in out.iter().zip(&want) {
                assert!((o - (w + 1.0)).abs() < 1e-5, "{o} vs {}", w + 1.0);
            }
            matmul(&mut out, false, ua, ub, (m, k, n));
            for (o, w) in out.iter().zip(&want) {
                assert!((o - w).abs() < 1e-5, "{o} vs {w}");
            }
        }
    }
}
