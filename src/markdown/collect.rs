//! The text the walk that renders a fragment collects besides the HTML
//! ([`Collect`]): a page's sections for the search index, a note's units
//! (paragraphs, list items, table rows) for the editor's report, and a
//! definition's or event's plain text, so that no later stage reads the
//! Markdown again.

use std::collections::HashSet;
use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::references::{CLOSE, OPEN};
use super::{Collect, Rendered, Section, Unit, UnitKind, count_words, tidy};
use crate::citation::{InlineRef, InlineRefKind};
use crate::quote;

/// Collects, as the walk that renders a fragment passes, the text the
/// stages after rendering need ([`Collect`]): the search index's sections,
/// the report's units, the plain text of a definition or an event. Text is
/// appended to a few strings as events pass; nothing is kept per event.
pub(super) struct TextCollector<'r> {
    /// The references, by placeholder index: what each leaves in the text.
    refs: &'r [InlineRef],
    /// A merged text with its placeholders replaced, when it had some.
    scratch: String,
    /// Inside a heading, and inside a code block.
    heading: bool,
    code_block: bool,
    /// With [`Collect::Plain`]: the text so far.
    plain: Option<String>,
    /// With [`Collect::Page`] `sections`.
    sections: Option<SectionCutter>,
    /// With [`Collect::Page`] `units`.
    units: Option<UnitFinder>,
}

/// Cuts a page's text at its headings.
struct SectionCutter {
    title_in_body: bool,
    /// How many headings have opened.
    headings: usize,
    /// The sections so far, their text not tidied yet.
    done: Vec<Section>,
}

/// Finds a note's units: paragraphs, list items (a tight item's own text,
/// up to a nested list) and table body rows, outside headings, code, table
/// headers, footnote definitions and block quotes.
#[derive(Default)]
struct UnitFinder {
    quote_depth: usize,
    /// Inside a footnote definition: its label (lower case) and start.
    footnote: Option<(String, usize)>,
    table_head: bool,
    link_depth: usize,
    /// Where each open list item starts.
    items: Vec<usize>,
    open: Option<OpenUnit>,
    /// The open unit is a tight list item's text, which has no paragraph
    /// of its own: it ends where a block starts inside the item, or with it.
    lazy: bool,
    done: Vec<OpenUnit>,
    /// Markdown footnote definitions: label (lower case) and range.
    definitions: Vec<(String, Range<usize>)>,
}

/// A unit being read: its range in the text rendered (with placeholders).
struct OpenUnit {
    range: Range<usize>,
    kind: UnitKind,
    /// Its text, its pieces and line breaks separated by a space.
    text: String,
    /// Words of its text that are the text of links.
    link_words: usize,
    /// Labels of the Markdown footnotes it refers to, lower case.
    footnotes: Vec<String>,
}

impl OpenUnit {
    fn new(start: usize, kind: UnitKind) -> OpenUnit {
        OpenUnit {
            range: start..start,
            kind,
            text: String::new(),
            link_words: 0,
            footnotes: Vec::new(),
        }
    }
}

