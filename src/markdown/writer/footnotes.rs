//! Footnotes: the markers in the text, a citation group's footnote (the
//! source, the locator, the passage quoted with its words marked, a link
//! to the original) and its preview, and Markdown footnotes, all numbered
//! in one sequence and listed in number order at the end.

use std::ops::Range;

use super::EventWriter;
use crate::attrs::{Attr, AttrKind};
use crate::diagnostics::Diagnostic;
use crate::html::escape_into;
use crate::markdown::{CitationUse, Footnote, text_fragment};
use crate::quote;
use crate::resolve::ResolvedRef;

impl EventWriter<'_, '_> {
    fn marker(&mut self, number: usize, marker_id: &str, preview: &str) -> String {
        let mut h = String::with_capacity(160 + preview.len() + preview.len() / 8);
        let mut digits = itoa::Buffer::new();
        let number = digits.format(number);
        h.push_str("<sup class=\"fn-ref\"><a id=\"");
        let id = h.len();
        h.push_str(marker_id);
        let id = (id..h.len(), AttrKind::Id);
        h.push_str("\" href=\"");
        let href = h.len();
        h.push_str("#fn-");
        h.push_str(number);
        let href = (href..h.len(), AttrKind::Link);
        h.push_str("\" role=\"doc-noteref\" aria-label=\"Note ");
        h.push_str(number);
        h.push('"');
        let mut preview_attr = None;
        if !preview.is_empty() {
            let start = h.len();
            h.push_str(" data-preview=\"");
            escape_into(&mut h, preview);
            h.push('"');
            preview_attr = Some((start..h.len(), AttrKind::Preview));
        }
        h.push('>');
        h.push_str(number);
        h.push_str("</a></sup>");
        self.ahead_piece(h, [id, href].into_iter().chain(preview_attr))
    }

    pub(super) fn citation_marker(&mut self, refs: &[ResolvedRef]) -> String {
        let number = self.next_number;
        self.next_number += 1;
        let marker_id = format!("fnref-{number}");
        let (mut html_text, mut attrs) = (String::new(), Vec::new());
        for (k, r) in refs.iter().enumerate() {
            if k > 0 {
                html_text.push('\n');
            }
            self.citation_html(r, &mut html_text, &mut attrs);
        }
        let preview = refs
            .iter()
            .map(|r| self.citation_preview(r))
            .collect::<Vec<_>>()
            .join(" · ");
        for r in refs {
            self.out
                .citations
                .push(CitationUse::new(r.clone(), number, marker_id.clone()));
        }
        self.footnotes.insert(
            number,
            Footnote {
                number,
                id: format!("fn-{number}"),
                html: html_text,
                backrefs: vec![marker_id.clone()],
                citation: true,
                attrs,
            },
        );
        self.marker(number, &marker_id, &preview)
    }

    pub(super) fn markdown_footnote_marker(&mut self, label: &str) -> String {
        let number = match self.footnote_numbers.get(label) {
            Some(n) => *n,
            None => {
                let n = self.next_number;
                self.next_number += 1;
                self.footnote_numbers.insert(label.to_string(), n);
                self.footnotes.insert(
                    n,
                    Footnote {
                        number: n,
                        id: format!("fn-{n}"),
                        html: String::new(),
                        backrefs: Vec::new(),
                        citation: false,
                        attrs: Vec::new(),
                    },
                );
                n
            }
        };
        let footnote = self
            .footnotes
            .get_mut(&number)
            .expect("footnote registered above");
        let marker_id = if footnote.backrefs.is_empty() {
            format!("fnref-{number}")
        } else {
            format!("fnref-{number}-{}", footnote.backrefs.len() + 1)
        };
        footnote.backrefs.push(marker_id.clone());
        self.marker(number, &marker_id, "")
    }

