//! Property tests (proptest) for the parsers that read what authors write:
//! the citation scanner, the quotation normaliser and matcher, the partial
//! date parser and front-matter splitting. The inputs are random, but the
//! seed is fixed, so every run checks the same cases; the cargo-fuzz
//! targets in `fuzz/` check the same properties for as long as one likes
//! (docs/TESTING.md).

use std::ops::Range;

use briefbook::citation::{self, InlineRefKind};
use briefbook::date::PartialDate;
use briefbook::frontmatter;
use briefbook::quote::{self, Normalized};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x6272_6965_6662_6f6f),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text made mostly of the pieces the citation syntax is built from, so
/// that random text is often nearly a citation.
fn citation_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[".to_string()),
        Just("]".to_string()),
        Just("[@nyt".to_string()),
        Just("@ynet".to_string()),
        Just("#p3".to_string()),
        Just("#p1-p2".to_string()),
        Just("#".to_string()),
        Just("\"".to_string()),
        Just("\u{201C}".to_string()),
        Just("\u{201D}".to_string()),
        Just("; ".to_string()),
        Just("`".to_string()),
        Just("```\n".to_string()),
        Just("\\".to_string()),
        Just("[[".to_string()),
        Just("]]".to_string()),
        Just("|".to_string()),
        Just("(".to_string()),
        Just(":".to_string()),
        Just("^".to_string()),
        Just("<b>".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("    ".to_string()),
        "[a-z ]{1,6}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..48).prop_map(|v| v.concat())
}

/// Text made of what the quotation normaliser folds, drops or keeps.
fn quotable_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z]{1,5}",
        Just(" ".to_string()),
        Just("  ".to_string()),
        Just("\n".to_string()),
        Just("\t".to_string()),
        Just("\u{00A0}".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("\u{2019}".to_string()),
        Just("\u{201C}".to_string()),
        Just("-".to_string()),
        Just("\u{2010}".to_string()),
        Just("\u{2011}".to_string()),
        Just("\u{2013}".to_string()),
        Just("\u{00AD}".to_string()),
        Just("\u{200B}".to_string()),
        Just("\u{FEFF}".to_string()),
        Just("é".to_string()),
        Just("שלום".to_string()),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn in_text(text: &str, offset: usize, span: &Range<usize>) -> bool {
    span.start >= offset
        && span.start <= span.end
        && span.end <= offset + text.len()
        && text.is_char_boundary(span.start - offset)
        && text.is_char_boundary(span.end - offset)
}

fn check_scan(text: &str, offset: usize) -> Result<(), TestCaseError> {
    let skip = citation::code_ranges(text);
    for r in &skip {
        prop_assert!(
            r.start <= r.end && r.end <= text.len(),
            "skip range {:?}",
            r
        );
    }
    let (refs, errors) = citation::scan(text, offset, &skip);
    let mut last = offset;
    for r in &refs {
        prop_assert!(in_text(text, offset, &r.span), "span {:?}", r.span);
        prop_assert!(r.span.start >= last, "references overlap");
        last = r.span.end;
        if let InlineRefKind::Citation(group) = &r.kind {
            prop_assert!(!group.refs.is_empty());
            for c in &group.refs {
                let parts = [
                    Some(&c.span),
                    Some(&c.key_span),
                    c.locator.as_ref().map(|l| &l.span),
                    c.quotation.as_ref().map(|q| &q.span),
                ];
                for span in parts.into_iter().flatten() {
                    prop_assert!(in_text(text, offset, span), "part {:?}", span);
                    prop_assert!(span.start >= r.span.start && span.end <= r.span.end);
                }
                let key = &text[c.key_span.start - offset..c.key_span.end - offset];
                prop_assert_eq!(&key[1..], c.key.as_str());
            }
        }
    }
    for e in &errors {
        prop_assert!(in_text(text, offset, &e.span), "error span {:?}", e.span);
    }
    check_collected(text)?;
    Ok(())
}

/// Renders `text` as a note, collecting all its text: no panic, and every
/// unit stands in the text.
fn check_collected(text: &str) -> Result<(), TestCaseError> {
    use briefbook::markdown::{self, Collect, Fragment, RenderEnv};
    let mut map = briefbook::diagnostics::SourceMap::default();
    let file = map.add("n.md".into(), "n.md".into(), text.into());
    let (sources, glossary) = Default::default();
    let env = RenderEnv {
        sources: &sources,
        glossary: &glossary,
        autolink: None,
        term_previews: &[],
        unloaded: &Default::default(),
    };
    let fragment = |collect| Fragment {
        file,
        text,
        offset: 0,
        page: "n.html",
        base_dir: "",
        first_footnote: 1,
        autolink: false,
        escapes: None,
        collect,
    };
    let page = Collect::Page {
        sections: true,
        title_in_body: true,
        units: true,
    };
    let rendered = markdown::render(&env, &fragment(page));
    for unit in &rendered.units {
        prop_assert!(unit.at <= text.len(), "unit at {}", unit.at);
    }
    let _ = markdown::render(&env, &fragment(Collect::Plain));
    Ok(())
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn citation_scan_never_panics_and_keeps_spans_in_bounds(text in citation_text(), offset in 0usize..100) {
        check_scan(&text, offset)?;
    }

    #[test]
    fn citation_scan_on_any_string(text in any::<String>()) {
        check_scan(&text, 3)?;
    }

    #[test]
    fn a_piece_of_a_text_is_always_found_in_it(text in quotable_text(), a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let (mut start, mut end) = (bounds[a.index(bounds.len())], bounds[b.index(bounds.len())]);
        if start > end {
            std::mem::swap(&mut start, &mut end);
        }
        let haystack = Normalized::new(&text);
        let needle = Normalized::new(&text[start..end]);
        let found = haystack.find_all(&needle.text);
        if !needle.text.is_empty() {
            prop_assert!(!found.is_empty(), "{:?} not found in {:?}", needle.text, haystack.text);
        }
        for r in &found {
            prop_assert!(r.start < r.end && r.end <= text.len(), "{:?}", r);
            prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            // What was found is the needle, once normalised.
            prop_assert_eq!(&Normalized::new(&text[r.clone()]).text, &needle.text);
        }
    }

    #[test]
    fn matching_never_panics_and_maps_back_inside_the_text(text in quotable_text(), other in quotable_text()) {
        let haystack = Normalized::new(&text);
        let needle = Normalized::new(&other);
        for r in haystack.find_all(&needle.text) {
            prop_assert!(r.end <= text.len() && text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        }
        if let Some((r, score)) = quote::closest_passage(&haystack, &needle.text) {
            prop_assert!(r.end <= text.len() && text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            prop_assert!((0.0..=1.0).contains(&score));
        }
        let _ = quote::matches_ignoring_case_and_dashes(&haystack, &needle.text);
        // Normalised text has no run of spaces and no space at either end.
        prop_assert!(!haystack.text.contains("  "));
        prop_assert_eq!(haystack.text.trim(), haystack.text.as_str());
    }

    #[test]
    fn date_parsing_never_panics_and_round_trips(text in prop_oneof![
        any::<String>(),
        "[0-9]{0,5}(-[0-9]{0,3}){0,3}",
        "[0-9٠-٩０-９]{4}-[0-9]{2}-[0-9]{2}",
    ]) {
        if let Ok(date) = PartialDate::parse(&text) {
            let shown = date.to_string();
            prop_assert_eq!(&shown, &text, "a date that parses is written in its one form");
            prop_assert_eq!(PartialDate::parse(&shown), Ok(date));
            let _ = date.human();
        }
    }

    #[test]
    fn every_real_date_parses_and_prints_back(year in 1u16..=9999, month in 1u8..=12, day in 1u8..=31, precision in 0..3) {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let last = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let text = match precision {
            0 => format!("{year:04}"),
            1 => format!("{year:04}-{month:02}"),
            _ => format!("{year:04}-{month:02}-{day:02}"),
        };
        let parsed = PartialDate::parse(&text);
        if precision == 2 && day > last {
            prop_assert!(parsed.is_err(), "{} should not parse", text);
        } else {
            let date = parsed.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(date.to_string(), text);
        }
    }

    #[test]
    fn front_matter_splitting_never_panics(text in prop_oneof![
        any::<String>(),
        prop::collection::vec(prop_oneof![
            Just("+++".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just(" ".to_string()),
            Just("\u{FEFF}".to_string()),
            Just("title = \"x\"".to_string()),
            any::<char>().prop_map(|c| c.to_string()),
        ], 0..16).prop_map(|v| v.concat()),
    ]) {
        match frontmatter::split(&text) {
            Ok(split) => {
                prop_assert!(split.body_offset <= text.len());
                prop_assert_eq!(split.body, &text[split.body_offset..]);
                match split.front_matter {
                    Some((toml, range)) => {
                        prop_assert_eq!(toml, &text[range.clone()]);
                        prop_assert!(range.end <= split.body_offset);
                    }
                    None => prop_assert_eq!(split.body_offset, 0),
                }
            }
            Err(span) => {
                prop_assert!(span.start <= span.end && span.end <= text.len());
                prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            }
        }
    }
}
