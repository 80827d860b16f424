//! "Best available" on a machine with a real GPU: small models often train slower through
//! WebGPU than on a good CPU path (every kernel dispatch costs more than its arithmetic), so the
//! page times the same few training steps on both backends and keeps the faster. The steps are
//! the quick preset's first (warmup) updates, each read back so the GPU's queue is included.
//! The CPU goes first; WebGPU gets the rest of the budget, and a first step (which compiles its
//! kernels) still running when the budget is spent counts as a loss: its result is dropped.

use bbb_core::burn::tensor::Device;
use bbb_core::train::evaluate::read_scalars;
use bbb_core::{Config, NoiseSource, Trainer};

use wasm_bindgen::JsValue;

use crate::js::now_ms;

/// The most time the race may take, both backends together.
pub const BUDGET_MS: f64 = 300.0;
/// The most steps timed per backend.
const MAX_STEPS: usize = 7;

/// One backend's time: milliseconds per training step from the steps after the first that fit
/// in the budget, or the first step's own time (start-up costs such as compiling the GPU's
/// kernels included) when it was the only one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Milliseconds per step (infinite: no step finished within the budget).
    pub ms: f64,
    /// Whether only the first step fitted.
    pub first_only: bool,
}

impl Timing {
    fn words(&self, name: &str) -> String {
        if !self.ms.is_finite() {
            format!("{name} over {BUDGET_MS:.0} ms (its first step did not finish in time)")
        } else if self.first_only {
            format!(
                "{name} {:.1} ms (first step only: start-up included)",
                self.ms
            )
        } else {
            format!("{name} {:.1} ms", self.ms)
        }
    }
}

/// Times training steps on `device` within `budget_ms`.
pub async fn time_steps(
    device: Device,
    noise: NoiseSource,
    budget_ms: f64,
) -> Result<Timing, String> {
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
            return Ok(Timing {
                ms: per_step,
                first_only: steps == 1,
            });
        }
    }
}

/// What the race found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Race {
    /// WebGPU's time.
    pub webgpu: Timing,
    /// The CPU's time.
    pub cpu: Timing,
}

impl Race {
    /// Whether WebGPU won.
    pub fn webgpu_wins(&self) -> bool {
        self.webgpu.ms < self.cpu.ms
    }

    /// What the page says about it.
    pub fn note(&self) -> String {
        let (winner, loser) = if self.webgpu_wins() {
            ("WebGPU", "the CPU")
        } else {
            ("the CPU", "WebGPU")
        };
        format!(
            "best available timed the same training steps on both: {}, {} per step; {winner} is \
             faster here than {loser}",
            self.webgpu.words("WebGPU"),
            self.cpu.words("CPU")
        )
    }
}

/// Times both devices within [`BUDGET_MS`]: the CPU in half of it, WebGPU in what is left.
pub async fn race(webgpu: Device, cpu: Device) -> Result<Race, String> {
    let start = now_ms();
    let cpu = time_steps(cpu, NoiseSource::Host, BUDGET_MS / 2.0).await?;
    let left = (BUDGET_MS - (now_ms() - start)).max(1.0);
    // A JS promise carries one number: a first step alone comes back negative.
    let timed = async move {
        time_steps(webgpu, NoiseSource::Device, left)
            .await
            .map(|t| if t.first_only { -t.ms } else { t.ms })
    };
    let webgpu = match within(left, timed).await? {
        Some(ms) => Timing {
            ms: ms.abs(),
            first_only: ms < 0.0,
        },
        None => Timing {
            ms: f64::INFINITY,
            first_only: true,
        },
    };
    Ok(Race { webgpu, cpu })
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
        set_timeout(&resolve, ms.ceil() as i32);
    });
    let first = js_sys::Promise::race(&js_sys::Array::of2(&work, &timer));
    wasm_bindgen_futures::JsFuture::from(first)
        .await
        .map(|v| v.as_f64())
        .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `setTimeout`, on a page or in a worker (the trainer's worker runs the race).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> wasm_bindgen::JsValue;
}
