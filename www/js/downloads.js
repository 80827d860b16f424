// Section 11's buttons: the run's history (CSV), its summary (JSON), each figure (PNG) and a
// link that reproduces the run. The numbers come from the wasm module (the same CSV and field
// names as bbb-cli's files); this file only names the files and hands them to the browser.

const $ = (id) => document.getElementById(id);

function save(name, blob) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export class Downloads {
  constructor(player, controls, views) {
    this.player = player;
    this.controls = controls;
    this.views = views;
    $("save-history").addEventListener("click", () => this.history());
    $("save-summary").addEventListener("click", () => this.summary());
    for (const button of document.querySelectorAll("[data-figure]")) {
      button.addEventListener("click", () => this.figure(button.dataset.figure));
    }
    $("copy-link").addEventListener("click", () => this.copyLink());
    $("save-posterior").addEventListener("click", () => this.posterior());
    $("load-posterior").addEventListener("change", (e) => this.load(e.target));
    const showLink = () => ($("run-link").value = location.href);
    addEventListener("hashchange", showLink);
    addEventListener("bbb:link", showLink);
    showLink();
  }

  // Through the player's queue: only one call into the session at a time.
  history() {
    this.player.run(async () => {
      const session = this.player.session;
      if (session) save("history.csv", new Blob([await session.historyCsv()], { type: "text/csv" }));
    });
  }

  summary() {
    this.player.run(async () => {
      const summary = await this.player.session?.summary();
      if (!summary) {
        this.views.showMessage("The summary exists once the run has finished: press Train and wait for \"done\".");
        return;
      }
      const text = JSON.stringify({ ...summary, settings: this.controls.settings(), link: location.href }, null, 2);
      save("summary.json", new Blob([text + "\n"], { type: "application/json" }));
    });
  }

  posterior() {
    this.player.run(async () => {
      const session = this.player.session;
      if (!session || !this.player.done) {
        this.views.showMessage("The posterior can be saved once the run has finished: press Train and wait for \"done\".");
        return;
      }
      try {
        const bytes = await session.posteriorFile();
        save("posterior.safetensors", new Blob([bytes], { type: "application/octet-stream" }));
      } catch (e) {
        this.views.showMessage(e.message ?? String(e));
      }
    });
  }

  // A posterior file chosen by the student: the wasm module checks all of it; a file it
  // refuses leaves the current run as it was.
  async load(input) {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    $("load-note").textContent = "";
    if (file.size > 16 * 1024 * 1024) {
      this.views.showMessage(`${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MB: a posterior file is well under 16 MB. The current run is kept.`);
      return;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const loaded = await this.player.loadPosterior(bytes, file.name);
    if (loaded) $("load-note").textContent = loaded;
  }

  figure(name) {
    const canvas = this.views.canvases[name];
    canvas.toBlob((blob) => {
      if (blob) save(`${name}.png`, blob);
      else this.views.showMessage(`The ${name} figure could not be saved as an image.`);
    }, "image/png");
  }

  async copyLink() {
    $("run-link").value = location.href;
    try {
      await navigator.clipboard.writeText(location.href);
      $("link-note").textContent = "copied";
    } catch {
      // No clipboard (an insecure page, or a frame without the permission): select it instead.
      $("run-link").select();
      $("link-note").textContent = "selected: copy it with Ctrl+C";
    }
  }
}
