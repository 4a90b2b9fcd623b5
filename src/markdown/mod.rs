//! Markdown to HTML, with citations, glossary references, one footnote
//! numbering, heading ids and checked links between notes.
//!
//! Citations and glossary references are found in the raw text first (see
//! [`crate::citation`]) and replaced by placeholders that Markdown leaves
//! alone; the event stream from pulldown-cmark is then rewritten: placeholders
//! become footnote markers and term links, headings get ids, code blocks are
//! highlighted, footnote definitions are pulled out to be listed at the end,
//! and `.md` links become `.html` links. The result is data, not only HTML
//! ([`Rendered`]): headings, links, citations and terms are checked and
//! cross-referenced once every page is known; and the same walk over the
//! events collects the text the later stages take ([`Collect`]: the search
//! index's sections, the editor's report's units, a definition's plain
//! text), so that none of them reads the Markdown again.
//!
//! This file holds what a rendering is given and returns, and [`render`],
//! which finds and resolves the references, puts placeholders in their
//! place and hands the text to the writer. The parts:
//!
//! - `references`: the placeholders and resolving what they stand for;
//! - `writer`: the walk over pulldown-cmark's events that writes the HTML
//!   (with its footnotes and links in files of their own);
//! - `collect`: the text that walk collects for search and the report;
//! - `raw_html`: the check that raw HTML cannot break out of the page;
//! - `text`: small text helpers other stages use too.

mod collect;
mod raw_html;
mod references;
#[cfg(test)]
mod tests;
mod text;
mod writer;

use std::fmt::Write as _;
use std::ops::Range;

use crate::attrs::Attr;
use crate::autolink::Autolinker;
use crate::citation::{self, InlineRef, InlineRefKind};
use crate::diagnostics::{Diagnostic, FileId, closest};
use crate::glossary::Glossary;
use crate::load::Unloaded;
use crate::resolve::{ResolvedRef, SourceSet};
use crate::tomlstr::StringPosition;

use references::{
    CLOSE, OPEN, OffsetMap, Resolved, curl_closing_quote, reserved_characters, resolve_group,
};
pub use text::{count_words, text_fragment, tidy};
use writer::EventWriter;

/// What the renderer needs to know about the rest of the book.
pub struct RenderEnv<'a> {
    /// The sources citations point into.
    pub sources: &'a SourceSet,
    /// The glossary `[[...]]` points into.
    pub glossary: &'a Glossary,
    /// Links first mentions of glossary names, when the book asks for it.
    pub autolink: Option<&'a Autolinker>,
    /// Each term's short definition, for link previews (see [`term_previews`]).
    pub term_previews: &'a [String],
    /// What did not load: references into it are not errors of their own.
    pub unloaded: &'a Unloaded,
}

/// The short plain-text definition of every term, for link previews:
/// from the definitions as rendered (aligned with the terms, with
/// [`Collect::Plain`]).
pub fn term_previews(definitions: &[Rendered]) -> Vec<String> {
    definitions
        .iter()
        .map(|r| crate::html::truncate_words(&r.plain, 240))
        .collect()
}

/// A piece of Markdown to render: a note body, a glossary definition or a
/// chronology event.
pub struct Fragment<'a> {
    /// The file the Markdown was read from.
    pub file: FileId,
    /// The Markdown.
    pub text: &'a str,
    /// Where `text` starts in the file.
    pub offset: usize,
    /// The page it is shown on (`x/y.html`), for relative links.
    pub page: &'a str,
    /// The folder under `content/` that `.md` links are relative to.
    pub base_dir: &'a str,
    /// The number of the first footnote.
    pub first_footnote: usize,
    /// Whether plain mentions of glossary names are linked (notes only).
    pub autolink: bool,
    /// For Markdown inside a TOML string: how decoded offsets map to the
    /// file (escapes make them differ). `None` for notes.
    pub escapes: Option<&'a StringPosition>,
    /// What the stages after rendering need of its text.
    pub collect: Collect,
}

/// What the walk that renders a fragment collects of its text besides the
/// HTML, so that no later stage reads the Markdown again. Only what is
/// asked for is collected: `serve` keeps every rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collect {
    /// All its text on one line ([`Rendered::plain`]): a glossary
    /// definition's (for link previews and the search index) or a
    /// chronology event's (for the search index).
    Plain,
    /// A page's own text: a note's or the introduction's.
    Page {
        /// Its text section by section, for the search index
        /// ([`Rendered::sections`]).
        sections: bool,
        /// Whether the page opens with the `# Title` it shows as its
        /// title ([`crate::note::Note::title_in_body`]): that heading's
        /// section is then the page itself.
        title_in_body: bool,
        /// Its paragraphs, list items and table rows, for the editor's
        /// report ([`Rendered::units`]).
        units: bool,
    },
}

