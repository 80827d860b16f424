//! The one table of settings a person can change, on the page (a field or the address) or on the
//! command line (a flag). Each entry says what the setting is, what type and range it takes, how
//! to read and write it on a [`Config`], and where it is offered. Parsing, validation, the CLI's
//! flags and `--help`, the page's form, the keys its address accepts and every error message are
//! generated from this table: adding a setting is one entry here (plus its field on `Config`).
//!
//! A setting's default is its value in the preset's `Config` ([`Setting::default_text`]).

use crate::config::{Config, ConfigError, Preset};

/// Largest number of draws or grid points of a posterior predictive (memory stays bounded).
pub const MAX_PREDICTIVE: usize = 4096;

/// The type of a setting's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A whole number (counts, epochs, the seed).
    Whole,
    /// A real number.
    Real,
    /// One of a few names, stored as its index.
    Choice(&'static [&'static str]),
    /// Some of a few names, written `a,b,…` and stored as a bit per name (bit `i` for the
    /// `i`-th).
    Set(&'static [&'static str]),
}

/// The values a setting accepts: `min ≤ v ≤ max`, or `min < v ≤ max` when `min_exclusive`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Lower bound.
    pub min: f64,
    /// Whether the lower bound itself is refused.
    pub min_exclusive: bool,
    /// Upper bound (inclusive).
    pub max: f64,
}

const fn at_least(min: f64, max: f64) -> Range {
    Range {
        min,
        min_exclusive: false,
        max,
    }
}

const fn above(min: f64, max: f64) -> Range {
    Range {
        min,
        min_exclusive: true,
        max,
    }
}

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Its key: the CLI flag without `--`, the page's field and address key.
    pub name: &'static str,
    /// What a person calls it (starts every message about it).
    pub label: &'static str,
    /// Whole or real.
    pub kind: Kind,
    /// Accepted values.
    pub range: Range,
    /// One line of help.
    pub help: &'static str,
    /// Unit, or "" when it has none.
    pub unit: &'static str,
    /// Where it is offered besides the address.
    pub offered: Offered,
    get: fn(&Config) -> f64,
    set: fn(&mut Config, f64),
}

/// Where a setting is offered besides the address: a field on the page, a flag of `bbb-cli`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offered {
    /// The page shows a field for it (otherwise only a link's address can set it there).
    pub page: bool,
    /// `bbb-cli` has a flag for it (the live-view sizes mean nothing there).
    pub cli: bool,
}

const BOTH: Offered = Offered {
    page: true,
    cli: true,
};
const CLI: Offered = Offered {
    page: false,
    cli: true,
};
const LINK: Offered = Offered {
    page: false,
    cli: false,
};

/// How an entry reads and writes its field of `Config`.
type Access = (fn(&Config) -> f64, fn(&mut Config, f64));

/// Reads and writes a real-valued field of `Config`.
macro_rules! real {
    ($field:ident) => {
        (|c: &Config| c.$field, |c: &mut Config, v: f64| c.$field = v)
    };
}

/// Reads and writes a whole-number field of `Config` (`usize`, or `u64` for the seed); the
/// value was range-checked before it is written.
macro_rules! whole {
    ($field:ident) => {
        (
            |c: &Config| c.$field as f64,
            |c: &mut Config, v: f64| c.$field = v as _,
        )
    };
}

#[allow(clippy::too_many_arguments)]
const fn entry(
    name: &'static str,
    label: &'static str,
    kind: Kind,
    range: Range,
    unit: &'static str,
    offered: Offered,
    help: &'static str,
    (get, set): Access,
) -> Setting {
    Setting {
        name,
        label,
        kind,
        range,
        help,
        unit,
        offered,
        get,
        set,
    }
}

