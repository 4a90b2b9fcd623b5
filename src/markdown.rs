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

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};

use crate::attrs::{self, Ahead, Attr, AttrKind};
use crate::autolink::Autolinker;
use crate::citation::{self, CitationGroup, InlineRef, InlineRefKind, markdown_options};
use crate::diagnostics::{Diagnostic, FileId, closest};
use crate::glossary::Glossary;
use crate::highlight;
use crate::html::{escape_into, root_prefix};
use crate::load::Unloaded;
use crate::quote;
use crate::resolve::{ResolvedRef, SourceSet};
use crate::slug::{SlugDeduper, slugify};
use crate::tomlstr::StringPosition;

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

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
}

/// Maps byte offsets in the text with placeholders back to the original.
struct OffsetMap {
    /// (start in new text, end in new text, start in original, end in original)
    replaced: Vec<(usize, usize, usize, usize)>,
}

impl OffsetMap {
    fn original(&self, at: usize) -> usize {
        match self.replaced.iter().rev().find(|r| r.0 <= at) {
            Some(&(_, new_end, orig_start, orig_end)) => {
                if at < new_end {
                    orig_start
                } else {
                    at - new_end + orig_end
                }
            }
            None => at,
        }
    }
}

/// A resolved inline reference, ready to be emitted.
enum Resolved {
    Citation(Vec<ResolvedRef>),
    Term { index: usize, text: String },
    Broken(String),
}

