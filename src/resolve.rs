//! Resolving citations against the sources: does the source exist, does the
//! paragraph or anchor exist, does the quotation stand in it exactly once?

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::citation::CiteRef;
use crate::diagnostics::{Diagnostic, FileId, closest, did_you_mean};
use crate::quote::{self, Normalized};
use crate::source::{Source, parse_paragraph_ref};

/// All sources of a book, by id.
#[derive(Debug, Clone, Default)]
pub struct SourceSet {
    /// The sources, sorted by id. Shared with the loader, which keeps
    /// them by file: a source's paragraphs and their normalised text are
    /// not copied to be indexed.
    pub sources: Vec<Arc<Source>>,
    by_id: HashMap<String, usize>,
}

impl SourceSet {
    /// Indexes sources (sorting them by id).
    pub fn new(sources: impl IntoIterator<Item = impl Into<Arc<Source>>>) -> SourceSet {
        let mut sources: Vec<Arc<Source>> = sources.into_iter().map(Into::into).collect();
        sources.sort_by(|a, b| a.id.cmp(&b.id));
        let by_id = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        SourceSet { sources, by_id }
    }

    /// The index of the source with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

/// What part of a source a reference cites.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CiteTarget {
    /// The source as a whole.
    Whole,
    /// Paragraphs `first..=last` (zero-based).
    Paragraphs {
        /// First paragraph cited.
        first: usize,
        /// Last paragraph cited.
        last: usize,
    },
    /// Exact words within one paragraph.
    Quote {
        /// The paragraph (zero-based).
        paragraph: usize,
        /// The words' byte range in the paragraph's text.
        range: Range<usize>,
    },
}

impl CiteTarget {
    /// The paragraphs cited, if any.
    pub fn paragraphs(&self) -> Option<(usize, usize)> {
        match self {
            CiteTarget::Whole => None,
            CiteTarget::Paragraphs { first, last } => Some((*first, *last)),
            CiteTarget::Quote { paragraph, .. } => Some((*paragraph, *paragraph)),
        }
    }
}

/// A reference checked against its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRef {
    /// Index of the source in the [`SourceSet`].
    pub source: usize,
    /// What is cited.
    pub target: CiteTarget,
    /// Text before the reference.
    pub prefix: String,
    /// Text after it.
    pub suffix: String,
}

/// How many places of a quotation are counted before it is called
/// ambiguous "at least" that many times: each place costs up to the
/// quotation's length to check.
const MATCHES_COUNTED: usize = 100;

/// How many characters of a key or locator an error message repeats: the
/// span already points at all of it, and a 1 MB key need not be copied
/// into every line that names it.
const SHOWN_CHARS: usize = 64;

/// `text`, cut to [`SHOWN_CHARS`] characters and `…` when it is longer.
fn shortened(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]).into(),
        None => text.into(),
    }
}

/// Parses `p3` or `p3-p5` (also `p3-5`) into zero-based paragraph indexes.
fn paragraph_range(text: &str) -> Option<Result<(usize, usize), String>> {
    if let Some(index) = parse_paragraph_ref(text) {
        return Some(Ok((index, index)));
    }
    let (a, b) = text.split_once('-')?;
    let first = parse_paragraph_ref(a)?;
    let last = parse_paragraph_ref(b).or_else(|| parse_paragraph_ref(&format!("p{b}")))?;
    if last < first {
        return Some(Err(format!("the range {text} runs backwards")));
    }
    Some(Ok((first, last)))
}

