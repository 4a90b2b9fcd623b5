//! Notes: the author's Markdown files under `content/`.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Deserialize;

use crate::citation::markdown_options;
use crate::date::{DateValue, PartialDate};
use crate::diagnostics::{Diagnostic, FileId};
use crate::frontmatter;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NoteFrontMatter {
    title: Option<String>,
    summary: Option<String>,
    date: Option<DateValue>,
    weight: Option<i64>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    draft: bool,
}

/// One briefing note.
#[derive(Debug, Clone)]
pub struct Note {
    /// The file it was read from.
    pub file: FileId,
    /// Its path under `content/`, with `/` separators: `x/y.md`.
    pub path: String,
    /// Where it is published: `x/y.html`.
    pub page: String,
    /// The title: front matter, else the first `#` heading, else the stem.
    pub title: String,
    /// Whether the body opens with a `#` heading (then the body shows the
    /// heading and the page must not add the title as a second one).
    pub title_in_body: bool,
    /// A one-line summary for the table of contents.
    pub summary: Option<String>,
    /// The note's date, at the precision known.
    pub date: Option<PartialDate>,
    /// Ordering: lower first, then by title.
    pub weight: i64,
    /// Free tags.
    pub tags: Vec<String>,
    /// Drafts are left out unless asked for.
    pub draft: bool,
    /// Where the Markdown body starts in the file.
    pub body_offset: usize,
    /// The body's byte range in the file.
    pub body: Range<usize>,
    /// A hash of where the note is published and of what other pages show
    /// of it (title, summary, date, tags), made when it is read: while it
    /// and the note's rendering are the same, no other page changes.
    pub shown: u64,
}

/// The text of the first heading if it is a level-1 heading that opens the
/// body.
fn leading_h1(body: &str) -> Option<String> {
    // Parsing a whole note to see its first block costs as much as
    // rendering it: parse the first block alone, unless it holds a `[`,
    // which a link reference defined further down could turn into a link.
    let first_block = first_block(body);
    opening_h1(if first_block.contains('[') {
        body
    } else {
        first_block
    })
}

/// The text of the level-1 heading `markdown` opens with, if it does.
fn opening_h1(markdown: &str) -> Option<String> {
    let mut parser = Parser::new_ext(markdown, markdown_options());
    match parser.next()? {
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            ..
        }) => {}
        _ => return None,
    }
    let mut text = String::new();
    for event in parser {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// `body` up to its first blank line after some text.
fn first_block(body: &str) -> &str {
    let mut seen_text = false;
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        if blank && seen_text {
            return &body[..at];
        }
        seen_text |= !blank;
        at += line.len();
    }
    body
}

