//! Tests that must run where the page runs: the core on wasm32, the `Session` API, real canvases
//! and both backends, in headless Chromium (`wasm-bindgen-test-runner`). The core checks also
//! run natively, against the same reference numbers.

#[cfg(test)]
mod core_checks;

#[cfg(all(test, target_arch = "wasm32"))]
mod bench;
#[cfg(all(test, target_arch = "wasm32"))]
mod browser;
