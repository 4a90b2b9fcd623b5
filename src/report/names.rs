//! How the report compares names: a text split into words (`Token`s)
//! that know whether punctuation ends a phrase around them and whether
//! they are an Arabic article, each word folded to lower case without
//! accents, and the keys that make two spellings of one name equal
//! (transliteration keys, light keys).

use std::ops::Range;

use crate::quote::Normalized;

/// Arabic article forms written before a name with a hyphen ("ash-Sham").
const ARTICLES: &[&str] = &[
    "al", "el", "ad", "adh", "an", "ar", "as", "ash", "at", "ath", "az", "ul",
];

/// One word of a text, split at white space and hyphens.
#[derive(Debug, Clone)]
pub(super) struct Token {
    /// Where it stands, without surrounding punctuation.
    pub(super) range: Range<usize>,
    /// Lower case, accents removed, letters and digits only.
    pub(super) folded: String,
    /// An Arabic article ("al-", "el-"): left out of transliteration keys.
    pub(super) article: bool,
    /// Starts with a capital letter (or a letter of a script without case).
    pub(super) capital: bool,
    /// Punctuation before it ends the phrase before it.
    pub(super) break_before: bool,
    /// Punctuation after it ends the phrase it is in.
    pub(super) break_after: bool,
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Splits text into words at white space and hyphens, recording where
/// punctuation ends a phrase so that a name is never matched across a
/// comma or a full stop.
pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut chunks: Vec<(Range<usize>, bool)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        let separator = c.is_whitespace() || is_hyphen(c);
        match (separator, start) {
            (true, Some(s)) => {
                chunks.push((s..i, is_hyphen(c)));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        chunks.push((s..text.len(), false));
    }
    for (range, hyphen_after) in chunks {
        let chunk = &text[range.clone()];
        let Some(first) = chunk.find(|c: char| c.is_alphanumeric()) else {
            // Punctuation standing alone ("—", "&") ends a phrase.
            if let Some(last) = tokens.last_mut() {
                last.break_after = true;
            }
            continue;
        };
        let last = chunk
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_alphanumeric())
            .map_or(chunk.len(), |(i, c)| i + c.len_utf8());
        let mut word = &chunk[first..last];
        let mut trailing = &chunk[last..];
        // A possessive ends the name: "Assad’s government".
        for suffix in ["'s", "\u{2019}s", "'S", "\u{2019}S"] {
            if let Some(stem) = word.strip_suffix(suffix) {
                word = stem;
                trailing = suffix;
            }
        }
        let word_start = range.start + first;
        let mut folded = String::with_capacity(word.len());
        for c in word.chars() {
            fold_char(c, &mut folded);
        }
        if folded.is_empty() {
            continue;
        }
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let capital = word
            .chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(|c| !c.is_lowercase());
        // "Mr." and "U.S." do not end a phrase; "Paris." does.
        let abbreviation = trailing == "." && letters <= 3 && capital;
        let break_after = !trailing.is_empty() && !abbreviation;
        let break_before = first > 0;
        // "al-Assad", "Al-Sheibani", "ash-Sham", "el Sharaa"; but not
        // "Al Jazeera" or the English "as".
        let lower = word.chars().next().is_some_and(|c| c.is_lowercase());
        let article = ARTICLES.contains(&folded.as_str())
            && (hyphen_after || (lower && (folded == "al" || folded == "el")));
        tokens.push(Token {
            range: word_start..word_start + word.len(),
            folded,
            article,
            capital,
            break_before,
            break_after,
        });
    }
    tokens
}

