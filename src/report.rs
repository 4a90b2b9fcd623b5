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
//! The report is computed from the loaded [`Book`] and from what was
//! rendered (the renderer collects each note's paragraphs for it only when
//! it is asked for), so it costs nothing unless asked for (`briefbook
//! check --report`, or `report = true` in `book.toml` for `report.html`). Every list is sorted, so two runs print the same report.
//! Its serialised form is the JSON of `check --report --format json`: the
//! field names are documented in docs/guide.md and are an interface for
//! editors' own tools, so fields may be added but never renamed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostics::{Diagnostic, FileId};
use crate::glossary::Glossary;
use crate::load::Book;
use crate::markdown::Rendered;
use crate::note::Note;
use crate::pages::Generations;
use crate::quote::{self, Normalized};
use crate::resolve::SourceSet;
use crate::source::Source;
use crate::theme::Theme;

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

/// What a report is made from besides the book: the renderings of the
/// notes (aligned with `book.notes`, rendered with their units:
/// [`crate::markdown::Collect::Page`]), the introduction, the glossary's
/// definitions and the chronology's bodies (aligned with the terms and
/// events, or empty). Nothing of the report reads Markdown: what it needs
/// of each text, the renderer collected.
#[derive(Debug, Clone, Copy)]
pub struct Renderings<'a> {
    /// Each note's, in reading order.
    pub notes: &'a [Arc<Rendered>],
    /// The introduction's, if the book has one.
    pub intro: Option<&'a Rendered>,
    /// Each glossary definition's.
    pub glossary: &'a [Rendered],
    /// Each chronology event body's.
    pub chronology: &'a [Rendered],
}

/// What making a report keeps for the next one, so that `serve` does not
/// analyse the whole book again on every edit: each note's findings, by
/// the generation of its rendering, and the name variants, by the
/// generations of the glossary and the sources. (A note's findings hold
/// source indexes: a change of the sources that shifts them has every note
/// rendered again, which gives each a new generation.)
#[derive(Debug, Default)]
pub struct Cache {
    notes: HashMap<String, (u64, Arc<NoteFindings>)>,
    name_variants: Option<((u64, u64), Vec<NameVariant>)>,
}

impl Cache {
    /// Whether it holds nothing yet: for tests, which check that a one-shot
    /// build keeps no findings.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.notes.is_empty() && self.name_variants.is_none()
    }
}

/// A report before the notes' own lists are gathered into it: enough to
/// tell whether it changed since the last one.
#[derive(Debug)]
pub struct Analysis {
    /// The report without its uncited paragraphs and note sources.
    rest: Report,
    /// Each note's findings, in reading order.
    notes: Vec<Arc<NoteFindings>>,
}

impl Analysis {
    /// Analyses a rendered book as [`Report::new`] does, again only for the
    /// notes whose rendering `generations` says is newer than what `cache`
    /// holds (and for the name variants only if the glossary or the sources
    /// changed).
    pub fn cached(
        book: &Book,
        renderings: &Renderings<'_>,
        cache: &mut Cache,
        generations: &Generations,
    ) -> Analysis {
        Analysis::make(book, renderings, cache, Some(generations))
    }

    /// Analyses a rendered book once, keeping nothing for a next time: a
    /// one-shot build, or `check --report`.
    pub fn once(book: &Book, renderings: &Renderings<'_>) -> Analysis {
        Analysis::make(book, renderings, &mut Cache::default(), None)
    }

