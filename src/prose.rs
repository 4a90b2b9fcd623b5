//! Quotations in prose: `"words"` written in the sentence and cited after
//! it, as writers quote (`"officially at war since 1948"[@nyt#p8]`).
//!
//! They are found in the Markdown events of a fragment, the one parse that
//! renders it, so that emphasis, links and line breaks inside a quotation
//! are read as Markdown reads them, and code is never taken for prose. A
//! quotation belongs to the first citation that follows it in the same
//! block (paragraph, list item, table cell, heading); one that no citation
//! follows in its block is unattributed.

use std::ops::Range;

use pulldown_cmark::{Event, TagEnd};

/// A quotation found in prose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProseQuotation {
    /// Its words as Markdown renders them (without emphasis marks; line
    /// breaks as spaces).
    pub text: String,
    /// From its opening mark to its closing one, in the text the events
    /// were parsed from.
    pub span: Range<usize>,
    /// The placeholder index of the citation that follows it in its block;
    /// `None` when none does.
    pub citation: Option<usize>,
}

/// A quotation in prose that no citation follows in its block: a scare
/// quote, a title, or a quotation its author forgot to cite.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Unattributed {
    /// The file it is written in.
    #[serde(skip)]
    pub file: crate::diagnostics::FileId,
    /// Where, from mark to mark, in the file.
    #[serde(skip)]
    pub span: Range<usize>,
    /// Its words.
    pub text: String,
}

/// What the scan needs to know of a placeholder `{OPEN}index{CLOSE}`.
pub enum Placeholder<'a> {
    /// A citation group: it takes the quotations before it.
    Citation,
    /// A glossary reference: inside a quotation, it stands for these words.
    Words(&'a str),
}

/// The closing mark of a quotation opened by `c`; `None` if `c` opens none.
///
/// Straight double quotes reach here curled by smart punctuation; a
/// straight one left (escaped: `\"`) is not a quotation mark. Single
/// quotes mark a quotation inside a quotation, and apostrophes: they open
/// nothing here.
fn closing_mark(c: char) -> Option<&'static [char]> {
    match c {
        '\u{201C}' => Some(&['\u{201D}']),
        '\u{00AB}' => Some(&['\u{00BB}']),
        // German: „…“, also „…”.
        '\u{201E}' => Some(&['\u{201C}', '\u{201D}']),
        _ => None,
    }
}

/// Whether a tag (given by its end) starts or ends a block that
/// quotations do not cross: anything but inline markup.
fn is_block(tag: &TagEnd) -> bool {
    !matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
    )
}

/// An open quotation.
struct Open {
    start: usize,
    closes: &'static [char],
    text: String,
}

