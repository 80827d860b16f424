// Runs the training loop: bounded Session.step calls back to back, handing the main thread back
// to the browser between calls (so input and painting stay smooth) and waiting for an animation
// frame only when there is something new to draw. A generation counter retires stale loops on
// pause or reset, and every call into the Session goes through one queue so no two are ever in
// flight at once.

const SLICE_MS = 25;

// Yields to the event loop without the ~4 ms clamp of setTimeout or the wait for the next frame.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldToBrowser = () => new Promise((resolve) => {
  waiting.push(resolve);
  channel.port2.postMessage(0);
});
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

export class Player {
  constructor(wasm, views, controls) {
    this.wasm = wasm;
    this.views = views;
    this.controls = controls;
    this.session = null;
    this.generation = 0;
    this.queue = Promise.resolve();
    this.trainingMs = 0;
    this.lastPredictiveEpoch = -1;
    controls.onChange = () => this.restart();
    document.getElementById("train").addEventListener("click", () => this.play());
    document.getElementById("pause").addEventListener("click", () => this.pause());
    document.getElementById("step").addEventListener("click", () => this.stepEpoch());
    document.getElementById("reset").addEventListener("click", () => this.restart());
  }

  // Serialises every call into the session.
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
      let session;
      try {
        session = await this.wasm.Session.create(settings, this.controls.backendChoice());
      } catch (e) {
        this.views.showMessage(e.message ?? String(e));
        this.views.showStatus(this.session ? "paused" : "error");
        return;
      }
      this.session?.free();
      this.session = session;
      this.trainingMs = 0;
      this.lastPredictiveEpoch = -1;
      this.views.showBackend(session.backendLabel, session.note);
      this.views.redraw(session, { curves: true, predictive: true, data: true });
      this.views.showProgress(session.progress(), session.eta(0), 0);
      this.views.showMetrics(session.metrics());
      this.views.showStatus("ready");
    });
  }

  async play() {
    if (!this.session || this.session.done) return;
    const gen = ++this.generation;
    this.views.showStatus("training");
    while (gen === this.generation) {
      const result = await this.run(() => this.advance(() => this.session.step(SLICE_MS)));
      if (!result.more || gen !== this.generation) break;
      await (result.drew ? nextFrame() : yieldToBrowser());
    }
  }

  pause() {
    this.generation++;
    if (this.session && !this.session.done) this.views.showStatus("paused");
  }

  async stepEpoch() {
    this.generation++;
    if (!this.session || this.session.done) return;
    this.views.showStatus("training");
    const result = await this.run(() => this.advance(() => this.session.stepEpoch()));
    if (result.more) this.views.showStatus("paused");
  }

  // One call into the session, then the views. Says whether training can go on and whether
  // anything was redrawn.
  async advance(call) {
    const session = this.session;
    const started = performance.now();
    let progress;
    try {
      progress = await call();
    } catch (e) {
      this.views.showMessage(`Training stopped: ${e.message ?? e}`);
      this.views.showStatus("paused");
      return { more: false, drew: false };
    }
    this.trainingMs += performance.now() - started;
    const elapsed = this.trainingMs / 1000;
    this.views.showProgress(progress, session.eta(elapsed), elapsed);
    if (progress.epochDone) {
      this.views.showMetrics(session.metrics());
      this.views.redraw(session, { curves: true });
      await this.livePredictive(session, progress);
    }
    if (progress.done) {
      await session.refreshPredictive(300, 300);
      this.views.redraw(session, { predictive: true });
      this.views.showMetrics(session.metrics());
      this.views.showStatus("done");
      return { more: false, drew: true };
    }
    return { more: true, drew: progress.epochDone };
  }

  // The predictive band moves as the network learns: a light refresh about 25 times a run.
  async livePredictive(session, progress) {
    const every = Math.max(2, Math.round(progress.totalEpochs / 25));
    if (progress.epoch - this.lastPredictiveEpoch < every) return;
    this.lastPredictiveEpoch = progress.epoch;
    await session.refreshPredictive(30, 100);
    this.views.redraw(session, { predictive: true });
  }
}
