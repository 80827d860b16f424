//! The CPU-only build of the page's wasm module. Every export is `bbb-web`'s, compiled without
//! WebGPU and ndarray (see its features), so a visitor whose browser has no WebGPU adapter, and
//! every evaluation worker, downloads a fraction of the whole module. The page picks which of
//! the two modules to load (`www/js/module.js`).

pub use bbb_web::*;
