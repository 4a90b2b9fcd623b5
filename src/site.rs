//! The pipeline: load -> resolve and render -> check links -> pages -> write.
//!
//! [`build`] reads as the list of steps it takes. Nothing is written unless
//! the whole book rendered without an error, so a failed build leaves the
//! previous output exactly as it was.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::autolink::Autolinker;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceMap, did_you_mean};
use crate::highlight;
use crate::html::{escape, root_prefix};
use crate::load::{Book, load};
use crate::markdown::{
    self, CitationUse, Footnote, Fragment, Heading, InternalLink, RenderEnv, Rendered,
};
use crate::output;
use crate::resolve::CiteTarget;
use crate::theme::Theme;

/// What to build and where.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The book's folder.
    pub root: PathBuf,
    /// Where to write the site; default: `output_dir` of `book.toml`.
    pub output: Option<PathBuf>,
    /// Include notes marked `draft = true`.
    pub drafts: bool,
}

/// A generated site, in memory: output path -> bytes, sorted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Site {
    /// Every file of the site.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// What a build produced.
pub struct Outcome {
    /// Every file read, to render diagnostics.
    pub files: SourceMap,
    /// Every error and warning.
    pub diagnostics: Diagnostics,
    /// The site, if there was no error.
    pub site: Option<Site>,
    /// Where the site was (or would have been) written.
    pub output_dir: PathBuf,
    /// Counts for the summary line.
    pub stats: Stats,
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Notes rendered.
    pub notes: usize,
    /// Sources.
    pub sources: usize,
    /// Citations checked.
    pub citations: usize,
    /// Quotations verified.
    pub quotations: usize,
    /// Files in the site.
    pub files: usize,
}

/// Loads, resolves and renders a book without writing anything.
pub fn render_book(options: &BuildOptions) -> Outcome {
    let (book, mut diagnostics) = load(&options.root, options.drafts);
    let output_dir = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join(&book.config.output_dir));
    let theme = match Theme::load(&book.root, &book.config.theme) {
        Ok(theme) => Some(theme),
        Err(errors) => {
            diagnostics.extend(errors);
            None
        }
    };
    let mut stats = Stats {
        notes: book.notes.len(),
        sources: book.sources.sources.len(),
        ..Stats::default()
    };
    let site = theme.and_then(|theme| {
        let (site, page_diagnostics, counted) = render_site(&book, &theme);
        diagnostics.extend(page_diagnostics);
        stats.citations = counted.0;
        stats.quotations = counted.1;
        site
    });
    let site = if diagnostics.has_errors() { None } else { site };
    stats.files = site.as_ref().map_or(0, |s| s.files.len());
    Outcome {
        files: book.files,
        diagnostics,
        site,
        output_dir,
        stats,
    }
}

/// Builds a book and, if it has no error, writes it atomically.
pub fn build(options: &BuildOptions) -> Outcome {
    let mut outcome = render_book(options);
    if let Some(site) = &outcome.site {
        if let Err(e) = output::write_atomically(site, &outcome.output_dir) {
            outcome.diagnostics.push(Diagnostic::global(format!(
                "cannot write the site to {}: {e}",
                outcome.output_dir.display()
            )));
            outcome.site = None;
        }
    }
    outcome
}

/// A note page's rendered body and where it sits.
struct RenderedNote {
    rendered: Rendered,
}

#[derive(Serialize)]
struct BookContext<'a> {
    title: &'a str,
    subtitle: Option<&'a str>,
    description: Option<&'a str>,
    language: &'a str,
    authors: &'a [String],
}

#[derive(Serialize, Clone)]
struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct TocNote {
    title: String,
    url: String,
    summary: Option<String>,
}

#[derive(Serialize)]
struct TocSection {
    name: Option<String>,
    notes: Vec<TocNote>,
}

#[derive(Serialize, Clone)]
struct Backlink {
    title: String,
    url: String,
    number: usize,
    quote: String,
}

#[derive(Serialize)]
struct ParagraphContext {
    number: usize,
    html: String,
    cited_by: Vec<Backlink>,
}

