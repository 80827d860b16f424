//! Draws the shared figures into canvases (the page's, or off-screen ones in the trainer's
//! worker). The canvas's pixel size (set by the page to CSS size × devicePixelRatio) decides
//! the resolution, so plots stay crisp on high-DPI screens.

use std::cell::Cell;

use crate::canvas::{AnyCanvas, Canvas};
use bbb_core::data::Dataset;
use bbb_core::gp::view::GpView;
use bbb_core::{BeforeTraining, Predictive, Trainer, WeightSpace};
use bbb_plots::Frame;
use plotters::prelude::*;

fn area(canvas: &AnyCanvas) -> Result<DrawingArea<Canvas, plotters::coord::Shift>, String> {
    Canvas::new(canvas)
        .map(IntoDrawingArea::into_drawing_area)
        .ok_or_else(|| "this canvas has no 2D drawing context".to_string())
}

thread_local! {
    /// Where the last data figure put its axes, and the canvas's pixel size then: a click on
    /// the figure becomes a point through it.
    static DATA_FRAME: Cell<Option<(Frame, (u32, u32))>> = const { Cell::new(None) };
}

/// The data sanity plot, the last `added` training points ringed.
pub fn data(canvas: &AnyCanvas, data: &Dataset, added: usize) -> Result<(), String> {
    let size = (canvas.width(), canvas.height());
    let frame = bbb_plots::draw_data(&area(canvas)?, data, added).map_err(|e| e.0)?;
    DATA_FRAME.set(Some((frame, size)));
    Ok(())
}

/// The last data figure's frame, if it was drawn on a canvas of `size` pixels.
pub fn data_frame(size: (u32, u32)) -> Option<Frame> {
    DATA_FRAME
        .get()
        .filter(|(_, drawn)| *drawn == size)
        .map(|(f, _)| f)
}

/// The three panels of training curves.
pub fn curves(canvas: &AnyCanvas, trainer: &Trainer) -> Result<(), String> {
    let c = trainer.config();
    bbb_plots::draw_curves(
        &area(canvas)?,
        trainer.history(),
        c.warmup_epochs,
        c.ema_alpha,
    )
    .map_err(|e| e.0)
}

/// The posterior predictive (empty axes and data until one has been computed).
pub fn predictive(
    canvas: &AnyCanvas,
    trainer: &Trainer,
    p: Option<&Predictive>,
    gp: Option<&GpView>,
) -> Result<(), String> {
    let empty = Predictive::default();
    bbb_plots::draw_predictive(&area(canvas)?, trainer.dataset(), p.unwrap_or(&empty), gp)
        .map_err(|e| e.0)
}

/// Functions from the prior and from the initial posterior (empty axes until drawn).
pub fn before(
    canvas: &AnyCanvas,
    trainer: &Trainer,
    b: Option<&BeforeTraining>,
) -> Result<(), String> {
    let empty = BeforeTraining::default();
    bbb_plots::draw_before_training(&area(canvas)?, trainer.dataset(), b.unwrap_or(&empty))
        .map_err(|e| e.0)
}

/// The reliability plot of the latest predictive.
pub fn calibration(canvas: &AnyCanvas, p: Option<&Predictive>) -> Result<(), String> {
    bbb_plots::draw_calibration(&area(canvas)?, p.map(|p| &p.calibration)).map_err(|e| e.0)
}

/// The weights' histograms.
pub fn weights(canvas: &AnyCanvas, w: Option<&WeightSpace>) -> Result<(), String> {
    bbb_plots::draw_weights(&area(canvas)?, w).map_err(|e| e.0)
}
