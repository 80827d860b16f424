//! The page's side of the wasm boundary. One exported, stateful [`Session`] trains the
//! tutorial a bounded piece at a time, reports progress and metrics as plain objects, and
//! draws the three figures into canvases. Everything numeric happens in `bbb-core`; the page's
//! JavaScript only schedules calls and shows what comes back.

mod backend;
mod draw;
mod js;
mod session;
mod settings;

pub use backend::{webgpu_adapter_available, BackendChoice};
pub use session::Session;
pub use settings::{check_setting, default_settings};

#[cfg(target_family = "wasm")]
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
    #[cfg(target_family = "wasm")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        #[allow(unsafe_code)]
        // SAFETY: guarded to run once, before any code that relies on the registrations.
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
