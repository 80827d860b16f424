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
    let summary = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    for key in [
        "test_elbo",
        "test_nll",
        "test_kl",
        "test_rmse",
        "best_val_rmse",
        "best_epoch",
        "ema_elbo_delta",
        "ema_elbo_nonincrease_ratio",
        "diagnostics_pass",
        "seconds_total",
        "seconds_train",
        "seconds_eval",
        "backend",
        "preset",
        "seed",
        "n_parameters",
    ] {
        assert!(
            summary.contains(&format!("\"{key}\": ")),
            "{key} missing:\n{summary}"
        );
    }
    assert!(summary.contains("\"n_parameters\": 64658"));
    assert!(summary.contains("\"backend\": \"ndarray\""));
    let history = std::fs::read_to_string(dir.join("history.csv")).unwrap();
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 1 + 5);
    assert!(lines[0].starts_with("epoch,stage,lr,train_elbo"));
    assert!(lines[1].starts_with("1,warmup,0.0004,"));
    assert!(lines[3].starts_with("3,vi,"));
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
    for args in [
        vec!["--preset", "medium"],
        vec!["--lr", "-0.1"],
        vec!["--mc-rmse", "zero"],
        vec!["--backend", "cuda"],
        vec!["--what"],
    ] {
        let out = cli().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} should not start a run");
    }
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