/// A part of a page for the search index: the text before its first
/// heading, or one heading's section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading's index in [`Rendered::headings`]; `None` for the text
    /// before the first heading (or under the opening title).
    pub heading: Option<usize>,
    /// Its text: citations left out, glossary references as the words they
    /// show, code blocks and raw HTML left out, square brackets dropped
    /// (`[T]hese` is a word); runs of white space made one space, and none
    /// before closing punctuation.
    pub text: String,
}

/// What a unit of a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A paragraph outside lists.
    Paragraph,
    /// A paragraph of a list item, or a tight item's own text up to a
    /// nested list.
    ListItem,
    /// A row of a table's body.
    TableRow,
}

impl UnitKind {
    /// How the editor's report names it.
    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Paragraph => "paragraph",
            UnitKind::ListItem => "list item",
            UnitKind::TableRow => "table row",
        }
    }
}

/// A stretch of a note that may state something and should then cite
/// (for the editor's report): a paragraph, a list item or a table body
/// row. Headings, code, raw HTML, table headers, footnote definitions and
/// block quotes (quotations of others, not the author's claims) are not
/// units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Where it starts in the file.
    pub at: usize,
    /// What it is.
    pub kind: UnitKind,
    /// Whether it cites: a citation group stands in it (whether it
    /// resolves or not), or a Markdown footnote it refers to has one in its
    /// definition.
    pub cites: bool,
    /// Its text on one line, citations left out and glossary references as
    /// the words they show; empty when it cites (the report shows only the
    /// units that do not).
    pub text: String,
    /// How many words of its text are its own: not the text of a link.
    pub own_words: usize,
}

/// A heading of a rendered page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The `id` attribute.
    pub id: String,
    /// The heading's text.
    pub text: String,
}

/// A footnote: a citation group or a Markdown footnote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Footnote {
    /// Its number on the page.
    pub number: usize,
    /// The `id` of its list item: `fn-3`.
    pub id: String,
    /// Its content, HTML.
    pub html: String,
    /// The ids of every marker that refers to it, in order.
    pub backrefs: Vec<String>,
    /// Whether it is a citation (otherwise a Markdown footnote).
    pub citation: bool,
    /// Where `html` holds ids, URLs and previews.
    #[serde(skip)]
    pub attrs: Vec<Attr>,
}

/// A link to another page of the book, to be checked once all are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalLink {
    /// Where the link was written.
    pub file: FileId,
    /// Its byte range in the file.
    pub span: Range<usize>,
    /// The `.md` path under `content/` it points to (or the page's own).
    pub target: String,
    /// The `#fragment`, if any.
    pub fragment: Option<String>,
}

/// One use of a source: for the links back from source pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationUse {
    /// The reference as resolved.
    pub cite: ResolvedRef,
    /// The footnote number.
    pub number: usize,
    /// The `id` of the marker in the text.
    pub marker_id: String,
    /// A hash of `cite`, made once when the fragment is rendered: each
    /// render fingerprints every source page from its citations, and
    /// hashing their quotations anew then cost half of a one-note edit
    /// in a 10,000-note book.
    pub fingerprint: u64,
}

impl CitationUse {
    /// One use of `cite`, by footnote `number` at the marker `marker_id`.
    pub fn new(cite: ResolvedRef, number: usize, marker_id: String) -> CitationUse {
        let fingerprint = crate::fingerprint::hasher().hash_one(&cite);
        CitationUse {
            cite,
            number,
            marker_id,
            fingerprint,
        }
    }
}

/// The result of rendering a fragment.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The body, HTML.
    pub html: String,
    /// Where `html` holds ids, URLs and previews, in order: what changes
    /// where the HTML is shown on another page (see [`crate::attrs`]).
    pub attrs: Vec<Attr>,
    /// Footnotes in number order.
    pub footnotes: Vec<Footnote>,
    /// Headings in order.
    pub headings: Vec<Heading>,
    /// Links to check.
    pub links: Vec<InternalLink>,
    /// Every citation, for source backlinks.
    pub citations: Vec<CitationUse>,
    /// Indexes of glossary terms referred to.
    pub terms: Vec<usize>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// Quotations not found in their source (each is also an error in
    /// `diagnostics`), for the editor's report.
    pub drifts: Vec<crate::problem::QuoteDrift>,
    /// A page's text section by section, in order, for the search index
    /// (with [`Collect::Page`] `sections`; else empty).
    pub sections: Vec<Section>,
    /// All the text on one line (with [`Collect::Plain`]; else empty), as
    /// a section's: citations left out, glossary references as the words
    /// they show, code blocks kept, headings and paragraphs run together.
    pub plain: String,
    /// A note's paragraphs, list items and table body rows, in order (with
    /// [`Collect::Page`] `units`; else empty).
    pub units: Vec<Unit>,
    /// The sources its citations name (indexes, sorted, each once),
    /// whether or not the citations resolve.
    pub cited_sources: Vec<usize>,
    /// Whether it has a citation group at all, even of unknown sources.
    pub cites: bool,
    /// Quotations in the prose that no citation follows in their block,
    /// for the editor's report.
    pub unattributed: Vec<crate::prose::Unattributed>,
    /// How many quotations its citations verified (counted once, for the
    /// build's summary line, rather than over every citation per render).
    pub quotations: usize,
    /// Which rendering this is, once a project keeps it: a number no other
    /// rendering of the project has (0 until then). A copy made by
    /// [`Rendered::without_page`] has the same: the steps that tell a
    /// rendering kept from one made again compare these ([`Rendered::is`]).
    pub id: u64,
    /// Whether what only the fragment's own page and the search index read
    /// (`html`, `attrs`, `footnotes`, `sections`) was let go of
    /// ([`Rendered::without_page`]).
    pub page_dropped: bool,
}

