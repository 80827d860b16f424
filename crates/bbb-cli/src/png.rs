//! Writes the tutorial's figures as PNG files.

use bbb_core::{Predictive, Trainer};
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

/// `data.png`, `curves.png` and `predictive.png` in `dir`.
pub fn write_all(dir: &Path, trainer: &Trainer, predictive: &Predictive) -> Result<(), String> {
    let data = trainer.dataset();
    let path = dir.join("data.png");
    let area = BitMapBackend::new(&path, (900, 520)).into_drawing_area();
    bbb_plots::draw_data(&area, data).map_err(|e| png_err("data.png", e))?;
    drop(area);

    let path = dir.join("curves.png");
    let area = BitMapBackend::new(&path, (1700, 440)).into_drawing_area();
    let c = trainer.config();
    bbb_plots::draw_curves(&area, trainer.history(), c.warmup_epochs, c.ema_alpha)
        .map_err(|e| png_err("curves.png", e))?;
    drop(area);

    let path = dir.join("predictive.png");
    let area = BitMapBackend::new(&path, (900, 520)).into_drawing_area();
    bbb_plots::draw_predictive(&area, data, predictive)
        .map_err(|e| png_err("predictive.png", e))?;
    Ok(())
}
