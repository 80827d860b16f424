//! Choosing where the tensors live: WebGPU when the browser has a usable adapter (and, for
//! "best available", when it beats the CPU on a timed handful of steps: `probe.rs`), the CPU
//! (burn's flex backend, compiled with wasm SIMD) otherwise.

use bbb_core::burn::tensor::Device;
use bbb_core::config::backend::{needs_whole_module, Adapter};
use bbb_core::{Backend, NoiseSource};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;

use crate::probe::{race, Race};

/// What the page asked for.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// With a real GPU, the faster of WebGPU and the CPU on a few timed training steps; else the
    /// CPU (a software WebGPU adapter is much slower than the CPU backend, so it is used only
    /// when chosen explicitly).
    Auto = "auto",
    /// WebGPU (falls back to the CPU with a note if it cannot start).
    Webgpu = "webgpu",
    /// The CPU, on burn's flex backend (the faster CPU path).
    Cpu = "cpu",
    /// The CPU, on burn's ndarray backend (the project's named fallback, kept for comparison).
    Ndarray = "ndarray",
}

impl BackendChoice {
    /// Every choice, in the order the page lists them.
    pub const ALL: [BackendChoice; 4] = [
        BackendChoice::Auto,
        BackendChoice::Webgpu,
        BackendChoice::Cpu,
        BackendChoice::Ndarray,
    ];

    /// The name a link's address uses.
    pub fn name(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Webgpu => "webgpu",
            BackendChoice::Cpu => "cpu",
            BackendChoice::Ndarray => "ndarray",
            _ => "auto",
        }
    }

    /// What the page's menu says.
    pub fn label(self) -> &'static str {
        match self {
            BackendChoice::Auto => "best available",
            BackendChoice::Webgpu => "WebGPU",
            BackendChoice::Ndarray => "CPU (ndarray)",
            _ => "CPU",
        }
    }
}

/// Whether the module the page loaded can run this choice (`"webgpu"` and `"ndarray"` are
/// only in the whole module; the CPU-only one has flex alone). The page loads the whole module
/// when a choice needs it.
#[wasm_bindgen(js_name = backendInModule)]
pub fn backend_in_module(name: &str) -> bool {
    let webgpu = cfg!(feature = "wgpu");
    let ndarray = cfg!(feature = "ndarray");
    name == "auto"
        || name == "cpu"
        || (name == "webgpu" && webgpu)
        || (name == "ndarray" && ndarray)
}

#[cfg(feature = "wgpu")]
type WgpuDevice = bbb_core::burn::tensor::wgpu::wgpu::Device;

thread_local! {
    // burn's wgpu runtime starts once per page; later sessions reuse its device (kept with
    // wgpu's own handle, which `destroy_webgpu` ends).
    #[cfg(feature = "wgpu")]
    static WEBGPU: RefCell<Option<(Device, WgpuDevice)>> = const { RefCell::new(None) };
    // Why WebGPU stopped on this page, once it has: burn's runtime cannot start it again.
    static WEBGPU_LOST: RefCell<Option<String>> = const { RefCell::new(None) };
    // Whether "best available" treats a software adapter as a real GPU (tests of the race).
    static SOFTWARE_COUNTS: Cell<bool> = const { Cell::new(false) };
}

/// Lets "best available" race a software WebGPU adapter against the CPU as if it were a real
/// GPU (the address's `adapter=any`): how the race is tested on machines without a GPU.
#[wasm_bindgen(js_name = countSoftwareAdapter)]
pub fn count_software_adapter(on: bool) {
    SOFTWARE_COUNTS.with(|c| c.set(on));
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

/// `navigator.gpu`, on a page or in a worker (the trainer's worker chooses a CPU run's backend).
fn navigator_gpu() -> Option<JsValue> {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let gpu = js_sys::Reflect::get(&navigator, &"gpu".into()).ok()?;
    (!gpu.is_undefined() && !gpu.is_null()).then_some(gpu)
}

#[cfg(not(feature = "wgpu"))]
async fn webgpu_device() -> Result<Device, String> {
    Err("WebGPU is not in the CPU-only module this page loaded".into())
}

#[cfg(feature = "wgpu")]
async fn webgpu_device() -> Result<Device, String> {
    if let Some((d, _)) = WEBGPU.with(|w| w.borrow().clone()) {
        return Ok(d);
    }
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| format!("WebGPU could not start ({e:?})"))?;
    WEBGPU.with(|w| *w.borrow_mut() = Some((device.clone(), setup.device)));
    Ok(device)
}

