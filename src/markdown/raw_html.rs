//! The check on raw HTML written in Markdown (passed through as written):
//! that it cannot break out of the page. It reads the pieces of raw HTML
//! as the writer passes them, and records where their ids and URLs stand.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use crate::attrs::{self, Ahead};

/// A problem with raw HTML, at a byte range of the text being parsed.
pub(super) struct RawHtmlProblem {
    pub(super) span: Range<usize>,
    pub(super) message: String,
    pub(super) label: String,
    pub(super) help: String,
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
pub(super) struct RawHtml {
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
    pub(super) problems: Vec<RawHtmlProblem>,
}

impl RawHtml {
    /// Reads an event of the fragment written at `range`; the ids and URLs
    /// of the raw HTML in it go to `ahead`, under the address of its text.
    pub(super) fn observe(
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

    pub(super) fn finish(&mut self) {
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
