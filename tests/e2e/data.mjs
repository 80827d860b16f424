// The data figure: a person's points added and removed, scenarios, and the prior redrawn
// before any training.
import { join } from "node:path";
import {
  GP_RGB, MEAN_RGB, NOISE_RGB, canvasSum, check, colouredInColumns, outDir, preset, status, text, value, waitStatus,
} from "./lib.mjs";

// A person's points: two clicks add two training points (the run uses n + 2, the address
// carries them), a right-click takes one away, "reset data" restores the scenario's; a link
// with hostile point data gets a message and the default data; the gap experiment's link draws
// both the network's and the Gaussian process's bands inside the gap.
export async function pointsAndScenarios(browser, server, label) {
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
export async function priorRedraw(browser, server, label) {
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
