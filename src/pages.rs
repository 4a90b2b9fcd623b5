//! Pages: from rendered Markdown and the book's cross-references to HTML
//! through the theme's Tera templates.
//!
//! Every page has a fingerprint: a hash of exactly the data its template
//! gets. `serve` renders a page again only when its fingerprint changed, so
//! editing one note re-renders that note, its neighbours if its title
//! changed, the source pages it cites, and the reference pages whose
//! backlinks changed, and nothing else.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use serde::Serialize;

use crate::config::BookConfig;
use crate::diagnostics::Diagnostic;
use crate::fingerprint::FastMap;
use crate::html::root_prefix;
use crate::load::Book;
use crate::markdown::{Footnote, Rendered};
use crate::note::Note;
use crate::slug::slugify;
use crate::source::Source;
use crate::theme::Theme;
use crate::xref::{CrossReferences, Fragments, Referrer};

/// A page of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    /// `index.html`.
    Index,
    /// A note's page, by index in reading order.
    Note(usize),
    /// `sources/index.html`.
    Sources,
    /// A source's page, by index in the source set.
    Source(usize),
    /// `glossary.html`.
    Glossary,
    /// `chronology.html`.
    Chronology,
    /// `404.html`.
    NotFound,
}

/// Everything pages are made from, rendered and cross-referenced.
pub struct BookPages<'a> {
    book: &'a Book,
    /// The renderings pages are made from.
    fragments: Fragments<'a>,
    /// For each note: a hash of what other pages show of it (title, page).
    note_keys: Vec<u64>,
    /// Who cites each source, mentions each term, links to each event.
    xref: &'a CrossReferences,
    /// Where the 404 page links from, if not from `site_url`'s path (or,
    /// without it, relatively, like every other page).
    pub(crate) not_found_root: Option<&'a str>,
}

/// A link as templates see it.
#[derive(Serialize, Clone, Debug, Hash, PartialEq, Eq)]
pub struct Link {
    /// The text.
    pub title: String,
    /// The relative URL.
    pub url: String,
}

/// `book` in every template: the settings of `book.toml` a page shows.
#[derive(Serialize)]
pub(crate) struct BookContext<'a> {
    title: &'a str,
    subtitle: Option<&'a str>,
    description: Option<&'a str>,
    language: &'a str,
    authors: &'a [String],
    /// Whether the book has a print edition (`print.html`).
    pub(crate) print: bool,
    /// Whether the book has a search index (`search/`).
    search: bool,
    /// Where the site is published, as written in `book.toml`: for a
    /// theme's canonical links.
    site_url: Option<&'a str>,
}

impl<'a> BookContext<'a> {
    /// What the templates get of `config`.
    pub(crate) fn new(config: &'a BookConfig) -> BookContext<'a> {
        BookContext {
            title: &config.title,
            subtitle: config.subtitle.as_deref(),
            description: config.description.as_deref(),
            language: &config.language,
            authors: &config.authors,
            print: config.print,
            search: config.search,
            site_url: config.site_url.as_ref().map(|url| url.as_str()),
        }
    }
}

#[derive(Serialize)]
struct NoteContext<'a> {
    title: &'a str,
    title_in_body: bool,
    summary: Option<&'a str>,
    date: Option<String>,
    date_label: Option<String>,
    tags: &'a [String],
    path: &'a str,
}

#[derive(Serialize)]
struct TocNote<'a> {
    title: &'a str,
    url: &'a str,
    summary: Option<&'a str>,
}

#[derive(Serialize)]
struct TocSection<'a> {
    name: Option<String>,
    notes: Vec<TocNote<'a>>,
}

#[derive(Serialize, Clone)]
struct Backlink {
    title: String,
    url: String,
    number: usize,
    quote: String,
}

/// The citations of a paragraph from one page, shown as one entry.
#[derive(Serialize)]
struct BacklinkGroup {
    title: String,
    url: String,
    links: Vec<Backlink>,
}