impl Note {
    /// Reads a note from the text of `file`, found at `path` under `content/`.
    pub fn parse(file: FileId, path: &str, text: &str) -> Result<Note, Vec<Diagnostic>> {
        let split =
            frontmatter::split(text).map_err(|span| vec![frontmatter::unterminated(file, span)])?;
        // Every problem of the front matter is reported in one run: its
        // keys, then the date, checked from the keys that were right.
        let (front, fm_span, mut errors) = match split.front_matter {
            Some((toml_text, span)) => {
                let parsed = frontmatter::parse_toml::<NoteFrontMatter>(
                    file,
                    toml_text,
                    span.start,
                    "front matter",
                );
                (parsed.value.unwrap_or_default(), span, parsed.errors)
            }
            None => (NoteFrontMatter::default(), 0..0, Vec::new()),
        };
        let date = match &front.date {
            Some(value) => match value.to_partial() {
                Ok(d) => Some(d),
                Err(e) => {
                    let fm = &text[fm_span.clone()];
                    let at = fm.find("date").map_or(fm_span.start, |i| fm_span.start + i);
                    errors.push(Diagnostic::error(
                        file,
                        at..at + 4,
                        format!("invalid `date`: {e}"),
                    ));
                    None
                }
            },
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let stem = path
            .rsplit('/')
            .next()
            .unwrap_or(path)
            .trim_end_matches(".md");
        let h1 = leading_h1(split.body);
        let title_in_body = h1.is_some();
        let title = match (&front.title, h1) {
            (Some(t), _) if !t.trim().is_empty() => t.trim().to_string(),
            (_, Some(h1)) => h1,
            _ => stem.to_string(),
        };
        let page = format!("{}.html", path.trim_end_matches(".md"));
        let shown = crate::fingerprint::hasher().hash_one((
            path,
            &page,
            &title,
            title_in_body,
            &front.summary,
            date,
            &front.tags,
        ));
        Ok(Note {
            file,
            path: path.to_string(),
            page,
            title,
            title_in_body,
            summary: front.summary,
            date,
            weight: front.weight.unwrap_or(0),
            tags: front.tags,
            draft: front.draft,
            body_offset: split.body_offset,
            body: split.body_offset..text.len(),
            shown,
        })
    }

    /// The section (sub-folder) the note is in, if any.
    pub fn section(&self) -> Option<&str> {
        self.path.rsplit_once('/').map(|(dir, _)| dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceMap;

    fn file() -> FileId {
        SourceMap::default().add("n".into(), "n".into(), "".into())
    }

    #[test]
    fn title_from_front_matter_heading_or_stem() {
        let n = Note::parse(
            file(),
            "a/b.md",
            "+++\ntitle = \"T\"\nweight = 2\n+++\n# H\n",
        )
        .unwrap();
        assert_eq!(
            (n.title.as_str(), n.title_in_body, n.weight, n.page.as_str()),
            ("T", true, 2, "a/b.html")
        );
        let n = Note::parse(file(), "a/b.md", "+++\ntitle = \"T\"\n+++\ntext\n").unwrap();
        assert!(!n.title_in_body);
        let n = Note::parse(file(), "b.md", "# The *Heading*\n\ntext").unwrap();
        assert_eq!((n.title.as_str(), n.title_in_body), ("The Heading", true));
        let n = Note::parse(file(), "plain-note.md", "text").unwrap();
        assert_eq!(n.title, "plain-note");
    }

    /// Reading the first block alone finds the title a whole parse finds.
    #[test]
    fn the_title_heading_is_read_from_the_first_block_as_from_the_whole() {
        for body in [
            "\n\n# Title *here*\n\ntext",
            "Setext\ntitle\n===\n\ntext",
            "Setext\n\n===\n",
            "# See [x]\n\n[x]: https://example.com\n",
            "```\n# code\n\n```\n",
            "<!--\n\n# comment -->\n",
            "> # quoted\n",
            "    # indented\n",
            "## Two\n",
            "",
        ] {
            assert_eq!(leading_h1(body), opening_h1(body), "{body:?}");
        }
        assert_eq!(
            leading_h1("# See [x]\n\n[x]: https://e.com\n").as_deref(),
            Some("See x")
        );
        assert_eq!(
            leading_h1("Setext\ntitle\n===\n").as_deref(),
            Some("Setext title")
        );
    }

    #[test]
    fn every_problem_of_the_front_matter_is_reported_at_once() {
        let text = "+++\ntitel = \"T\"\nsumary = \"S\"\ndraft = \"yes\"\ndate = \"2024-13\"\n+++\n";
        let errors = Note::parse(file(), "a.md", text).unwrap_err();
        let at = |d: &Diagnostic| &text[d.location.as_ref().unwrap().1.clone()];
        let found: Vec<&str> = errors.iter().map(at).collect();
        assert_eq!(found, ["titel", "sumary", "\"yes\"", "date"], "{errors:#?}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = Note::parse(file(), "a.md", "+++\ntitel = \"T\"\n+++\n").unwrap_err();
        assert!(e[0].message.contains("unknown field"), "{}", e[0].message);
        assert_eq!(e[0].location.as_ref().unwrap().1.start, 4);
    }
}
