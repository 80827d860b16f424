//! The product's kernel for the browser (wasm SIMD128). `gemm`'s wasm kernel keeps more
//! accumulators than an x86-64 engine has vector registers, so it spills; this one keeps a
//! tile of 4 rows × 8 columns in 8 registers, and runs several times faster in V8 on the
//! products here (`[128, 72]·[72, 72]`). Each output is its dot product summed in order.

use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

/// `out [m, n] = a · b` (`add`: `out +=`): `a` is `[m, k]` read through its row and column
/// strides, `b` row-major `[k, n]`, `out` row-major.
pub(crate) fn matmul(
    out: &mut [f32],
    add: bool,
    (a, a_rs, a_cs): (&[f32], usize, usize),
    b: &[f32],
    (m, k, n): (usize, usize, usize),
) {
    assert!(out.len() == m * n && b.len() == k * n);
    assert!(m == 0 || k == 0 || (m - 1) * a_rs + (k - 1) * a_cs < a.len());
    let dims = Dims {
        add,
        a_rs,
        a_cs,
        k,
        n,
    };
    let mut i = 0;
    while i + 4 <= m {
        rows::<4>(out, a, b, i, dims);
        i += 4;
    }
    for i in i..m {
        rows::<1>(out, a, b, i, dims);
    }
}

#[derive(Clone, Copy)]
struct Dims {
    add: bool,
    a_rs: usize,
    a_cs: usize,
    k: usize,
    n: usize,
}

/// Rows `i..i + R` of the product: 8 columns at a time, then 4, then one by one.
#[inline(always)]
fn rows<const R: usize>(out: &mut [f32], a: &[f32], b: &[f32], i: usize, d: Dims) {
    let mut j = 0;
    while j + 8 <= d.n {
        tile::<R, 2>(out, a, b, i, j, d);
        j += 8;
    }
    while j + 4 <= d.n {
        tile::<R, 1>(out, a, b, i, j, d);
        j += 4;
    }
    for j in j..d.n {
        for r in i..i + R {
            let dot = (0..d.k).fold(0.0f32, |s, p| {
                s + a[r * d.a_rs + p * d.a_cs] * b[p * d.n + j]
            });
            let o = &mut out[r * d.n + j];
            *o = if d.add { *o + dot } else { dot };
        }
    }
}

/// The `R × 4V` tile of the product at row `i`, column `j`, in `R·V` vector accumulators.
#[inline(always)]
fn tile<const R: usize, const V: usize>(
    out: &mut [f32],
    a: &[f32],
    b: &[f32],
    i: usize,
    j: usize,
    d: Dims,
) {
    // Every index below is inside the slices: rows i..i+R < m and columns j..j+4V ≤ n, with the
    // sizes asserted in `matmul`; the loads and stores are unaligned 16-byte accesses.
    assert!((i + R - 1) * d.a_rs + d.k.saturating_sub(1) * d.a_cs < a.len().max(1));
    assert!(j + 4 * V <= d.n && (i + R) * d.n <= out.len());
    let (a, b, out) = (a.as_ptr(), b.as_ptr(), out.as_mut_ptr());
    let mut acc = [[f32x4_splat(0.0); V]; R];
    #[allow(unsafe_code)]
    // SAFETY: the asserts above and in `matmul` bound every offset read or written here.
    unsafe {
        for p in 0..d.k {
            let row = b.add(p * d.n + j);
            let bv: [v128; V] = core::array::from_fn(|v| v128_load(row.add(4 * v).cast()));
            for (r, acc) in acc.iter_mut().enumerate() {
                let av = f32x4_splat(*a.add((i + r) * d.a_rs + p * d.a_cs));
                for (acc, &bv) in acc.iter_mut().zip(&bv) {
                    *acc = f32x4_add(*acc, f32x4_mul(av, bv));
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let o = out.add((i + r) * d.n + j);
            for (v, &acc) in acc.iter().enumerate() {
                let o = o.add(4 * v).cast::<v128>();
                v128_store(
                    o,
                    if d.add {
                        f32x4_add(v128_load(o), acc)
                    } else {
                        acc
                    },
                );
            }
        }
    }
}
