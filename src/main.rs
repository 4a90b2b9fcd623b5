//! The `briefbook` command: parse the command line, call the library, map
//! the outcome to an exit status (0 success, 1 the book has errors, 2 bad
//! usage, which clap reports itself).

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use briefbook::import::{ImportRequest, import};
use briefbook::site::{BuildOptions, Outcome};
use clap::Parser;
use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            root,
            output,
            drafts,
        } => {
            let started = Instant::now();
            let outcome = briefbook::build(&BuildOptions {
                root,
                output,
                drafts,
            });
            report(&outcome, started, true)
        }
        Command::Check { root, drafts } => {
            let started = Instant::now();
            let outcome = briefbook::check(&BuildOptions {
                root,
                output: None,
                drafts,
            });
            report(&outcome, started, false)
        }
        Command::Import {
            file,
            id,
            title,
            outlet,
            url,
            published,
            root,
        } => {
            match import(
                &root,
                &ImportRequest {
                    file,
                    id,
                    title,
                    outlet,
                    url,
                    published,
                },
            ) {
                Ok(path) => {
                    eprintln!("imported {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn report(outcome: &Outcome, started: Instant, wrote: bool) -> ExitCode {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    outcome.diagnostics.emit_to_stderr(&outcome.files, color);
    let d = &outcome.diagnostics;
    let s = outcome.stats;
    let warnings = match d.warning_count() {
        0 => String::new(),
        1 => ", 1 warning".to_string(),
        n => format!(", {n} warnings"),
    };
    if d.has_errors() {
        let errors = d.error_count();
        let plural = if errors == 1 { "" } else { "s" };
        eprintln!(
            "error: the book has {errors} error{plural}{warnings}; {}",
            if wrote {
                "the previous output was left untouched"
            } else {
                "nothing was written"
            }
        );
        return ExitCode::from(1);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let what = format!(
        "{} notes, {} sources, {} citations ({} quotations verified)",
        s.notes, s.sources, s.citations, s.quotations
    );
    if wrote {
        eprintln!(
            "built {what} into {} ({} files) in {elapsed:.2} s{warnings}",
            outcome.output_dir.display(),
            s.files
        );
    } else {
        eprintln!("checked {what} in {elapsed:.2} s: no errors{warnings}");
    }
    ExitCode::SUCCESS
}
