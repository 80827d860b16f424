// Entry point: loads the wasm module this visit needs (module.js), then wires controls, views,
// player, the downloads and (inside a course page) the embedding bridge.
import { Controls } from "./controls.js";
import { Views } from "./views.js";
import { Player } from "./player.js";
import { Downloads } from "./downloads.js";
import { Comparison } from "./compare.js";
import { EmbedBridge, applyLayout, readEmbedOptions } from "./embed.js";
import { loadModule, neededModule } from "./module.js";

const embed = readEmbedOptions(location.hash);
applyLayout(embed);
const wasm = await loadModule(await neededModule(location.hash));
const views = new Views(wasm);
const controls = new Controls(wasm, views);
if (embed.notes) {
  controls.linkNotes = [controls.linkNotes, embed.notes].filter(Boolean).join(" ");
  views.showMessage(controls.linkNotes);
}
wasm.countSoftwareAdapter(controls.raceAnyAdapter);
const player = new Player(wasm, views, controls);
new Downloads(player, controls, views);
const comparison = new Comparison(wasm, player, controls);
player.beforeTraining = () => comparison.stop();
player.afterRestart = () => comparison.restarted();
player.afterDone = () => comparison.mainRunDone();
new EmbedBridge(embed, player, controls, comparison);
views.showStatus("starting");
views.drawPreview(controls.settings());
await player.restart();
if (embed.autoplay) player.play();
