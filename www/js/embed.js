// The page inside a course page: address flags that choose what shows, and a postMessage
// bridge a host page drives it through. README "Embedding" documents both.
//
//   #view=predictive,curves   only these sections (names: VIEWS)
//   #hide=text,controls       hide parts (names: HIDEABLE)
//   #compact                  a tighter layout for a small iframe
//   #autoplay                 start training once the page is ready
//   #origin=https://a.example,https://b.example
//                             host origins (besides the page's own) whose messages are obeyed
//                             and which receive the page's messages
//
// Messages in: { type: "train" | "pause" | "step" | "reset" }, { type: "set", settings } and
// { type: "compare", methods? } (section 12's comparison, of the ticked methods or those named).
// Messages out, each { source: "bbb", type, ... }: ready, status, progress, epoch, done, error,
// backend (a run moved from a lost WebGPU device to the CPU), compare ({ results }: one entry
// per method as the page's compare.json has it), height. A message is obeyed only when it comes from the parent window and from an allowed
// origin; the page posts only to allowed origins, so no other page can read what it says.

export const VIEWS = ["data", "before", "objective", "training", "curves", "diagnostics", "predictive", "regions", "calibration", "weights", "downloads", "compare"];
export const HIDEABLE = ["header", "text", "controls", "settings", "footer"];
const COMMANDS = ["train", "pause", "step", "reset", "set", "compare"];

const list = (value) => value.split(",").map((v) => v.trim()).filter(Boolean);

// An origin as a browser writes it (scheme://host[:port]), or null.
function origin(text) {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === text ? url.origin : null;
  } catch {
    return null;
  }
}

// Reads the flags once, at load. Returns the options and the notes for anything unusable.
export function readEmbedOptions(hash) {
  const params = new URLSearchParams(hash.slice(1));
  const notes = [];
  const pick = (key, allowed) => {
    const asked = params.has(key) ? list(params.get(key)) : [];
    const bad = asked.filter((v) => !allowed.includes(v));
    if (bad.length) notes.push(`The link's ${key}=${bad.join(",").slice(0, 40)} was not used: choose from ${allowed.join(", ")}.`);
    return asked.filter((v) => allowed.includes(v));
  };
  const views = pick("view", VIEWS);
  const hide = pick("hide", HIDEABLE);
  const origins = params.has("origin") ? list(params.get("origin")) : [];
  const allowed = new Set([location.origin]);
  for (const o of origins) {
    if (origin(o)) allowed.add(o);
    else notes.push(`The link's origin=${o.slice(0, 60)} was not used: give an origin such as https://course.example.org (no path).`);
  }
  return {
    views,
    hide,
    compact: params.has("compact"),
    autoplay: params.has("autoplay"),
    origins: allowed,
    notes: notes.join(" "),
  };
}

// Classes on <body> that style.css turns into the chosen layout.
export function applyLayout(options) {
  const body = document.body;
  if (options.views.length) {
    body.classList.add("only-views");
    for (const el of document.querySelectorAll("[data-view]")) {
      el.classList.toggle("shown", options.views.includes(el.dataset.view));
    }
  }
  for (const part of options.hide) body.classList.add(`hide-${part}`);
  body.classList.toggle("compact", options.compact);
  // A cut-down view and a narrow screen show a figure first: the settings wait one click away.
  const narrow = matchMedia("(max-width: 820px)").matches;
  if (options.views.length || options.compact || narrow) document.getElementById("settings-box").open = false;
  const embedded = window.parent !== window;
  // From a cut-down or embedded view, one click opens the whole page with the same run.
  const link = document.getElementById("full-page");
  if (link && (embedded || options.views.length || options.hide.length)) {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const key of ["view", "hide", "compact", "autoplay", "origin"]) params.delete(key);
    link.href = `${location.pathname}#${params}`;
    link.hidden = false;
  }
}

// The bridge to a host page. `player` and `controls` do the work; this only checks and relays.
export class EmbedBridge {
  constructor(options, player, controls, comparison) {
    this.origins = options.origins;
    this.player = player;
    this.controls = controls;
    this.comparison = comparison;
    this.embedded = window.parent !== window;
    if (!this.embedded) return;
    addEventListener("message", (event) => this.receive(event));
    player.onEvent = (type, data) => this.post(type, data);
    let last = 0;
    const height = () => {
      // The content's own height (scrollHeight would never be less than the iframe's).
      const h = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (h !== last) this.post("height", { height: (last = h) });
    };
    new ResizeObserver(height).observe(document.body);
    height();
  }

  post(type, data = {}) {
    if (!this.embedded) return;
    const message = { source: "bbb", type, ...data };
    // A target origin that is not the parent's drops the message: only allowed hosts hear it.
    for (const o of this.origins) window.parent.postMessage(message, o);
  }

  receive(event) {
    if (event.source !== window.parent || !this.origins.has(event.origin)) return;
    const data = event.data;
    if (typeof data !== "object" || data === null || !COMMANDS.includes(data.type)) {
      const type = typeof data?.type === "string" ? data.type.slice(0, 30) : typeof data;
      this.post("error", { message: `Unknown message "${type}": send one of ${COMMANDS.join(", ")}.` });
      return;
    }
    const { player, controls } = this;
    if (data.type === "train") player.play();
    else if (data.type === "pause") player.pause();
    else if (data.type === "step") player.stepEpoch();
    else if (data.type === "reset") player.restart();
    else if (data.type === "compare") {
      this.comparison.start(Array.isArray(data.methods) ? data.methods.map(String) : null)
        .then((results) => results && this.post("compare", { results }));
    } else {
      const faults = controls.apply(data.settings);
      if (Object.keys(faults).length) {
        const words = Object.entries(faults).map(([k, m]) => `${k}: ${m}`).join("; ");
        this.post("error", { message: `Settings not changed (${words}); the current run goes on.`, faults });
      }
    }
  }
}
