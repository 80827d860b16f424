//! The whole quick preset on a CPU backend, held against the tutorial's own numbers.

use bbb_core::engine::EngineKind;
use bbb_core::train::behind::EvalWorker;
use bbb_core::train::test_scoring::TEST_DRAWS_PER_CALL;
use bbb_core::{Backend, Config, Event, NoiseSource, Phase, Stage, Trainer};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The CPU backends complete every future on its first poll.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a CPU backend future was not ready"),
    }
}

fn cpu_device() -> bbb_core::burn::tensor::Device {
    Backend::available()
        .into_iter()
        .find_map(Backend::cpu_device)
        .expect("a CPU backend")
}

fn cpu_trainer(config: Config) -> Trainer {
    Trainer::new(config, cpu_device(), NoiseSource::Host).unwrap()
}

/// A few epochs with light evaluation: enough to exercise every phase quickly.
fn short(warmup_epochs: usize, vi_epochs: usize) -> Config {
    Config {
        warmup_epochs,
        vi_epochs,
        eval_mc_elbo: 1,
        eval_mc_rmse: 2,
        ..Config::quick()
    }
}

#[test]
fn quick_preset_lands_in_the_tutorials_range() {
    let mut t = cpu_trainer(Config::quick());
    let s = ready(t.run_to_end()).unwrap();
    let h = t.history();
    assert_eq!(h.len(), 90);
    assert_eq!(h.iter().filter(|r| r.stage == Stage::Warmup).count(), 10);
    // The tutorial's quick runs land at test RMSE 0.083–0.087; the issue asks ≤ 0.092.
    assert!(s.test.rmse <= 0.092, "test RMSE {}", s.test.rmse);
    assert!(
        s.test.rmse >= 0.07,
        "test RMSE {} is below the noise floor",
        s.test.rmse
    );
    assert!(s.test.nll <= 0.0125, "test NLL {}", s.test.nll);
    assert!(s.diagnostics.pass(), "{:?}", s.diagnostics);
    // The best state is the one with the lowest val RMSE, earliest on ties.
    let best = h.iter().map(|r| r.val.rmse).fold(f64::INFINITY, f64::min);
    assert_eq!(s.best_val_rmse, best);
    assert_eq!(h[s.best_epoch - 1].val.rmse, best);
    assert!(h[..s.best_epoch - 1].iter().all(|r| r.val.rmse > best));
    // The VI stage lowers the ELBO while the KL shrinks.
    let vi: Vec<_> = h.iter().filter(|r| r.stage == Stage::Vi).collect();
    assert!(vi.last().unwrap().train.elbo < vi[0].train.elbo);
    assert!(vi.last().unwrap().train.kl < vi[0].train.kl);
    // Learning rate: constant in warmup; VI epoch k trains at the SPEC's cosine of t = k − 1
    // (the scheduler steps after each epoch) and records the rate after it, t = k.
    let spec = |t: f64| 1e-4 + 3e-4 * (1.0 + (std::f64::consts::PI * t / 80.0).cos()) / 2.0;
    assert!(h[..9].iter().all(|r| r.next_lr == 4e-4));
    assert_eq!(
        t.lr_during(10),
        4e-4,
        "the first VI epoch trains at the base rate"
    );
    for k in [1usize, 20, 40, 80] {
        assert!(
            (t.lr_during(9 + k) - spec(k as f64 - 1.0)).abs() < 1e-15,
            "VI epoch {k}"
        );
        assert!(
            (h[9 + k].next_lr - spec(k as f64)).abs() < 1e-15,
            "after VI epoch {k}"
        );
    }
    // After the run the predictive is available and sensible.
    let last_val_rmse = h.last().unwrap().val.rmse;
    let p = ready(t.predictive(100, 50)).unwrap();
    assert_eq!(p.mean.len(), 50);
    let rmse_vs_truth = (p
        .mean
        .iter()
        .zip(&p.truth)
        .map(|(m, f)| (m - f).powi(2))
        .sum::<f64>()
        / 50.0)
        .sqrt();
    assert!(
        rmse_vs_truth < 0.08,
        "predictive mean vs true function: {rmse_vs_truth}"
    );
    assert!(p.std.iter().all(|s| *s > 0.0 && s.is_finite()));
    // The noise estimate (validation residuals of the mean) lands near the true 0.08, and the
    // live predictive's (the last epoch's validation RMSE) is that number itself.
    assert!(
        (p.noise_sigma - 0.08).abs() < 0.015,
        "noise {}",
        p.noise_sigma
    );
    let live = ready(t.live_predictive(30, 20)).unwrap();
    assert_eq!(live.noise_sigma, last_val_rmse);
    // The weights-only band holds far fewer noisy test points than its nominal 95 %; with the
    // noise added, about as many as it claims (the tutorial's reference rerun: 0.575 on quick).
    let c = p.calibration;
    assert_eq!(c.n, 200);
    assert!(
        c.weights[3] > 0.3 && c.weights[3] < 0.85,
        "weights only {:?}",
        c.weights
    );
    assert!(c.total[3] > 0.9 && c.total[3] <= 1.0, "total {:?}", c.total);
    assert!(c.weights.windows(2).all(|w| w[0] <= w[1]));
}