#[derive(Serialize)]
struct SourceContext {
    id: String,
    title: String,
    outlet: Option<String>,
    authors: Vec<String>,
    published: Option<String>,
    published_label: Option<String>,
    url: Option<String>,
    language: Option<String>,
    note: Option<String>,
    paragraph_count: usize,
    citation_count: usize,
    whole: Vec<Backlink>,
    paragraphs: Vec<ParagraphContext>,
}

/// A page whose citations point into sources, for backlinks.
struct CitingPage<'a> {
    title: String,
    page: String,
    citations: &'a [CitationUse],
}

/// Renders every page. Returns the site (if no error), the diagnostics, and
/// (citations, quotations) counted.
fn render_site(book: &Book, theme: &Theme) -> (Option<Site>, Vec<Diagnostic>, (usize, usize)) {
    let mut diagnostics = Vec::new();
    let autolinker = if book.config.autolink_glossary {
        Autolinker::new(&book.glossary)
    } else {
        None
    };
    let env = RenderEnv {
        sources: &book.sources,
        glossary: &book.glossary,
        chronology: &book.chronology,
        autolink: autolinker.as_ref(),
    };

    // 1. Markdown of every note, in parallel.
    let notes: Vec<RenderedNote> = book
        .notes
        .par_iter()
        .map(|note| {
            let text = book.files.text(note.file);
            let base_dir = note.section().unwrap_or("");
            let rendered = markdown::render(
                &env,
                &Fragment {
                    file: note.file,
                    text: &text[note.body.clone()],
                    offset: note.body_offset,
                    page: &note.page,
                    base_dir,
                    first_footnote: 1,
                    autolink: true,
                },
            );
            RenderedNote { rendered }
        })
        .collect();
    let intro = book.intro.as_ref().map(|note| {
        let text = book.files.text(note.file);
        markdown::render(
            &env,
            &Fragment {
                file: note.file,
                text: &text[note.body.clone()],
                offset: note.body_offset,
                page: "index.html",
                base_dir: "",
                first_footnote: 1,
                autolink: true,
            },
        )
    });

    // 2. Glossary definitions and chronology bodies, numbered per page.
    let mut glossary_rendered = Vec::with_capacity(book.glossary.terms.len());
    let mut next = 1;
    for term in &book.glossary.terms {
        let Some(file) = book.glossary.file else {
            break;
        };
        let r = markdown::render(
            &env,
            &Fragment {
                file,
                text: &term.definition,
                offset: term.definition_offset,
                page: "glossary.html",
                base_dir: "",
                first_footnote: next,
                autolink: false,
            },
        );
        next += r.footnotes.len();
        glossary_rendered.push(r);
    }
    let mut chronology_rendered = Vec::with_capacity(book.chronology.events.len());
    let mut next = 1;
    for event in &book.chronology.events {
        let Some(file) = book.chronology.file else {
            break;
        };
        let r = markdown::render(
            &env,
            &Fragment {
                file,
                text: &event.body,
                offset: event.body_offset,
                page: "chronology.html",
                base_dir: "",
                first_footnote: next,
                autolink: false,
            },
        );
        next += r.footnotes.len();
        chronology_rendered.push(r);
    }

    let all_rendered = || {
        notes
            .iter()
            .map(|n| &n.rendered)
            .chain(intro.iter())
            .chain(glossary_rendered.iter())
            .chain(chronology_rendered.iter())
    };
    for r in all_rendered() {
        diagnostics.extend(r.diagnostics.iter().cloned());
    }

    // 3. Links between pages.
    let mut anchors: HashMap<String, HashSet<String>> = HashMap::new();
    for (note, r) in book.notes.iter().zip(&notes) {
        anchors.insert(
            note.path.clone(),
            r.rendered.headings.iter().map(|h| h.id.clone()).collect(),
        );
    }
    anchors.insert(
        "index.md".into(),
        intro
            .as_ref()
            .map(|r| r.headings.iter().map(|h| h.id.clone()).collect())
            .unwrap_or_default(),
    );
    anchors
        .entry("glossary.md".into())
        .or_insert_with(|| book.glossary.terms.iter().map(|t| t.id.clone()).collect());
    anchors.entry("chronology.md".into()).or_insert_with(|| {
        book.chronology
            .events
            .iter()
            .map(|e| e.id.clone())
            .collect()
    });
    for r in all_rendered() {
        for link in &r.links {
            if let Some(d) = check_link(link, &anchors) {
                diagnostics.push(d);
            }
        }
    }

    let citations: usize = all_rendered().map(|r| r.citations.len()).sum();
    let quotations: usize = all_rendered()
        .flat_map(|r| &r.citations)
        .filter(|c| matches!(c.cite.target, CiteTarget::Quote { .. }))
        .count();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return (None, diagnostics, (citations, quotations));
    }

    // 4. Backlinks: who cites each source paragraph, mentions each term, links each event.
    let mut citing: Vec<CitingPage<'_>> = book
        .notes
        .iter()
        .zip(&notes)
        .map(|(n, r)| CitingPage {
            title: n.title.clone(),
            page: n.page.clone(),
            citations: &r.rendered.citations,
        })
        .collect();
    if let Some(r) = &intro {
        citing.push(CitingPage {
            title: "Introduction".into(),
            page: "index.html".into(),
            citations: &r.citations,
        });
    }
    for (term, r) in book.glossary.terms.iter().zip(&glossary_rendered) {
        citing.push(CitingPage {
            title: format!("Glossary: {}", term.name),
            page: "glossary.html".into(),
            citations: &r.citations,
        });
    }
    for (event, r) in book.chronology.events.iter().zip(&chronology_rendered) {
        citing.push(CitingPage {
            title: format!("Chronology: {}", event.title),
            page: "chronology.html".into(),
            citations: &r.citations,
        });
    }

    let mut term_mentions: Vec<Vec<Link>> = vec![Vec::new(); book.glossary.terms.len()];
    let mut mention = |term: usize, title: &str, url: String| {
        let list = &mut term_mentions[term];
        if !list.iter().any(|l| l.url == url) {
            list.push(Link {
                title: title.to_string(),
                url,
            });
        }
    };
    for (note, r) in book.notes.iter().zip(&notes) {
        for &t in &r.rendered.terms {
            mention(t, &note.title, note.page.clone());
        }
    }
    if let Some(r) = &intro {
        for &t in &r.terms {
            mention(t, "Introduction", "index.html".into());
        }
    }
    for (event, r) in book.chronology.events.iter().zip(&chronology_rendered) {
        for &t in &r.terms {
            mention(
                t,
                &format!("Chronology: {}", event.title),
                format!("chronology.html#{}", event.id),
            );
        }
    }
    let mut event_mentions: HashMap<&str, Vec<Link>> = HashMap::new();
    for (note, r) in book.notes.iter().zip(&notes) {
        for link in &r.rendered.links {
            if link.target == "chronology.md" {
                if let Some(id) = &link.fragment {
                    let list = event_mentions.entry(id.as_str()).or_default();
                    if !list.iter().any(|l| l.url == note.page) {
                        list.push(Link {
                            title: note.title.clone(),
                            url: note.page.clone(),
                        });
                    }
                }
            }
        }
    }

    // 5. Pages, in parallel.
    let book_context = BookContext {
        title: &book.config.title,
        subtitle: book.config.subtitle.as_deref(),
        description: book.config.description.as_deref(),
        language: &book.config.language,
        authors: &book.config.authors,
    };
    let base_context = |page: &str, section: &str| {
        let mut context = tera::Context::new();
        context.insert("book", &book_context);
        context.insert("root", &root_prefix(page));
        context.insert("page", page);
        context.insert("section", section);
        context
    };

    let mut pages: Vec<(String, Result<String, Diagnostic>)> = Vec::new();

    // Notes.
    let note_pages: Vec<(String, Result<String, Diagnostic>)> = book
        .notes
        .par_iter()
        .enumerate()
        .map(|(i, note)| {
            let r = &notes[i].rendered;
            let mut context = base_context(&note.page, "note");
            let link_to = |other: &crate::note::Note| Link {
                title: other.title.clone(),
                url: relative_url(&note.page, &other.page),
            };
            context.insert("note", &NoteContext::new(note));
            context.insert("content", &r.html);
            context.insert("footnotes", &r.footnotes);
            context.insert("headings", &r.headings);
            context.insert("prev", &i.checked_sub(1).map(|p| link_to(&book.notes[p])));
            context.insert("next", &book.notes.get(i + 1).map(link_to));
            (note.page.clone(), theme.render("note.html", &context))
        })
        .collect();
    pages.extend(note_pages);

    // Index.
    {
        let mut context = base_context("index.html", "index");
        let (intro_html, intro_footnotes, intro_headings): (&str, &[Footnote], &[Heading]) =
            match &intro {
                Some(r) => (&r.html, &r.footnotes, &r.headings),
                None => ("", &[], &[]),
            };
        context.insert("intro", intro_html);
        context.insert(
            "intro_has_title",
            &book.intro.as_ref().is_some_and(|n| n.title_in_body),
        );
        context.insert("footnotes", intro_footnotes);
        context.insert("headings", intro_headings);
        let mut sections: Vec<TocSection> = Vec::new();
        for note in &book.notes {
            let name = note.section().map(section_title);
            if sections.last().is_none_or(|s| s.name != name) {
                sections.push(TocSection {
                    name: name.clone(),
                    notes: Vec::new(),
                });
            }
            if let Some(section) = sections.last_mut() {
                section.notes.push(TocNote {
                    title: note.title.clone(),
                    url: note.page.clone(),
                    summary: note.summary.clone(),
                });
            }
        }
        context.insert("toc", &sections);
        let mut counts = HashMap::new();
        counts.insert("sources", book.sources.sources.len());
        counts.insert("terms", book.glossary.terms.len());
        counts.insert("events", book.chronology.events.len());
        counts.insert("notes", book.notes.len());
        context.insert("counts", &counts);
        pages.push(("index.html".into(), theme.render("index.html", &context)));
    }

    // Sources.
    let source_contexts: Vec<SourceContext> = book
        .sources
        .sources
        .iter()
        .enumerate()
        .map(|(index, source)| source_context(index, source, &citing))
        .collect();
    for source in &source_contexts {
        let page = format!("sources/{}.html", source.id);
        let mut context = base_context(&page, "sources");
        context.insert("source", source);
        pages.push((page, theme.render("source.html", &context)));
    }
    {
        let mut context = base_context("sources/index.html", "sources");
        context.insert("sources", &source_contexts);
        pages.push((
            "sources/index.html".into(),
            theme.render("sources.html", &context),
        ));
    }

    // Glossary.
    {
        #[derive(Serialize)]
        struct TermContext {
            id: String,
            name: String,
            aliases: Vec<String>,
            kind: Option<String>,
            definition: String,
            see_also: Vec<Link>,
            mentions: Vec<Link>,
        }
        #[derive(Serialize)]
        struct Letter {
            letter: String,
            anchor: String,
            terms: Vec<TermContext>,
        }
        let mut letters: Vec<Letter> = Vec::new();
        let mut footnotes: Vec<Footnote> = Vec::new();
        let mut kinds: Vec<String> = Vec::new();
        for (i, (term, r)) in book
            .glossary
            .terms
            .iter()
            .zip(&glossary_rendered)
            .enumerate()
        {
            let letter: String = term
                .name
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
            if letters.last().is_none_or(|l| l.letter != letter) {
                let anchor = if letter == "#" {
                    "0-9".to_string()
                } else {
                    crate::slug::slugify(&letter)
                };
                letters.push(Letter {
                    letter: letter.clone(),
                    anchor,
                    terms: Vec::new(),
                });
            }
            if let Some(kind) = &term.kind {
                if !kinds.contains(kind) {
                    kinds.push(kind.clone());
                }
            }
            footnotes.extend(r.footnotes.iter().cloned());
            let see_also = term
                .see_also
                .iter()
                .filter_map(|(id, _)| book.glossary.by_id(id))
                .map(|j| Link {
                    title: book.glossary.terms[j].name.clone(),
                    url: book.glossary.terms[j].id.clone(),
                })
                .collect::<Vec<_>>();
            let entry = TermContext {
                id: term.id.clone(),
                name: term.name.clone(),
                aliases: term.aliases.clone(),
                kind: term.kind.clone(),
                definition: r.html.clone(),
                see_also,
                mentions: term_mentions[i].clone(),
            };
            if let Some(l) = letters.last_mut() {
                l.terms.push(entry);
            }
        }
        kinds.sort();
        let mut context = base_context("glossary.html", "glossary");
        context.insert("letters", &letters);
        context.insert("terms", &!book.glossary.terms.is_empty());
        context.insert("kinds", &kinds);
        context.insert("footnotes", &footnotes);
        pages.push((
            "glossary.html".into(),
            theme.render("glossary.html", &context),
        ));
    }

    // Chronology.
    {
        #[derive(Serialize)]
        struct EventContext {
            id: String,
            datetime: String,
            date_label: String,
            title: String,
            body: String,
            mentions: Vec<Link>,
        }
        #[derive(Serialize)]
        struct Year {
            year: u16,
            events: Vec<EventContext>,
        }
        let mut years: Vec<Year> = Vec::new();
        let mut footnotes: Vec<Footnote> = Vec::new();
        for (event, r) in book.chronology.events.iter().zip(&chronology_rendered) {
            if years.last().is_none_or(|y| y.year != event.date.year) {
                years.push(Year {
                    year: event.date.year,
                    events: Vec::new(),
                });
            }
            footnotes.extend(r.footnotes.iter().cloned());
            let entry = EventContext {
                id: event.id.clone(),
                datetime: event.date.to_string(),
                date_label: event.date_label(),
                title: event.title.clone(),
                body: r.html.clone(),
                mentions: event_mentions
                    .get(event.id.as_str())
                    .cloned()
                    .unwrap_or_default(),
            };
            if let Some(y) = years.last_mut() {
                y.events.push(entry);
            }
        }
        let mut context = base_context("chronology.html", "chronology");
        context.insert("years", &years);
        context.insert("footnotes", &footnotes);
        pages.push((
            "chronology.html".into(),
            theme.render("chronology.html", &context),
        ));
    }

    pages.push((
        "404.html".into(),
        theme.render("404.html", &base_context("404.html", "404")),
    ));

    let mut site = Site::default();
    for (path, bytes) in &theme.static_files {
        site.files.insert(path.clone(), bytes.clone());
    }
    site.files
        .insert("highlight.css".into(), highlight::stylesheet().into_bytes());
    for (path, result) in pages {
        match result {
            Ok(html) => {
                site.files.insert(path, html.into_bytes());
            }
            Err(d) => diagnostics.push(d),
        }
    }
    let ok = !diagnostics.iter().any(Diagnostic::is_error);
    (ok.then_some(site), diagnostics, (citations, quotations))
}

