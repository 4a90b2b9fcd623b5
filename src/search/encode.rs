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

/// Bytes that [`json_into`] must look at: control characters, `"`, `\`,
/// and the lead byte of U+2028 and U+2029.
pub(super) const JSON_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[0xE2] = true;
    table
};

/// Where a word of eight bytes holds a byte of [`JSON_SPECIAL`]: the lowest
/// set bit is the high bit of the first such byte (see [`skip_words`]).
#[inline(always)]
pub(super) fn json_stops(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The classic tests: a byte below `n` (for `n` <= 0x80), a zero byte.
    // A borrow can set the bit of a byte above one found, never below: the
    // lowest bit set is exact.
    let below = |v: u64, n: u8| v.wrapping_sub(u64::from(n) * ONES) & !v & HIGH;
    let zero = |v: u64| below(v, 1);
    below(x, 0x20)
        | zero(x ^ (u64::from(b'"') * ONES))
        | zero(x ^ (u64::from(b'\\') * ONES))
        | zero(x ^ (0xE2 * ONES))
}

/// Appends `text` as a JSON (and JavaScript) string literal.
pub(super) fn json_into(out: &mut String, text: &str) {
    out.push('"');
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time to the next special byte (most text).
        i += skip_words(&bytes[i..], json_stops);
        let Some(&b) = bytes.get(i) else { break };
        if !JSON_SPECIAL[usize::from(b)] {
            i += 1;
            continue;
        }
        // U+2028 and U+2029 (E2 80 A8/A9) end a line in older JavaScript.
        let separator = b == 0xE2
            && bytes.get(i + 1) == Some(&0x80)
            && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9));
        if b < 0x20 || b == b'"' || b == b'\\' || separator {
            out.push_str(&text[start..i]);
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\t' => out.push_str("\\t"),
                0xE2 => {
                    let _ = write!(
                        out,
                        "\\u{:04x}",
                        if bytes[i + 2] == 0xA8 { 0x2028 } else { 0x2029 }
                    );
                    i += 2;
                }
                _ => {
                    let _ = write!(out, "\\u{:04x}", b);
                }
            }
            start = i + 1;
        }
        i += 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
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
