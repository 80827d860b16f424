//! The posterior predictive: the total band (weights and observation noise) stacked around the
//! weights-only band, a few sampled networks, the mean, the true function and the noisy train /
//! test points.

use bbb_core::data::Dataset;
use bbb_core::Predictive;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::{
    band_outline, legend, range, scatter, xy_chart, PlotError, Scale, BAND_OPACITY, BLUE, GREEN,
    ORANGE, PURPLE, TEAL,
};

/// Draws the predictive bands, sampled networks and mean over the data.
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
        .chain(&p.total_lower)
        .chain(&p.total_upper);
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
        let noise = PURPLE.mix(BAND_OPACITY).filled();
        // The noise's share of the total band: two strips outside the weights band, so the
        // two never overlap and each keeps its own colour.
        let strips = [
            band_outline(&p.x, &p.total_upper, &p.upper),
            band_outline(&p.x, &p.lower, &p.total_lower),
        ];
        chart
            .draw_series(strips.into_iter().map(|s| Polygon::new(s, noise)))?
            .label("95% band, weights + noise")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], noise));
        let weights = BLUE.mix(BAND_OPACITY).filled();
        chart
            .draw_series(std::iter::once(Polygon::new(
                band_outline(&p.x, &p.upper, &p.lower),
                weights,
            )))?
            .label("95% band, weights only")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], weights));
        let thin = TEAL.mix(0.5).stroke_width(s.px(1.0));
        for (i, d) in p.draws.iter().enumerate() {
            let series = chart.draw_series(LineSeries::new(
                p.x.iter().zip(d).map(|(&x, &y)| (x, y)),
                thin,
            ))?;
            if i == 0 {
                series
                    .label(format!("{} sampled networks", p.draws.len()))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], thin));
            }
        }
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
