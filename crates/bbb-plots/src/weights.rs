//! Weight space: histograms of every weight's σ and of its signal-to-noise ratio |μ|/σ, on log
//! scales, with the starting σ, the prior's σ and the ratio 1 marked.

use bbb_core::posterior::weights::Histogram;
use bbb_core::WeightSpace;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::RGBColor;

use crate::style::{line_mark, Corner, Legend, PlotError, Scale, BLUE, BROWN, GRAY, GREEN, PURPLE};

/// A vertical marker at `log10` position `at`.
struct Marker {
    at: f64,
    color: RGBColor,
    label: String,
}

/// Draws the two histograms side by side.
pub fn draw_weights<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    w: Option<&WeightSpace>,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let Some(w) = w else {
        area.present()?;
        return Ok(());
    };
    let (pw, ph) = area.dim_in_pixel();
    let s = Scale::of(pw / 2, ph);
    let panels = area.split_evenly((1, 2));
    panel(
        &panels[0],
        s,
        &format!("σ of each weight (median {:.3})", w.median_sigma),
        &w.sigma,
        BLUE,
        &[
            Marker {
                at: w.initial_sigma.log10(),
                color: BROWN,
                label: format!("start {:.3}", w.initial_sigma),
            },
            Marker {
                at: w.prior_sigma.log10(),
                color: PURPLE,
                label: format!("prior {}", w.prior_sigma),
            },
        ],
    )?;
    panel(
        &panels[1],
        s,
        &format!(
            "|μ|/σ of each weight ({:.0} % below 1)",
            100.0 * w.share_snr_below_1
        ),
        &w.snr,
        GREEN,
        &[Marker {
            at: 0.0,
            color: GRAY,
            label: "|μ| = σ".into(),
        }],
    )?;
    area.present()?;
    Ok(())
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    title: &str,
    h: &Histogram,
    color: RGBColor,
    markers: &[Marker],
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let top = h.counts.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", s.font(15.0)))
        .margin(s.px(8.0))
        .x_label_area_size(s.px(32.0))
        .y_label_area_size(s.px(52.0))
        .build_cartesian_2d(h.lo..h.hi, 0.0..top)?;
    chart
        .configure_mesh()
        .x_labels((h.hi - h.lo) as usize + 1)
        .x_label_formatter(&|x| power_of_ten(*x))
        .y_desc("weights")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", s.font(11.0)))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart.draw_series((0..h.counts.len()).filter(|&i| h.counts[i] > 0).map(|i| {
        let (a, b) = h.edges(i);
        Rectangle::new(
            [(a, 0.0), (b, h.counts[i] as f64)],
            color.mix(0.75).filled(),
        )
    }))?;
    let mut legend = Legend::default();
    for m in markers {
        let style = m.color.stroke_width(s.px(2.0));
        chart.draw_series(DashedLineSeries::new(
            vec![(m.at, 0.0), (m.at, top)],
            s.px(6.0),
            s.px(4.0),
            style,
        ))?;
        legend.add(m.label.clone(), line_mark(style));
    }
    legend.draw(&chart, s, Corner::UpperRight, 11.0)?;
    Ok(())
}

/// `10^x` as plain decimals (`0.001`, `1`, `100`) for whole `x`; empty between.
fn power_of_ten(x: f64) -> String {
    if (x - x.round()).abs() > 1e-9 {
        return String::new();
    }
    let k = x.round() as i32;
    if k >= 0 {
        format!("{}", 10f64.powi(k))
    } else {
        format!("{:.*}", (-k) as usize, 10f64.powi(k))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn axis_labels_are_plain_decimals() {
        assert_eq!(super::power_of_ten(-3.0), "0.001");
        assert_eq!(super::power_of_ten(2.0), "100");
        assert_eq!(super::power_of_ten(0.5), "");
    }
}
