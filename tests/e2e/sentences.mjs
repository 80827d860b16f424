// The page's sentences against the run they describe, in every scenario, with a person's own
// points and with another network: each printed formula gives the printed number, each count
// agrees with what the run shows elsewhere (the regions table, the data figure's count), and a
// sentence that holds only sometimes is shown exactly when it holds.
import { check, waitStatus } from "./lib.mjs";

const SHORT = "preset=quick&backend=cpu&warmup-epochs=1&vi-epochs=2&mc-elbo=1&mc-rmse=2";
// The batch size of both presets (the settings table's default; no field on the page shows it).
const BATCH = 128;
const CASES = [
  { name: "the quick run", hash: "preset=quick&backend=cpu", quick: true, evenly: true },
  { name: "scenario=gap", hash: `${SHORT}&scenario=gap`, apart: true },
  { name: "scenario=two-clusters", hash: `${SHORT}&scenario=two-clusters`, apart: true },
  { name: "scenario=few", hash: `${SHORT}&scenario=few` },
  { name: "x-range=6", hash: `${SHORT}&x-range=6`, apart: true },
  { name: "own points", hash: `${SHORT}&add=0.2_0.9_0.4_1.1&remove=0_1_2`, edited: true },
  { name: "width=16&depth=1", hash: `${SHORT}&width=16&depth=1`, evenly: true },
  { name: "method=bbb-lrt", hash: `${SHORT}&method=bbb-lrt`, evenly: true, method: "lrt" },
  { name: "method=bbb-flipout&train-mc=2", hash: `${SHORT}&method=bbb-flipout&train-mc=2`, evenly: true, method: "flipout", draws: "two weight draws" },
];

