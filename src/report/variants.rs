//! Name variants: spellings in the sources that look like a glossary
//! name or alias but are not listed as one. Every name is indexed by its
//! folded letters, its transliteration key and that key with each letter
//! deleted ([`NameIndex`]), so each phrase of a source is looked up in
//! constant time and the search is linear in the length of the sources.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use super::names::{Token, light_key, tokenize, transliteration_key, word_keys};
use super::{NameVariant, Occurrence};
use crate::glossary::Glossary;
use crate::quote;
use crate::resolve::SourceSet;
use crate::source::Source;

/// Shortest folded name (letters and digits) compared at all: shorter ones
/// ("UN") are too often other words.
const MIN_SPELLING: usize = 4;
/// Shortest transliteration key compared.
const MIN_TRANSLITERATION: usize = 4;
/// Shortest key compared one letter apart: below this, one letter turns
/// too many words into others ("Iran", "Iraq").
const MIN_ONE_LETTER: usize = 6;
/// Longest name, in words, looked for.
const MAX_NAME_WORDS: usize = 6;

/// Words that start sentences and are never names, to keep fuzzy matches
/// quiet. Only capitalised words are compared fuzzily, so only words that
/// open sentences need to be here.
const COMMON_WORDS: &[&str] = &[
    "about",
    "above",
    "according",
    "actually",
    "after",
    "again",
    "against",
    "also",
    "although",
    "among",
    "another",
    "around",
    "asked",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "cannot",
    "could",
    "during",
    "each",
    "either",
    "even",
    "every",
    "first",
    "from",
    "further",
    "given",
    "have",
    "having",
    "here",
    "however",
    "into",
    "last",
    "later",
    "like",
    "many",
    "meanwhile",
    "more",
    "most",
    "much",
    "must",
    "neither",
    "never",
    "next",
    "none",
    "only",
    "other",
    "others",
    "over",
    "previous",
    "said",
    "says",
    "should",
    "since",
    "some",
    "still",
    "such",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "under",
    "until",
    "upon",
    "very",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "whose",
    "will",
    "with",
    "within",
    "without",
    "would",
    "years",
    "yesterday",
    "today",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Every name and alias of the glossary, indexed so that each phrase of a
/// source is looked up in constant time: by folded letters, by
/// transliteration key, and by the keys with one letter deleted (a
/// deletion neighbourhood, so "one letter apart" costs a few lookups, not a
/// comparison with every name).
#[derive(Default)]
struct NameIndex {
    /// Every name and alias, by [`light_key`].
    listed: HashSet<String>,
    folded: HashMap<String, Vec<usize>>,
    transliterated: HashMap<String, Vec<usize>>,
    /// Transliteration keys with one letter deleted.
    deletions: HashMap<String, Vec<usize>>,
    /// Each term's names and aliases as the keys of their words.
    keys: Vec<Vec<Vec<String>>>,
    /// The most words a name has.
    max_words: usize,
}

fn add_term(map: &mut HashMap<String, Vec<usize>>, key: String, term: usize) {
    let terms = map.entry(key).or_default();
    if !terms.contains(&term) {
        terms.push(term);
    }
}

/// `key` with each of its letters deleted in turn.
fn deletions(key: &str) -> impl Iterator<Item = String> + '_ {
    key.char_indices().map(move |(i, c)| {
        let mut shorter = String::with_capacity(key.len());
        shorter.push_str(&key[..i]);
        shorter.push_str(&key[i + c.len_utf8()..]);
        shorter
    })
}