impl<'r> TextCollector<'r> {
    pub(super) fn new(collect: Collect, refs: &'r [InlineRef]) -> TextCollector<'r> {
        let (plain, sections, units) = match collect {
            Collect::Plain => (Some(String::new()), None, None),
            Collect::Page {
                sections,
                title_in_body,
                units,
            } => (
                None,
                sections.then(|| SectionCutter {
                    title_in_body,
                    headings: 0,
                    done: vec![Section {
                        heading: None,
                        text: String::new(),
                    }],
                }),
                units.then(UnitFinder::default),
            ),
        };
        TextCollector {
            refs,
            scratch: String::new(),
            heading: false,
            code_block: false,
            plain,
            sections,
            units,
        }
    }

    /// A run of text, with placeholders where the references stood.
    pub(super) fn text(&mut self, merged: &str) {
        if self.plain.is_none() && self.sections.is_none() && self.units.is_none() {
            return;
        }
        if !merged.contains(OPEN) {
            self.words(merged, false);
            return;
        }
        let mut shown = std::mem::take(&mut self.scratch);
        shown.clear();
        shown_text(merged, self.refs, &mut shown);
        self.words(&shown, false);
        self.scratch = shown;
    }

    /// Words of the text: a run of text, or with `code` inline code.
    fn words(&mut self, text: &str, code: bool) {
        if let Some(plain) = &mut self.plain {
            plain.push_str(text);
        }
        if let Some(cutter) = &mut self.sections {
            if !self.code_block && !self.heading {
                match cutter.done.last_mut() {
                    Some(section) if code => section.text.push_str(text),
                    Some(section) => push_unbracketed(&mut section.text, text),
                    None => {}
                }
            }
        }
        if let Some(finder) = &mut self.units {
            if finder.counted(self.heading, self.code_block) {
                if finder.open.is_none() {
                    if let Some(&start) = finder.items.last() {
                        finder.open = Some(OpenUnit::new(start, UnitKind::ListItem));
                        finder.lazy = true;
                    }
                }
                if let Some(unit) = &mut finder.open {
                    let before = unit.text.len();
                    unit.text.push_str(text);
                    if finder.link_depth > 0 {
                        unit.link_words += count_words(&unit.text[before..]);
                    }
                }
            }
        }
    }

    /// Any other event.
    pub(super) fn event(&mut self, event: &Event<'_>, range: &Range<usize>) {
        if let Event::Code(code) = event {
            self.words(code, true);
            return;
        }
        if let Some(plain) = &mut self.plain {
            if matches!(
                event,
                Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph)
            ) {
                plain.push(' ');
            }
        }
        if let Some(cutter) = &mut self.sections {
            cutter.event(event, self.heading);
        }
        if let Some(finder) = &mut self.units {
            finder.event(event, range, self.heading, self.code_block);
        }
        match event {
            Event::Start(Tag::Heading { .. }) => self.heading = true,
            Event::End(TagEnd::Heading(_)) => self.heading = false,
            Event::Start(Tag::CodeBlock(_)) => self.code_block = true,
            Event::End(TagEnd::CodeBlock) => self.code_block = false,
            _ => {}
        }
    }

    /// Hands what was collected to `out`. `len` is the length of the text
    /// rendered; `to_file` maps a range of it to the file.
    pub(super) fn finish(
        self,
        len: usize,
        to_file: impl Fn(Range<usize>) -> Range<usize>,
        out: &mut Rendered,
    ) {
        if let Some(plain) = self.plain {
            out.plain = tidy(&plain);
        }
        if let Some(cutter) = self.sections {
            out.sections = cutter
                .done
                .into_iter()
                .map(|s| Section {
                    heading: s.heading,
                    text: tidy(&s.text),
                })
                .collect();
        }
        if let Some(mut finder) = self.units {
            if let Some(mut unit) = finder.open.take() {
                unit.range.end = len.max(unit.range.start);
                finder.done.push(unit);
            }
            finder.done.sort_by_key(|u| u.range.start);
            let refs = self.refs;
            // A Markdown footnote counts as a citation where its
            // definition cites.
            let citing: HashSet<&str> = finder
                .definitions
                .iter()
                .filter(|(_, range)| has_citation(refs, &to_file(range.clone())))
                .map(|(label, _)| label.as_str())
                .collect();
            out.units = finder
                .done
                .into_iter()
                .map(|unit| {
                    let at = to_file(unit.range.clone());
                    let cites = has_citation(refs, &at)
                        || unit.footnotes.iter().any(|l| citing.contains(l.as_str()));
                    let text = if cites {
                        String::new()
                    } else {
                        quote::one_line(&unit.text)
                    };
                    let own_words = count_words(&text).saturating_sub(unit.link_words);
                    Unit {
                        at: at.start,
                        kind: unit.kind,
                        cites,
                        text,
                        own_words: if cites { 0 } else { own_words },
                    }
                })
                .collect();
        }
    }
}

