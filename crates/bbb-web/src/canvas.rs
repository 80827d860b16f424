//! The page's drawing backend: plotters' drawing calls made on a 2D canvas context.
//!
//! The canvas is either one of the page's `<canvas>` elements or an `OffscreenCanvas` (the
//! trainer's worker draws its figures off the page and hands them over as images). Both offer
//! the same drawing calls, so the backend speaks to them through one structural type,
//! [`Context2d`], that declares just the calls it makes.
//!
//! Text is measured by the context's `measureText`: plotters' own font layer in a browser
//! measures by adding an element to the page and reading its size, a forced layout per label
//! (and impossible in a worker).

use std::f64::consts::PI;

use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform,
};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A page `<canvas>` or an `OffscreenCanvas`: a pixel size and a 2D context.
    #[wasm_bindgen(typescript_type = "HTMLCanvasElement | OffscreenCanvas")]
    pub type AnyCanvas;
    #[wasm_bindgen(method, getter)]
    pub fn width(this: &AnyCanvas) -> u32;
    #[wasm_bindgen(method, getter)]
    pub fn height(this: &AnyCanvas) -> u32;
    #[wasm_bindgen(method, catch, js_name = getContext)]
    fn get_context(this: &AnyCanvas, kind: &str) -> Result<Option<Context2d>, JsValue>;

    /// The calls this backend makes, shared by `CanvasRenderingContext2D` and
    /// `OffscreenCanvasRenderingContext2D`.
    type Context2d;
    #[wasm_bindgen(method, setter = fillStyle)]
    fn set_fill_style(this: &Context2d, style: &str);
    #[wasm_bindgen(method, setter = strokeStyle)]
    fn set_stroke_style(this: &Context2d, style: &str);
    #[wasm_bindgen(method, setter = lineWidth)]
    fn set_line_width(this: &Context2d, width: f64);
    #[wasm_bindgen(method, setter = font)]
    fn set_font(this: &Context2d, font: &str);
    #[wasm_bindgen(method, setter = textAlign)]
    fn set_text_align(this: &Context2d, align: &str);
    #[wasm_bindgen(method, setter = textBaseline)]
    fn set_text_baseline(this: &Context2d, baseline: &str);
    #[wasm_bindgen(method, js_name = fillRect)]
    fn fill_rect(this: &Context2d, x: f64, y: f64, w: f64, h: f64);
    #[wasm_bindgen(method, js_name = strokeRect)]
    fn stroke_rect(this: &Context2d, x: f64, y: f64, w: f64, h: f64);
    #[wasm_bindgen(method, js_name = beginPath)]
    fn begin_path(this: &Context2d);
    #[wasm_bindgen(method, js_name = moveTo)]
    fn move_to(this: &Context2d, x: f64, y: f64);
    #[wasm_bindgen(method, js_name = lineTo)]
    fn line_to(this: &Context2d, x: f64, y: f64);
    #[wasm_bindgen(method, js_name = closePath)]
    fn close_path(this: &Context2d);
    #[wasm_bindgen(method)]
    fn arc(this: &Context2d, x: f64, y: f64, radius: f64, start: f64, end: f64);
    #[wasm_bindgen(method)]
    fn stroke(this: &Context2d);
    #[wasm_bindgen(method)]
    fn fill(this: &Context2d);
    #[wasm_bindgen(method)]
    fn save(this: &Context2d);
    #[wasm_bindgen(method)]
    fn restore(this: &Context2d);
    #[wasm_bindgen(method)]
    fn translate(this: &Context2d, x: f64, y: f64);
    #[wasm_bindgen(method)]
    fn rotate(this: &Context2d, radians: f64);
    #[wasm_bindgen(method, js_name = fillText)]
    fn fill_text(this: &Context2d, text: &str, x: f64, y: f64);
    #[wasm_bindgen(method, js_name = measureText)]
    fn measure_text(this: &Context2d, text: &str) -> TextMetrics;

    type TextMetrics;
    #[wasm_bindgen(method, getter)]
    fn width(this: &TextMetrics) -> f64;
    #[wasm_bindgen(method, getter = fontBoundingBoxAscent)]
    fn font_ascent(this: &TextMetrics) -> f64;
    #[wasm_bindgen(method, getter = fontBoundingBoxDescent)]
    fn font_descent(this: &TextMetrics) -> f64;
}