impl Rendered {
    /// A copy without what only the fragment's own page and the search
    /// index read, which are made from it once: the HTML, its attributes,
    /// the footnotes and the search sections, most of a rendering's size.
    /// `serve` keeps a note's rendering so once the note's page is made and
    /// indexed, and renders the note again should the page be made again.
    pub fn without_page(&self) -> Rendered {
        Rendered {
            html: String::new(),
            attrs: Vec::new(),
            footnotes: Vec::new(),
            headings: self.headings.clone(),
            links: self.links.clone(),
            citations: self.citations.clone(),
            terms: self.terms.clone(),
            diagnostics: self.diagnostics.clone(),
            drifts: self.drifts.clone(),
            sections: Vec::new(),
            plain: self.plain.clone(),
            units: self.units.clone(),
            cited_sources: self.cited_sources.clone(),
            cites: self.cites,
            unattributed: self.unattributed.clone(),
            quotations: self.quotations,
            id: self.id,
            page_dropped: true,
        }
    }

    /// Whether `other` is this rendering: the same allocation, or a copy
    /// of the same numbered one ([`Rendered::id`]).
    pub fn is(&self, other: &Rendered) -> bool {
        std::ptr::eq(self, other) || same_number(self.id, other.id)
    }
}

/// Whether two renderings' numbers ([`Rendered::id`]) name the same
/// rendering: 0, a rendering no project numbered, is never the same as
/// another.
pub fn same_number(a: u64, b: u64) -> bool {
    a != 0 && a == b
}

/// Renders one fragment of Markdown.
pub fn render(env: &RenderEnv<'_>, fragment: &Fragment<'_>) -> Rendered {
    // References are not looked for in code and raw HTML. Finding those
    // takes a Markdown parse of its own, the most costly step after
    // highlighting: instead, references are first taken everywhere and
    // the one parse that renders the fragment tells whether one of them
    // stood in code. Only then is the fragment rendered again, the slow
    // way (rare: a reference written inside code).
    let mut rendered = render_with(env, fragment, Code::Unchecked).unwrap_or_else(|| {
        let ranges = citation::code_ranges(fragment.text);
        render_with(env, fragment, Code::Ranges(&ranges)).unwrap_or_default()
    });
    rendered.quotations = rendered.citations.iter().map(|c| c.cite.quotes.len()).sum();
    rendered
}

/// What is known of a fragment's code (code spans and blocks, raw HTML)
/// when its references are looked for.
#[derive(Clone, Copy)]
enum Code<'r> {
    /// Its byte ranges: references inside them are left alone.
    Ranges(&'r [Range<usize>]),
    /// Not known yet: every reference is taken, and the rendering gives up
    /// (returns `None`) if one turns out to stand in code.
    Unchecked,
}

