//! Tokens: cutting a document's text into folded words, each hashed once
//! (an FNV-style hash read eight bytes at a time) for interning and for
//! the shard a token goes to.

use super::*;
/// One token of a document: where it is in the document's token buffer.
pub(super) struct Span {
    pub(super) hash: u64,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) title: bool,
}

/// The tokens of a document as they are cut: folded, one after another in
/// `buf`. With `distinct`, a token already seen is dropped at once (an open
/// addressing table of span numbers by hash), so each distinct token is
/// kept once, marked as title if any occurrence is.
#[derive(Default)]
pub(super) struct Tokens {
    /// UTF-8, and each token is whole characters: bytes rather than a
    /// `String` so that ASCII is lower-cased as it is copied.
    pub(super) buf: Vec<u8>,
    pub(super) spans: Vec<Span>,
    pub(super) distinct: bool,
    /// Span number + 1 by hash; 0 is empty. Twice the spans, a power of two.
    pub(super) slots: Vec<u32>,
}

impl Tokens {
    pub(super) fn distinct() -> Tokens {
        Tokens {
            distinct: true,
            ..Tokens::default()
        }
    }

    /// Cuts `text` into folded tokens.
    pub(super) fn add(&mut self, text: &str, title: bool) {
        let tables = tables();
        let bytes = text.as_bytes();
        self.buf.reserve(bytes.len());
        // Where the token being cut starts in `buf`; `buf.len()` while
        // nothing of it has been folded there.
        let mut start = self.buf.len();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if ASCII_WORD[usize::from(b)] {
                // Most of a book: a run of ASCII letters and digits.
                let run = i;
                let (len, hash) = ascii_run(&bytes[i..]);
                i += len;
                if self.buf.len() == start && bytes.get(i).is_none_or(|&b| b < 0x80) {
                    // The whole token: hashed from the text, and copied to
                    // `buf` only if the document does not have it yet.
                    self.ascii_token(text, run..i, hash, title);
                    start = self.buf.len();
                    // What ended it, if anything, is an ASCII separator:
                    // nothing more to cut there.
                    i += 1;
                } else {
                    // Part of a token with other characters.
                    self.buf.extend(bytes[run..i].iter().map(|&b| b | 0x20));
                }
                continue;
            }
            if b >= 0x80 {
                let Some(c) = text[i..].chars().next() else {
                    break;
                };
                i += c.len_utf8();
                if IGNORED.binary_search(&c).is_ok() || in_ranges(STRIP, c) {
                    continue;
                }
                if c.is_alphanumeric() || in_ranges(&tables.marks, c) {
                    fold_into(c, &mut self.buf, tables);
                    continue;
                }
            } else {
                i += 1;
            }
            if self.buf.len() > start {
                self.end(start, title);
                start = self.buf.len();
            }
        }
        self.end(start, title);
    }

    /// Adds the token of ASCII letters and digits at `range` of `text`, not
    /// lower-cased yet; `hash` is its [`ascii_run`] hash.
    #[inline(always)]
    pub(super) fn ascii_token(&mut self, text: &str, range: Range<usize>, hash: u64, title: bool) {
        let from = range.start;
        let mut len = range.len();
        let mut hash = hash;
        if len < 2 {
            return; // one letter or digit, as in `end`
        }
        if len > MAX_TOKEN_CHARS {
            // One character a byte: the cut is at a character boundary.
            len = MAX_TOKEN_CHARS;
            hash = token_hash(&text.as_bytes()[from..from + len], ASCII_LOWER);
        }
        if self.seen(hash, len, title) {
            return;
        }
        let start = self.buf.len();
        let token = &text.as_bytes()[from..from + len];
        // Setting bit 5 lower-cases an ASCII letter and keeps a digit.
        self.buf.extend(token.iter().map(|&b| b | 0x20));
        self.spans.push(Span {
            hash,
            start,
            end: self.buf.len(),
            title,
        });
    }

    /// Ends the token that starts at `start` of `buf`.
    #[inline]
    pub(super) fn end(&mut self, start: usize, title: bool) {
        let len = self.buf.len().saturating_sub(start);
        if len < 2 {
            // Nothing, or one ASCII letter or digit ("a", the "U" of "U.S."):
            // too common to help.
            self.buf.truncate(start);
            return;
        }
        if len > MAX_TOKEN_CHARS {
            // Cut before the first byte of character MAX_TOKEN_CHARS + 1
            // (a byte that does not continue a character).
            let token = self.buf.get(start..).unwrap_or(&[]);
            if let Some(cut) = token
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b & 0xC0 != 0x80)
                .nth(MAX_TOKEN_CHARS)
                .map(|(cut, _)| cut)
            {
                self.buf.truncate(start + cut);
            }
        }
        let end = self.buf.len();
        let hash = token_hash(&self.buf[start..end], 0);
        if self.seen(hash, end - start, title) {
            self.buf.truncate(start);
            return;
        }
        self.spans.push(Span {
            hash,
            start,
            end,
            title,
        });
    }

    /// With `distinct`, whether the document has the token already (then
    /// marked as title if this occurrence is); if not, its slot is taken
    /// for the span about to be pushed.
    #[inline(always)]
    pub(super) fn seen(&mut self, hash: u64, len: usize, title: bool) -> bool {
        if !self.distinct {
            return false;
        }
        if self.slots.len() < 2 * (self.spans.len() + 1) {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        while let Some(n) = self.slots[at].checked_sub(1) {
            let span = &mut self.spans[n as usize];
            // Within one document two tokens with the same 64-bit hash
            // and length are the same token (a collision is a 1 in 10^15
            // event); the interner compares the text itself.
            if span.hash == hash && span.end - span.start == len {
                span.title |= title;
                return true;
            }
            at = (at + 1) & mask;
        }
        self.slots[at] = self.spans.len() as u32 + 1;
        false
    }

    pub(super) fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        self.slots = vec![0; size];
        let mask = size - 1;
        for (n, span) in self.spans.iter().enumerate() {
            let mut at = span.hash as usize & mask;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = n as u32 + 1;
        }
    }
}

