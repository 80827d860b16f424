// The form: preset, hyperparameters (checked by the wasm module as you type), backend choice.
// Every setting, the seed included, is mirrored in the URL hash so a link reproduces a run.

const FIELDS = ["kl-weight", "prior-sigma", "mc-elbo", "mc-rmse", "lr", "vi-epochs", "seed"];
// Settings a link may carry that have no field on the page (checked by the wasm module all the same).
const HIDDEN = ["warmup-epochs"];

export class Controls {
  constructor(wasm, views) {
    this.wasm = wasm;
    this.views = views;
    this.form = document.getElementById("settings");
    this.preset = document.getElementById("preset");
    this.backend = document.getElementById("backend-choice");
    this.onChange = () => {};
    this.readHash();
    for (const input of this.inputs()) {
      input.addEventListener("input", () => {
        if (this.check(input) && this.inputs().every((i) => i.getAttribute("aria-invalid") !== "true")) {
          this.views.showMessage("");
        }
      });
      input.addEventListener("change", () => this.commit());
    }
    this.preset.addEventListener("change", () => {
      this.fill(wasm.defaultSettings(this.preset.value));
      this.commit();
    });
    this.backend.addEventListener("change", () => this.commit());
    document.getElementById("new-seed").addEventListener("click", () => {
      try {
        this.input("seed").value = String(wasm.randomSeed());
        this.commit();
      } catch (e) {
        views.showMessage(e.message ?? String(e));
      }
    });
  }

  inputs() {
    return FIELDS.map((name) => this.input(name));
  }

  input(name) {
    return this.form.elements.namedItem(name);
  }

  fill(values) {
    for (const name of FIELDS) this.input(name).value = values[name] ?? "";
    for (const input of this.inputs()) this.check(input);
  }

  readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const preset = params.get("preset") === "full" ? "full" : "quick";
    this.preset.value = preset;
    const backend = params.get("backend");
    if (["auto", "webgpu", "cpu"].includes(backend)) this.backend.value = backend;
    const values = this.wasm.defaultSettings(preset);
    for (const name of FIELDS) if (params.has(name)) values[name] = params.get(name);
    this.fill(values);
    this.hidden = {};
    for (const name of HIDDEN) if (params.has(name)) this.hidden[name] = params.get(name);
  }

  writeHash() {
    const params = new URLSearchParams({ preset: this.preset.value, backend: this.backend.value });
    for (const name of FIELDS) params.set(name, this.input(name).value);
    for (const [name, value] of Object.entries(this.hidden)) params.set(name, value);
    history.replaceState(null, "", "#" + params.toString());
  }

  // Returns true when the field is acceptable; shows the message beside it otherwise.
  check(input) {
    const message = this.wasm.checkSetting(this.preset.value, input.name, input.value);
    const slot = input.parentElement.querySelector(".error");
    slot.textContent = message ?? "";
    input.setAttribute("aria-invalid", message ? "true" : "false");
    return !message;
  }

  valid() {
    return this.inputs().map((i) => this.check(i)).every(Boolean);
  }

  settings() {
    const s = { preset: this.preset.value, ...this.hidden };
    for (const name of FIELDS) s[name] = this.input(name).value;
    return s;
  }

  backendChoice() {
    return this.backend.value;
  }

  commit() {
    if (!this.valid()) {
      this.views.showMessage("Some settings need fixing (see the red notes); the current run goes on unchanged.");
      return;
    }
    this.views.showMessage("");
    this.writeHash();
    this.onChange();
  }
}
