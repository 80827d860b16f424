//! The posterior predictive: mean, 95 % band of the weights' uncertainty, the true function and
//! the noisy train / test points.

use bbb_core::data::{Dataset, X_RANGE};
use bbb_core::Predictive;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::{range, PlotError, Scale, BLUE, GREEN, ORANGE};

/// Draws the predictive band and mean over the data.
pub fn draw_predictive<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Dataset,
    p: &Predictive,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let (w, h) = area.dim_in_pixel();
    let s = Scale::of(w, h);
    let ys = data
        .train
        .y
        .iter()
        .chain(&data.test.y)
        .chain(&p.lower)
        .chain(&p.upper);
    let (y0, y1) = range(ys.copied());
    let mut chart = ChartBuilder::on(area)
        .caption("Posterior predictive", ("sans-serif", s.font(18.0)))
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
    let r = s.px(2.2);
    chart
        .draw_series(
            data.train
                .x
                .iter()
                .zip(&data.train.y)
                .map(|(&x, &y)| Circle::new((x, y), r, GREEN.mix(0.3).filled())),
        )?
        .label("Train (noisy)")
        .legend(move |(x, y)| Circle::new((x, y), r, GREEN.filled()));
    chart
        .draw_series(
            data.test
                .x
                .iter()
                .zip(&data.test.y)
                .map(|(&x, &y)| Circle::new((x, y), r, ORANGE.mix(0.35).filled())),
        )?
        .label("Test (noisy)")
        .legend(move |(x, y)| Circle::new((x, y), r, ORANGE.filled()));
    if !p.x.is_empty() {
        let band: Vec<(f64, f64)> =
            p.x.iter()
                .zip(&p.upper)
                .map(|(&x, &u)| (x, u))
                .chain(p.x.iter().zip(&p.lower).rev().map(|(&x, &l)| (x, l)))
                .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.2).filled())))?
            .label("95% band (weights only)")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], BLUE.mix(0.2).filled()));
        chart
            .draw_series(LineSeries::new(
                p.x.iter().zip(&p.truth).map(|(&x, &y)| (x, y)),
                BLACK.stroke_width(s.px(2.0)),
            ))?
            .label("True function")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                p.x.iter().zip(&p.mean).map(|(&x, &y)| (x, y)),
                BLUE.stroke_width(s.px(2.0)),
            ))?
            .label("Predictive mean")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", s.font(12.0)))
        .background_style(WHITE.mix(0.8))
        .draw()?;
    area.present()?;
    Ok(())
}