    /// A hash of everything the report will hold, so `serve` renders
    /// `report.html` again only when it changed.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.rest.hash(&mut hasher);
        for found in &self.notes {
            hasher.write_u64(found.digest);
        }
        hasher.finish()
    }

    /// The report.
    pub fn report(self) -> Report {
        let mut report = self.rest;
        report.uncited_paragraphs = self
            .notes
            .iter()
            .flat_map(|f| f.uncited.iter().cloned())
            .collect();
        report.note_sources = self.notes.iter().map(|f| f.entry.clone()).collect();
        report
    }

    fn make(
        book: &Book,
        renderings: &Renderings<'_>,
        cache: &mut Cache,
        generations: Option<&Generations>,
    ) -> Analysis {
        let Renderings {
            notes,
            intro,
            glossary,
            chronology,
        } = *renderings;
        let sources = &book.sources;
        let note_generation =
            |note: &Note| generations.and_then(|g| g.notes.get(&note.path).copied());
        let held = &cache.notes;
        let findings: Vec<(Arc<NoteFindings>, bool)> = book
            .notes
            .par_iter()
            .zip(notes)
            .map(
                |(note, rendered)| match (note_generation(note), held.get(&note.path)) {
                    (Some(now), Some((then, findings))) if now == *then => {
                        (Arc::clone(findings), false)
                    }
                    _ => (Arc::new(analyse_note(book, note, rendered)), true),
                },
            )
            .collect();
        if generations.is_some() {
            if cache.notes.len() > book.notes.len() {
                let present: HashSet<&str> = book.notes.iter().map(|n| n.path.as_str()).collect();
                cache
                    .notes
                    .retain(|path, _| present.contains(path.as_str()));
            }
            for (note, (found, fresh)) in book.notes.iter().zip(&findings) {
                if let (true, Some(generation)) = (*fresh, note_generation(note)) {
                    cache
                        .notes
                        .insert(note.path.clone(), (generation, Arc::clone(found)));
                }
            }
        }

        // Sources: cited anywhere, by a citation that resolves or not.
        let mut cited = vec![false; sources.sources.len()];
        for (f, _) in &findings {
            for &s in &f.sources {
                cited[s] = true;
            }
        }
        for r in intro.into_iter().chain(glossary).chain(chronology) {
            for &s in &r.cited_sources {
                cited[s] = true;
            }
        }
        let mut uncited_events = Vec::new();
        for (event, body) in book.chronology.events.iter().zip(chronology) {
            if !body.cites {
                uncited_events.push(UncitedEvent {
                    id: event.id.clone(),
                    title: event.title.clone(),
                    date: event.date_label(),
                    file: file_name(book, book.chronology.file),
                    line: line_of(book, book.chronology.file, event.span.start),
                });
            }
        }
        let uncited_sources: Vec<UncitedSource> = sources
            .sources
            .iter()
            .zip(&cited)
            .filter(|(_, cited)| !**cited)
            .map(|(s, _)| UncitedSource {
                id: s.id.clone(),
                title: s.title.clone(),
                outlet: s.outlet.clone(),
                file: book.files.name(s.file).to_string(),
                paragraphs: s.paragraphs.len(),
            })
            .collect();

        // Terms: by `[[...]]`, by autolink, or by a link to glossary.md#id,
        // from anywhere but the term's own definition.
        let glossary_terms = &book.glossary.terms;
        let mut used = vec![false; glossary_terms.len()];
        let mut mark_used = |rendered: &Rendered, except: Option<usize>| {
            let linked = rendered
                .links
                .iter()
                .filter(|l| l.target == "glossary.md")
                .filter_map(|l| l.fragment.as_deref())
                .filter_map(|id| book.glossary.by_id(id));
            for t in rendered.terms.iter().copied().chain(linked) {
                if Some(t) != except {
                    if let Some(slot) = used.get_mut(t) {
                        *slot = true;
                    }
                }
            }
        };
        for r in notes.iter().map(|r| &**r).chain(intro).chain(chronology) {
            mark_used(r, None);
        }
        for (i, r) in glossary.iter().enumerate() {
            mark_used(r, Some(i));
        }
        let unused_terms: Vec<UnusedTerm> = glossary_terms
            .iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|(t, _)| UnusedTerm {
                id: t.id.clone(),
                name: t.name.clone(),
                kind: t.kind.clone(),
                file: file_name(book, book.glossary.file),
                line: line_of(book, book.glossary.file, t.span.start),
            })
            .collect();

        let notes_found: Vec<Arc<NoteFindings>> = findings.into_iter().map(|(f, _)| f).collect();

        // Every rendered fragment: notes, the introduction, definitions,
        // event bodies.
        let fragments = || {
            notes
                .iter()
                .map(|r| &**r)
                .chain(intro)
                .chain(glossary)
                .chain(chronology)
        };
        let mut quotation_drifts: Vec<(String, usize, usize, Drift)> = fragments()
            .flat_map(|r| &r.drifts)
            .map(|d| {
                let (line, column) = book.files.line_column(d.file, d.span.start);
                let name = book.files.name(d.file).to_string();
                let drift = Drift {
                    file: name.clone(),
                    line,
                    column,
                    source: sources
                        .sources
                        .get(d.source)
                        .map(|s| s.id.clone())
                        .unwrap_or_default(),
                    quotation: d.quotation.clone(),
                    closest: d.closest.as_ref().map(|(p, text)| ClosestPassage {
                        paragraph: p + 1,
                        text: text.clone(),
                    }),
                };
                (name, line, column, drift)
            })
            .collect();
        quotation_drifts.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
        let quotation_drifts: Vec<Drift> = quotation_drifts.into_iter().map(|d| d.3).collect();

        let mut unattributed_quotations: Vec<UnattributedQuotation> = fragments()
            .flat_map(|r| &r.unattributed)
            .map(|q| {
                let (line, column) = book.files.line_column(q.file, q.span.start);
                UnattributedQuotation {
                    file: book.files.name(q.file).to_string(),
                    line,
                    column,
                    text: crate::quote::one_line(&q.text),
                }
            })
            .collect();
        unattributed_quotations
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));

        let variants_key = generations.map(|g| (g.glossary, g.sources));
        let name_variants = match (&cache.name_variants, variants_key) {
            (Some((then, variants)), Some(now)) if *then == now => variants.clone(),
            _ => {
                let variants = name_variants(&book.glossary, sources);
                if let Some(now) = variants_key {
                    cache.name_variants = Some((now, variants.clone()));
                }
                variants
            }
        };

        // The notes' own lists are left to `Analysis::report`: a report
        // that is only compared with the last one need not copy them.
        let count_notes = |citing: fn(usize) -> bool| {
            notes_found.iter().filter(|f| citing(f.entry.count)).count()
        };
        let summary = Summary {
            notes: book.notes.len(),
            sources: sources.sources.len(),
            terms: glossary_terms.len(),
            events: book.chronology.events.len(),
            uncited_sources: uncited_sources.len(),
            uncited_paragraphs: notes_found.iter().map(|f| f.uncited.len()).sum(),
            unused_terms: unused_terms.len(),
            uncited_events: uncited_events.len(),
            single_source_notes: count_notes(|count| count == 1),
            notes_without_sources: count_notes(|count| count == 0),
            name_variants: name_variants.len(),
            quotation_drifts: quotation_drifts.len(),
            unattributed_quotations: unattributed_quotations.len(),
        };
        Analysis {
            rest: Report {
                schema: SCHEMA_VERSION,
                book: book.config.title.clone(),
                summary,
                uncited_sources,
                uncited_paragraphs: Vec::new(),
                unused_terms,
                uncited_events,
                note_sources: Vec::new(),
                name_variants,
                quotation_drifts,
                unattributed_quotations,
            },
            notes: notes_found,
        }
    }
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
        let renderings = Renderings {
            notes,
            intro,
            glossary,
            chronology,
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

    /// The report as text for a terminal: one section per finding, each
    /// item on a line that starts with where to look.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let s = &self.summary;
        let _ = writeln!(out, "Editor's report: {}", self.book);
        let _ = writeln!(
            out,
            "{} notes, {} sources, {} glossary terms, {} chronology events",
            s.notes, s.sources, s.terms, s.events
        );

        section(&mut out, "Sources never cited", self.uncited_sources.len());
        for u in &self.uncited_sources {
            let outlet = u
                .outlet
                .as_deref()
                .map(|o| format!(", {o}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}  “{}”{outlet} ({})", u.id, u.title, u.file);
        }

        section(
            &mut out,
            "Paragraphs of notes with no citation",
            self.uncited_paragraphs.len(),
        );
        for p in &self.uncited_paragraphs {
            let _ = writeln!(
                out,
                "  {}:{}  {}: “{}”",
                p.file, p.line, p.kind, p.first_words
            );
        }

        section(
            &mut out,
            "Glossary terms never referred to",
            self.unused_terms.len(),
        );
        for t in &self.unused_terms {
            let _ = writeln!(out, "  {}:{}  {} ({})", t.file, t.line, t.name, t.id);
        }

        section(
            &mut out,
            "Chronology events with no citation",
            self.uncited_events.len(),
        );
        for e in &self.uncited_events {
            let _ = writeln!(
                out,
                "  {}:{}  {}: {} ({})",
                e.file, e.line, e.date, e.title, e.id
            );
        }

        let single: Vec<&NoteSources> = self.note_sources.iter().filter(|n| n.count == 1).collect();
        let none: Vec<&NoteSources> = self.note_sources.iter().filter(|n| n.count == 0).collect();
        let _ = writeln!(out, "\nSources per note");
        if self.note_sources.is_empty() {
            let _ = writeln!(out, "  none");
        }
        let width = self
            .note_sources
            .iter()
            .map(|n| n.file.chars().count())
            .max()
            .unwrap_or(0);
        for n in &self.note_sources {
            let _ = writeln!(
                out,
                "  {:<width$}  {}{}",
                n.file,
                plural(n.count, "source"),
                if n.sources.is_empty() {
                    String::new()
                } else {
                    format!(": {}", n.sources.join(", "))
                }
            );
        }
        let _ = writeln!(
            out,
            "  Notes citing only one source: {} of {}{}",
            single.len(),
            self.note_sources.len(),
            list_files(&single)
        );
        let _ = writeln!(
            out,
            "  Notes citing no source: {} of {}{}",
            none.len(),
            self.note_sources.len(),
            list_files(&none)
        );

        section(
            &mut out,
            "Possible name variants in the sources",
            self.name_variants.len(),
        );
        for v in &self.name_variants {
            let places: Vec<String> = group_occurrences(&v.occurrences);
            let _ = writeln!(
                out,
                "  “{}” looks like {} ({}), {}; it is not listed as a name or alias: {}",
                v.form,
                v.term_name,
                v.term,
                why_text(&v.why),
                places.join("; ")
            );
        }

        section(
            &mut out,
            "Quotations not found in their source",
            self.quotation_drifts.len(),
        );
        for d in &self.quotation_drifts {
            let _ = writeln!(
                out,
                "  {}:{}:{}  @{} “{}”",
                d.file, d.line, d.column, d.source, d.quotation
            );
            match &d.closest {
                Some(c) => {
                    let _ = writeln!(
                        out,
                        "      the source now reads, in p{}: “{}”",
                        c.paragraph, c.text
                    );
                }
                None => {
                    let _ = writeln!(out, "      the source has no text to compare");
                }
            }
        }

        section(
            &mut out,
            "Quotations that no citation follows",
            self.unattributed_quotations.len(),
        );
        for q in &self.unattributed_quotations {
            let _ = writeln!(out, "  {}:{}:{}  “{}”", q.file, q.line, q.column, q.text);
        }
        out
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

fn section(out: &mut String, title: &str, count: usize) {
    let _ = writeln!(out, "\n{title} ({count})");
    if count == 0 {
        let _ = writeln!(out, "  none");
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn list_files(notes: &[&NoteSources]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let files: Vec<&str> = notes.iter().map(|n| n.file.as_str()).collect();
    format!(" ({})", files.join(", "))
}

/// `nyt p3, p5; ynet p2`: occurrences grouped by source.
fn group_occurrences(occurrences: &[Occurrence]) -> Vec<String> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for o in occurrences {
        match grouped.last_mut() {
            Some((source, paragraphs)) if *source == o.source => {
                paragraphs.push(format!("p{}", o.paragraph));
            }
            _ => grouped.push((o.source.clone(), vec![format!("p{}", o.paragraph)])),
        }
    }
    grouped
        .into_iter()
        .map(|(s, p)| format!("{s} {}", p.join(", ")))
        .collect()
}

fn why_text(why: &str) -> &'static str {
    match why {
        "spelling" => "differing only in case, accents, hyphens, spaces or apostrophes",
        "transliteration" => "a common transliteration variant",
        _ => "one letter apart",
    }
}

fn file_name(book: &Book, file: Option<FileId>) -> String {
    file.map(|f| book.files.name(f).to_string())
        .unwrap_or_default()
}

fn line_of(book: &Book, file: Option<FileId>, offset: usize) -> usize {
    file.map_or(0, |f| book.files.line_column(f, offset).0)
}

// ---------------------------------------------------------------- notes

/// What the report finds in one note.
#[derive(Debug)]
struct NoteFindings {
    /// Paragraphs that state something and cite nothing.
    uncited: Vec<UncitedParagraph>,
    /// The sources it cites (indexes), sorted.
    sources: BTreeSet<usize>,
    /// Its line of the report's note sources.
    entry: NoteSources,
    /// A hash of `uncited` and `entry`, for [`Analysis::fingerprint`].
    digest: u64,
}

/// Whether a unit without citation states something worth a source: at
/// least four words of its own (not the text of links, so "See [the
/// overview](overview.md)." is navigation), and not a question or a line
/// that introduces what follows (ending with `?` or `:`).
fn states_something(plain: &str, own_words: usize) -> bool {
    let end = plain.trim_end().chars().last();
    own_words >= 4 && !matches!(end, Some(':' | '?'))
}

/// The first eight words of a text, with "…" when there are more.
fn first_words(plain: &str) -> String {
    let mut words = plain.split_whitespace();
    let shown: Vec<&str> = words.by_ref().take(8).collect();
    let mut text = shown.join(" ");
    if words.next().is_some() {
        text.push_str(" …");
    }
    text
}

fn analyse_note(book: &Book, note: &Note, rendered: &Rendered) -> NoteFindings {
    let sources: BTreeSet<usize> = rendered.cited_sources.iter().copied().collect();
    let uncited = rendered
        .units
        .iter()
        .filter(|unit| !unit.cites && states_something(&unit.text, unit.own_words))
        .map(|unit| UncitedParagraph {
            note: note.path.clone(),
            title: note.title.clone(),
            file: book.files.name(note.file).to_string(),
            page: note.page.clone(),
            line: book.files.line_column(note.file, unit.at).0,
            kind: unit.kind.name().to_string(),
            first_words: first_words(&unit.text),
        })
        .collect();
    let entry = NoteSources {
        note: note.path.clone(),
        title: note.title.clone(),
        file: book.files.name(note.file).to_string(),
        page: note.page.clone(),
        count: sources.len(),
        sources: sources
            .iter()
            .map(|&s| book.sources.sources[s].id.clone())
            .collect(),
    };
    let mut hasher = DefaultHasher::new();
    (&uncited, &entry).hash(&mut hasher);
    NoteFindings {
        uncited,
        sources,
        digest: hasher.finish(),
        entry,
    }
}

// ---------------------------------------------------------------- names

/// Shortest folded name (letters and digits) compared at all: shorter ones
/// ("UN") are too often other words.
const MIN_SPELLING: usize = 4;
/// Shortest transliteration key compared.
const MIN_TRANSLITERATION: usize = 4;
/// Shortest key compared one letter apart: below this, one letter turns
/// too many words into others ("Iran", "Iraq").
const MIN_ONE_LETTER: usize = 6;
/// Longest name, in words, looked for.
const MAX_NAME_WORDS: usize = 6;

/// Words that start sentences and are never names, to keep fuzzy matches
/// quiet. Only capitalised words are compared fuzzily, so only words that
/// open sentences need to be here.
const COMMON_WORDS: &[&str] = &[
    "about",
    "above",
    "according",
    "actually",
    "after",
    "again",
    "against",
    "also",
    "although",
    "among",
    "another",
    "around",
    "asked",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "cannot",
    "could",
    "during",
    "each",
    "either",
    "even",
    "every",
    "first",
    "from",
    "further",
    "given",
    "have",
    "having",
    "here",
    "however",
    "into",
    "last",
    "later",
    "like",
    "many",
    "meanwhile",
    "more",
    "most",
    "much",
    "must",
    "neither",
    "never",
    "next",
    "none",
    "only",
    "other",
    "others",
    "over",
    "previous",
    "said",
    "says",
    "should",
    "since",
    "some",
    "still",
    "such",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "under",
    "until",
    "upon",
    "very",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "whose",
    "will",
    "with",
    "within",
    "without",
    "would",
    "years",
    "yesterday",
    "today",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Arabic article forms written before a name with a hyphen ("ash-Sham").
const ARTICLES: &[&str] = &[
    "al", "el", "ad", "adh", "an", "ar", "as", "ash", "at", "ath", "az", "ul",
];

/// One word of a text, split at white space and hyphens.
#[derive(Debug, Clone)]
struct Token {
    /// Where it stands, without surrounding punctuation.
    range: Range<usize>,
    /// Lower case, accents removed, letters and digits only.
    folded: String,
    /// An Arabic article ("al-", "el-"): left out of transliteration keys.
    article: bool,
    /// Starts with a capital letter (or a letter of a script without case).
    capital: bool,
    /// Punctuation before it ends the phrase before it.
    break_before: bool,
    /// Punctuation after it ends the phrase it is in.
    break_after: bool,
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Splits text into words at white space and hyphens, recording where
/// punctuation ends a phrase so that a name is never matched across a
/// comma or a full stop.
fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut chunks: Vec<(Range<usize>, bool)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        let separator = c.is_whitespace() || is_hyphen(c);
        match (separator, start) {
            (true, Some(s)) => {
                chunks.push((s..i, is_hyphen(c)));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        chunks.push((s..text.len(), false));
    }
    for (range, hyphen_after) in chunks {
        let chunk = &text[range.clone()];
        let Some(first) = chunk.find(|c: char| c.is_alphanumeric()) else {
            // Punctuation standing alone ("—", "&") ends a phrase.
            if let Some(last) = tokens.last_mut() {
                last.break_after = true;
            }
            continue;
        };
        let last = chunk
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_alphanumeric())
            .map_or(chunk.len(), |(i, c)| i + c.len_utf8());
        let mut word = &chunk[first..last];
        let mut trailing = &chunk[last..];
        // A possessive ends the name: "Assad’s government".
        for suffix in ["'s", "\u{2019}s", "'S", "\u{2019}S"] {
            if let Some(stem) = word.strip_suffix(suffix) {
                word = stem;
                trailing = suffix;
            }
        }
        let word_start = range.start + first;
        let mut folded = String::with_capacity(word.len());
        for c in word.chars() {
            fold_char(c, &mut folded);
        }
        if folded.is_empty() {
            continue;
        }
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let capital = word
            .chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(|c| !c.is_lowercase());
        // "Mr." and "U.S." do not end a phrase; "Paris." does.
        let abbreviation = trailing == "." && letters <= 3 && capital;
        let break_after = !trailing.is_empty() && !abbreviation;
        let break_before = first > 0;
        // "al-Assad", "Al-Sheibani", "ash-Sham", "el Sharaa"; but not
        // "Al Jazeera" or the English "as".
        let lower = word.chars().next().is_some_and(|c| c.is_lowercase());
        let article = ARTICLES.contains(&folded.as_str())
            && (hyphen_after || (lower && (folded == "al" || folded == "el")));
        tokens.push(Token {
            range: word_start..word_start + word.len(),
            folded,
            article,
            capital,
            break_before,
            break_after,
        });
    }
    tokens
}

/// Appends `c` lower-cased without accents, or nothing for punctuation and
/// the marks transliterations use for ayn and hamza.
fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
        return;
    }
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' | 'ạ' | 'Ạ' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' | 'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "c",
        'ď' | 'đ' | 'ḍ' | 'ḏ' | 'Ď' | 'Đ' | 'Ḍ' | 'Ḏ' | 'ð' | 'Ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ'
        | 'Ė' | 'Ę' | 'Ě' | 'ẹ' | 'Ẹ' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "g",
        'ĥ' | 'ħ' | 'ḥ' | 'ḫ' | 'Ĥ' | 'Ħ' | 'Ḥ' | 'Ḫ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī'
        | 'Ĭ' | 'Į' | 'İ' | 'ị' | 'Ị' => "i",
        'ĵ' | 'Ĵ' => "j",
        'ķ' | 'ḳ' | 'Ķ' | 'Ḳ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | 'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "l",
        'ṃ' | 'Ṃ' => "m",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ṇ' | 'Ñ' | 'Ń' | 'Ņ' | 'Ň' | 'Ṇ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø'
        | 'Ō' | 'Ŏ' | 'Ő' | 'ọ' | 'Ọ' => "o",
        'œ' | 'Œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' | 'ṛ' | 'Ŕ' | 'Ŗ' | 'Ř' | 'Ṛ' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ṣ' | 'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ṣ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ṭ' | 'ṯ' | 'Ţ' | 'Ť' | 'Ŧ' | 'Ṭ' | 'Ṯ' => "t",
        'þ' | 'Þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ'
        | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' | 'ụ' | 'Ụ' => "u",
        'ŵ' | 'Ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'Ý' | 'Ÿ' | 'Ŷ' => "y",
        'ź' | 'ż' | 'ž' | 'ẓ' | 'ẕ' | 'Ź' | 'Ż' | 'Ž' | 'Ẓ' | 'Ẕ' => "z",
        // Ayn and hamza marks, apostrophes, combining accents: not letters
        // of the name.
        '\u{02BB}'..='\u{02BF}' | '\u{02C8}' | '\u{0300}'..='\u{036F}' => "",
        c if c.is_alphanumeric() => {
            out.extend(c.to_lowercase());
            return;
        }
        _ => "",
    };
    out.push_str(base);
}

