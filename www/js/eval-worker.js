// One evaluation worker. It starts the page's CPU wasm module (the page sends the glue's address
// and the module, compiled once for all the workers) and, for each run, an EvalWorker made from
// the run's settings; then it scores the batches of each epoch's evaluation job that the page
// sends it, and draws its share of the passes of each predictive; or it runs one method of the
// comparison (section 12) and draws its panel. Messages are handled one after
// another, so a new run's settings never arrive while a batch of the last run is being scored.

let bindings = null;
let evaluator = null;
let queue = Promise.resolve();

async function handle(data) {
  switch (data.type) {
    case "load":
      bindings = await import(data.glue);
      await bindings.default({ module_or_path: data.module });
      return {};
    case "configure":
      evaluator?.free();
      evaluator = null;
      evaluator = new bindings.EvalWorker(data.settings);
      return { batches: evaluator.batches };
    case "score": {
      // Every batch asked for in one call (one model built): two numbers each, in that order.
      return { sums: await evaluator.score(data.epoch, data.params, Uint32Array.from(data.batches)) };
    }
    case "draw": {
      const draws = await evaluator.draw(data.params, data.features, data.key, data.samples, data.first, data.end);
      return { draws };
    }
    case "meter":
      // The gradient meter at the run's final weights (section 4).
      return { values: evaluator.gradientVariance(data.params, data.epochs) };
    case "compare": {
      // One method of the comparison: run, its panel drawn into the canvas handed over.
      return { result: await bindings.compareMethod(data.settings, data.name, data.canvas) };
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
