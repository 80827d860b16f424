//! Tests that must run where the page runs: the core on wasm32, the `Session` API, real canvases
//! and both backends, in headless Chromium (`wasm-pack test --headless --chrome tests/wasm`).
//! The core checks (this crate's unit tests) also run natively, against the same reference
//! numbers. Each file in `tests/` is a page of its own, so each finishes well inside the test
//! runner's default 20 s, and the fallback test can hide the WebGPU adapter without touching the
//! others.

#[cfg(test)]
mod core_checks;

// The unit tests (the core checks and the benchmarks) run in the browser too.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(all(test, target_arch = "wasm32"))]
mod bench;

/// What the browser tests share.
#[cfg(target_arch = "wasm32")]
pub mod support;
