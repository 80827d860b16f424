// Trunk's post-build hook (Trunk.toml), in node, which the build needs anyway (wasm-opt comes
// from npm): names the page's two wasm modules after their contents and writes
// dist/modules.json, which the page reads to load one of them (www/js/module.js):
//   {"cpu":  {"js": …, "wasm": …, "bytes": N},   flex only (crates/bbb-web-cpu)
//    "full": {"js": …, "wasm": …, "bytes": N}}   flex, ndarray and WebGPU (crates/bbb-web)
// Trunk hashes the CPU module's names itself; the whole module is built as a Trunk "worker"
// (so Trunk neither loads nor preloads it) and is renamed here. "bytes" is the uncompressed
// size, the total of the page's loading bar (a gzipped response's Content-Length is not).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function fail(message) {
  console.error(`modules-manifest: ${message}`);
  process.exit(1);
}

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) fail('run by trunk as a post_build hook (TRUNK_STAGING_DIR is not set)');
const at = (name) => join(dir, name);
const bytes = (name) => statSync(at(name)).size;

// The whole module: bbb-web.js + bbb-web_bg.wasm → bbb-web-<hash>.js + bbb-web-<hash>_bg.wasm.
if (!existsSync(at('bbb-web_bg.wasm')) || !existsSync(at('bbb-web.js'))) {
  fail('bbb-web_bg.wasm or bbb-web.js missing');
}
const hash = createHash('sha256')
  .update(readFileSync(at('bbb-web_bg.wasm')))
  .update(readFileSync(at('bbb-web.js')))
  .digest('hex')
  .slice(0, 16);
const full = { js: `bbb-web-${hash}.js`, wasm: `bbb-web-${hash}_bg.wasm` };
renameSync(at('bbb-web_bg.wasm'), at(full.wasm));
renameSync(at('bbb-web.js'), at(full.js));

// The CPU-only module, hashed by Trunk: bbb-web-cpu-<hash>.js + bbb-web-cpu-<hash>_bg.wasm.
const cpuWasm = readdirSync(dir).filter((f) => /^bbb-web-cpu-.*_bg\.wasm$/.test(f));
if (cpuWasm.length !== 1) fail(`expected one CPU module, found ${cpuWasm.length}`);
const cpu = { js: cpuWasm[0].replace(/_bg\.wasm$/, '.js'), wasm: cpuWasm[0] };
if (!existsSync(at(cpu.js))) fail(`${cpu.js} missing`);

const entry = (m) => ({ js: m.js, wasm: m.wasm, bytes: bytes(m.wasm) });
writeFileSync(at('modules.json'), `${JSON.stringify({ cpu: entry(cpu), full: entry(full) })}\n`);
console.log(
  `modules-manifest: cpu ${cpu.wasm} (${bytes(cpu.wasm)} bytes), full ${full.wasm} (${bytes(full.wasm)} bytes)`,
);
