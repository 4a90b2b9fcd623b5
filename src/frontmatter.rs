//! Splitting a file into TOML front matter (between `+++` lines) and body,
//! and parsing that front matter with errors that point into the file.
//!
//! Spans stay byte offsets into the whole file so that every later error,
//! from a TOML typo to a misquoted citation, can name its line and column.

use std::ops::Range;

use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, FileId, did_you_mean};

/// A file cut into its front matter and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The TOML text between the `+++` lines and its byte range in the file.
    pub front_matter: Option<(&'a str, Range<usize>)>,
    /// The rest of the file.
    pub body: &'a str,
    /// Where the body starts in the file.
    pub body_offset: usize,
}

/// Cuts `text` into front matter and body. A file whose first line is `+++`
/// must close it with another `+++` line.
pub fn split(text: &str) -> Result<Split<'_>, Range<usize>> {
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_line_end].trim_end() != "+++" {
        return Ok(Split {
            front_matter: None,
            body: text,
            body_offset: 0,
        });
    }
    let mut offset = first_line_end;
    for line in text[first_line_end..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let body_offset = offset + line.len();
            return Ok(Split {
                front_matter: Some((&text[first_line_end..offset], first_line_end..offset)),
                body: &text[body_offset..],
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(0..first_line_end.min(text.len()).max(1).min(text.len()))
}

/// The diagnostic for front matter that opens with `+++` and never closes.
pub fn unterminated(file: FileId, span: Range<usize>) -> Diagnostic {
    Diagnostic::error(file, span, "front matter is never closed")
        .with_label("opened here")
        .with_help("end the front matter with a line holding only `+++`")
}

/// Parses TOML text that starts at byte `offset` of `file` into `T`,
/// turning a TOML error into a diagnostic at the right place.
pub fn parse_toml<T: DeserializeOwned>(
    file: FileId,
    toml_text: &str,
    offset: usize,
    what: &str,
) -> Result<T, Diagnostic> {
    toml::from_str(toml_text)
        .map_err(|error| toml_diagnostic(file, toml_text, offset, what, &error))
}

/// Turns a TOML error into a diagnostic, with a hint for unknown keys.
pub fn toml_diagnostic(
    file: FileId,
    toml_text: &str,
    offset: usize,
    what: &str,
    error: &toml::de::Error,
) -> Diagnostic {
    let span = error.span().unwrap_or(0..0);
    let span = if span.is_empty() && span.start < toml_text.len() {
        span.start..span.start + 1
    } else {
        span
    };
    let message = error.message().trim().to_string();
    let first_line = message.lines().next().unwrap_or("invalid TOML").to_string();
    let mut diagnostic = Diagnostic::error(
        file,
        offset + span.start..offset + span.end,
        format!("invalid {what}: {first_line}"),
    );
    for extra in message.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        diagnostic = diagnostic.with_note(extra.trim().to_string());
    }
    if first_line.starts_with("unknown field") {
        // toml says: unknown field `titel`, expected one of `title`, `summary`
        let names: Vec<&str> = first_line.split('`').skip(1).step_by(2).collect();
        let suggestion = names
            .split_first()
            .and_then(|(wrong, known)| did_you_mean(wrong, known.iter().copied()));
        diagnostic = match suggestion {
            Some(known) => diagnostic.with_help(format!("did you mean `{known}`? Unknown keys are errors so that typos never pass silently")),
            None => diagnostic.with_help("remove the key or fix its spelling; unknown keys are errors so that typos never pass silently"),
        };
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let s = split("+++\ntitle = \"x\"\n+++\nbody\n").unwrap();
        assert_eq!(s.front_matter.unwrap().0, "title = \"x\"\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_offset, 20);
    }

    #[test]
    fn no_front_matter_and_crlf() {
        let s = split("# Hi\n").unwrap();
        assert!(s.front_matter.is_none());
        let s = split("+++\r\na = 1\r\n+++\r\nb").unwrap();
        assert_eq!(s.front_matter.unwrap().0, "a = 1\r\n");
        assert_eq!(s.body, "b");
    }

    #[test]
    fn unterminated_front_matter_is_an_error() {
        assert!(split("+++\ntitle = 1\n").is_err());
        assert!(split("+++").is_err());
    }
}
