//! Marsaglia & Tsang's ziggurat sampler for the standard normal: on the CPU backends every
//! weight draw `eps ~ N(0, 1)` comes from here, millions per epoch, so the fast path is a
//! multiply and a compare.

use crate::rng::Rng;

const LAYERS: usize = 128;
const R: f64 = 3.442_619_855_899;
const V: f64 = 9.912_563_035_262_17e-3;
/// Magnitude bits per draw: 32 random bits give 7 for the layer and a signed 25-bit value,
/// plenty for an `f32` sample. Each 64-bit output of the generator makes two draws.
const SCALE: f64 = (1u32 << 24) as f64;

/// Marsaglia & Tsang's ziggurat sampler for the standard normal (128 layers).
#[derive(Clone, Debug)]
pub struct Ziggurat {
    rng: Rng,
    k: [u32; LAYERS],
    w: [f32; LAYERS],
    f: [f64; LAYERS],
}

impl Ziggurat {
    /// A sampler with its own seeded stream.
    pub fn new(seed: u64) -> Self {
        let (mut k, mut w, mut f) = ([0u32; LAYERS], [0.0f32; LAYERS], [0.0; LAYERS]);
        let mut dn = R;
        let mut tn = dn;
        let q = V / (-0.5 * dn * dn).exp();
        k[0] = ((dn / q) * SCALE) as u32;
        k[1] = 0;
        w[0] = (q / SCALE) as f32;
        w[LAYERS - 1] = (dn / SCALE) as f32;
        f[0] = 1.0;
        f[LAYERS - 1] = (-0.5 * dn * dn).exp();
        for i in (1..LAYERS - 1).rev() {
            dn = (-2.0 * (V / dn + (-0.5 * dn * dn).exp()).ln()).sqrt();
            k[i + 1] = ((dn / tn) * SCALE) as u32;
            tn = dn;
            f[i] = (-0.5 * dn * dn).exp();
            w[i] = (dn / SCALE) as f32;
        }
        Self {
            rng: Rng::new(seed),
            k,
            w,
            f,
        }
    }

    /// One draw from 32 random bits: the fast path (~99 % of draws) is a multiply and a compare.
    #[inline]
    fn draw_bits(&mut self, bits: u32) -> f32 {
        let iz = (bits & (LAYERS as u32 - 1)) as usize;
        let hz = (bits as i32) >> 7; // signed 25-bit value, independent of the layer bits
        if hz.unsigned_abs() < self.k[iz] {
            return hz as f32 * self.w[iz];
        }
        self.slow(hz, iz)
    }

    #[cold]
    fn slow(&mut self, mut hz: i32, mut iz: usize) -> f32 {
        loop {
            let x = hz as f64 * self.w[iz] as f64;
            if iz == 0 {
                // The tail beyond R, by Marsaglia's exponential rejection.
                loop {
                    let xt = -(1.0 - self.rng.uniform()).ln() / R;
                    let yt = -(1.0 - self.rng.uniform()).ln();
                    if yt + yt >= xt * xt {
                        return (if hz > 0 { R + xt } else { -R - xt }) as f32;
                    }
                }
            }
            let u = self.rng.uniform();
            if self.f[iz] + u * (self.f[iz - 1] - self.f[iz]) < (-0.5 * x * x).exp() {
                return x as f32;
            }
            let bits = self.rng.next_u64() as u32;
            iz = (bits & (LAYERS as u32 - 1)) as usize;
            hz = (bits as i32) >> 7;
            if hz.unsigned_abs() < self.k[iz] {
                return hz as f32 * self.w[iz];
            }
        }
    }

    /// One standard-normal draw.
    pub fn sample(&mut self) -> f32 {
        let bits = self.rng.next_u64() as u32;
        self.draw_bits(bits)
    }

    /// Fills `out` with standard-normal draws, two per 64 random bits.
    pub fn fill(&mut self, out: &mut [f32]) {
        let mut pairs = out.chunks_exact_mut(2);
        for pair in &mut pairs {
            let bits = self.rng.next_u64();
            pair[0] = self.draw_bits(bits as u32);
            pair[1] = self.draw_bits((bits >> 32) as u32);
        }
        for v in pairs.into_remainder() {
            *v = self.sample();
        }
    }
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

    /// `n` draws of a sampler seeded with `seed`, in f64.
    fn draws(seed: u64, n: usize) -> Vec<f64> {
        let mut out = vec![0.0f32; n];
        Ziggurat::new(seed).fill(&mut out);
        out.into_iter().map(f64::from).collect()
    }

    #[test]
    fn ziggurat_is_standard_normal() {
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

    /// The base layer's tail (|x| > R) takes its own code path: its mass and its shape are
    /// checked against the normal within four standard errors.
    #[test]
    fn ziggurat_tail_is_the_normal_tail() {
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
            "{count} draws beyond R, expected {} ± {sd}",
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

    #[test]
    fn host_noise_is_reproducible() {
        let a: Vec<f32> = {
            let mut z = Ziggurat::new(5);
            let mut v = vec![0.0; 64];
            z.fill(&mut v);
            v
        };
        let mut z = Ziggurat::new(5);
        let mut b = vec![0.0; 64];
        z.fill(&mut b);
        assert_eq!(a, b);
    }
}
