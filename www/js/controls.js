// The form, built from the settings table the wasm module hands over: the preset, the backend and
// one field per setting the page shows. Every setting, shown or not, may come from the address
// (#preset=quick&kl-weight=0.001…), and a committed form is written back there, so a link
// reproduces a run. The wasm module checks every value; this file only places its messages.

const $ = (id) => document.getElementById(id);
const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function fillSelect(select, entries) {
  select.replaceChildren(...entries.map(({ name, label }) => new Option(label, name)));
}

function field(setting) {
  const label = document.createElement("label");
  const unit = setting.unit ? ` ${setting.unit}` : "";
  const choice = setting.kind === "choice";
  label.title = choice
    ? setting.help
    : `${setting.help}: ${setting.minExclusive ? "above " : ""}${setting.min} to ${setting.max}${unit}`;
  const input = document.createElement(choice ? "select" : "input");
  input.name = setting.name;
  if (choice) fillSelect(input, setting.choices.map((name) => ({ name, label: name })));
  else input.inputMode = setting.kind === "whole" ? "numeric" : "decimal";
  input.setAttribute("aria-describedby", `error-${setting.name}`);
  const error = document.createElement("small");
  error.className = "error";
  error.id = `error-${setting.name}`;
  label.append(`${capitalised(setting.label)} `, input, error);
  return label;
}

export class Controls {
  constructor(wasm, views) {
    this.wasm = wasm;
    this.views = views;
    this.table = wasm.settingsTable();
    this.form = $("settings");
    this.preset = $("preset");
    this.backend = $("backend-choice");
    fillSelect(this.preset, wasm.presetList());
    fillSelect(this.backend, wasm.backendList());
    this.shown = this.table.filter((s) => s.onPage).map((s) => s.name);
    // A person's added and removed points ride in the address beside the settings.
    this.editKeys = wasm.editKeys();
    for (const s of this.table.filter((s) => s.onPage)) this.form.append(field(s));
    this.addSeedButton();
    this.onChange = () => {};
    this.readHash();
    for (const input of this.inputs()) {
      input.addEventListener("input", () => this.check());
      input.addEventListener("change", () => this.commit());
    }
    this.preset.addEventListener("change", () => {
      this.fill(wasm.defaultSettings(this.preset.value));
      this.commit();
    });
    this.backend.addEventListener("change", () => this.commit());
    // A guided experiment's link changes only the address: read it as a new one.
    addEventListener("hashchange", () => {
      this.readHash();
      this.commit();
    });
  }

  // The points a person added or removed (from a click on the data figure).
  setEdits(edits) {
    for (const key of this.editKeys) {
      if (edits[key]) this.hidden[key] = edits[key];
      else delete this.hidden[key];
    }
    this.commit();
  }

  hasEdits() {
    return this.editKeys.some((key) => key in this.hidden);
  }

  // Back to the scenario's own points.
  resetData() {
    this.setEdits({});
  }

  addSeedButton() {
    const seed = this.input("seed");
    if (!seed) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = "new";
    button.title = "draw a fresh random seed";
    button.addEventListener("click", () => {
      try {
        seed.value = String(this.wasm.randomSeed());
        this.commit();
      } catch (e) {
        this.views.showMessage(e.message ?? String(e));
      }
    });
    seed.parentElement.append(button);
  }

  inputs() {
    return this.shown.map((name) => this.input(name));
  }

  input(name) {
    return this.form.elements.namedItem(name);
  }

  fill(values) {
    for (const name of this.shown) this.input(name).value = values[name] ?? "";
    this.check();
  }