/// The CPU backends train with the per-weight work on the host; a GPU keeps every step in
/// burn's ops and draws its own noise. That path, run here on the CPU with burn's generator,
/// lands in the same range (other draws, so not the same numbers).
#[test]
fn the_gpus_burn_only_step_lands_in_the_same_range() {
    let device = Backend::available()
        .into_iter()
        .find_map(Backend::cpu_device)
        .expect("a CPU backend");
    let mut t = Trainer::new(Config::quick(), device, NoiseSource::Device).unwrap();
    assert_eq!(t.engine_kind(), EngineKind::Device);
    let s = ready(t.run_to_end()).unwrap();
    assert!(
        (0.07..=0.092).contains(&s.test.rmse),
        "test RMSE {}",
        s.test.rmse
    );
    assert!(s.diagnostics.pass(), "{:?}", s.diagnostics);
    assert_eq!(cpu_trainer(Config::quick()).engine_kind(), EngineKind::Cpu);
}

#[test]
fn stepping_is_bounded_and_resumable() {
    let config = short(1, 2);
    let test_draws = config.test_mc_elbo + config.test_mc_rmse;
    let mut t = cpu_trainer(config);
    let mut phases = Vec::new();
    let mut epochs = 0;
    loop {
        phases.push(t.progress().phase);
        match ready(t.step()).unwrap() {
            Event::Epoch(r) => {
                epochs += 1;
                assert_eq!(r.epoch, epochs);
            }
            Event::Finished(_) => break,
            _ => {}
        }
    }
    // Per epoch: 7 updates, then 7 + 2 evaluation batches; then the test's 2 batches (200
    // points in batches of 128), each a few passes a step (72 passes: 5 steps), so that no
    // step runs long.
    let test_steps = 2 * test_draws.div_ceil(TEST_DRAWS_PER_CALL);
    assert_eq!(test_steps, 10);
    assert_eq!(phases.len(), 3 * (7 + 9) + test_steps);
    assert_eq!(phases[0], Phase::Train { batch: 0 });
    assert_eq!(phases[7], Phase::Evaluate { index: 0 });
    assert!(phases[phases.len() - test_steps..]
        .iter()
        .all(|p| *p == Phase::Test));
    assert!(t.is_done());
    assert_eq!(t.progress().fraction, 1.0);
    assert!(
        ready(t.step()).is_err(),
        "a finished run says so instead of panicking"
    );
}

#[test]
fn same_seed_same_run() {
    let config = Config {
        warmup_epochs: 1,
        vi_epochs: 1,
        ..Config::quick()
    };
    let run = |c: Config| {
        let mut t = cpu_trainer(c);
        ready(t.run_to_end()).unwrap();
        t.history().to_vec()
    };
    assert_eq!(run(config.clone()), run(config.clone()));
    assert_ne!(run(config.clone()), run(Config { seed: 14, ..config }));
}

