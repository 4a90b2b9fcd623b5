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
    let needle = loosen(needle);
    // Loosening makes a text at most half as long again (`İ` → `i̇`): a
    // paragraph less than half the needle's length cannot hold it.
    paragraphs
        .iter()
        .any(|p| 2 * p.text.len() >= needle.len() && loosen(&p.text).contains(&needle))
}

/// `s` in lower case with every dash a hyphen: the text as the near-miss
/// hint and the word differences compare it, where only case or dashes
/// differing is worth its own message.
fn loosen(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => '-',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
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

// ---------------------------------------------------------------------------
// Editorial conventions: ellipses, brackets, first-letter case, closing
// punctuation (Chicago 13.48-13.56, Bluebook rule 5).
// ---------------------------------------------------------------------------

/// Bracketed notes that stand for nothing in the source: they speak about
/// the quotation, not for the source.
const EDITORIAL_NOTES: &[&str] = &[
    "sic",
    "emphasis added",
    "emphasis mine",
    "emphasis in original",
    "emphasis omitted",
    "italics added",
    "italics mine",
    "italics in original",
    "citation omitted",
    "citations omitted",
    "footnote omitted",
    "footnotes omitted",
    "alteration in original",
];

/// A bracketed change inside a word (`govern[s]`) stands for at most this
/// many letters or digits of the source: enough for any ending, too few to
/// hide a word.
const SLOT_CHARS: usize = 20;

/// A standalone bracket (`[the GPL]`) stands for at most this many words of
/// the source: a name or a short phrase, not a paragraph.
const BRACKET_WORDS: usize = 6;

/// How many places one search keeps in play at once inside a run of pieces
/// joined by brackets (the earliest ones). Real quotations keep one or
/// two; only a quotation made to explode would need more.
const MAX_ACTIVE: usize = 16;

/// The work a search may do, per byte of paragraph and quotation, beyond
/// [`WORK_FLOOR`]. Ordinary searches use a small fraction of it; past it a
/// search stops with what it has found, so hostile input stays linear.
const WORK_PER_BYTE: usize = 8;

/// Work every search may do, however short its paragraph.
const WORK_FLOOR: usize = 1 << 20;

/// A quotation as the author wrote it, read by the editorial conventions.
///
/// Authors quote the way editors do: an ellipsis (`...`, `…`, `. . .`,
/// `[...]`) marks omitted words, square brackets mark an alteration
/// (`[t]he`, `govern[s]`, `[the GPL]`) or a note (`[sic]`,
/// `[emphasis added]`), the first letter may change case, and the
/// punctuation just inside the closing mark may differ. A pattern accepts
/// exactly those liberties and nothing else: every other word, number,
/// dash and capital must stand in the source as quoted.
///
/// A bracket attached to a word (`[t]he`, `govern[s]`, `judgment[]`)
/// changes letters: it matches its own text in any case, or up to 20
/// letters and digits of the source word, so `run[s]` matches `running`
/// (the brackets declare the word altered; the rest of it must stand). A
/// standalone bracket (`[the GPL]`) replaces or inserts words: it matches
/// up to six words of the source. Notes (`[sic]`, `[emphasis added]`,
/// `[citation omitted]` and the like) and Markdown emphasis markers stand
/// for nothing.
///
/// The quotation is cut into pieces: the words it reproduces without a
/// break. Pieces separated by an ellipsis must stand in order in the
/// paragraph, any distance apart; pieces separated by a standalone
/// bracket must stand within six words of each other. Every
/// piece starts and ends at a word boundary.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Runs of pieces joined by brackets; runs are joined by ellipses.
    runs: Vec<Run>,
    words: String,
    elided: bool,
    /// Bytes of text in the pattern (for the work budget).
    len: usize,
}

/// Why a quotation cannot be read as a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Byte range in the quotation text (as given to `parse`) it concerns.
    pub span: Range<usize>,
    /// What is wrong, e.g. "empty quotation", "this `[` is never closed".
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.help)
    }
}

impl std::error::Error for PatternError {}

/// One place a quotation stands in a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The byte ranges, in the paragraph's ORIGINAL text, of the words the
    /// quotation reproduces, in order: one range for an unbroken quotation,
    /// one per piece for an elided one (bracketed replacements are not part
    /// of any piece: `[t]he` is inside its piece, `[the GPL]` splits pieces).
    pub pieces: Vec<Range<usize>>,
}

/// Pieces joined by standalone brackets: they must stand close together,
/// so they are searched as one.
#[derive(Debug, Clone)]
struct Run {
    pieces: Vec<Piece>,
    /// `gaps[k]` stands between `pieces[k]` and `pieces[k + 1]`.
    gaps: Vec<Gap>,
    /// The literal texts the run may start with (several when the first
    /// letter may change case), to find candidates with `memmem`; empty
    /// when the run starts with a bracketed change.
    anchors: Vec<String>,
    /// One piece that an anchor covers whole: found by `memmem` alone.
    simple: bool,
}

#[derive(Debug, Clone)]
struct Piece {
    atoms: Vec<Atom>,
}

#[derive(Debug, Clone)]
enum Atom {
    /// Normalised text, matched exactly.
    Lit(String),
    /// One of these texts (a first letter in either case).
    OneOf(Vec<String>),
    /// A bracketed change inside a word: up to [`SLOT_CHARS`] letters or
    /// digits, or `text` in any case when `any_case` (bracketed text that
    /// the letters and digits would not cover).
    Slot { text: String, any_case: bool },
}

/// A standalone bracket: up to `words` words of the source.
#[derive(Debug, Clone, Copy)]
struct Gap {
    words: usize,
    /// Whether the quotation has white space before the bracket (then the
    /// source has white space there too).
    space_before: bool,
    /// Whether the quotation has white space after the bracket.
    space_after: bool,
}

/// How two pieces are joined.
#[derive(Debug, Clone, Copy)]
enum Join {
    Ellipsis,
    Gap(Gap),
}

impl Join {
    /// Two joins with nothing quoted between them: an ellipsis swallows
    /// all; brackets add up.
    fn merge(self, other: Join) -> Join {
        match (self, other) {
            (Join::Gap(a), Join::Gap(b)) => Join::Gap(Gap {
                words: a.words.saturating_add(b.words),
                space_before: a.space_before,
                space_after: b.space_after,
            }),
            _ => Join::Ellipsis,
        }
    }
}

/// What the reader of a quotation sees, in order.
enum Token {
    Text(String),
    Slot(String),
    Join(Join),
}

fn unclosed(at: usize) -> PatternError {
    PatternError {
        span: at..at + 1,
        message: "this `[` is never closed".into(),
        help: "close it with `]`: square brackets mark a change to the quoted words, as in `[t]he`, `[sic]` or `[...]`".into(),
    }
}

/// Appends `c` to `text` as [`Normalized::new`] would.
fn push_normalized(text: &mut String, c: char) {
    if is_dropped(c) {
        return;
    }
    if c.is_whitespace() {
        if !text.ends_with(' ') {
            text.push(' ');
        }
        return;
    }
    text.push(fold(c));
}

fn normalized_str(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    for c in raw.chars() {
        push_normalized(&mut text, c);
    }
    text.trim_matches(' ').to_string()
}

