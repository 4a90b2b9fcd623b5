//! Small HTML helpers shared by the renderers.

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(&mut out, text);
    out
}

/// Escapes `text` onto the end of `out` (`&`, `<`, `>`, `"`, `'`). This is
/// on every hot path of a build: pulldown-cmark's escaper, which escapes
/// the same five characters the same way, looks for them sixteen bytes at a
/// time where the processor can, and copies the runs between them whole.
pub fn escape_into(out: &mut String, text: &str) {
    // Writing to a `String` cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut *out, text);
}

/// Characters a URL may not hold as they are (spaces in a note's file
/// name, quotes or angle brackets in an address pasted from a browser):
/// they are percent-encoded.
pub const URL_UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// Whether a link has a scheme (`https:`, `mailto:`): it leaves the book.
pub fn has_scheme(link: &str) -> bool {
    match link.find(':') {
        Some(colon) => {
            let scheme = &link[..colon];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// The relative prefix from a page to the site's root: `""` for
/// `index.html`, `"../"` for `sources/nyt.html`.
pub fn root_prefix(page: &str) -> String {
    "../".repeat(page.matches('/').count())
}

/// Shortens plain text to at most `max` characters at a word boundary.
pub fn truncate_words(text: &str, max: usize) -> String {
    // Where the first `max` characters end, if the text is longer.
    let end = if text.is_ascii() {
        (text.len() > max).then_some(max)
    } else {
        text.char_indices().nth(max).map(|(i, _)| i)
    };
    let Some(end) = end else {
        return text.to_string();
    };
    let cut = &text[..end];
    let cut = match cut.rfind(' ') {
        // `i > max / 2` counts characters, as `max` does.
        Some(i) if cut[..i].chars().count() > max / 2 => &cut[..i],
        _ => cut,
    };
    let cut = cut.trim_end_matches([',', ';', ':', '.', ' ']);
    let mut out = String::with_capacity(cut.len() + '…'.len_utf8());
    out.push_str(cut);
    out.push('…');
    out
}

/// Escapes `text`, wrapping the (merged) byte ranges in `<mark class="quoted">`.
pub fn mark_ranges(text: &str, ranges: &mut [std::ops::Range<usize>]) -> String {
    mark_ranges_with(text, ranges, "<mark class=\"quoted\">")
}

/// [`mark_ranges`] with another opening tag.
pub fn mark_ranges_with(text: &str, ranges: &mut [std::ops::Range<usize>], open: &str) -> String {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut html = String::with_capacity(text.len() + 32);
    let mut at = 0;
    let mut i = 0;
    while i < ranges.len() {
        let start = ranges[i].start.max(at);
        let mut end = ranges[i].end;
        while i + 1 < ranges.len() && ranges[i + 1].start <= end {
            i += 1;
            end = end.max(ranges[i].end);
        }
        if start < end {
            escape_into(&mut html, &text[at..start]);
            html.push_str(open);
            escape_into(&mut html, &text[start..end]);
            html.push_str("</mark>");
            at = end;
        }
        i += 1;
    }
    escape_into(&mut html, &text[at..]);
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_prefixes() {
        assert_eq!(
            escape(r#"<script>"a"&'b'"#),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;"
        );
        // Long enough for the sixteen-bytes-at-a-time path, with non-ASCII.
        let long = "«a» & <b> \"c\" 'd' — é".repeat(3);
        let expected = long
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        assert_eq!(escape(&long), expected);
        assert_eq!(root_prefix("index.html"), "");
        assert_eq!(root_prefix("a/b/c.html"), "../../");
        assert_eq!(truncate_words("one two three four", 9), "one two…");
    }

    #[test]
    fn truncation_counts_characters_not_bytes() {
        // As in ASCII, a word boundary in the first half is not worth the
        // loss: the cut is made inside the word.
        assert_eq!(truncate_words("aaaa abcdefghijkl", 10), "aaaa abcde…");
        assert_eq!(truncate_words("éééé abcdefghijkl", 10), "éééé abcde…");
        assert_eq!(truncate_words("één twee drie vier", 9), "één twee…");
        assert_eq!(truncate_words("één twee", 8), "één twee");
    }

    #[test]
    fn overlapping_quotations_are_marked_once() {
        let mut ranges = vec![4..9, 0..3, 6..12];
        assert_eq!(
            mark_ranges("abc <def> ghi", &mut ranges),
            "<mark class=\"quoted\">abc</mark> <mark class=\"quoted\">&lt;def&gt; gh</mark>i"
        );
    }
}
