// End-to-end: the built page (dist/) in headless Chromium, served from a sub-path. Runs the quick
// preset to the end on the CPU backend and, where the browser offers WebGPU (Chromium's software
// adapter with --enable-unsafe-webgpu), on WebGPU too; checks the metrics shown, that every
// canvas has drawn, that hostile input is refused inline without losing the run, and that the
// page requests nothing but its own files. Saves screenshots and prints timings.
//
// Chromium's software WebGPU adapter (SwiftShader) runs matrix products on the CPU at about
// 0.1 GMAC/s, so the quick preset takes minutes there. `--webgpu-short` trains a short run
// instead (1 warmup + 1 VI epoch) and checks only that it finishes, shows its metrics and draws.
//
//   node tests/e2e/e2e.mjs [--only cpu|webgpu] [--preset quick|full] [--webgpu-short] [--out DIR]
import { chromium } from "playwright-core";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const only = opt("only", null);
const webgpuShort = args.includes("--webgpu-short");
const preset = opt("preset", "quick");
const outDir = resolve(opt("out", join(here, "out")));
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const BASE_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

let failures = 0;
const results = [];
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

async function inkedPixels(page, testid) {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) n++;
    }
    return n;
  }, testid);
}

const text = (page, id) => page.locator(`[data-testid="${id}"]`).innerText();

async function runOnce(backend) {
  const server = await serve(process.env.DIST ?? join(root, "dist"), "/course/bbb/");
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: backend === "webgpu" ? [...BASE_ARGS, "--enable-unsafe-webgpu"] : [...BASE_ARGS, "--disable-gpu"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2 });
  const foreign = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) foreign.push(r.url());
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const short = backend === "webgpu" && webgpuShort;
  const extra = short ? "&warmup-epochs=1&vi-epochs=1&mc-elbo=1&mc-rmse=2" : "";
  const label = `[${backend}, ${preset}${short ? " shortened" : ""}]`;
  try {
    const t0 = Date.now();
    await page.goto(`${server.url}#preset=${preset}&backend=${backend === "webgpu" ? "webgpu" : "cpu"}${extra}`);
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid="plot-data"]');
      if (!c || !c.width) return false;
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 16) if (d[i + 3] > 0 && d[i] < 200) return true;
      return false;
    }, null, { timeout: 30_000 });
    const firstPlot = (Date.now() - t0) / 1000;
    await page.waitForFunction(
      () => document.querySelector('[data-testid="status"]').textContent === "ready",
      null,
      { timeout: 60_000 },
    );
    const ready = (Date.now() - t0) / 1000;
    const shown = await text(page, "backend");
    check(backend === "webgpu" ? shown === "WebGPU" : shown.startsWith("CPU"), `${label} backend shown: ${shown}`);

    // Hostile values are refused inline and the current run is kept.
    const epochBefore = await text(page, "epoch");
    for (const [field, value] of [["lr", "NaN"], ["lr", "-1"], ["mc-rmse", ""], ["vi-epochs", "1e999"], ["prior-sigma", "abc"]]) {
      const input = page.locator(`input[name="${field}"]`);
      const old = await input.inputValue();
      await input.fill(value);
      await input.dispatchEvent("change");
      const note = await input.locator("xpath=..").locator(".error").innerText();
      check(note.length > 0, `${label} ${field}="${value}" gets an inline message: ${note}`);
      await input.fill(old);
      await input.dispatchEvent("input");
    }
    check((await text(page, "status")) === "ready" && (await text(page, "epoch")) === epochBefore,
      `${label} run kept after hostile input`);

    await page.locator('[data-testid="train"]').click();
    const t1 = Date.now();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="status"]').textContent === "done",
      null,
      { timeout: preset === "full" || backend === "webgpu" ? 1_800_000 : 600_000, polling: 500 },
    );
    const trainSecs = (Date.now() - t1) / 1000;
    const rmse = Number(await text(page, "metric-test-rmse"));
    const nll = Number(await text(page, "metric-test-nll"));
    const kl = Number(await text(page, "metric-test-kl"));
    const best = Number(await text(page, "metric-best-val-rmse"));
    const diag = await text(page, "diagnostics");
    if (short) {
      check(rmse > 0 && rmse < 1, `${label} test RMSE ${rmse} shown`);
      check(diag === "PASS" || diag === "FAIL", `${label} diagnostics shown: ${diag}`);
    } else {
      check(rmse > 0 && rmse <= 0.095, `${label} test RMSE ${rmse} ≤ 0.095`);
      check(diag === "PASS", `${label} diagnostics ${diag}`);
    }
    check(nll > 0 && kl > 0 && best > 0, `${label} test NLL ${nll}, KL ${kl}, best val RMSE ${best} shown`);
    for (const id of ["plot-data", "plot-curves", "plot-predictive"]) {
      const n = await inkedPixels(page, id);
      check(n > 5_000, `${label} ${id} has drawn (${n} inked pixels)`);
    }
    check(foreign.length === 0, `${label} no request beyond the page's own files ${foreign.join(" ")}`);
    check(errors.length === 0, `${label} no page errors ${errors.join(" | ")}`);
    await mkdir(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, `page-${backend}-${preset}.png`), fullPage: true });
    await page.screenshot({
      path: join(outDir, `top-${backend}-${preset}.png`),
      clip: { x: 0, y: 0, width: 1280, height: 1250 },
      scale: "css",
    });
    results.push({ backend: short ? "webgpu*" : backend, preset, firstPlot, ready, trainSecs, rmse, diag });

    if (backend === "cpu") {
      // Embedded in a course page: the same page inside an iframe starts and draws.
      await page.setContent(
        `<h1>Course page</h1><iframe src="${server.url}#preset=quick&backend=cpu" width="1200" height="900"></iframe>`,
      );
      const frame = await (await page.$("iframe")).contentFrame();
      await frame.waitForFunction(
        () => document.querySelector('[data-testid="status"]')?.textContent === "ready",
        null,
        { timeout: 60_000 },
      );
      const inked = await frame.evaluate(() => {
        const c = document.querySelector('[data-testid="plot-data"]');
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] < 200) n++;
        return n;
      });
      check(inked > 5_000, `${label} works inside an iframe (${inked} inked pixels)`);
    }
  } catch (e) {
    check(false, `${label} ${e.message}`);
  } finally {
    await browser.close();
    server.close();
  }
}

for (const backend of ["cpu", "webgpu"]) {
  if (!only || only === backend) await runOnce(backend);
}
console.log("\nbackend  preset  first plot  backend ready  training  test RMSE  diagnostics");
for (const r of results) {
  console.log(
    `${r.backend.padEnd(8)} ${r.preset.padEnd(7)} ${r.firstPlot.toFixed(2).padStart(8)} s ${r.ready.toFixed(2).padStart(11)} s ${r.trainSecs.toFixed(1).padStart(7)} s ${r.rmse.toFixed(4).padStart(9)}  ${r.diag}`,
  );
}
if (results.some((r) => r.backend === "webgpu*")) console.log("* shortened run: 1 warmup + 1 VI epoch");
console.log(`\ne2e: ${failures === 0 ? "all checks passed" : `${failures} check(s) failed`}`);
process.exit(failures === 0 ? 0 : 1);
