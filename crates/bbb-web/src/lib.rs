//! The page's side of the wasm boundary. One exported, stateful [`Session`] trains the
//! tutorial a bounded piece at a time, reports progress and metrics as plain objects, and
//! draws the three figures into canvases. Everything numeric happens in `bbb-core`; the page's
//! JavaScript only schedules calls and shows what comes back.

mod address;
mod backend;
mod canvas;
mod compare;
mod describe;
mod draw;
mod edit;
mod eval_worker;
mod export;
mod facts;
mod js;
mod probe;
mod recover;
mod session;
mod session_draw;
mod session_views;
mod settings;

pub use address::{check_page_option, page_options};
pub use backend::{
    backend_in_module, count_software_adapter, webgpu_adapter_available, BackendChoice,
};
pub use canvas::{AnyCanvas, Canvas};
pub use compare::{compare_method, compare_names, compare_ticked};
pub use edit::edit_data;
pub use eval_worker::EvalWorker;
pub use session::Session;
pub use settings::{
    backend_list, check_settings, default_settings, edit_keys, max_evaluation_workers, preset_list,
    settings_table,
};

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
#[allow(unsafe_code)]
unsafe extern "C" {
    /// The linker-made function that runs every static constructor of the module (burn's GPU
    /// stack registers its compiler dialects through them).
    fn __wasm_call_ctors();
}

/// Runs the module's static constructors, once.
///
/// Calling them explicitly matters for speed. A module that never calls them itself is treated
/// by the wasm linker as a one-shot "command", and the linker then re-runs all of them at the top
/// of *every* exported function, including the tiny helpers the JS glue calls for each JS object
/// handed to Rust. On WebGPU that cost about a millisecond per object, several per GPU dispatch,
/// and made training there ~20 times slower. [`start`] calls this at instantiation; opening a
/// backend calls it again (a no-op then) for hosts that skip the start function, such as the
/// wasm test runner.
pub(crate) fn run_static_constructors() {
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        #[allow(unsafe_code)]
        // SAFETY: `__wasm_call_ctors` only runs the module's static constructors, which register
        // burn's compiler dialects and touch nothing else. The invariant: once this explicit
        // call has been made, no code that uses those registrations may run before it returns,
        // and the constructors never run twice. `Once` gives the second; the first holds because
        // `start` calls this at instantiation, before any export can be called, and every path
        // to a GPU device (`backend::open`) calls it again first (a no-op after the first time)
        // for hosts that skip `start`, such as the wasm test runner.
        ONCE.call_once(|| unsafe { __wasm_call_ctors() });
    }
}

/// Runs once when the module is instantiated: the static constructors, then the panic hook so a
/// Rust panic shows up in the console with its message.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    run_static_constructors();
    console_error_panic_hook::set_once();
}
