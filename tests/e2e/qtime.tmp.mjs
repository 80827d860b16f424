import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";
const server = await serve("/work/main/dist", "/course/bbb/");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--enable-unsafe-swiftshader"] });
const variants = process.argv.slice(2);
for (let rep = 0; rep < 2; rep++) for (const v of variants) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}#${v}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]').innerText.trim() === "ready", null, { timeout: 60000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="workers"]').dataset.count !== "0", null, { timeout: 60000 }).catch(() => {});
  const used = await page.evaluate(() => document.querySelector('[data-testid="workers"]').dataset.count);
  await page.locator('[data-testid="train"]').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]').innerText.trim() === "done", null, { timeout: 900000, polling: 100 });
  const el = await page.locator("#elapsed").innerText();
  console.log(`${v}: workers ${used}, ${el}`);
  await page.close();
}
await browser.close(); await server.close?.(); process.exit(0);
