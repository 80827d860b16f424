//! Command-line arguments, parsed by hand (a dozen flags do not need a parser crate).

use bbb_core::{Backend, Config, Preset};
use std::path::PathBuf;

/// What to do.
#[derive(Debug)]
pub enum Command {
    /// Train with the tutorial's recipe and write the results.
    Run(Box<RunArgs>),
    /// Time the backends.
    Bench(BenchArgs),
    /// Print usage.
    Help,
}

/// Options of a run.
#[derive(Debug)]
pub struct RunArgs {
    /// The configuration after preset and overrides.
    pub config: Config,
    /// Preset the configuration started from.
    pub preset: Preset,
    /// Backend to train on.
    pub backend: Backend,
    /// Output directory.
    pub out: PathBuf,
    /// No progress bar, no progress lines.
    pub quiet: bool,
}

/// Options of the benchmark.
#[derive(Debug)]
pub struct BenchArgs {
    /// Backends to time (default: every CPU backend built in).
    pub backends: Vec<Backend>,
    /// Epochs timed per backend for the per-epoch figures.
    pub epochs: usize,
    /// Also time the whole full preset on each backend.
    pub full_run: bool,
}

pub const USAGE: &str = "\
bbb-cli: the Bayes-by-Backprop tutorial, headless

USAGE:
  bbb-cli [--preset quick|full] [--out DIR] [OPTIONS]    train and write results to DIR
  bbb-cli bench [--backend B]... [--epochs N] [--full-run]   time the backends

RUN OPTIONS:
  --preset quick|full     training budget (default: quick)
  --out DIR               where summary.json, history.csv and the PNG plots go (default: out)
  --backend B             ndarray | flex | wgpu (default: flex)
  --seed N                seed of data, init, shuffles and weight noise (default: 13)
  --warmup-epochs N       deterministic warmup epochs
  --vi-epochs N           variational epochs
  --lr X                  learning rate (warmup, start of the cosine)
  --lr-min X              learning rate at the end of the cosine
  --kl-weight X           weight of the KL term
  --prior-sigma X         prior standard deviation
  --width N               hidden width
  --depth N               residual blocks
  --batch-size N          mini-batch size
  --mc-elbo N             MC samples of the per-epoch ELBO
  --mc-rmse N             MC samples of the per-epoch RMSE
  --quiet                 print only the final results
";

fn value<'a>(flag: &str, it: &mut impl Iterator<Item = &'a String>) -> Result<&'a str, String> {
    it.next()
        .map(String::as_str)
        .ok_or_else(|| format!("{flag} needs a value"))
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{flag}: '{text}' is not a valid number"))
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    if args.first().map(String::as_str) == Some("bench") {
        return parse_bench(&args[1..]).map(Command::Bench);
    }
    let mut preset = Preset::Quick;
    let mut overrides: Vec<(&str, &str)> = Vec::new();
    let mut backend = Backend::Flex;
    let mut out = PathBuf::from("out");
    let mut quiet = false;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--preset" => preset = Preset::parse(value(flag, &mut it)?).map_err(|e| e.0)?,
            "--backend" => backend = Backend::parse(value(flag, &mut it)?)?,
            "--out" => out = PathBuf::from(value(flag, &mut it)?),
            "--quiet" => quiet = true,
            "--seed" | "--warmup-epochs" | "--vi-epochs" | "--lr" | "--lr-min" | "--kl-weight"
            | "--prior-sigma" | "--width" | "--depth" | "--batch-size" | "--mc-elbo"
            | "--mc-rmse" => overrides.push((flag, value(flag, &mut it)?)),
            other => return Err(format!("unknown argument '{other}' (see --help)")),
        }
    }
    let mut config = Config::preset(preset);
    for (flag, text) in overrides {
        config
            .set(&flag[2..], text)
            .map_err(|e| format!("{flag}: {}", e.0))?;
    }
    config.validate().map_err(|e| e.0)?;
    Ok(Command::Run(Box::new(RunArgs {
        config,
        preset,
        backend,
        out,
        quiet,
    })))
}

fn parse_bench(args: &[String]) -> Result<BenchArgs, String> {
    let mut b = BenchArgs {
        backends: Vec::new(),
        epochs: 5,
        full_run: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--backend" => b.backends.push(Backend::parse(value(flag, &mut it)?)?),
            "--epochs" => b.epochs = number(flag, value(flag, &mut it)?)?,
            "--full-run" => b.full_run = true,
            other => return Err(format!("unknown bench argument '{other}' (see --help)")),
        }
    }
    if b.epochs == 0 {
        return Err("--epochs must be at least 1".into());
    }
    if b.backends.is_empty() {
        b.backends = vec![Backend::Ndarray, Backend::Flex];
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn defaults_and_overrides() {
        let Command::Run(r) = parse(&args("--preset full --seed 7 --lr 0.001 --out x")).unwrap()
        else {
            panic!("expected a run")
        };
        assert_eq!(r.preset, Preset::Full);
        assert_eq!(
            (r.config.seed, r.config.lr, r.config.vi_epochs),
            (7, 0.001, 1000)
        );
        assert_eq!(r.out, PathBuf::from("x"));
        // Overrides apply after the preset, whatever their order.
        let Command::Run(r) = parse(&args("--vi-epochs 3 --preset full")).unwrap() else {
            panic!("expected a run")
        };
        assert_eq!(r.config.vi_epochs, 3);
    }

    #[test]
    fn bad_arguments_are_explained() {
        for (line, needle) in [
            ("--preset slow", "unknown preset"),
            ("--lr abc", "not a valid number"),
            ("--lr -1", "learning rate"),
            ("--batch-size 0", "batch size"),
            ("--seed", "needs a value"),
            ("--frobnicate", "unknown argument"),
            ("--backend tpu", "unknown backend"),
            ("bench --epochs 0", "at least 1"),
        ] {
            let err = parse(&args(line)).expect_err(line);
            assert!(err.contains(needle), "{line}: {err}");
        }
    }
}
