//! The session's figures, each drawn on a page canvas or an `OffscreenCanvas`.

use wasm_bindgen::prelude::*;

use crate::canvas::AnyCanvas;
use crate::draw;
use crate::js::error;
use crate::session::Session;

#[wasm_bindgen]
impl Session {
    /// Draws the functions from the prior and from the initial posterior.
    #[wasm_bindgen(js_name = drawBefore)]
    pub fn draw_before(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::before(canvas, &self.trainer, self.before.as_ref()).map_err(error)
    }

    /// Draws the reliability plot of the latest predictive.
    #[wasm_bindgen(js_name = drawCalibration)]
    pub fn draw_calibration(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::calibration(canvas, self.predictive.as_ref()).map_err(error)
    }

    /// Draws the weight-space histograms.
    #[wasm_bindgen(js_name = drawWeights)]
    pub fn draw_weights(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::weights(canvas, self.weights.as_ref()).map_err(error)
    }

    /// Draws the data sanity plot.
    #[wasm_bindgen(js_name = drawData)]
    pub fn draw_data(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        let added = self.trainer.config().edits.added.len();
        draw::data(canvas, self.trainer.dataset(), added).map_err(error)
    }

    /// Draws the training curves so far.
    #[wasm_bindgen(js_name = drawCurves)]
    pub fn draw_curves(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::curves(canvas, &self.trainer).map_err(error)
    }

    /// Draws the latest posterior predictive.
    #[wasm_bindgen(js_name = drawPredictive)]
    pub fn draw_predictive(&self, canvas: &AnyCanvas) -> Result<(), JsError> {
        draw::predictive(
            canvas,
            &self.trainer,
            self.predictive.as_ref(),
            self.gp.as_ref(),
        )
        .map_err(error)
    }
}
