//! Every hyperparameter of the tutorial in one place. `Config::default()` is the tutorial's full
//! run; `Config::quick()` its quick mode. `validate` turns a bad value into a readable error.

use std::sync::Arc;

use crate::config::edits::Edits;
use crate::config::error::ConfigError;
use crate::config::method::{Compared, Method};
use crate::config::scenario::Scenario;

/// The two training budgets the tutorial ships with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// 10 warmup + 80 VI epochs, light evaluation (MC 2 / 8).
    Quick,
    /// 60 warmup + 1000 VI epochs, the tutorial's default (MC 6 / 32).
    Full,
}

impl Preset {
    /// Both presets, quick first.
    pub const ALL: [Preset; 2] = [Preset::Quick, Preset::Full];

    /// The preset's lowercase name (`quick` / `full`).
    pub fn name(self) -> &'static str {
        match self {
            Preset::Quick => "quick",
            Preset::Full => "full",
        }
    }

    /// Parses `quick` or `full`.
    pub fn parse(name: &str) -> Result<Self, ConfigError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "quick" => Ok(Preset::Quick),
            "full" => Ok(Preset::Full),
            other => Err(ConfigError::new(
                Some("preset"),
                format!("unknown preset '{other}': choose 'quick' or 'full'"),
            )),
        }
    }
}

/// All hyperparameters of data, model, objective, optimiser and evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Seed for the data, the initial weights, the shuffles and the weight noise.
    pub seed: u64,
    /// Where the synthetic inputs lie (the tutorial's recipe, a gap, two clusters, few points).
    pub scenario: Scenario,
    /// The figures and the test split cover x in `[−x_range, x_range]`.
    pub x_range: f64,
    /// Whether an exact Gaussian process is fitted and shown beside the network (1) or not (0).
    pub gp: usize,
    /// How the weights are learnt (Bayes-by-Backprop's gradient estimator, or another method).
    pub method: Method,
    /// What a comparison runs (the methods and the GP).
    pub compare: Compared,
    /// MC dropout's drop rate on every hidden unit.
    pub dropout_p: f64,
    /// Members of a deep ensemble.
    pub ensemble_size: usize,
    /// HMC's chains.
    pub hmc_chains: usize,
    /// HMC's warm-up transitions per chain (step size and mass adapted, not kept).
    pub hmc_warmup: usize,
    /// HMC's kept transitions per chain.
    pub hmc_samples: usize,
    /// HMC's leapfrog steps per transition.
    pub hmc_leapfrog: usize,
    /// The mean acceptance HMC's step size is adapted to.
    pub hmc_accept: f64,
    /// Points a person added to or removed from the training split.
    pub edits: Edits,
    /// A person's own points `(x, y)` in place of the synthetic data (split at random).
    pub own_data: Option<Arc<Vec<(f64, f64)>>>,
    /// Observation noise standard deviation of the synthetic data.
    pub noise_std: f64,
    /// Training points.
    pub n_train: usize,
    /// Validation points.
    pub n_val: usize,
    /// Test points.
    pub n_test: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Hidden width of the residual network.
    pub width: usize,
    /// Number of residual blocks.
    pub depth: usize,
    /// Standard deviation of the N(0, prior_sigma²) prior on every weight and bias.
    pub prior_sigma: f64,
    /// Initial rho of every weight and bias (sigma = softplus(rho)).
    pub rho_init: f64,
    /// Multiplier of the KL term in the ELBO.
    pub kl_weight: f64,
    /// Weight draws per ELBO step while training.
    pub train_mc_samples: usize,
    /// Deterministic warmup epochs (MSE on the posterior means).
    pub warmup_epochs: usize,
    /// Variational epochs (ELBO).
    pub vi_epochs: usize,
    /// Learning rate of warmup and the start of the cosine schedule.
    pub lr: f64,
    /// Learning rate at the end of the cosine schedule.
    pub lr_min: f64,
    /// AdamW first-moment decay.
    pub beta1: f64,
    /// AdamW second-moment decay.
    pub beta2: f64,
    /// AdamW epsilon.
    pub adam_eps: f64,
    /// Decoupled weight decay, applied to every parameter.
    pub weight_decay: f64,
    /// Maximum global L2 norm of the gradient.
    pub clip_norm: f64,
    /// MC samples of the per-epoch ELBO evaluation.
    pub eval_mc_elbo: usize,
    /// MC samples of the per-epoch RMSE evaluation.
    pub eval_mc_rmse: usize,
    /// MC samples of the test ELBO.
    pub test_mc_elbo: usize,
    /// MC samples of the test RMSE.
    pub test_mc_rmse: usize,
    /// Sampled forward passes of the final posterior predictive.
    pub predictive_samples: usize,
    /// Grid points of the final posterior predictive on [-3, 3].
    pub grid_points: usize,
    /// Sampled forward passes of the predictive the page redraws while training.
    pub live_samples: usize,
    /// Grid points of the predictive the page redraws while training.
    pub live_grid_points: usize,
    /// Whether the page redraws the predictive, calibration and weight figures while training
    /// (1) or only at the end (0, to measure what the live figures cost).
    pub live_views: usize,
    /// Smoothing factor of the diagnostic EMA.
    pub ema_alpha: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self::full()
    }
}

