//! The device engine behind the [seam](crate::engine::Engine).

use burn::tensor::{Tensor, TensorData};

use crate::data::N_FEATURES;
use crate::engine::device::adamw::{clip_global_norm, DeviceAdamW};
use crate::engine::seam::{Engine, EngineKind, EngineState, Loss, StateTensors, Update};
use crate::maths::reference::AdamWSettings;
use crate::model::elbo::elbo_step_by;
use crate::model::noise::Noise;
use crate::model::Regressor;

/// Training with every step in burn's ops on the model's device.
#[derive(Debug)]
pub struct DeviceEngine {
    model: Regressor,
    optim: DeviceAdamW,
    /// The training steps' weight draws.
    noise: Noise,
}

impl DeviceEngine {
    /// Starts from `model`, drawing its weights from `noise`.
    pub fn new(model: Regressor, settings: AdamWSettings, noise: Noise) -> Self {
        Self {
            optim: DeviceAdamW::new(settings, &model.params()),
            model,
            noise,
        }
    }
}

impl Engine for DeviceEngine {
    fn step(&mut self, x: &[f32], y: &[f32], update: &Update) {
        let device = self.model.input.w_mu.device();
        let b = y.len();
        let x = Tensor::from_data(TensorData::new(x.to_vec(), [b, N_FEATURES]), &device);
        let y = Tensor::from_data(TensorData::new(y.to_vec(), [b, 1]), &device);
        let tracked = self.model.map_params(|p| p.autodiff().require_grad());
        let loss = match &update.loss {
            Loss::Mse => (tracked.forward_mean(x) - y).powi_scalar(2).mean(),
            Loss::Elbo(s, estimator) => {
                elbo_step_by(&tracked, (x, y), s, *estimator, &mut self.noise).loss
            }
        };
        let grads = loss.backward();
        // The warmup never touches the rhos: they get no gradient, as in PyTorch.
        let grads: Vec<Option<Tensor<2>>> =
            tracked.params().iter().map(|p| p.grad(&grads)).collect();
        let (grads, _norm) = clip_global_norm(grads, update.clip_norm);
        let updated = self.optim.step(self.model.params(), grads, update.lr);
        self.model = self.model.with_params(updated);
    }

    fn model(&self) -> &Regressor {
        &self.model
    }

    fn set_model(&mut self, model: Regressor) {
        self.model = model;
    }

    fn optimizer_steps(&self) -> Vec<u32> {
        self.optim.steps().to_vec()
    }

    fn kind(&self) -> EngineKind {
        EngineKind::Device
    }

    fn state(&self) -> StateTensors {
        let (m, v) = self.optim.moments();
        StateTensors {
            tensors: [self.model.params(), m.to_vec(), v.to_vec()].concat(),
            steps: self.optim.steps().to_vec(),
            noise: self.noise.clone(),
        }
    }

    fn restore(&mut self, state: EngineState) {
        let device = self.model.input.w_mu.device();
        let shapes: Vec<[usize; 2]> = self.model.params().iter().map(|p| p.dims()).collect();
        let tensors = |values: Vec<Vec<f32>>| -> Vec<Tensor<2>> {
            values
                .into_iter()
                .zip(&shapes)
                .map(|(v, &shape)| Tensor::from_data(TensorData::new(v, shape), &device))
                .collect()
        };
        self.model = self.model.with_params(tensors(state.params));
        self.optim
            .restore(tensors(state.m), tensors(state.v), state.steps);
        self.noise = state.noise;
    }
}