/// Whether bracketed `content` is an ellipsis (`[...]`, `[…]`, `[. . .]`).
fn is_ellipsis_text(content: &str) -> bool {
    let t = content.trim();
    !t.is_empty()
        && t.chars().all(|c| c == '.' || c == '…' || c.is_whitespace())
        && (t.contains('…') || t.matches('.').count() >= 3)
}

/// Whether bracketed `content` is a note such as `[sic]`.
fn is_note(content: &str) -> bool {
    if content.len() > 40 {
        return false;
    }
    let cleaned: String = content
        .chars()
        .filter(|&c| c != '*' && c != '_')
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let cleaned = cleaned.trim_end_matches('.');
    EDITORIAL_NOTES.contains(&cleaned)
}

/// The dots starting at `at` (a `.`), allowing one white space character
/// between them (`. . .`): how many, and where they end.
fn dot_run(quoted: &str, at: usize) -> (usize, usize) {
    let bytes = quoted.as_bytes();
    let (mut dots, mut end, mut i) = (0, at, at);
    while i < bytes.len() && bytes[i] == b'.' {
        dots += 1;
        i += 1;
        end = i;
        let Some(c) = quoted[i..].chars().next() else {
            break;
        };
        if c.is_whitespace() && quoted[i + c.len_utf8()..].starts_with('.') {
            i += c.len_utf8();
        }
    }
    (dots, end)
}

/// Reads `quoted` into tokens: text (normalised), bracketed changes inside
/// words, and joins (ellipses, standalone brackets). Notes and emphasis
/// markers leave nothing.
fn tokenize(quoted: &str) -> Result<Vec<Token>, PatternError> {
    fn flush(text: &mut String, tokens: &mut Vec<Token>) {
        if !text.is_empty() {
            tokens.push(Token::Text(std::mem::take(text)));
        }
    }
    let alphanumeric = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut tokens = Vec::new();
    let mut text = String::with_capacity(quoted.len());
    let mut at = 0;
    while let Some(c) = quoted[at..].chars().next() {
        let next = at + c.len_utf8();
        let before = quoted[..at].chars().next_back();
        match c {
            '[' => {
                let close = next + quoted[next..].find(']').ok_or_else(|| unclosed(at))?;
                let content = &quoted[next..close];
                let after = quoted[close + 1..].chars().next();
                if is_ellipsis_text(content) {
                    flush(&mut text, &mut tokens);
                    tokens.push(Token::Join(Join::Ellipsis));
                } else if is_note(content) {
                    // Stands for nothing in the source.
                } else if alphanumeric(before) || alphanumeric(after) {
                    flush(&mut text, &mut tokens);
                    tokens.push(Token::Slot(normalized_str(content)));
                } else {
                    flush(&mut text, &mut tokens);
                    tokens.push(Token::Join(Join::Gap(Gap {
                        words: BRACKET_WORDS,
                        space_before: before.is_none_or(char::is_whitespace),
                        space_after: after.is_none_or(char::is_whitespace),
                    })));
                }
                at = close + 1;
            }
            '…' => {
                flush(&mut text, &mut tokens);
                tokens.push(Token::Join(Join::Ellipsis));
                at = next;
            }
            '.' => {
                let (dots, end) = dot_run(quoted, at);
                if dots >= 3 {
                    flush(&mut text, &mut tokens);
                    tokens.push(Token::Join(Join::Ellipsis));
                    at = end;
                } else {
                    text.push('.');
                    at = next;
                }
            }
            '*' | '_' => {
                let end = at + quoted[at..].bytes().take_while(|&b| b == c as u8).count();
                let after = quoted[end..].chars().next();
                let touches = |x: Option<char>| x.is_some_and(|x| !x.is_whitespace());
                // Markdown: `*` marks emphasis anywhere next to a word,
                // `_` only at a word's edge (`snake_case` is a word).
                let emphasis = if alphanumeric(before) && alphanumeric(after) {
                    c == '*'
                } else {
                    touches(before) || touches(after)
                };
                if !emphasis {
                    text.push_str(&quoted[at..end]);
                }
                at = end;
            }
            c => {
                push_normalized(&mut text, c);
                at = next;
            }
        }
    }
    flush(&mut text, &mut tokens);
    Ok(tokens)
}

/// Trims white space from both ends of a piece and, before an ellipsis or
/// at the end of the quotation, the punctuation there (which may differ
/// in the source).
fn trim_piece(atoms: &mut Vec<Atom>, drop_punctuation: bool) {
    while let Some(Atom::Lit(s)) = atoms.first_mut() {
        let trimmed = s.trim_start_matches(' ');
        if trimmed.is_empty() {
            atoms.remove(0);
        } else {
            *s = trimmed.to_string();
            break;
        }
    }
    let dropped = |c: char| c == ' ' || (drop_punctuation && ".,;:!?".contains(c));
    while let Some(Atom::Lit(s)) = atoms.last_mut() {
        let trimmed = s.trim_end_matches(dropped);
        if trimmed.is_empty() {
            atoms.pop();
        } else {
            s.truncate(trimmed.len());
            break;
        }
    }
}

