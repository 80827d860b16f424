//! The page's comparison ("Is the band right?"): one method run on a run's settings in an
//! evaluation worker (on the CPU, flex), its predictive drawn into the panel's canvas (an
//! `OffscreenCanvas` handed to the worker) and its scores returned for the table. The same core
//! calls as `bbb-cli compare`.

use bbb_core::baselines::hmc::chains::Mixing;
use bbb_core::baselines::methods::{run_any, sentence};
use bbb_core::baselines::table::{csv_rows, widening, Cost, COMPARE_HEADER};
use bbb_core::burn::tensor::Device;
use bbb_core::config::method::{Compared, Method, COMPARED};
use bbb_core::data::Dataset;
use bbb_core::gp::view::gp_view;
use bbb_core::model::Architecture;
use bbb_core::posterior::regions::{ByRegion, Region, RegionScore};
use bbb_core::{NoiseSource, Predictive};
use plotters::prelude::IntoDrawingArea;
use wasm_bindgen::prelude::*;

use crate::canvas::{AnyCanvas, Canvas};
use crate::js::{error, now_ms, num, object};
use crate::settings::config_from;

/// The names the comparison runs, in its order: every method, then the GP.
#[wasm_bindgen(js_name = compareNames)]
pub fn compare_names() -> js_sys::Array {
    COMPARED.iter().map(|&n| JsValue::from_str(n)).collect()
}

/// `compare.csv`'s header (its rows come with each result).
#[wasm_bindgen(js_name = compareCsvHeader)]
pub fn compare_csv_header() -> String {
    COMPARE_HEADER.into()
}

/// One sentence on which bands widen away from the data, from `entries` (the `entry` of each
/// result, compare.json's shape); empty when no entry has test points inside and away from it.
#[wasm_bindgen(js_name = compareWidening)]
pub fn compare_widening(entries: js_sys::Array) -> String {
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok();
    let read: Vec<(String, ByRegion)> = entries
        .iter()
        .filter_map(|e| {
            let name = get(&e, "name")?.as_string()?;
            let regions = get(&e, "regions")?;
            let score = |r: Region| -> Option<RegionScore> {
                let s = get(&regions, r.name())?;
                let f = |k: &str| get(&s, k).and_then(|v| v.as_f64());
                // Only the band's width enters the sentence; a score the JSON wrote as null
                // (not finite) stays NaN.
                let g = |k: &str| f(k).unwrap_or(f64::NAN);
                Some(RegionScore {
                    points: f("points")? as usize,
                    doubt_width: f("doubt_width_95")?,
                    total_width: g("total_width_95"),
                    coverage_95: g("coverage_95"),
                    rmse: g("rmse"),
                    nll: g("nll"),
                    crps: g("crps"),
                })
            };
            Some((name, Region::ALL.map(score)))
        })
        .collect();
    let pairs: Vec<(&str, &ByRegion)> = read.iter().map(|(n, r)| (n.as_str(), r)).collect();
    widening(&pairs).unwrap_or_default()
}

/// Networks up to this many weights run HMC in a browser in minutes; larger ones take hours.
pub const HMC_ON_PAGE_WEIGHTS: usize = 2_000;

/// The names ticked at first for a run with `settings`: its `compare` setting's, except that
/// on a network of more than [`HMC_ON_PAGE_WEIGHTS`] weights HMC starts unticked unless the
/// address names the methods itself.
#[wasm_bindgen(js_name = compareTicked)]
pub fn compare_ticked(settings: JsValue) -> Result<js_sys::Array, JsError> {
    let config = config_from(&settings)?;
    let small = Architecture::of(&config).n_weights() <= HMC_ON_PAGE_WEIGHTS;
    let chosen = if small || config.compare != Compared::ALL {
        config.compare
    } else {
        config.compare.without(Method::Hmc.name())
    };
    Ok(chosen.names().into_iter().map(JsValue::from_str).collect())
}

/// The entry as `bbb-cli compare` writes it into `compare.json` (its field names).
fn entry_js(name: &str, regions: &ByRegion, cost: &Cost, mixing: Option<&Mixing>) -> JsValue {
    let by_region = object(
        &Region::ALL
            .iter()
            .map(|&r| {
                let v = regions[r as usize].map_or(JsValue::NULL, |s| {
                    object(&[
                        ("points", num(s.points as f64)),
                        ("doubt_width_95", num(s.doubt_width)),
                        ("total_width_95", num(s.total_width)),
                        ("coverage_95", num(s.coverage_95)),
                        ("rmse", num(s.rmse)),
                        ("nll", num(s.nll)),
                        ("crps", num(s.crps)),
                    ])
                });
                (r.name(), v)
            })
            .collect::<Vec<_>>(),
    );
    let cost_js = object(&[
        ("seconds", num(cost.seconds)),
        ("parameters", num(cost.parameters as f64)),
        (
            "gradient_evaluations",
            cost.passes.map_or(JsValue::NULL, num),
        ),
    ]);
    let mut fields = vec![
        ("name", JsValue::from_str(name)),
        ("regions", by_region),
        ("cost", cost_js),
    ];
    if let Some(m) = mixing {
        fields.push((
            "hmc",
            object(&[
                ("acceptance", num(m.acceptance)),
                ("rhat_max", num(m.rhat_max)),
                ("rhat_max_data", num(m.rhat_max_data)),
                ("ess_min", num(m.ess_min)),
                ("divergences", num(m.divergences as f64)),
                ("step_size", num(m.step_size)),
            ]),
        ));
    }
    object(&fields)
}

/// Runs `name` (a method, or `gp`) on `settings`, draws its predictive into `canvas` and
/// returns `{ name, sentence, mixing (HMC's line, or null), entry (compare.json's: the region
/// table's scores and the cost), csv (compare.csv's rows) }`.
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
    let (predictive, gp, mut cost, mixing) = if name == "gp" {
        let gp = gp_view(&data).map_err(error)?;
        (Predictive::default(), Some(gp), Cost::gp(0.0), None)
    } else {
        let run = run_any(&config, &data, (Device::flex(), NoiseSource::Host), 1)
            .await
            .map_err(error)?;
        let cost = Cost {
            seconds: 0.0,
            parameters: run.parameters,
            passes: Some(run.passes),
        };
        (run.predictive, None, cost, run.mixing)
    };
    let scores = gp.as_ref().map_or(predictive.regions, |g| g.regions);
    cost.seconds = (now_ms() - start) / 1000.0;
    // The panel: the method's band, or the GP's alone.
    let area = Canvas::new(&canvas)
        .ok_or_else(|| error("this canvas has no 2D drawing context"))?
        .into_drawing_area();
    bbb_plots::draw_predictive(&area, &data, &predictive, gp.as_ref()).map_err(|e| error(e.0))?;
    Ok(object(&[
        ("name", JsValue::from_str(&name)),
        ("sentence", JsValue::from_str(&sentence(&name, &scores))),
        (
            "mixing",
            mixing.map_or(JsValue::NULL, |m| JsValue::from_str(&m.line())),
        ),
        ("entry", entry_js(&name, &scores, &cost, mixing.as_ref())),
        ("csv", JsValue::from_str(&csv_rows(&name, &scores, &cost))),
    ]))
}
