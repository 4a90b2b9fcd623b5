//! The quotation normaliser and matchers: any piece of a text, normalised,
//! is found in the normalised text, and every range maps back inside the
//! original on character boundaries.
#![no_main]

use briefbook::quote::{self, Normalized};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, u16, u16, &str)| {
    let (text, a, b) = (input.0, usize::from(input.1), usize::from(input.2));
    let haystack = Normalized::new(text);
    let mut start = a.min(text.len());
    let mut end = b.min(text.len());
    if start > end {
        std::mem::swap(&mut start, &mut end);
    }
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let needle = Normalized::new(&text[start..end]);
    let found = haystack.find_all(&needle.text);
    if !needle.text.is_empty() {
        assert!(
            !found.is_empty(),
            "{:?} not found in {:?}",
            needle.text,
            haystack.text
        );
    }
    for r in &found {
        assert!(r.start < r.end && r.end <= text.len());
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        assert_eq!(Normalized::new(&text[r.clone()]).text, needle.text);
    }
    // Any other needle: no panic, ranges in bounds.
    let other = Normalized::new(input.3);
    for r in haystack.find_all(&other.text) {
        assert!(
            r.end <= text.len() && text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
        );
    }
    if let Some((r, score)) = quote::closest_passage(&haystack, &other.text) {
        assert!(
            r.end <= text.len() && text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
        );
        assert!((0.0..=1.0).contains(&score));
    }
    let _ = quote::matches_ignoring_case_and_dashes(&haystack, &other.text);
    // The editors' conventions: any quotation reads or is refused, and
    // every piece found lies in the text, in order, on character boundaries.
    if let Ok(pattern) = quote::Pattern::parse(input.3) {
        for m in pattern.find_in(&haystack, 10) {
            let mut end = 0;
            for r in &m.pieces {
                assert!(r.start >= end && r.start <= r.end && r.end <= text.len());
                assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
                end = r.end;
            }
        }
        let _ = quote::word_difference(text, pattern.words());
    }
    let _ = quote::one_line(text);
});