/// Destroys the page's WebGPU device, as a driver reset or a GPU taken away would: how the
/// recovery from a lost device is tested. Says whether there was a device to destroy.
pub(crate) fn destroy_webgpu() -> bool {
    #[cfg(feature = "wgpu")]
    if let Some((_, device)) = WEBGPU.with(|w| w.borrow().clone()) {
        device.destroy();
        return true;
    }
    false
}

/// Records that WebGPU stopped on this page (`why`): later runs train on the CPU.
pub(crate) fn webgpu_lost(why: String) {
    WEBGPU_LOST.with(|l| *l.borrow_mut() = Some(why));
}

const NO_ADAPTER: &str = "this browser offers no WebGPU adapter; training on the CPU instead";
const SOFTWARE_ADAPTER: &str = "this browser's WebGPU is a software fallback, much slower than \
     the CPU backend, so training runs on the CPU (choose WebGPU to use it anyway)";

const NO_NDARRAY: &str = "ndarray is not in the CPU-only module this page loaded; training on \
     flex instead";

/// An open backend: the device, its name, and a note when the choice had to fall back.
pub struct Opened {
    pub device: Device,
    pub backend: Backend,
    pub noise: NoiseSource,
    pub note: Option<String>,
    /// The race "best available" ran, when it ran one.
    pub race: Option<Race>,
}

/// Opens the backend the page asked for, falling back to the CPU when WebGPU cannot start.
pub async fn open(choice: BackendChoice) -> Opened {
    crate::run_static_constructors();
    let cpu = |note| Opened {
        device: Backend::Flex.cpu_device().expect("flex is compiled in"),
        backend: Backend::Flex,
        noise: NoiseSource::Host,
        note,
        race: None,
    };
    if choice == BackendChoice::Cpu {
        return cpu(None);
    }
    if let Some(why) = WEBGPU_LOST.with(|l| l.borrow().clone()) {
        if choice != BackendChoice::Ndarray {
            return cpu(Some(format!(
                "WebGPU stopped earlier on this page ({why}); training on the CPU \
                 (reload the page to use WebGPU again)"
            )));
        }
    }
    if choice == BackendChoice::Ndarray {
        return match Backend::Ndarray.cpu_device() {
            Some(device) => Opened {
                device,
                backend: Backend::Ndarray,
                ..cpu(None)
            },
            None => cpu(Some(NO_NDARRAY.into())),
        };
    }
    let found = adapter().await;
    if found == Adapter::Missing {
        return cpu(Some(NO_ADAPTER.into()));
    }
    // The rule the page chose its module by: a software adapter trains ~40 times slower than the
    // CPU backend (measured with tests/wasm/src/bench.rs on SwiftShader), so "auto" skips it
    // unless `adapter=any`; an explicit choice wins.
    if !needs_whole_module(Some(choice.name()), found, SOFTWARE_COUNTS.with(Cell::get)) {
        return cpu(Some(SOFTWARE_ADAPTER.into()));
    }
    let device = match webgpu_device().await {
        Ok(device) => device,
        Err(why) => return cpu(Some(format!("{why}; training on the CPU instead"))),
    };
    let webgpu = |note, race| Opened {
        device: device.clone(),
        backend: Backend::Wgpu,
        noise: NoiseSource::Device,
        note,
        race,
    };
    if choice != BackendChoice::Auto {
        return webgpu(None, None);
    }
    // A real GPU is not always the faster: time both and keep the winner.
    let cpu_device = Backend::Flex.cpu_device().expect("flex is compiled in");
    match race(device.clone(), cpu_device).await {
        Ok(r) if r.webgpu_wins() => webgpu(Some(r.note()), Some(r)),
        Ok(r) => Opened {
            race: Some(r),
            ..cpu(Some(r.note()))
        },
        Err(why) => webgpu(
            Some(format!("the timing of both backends failed ({why})")),
            None,
        ),
    }
}
