//! Loading a book from disk: config, sources, notes, glossary, chronology.
//!
//! This is one of only two stages that touch the disk (the other writes the
//! output). Everything it reads is registered in the [`SourceMap`] so that
//! every later diagnostic can quote the file it points into.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::chronology::Chronology;
use crate::config::BookConfig;
use crate::diagnostics::{Diagnostic, Diagnostics, FileId, SourceMap};
use crate::frontmatter;
use crate::glossary::Glossary;
use crate::note::Note;
use crate::resolve::SourceSet;
use crate::source::Source;

/// A book as read from disk, before anything is resolved.
pub struct Book {
    /// The book's folder.
    pub root: PathBuf,
    /// `content/book.toml`.
    pub config: BookConfig,
    /// Every file read, for diagnostics.
    pub files: SourceMap,
    /// The archived articles.
    pub sources: SourceSet,
    /// The notes in reading order (without `content/index.md`).
    pub notes: Vec<Note>,
    /// `content/index.md`, the book's introduction.
    pub intro: Option<Note>,
    /// `content/glossary.toml`.
    pub glossary: Glossary,
    /// `content/chronology.toml`.
    pub chronology: Chronology,
}

/// Pages the generator writes itself, which no note may take.
const GENERATED_PAGES: [&str; 4] = ["glossary.html", "chronology.html", "404.html", "print.html"];

/// Reads a text file, registering it; a file that is not UTF-8 becomes an
/// error pointing at the first bad byte.
fn read_text(
    files: &mut SourceMap,
    root: &Path,
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> Option<(FileId, Arc<str>)> {
    let display = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diagnostics.push(Diagnostic::global(format!("cannot read {display}: {e}")));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{FEFF}') {
                // A byte-order mark is invisible and means nothing in UTF-8.
                text.replace_range(..3, "");
            }
            let text: Arc<str> = text.into();
            Some((files.add(display, path.to_path_buf(), text.clone()), text))
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let lossy: Arc<str> = String::from_utf8_lossy(e.as_bytes()).into();
            let at = String::from_utf8_lossy(&e.as_bytes()[..valid]).len();
            let file = files.add(display, path.to_path_buf(), lossy.clone());
            diagnostics.push(
                Diagnostic::error(
                    file,
                    at..(at + 1).min(lossy.len()),
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

/// Files below `dir` with one of `extensions`, sorted; symbolic links are
/// not followed (a book must not read outside itself) and are reported.
fn list_files(
    dir: &Path,
    extensions: &[&str],
    recursive: bool,
    root: &Path,
    diagnostics: &mut Diagnostics,
) -> Vec<PathBuf> {
    if !dir.is_dir() {
        // A book may have no sources or no notes yet.
        return Vec::new();
    }
    let mut walker = WalkDir::new(dir).sort_by_file_name().follow_links(false);
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
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e));
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if entry.path_is_symlink() {
            if wanted && !hidden {
                diagnostics.push(Diagnostic {
                    severity: crate::diagnostics::Severity::Warning,
                    ..Diagnostic::global(format!(
                        "{} is a symbolic link; it is not followed",
                        path.strip_prefix(root).unwrap_or(path).display()
                    ))
                });
            }
            continue;
        }
        if entry.file_type().is_file() && wanted && !hidden {
            found.push(path.to_path_buf());
        }
    }
    found
}

/// Loads the book at `root`. Returns the book (even with errors, so that
/// as many as possible are found) and the diagnostics.
pub fn load(root: &Path, drafts: bool) -> (Book, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let mut files = SourceMap::default();
    let content = root.join("content");

    let config_path = content.join("book.toml");
    let config = if config_path.is_file() {
        match read_text(&mut files, root, &config_path, &mut diagnostics) {
            Some((file, text)) => {
                match frontmatter::parse_toml::<BookConfig>(file, &text, 0, "book.toml") {
                    Ok(config) => config,
                    Err(d) => {
                        diagnostics.push(d);
                        BookConfig::default()
                    }
                }
            }
            None => BookConfig::default(),
        }
    } else {
        BookConfig::default()
    };

    // Sources.
    let seeds = root.join("seeds");
    let mut sources = Vec::new();
    let mut source_ids: HashMap<String, FileId> = HashMap::new();
    for path in list_files(&seeds, &["md", "txt"], false, root, &mut diagnostics) {
        let Some((file, text)) = read_text(&mut files, root, &path, &mut diagnostics) else {
            continue;
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let is_txt = path.extension().is_some_and(|e| e == "txt");
        match Source::parse(file, &stem, &text, is_txt) {
            Ok(source) => {
                if let Some(other) = source_ids.get(&source.id) {
                    diagnostics.push(
                        Diagnostic::error(
                            file,
                            0..text.len().min(1),
                            format!("two sources have the id `{}`", source.id),
                        )
                        .with_note(format!("the other one is {}", files.name(*other)))
                        .with_help(
                            "rename one of the files, or set another `id` in its front matter",
                        ),
                    );
                    continue;
                }
                source_ids.insert(source.id.clone(), file);
                sources.push(source);
            }
            Err(errors) => diagnostics.extend(errors),
        }
    }

    // Notes.
    let mut notes = Vec::new();
    let mut intro = None;
    for path in list_files(&content, &["md"], true, root, &mut diagnostics) {
        let Some((file, text)) = read_text(&mut files, root, &path, &mut diagnostics) else {
            continue;
        };
        let relative = path
            .strip_prefix(&content)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        match Note::parse(file, &relative, &text) {
            Ok(note) => {
                if note.draft && !drafts {
                    continue;
                }
                if relative == "index.md" {
                    intro = Some(note);
                    continue;
                }
                if GENERATED_PAGES.contains(&note.page.as_str())
                    || note.page.starts_with("sources/")
                {
                    diagnostics.push(
                        Diagnostic::error(file, 0..text.len().min(1), format!("this note would be published at {}, which briefbook generates itself", note.page))
                            .with_help("rename the file or move it to another folder"),
                    );
                    continue;
                }
                notes.push(note);
            }
            Err(errors) => diagnostics.extend(errors),
        }
    }
    // Reading order: top-level notes first, then each folder; within a
    // folder by weight, then title, then path.
    notes.sort_by(|a, b| {
        (
            a.section().is_some(),
            a.section(),
            a.weight,
            &a.title,
            &a.path,
        )
            .cmp(&(
                b.section().is_some(),
                b.section(),
                b.weight,
                &b.title,
                &b.path,
            ))
    });

    let glossary = load_toml_part(
        &mut files,
        root,
        &content.join("glossary.toml"),
        &mut diagnostics,
        Glossary::parse,
    );
    let chronology = load_toml_part(
        &mut files,
        root,
        &content.join("chronology.toml"),
        &mut diagnostics,
        Chronology::parse,
    );

    let book = Book {
        root: root.to_path_buf(),
        config,
        files,
        sources: SourceSet::new(sources),
        notes,
        intro,
        glossary,
        chronology,
    };
    (book, diagnostics)
}

fn load_toml_part<T: Default>(
    files: &mut SourceMap,
    root: &Path,
    path: &Path,
    diagnostics: &mut Diagnostics,
    parse: impl Fn(FileId, &str) -> Result<T, Vec<Diagnostic>>,
) -> T {
    if !path.is_file() {
        return T::default();
    }
    let Some((file, text)) = read_text(files, root, path, diagnostics) else {
        return T::default();
    };
    match parse(file, &text) {
        Ok(value) => value,
        Err(errors) => {
            diagnostics.extend(errors);
            T::default()
        }
    }
}
