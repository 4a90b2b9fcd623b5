//! Resolving citations against the sources: does the source exist, does the
//! paragraph or anchor exist, does the quotation stand in it exactly once?

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::citation::{CiteRef, Quotation};
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

/// A quotation found in its source: the paragraph it stands in and the
/// words it reproduces there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuotedPassage {
    /// The paragraph (zero-based).
    pub paragraph: usize,
    /// The byte ranges of the reproduced words in the paragraph's text, in
    /// order: one for an unbroken quotation, one per piece of an elided
    /// one. Never empty.
    pub pieces: Vec<Range<usize>>,
}

impl QuotedPassage {
    /// The quoted words as they stand in the source, on one line, with
    /// ` … ` where the quotation leaves words out.
    pub fn words(&self, source: &Source) -> String {
        let text = &source.paragraphs[self.paragraph].text;
        self.pieces
            .iter()
            .map(|r| quote::one_line(text.get(r.clone()).unwrap_or("")))
            .collect::<Vec<_>>()
            .join(" … ")
    }
}

/// A reference checked against its source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolvedRef {
    /// Index of the source in the [`SourceSet`].
    pub source: usize,
    /// The paragraphs `first..=last` (zero-based) its locator names;
    /// `None` for the whole source.
    pub locator: Option<(usize, usize)>,
    /// The quotations verified in it: the one inside the brackets first,
    /// then those of the prose before the citation, in order.
    pub quotes: Vec<QuotedPassage>,
    /// Text before the reference.
    pub prefix: String,
    /// Text after it.
    pub suffix: String,
}

impl ResolvedRef {
    /// The paragraphs the reference sends a reader to: those its
    /// quotations stand in, else those its locator names (`None`: the
    /// whole source).
    pub fn paragraphs(&self) -> Option<(usize, usize)> {
        let quoted = self.quotes.iter().map(|q| q.paragraph);
        match (quoted.clone().min(), quoted.max()) {
            (Some(first), Some(last)) => Some((first, last)),
            _ => self.locator,
        }
    }

    /// The paragraphs its quotations stand in, in order, each once.
    pub fn quoted_paragraphs(&self) -> Vec<usize> {
        let mut paragraphs: Vec<usize> = self.quotes.iter().map(|q| q.paragraph).collect();
        paragraphs.sort_unstable();
        paragraphs.dedup();
        paragraphs
    }
}

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

/// How many quotations not found in one fragment (a note, a definition,
/// an event) get their closest passage searched. Each search is bounded,
/// but a hostile note of 100,000 misquotations of one long source would
/// multiply it: past this many, the error says where the words are not,
/// without the search.
pub const CLOSEST_PASSAGES: usize = 50;

/// Checks one reference against the sources.
pub fn resolve_ref(
    sources: &SourceSet,
    file: FileId,
    cite: &CiteRef,
) -> Result<ResolvedRef, Diagnostic> {
    let mut closest_left = CLOSEST_PASSAGES;
    resolve_ref_within(sources, file, cite, &mut closest_left)
}

/// [`resolve_ref`], searching the closest passage of a quotation not
/// found only while `closest_left` (decremented on each search) lasts.
pub fn resolve_ref_within(
    sources: &SourceSet,
    file: FileId,
    cite: &CiteRef,
    closest_left: &mut usize,
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

    let mut quotes = Vec::new();
    if let Some(quotation) = &cite.quotation {
        quotes.push(find_quotation(
            source,
            file,
            paragraphs,
            cite,
            quotation,
            closest_left,
        )?);
    }
    Ok(ResolvedRef {
        source: index,
        locator: paragraphs,
        quotes,
        prefix: cite.prefix.clone(),
        suffix: cite.suffix.clone(),
    })
}

/// Where a quotation was looked for: a reference's source and the
/// paragraphs `first..=last` its locator names (all of them without one),
/// and how messages name the reference (`` `nyt` #p3 ``).
struct Searched<'s> {
    source: &'s Source,
    first: usize,
    last: usize,
    has_locator: bool,
    name: String,
}

