//! What can be wrong with a citation, as data: each problem carries what
//! was found, and is turned into the message, label, notes and help an
//! author reads in one place ([`Problem::diagnostic`]). The editor's report
//! reads the same data ([`Problem::drift`]): a quotation no longer found
//! is listed from the problem the renderer found, never by resolving the
//! citation again.

use std::ops::Range;

use crate::diagnostics::{Diagnostic, FileId};

/// A citation that cannot be resolved or a quotation that cannot be
/// verified.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// `@key` names no source.
    UnknownSource {
        /// Where the key is written.
        span: Range<usize>,
        /// The key, shortened for messages.
        key: String,
        /// A source id one edit or so away.
        did_you_mean: Option<String>,
        /// The closest ids, when none is that close.
        closest: Vec<String>,
        /// Whether the book has any source at all.
        no_sources: bool,
    },
    /// `#p5-p3`.
    BackwardRange {
        /// Where the locator is written.
        span: Range<usize>,
        /// The locator as written.
        locator: String,
    },
    /// `#x`, neither a paragraph nor an anchor of the source.
    UnknownLocator {
        /// Where the locator is written.
        span: Range<usize>,
        /// The locator, shortened for messages.
        locator: String,
        /// The source's id.
        source: String,
        /// An anchor one edit or so away.
        did_you_mean: Option<String>,
        /// How many paragraphs the source has.
        paragraphs: usize,
    },
    /// `#p9` in a source of fewer paragraphs.
    NoSuchParagraph {
        /// Where the locator is written.
        span: Range<usize>,
        /// The source's id.
        source: String,
        /// How many paragraphs the source has.
        paragraphs: usize,
        /// The paragraph asked for, zero-based.
        asked: usize,
    },
    /// A quotation the editors' conventions cannot read (an unclosed
    /// bracket, nothing but an ellipsis).
    UncheckableQuotation {
        /// Where the quotation, with its marks, stands.
        span: Range<usize>,
        /// What is wrong.
        message: String,
        /// What would fix it.
        help: String,
    },
    /// A quotation found in more than one paragraph of the passage cited.
    AmbiguousQuotation {
        /// Where the quotation, with its marks, stands.
        span: Range<usize>,
        /// How messages name the passage searched (`` `nyt` #p3-p5 ``).
        searched: String,
        /// The source's id.
        source: String,
        /// The paragraphs that hold it, zero-based.
        paragraphs: Vec<usize>,
        /// The quotation on one line, for the example of the help.
        quotation: String,
    },
    /// A quotation found nowhere in the passage cited.
    QuotationNotFound(Box<NotFound>),
}

/// A quotation not found in the passage it cites, and what was found
/// instead.
#[derive(Debug, Clone, PartialEq)]
pub struct NotFound {
    /// Where the quotation, with its marks, stands.
    pub span: Range<usize>,
    /// How messages name the passages searched (`` `nyt` #p3 ``, or
    /// several joined by "nor in").
    pub searched: String,
    /// The source's index in the book's source set.
    pub source: usize,
    /// The source's id.
    pub source_id: String,
    /// The quotation as written.
    pub quotation: String,
    /// With a locator: the other paragraphs of the source that hold the
    /// words, zero-based.
    pub elsewhere: Vec<usize>,
    /// The passage now closest to the words (zero-based paragraph, its
    /// words on one line), when it was searched.
    pub closest: Option<(usize, String)>,
    /// What differs word by word from the closest passage.
    pub difference: Option<String>,
    /// Whether the words are there but for case and dashes.
    pub case_or_dash: bool,
    /// Whether the closest passage was left unsearched because too many
    /// quotations of this fragment were not found
    /// ([`crate::resolve::CLOSEST_PASSAGES`]).
    pub over_budget: bool,
}

/// A quotation that is not found in the text it cites, as the editor's
/// report lists it, with the passage of the source now closest to it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteDrift {
    /// The file the citation is written in.
    pub file: FileId,
    /// Where the quotation, with its marks, stands in that file.
    pub span: Range<usize>,
    /// The source's index in the [`crate::resolve::SourceSet`].
    pub source: usize,
    /// The quoted words as written.
    pub quotation: String,
    /// The passage now closest to them: the zero-based paragraph and its
    /// words on one line.
    pub closest: Option<(usize, String)>,
}

