//! Finding citations (`[@nyt#p3 "exact words"]`) and glossary references
//! (`[[Golan Heights]]`) in Markdown text.
//!
//! Markdown has no syntax for either, so they are found in the raw text
//! before Markdown is parsed, skipping code spans, code blocks and raw HTML
//! (whose ranges pulldown-cmark reports). Each reference keeps the byte
//! range it was written at, so every later error can point at it.
//!
//! Forms that are almost surely meant as citations but not written as
//! one (`[@nyt p3]`, `[@nyt, p. 3]`, `[@nyt #p3]`, `[@ nyt]`, `[nyt#p3]`,
//! `[@nyt, @ynet]`) are errors whose help gives the corrected citation.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag};

/// A locator after the key: `#p3`, `#p3-p5` or `#anchor-name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locator {
    /// The text after `#`.
    pub text: String,
    /// Where it was written (including `#`), absolute in the file.
    pub span: Range<usize>,
}

/// A quotation inside a citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotation {
    /// The words between the quotation marks.
    pub text: String,
    /// Where they were written (including the marks), absolute in the file.
    pub span: Range<usize>,
}

/// One reference of a citation group: `see @nyt#p3 "words", suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiteRef {
    /// Text before `@`, e.g. `see`.
    pub prefix: String,
    /// The source id after `@`.
    pub key: String,
    /// Where the key was written (including `@`).
    pub key_span: Range<usize>,
    /// The paragraph or anchor cited.
    pub locator: Option<Locator>,
    /// The exact words cited.
    pub quotation: Option<Quotation>,
    /// Text after the locator and quotation, e.g. `, for the Syrian view`.
    pub suffix: String,
    /// The whole reference.
    pub span: Range<usize>,
}

/// One bracket of citations: one footnote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitationGroup {
    /// The references, in order.
    pub refs: Vec<CiteRef>,
}

/// A glossary reference: `[[name]]` or `[[id|text]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermRef {
    /// The name, alias or id being referred to.
    pub target: String,
    /// The text to show, when it differs from the target.
    pub text: Option<String>,
}

/// What was found at a place in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InlineRefKind {
    /// A citation group.
    Citation(CitationGroup),
    /// A glossary reference.
    Term(TermRef),
}

/// A citation group or glossary reference and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineRef {
    /// The whole bracket, absolute in the file.
    pub span: Range<usize>,
    /// What it is.
    pub kind: InlineRefKind,
}

impl TermRef {
    /// The text the reference shows: its own, else the term it names.
    pub fn shown(&self) -> &str {
        self.text.as_deref().unwrap_or(&self.target)
    }
}

impl InlineRef {
    /// What the reference leaves in plain text (previews, the search
    /// index): a glossary reference its shown text, a citation nothing.
    pub fn plain_text(&self) -> &str {
        match &self.kind {
            InlineRefKind::Term(t) => t.shown(),
            InlineRefKind::Citation(_) => "",
        }
    }
}

/// A malformed reference: where, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// Where, absolute in the file.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// The Markdown extensions notes are written with.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Byte ranges of `markdown` where references are not looked for: code
/// spans, code blocks and raw HTML. A parse of its own: only the
/// renderer's rare slow way (a reference written in code) calls it, when
/// its one parse found a reference standing in code.
pub fn code_ranges(markdown: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    if !may_hold_code(markdown) {
        // Most notes have no code and no HTML: no need to parse them twice.
        return ranges;
    }
    for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_))
            | Event::Code(_)
            | Event::Html(_)
            | Event::InlineHtml(_) => ranges.push(range),
            _ => {}
        }
    }
    ranges
}

/// Whether `markdown` may hold a code span, a code block or HTML: each
/// needs a backtick, a tilde fence, a `<`, or an indentation of a tab or
/// four spaces (anywhere: in a block quote or after a list marker, an
/// indented code block does not start its line). A cheap, conservative
/// test.
fn may_hold_code(markdown: &str) -> bool {
    markdown.contains(['`', '~', '<', '\t']) || markdown.contains("    ")
}

fn is_escaped(text: &str, at: usize) -> bool {
    text.as_bytes()[..at]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

fn closing_quote(open: char) -> Option<char> {
    match open {
        '"' => Some('"'),
        '\u{201C}' => Some('\u{201D}'),
        _ => None,
    }
}

/// Where a single `[` closes, as the scan needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BracketEnd {
    /// The `[`.
    open: usize,
    /// The `]` closing it: the first `]` outside quotations, unless a `[`
    /// or a blank line comes first; or, when a quotation inside it is
    /// never closed, the first `]` in that quotation (so that the unclosed
    /// quotation is reported instead of ignored). A blank line ends the
    /// search: references never span paragraphs.
    ///
    /// A quotation whose closing mark stands past a `]` is taken as never
    /// closed too when, after that `]` and before the mark, a citation
    /// starts (`[@key`), or when the mark is a `"` followed by a letter or
    /// digit (it opens a later quotation rather than closing this one):
    /// otherwise one open `"` would swallow the citations after it.
    close: Option<usize>,
    /// Whether an `@` that starts a source key stands before `close`
    /// (after white space, or after a `;` outside quotations): only then
    /// can the bracket be a citation group.
    has_key: bool,
}

/// Where a scan from some position ends, and whether it meets a key on
/// the way: the state the one pass of [`bracket_ends`] carries.
#[derive(Debug, Clone, Copy, Default)]
struct ScanFrom {
    close: Option<usize>,
    has_key: bool,
}