/// Renders one fragment of Markdown.
pub fn render(env: &RenderEnv<'_>, fragment: &Fragment<'_>) -> Rendered {
    // References are not looked for in code and raw HTML. Finding those
    // takes a Markdown parse of its own, the most costly step after
    // highlighting: instead, references are first taken everywhere and
    // the one parse that renders the fragment tells whether one of them
    // stood in code. Only then is the fragment rendered again, the slow
    // way (rare: a reference written inside code).
    if let Some(rendered) = render_with(env, fragment, Code::Unchecked) {
        return rendered;
    }
    let ranges = citation::code_ranges(fragment.text);
    render_with(env, fragment, Code::Ranges(&ranges)).unwrap_or_default()
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

/// Where `text` holds briefbook's private-use markers, and which. Found by
/// their UTF-8 lead byte, which little else has: decoding every character
/// of every note to look for them cost as much as a tenth of rendering.
fn reserved_characters(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let lead = OPEN.encode_utf8(&mut [0; 4]).as_bytes()[0];
    memchr::memchr_iter(lead, text.as_bytes()).filter_map(move |at| {
        let c = text[at..].chars().next()?;
        (c == OPEN || c == CLOSE).then_some((at, c))
    })
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
    let mut writer = EventWriter {
        env,
        fragment,
        root: root_prefix(fragment.page),
        resolved,
        inline_refs: &refs,
        closest_left,
        next_number: fragment.first_footnote,
        footnote_numbers: HashMap::new(),
        footnotes: HashMap::new(),
        definitions: HashMap::new(),
        definition_spans: HashMap::new(),
        slugs: SlugDeduper::default(),
        link_depth: 0,
        autolinked: HashSet::new(),
        ahead: Ahead::default(),
        out: &mut out,
    };
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

/// Turns a straight quotation mark that ends `text` (the text before a
/// citation's placeholder, which stands at `original` in the fragment)
/// into a closing one, when it follows a word: pulldown-cmark's smart
/// punctuation cannot tell that the placeholder after it is punctuation,
/// and would curl `"words"[@nyt]` into an opening mark.
fn curl_closing_quote(text: &mut String, map: &mut OffsetMap, original: usize) {
    // After a word or the punctuation that ends one, never after `=` (an
    // HTML attribute) or an opening bracket.
    let ends_words = |c: char| {
        c.is_alphanumeric()
            || matches!(
                c,
                '.' | ',' | ';' | ':' | '!' | '?' | ')' | '*' | '_' | '\u{2026}' | '\u{2019}'
            )
    };
    let mut last_two = text.chars().rev();
    let (Some(mark), Some(before)) = (last_two.next(), last_two.next()) else {
        return;
    };
    let closing = match mark {
        '"' if ends_words(before) => '\u{201D}',
        '\'' if ends_words(before) => '\u{2019}',
        _ => return,
    };
    text.pop();
    let new_start = text.len();
    text.push(closing);
    map.replaced
        .push((new_start, text.len(), original - 1, original));
}

/// Whether a reference's placeholder stands in a code span, a code block
/// (its fences and info string included) or raw HTML: the ranges
/// [`citation::code_ranges`] leaves alone.
fn placeholder_in_code(text: &str, events: &[(Event<'_>, Range<usize>)]) -> bool {
    events.iter().any(|(event, range)| {
        matches!(
            event,
            Event::Start(Tag::CodeBlock(_))
                | Event::Code(_)
                | Event::Html(_)
                | Event::InlineHtml(_)
        ) && text
            .get(range.clone())
            .is_some_and(|code| code.contains(OPEN))
    })
}

fn resolve_group(
    env: &RenderEnv<'_>,
    file: FileId,
    group: &CitationGroup,
    diagnostics: &mut Vec<Diagnostic>,
    drifts: &mut Vec<crate::problem::QuoteDrift>,
    closest_left: &mut usize,
) -> Resolved {
    let mut refs = Vec::with_capacity(group.refs.len());
    for cite in &group.refs {
        match crate::resolve::resolve_ref_within(env.sources, cite, closest_left) {
            Ok(r) => refs.push(r),
            Err(problem) => {
                drifts.extend(problem.drift(file));
                // A source that did not load is reported by its own errors,
                // not once by every citation of it.
                let unloaded = env.sources.index_of(&cite.key).is_none()
                    && env.unloaded.sources.contains(&cite.key);
                if !unloaded {
                    diagnostics.push(problem.diagnostic(file));
                }
            }
        }
    }
    if refs.len() == group.refs.len() {
        Resolved::Citation(refs)
    } else {
        Resolved::Broken(String::new())
    }
}

struct EventWriter<'e, 'a> {
    env: &'e RenderEnv<'a>,
    fragment: &'e Fragment<'a>,
    root: String,
    resolved: Vec<Resolved>,
    /// The references found in the fragment, by placeholder index.
    inline_refs: &'e [InlineRef],
    /// How many more quotations not found get their closest passage
    /// searched ([`crate::resolve::CLOSEST_PASSAGES`] per fragment).
    closest_left: usize,
    next_number: usize,
    /// Markdown footnote label -> number.
    footnote_numbers: HashMap<String, usize>,
    /// number -> footnote being built.
    footnotes: HashMap<usize, Footnote>,
    /// Markdown footnote label -> rendered definition, and where it holds
    /// ids, URLs and previews.
    definitions: HashMap<String, (String, Vec<Attr>)>,
    definition_spans: HashMap<String, Range<usize>>,
    slugs: SlugDeduper,
    /// How many links (or images) the current text is inside.
    link_depth: usize,
    /// Names and aliases already linked in this fragment.
    autolinked: HashSet<usize>,
    /// The ids, URLs and previews of pieces of HTML not written yet.
    ahead: Ahead,
    out: &'e mut Rendered,
}

/// Where events are collected while a construct is open.
enum Capture<'t> {
    Heading {
        level: u8,
        id: Option<String>,
        classes: Vec<CowStr<'t>>,
        attrs: Vec<(CowStr<'t>, Option<CowStr<'t>>)>,
        events: Vec<Event<'t>>,
        text: String,
    },
    Code {
        language: Option<String>,
        code: String,
    },
}

impl<'e, 'a> EventWriter<'e, 'a> {
    /// Writes the fragment's HTML into `out`. With `check_code`, first
    /// makes sure no reference placeholder stands in code or raw HTML, and
    /// returns `false` without writing anything if one does.
    fn run(&mut self, text: &str, map: &OffsetMap, check_code: bool) -> bool {
        let mut body: Vec<Event<'_>> = Vec::new();
        let mut definition: Option<(String, Vec<Event<'_>>)> = None;
        let mut capture: Option<Capture<'_>> = None;
        let mut pending_text = String::new();
        let mut raw_html = RawHtml::default();
        let mut collector = TextCollector::new(self.fragment.collect, self.inline_refs);

        let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(text, markdown_options())
            .into_offset_iter()
            .collect();
        if check_code && placeholder_in_code(text, &events) {
            return false;
        }
        self.verify_prose_quotations(text, &events, map);
        let mut i = 0;
        while i < events.len() {
            let (mut event, range) = events[i].clone();
            i += 1;
            // Merge runs of text so a placeholder is never split.
            if let Event::Text(t) = &event {
                pending_text.push_str(t);
                if matches!(events.get(i), Some((Event::Text(_), _))) {
                    continue;
                }
                let merged = std::mem::take(&mut pending_text);
                collector.text(&merged);
                let plain = capture.is_none() && self.link_depth == 0;
                let produced = self.text_events(&merged, plain);
                for e in produced {
                    // A citation hugs the word before it, as in Pandoc,
                    // even when the author put it after a space or on the
                    // next line.
                    let hugs = matches!(&e, Event::InlineHtml(h) if h.starts_with(CITATION_MARKER));
                    if hugs {
                        match &mut capture {
                            Some(Capture::Heading { events, .. }) => trim_trailing_space(events),
                            Some(Capture::Code { .. }) => {}
                            None => match &mut definition {
                                Some((_, events)) => trim_trailing_space(events),
                                None => trim_trailing_space(&mut body),
                            },
                        }
                    }
                    if let Some(Capture::Heading {
                        events,
                        text: heading_text,
                        ..
                    }) = &mut capture
                    {
                        if let Event::Text(t) = &e {
                            heading_text.push_str(t);
                        }
                        events.push(e);
                    } else if let Some(Capture::Code { code, .. }) = &mut capture {
                        if let Event::Text(t) = &e {
                            code.push_str(t);
                        }
                    } else {
                        push(&mut body, &mut definition, e);
                    }
                }
                continue;
            }
            raw_html.observe(&mut event, text, range.clone(), &mut self.ahead);
            collector.event(&event, &range);
            match event {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    capture = Some(Capture::Heading {
                        level: level as u8,
                        id: id.map(|i| i.to_string()),
                        classes,
                        attrs,
                        events: Vec::new(),
                        text: String::new(),
                    });
                }
                Event::End(TagEnd::Heading(level)) => {
                    if let Some(Capture::Heading {
                        level: n,
                        id,
                        classes,
                        attrs,
                        events,
                        text,
                    }) = capture.take()
                    {
                        let text = quote::one_line(&text);
                        let id = match id {
                            Some(explicit) => {
                                if !self.slugs.reserve(&explicit) {
                                    self.out.diagnostics.push(
                                        Diagnostic::error(
                                            self.fragment.file,
                                            self.span(map, range.clone()),
                                            format!("two headings have the id `{explicit}`"),
                                        )
                                        .with_help("give this heading another `{#id}`"),
                                    );
                                }
                                explicit
                            }
                            None => self.slugs.unique(&slugify(&text)),
                        };
                        self.out.headings.push(Heading {
                            level: n,
                            id: id.clone(),
                            text,
                        });
                        push(
                            &mut body,
                            &mut definition,
                            Event::Start(Tag::Heading {
                                level,
                                id: Some(id.into()),
                                classes,
                                attrs,
                            }),
                        );
                        for e in events {
                            push(&mut body, &mut definition, e);
                        }
                        push(
                            &mut body,
                            &mut definition,
                            Event::End(TagEnd::Heading(level)),
                        );
                    }
                }
                Event::Code(code) => {
                    if let Some(Capture::Heading { events, text, .. }) = &mut capture {
                        text.push_str(&code);
                        events.push(Event::Code(code));
                    } else {
                        push(&mut body, &mut definition, Event::Code(code));
                    }
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let language = match kind {
                        pulldown_cmark::CodeBlockKind::Fenced(lang) if !lang.is_empty() => {
                            Some(lang.to_string())
                        }
                        _ => None,
                    };
                    capture = Some(Capture::Code {
                        language,
                        code: String::new(),
                    });
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some(Capture::Code { language, code }) = capture.take() {
                        let html = highlight::code_block(&code, language.as_deref());
                        push(&mut body, &mut definition, Event::Html(html.into()));
                    }
                }
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    self.definition_spans
                        .insert(label.to_string(), self.span(map, range.clone()));
                    definition = Some((label.to_string(), Vec::new()));
                }
                Event::End(TagEnd::FootnoteDefinition) => {
                    if let Some((label, events)) = definition.take() {
                        let (mut html_text, mut attrs) = (String::new(), Vec::new());
                        attrs::write_html(&mut html_text, &mut attrs, events, &mut self.ahead);
                        self.definitions.insert(label, (html_text, attrs));
                    }
                }
                Event::TaskListMarker(done) => {
                    // pulldown-cmark's checkbox has no accessible name.
                    let marker = format!(
                        "<input type=\"checkbox\" disabled{} aria-label=\"{}\"> ",
                        if done { " checked" } else { "" },
                        if done { "Done" } else { "Not done" }
                    );
                    self.emit_inline(&mut body, &mut definition, &mut capture, marker);
                }
                Event::FootnoteReference(label) => {
                    let marker = self.markdown_footnote_marker(&label);
                    self.emit_inline(&mut body, &mut definition, &mut capture, marker);
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    self.link_depth += 1;
                    let dest = self.link(&dest_url, self.span(map, range.clone()));
                    let e = Event::Start(Tag::Link {
                        link_type,
                        dest_url: dest.into(),
                        title,
                        id,
                    });
                    self.emit_event(&mut body, &mut definition, &mut capture, e);
                }
                other => {
                    match &other {
                        Event::Start(Tag::Image { .. }) => self.link_depth += 1,
                        Event::End(TagEnd::Link | TagEnd::Image) => {
                            self.link_depth = self.link_depth.saturating_sub(1)
                        }
                        _ => {}
                    }
                    self.emit_event(&mut body, &mut definition, &mut capture, other)
                }
            }
        }

        attrs::write_html(
            &mut self.out.html,
            &mut self.out.attrs,
            body,
            &mut self.ahead,
        );
        debug_assert!(self.ahead.is_empty(), "a piece of HTML was never written");
        let offset = self.fragment.offset;
        let to_file = |range: Range<usize>| {
            let start = map.original(range.start) + offset;
            start..(map.original(range.end.max(range.start)) + offset).max(start)
        };
        collector.finish(text.len(), to_file, self.out);
        self.finish_footnotes();
        raw_html.finish();
        for problem in raw_html.problems {
            self.out.diagnostics.push(
                Diagnostic::error(
                    self.fragment.file,
                    self.span(map, problem.span),
                    problem.message,
                )
                .with_label(problem.label)
                .with_help(problem.help),
            );
        }
        true
    }

    /// Finds the quotations written in the prose and verifies each
    /// against the citation that follows it, before any citation is
    /// rendered: a verified one is then marked in its footnote like a
    /// quotation written inside the brackets.
    fn verify_prose_quotations(
        &mut self,
        text: &str,
        events: &[(Event<'_>, Range<usize>)],
        map: &OffsetMap,
    ) {
        let refs = self.inline_refs;
        let found =
            crate::prose::quotations(events, text, (OPEN, CLOSE), |n| match &refs.get(n)?.kind {
                InlineRefKind::Citation(_) => Some(crate::prose::Placeholder::Citation),
                InlineRefKind::Term(t) => Some(crate::prose::Placeholder::Words(t.shown())),
            });
        for q in found {
            let span = self.span(map, q.span.clone());
            let Some(n) = q.citation else {
                self.out.unattributed.push(crate::prose::Unattributed {
                    file: self.fragment.file,
                    span,
                    text: q.text,
                });
                continue;
            };
            // A citation that did not resolve has its own errors.
            let (Some(Resolved::Citation(resolved)), Some(InlineRefKind::Citation(group))) =
                (self.resolved.get_mut(n), refs.get(n).map(|r| &r.kind))
            else {
                continue;
            };
            let quotation = crate::citation::Quotation { text: q.text, span };
            if let Err(problem) = crate::resolve::verify_quotation(
                self.env.sources,
                &group.refs,
                resolved,
                &quotation,
                &mut self.closest_left,
            ) {
                let file = self.fragment.file;
                self.out.drifts.extend(problem.drift(file));
                self.out.diagnostics.push(problem.diagnostic(file));
            }
        }
    }

    fn emit_event<'t>(
        &mut self,
        body: &mut Vec<Event<'t>>,
        definition: &mut Option<(String, Vec<Event<'t>>)>,
        capture: &mut Option<Capture<'t>>,
        event: Event<'t>,
    ) {
        match capture {
            Some(Capture::Heading { events, text, .. }) => {
                if let Event::SoftBreak | Event::HardBreak = event {
                    text.push(' ');
                }
                events.push(event);
            }
            Some(Capture::Code { .. }) => {}
            None => push(body, definition, event),
        }
    }

    fn emit_inline<'t>(
        &mut self,
        body: &mut Vec<Event<'t>>,
        definition: &mut Option<(String, Vec<Event<'t>>)>,
        capture: &mut Option<Capture<'t>>,
        html_text: String,
    ) {
        self.emit_event(
            body,
            definition,
            capture,
            Event::InlineHtml(html_text.into()),
        );
    }

    fn span(&self, map: &OffsetMap, range: Range<usize>) -> Range<usize> {
        let start = map.original(range.start) + self.fragment.offset;
        let end = map.original(range.end.max(range.start)) + self.fragment.offset;
        start..end.max(start)
    }

    /// Turns merged text with placeholders into text and HTML events.
    /// `plain`: the text is outside links, headings and code, where glossary
    /// names may be linked.
    fn text_events(&mut self, text: &str, plain: bool) -> Vec<Event<'static>> {
        let mut events = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find(OPEN) {
            let Some(close) = rest[open..].find(CLOSE).map(|c| open + c) else {
                break;
            };
            if open > 0 {
                self.plain_text_events(&rest[..open], plain, &mut events);
            }
            let index: usize = rest[open + OPEN.len_utf8()..close]
                .parse()
                .unwrap_or(usize::MAX);
            // Each placeholder stands once in the text: its citation is
            // taken, not copied.
            let taken = self
                .resolved
                .get_mut(index)
                .map(|r| std::mem::replace(r, Resolved::Broken(String::new())));
            match taken {
                Some(Resolved::Citation(refs)) => {
                    let html_text = self.citation_marker(&refs);
                    events.push(Event::InlineHtml(html_text.into()));
                }
                Some(Resolved::Term { index, text }) => {
                    let link = self.term_link(index, &text);
                    events.push(Event::InlineHtml(link.into()));
                }
                Some(Resolved::Broken(text)) => events.push(Event::Text(text.into())),
                None => {}
            }
            rest = &rest[close + CLOSE.len_utf8()..];
        }
        if !rest.is_empty() {
            self.plain_text_events(rest, plain, &mut events);
        }
        events
    }

    /// Text without placeholders, with the first mention of each glossary
    /// name linked when autolinking applies.
    fn plain_text_events(&mut self, text: &str, plain: bool, events: &mut Vec<Event<'static>>) {
        let linker = match self.env.autolink {
            Some(linker) if plain && self.fragment.autolink => linker,
            _ => {
                events.push(Event::Text(text.to_string().into()));
                return;
            }
        };
        let mut at = 0;
        for mention in linker.mentions(text) {
            if !self.autolinked.insert(mention.pattern) {
                continue;
            }
            if mention.range.start > at {
                events.push(Event::Text(
                    text[at..mention.range.start].to_string().into(),
                ));
            }
            self.out.terms.push(mention.term);
            let link = self.term_link(mention.term, &text[mention.range.clone()]);
            events.push(Event::InlineHtml(link.into()));
            at = mention.range.end;
        }
        if at < text.len() {
            events.push(Event::Text(text[at..].to_string().into()));
        }
    }

    /// A link to a glossary term, carrying its short definition.
    fn term_link(&mut self, index: usize, text: &str) -> String {
        let term = &self.env.glossary.terms[index];
        let preview = self.env.term_previews.get(index).map_or("", String::as_str);
        let mut h = String::with_capacity(64 + term.id.len() + preview.len() + text.len());
        let mut attrs = [(0..0, AttrKind::Link), (0..0, AttrKind::Preview)];
        h.push_str("<a class=\"term\" href=\"");
        let href = h.len();
        h.push_str(&self.root);
        h.push_str("glossary.html#");
        escape_into(&mut h, &term.id);
        attrs[0].0 = href..h.len();
        let preview_start = h.len();
        h.push_str("\" data-preview=\"");
        escape_into(&mut h, preview);
        attrs[1].0 = preview_start + 1..h.len() + 1;
        h.push_str("\">");
        escape_into(&mut h, text);
        h.push_str("</a>");
        self.ahead_piece(h, attrs)
    }

    /// `html`, a piece of HTML to put among the events, with its
    /// attributes recorded for when it is written. Its text stays where it
    /// is in memory until then: without spare capacity, it becomes an
    /// event's boxed string (`String::into_boxed_str`) without moving.
    fn ahead_piece(
        &mut self,
        mut html: String,
        attrs: impl IntoIterator<Item = (Range<usize>, AttrKind)>,
    ) -> String {
        html.shrink_to_fit();
        for (range, kind) in attrs {
            self.ahead.add(&html, range, kind);
        }
        html
    }

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

    fn citation_marker(&mut self, refs: &[ResolvedRef]) -> String {
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
            self.out.citations.push(CitationUse {
                cite: r.clone(),
                number,
                marker_id: marker_id.clone(),
            });
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

    fn markdown_footnote_marker(&mut self, label: &str) -> String {
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

    /// Rewrites a link to a `.md` note to its `.html` page and records it for
    /// checking.
    fn link(&mut self, dest: &str, span: Range<usize>) -> String {
        if crate::html::has_scheme(dest) || dest.starts_with('/') {
            return dest.to_string();
        }
        let (path, fragment) = match dest.split_once('#') {
            Some((p, f)) => (p, Some(f.to_string())),
            None => (dest, None),
        };
        if path.is_empty() {
            let target = format!("{}.md", self.fragment.page.trim_end_matches(".html"));
            self.out.links.push(InternalLink {
                file: self.fragment.file,
                span,
                target,
                fragment,
            });
            return dest.to_string();
        }
        if !path.ends_with(".md") {
            return dest.to_string();
        }
        let decoded = percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .to_string();
        let Some(target) = join_path(self.fragment.base_dir, &decoded) else {
            self.out.diagnostics.push(
                Diagnostic::error(
                    self.fragment.file,
                    span,
                    format!("the link `{dest}` points outside `content/`"),
                )
                .with_help("link to notes inside the book, relative to this note"),
            );
            return dest.to_string();
        };
        let page = format!("{}.html", target.trim_end_matches(".md"));
        let href = format!(
            "{}{}{}",
            self.root,
            page.split('/')
                .map(|s| percent_encoding::utf8_percent_encode(s, PATH_SEGMENT).to_string())
                .collect::<Vec<_>>()
                .join("/"),
            fragment
                .as_ref()
                .map(|f| format!("#{f}"))
                .unwrap_or_default()
        );
        self.out.links.push(InternalLink {
            file: self.fragment.file,
            span,
            target,
            fragment,
        });
        href
    }

    fn finish_footnotes(&mut self) {
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

/// Collects, as the walk that renders a fragment passes, the text the
/// stages after rendering need ([`Collect`]): the search index's sections,
/// the report's units, the plain text of a definition or an event. Text is
/// appended to a few strings as events pass; nothing is kept per event.
struct TextCollector<'r> {
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
    fn new(collect: Collect, refs: &'r [InlineRef]) -> TextCollector<'r> {
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
    fn text(&mut self, merged: &str) {
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
    fn event(&mut self, event: &Event<'_>, range: &Range<usize>) {
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
    fn finish(
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

/// The words of a text: runs between white space that hold a letter or a
/// digit.
pub fn count_words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Runs of white space become one space, none at either end; and the
/// space a removed citation leaves before closing punctuation (`.,;:!?)`)
/// goes. What `split_whitespace` and a join would give, made by copying
/// the text between the places where it changes.
pub fn tidy(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut tidy = String::with_capacity(text.len());
    // Whether the character at `i` is white space, and its length.
    let char_at = |i: usize| -> (bool, usize) {
        match bytes[i] {
            b' ' | b'\t'..=b'\r' => (true, 1),
            0..0x80 => (false, 1),
            _ => match text.get(i..).and_then(|t| t.chars().next()) {
                Some(c) => (c.is_whitespace(), c.len_utf8()),
                None => (false, 1),
            },
        }
    };
    let punctuation = |b: u8| matches!(b, b'.' | b',' | b';' | b':' | b'!' | b'?' | b')');
    // The start of the text not copied yet.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Printable ASCII but the space, eight bytes at a time.
        i += printable_run(&bytes[i..]);
        if i >= bytes.len() {
            break;
        }
        let (space, len) = char_at(i);
        if !space {
            i += len;
            continue;
        }
        // A space between words: past `run`, white space is either such a
        // space, passed over, or where the copy stops, so `i > run` means a
        // word before it.
        let single = bytes[i] == b' '
            && i > run
            && bytes
                .get(i + 1)
                .is_some_and(|&b| !punctuation(b) && !char_at(i + 1).0);
        if single {
            i += 1;
            continue;
        }
        tidy.push_str(&text[run..i]);
        while i < bytes.len() {
            let (space, len) = char_at(i);
            if !space {
                break;
            }
            i += len;
        }
        run = i;
        if i < bytes.len() && !tidy.is_empty() && !punctuation(bytes[i]) {
            tidy.push(' ');
        }
    }
    tidy.push_str(&text[run..]);
    tidy
}

/// How many bytes `bytes` starts with that are printable ASCII other than
/// the space, looked at eight at a time; stops before the last few bytes
/// (fewer than eight), which the caller looks at.
#[inline(always)]
fn printable_run(bytes: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    for (n, word) in bytes.chunks_exact(8).enumerate() {
        let x = word
            .first_chunk::<8>()
            .map_or(0, |word| u64::from_le_bytes(*word));
        // Bit 7 of a byte of the sum is set where its low seven bits are
        // at least 0x21, and no sum carries out of its byte; a byte whose
        // own bit 7 is set (not ASCII) stops too.
        let printable = (x & !HIGH) + (0x80 - 0x21) * 0x0101_0101_0101_0101;
        let stop = (!printable | x) & HIGH;
        if stop != 0 {
            return 8 * n + (stop.trailing_zeros() / 8) as usize;
        }
    }
    bytes.len() / 8 * 8
}

/// A problem with raw HTML, at a byte range of the text being parsed.
struct RawHtmlProblem {
    span: Range<usize>,
    message: String,
    label: String,
    help: String,
}

/// Elements with no end tag.
const VOID_ELEMENTS: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];
/// Elements whose end tag may be left out; browsers close them implicitly.
const OPTIONAL_END: [&str; 16] = [
    "p", "li", "dt", "dd", "option", "optgroup", "rb", "rt", "rtc", "rp", "tr", "td", "th",
    "thead", "tbody", "tfoot",
];
/// Elements whose content is text up to their end tag.
pub(crate) const RAW_TEXT_ELEMENTS: [&str; 10] = [
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

const RAW_HTML_HELP: &str = "raw HTML in Markdown must close every element it opens, within the same Markdown block (a blank line ends a block of raw HTML); otherwise it would close, or swallow, the page's own elements";

/// Watches the raw HTML of a fragment (passed through as written) so that it
/// cannot break out of the page: every element it opens is closed inside
/// the Markdown block it was opened in, it closes nothing it did not open,
/// and no comment or `<script>` runs on to the end of the page.
#[derive(Default)]
struct RawHtml {
    /// Open raw elements (name, where), with `None` for each Markdown block
    /// they are nested in.
    stack: Vec<Option<(String, Range<usize>)>>,
    /// Inside `<!--`, opened there.
    comment: Option<Range<usize>>,
    /// Inside `<script>` or another raw-text element.
    raw_text: Option<(String, Range<usize>)>,
    /// The start of a tag cut off at the end of a line of an HTML block, and
    /// where the line it came from starts.
    pending: Option<(String, Range<usize>)>,
    /// The pieces of HTML the pending text comes from: the address of each
    /// one's text, and where in the pending text it begins (before it, if
    /// the tag begins in its middle).
    pending_pieces: Vec<(usize, isize)>,
    problems: Vec<RawHtmlProblem>,
}

impl RawHtml {
    /// Reads an event of the fragment written at `range`; the ids and URLs
    /// of the raw HTML in it go to `ahead`, under the address of its text.
    fn observe(
        &mut self,
        event: &mut Event<'_>,
        text: &str,
        range: Range<usize>,
        ahead: &mut Ahead,
    ) {
        match event {
            Event::Html(chunk) | Event::InlineHtml(chunk) => {
                // A short text pulldown-cmark made (not borrowed from the
                // Markdown) is held in the event, and moves with it: it
                // gets a box of its own, which keeps its address.
                if let CowStr::Inlined(inline) = chunk {
                    *chunk = CowStr::Boxed(inline.to_string().into_boxed_str());
                }
                let exact = text.get(range.clone()) == Some(chunk.as_ref());
                self.feed(chunk, range, exact, ahead);
            }
            Event::End(TagEnd::HtmlBlock) => {
                // A tag its HTML block ends inside: a browser would end it
                // with whatever the page has next (a `</blockquote>`, the
                // next paragraph's tags), so it could open an element
                // anywhere. Refused, and not joined to later HTML.
                if let Some((tag, span)) = self.pending.take() {
                    self.pending_pieces.clear();
                    let name: String = tag
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .take(32)
                        .collect();
                    self.problem(
                        span,
                        format!(
                            "the tag `{name}` is not closed with `>` before its HTML block ends"
                        ),
                        "unclosed tag",
                    );
                }
            }
            Event::Start(Tag::HtmlBlock) => {}
            Event::Start(_) => self.stack.push(None),
            Event::End(_) => self.leave(),
            _ => {}
        }
    }

    fn problem(&mut self, span: Range<usize>, message: String, label: &str) {
        self.problems.push(RawHtmlProblem {
            span,
            message,
            label: label.to_string(),
            help: RAW_HTML_HELP.to_string(),
        });
    }

    /// Reads one piece of raw HTML; `range` is where it was written, and
    /// `exact` whether its text is that range verbatim (so tags can be
    /// pointed at precisely).
    fn feed(&mut self, chunk: &str, range: Range<usize>, exact: bool, ahead: &mut Ahead) {
        let (joined, exact) = match self.pending.take() {
            Some((start, _)) => (format!("{start}{chunk}"), false),
            None => (chunk.to_string(), exact),
        };
        let s = joined.as_str();
        // Where the pieces of `s` come from, for the attributes found in it.
        let mut pieces = std::mem::take(&mut self.pending_pieces);
        pieces.push((chunk.as_ptr() as usize, (s.len() - chunk.len()) as isize));
        let at = |from: usize, len: usize| -> Range<usize> {
            if exact {
                range.start + from..range.start + from + len
            } else {
                range.clone()
            }
        };
        let mut i = 0;
        while i < s.len() {
            if self.comment.is_some() {
                match s[i..].find("-->") {
                    Some(end) => {
                        self.comment = None;
                        i += end + 3;
                        continue;
                    }
                    None => return,
                }
            }
            if let Some((name, _)) = &self.raw_text {
                let close = format!("</{name}");
                match s[i..].to_ascii_lowercase().find(&close) {
                    Some(end) => {
                        let after = i + end + close.len();
                        self.raw_text = None;
                        i = s[after..].find('>').map_or(s.len(), |g| after + g + 1);
                        continue;
                    }
                    None => return,
                }
            }
            let Some(lt) = s[i..].find('<') else { return };
            let start = i + lt;
            let rest = &s[start..];
            if rest.starts_with("<!--") {
                self.comment = Some(at(start, 4));
                i = start + 4;
                // `<!-->` and `<!--->` close at once.
                if s[i..].starts_with('>') || s[i..].starts_with("->") {
                    self.comment = None;
                }
                continue;
            }
            if rest.starts_with("<!") || rest.starts_with("<?") {
                i = rest.find('>').map_or(s.len(), |g| start + g + 1);
                continue;
            }
            let closing = rest.starts_with("</");
            let name_start = start + if closing { 2 } else { 1 };
            if !s[name_start..].starts_with(|c: char| c.is_ascii_alphabetic()) {
                i = start + 1;
                continue;
            }
            let name_len = s[name_start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
                .unwrap_or(s.len() - name_start);
            let name = s[name_start..name_start + name_len].to_ascii_lowercase();
            let Some(end) = tag_end(s, name_start + name_len) else {
                // A tag written over several lines of an HTML block.
                self.pending = Some((s[start..].to_string(), range.clone()));
                let first = pieces.partition_point(|&(_, at)| at <= start as isize);
                self.pending_pieces = pieces[first.saturating_sub(1)..]
                    .iter()
                    .map(|&(address, at)| (address, at - start as isize))
                    .collect();
                return;
            };
            let span = at(start, end + 1 - start);
            i = end + 1;
            if !closing {
                attrs::tag_attrs(
                    s,
                    name.as_bytes(),
                    name_start + name_len,
                    end,
                    |value, kind| {
                        // A value within one piece (not over a line break of
                        // an HTML block), relative to it.
                        let k = pieces.partition_point(|&(_, at)| at <= value.start as isize);
                        let Some(&(address, at)) = pieces.get(k.wrapping_sub(1)) else {
                            return;
                        };
                        let piece_end = pieces.get(k).map_or(s.len() as isize, |p| p.1);
                        if value.end as isize <= piece_end {
                            let from = (value.start as isize - at) as usize;
                            ahead.add_at(address, from..from + value.len(), kind);
                        }
                    },
                );
            }
            if closing {
                self.close(&name, span);
            } else if VOID_ELEMENTS.contains(&name.as_str()) || s[..end].ends_with('/') {
                // No content: nothing to close.
            } else if RAW_TEXT_ELEMENTS.contains(&name.as_str()) {
                self.raw_text = Some((name, span));
            } else {
                self.stack.push(Some((name, span)));
            }
        }
    }

    fn close(&mut self, name: &str, span: Range<usize>) {
        if VOID_ELEMENTS.contains(&name) {
            return;
        }
        let mut k = self.stack.len();
        loop {
            match k.checked_sub(1).map(|top| &self.stack[top]) {
                Some(Some((open, _))) if open == name => {
                    self.stack.truncate(k - 1);
                    return;
                }
                Some(Some((open, _))) if OPTIONAL_END.contains(&open.as_str()) => k -= 1,
                Some(Some((open, _))) => {
                    let message = format!(
                        "`</{name}>` closes `<{name}>` while `<{open}>` inside it is still open"
                    );
                    self.problem(span, message, "misnested end tag");
                    return;
                }
                Some(None) | None => {
                    let message = format!(
                        "`</{name}>` closes an element that this Markdown block did not open"
                    );
                    self.problem(span, message, "stray end tag");
                    return;
                }
            }
        }
    }

    /// The end of a Markdown block: what was opened in it must be closed.
    fn leave(&mut self) {
        while let Some(top) = self.stack.pop() {
            match top {
                None => return,
                Some((name, span)) => self.unclosed(&name, span),
            }
        }
    }

    fn unclosed(&mut self, name: &str, span: Range<usize>) {
        if !OPTIONAL_END.contains(&name) {
            let message = format!("`<{name}>` is never closed");
            self.problem(span, message, "opened here");
        }
    }

    fn finish(&mut self) {
        while let Some(top) = self.stack.pop() {
            if let Some((name, span)) = top {
                self.unclosed(&name, span);
            }
        }
        if let Some(span) = self.comment.take() {
            self.problem(
                span,
                "this HTML comment is never closed with `-->`".into(),
                "opened here",
            );
        }
        if let Some((name, span)) = self.raw_text.take() {
            let message = format!("`<{name}>` is never closed with `</{name}>`");
            self.problem(span, message, "opened here");
        }
    }
}

/// The `>` ending a tag whose name ends at `from`, skipping quoted
/// attribute values.
fn tag_end(s: &str, from: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut quote: Option<u8> = None;
    let mut after_equals = false;
    for (j, &b) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' if after_equals => quote = Some(b),
                b'>' => return Some(j),
                _ => {}
            },
        }
        if !b.is_ascii_whitespace() {
            after_equals = b == b'=';
        }
    }
    None
}

/// The start of a citation marker's HTML.
const CITATION_MARKER: &str = "<sup class=\"fn-ref\"><a id=\"fnref-";

/// Drops the white space (and soft line breaks) at the end of `events`.
fn trim_trailing_space(events: &mut Vec<Event<'_>>) {
    loop {
        match events.last_mut() {
            Some(Event::SoftBreak) => {
                events.pop();
            }
            Some(Event::Text(text)) if text.ends_with(char::is_whitespace) => {
                let trimmed = text.trim_end().to_string();
                if trimmed.is_empty() {
                    events.pop();
                } else {
                    *text = trimmed.into();
                    return;
                }
            }
            _ => return,
        }
    }
}

fn push<'t>(
    body: &mut Vec<Event<'t>>,
    definition: &mut Option<(String, Vec<Event<'t>>)>,
    event: Event<'t>,
) {
    match definition {
        Some((_, events)) => events.push(event),
        None => body.push(event),
    }
}

const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%');

/// The characters a `#:~:text=` fragment must have encoded.
const TEXT_FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'*')
    .remove(b'(')
    .remove(b')')
    .remove(b'\'');

/// Encodes words for a `#:~:text=` fragment (where `-`, `,` and `&` are
/// syntax and must be escaped).
pub fn text_fragment(words: &str) -> String {
    percent_encoding::utf8_percent_encode(words, TEXT_FRAGMENT).to_string()
}

/// Joins a relative link to the folder it was written in, within `content/`.
fn join_path(base_dir: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = base_dir.split('/').filter(|s| !s.is_empty()).collect();
    for segment in link.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths_inside_content() {
        assert_eq!(join_path("a/b", "../c.md").as_deref(), Some("a/c.md"));
        assert_eq!(join_path("", "./x/y.md").as_deref(), Some("x/y.md"));
        assert_eq!(join_path("", "../escape.md"), None);
    }

    #[test]
    fn reserved_characters_are_found_among_their_neighbours() {
        let text = "é\u{E000}x\u{E0FF}\u{E001}\u{E002}";
        let found: Vec<(usize, char)> = reserved_characters(text).collect();
        assert_eq!(found, [(2, OPEN), (9, CLOSE)]);
        assert_eq!(reserved_characters("plain «text»").count(), 0);
    }

    #[test]
    fn text_fragments_escape_their_syntax() {
        assert_eq!(
            text_fragment("al-Sharaa, a “tough guy”"),
            "al%2DSharaa%2C%20a%20%E2%80%9Ctough%20guy%E2%80%9D"
        );
    }

    /// The single parse (references taken everywhere, then checked against
    /// the code the rendering finds) gives what the two-parse way gives, or
    /// gives up.
    #[test]
    fn one_parse_renders_as_two_or_gives_up() {
        let mut files = crate::diagnostics::SourceMap::default();
        let sources = SourceSet::default();
        let glossary = Glossary::default();
        let env = RenderEnv {
            sources: &sources,
            glossary: &glossary,
            autolink: None,
            term_previews: &[],
            unloaded: &Unloaded::default(),
        };
        let cases = [
            // (Markdown, whether one parse must do)
            (
                "Prose [@a] and `code`.\n\n```rust\nfn main() {}\n```\n",
                true,
            ),
            // An unknown term may be code (`[[table]]` in TOML): the slow
            // way tells, without suggesting terms first.
            (
                "Prose [@a] and `code` and [[Term]].\n\n```rust\nfn main() {}\n```\n",
                false,
            ),
            ("```toml\n[[table]]\nkey = 1\n```\n", false),
            ("Code `[@a]` here.\n", false),
            ("```\nfirst\n\n[@a]\n```\n", false),
            ("~~~\n[@a]\n~~~\n", false),
            ("Text.\n\n    [@a] indented\n", false),
            ("- item\n\n      [@a] code in a list\n", false),
            ("<div>\n[@a]\n</div>\n", false),
            ("<!--\n\n[@a]\n\n-->\n", false),
            ("A <span title=\"[@a]\">span</span>.\n", false),
            ("> ```\n> code\n```\n[@a]\n```\n", false),
            ("A [@a `b`] c.\n", false),
            ("Broken [[ ]] here and `code`.\n", false),
            ("`` [@a] `` and [@b] and ~tilde~\n", false),
            (
                "Prose [@a, for the view] then\n\n~~~\ncode\n~~~\n\nand [@b].\n",
                true,
            ),
        ];
        for (markdown, fast) in cases {
            let file = files.add("n.md".into(), "n.md".into(), markdown.into());
            let fragment = Fragment {
                file,
                text: markdown,
                offset: 0,
                page: "n.html",
                base_dir: "",
                first_footnote: 1,
                autolink: false,
                escapes: None,
                collect: EVERYTHING,
            };
            let ranges = citation::code_ranges(markdown);
            let slow = render_with(&env, &fragment, Code::Ranges(&ranges)).unwrap();
            let one = render_with(&env, &fragment, Code::Unchecked);
            assert_eq!(one.is_some(), fast, "{markdown:?}");
            let rendered = render(&env, &fragment);
            for r in one.iter().chain([&rendered]) {
                assert_eq!(r.html, slow.html, "{markdown:?}");
                assert_eq!(r.diagnostics, slow.diagnostics, "{markdown:?}");
                assert_eq!(r.sections, slow.sections, "{markdown:?}");
                assert_eq!(r.units, slow.units, "{markdown:?}");
                assert_eq!(r.cited_sources, slow.cited_sources, "{markdown:?}");
                assert_eq!(r.cites, slow.cites, "{markdown:?}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 400, ..Default::default() })]
        /// Any mix of prose, references, code and HTML renders the same by
        /// one parse as by two.
        #[test]
        fn one_parse_renders_any_mix_as_two(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "Prose ", "[@a]", "[@b, p. 2]", "[[T]]", "`", "``", "~~~", "```", "\n", "\n\n",
            "    ", "- ", "> ", "<div>", "</div>", "<span title=\"", "\">", "<!--", "-->",
            "[@a `x`]", "\\", "*", "[link](u)", "\t",
        ]), 0..24)) {
            let markdown: String = pieces.concat();
            let mut files = crate::diagnostics::SourceMap::default();
            let file = files.add("n.md".into(), "n.md".into(), markdown.as_str().into());
            let (sources, glossary) = (SourceSet::default(), Glossary::default());
            let env = RenderEnv { sources: &sources, glossary: &glossary, autolink: None, term_previews: &[], unloaded: &Unloaded::default() };
            let fragment = Fragment {
                file, text: &markdown, offset: 0, page: "n.html", base_dir: "",
                first_footnote: 1, autolink: false, escapes: None, collect: EVERYTHING,
            };
            let ranges = citation::code_ranges(&markdown);
            let slow = render_with(&env, &fragment, Code::Ranges(&ranges)).unwrap();
            let rendered = render(&env, &fragment);
            proptest::prop_assert_eq!(&rendered.html, &slow.html);
            proptest::prop_assert_eq!(&rendered.diagnostics, &slow.diagnostics);
            proptest::prop_assert_eq!(&rendered.sections, &slow.sections);
            proptest::prop_assert_eq!(&rendered.units, &slow.units);
            // Every section is cut at a heading the rendering found.
            let cut: Vec<usize> = rendered.sections.iter().filter_map(|s| s.heading).collect();
            proptest::prop_assert_eq!(cut, (0..rendered.headings.len()).collect::<Vec<_>>());
        }
    }

    /// Collect everything a note's rendering can collect.
    const EVERYTHING: Collect = Collect::Page {
        sections: true,
        title_in_body: false,
        units: true,
    };

    /// A book of two sources (`nyt`, `ynet`) and a glossary of two terms
    /// (`Golan Heights`, `Buffer zone`).
    struct Book {
        files: crate::diagnostics::SourceMap,
        sources: SourceSet,
        glossary: Glossary,
    }

    impl Book {
        fn new() -> Book {
            let mut files = crate::diagnostics::SourceMap::default();
            let source = |files: &mut crate::diagnostics::SourceMap, id: &str, text: &str| {
                let text = format!("+++\ntitle = \"{id}\"\n+++\n{text}\n");
                let file = files.add(format!("seeds/{id}.md"), id.into(), text.as_str().into());
                crate::source::Source::parse(file, id, &text, false).unwrap()
            };
            let nyt = source(&mut files, "nyt", "Talks resumed.\n\nA buffer zone.");
            let ynet = source(&mut files, "ynet", "Talks were frozen.");
            let toml = "[[term]]\nname = \"Golan Heights\"\ndefinition = \"A plateau.\"\n\n[[term]]\nname = \"Buffer zone\"\ndefinition = \"A strip.\"\n";
            let file = files.add("glossary.toml".into(), "glossary.toml".into(), toml.into());
            let glossary = Glossary::parse(file, toml).unwrap();
            Book {
                files,
                sources: SourceSet::new([nyt, ynet]),
                glossary,
            }
        }

        /// Renders `markdown` as a note's body that starts at `offset` of
        /// its file (front matter before it).
        fn render_at(&mut self, markdown: &str, offset: usize, collect: Collect) -> Rendered {
            let text = format!("{}{markdown}", "\n".repeat(offset));
            let file = self
                .files
                .add("n.md".into(), "n.md".into(), text.as_str().into());
            let env = RenderEnv {
                sources: &self.sources,
                glossary: &self.glossary,
                autolink: None,
                term_previews: &[],
                unloaded: &Unloaded::default(),
            };
            render(
                &env,
                &Fragment {
                    file,
                    text: &text[offset..],
                    offset,
                    page: "n.html",
                    base_dir: "",
                    first_footnote: 1,
                    autolink: false,
                    escapes: None,
                    collect,
                },
            )
        }

        fn render(&mut self, markdown: &str, collect: Collect) -> Rendered {
            self.render_at(markdown, 0, collect)
        }
    }

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

    #[test]
    fn cited_sources_are_named_whether_or_not_they_resolve() {
        let mut book = Book::new();
        let rendered = book.render(
            "A [@ynet#p1] b [@nyt#p9 \"not there\"; @ynet] c [@unknown].",
            Collect::Plain,
        );
        assert!(!rendered.diagnostics.is_empty());
        assert_eq!(rendered.cited_sources, [0, 1]);
        assert!(rendered.cites);
        let rendered = book.render(
            "Only [@unknown] here, and `[@nyt]` in code.",
            Collect::Plain,
        );
        assert!(rendered.cites && rendered.cited_sources.is_empty());
        let rendered = book.render("No citation, a [[Golan Heights]] term.", Collect::Plain);
        assert!(!rendered.cites);
    }

    #[test]
    fn tidy_joins_words_as_split_whitespace_does() {
        let reference = |text: &str| {
            let mut tidy = String::new();
            for word in text.split_whitespace() {
                if !tidy.is_empty() && !word.starts_with(['.', ',', ';', ':', '!', '?', ')']) {
                    tidy.push(' ');
                }
                tidy.push_str(word);
            }
            tidy
        };
        // A fixed sequence of pseudo-random numbers (xorshift64).
        let mut xorshift = std::iter::successors(Some(0x2545_f491_4f6c_dd1du64), |&seed| {
            let mut seed = seed ^ (seed << 13);
            seed ^= seed >> 7;
            Some(seed ^ (seed << 17))
        })
        .skip(1);
        let pieces = [
            " ", "  ", "\t", "\n", "\u{b}", "\u{1c}", "\u{85}", "\u{a0}", "\u{3000}", "\u{2028}",
            "a", "word", "é", "日本", ".", ",", ")", "(", "!", "-", "\u{1}",
        ];
        for seed in xorshift.by_ref().take(20_000) {
            let text: String = (0..(seed % 24))
                .map(|k| pieces[(seed >> (2 * k + 5)) as usize % pieces.len()])
                .collect();
            assert_eq!(tidy(&text), reference(&text), "{text:?}");
        }
    }
}
