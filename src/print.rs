//! The print edition: `print.html`, the whole book on one page in reading
//! order (introduction, notes, chronology, glossary, list of sources), to
//! print or save as PDF.
//!
//! Nothing is rendered twice. A note's print article is made from the HTML
//! its own page was made from: every `id` gets the note's prefix
//! (`overview--key`), every link into the site becomes a link inside the
//! page (another note's heading, a glossary term, an event, a source's entry
//! in the list of sources), and links to other files are rebased to the
//! root, where `print.html` stands. The note's footnotes follow it as
//! endnotes, numbered as on its page.
//!
//! A one-shot build writes each note's page as soon as the note is rendered
//! and drops its HTML (see [`crate::site`]); the print article is made at
//! that moment too and put in a [`Spool`], a temporary file, so that a
//! 10,000-note book never holds every article in memory. The articles are
//! read back in reading order between the two halves of the page the
//! `print.html` template renders. `serve` makes the page only when it is
//! asked for ([`crate::site::Project::render_print`]).
//!
//! Ids stay unique on the page because the id a note's article has (its
//! prefix) is a slug without `--`, unique among the notes and different
//! from the ids of the parts of the page ([`PART_IDS`]), and every id inside
//! a part is `<part>--<id on the site's page>`: two ids that differ on
//! the page differed on the site.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::html::{escape_into, has_scheme};
use crate::load::Book;
use crate::markdown::{Footnote, Rendered};
use crate::output::PageSink;
use crate::slug::slugify;
use crate::theme::Theme;

/// Where the print edition is written, and the template that renders it.
pub const PAGE: &str = "print.html";

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
    /// `check` writes nothing, and making an article cannot fail.
    Check,
    /// Makes every note's article as the note is rendered, and the page.
    Write,
}

/// Where each page of the site is on the print page.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The id of each note's article, by index in reading order.
    notes: Vec<String>,
    /// A page of the site -> the id it becomes, and whether a `#fragment`
    /// of a link to it is kept (as `<id>--<fragment>`) or dropped (a source
    /// page's paragraphs are not on the print page).
    pages: HashMap<String, (String, bool)>,
}

impl Layout {
    /// Chooses an id for every note and maps every page of the site.
    pub fn new(book: &Book) -> Layout {
        let mut taken: HashSet<String> = PART_IDS.iter().map(|s| s.to_string()).collect();
        let mut notes = Vec::with_capacity(book.notes.len());
        let mut pages = HashMap::with_capacity(book.notes.len() + book.sources.sources.len() + 6);
        for note in &book.notes {
            let base = note_slug(&note.page);
            let mut id = base.clone();
            let mut n = 1;
            while !taken.insert(id.clone()) {
                n += 1;
                id = format!("{base}-{n}");
            }
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
                (format!("sources--{}", source.id), false),
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

/// A piece of rendered HTML and where it stood on the site.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    /// The site page it was rendered for; its relative links start there.
    pub page: &'a str,
    /// The id of its part of the print page; ids inside get it as prefix.
    pub id: &'a str,
}

/// Elements whose content is text up to their end tag: no tag inside is
/// rewritten.
const RAW_TEXT: [&str; 10] = [
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

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

/// One attribute of a start tag: byte ranges into the HTML.
struct Attribute {
    /// The whole attribute, as written.
    whole: std::ops::Range<usize>,
    name: std::ops::Range<usize>,
    /// The value between its quotes (or unquoted), if it has one.
    value: Option<std::ops::Range<usize>>,
    /// What the print page does with it, if anything.
    kind: Option<Kind>,
}

/// A start tag: where its name is, where the text after the last
/// attribute up to `>` begins, and where it ends (after `>`). Its
/// attributes go into a buffer the caller reuses from tag to tag.
struct StartTag {
    name: std::ops::Range<usize>,
    tail: usize,
    end: usize,
}

/// The index of the first `needle` in `hay`, eight bytes at a time: the
/// print edition scans every note's HTML, and a byte at a time was most of
/// its cost.
fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(needle);
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        if let Ok(bytes) = <[u8; 8]>::try_from(chunk) {
            // A zero byte of `word` is a match; the lowest flagged byte is
            // the first (flags above a true match may be false).
            let word = u64::from_le_bytes(bytes) ^ pattern;
            let found = word.wrapping_sub(ONES) & !word & HIGHS;
            if found != 0 {
                return Some(at + (found.trailing_zeros() / 8) as usize);
            }
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|p| at + p)
}

/// Reads the start tag whose name begins at `from` (just after `<`), as
/// the HTML tokenizer does; `None` if it is never closed with `>`. Every
/// index it stops at follows an ASCII byte or a whole character, so that
/// slicing there never splits a character.
fn start_tag(html: &str, from: usize, attributes: &mut Vec<Attribute>) -> Option<StartTag> {
    let b = html.as_bytes();
    let mut p = from;
    while p < b.len() && (b[p].is_ascii_alphanumeric() || b[p] == b'-' || b[p] == b':') {
        p += 1;
    }
    let name = from..p;
    attributes.clear();
    loop {
        let tail = p;
        while p < b.len() && (b[p].is_ascii_whitespace() || b[p] == b'/') {
            p += 1;
        }
        if p >= b.len() {
            return None;
        }
        if b[p] == b'>' {
            return Some(StartTag {
                name,
                tail,
                end: p + 1,
            });
        }
        let start = p;
        // The first character of a name may be `=`; after that, a name
        // runs to white space, `/`, `>` or `=`.
        p += 1;
        while p < b.len()
            && !matches!(
                b[p],
                b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>' | b'='
            )
        {
            p += 1;
        }
        let attr_name = start..p;
        let mut q = p;
        while q < b.len() && b[q].is_ascii_whitespace() {
            q += 1;
        }
        let mut value = None;
        if q < b.len() && b[q] == b'=' {
            q += 1;
            while q < b.len() && b[q].is_ascii_whitespace() {
                q += 1;
            }
            match b.get(q) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let close = q + 1 + find_byte(&b[q + 1..], quote)?;
                    value = Some(q + 1..close);
                    p = close + 1;
                }
                _ => {
                    let mut e = q;
                    while e < b.len() && !b[e].is_ascii_whitespace() && b[e] != b'>' {
                        e += 1;
                    }
                    value = Some(q..e);
                    p = e;
                }
            }
        }
        attributes.push(Attribute {
            whole: start..p,
            name: attr_name,
            value,
            kind: None,
        });
    }
}