/// Appends `c` lower-cased without accents, or nothing for punctuation and
/// the marks transliterations use for ayn and hamza.
fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
        return;
    }
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' | 'ạ' | 'Ạ' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' | 'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "c",
        'ď' | 'đ' | 'ḍ' | 'ḏ' | 'Ď' | 'Đ' | 'Ḍ' | 'Ḏ' | 'ð' | 'Ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ'
        | 'Ė' | 'Ę' | 'Ě' | 'ẹ' | 'Ẹ' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "g",
        'ĥ' | 'ħ' | 'ḥ' | 'ḫ' | 'Ĥ' | 'Ħ' | 'Ḥ' | 'Ḫ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī'
        | 'Ĭ' | 'Į' | 'İ' | 'ị' | 'Ị' => "i",
        'ĵ' | 'Ĵ' => "j",
        'ķ' | 'ḳ' | 'Ķ' | 'Ḳ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | 'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "l",
        'ṃ' | 'Ṃ' => "m",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ṇ' | 'Ñ' | 'Ń' | 'Ņ' | 'Ň' | 'Ṇ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø'
        | 'Ō' | 'Ŏ' | 'Ő' | 'ọ' | 'Ọ' => "o",
        'œ' | 'Œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' | 'ṛ' | 'Ŕ' | 'Ŗ' | 'Ř' | 'Ṛ' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ṣ' | 'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ṣ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ṭ' | 'ṯ' | 'Ţ' | 'Ť' | 'Ŧ' | 'Ṭ' | 'Ṯ' => "t",
        'þ' | 'Þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ'
        | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' | 'ụ' | 'Ụ' => "u",
        'ŵ' | 'Ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'Ý' | 'Ÿ' | 'Ŷ' => "y",
        'ź' | 'ż' | 'ž' | 'ẓ' | 'ẕ' | 'Ź' | 'Ż' | 'Ž' | 'Ẓ' | 'Ẕ' => "z",
        // Ayn and hamza marks, apostrophes, combining accents: not letters
        // of the name.
        '\u{02BB}'..='\u{02BF}' | '\u{02C8}' | '\u{0300}'..='\u{036F}' => "",
        c if c.is_alphanumeric() => {
            out.extend(c.to_lowercase());
            return;
        }
        _ => "",
    };
    out.push_str(base);
}

/// The transliteration key of folded words: articles left out; `ou`, `oo`
/// and `ee` read as `u`, `u` and `i`; a final `-eh` or `-ah` as `-a`
/// (Salameh, Salama); `e` as `a` and `o` as `u` (Ahmed, Ahmad; Omar, Umar);
/// doubled letters as single (Assad, Asad).
pub(super) fn transliteration_key<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut key = String::new();
    for word in words {
        let mut w = word
            .replace("ou", "u")
            .replace("oo", "u")
            .replace("ee", "i");
        if w.chars().count() > 3 && (w.ends_with("eh") || w.ends_with("ah")) {
            w.truncate(w.len() - 2);
            w.push('a');
        }
        key.extend(w.chars().map(|c| match c {
            'e' => 'a',
            'o' => 'u',
            c => c,
        }));
    }
    let mut single = String::with_capacity(key.len());
    let mut previous = None;
    for c in key.chars() {
        if previous != Some(c) {
            single.push(c);
        }
        previous = Some(c);
    }
    single
}

/// A name compared as written, but for case, white space, the kinds of
/// hyphen and quotation mark (the quotation matching rules) and the
/// punctuation around it ("Jr." and "Jr" at the end of a sentence).
pub(super) fn light_key(text: &str) -> String {
    Normalized::new(text.trim_matches(|c: char| !c.is_alphanumeric()))
        .text
        .to_lowercase()
}

/// The transliteration key of each word of a phrase but its articles.
pub(super) fn word_keys(tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| !t.article)
        .map(|t| transliteration_key(std::iter::once(t.folded.as_str())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_keys() {
        let mut s = String::new();
        for c in "Ḥusayn Ṣalāmah’s".chars() {
            fold_char(c, &mut s);
        }
        assert_eq!(s, "husaynsalamahs");
        assert_eq!(transliteration_key(["salameh"].into_iter()), "salama");
        assert_eq!(transliteration_key(["ahmed"].into_iter()), "ahmad");
        assert_eq!(transliteration_key(["mohammed"].into_iter()), "muhamad");
        assert_eq!(transliteration_key(["muhammad"].into_iter()), "muhamad");
        assert_eq!(transliteration_key(["youssef"].into_iter()), "yusaf");
        let tokens = tokenize("Mr. al‑Sharaa’s plan, “Assad” (2024).");
        let words: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
        assert_eq!(words, ["mr", "al", "sharaa", "plan", "assad", "2024"]);
        assert!(!tokens[0].break_after, "Mr. is an abbreviation");
        assert!(tokens[1].article);
        assert!(tokens[2].break_after, "a possessive ends a name");
        assert!(tokens[3].break_after && tokens[4].break_before);
    }
}
