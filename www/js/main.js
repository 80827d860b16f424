// Entry point: waits for the wasm module Trunk loads, then wires controls, views and player.
import { Controls } from "./controls.js";
import { Views } from "./views.js";
import { Player } from "./player.js";

function bindings() {
  if (window.wasmBindings) return Promise.resolve(window.wasmBindings);
  return new Promise((resolve) =>
    addEventListener("TrunkApplicationStarted", () => resolve(window.wasmBindings), { once: true }),
  );
}

const wasm = await bindings();
const views = new Views(wasm);
const controls = new Controls(wasm, views);
const player = new Player(wasm, views, controls);
views.showStatus("starting");
views.drawPreview(controls.settings());
await player.restart();
