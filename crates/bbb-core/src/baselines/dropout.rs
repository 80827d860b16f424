//! MC dropout (Gal and Ghahramani, 2016): every hidden unit of the residual network is kept
//! with probability `1 − p` and scaled by `1/(1 − p)` (inverted dropout), in training and in
//! the predictive alike; the predictive is the spread of the networks that different masks
//! leave. Units here are each SiLU's outputs: the input layer's, each block's inner layer's and
//! each block's output (the residual stream), `2·depth + 1` masks per pass.
//!
//! A mask thins a SiLU's outputs and its slopes alike, so the backward pass of the plain network
//! (`engine/cpu/backprop.rs`) gives the thinned network's gradient unchanged.

use crate::engine::cpu::network::{Keep, Nothing, Recording, Tape};
use crate::maths::kernels::silu_in_place;
use crate::maths::rng::Rng;

/// A pass's SiLUs with a fresh dropout mask on each, drawn from `rng`; `keep` records what the
/// way back needs (a [`Tape`]) or nothing.
pub(crate) struct Dropout<'r, K> {
    pub keep: K,
    rate: f64,
    rng: &'r mut Rng,
}

impl<'r, K> Dropout<'r, K> {
    /// Masks of drop rate `rate` (in `[0, 1)`) drawn from `rng`.
    pub fn new(keep: K, rate: f64, rng: &'r mut Rng) -> Self {
        assert!((0.0..1.0).contains(&rate), "a drop rate in [0, 1)");
        Self { keep, rate, rng }
    }

    /// One mask over `n` units: `0` (dropped) or `1/(1 − rate)`.
    fn mask(&mut self, n: usize) -> Vec<f32> {
        let kept = (1.0 / (1.0 - self.rate)) as f32;
        (0..n)
            .map(|_| {
                if self.rng.uniform() < self.rate {
                    0.0
                } else {
                    kept
                }
            })
            .collect()
    }
}

fn thin(values: &mut [f32], mask: &[f32]) {
    for (v, m) in values.iter_mut().zip(mask) {
        *v *= m;
    }
}

impl Keep for Dropout<'_, Nothing> {
    fn silu(&mut self, values: &mut [f32]) {
        silu_in_place(values);
        if self.rate > 0.0 {
            let mask = self.mask(values.len());
            thin(values, &mask);
        }
    }
}

impl Keep for Dropout<'_, Tape> {
    fn silu(&mut self, values: &mut [f32]) {
        self.keep.silu(values);
        if self.rate > 0.0 {
            let mask = self.mask(values.len());
            thin(values, &mask);
            let tape = &mut self.keep;
            thin(tape.outputs.last_mut().expect("just recorded"), &mask);
            thin(tape.slopes.last_mut().expect("just recorded"), &mask);
        }
    }
}

impl Recording for Dropout<'_, Tape> {
    fn tape(&self) -> &Tape {
        &self.keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baselines::point_net::PointNet;
    use crate::config::Config;
    use crate::engine::cpu::backprop::squared_error_grads_with;
    use crate::model::Architecture;

    fn setup() -> (PointNet, Vec<f32>, Vec<f32>) {
        let mut config = Config::quick();
        (config.width, config.depth) = (6, 2);
        let mut rng = Rng::new(11);
        let net = PointNet::init(&Architecture::of(&config), &mut rng);
        let x = (0..8 * 9)
            .map(|_| rng.uniform_in(-1.0, 1.0) as f32)
            .collect();
        let y = (0..8).map(|_| rng.normal() as f32).collect();
        (net, x, y)
    }

    fn grads(net: &PointNet, (x, y): (&[f32], &[f32]), keep: &mut impl Recording) -> Vec<f32> {
        let mut g = net.zeros();
        squared_error_grads_with(x, y, &net.dense(), 1.0, &mut g, keep);
        g.into_iter().flatten().flatten().collect()
    }

    #[test]
    fn rate_zero_is_the_deterministic_network() {
        let (net, x, y) = setup();
        let mut rng = Rng::new(1);
        let plain = net.predict(&x, &mut Nothing);
        assert_eq!(
            net.predict(&x, &mut Dropout::new(Nothing, 0.0, &mut rng)),
            plain
        );
        let g = grads(&net, (&x, &y), &mut Tape::default());
        assert_eq!(
            grads(
                &net,
                (&x, &y),
                &mut Dropout::new(Tape::default(), 0.0, &mut rng)
            ),
            g
        );
    }

    #[test]
    fn the_share_dropped_is_the_rate() {
        let mut rng = Rng::new(2);
        for rate in [0.1, 0.5] {
            let mask = Dropout::new(Nothing, rate, &mut rng).mask(100_000);
            let dropped = mask.iter().filter(|&&m| m == 0.0).count() as f64 / 1e5;
            let se = (rate * (1.0 - rate) / 1e5).sqrt();
            assert!(
                (dropped - rate).abs() < 4.0 * se,
                "{dropped} for rate {rate}"
            );
            let kept = mask.iter().find(|&&m| m != 0.0).unwrap();
            assert!((f64::from(*kept) - 1.0 / (1.0 - rate)).abs() < 1e-6);
        }
    }

    /// The thinned network's gradient is the finite difference of the thinned network's loss
    /// (the same masks in both passes: the same generator, drawn in the same order).
    #[test]
    fn the_gradient_is_that_of_the_thinned_network() {
        let (net, x, y) = setup();
        let g = grads(
            &net,
            (&x, &y),
            &mut Dropout::new(Tape::default(), 0.4, &mut Rng::new(3)),
        );
        let loss = |net: &PointNet| -> f64 {
            let pred = net.predict(&x, &mut Dropout::new(Nothing, 0.4, &mut Rng::new(3)));
            pred.iter()
                .zip(&y)
                .map(|(p, y)| f64::from(p - y).powi(2))
                .sum()
        };
        let flat = net.to_flat();
        let mut zero = 0;
        for (i, &gi) in g.iter().enumerate() {
            let at = |d: f64| {
                let mut moved = net.clone();
                let mut t = flat.clone();
                t[i] += d;
                moved.set_flat(&t);
                loss(&moved)
            };
            let fd = (at(1e-2) - at(-1e-2)) / 2e-2;
            assert!(
                (f64::from(gi) - fd).abs() < 2e-2 * fd.abs().max(1.0),
                "[{i}] {gi} vs {fd}"
            );
            zero += usize::from(gi == 0.0);
        }
        assert!(
            zero > 10,
            "the masks dropped units: {zero} weights without gradient"
        );
    }
}