/// Finds, for every unescaped `[` of `text`, where it closes
/// ([`BracketEnd`]), in one pass from the end of the text to its start.
///
/// Searching forward from each bracket would look at the rest of its
/// paragraph again for every bracket: 100,000 `[“` in one paragraph took
/// minutes. A search from a position outside quotations ends the same way
/// whichever bracket it started from, so going backwards each position's
/// outcome follows from the outcome of the position after it, or (at a
/// quotation mark) from the outcome after the mark that closes it. The
/// pass keeps only the nearest closing mark of each kind, the nearest `]`,
/// the nearest key and the nearest blank line, so it looks at each
/// character a bounded number of times. `work` counts the characters
/// looked at.
fn bracket_ends(text: &str, work: &mut usize) -> Vec<BracketEnd> {
    let bytes = text.as_bytes();
    let mut ends = Vec::new();
    // The outcome of a search starting right after the current position,
    // outside quotations.
    let mut after = ScanFrom::default();
    // For `"` and `”`: the nearest one after the current position in its
    // paragraph, with the outcome of a search starting after it.
    let mut closing_mark: [Option<(usize, ScanFrom)>; 2] = [None, None];
    // The nearest `]` and the nearest key after white space, in the
    // paragraph.
    let mut next_bracket: Option<usize> = None;
    let mut next_key: Option<usize> = None;
    // The nearest line break after the current position.
    let mut next_newline: Option<usize> = None;
    // The nearest citation start `[@key` after the current position, and
    // the nearest one after `next_bracket`, in the paragraph.
    let mut next_citation: Option<usize> = None;
    let mut citation_after_bracket: Option<usize> = None;
    for (at, c) in text.char_indices().rev() {
        *work += 1;
        let mut here = after;
        match c {
            '\n' => {
                if let Some(next) = next_newline {
                    let line = &text[at + 1..next];
                    *work += line.len();
                    if line.chars().all(char::is_whitespace) {
                        // A blank line: no search from here on looks past it.
                        here = ScanFrom::default();
                        closing_mark = [None, None];
                        next_bracket = None;
                        next_key = None;
                        next_citation = None;
                        citation_after_bracket = None;
                    }
                }
                next_newline = Some(at);
            }
            ']' => {
                if !is_escaped(text, at) {
                    here = ScanFrom {
                        close: Some(at),
                        has_key: false,
                    };
                }
                next_bracket = Some(at);
                citation_after_bracket = next_citation;
            }
            '[' if !is_escaped(text, at) => {
                ends.push(BracketEnd {
                    open: at,
                    close: after.close,
                    has_key: after.has_key,
                });
                here = ScanFrom::default();
                if starts_citation(text, at) {
                    next_citation = Some(at);
                }
            }
            '@' if bytes
                .get(at + 1)
                .is_some_and(|&b| is_key_char(char::from(b))) =>
            {
                match text[..at].chars().next_back() {
                    Some(p) if p.is_whitespace() => {
                        next_key = Some(at);
                        here.has_key = true;
                    }
                    // After a `;` outside quotations: the start of a part.
                    Some(';') => here.has_key = true,
                    _ => {}
                }
            }
            _ => {}
        }
        if let Some(kind) = quote_kind(c) {
            // An opening mark: inside the quotation until its closing mark.
            // Past a `]`, a mark after a citation, or a `"` before a
            // word, does not close it (see [`BracketEnd::close`]).
            let closed_by = closing_mark[kind].filter(|&(mark, _)| {
                let past_bracket = next_bracket.is_some_and(|b| b < mark);
                let swallows = citation_after_bracket.is_some_and(|s| s < mark)
                    || (kind == 0 && opens_quotation(text, mark));
                !(past_bracket && swallows)
            });
            here = match closed_by {
                Some((mark, after_mark)) => ScanFrom {
                    close: after_mark.close,
                    has_key: next_key.is_some_and(|k| k < mark) || after_mark.has_key,
                },
                None => ScanFrom {
                    close: next_bracket,
                    has_key: next_key.zip(next_bracket).is_some_and(|(k, b)| k < b),
                },
            };
        }
        if let Some(kind) = closing_kind(c) {
            closing_mark[kind] = Some((at, after));
        }
        after = here;
    }
    ends.reverse();
    ends
}

/// Whether the `[` at `at` starts a citation: `[@` and a key character.
fn starts_citation(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    bytes.get(at + 1) == Some(&b'@')
        && bytes
            .get(at + 2)
            .is_some_and(|&b| is_key_char(char::from(b)))
}

/// Whether the `"` at `at` is followed by a letter or digit: a mark that
/// opens a quotation, whatever stands before it.
fn opens_quotation(text: &str, at: usize) -> bool {
    text[at + 1..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric)
}

/// The kind of quotation a mark opens: 0 for `"`, 1 for `“`.
fn quote_kind(c: char) -> Option<usize> {
    match c {
        '"' => Some(0),
        '\u{201C}' => Some(1),
        _ => None,
    }
}

/// The kind of quotation a mark closes: 0 for `"`, 1 for `”`.
fn closing_kind(c: char) -> Option<usize> {
    match c {
        '"' => Some(0),
        '\u{201D}' => Some(1),
        _ => None,
    }
}

/// Splits the inside of a bracket on `;`, outside quotations.
fn split_parts(inner: &str) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_quote: Option<char> = None;
    for (i, c) in inner.char_indices() {
        match in_quote {
            Some(close) if c == close => in_quote = None,
            Some(_) => {}
            None if c == ';' => {
                parts.push(start..i);
                start = i + 1;
            }
            None => in_quote = closing_quote(c),
        }
    }
    parts.push(start..inner.len());
    parts
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Finds `@key` in a part: `@` at the start or after white space, followed
/// by a key character. Returns the offset of `@`.
fn find_at(part: &str) -> Option<usize> {
    let mut previous: Option<char> = None;
    for (i, c) in part.char_indices() {
        if c == '@'
            && previous.is_none_or(char::is_whitespace)
            && part[i + 1..].chars().next().is_some_and(is_key_char)
        {
            return Some(i);
        }
        previous = Some(c);
    }
    None
}

/// How a corrected reference is shown in a help: in its brackets when it
/// is the whole citation, alone when it is one part of a group.
fn corrected(part: &str, alone: bool) -> String {
    if alone {
        format!("`[{part}]`")
    } else {
        format!("`{part}`")
    }
}

