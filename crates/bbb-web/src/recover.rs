//! A WebGPU run that loses its device goes on on the CPU. At the end of every epoch a WebGPU
//! run keeps its state on the host ([`bbb_core::train::checkpoint`]); when a step fails and
//! the device no longer answers, the run continues on the CPU from the last epoch kept, its
//! history and best state carried over, and the page is told so once (`moved` in the next
//! progress report, and the run's `note`).

use bbb_core::{Backend, TrainError};
use wasm_bindgen::prelude::*;

use crate::backend::{destroy_webgpu, webgpu_lost};
use crate::js::{now_ms, num, object};
use crate::session::Session;

/// What keeping the checkpoints has cost this run so far.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CheckpointCost {
    pub kept: u32,
    pub ms: f64,
    pub longest: f64,
}

impl Session {
    /// Keeps the run's state at this epoch's end, on WebGPU runs only (a CPU run has nothing
    /// to lose); timed.
    pub(crate) async fn keep_checkpoint(&mut self) -> Result<(), TrainError> {
        if self.backend != Backend::Wgpu {
            return Ok(());
        }
        let start = now_ms();
        if self.trainer.keep_checkpoint().await? {
            let ms = now_ms() - start;
            self.checkpoints.kept += 1;
            self.checkpoints.ms += ms;
            self.checkpoints.longest = self.checkpoints.longest.max(ms);
        }
        Ok(())
    }

    /// After a failure in a WebGPU run: when the device no longer answers, continues the run
    /// on the CPU from its last checkpoint and says so (`true`); otherwise leaves the run as it
    /// stands (`false`: the failure is the run's own, such as a diverged loss).
    pub(crate) async fn recover(&mut self) -> Result<bool, TrainError> {
        if self.backend != Backend::Wgpu {
            return Ok(false);
        }
        let cpu = Backend::Flex.cpu_device().expect("flex is compiled in");
        let Some((trainer, moved)) = self.trainer.after_failure(cpu).await? else {
            return Ok(false);
        };
        webgpu_lost(format!(
            "its device was lost during epoch {}",
            moved.lost_in
        ));
        self.trainer = trainer;
        self.backend = Backend::Flex;
        // A predictive half computed on the lost device is started again on the CPU.
        if self.computing.take().is_some() {
            self.start_predictive(self.computing_live)
                .map_err(|_| TrainError("the predictive could not start again".into()))?;
        }
        self.note = Some(moved.to_string());
        self.moved = true;
        Ok(true)
    }

    /// The progress report's `moved`: the run's new backend and note, once, after a move.
    pub(crate) fn take_moved(&mut self) -> JsValue {
        if !std::mem::take(&mut self.moved) {
            return JsValue::NULL;
        }
        object(&[
            ("backend", JsValue::from_str(&self.backend())),
            ("backendLabel", JsValue::from_str(&self.backend_label())),
            ("note", JsValue::from(self.note())),
            (
                "epoch",
                JsValue::from(self.trainer.progress().epochs_done as u32),
            ),
        ])
    }
}

#[wasm_bindgen]
impl Session {
    /// Destroys the page's WebGPU device mid-run, as a driver reset would (a testing aid: the
    /// run must go on on the CPU). Says whether there was a device to destroy.
    #[wasm_bindgen(js_name = loseWebGpu)]
    pub fn lose_webgpu(&self) -> bool {
        destroy_webgpu()
    }

    /// What keeping each epoch's state for a recovery has cost: `{ kept, ms, longest }`
    /// (checkpoints taken, their milliseconds in all and the longest one's; none on the CPU).
    #[wasm_bindgen(js_name = checkpointCost)]
    pub fn checkpoint_cost(&self) -> JsValue {
        let c = self.checkpoints;
        object(&[
            ("kept", JsValue::from(c.kept)),
            ("ms", num(c.ms)),
            ("longest", num(c.longest)),
        ])
    }
}
