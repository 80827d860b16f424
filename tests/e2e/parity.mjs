// The page against the CLI: the same summary for the same settings, the downloads with the
// CLI's columns and numbers, the posterior file both ways, and ndarray against flex.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  args, check, preset, root, status, text, value, waitStatus,
} from "./lib.mjs";

// The page on the CPU and bbb-cli, same seed and settings: the same summary. The CLI runs the
// flex backend natively (AVX kernels), the page in wasm: they agree to float rounding.
export async function pageMatchesCli(browser, server, label) {
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
export async function downloaded(page, selector) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator(selector).click()]);
  return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
}
export const close = (a, b) => Math.abs(a - b) <= 1e-4 * Math.max(Math.abs(b), 1e-6);

export async function downloadsMatchCli(page, cliOut, cliSummary, label) {
  const history = await downloaded(page, '[data-testid="save-history"]');
  const cliHistory = await readFile(join(cliOut, "history.csv"), "utf8");
  const rows = (text) => text.trim().split("\n").map((l) => l.split(","));
  const [mine, theirs] = [rows(history.bytes.toString("utf8")), rows(cliHistory)];
  // The CLI's history adds the gradient meter's readings as its last columns; the page's
  // columns are the CLI's first ones.
  const sameCells = mine.length === theirs.length && mine.every((row, i) => row.length < theirs[i].length &&
    row.every((cell, j) => (i === 0 || j < 2 ? cell === theirs[i][j] : close(Number(cell), Number(theirs[i][j])))));
  check(history.name === "history.csv" && sameCells, `${label} downloaded ${history.name}: ${mine.length - 1} epochs, the CLI's first columns and numbers`);
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
export async function posteriorFiles(page, cliOut, cliSummary, label) {
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

// burn's ndarray backend against flex in the same browser: the quick preset on each, one
// after the other, both on the page's own thread (no workers, no live figures), both in the
// tutorial's range. Prints the times for the README.
export async function ndarrayAgainstFlex(browser, server, label) {
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
    // No evaluation workers: section 4 says its gradient meter was not read, not how it reads.
    const said = await page.waitForFunction(() => document.querySelector('[data-testid="gradient-meter"]').textContent.includes("was not read here"), null, { timeout: 10_000 })
      .then(() => true, () => false);
    check(said, `${label} ${backend}, no workers: section 4 says the gradient meter was not read`);
    check(rmse > 0 && rmse <= 0.095 && (await text(page, "diagnostics")) === "PASS" && shown.includes(backend === "cpu" ? "flex" : "ndarray"),
      `${label} ${shown}: quick preset in ${secs.toFixed(1)} s, test RMSE ${rmse.toFixed(4)}`);
    await page.close();
  }
  console.log(`     ndarray against flex in this browser (quick preset, no workers): ${times.ndarray.toFixed(1)} s against ${times.cpu.toFixed(1)} s (ndarray takes ${(times.ndarray / times.cpu).toFixed(2)}x)`);
}
