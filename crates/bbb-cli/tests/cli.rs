//! The CLI as a user meets it: a short run writes every output; bad arguments are explained.

use std::path::PathBuf;
use std::process::Command;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bbb-cli"))
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bbb-cli-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_short_run_writes_summary_history_and_plots() {
    let dir = out_dir("run");
    let out = cli()
        .args([
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
            "--backend",
            "ndarray",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
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
    assert_eq!(summary["preset"], "quick");
    assert_eq!(summary["seed"], 13);
    assert_eq!(summary["epochs"], 5);
    let history = std::fs::read_to_string(dir.join("history.csv")).unwrap();
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 1 + 5);
    assert!(lines[0].starts_with("epoch,stage,next_lr,train_elbo"));
    assert!(lines[1].starts_with("1,warmup,0.0004,"));
    assert!(lines[3].starts_with("3,vi,"));
    // The predictive figure shows its band and its mean, found by their colours (bbb-plots'
    // BLUE at 20 % over white, and BLUE); the legend alone holds ~200 and ~40 such pixels.
    let img = image::open(dir.join("predictive.png")).unwrap().to_rgb8();
    let near = |rgb: [u8; 3], tol: u8| {
        img.pixels()
            .filter(|p| (0..3).all(|k| p.0[k].abs_diff(rgb[k]) <= tol))
            .count()
    };
    let (band, mean) = (near([210, 228, 240], 6), near([31, 119, 180], 12));
    assert!(band > 2_000, "the band is missing ({band} pixels)");
    assert!(mean > 800, "the mean is missing ({mean} pixels)");
    for png in ["data.png", "curves.png", "predictive.png"] {
        let bytes = std::fs::read(dir.join(png)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG", "{png} is not a PNG");
        assert!(
            bytes.len() > 10_000,
            "{png} looks empty ({} bytes)",
            bytes.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
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
