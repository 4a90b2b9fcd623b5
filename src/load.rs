//! Loading a book from disk: config, sources, notes, glossary, chronology.
//!
//! This is one of only two stages that touch the disk (the other writes the
//! output). Everything it reads is registered in the [`SourceMap`] so that
//! every later diagnostic can quote the file it points into. A loaded
//! [`Book`] can take single files again ([`Book::reload`]), which is how
//! `serve` rebuilds after an edit without reading the whole book.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::chronology::Chronology;
use crate::config::BookConfig;
use crate::diagnostics::{Diagnostic, FileId, PreparedFile, Severity, SharedText, SourceMap};
use crate::frontmatter;
use crate::glossary::Glossary;
use crate::note::Note;
use crate::resolve::SourceSet;
use crate::sitepath;
use crate::source::Source;

/// Diagnostics of loading, by the file (or folder) they came from, so that
/// reading a file again replaces its own.
pub type LoadDiagnostics = BTreeMap<PathBuf, Vec<Diagnostic>>;

/// A book as read from disk, before anything is resolved.
pub struct Book {
    /// The book's folder.
    pub root: PathBuf,
    /// Whether drafts are included.
    pub drafts: bool,
    /// `content/book.toml`.
    pub config: BookConfig,
    /// Every file read, for diagnostics.
    pub files: SourceMap,
    /// The archived articles, by id.
    pub sources: SourceSet,
    /// Sources by the file they were read from.
    source_files: BTreeMap<PathBuf, Arc<Source>>,
    /// The notes in reading order (without `content/index.md`).
    pub notes: Vec<Note>,
    /// `content/index.md`, the book's introduction.
    pub intro: Option<Note>,
    /// `content/glossary.toml`.
    pub glossary: Glossary,
    /// `content/chronology.toml`.
    pub chronology: Chronology,
}

/// What a changed file was, for deciding what to render again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `content/book.toml`.
    Config,
    /// A source under `seeds/`, with its id before and after the change.
    Source(Vec<String>),
    /// A note (or the introduction), by its path under `content/`.
    Note(String),
    /// `content/glossary.toml`.
    Glossary,
    /// `content/chronology.toml`.
    Chronology,
    /// Anything else (templates, static files): everything is rendered again.
    Other,
}

/// A file as read from disk, not yet registered: reading is done in
/// parallel, registering (which numbers the files) in order.
struct Fetched {
    path: PathBuf,
    /// The text, or why there is none.
    text: Result<Decoded, Diagnostic>,
}

/// A file's bytes as text: decoding, copying and indexing the lines of a
/// big book's text takes time, so it is done on the threads that read.
struct Decoded {
    file: PreparedFile,
    /// Where the first byte that is not UTF-8 was, in the text (where it
    /// is now U+FFFD).
    invalid_at: Option<usize>,
}

/// Reads a file, refusing symbolic links.
fn fetch(root: &Path, path: &Path) -> Fetched {
    let display = relative_path(root, path);
    // A book must not read outside itself: `content/book.toml`,
    // `glossary.toml` and `chronology.toml` are opened by name, so a
    // symbolic link there is refused here (listed files, in `list_files`,
    // and here again should one be swapped in meanwhile).
    let text = match read_no_follow(path) {
        Ok(bytes) => Ok(decode(display, bytes)),
        Err(e) if is_symlink_refusal(&e, path) => Err(link_not_followed(&display)),
        Err(e) => Err(Diagnostic::global(format!("cannot read {display}: {e}"))),
    };
    Fetched {
        path: path.to_path_buf(),
        text,
    }
}

