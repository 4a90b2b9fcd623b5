//! Where each page of the site is on the print page: the id of every
//! note's article and part, and the one rule for the ids inside them.
//!
//! Ids stay unique on the page because the id a note's article has (its
//! prefix) is a slug without `--`, unique among the notes and different
//! from the ids of the parts of the page ([`PART_IDS`]), and every id inside
//! a part is `<part>--<id on the site's page>` ([`push_id`]): two ids that
//! differ on the page differed on the site.

use std::collections::{HashMap, HashSet};

use crate::html::escape_into;
use crate::load::Book;
use crate::slug::slugify;

use super::PAGE;

/// The ids the `print.html` template gives the parts of the page. Notes'
/// ids are chosen around them, so a note called `glossary.md` does not
/// take the glossary's place.
pub const PART_IDS: [&str; 6] = [
    "main",
    "contents",
    "introduction",
    "chronology",
    "glossary",
    "sources",
];

/// Writes the id that `id`, an id on the site's page of the part `part`,
/// has on the print page: `<part>--<id>`, escaped.
pub(super) fn push_id(out: &mut String, part: &str, id: &str) {
    out.push_str(part);
    out.push_str("--");
    escape_into(out, id);
}

/// [`push_id`] as a string of its own.
pub(super) fn id_in(part: &str, id: &str) -> String {
    let mut out = String::with_capacity(part.len() + 2 + id.len());
    push_id(&mut out, part, id);
    out
}

/// Where each page of the site is on the print page.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The id of each note's article, by index in reading order.
    pub(super) notes: Vec<String>,
    /// A page of the site -> the id it becomes, and whether a `#fragment`
    /// of a link to it is kept (as `<id>--<fragment>`) or dropped (a source
    /// page's paragraphs are not on the print page).
    /// Hashed with `ahash`: every link of every note is looked up here.
    pub(super) pages: HashMap<String, (String, bool), ahash::RandomState>,
}

impl Layout {
    /// Chooses an id for every note and maps every page of the site.
    pub fn new(book: &Book) -> Layout {
        let mut taken: HashSet<String, ahash::RandomState> =
            PART_IDS.iter().map(|s| s.to_string()).collect();
        let mut notes = Vec::with_capacity(book.notes.len());
        let mut pages = HashMap::with_capacity_and_hasher(
            book.notes.len() + book.sources.sources.len() + 6,
            ahash::RandomState::default(),
        );
        for note in &book.notes {
            let base = note_slug(&note.page);
            let mut id = base.clone();
            let mut n = 1;
            while taken.contains(&id) {
                n += 1;
                id = format!("{base}-{n}");
            }
            taken.insert(id.clone());
            pages.insert(note.page.clone(), (id.clone(), true));
            notes.push(id);
        }
        let mut part = |page: &str, id: &str, present: bool, fragments: bool| {
            // A part the book does not have is not on the page: a link to
            // it goes to the contents rather than nowhere.
            let (id, fragments) = if present {
                (id, fragments)
            } else {
                ("contents", false)
            };
            pages.insert(page.to_string(), (id.to_string(), fragments));
        };
        part("index.html", "introduction", true, true);
        part(
            "glossary.html",
            "glossary",
            !book.glossary.terms.is_empty(),
            true,
        );
        part(
            "chronology.html",
            "chronology",
            !book.chronology.events.is_empty(),
            true,
        );
        let sources = &book.sources.sources;
        part("sources/index.html", "sources", !sources.is_empty(), false);
        part(PAGE, "main", true, false);
        for source in sources {
            pages.insert(
                format!("sources/{}.html", source.id),
                (id_in("sources", &source.id), false),
            );
        }
        Layout { notes, pages }
    }

    /// The id of the `i`th note's article.
    pub fn note_id(&self, i: usize) -> &str {
        self.notes.get(i).map_or("", String::as_str)
    }
}

/// A note's page as an id: `background/history.html` -> `background-history`.
/// Runs of `-` are collapsed so that the id never holds `--`, which
/// separates a part's id from the ids inside it.
fn note_slug(page: &str) -> String {
    let stem = page.strip_suffix(".html").unwrap_or(page);
    let mut slug = String::with_capacity(stem.len());
    for c in slugify(&stem.replace('/', " ")).chars() {
        if c == '-' && (slug.is_empty() || slug.ends_with('-')) {
            continue;
        }
        slug.push(c);
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("note");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_ids_never_hold_the_separator() {
        assert_eq!(note_slug("background/history.html"), "background-history");
        assert_eq!(note_slug("a--b.html"), "a-b");
        assert_eq!(note_slug("über/Ärger notes.html"), "über-ärger-notes");
        assert_eq!(note_slug("!!!.html"), "note");
        assert_eq!(note_slug("-x-.html"), "x");
    }
}
