//! Finding citations (`[@nyt#p3 "exact words"]`) and glossary references
//! (`[[Golan Heights]]`) in Markdown text.
//!
//! Markdown has no syntax for either, so they are found in the raw text
//! before Markdown is parsed, skipping code spans, code blocks and raw HTML
//! (whose ranges pulldown-cmark reports). Each reference keeps the byte
//! range it was written at, so every later error can point at it.

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

/// `text` with each reference, given by its range in `text` (in order),
/// replaced by what it leaves in plain text.
pub fn cut_references<'a>(
    text: &str,
    refs: impl IntoIterator<Item = (Range<usize>, &'a str)>,
) -> String {
    let mut clean = String::with_capacity(text.len());
    let mut last = 0;
    for (span, left) in refs {
        if span.start < last {
            continue;
        }
        clean.push_str(text.get(last..span.start).unwrap_or(""));
        clean.push_str(left);
        last = span.end;
    }
    clean.push_str(text.get(last..).unwrap_or(""));
    clean
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
/// spans, code blocks and raw HTML.
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
            }
            '[' if !is_escaped(text, at) => {
                ends.push(BracketEnd {
                    open: at,
                    close: after.close,
                    has_key: after.has_key,
                });
                here = ScanFrom::default();
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
            here = match closing_mark[kind] {
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

/// Parses one `;`-separated part. `base` is its absolute offset.
fn parse_ref(part: &str, base: usize) -> Result<CiteRef, ScanError> {
    let leading = part.len() - part.trim_start().len();
    let whole = base + leading..base + part.trim_end().len().max(leading);
    let Some(at) = find_at(part) else {
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
    Ok(CiteRef {
        prefix,
        key,
        key_span,
        locator,
        quotation,
        suffix: part[rest..].trim_end().to_string(),
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
            i += 1;
            continue;
        }
        let inner = &text[i + 1..close];
        work += inner.len();
        let parts = split_parts(inner);
        let mut group = CitationGroup { refs: Vec::new() };
        let mut ok = true;
        for part in parts {
            match parse_ref(&inner[part.clone()], offset + i + 1 + part.start) {
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
        assert_eq!(
            cut_references(text, refs.iter().map(|r| (r.span.clone(), r.plain_text()))),
            "See the plateau and Golan ."
        );
        // A range inside one already cut is skipped.
        assert_eq!(
            cut_references("a [b] c", [(2..5, "B"), (3..4, "x")]),
            "a B c"
        );
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

    /// The search from one bracket as it was written before
    /// [`bracket_ends`] (it looked at the rest of the paragraph for every
    /// bracket): the one pass must find the same ends.
    fn find_close_one_by_one(text: &str, open: usize) -> Option<usize> {
        let mut in_quote: Option<char> = None;
        let mut previous_newline = false;
        let mut bracket_in_quote: Option<usize> = None;
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
                    in_quote = None;
                    bracket_in_quote = None;
                }
                Some(_) => {
                    if c == ']' && bracket_in_quote.is_none() {
                        bracket_in_quote = Some(at);
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