/// Decodes the character references an attribute value may hold for the
/// characters that matter in ids and URLs (`&amp;`, `&quot;`, numeric
/// references...). Other named references are left as written.
fn decode_attribute(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains('&') {
        return raw.into();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // A reference is short; `;` is ASCII, so its index is a boundary.
        let Some(semi) = rest.bytes().take(12).position(|b| b == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// Writes the URL `url`, written on `part.page`, onto `out` as the print
/// page needs it, escaped for a double-quoted attribute: a link into the
/// site becomes `#<id>` or `#<id>--<fragment>`, a same-page fragment gets
/// the part's prefix, any other relative URL is rebased to the root.
/// `link` is false for resources (`src`): they are only rebased. Returns
/// false, writing nothing, when the URL stays as it is. `scratch` is a
/// buffer reused from call to call.
fn write_url(
    out: &mut String,
    scratch: &mut String,
    url: &str,
    part: Part<'_>,
    layout: &Layout,
    link: bool,
) -> bool {
    let bytes = url.as_bytes();
    match bytes.first() {
        None | Some(b'/' | b'\\') => return false,
        Some(b'#') => {
            if !link || url.len() == 1 {
                return false;
            }
            out.push('#');
            out.push_str(part.id);
            out.push_str("--");
            escape_into(out, &url[1..]);
            return true;
        }
        _ => {}
    }
    // A scheme (`https:`) comes before any `/`, `?` or `#`.
    let first_mark = bytes
        .iter()
        .position(|b| matches!(b, b':' | b'/' | b'?' | b'#'));
    if first_mark.is_some_and(|i| bytes[i] == b':') && has_scheme(url) {
        return false;
    }
    let (before, fragment) = match find_byte(bytes, b'#') {
        Some(i) => (&url[..i], Some(&url[i + 1..])),
        None => (url, None),
    };
    let (path, query) = match find_byte(before.as_bytes(), b'?') {
        Some(i) => (&before[..i], Some(&before[i + 1..])),
        None => (before, None),
    };
    // The path from the root, built as `a/b/` segment by segment.
    let resolved = scratch;
    resolved.clear();
    let (page_dir, page_file) = match part.page.rfind('/') {
        Some(i) => (&part.page[..=i], &part.page[i + 1..]),
        None => ("", part.page),
    };
    resolved.push_str(page_dir);
    let mut up = 0;
    let mut folder = false;
    // `?x` is the page itself.
    let segments = if path.is_empty() { page_file } else { path };
    for segment in segments.split('/') {
        folder = matches!(segment, "" | "." | "..");
        match segment {
            "" | "." => {}
            ".." => {
                if resolved.is_empty() {
                    up += 1;
                } else {
                    resolved.pop();
                    let keep = resolved.rfind('/').map_or(0, |i| i + 1);
                    resolved.truncate(keep);
                }
            }
            s => {
                resolved.push_str(s);
                resolved.push('/');
            }
        }
    }
    if resolved.ends_with('/') {
        resolved.pop();
    }
    if link && up == 0 {
        let length = resolved.len();
        if folder {
            resolved.push_str(if length == 0 {
                "index.html"
            } else {
                "/index.html"
            });
        }
        let target = if resolved.contains('%') {
            layout.pages.get(
                percent_encoding::percent_decode_str(resolved)
                    .decode_utf8_lossy()
                    .as_ref(),
            )
        } else {
            layout.pages.get(resolved.as_str())
        };
        if let Some((id, keep)) = target {
            out.push('#');
            out.push_str(id);
            if let Some(f) = fragment.filter(|f| *keep && !f.is_empty()) {
                out.push_str("--");
                escape_into(out, f);
            }
            return true;
        }
        resolved.truncate(length);
    }
    let mut rebased = "../".repeat(up);
    rebased.push_str(resolved);
    if folder && !resolved.is_empty() {
        rebased.push('/');
    }
    if rebased.is_empty() {
        rebased.push_str("./");
    }
    if let Some(q) = query {
        rebased.push('?');
        rebased.push_str(q);
    }
    if let Some(f) = fragment {
        rebased.push('#');
        rebased.push_str(f);
    }
    if rebased == url {
        return false;
    }
    escape_into(out, &rebased);
    true
}

/// The attributes the print page changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `id`, and `name` on `a`: prefixed.
    Id,
    /// `href`: moved inside the page, or rebased.
    Link,
    /// `src`, `poster`, `data`: rebased.
    Resource,
    /// `srcset`: each URL rebased.
    Srcset,
    /// `usemap="#map"`: prefixed.
    Usemap,
    /// Ids of other elements, separated by white space: each prefixed.
    References,
    /// `data-preview`: dropped; previews are for the site's script, which
    /// the print page has not.
    Preview,
}

/// What kind of attribute `name` (in any case) on `tag` is, if the print
/// page changes it. Most tags (the spans of highlighted code, paragraphs,
/// marks) have none such, and are copied without a look at their values.
fn kind(tag: &str, name: &str) -> Option<Kind> {
    let is = |n: &str| n.eq_ignore_ascii_case(name);
    match name.len() {
        2 if is("id") => Some(Kind::Id),
        4 if is("name") && tag.eq_ignore_ascii_case("a") => Some(Kind::Id),
        4 if is("href") => Some(Kind::Link),
        3 if is("src") => Some(Kind::Resource),
        4 if is("data") => Some(Kind::Resource),
        6 if is("poster") => Some(Kind::Resource),
        6 if is("srcset") => Some(Kind::Srcset),
        6 if is("usemap") => Some(Kind::Usemap),
        12 if is("data-preview") => Some(Kind::Preview),
        _ if ID_REFERENCES.iter().any(|r| r.len() == name.len() && is(r)) => Some(Kind::References),
        _ => None,
    }
}

/// Writes the new value of an attribute of `kind` whose (decoded) value is
/// `value` onto `out`, escaped; false, writing nothing, if it stays.
fn write_value(
    out: &mut String,
    scratch: &mut String,
    kind: Kind,
    value: &str,
    part: Part<'_>,
    layout: &Layout,
) -> bool {
    match kind {
        Kind::Id => {
            out.push_str(part.id);
            out.push_str("--");
            escape_into(out, value);
            true
        }
        Kind::Link | Kind::Resource => {
            write_url(out, scratch, value, part, layout, kind == Kind::Link)
        }
        Kind::Srcset => {
            let mut first = true;
            for candidate in value.split(',') {
                let candidate = candidate.trim();
                let (url, size) = candidate
                    .split_once(char::is_whitespace)
                    .unwrap_or((candidate, ""));
                if !first {
                    out.push_str(", ");
                }
                first = false;
                if !write_url(out, scratch, url, part, layout, false) {
                    escape_into(out, url);
                }
                if !size.trim().is_empty() {
                    out.push(' ');
                    escape_into(out, size.trim());
                }
            }
            true
        }
        Kind::Usemap => match value.strip_prefix('#') {
            Some(map) => {
                out.push('#');
                out.push_str(part.id);
                out.push_str("--");
                escape_into(out, map);
                true
            }
            None => false,
        },
        Kind::References => {
            for (k, id) in value.split_ascii_whitespace().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                out.push_str(part.id);
                out.push_str("--");
                escape_into(out, id);
            }
            true
        }
        Kind::Preview => false,
    }
}

/// Writes `html`, rendered for `part.page`, onto `out` for the print page:
/// ids prefixed, links moved inside the page, other URLs rebased,
/// previews dropped. Text, comments and the content of raw-text elements
/// are copied as they are.
pub fn rewrite(html: &str, part: Part<'_>, layout: &Layout, out: &mut String) {
    out.reserve(html.len());
    let b = html.as_bytes();
    let mut attributes: Vec<Attribute> = Vec::new();
    let mut scratch = String::new();
    let mut at = 0;
    let mut copied = 0;
    while let Some(offset) = find_byte(&b[at..], b'<') {
        let start = at + offset;
        let rest = &b[start..];
        if rest.starts_with(b"<!--") {
            at = html[start + 4..]
                .find("-->")
                .map_or(html.len(), |e| start + 4 + e + 3);
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") || rest.starts_with(b"</") {
            at = start + 2;
            continue;
        }
        if !rest.get(1).is_some_and(u8::is_ascii_alphabetic) {
            at = start + 1;
            continue;
        }
        let Some(tag) = start_tag(html, start + 1, &mut attributes) else {
            break;
        };
        let name = &html[tag.name.clone()];
        let mut changes = false;
        for a in attributes.iter_mut() {
            a.kind = match a.value {
                Some(_) => kind(name, &html[a.name.clone()]),
                None => None,
            };
            changes |= a.kind.is_some();
        }
        if changes {
            // The tag is written anew; if nothing changes after all (an
            // external link), it is taken back and copied as it was.
            out.push_str(&html[copied..start]);
            copied = start;
            let mark = out.len();
            let mut changed = false;
            out.push('<');
            out.push_str(name);
            for a in &attributes {
                let whole = &html[a.whole.clone()];
                match (a.kind, &a.value) {
                    (Some(Kind::Preview), _) => changed = true,
                    (Some(kind), Some(value)) => {
                        out.push(' ');
                        out.push_str(&html[a.name.clone()]);
                        out.push_str("=\"");
                        let before = out.len();
                        let raw = &html[value.clone()];
                        let decoded = decode_attribute(raw);
                        if write_value(out, &mut scratch, kind, &decoded, part, layout) {
                            changed = true;
                        } else {
                            out.truncate(before);
                            // As written, when that is safe between `"`.
                            if b.get(value.start.wrapping_sub(1)) == Some(&b'"') {
                                out.push_str(raw);
                            } else {
                                escape_into(out, &decoded);
                            }
                        }
                        out.push('"');
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(whole);
                    }
                }
            }
            out.push_str(&html[tag.tail..tag.end]);
            if changed {
                copied = tag.end;
            } else {
                out.truncate(mark);
            }
        }
        at = tag.end;
        if RAW_TEXT
            .iter()
            .any(|r| r.len() == name.len() && r.eq_ignore_ascii_case(name))
        {
            at = end_tag(html, at, name);
        }
    }
    out.push_str(&html[copied..]);
}

/// Where the end tag `</name` of a raw-text element begins, from `from`
/// (the end of the text if it never does), in any letter case.
fn end_tag(html: &str, from: usize, name: &str) -> usize {
    let mut at = from;
    while let Some(offset) = html[at..].find("</") {
        let start = at + offset;
        let candidate = html.as_bytes().get(start + 2..start + 2 + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
            return start;
        }
        at = start + 2;
    }
    html.len()
}

/// A folder's name as a section title (`key-actors` -> `Key actors`), as
/// the table of contents shows it.
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

/// Writes a part's footnotes as its endnotes, numbered as on its page,
/// with the same markup as the theme's list of footnotes.
fn endnotes(out: &mut String, footnotes: &[&Footnote], part: Part<'_>, layout: &Layout) {
    if footnotes.is_empty() {
        return;
    }
    let id = part.id;
    let _ = write!(
        out,
        "<section class=\"footnotes print-endnotes\" aria-labelledby=\"{id}--footnotes-heading\">\n<h2 id=\"{id}--footnotes-heading\" class=\"footnotes-heading\">Notes</h2>\n<ol>\n"
    );
    for f in footnotes {
        let _ = write!(out, "<li id=\"{id}--");
        escape_into(out, &f.id);
        let _ = writeln!(
            out,
            "\" value=\"{}\" class=\"footnote{}\">",
            f.number,
            if f.citation { " citation" } else { "" }
        );
        rewrite(&f.html, part, layout, out);
        out.push_str("\n<p class=\"backrefs\">");
        let several = f.backrefs.len() > 1;
        for (k, backref) in f.backrefs.iter().enumerate() {
            let _ = write!(out, "<a href=\"#{id}--");
            escape_into(out, backref);
            if several {
                let _ = write!(
                    out,
                    "\" class=\"backref\" aria-label=\"Back to reference {} of note {}\">↩<sup>{}</sup></a> ",
                    k + 1,
                    f.number,
                    k + 1
                );
            } else {
                let _ = write!(
                    out,
                    "\" class=\"backref\" aria-label=\"Back to reference {}\">↩</a> ",
                    f.number
                );
            }
        }
        out.push_str("</p>\n</li>\n");
    }
    out.push_str("</ol>\n</section>\n");
}

/// The `i`th note as an article of the print page: its title, date and
/// tags, its body and its endnotes.
pub fn note_article(book: &Book, i: usize, rendered: &Rendered, layout: &Layout) -> String {
    let Some(note) = book.notes.get(i) else {
        return String::new();
    };
    let id = layout.note_id(i);
    let part = Part {
        page: &note.page,
        id,
    };
    let footnotes: usize = rendered.footnotes.iter().map(|f| f.html.len() + 256).sum();
    let mut out = String::with_capacity(rendered.html.len() + footnotes + 512);
    let _ = writeln!(out, "<article class=\"print-note\" id=\"{id}\">");
    // The header reads section, title, date and tags. A title the body
    // opens with (`# Title`) is moved into it, so that the date and tags
    // still follow the title.
    let mut body = rendered.html.as_str();
    let mut leading_title = "";
    if note.title_in_body && body.starts_with("<h1") {
        if let Some(end) = body.find("</h1>") {
            let (title, rest) = body.split_at(end + "</h1>".len());
            leading_title = title;
            body = rest;
        }
    }
    let section = note.section().map(section_title);
    out.push_str("<header class=\"print-note-header\">\n");
    if let Some(section) = section {
        out.push_str("<p class=\"print-kicker\">");
        escape_into(&mut out, &section);
        out.push_str("</p>\n");
    }
    if note.title_in_body {
        rewrite(leading_title, part, layout, &mut out);
        out.push('\n');
    } else {
        out.push_str("<h1>");
        escape_into(&mut out, &note.title);
        out.push_str("</h1>\n");
    }
    if note.date.is_some() || !note.tags.is_empty() {
        out.push_str("<p class=\"note-meta\">");
        if let Some(date) = note.date {
            let _ = write!(out, "<time datetime=\"{date}\">{}</time>", date.human());
        }
        for tag in &note.tags {
            out.push_str(" <span class=\"tag\">");
            escape_into(&mut out, tag);
            out.push_str("</span>");
        }
        out.push_str("</p>\n");
    }
    out.push_str("</header>\n");
    rewrite(body, part, layout, &mut out);
    let footnotes: Vec<&Footnote> = rendered.footnotes.iter().collect();
    endnotes(&mut out, &footnotes, part, layout);
    out.push_str("</article>\n");
    out
}

/// The print articles of notes, kept out of memory until the page is put
/// together: in a temporary file, or in memory if none can be made.
pub struct Spool {
    inner: Mutex<SpoolInner>,
}

struct SpoolInner {
    file: Option<SpoolFile>,
    /// Each note's article, by index in reading order.
    slots: Vec<Slot>,
    /// The first error writing the file.
    error: Option<String>,
}

enum Slot {
    Missing,
    InFile { offset: u64, len: usize },
    InMemory(String),
}

struct SpoolFile {
    file: std::fs::File,
    /// Where the file is, to remove it when done (where it cannot be
    /// removed while open).
    path: Option<PathBuf>,
    end: u64,
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl SpoolFile {
    fn create(dir: &Path) -> std::io::Result<SpoolFile> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let mut attempt = 0;
        loop {
            let path = dir.join(format!(
                ".briefbook-print-{}-{}.tmp",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            // create_new: never through a link someone left in the way.
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    // On Unix the file can go at once: it lives while open,
                    // and nothing is left behind if the build is killed.
                    let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() {
                        None
                    } else {
                        Some(path)
                    };
                    return Ok(SpoolFile { file, path, end: 0 });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Spool {
    /// A spool for `notes` articles, in a temporary file in `near` (the
    /// folder the site is written to: the same disk, and not a `/tmp` that
    /// may be held in memory), else in the system's temporary folder, else
    /// in memory.
    pub fn new(notes: usize, near: Option<&Path>) -> Spool {
        let mut slots = Vec::with_capacity(notes);
        slots.resize_with(notes, || Slot::Missing);
        // `output` has the parent ``: the current folder.
        let near = near.map(|dir| {
            if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }
        });
        let file = near
            .and_then(|dir| SpoolFile::create(dir).ok())
            .or_else(|| SpoolFile::create(&std::env::temp_dir()).ok());
        Spool {
            inner: Mutex::new(SpoolInner {
                file,
                slots,
                error: None,
            }),
        }
    }

    /// Keeps the `i`th note's article.
    pub fn put(&self, i: usize, article: String) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let inner = &mut *inner;
        if i >= inner.slots.len() {
            return;
        }
        let slot = match &mut inner.file {
            Some(spool) => match spool.file.write_all(article.as_bytes()) {
                Ok(()) => {
                    let offset = spool.end;
                    spool.end += article.len() as u64;
                    Slot::InFile {
                        offset,
                        len: article.len(),
                    }
                }
                Err(e) => {
                    inner.error.get_or_insert_with(|| e.to_string());
                    Slot::Missing
                }
            },
            None => Slot::InMemory(article),
        };
        inner.slots[i] = slot;
    }

    /// Reads the articles back, one at a time.
    fn into_reader(self) -> Result<SpoolReader, String> {
        let mut inner = self.inner.into_inner().map_err(|e| e.to_string())?;
        if let Some(error) = inner.error.take() {
            return Err(error);
        }
        Ok(SpoolReader {
            file: inner.file.take(),
            slots: inner.slots,
        })
    }
}

/// The articles of a spool, read back in any order.
struct SpoolReader {
    file: Option<SpoolFile>,
    slots: Vec<Slot>,
}

impl SpoolReader {
    /// The `i`th note's article, if it was put.
    fn take(&mut self, i: usize) -> std::io::Result<Option<Vec<u8>>> {
        let Some(slot) = self.slots.get_mut(i) else {
            return Ok(None);
        };
        match std::mem::replace(slot, Slot::Missing) {
            Slot::Missing => Ok(None),
            Slot::InMemory(text) => Ok(Some(text.into_bytes())),
            Slot::InFile { offset, len } => {
                let spool = self
                    .file
                    .as_mut()
                    .ok_or_else(|| std::io::Error::other("the spool file is gone"))?;
                let mut bytes = vec![0; len];
                spool.file.seek(SeekFrom::Start(offset))?;
                spool.file.read_exact(&mut bytes)?;
                Ok(Some(bytes))
            }
        }
    }
}

/// Everything rendered that the print edition is made from.
pub struct Input<'a> {
    /// The book.
    pub book: &'a Book,
    /// Each note's rendering, in reading order (in a one-shot build their
    /// HTML is gone: the articles are in the spool).
    pub notes: &'a [Arc<Rendered>],
    /// The introduction's.
    pub intro: Option<&'a Rendered>,
    /// Each glossary definition's.
    pub glossary: &'a [Rendered],
    /// Each chronology body's.
    pub chronology: &'a [Rendered],
}

#[derive(Serialize)]
struct BookContext<'a> {
    title: &'a str,
    subtitle: Option<&'a str>,
    description: Option<&'a str>,
    language: &'a str,
    authors: &'a [String],
    print: bool,
}

#[derive(Serialize)]
struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct TocNote<'a> {
    title: &'a str,
    url: String,
    summary: Option<&'a str>,
}

#[derive(Serialize)]
struct TocSection<'a> {
    name: Option<String>,
    notes: Vec<TocNote<'a>>,
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
struct Year<'a> {
    year: u16,
    anchor: String,
    events: Vec<EventContext<'a>>,
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
struct Letter<'a> {
    letter: String,
    anchor: String,
    terms: Vec<TermContext<'a>>,
}

