//! Which engine a run gets: the CPU engine on a CPU backend with the host's noise, burn on the
//! device otherwise.

use burn::tensor::Device;

use crate::config::backend::on_host;
use crate::engine::cpu::CpuEngine;
use crate::engine::device::DeviceEngine;
use crate::engine::seam::Engine;
use crate::maths::reference::AdamWSettings;
use crate::model::noise::Noise;
use crate::model::Regressor;

/// The engine for a run on `device` whose training draws from `noise`: the CPU engine with
/// the host's noise on a CPU backend, burn on the device otherwise.
pub fn engine_for(
    model: Regressor,
    settings: AdamWSettings,
    noise: Noise,
    device: &Device,
) -> Box<dyn Engine> {
    match noise {
        Noise::Host(normals) if on_host(device) => {
            Box::new(CpuEngine::new(model, settings, normals, device.clone()))
        }
        noise => Box::new(DeviceEngine::new(model, settings, noise)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::config::Config;
    use crate::data::N_FEATURES;
    use crate::engine::cpu::CpuEngine;
    use crate::engine::device::DeviceEngine;
    use crate::engine::seam::{EngineKind, Loss, Update};
    use crate::maths::normals::Normals;
    use crate::maths::rng::Rng;
    use crate::model::elbo::ElboSettings;
    use crate::model::estimator::Estimator;

    const SETTINGS: AdamWSettings = AdamWSettings {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 1e-5,
    };

    /// A small network with ρ spread over [−3, 0], so every draw moves the output.
    fn model() -> Regressor {
        let config = Config {
            width: 8,
            depth: 2,
            ..Config::default()
        };
        Regressor::init(&config, &mut Rng::new(4), &test_device())
            .with_rhos_in((-3.0, 0.0), &mut Rng::new(5))
    }

    fn batch() -> (Vec<f32>, Vec<f32>) {
        let mut rng = Rng::new(6);
        let x = (0..16 * N_FEATURES).map(|_| rng.normal() as f32).collect();
        let y = (0..16).map(|_| rng.normal() as f32).collect();
        (x, y)
    }

    fn values(m: &Regressor) -> Vec<Vec<f32>> {
        m.params()
            .into_iter()
            .map(|p| p.into_data().try_into_vec_as::<f32>().unwrap())
            .collect()
    }

    fn elbo(kl_weight: f64) -> Loss {
        Loss::Elbo(
            ElboSettings {
                num_batches: 7,
                kl_weight,
                prior_sigma: 0.9,
                mc_samples: 2,
            },
            Estimator::Reparameterisation,
        )
    }

    /// Whole steps (gradient, clip, AdamW) on both engines from the same normals: warmup steps,
    /// then ELBO steps with a clip that binds, leave the same parameters on both.
    #[test]
    fn both_engines_take_the_same_steps() {
        let device = test_device();
        let mut cpu = engine_for(model(), SETTINGS, Noise::host(11), &device);
        assert_eq!(cpu.kind(), EngineKind::Cpu);
        let mut burn = DeviceEngine::new(model(), SETTINGS, Noise::host(11));
        let (x, y) = batch();
        let mse = Update {
            loss: Loss::Mse,
            lr: 1e-2,
            clip_norm: 1.0,
        };
        let vi = Update {
            loss: elbo(0.5),
            lr: 1e-2,
            clip_norm: 0.5,
        };
        let start = values(cpu.model());
        for update in [mse, mse, vi, vi, vi] {
            cpu.step(&x, &y, &update);
            burn.step(&x, &y, &update);
        }
        let (ours, burns) = (values(cpu.model()), values(burn.model()));
        for (i, ((a, b), s)) in ours.iter().zip(&burns).zip(&start).enumerate() {
            let moved = a
                .iter()
                .zip(s)
                .fold(0.0f32, |m, (a, s)| m.max((a - s).abs()));
            assert!(moved > 1e-3, "tensor {i} did not move");
            for (a, b) in a.iter().zip(b) {
                assert!(
                    (a - b).abs() <= 1e-5 + 1e-4 * b.abs(),
                    "tensor {i}: {a} vs {b}"
                );
            }
        }
        assert_eq!(cpu.optimizer_steps(), burn.optimizer_steps());
        // Means took all five steps, ρs the three of the ELBO.
        assert_eq!(&cpu.optimizer_steps()[..2], &[5, 3]);
    }

    /// An engine's state read back to the host, tensor by tensor.
    fn read(engine: &dyn Engine) -> crate::engine::EngineState {
        let state = engine.state();
        let n = state.tensors.len() / 3;
        let mut host: Vec<Vec<f32>> = state
            .tensors
            .iter()
            .map(|t| t.to_data().try_into_vec_as::<f32>().unwrap())
            .collect();
        let v = host.split_off(2 * n);
        let m = host.split_off(n);
        crate::engine::EngineState {
            params: host,
            m,
            v,
            steps: state.steps,
            noise: state.noise,
        }
    }

    /// burn's engine hands its state to the CPU engine (a WebGPU run going on on the CPU):
    /// the CPU engine holds the very same numbers, and from them both take the same next steps
    /// (moments, steps and noise carried over; fresh moments would step elsewhere).
    #[test]
    fn the_state_carries_from_one_engine_to_the_other() {
        let device = test_device();
        let mut burn = DeviceEngine::new(model(), SETTINGS, Noise::host(11));
        let mut cpu = engine_for(model(), SETTINGS, Noise::host(99), &device);
        let (x, y) = batch();
        let (mse, vi) = (
            Update {
                loss: Loss::Mse,
                lr: 1e-2,
                clip_norm: 1.0,
            },
            Update {
                loss: elbo(0.5),
                lr: 1e-2,
                clip_norm: 0.5,
            },
        );
        for update in [mse, mse, vi, vi] {
            burn.step(&x, &y, &update);
        }
        let state = read(&burn);
        cpu.restore(state.clone());
        let back = read(cpu.as_ref());
        assert_eq!(
            (&back.params, &back.m, &back.v),
            (&state.params, &state.m, &state.v)
        );
        assert_eq!(cpu.optimizer_steps(), [4, 2].repeat(state.steps.len() / 2));
        for _ in 0..3 {
            burn.step(&x, &y, &vi);
            cpu.step(&x, &y, &vi);
        }
        for (i, (a, b)) in values(cpu.model())
            .iter()
            .zip(values(burn.model()))
            .enumerate()
        {
            for (a, b) in a.iter().zip(&b) {
                assert!(
                    (a - b).abs() <= 1e-5 + 1e-4 * b.abs(),
                    "tensor {i}: {a} vs {b}"
                );
            }
        }
    }

    /// With the KL weighted far above the data's term, every engine's steps pull the posterior
    /// towards the prior: its KL falls. A KL whose sign flipped in the loss or in its gradient
    /// would push it away instead.
    #[test]
    fn steps_lower_the_kl_when_it_dominates() {
        let device = test_device();
        let kl = |m: &Regressor| m.kl(0.9).into_scalar::<f32>();
        let (x, y) = batch();
        let update = Update {
            loss: elbo(1e3),
            lr: 1e-2,
            clip_norm: 1e9,
        };
        let engines: Vec<Box<dyn Engine>> = vec![
            Box::new(CpuEngine::new(
                model(),
                SETTINGS,
                Box::new(Normals::new(3)),
                device.clone(),
            )),
            Box::new(DeviceEngine::new(model(), SETTINGS, Noise::host(3))),
        ];
        for mut engine in engines {
            let before = kl(engine.model());
            for _ in 0..20 {
                engine.step(&x, &y, &update);
            }
            let after = kl(engine.model());
            assert!(
                after < 0.9 * before,
                "{:?}: KL {before} → {after}",
                engine.kind()
            );
        }
    }
}
