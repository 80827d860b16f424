// A WebGPU run that loses its device mid-run goes on on the CPU (crates/bbb-web/src/recover.rs).
// The address's lose-webgpu=1 has the trainer's worker destroy its device after epoch 1, as a
// driver reset would; the run must finish on the CPU with every epoch in its history once, the
// epoch before the loss as WebGPU trained it, and say what happened.
import { check, text, waitStatus } from "./lib.mjs";
import { downloaded } from "./parity.mjs";

// A small run, so the software adapter compiles few kernels: the `few` points, a narrow
// network, one warmup and three variational epochs.
const SMALL = "preset=quick&scenario=few&width=16&depth=1&batch-size=30&warmup-epochs=1&vi-epochs=3" +
  "&mc-elbo=1&mc-rmse=2&lr=0.05&lr-min=0.01";

export async function webgpuLost(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(`${server.url}#${SMALL}&backend=webgpu&lose-webgpu=1`);
    await waitStatus(page, "ready", 60_000);
    check((await text(page, "backend")) === "WebGPU", `${label} lost device: the run starts on WebGPU`);
    await page.locator('[data-testid="train"]').click();
    await waitStatus(page, "done", 300_000);
    const shown = await text(page, "backend");
    const note = await page.locator("#backend-note").innerText();
    const message = await page.locator("#message").innerText();
    check(shown.startsWith("CPU"), `${label} lost device: the run finished on the ${shown}`);
    const said = "WebGPU stopped during epoch 2 (its device was lost); the run goes on on the CPU from the end of epoch 1";
    check(note.includes(said) && message.includes(said), `${label} lost device: the page says so ("${message}")`);
    const history = (await downloaded(page, '[data-testid="save-history"]')).bytes.toString("utf8");
    const epochs = history.trim().split("\n").slice(1).map((row) => Number(row.split(",")[0]));
    check(JSON.stringify(epochs) === "[1,2,3,4]", `${label} lost device: history.csv has each epoch once (${epochs.join(", ")})`);
    const rmse = Number(await text(page, "metric-test-rmse"));
    check(rmse > 0.02 && rmse < 0.5, `${label} lost device: the continued run learned (test RMSE ${rmse})`);
    const workers = Number(await page.locator('[data-testid="workers"]').getAttribute("data-count"));
    check(workers > 0, `${label} lost device: evaluation workers join the CPU run (${workers})`);
    check(errors.length === 0, `${label} lost device: no page errors ${errors.join(" | ")}`);
  } finally {
    await page.close();
  }
}
