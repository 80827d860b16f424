// Where a run's Session lives. It lives in the trainer's worker (session-worker.js): training,
// predictives and drawing all happen there, on the CPU or on WebGPU (which workers have too), and
// the page's main thread only forwards calls, places the figures that come back as images and
// writes the numbers, so it stays free for the reader even while every core is busy. A browser
// without module workers or OffscreenCanvas, or an address with trainer=page, keeps the Session
// in the page. Both kinds answer the same calls, each returning
// a promise, so the Player does not care which it holds.

import { LOAD_TIMEOUT_MS, moduleUrls } from "./module.js";
import { DRAWS, advance, callsOf, fixed } from "./session-api.js";

// A Session in the page.
class LocalSession {
  constructor(wasm, session) {
    this.wasm = wasm;
    this.session = session;
    this.inWorker = false;
    Object.assign(this, fixed(session));
  }

  // Draws `figures` ({ name: canvas }) onto the page's canvases; resolves to each one's
  // milliseconds.
  async draw(figures) {
    const ms = {};
    for (const [name, canvas] of Object.entries(figures)) {
      const start = performance.now();
      this.session[DRAWS[name]](canvas);
      ms[name] = performance.now() - start;
    }
    return ms;
  }

  // A training call and what follows it (session-api.js).
  advance(call, args, reported) {
    return advance(this.session, call, args, reported);
  }

  // A click on the data figure as new edits (crates/bbb-web/src/edit.rs).
  async editData(...args) {
    return this.wasm.editData(...args);
  }

  free() {
    this.session.free();
  }
}

// A Session in the trainer's worker, known by its number there.
class RemoteSession {
  constructor(worker, id, info) {
    this.worker = worker;
    this.id = id;
    this.inWorker = true;
    Object.assign(this, info);
  }

  // Has the worker draw `figures` ({ name: canvas }) at the canvases' sizes, then shows each
  // image on its canvas; resolves to each figure's drawing time in the worker.
  async draw(figures) {
    const sizes = Object.fromEntries(Object.entries(figures).map(([name, c]) => [name, [c.width, c.height]]));
    const { images, ms } = await this.worker.request({ type: "draw", id: this.id, sizes });
    for (const [name, image] of Object.entries(images)) {
      const canvas = figures[name];
      if (canvas.width === image.width && canvas.height === image.height) {
        canvas.getContext("2d").drawImage(image, 0, 0);
      }
      image.close();
    }
    return ms;
  }

  advance(call, args, reported) {
    return this.worker.request({ type: "advance", id: this.id, call, args, reported });
  }

  editData(...args) {
    return this.worker.request({ type: "edit", args });
  }

  free() {
    this.worker.request({ type: "free", id: this.id }).catch(() => {});
  }
}

// Both kinds answer every call of the module's Session, forwarded by name.
function installCalls(Session) {
  for (const name of callsOf(Session)) {
    LocalSession.prototype[name] ??= async function (...args) {
      return this.session[name](...args);
    };
    RemoteSession.prototype[name] ??= function (...args) {
      return this.worker.request({ type: "call", id: this.id, method: name, args });
    };
  }
}

// The trainer's worker: requests answered in order, each by its number.
class TrainerWorker {
  constructor(worker) {
    this.worker = worker;
    this.nextId = 1;
    this.replies = new Map();
    worker.onmessage = ({ data }) => {
      const reply = this.replies.get(data.id);
      if (!reply) return;
      this.replies.delete(data.id);
      if (data.error !== undefined) reply.reject(new Error(data.error));
      else reply.resolve(data.value);
    };
    worker.onerror = (e) => {
      for (const reply of this.replies.values()) reply.reject(new Error(e.message || "the trainer's worker failed"));
      this.replies.clear();
    };
  }

  request(message, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, reply: id }, transfer);
    });
  }
}

// Starts the trainer's worker with the page's own module (compiled once, posted); null where
// it cannot run here.
async function startWorker(wasm, countSoftwareAdapter) {
  if (typeof Worker === "undefined" || typeof OffscreenCanvas === "undefined" || !wasm.compiled) return null;
  let worker;
  try {
    worker = new Worker(new URL("./session-worker.js", import.meta.url), { type: "module" });
    const trainer = new TrainerWorker(worker);
    const { glue } = await moduleUrls(wasm.moduleKind);
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error("loading the trainer's worker took too long")), LOAD_TIMEOUT_MS));
    await Promise.race([trainer.request({ type: "load", glue, module: wasm.compiled, countSoftwareAdapter }), timeout]);
    return trainer;
  } catch (e) {
    worker?.terminate();
    console.warn("the trainer's worker is unavailable; training in the page:", e);
    return null;
  }
}

export class SessionHost {
  // `place`: "worker" (the default) or "page" (the address's trainer=page);
  // `countSoftwareAdapter`: the address's adapter=any (module-rule.js).
  constructor(wasm, place, countSoftwareAdapter) {
    this.wasm = wasm;
    this.place = place;
    this.countSoftwareAdapter = countSoftwareAdapter;
    this.worker = null; // started with the first run
    installCalls(wasm.Session);
  }

  // The worker runs train in, or null for the page.
  workerFor() {
    if (this.place === "page") return null;
    this.worker ??= startWorker(this.wasm, this.countSoftwareAdapter);
    return this.worker;
  }

  // A new run (Session.create), in the worker or in the page.
  async create(settings, backend) {
    const worker = await this.workerFor();
    if (!worker) return new LocalSession(this.wasm, await this.wasm.Session.create(settings, backend));
    const { id, info } = await worker.request({ type: "create", settings, backend });
    return new RemoteSession(worker, id, info);
  }

  // A saved posterior (Session.fromPosterior), in the worker or in the page.
  async fromPosterior(bytes, backend) {
    const worker = await this.workerFor();
    if (!worker) return new LocalSession(this.wasm, await this.wasm.Session.fromPosterior(bytes, backend));
    const { id, info } = await worker.request({ type: "load-posterior", bytes, backend });
    return new RemoteSession(worker, id, info);
  }
}