/// The evaluations' batches draw their weights from keyed noise (epoch, split, batch) and their
/// sums are added in batch order, so the run's numbers do not depend on how many threads
/// evaluate: 1 (one batch per step, as in the browser), 2, 3 or 8 give the same history and
/// summary, bit for bit, the test split included. So does the final predictive, whose passes of
/// draws are keyed too and spread over the threads.
#[test]
fn the_numbers_do_not_depend_on_the_thread_count() {
    let config = Config {
        warmup_epochs: 1,
        vi_epochs: 5,
        // A rate so small that the validation RMSE moves by Monte-Carlo noise alone, so the best
        // state kept is not the last one (and must be the snapshot that was evaluated).
        lr: 1e-7,
        lr_min: 1e-7,
        eval_mc_elbo: 2,
        eval_mc_rmse: 3,
        test_mc_elbo: 2,
        test_mc_rmse: 3,
        ..Config::quick()
    };
    let run = |threads: usize| {
        let mut t = cpu_trainer(config.clone());
        t.set_threads(threads);
        assert_eq!(t.threads(), threads);
        let mut steps = 0;
        let summary = loop {
            steps += 1;
            if let Event::Finished(s) = ready(t.step()).unwrap() {
                break s;
            }
        };
        let predictive = ready(t.predictive(43, 20)).unwrap();
        (t.history().to_vec(), summary, steps, predictive)
    };
    let (history, summary, steps, predictive) = run(1);
    assert_eq!(history.len(), 6);
    assert!(summary.best_epoch < 6, "best epoch {}", summary.best_epoch);
    for threads in [2, 3, 8] {
        let (h, s, n, p) = run(threads);
        assert_eq!(h, history, "{threads} threads");
        assert_eq!(s, summary, "{threads} threads");
        assert_eq!(p, predictive, "{threads} threads");
        // Several threads score all of an epoch's batches in one step.
        assert!(n < steps, "{threads} threads: {n} steps against {steps}");
    }
}

/// The page hands each epoch's evaluation to Web Workers: an `EvalWorker` of the same settings
/// scores the job (here in two halves, as two workers would) and the result is delivered while
/// the next epoch trains. The run's numbers are the in-step evaluation's, bit for bit; turning
/// the outside evaluation off with a job out computes it in place, with the same numbers.
#[test]
fn evaluations_scored_outside_give_the_same_run() {
    let config = Config {
        warmup_epochs: 1,
        vi_epochs: 3,
        lr: 1e-7,
        lr_min: 1e-7,
        eval_mc_elbo: 2,
        eval_mc_rmse: 3,
        ..Config::quick()
    };
    let device = || {
        Backend::available()
            .into_iter()
            .find_map(Backend::cpu_device)
            .unwrap()
    };
    let plain = {
        let mut t = cpu_trainer(config.clone());
        let s = ready(t.run_to_end()).unwrap();
        (t.history().to_vec(), s)
    };
    let worker = EvalWorker::new(config.clone(), device()).unwrap();
    let run = |stop_outside_at: Option<usize>| {
        let mut t = cpu_trainer(config.clone());
        assert!(t.set_outside_evaluation(true));
        let (mut jobs, mut waits) = (0, 0);
        let summary = loop {
            match ready(t.step()).unwrap() {
                Event::Finished(s) => break s,
                Event::Waiting { epoch } => {
                    waits += 1;
                    // Nothing delivered yet: the trainer stays put and asks again.
                    assert!(matches!(ready(t.step()).unwrap(), Event::Waiting { .. }));
                    assert!(t.deliver_evaluation(epoch + 1, vec![0.0; 18]).is_err());
                    assert!(t.deliver_evaluation(epoch, vec![0.0; 3]).is_err());
                    continue;
                }
                _ => {}
            }
            let Some(job) = t.take_evaluation_job() else {
                continue;
            };
            jobs += 1;
            assert_eq!(job.batches, worker.batches());
            if stop_outside_at == Some(job.epoch) {
                assert!(!t.set_outside_evaluation(false));
                continue;
            }
            // Two workers, as the page splits a job: the even batches and the odd ones, each
            // answered in the order asked, then put back in batch order.
            let mut sums = vec![f32::NAN; 2 * job.batches];
            for first in [1, 0] {
                let mine: Vec<usize> = (first..job.batches).step_by(2).collect();
                let got = ready(worker.score(job.epoch, &job.params, &mine)).unwrap();
                for (&b, pair) in mine.iter().zip(got.chunks_exact(2)) {
                    sums[2 * b..2 * b + 2].copy_from_slice(pair);
                }
            }
            t.deliver_evaluation(job.epoch, sums.clone()).unwrap();
            assert!(
                t.deliver_evaluation(job.epoch, sums).is_err(),
                "delivered twice"
            );
        };
        (t.history().to_vec(), summary, jobs, waits)
    };
    let (history, summary, jobs, waits) = run(None);
    assert_eq!((jobs, waits), (4, 0));
    assert_eq!((history, summary), plain);
    // Off at epoch 2: its job is computed in place, the rest in steps.
    let (history, summary, jobs, _) = run(Some(2));
    assert_eq!(jobs, 2);
    assert_eq!((history, summary), plain);
    // A job with parameters of the wrong size, a batch that does not exist or epoch 0 is
    // refused.
    assert!(ready(worker.score(1, &[0.0; 4], &[0])).is_err());
    let params = vec![0.0; cpu_trainer(config.clone()).n_parameters()];
    assert!(ready(worker.score(1, &params, &[0])).is_ok());
    assert!(ready(worker.score(1, &params, &[0, 99])).is_err());
    assert!(ready(worker.score(0, &params, &[0])).is_err());
}