/// The length of `@` and the white space after it, when `part` (trimmed at
/// its start) is `@ key`: a citation with a space after `@`.
fn space_after_at(part: &str) -> Option<usize> {
    let rest = part.strip_prefix('@')?;
    let key = rest.trim_start_matches([' ', '\t']);
    (key.len() < rest.len() && key.starts_with(is_key_char)).then(|| part.len() - key.len())
}

/// The error for `@ key` at the start of `part` (trimmed at its start),
/// which starts at `base`.
fn space_after_at_error(part: &str, base: usize, alone: bool) -> Option<ScanError> {
    let len = space_after_at(part)?;
    let fixed = format!("@{}", part[len..].trim_end());
    Some(ScanError {
        span: base..base + len,
        message: "a space stands between `@` and the source id".into(),
        help: format!("write the id right after `@`: {}", corrected(&fixed, alone)),
    })
}

/// Markers of a paragraph written the way books cite pages: `p. 3`,
/// `pp. 3-5`, `para 3`, `¶ 3`. Longest first.
const PARAGRAPH_MARKERS: &[&str] = &[
    "paragraphs",
    "paragraph",
    "paras",
    "para",
    "pp",
    "p",
    "\u{B6}\u{B6}",
    "\u{B6}",
];

/// A paragraph number at the start of `text`, after one of
/// [`PARAGRAPH_MARKERS`] (`optional` says whether the marker may be left
/// out), its `.` and white space: the number and the length read.
fn paragraph_number(text: &str, optional: bool) -> Option<(&str, usize)> {
    let mut at = 0;
    if let Some(marker) = PARAGRAPH_MARKERS.iter().find(|m| text.starts_with(**m)) {
        at = marker.len();
        at += usize::from(text[at..].starts_with('.'));
        at = text.len() - text[at..].trim_start_matches([' ', '\u{A0}']).len();
    } else if !optional {
        return None;
    }
    let digits = text[at..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len() - at);
    (digits > 0).then(|| (&text[at..at + digits], at + digits))
}

/// A paragraph or range written as books cite pages, at the start of
/// `text`: `p. 3`, `p3`, `pp. 3-5`, `para. 3`, `¶ 3`, `¶¶ 3–5`. Returns the
/// locator it means (`p3`, `p3-p5`) and the length read.
fn paragraph_words(text: &str) -> Option<(String, usize)> {
    let (first, mut len) = paragraph_number(text, false)?;
    let mut locator = format!("p{first}");
    let after = text[len..].trim_start_matches(' ');
    if let Some(dash) = ['-', '\u{2013}', '\u{2014}']
        .into_iter()
        .find(|&d| after.starts_with(d))
    {
        let from = text.len() - after.len() + dash.len_utf8();
        let second = &text[from..];
        let trimmed = second.trim_start_matches(' ');
        if let Some((last, read)) = paragraph_number(trimmed, true) {
            locator = format!("{locator}-p{last}");
            len = from + (second.len() - trimmed.len()) + read;
        }
    }
    Some((locator, len))
}

/// Whether what follows a locator written in the wrong place lets it be
/// taken as one: nothing, a `,` (a suffix), or a quotation.
fn ends_locator(rest: &str) -> bool {
    let trimmed = rest.trim_start();
    trimmed.is_empty()
        || rest.starts_with(',')
        || (trimmed.len() < rest.len() && trimmed.starts_with(['"', '\u{201C}']))
}

/// A locator written in the wrong place in `suffix` (the text after the
/// key and any quotation, of a reference without locator): `p. 3` and its
/// kind, or `#p3` after a space or a `,`. Returns the range of `suffix`
/// it was written at (without the `,`), the locator it means and whether
/// it was written with `#`.
fn misplaced_locator(suffix: &str) -> Option<(Range<usize>, String, bool)> {
    let start = suffix.len() - suffix.trim_start().len();
    let comma = suffix[start..].starts_with(',');
    let after = if comma { start + 1 } else { start };
    let at = suffix.len() - suffix[after..].trim_start().len();
    if at == 0 {
        // Neither a `,` nor white space separates it from the key.
        return None;
    }
    let text = &suffix[at..];
    let (locator, len, hash) = if let Some(anchor) = text.strip_prefix('#') {
        let len = anchor
            .find(|c: char| !is_key_char(c))
            .unwrap_or(anchor.len());
        if len == 0 {
            return None;
        }
        (anchor[..len].to_string(), 1 + len, true)
    } else {
        let (locator, len) = paragraph_words(text)?;
        (locator, len, false)
    };
    ends_locator(&text[len..]).then(|| (at..at + len, locator, hash))
}

/// The `,`s of `suffix` that stand before another citation (`@key`, and
/// after it nothing, a locator, a quotation or a `,`): the parts of a
/// group are separated by `;`. A `,` before `@ynet's account` starts a
/// suffix.
fn commas_before_keys(suffix: &str) -> Vec<usize> {
    suffix
        .match_indices(',')
        .map(|(at, _)| at)
        .filter(|&at| {
            let Some(key) = suffix[at + 1..].trim_start().strip_prefix('@') else {
                return false;
            };
            let len = key.find(|c: char| !is_key_char(c)).unwrap_or(key.len());
            let rest = &key[len..];
            len > 0
                && (rest.trim().is_empty()
                    || rest.starts_with(['#', ','])
                    || rest.trim_start().starts_with(['"', '\u{201C}']))
        })
        .collect()
}