#[derive(Serialize)]
struct ParagraphContext {
    number: usize,
    html: String,
    cited_by: Vec<BacklinkGroup>,
}

/// Groups backlinks from the same page (they arrive in page order).
fn group_backlinks(links: Vec<Backlink>) -> Vec<BacklinkGroup> {
    let mut groups: Vec<BacklinkGroup> = Vec::new();
    for link in links {
        let page = link.url.split('#').next().unwrap_or("").to_string();
        match groups.last_mut() {
            Some(group)
                if group.title == link.title
                    && group.url.split('#').next() == Some(page.as_str()) =>
            {
                group.links.push(link)
            }
            _ => groups.push(BacklinkGroup {
                title: link.title.clone(),
                url: link.url.clone(),
                links: vec![link],
            }),
        }
    }
    groups
}

#[derive(Serialize)]
struct SourceContext<'a> {
    id: &'a str,
    title: &'a str,
    outlet: Option<&'a str>,
    authors: &'a [String],
    published: Option<String>,
    published_label: Option<String>,
    url: Option<&'a str>,
    language: Option<&'a str>,
    note: Option<&'a str>,
    paragraph_count: usize,
    citation_count: usize,
    whole: Vec<Backlink>,
    paragraphs: Vec<ParagraphContext>,
}

/// A relative URL from one page to another.
fn relative_url(from: &str, to: &str) -> String {
    let mut url = root_prefix(from);
    url.push_str(to);
    url
}

