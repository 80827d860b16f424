// Section 12, "Is the band right?": on the small network in the gap, every method's panel and
// rows, the numbers those of `bbb-cli compare` for the same settings, and the main run left as
// it was.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check, root, text, waitStatus } from "./lib.mjs";
import { downloaded } from "./parity.mjs";

// Short HMC chains and a two-member ensemble: the check is of the plumbing, not of mixing.
const FLAGS = {
  preset: "quick", scenario: "gap", width: "16", depth: "1", "ensemble-size": "2",
  "hmc-chains": "2", "hmc-warmup": "30", "hmc-samples": "16", "hmc-leapfrog": "8",
};
const METHODS = ["bbb", "dropout", "ensemble", "hmc"];
// The page's address names them too (the `compare` setting), the GP with them.
const COMPARED = [...METHODS, "gp"].join(",");

export async function comparisonMatchesCli(browser, server, label) {
  const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  const out = await mkdtemp(join(tmpdir(), "bbb-e2e-compare-"));
  const args = ["compare", "--methods", COMPARED, "--backend", "flex", "--threads", "1", "--out", out];
  for (const [k, v] of Object.entries(FLAGS)) args.push(`--${k}`, v);
  const printed = execFileSync(join(target, "release", "bbb-cli"), args, { encoding: "utf8" });
  const cliWidening = printed.split("\n").find((l) => l.startsWith("In the gap")) ?? "";
  const cli = JSON.parse(await readFile(join(out, "compare.json"), "utf8"));

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(`${server.url}#${new URLSearchParams({ ...FLAGS, compare: COMPARED, backend: "cpu" })}`);
    await waitStatus(page, "ready", 60_000);
    await page.locator('[data-testid="train"]').click();
    await waitStatus(page, "done", 120_000);
    const before = await text(page, "metric-test-rmse");
    // Section 4: the gradient meter read by a worker at the run's final weights.
    await page.waitForFunction(() => document.querySelector('[data-testid="gradient-meter"]').textContent.includes("Measured"), null, { timeout: 60_000 });
    const meter = await text(page, "gradient-meter");
    check(/for bbb-lrt \([0-9.]+× (less|more)\)/.test(meter), `${label} section 4 reads the gradient meter: "${meter}"`);
    const ticked = await page.locator('[data-testid="compare-methods"] input:checked').evaluateAll((l) => l.map((i) => i.value));
    check(ticked.join(",") === COMPARED, `${label} compare: the address's methods are ticked (${ticked.join(", ")})`);
    // Nothing started while the section was off screen; scrolled to, it starts by itself.
    const early = await page.locator('[data-testid="compare-panels"] figure').count();
    await page.locator('[data-testid="compare-widening"]').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector('[data-view="compare"]').dataset.done === "true", null, { timeout: 300_000 });
    check(early === 0, `${label} compare: it starts once the run has finished and the section is on screen (${early} panels before)`);
    const said = await text(page, "compare-status");
    const captions = await page.locator('[data-testid="compare-panels"] figcaption').allInnerTexts();
    check(captions.length === METHODS.length + 1 && captions.every((c) => c.includes("wide inside the data")),
      `${label} compare: a panel per method and the GP, each with its sentence (${said})`);
    const inked = await page.locator('[data-testid="compare-panels"] canvas').evaluateAll((cs) => cs.length);
    check(inked === METHODS.length + 1, `${label} compare: ${inked} panels drawn off screen by the workers`);
    const rows = await page.locator('[data-testid="compare-table"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    // Every method's gap and data rows against the CLI's compare.json (rounded as the table shows
    // them); HMC's chains are chaotic in float rounding (wasm against native), so only its rows' presence.
    let same = 0;
    let compared = 0;
    for (const entry of cli) {
      for (const region of ["data", "gap"]) {
        const row = rows.find((r) => r[0] === entry.name && r[1] === region);
        check(row !== undefined, `${label} compare: a row for ${entry.name} ${region}`);
        if (!row || entry.name === "hmc") continue;
        const s = entry.regions[region];
        const expect = [s.points, s.doubt_width_95.toFixed(3), s.total_width_95.toFixed(3), s.coverage_95.toFixed(2), s.rmse.toFixed(4)];
        compared++;
        if (JSON.stringify(row.slice(2, 7)) === JSON.stringify(expect.map(String))) same++;
        else console.log(`     ${entry.name} ${region}: page ${row.slice(2, 7).join(" ")} | cli ${expect.join(" ")}`);
      }
    }
    check(compared > 0 && same === compared, `${label} compare: the table is bbb-cli compare's (${same} of ${compared} rows)`);
    const saved = JSON.parse((await downloaded(page, '[data-testid="compare-json"]')).bytes.toString("utf8"));
    const keys = (o) => JSON.stringify(Object.keys(o).sort());
    check(JSON.stringify(saved.map((e) => e.name)) === JSON.stringify(cli.map((e) => e.name)) &&
      saved.every((e, i) => keys(e) === keys(cli[i]) && keys(e.regions.data) === keys(cli[i].regions.data)),
      `${label} compare: the page's compare.json has the CLI's entries and fields`);
    const widening = await text(page, "compare-widening");
    // HMC's chains differ in float rounding (wasm against native): every other entry's ratio is the CLI's.
    const ratios = (t) => [...t.matchAll(/([0-9.]+)× for ([a-z-]+)/g)].map((m) => `${m[1]} ${m[2]}`);
    const [mine, theirs] = [ratios(widening), ratios(cliWidening)];
    check(mine.length === METHODS.length + 1 && mine.filter((r) => !r.endsWith(" hmc")).every((r) => theirs.includes(r)),
      `${label} compare: the sentence under the table is the CLI's ("${widening}")`);
    const mixing = await text(page, "compare-mixing");
    check(mixing.startsWith("HMC: acceptance") && /: (not mixed|mixed)/.test(mixing), `${label} compare: HMC's panel says whether it mixed ("${mixing}")`);
    const sheet = (await downloaded(page, '[data-testid="compare-csv"]')).bytes.toString("utf8").trim().split("\n");
    const cliSheet = (await readFile(join(out, "compare.csv"), "utf8")).trim().split("\n");
    const keyCells = (rows) => JSON.stringify(rows.map((r) => r.split(",").slice(0, 3)));
    check(sheet[0] === cliSheet[0] && keyCells(sheet) === keyCells(cliSheet),
      `${label} compare: the page's compare.csv has the CLI's header and rows (${sheet.length - 1})`);
    // The button runs what is ticked.
    for (const input of await page.locator('[data-testid="compare-methods"] input').all()) {
      await input.setChecked(["bbb", "gp"].includes(await input.getAttribute("value")));
    }
    await page.locator('[data-testid="compare-run"]').click();
    await page.waitForFunction(() => document.querySelector('[data-view="compare"]').dataset.done === "true", null, { timeout: 120_000 });
    const again = await page.locator('[data-testid="compare-panels"] figcaption').allInnerTexts();
    check(again.length === 2 && again[0].startsWith("bbb:") && again[1].startsWith("gp:"), `${label} compare: the button runs the ticked methods (${again.length} panels)`);
    check(await text(page, "metric-test-rmse") === before && await text(page, "status") === "done",
      `${label} compare: the main run is unchanged (test RMSE ${before})`);
    // A guided link sets up its run and starts the comparison on it (not waited for: HMC's
    // default chains take minutes).
    await page.locator('[data-view="compare"] a[data-compare][href*="scenario=few"]').click();
    await page.waitForFunction(() => location.hash.includes("scenario=few") &&
      document.querySelector('[data-testid="compare-status"]').textContent.startsWith("Running"), null, { timeout: 60_000 });
    const started = await page.locator('[data-testid="compare-panels"] figure').count();
    const offered = await page.locator('[data-testid="compare-methods"] input:checked').count();
    check(started === offered && await text(page, "status") !== "training",
      `${label} compare: a guided link sets up its run and starts the comparison (${started} panels)`);
    check(errors.length === 0, `${label} compare: no page errors ${errors.join(" | ")}`);
  } finally {
    await page.close();
  }
}
