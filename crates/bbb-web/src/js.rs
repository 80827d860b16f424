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

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`, in a page or a worker.
    #[wasm_bindgen(catch, js_namespace = performance, js_name = now)]
    fn performance_now() -> Result<f64, JsValue>;
}

/// Milliseconds from a monotonic clock: `performance.now()`, or `Date.now()` where there is
/// no `performance`.
pub fn now_ms() -> f64 {
    performance_now().unwrap_or_else(|_| js_sys::Date::now())
}

/// An error for the page, worded for a student.
pub fn error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}