/// `x/y` -> `Y`: a folder's name as a section title.
fn section_title(section: &str) -> String {
    let last = section
        .rsplit('/')
        .next()
        .unwrap_or(section)
        .replace(['-', '_'], " ");
    let mut chars = last.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn hash_of(value: impl Hash) -> u64 {
    let mut hasher = fingerprint_hasher();
    value.hash(&mut hasher);
    hasher.finish()
}

impl<'a> BookPages<'a> {
    /// The pages of the rendered book, whose cross-references (who cites
    /// each source paragraph, who mentions each term, who links to each
    /// event) are `xref`.
    pub fn new(
        book: &'a Book,
        fragments: Fragments<'a>,
        xref: &'a CrossReferences,
    ) -> BookPages<'a> {
        let note_keys = book
            .notes
            .iter()
            .map(|n| hash_of(note_link_key(n)))
            .collect();
        BookPages {
            book,
            fragments,
            note_keys,
            xref,
            not_found_root: None,
        }
    }

    /// Makes the notes' pages from `notes` instead: the same renderings,
    /// some of them whole again where the kept one let go of its page
    /// ([`Rendered::without_page`]).
    pub fn use_notes(&mut self, notes: &'a [std::sync::Arc<Rendered>]) {
        debug_assert_eq!(notes.len(), self.fragments.notes.len());
        self.fragments.notes = notes;
    }

    /// Who refers to what: for the print edition and the editor's report,
    /// which show the same cross-references as the pages.
    pub fn xref(&self) -> &'a CrossReferences {
        self.xref
    }

    /// The renderings the pages are made from.
    pub fn fragments(&self) -> Fragments<'a> {
        self.fragments
    }

    /// What other pages call a referrer.
    fn title(&self, referrer: Referrer) -> String {
        match referrer {
            Referrer::Note(i) => self.book.notes[i].title.clone(),
            Referrer::Intro => "Introduction".into(),
            Referrer::Term(i) => format!("Glossary: {}", self.book.glossary.terms[i].name),
            Referrer::Event(i) => format!("Chronology: {}", self.book.chronology.events[i].title),
        }
    }

    /// The page a referrer stands on.
    fn page_of(&self, referrer: Referrer) -> &str {
        match referrer {
            Referrer::Note(i) => &self.book.notes[i].page,
            Referrer::Intro => "index.html",
            Referrer::Term(_) => "glossary.html",
            Referrer::Event(_) => "chronology.html",
        }
    }

    /// A link to a referrer from the glossary or chronology page (both at
    /// the root): events by their anchor.
    fn mention_link(&self, referrer: Referrer) -> Link {
        let url = match referrer {
            Referrer::Event(i) => format!("chronology.html#{}", self.book.chronology.events[i].id),
            other => self.page_of(other).to_string(),
        };
        Link {
            title: self.title(referrer),
            url,
        }
    }

    /// A hash of what pages show of a referrer, for fingerprints.
    fn key(&self, referrer: Referrer) -> u64 {
        match referrer {
            Referrer::Note(i) => self.note_keys[i],
            Referrer::Intro => 1,
            Referrer::Term(i) => hash_of((2, &self.book.glossary.terms[i].name)),
            Referrer::Event(i) => hash_of((
                3,
                &self.book.chronology.events[i].title,
                &self.book.chronology.events[i].id,
            )),
        }
    }

    /// Every page of the site.
    pub fn all(&self) -> Vec<Page> {
        let mut pages = vec![
            Page::Index,
            Page::Sources,
            Page::Glossary,
            Page::Chronology,
            Page::NotFound,
        ];
        pages.extend((0..self.book.notes.len()).map(Page::Note));
        pages.extend((0..self.book.sources.sources.len()).map(Page::Source));
        pages
    }

    /// The pages whose fingerprint may differ once the notes `changed` (by
    /// index, with their renderings from before) were rendered again, when
    /// nothing else changed: those notes' pages, the sources they cite or
    /// cited, the list of sources, and the glossary and chronology if the
    /// terms they mention or the events they link to are not the same.
    /// Every other page's fingerprint reads nothing that changed.
    pub fn affected_by(&self, changed: &[(usize, &Rendered)]) -> Vec<Page> {
        let mut sources = Vec::new();
        let (mut glossary, mut chronology) = (false, false);
        let mut pages = vec![Page::Sources];
        for &(i, before) in changed {
            pages.push(Page::Note(i));
            let Some(after) = self.fragments.notes.get(i) else {
                continue;
            };
            sources.extend(
                before
                    .citations
                    .iter()
                    .chain(&after.citations)
                    .map(|c| c.cite.source),
            );
            glossary |= sorted(&before.terms) != sorted(&after.terms);
            chronology |= linked_events(before) != linked_events(after);
        }
        sources.sort_unstable();
        sources.dedup();
        let count = self.book.sources.sources.len();
        pages.extend(sources.into_iter().filter(|&s| s < count).map(Page::Source));
        pages.extend(glossary.then_some(Page::Glossary));
        pages.extend(chronology.then_some(Page::Chronology));
        pages
    }

    /// Where a page is written.
    pub fn path(&self, page: Page) -> String {
        match page {
            Page::Index => "index.html".into(),
            Page::Note(i) => self.book.notes[i].page.clone(),
            Page::Sources => "sources/index.html".into(),
            Page::Source(i) => format!("sources/{}.html", self.book.sources.sources[i].id),
            Page::Glossary => "glossary.html".into(),
            Page::Chronology => "chronology.html".into(),
            Page::NotFound => "404.html".into(),
        }
    }

    /// A hash of everything the page's template gets, besides the theme and
    /// the book's settings (which the caller adds). `generations` says which
    /// rendered fragments changed: (note generations, intro, glossary,
    /// chronology, sources).
    pub fn fingerprint(&self, page: Page, generations: &Generations) -> u64 {
        let mut h = fingerprint_hasher();
        page.hash(&mut h);
        match page {
            Page::Note(i) => {
                let note = &self.book.notes[i];
                generations.notes.get(&note.path).hash(&mut h);
                note.shown.hash(&mut h);
                i.checked_sub(1)
                    .map(|p| note_link_key(&self.book.notes[p]))
                    .hash(&mut h);
                self.book.notes.get(i + 1).map(note_link_key).hash(&mut h);
            }
            Page::Index => {
                generations.intro.hash(&mut h);
                for note in &self.book.notes {
                    (&note.title, &note.page, &note.summary).hash(&mut h);
                }
                (
                    self.book.sources.sources.len(),
                    self.book.glossary.terms.len(),
                    self.book.chronology.events.len(),
                )
                    .hash(&mut h);
            }
            Page::Source(i) => {
                generations.sources.hash(&mut h);
                for (referrer, c) in self.xref.citations_of(i, self.fragments()) {
                    (self.key(referrer), c.number, c.fingerprint).hash(&mut h);
                }
            }
            Page::Sources => {
                generations.sources.hash(&mut h);
                for list in &self.xref.citations {
                    list.len().hash(&mut h);
                }
            }
            Page::Glossary => {
                generations.glossary.hash(&mut h);
                for list in &self.xref.term_mentions {
                    list.len().hash(&mut h);
                    for referrer in list {
                        self.key(*referrer).hash(&mut h);
                    }
                }
            }
            Page::Chronology => {
                generations.chronology.hash(&mut h);
                let mut mentions: Vec<_> = self.xref.event_mentions.iter().collect();
                mentions.sort_unstable_by_key(|(id, _)| id.as_str());
                for (id, notes) in mentions {
                    id.hash(&mut h);
                    for &i in notes {
                        self.note_keys[i].hash(&mut h);
                    }
                }
            }
            Page::NotFound => {}
        }
        h.finish()
    }

    fn context(&self, page: &str, section: &str) -> tera::Context {
        base_context(self.book, page, section)
    }

    /// Renders a page through its template.
    pub fn render(&self, page: Page, theme: &Theme) -> Result<Vec<u8>, Diagnostic> {
        let path = self.path(page);
        match page {
            Page::Note(i) => self.note(i, theme),
            Page::Index => self.index(theme),
            Page::Source(i) => {
                let mut context = self.context(&path, "sources");
                context.insert(
                    "source",
                    &self.source_context(i, &self.book.sources.sources[i], false),
                );
                theme.render_bytes("source.html", &context, 0)
            }
            Page::Sources => {
                let mut context = self.context(&path, "sources");
                let sources: Vec<SourceContext> = self
                    .book
                    .sources
                    .sources
                    .iter()
                    .enumerate()
                    .map(|(i, s)| self.source_context(i, s, true))
                    .collect();
                context.insert("sources", &sources);
                theme.render_bytes("sources.html", &context, 0)
            }
            Page::Glossary => self.glossary_page(theme),
            Page::Chronology => self.chronology_page(theme),
            Page::NotFound => {
                let mut context = self.context(&path, "404");
                let site_root = self.book.config.site_url.as_ref().map(|url| url.path());
                if let Some(root) = self.not_found_root.or(site_root) {
                    context.insert("root", root);
                }
                theme.render_bytes("404.html", &context, 0)
            }
        }
    }

    fn note(&self, i: usize, theme: &Theme) -> Result<Vec<u8>, Diagnostic> {
        let rendered = &self.fragments.notes[i];
        debug_assert!(
            !rendered.page_dropped,
            "{}: a page without its HTML",
            self.book.notes[i].path
        );
        note_page(self.book, i, rendered, theme)
    }

    fn index(&self, theme: &Theme) -> Result<Vec<u8>, Diagnostic> {
        let mut context = self.context("index.html", "index");
        match self.fragments.intro {
            Some(r) => {
                context.insert("intro", &r.html);
                context.insert("footnotes", &r.footnotes);
                context.insert("headings", &r.headings);
            }
            None => {
                context.insert("intro", "");
                context.insert("footnotes", &Vec::<Footnote>::new());
                context.insert("headings", &Vec::<String>::new());
            }
        }
        context.insert(
            "intro_has_title",
            &self.book.intro.as_ref().is_some_and(|n| n.title_in_body),
        );
        let mut sections: Vec<TocSection> = Vec::new();
        for note in &self.book.notes {
            let name = note.section().map(section_title);
            if sections.last().is_none_or(|s| s.name != name) {
                sections.push(TocSection {
                    name: name.clone(),
                    notes: Vec::new(),
                });
            }
            if let Some(section) = sections.last_mut() {
                section.notes.push(TocNote {
                    title: &note.title,
                    url: &note.page,
                    summary: note.summary.as_deref(),
                });
            }
        }
        context.insert("toc", &sections);
        let mut counts = HashMap::new();
        counts.insert("sources", self.book.sources.sources.len());
        counts.insert("terms", self.book.glossary.terms.len());
        counts.insert("events", self.book.chronology.events.len());
        counts.insert("notes", self.book.notes.len());
        context.insert("counts", &counts);
        theme.render_bytes("index.html", &context, 0)
    }

    /// The template data of a source page; `summary` leaves out the
    /// paragraphs (for the list of sources).
    fn source_context<'s>(
        &self,
        index: usize,
        source: &'s Source,
        summary: bool,
    ) -> SourceContext<'s> {
        let page = format!("sources/{}.html", source.id);
        let citations = self.xref.citations_of(index, self.fragments());
        let mut per_paragraph: Vec<Vec<Backlink>> = Vec::new();
        let mut quoted: Vec<Vec<std::ops::Range<usize>>> = Vec::new();
        let mut whole = Vec::new();
        if !summary {
            per_paragraph = vec![Vec::new(); source.paragraphs.len()];
            quoted = vec![Vec::new(); source.paragraphs.len()];
            for (referrer, c) in citations {
                let (title, citing_page) = (self.title(referrer), self.page_of(referrer));
                for q in &c.cite.quotes {
                    quoted[q.paragraph].extend(q.pieces.iter().cloned());
                }
                let quote = c
                    .cite
                    .quotes
                    .iter()
                    .map(|q| q.words(source))
                    .collect::<Vec<_>>()
                    .join(" / ");
                let link = Backlink {
                    title: title.clone(),
                    url: format!("{}#{}", relative_url(&page, citing_page), c.marker_id),
                    number: c.number,
                    quote,
                };
                match c.cite.paragraphs() {
                    Some((first, last)) => {
                        for cited in &mut per_paragraph[first..=last] {
                            cited.push(link.clone());
                        }
                    }
                    None => whole.push(link),
                }
            }
        }
        let paragraphs = if summary {
            Vec::new()
        } else {
            source
                .paragraphs
                .iter()
                .enumerate()
                .map(|(i, p)| ParagraphContext {
                    number: i + 1,
                    html: crate::html::mark_ranges(&p.text, &mut quoted[i]),
                    cited_by: group_backlinks(std::mem::take(&mut per_paragraph[i])),
                })
                .collect()
        };
        SourceContext {
            id: &source.id,
            title: &source.title,
            outlet: source.outlet.as_deref(),
            authors: &source.authors,
            published: source.published.map(|d| d.to_string()),
            published_label: source.published.map(|d| d.human()),
            url: source.url.as_deref(),
            language: source.language.as_deref(),
            note: source.note.as_deref(),
            paragraph_count: source.paragraphs.len(),
            citation_count: self.xref.citations.get(index).map_or(0, Vec::len),
            whole,
            paragraphs,
        }
    }

    fn glossary_page(&self, theme: &Theme) -> Result<Vec<u8>, Diagnostic> {
        #[derive(Serialize)]
        struct TermContext<'t> {
            id: &'t str,
            name: &'t str,
            aliases: &'t [String],
            kind: Option<&'t str>,
            definition: &'t str,
            see_also: Vec<Link>,
            mentions: Vec<Link>,
        }
        #[derive(Serialize)]
        struct Letter<'t> {
            letter: String,
            anchor: String,
            terms: Vec<TermContext<'t>>,
        }
        let glossary = &self.book.glossary;
        let mut letters: Vec<Letter> = Vec::new();
        let mut footnotes: Vec<&Footnote> = Vec::new();
        let mut kinds: Vec<&str> = Vec::new();
        for (i, (term, r)) in glossary
            .terms
            .iter()
            .zip(self.fragments.glossary)
            .enumerate()
        {
            let (letter, anchor) = glossary_letter(&term.name);
            if letters.last().is_none_or(|l| l.letter != letter) {
                letters.push(Letter {
                    letter: letter.clone(),
                    anchor,
                    terms: Vec::new(),
                });
            }
            if let Some(kind) = &term.kind {
                if !kinds.contains(&kind.as_str()) {
                    kinds.push(kind);
                }
            }
            footnotes.extend(&r.footnotes);
            let see_also = term
                .see_also
                .iter()
                .filter_map(|(id, _)| glossary.by_id(id))
                .map(|j| Link {
                    title: glossary.terms[j].name.clone(),
                    url: glossary.terms[j].id.clone(),
                })
                .collect();
            if let Some(l) = letters.last_mut() {
                l.terms.push(TermContext {
                    id: &term.id,
                    name: &term.name,
                    aliases: &term.aliases,
                    kind: term.kind.as_deref(),
                    definition: &r.html,
                    see_also,
                    mentions: self.xref.term_mentions[i]
                        .iter()
                        .map(|r| self.mention_link(*r))
                        .collect(),
                });
            }
        }
        kinds.sort_unstable();
        let mut context = self.context("glossary.html", "glossary");
        context.insert("letters", &letters);
        context.insert("terms", &!glossary.terms.is_empty());
        context.insert("kinds", &kinds);
        context.insert("footnotes", &footnotes);
        theme.render_bytes("glossary.html", &context, 0)
    }

    fn chronology_page(&self, theme: &Theme) -> Result<Vec<u8>, Diagnostic> {
        #[derive(Serialize)]
        struct EventContext<'t> {
            id: &'t str,
            datetime: String,
            date_label: String,
            title: &'t str,
            body: &'t str,
            mentions: Vec<Link>,
        }
        #[derive(Serialize)]
        struct Year<'t> {
            year: u16,
            events: Vec<EventContext<'t>>,
        }
        let mut years: Vec<Year> = Vec::new();
        let mut footnotes: Vec<&Footnote> = Vec::new();
        for (event, r) in self
            .book
            .chronology
            .events
            .iter()
            .zip(self.fragments.chronology)
        {
            if years.last().is_none_or(|y| y.year != event.date.year) {
                years.push(Year {
                    year: event.date.year,
                    events: Vec::new(),
                });
            }
            footnotes.extend(&r.footnotes);
            if let Some(y) = years.last_mut() {
                y.events.push(EventContext {
                    id: &event.id,
                    datetime: event.date.to_string(),
                    date_label: event.date_label(),
                    title: &event.title,
                    body: &r.html,
                    mentions: self
                        .xref
                        .event_mentions
                        .get(event.id.as_str())
                        .map(|notes| {
                            notes
                                .iter()
                                .map(|&i| self.mention_link(Referrer::Note(i)))
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }
        let mut context = self.context("chronology.html", "chronology");
        context.insert("years", &years);
        context.insert("footnotes", &footnotes);
        theme.render_bytes("chronology.html", &context, 0)
    }
}

/// The letter a glossary term is listed under (its first letter or digit,
/// upper-cased; `#` for digits and names without either) and that letter's
/// anchor on the glossary page.
pub fn glossary_letter(name: &str) -> (String, String) {
    let letter: String = name
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| {
            if c.is_ascii_digit() {
                "#".to_string()
            } else {
                c.to_uppercase().collect()
            }
        })
        .unwrap_or_else(|| "#".into());
    let anchor = if letter == "#" {
        "0-9".to_string()
    } else {
        slugify(&letter)
    };
    (letter, anchor)
}

/// The data every template gets: the book's settings, the relative root,
/// the page's path and its section of the site.
pub(crate) fn base_context(book: &Book, page: &str, section: &str) -> tera::Context {
    let config = &book.config;
    let mut context = tera::Context::new();
    context.insert("book", &BookContext::new(config));
    context.insert("root", &root_prefix(page));
    context.insert("page", page);
    context.insert("section", section);
    context
}

/// A note's page. It depends only on the note's own rendering and its
/// neighbours' titles, so a build can write it as soon as the note is
/// rendered.
pub fn note_page(
    book: &Book,
    i: usize,
    rendered: &Rendered,
    theme: &Theme,
) -> Result<Vec<u8>, Diagnostic> {
    let note = &book.notes[i];
    let mut context = base_context(book, &note.page, "note");
    let link_to = |other: &Note| Link {
        title: other.title.clone(),
        url: relative_url(&note.page, &other.page),
    };
    context.insert(
        "note",
        &NoteContext {
            title: &note.title,
            title_in_body: note.title_in_body,
            summary: note.summary.as_deref(),
            date: note.date.map(|d| d.to_string()),
            date_label: note.date.map(|d| d.human()),
            tags: &note.tags,
            path: &note.path,
        },
    );
    context.insert("content", &rendered.html);
    context.insert("footnotes", &rendered.footnotes);
    context.insert("headings", &rendered.headings);
    context.insert("prev", &i.checked_sub(1).map(|p| link_to(&book.notes[p])));
    context.insert("next", &book.notes.get(i + 1).map(link_to));
    // The page is about its Markdown and footnotes, and some 4 KB of frame.
    let size = rendered.html.len()
        + rendered
            .footnotes
            .iter()
            .map(|f| f.html.len())
            .sum::<usize>()
        + 4096;
    theme.render_bytes("note.html", &context, size)
}

/// The hasher of page fingerprints (see [`crate::fingerprint`]).
fn fingerprint_hasher() -> ahash::AHasher {
    crate::fingerprint::hasher().build_hasher()
}

/// What changed since pages were last rendered: a generation number per
/// rendered fragment, bumped whenever it is rendered again.
#[derive(Debug, Default, Clone)]
pub struct Generations {
    /// Each note's rendering, by path under `content/`.
    pub notes: FastMap<String, u64>,
    /// The introduction's.
    pub intro: u64,
    /// The glossary definitions'.
    pub glossary: u64,
    /// The chronology bodies'.
    pub chronology: u64,
    /// The sources' text and metadata.
    pub sources: u64,
}

/// Each note's path and what other pages show of it, hashed, in reading
/// order: while these and the notes' renderings are the same, so is every
/// page made from them.
pub(crate) fn note_keys(book: &Book) -> Vec<u64> {
    book.notes.iter().map(|n| n.shown).collect()
}

/// `items` sorted, each once.
fn sorted(items: &[usize]) -> Vec<usize> {
    let mut items = items.to_vec();
    items.sort_unstable();
    items.dedup();
    items
}

/// The ids of the events `rendered` links to, sorted, each once.
fn linked_events(rendered: &Rendered) -> Vec<&str> {
    let mut ids: Vec<&str> = crate::xref::linked_events(rendered).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn note_link_key(note: &Note) -> (&str, &str) {
    (&note.title, &note.page)
}

/// A hash of the book's settings and theme, shared by every page.
pub fn settings_fingerprint(book: &Book, theme_generation: u64) -> u64 {
    let c = &book.config;
    hash_of((
        &c.title,
        &c.subtitle,
        &c.authors,
        &c.language,
        &c.theme,
        &c.description,
        &c.site_url,
        theme_generation,
    ))
}
