//! Errors and warnings about a book, written for the people who write books.
//!
//! Every stage of the pipeline reports problems as [`Diagnostic`]s that point
//! at a byte range of a file registered in the [`SourceMap`]. Stages collect
//! all the problems they find instead of stopping at the first one, so an
//! author sees every error of a build in one run. Byte ranges become
//! `file:line:column` only when a diagnostic is printed.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::{Files, SimpleFile};
use codespan_reporting::term;

/// Identifies one file of the book in the [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(usize);

/// A file's text, shared without copying. It is an `Arc<String>` rather
/// than an `Arc<str>` because making an `Arc<str>` of the `String` a file
/// is read into copies the text (87 MB for a 10,000-note book).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedText(Arc<String>);

impl std::ops::Deref for SharedText {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<String> for SharedText {
    fn from(text: String) -> SharedText {
        SharedText(Arc::new(text))
    }
}

impl From<&str> for SharedText {
    fn from(text: &str) -> SharedText {
        SharedText(Arc::new(text.to_string()))
    }
}

/// A file's text with its lines indexed, not yet registered. Finding the
/// lines reads the whole text, so the loader prepares files on the threads
/// that read them and only numbers them in order (a 10,000-note book is
/// 87 MB of text).
pub struct PreparedFile(SimpleFile<String, SharedText>);

impl PreparedFile {
    /// Indexes the lines of `text`, shown to users as `display_name`.
    pub fn new(display_name: String, text: SharedText) -> PreparedFile {
        PreparedFile(SimpleFile::new(display_name, text))
    }

    /// The text.
    pub fn text(&self) -> &SharedText {
        self.0.source()
    }
}

/// Every text file the build has read, kept so that diagnostics can quote
/// the offending line. A file's text can be replaced when it is read again
/// (by `serve`), keeping its id.
#[derive(Default, Clone)]
pub struct SourceMap {
    files: Vec<SimpleFile<String, SharedText>>,
    paths: Vec<PathBuf>,
    by_path: std::collections::HashMap<PathBuf, FileId, ahash::RandomState>,
}

impl SourceMap {
    /// Registers a file under the name shown to users (a path relative to
    /// the book's root) and returns its id.
    pub fn add(&mut self, display_name: String, path: PathBuf, text: SharedText) -> FileId {
        self.add_prepared(path, PreparedFile::new(display_name, text))
    }

    /// Registers a file prepared beforehand (see [`PreparedFile`]).
    pub fn add_prepared(&mut self, path: PathBuf, file: PreparedFile) -> FileId {
        let id = FileId(self.files.len());
        self.by_path.insert(path.clone(), id);
        self.paths.push(path);
        self.files.push(file.0);
        id
    }

    /// Replaces a registered file by one prepared beforehand, keeping its
    /// id (and its name, which comes from the same path).
    pub fn replace_prepared(&mut self, file: FileId, prepared: PreparedFile) {
        if let Some(slot) = self.files.get_mut(file.0) {
            *slot = prepared.0;
        }
    }

    /// Lets go of the texts of `files`, which diagnostics will not quote:
    /// their names and paths stay. For a one-shot build, once its notes
    /// are rendered and checked.
    pub fn forget_texts(&mut self, files: impl IntoIterator<Item = FileId>) {
        for file in files {
            if let Some(slot) = self.files.get_mut(file.0) {
                *slot = SimpleFile::new(slot.name().clone(), SharedText::default());
            }
        }
    }

    /// The id of the file read from `path`, if it was registered.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// The text of a registered file.
    pub fn text(&self, file: FileId) -> &str {
        self.files
            .get(file.0)
            .map(|f| f.source().as_ref())
            .unwrap_or("")
    }

    /// The name of a file as shown to users.
    pub fn name(&self, file: FileId) -> &str {
        self.files
            .get(file.0)
            .map(|f| f.name().as_str())
            .unwrap_or("")
    }

