//! The figures on real canvases: drawn on the page, drawn off screen and handed over as an
//! image, and the project's canvas backend against plotters' own bitmap backend.
#![cfg(target_arch = "wasm32")]

use bbb_core::config::Config;
use bbb_core::data::Dataset;
use bbb_core::Predictive;
use bbb_web::{AnyCanvas, Canvas};
use plotters::backend::BitMapBackend;
use plotters::prelude::*;
use plotters_backend::DrawingErrorKind;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use bbb_wasm_tests::support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The page's runs draw in the trainer's worker, on off-screen canvases, and show each figure
/// as an image: the same pixels as drawing on the page's canvas.
#[wasm_bindgen_test]
async fn a_figure_drawn_off_screen_is_the_figure_drawn_on_the_page() {
    let mut s = tiny_session().await;
    run_to_end(&mut s).await;
    s.refresh_predictive(false).await.map_err(message).unwrap();
    let (w, h) = (900, 420);
    let on_page = canvas(w, h);
    s.draw_predictive(on_page.unchecked_ref())
        .map_err(message)
        .unwrap();
    let off = web_sys::OffscreenCanvas::new(w, h).unwrap();
    s.draw_predictive(off.unchecked_ref())
        .map_err(message)
        .unwrap();
    let image = off.transfer_to_image_bitmap().unwrap();
    let shown = canvas(w, h);
    let ctx: web_sys::CanvasRenderingContext2d = shown
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    ctx.draw_image_with_image_bitmap(&image, 0.0, 0.0).unwrap();
    let (a, b) = (pixels(&on_page), pixels(&shown));
    let differ = a.chunks(4).zip(b.chunks(4)).filter(|(p, q)| p != q).count();
    assert!(inked(&shown) > 5_000, "the off-screen figure is blank");
    assert_eq!(differ, 0, "{differ} of {} pixels differ", w * h);
}

#[wasm_bindgen_test]
async fn plots_draw_onto_real_canvases() {
    let mut s = tiny_session().await;
    let (data, curves, pred) = (canvas(600, 340), canvas(1200, 340), tall());
    s.draw_data(data.unchecked_ref()).map_err(message).unwrap();
    assert!(inked(&data) > 2_000, "data plot is blank");
    run_to_end(&mut s).await;
    s.refresh_predictive(false).await.map_err(message).unwrap();
    s.draw_curves(curves.unchecked_ref())
        .map_err(message)
        .unwrap();
    s.draw_predictive(pred.unchecked_ref())
        .map_err(message)
        .unwrap();
    assert!(inked(&curves) > 2_000, "curves are blank");
    assert_band_and_mean(&pred);
    // New sampled networks change the figure.
    let first = pixels(&pred);
    s.resample().await.map_err(message).unwrap();
    s.draw_predictive(pred.unchecked_ref())
        .map_err(message)
        .unwrap();
    assert_ne!(first, pixels(&pred), "new networks drew the same figure");
    let (before, calibration, weights) = (canvas(600, 340), canvas(600, 340), canvas(1200, 340));
    s.draw_before(before.unchecked_ref())
        .map_err(message)
        .unwrap();
    s.refresh_weights().await.map_err(message).unwrap();
    s.draw_calibration(calibration.unchecked_ref())
        .map_err(message)
        .unwrap();
    s.draw_weights(weights.unchecked_ref())
        .map_err(message)
        .unwrap();
    // Prior functions in PURPLE, calibration lines in BLUE, σ bars in BLUE at 75 %.
    let prior = coloured(&before, [148, 103, 189], 30);
    assert!(prior > 1_500, "no prior functions ({prior} pixels)");
    let line = coloured(&calibration, [31, 119, 180], 12);
    assert!(line > 300, "no calibration line ({line} pixels)");
    let bars = coloured(&weights, [87, 153, 199], 6);
    assert!(bars > 1_500, "no σ histogram ({bars} pixels)");
}

