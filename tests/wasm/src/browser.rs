//! The `Session` as the page uses it, in a real browser: stepping, metrics, canvases, bad input,
//! and both backends. Tests named `webgpu_*` need Chromium with `--enable-unsafe-webgpu`; tests
//! named `cpu_fallback_*` need Chromium without it (no adapter). `scripts/test` runs each set in
//! the matching browser.

use bbb_web::{count_software_adapter, webgpu_adapter_available, BackendChoice, Session};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlCanvasElement;

wasm_bindgen_test_configure!(run_in_browser);

fn settings(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    o.into()
}

/// A short run: 1 warmup + 2 VI epochs, light evaluation, small predictives, and a learning
/// rate high enough to learn something in 21 steps.
fn tiny() -> JsValue {
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
fn assert_learned(rmse: f64) {
    assert!(rmse > 0.08 && rmse < 0.5, "test RMSE {rmse}");
}

fn get(o: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(o, &key.into()).unwrap()
}

/// How many keys a plain object has.
fn keys(o: &JsValue) -> u32 {
    js_sys::Object::keys(o.unchecked_ref::<js_sys::Object>()).length()
}

fn message(e: JsError) -> String {
    js_sys::Error::from(JsValue::from(e)).message().into()
}

/// Lets the browser breathe between calls, as the page's animation loop does (a step that
/// reads nothing back completes without ever yielding to the event loop).
async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback(&resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

async fn run_to_end(s: &mut Session) -> u32 {
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

fn canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(w);
    c.set_height(h);
    doc.body().unwrap().append_child(&c).unwrap();
    c
}

fn pixels(c: &HtmlCanvasElement) -> Vec<u8> {
    let ctx: web_sys::CanvasRenderingContext2d =
        c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    ctx.get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64)
        .unwrap()
        .data()
        .0
}

/// Pixels that are neither transparent nor white.
fn inked(c: &HtmlCanvasElement) -> usize {
    pixels(c)
        .chunks(4)
        .filter(|p| p[3] > 0 && (p[0] < 200 || p[1] < 200 || p[2] < 200))
        .count()
}

/// Pixels within `tol` of `rgb`.
fn coloured(c: &HtmlCanvasElement, rgb: [u8; 3], tol: u8) -> usize {
    pixels(c)
        .chunks(4)
        .filter(|p| (0..3).all(|k| p[k].abs_diff(rgb[k]) <= tol))
        .count()
}

/// A canvas for the predictive: tall, so a short run's narrow weights band stays in sight
/// between the twenty sampled networks drawn over it (lines keep their width as it grows).
fn tall() -> HtmlCanvasElement {
    canvas(700, 1400)
}

/// The predictive figure shows its band (bbb-plots' BLUE at 20 % over white), its mean (BLUE)
/// and the noise's part of the total band (PURPLE at 20 % over white), told apart from the
/// scatter by colour; the legend alone holds ~190, ~40 and ~190 pixels.
fn assert_band_and_mean(c: &HtmlCanvasElement) {
    let band = coloured(c, [210, 228, 240], 6);
    let mean = coloured(c, [31, 119, 180], 12);
    let noise = coloured(c, [234, 225, 242], 6);
    assert!(band > 1_000, "the band is missing ({band} pixels)");
    assert!(noise > 2_000, "the total band is missing ({noise} pixels)");
    assert!(mean > 300, "the mean is missing ({mean} pixels)");
}

/// A run of the tiny settings on the CPU, not yet trained.
async fn tiny_session() -> Session {
    Session::create(tiny(), BackendChoice::Cpu)
        .await
        .map_err(message)
        .unwrap()
}

#[wasm_bindgen_test]
async fn session_steps_in_bounded_calls_and_reports_metrics() {
    let mut s = tiny_session().await;
    assert_eq!(s.backend(), "cpu");
    let m = s.metrics();
    assert!(
        get(&m, "testRmse").is_null(),
        "no test metrics before the end"
    );
    assert!(s.summary().is_null() && s.epochs_after(0).length() == 0);
    assert_eq!(s.history_csv().lines().count(), 1, "the header alone");
    let calls = run_to_end(&mut s).await;
    // 3 epochs of 7 updates + 9 evaluation batches, then the test: many small calls, not one.
    assert!(calls >= 6, "only {calls} calls");
    let m = s.metrics();
    let rmse = get(&m, "testRmse")
        .as_f64()
        .expect("test RMSE after the run");
    assert_learned(rmse);
    assert!(get(&m, "testKl").as_f64().unwrap() > 0.0);
    assert!(get(&m, "bestEpoch").as_f64().unwrap() >= 1.0);
    assert!(get(&m, "diagnostics").as_string().is_some());
    let p = s.progress();
    assert_eq!(get(&p, "phase").as_string().unwrap(), "done");
    assert_eq!(get(&p, "epoch").as_f64().unwrap(), 3.0);
    // Stepping a finished run is harmless.
    s.step(5.0).await.map_err(message).unwrap();
    exports_agree_with_the_metrics(&s, &m);
}

/// What the page downloads and posts to a host (history CSV, last epoch, summary) carries the
/// same numbers the metrics table shows.
fn exports_agree_with_the_metrics(s: &Session, m: &JsValue) {
    let csv = s.history_csv();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 1 + 3, "header and one row per epoch:\n{csv}");
    let col = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    let rows_after_1 = s.epochs_after(1);
    assert_eq!(rows_after_1.length(), 2);
    assert_eq!(get(&rows_after_1.get(0), "epoch").as_f64(), Some(2.0));
    let last = rows_after_1.get(1);
    assert_eq!(get(&last, "epoch").as_f64(), Some(3.0));
    assert_eq!(rows[3][col("epoch")], "3");
    assert_eq!(rows[1][col("stage")], "warmup");
    let val = get(&last, "val");
    let val_rmse: f64 = rows[3][col("val_rmse")].parse().unwrap();
    assert_eq!(get(&val, "rmse").as_f64(), Some(val_rmse));
    assert_eq!(get(m, "valRmse").as_f64(), Some(val_rmse));
    let summary = s.summary();
    for (name, shown) in [
        ("test_rmse", "testRmse"),
        ("test_kl", "testKl"),
        ("best_val_rmse", "bestValRmse"),
    ] {
        assert_eq!(
            get(&summary, name).as_f64(),
            get(m, shown).as_f64(),
            "{name}"
        );
    }
    assert_eq!(get(&summary, "epochs").as_f64(), Some(3.0));
    assert_eq!(get(&summary, "backend").as_string().unwrap(), "flex");
    let best = get(&summary, "best_epoch").as_f64().unwrap() as usize;
    let best_rmse: f64 = rows[best][col("val_rmse")].parse().unwrap();
    assert_eq!(get(&summary, "best_val_rmse").as_f64(), Some(best_rmse));
}

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

