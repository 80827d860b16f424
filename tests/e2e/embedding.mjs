// The page inside other pages and for every reader: the example course page driving two
// embedded views, and accessibility (keyboard, axe-core in both colour schemes, reduced motion).
import { join, resolve } from "node:path";
import {
  check, outDir, preset, root, status, text, value, waitStatus,
} from "./lib.mjs";

// The example course page (www/embed-example.html) on one origin embeds two views of the page
// served from another (127.0.0.1 and localhost: the same server, two origins) and drives them
// with its buttons; messages go both ways. A third copy, whose address does not allow the host's
// origin, ignores the host and says nothing to it.
export async function embedHost(browser, server, label) {
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
  // The comparison asked for by the host, of the methods it names: it hears compare.json back.
  await page.evaluate(() => window.sendToBoth({ type: "compare", methods: ["bbb", "gp"] }));
  await waitFor("left", "compare", 1, 120_000);
  const compared = (await got("left", "compare"))[0].results;
  check(JSON.stringify(compared.map((e) => e.name)) === '["bbb","gp"]' && compared.every((e) => e.regions.data.points > 0 && e.cost.seconds >= 0),
    `${label} embedded: "compare" answers with compare.json's entries (${compared.map((e) => e.name).join(", ")})`);

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
  await suggestedEmbed(browser, server, label);
  // autoplay: a view that trains as soon as it is ready, with no click.
  const auto = await browser.newPage({ viewport: { width: 480, height: 600 } });
  await auto.goto(`${server.url}#${short}&view=curves&compact&autoplay`);
  await waitStatus(auto, "done", 120_000);
  check((await text(auto, "epoch")) === "4", `${label} autoplay: the view trained its 4 epochs with no click`);
  await auto.close();
}

// Where a figure sits in a frame or a screen: its box in CSS pixels, the frame's height, how far
// the frame has scrolled, and its inked pixels.
async function figureInView(frame, testid) {
  return frame.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`);
    const r = c.getBoundingClientRect();
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) ink++;
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: innerWidth, height: innerHeight, scrolled: scrollY, ink };
  }, testid);
}

const inside = (f) => f.scrolled === 0 && f.top >= 0 && f.bottom <= f.height && f.left >= 0 && f.right <= f.width;
const box = (f) => `${Math.round(f.left)},${Math.round(f.top)} to ${Math.round(f.right)},${Math.round(f.bottom)} in ${f.width}×${f.height}`;

// The embed that section 11 suggests, in a 720×480 iframe: its figure whole and inked, with no
// scrolling; the settings one click away.
export async function suggestedEmbed(browser, server, label) {
  const page = await browser.newPage({ viewport: { width: 800, height: 560 } });
  const src = `${server.url}#view=predictive&hide=text&compact`;
  await page.setContent(`<iframe id="suggested" src="${src}" width="720" height="480" style="border:0"></iframe>`);
  const frame = page.frames().find((f) => f.url().startsWith(server.url) && f !== page.mainFrame());
  await frame.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent === "ready", null, { timeout: 60_000 });
  await frame.waitForFunction(() => {
    const c = document.querySelector('[data-testid="plot-predictive"]');
    return c.width > 300 && c.getContext("2d").getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 0 && v < 200);
  }, null, { timeout: 30_000 }).catch(() => {}); // A figure never drawn fails the check below.
  const f = await figureInView(frame, "plot-predictive");
  const folded = await frame.evaluate(() => !document.getElementById("settings-box").open);
  check(inside(f) && f.ink > 5_000 && folded,
    `${label} the suggested embed (view=predictive&hide=text&compact, 720×480): the figure at ${box(f)}, ${f.ink} inked pixels, no scrolling; the settings folded (${folded})`);
  await page.screenshot({ path: join(outDir, "embed-720x480.png") });
  await page.close();
}

// Accessibility: a run started with the keyboard alone (visible focus on the way), the live
// region's words, the data figure edited from the keyboard, axe-core on the finished page in
// light and dark colours, a phone's width without sideways scrolling, and reduced motion.
export const AXE = join(root, "node_modules", "axe-core", "axe.min.js");
export async function axeProblems(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0]?.target?.join(" ") })));
  return violations;
}

export async function accessibility(browser, server, label) {
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
  // Its first screen shows a figure: the data, drawn before any training.
  await phone.waitForFunction(() => {
    const c = document.querySelector('[data-testid="plot-data"]');
    return c.getContext("2d").getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 0 && v < 200);
  }, null, { timeout: 30_000 });
  const first = await figureInView(phone, "plot-data");
  const settingsFolded = await phone.evaluate(() => !document.getElementById("settings-box").open);
  check(inside(first) && first.ink > 2_000 && settingsFolded,
    `${label} a phone's first screen (360×740) shows the data figure at ${box(first)}, ${first.ink} inked pixels; the settings one click away (${settingsFolded})`);
  await phone.screenshot({ path: join(outDir, "phone-first-screen.png") });
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
