//! Quotation matching: does this quotation really stand in its source?
//!
//! A quotation matches when it is found verbatim after normalising only what
//! a careful author cannot see or type reliably: runs of white space
//! (including no-break spaces) become one space; curly and straight quotes
//! and apostrophes become one form; the hyphens U+002D, U+2010 and U+2011
//! become one form; soft hyphens and zero-width characters are dropped.
//! Dashes, case and every other character must match. The normalised text
//! keeps a map back to the original bytes so a match can be highlighted in
//! the source as it was written.

use std::ops::Range;

/// Text after normalisation, with a way back to the original bytes.
///
/// The way back is kept sparse: most characters map one to one, so only the
/// places where the mapping jumps (a collapsed run of white space, a folded
/// quotation mark of another byte length, a dropped character) are stored.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// (offset in `text`, offset in the original) where a run of one-to-one
    /// mapped bytes starts, sorted.
    segments: Vec<(u32, u32)>,
    /// Where the last character of the original ends.
    end: u32,
}

fn is_dropped(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// An ASCII byte that [`Normalized::new`] copies as it is: not white
/// space, not a quotation mark that [`fold`] changes.
fn is_kept_ascii(b: u8) -> bool {
    b.is_ascii() && !b.is_ascii_whitespace() && b != b'\x0b' && b != b'\''
}

fn fold(c: char) -> char {
    match c {
        '\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' => '"',
        '\u{2010}' | '\u{2011}' => '-',
        other => other,
    }
}

/// Offsets are stored as `u32`: texts over 4 GiB are not paragraphs.
fn small(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

impl Normalized {
    /// Normalises `original`, trimming white space at both ends.
    pub fn new(original: &str) -> Normalized {
        let mut normalized = Normalized {
            text: String::with_capacity(original.len()),
            segments: Vec::new(),
            end: 0,
        };
        // Where the next character would start if the mapping stays one to one.
        let mut expected: Option<usize> = None;
        let mut pending_space: Option<Range<usize>> = None;
        let bytes = original.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            // Most of a source is runs of ASCII that stay as they are: one
            // copy per run, not one push per character.
            let run = bytes[at..]
                .iter()
                .position(|&b| !is_kept_ascii(b))
                .unwrap_or(bytes.len() - at);
            let (piece, end) = if run > 0 {
                (&original[at..at + run], at + run)
            } else {
                let Some(c) = original[at..].chars().next() else {
                    break;
                };
                let end = at + c.len_utf8();
                if is_dropped(c) {
                    at = end;
                    continue;
                }
                if c.is_whitespace() {
                    pending_space = Some(match pending_space {
                        Some(range) => range.start..end,
                        None => at..end,
                    });
                    at = end;
                    continue;
                }
                let folded = fold(c);
                normalized.push_piece(
                    folded.encode_utf8(&mut [0; 4]),
                    at,
                    end,
                    &mut expected,
                    &mut pending_space,
                );
                at = end;
                continue;
            };
            normalized.push_piece(piece, at, end, &mut expected, &mut pending_space);
            at = end;
        }
        normalized
    }

    /// Appends `piece`, which stands for `start..end` of the original,
    /// after the white space pending before it (as one space, unless at
    /// the start).
    fn push_piece(
        &mut self,
        piece: &str,
        start: usize,
        end: usize,
        expected: &mut Option<usize>,
        pending_space: &mut Option<Range<usize>>,
    ) {
        if let Some(space) = pending_space.take() {
            if !self.text.is_empty() {
                self.push_piece(" ", space.start, space.end, expected, &mut None);
            }
        }
        if *expected != Some(start) {
            self.segments.push((small(self.text.len()), small(start)));
        }
        self.text.push_str(piece);
        *expected = (piece.len() == end - start).then_some(end);
        self.end = small(end);
    }

    /// Where the normalised byte `at` came from in the original.
    fn original_offset(&self, at: usize) -> usize {
        let index = self.segments.partition_point(|&(n, _)| n as usize <= at);
        match index.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(n, o)) => o as usize + (at - n as usize),
            None => at,
        }
    }

    /// Maps a byte range of the normalised text back to the original.
    pub fn original_range(&self, range: Range<usize>) -> Range<usize> {
        if range.is_empty() || range.end > self.text.len() {
            return 0..0;
        }
        let start = self.original_offset(range.start);
        let end = if range.end < self.text.len() {
            self.original_offset(range.end)
        } else {
            self.end as usize
        };
        start..end.max(start)
    }

    /// Every place `needle` (already normalised) occurs, as byte ranges of
    /// the original text. Overlapping occurrences count separately.
    pub fn find_all(&self, needle: &str) -> Vec<Range<usize>> {
        if needle.is_empty() {
            return Vec::new();
        }
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(at) = self.text[from..].find(needle) {
            let start = from + at;
            found.push(self.original_range(start..start + needle.len()));
            from = start + self.text[start..].chars().next().map_or(1, char::len_utf8);
        }
        found
    }
}

/// Whether `needle` would have matched if case and dashes were also ignored:
/// the commonest near miss, worth its own hint.
pub fn matches_ignoring_case_and_dashes(haystack: &Normalized, needle: &str) -> bool {
    let loosen = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => '-',
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect()
    };
    loosen(&haystack.text).contains(&loosen(needle))
}

