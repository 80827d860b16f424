import { EvalWorkers } from "./workers.js";
import { SessionHost } from "./session-host.js";
import { dataFigure } from "./data-figure.js";
import { ALL_FIGURES, CURVES_EVERY_MS, PROGRESS_EVERY_MS, SLICE_MS, nextFrame, yieldToBrowser } from "./pacing.js";
import { posteriorViews } from "./player-posterior.js";
import { evaluationWorkers } from "./player-workers.js";
import { recovery } from "./player-recovery.js";

// Runs the training loop: bounded Session.step calls back to back (in the trainer's worker unless
// the browser cannot host it: session-host.js), handing the main thread back to the browser
// between calls (so input and painting stay smooth) and waiting for an animation
// frame only when there is something new to draw (or for the workers' evaluation, when the
// session must have it before going on). A generation counter retires stale loops on
// pause or reset, and every call into the Session goes through one queue so no two are ever in
// flight at once.

// The cost row of the state a WebGPU run keeps at each epoch's end (recover.rs).
export const CHECKPOINT_COST = "WebGPU: an epoch's state kept, should the device be lost";

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
    // Evaluation workers when the address does not say how many: one per core, at most the
    // module's limit; each run uses as many as its evaluation needs (Session.evaluationWorkers).
    const count = controls.workerChoice() ?? Math.max(1, Math.min(this.cores, wasm.maxEvaluationWorkers()));
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

  // Serialises every call into the session: a wasm method that awaits holds the session
  // mutably borrowed, so a second call while one is in flight would be refused.
  run(task) {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => {});
    return next;
  }

  async restart() {
    this.beforeTraining?.();
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
      this.views.showMeter(null);
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
      this.runSettings = settings;
      this.attachWorkers(session, settings);
      this.afterRestart?.();
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
    this.beforeTraining?.();
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
    if (progress.moved) this.movedToCpu(session, progress.moved);
    await this.loseWebGpuIfAsked(session, progress);
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
      const kept = await session.checkpointCost();
      this.views.setCost(CHECKPOINT_COST, kept.kept, kept.ms, kept.longest);
      this.views.showCosts();
      // "done" once everything the run shows is on the page: a host page or a test reading it
      // then finds the costs too.
      this.status("done");
      this.views.announce((await session.describe()).result);
      this.onEvent("done", { summary: await session.summary() });
      this.readMeter(session);
      this.afterDone?.();
      return { more: false, drew: true };
    }
    return { more: true, drew, waiting: progress.waiting };
  }

}

Object.assign(Player.prototype, dataFigure, evaluationWorkers, posteriorViews, recovery);