#[wasm_bindgen_test]
async fn bad_settings_give_a_readable_error() {
    for (field, value, needle) in [
        ("lr", "abc", "learning rate: 'abc' is not a number"),
        ("lr", "-1", "learning rate must be greater than 0"),
        ("mc-rmse", "0", "MC samples, RMSE must be at least 1"),
        ("vi-epochs", "", "VI epochs is empty"),
        ("prior-sigma", "NaN", "prior σ must be a number"),
        ("kl-weight", "1e308", "KL weight must be at most 1000"),
        ("seed", "1e12", "seed: '1e12' is not a whole number"),
    ] {
        let form = settings(&[("preset", "quick"), (field, value)]);
        let e = Session::create(form.clone(), BackendChoice::Cpu)
            .await
            .err()
            .unwrap_or_else(|| panic!("{field}={value} was accepted"));
        let msg = message(e);
        assert!(msg.contains(needle), "{field}={value}: {msg}");
        // The form check puts the same message beside the same field, and nothing else.
        let faults = bbb_web::check_settings(form);
        assert_eq!(
            get(&faults, field).as_string().as_deref(),
            Some(msg.as_str())
        );
        assert_eq!(keys(&faults), 1);
    }
    // A rate under the final rate is refused beside the final rate, a field the page shows.
    let faults = bbb_web::check_settings(settings(&[("preset", "quick"), ("lr", "5e-5")]));
    let msg = get(&faults, "lr-min")
        .as_string()
        .expect("a message for lr-min");
    assert!(msg.starts_with("final learning rate"), "{msg}");
    let ok = bbb_web::check_settings(settings(&[("preset", "quick"), ("lr", "0.001")]));
    assert_eq!(keys(&ok), 0);
}

