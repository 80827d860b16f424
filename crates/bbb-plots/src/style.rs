//! Shared colours, sizes and the error type of the plots.

use plotters::prelude::*;
use plotters::style::RGBColor;

/// A drawing failed; the message says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlotError(pub String);

impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlotError {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(format!("drawing failed: {e}"))
    }
}

pub const BLUE: RGBColor = RGBColor(31, 119, 180);
pub const ORANGE: RGBColor = RGBColor(255, 127, 14);
pub const GREEN: RGBColor = RGBColor(44, 160, 44);
pub const RED: RGBColor = RGBColor(214, 39, 40);
pub const PURPLE: RGBColor = RGBColor(148, 103, 189);
pub const BROWN: RGBColor = RGBColor(140, 86, 75);
pub const OLIVE: RGBColor = RGBColor(188, 189, 34);
pub const GRAY: RGBColor = RGBColor(127, 127, 127);

/// Text and marker sizes that follow the area's size, so high-DPI canvases stay crisp and
/// readable (the page hands in a canvas `devicePixelRatio` times larger).
#[derive(Clone, Copy, Debug)]
pub struct Scale(pub f64);

impl Scale {
    /// Scale of an area `w × h` pixels (1.0 at 700 × 400).
    pub fn of(w: u32, h: u32) -> Self {
        Scale((w as f64 / 700.0).min(h as f64 / 400.0).max(0.5))
    }

    /// A length in pixels at this scale.
    pub fn px(self, base: f64) -> u32 {
        (base * self.0).round().max(1.0) as u32
    }

    /// Font size at this scale.
    pub fn font(self, base: f64) -> f64 {
        (base * self.0).max(8.0)
    }
}

/// (min, max) of finite values with a small margin; a fallback range when there are none.
pub fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad, hi + pad)
}
