//! `bbb-cli`: the Bayes-by-Backprop tutorial, headless. See `--help`.

mod args;
mod bench;
mod block;
mod output;
mod png;
mod report;
mod run;

use std::process::ExitCode;

// Evaluation allocates and frees multi-megabyte tensors thousands of times per epoch; glibc's
// allocator returns each to the kernel and faults it back in, which cost ~15 % of a run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    png::register_font();
    let result = match args::parse(&argv) {
        Ok(args::Command::Help) => {
            print!("{}", args::USAGE);
            Ok(())
        }
        Ok(args::Command::Run(a)) => run::run(*a),
        Ok(args::Command::Bench(b)) => bench::bench(b),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