/// The forms a first letter may take in the source.
fn letter_forms(c: char) -> Vec<String> {
    let mut forms = vec![c.to_string()];
    for form in [
        c.to_lowercase().collect::<String>(),
        c.to_uppercase().collect(),
    ] {
        if !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

/// Lets the first letter of the quotation take either case: in the first
/// word, after any opening punctuation.
fn loosen_first_letter(atoms: &mut Vec<Atom>) {
    let Some(Atom::Lit(s)) = atoms.first() else {
        return;
    };
    let Some((i, c)) = s
        .char_indices()
        .find(|&(_, c)| c.is_alphanumeric() || c == ' ')
    else {
        return;
    };
    if c == ' ' || letter_forms(c).len() == 1 {
        return;
    }
    let (before, rest) = (s[..i].to_string(), s[i + c.len_utf8()..].to_string());
    let mut replaced = Vec::with_capacity(3);
    if !before.is_empty() {
        replaced.push(Atom::Lit(before));
    }
    replaced.push(Atom::OneOf(letter_forms(c)));
    if !rest.is_empty() {
        replaced.push(Atom::Lit(rest));
    }
    atoms.splice(0..1, replaced);
}

impl Run {
    fn new(pieces: Vec<Piece>, gaps: Vec<Gap>) -> Run {
        let mut anchors = vec![String::new()];
        let mut covered = 0;
        for atom in &pieces[0].atoms {
            match atom {
                Atom::Lit(s) => anchors.iter_mut().for_each(|a| a.push_str(s)),
                Atom::OneOf(forms) => {
                    anchors = anchors
                        .iter()
                        .flat_map(|a| forms.iter().map(move |f| format!("{a}{f}")))
                        .collect();
                }
                Atom::Slot { .. } => break,
            }
            covered += 1;
        }
        if anchors.iter().any(String::is_empty) {
            anchors.clear();
        }
        let simple = pieces.len() == 1 && covered == pieces[0].atoms.len() && !anchors.is_empty();
        Run {
            pieces,
            gaps,
            anchors,
            simple,
        }
    }
}

impl Pattern {
    /// Reads `quoted` (the words between the quotation marks).
    ///
    /// Fails on an unclosed `[` (the rest of the quotation cannot be read
    /// reliably) and on a quotation that quotes no words once its marks
    /// are removed (`"..."`, `"[sic]"`): it would match anywhere.
    pub fn parse(quoted: &str) -> Result<Pattern, PatternError> {
        let tokens = tokenize(quoted)?;
        // Pieces, each with the join before it (none for the first).
        let mut pieces: Vec<(Option<Join>, Vec<Atom>)> = Vec::new();
        let mut pending: Option<Join> = None;
        let mut atoms: Vec<Atom> = Vec::new();
        // Ends the piece being read, if it quotes anything; `drop`: the
        // punctuation at its end may differ in the source.
        let mut finish = |atoms: &mut Vec<Atom>, pending: &mut Option<Join>, drop: bool| {
            trim_piece(atoms, drop);
            if !atoms.is_empty() {
                let join = pending.take().filter(|_| !pieces.is_empty());
                pieces.push((join, std::mem::take(atoms)));
            }
        };
        for token in tokens {
            match token {
                Token::Text(s) => match atoms.last_mut() {
                    Some(Atom::Lit(last)) => last.push_str(&s),
                    _ => atoms.push(Atom::Lit(s)),
                },
                Token::Slot(text) => {
                    let covered = text.chars().all(char::is_alphanumeric)
                        && text.chars().count() <= SLOT_CHARS;
                    atoms.push(Atom::Slot {
                        any_case: !covered,
                        text,
                    });
                }
                Token::Join(join) => {
                    finish(&mut atoms, &mut pending, matches!(join, Join::Ellipsis));
                    pending = Some(pending.map_or(join, |before| before.merge(join)));
                }
            }
        }
        finish(&mut atoms, &mut pending, true);
        if pieces.is_empty() {
            return Err(PatternError {
                span: 0..quoted.len(),
                message: "empty quotation".into(),
                help: "put the quoted words between the quotation marks: an ellipsis or a bracketed note alone quotes nothing".into(),
            });
        }
        loosen_first_letter(&mut pieces[0].1);
        let mut words = String::new();
        let mut len = 0;
        for (_, atoms) in &pieces {
            if !words.is_empty() {
                words.push(' ');
            }
            for atom in atoms {
                let text = match atom {
                    Atom::Lit(s) | Atom::Slot { text: s, .. } => s.as_str(),
                    Atom::OneOf(forms) => forms[0].as_str(),
                };
                words.push_str(text);
                len += text.len();
            }
        }
        let elided = pieces
            .iter()
            .any(|(join, _)| matches!(join, Some(Join::Ellipsis)));
        let mut runs = Vec::new();
        let mut run_pieces = Vec::new();
        let mut gaps = Vec::new();
        for (join, atoms) in pieces {
            match join {
                Some(Join::Gap(gap)) => gaps.push(gap),
                Some(Join::Ellipsis) => {
                    runs.push(Run::new(
                        std::mem::take(&mut run_pieces),
                        std::mem::take(&mut gaps),
                    ));
                }
                None => {}
            }
            run_pieces.push(Piece { atoms });
        }
        runs.push(Run::new(run_pieces, gaps));
        Ok(Pattern {
            runs,
            words,
            elided,
            len,
        })
    }

    /// Up to `limit` places where the quotation stands in `paragraph`, in
    /// order of their first piece's start. Two matches with the same start of
    /// the first piece count once (take the earliest/shortest completion).
    ///
    /// Pieces after an ellipsis are placed greedily, each at the earliest
    /// place after the one before: a later place could only leave less
    /// room for the rest. Pieces joined by brackets are searched together,
    /// keeping at most 16 ways to place them in play at once (a real
    /// quotation keeps one or two).
    ///
    /// The work is bounded: at most eight units per byte of paragraph and
    /// quotation, plus a fixed floor. Ordinary quotations use a small
    /// fraction of it; a hostile quotation that would need more returns
    /// what it found by then (so it may be reported as not found).
    pub fn find_in(&self, paragraph: &Normalized, limit: usize) -> Vec<Match> {
        self.search(paragraph, limit).0
    }

    /// The work [`Pattern::find_in`] does, for tests that check it is bounded.
    #[doc(hidden)]
    pub fn find_work(&self, paragraph: &Normalized, limit: usize) -> usize {
        self.search(paragraph, limit).1
    }

    /// The quotation's own words without editorial marks, pieces joined by
    /// one space (for the closest-passage search and for word diffs).
    pub fn words(&self) -> &str {
        &self.words
    }

    /// Whether the quotation omits words (has an inner ellipsis): a match
    /// then has several pieces, and a reader may want to see what was cut.
    pub fn is_elided(&self) -> bool {
        self.elided
    }

    fn search(&self, paragraph: &Normalized, limit: usize) -> (Vec<Match>, usize) {
        let text = paragraph.text.as_str();
        let mut search = Search::new(self, text);
        let mut found = Vec::new();
        let mut from = 0;
        // dead[r]: runs r.. cannot be completed from there on.
        let mut dead = vec![usize::MAX; self.runs.len()];
        let mut pieces = Vec::new();
        let mut asked = Vec::new();
        while found.len() < limit && from < text.len() {
            pieces.clear();
            asked.clear();
            let Some((start, mut end)) = search.find_run_from(0, from, &mut pieces) else {
                break;
            };
            from = next_char(text, start);
            let mut complete = true;
            for run in 1..self.runs.len() {
                if end >= dead[run] {
                    complete = false;
                    break;
                }
                asked.push((run, end));
                match search.query(run, end, &mut pieces) {
                    Some(e) => end = e,
                    None => {
                        // What cannot be completed from `end` cannot be
                        // from further on either.
                        for &(run, from) in &asked {
                            dead[run] = dead[run].min(from);
                        }
                        complete = false;
                        break;
                    }
                }
            }
            if search.exhausted() {
                break;
            }
            // Every later place ends after `from`: if what follows cannot
            // be completed from there, nothing more is found.
            if !complete && dead.get(1).is_some_and(|&d| d <= from + 1) {
                break;
            }
            if complete {
                found.push(Match {
                    pieces: pieces
                        .iter()
                        .map(|r| paragraph.original_range(r.clone()))
                        .collect(),
                });
            }
        }
        (found, search.work)
    }
}

/// Where the character after the one at `at` starts.
fn next_char(text: &str, at: usize) -> usize {
    match text.as_bytes().get(at) {
        Some(b) if !b.is_ascii() => at + text[at..].chars().next().map_or(1, char::len_utf8),
        _ => at + 1,
    }
}

/// Whether a piece may start or end at `at`: not between two letters or
/// digits.
fn boundary(text: &str, at: usize) -> bool {
    !(alphanumeric_before(text, at) && alphanumeric_at(text, at))
}

/// Whether the character before `at` is a letter or digit (ASCII first:
/// this is asked at every place a piece might start or end).
fn alphanumeric_before(text: &str, at: usize) -> bool {
    match text.as_bytes()[..at].last() {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric),
    }
}

/// Whether the character at `at` is a letter or digit.
fn alphanumeric_at(text: &str, at: usize) -> bool {
    match text.as_bytes().get(at) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text[at..].chars().next().is_some_and(char::is_alphanumeric),
    }
}

