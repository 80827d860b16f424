//! Standard normals for the CPU backends' weight noise, many at a time.
//!
//! A full-preset epoch draws about eleven million normals, so the sampler is written for SIMD:
//! [`LANES`] independent xoshiro128++ generators run side by side, and their 32-bit outputs go
//! through the Box–Muller transform (`r = √(−2 ln u)`, angle `2πv`) with the logarithm, sine and
//! cosine written as polynomials in plain `f32`/`u32` arithmetic. With no branches and no
//! library calls, the compiler turns each step into vector code: AVX-512 or AVX2 natively
//! (picked at run time), SIMD128 in the browser. Only exactly rounded operations are used (no
//! fused multiply–add), so the browser and the CLI draw the same numbers from the same seed.
//!
//! The smallest `u` is 2⁻³², so no draw exceeds 6.7 in magnitude (probability 2·10⁻¹¹ for a
//! true normal): far below anything a Monte-Carlo estimate here could notice.

use crate::maths::simd::widest_simd;

/// Generators side by side: one AVX-512 register of `u32`, four SIMD128 registers.
pub const LANES: usize = 16;
/// Draws per step: two (a cosine and a sine) per lane.
const BLOCK: usize = 2 * LANES;

/// A seeded stream of standard normals (xoshiro128++ × [`LANES`], Box–Muller).
#[derive(Clone, Debug)]
pub struct Normals {
    state: [[u32; LANES]; 4],
    /// The rest of the last step's draws, from `next` on.
    spare: [f32; BLOCK],
    next: usize,
}

/// SplitMix64: spreads a seed over the generators' state.
fn splitmix(z: &mut u64) -> u64 {
    *z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut x = *z;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Normals {
    /// A stream whose every draw is fixed by `seed`.
    #[allow(clippy::needless_range_loop)] // a lane is a column across the four state words
    pub fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut state = [[0u32; LANES]; 4];
        for lane in 0..LANES {
            for pair in 0..2 {
                let bits = splitmix(&mut z);
                state[2 * pair][lane] = bits as u32;
                state[2 * pair + 1][lane] = (bits >> 32) as u32;
            }
            if (0..4).all(|w| state[w][lane] == 0) {
                state[0][lane] = 1; // the one state xoshiro never leaves
            }
        }
        Self {
            state,
            spare: [0.0; BLOCK],
            next: BLOCK,
        }
    }

    /// One standard-normal draw.
    pub fn sample(&mut self) -> f32 {
        let mut v = [0.0];
        self.fill(&mut v);
        v[0]
    }

    /// Fills `out` with standard-normal draws: the stream's next `out.len()`, however the
    /// calls are cut.
    pub fn fill(&mut self, out: &mut [f32]) {
        let n = self;
        widest_simd!(fill_loop(n: &mut Normals, out: &mut [f32]))
    }

    /// The next 32 random bits of every lane (xoshiro128++).
    #[inline(always)]
    fn bits(&mut self) -> [u32; LANES] {
        let [s0, s1, s2, s3] = &mut self.state;
        let mut out = [0u32; LANES];
        for l in 0..LANES {
            out[l] = s0[l].wrapping_add(s3[l]).rotate_left(7).wrapping_add(s0[l]);
            let t = s1[l] << 9;
            s2[l] ^= s0[l];
            s3[l] ^= s1[l];
            s1[l] ^= s2[l];
            s0[l] ^= s3[l];
            s2[l] ^= t;
            s3[l] = s3[l].rotate_left(11);
        }
        out
    }

    /// The next [`BLOCK`] draws: per lane, `r·cos θ` then (`LANES` further on) `r·sin θ`.
    #[inline(always)]
    fn step(&mut self, out: &mut [f32; BLOCK]) {
        let radius = self.bits();
        let angle = self.bits();
        let (cos, sin) = out.split_at_mut(LANES);
        for l in 0..LANES {
            // u in (0, 1]: 31 bits, half a step above zero.
            let u = ((radius[l] >> 1) as i32 as f32 + 0.5) * (1.0 / 2_147_483_648.0);
            let r = (-2.0 * ln(u)).sqrt();
            let (c, s) = cos_sin_turn(angle[l]);
            cos[l] = r * c;
            sin[l] = r * s;
        }
    }
}

