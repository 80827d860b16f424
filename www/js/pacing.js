// How the Player paces itself: the slice of work per task, how often each figure redraws, and
// the two ways of handing the main thread back to the browser.

// A slice of work per task, short enough that one stays under 50 ms even when the page's core
// is shared with an evaluation worker (the full preset keeps every core busy).
export const SLICE_MS = 15;
// Redrawing is not free (a full curves redraw is tens of milliseconds on a slow machine), so the
// curves redraw at most this often, and the live predictive, calibration and weights about this
// many times a run (each refresh costs about 0.1 s on the CPU here: the e2e test reports it).
// The progress line updates a few times a second: each update repaints the page. A reader who
// asks for reduced motion gets a calmer page: a quarter of the redraws.
const calm = matchMedia("(prefers-reduced-motion: reduce)").matches;
export const CURVES_EVERY_MS = calm ? 2000 : 500;
export const LIVE_PREDICTIVE_UPDATES = calm ? 2 : 8;
export const PROGRESS_EVERY_MS = calm ? 1000 : 200;

// Yields to the event loop without the ~4 ms clamp of setTimeout or the wait for the next frame.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
export const yieldToBrowser = () => new Promise((resolve) => {
  waiting.push(resolve);
  channel.port2.postMessage(0);
});
export const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

export const ALL_FIGURES = { data: true, curves: true, predictive: true, before: true, calibration: true, weights: true };
// What a new predictive and a new reading of the weights redraw.
export const POSTERIOR_FIGURES = { predictive: true, calibration: true, weights: true };
