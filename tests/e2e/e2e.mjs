// End-to-end: the built page (dist/) in headless Chromium, served from a sub-path. Runs the quick
// preset to the end on the CPU backend and, where the browser offers WebGPU (Chromium's software
// adapter with --enable-unsafe-webgpu), on WebGPU too; checks the metrics shown, that every
// canvas has drawn (the predictive's band and mean by their colours), that hostile input in every
// field is refused inline while a paused run is kept and then resumed, that resizing the window
// while a WebGPU step is in flight breaks nothing, that the page and bbb-cli give the same
// summary for the same seed and settings, and that the page requests nothing but its own files.
// Saves screenshots and prints timings.
//
// Chromium's software WebGPU adapter (SwiftShader) runs matrix products on the CPU at about
// 0.1 GMAC/s, so the quick preset takes minutes there. `--webgpu-short` trains a short run
// instead (1 warmup + 1 VI epoch at learning rate 0.01) and checks that it finishes, learns,
// shows its metrics and draws.
//
//   node tests/e2e/e2e.mjs [--only cpu|webgpu] [--preset quick|full] [--webgpu-short] [--out DIR]
//                          [--just throttledFirstLoad,moduleSwitch,…] [--busy N] [--rounds N]
//
// `--busy N` keeps N other processes spinning on the CPU for the whole test: how the page fares
// on a machine that is doing something else (its main thread's long tasks, above all).
import { chromium } from "playwright-core";
import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
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
const busy = Array.from({ length: Number(opt("busy", 0)) }, () =>
  spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" }));
process.on("exit", () => busy.forEach((p) => p.kill()));
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

// Pixels within `tol` of an exact colour: how a figure's own elements are told apart.
const colouredPixels = (page, testid, rgb, tol) => colouredInColumns(page, testid, rgb, tol, 0, 1);

// bbb-plots' BLUE (style.rs) for the mean, and the band's BLUE.mix(0.2) over white. The legend
// holds about 190 and 40 pixels of them, far under these bounds.
const MEAN_RGB = [31, 119, 180];
const BAND_RGB = [210, 228, 240];

// The noise's part of the total band (PURPLE at 20 % over white), the prior functions (PURPLE),
// the initial ones (BROWN), and the histogram bars (BLUE and GREEN at 75 % over white).
const NOISE_RGB = [234, 225, 242];
const PURPLE_RGB = [148, 103, 189];
const BROWN_RGB = [140, 86, 75];
const SIGMA_BAR_RGB = [87, 153, 199];
const SNR_BAR_RGB = [97, 184, 97];

// The sampled networks: TEAL at 50 % over whatever lies below (low red, green ≈ blue).
async function tealPixels(page) {
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid="plot-predictive"]');
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] < 150 && d[i + 1] > d[i] + 40 && Math.abs(d[i + 1] - d[i + 2]) < 20) n++;
    }
    return n;
  });
}

async function checkPredictiveInk(page, label) {
  const band = await colouredPixels(page, "plot-predictive", BAND_RGB, 6);
  const mean = await colouredPixels(page, "plot-predictive", MEAN_RGB, 12);
  const noise = await colouredPixels(page, "plot-predictive", NOISE_RGB, 6);
  const teal = await tealPixels(page);
  // The sampled networks cover much of the narrow weights band; the legend's swatch holds ~160.
  check(band > 600, `${label} predictive band drawn (${band} band-coloured pixels)`);
  check(mean > 1_500, `${label} predictive mean drawn (${mean} mean-coloured pixels)`);
  check(noise > 3_000, `${label} noise part of the total band drawn (${noise} pixels)`);
  check(teal > 2_000, `${label} sampled networks drawn (${teal} teal pixels)`);
}

// The figures of the posterior, each by the colours of its own elements, and their numbers.
async function checkPosteriorFigures(page, label, short = false) {
  const prior = await colouredPixels(page, "plot-before", PURPLE_RGB, 30);
  const initial = await colouredPixels(page, "plot-before", BROWN_RGB, 30);
  check(prior > 4_000 && initial > 2_000, `${label} prior (${prior}) and initial (${initial}) functions drawn`);
  const cw = await colouredPixels(page, "plot-calibration", MEAN_RGB, 12);
  const ct = await colouredPixels(page, "plot-calibration", PURPLE_RGB, 12);
  check(cw > 1_000 && ct > 1_000, `${label} reliability lines drawn (${cw} blue, ${ct} purple pixels)`);
  const sb = await colouredPixels(page, "plot-weights", SIGMA_BAR_RGB, 6);
  const nb = await colouredPixels(page, "plot-weights", SNR_BAR_RGB, 6);
  check(sb > 2_000 && nb > 4_000, `${label} weight histograms drawn (${sb} σ-bar, ${nb} ratio-bar pixels)`);
  const num = async (id) => Number(await value(page, id));
  const [w95, t95, noise, crps] = [
    await num("coverage-weights"), await num("coverage-total"), await num("noise-hat"), await num("crps"),
  ];
  check(w95 > 0 && t95 > w95 && t95 <= 1, `${label} 95 % coverage: weights only ${w95}, with noise ${t95}`);
  // A shortened run (two epochs) fits loosely: its noise estimate need only stay below the
  // targets' own spread (about 0.93).
  check(noise > 0.05 && noise < (short ? 0.93 : 0.15) && crps > 0, `${label} noise estimate ${noise}, CRPS ${crps}`);
  // New networks: the figure changes, the numbers stay.
  const sum = await canvasSum(page, "plot-predictive");
  const shown = await text(page, "coverage-total");
  await page.locator('[data-testid="resample"]').click();
  await page.waitForFunction((s) => {
    const c = document.querySelector('[data-testid="plot-predictive"]');
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]) >>> 0;
    return h !== s;
  }, sum, { timeout: 30_000, polling: 100 });
  check((await text(page, "coverage-total")) === shown, `${label} new networks drawn, numbers kept`);
}

// Until the data figure has ink: the page's first plot.
const waitFirstPlot = (page, timeout) => page.waitForFunction(() => {
    const c = document.querySelector('[data-testid="plot-data"]');
    if (!c || !c.width) return false;
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 16) if (d[i + 3] > 0 && d[i] < 200) return true;
    return false;
  }, null, { timeout, polling: 50 });
const text = (page, id) => page.locator(`[data-testid="${id}"]`).innerText();
const value = (page, id) => page.locator(`[data-testid="${id}"]`).getAttribute("data-value");
const status = (page) => text(page, "status");
const waitStatus = (page, want, timeout) =>
  page.waitForFunction((w) => document.querySelector('[data-testid="status"]').textContent === w, want, {
    timeout,
    polling: 100,
  });
const waitEpoch = (page, atLeast, timeout) =>
  page.waitForFunction((n) => Number(document.querySelector('[data-testid="epoch"]').textContent) >= n, atLeast, {
    timeout,
    polling: 100,
  });
const canvasSum = (page, id) =>
  page.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]) >>> 0;
    return h;
  }, id);

// What the page shows of a run: the epoch, the curves' pixels, every metric's full value.
async function snapshot(page) {
  const metrics = {};
  for (const id of ["metric-best-val-rmse", "metric-test-rmse", "metric-test-nll", "metric-test-kl", "metric-delta"]) {
    metrics[id] = await value(page, id);
  }
  return { epoch: await text(page, "epoch"), curves: await canvasSum(page, "plot-curves"), metrics };
}

