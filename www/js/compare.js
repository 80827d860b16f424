// Section 12, "Is the band right?": every chosen method of the comparison runs on the page's
// settings in two workers of its own (the CPU module), never while the main run trains; each
// fills its panel (drawn by the worker into an OffscreenCanvas) and its rows of the table as it
// finishes. It starts from its button, from a guided link (once the link's run is set up), or
// by itself once the main run has finished and the section is on screen. The numbers, the
// files' text and the sentences come from Rust; this file only schedules and shows them.

import { EvalWorkers } from "./workers.js";

const fmt = (v, digits = 3) => (v === null || v === undefined ? "—" : Number(v).toFixed(digits));

export class Comparison {
  constructor(wasm, player, controls) {
    this.wasm = wasm;
    this.player = player;
    this.controls = controls;
    this.pool = null;
    this.generation = 0;
    this.results = [];
    this.root = document.querySelector('[data-view="compare"]');
    this.choices = this.root.querySelector('[data-testid="compare-methods"]');
    this.panels = this.root.querySelector(".compare-panels");
    this.body = this.root.querySelector('[data-testid="compare-table"] tbody');
    this.status = this.root.querySelector('[data-testid="compare-status"]');
    for (const name of wasm.compareNames()) {
      const label = document.createElement("label");
      label.innerHTML = `<input type="checkbox" value="${name}"> ${name}`;
      this.choices.append(label);
    }
    this.tick();
    this.button = this.root.querySelector('[data-testid="compare-run"]');
    this.button.addEventListener("click", () => this.start());
    this.root.querySelector('[data-testid="compare-json"]').addEventListener("click", () => this.download("json"));
    this.root.querySelector('[data-testid="compare-csv"]').addEventListener("click", () => this.download("csv"));
    this.widening = this.root.querySelector('[data-testid="compare-widening"]');
    // A guided link sets up its run through the address; the comparison starts once that run
    // is ready (at once when the address already is the link's).
    for (const link of this.root.querySelectorAll("a[data-compare]")) {
      link.addEventListener("click", (e) => {
        if (link.hash === location.hash) {
          e.preventDefault();
          this.start();
        } else {
          this.afterLink = true;
        }
      });
    }
    // On screen: the button is (the section itself is taller than a phone's screen).
    this.visible = false;
    new IntersectionObserver(([seen]) => {
      this.visible = seen.isIntersecting;
      this.startIfDue();
    }).observe(this.button);
  }

  // The main run's new session is ready: a guided link's comparison starts now.
  restarted() {
    this.due = false;
    if (!this.afterLink) return;
    this.afterLink = false;
    this.start();
  }

  // The main run has finished: the comparison starts once the section is on screen.
  mainRunDone() {
    this.due = true;
    this.startIfDue();
  }

  startIfDue() {
    if (!this.due || !this.visible) return;
    this.due = false;
    this.start();
  }

  chosen() {
    return [...this.choices.querySelectorAll("input:checked")].map((i) => i.value);
  }

  // Ticks the methods the rule gives for the page's settings (HMC only on a small network),
  // once per change of the settings: a reader's own ticks stay until then.
  tick() {
    const settings = this.controls.settings();
    const key = JSON.stringify(settings);
    if (key === this.tickedFor) return;
    let ticked = [];
    try {
      ticked = this.wasm.compareTicked(settings);
    } catch {
      return;
    }
    this.tickedFor = key;
    for (const input of this.choices.querySelectorAll("input")) input.checked = ticked.includes(input.value);
  }

  // Stops a comparison in progress (a run starts or trains); new settings tick their methods.
  stop() {
    this.generation++;
    this.pool?.terminate();
    this.pool = null;
    this.tick();
  }

