//! What changed since the last render, so that `serve`'s next one works in
//! proportion to the edit rather than to the book.
//!
//! A [`Snapshot`] is what the pages of a render were made from: the
//! renderings (the notes' without their pages, [`Rendered::without_page`]:
//! the next render compares their citations, terms and links), each
//! note's path and what other pages show of it, a hash of everything else,
//! and the cross-references. When the next render differs
//! only in notes rendered again, [`Snapshot::changed_notes`] names them, and
//! the cross-references are updated by those notes and only the pages they
//! can affect are fingerprinted ([`crate::pages::BookPages::affected_by`]);
//! anything else (a note added, moved or retitled, a source, the glossary,
//! the theme) makes everything again.

use std::sync::Arc;

use crate::markdown::Rendered;
use crate::xref::CrossReferences;

/// What the pages of a render were made from.
pub(crate) struct Snapshot {
    /// Each note's rendering, in reading order.
    pub(crate) notes: Vec<Arc<Rendered>>,
    /// [`crate::pages::note_keys`] of the book.
    pub(crate) note_keys: Vec<u64>,
    intro: Option<Arc<Rendered>>,
    glossary: Arc<Vec<Rendered>>,
    chronology: Arc<Vec<Rendered>>,
    /// A hash of everything else every page may read: the settings and
    /// theme, the sources, the generations of the other renderings.
    rest: u64,
    /// The cross-references of these renderings.
    pub(crate) xref: CrossReferences,
    /// The path of every page, in [`crate::pages::BookPages::all`]'s order.
    pub(crate) paths: Vec<String>,
}

/// The renderings of one render, as [`Snapshot`] compares them.
pub(crate) struct Now<'r> {
    /// Each note's, in reading order.
    pub(crate) notes: &'r [Arc<Rendered>],
    /// [`crate::pages::note_keys`] of the book.
    pub(crate) note_keys: &'r [u64],
    /// The introduction's.
    pub(crate) intro: Option<&'r Arc<Rendered>>,
    /// The glossary definitions'.
    pub(crate) glossary: &'r Arc<Vec<Rendered>>,
    /// The chronology bodies'.
    pub(crate) chronology: &'r Arc<Vec<Rendered>>,
    /// A hash of everything else (see [`Snapshot`]).
    pub(crate) rest: u64,
}

impl Now<'_> {
    /// Keeps what the pages were made from, with their cross-references
    /// and paths.
    pub(crate) fn snapshot(&self, xref: CrossReferences, paths: Vec<String>) -> Snapshot {
        Snapshot {
            notes: self.notes.to_vec(),
            note_keys: self.note_keys.to_vec(),
            intro: self.intro.cloned(),
            glossary: self.glossary.clone(),
            chronology: self.chronology.clone(),
            rest: self.rest,
            xref,
            paths,
        }
    }
}

impl Snapshot {
    /// The notes (by index) rendered again since the snapshot, if nothing
    /// else changed: the same notes in the same order, showing the same
    /// titles, the same other renderings (a rendering kept is the same
    /// one, [`Rendered::is`]) and the same everything else.
    pub(crate) fn changed_notes(&self, now: &Now<'_>) -> Option<Vec<usize>> {
        let same = self.note_keys == now.note_keys
            && self.rest == now.rest
            && match (&self.intro, now.intro) {
                (None, None) => true,
                (Some(a), Some(b)) => a.is(b),
                _ => false,
            }
            && Arc::ptr_eq(&self.glossary, now.glossary)
            && Arc::ptr_eq(&self.chronology, now.chronology);
        same.then(|| {
            (self.notes.iter().zip(now.notes))
                .enumerate()
                .filter(|(_, (before, after))| !before.is(after))
                .map(|(i, _)| i)
                .collect()
        })
    }
}
