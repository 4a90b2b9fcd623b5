//! Links between the book's pages, checked once every page is rendered:
//! a link to another note's `.md` file must name a note that exists, and
//! its `#fragment` one of that note's headings (or a glossary term, or a
//! chronology event).
//!
//! The renderer collects each fragment's links as data
//! ([`InternalLink`]); nothing here reads Markdown or HTML.
//!
//! Under `serve`, a one-note edit checks again only the links that may
//! have changed ([`LinkChecks`]): those of the notes rendered again, and
//! those into a page whose anchors changed.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use crate::diagnostics::{Diagnostic, did_you_mean};
use crate::fingerprint::{self, FastMap, FastSet};
use crate::load::{Book, Unloaded};
use crate::markdown::{Heading, InternalLink, Rendered, same_number};

/// What each `.md` link target is: the ids a link may point to in it.
pub struct LinkTargets<'a> {
    notes: &'a [Arc<Rendered>],
    intro: Option<&'a Rendered>,
    /// Each note's index by path (kept from one render to the next while
    /// the notes are the same, so that a one-note edit builds no map over
    /// the book).
    index: &'a FastMap<String, usize>,
    glossary: HashSet<&'a str>,
    chronology: HashSet<&'a str>,
}

/// The ids a link target has: a note's headings (a few, searched in
/// order, so that a one-note edit builds no set per note), or a set.
enum Anchors<'a> {
    Headings(&'a [Heading]),
    Ids(&'a HashSet<&'a str>),
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

/// What checking each note's links found last time, kept by a project so
/// that a render checks again only what may have changed.
#[derive(Default)]
pub struct LinkChecks {
    /// Each note's path, in the book's order, as last checked.
    paths: Vec<String>,
    /// Each note's index in `paths`.
    index: FastMap<String, usize>,
    /// What each note's last check found, in the same order.
    notes: Vec<Checked>,
    /// The anchors of the other link targets (the introduction, glossary,
    /// chronology, and each note that did not load) as a hash.
    others: FastMap<String, u64>,
}

/// What checking one note's links found.
struct Checked {
    /// The number of the rendering whose links were checked
    /// ([`Rendered::id`]).
    rendering: u64,
    /// Its headings' ids, as a hash: the anchors links into it may name.
    anchors: u64,
    /// The pages its links lead into, each as a hash, sorted: compared
    /// with the pages whose anchors changed without hashing a path again.
    targets: Vec<u64>,
    /// The errors found in its links.
    broken: Vec<Diagnostic>,
}

impl LinkChecks {
    /// The broken links of a book whose notes rendered as `notes` (in the
    /// book's order, numbered `ids`: [`Rendered::id`]), its introduction as
    /// `intro`, and `others` (glossary definitions, chronology events). The links of a note rendered the
    /// same as last time are not looked at again, unless they lead into a
    /// page whose anchors changed; every link is checked again when a page
    /// appeared or went (a link to a missing note may then be suggested
    /// another).
    pub fn check<'r>(
        &mut self,
        book: &Book,
        notes: &[Arc<Rendered>],
        ids: &[u64],
        intro: Option<&'r Rendered>,
        others: impl Iterator<Item = &'r Rendered>,
        unloaded: &Unloaded,
    ) -> Vec<Diagnostic> {
        let hasher = fingerprint::hasher();
        // Last time's checks, in the book's order now.
        let same_notes = self.paths.len() == book.notes.len()
            && self
                .paths
                .iter()
                .zip(&book.notes)
                .all(|(p, n)| *p == n.path);
        let mut went = false;
        let last: Vec<Option<Checked>> = if same_notes {
            std::mem::take(&mut self.notes)
                .into_iter()
                .map(Some)
                .collect()
        } else {
            let mut by_path: FastMap<String, Checked> = std::mem::take(&mut self.paths)
                .into_iter()
                .zip(std::mem::take(&mut self.notes))
                .collect();
            let last = book.notes.iter().map(|n| by_path.remove(&n.path)).collect();
            went = !by_path.is_empty();
            self.paths = book.notes.iter().map(|n| n.path.clone()).collect();
            self.index = (self.paths.iter().cloned()).zip(0..).collect();
            last
        };
        // The pages whose anchors changed, as hashes of their paths.
        let mut changed: FastSet<u64> = FastSet::default();
        let mut appeared = false;
        let mut kept = Vec::with_capacity(notes.len());
        for (((note, rendered), &id), old) in book.notes.iter().zip(notes).zip(ids).zip(last) {
            let anchors = match &old {
                Some(old) if same_number(old.rendering, id) => old.anchors,
                _ => hash_ids(&hasher, rendered.headings.iter().map(|h| &h.id)),
            };
            match &old {
                Some(old) if old.anchors == anchors => {}
                Some(_) => {
                    changed.insert(hasher.hash_one(&note.path));
                }
                None => appeared = true,
            }
            kept.push((old, anchors));
        }
        let other_anchors = other_anchors(book, intro, unloaded, &hasher);
        let same_pages = !went
            && !appeared
            && other_anchors.len() == self.others.len()
            && other_anchors.keys().all(|k| self.others.contains_key(k));
        for (path, anchors) in &other_anchors {
            if self.others.get(path) != Some(anchors) {
                changed.insert(hasher.hash_one(path));
            }
        }

        let targets = LinkTargets::new(book, notes, intro, &self.index);
        let mut found = Vec::new();
        self.notes.reserve(notes.len());
        for (((old, anchors), rendered), &id) in kept.into_iter().zip(notes).zip(ids) {
            let unchanged = |old: &Checked| {
                same_pages
                    && same_number(old.rendering, id)
                    && !old.targets.iter().any(|t| changed.contains(t))
            };
            let (broken, targets_of_links) = match old.filter(unchanged) {
                Some(old) => (old.broken, old.targets),
                None => {
                    let mut paths: Vec<u64> = rendered
                        .links
                        .iter()
                        .map(|l| hasher.hash_one(&l.target))
                        .collect();
                    paths.sort_unstable();
                    paths.dedup();
                    (targets.check_all(rendered, unloaded), paths)
                }
            };
            found.extend(broken.iter().cloned());
            let checked = Checked {
                rendering: id,
                anchors,
                targets: targets_of_links,
                broken,
            };
            self.notes.push(checked);
        }
        for rendered in intro.into_iter().chain(others) {
            found.extend(targets.check_all(rendered, unloaded));
        }
        self.others = other_anchors;
        found
    }
}

