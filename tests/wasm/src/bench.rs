//! A benchmark, not a test: where the time goes on each backend in this browser. Ignored by the
//! test run; run it in Chromium with WebGPU (see the README's Speed section):
//!
//! `WASM_BINDGEN_TEST_TIMEOUT=600 cargo test --release --target wasm32-unknown-unknown
//! -p bbb-wasm-tests --lib -- --include-ignored --nocapture bench_` (Chromium's options, WebGPU
//! on, come from `tests/wasm/webdriver.json`).
//!
//! For each backend it times, after a warm-up: one evaluation-sized batched matrix product, a
//! chain of 200 small element-wise ops, and one whole VI epoch of the quick preset; then prints
//! WebGPU against the CPU backend, measured in the same run.

use bbb_core::burn::tensor::{Device, Distribution, Tensor};
use bbb_core::engine::Passes;
use bbb_core::maths::normals::Normals;
use bbb_core::maths::rng::Rng;
use bbb_core::model::noise::Noise;
use bbb_core::model::Regressor;
use bbb_core::{Backend, Config, NoiseSource, Phase, Trainer};
use wasm_bindgen_test::*;

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

fn log(line: String) {
    web_sys::console::log_1(&line.into());
}

async fn sync<const D: usize>(t: Tensor<D>) {
    t.into_data_async().await.expect("read back");
}

/// Milliseconds per call of `op`, after one warm-up call, averaged over `reps`.
async fn time<const D: usize>(reps: usize, mut op: impl FnMut() -> Tensor<D>) -> f64 {
    sync(op()).await;
    let start = now();
    let mut last = op();
    for _ in 1..reps {
        last = op();
    }
    sync(last).await;
    (now() - start) / reps as f64
}

struct Costs {
    matmul_ms: f64,
    elementwise_ms: f64,
    vi_epoch_ms: f64,
}

async fn measure(device: &Device, noise: NoiseSource) -> Costs {
    let normal = Distribution::Normal(0.0, 1.0);
    // The evaluation's shape: 10 weight draws of a 72 × 72 layer over a 128-row batch.
    let x = Tensor::<3>::random([10, 128, 72], normal, device);
    let w = Tensor::<3>::random([10, 72, 72], normal, device);
    let matmul_ms = time(10, || x.clone().matmul(w.clone())).await;
    let a = Tensor::<2>::random([72, 72], normal, device);
    let elementwise_ms = time(3, || {
        let mut h = a.clone();
        for _ in 0..200 {
            h = h.mul_scalar(0.999).add_scalar(0.001);
        }
        h
    })
    .await
        / 400.0;
    let config = Config {
        warmup_epochs: 1,
        vi_epochs: 2,
        ..Config::quick()
    };
    let mut trainer = Trainer::new(config, device.clone(), noise).expect("valid config");
    trainer.run_epoch().await.expect("warmup epoch");
    trainer.run_epoch().await.expect("first VI epoch");
    let start = now();
    trainer.run_epoch().await.expect("second VI epoch");
    Costs {
        matmul_ms,
        elementwise_ms,
        vi_epoch_ms: now() - start,
    }
}

#[wasm_bindgen_test]
#[ignore = "a benchmark: run it with --include-ignored"]
async fn bench_webgpu_against_cpu() {
    bbb_web::start();
    let cpu = Backend::Flex.cpu_device().expect("flex is compiled in");
    let gpu = Device::wgpu_options()
        .init_async()
        .await
        .expect("this benchmark needs Chromium with --enable-unsafe-webgpu");
    let c = measure(&cpu, NoiseSource::Host).await;
    let g = measure(&gpu, NoiseSource::Device).await;
    log("what (quick preset shapes)              CPU flex     WebGPU   WebGPU / CPU".into());
    for (what, c, g) in [
        (
            "matmul [10,128,72]x[10,72,72]   ms",
            c.matmul_ms,
            g.matmul_ms,
        ),
        (
            "element-wise op on [72,72]      ms",
            c.elementwise_ms,
            g.elementwise_ms,
        ),
        (
            "one VI epoch (train + eval)     ms",
            c.vi_epoch_ms,
            g.vi_epoch_ms,
        ),
    ] {
        log(format!("{what} {c:>11.3} {g:>10.3} {:>13.1}x", g / c));
    }
    assert!(c.vi_epoch_ms > 0.0 && g.vi_epoch_ms > 0.0);
}

