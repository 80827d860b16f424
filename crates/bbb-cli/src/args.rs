//! Command-line arguments. The run's hyperparameter flags and their help come from the core's
//! settings table, so the CLI, the page and the address accept the same names and values.

use bbb_core::config::edits::Edits;
use bbb_core::config::scenario::MIN_OWN_POINTS;
use bbb_core::config::settings::{Kind, Setting, SETTINGS};
use bbb_core::data::own_data::{parse_csv, MAX_OWN_BYTES, MAX_OWN_POINTS};
use bbb_core::report::posterior_file::{PosteriorFile, MAX_FILE_BYTES};
use bbb_core::{Backend, Config, Preset};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command as Clap};
use std::path::PathBuf;

/// What to do.
#[derive(Debug)]
pub enum Command {
    /// Train with the tutorial's recipe and write the results.
    Run(Box<RunArgs>),
    /// Every chosen method on the same data, side by side.
    Compare(Box<RunArgs>),
    /// Time the backends.
    Bench(BenchArgs),
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
    /// Threads the evaluations use (the results do not depend on it).
    pub threads: usize,
    /// A saved posterior to show instead of training (`--load`), and its path.
    pub load: Option<(PosteriorFile, PathBuf)>,
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
    /// The most threads the scaling table tries (1, 2, …, this).
    pub threads: usize,
}

fn preset(text: &str) -> Result<Preset, String> {
    Preset::parse(text).map_err(|e| e.message)
}

fn backend(text: &str) -> Result<Backend, String> {
    Backend::parse(text)
}

/// `--help`'s line for a setting: its help, unit, defaults per preset and range.
fn help_line(s: &Setting) -> String {
    let (quick, full) = (s.default_text(Preset::Quick), s.default_text(Preset::Full));
    let default = if quick == full {
        format!("default {quick}")
    } else {
        format!("quick {quick}, full {full}")
    };
    let unit = if s.unit.is_empty() || s.help.contains(s.unit) {
        String::new()
    } else {
        format!(", in {}", s.unit)
    };
    match s.kind {
        Kind::Choice(names) => {
            return format!("{} [{default}; one of {}]", s.help, names.join(", "))
        }
        Kind::Set(names) => return format!("{} [{default}; some of {}]", s.help, names.join(", ")),
        _ => {}
    }
    let r = s.range;
    let low = if r.min_exclusive { "above " } else { "" };
    let (min, max) = (
        bbb_core::config::settings::show(r.min),
        bbb_core::config::settings::show(r.max),
    );
    format!("{}{unit} [{default}; {low}{min} to {max}]", s.help)
}

/// The whole command line: run options, one flag per setting, and `bench`.
pub fn command() -> Clap {
    let mut run = Clap::new("bbb-cli")
        .about("The Bayes-by-Backprop tutorial, headless: trains, prints progress, writes results")
        .override_usage("bbb-cli [OPTIONS]    train and write results to --out\n       bbb-cli compare [--methods a,b,…] [OPTIONS]    every method on the same data, beside the GP\n       bbb-cli bench [--backend B]... [--epochs N] [--full-run] [--threads N]")
        .arg(
            Arg::new("preset")
                .long("preset")
                .value_name("quick|full")
                .value_parser(preset)
                .default_value("quick")
                .help("training budget"),
        )
        .arg(
            Arg::new("out")
                .long("out")
                .value_name("DIR")
                .default_value("out")
                .help("where summary.json, history.csv, posterior.safetensors and the PNG plots go"),
        )
        .arg(
            Arg::new("backend")
                .long("backend")
                .value_name("B")
                .value_parser(backend)
                .default_value("flex")
                .help("ndarray | flex | wgpu"),
        )
        .arg(
            Arg::new("quiet")
                .long("quiet")
                .action(ArgAction::SetTrue)
                .help("print only the final results"),
        )
        .arg(threads_arg(
            "threads for the evaluations (default: every core); the results do not depend on it",
        ))
        .arg(
            Arg::new("data")
                .long("data")
                .value_name("FILE.csv")
                .help(format!(
                    "your own points, one 'x,y' per line (optional header 'x,y'), {MIN_OWN_POINTS} to {MAX_OWN_POINTS}; split at random, a sixth each for validation and test"
                )),
        )
        .arg(
            Arg::new("load")
                .long("load")
                .value_name("FILE.safetensors")
                .help("show a saved posterior (a run's posterior.safetensors, or one saved by the page) without training: its test metrics, predictive and figures; the file carries its settings"),
        )
        .arg(
            Arg::new("add")
                .long("add")
                .value_name("x_y_x_y…")
                .allow_hyphen_values(true)
                .help("training points to add, as a page link writes them (add=…)"),
        )
        .arg(
            Arg::new("remove")
                .long("remove")
                .value_name("i_j…")
                .help("training points to remove by number, as a page link writes them (remove=…)"),
        );
    for s in SETTINGS.iter().filter(|s| s.offered.cli) {
        run = run.arg(
            Arg::new(s.name)
                .long(s.name)
                .value_name(match s.kind {
                    Kind::Whole => "N".to_string(),
                    Kind::Real => "X".to_string(),
                    Kind::Choice(names) => names.join("|"),
                    Kind::Set(_) => "a,b,…".to_string(),
                })
                .allow_hyphen_values(true)
                .help(help_line(s)),
        );
    }
    let compare = Clap::new("compare")
        .about("every method on the same data, network and prior, beside the exact GP: compare.json, compare.csv, compare.png")
        .args(run.get_arguments().filter(|a| a.get_id() != "load").cloned())
        .arg(
            Arg::new("methods")
                .long("methods")
                .value_name("a,b,…")
                .help(help_line(compared())),
        );
    run.args_conflicts_with_subcommands(true).subcommand(compare).subcommand(
        Clap::new("bench")
            .about("time the backends: per epoch, batched vs looped evaluation, noise samplers")
            .arg(
                Arg::new("backend")
                    .long("backend")
                    .value_name("B")
                    .value_parser(backend)
                    .action(ArgAction::Append)
                    .help("backend to time (repeatable; default: ndarray and flex)"),
            )
            .arg(
                Arg::new("epochs")
                    .long("epochs")
                    .value_name("N")
                    .value_parser(clap::value_parser!(u32).range(1..))
                    .default_value("5")
                    .help("VI epochs timed per backend"),
            )
            .arg(
                Arg::new("full-run")
                    .long("full-run")
                    .action(ArgAction::SetTrue)
                    .help("also time the whole full preset per backend (and per thread count)"),
            )
            .arg(threads_arg(
                "the most threads the scaling table tries: 1, 2, … up to N (default: every core)",
            )),
    )
}

