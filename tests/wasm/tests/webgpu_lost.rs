//! A WebGPU run whose device is lost mid-run (destroyed, as a driver reset would) goes on on
//! the CPU from its last epoch, its history kept, and says so; later runs on the page train on
//! the CPU. A page of its own: the lost device stays lost for the page.
#![cfg(target_arch = "wasm32")]

use bbb_wasm_tests::support::*;
use bbb_web::{webgpu_adapter_available, BackendChoice, Session};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The rows of epochs 1..=n as the page receives them.
fn rows(s: &Session, n: u32) -> Vec<String> {
    s.epochs_after(0)
        .iter()
        .take(n as usize)
        .map(|r| js_sys::JSON::stringify(&r).unwrap().as_string().unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn a_lost_webgpu_device_leaves_the_run_going_on_on_the_cpu() {
    assert!(
        webgpu_adapter_available().await,
        "this test needs Chromium with --enable-unsafe-webgpu"
    );
    let mut s = Session::create(small_webgpu_run(), BackendChoice::Webgpu)
        .await
        .map_err(message)
        .unwrap();
    assert_eq!(s.backend(), "webgpu", "note: {:?}", s.note());
    let mut epoch = 0;
    while epoch < 2 {
        let p = s.step(50.0).await.map_err(message).unwrap();
        epoch = get(&p, "epoch").as_f64().unwrap() as u32;
    }
    let kept = rows(&s, 2);
    assert_eq!(kept.len(), 2);
    let cost = s.checkpoint_cost();
    let checkpoints = get(&cost, "kept").as_f64().unwrap();
    assert_eq!(checkpoints, 3.0, "the start and each epoch's end are kept");
    let ms = get(&cost, "ms").as_f64().unwrap();
    console_log!("checkpoints: {checkpoints} in {ms:.1} ms");

    assert!(s.lose_webgpu(), "there was a device to destroy");
    let mut moved = None;
    let mut calls = 0;
    while !s.done() {
        let p = s.step(50.0).await.map_err(message).unwrap();
        let m = get(&p, "moved");
        if !m.is_null() {
            assert!(moved.is_none(), "the move is reported once");
            moved = Some(m);
        }
        calls += 1;
        assert!(calls < 10_000, "the run does not end");
    }
    let moved = moved.expect("the report said the run moved");
    assert_eq!(get(&moved, "backend").as_string().unwrap(), "cpu");
    assert_eq!(get(&moved, "epoch").as_f64().unwrap(), 2.0);
    let note = get(&moved, "note").as_string().unwrap();
    assert!(
        note.contains("WebGPU stopped during epoch 3") && note.contains("end of epoch 2"),
        "{note}"
    );
    assert_eq!(s.backend(), "cpu");
    assert_eq!(s.note().as_deref(), Some(note.as_str()));
    // The epochs before the loss are the WebGPU run's; every epoch is there once.
    assert_eq!(rows(&s, 2), kept);
    let epochs: Vec<u32> = s
        .epochs_after(0)
        .iter()
        .map(|r| get(&r, "epoch").as_f64().unwrap() as u32)
        .collect();
    assert_eq!(epochs, vec![1, 2, 3, 4, 5]);
    assert_learned(get(&s.metrics(), "testRmse").as_f64().unwrap());

    // The page's later runs train on the CPU, saying why.
    let next = Session::create(small_webgpu_run(), BackendChoice::Webgpu)
        .await
        .map_err(message)
        .unwrap();
    assert_eq!(next.backend(), "cpu");
    assert!(next
        .note()
        .unwrap()
        .contains("WebGPU stopped earlier on this page"));
}
