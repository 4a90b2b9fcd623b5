//! Making a report of a whole book: what it is made from
//! ([`Renderings`]), what `serve` keeps between one report and the next
//! ([`Cache`]), and a report before its longest lists are gathered
//! ([`Analysis`]), which tells whether it changed since the last one.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;

use super::notes::{NoteFindings, analyse_note};
use super::{NameVariant, Report, SCHEMA_VERSION, Summary};
use super::{quotations, references, variants};
use crate::load::Book;
use crate::markdown::Rendered;
use crate::note::Note;
use crate::pages::Generations;
use crate::xref::{CrossReferences, Fragments};

/// What a report is made from besides the book: the renderings of the
/// notes (aligned with `book.notes`, rendered with their units:
/// [`crate::markdown::Collect::Page`]), the introduction, the glossary's
/// definitions and the chronology's bodies (aligned with the terms and
/// events, or empty), and the cross-references made from them. Nothing of
/// the report reads Markdown: what it needs of each text, the renderer
/// collected.
#[derive(Clone, Copy)]
pub struct Renderings<'a> {
    /// The renderings.
    pub fragments: Fragments<'a>,
    /// Who refers to what, made from these renderings: the pages' own
    /// ([`crate::pages::BookPages::xref`]), so that the report says what
    /// the pages show.
    pub xref: &'a CrossReferences,
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
        let notes = note_findings(book, renderings.fragments.notes, cache, generations);
        let uncited_sources = references::uncited_sources(book, renderings, &notes);
        let unused_terms = references::unused_terms(book, renderings);
        let uncited_events = references::uncited_events(book, renderings.fragments.chronology);
        let quotation_drifts = quotations::drifts(book, renderings);
        let unattributed_quotations = quotations::unattributed(book, renderings);

        let variants_key = generations.map(|g| (g.glossary, g.sources));
        let name_variants = match (&cache.name_variants, variants_key) {
            (Some((then, variants)), Some(now)) if *then == now => variants.clone(),
            _ => {
                let variants = variants::name_variants(&book.glossary, &book.sources);
                if let Some(now) = variants_key {
                    cache.name_variants = Some((now, variants.clone()));
                }
                variants
            }
        };

        // The notes' own lists are left to `Analysis::report`: a report
        // that is only compared with the last one need not copy them.
        let count_notes =
            |citing: fn(usize) -> bool| notes.iter().filter(|f| citing(f.entry.count)).count();
        let summary = Summary {
            notes: book.notes.len(),
            sources: book.sources.sources.len(),
            terms: book.glossary.terms.len(),
            events: book.chronology.events.len(),
            uncited_sources: uncited_sources.len(),
            uncited_paragraphs: notes.iter().map(|f| f.uncited.len()).sum(),
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
            notes,
        }
    }
}

/// Each note's findings, in reading order: those `cache` holds for the
/// generation of the note's rendering, the others analysed again (and
/// kept, when `generations` says a next report may reuse them).
fn note_findings(
    book: &Book,
    notes: &[Arc<Rendered>],
    cache: &mut Cache,
    generations: Option<&Generations>,
) -> Vec<Arc<NoteFindings>> {
    let note_generation = |note: &Note| generations.and_then(|g| g.notes.get(&note.path).copied());
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
    findings.into_iter().map(|(f, _)| f).collect()
}
