//! What the report finds in one note, on its own: its paragraphs, list
//! items and table rows that state something and cite nothing, and the
//! sources it cites. A note's findings depend on nothing but the note's
//! rendering, so `serve` keeps them until the note is rendered again.

use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::{NoteSources, UncitedParagraph};
use crate::load::Book;
use crate::markdown::Rendered;
use crate::note::Note;

/// What the report finds in one note.
#[derive(Debug)]
pub(super) struct NoteFindings {
    /// Paragraphs that state something and cite nothing.
    pub(super) uncited: Vec<UncitedParagraph>,
    /// The sources it cites (indexes), sorted.
    pub(super) sources: BTreeSet<usize>,
    /// Its line of the report's note sources.
    pub(super) entry: NoteSources,
    /// A hash of `uncited` and `entry`, for [`super::Analysis::fingerprint`].
    pub(super) digest: u64,
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

pub(super) fn analyse_note(book: &Book, note: &Note, rendered: &Rendered) -> NoteFindings {
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

#[cfg(test)]
mod tests {
    use super::*;

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
