//! The book's cross-references, built once from the renderings and read by
//! every stage that shows them: who cites each source (source pages, the
//! list of sources, the print edition, the editor's report), who mentions
//! each glossary term, and which notes link to each chronology event.
//!
//! They come from the data the renderer returned for each fragment
//! ([`Rendered::citations`], [`Rendered::terms`], [`Rendered::links`]);
//! nothing here reads Markdown or HTML. They hold positions, not borrowed
//! citations, so that `serve` keeps them from one render to the next and
//! updates them by the notes that were rendered again
//! ([`CrossReferences::update_notes`]) instead of going over every citation
//! of the book on every edit.

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

impl Referrer {
    /// Where the referrer stands in the book's reading order (notes,
    /// introduction, glossary, chronology), which every list of referrers
    /// follows.
    fn order(self) -> (u8, usize) {
        match self {
            Referrer::Note(i) => (0, i),
            Referrer::Intro => (1, 0),
            Referrer::Term(i) => (2, i),
            Referrer::Event(i) => (3, i),
        }
    }
}

/// The renderings cross-references point into: the notes (in reading
/// order), the introduction, the glossary definitions and the chronology
/// bodies.
#[derive(Clone, Copy)]
pub struct Fragments<'a> {
    /// Each note's rendering, in reading order.
    pub notes: &'a [Arc<Rendered>],
    /// The introduction's.
    pub intro: Option<&'a Rendered>,
    /// Each glossary definition's.
    pub glossary: &'a [Rendered],
    /// Each chronology event's body.
    pub chronology: &'a [Rendered],
}

impl<'a> Fragments<'a> {
    /// Every rendering: notes, introduction, definitions, event bodies.
    pub fn all(&self) -> impl Iterator<Item = &'a Rendered> + use<'a> {
        (self.notes.iter().map(|r| &**r))
            .chain(self.intro)
            .chain(self.glossary)
            .chain(self.chronology)
    }

    /// The rendering of `referrer`, if it has one.
    pub fn of(&self, referrer: Referrer) -> Option<&'a Rendered> {
        match referrer {
            Referrer::Note(i) => self.notes.get(i).map(|r| &**r),
            Referrer::Intro => self.intro,
            Referrer::Term(i) => self.glossary.get(i),
            Referrer::Event(i) => self.chronology.get(i),
        }
    }
}

/// One citation of a source: who makes it, and which of the referrer's
/// [`Rendered::citations`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cited {
    /// Who cites.
    pub referrer: Referrer,
    /// The citation's index in the referrer's rendering.
    pub index: u32,
}

/// Who refers to what, across the whole book.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CrossReferences {
    /// For each source (by index): the citations of it, with who makes
    /// them, in reading order (notes, introduction, glossary, chronology).
    pub citations: Vec<Vec<Cited>>,
    /// For each glossary term (by index): the notes, introduction and
    /// events that refer to it, each once, in that order.
    pub term_mentions: Vec<Vec<Referrer>>,
    /// For each event id: the notes (by index) that link to it, each once.
    pub event_mentions: FastMap<String, Vec<usize>>,
}

impl CrossReferences {
    /// Cross-references the renderings of a book.
    pub fn new(book: &Book, fragments: Fragments<'_>) -> CrossReferences {
        let notes = fragments.notes.iter().map(|r| &**r).enumerate();
        let referrers = || {
            notes
                .clone()
                .map(|(i, r)| (Referrer::Note(i), r))
                .chain(fragments.intro.map(|r| (Referrer::Intro, r)))
        };
        let events = || {
            fragments
                .chronology
                .iter()
                .enumerate()
                .map(|(i, r)| (Referrer::Event(i), r))
        };

        let mut citations: Vec<Vec<Cited>> = vec![Vec::new(); book.sources.sources.len()];
        let everyone = referrers()
            .chain(
                fragments
                    .glossary
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (Referrer::Term(i), r)),
            )
            .chain(events());
        for (referrer, rendered) in everyone {
            for (source, cited) in citations_by(referrer, rendered) {
                if let Some(list) = citations.get_mut(source) {
                    list.push(cited);
                }
            }
        }

        // A definition's references to other terms are "see also", not
        // mentions.
        let mut term_mentions: Vec<Vec<Referrer>> = vec![Vec::new(); book.glossary.terms.len()];
        for (referrer, rendered) in referrers().chain(events()) {
            for &term in &rendered.terms {
                if let Some(list) = term_mentions.get_mut(term) {
                    // A referrer's terms arrive together: checking the last is enough.
                    if list.last() != Some(&referrer) {
                        list.push(referrer);
                    }
                }
            }
        }

