//! The host loops (exponential, softplus, the normal sampler) compiled for the widest SIMD the
//! processor has. The loops are plain safe Rust that the compiler vectorises; on x86-64 each is
//! compiled three times (AVX-512F, AVX2 and the baseline SSE2) and the widest the processor
//! supports is chosen at run time. Elsewhere the loop runs as compiled (the browser build enables
//! SIMD128 for the whole module).

/// `widest_simd!(a_loop(x: &[f32], out: &mut [f32]))` calls `a_loop(x, out)` compiled for the
/// widest SIMD the processor has. The loop must be a function marked `#[inline(always)]`, so it
/// is compiled inside each variant (a closure or a plain call is not reliably inlined, and the
/// variant would then run the baseline code).
macro_rules! widest_simd {
    ($body:ident($($arg:ident: $ty:ty),* $(,)?)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f")]
            fn avx512($($arg: $ty),*) {
                $body($($arg),*)
            }
            #[target_feature(enable = "avx2")]
            fn avx2($($arg: $ty),*) {
                $body($($arg),*)
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                #[allow(unsafe_code)]
                // SAFETY: the processor has AVX-512F, checked on the line above: the only
                // requirement of `avx512`, whose body is the safe loop.
                unsafe {
                    avx512($($arg),*)
                }
            } else if std::arch::is_x86_feature_detected!("avx2") {
                #[allow(unsafe_code)]
                // SAFETY: the processor has AVX2, checked on the line above: the only
                // requirement of `avx2`.
                unsafe {
                    avx2($($arg),*)
                }
            } else {
                $body($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $body($($arg),*)
        }
    }};
}

pub(crate) use widest_simd;
