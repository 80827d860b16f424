// The page's wasm module comes in two builds (dist/modules.json, written at build time by
// scripts/modules-manifest.mjs): "cpu", flex alone, small; and "full", flex with ndarray and WebGPU.
// A visit downloads one: the full module only when the address asks for WebGPU or ndarray, or
// when "best available" could use the browser's WebGPU adapter (a real one, or any with
// adapter=any: module-rule.js, the rule the Session follows once the module runs). The
// evaluation workers always load the CPU module: they compute on flex.

import { Loading } from "./loading.js";
import { moduleFor } from "./module-rule.js";

const ADAPTER_WAIT_MS = 2000;
// How long a worker may take to load a module before the page does without it.
export const LOAD_TIMEOUT_MS = 30_000;
let manifest = null;

function modules() {
  manifest ??= fetch(new URL("modules.json", document.baseURI)).then((r) => {
    if (!r.ok) throw new Error(`modules.json: ${r.status} ${r.statusText}`);
    return r.json();
  });
  return manifest;
}

// Absolute addresses of one build's glue and module, and its uncompressed size.
export async function moduleUrls(kind) {
  const m = (await modules())[kind];
  return { glue: new URL(m.js, document.baseURI).href, wasm: new URL(m.wasm, document.baseURI).href, bytes: m.bytes };
}

// What navigator.gpu.requestAdapter() gives: "missing", "software" (a fallback adapter, the GPU
// emulated on the CPU) or "hardware".
async function adapterKind() {
  if (!navigator.gpu) return "missing";
  const wait = new Promise((resolve) => setTimeout(() => resolve(null), ADAPTER_WAIT_MS));
  const adapter = await Promise.race([navigator.gpu.requestAdapter().catch(() => null), wait]);
  if (!adapter) return "missing";
  const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  return fallback ? "software" : "hardware";
}

// "cpu" or "full", from the address (#backend=…, adapter=any) and the browser (module-rule.js).
export async function neededModule(hash) {
  const params = new URLSearchParams(hash.slice(1));
  const backend = params.get("backend");
  // The adapter matters only to "best available" (the rule ignores it for the other choices).
  const adapter = ["cpu", "webgpu", "ndarray"].includes(backend) ? "missing" : await adapterKind();
  return moduleFor(backend, adapter, params.get("adapter") === "any");
}

// Downloads, compiles and starts one build, moving the header's loading bar as the bytes come.
// Resolves to the module's exports, with `moduleKind` ("cpu" | "full") added.
export async function loadModule(kind) {
  const loading = new Loading();
  try {
    const { glue, wasm, bytes } = await moduleUrls(kind);
    loading.start(kind, bytes);
    const response = fetch(wasm).then((r) => {
      if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
      return new Response(counted(r.body, (n) => loading.progress(n)), { headers: r.headers, status: r.status });
    });
    // Compiled here (while it downloads, where the server says it is wasm) and kept: the
    // trainer's worker starts from the same compiled module.
    const compiled = await compile(response);
    const bindings = await import(glue);
    await bindings.default({ module_or_path: compiled });
    loading.done();
    return { ...bindings, moduleKind: kind, compiled };
  } catch (e) {
    loading.failed(e);
    throw e;
  }
}

// A fetched module, compiled.
export async function compile(response) {
  const r = await response;
  if (!r.ok) throw new Error(`${r.url}: ${r.status} ${r.statusText}`);
  if (WebAssembly.compileStreaming && r.headers.get("content-type")?.startsWith("application/wasm")) {
    return WebAssembly.compileStreaming(r);
  }
  return WebAssembly.compile(await r.arrayBuffer());
}

// The same bytes, reporting the running count as they pass.
function counted(body, report) {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += value.byteLength;
      report(seen);
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