/// The `compare` setting, which `bbb-cli compare --methods` sets.
fn compared() -> &'static Setting {
    bbb_core::config::settings::find("compare").expect("the table has `compare`")
}

/// `--threads N`, 1 to 1024.
fn threads_arg(help: &'static str) -> Arg {
    Arg::new("threads")
        .long("threads")
        .value_name("N")
        .value_parser(clap::value_parser!(u32).range(1..=1024))
        .help(help)
}

/// The `--threads` given, or every core.
fn threads_of(m: &ArgMatches) -> usize {
    m.get_one::<u32>("threads")
        .map_or_else(bbb_core::maths::parallel::available_threads, |&n| {
            n as usize
        })
}

/// Turns parsed arguments into a command; a setting's error names its flag.
pub fn from_matches(m: &ArgMatches) -> Result<Command, String> {
    if let Some(b) = m.subcommand_matches("bench") {
        let backends: Vec<Backend> = b
            .get_many::<Backend>("backend")
            .map(|v| v.copied().collect())
            .unwrap_or_else(|| vec![Backend::Ndarray, Backend::Flex]);
        return Ok(Command::Bench(BenchArgs {
            backends,
            epochs: *b.get_one::<u32>("epochs").expect("has a default") as usize,
            full_run: b.get_flag("full-run"),
            threads: threads_of(b),
        }));
    }
    if let Some(c) = m.subcommand_matches("compare") {
        let Command::Run(mut args) = run_from(c)? else {
            unreachable!("a run's flags make a run")
        };
        // `--methods` is the `compare` setting's flag.
        if let Some(text) = c.get_one::<String>("methods") {
            let s = compared();
            let v = s
                .parse(text)
                .map_err(|e| format!("--methods: {}", e.message))?;
            s.write(&mut args.config, v);
        }
        return Ok(Command::Compare(args));
    }
    if let Some(path) = m.get_one::<String>("load") {
        return load(m, path);
    }
    run_from(m)
}

/// A run from its flags (every setting, the data, the edits).
fn run_from(m: &ArgMatches) -> Result<Command, String> {
    let preset = *m.get_one::<Preset>("preset").expect("has a default");
    let mut config = Config::preset(preset);
    for s in SETTINGS.iter().filter(|s| s.offered.cli) {
        if let Some(text) = m.get_one::<String>(s.name) {
            config
                .set(s.name, text)
                .map_err(|e| format!("--{}: {e}", s.name))?;
        }
    }
    if let Some(path) = m.get_one::<String>("data") {
        if m.get_one::<String>("scenario").is_some() {
            return Err("--data and --scenario both choose the data: give one of them".into());
        }
        config.own_data = Some(std::sync::Arc::new(read_own_data(path)?));
    }
    let text = |key: &str| m.get_one::<String>(key).map_or("", String::as_str);
    config.edits = Edits::parse(text("add"), text("remove"))
        .map_err(|e| format!("--{}: {e}", e.setting.unwrap_or("add")))?;
    config.validate().map_err(|e| match e.setting {
        Some(name) => format!("--{name}: {e}"),
        None => e.message,
    })?;
    Ok(run_command(m, config, preset, None))
}

