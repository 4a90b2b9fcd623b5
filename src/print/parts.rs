//! The reference parts of the print page, after the notes: the
//! chronology, the glossary and the list of sources, as the template's
//! data, each event and term with the links to what mentions it.

use crate::xref::Referrer;
use std::collections::HashMap;

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::html::escape_into;
use crate::markdown::Footnote;
use crate::theme::Theme;

use super::Input;
use super::article::endnotes;
use super::layout::{Layout, id_in, push_id};
use super::splice::Splicer;

#[derive(Serialize)]
struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
pub(super) struct Year<'a> {
    year: u16,
    anchor: String,
    events: Vec<EventContext<'a>>,
}

#[derive(Serialize)]
struct EventContext<'a> {
    anchor: String,
    datetime: String,
    date_label: String,
    title: &'a str,
    body: String,
    /// HTML: a term can be mentioned by thousands of notes, and a list of
    /// links made here costs a tenth of one the template loops over.
    mentions: String,
}

#[derive(Serialize)]
pub(super) struct Letter<'a> {
    letter: String,
    anchor: String,
    terms: Vec<TermContext<'a>>,
}

#[derive(Serialize)]
struct TermContext<'a> {
    anchor: String,
    name: &'a str,
    aliases: &'a [String],
    kind: Option<&'a str>,
    definition: String,
    see_also: Vec<Link>,
    /// HTML, as for events.
    mentions: String,
}

#[derive(Serialize)]
pub(super) struct SourceContext<'a> {
    anchor: String,
    id: &'a str,
    title: &'a str,
    outlet: Option<&'a str>,
    authors: &'a [String],
    published: Option<String>,
    published_label: Option<String>,
    url: Option<&'a str>,
    language: Option<&'a str>,
    citation_count: usize,
}

/// Who mentions each term and each event, as the glossary and chronology
/// pages show it: links, comma-separated, HTML.
pub(super) struct Mentions {
    /// By term.
    terms: Vec<String>,
    /// By event id.
    events: HashMap<String, String>,
}

impl Mentions {
    /// The book's cross-references ([`crate::xref`]) as links inside the
    /// print page.
    pub(super) fn new(input: &Input<'_>, layout: &Layout) -> Mentions {
        let book = input.book;
        let push_link = |html: &mut String, referrer: Referrer| {
            if !html.is_empty() {
                html.push_str(", ");
            }
            html.push_str("<a href=\"#");
            match referrer {
                Referrer::Note(i) => {
                    html.push_str(layout.note_id(i));
                    html.push_str("\">");
                    escape_into(html, &book.notes[i].title);
                }
                Referrer::Intro => html.push_str("introduction\">Introduction"),
                Referrer::Event(j) => {
                    let event = &book.chronology.events[j];
                    push_id(html, "chronology", &event.id);
                    html.push_str("\">Chronology: ");
                    escape_into(html, &event.title);
                }
                // Definitions do not mention terms (theirs are "see also").
                Referrer::Term(_) => {}
            }
            html.push_str("</a>");
        };
        let links = |referrers: &mut dyn Iterator<Item = Referrer>| {
            let mut html = String::new();
            for referrer in referrers {
                push_link(&mut html, referrer);
            }
            html
        };
        let xref = input.xref;
        Mentions {
            terms: xref
                .term_mentions
                .iter()
                .map(|list| links(&mut list.iter().copied()))
                .collect(),
            events: xref
                .event_mentions
                .iter()
                .map(|(id, notes)| {
                    (
                        id.to_string(),
                        links(&mut notes.iter().map(|&i| Referrer::Note(i))),
                    )
                })
                .collect(),
        }
    }
}

