//! Resolving citations against the sources: does the source exist, does the
//! paragraph or anchor exist, does the quotation stand in it exactly once?

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use crate::citation::{CiteRef, Quotation};
use crate::diagnostics::{closest, did_you_mean};
use crate::problem::{NotFound, Problem};
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
fn paragraph_range(text: &str) -> Option<Result<(usize, usize), ()>> {
    if let Some(index) = parse_paragraph_ref(text) {
        return Some(Ok((index, index)));
    }
    let (a, b) = text.split_once('-')?;
    let first = parse_paragraph_ref(a)?;
    let last = parse_paragraph_ref(b).or_else(|| parse_paragraph_ref(&format!("p{b}")))?;
    if last < first {
        return Some(Err(()));
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
pub fn resolve_ref(sources: &SourceSet, cite: &CiteRef) -> Result<ResolvedRef, Problem> {
    let mut closest_left = CLOSEST_PASSAGES;
    resolve_ref_within(sources, cite, &mut closest_left)
}

/// [`resolve_ref`], searching the closest passage of a quotation not
/// found only while `closest_left` (decremented on each search) lasts.
pub fn resolve_ref_within(
    sources: &SourceSet,
    cite: &CiteRef,
    closest_left: &mut usize,
) -> Result<ResolvedRef, Problem> {
    let Some(index) = sources.index_of(&cite.key) else {
        let ids = sources.sources.iter().map(|s| s.id.as_str());
        let did_you_mean = did_you_mean(&cite.key, ids.clone()).map(str::to_string);
        let closest = if did_you_mean.is_none() && !sources.sources.is_empty() {
            closest(&cite.key, ids, 8)
                .into_iter()
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
        return Err(Problem::UnknownSource {
            span: cite.key_span.clone(),
            key: shortened(&cite.key).into_owned(),
            did_you_mean,
            closest,
            no_sources: sources.sources.is_empty(),
        });
    };
    let source = &sources.sources[index];
    let count = source.paragraphs.len();

    let mut paragraphs: Option<(usize, usize)> = None;
    if let Some(locator) = &cite.locator {
        let found = match paragraph_range(&locator.text) {
            Some(Ok(range)) => range,
            Some(Err(())) => {
                return Err(Problem::BackwardRange {
                    span: locator.span.clone(),
                    locator: locator.text.clone(),
                });
            }
            None => match source.anchor(&locator.text) {
                Some(p) => (p, p),
                None => {
                    let anchors = source.anchors.keys().map(String::as_str);
                    return Err(Problem::UnknownLocator {
                        span: locator.span.clone(),
                        locator: shortened(&locator.text).into_owned(),
                        source: source.id.clone(),
                        did_you_mean: did_you_mean(&locator.text, anchors).map(str::to_string),
                        paragraphs: count,
                    });
                }
            },
        };
        if found.1 >= count {
            return Err(Problem::NoSuchParagraph {
                span: locator.span.clone(),
                source: source.id.clone(),
                paragraphs: count,
                asked: found.1,
            });
        }
        paragraphs = Some(found);
    }

    let mut quotes = Vec::new();
    if let Some(quotation) = &cite.quotation {
        quotes.push(find_quotation(
            sources,
            index,
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
    index: usize,
    first: usize,
    last: usize,
    has_locator: bool,
    name: String,
}

impl<'s> Searched<'s> {
    fn new(
        sources: &'s SourceSet,
        index: usize,
        locator: Option<(usize, usize)>,
        cite: &CiteRef,
    ) -> Option<Searched<'s>> {
        let source = sources.sources.get(index)?;
        let (first, last) = locator.unwrap_or((0, source.paragraphs.len().saturating_sub(1)));
        let name = match &cite.locator {
            Some(l) => format!("`{}` #{}", source.id, shortened(&l.text)),
            None => format!("`{}`", source.id),
        };
        Some(Searched {
            source,
            index,
            first,
            last,
            has_locator: cite.locator.is_some(),
            name,
        })
    }

    /// The first place `pattern` stands in each searched paragraph that
    /// holds it: more than once in one paragraph is no ambiguity (nothing
    /// more precise than a paragraph can be cited).
    fn matches(&self, pattern: &quote::Pattern) -> Vec<(usize, quote::Match)> {
        first_matches(self.source, pattern, self.first, self.last)
    }
}

/// Reads a quotation by the editors' conventions ([`quote::Pattern`]);
/// the problem stands at the quotation.
fn pattern_of(quotation: &Quotation) -> Result<quote::Pattern, Problem> {
    quote::Pattern::parse(&quotation.text).map_err(|e| Problem::UncheckableQuotation {
        span: quotation.span.clone(),
        message: e.message,
        help: e.help,
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

/// Finds `quotation` in the paragraphs `locator` names (the whole source,
/// `sources.sources[index]`, when `None`), by the editorial conventions of
/// [`quote::Pattern`].
///
/// Found once, or several times in one paragraph (the first is taken), it
/// is verified. Found in several paragraphs, it is ambiguous; not found,
/// the problem holds the closest passage, what differs word by word, and
/// where else in the source the words stand.
pub fn find_quotation(
    sources: &SourceSet,
    index: usize,
    locator: Option<(usize, usize)>,
    cite: &CiteRef,
    quotation: &Quotation,
    closest_left: &mut usize,
) -> Result<QuotedPassage, Problem> {
    let pattern = pattern_of(quotation)?;
    let Some(searched) = Searched::new(sources, index, locator, cite) else {
        return Err(Problem::UnknownSource {
            span: cite.key_span.clone(),
            key: shortened(&cite.key).into_owned(),
            did_you_mean: None,
            closest: Vec::new(),
            no_sources: sources.sources.is_empty(),
        });
    };
    let found = searched.matches(&pattern);
    single(&found).ok_or_else(|| unverified(&searched, &found, quotation, &pattern, closest_left))
}

/// The problem of a quotation that `found` does not place in one
/// paragraph of `searched`: ambiguous between paragraphs, or not found.
fn unverified(
    searched: &Searched<'_>,
    found: &[(usize, quote::Match)],
    quotation: &Quotation,
    pattern: &quote::Pattern,
    closest_left: &mut usize,
) -> Problem {
    if found.is_empty() {
        return Problem::QuotationNotFound(Box::new(not_found(
            searched,
            quotation,
            pattern,
            closest_left,
        )));
    }
    Problem::AmbiguousQuotation {
        span: quotation.span.clone(),
        searched: searched.name.clone(),
        source: searched.source.id.clone(),
        paragraphs: found.iter().map(|(p, _)| *p).collect(),
        quotation: quote::one_line(&quotation.text),
    }
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
/// before any problem is made. Otherwise the problem is that of the first
/// reference (a quotation not found names every passage searched), since
/// a quotation is most often cited to one source.
pub fn verify_quotation(
    sources: &SourceSet,
    refs: &[CiteRef],
    resolved: &mut [ResolvedRef],
    quotation: &Quotation,
    closest_left: &mut usize,
) -> Result<(), Problem> {
    let pattern = pattern_of(quotation)?;
    let mut verified = false;
    let mut names = Vec::new();
    let mut first_failure = None;
    for (cite, r) in refs.iter().zip(resolved.iter_mut()) {
        let Some(searched) = Searched::new(sources, r.source, r.locator, cite) else {
            continue;
        };
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
                quotation,
                &pattern,
                closest_left,
            ))
        }
        _ => Ok(()),
    }
}

/// What is known of a quotation not found where it is cited: where else
/// the words stand, and (while `closest_left` lasts) the closest passage.
fn not_found(
    searched: &Searched<'_>,
    quotation: &Quotation,
    pattern: &quote::Pattern,
    closest_left: &mut usize,
) -> NotFound {
    let Searched {
        source,
        index,
        first,
        last,
        has_locator,
        ref name,
    } = *searched;
    let mut problem = NotFound {
        span: quotation.span.clone(),
        searched: name.clone(),
        source: index,
        source_id: source.id.clone(),
        quotation: quotation.text.clone(),
        elsewhere: Vec::new(),
        closest: None,
        difference: None,
        case_or_dash: false,
        over_budget: false,
    };
    let needle = pattern.words();
    let last = last.min(source.paragraphs.len().saturating_sub(1));
    let paragraphs: Vec<&Normalized> = source
        .paragraphs
        .get(first..=last)
        .unwrap_or_default()
        .iter()
        .map(|p| &p.normalized)
        .collect();
    let closest_passage = || {
        quote::closest_passage_among(&paragraphs, needle).map(|(p, range, _)| (first + p, range))
    };
    // The right words cited to the wrong paragraph: where they are.
    if has_locator {
        problem.elsewhere = first_matches(
            source,
            pattern,
            0,
            source.paragraphs.len().saturating_sub(1),
        )
        .iter()
        .map(|(p, _)| *p)
        .collect();
        if !problem.elsewhere.is_empty() {
            // The message names the paragraphs; the report still shows
            // the passage closest to the words where they are cited.
            if *closest_left > 0 {
                problem.closest = closest_passage()
                    .map(|(p, range)| (p, quote::one_line(&source.paragraphs[p].text[range])));
            }
            return problem;
        }
    }
    if *closest_left == 0 {
        problem.over_budget = true;
        return problem;
    }
    *closest_left -= 1;
    problem.case_or_dash = quote::matches_ignoring_case_and_dashes_among(&paragraphs, needle);
    if let Some((p, range)) = closest_passage() {
        let text = &source.paragraphs[p].text[range];
        problem.closest = Some((p, quote::one_line(text)));
        // Words that differ by more than case and dashes (`השיחות` for
        // `שיחות`: a whole word, not part of one) are the difference.
        problem.difference = quote::word_difference(text, needle);
        if problem.difference.is_some() {
            problem.case_or_dash = false;
        }
    }
    problem
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::citation::{Locator, Quotation};
    use crate::diagnostics::{FileId, SourceMap};

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
            resolve_ref(&s, &cite("nyt", None, None)).unwrap().locator,
            None
        );
        assert_eq!(
            resolve_ref(&s, &cite("nyt", Some("p1-p3"), None))
                .unwrap()
                .locator,
            Some((0, 2))
        );
        assert_eq!(
            resolve_ref(&s, &cite("nyt", Some("zone"), None))
                .unwrap()
                .locator,
            Some((1, 1))
        );
        let e = resolve_ref(&s, &cite("nyt", Some("p4"), None))
            .unwrap_err()
            .diagnostic(f);
        assert_eq!(e.message, "`nyt` has 3 paragraphs; there is no p4");
        let e = resolve_ref(&s, &cite("nyt", Some("p3-p1"), None))
            .unwrap_err()
            .diagnostic(f);
        assert_eq!(e.message, "the range p3-p1 runs backwards");
        let e = resolve_ref(&s, &cite("nyt", Some("zome"), None))
            .unwrap_err()
            .diagnostic(f);
        assert!(
            e.notes.iter().any(|n| n.contains("did you mean `#zone`?")),
            "{e:?}"
        );
        let e = resolve_ref(&s, &cite("nyy", None, None))
            .unwrap_err()
            .diagnostic(f);
        assert_eq!(e.message, "unknown source `nyy`");
        assert!(e.notes.iter().any(|n| n.contains("did you mean `@nyt`?")));
    }

    #[test]
    fn quotations() {
        let (s, f) = set();
        let r = resolve_ref(&s, &cite("nyt", None, Some("buffer  zone"))).unwrap();
        assert_eq!(
            r.quotes,
            [QuotedPassage {
                paragraph: 1,
                pieces: std::iter::once(4..15).collect()
            }]
        );
        let e = resolve_ref(&s, &cite("nyt", None, Some("talks")))
            .unwrap_err()
            .diagnostic(f);
        assert!(
            e.message
                .starts_with("quotation found in 2 paragraphs of `nyt` (p1, p2)"),
            "{}",
            e.message
        );
        let r = resolve_ref(&s, &cite("nyt", Some("p2"), Some("the talks"))).unwrap();
        assert_eq!(
            r.quotes,
            [QuotedPassage {
                paragraph: 1,
                pieces: std::iter::once(17..26).collect()
            }]
        );
        let e = resolve_ref(&s, &cite("nyt", None, Some("The talks resumd")))
            .unwrap_err()
            .diagnostic(f);
        assert_eq!(e.message, "quotation not found in `nyt`");
        assert!(
            e.notes[0].contains("in p1: \u{201C}The talks resumed.\u{201D}"),
            "{:?}",
            e.notes
        );
        // The first letter's case may differ; no other.
        resolve_ref(&s, &cite("nyt", None, Some("the buffer zone"))).unwrap();
        let e = resolve_ref(&s, &cite("nyt", None, Some("The Buffer zone")))
            .unwrap_err()
            .diagnostic(f);
        assert!(
            e.notes[1].contains("other capital letters"),
            "{:?}",
            e.notes
        );
    }

    #[test]
    fn the_reports_drift_is_the_problem_the_error_shows() {
        let (s, f) = set();
        let problem = resolve_ref(&s, &cite("nyt", None, Some("The talks resumd"))).unwrap_err();
        let drift = problem.drift(f).expect("a quotation not found is a drift");
        assert_eq!(drift.closest, Some((0, "The talks resumed.".to_string())));
        assert_eq!(drift.quotation, "The talks resumd");
        let shown = problem.diagnostic(f);
        assert!(shown.notes[0].contains("The talks resumed."), "{shown:?}");
        // Cited to the wrong paragraph: the error names where the words
        // are; the report still shows the passage closest where cited.
        let problem =
            resolve_ref(&s, &cite("nyt", Some("p3"), Some("The talks resumed"))).unwrap_err();
        assert_eq!(problem.drift(f).unwrap().closest.map(|c| c.0), Some(2));
        assert!(problem.diagnostic(f).notes[0].contains("stand in p1"));
        // Other problems are not drifts.
        let ambiguous = resolve_ref(&s, &cite("nyt", None, Some("talks"))).unwrap_err();
        assert_eq!(ambiguous.drift(f), None);
        let unknown = resolve_ref(&s, &cite("nyy", None, Some("talks"))).unwrap_err();
        assert_eq!(unknown.drift(f), None);
    }
}
