//! The print edition: `print.html`, the whole book on one page in reading
//! order (introduction, notes, chronology, glossary, list of sources), to
//! print or save as PDF.
//!
//! Nothing is rendered twice, and no HTML is read again. A note's print
//! article is made from the rendering its own page was made from, which
//! recorded where its HTML holds ids, URLs and previews
//! ([`crate::attrs`]): `splice.rs` changes those bytes for the print page,
//! with ids that `layout.rs` keeps unique. The note's footnotes follow it
//! as endnotes, numbered as on its page, through the theme's
//! `footnotes.html` (`article.rs`).
//!
//! A one-shot build writes each note's page as soon as the note is rendered
//! and drops its HTML (see [`crate::site`]); the print article is made at
//! that moment too and written straight into `print.html` by a [`Stream`].
//! `serve` makes the page only when it is asked for
//! ([`crate::site::Project::render_print`]).

mod article;
mod layout;
mod parts;
mod splice;
mod stream;

use crate::xref::CrossReferences;
use std::sync::Arc;

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::load::Book;
use crate::markdown::Rendered;
use crate::output::PageSink;
use crate::pages::BookContext;
use crate::theme::Theme;

pub use article::note_article;
pub use layout::{Layout, PART_IDS};
pub use stream::{Stream, WAITING_BYTES};

use article::{endnotes, section_title};
use splice::Splicer;

/// Where the print edition is written, and the template that renders it.
pub const PAGE: &str = "print.html";

/// What the template writes where the notes go; the notes are put in its
/// place. Private-use characters: an author cannot type them into a title
/// (Markdown refuses them), so the marker cannot occur by accident.
const NOTES_MARKER: &str = "\u{E000}briefbook-print-notes\u{E001}";

/// What a one-shot render does about the print edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing (`serve` makes the page on request instead).
    Off,
    /// Renders the page's template, to report its errors, and no article:
    /// `check` writes nothing.
    Check,
    /// Makes every note's article as the note is rendered, and the page.
    Write,
}

/// What every template of the print page gets: the book's settings, with
/// the print edition on whatever `print` says (`serve` makes it on
/// request).
fn context(book: &Book) -> tera::Context {
    let mut context = crate::pages::base_context(book, PAGE, "print");
    let mut book_context = BookContext::new(&book.config);
    book_context.print = true;
    context.insert("book", &book_context);
    context
}

/// Everything rendered that the print edition is made from.
pub struct Input<'a> {
    /// The book.
    pub book: &'a Book,
    /// Each note's rendering, in reading order (in a one-shot build their
    /// HTML is gone: the articles are already written).
    pub notes: &'a [Arc<Rendered>],
    /// The introduction's.
    pub intro: Option<&'a Rendered>,
    /// Each glossary definition's.
    pub glossary: &'a [Rendered],
    /// Each chronology body's.
    pub chronology: &'a [Rendered],
    /// Who cites, mentions and links to what.
    pub xref: &'a CrossReferences,
}

/// Whether the theme can make a print edition (a custom theme need not):
/// it has the page's template, and the footnotes' its endnotes use.
pub fn has_template(theme: &Theme) -> bool {
    let has = |template: &str| theme.tera.get_template_names().any(|name| name == template);
    has(PAGE) && has(article::FOOTNOTES)
}

/// The opening of the print edition, up to the notes, as far as it can be
/// made before the notes are rendered: for [`Stream::put_head`]. Empty if
/// the template fails (the same error comes again at the end).
pub fn head(book: &Book, intro: Option<&Rendered>, layout: &Layout, theme: &Theme) -> String {
    let xref = CrossReferences::new(
        book,
        crate::xref::Fragments {
            notes: &[],
            intro,
            glossary: &[],
            chronology: &[],
        },
    );
    let input = Input {
        book,
        notes: &[],
        intro,
        glossary: &[],
        chronology: &[],
        xref: &xref,
    };
    frame(&input, layout, theme)
        .map(|(before, _)| before)
        .unwrap_or_default()
}

#[derive(Serialize)]
struct TocSection<'a> {
    name: Option<String>,
    notes: Vec<TocNote<'a>>,
}

#[derive(Serialize)]
struct TocNote<'a> {
    title: &'a str,
    url: String,
    summary: Option<&'a str>,
}