/// Checks one reference against the sources.
pub fn resolve_ref(
    sources: &SourceSet,
    file: FileId,
    cite: &CiteRef,
) -> Result<ResolvedRef, Diagnostic> {
    let Some(index) = sources.index_of(&cite.key) else {
        let mut d = Diagnostic::error(
            file,
            cite.key_span.clone(),
            format!("unknown source `{}`", shortened(&cite.key)),
        )
        .with_label("no source has this id");
        let ids = sources.sources.iter().map(|s| s.id.as_str());
        d = match did_you_mean(&cite.key, ids.clone()) {
            Some(close) => d.with_help(format!("did you mean `@{close}`?")),
            None if sources.sources.is_empty() => {
                d.with_help("this book has no sources yet: add the article as `seeds/<id>.md` or `seeds/<id>.txt`")
            }
            None => d.with_help(format!(
                "the sources are: {}; or add `seeds/{}.md`",
                closest(&cite.key, ids, 8).join(", "),
                shortened(&cite.key)
            )),
        };
        return Err(d);
    };
    let source = &sources.sources[index];
    let count = source.paragraphs.len();

    let mut paragraphs: Option<(usize, usize)> = None;
    if let Some(locator) = &cite.locator {
        let found = match paragraph_range(&locator.text) {
            Some(Ok(range)) => range,
            Some(Err(message)) => {
                return Err(Diagnostic::error(file, locator.span.clone(), message)
                    .with_help("write the first paragraph first, e.g. `#p3-p5`"));
            }
            None => match source.anchor(&locator.text) {
                Some(p) => (p, p),
                None => {
                    let mut d = Diagnostic::error(
                        file,
                        locator.span.clone(),
                        format!(
                            "`#{}` is neither a paragraph nor a named anchor of `{}`",
                            shortened(&locator.text),
                            source.id
                        ),
                    )
                    .with_label("unknown locator");
                    d = match did_you_mean(&locator.text, source.anchors.keys().map(String::as_str)) {
                        Some(close) => d.with_help(format!("did you mean `#{close}`?")),
                        None => d.with_help(format!(
                            "cite a paragraph from `#p1` to `#p{count}`, or name an anchor in the source's `[anchors]` table"
                        )),
                    };
                    return Err(d);
                }
            },
        };
        if found.1 >= count {
            return Err(Diagnostic::error(
                file,
                locator.span.clone(),
                format!(
                    "`{}` has {count} paragraphs; there is no p{}",
                    source.id,
                    found.1 + 1
                ),
            )
            .with_label("no such paragraph")
            .with_help(format!("cite a paragraph from p1 to p{count}")));
        }
        paragraphs = Some(found);
    }

    let target = match &cite.quotation {
        None => match paragraphs {
            Some((first, last)) => CiteTarget::Paragraphs { first, last },
            None => CiteTarget::Whole,
        },
        Some(quotation) => {
            let needle = Normalized::new(&quotation.text);
            if needle.text.is_empty() {
                return Err(Diagnostic::error(file, quotation.span.clone(), "empty quotation")
                    .with_help("put the exact words between the quotation marks, or leave the quotation out"));
            }
            let (first, last) = paragraphs.unwrap_or((0, count.saturating_sub(1)));
            let mut matches: Vec<(usize, Range<usize>)> = Vec::new();
            for p in first..=last.min(count.saturating_sub(1)) {
                let left = MATCHES_COUNTED - matches.len();
                for range in source.paragraphs[p]
                    .normalized
                    .find_up_to(&needle.text, left)
                {
                    matches.push((p, range));
                }
                if matches.len() == MATCHES_COUNTED {
                    break;
                }
            }
            let where_ = match &cite.locator {
                Some(l) => format!("`{}` #{}", source.id, l.text),
                None => format!("`{}`", source.id),
            };
            match matches.len() {
                1 => {
                    let (paragraph, range) = matches.remove(0);
                    CiteTarget::Quote { paragraph, range }
                }
                0 => {
                    return Err(not_found(
                        source,
                        file,
                        quotation.span.clone(),
                        &needle.text,
                        first,
                        last,
                        &where_,
                    ));
                }
                n => {
                    let mut places: Vec<String> =
                        matches.iter().map(|(p, _)| format!("p{}", p + 1)).collect();
                    places.dedup();
                    let example = format!(
                        "[@{}#{} \"{}\"]",
                        source.id,
                        places[0],
                        quote::one_line(&quotation.text)
                    );
                    return Err(Diagnostic::error(
                        file,
                        quotation.span.clone(),
                        format!(
                            "quotation found {}{n} times in {where_} ({})",
                            if n == MATCHES_COUNTED { "at least " } else { "" },
                            places.join(", ")
                        ),
                    )
                    .with_label("ambiguous quotation")
                    .with_help(if places.len() == 1 {
                        // A paragraph locator cannot tell them apart.
                        format!(
                            "every occurrence is in {}: quote more words, so that they are found once",
                            places[0]
                        )
                    } else {
                        format!(
                            "say which paragraph you mean, e.g. `{example}`, or quote more words"
                        )
                    }));
                }
            }
        }
    };
    Ok(ResolvedRef {
        source: index,
        target,
        prefix: cite.prefix.clone(),
        suffix: cite.suffix.clone(),
    })
}