fn render_with(env: &RenderEnv<'_>, fragment: &Fragment<'_>, code: Code<'_>) -> Option<Rendered> {
    let mut out = Rendered::default();
    let file = fragment.file;

    // The two private-use characters briefbook marks citations with cannot
    // be told apart from the author's own: refuse them rather than let them
    // turn into stray footnote markers or vanish.
    let mut reserved = reserved_characters(fragment.text);
    if let Some((at, c)) = reserved.next() {
        let more = reserved.count();
        out.diagnostics.push(
            Diagnostic::error(
                file,
                fragment.offset + at..fragment.offset + at + c.len_utf8(),
                format!(
                    "the private-use character U+{:04X} is reserved by briefbook{}",
                    u32::from(c),
                    if more > 0 {
                        format!(" ({more} more in this text)")
                    } else {
                        String::new()
                    }
                ),
            )
            .with_label("reserved character")
            .with_help("remove it; to show it, write the HTML entity `&#xE000;` or `&#xE001;`"),
        );
    }

    // 1. Find citations and glossary references, and resolve them.
    let skip = match code {
        Code::Ranges(ranges) => ranges,
        Code::Unchecked => &[],
    };
    let (refs, scan_errors) = citation::scan(fragment.text, fragment.offset, skip);
    if matches!(code, Code::Unchecked) {
        // A malformed reference may be code; and a reference holding a
        // character that opens code or HTML changes what is code once it
        // is replaced: both are left to the slow way.
        let opens_code = |r: &InlineRef| {
            fragment.text[r.span.start - fragment.offset..r.span.end - fragment.offset]
                .contains(['`', '~', '<'])
        };
        if !scan_errors.is_empty() || refs.iter().any(opens_code) {
            return None;
        }
    }
    for e in scan_errors {
        out.diagnostics
            .push(Diagnostic::error(file, e.span, e.message).with_help(e.help));
    }
    for r in &refs {
        if let InlineRefKind::Citation(group) = &r.kind {
            out.cites = true;
            let cited = group
                .refs
                .iter()
                .filter_map(|c| env.sources.index_of(&c.key));
            out.cited_sources.extend(cited);
        }
    }
    out.cited_sources.sort_unstable();
    out.cited_sources.dedup();
    let mut resolved = Vec::with_capacity(refs.len());
    let mut closest_left = crate::resolve::CLOSEST_PASSAGES;
    for r in &refs {
        resolved.push(match &r.kind {
            InlineRefKind::Citation(group) => resolve_group(env, file, group, &mut out.diagnostics, &mut out.drifts, &mut closest_left),
            InlineRefKind::Term(term) => match env.glossary.lookup(&term.target) {
                Some(index) => {
                    out.terms.push(index);
                    Resolved::Term { index, text: term.shown().to_string() }
                }
                // The glossary's own errors say why it has no terms.
                None if env.unloaded.glossary => Resolved::Broken(term.shown().to_string()),
                // An unknown term before code is known is most often not a
                // reference at all (a TOML `[[table]]` in a code block):
                // the slow way, which knows code, tells; suggesting terms
                // for it first would cost a comparison with every name.
                None if matches!(code, Code::Unchecked) => return None,
                None => {
                    let mut d = Diagnostic::error(file, r.span.clone(), format!("unknown glossary term `{}`", term.target))
                        .with_label("not in the glossary");
                    let near = closest(&term.target, env.glossary.all_names(), 3);
                    d = if env.glossary.terms.is_empty() {
                        d.with_help("this book has no glossary: add the term to `content/glossary.toml`")
                    } else if near.is_empty() {
                        d.with_help("add the term to `content/glossary.toml`")
                    } else {
                        d.with_help(format!(
                            "the closest terms are {}; or add it to `content/glossary.toml`",
                            near.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                        ))
                    };
                    out.diagnostics.push(d);
                    Resolved::Broken(term.shown().to_string())
                }
            },
        });
    }

    // 2. Replace them with placeholders.
    let mut text = String::with_capacity(fragment.text.len());
    let mut map = OffsetMap {
        replaced: Vec::with_capacity(refs.len()),
    };
    let mut last = 0;
    for (i, r) in refs.iter().enumerate() {
        let start = r.span.start - fragment.offset;
        let end = r.span.end - fragment.offset;
        text.push_str(&fragment.text[last..start]);
        if matches!(r.kind, InlineRefKind::Citation(_)) {
            curl_closing_quote(&mut text, &mut map, start);
        }
        let new_start = text.len();
        write!(text, "{OPEN}{i}{CLOSE}").ok();
        map.replaced.push((new_start, text.len(), start, end));
        last = end;
    }
    text.push_str(&fragment.text[last..]);

    // 3. Rewrite the Markdown events.
    let mut writer = EventWriter::new(env, fragment, resolved, &refs, closest_left, &mut out);
    if !writer.run(&text, &map, matches!(code, Code::Unchecked)) {
        return None;
    }
    if let Some(position) = fragment.escapes.filter(|p| p.has_escapes()) {
        // Spans were computed as `offset + decoded offset`; escapes in the
        // TOML string shift them.
        let to_file = |at: usize| position.to_file(at.saturating_sub(fragment.offset));
        let remap = |span: &mut Range<usize>| *span = to_file(span.start)..to_file(span.end);
        for d in &mut out.diagnostics {
            if let Some((_, span)) = &mut d.location {
                remap(span);
            }
        }
        for link in &mut out.links {
            remap(&mut link.span);
        }
        for drift in &mut out.drifts {
            remap(&mut drift.span);
        }
        for quotation in &mut out.unattributed {
            remap(&mut quotation.span);
        }
    }
    Some(out)
}