/// The transliteration key of folded words: articles left out; `ou`, `oo`
/// and `ee` read as `u`, `u` and `i`; a final `-eh` or `-ah` as `-a`
/// (Salameh, Salama); `e` as `a` and `o` as `u` (Ahmed, Ahmad; Omar, Umar);
/// doubled letters as single (Assad, Asad).
fn transliteration_key<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut key = String::new();
    for word in words {
        let mut w = word
            .replace("ou", "u")
            .replace("oo", "u")
            .replace("ee", "i");
        if w.chars().count() > 3 && (w.ends_with("eh") || w.ends_with("ah")) {
            w.truncate(w.len() - 2);
            w.push('a');
        }
        key.extend(w.chars().map(|c| match c {
            'e' => 'a',
            'o' => 'u',
            c => c,
        }));
    }
    let mut single = String::with_capacity(key.len());
    let mut previous = None;
    for c in key.chars() {
        if previous != Some(c) {
            single.push(c);
        }
        previous = Some(c);
    }
    single
}

/// A name compared as written, but for case, white space, the kinds of
/// hyphen and quotation mark (the quotation matching rules) and the
/// punctuation around it ("Jr." and "Jr" at the end of a sentence).
fn light_key(text: &str) -> String {
    Normalized::new(text.trim_matches(|c: char| !c.is_alphanumeric()))
        .text
        .to_lowercase()
}