  // Runs the chosen methods (or `only`, those of them that are names) on the settings of the
  // page's run, the main run paused first; resolves to the results, or null when stopped.
  async start(only = null) {
    this.stop();
    this.due = false;
    const gen = this.generation;
    this.player.pause();
    const settings = this.controls.settings();
    if (only) {
      for (const input of this.choices.querySelectorAll("input")) input.checked = only.includes(input.value);
    }
    const names = this.chosen();
    this.results = [];
    delete this.root.dataset.done;
    this.widening.textContent = "";
    this.body.replaceChildren();
    this.panels.replaceChildren();
    if (names.length === 0) {
      this.say("Tick at least one method.");
      return null;
    }
    this.order = new Map(names.map((n, i) => [n, i]));
    const cells = new Map(names.map((name) => [name, this.panel(name)]));
    this.say(`Running ${names.join(", ")} on the CPU in the background …`);
    const pool = await EvalWorkers.start(Math.min(2, names.length));
    if (gen !== this.generation) {
      pool?.terminate();
      return null;
    }
    if (!pool) {
      this.say("The comparison needs Web Workers, which this browser refused.");
      return null;
    }
    this.pool = pool;
    const queue = [...names];
    const started = performance.now();
    await Promise.all(pool.workers.map(async (worker) => {
      while (queue.length > 0 && gen === this.generation) {
        const name = queue.shift();
        const { figure, canvas } = cells.get(name);
        figure.querySelector("figcaption").textContent = `${name}: running …`;
        const offscreen = canvas.transferControlToOffscreen();
        try {
          const { result } = await pool.request(worker, { type: "compare", settings, name, canvas: offscreen }, [offscreen]);
          if (gen !== this.generation) return;
          this.show(result, figure, canvas);
          this.root.dataset.finished = String(this.results.length);
        } catch (e) {
          if (gen !== this.generation) return;
          figure.querySelector("figcaption").textContent = `${name}: ${e.message ?? e}`;
        }
      }
    }));
    if (gen !== this.generation) return null;
    // The workers stay until the next start or stop: a worker's OffscreenCanvas shows its
    // last frame only after the task that drew it ends, which terminating now would cut off.
    this.results.sort((a, b) => this.order.get(a.name) - this.order.get(b.name));
    this.say(`Done: ${this.results.length} of ${names.length} methods in ${fmt((performance.now() - started) / 1000, 1)} s.`);
    const entries = this.exported();
    this.widening.textContent = this.wasm.compareWidening(entries);
    this.root.dataset.done = "true";
    return entries;
  }

  // The results as bbb-cli compare writes compare.json: one entry per method, then the GP.
  exported() {
    return this.results.map((r) => r.entry);
  }

  say(text) {
    this.status.textContent = text;
  }

  panel(name) {
    const figure = document.createElement("figure");
    figure.dataset.method = name;
    const canvas = document.createElement("canvas");
    canvas.width = 520;
    canvas.height = 330;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${name}: not run yet`);
    const caption = document.createElement("figcaption");
    caption.textContent = `${name}: waiting`;
    figure.append(canvas, caption);
    this.panels.append(figure);
    return { figure, canvas };
  }

  show(r, figure, canvas) {
    this.results.push(r);
    figure.querySelector("figcaption").textContent = r.sentence;
    canvas.setAttribute("aria-label", r.sentence);
    if (r.mixing) {
      const p = document.createElement("p");
      p.className = "dim";
      p.dataset.testid = "compare-mixing";
      p.textContent = r.mixing;
      figure.append(p);
    }
    // compare.json's entry: its regions in the table's order, null where no test point lies.
    const { regions, cost } = r.entry;
    const rows = Object.entries(regions).filter(([, g]) => g !== null).map(([region, g]) => {
      const tr = document.createElement("tr");
      tr.dataset.method = r.name;
      tr.innerHTML = `<th>${r.name}</th><td>${region}</td><td>${g.points}</td><td>${fmt(g.doubt_width_95)}</td>` +
        `<td>${fmt(g.total_width_95)}</td><td>${fmt(g.coverage_95, 2)}</td><td>${fmt(g.rmse, 4)}</td><td>${fmt(g.nll)}</td>` +
        `<td>${fmt(g.crps, 4)}</td><td>${fmt(cost.seconds, 1)}</td><td>${cost.parameters}</td><td>${fmt(cost.gradient_evaluations, 0)}</td>`;
      return tr;
    });
    // The table keeps the methods' order, whichever finishes first.
    const after = [...this.body.children].find((tr) => this.order.get(tr.dataset.method) > this.order.get(r.name));
    for (const tr of rows) this.body.insertBefore(tr, after ?? null);
  }

  download(kind) {
    if (this.results.length === 0) return this.say("Run the comparison first.");
    const text = kind === "json" ? JSON.stringify(this.exported(), null, 2) : this.csv();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: kind === "json" ? "application/json" : "text/csv" }));
    a.download = `compare.${kind}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  csv() {
    return `${this.wasm.compareCsvHeader()}\n${this.results.map((r) => r.csv).join("")}`;
  }
}
