//! `bbb-cli`: the Bayes-by-Backprop tutorial, headless. See `--help`.

mod args;
mod bench;
mod bench_estimators;
mod bench_noise;
mod bench_threads;
mod compare;
mod output;
mod png;
mod posterior;
mod report;
mod run;
mod say;

use std::process::ExitCode;

// Evaluation allocates and frees multi-megabyte tensors thousands of times per epoch; glibc's
// allocator returns each to the kernel and faults it back in, which cost ~15 % of a run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // clap prints `--help` and its own errors (to stderr, exit code 2) and exits.
    let matches = args::command().get_matches();
    png::register_font();
    let result = args::from_matches(&matches).and_then(|command| match command {
        args::Command::Run(a) if a.config.method.is_bbb() => run::run(*a),
        args::Command::Run(a) => compare::single(*a),
        args::Command::Compare(a) => compare::compare(*a),
        args::Command::Bench(b) => bench::bench(b),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
