//! The data sanity plot: noisy train and validation points over the true function.

use bbb_core::data::dataset::{linspace, target_fn, Dataset};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::{
    line_mark, range, scatter, xy_chart, Corner, Frame, Legend, PlotError, Scale, BLUE, ORANGE,
};

/// Draws the train / val points (the last `added` training points ringed: a person placed
/// them) and the noise-free function; returns where the chart lies, for turning clicks into
/// points.
pub fn draw_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Dataset,
    added: usize,
) -> Result<Frame, PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let (w, h) = area.dim_in_pixel();
    let s = Scale::of(w, h);
    let grid = linspace(data.view.0, data.view.1, 300);
    let truth = || grid.iter().map(|&x| target_fn(x));
    let shown_truth: Vec<f64> = if data.has_truth {
        truth().collect()
    } else {
        vec![]
    };
    let (lo, hi) = range(data.train.y.iter().chain(&data.val.y).copied());
    // Room above and below the data for a person's own points.
    let pad = 0.15 * (hi - lo);
    let y_range = range(shown_truth.iter().copied().chain([lo - pad, hi + pad]));
    let title = if data.has_truth {
        "Synthetic regression data"
    } else {
        "Your data"
    };
    let mut chart = xy_chart(area, title, data.view, y_range, s)?;
    let r = s.px(2.5);
    let mut legend = Legend::default();
    let train = (&data.train.x[..], &data.train.y[..]);
    scatter(
        &mut chart,
        &mut legend,
        train,
        (BLUE, 0.45, r),
        "Train (noisy)",
    )?;
    let val = (&data.val.x[..], &data.val.y[..]);
    scatter(
        &mut chart,
        &mut legend,
        val,
        (ORANGE, 0.45, r),
        "Validation (noisy)",
    )?;
    let first_added = data.train.len() - added.min(data.train.len());
    if added > 0 {
        let ring = BLACK.stroke_width(s.px(1.5));
        chart.draw_series(
            data.train.x[first_added..]
                .iter()
                .zip(&data.train.y[first_added..])
                .map(|(&x, &y)| Circle::new((x, y), s.px(5.0), ring)),
        )?;
        legend.add("Your points", move |(x, y)| Circle::new((x, y), 5, ring));
    }
    if data.has_truth {
        chart.draw_series(LineSeries::new(
            grid.iter().zip(&shown_truth).map(|(&x, &y)| (x, y)),
            BLACK.stroke_width(s.px(2.0)),
        ))?;
        legend.add("True function", line_mark(BLACK.stroke_width(2)));
    }
    legend.draw(&chart, s, Corner::UpperLeft, 12.0)?;
    let frame = Frame::of(&chart, data.view, y_range);
    area.present()?;
    Ok(frame)
}
