// What every area of the end-to-end test shares: the command line, the browser's arguments,
// `check` and the tally of failures, the timings table, and helpers that read the page (its
// figures' pixels by colour, its numbers, its long tasks).
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "../..");
export const args = process.argv.slice(2);
export const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
export const only = opt("only", null);
export const webgpuShort = args.includes("--webgpu-short");
export const preset = opt("preset", "quick");
export const outDir = resolve(opt("out", join(here, "out")));
export const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const busy = Array.from({ length: Number(opt("busy", 0)) }, () =>
  spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" }));
process.on("exit", () => busy.forEach((p) => p.kill()));
export const BASE_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export let failures = 0;
export const results = [];
export function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

export async function inkedPixels(page, testid) {
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
export const colouredPixels = (page, testid, rgb, tol) => colouredInColumns(page, testid, rgb, tol, 0, 1);

// bbb-plots' BLUE (style.rs) for the mean, and the band's BLUE.mix(0.2) over white. The legend
// holds about 190 and 40 pixels of them, far under these bounds.
export const MEAN_RGB = [31, 119, 180];
export const BAND_RGB = [210, 228, 240];

// The noise's part of the total band (PURPLE at 20 % over white), the prior functions (PURPLE),
// the initial ones (BROWN), and the histogram bars (BLUE and GREEN at 75 % over white).
export const NOISE_RGB = [234, 225, 242];
export const PURPLE_RGB = [148, 103, 189];
export const BROWN_RGB = [140, 86, 75];
export const SIGMA_BAR_RGB = [87, 153, 199];
export const SNR_BAR_RGB = [97, 184, 97];

// The sampled networks: TEAL at 50 % over whatever lies below (low red, green ≈ blue).
export async function tealPixels(page) {
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

export async function checkPredictiveInk(page, label) {
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
export async function checkPosteriorFigures(page, label, short = false) {
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
export const waitFirstPlot = (page, timeout) => page.waitForFunction(() => {
    const c = document.querySelector('[data-testid="plot-data"]');
    if (!c || !c.width) return false;
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 16) if (d[i + 3] > 0 && d[i] < 200) return true;
    return false;
  }, null, { timeout, polling: 50 });
export const text = (page, id) => page.locator(`[data-testid="${id}"]`).innerText();
export const value = (page, id) => page.locator(`[data-testid="${id}"]`).getAttribute("data-value");
export const status = (page) => text(page, "status");
export const waitStatus = (page, want, timeout) =>
  page.waitForFunction((w) => document.querySelector('[data-testid="status"]').textContent === w, want, {
    timeout,
    polling: 100,
  });
export const waitEpoch = (page, atLeast, timeout) =>
  page.waitForFunction((n) => Number(document.querySelector('[data-testid="epoch"]').textContent) >= n, atLeast, {
    timeout,
    polling: 100,
  });
export const canvasSum = (page, id) =>
  page.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]) >>> 0;
    return h;
  }, id);

// What the page shows of a run: the epoch, the curves' pixels, every metric's full value.
export async function snapshot(page) {
  const metrics = {};
  for (const id of ["metric-best-val-rmse", "metric-test-rmse", "metric-test-nll", "metric-test-kl", "metric-delta"]) {
    metrics[id] = await value(page, id);
  }
  return { epoch: await text(page, "epoch"), curves: await canvasSum(page, "plot-curves"), metrics };
}

// bbb-plots' RED at 0.85 over white: the Gaussian process's outline.
export const GP_RGB = [220, 71, 72];

// Pixels within `tol` of a colour in the canvas columns from `from` to `to` (fractions of its
// width).
export async function colouredInColumns(page, testid, [r, g, b], tol, from, to) {
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

// Records the page's long tasks (over 50 ms) from its first script on.
export function observeLongTasks(page) {
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
export function observeBodyChildren(page) {
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
export function bodyChildrenSince(page, t0) {
  return page.evaluate((from) => window.bodyChildren.filter(([t]) => t >= from).map(([, tag]) => tag), t0);
}

// The durations of the long tasks that started at or after `t0` (the page's clock).
export function longTasksSince(page, t0) {
  return page.evaluate((from) => window.longTasks.filter(([t]) => t >= from).map(([, d]) => d), t0);
}

export async function workersAndCores(page) {
  return page.evaluate(() =>
    [Number(document.querySelector('[data-testid="workers"]').dataset.count), navigator.hardwareConcurrency]);
}
