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

/// Installs the panic hook so a Rust panic shows up in the console with its message.
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
