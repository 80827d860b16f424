//! The CPU engine behind the [seam](crate::engine::Engine).

use std::sync::OnceLock;

use burn::tensor::{Device, Tensor, TensorData};

use crate::engine::cpu::adamw::{clip_global_norm, HostAdamW};
use crate::engine::cpu::step::HostParams;
use crate::engine::seam::{Engine, EngineKind, EngineState, Loss, StateTensors, Update};
use crate::maths::normals::Normals;
use crate::maths::reference::AdamWSettings;
use crate::model::noise::Noise;
use crate::model::Regressor;

/// Training on the host, for the CPU backends with the host's seeded noise.
#[derive(Debug)]
pub struct CpuEngine {
    params: HostParams,
    optim: HostAdamW,
    /// The training steps' weight draws.
    normals: Box<Normals>,
    /// The architecture and device burn's model is built with.
    like: Regressor,
    device: Device,
    /// burn's model of the current parameters, built when first asked for after a step.
    model: OnceLock<Regressor>,
}

impl CpuEngine {
    /// Starts from `model`'s parameters (read back once), drawing its weights from `normals`.
    pub fn new(
        model: Regressor,
        settings: AdamWSettings,
        normals: Box<Normals>,
        device: Device,
    ) -> Self {
        let params = HostParams::read(&model);
        let sizes: Vec<usize> = params.values.iter().map(Vec::len).collect();
        Self {
            optim: HostAdamW::new(settings, &sizes),
            params,
            normals,
            model: OnceLock::from(model.clone()),
            like: model,
            device,
        }
    }
}

impl Engine for CpuEngine {
    fn step(&mut self, x: &[f32], y: &[f32], update: &Update) {
        let mut grads = match &update.loss {
            Loss::Mse => self.params.warmup_grads(x, y),
            Loss::Elbo(s, estimator) => {
                self.params
                    .elbo_grads_by((x, y), s, *estimator, &mut self.normals)
            }
        };
        clip_global_norm(&mut grads, update.clip_norm);
        self.optim.step(&mut self.params.values, &grads, update.lr);
        self.model = OnceLock::new();
    }

    fn model(&self) -> &Regressor {
        self.model
            .get_or_init(|| self.params.to_model(&self.like, &self.device))
    }

    fn set_model(&mut self, model: Regressor) {
        self.params = HostParams::read(&model);
        self.model = OnceLock::from(model);
    }

    fn optimizer_steps(&self) -> Vec<u32> {
        self.optim.steps().to_vec()
    }

    fn kind(&self) -> EngineKind {
        EngineKind::Cpu
    }

    fn state(&self) -> StateTensors {
        let (m, v) = self.optim.moments();
        let shapes: Vec<[usize; 2]> = self.like.params().iter().map(|p| p.dims()).collect();
        let values = self.params.values.iter().chain(m).chain(v);
        let tensors = values
            .zip(shapes.iter().cycle())
            .map(|(v, &shape)| Tensor::from_data(TensorData::new(v.clone(), shape), &self.device))
            .collect();
        StateTensors {
            tensors,
            steps: self.optim.steps().to_vec(),
            noise: Noise::Host(self.normals.clone()),
        }
    }

    /// # Panics
    /// If `state.noise` is burn's device noise: the CPU engine draws on the host.
    fn restore(&mut self, state: EngineState) {
        let Noise::Host(normals) = state.noise else {
            panic!("the CPU engine draws its weights on the host");
        };
        let same = |a: &[Vec<f32>], b: &[Vec<f32>]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.len() == y.len())
        };
        assert!(same(&state.params, &self.params.values));
        self.params.values = state.params;
        self.optim.restore(state.m, state.v, state.steps);
        self.normals = normals;
        self.model = OnceLock::new();
    }
}
