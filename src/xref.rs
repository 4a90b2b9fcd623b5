//! The book's cross-references, built once from the renderings and read by
//! every stage that shows them: who cites each source (source pages, the
//! list of sources, the print edition, the editor's report), who mentions
//! each glossary term, and which notes link to each chronology event.
//!
//! They come from the data the renderer returned for each fragment
//! ([`Rendered::citations`], [`Rendered::terms`], [`Rendered::links`]);
//! nothing here reads Markdown or HTML.

use crate::fingerprint::FastMap;
use std::sync::Arc;

use crate::load::Book;
use crate::markdown::{CitationUse, Rendered};

/// A page, or an entry of one, that cites a source or mentions a term.
/// Titles and URLs are made only by the page that lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Referrer {
    /// A note, by index in reading order.
    Note(usize),
    /// The introduction (`content/index.md`).
    Intro,
    /// A glossary definition.
    Term(usize),
    /// A chronology event.
    Event(usize),
}

/// Who refers to what, across the whole book.
pub struct CrossReferences<'a> {
    /// For each source (by index): the citations of it, with who makes
    /// them, in reading order (notes, introduction, glossary, chronology).
    pub citations: Vec<Vec<(Referrer, &'a CitationUse)>>,
    /// For each glossary term (by index): the notes, introduction and
    /// events that refer to it, each once, in that order.
    pub term_mentions: Vec<Vec<Referrer>>,
    /// For each event id: the notes (by index) that link to it, each once.
    pub event_mentions: FastMap<&'a str, Vec<usize>>,
}

impl<'a> CrossReferences<'a> {
    /// Cross-references the renderings of a book: its notes (in reading
    /// order), introduction, glossary definitions and chronology bodies.
    pub fn new(
        book: &Book,
        notes: &'a [Arc<Rendered>],
        intro: Option<&'a Rendered>,
        glossary: &'a [Rendered],
        chronology: &'a [Rendered],
    ) -> CrossReferences<'a> {
        let notes = notes.iter().map(|r| &**r).enumerate();
        let referrers = || {
            notes
                .clone()
                .map(|(i, r)| (Referrer::Note(i), r))
                .chain(intro.map(|r| (Referrer::Intro, r)))
        };

        let mut citations: Vec<Vec<(Referrer, &CitationUse)>> =
            vec![Vec::new(); book.sources.sources.len()];
        let everyone = referrers()
            .chain(
                glossary
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (Referrer::Term(i), r)),
            )
            .chain(
                chronology
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (Referrer::Event(i), r)),
            );
        for (referrer, rendered) in everyone {
            for c in &rendered.citations {
                if let Some(list) = citations.get_mut(c.cite.source) {
                    list.push((referrer, c));
                }
            }
        }

        // A definition's references to other terms are "see also", not
        // mentions.
        let mut term_mentions: Vec<Vec<Referrer>> = vec![Vec::new(); book.glossary.terms.len()];
        let mentioning = referrers().chain(
            chronology
                .iter()
                .enumerate()
                .map(|(i, r)| (Referrer::Event(i), r)),
        );
        for (referrer, rendered) in mentioning {
            for &term in &rendered.terms {
                if let Some(list) = term_mentions.get_mut(term) {
                    // A referrer's terms arrive together: checking the last is enough.
                    if list.last() != Some(&referrer) {
                        list.push(referrer);
                    }
                }
            }
        }

        let mut event_mentions: FastMap<&str, Vec<usize>> = FastMap::default();
        for (i, r) in notes {
            for link in r.links.iter().filter(|l| l.target == "chronology.md") {
                if let Some(id) = &link.fragment {
                    let list = event_mentions.entry(id.as_str()).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
        }
        CrossReferences {
            citations,
            term_mentions,
            event_mentions,
        }
    }

    /// How many times each source (by index) is cited.
    pub fn citation_counts(&self) -> impl Iterator<Item = usize> + '_ {
        self.citations.iter().map(Vec::len)
    }
}
