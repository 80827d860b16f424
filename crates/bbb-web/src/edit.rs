//! A click on the data figure becomes an edit of the training points: a plain click adds a
//! point where it lands, a removing click (right button or Shift) takes away the training
//! point nearest to it. The new edits come back in the address's form for the page to keep.

use bbb_core::data::Dataset;
use wasm_bindgen::prelude::*;

use crate::draw::data_frame;
use crate::js::{error, object};
use crate::settings::try_config;

/// How near (in CSS pixels) a removing click must land to a training point.
const REMOVE_RADIUS_CSS_PX: f64 = 12.0;

/// Applies a click at CSS pixel `(css_x, css_y)` of the data figure to the edits in `settings`:
/// adds a point there, or (`remove`) removes the nearest training point. The figure is the one
/// this module drew last, on a canvas of `width × height` pixels shown `css_width` CSS pixels
/// wide. Resolves to the new `{ add, remove }`; a click that cannot be applied is an error
/// worded for a student.
#[wasm_bindgen(js_name = editData)]
pub fn edit_data(
    settings: JsValue,
    width: u32,
    height: u32,
    css_width: f64,
    css_x: f64,
    css_y: f64,
    remove: bool,
) -> Result<JsValue, JsError> {
    let mut config = try_config(&settings).map_err(error)?;
    let frame = data_frame((width, height))
        .ok_or_else(|| error("the data figure is not drawn yet; try again in a moment"))?;
    let dpr = width as f64 / css_width.max(1.0);
    let (px, py) = (css_x * dpr, css_y * dpr);
    let mut edits = config.edits.clone();
    if remove {
        let data = Dataset::generate(&config);
        let distance = |i: usize| {
            let (qx, qy) = frame.pixel_of((data.train.x[i], data.train.y[i]));
            (qx - px).hypot(qy - py)
        };
        let nearest = (0..data.train.len())
            .map(|i| (i, distance(i)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .filter(|&(_, d)| d <= REMOVE_RADIUS_CSS_PX * dpr)
            .ok_or_else(|| {
                error("no training point under the pointer: aim at a blue point to remove it")
            })?;
        let generated = config.generated_train_len();
        edits.remove_at(nearest.0, generated).map_err(error)?;
    } else {
        let point = frame
            .point_at(px, py)
            .ok_or_else(|| error("click inside the figure's axes to add a point"))?;
        edits.add(point).map_err(error)?;
    }
    config.edits = edits;
    config.validate().map_err(error)?;
    let (add, remove) = config.edits.encode();
    Ok(object(&[("add", add.into()), ("remove", remove.into())]))
}