/// The transliteration key of each word of a phrase but its articles.
fn word_keys(tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| !t.article)
        .map(|t| transliteration_key(std::iter::once(t.folded.as_str())))
        .collect()
}

/// Every name and alias of the glossary, indexed so that each phrase of a
/// source is looked up in constant time: by folded letters, by
/// transliteration key, and by the keys with one letter deleted (a
/// deletion neighbourhood, so "one letter apart" costs a few lookups, not a
/// comparison with every name).
#[derive(Default)]
struct NameIndex {
    /// Every name and alias, by [`light_key`].
    listed: HashSet<String>,
    folded: HashMap<String, Vec<usize>>,
    transliterated: HashMap<String, Vec<usize>>,
    /// Transliteration keys with one letter deleted.
    deletions: HashMap<String, Vec<usize>>,
    /// Each term's names and aliases as the keys of their words.
    keys: Vec<Vec<Vec<String>>>,
    /// The most words a name has.
    max_words: usize,
}

fn add_term(map: &mut HashMap<String, Vec<usize>>, key: String, term: usize) {
    let terms = map.entry(key).or_default();
    if !terms.contains(&term) {
        terms.push(term);
    }
}

/// `key` with each of its letters deleted in turn.
fn deletions(key: &str) -> impl Iterator<Item = String> + '_ {
    key.char_indices().map(move |(i, c)| {
        let mut shorter = String::with_capacity(key.len());
        shorter.push_str(&key[..i]);
        shorter.push_str(&key[i + c.len_utf8()..]);
        shorter
    })
}

