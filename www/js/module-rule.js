// Which of the two wasm modules a visit needs, before either is loaded: "full" (WebGPU and
// ndarray) or "cpu" (flex alone), from the address's backend (null when absent), what
// navigator.gpu.requestAdapter() gave ("missing", "software" or "hardware") and adapter=any.
// The Session's own choice follows the same rule in Rust (bbb_core::config::backend::
// needs_whole_module); both are tested against one table (tests/fixtures/module-rule.json).
export function moduleFor(backend, adapter, anyAdapter) {
  if (backend === "webgpu" || backend === "ndarray") return "full";
  if (backend === "cpu") return "cpu";
  // "best available" (or no choice): WebGPU is raced against the CPU only on a real GPU, or on
  // a software adapter when the address says adapter=any.
  if (adapter === "hardware") return "full";
  return adapter === "software" && anyAdapter ? "full" : "cpu";
}