// Train a few epochs, pause, type hostile text into every field; each gets an inline message,
// and the paused run (epoch, curves, metrics) is untouched. Putting each value back keeps it.
// Then Train resumes the same run: the next epoch shown comes after the paused one.
async function hostileInputKeepsThePausedRun(page, label) {
  await page.locator('[data-testid="train"]').click();
  await waitEpoch(page, 3, 120_000);
  await page.locator('[data-testid="pause"]').click();
  await waitStatus(page, "paused", 60_000);
  await page.waitForTimeout(300);
  const before = await snapshot(page);
  const fields = await page.locator("#settings input").evaluateAll((els) => els.map((e) => e.name));
  const hostile = ["abc", "", "-1", "0", "NaN", "1e309", "1e12", "<img src=x onerror=alert(1)>"];
  // Zero is a fine KL weight, seed and warmup length, and turns the Gaussian process off: a
  // valid value starts a new run, as it should, so those four are left out.
  const valid = new Set(["kl-weight=0", "seed=0", "warmup-epochs=0", "gp=0"]);
  let refused = 0;
  for (const field of fields) {
    const input = page.locator(`input[name="${field}"]`);
    const old = await input.inputValue();
    for (const v of hostile) {
      if (valid.has(`${field}=${v}`)) continue;
      await input.fill(v);
      await input.dispatchEvent("change");
      const note = await input.locator("xpath=..").locator(".error").innerText();
      if (note.length > 0) refused++;
      else check(false, `${label} ${field}="${v}" gets no inline message`);
    }
    await input.fill(old);
    await input.dispatchEvent("change");
  }
  check(fields.length >= 7, `${label} the form has a field per page setting (${fields.join(", ")})`);
  check(refused === fields.length * hostile.length - valid.size, `${label} ${refused} hostile values refused inline`);
  const after = await snapshot(page);
  check(
    (await status(page)) === "paused" && JSON.stringify(after) === JSON.stringify(before),
    `${label} paused run kept after hostile input: epoch ${after.epoch}, curves and metrics unchanged`,
  );
  check((await page.locator("#message").innerText()) === "", `${label} no message left once the fields are fixed`);
  const resumedAt = Number(before.epoch);
  await page.locator('[data-testid="train"]').click();
  const firstShown = await page.waitForFunction(
    (n) => {
      const e = Number(document.querySelector('[data-testid="epoch"]').textContent);
      return e !== n ? e : false;
    },
    resumedAt,
    { timeout: 120_000, polling: 20 },
  );
  // The progress line redraws a few times a second, so a fast epoch may pass unseen; a new run
  // would show epoch 0 or 1 first.
  const next = await firstShown.jsonValue();
  check(next > resumedAt, `${label} Train resumes the same run (epoch ${resumedAt} → ${next})`);
}

// Resize the window over and over while the WebGPU run steps: every redraw goes through the
// Player's queue, so nothing touches the session while a step holds it.
async function resizeDuringSteps(page, label) {
  await page.locator('[data-testid="train"]').click();
  await waitStatus(page, "training", 60_000);
  const start = Number(await text(page, "epoch"));
  for (let i = 0; i < 24; i++) {
    await page.setViewportSize({ width: i % 2 ? 1280 : 900, height: 900 });
    await page.waitForTimeout(500);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await waitEpoch(page, start + 1, 600_000);
  const message = await page.locator("#message").innerText();
  check(message === "" && ["training", "done"].includes(await status(page)),
    `${label} resizing while steps are in flight: no error, the run goes on (${message || "no message"})`);
}

// The page on the CPU and bbb-cli, same seed and settings: the same summary. The CLI runs the
// flex backend natively (AVX kernels), the page in wasm: they agree to float rounding.
async function pageMatchesCli(browser, server, label) {
  const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  const cli = join(target, "release", "bbb-cli");
  const flags = { "warmup-epochs": "1", "vi-epochs": "2", "mc-elbo": "1", "mc-rmse": "2", seed: "5" };
  const out = await mkdtemp(join(tmpdir(), "bbb-e2e-"));
  const args = ["--preset", "quick", "--backend", "flex", "--quiet", "--out", out];
  for (const [k, v] of Object.entries(flags)) args.push(`--${k}`, v);
  execFileSync(cli, args, { stdio: "ignore" });
  const summary = JSON.parse(await readFile(join(out, "summary.json"), "utf8"));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // The defaults, live figures and workers on: the final predictive's draws are keyed by the
  // run alone (not by the live ones drawn before it, nor by which worker draws a pass), so the
  // calibration is the CLI's.
  const hash = new URLSearchParams({ preset: "quick", backend: "cpu", ...flags }).toString();
  await page.goto(`${server.url}#${hash}`);
  await waitStatus(page, "ready", 60_000);
  await page.waitForFunction(() => document.querySelector('[data-testid="workers"]').dataset.count !== "0", null, { timeout: 60_000 });
  await page.locator('[data-testid="train"]').click();
  await waitStatus(page, "done", 120_000);
  const computed = await page.locator('[data-testid="costs"] tr').evaluateAll((rows) => rows.map((r) => r.dataset.name));
  check(computed.includes("final predictive, drawn by the workers"), `${label} the workers drew the final predictive (${computed.filter((n) => n.includes("predictive")).join(", ")})`);
  const pairs = [
    ["metric-test-rmse", "test_rmse"],
    ["metric-test-nll", "test_nll"],
    ["metric-test-kl", "test_kl"],
    ["metric-best-val-rmse", "best_val_rmse"],
    ["metric-delta", "ema_elbo_delta"],
    ["noise-hat", "noise_sigma_hat"],
    ["coverage-total", "coverage_total_95"],
    ["gaussian-nll", "gaussian_nll"],
    ["crps", "crps"],
    ["median-sigma", "median_sigma"],
    ["prior-spread", "prior_function_spread"],
  ];
  let worst = 0;
  for (const [id, key] of pairs) {
    const a = Number(await value(page, id));
    const b = summary[key];
    worst = Math.max(worst, Math.abs(a - b) / Math.max(Math.abs(b), 1e-12));
  }
  check(worst < 1e-4, `${label} page and bbb-cli give the same summary (largest relative difference ${worst.toExponential(2)})`);
  await downloadsMatchCli(page, out, summary, label);
  await page.close();
}

// Section 11's downloads: the page's history.csv and summary.json carry the CLI's columns and
// field names with the same numbers (within float noise: wasm against native), the figures come
// as PNGs of the canvas's size, and the link reproduces the run.
async function downloaded(page, selector) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator(selector).click()]);
  return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
}
const close = (a, b) => Math.abs(a - b) <= 1e-4 * Math.max(Math.abs(b), 1e-6);

async function downloadsMatchCli(page, cliOut, cliSummary, label) {
  const history = await downloaded(page, '[data-testid="save-history"]');
  const cliHistory = await readFile(join(cliOut, "history.csv"), "utf8");
  const rows = (text) => text.trim().split("\n").map((l) => l.split(","));
  const [mine, theirs] = [rows(history.bytes.toString("utf8")), rows(cliHistory)];
  const sameCells = mine.length === theirs.length && mine.every((row, i) => row.length === theirs[i].length &&
    row.every((cell, j) => (i === 0 || j < 2 ? cell === theirs[i][j] : close(Number(cell), Number(theirs[i][j])))));
  check(history.name === "history.csv" && sameCells, `${label} downloaded ${history.name}: ${mine.length - 1} epochs, the CLI's columns and numbers`);
  const saved = await downloaded(page, '[data-testid="save-summary"]');
  const summary = JSON.parse(saved.bytes.toString("utf8"));
  const shared = Object.keys(summary).filter((k) => typeof summary[k] === "number" && k in cliSummary);
  const differ = shared.filter((k) => !close(summary[k], cliSummary[k]));
  check(shared.length >= 20 && differ.length === 0 && summary.settings?.["vi-epochs"] === "2" && summary.link === page.url(),
    `${label} downloaded summary.json: ${shared.length} numbers as the CLI's ${differ.join(" ")}, settings and link`);
  const png = await downloaded(page, '[data-figure="predictive"]');
  const size = await page.evaluate(() => [document.getElementById("plot-predictive").width, document.getElementById("plot-predictive").height]);
  const signature = png.bytes.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  const [w, h] = [png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)];
  check(signature && w === size[0] && h === size[1], `${label} downloaded ${png.name}: a ${w}×${h} PNG`);
  const link = await page.locator('[data-testid="run-link"]').inputValue();
  check(link === page.url() && link.includes("vi-epochs=2") && link.includes("seed=5"), `${label} the link shown reproduces the run`);
  await posteriorFiles(page, cliOut, cliSummary, label);
}

