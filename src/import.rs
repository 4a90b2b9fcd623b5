//! `briefbook import`: turning a captured article into a source file.
//!
//! The wording is never touched: each non-empty line of the capture becomes
//! one paragraph of `seeds/<id>.md`, and the metadata given on the command
//! line goes into the front matter.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::output::FileError;

use crate::date::PartialDate;
use crate::source::{is_reserved_id, is_valid_id};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// The captured article, plain text.
    pub file: PathBuf,
    /// The source id (and file name).
    pub id: String,
    /// Title; default: the first non-empty line.
    pub title: Option<String>,
    /// Who published it.
    pub outlet: Option<String>,
    /// Where the original lives.
    pub url: Option<String>,
    /// When it was published (a partial date).
    pub published: Option<String>,
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Why an import was refused or failed. Its `Display` is the message for
/// the terminal, which says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The id is not made of the characters a source id may have.
    #[error(
        "`{0}` is not a valid source id: use lower-case letters, digits, `-` and `_`, starting with a letter or digit"
    )]
    InvalidId(String),
    /// The id names a page briefbook makes itself.
    #[error(
        "`{0}` cannot be a source id: sources/{0}.html is the list of sources; choose another id"
    )]
    ReservedId(String),
    /// The captured file has no line of text.
    #[error("{} has no text to import", .0.display())]
    Empty(PathBuf),
    /// The captured file is not UTF-8.
    #[error("{} is not UTF-8 text", .0.display())]
    NotUtf8(PathBuf),
    /// `--published` is not a date of the format.
    #[error("--published: {0}")]
    Published(String),
    /// A source with this id exists already.
    #[error("{} already exists; remove it or choose another --id", .0.display())]
    Exists(PathBuf),
    /// Reading, creating or writing a file failed.
    #[error(transparent)]
    File(#[from] crate::output::FileError),
}

/// The text of `seeds/<id>.md` for a captured article.
pub fn source_text(request: &ImportRequest, capture: &str) -> Result<String, ImportError> {
    let capture = capture.strip_prefix('\u{FEFF}').unwrap_or(capture);
    let lines: Vec<&str> = capture
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .collect();
    let Some(first) = lines.first() else {
        return Err(ImportError::Empty(request.file.clone()));
    };
    let title = request
        .title
        .clone()
        .unwrap_or_else(|| first.trim().to_string());
    let mut out = String::from("+++\n");
    writeln!(out, "title = {}", toml_string(&title)).ok();
    if let Some(outlet) = &request.outlet {
        writeln!(out, "outlet = {}", toml_string(outlet)).ok();
    }
    if let Some(published) = &request.published {
        PartialDate::parse(published).map_err(|e| ImportError::Published(e.to_string()))?;
        writeln!(out, "published = {}", toml_string(published)).ok();
    }
    if let Some(url) = &request.url {
        writeln!(out, "url = {}", toml_string(url)).ok();
    }
    out.push_str("+++\n");
    for line in lines {
        out.push('\n');
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// Imports `request.file` into `root/seeds/<id>.md`. Refuses to overwrite.
pub fn import(root: &Path, request: &ImportRequest) -> Result<PathBuf, ImportError> {
    if !is_valid_id(&request.id) {
        return Err(ImportError::InvalidId(request.id.clone()));
    }
    if is_reserved_id(&request.id) {
        return Err(ImportError::ReservedId(request.id.clone()));
    }
    let bytes = std::fs::read(&request.file).map_err(FileError::read(&request.file))?;
    let capture =
        String::from_utf8(bytes).map_err(|_| ImportError::NotUtf8(request.file.clone()))?;
    let text = source_text(request, &capture)?;
    let seeds = root.join("seeds");
    let target = seeds.join(format!("{}.md", request.id));
    for existing in [target.clone(), seeds.join(format!("{}.txt", request.id))] {
        if existing.exists() {
            return Err(ImportError::Exists(existing));
        }
    }
    std::fs::create_dir_all(&seeds).map_err(FileError::create(&seeds))?;
    std::fs::write(&target, text).map_err(FileError::write(&target))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_becomes_a_paragraph_and_wording_is_kept() {
        let request = ImportRequest {
            id: "x".into(),
            outlet: Some("Ynet \"News\"".into()),
            ..ImportRequest::default()
        };
        let text = source_text(&request, "Title line\n\n  • indented “quoted”  \nLast\n").unwrap();
        assert_eq!(
            text,
            "+++\ntitle = \"Title line\"\noutlet = 'Ynet \"News\"'\n+++\n\nTitle line\n\n  • indented “quoted”  \n\nLast\n"
        );
    }

    #[test]
    fn bad_dates_and_empty_files_are_refused() {
        let request = ImportRequest {
            id: "x".into(),
            published: Some("2024-13".into()),
            ..ImportRequest::default()
        };
        assert!(
            source_text(&request, "a\n")
                .unwrap_err()
                .to_string()
                .contains("no month 13")
        );
        assert!(source_text(&ImportRequest::default(), "\n \n").is_err());
    }
}