/// The passage of `haystack` most like `needle`: a run of as many words as
/// the needle has, scored by edit distance. Returns the original byte range
/// and a similarity from 0 to 1.
pub fn closest_passage(haystack: &Normalized, needle: &str) -> Option<(Range<usize>, f64)> {
    let words: Vec<Range<usize>> = word_ranges(&haystack.text);
    if words.is_empty() || needle.is_empty() {
        return None;
    }
    let needle_words = needle.split(' ').count().clamp(1, words.len());
    let mut best: Option<(Range<usize>, f64)> = None;
    for width in [
        needle_words,
        needle_words + 1,
        needle_words.saturating_sub(1).max(1),
    ] {
        if width > words.len() {
            continue;
        }
        for window in words.windows(width) {
            let range = window[0].start..window[width - 1].end;
            let score = strsim::normalized_levenshtein(&haystack.text[range.clone()], needle);
            if best.as_ref().is_none_or(|(_, s)| score > *s) {
                best = Some((range, score));
            }
        }
    }
    best.map(|(range, score)| (haystack.original_range(range), score))
}

fn word_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c == ' ' {
            if let Some(s) = start.take() {
                ranges.push(s..i);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        ranges.push(s..text.len());
    }
    ranges
}

/// Collapses white space to single spaces, for showing a passage on one line.
pub fn one_line(text: &str) -> String {
    one_line_prefix(text, usize::MAX)
}

/// The first `max_chars` characters of [`one_line`]`(text)` (or all of
/// it): a preview need not collapse a whole paragraph to cut it short.
pub fn one_line_prefix(text: &str, max_chars: usize) -> String {
    let mut line = String::with_capacity(text.len().min(max_chars.saturating_mul(2)));
    let mut chars = 0;
    for word in text.split_whitespace() {
        if !line.is_empty() {
            if chars == max_chars {
                break;
            }
            line.push(' ');
            chars += 1;
        }
        // A word that fits goes in whole (previews cut every cited
        // paragraph: this is on a hot path); the last one a character at
        // a time.
        let room = max_chars - chars;
        let length = if word.is_ascii() {
            word.len()
        } else {
            word.chars().count()
        };
        if length <= room {
            line.push_str(word);
            chars += length;
            continue;
        }
        line.extend(word.chars().take(room));
        return line;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_prefix_is_a_prefix_of_one_line() {
        let text = "  a  quick\n\tbrown   fox jumps  ";
        assert_eq!(one_line(text), "a quick brown fox jumps");
        for max in 0..30 {
            let full: String = one_line(text).chars().take(max).collect();
            assert_eq!(one_line_prefix(text, max), full, "{max}");
        }
        assert_eq!(one_line_prefix("é  è", 2), "é ");
        // Words go in whole where they fit: cut inside one, ASCII or not.
        let text = " «ça»  brûle\u{A0}vïte   et  loin ";
        for max in 0..30 {
            let full: String = one_line(text).chars().take(max).collect();
            assert_eq!(one_line_prefix(text, max), full, "{max}");
        }
    }

    fn found(haystack: &str, needle: &str) -> Vec<String> {
        let h = Normalized::new(haystack);
        let n = Normalized::new(needle);
        h.find_all(&n.text)
            .into_iter()
            .map(|r| haystack[r].to_string())
            .collect()
    }

    #[test]
    fn whitespace_quotes_and_hyphens_are_normalised() {
        assert_eq!(found("a  b\nc", "a b c"), ["a  b\nc"]);
        assert_eq!(found("a\u{00A0}b", "a b"), ["a\u{00A0}b"]);
        assert_eq!(
            found("Syria’s “chaos”", "Syria's \"chaos\""),
            ["Syria’s “chaos”"]
        );
        assert_eq!(found("al\u{2011}Sharaa", "al-Sharaa"), ["al\u{2011}Sharaa"]);
        assert_eq!(found("al-Sharaa", "al\u{2010}Sharaa"), ["al-Sharaa"]);
        assert_eq!(
            found("co\u{00AD}operation", "cooperation"),
            ["co\u{00AD}operation"]
        );
        assert_eq!(
            found("zero\u{200B}width", "zerowidth"),
            ["zero\u{200B}width"]
        );
    }

    #[test]
    fn dashes_and_case_must_match() {
        assert!(found("guy”—a quality", "guy\"-a quality").is_empty());
        assert!(found("Golan Heights", "golan heights").is_empty());
        assert!(matches_ignoring_case_and_dashes(
            &Normalized::new("Golan Heights"),
            "golan heights"
        ));
    }

    #[test]
    fn repeated_quotations_are_all_found() {
        assert_eq!(found("the talks and the talks", "the talks").len(), 2);
    }

    #[test]
    fn closest_passage_points_at_the_near_miss() {
        let text = "Israel and Syria have been officially at war since 1948.";
        let h = Normalized::new(text);
        let (range, score) = closest_passage(&h, "officially at war since 1949").unwrap();
        assert_eq!(&text[range], "officially at war since 1948.");
        assert!(score > 0.8);
    }
}