/// The bytes of a file, refusing to open it through a symbolic link. On
/// Unix the refusal is `O_NOFOLLOW`'s, in the same system call as the
/// opening: a book has thousands of files, and asking about each one first
/// (`lstat`) was a path lookup more per file.
#[cfg(unix)]
fn read_no_follow(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // Through `Take`, as `std::fs::read` does: `File`'s own `read_to_end`
    // would ask the size again, and where it is (`fstat`, `lseek`).
    (&mut file).take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The bytes of a file, refusing to open it through a symbolic link.
#[cfg(not(unix))]
fn read_no_follow(path: &Path) -> std::io::Result<Vec<u8>> {
    if path.is_symlink() {
        return Err(std::io::Error::other("a symbolic link"));
    }
    std::fs::read(path)
}

/// Whether reading `path` failed because it is a symbolic link.
fn is_symlink_refusal(error: &std::io::Error, path: &Path) -> bool {
    // `O_NOFOLLOW` fails with ELOOP, an error std has no kind for on
    // every platform; the link itself says what it is.
    error.kind() != std::io::ErrorKind::NotFound && path.is_symlink()
}

/// The bytes of a file as text (lossily, if they are not UTF-8).
fn decode(display: String, bytes: Vec<u8>) -> Decoded {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{FEFF}') {
                // A byte-order mark is invisible and means nothing in UTF-8.
                text.replace_range(..3, "");
            }
            Decoded {
                file: PreparedFile::new(display, text.into()),
                invalid_at: None,
            }
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let lossy: SharedText = String::from_utf8_lossy(e.as_bytes()).into_owned().into();
            let at = String::from_utf8_lossy(&e.as_bytes()[..valid]).len();
            Decoded {
                file: PreparedFile::new(display, lossy),
                invalid_at: Some(at),
            }
        }
    }
}

/// Reads a text file, registering it (or replacing its text if it was read
/// before); a file that is not UTF-8 becomes an error at its first bad byte.
fn read_text(
    files: &mut SourceMap,
    root: &Path,
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(FileId, SharedText)> {
    register(files, fetch(root, path), diagnostics)
}

/// Registers a fetched file as text.
fn register(
    files: &mut SourceMap,
    fetched: Fetched,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(FileId, SharedText)> {
    let Fetched { path, text } = fetched;
    let Decoded { file, invalid_at } = match text {
        Ok(decoded) => decoded,
        Err(d) => {
            diagnostics.push(d);
            return None;
        }
    };
    let text = file.text().clone();
    let id = match files.find(&path) {
        Some(id) => {
            files.replace_prepared(id, file);
            id
        }
        None => files.add_prepared(path, file),
    };
    match invalid_at {
        None => Some((id, text)),
        Some(at) => {
            diagnostics.push(
                Diagnostic::error(
                    id,
                    at..(at + 1).min(text.len()),
                    "this file is not valid UTF-8",
                )
                .with_label("invalid byte")
                .with_help(
                    "save the file as UTF-8 (most editors offer it under \"Save with encoding\")",
                ),
            );
            None
        }
    }
}

fn warning(message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        ..Diagnostic::global(message)
    }
}

/// The warning for a symbolic link (`shown` as [`relative_path`] gives it)
/// that is left out: a book, its theme included, never reads outside
/// itself.
pub(crate) fn link_not_followed(shown: &str) -> Diagnostic {
    warning(format!("{shown} is a symbolic link; it is not followed"))
}

/// Files below `dir` with one of `extensions`, sorted; symbolic links are
/// not followed (a book must not read outside itself) and are reported.
fn list_files(
    dir: &Path,
    extensions: &[&str],
    recursive: bool,
    root: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    if !dir.is_dir() {
        // A book may have no sources or no notes yet.
        return Vec::new();
    }
    // Not even the folder itself is followed if it is a link (WalkDir
    // follows a root link unless told not to): its entry is then the link,
    // refused below with the others.
    let mut walker = WalkDir::new(dir)
        .sort_by_file_name()
        .follow_links(false)
        .follow_root_links(false);
    if !recursive {
        walker = walker.max_depth(1);
    }
    let mut found = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diagnostics.push(Diagnostic::global(format!(
                    "cannot read {}: {e}",
                    dir.display()
                )));
                continue;
            }
        };
        let path = entry.path();
        let linked_folder = || std::fs::metadata(path).is_ok_and(|m| m.is_dir());
        if entry.path_is_symlink() && (is_wanted(path, extensions) || linked_folder()) {
            diagnostics.push(link_not_followed(&relative_path(root, path)));
            continue;
        }
        if entry.file_type().is_file() && is_wanted(path, extensions) {
            found.push(path.to_path_buf());
        }
    }
    found
}