/// The tokens of `text` as the index holds them: folded (lower case, no
/// diacritics), cut at every character that is not a letter, digit or
/// combining mark, one-letter ASCII words left out. `search.js` cuts a
/// query the same way.
pub fn tokens(text: &str) -> Vec<String> {
    let mut tokens = Tokens::default();
    tokens.add(text, false);
    tokens
        .spans
        .iter()
        .map(|s| String::from_utf8_lossy(&tokens.buf[s.start..s.end]).into_owned())
        .collect()
}

// ---------------------------------------------------------------- hashing

pub(super) fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

// A token's 64-bit hash is computed eight bytes at a time: every
// occurrence of every word of the book is hashed, millions in a large book.
// Only the documents' deduplication and the interner see it (never a file
// of the index), so it can be any good hash. ASCII tokens are hashed while
// they are measured in the text (`ascii_run`), others once folded
// (`token_hash`); both give the same hash for the same folded token.

/// Bit 5 of every byte: or-ed into ASCII letters and digits, it lower-cases
/// the letters and keeps the digits.
pub(super) const ASCII_LOWER: u64 = 0x2020_2020_2020_2020;

/// Mixes eight bytes (little-endian; fewer are zero-padded) into a hash.
#[inline(always)]
pub(super) fn hash_word(h: u64, word: u64) -> u64 {
    (h ^ word)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .rotate_left(31)
}

/// The hash of a token of `len` bytes whose words were mixed into `h`. One
/// round of mixing is enough: it is a bijection (tokens of a length whose
/// words mixed differently keep different hashes), and it spreads the bits
/// both ways, up by the product and back down by the shift, for the tables
/// that use the low bits and the interner that uses the high ones.
#[inline(always)]
pub(super) fn hash_finish(h: u64, len: usize) -> u64 {
    let h = (h ^ len as u64).wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 32)
}

/// The first eight bytes of `chunk` (which has them: a chunk of
/// `chunks_exact(8)`) as a little-endian word.
#[inline(always)]
pub(super) fn le_word(chunk: &[u8]) -> u64 {
    chunk
        .first_chunk::<8>()
        .map_or(0, |word| u64::from_le_bytes(*word))
}