impl Config {
    /// The tutorial's full run: 60 warmup + 1000 VI epochs.
    pub fn full() -> Self {
        Self {
            seed: 13,
            scenario: Scenario::Tutorial,
            x_range: 3.0,
            gp: 1,
            method: Method::Bbb,
            compare: Compared::ALL,
            dropout_p: 0.1,
            ensemble_size: 5,
            hmc_chains: 4,
            hmc_warmup: 400,
            hmc_samples: 600,
            hmc_leapfrog: 128,
            hmc_accept: 0.8,
            edits: Edits::default(),
            own_data: None,
            noise_std: 0.08,
            n_train: 800,
            n_val: 200,
            n_test: 200,
            batch_size: 128,
            width: 72,
            depth: 3,
            prior_sigma: 0.9,
            rho_init: -4.5,
            kl_weight: 1e-4,
            train_mc_samples: 1,
            warmup_epochs: 60,
            vi_epochs: 1000,
            lr: 4e-4,
            lr_min: 1e-4,
            beta1: 0.9,
            beta2: 0.999,
            adam_eps: 1e-8,
            weight_decay: 1e-5,
            clip_norm: 1.0,
            eval_mc_elbo: 6,
            eval_mc_rmse: 32,
            test_mc_elbo: 8,
            test_mc_rmse: 64,
            predictive_samples: 300,
            grid_points: 300,
            live_samples: 30,
            live_grid_points: 100,
            live_views: 1,
            ema_alpha: 0.2,
        }
    }

    /// The tutorial's quick mode: 10 warmup + 80 VI epochs, MC 2 / 8 per epoch.
    pub fn quick() -> Self {
        Self {
            warmup_epochs: 10,
            vi_epochs: 80,
            eval_mc_elbo: 2,
            eval_mc_rmse: 8,
            ..Self::full()
        }
    }

    /// The configuration of a preset.
    pub fn preset(preset: Preset) -> Self {
        match preset {
            Preset::Quick => Self::quick(),
            Preset::Full => Self::full(),
        }
    }

    /// Total epochs (warmup + VI).
    pub fn total_epochs(&self) -> usize {
        self.warmup_epochs + self.vi_epochs
    }

    /// Mini-batches per training epoch, `ceil(n_train / batch_size)`.
    pub fn num_batches(&self) -> usize {
        self.n_train.div_ceil(self.batch_size)
    }