/// Whether `path` is inside `content/` or `seeds/` and that folder is a
/// symbolic link. The listing refuses such a folder (with a warning); this
/// keeps the files read by name (`book.toml`, `glossary.toml`,
/// `chronology.toml`) and the files `serve` reads again out of it too.
fn in_linked_folder(root: &Path, path: &Path) -> bool {
    let Some(first) = path
        .strip_prefix(root)
        .ok()
        .and_then(|p| p.components().next())
    else {
        return false;
    };
    root.join(first).is_symlink()
}

fn is_wanted(path: &Path, extensions: &[&str]) -> bool {
    let hidden = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'));
    !hidden
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
}

/// Loads the book at `root`. Returns the book (even with errors, so that as
/// many as possible are found) and the diagnostics by file.
pub fn load(root: &Path, drafts: bool) -> (Book, LoadDiagnostics) {
    let mut diagnostics = LoadDiagnostics::new();
    let mut book = Book {
        root: root.to_path_buf(),
        drafts,
        config: BookConfig::default(),
        files: SourceMap::default(),
        sources: SourceSet::default(),
        source_files: BTreeMap::new(),
        notes: Vec::new(),
        intro: None,
        glossary: Glossary::default(),
        chronology: Chronology::default(),
    };
    let content = root.join("content");
    book.read_config(&mut diagnostics);

    let mut listing = Vec::new();
    let seeds = list_files(
        &root.join("seeds"),
        &["md", "txt"],
        false,
        root,
        &mut listing,
    );
    // The maps are keyed by path, and comparing paths is slow (component
    // by component): they are built from the sorted listing at once rather
    // than by one insertion per file.
    let mut found_by_file = Vec::with_capacity(seeds.len());
    let mut sources = Vec::with_capacity(seeds.len());
    for (path, found, source) in book.read_many(&seeds, parse_source) {
        if let Some(source) = source {
            sources.push((path.clone(), Arc::new(source)));
        }
        found_by_file.push((path, found));
    }
    book.source_files.append(&mut sources.into_iter().collect());
    let notes = list_files(&content, &["md"], true, root, &mut listing);
    let parse = |path: &Path, file, text: &str, found: &mut Vec<Diagnostic>| {
        parse_note(&content, drafts, path, file, text, found)
    };
    for (path, found, note) in book.read_many(&notes, parse) {
        book.add_note(note);
        found_by_file.push((path, found));
    }
    diagnostics.append(&mut found_by_file.into_iter().collect());
    diagnostics.insert(root.to_path_buf(), listing);
    book.read_glossary(&mut diagnostics);
    book.read_chronology(&mut diagnostics);
    book.index_sources(&mut diagnostics);
    book.sort_notes();
    (book, diagnostics)
}

impl Book {
    /// Reads one changed (or new, or deleted) file again and says what it was.
    pub fn reload(&mut self, path: &Path, diagnostics: &mut LoadDiagnostics) -> Change {
        let content = self.root.join("content");
        if in_linked_folder(&self.root, path) {
            Change::Other
        } else if path == content.join("book.toml") {
            self.read_config(diagnostics);
            Change::Config
        } else if path == content.join("glossary.toml") {
            self.read_glossary(diagnostics);
            Change::Glossary
        } else if path == content.join("chronology.toml") {
            self.read_chronology(diagnostics);
            Change::Chronology
        } else if path.parent() == Some(&self.root.join("seeds")) && is_wanted(path, &["md", "txt"])
        {
            let mut ids: Vec<String> = self
                .source_files
                .get(path)
                .map(|s| s.id.clone())
                .into_iter()
                .collect();
            self.source_files.remove(path);
            diagnostics.remove(path);
            if path.is_file() {
                self.read_source(path, diagnostics);
            }
            ids.extend(self.source_files.get(path).map(|s| s.id.clone()));
            self.index_sources(diagnostics);
            Change::Source(ids)
        } else if path.starts_with(&content) && is_wanted(path, &["md"]) {
            let relative = relative_path(&content, path);
            let old = self.notes.iter().position(|n| n.path == relative);
            if relative == "index.md" {
                self.intro = None;
            }
            diagnostics.remove(path);
            let count = self.notes.len();
            if path.is_file() {
                self.read_note(path, diagnostics);
            }
            // The note read again takes its old place (an edit seldom
            // moves it), so that ten thousand notes are not moved for one.
            match (old, self.notes.len() > count) {
                (Some(i), true) => drop(self.notes.swap_remove(i)),
                (Some(i), false) => drop(self.notes.remove(i)),
                (None, _) => {}
            }
            self.sort_notes();
            Change::Note(relative)
        } else {
            Change::Other
        }
    }

