//! The one-shot commands: `build`, `check` and [`render_book`] (a build
//! into memory, for tests), each a [`Project`] loaded, rendered once in a
//! [`Mode`], and finished into an [`Outcome`]; and the guard of the
//! output folder, which a build may replace only if it cannot be the book
//! or someone else's files.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::{self, NullSink, Staging};
use crate::site::{BuildOptions, Mode, Outcome, Progress, Project, Render, Silent, Site, Stats};

/// Checks that `root` is a book and that the output folder cannot overwrite
/// it: the output may not be the book's folder, contain it, lie inside
/// the folders the book is read from, or be a file (see [`check_output`]).
pub fn check_paths(root: &Path, output: &Path) -> Result<(), Diagnostic> {
    check_root(root)?;
    check_output(root, output).map(|_| ())
}

/// Checks that `root` is a book: a folder with `content/` or `seeds/`.
pub fn check_root(root: &Path) -> Result<(), Diagnostic> {
    let not_a_folder = || {
        Diagnostic::global(format!("{} is not a folder", root.display())).with_help(
            "give the book's folder with --root (the folder that holds content/ and seeds/)",
        )
    };
    let resolved = output::resolve(root).map_err(|_| not_a_folder())?;
    if !resolved.is_dir() {
        return Err(not_a_folder());
    }
    if !resolved.join("content").is_dir() && !resolved.join("seeds").is_dir() {
        return Err(Diagnostic::global(format!("{} is not a book: it has no content/ or seeds/ folder", root.display()))
            .with_help("run briefbook in the book's folder, give it with --root, or create a book with `briefbook new DIR`"));
    }
    Ok(())
}

/// The folders of a book that it is read from (and `.git`, its history):
/// the output may not be one of them or lie inside one.
const BOOK_FOLDERS: [&str; 6] = ["content", "seeds", "themes", "templates", "static", ".git"];

/// Checks that the output folder cannot overwrite the book at `root`
/// (`build` and `check` have asked [`check_root`] already) and returns it
/// [`output::resolve`]d, the path to write to: checked and written alike,
/// a path through a missing folder (`nonexist/../content`) or a symbolic
/// link cannot lead a build somewhere the check did not look.
///
/// Refused: the book's folder and every folder above it, the folders the
/// book is read from and anything inside them, and a file. `--force`
/// overrides none of this.
pub fn check_output(root: &Path, output: &Path) -> Result<PathBuf, Diagnostic> {
    const HELP: &str = "choose another --output (or `output_dir` in content/book.toml), e.g. the default output/ (--force never allows this one)";
    let cannot = |e: std::io::Error| {
        Diagnostic::global(format!(
            "cannot write the site to {}: {e}",
            output.display()
        ))
        .with_help(HELP)
    };
    let root = output::resolve(root).map_err(cannot)?;
    let resolved = output::resolve(output).map_err(cannot)?;
    let refuse = |why: String| {
        Err(Diagnostic::global(format!(
            "refusing to write the site to {}: {why}",
            resolved.display()
        ))
        .with_help(HELP))
    };
    if resolved == root {
        return refuse("it is the book's own folder".into());
    }
    if root.starts_with(&resolved) {
        return refuse("it is a folder above the book: replacing it would delete the book".into());
    }
    for folder in BOOK_FOLDERS {
        let inside = root.join(folder);
        if resolved == inside {
            return refuse(format!("it is the book's {folder}/ folder"));
        }
        if resolved.starts_with(&inside) {
            return refuse(format!("it is inside the book's {folder}/ folder"));
        }
    }
    if std::fs::metadata(&resolved).is_ok_and(|m| !m.is_dir()) {
        return Err(Diagnostic::global(format!(
            "refusing to write the site to {}: it is a file, not a folder",
            resolved.display()
        ))
        .with_help("give a folder: a new one, an empty one, or one briefbook built before"));
    }
    Ok(resolved)
}