    /// The path the file was read from.
    pub fn path(&self, file: FileId) -> &Path {
        &self.paths[file.0]
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, file: FileId, offset: usize) -> (usize, usize) {
        match self.location(file.0, offset) {
            Ok(location) => (location.line_number, location.column_number),
            Err(_) => (1, 1),
        }
    }
}

impl<'a> Files<'a> for SourceMap {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .map(|f| f.name().as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .map(|f| f.source().as_ref())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: usize,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?
            .line_index((), byte_index)
    }

    fn line_range(
        &'a self,
        id: usize,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?
            .line_range((), line_index)
    }
}

/// How bad a diagnostic is: errors fail the build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The book cannot be built as written.
    Error,
    /// The book builds, but probably not as the author meant.
    Warning,
}

/// One problem found in a book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it is wrong, when the problem sits in a file.
    pub location: Option<(FileId, Range<usize>)>,
    /// A short text shown under the offending span.
    pub label: String,
    /// Further lines: context and how to fix it (`help: ...`).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at a span of a file.
    pub fn error(file: FileId, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: Some((file, span)),
            label: String::new(),
            notes: Vec::new(),
        }
    }

    /// A warning at a span of a file.
    pub fn warning(file: FileId, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, span, message)
        }
    }

    /// An error that belongs to no file (an unreadable folder, a full disk).
    pub fn global(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            label: String::new(),
            notes: Vec::new(),
        }
    }

    /// Sets the text shown under the span.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Adds a `help:` line saying how to fix the problem.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    /// Adds a plain note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column` of the diagnostic, if it has a location.
    pub fn position(&self, sources: &SourceMap) -> Option<String> {
        let (file, span) = self.location.as_ref()?;
        let (line, column) = sources.line_column(*file, span.start);
        Some(format!("{}:{line}:{column}", sources.name(*file)))
    }

    fn to_codespan(&self) -> CsDiagnostic<usize> {
        let base = match self.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        };
        let mut diagnostic = base
            .with_message(&self.message)
            .with_notes(self.notes.clone());
        if let Some((file, span)) = &self.location {
            diagnostic = diagnostic.with_labels(vec![
                Label::primary(file.0, span.clone()).with_message(&self.label),
            ]);
        }
        diagnostic
    }

    /// The diagnostic as plain text: message, `file:line:column`, the
    /// offending line with the span underlined, and the help lines.
    pub fn render(&self, sources: &SourceMap) -> String {
        let config = term::Config::default();
        match term::emit_into_string(&config, sources, &self.to_codespan()) {
            Ok(text) => text,
            Err(_) => {
                // The span does not fit the file (it changed under us); the
                // message is still worth showing.
                let mut text = format!("error: {}\n", self.message);
                for note in &self.notes {
                    let _ = writeln!(text, "  = {note}");
                }
                text
            }
        }
    }
}

/// The diagnostics of a build.
///
/// Those found reading the book's files (`causes`) are shown before the
/// rest: when a file cannot be read, the errors that would only follow from
/// it (every reference to a glossary that did not load) are not reported,
/// so its own error is what the author must see first.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    causes: Vec<Diagnostic>,
    items: Vec<Diagnostic>,
}

/// How many diagnostics are printed in full: a mistake made many times, or
/// a great many mistakes, must not bury the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    /// Diagnostics with the same message printed in full; the others like
    /// them are counted in one line that says where the first few are.
    pub alike: usize,
    /// Diagnostics printed in full at most; the rest are counted in a last
    /// line.
    pub total: usize,
}

impl Shown {
    /// For people: three of a kind, fifty in all.
    pub const SUMMARY: Shown = Shown {
        alike: 3,
        total: 50,
    };
    /// Every diagnostic in full (`--verbose`).
    pub const ALL: Shown = Shown {
        alike: usize::MAX,
        total: usize::MAX,
    };
}

/// How many places a line counting diagnostics alike names.
const PLACES_NAMED: usize = 3;

