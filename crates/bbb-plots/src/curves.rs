//! The training curves as three side-by-side panels: the ELBO (raw and EMA), the RMSE (raw and
//! EMA), and the ELBO's two terms. A dashed line marks the switch from warmup to VI.

use bbb_core::report::metrics::{ema, EpochRecord};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::RGBColor;

use crate::style::{
    line_mark, range, Corner, Legend, PlotError, Scale, BLUE, BROWN, GRAY, GREEN, OLIVE, ORANGE,
    PURPLE, RED,
};

struct Series<'a> {
    label: &'a str,
    color: RGBColor,
    values: Vec<f64>,
    faint: bool,
}

/// Draws the three panels from the history so far.
pub fn draw_curves<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    history: &[EpochRecord],
    warmup_epochs: usize,
    alpha: f64,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let panels = area.split_evenly((1, 3));
    let col = |f: fn(&EpochRecord) -> f64| history.iter().map(f).collect::<Vec<f64>>();
    let raw_and_ema = |label_raw: &'static str, label_ema: &'static str, c, v: Vec<f64>| {
        [
            Series {
                label: label_raw,
                color: c,
                values: v.clone(),
                faint: true,
            },
            Series {
                label: label_ema,
                color: c,
                values: ema(&v, alpha),
                faint: false,
            },
        ]
    };
    let [a, b] = raw_and_ema(
        "Train ELBO (raw)",
        "Train ELBO (EMA)",
        BLUE,
        col(|r| r.train.elbo),
    );
    let [c, d] = raw_and_ema(
        "Val ELBO (raw)",
        "Val ELBO (EMA)",
        ORANGE,
        col(|r| r.val.elbo),
    );
    panel(
        &panels[0],
        "ELBO trend",
        "ELBO",
        vec![a, c, b, d],
        history,
        warmup_epochs,
        false,
    )?;
    let [a, b] = raw_and_ema(
        "Train RMSE (raw)",
        "Train RMSE (EMA)",
        GREEN,
        col(|r| r.train.rmse),
    );
    let [c, d] = raw_and_ema("Val RMSE (raw)", "Val RMSE (EMA)", RED, col(|r| r.val.rmse));
    panel(
        &panels[1],
        "Fit quality",
        "RMSE",
        vec![a, c, b, d],
        history,
        warmup_epochs,
        false,
    )?;
    let terms = vec![
        Series {
            label: "Train NLL",
            color: PURPLE,
            values: col(|r| r.train.nll),
            faint: false,
        },
        Series {
            label: "Val NLL",
            color: BROWN,
            values: col(|r| r.val.nll),
            faint: false,
        },
        Series {
            label: "Train KL / num_batches",
            color: OLIVE,
            values: col(|r| r.train.kl),
            faint: false,
        },
    ];
    panel(
        &panels[2],
        "ELBO terms (log scale)",
        "value",
        terms,
        history,
        warmup_epochs,
        true,
    )?;
    area.present()?;
    Ok(())
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    series: Vec<Series>,
    history: &[EpochRecord],
    warmup_epochs: usize,
    log: bool,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let s = Scale::of(w * 2, h);
    let epochs: Vec<f64> = history.iter().map(|r| r.epoch as f64).collect();
    let x1 = epochs
        .last()
        .copied()
        .unwrap_or(1.0)
        .max(warmup_epochs as f64 + 1.0);
    let map = |v: f64| if log { v.max(1e-12).log10() } else { v };
    let (y0, y1) = range(series.iter().flat_map(|s| s.values.iter().map(|&v| map(v))));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", s.font(16.0)))
        .margin(s.px(8.0))
        .x_label_area_size(s.px(34.0))
        .y_label_area_size(s.px(52.0))
        .build_cartesian_2d(0.0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(if log {
            format!("log10 {y_desc}")
        } else {
            y_desc.to_string()
        })
        .label_style(("sans-serif", s.font(11.0)))
        .x_labels(6)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels(6)
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(GRAY.mix(0.15))
        .draw()?;
    let width = s.px(1.6);
    let mut legend = Legend::default();
    for ser in &series {
        let style = if ser.faint {
            ser.color.mix(0.3).stroke_width(width)
        } else {
            ser.color.stroke_width(width)
        };
        let points = epochs.iter().zip(&ser.values).map(|(&x, &v)| (x, map(v)));
        chart.draw_series(LineSeries::new(points, style))?;
        legend.add(ser.label, line_mark(style));
    }
    if warmup_epochs > 0 {
        let x = warmup_epochs as f64;
        chart.draw_series(DashedLineSeries::new(
            vec![(x, y0), (x, y1)],
            s.px(6.0),
            s.px(4.0),
            GRAY.stroke_width(s.px(1.0)),
        ))?;
    }
    legend.draw(&chart, s, Corner::UpperRight, 10.0)?;
    Ok(())
}