// The page's canvas backend against an independent rasteriser.
//
// One predictive figure, built by hand (a sine, a band that widens to the right, the quick
// preset's data), is drawn twice: by the project's backend (`bbb_web::Canvas`) on an
// `OffscreenCanvas` and handed to a page canvas as an image, as the trainer's worker does; and by
// plotters' own bitmap backend into a buffer. The reference leaves text out, and text, axes, grid
// and background (every grey) are masked out of the comparison, because two font rasterisers
// never agree pixel for pixel. Lines one pixel wide (the sampled networks) are left out of the
// figure: the bitmap backend antialiases them into pixels of a quarter and three quarters of
// their colour, a canvas by the coverage of each pixel, so no colour of theirs is shared.
//
// Tolerance: each colour that covers at least 0.2 % of the reference is compared where it lies.
// At least 95 % of its reference pixels must have a pixel of that colour (each channel within
// 10) in the canvas figure no more than 2 px away, and at least 95 % of the canvas figure's
// pixels of that colour must have one in the reference no more than 2 px away. The 2 px allow
// for antialiased edges and subpixel placement; a shape missing, moved, filled where it should be
// stroked or painted in another colour or opacity breaks it.

/// Plotters' bitmap backend with the text left out. Text is still measured, by the browser as
/// the page's backend measures it, so the chart's frame falls in the same place.
struct TextFree<'a> {
    bitmap: BitMapBackend<'a>,
    measure: CanvasRenderingContext2d,
}

type Failed<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for TextFree<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.bitmap.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), Failed<'a>> {
        self.bitmap.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), Failed<'a>> {
        self.bitmap.present()
    }
    fn draw_pixel(&mut self, at: BackendCoord, color: BackendColor) -> Result<(), Failed<'a>> {
        self.bitmap.draw_pixel(at, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Failed<'a>> {
        self.bitmap.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Failed<'a>> {
        self.bitmap.draw_rect(a, b, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Failed<'a>> {
        self.bitmap.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        centre: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Failed<'a>> {
        self.bitmap.draw_circle(centre, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Result<(), Failed<'a>> {
        self.bitmap.fill_polygon(vertices, style)
    }
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        _text: &str,
        _style: &S,
        _at: BackendCoord,
    ) -> Result<(), Failed<'a>> {
        Ok(())
    }
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), Failed<'a>> {
        self.measure.set_font(&format!(
            "{} {}px {}",
            style.style().as_str(),
            style.size(),
            style.family().as_str()
        ));
        let m = self.measure.measure_text(text).unwrap();
        let line = m.font_bounding_box_ascent() + m.font_bounding_box_descent();
        let height = if line > 0.0 { line } else { style.size() };
        Ok((m.width().ceil() as u32, height.ceil() as u32))
    }
}

/// A predictive made by hand over the quick preset's data: a sine for the mean, a weights band
/// that widens from left to right and a constant noise part.
fn figure_inputs() -> (Dataset, Predictive) {
    let data = Dataset::generate(&Config::quick());
    let (a, b) = data.view;
    let n = 200;
    let x: Vec<f64> = (0..n)
        .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
        .collect();
    let mean: Vec<f64> = x.iter().map(|x| x.sin()).collect();
    let std: Vec<f64> = x.iter().map(|x| 0.05 + 0.05 * (x - a)).collect();
    let noise = 0.1;
    let total: Vec<f64> = std
        .iter()
        .map(|s| 1.96 * (s * s + noise * noise).sqrt())
        .collect();
    let p = Predictive {
        lower: mean.iter().zip(&std).map(|(m, s)| m - 1.96 * s).collect(),
        upper: mean.iter().zip(&std).map(|(m, s)| m + 1.96 * s).collect(),
        total_lower: mean.iter().zip(&total).map(|(m, t)| m - t).collect(),
        total_upper: mean.iter().zip(&total).map(|(m, t)| m + t).collect(),
        truth: mean.clone(),
        noise_sigma: noise,
        samples: 100,
        x,
        mean,
        std,
        ..Predictive::default()
    };
    (data, p)
}

fn page_canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(w);
    c.set_height(h);
    c
}

fn context(c: &HtmlCanvasElement) -> CanvasRenderingContext2d {
    c.get_context("2d").unwrap().unwrap().dyn_into().unwrap()
}

