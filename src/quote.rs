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
        self.find_up_to(needle, usize::MAX)
    }

    /// The first `limit` places `needle` occurs (see [`Normalized::find_all`]).
    /// Each place found costs up to the needle's length to check, so a
    /// quotation of 1 MB of `a a a` in a source of the same may stand at a
    /// million places: counting them all would take 10^12 steps.
    pub fn find_up_to(&self, needle: &str, limit: usize) -> Vec<Range<usize>> {
        if needle.is_empty() {
            return Vec::new();
        }
        let finder = memchr::memmem::Finder::new(needle);
        let mut found = Vec::new();
        let mut from = 0;
        while found.len() < limit {
            let Some(at) = finder.find(&self.text.as_bytes()[from..]) else {
                break;
            };
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
    matches_ignoring_case_and_dashes_among(&[haystack], needle)
}

/// Whether `needle` would have matched in one of `paragraphs` if case and
/// dashes were also ignored (the needle is loosened once, not once per
/// paragraph: it may be long).
pub fn matches_ignoring_case_and_dashes_among(paragraphs: &[&Normalized], needle: &str) -> bool {
    let loosen = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => '-',
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect()
    };
    let needle = loosen(needle);
    // Loosening makes a text at most half as long again (`İ` → `i̇`): a
    // paragraph less than half the needle's length cannot hold it.
    paragraphs
        .iter()
        .any(|p| 2 * p.text.len() >= needle.len() && loosen(&p.text).contains(&needle))
}

/// How many words of a quotation the closest-passage search compares: a
/// longer quotation is compared by its first words, and its closest
/// passage is as long as they are.
pub const CLOSEST_WORDS: usize = 64;

/// How many bytes of a quotation the closest-passage search compares at
/// most (a quotation of one enormous word is cut too).
pub const CLOSEST_BYTES: usize = 512;

/// Up to this many cells of edit distance (characters of a passage times
/// characters of the quotation), every passage is scored: the search is
/// exact for ordinary paragraphs and quotations.
const SCORE_EVERY_PASSAGE_CELLS: usize = 1 << 23;

/// Otherwise only the passages starting at this many places are scored:
/// those that share the most words with the quotation, in place.
const CANDIDATE_PLACES: usize = 8;

/// The passage of `haystack` most like `needle`: a run of as many words as
/// the needle has, scored by edit distance. Returns the original byte range
/// and a similarity from 0 to 1.
pub fn closest_passage(haystack: &Normalized, needle: &str) -> Option<(Range<usize>, f64)> {
    closest_passage_among(&[haystack], needle).map(|(_, range, score)| (range, score))
}

/// The passage most like `needle` in any of `paragraphs` (see
/// [`closest_passage`]): the index of its paragraph, its byte range in the
/// original text of that paragraph, and its similarity from 0 to 1.
///
/// The work is bounded: only the first [`CLOSEST_WORDS`] words (at most
/// [`CLOSEST_BYTES`] bytes) of `needle` are compared, and when scoring
/// every passage would cost too much, only the passages at the few places
/// that share the most words with it are scored, so the search is linear
/// in the length of the paragraphs ([`closest_passage_work`] counts it).
pub fn closest_passage_among(
    paragraphs: &[&Normalized],
    needle: &str,
) -> Option<(usize, Range<usize>, f64)> {
    closest_passage_counted(paragraphs, needle).0
}

/// The work [`closest_passage_among`] does: words indexed, plus cells of
/// edit distance computed. For tests, which check that it is bounded.
#[doc(hidden)]
pub fn closest_passage_work(paragraphs: &[&Normalized], needle: &str) -> usize {
    closest_passage_counted(paragraphs, needle).1
}

/// A passage to score: a paragraph, and a run of its words.
struct Passage {
    paragraph: usize,
    first_word: usize,
    words: usize,
}

