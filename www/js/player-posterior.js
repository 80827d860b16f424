// The posterior's figures seen from the Player: the live and final predictives (a pass per
// task, or drawn by the workers), fresh sampled networks, and a saved posterior shown without
// training. Methods of the Player (player.js).

import { ALL_FIGURES, LIVE_PREDICTIVE_UPDATES, POSTERIOR_FIGURES, SLICE_MS, yieldToBrowser } from "./pacing.js";

export const posteriorViews = {
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
  },

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
  },

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
  },

  // The predictive just started, computed here a pass of draws at a time, the browser getting
  // the main thread back between passes.
  computePredictive(session, live) {
    return this.views.timed(live ? "live predictive" : "final predictive", async () => {
      while (!(await session.predictiveStep(SLICE_MS))) await yieldToBrowser();
    });
  },

  drawOnWorkers(job) {
    return this.workers.then((pool) => pool.draw(job, this.workersUsed));
  },

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
  },

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
  },
};
