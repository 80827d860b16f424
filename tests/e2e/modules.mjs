// The two wasm modules: a throttled first visit, switching to the whole module, and which one
// "best available" loads with and without a usable WebGPU adapter.
import {
  check, only, preset, text, value, waitFirstPlot, waitStatus,
} from "./lib.mjs";
import { downloaded } from "./parity.mjs";

// The first visit over a slow network (the DevTools protocol's throttling: 10 Mbit/s down,
// 40 ms round trip; the server sends gzip, the cache is off), from a browser without a WebGPU
// adapter and with the address choosing nothing: only the CPU-only module is downloaded, the
// loading bar moves while it comes and goes away; reports the bytes and the time to the first
// plot (the goal is 2.5 s; a time is reported, not asserted).
export async function throttledFirstLoad(browser, server, label) {
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
export async function moduleSwitch(browser, server, label) {
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
export async function bestAvailableRace(browser, server, label) {
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
export async function softwareAdapterLoadsCpuModule(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}#preset=quick`);
  await waitStatus(page, "ready", 120_000);
  const kind = await page.locator('[data-testid="loading"]').getAttribute("data-module");
  const note = await page.locator("#backend-note").innerText();
  check(kind === "cpu" && /software fallback/.test(note),
    `${label} a software adapter alone: the CPU-only module (${kind}), "${note.slice(0, 60)}…"`);
  await page.close();
}