fn closest_passage_counted(
    paragraphs: &[&Normalized],
    needle: &str,
) -> (Option<(usize, Range<usize>, f64)>, usize) {
    let needle = compared_part(needle);
    let words: Vec<Vec<Range<usize>>> = paragraphs.iter().map(|p| word_ranges(&p.text)).collect();
    let mut work: usize = words.iter().map(Vec::len).sum();
    let needle_words = needle.split(' ').count();
    if needle.is_empty() || work == 0 {
        return (None, work);
    }
    // As many words as the needle, one more, one fewer.
    let widths = |count: usize| {
        let width = needle_words.clamp(1, count);
        [width, width + 1, width.saturating_sub(1).max(1)]
            .into_iter()
            .filter(move |&w| w <= count)
    };
    let passage_range = |p: &Passage| {
        let w = &words[p.paragraph];
        w[p.first_word].start..w[p.first_word + p.words - 1].end
    };
    let every_passage = || {
        words.iter().enumerate().flat_map(move |(paragraph, w)| {
            widths(w.len()).flat_map(move |width| {
                (0..=w.len() - width).map(move |first_word| Passage {
                    paragraph,
                    first_word,
                    words: width,
                })
            })
        })
    };
    // What scoring every passage would cost, counted until it is too much.
    let mut counted = 0;
    let affordable = every_passage()
        .try_fold(0usize, |cost, passage| {
            counted += 1;
            let cost = cost + passage_range(&passage).len() * needle.len();
            (cost <= SCORE_EVERY_PASSAGE_CELLS).then_some(cost)
        })
        .is_some();
    work += counted;
    let passages: Box<dyn Iterator<Item = Passage>> = if affordable {
        Box::new(every_passage())
    } else {
        let (places, votes) = candidate_places(&words, paragraphs, needle);
        work += votes;
        Box::new(places.into_iter().flat_map(|(paragraph, first)| {
            let count = words[paragraph].len();
            widths(count).map(move |width| Passage {
                paragraph,
                first_word: first.min(count - width),
                words: width,
            })
        }))
    };
    let bounded = !affordable;
    let mut best: Option<(usize, Range<usize>, f64)> = None;
    for passage in passages {
        let range = passage_range(&passage);
        let text = &paragraphs[passage.paragraph].text[range.clone()];
        // A passage four times as long as the needle is at most 25 %
        // like it: not worth its cost when the work is bounded.
        let score = if bounded && text.len() > 4 * needle.len() {
            0.0
        } else {
            work += text.len() * needle.len();
            strsim::normalized_levenshtein(text, needle)
        };
        if best.as_ref().is_none_or(|(_, _, s)| score > *s) {
            best = Some((passage.paragraph, range, score));
        }
    }
    let found = best.map(|(p, range, score)| (p, paragraphs[p].original_range(range), score));
    (found, work)
}

/// The first [`CLOSEST_WORDS`] words of `needle`, cut to at most
/// [`CLOSEST_BYTES`] bytes (on a character boundary).
fn compared_part(needle: &str) -> &str {
    let mut end = needle
        .match_indices(' ')
        .nth(CLOSEST_WORDS - 1)
        .map_or(needle.len(), |(at, _)| at)
        .min(CLOSEST_BYTES);
    while !needle.is_char_boundary(end) {
        end -= 1;
    }
    needle[..end].trim_end()
}

/// A word as the candidate search compares it: without punctuation around
/// it, in lower case.
fn word_key(word: &str) -> std::borrow::Cow<'_, str> {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    if word.chars().any(char::is_uppercase) {
        word.to_lowercase().into()
    } else {
        word.into()
    }
}

/// The places (paragraph, first word) where a passage lines up with the
/// most words of `needle`: each word of a paragraph that is also the
/// `k`-th word of the needle votes for the passage starting `k` words
/// before it. Returns at most [`CANDIDATE_PLACES`] places, and how many
/// votes were cast (at most the paragraphs' words times [`CLOSEST_WORDS`]).
fn candidate_places(
    words: &[Vec<Range<usize>>],
    paragraphs: &[&Normalized],
    needle: &str,
) -> (Vec<(usize, usize)>, usize) {
    let mut at_in_needle: std::collections::HashMap<std::borrow::Cow<'_, str>, Vec<usize>> =
        std::collections::HashMap::new();
    let needle_words: Vec<&str> = needle.split(' ').collect();
    for (k, word) in needle_words.iter().enumerate() {
        let key = word_key(word);
        if !key.is_empty() {
            at_in_needle.entry(key).or_default().push(k);
        }
    }
    let mut cast = 0;
    // (votes, paragraph, first word), for every place with a vote.
    let mut tally: Vec<(u32, usize, usize)> = Vec::new();
    for (paragraph, ranges) in words.iter().enumerate() {
        // Votes by first word, shifted by the needle's length so that a
        // passage starting before the paragraph counts at its start.
        let mut votes = vec![0u32; ranges.len() + needle_words.len()];
        for (j, range) in ranges.iter().enumerate() {
            let key = word_key(&paragraphs[paragraph].text[range.clone()]);
            if let Some(ks) = at_in_needle.get(&key) {
                for &k in ks {
                    votes[j + needle_words.len() - k] += 1;
                }
                cast += ks.len();
            }
        }
        tally.extend(
            votes
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0)
                .map(|(shifted, &v)| (v, paragraph, shifted.saturating_sub(needle_words.len()))),
        );
    }
    tally.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let mut places: Vec<(usize, usize)> = Vec::with_capacity(CANDIDATE_PLACES);
    for (_, paragraph, first) in tally {
        if places.len() == CANDIDATE_PLACES {
            break;
        }
        if !places.contains(&(paragraph, first)) {
            places.push((paragraph, first));
        }
    }
    if places.is_empty() {
        // Nothing in common: the start of the first paragraph with words.
        places.extend(words.iter().position(|w| !w.is_empty()).map(|p| (p, 0)));
    }
    places.sort_unstable();
    (places, cast)
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

