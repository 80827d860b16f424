// The trainer's worker. It starts the page's wasm module (the page sends the glue's address and
// the compiled module) and holds the runs' Sessions: it trains them, answers every call the page
// forwards (session-host.js), and draws the figures on off-screen canvases, sending each back as
// an image. Messages are handled one after another, in the order they came.

import { DRAWS, advance, callsOf, fixed } from "./session-api.js";

let bindings = null;
let calls = new Set(); // the Session's calls, once the module is loaded
const sessions = new Map();
let nextSession = 1;
// One off-screen canvas per figure, reused from one drawing to the next.
const canvases = new Map();
let queue = Promise.resolve();

function keep(session) {
  const id = nextSession++;
  sessions.set(id, session);
  return { value: { id, info: fixed(session) } };
}

function session(id) {
  const s = sessions.get(id);
  if (!s) throw new Error("this run has ended");
  return s;
}

// Draws each figure of `sizes` ({ name: [width, height] }) and hands it over as an image.
function draw(s, sizes) {
  const images = {};
  const ms = {};
  for (const [name, [width, height]] of Object.entries(sizes)) {
    let canvas = canvases.get(name);
    if (!canvas) canvases.set(name, (canvas = new OffscreenCanvas(width, height)));
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const start = performance.now();
    s[DRAWS[name]](canvas);
    ms[name] = performance.now() - start;
    images[name] = canvas.transferToImageBitmap();
  }
  return { value: { images, ms }, transfer: Object.values(images) };
}

async function handle(data) {
  switch (data.type) {
    case "load":
      bindings = await import(data.glue);
      await bindings.default({ module_or_path: data.module });
      bindings.countSoftwareAdapter(data.countSoftwareAdapter);
      calls = new Set(callsOf(bindings.Session));
      return {};
    case "create":
      return keep(await bindings.Session.create(data.settings, data.backend));
    case "load-posterior":
      return keep(await bindings.Session.fromPosterior(data.bytes, data.backend));
    case "call":
      if (!calls.has(data.method)) throw new Error(`unknown call ${data.method}`);
      return { value: await session(data.id)[data.method](...data.args) };
    case "advance":
      if (data.call !== "step" && data.call !== "stepEpoch") throw new Error(`unknown call ${data.call}`);
      return { value: await advance(session(data.id), data.call, data.args, data.reported) };
    case "draw":
      return draw(session(data.id), data.sizes);
    case "edit":
      return { value: bindings.editData(...data.args) };
    case "free":
      session(data.id).free();
      sessions.delete(data.id);
      return {};
    default:
      throw new Error(`unknown message ${data.type}`);
  }
}

onmessage = ({ data }) => {
  queue = queue.then(async () => {
    try {
      const { value, transfer = [] } = await handle(data);
      postMessage({ id: data.reply, value }, transfer);
    } catch (e) {
      postMessage({ id: data.reply, error: e?.message ?? String(e) });
    }
  });
};