/// Where `pattern` ends if it stands at `at` in `text`, letter case aside.
fn match_any_case(text: &str, at: usize, pattern: &str) -> Option<usize> {
    let mut source = text[at..].char_indices();
    for p in pattern.chars() {
        let (_, s) = source.next()?;
        if s != p && !s.to_lowercase().eq(p.to_lowercase()) {
            return None;
        }
    }
    Some(source.next().map_or(text.len(), |(i, _)| at + i))
}

/// The earliest place `memmem` found an anchor at or after `from`.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    from: usize,
    found: Option<usize>,
}

/// The last answer about a run: its earliest place at or after `from`.
struct Answer {
    from: usize,
    /// The start, the end, and the pieces (none kept for a simple run:
    /// its one piece is start..end).
    found: Option<(usize, usize, Vec<Range<usize>>)>,
}

/// One search of a pattern in a paragraph, with what it has learnt.
struct Search<'p> {
    pattern: &'p Pattern,
    text: &'p str,
    finders: Vec<Vec<memchr::memmem::Finder<'p>>>,
    cursors: Vec<Vec<Cursor>>,
    answers: Vec<Option<Answer>>,
    work: usize,
    budget: usize,
}

/// Positions in play, each with where it came from.
type Active = Vec<(usize, usize)>;

/// Keeps the earliest place of each position, at most [`MAX_ACTIVE`].
fn keep_earliest(active: &mut Active) {
    active.sort_by_key(|&(pos, _)| pos);
    active.dedup_by_key(|&mut (pos, _)| pos);
    active.truncate(MAX_ACTIVE);
}

impl<'p> Search<'p> {
    fn new(pattern: &'p Pattern, text: &'p str) -> Search<'p> {
        let finders: Vec<Vec<memchr::memmem::Finder<'p>>> = pattern
            .runs
            .iter()
            .map(|run| {
                run.anchors
                    .iter()
                    .map(|a| memchr::memmem::Finder::new(a.as_bytes()))
                    .collect()
            })
            .collect();
        let cursors = pattern
            .runs
            .iter()
            .map(|run| {
                vec![
                    Cursor {
                        from: usize::MAX,
                        found: None
                    };
                    run.anchors.len()
                ]
            })
            .collect();
        Search {
            pattern,
            text,
            finders,
            cursors,
            answers: pattern.runs.iter().map(|_| None).collect(),
            work: 0,
            budget: WORK_PER_BYTE
                .saturating_mul(text.len().saturating_add(pattern.len))
                .saturating_add(WORK_FLOOR),
        }
    }

    fn spend(&mut self, units: usize) {
        self.work = self.work.saturating_add(units);
    }

    fn exhausted(&self) -> bool {
        self.work > self.budget
    }

    /// Run `run`'s earliest place at or after `from`, remembered: the
    /// greedy completion asks again and again, mostly from further on.
    /// Its pieces are appended to `pieces`; returns where it ends.
    fn query(&mut self, run: usize, from: usize, pieces: &mut Vec<Range<usize>>) -> Option<usize> {
        self.spend(1);
        let simple = self.pattern.runs[run].simple;
        if let Some(answer) = &self.answers[run] {
            if answer.from <= from {
                match &answer.found {
                    None => return None,
                    Some((start, end, kept)) if *start >= from => {
                        if simple {
                            pieces.push(*start..*end);
                        } else {
                            pieces.extend_from_slice(kept);
                        }
                        return Some(*end);
                    }
                    Some(_) => {}
                }
            }
        }
        let before = pieces.len();
        let found = self.find_run_from(run, from, pieces);
        let kept = if simple {
            Vec::new()
        } else {
            pieces[before..].to_vec()
        };
        self.answers[run] = Some(Answer {
            from,
            found: found.map(|(start, end)| (start, end, kept)),
        });
        found.map(|(_, end)| end)
    }

    /// The earliest place at or after `from` where run `run` may start.
    fn next_candidate(&mut self, run: usize, from: usize) -> Option<usize> {
        let text = self.text;
        if from >= text.len() {
            return None;
        }
        if self.pattern.runs[run].anchors.is_empty() {
            let mut at = from;
            while at < text.len() {
                self.spend(1);
                if boundary(text, at) {
                    return Some(at);
                }
                at = next_char(text, at);
            }
            return None;
        }
        let mut best: Option<usize> = None;
        for v in 0..self.cursors[run].len() {
            let cursor = self.cursors[run][v];
            let found = if cursor.from <= from && cursor.found.is_none_or(|f| f >= from) {
                cursor.found
            } else {
                let found = self.finders[run][v]
                    .find(&text.as_bytes()[from..])
                    .map(|i| i + from);
                let anchor = self.pattern.runs[run].anchors[v].len();
                self.spend(found.unwrap_or(text.len()) - from + anchor);
                self.cursors[run][v] = Cursor { from, found };
                found
            };
            best = match (best, found) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        best
    }

    /// Run `run`'s earliest start at or after `from` (with its earliest
    /// end there): the start, the pieces, the end.
    fn find_run_from(
        &mut self,
        run: usize,
        mut from: usize,
        pieces: &mut Vec<Range<usize>>,
    ) -> Option<(usize, usize)> {
        loop {
            if self.exhausted() {
                return None;
            }
            let start = self.next_candidate(run, from)?;
            if let Some(end) = self.run_at(run, start, pieces) {
                return Some((start, end));
            }
            from = next_char(self.text, start);
        }
    }

    /// Whether run `run` stands at `start`: if so, appends its pieces to
    /// `pieces` and returns where it ends (the earliest end).
    fn run_at(
        &mut self,
        run: usize,
        start: usize,
        pieces: &mut Vec<Range<usize>>,
    ) -> Option<usize> {
        let text = self.text;
        let pattern = self.pattern;
        let run = &pattern.runs[run];
        self.spend(1);
        if !boundary(text, start) {
            return None;
        }
        if run.simple {
            for anchor in &run.anchors {
                self.spend(anchor.len());
                let end = start + anchor.len();
                if text[start..].starts_with(anchor.as_str()) && boundary(text, end) {
                    pieces.push(start..end);
                    return Some(end);
                }
            }
            return None;
        }
        // For each piece, where it may start (with the index of the end of
        // the piece before) and end (with the index of its start).
        let mut layers: Vec<(Active, Active)> = Vec::with_capacity(run.pieces.len());
        for (k, piece) in run.pieces.iter().enumerate() {
            let starts: Active = match layers.last() {
                None => vec![(start, usize::MAX)],
                Some((_, ends)) => {
                    let mut starts = Vec::new();
                    let mut scanned = 0;
                    for (i, &(end, _)) in ends.iter().enumerate() {
                        scanned += gap_ends(text, end, run.gaps[k - 1], |q| {
                            if may_continue(text, q, piece.atoms.first()) {
                                starts.push((q, i));
                            }
                        });
                    }
                    self.spend(scanned + starts.len());
                    keep_earliest(&mut starts);
                    starts
                }
            };
            let mut active: Active = starts
                .iter()
                .enumerate()
                .map(|(i, &(pos, _))| (pos, i))
                .collect();
            for (i, atom) in piece.atoms.iter().enumerate() {
                if active.is_empty() || self.exhausted() {
                    return None;
                }
                let mut next = Vec::with_capacity(active.len());
                let mut compared = 0;
                let following = piece.atoms.get(i + 1);
                for &(pos, origin) in &active {
                    compared += step(text, atom, pos, |q| {
                        if may_continue(text, q, following) {
                            next.push((q, origin));
                        }
                    });
                }
                self.spend(compared + next.len());
                keep_earliest(&mut next);
                active = next;
            }
            active.retain(|&(pos, origin)| pos > starts[origin].0 && boundary(text, pos));
            if active.is_empty() {
                return None;
            }
            layers.push((starts, active));
        }
        // Back from the earliest end of the last piece.
        let first = pieces.len();
        pieces.resize(first + layers.len(), 0..0);
        let mut end_index = 0;
        for (k, (starts, ends)) in layers.iter().enumerate().rev() {
            let (end, origin) = ends[end_index];
            let (start, before) = starts[origin];
            pieces[first + k] = start..end;
            end_index = before;
        }
        pieces.last().map(|p| p.end)
    }
}