/// Answers from the workers may come late: the training goes on for up to two epochs past the
/// last one scored (so the workers always have the next job at hand) and waits only then, and
/// the run is the one whose answers come at once. The jobs come in epoch order and each answer
/// is taken only for its own epoch.
#[test]
fn late_answers_let_the_training_run_two_epochs_ahead() {
    let config = short(1, 4);
    let plain = {
        let mut t = cpu_trainer(config.clone());
        ready(t.run_to_end()).unwrap();
        t.history().to_vec()
    };
    let worker = EvalWorker::new(config.clone(), cpu_device()).unwrap();
    let mut t = cpu_trainer(config.clone());
    assert!(t.set_outside_evaluation(true));
    let mut held = std::collections::VecDeque::new();
    let (mut waits, mut furthest, mut jobs) = (0, 0, 0);
    loop {
        let event = ready(t.step()).unwrap();
        while let Some(job) = t.take_evaluation_job() {
            jobs += 1;
            assert_eq!(job.epoch, jobs, "jobs in epoch order");
            held.push_back(job);
        }
        let ahead = t.progress().epochs_done - t.history().len();
        furthest = furthest.max(ahead);
        assert!(ahead <= 2, "{ahead} epochs trained past the last row");
        match event {
            Event::Finished(_) => break,
            Event::Waiting { epoch } => {
                waits += 1;
                assert_eq!(held.front().map(|j| j.epoch), Some(epoch), "the oldest");
                // Every job out is answered, the newest first.
                for job in held.drain(..).rev() {
                    let all: Vec<usize> = (0..job.batches).collect();
                    let sums = ready(worker.score(job.epoch, &job.params, &all)).unwrap();
                    t.deliver_evaluation(job.epoch, sums).unwrap();
                }
            }
            _ => {}
        }
    }
    assert_eq!(
        furthest, 2,
        "the training went on while two evaluations were out"
    );
    assert!(waits >= 2, "it waited for late answers ({waits} times)");
    assert_eq!(t.history(), &plain[..]);
}

/// The Step button: one call trains one epoch and ends with that epoch's row, whether the
/// evaluations run in the steps, on threads or outside (delivered after a `Waiting`).
#[test]
fn a_step_trains_one_epoch_and_ends_with_its_row() {
    let config = Config {
        warmup_epochs: 1,
        vi_epochs: 2,
        eval_mc_elbo: 2,
        eval_mc_rmse: 3,
        ..Config::quick()
    };
    let device = Backend::available()
        .into_iter()
        .find_map(Backend::cpu_device)
        .unwrap();
    let worker = EvalWorker::new(config.clone(), device).unwrap();
    let mut histories = Vec::new();
    for how in ["steps", "threads", "outside"] {
        let mut t = cpu_trainer(config.clone());
        t.set_threads(if how == "threads" { 2 } else { 1 });
        t.set_outside_evaluation(how == "outside");
        for epoch in 1..=config.total_epochs() {
            let mut event = ready(t.run_epoch()).unwrap();
            if let Event::Waiting { epoch: e } = event {
                assert_eq!((how, e), ("outside", epoch));
                let job = t.take_evaluation_job().unwrap();
                let sums = ready(worker.score(
                    job.epoch,
                    &job.params,
                    &(0..job.batches).collect::<Vec<_>>(),
                ))
                .unwrap();
                t.deliver_evaluation(job.epoch, sums).unwrap();
                event = ready(t.run_epoch()).unwrap();
            }
            let Event::Epoch(row) = event else {
                panic!("{how}: epoch {epoch} ended with {event:?}");
            };
            assert_eq!(row.epoch, epoch, "{how}: the row is the epoch just trained");
            assert_eq!(t.progress().epochs_done, epoch, "{how}: one epoch trained");
        }
        assert!(matches!(ready(t.run_epoch()).unwrap(), Event::Finished(_)));
        histories.push(t.history().to_vec());
    }
    assert_eq!(histories[0], histories[1]);
    assert_eq!(histories[0], histories[2]);
}