impl NameIndex {
    fn new(glossary: &Glossary) -> NameIndex {
        let mut index = NameIndex {
            keys: vec![Vec::new(); glossary.terms.len()],
            ..NameIndex::default()
        };
        for (term, t) in glossary.terms.iter().enumerate() {
            for name in std::iter::once(&t.name).chain(&t.aliases) {
                let tokens = tokenize(name);
                if tokens.is_empty() {
                    continue;
                }
                index.max_words = index.max_words.max(tokens.len().min(MAX_NAME_WORDS));
                index.listed.insert(light_key(name));
                let folded: String = tokens.iter().map(|t| t.folded.as_str()).collect();
                add_term(&mut index.folded, folded, term);
                let key = transliteration_key(
                    tokens
                        .iter()
                        .filter(|t| !t.article)
                        .map(|t| t.folded.as_str()),
                );
                if key.chars().count() >= MIN_ONE_LETTER {
                    for shorter in deletions(&key) {
                        add_term(&mut index.deletions, shorter, term);
                    }
                }
                if !key.is_empty() {
                    index.keys[term].push(word_keys(&tokens));
                    add_term(&mut index.transliterated, key, term);
                }
            }
        }
        index
    }

    /// The terms a phrase of a source looks like and why, or `None` when
    /// it is a listed name (which stops shorter phrases inside it from
    /// being looked at) or like nothing.
    fn lookup(&self, text: &str, tokens: &[Token]) -> Lookup {
        let folded: String = tokens.iter().map(|t| t.folded.as_str()).collect();
        if let Some(terms) = self.folded.get(&folded) {
            let phrase = &text[tokens[0].range.start..tokens[tokens.len() - 1].range.end];
            if self.listed.contains(&light_key(phrase)) {
                return Lookup::Listed;
            }
            if folded.chars().count() >= MIN_SPELLING {
                return Lookup::Like(terms.clone(), "spelling");
            }
            return Lookup::Nothing;
        }
        // Fuzzy matches only for what looks like a name: a capital after
        // any article, and not a common word opening a sentence.
        let Some(head) = tokens.iter().find(|t| !t.article) else {
            return Lookup::Nothing;
        };
        if !head.capital || (tokens.len() == 1 && COMMON_WORDS.contains(&folded.as_str())) {
            return Lookup::Nothing;
        }
        let key = transliteration_key(
            tokens
                .iter()
                .filter(|t| !t.article)
                .map(|t| t.folded.as_str()),
        );
        let length = key.chars().count();
        if length < MIN_TRANSLITERATION {
            return Lookup::Nothing;
        }
        if let Some(terms) = self.transliterated.get(&key) {
            return Lookup::Like(terms.clone(), "transliteration");
        }
        if length < MIN_ONE_LETTER {
            return Lookup::Nothing;
        }
        let mut found: BTreeSet<usize> = BTreeSet::new();
        // One letter dropped from a name.
        if let Some(terms) = self.deletions.get(&key) {
            found.extend(terms);
        }
        for shorter in deletions(&key) {
            // One letter added to a name.
            if let Some(terms) = self.transliterated.get(&shorter) {
                found.extend(terms);
            }
            // One letter changed (or two swapped).
            if let Some(terms) = self.deletions.get(&shorter) {
                found.extend(terms);
            }
        }
        let words = word_keys(tokens);
        let terms: Vec<usize> = found
            .into_iter()
            .filter(|&term| self.one_letter_apart(&words, term))
            .collect();
        if terms.is_empty() {
            Lookup::Nothing
        } else {
            Lookup::Like(terms, "one-letter")
        }
    }

