//! Checking a configuration before a run uses it: every value against the settings table, the
//! values no table entry exposes, and a person's edits against the data they edit. Every
//! message names the setting at fault the way the person sees it.

use crate::config::scenario::own_split;
use crate::config::settings::{self, SETTINGS};
use crate::config::{Config, ConfigError};

impl Config {
    /// Sets one setting of the [table](crate::config::settings::SETTINGS) from text, by its name (the
    /// CLI's flags without `--`, the page's field and address keys). Parses and checks the range;
    /// [`validate`](Self::validate) checks the whole configuration.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), ConfigError> {
        let setting = settings::find(name)
            .ok_or_else(|| ConfigError::new(None, format!("unknown setting '{name}'")))?;
        let v = setting.parse(text)?;
        setting.write(self, v);
        Ok(())
    }

    /// Checks every value; the error names the setting (by its label) and what it must be.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for s in SETTINGS {
            s.check(s.value(self))?;
        }
        if self.lr_min > self.lr {
            return Err(ConfigError::new(
                Some("lr-min"),
                format!(
                    "final learning rate ({}) must not exceed the learning rate ({})",
                    settings::show(self.lr_min),
                    settings::show(self.lr)
                ),
            ));
        }
        self.validate_fixed()?;
        if !self.edits.is_empty() {
            self.edits.check(self.generated_train_len())?;
        }
        Ok(())
    }

    /// Training points of the data before a person's edits (what removals number): the
    /// scenario's count, or the training share of a person's own points.
    pub fn generated_train_len(&self) -> usize {
        match &self.own_data {
            Some(points) => own_split(points.len()).0,
            None => self.scenario.counts(self.n_train, self.n_val).0,
        }
    }

    /// The values no table entry exposes; only code can get them wrong.
    fn validate_fixed(&self) -> Result<(), ConfigError> {
        let fixed = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError::new(
                    None,
                    format!("invalid fixed setting: {what}"),
                ))
            }
        };
        let positive = |v: f64| v.is_finite() && v > 0.0;
        fixed(
            self.n_train >= 2 && self.n_val >= 1 && self.n_test >= 1,
            "every split needs points (train at least 2)",
        )?;
        fixed(
            self.n_train.max(self.n_val).max(self.n_test) <= 100_000,
            "splits of at most 100000 points",
        )?;
        fixed(
            positive(self.noise_std) && self.noise_std <= 1e3,
            "noise std in (0, 1000]",
        )?;
        fixed(
            positive(self.adam_eps) && positive(self.clip_norm),
            "positive Adam epsilon and clip norm",
        )?;
        fixed(
            positive(self.ema_alpha) && self.ema_alpha <= 1.0,
            "EMA alpha in (0, 1]",
        )?;
        fixed(
            self.weight_decay.is_finite() && self.weight_decay >= 0.0,
            "weight decay of 0 or more",
        )?;
        fixed(
            self.rho_init.is_finite() && self.rho_init.abs() <= 30.0,
            "initial rho in [-30, 30]",
        )?;
        fixed(
            (0.0..1.0).contains(&self.beta1) && (0.0..1.0).contains(&self.beta2),
            "beta1 and beta2 in [0, 1)",
        )
    }
}
