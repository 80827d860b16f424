//! Printing that never stops a run. When the reader of the output goes away (`bbb-cli … | head
//! -2`), the lines it no longer wants are dropped and the run goes on to write its files and
//! exit 0; `println!` would panic on the closed pipe instead.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

fn write(stream: &mut dyn Write, closed: &AtomicBool, text: std::fmt::Arguments, end: &str) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    if write!(stream, "{text}{end}")
        .and_then(|()| stream.flush())
        .is_err()
    {
        closed.store(true, Ordering::Relaxed);
    }
}

/// One line on standard output, unless its reader has gone.
pub fn print_line(text: std::fmt::Arguments) {
    write(&mut std::io::stdout().lock(), &STDOUT_CLOSED, text, "\n");
}

/// Text on standard error, no line end (the progress bar), unless its reader has gone.
pub fn print_progress(text: std::fmt::Arguments) {
    write(&mut std::io::stderr().lock(), &STDERR_CLOSED, text, "");
}

/// `println!` that drops the line when standard output is closed.
macro_rules! say {
    ($($t:tt)*) => { $crate::say::print_line(format_args!($($t)*)) };
}

/// `eprint!` that drops the text when standard error is closed.
macro_rules! progress {
    ($($t:tt)*) => { $crate::say::print_progress(format_args!($($t)*)) };
}

pub(crate) use {progress, say};