/// The chronology: its years with their events, and their endnotes.
pub(super) fn chronology<'a>(
    input: &Input<'a>,
    mentions: &mut Mentions,
    layout: &Layout,
    theme: &Theme,
) -> Result<(Vec<Year<'a>>, String), Diagnostic> {
    let book = input.book;
    let mut splicer = Splicer::new("chronology.html", "chronology", layout);
    let mut years: Vec<Year> = Vec::new();
    let mut footnotes: Vec<&Footnote> = Vec::new();
    for (j, event) in book.chronology.events.iter().enumerate() {
        if years.last().is_none_or(|y| y.year != event.date.year) {
            years.push(Year {
                year: event.date.year,
                anchor: id_in("chronology", &format!("year-{}", event.date.year)),
                events: Vec::new(),
            });
        }
        let mut body = String::new();
        if let Some(r) = input.chronology.get(j) {
            splicer.splice(&mut body, &r.html, &r.attrs);
            footnotes.extend(&r.footnotes);
        }
        if let Some(y) = years.last_mut() {
            y.events.push(EventContext {
                anchor: id_in("chronology", &event.id),
                datetime: event.date.to_string(),
                date_label: event.date_label(),
                title: &event.title,
                body,
                mentions: mentions.events.remove(&event.id).unwrap_or_default(),
            });
        }
    }
    let mut notes = String::new();
    endnotes(&mut notes, footnotes, &mut splicer, book, theme)?;
    Ok((years, notes))
}

/// The glossary: its terms under their letters, and their endnotes.
pub(super) fn glossary<'a>(
    input: &Input<'a>,
    mentions: &mut Mentions,
    layout: &Layout,
    theme: &Theme,
) -> Result<(Vec<Letter<'a>>, String), Diagnostic> {
    let book = input.book;
    let glossary = &book.glossary;
    let mut splicer = Splicer::new("glossary.html", "glossary", layout);
    let mut letters: Vec<Letter> = Vec::new();
    let mut footnotes: Vec<&Footnote> = Vec::new();
    let term_mentions = std::mem::take(&mut mentions.terms);
    for (i, (term, mentions)) in glossary.terms.iter().zip(term_mentions).enumerate() {
        // Grouped under the first letter or digit, as on the glossary page.
        let (letter, anchor) = crate::pages::glossary_letter(&term.name);
        if letters.last().is_none_or(|l| l.letter != letter) {
            letters.push(Letter {
                letter: letter.clone(),
                anchor: id_in("glossary", &format!("letter-{anchor}")),
                terms: Vec::new(),
            });
        }
        let mut definition = String::new();
        if let Some(r) = input.glossary.get(i) {
            splicer.splice(&mut definition, &r.html, &r.attrs);
            footnotes.extend(&r.footnotes);
        }
        let see_also = term
            .see_also
            .iter()
            .filter_map(|(id, _)| glossary.by_id(id))
            .map(|j| Link {
                title: glossary.terms[j].name.clone(),
                url: format!("#{}", id_in("glossary", &glossary.terms[j].id)),
            })
            .collect();
        if let Some(l) = letters.last_mut() {
            l.terms.push(TermContext {
                anchor: id_in("glossary", &term.id),
                name: &term.name,
                aliases: &term.aliases,
                kind: term.kind.as_deref(),
                definition,
                see_also,
                mentions,
            });
        }
    }
    let mut notes = String::new();
    endnotes(&mut notes, footnotes, &mut splicer, book, theme)?;
    Ok((letters, notes))
}

/// The list of sources, each with how often the book cites it.
pub(super) fn sources<'a>(input: &Input<'a>) -> Vec<SourceContext<'a>> {
    let book = input.book;
    book.sources
        .sources
        .iter()
        .zip(input.xref.citation_counts())
        .map(|(s, citation_count)| SourceContext {
            anchor: id_in("sources", &s.id),
            id: &s.id,
            title: &s.title,
            outlet: s.outlet.as_deref(),
            authors: &s.authors,
            published: s.published.map(|d| d.to_string()),
            published_label: s.published.map(|d| d.human()),
            url: s.url.as_deref(),
            language: s.language.as_deref(),
            citation_count,
        })
        .collect()
}
