// One evaluation worker. It loads the page's own wasm module (the addresses come from the page)
// and, for each run, an EvalWorker made from the run's settings; then it scores the batches of
// each epoch's evaluation job that the page sends. Messages are handled one after another, so a
// new run's settings never arrive while a batch of the last run is being scored.

let bindings = null;
let evaluator = null;
let job = null;
let queue = Promise.resolve();

async function handle(data) {
  switch (data.type) {
    case "load":
      bindings = await import(data.glue);
      await bindings.default({ module_or_path: data.wasm });
      return {};
    case "configure":
      evaluator?.free();
      evaluator = null;
      job = null;
      evaluator = new bindings.EvalWorker(data.settings);
      return { batches: evaluator.batches };
    case "job":
      job = { epoch: data.epoch, params: data.params };
      return {};
    case "score":
      return { sums: await evaluator.score(job.epoch, job.params, data.from, data.to) };
    default:
      throw new Error(`unknown message ${data.type}`);
  }
}

onmessage = ({ data }) => {
  queue = queue.then(async () => {
    try {
      postMessage({ id: data.id, ...(await handle(data)) });
    } catch (e) {
      postMessage({ id: data.id, error: e?.message ?? String(e) });
    }
  });
};
