//! The data sanity plot: noisy train and validation points over the true function.

use bbb_core::data::{linspace, target_fn, Dataset, X_RANGE};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::{range, PlotError, Scale, BLUE, ORANGE};

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
    let ys = data.train.y.iter().chain(&data.val.y).copied();
    let (y0, y1) = range(ys);
    let mut chart = ChartBuilder::on(area)
        .caption("Synthetic regression data", ("sans-serif", s.font(18.0)))
        .margin(s.px(10.0))
        .x_label_area_size(s.px(36.0))
        .y_label_area_size(s.px(44.0))
        .build_cartesian_2d(X_RANGE.0..X_RANGE.1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("x")
        .y_desc("y")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .label_style(("sans-serif", s.font(12.0)))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let r = s.px(2.5);
    chart
        .draw_series(
            data.train
                .x
                .iter()
                .zip(&data.train.y)
                .map(|(&x, &y)| Circle::new((x, y), r, BLUE.mix(0.45).filled())),
        )?
        .label("Train (noisy)")
        .legend(move |(x, y)| Circle::new((x, y), r, BLUE.filled()));
    chart
        .draw_series(
            data.val
                .x
                .iter()
                .zip(&data.val.y)
                .map(|(&x, &y)| Circle::new((x, y), r, ORANGE.mix(0.45).filled())),
        )?
        .label("Validation (noisy)")
        .legend(move |(x, y)| Circle::new((x, y), r, ORANGE.filled()));
    chart
        .draw_series(LineSeries::new(
            grid.iter().map(|&x| (x, target_fn(x))),
            BLACK.stroke_width(s.px(2.0)),
        ))?
        .label("True function")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", s.font(12.0)))
        .background_style(WHITE.mix(0.8))
        .draw()?;
    area.present()?;
    Ok(())
}