// The posterior file both ways: the page's file shown by `bbb-cli --load`, the CLI's file loaded
// into the page (same numbers, no training), and broken files refused with the run kept.
async function posteriorFiles(page, cliOut, cliSummary, label) {
  const saved = await downloaded(page, '[data-testid="save-posterior"]');
  const mine = join(cliOut, "from-page.safetensors");
  await writeFile(mine, saved.bytes);
  const again = join(cliOut, "again");
  const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  execFileSync(join(target, "release", "bbb-cli"), ["--quiet", "--load", mine, "--out", again], { stdio: "ignore" });
  const loadedByCli = JSON.parse(await readFile(join(again, "summary.json"), "utf8"));
  const shownRmse = Number(await value(page, "metric-test-rmse"));
  check(saved.name === "posterior.safetensors" && close(loadedByCli.test_rmse, shownRmse) && loadedByCli.best_epoch === cliSummary.best_epoch,
    `${label} the page's posterior file (${saved.bytes.length} bytes) shown by bbb-cli --load: test RMSE ${loadedByCli.test_rmse.toFixed(5)} as the page's`);
  const input = page.locator('[data-testid="load-posterior"]');
  const cliFile = await readFile(join(cliOut, "posterior.safetensors"));
  // Broken files first: each refused with its reason, the finished run kept.
  const header = Number(cliFile.readBigUInt64LE(0));
  const widened = Buffer.from(cliFile);
  const at = widened.indexOf("width=72");
  widened.write("width=16", at);
  for (const [name, bytes, reason] of [
    ["cut.safetensors", cliFile.subarray(0, 8 + header + 100), "cut short"],
    ["notes.safetensors", Buffer.from("these are my lecture notes, not a posterior"), "not a readable safetensors file"],
    ["narrow.safetensors", widened, "these settings make it [9, 16]"],
  ]) {
    await input.setInputFiles({ name, mimeType: "application/octet-stream", buffer: bytes });
    await page.waitForFunction((n) => document.getElementById("message").textContent.includes(n), name, { timeout: 30_000 });
    const message = await page.locator("#message").innerText();
    const kept = Number(await value(page, "metric-test-rmse")) === shownRmse && (await status(page)) === "done";
    check(at > 0 && message.includes(reason) && message.includes("current run is kept") && kept,
      `${label} a broken posterior file (${name}) refused: "${message.slice(0, 90)}…", the run kept`);
  }
  await input.setInputFiles({ name: "cli.safetensors", mimeType: "application/octet-stream", buffer: cliFile });
  await page.waitForFunction(() => document.querySelector('[data-testid="load-note"]').textContent.startsWith("Loaded"), null, { timeout: 60_000 });
  const pairs = [["metric-test-rmse", "test_rmse"], ["metric-best-val-rmse", "best_val_rmse"], ["noise-hat", "noise_sigma_hat"], ["median-sigma", "median_sigma"]];
  const differ = [];
  for (const [id, key] of pairs) if (!close(Number(await value(page, id)), cliSummary[key])) differ.push(key);
  const note = await text(page, "load-note");
  check(differ.length === 0 && (await status(page)) === "done" && (await text(page, "epoch")) === "3" && page.url().includes("seed=5"),
    `${label} the CLI's posterior file loaded into the page: the CLI's numbers ${differ.join(" ")}, no training ("${note.slice(0, 80)}…")`);
}

// The example course page (www/embed-example.html) on one origin embeds two views of the page
// served from another (127.0.0.1 and localhost: the same server, two origins) and drives them
// with its buttons; messages go both ways. A third copy, whose address does not allow the host's
// origin, ignores the host and says nothing to it.
async function embedHost(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const other = server.url.replace("127.0.0.1", "localhost");
  const short = "warmup-epochs=1&vi-epochs=3&mc-elbo=1&mc-rmse=2";
  await page.goto(`${server.url}embed-example.html?page=${encodeURIComponent(other)}&settings=${encodeURIComponent(short)}`);
  const got = (frame, type) => page.evaluate(([f, t]) => window.received.filter((m) => m.frame === f && m.type === t), [frame, type]);
  const waitFor = (frame, type, count = 1, timeout = 60_000) => page.waitForFunction(([f, t, n]) =>
    window.received.filter((m) => m.frame === f && m.type === t).length >= n, [frame, type, count], { timeout });
  await waitFor("left", "ready");
  await waitFor("right", "ready");
  const ready = (await got("left", "ready"))[0];
  check(ready.totalEpochs === 4 && ready.backend === "cpu" && ready.settings["vi-epochs"] === "3",
    `${label} embedded: "ready" from both views (${ready.totalEpochs} epochs on ${ready.backend})`);
  await waitFor("right", "height");
  const heights = await got("right", "height");
  const frameHeight = await page.evaluate(() => document.getElementById("right").clientHeight);
  check(heights.at(-1).height > 100 && Math.abs(frameHeight - Math.min(heights.at(-1).height, 900)) < 2,
    `${label} embedded: the page posts its height (${heights.at(-1).height} px) and the host sizes the iframe`);
  // What each view shows: its own section and nothing else of the tutorial.
  const frames = {};
  for (const f of page.frames()) {
    const name = await f.frameElement().then((e) => e.getAttribute("id")).catch(() => null);
    if (name) frames[name] = f;
  }
  const shown = (frame) => frame.evaluate(() => [...document.querySelectorAll("main > section, #controls, header")]
    .filter((el) => el.getBoundingClientRect().height > 0).map((el) => el.dataset.view || el.id || el.tagName.toLowerCase()));
  const left = await shown(frames.left);
  const right = await shown(frames.right);
  check(JSON.stringify(left) === JSON.stringify(["header", "controls", "curves"]),
    `${label} embedded: view=curves shows ${left.join(", ")}`);
  check(!right.includes("controls") && right.includes("predictive") && !right.includes("data"),
    `${label} embedded: view=predictive with hide=controls shows ${right.join(", ")}`);

  // The host's buttons drive both: one epoch each, then train to the end.
  await page.locator("#step").click();
  await waitFor("left", "epoch");
  await waitFor("right", "epoch");
  const afterStep = await frames.right.locator('[data-testid="epoch"]').innerText();
  check(afterStep === "1", `${label} embedded: "step" trains one epoch (epoch ${afterStep})`);
  // A bad setting from the host: an error comes back, the run is kept.
  await page.evaluate(() => window.sendToBoth({ type: "set", settings: { "kl-weight": "lots" } }));
  await waitFor("left", "error");
  const err = (await got("left", "error"))[0];
  const stillEpoch = await frames.left.locator('[data-testid="epoch"]').innerText();
  check(/kl-weight/.test(err.message) && err.faults?.["kl-weight"] && stillEpoch === "1",
    `${label} embedded: a bad "set" is refused with a message (${err.message.slice(0, 70)}…) and the run kept`);
  await page.evaluate(() => window.sendToBoth({ type: "dance" }));
  await waitFor("left", "error", 2);
  await page.locator("#train").click();
  await waitFor("left", "done", 1, 180_000);
  await waitFor("right", "done", 1, 180_000);
  for (const name of ["left", "right"]) {
    const epochs = (await got(name, "epoch")).map((m) => m.epoch);
    const done = (await got(name, "done"))[0].summary;
    const shownRmse = Number(await frames[name].locator('[data-testid="metric-test-rmse"]').getAttribute("data-value"));
    const progress = (await got(name, "progress")).length;
    check(JSON.stringify(epochs) === "[1,2,3,4]" && done.test_rmse === shownRmse && done.epochs === 4 && progress > 0,
      `${label} embedded ${name}: "epoch" for epochs ${epochs.join(",")}, ${progress} "progress", "done" with test RMSE ${done.test_rmse.toFixed(4)} (as shown)`);
  }
  // "set" from the host starts a new run with the new value.
  await page.locator("#kl-weight").selectOption("0.01");
  await waitFor("left", "ready", 2);
  const again = (await got("left", "ready"))[1];
  check(again.settings["kl-weight"] === "0.01" && again.settings["vi-epochs"] === "3", `${label} embedded: "set" starts a new run with kl-weight ${again.settings["kl-weight"]}`);
  await page.locator("#reset").click();
  await waitFor("right", "ready", 3);

  // A copy that does not allow the host's origin: the host's "train" changes nothing there, and
  // none of its messages reach the host.
  const raw = await page.evaluate((src) => new Promise((resolve) => {
    const f = document.createElement("iframe");
    f.id = "stranger";
    f.src = src;
    window.fromStranger = [];
    addEventListener("message", (e) => { if (e.source === f.contentWindow) window.fromStranger.push(e.data); });
    f.addEventListener("load", () => resolve(true));
    document.body.append(f);
  }), `${other}#preset=quick&${short}`);
  const stranger = await (await page.$("#stranger")).contentFrame();
  // Polled by time: an iframe out of view gets no animation frames to poll on.
  await stranger.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent === "ready", null, { timeout: 60_000, polling: 200 })
    .catch(async (e) => {
      const seen = await stranger.evaluate(() => `${document.querySelector('[data-testid="status"]')?.textContent} | ${document.getElementById("message")?.textContent}`).catch((x) => x.message);
      throw new Error(`the copy without origin= did not get ready (${seen}; ${stranger.url()}): ${e.message}`);
    });
  await page.evaluate((origin) => document.getElementById("stranger").contentWindow.postMessage({ type: "train" }, origin), new URL(other).origin);
  await page.waitForTimeout(1500);
  const strangerStatus = await stranger.locator('[data-testid="status"]').innerText();
  const heard = await page.evaluate(() => window.fromStranger.length);
  check(raw && strangerStatus === "ready" && heard === 0,
    `${label} embedded without origin=: the host's "train" ignored (status ${strangerStatus}), ${heard} messages to the host`);
  check(errors.length === 0, `${label} embedded: no page errors ${errors.join(" | ")}`);
  await page.close();
  // autoplay: a view that trains as soon as it is ready, with no click.
  const auto = await browser.newPage({ viewport: { width: 480, height: 600 } });
  await auto.goto(`${server.url}#${short}&view=curves&compact&autoplay`);
  await waitStatus(auto, "done", 120_000);
  check((await text(auto, "epoch")) === "4", `${label} autoplay: the view trained its 4 epochs with no click`);
  await auto.close();
}