// TEMPORARY shim of the editorial-conventions engine (replaced by the
// i21-quote branch): exact matching at word boundaries.

/// A quotation as the author wrote it, read by the editorial conventions.
#[derive(Debug, Clone)]
pub struct Pattern {
    words: String,
}

/// Why a quotation cannot be read as a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Byte range in the quotation text it concerns.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// One place a quotation stands in a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The byte ranges, in the paragraph's original text, of the words the
    /// quotation reproduces, in order.
    pub pieces: Vec<Range<usize>>,
}

impl Pattern {
    /// Reads `quoted` (the words between the quotation marks).
    pub fn parse(quoted: &str) -> Result<Pattern, PatternError> {
        let words = Normalized::new(quoted).text;
        if words.is_empty() {
            return Err(PatternError {
                span: 0..quoted.len(),
                message: "empty quotation".into(),
                help: "put the exact words between the quotation marks".into(),
            });
        }
        Ok(Pattern { words })
    }

    /// Up to `limit` places where the quotation stands in `paragraph`.
    pub fn find_in(&self, paragraph: &Normalized, limit: usize) -> Vec<Match> {
        paragraph
            .find_up_to(&self.words, limit)
            .into_iter()
            .map(|r| Match { pieces: vec![r] })
            .collect()
    }

    /// The quotation's own words without editorial marks.
    pub fn words(&self) -> &str {
        &self.words
    }

    /// Whether the quotation omits words.
    pub fn is_elided(&self) -> bool {
        false
    }
}

/// What differs, word by word, between a passage and a quotation.
pub fn word_difference(_passage: &str, _quoted: &str) -> Option<String> {
    None
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

    /// `count` made-up words (a quadratic sequence modulo a prime: no run
    /// of words comes twice).
    fn words(seed: u64, count: u64) -> String {
        let word = |i: u64| format!("w{}x", (i * i + seed * i + seed) % 100_003);
        (0..count).map(word).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn a_long_quotation_not_in_a_long_source_costs_linear_work() {
        // Scoring every passage of 20,000 words against 20,000 words took
        // about 10^15 steps: this never finished.
        let work_for = |count: u64| {
            let source = Normalized::new(&words(1, count));
            let needle = Normalized::new(&words(2, count));
            let found = closest_passage(&source, &needle.text);
            assert!(found.is_some());
            closest_passage_work(&[&source], &needle.text)
        };
        let (small, large) = (work_for(2_000), work_for(20_000));
        assert!(large < 40_000_000, "{large}");
        // Ten times the words, at most about ten times the work (beyond a
        // fixed cost for the few passages scored).
        assert!(large <= 10 * small + 30_000_000, "{small} then {large}");
        // A 1 MB quotation of one word, and a source of 1 MB words.
        let word = "q".repeat(1 << 20);
        let source = Normalized::new(&format!("{word} {word} a b c"));
        assert!(closest_passage_work(&[&source], &word) < 40_000_000);
    }

    #[test]
    fn a_near_miss_in_a_long_paragraph_is_found() {
        // Too long to score every passage: the candidates must still
        // hold the near miss.
        let text = words(3, 5_000);
        let at: Vec<&str> = text.split(' ').collect();
        let mut quoted: Vec<&str> = at[2_000..2_030].to_vec();
        quoted[12] = "changed";
        quoted.remove(20);
        let h = Normalized::new(&text);
        let (range, score) = closest_passage(&h, &quoted.join(" ")).unwrap();
        assert_eq!(&text[range], at[2_000..2_030].join(" "));
        assert!(score > 0.9, "{score}");
        // Across paragraphs: the second one holds it.
        let other = Normalized::new(&words(4, 3_000));
        let (p, range, _) = closest_passage_among(&[&other, &h], &quoted.join(" ")).unwrap();
        assert_eq!((p, &text[range]), (1, at[2_000..2_030].join(" ").as_str()));
        // A quotation longer than what is compared: its first words.
        let long = at[1_000..1_200].join(" ");
        let (range, score) = closest_passage(&h, &long).unwrap();
        assert_eq!(&text[range], at[1_000..1_000 + CLOSEST_WORDS].join(" "));
        assert!(score > 0.99, "{score}");
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
