//! The posterior predictive: the total band (weights and observation noise) stacked around the
//! weights-only band, a few sampled networks, the mean, the true function and the noisy train /
//! test points.

use bbb_core::data::Dataset;
use bbb_core::gp::view::GpView;
use bbb_core::posterior::predictive::Z95;
use bbb_core::Predictive;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::{
    band_outline, clip_line, line_mark, range, scatter, xy_chart, Corner, Legend, PlotError, Scale,
    BAND_OPACITY, BLUE, GREEN, ORANGE, PURPLE, RED, TEAL,
};

/// Draws the predictive bands, sampled networks and mean over the data, and the outline of a
/// Gaussian process's 95 % band for the function when given.
pub fn draw_predictive<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Dataset,
    p: &Predictive,
    gp: Option<&GpView>,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let (w, h) = area.dim_in_pixel();
    let s = Scale::of(w, h);
    // The data's range with room for the bands; far from the data a band may run off the
    // chart (it is cut at the edges), so the points keep a readable scale.
    let (lo, hi) = range(data.train.y.iter().chain(&data.test.y).copied());
    let room = hi - lo;
    let ys = p.total_lower.iter().chain(&p.total_upper).copied();
    let (y0, y1) = range(ys.chain([lo, hi]).map(|y| y.clamp(lo - room, hi + room)));
    let clamp = |v: &[f64]| v.iter().map(|y| y.clamp(y0, y1)).collect::<Vec<f64>>();
    let (upper, lower) = (clamp(&p.upper), clamp(&p.lower));
    let (total_upper, total_lower) = (clamp(&p.total_upper), clamp(&p.total_lower));
    let mut chart = xy_chart(area, "Posterior predictive", data.view, (y0, y1), s)?;
    let r = s.px(2.2);
    let mut legend = Legend::default();
    let train = (&data.train.x[..], &data.train.y[..]);
    scatter(
        &mut chart,
        &mut legend,
        train,
        (GREEN, 0.3, r),
        "Train (noisy)",
    )?;
    let test = (&data.test.x[..], &data.test.y[..]);
    scatter(
        &mut chart,
        &mut legend,
        test,
        (ORANGE, 0.35, r),
        "Test (noisy)",
    )?;
    if !p.x.is_empty() {
        let noise = PURPLE.mix(BAND_OPACITY).filled();
        // The noise's share of the total band: two strips outside the weights band, so the
        // two never overlap and each keeps its own colour.
        let strips = [
            band_outline(&p.x, &total_upper, &upper),
            band_outline(&p.x, &lower, &total_lower),
        ];
        chart.draw_series(strips.into_iter().map(|s| Polygon::new(s, noise)))?;
        legend.add("95% band, weights + noise", move |(x, y)| {
            Rectangle::new([(x, y - 5), (x + 16, y + 5)], noise)
        });
        let weights = BLUE.mix(BAND_OPACITY).filled();
        chart.draw_series(std::iter::once(Polygon::new(
            band_outline(&p.x, &upper, &lower),
            weights,
        )))?;
        legend.add("95% band, weights only", move |(x, y)| {
            Rectangle::new([(x, y - 5), (x + 16, y + 5)], weights)
        });
        let thin = TEAL.mix(0.5).stroke_width(s.px(1.0));
        for d in &p.draws {
            let line: Vec<(f64, f64)> = p.x.iter().copied().zip(d.iter().copied()).collect();
            let runs = clip_line(&line, (y0, y1));
            chart.draw_series(runs.into_iter().map(|r| PathElement::new(r, thin)))?;
        }
        if !p.draws.is_empty() {
            legend.add(
                format!("{} sampled networks", p.draws.len()),
                line_mark(thin),
            );
        }
        if !p.truth.is_empty() {
            chart.draw_series(LineSeries::new(
                p.x.iter().zip(&p.truth).map(|(&x, &y)| (x, y)),
                BLACK.stroke_width(s.px(2.0)),
            ))?;
            legend.add("True function", line_mark(BLACK.stroke_width(2)));
        }
    }
    if let Some(gp) = gp {
        let edge = RED.mix(0.85).stroke_width(s.px(1.2));
        let b = &gp.band;
        let side = |sign: f64| -> Vec<(f64, f64)> {
            let at = |i: usize| b.mean[i] + sign * Z95 * b.latent_sd[i];
            gp.x.iter().enumerate().map(|(i, &x)| (x, at(i))).collect()
        };
        let runs: Vec<Vec<(f64, f64)>> = [side(1.0), side(-1.0)]
            .iter()
            .flat_map(|l| clip_line(l, (y0, y1)))
            .collect();
        chart.draw_series(runs.into_iter().map(|r| PathElement::new(r, edge)))?;
        legend.add("95% band of f, Gaussian process", line_mark(edge));
    }
    // The network's mean last, on top of the Gaussian process's outline.
    if !p.x.is_empty() {
        let mean: Vec<(f64, f64)> = p.x.iter().copied().zip(p.mean.iter().copied()).collect();
        chart.draw_series(
            clip_line(&mean, (y0, y1))
                .into_iter()
                .map(|r| PathElement::new(r, BLUE.stroke_width(s.px(2.0)))),
        )?;
        legend.add("Predictive mean", line_mark(BLUE.stroke_width(2)));
    }
    legend.draw(&chart, s, Corner::UpperLeft, 12.0)?;
    area.present()?;
    Ok(())
}
