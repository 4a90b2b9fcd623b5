//! Links between the book's pages, checked once every page is rendered:
//! a link to another note's `.md` file must name a note that exists, and
//! its `#fragment` one of that note's headings (or a glossary term, or a
//! chronology event).
//!
//! The renderer collects each fragment's links as data
//! ([`InternalLink`]); nothing here reads Markdown or HTML.

use std::collections::HashSet;
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, did_you_mean};
use crate::load::{Book, Unloaded};
use crate::markdown::{Heading, InternalLink, Rendered};
use crate::pages::FastMap;

/// What each `.md` link target is: the ids a link may point to in it.
pub struct LinkTargets<'a> {
    targets: FastMap<&'a str, Anchors<'a>>,
}

/// The ids a link target has: a note's headings (a few, searched in
/// order, so that a one-note edit builds no set per note), or a set.
enum Anchors<'a> {
    Headings(&'a [Heading]),
    Ids(HashSet<&'a str>),
}

impl<'a> Anchors<'a> {
    fn contains(&self, id: &str) -> bool {
        match self {
            Anchors::Headings(headings) => headings.iter().any(|h| h.id == id),
            Anchors::Ids(ids) => ids.contains(id),
        }
    }

    fn ids(&self) -> Vec<&'a str> {
        match self {
            Anchors::Headings(headings) => headings.iter().map(|h| h.id.as_str()).collect(),
            Anchors::Ids(ids) => ids.iter().copied().collect(),
        }
    }
}

impl<'a> LinkTargets<'a> {
    /// The targets of a book whose notes rendered as `notes` (in the
    /// book's order) and whose introduction as `intro`.
    pub fn new(
        book: &'a Book,
        notes: &'a [Arc<Rendered>],
        intro: Option<&'a Rendered>,
    ) -> LinkTargets<'a> {
        let mut targets: FastMap<&str, Anchors<'a>> = FastMap::default();
        targets.reserve(notes.len() + 3);
        for (note, r) in book.notes.iter().zip(notes) {
            targets.insert(&note.path, Anchors::Headings(&r.headings));
        }
        targets.insert(
            "index.md",
            Anchors::Headings(intro.map(|r| r.headings.as_slice()).unwrap_or_default()),
        );
        targets.entry("glossary.md").or_insert_with(|| {
            Anchors::Ids(book.glossary.terms.iter().map(|t| t.id.as_str()).collect())
        });
        targets.entry("chronology.md").or_insert_with(|| {
            Anchors::Ids(
                book.chronology
                    .events
                    .iter()
                    .map(|e| e.id.as_str())
                    .collect(),
            )
        });
        LinkTargets { targets }
    }

    /// Checks one link against the pages and their anchors. A link into a
    /// file that did not load is not checked: that file's own errors are
    /// reported.
    pub fn check(&self, link: &InternalLink, unloaded: &Unloaded) -> Option<Diagnostic> {
        let into_unloaded = match link.target.as_str() {
            "glossary.md" => unloaded.glossary,
            "chronology.md" => unloaded.chronology,
            target => unloaded.notes.contains(target),
        };
        if into_unloaded {
            return None;
        }
        let Some(ids) = self.targets.get(link.target.as_str()) else {
            let mut d = Diagnostic::error(
                link.file,
                link.span.clone(),
                format!("link to a missing note `{}`", link.target),
            )
            .with_label("no such file under content/");
            if let Some(close) = did_you_mean(&link.target, self.targets.keys().copied()) {
                d = d.with_help(format!(
                    "did you mean `{close}`? (paths are relative to this note)"
                ));
            } else {
                d = d.with_help("links between notes are relative paths to `.md` files, e.g. `[see](../x/y.md#heading)`");
            }
            return Some(d);
        };
        let fragment = link.fragment.as_deref().filter(|f| !f.is_empty())?;
        if ids.contains(fragment) {
            return None;
        }
        let ids = ids.ids();
        let what = match link.target.as_str() {
            "chronology.md" => "event",
            "glossary.md" => "term",
            _ => "heading",
        };
        let mut d = Diagnostic::error(
            link.file,
            link.span.clone(),
            format!("`{}` has no {what} with the id `{fragment}`", link.target),
        )
        .with_label(format!("no such {what}"));
        if let Some(close) = did_you_mean(fragment, ids.iter().copied()) {
            d = d.with_help(format!("did you mean `#{close}`?"));
        }
        Some(d)
    }
}
