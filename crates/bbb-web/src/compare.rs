//! The page's comparison ("Is the band right?"): one method run on a run's settings in an
//! evaluation worker (on the CPU, flex), its predictive drawn into the panel's canvas (an
//! `OffscreenCanvas` handed to the worker) and its scores returned for the table. The same core
//! calls as `bbb-cli compare`.

use bbb_core::baselines::methods::{run_any, sentence};
use bbb_core::burn::tensor::Device;
use bbb_core::config::method::Method;
use bbb_core::data::Dataset;
use bbb_core::gp::view::gp_view;
use bbb_core::model::Architecture;
use bbb_core::posterior::regions::{ByRegion, Region};
use bbb_core::{NoiseSource, Predictive};
use plotters::prelude::IntoDrawingArea;
use wasm_bindgen::prelude::*;

use crate::canvas::{AnyCanvas, Canvas};
use crate::js::{error, now_ms, num, object};
use crate::settings::config_from;

/// The names the comparison runs, in its order: every method, then the GP.
#[wasm_bindgen(js_name = compareNames)]
pub fn compare_names() -> js_sys::Array {
    Method::NAMES
        .iter()
        .chain(&["gp"])
        .map(|&n| JsValue::from_str(n))
        .collect()
}

/// Networks up to this many weights run HMC in a browser in minutes; larger ones take hours.
pub const HMC_ON_PAGE_WEIGHTS: usize = 2_000;

/// The names ticked at first for a run with `settings`: every one, HMC only on a small network.
#[wasm_bindgen(js_name = compareTicked)]
pub fn compare_ticked(settings: JsValue) -> Result<js_sys::Array, JsError> {
    let config = config_from(&settings)?;
    let small = Architecture::of(&config).n_weights() <= HMC_ON_PAGE_WEIGHTS;
    Ok(Method::NAMES
        .iter()
        .chain(&["gp"])
        .filter(|&&n| n != Method::Hmc.name() || small)
        .map(|&n| JsValue::from_str(n))
        .collect())
}

fn regions_js(regions: &ByRegion) -> js_sys::Array {
    Region::ALL
        .iter()
        .filter_map(|&r| regions[r as usize].map(|s| (r, s)))
        .map(|(r, s)| {
            object(&[
                ("region", r.name().into()),
                ("points", num(s.points as f64)),
                ("doubtWidth", num(s.doubt_width)),
                ("totalWidth", num(s.total_width)),
                ("coverage", num(s.coverage_95)),
                ("rmse", num(s.rmse)),
                ("nll", num(s.nll)),
                ("crps", num(s.crps)),
            ])
        })
        .collect()
}

/// Runs `name` (a method, or `gp`) on `settings`, draws its predictive into `canvas` and
/// returns `{ name, seconds, parameters, passes, regions: [{ region, points, doubtWidth,
/// totalWidth, coverage, rmse, nll, crps }], hmc: { acceptance, rhatMax, rhatMaxData, essMin,
/// divergences, stepSize } | null, sentence }`.
#[wasm_bindgen(js_name = compareMethod)]
pub async fn compare_method(
    settings: JsValue,
    name: String,
    canvas: AnyCanvas,
) -> Result<JsValue, JsError> {
    crate::run_static_constructors();
    let start = now_ms();
    let mut config = config_from(&settings)?;
    if name != "gp" {
        config.method = Method::parse(&name)
            .ok_or_else(|| error(format!("'{name}' is not a method of the comparison")))?;
    }
    let (config, data) = Dataset::prepare(config).map_err(error)?;
    let (predictive, gp, parameters, passes, mixing) = if name == "gp" {
        let gp = gp_view(&data).map_err(error)?;
        (Predictive::default(), Some(gp), 3, f64::NAN, None)
    } else {
        let run = run_any(&config, &data, (Device::flex(), NoiseSource::Host), 1)
            .await
            .map_err(error)?;
        (run.predictive, None, run.parameters, run.passes, run.mixing)
    };
    let scores = gp.as_ref().map_or(predictive.regions, |g| g.regions);
    let seconds = (now_ms() - start) / 1000.0;
    // The panel: the method's band, or the GP's alone.
    let area = Canvas::new(&canvas)
        .ok_or_else(|| error("this canvas has no 2D drawing context"))?
        .into_drawing_area();
    bbb_plots::draw_predictive(&area, &data, &predictive, gp.as_ref()).map_err(|e| error(e.0))?;
    let hmc = mixing.map_or(JsValue::NULL, |m| {
        object(&[
            ("acceptance", num(m.acceptance)),
            ("rhatMax", num(m.rhat_max)),
            ("rhatMaxData", num(m.rhat_max_data)),
            ("essMin", num(m.ess_min)),
            ("divergences", num(m.divergences as f64)),
            ("stepSize", num(m.step_size)),
        ])
    });
    Ok(object(&[
        ("name", JsValue::from_str(&name)),
        ("seconds", num(seconds)),
        ("parameters", num(parameters as f64)),
        ("passes", num(passes)),
        ("regions", regions_js(&scores).into()),
        ("hmc", hmc),
        ("sentence", JsValue::from_str(&sentence(&name, &scores))),
    ]))
}