/// The table of contents: the notes in reading order, under the titles of
/// their folders.
fn toc<'a>(book: &'a Book, layout: &Layout) -> Vec<TocSection<'a>> {
    let mut toc: Vec<TocSection> = Vec::new();
    // The folder of the note before: notes of a folder come together, and
    // its title is made once.
    let mut folder = None;
    for (i, note) in book.notes.iter().enumerate() {
        let section = note.section();
        if folder != Some(section) {
            folder = Some(section);
            let name = section.map(section_title);
            if toc.last().is_none_or(|s| s.name != name) {
                toc.push(TocSection {
                    name,
                    notes: Vec::new(),
                });
            }
        }
        if let Some(section) = toc.last_mut() {
            section.notes.push(TocNote {
                title: &note.title,
                url: format!("#{}", layout.note_id(i)),
                summary: note.summary.as_deref(),
            });
        }
    }
    toc
}

/// Renders the page around the notes through the `print.html` template
/// and splits it where the notes go: (before, after).
fn frame(
    input: &Input<'_>,
    layout: &Layout,
    theme: &Theme,
) -> Result<(String, String), Diagnostic> {
    let book = input.book;
    let mut context = context(book);
    let mut intro = String::new();
    if let Some(r) = input.intro {
        let mut splicer = Splicer::new("index.html", "introduction", layout);
        splicer.splice(&mut intro, &r.html, &r.attrs);
        endnotes(&mut intro, &r.footnotes, &mut splicer, book, theme)?;
    }
    context.insert("intro", &intro);
    context.insert(
        "intro_has_title",
        &book.intro.as_ref().is_some_and(|n| n.title_in_body),
    );
    context.insert("toc", &toc(book, layout));
    context.insert("notes", NOTES_MARKER);
    let mut mentions = parts::Mentions::new(input, layout);
    let (years, chronology_notes) = parts::chronology(input, &mut mentions, layout, theme)?;
    context.insert("years", &years);
    context.insert("chronology_notes", &chronology_notes);
    let (letters, glossary_notes) = parts::glossary(input, &mut mentions, layout, theme)?;
    context.insert("letters", &letters);
    context.insert("glossary_notes", &glossary_notes);
    context.insert("sources", &parts::sources(input));
    let page = theme.render(PAGE, &context)?;
    Ok(match page.split_once(NOTES_MARKER) {
        Some((before, after)) => (before.to_string(), after.to_string()),
        None => (page, String::new()),
    })
}

/// Ends the print edition of a one-shot build: the page around the notes
/// is rendered with everything, and `stream`, whose opening and articles
/// are already written, gets the rest. Without a stream (`check`), only
/// renders the template, for its errors. Returns false, writing nothing,
/// when the theme has no `print.html` template.
pub fn write(
    input: &Input<'_>,
    layout: &Layout,
    theme: &Theme,
    stream: Option<Stream<'_>>,
) -> Result<bool, Diagnostic> {
    if !has_template(theme) {
        return Ok(false);
    }
    let (before, after) = frame(input, layout, theme)?;
    if let Some(stream) = stream {
        stream.finish(&before, &after).map_err(cannot_write)?;
    }
    Ok(true)
}

/// Makes the whole print edition from the renderings `input` has kept,
/// and streams it into `sink`, as a one-shot build does (`serve`, on
/// request). A note whose kept rendering let go of its HTML
/// ([`Rendered::without_page`]) is rendered again by `again` (given its
/// index and kept rendering), a batch at a time. Returns false, writing
/// nothing, when the theme has no `print.html` template.
pub fn write_whole(
    input: &Input<'_>,
    layout: &Layout,
    theme: &Theme,
    sink: &dyn PageSink,
    again: &(dyn Fn(usize, &Rendered) -> Rendered + Sync),
) -> Result<bool, Diagnostic> {
    use rayon::prelude::*;
    if !has_template(theme) {
        return Ok(false);
    }
    let (before, after) = frame(input, layout, theme)?;
    let stream = Stream::new(sink);
    stream.put_head(before.clone());
    let book = input.book;
    let notes = book.notes.len().min(input.notes.len());
    // A batch at a time, made in parallel and written in order: few
    // articles wait in memory for those before them.
    for start in (0..notes).step_by(BATCH) {
        let articles = (start..notes.min(start + BATCH))
            .into_par_iter()
            .map(|i| {
                let kept = &input.notes[i];
                if kept.page_dropped {
                    note_article(book, i, &again(i, kept), layout, theme)
                } else {
                    note_article(book, i, kept, layout, theme)
                }
            })
            .collect::<Result<Vec<String>, Diagnostic>>()?;
        for (k, article) in articles.into_iter().enumerate() {
            stream.put(start + k, article);
        }
    }
    stream.finish(&before, &after).map_err(cannot_write)?;
    Ok(true)
}

/// How many articles [`write_whole`] makes at once: enough to make them in
/// parallel, few enough to keep memory flat.
const BATCH: usize = 64;

fn cannot_write(e: String) -> Diagnostic {
    Diagnostic::global(format!("cannot write {PAGE}: {e}"))
}
