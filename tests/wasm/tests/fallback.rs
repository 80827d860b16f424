//! The CPU fallback of a browser without WebGPU. The test hides the adapter itself (the page's
//! `navigator.gpu` reads as undefined), so it runs in the same browser as the WebGPU tests; it
//! has a page of its own, so nothing else has touched WebGPU first.
#![cfg(target_arch = "wasm32")]

use bbb_wasm_tests::support::*;
use bbb_web::{webgpu_adapter_available, BackendChoice, Session};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Makes `navigator.gpu` read as undefined on this page, as in a browser without WebGPU.
fn hide_webgpu() {
    let navigator = web_sys::window().unwrap().navigator();
    let descriptor = js_sys::Object::new();
    js_sys::Reflect::set(&descriptor, &"value".into(), &JsValue::UNDEFINED).unwrap();
    js_sys::Object::define_property(navigator.as_ref(), &"gpu".into(), &descriptor);
}

#[wasm_bindgen_test]
async fn cpu_fallback_without_a_gpu_adapter() {
    hide_webgpu();
    assert!(
        !webgpu_adapter_available().await,
        "navigator.gpu is hidden, yet an adapter was found"
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
