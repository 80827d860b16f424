//! Before training: functions drawn from the prior and from the initial posterior, over the
//! data they have not seen yet. Prior functions run far off the axes; they are cut at the edges.

use bbb_core::data::Dataset;
use bbb_core::BeforeTraining;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::RGBColor;

use crate::style::{
    clip_line, line_mark, range, scatter, xy_chart, Corner, Legend, PlotError, Scale, XyChart,
    BROWN, GREEN, PURPLE,
};

/// Draws prior and initial-posterior functions over the training data (left), and the prior
/// functions again at their own, much larger scale (right).
pub fn draw_before_training<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Dataset,
    b: &BeforeTraining,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let (w, h) = area.dim_in_pixel();
    let s = Scale::of(w * 3 / 5, h);
    let (left, right) = area.split_horizontally(w * 3 / 5);
    // The data's range with room above and below, so the initial functions fit.
    let (lo, hi) = range(data.train.y.iter().copied());
    let pad = 0.5 * (hi - lo);
    let ys = (lo - pad, hi + pad);
    let xs = (b.x[0], b.x[b.x.len() - 1]);
    let mut chart = xy_chart(&left, "Before training, on the data's scale", xs, ys, s)?;
    let mut legend = Legend::default();
    train_points(&mut chart, &mut legend, data, s)?;
    let prior_label = format!("Prior functions (spread ±{})", short(b.prior.spread));
    let prior = lines(&mut chart, &b.x, &b.prior.shown, PURPLE, ys, s)?;
    legend.add(prior_label, line_mark(prior));
    let initial_label = format!("Initial posterior (spread ±{})", short(b.initial.spread));
    let initial = lines(&mut chart, &b.x, &b.initial.shown, BROWN, ys, s)?;
    legend.add(initial_label, line_mark(initial));
    legend.draw(&chart, s, Corner::UpperLeft, 12.0)?;

    let wide = range(b.prior.shown.iter().flatten().copied().chain([lo, hi]));
    let mut chart = xy_chart(
        &right,
        "The prior functions at their own scale",
        xs,
        wide,
        s,
    )?;
    // No legend on this side: the left one names everything.
    train_points(&mut chart, &mut Legend::default(), data, s)?;
    lines(&mut chart, &b.x, &b.prior.shown, PURPLE, wide, s)?;
    area.present()?;
    Ok(())
}

/// The training points, faint, for scale.
fn train_points<'a, DB: DrawingBackend + 'a>(
    chart: &mut XyChart<'a, DB>,
    legend: &mut Legend<'a, DB>,
    data: &Dataset,
    s: Scale,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let points = (&data.train.x[..], &data.train.y[..]);
    let style = (GREEN, 0.3, s.px(2.2));
    scatter(chart, legend, points, style, "Train (noisy)")
}

/// Each function as a line (cut at the chart's edges); returns the lines' style.
fn lines<'a, DB: DrawingBackend + 'a>(
    chart: &mut XyChart<'a, DB>,
    x: &[f64],
    functions: &[Vec<f64>],
    color: RGBColor,
    ys: (f64, f64),
    s: Scale,
) -> Result<ShapeStyle, PlotError>
where
    DB::ErrorType: 'static,
{
    let style = color.stroke_width(s.px(1.5));
    for f in functions {
        let points: Vec<(f64, f64)> = x.iter().copied().zip(f.iter().copied()).collect();
        for run in clip_line(&points, ys) {
            chart.draw_series(LineSeries::new(run, style))?;
        }
    }
    Ok(style)
}

/// A spread in two significant figures (a few dozen draws fix no more), without an exponent.
pub fn short(v: f64) -> String {
    if !v.is_finite() {
        return "?".into();
    }
    let k = v.abs().max(1e-12).log10().floor() as i32;
    if k >= 1 {
        let unit = 10f64.powi(k - 1);
        return format!("{}", (v / unit).round() * unit);
    }
    let digits = (1 - k) as usize;
    format!("{v:.digits$}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn spreads_in_two_significant_figures() {
        assert_eq!(super::short(1234.5), "1200");
        assert_eq!(super::short(40_610.0), "41000");
        assert_eq!(super::short(0.01234), "0.012");
        assert_eq!(super::short(3.456), "3.5");
    }
}
