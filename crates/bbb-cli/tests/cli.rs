//! The CLI as a user meets it: a short run writes every output, also when its reader leaves early;
//! bad arguments are explained.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bbb-cli"))
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bbb-cli-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Five epochs of the quick preset with light evaluation, writing into `dir`.
fn short_run(dir: &Path) -> Command {
    let mut run = cli();
    run.args([
        "--preset",
        "quick",
        "--warmup-epochs",
        "2",
        "--vi-epochs",
        "3",
    ])
    .args([
        "--mc-elbo",
        "1",
        "--mc-rmse",
        "2",
        // A raised learning rate, so five epochs fit the curve; twelve draws, few enough
        // to be quick and enough that the band's width does not hang on the luck of three.
        "--predictive-samples",
        "12",
        "--lr",
        "0.01",
        "--lr-min",
        "0.001",
    ])
    .args(["--backend", "ndarray", "--out"])
    .arg(dir);
    run
}

#[test]
fn a_short_run_writes_summary_history_and_plots() {
    let dir = out_dir("run");
    let out = short_run(&dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Restored best checkpoint from epoch"));
    assert!(stdout.contains("Test ELBO="));
    assert!(stdout.contains("Criterion ratio >= 0.65:"));
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).expect("summary.json parses");
    let number = |key: &str| {
        summary[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key} is not a number in\n{text}"))
    };
    for key in [
        "test_elbo",
        "test_nll",
        "test_kl",
        "test_rmse",
        "best_val_rmse",
        "ema_elbo_delta",
        "ema_elbo_nonincrease_ratio",
        "seconds_total",
        "seconds_train",
        "seconds_eval",
    ] {
        assert!(number(key).is_finite(), "{key}");
    }
    // The ELBO is NLL + KL weight · KL, and the run's own facts are what was asked for.
    let elbo = number("test_nll") + 1e-4 * number("test_kl");
    assert!((number("test_elbo") - elbo).abs() < 1e-9 * elbo.abs().max(1.0));
    assert!(number("test_rmse") > 0.0 && number("test_rmse") < 1.0);
    assert!((1..=5).contains(&summary["best_epoch"].as_u64().unwrap()));
    assert!(summary["diagnostics_pass"].is_boolean());
    assert_eq!(summary["n_parameters"], 64658);
    assert_eq!(summary["backend"], "ndarray");
    assert_eq!(summary["method"], "bbb");
    // The gradient's spread for each estimator, at the final parameters.
    for method in ["bbb", "bbb-lrt", "bbb-flipout"] {
        for part in ["mu", "rho"] {
            let v = summary["gradient_variance"][method][part].as_f64();
            assert!(
                v.is_some_and(|v| v > 0.0 && v.is_finite()),
                "{method} {part}: {v:?}"
            );
        }
    }
    assert_eq!(summary["preset"], "quick");
    assert_eq!(summary["seed"], 13);
    assert_eq!(summary["epochs"], 5);
    let history = std::fs::read_to_string(dir.join("history.csv")).unwrap();
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 1 + 5);
    assert!(lines[0].starts_with("epoch,stage,next_lr,train_elbo"));
    assert!(lines[1].starts_with("1,warmup,0.01,"));
    assert!(lines[3].starts_with("3,vi,"));
    // Too short a run for the meter while training: its columns are there, empty.
    assert!(lines[0].ends_with(",grad_var_mu_bbb-flipout,grad_var_rho_bbb-flipout"));
    assert!(lines[1..].iter().all(|l| l.ends_with(",,,,,,")));
    // The predictive figure shows its band and its mean, found by their colours (bbb-plots'
    // BLUE at 20 % over white, and BLUE); the legend alone holds 160 (measured with the band's
    // polygon emptied) and ~40 such pixels.
    let img = image::open(dir.join("predictive.png")).unwrap().to_rgb8();
    let near = |rgb: [u8; 3], tol: u8| {
        img.pixels()
            .filter(|p| (0..3).all(|k| p.0[k].abs_diff(rgb[k]) <= tol))
            .count()
    };
    let (band, mean) = (near([210, 228, 240], 6), near([31, 119, 180], 12));
    // Five epochs leave the weights band a pixel or two tall: 300–560 pixels with the legend's
    // over two samplers, two ways of drawing the noise and 12–300 draws.
    assert!(band > 240, "the band is missing ({band} pixels)");
    assert!(mean > 800, "the mean is missing ({mean} pixels)");
    // The noise's part of the total band: PURPLE at 20 % over white.
    let noise = near([234, 225, 242], 6);
    assert!(noise > 2_000, "the total band is missing ({noise} pixels)");
    // The sampled networks: TEAL at 50 % over whatever lies below (low red, green ≈ blue).
    let teal = img
        .pixels()
        .filter(|p| {
            let [r, g, b] = p.0.map(i32::from);
            r < 150 && g > r + 40 && (g - b).abs() < 20
        })
        .count();
    assert!(
        teal > 500,
        "the sampled networks are missing ({teal} pixels)"
    );
    // The posterior's numbers: coverage grows with the level, and the noise widens the band.
    let coverage = |band: &str| -> Vec<f64> {
        summary["coverage"][band]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let (weights, total) = (coverage("weights"), coverage("total"));
    assert_eq!(weights.len(), 5);
    assert!(weights.windows(2).all(|w| w[0] <= w[1]), "{weights:?}");
    assert!(
        weights.iter().zip(&total).all(|(w, t)| w <= t),
        "{weights:?} {total:?}"
    );
    assert_eq!(number("coverage_total_95"), total[3]);
    assert_eq!(number("coverage_weights_95"), weights[3]);
    assert!(number("noise_sigma_hat") > 0.05 && number("noise_sigma_hat") < 0.5);
    assert!(number("crps") > 0.0 && number("gaussian_nll").is_finite());
    assert!(number("prior_function_spread") > 100.0 * number("initial_function_spread"));
    assert!(number("median_sigma") > 0.005 && number("median_sigma") < 0.9);
    assert!(stdout.contains("Noise sigma: estimated"));
    assert!(stdout.contains("Test coverage at 50 / 80 / 90 / 95 / 99 %"));
    // Each new figure by the colours of its own elements.
    let count = |png: &str, rgb: [u8; 3], tol: u8| {
        let img = image::open(dir.join(png)).unwrap().to_rgb8();
        img.pixels()
            .filter(|p| (0..3).all(|k| p.0[k].abs_diff(rgb[k]) <= tol))
            .count()
    };
    // Prior functions (PURPLE) and initial ones (BROWN), both drawn solid.
    assert!(
        count("before.png", [148, 103, 189], 30) > 2_000,
        "before.png: no prior functions"
    );
    assert!(
        count("before.png", [140, 86, 75], 30) > 1_000,
        "before.png: no initial functions"
    );
    // Reliability lines: weights only (BLUE) and total (PURPLE).
    assert!(
        count("calibration.png", [31, 119, 180], 12) > 300,
        "calibration.png: no weights line"
    );
    assert!(
        count("calibration.png", [148, 103, 189], 12) > 300,
        "calibration.png: no total line"
    );
    // Histogram bars: σ in BLUE and |μ|/σ in GREEN, both at 75 % over white.
    assert!(
        count("weights.png", [87, 153, 199], 6) > 2_000,
        "weights.png: no σ bars"
    );
    assert!(
        count("weights.png", [97, 184, 97], 6) > 2_000,
        "weights.png: no |μ|/σ bars"
    );
    for png in [
        "data.png",
        "curves.png",
        "predictive.png",
        "before.png",
        "calibration.png",
        "weights.png",
    ] {
        let bytes = std::fs::read(dir.join(png)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG", "{png} is not a PNG");
        assert!(
            bytes.len() > 10_000,
            "{png} looks empty ({} bytes)",
            bytes.len()
        );
    }
    shows_the_saved_posterior_again(&dir, &summary, &history);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--load` on the run's `posterior.safetensors`: no training, the same summary numbers and
/// history, the figures drawn; flags that would change the settings, and broken files, refused.
fn shows_the_saved_posterior_again(
    dir: &std::path::Path,
    first: &serde_json::Value,
    history: &str,
) {
    let file = dir.join("posterior.safetensors");
    let again = dir.join("again");
    let out = cli()
        .args(["--backend", "ndarray", "--quiet", "--load"])
        .arg(&file)
        .arg("--out")
        .arg(&again)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("5 epochs trained") && stdout.contains("no training"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(again.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in [
        "test_elbo",
        "test_rmse",
        "best_val_rmse",
        "best_epoch",
        "ema_elbo_delta",
        "crps",
        "noise_sigma_hat",
        "median_sigma",
        "epochs",
        "seed",
    ] {
        assert_eq!(summary[key], first[key], "{key}");
    }
    // The same history, but for the gradient meter's columns (a loaded run trains nothing).
    let core_columns = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.rsplitn(7, ',').nth(6).unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        core_columns(&std::fs::read_to_string(again.join("history.csv")).unwrap()),
        core_columns(history)
    );
    assert!(
        std::fs::metadata(again.join("predictive.png"))
            .unwrap()
            .len()
            > 10_000
    );
    let refused = |args: &[&str], path: &std::path::Path, needle: &str| {
        let out = cli().args(args).arg("--load").arg(path).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    };
    refused(&["--kl-weight", "0.01"], &file, "leave out --kl-weight");
    let bytes = std::fs::read(&file).unwrap();
    let cut = dir.join("cut.safetensors");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    refused(&[], &cut, "cut short");
    refused(
        &[],
        &dir.join("history.csv"),
        "not a readable safetensors file",
    );
    refused(&[], &dir.join("missing.safetensors"), "cannot read it");
}

/// `--method` trains with another of Bayes-by-Backprop's estimators and says so.
#[test]
fn the_method_flag_chooses_the_estimator() {
    let dir = out_dir("method");
    let out = short_run(&dir)
        .args(["--method", "bbb-flipout", "--width", "16", "--depth", "1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(summary["method"], "bbb-flipout");
    let rmse = summary["test_rmse"].as_f64().unwrap();
    assert!(rmse > 0.0 && rmse < 0.5, "test RMSE {rmse}");
    let refused = cli().args(["--method", "mcmc"]).output().unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("bbb-lrt"), "{message}");
}

/// A run of 28 epochs of 100 mini-batches reads the gradient meter at the end of its first and
/// its last VI epoch (2 and 28): six more cells in those rows of `history.csv`, empty between.
#[test]
fn the_meter_is_read_while_training_when_the_run_is_long_enough() {
    let dir = out_dir("meter");
    let out = cli()
        .args(["--width", "8", "--depth", "1", "--batch-size", "8"])
        .args([
            "--warmup-epochs",
            "1",
            "--vi-epochs",
            "27",
            "--mc-elbo",
            "1",
            "--mc-rmse",
            "1",
        ])
        .args(["--predictive-samples", "8", "--quiet", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history = std::fs::read_to_string(dir.join("history.csv")).unwrap();
    let lines: Vec<&str> = history.lines().collect();
    let meter = |line: &str| -> Vec<String> {
        let mut cells: Vec<String> = line.rsplitn(7, ',').take(6).map(String::from).collect();
        cells.reverse();
        cells
    };
    for (epoch, line) in lines.iter().enumerate().skip(1) {
        let cells = meter(line);
        let read = epoch == 2 || epoch == 28;
        let numbers = cells
            .iter()
            .all(|c| c.parse::<f64>().is_ok_and(|v| v > 0.0));
        assert_eq!(numbers, read, "epoch {epoch}: {cells:?}");
        assert!(
            read || cells.iter().all(String::is_empty),
            "epoch {epoch}: {cells:?}"
        );
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let during = summary["gradient_variance_during"].as_array().unwrap();
    assert_eq!(during.len(), 2);
    let last = &during[1]["estimators"]["bbb"]["mu"];
    assert_eq!(
        last.as_f64().unwrap().to_string(),
        meter(lines[28])[0],
        "history and summary agree"
    );
}

#[test]
fn compare_writes_a_row_per_method_and_the_gp() {
    let dir = out_dir("compare");
    let mut run = cli();
    run.args([
        "compare",
        "--methods",
        "bbb,ensemble,hmc,gp",
        "--scenario",
        "gap",
    ])
    .args([
        "--width",
        "8",
        "--depth",
        "1",
        "--warmup-epochs",
        "2",
        "--vi-epochs",
        "3",
    ])
    .args(["--ensemble-size", "2", "--predictive-samples", "12"])
    .args([
        "--hmc-chains",
        "2",
        "--hmc-warmup",
        "20",
        "--hmc-samples",
        "10",
    ])
    .args(["--hmc-leapfrog", "4", "--backend", "ndarray", "--out"])
    .arg(&dir);
    let out = run.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.join("compare.json")).unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["bbb", "ensemble", "hmc", "gp"]);
    for r in &rows {
        let gap = &r["regions"]["gap"];
        let (doubt, total) = (
            gap["doubt_width_95"].as_f64().unwrap(),
            gap["total_width_95"].as_f64().unwrap(),
        );
        assert!(doubt >= 0.0 && total > doubt, "{r}");
        assert!(gap["crps"].as_f64().unwrap() > 0.0);
        assert!(r["cost"]["seconds"].as_f64().unwrap() >= 0.0);
    }
    let hmc = &rows[2]["hmc"];
    assert!(hmc["rhat_max"].as_f64().unwrap() >= 1.0 && hmc["ess_min"].as_f64().unwrap() > 0.0);
    // Two members of 9·8 + 8, 2·(8·8 + 8), 8 + 1 = 233 weights each.
    assert_eq!(rows[1]["cost"]["parameters"], 466);
    let csv = std::fs::read_to_string(dir.join("compare.csv")).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("hmc,")).count(),
        2,
        "data and gap"
    );
    assert!(dir.join("compare.png").exists());
    // The sentence under the table orders the entries by how much their band widens.
    let printed = String::from_utf8_lossy(&out.stdout);
    let widening = printed
        .lines()
        .find(|l| l.starts_with("In the gap"))
        .expect("the widening sentence");
    let ratio = |r: &serde_json::Value| {
        r["regions"]["gap"]["doubt_width_95"].as_f64().unwrap()
            / r["regions"]["data"]["doubt_width_95"].as_f64().unwrap()
    };
    let mut by_ratio: Vec<&serde_json::Value> = rows.iter().collect();
    by_ratio.sort_by(|a, b| ratio(b).total_cmp(&ratio(a)));
    let said: Vec<usize> = by_ratio
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap();
            widening
                .find(&format!("{:.1}× for {name}", ratio(r)))
                .unwrap_or_else(|| panic!("{name} in {widening}"))
        })
        .collect();
    assert!(said.windows(2).all(|w| w[0] < w[1]), "{widening}");
    let refused = cli()
        .args(["compare", "--methods", "bbb,mcmc"])
        .output()
        .unwrap();
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && message.contains("mcmc"),
        "{message}"
    );
}

#[test]
fn bad_arguments_exit_non_zero_with_a_message() {
    for (args, needle) in [
        (vec!["--preset", "medium"], "unknown preset 'medium'"),
        (
            vec!["--lr", "-0.1"],
            "--lr: learning rate must be greater than 0",
        ),
        (vec!["--mc-rmse", "zero"], "'zero' is not a whole number"),
        (vec!["--backend", "cuda"], "unknown backend 'cuda'"),
        (vec!["--what"], "unexpected argument '--what'"),
    ] {
        let out = cli().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} should not start a run");
    }
    let help = cli().arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--prior-sigma <X>") && help.contains("bench"),
        "{help}"
    );
    #[cfg(not(feature = "wgpu"))]
    {
        let out = cli()
            .args(["--backend", "wgpu", "--out"])
            .arg(out_dir("wgpu"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--features wgpu"));
    }
}

/// `bbb-cli … | head -2` closes the pipe after two lines; here it is closed before the first,
/// so every line the run prints meets a closed pipe. The run still writes its files and exits 0.
#[test]
fn a_reader_that_leaves_early_does_not_stop_the_run() {
    let dir = out_dir("closed");
    let mut child = short_run(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}\n{stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    for file in ["summary.json", "history.csv", "predictive.png"] {
        assert!(dir.join(file).is_file(), "{file} was not written");
    }
}
