//! The posterior file: a finished run saved and loaded again gives the run's own summary and
//! predictive without training, and every kind of broken or hostile file is refused with a
//! sentence that says what is wrong.

use bbb_core::report::posterior_file::PosteriorFile;
use bbb_core::{Backend, Config, Event, NoiseSource, Preset, Trainer};
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

fn device() -> bbb_core::burn::tensor::Device {
    Backend::available()
        .into_iter()
        .find_map(Backend::cpu_device)
        .expect("a CPU backend")
}

/// A short run with a best epoch that is not the last (learning rate 0.01 overshoots), a
/// setting away from the preset's and one added point.
fn finished() -> (Trainer, PosteriorFile) {
    let mut config = Config {
        warmup_epochs: 1,
        vi_epochs: 3,
        eval_mc_elbo: 1,
        eval_mc_rmse: 2,
        lr: 0.01,
        lr_min: 0.001,
        kl_weight: 1e-3,
        ..Config::quick()
    };
    config.edits.add((0.5, 2.0)).unwrap();
    let mut t = Trainer::new(config, device(), NoiseSource::Host).unwrap();
    ready(t.run_to_end()).unwrap();
    let file = ready(t.posterior_file(Preset::Quick)).unwrap();
    (t, file)
}

fn refused(file: &PosteriorFile, why: &str) {
    let bytes = file.encode().unwrap();
    refused_bytes(&bytes, why);
}

fn refused_bytes(bytes: &[u8], why: &str) {
    match PosteriorFile::decode(bytes) {
        Ok(_) => panic!("accepted a file that should fail with \"{why}\""),
        Err(e) => assert!(e.contains(why), "\"{e}\" does not say \"{why}\""),
    }
}

#[test]
fn a_saved_posterior_shows_the_runs_own_numbers_without_training() {
    let (original, file) = finished();
    let bytes = file.encode().unwrap();
    let read = PosteriorFile::decode(&bytes).unwrap();
    assert_eq!(read, file);
    let config = read.config().unwrap();
    assert_eq!(config.kl_weight, 1e-3);
    assert_eq!(config.edits.added, vec![(0.5, 2.0)]);
    let mut loaded = Trainer::from_posterior(&read, config, device(), NoiseSource::Host).unwrap();
    // Nothing but the test is left: a batch of it per step, then the run's own summary.
    let summary = loop {
        match ready(loaded.step()).unwrap() {
            Event::Tested { .. } => continue,
            Event::Finished(summary) => break summary,
            other => panic!("a loaded posterior goes straight to its test, not {other:?}"),
        }
    };
    assert_eq!(&summary, original.summary().unwrap());
    assert_eq!(loaded.history(), original.history());
    let a = ready(original.predictive(50, 40)).unwrap();
    let b = ready(loaded.predictive(50, 40)).unwrap();
    assert_eq!(
        (a.mean, a.std, a.noise_sigma),
        (b.mean, b.std, b.noise_sigma)
    );
    // Saving needs a finished run.
    let fresh = Trainer::new(Config::quick(), device(), NoiseSource::Host).unwrap();
    assert!(ready(fresh.posterior_file(Preset::Quick)).is_err());
}

#[test]
fn broken_and_hostile_files_are_refused_with_a_reason() {
    let (_, good) = finished();
    let bytes = good.encode().unwrap();
    refused_bytes(&[], "not a readable safetensors file");
    refused_bytes(&bytes[..bytes.len() - 7], "cut short");
    refused_bytes(&bytes[..20], "cut short");
    // A header length far beyond the file, and a header that is not JSON.
    let mut huge = bytes.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    refused_bytes(&huge, "not a readable safetensors file");
    let mut garbled = bytes.clone();
    garbled[9] = b'#';
    refused_bytes(&garbled, "not a readable safetensors file");
    refused_bytes(&vec![0u8; 17 << 20], "well under");

    let mut f = good.clone();
    f.settings.retain(|(k, _)| k != "preset");
    f.settings.push(("kl-weight".into(), "lots".into()));
    refused(&f, "the file's settings");
    let mut f = good.clone();
    f.tensors[0].1 = [9, 71];
    f.tensors[0].2.truncate(9 * 71);
    refused(&f, "has shape [9, 71]");
    let mut f = good.clone();
    f.tensors[5].2[3] = f32::NAN;
    refused(&f, "holds NaN");
    let mut f = good.clone();
    f.tensors[2].2[0] = 1e30;
    refused(&f, "which no trained network has");
    let mut f = good.clone();
    f.tensors.pop();
    refused(&f, "lacks the tensor \"output.bias_rho\"");
    let mut f = good.clone();
    f.tensors.push(("evil".into(), [1, 1], vec![0.0]));
    refused(&f, "a tensor \"evil\"");
    let mut f = good.clone();
    f.history.pop();
    refused(&f, "one row for each of its 4 epochs");
    let mut f = good.clone();
    f.best_epoch = 9;
    refused(&f, "best epoch 9");
    // Settings that make another network: every tensor's shape is then wrong.
    let mut f = good.clone();
    for (k, v) in &mut f.settings {
        if k == "width" {
            *v = "16".into();
        }
    }
    refused(&f, "these settings make it [9, 16]");

    // A valid safetensors file that is not ours.
    let data = vec![0u8; 16];
    let view =
        safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![4], &data).unwrap();
    let other = safetensors::serialize([("x", view)], None).unwrap();
    refused_bytes(&other, "not a posterior saved by bbb-cli or the page");

    // Trained on a file of the person's own: the page (no such file) cannot show it.
    let mut f = good.clone();
    f.own_data = true;
    let read = PosteriorFile::decode(&f.encode().unwrap()).unwrap();
    let e = Trainer::from_posterior(&read, read.config().unwrap(), device(), NoiseSource::Host)
        .unwrap_err();
    assert!(e.to_string().contains("--data FILE"), "{e}");
    let mut f = good.clone();
    f.train_points = 12;
    let read = PosteriorFile::decode(&f.encode().unwrap()).unwrap();
    let e = Trainer::from_posterior(&read, read.config().unwrap(), device(), NoiseSource::Host)
        .unwrap_err();
    assert!(e.to_string().contains("trained on 12 points"), "{e}");
}
