// What the page shows: backend, progress, metrics, messages, and the three canvases. Numbers
// arrive computed by the wasm module; this file only formats and places them.

const fmt = (v, digits = 4) => (v === null || v === undefined ? "—" : Number(v).toFixed(digits));
const $ = (id) => document.getElementById(id);
const byTest = (id) => document.querySelector(`[data-testid="${id}"]`);
// Writes text only when it changes: an unchanged write still invalidates the page's layout, and
// the metrics and progress are rewritten every epoch while most of their numbers stand still.
const setText = (el, text) => {
  if (el.textContent !== text) el.textContent = text;
};
const setData = (el, key, value) => {
  const v = String(value);
  if (el.dataset[key] !== v) el.dataset[key] = v;
};

// The order figures are drawn in: the functions before training first, so a new prior σ shows
// at once.
const ORDER = ["before", "data", "curves", "predictive", "calibration", "weights"];

export class Views {
  constructor(wasm) {
    this.wasm = wasm;
    this.canvases = {
      data: $("plot-data"),
      curves: $("plot-curves"),
      predictive: $("plot-predictive"),
      before: $("plot-before"),
      calibration: $("plot-calibration"),
      weights: $("plot-weights"),
    };
    // Each canvas is an image whose text alternative carries its numbers (from the wasm module).
    for (const canvas of Object.values(this.canvases)) canvas.setAttribute("role", "img");
    this.cursor = $("data-cursor");
    // The sentences' numbers and the sentences that hold only sometimes (crates/bbb-web/src/facts.rs).
    this.facts = document.querySelectorAll("[data-fact]");
    this.conditions = document.querySelectorAll("[data-when]");
    // Milliseconds per redraw of each figure (shown under "What each figure costs").
    this.costs = {};
    // The Player redraws on resize, through its queue: only it may call into the session.
    this.onResize = () => {};
    addEventListener("resize", () => this.onResize());
  }

