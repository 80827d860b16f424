// The data figure under the mouse and the keyboard: a click adds a point, a right-click removes
// the nearest one, and the arrow keys move a cross that Enter and Delete act at. The wasm module
// reads the position; the new edits make a new run. Methods of the Player (player.js).

// How far one arrow key moves the data figure's keyboard cross (a share of the figure).
const CURSOR_STEP = 0.02;

export const dataFigure = {
  // New data make a new run; one that was training goes on training.
  editData(change) {
    this.resumeAfterRestart = this.activeSince !== null;
    change();
  },

  // The module that drew the data figure last reads the click: the run's, or the page's preview.
  async clickData(event, remove) {
    let edits;
    try {
      const canvas = this.views.canvases.data;
      const args = [this.controls.settings(), canvas.width, canvas.height, canvas.clientWidth, event.offsetX, event.offsetY, remove];
      edits = await (this.session ? this.session.editData(...args) : this.wasm.editData(...args));
    } catch (e) {
      this.views.showMessage(e.message ?? String(e));
      return;
    }
    this.editData(() => this.controls.setEdits(edits));
  },

  // The data figure from the keyboard: arrows move a cross, Enter (or Space) adds a point under
  // it, Delete (or Backspace) removes the nearest one. The wasm module reads the position.
  dataKey(event) {
    const canvas = this.views.canvases.data;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    this.cursor ??= { x: w / 2, y: h / 2 };
    const step = (event.shiftKey ? 5 : 1) * CURSOR_STEP;
    const moves = { ArrowLeft: [-step * w, 0], ArrowRight: [step * w, 0], ArrowUp: [0, -step * h], ArrowDown: [0, step * h] };
    if (event.key in moves) {
      const [dx, dy] = moves[event.key];
      this.cursor = { x: Math.min(w, Math.max(0, this.cursor.x + dx)), y: Math.min(h, Math.max(0, this.cursor.y + dy)) };
    } else if (event.key === "Enter" || event.key === " ") {
      this.clickData({ offsetX: this.cursor.x, offsetY: this.cursor.y }, false);
    } else if (event.key === "Delete" || event.key === "Backspace") {
      this.clickData({ offsetX: this.cursor.x, offsetY: this.cursor.y }, true);
    } else {
      return;
    }
    event.preventDefault();
    this.views.showCursor(this.cursor);
  },
};