        let mut event_mentions: FastMap<String, Vec<usize>> = FastMap::default();
        for (i, r) in notes {
            for id in linked_events(r) {
                let list = event_mentions.entry(id.to_string()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        CrossReferences {
            citations,
            term_mentions,
            event_mentions,
        }
    }

    /// Brings the cross-references up to date after the notes `changed`
    /// were rendered again: each with its index and its rendering from
    /// before, `fragments` holding the new ones. Everything else (which
    /// notes there are and in what order, the introduction, the glossary,
    /// the chronology, the sources) must be as when they were made; the
    /// result is then what [`CrossReferences::new`] would make, at the
    /// cost of the changed notes' own references.
    pub fn update_notes(&mut self, fragments: Fragments<'_>, changed: &[(usize, &Rendered)]) {
        for &(i, before) in changed {
            let referrer = Referrer::Note(i);
            let Some(after) = fragments.of(referrer) else {
                continue;
            };

            let mut sources: Vec<usize> = before
                .citations
                .iter()
                .chain(&after.citations)
                .map(|c| c.cite.source)
                .collect();
            sources.sort_unstable();
            sources.dedup();
            for source in sources {
                let Some(list) = self.citations.get_mut(source) else {
                    continue;
                };
                let new = citations_by(referrer, after)
                    .filter(|(s, _)| *s == source)
                    .map(|(_, cited)| cited);
                let (start, end) = span_of(list, referrer, |c| c.referrer);
                list.splice(start..end, new);
            }

            let mut terms: Vec<usize> = before.terms.iter().chain(&after.terms).copied().collect();
            terms.sort_unstable();
            terms.dedup();
            for term in terms {
                let Some(list) = self.term_mentions.get_mut(term) else {
                    continue;
                };
                let (start, end) = span_of(list, referrer, |r| *r);
                let mentions = after.terms.contains(&term).then_some(referrer);
                list.splice(start..end, mentions);
            }

            let mut ids: Vec<&str> = linked_events(before).chain(linked_events(after)).collect();
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                let list = self.event_mentions.entry(id.to_string()).or_default();
                let (start, end) = span_of(list, referrer, |&n| Referrer::Note(n));
                let mentions = linked_events(after).any(|e| e == id).then_some(i);
                list.splice(start..end, mentions);
                if list.is_empty() {
                    self.event_mentions.remove(id);
                }
            }
        }
    }

    /// The citations of source `source`, with who makes them, in reading
    /// order.
    pub fn citations_of<'f>(
        &self,
        source: usize,
        fragments: Fragments<'f>,
    ) -> impl Iterator<Item = (Referrer, &'f CitationUse)> {
        self.citations
            .get(source)
            .into_iter()
            .flatten()
            .filter_map(move |cited| {
                let rendered = fragments.of(cited.referrer)?;
                let citation = rendered.citations.get(cited.index as usize)?;
                Some((cited.referrer, citation))
            })
    }

    /// How many times each source (by index) is cited.
    pub fn citation_counts(&self) -> impl Iterator<Item = usize> + '_ {
        self.citations.iter().map(Vec::len)
    }
}

/// Each citation `rendered` makes, with the source it cites.
fn citations_by(
    referrer: Referrer,
    rendered: &Rendered,
) -> impl Iterator<Item = (usize, Cited)> + '_ {
    rendered
        .citations
        .iter()
        .enumerate()
        .map(move |(index, c)| {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            (c.cite.source, Cited { referrer, index })
        })
}

/// The ids of the chronology events a rendering links to, in order, with
/// repeats.
pub(crate) fn linked_events(rendered: &Rendered) -> impl Iterator<Item = &str> {
    rendered
        .links
        .iter()
        .filter(|l| l.target == "chronology.md")
        .filter_map(|l| l.fragment.as_deref())
}

/// Where `referrer`'s entries stand in `list`, which is in reading order:
/// their range, empty where they would go if it has none.
fn span_of<T>(list: &[T], referrer: Referrer, of: impl Fn(&T) -> Referrer) -> (usize, usize) {
    let order = referrer.order();
    let start = list.partition_point(|t| of(t).order() < order);
    let end = start + list[start..].partition_point(|t| of(t).order() == order);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_referrers_entries_are_found_where_reading_order_puts_them() {
        let list = [
            Referrer::Note(0),
            Referrer::Note(2),
            Referrer::Note(2),
            Referrer::Intro,
            Referrer::Event(1),
        ];
        let at = |r| span_of(&list, r, |r| *r);
        assert_eq!(at(Referrer::Note(2)), (1, 3));
        assert_eq!(at(Referrer::Note(1)), (1, 1));
        assert_eq!(at(Referrer::Note(3)), (3, 3));
        assert_eq!(at(Referrer::Intro), (3, 4));
        assert_eq!(at(Referrer::Term(0)), (4, 4));
        assert_eq!(at(Referrer::Event(2)), (5, 5));
    }
}