impl Problem {
    /// The error an author reads, in `file`.
    pub fn diagnostic(&self, file: FileId) -> Diagnostic {
        match self {
            Problem::UnknownSource {
                span,
                key,
                did_you_mean,
                closest,
                no_sources,
            } => {
                let d = Diagnostic::error(file, span.clone(), format!("unknown source `{key}`"))
                    .with_label("no source has this id");
                match did_you_mean {
                    Some(close) => d.with_help(format!("did you mean `@{close}`?")),
                    None if *no_sources => d.with_help(
                        "this book has no sources yet: add the article as `seeds/<id>.md` or `seeds/<id>.txt`",
                    ),
                    None => d.with_help(format!(
                        "the sources are: {}; or add `seeds/{key}.md`",
                        closest.join(", ")
                    )),
                }
            }
            Problem::BackwardRange { span, locator } => Diagnostic::error(
                file,
                span.clone(),
                format!("the range {locator} runs backwards"),
            )
            .with_help("write the first paragraph first, e.g. `#p3-p5`"),
            Problem::UnknownLocator {
                span,
                locator,
                source,
                did_you_mean,
                paragraphs,
            } => {
                let d = Diagnostic::error(
                    file,
                    span.clone(),
                    format!("`#{locator}` is neither a paragraph nor a named anchor of `{source}`"),
                )
                .with_label("unknown locator");
                match did_you_mean {
                    Some(close) => d.with_help(format!("did you mean `#{close}`?")),
                    None => d.with_help(format!(
                        "cite a paragraph from `#p1` to `#p{paragraphs}`, or name an anchor in the source's `[anchors]` table"
                    )),
                }
            }
            Problem::NoSuchParagraph {
                span,
                source,
                paragraphs,
                asked,
            } => Diagnostic::error(
                file,
                span.clone(),
                format!(
                    "`{source}` has {paragraphs} paragraphs; there is no p{}",
                    asked + 1
                ),
            )
            .with_label("no such paragraph")
            .with_help(format!("cite a paragraph from p1 to p{paragraphs}")),
            Problem::UncheckableQuotation {
                span,
                message,
                help,
            } => Diagnostic::error(file, span.clone(), message.clone())
                .with_label("not a quotation that can be checked")
                .with_help(help.clone()),
            Problem::AmbiguousQuotation {
                span,
                searched,
                source,
                paragraphs,
                quotation,
            } => {
                let places: Vec<String> =
                    paragraphs.iter().map(|p| format!("p{}", p + 1)).collect();
                let first = places.first().map_or("", String::as_str);
                Diagnostic::error(
                    file,
                    span.clone(),
                    format!(
                        "quotation found in {} paragraphs of {searched} ({})",
                        places.len(),
                        places.join(", ")
                    ),
                )
                .with_label("ambiguous quotation")
                .with_help(format!(
                    "say which paragraph you mean, e.g. `[@{source}#{first} \"{quotation}\"]`, or quote more words"
                ))
            }
            Problem::QuotationNotFound(n) => n.diagnostic(file),
        }
    }

    /// The drift the editor's report lists, when the problem is a
    /// quotation no longer found in its source.
    pub fn drift(&self, file: FileId) -> Option<QuoteDrift> {
        match self {
            Problem::QuotationNotFound(n) => Some(QuoteDrift {
                file,
                span: n.span.clone(),
                source: n.source,
                quotation: n.quotation.clone(),
                closest: n.closest.clone(),
            }),
            _ => None,
        }
    }
}

impl NotFound {
    fn diagnostic(&self, file: FileId) -> Diagnostic {
        let d = Diagnostic::error(
            file,
            self.span.clone(),
            format!("quotation not found in {}", self.searched),
        )
        .with_label("not in the source");
        // The right words cited to the wrong paragraph: say where they are.
        match self.elsewhere.as_slice() {
            [] => {}
            [p] => {
                return d
                    .with_note(format!(
                        "the words stand in p{} of `{}`",
                        p + 1,
                        self.source_id
                    ))
                    .with_help(format!("did you mean `#p{}`?", p + 1));
            }
            places => {
                let places: Vec<String> = places.iter().map(|p| format!("p{}", p + 1)).collect();
                return d
                    .with_note(format!(
                        "the words stand in {} of `{}`",
                        places.join(", "),
                        self.source_id
                    ))
                    .with_help("cite the paragraph that holds them");
            }
        }
        if self.over_budget {
            return d
                .with_note(format!(
                    "the closest passage is searched for the first {} quotations not found in a text only",
                    crate::resolve::CLOSEST_PASSAGES
                ))
                .with_help("copy the words exactly from the source");
        }
        let mut d = d;
        if let Some((p, text)) = &self.closest {
            d = d.with_note(format!(
                "closest passage, in p{}: \u{201C}{text}\u{201D}",
                p + 1
            ));
        }
        if let Some(difference) = &self.difference {
            d = d.with_note(difference.clone());
        }
        if self.case_or_dash {
            d.with_help("the words are there, but with other capital letters or dashes (– —); copy them exactly")
        } else {
            d.with_help(
                "copy the words exactly from the source: only spacing, quotation marks, apostrophes and hyphens may differ; mark left-out words with `...` and changes with [brackets]",
            )
        }
    }
}
