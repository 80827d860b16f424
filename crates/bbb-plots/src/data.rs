//! The data sanity plot: noisy train and validation points over the true function.

use bbb_core::data::{linspace, target_fn, Dataset, X_RANGE};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::{legend, range, scatter, xy_chart, PlotError, Scale, BLUE, ORANGE};

/// Draws the train / val points and the noise-free function.
pub fn draw_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Dataset,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let (w, h) = area.dim_in_pixel();
    let s = Scale::of(w, h);
    let grid = linspace(X_RANGE.0, X_RANGE.1, 300);
    let y_range = range(data.train.y.iter().chain(&data.val.y).copied());
    let mut chart = xy_chart(area, "Synthetic regression data", y_range, s)?;
    let r = s.px(2.5);
    scatter(
        &mut chart,
        (&data.train.x, &data.train.y),
        BLUE,
        0.45,
        r,
        "Train (noisy)",
    )?;
    scatter(
        &mut chart,
        (&data.val.x, &data.val.y),
        ORANGE,
        0.45,
        r,
        "Validation (noisy)",
    )?;
    chart
        .draw_series(LineSeries::new(
            grid.iter().map(|&x| (x, target_fn(x))),
            BLACK.stroke_width(s.px(2.0)),
        ))?
        .label("True function")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(2)));
    legend(&mut chart, s, SeriesLabelPosition::UpperLeft, 12.0)?;
    area.present()?;
    Ok(())
}
