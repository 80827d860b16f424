//! The page's evaluation workers: each Web Worker holds its own instance of this module and one
//! `EvalWorker` per run, and scores the batches of the evaluation jobs the `Session` hands out.
//! The numbers are the ones the Session would compute itself (the same data, batches and keyed
//! noise), so a run with workers ends exactly where a run without them does.

use bbb_core::burn::tensor::Device;
use wasm_bindgen::prelude::*;

use crate::js::error;
use crate::settings::config_from;

/// Scores evaluation jobs of the run with the given settings, on the CPU (flex).
#[wasm_bindgen]
pub struct EvalWorker {
    inner: bbb_core::train::behind::EvalWorker,
}

#[wasm_bindgen]
impl EvalWorker {
    /// A worker for runs with `settings` (the object the Session was created with).
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue) -> Result<EvalWorker, JsError> {
        crate::run_static_constructors();
        let config = config_from(&settings)?;
        let inner =
            bbb_core::train::behind::EvalWorker::new(config, Device::flex()).map_err(error)?;
        Ok(EvalWorker { inner })
    }

    /// Batches of the train and validation splits (an evaluation job has this many).
    #[wasm_bindgen(getter)]
    pub fn batches(&self) -> usize {
        self.inner.batches()
    }

    /// The sums of the listed batches of epoch `epoch`'s evaluation of the model `params`: two
    /// numbers per batch, in the order listed (one model built for all of them).
    pub async fn score(
        &self,
        epoch: usize,
        params: Vec<f32>,
        batches: Vec<u32>,
    ) -> Result<Vec<f32>, JsError> {
        let batches: Vec<usize> = batches.into_iter().map(|b| b as usize).collect();
        self.inner
            .score(epoch, &params, &batches)
            .await
            .map_err(error)
    }

    /// The gradient meter at the model `params` after `epochs` epochs (`Session.meterJob`), 64
    /// draws per estimator: `[μ-trace, ρ-trace]` for bbb, bbb-lrt and bbb-flipout in turn.
    #[wasm_bindgen(js_name = gradientVariance)]
    pub fn gradient_variance(&self, params: Vec<f32>, epochs: usize) -> Result<Vec<f64>, JsError> {
        let draws = bbb_core::train::gradient_meter::METER_DRAWS;
        let read = self
            .inner
            .gradient_variance(&params, (epochs, draws))
            .map_err(error)?;
        Ok(read.iter().flat_map(|(_, g)| [g.mu, g.rho]).collect())
    }

    /// The draws of passes `first..end` of a predictive job (`Session.predictiveJob`), in
    /// pass order: `[draws, inputs]` row-major, standardised.
    pub async fn draw(
        &self,
        params: Vec<f32>,
        features: Vec<f32>,
        key: Vec<u32>,
        samples: usize,
        first: usize,
        end: usize,
    ) -> Result<Vec<f32>, JsError> {
        let key = key.into_iter().map(u64::from).collect();
        let job = bbb_core::DrawJob::new(params, features, key, samples);
        self.inner.draw(&job, first..end).await.map_err(error)
    }
}
