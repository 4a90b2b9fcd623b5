//! The editor's report: what an editor should look at before a book goes
//! out, beyond the errors a build already refuses.
//!
//! It lists sources never cited; paragraphs of notes that cite nothing;
//! glossary terms nobody refers to; chronology events whose body cites
//! nothing; how many sources each note rests on; spellings in the sources
//! that look like an unlisted variant of a glossary name; and quotations no
//! longer found in their source (their source was edited, or they were
//! mistyped).
//!
//! The report is computed from the loaded [`Book`], from what was
//! rendered (the renderer collects each note's paragraphs for it only when
//! it is asked for) and from the book's cross-references
//! ([`crate::xref`]), so it costs nothing unless asked for (`briefbook
//! check --report`, or `report = true` in `book.toml` for `report.html`).
//! Every list is sorted, so two runs print the same report.
//!
//! This file holds the report as it is serialised, the JSON of `check
//! --report --format json`, whose field names are documented in
//! docs/guide.md and are an interface for editors' own tools: fields may
//! be added but never renamed. How it is made is in
//! `analysis` (the whole book, and what `serve` keeps between edits),
//! `notes` (each note on its own), `references` (what nothing refers to),
//! `quotations`, `variants` and `names` (name variants in the sources);
//! `text` writes it for a terminal.

mod analysis;
mod names;
mod notes;
mod quotations;
mod references;
mod text;
mod variants;

use std::sync::Arc;

use serde::Serialize;

pub use self::analysis::{Analysis, Cache, Renderings};
use crate::diagnostics::Diagnostic;
use crate::load::Book;
use crate::markdown::Rendered;
use crate::theme::Theme;
use crate::xref::CrossReferences;

/// The version of the JSON layout. It changes only if a field is removed
/// or changes meaning; new fields do not change it.
pub const SCHEMA_VERSION: u32 = 1;

/// The page the report is published at when `report = true`.
pub const PAGE: &str = "report.html";

pub use crate::problem::QuoteDrift;

/// The editor's report on a book. Serialised as the JSON of
/// `briefbook check --report --format json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The book's title.
    pub book: String,
    /// How many of each.
    pub summary: Summary,
    /// Sources no note, definition or event cites, by id.
    pub uncited_sources: Vec<UncitedSource>,
    /// Paragraphs, list items and table rows of notes that state something
    /// and cite nothing, in reading order.
    pub uncited_paragraphs: Vec<UncitedParagraph>,
    /// Glossary terms nothing refers to, by name.
    pub unused_terms: Vec<UnusedTerm>,
    /// Chronology events whose body cites nothing, by date.
    pub uncited_events: Vec<UncitedEvent>,
    /// Every note with the distinct sources it cites, in reading order.
    pub note_sources: Vec<NoteSources>,
    /// Spellings in the sources that look like a glossary name but are not
    /// listed as its name or alias, by term and then form.
    pub name_variants: Vec<NameVariant>,
    /// Quotations not found in their source, by file and position.
    pub quotation_drifts: Vec<Drift>,
    /// Quotations in prose that no citation follows in their paragraph,
    /// by file and position.
    pub unattributed_quotations: Vec<UnattributedQuotation>,
}

/// A quotation in prose that no citation follows in its paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UnattributedQuotation {
    /// The file it is written in.
    pub file: String,
    /// Its line (1-based).
    pub line: usize,
    /// Its column (1-based, in characters).
    pub column: usize,
    /// Its words.
    pub text: String,
}

/// How many items each part of the report has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Summary {
    /// Notes in the book (the introduction is not counted).
    pub notes: usize,
    /// Sources in the book.
    pub sources: usize,
    /// Glossary terms.
    pub terms: usize,
    /// Chronology events.
    pub events: usize,
    /// Sources never cited.
    pub uncited_sources: usize,
    /// Paragraphs with no citation.
    pub uncited_paragraphs: usize,
    /// Terms never referred to.
    pub unused_terms: usize,
    /// Events with no citation.
    pub uncited_events: usize,
    /// Notes that cite exactly one source.
    pub single_source_notes: usize,
    /// Notes that cite no source at all.
    pub notes_without_sources: usize,
    /// Possible name variants.
    pub name_variants: usize,
    /// Quotations not found in their source.
    pub quotation_drifts: usize,
    /// Quotations in prose that no citation follows.
    pub unattributed_quotations: usize,
}

