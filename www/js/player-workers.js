// The evaluation workers seen from the Player: which run uses how many, and each epoch's
// evaluation job handed to them and delivered back to the Session in order. Methods of the
// Player (player.js).

export const evaluationWorkers = {
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
  },

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
  },

  // The gradient meter at the run's final weights (the best state), read by an evaluation
  // worker so that the page's own thread stays free; shown in section 4. A run without workers
  // (WebGPU, or workers refused) says it was not read.
  async readMeter(session) {
    if (!this.workersUsed) {
      this.views.showMeter("This run had no evaluation workers, so the gradient meter was not read here; bbb-cli reads it at the end of every run.");
      return;
    }
    try {
      const job = await this.run(() => session.meterJob());
      const pool = await this.workers;
      const { values } = await pool.request(pool.workers[0], { type: "meter", params: job.params, epochs: job.epochs });
      if (session !== this.session) return;
      this.views.showMeter(await this.run(() => session.meterSentence(values)));
    } catch (e) {
      console.warn("gradient meter:", e);
    }
  },

  // Settles once the oldest evaluation out has been delivered (the one a waiting session needs).
  oldestDelivery() {
    return this.deliveries[0] ?? Promise.resolve();
  },
};