/// [`check_output`] for the output folder of `project`; and when it comes
/// from `output_dir` in `book.toml` rather than from `--output`, it must
/// also stay inside the book's folder. A book's settings never write
/// outside it, as they never read outside it (`theme`): a cloned book must
/// not be able to put files of its choosing in a new or empty folder
/// elsewhere (`~/.config/autostart/`, say), by a path or through a
/// symbolic link it ships. Writing elsewhere takes `--output`.
fn check_project_output(project: &Project) -> Result<PathBuf, Diagnostic> {
    let root = &project.options.root;
    let resolved = check_output(root, &project.output_dir())?;
    if project.options.output.is_some() {
        return Ok(resolved);
    }
    let book = output::resolve(root).unwrap_or_else(|_| root.clone());
    if resolved.starts_with(&book) {
        return Ok(resolved);
    }
    Err(Diagnostic::global(format!(
        "refusing to write the site to {}: `output_dir` in content/book.toml leads outside the book's folder",
        resolved.display()
    ))
    .with_help(
        "a book's settings never write outside its folder: give a folder inside the book as `output_dir`, or choose where to build with `briefbook build --output DIR`",
    ))
}

/// Loads, resolves and renders a book into memory, writing nothing. The
/// print edition is left out, as `serve` leaves it out of its renders
/// (it makes it on request), so that this equals an incremental render.
pub fn render_book(options: &BuildOptions) -> (Outcome, Option<Site>) {
    let mut project = Project::load(options.clone());
    project.mode = Mode::Build { print: false };
    let sink = Mutex::new(Site::default());
    let render = project.render(&sink, false, &Silent);
    let site = sink
        .into_inner()
        .ok()
        .filter(|_| !render.diagnostics.has_errors());
    (finish(project, render), site)
}

/// Checks a book as `build` would, writing nothing.
pub fn check(options: &BuildOptions) -> Outcome {
    check_with(options, false).0
}

/// [`check`], and the editor's report on the book as it stands, made even
/// when the book has errors (`briefbook check --report`).
pub fn check_with_report(options: &BuildOptions) -> (Outcome, crate::report::Report) {
    let (outcome, report) = check_with(options, true);
    (outcome, report.unwrap_or_default())
}

/// [`check`], with the editor's report if `report`.
fn check_with(options: &BuildOptions, report: bool) -> (Outcome, Option<crate::report::Report>) {
    let resolved = match resolved_book(options) {
        Ok(resolved) => resolved,
        Err(outcome) => return (*outcome, None),
    };
    let started = Instant::now();
    let mut project = Project::load(resolved);
    project.mode = Mode::Check;
    project.make_report = report;
    let load_time = started.elapsed();
    let mut render = project.render(&NullSink, false, &Silent);
    render.timings.insert(0, ("load", load_time));
    if let Err(d) = check_project_output(&project) {
        render.diagnostics.push(d);
    }
    let report = report.then(|| {
        let started = Instant::now();
        let report = project.report();
        render.timings.push(("report", started.elapsed()));
        report
    });
    (finish_as(project, render, options), report)
}

/// Builds a book and, if it has no error, replaces the output folder with
/// the new site.
pub fn build(options: &BuildOptions) -> Outcome {
    build_with_progress(options, &Silent)
}

/// [`build`], reporting progress.
pub fn build_with_progress(options: &BuildOptions, progress: &dyn Progress) -> Outcome {
    build_replacing(options, Replace::OnlyOurs, progress)
}

/// Which existing output folder a build may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replace {
    /// A missing or empty folder, or a site briefbook built (it carries
    /// [`output::MARKER`]): never a folder of someone's files.
    #[default]
    OnlyOurs,
    /// Any folder, and everything in it (`build --force`). The output still
    /// may not be the book, above it, inside its sources, or a file.
    Anything,
}

/// [`build`], replacing what `replace` allows, reporting progress.
///
/// Builds of the same output folder take turns ([`output::OutputLock`]):
/// one that has to wait says so through [`Progress::waiting`], then
/// builds. Holding the lock, a build first removes what killed builds left
/// beside the output ([`output::clean_leftovers`]).
pub fn build_replacing(
    options: &BuildOptions,
    replace: Replace,
    progress: &dyn Progress,
) -> Outcome {
    let resolved = match resolved_book(options) {
        Ok(resolved) => resolved,
        Err(outcome) => return *outcome,
    };
    let started = Instant::now();
    let mut project = Project::load(resolved);
    project.mode = Mode::Build { print: true };
    let load_time = started.elapsed();
    let refused = |mut project: Project, d: Diagnostic| {
        let mut render = project.render(&NullSink, false, progress);
        render.diagnostics.push(d);
        finish_as(project, render, options)
    };
    let output_dir = match check_project_output(&project) {
        Ok(dir) => dir,
        Err(d) => return refused(project, d),
    };
    let (staging, warnings) = match claim_output(&output_dir, replace, progress, || {
        format!(
            "waiting for another build of {} writing {} to finish…",
            options.root.display(),
            output_dir.display()
        )
    }) {
        Ok(claimed) => claimed,
        Err(d) => return refused(project, d),
    };
    let mut render = project.render(&staging, false, progress);
    render.diagnostics.extend(warnings);
    render.timings.insert(0, ("load", load_time));
    let started = Instant::now();
    if render.diagnostics.has_errors() {
        staging.discard();
    } else if let Err(e) = staging.commit() {
        render.diagnostics.push(Diagnostic::global(format!(
            "cannot write the site to {}: {e}",
            output_dir.display()
        )));
    }
    render.timings.push(("write", started.elapsed()));
    finish_as(project, render, options)
}

