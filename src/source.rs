//! Sources: the archived articles under `seeds/` that notes cite.
//!
//! A source body is plain text, never Markdown: it is the archived wording
//! and is shown exactly as written. It is cut into numbered paragraphs
//! (`p1`, `p2`, ...) that citations address. In `.md` sources paragraphs are
//! separated by blank lines; in `.txt` sources every non-empty line is one.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;

use crate::date::{DateValue, PartialDate};
use crate::diagnostics::{Diagnostic, FileId};
use crate::frontmatter;
use crate::quote::Normalized;

/// Front matter of a `.md` source.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SourceFrontMatter {
    id: Option<String>,
    title: Option<String>,
    outlet: Option<String>,
    #[serde(default)]
    authors: Vec<String>,
    published: Option<DateValue>,
    url: Option<String>,
    language: Option<String>,
    note: Option<String>,
    #[serde(default)]
    anchors: BTreeMap<String, String>,
}

/// One paragraph of a source.
#[derive(Debug, Clone)]
pub struct Paragraph {
    /// The paragraph's text as written (trimmed at both ends).
    pub text: String,
    /// Where the paragraph stands in the source file.
    pub span: Range<usize>,
    /// The text normalised for quotation matching.
    pub normalized: Normalized,
}

/// One archived article.
#[derive(Debug, Clone)]
pub struct Source {
    /// The key citations use: `[@id]`.
    pub id: String,
    /// The file it was read from.
    pub file: FileId,
    /// The article's title.
    pub title: String,
    /// Who published it.
    pub outlet: Option<String>,
    /// Who wrote it.
    pub authors: Vec<String>,
    /// When it was published, at the precision known.
    pub published: Option<PartialDate>,
    /// Where the original lives.
    pub url: Option<String>,
    /// BCP 47 language of the article, when not the book's.
    pub language: Option<String>,
    /// How the metadata was established.
    pub note: Option<String>,
    /// Named anchors: name to paragraph index (zero-based).
    pub anchors: BTreeMap<String, usize>,
    /// The paragraphs, `p1` first.
    pub paragraphs: Vec<Paragraph>,
}

/// Whether `id` is a valid source or term id: `[a-z0-9][a-z0-9_-]*`.
pub fn is_valid_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
}

/// Whether `id`, a valid id, names a page briefbook makes in `sources/`:
/// `sources/index.html` lists the sources, so no source may be `index`.
pub fn is_reserved_id(id: &str) -> bool {
    id == "index"
}

/// Parses `p7` into the zero-based paragraph index 6.
pub fn parse_paragraph_ref(text: &str) -> Option<usize> {
    let digits = text.strip_prefix('p')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    digits.parse::<usize>().ok().map(|n| n - 1)
}

fn paragraph(text: &str, start: usize, end: usize) -> Paragraph {
    let raw = &text[start..end];
    let leading = raw.len() - raw.trim_start().len();
    let trimmed = raw.trim();
    Paragraph {
        text: trimmed.to_string(),
        span: start + leading..start + leading + trimmed.len(),
        normalized: Normalized::new(trimmed),
    }
}

/// Cuts a body into paragraphs. `per_line`: every non-empty line is a
/// paragraph (`.txt`); otherwise blank lines separate them (`.md`).
fn paragraphs(text: &str, body_offset: usize, per_line: bool) -> Vec<Paragraph> {
    let mut result = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset = body_offset;
    for line in text[body_offset..].split_inclusive('\n') {
        let line_end = offset + line.len();
        if line.trim().is_empty() {
            if let Some(s) = start.take() {
                result.push(paragraph(text, s, offset));
            }
        } else if per_line {
            result.push(paragraph(text, offset, line_end));
        } else if start.is_none() {
            start = Some(offset);
        }
        offset = line_end;
    }
    if let Some(s) = start {
        result.push(paragraph(text, s, text.len()));
    }
    result
}

