//! Small helpers to hand plain objects and errors across the boundary.

use wasm_bindgen::prelude::*;

/// A plain JS object from `(key, value)` pairs.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// A number for JS; non-finite values become `null` so the page shows "—".
pub fn num(v: f64) -> JsValue {
    if v.is_finite() {
        JsValue::from_f64(v)
    } else {
        JsValue::NULL
    }
}

/// Milliseconds from a monotonic clock (`performance.now()`, or `Date.now()` without a window).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// An error for the page, worded for a student.
pub fn error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}