/// A source that nothing cites.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UncitedSource {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Who published it.
    pub outlet: Option<String>,
    /// The file it was read from, e.g. `seeds/nyt.md`.
    pub file: String,
    /// How many paragraphs it has.
    pub paragraphs: usize,
}

/// A paragraph of a note that states something and cites nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UncitedParagraph {
    /// The note's path under `content/`.
    pub note: String,
    /// The note's title.
    pub title: String,
    /// The file, e.g. `content/overview.md`.
    pub file: String,
    /// The note's page in the site.
    pub page: String,
    /// The line it starts on (1-based).
    pub line: usize,
    /// `paragraph`, `list item` or `table row`.
    pub kind: String,
    /// Its first words, as plain text.
    pub first_words: String,
}

/// A glossary term that nothing refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UnusedTerm {
    /// Its id (the anchor on `glossary.html`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its kind, if given.
    pub kind: Option<String>,
    /// The glossary file.
    pub file: String,
    /// The line of its name (1-based).
    pub line: usize,
}

/// A chronology event whose body cites nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UncitedEvent {
    /// Its id (the anchor on `chronology.html`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its date as shown, e.g. `c. December 2025`.
    pub date: String,
    /// The chronology file.
    pub file: String,
    /// The line of its title (1-based).
    pub line: usize,
}

/// The sources one note cites.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct NoteSources {
    /// The note's path under `content/`.
    pub note: String,
    /// The note's title.
    pub title: String,
    /// The file, e.g. `content/overview.md`.
    pub file: String,
    /// The note's page in the site.
    pub page: String,
    /// How many distinct sources it cites.
    pub count: usize,
    /// Their ids, sorted.
    pub sources: Vec<String>,
}

/// A spelling in the sources that looks like a glossary name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct NameVariant {
    /// The words as the source writes them (first occurrence).
    pub form: String,
    /// The id of the term it looks like.
    pub term: String,
    /// That term's name.
    pub term_name: String,
    /// Why it looks like it: `spelling` (the same letters but for case,
    /// accents, hyphens, spaces and apostrophes), `transliteration` (a
    /// common variation of transliterated names) or `one-letter` (one
    /// letter added, dropped, changed or swapped).
    pub why: String,
    /// Where it occurs.
    pub occurrences: Vec<Occurrence>,
}

/// A paragraph of a source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Occurrence {
    /// The source's id.
    pub source: String,
    /// The paragraph (1-based: `p3` is 3).
    pub paragraph: usize,
}

/// A quotation not found in its source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Drift {
    /// The file the citation is in.
    pub file: String,
    /// Its line (1-based).
    pub line: usize,
    /// Its column (1-based, in characters).
    pub column: usize,
    /// The source's id.
    pub source: String,
    /// The quotation as written.
    pub quotation: String,
    /// The passage of the source now closest to it, if it has any text.
    pub closest: Option<ClosestPassage>,
}

/// The passage of a source closest to a quotation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ClosestPassage {
    /// The paragraph (1-based).
    pub paragraph: usize,
    /// Its words, on one line.
    pub text: String,
}

impl Report {
    /// Analyses a rendered book. `notes` are aligned with `book.notes`;
    /// `glossary` and `chronology` with the terms and events (or empty).
    pub fn new(
        book: &Book,
        notes: &[Arc<Rendered>],
        intro: Option<&Rendered>,
        glossary: &[Rendered],
        chronology: &[Rendered],
    ) -> Report {
        let fragments = crate::xref::Fragments {
            notes,
            intro,
            glossary,
            chronology,
        };
        let xref = CrossReferences::new(book, fragments);
        let renderings = Renderings {
            fragments,
            xref: &xref,
        };
        Analysis::once(book, &renderings).report()
    }

    /// The report as JSON, pretty-printed, ending with a newline.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings and numbers cannot fail.
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }

    /// `report.html` through the theme's `report.html` template.
    pub fn page(&self, book: &Book, theme: &Theme) -> Result<String, Diagnostic> {
        let mut context = crate::pages::base_context(book, PAGE, "report");
        context.insert("report", self);
        let single: Vec<&NoteSources> = self.note_sources.iter().filter(|n| n.count == 1).collect();
        let none: Vec<&NoteSources> = self.note_sources.iter().filter(|n| n.count == 0).collect();
        context.insert("single_source_notes", &single);
        context.insert("notes_without_sources", &none);
        theme.render(PAGE, &context)
    }
}