/// Parses one `;`-separated part. `base` is its absolute offset; `alone`
/// says whether it is the only part of its citation.
fn parse_ref(part: &str, base: usize, alone: bool) -> Result<CiteRef, ScanError> {
    let leading = part.len() - part.trim_start().len();
    let whole = base + leading..base + part.trim_end().len().max(leading);
    let Some(at) = find_at(part) else {
        if let Some(e) = space_after_at_error(&part[leading..], base + leading, alone) {
            return Err(e);
        }
        return Err(ScanError {
            span: whole,
            message: "this part of the citation names no source".into(),
            help: "every part of a citation group separated by `;` needs an `@source`, e.g. `[see @nyt#p3; @ynet]`".into(),
        });
    };
    let prefix = part[..at].trim().to_string();
    let key_len = part[at + 1..]
        .find(|c: char| !is_key_char(c))
        .unwrap_or(part.len() - at - 1);
    let key = part[at + 1..at + 1 + key_len].to_string();
    let key_span = base + at..base + at + 1 + key_len;
    let mut rest = at + 1 + key_len;

    let mut locator = None;
    if part[rest..].starts_with('#') {
        let len = part[rest + 1..]
            .find(|c: char| !is_key_char(c))
            .unwrap_or(part.len() - rest - 1);
        if len == 0 {
            return Err(ScanError {
                span: base + rest..base + rest + 1,
                message: "`#` is not followed by a paragraph or anchor".into(),
                help:
                    "write a paragraph such as `#p3`, a range such as `#p3-p5`, or a named anchor"
                        .into(),
            });
        }
        locator = Some(Locator {
            text: part[rest + 1..rest + 1 + len].to_string(),
            span: base + rest..base + rest + 1 + len,
        });
        rest += 1 + len;
    }

    let mut quotation = None;
    let after_ws = rest + (part[rest..].len() - part[rest..].trim_start().len());
    if let Some(open) = part[after_ws..].chars().next() {
        if let Some(close) = closing_quote(open) {
            let body_start = after_ws + open.len_utf8();
            match part[body_start..].find(close) {
                Some(len) => {
                    let end = body_start + len + close.len_utf8();
                    quotation = Some(Quotation {
                        text: part[body_start..body_start + len].to_string(),
                        span: base + after_ws..base + end,
                    });
                    rest = end;
                }
                None => {
                    return Err(ScanError {
                        span: base + after_ws..base + part.trim_end().len(),
                        message: "this quotation is never closed".into(),
                        help: format!("end the quotation with `{close}`"),
                    });
                }
            }
        }
    }
    let suffix = &part[rest..];
    let commas = commas_before_keys(suffix);
    if let Some(&first) = commas.first() {
        let mut fixed = part[leading..rest].to_string();
        let mut last = 0;
        for comma in commas {
            fixed.push_str(&suffix[last..comma]);
            fixed.push(';');
            last = comma + 1;
        }
        fixed.push_str(suffix[last..].trim_end());
        return Err(ScanError {
            span: base + rest + first..base + rest + first + 1,
            message: "citations in a group are separated by `;`, not `,`".into(),
            help: format!(
                "write `;` between the citations: {}",
                corrected(&fixed, alone)
            ),
        });
    }
    if locator.is_none() {
        if let Some((written, meant, hash)) = misplaced_locator(suffix) {
            let key_end = at + 1 + key_len;
            let fixed = format!(
                "{}#{meant}{}{}",
                &part[leading..key_end],
                &part[key_end..rest],
                suffix[written.end..].trim_end()
            );
            let shown = &suffix[written.clone()];
            let span = base + rest + written.start..base + rest + written.end;
            return Err(if hash {
                ScanError {
                    span,
                    message: "this locator is not joined to its source".into(),
                    help: format!(
                        "write the locator right after the source: {}",
                        corrected(&fixed, alone)
                    ),
                }
            } else {
                ScanError {
                    span,
                    message: format!("`{shown}` is not a paragraph locator"),
                    help: format!(
                        "write the paragraph as a locator: {}",
                        corrected(&fixed, alone)
                    ),
                }
            });
        }
    }
    Ok(CiteRef {
        prefix,
        key,
        key_span,
        locator,
        quotation,
        suffix: suffix.trim_end().to_string(),
        span: whole,
    })
}

/// Whether the `[` at `open`, whose `]` is followed by the `:` at
/// `colon`, starts a link reference definition (`[label]: url`): only at
/// the start of a line (after at most three spaces) and with something
/// after the colon on its line. A citation mid-sentence followed by a colon
/// (`as it says [@nyt#p3]:`) is a citation.
fn is_link_definition(text: &str, open: usize, colon: usize) -> bool {
    let line_start = text[..open].rfind('\n').map_or(0, |n| n + 1);
    let indent = &text[line_start..open];
    let rest = text[colon + 1..].split('\n').next().unwrap_or("");
    indent.len() <= 3 && indent.bytes().all(|b| b == b' ') && !rest.trim().is_empty()
}

/// The error for a bracket that is not a citation but is surely meant as
/// one: `[@ nyt]` (a space after `@`) or `[nyt#p3]` (no `@`, and a
/// paragraph locator). `inner` is the inside of the bracket, which starts
/// at `base`. Looks at no more than the key's characters and its locator,
/// which hold no `[`: no character is looked at for two brackets.
fn near_citation(inner: &str, base: usize, work: &mut usize) -> Option<ScanError> {
    if inner.starts_with('@') {
        *work += 2;
        return space_after_at_error(inner, base, true);
    }
    let key_len = inner.find(|c: char| !is_key_char(c)).unwrap_or(inner.len());
    *work += key_len + 1;
    let locator = inner[key_len..].strip_prefix("#p")?;
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let mut len = digits(locator);
    if key_len == 0 || len == 0 {
        return None;
    }
    if let Some(last) = locator[len..].strip_prefix("-p") {
        let more = digits(last);
        if more > 0 {
            len += 2 + more;
        }
    }
    *work += len;
    let rest = &locator[len..];
    let after = rest.trim_start();
    if !(after.is_empty() || (after.len() < rest.len() && after.starts_with(['"', '\u{201C}']))) {
        return None;
    }
    Some(ScanError {
        span: base..base + key_len,
        message: "this looks like a citation without `@`".into(),
        help: format!("write `@` before the source id: `[@{}]`", inner.trim_end()),
    })
}

