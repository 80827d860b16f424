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
    let small = small_webgpu_run();
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
