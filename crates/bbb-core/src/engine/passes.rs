//! Sampled passes that need no gradient (the evaluations, the predictive), on whichever engine
//! suits the run: on a CPU backend with the host's noise they run on the host (the CPU
//! engine's pass, `cpu/pass.rs`: the same estimator, several times faster); on a GPU they stay
//! in burn's ops, whichever the noise.

use std::sync::OnceLock;

use burn::tensor::{Tensor, TensorData};

use crate::config::backend::on_host;
use crate::engine::cpu::pass::HostPosterior;
use crate::model::noise::Noise;
use crate::model::{Posterior, Regressor};

/// A model's posterior ready for sampled passes: the σ computed once, and its copy on the host
/// read back by the first host pass that needs it (so the batches of an evaluation share both).
#[derive(Clone, Debug)]
pub struct Passes {
    posterior: Posterior,
    host: OnceLock<HostPosterior>,
}

impl Passes {
    /// The passes of `model`.
    pub fn new(model: &Regressor) -> Self {
        Self {
            posterior: model.posterior(),
            host: OnceLock::new(),
        }
    }

    /// The posterior, with its σ computed.
    pub fn posterior(&self) -> &Posterior {
        &self.posterior
    }

    /// `samples` forward passes, each with its own independent draw of every weight.
    ///
    /// # Shapes
    /// - x: `[batch, 9]` → `[samples, batch, 1]`
    pub fn forward(&self, x: Tensor<2>, samples: usize, noise: &mut Noise) -> Tensor<3> {
        let device = x.device();
        let normals = match noise {
            Noise::Host(normals) if on_host(&device) => normals,
            _ => return self.posterior.forward_sampled(x, samples, noise),
        };
        let [batch, _] = x.dims();
        let x: Vec<f32> = x
            .into_data()
            .try_into_vec_as::<f32>()
            .expect("the inputs are f32");
        let y = self.host().forward(&x, samples, normals);
        Tensor::from_data(TensorData::new(y, [samples, batch, 1]), &device)
    }

    /// The posterior's copy on the host, read back on first use.
    pub fn host(&self) -> &HostPosterior {
        self.host
            .get_or_init(|| HostPosterior::new(&self.posterior.layers()))
    }
}