/// Whether what follows in a piece, `following` (the end of the piece if
/// none), may start at `at`: a cheap look ahead, so that the places kept
/// in play are places that may lead somewhere (a bracketed change offers
/// 21 places, of which one or two fit what follows).
fn may_continue(text: &str, at: usize, following: Option<&Atom>) -> bool {
    match following {
        None => boundary(text, at),
        Some(Atom::Lit(s)) => text[at..].starts_with(s.as_str()),
        Some(Atom::OneOf(forms)) => forms.iter().any(|f| text[at..].starts_with(f.as_str())),
        Some(Atom::Slot { .. }) => true,
    }
}

/// Where `atom` may end if it starts at `at`, given to `out`; returns the
/// bytes compared.
fn step(text: &str, atom: &Atom, at: usize, mut out: impl FnMut(usize)) -> usize {
    match atom {
        Atom::Lit(s) => {
            if text[at..].starts_with(s.as_str()) {
                out(at + s.len());
            }
            s.len()
        }
        Atom::OneOf(forms) => {
            for form in forms {
                if text[at..].starts_with(form.as_str()) {
                    out(at + form.len());
                }
            }
            forms.len()
        }
        Atom::Slot {
            text: bracketed,
            any_case,
        } => {
            let mut q = at;
            out(q);
            let mut compared = 1;
            for c in text[at..].chars().take(SLOT_CHARS) {
                if !c.is_alphanumeric() {
                    break;
                }
                q += c.len_utf8();
                out(q);
                compared += 1;
            }
            if *any_case {
                if let Some(q) = match_any_case(text, at, bracketed) {
                    out(q);
                }
                compared += bracketed.len();
            }
            compared
        }
    }
}

/// Where the piece after a standalone bracket may start, if the piece
/// before ends at `end`, given to `out`; returns the bytes scanned. The
/// bracket stands for at most `gap.words` words, with white space where
/// the quotation has it around the bracket.
fn gap_ends(text: &str, end: usize, gap: Gap, mut out: impl FnMut(usize)) -> usize {
    let bytes = text.as_bytes();
    let mut words = 0;
    let mut q = end;
    let mut scanned = 0;
    loop {
        let fits = if q == end {
            !(gap.space_before && gap.space_after)
        } else {
            (bytes[end] == b' ') == gap.space_before && (bytes[q - 1] == b' ') == gap.space_after
        };
        if fits && q < text.len() && bytes[q] != b' ' && boundary(text, q) {
            out(q);
        }
        let Some(&b) = bytes.get(q) else {
            break;
        };
        if b != b' ' && (q == end || bytes[q - 1] == b' ') {
            words += 1;
            if words > gap.words {
                break;
            }
        }
        q = next_char(text, q);
        scanned += 1;
    }
    scanned
}

/// How many words of a passage and of a quotation [`word_difference`]
/// compares.
const DIFFERENCE_WORDS: usize = 64;

/// How many differences [`word_difference`] names.
const DIFFERENCES: usize = 3;

/// How many characters of a run of words a difference shows.
const DIFFERENCE_CHARS: usize = 40;