  // Settings from the address: known keys fill the form (shown) or ride along (hidden); a hidden
  // value that cannot be used is dropped with a message, as is an unknown key.
  readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const names = new Set([...this.table.map((s) => s.name), ...this.editKeys]);
    const notes = [];
    const presets = [...this.preset.options].map((o) => o.value);
    const preset = params.get("preset") ?? "quick";
    if (!presets.includes(preset)) notes.push(`The link's preset "${preset}" is unknown; using quick.`);
    this.preset.value = presets.includes(preset) ? preset : "quick";
    const backend = params.get("backend");
    if ([...this.backend.options].some((o) => o.value === backend)) this.backend.value = backend;
    // The page's own keys (where it trains, its workers, the adapter rule, how an embedding page
    // shows it): their names, values and messages come from the wasm module (address.rs).
    const options = this.wasm.pageOptions();
    const option = (key) => {
      const v = params.get(key);
      if (v === null) return null;
      const why = this.wasm.checkPageOption(key, v);
      if (why) notes.push(`The link's ${key}=${v.slice(0, 20)} was not used: ${why}.`);
      return why ? null : v;
    };
    this.trainer = option("trainer") ?? "worker";
    const workers = option("workers");
    this.workers = workers === null ? null : Number(workers);
    this.raceAnyAdapter = option("adapter") === "any";
    const lose = option("lose-webgpu");
    this.loseWebGpuAfter = lose === null ? null : Number(lose);
    // Those an embedding page reads (embed.js), kept in the address as the link gave them.
    const carried = options.filter((o) => o.carried).map((o) => o.name);
    this.pageOptions = [...params].filter(([key]) => carried.includes(key) && (key !== "adapter" || this.raceAnyAdapter));
    const pageKeys = new Set(options.map((o) => o.name));
    const values = this.wasm.defaultSettings(this.preset.value);
    this.hidden = {};
    for (const [key, value] of params) {
      if (key === "preset" || key === "backend" || pageKeys.has(key)) continue;
      if (!names.has(key)) notes.push(`The link's "${key}" is not a setting and was ignored.`);
      else if (this.shown.includes(key)) values[key] = value;
      else this.hidden[key] = value;
    }
    const faults = this.wasm.checkSettings({ preset: this.preset.value, ...this.hidden });
    for (const [key, message] of Object.entries(faults)) {
      if (this.editKeys.includes(key)) {
        notes.push(`The link's point data were not used (${message}); these are the scenario's own points.`);
        for (const k of this.editKeys) delete this.hidden[k];
      } else if (key in this.hidden) {
        notes.push(`The link's ${key}=${this.hidden[key].slice(0, 40)} was not used: ${message}.`);
        delete this.hidden[key];
      }
    }
    this.fill(values);
    this.linkNotes = notes.join(" ");
    if (this.linkNotes) this.views.showMessage(this.linkNotes);
  }

  // Settings sent by a host page (`{ preset?, backend?, <setting>: value }`): checked as a whole
  // first; on any fault nothing changes and the faults come back (name → message).
  apply(changes) {
    if (typeof changes !== "object" || changes === null || Array.isArray(changes)) {
      return { settings: "send the settings as an object of names and values" };
    }
    const names = new Set([...this.table.map((s) => s.name), ...this.editKeys]);
    const faults = {};
    for (const key of Object.keys(changes)) {
      if (key !== "preset" && key !== "backend" && !names.has(key)) faults[key] = "not a setting";
    }
    const presets = [...this.preset.options].map((o) => o.value);
    const backends = [...this.backend.options].map((o) => o.value);
    const text = (v) => (typeof v === "number" || typeof v === "string" ? String(v) : null);
    const preset = changes.preset === undefined ? this.preset.value : text(changes.preset);
    if (!presets.includes(preset)) faults.preset = `choose one of ${presets.join(", ")}`;
    if (changes.backend !== undefined && !backends.includes(text(changes.backend))) {
      faults.backend = `choose one of ${backends.join(", ")}`;
    }
    if (Object.keys(faults).length) return faults;
    // A new preset starts from its own values; otherwise from the form as it stands.
    const next = preset === this.preset.value ? this.settings() : { ...this.wasm.defaultSettings(preset), ...this.hidden };
    next.preset = preset;
    for (const [key, value] of Object.entries(changes)) {
      if (key === "preset" || key === "backend") continue;
      const t = text(value);
      if (t === null) faults[key] = "give a number or a word";
      else next[key] = t;
    }
    if (Object.keys(faults).length) return faults;
    const checked = this.wasm.checkSettings(next);
    if (Object.keys(checked).length) return checked;
    this.preset.value = preset;
    if (changes.backend !== undefined) this.backend.value = text(changes.backend);
    for (const key of Object.keys(changes)) {
      if (key !== "preset" && key !== "backend" && !this.shown.includes(key)) this.hidden[key] = next[key];
    }
    this.fill(next);
    this.commit();
    return {};
  }

  // Shows the settings of a run that did not start from the form (a loaded posterior): the
  // form and the address follow without starting a new run.
  show(settings) {
    const preset = settings.preset ?? "quick";
    this.preset.value = preset;
    const defaults = this.wasm.defaultSettings(preset);
    this.hidden = {};
    for (const [key, value] of Object.entries(settings)) {
      if (key !== "preset" && !this.shown.includes(key) && value !== defaults[key]) this.hidden[key] = value;
    }
    this.fill({ ...defaults, ...settings });
    this.started();
    this.writeHash();
  }

  // Only what differs from the preset goes into the address, so links stay short.
  writeHash() {
    const params = new URLSearchParams({ preset: this.preset.value, backend: this.backend.value });
    const defaults = this.wasm.defaultSettings(this.preset.value);
    for (const name of this.shown) {
      const value = this.input(name).value.trim();
      if (value !== defaults[name]) params.set(name, value);
    }
    for (const [name, value] of Object.entries(this.hidden)) params.set(name, value);
    if (this.workers !== null) params.set("workers", String(this.workers));
    if (this.trainer !== "worker") params.set("trainer", this.trainer);
    for (const [key, value] of this.pageOptions) params.set(key, value);
    history.replaceState(null, "", "#" + params.toString());
    dispatchEvent(new Event("bbb:link"));
  }

  // Checks the whole form in the wasm module and shows each message beside its field.
  // Returns true when every setting is acceptable.
  check() {
    const faults = this.wasm.checkSettings(this.settings());
    for (const input of this.inputs()) {
      const message = faults[input.name] ?? "";
      input.parentElement.querySelector(".error").textContent = message;
      input.setAttribute("aria-invalid", message ? "true" : "false");
    }
    // A message beside a field is seen: the settings open when they were folded away.
    if (Object.keys(faults).some((name) => this.shown.includes(name))) $("settings-box").open = true;
    const elsewhere = Object.entries(faults).filter(([name]) => !this.shown.includes(name));
    const ok = Object.keys(faults).length === 0;
    if (elsewhere.length) this.views.showMessage(elsewhere.map(([, m]) => m).join("; "));
    else if (ok && this.views.message() !== this.linkNotes) this.views.showMessage("");
    return ok;
  }

  settings() {
    const s = { preset: this.preset.value, ...this.hidden };
    for (const name of this.shown) s[name] = this.input(name).value;
    return s;
  }

  backendChoice() {
    return this.backend.value;
  }

  // Where the address asks runs to train: "worker" or "page".
  trainerChoice() {
    return this.trainer;
  }

  // Evaluation workers the address asks for (0 for none), or null for the default.
  workerChoice() {
    return this.workers;
  }

  // A valid form that differs from the running one starts a new run; putting a value back
  // as it was keeps the run going.
  commit() {
    // Removed points are numbered within the scenario's data: a new scenario or seed may leave
    // them meaningless, so they are cleared (with a word) rather than block the change.
    const faults = this.wasm.checkSettings(this.settings());
    if (this.editKeys.some((key) => key in faults) && this.hasEdits()) {
      for (const key of this.editKeys) delete this.hidden[key];
      this.linkNotes = "Your added and removed points did not fit the new data and were cleared.";
      this.views.showMessage(this.linkNotes);
    }
    if (!this.check()) {
      this.views.showMessage("Some settings need fixing (see the red notes); the current run goes on unchanged.");
      return;
    }
    // What the link or the clearing of points said stays in view once; anything older goes.
    this.views.showMessage(this.linkNotes);
    this.linkNotes = "";
    const key = JSON.stringify([this.settings(), this.backendChoice()]);
    if (key === this.committed) return;
    this.committed = key;
    this.writeHash();
    // WebGPU and ndarray live in the whole module: a page that loaded the CPU-only one starts
    // again from the address (which now holds every setting) to load it.
    if (!this.wasm.backendInModule(this.backendChoice())) {
      this.views.showMessage("Loading the module with WebGPU and ndarray…");
      location.reload();
      return;
    }
    this.onChange();
  }

  // What the run now starting was made from (the Player calls this on every start).
  started() {
    this.committed = JSON.stringify([this.settings(), this.backendChoice()]);
  }
}
