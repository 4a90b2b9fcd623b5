//! The `briefbook` command: parse the command line, call the library, map
//! the outcome to an exit status (0 success, 1 the book has errors, 2 bad
//! usage, which clap reports itself).

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use briefbook::diagnostics::{Shown, count};
use briefbook::import::{ImportRequest, import};
use briefbook::serve::{ServeOptions, ServeReport, serve};
use briefbook::site::{BuildOptions, Outcome, Progress, Replace};
use clap::Parser;
use cli::{Cli, Command, ReportFormat};
use indicatif::{ProgressBar, ProgressStyle};

/// mimalloc: the build allocates many small strings from several threads,
/// where it is markedly faster than the system allocator. Built with
/// `override`, it also serves C's `malloc`: Oniguruma, under syntect,
/// allocates on every regular-expression search.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            book,
            output,
            force,
            verbose,
        } => {
            let started = Instant::now();
            let options = BuildOptions {
                root: book.root,
                output,
                drafts: book.drafts,
            };
            let replace = if force {
                Replace::Anything
            } else {
                Replace::OnlyOurs
            };
            let outcome = briefbook::site::build_replacing(&options, replace, &Bar::new());
            report_last(outcome, started, true, verbose)
        }
        Command::Check {
            book,
            verbose,
            report: editor,
            format,
        } => {
            let started = Instant::now();
            let options = BuildOptions {
                root: book.root,
                output: None,
                drafts: book.drafts,
            };
            if !editor {
                return report_last(briefbook::check(&options), started, false, verbose);
            }
            // The editor's report goes to standard output, before the
            // diagnostics and the summary line on standard error.
            let (outcome, editor_report) = briefbook::site::check_with_report(&options);
            let text = match format {
                ReportFormat::Text => editor_report.to_text(),
                ReportFormat::Json => editor_report.to_json(),
            };
            // A closed pipe (`| head`) is not an error of the book.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            report_last(outcome, started, false, verbose)
        }
        Command::Serve { book, port, open } => {
            let options = ServeOptions {
                root: book.root,
                port,
                drafts: book.drafts,
                open,
            };
            match serve(&options, &Terminal, &Bar::new()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(1)
                }
            }
        }
        Command::New { dir } => match briefbook::scaffold::new_book(&dir) {
            Ok(_) => {
                eprintln!("created a new book in {}", dir.display());
                eprintln!("next: briefbook serve --root {}", dir.display());
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::from(1)
            }
        },
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

fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// [`report`] for the last thing the process does: the outcome is not
/// freed, since the exit frees everything at once, and freeing a book's
/// renderings one by one first (30 to 50 ms at 10,000 notes) would only
/// make the command take longer.
fn report_last(outcome: Outcome, started: Instant, wrote: bool, verbose: bool) -> ExitCode {
    let code = report(&outcome, started, wrote, verbose);
    std::mem::forget(outcome);
    code
}

fn report(outcome: &Outcome, started: Instant, wrote: bool, verbose: bool) -> ExitCode {
    // `--verbose` prints every diagnostic in full, for whoever needs the
    // whole list; otherwise a mistake made many times is counted, not
    // repeated (diagnostics::Shown).
    let shown = if verbose { Shown::ALL } else { Shown::SUMMARY };
    outcome
        .diagnostics
        .emit_to_stderr(&outcome.files, use_color(), shown);
    let d = &outcome.diagnostics;
    let s = outcome.stats;
    if verbose {
        for (phase, time) in &outcome.timings {
            eprintln!("{phase:>10}: {:8.1} ms", time.as_secs_f64() * 1000.0);
        }
    }
    let warnings = match d.warning_count() {
        0 => String::new(),
        n => format!(", {}", count(n, "warning")),
    };
    if !outcome.is_book {
        // The one error says why; "the book has 1 error" would not be true.
        eprintln!("error: no book was found, so nothing was read or written");
        return ExitCode::from(1);
    }
    if d.has_errors() {
        eprintln!(
            "error: the book has {}{warnings}; {}",
            count(d.error_count(), "error"),
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
        "{}, {}, {} ({} verified)",
        count(s.notes, "note"),
        count(s.sources, "source"),
        count(s.citations, "citation"),
        count(s.quotations, "quotation")
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

/// A progress bar on a terminal for phases long enough to need one; silent
/// when standard error is not a terminal.
struct Bar {
    bar: Mutex<Option<ProgressBar>>,
    enabled: bool,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            bar: Mutex::new(None),
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Bar {
    fn start(&self, phase: &str, total: usize) {
        if !self.enabled || total < 500 {
            return;
        }
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) = ProgressStyle::with_template("{msg:>8} [{bar:30}] {pos}/{len}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(phase.to_string());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn step(&self) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(1);
            }
        }
    }

    fn waiting(&self, message: &str) {
        // Said on a terminal or not: a build that seems to hang should
        // say why.
        eprintln!("{message}");
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}

/// What `serve` says on the terminal.
struct Terminal;

impl ServeReport for Terminal {
    fn listening(&self, url: &str) {
        eprintln!(
            "serving the book at {url} (Ctrl-C to stop); rebuilding when a file of the book changes"
        );
    }

    fn browser_not_opened(&self, url: &str, error: &str) {
        eprintln!("warning: cannot open a web browser ({error}); open {url} yourself");
    }

    fn built(&self, elapsed: Duration, pages: usize, diagnostics: &str, failed: bool) {
        if !diagnostics.is_empty() {
            eprint!("{diagnostics}");
        }
        let ms = elapsed.as_secs_f64() * 1000.0;
        if failed {
            eprintln!(
                "error: the book has errors ({ms:.0} ms); still serving the last good version"
            );
        } else {
            eprintln!(
                "built in {ms:.0} ms: {pages} file{} updated",
                if pages == 1 { "" } else { "s" }
            );
        }
    }
}
