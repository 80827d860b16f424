//! The `Session` as the page uses it, in a real browser: stepping, metrics and exports, bad
//! input, the form's table, the page options, and burn's ndarray backend.
#![cfg(target_arch = "wasm32")]

use bbb_wasm_tests::support::*;
use bbb_web::{BackendChoice, Session};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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
        [
            "trainer",
            "workers",
            "adapter",
            "lose-webgpu",
            "view",
            "hide",
            "autoplay",
            "compact",
            "origin"
        ]
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