impl<'s> Searched<'s> {
    fn new(source: &'s Source, locator: Option<(usize, usize)>, cite: &CiteRef) -> Searched<'s> {
        let (first, last) = locator.unwrap_or((0, source.paragraphs.len().saturating_sub(1)));
        let name = match &cite.locator {
            Some(l) => format!("`{}` #{}", source.id, shortened(&l.text)),
            None => format!("`{}`", source.id),
        };
        Searched {
            source,
            first,
            last,
            has_locator: cite.locator.is_some(),
            name,
        }
    }

    /// The first place `pattern` stands in each searched paragraph that
    /// holds it: more than once in one paragraph is no ambiguity (nothing
    /// more precise than a paragraph can be cited).
    fn matches(&self, pattern: &quote::Pattern) -> Vec<(usize, quote::Match)> {
        first_matches(self.source, pattern, self.first, self.last)
    }
}

/// Reads a quotation by the editors' conventions ([`quote::Pattern`]);
/// the error stands at the quotation.
fn pattern_of(file: FileId, quotation: &Quotation) -> Result<quote::Pattern, Diagnostic> {
    quote::Pattern::parse(&quotation.text).map_err(|e| {
        Diagnostic::error(file, quotation.span.clone(), e.message)
            .with_label("not a quotation that can be checked")
            .with_help(e.help)
    })
}

/// The passage of the one paragraph in `found`, if there is exactly one.
fn single(found: &[(usize, quote::Match)]) -> Option<QuotedPassage> {
    match found {
        [(paragraph, m)] => Some(QuotedPassage {
            paragraph: *paragraph,
            pieces: m.pieces.clone(),
        }),
        _ => None,
    }
}

/// Finds `quotation` in the paragraphs `locator` names (the whole
/// `source` when `None`), by the editorial conventions of
/// [`quote::Pattern`].
///
/// Found once, or several times in one paragraph (the first is taken), it
/// is verified. Found in several paragraphs, it is ambiguous; not found,
/// the error shows the closest passage, what differs word by word, and
/// where else in the source the words stand.
pub fn find_quotation(
    source: &Source,
    file: FileId,
    locator: Option<(usize, usize)>,
    cite: &CiteRef,
    quotation: &Quotation,
    closest_left: &mut usize,
) -> Result<QuotedPassage, Diagnostic> {
    let pattern = pattern_of(file, quotation)?;
    let searched = Searched::new(source, locator, cite);
    let found = searched.matches(&pattern);
    single(&found)
        .ok_or_else(|| unverified(&searched, &found, file, quotation, &pattern, closest_left))
}

/// The error of a quotation that `found` does not place in one paragraph
/// of `searched`: ambiguous between paragraphs, or not found.
fn unverified(
    searched: &Searched<'_>,
    found: &[(usize, quote::Match)],
    file: FileId,
    quotation: &Quotation,
    pattern: &quote::Pattern,
    closest_left: &mut usize,
) -> Diagnostic {
    if found.is_empty() {
        return not_found(
            searched,
            file,
            quotation.span.clone(),
            pattern,
            closest_left,
        );
    }
    let places: Vec<String> = found.iter().map(|(p, _)| format!("p{}", p + 1)).collect();
    let example = format!(
        "[@{}#{} \"{}\"]",
        searched.source.id,
        places[0],
        quote::one_line(&quotation.text)
    );
    Diagnostic::error(
        file,
        quotation.span.clone(),
        format!(
            "quotation found in {} paragraphs of {} ({})",
            places.len(),
            searched.name,
            places.join(", ")
        ),
    )
    .with_label("ambiguous quotation")
    .with_help(format!(
        "say which paragraph you mean, e.g. `{example}`, or quote more words"
    ))
}

/// The first place `pattern` stands in each of paragraphs `first..=last`
/// of `source` that holds it.
fn first_matches(
    source: &Source,
    pattern: &quote::Pattern,
    first: usize,
    last: usize,
) -> Vec<(usize, quote::Match)> {
    let paragraphs = source.paragraphs.get(first..=last).unwrap_or_default();
    paragraphs
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((first + i, pattern.find_in(&p.normalized, 1).pop()?)))
        .collect()
}

/// Verifies a quotation written in the prose before a citation group
/// against the group's references, recording it in each reference whose
/// passage holds it. `refs` are the group's references as written and
/// `resolved` as resolved, in the same order.
///
/// It is verified when one of them holds it; every reference is searched
/// before any error is made. Otherwise the error is that of the first
/// reference (a quotation not found names every passage searched), since
/// a quotation is most often cited to one source.
pub fn verify_quotation(
    sources: &SourceSet,
    file: FileId,
    refs: &[CiteRef],
    resolved: &mut [ResolvedRef],
    quotation: &Quotation,
    closest_left: &mut usize,
) -> Result<(), Diagnostic> {
    let pattern = pattern_of(file, quotation)?;
    let mut verified = false;
    let mut names = Vec::new();
    let mut first_failure = None;
    for (cite, r) in refs.iter().zip(resolved.iter_mut()) {
        let Some(source) = sources.sources.get(r.source) else {
            continue;
        };
        let searched = Searched::new(source, r.locator, cite);
        let found = searched.matches(&pattern);
        names.push(searched.name.clone());
        match single(&found) {
            Some(passage) => {
                // The same words in the prose and in the brackets are
                // one quotation.
                if !r.quotes.contains(&passage) {
                    r.quotes.push(passage);
                }
                verified = true;
            }
            None => {
                first_failure.get_or_insert((searched, found));
            }
        }
    }
    match first_failure {
        Some((mut searched, found)) if !verified => {
            if found.is_empty() {
                searched.name = names.join(" nor in ");
            }
            Err(unverified(
                &searched,
                &found,
                file,
                quotation,
                &pattern,
                closest_left,
            ))
        }
        _ => Ok(()),
    }
}

