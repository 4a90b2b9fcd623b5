//! `content/book.toml`: the book's settings. Every key is optional.

use serde::Deserialize;

/// The settings of a book, from `content/book.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BookConfig {
    /// The book's title, shown on every page.
    pub title: String,
    /// A line under the title on the index page.
    pub subtitle: Option<String>,
    /// Who wrote the book.
    pub authors: Vec<String>,
    /// BCP 47 language tag of the notes (`lang` on every page).
    pub language: String,
    /// Name of the theme folder under `themes/`.
    pub theme: String,
    /// Description for the index page and `<meta name="description">`.
    pub description: Option<String>,
    /// Link the first plain mention of each glossary name in every note.
    pub autolink_glossary: bool,
    /// Where the site is written, relative to the book's root.
    pub output_dir: String,
    /// Publish the editor's report as `report.html` (see [`crate::report`]).
    pub report: bool,
    /// Write the print edition, `print.html`: the whole book on one page.
    pub print: bool,
    /// Write the search index (`search/`) and give every page the search
    /// box.
    pub search: bool,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            title: "Briefing book".to_string(),
            subtitle: None,
            authors: Vec::new(),
            language: "en".to_string(),
            theme: "default".to_string(),
            description: None,
            autolink_glossary: false,
            output_dir: "output".to_string(),
            report: false,
            print: true,
            search: true,
        }
    }
}
