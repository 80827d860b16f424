//! The page's settings, from the core's one table: the form's fields, the keys a link's address
//! may carry, the preset defaults and the checks all come from `bbb_core::config::settings`, so the
//! JavaScript never lists a setting or interprets a number.

use bbb_core::config::edits::Edits;
use bbb_core::config::settings::{Kind, SETTINGS};
use bbb_core::{Config, ConfigError, Preset};
use wasm_bindgen::prelude::*;

use crate::backend::BackendChoice;
use crate::js::{error, num, object};
use bbb_core::config::method::Method;

fn get(settings: &JsValue, key: &str) -> Option<String> {
    let v = js_sys::Reflect::get(settings, &JsValue::from_str(key)).ok()?;
    v.as_string().or_else(|| v.as_f64().map(|n| n.to_string()))
}

/// The keys of a person's point edits in the settings and the address (`add`, `remove`).
pub const EDIT_KEYS: [&str; 2] = ["add", "remove"];

/// The edits in `settings` (none when both keys are absent).
fn edits(settings: &JsValue) -> Result<Edits, ConfigError> {
    let [add, remove] = EDIT_KEYS.map(|k| get(settings, k).unwrap_or_default());
    Edits::parse(&add, &remove)
}

/// Reads `settings.preset`, every table setting present in `settings` (values as text) and the
/// point edits, and checks the whole configuration; the error names the first setting at fault.
pub fn try_config(settings: &JsValue) -> Result<Config, ConfigError> {
    let preset = get(settings, "preset").unwrap_or_else(|| "quick".into());
    let mut config = Config::preset(Preset::parse(&preset)?);
    for s in SETTINGS {
        if let Some(text) = get(settings, s.name) {
            config.set(s.name, &text)?;
        }
    }
    config.edits = edits(settings)?;
    config.validate()?;
    Ok(config)
}

/// The most evaluation workers a page starts, and the most its address may ask for.
#[wasm_bindgen(js_name = maxEvaluationWorkers)]
pub fn max_evaluation_workers() -> usize {
    bbb_core::train::evaluators::MAX_EVALUATORS
}

/// The keys of the point edits, for the page to carry them in the address.
#[wasm_bindgen(js_name = editKeys)]
pub fn edit_keys() -> js_sys::Array {
    EDIT_KEYS.iter().map(|&k| JsValue::from_str(k)).collect()
}

/// [`try_config`] with the error as a message for the page.
pub fn config_from(settings: &JsValue) -> Result<Config, JsError> {
    try_config(settings).map_err(error)
}

/// The table as the page needs it: one `{ name, label, kind, choices, min, minExclusive, max,
/// unit, help, onPage }` per setting, in display order (`choices`: the names a choice takes).
#[wasm_bindgen(js_name = settingsTable)]
pub fn settings_table() -> js_sys::Array {
    SETTINGS
        .iter()
        .map(|s| {
            object(&[
                ("name", s.name.into()),
                ("label", s.label.into()),
                (
                    "kind",
                    match s.kind {
                        Kind::Whole => "whole",
                        Kind::Real => "real",
                        Kind::Choice(_) => "choice",
                        Kind::Set(_) => "set",
                    }
                    .into(),
                ),
                (
                    "choices",
                    match s.kind {
                        // The page's run trains Bayes-by-Backprop: its form offers the
                        // estimators, not the comparison's other methods.
                        Kind::Choice(names) | Kind::Set(names) => names
                            .iter()
                            .filter(|&&n| {
                                s.name != "method" || Method::parse(n).is_some_and(Method::is_bbb)
                            })
                            .map(|&n| JsValue::from_str(n))
                            .collect::<js_sys::Array>()
                            .into(),
                        _ => JsValue::NULL,
                    },
                ),
                ("min", num(s.range.min)),
                ("minExclusive", s.range.min_exclusive.into()),
                ("max", num(s.range.max)),
                ("unit", s.unit.into()),
                ("help", s.help.into()),
                ("onPage", s.offered.page.into()),
            ])
        })
        .collect()
}

/// The presets, `{ name, label }`, the label saying how many epochs each trains.
#[wasm_bindgen(js_name = presetList)]
pub fn preset_list() -> js_sys::Array {
    Preset::ALL
        .iter()
        .map(|&p| {
            let c = Config::preset(p);
            let label = format!(
                "{} ({} + {} epochs)",
                p.name(),
                c.warmup_epochs,
                c.vi_epochs
            );
            object(&[("name", p.name().into()), ("label", label.into())])
        })
        .collect()
}

/// The backend choices, `{ name, label }`.
#[wasm_bindgen(js_name = backendList)]
pub fn backend_list() -> js_sys::Array {
    BackendChoice::ALL
        .iter()
        .map(|b| object(&[("name", b.name().into()), ("label", b.label().into())]))
        .collect()
}

/// The preset's value of every setting, as text, for filling the form.
#[wasm_bindgen(js_name = defaultSettings)]
pub fn default_settings(preset: &str) -> Result<JsValue, JsError> {
    let preset = Preset::parse(preset).map_err(error)?;
    let fields: Vec<(&str, JsValue)> = SETTINGS
        .iter()
        .map(|s| (s.name, s.default_text(preset).into()))
        .collect();
    Ok(object(&fields))
}

/// Checks a whole form (`{ preset, name: text, … }`): `{ name: message }` for every setting at
/// fault (empty when all is well). Each field is checked alone, then the settings together.
#[wasm_bindgen(js_name = checkSettings)]
pub fn check_settings(settings: JsValue) -> JsValue {
    let mut faults: Vec<(&str, JsValue)> = Vec::new();
    let preset = get(&settings, "preset").unwrap_or_else(|| "quick".into());
    let preset = match Preset::parse(&preset) {
        Ok(p) => p,
        Err(e) => return object(&[("preset", e.message.into())]),
    };
    let mut config = Config::preset(preset);
    for s in SETTINGS {
        if let Some(text) = get(&settings, s.name) {
            if let Err(e) = config.set(s.name, &text) {
                faults.push((s.name, e.message.into()));
            }
        }
    }
    match edits(&settings) {
        Ok(e) => config.edits = e,
        Err(e) => faults.push((e.setting.unwrap_or("add"), e.message.into())),
    }
    if faults.is_empty() {
        if let Err(e) = config.validate() {
            faults.push((e.setting.unwrap_or("preset"), e.message.into()));
        }
    }
    object(&faults)
}

/// A fresh seed from the browser's entropy (the "new seed" button).
#[wasm_bindgen(js_name = randomSeed)]
pub fn random_seed() -> Result<u32, JsError> {
    let n = getrandom::u32().map_err(|e| error(format!("no entropy available: {e}")))?;
    Ok(n % 1_000_000)
}