#[inline(always)]
fn fill_loop(n: &mut Normals, out: &mut [f32]) {
    let from_spare = (BLOCK - n.next).min(out.len());
    let (head, rest) = out.split_at_mut(from_spare);
    head.copy_from_slice(&n.spare[n.next..n.next + from_spare]);
    n.next += from_spare;
    let mut blocks = rest.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        n.step(block.try_into().expect("a whole block"));
    }
    let tail = blocks.into_remainder();
    if !tail.is_empty() {
        let mut spare = [0.0; BLOCK];
        n.step(&mut spare);
        tail.copy_from_slice(&spare[..tail.len()]);
        n.spare = spare;
        n.next = tail.len();
    }
}

/// `ln u` for a positive normal `u`, to a few units in the last place: `u = 2^k·m` with `m` in
/// [√½, √2), and `ln m = 2 atanh s`, `s = (m − 1)/(m + 1)`, by its series to `s⁹`.
#[inline(always)]
pub(crate) fn ln(u: f32) -> f32 {
    const SQRT_HALF_BITS: u32 = 0x3f35_04f3;
    let ix = u.to_bits().wrapping_sub(SQRT_HALF_BITS);
    let k = (ix as i32 >> 23) as f32;
    let m = f32::from_bits((ix & 0x007f_ffff) + SQRT_HALF_BITS);
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    let series = ((((z * (1.0 / 9.0) + 1.0 / 7.0) * z + 1.0 / 5.0) * z + 1.0 / 3.0) * z) * s + s;
    k * std::f32::consts::LN_2 + 2.0 * series
}

