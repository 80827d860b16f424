//! "Best available" on a machine with a real GPU: small models often train slower through
//! WebGPU than on a good CPU path (every kernel dispatch costs more than its arithmetic), so the
//! page times the same few training steps on both backends and keeps the faster. The steps are
//! the quick preset's first (warmup) updates, each read back so the GPU's queue is included.
//! The CPU goes first; WebGPU gets the rest of the budget, and a first step (which compiles its
//! kernels) still running when the budget is spent counts as a loss: its result is dropped.

use bbb_core::burn::tensor::Device;
use bbb_core::evaluate::read_scalars;
use bbb_core::{Config, NoiseSource, Trainer};

use wasm_bindgen::JsValue;

use crate::js::now_ms;

/// The most time the race may take, both backends together.
pub const BUDGET_MS: f64 = 300.0;
/// The most steps timed per backend.
const MAX_STEPS: usize = 7;

/// Milliseconds per training step on `device`, from steps that fit in `budget_ms` (the first one,
/// which compiles the GPU's kernels, only when it is the only one that fits).
pub async fn ms_per_step(
    device: Device,
    noise: NoiseSource,
    budget_ms: f64,
) -> Result<f64, String> {
    let mut trainer = Trainer::new(Config::quick(), device, noise).map_err(|e| e.to_string())?;
    let start = now_ms();
    let (mut steps, mut first) = (0, 0.0);
    loop {
        trainer.step().await.map_err(|e| e.to_string())?;
        read_scalars(vec![trainer.model().input.w_mu.clone().sum()]).await?;
        steps += 1;
        let elapsed = now_ms() - start;
        if steps == 1 {
            first = elapsed;
        }
        // Stop before a step that would overrun the budget.
        let per_step = if steps > 1 {
            (elapsed - first) / (steps - 1) as f64
        } else {
            elapsed
        };
        if steps == MAX_STEPS || elapsed + per_step > budget_ms {
            return Ok(per_step);
        }
    }
}

/// What the race found: milliseconds per step on each backend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Race {
    /// WebGPU's time per step (infinite: no step finished within the budget).
    pub webgpu_ms: f64,
    /// The CPU's time per step.
    pub cpu_ms: f64,
}

impl Race {
    /// Whether WebGPU won.
    pub fn webgpu_wins(&self) -> bool {
        self.webgpu_ms < self.cpu_ms
    }

    /// What the page says about it.
    pub fn note(&self) -> String {
        let (winner, loser) = if self.webgpu_wins() {
            ("WebGPU", "the CPU")
        } else {
            ("the CPU", "WebGPU")
        };
        let webgpu = if self.webgpu_ms.is_finite() {
            format!("WebGPU {:.1} ms", self.webgpu_ms)
        } else {
            format!("WebGPU over {BUDGET_MS:.0} ms (its first step did not finish in time)")
        };
        format!(
            "best available timed the same training steps on both: {webgpu}, CPU {:.1} ms per \
             step; {winner} is faster here than {loser}",
            self.cpu_ms
        )
    }
}

/// Times both devices within [`BUDGET_MS`]: the CPU in half of it, WebGPU in what is left.
pub async fn race(webgpu: Device, cpu: Device) -> Result<Race, String> {
    let start = now_ms();
    let cpu_ms = ms_per_step(cpu, NoiseSource::Host, BUDGET_MS / 2.0).await?;
    let left = (BUDGET_MS - (now_ms() - start)).max(1.0);
    let webgpu_ms = within(left, ms_per_step(webgpu, NoiseSource::Device, left))
        .await?
        .unwrap_or(f64::INFINITY);
    Ok(Race { webgpu_ms, cpu_ms })
}

/// `work`'s result if it comes within `ms` milliseconds, else `None` (the work is left to
/// finish unobserved).
async fn within(
    ms: f64,
    work: impl std::future::Future<Output = Result<f64, String>> + 'static,
) -> Result<Option<f64>, String> {
    let work = wasm_bindgen_futures::future_to_promise(async move {
        work.await
            .map(JsValue::from_f64)
            .map_err(|e| JsValue::from_str(&e))
    });
    let timer = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .expect("the page has a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.ceil() as i32);
    });
    let first = js_sys::Promise::race(&js_sys::Array::of2(&work, &timer));
    wasm_bindgen_futures::JsFuture::from(first)
        .await
        .map(|v| v.as_f64())
        .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))
}