  // Matches the canvas's pixel size to its CSS size × devicePixelRatio, for crisp plots.
  fit(canvas) {
    const dpr = window.devicePixelRatio || 1;
    const rect = canvas.getBoundingClientRect();
    const w = Math.max(200, Math.round(rect.width * dpr));
    const h = Math.max(120, Math.round(rect.height * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    return canvas;
  }

  drawPreview(settings) {
    try {
      this.wasm.drawDataPreview(settings, this.fit(this.canvases.data));
    } catch (e) {
      this.showMessage(e.message ?? String(e));
    }
  }

  // Redraws the figures in `which` ({ name: true }) from the session (which draws them in the
  // trainer's worker, or here), each timed, and their text alternatives. The figures appear
  // last, so a caller that has its numbers in hand shows both in the same task.
  async redraw(session, which) {
    try {
      const words = await session.describe();
      const figures = {};
      for (const name of ORDER) if (which[name]) figures[name] = this.fit(this.canvases[name]);
      const ms = await session.draw(figures);
      for (const [name, t] of Object.entries(ms)) this.addCost(name, t);
      for (const name of Object.keys(figures)) {
        if (words[name]) this.canvases[name].setAttribute("aria-label", words[name]);
      }
    } catch (e) {
      this.showMessage(e.message ?? String(e));
    }
  }

  // A sentence for the polite live region (screen readers read it when they are free).
  announce(text) {
    $("live").textContent = text;
  }

  // The data figure's keyboard cross at `at` (CSS pixels in the canvas), or hidden.
  showCursor(at) {
    const canvas = this.canvases.data;
    this.cursor.hidden = !at;
    if (!at) return;
    this.cursor.style.left = `${canvas.offsetLeft + at.x}px`;
    this.cursor.style.top = `${canvas.offsetTop + at.y}px`;
  }

  // Runs `work` and adds its time to the figure's (or computation's) cost.
  timed(name, work) {
    const start = performance.now();
    const result = work();
    const done = () => this.addCost(name, performance.now() - start);
    if (result instanceof Promise) return result.finally(done);
    done();
    return result;
  }

  // Adds `ms` milliseconds to the cost of `name`.
  addCost(name, ms) {
    const c = (this.costs[name] ??= { n: 0, total: 0, max: 0 });
    c.n += 1;
    c.total += ms;
    c.max = Math.max(c.max, ms);
  }

  // Sets the cost of `name` from a total measured elsewhere (`n` times, `total` ms in all).
  setCost(name, n, total, max) {
    if (n > 0) this.costs[name] = { n, total, max };
  }

  showCosts() {
    const rows = Object.entries(this.costs).map(([name, c]) => {
      const tr = document.createElement("tr");
      tr.dataset.name = name;
      tr.dataset.mean = String(c.total / c.n);
      tr.dataset.count = String(c.n);
      tr.innerHTML = `<th>${name}</th><td>${(c.total / c.n).toFixed(1)} ms</td>` +
        `<td class="dim">mean of ${c.n}, longest ${c.max.toFixed(1)} ms</td>`;
      return tr;
    });
    byTest("costs").replaceChildren(...rows);
  }

  // Where the doubt is: one row per region and model, numbers from the wasm module.
  showRegions(r) {
    const names = { data: "inside the data", gap: "in a gap", outside: "outside the data's range" };
    const cell = (v, digits) => `<td data-value="${v ?? ""}">${fmt(v, digits)}</td>`;
    const rows = [];
    for (const [region, label] of Object.entries(names)) {
      for (const [model, scores] of [["network", r.network], ["Gaussian process", r.gp]]) {
        const s = scores?.[region];
        const tr = document.createElement("tr");
        tr.dataset.region = region;
        tr.dataset.model = model === "network" ? "network" : "gp";
        tr.innerHTML = `<th>${label}</th><td>${model}</td><td>${s ? s.points : scores ? 0 : "—"}</td>` +
          (s
            ? cell(s.doubtWidth, 3) + cell(s.totalWidth, 3) + cell(s.coverage95, 2) + cell(s.rmse, 3) + cell(s.nll, 2)
            : `<td colspan="5" class="dim">${scores ? "no test point here" : "not computed yet"}</td>`);
        rows.push(tr);
      }
    }
    byTest("regions").tBodies[0].replaceChildren(...rows);
    byTest("train-points").textContent = String(r.trainPoints);
    const gaps = r.gaps.map(([a, b]) => `(${a.toFixed(2)}, ${b.toFixed(2)})`);
    byTest("gaps").textContent = gaps.length ? gaps.join(", ") : "none";
    byTest("train-range").textContent = `[${r.range[0].toFixed(2)}, ${r.range[1].toFixed(2)}]`;
    const h = r.gpHyper;
    byTest("gp-hyper").textContent = h
      ? `lengthscale ${h.lengthscale.toFixed(2)}, signal sd ${h.signalSd.toFixed(2)}, noise sd ${h.noiseSd.toFixed(3)}`
      : "—";
  }

  showBackend(label, note) {
    byTest("backend").textContent = label;
    $("backend-note").textContent = note ? `(${note})` : "";
  }

  // Where the run trains: in a Web Worker (`true`) or on the page's own thread.
  showTrainer(inWorker) {
    const el = byTest("trainer");
    el.dataset.place = inWorker ? "worker" : "page";
    el.textContent = inWorker ? "; it trains in a background thread, so the page stays responsive" : "";
  }

  // How many Web Workers evaluate the epochs (0: the page's own training steps do).
  // Section 4's gradient meter: a run's reading, or (null) the section's general sentence.
  showMeter(sentence) {
    const el = byTest("gradient-meter");
    this.meterDefault ??= el.textContent;
    el.textContent = sentence ?? this.meterDefault;
  }

  showWorkers(count) {
    const el = byTest("workers");
    el.dataset.count = String(count);
    el.textContent = count > 0 ? `; each epoch is evaluated by ${count} worker${count === 1 ? "" : "s"} while the next ones train` : "";
  }

  showStatus(status) {
    const el = byTest("status");
    el.textContent = status;
    el.dataset.state = status;
    const training = status === "training";
    $("train").disabled = training || status === "done" || status === "starting";
    $("pause").disabled = !training;
    $("step").disabled = training || status === "done" || status === "starting";
  }

  showMessage(text) {
    $("message").textContent = text;
  }

  message() {
    return $("message").textContent;
  }

  showProgress(p, eta, elapsed) {
    const pct = Math.round(1000 * p.fraction) / 10;
    const bar = byTest("progress");
    bar.firstElementChild.style.transform = `scaleX(${pct / 100})`;
    bar.setAttribute("aria-valuenow", String(pct));
    setText(byTest("epoch"), String(p.epoch));
    setText($("total-epochs"), String(p.totalEpochs));
    setText($("stage"), p.done ? "finished" : `${p.stage} · ${p.phase}`);
    setText($("elapsed"), `${elapsed.toFixed(1)} s`);
    setText($("eta"), p.done ? "0 s" : eta === null ? "—" : `${Math.ceil(eta)} s`);
  }

  // Puts the run's facts into the sentences that name them, and shows each sentence marked
  // data-when only while its condition holds.
  showFacts(f) {
    for (const el of this.facts) setText(el, f.text[el.dataset.fact] ?? "—");
    for (const el of this.conditions) {
      const known = el.dataset.when in f.when;
      const hide = !f.when[el.dataset.when];
      if (el.hidden !== hide) el.hidden = hide;
      // A condition the module does not know stays hidden; the tests look for this mark.
      if (el.hasAttribute("data-unknown") === known) el.toggleAttribute("data-unknown", !known);
    }
  }

  showMetrics(m) {
    this.showFacts(m.facts);
    // Each cell keeps the full number in data-value (for a copy, a tooltip and the tests).
    const show = (el, v, digits) => {
      setText(el, fmt(v, digits));
      setData(el, "value", v ?? "");
      if (el.title !== String(v ?? "")) el.title = v ?? "";
    };
    show(byTest("metric-best-val-rmse"), m.bestValRmse);
    setText($("best-epoch"), String(m.bestEpoch ?? "—"));
    show(byTest("metric-test-rmse"), m.testRmse);
    show(byTest("metric-test-nll"), m.testNll);
    show(byTest("metric-test-kl"), m.testKl, 1);
    show(byTest("metric-test-elbo"), m.testElbo);
    show(byTest("metric-delta"), m.emaElboDelta);
    show(byTest("metric-ratio"), m.emaRatio, 3);
    setText($("ratio-threshold"), String(m.ratioThreshold));
    const pct = (v) => (v === null ? "—" : `${Math.round(100 * v)} %`);
    const text = {
      // Two significant figures: a few dozen draws fix no more.
      "prior-spread": m.priorSpread === null ? "—" : Number(m.priorSpread.toPrecision(2)).toLocaleString("en"),
      "initial-spread": m.initialSpread === null ? "—" : m.initialSpread.toPrecision(2),
      "implied-noise-std": fmt(m.impliedNoiseStandardised),
      "implied-noise": fmt(m.impliedNoiseSigma, 3),
      "true-noise": String(m.trueNoiseSigma),
      "predictive-samples": m.predictiveSamples ?? "Many",
      "coverage-weights": pct(m.coverageWeights95),
      "coverage-total": pct(m.coverageTotal95),
      "noise-hat": fmt(m.noiseSigmaHat, 3),
      "gaussian-nll": fmt(m.gaussianNll, 3),
      crps: fmt(m.crps),
      "median-sigma": fmt(m.medianSigma),
      "share-snr": pct(m.shareSnrBelow1),
    };
    const raw = {
      "prior-spread": m.priorSpread,
      "initial-spread": m.initialSpread,
      "implied-noise": m.impliedNoiseSigma,
      "coverage-weights": m.coverageWeights95,
      "coverage-total": m.coverageTotal95,
      "noise-hat": m.noiseSigmaHat,
      "gaussian-nll": m.gaussianNll,
      crps: m.crps,
      "median-sigma": m.medianSigma,
      "share-snr": m.shareSnrBelow1,
    };
    for (const [id, value] of Object.entries(text)) {
      const el = byTest(id);
      setText(el, String(value));
      if (id in raw) setData(el, "value", raw[id] ?? "");
    }
    const d = byTest("diagnostics");
    setText(d, m.diagnostics ?? "—");
    setData(d, "verdict", m.diagnostics ?? "");
  }
}