#[wasm_bindgen_test]
fn the_form_comes_from_the_settings_table() {
    let table = bbb_web::settings_table();
    let defaults = bbb_web::default_settings("full").map_err(message).unwrap();
    assert_eq!(table.length() as usize, bbb_core::SETTINGS.len());
    for (entry, s) in table.iter().zip(bbb_core::SETTINGS) {
        assert_eq!(get(&entry, "name").as_string().unwrap(), s.name);
        assert_eq!(get(&entry, "onPage").as_bool().unwrap(), s.offered.page);
        let default = get(&defaults, s.name).as_string().unwrap();
        assert_eq!(default, s.default_text(bbb_core::Preset::Full));
    }
    assert_eq!(get(&defaults, "vi-epochs").as_string().unwrap(), "1000");
    let presets = bbb_web::preset_list();
    assert_eq!(
        get(&presets.get(0), "label").as_string().unwrap(),
        "quick (10 + 80 epochs)"
    );
    let names: Vec<String> = bbb_web::backend_list()
        .iter()
        .map(|b| get(&b, "name").as_string().unwrap())
        .collect();
    assert_eq!(names, ["auto", "webgpu", "cpu", "ndarray"]);
}

/// The address's keys besides the settings, with their checks and messages: what the page's
/// form code reads instead of a list of its own.
#[wasm_bindgen_test]
fn the_page_options_come_with_their_checks() {
    let names: Vec<String> = bbb_web::page_options()
        .iter()
        .map(|o| get(&o, "name").as_string().unwrap())
        .collect();
    assert_eq!(
        names,
        ["trainer", "workers", "adapter", "view", "hide", "autoplay", "compact", "origin"]
    );
    let most = bbb_core::train::evaluators::MAX_EVALUATORS;
    let check = bbb_web::check_page_option;
    assert_eq!(check("workers", &most.to_string()), None);
    assert_eq!(check("workers", "0"), None);
    for bad in [
        (most + 1).to_string(),
        "-1".into(),
        "".into(),
        "2.5".into(),
        "1e3".into(),
    ] {
        let why = check("workers", &bad).unwrap_or_else(|| panic!("workers={bad} accepted"));
        assert_eq!(why, format!("give a whole number from 0 to {most}"));
    }
    assert_eq!(check("trainer", "page"), None);
    assert_eq!(
        check("trainer", "gpu").as_deref(),
        Some("give \"worker\" or \"page\"")
    );
    assert_eq!(check("adapter", "any"), None);
    assert_eq!(
        check("adapter", "all").as_deref(),
        Some("the one value is \"any\"")
    );
    assert_eq!(check("view", "predictive,curves"), None);
    assert!(check("seed", "3").is_some());
}

/// burn's ndarray backend, the CPU fallback the project names, trains in the browser too (the
/// page's `backend=ndarray`), and its evaluations stay on ndarray (no workers, which run flex).
#[wasm_bindgen_test]
async fn ndarray_session_trains_to_the_end() {
    let mut s = Session::create(tiny(), BackendChoice::Ndarray)
        .await
        .map_err(message)
        .unwrap();
    assert_eq!(s.backend_label(), "CPU (ndarray, wasm SIMD)");
    assert!(!s.use_workers(true), "workers compute on flex");
    run_to_end(&mut s).await;
    assert_learned(get(&s.metrics(), "testRmse").as_f64().unwrap());
    assert_eq!(get(&s.summary(), "backend").as_string().unwrap(), "ndarray");
}