    fn read_config(&mut self, diagnostics: &mut LoadDiagnostics) {
        let path = self.root.join("content").join("book.toml");
        let mut found = Vec::new();
        self.config = BookConfig::default();
        if path.is_file() && !in_linked_folder(&self.root, &path) {
            if let Some((file, text)) = read_text(&mut self.files, &self.root, &path, &mut found) {
                match frontmatter::parse_toml::<BookConfig>(file, &text, 0, "book.toml")
                    .into_result()
                {
                    Ok(config) => self.config = config,
                    Err(errors) => found.extend(errors),
                }
            }
        }
        diagnostics.insert(path, found);
    }

    fn read_source(&mut self, path: &Path, diagnostics: &mut LoadDiagnostics) {
        let mut found = Vec::new();
        let source = read_text(&mut self.files, &self.root, path, &mut found)
            .and_then(|(file, text)| parse_source(path, file, &text, &mut found));
        self.add_source(path, source, found, diagnostics);
    }

    fn add_source(
        &mut self,
        path: &Path,
        source: Option<Source>,
        found: Vec<Diagnostic>,
        diagnostics: &mut LoadDiagnostics,
    ) {
        if let Some(source) = source {
            self.source_files
                .insert(path.to_path_buf(), Arc::new(source));
        }
        diagnostics.insert(path.to_path_buf(), found);
    }

    /// Reads and parses many files: reading and parsing in parallel,
    /// registering in order (so file ids do not depend on timing).
    fn read_many<T: Send>(
        &mut self,
        paths: &[PathBuf],
        parse: impl Fn(&Path, FileId, &str, &mut Vec<Diagnostic>) -> Option<T> + Sync,
    ) -> Vec<(PathBuf, Vec<Diagnostic>, Option<T>)> {
        let root = &self.root;
        let fetched: Vec<Fetched> = paths.par_iter().map(|p| fetch(root, p)).collect();
        let registered: Vec<_> = fetched
            .into_iter()
            .map(|f| {
                let path = f.path.clone();
                let mut found = Vec::new();
                let text = register(&mut self.files, f, &mut found);
                (path, found, text)
            })
            .collect();
        registered
            .into_par_iter()
            .map(|(path, mut found, text)| {
                let parsed = text.and_then(|(file, text)| parse(&path, file, &text, &mut found));
                (path, found, parsed)
            })
            .collect()
    }

    /// Indexes the sources by id, reporting ids used twice.
    fn index_sources(&mut self, diagnostics: &mut LoadDiagnostics) {
        let mut by_id: BTreeMap<&str, &Arc<Source>> = BTreeMap::new();
        let mut duplicates = Vec::new();
        for source in self.source_files.values() {
            match by_id.get(source.id.as_str()) {
                Some(first) => {
                    let text = self.files.text(source.file);
                    duplicates.push(
                        Diagnostic::error(
                            source.file,
                            0..text.len().min(1),
                            format!("two sources have the id `{}`", source.id),
                        )
                        .with_note(format!("the other one is {}", self.files.name(first.file)))
                        .with_help(
                            "rename one of the files, or set another `id` in its front matter",
                        ),
                    );
                }
                None => {
                    by_id.insert(&source.id, source);
                }
            }
        }
        self.sources = SourceSet::new(by_id.into_values().cloned());
        diagnostics.insert(self.root.join("seeds"), duplicates);
    }

