//! Documents: what a search result links to (a note's text before its
//! first heading and each of its sections, a term, an event, a source and
//! each of its paragraphs), made from the renderings' text, never from
//! Markdown.

use super::*;

/// A document tokenised, before its tokens are interned.
pub(super) struct Pending {
    /// `[kind, title, context, url, text]` as JSON.
    pub(super) entry: String,
    /// Whether a chunk of documents ends after this one.
    pub(super) boundary: bool,
    /// Its distinct tokens.
    pub(super) tokens: Tokens,
}

/// What a result shows: kind (`n`ote, `g`lossary, `e`vent, `s`ource), title,
/// context (the note, the date, the outlet), URL from the site's root, and
/// the text its snippet is cut from; `title_text` is indexed as title.
pub(super) fn document(
    kind: &str,
    title: &str,
    context: &str,
    url: &str,
    text: &str,
    title_text: &str,
) -> Pending {
    let mut entry =
        String::with_capacity(text.len() + title.len() + context.len() + url.len() + 24);
    entry.push('[');
    for (i, field) in [kind, title, context, url, text].into_iter().enumerate() {
        if i > 0 {
            entry.push(',');
        }
        json_into(&mut entry, field);
    }
    entry.push(']');
    let mut tokens = Tokens::distinct();
    tokens.add(title_text, true);
    tokens.add(text, false);
    Pending {
        entry,
        boundary: fnv64(url.as_bytes()) & CHUNK_MASK == 0,
        tokens,
    }
}

/// The documents of a note (or, with `intro`, of the introduction): from
/// the sections its rendering collected.
pub(super) fn note_documents(
    book: &Book,
    note: &Note,
    rendered: &Rendered,
    intro: bool,
) -> Vec<Pending> {
    let (page, title, context) = if intro {
        ("index.html", book.config.title.as_str(), "Introduction")
    } else {
        (note.page.as_str(), note.title.as_str(), "")
    };
    debug_assert!(
        !rendered.page_dropped,
        "{}: indexed from a rendering without its sections",
        note.path
    );
    let mut documents = Vec::with_capacity(rendered.sections.len());
    for section in &rendered.sections {
        match section.heading {
            None => {
                let summarised;
                let text = match note.summary.as_deref() {
                    Some(summary) => {
                        summarised = markdown::tidy(&format!("{summary} {}", section.text));
                        &summarised
                    }
                    None => &section.text,
                };
                let title_text = format!("{title} {}", note.tags.join(" "));
                documents.push(document(
                    "n",
                    title,
                    context,
                    &url(page, None),
                    text,
                    &title_text,
                ));
            }
            Some(i) => {
                // The sections were cut at the headings the rendering found.
                let heading = rendered.headings.get(i);
                let text = heading.map_or("", |h| h.text.as_str());
                documents.push(document(
                    "n",
                    text,
                    title,
                    &url(page, heading.map(|h| h.id.as_str())),
                    &section.text,
                    text,
                ));
            }
        }
    }
    documents
}

/// The glossary's documents: each term with its definition as rendered.
pub(super) fn glossary_documents(book: &Book, definitions: &[Rendered]) -> Vec<Pending> {
    book.glossary
        .terms
        .par_iter()
        .zip(definitions)
        .map(|(term, definition)| {
            let definition = &definition.plain;
            let text = if term.aliases.is_empty() {
                definition.clone()
            } else {
                format!("Also written {}. {definition}", term.aliases.join(", "))
            };
            let title_text = format!("{} {}", term.name, term.aliases.join(" "));
            document(
                "g",
                &term.name,
                term.kind.as_deref().unwrap_or(""),
                &url("glossary.html", Some(&term.id)),
                &text,
                &title_text,
            )
        })
        .collect()
}

/// The chronology's documents: each event with its body as rendered.
pub(super) fn chronology_documents(book: &Book, bodies: &[Rendered]) -> Vec<Pending> {
    book.chronology
        .events
        .par_iter()
        .zip(bodies)
        .map(|(event, body)| {
            document(
                "e",
                &event.title,
                &event.date_label(),
                &url("chronology.html", Some(&event.id)),
                &body.plain,
                &event.title,
            )
        })
        .collect()
}

pub(super) fn source_documents(book: &Book) -> Vec<Pending> {
    book.sources
        .sources
        .par_iter()
        .flat_map_iter(|source| {
            let page = format!("sources/{}.html", source.id);
            let outlet = source.outlet.as_deref().unwrap_or("");
            let mut context = outlet.to_string();
            if let Some(date) = source.published {
                if !context.is_empty() {
                    context.push_str(", ");
                }
                context.push_str(&date.human());
            }
            let about = [
                source.authors.join(", "),
                source.note.clone().unwrap_or_default(),
            ]
            .join(" ");
            let whole = document(
                "s",
                &source.title,
                &context,
                &url(&page, None),
                &markdown::tidy(&about),
                &format!("{} {outlet}", source.title),
            );
            let paragraphs = source.paragraphs.iter().enumerate().map(move |(i, p)| {
                let n = i + 1;
                let context = if outlet.is_empty() {
                    format!("¶ {n}")
                } else {
                    format!("{outlet}, ¶ {n}")
                };
                document(
                    "s",
                    &source.title,
                    &context,
                    &url(&page, Some(&format!("p{n}"))),
                    &markdown::tidy(&p.text),
                    "",
                )
            });
            std::iter::once(whole).chain(paragraphs)
        })
        .collect()
}
