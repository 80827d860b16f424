//! Choosing where the tensors live: WebGPU when the browser has a usable adapter, the CPU
//! (burn's flex backend, compiled with wasm SIMD) otherwise.

use bbb_core::burn::tensor::Device;
use bbb_core::{Backend, Noise};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// What the page asked for.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// WebGPU if it works, else the CPU.
    Auto = "auto",
    /// WebGPU (falls back to the CPU with a note if it cannot start).
    Webgpu = "webgpu",
    /// The CPU.
    Cpu = "cpu",
}

thread_local! {
    // burn's wgpu runtime starts once per page; later sessions reuse its device.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// Whether `navigator.gpu.requestAdapter()` returns an adapter.
#[wasm_bindgen(js_name = webgpuAdapterAvailable)]
pub async fn webgpu_adapter_available() -> bool {
    let Some(gpu) = navigator_gpu() else {
        return false;
    };
    let Ok(request) = js_sys::Reflect::get(&gpu, &"requestAdapter".into()) else {
        return false;
    };
    let Ok(request) = request.dyn_into::<js_sys::Function>() else {
        return false;
    };
    let Ok(promise) = request.call0(&gpu) else {
        return false;
    };
    match wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await {
        Ok(adapter) => !adapter.is_null() && !adapter.is_undefined(),
        Err(_) => false,
    }
}

fn navigator_gpu() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let gpu = js_sys::Reflect::get(&navigator, &"gpu".into()).ok()?;
    (!gpu.is_undefined() && !gpu.is_null()).then_some(gpu)
}

async fn webgpu_device() -> Result<Device, String> {
    if let Some(d) = WEBGPU.with(|w| w.borrow().clone()) {
        return Ok(d);
    }
    if !webgpu_adapter_available().await {
        return Err("this browser offers no WebGPU adapter".into());
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("WebGPU could not start ({e:?})"))?;
    WEBGPU.with(|w| *w.borrow_mut() = Some(device.clone()));
    Ok(device)
}

/// An open backend: the device, its name, and a note when the choice had to fall back.
pub struct Opened {
    pub device: Device,
    pub backend: Backend,
    pub noise: Noise,
    pub note: Option<String>,
}

/// Opens the backend the page asked for, falling back to the CPU when WebGPU cannot start.
pub async fn open(choice: BackendChoice, seed: u64) -> Opened {
    crate::run_static_constructors();
    let cpu = |note| Opened {
        device: Backend::Flex.cpu_device().expect("flex is compiled in"),
        backend: Backend::Flex,
        noise: Noise::host(seed),
        note,
    };
    if choice == BackendChoice::Cpu {
        return cpu(None);
    }
    match webgpu_device().await {
        Ok(device) => Opened {
            device,
            backend: Backend::Wgpu,
            noise: Noise::Device,
            note: None,
        },
        Err(why) => cpu(Some(format!("{why}; training on the CPU instead"))),
    }
}
