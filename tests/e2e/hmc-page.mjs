// HMC in the browser, for the figures docs/comparison.md reports:
// `node tests/e2e/hmc-page.mjs [warmup] [samples] [more=settings&…]` serves dist/, runs section
// 12 on the gap with HMC alone (or the methods of `compare=…`) (seed 13, quick preset; the tutorial's network unless the last
// argument changes it, e.g. `width=16&depth=1`) and prints its time and mixing. Not part of the
// tests (minutes of both cores).
import { chromium } from "playwright-core";
import { join } from "node:path";
import { serve } from "./serve.mjs";
import { BASE_ARGS, chromiumPath, root, text, waitStatus } from "./lib.mjs";

const [warmup = "50", samples = "50", more = ""] = process.argv.slice(2);
const server = await serve(process.env.DIST ?? join(root, "dist"), "/course/bbb/");
const browser = await chromium.launch({ executablePath: chromiumPath, args: [...BASE_ARGS, "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const hash = new URLSearchParams({
    preset: "quick", backend: "cpu", scenario: "gap", seed: "13", compare: "hmc",
    "hmc-warmup": warmup, "hmc-samples": samples, ...Object.fromEntries(new URLSearchParams(more)),
  });
  await page.goto(`${server.url}#${hash}`);
  await waitStatus(page, "ready", 60_000);
  await page.locator('[data-testid="compare-run"]').click();
  await page.waitForFunction(() => document.querySelector('[data-view="compare"]').dataset.done === "true", null, { timeout: 3_600_000, polling: 1000 });
  console.log(await text(page, "compare-status"));
  console.log(await page.locator('[data-testid="compare-mixing"]').innerText());
  for (const caption of await page.locator('[data-testid="compare-panels"] figcaption').allInnerTexts()) console.log(caption);
  console.log(await page.locator('[data-testid="compare-widening"]').innerText());
} finally {
  await browser.close();
  server.close();
}