/// Up to seven bytes as a little-endian word, built in a register (a copy
/// through memory stalls on the load) from loads that may overlap.
#[inline(always)]
pub(super) fn load_tail(rest: &[u8]) -> u64 {
    let n = rest.len();
    match (rest.first_chunk::<4>(), rest.last_chunk::<4>()) {
        (Some(low), Some(high)) => {
            u64::from(u32::from_le_bytes(*low))
                | u64::from(u32::from_le_bytes(*high)) << (8 * (n - 4))
        }
        _ if n > 0 => {
            u64::from(rest[0])
                | u64::from(rest[n / 2]) << (8 * (n / 2))
                | u64::from(rest[n - 1]) << (8 * (n - 1))
        }
        _ => 0,
    }
}

/// `a == b`, without a call to `memcmp` for tokens of up to sixteen bytes
/// (the call costs more than the comparison).
#[inline(always)]
pub(super) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    match (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        (Some(a8), Some(b8)) if a.len() <= 16 => {
            a8 == b8 && a.last_chunk::<8>() == b.last_chunk::<8>()
        }
        (None, None) => load_tail(a) == load_tail(b),
        _ => a == b,
    }
}

/// The hash of a folded token. Each byte is or-ed with the byte of `or`
/// (`ASCII_LOWER` hashes ASCII letters and digits as they are folded;
/// otherwise 0).
pub(super) fn token_hash(bytes: &[u8], or: u64) -> u64 {
    let mut words = bytes.chunks_exact(8);
    let mut h = 0;
    for word in &mut words {
        h = hash_word(h, le_word(word) | or);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        h = hash_word(h, load_tail(rest) | or >> (64 - 8 * rest.len()));
    }
    hash_finish(h, bytes.len())
}

/// Where a word of eight bytes has a byte that is not an ASCII letter or
/// digit: that byte's high bit set, the others clear.
#[inline(always)]
pub(super) fn not_ascii_word(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Each byte's high bit, set where the byte is at least `c`: on bytes
    // of seven bits the sums stay within their byte (0x7F + 0x80).
    let at_least = |v: u64, c: u8| v + (0x80 - u64::from(c)) * ONES;
    let low = x & !HIGH;
    let lower = low | ASCII_LOWER;
    let letter = at_least(lower, b'a') & !at_least(lower, b'z' + 1);
    let digit = at_least(low, b'0') & !at_least(low, b'9' + 1);
    !((letter | digit) & !x) & HIGH
}

/// The run of ASCII letters and digits `bytes` starts with: its length,
/// and its hash folded (what [`token_hash`] gives for the run lower-cased).
/// Eight bytes at a time, measured and hashed at once: this is where
/// tokenising spends its time.
#[inline(always)]
pub(super) fn ascii_run(bytes: &[u8]) -> (usize, u64) {
    let mut h = 0;
    let mut words = bytes.chunks_exact(8);
    for (k, word) in (&mut words).enumerate() {
        let x = le_word(word);
        let other = not_ascii_word(x);
        if other == 0 {
            h = hash_word(h, x | ASCII_LOWER);
            continue;
        }
        let n = (other.trailing_zeros() / 8) as usize;
        if n > 0 {
            h = hash_word(h, (x | ASCII_LOWER) & (u64::MAX >> (64 - 8 * n)));
        }
        return (8 * k + n, hash_finish(h, 8 * k + n));
    }
    // Fewer than eight bytes left.
    let rest = words.remainder();
    let at = bytes.len() - rest.len();
    let n = rest
        .iter()
        .take_while(|&&b| ASCII_WORD[usize::from(b)])
        .count();
    if n > 0 {
        h = hash_word(h, load_tail(&rest[..n]) | ASCII_LOWER >> (64 - 8 * n));
    }
    (at + n, hash_finish(h, at + n))
}

/// The shard key's hash: FNV-1a (32 bits) over the UTF-16 code units of
/// the token's first three characters, which is what `search.js` computes.
pub fn shard_hash(token: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut units = [0u16; 2];
    for c in token.chars().take(3) {
        for &unit in c.encode_utf16(&mut units).iter() {
            h ^= u32::from(unit);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// A file's name: a 48-bit hash of its content, hex. Word at a time: the
/// documents of a large book are tens of megabytes.
pub(super) fn content_name(bytes: &[u8]) -> String {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = (h ^ u64::from_le_bytes(w))
            .wrapping_mul(0xff51_afd7_ed55_8ccd)
            .rotate_left(29);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    format!("{:012x}", h >> 16)
}

/// Hashes that are already hashes: the interner's map needs no second one.
#[derive(Default)]
pub(super) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv64(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}