fn not_found(
    source: &Source,
    file: FileId,
    span: Range<usize>,
    needle: &str,
    first: usize,
    last: usize,
    where_: &str,
) -> Diagnostic {
    let mut d = Diagnostic::error(file, span, format!("quotation not found in {where_}"))
        .with_label("not in the source");
    let paragraphs: Vec<&Normalized> = source
        .paragraphs
        .get(first..=last.min(source.paragraphs.len().saturating_sub(1)))
        .unwrap_or_default()
        .iter()
        .map(|p| &p.normalized)
        .collect();
    let best = quote::closest_passage_among(&paragraphs, needle)
        .map(|(p, range, score)| (first + p, range, score));
    let case_or_dash = quote::matches_ignoring_case_and_dashes_among(&paragraphs, needle);
    if let Some((p, range, _)) = best {
        let text = &source.paragraphs[p].text[range];
        d = d.with_note(format!(
            "closest passage, in p{}: \u{201C}{}\u{201D}",
            p + 1,
            quote::one_line(text)
        ));
    }
    if case_or_dash {
        d.with_help("the words are there, but with other capital letters or dashes (– —); copy them exactly")
    } else {
        d.with_help(
            "copy the words exactly from the source: only spacing, quotation marks, apostrophes and hyphens may differ",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::citation::{Locator, Quotation};
    use crate::diagnostics::SourceMap;

    fn set() -> (SourceSet, FileId) {
        let mut map = SourceMap::default();
        let file = map.add("s".into(), "s".into(), "".into());
        let text = "+++\ntitle = \"T\"\n[anchors]\nzone = \"p2\"\n+++\nThe talks resumed.\n\nThe buffer zone, the talks.\n\nThird.\n";
        (
            SourceSet::new(vec![Source::parse(file, "nyt", text, false).unwrap()]),
            file,
        )
    }

    fn cite(key: &str, locator: Option<&str>, quotation: Option<&str>) -> CiteRef {
        CiteRef {
            prefix: String::new(),
            key: key.into(),
            key_span: 0..1,
            locator: locator.map(|l| Locator {
                text: l.into(),
                span: 1..2,
            }),
            quotation: quotation.map(|q| Quotation {
                text: q.into(),
                span: 2..3,
            }),
            suffix: String::new(),
            span: 0..3,
        }
    }

    #[test]
    fn locators() {
        let (s, f) = set();
        assert_eq!(
            resolve_ref(&s, f, &cite("nyt", None, None)).unwrap().target,
            CiteTarget::Whole
        );
        assert_eq!(
            resolve_ref(&s, f, &cite("nyt", Some("p1-p3"), None))
                .unwrap()
                .target,
            CiteTarget::Paragraphs { first: 0, last: 2 }
        );
        assert_eq!(
            resolve_ref(&s, f, &cite("nyt", Some("zone"), None))
                .unwrap()
                .target,
            CiteTarget::Paragraphs { first: 1, last: 1 }
        );
        let e = resolve_ref(&s, f, &cite("nyt", Some("p4"), None)).unwrap_err();
        assert_eq!(e.message, "`nyt` has 3 paragraphs; there is no p4");
        let e = resolve_ref(&s, f, &cite("nyt", Some("p3-p1"), None)).unwrap_err();
        assert_eq!(e.message, "the range p3-p1 runs backwards");
        let e = resolve_ref(&s, f, &cite("nyt", Some("zome"), None)).unwrap_err();
        assert!(
            e.notes.iter().any(|n| n.contains("did you mean `#zone`?")),
            "{e:?}"
        );
        let e = resolve_ref(&s, f, &cite("nyy", None, None)).unwrap_err();
        assert_eq!(e.message, "unknown source `nyy`");
        assert!(e.notes.iter().any(|n| n.contains("did you mean `@nyt`?")));
    }

    #[test]
    fn quotations() {
        let (s, f) = set();
        let r = resolve_ref(&s, f, &cite("nyt", None, Some("buffer  zone"))).unwrap();
        assert_eq!(
            r.target,
            CiteTarget::Quote {
                paragraph: 1,
                range: 4..15
            }
        );
        let e = resolve_ref(&s, f, &cite("nyt", None, Some("talks"))).unwrap_err();
        assert!(
            e.message
                .starts_with("quotation found 2 times in `nyt` (p1, p2)"),
            "{}",
            e.message
        );
        let r = resolve_ref(&s, f, &cite("nyt", Some("p2"), Some("the talks"))).unwrap();
        assert_eq!(
            r.target,
            CiteTarget::Quote {
                paragraph: 1,
                range: 17..26
            }
        );
        let e = resolve_ref(&s, f, &cite("nyt", None, Some("The talks resumd"))).unwrap_err();
        assert_eq!(e.message, "quotation not found in `nyt`");
        assert!(
            e.notes[0].contains("in p1: \u{201C}The talks resumed.\u{201D}"),
            "{:?}",
            e.notes
        );
        let e = resolve_ref(&s, f, &cite("nyt", None, Some("the buffer zone"))).unwrap_err();
        assert!(
            e.notes[1].contains("other capital letters"),
            "{:?}",
            e.notes
        );
    }
}