impl NameIndex {
    fn new(glossary: &Glossary) -> NameIndex {
        let mut index = NameIndex {
            keys: vec![Vec::new(); glossary.terms.len()],
            ..NameIndex::default()
        };
        for (term, t) in glossary.terms.iter().enumerate() {
            for name in std::iter::once(&t.name).chain(&t.aliases) {
                let tokens = tokenize(name);
                if tokens.is_empty() {
                    continue;
                }
                index.max_words = index.max_words.max(tokens.len().min(MAX_NAME_WORDS));
                index.listed.insert(light_key(name));
                let folded: String = tokens.iter().map(|t| t.folded.as_str()).collect();
                add_term(&mut index.folded, folded, term);
                let key = transliteration_key(
                    tokens
                        .iter()
                        .filter(|t| !t.article)
                        .map(|t| t.folded.as_str()),
                );
                if key.chars().count() >= MIN_ONE_LETTER {
                    for shorter in deletions(&key) {
                        add_term(&mut index.deletions, shorter, term);
                    }
                }
                if !key.is_empty() {
                    index.keys[term].push(word_keys(&tokens));
                    add_term(&mut index.transliterated, key, term);
                }
            }
        }
        index
    }

    /// The terms a phrase of a source looks like and why, or `None` when
    /// it is a listed name (which stops shorter phrases inside it from
    /// being looked at) or like nothing.
    fn lookup(&self, text: &str, tokens: &[Token]) -> Lookup {
        let folded: String = tokens.iter().map(|t| t.folded.as_str()).collect();
        if let Some(terms) = self.folded.get(&folded) {
            let phrase = &text[tokens[0].range.start..tokens[tokens.len() - 1].range.end];
            if self.listed.contains(&light_key(phrase)) {
                return Lookup::Listed;
            }
            if folded.chars().count() >= MIN_SPELLING {
                return Lookup::Like(terms.clone(), "spelling");
            }
            return Lookup::Nothing;
        }
        // Fuzzy matches only for what looks like a name: a capital after
        // any article, and not a common word opening a sentence.
        let Some(head) = tokens.iter().find(|t| !t.article) else {
            return Lookup::Nothing;
        };
        if !head.capital || (tokens.len() == 1 && COMMON_WORDS.contains(&folded.as_str())) {
            return Lookup::Nothing;
        }
        let key = transliteration_key(
            tokens
                .iter()
                .filter(|t| !t.article)
                .map(|t| t.folded.as_str()),
        );
        let length = key.chars().count();
        if length < MIN_TRANSLITERATION {
            return Lookup::Nothing;
        }
        if let Some(terms) = self.transliterated.get(&key) {
            return Lookup::Like(terms.clone(), "transliteration");
        }
        if length < MIN_ONE_LETTER {
            return Lookup::Nothing;
        }
        let mut found: BTreeSet<usize> = BTreeSet::new();
        // One letter dropped from a name.
        if let Some(terms) = self.deletions.get(&key) {
            found.extend(terms);
        }
        for shorter in deletions(&key) {
            // One letter added to a name.
            if let Some(terms) = self.transliterated.get(&shorter) {
                found.extend(terms);
            }
            // One letter changed (or two swapped).
            if let Some(terms) = self.deletions.get(&shorter) {
                found.extend(terms);
            }
        }
        let words = word_keys(tokens);
        let terms: Vec<usize> = found
            .into_iter()
            .filter(|&term| self.one_letter_apart(&words, term))
            .collect();
        if terms.is_empty() {
            Lookup::Nothing
        } else {
            Lookup::Like(terms, "one-letter")
        }
    }

    /// Whether a name or alias of `term` has the same words as `words`
    /// but one, which is one edit from its counterpart. That word must be
    /// long enough to compare (not "TV" and "to"), and the edit must not be
    /// a letter added or dropped at its end: that is how English inflects
    /// names (Israel, Israeli; Syria, Syrian), and those are other words.
    fn one_letter_apart(&self, words: &[String], term: usize) -> bool {
        let Some(names) = self.keys.get(term) else {
            return false;
        };
        names.iter().any(|name| {
            if name.len() != words.len() {
                return false;
            }
            let mut differing = name.iter().zip(words).filter(|(a, b)| a != b);
            let (Some((a, b)), None) = (differing.next(), differing.next()) else {
                return false;
            };
            a.chars().count().max(b.chars().count()) >= MIN_ONE_LETTER
                && strsim::osa_distance(a, b) == 1
                && !a.starts_with(b.as_str())
                && !b.starts_with(a.as_str())
        })
    }
}