// Accessibility: a run started with the keyboard alone (visible focus on the way), the live
// region's words, the data figure edited from the keyboard, axe-core on the finished page in
// light and dark colours, a phone's width without sideways scrolling, and reduced motion.
const AXE = join(root, "node_modules", "axe-core", "axe.min.js");
async function axeProblems(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0]?.target?.join(" ") })));
  return violations;
}

async function accessibility(browser, server, label) {
  const short = "preset=quick&backend=cpu&warmup-epochs=1&vi-epochs=2&mc-elbo=1&mc-rmse=2";
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}#${short}`);
  await waitStatus(page, "ready", 60_000);
  const live = () => text(page, "live");
  check((await live()).startsWith("Ready to train 3 epochs"), `${label} live region: "${await live()}"`);
  // Tab to Train; the focused control shows a focus ring.
  let tabs = 0;
  let outline = "";
  while (tabs < 40 && (await page.evaluate(() => document.activeElement?.id)) !== "train") {
    await page.keyboard.press("Tab");
    tabs += 1;
  }
  outline = await page.evaluate(() => { const s = getComputedStyle(document.activeElement); return `${s.outlineStyle} ${s.outlineWidth}`; });
  await page.keyboard.press("Enter");
  await waitStatus(page, "done", 120_000);
  check(tabs < 40 && outline.startsWith("solid") && !outline.endsWith(" 0px"), `${label} keyboard alone: ${tabs} Tabs to Train (focus ring ${outline}), Enter trained the run to "done"`);
  const said = await live();
  const rmse = Number(await value(page, "metric-test-rmse"));
  check(said.startsWith("Training finished. Test RMSE") && said.includes(rmse.toFixed(4)), `${label} live region at the end: "${said}"`);
  const described = await page.evaluate(() => [...document.querySelectorAll("canvas")].map((c) => [c.id, c.getAttribute("role"), c.getAttribute("aria-label")]));
  const predictiveWords = described.find(([id]) => id === "plot-predictive")[2];
  const coverage = Math.round(100 * Number(await value(page, "coverage-total")));
  check(described.every(([, role, words]) => role === "img" && words?.length > 30) && predictiveWords.includes(`${coverage} %`),
    `${label} every figure has a text alternative with its numbers ("${predictiveWords.slice(0, 110)}…")`);
  // The data figure from the keyboard: move the cross, Enter adds a point (a new run).
  const before = Number(await text(page, "train-points"));
  await page.focus("#plot-data");
  for (const key of ["ArrowRight", "ArrowRight", "ArrowUp", "Enter"]) await page.keyboard.press(key);
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="train-points"]').textContent) === n + 1, before, { timeout: 60_000 });
  const cross = await page.locator("#data-cursor").isVisible();
  check(cross && page.url().includes("add="), `${label} the data figure from the keyboard: a point added (${before} → ${before + 1} training points), the cross shown`);
  await waitStatus(page, "ready", 60_000);
  await page.locator('[data-testid="train"]').click();
  await waitStatus(page, "done", 120_000);
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    const found = await axeProblems(page);
    const bad = found.filter((v) => v.impact === "serious" || v.impact === "critical");
    check(bad.length === 0, `${label} axe-core, ${scheme} colours: ${bad.length} serious or critical (${found.map((v) => `${v.id}:${v.impact}×${v.nodes} ${v.target}`).join("; ") || "none at all"})`);
  }
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(dark === "rgb(17, 21, 27)", `${label} dark colours: the page's background ${dark}`);
  check(errors.length === 0, `${label} accessibility run: no page errors ${errors.join(" | ")}`);
  await page.close();

  // A phone: 360 CSS pixels wide, nothing wider than the screen.
  const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await phone.goto(`${server.url}#${short}`);
  await waitStatus(phone, "ready", 60_000);
  await phone.locator('[data-testid="train"]').click();
  await waitStatus(phone, "done", 120_000);
  const widths = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, wide: [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > 361 && !el.closest(".table-scroll")).map((el) => el.id || el.tagName).slice(0, 5) }));
  check(widths.page <= 360 && widths.wide.length === 0, `${label} 360 px wide: the page is ${widths.page} px wide ${widths.wide.join(" ")}`);
  await phone.screenshot({ path: join(outDir, "phone-360.png"), fullPage: false });
  await phone.close();

  // Reduced motion: the live figures refresh a quarter as often.
  const calm = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: "reduce" });
  await calm.goto(`${server.url}#preset=quick&backend=cpu`);
  await waitStatus(calm, "ready", 60_000);
  await calm.locator('[data-testid="train"]').click();
  await waitStatus(calm, "done", 300_000);
  // Drawn on the page or by the workers: the rows of both, summed.
  const refreshes = await calm.evaluate(() => [...document.querySelectorAll('[data-testid="costs"] tr[data-name^="live predictive"] td.dim')]
    .reduce((n, td) => n + Number(td.textContent.match(/mean of (\d+)/)?.[1] ?? 0), 0));
  const transition = await calm.evaluate(() => getComputedStyle(document.querySelector('[data-testid="progress"] > div')).transitionDuration);
  check(refreshes >= 1 && refreshes <= 2 && transition === "0s", `${label} reduced motion: ${refreshes} live refreshes of the posterior's figures in the quick run (8 otherwise), no bar animation`);
  await calm.close();
}