impl SectionCutter {
    fn event(&mut self, event: &Event<'_>, in_heading: bool) {
        let Some(section) = self.done.last_mut() else {
            return;
        };
        match event {
            Event::Start(Tag::Heading { .. }) => {
                // A note that opens with its `#` title: that heading's
                // section is the page itself.
                let opens =
                    self.headings == 0 && self.title_in_body && section.text.trim().is_empty();
                if !opens {
                    self.done.push(Section {
                        heading: Some(self.headings),
                        text: String::new(),
                    });
                }
                self.headings += 1;
            }
            // Where a line or a block starts or ends, words end: a tight
            // list item's text is not glued to its nested list's.
            Event::SoftBreak | Event::HardBreak if !in_heading => section.text.push(' '),
            Event::Start(tag) if !in_heading && !opens_inline(tag) => section.text.push(' '),
            Event::End(tag) if !in_heading && !is_inline(tag) => section.text.push(' '),
            _ => {}
        }
    }
}

/// Whether a tag opens inline text (emphasis, a link), which a word may
/// start or end inside, rather than a block.
fn opens_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

/// Whether a tag closes inline text ([`opens_inline`]).
fn is_inline(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

impl UnitFinder {
    /// Whether text here belongs to a unit.
    fn counted(&self, heading: bool, code_block: bool) -> bool {
        self.quote_depth == 0
            && self.footnote.is_none()
            && !heading
            && !self.table_head
            && !code_block
    }

    /// Closes the open unit at `end` and keeps it.
    fn close(&mut self, end: usize) {
        if let Some(mut unit) = self.open.take() {
            unit.range.end = end.max(unit.range.start);
            self.done.push(unit);
        }
    }

    fn event(&mut self, event: &Event<'_>, range: &Range<usize>, heading: bool, code_block: bool) {
        let counted = self.counted(heading, code_block);
        if self.lazy
            && matches!(
                event,
                Event::Start(
                    Tag::Paragraph
                        | Tag::List(_)
                        | Tag::BlockQuote(_)
                        | Tag::CodeBlock(_)
                        | Tag::Heading { .. }
                        | Tag::Table(_)
                        | Tag::HtmlBlock
                )
            )
        {
            self.close(range.start);
            self.lazy = false;
        }
        match event {
            Event::Start(Tag::BlockQuote(_)) => self.quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => {
                self.quote_depth = self.quote_depth.saturating_sub(1)
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                self.footnote = Some((label.to_lowercase(), range.start));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                if let Some((label, start)) = self.footnote.take() {
                    self.definitions.push((label, start..range.end));
                }
            }
            Event::Start(Tag::TableHead) => self.table_head = true,
            Event::End(TagEnd::TableHead) => self.table_head = false,
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => self.link_depth += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => {
                self.link_depth = self.link_depth.saturating_sub(1)
            }
            Event::Start(Tag::Item) => self.items.push(range.start),
            Event::End(TagEnd::Item) => {
                if self.lazy {
                    self.close(range.end);
                    self.lazy = false;
                }
                self.items.pop();
            }
            Event::Start(Tag::Paragraph) if counted => {
                let kind = if self.items.is_empty() {
                    UnitKind::Paragraph
                } else {
                    UnitKind::ListItem
                };
                self.open = Some(OpenUnit::new(range.start, kind));
            }
            Event::End(TagEnd::Paragraph) if !self.lazy => self.close(range.end),
            Event::Start(Tag::TableRow) if counted => {
                self.open = Some(OpenUnit::new(range.start, UnitKind::TableRow));
            }
            Event::End(TagEnd::TableRow) => self.close(range.end),
            Event::Start(Tag::TableCell) | Event::SoftBreak | Event::HardBreak => {
                if let Some(unit) = &mut self.open {
                    unit.text.push(' ');
                }
            }
            Event::FootnoteReference(label) if counted => {
                if let Some(unit) = &mut self.open {
                    unit.footnotes.push(label.to_lowercase());
                }
            }
            _ => {}
        }
    }
}

/// Appends `text` (rendered text, with placeholders) with each reference
/// as it reads in plain text: a glossary reference as the words it shows,
/// a citation as nothing.
fn shown_text(text: &str, refs: &[InlineRef], out: &mut String) {
    let mut rest = text;
    while let Some(open) = rest.find(OPEN) {
        let Some(close) = rest[open..].find(CLOSE).map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let index: Option<usize> = rest[open + OPEN.len_utf8()..close].parse().ok();
        if let Some(r) = index.and_then(|i| refs.get(i)) {
            out.push_str(r.plain_text());
        }
        rest = &rest[close + CLOSE.len_utf8()..];
    }
    out.push_str(rest);
}

/// Appends `text` without square brackets: in a quotation they mark the
/// editor's change, and "[T]hese" is the word "These" to a reader, which
/// the search index would otherwise cut into "T" and "hese".
fn push_unbracketed(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = memchr::memchr2(b'[', b']', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// Whether a citation group starts within `range` (of the file). `refs`
/// are in text order.
fn has_citation(refs: &[InlineRef], range: &Range<usize>) -> bool {
    let first = refs.partition_point(|r| r.span.start < range.start);
    refs[first..]
        .iter()
        .take_while(|r| r.span.start < range.end)
        .any(|r| matches!(r.kind, InlineRefKind::Citation(_)))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Book, EVERYTHING};
    use super::*;

    /// Each section as (heading text, text).
    fn sections(rendered: &Rendered) -> Vec<(String, String)> {
        rendered
            .sections
            .iter()
            .map(|s| {
                let heading = s.heading.map_or("", |i| rendered.headings[i].text.as_str());
                (heading.to_string(), s.text.clone())
            })
            .collect()
    }

    #[test]
    fn sections_are_cut_at_the_headings_without_code_html_or_citations() {
        let note = "Intro [@nyt#p1] text.\n\n## One {#one}\n\nBody *one*, \"[q]uoted\" [[Golan Heights|the plateau]] [@nyt] `a[i]`.\n\n### Two ###\n\n- item [[Buffer zone]]\n- item two\n\n```rust\nlet x = \"## not a heading\";\n```\n\n    indented code\n\n<div>\nraw HTML block\n</div>\n\nA <b>bold</b> `code [@nyt]` and [a link](x.md) ![alt](i.png) ref[^1].\n\n| a | b |\n|---|---|\n| c | d |\n\n> quoted\n\n[^1]: A footnote [@ynet].\n\nSetext\n------\n\nLast.\n";
        let rendered = Book::new().render(note, EVERYTHING);
        assert_eq!(
            sections(&rendered),
            [
                ("".into(), "Intro text.".into()),
                (
                    "One".into(),
                    "Body one, “quoted” the plateau a[i].".into()
                ),
                (
                    "Two".into(),
                    "item Buffer zone item two A bold code [@nyt] and a link alt ref. a b c d quoted A footnote.".into()
                ),
                ("Setext".into(), "Last.".into()),
            ]
        );
        assert_eq!(
            rendered
                .sections
                .iter()
                .map(|s| s.heading)
                .collect::<Vec<_>>(),
            [None, Some(0), Some(1), Some(2)]
        );
    }

    #[test]
    fn words_of_neighbouring_blocks_are_kept_apart() {
        let note = "- tight\n  - nested\n- item\n  ```\n  code\n  ```\n  after\n\n| a | b |\n|---|---|\n| c | d |\n\nun*frigging*believable [x](y)z.\n";
        let rendered = Book::new().render(note, EVERYTHING);
        assert_eq!(
            sections(&rendered),
            [(
                "".into(),
                "tight nested item after a b c d unfriggingbelievable xz.".into()
            )]
        );
    }

    #[test]
    fn the_opening_title_is_the_page_itself() {
        let note = "# The Title\n\nUnder the title.\n\n## Next\n\nMore.\n";
        let page = |title_in_body| Collect::Page {
            sections: true,
            title_in_body,
            units: false,
        };
        let mut book = Book::new();
        assert_eq!(
            sections(&book.render(note, page(true))),
            [
                ("".into(), "Under the title.".into()),
                ("Next".into(), "More.".into())
            ]
        );
        assert_eq!(
            sections(&book.render(note, page(false))),
            [
                ("".into(), "".into()),
                ("The Title".into(), "Under the title.".into()),
                ("Next".into(), "More.".into())
            ]
        );
        // Only a title that opens the page.
        assert_eq!(
            sections(&book.render("Text first.\n\n# Title\n\nAfter.\n", page(true))),
            [
                ("".into(), "Text first.".into()),
                ("Title".into(), "After.".into())
            ]
        );
    }

    #[test]
    fn only_what_is_asked_for_is_collected() {
        let note = "# T\n\nA claim of several words here [@nyt].\n";
        let mut book = Book::new();
        let plain = book.render(note, Collect::Plain);
        assert!(plain.sections.is_empty() && plain.units.is_empty());
        assert_eq!(plain.plain, "TA claim of several words here.");
        let nothing = book.render(
            note,
            Collect::Page {
                sections: false,
                title_in_body: true,
                units: false,
            },
        );
        assert!(nothing.sections.is_empty() && nothing.units.is_empty());
        assert!(nothing.plain.is_empty());
        // What every rendering has.
        assert_eq!(
            (nothing.cites, nothing.cited_sources.as_slice()),
            (true, &[0][..])
        );
    }

    #[test]
    fn plain_text_drops_citations_and_keeps_term_text() {
        let mut book = Book::new();
        let rendered = book.render(
            "The *plateau* [@nyt#p8] near [[Golan Heights|the capital]] and [[Nowhere]].",
            Collect::Plain,
        );
        assert_eq!(rendered.plain, "The plateau near the capital and Nowhere.");
        // Code blocks are kept; headings and paragraphs run together.
        let rendered = book.render(
            "# Head\nPara one\nline two.\n\n```\ncode\n```\n\n- item\n",
            Collect::Plain,
        );
        assert_eq!(rendered.plain, "HeadPara one line two. code item");
    }

    /// Each unit as (line, kind, cites, text, own words).
    fn units(rendered: &Rendered, text: &str) -> Vec<(usize, &'static str, bool, String, usize)> {
        rendered
            .units
            .iter()
            .map(|u| {
                let line = text[..u.at].matches('\n').count() + 1;
                (line, u.kind.name(), u.cites, u.text.clone(), u.own_words)
            })
            .collect()
    }

    #[test]
    fn units_of_a_note() {
        let body = "# Heading\n\nA claim with [[Golan Heights|the plateau]] and no citation.\n\nA cited claim[@nyt].\n\n- tight item one\n- tight item two[@nyt]\n  - nested item\n\n> A quotation.\n\n| a | b |\n|---|---|\n| row one | x |\n| row two[@nyt] | y |\n\n```\ncode\n```\n\nSee [the overview](o.md) now.\n\n1. loose\n\n2. items[^c]\n\n[^c]: A footnote [@ynet].\n\n[^d]: Another.\n";
        // Behind front matter of three lines: positions are the file's.
        let rendered = Book::new().render_at(body, 3, EVERYTHING);
        let text = format!("\n\n\n{body}");
        assert_eq!(
            units(&rendered, &text),
            [
                (
                    6,
                    "paragraph",
                    false,
                    "A claim with the plateau and no citation.".into(),
                    8
                ),
                (8, "paragraph", true, "".into(), 0),
                (10, "list item", false, "tight item one".into(), 3),
                (11, "list item", true, "".into(), 0),
                (12, "list item", false, "nested item".into(), 2),
                (18, "table row", false, "row one x".into(), 3),
                (19, "table row", true, "".into(), 0),
                (25, "paragraph", false, "See the overview now.".into(), 2),
                (27, "list item", false, "loose".into(), 1),
                // Its footnote's definition cites.
                (29, "list item", true, "".into(), 0),
            ]
        );
    }
}