fn not_found(
    searched: &Searched<'_>,
    file: FileId,
    span: Range<usize>,
    pattern: &quote::Pattern,
    closest_left: &mut usize,
) -> Diagnostic {
    let Searched {
        source,
        first,
        last,
        has_locator,
        ref name,
    } = *searched;
    let mut d = Diagnostic::error(file, span, format!("quotation not found in {name}"))
        .with_label("not in the source");
    let needle = pattern.words();
    let last = last.min(source.paragraphs.len().saturating_sub(1));
    let paragraphs: Vec<&Normalized> = source
        .paragraphs
        .get(first..=last)
        .unwrap_or_default()
        .iter()
        .map(|p| &p.normalized)
        .collect();
    // The right words cited to the wrong paragraph: say where they are.
    if has_locator {
        let elsewhere = first_matches(
            source,
            pattern,
            0,
            source.paragraphs.len().saturating_sub(1),
        );
        let places: Vec<String> = elsewhere
            .iter()
            .map(|(p, _)| format!("p{}", p + 1))
            .collect();
        if let [place] = places.as_slice() {
            return d
                .with_note(format!("the words stand in {place} of `{}`", source.id))
                .with_help(format!("did you mean `#{place}`?"));
        }
        if !places.is_empty() {
            return d
                .with_note(format!(
                    "the words stand in {} of `{}`",
                    places.join(", "),
                    source.id
                ))
                .with_help("cite the paragraph that holds them");
        }
    }
    if *closest_left == 0 {
        return d
            .with_note(format!(
                "the closest passage is searched for the first {CLOSEST_PASSAGES} quotations not found in a text only"
            ))
            .with_help("copy the words exactly from the source");
    }
    *closest_left -= 1;
    let best = quote::closest_passage_among(&paragraphs, needle)
        .map(|(p, range, score)| (first + p, range, score));
    let mut case_or_dash = quote::matches_ignoring_case_and_dashes_among(&paragraphs, needle);
    if let Some((p, range, _)) = best {
        let text = &source.paragraphs[p].text[range];
        d = d.with_note(format!(
            "closest passage, in p{}: \u{201C}{}\u{201D}",
            p + 1,
            quote::one_line(text)
        ));
        // Words that differ by more than case and dashes (`השיחות` for
        // `שיחות`: a whole word, not part of one) are the difference.
        if let Some(difference) = quote::word_difference(text, needle) {
            d = d.with_note(difference);
            case_or_dash = false;
        }
    }
    if case_or_dash {
        d.with_help("the words are there, but with other capital letters or dashes (– —); copy them exactly")
    } else {
        d.with_help(
            "copy the words exactly from the source: only spacing, quotation marks, apostrophes and hyphens may differ; mark left-out words with `...` and changes with [brackets]",
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
            resolve_ref(&s, f, &cite("nyt", None, None))
                .unwrap()
                .locator,
            None
        );
        assert_eq!(
            resolve_ref(&s, f, &cite("nyt", Some("p1-p3"), None))
                .unwrap()
                .locator,
            Some((0, 2))
        );
        assert_eq!(
            resolve_ref(&s, f, &cite("nyt", Some("zone"), None))
                .unwrap()
                .locator,
            Some((1, 1))
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
            r.quotes,
            [QuotedPassage {
                paragraph: 1,
                pieces: std::iter::once(4..15).collect()
            }]
        );
        let e = resolve_ref(&s, f, &cite("nyt", None, Some("talks"))).unwrap_err();
        assert!(
            e.message
                .starts_with("quotation found in 2 paragraphs of `nyt` (p1, p2)"),
            "{}",
            e.message
        );
        let r = resolve_ref(&s, f, &cite("nyt", Some("p2"), Some("the talks"))).unwrap();
        assert_eq!(
            r.quotes,
            [QuotedPassage {
                paragraph: 1,
                pieces: std::iter::once(17..26).collect()
            }]
        );
        let e = resolve_ref(&s, f, &cite("nyt", None, Some("The talks resumd"))).unwrap_err();
        assert_eq!(e.message, "quotation not found in `nyt`");
        assert!(
            e.notes[0].contains("in p1: \u{201C}The talks resumed.\u{201D}"),
            "{:?}",
            e.notes
        );
        // The first letter's case may differ; no other.
        resolve_ref(&s, f, &cite("nyt", None, Some("the buffer zone"))).unwrap();
        let e = resolve_ref(&s, f, &cite("nyt", None, Some("The Buffer zone"))).unwrap_err();
        assert!(
            e.notes[1].contains("other capital letters"),
            "{:?}",
            e.notes
        );
    }
}