#[wasm_bindgen_test]
async fn cpu_fallback_without_a_gpu_adapter() {
    assert!(
        !webgpu_adapter_available().await,
        "this test needs a browser without WebGPU (run it without --enable-unsafe-webgpu)"
    );
    let mut s = Session::create(tiny(), BackendChoice::Auto)
        .await
        .map_err(message)
        .unwrap();
    assert_eq!(s.backend(), "cpu");
    assert!(
        s.note().unwrap().contains("no WebGPU adapter"),
        "{:?}",
        s.note()
    );
    let p = s.step(50.0).await.map_err(message).unwrap();
    assert!(
        get(&p, "fraction").as_f64().unwrap() > 0.0,
        "the CPU session trains"
    );
}

#[wasm_bindgen_test]
async fn webgpu_session_trains_to_the_end() {
    assert!(
        webgpu_adapter_available().await,
        "this test needs Chromium with --enable-unsafe-webgpu"
    );
    let mut s = Session::create(tiny(), BackendChoice::Webgpu)
        .await
        .map_err(message)
        .unwrap();
    assert_eq!(s.backend(), "webgpu", "note: {:?}", s.note());
    run_to_end(&mut s).await;
    let m = s.metrics();
    let rmse = get(&m, "testRmse").as_f64().expect("test RMSE on WebGPU");
    assert_learned(rmse);
    s.refresh_predictive(true).await.map_err(message).unwrap();
    let c = tall();
    s.draw_predictive(c.unchecked_ref())
        .map_err(message)
        .unwrap();
    assert_band_and_mean(&c);
}

#[wasm_bindgen_test]
async fn webgpu_software_adapter_is_skipped_by_auto() {
    // Headless Chromium's only adapter is SwiftShader, a software fallback.
    assert!(
        webgpu_adapter_available().await,
        "this test needs Chromium with --enable-unsafe-webgpu"
    );
    let s = Session::create(tiny(), BackendChoice::Auto)
        .await
        .map_err(message)
        .unwrap();
    assert_eq!(s.backend(), "cpu", "note: {:?}", s.note());
    let note = s.note().expect("the page says why it chose the CPU");
    assert!(note.contains("software fallback"), "{note}");
    assert!(s.race().is_null(), "no race without a real GPU");
}

/// "Best available" with a GPU times both backends and keeps the faster; the switch lets the
/// software adapter stand in for a real GPU.
#[wasm_bindgen_test]
async fn webgpu_best_available_races_both_backends_when_the_adapter_counts() {
    count_software_adapter(true);
    let created = Session::create(tiny(), BackendChoice::Auto).await;
    count_software_adapter(false);
    let s = created.map_err(message).unwrap();
    let race = s.race();
    // WebGPU's time is null when its first step (compiling the kernels) outran the budget.
    let webgpu = get(&race, "webgpu").as_f64();
    let cpu = get(&race, "cpu").as_f64().unwrap();
    assert!(
        cpu > 0.0 && webgpu.is_none_or(|w| w > 0.0),
        "{webgpu:?} {cpu}"
    );
    let faster = match webgpu {
        Some(w) if w < cpu => "webgpu",
        _ => "cpu",
    };
    assert_eq!(
        s.backend(),
        faster,
        "WebGPU {webgpu:?} ms, CPU {cpu} ms per step"
    );
    let note = s.note().unwrap();
    let webgpu_words = webgpu.map_or("WebGPU over 300 ms".to_string(), |w| {
        format!("WebGPU {w:.1} ms")
    });
    assert!(
        note.contains(&webgpu_words) && note.contains(&format!("CPU {cpu:.1} ms")),
        "{note}"
    );
    web_sys::console::log_1(&format!("race: {note}").into());
}
