//! What nothing refers to: sources no citation names, glossary terms
//! nothing refers to, chronology events whose body cites nothing.
//!
//! Terms read the book's cross-references ([`crate::xref`]), which the
//! pages show; the report adds what a term page does not list as a mention
//! but is a use all the same (a link to `glossary.md#id`, another term's
//! definition). Sources and events count every citation, also one that
//! does not resolve (an unknown paragraph, a quotation no longer found):
//! it is wrong, and reported, but the source is not forgotten. The
//! cross-references hold only citations that resolve (each is a link on a
//! source page), so these two read what each rendering's citations name.

use std::sync::Arc;

use super::notes::NoteFindings;
use super::{Renderings, UncitedEvent, UncitedSource, UnusedTerm};
use crate::diagnostics::FileId;
use crate::load::Book;
use crate::markdown::Rendered;

/// Sources that no note, introduction, definition or event body cites,
/// by a citation that resolves or not, in the order of the sources.
pub(super) fn uncited_sources(
    book: &Book,
    renderings: &Renderings<'_>,
    notes: &[Arc<NoteFindings>],
) -> Vec<UncitedSource> {
    let sources = &book.sources.sources;
    let mut cited = vec![false; sources.len()];
    for f in notes {
        for &s in &f.sources {
            cited[s] = true;
        }
    }
    let fragments = renderings.fragments;
    let others = (fragments.intro.into_iter())
        .chain(fragments.glossary)
        .chain(fragments.chronology);
    for r in others {
        for &s in &r.cited_sources {
            cited[s] = true;
        }
    }
    sources
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
        .collect()
}

/// Glossary terms nothing refers to, in the order of the glossary. A term
/// is used when a note, the introduction or an event mentions it (by
/// `[[...]]` or autolink: its mentions in the cross-references), when
/// anything links to `glossary.md#id`, or when another term's definition
/// refers to it (a "see also", which the cross-references leave out).
pub(super) fn unused_terms(book: &Book, renderings: &Renderings<'_>) -> Vec<UnusedTerm> {
    let glossary = &book.glossary;
    let mut used: Vec<bool> = renderings
        .xref
        .term_mentions
        .iter()
        .map(|mentions| !mentions.is_empty())
        .collect();
    let mut mark = |term: usize| {
        if let Some(slot) = used.get_mut(term) {
            *slot = true;
        }
    };
    let fragments = renderings.fragments;
    let mentioning = (fragments.notes.iter().map(|r| &**r))
        .chain(fragments.intro)
        .chain(fragments.chronology);
    for r in mentioning {
        linked_terms(book, r).for_each(&mut mark);
    }
    for (i, r) in fragments.glossary.iter().enumerate() {
        for term in r.terms.iter().copied().chain(linked_terms(book, r)) {
            if term != i {
                mark(term);
            }
        }
    }
    glossary
        .terms
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(t, _)| UnusedTerm {
            id: t.id.clone(),
            name: t.name.clone(),
            kind: t.kind.clone(),
            file: file_name(book, glossary.file),
            line: line_of(book, glossary.file, t.span.start),
        })
        .collect()
}

/// Chronology events whose body has no citation at all (not even of an
/// unknown source), in the order of the chronology.
pub(super) fn uncited_events(book: &Book, bodies: &[Rendered]) -> Vec<UncitedEvent> {
    let chronology = &book.chronology;
    chronology
        .events
        .iter()
        .zip(bodies)
        .filter(|(_, body)| !body.cites)
        .map(|(event, _)| UncitedEvent {
            id: event.id.clone(),
            title: event.title.clone(),
            date: event.date_label(),
            file: file_name(book, chronology.file),
            line: line_of(book, chronology.file, event.span.start),
        })
        .collect()
}

/// The terms a rendering links to by `glossary.md#id`.
fn linked_terms<'r>(book: &'r Book, rendered: &'r Rendered) -> impl Iterator<Item = usize> + 'r {
    rendered
        .links
        .iter()
        .filter(|l| l.target == "glossary.md")
        .filter_map(|l| l.fragment.as_deref())
        .filter_map(|id| book.glossary.by_id(id))
}

fn file_name(book: &Book, file: Option<FileId>) -> String {
    file.map(|f| book.files.name(f).to_string())
        .unwrap_or_default()
}

fn line_of(book: &Book, file: Option<FileId>, offset: usize) -> usize {
    file.map_or(0, |f| book.files.line_column(f, offset).0)
}
