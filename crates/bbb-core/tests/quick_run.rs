//! The whole quick preset on a CPU backend, held against the tutorial's own numbers.

use bbb_core::{Backend, Config, Event, Noise, Phase, Stage, Trainer};
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

fn cpu_trainer(config: Config) -> Trainer {
    let device = Backend::available()
        .into_iter()
        .find_map(Backend::cpu_device)
        .expect("a CPU backend");
    Trainer::new(config.clone(), device, Noise::host(config.seed)).unwrap()
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
    // Learning rate: constant in warmup, cosine to lr_min at the last VI epoch.
    assert!(h[..10].iter().all(|r| r.lr == 4e-4));
    assert!((h[89].lr - 1e-4).abs() < 1e-12);
    // After the run the predictive is available and sensible.
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
}

#[test]
fn stepping_is_bounded_and_resumable() {
    let config = Config {
        warmup_epochs: 1,
        vi_epochs: 2,
        eval_mc_elbo: 1,
        eval_mc_rmse: 2,
        ..Config::quick()
    };
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
    // Per epoch: 7 updates, then 7 + 2 evaluation batches; then one test step.
    assert_eq!(phases.len(), 3 * (7 + 9) + 1);
    assert_eq!(phases[0], Phase::Train { batch: 0 });
    assert_eq!(phases[7], Phase::Evaluate { index: 0 });
    assert_eq!(*phases.last().unwrap(), Phase::Test);
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
