//! Where rendered HTML holds what depends on the page it is shown on: ids
//! (unique within one page), URLs (relative to it) and link previews (for
//! the site's script). The renderer records each as an [`Attr`] while it
//! writes the HTML, so that a page showing the HTML somewhere else (the
//! print edition) changes exactly those bytes, without reading the HTML
//! again.
//!
//! Three writers put them there: pulldown-cmark (heading ids, links and
//! images, whose places follow from its fixed markup), briefbook itself
//! (footnote markers, term links, citations: it knows where it puts them)
//! and the author (raw HTML, read once by the renderer's raw-HTML checker).
//! A piece of HTML made before it is written (a marker, a term link, a
//! chunk of raw HTML) is an event among others until pulldown-cmark writes
//! it: its attributes wait (`Ahead`) under the address of its text, and
//! the writer (`write_html`) places them when the piece is written.

use std::cell::Cell;
use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Tag, TagEnd};

use crate::html::has_scheme;

/// An attribute value in a piece of rendered HTML (or, for
/// [`AttrKind::TitleEnd`], a place in it). Byte offsets, as `u32`: `serve`
/// keeps every note's rendering, a few dozen of these each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    /// Where the value begins: after its opening quote, if it has one.
    pub start: u32,
    /// Where it ends: before its closing quote.
    pub end: u32,
    /// What it is.
    pub kind: AttrKind,
}

impl Attr {
    /// An attribute of `kind` at `range`.
    pub(crate) fn new(range: Range<usize>, kind: AttrKind) -> Attr {
        // Fragments are far smaller than 4 GB (a book's files are read
        // whole); should one not be, its attributes are not recorded
        // rather than recorded wrong.
        let start = u32::try_from(range.start).unwrap_or(u32::MAX);
        let end = u32::try_from(range.end).unwrap_or(u32::MAX);
        Attr { start, end, kind }
    }

    /// Its byte range.
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The same, `by` bytes further on.
    fn shifted(self, by: usize) -> Attr {
        Attr::new(self.range().start + by..self.range().end + by, self.kind)
    }
}

/// What an [`Attr`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    /// An id: `id`, and `name` on `a`.
    Id,
    /// Ids of other elements, separated by white space (`for`, `headers`,
    /// `aria-describedby`...).
    IdRefs,
    /// `#name` of a map (`usemap`).
    MapRef,
    /// A link's URL (`href`) without a scheme: to a place on the same
    /// page, another page of the book, or another file of the site.
    Link,
    /// A resource's URL (`src`, `poster`, `data`) without a scheme.
    Resource,
    /// Candidate URLs of an image (`srcset`).
    Srcset,
    /// A link's preview for the site's script (`data-preview`). The range
    /// is the whole attribute, with the white space before it, to drop it.
    Preview,
    /// Not an attribute: where the `<h1>` that the HTML opens with ends
    /// (an empty range), so that a page can set a note's title apart.
    TitleEnd,
}

/// Attributes that hold ids of other elements, separated by white space.
const ID_REFERENCES: [&str; 14] = [
    "for",
    "headers",
    "list",
    "form",
    "popovertarget",
    "commandfor",
    "aria-labelledby",
    "aria-describedby",
    "aria-controls",
    "aria-owns",
    "aria-details",
    "aria-activedescendant",
    "aria-errormessage",
    "aria-flowto",
];

/// What the attribute `name` (in any letter case) of the element `tag`
/// holds, if it is one an [`Attr`] records.
pub(crate) fn kind_of(tag: &[u8], name: &[u8]) -> Option<AttrKind> {
    let is = |n: &str| n.as_bytes().eq_ignore_ascii_case(name);
    Some(match name.len() {
        2 if is("id") => AttrKind::Id,
        4 if is("name") && tag.eq_ignore_ascii_case(b"a") => AttrKind::Id,
        4 if is("href") => AttrKind::Link,
        3 if is("src") => AttrKind::Resource,
        4 if is("data") => AttrKind::Resource,
        6 if is("poster") => AttrKind::Resource,
        6 if is("srcset") => AttrKind::Srcset,
        6 if is("usemap") => AttrKind::MapRef,
        12 if is("data-preview") => AttrKind::Preview,
        _ if ID_REFERENCES.iter().any(|r| is(r)) => AttrKind::IdRefs,
        _ => return None,
    })
}

