//! A run on WebGPU (Chromium's software adapter, `--enable-unsafe-webgpu` in webdriver.json)
//! trains to the end and draws its predictive.
#![cfg(target_arch = "wasm32")]

use bbb_wasm_tests::support::*;
use bbb_web::{webgpu_adapter_available, BackendChoice, Session};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn webgpu_session_trains_to_the_end() {
    assert!(
        webgpu_adapter_available().await,
        "this test needs Chromium with --enable-unsafe-webgpu"
    );
    // Small enough for the runner's 20 s a page: on the software adapter the time goes to
    // compiling each kernel at its first use (a warmup epoch's evaluation alone took 4.5 s), so
    // the run is the variational stage alone, on the `few` points, two steps an epoch, a narrow
    // network: about 11 s here. The e2e trains the whole quick preset, both stages, on WebGPU.
    let small = settings(&[
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
    ]);
    let mut s = Session::create(small, BackendChoice::Webgpu)
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
