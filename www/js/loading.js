// The header's loading line: a progress bar while the wasm module downloads (www/js/module.js),
// then out of the way. A module that cannot load leaves a sentence saying so.

const MB = 2 ** 20;

export class Loading {
  constructor() {
    this.line = document.getElementById("loading");
    this.bar = this.line.querySelector("progress");
    this.words = this.line.querySelector("span");
  }

  start(kind, total) {
    this.total = total;
    this.bar.value = 0;
    this.line.dataset.module = kind;
  }

  progress(current) {
    if (!this.total) return;
    // The total is the uncompressed size and the count is of uncompressed bytes, whatever the
    // server's compression.
    this.bar.value = Math.min(100, Math.round((100 * current) / this.total));
    this.words.textContent = `${(current / MB).toFixed(1)} of ${(this.total / MB).toFixed(1)} MB`;
  }

  done() {
    this.line.hidden = true;
  }

  failed(reason) {
    this.line.hidden = false;
    this.line.textContent = `The training code could not be loaded (${reason?.message ?? reason}). Reload the page to try again.`;
  }
}
