//! Shared colours, sizes and the error type of the plots.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::{DynElement, IntoDynElement};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::RGBColor;

/// A drawing failed; the message says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlotError(pub String);

impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlotError {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(format!("drawing failed: {e}"))
    }
}

pub const BLUE: RGBColor = RGBColor(31, 119, 180);
pub const ORANGE: RGBColor = RGBColor(255, 127, 14);
pub const GREEN: RGBColor = RGBColor(44, 160, 44);
pub const RED: RGBColor = RGBColor(214, 39, 40);
pub const PURPLE: RGBColor = RGBColor(148, 103, 189);
pub const BROWN: RGBColor = RGBColor(140, 86, 75);
pub const OLIVE: RGBColor = RGBColor(188, 189, 34);
pub const GRAY: RGBColor = RGBColor(127, 127, 127);
/// The sampled networks (a teal no other element uses, so tests can find them by colour).
pub const TEAL: RGBColor = RGBColor(0, 128, 128);

/// Opacity of the weights-only band (BLUE) and of the noise part of the total band (PURPLE).
pub const BAND_OPACITY: f64 = 0.2;

/// Text and marker sizes that follow the area's size, so high-DPI canvases stay crisp and
/// readable (the page hands in a canvas `devicePixelRatio` times larger).
#[derive(Clone, Copy, Debug)]
pub struct Scale(pub f64);

impl Scale {
    /// Scale of an area `w × h` pixels (1.0 at 700 × 400).
    pub fn of(w: u32, h: u32) -> Self {
        Scale((w as f64 / 700.0).min(h as f64 / 400.0).max(0.5))
    }

    /// A length in pixels at this scale.
    pub fn px(self, base: f64) -> u32 {
        (base * self.0).round().max(1.0) as u32
    }

    /// Font size at this scale.
    pub fn font(self, base: f64) -> f64 {
        (base * self.0).max(8.0)
    }
}

/// (min, max) of finite values with a small margin; a fallback range when there are none.
pub fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad, hi + pad)
}

/// A chart over the data's x range: `y` against `x`, with the shared caption, margins and mesh.
pub type XyChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Where a chart's data coordinates lie on its area: turns a pixel back into a point (the
/// page's clicks on the data figure).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// The x range shown.
    pub x: (f64, f64),
    /// The y range shown.
    pub y: (f64, f64),
    /// Pixel columns of the plotting area, left to right (end exclusive).
    pub columns: (i32, i32),
    /// Pixel rows of the plotting area, top to bottom (end exclusive).
    pub rows: (i32, i32),
}

impl Frame {
    /// The frame of a chart.
    pub fn of<DB: DrawingBackend>(chart: &XyChart<'_, DB>, x: (f64, f64), y: (f64, f64)) -> Self {
        let (c, r) = chart.plotting_area().get_pixel_range();
        Frame {
            x,
            y,
            columns: (c.start, c.end),
            rows: (r.start, r.end),
        }
    }

    /// The point under pixel `(px, py)`, or `None` outside the plotting area.
    pub fn point_at(&self, px: f64, py: f64) -> Option<(f64, f64)> {
        let (c0, c1) = (self.columns.0 as f64, (self.columns.1 - 1) as f64);
        let (r0, r1) = (self.rows.0 as f64, (self.rows.1 - 1) as f64);
        if !(c0..=c1).contains(&px) || !(r0..=r1).contains(&py) || c1 <= c0 || r1 <= r0 {
            return None;
        }
        let x = self.x.0 + (px - c0) / (c1 - c0) * (self.x.1 - self.x.0);
        let y = self.y.1 - (py - r0) / (r1 - r0) * (self.y.1 - self.y.0);
        Some((x, y))
    }

    /// The pixel of point `(x, y)` (the inverse of [`point_at`](Self::point_at)).
    pub fn pixel_of(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let (c0, c1) = (self.columns.0 as f64, (self.columns.1 - 1) as f64);
        let (r0, r1) = (self.rows.0 as f64, (self.rows.1 - 1) as f64);
        (
            c0 + (x - self.x.0) / (self.x.1 - self.x.0) * (c1 - c0),
            r0 + (self.y.1 - y) / (self.y.1 - self.y.0) * (r1 - r0),
        )
    }
}