// burn's ndarray backend against flex in the same browser: the quick preset on each, one
// after the other, both on the page's own thread (no workers, no live figures), both in the
// tutorial's range. Prints the times for the README.
async function ndarrayAgainstFlex(browser, server, label) {
  const times = {};
  for (const backend of ["cpu", "ndarray"]) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}#preset=quick&backend=${backend}&workers=0&live-views=0`);
    await waitStatus(page, "ready", 60_000);
    await page.locator('[data-testid="train"]').click();
    await waitStatus(page, "done", 900_000);
    const secs = Number((await page.locator("#elapsed").innerText()).replace(" s", ""));
    const rmse = Number(await text(page, "metric-test-rmse"));
    const shown = await text(page, "backend");
    times[backend] = secs;
    check(rmse > 0 && rmse <= 0.095 && (await text(page, "diagnostics")) === "PASS" && shown.includes(backend === "cpu" ? "flex" : "ndarray"),
      `${label} ${shown}: quick preset in ${secs.toFixed(1)} s, test RMSE ${rmse.toFixed(4)}`);
    await page.close();
  }
  console.log(`     ndarray against flex in this browser (quick preset, no workers): ${times.ndarray.toFixed(1)} s against ${times.cpu.toFixed(1)} s (ndarray takes ${(times.ndarray / times.cpu).toFixed(2)}x)`);
}

// The first visit over a slow network (the DevTools protocol's throttling: 10 Mbit/s down,
// 40 ms round trip; the server sends gzip, the cache is off), from a browser without a WebGPU
// adapter and with the address choosing nothing: only the CPU-only module is downloaded, the
// loading bar moves while it comes and goes away; reports the bytes and the time to the first
// plot (the goal is 2.5 s; a time is reported, not asserted).
async function throttledFirstLoad(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 40, downloadThroughput: 10e6 / 8, uploadThroughput: 10e6 / 8,
  });
  let bytes = 0;
  const modules = [];
  cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; });
  cdp.on("Network.requestWillBeSent", (e) => { if (e.request.url.endsWith(".wasm")) modules.push(e.request.url.split("/").pop()); });
  const t0 = Date.now();
  await page.goto(`${server.url}#preset=quick&workers=0`, { waitUntil: "commit" });
  const seen = new Set();
  const poll = setInterval(() => {
    page.evaluate(() => document.querySelector("#loading progress")?.value).then((v) => seen.add(v), () => {});
  }, 100);
  await waitFirstPlot(page, 180_000);
  const firstPlot = (Date.now() - t0) / 1000;
  clearInterval(poll);
  await waitStatus(page, "ready", 120_000);
  const hidden = await page.locator('[data-testid="loading"]').isHidden();
  const between = [...seen].filter((v) => v > 0 && v < 100).length;
  check(hidden && between >= 2, `${label} throttled first visit: the loading bar moved (${between} readings between 0 and 100 %) and went away`);
  const kind = await page.locator('[data-testid="loading"]').getAttribute("data-module");
  check(kind === "cpu" && modules.length === 1 && /^bbb-web-cpu-[0-9a-f]+_bg\.wasm$/.test(modules[0]),
    `${label} a visit without a WebGPU adapter loads the CPU-only module alone (${kind}: ${modules.join(", ")})`);
  console.log(`     throttled first visit (10 Mbit/s, 40 ms): first plot after ${firstPlot.toFixed(2)} s (goal 2.5 s), ${(bytes / 2 ** 20).toFixed(2)} MB transferred (gzip) in all`);
  await page.close();
}

// Choosing ndarray on a page that loaded the CPU-only module loads the whole module: the page
// starts again from its address, with the settings kept, and trains on ndarray.
async function moduleSwitch(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}#preset=quick&workers=0&kl-weight=0.02`);
  await waitStatus(page, "ready", 60_000);
  const before = await page.locator('[data-testid="loading"]').getAttribute("data-module");
  await Promise.all([
    page.waitForEvent("load", { timeout: 60_000 }),
    page.locator("#backend-choice").selectOption("ndarray"),
  ]);
  await waitStatus(page, "ready", 120_000);
  const after = await page.locator('[data-testid="loading"]').getAttribute("data-module");
  const shown = await text(page, "backend");
  const kl = await page.locator('input[name="kl-weight"]').inputValue();
  check(before === "cpu" && after === "full" && shown.includes("ndarray") && kl === "0.02",
    `${label} choosing ndarray loads the whole module (${before} → ${after}, ${shown}, KL weight kept: ${kl})`);
  await page.close();
}

// "Best available" with the software adapter standing in for a GPU (adapter=any): both
// backends timed, the faster kept, and the page says which and both times.
async function bestAvailableRace(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const t0 = Date.now();
  await page.goto(`${server.url}#preset=quick&backend=auto&adapter=any`);
  await waitStatus(page, "ready", 120_000);
  const secs = (Date.now() - t0) / 1000;
  const note = await page.locator("#backend-note").innerText();
  const shown = await text(page, "backend");
  // "WebGPU 3.2 ms, CPU 20.1 ms per step", or "WebGPU over 300 ms (…), CPU …" when its first
  // step outran the budget.
  const m = note.match(/WebGPU (over )?([0-9.]+) ms[^,]*, CPU ([0-9.]+) ms[^,;]* per step/);
  const faster = m && (!m[1] && Number(m[2]) < Number(m[3]) ? "WebGPU" : "CPU");
  const kind = await page.locator('[data-testid="loading"]').getAttribute("data-module");
  check(m !== null && shown.startsWith(faster) && page.url().includes("adapter=any") && kind === "full",
    `${label} best available raced both (${m ? m[0] : note}) and shows ${shown}; ready in ${secs.toFixed(1)} s (${kind} module)`);
  await page.close();
}

// Without adapter=any, a software adapter alone is not worth the whole module: "best available"
// loads the CPU-only one and says why it trains on the CPU.
async function softwareAdapterLoadsCpuModule(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}#preset=quick`);
  await waitStatus(page, "ready", 120_000);
  const kind = await page.locator('[data-testid="loading"]').getAttribute("data-module");
  const note = await page.locator("#backend-note").innerText();
  check(kind === "cpu" && /software fallback/.test(note),
    `${label} a software adapter alone: the CPU-only module (${kind}), "${note.slice(0, 60)}…"`);
  await page.close();
}

// bbb-plots' RED at 0.85 over white: the Gaussian process's outline.
const GP_RGB = [220, 71, 72];

// Pixels within `tol` of a colour in the canvas columns from `from` to `to` (fractions of its
// width).
async function colouredInColumns(page, testid, [r, g, b], tol, from, to) {
  return page.evaluate(({ id, r, g, b, tol, from, to }) => {
    const c = document.querySelector(`[data-testid="${id}"]`);
    const x0 = Math.round(from * c.width);
    const w = Math.round((to - from) * c.width);
    const d = c.getContext("2d").getImageData(x0, 0, w, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - r) <= tol && Math.abs(d[i + 1] - g) <= tol && Math.abs(d[i + 2] - b) <= tol) n++;
    }
    return n;
  }, { id: testid, r, g, b, tol, from, to });
}

