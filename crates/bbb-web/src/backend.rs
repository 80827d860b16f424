//! Choosing where the tensors live: WebGPU when the browser has a usable adapter, the CPU
//! (burn's flex backend, compiled with wasm SIMD) otherwise.

use bbb_core::burn::tensor::Device;
use bbb_core::{Backend, NoiseSource};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// What the page asked for.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// WebGPU on a real GPU if the browser has one, else the CPU (a software WebGPU adapter is
    /// slower than the CPU backend, so it is used only when chosen explicitly).
    Auto = "auto",
    /// WebGPU (falls back to the CPU with a note if it cannot start).
    Webgpu = "webgpu",
    /// The CPU.
    Cpu = "cpu",
}

impl BackendChoice {
    /// Every choice, in the order the page lists them.
    pub const ALL: [BackendChoice; 3] = [
        BackendChoice::Auto,
        BackendChoice::Webgpu,
        BackendChoice::Cpu,
    ];

    /// The name a link's address uses.
    pub fn name(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Webgpu => "webgpu",
            BackendChoice::Cpu => "cpu",
            _ => "auto",
        }
    }

    /// What the page's menu says.
    pub fn label(self) -> &'static str {
        match self {
            BackendChoice::Auto => "best available",
            BackendChoice::Webgpu => "WebGPU",
            _ => "CPU",
        }
    }
}

thread_local! {
    // burn's wgpu runtime starts once per page; later sessions reuse its device.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// What `navigator.gpu.requestAdapter()` gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Adapter {
    /// No WebGPU, or no adapter.
    Missing,
    /// A software fallback (the browser runs the "GPU" on the CPU, e.g. SwiftShader).
    Software,
    /// A real GPU.
    Hardware,
}

/// Whether `navigator.gpu.requestAdapter()` returns an adapter (a real or a software one).
#[wasm_bindgen(js_name = webgpuAdapterAvailable)]
pub async fn webgpu_adapter_available() -> bool {
    adapter().await != Adapter::Missing
}

async fn adapter() -> Adapter {
    let Some(gpu) = navigator_gpu() else {
        return Adapter::Missing;
    };
    let Ok(request) = js_sys::Reflect::get(&gpu, &"requestAdapter".into()) else {
        return Adapter::Missing;
    };
    let Ok(request) = request.dyn_into::<js_sys::Function>() else {
        return Adapter::Missing;
    };
    let Ok(promise) = request.call0(&gpu) else {
        return Adapter::Missing;
    };
    let adapter = match wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await {
        Ok(a) if !a.is_null() && !a.is_undefined() => a,
        _ => return Adapter::Missing,
    };
    // `adapter.info.isFallbackAdapter` in current browsers, `adapter.isFallbackAdapter` in older.
    let flag = |o: &JsValue| js_sys::Reflect::get(o, &"isFallbackAdapter".into()).ok();
    let info = js_sys::Reflect::get(&adapter, &"info".into()).ok();
    let fallback = info
        .as_ref()
        .and_then(flag)
        .or_else(|| flag(&adapter))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if fallback {
        Adapter::Software
    } else {
        Adapter::Hardware
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
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("WebGPU could not start ({e:?})"))?;
    WEBGPU.with(|w| *w.borrow_mut() = Some(device.clone()));
    Ok(device)
}

const NO_ADAPTER: &str = "this browser offers no WebGPU adapter; training on the CPU instead";
const SOFTWARE_ADAPTER: &str = "this browser's WebGPU is a software fallback, much slower than \
     the CPU backend, so training runs on the CPU (choose WebGPU to use it anyway)";

/// An open backend: the device, its name, and a note when the choice had to fall back.
pub struct Opened {
    pub device: Device,
    pub backend: Backend,
    pub noise: NoiseSource,
    pub note: Option<String>,
}

/// Opens the backend the page asked for, falling back to the CPU when WebGPU cannot start.
pub async fn open(choice: BackendChoice) -> Opened {
    crate::run_static_constructors();
    let cpu = |note| Opened {
        device: Backend::Flex.cpu_device().expect("flex is compiled in"),
        backend: Backend::Flex,
        noise: NoiseSource::Host,
        note,
    };
    if choice == BackendChoice::Cpu {
        return cpu(None);
    }
    match adapter().await {
        Adapter::Missing => return cpu(Some(NO_ADAPTER.into())),
        // A software adapter trains ~40 times slower than the CPU backend (measured with
        // tests/wasm/src/bench.rs on SwiftShader), so "auto" skips it; an explicit choice wins.
        Adapter::Software if choice == BackendChoice::Auto => {
            return cpu(Some(SOFTWARE_ADAPTER.into()))
        }
        _ => {}
    }
    match webgpu_device().await {
        Ok(device) => Opened {
            device,
            backend: Backend::Wgpu,
            noise: NoiseSource::Device,
            note: None,
        },
        Err(why) => cpu(Some(format!("{why}; training on the CPU instead"))),
    }
}
