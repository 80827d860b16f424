//! The burn backends the project runs on, chosen at run time.

use burn::tensor::Device;
use std::fmt;

/// Where the tensors live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// burn's NdArray CPU backend.
    Ndarray,
    /// burn's Flex CPU backend (pure Rust, SIMD kernels).
    Flex,
    /// burn's wgpu backend: WebGPU in the browser, Vulkan / Metal natively.
    Wgpu,
}

impl Backend {
    /// The backend's lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Ndarray => "ndarray",
            Backend::Flex => "flex",
            Backend::Wgpu => "wgpu",
        }
    }

    /// Parses a backend name.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "ndarray" => Ok(Backend::Ndarray),
            "flex" => Ok(Backend::Flex),
            "wgpu" | "webgpu" => Ok(Backend::Wgpu),
            other => Err(format!(
                "unknown backend '{other}': choose ndarray, flex or wgpu"
            )),
        }
    }

    /// The backends compiled into this build.
    pub fn available() -> Vec<Backend> {
        let mut v = Vec::new();
        if cfg!(feature = "ndarray") {
            v.push(Backend::Ndarray);
        }
        if cfg!(feature = "flex") {
            v.push(Backend::Flex);
        }
        if cfg!(feature = "wgpu") {
            v.push(Backend::Wgpu);
        }
        v
    }

    /// A CPU device, created synchronously. `None` for wgpu or a backend not compiled in.
    pub fn cpu_device(self) -> Option<Device> {
        match self {
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            Backend::Ndarray => Some(Device::ndarray()),
            #[cfg(feature = "flex")]
            Backend::Flex => Some(Device::flex()),
            _ => None,
        }
    }
}

/// Whether `device` keeps its tensors in host memory (a CPU backend compiled in), so they can be
/// read back at once, without waiting on a GPU.
pub fn on_host(device: &Device) -> bool {
    Backend::available()
        .into_iter()
        .filter_map(Backend::cpu_device)
        .any(|cpu| cpu == *device)
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A CPU device for the unit tests (the first CPU backend compiled in).
#[cfg(test)]
pub(crate) fn test_device() -> Device {
    Backend::available()
        .into_iter()
        .find_map(Backend::cpu_device)
        .expect("tests need the ndarray or flex feature")
}

/// A tensor of standard normals from the crate's seeded generator, for test inputs: the same
/// case on every run (burn's own `random` draws from a shared, unseeded generator).
#[cfg(test)]
pub(crate) fn normal_tensor(
    shape: [usize; 2],
    seed: u64,
    device: &Device,
) -> burn::tensor::Tensor<2> {
    let mut rng = crate::maths::rng::Rng::new(seed);
    let values: Vec<f32> = (0..shape[0] * shape[1])
        .map(|_| rng.normal() as f32)
        .collect();
    burn::tensor::Tensor::from_data(burn::tensor::TensorData::new(values, shape), device)
}