/// The page redraws the predictive while training; those draws come from their own stream, so
/// a run with them ends exactly where a run without them (the CLI's) does.
#[test]
fn predictive_draws_leave_the_run_unchanged() {
    let config = short(1, 2);
    let plain = {
        let mut t = cpu_trainer(config.clone());
        ready(t.run_to_end()).unwrap()
    };
    let mut t = cpu_trainer(config.clone());
    let with_plots = loop {
        match ready(t.step()).unwrap() {
            Event::Epoch(_) => {
                ready(t.predictive(config.live_samples, config.live_grid_points)).unwrap();
            }
            Event::Finished(s) => break s,
            _ => {}
        }
    };
    assert_eq!(plain, with_plots);
}

/// The page computes the predictive a pass of `CHUNK` draws at a time, handing the browser its
/// main thread back between passes, or has its workers draw runs of passes: the result is the
/// one computed in one call, the live one included. The final predictive's draws are keyed by
/// the run alone, so live predictives drawn before it do not change it. A job finished before
/// its last pass, or with draws that do not fit, is refused.
#[test]
fn a_predictive_computed_by_passes_or_by_workers_is_the_one_computed_at_once() {
    use bbb_core::posterior::draws::CHUNK;
    let config = short(1, 1);
    let samples = 2 * CHUNK + 3;
    let points = 17;
    let mut at_once = cpu_trainer(config.clone());
    let mut by_pass = cpu_trainer(config.clone());
    ready(at_once.run_to_end()).unwrap();
    ready(by_pass.run_to_end()).unwrap();
    assert!(by_pass.set_outside_evaluation(true));
    let worker = EvalWorker::new(config.clone(), cpu_device()).unwrap();
    let final_first = ready(at_once.predictive(samples, points)).unwrap();
    for live in [false, true] {
        let whole = if live {
            ready(at_once.live_predictive(samples, points)).unwrap()
        } else {
            ready(at_once.predictive(samples, points)).unwrap()
        };
        let mut job = by_pass.start_predictive(samples, points, live).unwrap();
        let mut passes = 1;
        while !job.step() {
            passes += 1;
        }
        assert_eq!(
            passes,
            samples.div_ceil(CHUNK),
            "one pass per {CHUNK} draws"
        );
        let stepped = ready(by_pass.finish_predictive(job)).unwrap();
        assert_eq!(stepped, whole, "live: {live}");
        // Two workers: the first pass, then the rest; the answers joined in order.
        let job = by_pass.start_predictive(samples, points, live).unwrap();
        let outside = ready(by_pass.predictive_outside(&job)).unwrap().unwrap();
        assert_eq!(outside.passes, passes);
        let mut draws = ready(worker.draw(&outside, 0..1)).unwrap();
        draws.extend(ready(worker.draw(&outside, 1..passes)).unwrap());
        let drawn = by_pass.finish_predictive_with(job, draws).unwrap();
        assert_eq!(drawn, whole, "drawn outside, live: {live}");
        assert!(ready(worker.draw(&outside, 0..passes + 1)).is_err());
    }
    let again = ready(at_once.predictive(samples, points)).unwrap();
    assert_eq!(again, final_first, "the final predictive after live ones");
    let early = by_pass.start_predictive(samples, points, false).unwrap();
    let refused = ready(by_pass.finish_predictive(early)).unwrap_err();
    assert!(
        refused.to_string().contains("before its last pass"),
        "{refused}"
    );
    let short_draws = by_pass.start_predictive(samples, points, false).unwrap();
    assert!(by_pass
        .finish_predictive_with(short_draws, vec![0.0; 5])
        .is_err());
    by_pass.set_outside_evaluation(false);
    let job = by_pass.start_predictive(samples, points, false).unwrap();
    assert!(ready(by_pass.predictive_outside(&job)).unwrap().is_none());
}

