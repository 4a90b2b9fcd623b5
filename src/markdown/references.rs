//! The placeholders that stand for citations and glossary references in
//! the text pulldown-cmark parses, and what each resolves to.
//!
//! Markdown has no syntax for `[@nyt#p3]` or `[[Term]]` and would take them
//! apart, so each is replaced by a placeholder of two private-use
//! characters around its index before parsing; an [`OffsetMap`] maps the
//! text with placeholders back to the fragment, for diagnostics.

use std::ops::Range;

use pulldown_cmark::{Event, Tag};

use super::RenderEnv;
use crate::citation::CitationGroup;
use crate::diagnostics::{Diagnostic, FileId};
use crate::resolve::ResolvedRef;

pub(super) const OPEN: char = '\u{E000}';
pub(super) const CLOSE: char = '\u{E001}';

/// Maps byte offsets in the text with placeholders back to the original.
pub(super) struct OffsetMap {
    /// (start in new text, end in new text, start in original, end in original)
    pub(super) replaced: Vec<(usize, usize, usize, usize)>,
}

impl OffsetMap {
    pub(super) fn original(&self, at: usize) -> usize {
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
pub(super) enum Resolved {
    Citation(Vec<ResolvedRef>),
    Term { index: usize, text: String },
    Broken(String),
}

/// Where `text` holds briefbook's private-use markers, and which. Found by
/// their UTF-8 lead byte, which little else has: decoding every character
/// of every note to look for them cost as much as a tenth of rendering.
pub(super) fn reserved_characters(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let lead = OPEN.encode_utf8(&mut [0; 4]).as_bytes()[0];
    memchr::memchr_iter(lead, text.as_bytes()).filter_map(move |at| {
        let c = text[at..].chars().next()?;
        (c == OPEN || c == CLOSE).then_some((at, c))
    })
}

/// Turns a straight quotation mark that ends `text` (the text before a
/// citation's placeholder, which stands at `original` in the fragment)
/// into a closing one, when it follows a word: pulldown-cmark's smart
/// punctuation cannot tell that the placeholder after it is punctuation,
/// and would curl `"words"[@nyt]` into an opening mark.
pub(super) fn curl_closing_quote(text: &mut String, map: &mut OffsetMap, original: usize) {
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
/// [`crate::citation::code_ranges`] leaves alone.
pub(super) fn placeholder_in_code(text: &str, events: &[(Event<'_>, Range<usize>)]) -> bool {
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

pub(super) fn resolve_group(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn reserved_characters_are_found_among_their_neighbours() {
        let text = "é\u{E000}x\u{E0FF}\u{E001}\u{E002}";
        let found: Vec<(usize, char)> = reserved_characters(text).collect();
        assert_eq!(found, [(2, OPEN), (9, CLOSE)]);
        assert_eq!(reserved_characters("plain «text»").count(), 0);
    }
}
