//! The tutorial's console output, line for line in its format, and a progress bar for terminals.

use bbb_core::report::metrics::MIN_NONINCREASE_RATIO;
use bbb_core::{Config, EpochRecord, Stage, Summary};
use std::io::IsTerminal;

use crate::say::progress;

/// The progress line printed after an epoch, if the tutorial prints one there.
pub fn epoch_line(r: &EpochRecord, best_val_rmse: f64, config: &Config) -> Option<String> {
    match r.stage {
        Stage::Warmup if r.epoch.is_multiple_of(20) => Some(format!(
            "Warmup {:03}/{} | val_rmse={:.4} | best_val_rmse={:.4} | train_elbo={:.4}",
            r.epoch, config.warmup_epochs, r.val.rmse, best_val_rmse, r.train.elbo
        )),
        Stage::Vi => {
            let vi = r.epoch - config.warmup_epochs;
            vi.is_multiple_of(50).then(|| {
                format!(
                    "VI {:04}/{} | beta={:.5} | lr={:.6} | val_rmse={:.4} | best_val_rmse={:.4} \
                     | train_elbo={:.4} val_elbo={:.4}",
                    vi,
                    config.vi_epochs,
                    config.kl_weight,
                    r.next_lr,
                    r.val.rmse,
                    best_val_rmse,
                    r.train.elbo,
                    r.val.elbo
                )
            })
        }
        _ => None,
    }
}

/// The restore line, the test line and the diagnostics block.
pub fn final_lines(s: &Summary, last_val_rmse: f64) -> Vec<String> {
    let d = &s.diagnostics;
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    vec![
        format!(
            "Restored best checkpoint from epoch {} with val RMSE={:.4}",
            s.best_epoch, s.best_val_rmse
        ),
        format!(
            "Test ELBO={:.4} | Test NLL={:.4} | Test KL={:.4} | Test RMSE={:.4}",
            s.test.elbo, s.test.nll, s.test.kl, s.test.rmse
        ),
        String::new(),
        format!(
            "VI-stage EMA train ELBO delta (last-first): {:.6}",
            d.ema_elbo_delta
        ),
        format!(
            "VI-stage EMA train ELBO non-increase ratio: {:.3}",
            d.ema_elbo_nonincrease_ratio
        ),
        format!("Criterion delta < 0.0: {}", verdict(d.delta_ok)),
        format!(
            "Criterion ratio >= {MIN_NONINCREASE_RATIO}: {}",
            verdict(d.ratio_ok)
        ),
        format!(
            "Val RMSE EMA delta (last-first): {:.6}",
            d.val_rmse_ema_delta
        ),
        format!(
            "Best val RMSE during training: {:.4} at epoch {}",
            s.best_val_rmse, s.best_epoch
        ),
        format!("Last logged val RMSE: {last_val_rmse:.4}"),
        format!("Diagnostics: {}", verdict(d.pass())),
    ]
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
pub struct ProgressBar {
    enabled: bool,
}

impl ProgressBar {
    /// A bar that draws if stderr is a terminal and `quiet` is off.
    pub fn new(quiet: bool) -> Self {
        Self {
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// Redraws the bar.
    pub fn draw(&self, fraction: f64, epoch: usize, total: usize, stage: Stage, secs: f64) {
        if !self.enabled {
            return;
        }
        let width = 30;
        let filled = ((fraction * width as f64).round() as usize).min(width);
        let eta = if fraction > 0.0 {
            secs * (1.0 - fraction) / fraction
        } else {
            0.0
        };
        progress!(
            "\r[{}{}] epoch {epoch}/{total} {:<6} {secs:6.1}s elapsed, ~{eta:.0}s left ",
            "#".repeat(filled),
            ".".repeat(width - filled),
            stage.name(),
        );
    }

    /// Erases the bar so a normal line can be printed.
    pub fn clear(&self) {
        if self.enabled {
            progress!("\r{}\r", " ".repeat(80));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bbb_core::SplitMetrics;

    #[test]
    fn lines_in_the_tutorials_format() {
        let config = Config::default();
        let m = SplitMetrics {
            elbo: 1.7521,
            nll: 0.01,
            kl: 1.0,
            rmse: 0.097,
        };
        let r = EpochRecord {
            epoch: 110,
            stage: Stage::Vi,
            next_lr: bbb_core::train::schedule::cosine_lr(4e-4, 1e-4, 50, 1000),
            train: m,
            val: SplitMetrics { elbo: 1.7537, ..m },
        };
        assert_eq!(
            epoch_line(&r, 0.0878, &config).unwrap(),
            "VI 0050/1000 | beta=0.00010 | lr=0.000398 | val_rmse=0.0970 | best_val_rmse=0.0878 \
             | train_elbo=1.7521 val_elbo=1.7537"
        );
        let w = EpochRecord {
            epoch: 20,
            stage: Stage::Warmup,
            ..r
        };
        assert_eq!(
            epoch_line(&w, 0.0934, &config).unwrap(),
            "Warmup 020/60 | val_rmse=0.0970 | best_val_rmse=0.0934 | train_elbo=1.7521"
        );
        assert!(epoch_line(&EpochRecord { epoch: 21, ..w }, 0.1, &config).is_none());
    }
}