/// `(cos 2πt, sin 2πt)` for the turn `t = bits / 2³²`: the top two bits pick the quadrant, the
/// rest give an angle `a` in [0, π/2) whose sine and cosine are Taylor polynomials (to `a¹¹`
/// and `a¹²`: error below 6·10⁻⁸), and the quadrant swaps and negates them.
#[inline(always)]
fn cos_sin_turn(bits: u32) -> (f32, f32) {
    let quadrant = bits >> 30;
    let a = (bits & 0x3fff_ffff) as i32 as f32 * (std::f32::consts::FRAC_PI_2 / 1_073_741_824.0);
    let z = a * a;
    let sin = (((((z * (-1.0 / 39_916_800.0) + 1.0 / 362_880.0) * z - 1.0 / 5040.0) * z
        + 1.0 / 120.0)
        * z
        - 1.0 / 6.0)
        * z)
        * a
        + a;
    let cos = (((((z * (1.0 / 479_001_600.0) - 1.0 / 3_628_800.0) * z + 1.0 / 40_320.0) * z
        - 1.0 / 720.0)
        * z
        + 1.0 / 24.0)
        * z
        - 0.5)
        * z
        + 1.0;
    // Odd quadrants swap the two; quadrants 1–2 negate the cosine, 2–3 the sine.
    let swap = (quadrant & 1).wrapping_neg();
    let (c, s) = (cos.to_bits(), sin.to_bits());
    let c_sw = (c & !swap) | (s & swap);
    let s_sw = (s & !swap) | (c & swap);
    let c_neg = (((quadrant + 1) >> 1) & 1) << 31;
    let s_neg = (quadrant >> 1) << 31;
    (f32::from_bits(c_sw ^ c_neg), f32::from_bits(s_sw ^ s_neg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal_cdf(x: f64) -> f64 {
        // Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7.
        let z = x.abs() / std::f64::consts::SQRT_2;
        let t = 1.0 / (1.0 + 0.327_591_1 * z);
        let poly = t
            * (0.254_829_592
                + t * (-0.284_496_736
                    + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
        let erf = 1.0 - poly * (-z * z).exp();
        0.5 * (1.0 + if x >= 0.0 { erf } else { -erf })
    }

    /// `n` draws of a stream seeded with `seed`, in f64.
    fn draws(seed: u64, n: usize) -> Vec<f64> {
        let mut out = vec![0.0f32; n];
        Normals::new(seed).fill(&mut out);
        out.into_iter().map(f64::from).collect()
    }

    #[test]
    fn draws_are_standard_normal() {
        let n = 400_000;
        let mut v = draws(3, n);
        let mean = v.iter().sum::<f64>() / n as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let kurt = v.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64 / (var * var);
        assert!(mean.abs() < 0.006, "mean {mean}");
        assert!((var - 1.0).abs() < 0.01, "var {var}");
        assert!((kurt - 3.0).abs() < 0.05, "kurtosis {kurt}");
        // Kolmogorov–Smirnov distance to the normal CDF (critical value at 1 %: 1.63/√n ≈ 0.0026).
        v.sort_by(f64::total_cmp);
        let ks = v
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let c = normal_cdf(*x);
                (c - i as f64 / n as f64)
                    .abs()
                    .max((c - (i + 1) as f64 / n as f64).abs())
            })
            .fold(0.0, f64::max);
        assert!(ks < 0.0026, "KS distance {ks}");
    }

    /// The tails beyond 3.4: their mass and the mean excess against the normal's, within four
    /// standard errors (a flaw in the logarithm or the radius shows here first).
    #[test]
    fn the_tails_are_the_normal_tails() {
        const R: f64 = 3.4;
        let n = 4_000_000;
        let tail: Vec<f64> = draws(11, n)
            .iter()
            .map(|x| x.abs())
            .filter(|&x| x > R)
            .collect();
        let q = 1.0 - normal_cdf(R);
        let p = 2.0 * q;
        let count = tail.len() as f64;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (count - n as f64 * p).abs() < 4.0 * sd,
            "{count} draws beyond {R}, expected {} ± {sd}",
            n as f64 * p
        );
        // E[|X| − R given |X| > R] = φ(R)/Q(R) − R for the normal.
        let phi = (-0.5 * R * R).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let expect = phi / q - R;
        let excess: Vec<f64> = tail.iter().map(|x| x - R).collect();
        let mean = excess.iter().sum::<f64>() / count;
        let var = excess.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (count - 1.0);
        let se = (var / count).sqrt();
        assert!(
            (mean - expect).abs() < 4.0 * se,
            "mean excess {mean} vs {expect} ± {se}"
        );
    }

    /// The pair from one lane is independent: the correlation of consecutive cosine/sine
    /// partners, and of neighbouring lanes, is zero within four standard errors.
    #[test]
    fn partners_and_neighbours_are_uncorrelated() {
        let v = draws(7, 32 * 40_000);
        let blocks = v.chunks_exact(BLOCK);
        let n = blocks.len() as f64 * LANES as f64;
        let (mut partners, mut neighbours, mut squares) = (0.0, 0.0, 0.0);
        for b in v.chunks_exact(BLOCK) {
            for l in 0..LANES {
                partners += b[l] * b[LANES + l];
                neighbours += b[l] * b[(l + 1) % LANES];
                squares += b[l] * b[l];
            }
        }
        let var = squares / n;
        assert!((var - 1.0).abs() < 0.01, "var {var}");
        for (name, sum) in [("partners", partners), ("neighbours", neighbours)] {
            let corr = sum / n;
            assert!(corr.abs() < 4.0 / n.sqrt(), "{name}: correlation {corr}");
        }
    }

    #[test]
    fn the_logarithm_and_the_turn() {
        for i in 1..=100_000u32 {
            let u = i as f32 * 1e-5;
            let (ours, exact) = (ln(u) as f64, (u as f64).ln());
            assert!((ours - exact).abs() < 2e-7 * exact.abs().max(1.0), "ln {u}");
        }
        for &u in &[f32::MIN_POSITIVE, 4.656_613e-10, 1.0] {
            assert!((ln(u) as f64 - (u as f64).ln()).abs() < 1e-5, "ln {u}");
        }
        for i in 0..=65_536u32 {
            let bits = i.wrapping_mul(65_536).wrapping_add(i);
            let t = 2.0 * std::f64::consts::PI * bits as f64 / 4_294_967_296.0;
            let (c, s) = cos_sin_turn(bits);
            assert!((c as f64 - t.cos()).abs() < 3e-7, "cos at {bits}: {c}");
            assert!((s as f64 - t.sin()).abs() < 3e-7, "sin at {bits}: {s}");
        }
    }

    /// The same stream however the fills are cut.
    #[test]
    fn the_stream_does_not_depend_on_how_it_is_read() {
        let whole = draws(5, 200);
        let mut n = Normals::new(5);
        let mut parts = Vec::new();
        for len in [1, 3, 31, 32, 33, 0, 64, 36] {
            let mut v = vec![0.0f32; len];
            n.fill(&mut v);
            parts.extend(v.into_iter().map(f64::from));
        }
        assert_eq!(parts, whole);
        assert_ne!(draws(6, 200), whole);
    }
}