/// Whether an attribute of `kind` whose value is `value` (as written)
/// is recorded: a URL with a scheme leaves the book, and stays as it is
/// wherever the HTML is shown.
fn recorded(kind: AttrKind, value: &str) -> bool {
    !matches!(kind, AttrKind::Link | AttrKind::Resource) || !has_scheme(value)
}

/// Calls `found` with each recorded attribute of the start tag `tag` in
/// `s` whose attributes run from `from` to `end` (its `>`), read as browsers
/// read them: a name runs to white space, `/`, `>` or `=` (its first
/// character may be `=`); a value is quoted or runs to white space.
pub(crate) fn tag_attrs(
    s: &str,
    tag: &[u8],
    from: usize,
    end: usize,
    mut found: impl FnMut(Range<usize>, AttrKind),
) {
    let b = s.as_bytes();
    let space = |p: usize| p < end && b[p].is_ascii_whitespace();
    let mut p = from;
    while p < end {
        // The white space (and `/`) before the attribute.
        let gap = p;
        while p < end && (b[p].is_ascii_whitespace() || b[p] == b'/') {
            p += 1;
        }
        if p >= end {
            return;
        }
        let name_start = p;
        p += 1;
        while p < end && !(b[p].is_ascii_whitespace() || matches!(b[p], b'/' | b'>' | b'=')) {
            p += 1;
        }
        let name = &b[name_start..p];
        let mut q = p;
        while space(q) {
            q += 1;
        }
        if q >= end || b[q] != b'=' {
            continue;
        }
        q += 1;
        while space(q) {
            q += 1;
        }
        let value = match b.get(q) {
            Some(&quote @ (b'"' | b'\'')) if q < end => {
                let Some(close) = b[q + 1..end].iter().position(|&c| c == quote) else {
                    return;
                };
                p = q + 1 + close + 1;
                q + 1..q + 1 + close
            }
            _ => {
                p = q;
                while p < end && !b[p].is_ascii_whitespace() {
                    p += 1;
                }
                q..p
            }
        };
        match kind_of(tag, name) {
            Some(AttrKind::Preview) => found(gap..p, AttrKind::Preview),
            Some(kind) if recorded(kind, &s[value.clone()]) => found(value, kind),
            _ => {}
        }
    }
}

/// The attributes of pieces of HTML made before they are written (footnote
/// markers, term links, chunks of the author's raw HTML), relative to each
/// piece, by the address of its text. A piece keeps its address from when
/// it is made to when it is written: its text is either borrowed from the
/// Markdown or a boxed string of its own, never copied on the way, and
/// every piece recorded here is written (or, in an image's description,
/// dropped) before the fragment's rendering ends.
#[derive(Debug, Default)]
pub(crate) struct Ahead {
    pieces: HashMap<usize, Vec<Attr>, ahash::RandomState>,
}

impl Ahead {
    /// Records an attribute at `range` of the piece of HTML `piece`.
    pub(crate) fn add(&mut self, piece: &str, range: Range<usize>, kind: AttrKind) {
        self.add_at(piece.as_ptr() as usize, range, kind);
    }

    /// Records an attribute at `range` of the piece whose text is at
    /// `address`.
    pub(crate) fn add_at(&mut self, address: usize, range: Range<usize>, kind: AttrKind) {
        self.pieces
            .entry(address)
            .or_default()
            .push(Attr::new(range, kind));
    }

    /// Takes the attributes of `piece`, about to be written.
    fn take(&mut self, piece: &str) -> Option<Vec<Attr>> {
        if self.pieces.is_empty() {
            return None;
        }
        self.pieces.remove(&(piece.as_ptr() as usize))
    }

    /// Whether every piece recorded was written.
    pub(crate) fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }
}

