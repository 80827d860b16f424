//! The optimiser of the tutorial: AdamW with PyTorch's semantics, one global-norm gradient clip,
//! and cosine annealing of the learning rate over the VI stage.
//!
//! burn ships AdamW and gradient clipping, but its clipping scales each tensor by its own norm;
//! PyTorch's `clip_grad_norm_` scales every gradient by one factor from the norm of all of them
//! together. Both pieces are written out here, on plain tensors, so each line can be checked
//! against the formulas.

use burn::tensor::Tensor;

/// Hyperparameters of AdamW.
#[derive(Clone, Copy, Debug)]
pub struct AdamWSettings {
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub eps: f64,
    /// Decoupled weight decay, `p ← p − lr·λ·p`, on every parameter.
    pub weight_decay: f64,
}

/// AdamW state: first and second moments and a step count per parameter.
///
/// As in PyTorch, a parameter without a gradient (the rhos during the warmup, which uses only
/// the means) is skipped entirely: no decay, no moment update, and its step count — hence its
/// bias correction — starts when it first receives a gradient.
///
/// The moments live where the parameters do: as tensors on the device ([`AdamW::new`],
/// [`AdamW::step`]) or as plain vectors on the host ([`AdamW::new_host`],
/// [`AdamW::step_host`], one fused loop per parameter; the training step of the CPU backends).
#[derive(Clone, Debug)]
pub struct AdamW {
    settings: AdamWSettings,
    moments: Moments,
    t: Vec<u32>,
}

#[derive(Clone, Debug)]
enum Moments {
    Device {
        m: Vec<Tensor<2>>,
        v: Vec<Tensor<2>>,
    },
    Host {
        m: Vec<Vec<f32>>,
        v: Vec<Vec<f32>>,
    },
}

/// One step's scalars for one parameter: its count goes up, and the bias corrections follow.
struct StepScalars {
    bc1: f64,
    bc2: f64,
}

impl AdamW {
    /// Fresh state (zero moments on the device) for parameters shaped like `params`.
    pub fn new(settings: AdamWSettings, params: &[Tensor<2>]) -> Self {
        let zeros: Vec<Tensor<2>> = params.iter().map(|p| p.zeros_like()).collect();
        Self {
            settings,
            moments: Moments::Device {
                m: zeros.clone(),
                v: zeros,
            },
            t: vec![0; params.len()],
        }
    }

    /// Fresh state (zero moments on the host) for parameters of `sizes` elements each.
    pub fn new_host(settings: AdamWSettings, sizes: &[usize]) -> Self {
        let zeros: Vec<Vec<f32>> = sizes.iter().map(|&n| vec![0.0; n]).collect();
        Self {
            settings,
            moments: Moments::Host {
                m: zeros.clone(),
                v: zeros,
            },
            t: vec![0; sizes.len()],
        }
    }

    /// Steps taken so far by parameter `i`.
    pub fn steps(&self, i: usize) -> u32 {
        self.t[i]
    }

    /// Whether the moments are on the host ([`step_host`](Self::step_host)).
    pub fn on_host(&self) -> bool {
        matches!(self.moments, Moments::Host { .. })
    }

    fn count_step(&mut self, i: usize) -> StepScalars {
        self.t[i] += 1;
        let t = self.t[i] as i32;
        let s = self.settings;
        StepScalars {
            bc1: 1.0 - s.beta1.powi(t),
            bc2: 1.0 - s.beta2.powi(t),
        }
    }

    /// One update with learning rate `lr`; returns the new parameters.
    ///
    /// `p ← p(1 − lr·λ)`, `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
    /// `p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)`.
    ///
    /// # Panics
    /// If the state was made by [`new_host`](Self::new_host).
    pub fn step(
        &mut self,
        params: Vec<Tensor<2>>,
        grads: Vec<Option<Tensor<2>>>,
        lr: f64,
    ) -> Vec<Tensor<2>> {
        let s = self.settings;
        let mut out = Vec::with_capacity(params.len());
        for (i, (p, g)) in params.into_iter().zip(grads).enumerate() {
            let Some(g) = g else {
                out.push(p);
                continue;
            };
            let StepScalars { bc1, bc2 } = self.count_step(i);
            let Moments::Device { m: ms, v: vs } = &mut self.moments else {
                panic!("AdamW::step on a host state: use step_host");
            };
            let m = ms[i].clone().mul_scalar(s.beta1) + g.clone().mul_scalar(1.0 - s.beta1);
            let v = vs[i].clone().mul_scalar(s.beta2) + g.powi_scalar(2).mul_scalar(1.0 - s.beta2);
            let denom = v.clone().div_scalar(bc2).sqrt().add_scalar(s.eps);
            let update = m.clone().div(denom).mul_scalar(lr / bc1);
            out.push(p.mul_scalar(1.0 - lr * s.weight_decay) - update);
            ms[i] = m;
            vs[i] = v;
        }
        out
    }