    /// Whether a name or alias of `term` has the same words as `words`
    /// but one, which is one edit from its counterpart. That word must be
    /// long enough to compare (not "TV" and "to"), and the edit must not be
    /// a letter added or dropped at its end: that is how English inflects
    /// names (Israel, Israeli; Syria, Syrian), and those are other words.
    fn one_letter_apart(&self, words: &[String], term: usize) -> bool {
        let Some(names) = self.keys.get(term) else {
            return false;
        };
        names.iter().any(|name| {
            if name.len() != words.len() {
                return false;
            }
            let mut differing = name.iter().zip(words).filter(|(a, b)| a != b);
            let (Some((a, b)), None) = (differing.next(), differing.next()) else {
                return false;
            };
            a.chars().count().max(b.chars().count()) >= MIN_ONE_LETTER
                && strsim::osa_distance(a, b) == 1
                && !a.starts_with(b.as_str())
                && !b.starts_with(a.as_str())
        })
    }
}

enum Lookup {
    Listed,
    Like(Vec<usize>, &'static str),
    Nothing,
}

/// A variant found in one paragraph.
struct Found {
    term: usize,
    form: String,
    why: &'static str,
    paragraph: usize,
}

/// Looks through every paragraph of every source for phrases that look
/// like a glossary name but are not listed as one. Each phrase of up to
/// as many words as the longest name is looked up in the [`NameIndex`],
/// longest first; the cost is linear in the length of the sources.
fn name_variants(glossary: &Glossary, sources: &SourceSet) -> Vec<NameVariant> {
    if glossary.terms.is_empty() {
        return Vec::new();
    }
    let index = NameIndex::new(glossary);
    let found: Vec<Vec<Found>> = sources
        .sources
        .par_iter()
        .map(|source| variants_in(&index, source))
        .collect();
    // (term name, term, form) -> (form as first written, why, occurrences)
    type Entry = (String, &'static str, BTreeSet<(usize, usize)>);
    let mut merged: BTreeMap<(String, usize, String), Entry> = BTreeMap::new();
    for (s, list) in found.into_iter().enumerate() {
        for f in list {
            let term = &glossary.terms[f.term];
            let key = (term.name.to_lowercase(), f.term, light_key(&f.form));
            let entry = merged
                .entry(key)
                .or_insert_with(|| (f.form.clone(), f.why, BTreeSet::new()));
            entry.2.insert((s, f.paragraph));
        }
    }
    merged
        .into_iter()
        .map(|((_, term, _), (form, why, places))| NameVariant {
            form,
            term: glossary.terms[term].id.clone(),
            term_name: glossary.terms[term].name.clone(),
            why: why.to_string(),
            occurrences: places
                .into_iter()
                .map(|(s, p)| Occurrence {
                    source: sources.sources[s].id.clone(),
                    paragraph: p + 1,
                })
                .collect(),
        })
        .collect()
}

fn variants_in(index: &NameIndex, source: &Source) -> Vec<Found> {
    let mut found = Vec::new();
    for (p, paragraph) in source.paragraphs.iter().enumerate() {
        let text = paragraph.text.as_str();
        let tokens = tokenize(text);
        let mut i = 0;
        while i < tokens.len() {
            // The longest phrase starting here that does not cross
            // punctuation and does not end with an article.
            let mut longest = 1;
            while longest < index.max_words
                && i + longest < tokens.len()
                && !tokens[i + longest - 1].break_after
                && !tokens[i + longest].break_before
            {
                longest += 1;
            }
            let mut consumed = 1;
            for n in (1..=longest).rev() {
                let phrase = &tokens[i..i + n];
                if phrase[n - 1].article {
                    continue;
                }
                match index.lookup(text, phrase) {
                    Lookup::Listed => {
                        consumed = n;
                        break;
                    }
                    Lookup::Like(terms, why) => {
                        let form =
                            quote::one_line(&text[phrase[0].range.start..phrase[n - 1].range.end]);
                        for term in terms {
                            found.push(Found {
                                term,
                                form: form.clone(),
                                why,
                                paragraph: p,
                            });
                        }
                        consumed = n;
                        break;
                    }
                    Lookup::Nothing => {}
                }
            }
            i += consumed;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceMap;

    fn glossary(toml: &str) -> Glossary {
        let mut map = SourceMap::default();
        let file = map.add("g".into(), "g".into(), toml.into());
        Glossary::parse(file, toml).unwrap()
    }

    fn sources(paragraphs: &[&str]) -> SourceSet {
        let mut map = SourceMap::default();
        let file = map.add("s".into(), "s".into(), "".into());
        let text = format!("+++\ntitle = \"T\"\n+++\n{}\n", paragraphs.join("\n\n"));
        SourceSet::new(vec![Source::parse(file, "src", &text, false).unwrap()])
    }

    fn variants(glossary_toml: &str, paragraphs: &[&str]) -> Vec<(String, String, String)> {
        name_variants(&glossary(glossary_toml), &sources(paragraphs))
            .into_iter()
            .map(|v| (v.form, v.term, v.why))
            .collect()
    }

    const SALAMA: &str =
        "[[term]]\nid = \"salama\"\nname = \"Hussein al-Salama\"\naliases = [\"Salama\"]\n";

    #[test]
    fn folding_and_keys() {
        let mut s = String::new();
        for c in "Ḥusayn Ṣalāmah’s".chars() {
            fold_char(c, &mut s);
        }
        assert_eq!(s, "husaynsalamahs");
        assert_eq!(transliteration_key(["salameh"].into_iter()), "salama");
        assert_eq!(transliteration_key(["ahmed"].into_iter()), "ahmad");
        assert_eq!(transliteration_key(["mohammed"].into_iter()), "muhamad");
        assert_eq!(transliteration_key(["muhammad"].into_iter()), "muhamad");
        assert_eq!(transliteration_key(["youssef"].into_iter()), "yusaf");
        let tokens = tokenize("Mr. al‑Sharaa’s plan, “Assad” (2024).");
        let words: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
        assert_eq!(words, ["mr", "al", "sharaa", "plan", "assad", "2024"]);
        assert!(!tokens[0].break_after, "Mr. is an abbreviation");
        assert!(tokens[1].article);
        assert!(tokens[2].break_after, "a possessive ends a name");
        assert!(tokens[3].break_after && tokens[4].break_before);
    }

    #[test]
    fn transliteration_variants_are_found() {
        let found = variants(
            SALAMA,
            &["The intelligence chief, Hussein Salameh, attended."],
        );
        assert_eq!(
            found,
            [(
                "Hussein Salameh".to_string(),
                "salama".to_string(),
                "transliteration".to_string()
            )]
        );
        let v = name_variants(
            &glossary(SALAMA),
            &sources(&[
                "Hussein Salameh came.",
                "Nothing.",
                "Salameh and Hussein Salameh.",
            ]),
        );
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(v[0].form, "Hussein Salameh");
        assert_eq!(
            v[0].occurrences,
            [
                Occurrence {
                    source: "src".into(),
                    paragraph: 1
                },
                Occurrence {
                    source: "src".into(),
                    paragraph: 3
                }
            ]
        );
        assert_eq!(v[1].form, "Salameh");
    }

    #[test]
    fn listed_names_and_their_typography_are_not_variants() {
        let g =
            "[[term]]\nid = \"sharaa\"\nname = \"Ahmed al-Sharaa\"\naliases = [\"al-Sharaa\"]\n";
        assert!(
            variants(
                g,
                &["Ahmed al\u{2011}Sharaa and AL-SHARAA met al-Sharaa’s aides."]
            )
            .is_empty()
        );
        assert_eq!(
            variants(g, &["Ahmad al-Sharaa spoke."]),
            [(
                "Ahmad al-Sharaa".into(),
                "sharaa".into(),
                "transliteration".into()
            )]
        );
        assert_eq!(
            variants(g, &["Then al Sharaa spoke."]),
            [("al Sharaa".into(), "sharaa".into(), "spelling".into())]
        );
        assert_eq!(
            variants(g, &["Then el-Sharaa spoke, and Sharaa too."]),
            [
                (
                    "el-Sharaa".into(),
                    "sharaa".into(),
                    "transliteration".into()
                ),
                ("Sharaa".into(), "sharaa".into(), "transliteration".into())
            ]
        );
    }

    #[test]
    fn one_letter_apart_but_not_inflections_or_short_words() {
        let g = "[[term]]\nid = \"hezbollah\"\nname = \"Hezbollah\"\n\n[[term]]\nid = \"israel\"\nname = \"Israel\"\n\n[[term]]\nid = \"iran\"\nname = \"Iran\"\n";
        assert_eq!(
            variants(g, &["Hizbollah fighters; Hezbolah too."]),
            [
                (
                    "Hezbolah".into(),
                    "hezbollah".into(),
                    "transliteration".into()
                ),
                ("Hizbollah".into(), "hezbollah".into(), "one-letter".into())
            ]
        );
        assert!(variants(g, &["Israeli and Israelis in Iraq."]).is_empty());
        assert!(variants(g, &["These hizbollah fighters, lower case."]).is_empty());
    }

    #[test]
    fn accents_and_hyphens_are_spelling_variants() {
        let g = "[[term]]\nid = \"zone\"\nname = \"Buffer zone\"\n\n[[term]]\nid = \"sweida\"\nname = \"Sweida\"\n";
        assert_eq!(
            variants(g, &["The buffer-zone near Swéida."]),
            [
                ("buffer-zone".into(), "zone".into(), "spelling".into()),
                ("Swéida".into(), "sweida".into(), "spelling".into())
            ]
        );
    }

    #[test]
    fn what_states_something() {
        assert!(states_something("Assad fell in December 2024.", 5));
        assert!(!states_something("The results are:", 3));
        assert!(!states_something("Will Israel withdraw from the zone?", 6));
        assert!(!states_something("See the overview.", 1));
        assert_eq!(
            first_words("one two three four five six seven eight nine"),
            "one two three four five six seven eight …"
        );
    }
}
