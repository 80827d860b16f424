//! What the browser tests share: settings for a tiny run, stepping a `Session` to the end as the
//! page does, canvases and their pixels, and the predictive figure's colours.

use bbb_web::{BackendChoice, Session};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

pub fn settings(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    o.into()
}

/// A short run: 1 warmup + 2 VI epochs, light evaluation, small predictives, and a learning
/// rate high enough to learn something in 21 steps.
pub fn tiny() -> JsValue {
    settings(&[
        ("preset", "quick"),
        ("lr", "0.01"),
        ("lr-min", "0.001"),
        ("warmup-epochs", "1"),
        ("vi-epochs", "2"),
        ("mc-elbo", "1"),
        ("mc-rmse", "2"),
        ("predictive-samples", "50"),
        ("grid-points", "60"),
        ("live-samples", "20"),
        ("live-grid-points", "30"),
    ])
}

/// Three epochs cannot reach the tutorial's 0.083, but they must beat by far the trivial
/// predictor (the spread of the test targets, about 0.93; natively this run gets about 0.14)
/// and stay above the noise (0.08).
/// A WebGPU run small enough for the runner's 20 s a page. On the software adapter the time
/// goes to compiling each kernel at its first use (a warmup epoch's evaluation alone took
/// 4.5 s), so the run is the variational stage alone, on the `few` points, two steps an epoch,
/// a narrow network: about 11 s. The e2e trains the whole quick preset, both stages, on WebGPU.
pub fn small_webgpu_run() -> JsValue {
    settings(&[
        ("preset", "quick"),
        ("width", "16"),
        ("depth", "1"),
        ("scenario", "few"),
        ("batch-size", "30"),
        ("lr", "0.05"),
        ("lr-min", "0.01"),
        ("warmup-epochs", "0"),
        ("vi-epochs", "5"),
        ("mc-elbo", "1"),
        ("mc-rmse", "1"),
        ("test-mc-elbo", "1"),
        ("test-mc-rmse", "2"),
        ("predictive-samples", "20"),
        ("grid-points", "30"),
        ("live-samples", "10"),
        ("live-grid-points", "20"),
    ])
}

pub fn assert_learned(rmse: f64) {
    assert!(rmse > 0.08 && rmse < 0.5, "test RMSE {rmse}");
}

pub fn get(o: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(o, &key.into()).unwrap()
}

/// How many keys a plain object has.
pub fn keys(o: &JsValue) -> u32 {
    js_sys::Object::keys(o.unchecked_ref::<js_sys::Object>()).length()
}

pub fn message(e: JsError) -> String {
    js_sys::Error::from(JsValue::from(e)).message().into()
}

/// Lets the browser breathe between calls, as the page's animation loop does (a step that
/// reads nothing back completes without ever yielding to the event loop).
pub async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback(&resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

pub async fn run_to_end(s: &mut Session) -> u32 {
    let mut calls = 0;
    while !s.done() {
        next_tick().await;
        let p = s.step(8.0).await.map_err(message).unwrap();
        assert!(get(&p, "fraction").as_f64().unwrap() <= 1.0);
        calls += 1;
        assert!(calls < 100_000, "the run does not end");
    }
    calls
}

pub fn canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(w);
    c.set_height(h);
    doc.body().unwrap().append_child(&c).unwrap();
    c
}

pub fn pixels(c: &HtmlCanvasElement) -> Vec<u8> {
    let ctx: web_sys::CanvasRenderingContext2d =
        c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    ctx.get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64)
        .unwrap()
        .data()
        .0
}

/// Pixels that are neither transparent nor white.
pub fn inked(c: &HtmlCanvasElement) -> usize {
    pixels(c)
        .chunks(4)
        .filter(|p| p[3] > 0 && (p[0] < 200 || p[1] < 200 || p[2] < 200))
        .count()
}

/// Pixels within `tol` of `rgb`.
pub fn coloured(c: &HtmlCanvasElement, rgb: [u8; 3], tol: u8) -> usize {
    pixels(c)
        .chunks(4)
        .filter(|p| (0..3).all(|k| p[k].abs_diff(rgb[k]) <= tol))
        .count()
}

/// A canvas for the predictive: tall, so a short run's narrow weights band stays in sight
/// between the twenty sampled networks drawn over it (lines keep their width as it grows).
pub fn tall() -> HtmlCanvasElement {
    canvas(700, 1400)
}

/// The predictive figure shows its band (bbb-plots' BLUE at 20 % over white), its mean (BLUE)
/// and the noise's part of the total band (PURPLE at 20 % over white), told apart from the
/// scatter by colour; the legend alone holds ~190, ~40 and ~190 pixels.
pub fn assert_band_and_mean(c: &HtmlCanvasElement) {
    let band = coloured(c, [210, 228, 240], 6);
    let mean = coloured(c, [31, 119, 180], 12);
    let noise = coloured(c, [234, 225, 242], 6);
    assert!(band > 1_000, "the band is missing ({band} pixels)");
    assert!(noise > 2_000, "the total band is missing ({noise} pixels)");
    assert!(mean > 300, "the mean is missing ({mean} pixels)");
}

/// A run of the tiny settings on the CPU, not yet trained.
pub async fn tiny_session() -> Session {
    Session::create(tiny(), BackendChoice::Cpu)
        .await
        .map_err(message)
        .unwrap()
}