enum Lookup {
    Listed,
    Like(Vec<usize>, &'static str),
    Nothing,
}

/// A variant found in one paragraph.
struct Found {
    term: usize,
    form: String,
    why: &'static str,
    paragraph: usize,
}

/// Looks through every paragraph of every source for phrases that look
/// like a glossary name but are not listed as one. Each phrase of up to
/// as many words as the longest name is looked up in the [`NameIndex`],
/// longest first; the cost is linear in the length of the sources.
pub(super) fn name_variants(glossary: &Glossary, sources: &SourceSet) -> Vec<NameVariant> {
    if glossary.terms.is_empty() {
        return Vec::new();
    }
    let index = NameIndex::new(glossary);
    let found: Vec<Vec<Found>> = sources
        .sources
        .par_iter()
        .map(|source| variants_in(&index, source))
        .collect();
    // (term name, term, form) -> (form as first written, why, occurrences)
    type Entry = (String, &'static str, BTreeSet<(usize, usize)>);
    let mut merged: BTreeMap<(String, usize, String), Entry> = BTreeMap::new();
    for (s, list) in found.into_iter().enumerate() {
        for f in list {
            let term = &glossary.terms[f.term];
            let key = (term.name.to_lowercase(), f.term, light_key(&f.form));
            let entry = merged
                .entry(key)
                .or_insert_with(|| (f.form.clone(), f.why, BTreeSet::new()));
            entry.2.insert((s, f.paragraph));
        }
    }
    merged
        .into_iter()
        .map(|((_, term, _), (form, why, places))| NameVariant {
            form,
            term: glossary.terms[term].id.clone(),
            term_name: glossary.terms[term].name.clone(),
            why: why.to_string(),
            occurrences: places
                .into_iter()
                .map(|(s, p)| Occurrence {
                    source: sources.sources[s].id.clone(),
                    paragraph: p + 1,
                })
                .collect(),
        })
        .collect()
}

fn variants_in(index: &NameIndex, source: &Source) -> Vec<Found> {
    let mut found = Vec::new();
    for (p, paragraph) in source.paragraphs.iter().enumerate() {
        let text = paragraph.text.as_str();
        let tokens = tokenize(text);
        let mut i = 0;
        while i < tokens.len() {
            // The longest phrase starting here that does not cross
            // punctuation and does not end with an article.
            let mut longest = 1;
            while longest < index.max_words
                && i + longest < tokens.len()
                && !tokens[i + longest - 1].break_after
                && !tokens[i + longest].break_before
            {
                longest += 1;
            }
            let mut consumed = 1;
            for n in (1..=longest).rev() {
                let phrase = &tokens[i..i + n];
                if phrase[n - 1].article {
                    continue;
                }
                match index.lookup(text, phrase) {
                    Lookup::Listed => {
                        consumed = n;
                        break;
                    }
                    Lookup::Like(terms, why) => {
                        let form =
                            quote::one_line(&text[phrase[0].range.start..phrase[n - 1].range.end]);
                        for term in terms {
                            found.push(Found {
                                term,
                                form: form.clone(),
                                why,
                                paragraph: p,
                            });
                        }
                        consumed = n;
                        break;
                    }
                    Lookup::Nothing => {}
                }
            }
            i += consumed;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceMap;

    fn glossary(toml: &str) -> Glossary {
        let mut map = SourceMap::default();
        let file = map.add("g".into(), "g".into(), toml.into());
        Glossary::parse(file, toml).unwrap()
    }

    fn sources(paragraphs: &[&str]) -> SourceSet {
        let mut map = SourceMap::default();
        let file = map.add("s".into(), "s".into(), "".into());
        let text = format!("+++\ntitle = \"T\"\n+++\n{}\n", paragraphs.join("\n\n"));
        SourceSet::new(vec![Source::parse(file, "src", &text, false).unwrap()])
    }

    fn variants(glossary_toml: &str, paragraphs: &[&str]) -> Vec<(String, String, String)> {
        name_variants(&glossary(glossary_toml), &sources(paragraphs))
            .into_iter()
            .map(|v| (v.form, v.term, v.why))
            .collect()
    }

    const SALAMA: &str =
        "[[term]]\nid = \"salama\"\nname = \"Hussein al-Salama\"\naliases = [\"Salama\"]\n";

    #[test]
    fn transliteration_variants_are_found() {
        let found = variants(
            SALAMA,
            &["The intelligence chief, Hussein Salameh, attended."],
        );
        assert_eq!(
            found,
            [(
                "Hussein Salameh".to_string(),
                "salama".to_string(),
                "transliteration".to_string()
            )]
        );
        let v = name_variants(
            &glossary(SALAMA),
            &sources(&[
                "Hussein Salameh came.",
                "Nothing.",
                "Salameh and Hussein Salameh.",
            ]),
        );
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(v[0].form, "Hussein Salameh");
        assert_eq!(
            v[0].occurrences,
            [
                Occurrence {
                    source: "src".into(),
                    paragraph: 1
                },
                Occurrence {
                    source: "src".into(),
                    paragraph: 3
                }
            ]
        );
        assert_eq!(v[1].form, "Salameh");
    }

    #[test]
    fn listed_names_and_their_typography_are_not_variants() {
        let g =
            "[[term]]\nid = \"sharaa\"\nname = \"Ahmed al-Sharaa\"\naliases = [\"al-Sharaa\"]\n";
        assert!(
            variants(
                g,
                &["Ahmed al\u{2011}Sharaa and AL-SHARAA met al-Sharaa’s aides."]
            )
            .is_empty()
        );
        assert_eq!(
            variants(g, &["Ahmad al-Sharaa spoke."]),
            [(
                "Ahmad al-Sharaa".into(),
                "sharaa".into(),
                "transliteration".into()
            )]
        );
        assert_eq!(
            variants(g, &["Then al Sharaa spoke."]),
            [("al Sharaa".into(), "sharaa".into(), "spelling".into())]
        );
        assert_eq!(
            variants(g, &["Then el-Sharaa spoke, and Sharaa too."]),
            [
                (
                    "el-Sharaa".into(),
                    "sharaa".into(),
                    "transliteration".into()
                ),
                ("Sharaa".into(), "sharaa".into(), "transliteration".into())
            ]
        );
    }

    #[test]
    fn one_letter_apart_but_not_inflections_or_short_words() {
        let g = "[[term]]\nid = \"hezbollah\"\nname = \"Hezbollah\"\n\n[[term]]\nid = \"israel\"\nname = \"Israel\"\n\n[[term]]\nid = \"iran\"\nname = \"Iran\"\n";
        assert_eq!(
            variants(g, &["Hizbollah fighters; Hezbolah too."]),
            [
                (
                    "Hezbolah".into(),
                    "hezbollah".into(),
                    "transliteration".into()
                ),
                ("Hizbollah".into(), "hezbollah".into(), "one-letter".into())
            ]
        );
        assert!(variants(g, &["Israeli and Israelis in Iraq."]).is_empty());
        assert!(variants(g, &["These hizbollah fighters, lower case."]).is_empty());
    }

    #[test]
    fn accents_and_hyphens_are_spelling_variants() {
        let g = "[[term]]\nid = \"zone\"\nname = \"Buffer zone\"\n\n[[term]]\nid = \"sweida\"\nname = \"Sweida\"\n";
        assert_eq!(
            variants(g, &["The buffer-zone near Swéida."]),
            [
                ("buffer-zone".into(), "zone".into(), "spelling".into()),
                ("Swéida".into(), "sweida".into(), "spelling".into())
            ]
        );
    }
}
