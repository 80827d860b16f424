// What a Session answers, shared by the page (session-host.js) and the trainer's worker
// (session-worker.js). See crates/bbb-web/src/session.rs for each call.

// The drawing call for each figure.
export const DRAWS = {
  before: "drawBefore", data: "drawData", curves: "drawCurves",
  predictive: "drawPredictive", calibration: "drawCalibration", weights: "drawWeights",
};

// The calls forwarded by name, each resolving to what the Session returns: every method
// wasm-bindgen generated on the Session class (crates/bbb-web/src/session*.rs), less the
// drawing calls (answered with images: DRAWS), `free` (each side frees its own) and the glue's
// own `__` helpers.
export function callsOf(Session) {
  const proto = Session.prototype;
  const drawing = new Set(Object.values(DRAWS));
  return Object.getOwnPropertyNames(proto).filter((name) => {
    const { value } = Object.getOwnPropertyDescriptor(proto, name);
    const own = name === "constructor" || name === "free" || name.startsWith("__");
    return typeof value === "function" && !own && !drawing.has(name);
  });
}

// What never changes during a run, read once when it starts.
const FIXED = ["backend", "backendLabel", "note", "race", "gpShown", "liveViews"];

export function fixed(session) {
  return Object.fromEntries(FIXED.map((name) => [name, session[name]]));
}

// One training call (`step` or `stepEpoch`) and what the page needs after it, in one answer:
// where the run stands, the evaluation jobs it left for the workers and, when an epoch ended,
// the metrics and the epochs after `reported`.
export async function advance(session, call, args, reported) {
  const progress = await session[call](...args);
  const jobs = [];
  for (let job = session.takeEvaluationJob(); job; job = session.takeEvaluationJob()) jobs.push(job);
  const answer = { progress, jobs };
  if (progress.epochDone) {
    answer.metrics = session.metrics();
    answer.epochs = session.epochsAfter(reported);
  }
  return answer;
}
