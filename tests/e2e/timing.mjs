// What the page costs: the quick preset with and without the live figures and the workers,
// the full preset, and a busy machine.
import { spawn } from "node:child_process";
import {
  bodyChildrenSince, busy, check, longTasksSince, observeBodyChildren, observeLongTasks, only, opt, preset, text, waitStatus, workersAndCores,
} from "./lib.mjs";

// The quick preset with the live figures off and on, and without the evaluation workers, twice
// each, alternating, in one browser: what the live predictive, calibration and weight figures
// cost, each figure's time per redraw, and what the workers gain.
export async function liveFiguresCost(browser, server) {
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

// The full preset with the page's defaults (workers, live figures), Train to "done": the time
// and the test RMSE, with the long tasks of the main thread. Run on request only
// (`--just fullPreset`): it takes minutes.
export async function fullPreset(browser, server, label) {
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
export async function busyMachine(browser, server, label) {
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
