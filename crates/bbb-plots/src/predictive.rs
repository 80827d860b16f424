//! The posterior predictive: mean, 95 % band of the weights' uncertainty, the true function and
//! the noisy train / test points.

use bbb_core::data::Dataset;
use bbb_core::Predictive;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::{legend, range, scatter, xy_chart, PlotError, Scale, BLUE, GREEN, ORANGE};

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
    let mut chart = xy_chart(area, "Posterior predictive", (y0, y1), s)?;
    let r = s.px(2.2);
    scatter(
        &mut chart,
        (&data.train.x, &data.train.y),
        GREEN,
        0.3,
        r,
        "Train (noisy)",
    )?;
    scatter(
        &mut chart,
        (&data.test.x, &data.test.y),
        ORANGE,
        0.35,
        r,
        "Test (noisy)",
    )?;
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
    legend(&mut chart, s, SeriesLabelPosition::UpperLeft, 12.0)?;
    area.present()?;
    Ok(())
}
