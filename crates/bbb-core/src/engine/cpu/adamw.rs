//! AdamW and the global-norm clip on host vectors, the CPU engine's optimiser: the formulas of
//! [`crate::maths::reference::adamw`] and [`clip_factor`] as one fused loop per tensor.

use crate::maths::reference::{clip_factor, AdamWSettings};

/// AdamW state on the host: first and second moments and a step count per parameter; a
/// parameter without a gradient is skipped entirely, as on the device.
#[derive(Clone, Debug)]
pub struct HostAdamW {
    settings: AdamWSettings,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    t: Vec<u32>,
}

impl HostAdamW {
    /// Fresh state (zero moments) for parameters of `sizes` elements each.
    pub fn new(settings: AdamWSettings, sizes: &[usize]) -> Self {
        let zeros: Vec<Vec<f32>> = sizes.iter().map(|&n| vec![0.0; n]).collect();
        Self {
            settings,
            m: zeros.clone(),
            v: zeros,
            t: vec![0; sizes.len()],
        }
    }

    /// Steps taken so far by each parameter.
    pub fn steps(&self) -> &[u32] {
        &self.t
    }

    /// The first and second moments of each parameter.
    pub fn moments(&self) -> (&[Vec<f32>], &[Vec<f32>]) {
        (&self.m, &self.v)
    }

    /// Continues from moments `m`, `v` and step counts `t`.
    ///
    /// # Panics
    /// If a moment's length differs from this state's.
    pub fn restore(&mut self, m: Vec<Vec<f32>>, v: Vec<Vec<f32>>, t: Vec<u32>) {
        let same = |a: &[Vec<f32>], b: &[Vec<f32>]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.len() == y.len())
        };
        assert!(same(&m, &self.m) && same(&v, &self.v) && t.len() == self.t.len());
        (self.m, self.v, self.t) = (m, v, t);
    }

    /// One update with learning rate `lr`, in place.
    ///
    /// # Panics
    /// If a gradient's length differs from its parameter's.
    pub fn step(&mut self, params: &mut [Vec<f32>], grads: &[Option<Vec<f32>>], lr: f64) {
        let s = self.settings;
        for (i, (p, g)) in params.iter_mut().zip(grads).enumerate() {
            let Some(g) = g else { continue };
            self.t[i] += 1;
            let (bc1, bc2) = s.bias_corrections(self.t[i]);
            let (m, v) = (&mut self.m[i], &mut self.v[i]);
            assert!(g.len() == p.len() && m.len() == p.len() && v.len() == p.len());
            let (b1, b2) = (s.beta1 as f32, s.beta2 as f32);
            let (c1, c2) = ((1.0 - s.beta1) as f32, (1.0 - s.beta2) as f32);
            let (bc2, eps) = (bc2 as f32, s.eps as f32);
            let (decay, rate) = ((1.0 - lr * s.weight_decay) as f32, (lr / bc1) as f32);
            for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                *m = *m * b1 + g * c1;
                *v = *v * b2 + g * g * c2;
                let denom = (*v / bc2).sqrt() + eps;
                *p = *p * decay - *m / denom * rate;
            }
        }
    }
}

/// Scales all gradients, in place, by one factor so that their joint L2 norm is at most
/// `max_norm`; missing gradients stay missing. Returns the norm before clipping.
pub fn clip_global_norm(grads: &mut [Option<Vec<f32>>], max_norm: f64) -> f64 {
    let total: f64 = grads.iter().flatten().map(|g| sum_of_squares(g)).sum();
    let norm = total.sqrt();
    let factor = clip_factor(norm, max_norm) as f32;
    if factor < 1.0 {
        for g in grads.iter_mut().flatten() {
            g.iter_mut().for_each(|x| *x *= factor);
        }
    }
    norm
}

/// `Σ x²` in sixteen `f32` lanes (so it vectorises), the lanes added in `f64`.
fn sum_of_squares(x: &[f32]) -> f64 {
    let mut lanes = [0.0f32; 16];
    let chunks = x.chunks_exact(16);
    let tail: f64 = chunks.remainder().iter().map(|&v| f64::from(v * v)).sum();
    for c in chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l += v * v;
        }
    }
    lanes.iter().map(|&l| f64::from(l)).sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maths::reference::adamw;

    pub(crate) const SETTINGS: AdamWSettings = AdamWSettings {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.1,
    };

    /// Four clipped steps against the reference in `f64`, with a parameter that gets no
    /// gradient (neither decayed nor counted) and norms that need clipping.
    #[test]
    fn clipped_steps_follow_the_reference() {
        let mut params: Vec<Vec<f32>> = vec![vec![1.0, -2.0, 0.5], vec![7.0], vec![0.1, 0.2]];
        let mut reference: Vec<Vec<[f64; 3]>> = params
            .iter()
            .map(|p| p.iter().map(|&v| [f64::from(v), 0.0, 0.0]).collect())
            .collect();
        let mut opt = HostAdamW::new(SETTINGS, &[3, 1, 2]);
        for step in 1..=4u32 {
            let k = step as f32;
            let grads = vec![
                Some(vec![3.0 - k, 4.0 * k, -1.5]),
                None,
                Some(vec![0.25 * k, -2.0]),
            ];
            let norm: f64 = grads
                .iter()
                .flatten()
                .flatten()
                .map(|&g| f64::from(g).powi(2))
                .sum::<f64>()
                .sqrt();
            let factor = clip_factor(norm, 2.0);
            assert!(factor < 1.0, "step {step}: the clip must act");
            let mut clipped = grads.clone();
            assert!((clip_global_norm(&mut clipped, 2.0) - norm).abs() < 1e-9 * norm);
            opt.step(&mut params, &clipped, 0.05);
            for (r, g) in reference.iter_mut().zip(&grads) {
                let Some(g) = g else { continue };
                for (r, &g) in r.iter_mut().zip(g) {
                    *r = adamw(
                        &SETTINGS,
                        (r[0], r[1], r[2]),
                        f64::from(g) * factor,
                        step,
                        0.05,
                    );
                }
            }
            for (p, r) in params.iter().zip(&reference) {
                for (&p, r) in p.iter().zip(r) {
                    assert!(
                        (f64::from(p) - r[0]).abs() < 1e-6,
                        "step {step}: {p} vs {}",
                        r[0]
                    );
                }
            }
        }
        assert_eq!(opt.steps(), &[4, 0, 4]);
        assert_eq!(params[1], vec![7.0]);
    }
}