/// The command that prints every diagnostic, for the lines that count
/// those not printed.
const SHOW_ALL: &str = "`briefbook check --verbose` prints every one";

/// One piece of a printed report.
enum Line<'a> {
    /// A diagnostic in full.
    Full(&'a Diagnostic),
    /// A count of further diagnostics like the one before, with their
    /// first places.
    Alike(String),
    /// A count of everything not printed beyond [`Shown::total`].
    NotShown(String),
}

impl Line<'_> {
    /// The line's text (a diagnostic in full is rendered by the caller).
    fn text(&self) -> Option<&str> {
        match self {
            Line::Full(_) => None,
            Line::Alike(text) | Line::NotShown(text) => Some(text),
        }
    }
}

impl Diagnostics {
    /// No diagnostics yet.
    pub fn new() -> Self {
        Diagnostics::default()
    }

    /// Records one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Records many diagnostics.
    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(diagnostics);
    }

    /// Records diagnostics found reading the book's files, which are shown
    /// before all others (see [`Diagnostics`]).
    pub fn extend_causes(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.causes.extend(diagnostics);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.causes.len() + self.items.len() - self.error_count()
    }

    /// All diagnostics: those found reading files first, then the rest,
    /// each part sorted by file and position so that output is stable
    /// however the work was scheduled.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let key = |d: &&Diagnostic| {
            (
                d.location.as_ref().map(|(f, s)| (*f, s.start, s.end)),
                d.severity,
            )
        };
        let mut causes: Vec<&Diagnostic> = self.causes.iter().collect();
        let mut rest: Vec<&Diagnostic> = self.items.iter().collect();
        for part in [&mut causes, &mut rest] {
            part.sort_by(|a, b| key(a).cmp(&key(b)).then(a.message.cmp(&b.message)));
        }
        causes.extend(rest);
        causes
    }

    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.causes.is_empty() && self.items.is_empty()
    }

    /// Renders the diagnostics, sorted, as [`Shown::SUMMARY`] says.
    pub fn render(&self, sources: &SourceMap) -> String {
        self.render_shown(sources, Shown::SUMMARY)
    }

    /// Renders the diagnostics, sorted, printing as many in full as `shown`
    /// says and counting the rest.
    pub fn render_shown(&self, sources: &SourceMap, shown: Shown) -> String {
        let mut out = String::new();
        for line in self.lines(sources, shown) {
            match line.text() {
                Some(text) => {
                    out.push_str(text);
                    out.push_str("\n\n");
                }
                None => {
                    if let Line::Full(diagnostic) = line {
                        out.push_str(&diagnostic.render(sources));
                        out.push('\n');
                    }
                }
            }
        }
        out
    }

    /// Prints the diagnostics to standard error, in colour when `color`,
    /// as many in full as `shown` says.
    pub fn emit_to_stderr(&self, sources: &SourceMap, color: bool, shown: Shown) {
        use codespan_reporting::term::termcolor::{BufferedStandardStream, ColorChoice};
        use std::io::Write as _;
        let choice = if color {
            ColorChoice::Auto
        } else {
            ColorChoice::Never
        };
        // Buffered: the renderer writes a quoted line piece by piece, and
        // standard error is unbuffered, so an error on a line of a
        // megabyte (a note on one line) cost a million system calls.
        let mut lock = BufferedStandardStream::stderr(choice);
        let config = term::Config::default();
        for line in self.lines(sources, shown) {
            match line {
                Line::Full(diagnostic) => {
                    if term::emit_to_write_style(
                        &mut lock,
                        &config,
                        sources,
                        &diagnostic.to_codespan(),
                    )
                    .is_err()
                    {
                        let _ = write!(lock, "{}", diagnostic.render(sources));
                    }
                }
                Line::Alike(text) | Line::NotShown(text) => {
                    let _ = writeln!(lock, "{text}\n");
                }
            }
        }
        let _ = lock.flush();
    }

    /// What to print: the diagnostics in order, those beyond
    /// [`Shown::alike`] of the same message counted in one line after the
    /// last printed, those beyond [`Shown::total`] counted at the end.
    /// Diagnostics are alike when they have the same severity and message:
    /// the same mistake (the same unknown source, the same missing file),
    /// whatever the place.
    fn lines<'a>(&'a self, sources: &SourceMap, shown: Shown) -> Vec<Line<'a>> {
        let sorted = self.sorted();
        let key = |d: &'a Diagnostic| (d.severity, d.message.as_str());
        let mut alike: HashMap<(Severity, &str), Vec<&Diagnostic>> = HashMap::new();
        for &diagnostic in &sorted {
            alike.entry(key(diagnostic)).or_default().push(diagnostic);
        }
        let mut lines = Vec::new();
        let mut printed = 0;
        // Per group: how many were met, and how many printed in full.
        let mut seen: HashMap<(Severity, &str), (usize, usize)> = HashMap::new();
        // Groups whose count line was printed: their other members are
        // accounted for.
        let mut counted: HashSet<(Severity, &str)> = HashSet::new();
        let (mut errors_left, mut warnings_left) = (0usize, 0usize);
        for &diagnostic in &sorted {
            let group = key(diagnostic);
            let (met, in_full) = seen.entry(group).or_default();
            *met += 1;
            if *met <= shown.alike && printed < shown.total {
                lines.push(Line::Full(diagnostic));
                printed += 1;
                *in_full += 1;
                continue;
            }
            // The group's count line follows its last one in full, if all
            // those were printed (not cut off by the cap on the total).
            if Some(*met) == shown.alike.checked_add(1) && *in_full == shown.alike {
                let rest = &alike[&group][shown.alike..];
                lines.push(Line::Alike(alike_line(sources, diagnostic.severity, rest)));
                counted.insert(group);
            }
            if !counted.contains(&group) {
                match diagnostic.severity {
                    Severity::Error => errors_left += 1,
                    Severity::Warning => warnings_left += 1,
                }
            }
        }
        if errors_left + warnings_left > 0 {
            let mut what = Vec::new();
            if errors_left > 0 {
                what.push(count(errors_left, "more error"));
            }
            if warnings_left > 0 {
                what.push(count(warnings_left, "more warning"));
            }
            lines.push(Line::NotShown(format!(
                "... and {}, not shown after the first {}; {SHOW_ALL}",
                what.join(" and "),
                shown.total
            )));
        }
        lines
    }

    /// Iterates over the diagnostics, those found reading files first.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.causes.iter().chain(&self.items)
    }
}