/// A `fmt::Write` onto a string that tells, through `written`, how long
/// the string is: how far pulldown-cmark has written.
struct Counting<'s> {
    html: &'s mut String,
    written: &'s Cell<usize>,
}

impl std::fmt::Write for Counting<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.html.push_str(s);
        self.written.set(self.html.len());
        Ok(())
    }
}

/// Counts the bytes written to it.
struct Length(usize);

impl std::fmt::Write for Length {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// The length of `s` escaped as pulldown-cmark escapes an attribute value
/// (`href`: as it escapes a URL).
fn escaped_len(s: &str, href: bool) -> usize {
    let mut length = Length(0);
    let w = pulldown_cmark_escape::FmtWriter(&mut length);
    let _ = if href {
        pulldown_cmark_escape::escape_href(w, s)
    } else {
        pulldown_cmark_escape::escape_html(w, s)
    };
    length.0
}

/// The events on their way to pulldown-cmark's HTML writer, which takes
/// each once every event before it is written: `written` is then where
/// its HTML begins.
struct Placing<'w, I> {
    events: I,
    written: &'w Cell<usize>,
    attrs: &'w mut Vec<Attr>,
    ahead: &'w mut Ahead,
    /// How deep inside an image the events are: its description is
    /// written as the text of its `alt`, markup and all.
    in_image: usize,
    /// Whether the first event was a level-1 heading, not yet ended.
    opening_h1: bool,
    first: bool,
    /// Heading tags, which pulldown-cmark begins with a line break when
    /// they do not follow one: their attributes (indexes into `attrs`),
    /// and where the tag begins.
    headings: Vec<(Range<usize>, usize)>,
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Placing<'_, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        let event = self.events.next()?;
        let at = self.written.get();
        let first = std::mem::replace(&mut self.first, false);
        if self.in_image > 0 {
            match &event {
                Event::Start(_) => self.in_image += 1,
                Event::End(_) => self.in_image -= 1,
                Event::Html(piece) | Event::InlineHtml(piece) => {
                    self.ahead.take(piece);
                }
                _ => {}
            }
            return Some(event);
        }
        match &event {
            Event::Html(piece) | Event::InlineHtml(piece) => {
                if let Some(attrs) = self.ahead.take(piece) {
                    self.attrs.extend(attrs.into_iter().map(|a| a.shifted(at)));
                }
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                self.opening_h1 = first && *level == HeadingLevel::H1;
                let before = self.attrs.len();
                self.heading(at, id.as_deref(), classes, attrs);
                self.headings.push((before..self.attrs.len(), at));
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) if self.opening_h1 => {
                self.opening_h1 = false;
                let end = at + "</h1>".len();
                self.attrs.push(Attr::new(end..end, AttrKind::TitleEnd));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if *link_type != LinkType::Email => {
                self.url(at + "<a href=\"".len(), dest_url, AttrKind::Link);
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                self.url(at + "<img src=\"".len(), dest_url, AttrKind::Resource);
                self.in_image = 1;
            }
            _ => {}
        }
        Some(event)
    }
}

impl<I> Placing<'_, I> {
    /// A URL written at `start`, escaped as pulldown-cmark escapes it.
    fn url(&mut self, start: usize, url: &str, kind: AttrKind) {
        if recorded(kind, url) {
            let end = start + escaped_len(url, true);
            self.attrs.push(Attr::new(start..end, kind));
        }
    }

    /// The attributes of a heading tag written at `at` as pulldown-cmark
    /// writes it, `<h2 id="x" class="a b" key="value">` (their places as
    /// if it wrote no line break before it).
    fn heading(
        &mut self,
        at: usize,
        id: Option<&str>,
        classes: &[CowStr<'_>],
        attrs: &[(CowStr<'_>, Option<CowStr<'_>>)],
    ) {
        let mut p = at + "<h1".len();
        if let Some(id) = id {
            p += " id=\"".len();
            let end = p + escaped_len(id, false);
            self.attrs.push(Attr::new(p..end, AttrKind::Id));
            p = end + 1;
        }
        if !classes.is_empty() {
            // ` class="a b"`
            p += " class=\"\"".len() + classes.len() - 1;
            p += classes.iter().map(|c| escaped_len(c, false)).sum::<usize>();
        }
        for (name, value) in attrs {
            // ` key="value"`, `=""` without a value.
            let gap = p;
            p += 1 + escaped_len(name, false) + "=\"".len();
            let value = value.as_deref().unwrap_or("");
            let end = p + escaped_len(value, false);
            match kind_of(b"h", name.as_bytes()) {
                Some(AttrKind::Preview) => {
                    self.attrs.push(Attr::new(gap..end + 1, AttrKind::Preview));
                }
                Some(kind) if recorded(kind, value) => {
                    self.attrs.push(Attr::new(p..end, kind));
                }
                _ => {}
            }
            p = end + 1;
        }
    }
}

