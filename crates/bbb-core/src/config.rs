//! Every hyperparameter of the tutorial in one place. `Config::default()` is the tutorial's full
//! run; `Config::quick()` its quick mode. `validate` turns a bad value into a readable error.

use std::fmt;

/// The two training budgets the tutorial ships with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// 10 warmup + 80 VI epochs, light evaluation (MC 2 / 8).
    Quick,
    /// 60 warmup + 1000 VI epochs, the tutorial's default (MC 6 / 32).
    Full,
}

impl Preset {
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
            other => Err(ConfigError(format!(
                "unknown preset '{other}': choose 'quick' or 'full'"
            ))),
        }
    }
}

/// All hyperparameters of data, model, objective, optimiser and evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Seed for the data, the initial weights, the shuffles and the weight noise.
    pub seed: u64,
    /// Observation noise standard deviation of the synthetic data.
    pub noise_std: f64,
    /// Points in the train / validation / test splits.
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
    /// Sampled forward passes of the posterior predictive.
    pub predictive_samples: usize,
    /// Grid points of the posterior predictive on [-3, 3].
    pub grid_points: usize,
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

    /// Sets one hyperparameter from text, by its short name (the CLI's flags without `--`, the
    /// page's field names). Only parses; call [`validate`](Self::validate) for the ranges.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(label: &str, text: &str) -> Result<T, ConfigError> {
            let t = text.trim();
            if t.is_empty() {
                return Err(ConfigError(format!("{label} is empty: enter a number")));
            }
            t.parse()
                .map_err(|_| ConfigError(format!("{label}: '{t}' is not a valid number")))
        }
        match name {
            "seed" => self.seed = parse("seed", text)?,
            "warmup-epochs" => self.warmup_epochs = parse("warmup epochs", text)?,
            "vi-epochs" => self.vi_epochs = parse("VI epochs", text)?,
            "lr" => self.lr = parse("learning rate", text)?,
            "lr-min" => self.lr_min = parse("minimum learning rate", text)?,
            "kl-weight" => self.kl_weight = parse("KL weight", text)?,
            "prior-sigma" => self.prior_sigma = parse("prior sigma", text)?,
            "width" => self.width = parse("width", text)?,
            "depth" => self.depth = parse("depth", text)?,
            "batch-size" => self.batch_size = parse("batch size", text)?,
            "mc-elbo" => self.eval_mc_elbo = parse("ELBO MC samples", text)?,
            "mc-rmse" => self.eval_mc_rmse = parse("RMSE MC samples", text)?,
            "train-mc" => self.train_mc_samples = parse("training MC samples", text)?,
            other => return Err(ConfigError(format!("unknown setting '{other}'"))),
        }
        Ok(())
    }

    /// The names [`set`](Self::set) accepts.
    pub const SETTINGS: [&'static str; 13] = [
        "seed",
        "warmup-epochs",
        "vi-epochs",
        "lr",
        "lr-min",
        "kl-weight",
        "prior-sigma",
        "width",
        "depth",
        "batch-size",
        "mc-elbo",
        "mc-rmse",
        "train-mc",
    ];

    /// Checks every value; the error names the setting and what it must be.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let counts: [(&str, usize, usize); 14] = [
            ("training points", self.n_train, 2),
            ("validation points", self.n_val, 1),
            ("test points", self.n_test, 1),
            ("batch size", self.batch_size, 1),
            ("width", self.width, 1),
            ("training MC samples", self.train_mc_samples, 1),
            ("VI epochs", self.vi_epochs, 1),
            ("ELBO MC samples", self.eval_mc_elbo, 1),
            ("RMSE MC samples", self.eval_mc_rmse, 1),
            ("test ELBO MC samples", self.test_mc_elbo, 1),
            ("test RMSE MC samples", self.test_mc_rmse, 1),
            ("predictive samples", self.predictive_samples, 2),
            ("grid points", self.grid_points, 2),
            ("depth", self.depth + 1, 1),
        ];
        for (name, value, min) in counts {
            if value < min {
                return Err(ConfigError(format!("{name} must be at least {min}")));
            }
        }
        let limits: [(&str, usize, usize); 10] = [
            ("training points", self.n_train, 100_000),
            ("validation points", self.n_val, 100_000),
            ("test points", self.n_test, 100_000),
            ("width", self.width, 1024),
            ("depth", self.depth, 32),
            ("warmup epochs", self.warmup_epochs, 100_000),
            ("VI epochs", self.vi_epochs, 100_000),
            ("training MC samples", self.train_mc_samples, 256),
            (
                "ELBO MC samples",
                self.eval_mc_elbo.max(self.test_mc_elbo),
                1024,
            ),
            (
                "RMSE MC samples",
                self.eval_mc_rmse.max(self.test_mc_rmse),
                1024,
            ),
        ];
        for (name, value, max) in limits {
            if value > max {
                return Err(ConfigError(format!("{name} must be at most {max}")));
            }
        }
        if self.predictive_samples > 4096 || self.grid_points > 4096 {
            return Err(ConfigError(
                "predictive samples and grid points must be at most 4096".into(),
            ));
        }
        let positive: [(&str, f64); 7] = [
            ("noise std", self.noise_std),
            ("prior sigma", self.prior_sigma),
            ("learning rate", self.lr),
            ("minimum learning rate", self.lr_min),
            ("Adam epsilon", self.adam_eps),
            ("clip norm", self.clip_norm),
            ("EMA alpha", self.ema_alpha),
        ];
        for (name, value) in positive {
            if !value.is_finite() || value <= 0.0 {
                return Err(ConfigError(format!(
                    "{name} must be a positive number (got {value})"
                )));
            }
        }
        let non_negative: [(&str, f64); 2] = [
            ("KL weight", self.kl_weight),
            ("weight decay", self.weight_decay),
        ];
        for (name, value) in non_negative {
            if !value.is_finite() || value < 0.0 {
                return Err(ConfigError(format!(
                    "{name} must be zero or a positive number (got {value})"
                )));
            }
        }
        if !self.rho_init.is_finite() || self.rho_init.abs() > 30.0 {
            return Err(ConfigError(format!(
                "initial rho must be a number between -30 and 30 (got {})",
                self.rho_init
            )));
        }
        for (name, beta) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(ConfigError(format!(
                    "{name} must be in [0, 1) (got {beta})"
                )));
            }
        }
        if self.lr > 1.0 {
            return Err(ConfigError(format!(
                "learning rate must be at most 1 (got {})",
                self.lr
            )));
        }
        if self.lr_min > self.lr {
            return Err(ConfigError(format!(
                "minimum learning rate ({}) must not exceed the learning rate ({})",
                self.lr_min, self.lr
            )));
        }
        if self.ema_alpha > 1.0 {
            return Err(ConfigError("EMA alpha must be at most 1".into()));
        }
        if self.prior_sigma > 1e3 || self.noise_std > 1e3 || self.kl_weight > 1e3 {
            return Err(ConfigError(
                "prior sigma, noise std and KL weight must be at most 1000".into(),
            ));
        }
        Ok(())
    }
}

