// The evaluation workers: Web Workers that each hold their own instance of this page's wasm
// module and score the batches of each epoch's evaluation while the main thread trains the next
// epoch; they also draw the posterior predictive's sampled networks. The numbers are the ones the
// page would compute alone (the Session checks the answer's size, and the keyed noise makes every
// batch's and every pass's draws independent of who computes them). No SharedArrayBuffer is
// needed, so hosting and iframe embedding keep working; where workers cannot start, the page
// evaluates and draws in its own steps.

import { LOAD_TIMEOUT_MS, compile, moduleUrls } from "./module.js";

function timeout(ms, what) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms));
}

export class EvalWorkers {
  // Starts `count` workers and loads the CPU module in each (`compiled`, when the page has it
  // already); null when that cannot be done here.
  static async start(count, compiled = null) {
    if (!(count >= 1) || typeof Worker === "undefined") return null;
    const workers = [];
    try {
      for (let i = 0; i < count; i++) {
        workers.push(new Worker(new URL("./eval-worker.js", import.meta.url), { type: "module" }));
      }
      const pool = new EvalWorkers(workers);
      // The workers compute on flex: the CPU-only module, whichever module the page has. It is
      // compiled once (by the page, when the page runs it too) and the compiled module is posted
      // to every worker: the workers then share its machine code, including what the engine
      // optimises while they run.
      const { glue, wasm } = await moduleUrls("cpu");
      const module = compiled ? Promise.resolve(compiled) : compile(fetch(wasm));
      const load = module.then((m) => pool.all({ type: "load", glue, module: m }));
      await Promise.race([load, timeout(LOAD_TIMEOUT_MS, "loading the workers")]);
      return pool;
    } catch (e) {
      for (const w of workers) w.terminate();
      console.warn("evaluation workers unavailable:", e);
      return null;
    }
  }

  constructor(workers) {
    this.workers = workers;
    this.nextId = 1;
    this.replies = new Map();
    this.run = 0;
    for (const w of workers) {
      w.onmessage = ({ data }) => {
        const reply = this.replies.get(data.id);
        if (!reply) return;
        this.replies.delete(data.id);
        if (data.error) reply.reject(new Error(data.error));
        else reply.resolve(data);
      };
      w.onerror = (e) => {
        for (const reply of this.replies.values()) reply.reject(new Error(e.message || "a worker failed"));
        this.replies.clear();
      };
    }
  }

  get count() {
    return this.workers.length;
  }

  request(worker, message, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, transfer);
    });
  }

  terminate() {
    for (const w of this.workers) w.terminate();
    for (const reply of this.replies.values()) reply.reject(new Error("stopped"));
    this.replies.clear();
  }

  all(message) {
    return Promise.all(this.workers.map((w) => this.request(w, message)));
  }

  // Gives every worker the settings of the run now starting.
  configure(settings) {
    this.run++;
    return this.all({ type: "configure", settings });
  }

  // Scores an evaluation job on the first `count` workers: worker i takes batches i, i + n,
  // i + 2n, … (n workers; the batches' sizes then even out) in one message, so the page's main
  // thread, busy training, answers each worker once per epoch. Resolves to the sums in batch
  // order.
  async evaluate(job, count = this.workers.length) {
    const run = this.run;
    const used = this.workers.slice(0, Math.max(1, count));
    const n = used.length;
    const sums = new Float32Array(2 * job.batches);
    await Promise.all(used.map(async (worker, i) => {
      const batches = [];
      for (let b = i; b < job.batches; b += n) batches.push(b);
      if (batches.length === 0) return;
      const reply = await this.request(worker, { type: "score", epoch: job.epoch, params: job.params, batches });
      if (run !== this.run) throw new Error("a new run started");
      batches.forEach((b, k) => sums.set(reply.sums.subarray(2 * k, 2 * k + 2), 2 * b));
    }));
    return sums;
  }

  // Draws a predictive job (`Session.predictiveJob`) on the first `count` workers: worker i
  // takes the i-th of `count` runs of consecutive passes, so their answers, joined in worker
  // order, are every pass's draws in pass order.
  async draw(job, count = this.workers.length) {
    const run = this.run;
    const used = this.workers.slice(0, Math.max(1, Math.min(count, job.passes)));
    const n = used.length;
    const { params, features, key, samples } = job;
    const replies = await Promise.all(used.map((worker, i) => this.request(worker, {
      type: "draw", params, features, key, samples,
      first: Math.floor((i * job.passes) / n), end: Math.floor(((i + 1) * job.passes) / n),
    })));
    if (run !== this.run) throw new Error("a new run started");
    const draws = new Float32Array(replies.reduce((total, r) => total + r.draws.length, 0));
    let at = 0;
    for (const r of replies) {
      draws.set(r.draws, at);
      at += r.draws.length;
    }
    return draws;
  }
}