/// A drawing call the canvas refused.
#[derive(Debug)]
pub struct CanvasError(String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanvasError {}

type Drawn = Result<(), DrawingErrorKind<CanvasError>>;

/// A canvas to draw on, at its pixel size when made.
pub struct Canvas {
    context: Context2d,
    size: (u32, u32),
}

impl Canvas {
    /// `None` when the canvas has no 2D context (another kind of context holds it).
    pub fn new(canvas: &AnyCanvas) -> Option<Self> {
        let context = canvas.get_context("2d").ok()??;
        Some(Self {
            context,
            size: (canvas.width(), canvas.height()),
        })
    }

    /// Sets the fill and stroke colour; false when the colour is fully transparent (nothing
    /// to draw).
    fn paint(&self, color: BackendColor) -> bool {
        if color.alpha <= 0.0 {
            return false;
        }
        let (r, g, b) = color.rgb;
        let css = format!("rgba({r},{g},{b},{})", color.alpha);
        self.context.set_fill_style(&css);
        self.context.set_stroke_style(&css);
        true
    }

    /// [`paint`](Self::paint) with the style's colour and line width.
    fn pen<S: BackendStyle>(&self, style: &S) -> bool {
        self.context.set_line_width(style.stroke_width() as f64);
        self.paint(style.color())
    }

    /// Traces `points` as one path (closed for a polygon).
    fn trace(&self, points: impl IntoIterator<Item = BackendCoord>, close: bool) -> bool {
        let mut points = points.into_iter();
        let Some((x, y)) = points.next() else {
            return false;
        };
        self.context.begin_path();
        self.context.move_to(x as f64, y as f64);
        for (x, y) in points {
            self.context.line_to(x as f64, y as f64);
        }
        if close {
            self.context.close_path();
        }
        true
    }
}

/// A line's ends moved onto pixel centres when it is horizontal or vertical and an odd number
/// of pixels wide, so it covers whole pixels rather than two half-lit rows.
fn crisp(from: BackendCoord, to: BackendCoord, width: u32) -> ((f64, f64), (f64, f64)) {
    let (mut a, mut b) = ((from.0 as f64, from.1 as f64), (to.0 as f64, to.1 as f64));
    if width % 2 == 1 {
        if from.1 == to.1 {
            a.1 += 0.5;
            b.1 += 0.5;
        } else if from.0 == to.0 {
            a.0 += 0.5;
            b.0 += 0.5;
        }
    }
    (a, b)
}

impl DrawingBackend for Canvas {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Drawn {
        Ok(())
    }

    fn present(&mut self) -> Drawn {
        Ok(())
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, color: BackendColor) -> Drawn {
        if self.paint(color) {
            self.context.fill_rect(x as f64, y as f64, 1.0, 1.0);
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, s: &S) -> Drawn {
        if self.pen(s) {
            let (a, b) = crisp(from, to, s.stroke_width());
            self.context.begin_path();
            self.context.move_to(a.0, a.1);
            self.context.line_to(b.0, b.1);
            self.context.stroke();
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        (x0, y0): BackendCoord,
        (x1, y1): BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        if self.pen(style) {
            let (x, y) = (x0 as f64, y0 as f64);
            let (w, h) = ((x1 - x0) as f64, (y1 - y0) as f64);
            if fill {
                self.context.fill_rect(x, y, w, h);
            } else {
                self.context.stroke_rect(x, y, w, h);
            }
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn {
        if self.pen(style) && self.trace(path, false) {
            self.context.stroke();
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        (x, y): BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn {
        if self.pen(style) {
            self.context.begin_path();
            self.context
                .arc(x as f64, y as f64, radius as f64, 0.0, 2.0 * PI);
            if fill {
                self.context.fill();
            } else {
                self.context.stroke();
            }
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Drawn {
        if self.pen(style) && self.trace(vertices, true) {
            self.context.fill();
        }
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        (x, y): BackendCoord,
    ) -> Drawn {
        if !self.paint(style.color()) {
            return Ok(());
        }
        let anchor = style.anchor();
        self.context.set_text_align(match anchor.h_pos {
            HPos::Left => "left",
            HPos::Center => "center",
            HPos::Right => "right",
        });
        self.context.set_text_baseline(match anchor.v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        });
        self.set_font(style);
        let turn = match style.transform() {
            FontTransform::None => None,
            FontTransform::Rotate90 => Some(PI / 2.0),
            FontTransform::Rotate180 => Some(PI),
            FontTransform::Rotate270 => Some(1.5 * PI),
        };
        match turn {
            None => self.context.fill_text(text, x as f64, y as f64),
            Some(angle) => {
                self.context.save();
                self.context.translate(x as f64, y as f64);
                self.context.rotate(angle);
                self.context.fill_text(text, 0.0, 0.0);
                self.context.restore();
            }
        }
        Ok(())
    }

    /// Width and height of `text` unrotated, in the font the backend draws it with: the width
    /// the canvas measures, the height of the font's line box (its size where the browser
    /// reports no font box).
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        self.set_font(style);
        let metrics = self.context.measure_text(text);
        let line = metrics.font_ascent() + metrics.font_descent();
        let height = if line.is_finite() && line > 0.0 {
            line
        } else {
            style.size()
        };
        let width = metrics.width();
        if !width.is_finite() {
            return Err(DrawingErrorKind::FontError(
                format!("the canvas could not measure {text:?}").into(),
            ));
        }
        Ok((width.ceil() as u32, height.ceil() as u32))
    }
}

impl Canvas {
    fn set_font<S: BackendTextStyle>(&self, style: &S) {
        self.context.set_font(&format!(
            "{} {}px {}",
            style.style().as_str(),
            style.size(),
            style.family().as_str(),
        ));
    }
}
