//! Where the text of a TOML string value stands in its file.
//!
//! Glossary definitions and chronology bodies are Markdown inside TOML
//! strings. Errors in them must point into the file, but the string the
//! TOML parser hands over is decoded: `\"` is one character where the file
//! has two, `\u2011` one where it has six. [`StringPosition`] maps offsets
//! in the decoded text back to the file.

use std::ops::Range;

/// How to find decoded offsets of a TOML string in its file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringPosition {
    /// Where the string's text starts in the file.
    pub offset: usize,
    /// (decoded offset, raw offset) where a run of one-to-one bytes starts,
    /// relative to `offset`; empty when the string has no escapes.
    segments: Vec<(u32, u32)>,
}

fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl StringPosition {
    /// A position with no escapes to account for.
    pub fn at(offset: usize) -> StringPosition {
        StringPosition {
            offset,
            segments: Vec::new(),
        }
    }

    /// Locates the string whose literal (quotes included) spans `literal`.
    pub fn locate(file_text: &str, literal: Range<usize>) -> StringPosition {
        let raw = file_text.get(literal.clone()).unwrap_or("");
        let (open, basic) = if raw.starts_with("\"\"\"") {
            (3, true)
        } else if raw.starts_with("'''") {
            (3, false)
        } else if raw.starts_with('"') {
            (1, true)
        } else if raw.starts_with('\'') {
            (1, false)
        } else {
            return StringPosition {
                offset: literal.start,
                segments: Vec::new(),
            };
        };
        let mut start = open;
        if open == 3 {
            // A newline right after the opening delimiter is not part of the value.
            if raw[start..].starts_with("\r\n") {
                start += 2;
            } else if raw[start..].starts_with('\n') {
                start += 1;
            }
        }
        let body = &raw[start..raw.len().saturating_sub(open).max(start)];
        let mut position = StringPosition {
            offset: literal.start + start,
            segments: Vec::new(),
        };
        if basic && body.contains('\\') {
            position.segments = escape_segments(body);
        }
        position
    }

    /// The file offset of byte `local` of the decoded text.
    pub fn to_file(&self, local: usize) -> usize {
        let index = self.segments.partition_point(|&(d, _)| d as usize <= local);
        match index.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(d, r)) => self.offset + r as usize + (local - d as usize),
            None => self.offset + local,
        }
    }

    /// Whether decoded offsets need mapping at all.
    pub fn has_escapes(&self) -> bool {
        !self.segments.is_empty()
    }
}

/// Walks a basic string's raw text, recording where decoded and raw
/// offsets part.
fn escape_segments(raw: &str) -> Vec<(u32, u32)> {
    let mut segments = vec![(0, 0)];
    let bytes = raw.as_bytes();
    let (mut r, mut d) = (0usize, 0usize);
    while r < bytes.len() {
        if bytes[r] != b'\\' {
            let len = raw[r..].chars().next().map_or(1, char::len_utf8);
            r += len;
            d += len;
            continue;
        }
        let (raw_len, decoded_len) = match bytes.get(r + 1) {
            Some(b'u') => (6, hex_char_len(raw.get(r + 2..r + 6))),
            Some(b'U') => (10, hex_char_len(raw.get(r + 2..r + 10))),
            Some(b'x') => (4, hex_char_len(raw.get(r + 2..r + 4))),
            Some(b'\n' | b'\r' | b' ' | b'\t') => {
                // A line-ending backslash: the break and the white space
                // after it vanish.
                let rest = &raw[r + 1..];
                let skipped = rest.len() - rest.trim_start().len();
                (1 + skipped, 0)
            }
            Some(_) => (2, 1),
            None => (1, 0),
        };
        r += raw_len;
        d += decoded_len;
        segments.push((small(d), small(r)));
    }
    segments
}

fn hex_char_len(hex: Option<&str>) -> usize {
    hex.and_then(|h| u32::from_str_radix(h, 16).ok())
        .and_then(char::from_u32)
        .map_or(1, char::len_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_map_one_to_one() {
        let file = "definition = \"A plain [@x] string\"\n";
        let literal = 13..35;
        let p = StringPosition::locate(file, literal);
        assert!(!p.has_escapes());
        assert_eq!(&file[p.to_file(8)..p.to_file(12)], "[@x]");
    }

    #[test]
    fn escapes_are_accounted_for() {
        let file = "body = \"He said \\\"no\\\" to al\\u2011Sharaa [@nope]\"\n";
        let start = file.find('"').unwrap();
        let end = file.rfind('"').unwrap() + 1;
        let decoded: String = toml::from_str::<toml::Value>(&file.replace("body = ", "v = "))
            .map(|v| v["v"].as_str().unwrap().to_string())
            .unwrap();
        let p = StringPosition::locate(file, start..end);
        let local = decoded.find("[@nope]").unwrap();
        assert_eq!(&file[p.to_file(local)..p.to_file(local) + 7], "[@nope]");
    }

    #[test]
    fn multi_line_strings_skip_the_first_newline() {
        let file = "body = \"\"\"\nLine [@x]\n\"\"\"\n";
        let p = StringPosition::locate(file, 7..file.len() - 1);
        assert_eq!(&file[p.to_file(5)..p.to_file(9)], "[@x]");
    }
}