const P: f64 = MAX_PREDICTIVE as f64;
const SCENARIOS: Kind = Kind::Choice(crate::config::scenario::Scenario::NAMES);
const LAST_SCENARIO: f64 = (crate::config::scenario::Scenario::NAMES.len() - 1) as f64;
const METHODS: Kind = Kind::Choice(crate::config::method::Method::NAMES);
const LAST_METHOD: f64 = (crate::config::method::Method::NAMES.len() - 1) as f64;
const COMPARED: Kind = Kind::Set(crate::config::method::COMPARED);
const ALL_COMPARED: f64 = crate::config::method::Compared::ALL.0 as f64;
use Kind::{Real, Whole};

/// Every setting, in the order the page and `--help` list them.
#[rustfmt::skip]
pub const SETTINGS: &[Setting] = &[
    //    name                  label                           kind   range                       unit      offered help
    entry("scenario",           "scenario",                     SCENARIOS, at_least(0.0, LAST_SCENARIO), "", BOTH, "where the inputs lie: tutorial (all of [−3, 3]), gap (none in [−1, 0.5]), two-clusters ([−2.5, −1.5] and [1.5, 2.5]), few (60 training, 20 validation points)", (|c: &Config| c.scenario as usize as f64, |c: &mut Config, v: f64| c.scenario = crate::config::scenario::Scenario::ALL.get(v as usize).copied().unwrap_or_default())),
    entry("noise",              "noise σ",                      Real,  above(0.0, 10.0),           "",       BOTH, "standard deviation of the noise added to every target", real!(noise_std)),
    entry("x-range",            "input range shown",            Real,  at_least(3.0, 20.0),        "",       BOTH, "the figures and the test points cover x from −v to v (the data stay within [−3, 3])", real!(x_range)),
    entry("gp",                 "Gaussian process",             Whole, at_least(0.0, 1.0),         "",       BOTH, "1: an exact Gaussian process on the same training points is drawn and scored beside the network; 0: not", whole!(gp)),
    entry("method",             "method",                       METHODS, at_least(0.0, LAST_METHOD), "",   BOTH, "how the weights' noise is drawn in training: bbb (one draw of every weight per step, the tutorial), bbb-lrt (each example's pre-activations drawn from their Gaussian), bbb-flipout (one draw, sign-flipped per example); natively also dropout, ensemble and hmc (the comparison's other methods)", (|c: &Config| c.method as usize as f64, |c: &mut Config, v: f64| c.method = crate::config::method::Method::ALL.get(v as usize).copied().unwrap_or_default())),
    entry("compare",            "compared methods",             COMPARED, at_least(1.0, ALL_COMPARED), "", LINK, "the methods the comparison runs and whether the GP joins them, comma-separated (bbb-cli compare's --methods)", (|c: &Config| c.compare.0 as f64, |c: &mut Config, v: f64| c.compare = crate::config::method::Compared(v as u32))),
    entry("dropout-p",          "dropout rate",                 Real,  at_least(0.0, 0.9),         "",       CLI,  "MC dropout: the share of hidden units dropped in every pass, training and predictive", real!(dropout_p)),
    entry("ensemble-size",      "ensemble size",                Whole, at_least(1.0, 64.0),        "networks", CLI, "deep ensemble: networks trained, each from its own initial weights and shuffles", whole!(ensemble_size)),
    entry("hmc-chains",         "HMC chains",                   Whole, at_least(1.0, 64.0),        "chains", CLI,  "HMC: chains, each started from its own deterministic fit", whole!(hmc_chains)),
    entry("hmc-warmup",         "HMC warm-up",                  Whole, at_least(0.0, 100_000.0),   "steps",  CLI,  "HMC: transitions per chain that adapt the step size and the mass, not kept", whole!(hmc_warmup)),
    entry("hmc-samples",        "HMC samples",                  Whole, at_least(4.0, 100_000.0),   "steps",  CLI,  "HMC: transitions kept per chain", whole!(hmc_samples)),
    entry("hmc-leapfrog",       "HMC leapfrog steps",           Whole, at_least(1.0, 1024.0),      "steps",  CLI,  "HMC: leapfrog steps per transition", whole!(hmc_leapfrog)),
    entry("hmc-accept",         "HMC target acceptance",        Real,  above(0.0, 0.99),           "",       CLI,  "HMC: the mean acceptance the step size is adapted to during warm-up", real!(hmc_accept)),
    entry("kl-weight",          "KL weight",                    Real,  at_least(0.0, 1e3),         "",       BOTH, "weight of the KL term in the loss", real!(kl_weight)),
    entry("prior-sigma",        "prior σ",                      Real,  above(0.0, 1e3),            "",       BOTH, "standard deviation of the N(0, σ²) prior on every weight", real!(prior_sigma)),
    entry("mc-elbo",            "MC samples, ELBO",             Whole, at_least(1.0, 1024.0),      "draws",  BOTH, "weight draws behind each epoch's ELBO", whole!(eval_mc_elbo)),
    entry("mc-rmse",            "MC samples, RMSE",             Whole, at_least(1.0, 1024.0),      "draws",  BOTH, "weight draws averaged into each epoch's RMSE", whole!(eval_mc_rmse)),
    entry("lr",                 "learning rate",                Real,  above(0.0, 1.0),            "",       BOTH, "AdamW step size of the warmup and at the start of the cosine", real!(lr)),
    entry("lr-min",             "final learning rate",          Real,  above(0.0, 1.0),            "",       BOTH, "learning rate at the end of the cosine (at most the learning rate)", real!(lr_min)),
    entry("warmup-epochs",      "warmup epochs",                Whole, at_least(0.0, 100_000.0),   "epochs", BOTH, "epochs of plain MSE on the means before the variational stage", whole!(warmup_epochs)),
    entry("vi-epochs",          "VI epochs",                    Whole, at_least(1.0, 100_000.0),   "epochs", BOTH, "epochs of the variational stage", whole!(vi_epochs)),
    entry("seed",               "seed",                         Whole, at_least(0.0, u32::MAX as f64), "",   BOTH, "fixes the data, the initial weights, the shuffles and every weight draw", whole!(seed)),
    entry("width",              "width",                        Whole, at_least(1.0, 1024.0),      "units",  CLI,  "hidden units of every layer", whole!(width)),
    entry("depth",              "depth",                        Whole, at_least(0.0, 32.0),        "blocks", CLI,  "residual blocks", whole!(depth)),
    entry("batch-size",         "batch size",                   Whole, at_least(1.0, 4096.0),      "points", CLI,  "training points per mini-batch", whole!(batch_size)),
    entry("train-mc",           "MC samples, training",         Whole, at_least(1.0, 256.0),       "draws",  CLI,  "weight draws averaged in each training step's loss", whole!(train_mc_samples)),
    entry("test-mc-elbo",       "MC samples, test ELBO",        Whole, at_least(1.0, 1024.0),      "draws",  CLI,  "weight draws behind the final test ELBO", whole!(test_mc_elbo)),
    entry("test-mc-rmse",       "MC samples, test RMSE",        Whole, at_least(1.0, 1024.0),      "draws",  CLI,  "weight draws averaged into the final test RMSE", whole!(test_mc_rmse)),
    entry("predictive-samples", "predictive draws",             Whole, at_least(2.0, P),           "draws",  CLI,  "sampled networks behind the final predictive band", whole!(predictive_samples)),
    entry("grid-points",        "predictive grid points",       Whole, at_least(2.0, P),           "points", CLI,  "inputs on [−3, 3] where the final predictive is computed", whole!(grid_points)),
    entry("live-samples",       "live predictive draws",        Whole, at_least(2.0, P),           "draws",  LINK, "sampled networks behind the band redrawn while training", whole!(live_samples)),
    entry("live-grid-points",   "live predictive grid points",  Whole, at_least(2.0, P),           "points", LINK, "inputs of the band redrawn while training", whole!(live_grid_points)),
    entry("live-views",         "live figures",                 Whole, at_least(0.0, 1.0),         "",       LINK, "1: predictive, calibration and weights redraw while training; 0: only at the end", whole!(live_views)),
];