/// The note's front matter for templates.
#[derive(Serialize)]
struct NoteContext {
    title: String,
    title_in_body: bool,
    summary: Option<String>,
    date: Option<String>,
    date_label: Option<String>,
    tags: Vec<String>,
    path: String,
}

impl NoteContext {
    fn new(note: &crate::note::Note) -> NoteContext {
        NoteContext {
            title: note.title.clone(),
            title_in_body: note.title_in_body,
            summary: note.summary.clone(),
            date: note.date.map(|d| d.to_string()),
            date_label: note.date.map(|d| d.human()),
            tags: note.tags.clone(),
            path: note.path.clone(),
        }
    }
}

/// `x/y` -> `Y`; a folder's name as a section title.
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

/// A relative URL from one page to another.
fn relative_url(from: &str, to: &str) -> String {
    format!("{}{}", root_prefix(from), to)
}

fn source_context(
    index: usize,
    source: &crate::source::Source,
    citing: &[CitingPage<'_>],
) -> SourceContext {
    let page = format!("sources/{}.html", source.id);
    let mut per_paragraph: Vec<Vec<Backlink>> = vec![Vec::new(); source.paragraphs.len()];
    let mut quoted: Vec<Vec<std::ops::Range<usize>>> = vec![Vec::new(); source.paragraphs.len()];
    let mut whole = Vec::new();
    let mut count = 0;
    for page_citing in citing {
        for c in page_citing
            .citations
            .iter()
            .filter(|c| c.cite.source == index)
        {
            count += 1;
            let quote = match &c.cite.target {
                CiteTarget::Quote { paragraph, range } => {
                    quoted[*paragraph].push(range.clone());
                    crate::quote::one_line(&source.paragraphs[*paragraph].text[range.clone()])
                }
                _ => String::new(),
            };
            let link = Backlink {
                title: page_citing.title.clone(),
                url: format!("{}#{}", relative_url(&page, &page_citing.page), c.marker_id),
                number: c.number,
                quote,
            };
            match c.cite.target.paragraphs() {
                Some((first, last)) => {
                    for cited in &mut per_paragraph[first..=last] {
                        cited.push(link.clone());
                    }
                }
                None => whole.push(link),
            }
        }
    }
    let paragraphs = source
        .paragraphs
        .iter()
        .enumerate()
        .map(|(i, p)| ParagraphContext {
            number: i + 1,
            html: mark_ranges(&p.text, &mut quoted[i]),
            cited_by: std::mem::take(&mut per_paragraph[i]),
        })
        .collect();
    SourceContext {
        id: source.id.clone(),
        title: source.title.clone(),
        outlet: source.outlet.clone(),
        authors: source.authors.clone(),
        published: source.published.map(|d| d.to_string()),
        published_label: source.published.map(|d| d.human()),
        url: source.url.clone(),
        language: source.language.clone(),
        note: source.note.clone(),
        paragraph_count: source.paragraphs.len(),
        citation_count: count,
        whole,
        paragraphs,
    }
}

/// Escapes `text`, wrapping the (merged) byte ranges in `<mark class="quoted">`.
fn mark_ranges(text: &str, ranges: &mut [std::ops::Range<usize>]) -> String {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut html = String::with_capacity(text.len() + 32);
    let mut at = 0;
    let mut i = 0;
    while i < ranges.len() {
        let start = ranges[i].start.max(at);
        let mut end = ranges[i].end;
        while i + 1 < ranges.len() && ranges[i + 1].start <= end {
            i += 1;
            end = end.max(ranges[i].end);
        }
        if start < end {
            html.push_str(&escape(&text[at..start]));
            html.push_str("<mark class=\"quoted\">");
            html.push_str(&escape(&text[start..end]));
            html.push_str("</mark>");
            at = end;
        }
        i += 1;
    }
    html.push_str(&escape(&text[at..]));
    html
}

/// Checks one link against the pages and their anchors.
fn check_link(
    link: &InternalLink,
    anchors: &HashMap<String, HashSet<String>>,
) -> Option<Diagnostic> {
    let Some(ids) = anchors.get(&link.target) else {
        let mut d = Diagnostic::error(
            link.file,
            link.span.clone(),
            format!("link to a missing note `{}`", link.target),
        )
        .with_label("no such file under content/");
        if let Some(close) = did_you_mean(&link.target, anchors.keys().map(String::as_str)) {
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
    if let Some(close) = did_you_mean(fragment, ids.iter().map(String::as_str)) {
        d = d.with_help(format!("did you mean `#{close}`?"));
    }
    Some(d)
}

/// Whether `path` is inside `dir` (for refusing to write the output over the book).
pub fn is_inside(path: &Path, dir: &Path) -> bool {
    match (path.canonicalize(), dir.canonicalize()) {
        (Ok(p), Ok(d)) => p.starts_with(d),
        _ => false,
    }
}
