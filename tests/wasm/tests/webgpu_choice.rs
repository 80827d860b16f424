//! "Best available" with only a software WebGPU adapter: skipped by default, raced against the
//! CPU when the adapter is made to count.
#![cfg(target_arch = "wasm32")]

use bbb_wasm_tests::support::*;
use bbb_web::{count_software_adapter, webgpu_adapter_available, BackendChoice, Session};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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
