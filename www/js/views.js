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
    this.session = null;
    let pending = false;
    addEventListener("resize", () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        if (this.session) this.redraw(this.session, { data: true, curves: true, predictive: true });
      });
    });
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
    this.session = session;
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
    byTest("metric-best-val-rmse").textContent = fmt(m.bestValRmse);
    $("best-epoch").textContent = m.bestEpoch ?? "—";
    byTest("metric-test-rmse").textContent = fmt(m.testRmse);
    byTest("metric-test-nll").textContent = fmt(m.testNll);
    byTest("metric-test-kl").textContent = fmt(m.testKl, 1);
    $("metric-test-elbo").textContent = fmt(m.testElbo);
    $("metric-delta").textContent = fmt(m.emaElboDelta);
    $("metric-ratio").textContent = fmt(m.emaRatio, 3);
    const d = byTest("diagnostics");
    d.textContent = m.diagnostics ?? "—";
    d.dataset.verdict = m.diagnostics ?? "";
  }
}