/// A run's command from the flags every run shares.
fn run_command(
    m: &ArgMatches,
    config: Config,
    preset: Preset,
    load: Option<(PosteriorFile, PathBuf)>,
) -> Command {
    Command::Run(Box::new(RunArgs {
        config,
        preset,
        backend: *m.get_one::<Backend>("backend").expect("has a default"),
        out: PathBuf::from(m.get_one::<String>("out").expect("has a default")),
        quiet: m.get_flag("quiet"),
        threads: threads_of(m),
        load,
    }))
}

/// `--load FILE`: the file's settings (and `--data`, when the run had a data file of its own);
/// flags that would change the settings are refused, since the posterior belongs to its own.
fn load(m: &ArgMatches, path: &str) -> Result<Command, String> {
    let fail = |why: String| format!("--load {path}: {why}");
    let given = |name: &str| m.value_source(name) == Some(ValueSource::CommandLine);
    let settings = SETTINGS.iter().filter(|s| s.offered.cli).map(|s| s.name);
    if let Some(name) = ["preset", "add", "remove"]
        .into_iter()
        .chain(settings)
        .find(|n| given(n))
    {
        return Err(fail(format!(
            "the file carries its own settings: leave out --{name} (--data, --out, --backend, --threads and --quiet go with --load)"
        )));
    }
    let size = std::fs::metadata(path)
        .map_err(|e| fail(format!("cannot read it ({e})")))?
        .len();
    if size > MAX_FILE_BYTES as u64 {
        return Err(fail(format!(
            "the file has {size} bytes; a posterior file is well under {MAX_FILE_BYTES}"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read it ({e})")))?;
    let file = PosteriorFile::decode(&bytes).map_err(fail)?;
    let mut config = file.config().map_err(fail)?;
    if let Some(data) = m.get_one::<String>("data") {
        config.own_data = Some(std::sync::Arc::new(read_own_data(data)?));
    }
    let preset = file
        .settings
        .iter()
        .find(|(k, _)| k == "preset")
        .map_or(Ok(Preset::Quick), |(_, v)| Preset::parse(v))
        .map_err(|e| fail(e.message))?;
    Ok(run_command(
        m,
        config,
        preset,
        Some((file, PathBuf::from(path))),
    ))
}

/// Reads and checks a CSV file of points; the message names the file and the line.
fn read_own_data(path: &str) -> Result<Vec<(f64, f64)>, String> {
    let fail = |why: String| format!("--data {path}: {why}");
    let size = std::fs::metadata(path)
        .map_err(|e| fail(format!("cannot read it ({e})")))?
        .len();
    if size > MAX_OWN_BYTES {
        return Err(fail(format!(
            "the file has {size} bytes; at most {MAX_OWN_BYTES} are read"
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it as text ({e})")))?;
    parse_csv(&text).map_err(fail)
}

/// Parses the arguments after the program name (tests; `main` lets clap print help itself).
#[cfg(test)]
pub fn parse(args: &[&str]) -> Result<Command, String> {
    let m = command()
        .try_get_matches_from(std::iter::once("bbb-cli").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    from_matches(&m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
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
    fn every_flag_of_the_old_cli_still_works() {
        let line = "--preset quick --out o --backend ndarray --seed 1 --warmup-epochs 2 \
                    --vi-epochs 3 --lr 0.001 --lr-min 0.0001 --kl-weight 0.01 --prior-sigma 0.5 \
                    --width 8 --depth 1 --batch-size 64 --mc-elbo 2 --mc-rmse 4 --quiet";
        let Command::Run(r) = parse(&args(line)).unwrap() else {
            panic!("expected a run")
        };
        let c = &r.config;
        assert_eq!(
            (c.width, c.depth, c.batch_size, c.warmup_epochs),
            (8, 1, 64, 2)
        );
        assert_eq!((c.kl_weight, c.prior_sigma, c.lr_min), (0.01, 0.5, 1e-4));
        assert!(r.quiet && r.backend == Backend::Ndarray);
        let Command::Bench(b) = parse(&args(
            "bench --backend flex --backend ndarray --epochs 2 --full-run",
        ))
        .unwrap() else {
            panic!("expected bench")
        };
        assert_eq!(b.backends, vec![Backend::Flex, Backend::Ndarray]);
        assert!(b.full_run && b.epochs == 2);
        let cores = bbb_core::maths::parallel::available_threads();
        assert_eq!(b.threads, cores, "every core by default");
        let Command::Run(r) = parse(&args("--threads 3")).unwrap() else {
            panic!("expected a run")
        };
        assert_eq!((r.threads, r.config), (3, Config::quick()));
        let Command::Run(r) = parse(&[]).unwrap() else {
            panic!("expected a run")
        };
        assert_eq!(r.threads, cores);
        for bad in ["--threads 0", "--threads two", "--threads 5000"] {
            let e = parse(&args(bad)).unwrap_err();
            assert!(e.contains("--threads"), "{bad}: {e}");
        }
    }

    #[test]
    fn help_is_generated_from_the_table() {
        let help = command().render_help().to_string();
        for s in SETTINGS {
            assert_eq!(
                help.contains(&format!("--{}", s.name)),
                s.offered.cli,
                "{}",
                s.name
            );
        }
        assert!(help.contains("[quick 10, full 60; 0 to 100000]"), "{help}");
        assert!(help.contains("[default 0.0004; above 0 to 1]"), "{help}");
    }

    #[test]
    fn bad_arguments_are_explained() {
        for (line, needle) in [
            ("--preset slow", "unknown preset"),
            ("--lr abc", "--lr: learning rate: 'abc' is not a number"),
            ("--lr -1", "--lr: learning rate must be greater than 0"),
            (
                "--batch-size 0",
                "--batch-size: batch size must be at least 1",
            ),
            ("--lr 5e-5", "--lr-min: final learning rate"),
            ("--seed", "a value is required"),
            ("--frobnicate", "unexpected argument"),
            ("--backend tpu", "unknown backend"),
            ("--live-samples 3", "unexpected argument"),
            ("bench --epochs 0", "0 is not in 1.."),
        ] {
            let err = parse(&args(line)).expect_err(line);
            assert!(err.contains(needle), "{line}: {err}");
        }
    }

    #[test]
    fn scenarios_own_data_and_edits() {
        let Command::Run(r) =
            parse(&args("--scenario gap --noise 0.16 --x-range 6 --gp 0")).unwrap()
        else {
            panic!("expected a run")
        };
        let c = &r.config;
        assert_eq!(c.scenario, bbb_core::config::scenario::Scenario::Gap);
        assert_eq!((c.noise_std, c.x_range, c.gp), (0.16, 6.0, 0));
        let help = command().render_help().to_string();
        assert!(
            help.contains("--scenario <tutorial|gap|two-clusters|few>"),
            "{help}"
        );
        let err = parse(&args("--scenario hole")).unwrap_err();
        assert!(err.contains("'hole' is not one of tutorial, gap"), "{err}");

        let Command::Run(r) = parse(&args("--add 0.5_1_-1_2 --remove 3")).unwrap() else {
            panic!("expected a run")
        };
        assert_eq!(r.config.edits.added, vec![(0.5, 1.0), (-1.0, 2.0)]);
        let err = parse(&args("--add 0.5_NaN")).unwrap_err();
        assert!(
            err.starts_with("--add: ") && err.contains("not a finite number"),
            "{err}"
        );
        let err = parse(&args("--remove 5000")).unwrap_err();
        assert!(
            err.starts_with("--remove: ") && err.contains("has 800 points"),
            "{err}"
        );

        let dir = std::env::temp_dir().join(format!("bbb-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.csv");
        let rows: String = (0..30)
            .map(|i| format!("{},{}\n", i as f64 / 10.0, i % 7))
            .collect();
        std::fs::write(&good, format!("x,y\n{rows}")).unwrap();
        let line = format!("--data {}", good.display());
        let Command::Run(r) = parse(&args(&line)).unwrap() else {
            panic!("expected a run")
        };
        assert_eq!(r.config.own_data.as_ref().unwrap().len(), 30);
        let err = parse(&args(&format!("{line} --scenario gap"))).unwrap_err();
        assert!(err.contains("give one of them"), "{err}");
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, format!("x,y\n{rows}1,nan\n")).unwrap();
        let err = parse(&args(&format!("--data {}", bad.display()))).unwrap_err();
        assert!(err.contains("line 32: y is nan"), "{err}");
        let big = dir.join("big.csv");
        std::fs::write(&big, "1,1\n".repeat(MAX_OWN_BYTES as usize / 4 + 1)).unwrap();
        let err = parse(&args(&format!("--data {}", big.display()))).unwrap_err();
        assert!(err.contains("at most 2000000 are read"), "{err}");
        let err = parse(&args("--data /nonexistent/points.csv")).unwrap_err();
        assert!(err.contains("cannot read it"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
