//! Small text helpers: counting words, tidying white space and encoding
//! words for a `#:~:text=` link, used by the renderer and by the stages
//! after it (the search index, the report).

/// The words of a text: runs between white space that hold a letter or a
/// digit.
pub fn count_words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Runs of white space become one space, none at either end; and the
/// space a removed citation leaves before closing punctuation (`.,;:!?)`)
/// goes. What `split_whitespace` and a join would give, made by copying
/// the text between the places where it changes.
pub fn tidy(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut tidy = String::with_capacity(text.len());
    // Whether the character at `i` is white space, and its length.
    let char_at = |i: usize| -> (bool, usize) {
        match bytes[i] {
            b' ' | b'\t'..=b'\r' => (true, 1),
            0..0x80 => (false, 1),
            _ => match text.get(i..).and_then(|t| t.chars().next()) {
                Some(c) => (c.is_whitespace(), c.len_utf8()),
                None => (false, 1),
            },
        }
    };
    let punctuation = |b: u8| matches!(b, b'.' | b',' | b';' | b':' | b'!' | b'?' | b')');
    // The start of the text not copied yet.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Printable ASCII but the space, eight bytes at a time.
        i += printable_run(&bytes[i..]);
        if i >= bytes.len() {
            break;
        }
        let (space, len) = char_at(i);
        if !space {
            i += len;
            continue;
        }
        // A space between words: past `run`, white space is either such a
        // space, passed over, or where the copy stops, so `i > run` means a
        // word before it.
        let single = bytes[i] == b' '
            && i > run
            && bytes
                .get(i + 1)
                .is_some_and(|&b| !punctuation(b) && !char_at(i + 1).0);
        if single {
            i += 1;
            continue;
        }
        tidy.push_str(&text[run..i]);
        while i < bytes.len() {
            let (space, len) = char_at(i);
            if !space {
                break;
            }
            i += len;
        }
        run = i;
        if i < bytes.len() && !tidy.is_empty() && !punctuation(bytes[i]) {
            tidy.push(' ');
        }
    }
    tidy.push_str(&text[run..]);
    tidy
}

/// How many bytes `bytes` starts with that are printable ASCII other than
/// the space, looked at eight at a time; stops before the last few bytes
/// (fewer than eight), which the caller looks at.
#[inline(always)]
fn printable_run(bytes: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    for (n, word) in bytes.chunks_exact(8).enumerate() {
        let x = word
            .first_chunk::<8>()
            .map_or(0, |word| u64::from_le_bytes(*word));
        // Bit 7 of a byte of the sum is set where its low seven bits are
        // at least 0x21, and no sum carries out of its byte; a byte whose
        // own bit 7 is set (not ASCII) stops too.
        let printable = (x & !HIGH) + (0x80 - 0x21) * 0x0101_0101_0101_0101;
        let stop = (!printable | x) & HIGH;
        if stop != 0 {
            return 8 * n + (stop.trailing_zeros() / 8) as usize;
        }
    }
    bytes.len() / 8 * 8
}

/// The characters a `#:~:text=` fragment must have encoded.
const TEXT_FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'*')
    .remove(b'(')
    .remove(b')')
    .remove(b'\'');

/// Encodes words for a `#:~:text=` fragment (where `-`, `,` and `&` are
/// syntax and must be escaped).
pub fn text_fragment(words: &str) -> String {
    percent_encoding::utf8_percent_encode(words, TEXT_FRAGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fragments_escape_their_syntax() {
        assert_eq!(
            text_fragment("al-Sharaa, a “tough guy”"),
            "al%2DSharaa%2C%20a%20%E2%80%9Ctough%20guy%E2%80%9D"
        );
    }

    #[test]
    fn tidy_joins_words_as_split_whitespace_does() {
        let reference = |text: &str| {
            let mut tidy = String::new();
            for word in text.split_whitespace() {
                if !tidy.is_empty() && !word.starts_with(['.', ',', ';', ':', '!', '?', ')']) {
                    tidy.push(' ');
                }
                tidy.push_str(word);
            }
            tidy
        };
        // A fixed sequence of pseudo-random numbers (xorshift64).
        let mut xorshift = std::iter::successors(Some(0x2545_f491_4f6c_dd1du64), |&seed| {
            let mut seed = seed ^ (seed << 13);
            seed ^= seed >> 7;
            Some(seed ^ (seed << 17))
        })
        .skip(1);
        let pieces = [
            " ", "  ", "\t", "\n", "\u{b}", "\u{1c}", "\u{85}", "\u{a0}", "\u{3000}", "\u{2028}",
            "a", "word", "é", "日本", ".", ",", ")", "(", "!", "-", "\u{1}",
        ];
        for seed in xorshift.by_ref().take(20_000) {
            let text: String = (0..(seed % 24))
                .map(|k| pieces[(seed >> (2 * k + 5)) as usize % pieces.len()])
                .collect();
            assert_eq!(tidy(&text), reference(&text), "{text:?}");
        }
    }
}