    fn read_note(&mut self, path: &Path, diagnostics: &mut LoadDiagnostics) {
        let mut found = Vec::new();
        let content = self.root.join("content");
        let note =
            read_text(&mut self.files, &self.root, path, &mut found).and_then(|(file, text)| {
                parse_note(&content, self.drafts, path, file, &text, &mut found)
            });
        self.add_note(note);
        diagnostics.insert(path.to_path_buf(), found);
    }

    fn add_note(&mut self, note: Option<Note>) {
        match note {
            Some(note) if note.draft && !self.drafts => {}
            Some(note) if note.path == "index.md" => self.intro = Some(note),
            Some(note) => self.notes.push(note),
            None => {}
        }
    }

    /// Reading order: top-level notes first, then each folder; within a
    /// folder by weight, then title, then path.
    fn sort_notes(&mut self) {
        // Each note's folder is found once, not at every comparison.
        let sections: Vec<Option<&str>> = self.notes.iter().map(Note::section).collect();
        let key = |i: usize| {
            let note = &self.notes[i];
            (
                sections[i].is_some(),
                sections[i],
                note.weight,
                &note.title,
                &note.path,
            )
        };
        // An edit under `serve` seldom moves a note: the notes are then
        // left where they are, not moved one by one into a new list.
        if (1..self.notes.len()).all(|i| key(i - 1) <= key(i)) {
            return;
        }
        let mut order: Vec<usize> = (0..self.notes.len()).collect();
        order.sort_by(|&a, &b| key(a).cmp(&key(b)));
        let mut notes: Vec<Option<Note>> = std::mem::take(&mut self.notes)
            .into_iter()
            .map(Some)
            .collect();
        self.notes = order.into_iter().filter_map(|i| notes[i].take()).collect();
    }

    fn read_glossary(&mut self, diagnostics: &mut LoadDiagnostics) {
        let path = self.root.join("content").join("glossary.toml");
        self.glossary = read_toml_part(
            &mut self.files,
            &self.root,
            &path,
            diagnostics,
            Glossary::parse,
        );
    }

    fn read_chronology(&mut self, diagnostics: &mut LoadDiagnostics) {
        let path = self.root.join("content").join("chronology.toml");
        self.chronology = read_toml_part(
            &mut self.files,
            &self.root,
            &path,
            diagnostics,
            Chronology::parse,
        );
    }
}

/// The parts of a book that did not load: files that could not be read
/// or parsed. The errors that would only follow from them (every `[[term]]`
/// when the glossary did not load, every citation of a source whose front
/// matter is wrong) are not reported; the files' own errors are.
#[derive(Debug, Clone, Default)]
pub struct Unloaded {
    /// `content/glossary.toml` has errors, so the book has no terms.
    pub glossary: bool,
    /// `content/chronology.toml` has errors, so the book has no events.
    pub chronology: bool,
    /// The ids of the sources that did not load: their file names' stems,
    /// and the `id` their front matter sets, where it can be read.
    pub sources: HashSet<String>,
    /// The notes that did not load, by their paths under `content/`.
    pub notes: HashSet<String>,
}

impl Book {
    /// What did not load, from the diagnostics of loading.
    pub fn unloaded(&self, diagnostics: &LoadDiagnostics) -> Unloaded {
        let content = self.root.join("content");
        let seeds = self.root.join("seeds");
        let failed = |path: &Path| {
            diagnostics
                .get(path)
                .is_some_and(|found| found.iter().any(Diagnostic::is_error))
        };
        let mut unloaded = Unloaded {
            glossary: failed(&content.join("glossary.toml")),
            chronology: failed(&content.join("chronology.toml")),
            ..Unloaded::default()
        };
        let mut loaded_notes: Option<HashSet<&str>> = None;
        for (path, found) in diagnostics {
            if !found.iter().any(Diagnostic::is_error) {
                continue;
            }
            if path.parent() == Some(&seeds) && !self.source_files.contains_key(path) {
                unloaded.sources.extend(
                    path.file_stem()
                        .map(|stem| stem.to_string_lossy().to_string()),
                );
                let declared = self
                    .files
                    .find(path)
                    .and_then(|file| frontmatter::declared_string(self.files.text(file), "id"));
                unloaded.sources.extend(declared);
            } else if path.starts_with(&content) && is_wanted(path, &["md"]) {
                // Built only when a note has errors: most builds have none.
                let loaded = loaded_notes.get_or_insert_with(|| {
                    self.notes
                        .iter()
                        .chain(&self.intro)
                        .map(|note| note.path.as_str())
                        .collect()
                });
                let relative = relative_path(&content, path);
                if !loaded.contains(relative.as_str()) {
                    unloaded.notes.insert(relative);
                }
            }
        }
        unloaded
    }
}