/// Checks a source's `url`: the original is on the web, so only `http:`
/// and `https:` addresses are accepted (never `javascript:`, `data:` or a
/// path into the book); characters a URL may not hold are percent-encoded.
pub fn original_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http" | "https") if url.len() > url.find(':').unwrap_or(0) + 3 => {
            Ok(percent_encoding::utf8_percent_encode(url, crate::html::URL_UNSAFE).to_string())
        }
        _ => Err(format!(
            "`url` must be a web address starting with `http://` or `https://`, not `{}`",
            url.chars().take(60).collect::<String>()
        )),
    }
}

impl Source {
    /// Reads a source from the text of `file`. `stem` is the file name
    /// without extension; `is_txt` selects the `.txt` form.
    pub fn parse(
        file: FileId,
        stem: &str,
        text: &str,
        is_txt: bool,
    ) -> Result<Source, Vec<Diagnostic>> {
        let whole = 0..text.len().min(1);
        if is_txt {
            let paragraphs = paragraphs(text, 0, true);
            let Some(first) = paragraphs.first() else {
                return Err(vec![Diagnostic::error(file, whole, "this source has no text")
                    .with_help("a `.txt` source needs at least one non-empty line: its first line is the title")]);
            };
            if !is_valid_id(stem) || is_reserved_id(stem) {
                return Err(vec![invalid_id(file, whole, stem, true)]);
            }
            return Ok(Source {
                id: stem.to_string(),
                file,
                title: first.text.clone(),
                outlet: None,
                authors: Vec::new(),
                published: None,
                url: None,
                language: None,
                note: None,
                anchors: BTreeMap::new(),
                paragraphs,
            });
        }

        let split =
            frontmatter::split(text).map_err(|span| vec![frontmatter::unterminated(file, span)])?;
        let (front, fm_span): (SourceFrontMatter, Range<usize>) = match split.front_matter {
            Some((toml_text, span)) => (
                frontmatter::parse_toml(file, toml_text, span.start, "source front matter")
                    .into_result()?,
                span,
            ),
            None => (SourceFrontMatter::default(), 0..0),
        };
        let fm_text = &text[fm_span.clone()];
        let key_span = |key: &str| -> Range<usize> {
            fm_text
                .find(&format!("{key} "))
                .or_else(|| fm_text.find(&format!("{key}=")))
                .or_else(|| fm_text.find(key))
                .map_or(fm_span.start..fm_span.start + 1, |at| {
                    fm_span.start + at..fm_span.start + at + key.len()
                })
        };
        let mut errors = Vec::new();
        let paragraphs = paragraphs(text, split.body_offset, false);
        let id = front.id.clone().unwrap_or_else(|| stem.to_string());
        if !is_valid_id(&id) || is_reserved_id(&id) {
            let span = if front.id.is_some() {
                key_span("id")
            } else {
                whole.clone()
            };
            errors.push(invalid_id(file, span, &id, front.id.is_none()));
        }
        let title = match &front.title {
            Some(t) if !t.trim().is_empty() => t.trim().to_string(),
            _ => {
                errors.push(
                    Diagnostic::error(
                        file,
                        if fm_span.is_empty() {
                            whole.clone()
                        } else {
                            fm_span.clone()
                        },
                        "this source has no title",
                    )
                    .with_help("add `title = \"...\"` to the front matter between `+++` lines"),
                );
                String::new()
            }
        };
        let published = match &front.published {
            Some(value) => match value.to_partial() {
                Ok(date) => Some(date),
                Err(e) => {
                    errors.push(Diagnostic::error(
                        file,
                        key_span("published"),
                        format!("invalid `published` date: {e}"),
                    ));
                    None
                }
            },
            None => None,
        };
        if paragraphs.is_empty() {
            errors.push(Diagnostic::error(file, whole.clone(), "this source has no text").with_help(
                "write the article's text after the front matter, paragraphs separated by blank lines",
            ));
        }
        let url = match front.url.as_deref().map(original_url) {
            Some(Ok(url)) => Some(url),
            Some(Err(message)) => {
                errors.push(
                    Diagnostic::error(file, key_span("url"), message)
                        .with_help("give the address of the original article, e.g. `url = \"https://example.com/article\"`"),
                );
                None
            }
            None => None,
        };
        let mut anchors = BTreeMap::new();
        for (name, target) in &front.anchors {
            let span = key_span(name);
            if !is_valid_id(name) {
                errors.push(
                    Diagnostic::error(file, span.clone(), format!("anchor name `{name}` is not valid"))
                        .with_help("use lower-case letters, digits, `-` and `_`, starting with a letter or digit"),
                );
            }
            match parse_paragraph_ref(target) {
                Some(index) if index < paragraphs.len() => {
                    anchors.insert(name.clone(), index);
                }
                Some(_) => errors.push(
                    Diagnostic::error(file, span, format!("anchor `{name}` points to {target}, but this source has {} paragraphs", paragraphs.len()))
                        .with_help(format!("use a paragraph from p1 to p{}", paragraphs.len())),
                ),
                None => errors.push(
                    Diagnostic::error(file, span, format!("anchor `{name}` must point to a paragraph like \"p7\", not \"{target}\""))
                        .with_help(format!("write `{name} = \"p1\"` with the paragraph's number")),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Source {
            id,
            file,
            title,
            outlet: front.outlet,
            authors: front.authors,
            published,
            url,
            language: front.language,
            note: front.note,
            anchors,
            paragraphs,
        })
    }

    /// Finds a named anchor by name, returning its paragraph index.
    pub fn anchor(&self, name: &str) -> Option<usize> {
        self.anchors.get(name).copied()
    }
}

fn invalid_id(file: FileId, span: Range<usize>, id: &str, from_stem: bool) -> Diagnostic {
    if is_reserved_id(id) {
        let d = Diagnostic::error(
            file,
            span,
            format!("`{id}` cannot be a source id: sources/{id}.html is the list of sources"),
        );
        return if from_stem {
            d.with_help("rename the file, or set another `id = \"...\"` in its front matter")
        } else {
            d.with_help("choose another id")
        };
    }
    let d = Diagnostic::error(file, span, format!("`{id}` is not a valid source id"));
    if from_stem {
        d.with_help("ids use lower-case letters, digits, `-` and `_`; rename the file or set `id = \"...\"` in its front matter")
    } else {
        d.with_help(
            "ids use lower-case letters, digits, `-` and `_`, starting with a letter or digit",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceMap;

    fn file() -> FileId {
        SourceMap::default().add("s".into(), "s".into(), "".into())
    }

    #[test]
    fn txt_sources_have_a_paragraph_per_line() {
        let s = Source::parse(
            file(),
            "nyt",
            "Title line\n\n  Second line  \nThird\n",
            true,
        )
        .unwrap();
        assert_eq!(s.title, "Title line");
        let texts: Vec<&str> = s.paragraphs.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["Title line", "Second line", "Third"]);
    }

    #[test]
    fn md_sources_split_on_blank_lines_and_keep_anchors() {
        let text = "+++\ntitle = \"T\"\n[anchors]\nzone = \"p2\"\n+++\nOne\nstill one\n\nTwo\n";
        let s = Source::parse(file(), "x", text, false).unwrap();
        assert_eq!(s.paragraphs.len(), 2);
        assert_eq!(s.paragraphs[0].text, "One\nstill one");
        assert_eq!(&text[s.paragraphs[1].span.clone()], "Two");
        assert_eq!(s.anchor("zone"), Some(1));
    }

    #[test]
    fn paragraph_refs() {
        assert_eq!(parse_paragraph_ref("p1"), Some(0));
        assert_eq!(parse_paragraph_ref("p12"), Some(11));
        for bad in ["p0", "p", "q1", "p01", "p-1"] {
            assert_eq!(parse_paragraph_ref(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids() {
        assert!(is_valid_id("nyt-2025_a"));
        assert!(!is_valid_id("NYT"));
        assert!(!is_valid_id("-x"));
        assert!(!is_valid_id("../x"));
    }
}