/// The warmup trains the means alone: the rhos get no gradient, so AdamW neither steps nor
/// decays them, and their own step count (and bias correction) starts at the first VI step.
#[test]
fn warmup_leaves_the_rhos_alone() {
    let config = short(2, 1);
    let mut t = cpu_trainer(config.clone());
    let is_rho = |i: usize| i % 4 == 1 || i % 4 == 3;
    let values = |t: &Trainer| -> Vec<Vec<f32>> {
        t.model()
            .params()
            .into_iter()
            .map(|p| p.into_data().try_into_vec_as::<f32>().unwrap())
            .collect()
    };
    let start = values(&t);
    while t.progress().epochs_done < 2 {
        ready(t.step()).unwrap();
    }
    let warm = values(&t);
    let warmup_steps = 2 * config.num_batches();
    for (i, (a, b)) in start.iter().zip(&warm).enumerate() {
        let steps = t.optimizer_steps()[i];
        if is_rho(i) {
            assert_eq!(a, b, "rho tensor {i} moved during the warmup");
            assert_eq!(steps, 0, "rho tensor {i} was stepped during the warmup");
        } else {
            assert_ne!(a, b, "mean tensor {i} did not train");
            assert_eq!(steps as usize, warmup_steps, "mean tensor {i}");
        }
    }
    // The first VI step: bias correction at step 1 makes Adam's move lr·g/|g|, so no rho moves
    // by more than lr (plus its tiny decay), and those with a real gradient move by about lr.
    ready(t.step()).unwrap();
    let vi = values(&t);
    let mut moved_by_lr = 0;
    for i in (0..vi.len()).filter(|&i| is_rho(i)) {
        assert_eq!(t.optimizer_steps()[i], 1, "rho tensor {i}");
        for (a, b) in warm[i].iter().zip(&vi[i]) {
            let d = (a - b).abs() as f64;
            assert!(
                d <= config.lr * 1.01,
                "rho moved by {d} at the first VI step"
            );
            if (d - config.lr).abs() < 0.02 * config.lr {
                moved_by_lr += 1;
            }
        }
    }
    assert!(
        moved_by_lr > 100,
        "only {moved_by_lr} rhos moved by about lr"
    );
}

/// Section 10 of the page quotes what two changed quick runs end with
/// (`<span data-quoted="SETTING=VALUE QUANTITY">TEXT</span>` in www/index.html): each quote is
/// that run's own figure, to the digits it prints.
#[test]
fn the_pages_quotes_of_changed_quick_runs_are_those_runs() {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/index.html"))
            .expect("the page");
    let quotes: Vec<(&str, &str, &str, &str)> = page
        .split("data-quoted=\"")
        .skip(1)
        .map(|rest| {
            let (what, rest) = rest.split_once("\">").unwrap();
            let (text, _) = rest.split_once('<').unwrap();
            let (setting, quantity) = what.split_once(' ').unwrap();
            let (name, value) = setting.split_once('=').unwrap();
            (name, value, quantity, text)
        })
        .collect();
    assert_eq!(quotes.len(), 2, "{quotes:?}");
    for (name, value, quantity, text) in quotes {
        let mut config = Config::quick();
        config.set(name, value).unwrap();
        let mut t = cpu_trainer(config);
        ready(t.run_to_end()).unwrap();
        let w = ready(t.weight_space()).unwrap();
        let (actual, printed, unit) = match quantity {
            "share-snr" => {
                let p: f64 = text.trim_end_matches(" %").parse().unwrap();
                (100.0 * w.share_snr_below_1, p, 1.0)
            }
            "median-sigma" => (w.median_sigma, text.parse().unwrap(), 0.001),
            other => panic!("no quantity {other}"),
        };
        assert!(
            (actual - printed).abs() <= unit / 2.0 + 1e-12,
            "{name}={value}: the page says {quantity} {text}, the run ends with {actual}"
        );
    }
}

/// Each of Bayes-by-Backprop's three estimators trains the small network to well below the
/// targets' spread (about 0.93), on the CPU engine.
#[test]
fn every_estimator_learns_the_curve() {
    use bbb_core::config::method::Method;
    for method in Method::BBB {
        let config = Config {
            method,
            width: 16,
            depth: 1,
            lr: 0.01,
            lr_min: 0.001,
            ..short(1, 4)
        };
        let mut t = cpu_trainer(config);
        assert_eq!(t.engine_kind(), EngineKind::Cpu, "{method:?}");
        let s = ready(t.run_to_end()).unwrap();
        assert!(s.test.rmse < 0.4, "{method:?}: test RMSE {}", s.test.rmse);
    }
}
