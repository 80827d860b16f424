//! The reliability plot: for each nominal level, the share of held-out points that fell inside
//! the band at that level, for the weights-only and the total band. On the diagonal a band is
//! as wide as it claims; below it, too narrow.

use bbb_core::posterior::calibration::LEVELS;
use bbb_core::Calibration;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::{line_mark, Corner, Legend, PlotError, Scale, BLUE, GRAY, PURPLE};

/// Draws observed against nominal coverage for both bands, with the NLL and CRPS.
pub fn draw_calibration<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: Option<&Calibration>,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let (w, h) = area.dim_in_pixel();
    let s = Scale::of(w, h);
    let caption = match c {
        Some(c) => format!(
            "Calibration on {} test points · NLL {:.3} · CRPS {:.4}",
            c.n, c.nll, c.crps
        ),
        None => "Calibration on the test points".into(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", s.font(16.0)))
        .margin(s.px(10.0))
        .x_label_area_size(s.px(36.0))
        .y_label_area_size(s.px(44.0))
        .build_cartesian_2d(0.4..1.0, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("nominal level")
        .y_desc("share of test points inside")
        .label_style(("sans-serif", s.font(12.0)))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let mut legend = Legend::default();
    chart.draw_series(DashedLineSeries::new(
        vec![(0.4, 0.4), (1.0, 1.0)],
        s.px(6.0),
        s.px(4.0),
        GRAY.stroke_width(s.px(1.0)),
    ))?;
    legend.add("Perfectly calibrated", line_mark(GRAY.stroke_width(1)));
    if let Some(c) = c {
        for (observed, color, label) in [
            (c.weights, BLUE, "Weights only"),
            (c.total, PURPLE, "Weights + noise"),
        ] {
            let points: Vec<(f64, f64)> = LEVELS.iter().copied().zip(observed).collect();
            let style = color.stroke_width(s.px(2.0));
            chart.draw_series(LineSeries::new(points.clone(), style))?;
            legend.add(label, line_mark(style));
            chart.draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, s.px(4.0), color.filled())),
            )?;
        }
    }
    legend.draw(&chart, s, Corner::UpperLeft, 12.0)?;
    area.present()?;
    Ok(())
}