/// Writes `events` as HTML onto `html`, as `pulldown_cmark::html::push_html`
/// does, and records in `attrs` where the HTML holds ids, URLs and
/// previews: those of the tags pulldown-cmark writes, and those `ahead`
/// holds for the pieces of HTML among the events.
pub(crate) fn write_html<'a>(
    html: &mut String,
    attrs: &mut Vec<Attr>,
    events: impl IntoIterator<Item = Event<'a>>,
    ahead: &mut Ahead,
) {
    let written = Cell::new(html.len());
    let mut placing = Placing {
        events: events.into_iter(),
        written: &written,
        attrs,
        ahead,
        in_image: 0,
        opening_h1: false,
        first: true,
        headings: Vec::new(),
    };
    let writer = Counting {
        html: &mut *html,
        written: &written,
    };
    // Writing to a string cannot fail.
    let _ = pulldown_cmark::html::write_html_fmt(writer, &mut placing);
    let Placing {
        attrs, headings, ..
    } = placing;
    for (heading, at) in headings {
        if html.as_bytes().get(at) == Some(&b'\n') {
            for attr in &mut attrs[heading] {
                *attr = attr.shifted(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceMap;
    use crate::glossary::Glossary;
    use crate::load::Unloaded;
    use crate::markdown::{Fragment, RenderEnv, Rendered, render};
    use crate::resolve::SourceSet;

    fn rendered(markdown: &str) -> Rendered {
        let mut files = SourceMap::default();
        let file = files.add("n.md".into(), "n.md".into(), markdown.into());
        let (sources, glossary) = (SourceSet::default(), Glossary::default());
        let env = RenderEnv {
            sources: &sources,
            glossary: &glossary,
            autolink: None,
            term_previews: &[],
            unloaded: &Unloaded::default(),
        };
        render(
            &env,
            &Fragment {
                file,
                text: markdown,
                offset: 0,
                page: "a/n.html",
                base_dir: "a",
                first_footnote: 1,
                autolink: false,
                escapes: None,
                collect: crate::markdown::Collect::Page {
                    sections: false,
                    title_in_body: false,
                    units: false,
                },
            },
        )
    }

    /// What the renderer recorded in `html`: each attribute's kind and
    /// value (a preview's name), sorted.
    fn recorded_in(html: &str, attrs: &[Attr]) -> Vec<(AttrKind, String)> {
        let mut found: Vec<(AttrKind, String)> = attrs
            .iter()
            .filter(|a| a.kind != AttrKind::TitleEnd)
            .map(|a| {
                let value = &html[a.range()];
                let value = match a.kind {
                    AttrKind::Preview => {
                        let (name, _) = value.trim_start().split_once('=').unwrap();
                        name.to_ascii_lowercase()
                    }
                    _ => value.replace("&quot;", "\"").replace("&amp;", "&"),
                };
                (a.kind, value)
            })
            .collect();
        found.sort_by(|a, b| (a.0 as u8, &a.1).cmp(&(b.0 as u8, &b.1)));
        found
    }

    /// What a browser's parser finds in `html` of what an [`Attr`]
    /// records, in the same form.
    fn parsed(html: &str) -> Vec<(AttrKind, String)> {
        let document = scraper::Html::parse_fragment(html);
        let mut found = Vec::new();
        for element in document.root_element().descendants() {
            let Some(element) = element.value().as_element() else {
                continue;
            };
            for (name, value) in element.attrs() {
                match kind_of(element.name().as_bytes(), name.as_bytes()) {
                    Some(AttrKind::Preview) => found.push((AttrKind::Preview, name.to_string())),
                    Some(kind) if recorded(kind, value) => found.push((kind, value.to_string())),
                    _ => {}
                }
            }
        }
        found.sort_by(|a, b| (a.0 as u8, &a.1).cmp(&(b.0 as u8, &b.1)));
        found
    }

    #[test]
    fn what_is_recorded_is_what_a_browser_reads() {
        let markdown = concat!(
            "# Title {#top}\n\nText\n## Heading {#h .c for=a data-preview=x}\n\n",
            "[link](b.md#k \"T\") [ext](https://e.com/) <mailto:a@b.c> ![img *x* [^n] <b id=\"in-alt\">b</b>](p.png)[^n]\n\n",
            "<a  HREF='../x.html' name=n data-preview=\"p\">y</a> <img srcset=\"a.png 1x, b.png 2x\" usemap=\"#m\">\n\n",
            "<div\n  id=\"block\"\n  class=\"c\">\n\n*Markdown*\n\n</div>\n\n",
            "> Inline <span\n> id=\"owned\">x</span> <!-- <a id=\"comment\"> -->\n\n",
            "`<a id=\"code\">`\n\n```\n<a id=\"block-code\">\n```\n\n",
            "[^n]: A note with [a link](#top) and <span id=\"in-note\">HTML</span>.\n",
        );
        let rendered = rendered(markdown);
        assert!(
            rendered.diagnostics.is_empty(),
            "{:?}",
            rendered.diagnostics
        );
        assert_eq!(
            recorded_in(&rendered.html, &rendered.attrs),
            parsed(&rendered.html)
        );
        let [footnote] = &rendered.footnotes[..] else {
            panic!("one footnote")
        };
        assert_eq!(
            recorded_in(&footnote.html, &footnote.attrs),
            parsed(&footnote.html)
        );
        assert!(rendered.attrs.iter().any(|a| a.kind == AttrKind::TitleEnd));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 300, ..Default::default() })]
        /// Whatever the Markdown and the HTML in it, every id, URL and
        /// preview a browser finds is recorded, at its place.
        #[test]
        fn any_mix_is_recorded_as_a_browser_reads_it(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "Prose ", "*em* ", "\n", "\n\n", "> ", "- ", "1. ", "    ", "## H {#h .c}\n", "# T\n",
            "[l](b.md)", "[l](#x \"t\")", "[e](https://e.com/)", "<https://e.com/a>", "<a@b.c>",
            "![i](p.png)", "![i <i id=\"alt\">x</i> [^n]](p.png)", "[^n]", "[^m]", "\n\n[^n]: note [l](c.md) ",
            "<span id=\"s\">s</span>", "<a href='../q.html' name=n>q</a>", "<b data-preview=\"p\">b</b>",
            "<img src=x.png srcset=\"a.png 1x\">", "<div\nid=\"d\"\n>\n\n", "</div>", "<!-- <a id=\"c\"> -->",
            "`<a id=\"code\">`", "```\n<a id=\"cb\">\n```\n", "<label for=\"x y\">l</label>",
        ]), 0..24)) {
            let markdown: String = pieces.concat();
            let rendered = rendered(&markdown);
            // HTML that does not close what it opens is refused (and read
            // by a browser as it guesses).
            if rendered.diagnostics.iter().any(|d| d.severity == crate::diagnostics::Severity::Error) {
                return Ok(());
            }
            proptest::prop_assert_eq!(recorded_in(&rendered.html, &rendered.attrs), parsed(&rendered.html), "{}", &rendered.html);
            for f in &rendered.footnotes {
                proptest::prop_assert_eq!(recorded_in(&f.html, &f.attrs), parsed(&f.html), "{}", &f.html);
            }
        }
    }
}
