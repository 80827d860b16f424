// One evaluation worker. It loads the page's own wasm module (the addresses come from the page)
// and, for each run, an EvalWorker made from the run's settings; then it scores the batches of
// each epoch's evaluation job that the page sends it. Messages are handled one after another, so a
// new run's settings never arrive while a batch of the last run is being scored.

let bindings = null;
let evaluator = null;
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
      evaluator = new bindings.EvalWorker(data.settings);
      return { batches: evaluator.batches };
    case "score": {
      // One batch at a time, each answer two numbers, in the order asked.
      const sums = [];
      for (const b of data.batches) sums.push(await evaluator.score(data.epoch, data.params, b, b + 1));
      return { sums };
    }
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