/// The line counting `rest`, diagnostics like the one printed before it.
fn alike_line(sources: &SourceMap, severity: Severity, rest: &[&Diagnostic]) -> String {
    let what = match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut line = format!(
        "... and {} like this",
        count(rest.len(), &format!("more {what}"))
    );
    let places: Vec<String> = rest
        .iter()
        .filter_map(|d| d.position(sources))
        .take(PLACES_NAMED)
        .collect();
    if !places.is_empty() {
        let others = rest.len() - places.len();
        let _ = write!(line, ", at {}", places.join(", "));
        if others > 0 {
            let _ = write!(line, " and {}", count(others, "other place"));
        }
    }
    let _ = write!(line, "; {SHOW_ALL}");
    line
}

/// `1 error`, `30,990 errors`.
pub fn count(n: usize, what: &str) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if n == 1 {
        format!("{grouped} {what}")
    } else {
        format!("{grouped} {what}s")
    }
}

/// How many characters of a name suggestions compare: Jaro-Winkler costs
/// the product of the two lengths, and a 1 MB key against 10,000 ids
/// would take 10^11 steps. Names differ in their first characters.
const SUGGESTION_CHARS: usize = 64;

/// A name as suggestions compare it: its first [`SUGGESTION_CHARS`]
/// characters, in lower case.
fn suggestion_key(name: &str) -> String {
    let end = name
        .char_indices()
        .nth(SUGGESTION_CHARS)
        .map_or(name.len(), |(at, _)| at);
    name[..end].to_lowercase()
}

