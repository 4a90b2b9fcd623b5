//! `briefbook new DIR`: a small working book to start from.
//!
//! The example is invented and says so, so that nobody mistakes it for a
//! real source; it exercises every part of the format once: a source with a
//! named anchor, a note with a quotation and a paragraph citation, a glossary
//! term and a chronology event.

use std::path::{Path, PathBuf};

use crate::output::FileError;

/// The files of a new book: path -> contents.
pub const FILES: &[(&str, &str)] = &[
    (
        "content/book.toml",
        r#"title = "My briefing book"
subtitle = "Notes that cite their sources, word for word"
language = "en"
"#,
    ),
    (
        "content/index.md",
        r#"# My briefing book

This book was made with `briefbook new`. Its one source, `seeds/example.md`,
is an **invented example**; replace it with real articles
(`briefbook import article.txt --id paper`) and write notes that cite them.

Every quotation in a note is checked against its source on every build
[@example#p1].
"#,
    ),
    (
        "content/first-note.md",
        r#"+++
title = "A first note"
summary = "How citations, the glossary and the chronology work"
weight = 1
+++

## What the source says

The example article reports that the [[harbour authority]] "reopened the
northern pier" after repairs [@example "reopened the northern pier"]. It
gives a reason as well [@example#repairs].

A quotation that does not stand in the source, or a paragraph that does not
exist, stops the build with an error naming this file, line and column.

See also the [chronology](chronology.md#pier-reopens).
"#,
    ),
    (
        "content/glossary.toml",
        r#"[[term]]
name = "Harbour authority"
aliases = ["the authority"]
kind = "organization"
definition = "The body that runs the port in the example article [@example#p2]."
"#,
    ),
    (
        "content/chronology.toml",
        r#"[[event]]
id = "pier-reopens"
date = "2025-03"
title = "The northern pier reopens"
body = "The [[harbour authority]] reopens the pier [@example#p2]."
"#,
    ),
    (
        "seeds/example.md",
        r#"+++
title = "Pier reopens after repairs"
outlet = "Example Gazette"
note = "An invented example article, for trying briefbook out. It is not a real source."

[anchors]
repairs = "p3"
+++

Pier reopens after repairs

The harbour authority reopened the northern pier on Monday, ahead of the spring season.

Engineers had closed the pier in the winter after storms damaged its supports.
"#,
    ),
];

/// Why `new` made no book.
#[derive(Debug, thiserror::Error)]
pub enum NewBookError {
    /// The folder holds files already; `new` never writes among them.
    #[error("{} already exists and is not empty; choose a new folder", .0.display())]
    NotEmpty(PathBuf),
    /// Creating a folder or writing a file failed.
    #[error(transparent)]
    File(#[from] FileError),
}

/// Writes a new book into `dir`, which must not exist or be empty.
pub fn new_book(dir: &Path) -> Result<Vec<PathBuf>, NewBookError> {
    if dir.exists() {
        let empty = dir
            .read_dir()
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(NewBookError::NotEmpty(dir.to_path_buf()));
        }
    }
    let mut written = Vec::new();
    for (path, text) in FILES {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(FileError::create(parent))?;
        }
        std::fs::write(&target, text).map_err(FileError::write(&target))?;
        written.push(target);
    }
    // The hidden folders and lock file of a build in progress (or of
    // one that was killed) sit beside `output/`.
    let ignore = dir.join(".gitignore");
    std::fs::write(&ignore, "/output\n/.output.briefbook-*\n")
        .map_err(FileError::write(&ignore))?;
    Ok(written)
}
