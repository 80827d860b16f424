// What a Session answers, shared by the page (session-host.js) and the trainer's worker
// (session-worker.js). See crates/bbb-web/src/session.rs for each call.

// The calls forwarded by name; each resolves to what the Session returns.
export const CALLS = [
  "step", "stepEpoch", "progress", "eta", "metrics", "regions", "describe", "summary",
  "epochsAfter", "settings", "refreshGp", "useWorkers", "evaluationWorkers", "takeEvaluationJob",
  "deliverEvaluation", "startPredictive", "predictiveJob", "deliverPredictive", "predictiveStep",
  "refreshWeights", "resample", "historyCsv", "posteriorFile",
];

// The drawing call for each figure.
export const DRAWS = {
  before: "drawBefore", data: "drawData", curves: "drawCurves",
  predictive: "drawPredictive", calibration: "drawCalibration", weights: "drawWeights",
};

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