/// Where a full-preset epoch's time goes on the CPU backend in this browser (one thread: the
/// page's workers each run this much): the training steps against the evaluation, one
/// evaluation batch through burn's ops against the host pass, and the normal sampler.
///
/// `WASM_BINDGEN_TEST_TIMEOUT=600 cargo test --release --target wasm32-unknown-unknown
/// -p bbb-wasm-tests --lib -- --include-ignored --nocapture bench_cpu`
#[wasm_bindgen_test]
#[ignore = "a benchmark: run it with --include-ignored"]
async fn bench_cpu_epoch_parts() {
    bbb_web::start();
    let device = Backend::Flex.cpu_device().expect("flex is compiled in");
    let config = Config {
        warmup_epochs: 1,
        vi_epochs: 4,
        ..Config::full()
    };
    let mut trainer =
        Trainer::new(config.clone(), device.clone(), NoiseSource::Host).expect("valid config");
    trainer.run_epoch().await.expect("warmup epoch");
    trainer.run_epoch().await.expect("first VI epoch");
    let (mut train, mut eval) = (0.0, 0.0);
    for _ in 0..3 {
        loop {
            let training = matches!(trainer.progress().phase, Phase::Train { .. });
            let start = now();
            let event = trainer.step().await.expect("a step");
            if training {
                sync(trainer.model().input.w_mu.clone()).await;
                train += now() - start;
            } else {
                eval += now() - start;
            }
            if matches!(event, bbb_core::Event::Epoch(_)) {
                break;
            }
        }
    }
    let model = Regressor::init(&config, &mut Rng::new(1), &device);
    let posterior = model.posterior();
    let passes = Passes::new(&model);
    let x = Tensor::<2>::random([128, 9], Distribution::Normal(0.0, 1.0), &device);
    let draws = config.eval_mc_elbo + config.eval_mc_rmse;
    let mut noise = Noise::host(1);
    let burns = time(5, || {
        posterior.forward_sampled(x.clone(), draws, &mut noise)
    })
    .await;
    let host = time(5, || passes.forward(x.clone(), draws, &mut noise)).await;
    let mut normals = Normals::new(1);
    let mut buf = vec![0.0f32; 1 << 20];
    normals.fill(&mut buf);
    let start = now();
    for _ in 0..10 {
        normals.fill(&mut buf);
    }
    let ns = (now() - start) * 1e6 / (10 << 20) as f64;
    log(format!(
        "full preset, per VI epoch: training {:.1} ms, evaluation {:.1} ms (one thread)",
        train / 3.0,
        eval / 3.0
    ));
    log(format!(
        "one evaluation batch, {draws} draws x 128 rows: burn's ops {burns:.2} ms, host pass {host:.2} ms ({:.2}x)",
        burns / host
    ));
    log(format!("normal sampler: {ns:.2} ns per draw"));
    // The host pass's two kernels alone, on one 72 x 72 layer over a 128-row batch: the
    // crate's product (its own SIMD128 kernel here) against gemm's, and SiLU.
    use bbb_core::maths::matmul::{matmul, with_gemm, Use};
    let a = vec![0.5f32; 128 * 72];
    let w = vec![0.01f32; 72 * 72];
    let mut out = vec![0.0f32; 128 * 72];
    let time_us = |f: &mut dyn FnMut()| {
        let start = now();
        for _ in 0..1000 {
            f();
        }
        (now() - start) * 1e3 / 1000.0
    };
    // Alternating rounds, best of five each: the first calls of a function run in V8's
    // baseline compiler, and this VM's timings wander, so one round of each says little.
    let (mut ours_us, mut gemm_us) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..5 {
        ours_us = ours_us.min(time_us(&mut || {
            matmul(
                &mut out,
                true,
                Use::Plain(&a),
                Use::Plain(&w),
                (128, 72, 72),
            )
        }));
        gemm_us = gemm_us.min(time_us(&mut || {
            with_gemm(
                &mut out,
                true,
                Use::Plain(&a),
                Use::Plain(&w),
                (128, 72, 72),
            )
        }));
    }
    let silu_us = time_us(&mut || bbb_core::maths::kernels::silu_in_place(&mut out));
    let gflops = |us: f64| 2.0 * 128.0 * 72.0 * 72.0 / us / 1e3;
    log(format!(
        "[128,72]x[72,72], best of five rounds each: this crate's product {ours_us:.1} us ({:.2} GFLOP/s), gemm's {gemm_us:.1} us ({:.2} GFLOP/s; ours {:.2}x its speed), SiLU of the result {silu_us:.1} us",
        gflops(ours_us),
        gflops(gemm_us),
        gemm_us / ours_us
    ));
    assert!(train > 0.0 && eval > 0.0 && host > 0.0);
}