const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
// "1,200" → 1200, "eight" → 8, "three residual blocks" → 3, "4·10⁻⁴" → 0.0004.
function number(text) {
  const t = text.trim();
  const word = WORDS.indexOf(t.split(" ")[0]);
  if (word >= 0) return word;
  const sup = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  const power = t.match(/^(?:([\d.]+)·)?10(⁻?)([⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/);
  if (power) {
    const e = Number([...power[3]].map((c) => sup.indexOf(c)).join(""));
    return Number(power[1] ?? 1) * 10 ** (power[2] ? -e : e);
  }
  return Number(t.replace(/,/g, "").split(" ")[0]);
}

async function readPage(page) {
  return page.evaluate(() => {
    const shown = (el) => !el.closest("[hidden]");
    const facts = {};
    for (const el of document.querySelectorAll("[data-fact]")) {
      (facts[el.dataset.fact] ??= []).push({ text: el.textContent, shown: shown(el) });
    }
    const when = {};
    for (const el of document.querySelectorAll("[data-when]")) when[el.dataset.when] = { shown: !el.hidden, unknown: el.hasAttribute("data-unknown") };
    const byTest = (id) => document.querySelector(`[data-testid="${id}"]`);
    const regionPoints = [...document.querySelectorAll('[data-testid="regions"] tbody tr[data-model="network"]')]
      .reduce((n, tr) => n + Number(tr.children[2].textContent), 0);
    return {
      facts,
      when,
      regionPoints,
      trainPoints: Number(byTest("train-points").textContent),
      impliedStd: Number(byTest("implied-noise-std").textContent),
      coverageTotal: Number(byTest("coverage-total").dataset.value),
      coverageWeights: Number(byTest("coverage-weights").dataset.value),
      noiseHat: Number(byTest("noise-hat").dataset.value),
      testRmse: Number(byTest("metric-test-rmse").dataset.value),
      text: document.querySelector("main").innerText,
    };
  });
}

// Each case: loads, trains to the end, and checks the sentences. Returns the problems found.
function problems(c, r) {
  const bad = [];
  const fact = (key) => {
    const all = r.facts[key] ?? [];
    if (!all.length) bad.push(`no sentence prints ${key}`);
    if (new Set(all.map((f) => f.text)).size > 1) bad.push(`${key} printed two ways`);
    return all[0]?.text ?? "";
  };
  for (const [key, all] of Object.entries(r.facts)) {
    if (all.some((f) => f.shown && (f.text === "—" || f.text === ""))) bad.push(`${key} shows no value`);
  }
  for (const [key, w] of Object.entries(r.when)) if (w.unknown) bad.push(`data-when="${key}" is no condition the module knows`);
  // Section 3's formula: s = √(β·N/(2M)), M = ⌈N / batch⌉.
  const [beta, n, m] = [number(fact("beta")), number(fact("n")), number(fact("m"))];
  const s = Math.sqrt((beta * n) / (2 * m));
  if (Math.abs(s - r.impliedStd) > 6e-5) bad.push(`√(β·N/(2M)) = √(${beta}·${n}/(2·${m})) = ${s.toFixed(4)}, printed ${r.impliedStd}`);
  if (m !== Math.ceil(n / BATCH)) bad.push(`M = ${m} for N = ${n}`);
  // Counts against what the run shows elsewhere.
  if (number(fact("n-train")) !== n || r.trainPoints !== n) bad.push(`N = ${n}, ${fact("n-train")} to train on, ${r.trainPoints} in the data figure`);
  if (number(fact("n-test")) !== r.regionPoints) bad.push(`${fact("n-test")} test points, ${r.regionPoints} in the regions table`);
  if (r.when["same-where"]?.shown && number(fact("n-total")) !== n + number(fact("n-val")) + number(fact("n-test"))) bad.push(`${fact("n-total")} inputs`);
  // Section 2's network: (f+1)·w + 2·depth·(w+1)·w + (w+1) weights and biases, 2·depth + 2 layers.
  const [f, w, depth] = [number(fact("features")), number(fact("width")), number(fact("blocks"))];
  const weights = (f + 1) * w + 2 * depth * (w + 1) * w + (w + 1);
  if (number(fact("weights")) !== weights || number(fact("numbers")) !== 2 * weights) bad.push(`${fact("weights")} weights for ${f} → ${w} × ${depth} blocks → 1 (${weights})`);
  if (number(fact("layers")) !== 2 * depth + 2) bad.push(`${fact("layers")} layers for ${depth} blocks`);
  // No fixed count left in the visible text that contradicts the run's.
  for (const [pattern, want] of [[/N = ([\d,]+) training/g, n], [/M = ([\d,]+) mini-batches/g, m], [/([\d,]+) to train on/g, n], [/([\d,]+) units/g, w], [/([\d,]+) weights,/g, weights]]) {
    const all = [...r.text.matchAll(pattern)];
    if (!all.length) bad.push(`no sentence matches ${pattern}`);
    for (const found of all) if (number(found[1]) !== want) bad.push(`"${found[0]}" in a run with ${want}`);
  }
  // The sentences that hold only sometimes.
  const shown = (key) => r.when[key]?.shown === true;
  const expect = {
    evenly: !!c.evenly, unevenly: !c.evenly, "apart-where": !!c.apart, "same-where": !c.apart, edited: !!c.edited,
    "quick-run": !!c.quick, "has-truth": true, recipe: true, "own-data": false,
    "total-wide": r.coverageTotal > 0.95, "total-narrow": r.coverageTotal < 0.95,
    "test-quiet": r.testRmse < r.noiseHat, "weights-below": r.coverageWeights < 0.95,
    "method-bbb": !c.method, "method-lrt": c.method === "lrt", "method-flipout": c.method === "flipout",
  };
  if (fact("train-draws") !== (c.draws ?? "one weight draw")) bad.push(`"${fact("train-draws")}" per step`);
  for (const [key, want] of Object.entries(expect)) if (shown(key) !== want) bad.push(`"${key}" ${shown(key) ? "shown" : "hidden"}`);
  return { bad, s, n, m, beta: fact("beta"), weights };
}

export async function sentencesHold(browser, server, label) {
  for (const c of CASES) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${server.url}#${c.hash}`);
    await waitStatus(page, "ready", 60_000);
    await page.locator('[data-testid="train"]').click();
    await waitStatus(page, "done", 180_000);
    const r = await readPage(page);
    const { bad, s, n, m, beta, weights } = problems(c, r);
    check(bad.length === 0 && errors.length === 0,
      `${label} sentences, ${c.name}: s = √(β·N/(2M)) = √(${beta}·${n}/(2·${m})) = ${s.toFixed(4)} as printed, ${weights} weights, ` +
      `counts as the run's${bad.length ? `; wrong: ${bad.join("; ")}` : ""}${errors.length ? `; page errors: ${errors.join(" | ")}` : ""}`);
    await page.close();
  }
}