/// Finds the quotations in a fragment's events. `text` is what they were
/// parsed from (with placeholders), `open` and `close` the placeholder
/// delimiters, and `placeholder` says what a placeholder index stands for.
pub fn quotations<'p>(
    events: &[(Event<'_>, Range<usize>)],
    text: &str,
    (open_mark, close_mark): (char, char),
    placeholder: impl Fn(usize) -> Option<Placeholder<'p>>,
) -> Vec<ProseQuotation> {
    let mut found: Vec<ProseQuotation> = Vec::new();
    // Quotations of the current block that no citation has taken yet.
    let mut waiting = 0;
    let mut open: Option<Open> = None;
    for (event, range) in events {
        let block_boundary = match event {
            Event::Start(tag) => is_block(&tag.to_end()),
            Event::End(tag) => is_block(tag),
            _ => false,
        };
        if block_boundary {
            // A quotation still open at the end of its block is not one,
            // and a citation in the next block takes none of this one's.
            open = None;
            waiting = found.len();
            continue;
        }
        match event {
            Event::Code(code) => {
                if let Some(o) = &mut open {
                    o.text.push_str(code);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(o) = &mut open {
                    o.text.push(' ');
                }
            }
            Event::Text(t) => {
                // Text as written (borrowed) has its characters where the
                // source has them; text pulldown-cmark made (a curled
                // mark, an entity) stands for its whole range.
                let as_written = text.get(range.clone()) == Some(t.as_ref());
                let at = |i: usize, len: usize| {
                    if as_written {
                        range.start + i..range.start + i + len
                    } else {
                        range.clone()
                    }
                };
                // Most text holds no mark: jump from one lead byte of a
                // mark or placeholder to the next, copying the text between
                // whole when a quotation is open.
                let bytes = t.as_bytes();
                let mut i = 0;
                while i < bytes.len() {
                    let next = memchr::memchr3(0xC2, 0xE2, 0xEE, &bytes[i..])
                        .map_or(bytes.len(), |k| i + k);
                    if let Some(o) = &mut open {
                        o.text.push_str(&t[i..next]);
                    }
                    let Some(c) = t[next..].chars().next() else {
                        break;
                    };
                    i = next + c.len_utf8();
                    if c == open_mark {
                        let digits_end = t[i..].find(close_mark).map_or(t.len(), |k| i + k);
                        let index = t[i..digits_end].parse().ok();
                        i = (digits_end + close_mark.len_utf8()).min(t.len());
                        match index.and_then(|n| Some((n, placeholder(n)?))) {
                            Some((n, Placeholder::Citation)) if open.is_none() => {
                                for q in &mut found[waiting..] {
                                    q.citation = Some(n);
                                }
                                waiting = found.len();
                            }
                            Some((_, Placeholder::Words(words))) => {
                                if let Some(o) = &mut open {
                                    o.text.push_str(words);
                                }
                            }
                            _ => {}
                        }
                        continue;
                    }
                    match &mut open {
                        Some(o) if o.closes.contains(&c) => {
                            let o = open.take().expect("matched above");
                            found.push(ProseQuotation {
                                text: o.text,
                                span: o.start..at(next, c.len_utf8()).end,
                                citation: None,
                            });
                        }
                        Some(o) => o.text.push(c),
                        None => {
                            if let Some(closes) = closing_mark(c) {
                                open = Some(Open {
                                    start: at(next, c.len_utf8()).start,
                                    closes,
                                    text: String::new(),
                                });
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Options, Parser};

    /// (words, quoted text as written, citation) of each quotation of
    /// `markdown`, whose placeholders are `<n>`: 0 to 4 citations, 5 up
    /// a glossary reference standing for "Golan".
    fn found(written: &str) -> Vec<(String, String, Option<usize>)> {
        let markdown = &written.replace('<', "\u{E000}").replace('>', "\u{E001}");
        let events: Vec<_> = Parser::new_ext(
            markdown,
            Options::ENABLE_SMART_PUNCTUATION | Options::ENABLE_TABLES,
        )
        .into_offset_iter()
        .collect();
        quotations(&events, markdown, ('\u{E000}', '\u{E001}'), |n| match n {
            0..5 => Some(Placeholder::Citation),
            _ => Some(Placeholder::Words("Golan")),
        })
        .into_iter()
        .map(|q| {
            let quoted = markdown[q.span]
                .replace('\u{E000}', "<")
                .replace('\u{E001}', ">");
            (q.text, quoted, q.citation)
        })
        .collect()
    }

    fn q(words: &str, written: &str, citation: Option<usize>) -> (String, String, Option<usize>) {
        (words.into(), written.into(), citation)
    }

    #[test]
    fn a_quotation_belongs_to_the_first_citation_after_it_in_its_block() {
        assert_eq!(
            found(
                "He said \"at war\" and \"since 1948\" <0>, then \"more\" <1>.\n\n\"alone\" here\n"
            ),
            [
                q("at war", "\"at war\"", Some(0)),
                q("since 1948", "\"since 1948\"", Some(0)),
                q("more", "\"more\"", Some(1)),
                q("alone", "\"alone\"", None),
            ]
        );
        // A citation in the next paragraph, list item or cell takes none.
        assert_eq!(
            found("- \"a\"\n- b <0>\n\n| \"c\" | <1> |\n|---|---|\n"),
            [q("a", "\"a\"", None), q("c", "\"c\"", None)]
        );
    }

    #[test]
    fn emphasis_breaks_code_and_terms_are_read_as_markdown_renders_them() {
        assert_eq!(
            found("“the *harbour*\nauthority `x` <5>” <0>"),
            [q(
                "the harbour authority x Golan",
                "“the *harbour*\nauthority `x` <5>”",
                Some(0)
            )]
        );
        assert_eq!(found("«\u{a0}mots\u{a0}» <0> „Wort“ <1>").len(), 2);
    }

    #[test]
    fn escaped_single_and_unclosed_marks_are_not_quotations() {
        assert!(found("the \\\"deal\\\" <0>").is_empty());
        assert!(found("the 'deal' and Syria's <0>").is_empty());
        assert!(found("an \"open one <0>\n\nnext\" para").is_empty());
        // Single quotes inside a quotation are part of it.
        assert_eq!(
            found("\"he called it 'chaos' then\" <0>"),
            [q(
                "he called it ‘chaos’ then",
                "\"he called it 'chaos' then\"",
                Some(0)
            )]
        );
    }
}