/// Finds every citation group and glossary reference in `text`, which
/// starts at byte `offset` of its file, outside the `skip` ranges (relative
/// to `text`, sorted).
///
/// The work is linear in the length of `text`: each character is looked at
/// a bounded number of times, however the brackets are nested or left
/// open ([`scan_work`] counts it).
pub fn scan(text: &str, offset: usize, skip: &[Range<usize>]) -> (Vec<InlineRef>, Vec<ScanError>) {
    let (refs, errors, _) = scan_counted(text, offset, skip);
    (refs, errors)
}

/// How many characters [`scan`] looks at for `text`: for tests, which check
/// that it grows linearly with the text.
#[doc(hidden)]
pub fn scan_work(text: &str, skip: &[Range<usize>]) -> usize {
    scan_counted(text, 0, skip).2
}

fn scan_counted(
    text: &str,
    offset: usize,
    skip: &[Range<usize>],
) -> (Vec<InlineRef>, Vec<ScanError>, usize) {
    let mut refs = Vec::new();
    let mut errors = Vec::new();
    let mut work = 0;
    let bytes = text.as_bytes();
    let mut skip_index = 0;
    // Where each single `[` closes, found in one pass when first needed.
    let mut ends: Option<Vec<BracketEnd>> = None;
    let mut next_end = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Most of a note is prose without brackets: jump to the next one.
        match memchr::memchr(b'[', &bytes[i..]) {
            Some(at) => i += at,
            None => break,
        }
        work += 1;
        if is_escaped(text, i) {
            i += 1;
            continue;
        }
        while skip_index < skip.len() && skip[skip_index].end <= i {
            skip_index += 1;
        }
        if let Some(range) = skip.get(skip_index) {
            if range.start <= i {
                i = range.end;
                continue;
            }
        }
        if bytes.get(i + 1) == Some(&b'[') {
            // A glossary reference `[[...]]`: its `]]` must come before any
            // other bracket and before a blank line, so the search stops at
            // the first bracket (where the next search starts).
            let inner_start = i + 2;
            let stop =
                memchr::memchr2(b'[', b']', &bytes[inner_start..]).map(|at| inner_start + at);
            work += stop.unwrap_or(bytes.len()) - inner_start;
            if let Some(close) = stop.filter(|&at| bytes[at..].starts_with(b"]]")) {
                let inner = &text[inner_start..close];
                if !inner.contains("\n\n") {
                    let span = offset + i..offset + close + 2;
                    let (target, shown) = match inner.split_once('|') {
                        Some((t, s)) => (t.trim(), Some(s.trim().to_string())),
                        None => (inner.trim(), None),
                    };
                    if target.is_empty() || shown.as_deref() == Some("") {
                        errors.push(ScanError {
                            span,
                            message: "empty glossary reference".into(),
                            help: "write `[[Term name]]` or `[[term-id|text to show]]`".into(),
                        });
                    } else {
                        let target = target.split_whitespace().collect::<Vec<_>>().join(" ");
                        refs.push(InlineRef {
                            span,
                            kind: InlineRefKind::Term(TermRef {
                                target,
                                text: shown,
                            }),
                        });
                    }
                    i = close + 2;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        if matches!(bytes.get(i + 1), Some(b'^')) {
            i += 1;
            continue;
        }
        let ends = ends.get_or_insert_with(|| bracket_ends(text, &mut work));
        while ends.get(next_end).is_some_and(|e| e.open < i) {
            next_end += 1;
        }
        let Some(end) = ends.get(next_end).filter(|e| e.open == i) else {
            i += 1;
            continue;
        };
        let Some(close) = end.close else {
            i += 1;
            continue;
        };
        // `[text](url)`, `[text][ref]` and `[label]: url` are links.
        if matches!(bytes.get(close + 1), Some(b'(' | b'['))
            || (bytes.get(close + 1) == Some(&b':') && is_link_definition(text, i, close + 1))
        {
            i += 1;
            continue;
        }
        // Without a key it is not a citation (and its inside, which may
        // hold other brackets in quotation marks, is not read again).
        let key_first = text[i + 1..].starts_with('@')
            && bytes
                .get(i + 2)
                .is_some_and(|&b| is_key_char(char::from(b)));
        if !end.has_key && !key_first {
            // Not a citation; but `[@ nyt]` and `[nyt#p3]` are meant as one.
            if let Some(e) = near_citation(&text[i + 1..close], offset + i + 1, &mut work) {
                errors.push(e);
                work += close - i;
                i = close + 1;
            } else {
                i += 1;
            }
            continue;
        }
        let inner = &text[i + 1..close];
        work += inner.len();
        let parts = split_parts(inner);
        let alone = parts.len() == 1;
        let mut group = CitationGroup { refs: Vec::new() };
        let mut ok = true;
        for part in parts {
            match parse_ref(&inner[part.clone()], offset + i + 1 + part.start, alone) {
                Ok(r) => group.refs.push(r),
                Err(e) => {
                    errors.push(e);
                    ok = false;
                }
            }
        }
        if ok {
            refs.push(InlineRef {
                span: offset + i..offset + close + 1,
                kind: InlineRefKind::Citation(group),
            });
        }
        i = close + 1;
    }
    (refs, errors, work)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_leave_their_plain_text() {
        let text = "See [[Golan|the plateau]] and [[Golan]] [@a].";
        let (refs, errors) = scan(text, 0, &[]);
        assert!(errors.is_empty());
        let left: Vec<&str> = refs.iter().map(InlineRef::plain_text).collect();
        assert_eq!(left, ["the plateau", "Golan", ""]);
    }

    fn scan_all(text: &str) -> Vec<InlineRef> {
        let (refs, errors) = scan(text, 0, &code_ranges(text));
        assert!(errors.is_empty(), "{errors:?}");
        refs
    }

    fn citation(r: &InlineRef) -> &CitationGroup {
        match &r.kind {
            InlineRefKind::Citation(g) => g,
            InlineRefKind::Term(_) => panic!("not a citation"),
        }
    }

    #[test]
    fn every_citation_form() {
        let text = r#"A [@nyt] b [@nyt#p3] c [@nyt#p3-p5] d [@nyt#buffer-zone] e [@nyt "exact words"] f [@nyt#p3 “curly words”]"#;
        let refs = scan_all(text);
        assert_eq!(refs.len(), 6);
        let r = &citation(&refs[0]).refs[0];
        assert_eq!(
            (r.key.as_str(), r.locator.is_none(), r.quotation.is_none()),
            ("nyt", true, true)
        );
        assert_eq!(
            citation(&refs[2]).refs[0].locator.as_ref().unwrap().text,
            "p3-p5"
        );
        assert_eq!(
            citation(&refs[3]).refs[0].locator.as_ref().unwrap().text,
            "buffer-zone"
        );
        let q = citation(&refs[4]).refs[0].quotation.as_ref().unwrap();
        assert_eq!(q.text, "exact words");
        assert_eq!(&text[q.span.clone()], "\"exact words\"");
        assert_eq!(
            citation(&refs[5]).refs[0].quotation.as_ref().unwrap().text,
            "curly words"
        );
        assert_eq!(&text[refs[0].span.clone()], "[@nyt]");
    }

    #[test]
    fn groups_with_prefix_and_suffix() {
        let text = r#"[see @nyt#p3, for the Syrian view; @ynet "talks were frozen"]"#;
        let refs = scan_all(text);
        let g = citation(&refs[0]);
        assert_eq!(g.refs.len(), 2);
        assert_eq!(g.refs[0].prefix, "see");
        assert_eq!(g.refs[0].suffix, ", for the Syrian view");
        assert_eq!(g.refs[1].key, "ynet");
        assert_eq!(&text[g.refs[1].key_span.clone()], "@ynet");
    }

    #[test]
    fn quotations_may_hold_brackets_and_semicolons() {
        let refs = scan_all(r#"[@nyt "a; b] c"]"#);
        assert_eq!(
            citation(&refs[0]).refs[0].quotation.as_ref().unwrap().text,
            "a; b] c"
        );
    }

    #[test]
    fn quotations_may_wrap_lines() {
        let refs = scan_all("[@nyt \"talks are\nbeing held\"]");
        assert_eq!(
            citation(&refs[0]).refs[0].quotation.as_ref().unwrap().text,
            "talks are\nbeing held"
        );
    }

    #[test]
    fn not_citations() {
        for text in [
            r"\[@nyt]",
            "`[@nyt]`",
            "```\n[@nyt]\n```",
            "    [@nyt] indented code",
            "[mail me@example.com]",
            "[@handle](https://example.com)",
            "[^note]",
            "<span title=\"[@nyt]\">x</span>",
            "[plain text]",
        ] {
            assert!(scan_all(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn glossary_references() {
        let refs = scan_all("The [[Golan Heights]] and [[golan-heights|the plateau]].");
        assert_eq!(refs.len(), 2);
        assert_eq!(
            refs[0].kind,
            InlineRefKind::Term(TermRef {
                target: "Golan Heights".into(),
                text: None
            })
        );
        assert_eq!(
            refs[1].kind,
            InlineRefKind::Term(TermRef {
                target: "golan-heights".into(),
                text: Some("the plateau".into())
            })
        );
    }

    #[test]
    fn malformed_citations_are_errors() {
        let (refs, errors) = scan(r#"[@nyt "never closed] and more"#, 0, &[]);
        assert!(refs.is_empty());
        assert_eq!(errors[0].message, "this quotation is never closed");
        let (_, errors) = scan("[@nyt; no source here]", 0, &[]);
        assert_eq!(
            errors[0].message,
            "this part of the citation names no source"
        );
        let (_, errors) = scan("[@nyt#]", 10, &[]);
        assert_eq!(errors[0].span, 15..16);
        let (_, errors) = scan("[[ ]]", 0, &[]);
        assert_eq!(errors[0].message, "empty glossary reference");
    }

    /// Each near miss: the text, the error's span (as written), its message
    /// and the corrected form its help gives.
    const NEAR_MISSES: &[(&str, &str, &str, &str)] = &[
        (
            "[@nyt p3]",
            "p3",
            "`p3` is not a paragraph locator",
            "`[@nyt#p3]`",
        ),
        (
            "[@nyt, p. 3]",
            "p. 3",
            "`p. 3` is not a paragraph locator",
            "`[@nyt#p3]`",
        ),
        (
            "[@nyt, para. 3]",
            "para. 3",
            "`para. 3` is not a paragraph locator",
            "`[@nyt#p3]`",
        ),
        (
            "[@nyt p.3]",
            "p.3",
            "`p.3` is not a paragraph locator",
            "`[@nyt#p3]`",
        ),
        (
            "[@nyt, \u{B6} 3]",
            "\u{B6} 3",
            "`\u{B6} 3` is not a paragraph locator",
            "`[@nyt#p3]`",
        ),
        (
            "[@nyt \u{B6}3]",
            "\u{B6}3",
            "`\u{B6}3` is not a paragraph locator",
            "`[@nyt#p3]`",
        ),
        (
            "[@nyt, pp. 3-5]",
            "pp. 3-5",
            "`pp. 3-5` is not a paragraph locator",
            "`[@nyt#p3-p5]`",
        ),
        (
            "[@nyt, paras 3\u{2013}5]",
            "paras 3\u{2013}5",
            "`paras 3\u{2013}5` is not a paragraph locator",
            "`[@nyt#p3-p5]`",
        ),
        (
            "[@nyt p3-p5 \"the words\"]",
            "p3-p5",
            "`p3-p5` is not a paragraph locator",
            "`[@nyt#p3-p5 \"the words\"]`",
        ),
        (
            "[@nyt \"the words\", p. 3]",
            "p. 3",
            "`p. 3` is not a paragraph locator",
            "`[@nyt#p3 \"the words\"]`",
        ),
        (
            "[see @nyt, p. 3, for the view; @ynet]",
            "p. 3",
            "`p. 3` is not a paragraph locator",
            "`see @nyt#p3, for the view`",
        ),
        (
            "[@nyt #p3]",
            "#p3",
            "this locator is not joined to its source",
            "`[@nyt#p3]`",
        ),
        (
            "[@nyt, #zone]",
            "#zone",
            "this locator is not joined to its source",
            "`[@nyt#zone]`",
        ),
        (
            "[@ nyt]",
            "@ ",
            "a space stands between `@` and the source id",
            "`[@nyt]`",
        ),
        (
            "[@  nyt#p3]",
            "@  ",
            "a space stands between `@` and the source id",
            "`[@nyt#p3]`",
        ),
        (
            "[@ynet; @ nyt#p3]",
            "@ ",
            "a space stands between `@` and the source id",
            "`@nyt#p3`",
        ),
        (
            "[nyt#p3]",
            "nyt",
            "this looks like a citation without `@`",
            "`[@nyt#p3]`",
        ),
        (
            "[nyt#p3-p5 \"words\"]",
            "nyt",
            "this looks like a citation without `@`",
            "`[@nyt#p3-p5 \"words\"]`",
        ),
        (
            "[@nyt#p3, @ynet#p2]",
            ",",
            "citations in a group are separated by `;`, not `,`",
            "`[@nyt#p3; @ynet#p2]`",
        ),
        (
            "[@a \"x\", @b, @c]",
            ",",
            "citations in a group are separated by `;`, not `,`",
            "`[@a \"x\"; @b; @c]`",
        ),
    ];

    #[test]
    fn near_misses_are_errors_with_the_corrected_form() {
        for &(text, span, message, fixed) in NEAR_MISSES {
            let padded = format!("Text {text} more.");
            let (refs, errors) = scan(&padded, 100, &[]);
            assert!(refs.is_empty(), "{text}: {refs:?}");
            assert_eq!(errors.len(), 1, "{text}: {errors:?}");
            let e = &errors[0];
            assert_eq!(
                &padded[e.span.start - 100..e.span.end - 100],
                span,
                "{text}"
            );
            assert_eq!(e.message, message, "{text}");
            assert!(e.help.ends_with(fixed), "{text}: {}", e.help);
        }
    }

    #[test]
    fn forms_close_to_near_misses_are_not_errors() {
        for text in [
            "[@nyt, for the Syrian view]",
            "[see @nyt#p3, p. 5 of the print edition]",
            "[@nyt, p. 3 and 5]",
            "[@nyt, para-military]",
            "[@nyt, pages 3-4]",
            "[@nyt, 2024]",
            "[@nyt#p3, @ynet's account]",
            "[@nyt#p3 \"a, @b\"]",
            "[@nyt#p3\"words\"]",
            "[@nyt\"words\"]",
            "[@nyt#p3, for @ynet's view]",
        ] {
            let (refs, errors) = scan(text, 0, &[]);
            assert!(errors.is_empty(), "{text}: {errors:?}");
            assert_eq!(refs.len(), 1, "{text}");
        }
        for text in [
            "[sic]",
            "[1]",
            "[the GPL]",
            "[see below]",
            "[a@b.c]",
            "[text](https://example.com)",
            "[@]",
            "[@ ]",
            "[nyt#zone]",
            "[nyt#p]",
            "[C#p3 is a language]",
            "[#p3]",
            "[nyt#p3](https://example.com)",
            "[meet @ noon]",
            "`[@ nyt]` and `[nyt#p3]`",
            "[@nyt, p. 3](https://example.com)",
        ] {
            let (refs, errors) = scan(text, 0, &code_ranges(text));
            assert!(errors.is_empty(), "{text}: {errors:?}");
            assert!(refs.is_empty(), "{text}");
        }
        // A `,` before a word holding `@` is a suffix.
        let refs = scan_all("[@nyt#p3, @ynet's account]");
        assert_eq!(citation(&refs[0]).refs[0].suffix, ", @ynet's account");
    }

    #[test]
    fn an_unclosed_quotation_swallows_no_later_citation() {
        for text in [
            "Text [@nyt \"words] and later [@ynet#p2].",
            "Text [@nyt \"words] and later [@ynet#p2 \"other\"].",
            "Text [@nyt \u{201C}words] and later [@ynet#p2 \u{201C}other\u{201D}].",
            "Text [@nyt \"words] and he said \"yes\" [@ynet#p2].",
            "Text [@nyt \"words; @ynet] and he said \"yes\" [@ynet#p2].",
        ] {
            let (refs, errors) = scan(text, 0, &[]);
            assert_eq!(errors.len(), 1, "{text}: {errors:?}");
            assert_eq!(errors[0].message, "this quotation is never closed");
            // The error starts at the open quotation mark.
            let open = text.find("words").unwrap()
                - text[..text.find("words").unwrap()]
                    .chars()
                    .next_back()
                    .unwrap()
                    .len_utf8();
            assert_eq!(errors[0].span.start, open, "{text}");
            assert_eq!(refs.len(), 1, "{text}");
            let r = &citation(&refs[0]).refs[0];
            assert_eq!(
                (r.key.as_str(), r.locator.as_ref().unwrap().text.as_str()),
                ("ynet", "p2"),
                "{text}"
            );
        }
        // A quotation may still hold brackets, and a `[` that starts no
        // citation.
        let refs = scan_all(r#"[@nyt "the [Israeli] army] said"] and [@ynet "a [b] "]"#);
        assert_eq!(
            citation(&refs[0]).refs[0].quotation.as_ref().unwrap().text,
            "the [Israeli] army] said"
        );
        assert_eq!(refs.len(), 2);
    }

    /// The search from one bracket as it was written before
    /// [`bracket_ends`] (it looked at the rest of the paragraph for every
    /// bracket): the one pass must find the same ends.
    fn find_close_one_by_one(text: &str, open: usize) -> Option<usize> {
        let mut in_quote: Option<char> = None;
        let mut previous_newline = false;
        let mut bracket_in_quote: Option<usize> = None;
        let mut citation_in_quote = false;
        for (i, c) in text[open + 1..].char_indices() {
            let at = open + 1 + i;
            if c == '\n' {
                if previous_newline {
                    return bracket_in_quote;
                }
                previous_newline = true;
                continue;
            }
            if !c.is_whitespace() {
                previous_newline = false;
            }
            match in_quote {
                Some(close) if c == close => {
                    if bracket_in_quote.is_some()
                        && (citation_in_quote || (c == '"' && opens_quotation(text, at)))
                    {
                        return bracket_in_quote;
                    }
                    in_quote = None;
                    bracket_in_quote = None;
                }
                Some(_) => {
                    if c == ']' && bracket_in_quote.is_none() {
                        bracket_in_quote = Some(at);
                        citation_in_quote = false;
                    }
                    if c == '['
                        && bracket_in_quote.is_some()
                        && !is_escaped(text, at)
                        && starts_citation(text, at)
                    {
                        citation_in_quote = true;
                    }
                }
                None => match c {
                    ']' if !is_escaped(text, at) => return Some(at),
                    '[' if !is_escaped(text, at) => return None,
                    c => in_quote = closing_quote(c),
                },
            }
        }
        bracket_in_quote
    }

    #[test]
    fn one_pass_finds_the_ends_the_search_per_bracket_found() {
        const PIECES: &[&str] = &[
            "[",
            "]",
            "[@a",
            "@b",
            " @",
            ";@c",
            "; ",
            "\"",
            "\u{201C}",
            "\u{201D}",
            "\\",
            "\n",
            "\n\n",
            "\n \u{A0}\n",
            " ",
            "x",
            "é",
            "[[",
            "]]",
            "#p1",
            "@",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            let mut text = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for _ in 0..state % 24 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
            }
            let ends = bracket_ends(&text, &mut 0);
            let opens: Vec<usize> = text
                .match_indices('[')
                .map(|(at, _)| at)
                .filter(|&at| !is_escaped(&text, at))
                .collect();
            assert_eq!(ends.iter().map(|e| e.open).collect::<Vec<_>>(), opens);
            for end in ends {
                let close = find_close_one_by_one(&text, end.open);
                assert_eq!(end.close, close, "{text:?} at {}", end.open);
                if let Some(close) = close {
                    let inner = &text[end.open + 1..close];
                    let has_key = split_parts(inner)
                        .into_iter()
                        .any(|p| find_at(&inner[p]).is_some());
                    let key_first = inner.starts_with('@')
                        && inner[1..].chars().next().is_some_and(is_key_char);
                    assert_eq!(
                        end.has_key || key_first,
                        has_key,
                        "{text:?} at {}",
                        end.open
                    );
                }
            }
        }
    }

    #[test]
    fn hostile_brackets_cost_linear_work() {
        // Each of these took a search of the rest of its paragraph per
        // bracket: quadratic.
        for (name, piece) in [
            ("unclosed [[", "[["),
            ("unclosed [", "["),
            ("[@", "[@"),
            ("unclosed quotations", "[@a \""),
            ("unclosed curly quotations", "[\u{201C}"),
            ("curly quotations with brackets", "[\u{201C}[\u{201D}"),
            ("brackets in quotations", "[\"[\"]"),
            ("spaces after @", "[@ x]"),
            ("citations without @", "[a#p1]"),
            ("misplaced locators", "[@a, p. 1]"),
            ("commas between citations", "[@a, @b]"),
            ("quotations opened again", "[@a \"x] \"y "),
            (
                "citations in quotations",
                "[@a \u{201C}x] [see @b \u{201C}y] ",
            ),
        ] {
            let small = piece.repeat(1_000);
            let large = piece.repeat(100_000);
            let (w_small, w_large) = (scan_work(&small, &[]), scan_work(&large, &[]));
            // At most a few looks per character, and the same per
            // character whatever the length.
            assert!(
                w_large <= 8 * large.len(),
                "{name}: {w_large} for {}",
                large.len()
            );
            assert!(
                w_large <= 100 * w_small + 1_000,
                "{name}: {w_small} then {w_large}"
            );
        }
        let nested = format!("{}x{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(scan_work(&nested, &[]) <= 8 * nested.len());
        // Every quotation closed only at the end, past a `]` and a
        // citation: each is taken as unclosed, and the scan goes on after
        // its first `]`.
        for piece in ["[@a \u{201C}x] [see @b \u{201C}y] ", "[@a \"x] [@b \"y "] {
            let text = format!("{}\u{201D}\"]", piece.repeat(100_000));
            let w = scan_work(&text, &[]);
            assert!(w <= 8 * text.len(), "{piece}: {w} for {}", text.len());
        }
    }

    #[test]
    fn the_quick_test_for_code_misses_no_code() {
        // Every way to write code or HTML, including indented code inside a
        // block quote and after a list marker, is still found.
        for text in [
            "`[@a]`",
            "~~~\n[@a]\n~~~\n",
            "```\n[@a]\n```\n",
            "<div>\n[@a]\n</div>\n",
            "\n    [@a]\n",
            "\t[@a]\n",
            ">     [@a]\n",
            "-     [@a]\n",
        ] {
            assert!(!code_ranges(text).is_empty(), "{text:?}");
            assert!(scan_all(text).is_empty(), "{text:?}");
        }
        assert!(code_ranges("Plain [@a] text.\n\n- a list [@b]\n").is_empty());
    }
}