/// How alike a name is to the wanted one (already a [`suggestion_key`]).
fn similarity(wanted_key: &str, candidate: &str) -> f64 {
    strsim::jaro_winkler(wanted_key, &suggestion_key(candidate))
}

/// Suggests the candidate closest to `wanted`, if any is close enough to be
/// what the author meant.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted_lower = suggestion_key(wanted);
    candidates
        .into_iter()
        .map(|c| (similarity(&wanted_lower, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// The candidates closest to `wanted`, best first, at most `limit`.
pub fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    limit: usize,
) -> Vec<&'a str> {
    let wanted_lower = suggestion_key(wanted);
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (similarity(&wanted_lower, c), c))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_prefer_the_closest_name() {
        assert_eq!(
            did_you_mean("nyt2", ["ynet", "nyt", "kurdistan24"]),
            Some("nyt")
        );
        assert_eq!(did_you_mean("zzzz", ["ynet", "nyt"]), None);
        assert_eq!(
            closest("golan", ["Golan Heights", "Gaza", "Damascus"], 2)[0],
            "Golan Heights"
        );
    }

    #[test]
    fn rendering_names_file_line_and_column() {
        let mut sources = SourceMap::default();
        let file = sources.add(
            "content/a.md".into(),
            "a.md".into(),
            "one\ntwo [@x]\n".into(),
        );
        let d = Diagnostic::error(file, 8..12, "unknown source `x`").with_help("did you mean `y`?");
        let text = d.render(&sources);
        assert!(text.contains("content/a.md:2:5"), "{text}");
        assert!(text.contains("two [@x]"), "{text}");
        assert!(text.contains("help: did you mean `y`?"), "{text}");
        assert_eq!(d.position(&sources).as_deref(), Some("content/a.md:2:5"));
    }

    #[test]
    fn counts_group_their_digits() {
        assert_eq!(count(1, "error"), "1 error");
        assert_eq!(count(999, "error"), "999 errors");
        assert_eq!(count(30_990, "more error"), "30,990 more errors");
        assert_eq!(count(1_234_567, "note"), "1,234,567 notes");
    }

    #[test]
    fn alike_diagnostics_are_counted_and_the_report_is_capped() {
        let mut sources = SourceMap::default();
        let file = sources.add("a.md".into(), "a.md".into(), "x\n".repeat(20).into());
        let at = |line: usize| Diagnostic::error(file, line * 2..line * 2 + 1, "same");
        let mut diagnostics = Diagnostics::new();
        diagnostics.extend((0..6).map(at));
        diagnostics.push(Diagnostic::warning(file, 30..31, "other"));
        diagnostics.extend_causes([Diagnostic::global("first of all")]);
        let shown = Shown { alike: 2, total: 3 };
        let text = diagnostics.render_shown(&sources, shown);
        let heads: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with(char::is_numeric) && !l.is_empty())
            .collect();
        assert_eq!(
            heads,
            [
                "error: first of all",
                "error: same",
                "error: same",
                "... and 4 more errors like this, at a.md:3:1, a.md:4:1, a.md:5:1 and 1 other place; `briefbook check --verbose` prints every one",
                "... and 1 more warning, not shown after the first 3; `briefbook check --verbose` prints every one",
            ],
            "{text}"
        );
        let all = diagnostics.render_shown(&sources, Shown::ALL);
        assert_eq!(all.matches("error: same").count(), 6, "{all}");
        assert!(!all.contains("..."), "{all}");
        assert_eq!(
            (diagnostics.error_count(), diagnostics.warning_count()),
            (7, 1)
        );
    }
}
