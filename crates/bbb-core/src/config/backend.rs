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

/// What the browser's `navigator.gpu.requestAdapter()` gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapter {
    /// No WebGPU, or no adapter.
    Missing,
    /// A software fallback (the browser runs the "GPU" on the CPU, e.g. SwiftShader).
    Software,
    /// A real GPU.
    Hardware,
}

/// Whether a page visit needs the whole wasm module (WebGPU and ndarray) rather than the CPU-only
/// one, from the address's `backend` (`None` when absent), the adapter and `adapter=any`: WebGPU
/// or ndarray asked for, or "best available" with a real GPU (or with a software adapter when
/// `any_adapter`; otherwise it would lose to the CPU backend by far). The page applies the same
/// rule before any module is loaded (`www/js/module-rule.js`); both are tested against one
/// table, `tests/fixtures/module-rule.json`.
pub fn needs_whole_module(backend: Option<&str>, adapter: Adapter, any_adapter: bool) -> bool {
    match backend {
        Some("webgpu" | "ndarray") => true,
        Some("cpu") => false,
        _ => match adapter {
            Adapter::Hardware => true,
            Adapter::Software => any_adapter,
            Adapter::Missing => false,
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule against every row of the table the page's rule is tested against too.
    #[test]
    fn the_module_rule_is_the_tables() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/module-rule.json"
        );
        let table = std::fs::read_to_string(path).unwrap();
        let field = |row: &str, name: &str| -> String {
            let at = row.find(&format!("\"{name}\": ")).unwrap() + name.len() + 4;
            let rest = &row[at..];
            let end = rest.find([',', ' ', '}']).unwrap();
            rest[..end].trim_matches('"').to_string()
        };
        let mut rows = 0;
        for row in table.lines().filter(|l| l.contains("\"module\"")) {
            let backend = field(row, "backend");
            let backend = (backend != "null").then_some(backend.as_str());
            let adapter = match field(row, "adapter").as_str() {
                "missing" => Adapter::Missing,
                "software" => Adapter::Software,
                "hardware" => Adapter::Hardware,
                other => panic!("adapter '{other}'"),
            };
            let any = field(row, "any") == "true";
            let full = field(row, "module") == "full";
            assert_eq!(
                needs_whole_module(backend, adapter, any),
                full,
                "{backend:?}, {adapter:?}, any={any}"
            );
            rows += 1;
        }
        assert!(rows >= 20, "only {rows} rows read");
    }
}
