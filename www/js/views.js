// What the page shows: backend, progress, metrics, messages, and the three canvases. Numbers
// arrive computed by the wasm module; this file only formats and places them.

const fmt = (v, digits = 4) => (v === null || v === undefined ? "—" : Number(v).toFixed(digits));
const $ = (id) => document.getElementById(id);
const byTest = (id) => document.querySelector(`[data-testid="${id}"]`);

export class Views {
  constructor(wasm) {
    this.wasm = wasm;
    this.canvases = {
      data: $("plot-data"),
      curves: $("plot-curves"),
      predictive: $("plot-predictive"),
    };
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

  redraw(session, which) {
    try {
      if (which.data) session.drawData(this.fit(this.canvases.data));
      if (which.curves) session.drawCurves(this.fit(this.canvases.curves));
      if (which.predictive) session.drawPredictive(this.fit(this.canvases.predictive));
    } catch (e) {
      this.showMessage(e.message ?? String(e));
    }
  }

  showBackend(label, note) {
    byTest("backend").textContent = label;
    $("backend-note").textContent = note ? `(${note})` : "";
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
    bar.firstElementChild.style.width = `${pct}%`;
    bar.setAttribute("aria-valuenow", String(pct));
    byTest("epoch").textContent = String(p.epoch);
    $("total-epochs").textContent = String(p.totalEpochs);
    $("stage").textContent = p.done ? "finished" : `${p.stage} · ${p.phase}`;
    $("elapsed").textContent = `${elapsed.toFixed(1)} s`;
    $("eta").textContent = p.done ? "0 s" : eta === null ? "—" : `${Math.ceil(eta)} s`;
  }

  showMetrics(m) {
    // Each cell keeps the full number in data-value (for a copy, a tooltip and the tests).
    const show = (el, v, digits) => {
      el.textContent = fmt(v, digits);
      el.dataset.value = v ?? "";
      el.title = v ?? "";
    };
    show(byTest("metric-best-val-rmse"), m.bestValRmse);
    $("best-epoch").textContent = m.bestEpoch ?? "—";
    show(byTest("metric-test-rmse"), m.testRmse);
    show(byTest("metric-test-nll"), m.testNll);
    show(byTest("metric-test-kl"), m.testKl, 1);
    show(byTest("metric-test-elbo"), m.testElbo);
    show(byTest("metric-delta"), m.emaElboDelta);
    show(byTest("metric-ratio"), m.emaRatio, 3);
    $("ratio-threshold").textContent = String(m.ratioThreshold);
    const d = byTest("diagnostics");
    d.textContent = m.diagnostics ?? "—";
    d.dataset.verdict = m.diagnostics ?? "";
  }
}
