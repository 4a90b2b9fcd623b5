//! `autolink_glossary = true`: linking the first plain mention of each
//! glossary name and alias in every note.
//!
//! All names are searched at once with an Aho-Corasick automaton, which
//! keeps the cost proportional to the text whatever the size of the
//! glossary. Where candidates overlap, the longest wins ("Golan Heights"
//! over "the Golan" in "the Golan Heights"), then the leftmost.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::glossary::Glossary;

/// Finds glossary names and aliases in plain text.
pub struct Autolinker {
    automaton: AhoCorasick,
    /// For each pattern: the index of its term.
    terms: Vec<usize>,
}

/// A mention found in a piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Where it stands in the text.
    pub range: Range<usize>,
    /// Which name or alias matched (an index into all names).
    pub pattern: usize,
    /// The term it names.
    pub term: usize,
}

impl Autolinker {
    /// An automaton over every name and alias of the glossary; `None` when
    /// the glossary is empty.
    pub fn new(glossary: &Glossary) -> Option<Autolinker> {
        let mut patterns = Vec::new();
        let mut terms = Vec::new();
        for (index, term) in glossary.terms.iter().enumerate() {
            for name in std::iter::once(&term.name).chain(&term.aliases) {
                patterns.push(name.as_str());
                terms.push(index);
            }
        }
        if patterns.is_empty() {
            return None;
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .ok()?;
        Some(Autolinker { automaton, terms })
    }

    /// Whole-word mentions in `text`, in order, not overlapping: where
    /// candidates overlap, the longest wins, then the leftmost.
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let mut candidates: Vec<Mention> = self
            .automaton
            .find_overlapping_iter(text)
            .filter(|m| {
                let before = text[..m.start()].chars().next_back();
                let after = text[m.end()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
            .map(|m| Mention {
                range: m.range(),
                pattern: m.pattern().as_usize(),
                term: self.terms[m.pattern().as_usize()],
            })
            .collect();
        candidates.sort_by_key(|m| (std::cmp::Reverse(m.range.len()), m.range.start));
        let mut chosen: Vec<Mention> = Vec::new();
        for candidate in candidates {
            let free = chosen.iter().all(|c| {
                c.range.end <= candidate.range.start || candidate.range.end <= c.range.start
            });
            if free {
                chosen.push(candidate);
            }
        }
        chosen.sort_by_key(|m| m.range.start);
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceMap;

    #[test]
    fn longest_whole_word_matches_any_ascii_case() {
        let file = SourceMap::default().add("g".into(), "g".into(), "".into());
        let glossary = Glossary::parse(
            file,
            "[[term]]\nname = \"Golan Heights\"\naliases = [\"the Golan\"]\n[[term]]\nname = \"Golan\"\n[[term]]\nname = \"SANA\"\n",
        )
        .unwrap();
        let linker = Autolinker::new(&glossary).unwrap();
        let text = "The golan heights, the Golan, Golanese and Sana.";
        let found: Vec<&str> = linker
            .mentions(text)
            .iter()
            .map(|m| &text[m.range.clone()])
            .collect();
        assert_eq!(found, ["golan heights", "the Golan", "Sana"]);
        let text = "the Golan Heights";
        let found: Vec<&str> = linker
            .mentions(text)
            .iter()
            .map(|m| &text[m.range.clone()])
            .collect();
        assert_eq!(found, ["Golan Heights"]);
    }
}