// A person's points: two clicks add two training points (the run uses n + 2, the address
// carries them), a right-click takes one away, "reset data" restores the scenario's; a link
// with hostile point data gets a message and the default data; the gap experiment's link draws
// both the network's and the Gaussian process's bands inside the gap.
async function pointsAndScenarios(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const short = { preset: "quick", backend: "cpu", "warmup-epochs": "1", "vi-epochs": "2", "mc-elbo": "1", "mc-rmse": "2" };
  await page.goto(`${server.url}#${new URLSearchParams(short)}`);
  await waitStatus(page, "ready", 60_000);
  const points = async () => Number(await text(page, "train-points"));
  const n = await points();
  const canvas = page.locator('[data-testid="plot-data"]');
  const box = await canvas.boundingBox();
  const at = (fx, fy) => ({ x: box.width * fx, y: box.height * fy });
  const waitPoints = (want) =>
    page.waitForFunction(
      (w) => document.querySelector('[data-testid="train-points"]').textContent === String(w)
        && document.querySelector('[data-testid="status"]').textContent === "ready",
      want,
      { timeout: 60_000 },
    );
  // Two places inside the data's range of y (so the axes do not move) and away from the data.
  await canvas.click({ position: at(0.45, 0.3) });
  await waitPoints(n + 1);
  await canvas.click({ position: at(0.6, 0.7) });
  await waitPoints(n + 2);
  check(page.url().includes("add="), `${label} the added points are in the address`);
  await page.locator('[data-testid="train"]').click();
  await waitStatus(page, "done", 120_000);
  check((await points()) === n + 2, `${label} two clicks: the run trained on ${await points()} points (was ${n})`);
  await canvas.click({ position: at(0.6, 0.7), button: "right" });
  await waitPoints(n + 1);
  check(true, `${label} a right-click on an added point takes it away (${n + 1} points)`);
  await page.locator('[data-testid="reset-data"]').click();
  await waitPoints(n);
  check(!page.url().includes("add="), `${label} reset data: ${n} points and no points in the address`);

  const hostile = new URLSearchParams({ ...short, add: "1_NaN_<b>x</b>_2", remove: "99999" });
  await page.goto(`${server.url}#${hostile}`);
  await page.reload();
  await waitStatus(page, "ready", 60_000);
  const note = await page.locator("#message").innerText();
  check(note.includes("point data were not used") && (await points()) === n,
    `${label} hostile point data: "${note.slice(0, 90)}…", ${await points()} points`);

  // The guided experiment's link (quick preset, every epoch).
  await page.goto(`${server.url}#preset=quick&backend=cpu`);
  await waitStatus(page, "ready", 60_000);
  await page.locator('[data-testid="experiment-gap"]').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="gaps"]').textContent.startsWith("(-1.0")
      && document.querySelector('[data-testid="status"]').textContent === "ready",
    null,
    { timeout: 60_000 },
  );
  await page.locator('[data-testid="train"]').click();
  await waitStatus(page, "done", 120_000);
  // The gap [−1, 0.5] of the view [−3, 3]: its middle columns, allowing for the axis labels.
  // The network's band there is narrow and under its sampled networks: its noise strips (the
  // outer part of the same band) and its mean are what show.
  const band = await colouredInColumns(page, "plot-predictive", NOISE_RGB, 6, 0.44, 0.5);
  const mean = await colouredInColumns(page, "plot-predictive", MEAN_RGB, 12, 0.44, 0.5);
  const gp = await colouredInColumns(page, "plot-predictive", GP_RGB, 40, 0.44, 0.5);
  check(band > 100 && mean > 20 && gp > 20,
    `${label} gap: the network's band (${band} px), its mean (${mean} px) and the GP's outline (${gp} px) are drawn inside the gap`);
  const row = async (region, model, field) =>
    Number(await page.locator(`[data-testid="regions"] tr[data-region="${region}"][data-model="${model}"] td:nth-child(${field})`).getAttribute("data-value"));
  const widths = {};
  for (const model of ["network", "gp"]) {
    widths[model] = { data: await row("data", model, 4), gap: await row("gap", model, 4), cover: await row("gap", model, 6) };
  }
  console.log(`     gap scenario, band widths inside the data / in the gap: network ${widths.network.data.toFixed(3)} / ${widths.network.gap.toFixed(3)}, GP ${widths.gp.data.toFixed(3)} / ${widths.gp.gap.toFixed(3)}; coverage in the gap: network ${widths.network.cover}, GP ${widths.gp.cover}`);
  check(widths.gp.gap > 2 * widths.gp.data, `${label} the GP's band widens in the gap (${widths.gp.data.toFixed(3)} → ${widths.gp.gap.toFixed(3)})`);
  await page.locator('[data-testid="plot-predictive"]').screenshot({ path: join(outDir, "gap-predictive.png") });
  await page.close();
}


// Changing the prior σ redraws the prior functions without training: time from the change to
// the new figure.
async function priorRedraw(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}#preset=quick&backend=cpu`);
  await waitStatus(page, "ready", 60_000);
  const spread = await text(page, "prior-spread");
  const sum = await canvasSum(page, "plot-before");
  const input = page.locator('input[name="prior-sigma"]');
  await input.fill("0.3");
  const ms = await page.evaluate(async (s) => {
    const t0 = performance.now();
    const el = document.querySelector('input[name="prior-sigma"]');
    el.dispatchEvent(new Event("change"));
    const sumOf = () => {
      const c = document.querySelector('[data-testid="plot-before"]');
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let h = 0;
      for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]) >>> 0;
      return h;
    };
    while (sumOf() === s) await new Promise((r) => setTimeout(r, 5));
    return performance.now() - t0;
  }, sum);
  const after = await text(page, "prior-spread");
  check(after !== spread, `${label} prior σ 0.9 → 0.3 redraws the prior functions in ${ms.toFixed(0)} ms (spread ±${spread} → ±${after})`);
  await page.close();
  return ms;
}

// The quick preset with the live figures off and on, and without the evaluation workers, twice
// each, alternating, in one browser: what the live predictive, calibration and weight figures
// cost, each figure's time per redraw, and what the workers gain.
// Records the page's long tasks (over 50 ms) from its first script on.
function observeLongTasks(page) {
  return page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask" });
  });
}

// Records every element added straight to <body> from the page's first script on. plotters'
// own text measurement in a browser adds (and removes) one per measured label, each forcing a
// layout of the whole page; the page's canvases measure text themselves, so a run adds none.
function observeBodyChildren(page) {
  return page.addInitScript(() => {
    window.bodyChildren = [];
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.target !== document.body) continue;
        for (const n of r.addedNodes) if (n.nodeType === 1) window.bodyChildren.push([performance.now(), n.tagName]);
      }
    }).observe(document, { childList: true, subtree: true });
  });
}

// The tags of the elements added to <body> at or after `t0`.
function bodyChildrenSince(page, t0) {
  return page.evaluate((from) => window.bodyChildren.filter(([t]) => t >= from).map(([, tag]) => tag), t0);
}

// The durations of the long tasks that started at or after `t0` (the page's clock).
function longTasksSince(page, t0) {
  return page.evaluate((from) => window.longTasks.filter(([t]) => t >= from).map(([, d]) => d), t0);
}

async function workersAndCores(page) {
  return page.evaluate(() =>
    [Number(document.querySelector('[data-testid="workers"]').dataset.count), navigator.hardwareConcurrency]);
}