/// The anchors of the link targets that are not notes, as hashes: the
/// introduction's headings, the glossary's terms, the chronology's
/// events, and each note that did not load (whose links are not checked).
fn other_anchors(
    book: &Book,
    intro: Option<&Rendered>,
    unloaded: &Unloaded,
    hasher: &ahash::RandomState,
) -> FastMap<String, u64> {
    let mut anchors = FastMap::default();
    let headings = intro.iter().flat_map(|r| &r.headings).map(|h| &h.id);
    anchors.insert("index.md".to_string(), hash_ids(hasher, headings));
    // No anchors at all when the file did not load: a hash of its own.
    let or_unloaded = |unloaded: bool, hash: u64| if unloaded { 0 } else { hash };
    let terms = book.glossary.terms.iter().map(|t| &t.id);
    anchors.insert(
        "glossary.md".to_string(),
        or_unloaded(unloaded.glossary, hash_ids(hasher, terms)),
    );
    let events = book.chronology.events.iter().map(|e| &e.id);
    anchors.insert(
        "chronology.md".to_string(),
        or_unloaded(unloaded.chronology, hash_ids(hasher, events)),
    );
    for path in &unloaded.notes {
        anchors.insert(path.clone(), 0);
    }
    anchors
}

/// A hash of ids, in order.
fn hash_ids<'i>(hasher: &ahash::RandomState, ids: impl Iterator<Item = &'i String>) -> u64 {
    let mut h = hasher.build_hasher();
    for id in ids {
        id.hash(&mut h);
    }
    h.finish()
}

impl<'a> LinkTargets<'a> {
    /// The targets of a book whose notes rendered as `notes` (in the
    /// book's order, each at its `index` by path) and whose introduction
    /// as `intro`.
    pub fn new(
        book: &'a Book,
        notes: &'a [Arc<Rendered>],
        intro: Option<&'a Rendered>,
        index: &'a FastMap<String, usize>,
    ) -> LinkTargets<'a> {
        LinkTargets {
            notes,
            intro,
            index,
            glossary: book.glossary.terms.iter().map(|t| t.id.as_str()).collect(),
            chronology: (book.chronology.events.iter())
                .map(|e| e.id.as_str())
                .collect(),
        }
    }

    /// The anchors of the target `path`: the introduction's headings, a
    /// note's, or the glossary's terms or the chronology's events (unless
    /// a note has that path).
    fn get(&self, path: &str) -> Option<Anchors<'_>> {
        let note = (path != "index.md")
            .then(|| self.index.get(path))
            .flatten()
            .and_then(|&i| self.notes.get(i));
        match (note, path) {
            (Some(r), _) => Some(Anchors::Headings(&r.headings)),
            (None, "index.md") => Some(Anchors::Headings(
                self.intro
                    .map(|r| r.headings.as_slice())
                    .unwrap_or_default(),
            )),
            (None, "glossary.md") => Some(Anchors::Ids(&self.glossary)),
            (None, "chronology.md") => Some(Anchors::Ids(&self.chronology)),
            _ => None,
        }
    }

    /// Every target's path.
    fn paths(&self) -> impl Iterator<Item = &str> {
        let special = ["index.md", "glossary.md", "chronology.md"];
        (self.index.keys().map(String::as_str)).chain(special)
    }

    /// Checks every link of a rendering.
    fn check_all(&self, rendered: &Rendered, unloaded: &Unloaded) -> Vec<Diagnostic> {
        rendered
            .links
            .iter()
            .filter_map(|link| self.check(link, unloaded))
            .collect()
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
        let Some(ids) = self.get(link.target.as_str()) else {
            let mut d = Diagnostic::error(
                link.file,
                link.span.clone(),
                format!("link to a missing note `{}`", link.target),
            )
            .with_label("no such file under content/");
            if let Some(close) = did_you_mean(&link.target, self.paths()) {
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
