// Entry point: waits for the wasm module Trunk loads, then wires controls, views, player, the
// downloads and (inside a course page) the embedding bridge.
import { Controls } from "./controls.js";
import { Views } from "./views.js";
import { Player } from "./player.js";
import { Downloads } from "./downloads.js";
import { EmbedBridge, applyLayout, readEmbedOptions } from "./embed.js";

function bindings() {
  if (window.wasmBindings) return Promise.resolve(window.wasmBindings);
  return new Promise((resolve) =>
    addEventListener("TrunkApplicationStarted", () => resolve(window.wasmBindings), { once: true }),
  );
}

const embed = readEmbedOptions(location.hash);
applyLayout(embed);
const wasm = await bindings();
const views = new Views(wasm);
const controls = new Controls(wasm, views);
if (embed.notes) {
  controls.linkNotes = [controls.linkNotes, embed.notes].filter(Boolean).join(" ");
  views.showMessage(controls.linkNotes);
}
wasm.countSoftwareAdapter(controls.raceAnyAdapter);
const player = new Player(wasm, views, controls);
new Downloads(player, controls, views);
new EmbedBridge(embed, player, controls);
views.showStatus("starting");
views.drawPreview(controls.settings());
await player.restart();
if (embed.autoplay) player.play();