async function liveFiguresCost(browser, server) {
  {
    // Five draws per training step outweigh the evaluation: the training keeps a core.
    const page = await browser.newPage();
    await page.goto(`${server.url}#preset=quick&backend=cpu&train-mc=5`);
    await waitStatus(page, "ready", 60_000);
    await page.waitForFunction(() => document.querySelector('[data-testid="workers"]').dataset.count !== "0", null, { timeout: 60_000 });
    const [used, cores] = await workersAndCores(page);
    check(used === Math.max(1, Math.min(cores, 8) - 1), `train-mc=5: ${used} evaluation workers on ${cores} cores`);
    await page.close();
  }
  // `page`: the run trains on the page's main thread (as every run did before the trainer's
  // worker), the baseline for the long tasks.
  const runs = { live: "live-views=1", still: "live-views=0", alone: "live-views=0&workers=0", page: "live-views=0&trainer=page" };
  const times = { live: [], still: [], alone: [], page: [] };
  // The main thread's long tasks (over 50 ms) from Train to "done": count and longest.
  const longTasks = { live: [], still: [], alone: [], page: [] };
  let costs = [];
  for (const kind of ["still", "live", "alone", "page", "still", "live", "alone", "page"]) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await observeLongTasks(page);
    await observeBodyChildren(page);
    await page.goto(`${server.url}#preset=quick&backend=cpu&${runs[kind]}`);
    await waitStatus(page, "ready", 60_000);
    if (kind !== "alone") {
      // Training starts once the workers have the run (they load the module in the background).
      await page.waitForFunction(() => document.querySelector('[data-testid="workers"]').dataset.count !== "0", null, { timeout: 60_000 });
      // The quick preset's evaluation (10 draws of 1,000 rows) outweighs its training: every core.
      const [used, cores] = await workersAndCores(page);
      check(used === Math.min(cores, 8), `quick preset: ${used} evaluation workers on ${cores} cores`);
    }
    const place = await page.locator('[data-testid="trainer"]').getAttribute("data-place");
    check(place === (kind === "page" ? "page" : "worker"), `${runs[kind]}: the run trains in the ${place}`);
    const start = await page.evaluate(() => performance.now());
    await page.locator('[data-testid="train"]').click();
    await waitStatus(page, "done", 600_000);
    times[kind].push(Number((await page.locator("#elapsed").innerText()).replace(" s", "")));
    const tasks = await longTasksSince(page, start);
    longTasks[kind].push(`${tasks.length} (longest ${Math.max(0, ...tasks).toFixed(0)} ms)`);
    if (kind === "live") {
      const added = await bodyChildrenSince(page, start);
      check(added.length === 0, `a run with live figures added ${added.length} elements to the page (${[...new Set(added)].join(", ") || "none"}): text measured through the page's layout?`);
      costs = await page.locator('[data-testid="costs"] tr').evaluateAll((rows) =>
        rows.map((r) => `${r.dataset.name} ${Number(r.dataset.mean).toFixed(1)} ms`));
    }
    await page.close();
  }
  const sum = (v) => v.reduce((a, b) => a + b, 0);
  const shown = (v) => v.map((t) => t.toFixed(1)).join(" / ");
  console.log(`live figures: quick preset ${shown(times.still)} s without, ` +
    `${shown(times.live)} s with (ratio of the sums ${(sum(times.live) / sum(times.still)).toFixed(3)})`);
  console.log(`evaluation workers: quick preset without live figures ${shown(times.alone)} s without workers, ` +
    `${shown(times.still)} s with (speed-up ${(sum(times.alone) / sum(times.still)).toFixed(2)}x)`);
  console.log(`trainer's worker: quick preset without live figures ${shown(times.page)} s training on the page, ` +
    `${shown(times.still)} s in the worker (ratio of the sums ${(sum(times.page) / sum(times.still)).toFixed(3)})`);
  console.log(`long tasks on the main thread during the run: with workers ${longTasks.still.join(", ")}; ` +
    `live figures ${longTasks.live.join(", ")}; without workers ${longTasks.alone.join(", ")}; ` +
    `training on the page ${longTasks.page.join(", ")}`);
  console.log(`cost per redraw: ${costs.join(", ")}`);
  check(costs.length >= 6, `costs of ${costs.length} figures and computations shown on the page`);
  // Each figure's cost is its drawing's time: a figure missing drew nowhere (in the trainer's
  // worker, the run's figures are drawn off-screen and sent over).
  const missing = ["before", "data", "curves", "predictive", "calibration", "weights"]
    .filter((name) => !costs.some((c) => c.startsWith(`${name} `)));
  check(missing.length === 0, `every figure drawn and timed (${missing.join(", ") || "none"} missing)`);
}

// How soon Pause shows during a run with live figures and workers (the defaults): six pauses at
// scattered moments, each from the click's own time stamp (when the input reached the page, so a
// busy main thread counts) to the next frame after the page's click handler ran. Reported; the
// run must still resume and finish.
async function pauseLatency(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}#preset=quick&backend=cpu`);
  await waitStatus(page, "ready", 60_000);
  await page.evaluate(() => {
    window.pauseLatencies = [];
    document.getElementById("pause").addEventListener("click", (e) => {
      const t = e.timeStamp;
      requestAnimationFrame(() => window.pauseLatencies.push(performance.now() - t));
    });
  });
  await page.locator('[data-testid="train"]').click();
  for (let i = 0; i < 6; i++) {
    await page.waitForTimeout(300 + 250 * i);
    if ((await text(page, "status")) === "done") break;
    await page.locator('[data-testid="pause"]').click();
    // A click that lands after the last epoch, while the final figures are computed, finds
    // nothing left to pause: the run ends as "done".
    await page.waitForFunction(() => ["paused", "done"].includes(document.querySelector('[data-testid="status"]').textContent),
      null, { timeout: 30_000, polling: 100 });
    if ((await text(page, "status")) === "done") break;
    await page.locator('[data-testid="train"]').click();
  }
  await waitStatus(page, "done", 600_000);
  const ms = await page.evaluate(() => window.pauseLatencies);
  const rmse = Number(await text(page, "metric-test-rmse"));
  check(ms.length >= 1 && rmse > 0 && rmse <= 0.095,
    `${label} paused ${ms.length} times during a run and finished it (test RMSE ${rmse.toFixed(4)})`);
  console.log(`     Pause shown after ${ms.map((v) => v.toFixed(0)).join(", ")} ms (longest ${Math.max(...ms).toFixed(0)} ms; goal 100 ms)`);
  await page.close();
}

// The full preset with the page's defaults (workers, live figures), Train to "done": the time
// and the test RMSE, with the long tasks of the main thread. Run on request only
// (`--just fullPreset`): it takes minutes.
async function fullPreset(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await observeLongTasks(page);
  await page.goto(`${server.url}#preset=full&backend=cpu`);
  await waitStatus(page, "ready", 60_000);
  await page.waitForFunction(() => document.querySelector('[data-testid="workers"]').dataset.count !== "0", null, { timeout: 60_000 }).catch(() => {});
  // The full preset's 38 draws per point: one worker per core (at most 8).
  const [used, cores] = await workersAndCores(page);
  check(used === Math.min(cores, 8), `${label} ${used} evaluation workers on ${cores} cores`);
  const start = await page.evaluate(() => performance.now());
  await page.locator('[data-testid="train"]').click();
  await waitStatus(page, "done", 1_800_000);
  const secs = Number((await page.locator("#elapsed").innerText()).replace(" s", ""));
  const rmse = Number(await text(page, "metric-test-rmse"));
  const tasks = await longTasksSince(page, start);
  check(rmse > 0 && rmse <= 0.095 && (await text(page, "diagnostics")) === "PASS",
    `${label} full preset in ${secs.toFixed(1)} s, test RMSE ${rmse.toFixed(4)}; ${tasks.length} long tasks (longest ${Math.max(0, ...tasks).toFixed(0)} ms)`);
  await page.close();
}

