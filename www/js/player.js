import { EvalWorkers } from "./workers.js";
import { SessionHost } from "./session-host.js";

// Runs the training loop: bounded Session.step calls back to back (in the trainer's worker unless
// the browser cannot host it: session-host.js), handing the main thread back to the browser
// between calls (so input and painting stay smooth) and waiting for an animation
// frame only when there is something new to draw (or for the workers' evaluation, when the
// session must have it before going on). A generation counter retires stale loops on
// pause or reset, and every call into the Session goes through one queue so no two are ever in
// flight at once.

// A slice of work per task, short enough that one stays under 50 ms even when the page's core
// is shared with an evaluation worker (the full preset keeps every core busy).
const SLICE_MS = 15;
// Redrawing is not free (a full curves redraw is tens of milliseconds on a slow machine), so the
// curves redraw at most this often, and the live predictive, calibration and weights about this
// many times a run (each refresh costs about 0.1 s on the CPU here: the e2e test reports it).
// The progress line updates a few times a second: each update repaints the page. A reader who
// asks for reduced motion gets a calmer page: a quarter of the redraws.
const calm = matchMedia("(prefers-reduced-motion: reduce)").matches;
const CURVES_EVERY_MS = calm ? 2000 : 500;
const LIVE_PREDICTIVE_UPDATES = calm ? 2 : 8;
const PROGRESS_EVERY_MS = calm ? 1000 : 200;
// How far one arrow key moves the data figure's keyboard cross (a share of the figure).
const CURSOR_STEP = 0.02;

// Yields to the event loop without the ~4 ms clamp of setTimeout or the wait for the next frame.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldToBrowser = () => new Promise((resolve) => {
  waiting.push(resolve);
  channel.port2.postMessage(0);
});
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

// Evaluation workers when the address does not say how many: one per core, at most this many;
// each run uses as many as its evaluation needs (Session.evaluationWorkers).
const MAX_WORKERS = 8;

const ALL_FIGURES = { data: true, curves: true, predictive: true, before: true, calibration: true, weights: true };
// What a new predictive and a new reading of the weights redraw.
const POSTERIOR_FIGURES = { predictive: true, calibration: true, weights: true };

