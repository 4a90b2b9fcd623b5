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
//! that moment too and written straight into `print.html` by a [`Stream`],
//! after the page's opening and the articles before it, so that a
//! 10,000-note book never holds every article in memory and no article is
//! copied twice. `serve` makes the page only when it is asked for
//! ([`crate::site::Project::render_print`]).
//!
//! Ids stay unique on the page because the id a note's article has (its
//! prefix) is a slug without `--`, unique among the notes and different
//! from the ids of the parts of the page ([`PART_IDS`]), and every id inside
//! a part is `<part>--<id on the site's page>`: two ids that differ on
//! the page differed on the site.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::diagnostics::Diagnostic;
use crate::html::{escape_into, has_scheme};
use crate::load::Book;
use crate::markdown::{Footnote, Rendered};
use crate::output::{PageSink, PageStream};
use crate::pages::BookContext;
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
    /// Hashed with `ahash`: every link of every note is looked up here.
    pages: HashMap<String, (String, bool), ahash::RandomState>,
}

impl Layout {
    /// Chooses an id for every note and maps every page of the site.
    pub fn new(book: &Book) -> Layout {
        let mut taken: HashSet<String, ahash::RandomState> =
            PART_IDS.iter().map(|s| s.to_string()).collect();
        let mut notes = Vec::with_capacity(book.notes.len());
        let mut pages = HashMap::with_capacity_and_hasher(
            book.notes.len() + book.sources.sources.len() + 6,
            ahash::RandomState::default(),
        );
        for note in &book.notes {
            let base = note_slug(&note.page);
            let mut id = base.clone();
            let mut n = 1;
            while taken.contains(&id) {
                n += 1;
                id = format!("{base}-{n}");
            }
            taken.insert(id.clone());
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
use crate::markdown::RAW_TEXT_ELEMENTS as RAW_TEXT;

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

/// What a byte is to the reader of a start tag, as bits: one table
/// lookup per byte instead of a chain of comparisons.
mod class {
    /// ASCII white space.
    pub const SPACE: u8 = 1;
    /// Skipped before an attribute: white space and `/`.
    pub const GAP: u8 = 2;
    /// Ends an attribute's name: white space, `/`, `>` and `=`.
    pub const NAME_END: u8 = 4;
    /// Ends an unquoted value: white space and `>`.
    pub const UNQUOTED_END: u8 = 8;
    /// Continues a tag's name: ASCII letters and digits, `-` and `:`.
    pub const TAG_NAME: u8 = 16;

    /// The classes of each byte.
    pub static OF: [u8; 256] = {
        let mut table = [0; 256];
        let mut i = 0;
        while i < 256 {
            let b = i as u8;
            let space = b.is_ascii_whitespace();
            let mut class = 0;
            if space {
                class |= SPACE | GAP | NAME_END | UNQUOTED_END;
            }
            match b {
                b'/' => class |= GAP | NAME_END,
                b'>' => class |= NAME_END | UNQUOTED_END,
                b'=' => class |= NAME_END,
                _ => {}
            }
            if b.is_ascii_alphanumeric() || b == b'-' || b == b':' {
                class |= TAG_NAME;
            }
            table[i] = class;
            i += 1;
        }
        table
    };
}

/// The index of the first byte from `from` on that is of none of the
/// classes `classes` (the length of `b` if there is none).
fn skip(b: &[u8], from: usize, classes: u8) -> usize {
    b[from..]
        .iter()
        .position(|&c| class::OF[usize::from(c)] & classes == 0)
        .map_or(b.len(), |i| from + i)
}

/// The index of the first byte from `from` on that is of one of the
/// classes `classes` (the length of `b` if there is none). Not inlined:
/// inlined into [`start_tag`], its loop carries along the offsets of every
/// slice taken after it, and costs three times as much.
#[inline(never)]
fn until(b: &[u8], from: usize, classes: u8) -> usize {
    b[from..]
        .iter()
        .position(|&c| class::OF[usize::from(c)] & classes != 0)
        .map_or(b.len(), |i| from + i)
}

/// The index of the first `needle` in `hay`. Most searches here end close
/// by (half of all tags begin within 16 bytes of the one before; values
/// and URLs are short), too close for `memchr` to win back what its setup
/// costs: the first bytes are looked at eight at a time, and only what
/// lies further (a paragraph's text) is left to `memchr`.
#[inline]
fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const NEAR: usize = 32;
    let pattern = ONES * u64::from(needle);
    let mut at = 0;
    while at < NEAR {
        let Some(&word) = hay
            .get(at..at + 8)
            .and_then(|w| <&[u8; 8]>::try_from(w).ok())
        else {
            return hay[at..].iter().position(|&b| b == needle).map(|p| at + p);
        };
        // A zero byte of `word` is a match; the lowest flagged byte is the
        // first (flags above a true match may be false).
        let word = u64::from_le_bytes(word) ^ pattern;
        let found = word.wrapping_sub(ONES) & !word & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr::memchr(needle, &hay[NEAR..]).map(|p| NEAR + p)
}

/// One attribute of a start tag: byte offsets into the HTML.
struct Attribute {
    /// Where it begins, with its name.
    start: usize,
    /// Where its name ends.
    name_end: usize,
    /// Its value, between its quotes (or unquoted), if it has one.
    value: Option<(usize, usize)>,
    /// Where it ends, after its value.
    end: usize,
    /// What the print page does with it, if anything.
    kind: Option<Kind>,
}

/// A start tag: where the text after its last attribute up to `>`
/// begins, where it ends (after `>`), and whether the print page changes
/// any of its attributes. Its attributes go into a buffer the caller
/// reuses from tag to tag.
struct StartTag {
    tail: usize,
    end: usize,
    changes: bool,
}

/// Reads the start tag `tag` whose name ends at `from`, as the HTML
/// tokenizer does; `None` if it is never closed with `>`. Every index it
/// stops at follows an ASCII byte or a whole character, so that slicing
/// there never splits a character.
fn start_tag(
    b: &[u8],
    tag: &[u8],
    from: usize,
    attributes: &mut Vec<Attribute>,
) -> Option<StartTag> {
    attributes.clear();
    let mut changes = false;
    let mut p = from;
    loop {
        let tail = p;
        p = skip(b, p, class::GAP);
        let start = p;
        if *b.get(start)? == b'>' {
            return Some(StartTag {
                tail,
                end: start + 1,
                changes,
            });
        }
        // The first character of a name may be `=`; after that, a name
        // runs to white space, `/`, `>` or `=`.
        let name_end = until(b, start + 1, class::NAME_END);
        p = name_end;
        let mut value = None;
        let mut q = skip(b, p, class::SPACE);
        if b.get(q) == Some(&b'=') {
            q = skip(b, q + 1, class::SPACE);
            match b.get(q) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let close = q + 1 + find_byte(&b[q + 1..], quote)?;
                    value = Some((q + 1, close));
                    p = close + 1;
                }
                _ => {
                    p = until(b, q, class::UNQUOTED_END);
                    value = Some((q, p));
                }
            }
        }
        let kind = match value {
            Some(_) => kind(tag, &b[start..name_end]),
            None => None,
        };
        changes |= kind.is_some();
        attributes.push(Attribute {
            start,
            name_end,
            value,
            end: p,
            kind,
        });
    }
}

/// Decodes the character references an attribute value may hold for the
/// characters that matter in ids and URLs (`&amp;`, `&quot;`, numeric
/// references...). Other named references are left as written.
fn decode_attribute(raw: &str) -> std::borrow::Cow<'_, str> {
    if find_byte(raw.as_bytes(), b'&').is_none() {
        return raw.into();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = find_byte(rest.as_bytes(), b'&') {
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

/// Buffers kept from tag to tag and from call to call (a note's body
/// and its footnotes), so that rewriting allocates nothing once warm.
#[derive(Default)]
struct Scratch {
    /// The attributes of the start tag being read.
    attributes: Vec<Attribute>,
    urls: Urls,
}

/// Buffers [`write_url`] builds URLs in.
#[derive(Default)]
struct Urls {
    /// The path from the root, built as `a/b/` segment by segment.
    resolved: String,
    /// A URL rebased to the root.
    rebased: String,
}

/// What a piece of HTML is rewritten for: its part of the print page, its
/// page's folder and file name (found once, not for every link), and
/// where every page of the site is on the print page.
#[derive(Clone, Copy)]
struct Target<'a> {
    part: Part<'a>,
    page_dir: &'a str,
    page_file: &'a str,
    layout: &'a Layout,
}

impl<'a> Target<'a> {
    fn new(part: Part<'a>, layout: &'a Layout) -> Target<'a> {
        let (page_dir, page_file) = match part.page.rfind('/') {
            Some(i) => (&part.page[..=i], &part.page[i + 1..]),
            None => ("", part.page),
        };
        Target {
            part,
            page_dir,
            page_file,
            layout,
        }
    }
}

/// Writes the URL `url`, written on the target's page, onto `out` as the
/// print page needs it, escaped for a double-quoted attribute: a link into
/// the site becomes `#<id>` or `#<id>--<fragment>`, a same-page fragment
/// gets the part's prefix, any other relative URL is rebased to the root.
/// `link` is false for resources (`src`): they are only rebased. Returns
/// false, writing nothing, when the URL stays as it is.
fn write_url(
    out: &mut String,
    urls: &mut Urls,
    url: &str,
    target: &Target<'_>,
    link: bool,
) -> bool {
    let &Target {
        part,
        page_dir,
        page_file,
        layout,
    } = target;
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
    let Urls { resolved, rebased } = urls;
    resolved.clear();
    resolved.push_str(page_dir);
    let mut up = 0;
    let mut folder;
    // `?x` is the page itself.
    let mut segments = if path.is_empty() { page_file } else { path };
    loop {
        let (segment, more) = match find_byte(segments.as_bytes(), b'/') {
            Some(i) => (&segments[..i], Some(&segments[i + 1..])),
            None => (segments, None),
        };
        folder = matches!(segment, "" | "." | "..");
        match segment {
            "" | "." => {}
            ".." => {
                if resolved.is_empty() {
                    up += 1;
                } else {
                    resolved.pop();
                    let keep = resolved
                        .bytes()
                        .rposition(|b| b == b'/')
                        .map_or(0, |i| i + 1);
                    resolved.truncate(keep);
                }
            }
            s => {
                resolved.push_str(s);
                resolved.push('/');
            }
        }
        match more {
            Some(rest) => segments = rest,
            None => break,
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
        let target = if find_byte(resolved.as_bytes(), b'%').is_some() {
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
    rebased.clear();
    for _ in 0..up {
        rebased.push_str("../");
    }
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
    if rebased.as_str() == url {
        return false;
    }
    escape_into(out, rebased);
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

/// A set of small numbers (lengths, letters) as bits, to rule most names
/// out with a shift and a mask.
const fn bits(n: usize) -> u64 {
    if n < 64 { 1 << n } else { 0 }
}

/// The lengths of the names in `names`, as [`bits`].
const fn lengths(names: &[&str]) -> u64 {
    let mut set = 0;
    let mut i = 0;
    while i < names.len() {
        set |= bits(names[i].len());
        i += 1;
    }
    set
}

/// The lengths of [`ID_REFERENCES`].
const REFERENCE_LENGTHS: u64 = lengths(&ID_REFERENCES);

/// The first letters of [`ID_REFERENCES`] (lower case, `a` is bit 0).
const REFERENCE_INITIALS: u64 = {
    let mut set = 0;
    let mut i = 0;
    while i < ID_REFERENCES.len() {
        set |= bits(ID_REFERENCES[i].as_bytes()[0].wrapping_sub(b'a') as usize);
        i += 1;
    }
    set
};

/// The lengths of the names [`kind`] knows: most attributes (`class`,
/// `value`) are ruled out by their length alone.
const KIND_LENGTHS: u64 = lengths(&[
    "id",
    "name",
    "href",
    "src",
    "data",
    "poster",
    "srcset",
    "usemap",
    "data-preview",
]) | REFERENCE_LENGTHS;

/// The lengths of [`RAW_TEXT`].
const RAW_TEXT_LENGTHS: u64 = lengths(&RAW_TEXT);

/// What kind of attribute `name` (in any case) on `tag` is, if the print
/// page changes it. Most attributes (`class`, `dir`, `role`) are none, and
/// are told so by their length and first letter.
#[inline]
fn kind(tag: &[u8], name: &[u8]) -> Option<Kind> {
    if KIND_LENGTHS & bits(name.len()) == 0 {
        return None;
    }
    let is = |n: &str| n.as_bytes().eq_ignore_ascii_case(name);
    let initial = name.first()?.to_ascii_lowercase();
    match (name.len(), initial) {
        (2, b'i') if is("id") => Some(Kind::Id),
        (4, b'n') if is("name") && tag.eq_ignore_ascii_case(b"a") => Some(Kind::Id),
        (4, b'h') if is("href") => Some(Kind::Link),
        (3, b's') if is("src") => Some(Kind::Resource),
        (4, b'd') if is("data") => Some(Kind::Resource),
        (6, b'p') if is("poster") => Some(Kind::Resource),
        (6, b's') if is("srcset") => Some(Kind::Srcset),
        (6, b'u') if is("usemap") => Some(Kind::Usemap),
        (12, b'd') if is("data-preview") => Some(Kind::Preview),
        (length, initial)
            if REFERENCE_LENGTHS & bits(length) != 0
                && REFERENCE_INITIALS & bits(initial.wrapping_sub(b'a').into()) != 0
                && ID_REFERENCES.iter().any(|r| r.len() == length && is(r)) =>
        {
            Some(Kind::References)
        }
        _ => None,
    }
}

/// Whether `tag` (in any case) is an element whose content is raw text.
fn is_raw_text(tag: &[u8]) -> bool {
    RAW_TEXT_LENGTHS & bits(tag.len()) != 0
        && RAW_TEXT
            .iter()
            .any(|r| r.len() == tag.len() && r.as_bytes().eq_ignore_ascii_case(tag))
}

/// Writes the new value of an attribute of `kind` whose (decoded) value is
/// `value` onto `out`, escaped; false, writing nothing, if it stays.
fn write_value(
    out: &mut String,
    urls: &mut Urls,
    kind: Kind,
    value: &str,
    target: &Target<'_>,
) -> bool {
    let part = target.part;
    match kind {
        Kind::Id => {
            out.push_str(part.id);
            out.push_str("--");
            escape_into(out, value);
            true
        }
        Kind::Link | Kind::Resource => write_url(out, urls, value, target, kind == Kind::Link),
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
                if !write_url(out, urls, url, target, false) {
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
    rewrite_with(
        html,
        &Target::new(part, layout),
        out,
        &mut Scratch::default(),
    );
}

/// [`rewrite`], with buffers kept from an earlier call.
fn rewrite_with(html: &str, target: &Target<'_>, out: &mut String, scratch: &mut Scratch) {
    out.reserve(html.len());
    let Scratch { attributes, urls } = scratch;
    let b = html.as_bytes();
    let mut at = 0;
    // What is before `copied` is on `out`: text and unchanged tags are
    // copied a run at a time, when a changed tag or the end is reached.
    let mut copied = 0;
    while let Some(offset) = find_byte(&b[at..], b'<') {
        let start = at + offset;
        match b.get(start + 1) {
            Some(c) if c.is_ascii_alphabetic() => {}
            Some(b'!') if b[start + 2..].starts_with(b"--") => {
                at = memchr::memmem::find(&b[start + 4..], b"-->")
                    .map_or(b.len(), |e| start + 4 + e + 3);
                continue;
            }
            Some(b'!' | b'?' | b'/') => {
                at = start + 2;
                continue;
            }
            _ => {
                at = start + 1;
                continue;
            }
        }
        let name_end = skip(b, start + 1, class::TAG_NAME);
        let name = &b[start + 1..name_end];
        let Some(tag) = start_tag(b, name, name_end, attributes) else {
            // An unclosed tag: the rest is copied as it is.
            break;
        };
        if tag.changes {
            // The tag is written anew, attributes one space apart; if
            // nothing changes after all (an external link), it is taken
            // back (to `mark`, where it begins once the text before it is
            // on `out`) and copied as it was.
            let mark = out.len() + (start - copied);
            let mut changed = false;
            // An attribute kept as it is, one space after the one before,
            // reads as writing it anew would give: such attributes are
            // copied a run at a time with the text before the tag, from
            // `run` up to the end of the last attribute read, `last`.
            let mut run = copied;
            let mut last = name_end;
            for a in attributes.iter() {
                if a.kind.is_none() && a.start == last + 1 && b[last] == b' ' {
                    last = a.end;
                    continue;
                }
                out.push_str(&html[run..last]);
                run = a.end;
                last = a.end;
                match (a.kind, a.value) {
                    (Some(Kind::Preview), _) => changed = true,
                    (Some(kind), Some((from, to))) => {
                        out.push(' ');
                        out.push_str(&html[a.start..a.name_end]);
                        out.push_str("=\"");
                        let before = out.len();
                        let raw = &html[from..to];
                        let decoded = decode_attribute(raw);
                        if write_value(out, urls, kind, &decoded, target) {
                            changed = true;
                        } else {
                            out.truncate(before);
                            // As written, when that is safe between `"`.
                            if b.get(from.wrapping_sub(1)) == Some(&b'"') {
                                out.push_str(raw);
                            } else {
                                escape_into(out, &decoded);
                            }
                        }
                        out.push('"');
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&html[a.start..a.end]);
                    }
                }
            }
            // The text after the attributes up to `>` begins at `last`.
            debug_assert_eq!(tag.tail, last);
            out.push_str(&html[run..tag.end]);
            if changed {
                copied = tag.end;
            } else {
                out.truncate(mark);
                copied = start;
            }
        }
        at = tag.end;
        if is_raw_text(name) {
            at = end_tag(b, at, name);
        }
    }
    out.push_str(&html[copied..]);
}

/// Where the end tag `</name` of a raw-text element begins, from `from`
/// (the end of the text if it never does), in any letter case.
fn end_tag(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut at = from;
    while let Some(offset) = memchr::memchr(b'<', &b[at..]) {
        let start = at + offset;
        if b.get(start + 1) == Some(&b'/') {
            let candidate = b.get(start + 2..start + 2 + name.len());
            if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name)) {
                return start;
            }
        }
        at = start + 1;
    }
    b.len()
}

/// A folder's name as a section title (`key-actors` -> `Key actors`), as
/// the table of contents shows it.
fn section_title(section: &str) -> String {
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

/// Writes `n` in decimal onto `out` (without the formatting machinery:
/// every endnote has a few numbers, most of one digit).
fn push_number(out: &mut String, n: usize) {
    if n >= 10 {
        push_number(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Writes a part's footnotes as its endnotes, numbered as on its page,
/// with the same markup as the theme's list of footnotes.
fn endnotes<'f>(
    out: &mut String,
    footnotes: impl IntoIterator<Item = &'f Footnote>,
    target: &Target<'_>,
    scratch: &mut Scratch,
) {
    let mut footnotes = footnotes.into_iter().peekable();
    if footnotes.peek().is_none() {
        return;
    }
    let id = target.part.id;
    out.push_str("<section class=\"footnotes print-endnotes\" aria-labelledby=\"");
    out.push_str(id);
    out.push_str("--footnotes-heading\">\n<h2 id=\"");
    out.push_str(id);
    out.push_str("--footnotes-heading\" class=\"footnotes-heading\">Notes</h2>\n<ol>\n");
    for f in footnotes {
        out.push_str("<li id=\"");
        out.push_str(id);
        out.push_str("--");
        escape_into(out, &f.id);
        out.push_str("\" value=\"");
        push_number(out, f.number);
        out.push_str(if f.citation {
            "\" class=\"footnote citation\">\n"
        } else {
            "\" class=\"footnote\">\n"
        });
        rewrite_with(&f.html, target, out, scratch);
        out.push_str("\n<p class=\"backrefs\">");
        let several = f.backrefs.len() > 1;
        for (k, backref) in f.backrefs.iter().enumerate() {
            out.push_str("<a href=\"#");
            out.push_str(id);
            out.push_str("--");
            escape_into(out, backref);
            out.push_str("\" class=\"backref\" aria-label=\"Back to reference ");
            if several {
                push_number(out, k + 1);
                out.push_str(" of note ");
                push_number(out, f.number);
                out.push_str("\">↩<sup>");
                push_number(out, k + 1);
                out.push_str("</sup></a> ");
            } else {
                push_number(out, f.number);
                out.push_str("\">↩</a> ");
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
    let target = Target::new(part, layout);
    let mut scratch = Scratch::default();
    let footnotes: usize = rendered.footnotes.iter().map(|f| f.html.len() + 256).sum();
    let mut out = String::with_capacity(rendered.html.len() + footnotes + 512);
    out.push_str("<article class=\"print-note\" id=\"");
    out.push_str(id);
    out.push_str("\">\n");
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
        rewrite_with(leading_title, &target, &mut out, &mut scratch);
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
    rewrite_with(body, &target, &mut out, &mut scratch);
    endnotes(&mut out, &rendered.footnotes, &target, &mut scratch);
    out.push_str("</article>\n");
    out
}

/// The print edition of a one-shot build, written as the notes are
/// rendered: the page's opening first ([`Stream::put_head`]), then each
/// note's article as soon as every article before it is written, then, at
/// the end, the rest of the page ([`write`]). The notes are rendered
/// roughly in reading order (see `site.rs`), so few articles wait in
/// memory, and none is written twice.
pub struct Stream<'s> {
    inner: Mutex<StreamInner<'s>>,
    /// Signalled when articles are written (or the page fails): threads
    /// that got too far ahead ([`Stream::wait_for_room`]) go on.
    room: Condvar,
}

/// How many bytes of articles may wait in memory for one before them:
/// beyond that, a thread waits before rendering its next note
/// ([`Stream::wait_for_room`]). Notes are taken in order, so the threads
/// are normally a note or two apart and never wait; this bounds the memory
/// when one note takes far longer than the others. Without it, every
/// article after that note waited for it: with one note of 60,000 lines of
/// code at the front of the 10,000-note book, some 180 MB.
pub const WAITING_BYTES: usize = 64 << 20;

/// The longest a thread waits for room: the bound is for memory, and
/// should the note being waited for never come, the build goes on.
const ROOM_WAIT: Duration = Duration::from_secs(10);

struct StreamInner<'s> {
    /// The page; `None` once writing it failed.
    page: Option<Box<dyn PageStream + Send + 's>>,
    /// The opening, once written: the articles follow it.
    head: Option<String>,
    /// The note whose article comes next.
    next: usize,
    /// Articles that came before one ahead of them, by note.
    waiting: BTreeMap<usize, String>,
    /// Their length in all.
    waiting_bytes: usize,
    /// The first error writing the page.
    error: Option<String>,
}

impl StreamInner<'_> {
    fn write(&mut self, bytes: &[u8]) {
        if let Some(page) = &mut self.page
            && let Err(e) = page.write(bytes)
        {
            self.error.get_or_insert_with(|| e.to_string());
            self.page = None;
            self.waiting.clear();
            self.waiting_bytes = 0;
        }
    }

    /// Writes the articles that are next in order.
    fn write_ready(&mut self) {
        while let Some(entry) = self.waiting.first_entry()
            && *entry.key() == self.next
        {
            let article = entry.remove();
            self.waiting_bytes -= article.len();
            self.write(article.as_bytes());
            self.next += 1;
        }
    }
}

impl<'s> Stream<'s> {
    /// Starts writing the print edition into `sink`.
    pub fn new(sink: &'s dyn PageSink) -> Stream<'s> {
        let (page, error) = match sink.stream(PAGE) {
            Ok(page) => (Some(page), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Stream {
            inner: Mutex::new(StreamInner {
                page,
                head: None,
                next: 0,
                waiting: BTreeMap::new(),
                waiting_bytes: 0,
                error,
            }),
            room: Condvar::new(),
        }
    }

    /// Before the `i`th note is rendered: waits while more than
    /// [`WAITING_BYTES`] of articles wait, unless the `i`th is the next
    /// article to write. Notes are taken in order, so the next article's
    /// note is always being rendered or about to be, and the wait ends (if
    /// it does not within [`ROOM_WAIT`], the build goes on anyway). Before
    /// the page's opening is written, and once the page has failed, nothing
    /// waits.
    pub fn wait_for_room(&self, i: usize) {
        self.wait_for_room_within(i, ROOM_WAIT);
    }

    /// [`Stream::wait_for_room`], waiting at most `limit`; whether there
    /// was room in the end.
    fn wait_for_room_within(&self, i: usize, limit: Duration) -> bool {
        let Ok(inner) = self.inner.lock() else {
            return true;
        };
        match self.room.wait_timeout_while(inner, limit, |inner| {
            inner.page.is_some()
                && inner.head.is_some()
                && i > inner.next
                && inner.waiting_bytes > WAITING_BYTES
        }) {
            Ok((_, waited)) => !waited.timed_out(),
            Err(_) => true,
        }
    }

    /// Writes the page's opening ([`head`]); the articles wait for it.
    pub fn put_head(&self, head: String) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.write(head.as_bytes());
        inner.head = Some(head);
        inner.write_ready();
        self.room.notify_all();
    }

    /// Writes the `i`th note's article, or keeps it until those before it
    /// are written.
    pub fn put(&self, i: usize, article: String) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.page.is_none() {
            return;
        }
        inner.waiting_bytes += article.len();
        if let Some(replaced) = inner.waiting.insert(i, article) {
            inner.waiting_bytes -= replaced.len();
        }
        if inner.head.is_some() {
            let next = inner.next;
            inner.write_ready();
            if inner.next != next || inner.page.is_none() {
                // Room, or nothing more to wait for.
                self.room.notify_all();
            }
        }
    }

    /// Ends the page with `after`, the rest of it, once `before`, the
    /// opening made with everything rendered, is known. The opening written
    /// first was made before the notes were rendered; if the template made
    /// it differently now (it used, above the notes, something that only
    /// the notes tell, such as how often a source is cited), it is
    /// replaced.
    fn finish(self, before: &str, after: &str) -> Result<(), String> {
        let mut inner = self.inner.into_inner().map_err(|e| e.to_string())?;
        let head = match inner.head.take() {
            Some(head) => head,
            None => {
                inner.write(before.as_bytes());
                before.to_string()
            }
        };
        // Articles after a missing one: in order.
        for (_, article) in std::mem::take(&mut inner.waiting) {
            inner.write(article.as_bytes());
        }
        if let Some(error) = inner.error {
            return Err(error);
        }
        let replace = (head != before).then_some((head.len(), before.as_bytes()));
        match inner.page {
            Some(page) => page
                .finish(replace, after.as_bytes())
                .map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}

/// The opening of the print edition, up to the notes, as far as it can be
/// made before the notes are rendered: for [`Stream::put_head`]. Empty if
/// the template fails (the same error comes again at the end).
pub fn head(book: &Book, intro: Option<&Rendered>, layout: &Layout, theme: &Theme) -> String {
    let input = Input {
        book,
        notes: &[],
        intro,
        glossary: &[],
        chronology: &[],
    };
    frame(&input, layout, theme)
        .map(|(before, _)| before)
        .unwrap_or_default()
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
    let mut context = crate::pages::base_context(book, PAGE, "print");
    // The print edition is being made, whatever `print` says (`serve`
    // makes it on request).
    let mut book_context = BookContext::new(&book.config);
    book_context.print = true;
    context.insert("book", &book_context);

    let intro_part = Part {
        page: "index.html",
        id: "introduction",
    };
    let mut intro = String::new();
    if let Some(r) = input.intro {
        rewrite(&r.html, intro_part, layout, &mut intro);
        endnotes(
            &mut intro,
            &r.footnotes,
            &Target::new(intro_part, layout),
            &mut Scratch::default(),
        );
    }
    context.insert("intro", &intro);
    context.insert(
        "intro_has_title",
        &book.intro.as_ref().is_some_and(|n| n.title_in_body),
    );

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
            let id = layout.note_id(i);
            let mut url = String::with_capacity(id.len() + 1);
            url.push('#');
            url.push_str(id);
            section.notes.push(TocNote {
                title: &note.title,
                url,
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
        chronology_notes,
        &Target::new(chronology_part, layout),
        &mut Scratch::default(),
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
        glossary_notes,
        &Target::new(glossary_part, layout),
        &mut Scratch::default(),
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
/// make them in parallel, few enough to keep memory flat.
const BATCH: usize = 64;

/// Renders the print edition and hands it to `sink`, in pieces: the page
/// is never whole in memory unless the sink keeps it (`serve`). With
/// `stream` (a one-shot build), the opening and the articles are already
/// written, and only the rest of the page is added; otherwise each note's
/// article is made from its rendering, which then still has its HTML
/// (`serve`). Returns false, writing nothing, when the theme has no
/// `print.html` template.
pub fn write(
    input: &Input<'_>,
    layout: &Layout,
    theme: &Theme,
    stream: Option<Stream<'_>>,
    sink: &dyn PageSink,
) -> Result<bool, Diagnostic> {
    use rayon::prelude::*;
    if !has_template(theme) {
        return Ok(false);
    }
    let failed =
        |e: &dyn std::fmt::Display| Diagnostic::global(format!("cannot write {PAGE}: {e}"));
    let (before, after) = frame(input, layout, theme)?;
    if let Some(stream) = stream {
        stream.finish(&before, &after).map_err(|e| failed(&e))?;
        return Ok(true);
    }
    let book = input.book;
    let notes = book.notes.len();
    let batches = (0..notes.div_ceil(BATCH)).map(move |b| {
        let range = b * BATCH..((b + 1) * BATCH).min(notes);
        range
            .into_par_iter()
            .map(|i| match input.notes.get(i) {
                Some(r) => note_article(book, i, r, layout).into_bytes(),
                None => Vec::new(),
            })
            .collect::<Vec<Vec<u8>>>()
    });
    // Each article is a piece of its own: no copy of them all. Articles
    // are made on a thread of their own while the sink writes those before
    // them. A few batches wait in the channel at most.
    let articles = batches.flatten().map(Ok);
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

    /// A sink whose streamed page is kept in memory, or fails after
    /// `fail_after` pieces.
    struct Recorder {
        page: Arc<Mutex<Vec<u8>>>,
        fail_after: Option<usize>,
    }

    struct RecordedPage {
        page: Arc<Mutex<Vec<u8>>>,
        left: Option<usize>,
    }

    impl Recorder {
        /// A recorder, and the page it will have recorded.
        fn new(fail_after: Option<usize>) -> (Recorder, Arc<Mutex<Vec<u8>>>) {
            let page = Arc::new(Mutex::new(Vec::new()));
            let recorder = Recorder {
                page: Arc::clone(&page),
                fail_after,
            };
            (recorder, page)
        }
    }

    impl PageSink for Recorder {
        fn put(&self, _path: &str, _bytes: Vec<u8>) -> std::io::Result<()> {
            Ok(())
        }

        fn stream<'s>(&'s self, _path: &str) -> std::io::Result<Box<dyn PageStream + Send + 's>> {
            Ok(Box::new(RecordedPage {
                page: Arc::clone(&self.page),
                left: self.fail_after,
            }))
        }
    }

    impl PageStream for RecordedPage {
        fn write(&mut self, piece: &[u8]) -> std::io::Result<()> {
            if let Some(left) = &mut self.left {
                if *left == 0 {
                    return Err(std::io::Error::other("disk full"));
                }
                *left -= 1;
            }
            self.page.lock().unwrap().extend_from_slice(piece);
            Ok(())
        }

        fn finish(
            self: Box<Self>,
            head: Option<(usize, &[u8])>,
            tail: &[u8],
        ) -> std::io::Result<()> {
            let mut page = self.page.lock().unwrap();
            if let Some((len, new)) = head {
                page.splice(..len, new.iter().copied());
            }
            page.extend_from_slice(tail);
            Ok(())
        }
    }

    #[test]
    fn the_stream_writes_articles_in_order_after_the_head() {
        let (sink, page) = Recorder::new(None);
        let stream = Stream::new(&sink);
        stream.put(1, "[1]".into());
        stream.put(0, "[0]".into());
        assert!(page.lock().unwrap().is_empty(), "nothing before the head");
        stream.put_head("<head>".into());
        assert_eq!(*page.lock().unwrap(), b"<head>[0][1]");
        stream.put(3, "[3]".into());
        assert_eq!(*page.lock().unwrap(), b"<head>[0][1]", "[3] waits for [2]");
        stream.put(2, "[2]".into());
        stream.put(5, "[5]".into());
        // [4] never comes: [5] is written at the end all the same.
        stream.finish("<head>", "<tail>").unwrap();
        assert_eq!(*page.lock().unwrap(), b"<head>[0][1][2][3][5]<tail>");

        let (sink, page) = Recorder::new(None);
        let stream = Stream::new(&sink);
        stream.put_head("<early>".into());
        stream.put(0, "[0]".into());
        stream.finish("<the final head>", "<tail>").unwrap();
        assert_eq!(*page.lock().unwrap(), b"<the final head>[0]<tail>");
    }

    #[test]
    fn a_thread_too_far_ahead_waits_for_the_articles_before_it() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let (sink, page) = Recorder::new(None);
        let stream = Stream::new(&sink);
        let at_once = Duration::ZERO;
        // More than the budget waits for article 0.
        stream.put(5, "x".repeat(WAITING_BYTES + 1));
        // Before the opening nothing waits (it could not end).
        assert!(stream.wait_for_room_within(6, at_once));
        stream.put_head("<head>".into());
        assert!(!stream.wait_for_room_within(6, at_once));
        // The next article's note never waits: it is what makes room.
        assert!(stream.wait_for_room_within(0, at_once));
        let through = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                // Room comes when article 0 is written, not by the limit.
                assert!(stream.wait_for_room_within(6, Duration::from_secs(600)));
                through.store(true, Ordering::SeqCst);
            });
            std::thread::sleep(Duration::from_millis(50));
            assert!(!through.load(Ordering::SeqCst), "no room yet: it waits");
            // Articles 1 to 4 first: they wait for 0, and make no room.
            for i in 1..5 {
                stream.put(i, format!("[{i}]"));
            }
            std::thread::sleep(Duration::from_millis(50));
            assert!(!through.load(Ordering::SeqCst), "0 is not written yet");
            stream.put(0, "[0]".into());
        });
        assert!(through.load(Ordering::SeqCst));
        assert!(
            page.lock()
                .unwrap()
                .starts_with(b"<head>[0][1][2][3][4]xxx")
        );
    }

    #[test]
    fn a_stream_that_cannot_write_says_why_at_the_end() {
        let (sink, _) = Recorder::new(Some(2));
        let stream = Stream::new(&sink);
        stream.put_head("<head>".into());
        for i in 0..10 {
            stream.put(i, format!("[{i}]"));
        }
        let error = stream.finish("<head>", "<tail>").unwrap_err();
        assert!(error.contains("disk full"), "{error}");

        // A page that cannot even be opened.
        struct Unwritable;
        impl PageSink for Unwritable {
            fn put(&self, _path: &str, _bytes: Vec<u8>) -> std::io::Result<()> {
                Ok(())
            }

            fn stream<'s>(
                &'s self,
                _path: &str,
            ) -> std::io::Result<Box<dyn PageStream + Send + 's>> {
                Err(std::io::Error::other("read-only folder"))
            }
        }
        let stream = Stream::new(&Unwritable);
        stream.put_head("<head>".into());
        stream.put(0, "[0]".into());
        let error = stream.finish("<head>", "<tail>").unwrap_err();
        assert!(error.contains("read-only folder"), "{error}");
    }

    fn layout() -> Layout {
        let mut pages = HashMap::default();
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
        // A tag written anew has its attributes one space apart; one
        // left as it is keeps its own spacing.
        assert_eq!(
            rewritten(
                "<p>x</p><a  class=\"x\"  title='t' href=\"../overview.html#k\"\n dir=auto >a</a><img src=\"../x.png\"  alt=\"\"/><a href=\"https://e.com/\"  class=e>e</a>",
                "background/history.html",
                "background-history"
            ),
            "<p>x</p><a class=\"x\" title='t' href=\"#overview--k\" dir=auto >a</a><img src=\"x.png\" alt=\"\"/><a href=\"https://e.com/\"  class=e>e</a>"
        );
        // An unclosed tag at the end is copied as it is.
        assert_eq!(overview(r#"a < b <p id="x""#), r#"a < b <p id="x""#);
        assert_eq!(overview("<br/><hr />"), "<br/><hr />");
    }

    #[test]
    fn bytes_are_found_as_a_byte_at_a_time_would() {
        let text = b"0123456789abcdef<ghijklmnop<q0123456789abcdefghijklmnopqrstuvwxyz<!";
        for start in 0..text.len() {
            for end in start..=text.len() {
                let hay = &text[start..end];
                for needle in [b'<', b'q', b'0', b'z', b'!', b'#'] {
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
    fn attributes_are_told_apart_as_by_their_whole_names() {
        let kind = |tag: &str, name: &str| kind(tag.as_bytes(), name.as_bytes());
        for name in ID_REFERENCES {
            assert_eq!(kind("p", name), Some(Kind::References), "{name}");
            assert_eq!(
                kind("p", &name.to_ascii_uppercase()),
                Some(Kind::References)
            );
        }
        // Every name `KIND_LENGTHS` was made from.
        for (name, expected) in [
            ("id", Kind::Id),
            ("NAME", Kind::Id),
            ("href", Kind::Link),
            ("src", Kind::Resource),
            ("data", Kind::Resource),
            ("poster", Kind::Resource),
            ("SrcSet", Kind::Srcset),
            ("usemap", Kind::Usemap),
            ("Data-Preview", Kind::Preview),
        ] {
            assert_eq!(kind("a", name), Some(expected), "{name}");
        }
        assert_eq!(kind("p", "name"), None);
        for name in [
            "",
            "class",
            "dir",
            "role",
            "value",
            "aria-label",
            "fir",
            "lis",
            "ids",
            "é",
            "[",
        ] {
            assert_eq!(kind("a", name), None, "{name}");
        }
        for tag in RAW_TEXT {
            assert!(is_raw_text(tag.as_bytes()));
            assert!(is_raw_text(tag.to_ascii_uppercase().as_bytes()));
        }
        for tag in ["p", "span", "pre", "code", "scripts", "styl"] {
            assert!(!is_raw_text(tag.as_bytes()), "{tag}");
        }
    }

    #[test]
    fn folders_are_titled() {
        assert_eq!(section_title("key-actors"), "Key actors");
        assert_eq!(section_title("a/b_c-d"), "B c d");
        assert_eq!(section_title("über"), "Über");
        assert_eq!(section_title("a/"), "");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 99, 1234, usize::MAX] {
            let mut out = String::from("x");
            push_number(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
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