/// The entry called `name`.
pub fn find(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

/// Longest piece of a person's input quoted back in a message.
const QUOTE_CHARS: usize = 24;

fn quote(text: &str) -> String {
    let mut q: String = text.chars().take(QUOTE_CHARS).collect();
    if text.chars().count() > QUOTE_CHARS {
        q.push('…');
    }
    q
}

/// A number as a person would write it (no trailing `.0`, no float noise).
pub fn show(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

impl Setting {
    fn error(&self, message: String) -> ConfigError {
        ConfigError::new(Some(self.name), message)
    }

    /// Parses `text` and checks it against the range; the message names the setting.
    pub fn parse(&self, text: &str) -> Result<f64, ConfigError> {
        let t = text.trim();
        if t.is_empty() {
            let what = match self.kind {
                Kind::Choice(names) | Kind::Set(names) => {
                    format!("name one of {}", names.join(", "))
                }
                _ => "enter a number".into(),
            };
            return Err(self.error(format!("{} is empty: {what}", self.label)));
        }
        let v = match self.kind {
            Kind::Whole => t.parse::<u64>().map(|v| v as f64).map_err(|_| {
                self.error(format!(
                    "{}: '{}' is not a whole number of 0 or more",
                    self.label,
                    quote(t)
                ))
            })?,
            Kind::Real => t.parse::<f64>().map_err(|_| {
                self.error(format!("{}: '{}' is not a number", self.label, quote(t)))
            })?,
            Kind::Choice(names) => names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(t))
                .map(|i| i as f64)
                .ok_or_else(|| {
                    self.error(format!(
                        "{}: '{}' is not one of {}",
                        self.label,
                        quote(t),
                        names.join(", ")
                    ))
                })?,
            Kind::Set(names) => {
                let mut bits = 0u32;
                for part in t.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let i = names
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(part))
                        .ok_or_else(|| {
                            self.error(format!(
                                "{}: '{}' is not one of {}",
                                self.label,
                                quote(part),
                                names.join(", ")
                            ))
                        })?;
                    bits |= 1 << i;
                }
                if bits == 0 {
                    return Err(self.error(format!(
                        "{}: name at least one of {}",
                        self.label,
                        names.join(", ")
                    )));
                }
                bits as f64
            }
        };
        self.check(v)?;
        Ok(v)
    }

    /// Checks a value against the range.
    pub fn check(&self, v: f64) -> Result<(), ConfigError> {
        let r = self.range;
        if v.is_nan() {
            return Err(self.error(format!("{} must be a number", self.label)));
        }
        if r.min_exclusive && v <= r.min {
            return Err(self.error(format!(
                "{} must be greater than {}",
                self.label,
                show(r.min)
            )));
        }
        if v < r.min {
            return Err(self.error(format!("{} must be at least {}", self.label, show(r.min))));
        }
        if v > r.max {
            return Err(self.error(format!("{} must be at most {}", self.label, show(r.max))));
        }
        Ok(())
    }

    /// The value in `config`.
    pub fn value(&self, config: &Config) -> f64 {
        (self.get)(config)
    }

    /// Writes a value already checked by [`parse`](Self::parse).
    pub fn write(&self, config: &mut Config, v: f64) {
        (self.set)(config, v)
    }

    /// The value in `config` as text (what the form and `--help` show).
    pub fn text(&self, config: &Config) -> String {
        let v = self.value(config);
        match self.kind {
            Kind::Choice(names) => names.get(v as usize).copied().unwrap_or("?").to_string(),
            Kind::Set(names) => names
                .iter()
                .enumerate()
                .filter(|(i, _)| (v as u32) & (1 << i) != 0)
                .map(|(_, n)| *n)
                .collect::<Vec<_>>()
                .join(","),
            _ => show(v),
        }
    }

    /// The default under `preset`, as text.
    pub fn default_text(&self, preset: Preset) -> String {
        self.text(&Config::preset(preset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::method::COMPARED as COMPARED_NAMES;

    #[test]
    fn names_are_unique_and_defaults_are_in_range() {
        for (i, s) in SETTINGS.iter().enumerate() {
            assert!(
                SETTINGS[i + 1..].iter().all(|t| t.name != s.name),
                "{} twice",
                s.name
            );
            for preset in [Preset::Quick, Preset::Full] {
                let v = s.value(&Config::preset(preset));
                s.check(v)
                    .unwrap_or_else(|e| panic!("{} default {v}: {e}", s.name));
            }
        }
    }

    #[test]
    fn every_entry_reads_back_what_it_writes() {
        // A wrong field in an entry's get or set shows up as a value that does not come back,
        // or as another setting that moves.
        for s in SETTINGS {
            let mut c = Config::quick();
            let before: Vec<f64> = SETTINGS.iter().map(|t| t.value(&c)).collect();
            let v = if s.range.max >= 3.0 {
                3.0
            } else if s.kind == Kind::Whole {
                // A switch (0 or 1): the one that is not the default.
                1.0 - s.value(&c)
            } else {
                s.range.max / 2.0
            };
            s.write(&mut c, v);
            assert_eq!(s.value(&c), v, "{}", s.name);
            for (t, b) in SETTINGS.iter().zip(before) {
                if t.name != s.name {
                    assert_eq!(t.value(&c), b, "writing {} moved {}", s.name, t.name);
                }
            }
        }
    }

    #[test]
    fn parse_explains_each_kind_of_bad_text() {
        let lr = find("lr").unwrap();
        let seed = find("seed").unwrap();
        let cases: [(&Setting, &str, &str); 10] = [
            (lr, "", "learning rate is empty"),
            (lr, "fast", "learning rate: 'fast' is not a number"),
            (lr, "NaN", "learning rate must be a number"),
            (lr, "1e309", "learning rate must be at most 1"),
            (lr, "0", "learning rate must be greater than 0"),
            (lr, "-1", "learning rate must be greater than 0"),
            (seed, "-1", "is not a whole number"),
            (seed, "2.5", "is not a whole number"),
            (seed, "1e12", "is not a whole number"),
            (seed, "99999999999", "seed must be at most 4294967295"),
        ];
        for (s, text, needle) in cases {
            let e = s.parse(text).expect_err(text);
            assert!(e.message.contains(needle), "{text}: {e}");
            assert_eq!(e.setting, Some(s.name));
        }
        assert_eq!(lr.parse(" 5e-5 ").unwrap(), 5e-5);
        let long = "<img src=x onerror=alert(1)>".repeat(10);
        let e = lr.parse(&long).unwrap_err();
        assert!(e.message.chars().count() < 80, "{e}");
    }

    #[test]
    fn a_set_is_written_as_its_names() {
        let compare = find("compare").unwrap();
        let mut c = Config::quick();
        assert_eq!(compare.text(&c), COMPARED_NAMES.join(","));
        let v = compare.parse(" gp, BBB ,hmc").unwrap();
        compare.write(&mut c, v);
        assert_eq!(compare.text(&c), "bbb,hmc,gp");
        assert_eq!(c.compare.names(), ["bbb", "hmc", "gp"]);
        for (text, needle) in [
            ("bbb,mcmc", "'mcmc' is not one of bbb, bbb-lrt"),
            (",", "name at least one of"),
            ("", "is empty: name one of"),
        ] {
            let e = compare.parse(text).expect_err(text);
            assert!(e.message.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn numbers_are_shown_plainly() {
        assert_eq!(show(13.0), "13");
        assert_eq!(show(4e-4), "0.0004");
        assert_eq!(show(0.9), "0.9");
    }
}
