//! Encoding: postings as base-45 variable-length digits, text as JSON
//! string literals, and the order and URLs documents are written in.

use super::*;

/// Digits of the postings: printable ASCII without `"` and `\`, so a list is
/// a plain JavaScript string. The first 45 end a number, the next 45 go
/// before its last digit (big-endian base 45).
pub(super) const DIGITS: &[u8; 90] =
    b"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}";

pub(super) fn push_number(mut value: u64, out: &mut String) {
    if value < 45 {
        // One digit: most postings (neighbouring documents).
        out.push(char::from(DIGITS[value as usize]));
        return;
    }
    let mut digits = [0u8; 16];
    let mut n = 0;
    loop {
        digits[n] = (value % 45) as u8;
        n += 1;
        value /= 45;
        if value == 0 || n == digits.len() {
            break;
        }
    }
    for k in (0..n).rev() {
        let digit = digits[k] + if k == 0 { 0 } else { 45 };
        out.push(char::from(DIGITS[usize::from(digit)]));
    }
}

/// A postings list (`document << 1 | in title`, sorted): each entry as the
/// gap to the previous document (minus one) times two, plus the title bit.
pub(super) fn encode_postings(postings: &[u32], out: &mut String) {
    let mut previous: i64 = -1;
    for &value in postings {
        let doc = i64::from(value >> 1);
        let gap = (doc - previous - 1).max(0) as u64;
        push_number(gap * 2 + u64::from(value & 1), out);
        previous = doc;
    }
}

/// serde_json's compact formatter, except that U+2028 and U+2029 are
/// escaped too: the index is JavaScript, in which they ended a line inside
/// a string literal before ES2019.
struct JavaScriptFormatter;

impl serde_json::ser::Formatter for JavaScriptFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(['\u{2028}', '\u{2029}']) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let escape: &[u8] = if rest[at..].starts_with('\u{2028}') {
                b"\\u2028"
            } else {
                b"\\u2029"
            };
            writer.write_all(escape)?;
            rest = &rest[at + '\u{2028}'.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

/// Lets serde_json write into a `String`. It writes only whole UTF-8
/// pieces (the text between escapes, and ASCII), so each is checked
/// alone: the text is copied once, with no buffer of its own.
struct IntoString<'s>(&'s mut String);

impl std::io::Write for IntoString<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        self.0.push_str(text);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Appends `text` as a JSON (and JavaScript) string literal.
pub(super) fn json_into(out: &mut String, text: &str) {
    let mut serializer =
        serde_json::Serializer::with_formatter(IntoString(out), JavaScriptFormatter);
    // Writing whole UTF-8 pieces into a `String` cannot fail.
    let _ = serde::Serialize::serialize(text, &mut serializer);
}

/// Orders as JavaScript compares strings (UTF-16 code units), which differs
/// from byte order only for characters beyond U+FFFF.
pub(super) fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let astral = |s: &str| s.bytes().any(|x| x >= 0xF0);
    if astral(a) || astral(b) {
        a.encode_utf16().cmp(b.encode_utf16())
    } else {
        a.cmp(b)
    }
}

pub(super) fn url(path: &str, fragment: Option<&str>) -> String {
    // The encoded pieces appended (not `to_string`, which formats them).
    let mut url = String::with_capacity(path.len() + fragment.map_or(0, |f| f.len() + 1));
    url.extend(percent_encoding::utf8_percent_encode(path, URL_UNSAFE));
    if let Some(fragment) = fragment {
        url.push('#');
        url.extend(percent_encoding::utf8_percent_encode(fragment, URL_UNSAFE));
    }
    url
}