#[derive(Serialize)]
struct SourceContext<'a> {
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

/// Whether the theme can make a print edition (a custom theme need not).
pub fn has_template(theme: &Theme) -> bool {
    theme.tera.get_template_names().any(|name| name == PAGE)
}

/// Renders the page around the notes through the `print.html` template
/// and splits it where the notes go: (before, after).
fn frame(
    input: &Input<'_>,
    layout: &Layout,
    theme: &Theme,
) -> Result<(String, String), Diagnostic> {
    let book = input.book;
    let config = &book.config;
    let mut context = tera::Context::new();
    context.insert(
        "book",
        &BookContext {
            title: &config.title,
            subtitle: config.subtitle.as_deref(),
            description: config.description.as_deref(),
            language: &config.language,
            authors: &config.authors,
            print: true,
        },
    );
    context.insert("root", "");
    context.insert("page", PAGE);
    context.insert("section", "print");

    let intro_part = Part {
        page: "index.html",
        id: "introduction",
    };
    let mut intro = String::new();
    if let Some(r) = input.intro {
        rewrite(&r.html, intro_part, layout, &mut intro);
        let footnotes: Vec<&Footnote> = r.footnotes.iter().collect();
        endnotes(&mut intro, &footnotes, intro_part, layout);
    }
    context.insert("intro", &intro);
    context.insert(
        "intro_has_title",
        &book.intro.as_ref().is_some_and(|n| n.title_in_body),
    );

    let mut toc: Vec<TocSection> = Vec::new();
    for (i, note) in book.notes.iter().enumerate() {
        let name = note.section().map(section_title);
        if toc.last().is_none_or(|s| s.name != name) {
            toc.push(TocSection {
                name: name.clone(),
                notes: Vec::new(),
            });
        }
        if let Some(section) = toc.last_mut() {
            section.notes.push(TocNote {
                title: &note.title,
                url: format!("#{}", layout.note_id(i)),
                summary: note.summary.as_deref(),
            });
        }
    }
    context.insert("toc", &toc);
    context.insert("notes", NOTES_MARKER);

    // Who refers to what, as the glossary and chronology pages show it:
    // links, comma-separated, HTML.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Referrer {
        Note(usize),
        Intro,
        Event(usize),
    }
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
                html.push_str("chronology--");
                escape_into(html, &event.id);
                html.push_str("\">Chronology: ");
                escape_into(html, &event.title);
            }
        }
        html.push_str("</a>");
    };
    let terms = book.glossary.terms.len();
    let mut term_mentions: Vec<(String, Option<Referrer>)> = vec![(String::new(), None); terms];
    let mut mention = |term: usize, referrer: Referrer| {
        if let Some((html, last)) = term_mentions.get_mut(term) {
            // A referrer's terms arrive together: checking the last is enough.
            if *last != Some(referrer) {
                push_link(html, referrer);
                *last = Some(referrer);
            }
        }
    };
    for (i, r) in input.notes.iter().enumerate().take(book.notes.len()) {
        for &t in &r.terms {
            mention(t, Referrer::Note(i));
        }
    }
    if let Some(r) = input.intro {
        for &t in &r.terms {
            mention(t, Referrer::Intro);
        }
    }
    for (j, r) in input
        .chronology
        .iter()
        .enumerate()
        .take(book.chronology.events.len())
    {
        for &t in &r.terms {
            mention(t, Referrer::Event(j));
        }
    }
    let mut event_mentions: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in input.notes.iter().enumerate().take(book.notes.len()) {
        for link in r.links.iter().filter(|l| l.target == "chronology.md") {
            if let Some(id) = &link.fragment {
                let list = event_mentions.entry(id.as_str()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
    }

    let chronology_part = Part {
        page: "chronology.html",
        id: "chronology",
    };
    let mut years: Vec<Year> = Vec::new();
    let mut chronology_notes: Vec<&Footnote> = Vec::new();
    for (j, event) in book.chronology.events.iter().enumerate() {
        if years.last().is_none_or(|y| y.year != event.date.year) {
            years.push(Year {
                year: event.date.year,
                anchor: format!("chronology--year-{}", event.date.year),
                events: Vec::new(),
            });
        }
        let mut body = String::new();
        if let Some(r) = input.chronology.get(j) {
            rewrite(&r.html, chronology_part, layout, &mut body);
            chronology_notes.extend(&r.footnotes);
        }
        if let Some(y) = years.last_mut() {
            y.events.push(EventContext {
                anchor: format!("chronology--{}", event.id),
                datetime: event.date.to_string(),
                date_label: event.date_label(),
                title: &event.title,
                body,
                mentions: event_mentions
                    .get(event.id.as_str())
                    .map(|notes| {
                        let mut html = String::new();
                        for &i in notes {
                            push_link(&mut html, Referrer::Note(i));
                        }
                        html
                    })
                    .unwrap_or_default(),
            });
        }
    }
    let mut chronology_endnotes = String::new();
    endnotes(
        &mut chronology_endnotes,
        &chronology_notes,
        chronology_part,
        layout,
    );
    context.insert("years", &years);
    context.insert("chronology_notes", &chronology_endnotes);

    let glossary_part = Part {
        page: "glossary.html",
        id: "glossary",
    };
    let glossary = &book.glossary;
    let mut letters: Vec<Letter> = Vec::new();
    let mut glossary_notes: Vec<&Footnote> = Vec::new();
    for (i, (term, (mentions, _))) in glossary.terms.iter().zip(term_mentions).enumerate() {
        // Grouped under the first letter or digit, as on the glossary page.
        let (letter, anchor) = crate::pages::glossary_letter(&term.name);
        if letters.last().is_none_or(|l| l.letter != letter) {
            letters.push(Letter {
                letter: letter.clone(),
                anchor: format!("glossary--letter-{anchor}"),
                terms: Vec::new(),
            });
        }
        let mut definition = String::new();
        if let Some(r) = input.glossary.get(i) {
            rewrite(&r.html, glossary_part, layout, &mut definition);
            glossary_notes.extend(&r.footnotes);
        }
        let see_also = term
            .see_also
            .iter()
            .filter_map(|(id, _)| glossary.by_id(id))
            .map(|j| Link {
                title: glossary.terms[j].name.clone(),
                url: format!("#glossary--{}", glossary.terms[j].id),
            })
            .collect();
        if let Some(l) = letters.last_mut() {
            l.terms.push(TermContext {
                anchor: format!("glossary--{}", term.id),
                name: &term.name,
                aliases: &term.aliases,
                kind: term.kind.as_deref(),
                definition,
                see_also,
                mentions,
            });
        }
    }
    let mut glossary_endnotes = String::new();
    endnotes(
        &mut glossary_endnotes,
        &glossary_notes,
        glossary_part,
        layout,
    );
    context.insert("letters", &letters);
    context.insert("glossary_notes", &glossary_endnotes);

    let mut citations = vec![0usize; book.sources.sources.len()];
    let all = input
        .notes
        .iter()
        .map(|r| &**r)
        .chain(input.intro)
        .chain(input.glossary)
        .chain(input.chronology);
    for r in all {
        for c in &r.citations {
            if let Some(n) = citations.get_mut(c.cite.source) {
                *n += 1;
            }
        }
    }
    let sources: Vec<SourceContext> = book
        .sources
        .sources
        .iter()
        .zip(citations)
        .map(|(s, citation_count)| SourceContext {
            anchor: format!("sources--{}", s.id),
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
        .collect();
    context.insert("sources", &sources);

    let page = theme.render(PAGE, &context)?;
    Ok(match page.split_once(NOTES_MARKER) {
        Some((before, after)) => (before.to_string(), after.to_string()),
        None => (page, String::new()),
    })
}

/// How many notes are put together into one piece of the page: enough to
/// make those not spooled in parallel, few enough to keep memory flat.
const BATCH: usize = 64;

/// Renders the print edition and hands it to `sink`, in pieces: the page
/// is never whole in memory unless the sink keeps it (`serve`). Each note's
/// article comes from `spool` if it is there, else from its rendering
/// (which then still has its HTML: `serve`). Returns false, writing
/// nothing, when the theme has no `print.html` template.
pub fn write(
    input: &Input<'_>,
    layout: &Layout,
    theme: &Theme,
    spool: Option<Spool>,
    sink: &dyn PageSink,
) -> Result<bool, Diagnostic> {
    use rayon::prelude::*;
    if !has_template(theme) {
        return Ok(false);
    }
    let failed =
        |e: &dyn std::fmt::Display| Diagnostic::global(format!("cannot write {PAGE}: {e}"));
    let (before, after) = frame(input, layout, theme)?;
    let mut spool = match spool {
        Some(spool) => Some(spool.into_reader().map_err(|e| failed(&e))?),
        None => None,
    };
    let book = input.book;
    let notes = book.notes.len();
    let batches = (0..notes.div_ceil(BATCH)).map(move |b| {
        let range = b * BATCH..((b + 1) * BATCH).min(notes);
        let mut spooled = Vec::with_capacity(range.len());
        for i in range.clone() {
            spooled.push(match spool.as_mut() {
                Some(reader) => reader.take(i)?,
                None => None,
            });
        }
        // What the spool has not (serve keeps every note's HTML) is made
        // here, in parallel.
        let made: Vec<Vec<u8>> = spooled
            .into_par_iter()
            .zip(range)
            .map(|(article, i)| {
                article.unwrap_or_else(|| match input.notes.get(i) {
                    Some(r) => note_article(book, i, r, layout).into_bytes(),
                    None => Vec::new(),
                })
            })
            .collect();
        Ok(made)
    });
    // Each article is a piece of its own: no copy of them all.
    let articles = batches.flat_map(|batch: std::io::Result<Vec<Vec<u8>>>| match batch {
        Ok(made) => made.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(e) => vec![Err(e)],
    });
    // Articles are read (or made) on a thread of their own while the sink
    // writes those before them: reading the spool back and writing the
    // page overlap. A few batches wait in the channel at most.
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(2 * BATCH);
        scope.spawn(move || {
            for article in articles {
                // The sink stopped taking pieces (an error, or a sink that
                // keeps nothing): stop too.
                if sender.send(article).is_err() {
                    break;
                }
            }
        });
        let mut pieces = std::iter::once(Ok(before.into_bytes()))
            .chain(receiver)
            .chain(std::iter::once(Ok(after.into_bytes())));
        sink.put_pieces(PAGE, &mut pieces)
    })
    .map_err(|e| failed(&e))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        let mut pages = HashMap::new();
        for (page, id, keep) in [
            ("overview.html", "overview", true),
            ("background/history.html", "background-history", true),
            ("über/Ärger notes.html", "über-ärger-notes", true),
            ("index.html", "introduction", true),
            ("glossary.html", "glossary", true),
            ("chronology.html", "chronology", true),
            ("sources/index.html", "sources", false),
            ("sources/nyt.html", "sources--nyt", false),
        ] {
            pages.insert(page.to_string(), (id.to_string(), keep));
        }
        Layout {
            notes: vec!["overview".into(), "background-history".into()],
            pages,
        }
    }

    fn rewritten(html: &str, page: &str, id: &str) -> String {
        let mut out = String::new();
        rewrite(html, Part { page, id }, &layout(), &mut out);
        out
    }

    #[test]
    fn ids_get_the_prefix_and_links_stay_inside_the_page() {
        let history = |html| rewritten(html, "background/history.html", "background-history");
        assert_eq!(
            history(r##"<h2 id="the-1974-agreement">The 1974 agreement</h2>"##),
            r##"<h2 id="background-history--the-1974-agreement">The 1974 agreement</h2>"##
        );
        assert_eq!(
            history(r##"<a href="../overview.html#key">back</a>"##),
            r##"<a href="#overview--key">back</a>"##
        );
        assert_eq!(
            history(r##"<a href="../overview.html">back</a>"##),
            r##"<a href="#overview">back</a>"##
        );
        assert_eq!(
            history(
                r##"<sup class="fn-ref"><a id="fnref-1" href="#fn-1" role="doc-noteref" aria-label="Note 1" data-preview="New York Times">1</a></sup>"##
            ),
            r##"<sup class="fn-ref"><a id="background-history--fnref-1" href="#background-history--fn-1" role="doc-noteref" aria-label="Note 1">1</a></sup>"##
        );
        assert_eq!(
            history(
                r##"<a class="term" href="../glossary.html#buffer-zone" data-preview="A zone.">zone</a>"##
            ),
            r##"<a class="term" href="#glossary--buffer-zone">zone</a>"##
        );
        assert_eq!(
            history(r##"<a href="../chronology.html#disengagement-1974">1974</a>"##),
            r##"<a href="#chronology--disengagement-1974">1974</a>"##
        );
        // A source's paragraphs are not on the print page: its entry is.
        assert_eq!(
            history(r##"<a class="cite-loc" href="../sources/nyt.html#p3">¶ 3</a>"##),
            r##"<a class="cite-loc" href="#sources--nyt">¶ 3</a>"##
        );
        assert_eq!(
            history(r##"<a href="../index.html#start">i</a><a href="../index.html">i</a>"##),
            r##"<a href="#introduction--start">i</a><a href="#introduction">i</a>"##
        );
    }

    #[test]
    fn other_urls_are_rebased_and_external_ones_left_alone() {
        let history = |html| rewritten(html, "background/history.html", "background-history");
        assert_eq!(
            history(r#"<img src="../img/map.png" alt="Map"><img src="local.png" alt="">"#),
            r#"<img src="img/map.png" alt="Map"><img src="background/local.png" alt="">"#
        );
        let external = r#"<a href="https://example.com/a#:~:text=x" rel="external noopener">o</a><a href="mailto:a@b.c">m</a><a href="/abs.html">a</a>"#;
        assert_eq!(history(external), external);
        assert_eq!(
            history(r#"<img srcset="../a.png 1x, b.png 2x" alt="">"#),
            r#"<img srcset="a.png 1x, background/b.png 2x" alt="">"#
        );
        // Above the site's root stays above it.
        assert_eq!(
            history(r#"<a href="../../x.pdf?v=1#p">x</a>"#),
            r#"<a href="../x.pdf?v=1#p">x</a>"#
        );
        // A query alone is the page itself; a folder is its index.
        assert_eq!(
            history(r#"<a href="?v=1">x</a><a href="../">i</a><a href="../sources/">s</a>"#),
            r##"<a href="#background-history">x</a><a href="#introduction">i</a><a href="#sources">s</a>"##
        );
    }

    #[test]
    fn encoded_paths_and_entities_are_understood() {
        assert_eq!(
            rewritten(
                r##"<a href="%C3%BCber/%C3%84rger%20notes.html#%C3%BC">u</a>"##,
                "overview.html",
                "overview"
            ),
            r##"<a href="#über-ärger-notes--%C3%BC">u</a>"##
        );
        assert_eq!(
            rewritten(
                r#"<a href="x.png?a=1&amp;b=2" title="a &amp; b">x</a>"#,
                "background/history.html",
                "h"
            ),
            r#"<a href="background/x.png?a=1&amp;b=2" title="a &amp; b">x</a>"#
        );
    }

    #[test]
    fn raw_html_is_read_like_a_browser_reads_it() {
        let overview = |html| rewritten(html, "overview.html", "overview");
        // Comments and raw text are not markup.
        let untouched = r##"<!-- <a id="x"> --><script>var s = '<a id="y">';</script><code>&lt;a id="z"&gt;</code>"##;
        assert_eq!(overview(untouched), untouched);
        assert_eq!(
            overview(
                r#"<label for='q' >Q</label><input id=q aria-describedby="h1 h2"><p id="h1">"#
            ),
            r#"<label for="overview--q" >Q</label><input id="overview--q" aria-describedby="overview--h1 overview--h2"><p id="overview--h1">"#
        );
        assert_eq!(
            overview(r#"<div data-x="a>b" id="d">"#),
            r#"<div data-x="a>b" id="overview--d">"#
        );
        // An unclosed tag at the end is copied as it is.
        assert_eq!(overview(r#"a < b <p id="x""#), r#"a < b <p id="x""#);
        assert_eq!(overview("<br/><hr />"), "<br/><hr />");
    }

    #[test]
    fn bytes_are_found_as_a_byte_at_a_time_would() {
        let text = b"0123456789abcdef<ghijklmnop<q";
        for start in 0..text.len() {
            for end in start..=text.len() {
                let hay = &text[start..end];
                for needle in [b'<', b'q', b'0', b'z'] {
                    assert_eq!(
                        find_byte(hay, needle),
                        hay.iter().position(|&b| b == needle)
                    );
                }
            }
        }
        assert_eq!(
            find_byte(&[0x80, 0x3c, 0xff, 0, 0, 0, 0, 0, 0x3c], b'<'),
            Some(1)
        );
    }

    #[test]
    fn note_ids_never_hold_the_separator() {
        assert_eq!(note_slug("background/history.html"), "background-history");
        assert_eq!(note_slug("a--b.html"), "a-b");
        assert_eq!(note_slug("über/Ärger notes.html"), "über-ärger-notes");
        assert_eq!(note_slug("!!!.html"), "note");
        assert_eq!(note_slug("-x-.html"), "x");
    }

    #[test]
    fn attribute_references_are_decoded() {
        assert_eq!(
            decode_attribute("a&amp;b&#39;c&#x27;&nbsp;&"),
            "a&b'c'&nbsp;&"
        );
        assert_eq!(
            decode_attribute("&lt;/b&gt;” ¶ &#x110000; &#"),
            "</b>” ¶ &#x110000; &#"
        );
    }

    #[test]
    fn any_text_is_rewritten_without_panicking() {
        let tricky = r##"<p id="ä" data-preview="&lt;i&gt;, ¶ 2: “x&gt;”"><a href='../ü.html#ß'>ü</a><ñ ñ=ñ><img src=ü.png alt=é><!--ü--><script>é</SCRIPT><x y="&#xé;"></p>"##;
        let starts: Vec<usize> = (0..=tricky.len())
            .filter(|&i| tricky.is_char_boundary(i))
            .collect();
        for &a in &starts {
            for &b in starts.iter().filter(|&&b| b >= a) {
                rewritten(&tricky[a..b], "sub/x.html", "x");
            }
        }
    }
}