/// What differs, word by word, between a source passage and a quotation
/// that was not found ("the source has `reopened` where the note has
/// `closed`"; "the note adds `x`"; "the note leaves out `y`"), at most 3
/// differences, each word run cut to ~40 chars; None if they do not differ
/// by words (e.g. only case/dash differences). Bounded work (compare at most
/// the first ~64 words of each; an LCS on words is fine within that bound).
///
/// Words are compared after the normalisation of [`Normalized`], in any
/// case and with every dash alike (a case or dash difference has a hint of
/// its own), and without the punctuation after the last word (which a
/// quotation may drop).
pub fn word_difference(passage: &str, quoted: &str) -> Option<String> {
    let passage = Normalized::new(passage);
    let quoted = Normalized::new(quoted);
    let words = |text: &'_ str| -> Vec<String> {
        text.split(' ')
            .filter(|w| !w.is_empty())
            .take(DIFFERENCE_WORDS)
            .map(str::to_string)
            .collect()
    };
    let (mut source, mut note) = (words(&passage.text), words(&quoted.text));
    // The closing punctuation of either is no difference worth showing.
    for last in [source.last_mut(), note.last_mut()].into_iter().flatten() {
        let kept = last.trim_end_matches(|c| ".,;:!?".contains(c)).len();
        if kept > 0 {
            last.truncate(kept);
        }
    }
    // Closing punctuation is trimmed above; case and dashes are left to
    // the near-miss hint.
    let keys = |words: &[String]| -> Vec<String> { words.iter().map(|w| loosen(w)).collect() };
    let (a, b) = (keys(&source), keys(&note));
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u16; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut differences: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    let mut open = false;
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            open = false;
            i += 1;
            j += 1;
            continue;
        }
        if !open {
            differences.push((Vec::new(), Vec::new()));
            open = true;
        }
        let Some(last) = differences.last_mut() else {
            break;
        };
        if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            last.0.push(&source[i]);
            i += 1;
        } else {
            last.1.push(&note[j]);
            j += 1;
        }
    }
    let cut = |words: &[&str]| -> String {
        let run = words.join(" ");
        if run.chars().count() <= DIFFERENCE_CHARS {
            run
        } else {
            let mut cut: String = run.chars().take(DIFFERENCE_CHARS - 1).collect();
            cut.push('…');
            cut
        }
    };
    let phrases: Vec<String> = differences
        .iter()
        .take(DIFFERENCES)
        .map(
            |(source, note)| match (source.is_empty(), note.is_empty()) {
                (false, false) => format!(
                    "the source has `{}` where the note has `{}`",
                    cut(source),
                    cut(note)
                ),
                (true, _) => format!("the note adds `{}`", cut(note)),
                (false, true) => format!("the note leaves out `{}`", cut(source)),
            },
        )
        .collect();
    (!phrases.is_empty()).then(|| phrases.join("; "))
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

    // ---- Editorial conventions ----

    /// The texts of the pieces of every place `quoted` stands in `paragraph`.
    fn places(quoted: &str, paragraph: &str) -> Vec<Vec<String>> {
        let pattern = Pattern::parse(quoted).unwrap_or_else(|e| panic!("{quoted}: {e}"));
        pattern
            .find_in(&Normalized::new(paragraph), 100)
            .into_iter()
            .map(|m| {
                m.pieces
                    .into_iter()
                    .map(|r| paragraph[r].to_string())
                    .collect()
            })
            .collect()
    }

    /// The pieces of the first place `quoted` stands in `paragraph`, if any.
    fn first(quoted: &str, paragraph: &str) -> Option<Vec<String>> {
        places(quoted, paragraph).into_iter().next()
    }

    const HARBOUR: &str = "The harbour authority reopened the northern pier on Monday.";

    #[test]
    fn editorial_conventions_table() {
        // (quotation, paragraph, the pieces found, or none)
        let cases: &[(&str, &str, Option<&[&str]>)] = &[
            // Changed letters in brackets.
            (
                "[t]he harbour authority reopened",
                HARBOUR,
                Some(&["The harbour authority reopened"]),
            ),
            ("[T]he northern pier", HARBOUR, Some(&["the northern pier"])),
            (
                "[t]he harbour authority reopen[s]",
                HARBOUR,
                Some(&["The harbour authority reopened"]),
            ),
            (
                "govern[s] the port",
                "It governs the port.",
                Some(&["governs the port"]),
            ),
            (
                "govern[s] the port",
                "They govern the port.",
                Some(&["govern the port"]),
            ),
            // A changed part of a word stands for up to 20 letters: the
            // brackets say the word was altered (documented choice).
            (
                "run[s] the port",
                "It is running the port.",
                Some(&["running the port"]),
            ),
            ("[x]reopened the", HARBOUR, Some(&["reopened the"])),
            (
                "govern[s] the port",
                "Its governmentalities the port.",
                Some(&["governmentalities the port"]),
            ),
            (
                "govern[s] the port",
                "Its governmentalitiesxxxxxxxxxx the port.",
                None,
            ),
            ("reopened [t]he pier", HARBOUR, None),
            // Ellipses.
            (
                "the harbour authority ... the northern pier",
                HARBOUR,
                Some(&["The harbour authority", "the northern pier"]),
            ),
            (
                "the harbour authority … northern pier",
                HARBOUR,
                Some(&["The harbour authority", "northern pier"]),
            ),
            (
                "the harbour authority […] northern pier",
                HARBOUR,
                Some(&["The harbour authority", "northern pier"]),
            ),
            (
                "the harbour authority [...] northern pier",
                HARBOUR,
                Some(&["The harbour authority", "northern pier"]),
            ),
            (
                "the harbour authority . . . northern pier",
                HARBOUR,
                Some(&["The harbour authority", "northern pier"]),
            ),
            (
                "harbour authority...pier",
                HARBOUR,
                Some(&["harbour authority", "pier"]),
            ),
            (
                "the harbour authority,... northern pier",
                HARBOUR,
                Some(&["The harbour authority", "northern pier"]),
            ),
            (
                "reopened the northern pier.... Ships",
                "It reopened the northern pier. Later, Ships came.",
                Some(&["reopened the northern pier", "Ships"]),
            ),
            (
                "... the northern pier",
                HARBOUR,
                Some(&["the northern pier"]),
            ),
            (
                "[...] the northern pier on Monday ...",
                HARBOUR,
                Some(&["the northern pier on Monday"]),
            ),
            ("the northern pier ... the harbour authority", HARBOUR, None),
            ("pier ... pier", "the pier", None),
            (
                "pier ... pier",
                "the pier and the pier",
                Some(&["pier", "pier"]),
            ),
            ("the harbour ... Tuesday", HARBOUR, None),
            // Closing punctuation may differ or be absent.
            (
                "reopened the northern pier on Monday",
                HARBOUR,
                Some(&["reopened the northern pier on Monday"]),
            ),
            (
                "reopened the northern pier on Monday,",
                HARBOUR,
                Some(&["reopened the northern pier on Monday"]),
            ),
            (
                "reopened the northern pier on Monday.",
                HARBOUR,
                Some(&["reopened the northern pier on Monday"]),
            ),
            (
                "reopened the northern pier.",
                HARBOUR,
                Some(&["reopened the northern pier"]),
            ),
            (
                "reopened the northern pier!?",
                HARBOUR,
                Some(&["reopened the northern pier"]),
            ),
            // ... but only at the end.
            ("reopened, the northern pier", HARBOUR, None),
            // Case: the first letter only.
            (
                "the harbour authority",
                HARBOUR,
                Some(&["The harbour authority"]),
            ),
            ("Reopened the", HARBOUR, Some(&["reopened the"])),
            (
                "\"Peace\" is near",
                "\u{201C}peace\u{201D} is near",
                Some(&["\u{201C}peace\u{201D} is near"]),
            ),
            ("The Harbour authority", HARBOUR, None),
            ("the harbour authority ... The northern pier", HARBOUR, None),
            // Word boundaries.
            (
                "a shift from total dead",
                "It marked a shift from total deadlock.",
                None,
            ),
            (
                "ally at war since 19",
                "Israel and Syria have been officially at war since 1948.",
                None,
            ),
            (
                "officially at war since 1948",
                "Israel and Syria have been officially at war since 1948.",
                Some(&["officially at war since 1948"]),
            ),
            ("war (1948)", "at war (1948).", Some(&["war (1948)"])),
            ("harbour ... north", HARBOUR, None),
            // Notes in brackets stand for nothing.
            (
                "the harbour authorty [sic] reopened",
                "the harbour authorty reopened it",
                Some(&["the harbour authorty reopened"]),
            ),
            (
                "the harbour authorty [SIC] reopened",
                "the harbour authorty reopened it",
                Some(&["the harbour authorty reopened"]),
            ),
            (
                "authority *reopened* [emphasis added] the",
                HARBOUR,
                Some(&["authority reopened the"]),
            ),
            (
                "authority reopened [Emphasis mine] the",
                HARBOUR,
                Some(&["authority reopened the"]),
            ),
            (
                "authority reopened the pier [citation omitted]",
                "authority reopened the pier (Smith 2001).",
                Some(&["authority reopened the pier"]),
            ),
            // Standalone brackets replace a few words.
            (
                "under [the GPL] the code may be copied",
                "under the General Public License the code may be copied",
                Some(&["under", "the code may be copied"]),
            ),
            (
                "under [it] the code may be copied",
                "under the code may be copied",
                Some(&["under", "the code may be copied"]),
            ),
            (
                "under [the GPL] the code",
                "under one two three four five six seven the code",
                None,
            ),
            (
                "[The authority] reopened the northern pier",
                HARBOUR,
                Some(&["reopened the northern pier"]),
            ),
            (
                "authority reopened [it] on Monday",
                HARBOUR,
                Some(&["authority reopened", "on Monday"]),
            ),
            ("the [Israeli] army", "the army", Some(&["the", "army"])),
            (
                "under [the GPL], the code",
                "under the licence, the code",
                Some(&["under", ", the code"]),
            ),
            (
                "the [Israeli]'s army",
                "the country's army",
                Some(&["the", "'s army"]),
            ),
            (
                "licensed ([the GPL]) to",
                "licensed (GPLv3) to all",
                Some(&["licensed (", ") to"]),
            ),
            (
                "licensed ([the GPL]) to",
                "licensed () to all",
                Some(&["licensed (", ") to"]),
            ),
            (
                "they recieve[sic] it",
                "they recieve it",
                Some(&["they recieve it"]),
            ),
            (
                "the judgment[] of",
                "the judgments of",
                Some(&["the judgments of"]),
            ),
            ("[...] the Northern pier", HARBOUR, None),
            // Emphasis markers.
            (
                "authority *reopened* the",
                HARBOUR,
                Some(&["authority reopened the"]),
            ),
            (
                "authority **reopened** the",
                HARBOUR,
                Some(&["authority reopened the"]),
            ),
            (
                "authority _reopened_ the",
                HARBOUR,
                Some(&["authority reopened the"]),
            ),
            (
                "the snake_case name",
                "the snake_case name",
                Some(&["the snake_case name"]),
            ),
            ("the snake_case name", "the snakecase name", None),
            // Everything else is strict: words, numbers, dashes.
            ("the harbour authority closed", HARBOUR, None),
            ("guy\u{2014}a quality", "guy\u{2013}a quality", None),
            ("guy-a quality", "guy\u{2014}a quality", None),
            (
                "al-Sharaa said",
                "al\u{2011}Sharaa said",
                Some(&["al\u{2011}Sharaa said"]),
            ),
            ("at war since 1949", "officially at war since 1948", None),
            (
                "Syria\u{2019}s \u{201C}chaos\u{201D}",
                "in Syria's \"chaos\" now",
                Some(&["Syria's \"chaos\""]),
            ),
            (
                "the  harbour\nauthority",
                "The harbour   authority",
                Some(&["The harbour   authority"]),
            ),
        ];
        for (quoted, paragraph, expected) in cases {
            let got = first(quoted, paragraph);
            let expected = expected.map(|e| e.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(got, expected, "{quoted:?} in {paragraph:?}");
        }
    }

    #[test]
    fn pattern_errors() {
        for quoted in [
            "...",
            "…",
            "[sic]",
            "[...]",
            "  ",
            "",
            ". . . [sic] …",
            "[emphasis added].",
        ] {
            let e = Pattern::parse(quoted).unwrap_err();
            assert_eq!(e.message, "empty quotation", "{quoted:?}");
            assert_eq!(e.span, 0..quoted.len());
        }
        let e = Pattern::parse("the [harbour authority").unwrap_err();
        assert_eq!(e.span, 4..5);
        assert!(e.message.contains("never closed"), "{}", e.message);
        assert!(!e.help.is_empty());
        // A `]` alone is just a character.
        assert!(Pattern::parse("a] b").is_ok());
    }

    #[test]
    fn words_and_elision() {
        let p = Pattern::parse("[t]he *harbour* authority [sic], ... the northern pier.").unwrap();
        assert_eq!(p.words(), "the harbour authority the northern pier");
        assert!(p.is_elided());
        let p = Pattern::parse("... under [the GPL] the code ...").unwrap();
        assert_eq!(p.words(), "under the code");
        assert!(!p.is_elided());
        let p = Pattern::parse("Syria\u{2019}s  \u{201C}chaos\u{201D}").unwrap();
        assert_eq!(p.words(), "Syria\"s \"chaos\"");
    }

    #[test]
    fn every_place_counts_once_per_start() {
        assert_eq!(places("the pier", "the pier and the pier").len(), 2);
        let pattern = Pattern::parse("the pier").unwrap();
        let p = Normalized::new("the pier and the pier");
        assert_eq!(pattern.find_in(&p, 1).len(), 1);
        assert!(pattern.find_in(&p, 0).is_empty());
        // The same first piece with several completions counts once, the
        // earliest completion.
        assert_eq!(
            places("the ... pier", "the pier and the pier"),
            [["the", "pier"], ["the", "pier"]]
        );
        let all = Pattern::parse("the ... pier")
            .unwrap()
            .find_in(&Normalized::new("the pier and the pier"), 10);
        assert_eq!(all[0].pieces, [0..3, 4..8]);
        assert_eq!(all[1].pieces, [13..16, 17..21]);
    }

    #[test]
    fn pieces_map_to_the_original_text() {
        let paragraph = "The\u{00A0}harbour  \u{201C}authority\u{201D}\n reopened the pier.";
        let m = Pattern::parse("the harbour \"authority\" ... the pier")
            .unwrap()
            .find_in(&Normalized::new(paragraph), 10);
        assert_eq!(m.len(), 1);
        let texts: Vec<&str> = m[0].pieces.iter().map(|r| &paragraph[r.clone()]).collect();
        assert_eq!(
            texts,
            ["The\u{00A0}harbour  \u{201C}authority\u{201D}", "the pier"]
        );
    }

    #[test]
    fn word_differences() {
        assert_eq!(
            word_difference(
                "the harbour authority reopened the pier",
                "the harbour authority closed the pier"
            )
            .as_deref(),
            Some("the source has `reopened` where the note has `closed`")
        );
        assert_eq!(
            word_difference("a b c", "a b x c").as_deref(),
            Some("the note adds `x`")
        );
        assert_eq!(
            word_difference("a b c d", "a b d").as_deref(),
            Some("the note leaves out `c`")
        );
        assert_eq!(
            word_difference("one two three four", "one 2 3 four").as_deref(),
            Some("the source has `two three` where the note has `2 3`")
        );
        // Case, dashes, quotation marks, spacing and the closing
        // punctuation are not word differences.
        assert_eq!(word_difference("Golan Heights", "golan heights"), None);
        assert_eq!(word_difference("The pier.", "the pier"), None);
        assert_eq!(word_difference("guy\u{2014}a", "guy-a"), None);
        assert_eq!(
            word_difference("Syria\u{2019}s  chaos", "Syria's chaos"),
            None
        );
        // At most three, each cut short.
        let d = word_difference("a b c d e f g h", "a x c y e z g w").unwrap();
        assert_eq!(d.matches("the source has").count(), 3, "{d}");
        assert_eq!(d.split("; ").count(), 3);
        let long = "x".repeat(100);
        let d = word_difference("a b", &format!("a {long} b")).unwrap();
        assert!(d.len() < 60, "{d}");
        assert!(d.contains('…'));
        // Bounded: long texts are compared by their first words.
        let source = vec!["w"; 100_000].join(" ");
        let note = vec!["v"; 100_000].join(" ");
        assert!(word_difference(&source, &note).is_some());
    }

    /// A work bound that a search must keep: a few units per byte.
    fn work_bound(paragraph: &Normalized, quoted: &str) -> usize {
        WORK_PER_BYTE * (paragraph.text.len() + quoted.len()) + WORK_FLOOR
    }

    #[test]
    fn hostile_quotations_cost_bounded_work() {
        // One search each: what it finds, and the work it did.
        let search = |quoted: &str, paragraph: &Normalized| {
            let pattern = Pattern::parse(quoted).unwrap();
            let (found, work) = pattern.search(paragraph, 100);
            assert!(work <= work_bound(paragraph, quoted) + 1_000, "{work}");
            (found.len(), work)
        };
        let paragraph = Normalized::new(&"a ".repeat(500_000));
        // 10,000 pieces, each found at once: 100 places (of 10,000 pieces
        // each), in about the work of writing them down.
        let (found, work) = search(&"a ... ".repeat(10_000), &paragraph);
        assert_eq!(found, 100);
        assert!(work < 10_000_000, "{work}");
        // The last piece is nowhere: one pass, not one per start.
        let (found, work) = search(&format!("{}b", "a ... ".repeat(10_000)), &paragraph);
        assert_eq!(found, 0);
        assert!(work < 4 * paragraph.text.len(), "{work}");
        // One long unbroken quotation that is not there: memmem's pass.
        let (found, work) = search(&format!("{}b", "a ".repeat(200_000)), &paragraph);
        assert_eq!(found, 0);
        assert!(work < 4 * paragraph.text.len(), "{work}");
        // 100,000 standalone brackets, changes inside words, pieces that
        // start with a change, brackets and ellipses: within the bound
        // (which such a quotation may reach, and then it stops).
        for quoted in [
            "a [x] ".repeat(100_000),
            "a[x]".repeat(100_000),
            "[x]a ".repeat(100_000),
            "a [x] ... ".repeat(50_000),
        ] {
            search(&quoted, &paragraph);
        }
        // A paragraph of one 1 MB word.
        let one_word = Normalized::new(&"a".repeat(1 << 20));
        for quoted in [
            "a[x]".repeat(1_000),
            "a [x] a".to_string(),
            "[x]a".to_string(),
        ] {
            search(&quoted, &one_word);
        }
        // Reading is linear, and these quote nothing or never close.
        assert!(Pattern::parse(&"[".repeat(100_000)).is_err());
        assert!(Pattern::parse(&format!("{}]", "[".repeat(100_000))).is_err());
        assert!(Pattern::parse(&"[x]".repeat(100_000)).is_err());
        assert!(Pattern::parse(&".".repeat(100_000)).is_err());
        assert!(Pattern::parse(&"*_".repeat(100_000)).is_err());
    }

    #[test]
    fn ordinary_quotations_cost_little_work() {
        let paragraph = Normalized::new(&words(5, 20_000));
        let at: Vec<&str> = paragraph.text.split(' ').collect();
        let quoted = format!(
            "{} ... {} [...] {}",
            at[100..110].join(" "),
            at[5_000..5_010].join(" "),
            at[19_000..19_005].join(" ")
        );
        let pattern = Pattern::parse(&quoted).unwrap();
        assert_eq!(pattern.find_in(&paragraph, 100).len(), 1);
        let work = pattern.find_work(&paragraph, 100);
        assert!(work < 4 * paragraph.text.len(), "{work}");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Words with capitals, numbers, punctuation and quotation marks;
        /// never `zzqx`.
        fn word() -> impl Strategy<Value = String> {
            let stem = prop::sample::select(vec![
                "the",
                "harbour",
                "authority",
                "reopened",
                "northern",
                "pier",
                "a",
                "of",
                "war",
                "since",
                "1948",
                "Syria",
                "al-Sharaa",
                "don't",
                "U.S.",
                "état",
                "talks",
            ]);
            let before = prop::sample::select(vec!["", "", "", "\u{201C}", "("]);
            let after =
                prop::sample::select(vec!["", "", "", ",", ".", ";", ":", "\u{201D}", ")", "?"]);
            (before, stem, after, any::<bool>()).prop_map(|(b, s, a, capital)| {
                let mut s = s.to_string();
                if capital {
                    let mut c = s.chars();
                    if let Some(f) = c.next() {
                        s = f.to_uppercase().chain(c).collect();
                    }
                }
                format!("{b}{s}{a}")
            })
        }

        /// A paragraph, and a quotation cut from it: a run of whole words
        /// with inner runs left out. Returns the paragraph, the quotation,
        /// the quoted pieces (as words), and the index of one quoted word.
        fn case() -> impl Strategy<Value = (Vec<String>, String, Vec<Vec<String>>, usize)> {
            (
                prop::collection::vec(word(), 2..60),
                any::<u64>(),
                0usize..3,
                any::<bool>(),
            )
                .prop_map(|(words, seed, marker, flip)| {
                    let mut rng = seed;
                    let mut next = |n: usize| {
                        rng = rng
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        ((rng >> 33) as usize) % n.max(1)
                    };
                    let start = next(words.len());
                    let end = start + 1 + next(words.len() - start);
                    // Pieces: inner runs kept or left out.
                    let mut pieces: Vec<Vec<String>> = vec![vec![]];
                    let mut i = start;
                    while i < end {
                        pieces.last_mut().unwrap().push(words[i].clone());
                        i += 1;
                        if i < end - 1 && next(4) == 0 {
                            i += 1 + next(end - 1 - i);
                            pieces.push(vec![]);
                        }
                    }
                    let markers = ["...", "\u{2026}", "[...]"];
                    let mut quoted = pieces
                        .iter()
                        .map(|p| p.join(" "))
                        .collect::<Vec<_>>()
                        .join(&format!(" {} ", markers[marker]));
                    if flip {
                        let mut c = quoted.chars();
                        if let Some(f) = c.next() {
                            if f.is_lowercase() {
                                quoted = f.to_uppercase().chain(c).collect();
                            }
                        }
                    }
                    let changed = next(end - start);
                    (words, quoted, pieces, changed)
                })
        }

        fn key(text: &str) -> String {
            let text = Normalized::new(text).text;
            let text = text.trim_end_matches(|c| ".,;:!?".contains(c));
            text.chars().map(|c| c.to_lowercase().to_string()).collect()
        }

        fn at_boundary(text: &str, at: usize) -> bool {
            let before = text[..at].chars().next_back();
            let after = text[at..].chars().next();
            !(before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            #[test]
            fn a_quotation_cut_from_a_paragraph_is_found((words, quoted, pieces, _) in case()) {
                let paragraph = words.join(" ");
                let pattern = Pattern::parse(&quoted).unwrap();
                let found = pattern.find_in(&Normalized::new(&paragraph), 100);
                prop_assert!(!found.is_empty(), "{:?} in {:?}", quoted, paragraph);
                for m in &found {
                    prop_assert_eq!(m.pieces.len(), pieces.len());
                    for (k, (range, piece)) in m.pieces.iter().zip(&pieces).enumerate() {
                        prop_assert!(at_boundary(&paragraph, range.start) && at_boundary(&paragraph, range.end));
                        if k > 0 {
                            prop_assert!(m.pieces[k - 1].end <= range.start);
                        }
                        // Modulo normalisation, the first letter's case and
                        // the punctuation dropped before an ellipsis.
                        prop_assert_eq!(key(&paragraph[range.clone()]), key(&piece.join(" ")));
                    }
                }
            }

            #[test]
            fn a_quotation_with_a_changed_word_is_not_found((words, quoted, pieces, changed) in case()) {
                let _ = quoted;
                let mut flat: Vec<Vec<String>> = pieces.clone();
                let mut left = changed % pieces.iter().map(Vec::len).sum::<usize>();
                'outer: for piece in &mut flat {
                    for w in piece.iter_mut() {
                        if left == 0 {
                            *w = "zzqx".to_string();
                            break 'outer;
                        }
                        left -= 1;
                    }
                }
                let quoted = flat.iter().map(|p| p.join(" ")).collect::<Vec<_>>().join(" ... ");
                let paragraph = words.join(" ");
                let pattern = Pattern::parse(&quoted).unwrap();
                prop_assert!(pattern.find_in(&Normalized::new(&paragraph), 100).is_empty(), "{:?}", quoted);
            }
        }
    }
}
