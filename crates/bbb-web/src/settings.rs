//! The page's settings: a preset plus text fields, turned into a validated `Config` here so the
//! JavaScript never interprets a number.

use bbb_core::{Config, Preset};
use wasm_bindgen::prelude::*;

use crate::js::{error, object};

/// Fields the page offers, with the `Config::set` name each maps to.
pub const FIELDS: [&str; 7] = [
    "kl-weight",
    "prior-sigma",
    "mc-elbo",
    "mc-rmse",
    "lr",
    "vi-epochs",
    "seed",
];

/// Reads `settings.preset` and every field in [`FIELDS`] present in `settings`.
pub fn config_from(settings: &JsValue) -> Result<Config, JsError> {
    let get = |k: &str| js_sys::Reflect::get(settings, &JsValue::from_str(k)).ok();
    let preset = get("preset")
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "quick".into());
    let mut config = Config::preset(Preset::parse(&preset).map_err(error)?);
    for name in FIELDS.iter().chain(&["warmup-epochs"]) {
        if let Some(text) = get(name).and_then(|v| text_of(&v)) {
            config.set(name, &text).map_err(error)?;
        }
    }
    config.validate().map_err(error)?;
    Ok(config)
}

fn text_of(v: &JsValue) -> Option<String> {
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    v.as_f64().map(|n| n.to_string())
}

/// Checks one field against `preset`: `undefined` when fine, else a message for the student.
#[wasm_bindgen(js_name = checkSetting)]
pub fn check_setting(preset: &str, name: &str, text: &str) -> Option<String> {
    let preset = match Preset::parse(preset) {
        Ok(p) => p,
        Err(e) => return Some(e.0),
    };
    if !FIELDS.contains(&name) {
        return Some(format!("unknown setting '{name}'"));
    }
    let mut config = Config::preset(preset);
    if let Err(e) = config.set(name, text) {
        return Some(e.0);
    }
    config.validate().err().map(|e| e.0)
}

/// The preset's values of every field, as text, for filling the form.
#[wasm_bindgen(js_name = defaultSettings)]
pub fn default_settings(preset: &str) -> Result<JsValue, JsError> {
    let c = Config::preset(Preset::parse(preset).map_err(error)?);
    let values = [
        c.kl_weight.to_string(),
        c.prior_sigma.to_string(),
        c.eval_mc_elbo.to_string(),
        c.eval_mc_rmse.to_string(),
        c.lr.to_string(),
        c.vi_epochs.to_string(),
        c.seed.to_string(),
    ];
    let fields: Vec<(&str, JsValue)> = FIELDS
        .iter()
        .zip(values)
        .map(|(k, v)| (*k, JsValue::from_str(&v)))
        .collect();
    Ok(object(&fields))
}

/// A fresh seed from the browser's entropy (the "new seed" button).
#[wasm_bindgen(js_name = randomSeed)]
pub fn random_seed() -> Result<u32, JsError> {
    let n = getrandom::u32().map_err(|e| error(format!("no entropy available: {e}")))?;
    Ok(n % 1_000_000)
}
