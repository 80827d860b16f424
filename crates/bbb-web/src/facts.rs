//! The facts the page's sentences print, taken from the run itself: its counts, its network,
//! its objective's constants, and which sentences hold for it. The page puts each text where a
//! sentence names it (`data-fact="…"`) and shows a sentence marked `data-when="…"` only while
//! its condition holds, so no scenario, setting or set of points makes a sentence false.

use bbb_core::config::method::Method;
use bbb_core::config::scenario::{Scenario, FEW, X_RANGE};
use bbb_core::data::N_FEATURES;
use bbb_core::gp::exact::SUBSAMPLE;
use bbb_core::maths::reference::softplus;
use bbb_core::model::architecture::Architecture;
use bbb_core::posterior::calibration::AT_95;
use bbb_core::report::words::{count, counted, intervals, plain, power, two_figures, word};
use bbb_core::Config;
use wasm_bindgen::JsValue;

use crate::js::object;
use crate::session::Session;

/// The run's facts: `{ text: { name: words }, when: { name: bool } }`.
pub fn facts(session: &Session) -> JsValue {
    let t = &session.trainer;
    let (c, data) = (t.config(), t.dataset());
    let arch = Architecture::of(c);
    let own = c.own_data.is_some();
    let test_range = [(-c.x_range.max(X_RANGE.1), c.x_range.max(X_RANGE.1))];
    let data_where = c.scenario.intervals();
    let gap_hole = (
        Scenario::Gap.intervals()[0].1,
        Scenario::Gap.intervals()[1].0,
    );
    let p = session.predictive.as_ref();
    let total95 = p.map(|p| p.calibration.total[AT_95]);
    let weights95 = p.map(|p| p.calibration.weights[AT_95]);
    let test_rmse = t.summary().map(|s| s.test.rmse);
    let percent = |v: Option<f64>| v.map_or("—".into(), |v| format!("{:.0} %", 100.0 * v));
    let three = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.3}"));
    let text = [
        ("coverage-weights", percent(weights95)),
        ("coverage-total", percent(total95)),
        ("noise-hat", three(p.map(|p| p.noise_sigma))),
        ("test-rmse", three(test_rmse)),
        ("n-train", count(c.n_train)),
        ("n-val", count(c.n_val)),
        ("n-test", count(c.n_test)),
        ("n-total", count(c.n_train + c.n_val + c.n_test)),
        ("noise", plain(c.noise_std)),
        ("data-where", intervals(data_where)),
        ("test-where", intervals(&test_range)),
        ("features", word(N_FEATURES)),
        ("frequencies", word((N_FEATURES - 1) / 2)),
        ("width", count(arch.width)),
        ("blocks", counted(arch.depth, "residual block")),
        ("train-draws", counted(c.train_mc_samples, "weight draw")),
        ("layers", word(arch.n_layers())),
        ("weights", count(arch.n_weights())),
        ("numbers", count(2 * arch.n_weights())),
        ("sigma-init", two_figures(softplus(c.rho_init))),
        ("n", count(c.n_train)),
        ("m", count(c.num_batches())),
        ("beta", power(c.kl_weight)),
        ("lr", power(c.lr)),
        ("lr-min", power(c.lr_min)),
        ("clip", plain(c.clip_norm)),
        ("gp-points", count(SUBSAMPLE)),
        ("few-train", count(FEW.0)),
        ("few-val", count(FEW.1)),
        ("recipe-train", count(Config::default().n_train)),
        ("gap-hole", intervals(&[gap_hole])),
        ("clusters", intervals(Scenario::TwoClusters.intervals())),
    ];
    let evenly =
        !own && c.scenario == Scenario::Tutorial && c.edits.is_empty() && c.x_range <= X_RANGE.1;
    let when = [
        ("own-data", own),
        ("recipe", !own),
        ("has-truth", data.has_truth),
        ("edited", !c.edits.is_empty()),
        ("same-where", !own && data_where == test_range),
        ("apart-where", !own && data_where != test_range),
        ("evenly", evenly),
        ("unevenly", !evenly),
        ("quick-run", c.trains_as(&Config::quick())),
        ("method-bbb", c.method == Method::Bbb),
        ("method-lrt", c.method == Method::BbbLrt),
        ("method-flipout", c.method == Method::BbbFlipout),
        ("weights-below", weights95.is_some_and(|w| w < 0.95)),
        ("total-wide", total95.is_some_and(|v| v > 0.95)),
        ("total-narrow", total95.is_some_and(|v| v < 0.95)),
        (
            "test-quiet",
            p.zip(test_rmse)
                .is_some_and(|(p, rmse)| rmse < p.noise_sigma),
        ),
    ];
    let text: Vec<(&str, JsValue)> = text
        .iter()
        .map(|(k, v)| (*k, JsValue::from_str(v)))
        .collect();
    let when: Vec<(&str, JsValue)> = when
        .iter()
        .map(|(k, v)| (*k, JsValue::from_bool(*v)))
        .collect();
    object(&[("text", object(&text)), ("when", object(&when))])
}