/// A setting that cannot be used, with a message meant for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn settings_by_name() {
        let mut c = Config::quick();
        for name in Config::SETTINGS {
            c.set(name, "3").unwrap();
        }
        assert_eq!((c.seed, c.vi_epochs, c.lr, c.eval_mc_rmse), (3, 3, 3.0, 3));
        let mut c = Config::quick();
        for (name, text, needle) in [
            ("lr", "", "empty"),
            ("lr", "fast", "not a valid number"),
            ("width", "-3", "not a valid number"),
            ("width", "2.5", "not a valid number"),
            ("seed", "1e400", "not a valid number"),
            ("colour", "1", "unknown setting"),
        ] {
            let err = c.set(name, text).expect_err(text).0;
            assert!(err.contains(needle), "{name}={text}: {err}");
        }
        c.set("lr", " NaN ").unwrap();
        assert!(c.validate().unwrap_err().0.contains("learning rate"));
        c.set("lr", "1e9").unwrap();
        assert!(c.validate().is_err());
    }

    #[test]
    fn bad_values_are_rejected_with_a_message() {
        let cases: Vec<(Config, &str)> = vec![
            (
                Config {
                    batch_size: 0,
                    ..Config::quick()
                },
                "batch size",
            ),
            (
                Config {
                    lr: 0.0,
                    ..Config::quick()
                },
                "learning rate",
            ),
            (
                Config {
                    lr: -1e-3,
                    ..Config::quick()
                },
                "learning rate",
            ),
            (
                Config {
                    lr: f64::NAN,
                    ..Config::quick()
                },
                "learning rate",
            ),
            (
                Config {
                    prior_sigma: f64::INFINITY,
                    ..Config::quick()
                },
                "prior sigma",
            ),
            (
                Config {
                    kl_weight: -1.0,
                    ..Config::quick()
                },
                "KL weight",
            ),
            (
                Config {
                    width: 0,
                    ..Config::quick()
                },
                "width",
            ),
            (
                Config {
                    eval_mc_rmse: 0,
                    ..Config::quick()
                },
                "RMSE MC",
            ),
            (
                Config {
                    vi_epochs: 10_000_000,
                    ..Config::quick()
                },
                "VI epochs",
            ),
            (
                Config {
                    beta2: 1.0,
                    ..Config::quick()
                },
                "beta2",
            ),
            (
                Config {
                    lr_min: 1.0,
                    ..Config::quick()
                },
                "minimum learning rate",
            ),
        ];
        for (config, needle) in cases {
            let err = config.validate().expect_err(needle).to_string();
            assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        }
    }
}