    /// Whether `self` trains exactly as `other`: the same data, network, objective, schedule,
    /// evaluation and seed. Only the predictives drawn afterwards, the GP shown beside them and
    /// the comparison's settings may differ.
    pub fn trains_as(&self, other: &Config) -> bool {
        let mut c = self.clone();
        (c.predictive_samples, c.grid_points, c.gp) =
            (other.predictive_samples, other.grid_points, other.gp);
        (c.live_samples, c.live_grid_points) = (other.live_samples, other.live_grid_points);
        // The comparison's own settings leave Bayes-by-Backprop's training alone.
        (c.compare, c.dropout_p, c.ensemble_size) =
            (other.compare, other.dropout_p, other.ensemble_size);
        (c.hmc_chains, c.hmc_warmup, c.hmc_samples) =
            (other.hmc_chains, other.hmc_warmup, other.hmc_samples);
        (c.hmc_leapfrog, c.hmc_accept) = (other.hmc_leapfrog, other.hmc_accept);
        c == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::settings::{self, Kind, SETTINGS};

    #[test]
    fn a_run_trains_as_the_quick_preset_until_a_training_setting_changes() {
        let quick = Config::quick();
        let drawn = Config {
            predictive_samples: 7,
            live_grid_points: 9,
            gp: 0,
            compare: Compared(1),
            hmc_chains: 2,
            dropout_p: 0.2,
            ..Config::quick()
        };
        assert!(quick.trains_as(&quick) && drawn.trains_as(&quick));
        for changed in [
            Config {
                seed: 14,
                ..Config::quick()
            },
            Config {
                scenario: Scenario::Gap,
                ..Config::quick()
            },
            Config {
                width: 16,
                ..Config::quick()
            },
            Config {
                kl_weight: 0.01,
                ..Config::quick()
            },
            Config::full(),
        ] {
            assert!(!changed.trains_as(&quick), "{changed:?}");
        }
    }

    #[test]
    fn presets_are_the_tutorials() {
        let full = Config::default();
        assert_eq!((full.warmup_epochs, full.vi_epochs), (60, 1000));
        assert_eq!((full.eval_mc_elbo, full.eval_mc_rmse), (6, 32));
        assert_eq!(full.num_batches(), 7);
        let quick = Config::quick();
        assert_eq!((quick.warmup_epochs, quick.vi_epochs), (10, 80));
        assert_eq!((quick.eval_mc_elbo, quick.eval_mc_rmse), (2, 8));
        assert!(full.validate().is_ok() && quick.validate().is_ok());
        assert_eq!(Preset::parse(" Quick ").unwrap(), Preset::Quick);
        assert!(Preset::parse("fast").is_err());
    }

    #[test]
    fn every_setting_is_set_by_name() {
        let mut c = Config::quick();
        for s in SETTINGS {
            let least = format!("{}", s.range.min);
            let (text, v) = if let Kind::Choice(names) = s.kind {
                (names[names.len() - 1], (names.len() - 1) as f64)
            } else if let Kind::Set(names) = s.kind {
                (names[names.len() - 1], (1u32 << (names.len() - 1)) as f64)
            } else if s.range.min > 3.0 {
                (least.as_str(), s.range.min)
            } else if s.range.max >= 3.0 {
                ("3", 3.0)
            } else if s.kind == Kind::Whole {
                ("0", 0.0)
            } else {
                ("0.5", 0.5)
            };
            c.set(s.name, text).unwrap();
            assert_eq!(s.value(&c), v, "{}", s.name);
        }
        assert_eq!((c.seed, c.vi_epochs, c.lr, c.eval_mc_rmse), (3, 3, 0.5, 3));
        let e = c.set("colour", "1").unwrap_err();
        assert!(e.message.contains("unknown setting"), "{e}");
    }

    #[test]
    fn a_huge_value_is_refused_not_wrapped() {
        let mut c = Config::quick();
        for text in ["33", "1000000000000000", "18446744073709551615"] {
            let e = c.set("depth", text).expect_err(text);
            assert!(
                e.message.contains("depth must be at most 32"),
                "{text}: {e}"
            );
        }
        let e = c.set("depth", "18446744073709551616").unwrap_err();
        assert!(e.message.contains("not a whole number"), "{e}");
        // Nothing was written by the refused values.
        assert_eq!(c.depth, 3);
        c.depth = usize::MAX;
        let e = c.validate().unwrap_err();
        assert_eq!(e.setting, Some("depth"));
    }

    #[test]
    fn a_learning_rate_below_the_final_rate_names_both_visible_settings() {
        let mut c = Config::quick();
        c.set("lr", "5e-5").unwrap();
        let e = c.validate().unwrap_err();
        assert_eq!(e.setting, Some("lr-min"));
        assert!(
            e.message.contains("final learning rate (0.0001)")
                && e.message.contains("learning rate (0.00005)"),
            "{e}"
        );
        assert!(settings::find("lr-min").unwrap().offered.page);
        c.set("lr-min", "1e-5").unwrap();
        assert!(c.validate().is_ok());
    }

    #[test]
    fn validation_catches_a_bad_value_in_every_entry() {
        // A choice is an enum on `Config`: it cannot hold a value out of its range.
        for s in SETTINGS
            .iter()
            .filter(|s| !matches!(s.kind, Kind::Choice(_)))
        {
            let mut c = Config::quick();
            s.write(&mut c, s.range.max * 2.0 + 1.0);
            let e = c.validate().expect_err(s.name);
            assert_eq!(e.setting, Some(s.name), "{e}");
            assert!(e.message.starts_with(s.label), "{e}");
        }
        let fixed = [
            Config {
                beta2: 1.0,
                ..Config::quick()
            },
            Config {
                n_test: 0,
                ..Config::quick()
            },
            Config {
                n_train: 1,
                ..Config::quick()
            },
        ];
        for c in fixed {
            assert!(c.validate().unwrap_err().message.contains("fixed setting"));
        }
    }
}