export class Player {
  constructor(wasm, views, controls) {
    this.wasm = wasm;
    this.views = views;
    this.controls = controls;
    this.session = null;
    // Where the runs' Sessions live: the trainer's worker, or the page (see session-host.js).
    this.host = new SessionHost(wasm, controls.trainerChoice(), controls.raceAnyAdapter);
    this.generation = 0;
    this.queue = Promise.resolve();
    this.spentMs = 0; // wall time spent training, pauses excluded
    this.activeSince = null;
    this.lastPredictiveEpoch = -1;
    this.lastCurves = 0;
    this.lastProgress = 0;
    this.done = false; // from the last progress report: never ask the session outside the queue
    this.postedEpoch = 0; // the last epoch reported through onEvent
    // What happens, for a host page embedding this one (embed.js): (type, data).
    this.onEvent = () => {};
    // Workers that evaluate each epoch while the next one trains (CPU runs); null without.
    this.cores = navigator.hardwareConcurrency || 2;
    const count = controls.workerChoice() ?? Math.max(1, Math.min(this.cores, MAX_WORKERS));
    this.workers = count > 0 ? EvalWorkers.start(count, wasm.moduleKind === "cpu" ? wasm.compiled : null) : Promise.resolve(null);
    this.workersUsed = 0;
    // The evaluations out with the workers, oldest first; each settles once delivered.
    this.deliveries = [];
    this.resizePending = false;
    controls.onChange = () => this.restart();
    views.onResize = () => this.redrawAll();
    document.getElementById("train").addEventListener("click", () => this.play());
    document.getElementById("pause").addEventListener("click", () => this.pause());
    document.getElementById("step").addEventListener("click", () => this.stepEpoch());
    document.getElementById("reset").addEventListener("click", () => this.restart());
    document.getElementById("resample").addEventListener("click", () => this.resample());
    document.getElementById("reset-data").addEventListener("click", () => this.editData(() => controls.resetData()));
    // A click on the data figure adds a training point; a right-click or Shift-click removes one.
    const canvas = views.canvases.data;
    this.cursor = null; // the keyboard cross on the data figure, in CSS pixels
    canvas.addEventListener("keydown", (e) => this.dataKey(e));
    canvas.addEventListener("blur", () => views.showCursor(null));
    canvas.addEventListener("click", (e) => this.clickData(e, e.shiftKey));
    canvas.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      this.clickData(e, true);
    });
  }

  // New data make a new run; one that was training goes on training.
  editData(change) {
    this.resumeAfterRestart = this.activeSince !== null;
    change();
  }

  // The module that drew the data figure last reads the click: the run's, or the page's preview.
  async clickData(event, remove) {
    let edits;
    try {
      const canvas = this.views.canvases.data;
      const args = [this.controls.settings(), canvas.width, canvas.height, canvas.clientWidth, event.offsetX, event.offsetY, remove];
      edits = await (this.session ? this.session.editData(...args) : this.wasm.editData(...args));
    } catch (e) {
      this.views.showMessage(e.message ?? String(e));
      return;
    }
    this.editData(() => this.controls.setEdits(edits));
  }

  // The data figure from the keyboard: arrows move a cross, Enter (or Space) adds a point under
  // it, Delete (or Backspace) removes the nearest one. The wasm module reads the position.
  dataKey(event) {
    const canvas = this.views.canvases.data;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    this.cursor ??= { x: w / 2, y: h / 2 };
    const step = (event.shiftKey ? 5 : 1) * CURSOR_STEP;
    const moves = { ArrowLeft: [-step * w, 0], ArrowRight: [step * w, 0], ArrowUp: [0, -step * h], ArrowDown: [0, step * h] };
    if (event.key in moves) {
      const [dx, dy] = moves[event.key];
      this.cursor = { x: Math.min(w, Math.max(0, this.cursor.x + dx)), y: Math.min(h, Math.max(0, this.cursor.y + dy)) };
    } else if (event.key === "Enter" || event.key === " ") {
      this.clickData({ offsetX: this.cursor.x, offsetY: this.cursor.y }, false);
    } else if (event.key === "Delete" || event.key === "Backspace") {
      this.clickData({ offsetX: this.cursor.x, offsetY: this.cursor.y }, true);
    } else {
      return;
    }
    event.preventDefault();
    this.views.showCursor(this.cursor);
  }

  // Serialises every call into the session: a wasm method that awaits holds the session
  // mutably borrowed, so a second call while one is in flight would be refused.
  run(task) {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => {});
    return next;
  }

  async restart() {
    this.generation++;
    this.views.showStatus("starting");
    await this.run(async () => {
      const settings = this.controls.settings();
      this.controls.started();
      let session;
      try {
        session = await this.views.timed("new run", () =>
          this.host.create(settings, this.controls.backendChoice()));
      } catch (e) {
        this.views.showMessage(e.message ?? String(e));
        this.views.showStatus(this.session ? "paused" : "error");
        this.onEvent("error", { message: e.message ?? String(e) });
        return;
      }
      this.session?.free();
      this.session = session;
      this.done = false;
      this.spentMs = 0;
      this.activeSince = null;
      this.lastPredictiveEpoch = -1;
      this.views.showBackend(session.backendLabel, session.note);
      this.views.showTrainer(session.inWorker);
      // The numbers first, then the figures, shown together.
      const p = await session.progress();
      const [eta, metrics, regions] = [await session.eta(0), await session.metrics(), await session.regions()];
      await this.views.redraw(session, ALL_FIGURES);
      this.views.showProgress(p, eta, 0);
      this.views.showMetrics(metrics);
      this.views.showRegions(regions);
      this.postedEpoch = 0;
      this.seen = p;
      this.quarter = 0;
      this.status("ready");
      this.onEvent("ready", { settings, backend: session.backend, totalEpochs: p.totalEpochs });
      this.attachWorkers(session, settings);
    });
    // The Gaussian process after the first figures are on screen (it takes a moment).
    this.run(async () => {
      const session = this.session;
      if (!session?.gpShown || this.done) return;
      await nextFrame();
      let regions;
      try {
        await this.views.timed("Gaussian process: fit, predict, draw", async () => {
          await session.refreshGp();
          regions = await session.regions();
          await this.views.redraw(session, { predictive: true });
        });
      } catch (e) {
        this.views.showMessage(e.message ?? String(e));
      }
      this.views.showRegions(regions ?? (await session.regions()));
    });
    if (this.resumeAfterRestart) {
      this.resumeAfterRestart = false;
      this.play();
    }
  }

  // Shows a saved posterior instead of the current run: its settings fill the form, its test is
  // scored, and every figure and number follows as after a run. Says what was loaded, or
  // (with the reason shown) keeps the current run and says nothing.
  async loadPosterior(bytes, name) {
    this.generation++;
    this.stop();
    return this.run(async () => {
      let session;
      try {
        session = await this.views.timed("load posterior", () =>
          this.host.fromPosterior(bytes, this.controls.backendChoice()));
      } catch (e) {
        const message = `${name} could not be loaded: ${e.message ?? e}. The current run is kept.`;
        this.views.showMessage(message);
        this.onEvent("error", { message });
        if (this.session && !this.done) this.status("paused");
        return null;
      }
      this.session?.free();
      this.session = session;
      this.done = false;
      this.spentMs = 0;
      this.lastPredictiveEpoch = -1;
      // Its epochs were trained before: a host page hears "done", not each of them again.
      this.postedEpoch = (await session.progress()).totalEpochs;
      this.views.showMessage("");
      this.controls.show(await session.settings());
      this.views.showBackend(session.backendLabel, session.note);
      this.views.showTrainer(session.inWorker);
      // The test, the final predictive and every figure, as at the end of a run.
      while ((await this.advance("step", [SLICE_MS])).more) await yieldToBrowser();
      if (session.gpShown) {
        try {
          await session.refreshGp();
        } catch (e) {
          this.views.showMessage(e.message ?? String(e));
        }
      }
      const [regions, m, p] = [await session.regions(), await session.metrics(), await session.progress()];
      await this.views.redraw(session, ALL_FIGURES);
      this.views.showRegions(regions);
      return `Loaded ${name}: a posterior trained for ${p.totalEpochs} epochs (the state of epoch ${m.bestEpoch}); nothing was trained now.`;
    });
  }

  // Once the workers have this run's settings, the session hands them its evaluations.
  async attachWorkers(session, settings) {
    this.views.showWorkers(0);
    const pool = await this.workers;
    if (!pool || session.backend !== "cpu") return;
    try {
      await pool.configure(settings);
    } catch (e) {
      console.warn("evaluation workers not used:", e);
      return;
    }
    await this.run(async () => {
      if (session !== this.session || !(await session.useWorkers(true))) return;
      // As many as the address asked for; else as many as this run's evaluation needs.
      const wanted = this.controls.workerChoice() ?? (await session.evaluationWorkers(this.cores));
      this.workersUsed = Math.min(pool.count, wanted);
      this.views.showWorkers(this.workersUsed);
    });
  }

  // Sends the evaluation jobs the last call left to the workers; their answers are delivered
  // through the queue (to this session only). If they fail, the session computes the jobs
  // itself. The session trains on while up to two are out.
  dispatch(session, jobs) {
    for (const job of jobs) {
      const delivered = this.workers
        .then((pool) => pool.evaluate(job, this.workersUsed))
        .then(
          (sums) => this.run(async () => {
            if (session === this.session) await session.deliverEvaluation(job.epoch, sums);
          }),
          (e) => this.run(async () => {
            if (session !== this.session) return;
            console.warn("evaluation workers failed:", e);
            await session.useWorkers(false);
            this.views.showWorkers(0);
          }),
        )
        .finally(() => {
          this.deliveries = this.deliveries.filter((d) => d !== delivered);
        });
      this.deliveries.push(delivered);
    }
  }

  // Settles once the oldest evaluation out has been delivered (the one a waiting session needs).
  oldestDelivery() {
    return this.deliveries[0] ?? Promise.resolve();
  }

  elapsedSeconds() {
    const running = this.activeSince === null ? 0 : performance.now() - this.activeSince;
    return (this.spentMs + running) / 1000;
  }

  // Times the wall clock from here until `stop()` (one stretch of training).
  start() {
    this.activeSince ??= performance.now();
  }

  stop() {
    if (this.activeSince !== null) this.spentMs += performance.now() - this.activeSince;
    this.activeSince = null;
  }

  // After a resize every figure redraws at its new size, in turn with the training steps.
  redrawAll() {
    if (this.resizePending) return;
    this.resizePending = true;
    this.run(async () => {
      this.resizePending = false;
      if (this.session) await this.views.redraw(this.session, ALL_FIGURES);
    });
  }

  // The status line, the same word to a host page, and a sentence for screen readers (the
  // end of a run is announced with its results by `advance`).
  status(status) {
    this.views.showStatus(status);
    this.onEvent("status", { status });
    const p = this.seen;
    if (!p || status === "done") return;
    const words = {
      ready: `Ready to train ${p.totalEpochs} epochs.`,
      training: `Training, from epoch ${p.epoch} of ${p.totalEpochs}.`,
      paused: `Paused after epoch ${p.epoch} of ${p.totalEpochs}.`,
    };
    if (words[status]) this.views.announce(words[status]);
  }

  async play() {
    if (!this.session || this.done) return;
    const gen = ++this.generation;
    const session = this.session;
    this.status("training");
    this.start();
    while (gen === this.generation) {
      const result = await this.run(() => this.advance("step", [SLICE_MS]));
      if (!result.more || gen !== this.generation) break;
      await (result.waiting ? this.oldestDelivery() : result.drew ? nextFrame() : yieldToBrowser());
    }
    if (session === this.session) this.stop();
  }

  pause() {
    this.generation++;
    this.stop();
    if (this.session && !this.done) this.status("paused");
  }

  async stepEpoch() {
    this.generation++;
    if (!this.session || this.done) return;
    const session = this.session;
    this.status("training");
    this.start();
    let result;
    do {
      result = await this.run(() => this.advance("stepEpoch", []));
      if (result.waiting) await this.oldestDelivery();
    } while (result.waiting);
    this.stop();
    // The progress line as the epoch ends (it is otherwise refreshed a few times a second).
    this.lastProgress = 0;
    await this.run(async () => {
      if (this.session !== session) return;
      const elapsed = this.elapsedSeconds();
      this.views.showProgress(await session.progress(), await session.eta(elapsed), elapsed);
    });
    if (result.more) this.status("paused");
  }

  // One training call into the session (`step` or `stepEpoch` with `args`), then the views.
  // Says whether training can go on and whether anything was redrawn.
  async advance(call, args) {
    const session = this.session;
    let progress, jobs, metrics, epochs;
    try {
      ({ progress, jobs, metrics, epochs } = await session.advance(call, args, this.postedEpoch));
    } catch (e) {
      this.views.showMessage(`Training stopped: ${e.message ?? e}`);
      this.status("paused");
      this.onEvent("error", { message: `Training stopped: ${e.message ?? e}` });
      return { more: false, drew: false };
    }
    this.done = progress.done;
    this.seen = progress;
    this.dispatch(session, jobs);
    if (progress.done || performance.now() - this.lastProgress >= PROGRESS_EVERY_MS) {
      const elapsed = this.elapsedSeconds();
      this.views.showProgress(progress, await session.eta(elapsed), elapsed);
      this.lastProgress = performance.now();
      const { epoch, totalEpochs, fraction, stage, phase } = progress;
      this.onEvent("progress", { epoch, totalEpochs, fraction, stage, phase, elapsed });
    }
    let drew = false;
    if (progress.epochDone) {
      // The step that ended an epoch and the redraws it brings run as separate tasks.
      await yieldToBrowser();
      const m = metrics;
      this.views.showMetrics(m);
      // Each quarter of the run, in words.
      const quarter = Math.floor((4 * progress.epoch) / progress.totalEpochs);
      if (quarter > this.quarter && !progress.done) {
        this.quarter = quarter;
        this.views.announce(`Epoch ${progress.epoch} of ${progress.totalEpochs}: validation RMSE ${m.valRmse?.toFixed(4)}.`);
      }
      for (const row of epochs) {
        this.postedEpoch = row.epoch;
        this.onEvent("epoch", row);
      }
      if (progress.done || performance.now() - this.lastCurves >= CURVES_EVERY_MS) {
        await this.views.redraw(session, { curves: true });
        this.lastCurves = performance.now();
        drew = true;
      }
      drew = (await this.livePredictive(session, progress)) || drew;
    }
    if (progress.done) {
      // The clock runs to "done": the final predictive is part of the run.
      await this.refreshPosterior(session, false);
      this.stop();
      const elapsed = this.elapsedSeconds();
      this.views.showProgress(progress, await session.eta(elapsed), elapsed);
      this.status("done");
      this.views.announce((await session.describe()).result);
      this.views.showCosts();
      this.onEvent("done", { summary: await session.summary() });
      return { more: false, drew: true };
    }
    return { more: true, drew, waiting: progress.waiting };
  }

  // The predictive, its calibration and the weights move as the network learns: a light
  // refresh now and then (unless the address turned the live figures off). With workers it
  // does not hold the training up: they draw it while the next epochs train, and the figures
  // follow when it arrives (one at a time; a refresh due meanwhile is skipped).
  async livePredictive(session, progress) {
    const every = Math.max(2, Math.round(progress.totalEpochs / LIVE_PREDICTIVE_UPDATES));
    if (!session.liveViews || progress.done || progress.epoch - this.lastPredictiveEpoch < every) {
      return false;
    }
    if (this.liveOnWorkers) return false;
    this.lastPredictiveEpoch = progress.epoch;
    await session.startPredictive(true);
    const job = this.workersUsed ? await session.predictiveJob() : null;
    if (!job) {
      await this.computePredictive(session, true);
      await this.showPosterior(session);
      return true;
    }
    this.liveOnWorkers = true;
    const sent = performance.now();
    this.drawOnWorkers(job)
      .then((draws) => this.run(async () => {
        if (session !== this.session || !(await session.deliverPredictive(job.id, draws))) return;
        this.views.addCost("live predictive, drawn by the workers", performance.now() - sent);
        await this.showPosterior(session);
      }))
      .catch((e) => console.warn("live predictive on the workers failed:", e))
      .finally(() => {
        this.liveOnWorkers = false;
      });
    return false;
  }

  // The final predictive (`live`: a light one) and the figures that follow it.
  async refreshPosterior(session, live) {
    await session.startPredictive(live);
    const job = this.workersUsed ? await session.predictiveJob() : null;
    if (job) {
      try {
        const draws = await this.views.timed(`${live ? "live" : "final"} predictive, drawn by the workers`,
          () => this.drawOnWorkers(job));
        if (await session.deliverPredictive(job.id, draws)) return this.showPosterior(session);
      } catch (e) {
        console.warn("predictive on the workers failed:", e);
      }
      await session.startPredictive(live);
    }
    await this.computePredictive(session, live);
    await this.showPosterior(session);
  }

  // The predictive just started, computed here a pass of draws at a time, the browser getting
  // the main thread back between passes.
  computePredictive(session, live) {
    return this.views.timed(live ? "live predictive" : "final predictive", async () => {
      while (!(await session.predictiveStep(SLICE_MS))) await yieldToBrowser();
    });
  }

  drawOnWorkers(job) {
    return this.workers.then((pool) => pool.draw(job, this.workersUsed));
  }

  // The figures that show the posterior, after a new predictive.
  async showPosterior(session) {
    const views = this.views;
    await yieldToBrowser();
    await views.timed("weights read", () => session.refreshWeights());
    await yieldToBrowser();
    const [metrics, regions] = [await session.metrics(), await session.regions()];
    await views.redraw(session, POSTERIOR_FIGURES);
    views.showMetrics(metrics);
    views.showRegions(regions);
  }

  // Fresh sampled networks on the predictive figure; the band and the numbers stay.
  resample() {
    this.run(async () => {
      const session = this.session;
      if (!session) return;
      try {
        await this.views.timed("new networks", () => session.resample());
      } catch (e) {
        this.views.showMessage(e.message ?? String(e));
        return;
      }
      const metrics = await session.metrics();
      await this.views.redraw(session, { predictive: true, calibration: true });
      this.views.showMetrics(metrics);
    });
  }
}
