//! Folding: how a character of a document or a query becomes the bytes
//! of a token (lower case, decomposed, without the diacritics of [`STRIP`],
//! some letters spelled out), by the tables in `fold_tables.rs`.

use super::fold_tables::{FOLD_TABLE, MARK_TABLE};
use super::*;

/// The combining marks folding removes: diacritics of Latin, Greek and
/// Cyrillic (the combining diacritical mark blocks), Hebrew points and
/// cantillation, Arabic harakat and Quranic marks. `search.js` has the same
/// list as a regular expression.
pub(crate) const STRIP: &[(u32, u32)] = &[
    (0x0300, 0x036F),
    (0x0591, 0x05BD),
    (0x05BF, 0x05BF),
    (0x05C1, 0x05C2),
    (0x05C4, 0x05C5),
    (0x05C7, 0x05C7),
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06DC),
    (0x06DF, 0x06E4),
    (0x06E7, 0x06E8),
    (0x06EA, 0x06ED),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
];

/// Characters dropped without cutting a word: soft hyphen, transliteration
/// marks (ʼ ʾ ʿ), the Arabic tatweel, zero-width joiners and the byte-order
/// mark. Sorted, for binary search.
pub(super) const IGNORED: &[char] = &[
    '\u{00AD}', '\u{02BC}', '\u{02BE}', '\u{02BF}', '\u{0640}', '\u{200C}', '\u{200D}', '\u{2060}',
    '\u{FEFF}',
];

pub(super) struct Tables {
    /// Lower-case character -> folded form, sorted.
    pub(super) fold: Vec<(char, Box<str>)>,
    /// General category M (combining marks), sorted ranges.
    pub(super) marks: Vec<(u32, u32)>,
}

pub(super) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let hex = |s: &str| u32::from_str_radix(s, 16).ok();
        let fold = FOLD_TABLE
            .split_whitespace()
            .filter_map(|entry| {
                let (from, to) = entry.split_once(':')?;
                let from = char::from_u32(hex(from)?)?;
                let to: Option<String> = to
                    .split('.')
                    .map(|c| hex(c).and_then(char::from_u32))
                    .collect();
                Some((from, to?.into_boxed_str()))
            })
            .collect();
        let marks = MARK_TABLE
            .split_whitespace()
            .filter_map(|range| {
                let (start, end) = range.split_once('-').unwrap_or((range, range));
                Some((hex(start)?, hex(end)?))
            })
            .collect();
        Tables { fold, marks }
    })
}

pub(super) fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let c = u32::from(c);
    let i = ranges.partition_point(|&(_, end)| end < c);
    ranges.get(i).is_some_and(|&(start, _)| start <= c)
}

/// Appends `c` lower-cased, decomposed and without diacritics (as UTF-8).
pub(super) fn fold_into(c: char, out: &mut Vec<u8>, tables: &Tables) {
    for lower in c.to_lowercase() {
        if in_ranges(STRIP, lower) {
            continue;
        }
        match tables.fold.binary_search_by_key(&lower, |(k, _)| *k) {
            Ok(i) => out.extend_from_slice(tables.fold[i].1.as_bytes()),
            Err(_) => out.extend_from_slice(lower.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

/// ASCII letters and digits lower-cased; 0 for every other ASCII byte.
pub(super) const ASCII_FOLD: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_uppercase() {
            c.to_ascii_lowercase()
        } else if c.is_ascii_alphanumeric() {
            c
        } else {
            0
        };
        b += 1;
    }
    table
};

/// ASCII letters and digits: the bytes of most tokens.
pub(super) const ASCII_WORD: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = ASCII_FOLD[b] != 0;
        b += 1;
    }
    table
};
