// A WebGPU run whose device is lost goes on on the CPU (crates/bbb-web/src/recover.rs): what
// the Player does when a progress report says so, and the address's testing aid that provokes
// it. Methods of the Player (player.js).

export const recovery = {
  // The run lost its WebGPU device and goes on on the CPU from the end of epoch `moved.epoch`
  // (crates/bbb-web/src/recover.rs): the backend line and a message say so, the epochs after
  // it are reported again as they are trained again, and the evaluation workers join in.
  movedToCpu(session, moved) {
    const { backend, backendLabel, note } = moved;
    Object.assign(session, { backend, backendLabel, note });
    this.views.showBackend(backendLabel, note);
    this.views.showMessage(note);
    this.postedEpoch = Math.min(this.postedEpoch, moved.epoch);
    this.onEvent("backend", { backend, note });
    // Not awaited: it queues its call into the session behind this one.
    this.attachWorkers(session, this.runSettings);
  },

  // The address's lose-webgpu=N (a testing aid): after epoch N the trainer's Session destroys
  // its WebGPU device, once, as a lost GPU would.
  async loseWebGpuIfAsked(session, progress) {
    const after = this.controls.loseWebGpuAfter;
    if (after === null || this.lostOnce || session.backend !== "webgpu" || progress.epoch < after) return;
    this.lostOnce = true;
    await session.loseWebGpu();
  },
};
