//! The pieces of the print page made of rendered fragments: each note's
//! article, and the endnotes of every part, through the theme's own
//! `footnotes.html`, as on the site's pages.

use crate::attrs::AttrKind;
use crate::diagnostics::Diagnostic;
use crate::html::escape_into;
use crate::load::Book;
use crate::markdown::{Footnote, Rendered};
use crate::theme::Theme;

use super::layout::{Layout, id_in};
use super::splice::Splicer;

/// The template that lists a page's footnotes.
pub(super) const FOOTNOTES: &str = "footnotes.html";

/// Writes `footnotes`, rendered for the splicer's page, as the endnotes of
/// its part of the print page: numbered as on their page, through the
/// theme's `footnotes.html`, the list's heading an id of the part's.
pub(super) fn endnotes<'f>(
    out: &mut String,
    footnotes: impl IntoIterator<Item = &'f Footnote>,
    splicer: &mut Splicer<'_>,
    book: &Book,
    theme: &Theme,
) -> Result<(), Diagnostic> {
    let part = splicer.part();
    // The footnotes as their page has them, with the ids and the HTML of
    // the print page.
    let notes: Vec<Footnote> = footnotes
        .into_iter()
        .map(|f| {
            let mut html = String::with_capacity(f.html.len() + 64);
            splicer.splice(&mut html, &f.html, &f.attrs);
            Footnote {
                number: f.number,
                id: id_in(part, &f.id),
                html,
                backrefs: f.backrefs.iter().map(|b| id_in(part, b)).collect(),
                citation: f.citation,
                attrs: Vec::new(),
            }
        })
        .collect();
    if notes.is_empty() {
        return Ok(());
    }
    let mut context = super::context(book);
    context.insert("footnotes", &notes);
    context.insert("footnotes_heading", &id_in(part, "footnotes-heading"));
    // The template's own line breaks around the list are left out: the
    // list stands where the print page puts it.
    let list = theme.render(FOOTNOTES, &context)?;
    out.push_str(list.trim_matches('\n'));
    out.push('\n');
    Ok(())
}

/// A folder's name as a section title (`key-actors` -> `Key actors`), as
/// the table of contents shows it.
pub(super) fn section_title(section: &str) -> String {
    let last = section.rsplit_once('/').map_or(section, |(_, last)| last);
    let mut title = String::with_capacity(last.len());
    let mut chars = last
        .chars()
        .map(|c| if matches!(c, '-' | '_') { ' ' } else { c });
    if let Some(first) = chars.next() {
        title.extend(first.to_uppercase());
    }
    title.extend(chars);
    title
}

/// The `i`th note as an article of the print page: its title, date and
/// tags, its body and its endnotes.
pub fn note_article(
    book: &Book,
    i: usize,
    rendered: &Rendered,
    layout: &Layout,
    theme: &Theme,
) -> Result<String, Diagnostic> {
    let Some(note) = book.notes.get(i) else {
        return Ok(String::new());
    };
    let id = layout.note_id(i);
    let mut splicer = Splicer::new(&note.page, id, layout);
    let footnotes: usize = rendered.footnotes.iter().map(|f| f.html.len() + 256).sum();
    let mut out = String::with_capacity(rendered.html.len() + footnotes + 512);
    out.push_str("<article class=\"print-note\" id=\"");
    out.push_str(id);
    out.push_str("\">\n");
    // The header reads section, title, date and tags. A title the body
    // opens with (`# Title`) is moved into it, so that the date and tags
    // still follow the title.
    let (html, attrs) = (&rendered.html, &rendered.attrs[..]);
    let opening = note
        .title_in_body
        .then(|| attrs.iter().position(|a| a.kind == AttrKind::TitleEnd))
        .flatten();
    // The title is `html[..title_end]`, with `attrs[..title_attrs]`.
    let (title_end, title_attrs) = opening.map_or((0, 0), |k| (attrs[k].start as usize, k));
    out.push_str("<header class=\"print-note-header\">\n");
    if let Some(section) = note.section() {
        out.push_str("<p class=\"print-kicker\">");
        escape_into(&mut out, &section_title(section));
        out.push_str("</p>\n");
    }
    if note.title_in_body {
        splicer.splice_range(&mut out, html, 0..title_end, &attrs[..title_attrs]);
        out.push('\n');
    } else {
        out.push_str("<h1>");
        escape_into(&mut out, &note.title);
        out.push_str("</h1>\n");
    }
    if note.date.is_some() || !note.tags.is_empty() {
        out.push_str("<p class=\"note-meta\">");
        if let Some(date) = note.date {
            out.push_str("<time datetime=\"");
            date.push_iso(&mut out);
            out.push_str("\">");
            date.push_human(&mut out);
            out.push_str("</time>");
        }
        for tag in &note.tags {
            out.push_str(" <span class=\"tag\">");
            escape_into(&mut out, tag);
            out.push_str("</span>");
        }
        out.push_str("</p>\n");
    }
    out.push_str("</header>\n");
    splicer.splice_range(&mut out, html, title_end..html.len(), &attrs[title_attrs..]);
    endnotes(&mut out, &rendered.footnotes, &mut splicer, book, theme)?;
    out.push_str("</article>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_titled() {
        assert_eq!(section_title("key-actors"), "Key actors");
        assert_eq!(section_title("a/b_c-d"), "B c d");
        assert_eq!(section_title("über"), "Über");
        assert_eq!(section_title("a/"), "");
    }
}