    /// One line of a citation footnote, onto `h`: source, locator, passage,
    /// original; its URLs recorded in `attrs`.
    fn citation_html(&self, r: &ResolvedRef, h: &mut String, attrs: &mut Vec<Attr>) {
        let source = &self.env.sources.sources[r.source];
        // Written straight into one string, sized for the passage it
        // quotes: there are eight of these to a note.
        let quoted = r.quoted_paragraphs();
        let shown: Vec<usize> = if quoted.is_empty() {
            match r.locator {
                Some((first, last)) => (first..=last.min(first + 2)).collect(),
                None => Vec::new(),
            }
        } else {
            quoted
        };
        let passage_len: usize = shown.iter().map(|&p| source.paragraphs[p].text.len()).sum();
        h.reserve(512 + passage_len + passage_len / 8);
        let page = |h: &mut String| {
            h.push_str(&self.root);
            h.push_str("sources/");
            h.push_str(&source.id);
            h.push_str(".html");
        };
        // A URL from `start` to the end of `h`.
        let mut link = |h: &String, start: usize| {
            if !crate::html::has_scheme(&h[start..]) {
                attrs.push(Attr::new(start..h.len(), AttrKind::Link));
            }
        };
        h.push_str("<p class=\"cite\">");
        if !r.prefix.is_empty() {
            escape_into(h, &r.prefix);
            h.push(' ');
        }
        if let Some(outlet) = &source.outlet {
            h.push_str("<span class=\"cite-outlet\" dir=\"auto\">");
            escape_into(h, outlet);
            h.push_str("</span>, ");
        }
        h.push_str("<cite>\u{201C}<a href=\"");
        let start = h.len();
        page(h);
        link(h, start);
        h.push_str("\" dir=\"auto\">");
        escape_into(h, &source.title);
        h.push_str("</a>\u{201D}</cite>");
        if let Some(date) = &source.published {
            h.push_str(", <time datetime=\"");
            date.push_iso(h);
            h.push_str("\">");
            date.push_human(h);
            h.push_str("</time>");
        }
        if let Some((first, last)) = r.paragraphs() {
            h.push_str(", <a class=\"cite-loc\" href=\"");
            let start = h.len();
            page(h);
            let mut digits = itoa::Buffer::new();
            let number = digits.format(first + 1);
            h.push_str("#p");
            h.push_str(number);
            link(h, start);
            h.push_str("\">¶\u{A0}");
            h.push_str(number);
            if first != last {
                h.push('–');
                h.push_str(digits.format(last + 1));
            }
            h.push_str("</a>");
        }
        if !r.suffix.is_empty() {
            escape_into(h, &r.suffix);
        }
        if let Some(url) = &source.url {
            h.push_str(" <a class=\"cite-original\" href=\"");
            let start = h.len();
            match r.quotes.first() {
                Some(q) => {
                    // The first quotation, as a text directive: its words,
                    // or the first and last of them when it leaves some out.
                    let text = &source.paragraphs[q.paragraph].text;
                    let words = |range: &Range<usize>| {
                        text_fragment(&quote::one_line(text.get(range.clone()).unwrap_or("")))
                    };
                    // A text directive follows the URL's own fragment, if it has one.
                    let directive = if url.contains('#') {
                        ":~:text="
                    } else {
                        "#:~:text="
                    };
                    escape_into(h, url);
                    h.push_str(directive);
                    match (q.pieces.first(), q.pieces.last()) {
                        (Some(first), Some(last)) if q.pieces.len() > 1 => {
                            escape_into(h, &words(first));
                            h.push(',');
                            escape_into(h, &words(last));
                        }
                        (Some(only), _) => escape_into(h, &words(only)),
                        _ => {}
                    }
                }
                None => escape_into(h, url),
            }
            link(h, start);
            h.push_str("\" rel=\"external noopener\">original</a>");
        }
        h.push_str("</p>");
        let blockquote = |h: &mut String| {
            h.push_str("<blockquote class=\"passage\"");
            if let Some(lang) = &source.language {
                h.push_str(" lang=\"");
                escape_into(h, lang);
                h.push('"');
            }
            h.push('>');
        };
        if !shown.is_empty() {
            // The paragraphs the quotations stand in, their words marked;
            // else at most three of those the locator names.
            blockquote(h);
            for &p in &shown {
                let mut marked: Vec<Range<usize>> = r
                    .quotes
                    .iter()
                    .filter(|q| q.paragraph == p)
                    .flat_map(|q| q.pieces.iter().cloned())
                    .collect();
                h.push_str("<p dir=\"auto\">");
                h.push_str(&crate::html::mark_ranges_with(
                    &source.paragraphs[p].text,
                    &mut marked,
                    "<mark>",
                ));
                h.push_str("</p>");
            }
            if r.quotes.is_empty() && r.locator.is_some_and(|(first, last)| last > first + 2) {
                h.push_str("<p>…</p>");
            }
            h.push_str("</blockquote>");
        }
    }

    /// A one-line plain-text preview of a reference, for the marker.
    fn citation_preview(&self, r: &ResolvedRef) -> String {
        /// How much of a cited paragraph a preview shows.
        const PREVIEW_CHARS: usize = 200;
        let source = &self.env.sources.sources[r.source];
        let name = source.outlet.as_deref().unwrap_or(&source.title);
        let mut preview = String::with_capacity(name.len() + 16 + 4 * PREVIEW_CHARS);
        preview.push_str(name);
        let Some((paragraph, _)) = r.paragraphs() else {
            return preview;
        };
        preview.push_str(", ¶\u{A0}");
        preview.push_str(itoa::Buffer::new().format(paragraph + 1));
        preview.push_str(": ");
        let text = &source.paragraphs[paragraph].text;
        if r.quotes.is_empty() {
            preview.push_str(&crate::html::truncate_words(
                // One character more than is shown, so that the cut is made
                // exactly as on the whole paragraph.
                &quote::one_line_prefix(text, PREVIEW_CHARS + 1),
                PREVIEW_CHARS,
            ));
        } else {
            let quoted: Vec<String> = r.quotes.iter().map(|q| q.words(source)).collect();
            preview.push('\u{201C}');
            preview.push_str(&quoted.join("\u{201D} \u{201C}"));
            preview.push('\u{201D}');
        }
        preview
    }

    pub(super) fn finish_footnotes(&mut self) {
        let mut numbers: Vec<usize> = self.footnotes.keys().copied().collect();
        numbers.sort_unstable();
        for number in numbers {
            let mut footnote = self.footnotes.remove(&number).expect("key from the map");
            if !footnote.citation {
                let label = self
                    .footnote_numbers
                    .iter()
                    .find(|(_, n)| **n == number)
                    .map(|(l, _)| l.clone())
                    .unwrap_or_default();
                (footnote.html, footnote.attrs) =
                    self.definitions.remove(&label).unwrap_or_default();
            }
            self.out.footnotes.push(footnote);
        }
        let mut unused: Vec<(String, Range<usize>)> = self
            .definitions
            .keys()
            .filter_map(|l| self.definition_spans.get(l).map(|s| (l.clone(), s.clone())))
            .collect();
        unused.sort_by_key(|(_, s)| s.start);
        for (label, span) in unused {
            self.out.diagnostics.push(
                Diagnostic::warning(
                    self.fragment.file,
                    span,
                    format!("footnote `[^{label}]` is never referred to"),
                )
                .with_help(format!(
                    "refer to it with `[^{label}]` in the text, or remove it"
                )),
            );
        }
    }
}