/// Parses a source file.
fn parse_source(
    path: &Path,
    file: FileId,
    text: &str,
    found: &mut Vec<Diagnostic>,
) -> Option<Source> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let is_txt = path.extension().is_some_and(|e| e == "txt");
    Source::parse(file, &stem, text, is_txt)
        .map_err(|errors| found.extend(errors))
        .ok()
}

/// Parses a note file; `None` if it has errors.
fn parse_note(
    content: &Path,
    drafts: bool,
    path: &Path,
    file: FileId,
    text: &str,
    found: &mut Vec<Diagnostic>,
) -> Option<Note> {
    let relative = relative_path(content, path);
    let at_start = 0..text.len().min(1);
    let in_content = path.strip_prefix(content).unwrap_or(path);
    if let Some(problem) = sitepath::name_problem(in_content) {
        let shown = sitepath::shown(in_content);
        found.push(
            Diagnostic::error(
                file,
                at_start,
                format!("the note's path `{shown}` {problem}"),
            )
            .with_help("rename the file: its path becomes the address of its page"),
        );
        return None;
    }
    // `#`, `?` and `%` mean something in a link: `a#b.md` would be
    // linked as the page `a` with the fragment `b.html`.
    if let Some(c) = relative.chars().find(|c| matches!(c, '#' | '?' | '%')) {
        found.push(
            Diagnostic::error(
                file,
                at_start,
                format!("the note's path `{relative}` holds `{c}`, which cannot be part of a link to its page"),
            )
            .with_help("rename the file without `#`, `?` or `%` (spaces and other characters are fine)"),
        );
        return None;
    }
    match Note::parse(file, &relative, text) {
        // A draft left out cannot collide with anything.
        Ok(note) if relative != "index.md" && (drafts || !note.draft) => {
            match sitepath::generated_page_at(&note.page, false) {
                Some(generated) => {
                    found.push(
                        Diagnostic::error(
                            file,
                            at_start,
                            format!(
                                "this note would be published at {}, {}",
                                note.page,
                                sitepath::taken_by_generated(&note.page, generated)
                            ),
                        )
                        .with_help("rename the file or move it to another folder"),
                    );
                    None
                }
                None => Some(note),
            }
        }
        Ok(note) => Some(note),
        Err(errors) => {
            found.extend(errors);
            None
        }
    }
}

/// `path` relative to `base`, with `/` separators: how messages and the
/// site name a file (a note's path under `content/`, a file of the book).
pub(crate) fn relative_path(base: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path).to_string_lossy();
    // Only where `\` separates folders: elsewhere it is part of a name
    // (and such a name is refused, `sitepath::name_problem`), and turning
    // it into `/` would make `a\..\..\x` a path above the book.
    if std::path::MAIN_SEPARATOR == '\\' {
        relative.replace('\\', "/")
    } else {
        relative.into_owned()
    }
}

fn read_toml_part<T: Default>(
    files: &mut SourceMap,
    root: &Path,
    path: &Path,
    diagnostics: &mut LoadDiagnostics,
    parse: impl Fn(FileId, &str) -> Result<T, Vec<Diagnostic>>,
) -> T {
    let mut found = Vec::new();
    let mut value = T::default();
    if path.is_file() && !in_linked_folder(root, path) {
        if let Some((file, text)) = read_text(files, root, path, &mut found) {
            match parse(file, &text) {
                Ok(parsed) => value = parsed,
                Err(errors) => found.extend(errors),
            }
        }
    }
    diagnostics.insert(path.to_path_buf(), found);
    value
}
