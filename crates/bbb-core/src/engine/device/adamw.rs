//! AdamW and the global-norm clip on burn tensors, the device engine's optimiser: the formulas
//! of [`crate::maths::reference::adamw`] and [`clip_factor`](crate::maths::reference::clip_factor)
//! as tensor ops, so nothing is read back.
//!
//! burn ships AdamW and gradient clipping, but its clipping scales each tensor by its own norm;
//! PyTorch's `clip_grad_norm_` scales every gradient by one factor from the norm of all of them
//! together, so both are written out here.

use burn::tensor::Tensor;

use crate::maths::reference::AdamWSettings;

/// AdamW state on the device: first and second moments and a step count per parameter.
///
/// As in PyTorch, a parameter without a gradient (the rhos during the warmup, which uses only
/// the means) is skipped entirely: no decay, no moment update, and its step count — hence its
/// bias correction — starts when it first receives a gradient.
#[derive(Clone, Debug)]
pub struct DeviceAdamW {
    settings: AdamWSettings,
    m: Vec<Tensor<2>>,
    v: Vec<Tensor<2>>,
    t: Vec<u32>,
}

impl DeviceAdamW {
    /// Fresh state (zero moments) for parameters shaped like `params`.
    pub fn new(settings: AdamWSettings, params: &[Tensor<2>]) -> Self {
        let zeros: Vec<Tensor<2>> = params.iter().map(|p| p.zeros_like()).collect();
        Self {
            settings,
            m: zeros.clone(),
            v: zeros,
            t: vec![0; params.len()],
        }
    }

    /// Steps taken so far by each parameter.
    pub fn steps(&self) -> &[u32] {
        &self.t
    }

    /// The first and second moments of each parameter.
    pub fn moments(&self) -> (&[Tensor<2>], &[Tensor<2>]) {
        (&self.m, &self.v)
    }

    /// Continues from moments `m`, `v` and step counts `t` (shaped like the parameters).
    pub fn restore(&mut self, m: Vec<Tensor<2>>, v: Vec<Tensor<2>>, t: Vec<u32>) {
        assert!(m.len() == self.m.len() && v.len() == self.v.len() && t.len() == self.t.len());
        (self.m, self.v, self.t) = (m, v, t);
    }

    /// One update with learning rate `lr`; returns the new parameters.
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
            self.t[i] += 1;
            let (bc1, bc2) = s.bias_corrections(self.t[i]);
            let m = self.m[i].clone().mul_scalar(s.beta1) + g.clone().mul_scalar(1.0 - s.beta1);
            let v =
                self.v[i].clone().mul_scalar(s.beta2) + g.powi_scalar(2).mul_scalar(1.0 - s.beta2);
            let denom = v.clone().div_scalar(bc2).sqrt().add_scalar(s.eps);
            let update = m.clone().div(denom).mul_scalar(lr / bc1);
            out.push(p.mul_scalar(1.0 - lr * s.weight_decay) - update);
            self.m[i] = m;
            self.v[i] = v;
        }
        out
    }
}

/// Scales all gradients by one factor so that their joint L2 norm is at most `max_norm`.
/// Missing gradients are left out of the norm and stay missing.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::maths::reference::{adamw, clip_factor};

    fn vals(t: &Tensor<2>) -> Vec<f64> {
        t.clone()
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect()
    }

    const SETTINGS: AdamWSettings = AdamWSettings {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.1,
    };

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

    /// Three steps against the reference in `f64`; a parameter without a gradient is neither
    /// decayed nor stepped.
    #[test]
    fn steps_follow_the_reference() {
        let device = test_device();
        let mut p = vec![
            Tensor::<2>::from_floats([[1.0, -2.0]], &device),
            Tensor::<2>::from_floats([[7.0]], &device),
        ];
        let mut reference = [[1.0, 0.0, 0.0], [-2.0, 0.0, 0.0]];
        let mut opt = DeviceAdamW::new(SETTINGS, &p);
        for step in 1..=3u32 {
            let g = [0.5, -0.25 * f64::from(step)];
            let grads = vec![
                Some(Tensor::<2>::from_floats(
                    [[g[0] as f32, g[1] as f32]],
                    &device,
                )),
                None,
            ];
            p = opt.step(p, grads, 0.01);
            for (r, g) in reference.iter_mut().zip(g) {
                *r = adamw(&SETTINGS, (r[0], r[1], r[2]), g, step, 0.01);
            }
            for (a, r) in vals(&p[0]).iter().zip(&reference) {
                assert!((a - r[0]).abs() < 1e-6, "step {step}: {a} vs {}", r[0]);
            }
        }
        assert_eq!(vals(&p[1]), vec![7.0]);
        assert_eq!(opt.steps(), &[3, 0]);
        assert_eq!(clip_factor(13.0, 1.0), 1.0 / (13.0 + 1e-6));
    }
}