    /// The same update as [`step`](Self::step) on host vectors, in place, one fused loop per
    /// parameter.
    ///
    /// # Panics
    /// If the state was made by [`new`](Self::new), or a gradient's length differs from its
    /// parameter's.
    pub fn step_host(&mut self, params: &mut [Vec<f32>], grads: &[Option<Vec<f32>>], lr: f64) {
        let s = self.settings;
        for (i, (p, g)) in params.iter_mut().zip(grads).enumerate() {
            let Some(g) = g else { continue };
            let StepScalars { bc1, bc2 } = self.count_step(i);
            let Moments::Host { m, v } = &mut self.moments else {
                panic!("AdamW::step_host on a device state: use step");
            };
            let (m, v) = (&mut m[i], &mut v[i]);
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

/// Scales all gradients by one factor so that their joint L2 norm is at most `max_norm`
/// (PyTorch's `clip_grad_norm_`: factor `min(1, max_norm / (norm + 1e-6))`). Missing
/// gradients are left out of the norm and stay missing.
///
/// Returns the clipped gradients and the norm before clipping (`[1]`, still on the device, so
/// nothing is read back here).
pub fn clip_global_norm(
    grads: Vec<Option<Tensor<2>>>,
    max_norm: f64,
) -> (Vec<Option<Tensor<2>>>, Tensor<1>) {
    let squares = grads
        .iter()
        .flatten()
        .map(|g| g.clone().powi_scalar(2).sum());
    let total = squares.reduce(|a, b| a + b).expect("at least one gradient");
    let norm = total.sqrt();
    let factor = norm
        .clone()
        .add_scalar(1e-6)
        .recip()
        .mul_scalar(max_norm)
        .clamp_max(1.0)
        .reshape([1, 1]);
    let clipped = grads
        .into_iter()
        .map(|g| g.map(|g| g * factor.clone()))
        .collect();
    (clipped, norm)
}

/// [`clip_global_norm`] on host vectors, in place; returns the norm before clipping.
pub fn clip_global_norm_host(grads: &mut [Option<Vec<f32>>], max_norm: f64) -> f64 {
    let total: f64 = grads.iter().flatten().map(|g| sum_of_squares(g)).sum();
    let norm = total.sqrt();
    let factor = (max_norm / (norm + 1e-6)).min(1.0) as f32;
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

/// Cosine annealing from `base` to `min` over `total` steps, after `done` steps:
/// `min + (base − min)(1 + cos(π·done/total))/2`.
pub fn cosine_lr(base: f64, min: f64, done: usize, total: usize) -> f64 {
    let progress = done.min(total) as f64 / total.max(1) as f64;
    min + (base - min) * (1.0 + (std::f64::consts::PI * progress).cos()) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::test_device;

    fn vals(t: &Tensor<2>) -> Vec<f64> {
        t.clone()
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect()
    }

    /// The SPEC's formula written out, `1e-4 + 3e-4·(1 + cos(π t / T))/2`, against the code.
    #[test]
    fn cosine_schedule_is_the_specs_formula() {
        let spec = |t: f64, total: f64| {
            1e-4 + 3e-4 * (1.0 + (std::f64::consts::PI * t / total).cos()) / 2.0
        };
        for (t, total) in [
            (0, 1000),
            (50, 1000),
            (250, 1000),
            (500, 1000),
            (1000, 1000),
            (20, 80),
        ] {
            let ours = cosine_lr(4e-4, 1e-4, t, total);
            assert!(
                (ours - spec(t as f64, total as f64)).abs() < 1e-15,
                "t={t}/{total}: {ours}"
            );
            // The tolerance tells neighbouring steps apart, so an off-by-one fails.
            if t > 0 {
                assert!((ours - spec(t as f64 - 1.0, total as f64)).abs() > 1e-10);
            }
        }
        // The tutorial's printed rates (six decimals) after VI epochs 50, 500 and 1000.
        assert_eq!(
            format!("{:.6}", cosine_lr(4e-4, 1e-4, 50, 1000)),
            "0.000398"
        );
        assert_eq!(
            format!("{:.6}", cosine_lr(4e-4, 1e-4, 500, 1000)),
            "0.000250"
        );
        assert_eq!(
            cosine_lr(4e-4, 1e-4, 2000, 1000),
            1e-4,
            "clamped past the end"
        );
    }

    #[test]
    fn global_norm_clip_scales_every_gradient_by_one_factor() {
        let device = test_device();
        // Joint norm of [3, 4] and [12] is 13 → factor 1/13.
        let g = vec![
            Some(Tensor::<2>::from_floats([[3.0, 4.0]], &device)),
            None,
            Some(Tensor::<2>::from_floats([[12.0]], &device)),
        ];
        let (c, norm) = clip_global_norm(g.clone(), 1.0);
        assert!(c[1].is_none());
        let c: Vec<Tensor<2>> = c.into_iter().flatten().collect();
        assert!((norm.into_scalar::<f32>() - 13.0).abs() < 1e-5);
        let f = 1.0 / (13.0 + 1e-6);
        for (a, b) in vals(&c[0]).iter().zip([3.0 * f, 4.0 * f]) {
            assert!((a - b).abs() < 1e-6);
        }
        assert!((vals(&c[1])[0] - 12.0 * f).abs() < 1e-6);
        // Per-tensor clipping would have left [3, 4] at norm 5 → 1 and 12 → 1; global does not.
        let joint: f64 = c.iter().flat_map(vals).map(|x| x * x).sum::<f64>().sqrt();
        assert!((joint - 1.0).abs() < 1e-5);
        // Under the limit nothing changes.
        let (c, _) = clip_global_norm(g, 100.0);
        assert_eq!(vals(c[0].as_ref().unwrap()), vec![3.0, 4.0]);
    }

    const SETTINGS: AdamWSettings = AdamWSettings {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.1,
    };

    #[test]
    fn one_adamw_step_by_hand() {
        let device = test_device();
        let s = SETTINGS;
        let p = vec![
            Tensor::<2>::from_floats([[1.0, -2.0]], &device),
            Tensor::<2>::from_floats([[7.0]], &device),
        ];
        let g = vec![Some(Tensor::<2>::from_floats([[0.5, 0.0]], &device)), None];
        let mut opt = AdamW::new(s, &p);
        let lr = 0.01;
        let p1 = opt.step(p, g.clone(), lr);
        // Step 1: m̂ = g, v̂ = g², so the Adam move is lr·g/(|g| + ε) = lr·sign(g) where g ≠ 0.
        let decay = 1.0 - lr * 0.1;
        let expect = [1.0 * decay - lr * 0.5 / (0.5 + 1e-8), -2.0 * decay];
        for (a, b) in vals(&p1[0]).iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        // Step 2 with the same gradient, by the formulas.
        let p2 = opt.step(p1.clone(), g, lr);
        let (m, v) = (0.9 * 0.05 + 0.1 * 0.5, 0.999 * 0.00025 + 0.001 * 0.25);
        let (mh, vh): (f64, f64) = (m / (1.0 - 0.81), v / (1.0 - 0.998001));
        let x = vals(&p1[0])[0];
        let expect0 = x * decay - lr * mh / (vh.sqrt() + 1e-8);
        assert!((vals(&p2[0])[0] - expect0).abs() < 1e-6);
        assert_eq!(opt.steps(0), 2);
        // A parameter without a gradient is neither decayed nor stepped.
        assert_eq!(vals(&p2[1]), vec![7.0]);
        assert_eq!(opt.steps(1), 0);
    }

    /// The host's fused loops against the tensor ops, over several steps, with a parameter
    /// that gets no gradient and a norm that needs clipping.
    #[test]
    fn the_host_optimiser_is_the_tensor_optimiser() {
        let device = test_device();
        let s = SETTINGS;
        let p0: Vec<Vec<f32>> = vec![vec![1.0, -2.0, 0.5], vec![7.0], vec![0.1, 0.2]];
        let tensors = |v: &[Vec<f32>]| -> Vec<Tensor<2>> {
            v.iter()
                .map(|v| {
                    Tensor::from_data(
                        burn::tensor::TensorData::new(v.clone(), [1, v.len()]),
                        &device,
                    )
                })
                .collect()
        };
        let mut dev = AdamW::new(s, &tensors(&p0));
        let mut host = AdamW::new_host(s, &[3, 1, 2]);
        let (mut pd, mut ph) = (tensors(&p0), p0.clone());
        for step in 0..4 {
            let k = step as f32;
            let g = vec![
                Some(vec![3.0 - k, 4.0 * k, -1.5]),
                None,
                Some(vec![0.25 * k, -2.0]),
            ];
            let gd: Vec<Option<Tensor<2>>> = g
                .iter()
                .map(|g| {
                    g.as_ref()
                        .map(|g| tensors(std::slice::from_ref(g)).remove(0))
                })
                .collect();
            let (gd, norm_d) = clip_global_norm(gd, 2.0);
            let mut gh = g.clone();
            let norm_h = clip_global_norm_host(&mut gh, 2.0);
            assert!((f64::from(norm_d.into_scalar::<f32>()) - norm_h).abs() < 1e-5 * norm_h);
            pd = dev.step(pd, gd, 0.05);
            host.step_host(&mut ph, &gh, 0.05);
            for (a, b) in pd.iter().zip(&ph) {
                for (x, y) in vals(a).iter().zip(b) {
                    assert!((x - f64::from(*y)).abs() < 1e-6, "step {step}: {x} vs {y}");
                }
            }
        }
        assert_eq!((host.steps(0), host.steps(1)), (4, 0));
        assert_eq!(ph[1], vec![7.0]);
    }
}