/// The figure as the trainer's worker draws it: on an `OffscreenCanvas` by the page's backend,
/// then moved onto a page canvas as an `ImageBitmap`. RGB, row by row.
fn drawn_off_screen(w: u32, h: u32, data: &Dataset, p: &Predictive) -> Vec<[u8; 3]> {
    let off = web_sys::OffscreenCanvas::new(w, h).unwrap();
    let canvas = Canvas::new(off.unchecked_ref::<AnyCanvas>()).expect("a 2D context");
    bbb_plots::draw_predictive(&canvas.into_drawing_area(), data, p, None).unwrap();
    let shown = page_canvas(w, h);
    let ctx = context(&shown);
    ctx.draw_image_with_image_bitmap(&off.transfer_to_image_bitmap().unwrap(), 0.0, 0.0)
        .unwrap();
    let rgba = ctx
        .get_image_data(0.0, 0.0, w as f64, h as f64)
        .unwrap()
        .data()
        .0;
    rgba.chunks(4).map(|p| [p[0], p[1], p[2]]).collect()
}

/// The same figure from plotters' bitmap backend, text left out. RGB, row by row.
fn drawn_by_plotters(w: u32, h: u32, data: &Dataset, p: &Predictive) -> Vec<[u8; 3]> {
    let mut buffer = vec![0u8; (w * h * 3) as usize];
    {
        let backend = TextFree {
            bitmap: BitMapBackend::with_buffer(&mut buffer, (w, h)),
            measure: context(&page_canvas(1, 1)),
        };
        bbb_plots::draw_predictive(&backend.into_drawing_area(), data, p, None).unwrap();
    }
    buffer.chunks(3).map(|p| [p[0], p[1], p[2]]).collect()
}

fn like(a: [u8; 3], b: [u8; 3]) -> bool {
    (0..3).all(|k| a[k].abs_diff(b[k]) <= 10)
}

/// Greys (white, black, the grid, text, axes): left out of the comparison.
fn grey(c: [u8; 3]) -> bool {
    c.iter().max().unwrap() - c.iter().min().unwrap() < 16
}

/// The reference's colours that cover at least 0.2 % of it, with their pixel counts.
fn colours_of(reference: &[[u8; 3]]) -> Vec<([u8; 3], usize)> {
    let mut counts = std::collections::HashMap::new();
    for &c in reference.iter().filter(|&&c| !grey(c)) {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let least = reference.len() / 500;
    let mut colours: Vec<_> = counts.into_iter().filter(|&(_, n)| n >= least).collect();
    colours.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    colours
}

/// The share of `colour`'s pixels in `a` that have a pixel of that colour in `b` at most
/// `reach` pixels away (1 when `a` has none).
fn found_near(a: &[[u8; 3]], b: &[[u8; 3]], (w, h): (usize, usize), colour: [u8; 3]) -> f64 {
    let reach = 2isize;
    let (mut total, mut found) = (0usize, 0usize);
    for y in 0..h as isize {
        for x in 0..w as isize {
            if !like(a[y as usize * w + x as usize], colour) {
                continue;
            }
            total += 1;
            let near = (-reach..=reach).any(|dy| {
                (-reach..=reach).any(|dx| {
                    let (u, v) = (x + dx, y + dy);
                    u >= 0
                        && v >= 0
                        && (u as usize) < w
                        && (v as usize) < h
                        && like(b[v as usize * w + u as usize], colour)
                })
            });
            found += near as usize;
        }
    }
    if total == 0 {
        1.0
    } else {
        found as f64 / total as f64
    }
}

#[wasm_bindgen_test]
fn the_canvas_backend_draws_what_plotters_bitmap_backend_draws() {
    let (w, h) = (900u32, 420u32);
    let (data, p) = figure_inputs();
    let canvas = drawn_off_screen(w, h, &data, &p);
    let reference = drawn_by_plotters(w, h, &data, &p);
    let colours = colours_of(&reference);
    // The two bands' fills, the mean, the truth and the scatter, at least.
    assert!(
        colours.len() >= 4,
        "the reference has too few colours: {colours:?}"
    );
    let size = (w as usize, h as usize);
    let mut wrong = vec![];
    for (colour, count) in colours {
        let kept = found_near(&reference, &canvas, size, colour);
        let extra = found_near(&canvas, &reference, size, colour);
        if kept < 0.95 || extra < 0.95 {
            wrong.push(format!(
                "colour {colour:?} ({count} reference pixels): {:.1} % of them found in the \
                 canvas figure, {:.1} % of the canvas figure's found in the reference",
                100.0 * kept,
                100.0 * extra
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