/// Builds the x–y chart used by the data and predictive plots, over `x` and `y`.
pub fn xy_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    s: Scale,
) -> Result<XyChart<'a, DB>, PlotError>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", s.font(18.0)))
        .margin(s.px(10.0))
        .x_label_area_size(s.px(36.0))
        .y_label_area_size(s.px(44.0))
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("x")
        .y_desc("y")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .label_style(("sans-serif", s.font(12.0)))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    Ok(chart)
}

/// The closed outline between `upper` and `lower` over `x`, for a filled band.
pub fn band_outline(x: &[f64], upper: &[f64], lower: &[f64]) -> Vec<(f64, f64)> {
    x.iter()
        .zip(upper)
        .map(|(&x, &u)| (x, u))
        .chain(x.iter().zip(lower).rev().map(|(&x, &l)| (x, l)))
        .collect()
}

/// Splits the line through `points` into the runs that stay within `y0..=y1`, each ending
/// where it crosses the edge (plotters draws lines past the plotting area otherwise).
pub fn clip_line(points: &[(f64, f64)], (y0, y1): (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let inside = |y: f64| (y0..=y1).contains(&y);
    let cross = |(xa, ya): (f64, f64), (xb, yb): (f64, f64), y: f64| {
        (xa + (xb - xa) * (y - ya) / (yb - ya), y)
    };
    let mut runs = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (i, &p) in points.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| points[j]);
        match (prev, inside(p.1)) {
            (Some(q), true) if !inside(q.1) => {
                let edge = if q.1 > y1 { y1 } else { y0 };
                run.push(cross(q, p, edge));
                run.push(p);
            }
            (_, true) => run.push(p),
            (Some(q), false) => {
                if inside(q.1) {
                    run.push(cross(q, p, if p.1 > y1 { y1 } else { y0 }));
                } else if (q.1 > y1) != (p.1 > y1) {
                    // Jumped over the whole range between two samples.
                    let (a, b) = if q.1 > y1 { (y1, y0) } else { (y0, y1) };
                    runs.push(vec![cross(q, p, a), cross(q, p, b)]);
                }
                if !run.is_empty() {
                    runs.push(std::mem::take(&mut run));
                }
            }
            (None, false) => {}
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs.retain(|r| r.len() > 1);
    runs
}

/// Noisy points as filled circles, faint in the plot and solid in the legend.
pub fn scatter<'a, DB: DrawingBackend + 'a>(
    chart: &mut XyChart<'a, DB>,
    legend: &mut Legend<'a, DB>,
    (xs, ys): (&[f64], &[f64]),
    style: (RGBColor, f64, u32),
    label: &str,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let (color, opacity, radius) = style;
    let points = xs
        .iter()
        .zip(ys)
        .map(|(&x, &y)| Circle::new((x, y), radius, color.mix(opacity).filled()));
    chart.draw_series(points)?;
    legend.add(label, move |(x, y)| {
        Circle::new((x, y), radius, color.filled())
    });
    Ok(())
}

/// A line's mark in a legend: a short stroke in the line's style.
pub fn line_mark(style: ShapeStyle) -> impl Fn(Coord) -> PathElement<Coord> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style)
}

/// A point in the backend's pixels.
type Coord = (i32, i32);

type Mark<'a, DB> = Box<dyn Fn(Coord) -> DynElement<'a, DB, Coord> + 'a>;

/// Where a legend goes: an upper corner of the plotting area.
#[derive(Clone, Copy, Debug)]
pub enum Corner {
    UpperLeft,
    UpperRight,
}

/// A legend box in a corner of a chart: a mark and a label per entry, in the order added.
///
/// plotters has one (`configure_series_labels`), but it measures its labels through the font
/// layer, which in a browser means a page element per label and a forced layout of the whole
/// page (three per label per redraw). This one asks the drawing backend instead: the canvas's
/// own text metrics in the page, the font file for PNGs.
pub struct Legend<'a, DB: DrawingBackend> {
    entries: Vec<(String, Mark<'a, DB>)>,
}