// The quick preset on a machine doing something else (`--busy N` processes spinning, two when
// not given): rounds of a run trained on the page and one trained in the trainer's worker,
// alternating, each with its main thread's long tasks from Train to "done". The worker's runs
// must have none. Run on request only (`--just busyMachine [--rounds N]`).
async function busyMachine(browser, server, label) {
  const spinning = busy.length ? [] : [0, 1].map(() => spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" }));
  const rounds = Number(opt("rounds", 4));
  const seen = { page: [], worker: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const place of ["page", "worker"]) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await observeLongTasks(page);
        await page.goto(`${server.url}#preset=quick&backend=cpu&trainer=${place}`);
        await waitStatus(page, "ready", 120_000);
        await page.waitForFunction(() => document.querySelector('[data-testid="workers"]').dataset.count !== "0", null, { timeout: 60_000 });
        const start = await page.evaluate(() => performance.now());
        await page.locator('[data-testid="train"]').click();
        await waitStatus(page, "done", 600_000);
        const secs = Number((await page.locator("#elapsed").innerText()).replace(" s", ""));
        seen[place].push({ secs, tasks: await longTasksSince(page, start) });
        await page.close();
      }
    }
  } finally {
    spinning.forEach((p) => p.kill());
  }
  const shown = (runs) => runs.map(({ secs, tasks }) =>
    `${secs.toFixed(1)} s, ${tasks.length} (longest ${Math.max(0, ...tasks).toFixed(0)} ms)`).join("; ");
  console.log(`     ${busy.length || 2} busy processes; training on the page: ${shown(seen.page)}`);
  console.log(`     in the trainer's worker: ${shown(seen.worker)}`);
  const left = seen.worker.reduce((n, r) => n + r.tasks.length, 0);
  check(left === 0, `${label} no long task in ${rounds} runs trained in the worker on a busy machine (${left} seen)`);
}

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
  const extra = short ? "&warmup-epochs=1&vi-epochs=1&mc-elbo=1&mc-rmse=2&lr=0.01&lr-min=0.001" : "";
  const label = `[${backend}, ${preset}${short ? " shortened" : ""}]`;
  try {
    if (backend === "webgpu") {
      await bestAvailableRace(browser, server, label);
      await softwareAdapterLoadsCpuModule(browser, server, label);
    }
    const t0 = Date.now();
    await page.goto(`${server.url}#preset=${preset}&backend=${backend === "webgpu" ? "webgpu" : "cpu"}${extra}`);
    await waitFirstPlot(page, 30_000);
    const firstPlot = (Date.now() - t0) / 1000;
    await page.waitForFunction(
      () => document.querySelector('[data-testid="status"]').textContent === "ready",
      null,
      { timeout: 60_000 },
    );
    const ready = (Date.now() - t0) / 1000;
    const shown = await text(page, "backend");
    check(backend === "webgpu" ? shown === "WebGPU" : shown.startsWith("CPU"), `${label} backend shown: ${shown}`);

    if (backend === "cpu") await hostileInputKeepsThePausedRun(page, label);
    if (backend === "webgpu") await resizeDuringSteps(page, label);

    await page.waitForFunction(
      () => document.querySelector('[data-testid="status"]').textContent === "done",
      null,
      { timeout: preset === "full" || backend === "webgpu" ? 1_800_000 : 600_000, polling: 500 },
    );
    // The page's own clock of training time (pauses excluded).
    const trainSecs = Number((await page.locator("#elapsed").innerText()).replace(" s", ""));
    const rmse = Number(await text(page, "metric-test-rmse"));
    const nll = Number(await text(page, "metric-test-nll"));
    const kl = Number(await text(page, "metric-test-kl"));
    const best = Number(await text(page, "metric-best-val-rmse"));
    const diag = await text(page, "diagnostics");
    if (short) {
      // Two epochs (at a raised learning rate) cannot meet the tutorial's bar; they must beat
      // the trivial predictor (the test targets' spread, about 0.93) by far and report a
      // verdict that agrees with the numbers behind it.
      check(rmse > 0.08 && rmse < 0.5, `${label} test RMSE ${rmse} shown`);
      const delta = Number(await value(page, "metric-delta"));
      const ratio = Number(await value(page, "metric-ratio"));
      const bar = Number(await page.locator("#ratio-threshold").innerText());
      const verdict = delta < 0 && ratio >= bar ? "PASS" : "FAIL";
      check(diag === verdict, `${label} diagnostics ${diag} agrees with delta ${delta} and ratio ${ratio}`);
    } else {
      check(rmse > 0 && rmse <= 0.095, `${label} test RMSE ${rmse} ≤ 0.095`);
      check(diag === "PASS", `${label} diagnostics ${diag}`);
    }
    check(nll > 0 && kl > 0 && best > 0, `${label} test NLL ${nll}, KL ${kl}, best val RMSE ${best} shown`);
    // On the CPU the epochs are evaluated by Web Workers (one per core: a preset's evaluation
    // outweighs its training) while the next epoch trains; the same numbers as without them
    // (the bbb-cli comparison below checks that).
    const workers = Number(await page.locator('[data-testid="workers"]').getAttribute("data-count"));
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    if (backend === "cpu") check(workers === Math.min(cores, 8), `${label} ${workers} evaluation worker${workers === 1 ? "" : "s"} (${cores} cores)`);
    else check(workers === 0, `${label} no evaluation workers on WebGPU`);
    const place = await page.locator('[data-testid="trainer"]').getAttribute("data-place");
    check(place === "worker", `${label} the run trains in the trainer's worker (${place})`);
    for (const id of ["plot-data", "plot-curves"]) {
      const n = await inkedPixels(page, id);
      check(n > 5_000, `${label} ${id} has drawn (${n} inked pixels)`);
    }
    await checkPredictiveInk(page, label);
    await checkPosteriorFigures(page, label, short);
    const gpPx = await colouredPixels(page, "plot-predictive", GP_RGB, 40);
    check(gpPx > 200, `${label} the Gaussian process's outline is drawn (${gpPx} pixels)`);
    const gpCost = await page.locator('[data-testid="costs"] tr[data-name="Gaussian process: fit, predict, draw"]').getAttribute("data-mean");
    console.log(`     Gaussian process on ${await text(page, "train-points")} points: fit, predict and draw ${Number(gpCost).toFixed(0)} ms`);
    check(foreign.length === 0, `${label} no request beyond the page's own files ${foreign.join(" ")}`);
    check(errors.length === 0, `${label} no page errors ${errors.join(" | ")}`);
    await mkdir(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, `page-${backend}-${preset}.png`), fullPage: true });
    await page.screenshot({
      path: join(outDir, `top-${backend}-${preset}.png`),
      clip: { x: 0, y: 0, width: 1280, height: 1250 },
      scale: "css",
    });
    // The posterior's figures, sections 7 to 9, for the README.
    const box = await page.evaluate(() => {
      const top = document.getElementById("plot-predictive").closest("section").getBoundingClientRect();
      const end = document.getElementById("plot-weights").closest("section").getBoundingClientRect();
      return { y: top.top + window.scrollY, height: end.bottom - top.top };
    });
    await page.screenshot({
      path: join(outDir, `posterior-${backend}-${preset}.png`),
      fullPage: true,
      clip: { x: 0, y: box.y - 8, width: 1280, height: box.height + 16 },
      scale: "css",
    });
    results.push({ backend: short ? "webgpu*" : backend, preset, firstPlot, ready, trainSecs, rmse, diag });

    if (backend === "cpu") {
      await throttledFirstLoad(browser, server, label);
      await moduleSwitch(browser, server, label);
      await pauseLatency(browser, server, label);
      await pageMatchesCli(browser, server, label);
      await embedHost(browser, server, label);
      await accessibility(browser, server, label);
      await ndarrayAgainstFlex(browser, server, label);
      await pointsAndScenarios(browser, server, label);
      await priorRedraw(browser, server, label);
      if (!args.includes("--no-cost")) await liveFiguresCost(browser, server);
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

// `--just a,b`: only these checks, each on a page of its own, in the CPU browser (with
// `--only webgpu`, the WebGPU one), for working on one of them without the whole run.
async function runJust(names) {
  const checks = {
    throttledFirstLoad, moduleSwitch, pauseLatency, liveFiguresCost, fullPreset, busyMachine, pageMatchesCli, embedHost, accessibility, ndarrayAgainstFlex,
    bestAvailableRace, softwareAdapterLoadsCpuModule,
  };
  const server = await serve(process.env.DIST ?? join(root, "dist"), "/course/bbb/");
  const gpu = only === "webgpu" ? "--enable-unsafe-webgpu" : "--disable-gpu";
  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...BASE_ARGS, gpu] });
  try {
    for (const name of names) {
      if (!checks[name]) check(false, `no check named ${name} (choose from ${Object.keys(checks).join(", ")})`);
      else await checks[name](browser, server, `[${only ?? "cpu"}, ${name}]`);
    }
  } catch (e) {
    check(false, e.message);
  } finally {
    await browser.close();
    server.close();
  }
}

const just = opt("just", null);
if (just) await runJust(just.split(","));
else {
  for (const backend of ["cpu", "webgpu"]) {
    if (!only || only === backend) await runOnce(backend);
  }
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