/// Takes the output folder `dir` ([`check_output`]ed) for a build: its
/// lock, then, holding it, the leftovers of killed builds cleaned and the
/// folder's owner checked, and a staging folder made. Returns the staging
/// folder and warnings (a previous site put back).
fn claim_output(
    dir: &Path,
    replace: Replace,
    progress: &dyn Progress,
    waiting: impl FnOnce() -> String,
) -> Result<(Staging, Vec<Diagnostic>), Diagnostic> {
    let cannot =
        |e: std::io::Error| Diagnostic::global(format!("cannot write to {}: {e}", dir.display()));
    let lock = output::OutputLock::acquire(dir, || progress.waiting(&waiting())).map_err(cannot)?;
    let leftovers = output::clean_leftovers(dir).map_err(cannot)?;
    let mut warnings = Vec::new();
    if let Some(old) = leftovers.restored {
        warnings.push(Diagnostic {
            severity: crate::diagnostics::Severity::Warning,
            ..Diagnostic::global(format!(
                "a build was stopped while it replaced {}, leaving no site there: the previous site (left at {}) was put back first",
                dir.display(),
                old.display()
            ))
        });
    }
    if replace == Replace::OnlyOurs
        && output::existing(dir).map_err(cannot)? == output::Existing::Foreign
    {
        return Err(Diagnostic::global(format!(
            "refusing to replace {}: it holds files that briefbook did not write (it has no {} file)",
            dir.display(),
            output::MARKER
        ))
        .with_help("build into a new or empty folder, or pass --force to replace this folder and delete everything in it")
        .with_note(format!(
            "note: an output folder built by a briefbook older than the {} file has none either: build it once with --force",
            output::MARKER
        )));
    }
    let staging = Staging::new(lock).map_err(cannot)?;
    Ok((staging, warnings))
}

/// `options` with the book's folder [`output::resolve`]d, so that the book
/// read is the one the output is checked against; or, for a folder that
/// is not a book, the outcome that says so.
fn resolved_book(options: &BuildOptions) -> Result<BuildOptions, Box<Outcome>> {
    not_a_book(options)?;
    let root = output::resolve(&options.root).unwrap_or_else(|_| options.root.clone());
    Ok(BuildOptions {
        root,
        ..options.clone()
    })
}

/// The outcome of a command on a folder that is not a book: that error
/// alone, with nothing rendered or timed.
fn not_a_book(options: &BuildOptions) -> Result<(), Box<Outcome>> {
    let Err(d) = check_root(&options.root) else {
        return Ok(());
    };
    let mut diagnostics = Diagnostics::new();
    diagnostics.push(d);
    let render = Render {
        diagnostics,
        stats: Stats::default(),
        timings: Vec::new(),
        written: Vec::new(),
        all_paths: Vec::new(),
    };
    // There is nothing to read: the project is empty.
    let mut outcome = finish(Project::load(options.clone()), render);
    outcome.is_book = false;
    Err(Box::new(outcome))
}

/// [`finish`], naming the output folder as `options` (as the user gave
/// them, before [`resolved_book`]) do.
fn finish_as(project: Project, render: Render, options: &BuildOptions) -> Outcome {
    let output_dir = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join(&project.book.config.output_dir));
    Outcome {
        output_dir,
        ..finish(project, render)
    }
}

fn finish(mut project: Project, render: Render) -> Outcome {
    let output_dir = project.output_dir();
    let files = std::mem::take(&mut project.book.files);
    Outcome {
        files,
        diagnostics: render.diagnostics,
        output_dir,
        stats: render.stats,
        timings: render.timings,
        is_book: true,
        _retained: Box::new(project),
    }
}