impl<'a, DB: DrawingBackend + 'a> Default for Legend<'a, DB> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<'a, DB: DrawingBackend + 'a> Legend<'a, DB> {
    /// An entry: `label` beside the element `mark` draws centred on the left end of its row.
    pub fn add<E: IntoDynElement<'a, DB, Coord>>(
        &mut self,
        label: impl Into<String>,
        mark: impl Fn(Coord) -> E + 'a,
    ) {
        self.entries
            .push((label.into(), Box::new(move |p| mark(p).into_dyn())));
    }

    /// Draws the box in `corner` of the chart's plotting area, labels at `font_px` (before
    /// scaling), on a translucent white ground.
    pub fn draw(
        self,
        chart: &XyChart<'a, DB>,
        s: Scale,
        corner: Corner,
        font_px: f64,
    ) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        if self.entries.is_empty() {
            return Ok(());
        }
        let area = chart.plotting_area().strip_coord_spec();
        let font: TextStyle = ("sans-serif", s.font(font_px)).into_font().into();
        let size = font.font.get_size();
        let (margin, mark_width, inset) = (10, 30, 5);
        let row = (1.25 * size).round() as i32;
        let mut width = 0;
        for (label, _) in &self.entries {
            width = width.max(area.estimate_text_size(label, &font)?.0 as i32);
        }
        let rows = self.entries.len() as i32;
        let (w, h) = (
            width + mark_width + 2 * margin,
            (rows - 1) * row + size.round() as i32 + 2 * margin,
        );
        let x0 = match corner {
            Corner::UpperLeft => inset,
            Corner::UpperRight => area.dim_in_pixel().0 as i32 - w - inset,
        };
        let y0 = inset;
        area.draw(&Rectangle::new(
            [(x0, y0), (x0 + w, y0 + h)],
            WHITE.mix(0.8).filled(),
        ))?;
        let text = font.pos(Pos::new(HPos::Left, VPos::Center));
        for (i, (label, mark)) in self.entries.iter().enumerate() {
            let y = y0 + margin + i as i32 * row + (size / 2.0).round() as i32;
            area.draw(&mark((x0 + margin, y)))?;
            area.draw_text(label, &text, (x0 + margin + mark_width, y))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_the_inside_and_cuts_at_the_edges() {
        let line = [
            (0.0, 0.0),
            (1.0, 2.0),
            (2.0, 4.0),
            (3.0, 0.0),
            (4.0, -4.0),
            (5.0, 4.0),
        ];
        let runs = clip_line(&line, (-1.0, 3.0));
        assert_eq!(
            runs,
            vec![
                vec![(0.0, 0.0), (1.0, 2.0), (1.5, 3.0)],
                vec![(2.25, 3.0), (3.0, 0.0), (3.25, -1.0)],
                vec![(4.375, -1.0), (4.875, 3.0)],
            ]
        );
        assert!(clip_line(&[(0.0, 9.0), (1.0, 8.0)], (0.0, 1.0)).is_empty());
    }

    #[test]
    fn a_frame_turns_pixels_into_points_and_back() {
        // x from −3 to 3 over columns 50..=650, y from −2 to 2 over rows 20..=420.
        let f = Frame {
            x: (-3.0, 3.0),
            y: (-2.0, 2.0),
            columns: (50, 651),
            rows: (20, 421),
        };
        assert_eq!(f.point_at(50.0, 20.0), Some((-3.0, 2.0)));
        assert_eq!(f.point_at(650.0, 420.0), Some((3.0, -2.0)));
        assert_eq!(f.point_at(350.0, 220.0), Some((0.0, 0.0)));
        assert_eq!(f.point_at(49.0, 100.0), None);
        assert_eq!(f.point_at(300.0, 421.0), None);
        let (px, py) = f.pixel_of((1.5, -0.5));
        assert_eq!((px, py), (500.0, 270.0));
        let (x, y) = f.point_at(px, py).unwrap();
        assert!((x - 1.5).abs() < 1e-12 && (y + 0.5).abs() < 1e-12);
    }
}
