//! Writes the tutorial's figures as PNG files.

use bbb_core::Trainer;

use crate::posterior::Posterior;
use plotters::prelude::*;
use std::path::Path;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Registers the bundled font so text renders the same on every machine.
pub fn register_font() {
    // A second registration replaces the first: harmless.
    let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
}

fn png_err(what: &str, e: impl std::fmt::Display) -> String {
    format!("could not draw {what}: {e}")
}

/// Draws one figure into `dir/name` at `size` pixels.
fn figure(
    dir: &Path,
    name: &str,
    size: (u32, u32),
    draw: impl FnOnce(
        &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    ) -> Result<(), bbb_plots::PlotError>,
) -> Result<(), String> {
    let path = dir.join(name);
    let area = BitMapBackend::new(&path, size).into_drawing_area();
    draw(&area).map_err(|e| png_err(name, e))
}

/// `data.png`, `curves.png`, `predictive.png`, `before.png`, `calibration.png` and
/// `weights.png` in `dir`.
pub fn write_all(dir: &Path, trainer: &Trainer, posterior: &Posterior) -> Result<(), String> {
    let data = trainer.dataset();
    let c = trainer.config();
    figure(dir, "data.png", (900, 520), |a| {
        bbb_plots::draw_data(a, data, c.edits.added.len()).map(|_| ())
    })?;
    figure(dir, "curves.png", (1700, 440), |a| {
        bbb_plots::draw_curves(a, trainer.history(), c.warmup_epochs, c.ema_alpha)
    })?;
    figure(dir, "predictive.png", (900, 520), |a| {
        bbb_plots::draw_predictive(a, data, &posterior.predictive, posterior.gp.as_ref())
    })?;
    figure(dir, "before.png", (900, 520), |a| {
        bbb_plots::draw_before_training(a, data, &posterior.before)
    })?;
    figure(dir, "calibration.png", (700, 480), |a| {
        bbb_plots::draw_calibration(a, Some(&posterior.predictive.calibration))
    })?;
    figure(dir, "weights.png", (1400, 440), |a| {
        bbb_plots::draw_weights(a, Some(&posterior.weights))
    })
}

/// `predictive.png` of a predictive alone (a run of another method).
pub fn write_predictive(
    dir: &Path,
    data: &bbb_core::data::Dataset,
    p: &bbb_core::Predictive,
) -> Result<(), String> {
    figure(dir, "predictive.png", (900, 520), |a| {
        bbb_plots::draw_predictive(a, data, p, None)
    })
}

/// `compare.png`: every method's predictive as small multiples on the same axes, each with the
/// exact GP's band drawn over it for reference.
pub fn write_compare(
    dir: &Path,
    data: &bbb_core::data::Dataset,
    rows: &[crate::compare::Row],
    gp: Option<&bbb_core::gp::view::GpView>,
) -> Result<(), String> {
    let panels = rows.len();
    let cols = panels.clamp(1, 3);
    let lines = panels.div_ceil(cols);
    let size = (cols as u32 * 520, lines as u32 * 340);
    figure(dir, "compare.png", size, |area| {
        let cells = area.split_evenly((lines, cols));
        for (cell, r) in cells.iter().zip(rows) {
            let titled = cell.titled(r.run.method.name(), ("sans-serif", 18))?;
            bbb_plots::draw_predictive(&titled, data, &r.run.predictive, gp)?;
        }
        Ok(())
    })
}
