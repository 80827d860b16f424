// Trunk's initializer for the wasm module: the header's progress bar while the module
// downloads, then out of the way. A module that cannot load leaves a sentence saying so.

export default function loading() {
  const line = () => document.getElementById("loading");
  return {
    onStart() {
      line().querySelector("progress").removeAttribute("value");
    },
    onProgress({ current, total }) {
      const el = line();
      if (!total) return;
      el.querySelector("progress").value = Math.round((100 * current) / total);
      el.querySelector("span").textContent = `${(current / 2 ** 20).toFixed(1)} of ${(total / 2 ** 20).toFixed(1)} MB`;
    },
    onSuccess() {
      line().hidden = true;
    },
    onFailure(reason) {
      line().textContent = `The training code could not be loaded (${reason?.message ?? reason}). Reload the page to try again.`;
    },
  };
}
